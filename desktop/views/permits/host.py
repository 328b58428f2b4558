"""The permit desk's dialogs, one of each kind open at a time, shared by its panels.

A clerk works one thing through at a time: an action (cancel, transfer, a note, a
temporary permit) and then, perhaps, its payment. The host opens them window-modal,
remembers which is open (a second click does not open a second dialog, and tests find
them here) and forgets them when they close.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from PySide6.QtWidgets import QDialog, QPushButton, QWidget

from desktop.services.errors import FieldProblem, KnownError, ValidationError
from desktop.services.permits import PaymentResult, PermitService, Tender
from desktop.views.kit.forms import FormDialog
from desktop.views.kit.operations import OperationRunner

if TYPE_CHECKING:
    from desktop.views.kit.payment import PaymentDialog
    from desktop.views.permits.sale import SellPermitDialog


class DialogHost:
    """Opens the desk's action and payment dialogs and receipts over ``parent``."""

    def __init__(
        self,
        parent: QWidget,
        runner: OperationRunner,
        service: PermitService,
        currency: Callable[[], str],
    ) -> None:
        self.parent = parent
        self.runner = runner
        self.service = service
        self.currency = currency
        self.action_dialog: QDialog | None = None
        self.payment_dialog: PaymentDialog | None = None
        self.sell_dialog: SellPermitDialog | None = None

    def open_action(self, dialog: QDialog) -> None:
        self._open(dialog, "action_dialog")

    def open_sale(self, dialog: SellPermitDialog) -> None:
        self._open(dialog, "sell_dialog")

    def _open(self, dialog: QDialog, slot: str) -> None:
        setattr(self, slot, dialog)

        def closed(_result: int) -> None:
            if getattr(self, slot) is dialog:
                setattr(self, slot, None)
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()

    def open_payment(
        self,
        *,
        title: str,
        description: str,
        amount: Decimal,
        submit: Callable[[uuid.UUID, Tender], PaymentResult],
        paid: Callable[[PaymentResult], None],
        direction: str = "in",
        tender: str | None = None,
        on_refused: Callable[[KnownError], bool] | None = None,
        on_invalid: Callable[[ValidationError], bool] | None = None,
    ) -> None:
        from desktop.views.kit.payment import PaymentDialog

        dialog = PaymentDialog(
            title=title,
            description=description,
            amount=amount,
            currency=self.currency(),
            submit=submit,
            runner=self.runner,
            direction=direction,
            on_refused=on_refused,
            on_invalid=on_invalid,
            parent=self.parent,
        )
        if tender:
            dialog.set_tender(tender)
        dialog.paid.connect(paid)
        self._open(dialog, "payment_dialog")

    def show_receipt(self, payment: PaymentResult) -> None:
        from desktop.views.kit.payment import show_receipt

        show_receipt(self.parent, self.runner, self.service, payment)


class PaidForm(FormDialog):
    """A form that only checks what was chosen, then opens the payment that does the work
    (sells the permit, issues it). It closes once that is paid for; what the database
    refuses meanwhile comes back under its fields."""

    #: Takes the payment and fetches the figures (the form itself saves nothing).
    runner: OperationRunner

    def __init__(
        self,
        service: PermitService,
        runner: OperationRunner,
        currency: str,
        accept_text: str,
        parent: QWidget | None,
    ) -> None:
        super().__init__(runner, accept_text=accept_text, parent=parent)
        # Never read-only: the form always goes on to the payment.
        self.continue_button = cast("QPushButton", self.save_button)
        self.service, self.currency = service, currency
        self.host = DialogHost(self, runner, service, lambda: currency)
        self.payment: PaymentResult | None = None

    @property
    def payment_dialog(self) -> PaymentDialog | None:
        """The payment dialog of this form while it is open."""
        return self.host.payment_dialog

    def problems(self) -> list[FieldProblem]:
        """What the database would refuse, found before the payment is taken."""
        raise NotImplementedError

    def _save_call(self) -> None:
        """Only checks here: the payment does the work (see :meth:`_pay`)."""
        # The old messages go first, so the dialog makes room for the new ones alone.
        self.clear_problems()
        problems = self.problems()
        if problems:
            raise ValidationError(problems)

    def _pay(
        self, title: str, description: str, amount: Decimal, work: Callable[..., PaymentResult]
    ) -> None:
        """Take the payment for ``amount``; ``work(key, tender=…)`` does the job."""
        self.host.open_payment(
            title=title,
            description=description,
            amount=amount,
            submit=lambda key, tender: work(key, tender=tender),
            paid=self._paid,
            on_refused=self._refused,
            on_invalid=self._invalid,
        )

    def _paid(self, result: PaymentResult) -> None:
        raise NotImplementedError

    def _refused(self, exc: KnownError) -> bool:
        """A refusal other than a field problem; True when this form dealt with it."""
        raise NotImplementedError

    def _invalid(self, exc: ValidationError) -> bool:
        """Problems with this form's fields are said under them, the payment closed."""
        if not any(p.field in self.boxes for p in exc.problems):
            return False
        self.show_problems(exc.problems)
        return True
