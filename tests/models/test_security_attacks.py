"""Insider attacks on the security desk (watchlist, alerts, trespass notices, incidents),
tried with each login's own rights from psycopg, exactly as ``psql`` would send them.

Each test names a side door an insider tried — what it would leak or allow — and asserts
that it is shut, and how. The last ones are short checks of refusals no other test makes.

The module runs on its own server, with a second dispatcher ("dan") who neither reported
nor investigates "dara"'s confidential incidents.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import errors as pgerrors
from psycopg.types.json import Jsonb

from tests.conftest import LOGINS, PASSWORD, Database
from tests.models.conftest import fresh_database
from tests.models.test_enforcement import JURISDICTION, Conn, Connect
from tests.models.test_evidence import JPEG, photo
from tests.models.test_permit_rules import make_lot, make_parker, one, refused, token
from tests.models.test_plate_reads import Patrol, patrol, read

__all__ = ["patrol"]  # the plate-read fixture, shared

OTHER_DISPATCHER = "dan"


@pytest.fixture(scope="module")
def desk() -> Iterator[Database]:
    """This module's server: every test login and a second dispatcher."""
    with fresh_database({**LOGINS, OTHER_DISPATCHER: ["dispatcher"]}) as db:
        yield db


@pytest.fixture
def lot(connect: Connect) -> int:
    return make_lot(connect("mona"), 50)


def record(conn: Conn, lot: int, *, confidential: bool = False) -> int:
    """An incident, as a dispatcher's desk records it."""
    assault = one(conn, "SELECT id FROM incident_category WHERE name = 'Assault'")
    fields = {
        "category_id": assault,
        "occurred_at": datetime.now(UTC).isoformat(),
        "lot_id": lot,
        "narrative": "Staff member assaulted in the stairwell; suspect is a professor.",
        "confidential": confidential,
    }
    return int(one(conn, "SELECT record_incident(%s)", (Jsonb(fields),)))


def close(conn: Conn, incident: int) -> None:
    for status in ("in_progress", "resolved", "closed"):
        conn.execute("SELECT change_incident(%s, %s)", (incident, Jsonb({"status": status})))


def add_entry(conn: Conn, pattern: str, **values: Any) -> int:
    row = {
        "jurisdiction": JURISDICTION,
        "plate_pattern": pattern,
        "reason": "Stolen vehicle, police report 26-4411 (confidential).",
        "instruction": "Do not approach; call dispatch on channel 2.",
        "priority": 1,
        "expires_at": datetime.now(UTC) + timedelta(days=10),
        **values,
    }
    columns = ", ".join(row)
    marks = ", ".join(["%s"] * len(row))
    return int(
        one(
            conn,
            f"INSERT INTO watchlist_entry ({columns}) VALUES ({marks}) RETURNING id",
            tuple(row.values()),
        )
    )


def notice(conn: Conn, *plates: str, incident: int | None = None) -> int:
    return int(
        one(
            conn,
            "SELECT issue_trespass_notice(NULL, 'Pat Doe', 'Grey hoodie', NULL, "
            "'All campus lots', 'Assaulted a staff member (see the confidential case)', "
            "now() + interval '30 days', %s, %s)",
            (list(plates), incident),
        )
    )


def verdict(conn: Conn, plate: str, lot: str | None = None, at: datetime | None = None) -> str:
    return str(
        one(conn, "SELECT verdict FROM check_plate(%s, %s, %s, %s)", (JURISDICTION, plate, lot, at))
    )


def failure(conn: Conn, sql: str, params: Any = None) -> tuple[str | None, str | None]:
    """What the server answers a statement that fails: SQLSTATE and message."""
    try:
        conn.execute(sql, params)
    except psycopg.Error as error:
        return error.sqlstate, error.diag.message_primary
    return None, None


