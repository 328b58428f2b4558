"""The temporary permit dialog against the real database: free visitor permits, field messages
from the form and from the database, the quick end times."""

# qtbot's key and mouse helpers are generated at import time and carry no annotations.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import timedelta

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from desktop.services.permits import LotChoice, PaymentResult, PermitService
from desktop.services.workspace import Workspace
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.operations import OperationRunner
from desktop.views.permits.temporary import TemporaryPermitDialog, describe_length
from tests.conftest import Database

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]

TIMEOUT = 30_000
Connection = psycopg.Connection[tuple[object, ...]]
_PLAIN = "ACEFHJKMNPRTUVWXY3479"


def unique_plate() -> str:
    rng = random.SystemRandom()
    return "T" + "".join(rng.choice(_PLAIN) for _ in range(6))


@pytest.fixture
def lot(database: Database) -> LotChoice:
    code = f"TP{secrets.token_hex(3).upper()}"
    with database.connect("mona") as manager:
        row = manager.execute(
            "INSERT INTO parkdesk.lot (code, name, capacity) VALUES (%s, 'Visitor lot', 20) "
            "RETURNING id",
            (code,),
        ).fetchone()
        manager.commit()
    assert row is not None
    return LotChoice(int(str(row[0])), code, "Visitor lot")


@pytest.fixture
def service(workspace_for: Callable[[str], Workspace]) -> PermitService:
    return PermitService(workspace_for("alice"))


@pytest.fixture
def open_dialog(
    qtbot: QtBot, runner: OperationRunner, service: PermitService, lot: LotChoice
) -> Callable[..., TemporaryPermitDialog]:
    office = service.office()

    def _open(**options: object) -> TemporaryPermitDialog:
        dialog = TemporaryPermitDialog(
            service,
            runner,
            [lot],
            office.currency,
            office.time_zone,
            **options,  # type: ignore[arg-type]
        )
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return _open


def close_previews(qtbot: QtBot) -> list[str]:
    """Wait for the receipt preview the dialog opens, close it, and return its title."""

    def previews() -> list[DocumentPreviewDialog]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, DocumentPreviewDialog) and w.isVisible()
        ]

    qtbot.waitUntil(lambda: bool(previews()), timeout=TIMEOUT)
    titles = []
    for preview in previews():
        titles.append(preview.windowTitle())
        preview.done(QDialog.DialogCode.Rejected.value)
    return titles


def fill(
    qtbot: QtBot,
    dialog: TemporaryPermitDialog,
    plate: str,
    *,
    kind: str = "visitor",
    price: str = "0.00",
    reason: str = "",
) -> None:
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(kind))
    qtbot.keyClicks(dialog.jurisdiction_edit, "on")
    qtbot.keyClicks(dialog.plate_edit, plate)
    dialog.price_edit.setText(price)
    if reason:
        qtbot.keyClicks(dialog.free_reason_edit, reason)


def test_a_free_visitor_permit_with_a_reason_is_issued_with_its_receipt(
    qtbot: QtBot,
    open_dialog: Callable[..., TemporaryPermitDialog],
    database: Database,
) -> None:
    dialog = open_dialog()
    plate = unique_plate()
    fill(qtbot, dialog, plate.lower(), reason="Guest speaker")
    qtbot.keyClicks(dialog.note_edit, "Physics seminar")
    assert dialog.jurisdiction_edit.code() == "ON"
    assert dialog.stored_as.text() == f"Stored as {plate}"
    assert dialog.continue_button.text() == "&Continue to issue"

    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    payment = dialog.payment_dialog
    assert payment is not None
    assert payment.pay_button.text() == "&Issue"
    assert "Visitor permit for ON " + plate in payment.description_label.text()
    with qtbot.waitSignal(dialog.issued, timeout=TIMEOUT) as issued:
        qtbot.mouseClick(payment.pay_button, Qt.MouseButton.LeftButton)
    result = issued.args[0]
    assert isinstance(result, PaymentResult)
    assert result.amount == 0
    assert result.tender == "none"
    assert result.permit_number is not None
    assert result.permit_number.startswith("P-")
    assert dialog.result() == QDialog.DialogCode.Accepted.value
    assert close_previews(qtbot) == [f"Receipt {result.receipt_number}"]

    with database.admin() as admin:
        row = admin.execute(
            "SELECT kind, price, free_reason, note FROM parkdesk.permit WHERE id = %s",
            (result.permit_id,),
        ).fetchone()
    assert row == ("visitor", 0, "Guest speaker", "Physics seminar")


