"""Live changes: every client hears of committed changes, and catches up after a reconnect."""

from __future__ import annotations

import json
import secrets
import select
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import text

from desktop.services.errors import ConnectionProblem
from desktop.services.live import CHANNEL, Change, ChangeListener
from desktop.services.workspace import Workspace
from tests.conftest import Database

Connect = Callable[[str], psycopg.Connection[tuple[object, ...]]]

#: How long a notification may take to arrive before the test gives up.
PATIENCE = 10.0


@pytest.fixture
def listener(database: Database) -> Iterator[ChangeListener]:
    live = ChangeListener(database.settings("dara"))
    live.connect()
    yield live
    live.close()


def wait_for(
    live: ChangeListener, wanted: Callable[[Change], bool], seen: list[Change] | None = None
) -> list[Change]:
    """Wait on the socket for hints and read what changed, until a wanted change arrives."""
    drained = [] if seen is None else seen
    deadline = time.monotonic() + PATIENCE
    while not any(wanted(c) for c in drained):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"no matching change arrived; got {drained}")
        select.select([live.fileno()], [], [], min(remaining, 1.0))
        if live.drain():
            drained.extend(live.fetch().changes)
    return drained


def add_parker(conn: psycopg.Connection[tuple[object, ...]], last_name: str) -> str:
    row = conn.execute(
        "INSERT INTO parker (first_name, last_name, affiliation, email, phone) "
        "VALUES ('Live', %s, 'student', 'secret.person@example.edu', '555 0199') RETURNING id",
        (last_name,),
    ).fetchone()
    assert row is not None
    return str(row[0])


