"""The security desk (SPEC "Security"): live watchlist alerts, the watchlist itself, and
incidents (``incidents.py``).

An alert arrives the moment a device reads, a desk checks or an officer cites a plate on
the watchlist: the change's hint (no plate in it) wakes the desk, which reads the alerts
with the dispatcher's own rights, sounds, and shows the new one in a panel that stays on
top without taking the keyboard from whatever the dispatcher is typing. A dispatcher
acknowledges it — once for the whole office. The desk is opened at login for the roles
that have it, so alerts reach a dispatcher working at another desk.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QMenu,
    QSplitter,
    QTabWidget,
    QWidget,
)

from desktop.services.errors import KnownError, ValidationError
from desktop.services.incidents import IncidentForm, IncidentService
from desktop.services.localization import format_local
from desktop.services.security import (
    Alert,
    EntryForm,
    HotlistImport,
    TrespassService,
    WatchlistEntry,
    WatchlistService,
)
from desktop.services.vehicle_record import VehicleRecordService
from desktop.views.kit.desk import Desk
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.forms import DialogSlot, NoteDialog
from desktop.views.kit.layout import (
    STRETCH,
    Space,
    button,
    desk_action,
    hbox,
    label,
    scrolled,
    vbox,
)
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.operations import Loader
from desktop.views.kit.table_view import Listing, sorted_table
from desktop.views.kit.vehicle_record import VehicleRecordDialog
from desktop.views.security.dialogs import EntryDialog, HotlistImportDialog
from desktop.views.security.incident_forms import IncidentDialog
from desktop.views.security.incidents import IncidentsPanel
from desktop.views.security.lists import ListsPanel
from desktop.views.security.trespass import TrespassPanel
from desktop.views.security.watch import AlertPanel, AlertsModel, EntriesModel, alert_words

#: Alerts are read this soon after their hint arrives (a burst of hits reads once).
ALERT_DELAY_MS = 30
ENTRY_DELAY_MS = 200


class SecurityDesk(Desk):
    """Alerts on the first tab, the watchlist on the second."""

    #: A new alert (or a new hit of one waiting) arrived: the alert.
    alerted = Signal(object)
    #: The alerts / the entries were read and shown.
    alerts_loaded = Signal()
    entries_loaded = Signal()
    #: A hotlist file was written (its path).
    exported = Signal(object)
    #: A plate's vehicle record was opened (its dialog).
    record_opened = Signal(object)

    def setup(self) -> None:
        self.setObjectName("securityDesk")
        self.service = WatchlistService(self.workspace)
        self._zone = "UTC"
        self._seen: dict[int, int] | None = None  # alert id -> hits, as last shown
        self.entry_dialog: DialogSlot[EntryDialog] = DialogSlot(lambda _e: self.reload_entries())
        self.import_dialog: DialogSlot[HotlistImportDialog] = DialogSlot(self._imported)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._alerts_tab(), "&Alerts")
        self.tabs.addTab(self._entries_tab(), "&Watchlist")
        self.incidents = IncidentsPanel(
            IncidentService(self.workspace), self.runner, self.live, lambda: self._zone
        )
        # Dense: below its width the page scrolls rather than widen the window.
        self.tabs.addTab(scrolled(self.incidents), "I&ncidents")
        self.trespass = TrespassPanel(
            TrespassService(self.workspace),
            self.runner,
            self.live,
            lambda: self._zone,
            editable=self.workspace.identity.can_edit("security"),
        )
        self.tabs.addTab(self.trespass, "Tre&spass notices")
        # The managers' lists of incident categories and roles.
        self.lists: ListsPanel | None = None
        if "manager" in self.workspace.identity.roles:
            self.lists = ListsPanel(
                IncidentService(self.workspace), self.runner, self.live, editable=True
            )
            self.lists_page = scrolled(self.lists)
            self.tabs.addTab(self.lists_page, "Incident &lists")
            self.tabs.currentChanged.connect(self._tab_shown)
        vbox(self.tabs, margins=8, parent=self)
        self.panel = AlertPanel(self)
        self.panel.acknowledge.connect(self.acknowledge)
        self.panel.incident_wanted.connect(self.incident_from_alert)
        self.alerts_loader = Loader(
            self, self.runner, self._alerts_call, self._alerts_shown, self._alerts_failed
        )
        self.entries_loader = Loader(
            self, self.runner, self._entries_call, self._entries_shown, self._entries_failed
        )
        LiveBatch(self.live, ALERT_DELAY_MS, self).watch(("watchlist_alert",), self.reload_alerts)
        LiveBatch(self.live, ENTRY_DELAY_MS, self).watch(("watchlist_entry",), self.reload_entries)
        desk_action(self, "Add to the watchlist", "Ctrl+N", self.add_entry)
        desk_action(self, "Refresh", "F5", self.refresh)
        self.runner.run_for(self, self.service.time_zone, self._zone_read, lambda _exc: True)

    def _tab_shown(self, index: int) -> None:
        lists = self.lists
        if lists is not None and self.tabs.widget(index) is self.lists_page and lists.lists is None:
            lists.reload()  # read when first shown

    # -- layout ------------------------------------------------------------------------

    def _alerts_tab(self) -> QWidget:
        self.alerts_summary = label(name="countLabel", plain=True)
        self.alerts_model = AlertsModel(lambda: self._zone, self)
        self.alerts_table, _proxy = sorted_table(self.alerts_model, "alertsTable")
        self.alerts_table.selectionModel().selectionChanged.connect(
            lambda *_args: self._show_selected_alert()
        )
        self.alerts_listing = Listing(self.alerts_table)
        self.alert_detail = label(name="alertDetail", wrap=True, plain=True)
        self.alert_detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.ack_button = button(
            "Ac&knowledge…",
            self.acknowledge_selected,
            tip="Record that you are dealing with it (Ctrl+K)",
        )
        self.ack_button.setObjectName("acknowledgeButton")
        desk_action(self, "Acknowledge", "Ctrl+K", self.acknowledge_selected)
        self.incident_button = button(
            "Open an &incident…",
            lambda: self.incident_from_alert(self.alerts_table.selected_row()),
            tip="Record an incident from this alert, its plate and place filled in",
        )
        right = QWidget()
        self.record_button = button(
            "Vehicle record…",
            lambda: self.open_vehicle_record(self.alerts_table.selected_row()),
            tip="Everything on file for this plate: permits, reads, citations, incidents",
        )
        vbox(
            (self.alert_detail, 1),
            hbox(self.ack_button, STRETCH),
            hbox(self.incident_button, STRETCH),
            hbox(self.record_button, STRETCH),
            margins=0,
            parent=right,
        )
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.alerts_listing)
        splitter.addWidget(right)
        # The list gets what its seven columns need; the alert's page wraps its words.
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([840, 320])
        page = QWidget()
        vbox(self.alerts_summary, (splitter, 1), margins=4, spacing=8, parent=page)
        return page

    def _entries_tab(self) -> QWidget:
        self.entries_model = EntriesModel(
            lambda: self._zone, self.workspace.identity.login_words, self
        )
        self.entries_table, _proxy = sorted_table(self.entries_model, "watchlistTable")
        self.entries_table.doubleClicked.connect(lambda _index: self.edit_entry())
        self.entries_listing = Listing(self.entries_table)
        editable = self.workspace.identity.can_edit("security")
        self.retired_check = QCheckBox("Show &retired entries")
        self.retired_check.toggled.connect(lambda _on: self.reload_entries())
        add = button(
            "Add &entry…",
            self.add_entry,
            primary=True,
            visible=editable,
            tip="Watch for a plate, or part of one (Ctrl+N)",
        )
        add.setObjectName("addEntryButton")
        self.edit_button = button(
            "&Change…", self.edit_entry, visible=editable, tip="Change the selected entry"
        )
        self.retire_button = button(
            "Re&tire…",
            self.retire_entry,
            visible=editable,
            tip="It no longer alerts; it stays in the list",
        )
        # LPR hotlist files, in and out: one button and its menu keeps the row narrow.
        hotlist = QMenu(self)
        if editable:
            hotlist.addAction("&Import a hotlist file…", self.import_hotlist).setToolTip(
                "Add the plates of an LPR hotlist file"
            )
        hotlist.addAction("&Export the entries in force…", self.export_hotlist)
        hotlist.setToolTipsVisible(True)
        self.hotlist_button = button("Hotl&ist", tip="Import or export an LPR hotlist file")
        self.hotlist_button.setMenu(hotlist)
        # What the last import or export did; shown once there is something to say.
        self.export_note = label(name="hint", plain=True, wrap=True)
        self.export_note.hide()
        page = QWidget()
        vbox(
            hbox(
                add, self.edit_button, self.retire_button, self.hotlist_button, STRETCH, spacing=8
            ),
            hbox(self.retired_check, Space(16), (self.export_note, 1), spacing=8),
            (self.entries_listing, 1),
            margins=4,
            spacing=8,
            parent=page,
        )
        return page

    # -- reading -------------------------------------------------------------------------

    def _zone_read(self, zone: str) -> None:
        self._zone = zone
        self.refresh()

    def refresh(self) -> None:
        self.reload_alerts()
        self.reload_entries()
        self.trespass.reload()

    def reload_alerts(self) -> None:
        self.alerts_loader.reload()

    def reload_entries(self) -> None:
        self.entries_loader.reload()

    def _alerts_call(self) -> Callable[[], list[Alert]]:
        service = self.service
        return service.alerts

    def _alerts_shown(self, alerts: list[Alert]) -> None:
        selected = self.alerts_table.selected_key()
        self.alerts_model.set_rows(alerts)
        if selected is not None:
            self.alerts_table.show_key(selected)
        waiting = [a for a in alerts if a.waiting]
        self.alerts_summary.setText(
            f"{len(waiting)} alert{'s' if len(waiting) != 1 else ''} waiting"
            if waiting
            else "No alert waiting; the last 24 hours are listed."
        )
        self.alerts_listing.show_rows(
            len(alerts), "No alerts", "No watchlisted plate was read, checked or cited today."
        )
        self.tabs.setTabText(0, f"&Alerts ({len(waiting)})" if waiting else "&Alerts")
        fresh = [a for a in waiting if self._seen is not None and self._seen.get(a.id, 0) < a.hits]
        self._seen = {a.id: a.hits for a in alerts}
        self._show_selected_alert()
        self.alerts_loaded.emit()
        if fresh:
            self._raise_alert(max(fresh, key=lambda a: a.last_at))

    def _raise_alert(self, alert: Alert) -> None:
        QApplication.beep()
        self.alerted.emit(alert)
        zone, service, read_id = self._zone, self.service, alert.read_id
        if read_id is None:
            self.panel.show_alert(alert, zone, None)
            return

        def photo() -> QImage | None:
            content = service.read_photo(read_id)
            return None if content is None else QImage.fromData(content)

        def without_photo(_exc: BaseException) -> bool:
            self.panel.show_alert(alert, zone, None)
            return True

        self.runner.run_for(
            self, photo, lambda image: self.panel.show_alert(alert, zone, image), without_photo
        )

    def _alerts_failed(self, exc: KnownError) -> None:
        self.alerts_listing.show_empty("The alerts could not be loaded", exc.message)

    def _entries_call(self) -> Callable[[], list[WatchlistEntry]]:
        service, retired = self.service, self.retired_check.isChecked()
        return lambda: service.entries(include_retired=retired)

    def _entries_shown(self, entries: list[WatchlistEntry]) -> None:
        self.entries_model.set_rows(entries)
        self.entries_listing.show_rows(
            len(entries), "The watchlist is empty", "Add a plate to be alerted when it is seen."
        )
        self.entries_loaded.emit()

    def _entries_failed(self, exc: KnownError) -> None:
        self.entries_listing.show_empty("The watchlist could not be loaded", exc.message)

    def _show_selected_alert(self) -> None:
        alert: Alert | None = self.alerts_table.selected_row()
        self.alert_detail.setText(
            "Choose an alert to read its instruction, its reason and where the plate was seen."
            if alert is None
            else alert_words(alert, self._zone)
        )
        self.ack_button.setEnabled(alert is not None and alert.waiting)
        self.incident_button.setEnabled(alert is not None)
        self.record_button.setEnabled(alert is not None)

    # -- acting --------------------------------------------------------------------------

    def open_vehicle_record(self, alert: object) -> VehicleRecordDialog | None:
        if not isinstance(alert, Alert):
            return None
        dialog = VehicleRecordDialog(
            VehicleRecordService(self.workspace),
            self.runner,
            alert.jurisdiction,
            alert.plate,
            self,
        )
        return open_dialog(dialog, self.record_opened)

    def incident_from_alert(self, alert: object) -> IncidentDialog | None:
        """The incident form, filled in from an alert: the place, the time, what was seen;
        the plate goes with it as the incident's vehicle."""
        if not isinstance(alert, Alert):
            return None
        panel = self.incidents
        category = panel.category_named("Suspicious activity") or (
            panel.categories[0].id if panel.categories else None
        )
        if category is None:
            return None
        self.tabs.setCurrentIndex(2)
        prefill = IncidentForm(
            category_id=category,
            priority=min(alert.priority, 2),
            occurred_at=alert.seen_at,
            lot_code=alert.lot_code or "",
            location="" if alert.lot_code else alert.place,
            narrative=(
                f"Watchlisted plate {alert.plate} ({alert.jurisdiction}): {alert.how} in "
                f"{alert.place}, {format_local(alert.seen_at, self._zone)}. "
                f"Watchlist: {alert.category} — {alert.reason} Instruction: {alert.instruction}"
            ),
            weapon=False,
            injury=False,
            police_service="",
            police_case="",
            confidential=False,
            latitude=alert.latitude,
            longitude=alert.longitude,
        )
        return panel.new_incident(
            prefill, (alert.jurisdiction, alert.plate, f"Watchlisted ({alert.category})")
        )

    def acknowledge_selected(self) -> None:
        alert: Alert | None = self.alerts_table.selected_row()
        if alert is None or not alert.waiting:
            return
        dialog = NoteDialog(
            "Acknowledge the alert",
            f"{alert.plate}: what is being done (optional)?",
            "Acknowledge",
            required=False,
            parent=self,
        )
        alert_id = alert.id
        dialog.accepted.connect(lambda: self.acknowledge(alert_id, dialog.note()))
        dialog.open()

    def acknowledge(self, alert_id: int, note: str = "") -> None:
        service = self.service
        self.runner.run_for(
            self,
            lambda: service.acknowledge(alert_id, note),
            lambda _alert: self.reload_alerts(),
            write=True,
        )

    def add_entry(self) -> EntryDialog | None:
        return self._entry_dialog(None)

    def edit_entry(self) -> EntryDialog | None:
        entry: WatchlistEntry | None = self.entries_table.selected_row()
        if entry is None or entry.retired_at is not None:
            return None
        return self._entry_dialog(entry)

    def _entry_dialog(self, entry: WatchlistEntry | None) -> EntryDialog | None:
        if not self.workspace.identity.can_edit("security"):
            return None
        service = self.service

        def save(form: EntryForm) -> WatchlistEntry:
            return service.save_entry(form)

        zone = self._zone
        return self.entry_dialog.open(
            lambda: EntryDialog(save, self.runner, entry, self, zone=zone)
        )

    def retire_entry(self) -> None:
        entry: WatchlistEntry | None = self.entries_table.selected_row()
        if entry is None or entry.retired_at is not None:
            return
        dialog = NoteDialog(
            "Retire the entry",
            f"Why is {entry.plate_display} no longer watched (vehicle recovered, notice ended…)?",
            "Retire",
            required=True,
            parent=self,
        )
        entry_id, service = entry.id, self.service
        dialog.accepted.connect(
            lambda: self.runner.run_for(
                self,
                lambda: service.retire(entry_id, dialog.note()),
                lambda _e: self.reload_entries(),
                write=True,
            )
        )
        dialog.open()

    def import_hotlist(self) -> HotlistImportDialog | None:
        if not self.workspace.identity.can_edit("security"):
            return None
        service = self.service

        def save(path: Path, instruction: str, priority: int) -> HotlistImport:
            try:
                content = path.read_text(encoding="utf-8-sig", errors="replace")
            except OSError as exc:
                raise ValidationError.single(
                    "file", f"The file cannot be read: {exc.strerror}."
                ) from exc
            return service.import_hotlist(
                content, source=path.name, instruction=instruction, priority=priority
            )

        return self.import_dialog.open(lambda: HotlistImportDialog(save, self.runner, self))

    def _imported(self, result: object) -> None:
        if isinstance(result, HotlistImport):
            self.export_note.setText(result.words)
            self.export_note.show()
        self.reload_entries()

    def export_hotlist(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Export the hotlist", str(Path(folder) / "hotlist.csv"), "Hotlists (*.csv)"
        )
        if chosen:
            self.save_hotlist(Path(chosen))

    def save_hotlist(self, path: Path) -> None:
        """The entries in force written to ``path`` as a hotlist, off the GUI thread."""
        service = self.service

        def write() -> int:
            content = service.export_hotlist()
            try:
                path.write_text(content, encoding="utf-8")
            except OSError as exc:
                raise ValidationError.single(
                    "file", f"The hotlist could not be saved: {exc.strerror}."
                ) from exc
            return content.count("\n") - 1

        def written(count: int) -> None:
            self.export_note.setText(f"{count} entries in force were saved to {path}.")
            self.export_note.show()
            self.exported.emit(path)

        self.runner.run_for(self, write, written)
