"""The permit setup desk: permit types, lots and their zones, and the office's settings.

Managers edit in dialogs that keep every message under its field; clerks see the same
lists read-only (a double-click shows a permit type's full details). The lists reload
by themselves when anyone changes a type, a lot, a zone or the settings, and the
availability counts follow sales at the counter (a burst of sales is one reload).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QWidget,
)

from desktop.services.errors import ConflictError, KnownError, ValidationError
from desktop.services.permit_setup import (
    LotInfo,
    LotSaved,
    OfficeSettings,
    OfficeSettingsDraft,
    PermitSetupService,
    PermitTypeInfo,
    SetupOverview,
)
from desktop.views.kit.desk import Desk
from desktop.views.kit.dialogs import ConflictDialog
from desktop.views.kit.layout import STRETCH, button, hbox, holder, label, vbox
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.operations import Loader
from desktop.views.kit.widgets import (
    EmptyState,
    NoticeBar,
    failure_while_alive,
    while_alive,
)
from desktop.views.setup.common import _TAB_STYLE, ID_ROLE, _proxy, _table
from desktop.views.setup.lot_dialog import LotDialog
from desktop.views.setup.office import OfficeSettingsForm
from desktop.views.setup.tables import LotTableModel, PermitTypeTableModel
from desktop.views.setup.type_dialog import PermitTypeDialog

#: Changes to the setup itself: reload soon after the last one of a burst.
SETUP_TABLES = frozenset({"permit_type", "permit_type_lot", "lot", "zone", "office_setting"})
#: Sales and waitlist offers move the availability counts: reload at most this often.
COUNT_TABLES = frozenset({"permit", "waitlist_entry"})
SETUP_DELAY_MS = 150
COUNTS_DELAY_MS = 1000


class PermitSetupDesk(Desk):
    """Permit types, lots and the office's settings, as tabs."""

    #: Emitted after each (re)load of the lists (tests wait on it).
    loaded = Signal()

    def setup(self) -> None:
        self.service = PermitSetupService(self.workspace)
        self.editable = self.workspace.identity.can_edit("permit_setup")
        self.setObjectName("permitSetupDesk")
        self.overview: SetupOverview | None = None
        self.type_dialog: PermitTypeDialog | None = None
        self.lot_dialog: LotDialog | None = None
        self.loader = Loader(
            self, self.runner, lambda: self.service.overview, self._loaded, self._load_failed
        )
        self._select_type: int | None = None
        self._select_lot: int | None = None

        self.types_model = PermitTypeTableModel(self)
        self.types_proxy = _proxy(self.types_model, self)
        self.lots_model = LotTableModel(self)
        self.lots_proxy = _proxy(self.lots_model, self)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("setupTabs")
        self.tabs.setStyleSheet(_TAB_STYLE)
        self.tabs.addTab(self._build_types_tab(), "Permit types")
        self.tabs.addTab(self._build_lots_tab(), "Lots")
        self.office_form = OfficeSettingsForm(self.editable, self.workspace.identity)
        self.office_form.save_requested.connect(self._save_office)
        self.office_form.reload_requested.connect(self._reload_office)
        office_scroll = QScrollArea()
        office_scroll.setWidget(self.office_form)
        office_scroll.setWidgetResizable(True)
        office_scroll.setFrameShape(QFrame.Shape.NoFrame)
        office_scroll.viewport().setAutoFillBackground(False)
        office_scroll.setStyleSheet("QScrollArea { background: transparent; }")
        self.tabs.addTab(office_scroll, "Office")
        vbox(self.tabs, margins=(8, 4, 8, 8), parent=self)

        if self.editable:
            for keys, slot in (("Ctrl+N", self._new_in_tab), ("Ctrl+S", self._save_in_tab)):
                shortcut = QShortcut(QKeySequence(keys), self, slot)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh = QShortcut(QKeySequence.StandardKey.Refresh, self, self.refresh)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self._setup_batch = LiveBatch(self.live, SETUP_DELAY_MS, self)
        self._setup_batch.watch(SETUP_TABLES, self.refresh)
        # At most one reload a second while sales go on.
        self._counts_batch = LiveBatch(
            self.live, COUNTS_DELAY_MS, self, complete_resync_is_quiet=True
        )
        self._counts_batch.watch(COUNT_TABLES, self.refresh)
        self.refresh()

    # -- building -------------------------------------------------------------------------

    def _bar(
        self, count: QLabel, refresh_name: str, edit: QPushButton, new: QPushButton
    ) -> QHBoxLayout:
        refresh = button("Refresh", self.refresh, tip="Load the lists again (F5)")
        refresh.setObjectName(refresh_name)
        return hbox(count, STRETCH, refresh, edit, new, spacing=8)

    def _build_types_tab(self) -> QWidget:
        self.types_count = label(name="countLabel")
        self.edit_type_button = button(
            "Edit…",
            self.edit_selected_type,
            tip="Edit the selected permit type (Enter)",
            visible=self.editable,
        )
        self.new_type_button = button(
            "New permit type…",
            lambda: self.open_type_dialog(None),
            tip="Create a permit type (Ctrl+N)",
            primary=True,
            visible=self.editable,
        )
        self.types_view = _table(self.types_proxy, "permitTypesTable")
        self.types_view.activated.connect(lambda _index: self.edit_selected_type())
        self.types_view.doubleClicked.connect(lambda _index: self.edit_selected_type())
        self.types_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.types_empty = EmptyState("No permit types yet", "")
        self.types_stack = QStackedWidget()
        self.types_stack.addWidget(self.types_view)
        self.types_stack.addWidget(self.types_empty)
        bar = self._bar(
            self.types_count, "refreshTypes", self.edit_type_button, self.new_type_button
        )
        return holder(vbox(bar, (self.types_stack, 1), margins=(0, 10, 0, 0), spacing=8))

    def _build_lots_tab(self) -> QWidget:
        self.lots_count = label(name="countLabel")
        self.edit_lot_button = button(
            "Edit…",
            self.edit_selected_lot,
            tip="Edit the selected lot (Enter)",
            visible=self.editable,
        )
        self.new_lot_button = button(
            "New lot…",
            lambda: self.open_lot_dialog(None),
            tip="Add a lot (Ctrl+N)",
            primary=True,
            visible=self.editable,
        )
        self.lots_view = _table(self.lots_proxy, "lotsTable")
        self.lots_view.activated.connect(lambda _index: self.edit_selected_lot())
        self.lots_view.doubleClicked.connect(lambda _index: self.edit_selected_lot())
        self.lots_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.lot_notice = NoticeBar("lotNotice", "OK", NoticeBar.WARNING)
        self.lot_notice.button.clicked.connect(self.lot_notice.hide)
        self.lots_empty = EmptyState("No lots yet", "")
        self.lots_stack = QStackedWidget()
        self.lots_stack.addWidget(self.lots_view)
        self.lots_stack.addWidget(self.lots_empty)
        bar = self._bar(self.lots_count, "refreshLots", self.edit_lot_button, self.new_lot_button)
        return holder(
            vbox(bar, self.lot_notice, (self.lots_stack, 1), margins=(0, 10, 0, 0), spacing=8)
        )

    def leave_warning(self) -> str | None:
        """What would be lost by logging out now, or None."""
        if self.editable and self.office_form.is_dirty():
            return "The office settings have changes that are not saved."
        return None

    # -- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        self._setup_batch.cancel()
        self._counts_batch.cancel()
        self.loader.reload()

    def _loaded(self, overview: SetupOverview) -> None:
        self.overview = overview
        type_id = self._select_type or self._selected_id(self.types_view)
        lot_id = self._select_lot or self._selected_id(self.lots_view)
        self._select_type = self._select_lot = None
        self.types_model.show_types(overview.permit_types, overview.office.currency)
        self.lots_model.set_rows(overview.lots)
        self._reselect(self.types_view, self.types_proxy, self.types_model.row_of, type_id)
        self._reselect(self.lots_view, self.lots_proxy, self.lots_model.row_of, lot_id)
        self.office_form.load(overview.office)
        self._update_counts()
        self._update_buttons()
        self.loaded.emit()

    def _load_failed(self, exc: KnownError) -> None:
        for empty, stack in (
            (self.types_empty, self.types_stack),
            (self.lots_empty, self.lots_stack),
        ):
            empty.title.setText("The setup could not be loaded")
            empty.text.setText(exc.message)
            stack.setCurrentWidget(empty)

    def _update_counts(self) -> None:
        types = [self.types_model.permit_type(r) for r in range(self.types_model.rowCount())]
        on_sale = sum(1 for t in types if t is not None and t.active)
        details = "" if self.editable else " · double-click one for all its details"
        self.types_count.setText(f"{len(types)} permit types, {on_sale} on sale{details}")
        lots = [self.lots_model.lot(r) for r in range(self.lots_model.rowCount())]
        spaces = sum(lot.capacity for lot in lots if lot is not None and lot.active)
        free = sum(lot.free for lot in lots if lot is not None and lot.active)
        self.lots_count.setText(f"{len(lots)} lots · {spaces:,} spaces, {free:,} free now")
        if not types:
            self.types_empty.title.setText("No permit types yet")
            self.types_empty.text.setText(
                "Create the permits the office sells: price, validity, who may buy them "
                "and the lots they cover."
                if self.editable
                else "A manager sets up the permit types the office sells."
            )
            self.types_stack.setCurrentWidget(self.types_empty)
        else:
            self.types_stack.setCurrentWidget(self.types_view)
        if not lots:
            self.lots_empty.title.setText("No lots yet")
            self.lots_empty.text.setText(
                "Add the lots permits are sold for, with their capacity."
                if self.editable
                else "A manager adds the lots permits are sold for."
            )
            self.lots_stack.setCurrentWidget(self.lots_empty)
        else:
            self.lots_stack.setCurrentWidget(self.lots_view)

    # -- selection ------------------------------------------------------------------------

    @staticmethod
    def _selected_id(view: QTableView) -> int | None:
        rows = view.selectionModel().selectedRows()
        if not rows:
            return None
        value = rows[0].data(ID_ROLE)
        return int(value) if value is not None else None

    @staticmethod
    def _reselect(
        view: QTableView,
        proxy: QSortFilterProxyModel,
        row_of: Callable[[int], int | None],
        record_id: int | None,
    ) -> None:
        row = None if record_id is None else row_of(record_id)
        if row is None:
            return
        index = proxy.mapFromSource(proxy.sourceModel().index(row, 0))
        if index.isValid():
            view.selectRow(index.row())
            view.scrollTo(index)

    def selected_type(self) -> PermitTypeInfo | None:
        type_id = self._selected_id(self.types_view)
        return (
            None
            if type_id is None
            else self.types_model.permit_type(self.types_model.row_of(type_id))
        )

    def selected_lot(self) -> LotInfo | None:
        lot_id = self._selected_id(self.lots_view)
        return None if lot_id is None else self.lots_model.lot(self.lots_model.row_of(lot_id))

    def select_type(self, type_id: int) -> None:
        self._reselect(self.types_view, self.types_proxy, self.types_model.row_of, type_id)

    def _update_buttons(self) -> None:
        self.edit_type_button.setEnabled(self.editable and self.selected_type() is not None)
        self.edit_lot_button.setEnabled(self.editable and self.selected_lot() is not None)

    # -- dialogs --------------------------------------------------------------------------

    def _new_in_tab(self) -> None:
        if self.tabs.currentIndex() == 0:
            self.open_type_dialog(None)
        elif self.tabs.currentIndex() == 1:
            self.open_lot_dialog(None)

    def _save_in_tab(self) -> None:
        if self.tabs.currentIndex() == 2:
            self.office_form.submit()

    def edit_selected_type(self) -> None:
        info = self.selected_type()
        if info is not None:
            self.open_type_dialog(info)

    def edit_selected_lot(self) -> None:
        lot = self.selected_lot()
        if lot is not None:
            self.open_lot_dialog(lot)

    def open_type_dialog(self, info: PermitTypeInfo | None) -> PermitTypeDialog | None:
        """A new type (managers), or the selected one to edit (managers) or look at (clerks)."""
        if self.overview is None or (info is None and not self.editable):
            return None
        if self.type_dialog is not None:
            self.type_dialog.raise_()
            return self.type_dialog
        dialog = PermitTypeDialog(
            self.service,
            self.runner,
            self.overview.lots,
            self.overview.office.currency,
            info,
            read_only=not self.editable,
            parent=self,
        )
        self.type_dialog = dialog
        dialog.saved.connect(self._type_saved)

        def closed(_result: int) -> None:
            if self.type_dialog is dialog:
                self.type_dialog = None
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()
        return dialog

    def open_lot_dialog(self, lot: LotInfo | None) -> LotDialog | None:
        if lot is None and not self.editable:
            return None
        if self.lot_dialog is not None:
            self.lot_dialog.raise_()
            return self.lot_dialog
        dialog = LotDialog(self.service, self.runner, lot, read_only=not self.editable, parent=self)
        self.lot_dialog = dialog
        dialog.saved.connect(self._lot_saved)

        def closed(_result: int) -> None:
            if self.lot_dialog is dialog:
                self.lot_dialog = None
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()
        return dialog

    def _type_saved(self, info: object) -> None:
        if isinstance(info, PermitTypeInfo):
            self._select_type = info.id
        self.refresh()

    def _lot_saved(self, result: object) -> None:
        if isinstance(result, LotSaved):
            self._select_lot = result.lot.id
            self.lot_notice.say(result.warning)
        self.refresh()

    # -- office settings --------------------------------------------------------------------

    def _save_office(self, draft: object) -> None:
        settings = self.office_form.settings
        if not isinstance(draft, OfficeSettingsDraft) or settings is None:
            return
        service, version = self.service, settings.version
        self.office_form.set_busy(True)

        def saved(fresh: OfficeSettings) -> None:
            self.office_form.load(fresh, force=True)
            self.office_form.set_busy(False)
            self.office_form.save_state.setText("Saved.")
            self.office_form.save_state.setStyleSheet("color: #1e7b34;")
            self.refresh()  # prices are shown in the office's currency

        def failed(exc: BaseException) -> bool:
            self.office_form.set_busy(False)
            if isinstance(exc, ValidationError):
                others = self.office_form.show_problems(exc.problems)
                return not others
            if isinstance(exc, ConflictError):
                QTimer.singleShot(0, lambda: self._office_conflict(exc))
                return True
            return False

        self.runner.run(
            lambda: service.save_office_settings(draft, version),
            while_alive(self, saved),
            failure_while_alive(self, failed),
            write=True,
            parent=self,
        )

    def _office_conflict(self, exc: ConflictError) -> None:
        form = self.office_form
        changes = form.changed_fields()
        if self.confirm_conflict(exc.message, changes):
            self._reload_office()
        else:
            form.notice.say(
                f"Changed by {exc.changed_by} at {exc.changed_at}. Reload to see their "
                "change; your unsaved values stay until you do."
            )

    def confirm_conflict(self, message: str, changes: list[tuple[str, str]]) -> bool:
        return ConflictDialog(message, changes, self).exec() == QDialog.DialogCode.Accepted

    def _reload_office(self) -> None:
        service = self.service
        self.runner.run(
            service.office_settings,
            while_alive(self, lambda fresh: self.office_form.load(fresh, force=True)),
            parent=self,
        )


__all__ = [
    "LotDialog",
    "LotTableModel",
    "OfficeSettingsForm",
    "PermitSetupDesk",
    "PermitTypeDialog",
    "PermitTypeTableModel",
]
