"""The permit desk's Refunds tab: refunds awaiting a manager's approval or a clerk's payout.

Managers approve or refuse what is above the office's approval limit (with a note);
clerks pay out what was approved, in the tender it was paid with unless a manager
agreed otherwise. The list follows every desk's changes live.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from desktop.services.errors import KnownError
from desktop.services.localization import format_money
from desktop.services.permits import REFUND_TITLES, PaymentResult, PermitService, RefundInfo
from desktop.views.kit.forms import NoteDialog
from desktop.views.kit.layout import STRETCH, button, choice_box, hbox, label, stack, vbox
from desktop.views.kit.live import LiveBatch, LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.table_view import DeskTable
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

        self.filter = choice_box(
            [title for title, _status in REFUND_FILTERS],
            data=[status for _title, status in REFUND_FILTERS],
            placeholder="",
        )
        self.filter.setAccessibleName("Show refunds")
        self.filter.setCurrentIndex(0 if is_manager or not editable else 1)
        self.view = DeskTable(self.model)
        self.empty = EmptyState(
            "",
            "Refunds above the office's approval limit wait here for a manager; approved ones "
            "wait here for a clerk to pay them out.",
        )
        self.stack = stack(self.view, self.empty)
        self.detail = label(name="hint", wrap=True, plain=True)
        self.approve_button = button(
            "Approve…", lambda: self.decide(approve=True), primary=True, visible=is_manager
        )
        self.refuse_button = button(
            "Refuse…", lambda: self.decide(approve=False), visible=is_manager
        )
        self.pay_refund_button = button("Pay refund…", self.pay, primary=True, visible=editable)
        self.parker_button = button("Open parker", self._open_parker)
        vbox(
            hbox(label("Show"), self.filter, STRETCH),
            (self.stack, 1),
            self.detail,
            hbox(
                self.approve_button,
                self.refuse_button,
                self.pay_refund_button,
                STRETCH,
                self.parker_button,
            ),
            margins=(0, 8, 0, 0),
            parent=self,
        )
        self.filter.currentIndexChanged.connect(lambda _i: self._show())
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.view.activated.connect(lambda _index: self._default_action())
        LiveBatch(live, LIVE_DELAY_MS, self).watch(REFUND_TABLES, self.reload)

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
        self.empty.title.setText(EMPTY_REFUNDS.get(status, "No refunds yet"))
        self.stack.setCurrentWidget(self.view if shown else self.empty)
        self._update_buttons()

    def selected(self) -> RefundInfo | None:
        return cast("RefundInfo | None", self.view.current_row())

    def _update_buttons(self) -> None:
        refund = self.selected()
        status = refund.status if refund is not None else None
        # Whoever asked for a refund does not decide it (the database refuses too).
        own = refund is not None and refund.requested_by == self.service.workspace.identity.login
        decidable = self.is_manager and status == "pending" and not own
        self.approve_button.setEnabled(decidable)
        self.refuse_button.setEnabled(decidable)
        self.pay_refund_button.setEnabled(self.editable and status == "approved")
        self.parker_button.setEnabled(refund is not None and refund.parker_id is not None)
        if refund is None:
            self.detail.setText("")
            return
        text = f"{refund.subject[0].upper()}{refund.subject[1:]} for {refund.parker_name}: " + (
            refund.reason
        )
        if refund.decided_by:
            decision = REFUND_TITLES.get(refund.status, refund.status).lower()
            text += f" \u2014 {decision} by {refund.decided_by}"
            if refund.decision_note:
                text += f": {refund.decision_note}"
        elif own and self.is_manager and status == "pending":
            text += " \u2014 you asked for this refund: another manager decides it."
        self.detail.setText(text)

    def _default_action(self) -> None:
        if self.approve_button.isEnabled():
            self.decide(approve=True)
        elif self.pay_refund_button.isEnabled():
            self.pay()

    def decide(self, *, approve: bool) -> None:
        refund = self.selected()
        if not self.is_manager or refund is None or refund.status != "pending":
            return
        who = f"{format_money(refund.amount, self.currency())} to {refund.parker_name}"
        prompt = (
            f"Approve the refund of {who} for {refund.subject}? A clerk "
            "then pays it out. A note is optional."
            if approve
            else f"Why is the refund of {who} refused? The note is kept with the refund."
        )
        action = "Approve" if approve else "Refuse"
        dialog = NoteDialog(f"{action} refund", prompt, action, required=not approve, parent=self)
        service, refund_id = self.service, refund.id

        def decided() -> None:
            note = dialog.note()
            self.runner.run_for(
                self,
                lambda: service.decide_refund(refund_id, approve, note),
                lambda _none: self.reload(),
                write=True,
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
            description=f"Refund to {refund.parker_name} for {refund.subject}.",
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
