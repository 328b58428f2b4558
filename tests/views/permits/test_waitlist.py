"""The waitlist panel against the real database: offers made when a lot grows, declined, and
expired by the clock, each moving the space on to the next parker waiting."""

# qtbot's key and mouse helpers are generated at import time and carry no annotations.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.services.live import ChangeListener
from desktop.services.permits import PermitService, WaitlistPosition
from desktop.services.workspace import Workspace
from desktop.views.kit.live import LIVE, LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.permits.waitlist import (
    EXPIRES,
    PARKER,
    RANK,
    STATUS,
    WaitlistPanel,
    ordinal,
    time_left,
)
from tests.conftest import Database

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]

TIMEOUT = 30_000


@dataclass
class Waitlist:
    type_id: int
    lot_id: int
    parkers: list[int]
    entries: list[int]


@pytest.fixture
def service(workspace_for: Callable[[str], Workspace]) -> PermitService:
    return PermitService(workspace_for("alice"))


@pytest.fixture
def waitlist(database: Database, service: PermitService) -> Waitlist:
    """A permit type sold only through its waitlist, for a lot with no space yet, and three
    parkers waiting for it in order."""
    token = secrets.token_hex(3).upper()
    with database.connect("mona") as manager:
        lot = manager.execute(
            "INSERT INTO parkdesk.lot (code, name, capacity) VALUES (%s, %s, 0) RETURNING id",
            (f"WL{token}", f"Garage {token}"),
        ).fetchone()
        permit_type = manager.execute(
            "INSERT INTO parkdesk.permit_type (code, name, price, validity, days, affiliations, "
            "sale_mode, offer_hours) VALUES (%s, %s, 90, 'days', 30, ARRAY['staff'], "
            "'waitlist', 48) RETURNING id",
            (f"WL{token}", f"Reserved {token}"),
        ).fetchone()
        assert lot is not None
        assert permit_type is not None
        manager.execute(
            "INSERT INTO parkdesk.permit_type_lot (permit_type_id, lot_id) VALUES (%s, %s)",
            (permit_type[0], lot[0]),
        )
        manager.commit()
    parkers = []
    with database.connect("alice") as clerk:
        for first in ("Ari", "Bea", "Cy"):
            row = clerk.execute(
                "INSERT INTO parkdesk.parker (first_name, last_name, affiliation) "
                "VALUES (%s, %s, 'staff') RETURNING id",
                (first, f"Waiting{token}"),
            ).fetchone()
            assert row is not None
            parkers.append(int(str(row[0])))
        clerk.commit()
    type_id, lot_id = int(str(permit_type[0])), int(str(lot[0]))
    entries = [service.join_waitlist(type_id, lot_id, p).entry_id for p in parkers]
    return Waitlist(type_id, lot_id, parkers, entries)


@pytest.fixture
def open_panel(
    qtbot: QtBot, runner: OperationRunner, service: PermitService
) -> Iterator[Callable[..., WaitlistPanel]]:
    lives: list[LiveChanges] = []

    def _open(editable: bool = True) -> WaitlistPanel:
        live = LiveChanges(ChangeListener(service.workspace.settings), runner)
        lives.append(live)
        live.start()
        qtbot.waitUntil(lambda: live.state == LIVE, timeout=TIMEOUT)
        panel = WaitlistPanel(service, runner, live, editable)
        qtbot.addWidget(panel)
        panel.resize(1100, 500)
        with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
            panel.show()
        return panel

    yield _open
    for live in lives:
        live.stop()
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)


def status(panel: WaitlistPanel, entry_id: int) -> str:
    texts = panel.row_texts(entry_id)
    return texts[STATUS] if texts else "(not shown)"


def raise_capacity(database: Database, lot_id: int, capacity: int) -> None:
    with database.connect("mona") as manager:
        manager.execute("UPDATE parkdesk.lot SET capacity = %s WHERE id = %s", (capacity, lot_id))
        manager.commit()


