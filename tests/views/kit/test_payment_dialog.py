"""The payment dialog against the real database: tenders, change, field messages, one payment
per key however often the clerk clicks or retries."""

# qtbot's key and mouse helpers are generated at import time and carry no annotations.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from desktop.services import localization
from desktop.services.errors import ConnectionProblem, KnownError, LotFull
from desktop.services.permits import PaymentResult, PermitService, Tender
from desktop.services.workspace import Workspace
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.payment import PaymentDialog, show_receipt
from tests.conftest import Database

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]

TIMEOUT = 30_000
Connection = psycopg.Connection[tuple[object, ...]]
Submit = Callable[[uuid.UUID, Tender], PaymentResult]


@pytest.fixture
def clerk(database: Database) -> Iterator[Connection]:
    conn = database.connect("alice")
    yield conn
    conn.close()


def close_open_shift(conn: Connection) -> None:
    """Other tests of the session may have left alice's drawer open."""
    row = conn.execute(
        "SELECT id FROM parkdesk.shift_line WHERE clerk = session_user AND closed_at IS NULL"
    ).fetchone()
    if row is not None:
        conn.execute("SELECT parkdesk.close_shift(%s, '{}')", (row[0],))
    conn.commit()


@pytest.fixture
def cash_shift(clerk: Connection) -> Iterator[int]:
    """An open cash drawer shift for alice, closed after the test."""
    close_open_shift(clerk)
    row = clerk.execute("SELECT parkdesk.open_shift(100)").fetchone()
    clerk.commit()
    assert row is not None
    yield int(str(row[0]))
    close_open_shift(clerk)


@pytest.fixture
def service(workspace_for: Callable[[str], Workspace]) -> PermitService:
    return PermitService(workspace_for("alice"))


@pytest.fixture
def parker(clerk: Connection) -> int:
    row = clerk.execute(
        "INSERT INTO parkdesk.parker (first_name, last_name, affiliation) "
        "VALUES ('Casey', %s, 'staff') RETURNING id",
        (f"Payer{secrets.token_hex(3)}",),
    ).fetchone()
    clerk.commit()
    assert row is not None
    return int(str(row[0]))


def payments_with_key(database: Database, key: uuid.UUID) -> int:
    with database.admin() as admin:
        row = admin.execute(
            "SELECT count(*) FROM parkdesk.payment WHERE idempotency_key = %s", (key,)
        ).fetchone()
    assert row is not None
    return int(str(row[0]))


