"""Live updates as a desk sees them: floods of forged hints change nothing, real changes arrive."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import cast

import psycopg
import pytest
from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from desktop.services.live import Change, ChangeListener, Resync
from desktop.views.kit.live import LIVE, LiveBatch, LiveChanges
from desktop.views.kit.operations import OperationRunner
from tests.conftest import Database

pytestmark = pytest.mark.gui

Connect = Callable[[str], psycopg.Connection[tuple[object, ...]]]
TIMEOUT = 20_000


class CountingListener(ChangeListener):
    """A listener that counts the queries a desk's live connection makes."""

    fetches = 0

    def fetch(self, limit: int = 5000) -> Resync:
        self.fetches += 1
        return super().fetch(limit)


@pytest.fixture
def live(
    qtbot: QtBot, database: Database, runner: OperationRunner
) -> Iterator[tuple[LiveChanges, CountingListener, list[Change]]]:
    listener = CountingListener(database.settings("dara"))
    changes = LiveChanges(listener, runner)
    seen: list[Change] = []
    changes.changed.connect(seen.append)
    changes.start()
    qtbot.waitUntil(lambda: changes.state == LIVE, timeout=TIMEOUT)
    yield changes, listener, seen
    changes.stop()


def test_a_flood_of_forged_hints_is_a_handful_of_queries_and_shows_nothing(
    qtbot: QtBot,
    live: tuple[LiveChanges, CountingListener, list[Change]],
    connect_as: Connect,
) -> None:
    changes, listener, seen = live
    officer = connect_as("otto")
    officer.autocommit = True
    # 20,000 forged payloads in one statement, then a burst of separate ones.
    officer.execute(
        'SELECT pg_notify(\'parkdesk_changes\', \'{"t": "parker", "k": "\' || i || \'"}\') '
        "FROM generate_series(1, 20000) AS i"
    )
    for i in range(200):
        officer.execute("SELECT pg_notify('parkdesk_changes', %s)", (str(10**12 + i),))
    before = listener.fetches
    qtbot.wait(1500)
    assert seen == [], "nothing changed, whatever the hints said"
    assert listener.fetches - before < 100, "hints are gathered, not answered one by one"
    assert changes.state == LIVE

    alice = connect_as("alice")
    alice.execute(
        "INSERT INTO parker (first_name, last_name, affiliation) VALUES ('Real', %s, 'staff')",
        (f"Change{secrets.token_hex(3)}",),
    )
    alice.commit()
    qtbot.waitUntil(lambda: any(c.table == "parker" for c in seen), timeout=TIMEOUT)


def test_a_change_whose_hint_was_lost_arrives_with_the_heartbeat(
    qtbot: QtBot,
    live: tuple[LiveChanges, CountingListener, list[Change]],
    connect_as: Connect,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the server's queue is half full no hint is sent: the desk polls anyway."""
    _changes, listener, seen = live
    monkeypatch.setattr(listener, "drain", lambda: False)  # every hint lost
    monkeypatch.setattr(listener, "take_hint", lambda: False)
    alice = connect_as("alice")
    last_name = f"Unhinted{secrets.token_hex(3)}"
    key = alice.execute(
        "INSERT INTO parker (first_name, last_name, affiliation) VALUES ('Quiet', %s, 'staff') "
        "RETURNING id",
        (last_name,),
    ).fetchone()
    alice.commit()
    assert key is not None
    qtbot.waitUntil(lambda: str(key[0]) in [c.key for c in seen], timeout=TIMEOUT)


class _FakeLive(QObject):
    """Only the two signals a LiveBatch listens to."""

    changed = Signal(object)
    resynced = Signal(object)


def _change(table: str, key: str = "1") -> Change:
    return Change(table=table, operation="U", key=key, change_id=1)


def test_a_burst_of_changes_reloads_each_interested_panel_once_in_order(qtbot: QtBot) -> None:
    live, owner = _FakeLive(), QObject()
    calls: list[str] = []
    batch = LiveBatch(cast(LiveChanges, live), 20, owner)
    batch.watch(("permit", "payment"), lambda: calls.append("page"))
    batch.watch(("refund",), lambda: calls.append("refunds"))
    batch.watch(("parker",), lambda: calls.append("open parker"), when=lambda c: c.key == "7")
    for table in ("refund", "permit", "payment", "permit", "lot", "parker"):
        live.changed.emit(_change(table))
    qtbot.waitUntil(lambda: len(calls) == 2)
    qtbot.wait(60)
    assert calls == ["refunds", "page"]  # the lot is not watched; parker 1 is not open

    calls.clear()
    live.changed.emit(_change("parker", key="7"))
    qtbot.waitUntil(lambda: calls == ["open parker"])


def test_a_reconnect_reloads_everything_unless_it_could_list_the_changes(qtbot: QtBot) -> None:
    live, owner = _FakeLive(), QObject()
    calls: list[str] = []
    quiet = LiveBatch(cast(LiveChanges, live), 10, owner, complete_resync_is_quiet=True)
    quiet.watch(("staff_member",), lambda: calls.append("staff"))
    eager = LiveBatch(cast(LiveChanges, live), 10, owner)
    eager.watch(("lot",), lambda: calls.append("lots"))
    live.resynced.emit(Resync(changes=(), complete=True))
    qtbot.waitUntil(lambda: calls == ["lots"])
    live.resynced.emit(Resync(changes=(), complete=False))
    qtbot.waitUntil(lambda: sorted(calls) == ["lots", "lots", "staff"])


def test_a_desk_that_reloaded_by_itself_drops_what_was_waiting(qtbot: QtBot) -> None:
    live, owner = _FakeLive(), QObject()
    calls: list[str] = []
    batch = LiveBatch(cast(LiveChanges, live), 30, owner)
    batch.watch(("lot",), lambda: calls.append("lots"))
    live.changed.emit(_change("lot"))
    batch.cancel()
    qtbot.wait(80)
    assert calls == []
