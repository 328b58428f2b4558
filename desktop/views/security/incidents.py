"""The security desk's incidents: the list the dispatcher may read (confidential ones only
for their reporter, investigators and managers — the database decides), and one
incident's page: what happened, its status moved on, its people, vehicles, dispatch log,
tasks and photos, each added here. Everything reloads when any desk changes it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QObject, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QPlainTextEdit,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QWidget,
)

from desktop.services.citations import CitationService, PhotoInfo
from desktop.services.errors import KnownError, ValidationError
from desktop.services.incidents import (
    DISPATCH_KINDS,
    NEXT_STATUS,
    PRIORITIES,
    STATUSES,
    Choice,
    Incident,
    IncidentForm,
    IncidentRow,
    IncidentService,
    IncidentVehicle,
    Link,
    LogLine,
    Person,
    Task,
    parse_coordinates,
    security_report,
)
from desktop.services.localization import format_local, format_recent
from desktop.services.parkers import ParkerService
from desktop.services.security import WatchlistService
from desktop.services.vehicle_record import VehicleRecordService
from desktop.views.kit.attach import AttachFileDialog
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.evidence_viewer import EvidenceItem, EvidenceViewer, evidence_items, index_of
from desktop.views.kit.forms import DialogSlot, FormDialog, NoteDialog, capitals, text_box
from desktop.views.kit.layout import (
    STRETCH,
    button,
    choice_box,
    field_grid,
    hbox,
    label,
    line_edit,
    stack,
    vbox,
)
from desktop.views.kit.live import LiveBatch, LiveChanges
from desktop.views.kit.operations import Loader, OperationRunner
from desktop.views.kit.tables import (
    Column,
    DeskTable,
    Listing,
    RowsModel,
    badge_column,
    sorted_table,
)
from desktop.views.kit.vehicle_record import VehicleRecordDialog
from desktop.views.kit.widgets import EmptyState, MomentEdit
from desktop.views.security.dialogs import EntryDialog, RegisteredParker

#: The tables whose changes reload the incidents.
INCIDENT_TABLES = (
    "incident",
    "incident_person",
    "incident_vehicle",
    "dispatch_entry",
    "incident_task",
    "evidence",
)
_STATUS_COLOURS = {"new": "#b91c1c", "in_progress": "#b45309", "resolved": "#15803d"}


class IncidentsModel(RowsModel[IncidentRow]):
    def __init__(self, zone: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column(
                    "Incident",
                    lambda i: i.number,
                    bold=lambda i: i.priority == 1 and i.status != "closed",
                    samples=("I2026-00000",),
                    tooltip=lambda i: "Confidential" if i.confidential else None,
                ),
                Column(
                    "When",
                    lambda i: format_recent(i.occurred_at, zone()),
                    samples=("30 Sep 14:05",),
                    sort=lambda i: i.occurred_at,
                ),
                Column(
                    "What",
                    lambda i: i.category,
                    stretch=True,
                    give_way=True,
                    tooltip=lambda i: i.category,
                ),
                Column(
                    "Where",
                    lambda i: i.place,
                    give_way=True,
                    samples=("Lot B — Science",),
                    tooltip=lambda i: i.place,
                ),
                Column(
                    "Priority",
                    lambda i: PRIORITIES.get(i.priority, ""),
                    samples=tuple(PRIORITIES.values()),
                ),
                badge_column("Status", lambda i: i.status, STATUSES, colours=_STATUS_COLOURS),
            ],
            key=lambda i: i.id,
            dimmed=lambda i: i.status == "closed",
            parent=parent,
        )


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
    ) -> None:
        super().__init__(runner, accept_text="Save", busy_text="Saving…", parent=parent)
        self._save, self.incident = save, incident
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
        now = datetime.now().astimezone()
        self.when_edit.setDateTime(
            QDateTime(QDate(now.year, now.month, now.day), QTime(now.hour, now.minute))
        )
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
        local = i.occurred_at.astimezone()
        self.when_edit.setDateTime(
            QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
        )
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
        local = form.occurred_at.astimezone()
        self.when_edit.setDateTime(
            QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
        )
        self.lot_edit.setText(form.lot_code)
        self.location_edit.setText(form.location)
        self.narrative_edit.setPlainText(form.narrative)
        if form.latitude is not None and form.longitude is not None:
            self.coordinates_edit.setText(f"{form.latitude}, {form.longitude}")

    def _save_call(self) -> Callable[[], object]:
        if self.category_box.currentIndex() < 0:
            raise ValidationError.single("category_id", "Choose what kind of incident it is.")
        moment = self.when_edit.dateTime().toPython()
        if not isinstance(moment, datetime):  # pragma: no cover - a QDateTime is a datetime
            raise ValidationError.single("occurred_at", "Say when it happened.")
        when = moment.astimezone() if moment.tzinfo is None else moment
        if when > datetime.now().astimezone() + timedelta(minutes=5):
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
        soon = datetime.now().astimezone().date() + timedelta(days=2)
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
        today = datetime.now().astimezone().date()
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


class IncidentPage(QWidget):
    """One incident: what happened and everything linked to it."""

    changed = Signal(object)
    #: A dialog the page opened (for tests and screenshots).
    dialog_opened = Signal(object)

    def __init__(
        self,
        service: IncidentService,
        runner: OperationRunner,
        zone: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self._zone = service, runner, zone
        self.incident: Incident | None = None
        self.roles: list[Choice] = []
        self.dialog: DialogSlot[FormDialog] = DialogSlot(self._changed)
        self.title = label(
            name="incidentTitle", plain=True, style="font-size: 14pt; font-weight: 600;"
        )
        self.facts = label(name="incidentFacts", wrap=True, plain=True)
        self.narrative = QPlainTextEdit()
        self.narrative.setReadOnly(True)
        self.narrative.setObjectName("incidentNarrative")
        self.narrative.setFixedHeight(self.narrative.fontMetrics().lineSpacing() * 4 + 14)
        self.edit_button = button("Chan&ge…", self.changes_requested.emit)
        self.next_button = button("Start work", self.move_on, primary=True)
        self.next_button.setObjectName("incidentNextStatus")
        self.reopen_button = button("Reo&pen…", self.reopen)
        self.tabs = QTabWidget()
        self.people_model: RowsModel[Person] = RowsModel(
            [
                Column("Role", lambda p: p.role, samples=("Complainant",)),
                Column("Name", lambda p: p.name, give_way=True, samples=("Alexandra Okonkwo",)),
                Column(
                    "Description",
                    lambda p: p.description,
                    stretch=True,
                    give_way=True,
                    tooltip=lambda p: p.description,
                ),
                Column("Contact", lambda p: p.contact, give_way=True, samples=("555-0100",)),
            ],
            key=lambda r: r.id,
            parent=self,
        )
        self.vehicles_model: RowsModel[IncidentVehicle] = RowsModel(
            [
                Column(
                    "Plate", lambda v: f"{v.plate} ({v.jurisdiction})", samples=("WWW0000 (ON)",)
                ),
                Column("Description", lambda v: v.description, stretch=True, give_way=True),
                Column(
                    "On file",
                    lambda v: "Registered" if v.vehicle_id else "Not registered",
                    samples=("Not registered",),
                ),
            ],
            key=lambda r: r.id,
            parent=self,
        )
        self.log_model: RowsModel[LogLine] = RowsModel(
            [
                Column(
                    "When",
                    lambda e: format_local(e.at, self._zone()),
                    samples=("30 Sep 2026 14:05 EDT",),
                ),
                Column("What", lambda e: e.kind_title, samples=tuple(DISPATCH_KINDS.values())),
                Column(
                    "Note", lambda e: e.note, stretch=True, give_way=True, tooltip=lambda e: e.note
                ),
                Column("By", lambda e: e.by, samples=("dispatcher",)),
            ],
            key=lambda r: r.id,
            parent=self,
        )
        self.tasks_model: RowsModel[Task] = RowsModel(
            [
                Column(
                    "Due",
                    lambda t: f"{t.due_on.day} {t.due_on:%b %Y}",
                    samples=("30 Sep 2026",),
                    sort=lambda t: t.due_on,
                ),
                Column("For", lambda t: t.assigned_to, samples=("dispatcher",)),
                Column("Task", lambda t: t.description, stretch=True, give_way=True),
                Column(
                    "Done",
                    lambda t: f"by {t.done_by}" if t.done_by else "—",
                    samples=("by dispatcher",),
                ),
            ],
            key=lambda r: r.id,
            parent=self,
        )
        self.evidence_model: RowsModel[PhotoInfo] = RowsModel(
            [
                Column(
                    "Added",
                    lambda e: format_local(e.recorded_at, self._zone()),
                    samples=("30 Sep 2026 14:05 EDT",),
                ),
                Column("What", lambda e: e.description, stretch=True, give_way=True),
                Column(
                    "Kind",
                    lambda e: "PDF" if e.media_type == "application/pdf" else "Photo",
                    samples=("Photo",),
                ),
                Column("By", lambda e: e.recorded_by, samples=("dispatcher",)),
            ],
            key=lambda r: r.id,
            parent=self,
        )
        self.people_table = self._tab(
            "People",
            self.people_model,
            "incidentPeople",
            [button("Add per&son…", self.add_person), button("Remove", self.remove_person)],
        )
        self.vehicles_table = self._tab(
            "Vehicles",
            self.vehicles_model,
            "incidentVehicles",
            [button("Add &vehicle…", self.add_vehicle), *self._vehicle_buttons()],
        )
        self.vehicles_table.doubleClicked.connect(lambda _i: self.open_vehicle_record())
        self.vehicles_table.selectionModel().selectionChanged.connect(
            lambda *_a: self._vehicle_chosen()
        )
        self._vehicle_chosen()
        self.log_kind = choice_box(DISPATCH_KINDS.values(), data=DISPATCH_KINDS.keys())
        self.log_kind.setCurrentIndex(0)
        self.log_note = line_edit(
            placeholder="What happened (optional but for a note)", max_length=2000
        )
        self.log_note.returnPressed.connect(self.add_log)
        self.log_note.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.log_table = self._tab(
            "Dispatch log",
            self.log_model,
            "incidentLog",
            [self.log_kind, self.log_note, button("Add to &log", self.add_log)],
        )
        self.tasks_table = self._tab(
            "Tasks",
            self.tasks_model,
            "incidentTasks",
            [button("Assign a &job…", self.add_task), button("Mark done", self.complete_task)],
        )
        self.links_model: RowsModel[Link] = RowsModel(
            [
                Column("Linked", lambda k: k.kind.capitalize(), samples=("Citation",)),
                Column("Number", lambda k: k.reference, samples=("P-2026-00000",)),
                Column("Note", lambda k: k.note, stretch=True, give_way=True),
                Column("By", lambda k: k.added_by, samples=("dispatcher",)),
            ],
            key=lambda k: k.id,
            parent=self,
        )
        self.link_kind = choice_box(["Citation", "Permit"], data=["citation", "permit"])
        self.link_kind.setCurrentIndex(0)
        self.link_number = line_edit(placeholder="Its number", max_length=40)
        self.link_number.returnPressed.connect(self.add_link)
        self.links_table = self._tab(
            "Citations and permits",
            self.links_model,
            "incidentLinks",
            [
                self.link_kind,
                self.link_number,
                button("Lin&k", self.add_link),
                button("Unlink", self.remove_link),
            ],
        )
        self.evidence_table = self._tab(
            "Photos and documents",
            self.evidence_model,
            "incidentEvidence",
            [button("Attach photo or doc&ument…", self.attach)],
        )
        self.evidence_table.doubleClicked.connect(lambda _i: self.show_evidence())
        vbox(
            self.title,
            self.facts,
            self.narrative,
            hbox(self.edit_button, self.next_button, self.reopen_button, STRETCH, spacing=8),
            (self.tabs, 1),
            margins=(4, 0, 0, 0),
            spacing=8,
            parent=self,
        )

    #: The incident's own fields are to be changed (the desk opens the dialog).
    changes_requested = Signal()

    def _tab(self, title: str, model: RowsModel[Any], name: str, tools: list[QWidget]) -> DeskTable:
        table, _proxy = sorted_table(model, name)
        page = QWidget()
        vbox(
            hbox(*tools, STRETCH, spacing=8), (Listing(table), 1), margins=4, spacing=6, parent=page
        )
        self.tabs.addTab(page, title)
        return table

    def show_incident(self, incident: Incident) -> None:
        self.incident = incident
        zone = self._zone()
        flags = [
            f for f, on in (("weapon involved", incident.weapon), ("injury", incident.injury)) if on
        ]
        self.title.setText(
            f"Incident {incident.number} — {incident.category}"
            + ("  (confidential)" if incident.confidential else "")
        )
        facts = [
            f"{incident.status_title} (since {format_local(incident.status_at, zone)}, "
            f"{incident.status_by}) · {PRIORITIES.get(incident.priority, '').lower()} priority",
            f"Happened {format_local(incident.occurred_at, zone)} at {incident.place}"
            + (f" ({incident.coordinates})" if incident.coordinates else "")
            + f"; recorded by {incident.reported_by}",
        ]
        if flags:
            facts.append("Flags: " + ", ".join(flags))
        if incident.police_service or incident.police_case:
            facts.append(
                f"Police: {incident.police_service or '—'}, case {incident.police_case or '—'}"
            )
        if incident.investigators:
            facts.append("Investigators: " + ", ".join(incident.investigators))
        self.facts.setText("\n".join(facts))
        self.narrative.setPlainText(incident.narrative)
        closed = incident.status == "closed"
        following = NEXT_STATUS.get(incident.status)
        self.next_button.setVisible(following is not None)
        if following is not None:
            self.next_button.setText(following[1])
        self.reopen_button.setVisible(closed)
        self.edit_button.setEnabled(not closed)
        self.people_model.set_rows(incident.people)
        self.vehicles_model.set_rows(incident.vehicles)
        self._vehicle_chosen()
        self.log_model.set_rows(incident.log)
        self.tasks_model.set_rows(incident.tasks)
        self.evidence_model.set_rows(incident.evidence)
        self.links_model.set_rows(incident.links)
        for index in range(self.tabs.count()):
            count = (
                len(incident.people),
                len(incident.vehicles),
                len(incident.log),
                len(incident.tasks),
                len(incident.links),
                len(incident.evidence),
            )[index]
            base = self.tabs.tabText(index).split(" (")[0]
            self.tabs.setTabText(index, f"{base} ({count})" if count else base)

    def _changed(self, incident: object) -> None:
        if isinstance(incident, Incident):
            self.show_incident(incident)
            self.changed.emit(incident)

    def _run(self, call: Callable[[], Incident]) -> None:
        self.runner.run_for(self, call, self._changed, write=True)

    # -- the incident ----------------------------------------------------------------

    def move_on(self) -> None:
        incident = self.incident
        if incident is None or incident.status not in NEXT_STATUS:
            return
        status, incident_id, service = NEXT_STATUS[incident.status][0], incident.id, self.service
        self._run(lambda: service.move_on(incident_id, status))

    def reopen(self) -> None:
        incident = self.incident
        if incident is None:
            return
        dialog = NoteDialog(
            "Reopen the incident",
            "Why is the incident reopened?",
            "Reopen",
            required=True,
            parent=self,
        )
        incident_id, service = incident.id, self.service
        dialog.accepted.connect(
            lambda: self._run(lambda: service.reopen(incident_id, dialog.note()))
        )
        open_dialog(dialog, self.dialog_opened)

    # -- what hangs on it ----------------------------------------------------------------

    def _open(self, make: Callable[[], FormDialog]) -> FormDialog | None:
        if self.incident is None:
            return None
        dialog = self.dialog.open(make)
        self.dialog_opened.emit(dialog)
        return dialog

    def add_person(self) -> FormDialog | None:
        incident, service = self.incident, self.service
        if incident is None:
            return None
        return self._open(
            lambda: PersonDialog(
                lambda role, name, what, contact, parker: service.add_person(
                    incident.id, role, name, what, contact, parker_id=parker
                ),
                self.runner,
                self.roles,
                ParkerService(service.workspace),
                self,
            )
        )

    def remove_person(self) -> None:
        person: Person | None = self.people_table.selected_row()
        incident, service = self.incident, self.service
        if person is None or incident is None:
            return
        person_id = person.id
        self._run(lambda: service.remove_person(incident.id, person_id))

    def add_vehicle(self) -> FormDialog | None:
        incident, service = self.incident, self.service
        if incident is None:
            return None
        return self._open(
            lambda: VehicleDialog(
                lambda j, p, d: service.add_vehicle(incident.id, j, p, d), self.runner, self
            )
        )

    def _vehicle_buttons(self) -> list[QWidget]:
        """What is done with the vehicle chosen in the list (enabled once one is)."""
        self.record_button = button(
            "Vehicle record…",
            self.open_vehicle_record,
            tip="Everything you may see about the chosen vehicle's plate",
        )
        self.watch_button = button(
            "Watch for it…",
            self.watch_vehicle,
            tip="Put the chosen vehicle on the watchlist for this incident",
        )
        return [self.record_button, self.watch_button]

    def _vehicle_chosen(self) -> None:
        chosen = self.vehicles_table.selected_row() is not None
        self.record_button.setEnabled(chosen)
        self.watch_button.setEnabled(chosen)

    def watch_vehicle(self) -> FormDialog | None:
        """The watchlist form for the chosen vehicle, linked to this incident: every read,
        check or citation of the plate then alerts dispatch."""
        vehicle: IncidentVehicle | None = self.vehicles_table.selected_row()
        incident = self.incident
        if vehicle is None or incident is None:
            return None
        watchlist = WatchlistService(self.service.workspace)

        def make() -> FormDialog:
            dialog = EntryDialog(watchlist.save_entry, self.runner, None, self)
            dialog.prefill(
                vehicle.jurisdiction,
                vehicle.plate,
                incident.number,
                f"Incident {incident.number} ({incident.category}): {vehicle.description}".strip(
                    ": "
                ),
            )
            return dialog

        return self._open(make)

    def open_vehicle_record(self) -> VehicleRecordDialog | None:
        """The record of the chosen vehicle's plate: what else the office knows of it."""
        vehicle: IncidentVehicle | None = self.vehicles_table.selected_row()
        if vehicle is None:
            return None
        dialog = VehicleRecordDialog(
            VehicleRecordService(self.service.workspace),
            self.runner,
            vehicle.jurisdiction,
            vehicle.plate,
            self,
        )
        return open_dialog(dialog, self.dialog_opened)

    def add_link(self) -> None:
        incident, service = self.incident, self.service
        if incident is None:
            return
        kind, number = str(self.link_kind.currentData() or "citation"), self.link_number.text()
        if not number.strip():
            self.link_number.setFocus()
            return

        def linked(changed: Incident) -> None:
            self.link_number.clear()
            self._changed(changed)

        self.runner.run_for(
            self, lambda: service.link(incident.id, kind, number), linked, write=True
        )

    def remove_link(self) -> None:
        link: Link | None = self.links_table.selected_row()
        incident, service = self.incident, self.service
        if link is None or incident is None:
            return
        link_id = link.id
        self._run(lambda: service.unlink(incident.id, link_id))

    def add_log(self) -> None:
        incident, service = self.incident, self.service
        if incident is None:
            return
        kind, note = str(self.log_kind.currentData() or "note"), self.log_note.text()
        if kind == "note" and not note.strip():
            self.log_note.setFocus()
            return
        self.log_note.clear()
        self._run(lambda: service.log(incident.id, kind, note))

    def add_task(self) -> FormDialog | None:
        incident, service = self.incident, self.service
        if incident is None:
            return None
        return self._open(
            lambda: TaskDialog(
                lambda login, due, what: service.assign(incident.id, login, due, what),
                self.runner,
                self,
            )
        )

    def complete_task(self) -> None:
        task: Task | None = self.tasks_table.selected_row()
        incident, service = self.incident, self.service
        if task is None or incident is None or task.done_at is not None:
            return
        task_id = task.id
        self._run(lambda: service.complete(incident.id, task_id))

    def attach(self) -> FormDialog | None:
        incident, service = self.incident, self.service
        if incident is None:
            return None
        return self._open(
            lambda: AttachFileDialog(
                lambda path, what: service.attach(incident.id, path, what),
                self.runner,
                title=f"Attach to incident {incident.number}",
                intro="A photo or a document (JPEG, PNG or PDF, up to 20 MB). It is kept as it "
                "is, with its fingerprint, and read only by those who read the incident.",
                placeholder="e.g. The shelter after the call",
                parent=self,
            )
        )

    def show_evidence(self) -> None:
        chosen: PhotoInfo | None = self.evidence_table.selected_row()
        incident = self.incident
        if chosen is None or incident is None:
            return
        photos, zone = CitationService(self.service.workspace), self._zone()
        ids = [e.id for e in incident.evidence]
        chosen_id = chosen.id

        def read() -> list[EvidenceItem]:
            return evidence_items((photos.photo(i) for i in ids), zone)

        def opened(items: list[EvidenceItem]) -> None:
            viewer = EvidenceViewer(
                items, index_of(items, chosen_id), title="Evidence", parent=self
            )
            open_dialog(viewer, self.dialog_opened)

        self.runner.run_for(self, read, opened)


