"""One incident's page on the security desk: what happened, its status moved on, its
people, vehicles, dispatch log, tasks, links and photos, each added from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QPlainTextEdit,
    QSizePolicy,
    QTabWidget,
    QWidget,
)

from desktop.services.citations import CitationService, PhotoInfo
from desktop.services.incidents import (
    DISPATCH_KINDS,
    NEXT_STATUS,
    PRIORITIES,
    Choice,
    Incident,
    IncidentService,
    IncidentVehicle,
    Link,
    LogLine,
    Person,
    Task,
)
from desktop.services.localization import format_day, format_local
from desktop.services.parkers import ParkerService
from desktop.services.security import WatchlistService
from desktop.services.vehicle_record import VehicleRecordService
from desktop.views.kit.attach import AttachFileDialog
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.evidence_viewer import EvidenceItem, EvidenceViewer, evidence_items, index_of
from desktop.views.kit.forms import DialogSlot, FormDialog, NoteDialog
from desktop.views.kit.layout import (
    STRETCH,
    button,
    choice_box,
    hbox,
    label,
    line_edit,
    vbox,
)
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.table_view import DeskTable, Listing, sorted_table
from desktop.views.kit.tables import Column, RowsModel
from desktop.views.kit.vehicle_record import VehicleRecordDialog
from desktop.views.security.dialogs import EntryDialog
from desktop.views.security.incident_forms import (
    PersonDialog,
    TaskDialog,
    VehicleDialog,
)


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
                    lambda t: format_day(t.due_on),
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
            dialog = EntryDialog(watchlist.save_entry, self.runner, None, self, zone=self._zone())
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
                zone=self._zone(),
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
