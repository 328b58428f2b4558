"""Taking the money at the counter: one amount, one tender, recorded exactly once.

Every desk that takes money uses it: permits and fees at the permit desk, fines at the
citations desk. What is paid for is the caller's ``submit``; the dialog owns the tender.

The dialog makes the payment's idempotency key when it opens and sends the same key with
every attempt, so a double-click, or a retry after the connection dropped mid-payment,
records the payment once (SPEC rule 9). Card payments take the brand, the last 4 digits
and the terminal's approval reference only; the fields make a full card number
impossible to type.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol, cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialogButtonBox,
    QLayout,
    QPushButton,
    QRadioButton,
    QWidget,
)

from desktop.services.errors import ConnectionProblem, FieldProblem, KnownError, ValidationError
from desktop.services.localization import format_amount, format_money, parse_money
from desktop.services.permits import (
    ACCOUNT_TITLES,
    CARD_BRANDS,
    NO_PAYMENT,
    PaymentResult,
    Tender,
    new_payment_key,
)
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.forms import ERROR_COLOUR, FieldBox, FormDialog
from desktop.views.kit.layout import (
    STRETCH,
    Space,
    button,
    choice_box,
    field_grid,
    hbox,
    holder,
    label,
    line_edit,
    named,
    stack,
    tab_order,
    vbox,
)
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import failure_while_alive, while_alive

#: The tender choices in screen order, with their buttons' titles.
TENDERS = {"cash": "&Cash", "card": "Ca&rd", "cheque": "C&heque", "account": "Charge to acc&ount"}

_STYLE = (
    "#amountCaption { color: #5b6577; } "
    "#amountDue { font-size: 22pt; font-weight: 600; color: #111827; } "
    "#paymentDescription { color: #374151; } "
    "#changeDue { font-size: 12pt; font-weight: 600; } "
    "#hint { color: #5b6577; } "
    "#tenderCaption { font-weight: 600; }"
)
#: The pay button's words, and its words while it works: nothing to pay, paying out, in.
_PAY_WORDS = {
    "free": ("&Issue", "Issuing…"),
    "out": ("Pa&y out", "Paying out…"),
    "in": ("&Take payment", "Taking payment…"),
}
#: Receipt previews opened without a parent window, kept until they are closed.
_OPEN_RECEIPTS: set[DocumentPreviewDialog] = set()


class PaymentDialog(FormDialog):
    """Takes the money for one amount. Its idempotency key is made when it opens, so a
    double-click or a retry after a dropped connection records the payment once.

    Its fields are the tenders' ("reference" is the card's approval reference or the
    account's employee/student number, whichever tender is chosen) and "tender" itself.
    """

    #: The order a tender's check names its fields: the first one named gets the focus.
    FIELDS = ("tendered", "last4", "brand", "number", "account", "reference")

    #: The payment was recorded (a :class:`PaymentResult`); the dialog then closes.
    paid = Signal(object)

    def __init__(
        self,
        *,
        title: str,
        description: str,
        amount: Decimal,
        currency: str,
        submit: Callable[[uuid.UUID, Tender], PaymentResult],
        runner: OperationRunner,
        direction: str = "in",
        on_refused: Callable[[KnownError], bool] | None = None,
        on_invalid: Callable[[ValidationError], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``on_refused`` gets refusals other than field problems (a full lot, a missing
        shift); returning True means the caller dealt with it and the dialog closes.
        ``on_invalid`` gets field problems about fields this dialog does not have (the
        plate of a permit, say), the same way; without it they show at the top."""
        self.amount, self.direction = amount, direction
        pay_text, busy_text = _PAY_WORDS[
            "free" if self.free else "out" if self.paying_out else "in"
        ]
        super().__init__(runner, accept_text=pay_text, busy_text=busy_text, parent=parent)
        self.key: uuid.UUID = new_payment_key()
        # The recorded payment. It hides QDialog.result() (the dialog code), which nothing
        # here needs: exec() and finished() still give the code.
        self.result: PaymentResult | None = None  # type: ignore[assignment]
        self.currency = currency
        self._submit = submit
        self._on_refused = on_refused
        self._on_invalid = on_invalid
        self._short = False
        self.setWindowTitle(title)
        self.setObjectName("paymentDialog")
        self.setStyleSheet(self.styleSheet() + _STYLE)
        self.setMinimumWidth(480)
        # Never read-only: a payment always has its pay button.
        self.pay_button = cast("QPushButton", self.save_button)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)

        self._build_summary(description)
        self._build_tender_choice()
        self.pages = stack(
            self._cash_page(), self._card_page(), self._cheque_page(), self._account_page()
        )
        self._build_layout()
        self.tender_group.idToggled.connect(self._tender_toggled)
        self.tendered_edit.textChanged.connect(self._update_change)
        self.set_tender("cash")
        self._update_change()
        first = self.pay_button if self.free else self.tendered_edit
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def free(self) -> bool:
        return self.amount == 0

    @property
    def paying_out(self) -> bool:
        return self.direction == "out"

    def _build_summary(self, description: str) -> None:
        selectable = Qt.TextInteractionFlag.TextSelectableByMouse
        # The kit's general message, shown at the top: what went wrong with the payment.
        self.message_label = self.general_problem
        self.message_label.setTextInteractionFlags(selectable)
        self.description_label = label(description, name="paymentDescription", wrap=True)
        caption = "To pay out" if self.paying_out else "Amount due"
        self.amount_caption = label(caption, name="amountCaption")
        self.amount_label = label(format_money(self.amount, self.currency), name="amountDue")
        self.amount_label.setAccessibleName(f"{caption}: {self.amount_label.text()}")
        self.amount_label.setTextInteractionFlags(selectable)
        self.free_label = label(
            "Nothing to pay: no tender is needed. The receipt records it as issued free.",
            name="hint",
            wrap=True,
        )

    def _build_tender_choice(self) -> None:
        self._radios = {kind: QRadioButton(title) for kind, title in TENDERS.items()}
        self.cash_radio, self.card_radio, self.cheque_radio, self.account_radio = (
            self._radios.values()
        )
        self.tender_group = QButtonGroup(self)
        for index, radio in enumerate(self._radios.values()):
            self.tender_group.addButton(radio, index)
        radios = holder(hbox(*self._radios.values(), STRETCH, spacing=18))
        self.boxes["tender"] = FieldBox(
            "How is it paid out?" if self.paying_out else "How is it paid?", radios
        )
        self.tender_caption = named(self.boxes["tender"].caption, "tenderCaption")
        cast("QLayout", self.boxes["tender"].layout()).setSpacing(8)

    def _cash_page(self) -> QWidget:
        # Any way the person writes money is read (Babel, their locale); what is not an
        # amount is said under the field when the payment is taken.
        self.tendered_edit = line_edit(
            placeholder=f"e.g. {format_amount(Decimal(50), self.currency)}",
            max_length=20,
            right=True,
        )
        self.exact_button = button(
            "E&xact", self._exact, tip="The parker hands over the exact amount"
        )
        self.exact_button.setAutoDefault(False)
        self.change_label = label(name="changeDue")
        self.cash_out_label = label(
            f"Take {format_money(self.amount, self.currency)} out of the drawer and hand it "
            "to the parker.",
            wrap=True,
        )
        tendered = self.field(
            "tendered",
            "Cash handed o&ver",
            self.tendered_edit,
            holds=holder(hbox((self.tendered_edit, 1), self.exact_button)),
        )
        tendered.setVisible(not self.paying_out)
        self.change_label.setVisible(not self.paying_out)
        self.cash_out_label.setVisible(self.paying_out)
        return field_grid(
            [tendered, (self.change_label, Qt.AlignmentFlag.AlignBottom)],
            [self.cash_out_label],
            spacing=16,
        )

    def _card_page(self) -> QWidget:
        self.brand_combo = choice_box(CARD_BRANDS)
        self.last4_edit = line_edit(
            placeholder="e.g. 4242",
            max_length=4,
            allowed=r"[0-9]{0,4}",
            tip="Only the last 4 digits: never the whole card number",
        )
        self.reference_edit = line_edit(
            placeholder="From the terminal slip, e.g. AUTH-83JD", max_length=64
        )
        return field_grid(
            [
                self.field("brand", "Card &brand", self.brand_combo),
                self.field("last4", "&Last 4 digits", self.last4_edit),
            ],
            [self.field("reference", "A&pproval reference", self.reference_edit)],
            vertical=6,
        )

    def _cheque_page(self) -> QWidget:
        self.cheque_edit = line_edit(
            placeholder="e.g. 001234", max_length=10, allowed=r"[0-9]{0,10}"
        )
        return field_grid([self.field("number", "Cheque &number", self.cheque_edit), None])

    def _account_page(self) -> QWidget:
        self.account_combo = choice_box(ACCOUNT_TITLES.values(), data=ACCOUNT_TITLES.keys())
        self.account_ref_edit = line_edit(
            placeholder="e.g. E12345", max_length=20, allowed=r"[A-Za-z0-9-]{0,20}"
        )
        account = self.field("account", "&Account", self.account_combo)
        # Under "reference" too, while the account is the tender (see _tender_toggled).
        card_reference = self.boxes["reference"]
        self.account_ref_box = self.field(
            "reference", "Employee or student n&umber", self.account_ref_edit
        )
        self._references = {"card": card_reference, "account": self.account_ref_box}
        return field_grid([account, self.account_ref_box])

    def _build_layout(self) -> None:
        self.tender_area = holder(
            vbox(self.boxes["tender"], self.pages, margins=(0, 4, 0, 0), spacing=8),
            visible=not self.free,
        )
        rule = QWidget()
        rule.setFixedHeight(1)
        rule.setStyleSheet("background: #dde2e9;")
        self.free_label.setVisible(self.free)
        vbox(
            self.message_label,
            self.description_label,
            Space(4),
            self.amount_caption,
            self.amount_label,
            rule,
            self.free_label,
            self.tender_area,
            STRETCH,
            self.buttons,
            margins=None,
            spacing=8,
            parent=self,
        )
        tab_order(
            *self._radios.values(),
            self.tendered_edit,
            self.exact_button,
            self.brand_combo,
            self.last4_edit,
            self.reference_edit,
            self.cheque_edit,
            self.account_combo,
            self.account_ref_edit,
            self.pay_button,
            self.cancel_button,
        )

    def tender_kind(self) -> str:
        return next((kind for kind, radio in self._radios.items() if radio.isChecked()), "")

    def set_tender(self, kind: str) -> None:
        """Choose the tender (for example the one the permit was paid with, for a refund)."""
        if kind in self._radios:
            self._radios[kind].setChecked(True)
            self.pages.setCurrentIndex(list(TENDERS).index(kind))

    def _tender_toggled(self, button_id: int, checked: bool) -> None:
        if not checked:
            return
        self.pages.setCurrentIndex(button_id)
        kind = list(TENDERS)[button_id]
        self.boxes["reference"] = self._references.get(kind, self._references["card"])
        self._edited("tender")
        self._update_pay_enabled()

    def tender(self) -> Tender:
        """What the clerk entered, as the service takes it (unchecked)."""
        if self.free:
            return NO_PAYMENT
        kind = self.tender_kind()
        if kind == "cash":
            return Tender("cash", cash_tendered=self._tendered())
        if kind == "card":
            return Tender(
                "card",
                card_brand=self.brand_combo.currentText()
                if self.brand_combo.currentIndex() >= 0
                else "",
                card_last4=self.last4_edit.text().strip(),
                reference=self.reference_edit.text().strip(),
            )
        if kind == "cheque":
            return Tender("cheque", cheque_number=self.cheque_edit.text().strip())
        if kind == "account":
            return Tender(
                "account",
                account_kind=str(self.account_combo.currentData() or ""),
                reference=self.account_ref_edit.text().strip(),
            )
        return Tender("")

    def _tendered(self) -> Decimal | None:
        """The cash handed over; None when nothing (or no amount) is typed yet."""
        try:
            return self._read_tendered()
        except ValidationError:
            return None

    def _read_tendered(self) -> Decimal | None:
        text = self.tendered_edit.text().strip()
        if self.paying_out or not text:
            return None
        return parse_money(
            text, field="tendered", label="the cash handed over", currency=self.currency
        )

    def _exact(self) -> None:
        self.tendered_edit.setText(format_amount(self.amount, self.currency))
        self._edited("tendered")
        self.tendered_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_change(self) -> None:
        """Change due as the cash is typed, in exact decimals; a shortfall stops the payment."""
        tendered = self._tendered()
        self._short = False
        if self.paying_out or tendered is None:
            self.change_label.setText("")
        elif tendered < self.amount:
            self._short = True
            short = format_money(self.amount - tendered, self.currency)
            self.change_label.setText(f"Short by {short}")
            self.change_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        else:
            change = tendered - self.amount
            self.change_label.setText(
                f"Change due: {format_money(change, self.currency)}" if change else "No change due"
            )
            self.change_label.setStyleSheet("color: #166534;")
        self._update_pay_enabled()

    def _update_pay_enabled(self) -> None:
        short = self._short and self.tender_kind() == "cash" and not self.free
        self.pay_button.setEnabled(not self._saving and not short)
        self.pay_button.setToolTip(
            "The cash handed over is short of the amount due." if short else ""
        )

    def take_payment(self) -> None:
        """Check what was entered, then record the payment off the GUI thread."""
        if self.pay_button.isEnabled():
            self.submit()

    def _save_call(self) -> Callable[[], PaymentResult]:
        self.clear_problems()
        tender = self.tender()
        if tender.kind == "cash":
            self._read_tendered()  # typed, but not an amount: say so under the field
        tender.check(self.amount, self.direction)
        key, submit = self.key, self._submit
        return lambda: submit(key, tender)

    def _saved(self, result: object) -> None:
        if not isinstance(result, PaymentResult):  # pragma: no cover - what submit returns
            raise TypeError(f"not a payment: {result!r}")
        self.result = result
        self._set_busy(False)
        self.paid.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> bool:
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            ours = [p for p in exc.problems if p.field in self.boxes]
            if not ours and self._on_invalid is not None and self._on_invalid(exc):
                self.reject()
                return True
            self.show_problems(exc.problems)
            return True
        if isinstance(exc, KnownError):
            if self._on_refused is not None and self._on_refused(exc):
                self.reject()
                return True
            message = exc.message
            if isinstance(exc, ConnectionProblem):
                message += (
                    "\n\nTrying again is safe: if the payment reached the office, it is "
                    "recorded only once."
                )
            self.show_problems([FieldProblem("", message)])
            return True
        return False  # a bug: the runner shows "something went wrong" with the details

    def _set_busy(self, busy: bool) -> None:
        super()._set_busy(busy)
        self.cancel_button.setEnabled(not busy)
        self.tender_area.setEnabled(not busy)
        self._update_pay_enabled()

    @property
    def busy(self) -> bool:
        return self._saving

    def reject(self) -> None:
        # Closing while the payment is on its way would lose its receipt.
        if not self._saving:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._saving:
            event.ignore()
        else:
            super().closeEvent(event)

    def clear_problems(self) -> None:
        super().clear_problems()
        for box in self._references.values():  # the other tender's too
            box.show_problem(None)


class MakesReceipts(Protocol):
    """A service that prints a payment's receipt."""

    def receipt_pdf(self, payment_id: int) -> bytes: ...


def show_receipt(
    parent: QWidget | None,
    runner: OperationRunner,
    service: MakesReceipts,
    payment: PaymentResult,
) -> None:
    """Fetch the payment's receipt off the GUI thread and open it in the print preview."""
    owner = parent if parent is not None else runner
    number = payment.receipt_number
    payment_id = payment.payment_id

    def opened(pdf: bytes) -> None:
        dialog = DocumentPreviewDialog(f"Receipt {number}", pdf, f"{number}.pdf", parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if parent is None:
            # Nothing else holds a window without a parent: keep it until it is closed.
            _OPEN_RECEIPTS.add(dialog)
            dialog.finished.connect(lambda _code: _OPEN_RECEIPTS.discard(dialog))
        dialog.open()

    runner.run(
        lambda: service.receipt_pdf(payment_id),
        while_alive(owner, opened),
        failure_while_alive(owner, lambda _exc: None),
        parent=parent,
    )
