"""The cash drawer desk as a clerk and as a manager, against the real database."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.services.cashdrawer import AWAITING, CashDrawerService
from desktop.services.localization import format_money
from desktop.services.workspace import Workspace
from desktop.views.cash_drawer.desk import CashDrawerDesk
from desktop.views.cash_drawer.drawer_panel import NO_SHIFT_TITLE
from desktop.views.cash_drawer.history import ShiftHistoryModel
from desktop.views.kit.live import LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import alive
from tests.views.elision import cut_texts

TIMEOUT_MS = 30_000
Connect = Callable[[str], psycopg.Connection[tuple[object, ...]]]

# The offscreen platform cannot pass window hints on; that is not a ParkDesk problem.
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


def close_any_open_shift(service: CashDrawerService) -> None:
    current = service.current_shift()
    if current is not None:
        service.close_shift(current.id, {})


@pytest.fixture
def desk_for(
    qtbot: QtBot,
    runner: OperationRunner,
    workspace_for: Callable[[str], Workspace],
    live_for: Callable[[Workspace], LiveChanges],
) -> Iterator[Callable[[str], CashDrawerDesk]]:
    """``desk_for("alice")``: the desk, live, with no shift open for a clerk; shifts the
    test leaves open are closed afterwards."""
    clerks: list[CashDrawerService] = []

    def _open(login: str) -> CashDrawerDesk:
        workspace = workspace_for(login)
        if "clerk" in workspace.identity.roles:
            service = CashDrawerService(workspace)
            close_any_open_shift(service)
            clerks.append(service)
        desk = CashDrawerDesk(workspace, runner, live_for(workspace))
        qtbot.addWidget(desk)
        desk.resize(1100, 720)
        with qtbot.waitSignals([desk.drawer_loaded, desk.history_loaded], timeout=TIMEOUT_MS):
            desk.show()
        return desk

    yield _open
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT_MS)
    for service in clerks:
        close_any_open_shift(service)


def cash_fee(conn: psycopg.Connection[tuple[object, ...]], amount: str) -> None:
    """A fee paid in cash at this clerk's counter, for a parker they register."""
    row = conn.execute(
        "INSERT INTO parkdesk.parker (first_name, last_name, affiliation) "
        "VALUES ('Counter', %s, 'visitor') RETURNING id",
        (f"Cash{secrets.token_hex(3)}",),
    ).fetchone()
    assert row is not None
    conn.execute(
        "SELECT parkdesk.charge_fee(%s, %s, %s, 'Lost permit replacement', %s::jsonb)",
        (uuid.uuid4(), row[0], Decimal(amount), json.dumps({"kind": "cash", "tendered": "20"})),
    )
    conn.commit()


def totals_text(desk: CashDrawerDesk) -> dict[str, tuple[str, str]]:
    """The running totals as the drawer shows them: tender -> (received, paid out)."""
    shown: dict[str, tuple[str, str]] = {}
    for cell in desk.drawer.open_page.findChildren(QLabel):
        name = cell.objectName()
        if name.startswith("total_") and alive(cell):
            _, tender, direction = name.split("_")
            received, paid = shown.get(tender, ("", ""))
            shown[tender] = (cell.text(), paid) if direction == "in" else (received, cell.text())
    return shown


def history_texts(desk: CashDrawerDesk, shift_id: int) -> list[str]:
    model = desk.history.model
    row = model.row_of(shift_id)
    assert row is not None
    return [str(model.index(row, c).data()) for c in range(model.columnCount())]


