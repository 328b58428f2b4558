"""The permit desk against the real embedded database: sell, cancel with a refund, waitlists.

Every test makes its own lots (with small capacities), permit types and parkers with a
random token in their codes and names, because all tests share one database.
"""

# qtbot's key and mouse helpers are generated at import time and carry no annotations.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import random
import secrets
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.services.parkers import ParkerDetail, ParkerInput, ParkerService, VehicleInput
from desktop.services.permits import (
    PermitService,
    RefundInfo,
    Tender,
    new_payment_key,
)
from desktop.services.workspace import Workspace
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.live import LIVE, LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.payment import PaymentDialog
from desktop.views.kit.tables import RowsModel
from desktop.views.permits.actions import CancelPermitDialog, FeeDialog, TransferDialog
from desktop.views.permits.desk import PermitDesk
from desktop.views.permits.sale import SellPermitDialog
from desktop.views.permits.temporary import TemporaryPermitDialog
from desktop.views.permits.waitlist import WaitlistPanel
from desktop.views.shell.main_window import DEFAULT_HEIGHT, DEFAULT_WIDTH, SIDEBAR_WIDTH
from tests.conftest import ROLE_LOGIN, Database
from tests.views.elision import cut_texts

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]

TIMEOUT = 20_000
MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
CARD = Tender("card", card_brand="Visa", card_last4="4242", reference="AUTH-83JD")
_PLAIN_LETTERS = "ACEFHJKMNPRTUVWXY"
_PLAIN_DIGITS = "3479"