def fee_dialog(
    qtbot: QtBot,
    runner: OperationRunner,
    submit: Submit,
    amount: str = "40.00",
    **options: object,
) -> PaymentDialog:
    dialog = PaymentDialog(
        title="Take payment",
        description="Replacement hang tag",
        amount=Decimal(amount),
        currency="USD",
        submit=submit,
        runner=runner,
        **options,  # type: ignore[arg-type]
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def charge(service: PermitService, parker: int, amount: str = "40.00") -> Submit:
    return lambda key, tender: service.charge_fee(
        key, parker, amount, "Replacement hang tag", tender
    )


def fill_card(qtbot: QtBot, dialog: PaymentDialog, reference: str = "AUTH-83JD") -> None:
    dialog.card_radio.click()
    dialog.brand_combo.setCurrentText("Visa")
    qtbot.keyClicks(dialog.last4_edit, "4242")
    qtbot.keyClicks(dialog.reference_edit, reference)


@pytest.mark.usefixtures("cash_shift")
def test_cash_shows_the_change_and_records_it(
    qtbot: QtBot,
    runner: OperationRunner,
    service: PermitService,
    parker: int,
    database: Database,
) -> None:
    dialog = fee_dialog(qtbot, runner, charge(service, parker))
    assert dialog.amount_label.text() == "$40.00"
    assert dialog.cash_radio.isChecked()
    qtbot.keyClicks(dialog.tendered_edit, "50")
    assert dialog.change_label.text() == "Change due: $10.00"
    assert dialog.pay_button.isEnabled()
    assert dialog.pay_button.text() == "&Take payment"

    with qtbot.waitSignal(dialog.paid, timeout=TIMEOUT) as paid:
        qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    result = paid.args[0]
    assert isinstance(result, PaymentResult)
    assert result is dialog.result
    assert result.tender == "cash"
    assert result.amount == Decimal("40.00")
    assert result.change_given == Decimal("10.00")
    assert result.receipt_number.startswith("R-")
    assert dialog.isHidden()
    assert payments_with_key(database, dialog.key) == 1


def test_the_exact_button_tenders_the_amount_due(
    qtbot: QtBot, runner: OperationRunner, service: PermitService, parker: int
) -> None:
    dialog = fee_dialog(qtbot, runner, charge(service, parker, "12.75"), amount="12.75")
    qtbot.mouseClick(dialog.exact_button, Qt.MouseButton.LeftButton)
    assert dialog.tendered_edit.text() == "12.75"
    assert dialog.change_label.text() == "No change due"


def test_cash_is_read_the_way_the_clerk_writes_money(
    qtbot: QtBot,
    runner: OperationRunner,
    service: PermitService,
    parker: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARKDESK_LOCALE", "fr-CA")
    localization.reset_person_locale()
    try:
        dialog = fee_dialog(qtbot, runner, charge(service, parker), amount="12.75")
        assert dialog.tendered_edit.placeholderText() == "e.g. 50,00"
        qtbot.mouseClick(dialog.exact_button, Qt.MouseButton.LeftButton)
        assert dialog.tendered_edit.text() == "12,75"
        dialog.tendered_edit.clear()
        qtbot.keyClicks(dialog.tendered_edit, "20,00 $")  # nothing refuses the keys
        assert dialog.change_label.text().startswith("Change due: 7,25")
    finally:
        monkeypatch.setenv("PARKDESK_LOCALE", "en_US")
        localization.reset_person_locale()


def test_cash_that_is_not_an_amount_is_said_under_the_field(
    qtbot: QtBot, runner: OperationRunner, service: PermitService, parker: int
) -> None:
    dialog = fee_dialog(qtbot, runner, charge(service, parker))
    qtbot.keyClicks(dialog.tendered_edit, "forty")
    assert dialog.change_label.text() == ""
    qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert dialog.field_error("tendered") == (
        "Type the cash handed over as an amount such as 1,234.50."
    )
    assert dialog.isVisible()


def test_a_shortfall_shows_in_red_and_disables_take_payment(
    qtbot: QtBot, runner: OperationRunner, service: PermitService, parker: int
) -> None:
    dialog = fee_dialog(qtbot, runner, charge(service, parker))
    qtbot.keyClicks(dialog.tendered_edit, "35.5")
    assert dialog.change_label.text() == "Short by $4.50"
    assert "#b42318" in dialog.change_label.styleSheet()
    assert not dialog.pay_button.isEnabled()

    qtbot.keyClicks(dialog.tendered_edit, "0")  # 35.50: still short
    assert dialog.change_label.text() == "Short by $4.50"
    dialog.tendered_edit.clear()
    qtbot.keyClicks(dialog.tendered_edit, "1,000")
    assert dialog.change_label.text() == "Change due: $960.00"
    assert dialog.pay_button.isEnabled()

    # A card payment does not care about the cash typed before.
    dialog.tendered_edit.setText("1")
    assert not dialog.pay_button.isEnabled()
    dialog.card_radio.click()
    assert dialog.pay_button.isEnabled()


def test_last4_takes_four_digits_and_nothing_else(
    qtbot: QtBot, runner: OperationRunner, service: PermitService, parker: int
) -> None:
    dialog = fee_dialog(qtbot, runner, charge(service, parker))
    dialog.card_radio.click()
    assert dialog.last4_edit.isVisible()
    assert not dialog.tendered_edit.isVisible()
    qtbot.keyClicks(dialog.last4_edit, "12345")
    assert dialog.last4_edit.text() == "1234"
    dialog.last4_edit.clear()
    qtbot.keyClicks(dialog.last4_edit, "4x2-4 2")
    assert dialog.last4_edit.text() == "4242"
    dialog.last4_edit.clear()
    dialog.last4_edit.insert("4111111111111111")  # pasted
    assert len(dialog.last4_edit.text()) <= 4


def test_a_card_number_as_approval_reference_is_refused_under_the_field(
    qtbot: QtBot,
    runner: OperationRunner,
    service: PermitService,
    parker: int,
    database: Database,
) -> None:
    dialog = fee_dialog(qtbot, runner, charge(service, parker))
    fill_card(qtbot, dialog, reference="4111111111111111")
    qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert "looks like a card number" in dialog.field_error("reference")
    assert dialog.field_error("last4") == ""
    assert dialog.message_label.isHidden()
    assert dialog.isVisible()
    assert dialog.result is None
    assert payments_with_key(database, dialog.key) == 0

    # Typing in the field takes the message away; a real reference goes through.
    dialog.reference_edit.clear()
    qtbot.keyClicks(dialog.reference_edit, "AUTH-83JD")
    assert dialog.field_error("reference") == ""
    with qtbot.waitSignal(dialog.paid, timeout=TIMEOUT) as paid:
        qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert paid.args[0].tender == "card"


def test_each_tender_names_its_missing_fields(
    qtbot: QtBot, runner: OperationRunner, service: PermitService, parker: int
) -> None:
    dialog = fee_dialog(qtbot, runner, charge(service, parker))
    qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert dialog.field_error("tendered") == "Enter the cash handed over."

    dialog.card_radio.click()
    qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert dialog.field_error("brand") == "Choose the card brand."
    assert "last 4 digits" in dialog.field_error("last4")
    assert "approval reference" in dialog.field_error("reference")

    dialog.cheque_radio.click()
    qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert dialog.field_error("number") == "Enter the cheque number (digits only)."

    dialog.account_radio.click()
    qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert dialog.field_error("account") == "Choose payroll or student account."
    assert "employee or student number" in dialog.field_error("reference")
    assert dialog.result is None


@pytest.mark.usefixtures("cash_shift")
def test_double_clicking_take_payment_records_one_payment(
    qtbot: QtBot,
    runner: OperationRunner,
    service: PermitService,
    parker: int,
    database: Database,
) -> None:
    calls: list[uuid.UUID] = []
    submit = charge(service, parker)

    def counted(key: uuid.UUID, tender: Tender) -> PaymentResult:
        calls.append(key)
        return submit(key, tender)

    dialog = fee_dialog(qtbot, runner, counted)
    paid: list[object] = []
    dialog.paid.connect(paid.append)
    qtbot.keyClicks(dialog.tendered_edit, "40")
    qtbot.mouseDClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    dialog.take_payment()  # a third press (Enter) while the first is on its way
    assert not dialog.pay_button.isEnabled()
    assert dialog.pay_button.text() == "Taking payment…"
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    assert len(paid) == 1
    assert set(calls) == {dialog.key}
    assert payments_with_key(database, dialog.key) == 1

    # Even a second submission with the dialog's key finds the first payment.
    assert dialog.result is not None
    again = submit(dialog.key, Tender("cash", cash_tendered=Decimal(40)))
    assert again.payment_id == dialog.result.payment_id
    assert payments_with_key(database, dialog.key) == 1


def test_a_retry_after_a_dropped_connection_keeps_the_key(
    qtbot: QtBot,
    runner: OperationRunner,
    service: PermitService,
    parker: int,
    database: Database,
) -> None:
    """The payment reached the office but the answer was lost: the retry finds it."""
    submit = charge(service, parker)
    keys: list[uuid.UUID] = []

    def dropping_once(key: uuid.UUID, tender: Tender) -> PaymentResult:
        keys.append(key)
        result = submit(key, tender)
        if len(keys) == 1:
            raise ConnectionProblem("The connection to the office server was lost.")
        return result

    dialog = fee_dialog(qtbot, runner, dropping_once)
    key = dialog.key
    fill_card(qtbot, dialog)
    qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.message_label.isHidden(), timeout=TIMEOUT)
    assert "connection to the office server was lost" in dialog.message_label.text()
    assert "recorded only once" in dialog.message_label.text()
    assert dialog.isVisible()
    assert dialog.result is None
    assert dialog.pay_button.isEnabled()
    assert dialog.key == key

    with qtbot.waitSignal(dialog.paid, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert keys == [key, key]
    assert payments_with_key(database, key) == 1
    assert dialog.message_label.isHidden()


def test_a_field_the_dialog_does_not_have_is_named_at_the_top(
    qtbot: QtBot, runner: OperationRunner, service: PermitService, parker: int
) -> None:
    def no_memo(key: uuid.UUID, tender: Tender) -> PaymentResult:
        return service.charge_fee(key, parker, "40.00", "x", tender)

    dialog = fee_dialog(qtbot, runner, no_memo)
    fill_card(qtbot, dialog)
    qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.message_label.isHidden(), timeout=TIMEOUT)
    assert dialog.message_label.text() == "Say what the fee is for."
    assert dialog.isVisible()


def test_cash_without_an_open_shift_says_what_to_do(
    qtbot: QtBot, runner: OperationRunner, service: PermitService, parker: int, clerk: Connection
) -> None:
    close_open_shift(clerk)
    dialog = fee_dialog(qtbot, runner, charge(service, parker))
    qtbot.keyClicks(dialog.tendered_edit, "40")
    qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.message_label.isHidden(), timeout=TIMEOUT)
    assert "Open a cash drawer shift" in dialog.message_label.text()
    assert "Traceback" not in dialog.message_label.text()
    assert dialog.pay_button.isEnabled()


