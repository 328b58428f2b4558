"""Insider attacks on the security desk, second pass (after the visible_* read functions,
the id-only grants, the incident-aware watchlist entry and the watchlist alert's watchdog).

Each test connects as the role that tried the side door and attempts exactly that,
asserting the safe behaviour. The module runs on its own server, with a second dispatcher
("dan") who neither reported nor investigates "dara"'s confidential incidents.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg import errors as pgerrors

from tests.conftest import PASSWORD, Database
from tests.models.test_enforcement import JURISDICTION, Conn, Connect
from tests.models.test_permit_rules import make_parker, one, token
from tests.models.test_plate_reads import Patrol, patrol, read
from tests.models.test_security_attacks import (
    OTHER_DISPATCHER,
    add_entry,
    desk,
    failure,
    lot,
    record,
    rows_removed,
)

# The plate-read fixture, and the first pass's server (this module gets one of its own:
# the fixture is module-scoped) and lot.
__all__ = ["desk", "lot", "patrol"]


# -- confidential incidents: counting what the id columns and UPDATE rights reach ------------


def _hide_rows(dara: Conn, lot: int, table: str) -> None:
    """dara's confidential incident and three rows of ``table`` in it."""
    secret = record(dara, lot, confidential=True)
    if table == "incident":
        for _ in range(2):
            record(dara, lot, confidential=True)
        return
    for n in range(3):
        if table == "incident_person":
            dara.execute(
                "INSERT INTO incident_person (incident_id, role_id, name) "
                "VALUES (%s, (SELECT id FROM incident_role WHERE name = 'Suspect'), %s)",
                (secret, f"Suspect {n}"),
            )
        elif table == "incident_vehicle":
            dara.execute(
                "INSERT INTO incident_vehicle (incident_id, jurisdiction, plate) "
                "VALUES (%s, %s, %s)",
                (secret, JURISDICTION, token(7)),
            )
        elif table == "dispatch_entry":
            dara.execute(
                "INSERT INTO dispatch_entry (incident_id, kind, note) VALUES (%s, 'note', %s)",
                (secret, f"Line {n}"),
            )
        else:
            dara.execute(
                "INSERT INTO incident_task (incident_id, assigned_to, due_on, description) "
                "VALUES (%s, 'dara', current_date, %s)",
                (secret, f"Task {n}"),
            )


def _counted_in_a_rolled_back_update(conn: Conn, sql: str) -> int:
    conn.execute("BEGIN")
    try:
        return rows_removed(conn, sql, None)
    finally:
        conn.execute("ROLLBACK")


@pytest.mark.parametrize(
    ("table", "probe"),
    [
        ("incident", "SELECT id FROM incident"),
        ("incident_person", "SELECT id FROM incident_person"),
        ("incident_vehicle", "SELECT id FROM incident_vehicle"),
        ("dispatch_entry", "SELECT id FROM dispatch_entry"),
        ("incident_task", "SELECT id FROM incident_task"),
        # No SELECT needed at all: UPDATE without WHERE, in a transaction rolled back.
        ("incident_task", "UPDATE incident_task SET done_at = NULL"),
    ],
)
def test_explain_analyze_on_the_id_columns_does_not_count_a_hidden_incidents_rows(
    connect: Connect, lot: int, table: str, probe: str
) -> None:
    """With SELECT (id) on the incident tables (and UPDATE/DELETE), which the row policy
    filters, EXPLAIN ANALYZE's "Rows Removed by Filter" on a bare scan counted every row of
    an incident hidden from dan (and ``WHERE id = k`` told which ids are hidden): he
    watched dara's confidential incident gain suspects, vehicles, log lines or tasks.
    Dispatchers now scan none of these tables (they read and change incidents through
    functions): reading nothing, they count nothing."""
    dara, dan = connect("dara"), connect(OTHER_DISPATCHER)

    def count() -> int:
        if probe.startswith("UPDATE"):
            return _counted_in_a_rolled_back_update(dan, probe)
        return rows_removed(dan, probe, None)

    try:
        before = count()
    except pgerrors.InsufficientPrivilege:
        # No statement of theirs scans these tables: the desk writes through functions.
        _hide_rows(dara, lot, table)
        return
    _hide_rows(dara, lot, table)
    assert count() == before


