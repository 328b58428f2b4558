"""The permit desk: find a parker, then sell, renew, transfer and cancel their permits.

At the top, the same type-ahead parker search as the parker desk; below it the chosen
parker's page: their permits, what they may buy (with the spaces left in each lot, kept
true by live changes while other clerks sell), their waitlist places and their account.
Beside the parkers, the whole office's waitlists and the refunds waiting for a manager
or for payment. Clerks sell; managers look up, and approve or refuse refunds.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.services.documents import Office
from desktop.services.errors import KnownError
from desktop.services.localization import format_day, format_money, format_period
from desktop.services.parkers import (
    AFFILIATION_TITLES,
    ParkerDetail,
    ParkerService,
)
from desktop.services.permits import (
    NO_PAYMENT,
    CancelResult,
    LedgerLine,
    LotChoice,
    PaymentResult,
    PermitInfo,
    PermitService,
    Quote,
    RefundEstimate,
    SaleOption,
    Tender,
    WaitlistPosition,
    new_payment_key,
)
from desktop.services.workspace import Workspace
from desktop.views.kit.live import LiveBatch, LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.tables import (
    DeskTable,
)
from desktop.views.kit.widgets import (
    DeskSplitter,
    EmptyState,
    alive,
    failure_while_alive,
    while_alive,
)
from desktop.views.parkers import ParkerSearch
from desktop.views.permits.actions import (
    CREDIT_COLOUR,
    OWED_COLOUR,
    CancelPermitDialog,
    FeeDialog,
    TransferDialog,
    describe_permit,
    describe_quote,
    permit_plates,
    tender_words,
)
from desktop.views.permits.host import DialogHost
from desktop.views.permits.lists import (
    LIVE_STATES,
    ReceiptRow,
    availability_words,
    balance_words,
    ledger_model,
    options_model,
    permits_model,
    receipts_model,
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
MANAGER = "manager"
#: The ledger's Amount column, coloured: red what the parker owes more, green what they paid.
#: Inside the parker's tabs, as the waitlist panel has it.
TAB_MARGIN = 8

# -- the open parker, fetched in one go ----------------------------------------------------


@dataclass(frozen=True)
class ParkerPage:
    """Everything the parker's page shows, fetched together off the GUI thread."""

    office: Office
    parker: ParkerDetail
    permits: tuple[PermitInfo, ...]
    options: tuple[SaleOption, ...]
    ledger: tuple[LedgerLine, ...]
    balance: Decimal
    payments: tuple[PaymentResult, ...]


def load_parker_page(parkers: ParkerService, permits: PermitService, parker_id: int) -> ParkerPage:
    office = permits.office()
    parker = parkers.get(parker_id)
    ledger, balance = permits.ledger_for_parker(parker_id)
    return ParkerPage(
        office=office,
        parker=parker,
        permits=tuple(permits.permits_for_parker(parker_id)),
        options=tuple(permits.sale_options(parker_id)),
        ledger=tuple(ledger),
        balance=balance,
        payments=tuple(permits.payments_for_parker(parker_id)),
    )


class _RefundAwaitsApproval(KnownError):
    """The database sent the refund for approval after all (the limit changed meanwhile)."""

    def __init__(self, result: CancelResult) -> None:
        super().__init__("The refund needs a manager's approval.")
        self.result = result


# -- the desk ---------------------------------------------------------------------------


