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
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QWidget

from desktop.services.errors import KnownError, ValidationError
from desktop.services.permits import PaymentResult, PermitService, Tender
from desktop.views.kit.operations import OperationRunner

if TYPE_CHECKING:
    from desktop.views.permits.payment_dialog import PaymentDialog
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
        from desktop.views.permits.payment_dialog import PaymentDialog

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
        from desktop.views.permits.payment_dialog import show_receipt

        show_receipt(self.parent, self.runner, self.service, payment)