class IncidentsPanel(QWidget):
    """The incidents the person may read on the left, the chosen one on the right."""

    loaded = Signal()
    shown = Signal()
    #: The security report's preview was opened (its dialog).
    report_opened = Signal(object)

    def __init__(
        self,
        service: IncidentService,
        runner: OperationRunner,
        live: LiveChanges,
        zone: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self._zone = service, runner, zone
        self.categories: list[Choice] = []
        self.current: int | None = None
        self.dialog: DialogSlot[IncidentDialog] = DialogSlot(self._saved)
        self.model = IncidentsModel(zone, self)
        self.table, _proxy = sorted_table(self.model, "incidentsTable")
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.open_selected())
        self.listing = Listing(self.table)
        self.report_dialog: DialogSlot[ReportDialog] = DialogSlot(self._reported)
        self.closed_check = QCheckBox("Show closed incidents")
        self.closed_check.toggled.connect(lambda _on: self.reload())
        self.tasks_check = QCheckBox("Only my open tasks")
        self.tasks_check.setToolTip("The incidents with a task still open for you")
        self.tasks_check.toggled.connect(lambda _on: self.reload())
        record = button("Rec&ord an incident…", self.new_incident, primary=True)
        record.setObjectName("recordIncidentButton")
        reports = button("&Reports…", self.open_report, tip="The security report, as a PDF")
        left = QWidget()
        vbox(
            hbox(record, reports, STRETCH, spacing=8),
            hbox(self.tasks_check, self.closed_check, STRETCH, spacing=12),
            (self.listing, 1),
            margins=0,
            spacing=8,
            parent=left,
        )
        self.page = IncidentPage(service, runner, zone)
        self.page.changed.connect(lambda _i: self.reload())
        self.page.changes_requested.connect(self.edit_incident)
        self.empty = EmptyState("No incident open", "Record an incident, or choose one.")
        self.right = stack(self.empty, self.page)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([560, 700])
        vbox((splitter, 1), margins=4, parent=self)
        self.loader = Loader(self, runner, self._list_call, self._listed, self._list_failed)
        LiveBatch(live, 200, self).watch(INCIDENT_TABLES, self.refresh)
        # A manager's change to the lists reaches the forms opened after it.
        LiveBatch(live, 200, self).watch(("incident_category", "incident_role"), self.read_lists)
        self.read_lists()

    def read_lists(self) -> None:
        service = self.service
        self.runner.run_for(
            self, lambda: (service.categories(), service.roles()), self._lists, lambda _exc: True
        )

    def _lists(self, lists: tuple[list[Choice], list[Choice]]) -> None:
        first = not self.categories
        self.categories, self.page.roles = lists
        if first:
            self.reload()

    def refresh(self) -> None:
        self.reload()
        if self.current is not None:
            self._load(self.current)

    def reload(self) -> None:
        self.loader.reload()

    def _list_call(self) -> Callable[[], list[IncidentRow]]:
        service, everything = self.service, self.closed_check.isChecked()
        mine = self.tasks_check.isChecked()
        return lambda: service.incidents(open_only=not everything, my_tasks=mine)

    def _listed(self, rows: list[IncidentRow]) -> None:
        selected = self.table.selected_key()
        self.model.set_rows(rows)
        if selected is not None:
            self.table.show_key(selected)
        self.listing.show_rows(
            len(rows),
            "No incident open",
            "Incidents you may read appear here as they are recorded.",
        )
        self.loaded.emit()

    def _list_failed(self, exc: KnownError) -> None:
        self.listing.show_empty("The incidents could not be loaded", exc.message)

    def open_selected(self) -> None:
        row: IncidentRow | None = self.table.selected_row()
        if row is not None and row.id != self.current:
            self._load(row.id)

    def _load(self, incident_id: int) -> None:
        self.current = incident_id
        service = self.service
        self.runner.run_for(
            self, lambda: service.get(incident_id), self.show_incident, self._load_failed
        )

    def _load_failed(self, exc: BaseException) -> bool:
        if isinstance(exc, KnownError):
            self.current = None
            self.empty.text.setText(exc.message)
            self.right.setCurrentWidget(self.empty)
            return True
        return False

    def show_incident(self, incident: Incident) -> None:
        self.current = incident.id
        self.page.show_incident(incident)
        self.right.setCurrentWidget(self.page)
        self.shown.emit()

    def new_incident(
        self, prefill: IncidentForm | None = None, vehicle: tuple[str, str, str] | None = None
    ) -> IncidentDialog | None:
        """The form for a new incident; from an alert, filled in, the alert's vehicle added
        once it is saved."""
        service = self.service

        def save(form: IncidentForm) -> Incident:
            incident = service.save(form)
            if vehicle is not None:
                incident = service.add_vehicle(incident.id, *vehicle)
            return incident

        return self.dialog.open(
            lambda: IncidentDialog(save, self.runner, self.categories, None, self, prefill=prefill)
        )

    def category_named(self, name: str) -> int | None:
        return next((c.id for c in self.categories if c.name == name), None)

    def edit_incident(self) -> IncidentDialog | None:
        incident, service = self.page.incident, self.service
        if incident is None:
            return None
        return self.dialog.open(
            lambda: IncidentDialog(service.save, self.runner, self.categories, incident, self)
        )

    def open_report(self) -> ReportDialog | None:
        workspace = self.service.workspace
        return self.report_dialog.open(
            lambda: ReportDialog(
                lambda start, end: security_report(workspace, start, end), self.runner, self
            )
        )

    def _reported(self, pdf: object) -> None:
        if isinstance(pdf, bytes):
            preview = DocumentPreviewDialog("Security report", pdf, "security-report.pdf", self)
            open_dialog(preview, self.report_opened)

    def _saved(self, incident: object) -> None:
        if isinstance(incident, Incident):
            self.show_incident(incident)
        self.reload()


__all__ = ["IncidentDialog", "IncidentPage", "IncidentsPanel"]
