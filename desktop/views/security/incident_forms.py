"""The security desk's incident forms: an incident itself, a person or a vehicle in it, a
dispatcher's task, and the security report's period. Each checks what it can before
saving and shows the database's refusal under the field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QWidget,
)

from desktop.services.errors import ValidationError
from desktop.services.incidents import (
    PRIORITIES,
    Choice,
    Incident,
    IncidentForm,
    parse_coordinates,
)
from desktop.services.localization import office_today
from desktop.services.parkers import ParkerService
from desktop.views.kit.forms import FormDialog, capitals, text_box
from desktop.views.kit.layout import (
    STRETCH,
    choice_box,
    field_grid,
    hbox,
    line_edit,
    vbox,
)
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import MomentEdit
from desktop.views.security.dialogs import RegisteredParker


class IncidentDialog(FormDialog):
    """What happened, where and when, how bad, and who may read it."""

    def __init__(
        self,
        save: Callable[[IncidentForm], object],
        runner: OperationRunner,
        categories: list[Choice],
        incident: Incident | None = None,
        parent: QWidget | None = None,
        *,
        prefill: IncidentForm | None = None,
        zone: str,
    ) -> None:
        super().__init__(runner, accept_text="Save", busy_text="Saving…", parent=parent)
        self._save, self.incident = save, incident
        #: The office's time zone: the time is typed and shown on its clock.
        self.zone = zone
        self.setObjectName("incidentDialog")
        self.setWindowTitle(
            "Record an incident" if incident is None else f"Incident {incident.number}"
        )
        self.setMinimumWidth(640)
        self.category_box = choice_box(
            [c.name for c in categories], data=[c.id for c in categories]
        )
        self.category_box.setObjectName("incidentCategoryChoice")
        self.priority_box = choice_box(PRIORITIES.values(), data=PRIORITIES.keys())
        self.priority_box.setCurrentIndex(1)
        self.when_edit = MomentEdit()
        self.when_edit.setObjectName("incidentWhenEdit")
        self.when_edit.show_moment(datetime.now(UTC), zone)
        self.lot_edit = line_edit(placeholder="Lot code, e.g. B", max_length=12)
        self.lot_edit.setObjectName("incidentLotEdit")
        capitals(self.lot_edit)
        self.location_edit = line_edit(
            placeholder="Or where, in words: e.g. Bus shelter, Main St gate", max_length=200
        )
        self.location_edit.setObjectName("incidentLocationEdit")
        self.coordinates_edit = line_edit(
            placeholder="Optional: latitude, longitude from a map, e.g. 43.65321, -79.38318",
            max_length=60,
        )
        self.coordinates_edit.setObjectName("incidentCoordinatesEdit")
        self.narrative_edit = text_box(6, "What happened, as reported")
        self.narrative_edit.setObjectName("incidentNarrativeEdit")
        self.weapon_check = QCheckBox("Weapon involved")
        self.injury_check = QCheckBox("Injury")
        self.confidential_check = QCheckBox(
            "Confidential: only I, the investigators and managers read it"
        )
        self.police_service_edit = line_edit(placeholder="e.g. City Police", max_length=100)
        self.police_case_edit = line_edit(placeholder="Their case number", max_length=40)
        flags = QWidget()
        hbox(self.weapon_check, self.injury_check, STRETCH, spacing=16, margins=0, parent=flags)
        place = QWidget()
        hbox((self.lot_edit, 1), (self.location_edit, 3), spacing=8, margins=0, parent=place)
        self.boxes = {}
        self.field("category_id", "&Category", self.category_box)
        self.field("priority", "Pri&ority", self.priority_box)
        self.field("occurred_at", "&When it happened", self.when_edit)
        self.field("place", "Wh&ere", self.lot_edit, holds=place)
        self.field("coordinates", "Coor&dinates", self.coordinates_edit)
        self.field("narrative", "&Narrative", self.narrative_edit)
        self.field("flags", "Flags", self.weapon_check, holds=flags)
        self.field("police_service", "&Police service", self.police_service_edit)
        self.field("police_case", "Police c&ase", self.police_case_edit)
        self.field("confidential", "Who reads it", self.confidential_check)
        self.FIELDS, self._declared = tuple(self.boxes), True
        if incident is not None:
            self._show_incident(incident)
        elif prefill is not None:
            self._show_form(prefill)
        b = self.boxes
        self._finish_layout(
            vbox(
                field_grid(
                    (b["category_id"], b["priority"]),
                    (b["occurred_at"],),
                    (b["place"],),
                    (b["coordinates"],),
                    (b["narrative"],),
                    (b["flags"],),
                    (b["police_service"], b["police_case"]),
                    (b["confidential"],),
                )
            )
        )

    def _show_incident(self, i: Incident) -> None:
        self.category_box.setCurrentIndex(max(self.category_box.findData(i.category_id), 0))
        self.priority_box.setCurrentIndex(max(self.priority_box.findData(i.priority), 0))
        self.when_edit.show_moment(i.occurred_at, self.zone)
        self.lot_edit.setText(i.lot_code or "")
        self.location_edit.setText(i.location or "")
        self.narrative_edit.setPlainText(i.narrative)
        self.weapon_check.setChecked(i.weapon)
        self.injury_check.setChecked(i.injury)
        self.police_service_edit.setText(i.police_service or "")
        self.police_case_edit.setText(i.police_case or "")
        self.confidential_check.setChecked(i.confidential)
        self.coordinates_edit.setText(i.coordinates)

    def _show_form(self, form: IncidentForm) -> None:
        self.category_box.setCurrentIndex(self.category_box.findData(form.category_id))
        self.priority_box.setCurrentIndex(max(self.priority_box.findData(form.priority), 0))
        self.when_edit.show_moment(form.occurred_at, self.zone)
        self.lot_edit.setText(form.lot_code)
        self.location_edit.setText(form.location)
        self.narrative_edit.setPlainText(form.narrative)
        if form.latitude is not None and form.longitude is not None:
            self.coordinates_edit.setText(f"{form.latitude}, {form.longitude}")

    def _save_call(self) -> Callable[[], object]:
        if self.category_box.currentIndex() < 0:
            raise ValidationError.single("category_id", "Choose what kind of incident it is.")
        when = self.when_edit.moment(self.zone)
        if when > datetime.now(UTC) + timedelta(minutes=5):
            raise ValidationError.single("occurred_at", "That time is still to come.")
        latitude, longitude = parse_coordinates(self.coordinates_edit.text()) or (None, None)
        form = IncidentForm(
            category_id=int(self.category_box.currentData()),
            priority=int(self.priority_box.currentData() or 2),
            occurred_at=when,
            lot_code=self.lot_edit.text(),
            location=self.location_edit.text(),
            narrative=self.narrative_edit.toPlainText(),
            weapon=self.weapon_check.isChecked(),
            injury=self.injury_check.isChecked(),
            police_service=self.police_service_edit.text(),
            police_case=self.police_case_edit.text(),
            confidential=self.confidential_check.isChecked(),
            id=None if self.incident is None else self.incident.id,
            latitude=latitude,
            longitude=longitude,
        )
        save = self._save
        return lambda: save(form)


class PersonDialog(FormDialog):
    """A person in the incident, in a role: a registered parker found with the parker
    search, or someone recorded for this incident only."""

    def __init__(
        self,
        save: Callable[[int, str, str, str, int | None], object],
        runner: OperationRunner,
        roles: list[Choice],
        parkers: ParkerService,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, accept_text="Add", busy_text="Adding…", parent=parent)
        self._save = save
        self.setObjectName("incidentPersonDialog")
        self.setWindowTitle("Add a person to the incident")
        self.setMinimumWidth(520)
        self.role_box = choice_box([r.name for r in roles], data=[r.id for r in roles])
        self.name_edit = line_edit(placeholder="Name, or how to know them", max_length=200)
        self.registered = RegisteredParker(
            parkers,
            runner,
            self.name_edit,
            find_text="Registered &parker…",
            purpose="Choose the parker involved in the incident: the incident then shows "
            "on their record and their vehicles' records.",
        )
        self.description_edit = line_edit(placeholder="e.g. Red jacket, about 30", max_length=1000)
        self.contact_edit = line_edit(placeholder="Phone, e-mail or address", max_length=200)
        self.declare(
            ("role", "&Role in the incident", self.role_box),
            ("name", "&Name", self.name_edit),
            ("parker", "Parker", self.registered),
            ("description", "&Description", self.description_edit),
            ("contact", "Con&tact", self.contact_edit),
        )
        b = self.boxes
        self._finish_layout(
            vbox(
                field_grid(
                    (b["role"],), (b["name"],), (b["parker"],), (b["description"],),
                    (b["contact"],),
                )
            )
        )  # fmt: skip

    def _save_call(self) -> Callable[[], object]:
        if self.role_box.currentIndex() < 0:
            raise ValidationError.single("role", "Choose the person's role in the incident.")
        role, save = int(self.role_box.currentData()), self._save
        parker = self.registered.parker_id
        name = "" if parker is not None else self.name_edit.text()
        what, contact = self.description_edit.text(), self.contact_edit.text()
        return lambda: save(role, name, what, contact, parker)


class VehicleDialog(FormDialog):
    """A vehicle in the incident, by plate."""

    def __init__(
        self,
        save: Callable[[str, str, str], object],
        runner: OperationRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, accept_text="Add", busy_text="Adding…", parent=parent)
        self._save = save
        self.setObjectName("incidentVehicleDialog")
        self.setWindowTitle("Add a vehicle to the incident")
        self.setMinimumWidth(460)
        self.jurisdiction_edit = line_edit(placeholder="e.g. ON", max_length=6)
        self.jurisdiction_edit.setText("ON")
        capitals(self.jurisdiction_edit)
        self.plate_edit = line_edit(placeholder="e.g. ABC 123", max_length=14)
        capitals(self.plate_edit)
        self.description_edit = line_edit(placeholder="Make, colour, what was seen", max_length=500)
        self.declare(
            ("jurisdiction", "&Jurisdiction", self.jurisdiction_edit),
            ("plate", "&Plate", self.plate_edit),
            ("description", "&Description", self.description_edit),
        )
        b = self.boxes
        self._finish_layout(vbox(field_grid((b["jurisdiction"], b["plate"]), (b["description"],))))

    def _save_call(self) -> Callable[[], object]:
        if not self.plate_edit.text().strip():
            raise ValidationError.single("plate", "Type the plate.")
        j, p, d, save = (
            self.jurisdiction_edit.text(),
            self.plate_edit.text(),
            self.description_edit.text(),
            self._save,
        )
        return lambda: save(j, p, d)


class TaskDialog(FormDialog):
    """Work on the incident for a dispatcher, by a day."""

    def __init__(
        self,
        save: Callable[[str, date, str], object],
        runner: OperationRunner,
        parent: QWidget | None = None,
        *,
        zone: str,
    ) -> None:
        super().__init__(runner, accept_text="Assign", busy_text="Assigning…", parent=parent)
        self._save = save
        self.setObjectName("incidentTaskDialog")
        self.setWindowTitle("Assign a task")
        self.setMinimumWidth(460)
        self.login_edit = line_edit(placeholder="The dispatcher's login", max_length=63)
        self.due_edit = QDateEdit()
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("d MMM yyyy")
        soon = office_today(zone) + timedelta(days=2)
        self.due_edit.setDate(QDate(soon.year, soon.month, soon.day))
        self.description_edit = line_edit(
            placeholder="e.g. Pull the camera footage", max_length=500
        )
        self.declare(
            ("assigned_to", "&For", self.login_edit),
            ("due_on", "D&ue", self.due_edit),
            ("description", "&Task", self.description_edit),
        )
        b = self.boxes
        self._finish_layout(vbox(field_grid((b["assigned_to"], b["due_on"]), (b["description"],))))

    def _save_call(self) -> Callable[[], object]:
        due = self.due_edit.date().toPython()
        login, what, save = self.login_edit.text(), self.description_edit.text(), self._save
        if not isinstance(due, date):  # pragma: no cover - a QDate is a date
            raise ValidationError.single("due_on", "Choose the day it is due.")
        return lambda: save(login, due, what)


class ReportDialog(FormDialog):
    """The security report's period: from one day to another (the last three months
    unless changed)."""

    def __init__(
        self,
        make: Callable[[date, date], bytes],
        runner: OperationRunner,
        parent: QWidget | None = None,
        *,
        zone: str,
    ) -> None:
        super().__init__(runner, accept_text="Report", busy_text="Counting…", parent=parent)
        self._make = make
        self.setObjectName("securityReportDialog")
        self.setWindowTitle("Security report")
        self.setMinimumWidth(440)
        self.audit_label.setText(
            "Incidents by category and month, calls by hour of the day, people and vehicles "
            "in more than one incident, and the open tasks, for the incidents you may read."
        )
        self.audit_label.show()
        today = office_today(zone)
        start = (today.replace(day=1) - timedelta(days=62)).replace(day=1)
        self.start_edit, self.end_edit = QDateEdit(), QDateEdit()
        for edit, day in ((self.start_edit, start), (self.end_edit, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setDate(QDate(day.year, day.month, day.day))
        self.declare(("start", "&From", self.start_edit), ("end", "&To", self.end_edit))
        self._finish_layout(vbox(field_grid((self.boxes["start"], self.boxes["end"]))))

    def _save_call(self) -> Callable[[], object]:
        start, end, make = (
            self.start_edit.date().toPython(),
            self.end_edit.date().toPython(),
            self._make,
        )
        if not isinstance(start, date) or not isinstance(end, date):  # pragma: no cover
            raise ValidationError.single("start", "Choose the days.")
        return lambda: make(start, end)