class PermitDesk(QWidget):
    """Sell, renew, transfer and cancel permits; waitlists, refunds and receipts."""

    def __init__(
        self,
        workspace: Workspace,
        runner: OperationRunner,
        live: LiveChanges,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self.live = live
        self.service = PermitService(workspace)
        self.parkers = ParkerService(workspace)
        self.editable = workspace.identity.can_edit("permits")
        self.is_manager = MANAGER in workspace.identity.roles

        self.office: Office | None = None
        self.page: ParkerPage | None = None
        self.sell_dialog: SellPermitDialog | None = None
        self.host = DialogHost(self, runner, self.service, self._currency)
        self._page_generation = 0
        self._opening: int | None = None
        self._shown_once = False
        #: The permit to select when the page next arrives (the one just sold or renewed).
        self._select_permit: int | None = None

        self._build_models()
        self._build()
        self._build_actions()
        self._set_tab_order()
        self._build_timers()
        self._connect()
        self._show_placeholder()
        self.load_office()
        self.refunds.reload()

    @property
    def action_dialog(self) -> QDialog | None:
        """The open action dialog (cancel, transfer, a note, a temporary permit…), if any."""
        return self.host.action_dialog

    @property
    def payment_dialog(self) -> QDialog | None:
        return self.host.payment_dialog

    # -- building -----------------------------------------------------------------------

    def _currency(self) -> str:
        return self.office.currency if self.office is not None else "USD"

    def _zone(self) -> str:
        return self.office.time_zone if self.office is not None else "UTC"

    def _build_models(self) -> None:
        currency, zone = self._currency, self._zone
        self.permits_model = permits_model(currency, zone, self)
        self.options_model = options_model(currency, self)
        self.ledger_model = ledger_model(currency, zone, self)
        self.receipts_model = receipts_model(currency, self)

    def _build(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._build_counter(), "Parkers && permits")
        self.office_waitlists = self._make_waitlist_panel()
        self.tabs.addTab(self.office_waitlists, "Waitlists")
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
            lambda n: self.tabs.setTabText(2, f"Refunds ({n})" if n else "Refunds")
        )
        self.refunds.refund_paid.connect(self.reload_page)
        self.tabs.addTab(self.refunds, "Refunds")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.tabs)

    def _make_waitlist_panel(self) -> WaitlistPanel:
        panel = WaitlistPanel(self.service, self.runner, self.live, self.editable)
        panel.accept_requested.connect(self.sell_from_offer)
        return panel

    def _build_counter(self) -> QWidget:
        splitter = DeskSplitter()
        splitter.addWidget(self._build_search())
        splitter.addWidget(self._build_parker_side())
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([200, 520])
        self.splitter = splitter
        return splitter

    def _first_room(self) -> None:
        if alive(self):
            self._give_room(parker_open=self.page is not None)

    def _give_room(self, *, parker_open: bool) -> None:
        """Search results take most of the desk until a parker is open; then their page."""
        self.splitter.favour(1 if parker_open else 0, 0.7)

    def _build_search(self) -> QWidget:
        self.temporary_button = QPushButton("Temporary permit…")
        self.temporary_button.setToolTip(
            "Issue a temporary, visitor or event permit for a plate (Ctrl+Shift+T)"
        )
        self.temporary_button.clicked.connect(self.issue_temporary)
        # Managers issue them too: beyond the office's free-day limit only they may.
        self.temporary_button.setVisible(self.editable or self.is_manager)
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
        self.placeholder = EmptyState(
            "No parker open",
            "Find the parker above and press Enter to open their permits and account."
            + (
                " To issue a temporary permit for a plate, press Ctrl+Shift+T."
                if self.editable
                else ""
            ),
        )
        self.parker_title = QLabel()
        self.parker_title.setTextFormat(Qt.TextFormat.PlainText)
        self.parker_title.setStyleSheet("font-size: 14pt; font-weight: 600; color: #111827;")
        self.parker_facts = QLabel()
        self.parker_facts.setObjectName("hint")
        self.parker_facts.setTextFormat(Qt.TextFormat.PlainText)
        self.balance_label = QLabel()
        self.balance_label.setObjectName("balanceLabel")

        self.notice = QFrame()
        self.notice.setObjectName("permitNotice")
        self.notice_label = QLabel()
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_close = QPushButton("Dismiss")
        self.notice_close.clicked.connect(self.notice.hide)
        notice_row = QHBoxLayout(self.notice)
        notice_row.setContentsMargins(10, 4, 4, 4)
        notice_row.addWidget(self.notice_label, 1)
        notice_row.addWidget(self.notice_close)
        self.notice.hide()

        title_row = QHBoxLayout()
        title_row.setSpacing(12)
        title_row.addWidget(self.parker_title)
        title_row.addWidget(self.parker_facts)
        title_row.addStretch(1)
        title_row.addWidget(self.balance_label)

        self._build_buttons()
        self.parker_tabs = QTabWidget()
        self.parker_tabs.addTab(self._build_permits_tab(), "Permits")
        self.parker_tabs.addTab(self._build_buy_tab(), "Buy a permit")
        self.parker_waitlist = self._make_waitlist_panel()
        self.parker_tabs.addTab(self.parker_waitlist, "Waitlists")
        self.parker_tabs.addTab(self._build_account_tab(), "Account")

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(title_row)
        layout.addWidget(self.notice)
        layout.addWidget(self.button_bar)
        layout.addWidget(self.parker_tabs, 1)
        self.parker_page = page

        self.parker_stack = QStackedWidget()
        self.parker_stack.addWidget(self.placeholder)
        self.parker_stack.addWidget(page)
        return self.parker_stack

    def _build_buttons(self) -> None:
        def button(text: str, tip: str, slot: Callable[[], None]) -> QPushButton:
            made = QPushButton(text)
            made.setToolTip(tip)
            made.clicked.connect(slot)
            return made

        self.sell_button = button("Sell…", "Sell a permit to this parker (Ctrl+N)", self.sell)
        self.sell_button.setProperty("primary", True)
        self.renew_button = button("Renew…", "Renew the chosen permit (Ctrl+R)", self.renew)
        self.transfer_button = button(
            "Transfer…", "Move the chosen permit to another vehicle (Ctrl+T)", self.transfer
        )
        self.cancel_button = button(
            "Cancel permit…", "Cancel the chosen permit and refund the unused days", self.cancel
        )
        self.receipt_button = button(
            "Receipt…", "Show the receipt of the chosen payment or permit (Ctrl+P)", self.receipt
        )
        self.fee_button = button("Charge fee…", "Charge a fee at the counter", self.charge_fee)
        self.read_only_label = QLabel(
            "Read only: your role can look permits up; clerks sell, renew and cancel them."
        )
        self.read_only_label.setObjectName("hint")
        self.button_bar = QWidget()
        row = QHBoxLayout(self.button_bar)
        row.setContentsMargins(0, 0, 0, 0)
        for made in (
            self.sell_button,
            self.renew_button,
            self.transfer_button,
            self.cancel_button,
            self.fee_button,
        ):
            made.setVisible(self.editable)
            row.addWidget(made)
        row.addWidget(self.read_only_label)
        self.read_only_label.setVisible(not self.editable)
        row.addStretch(1)
        row.addWidget(self.receipt_button)

    def _build_permits_tab(self) -> QWidget:
        self.permits_view = DeskTable(self.permits_model)
        self.permits_empty = EmptyState(
            "No permits yet",
            "Permits this parker buys appear here."
            + (" To sell one, press Ctrl+N." if self.editable else ""),
        )
        self.permits_stack = QStackedWidget()
        self.permits_stack.addWidget(self.permits_view)
        self.permits_stack.addWidget(self.permits_empty)
        return self._padded(self.permits_stack)

    def _build_buy_tab(self) -> QWidget:
        self.options_view = DeskTable(self.options_model)
        self.option_detail = QLabel()
        self.option_detail.setWordWrap(True)
        self.option_detail.setTextFormat(Qt.TextFormat.PlainText)
        self.option_detail.setObjectName("optionDetail")
        self.options_empty = EmptyState(
            "No permit types on sale",
            "A manager sets up permit types and their lots on the Permit types & lots desk.",
        )
        self.options_stack = QStackedWidget()
        self.options_stack.addWidget(self.options_view)
        self.options_stack.addWidget(self.options_empty)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(TAB_MARGIN, TAB_MARGIN, TAB_MARGIN, TAB_MARGIN)
        layout.addWidget(self.options_stack, 1)
        layout.addWidget(self.option_detail)
        return tab

    def _build_account_tab(self) -> QWidget:
        self.ledger_view = DeskTable(self.ledger_model)
        self.ledger_empty = QLabel("Nothing posted to this parker's account yet.")
        self.ledger_empty.setObjectName("hint")
        self.receipts_view = DeskTable(self.receipts_model)
        self.receipts_empty = QLabel("No payments yet.")
        self.receipts_empty.setObjectName("hint")

        def section(title: str, view: QTableView, empty: QLabel) -> QWidget:
            caption = QLabel(title)
            caption.setStyleSheet("font-weight: 600;")
            holder = QWidget()
            layout = QVBoxLayout(holder)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(4)
            layout.addWidget(caption)
            layout.addWidget(view, 1)
            layout.addWidget(empty)
            return holder

        # One above the other, so the ledger's details column gets the desk's full width.
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(section("Account, newest first", self.ledger_view, self.ledger_empty))
        splitter.addWidget(
            section(
                "Receipts — choose one and press Receipt… (Ctrl+P)",
                self.receipts_view,
                self.receipts_empty,
            )
        )
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        return self._padded(splitter)

    @staticmethod
    def _padded(widget: QWidget) -> QWidget:
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(TAB_MARGIN, TAB_MARGIN, TAB_MARGIN, TAB_MARGIN)
        layout.addWidget(widget)
        return holder

    def _build_actions(self) -> None:
        def action(text: str, keys: str | QKeySequence, slot: Callable[[], None]) -> QAction:
            made = QAction(text, self)
            made.setShortcut(QKeySequence(keys))
            # Several desks live in one window: each desk's shortcuts work inside it only.
            made.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            made.triggered.connect(slot)
            self.addAction(made)
            return made

        self.find_action = action(
            "Find parker", QKeySequence(QKeySequence.StandardKey.Find), self.focus_search
        )
        self.sell_action = action("Sell a permit", "Ctrl+N", self.sell)
        self.renew_action = action("Renew permit", "Ctrl+R", self.renew)
        self.transfer_action = action("Transfer permit", "Ctrl+T", self.transfer)
        self.receipt_action = action("Receipt", "Ctrl+P", self.receipt)
        self.temporary_action = action("Temporary permit", "Ctrl+Shift+T", self.issue_temporary)
        for made in (self.sell_action, self.renew_action, self.transfer_action):
            made.setEnabled(self.editable)
        self.temporary_action.setEnabled(self.editable or self.is_manager)

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.finder.search,
            self.temporary_button,
            self.finder.results,
            self.sell_button,
            self.renew_button,
            self.transfer_button,
            self.cancel_button,
            self.fee_button,
            self.receipt_button,
            self.parker_tabs,
            self.permits_view,
            self.options_view,
            self.ledger_view,
            self.receipts_view,
        ]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    def _build_timers(self) -> None:
        self._reload_after_open = False
        # A burst of changes reloads each of these once, in this order.
        batch = LiveBatch(self.live, LIVE_DELAY_MS, self)
        batch.watch(("office_setting",), self.load_office)
        batch.watch(("parker", "vehicle"), self.finder.refresh)
        batch.watch(PAGE_TABLES, self._reload_page_live)

    def _connect(self) -> None:
        self.permits_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_buttons()
        )
        self.permits_view.activated.connect(lambda _index: self.receipt())
        self.options_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._show_option_detail()
        )
        self.options_view.activated.connect(lambda _index: self.sell())
        self.receipts_view.activated.connect(lambda _index: self.receipt())
        self.receipts_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_buttons()
        )
        self.parker_tabs.currentChanged.connect(lambda _i: self._update_buttons())

    def showEvent(self, event: QShowEvent) -> None:
        if not self._shown_once:
            self._shown_once = True
            focused = QApplication.focusWidget()
            if focused is None or not self.isAncestorOf(focused):
                self.finder.search.setFocus(Qt.FocusReason.OtherFocusReason)
            # Once laid out: room for the search results until a parker is open.
            QTimer.singleShot(0, self._first_room)
        super().showEvent(event)

    # -- the office ---------------------------------------------------------------------

    def load_office(self) -> None:
        service = self.service

        def arrived(office: Office) -> None:
            self.office = office
            self.refunds.model.redraw()

        def failed(exc: BaseException) -> bool:
            log.info("loading the office settings failed: %s", exc)
            return isinstance(exc, KnownError)

        self.runner.run(
            service.office, while_alive(self, arrived), failure_while_alive(self, failed)
        )

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.finder.focus()

    # -- the parker's page ----------------------------------------------------------------

    def open_parker(self, parker_id: int, then: Callable[[ParkerPage], None] | None = None) -> None:
        """Fetch the parker's page; ``then`` runs once it is on screen."""
        if then is None and self.page is not None and self.page.parker.id == parker_id:
            return
        if then is None and parker_id == self._opening:
            return  # a click and the double-click's "activated" ask for the same parker
        self._page_generation += 1
        generation, parkers, service = self._page_generation, self.parkers, self.service
        self._opening = parker_id

        def arrived(page: ParkerPage) -> None:
            if generation != self._page_generation:
                return
            self._opening = None
            fresh = self.page is None or self.page.parker.id != page.parker.id
            self._show_page(page, fresh=fresh)
            if then is not None:
                then(page)
            if self._reload_after_open:
                self._reload_after_open = False
                self.reload_page()

        def failed(_exc: BaseException) -> bool:
            if generation == self._page_generation:
                self._opening = None
                self._reload_after_open = False
            return False

        self.runner.run(
            lambda: load_parker_page(parkers, service, parker_id),
            while_alive(self, arrived),
            failure_while_alive(self, failed),
            parent=self,
        )

    def reload_page(self) -> None:
        """Fetch the open parker's page again (after a sale, or someone else's change)."""
        if self.page is None:
            return
        if self._opening is not None:
            # A parker is being opened (perhaps to sell from an offer): reloading now would
            # overtake it and lose what it was opened for. Reload once it is on screen.
            self._reload_after_open = True
            return
        self._page_generation += 1
        generation, parkers, service = self._page_generation, self.parkers, self.service
        parker_id = self.page.parker.id

        def arrived(page: ParkerPage) -> None:
            if generation == self._page_generation:
                self._show_page(page, fresh=False)

        def failed(exc: BaseException) -> bool:
            log.info("reloading the parker's page failed: %s", exc)
            return isinstance(exc, KnownError)

        self.runner.run(
            lambda: load_parker_page(parkers, service, parker_id),
            while_alive(self, arrived),
            failure_while_alive(self, failed),
            parent=self,
        )

    def _show_placeholder(self) -> None:
        self.page = None
        self.parker_stack.setCurrentWidget(self.placeholder)
        self._give_room(parker_open=False)
        self._update_buttons()

    def _show_page(self, page: ParkerPage, *, fresh: bool) -> None:
        keep_permit = None if fresh else self.selected_permit()
        keep_option = None if fresh else self.selected_option()
        keep_receipt = None if fresh else self._selected_receipt()
        self.office = page.office
        self.page = page
        parker = page.parker
        if fresh:
            self.notice.hide()
            self.parker_tabs.setCurrentIndex(0)
            self.parker_waitlist.set_parker(parker.id)
        self.parker_title.setText(parker.name)
        facts = [AFFILIATION_TITLES.get(parker.affiliation, parker.affiliation.title())]
        facts += [fact for fact in (parker.campus_id, parker.email) if fact]
        if not parker.active:
            facts.append("Deactivated")
        self.parker_facts.setText(" \u00b7 ".join(facts))
        self._show_balance(page.balance)
        zone = ZoneInfo(page.office.time_zone)

        self.permits_model.set_rows(page.permits)
        self.permits_stack.setCurrentWidget(
            self.permits_view if page.permits else self.permits_empty
        )
        self.options_model.set_rows(page.options)
        self.options_stack.setCurrentWidget(
            self.options_view if page.options else self.options_empty
        )
        running, rows = page.balance, []
        for line in page.ledger:
            rows.append((line, running))
            running -= line.amount
        self.ledger_model.set_rows(rows)
        self.ledger_empty.setVisible(not rows)
        dates = {
            line.receipt_number: format_day(line.posted_at.astimezone(zone).date())
            for line in page.ledger
            if line.receipt_number
        }
        self.receipts_model.set_rows(
            [ReceiptRow(p, dates.get(p.receipt_number, "")) for p in page.payments]
        )
        self.receipts_empty.setVisible(not page.payments)

        wanted, self._select_permit = self._select_permit, None
        if wanted is None and keep_permit is not None:
            wanted = keep_permit.id
        self.permits_view.select_key(wanted)
        self.options_view.select_key(keep_option.type_id if keep_option else None)
        self.receipts_view.select_key(keep_receipt.payment.payment_id if keep_receipt else None)
        self._show_option_detail()
        self.parker_stack.setCurrentWidget(self.parker_page)
        self._give_room(parker_open=True)
        self.finder.select_open()
        self._update_buttons()

    def _show_balance(self, balance: Decimal) -> None:
        words = balance_words(balance, self._currency())
        colour = OWED_COLOUR if balance > 0 else ("#1f2933" if balance == 0 else CREDIT_COLOUR)
        self.balance_label.setText(f"Balance: {words}")
        self.balance_label.setStyleSheet(f"font-weight: 600; color: {colour};")

    def selected_permit(self) -> PermitInfo | None:
        permit: PermitInfo | None = self.permits_view.current_row()
        return permit

    def selected_option(self) -> SaleOption | None:
        option: SaleOption | None = self.options_view.current_row()
        return option

    def _selected_receipt(self) -> ReceiptRow | None:
        receipt: ReceiptRow | None = self.receipts_view.current_row()
        return receipt

    def _show_option_detail(self) -> None:
        option = self.selected_option()
        if option is None or self.page is None:
            self.option_detail.setText("")
            return
        currency = self._currency()
        parts = [f"{option.name}: "]
        if option.quote is not None:
            parts.append(describe_quote(option.quote, currency) + ".")
        else:
            parts.append(f"{format_money(option.price, currency)}, {option.validity_text}.")
        parts.append(
            f" Up to {option.max_vehicles} vehicle{'s' if option.max_vehicles != 1 else ''}."
        )
        if option.lots:
            parts.append(f" Spaces left: {availability_words(option)}.")
        if option.refusal:
            parts.append(f" Not for {self.page.parker.name}: {option.refusal}")
        elif option.sale_mode == "waitlist":
            parts.append(" Sold through its waitlist: Sell… offers to add the parker to it.")
        self.option_detail.setText("".join(parts))

    def _update_buttons(self) -> None:
        page, permit = self.page, self.selected_permit()
        open_ = page is not None and self.editable
        live = permit is not None and permit.status in LIVE_STATES
        self.sell_button.setEnabled(open_ and page is not None and page.parker.active)
        self.renew_button.setEnabled(
            open_ and live and permit is not None and permit.kind == "term" and not permit.renewed
        )
        self.transfer_button.setEnabled(open_ and live and permit is not None)
        self.cancel_button.setEnabled(open_ and live)
        self.fee_button.setEnabled(open_)
        self.receipt_button.setEnabled(self._chosen_payment() is not None)
        self.sell_action.setEnabled(self.sell_button.isEnabled())
        self.renew_action.setEnabled(self.renew_button.isEnabled())
        self.transfer_action.setEnabled(self.transfer_button.isEnabled())

    def show_notice(self, text: str, *, good: bool = True) -> None:
        """A line above the tabs saying what just happened (and the receipt number)."""
        colours = ("#e7f6ec", "#a6d9b5", "#14532d") if good else ("#fff4ce", "#e8cf7a", "#7a4b00")
        self.notice.setStyleSheet(
            f"QFrame#permitNotice {{ background: {colours[0]}; border: 1px solid {colours[1]}; "
            f"border-radius: 4px; }} QFrame#permitNotice QLabel {{ color: {colours[2]}; }}"
        )
        self.notice_label.setText(text)
        self.notice.show()

    def notice_text(self) -> str:
        return self.notice_label.text() if self.notice.isVisible() else ""

    # -- selling --------------------------------------------------------------------------

    def sell(self) -> None:
        """Open the sale dialog for the open parker (with the type chosen on Buy a permit)."""
        if not self.sell_button.isEnabled() or self.page is None or self.sell_dialog is not None:
            return
        option = self.selected_option() if self.parker_tabs.currentIndex() == 1 else None
        type_id = option.type_id if option is not None and option.eligible else None
        self._open_sell_dialog(self.page, type_id=type_id)

    def sell_from_offer(self, position: WaitlistPosition) -> None:
        """A waitlist offer is accepted: open the parker and sell them the space held."""
        if not self.editable or self.sell_dialog is not None:
            return
        self.tabs.setCurrentIndex(0)
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
        if self.sell_dialog is not None:
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
        self.sell_dialog = dialog
        dialog.sold.connect(self._sold)
        dialog.waitlisted.connect(self._waitlisted)

        def closed(_result: int) -> None:
            if self.sell_dialog is dialog:
                self.sell_dialog = None
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()

    def _sold(self, payment: PaymentResult) -> None:
        self._select_permit = payment.permit_id
        self.host.show_receipt(payment)
        self.show_notice(f"Sold permit {payment.permit_number}: {self._paid_words(payment)}")
        self.parker_tabs.setCurrentIndex(0)
        self.parker_waitlist.reload()  # an accepted offer leaves the list
        self.reload_page()

    def _waitlisted(self, position: WaitlistPosition) -> None:
        rank = f"rank {position.rank} of {position.waiting}" if position.rank else "waiting"
        self.show_notice(
            f"{position.parker_name} added to the waitlist for {position.type_name} in "
            f"{position.lot_name}: {rank}.",
        )
        self.parker_tabs.setCurrentIndex(2)
        self.parker_waitlist.reload()
        self.reload_page()

    def _paid_words(self, payment: PaymentResult) -> str:
        amount = format_money(payment.amount, self._currency())
        if payment.amount == 0:
            return f"issued free (receipt {payment.receipt_number})."
        how = tender_words(payment.tender)
        verb = "paid out" if payment.direction == "out" else "paid"
        return f"{amount} {verb} by {how} (receipt {payment.receipt_number})."

    # -- renewing, transferring, cancelling ----------------------------------------------------

    def renew(self) -> None:
        permit = self.selected_permit()
        if not self.renew_button.isEnabled() or permit is None or self.payment_dialog is not None:
            return
        service = self.service
        self.runner.run(
            lambda: service.renewal_quote(permit.id),
            while_alive(self, lambda quote: self._renew_with(permit, quote)),
            parent=self,
        )

    def _renew_with(self, permit: PermitInfo, quote: Quote) -> None:
        service, permit_id = self.service, permit.id

        def paid(payment: PaymentResult) -> None:
            self._select_permit = payment.permit_id
            self.host.show_receipt(payment)
            self.show_notice(
                f"Renewed {permit.number} as {payment.permit_number} for "
                f"{format_period(quote.first_day, quote.last_day)}: {self._paid_words(payment)}"
            )
            self.reload_page()

        self.host.open_payment(
            title=f"Renew permit {permit.number}",
            description=(
                f"Renewal of {permit.number}, {permit.title}, {permit.lot_name}: "
                f"{describe_quote(quote, self._currency())}."
            ),
            amount=quote.price,
            submit=lambda key, tender: service.renew(key, permit_id, tender),
            paid=paid,
        )

    def transfer(self) -> None:
        permit, page = self.selected_permit(), self.page
        if not self.transfer_button.isEnabled() or permit is None or page is None:
            return
        dialog = TransferDialog(permit, page.parker.vehicles, self)
        self.host.open_action(dialog)
        service = self.service

        def submitted(leaving: int, joining: int) -> None:
            def done(fresh: PermitInfo) -> None:
                if alive(dialog):
                    dialog.accept()
                self.show_notice(f"Permit {fresh.number} now covers {permit_plates(fresh)}.")
                self.reload_page()

            def failed(exc: BaseException) -> bool:
                if not alive(dialog) or not isinstance(exc, KnownError):
                    return False
                dialog.set_busy(False)
                dialog.show_problem(exc.message)
                return True

            self.runner.run(
                lambda: service.transfer(permit.id, leaving, joining),
                while_alive(self, done),
                failure_while_alive(self, failed),
                write=True,
                parent=dialog,
            )

        dialog.submitted.connect(submitted)

    def cancel(self) -> None:
        permit = self.selected_permit()
        if not self.cancel_button.isEnabled() or permit is None or self.action_dialog is not None:
            return
        service = self.service
        self.runner.run(
            lambda: service.refund_estimate(permit.id),
            while_alive(self, lambda estimate: self._ask_cancel(permit, estimate)),
            parent=self,
        )

    def _ask_cancel(self, permit: PermitInfo, estimate: RefundEstimate) -> None:
        if self.action_dialog is not None:
            return
        dialog = CancelPermitDialog(permit, estimate, self._currency(), self)
        dialog.accepted.connect(lambda: self._cancel_with(permit, estimate, dialog.reason_text()))
        self.host.open_action(dialog)

    def _cancel_with(self, permit: PermitInfo, estimate: RefundEstimate, reason: str) -> None:
        service, permit_id = self.service, permit.id
        if estimate.amount > 0 and not estimate.needs_approval:
            # Paid out now: the payment dialog takes the refund's tender and its key.
            def submit(key: uuid.UUID, tender: Tender) -> PaymentResult:
                result = service.cancel(key, permit_id, reason, tender)
                if result.payment is None:
                    raise _RefundAwaitsApproval(result)
                return result.payment

            def paid(payment: PaymentResult) -> None:
                self.host.show_receipt(payment)
                self.show_notice(
                    f"Cancelled {permit.number}. Refund of "
                    f"{format_money(payment.amount, self._currency())} paid by "
                    f"{tender_words(payment.tender)} (receipt {payment.receipt_number})."
                )
                self.reload_page()

            def refused(exc: KnownError) -> bool:
                if isinstance(exc, _RefundAwaitsApproval):
                    self._cancelled(exc.result)
                    return True
                return False

            self.host.open_payment(
                title=f"Refund for {permit.number}",
                description=f"Refund for cancelled permit {describe_permit(permit)}.",
                amount=estimate.amount,
                submit=submit,
                paid=paid,
                direction="out",
                tender=estimate.original_tender if estimate.original_tender != "none" else None,
                on_refused=refused,
            )
            return
        key = new_payment_key()
        self.runner.run(
            lambda: service.cancel(key, permit_id, reason, NO_PAYMENT),
            while_alive(self, self._cancelled),
            write=True,
            parent=self,
        )

    def _cancelled(self, result: CancelResult) -> None:
        amount = format_money(result.refund_amount, self._currency())
        if result.refund_id is None:
            text = f"Cancelled {result.permit_number}; no refund was due."
        elif result.refund_status == "pending" and result.approval_reason == "tender":
            text = (
                f"Cancelled {result.permit_number}. Refund of {amount} awaits a manager's "
                "approval: a refund goes back the way it was paid, and another tender needs one."
            )
        elif result.refund_status == "pending":
            text = (
                f"Cancelled {result.permit_number}. Refund of {amount} awaits a manager's approval."
            )
        elif result.payment is not None:
            text = (
                f"Cancelled {result.permit_number}. Refund of {amount} paid by "
                f"{tender_words(result.payment.tender)} (receipt {result.payment.receipt_number})."
            )
        else:
            text = f"Cancelled {result.permit_number}. Refund of {amount} is approved, to be paid."
        self.show_notice(text, good=result.refund_status != "pending")
        self.reload_page()

    # -- other counter work -----------------------------------------------------------------

    def charge_fee(self) -> None:
        page = self.page
        if not self.editable or page is None or self.action_dialog is not None:
            return
        dialog = FeeDialog(page.parker.name, self._currency(), self.runner, self)
        service, parker_id = self.service, page.parker.id

        def go() -> None:
            amount, memo = dialog.value, dialog.memo_text()

            def paid(payment: PaymentResult) -> None:
                self.host.show_receipt(payment)
                self.show_notice(f"Fee charged: {memo}, {self._paid_words(payment)}")
                self.reload_page()

            self.host.open_payment(
                title=f"Fee for {page.parker.name}",
                description=memo,
                amount=amount,
                submit=lambda key, tender: service.charge_fee(key, parker_id, amount, memo, tender),
                paid=paid,
            )

        dialog.accepted.connect(go)
        self.host.open_action(dialog)

    def issue_temporary(self) -> None:
        if not (self.editable or self.is_manager) or self.action_dialog is not None:
            return
        service = self.service

        def load() -> tuple[Office, list[LotChoice]]:
            return service.office(), service.lots()

        self.runner.run(load, while_alive(self, self._open_temporary), parent=self)

    def _open_temporary(self, loaded: tuple[Office, list[LotChoice]]) -> None:
        from desktop.views.permits.temporary import TemporaryPermitDialog

        if self.action_dialog is not None:
            return
        office, lots = loaded
        page = self.page
        plate = jurisdiction = ""
        parker_id = None
        if page is not None:
            parker_id = page.parker.id
            readable = [
                v for v in page.parker.vehicles if v.active and v.plate_status == "readable"
            ]
            if len(readable) == 1:
                plate, jurisdiction = readable[0].plate_raw, readable[0].jurisdiction
        dialog = TemporaryPermitDialog(
            self.service,
            self.runner,
            lots,
            office.currency,
            office.time_zone,
            parker_id=parker_id,
            plate=plate,
            jurisdiction=jurisdiction,
            parent=self,
        )
        dialog.issued.connect(self._temporary_issued)
        self.host.open_action(dialog)

    def _temporary_issued(self, payment: PaymentResult) -> None:
        self.show_notice(
            f"Issued temporary permit {payment.permit_number}: {self._paid_words(payment)}"
        )
        self.reload_page()

    def _chosen_payment(self) -> PaymentResult | None:
        """The receipt Receipt… opens: the chosen receipt on Account, else the chosen permit's
        latest payment."""
        page = self.page
        if page is None:
            return None
        if self.parker_tabs.currentIndex() == 3:
            receipt = self._selected_receipt()
            return receipt.payment if receipt is not None else None
        permit = self.selected_permit()
        if permit is None:
            return None
        return next((p for p in page.payments if p.permit_id == permit.id), None)

    def receipt(self) -> None:
        payment = self._chosen_payment()
        if payment is not None:
            self.host.show_receipt(payment)

    def _open_refund_parker(self, parker_id: int) -> None:
        self.tabs.setCurrentIndex(0)
        self.open_parker(parker_id)

    # -- live changes ------------------------------------------------------------------

    def _reload_page_live(self) -> None:
        self.reload_page()
        if self.sell_dialog is not None and self.sell_dialog.payment_dialog is None:
            self.sell_dialog.refresh(quiet=True)