def test_price_zero_without_a_reason_is_refused_under_the_reason(
    qtbot: QtBot, open_dialog: Callable[..., TemporaryPermitDialog]
) -> None:
    dialog = open_dialog()
    fill(qtbot, dialog, unique_plate())
    assert "Required when the price is $0.00" in dialog.free_hint.text()
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    assert dialog.field_error("free_reason") == "Say why the permit is issued free."
    assert dialog.focusWidget() is dialog.free_reason_edit
    assert dialog.payment_dialog is None

    qtbot.keyClicks(dialog.free_reason_edit, "Contractor")
    assert dialog.field_error("free_reason") == ""


def test_a_price_takes_the_reason_away(
    qtbot: QtBot, open_dialog: Callable[..., TemporaryPermitDialog]
) -> None:
    dialog = open_dialog()
    fill(qtbot, dialog, unique_plate(), kind="event", price="15")
    assert not dialog.free_reason_edit.isEnabled()
    assert dialog.continue_button.text() == "&Continue to payment"
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    payment = dialog.payment_dialog
    assert payment is not None
    assert payment.amount_label.text() == "$15.00"
    assert payment.pay_button.text() == "&Take payment"
    payment.reject()


def test_a_bad_plate_is_named_under_the_plate(
    qtbot: QtBot, open_dialog: Callable[..., TemporaryPermitDialog]
) -> None:
    dialog = open_dialog()
    fill(qtbot, dialog, "AB#1", reason="Guest speaker")
    assert dialog.stored_as.text() == "Use letters A to Z and digits only."
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    assert "1 to 10 letters and digits" in dialog.field_error("plate")
    assert dialog.focusWidget() is dialog.plate_edit
    assert dialog.payment_dialog is None


def test_a_message_takes_the_place_of_the_fields_hint_until_the_field_is_edited(
    qtbot: QtBot, open_dialog: Callable[..., TemporaryPermitDialog]
) -> None:
    dialog = open_dialog()
    fill(qtbot, dialog, "AB#1", reason="Guest speaker")
    qtbot.keyClick(dialog.plate_edit, Qt.Key.Key_Return)  # Enter continues
    assert "1 to 10 letters and digits" in dialog.field_error("plate")
    assert dialog.stored_as.isHidden()
    assert dialog.plate_edit.property("invalid") is True
    assert dialog.continue_to_payment() is None
    assert dialog.payment_dialog is None

    qtbot.keyClicks(dialog.plate_edit, "2")
    assert dialog.field_error("plate") == ""
    assert not dialog.stored_as.isHidden()
    assert dialog.stored_as.text() == "Use letters A to Z and digits only."
    assert not dialog.plate_edit.property("invalid")


def test_a_negative_price_is_named_not_turned_positive(
    qtbot: QtBot, open_dialog: Callable[..., TemporaryPermitDialog]
) -> None:
    dialog = open_dialog()
    fill(qtbot, dialog, "NEG123", kind="temporary")
    dialog.price_edit.clear()
    qtbot.keyClicks(dialog.price_edit, "-5")
    assert dialog.price_edit.text() == "-5"
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    assert dialog.field_error("price") == "The price cannot be negative."
    assert dialog.payment_dialog is None


def test_what_only_the_database_knows_comes_back_under_the_field(
    qtbot: QtBot, open_dialog: Callable[..., TemporaryPermitDialog]
) -> None:
    """The same plate twice in the same lot at the same time: the second is refused."""
    plate = unique_plate()
    first = open_dialog()
    fill(qtbot, first, plate, reason="Guest speaker")
    first.continue_to_payment()
    assert first.payment_dialog is not None
    with qtbot.waitSignal(first.issued, timeout=TIMEOUT) as issued:
        first.payment_dialog.take_payment()
    number = issued.args[0].permit_number
    close_previews(qtbot)

    second = open_dialog()
    fill(qtbot, second, plate, reason="Guest speaker")
    payment = second.continue_to_payment()
    assert payment is not None
    with qtbot.waitSignal(payment.rejected, timeout=TIMEOUT):
        payment.take_payment()
    assert f"already has permit {number}" in second.field_error("plate")
    assert second.isVisible()