# -- the watchlist entry's incident ----------------------------------------------------------


def test_naming_an_entrys_hidden_incident_again_is_refused_like_any_hidden_incident(
    connect: Connect, lot: int
) -> None:
    """normalize_watchlist_entry checks the incident only when incident_id changes: dan's
    ``UPDATE watchlist_entry SET incident_id = <k>`` went through when k was the entry's own
    hidden incident and was refused ("There is no such incident.") otherwise, so he learned
    which confidential incident the plate was put on the list for."""
    dara, dan = connect("dara"), connect(OTHER_DISPATCHER)
    secret = record(dara, lot, confidential=True)
    entry = add_entry(dara, token(7), incident_id=secret)
    update = "UPDATE watchlist_entry SET incident_id = %s WHERE id = %s"
    assert failure(dan, update, (secret, entry)) == failure(dan, update, (secret + 10**9, entry))


def test_a_dispatcher_does_not_unlink_an_entry_from_an_incident_hidden_from_them(
    connect: Connect, lot: int
) -> None:
    """dan, who may not read dara's confidential incident, cleared (or re-pointed) the link
    of its watchlist entry: the confidential case lost its record of the plate it watches."""
    dara, dan, mona = connect("dara"), connect(OTHER_DISPATCHER), connect("mona")
    secret = record(dara, lot, confidential=True)
    public = record(dara, lot)
    entry = add_entry(dara, token(7), incident_id=secret)
    for value in (None, public):
        failure(dan, "UPDATE watchlist_entry SET incident_id = %s WHERE id = %s", (value, entry))
        assert one(mona, "SELECT incident_id FROM watchlist_entry WHERE id = %s", (entry,)) == (
            secret
        )


# -- the alert's watchdog --------------------------------------------------------------------


def _later(delay: float, action: Callable[[], Any]) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        # ended by the watchdog, or released at the end: either way, done
        with contextlib.suppress(psycopg.Error):
            action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _raw(desk: Database, login: str) -> psycopg.Connection[tuple[object, ...]]:
    conn = desk.connect(login, PASSWORD)
    conn.autocommit = True
    conn.execute("SET idle_in_transaction_session_timeout = 0")
    conn.execute("SET statement_timeout = '40s'")
    return conn


def test_a_holder_waiting_on_a_newer_session_does_not_make_a_devices_read_fail(
    connect: Connect, desk: Database, patrol: Patrol
) -> None:
    """A clerk ran check_plate of a watchlisted plate in a transaction left open (holding
    the alert's row), then, 3 s later, waited for a session lock taken by a connection
    opened after the device began waiting. end_chain_holders / end_overdue_sessions never
    end a session that is itself waiting, and read pg_stat_activity as it was at their
    first call in the device's transaction (a snapshot kept to its end), in which the new
    connection does not exist: the device's record_plate_read failed with PD006 after 8 s
    and its read was lost, with no desk open."""
    dara, otto = connect("dara"), connect("otto")
    plate = token(7)
    add_entry(dara, plate)
    holder = _raw(desk, "alice")
    newcomer: psycopg.Connection[tuple[object, ...]] | None = None
    late: list[threading.Thread] = []
    try:
        holder.autocommit = False
        holder.execute("SELECT verdict FROM check_plate(%s, %s)", (JURISDICTION, plate))

        parker = make_parker(connect("alice"))

        def lock_late() -> None:
            nonlocal newcomer
            newcomer = _raw(desk, "bruno")
            newcomer.autocommit = False
            newcomer.execute("SELECT id FROM parker WHERE id = %s FOR UPDATE", (parker,))

        late += [
            _later(2.5, lock_late),
            _later(
                3.0,
                lambda: holder.execute("SELECT id FROM parker WHERE id = %s FOR UPDATE", (parker,)),
            ),
        ]
        otto.execute("SET statement_timeout = '30s'")
        try:
            answer = read(otto, patrol, 1, plate)[1]
        except psycopg.Error as error:
            answer = f"{error.sqlstate}: {error.diag.message_primary}"
        assert answer == "watchlisted"
    finally:
        # No connection is closed while a thread still uses it.
        for thread in late[:1]:
            thread.join(timeout=30)
        if newcomer is not None:
            newcomer.close()  # its session lock goes: the holder's wait ends
        for thread in late[1:]:
            thread.join(timeout=30)
        holder.close()


