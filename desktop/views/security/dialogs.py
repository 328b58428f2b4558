"""The security desk's dialogs: a watchlist entry, added or changed, and a hotlist file
imported, and the field that names a registered parker in an incident or a notice. What
the database refuses (a pattern that is no plate, a card number in the reason) lands
under its field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QLineEdit, QWidget

from desktop.services.errors import ValidationError
from desktop.services.parkers import ParkerService, ParkerSummary
from desktop.services.security import CATEGORIES, PRIORITIES, EntryForm, WatchlistEntry
from desktop.views.kit.forms import FormDialog, capitals, text_box
from desktop.views.kit.layout import (
    button,
    choice_box,
    field_grid,
    hbox,
    holder,
    label,
    line_edit,
    vbox,
)
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import MomentEdit
from desktop.views.parkers import ParkerPickerDialog


class RegisteredParker(QWidget):
    """Who the person is, when they are a registered parker: a line saying so, a button
    that finds them with the parker search, and one that forgets the choice. While a
    parker is chosen, the name field shows their name and cannot be typed in (the
    database keeps the link, and the parker's own record stays the one place of their
    name)."""

    #: The parker chosen, or None when the choice was cleared.
    changed = Signal(object)

    def __init__(
        self,
        parkers: ParkerService,
        runner: OperationRunner,
        name_edit: QLineEdit,
        *,
        find_text: str,
        purpose: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._parkers, self._runner, self._name_edit = parkers, runner, name_edit
        self._purpose = purpose
        self._typed_name = ""
        self.parker: ParkerSummary | None = None
        self.dialog: ParkerPickerDialog | None = None
        self.state = label("Not a registered parker", name="hint", plain=True)
        self.state.setObjectName("registeredParkerState")
        self.find_button = button(find_text, self.find_parker, tip="Find them among the parkers")
        self.find_button.setObjectName("findParkerButton")
        self.clear_button = button("Not this parker", lambda: self.choose(None))
        self.clear_button.hide()
        hbox((self.state, 1), self.find_button, self.clear_button, margins=0, parent=self)

    @property
    def parker_id(self) -> int | None:
        return None if self.parker is None else self.parker.id

    def find_parker(self) -> ParkerPickerDialog:
        dialog = ParkerPickerDialog(
            self._parkers, self._runner, purpose=self._purpose, parent=self.window()
        )
        dialog.accepted.connect(lambda: self.choose(dialog.picked))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def choose(self, parker: ParkerSummary | None) -> None:
        if parker is not None and self.parker is None:
            self._typed_name = self._name_edit.text()
        self.parker = parker
        if parker is None:
            self.state.setText("Not a registered parker")
            self._name_edit.setText(self._typed_name)
        else:
            known = ", ".join(p for p in (parker.campus_id, parker.plates) if p)
            words = f"Registered parker: {parker.name}" + (f" ({known})" if known else "")
            self.state.setText(words)
            self._name_edit.setText(f"{parker.first_name} {parker.last_name}")
        self._name_edit.setReadOnly(parker is not None)
        self.clear_button.setVisible(parker is not None)
        self.changed.emit(parker)


class EntryDialog(FormDialog):
    """A plate to watch for: the plate (``*`` for the characters a witness did not see),
    where it is registered, why (read by dispatch only), what whoever meets it should do,
    how urgent, and until when."""

    def __init__(
        self,
        save: Callable[[EntryForm], object],
        runner: OperationRunner,
        entry: WatchlistEntry | None = None,
        parent: QWidget | None = None,
        *,
        zone: str,
    ) -> None:
        super().__init__(runner, accept_text="Save", busy_text="Saving…", parent=parent)
        self._save, self.entry = save, entry
        #: The office's time zone: the entry ends at a time on its clock.
        self.zone = zone
        self.setObjectName("watchlistEntryDialog")
        self.setWindowTitle(
            "Add to the watchlist" if entry is None else f"Watchlist entry {entry.plate_display}"
        )
        self.setMinimumWidth(560)
        self.audit_label.setText(
            "Officers and the desks that check the plate are told the instruction only; the "
            "reason stays with dispatch. Every read, check or citation of the plate alerts you."
        )
        self.audit_label.show()
        self.plate_edit = line_edit(
            placeholder="e.g. ABC123, or AB*12 for a partial plate", max_length=20
        )
        self.plate_edit.setObjectName("watchPlateEdit")
        capitals(self.plate_edit)
        self.jurisdiction_edit = line_edit(placeholder="e.g. ON; empty for any", max_length=6)
        self.jurisdiction_edit.setObjectName("watchJurisdictionEdit")
        capitals(self.jurisdiction_edit)
        self.category_box = QComboBox()
        self.category_box.setEditable(True)
        self.category_box.addItems(CATEGORIES)
        self.category_box.setObjectName("watchCategoryChoice")
        self.priority_box = choice_box(PRIORITIES.values(), data=PRIORITIES.keys())
        self.priority_box.setObjectName("watchPriorityChoice")
        self.priority_box.setCurrentIndex(1)
        self.instruction_edit = line_edit(
            placeholder="e.g. Do not approach; call dispatch", max_length=300
        )
        self.instruction_edit.setObjectName("watchInstructionEdit")
        self.reason_edit = text_box(3, "Why the plate is watched (dispatch only)")
        self.reason_edit.setObjectName("watchReasonEdit")
        self.expires_check = QCheckBox("Until")
        self.expires_edit = MomentEdit()
        self.expires_edit.setObjectName("watchExpiresEdit")
        self.expires_check.toggled.connect(self.expires_edit.setEnabled)
        self.expires_edit.show_moment(datetime.now(UTC) + timedelta(days=30), zone)
        self.expires_check.setChecked(True)
        expires = holder(hbox(self.expires_check, (self.expires_edit, 1), spacing=6, margins=0))
        self.incident_edit = line_edit(placeholder="Optional, e.g. I2026-00012", max_length=20)
        self.incident_edit.setObjectName("watchIncidentEdit")
        capitals(self.incident_edit)
        self._shown_incident = ""
        self.declare(
            ("plate", "&Plate", self.plate_edit),
            ("jurisdiction", "&Jurisdiction", self.jurisdiction_edit),
            ("category", "Ca&tegory", self.category_box),
            ("priority", "Pri&ority", self.priority_box),
            ("instruction", "&Instruction for whoever meets the car", self.instruction_edit),
            ("reason", "&Reason (dispatch only)", self.reason_edit),
        )
        self.field("expires_at", "E&xpires", self.expires_edit, holds=expires)
        self.field("incident", "For incid&ent", self.incident_edit)
        self.FIELDS = (*self.FIELDS, "expires_at", "incident")
        if entry is not None:
            self._show_entry(entry)
        self._finish_layout(
            vbox(
                field_grid(
                    (self.boxes["plate"], self.boxes["jurisdiction"]),
                    (self.boxes["category"], self.boxes["priority"]),
                    (self.boxes["instruction"],),
                    (self.boxes["reason"],),
                    (self.boxes["expires_at"], self.boxes["incident"]),
                )
            )
        )

    def _show_entry(self, entry: WatchlistEntry) -> None:
        self.plate_edit.setText(entry.plate_pattern)
        self.jurisdiction_edit.setText(entry.jurisdiction or "")
        self.category_box.setCurrentText(entry.category)
        self.priority_box.setCurrentIndex(max(self.priority_box.findData(entry.priority), 0))
        self.instruction_edit.setText(entry.instruction)
        self.reason_edit.setPlainText(entry.reason)
        self.expires_check.setChecked(entry.expires_at is not None)
        if entry.expires_at is not None:
            self.expires_edit.show_moment(entry.expires_at, self.zone)
        self._shown_incident = entry.incident_number or ""
        self.incident_edit.setText(self._shown_incident)

    def prefill(self, jurisdiction: str, plate: str, incident: str, reason: str) -> None:
        """A new entry for a vehicle of an incident: its plate, and the incident."""
        self.plate_edit.setText(plate)
        self.jurisdiction_edit.setText(jurisdiction)
        self.incident_edit.setText(incident)
        self.reason_edit.setPlainText(reason)

    def _save_call(self) -> Callable[[], object]:
        plate = self.plate_edit.text().strip()
        if not plate:
            raise ValidationError.single("plate", "Type the plate, or the part of it known.")
        expires: datetime | None = None
        if self.expires_check.isChecked():
            expires = self.expires_edit.moment(self.zone)
            if expires <= datetime.now(UTC):
                raise ValidationError.single(
                    "expires_at", "Choose a time still to come, or untick Until."
                )
        typed_incident = "".join(self.incident_edit.text().split()).upper()
        form = EntryForm(
            plate_pattern=plate,
            jurisdiction=self.jurisdiction_edit.text(),
            category=self.category_box.currentText(),
            priority=int(self.priority_box.currentData() or 2),
            reason=self.reason_edit.toPlainText(),
            instruction=self.instruction_edit.text(),
            starts_at=None,
            expires_at=expires,
            id=None if self.entry is None else self.entry.id,
            # Unchanged, the link stays as it is (one the dispatcher may not read, too).
            incident_number=None if typed_incident == self._shown_incident else typed_incident,
        )
        save = self._save
        return lambda: save(form)


class HotlistImportDialog(FormDialog):
    """A hotlist file (``plate;state;category;effective;expiry;notes…``) added whole: the
    instruction and priority its entries carry; a file with a bad row adds nothing, and
    says which rows and why."""

    def __init__(
        self,
        save: Callable[[Path, str, int], object],
        runner: OperationRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, accept_text="Import", busy_text="Importing…", parent=parent)
        self._save = save
        self.setObjectName("hotlistImportDialog")
        self.setWindowTitle("Import a hotlist")
        self.setMinimumWidth(600)
        self.audit_label.setText(
            "A delimited file as LPR vendors write it: plate; state; category; effective "
            "date; expiry date; and any further columns as notes (dates as 2026-12-31; an "
            "empty state for any). Every row is added, or none."
        )
        self.audit_label.show()
        self.file_edit = line_edit(placeholder="No file chosen")
        self.file_edit.setObjectName("hotlistFileEdit")
        self.file_edit.setReadOnly(True)
        choose = button("&Browse…", self.choose, tip="Choose the hotlist file")
        self.instruction_edit = line_edit(
            placeholder="e.g. Do not approach; call dispatch", max_length=300
        )
        self.instruction_edit.setObjectName("hotlistInstructionEdit")
        self.priority_box = choice_box(PRIORITIES.values(), data=PRIORITIES.keys())
        self.priority_box.setCurrentIndex(1)
        self.boxes = {}
        self.field("file", "&File", self.file_edit, holds=holder(hbox((self.file_edit, 1), choose)))
        self.field("instruction", "&Instruction for every entry", self.instruction_edit)
        self.field("priority", "Pri&ority", self.priority_box)
        self.FIELDS, self._declared = tuple(self.boxes), True
        self._finish_layout(
            vbox(
                field_grid(
                    (self.boxes["file"],), (self.boxes["instruction"],), (self.boxes["priority"],)
                )
            )
        )
        choose.setFocus()

    def choose(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Choose the hotlist", folder, "Hotlists (*.csv *.txt);;All files (*)"
        )
        if chosen:
            self.file_edit.setText(chosen)
            self.boxes["file"].show_problem(None)

    def _save_call(self) -> Callable[[], object]:
        path = self.file_edit.text().strip()
        if not path:
            raise ValidationError.single("file", "Choose the hotlist file.")
        instruction, priority = self.instruction_edit.text(), int(self.priority_box.currentData())
        save = self._save
        return lambda: save(Path(path), instruction, priority)