def rows_removed(conn: Conn, sql: str, params: Any) -> int:
    """EXPLAIN ANALYZE's count of rows a query read and then dropped (the row policy's
    filter among them): any login may run it on any query it may run."""
    plan = one(conn, "EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
    if isinstance(plan, str):
        plan = json.loads(plan)

    def walk(node: dict[str, Any]) -> int:
        own = int(node.get("Rows Removed by Filter", 0))
        return own + sum(walk(child) for child in node.get("Plans", []))

    return walk(plan[0]["Plan"])


# -- confidential incidents ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "target"),
    [
        ("dan", "plate"),  # is this car in anyone's confidential incident?
        ("dan", "parker"),  # is this person (a suspect?) in a confidential incident?
        ("dan", "dispatch_log"),  # how many log lines has incident N?
        ("alice", "evidence"),  # a clerk: does incident N exist, with how many photos?
    ],
)
def test_explain_analyze_does_not_reveal_rows_of_a_hidden_incident(
    connect: Connect, lot: int, login: str, target: str
) -> None:
    """A row policy hides a confidential incident's rows, but EXPLAIN ANALYZE's "Rows
    Removed by Filter" counts the rows an index found before the policy dropped them (the
    caller's own leakproof condition goes into the Index Cond): a hidden plate, parker or
    log line told apart from none. Dispatchers now read incidents through the visible_*
    functions, whose plans show only their output, and may name no column of the tables
    but their ids; the other desks may not name an evidence row's incident."""
    dara, attacker = connect("dara"), connect(login)
    attacker.execute("SET enable_seqscan = off")  # any login may: it is the attack
    plate = token(7)
    parker = make_parker(connect("alice"))
    secret = record(dara, lot, confidential=True)
    dara.execute(
        "INSERT INTO incident_vehicle (incident_id, jurisdiction, plate) VALUES (%s, %s, %s)",
        (secret, JURISDICTION, plate),
    )
    dara.execute(
        "INSERT INTO incident_person (incident_id, role_id, parker_id) "
        "VALUES (%s, (SELECT id FROM incident_role WHERE name = 'Suspect'), %s)",
        (secret, parker),
    )
    for note in ("Caller in tears", "Unit 3 on scene", "Suspect left on foot"):
        dara.execute(
            "INSERT INTO dispatch_entry (incident_id, kind, note) VALUES (%s, 'note', %s)",
            (secret, note),
        )
    content = photo(JPEG)
    dara.execute(
        "SELECT attach_incident_evidence(%s, %s, %s, 'image/jpeg', 'Stairwell camera')",
        (secret, content, hashlib.sha256(content).hexdigest()),
    )
    sql, hidden, absent = {
        "plate": (
            "SELECT * FROM incident_vehicle WHERE jurisdiction = %s AND plate = %s",
            (JURISDICTION, plate),
            (JURISDICTION, token(7)),
        ),
        "parker": (
            "SELECT * FROM incident_person WHERE parker_id = %s",
            (parker,),
            (parker + 10**9,),
        ),
        "dispatch_log": (
            "SELECT * FROM dispatch_entry WHERE incident_id = %s",
            (secret,),
            (secret + 10**9,),
        ),
        "evidence": (
            "SELECT id FROM evidence WHERE incident_id = %s",
            (secret,),
            (secret + 10**9,),
        ),
    }[target]
    try:
        assert attacker.execute(sql, hidden).fetchall() == []
    except pgerrors.InsufficientPrivilege:
        pass  # the columns the lookup names are not the login's to read: nothing to count
    else:
        # The plan must not tell a hidden row from no row at all.
        assert rows_removed(attacker, sql, hidden) == rows_removed(attacker, sql, absent)
    if login == OTHER_DISPATCHER:
        # What dispatch reads instead: the functions, whose plans show only their output.
        table = {
            "plate": "visible_incident_vehicles()",
            "parker": "visible_incident_people()",
            "dispatch_log": f"visible_dispatch_entries({secret})",
        }.get(target)
        if table is not None:
            through = sql.replace(sql.split(" FROM ")[1].split(" WHERE ")[0], table)
            if target == "dispatch_log":
                through = f"SELECT * FROM {table} WHERE incident_id = %s"
            assert attacker.execute(through, hidden).fetchall() == []
            assert rows_removed(attacker, through, hidden) == rows_removed(
                attacker, through, absent
            )


def test_incident_closed_tells_a_dispatcher_nothing_of_an_incident_hidden_from_them(
    connect: Connect, lot: int
) -> None:
    """incident_closed (SECURITY DEFINER, for the triggers) answered for any id: true for
    another dispatcher's closed confidential incident, false for none. It now answers
    false for an incident the caller may not read."""
    dara, dan = connect("dara"), connect(OTHER_DISPATCHER)
    secret = record(dara, lot, confidential=True)
    close(dara, secret)
    missing = secret + 10**9
    assert one(dan, "SELECT incident_closed(%s)", (secret,)) == one(
        dan, "SELECT incident_closed(%s)", (missing,)
    )