def token() -> str:
    """Eight random letters: unique enough, and a name may hold them (not digits)."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))


def plain_plate() -> str:
    rng = random.SystemRandom()
    return "".join(rng.choice(_PLAIN_LETTERS) for _ in range(3)) + "".join(
        rng.choice(_PLAIN_DIGITS) for _ in range(4)
    )


# -- data ------------------------------------------------------------------------------------


def make_lot(database: Database, capacity: int) -> tuple[int, str]:
    """A lot of its own (as the manager), so its capacity is exactly what the test needs."""
    code = f"T{token().upper()}"
    name = f"Lot {code}"
    with database.connect("mona") as conn:
        row = conn.execute(
            "INSERT INTO lot (code, name, capacity) VALUES (%s, %s, %s) RETURNING id",
            (code, name, capacity),
        ).fetchone()
    assert row is not None
    return int(str(row[0])), name


def make_type(
    database: Database,
    lot_ids: list[int],
    *,
    name: str = "",
    price: str = "30.00",
    validity: str = "days",
    days: int | None = 30,
    term: tuple[date, date] | None = None,
    proration: str = "none",
    sale_mode: str = "first_come",
    affiliations: tuple[str, ...] = ("staff", "faculty"),
    max_vehicles: int = 2,
) -> tuple[int, str]:
    code = f"T{token().upper()}"
    name = name or f"Permit {code}"
    with database.connect("mona") as conn:
        row = conn.execute(
            "INSERT INTO permit_type (code, name, price, validity, days, term_start, term_end, "
            "affiliations, max_vehicles, sale_mode, proration) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                code,
                name,
                Decimal(price),
                validity,
                days if validity == "days" else None,
                term[0] if term else None,
                term[1] if term else None,
                list(affiliations),
                max_vehicles,
                sale_mode,
                proration,
            ),
        ).fetchone()
        assert row is not None
        type_id = int(str(row[0]))
        for lot_id in lot_ids:
            conn.execute(
                "INSERT INTO permit_type_lot (permit_type_id, lot_id) VALUES (%s, %s)",
                (type_id, lot_id),
            )
    return type_id, name


def make_parker(
    parkers: ParkerService, last: str, first: str = "Jordan", *, vehicles: int = 1
) -> ParkerDetail:
    parker = parkers.create(
        ParkerInput(first_name=first, last_name=last, affiliation="staff"), allow_duplicate=True
    )
    for _ in range(vehicles):
        parkers.add_vehicle(parker.id, VehicleInput("ON", plain_plate()), allow_duplicate=True)
    return parkers.get(parker.id)


def sell_directly(
    permits: PermitService, parker: ParkerDetail, type_id: int, lot_id: int
) -> int | None:
    """A sale made by another clerk: straight through the service."""
    payment = permits.sell(
        new_payment_key(),
        parker_id=parker.id,
        type_id=type_id,
        lot_id=lot_id,
        vehicle_ids=[parker.vehicles[0].id],
        start=date.today(),  # noqa: DTZ011 - the test database runs in the computer's zone
        tender=CARD,
    )
    return payment.permit_id


# -- the desk ----------------------------------------------------------------------------------


@dataclass
class Kit:
    desk: PermitDesk
    runner: OperationRunner
    live: LiveChanges
    parkers: ParkerService
    permits: PermitService


@pytest.fixture
def open_desk(
    qtbot: QtBot, database: Database, workspace_for: Callable[[str], Workspace]
) -> Iterator[Callable[..., Kit]]:
    """``open_desk("clerk")``: a shown desk with its own runner and live connection."""
    from desktop.services.live import ChangeListener

    kits: list[Kit] = []

    def _open(login: str = "clerk", *, live: bool = True) -> Kit:
        workspace = workspace_for(login)
        runner = OperationRunner()
        listener = ChangeListener(database.settings(ROLE_LOGIN.get(login, login)))
        changes = LiveChanges(listener, runner)
        desk = PermitDesk(workspace, runner, changes)
        qtbot.addWidget(desk)
        kit = Kit(desk, runner, changes, ParkerService(workspace), PermitService(workspace))
        kits.append(kit)
        if live:
            changes.start()
            qtbot.waitUntil(lambda: changes.state == LIVE, timeout=TIMEOUT)
        desk.resize(1280, 800)
        desk.show()
        qtbot.waitExposed(desk)
        qtbot.waitUntil(lambda: desk.office is not None, timeout=TIMEOUT)
        return kit

    yield _open
    for kit in kits:
        kit.live.stop()
        qtbot.waitUntil(lambda k=kit: not k.runner.busy, timeout=TIMEOUT)  # type: ignore[misc]


@pytest.fixture
def receipts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The receipt previews the desk opens (their titles), without showing them."""
    opened: list[str] = []

    def record(dialog: DocumentPreviewDialog) -> None:
        opened.append(dialog.windowTitle())

    monkeypatch.setattr(DocumentPreviewDialog, "open", record)
    return opened


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every question the desk asks is answered Yes; the texts are kept for the test."""
    asked: list[str] = []

    def question(_parent: Any, _title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def find_and_open(qtbot: QtBot, desk: PermitDesk, text: str, parker_id: int) -> None:
    """Type part of the name and press Enter: the first match opens."""
    desk.finder.search.setFocus()
    qtbot.keyClicks(desk.finder.search, text)
    qtbot.keyClick(desk.finder.search, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: desk.page is not None and desk.page.parker.id == parker_id, timeout=TIMEOUT
    )


def choose(dialog: SellPermitDialog, type_id: int, lot_id: int) -> None:
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData(type_id))
    dialog.lot_combo.setCurrentIndex(dialog.lot_combo.findData(lot_id))


def pay_by_card(qtbot: QtBot, payment: PaymentDialog) -> None:
    payment.set_tender("card")
    payment.brand_combo.setCurrentIndex(0)
    qtbot.keyClicks(payment.last4_edit, "4242")
    qtbot.keyClicks(payment.reference_edit, "AUTH-83JD")
    qtbot.mouseClick(payment.pay_button, Qt.MouseButton.LeftButton)


def open_sell_dialog(qtbot: QtBot, desk: PermitDesk) -> SellPermitDialog:
    qtbot.mouseClick(desk.parker_panel.sell_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.host.sell_dialog is not None, timeout=TIMEOUT)
    dialog = desk.host.sell_dialog
    assert dialog is not None
    return dialog


def payment_of(qtbot: QtBot, owner: Any) -> PaymentDialog:
    qtbot.waitUntil(lambda: isinstance(owner.payment_dialog, PaymentDialog), timeout=TIMEOUT)
    payment = owner.payment_dialog
    assert isinstance(payment, PaymentDialog)
    return payment


def column(model: RowsModel[Any], title: str) -> list[str]:
    number = model.HEADERS.index(title)
    return [str(model.index(row, number).data()) for row in range(model.rowCount())]


# -- selling ---------------------------------------------------------------------------------


def test_the_results_have_the_room_until_a_parker_is_open(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    qtbot.waitUntil(
        lambda: desk.finder.results.height() > desk.parker_panel.parker_stack.height(),
        timeout=TIMEOUT,
    )
    parker = make_parker(kit.parkers, f"Room{token()}")
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    qtbot.waitUntil(
        lambda: desk.parker_panel.parker_stack.height() > desk.finder.results.height(),
        timeout=TIMEOUT,
    )


def test_a_clerk_sells_a_permit_from_search_to_receipt(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit], receipts: list[str]
) -> None:
    kit = open_desk()
    desk = kit.desk
    tag = token()
    lot_id, lot_name = make_lot(database, 5)
    type_id, _type_name = make_type(database, [lot_id], price="30.00")
    parker = make_parker(kit.parkers, f"Sale{tag}", "Priya")

    find_and_open(qtbot, desk, f"sale{tag}", parker.id)
    assert desk.parker_panel.parker_title.text() == f"Priya Sale{tag}"
    assert desk.parker_panel.permits_stack.currentWidget() is desk.parker_panel.permits_empty
    # The Buy a permit tab lists the type with the spaces left in the lot.
    row = next(
        n for n, o in enumerate(desk.parker_panel.options_model.rows()) if o.type_id == type_id
    )
    assert column(desk.parker_panel.options_model, "Spaces left")[row] == f"{lot_name}: 5 of 5 left"
    assert column(desk.parker_panel.options_model, "For this parker")[row] == "Can buy"

    dialog = open_sell_dialog(qtbot, desk)
    choose(dialog, type_id, lot_id)
    assert dialog.lot_combo.currentText() == f"{lot_name} \u2014 5 of 5 left"
    assert [c.isChecked() for c in dialog.vehicle_checks] == [True]  # the only vehicle
    assert dialog.vehicle_checks[0].text().startswith(f"ON {parker.vehicles[0].plate_normalized}")
    assert dialog.price_label.text().startswith("$30.00 for ")
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    payment = payment_of(qtbot, dialog)
    assert payment.amount == Decimal("30.00")
    pay_by_card(qtbot, payment)

    qtbot.waitUntil(lambda: len(receipts) == 1, timeout=TIMEOUT)
    assert receipts[0].startswith("Receipt R-")
    qtbot.waitUntil(lambda: desk.parker_panel.permits_model.rowCount() == 1, timeout=TIMEOUT)
    permit = desk.parker_panel.permits_model.row(0)
    assert (permit.type_id, permit.lot_id, permit.status) == (type_id, lot_id, "active")
    assert column(desk.parker_panel.permits_model, "Status") == ["Valid"]
    assert column(desk.parker_panel.permits_model, "Vehicles") == [
        f"ON {parker.vehicles[0].plate_normalized}"
    ]
    assert column(desk.parker_panel.permits_model, "Price") == ["$30.00"]
    # At the default window size (1200 by 780, less the desk list beside the desk) no
    # title or cell of the parker's lists is cut.
    desk.resize(DEFAULT_WIDTH - SIDEBAR_WIDTH, DEFAULT_HEIGHT)
    # (On "Buy a permit", the row of this test's type: other tests' type names are long.)
    ours = [n for n, o in enumerate(desk.parker_panel.options_model.rows()) if o.type_id == type_id]
    for tab in range(desk.parker_panel.parker_tabs.count()):
        desk.parker_panel.parker_tabs.setCurrentIndex(tab)
        qtbot.wait(30)
        for view in (
            desk.parker_panel.permits_view,
            desk.parker_panel.options_view,
            desk.parker_panel.ledger_view,
            desk.parker_panel.receipts_view,
        ):
            if view.isVisible():
                rows = ours if view is desk.parker_panel.options_view else None
                assert cut_texts(view, rows) == [], desk.parker_panel.parker_tabs.tabText(tab)
    desk.parker_panel.parker_tabs.setCurrentIndex(0)
    qtbot.waitUntil(
        lambda: desk.parker_panel.balance_label.text() == "Balance: Nothing owed", timeout=TIMEOUT
    )
    assert column(desk.parker_panel.ledger_model, "What") == ["Payment", "Sale"]
    assert desk.parker_panel.notice_text().startswith(
        f"Sold permit {permit.number}: $30.00 paid by card"
    )
    # The figure on Buy a permit follows the sale.
    qtbot.waitUntil(
        lambda: (
            f"{lot_name}: 4 of 5 left" in column(desk.parker_panel.options_model, "Spaces left")
        ),
        timeout=TIMEOUT,
    )


def test_the_quote_is_prorated_and_explained(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    tag = token()
    lot_id, _lot_name = make_lot(database, 10)
    today = date.today()  # noqa: DTZ011 - the office zone is the server's, as the computer's
    start = date(today.year - 1, today.month, 1)
    end = date(today.year + 1, today.month, 1)
    type_id, _name = make_type(
        database,
        [lot_id],
        price="480.00",
        validity="term",
        term=(start, end),
        proration="monthly",
    )
    parker = make_parker(kit.parkers, f"Prorate{tag}")
    find_and_open(qtbot, desk, f"Prorate{tag}", parker.id)

    dialog = open_sell_dialog(qtbot, desk)
    choose(dialog, type_id, lot_id)
    option = dialog.option()
    assert option is not None
    assert option.quote is not None
    assert option.quote.prorated
    assert dialog.price_label.text().endswith("prorated from $480.00")
    assert dialog.price_label.text().startswith(f"{_money(option.quote.price)} for ")
    # A later start is quoted again, off the GUI thread.
    later = today.replace(day=1)
    later = date(later.year + (later.month == 12), later.month % 12 + 1, 1)
    dialog.start_edit.setDate(QDate(later.year, later.month, later.day))
    qtbot.waitUntil(lambda: not dialog._loading, timeout=TIMEOUT)
    fresh = dialog.option()
    assert fresh is not None
    assert fresh.quote is not None
    assert fresh.quote.first_day == later
    dialog.reject()


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def test_a_cash_sale_needs_the_clerks_open_shift(
    qtbot: QtBot,
    database: Database,
    open_desk: Callable[..., Kit],
    receipts: list[str],
) -> None:
    with database.connect("bruno") as conn:
        conn.execute(
            "SELECT close_shift(id, '{}'::jsonb) FROM shift_line "
            "WHERE clerk = 'bruno' AND closed_at IS NULL"
        )
    kit = open_desk("bruno", live=False)
    desk = kit.desk
    lot_id, _lot = make_lot(database, 3)
    type_id, _name = make_type(database, [lot_id], price="12.50")
    parker = make_parker(kit.parkers, f"Cash{token()}")
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    dialog = open_sell_dialog(qtbot, desk)
    choose(dialog, type_id, lot_id)
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    payment = payment_of(qtbot, dialog)
    qtbot.keyClicks(payment.tendered_edit, "20")
    qtbot.mouseClick(payment.pay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(payment.message_label.isVisible, timeout=TIMEOUT)
    assert "shift" in payment.message_label.text().lower()

    with database.connect("bruno") as conn:
        conn.execute("SELECT open_shift(50)")
    try:
        qtbot.mouseClick(payment.pay_button, Qt.MouseButton.LeftButton)  # the same key again
        qtbot.waitUntil(lambda: len(receipts) == 1, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: desk.parker_panel.permits_model.rowCount() == 1, timeout=TIMEOUT)
        assert "$12.50 paid by cash" in desk.parker_panel.notice_text()
    finally:
        with database.connect("bruno") as conn:
            conn.execute(
                "SELECT close_shift(id, '{}'::jsonb) FROM shift_line "
                "WHERE clerk = 'bruno' AND closed_at IS NULL"
            )


# -- cancelling and refunds ------------------------------------------------------------------


def test_cancelling_pays_a_small_refund_by_card_at_once(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit], receipts: list[str]
) -> None:
    kit = open_desk()
    desk = kit.desk
    lot_id, _lot = make_lot(database, 5)
    type_id, _name = make_type(database, [lot_id], price="30.00", days=30)
    parker = make_parker(kit.parkers, f"Refund{token()}")
    permit_id = sell_directly(kit.permits, parker, type_id, lot_id)
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    qtbot.waitUntil(lambda: desk.parker_panel.permits_model.rowCount() == 1, timeout=TIMEOUT)
    desk.parker_panel.permits_view.setCurrentIndex(desk.parker_panel.permits_model.index(0, 0))

    qtbot.mouseClick(desk.parker_panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: isinstance(desk.host.action_dialog, CancelPermitDialog), timeout=TIMEOUT
    )
    dialog = desk.host.action_dialog
    assert isinstance(dialog, CancelPermitDialog)
    # Sold today, 30 days: today counts as used, 29 days come back.
    assert dialog.refund_label.text() == "Refund of $29.00 for the unused days."
    assert "paid: Visa card ending 4242" in dialog.next_label.text()
    assert not dialog.go_button.isEnabled()  # the reason is required
    qtbot.keyClicks(dialog.reason, "Moved off campus")
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)

    payment = payment_of(qtbot, desk.host)
    assert payment.direction == "out"
    assert payment.tender_kind() == "card"  # the permit's own tender
    pay_by_card(qtbot, payment)

    qtbot.waitUntil(lambda: len(receipts) == 1, timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: "Refund of $29.00 paid by card" in desk.parker_panel.notice_text(), timeout=TIMEOUT
    )
    paid = [r for r in kit.permits.refunds(status="paid") if r.permit_id == permit_id]
    assert [r.amount for r in paid] == [Decimal("29.00")]
    qtbot.waitUntil(
        lambda: (
            column(desk.parker_panel.ledger_model, "What")[:2] == ["Refund paid", "Refund credit"]
        ),
        timeout=TIMEOUT,
    )
    assert column(desk.parker_panel.permits_model, "Status")[0].startswith("Cancelled")
    assert desk.parker_panel.balance_label.text() == "Balance: Nothing owed"


def test_a_card_sale_refunded_in_cash_waits_for_a_manager(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk()
    desk = kit.desk
    lot_id, _lot = make_lot(database, 5)
    type_id, _name = make_type(database, [lot_id], price="30.00", days=30)
    parker = make_parker(kit.parkers, f"Tender{token()}")
    permit_id = sell_directly(kit.permits, parker, type_id, lot_id)
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    qtbot.waitUntil(lambda: desk.parker_panel.permits_model.rowCount() == 1, timeout=TIMEOUT)
    desk.parker_panel.permits_view.setCurrentIndex(desk.parker_panel.permits_model.index(0, 0))
    qtbot.mouseClick(desk.parker_panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: isinstance(desk.host.action_dialog, CancelPermitDialog), timeout=TIMEOUT
    )
    dialog = desk.host.action_dialog
    assert isinstance(dialog, CancelPermitDialog)
    qtbot.keyClicks(dialog.reason, "Moved off campus")
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)

    payment = payment_of(qtbot, desk.host)
    payment.cheque_radio.click()  # not the card it was paid with
    qtbot.keyClicks(payment.cheque_edit, "1234")
    qtbot.mouseClick(payment.pay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            "awaits a manager's approval: a refund goes back the way it was paid"
            in desk.parker_panel.notice_text()
        ),
        timeout=TIMEOUT,
    )
    pending = [r for r in kit.permits.refunds(status="pending") if r.permit_id == permit_id]
    assert [r.amount for r in pending] == [Decimal("29.00")]


def test_a_large_refund_waits_for_a_manager_who_approves_it_and_a_clerk_pays_it(
    qtbot: QtBot,
    database: Database,
    open_desk: Callable[..., Kit],
    receipts: list[str],
) -> None:
    clerk = open_desk()
    lot_id, _lot = make_lot(database, 5)
    type_id, _name = make_type(database, [lot_id], price="900.00", days=365)
    parker = make_parker(clerk.parkers, f"Large{token()}")
    permit_id = sell_directly(clerk.permits, parker, type_id, lot_id)
    find_and_open(qtbot, clerk.desk, parker.last_name, parker.id)
    qtbot.waitUntil(lambda: clerk.desk.parker_panel.permits_model.rowCount() == 1, timeout=TIMEOUT)
    clerk.desk.parker_panel.permits_view.setCurrentIndex(
        clerk.desk.parker_panel.permits_model.index(0, 0)
    )
    clerk.desk.changes.cancel()
    qtbot.waitUntil(
        lambda: isinstance(clerk.desk.host.action_dialog, CancelPermitDialog), timeout=TIMEOUT
    )
    dialog = clerk.desk.host.action_dialog
    assert isinstance(dialog, CancelPermitDialog)
    assert "manager's approval" in dialog.next_label.text()
    assert dialog.go_button.text() == "Cancel permit"
    qtbot.keyClicks(dialog.reason, "Leaving the university")
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "awaits a manager's approval" in clerk.desk.parker_panel.notice_text(),
        timeout=TIMEOUT,
    )

    manager = open_desk("manager")
    desk = manager.desk
    assert not desk.parker_panel.sell_button.isVisible()
    assert not desk.refunds.pay_refund_button.isVisible()
    desk.tabs.setCurrentIndex(2)
    qtbot.waitUntil(
        lambda: any(r.permit_id == permit_id for r in desk.refunds.model.rows()), timeout=TIMEOUT
    )
    row = next(n for n, r in enumerate(desk.refunds.model.rows()) if r.permit_id == permit_id)
    desk.refunds.view.setCurrentIndex(desk.refunds.model.index(row, 0))
    assert column(desk.refunds.model, "Status")[row] == "Awaiting manager approval"
    assert desk.refunds.approve_button.isEnabled()
    qtbot.mouseClick(desk.refunds.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.host.action_dialog is not None, timeout=TIMEOUT)
    assert desk.host.action_dialog is not None
    desk.host.action_dialog.accept()
    qtbot.waitUntil(
        lambda: (
            [r.status for r in manager.permits.refunds(None) if r.permit_id == permit_id]
            == ["approved"]
        ),
        timeout=TIMEOUT,
    )

    # The clerk's refunds tab follows live; the clerk pays the approved refund out.
    clerk_desk = clerk.desk
    clerk_desk.tabs.setCurrentIndex(2)
    clerk_desk.refunds.filter.setCurrentIndex(1)
    qtbot.waitUntil(
        lambda: any(r.permit_id == permit_id for r in clerk_desk.refunds.model.rows()),
        timeout=TIMEOUT,
    )
    row = next(n for n, r in enumerate(clerk_desk.refunds.model.rows()) if r.permit_id == permit_id)
    clerk_desk.refunds.view.setCurrentIndex(clerk_desk.refunds.model.index(row, 0))
    qtbot.mouseClick(clerk_desk.refunds.pay_refund_button, Qt.MouseButton.LeftButton)
    payment = payment_of(qtbot, clerk_desk.host)
    assert payment.direction == "out"
    pay_by_card(qtbot, payment)
    qtbot.waitUntil(lambda: len(receipts) == 1, timeout=TIMEOUT)
    assert [r.status for r in clerk.permits.refunds(None) if r.permit_id == permit_id] == ["paid"]


def test_a_manager_refuses_a_refund_with_a_note(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit]
) -> None:
    clerk = open_desk(live=False)
    lot_id, _lot = make_lot(database, 5)
    type_id, _name = make_type(database, [lot_id], price="900.00", days=365)
    parker = make_parker(clerk.parkers, f"Refuse{token()}")
    permit_id = sell_directly(clerk.permits, parker, type_id, lot_id)
    assert permit_id is not None
    clerk.permits.cancel(new_payment_key(), permit_id, "Moved away", Tender("none"))

    manager = open_desk("manager", live=False)
    desk = manager.desk
    desk.refunds.reload()
    qtbot.waitUntil(
        lambda: any(r.permit_id == permit_id for r in desk.refunds.model.rows()), timeout=TIMEOUT
    )
    row = next(n for n, r in enumerate(desk.refunds.model.rows()) if r.permit_id == permit_id)
    desk.refunds.view.setCurrentIndex(desk.refunds.model.index(row, 0))
    desk.refunds.decide(approve=False)
    dialog = desk.host.action_dialog
    assert dialog is not None
    assert not dialog.ok.isEnabled()  # type: ignore[attr-defined]
    qtbot.keyClicks(dialog.text, "Parking was used all month")  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    qtbot.waitUntil(
        lambda: (
            [r.status for r in manager.permits.refunds(None) if r.permit_id == permit_id]
            == ["rejected"]
        ),
        timeout=TIMEOUT,
    )


# -- waitlists ------------------------------------------------------------------------------


def test_a_full_lot_offers_the_waitlist_and_gives_the_rank(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit], answers: list[str]
) -> None:
    kit = open_desk()
    desk = kit.desk
    lot_id, lot_name = make_lot(database, 1)
    type_id, type_name = make_type(database, [lot_id])
    holder = make_parker(kit.parkers, f"Holder{token()}")
    sell_directly(kit.permits, holder, type_id, lot_id)
    parker = make_parker(kit.parkers, f"Waiting{token()}", "Wen")
    find_and_open(qtbot, desk, parker.last_name, parker.id)

    dialog = open_sell_dialog(qtbot, desk)
    choose(dialog, type_id, lot_id)
    assert dialog.lot_combo.currentText() == f"{lot_name} \u2014 full (1 of 1 taken)"
    assert dialog.continue_button.text() == "Add to waitlist…"
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(
        lambda: "added to the waitlist" in desk.parker_panel.notice_text(), timeout=TIMEOUT
    )
    assert answers == [
        f"{lot_name} is full for that period.\n\nAdd Wen {parker.last_name} to the waitlist "
        f"for {type_name} in {lot_name}?"
    ]
    assert desk.parker_panel.notice_text() == (
        f"Wen {parker.last_name} added to the waitlist for {type_name} in {lot_name}: rank 1 of 1."
    )
    assert desk.host.sell_dialog is None
    entries = kit.permits.waitlist_for_parker(parker.id)
    assert [(e.type_id, e.lot_id, e.status, e.rank) for e in entries] == [
        (type_id, lot_id, "waiting", 1)
    ]
    assert desk.parker_panel.parker_tabs.currentWidget() is desk.parker_panel.parker_waitlist


def test_a_lot_that_fills_during_the_payment_turns_into_the_waitlist_question(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit], answers: list[str]
) -> None:
    kit = open_desk(live=False)  # no live figures: the dialog still believes there is room
    desk = kit.desk
    lot_id, lot_name = make_lot(database, 1)
    type_id, _type_name = make_type(database, [lot_id])
    parker = make_parker(kit.parkers, f"Late{token()}")
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    dialog = open_sell_dialog(qtbot, desk)
    choose(dialog, type_id, lot_id)
    assert dialog.continue_button.text() == "Continue to payment…"
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    payment = payment_of(qtbot, dialog)

    other = make_parker(kit.parkers, f"Quicker{token()}")
    sell_directly(kit.permits, other, type_id, lot_id)  # another clerk takes the last space
    pay_by_card(qtbot, payment)

    qtbot.waitUntil(
        lambda: "added to the waitlist" in desk.parker_panel.notice_text(), timeout=TIMEOUT
    )
    assert len(answers) == 1
    assert answers[0].startswith(f"{lot_name} is full: 1 of 1 spaces are taken.")
    assert [e.status for e in kit.permits.waitlist_for_parker(parker.id)] == ["waiting"]


def test_a_waitlist_only_type_goes_to_the_waitlist_without_a_payment(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit], answers: list[str]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    lot_id, _lot_name = make_lot(database, 10)
    type_id, type_name = make_type(database, [lot_id], sale_mode="waitlist")
    parker = make_parker(kit.parkers, f"Only{token()}")
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    row = next(
        n for n, o in enumerate(desk.parker_panel.options_model.rows()) if o.type_id == type_id
    )
    assert column(desk.parker_panel.options_model, "For this parker")[row] == "Through the waitlist"
    dialog = open_sell_dialog(qtbot, desk)
    choose(dialog, type_id, lot_id)
    assert dialog.type_note.text().startswith(f"{type_name} is sold through its waitlist")
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "added to the waitlist" in desk.parker_panel.notice_text(), timeout=TIMEOUT
    )
    assert dialog.payment_dialog is None
    assert answers[0].startswith(f"{type_name} is sold through its waitlist.")


def test_accepting_a_waitlist_offer_sells_the_held_space(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit], receipts: list[str]
) -> None:
    kit = open_desk()
    desk = kit.desk
    lot_id, lot_name = make_lot(database, 1)
    type_id, _type_name = make_type(database, [lot_id])
    holder = make_parker(kit.parkers, f"Leaving{token()}")
    held = sell_directly(kit.permits, holder, type_id, lot_id)
    assert held is not None
    parker = make_parker(kit.parkers, f"Offered{token()}", "Olu")
    entry = kit.permits.join_waitlist(type_id, lot_id, parker.id)
    kit.permits.cancel(new_payment_key(), held, "Moved away", CARD)  # the space frees up
    [offered] = kit.permits.waitlist_for_parker(parker.id)
    assert offered.status == "offered"

    find_and_open(qtbot, desk, parker.last_name, parker.id)
    panel = desk.parker_panel.parker_waitlist
    assert isinstance(panel, WaitlistPanel)
    desk.parker_panel.parker_tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.select_entry(entry.entry_id), timeout=TIMEOUT)
    qtbot.waitUntil(panel.accept_button.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: desk.host.sell_dialog is not None, timeout=TIMEOUT)
    dialog = desk.host.sell_dialog
    assert dialog is not None
    assert dialog.offer is not None
    assert dialog.offer.entry_id == entry.entry_id
    assert dialog.offer_label.text().startswith(f"Waitlist offer: a space in {lot_name} is held")
    assert (dialog.type_combo.currentData(), dialog.lot_combo.currentData()) == (type_id, lot_id)
    assert not dialog.type_combo.isEnabled()
    assert not dialog.lot_combo.isEnabled()
    assert dialog.continue_button.text() == "Continue to payment…"
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    pay_by_card(qtbot, payment_of(qtbot, dialog))

    qtbot.waitUntil(lambda: len(receipts) == 1, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: desk.parker_panel.permits_model.rowCount() == 1, timeout=TIMEOUT)
    [accepted] = kit.permits.waitlist_for_parker(parker.id)
    assert accepted.status == "accepted"


def test_an_offer_for_the_second_lot_of_a_type_is_sold_in_that_lot(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit], receipts: list[str]
) -> None:
    kit = open_desk()
    desk = kit.desk
    roomy_id, _roomy_name = make_lot(database, 5)
    lot_id, lot_name = make_lot(database, 1)
    type_id, _type_name = make_type(database, [roomy_id, lot_id])
    holder = make_parker(kit.parkers, f"Leaving{token()}")
    held = sell_directly(kit.permits, holder, type_id, lot_id)
    assert held is not None
    parker = make_parker(kit.parkers, f"Offered{token()}", "Ines")
    entry = kit.permits.join_waitlist(type_id, lot_id, parker.id)
    kit.permits.cancel(new_payment_key(), held, "Moved away", CARD)  # the space frees up
    [offered] = kit.permits.waitlist_for_parker(parker.id)
    assert (offered.status, offered.lot_id) == ("offered", lot_id)

    desk.tabs.setCurrentWidget(desk.office_waitlists)
    panel = desk.office_waitlists
    qtbot.waitUntil(lambda: panel.select_entry(entry.entry_id), timeout=TIMEOUT)
    qtbot.waitUntil(panel.accept_button.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: desk.host.sell_dialog is not None, timeout=TIMEOUT)
    dialog = desk.host.sell_dialog
    assert dialog is not None
    # The lot list is filled once the dialog is open: the offer's lot is the one chosen,
    # and the clerk cannot choose another.
    assert (dialog.type_combo.currentData(), dialog.lot_combo.currentData()) == (type_id, lot_id)
    assert dialog.lot_combo.currentText().startswith(lot_name)
    assert not dialog.lot_combo.isEnabled()
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    pay_by_card(qtbot, payment_of(qtbot, dialog))

    qtbot.waitUntil(lambda: len(receipts) == 1, timeout=TIMEOUT)
    [sold] = kit.permits.permits_for_parker(parker.id)
    assert sold.lot_id == lot_id
    [accepted] = kit.permits.waitlist_for_parker(parker.id)
    assert accepted.status == "accepted"


# -- renew, transfer, live ------------------------------------------------------------------


def test_renewing_shows_the_new_dates_and_price_then_takes_the_payment(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit], receipts: list[str]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    lot_id, _lot = make_lot(database, 5)
    type_id, type_name = make_type(database, [lot_id], price="40.00", days=30)
    parker = make_parker(kit.parkers, f"Renew{token()}")
    sell_directly(kit.permits, parker, type_id, lot_id)
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    qtbot.waitUntil(desk.parker_panel.renew_button.isEnabled, timeout=TIMEOUT)

    qtbot.keyClick(
        desk.parker_panel.permits_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier
    )
    payment = payment_of(qtbot, desk.host)
    assert payment.amount == Decimal("40.00")
    assert payment.description_label.text().startswith("Renewal of P-")
    assert type_name in payment.description_label.text()
    pay_by_card(qtbot, payment)
    qtbot.waitUntil(lambda: desk.parker_panel.permits_model.rowCount() == 2, timeout=TIMEOUT)
    assert sorted(column(desk.parker_panel.permits_model, "Status")) == [
        "Starts later",
        "Valid (renewed)",
    ]
    assert len(receipts) == 1


def test_transferring_moves_the_permit_to_another_vehicle(
    qtbot: QtBot, database: Database, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    lot_id, _lot = make_lot(database, 5)
    type_id, _name = make_type(database, [lot_id])
    parker = make_parker(kit.parkers, f"Transfer{token()}", vehicles=2)
    sell_directly(kit.permits, parker, type_id, lot_id)
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    qtbot.waitUntil(desk.parker_panel.transfer_button.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(desk.parker_panel.transfer_button, Qt.MouseButton.LeftButton)
    dialog = desk.host.action_dialog
    assert isinstance(dialog, TransferDialog)
    first, second = parker.vehicles
    assert dialog.leaving.currentData() == first.id
    assert dialog.joining.currentData() == second.id
    qtbot.mouseClick(dialog.transfer_button, Qt.MouseButton.LeftButton)
    plate = f"ON {second.plate_normalized}"
    qtbot.waitUntil(
        lambda: column(desk.parker_panel.permits_model, "Vehicles") == [plate], timeout=TIMEOUT
    )
    assert desk.parker_panel.notice_text().endswith(f"now covers {plate}.")


def test_availability_follows_another_clerks_sale_live(
    qtbot: QtBot,
    database: Database,
    open_desk: Callable[..., Kit],
    workspace_for: Callable[[str], Workspace],
) -> None:
    kit = open_desk()
    desk = kit.desk
    lot_id, lot_name = make_lot(database, 3)
    type_id, _name = make_type(database, [lot_id])
    parker = make_parker(kit.parkers, f"Watch{token()}")
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    dialog = open_sell_dialog(qtbot, desk)
    choose(dialog, type_id, lot_id)
    assert dialog.lot_combo.currentText() == f"{lot_name} \u2014 3 of 3 left"

    bruno = PermitService(workspace_for("bruno"))
    other = make_parker(kit.parkers, f"Elsewhere{token()}")
    sell_directly(bruno, other, type_id, lot_id)

    qtbot.waitUntil(
        lambda: dialog.lot_combo.currentText() == f"{lot_name} \u2014 2 of 3 left",
        timeout=TIMEOUT,
    )
    qtbot.waitUntil(
        lambda: (
            f"{lot_name}: 2 of 3 left" in column(desk.parker_panel.options_model, "Spaces left")
        ),
        timeout=TIMEOUT,
    )
    dialog.reject()


def test_a_manager_reads_permits_but_cannot_sell(
    qtbot: QtBot,
    database: Database,
    open_desk: Callable[..., Kit],
    workspace_for: Callable[[str], Workspace],
) -> None:
    clerk = ParkerService(workspace_for("clerk"))
    lot_id, _lot = make_lot(database, 5)
    type_id, _name = make_type(database, [lot_id])
    parker = make_parker(clerk, f"Managed{token()}")
    sell_directly(PermitService(workspace_for("clerk")), parker, type_id, lot_id)

    desk = open_desk("manager", live=False).desk
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    qtbot.waitUntil(lambda: desk.parker_panel.permits_model.rowCount() == 1, timeout=TIMEOUT)
    for button in (
        desk.parker_panel.sell_button,
        desk.parker_panel.renew_button,
        desk.parker_panel.cancel_button,
        desk.parker_panel.fee_button,
    ):
        assert button.isHidden()
    # Beyond the office's free-day limit, only a manager issues a free temporary permit.
    assert desk.temporary_button.isVisible()
    assert desk.parker_panel.read_only_label.isVisible()
    assert desk.parker_panel.receipt_button.isVisible()
    assert desk.parker_panel.receipt_button.isEnabled()
    qtbot.keyClick(
        desk.parker_panel.permits_view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier
    )
    assert desk.host.sell_dialog is None
    assert not desk.refunds.approve_button.isHidden()
    assert desk.refunds.pay_refund_button.isHidden()


def test_a_fee_is_charged_and_paid_at_the_counter(
    qtbot: QtBot, open_desk: Callable[..., Kit], receipts: list[str]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    parker = make_parker(kit.parkers, f"Fee{token()}")
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    qtbot.mouseClick(desk.parker_panel.fee_button, Qt.MouseButton.LeftButton)
    dialog = desk.host.action_dialog
    assert isinstance(dialog, FeeDialog)
    qtbot.keyClicks(dialog.amount_edit, "-5")
    qtbot.keyClicks(dialog.memo, "Replacement hang tag")
    dialog.submit()
    assert dialog.field_error("amount") == "The amount cannot be negative."  # under the field
    assert dialog.field_error("memo") == ""
    assert dialog.isVisible()
    dialog.amount_edit.setText("25")
    dialog.submit()
    payment = payment_of(qtbot, desk.host)
    assert payment.amount == Decimal("25.00")
    pay_by_card(qtbot, payment)
    qtbot.waitUntil(lambda: len(receipts) == 1, timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: column(desk.parker_panel.ledger_model, "What") == ["Payment", "Fee"],
        timeout=TIMEOUT,
    )
    assert desk.parker_panel.balance_label.text() == "Balance: Nothing owed"
    assert desk.parker_panel.notice_text().startswith(
        "Fee charged: Replacement hang tag, $25.00 paid by card"
    )


def test_a_temporary_permit_starts_from_the_open_parker_and_their_plate(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    qtbot.keyClick(desk.finder.search, Qt.Key.Key_T, MODIFIERS)  # no parker open: a plate only
    qtbot.waitUntil(
        lambda: isinstance(desk.host.action_dialog, TemporaryPermitDialog), timeout=TIMEOUT
    )
    dialog = desk.host.action_dialog
    assert isinstance(dialog, TemporaryPermitDialog)
    assert dialog.parker_id is None
    dialog.reject()
    qtbot.waitUntil(lambda: desk.host.action_dialog is None, timeout=TIMEOUT)

    parker = make_parker(kit.parkers, f"Visit{token()}")
    find_and_open(qtbot, desk, parker.last_name, parker.id)
    qtbot.mouseClick(desk.temporary_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: isinstance(desk.host.action_dialog, TemporaryPermitDialog), timeout=TIMEOUT
    )
    dialog = desk.host.action_dialog
    assert isinstance(dialog, TemporaryPermitDialog)
    assert dialog.parker_id == parker.id
    assert dialog.plate_edit.text() == parker.vehicles[0].plate_raw
    dialog.reject()


def test_a_manager_does_not_decide_a_refund_they_asked_for(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    """A login that is a manager and a clerk too asks for refunds; another manager decides
    them (the database refuses the requester, and the desk says so before anyone tries)."""
    manager = open_desk("manager")
    panel = manager.desk.refunds
    at = datetime.now(UTC)
    asked = RefundInfo(
        id=1, permit_id=1, permit_number="P-0000001", subject="cancelled permit P-0000001",
        parker_id=1, parker_name="Pat Doe", amount=Decimal("320.00"), status="pending",
        reason="Moving away", requested_by="mona", requested_at=at, decided_by=None,
        decision_note=None, original_tender="card",
    )  # fmt: skip
    for requester, decidable in (("someone_else", True), ("mona", False)):
        panel.model.set_rows([replace(asked, requested_by=requester)])
        panel.view.setCurrentIndex(panel.model.index(0, 0))
        assert panel.approve_button.isEnabled() is decidable
        assert panel.refuse_button.isEnabled() is decidable
        assert ("another manager decides it" in panel.detail.text()) is not decidable
