"""The permit setup desk: permit types, lots and their zones, and the office's settings.

Managers edit in dialogs that keep every message under its field; clerks see the same
lists read-only (a double-click shows a permit type's full details). The lists reload
by themselves when anyone changes a type, a lot, a zone or the settings, and the
availability counts follow sales at the counter (a burst of sales is one reload).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QWidget

from desktop.services.permit_setup import (
    LotInfo,
    LotSaved,
    PermitSetupService,
    PermitTypeInfo,
    SetupOverview,
)
from desktop.views.kit.forms import DialogSlot
from desktop.views.kit.layout import button, scrolled
from desktop.views.kit.setup_desk import PricedRows, RecordList, SetupDesk
from desktop.views.kit.widgets import NoticeBar
from desktop.views.setup.lot_dialog import LotDialog
from desktop.views.setup.office import OfficeSettingsForm
from desktop.views.setup.tables import lot_model, permit_type_model
from desktop.views.setup.type_dialog import PermitTypeDialog

#: Changes to the setup itself.
SETUP_TABLES = frozenset({"permit_type", "permit_type_lot", "lot", "zone", "office_setting"})
#: Sales and waitlist offers move the availability counts.
COUNT_TABLES = frozenset({"permit", "waitlist_entry"})


class PermitSetupDesk(SetupDesk[SetupOverview]):
    """Permit types, lots and the office's settings, as tabs."""

    service: PermitSetupService

    def setup(self) -> None:
        self.service = PermitSetupService(self.workspace)
        self.editable = self.workspace.identity.can_edit("permit_setup")
        self.type_dialog: DialogSlot[PermitTypeDialog] = DialogSlot(self._type_saved)
        self.lot_dialog: DialogSlot[LotDialog] = DialogSlot(self._lot_saved)
        self._select_type: int | None = None
        self._select_lot: int | None = None

        self.types_model = permit_type_model(self.workspace.identity, self)
        self.lots_model = lot_model(self.workspace.identity, self)
        self.types = self._list_tab(
            self.types_model,
            self.open_type_dialog,
            "permit type",
            names=("permitTypesTable", "refreshTypes"),
            tip="Create a permit type (Ctrl+N)",
            empty=(
                "No permit types yet",
                "Create the permits the office sells: price, validity, who may buy them "
                "and the lots they cover.",
                "A manager sets up the permit types the office sells.",
            ),
        )
        self.lot_notice = NoticeBar("lotNotice", "OK", NoticeBar.WARNING)
        self.lot_notice.button.clicked.connect(self.lot_notice.hide)
        self.lots = self._list_tab(
            self.lots_model,
            self.open_lot_dialog,
            "lot",
            names=("lotsTable", "refreshLots"),
            tip="Add a lot (Ctrl+N)",
            empty=(
                "No lots yet",
                "Add the lots permits are sold for, with their capacity.",
                "A manager adds the lots permits are sold for.",
            ),
            notices=(self.lot_notice,),
        )
        self.office_form = OfficeSettingsForm(self)
        # Prices are shown in the office's currency.
        self.office_form.saved.connect(lambda _settings: self.refresh())
        office_scroll = scrolled(self.office_form)
        office_scroll.viewport().setAutoFillBackground(False)
        office_scroll.setStyleSheet("QScrollArea { background: transparent; }")
        self.build(
            self.service.overview,
            ((self.types, "Permit types"), (self.lots, "Lots"), (office_scroll, "Office")),
            names=("permitSetupDesk", "setupTabs"),
            lists=(self.types, self.lots),
            failed="The setup could not be loaded",
            watch=(SETUP_TABLES, COUNT_TABLES),
            new={
                self.types: lambda: self.open_type_dialog(None),
                self.lots: lambda: self.open_lot_dialog(None),
            },
            save={office_scroll: self.office_form.submit},
        )

    def _list_tab(
        self,
        model: PricedRows[Any],
        open_dialog: Callable[[Any], object],
        kind: str,
        *,
        names: tuple[str, str],
        tip: str,
        empty: tuple[str, str, str],
        notices: Sequence[QWidget] = (),
    ) -> RecordList:
        """A tab of the desk: its count, Refresh, Edit… and New… above the table."""
        refresh = button("Refresh", self.refresh, tip="Load the lists again (F5)")
        refresh.setObjectName(names[1])
        return RecordList(
            model,
            names[0],
            open_dialog,
            kind=kind,
            editable=self.editable,
            add_words=f"New {kind}…",
            add_tip=tip,
            primary=True,
            tools=(refresh,),
            notices=notices,
            empty=empty,
            margins=(0, 10, 0, 0),
            spacing=8,
        )

    def leave_warning(self) -> str | None:
        if self.editable and self.office_form.is_dirty():
            return "The office settings have changes that are not saved."
        return None

    def show_overview(self, overview: SetupOverview) -> None:
        types, lots = overview.permit_types, overview.lots
        details = "" if self.editable else " · double-click one for all its details"
        on_sale = sum(1 for t in types if t.active)
        spaces = sum(lot.capacity for lot in lots if lot.active)
        free = sum(lot.free for lot in lots if lot.active)
        self.types.show_rows(
            types,
            f"{len(types)} permit types, {on_sale} on sale{details}",
            overview.office.currency,
            select=self._select_type,
        )
        self.lots.show_rows(
            lots,
            f"{len(lots)} lots · {spaces:,} spaces, {free:,} free now",
            select=self._select_lot,
        )
        self._select_type = self._select_lot = None
        self.office_form.load(overview.office)

    def open_type_dialog(self, info: PermitTypeInfo | None) -> PermitTypeDialog | None:
        """A new type (managers), or the selected one to edit (managers) or look at (clerks)."""
        if self.overview is None or (info is None and not self.editable):
            return None
        return self.type_dialog.open(lambda: PermitTypeDialog(self, info))

    def open_lot_dialog(self, lot: LotInfo | None) -> LotDialog | None:
        if lot is None and not self.editable:
            return None
        return self.lot_dialog.open(lambda: LotDialog(self, lot))

    def _type_saved(self, info: object) -> None:
        if isinstance(info, PermitTypeInfo):
            self._select_type = info.id
        self.refresh()

    def _lot_saved(self, result: object) -> None:
        if isinstance(result, LotSaved):
            self._select_lot = result.lot.id
            self.lot_notice.say(result.warning)
        self.refresh()
