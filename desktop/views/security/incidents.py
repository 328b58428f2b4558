"""The security desk's incidents: the list the dispatcher may read (confidential ones only
for their reporter, investigators and managers — the database decides), and one
incident's page: what happened, its status moved on, its people, vehicles, dispatch log,
tasks and photos, each added here. Everything reloads when any desk changes it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QWidget,
)

from desktop.services.errors import KnownError
from desktop.services.incidents import (
    PRIORITIES,
    STATUSES,
    Choice,
    Incident,
    IncidentForm,
    IncidentRow,
    IncidentService,
    security_report,
)
from desktop.services.localization import format_recent
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.forms import DialogSlot
from desktop.views.kit.layout import (
    STRETCH,
    button,
    hbox,
    stack,
    vbox,
)
from desktop.views.kit.live import LiveBatch, LiveChanges
from desktop.views.kit.operations import Loader, OperationRunner
from desktop.views.kit.table_view import Listing, sorted_table
from desktop.views.kit.tables import Column, RowsModel, badge_column
from desktop.views.kit.widgets import DeskSplitter, EmptyState
from desktop.views.security.incident_forms import IncidentDialog, ReportDialog
from desktop.views.security.incident_page import IncidentPage

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
                # What happened is read first: the place gives way to it.
                Column(
                    "What",
                    lambda i: i.category,
                    samples=("Damage — Vandalism",),
                    tooltip=lambda i: i.category,
                ),
                Column(
                    "Where",
                    lambda i: i.place,
                    stretch=True,
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
        #: Counts the incident's loads and changes shown: a load that comes back after a
        #: later one, or after a change the page made meanwhile, is older than the page.
        self._asked = 0
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
        self.page.changed.connect(self._page_changed)
        self.page.changes_requested.connect(self.edit_incident)
        self.empty = EmptyState("No incident open", "Record an incident, or choose one.")
        self.right = stack(self.empty, self.page, sized_by_shown=True)
        # The list has the room until an incident is open; then the incident's page.
        self.splitter = DeskSplitter(orientation=Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.favour(0, 0.75)
        vbox((self.splitter, 1), margins=4, parent=self)
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
        self._asked += 1
        asked, service = self._asked, self.service
        self.runner.run_for(
            self,
            lambda: service.get(incident_id),
            lambda incident: self._loaded(asked, incident),
            self._load_failed,
        )

    def _loaded(self, asked: int, incident: Incident) -> None:
        if asked == self._asked:  # else a newer load or the page's own change is shown
            self.show_incident(incident)

    def _page_changed(self, _incident: object) -> None:
        # The page shows what its change returned: loads asked before it are older.
        self._asked += 1
        self.reload()

    def _load_failed(self, exc: BaseException) -> bool:
        if isinstance(exc, KnownError):
            self.current = None
            self.empty.text.setText(exc.message)
            self.right.setCurrentWidget(self.empty)
            self.splitter.favour(0, 0.75)
            return True
        return False

    def show_incident(self, incident: Incident) -> None:
        self.current = incident.id
        self.page.show_incident(incident)
        self.right.setCurrentWidget(self.page)
        self.splitter.favour(1, 0.55)
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
            lambda: IncidentDialog(
                save, self.runner, self.categories, None, self, prefill=prefill, zone=self._zone()
            )
        )

    def category_named(self, name: str) -> int | None:
        return next((c.id for c in self.categories if c.name == name), None)

    def edit_incident(self) -> IncidentDialog | None:
        incident, service = self.page.incident, self.service
        if incident is None:
            return None
        return self.dialog.open(
            lambda: IncidentDialog(
                service.save, self.runner, self.categories, incident, self, zone=self._zone()
            )
        )

    def open_report(self) -> ReportDialog | None:
        workspace = self.service.workspace
        return self.report_dialog.open(
            lambda: ReportDialog(
                lambda start, end: security_report(workspace, start, end),
                self.runner,
                self,
                zone=self._zone(),
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
