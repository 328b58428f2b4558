"""The permit setup desk: permit types, lots and their zones, and the office's settings.

Managers edit in dialogs that keep every message under its field; clerks see the same
lists read-only (a double-click shows a permit type's full details). The lists reload
by themselves when anyone changes a type, a lot, a zone or the settings, and the
availability counts follow sales at the counter (a burst of sales is one reload).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget

from desktop.services.errors import KnownError
from desktop.services.permit_setup import (
    LotInfo,
    LotSaved,
    PermitSetupService,
    PermitTypeInfo,
    SetupOverview,
)
from desktop.views.kit.desk import Desk
from desktop.views.kit.forms import DialogSlot
from desktop.views.kit.layout import STRETCH, button, desk_action, hbox, label, vbox
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.operations import Loader
from desktop.views.kit.tables import Listing, RowsModel, sorted_table
from desktop.views.kit.widgets import NoticeBar
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

_TAB_STYLE = (
    "QTabWidget::pane { border: none; border-top: 1px solid #dde2e9; top: -1px; "
    "background: transparent; } "
    "QTabWidget::tab-bar { left: 0px; } "
    "QTabBar::tab { background: transparent; border: none; "
    "border-bottom: 2px solid transparent; padding: 7px 16px; margin-right: 4px; "
    "color: #4b5563; } "
    "QTabBar::tab:hover { color: #111827; } "
    "QTabBar::tab:selected { color: #1d4fd7; border-bottom: 2px solid #2563eb; "
    "font-weight: 600; } "
)


class _ListTab(QWidget):
    """A list of the desk: its count, Refresh, Edit… and New… above the table (sorted by
    its first column), or in the table's place a message when there is nothing to list."""

    def __init__(
        self,
        desk: PermitSetupDesk,
        model: RowsModel[Any],
        open_dialog: Callable[[Any], object],
        *notices: QWidget,
        kind: str,
        names: tuple[str, str],
        new_tip: str,
    ) -> None:
        super().__init__()
        self.model, self._editable, self._open = model, desk.editable, open_dialog
        self.count = label(name="countLabel")
        self.edit_button = button(
            "Edit…",
            self.edit_selected,
            tip=f"Edit the selected {kind} (Enter)",
            visible=desk.editable,
        )
        self.new_button = button(
            f"New {kind}…",
            lambda: open_dialog(None),
            tip=new_tip,
            primary=True,
            visible=desk.editable,
        )
        self.table, self.proxy = sorted_table(model, names[0])
        self.table.activated.connect(lambda _index: self.edit_selected())
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(self.update_edit)
        self.listing = Listing(self.table)
        refresh = button("Refresh", desk.refresh, tip="Load the lists again (F5)")
        refresh.setObjectName(names[1])
        bar = hbox(self.count, STRETCH, refresh, self.edit_button, self.new_button, spacing=8)
        vbox(bar, *notices, (self.listing, 1), margins=(0, 10, 0, 0), spacing=8, parent=self)

    def edit_selected(self) -> None:
        row = self.table.selected_row()
        if row is not None:
            self._open(row)

    def update_edit(self) -> None:
        self.edit_button.setEnabled(self._editable and self.table.selected_row() is not None)


