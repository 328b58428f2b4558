"""The plate check desk against the real database: typing, verdicts, look-alikes, live updates.

The headline: a desk open on an officer's login shows "No permit" for a plate, a
clerk sells a permit for it at another client, and the card turns green by itself.
"""

# qtbot's key and mouse helpers are generated at import time and carry no annotations.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.services.live import ChangeListener
from desktop.services.platecheck import PlateVerdict
from desktop.services.workspace import Workspace
from desktop.views.appeals import CaseTimelineDialog
from desktop.views.kit.live import LIVE, LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import alive, app_settings
from desktop.views.plate_check.desk import PlateCheckDesk
from desktop.views.plate_check.inputs import JURISDICTION_KEY
from tests.citation_data import enforcement_field
from tests.clock import computer_zone
from tests.conftest import ROLE_LOGIN, Database
from tests.services.test_platecheck import (
    Connect,
    Office,
    issue_visitor,
    lookalike_pair,
    make_office,
    plain_plate,
    register,
    sell,
)

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]

TIMEOUT = 20_000


@dataclass
class Kit:
    desk: PlateCheckDesk
    runner: OperationRunner
    live: LiveChanges


@pytest.fixture
def open_desk(
    qtbot: QtBot, database: Database, workspace_for: Callable[[str], Workspace]
) -> Iterator[Callable[..., Kit]]:
    """``open_desk("officer")``: a shown desk with its own runner and live connection."""
    kits: list[Kit] = []

    def _open(login: str = "officer", *, live: bool = True) -> Kit:
        workspace = workspace_for(login)
        runner = OperationRunner()
        changes = LiveChanges(
            ChangeListener(database.settings(ROLE_LOGIN.get(login, login))), runner
        )
        desk = PlateCheckDesk(workspace, runner, changes)
        qtbot.addWidget(desk)
        kit = Kit(desk, runner, changes)
        kits.append(kit)
        if live:
            changes.start()
            qtbot.waitUntil(lambda: changes.state == LIVE, timeout=TIMEOUT)
        desk.resize(950, 660)
        desk.show()
        qtbot.waitExposed(desk)
        desk.activateWindow()
        qtbot.waitActive(desk)
        # The lot list arrives off the GUI thread.
        qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
        return kit

    yield _open
    for kit in kits:
        kit.live.stop()
        qtbot.waitUntil(lambda k=kit: not k.runner.busy, timeout=TIMEOUT)  # type: ignore[misc]
        if alive(kit.desk):  # closed already if waiting let pytest-qt's deleteLater run
            kit.desk.hide()  # gives the kept connection back before the workspace closes


@pytest.fixture
def office(connect_as: Connect) -> Office:
    return make_office(connect_as)


def type_and_check(qtbot: QtBot, desk: PlateCheckDesk, plate: str) -> PlateVerdict:
    """Type a plate the way an officer does and press Enter; returns the verdict shown."""
    desk.inputs.plate_edit.setFocus()
    desk.inputs.plate_edit.selectAll()
    qtbot.keyClicks(desk.inputs.plate_edit, plate)
    with qtbot.waitSignal(desk.verdict_shown, timeout=TIMEOUT) as shown:
        qtbot.keyClick(desk.inputs.plate_edit, Qt.Key.Key_Return)
    verdict = shown.args[0]
    assert isinstance(verdict, PlateVerdict)
    return verdict


def test_before_any_check_the_desk_says_what_to_do(
    open_desk: Callable[..., Kit], office: Office
) -> None:
    desk = open_desk(live=False).desk
    assert desk.verdict.empty_state.isVisible()
    assert desk.verdict.empty_state.title.text() == "Type a plate and press Enter"
    assert not desk.verdict.card.isVisible()
    assert desk.inputs.plate_edit.hasFocus()
    assert desk.inputs.jurisdiction_combo.code() == "ON"
    assert desk.inputs.lot_combo.itemText(0) == "Any lot"
    assert desk.inputs.lot_combo.findData(office.lot_code) > 0  # the lots arrived
    assert (
        desk.inputs.lot_combo.itemText(desk.inputs.lot_combo.findData(office.lot_code))
        == office.lot_name
    )
    assert desk.inputs.now_button.isChecked()
    assert desk.verdict.near_buttons == []