def test_writing_to_a_hidden_incident_is_refused_alike_whether_it_is_closed_or_not(
    connect: Connect, lot: int
) -> None:
    """The closed-incident trigger runs before the row policy's check: it said "closed"
    for a hidden closed incident and the policy refused the others, an oracle for which
    hidden ids exist and are closed. Now the policy refuses every hidden incident alike."""
    dara, dan = connect("dara"), connect(OTHER_DISPATCHER)
    secret = record(dara, lot, confidential=True)
    close(dara, secret)
    insert = "INSERT INTO dispatch_entry (incident_id, kind, note) VALUES (%s, 'note', 'x')"
    on_hidden = failure(dan, insert, (secret,))
    on_missing = failure(dan, insert, (secret + 10**9,))
    assert on_hidden == on_missing


def test_a_trespass_notice_does_not_show_other_dispatchers_a_confidential_incident(
    connect: Connect, lot: int
) -> None:
    """A notice keeps the incident it came from; read by every dispatcher, it told one who
    may not read a confidential incident that it exists and whom it concerns. The column is
    now the managers' alone."""
    dara, dan = connect("dara"), connect(OTHER_DISPATCHER)
    secret = record(dara, lot, confidential=True)
    issued = notice(dara, f"{JURISDICTION} {token(7)}", incident=secret)
    try:
        seen = dan.execute(
            "SELECT incident_id FROM trespass_notice WHERE id = %s", (issued,)
        ).fetchall()
    except pgerrors.InsufficientPrivilege:
        seen = []  # the column withheld: as safe as the row
    assert seen in ([], [(None,)])


def test_a_group_role_named_investigator_opens_no_confidential_incident_to_set_role(
    connect: Connect, lot: int
) -> None:
    """The dispatcher group itself passed as an investigator, and the incident's policy
    asked current_user: after SET ROLE to the group any dispatcher read the narrative. Now
    an investigator is a login, and the policy asks session_user."""
    dara, dan = connect("dara"), connect(OTHER_DISPATCHER)
    secret = record(dara, lot, confidential=True)
    refusal = failure(
        dara,
        "SELECT change_incident(%s, %s)",
        (secret, Jsonb({"investigators": ["parkdesk_dispatcher"]})),
    )
    if refusal[0] is not None:
        assert refusal[0] == "PD002", refusal  # refused in words: safe
        return
    dan.execute("SET ROLE parkdesk_dispatcher")
    assert dan.execute("SELECT narrative FROM visible_incidents(%s)", (secret,)).fetchall() == []


# -- the watchlist and its alerts ------------------------------------------------------------


def test_a_trespass_notices_entry_is_not_retired_while_the_notice_stays_in_force(
    connect: Connect,
) -> None:
    """retire_watchlist_entry ran as the owner, whom the entry's guard lets through: any
    dispatcher took a barred person's car off the watchlist while the notice still read as
    in force. A notice's entry now ends only with its notice."""
    dara, dan, otto = connect("dara"), connect(OTHER_DISPATCHER), connect("otto")
    plate = token(7)
    issued = notice(dara, f"{JURISDICTION} {plate}")
    entry = int(
        one(dara, "SELECT id FROM watchlist_entry WHERE trespass_notice_id = %s", (issued,))
    )
    with refused("PD002", "entry"):
        dan.execute("SELECT retire_watchlist_entry(%s, 'Not needed any more')", (entry,))
    assert one(dara, "SELECT revoked_at FROM trespass_notice WHERE id = %s", (issued,)) is None
    assert verdict(otto, plate) == "watchlisted"


def _alert(conn: Conn, plate: str) -> dict[str, Any]:
    cur = conn.execute(
        "SELECT source, lot_id, read_id, seen_at, seen_by FROM watchlist_alert "
        "WHERE plate = %s AND acknowledged_at IS NULL",
        (plate,),
    )
    row = cur.fetchone()
    assert row is not None
    assert cur.description is not None
    return {d.name: v for d, v in zip(cur.description, row, strict=True)}


