"""Add or edit one vehicle: jurisdiction, plate (with its stored form shown live), make, model.

The dialog checks what was typed and saves it off the GUI thread; field messages (an
exact duplicate plate names its owner) appear under their fields while the dialog stays
open, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QBoxLayout, QComboBox, QLineEdit, QWidget

from desktop.services.errors import (
    ConflictError,
    DuplicateCandidate,
    DuplicateWarning,
)
from desktop.services.localization import format_day, on_clock
from desktop.services.parkers import (
    PLATE_STATUS_TITLES,
    ParkerDetail,
    ParkerService,
    VehicleInput,
    VehicleRecord,
)
from desktop.services.plates import is_plate_like, normalize_plate
from desktop.views.kit.forms import FieldBox, FormDialog
from desktop.views.kit.layout import field_grid, label, line_edit, tab_order, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.pickers import JurisdictionPicker


class VehicleDialog(FormDialog):
    """Adds or edits one vehicle of a parker; :attr:`saved` carries the saved record.

    A plate that only looks like a registered one (0 and O…) is asked about through
    ``confirm_lookalike`` and saved when the clerk says so; a vehicle someone else
    changed first emits :attr:`stale`, so the desk shows the newer one.
    """

    FIELDS = (
        "jurisdiction",
        "plate",
        "plate_status",
        "make",
        "model",
        "colour",
        "model_year",
        "correction_reason",
    )
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
            runner, accept_text="Add vehicle" if vehicle is None else "Save vehicle", parent=parent
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
        self.jurisdiction = JurisdictionPicker()
        self.plate_status = QComboBox()
        for key, title in PLATE_STATUS_TITLES.items():
            self.plate_status.addItem(title, key)
        self.plate = line_edit(placeholder="As on the plate, e.g. ABCD 123", max_length=20)
        self.stored_as = label(name="hint")
        self.make, self.model, self.colour = line_edit(), line_edit(), line_edit()
        self.model_year = line_edit(placeholder="e.g. 2019", max_length=4)
        self.model_year.setValidator(QIntValidator(0, 9999, self.model_year))
        self.correction_reason = line_edit(
            placeholder="e.g. Registered as O, the plate has 0", max_length=500
        )
        self.correction_note = label(
            "This vehicle has permits: a new plate or jurisdiction is recorded as a "
            "correction, with your reason, in the vehicle's history.",
            name="hint",
            wrap=True,
        )
        self.history = label(name="hint", wrap=True, plain=True)
        self.boxes = {
            "jurisdiction": FieldBox("Jurisdiction", self.jurisdiction),
            "plate_status": FieldBox("Plate status", self.plate_status),
            "plate": FieldBox("Plate", self.plate),
            "make": FieldBox("Make", self.make),
            "model": FieldBox("Model", self.model),
            "colour": FieldBox("Colour", self.colour),
            "model_year": FieldBox("Year", self.model_year),
            "correction_reason": FieldBox("Why the plate is corrected", self.correction_reason),
        }
        # The plate's "stored as" line stands between the plate and its message.
        plate_box = self.boxes["plate"].layout()
        if isinstance(plate_box, QBoxLayout):
            plate_box.insertWidget(plate_box.indexOf(self.plate) + 1, self.stored_as)
        box = self.boxes
        self._finish_layout(
            vbox(
                field_grid(
                    (box["jurisdiction"], box["plate_status"]),
                    (box["plate"],),
                    (box["make"], box["model"]),
                    (box["colour"], box["model_year"]),
                    (self.correction_note,),
                    (box["correction_reason"],),
                    (self.history,),
                    vertical=6,
                )
            )
        )
        tab_order(*(box.editor for box in self.boxes.values()))
        if vehicle is not None:
            self._show_vehicle(vehicle)
        for name, field in self.boxes.items():
            if isinstance(editor := field.editor, QLineEdit):
                editor.textEdited.connect(lambda _text, n=name: self._edited(n))
        self.jurisdiction.currentTextChanged.connect(lambda _text: self._edited("jurisdiction"))
        self.plate_status.currentIndexChanged.connect(lambda _i: self._edited("plate_status"))
        self.plate.textChanged.connect(lambda _text: self._follow())
        self._follow()
        self.history.setVisible(bool(vehicle is not None and vehicle.corrections))
        self.plate.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_vehicle(self, vehicle: VehicleRecord) -> None:
        self.jurisdiction.set_code(vehicle.jurisdiction)
        self.plate_status.setCurrentIndex(max(self.plate_status.findData(vehicle.plate_status), 0))
        self.plate.setText(vehicle.plate_raw)
        self.make.setText(vehicle.make)
        self.model.setText(vehicle.model)
        self.colour.setText(vehicle.colour)
        self.model_year.setText(str(vehicle.model_year) if vehicle.model_year else "")
        if vehicle.corrections:
            zone = self.service.workspace.identity.office_zone
            lines = [
                f"{format_day(on_clock(c.corrected_at, zone).date())}: {c.old_plate} → "
                f"{c.new_plate} by {c.corrected_by} — {c.reason}"
                for c in vehicle.corrections
            ]
            self.history.setText("Plate corrections:\n" + "\n".join(lines))

    def values(self) -> VehicleInput:
        year = self.model_year.text().strip()
        return VehicleInput(
            jurisdiction=self.jurisdiction.code(),
            plate_raw=self._plate_typed(),
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
            self.jurisdiction.code(), self._plate_typed(), str(self.plate_status.currentData())
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

    def _plate_typed(self) -> str:
        return self.plate.text() if self.plate_status.currentData() == "readable" else ""

    def _edited(self, name: str) -> None:
        super()._edited(name)
        self._follow()

    def _follow(self) -> None:
        """The plate field, its "stored as" line and the correction reason follow what is typed."""
        readable = self.plate_status.currentData() == "readable"
        self.plate.setEnabled(readable)
        text = self.plate.text()
        if not readable:
            self.stored_as.setText("Recorded without a plate number.")
        elif not text.strip():
            self.stored_as.setText("Spaces, dashes and dots are ignored.")
        elif is_plate_like(text):
            self.stored_as.setText(f"Stored as {normalize_plate(text)}")
        else:
            self.stored_as.setText("Use letters A to Z and digits only.")
        needed = self.correction_needed()
        self.correction_note.setVisible(needed)
        self.boxes["correction_reason"].setVisible(needed)
