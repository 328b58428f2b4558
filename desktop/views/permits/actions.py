"""Renewing, transferring and cancelling a permit, and the words the permit desk shares.

The dialogs here only collect and check what the clerk chose; the desk runs the
service call off the GUI thread and hands refusals back while the dialog stays
open, so nothing chosen or typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.errors import FieldProblem, ValidationError
from desktop.services.localization import format_money, format_period, parse_money
from desktop.services.parkers import VehicleRecord
from desktop.services.permits import (
    TENDER_TITLES,
    PermitInfo,
    Quote,
    RefundEstimate,
)
from desktop.views.kit.forms import FieldBox, FormDialog, form_style
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import alive, grow_to_fit, mark_invalid

EN_DASH = "\u2013"

#: Money the parker gets back, and money the parker owes, in the colours of the desk.
CREDIT_COLOUR = "#1e7b34"
OWED_COLOUR = "#b42318"


# -- words for people ---------------------------------------------------------------------


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
    label = QLabel(text)
    label.setStyleSheet("font-weight: 600;")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _wrapped(text: str = "", *, hint: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if hint:
        label.setObjectName("hint")
    return label


def _problem_label() -> QLabel:
    label = QLabel()
    label.setObjectName("formError")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.hide()
    return label


# -- a note or a reason -------------------------------------------------------------------


class NoteDialog(QDialog):
    """Asks for a reason or a note; when it is required, the action waits for one."""

    def __init__(
        self,
        title: str,
        prompt: str,
        action: str,
        *,
        required: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.required = required
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 14)
        self.text.setAccessibleName("Note" if not required else "Reason")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(action)
        self.ok.setProperty("primary", True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.text.textChanged.connect(self._update_ok)
        layout = QVBoxLayout(self)
        layout.addWidget(_wrapped(prompt))
        layout.addWidget(self.text)
        layout.addWidget(self.buttons)
        self._update_ok()
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_ok(self) -> None:
        self.ok.setEnabled(not self.required or len(self.note()) >= 3)

    def note(self) -> str:
        return self.text.toPlainText().strip()


# -- transfer -------------------------------------------------------------------------------


class TransferDialog(QDialog):
    """Moves a permit from one of its vehicles to another vehicle of the same parker."""

    #: (vehicle leaving, vehicle joining): the desk transfers and answers with done/problem.
    submitted = Signal(int, int)

    def __init__(
        self,
        permit: PermitInfo,
        vehicles: Sequence[VehicleRecord],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.permit = permit
        self.setWindowTitle(f"Transfer permit {permit.number}")
        self.setMinimumWidth(460)
        self.setStyleSheet(form_style())
        on_permit = {v.vehicle_id for v in permit.current_vehicles}
        self.leaving = QComboBox()
        self.leaving.setAccessibleName("Vehicle leaving the permit")
        for vehicle in permit.current_vehicles:
            self.leaving.addItem(vehicle.plate, vehicle.vehicle_id)
        self.joining = QComboBox()
        self.joining.setAccessibleName("Vehicle joining the permit")
        for record in vehicles:
            if record.active and record.id not in on_permit:
                self.joining.addItem(vehicle_title(record), record.id)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Vehicle leaving", self.leaving)
        form.addRow("Vehicle joining", self.joining)

        self.explanation = _wrapped(
            "The permit covers the joining vehicle from now on; the leaving vehicle's "
            "coverage ends now. The dates and the price do not change.",
            hint=True,
        )
        self.none_label = _wrapped(
            "This parker has no other active vehicle. Add one on the Parkers & vehicles desk "
            "first, then transfer.",
        )
        self.problem = _problem_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.transfer_button = QPushButton("Transfer")
        self.transfer_button.setProperty("primary", True)
        self.transfer_button.setDefault(True)
        self.buttons.addButton(self.transfer_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(_title_label(describe_permit(permit)))
        layout.addLayout(form)
        layout.addWidget(self.explanation)
        layout.addWidget(self.none_label)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        possible = self.joining.count() > 0 and self.leaving.count() > 0
        self.none_label.setVisible(self.joining.count() == 0)
        self.transfer_button.setEnabled(possible)
        self.joining.setEnabled(possible)
        (self.joining if possible else self.buttons).setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        if not self.transfer_button.isEnabled():
            return
        leaving, joining = self.leaving.currentData(), self.joining.currentData()
        if leaving is None or joining is None:
            self.show_problem("Choose the vehicle leaving and the vehicle joining.")
            return
        self.set_busy(True)
        self.submitted.emit(int(leaving), int(joining))

    def set_busy(self, busy: bool) -> None:
        self.transfer_button.setEnabled(not busy)
        self.transfer_button.setText("Transferring…" if busy else "Transfer")

    def show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()
        grow_to_fit(self)


# -- cancel ---------------------------------------------------------------------------------


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


class CancelPermitDialog(QDialog):
    """Shows what cancelling refunds and asks why; the refund's tender comes next."""

    def __init__(
        self,
        permit: PermitInfo,
        estimate: RefundEstimate,
        currency: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.permit = permit
        self.estimate = estimate
        self.setWindowTitle(f"Cancel permit {permit.number}")
        self.setMinimumWidth(500)
        self.setStyleSheet(form_style())
        refund_text, next_text = refund_words(estimate, currency)
        self.refund_label = _wrapped(refund_text)
        self.refund_label.setObjectName("refundAmount")
        self.refund_label.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.next_label = _wrapped(next_text, hint=True)
        if estimate.needs_approval:
            self.next_label.setObjectName("approvalNote")
            self.next_label.setStyleSheet(
                "color: #7a4b00; background: #fff4ce; border: 1px solid #e8cf7a; "
                "border-radius: 3px; padding: 6px;"
            )

        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName("Reason for cancelling")
        self.reason.setPlaceholderText("e.g. Moved off campus; graduated; sold the car")
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        reason_caption = QLabel("Why is the permit cancelled? (required)")
        reason_caption.setBuddy(self.reason)
        self.problem = _problem_label()

        self.buttons = QDialogButtonBox()
        self.go_button = QPushButton(
            "Continue to refund…" if self.needs_tender else "Cancel permit"
        )
        self.go_button.setProperty("primary", True)
        self.buttons.addButton(self.go_button, QDialogButtonBox.ButtonRole.AcceptRole)
        keep = self.buttons.addButton("Keep permit", QDialogButtonBox.ButtonRole.RejectRole)
        keep.setDefault(True)  # Enter never cancels a permit by accident
        self.go_button.setAutoDefault(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(self._reason_edited)

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(_title_label(describe_permit(permit)))
        layout.addWidget(self.refund_label)
        layout.addWidget(self.next_label)
        layout.addSpacing(4)
        layout.addWidget(reason_caption)
        layout.addWidget(self.reason)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._reason_edited()
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def needs_tender(self) -> bool:
        """The refund is paid out at once, so the clerk says how."""
        return self.estimate.amount > 0 and not self.estimate.needs_approval

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    def _reason_edited(self) -> None:
        self.go_button.setEnabled(len(self.reason_text()) >= 3)
        if self.problem.isVisible() and len(self.reason_text()) >= 3:
            self.problem.hide()
            mark_invalid(self.reason, False)

    def submit(self) -> None:
        if len(self.reason_text()) < 3:
            self.show_problem("Say why the permit is cancelled.")
            return
        self.accept()

    def show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()
        mark_invalid(self.reason, True)
        grow_to_fit(self)


# -- a fee ----------------------------------------------------------------------------------


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
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText("e.g. 25.00")
        self.amount_edit.setAccessibleName("Amount")
        self.memo = QLineEdit()
        self.memo.setMaxLength(200)
        self.memo.setPlaceholderText("e.g. Replacement hang tag")
        self.memo.setAccessibleName("What the fee is for")
        self.boxes = {
            "amount": FieldBox(f"&Amount ({currency})", self.amount_edit),
            "memo": FieldBox("&For", self.memo),
        }
        fields = QVBoxLayout()
        fields.addWidget(self.boxes["amount"])
        fields.addWidget(self.boxes["memo"])
        self._finish_layout(fields)
        self.amount_edit.textEdited.connect(lambda _t: self._edited("amount"))
        self.memo.textEdited.connect(lambda _t: self._edited("memo"))
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