def test_the_waitlist_offer_flow(
    qtbot: QtBot,
    open_panel: Callable[..., WaitlistPanel],
    waitlist: Waitlist,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second, third = waitlist.entries
    panel = open_panel()
    assert [panel.row_texts(e)[RANK] for e in waitlist.entries] == [
        "1st of 3",
        "2nd of 3",
        "3rd of 3",
    ]
    assert {status(panel, e) for e in waitlist.entries} == {"Waiting"}
    assert panel.row_texts(first)[PARKER].startswith("Ari Waiting")

    # A manager adds a space: the database offers it to the first in line, and the panel
    # hears of it without anyone touching it.
    raise_capacity(database, waitlist.lot_id, 1)
    qtbot.waitUntil(lambda: status(panel, first) == "Offered a space", timeout=TIMEOUT)
    assert status(panel, second) == "Waiting"
    assert re.fullmatch(r".+ \(in 4[78] h\)", panel.row_texts(first)[EXPIRES])
    assert panel.row_texts(second)[EXPIRES] == ""

    accepted: list[WaitlistPosition] = []
    panel.accept_requested.connect(accepted.append)
    assert panel.select_entry(first)
    assert panel.accept_button.isEnabled()
    assert panel.decline_button.isEnabled()
    panel.accept_button.click()
    assert [p.entry_id for p in accepted] == [first]

    # Declined: the space goes to the second parker at once.
    asked: list[WaitlistPosition] = []

    def confirm(position: WaitlistPosition) -> bool:
        asked.append(position)
        return True

    monkeypatch.setattr(panel, "confirm_decline", confirm)
    panel.decline_button.click()
    qtbot.waitUntil(lambda: status(panel, second) == "Offered a space", timeout=TIMEOUT)
    assert [p.entry_id for p in asked] == [first]
    assert status(panel, first) == "(not shown)"
    assert panel.row_texts(second)[RANK] == "1st of 2"
    assert panel.row_texts(third)[RANK] == "2nd of 2"

    # The second parker lets the offer run out: the next refresh moves it on to the third.
    with database.admin() as admin:
        admin.execute(
            "UPDATE parkdesk.waitlist_entry SET offer_expires_at = now() - interval '1 minute' "
            "WHERE id = %s",
            (second,),
        )
    panel.refresh_offers()
    qtbot.waitUntil(lambda: status(panel, third) == "Offered a space", timeout=TIMEOUT)
    assert status(panel, second) == "(not shown)"
    with database.admin() as admin:
        row = admin.execute(
            "SELECT status FROM parkdesk.waitlist_entry WHERE id = %s", (second,)
        ).fetchone()
    assert row == ("expired",)


def test_offers_open_shows_only_offers(
    qtbot: QtBot,
    open_panel: Callable[..., WaitlistPanel],
    waitlist: Waitlist,
    database: Database,
) -> None:
    first, second, _third = waitlist.entries
    panel = open_panel()
    raise_capacity(database, waitlist.lot_id, 1)
    qtbot.waitUntil(lambda: status(panel, first) == "Offered a space", timeout=TIMEOUT)
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
        panel.filter_combo.setCurrentIndex(1)
    assert status(panel, first) == "Offered a space"
    assert status(panel, second) == "(not shown)"
    assert all(p.status == "offered" for p in panel.positions())
    assert "open" in panel.count_label.text()


def test_one_parkers_entries_with_their_rank(
    qtbot: QtBot,
    open_panel: Callable[..., WaitlistPanel],
    waitlist: Waitlist,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel = open_panel()
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
        panel.set_parker(waitlist.parkers[1])
    assert [p.entry_id for p in panel.positions()] == [waitlist.entries[1]]
    assert panel.row_texts(waitlist.entries[1])[RANK] == "2nd of 3"
    assert panel.table.isColumnHidden(PARKER)
    assert panel.filter_combo.isHidden()
    assert panel.count_label.text() == "On 1 waitlist"

    # Removing the parker from the list (after confirming) leaves a resolved entry.
    panel.select_entry(waitlist.entries[1])
    assert panel.remove_button.isEnabled()
    assert not panel.decline_button.isEnabled()
    monkeypatch.setattr(panel, "confirm_remove", lambda _position: True)
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
        panel.remove_button.click()
    qtbot.waitUntil(
        lambda: status(panel, waitlist.entries[1]) == "Left the waitlist", timeout=TIMEOUT
    )
    assert panel.row_texts(waitlist.entries[1])[RANK] == ""
    assert panel.count_label.text() == "On 0 waitlists"

    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
        panel.set_parker(None)
    assert not panel.table.isColumnHidden(PARKER)
    assert panel.row_texts(waitlist.entries[2])[RANK] == "2nd of 2"


def test_read_only_hides_the_actions(
    open_panel: Callable[..., WaitlistPanel], waitlist: Waitlist, qtmodeltester: ModelTester
) -> None:
    panel = open_panel(editable=False)
    assert panel.accept_button.isHidden()
    assert panel.decline_button.isHidden()
    assert panel.remove_button.isHidden()
    assert panel.row_texts(waitlist.entries[0])
    qtmodeltester.check(panel.model)


def test_the_panel_refreshes_by_itself(
    qtbot: QtBot, open_panel: Callable[..., WaitlistPanel], waitlist: Waitlist
) -> None:
    panel = open_panel()
    assert panel.refresh_timer.isActive()
    assert panel.refresh_timer.interval() == 60_000
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
        panel.refresh_timer.timeout.emit()
    assert panel.row_texts(waitlist.entries[0])


def test_words() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 103, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "103rd",
        "111th",
    ]
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert time_left(now + timedelta(hours=46, minutes=59), now) == "in 46 h"
    assert time_left(now + timedelta(minutes=20, seconds=5), now) == "in 20 min"
    assert time_left(now + timedelta(days=5, hours=2), now) == "in 5 days"
    assert time_left(now - timedelta(minutes=1), now) == "overdue"