def test_a_back_dated_desk_check_does_not_overwrite_a_devices_sighting(
    connect: Connect, patrol: Patrol
) -> None:
    """A merge overwrote the alert's sighting with the latest call's, whatever time that
    named: a clerk's check "in another lot, three hours ago" sent dispatch to the wrong lot
    and lost the read. Now only a newer sighting replaces it, and a check of another time
    is no sighting."""
    dara, otto, alice = connect("dara"), connect("otto"), connect("alice")
    plate = token(7)
    add_entry(dara, plate)
    read_id = read(otto, patrol, 1, plate)[0]
    elsewhere = str(
        one(dara, "SELECT code FROM lot WHERE id = %s", (make_lot(connect("mona"), 5),))
    )
    verdict(alice, plate, elsewhere, datetime.now(UTC) - timedelta(hours=3))
    alert = _alert(dara, plate)
    assert (alert["source"], alert["lot_id"], alert["read_id"]) == ("read", patrol.lot, read_id)


def test_a_check_for_a_future_time_is_not_a_sighting_in_the_future(connect: Connect) -> None:
    """check_plate takes any time; the alert recorded it as when the car was seen, three
    days ahead. A check of another time now alerts nobody (and so is not told of the
    watchlist: docs/SECURITY.md, threat 21), and no sighting is later than the server's
    clock."""
    dara, ada = connect("dara"), connect("ada")
    plate = token(7)
    add_entry(dara, plate)
    assert verdict(ada, plate, None, datetime.now(UTC) + timedelta(days=3)) == "no_permit"
    assert verdict(ada, plate, None, datetime.now(UTC) - timedelta(days=3)) == "no_permit"
    waiting = dara.execute(
        "SELECT seen_at FROM watchlist_alert WHERE plate = %s", (plate,)
    ).fetchall()
    assert waiting == []  # a what-if check, before or after now, alerts nobody
    verdict(ada, plate, None, datetime.now(UTC) + timedelta(minutes=3))  # a clock a bit fast
    assert _alert(dara, plate)["seen_at"] <= datetime.now(UTC)


def test_one_plate_checked_under_made_up_jurisdictions_raises_one_alert(
    connect: Connect,
) -> None:
    """For an entry of any jurisdiction, each made-up code raised a new alert, each
    sounded on every dispatch desk. Hits of a plate for an entry now merge whatever
    jurisdiction they name."""
    dara, ada = connect("dara"), connect("ada")
    plate = token(7)
    add_entry(dara, plate, jurisdiction=None)
    for n in range(12):
        ada.execute("SELECT verdict FROM check_plate(%s, %s)", (f"XX-A{n:02d}", plate))
    waiting = one(
        dara,
        "SELECT count(*) FROM watchlist_alert WHERE plate = %s AND acknowledged_at IS NULL",
        (plate,),
    )
    assert waiting == 1


def test_a_dispatcher_locking_an_entry_does_not_stall_the_devices(
    connect: Connect, desk: Database, patrol: Patrol
) -> None:
    """A dispatcher held a watchlist entry FOR UPDATE in an idle transaction (with the idle
    timeout switched off for the session): a device's read of the plate waited on its
    alert's foreign-key check, holding its device's row, with no desk open to end the
    holder. The alert is now written within a second's wait at a time, and a holder of 5 s
    is ended, so the device answers within seconds."""
    dara, otto = connect("dara"), connect("otto")
    plate = token(7)
    entry = add_entry(dara, plate)
    holder = desk.connect("dara", PASSWORD)
    try:
        holder.execute("SET idle_in_transaction_session_timeout = 0")
        holder.execute("SELECT id FROM watchlist_entry WHERE id = %s FOR UPDATE", (entry,))
        # holder: idle in transaction, nobody's desk open to end it
        otto.execute("SET statement_timeout = '15s'")
        try:
            answer = read(otto, patrol, 1, plate)[1]
        except pgerrors.QueryCanceled:
            answer = "stalled for 15 s"
        assert answer == "watchlisted"
    finally:
        holder.close()


# -- refused as they should be (short checks no other test makes) ---------------------------


@pytest.mark.parametrize("login", ["alice", "adele", "otto", "ada"])
def test_only_dispatch_acknowledges_retires_issues_or_touches_incidents(
    connect: Connect, login: str
) -> None:
    conn = connect(login)
    for sql in (
        "SELECT acknowledge_alert(1, 'seen')",
        "SELECT retire_watchlist_entry(1, 'gone')",
        "SELECT issue_trespass_notice(NULL, 'Pat', '', NULL, 'Lot C', 'Reason', "
        "now() + interval '1 day')",
        "SELECT revoke_trespass_notice(1, 'wrong person')",
        "SELECT reopen_incident(1, 'new lead')",
        "SELECT link_incident(1, 'citation', 'A1')",
        "SELECT incident_closed(1)",
        "SELECT * FROM trespass_notice",
        "SELECT * FROM incident_link",
    ):
        assert failure(conn, sql)[0] == "42501", sql


