"""Add or edit one vehicle: jurisdiction, plate (with its stored form shown live), make, model.

The dialog checks what was typed and saves it off the GUI thread; field messages (an
exact duplicate plate names its owner) appear under their fields while the dialog stays
open, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.services.errors import (
    ConflictError,
    DuplicateCandidate,
    DuplicateWarning,
    FieldProblem,
)
from desktop.services.parkers import (
    PLATE_STATUS_TITLES,
    ParkerDetail,
    ParkerService,
    VehicleInput,
    VehicleRecord,
)
from desktop.services.plates import is_plate_like, normalize_plate
from desktop.views.kit.forms import FieldBox, FormDialog
from desktop.views.kit.layout import tab_order
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.pickers import JurisdictionPicker
from desktop.views.kit.widgets import mark_invalid

VEHICLE_FIELDS = (
    "jurisdiction",
    "plate",
    "plate_status",
    "make",
    "model",
    "colour",
    "model_year",
    "correction_reason",
)


class VehicleDialog(FormDialog):
    """Adds or edits one vehicle of a parker; :attr:`saved` carries the saved record.

    A plate that only looks like a registered one (0 and O…) is asked about through
    ``confirm_lookalike`` and saved when the clerk says so; a vehicle someone else
    changed first emits :attr:`stale`, so the desk shows the newer one.
    """

    FIELDS = VEHICLE_FIELDS
    #: Someone else changed the vehicle first.
    stale = Signal()

    def __init__(
        self,
        service: ParkerService,
        runner: OperationRunner,
        parker: ParkerDetail,
        vehicle: VehicleRecord | None = None,
        *,
        confirm_lookalike: Callable[[list[DuplicateCandidate], QWidget], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            runner,
            accept_text="Add vehicle" if vehicle is None else "Save vehicle",
            parent=parent,
        )
        self.service, self.parker, self.vehicle = service, parker, vehicle
        self.confirm_lookalike = confirm_lookalike
        self._allow_lookalike = False
        self.setWindowTitle(
            f"Add a vehicle for {parker.name}"
            if vehicle is None
            else f"Edit vehicle of {parker.name}"
        )
        self.setMinimumWidth(440)
        self._build_fields()
        self._build_layout()
        if vehicle is not None:
            self._show_vehicle(vehicle)
        self._connect_signals()
        self._status_changed()
        self._update_stored_as()
        self._update_correction()
        self.history.setVisible(bool(vehicle is not None and vehicle.corrections))
        self.plate.setFocus(Qt.FocusReason.OtherFocusReason)

    def _build_fields(self) -> None:
        self.jurisdiction = JurisdictionPicker()
        self.plate_status = QComboBox()
        for key, title in PLATE_STATUS_TITLES.items():
            self.plate_status.addItem(title, key)
        self.plate = QLineEdit()
        self.plate.setMaxLength(20)
        self.plate.setPlaceholderText("As on the plate, e.g. ABCD 123")
        self.stored_as = QLabel()
        self.stored_as.setObjectName("hint")
        self.make = QLineEdit()
        self.model = QLineEdit()
        self.colour = QLineEdit()
        self.model_year = QLineEdit()
        self.model_year.setValidator(QIntValidator(0, 9999, self.model_year))
        self.model_year.setMaxLength(4)
        self.model_year.setPlaceholderText("e.g. 2019")
        self.correction_reason = QLineEdit()
        self.correction_reason.setMaxLength(500)
        self.correction_reason.setPlaceholderText("e.g. Registered as O, the plate has 0")
        self.correction_note = QLabel(
            "This vehicle has permits: a new plate or jurisdiction is recorded as a "
            "correction, with your reason, in the vehicle's history."
        )
        self.correction_note.setObjectName("hint")
        self.correction_note.setWordWrap(True)
        self.history = QLabel()
        self.history.setObjectName("hint")
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.PlainText)

    def _build_layout(self) -> None:
        plate_box = QWidget()
        plate_layout = QVBoxLayout(plate_box)
        plate_layout.setContentsMargins(0, 0, 0, 0)
        plate_layout.setSpacing(2)
        plate_layout.addWidget(self.plate)
        plate_layout.addWidget(self.stored_as)

        self.boxes = {
            "jurisdiction": FieldBox("Jurisdiction", self.jurisdiction),
            "plate_status": FieldBox("Plate status", self.plate_status),
            "plate": FieldBox("Plate", plate_box),
            "make": FieldBox("Make", self.make),
            "model": FieldBox("Model", self.model),
            "colour": FieldBox("Colour", self.colour),
            "model_year": FieldBox("Year", self.model_year),
            "correction_reason": FieldBox("Why the plate is corrected", self.correction_reason),
        }
        self.boxes["plate"].caption.setBuddy(self.plate)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        grid.addWidget(self.boxes["jurisdiction"], 0, 0)
        grid.addWidget(self.boxes["plate_status"], 0, 1)
        grid.addWidget(self.boxes["plate"], 1, 0, 1, 2)
        grid.addWidget(self.boxes["make"], 2, 0)
        grid.addWidget(self.boxes["model"], 2, 1)
        grid.addWidget(self.boxes["colour"], 3, 0)
        grid.addWidget(self.boxes["model_year"], 3, 1)
        grid.addWidget(self.correction_note, 4, 0, 1, 2)
        grid.addWidget(self.boxes["correction_reason"], 5, 0, 1, 2)
        grid.addWidget(self.history, 6, 0, 1, 2)

        self._finish_layout(grid)
        tab_order(
            self.jurisdiction,
            self.plate_status,
            self.plate,
            self.make,
            self.model,
            self.colour,
            self.model_year,
            self.correction_reason,
        )

    def _connect_signals(self) -> None:
        self.plate.textEdited.connect(lambda _t: self._edited("plate"))
        self.plate.textChanged.connect(self._update_stored_as)
        self.plate.textChanged.connect(lambda _t: self._update_correction())
        self.jurisdiction.currentTextChanged.connect(lambda _t: self._update_correction())
        self.plate_status.currentIndexChanged.connect(lambda _i: self._update_correction())
        self.correction_reason.textEdited.connect(lambda _t: self._edited("correction_reason"))
        self.plate_status.currentIndexChanged.connect(self._status_changed)
        self.jurisdiction.currentTextChanged.connect(lambda _t: self._edited("jurisdiction"))
        for name, editor in (
            ("make", self.make),
            ("model", self.model),
            ("colour", self.colour),
            ("model_year", self.model_year),
        ):
            editor.textEdited.connect(lambda _t, n=name: self._edited(n))

    def _show_vehicle(self, vehicle: VehicleRecord) -> None:
        self.jurisdiction.set_code(vehicle.jurisdiction)
        self.plate_status.setCurrentIndex(max(self.plate_status.findData(vehicle.plate_status), 0))
        self.plate.setText(vehicle.plate_raw)
        self.make.setText(vehicle.make)
        self.model.setText(vehicle.model)
        self.colour.setText(vehicle.colour)
        self.model_year.setText(str(vehicle.model_year) if vehicle.model_year else "")
        if vehicle.corrections:
            lines = [
                f"{c.corrected_at.astimezone():%d %b %Y}: {c.old_plate} → {c.new_plate} "
                f"by {c.corrected_by} — {c.reason}"
                for c in vehicle.corrections
            ]
            self.history.setText("Plate corrections:\n" + "\n".join(lines))

    # -- values -------------------------------------------------------------------

    def values(self) -> VehicleInput:
        year = self.model_year.text().strip()
        return VehicleInput(
            jurisdiction=self.jurisdiction.code(),
            plate_raw=self.plate.text() if self._readable() else "",
            plate_status=str(self.plate_status.currentData()),
            make=self.make.text(),
            model=self.model.text(),
            colour=self.colour.text(),
            model_year=int(year) if year.isdigit() else None,
            correction_reason=self.correction_reason.text() if self.correction_needed() else "",
        )

    def correction_needed(self) -> bool:
        """A vehicle with permits whose plate identity is being changed."""
        vehicle = self.vehicle
        if vehicle is None or not vehicle.has_permits:
            return False
        return vehicle.identity_differs(
            self.jurisdiction.code(),
            self.plate.text() if self._readable() else "",
            str(self.plate_status.currentData()),
        )

    def _save_call(self) -> Callable[[], VehicleRecord]:
        data, vehicle, service = self.values().cleaned(), self.vehicle, self.service
        parker_id, allow = self.parker.id, self._allow_lookalike
        if vehicle is None:
            return lambda: service.add_vehicle(parker_id, data, allow_duplicate=allow)
        return lambda: service.update_vehicle(
            vehicle.id, vehicle.version, data, allow_duplicate=allow
        )

    def _failed(self, exc: BaseException) -> bool:
        if isinstance(exc, DuplicateWarning):
            self._set_busy(False)
            candidates = exc.candidates
            # After the runner's bookkeeping: the question is a modal dialog of its own.
            QTimer.singleShot(0, self, lambda: self._decide_lookalike(candidates))
            return True
        if isinstance(exc, ConflictError):
            self._set_busy(False)
            self.stale.emit()
            return False  # the message says what happened; the desk shows the newer one
        return super()._failed(exc)

    def _decide_lookalike(self, candidates: list[DuplicateCandidate]) -> None:
        if self.confirm_lookalike(candidates, self):
            self._allow_lookalike = True
            self.submit()

    def show_problems(self, problems: Iterable[FieldProblem]) -> None:
        problems = list(problems)
        super().show_problems(problems)
        # The plate box wraps the editor with its "stored as" line: outline the editor itself.
        mark_invalid(self.plate, any(p.field == "plate" for p in problems))

    def _focus_target(self, name: str) -> QWidget:
        return self.plate if name == "plate" else self.boxes[name].editor

    def problem_text(self, field_name: str) -> str:
        return self.field_error(field_name)

    # -- behaviour ----------------------------------------------------------------

    def _readable(self) -> bool:
        return bool(self.plate_status.currentData() == "readable")

    def _status_changed(self) -> None:
        readable = self._readable()
        self.plate.setEnabled(readable)
        self._update_stored_as()
        self._edited("plate_status")

    def _update_correction(self) -> None:
        needed = self.correction_needed()
        self.correction_note.setVisible(needed)
        self.boxes["correction_reason"].setVisible(needed)

    def _update_stored_as(self) -> None:
        text = self.plate.text()
        if not self._readable():
            self.stored_as.setText("Recorded without a plate number.")
        elif not text.strip():
            self.stored_as.setText("Spaces, dashes and dots are ignored.")
        elif is_plate_like(text):
            self.stored_as.setText(f"Stored as {normalize_plate(text)}")
        else:
            self.stored_as.setText("Use letters A to Z and digits only.")

    def _edited(self, name: str) -> None:
        super()._edited(name)
        if name == "plate":
            mark_invalid(self.plate, False)
