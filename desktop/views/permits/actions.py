"""Renewing, transferring and cancelling a permit, and the words the permit desk shares.

The dialogs here only collect and check what the clerk chose; the desk runs the
service call off the GUI thread and hands refusals back while the dialog stays
open, so nothing chosen or typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QWidget

from desktop.services.errors import ConflictError, FieldProblem, KnownError, ValidationError
from desktop.services.localization import format_money, format_period, parse_money
from desktop.services.parkers import VehicleRecord
from desktop.services.permits import TENDER_TITLES, PermitInfo, PermitService, Quote, RefundEstimate
from desktop.views.kit.forms import FieldBox, FormDialog, text_box
from desktop.views.kit.layout import Space, choice_box, label, line_edit, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import alive

#: Money the parker gets back, and money the parker owes, in the colours of the desk.
CREDIT_COLOUR = "#1e7b34"
OWED_COLOUR = "#b42318"


def describe_quote(quote: Quote, currency: str) -> str:
    """'$400.00 for 21 Nov 2026 to 31 Aug 2027, prorated from $480.00' (with an en dash)."""
    text = (
        f"{format_money(quote.price, currency)} for "
        f"{format_period(quote.first_day, quote.last_day)}"
    )
    if quote.prorated:
        text += f", prorated from {format_money(quote.full_price, currency)}"
    return text


def permit_plates(permit: PermitInfo) -> str:
    """The plates the permit covers now: 'ON ABC123, ON XYZ789', or a dash."""
    return ", ".join(v.plate for v in permit.current_vehicles) or "\u2014"


def vehicle_title(vehicle: VehicleRecord) -> str:
    """'ON ABC123 — Silver 2020 Toyota Corolla', or the plate alone."""
    description = vehicle.description
    if description == "\u2014":
        return vehicle.plate_display
    return f"{vehicle.plate_display} \u2014 {description}"


def describe_permit(permit: PermitInfo) -> str:
    """'P-0000123, Staff annual, Lot B, 1 Sep 2026 to 31 Aug 2027' (with an en dash)."""
    return (
        f"{permit.number}, {permit.title}, {permit.lot_name}, "
        f"{format_period(permit.first_day, permit.last_day)}"
    )


def tender_words(tender: str | None) -> str:
    """'card' -> 'card', 'account' -> 'charge to account': for 'paid by …'."""
    if not tender:
        return ""
    return TENDER_TITLES.get(tender, tender).lower()


def run_later(owner: QObject, fn: Callable[[], None]) -> None:
    """Run ``fn`` once control is back in the event loop, unless ``owner`` has gone by then.

    A question asked from inside a runner's callback would start a nested event loop
    there; asked a moment later, the operation has finished its bookkeeping.
    """

    def call() -> None:
        if alive(owner):
            fn()

    QTimer.singleShot(0, call)


def _title_label(text: str) -> QLabel:
    return label(text, wrap=True, plain=True, style="font-weight: 600;")


class TransferDialog(FormDialog):
    """Moves a permit from one of its vehicles to another vehicle of the same parker.

    :attr:`saved` carries the permit as it is after the transfer.
    """

    FIELDS = ("leaving", "joining")

    def __init__(
        self,
        service: PermitService,
        runner: OperationRunner,
        permit: PermitInfo,
        vehicles: Sequence[VehicleRecord],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, accept_text="Transfer", busy_text="Transferring…", parent=parent)
        self.service, self.permit = service, permit
        self.setWindowTitle(f"Transfer permit {permit.number}")
        self.setMinimumWidth(460)
        leaving = permit.current_vehicles
        on_permit = {v.vehicle_id for v in leaving}
        joining = [r for r in vehicles if r.active and r.id not in on_permit]
        self.leaving = choice_box(
            [v.plate for v in leaving], data=[v.vehicle_id for v in leaving], placeholder=""
        )
        self.joining = choice_box(
            [vehicle_title(r) for r in joining], data=[r.id for r in joining], placeholder=""
        )
        for combo, name in ((self.leaving, "leaving"), (self.joining, "joining")):
            combo.setAccessibleName(f"Vehicle {name} the permit")
            combo.setCurrentIndex(0 if combo.count() else -1)
        self.boxes = {
            "leaving": FieldBox("Vehicle &leaving", self.leaving),
            "joining": FieldBox("Vehicle &joining", self.joining),
        }
        self.explanation = label(
            "The permit covers the joining vehicle from now on; the leaving vehicle's "
            "coverage ends now. The dates and the price do not change.",
            name="hint",
            wrap=True,
            plain=True,
        )
        self.none_label = label(
            "This parker has no other active vehicle. Add one on the Parkers & vehicles desk "
            "first, then transfer.",
            wrap=True,
            plain=True,
        )
        self._finish_layout(
            vbox(
                _title_label(describe_permit(permit)),
                self.boxes["leaving"],
                self.boxes["joining"],
                self.explanation,
                self.none_label,
            )
        )
        possible = self.joining.count() > 0 and self.leaving.count() > 0
        self.none_label.setVisible(self.joining.count() == 0)
        self.transfer_button = self.save_button
        if self.transfer_button is not None:
            self.transfer_button.setEnabled(possible)
        self.joining.setEnabled(possible)
        (self.joining if possible else self.buttons).setFocus(Qt.FocusReason.OtherFocusReason)

    def _save_call(self) -> Callable[[], PermitInfo]:
        leaving, joining = self.leaving.currentData(), self.joining.currentData()
        if leaving is None or joining is None:
            raise ValidationError.single(
                "joining", "Choose the vehicle leaving and the vehicle joining."
            )
        service, permit_id = self.service, self.permit.id
        return lambda: service.transfer(permit_id, int(leaving), int(joining))

    def _failed(self, exc: BaseException) -> bool:
        if isinstance(exc, KnownError) and not isinstance(exc, ValidationError | ConflictError):
            # Refused (the vehicle has a permit in that lot meanwhile): said here.
            self._set_busy(False)
            self.show_problems([FieldProblem("", exc.message)])
            return True
        return super()._failed(exc)


def refund_words(estimate: RefundEstimate, currency: str) -> tuple[str, str]:
    """What cancelling refunds, and what happens next."""
    amount = format_money(estimate.amount, currency)
    if estimate.amount <= 0:
        return "No refund: the permit's paid days are used up.", "The permit ends now."
    if estimate.needs_approval:
        return (
            f"Refund of {amount} for the unused days.",
            "This refund is above the office's approval limit, so it needs a manager's "
            "approval. The permit ends now; the refund is paid once a manager approves it.",
        )
    original = estimate.original_detail or tender_words(estimate.original_tender)
    return (
        f"Refund of {amount} for the unused days.",
        "Next, choose how the refund is paid"
        + (
            f". It goes back the way the permit was paid: {original}. Another tender needs "
            "a manager's approval."
            if original
            else "."
        ),
    )


class CancelPermitDialog(FormDialog):
    """Shows what cancelling refunds and asks why; the refund's tender comes next."""

    FIELDS = ("reason",)

    def __init__(
        self,
        permit: PermitInfo,
        estimate: RefundEstimate,
        currency: str,
        parent: QWidget | None = None,
    ) -> None:
        go = (
            "Continue to refund…"
            if estimate.amount > 0 and not estimate.needs_approval
            else "Cancel permit"
        )
        super().__init__(None, accept_text=go, parent=parent)
        self.permit, self.estimate = permit, estimate
        self.setWindowTitle(f"Cancel permit {permit.number}")
        self.setMinimumWidth(500)
        refund_text, next_text = refund_words(estimate, currency)
        self.refund_label = label(
            refund_text,
            name="refundAmount",
            wrap=True,
            plain=True,
            style="font-size: 12pt; font-weight: 600;",
        )
        self.next_label = label(next_text, name="hint", wrap=True, plain=True)
        if estimate.needs_approval:
            self.next_label.setObjectName("approvalNote")
            self.next_label.setStyleSheet(
                "color: #7a4b00; background: #fff4ce; border: 1px solid #e8cf7a; "
                "border-radius: 3px; padding: 6px;"
            )
        self.reason = text_box(3, "Reason for cancelling")
        self.reason.setPlaceholderText("e.g. Moved off campus; graduated; sold the car")
        self.boxes = {"reason": FieldBox("Why is the permit cancelled? (required)", self.reason)}
        self.go_button = self.save_button
        # Enter never cancels a permit by accident: it keeps it.
        keep = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        keep.setText("Keep permit")
        keep.setDefault(True)
        if self.go_button is not None:
            self.go_button.setDefault(False)
            self.go_button.setAutoDefault(False)
        self.reason.textChanged.connect(self._reason_edited)
        self._finish_layout(
            vbox(
                _title_label(describe_permit(permit)),
                self.refund_label,
                self.next_label,
                Space(4),
                self.boxes["reason"],
                spacing=8,
            )
        )
        self._reason_edited()
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    def _reason_edited(self) -> None:
        enough = len(self.reason_text()) >= 3
        if self.go_button is not None:
            self.go_button.setEnabled(enough)
        if enough:
            self._edited("reason")

    def _save_call(self) -> None:
        if len(self.reason_text()) < 3:
            raise ValidationError.single("reason", "Say why the permit is cancelled.")