def test_the_quick_buttons_set_the_end(
    qtbot: QtBot, open_dialog: Callable[..., TemporaryPermitDialog]
) -> None:
    dialog = open_dialog()
    start = dialog.start()
    end = dialog.end()
    assert end.date() == start.date()
    assert (end.hour, end.minute) == (23, 59)

    qtbot.mouseClick(dialog.two_hours_button, Qt.MouseButton.LeftButton)
    assert dialog.end() - dialog.start() == timedelta(hours=2)
    assert dialog.length_label.text().startswith("Lasts 2 h;")

    qtbot.mouseClick(dialog.three_days_button, Qt.MouseButton.LeftButton)
    assert dialog.end().date() == start.date() + timedelta(days=2)
    assert (dialog.end().hour, dialog.end().minute) == (23, 59)

    qtbot.mouseClick(dialog.today_button, Qt.MouseButton.LeftButton)
    assert dialog.end() == end


def test_an_end_before_the_start_is_named_under_the_end(
    qtbot: QtBot, open_dialog: Callable[..., TemporaryPermitDialog]
) -> None:
    dialog = open_dialog(plate="ABC 123", jurisdiction="on")
    assert dialog.plate_edit.text() == "ABC 123"
    assert dialog.jurisdiction_edit.code() == "ON"
    dialog.set_period(dialog.start(), dialog.start() - timedelta(hours=1))
    assert dialog.length_label.text().startswith("Ends before it starts")
    qtbot.keyClicks(dialog.free_reason_edit, "Guest speaker")
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    assert dialog.field_error("until") == "The end must come after the start."
    dialog.set_period(dialog.start(), dialog.start() + timedelta(days=40))
    assert dialog.field_error("until") == ""
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    assert dialog.field_error("until") == "A temporary permit lasts at most 31 days."


def test_describe_length() -> None:
    assert describe_length(timedelta(hours=2)) == "2 h"
    assert describe_length(timedelta(minutes=45)) == "45 min"
    assert describe_length(timedelta(days=1, hours=3, minutes=5)) == "1 day 3 h"
    assert describe_length(timedelta(days=3)) == "3 days"


def test_free_days_beyond_the_offices_limit_are_refused_under_the_reason(
    qtbot: QtBot,
    open_dialog: Callable[..., TemporaryPermitDialog],
    database: Database,
    lot: LotChoice,
) -> None:
    """Chaining free permits into a season of free parking needs a manager.

    The first permit uses the whole allowance, so the dialog's default (the rest of today,
    however short at this hour) goes over it at any time of day.
    """
    plate = unique_plate()
    with database.connect("mona") as mona:
        other_lot = mona.execute(
            "INSERT INTO parkdesk.lot (code, name, capacity) VALUES (%s, 'Other lot', 5) "
            "RETURNING id",
            (f"TO{secrets.token_hex(3).upper()}",),
        ).fetchone()
        mona.commit()
    assert other_lot is not None
    with database.connect("alice") as alice:
        alice.execute(  # the whole week's allowance, free, in another lot, from now
            "SELECT parkdesk.issue_temporary_permit(gen_random_uuid(), 'visitor', 'ON', %s, %s, "
            "now(), now() + interval '7 days', 0, 'Week one', NULL)",
            (plate, other_lot[0]),
        )
        alice.commit()
    dialog = open_dialog()
    fill(qtbot, dialog, plate, reason="Week two")
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    payment = dialog.payment_dialog
    assert payment is not None
    qtbot.mouseClick(payment.pay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.field_error("free_reason") != "", timeout=TIMEOUT)
    assert "the office allows 7" in dialog.field_error("free_reason")
    assert "A manager can issue more" in dialog.field_error("free_reason")
