"""The permit desk: find a parker, then sell, renew, transfer and cancel their permits.

At the top, the same type-ahead parker search as the parker desk; below it the chosen
parker's page: their permits, what they may buy (with the spaces left in each lot, kept
true by live changes while other clerks sell), their waitlist places and their account.
Beside the parkers, the whole office's waitlists and the refunds waiting for a manager
or for payment. Clerks sell; managers look up, and approve or refuse refunds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import QApplication, QPushButton, QTabWidget, QWidget

from desktop.services.documents import Office
from desktop.services.errors import KnownError
from desktop.services.parkers import ParkerService
from desktop.services.permits import LotChoice, PaymentResult, PermitService, WaitlistPosition
from desktop.views.kit.desk import Desk
from desktop.views.kit.layout import button, desk_action, tab_order, vbox
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.widgets import DeskSplitter, alive, failure_while_alive, while_alive
from desktop.views.parkers import ParkerSearch
from desktop.views.permits.changes import PermitChanges
from desktop.views.permits.host import DialogHost
from desktop.views.permits.lists import paid_words
from desktop.views.permits.page import (
    BUY_TAB,
    PERMITS_TAB,
    WAITLISTS_TAB,
    ParkerPage,
    ParkerPanel,
    load_parker_page,
)
from desktop.views.permits.refunds import RefundsPanel
from desktop.views.permits.sale import SellPermitDialog
from desktop.views.permits.waitlist import WaitlistPanel

log = logging.getLogger(__name__)

#: Another clerk's sale arrives as a burst of row changes (permit, vehicles, payment,
#: ledger): one reload for all of them.
LIVE_DELAY_MS = 200
#: Changes that can alter what the open parker's page shows.
PAGE_TABLES = frozenset(
    {
        "permit",
        "permit_vehicle",
        "payment",
        "ledger_entry",
        "waitlist_entry",
        "refund",
        "lot",
        "permit_type",
        "permit_type_lot",
        "parker",
        "vehicle",
        "office_setting",
    }
)
#: The desk's tabs, in order.
COUNTER_TAB, REFUNDS_TAB = 0, 2


def _logged_known(what: str) -> Callable[[BaseException], bool]:
    """A failure nobody asked to see: a known one is only logged, a bug is reported."""

    def failed(exc: BaseException) -> bool:
        log.info("%s failed: %s", what, exc)
        return isinstance(exc, KnownError)

    return failed


class PermitDesk(Desk):
    """Sell, renew, transfer and cancel permits; waitlists, refunds and receipts."""

    def setup(self) -> None:
        self.service = PermitService(self.workspace)
        self.parkers = ParkerService(self.workspace)
        self.editable = self.workspace.identity.can_edit("permits")
        self.is_manager = "manager" in self.workspace.identity.roles

        self.office: Office | None = None
        #: The open sale, action and payment dialogs (one of each at a time).
        self.host = DialogHost(self, self.runner, self.service, self._currency)
        self._page_generation = 0
        self._opening: int | None = None
        self._reload_after_open = False
        self._shown_once = False
        #: The permit to select when the page next arrives (the one just sold or renewed).
        self._select_permit: int | None = None

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._build_counter(), "Parkers && permits")
        self.office_waitlists = self._make_waitlist_panel()
        self.tabs.addTab(self.office_waitlists, "Waitlists")
        self.tabs.addTab(self._build_refunds(), "Refunds")
        vbox(self.tabs, margins=8, parent=self)
        self._build_actions()
        # A burst of changes reloads each of these once, in this order.
        batch = LiveBatch(self.live, LIVE_DELAY_MS, self)
        batch.watch(("office_setting",), self.load_office)
        batch.watch(("parker", "vehicle"), self.finder.refresh)
        batch.watch(PAGE_TABLES, self._reload_page_live)
        self.parker_panel.show_placeholder()
        self._give_room(parker_open=False)
        self.load_office()
        self.refunds.reload()

    @property
    def page(self) -> ParkerPage | None:
        """The open parker's page, as last fetched."""
        return self.parker_panel.page

    def _currency(self) -> str:
        return self.office.currency if self.office is not None else "USD"

    def _zone(self) -> str:
        return self.office.time_zone if self.office is not None else "UTC"

    def _make_waitlist_panel(self) -> WaitlistPanel:
        panel = WaitlistPanel(self.service, self.runner, self.live, self.editable)
        panel.accept_requested.connect(self.sell_from_offer)
        return panel

    def _build_counter(self) -> QWidget:
        self.splitter = DeskSplitter()
        self.splitter.addWidget(self._build_search())
        self.splitter.addWidget(self._build_parker_side())
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([200, 520])
        return self.splitter

    def _build_refunds(self) -> RefundsPanel:
        self.refunds = RefundsPanel(
            self.service,
            self.runner,
            self.live,
            self.host,
            editable=self.editable,
            is_manager=self.is_manager,
            currency=self._currency,
            zone=self._zone,
        )
        self.refunds.open_parker_requested.connect(self._open_refund_parker)
        self.refunds.waiting_changed.connect(
            lambda n: self.tabs.setTabText(REFUNDS_TAB, f"Refunds ({n})" if n else "Refunds")
        )
        self.refunds.refund_paid.connect(self.reload_page)
        return self.refunds

    def _first_room(self) -> None:
        if alive(self):
            self._give_room(parker_open=self.page is not None)

    def _give_room(self, *, parker_open: bool) -> None:
        """Search results take most of the desk until a parker is open; then their page."""
        self.splitter.favour(1 if parker_open else 0, 0.7)

    def _build_search(self) -> QWidget:
        # Managers issue them too: beyond the office's free-day limit only they may.
        self.temporary_button = button(
            "Temporary permit…",
            self.issue_temporary,
            tip="Issue a temporary, visitor or event permit for a plate (Ctrl+Shift+T)",
            visible=self.editable or self.is_manager,
        )
        self.finder = ParkerSearch(
            self.parkers,
            self.runner,
            prompt="Type a name, email, campus ID or plate (Ctrl+F); press Enter to open the "
            "first match.",
            no_match_advice="Check the spelling. New parkers are registered on the Parkers & "
            "vehicles desk.",
            enter_opens_first=True,
            open_id=lambda: self.page.parker.id if self.page is not None else None,
            buttons=[self.temporary_button],
        )
        self.finder.chosen.connect(self.open_parker)
        return self.finder

    def _build_parker_side(self) -> QWidget:
        panel = ParkerPanel(
            self._make_waitlist_panel(),
            editable=self.editable,
            currency=self._currency,
            zone=self._zone,
        )
        self.changes = PermitChanges(
            self.service, self.runner, self.host, panel=panel, currency=self._currency, parent=self
        )
        self.changes.changed.connect(self._page_changed)
        #: The counter's buttons with the shortcuts that work while the button does.
        self.shortcuts: list[tuple[QPushButton, QAction]] = []
        for widget, slot, shortcut in (
            (panel.sell_button, self.sell, ("Sell a permit", "Ctrl+N")),
            (panel.renew_button, self.changes.renew, ("Renew permit", "Ctrl+R")),
            (panel.transfer_button, self.changes.transfer, ("Transfer permit", "Ctrl+T")),
            (panel.cancel_button, self.changes.cancel, None),
            (panel.receipt_button, self.receipt, None),
            (panel.fee_button, self.changes.charge_fee, None),
        ):
            widget.clicked.connect(slot)
            if shortcut is not None:
                action = desk_action(self, *shortcut, slot, enabled=self.editable)
                self.shortcuts.append((widget, action))
        panel.permits_view.activated.connect(lambda _index: self.receipt())
        panel.options_view.activated.connect(lambda _index: self.sell())
        panel.receipts_view.activated.connect(lambda _index: self.receipt())
        panel.buttons_changed.connect(self._sync_actions)
        self.parker_panel = panel
        return panel

    def _build_actions(self) -> None:
        find = QKeySequence.StandardKey.Find
        self.find_action = desk_action(self, "Find parker", find, self.focus_search)
        self.receipt_action = desk_action(self, "Receipt", "Ctrl+P", self.receipt)
        self.temporary_action = desk_action(
            self,
            "Temporary permit",
            "Ctrl+Shift+T",
            self.issue_temporary,
            enabled=self.editable or self.is_manager,
        )
        panel = self.parker_panel
        tab_order(
            self.finder.search,
            self.temporary_button,
            self.finder.results,
            panel.sell_button,
            panel.renew_button,
            panel.transfer_button,
            panel.cancel_button,
            panel.fee_button,
            panel.receipt_button,
            panel.parker_tabs,
            panel.permits_view,
            panel.options_view,
            panel.ledger_view,
            panel.receipts_view,
        )

    def showEvent(self, event: QShowEvent) -> None:
        if not self._shown_once:
            self._shown_once = True
            focused = QApplication.focusWidget()
            if focused is None or not self.isAncestorOf(focused):
                self.finder.search.setFocus(Qt.FocusReason.OtherFocusReason)
            # Once laid out: room for the search results until a parker is open.
            QTimer.singleShot(0, self._first_room)
        super().showEvent(event)

    def load_office(self) -> None:
        def arrived(office: Office) -> None:
            self.office = office
            self.refunds.model.redraw()

        self.runner.run(
            self.service.office,
            while_alive(self, arrived),
            failure_while_alive(self, _logged_known("loading the office settings")),
        )

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(COUNTER_TAB)
        self.finder.focus()

    def open_parker(self, parker_id: int, then: Callable[[ParkerPage], None] | None = None) -> None:
        """Fetch the parker's page; ``then`` runs once it is on screen."""
        if then is None and self.page is not None and self.page.parker.id == parker_id:
            return
        if then is None and parker_id == self._opening:
            return  # a click and the double-click's "activated" ask for the same parker
        self._opening = parker_id

        def arrived(page: ParkerPage) -> None:
            self._opening = None
            fresh = self.page is None or self.page.parker.id != page.parker.id
            self._show_page(page, fresh=fresh)
            if then is not None:
                then(page)
            if self._reload_after_open:
                self._reload_after_open = False
                self.reload_page()

        def failed(_exc: BaseException, newest: bool) -> bool:
            if newest:
                self._opening = None
                self._reload_after_open = False
            return False

        self._fetch_page(parker_id, arrived, failed)

    def reload_page(self) -> None:
        """Fetch the open parker's page again (after a sale, or someone else's change)."""
        if self.page is None:
            return
        if self._opening is not None:
            # A parker is being opened (perhaps to sell from an offer): reloading now would
            # overtake it and lose what it was opened for. Reload once it is on screen.
            self._reload_after_open = True
            return
        logged = _logged_known("reloading the parker's page")
        self._fetch_page(
            self.page.parker.id,
            lambda page: self._show_page(page, fresh=False),
            lambda exc, _newest: logged(exc),
        )

    def _fetch_page(
        self,
        parker_id: int,
        arrived: Callable[[ParkerPage], None],
        failed: Callable[[BaseException, bool], bool],
    ) -> None:
        """Fetch a parker's page off the GUI thread: only the newest request's page is
        shown, and ``failed`` is told whether its request was the newest."""
        self._page_generation += 1
        generation, parkers, service = self._page_generation, self.parkers, self.service

        def newest(page: ParkerPage) -> None:
            if generation == self._page_generation:
                arrived(page)

        self.runner.run_for(
            self,
            lambda: load_parker_page(parkers, service, parker_id),
            newest,
            lambda exc: failed(exc, generation == self._page_generation),
        )

    def _show_page(self, page: ParkerPage, *, fresh: bool) -> None:
        self.office = page.office
        wanted, self._select_permit = self._select_permit, None
        self.parker_panel.show_page(page, fresh=fresh, select_permit=wanted)
        self._give_room(parker_open=True)
        self.finder.select_open()

    def _page_changed(self, permit_id: int | None) -> None:
        if permit_id is not None:
            self._select_permit = permit_id
        self.reload_page()

    def _sync_actions(self) -> None:
        for widget, action in self.shortcuts:
            action.setEnabled(widget.isEnabled())

    def sell(self) -> None:
        """Open the sale dialog for the open parker (with the type chosen on Buy a permit)."""
        panel = self.parker_panel
        if (
            not panel.sell_button.isEnabled()
            or self.page is None
            or self.host.sell_dialog is not None
        ):
            return
        option = panel.selected_option() if panel.parker_tabs.currentIndex() == BUY_TAB else None
        type_id = option.type_id if option is not None and option.eligible else None
        self._open_sell_dialog(self.page, type_id=type_id)

    def sell_from_offer(self, position: WaitlistPosition) -> None:
        """A waitlist offer is accepted: open the parker and sell them the space held."""
        if not self.editable or self.host.sell_dialog is not None:
            return
        self.tabs.setCurrentIndex(COUNTER_TAB)
        self.open_parker(
            position.parker_id,
            then=lambda page: self._open_sell_dialog(page, offer=position),
        )

    def _open_sell_dialog(
        self,
        page: ParkerPage,
        *,
        type_id: int | None = None,
        offer: WaitlistPosition | None = None,
    ) -> None:
        if self.host.sell_dialog is not None:
            return
        dialog = SellPermitDialog(
            service=self.service,
            runner=self.runner,
            parker=page.parker,
            options=page.options,
            currency=page.office.currency,
            time_zone=page.office.time_zone,
            type_id=type_id,
            offer=offer,
            parent=self,
        )
        dialog.sold.connect(self._sold)
        dialog.waitlisted.connect(self._waitlisted)
        self.host.open_sale(dialog)

    def _sold(self, payment: PaymentResult) -> None:
        self._select_permit = payment.permit_id
        self.host.show_receipt(payment)
        self.parker_panel.show_notice(
            f"Sold permit {payment.permit_number}: {paid_words(payment, self._currency())}"
        )
        self._after_sale(PERMITS_TAB)  # an accepted offer leaves the waitlist

    def _waitlisted(self, position: WaitlistPosition) -> None:
        rank = f"rank {position.rank} of {position.waiting}" if position.rank else "waiting"
        self.parker_panel.show_notice(
            f"{position.parker_name} added to the waitlist for {position.type_name} in "
            f"{position.lot_name}: {rank}.",
        )
        self._after_sale(WAITLISTS_TAB)

    def _after_sale(self, tab: int) -> None:
        self.parker_panel.parker_tabs.setCurrentIndex(tab)
        self.parker_panel.parker_waitlist.reload()
        self.reload_page()

    def issue_temporary(self) -> None:
        if not (self.editable or self.is_manager) or self.host.action_dialog is not None:
            return
        service = self.service

        def load() -> tuple[Office, list[LotChoice]]:
            return service.office(), service.lots()

        self.runner.run_for(self, load, self._open_temporary)

    def _open_temporary(self, loaded: tuple[Office, list[LotChoice]]) -> None:
        from desktop.views.permits.temporary import TemporaryPermitDialog

        if self.host.action_dialog is not None:
            return
        office, lots = loaded
        page = self.page
        readable = [
            v
            for v in (page.parker.vehicles if page is not None else ())
            if v.active and v.plate_status == "readable"
        ]
        only = readable[0] if len(readable) == 1 else None
        dialog = TemporaryPermitDialog(
            self.service,
            self.runner,
            lots,
            office.currency,
            office.time_zone,
            parker_id=page.parker.id if page is not None else None,
            plate=only.plate_raw if only is not None else "",
            jurisdiction=only.jurisdiction if only is not None else "",
            parent=self,
        )
        dialog.issued.connect(self._temporary_issued)
        self.host.open_action(dialog)

    def _temporary_issued(self, payment: PaymentResult) -> None:
        self.parker_panel.show_notice(
            f"Issued temporary permit {payment.permit_number}: "
            + paid_words(payment, self._currency())
        )
        self.reload_page()

    def receipt(self) -> None:
        payment = self.parker_panel.chosen_payment()
        if payment is not None:
            self.host.show_receipt(payment)

    def _open_refund_parker(self, parker_id: int) -> None:
        self.tabs.setCurrentIndex(COUNTER_TAB)
        self.open_parker(parker_id)

    def _reload_page_live(self) -> None:
        self.reload_page()
        if self.host.sell_dialog is not None and self.host.sell_dialog.payment_dialog is None:
            self.host.sell_dialog.refresh(quiet=True)
