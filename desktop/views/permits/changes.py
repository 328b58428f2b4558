"""Changing the open parker's permits and account: renew, transfer, cancel, charge a fee.

Each asks the service what it needs (a renewal quote, a refund estimate), opens its
dialog and, when money moves, the payment dialog, then says on the parker's page what
happened and asks the desk to show the page again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QPushButton, QWidget

from desktop.services.errors import KnownError
from desktop.services.localization import format_money, format_period
from desktop.services.permits import (
    NO_PAYMENT,
    CancelResult,
    PaymentResult,
    PermitInfo,
    PermitService,
    Quote,
    RefundEstimate,
    Tender,
    new_payment_key,
)
from desktop.views.kit.operations import OperationRunner
from desktop.views.permits.actions import (
    CancelPermitDialog,
    FeeDialog,
    TransferDialog,
    describe_permit,
    describe_quote,
    permit_plates,
    tender_words,
)
from desktop.views.permits.host import DialogHost
from desktop.views.permits.lists import paid_words
from desktop.views.permits.page import ParkerPanel

T = TypeVar("T")


class _RefundAwaitsApproval(KnownError):
    """The database sent the refund for approval after all (the limit changed meanwhile)."""

    def __init__(self, result: CancelResult) -> None:
        super().__init__("The refund needs a manager's approval.")
        self.result = result


class PermitChanges(QObject):
    """The renewal, transfer, cancellation and fee flows for the open parker's page."""

    #: The page changed; the permit to put the cursor on (a renewal), or None.
    changed = Signal(object)

    def __init__(
        self,
        service: PermitService,
        runner: OperationRunner,
        host: DialogHost,
        *,
        panel: ParkerPanel,
        currency: Callable[[], str],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self.host = service, runner, host
        self.panel, self.currency = panel, currency
        self.owner = parent

    def _chosen(self, button: QPushButton, busy: QDialog | None) -> PermitInfo | None:
        """The chosen permit, when its button may act on it and no dialog stands in the way."""
        permit = self.panel.selected_permit()
        return permit if button.isEnabled() and busy is None else None

    def _fetch(self, call: Callable[[], T], then: Callable[[T], None]) -> None:
        """What a change needs to know first (a quote, an estimate), fetched off the GUI thread."""
        self.runner.run_for(self.owner, call, then)

    def _paid(
        self, notice: Callable[[PaymentResult], str], select: bool = False
    ) -> Callable[[PaymentResult], None]:
        """After a payment: its receipt, a notice of what happened, the page again."""

        def paid(payment: PaymentResult) -> None:
            self.host.show_receipt(payment)
            self.panel.show_notice(notice(payment))
            self.changed.emit(payment.permit_id if select else None)

        return paid

    def renew(self) -> None:
        permit = self._chosen(self.panel.renew_button, self.host.payment_dialog)
        if permit is not None:
            quote = partial(self.service.renewal_quote, permit.id)
            self._fetch(quote, lambda quote: self._renew_with(permit, quote))

    def _renew_with(self, permit: PermitInfo, quote: Quote) -> None:
        service, permit_id = self.service, permit.id
        period = format_period(quote.first_day, quote.last_day)
        self.host.open_payment(
            title=f"Renew permit {permit.number}",
            description=(
                f"Renewal of {permit.number}, {permit.title}, {permit.lot_name}: "
                f"{describe_quote(quote, self.currency())}."
            ),
            amount=quote.price,
            submit=lambda key, tender: service.renew(key, permit_id, tender),
            paid=self._paid(
                lambda payment: (
                    f"Renewed {permit.number} as {payment.permit_number} for "
                    f"{period}: " + paid_words(payment, self.currency())
                ),
                select=True,
            ),
        )

    def transfer(self) -> None:
        permit, page = self._chosen(self.panel.transfer_button, None), self.panel.page
        if permit is None or page is None:
            return
        dialog = TransferDialog(self.service, self.runner, permit, page.parker.vehicles, self.owner)

        def done(fresh: PermitInfo) -> None:
            self.panel.show_notice(f"Permit {fresh.number} now covers {permit_plates(fresh)}.")
            self.changed.emit(None)

        dialog.saved.connect(done)
        self.host.open_action(dialog)

    def cancel(self) -> None:
        permit = self._chosen(self.panel.cancel_button, self.host.action_dialog)
        if permit is not None:
            estimate = partial(self.service.refund_estimate, permit.id)
            self._fetch(estimate, lambda estimate: self._ask_cancel(permit, estimate))

    def _ask_cancel(self, permit: PermitInfo, estimate: RefundEstimate) -> None:
        if self.host.action_dialog is not None:
            return
        dialog = CancelPermitDialog(permit, estimate, self.currency(), self.owner)
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
                paid=self._paid(
                    lambda payment: self._refund_paid(permit.number, payment.amount, payment)
                ),
                direction="out",
                tender=estimate.original_tender if estimate.original_tender != "none" else None,
                on_refused=refused,
            )
            return
        key = new_payment_key()
        self.runner.run_for(
            self.owner,
            lambda: service.cancel(key, permit_id, reason, NO_PAYMENT),
            self._cancelled,
            write=True,
        )

    def _refund_paid(self, number: str, amount: Decimal, payment: PaymentResult) -> str:
        return (
            f"Cancelled {number}. Refund of {format_money(amount, self.currency())} "
            f"paid by {tender_words(payment.tender)} (receipt {payment.receipt_number})."
        )

    def _cancelled(self, result: CancelResult) -> None:
        amount = format_money(result.refund_amount, self.currency())
        number = result.permit_number
        if result.refund_id is None:
            text = f"Cancelled {number}; no refund was due."
        elif result.refund_status == "pending" and result.approval_reason == "tender":
            text = (
                f"Cancelled {number}. Refund of {amount} awaits a manager's approval: a refund "
                "goes back the way it was paid, and another tender needs one."
            )
        elif result.refund_status == "pending":
            text = f"Cancelled {number}. Refund of {amount} awaits a manager's approval."
        elif result.payment is not None:
            text = self._refund_paid(number, result.refund_amount, result.payment)
        else:
            text = f"Cancelled {number}. Refund of {amount} is approved, to be paid."
        self.panel.show_notice(text, good=result.refund_status != "pending")
        self.changed.emit(None)

    def charge_fee(self) -> None:
        page = self.panel.page
        if not self.panel.editable or page is None or self.host.action_dialog is not None:
            return
        dialog = FeeDialog(page.parker.name, self.currency(), self.runner, self.owner)
        service, parker_id = self.service, page.parker.id

        def go() -> None:
            amount, memo = dialog.value, dialog.memo_text()
            self.host.open_payment(
                title=f"Fee for {page.parker.name}",
                description=memo,
                amount=amount,
                submit=lambda key, tender: service.charge_fee(key, parker_id, amount, memo, tender),
                paid=self._paid(
                    lambda payment: f"Fee charged: {memo}, " + paid_words(payment, self.currency())
                ),
            )

        dialog.accepted.connect(go)
        self.host.open_action(dialog)