class FeeDialog(FormDialog):
    """A fee charged at the counter (a replacement hang tag, a late fee): amount and what for."""

    FIELDS = ("amount", "memo")

    def __init__(
        self,
        parker_name: str,
        currency: str,
        runner: OperationRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, accept_text="Continue to payment…", parent=parent)
        self.setWindowTitle(f"Charge a fee to {parker_name}")
        self.setMinimumWidth(420)
        self.currency = currency
        self.amount_edit = line_edit(placeholder="e.g. 25.00")
        self.amount_edit.setAccessibleName("Amount")
        self.memo = line_edit(placeholder="e.g. Replacement hang tag", max_length=200)
        self.memo.setAccessibleName("What the fee is for")
        amount = self.field("amount", f"&Amount ({currency})", self.amount_edit)
        self._finish_layout(vbox(amount, self.field("memo", "&For", self.memo), margins=None))
        self.value = Decimal(0)

    def _save_call(self) -> None:
        problems: list[FieldProblem] = []
        try:
            self.value = parse_money(
                self.amount_edit.text(),
                field="amount",
                label="the amount",
                currency=self.currency,
                allow_zero=False,
            )
        except ValidationError as exc:
            problems.extend(exc.problems)
        if len(self.memo.text().strip()) < 3:
            problems.append(FieldProblem("memo", "Say what the fee is for."))
        if problems:
            raise ValidationError(problems)

    def memo_text(self) -> str:
        return self.memo.text().strip()