def test_typing_a_plate_and_pressing_enter_shows_the_verdict(
    qtbot: QtBot, open_desk: Callable[..., Kit], office: Office, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    plate = plain_plate()
    parker, vehicle = register(alice, plate)
    _, number = sell(alice, office, parker, vehicle)
    desk = open_desk(live=False).desk

    verdict = type_and_check(qtbot, desk, f"{plate[:3].lower()} {plate[3:]}")

    assert desk.inputs.plate_edit.text() == f"{plate[:3]} {plate[3:]}"  # upper-cased as typed
    assert verdict.verdict == "valid"
    assert desk.verdict.card.isVisible()
    assert not desk.verdict.empty_state.isVisible()
    assert desk.verdict.card.title.text() == "Valid permit"
    assert desk.verdict.card.tone_label.text() == "MAY PARK"
    assert desk.verdict.card.plate.text() == f"{plate} (ON)"
    assert desk.verdict.card.reason.text() == verdict.reason
    assert desk.verdict.card.value("permit") == number
    assert desk.verdict.card.value("type") == office.type_name
    assert desk.verdict.card.value("lot") == office.lot_name
    assert desk.verdict.card.value("until").startswith("end of ")
    # Ready for the next plate, and remembered in the session's list.
    assert desk.inputs.plate_edit.hasFocus()
    assert desk.inputs.plate_edit.selectedText() == desk.inputs.plate_edit.text()
    assert desk.history.checks.count() == 1
    assert f"{plate} (ON)" in desk.history.checks.item(0).text()
    assert "Valid permit" in desk.history.checks.item(0).text()


def test_lot_and_jurisdiction_shape_the_verdict(
    qtbot: QtBot, open_desk: Callable[..., Kit], office: Office, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    plate = plain_plate()
    parker, vehicle = register(alice, plate)
    sell(alice, office, parker, vehicle)
    visitor = plain_plate()
    issue_visitor(alice, office.lot_id, visitor, "NY")
    desk = open_desk(live=False).desk

    desk.inputs.lot_combo.setCurrentIndex(desk.inputs.lot_combo.findData(office.other_lot_code))
    verdict = type_and_check(qtbot, desk, plate)
    assert verdict.verdict == "wrong_lot"
    assert desk.verdict.card.title.text() == "Wrong lot"
    assert desk.verdict.card.tone_label.text() == "NOT IN THIS LOT"
    assert office.other_lot_name in desk.verdict.card.reason.text()

    desk.inputs.lot_combo.setCurrentIndex(0)
    desk.inputs.jurisdiction_combo.setEditText("ny")
    verdict = type_and_check(qtbot, desk, visitor)
    assert verdict.verdict == "temporary"
    assert verdict.jurisdiction == "NY"
    assert desk.verdict.card.title.text() == "Valid temporary permit"
    assert desk.verdict.card.value("type") == "Visitor permit"
    # The jurisdiction is remembered for the next time the desk opens.
    assert app_settings().value(JURISDICTION_KEY) == "NY"


def test_a_jurisdiction_typed_before_the_plate_is_read_as_one(
    qtbot: QtBot, open_desk: Callable[..., Kit], office: Office, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    plate = plain_plate()
    parker, vehicle = register(alice, plate, "BC")
    sell(alice, office, parker, vehicle)
    desk = open_desk(live=False).desk
    assert desk.inputs.jurisdiction_combo.code() == "ON"

    # As every list shows a plate: the BC verdict, never plate "BC…" in Ontario.
    verdict = type_and_check(qtbot, desk, f"BC {plate}")
    assert (verdict.jurisdiction, verdict.plate, verdict.verdict) == ("BC", plate, "valid")
    assert desk.inputs.jurisdiction_combo.code() == "BC"
    assert desk.inputs.plate_edit.text() == plate
    assert desk.inputs.read_as_label.isVisible()
    assert desk.inputs.read_as_label.text() == f"Read as a plate of British Columbia (BC): {plate}."
    assert desk.verdict.card.tone_label.text() == "MAY PARK"

    # And as a verdict names it.
    desk.inputs.jurisdiction_combo.set_code("ON")
    verdict = type_and_check(qtbot, desk, f"{plate} (BC)")
    assert (verdict.jurisdiction, verdict.verdict) == ("BC", "valid")


def test_a_new_input_error_takes_the_old_verdict_away(
    qtbot: QtBot, open_desk: Callable[..., Kit], office: Office, connect_as: Connect
) -> None:
    desk = open_desk(live=False).desk
    type_and_check(qtbot, desk, plain_plate())
    assert desk.verdict.card.isVisible()
    desk.inputs.plate_edit.selectAll()
    qtbot.keyClicks(desk.inputs.plate_edit, "AB$%")
    qtbot.keyClick(desk.inputs.plate_edit, Qt.Key.Key_Return)
    assert desk.inputs.problem_label.isVisible()
    assert not desk.verdict.card.isVisible()
    assert desk.shown_verdict is None
    assert desk.verdict.empty_state.isVisible()


def test_a_bad_plate_gets_a_message_under_the_field(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    desk = open_desk(live=False).desk
    qtbot.keyClicks(desk.inputs.plate_edit, "AB$%")
    with qtbot.assertNotEmitted(desk.verdict_shown, wait=200):
        qtbot.keyClick(desk.inputs.plate_edit, Qt.Key.Key_Return)

    assert desk.inputs.problem_label.isVisible()
    assert "is not a plate" in desk.inputs.problem_label.text()
    assert desk.inputs.plate_edit.property("invalid") is True
    assert desk.inputs.plate_edit.hasFocus()
    assert desk.verdict.empty_state.isVisible()  # nothing was checked

    # Typing again clears the message.
    qtbot.keyClick(desk.inputs.plate_edit, Qt.Key.Key_Backspace)
    assert not desk.inputs.problem_label.isVisible()
    assert desk.inputs.plate_edit.property("invalid") is False

    desk.inputs.plate_edit.clear()
    desk.inputs.jurisdiction_combo.setEditText("Narnia")
    qtbot.keyClicks(desk.inputs.plate_edit, plain_plate())
    qtbot.keyClick(desk.inputs.plate_edit, Qt.Key.Key_Return)
    assert "Jurisdiction is a two-letter code" in desk.inputs.problem_label.text()
    assert desk.inputs.jurisdiction_combo.property("invalid") is True


def test_a_lookalike_is_offered_and_checked_only_when_chosen(
    qtbot: QtBot, open_desk: Callable[..., Kit], office: Office, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    stored, misread = lookalike_pair()
    parker, vehicle = register(alice, stored)
    sell(alice, office, parker, vehicle)
    desk = open_desk(live=False).desk

    verdict = type_and_check(qtbot, desk, misread)

    assert verdict.verdict == "no_permit"
    assert desk.verdict.card.title.text() == "No permit"
    assert desk.verdict.near_title.text() == "Did you mean…"
    buttons = {b.text().split()[0]: b for b in desk.verdict.near_buttons}
    assert stored in buttons
    assert "1 look-alike" in buttons[stored].text()
    # Never substituted: the typed plate's verdict stays until the person chooses.
    assert desk.verdict.card.plate.text() == f"{misread} (ON)"

    with qtbot.waitSignal(desk.verdict_shown, timeout=TIMEOUT) as shown:
        qtbot.mouseClick(buttons[stored], Qt.MouseButton.LeftButton)

    assert shown.args[0].plate == stored
    assert shown.args[0].verdict == "valid"
    assert desk.verdict.card.title.text() == "Valid permit"
    assert desk.inputs.plate_edit.text() == stored
    # The misread plate keeps its own line in the history.
    assert desk.history.checks.count() == 2
    assert f"{misread} (ON)" in desk.history.checks.item(1).text()


def test_choosing_a_history_entry_checks_it_again(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    desk = open_desk(live=False).desk
    first, second = plain_plate(), plain_plate()
    type_and_check(qtbot, desk, first)
    type_and_check(qtbot, desk, second)
    assert desk.inputs.plate_edit.text() == second

    item = desk.history.checks.item(1)
    with qtbot.waitSignal(desk.verdict_shown, timeout=TIMEOUT) as shown:
        rect = desk.history.checks.visualItemRect(item)
        qtbot.mouseClick(
            desk.history.checks.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
        )

    assert shown.args[0].plate == first
    assert desk.inputs.plate_edit.text() == first
    assert desk.history.checks.count() == 3


def test_a_permit_sold_at_another_client_turns_the_card_green_by_itself(
    qtbot: QtBot, open_desk: Callable[..., Kit], office: Office, connect_as: Connect
) -> None:
    """The headline: sold at the counter at 9:02, valid for the plate check at 9:05."""
    alice = connect_as("alice")
    plate = plain_plate()
    parker, vehicle = register(alice, plate)
    desk = open_desk("officer").desk
    assert type_and_check(qtbot, desk, plate).verdict == "no_permit"
    assert desk.verdict.card.title.text() == "No permit"

    with qtbot.waitSignal(
        desk.verdict_shown,
        timeout=5000,
        check_params_cb=lambda v: isinstance(v, PlateVerdict) and v.verdict == "valid",
    ) as shown:
        _, number = sell(alice, office, parker, vehicle)  # a second connection, committed

    verdict = shown.args[0]
    assert verdict.plate == plate
    assert verdict.permit_number == number
    assert desk.verdict.card.title.text() == "Valid permit"
    assert desk.shown_verdict == verdict
    assert desk.verdict.card.value("permit") == number
    assert "changed at another desk" in desk.verdict.card.note.text()
    # Nobody asked: the history still has the one check the officer made.
    assert desk.history.checks.count() == 1


def test_a_cancellation_elsewhere_turns_a_valid_card_red(
    qtbot: QtBot, open_desk: Callable[..., Kit], office: Office, connect_as: Connect
) -> None:
    import json
    import uuid

    alice = connect_as("alice")
    plate = plain_plate()
    parker, vehicle = register(alice, plate)
    permit_id, _ = sell(alice, office, parker, vehicle)
    desk = open_desk("dispatcher").desk
    assert type_and_check(qtbot, desk, plate).verdict == "valid"

    card = json.dumps({"kind": "card", "brand": "Visa", "last4": "4242", "reference": "AUTH-9"})
    with qtbot.waitSignal(
        desk.verdict_shown,
        timeout=5000,
        check_params_cb=lambda v: isinstance(v, PlateVerdict) and v.verdict == "expired",
    ):
        alice.execute(
            "SELECT cancel_permit(%s, %s, 'Left the university', %s)",
            (uuid.uuid4(), permit_id, card),
        )
        alice.commit()

    assert desk.verdict.card.title.text() == "Expired"
    assert desk.verdict.card.reason.text().startswith("Cancelled:")


def test_the_keyboard_alone_is_enough(
    qtbot: QtBot, open_desk: Callable[..., Kit], office: Office, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    stored, misread = lookalike_pair()
    register(alice, stored)
    desk = open_desk(live=False).desk
    order = [desk.inputs.plate_edit]
    widget = desk.inputs.plate_edit.nextInFocusChain()
    while widget is not desk.inputs.plate_edit and len(order) < 40:
        order.append(widget)
        widget = widget.nextInFocusChain()
    for before, after in (
        (desk.inputs.plate_edit, desk.inputs.jurisdiction_combo),
        (desk.inputs.jurisdiction_combo, desk.inputs.lot_combo),
        (desk.inputs.lot_combo, desk.inputs.check_button),  # as laid out: Check ends the row
        (desk.inputs.check_button, desk.inputs.at_edit),  # and the time is on the next
        (desk.inputs.at_edit, desk.inputs.now_button),
    ):
        assert order.index(before) < order.index(after)

    # Enter in the jurisdiction field checks too; Enter on a look-alike chooses it.
    qtbot.keyClicks(desk.inputs.plate_edit, misread)
    desk.inputs.jurisdiction_combo.setFocus()
    with qtbot.waitSignal(desk.verdict_shown, timeout=TIMEOUT):
        qtbot.keyClick(desk.inputs.jurisdiction_combo, Qt.Key.Key_Return)
    button = next(b for b in desk.verdict.near_buttons if b.text().startswith(stored))
    button.setFocus()
    with qtbot.waitSignal(desk.verdict_shown, timeout=TIMEOUT) as shown:
        qtbot.keyClick(button, Qt.Key.Key_Return)
    assert shown.args[0].plate == stored


def test_checking_for_another_moment_and_back_to_now(
    qtbot: QtBot, open_desk: Callable[..., Kit], office: Office, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    plate = plain_plate()
    parker, vehicle = register(alice, plate)
    sell(alice, office, parker, vehicle)
    desk = open_desk(live=False).desk
    assert type_and_check(qtbot, desk, plate).verdict == "valid"

    later = desk.inputs.at_edit.dateTime().addDays(45)
    desk.inputs.at_edit.setDateTime(later)  # as if typed: the moment is no longer "now"
    assert not desk.inputs.now_button.isChecked()
    with qtbot.waitSignal(desk.verdict_shown, timeout=TIMEOUT) as shown:
        qtbot.mouseClick(desk.inputs.check_button, Qt.MouseButton.LeftButton)
    assert shown.args[0].verdict == "expired"
    assert shown.args[0].query.at is not None
    assert "(not now)" in desk.verdict.card.value("checked")

    with qtbot.waitSignal(desk.verdict_shown, timeout=TIMEOUT) as shown:
        qtbot.mouseClick(desk.inputs.now_button, Qt.MouseButton.LeftButton)
    assert desk.inputs.now_button.isChecked()
    assert shown.args[0].verdict == "valid"
    assert shown.args[0].query.at is None


def test_a_moment_can_be_typed_whole_into_at(qtbot: QtBot, open_desk: Callable[..., Kit]) -> None:
    desk = open_desk(live=False).desk
    desk.inputs.at_edit.setFocus()
    desk.inputs.at_edit.lineEdit().selectAll()
    qtbot.keyClicks(desk.inputs.at_edit, "15 May 2027 12:00")
    qtbot.keyClick(desk.inputs.at_edit, Qt.Key.Key_Tab)
    moment = desk.inputs.at_edit.dateTime()
    assert (moment.date().year(), moment.date().month(), moment.date().day()) == (2027, 5, 15)
    assert (moment.time().hour(), moment.time().minute()) == (12, 0)
    assert desk.inputs.at_edit.text() == "15 May 2027 12:00"
    assert not desk.inputs.now_button.isChecked()


@pytest.fixture
def tokyo_computer_toronto_office(database: Database) -> Iterator[None]:
    """A computer whose clock is set to Tokyo time in an office kept in Toronto time."""
    with database.admin() as su:
        row = su.execute("SELECT time_zone FROM parkdesk.office_setting WHERE id = 1").fetchone()
        assert row is not None
        su.execute("UPDATE parkdesk.office_setting SET time_zone = 'America/Toronto' WHERE id = 1")
        su.commit()
    try:
        with computer_zone("Asia/Tokyo"):
            yield
    finally:
        with database.admin() as su:
            su.execute("UPDATE parkdesk.office_setting SET time_zone = %s WHERE id = 1", row)
            su.commit()


@pytest.mark.usefixtures("tokyo_computer_toronto_office")
def test_times_are_typed_and_shown_on_the_offices_clock(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    desk = open_desk(live=False).desk
    now_there = datetime.now(ZoneInfo("America/Toronto"))
    shown = desk.inputs.at_edit.dateTime()  # "Now", as the office's clock says it
    assert (shown.date().day(), shown.time().hour()) == (now_there.day, now_there.hour)

    desk.inputs.at_edit.setFocus()
    desk.inputs.at_edit.lineEdit().selectAll()
    qtbot.keyClicks(desk.inputs.at_edit, "15 May 2027 12:00")
    verdict = type_and_check(qtbot, desk, plain_plate())
    assert verdict.query.at == datetime(2027, 5, 15, 12, 0, tzinfo=ZoneInfo("America/Toronto"))
    assert "for 15 May 2027, 12:00 (not now)" in desk.verdict.card.value("checked")
    checked = verdict.checked_at.astimezone(ZoneInfo("America/Toronto"))
    assert desk.verdict.card.value("checked").startswith(f"{checked:%H:%M:%S}")


def test_the_desk_gives_its_connection_back_when_hidden(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    desk = open_desk(live=False).desk
    type_and_check(qtbot, desk, plain_plate())
    assert desk.service._proxy is not None  # kept for the next check

    desk.hide()
    assert desk.service._proxy is None
    desk.show()
    qtbot.waitExposed(desk)
    assert type_and_check(qtbot, desk, plain_plate()).verdict == "no_permit"


def test_the_plates_recent_reads_show_beside_its_verdict(
    qtbot: QtBot, open_desk: Callable[..., Kit], database: Database
) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.citation_data import enforcement_field

    field = enforcement_field(database)
    plate = plain_plate()
    with database.connect("otto") as otto:
        for minutes in (40, 10):
            otto.execute(
                "SELECT * FROM record_plate_read(%s, %s, 'ON', %s, %s, %s)",
                (field.device, field.next_call, plate, field.lot_code,
                 datetime.now(UTC) - timedelta(minutes=minutes)),
            )  # fmt: skip
            field.next_call += 1
        otto.commit()
    desk = open_desk("officer", live=False).desk
    with qtbot.waitSignal(desk.reads_shown, timeout=TIMEOUT):
        type_and_check(qtbot, desk, plate)
    reads = desk.recent_reads.reads
    assert reads.count() == 2
    newest = reads.item(0).text()
    assert field.lot_name in newest
    assert f"No permit · {field.device} · otto" in newest
    with qtbot.waitSignal(desk.reads_shown, timeout=TIMEOUT):
        type_and_check(qtbot, desk, plain_plate())
    assert not desk.recent_reads.reads.isVisible()
    assert "No device has read" in desk.recent_reads.empty.text()


def test_an_exempt_plate_says_do_not_ticket(
    qtbot: QtBot, open_desk: Callable[..., Kit], connect_as: Connect
) -> None:
    plate = plain_plate()
    mona = connect_as("mona")
    mona.execute(
        "INSERT INTO exemption (jurisdiction, plate_normalized, reason) "
        "VALUES ('ON', %s, 'City works crew')",
        (plate,),
    )
    mona.commit()
    desk = open_desk("officer", live=False).desk
    verdict = type_and_check(qtbot, desk, plate)
    assert verdict.verdict == "exempt"
    assert verdict.may_park
    assert desk.verdict.card.title.text() == "Exempt — do not ticket"
    assert "City works crew" in desk.verdict.card.reason.text()


def test_the_counter_opens_a_citations_case_timeline_from_the_plate_check(
    qtbot: QtBot, open_desk: Callable[..., Kit], database: Database
) -> None:
    field = enforcement_field(database)
    issued = field.issue(minutes_ago=20)
    desk = open_desk("clerk", live=False).desk
    assert desk.citations.isVisible()
    assert desk.citations.empty.text() == "The citations of the plate you check appear here."
    with qtbot.waitSignal(desk.reads_shown, timeout=TIMEOUT):
        type_and_check(qtbot, desk, issued.plate)
    listed = desk.citations.citations
    assert listed.count() == 1
    assert issued.number in listed.item(0).text()
    assert "owes $40.00" in listed.item(0).text()
    with qtbot.waitSignal(desk.timeline_opened, timeout=TIMEOUT) as opened:
        listed.itemActivated.emit(listed.item(0))
    dialog = opened.args[0]
    assert isinstance(dialog, CaseTimelineDialog)
    assert dialog.windowTitle() == f"Case timeline, citation {issued.number}"
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=TIMEOUT)
    assert any(e.kind == "citation" for e in dialog.model.rows())
    dialog.reject()

    # The officer's plate check shows no citations list (it reads no timelines).
    officer = open_desk("officer", live=False).desk
    assert not officer.citations.isVisible()