def test_the_caller_can_take_over_a_refusal(qtbot: QtBot, runner: OperationRunner) -> None:
    def lot_full(_key: uuid.UUID, _tender: Tender) -> PaymentResult:
        raise LotFull("Lot B is full: 40 of 40 spaces are taken.", 7)

    offered: list[KnownError] = []

    def join_waitlist_instead(exc: KnownError) -> bool:
        offered.append(exc)
        return isinstance(exc, LotFull)

    dialog = fee_dialog(qtbot, runner, lot_full, on_refused=join_waitlist_instead)
    fill_card(qtbot, dialog)
    with qtbot.waitSignal(dialog.rejected, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert len(offered) == 1
    assert dialog.result is None

    # A caller that declines leaves the message in the dialog.
    dialog = fee_dialog(qtbot, runner, lot_full, on_refused=lambda _exc: False)
    fill_card(qtbot, dialog)
    qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.message_label.isHidden(), timeout=TIMEOUT)
    assert dialog.message_label.text() == "Lot B is full: 40 of 40 spaces are taken."
    assert dialog.isVisible()


def test_nothing_to_pay_needs_no_tender(
    qtbot: QtBot, runner: OperationRunner, database: Database
) -> None:
    tenders: list[Tender] = []

    def issue(key: uuid.UUID, tender: Tender) -> PaymentResult:
        tenders.append(tender)
        return PaymentResult(1, "R-0000001", "in", None, None, Decimal(0), "none", None)

    dialog = fee_dialog(qtbot, runner, issue, amount="0")
    assert dialog.pay_button.text() == "&Issue"
    assert not dialog.tender_area.isVisible()
    assert dialog.free_label.isVisible()
    with qtbot.waitSignal(dialog.paid, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert [t.kind for t in tenders] == ["none"]
    del database


def test_paying_out_cash_needs_no_tendered_amount(qtbot: QtBot, runner: OperationRunner) -> None:
    tenders: list[Tender] = []

    def pay_out(key: uuid.UUID, tender: Tender) -> PaymentResult:
        tenders.append(tender)
        return PaymentResult(2, "R-0000002", "out", None, None, Decimal(25), "cash", None)

    dialog = fee_dialog(qtbot, runner, pay_out, amount="25.00", direction="out")
    assert dialog.amount_caption.text() == "To pay out"
    assert dialog.pay_button.text() == "Pa&y out"
    assert not dialog.tendered_edit.isVisible()
    assert "out of the drawer" in dialog.cash_out_label.text()
    with qtbot.waitSignal(dialog.paid, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert tenders[0].kind == "cash"
    assert tenders[0].cash_tendered is None


def test_escape_does_not_close_the_dialog_while_the_payment_is_on_its_way(
    qtbot: QtBot, runner: OperationRunner
) -> None:
    import threading

    release = threading.Event()

    def slow(_key: uuid.UUID, _tender: Tender) -> PaymentResult:
        release.wait(TIMEOUT / 1000)
        return PaymentResult(3, "R-0000003", "in", None, None, Decimal(40), "card", None)

    dialog = fee_dialog(qtbot, runner, slow)
    fill_card(qtbot, dialog)
    qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert dialog.busy
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    dialog.reject()
    assert dialog.isVisible()
    assert not dialog.cancel_button.isEnabled()
    release.set()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=TIMEOUT)
    assert dialog.isHidden()


def test_the_tender_shortcuts_and_tab_order(qtbot: QtBot, runner: OperationRunner) -> None:
    dialog = fee_dialog(qtbot, runner, lambda _k, _t: None)  # type: ignore[arg-type,return-value]
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=TIMEOUT)
    assert [r.text() for r in (dialog.cash_radio, dialog.card_radio, dialog.cheque_radio)] == [
        "&Cash",
        "Ca&rd",
        "C&heque",
    ]
    assert dialog.account_radio.text() == "Charge to acc&ount"
    alt = Qt.KeyboardModifier.AltModifier
    # A mnemonic "animates" the click: the button is released a moment later.
    for key, radio in (
        (Qt.Key.Key_R, dialog.card_radio),
        (Qt.Key.Key_H, dialog.cheque_radio),
        (Qt.Key.Key_O, dialog.account_radio),
        (Qt.Key.Key_C, dialog.cash_radio),
    ):
        qtbot.keyClick(dialog.focusWidget(), key, alt)
        qtbot.waitUntil(radio.isChecked, timeout=TIMEOUT)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_V, alt)
    assert dialog.tendered_edit.hasFocus()
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_R, alt)
    qtbot.waitUntil(dialog.card_radio.isChecked, timeout=TIMEOUT)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_L, alt)
    assert dialog.last4_edit.hasFocus()

    dialog.card_radio.click()
    dialog.card_radio.setFocus()
    order: list[QWidget] = []
    widget = dialog.card_radio.nextInFocusChain()
    while widget is not None and widget is not dialog.card_radio and len(order) < 40:
        if widget.isVisible() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            order.append(widget)
        widget = widget.nextInFocusChain()
    card_fields: list[QWidget] = [dialog.brand_combo, dialog.last4_edit, dialog.reference_edit]
    assert [w for w in order if w in card_fields] == card_fields
    assert order.index(dialog.reference_edit) < order.index(dialog.pay_button)


def test_show_receipt_opens_the_receipt_preview(
    qtbot: QtBot, runner: OperationRunner, service: PermitService, parker: int
) -> None:
    dialog = fee_dialog(qtbot, runner, charge(service, parker))
    fill_card(qtbot, dialog)
    with qtbot.waitSignal(dialog.paid, timeout=TIMEOUT) as paid:
        qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    payment = paid.args[0]

    def previews() -> list[DocumentPreviewDialog]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, DocumentPreviewDialog) and w.isVisible()
        ]

    before = len(previews())
    show_receipt(None, runner, service, payment)
    qtbot.waitUntil(lambda: len(previews()) > before, timeout=TIMEOUT)
    preview = previews()[-1]
    assert preview.windowTitle() == f"Receipt {payment.receipt_number}"
    assert preview.page_count() == 1
    preview.done(QDialog.DialogCode.Rejected.value)