def test_the_alert_watchdog_does_not_end_a_desk_that_wrote_briefly_seconds_before(
    connect: Connect, desk: Database
) -> None:
    """dan held a watchlist entry FOR UPDATE and checked its plate from a second
    connection, which waits a second at a time and runs end_chain_holders in between. Its
    view of pg_stat_activity is the one of its first call, kept for its whole transaction:
    mona, whose one-second write was under way at that instant and committed long since,
    still looked like a transaction holding an xid, and was ended 5 s later, idle. (dan's
    holder waits on a session lock of a connection opened later, which the stale view
    does not see, so the check goes on waiting.)"""
    dara, mona = connect("dara"), connect("mona")
    plate = token(7)
    entry = add_entry(dara, plate)
    holder, checker = _raw(desk, "dan"), _raw(desk, "dan")
    newcomer: psycopg.Connection[tuple[object, ...]] | None = None
    late: list[threading.Thread] = []
    try:
        holder.autocommit = False
        holder.execute("SELECT id FROM watchlist_entry WHERE id = %s FOR UPDATE", (entry,))
        late.append(
            _later(
                0.0,
                lambda: checker.execute(
                    "SELECT verdict FROM check_plate(%s, %s)", (JURISDICTION, plate)
                ),
            )
        )

        def honest_write() -> None:
            with mona.transaction():
                mona.execute(
                    "UPDATE office_setting SET receipt_footer = receipt_footer WHERE id = 1"
                )
                time.sleep(1.2)

        _later(0.4, honest_write).join()

        other = add_entry(dara, token(7))

        def lock_late() -> None:
            nonlocal newcomer
            newcomer = _raw(desk, "dan")
            newcomer.autocommit = False
            newcomer.execute("SELECT id FROM watchlist_entry WHERE id = %s FOR UPDATE", (other,))

        late += [
            _later(1.0, lock_late),
            _later(
                1.5,
                lambda: holder.execute(
                    "SELECT id FROM watchlist_entry WHERE id = %s FOR UPDATE", (other,)
                ),
            ),
        ]
        late[0].join(timeout=30)  # the check, refused after 8 s
        mona.execute("SELECT 1")  # mona's desk is still connected
    finally:
        # No connection is closed while a thread still uses it: the check, then the
        # late lock's taker, then (its lock gone) the holder.
        for thread in late[:2]:
            thread.join(timeout=30)
        if newcomer is not None:
            newcomer.close()
        for thread in late[2:]:
            thread.join(timeout=30)
        holder.close()
        checker.close()


# -- refused as they should be (a check no other test makes) --------------------------------


def test_two_managers_at_repeatable_read_cannot_make_a_third_level_of_categories(
    connect: Connect, desk: Database
) -> None:
    """One manager hangs a new category under a top-level one while a second, whose
    REPEATABLE READ snapshot predates it, makes that top-level one a sub-category: the
    second's check of "has it sub-categories?" reads the old snapshot. Refused (the
    audit chain's head was updated since the snapshot: a serialization failure)."""
    mona = connect("mona")
    top = int(
        one(
            mona,
            "INSERT INTO incident_category (name) VALUES (%s) RETURNING id",
            (f"Top {token(5)}",),
        )
    )
    other = int(
        one(
            mona,
            "INSERT INTO incident_category (name) VALUES (%s) RETURNING id",
            (f"Other {token(5)}",),
        )
    )
    second = desk.connect("mona", PASSWORD)
    try:
        second.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        second.execute("SELECT 1")  # the snapshot
        mona.execute(
            "INSERT INTO incident_category (name, parent_id) VALUES (%s, %s)",
            (f"Child {token(5)}", top),
        )
        try:
            second.execute(
                "UPDATE incident_category SET parent_id = %s WHERE id = %s", (other, top)
            )
            second.commit()
        except psycopg.Error:
            second.rollback()
    finally:
        second.close()
    three_levels = one(
        mona,
        "SELECT count(*) FROM incident_category c JOIN incident_category p ON p.id = c.parent_id "
        "WHERE p.parent_id IS NOT NULL",
    )
    assert three_levels == 0
