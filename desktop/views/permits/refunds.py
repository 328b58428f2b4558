"""The permit desk's Refunds tab: refunds awaiting a manager's approval or a clerk's payout.

Managers approve or refuse what is above the office's approval limit (with a note);
clerks pay out what was approved, in the tender it was paid with unless a manager
agreed otherwise. The list follows every desk's changes live.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.services.errors import KnownError
from desktop.services.localization import format_money
from desktop.services.permits import REFUND_TITLES, PaymentResult, PermitService, RefundInfo
from desktop.views.kit.forms import NoteDialog
from desktop.views.kit.live import LiveBatch, LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.tables import DeskTable
from desktop.views.kit.widgets import EmptyState, failure_while_alive, while_alive
from desktop.views.permits.host import DialogHost
from desktop.views.permits.lists import refunds_model

log = logging.getLogger(__name__)

#: Changes that can alter the list of refunds.
REFUND_TABLES = ("refund", "permit", "payment")
LIVE_DELAY_MS = 200

#: Refund list filters: (title, status or None for all).
REFUND_FILTERS = (
    ("Awaiting approval", "pending"),
    ("Approved, to be paid", "approved"),
    ("Paid", "paid"),
    ("Refused", "rejected"),
    ("All refunds", None),
)
EMPTY_REFUNDS = {
    "pending": "No refunds await approval",
    "approved": "No approved refunds to pay out",
    "paid": "No refunds paid yet",
    "rejected": "No refused refunds",
}


class RefundsPanel(QWidget):
    """Refunds by status; approve or refuse (managers), pay out (clerks)."""

    #: The person wants the parker of the chosen refund opened (their id).
    open_parker_requested = Signal(int)
    #: How many refunds wait for this person: approval for managers, payout for clerks.
    waiting_changed = Signal(int)
    #: A refund was paid out (the open parker's account changed).
    refund_paid = Signal()

    def __init__(
        self,
        service: PermitService,
        runner: OperationRunner,
        live: LiveChanges,
        host: DialogHost,
        *,
        editable: bool,
        is_manager: bool,
        currency: Callable[[], str],
        zone: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self.host = service, runner, host
        self.editable, self.is_manager = editable, is_manager
        self.currency = currency
        self._refunds: list[RefundInfo] = []
        self.model = refunds_model(currency, zone, self)

        self.filter = QComboBox()
        self.filter.setAccessibleName("Show refunds")
        for title, status in REFUND_FILTERS:
            self.filter.addItem(title, status)
        self.filter.setCurrentIndex(0 if is_manager or not editable else 1)
        self.view = DeskTable(self.model)
        self.empty = EmptyState("", "")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setObjectName("hint")

        self.approve_button = self._button("Approve…", lambda: self.decide(approve=True))
        self.approve_button.setProperty("primary", True)
        self.refuse_button = self._button("Refuse…", lambda: self.decide(approve=False))
        self.pay_refund_button = self._button("Pay refund…", self.pay)
        self.pay_refund_button.setProperty("primary", True)
        self.parker_button = self._button("Open parker", self._open_parker)
        self.approve_button.setVisible(is_manager)
        self.refuse_button.setVisible(is_manager)
        self.pay_refund_button.setVisible(editable)
        self._lay_out()

        self.filter.currentIndexChanged.connect(lambda _i: self._show())
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.view.activated.connect(lambda _index: self._default_action())
        LiveBatch(live, LIVE_DELAY_MS, self).watch(REFUND_TABLES, self.reload)

    @staticmethod
    def _button(text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        return button

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        top.addWidget(self.filter)
        top.addStretch(1)
        buttons = QHBoxLayout()
        for button in (self.approve_button, self.refuse_button, self.pay_refund_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.parker_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        service = self.service

        def arrived(refunds: list[RefundInfo]) -> None:
            self._refunds = refunds
            self._show()

        def failed(exc: BaseException) -> bool:
            log.info("loading refunds failed: %s", exc)
            return isinstance(exc, KnownError)

        self.runner.run(
            lambda: service.refunds(status=None),
            while_alive(self, arrived),
            failure_while_alive(self, failed),
        )

    def _show(self) -> None:
        keep = self.selected()
        status = self.filter.currentData()
        shown = [r for r in self._refunds if status is None or r.status == status]
        self.model.set_rows(shown)
        self.view.select_key(keep.id if keep is not None else None)
        waiting = "pending" if self.is_manager else "approved"
        self.waiting_changed.emit(sum(1 for r in self._refunds if r.status == waiting))
        if shown:
            self.stack.setCurrentWidget(self.view)
        else:
            self.empty.title.setText(EMPTY_REFUNDS.get(status, "No refunds yet"))
            self.empty.text.setText(
                "Refunds above the office's approval limit wait here for a manager; approved "
                "ones wait here for a clerk to pay them out."
            )
            self.stack.setCurrentWidget(self.empty)
        self._update_buttons()

    def selected(self) -> RefundInfo | None:
        refund: RefundInfo | None = self.view.current_row()
        return refund

    def _update_buttons(self) -> None:
        refund = self.selected()
        pending = refund is not None and refund.status == "pending"
        self.approve_button.setEnabled(self.is_manager and pending)
        self.refuse_button.setEnabled(self.is_manager and pending)
        self.pay_refund_button.setEnabled(
            self.editable and refund is not None and refund.status == "approved"
        )
        self.parker_button.setEnabled(refund is not None and refund.parker_id is not None)
        if refund is None:
            self.detail.setText("")
            return
        text = f"{refund.permit_number} for {refund.parker_name}: {refund.reason}"
        if refund.decided_by:
            decision = REFUND_TITLES.get(refund.status, refund.status).lower()
            text += f" \u2014 {decision} by {refund.decided_by}"
            if refund.decision_note:
                text += f": {refund.decision_note}"
        self.detail.setText(text)

    # -- deciding and paying --------------------------------------------------------------------

    def _default_action(self) -> None:
        if self.approve_button.isEnabled():
            self.decide(approve=True)
        elif self.pay_refund_button.isEnabled():
            self.pay()

    def decide(self, *, approve: bool) -> None:
        refund = self.selected()
        if not self.is_manager or refund is None or refund.status != "pending":
            return
        amount = format_money(refund.amount, self.currency())
        if approve:
            dialog = NoteDialog(
                "Approve refund",
                f"Approve the refund of {amount} to {refund.parker_name} for cancelled permit "
                f"{refund.permit_number}? A clerk then pays it out. A note is optional.",
                "Approve",
                required=False,
                parent=self,
            )
        else:
            dialog = NoteDialog(
                "Refuse refund",
                f"Why is the refund of {amount} to {refund.parker_name} refused? The note is "
                "kept with the refund.",
                "Refuse",
                required=True,
                parent=self,
            )
        service, refund_id = self.service, refund.id

        def decided() -> None:
            note = dialog.note()
            self.runner.run(
                lambda: service.decide_refund(refund_id, approve, note),
                while_alive(self, lambda _none: self.reload()),
                write=True,
                parent=self,
            )

        dialog.accepted.connect(decided)
        self.host.open_action(dialog)

    def pay(self) -> None:
        refund = self.selected()
        if not self.editable or refund is None or refund.status != "approved":
            return
        service, refund_id = self.service, refund.id

        def paid(payment: PaymentResult) -> None:
            self.host.show_receipt(payment)
            self.reload()
            self.refund_paid.emit()

        self.host.open_payment(
            title=f"Pay refund for {refund.permit_number}",
            description=(
                f"Refund to {refund.parker_name} for cancelled permit {refund.permit_number}."
            ),
            amount=refund.amount,
            submit=lambda key, tender: service.pay_refund(key, refund_id, tender),
            paid=paid,
            direction="out",
            tender=refund.original_tender if refund.original_tender != "none" else None,
        )

    def _open_parker(self) -> None:
        refund = self.selected()
        if refund is not None and refund.parker_id is not None:
            self.open_parker_requested.emit(refund.parker_id)