def test_a_change_committed_elsewhere_is_announced(
    listener: ChangeListener, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    key = add_parker(alice, "Heard" + secrets.token_hex(3))
    alice.commit()
    changes = wait_for(listener, lambda c: c.table == "parker" and c.key == key)
    change = next(c for c in changes if c.key == key)
    assert change.operation == "I"
    assert listener.last_change_id is not None
    assert listener.last_change_id >= change.change_id

    alice.execute("UPDATE parker SET notes = 'moved' WHERE id = %s", (int(key),))
    alice.commit()
    changes = wait_for(listener, lambda c: c.key == key and c.operation == "U")


def test_uncommitted_and_rolled_back_changes_are_never_announced(
    listener: ChangeListener, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    bruno = connect_as("bruno")
    # Writers queue on the audit chain head, so a mistake here fails instead of hanging.
    bruno.execute("SET lock_timeout = '10s'")
    bruno.commit()
    secret_key = add_parker(alice, "Undone" + secrets.token_hex(3))  # left uncommitted
    seen: list[Change] = []
    deadline = time.monotonic() + 1.0
    while (remaining := deadline - time.monotonic()) > 0:
        select.select([listener.fileno()], [], [], remaining)
        listener.drain()
        seen.extend(listener.fetch().changes)
    assert secret_key not in [c.key for c in seen]

    alice.rollback()
    marker = add_parker(bruno, "Marker" + secrets.token_hex(3))
    bruno.commit()
    # Bruno's later commit has arrived, so anything of alice's would have arrived first.
    seen = wait_for(listener, lambda c: c.key == marker, seen)
    assert secret_key not in [c.key for c in seen]


def test_after_a_reconnect_resync_returns_what_was_missed(
    listener: ChangeListener, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    before = add_parker(alice, "Before" + secrets.token_hex(3))
    alice.commit()
    wait_for(listener, lambda c: c.key == before)

    listener.close()
    assert not listener.connected
    missed = [add_parker(alice, "Missed" + secrets.token_hex(3)) for _ in range(3)]
    alice.execute("UPDATE parker SET notes = 'changed' WHERE id = %s", (int(missed[0]),))
    alice.commit()

    listener.connect()
    resync = listener.resync()
    assert resync.complete
    assert [(c.table, c.operation, c.key) for c in resync.changes] == [
        ("parker", "I", missed[0]),
        ("parker", "I", missed[1]),
        ("parker", "I", missed[2]),
        ("parker", "U", missed[0]),
    ]
    assert listener.last_change_id is not None
    assert listener.last_change_id >= resync.changes[-1].change_id
    assert listener.resync().changes == (), "a second resync has nothing new"


def test_the_announcement_carries_no_personal_details(
    database: Database, connect_as: Connect
) -> None:
    with psycopg.connect(
        host=database.host,
        port=database.port,
        dbname="parkdesk",
        user="otto",  # an officer, who may not read parkers at all
        password="test-password",
        autocommit=True,
    ) as officer:
        officer.execute(f"LISTEN {CHANNEL}")
        alice = connect_as("alice")
        last_name = "Private" + secrets.token_hex(3)
        add_parker(alice, last_name)
        alice.commit()
        payloads = [n.payload for n in officer.notifies(timeout=PATIENCE, stop_after=1)]
    assert len(payloads) == 1
    assert payloads[0].isdigit(), "a hint says only that something changed"
    for private in (last_name, "secret.person", "555 0199", "Live", "parker"):
        assert private not in payloads[0]


def test_a_hint_is_announced_once_per_transaction(
    listener: ChangeListener, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    keys = [add_parker(alice, "Batch" + secrets.token_hex(3)) for _ in range(20)]
    alice.commit()
    deadline = time.monotonic() + PATIENCE
    hints = 0
    while time.monotonic() < deadline and hints == 0:
        select.select([listener.fileno()], [], [], 1.0)
        pgconn = listener._conn.pgconn  # type: ignore[union-attr]
        pgconn.consume_input()
        while pgconn.notifies() is not None:
            hints += 1
    assert hints == 1
    changes = listener.fetch().changes
    assert [c.key for c in changes if c.table == "parker"] == keys


def test_forged_hints_show_nothing_new_and_hide_nothing(
    listener: ChangeListener, connect_as: Connect
) -> None:
    """Any login may NOTIFY the channel: a forged hint is a wasted query, never a change."""
    officer = connect_as("otto")
    officer.execute(
        "SELECT pg_notify(%s, %s) FROM generate_series(1, 2000) AS i",
        (CHANNEL, json.dumps({"t": "parker", "op": "U", "k": "1", "id": 10**15})),
    )
    officer.execute("SELECT pg_notify(%s, 'x' || i) FROM generate_series(1, 2000) AS i", (CHANNEL,))
    officer.commit()
    select.select([listener.fileno()], [], [], PATIENCE)
    assert listener.drain()
    assert listener.fetch().changes == (), "nothing changed, whatever the hints said"
    assert listener.last_change_id is not None
    assert listener.last_change_id < 10**15

    alice = connect_as("alice")
    key = add_parker(alice, "After" + secrets.token_hex(3))
    alice.commit()
    changes = wait_for(listener, lambda c: c.key == key)
    assert [c.key for c in changes] == [key]


def test_a_login_hears_only_of_rows_it_may_read(database: Database, connect_as: Connect) -> None:
    """The officer may not read parkers or other staff: no hint names their keys."""
    officer = ChangeListener(database.settings("otto"))
    officer.connect()
    try:
        alice = connect_as("alice")
        key = add_parker(alice, "Unseen" + secrets.token_hex(3))
        alice.commit()
        mona = connect_as("mona")
        lot = mona.execute(
            "INSERT INTO lot (code, name, capacity) VALUES (%s, 'Hint lot', 5) RETURNING id",
            ("H" + secrets.token_hex(3).upper(),),
        ).fetchone()
        mona.commit()
        assert lot is not None
        changes = wait_for(officer, lambda c: c.table == "lot" and c.key == str(lot[0]))
        assert key not in [c.key for c in changes]
        assert [c.key for c in changes if c.table == "parker"] == [""]
        assert all(c.key in {"", "otto"} for c in changes if c.table == "staff_member")
    finally:
        officer.close()


def test_a_lost_connection_is_reported_not_hidden(
    listener: ChangeListener, database: Database
) -> None:
    with database.admin() as su:
        ended = su.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE usename = 'dara' AND application_name = 'ParkDesk'"
        ).fetchall()
    assert ended
    deadline = time.monotonic() + PATIENCE
    with pytest.raises(ConnectionProblem, match="lost"):  # noqa: PT012 - waits on the socket
        while time.monotonic() < deadline:
            select.select([listener.fileno()], [], [], 1.0)
            listener.drain()
    assert not listener.connected
    listener.connect()
    assert listener.connected


def test_a_disabled_or_wrong_login_cannot_listen(database: Database) -> None:
    live = ChangeListener(database.settings("dara", password="wrong-password"))
    with pytest.raises(ConnectionProblem, match="login or password is not correct"):
        live.connect()
    assert not live.connected
    assert live.drain() is False


def test_30_a_hint_does_not_tie_a_clerks_changes_together(
    connect_as: Connect, workspace_for: Callable[[str], Workspace]
) -> None:
    """A hint carries the process id of the connection that committed the change. A clerk
    named that process in pg_stat_activity, or tied it to a change whose author a desk
    shows: with one connection kept for every save, each payment it then took was named
    too, though the payment itself does not name its taker (docs/SECURITY.md, threat 30)."""
    spy = connect_as("alice")
    spy.autocommit = True
    for sql in (
        "SELECT usename FROM pg_stat_activity",
        "SELECT pg_stat_get_backend_userid(1)",
        "SELECT * FROM pg_stat_get_activity(NULL)",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            spy.execute(sql)
    spy.execute(f"LISTEN {CHANNEL}")
    bruno = workspace_for("bruno")
    with bruno.read() as session:  # the pool's connection, which stays
        pooled = session.execute(text("SELECT pg_backend_pid()")).scalar()
    senders: list[int] = []
    for name in ("First", "Second"):
        with bruno.transaction() as session:
            session.execute(
                text(
                    "INSERT INTO parkdesk.parker (first_name, last_name, affiliation) "
                    "VALUES (:n, 'Hint', 'staff')"
                ),
                {"n": name},
            )
        senders.extend(n.pid for n in spy.notifies(timeout=PATIENCE, stop_after=1))
    assert len(senders) == 2, senders
    assert senders[0] != senders[1]
    assert pooled not in senders