def test_who_reported_moved_or_wrote_is_not_the_clients_to_write(
    connect: Connect, lot: int
) -> None:
    dara = connect("dara")
    case = record(dara, lot)
    for column, value in (
        ("reported_by", "dan"),
        ("status_by", "dan"),
        ("closed_by", "dan"),
        ("number", "I2000-00001"),
        ("reported_at", "2000-01-01"),
    ):
        assert (
            failure(dara, f"UPDATE incident SET {column} = %s WHERE id = %s", (value, case))[0]
            == "42501"
        ), column
    assert (
        failure(
            dara,
            "INSERT INTO incident (category_id, occurred_at, lot_id, reported_by) "
            "VALUES (1, now(), %s, 'dan')",
            (lot,),
        )[0]
        == "42501"
    )
    for column in ("by", "at"):
        assert (
            failure(
                dara,
                f'INSERT INTO dispatch_entry (incident_id, kind, note, "{column}") '
                "VALUES (%s, 'note', 'x', %s)",
                (case, "dan" if column == "by" else "2000-01-01"),
            )[0]
            == "42501"
        ), column
    assert (
        failure(
            dara,
            "INSERT INTO watchlist_entry (plate_pattern, reason, instruction, trespass_notice_id) "
            "VALUES ('AB12', 'reason', 'instruction', 1)",
        )[0]
        == "42501"
    )


def test_a_hidden_incident_is_refused_by_the_incident_functions_as_a_missing_one(
    connect: Connect, lot: int
) -> None:
    dara, dan = connect("dara"), connect(OTHER_DISPATCHER)
    secret = record(dara, lot, confidential=True)
    close(dara, secret)
    missing = secret + 10**9
    for sql, params in (
        ("SELECT reopen_incident(%s, 'New lead')", ()),
        ("SELECT link_incident(%s, 'citation', 'A1')", ()),
        (
            "SELECT issue_trespass_notice(NULL, 'Pat', '', NULL, 'Lot C', 'Reason', "
            "now() + interval '1 day', '{}', %s)",
            (),
        ),
        ("UPDATE incident SET narrative = 'x' WHERE id = %s", ()),
        ("SELECT id FROM incident WHERE id = %s FOR UPDATE", ()),
    ):
        assert failure(dan, sql, (secret, *params)) == failure(dan, sql, (missing, *params)), sql
    assert dan.execute("SELECT * FROM visible_incidents(%s)", (secret,)).fetchall() == []
    with refused("42501"):
        dan.execute("SELECT narrative FROM incident WHERE id = %s", (secret,))


def test_a_watchlist_entry_names_its_incident_only_to_those_who_may_read_it(
    connect: Connect, lot: int
) -> None:
    """An entry may name the incident it was put on the list for. The link is read only
    through watchlist_entry_incidents, where the incident is the reader's to read; a
    hidden incident is refused as a link exactly as a missing one."""
    dara, dan = connect("dara"), connect(OTHER_DISPATCHER)
    secret = record(dara, lot, confidential=True)
    entry = add_entry(dara, token(7), incident_id=secret)
    number = one(dara, "SELECT number FROM visible_incidents(%s)", (secret,))
    assert dara.execute(
        "SELECT incident_number FROM watchlist_entry_incidents() WHERE entry_id = %s", (entry,)
    ).fetchall() == [(number,)]
    assert (
        dan.execute(
            "SELECT * FROM watchlist_entry_incidents() WHERE entry_id = %s", (entry,)
        ).fetchall()
        == []
    )
    with refused("42501"):
        dan.execute("SELECT incident_id FROM watchlist_entry WHERE id = %s", (entry,))
    insert = (
        "INSERT INTO watchlist_entry (plate_pattern, reason, instruction, incident_id) "
        "VALUES ('ZZ99', 'For the case', 'Call dispatch', %s)"
    )
    assert failure(dan, insert, (secret,)) == failure(dan, insert, (secret + 10**9,))
    assert failure(dan, insert, (secret,))[0] == "PD002"
    # Editing the entry without naming an incident keeps the link dan cannot see.
    dan.execute("UPDATE watchlist_entry SET priority = 3 WHERE id = %s", (entry,))
    assert one(
        connect("mona"), "SELECT incident_id FROM watchlist_entry WHERE id = %s", (entry,)
    ) == (secret)
