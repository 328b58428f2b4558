"""The open parker's page on the permit desk: who they are, their permits, what they may
buy, their waitlist places and their account, with the counter's buttons above.

The panel shows a :class:`ParkerPage` (fetched in one go off the GUI thread) and says
what is chosen; the desk wires its buttons to the sale, renewal, transfer and the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import cast
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QSplitter, QTableView, QTabWidget, QWidget

from desktop.services.documents import Office
from desktop.services.localization import format_day, format_money
from desktop.services.parkers import AFFILIATION_TITLES, ParkerDetail, ParkerService
from desktop.services.permits import (
    LedgerLine,
    PaymentResult,
    PermitInfo,
    PermitService,
    SaleOption,
)
from desktop.views.kit.layout import STRETCH, button, hbox, holder, label, stack, vbox
from desktop.views.kit.table_view import DeskTable
from desktop.views.kit.widgets import EmptyState
from desktop.views.permits.actions import CREDIT_COLOUR, OWED_COLOUR, describe_quote
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
from desktop.views.permits.waitlist import WaitlistPanel

#: Inside the parker's tabs, as the waitlist panel has it.
TAB_MARGIN = 8
#: The tabs of the parker's page, in order.
PERMITS_TAB, BUY_TAB, WAITLISTS_TAB, ACCOUNT_TAB = range(4)


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


class ParkerPanel(QWidget):
    """The open parker: title, balance, a notice, the counter's buttons and four tabs."""

    #: What is chosen changed the buttons (the desk keeps its shortcuts in step).
    buttons_changed = Signal()

    def __init__(
        self,
        waitlist: WaitlistPanel,
        *,
        editable: bool,
        currency: Callable[[], str],
        zone: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.editable = editable
        self._currency = currency
        self.page: ParkerPage | None = None
        self.permits_model = permits_model(currency, zone, self)
        self.options_model = options_model(currency, self)
        self.ledger_model = ledger_model(currency, zone, self)
        self.receipts_model = receipts_model(currency, self)
        self._build(waitlist)
        for view in (self.permits_view, self.receipts_view):
            view.selectionModel().currentRowChanged.connect(lambda *_: self.update_buttons())
        self.options_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._show_option_detail()
        )
        self.parker_tabs.currentChanged.connect(lambda _i: self.update_buttons())
        self.show_placeholder()

    def _build(self, waitlist: WaitlistPanel) -> None:
        self.placeholder = EmptyState(
            "No parker open",
            "Find the parker above and press Enter to open their permits and account."
            + (
                " To issue a temporary permit for a plate, press Ctrl+Shift+T."
                if self.editable
                else ""
            ),
        )
        self.parker_title = label(
            plain=True, style="font-size: 14pt; font-weight: 600; color: #111827;"
        )
        self.parker_facts = label(name="hint", plain=True)
        self.balance_label = label(name="balanceLabel")

        self.notice = QFrame()
        self.notice.setObjectName("permitNotice")
        self.notice_label = label(wrap=True, plain=True)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_close = button("Dismiss", self.notice.hide)
        hbox((self.notice_label, 1), self.notice_close, margins=(10, 4, 4, 4), parent=self.notice)
        self.notice.hide()

        self._build_buttons()
        self.parker_tabs = QTabWidget()
        self.parker_tabs.addTab(self._build_permits_tab(), "Permits")
        self.parker_tabs.addTab(self._build_buy_tab(), "Buy a permit")
        self.parker_waitlist = waitlist
        self.parker_tabs.addTab(waitlist, "Waitlists")
        self.parker_tabs.addTab(self._build_account_tab(), "Account")

        self.parker_page = QWidget()
        vbox(
            hbox(self.parker_title, self.parker_facts, STRETCH, self.balance_label, spacing=12),
            self.notice,
            self.button_bar,
            (self.parker_tabs, 1),
            margins=(0, 6, 0, 0),
            spacing=6,
            parent=self.parker_page,
        )
        self.parker_stack = stack(self.placeholder, self.parker_page)
        vbox(self.parker_stack, parent=self)

    def _build_buttons(self) -> None:
        editable = self.editable
        self.sell_button = button(
            "Sell…", tip="Sell a permit to this parker (Ctrl+N)", primary=True, visible=editable
        )
        self.renew_button = button(
            "Renew…", tip="Renew the chosen permit (Ctrl+R)", visible=editable
        )
        self.transfer_button = button(
            "Transfer…", tip="Move the chosen permit to another vehicle (Ctrl+T)", visible=editable
        )
        self.cancel_button = button(
            "Cancel permit…",
            tip="Cancel the chosen permit and refund the unused days",
            visible=editable,
        )
        self.fee_button = button("Charge fee…", tip="Charge a fee at the counter", visible=editable)
        self.receipt_button = button(
            "Receipt…", tip="Show the receipt of the chosen payment or permit (Ctrl+P)"
        )
        self.read_only_label = label(
            "Read only: your role can look permits up; clerks sell, renew and cancel them.",
            name="hint",
        )
        self.read_only_label.setVisible(not editable)
        self.button_bar = holder(
            hbox(
                self.sell_button,
                self.renew_button,
                self.transfer_button,
                self.cancel_button,
                self.fee_button,
                self.read_only_label,
                STRETCH,
                self.receipt_button,
            )
        )

    def _build_permits_tab(self) -> QWidget:
        self.permits_view = DeskTable(self.permits_model)
        self.permits_empty = EmptyState(
            "No permits yet",
            "Permits this parker buys appear here."
            + (" To sell one, press Ctrl+N." if self.editable else ""),
        )
        self.permits_stack = stack(self.permits_view, self.permits_empty)
        return self._padded(self.permits_stack)

    def _build_buy_tab(self) -> QWidget:
        self.options_view = DeskTable(self.options_model)
        self.option_detail = label(name="optionDetail", wrap=True, plain=True)
        self.options_empty = EmptyState(
            "No permit types on sale",
            "A manager sets up permit types and their lots on the Permit types & lots desk.",
        )
        self.options_stack = stack(self.options_view, self.options_empty)
        return holder(vbox((self.options_stack, 1), self.option_detail, margins=TAB_MARGIN))

    def _build_account_tab(self) -> QWidget:
        self.ledger_view = DeskTable(self.ledger_model)
        self.ledger_empty = label("Nothing posted to this parker's account yet.", name="hint")
        self.receipts_view = DeskTable(self.receipts_model)
        self.receipts_empty = label("No payments yet.", name="hint")

        def section(title: str, view: QTableView, empty: QLabel) -> QWidget:
            caption = label(title, style="font-weight: 600;")
            return holder(vbox(caption, (view, 1), empty, spacing=4))

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
        return holder(vbox(widget, margins=TAB_MARGIN))

    def show_placeholder(self) -> None:
        self.page = None
        self.parker_stack.setCurrentWidget(self.placeholder)
        self.update_buttons()

    def show_page(self, page: ParkerPage, *, fresh: bool, select_permit: int | None) -> None:
        """Show the parker's page; ``select_permit`` (say, the one just sold) gets the cursor."""
        keep_permit = None if fresh else self.selected_permit()
        keep_option = None if fresh else self.selected_option()
        keep_receipt = None if fresh else self.selected_receipt()
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

        if select_permit is None and keep_permit is not None:
            select_permit = keep_permit.id
        self.permits_view.select_key(select_permit)
        self.options_view.select_key(keep_option.type_id if keep_option else None)
        self.receipts_view.select_key(keep_receipt.payment.payment_id if keep_receipt else None)
        self._show_option_detail()
        self.parker_stack.setCurrentWidget(self.parker_page)
        self.update_buttons()

    def _show_balance(self, balance: Decimal) -> None:
        words = balance_words(balance, self._currency())
        colour = OWED_COLOUR if balance > 0 else ("#1f2933" if balance == 0 else CREDIT_COLOUR)
        self.balance_label.setText(f"Balance: {words}")
        self.balance_label.setStyleSheet(f"font-weight: 600; color: {colour};")

    def selected_permit(self) -> PermitInfo | None:
        return cast("PermitInfo | None", self.permits_view.current_row())

    def selected_option(self) -> SaleOption | None:
        return cast("SaleOption | None", self.options_view.current_row())

    def selected_receipt(self) -> ReceiptRow | None:
        return cast("ReceiptRow | None", self.receipts_view.current_row())

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

    def update_buttons(self) -> None:
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
        self.receipt_button.setEnabled(self.chosen_payment() is not None)
        self.buttons_changed.emit()

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

    def chosen_payment(self) -> PaymentResult | None:
        """The receipt Receipt… opens: the chosen receipt on Account, else the chosen permit's
        latest payment."""
        page, permit = self.page, self.selected_permit()
        if page is None:
            return None
        if self.parker_tabs.currentIndex() == ACCOUNT_TAB:
            receipt = self.selected_receipt()
            return receipt.payment if receipt is not None else None
        if permit is None:
            return None
        return next((p for p in page.payments if p.permit_id == permit.id), None)