class PermitSetupDesk(Desk):
    """Permit types, lots and the office's settings, as tabs."""

    #: Emitted after each (re)load of the lists (tests wait on it).
    loaded = Signal()

    def setup(self) -> None:
        self.service = PermitSetupService(self.workspace)
        self.editable = self.workspace.identity.can_edit("permit_setup")
        self.setObjectName("permitSetupDesk")
        self.overview: SetupOverview | None = None
        self.type_dialog: DialogSlot[PermitTypeDialog] = DialogSlot(self._type_saved)
        self.lot_dialog: DialogSlot[LotDialog] = DialogSlot(self._lot_saved)
        self.loader = Loader(
            self, self.runner, lambda: self.service.overview, self._loaded, self._load_failed
        )
        self._select_type: int | None = None
        self._select_lot: int | None = None

        self.types_model = PermitTypeTableModel(self)
        self.lots_model = LotTableModel(self)
        self.types = _ListTab(
            self,
            self.types_model,
            self.open_type_dialog,
            kind="permit type",
            names=("permitTypesTable", "refreshTypes"),
            new_tip="Create a permit type (Ctrl+N)",
        )
        self.lot_notice = NoticeBar("lotNotice", "OK", NoticeBar.WARNING)
        self.lot_notice.button.clicked.connect(self.lot_notice.hide)
        self.lots = _ListTab(
            self,
            self.lots_model,
            self.open_lot_dialog,
            self.lot_notice,
            kind="lot",
            names=("lotsTable", "refreshLots"),
            new_tip="Add a lot (Ctrl+N)",
        )
        self.tabs = QTabWidget()
        self.tabs.setObjectName("setupTabs")
        self.tabs.setStyleSheet(_TAB_STYLE)
        self.tabs.addTab(self.types, "Permit types")
        self.tabs.addTab(self.lots, "Lots")
        self.office_form = OfficeSettingsForm(self.service, self.runner, self.editable)
        # Prices are shown in the office's currency.
        self.office_form.saved.connect(lambda _settings: self.refresh())
        office_scroll = QScrollArea()
        office_scroll.setWidget(self.office_form)
        office_scroll.setWidgetResizable(True)
        office_scroll.setFrameShape(QFrame.Shape.NoFrame)
        office_scroll.viewport().setAutoFillBackground(False)
        office_scroll.setStyleSheet("QScrollArea { background: transparent; }")
        self.tabs.addTab(office_scroll, "Office")
        vbox(self.tabs, margins=(8, 4, 8, 8), parent=self)

        if self.editable:
            desk_action(self, "New", "Ctrl+N", self._new_in_tab)
            desk_action(self, "Save", "Ctrl+S", self._save_in_tab)
        desk_action(self, "Refresh", QKeySequence.StandardKey.Refresh, self.refresh)

        self._setup_batch = LiveBatch(self.live, SETUP_DELAY_MS, self)
        self._setup_batch.watch(SETUP_TABLES, self.refresh)
        # At most one reload a second while sales go on.
        self._counts_batch = LiveBatch(
            self.live, COUNTS_DELAY_MS, self, complete_resync_is_quiet=True
        )
        self._counts_batch.watch(COUNT_TABLES, self.refresh)
        self.refresh()

    def leave_warning(self) -> str | None:
        if self.editable and self.office_form.is_dirty():
            return "The office settings have changes that are not saved."
        return None

    def refresh(self) -> None:
        self._setup_batch.cancel()
        self._counts_batch.cancel()
        self.loader.reload()

    def _loaded(self, overview: SetupOverview) -> None:
        self.overview = overview
        type_id = self._select_type or self.types.table.selected_key()
        lot_id = self._select_lot or self.lots.table.selected_key()
        self._select_type = self._select_lot = None
        self.types_model.show_types(overview.permit_types, overview.office.currency)
        self.lots_model.set_rows(overview.lots)
        self.types.table.show_key(type_id)
        self.lots.table.show_key(lot_id)
        self.office_form.load(overview.office)
        types, lots = self.types_model.rows(), self.lots_model.rows()
        details = "" if self.editable else " · double-click one for all its details"
        on_sale = sum(1 for t in types if t.active)
        self.types.count.setText(f"{len(types)} permit types, {on_sale} on sale{details}")
        spaces = sum(lot.capacity for lot in lots if lot.active)
        free = sum(lot.free for lot in lots if lot.active)
        self.lots.count.setText(f"{len(lots)} lots · {spaces:,} spaces, {free:,} free now")
        self.types.listing.show_rows(
            len(types),
            "No permit types yet",
            "Create the permits the office sells: price, validity, who may buy them "
            "and the lots they cover."
            if self.editable
            else "A manager sets up the permit types the office sells.",
        )
        self.lots.listing.show_rows(
            len(lots),
            "No lots yet",
            "Add the lots permits are sold for, with their capacity."
            if self.editable
            else "A manager adds the lots permits are sold for.",
        )
        self.types.update_edit()
        self.lots.update_edit()
        self.loaded.emit()

    def _load_failed(self, exc: KnownError) -> None:
        for tab in (self.types, self.lots):
            tab.listing.show_empty("The setup could not be loaded", exc.message)

    def _new_in_tab(self) -> None:
        if self.tabs.currentIndex() == 0:
            self.open_type_dialog(None)
        elif self.tabs.currentIndex() == 1:
            self.open_lot_dialog(None)

    def _save_in_tab(self) -> None:
        if self.tabs.currentIndex() == 2:
            self.office_form.submit()

    def open_type_dialog(self, info: PermitTypeInfo | None) -> PermitTypeDialog | None:
        """A new type (managers), or the selected one to edit (managers) or look at (clerks)."""
        if self.overview is None or (info is None and not self.editable):
            return None
        lots, currency = self.overview.lots, self.overview.office.currency
        return self.type_dialog.open(
            lambda: PermitTypeDialog(
                self.service,
                self.runner,
                lots,
                currency,
                info,
                read_only=not self.editable,
                parent=self,
            )
        )

    def open_lot_dialog(self, lot: LotInfo | None) -> LotDialog | None:
        if lot is None and not self.editable:
            return None
        return self.lot_dialog.open(
            lambda: LotDialog(
                self.service, self.runner, lot, read_only=not self.editable, parent=self
            )
        )

    def _type_saved(self, info: object) -> None:
        if isinstance(info, PermitTypeInfo):
            self._select_type = info.id
        self.refresh()

    def _lot_saved(self, result: object) -> None:
        if isinstance(result, LotSaved):
            self._select_lot = result.lot.id
            self.lot_notice.say(result.warning)
        self.refresh()