def test_opening_and_closing_a_shift_with_a_variance(
    qtbot: QtBot, desk_for: Callable[[str], CashDrawerDesk], connect_as: Connect
) -> None:
    desk = desk_for("alice")
    assert desk.drawer.state is not None
    currency = desk.drawer.state.office.currency
    assert desk.drawer.page is desk.drawer.no_shift_page
    assert desk.drawer.no_shift_title.text() == NO_SHIFT_TITLE
    assert desk.drawer.open_button.isVisible()
    assert not desk.drawer.close_button.isVisible()
    assert desk.leave_warning() is None  # nothing open: logging out asks nothing

    # A float that is not an amount is pointed out, and nothing is opened.
    qtbot.keyClicks(desk.drawer.open_float_edit, "abc")
    qtbot.keyClick(desk.drawer.open_float_edit, "\r")
    qtbot.waitUntil(desk.drawer.open_error.isVisible, timeout=TIMEOUT_MS)
    assert "Type the float as an amount" in desk.drawer.open_error.text()
    assert desk.drawer.open_float_edit.property("invalid") is True

    desk.drawer.open_float_edit.clear()
    qtbot.keyClicks(desk.drawer.open_float_edit, "100")
    qtbot.keyClick(desk.drawer.open_float_edit, "\r")
    qtbot.waitUntil(desk.drawer.close_button.isVisible, timeout=TIMEOUT_MS)
    assert desk.drawer.state is not None
    qtbot.waitUntil(lambda: desk.drawer.state is not None and desk.drawer.state.current is not None)
    shift = desk.drawer.state.current
    assert shift is not None
    assert desk.drawer.shift_title.text() == f"Shift {shift.id} is open"
    warning = desk.leave_warning()
    assert warning is not None
    assert f"shift {shift.id} is still open" in warning
    assert format_money(Decimal(100), currency) in desk.drawer.shift_facts.text()
    assert "no payments yet" in desk.drawer.shift_facts.text()
    assert not desk.drawer.open_error.isVisible()

    # A cash payment at the counter shows up in the running totals by itself (live), as a
    # payment counted, never as the cash the drawer should hold: the count at close is blind.
    cash_fee(connect_as("alice"), "12.50")
    qtbot.waitUntil(lambda: "1 payment" in desk.drawer.shift_facts.text(), timeout=TIMEOUT_MS)
    assert totals_text(desk)["cash"] == ("counted at close", "")
    assert not desk.drawer.report_button.isVisible()  # no report of the open drawer for its clerk
    assert format_money(Decimal("12.50"), currency) not in desk.drawer.shift_facts.text()

    # The blind count: nothing about what is expected until the count is recorded.
    desk.drawer.close_button.click()
    dialog = desk.drawer.close_dialog.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    shown_before = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "112.50" not in shown_before
    assert "Expected" not in shown_before
    # Enter in a quantity moves on to the next one; it never sends a half-done count.
    first = next(iter(dialog.spins.values()))
    qtbot.keyClick(first, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert desk.drawer.last_close is None
    dialog.spins[Decimal(20)].setValue(5)
    dialog.spins[Decimal("0.10")].setValue(75)
    assert dialog.counted_total() == Decimal("107.50")
    assert dialog.total_label.text() == format_money(Decimal("107.50"), currency)
    with qtbot.waitSignal(desk.shift_closed, timeout=TIMEOUT_MS):
        dialog.record_button.click()

    close = desk.drawer.last_close
    assert close is not None
    assert (close.shift_id, close.expected, close.counted, close.variance) == (
        shift.id,
        Decimal("112.50"),
        Decimal("107.50"),
        Decimal("-5.00"),
    )
    assert desk.drawer.page is desk.drawer.result_page
    short = f"Short by {format_money(Decimal('5.00'), currency)}"
    assert desk.drawer.variance_label.text() == short
    assert desk.drawer.result_expected.text() == format_money(Decimal("112.50"), currency)
    assert "awaits a manager's sign-off" in desk.drawer.result_note.text()
    assert not alive(dialog) or not dialog.isVisible()

    # The live refresh after the close keeps the result on screen until the clerk is done.
    qtbot.waitUntil(lambda: desk.history.model.row_of(shift.id) is not None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: history_texts(desk, shift.id)[ShiftHistoryModel.VARIANCE] == short,
        timeout=TIMEOUT_MS,
    )
    assert history_texts(desk, shift.id)[ShiftHistoryModel.SIGN_OFF] == "Awaiting sign-off"
    assert desk.drawer.page is desk.drawer.result_page

    with qtbot.waitSignal(desk.report_opened, timeout=TIMEOUT_MS) as opened:
        desk.drawer.report_button.click()
    preview = opened.args[0]
    assert preview.page_count() >= 1
    preview.close()

    desk.drawer.done_button.click()
    assert desk.drawer.page is desk.drawer.no_shift_page


def test_a_clerk_sees_only_their_own_shifts(
    qtbot: QtBot,
    desk_for: Callable[[str], CashDrawerDesk],
    workspace_for: Callable[[str], Workspace],
) -> None:
    other = CashDrawerService(workspace_for("alice"))
    close_any_open_shift(other)
    theirs = other.open_shift("40")
    try:
        desk = desk_for("bruno")
        with qtbot.waitSignal(desk.history_loaded, timeout=TIMEOUT_MS):
            desk.history.filter_combo.setCurrentIndex(desk.history.filter_combo.findText("All"))
        model = desk.history.model
        clerks = {s.clerk for r in range(model.rowCount()) if (s := model.row_at(r))}
        assert clerks <= {"bruno"}
        assert model.row_of(theirs.id) is None
        assert not desk.history.sign_off_button.isVisible()
    finally:
        other.close_shift(theirs.id, {Decimal(20): 2})


def test_manager_sees_the_variance_and_signs_it_off(
    qtbot: QtBot,
    desk_for: Callable[[str], CashDrawerDesk],
    workspace_for: Callable[[str], Workspace],
    qtmodeltester: ModelTester,
) -> None:
    clerk = CashDrawerService(workspace_for("bruno"))
    close_any_open_shift(clerk)
    shift = clerk.open_shift("50")
    clerk.close_shift(shift.id, {Decimal(20): 2, Decimal(5): 1})  # 45 of 50: short by 5

    desk = desk_for("manager")
    assert not desk.drawer.isVisible()  # managers do not keep a drawer
    assert desk.history.current_filter() == AWAITING
    qtmodeltester.check(desk.history.model)
    qtbot.waitUntil(lambda: desk.history.model.row_of(shift.id) is not None, timeout=TIMEOUT_MS)
    texts = history_texts(desk, shift.id)
    assert texts[ShiftHistoryModel.CLERK] == "Bruno"
    assert texts[ShiftHistoryModel.SIGN_OFF] == "Awaiting sign-off"
    # At the default window size nothing in the list is cut ("Awaiting sig…" before).
    desk.resize(1200, 780)
    qtbot.wait(50)
    assert cut_texts(desk.history.view) == []

    assert not desk.history.sign_off_button.isEnabled()
    assert desk.history.view.show_key(shift.id)
    assert desk.history.sign_off_button.isEnabled()
    dialog = desk.history.sign_off_selected()
    assert dialog is not None
    assert not dialog.record_button.isEnabled()  # a note is required
    qtbot.keyClicks(dialog.note_edit, "Five dollar bill found under the drawer tray.")
    assert dialog.record_button.isEnabled()
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT_MS):
        dialog.record_button.click()

    # Signed off, it leaves the "awaiting" list; under All it says who signed.
    qtbot.waitUntil(lambda: desk.history.model.row_of(shift.id) is None, timeout=TIMEOUT_MS)
    desk.history.filter_combo.setCurrentIndex(desk.history.filter_combo.findText("All"))
    qtbot.waitUntil(lambda: desk.history.model.row_of(shift.id) is not None, timeout=TIMEOUT_MS)
    assert history_texts(desk, shift.id)[ShiftHistoryModel.SIGN_OFF] == "Signed off by mona"
