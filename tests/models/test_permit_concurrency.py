"""Clerks at several counters at once: the database, not luck, keeps the permit desk right.

Each test opens one connection per counter (alice and bruno, logged in many times over,
each a separate session), lines them up on a barrier and lets them go together. The
functions lock what they must, so twenty clerks selling the last three spaces sell
exactly three, and a double-clicked sale from two windows is recorded once.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.conftest import LOGINS, ROLE_LOGIN, Database
from tests.models.conftest import fresh_database

Conn = psycopg.Connection[tuple[Any, ...]]
Connect = Callable[[str], Conn]

PLAIN = "ACEFHJKMNPRTUVWXY3479"
CARD = {"kind": "card", "brand": "Visa", "last4": "4242", "reference": "AUTH-83JD"}
COUNTERS = 20
CLERKS = ("alice", "bruno")


@pytest.fixture(scope="module")
def desk() -> Iterator[Database]:
    with fresh_database(LOGINS) as db:
        yield db


@pytest.fixture
def connect(desk: Database) -> Iterator[Connect]:
    """``connect("alice")``: a new autocommit session with that login, closed after the test."""
    opened: list[Conn] = []

    def _connect(login: str) -> Conn:
        conn = desk.connect(ROLE_LOGIN.get(login, login))
        conn.autocommit = True
        # A lock nobody releases fails the test instead of hanging it.
        conn.execute("SET statement_timeout = '60s'")
        opened.append(conn)
        return conn

    yield _connect
    for conn in opened:
        conn.close()


def counters(connect: Connect, n: int = COUNTERS) -> list[Conn]:
    """``n`` sessions, alice and bruno in turn."""
    return [connect(CLERKS[i % len(CLERKS)]) for i in range(n)]


def all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Runs the calls in parallel threads released together; returns each result or error."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = calls[i]()
        except Exception as exc:  # reported to the test, never lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a counter is still waiting"
    return results


# -- making rows ------------------------------------------------------------------------


def token(length: int = 6) -> str:
    return "".join(secrets.choice(PLAIN) for _ in range(length))


def one(conn: Conn, sql: str, params: Any = None) -> Any:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def make_lot(manager: Conn, capacity: int) -> int:
    return int(
        one(
            manager,
            "INSERT INTO lot (code, name, capacity) VALUES (%s, %s, %s) RETURNING id",
            (f"L{token(8)}", f"Lot {token(4)}", capacity),
        )
    )


def make_type(manager: Conn, lot: int, **fields: Any) -> int:
    values: dict[str, Any] = {
        "code": f"T{token(8)}",
        "name": f"Permit {token(5)}",
        "price": Decimal("25.00"),
        "validity": "days",
        "days": 30,
        "affiliations": ["staff"],
        **fields,
    }
    columns = ", ".join(values)
    marks = ", ".join(f"%({c})s" for c in values)
    type_id = int(
        one(manager, f"INSERT INTO permit_type ({columns}) VALUES ({marks}) RETURNING id", values)
    )
    manager.execute(
        "INSERT INTO permit_type_lot (permit_type_id, lot_id) VALUES (%s, %s)", (type_id, lot)
    )
    return type_id


def make_parker(clerk: Conn) -> int:
    return int(
        one(
            clerk,
            "INSERT INTO parker (first_name, last_name, affiliation) "
            "VALUES ('Rush', %s, 'staff') RETURNING id",
            (f"Hour{token()}",),
        )
    )


def make_vehicle(clerk: Conn, parker: int) -> int:
    return int(
        one(
            clerk,
            "INSERT INTO vehicle (parker_id, jurisdiction, plate_raw) VALUES (%s, 'ZZ', %s) "
            "RETURNING id",
            (parker, token(7)),
        )
    )


def today(conn: Conn) -> date:
    day = one(conn, "SELECT (now() AT TIME ZONE time_zone)::date FROM office_setting")
    assert isinstance(day, date)
    return day


def sell(
    clerk: Conn, parker: int, type_id: int, lot: int, vehicles: list[int], *, key: uuid.UUID
) -> int:
    return int(
        one(
            clerk,
            "SELECT sell_permit(%s::uuid, %s::bigint, %s::bigint, %s::bigint, %s::bigint[], "
            "%s::date, %s::jsonb)",
            (key, parker, type_id, lot, vehicles, today(clerk), Jsonb(CARD)),
        )
    )


def sqlstate(outcome: Any) -> str | None:
    return outcome.sqlstate if isinstance(outcome, psycopg.Error) else None


def queue(conn: Conn, type_id: int, lot: int) -> list[tuple[int, int, int]]:
    """(entry, parker, rank) of everyone waiting or offered, in the order they are served."""
    return [
        (int(entry), int(parker), int(rank))
        for entry, parker, rank in conn.execute(
            "SELECT id, parker_id, row_number() OVER (ORDER BY id) FROM waitlist_entry "
            "WHERE permit_type_id = %s AND lot_id = %s AND status IN ('waiting', 'offered') "
            "ORDER BY id",
            (type_id, lot),
        )
    ]


# -- the tests --------------------------------------------------------------------------


def test_twenty_counters_selling_the_last_three_spaces_sell_exactly_three(
    connect: Connect,
) -> None:
    alice, mona = connect("alice"), connect("mona")
    lot = make_lot(mona, 3)
    type_id = make_type(mona, lot)
    buyers = []
    for _ in range(COUNTERS):
        parker = make_parker(alice)
        buyers.append((parker, make_vehicle(alice, parker)))
    sessions = counters(connect)

    outcomes = all_at_once(
        [
            lambda conn=conn, parker=parker, vehicle=vehicle: sell(
                conn, parker, type_id, lot, [vehicle], key=uuid.uuid4()
            )
            for conn, (parker, vehicle) in zip(sessions, buyers, strict=True)
        ]
    )

    sold = [o for o in outcomes if isinstance(o, int)]
    refusals = [o for o in outcomes if not isinstance(o, int)]
    assert len(sold) == 3, outcomes
    assert [sqlstate(o) for o in refusals] == ["PD001"] * 17, refusals
    assert all(o.diag.message_detail == str(lot) for o in refusals)
    assert all("is full: 3 of 3 spaces are taken" in str(o) for o in refusals)
    assert one(mona, "SELECT count(*) FROM permit WHERE lot_id = %s", (lot,)) == 3
    assert one(mona, "SELECT count(*) FROM payment WHERE id = ANY(%s)", (sold,)) == 3
    # Only the three buyers were charged, and each of them paid in full.
    charged = mona.execute(
        "SELECT parker_id, sum(amount) FILTER (WHERE kind = 'sale') AS owed, sum(amount) "
        "FROM ledger_entry WHERE parker_id = ANY(%s) GROUP BY parker_id",
        ([p for p, _ in buyers],),
    ).fetchall()
    assert len(charged) == 3
    assert all(owed == Decimal("25.00") and total == 0 for _p, owed, total in charged)
    assert one(mona, "SELECT free FROM lot_availability(%s)", (lot,)) == 0


def test_two_counters_selling_one_parker_the_last_allowed_permit_sell_one(
    connect: Connect,
) -> None:
    alice, mona = connect("alice"), connect("mona")
    lot = make_lot(mona, 10)
    type_id = make_type(mona, lot, per_parker_limit=1)
    parker = make_parker(alice)
    vehicles = [make_vehicle(alice, parker), make_vehicle(alice, parker)]
    sessions = counters(connect, 2)

    outcomes = all_at_once(
        [
            lambda conn=conn, vehicle=vehicle: sell(
                conn, parker, type_id, lot, [vehicle], key=uuid.uuid4()
            )
            for conn, vehicle in zip(sessions, vehicles, strict=True)
        ]
    )

    assert sorted(map(str, map(sqlstate, outcomes))) == ["None", "PD002"], outcomes
    refusal = next(o for o in outcomes if isinstance(o, psycopg.Error))
    assert "the limit is 1" in str(refusal)
    assert one(mona, "SELECT count(*) FROM permit WHERE parker_id = %s", (parker,)) == 1


def test_one_key_from_two_counters_at_once_records_one_sale(connect: Connect) -> None:
    alice, mona = connect("alice"), connect("mona")
    lot = make_lot(mona, 10)
    type_id = make_type(mona, lot)
    parker = make_parker(alice)
    vehicle = make_vehicle(alice, parker)
    key = uuid.uuid4()
    # A retry after a dropped connection: the same clerk's request on a second connection.
    sessions = [connect("alice"), connect("alice")]

    outcomes = all_at_once(
        [
            lambda conn=conn: sell(conn, parker, type_id, lot, [vehicle], key=key)
            for conn in sessions
        ]
    )

    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert outcomes[0] == outcomes[1]
    assert one(mona, "SELECT count(*) FROM payment WHERE idempotency_key = %s", (key,)) == 1
    assert one(mona, "SELECT count(*) FROM permit WHERE parker_id = %s", (parker,)) == 1
    assert one(
        mona, "SELECT sum(amount) FROM ledger_entry WHERE parker_id = %s", (parker,)
    ) == Decimal("0.00")


def test_cancelling_and_selling_in_one_lot_at_once_all_go_through(connect: Connect) -> None:
    """A cancellation frees a space (and offers it) while other counters sell in the lot."""
    alice, mona = connect("alice"), connect("mona")
    lot = make_lot(mona, 100)
    type_id = make_type(mona, lot)
    held = []
    for _ in range(COUNTERS // 2):
        parker = make_parker(alice)
        payment = sell(alice, parker, type_id, lot, [make_vehicle(alice, parker)], key=uuid.uuid4())
        held.append(int(one(alice, "SELECT permit_id FROM payment_line WHERE id = %s", (payment,))))
    buyers = []
    for _ in range(COUNTERS // 2):
        parker = make_parker(alice)
        buyers.append((parker, make_vehicle(alice, parker)))
    sessions = counters(connect)

    calls: list[Callable[[], Any]] = []
    for i, (permit, (parker, vehicle)) in enumerate(zip(held, buyers, strict=True)):
        calls.append(
            lambda conn=sessions[2 * i], permit=permit: one(
                conn,
                "SELECT cancel_permit(%s::uuid, %s, 'Moving away', %s::jsonb)",
                (uuid.uuid4(), permit, Jsonb(CARD)),
            )
        )
        calls.append(
            lambda conn=sessions[2 * i + 1], parker=parker, vehicle=vehicle: sell(
                conn, parker, type_id, lot, [vehicle], key=uuid.uuid4()
            )
        )
    outcomes = all_at_once(calls)

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert one(
        mona, "SELECT count(*) FROM permit WHERE id = ANY(%s) AND cancelled_at IS NOT NULL", (held,)
    ) == len(held)
    assert one(
        mona,
        "SELECT count(*) FROM permit WHERE parker_id = ANY(%s)",
        ([parker for parker, _v in buyers],),
    ) == len(buyers)


def test_twenty_parkers_joining_a_waitlist_at_once_get_ranks_one_to_twenty(
    connect: Connect,
) -> None:
    alice, mona = connect("alice"), connect("mona")
    lot = make_lot(mona, 0)
    type_id = make_type(mona, lot, sale_mode="waitlist")
    parkers = [make_parker(alice) for _ in range(COUNTERS)]
    sessions = counters(connect)

    joined = all_at_once(
        [
            lambda conn=conn, parker=parker: int(
                one(conn, "SELECT join_waitlist(%s, %s, %s)", (type_id, lot, parker))
            )
            for conn, parker in zip(sessions, parkers, strict=True)
        ]
    )

    assert all(isinstance(entry, int) for entry in joined), joined
    line = queue(mona, type_id, lot)
    assert [rank for _e, _p, rank in line] == list(range(1, COUNTERS + 1))
    assert sorted(entry for entry, _p, _r in line) == sorted(joined)
    assert sorted(parker for _e, parker, _r in line) == sorted(parkers)


def test_five_parkers_leaving_a_waitlist_at_once_close_up_the_line(connect: Connect) -> None:
    alice, mona = connect("alice"), connect("mona")
    lot = make_lot(mona, 0)
    type_id = make_type(mona, lot, sale_mode="waitlist")
    joined = [
        int(one(alice, "SELECT join_waitlist(%s, %s, %s)", (type_id, lot, make_parker(alice))))
        for _ in range(COUNTERS)
    ]
    assert [rank for _e, _p, rank in queue(mona, type_id, lot)] == list(range(1, COUNTERS + 1))
    leaving = joined[::4]  # five of them, from all over the line
    sessions = counters(connect, len(leaving))

    left = all_at_once(
        [
            lambda conn=conn, entry=entry: conn.execute("SELECT leave_waitlist(%s)", (entry,))
            for conn, entry in zip(sessions, leaving, strict=True)
        ]
    )

    assert not any(isinstance(o, Exception) for o in left), left
    line = queue(mona, type_id, lot)
    assert [rank for _e, _p, rank in line] == list(range(1, COUNTERS - len(leaving) + 1))
    assert [entry for entry, _p, _r in line] == [e for e in joined if e not in leaving]
    statuses = mona.execute(
        "SELECT DISTINCT status FROM waitlist_entry WHERE id = ANY(%s)", (leaving,)
    ).fetchall()
    assert statuses == [("left",)]


def test_one_parker_added_to_a_waitlist_from_two_counters_is_on_it_once(
    connect: Connect,
) -> None:
    alice, mona = connect("alice"), connect("mona")
    lot = make_lot(mona, 0)
    type_id = make_type(mona, lot, sale_mode="waitlist")
    parker = make_parker(alice)
    sessions = counters(connect, 2)

    outcomes = all_at_once(
        [
            lambda conn=conn: int(
                one(conn, "SELECT join_waitlist(%s, %s, %s)", (type_id, lot, parker))
            )
            for conn in sessions
        ]
    )

    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    refusal = next(o for o in outcomes if isinstance(o, psycopg.Error))
    # Either the function saw the other entry, or the table's unique index refused it
    # (the desk shows "already on this waitlist" for both).
    assert (refusal.sqlstate, refusal.diag.message_detail) == ("PD002", "permit_type") or (
        refusal.sqlstate == "23505"
        and refusal.diag.constraint_name == "uq_waitlist_entry_one_active"
    ), refusal
    assert len(queue(mona, type_id, lot)) == 1


def test_two_counters_issuing_temporary_permits_for_one_new_plate_in_two_lots_both_issue(
    connect: Connect,
) -> None:
    manager = connect("mona")
    lots = [make_lot(manager, 10), make_lot(manager, 10)]
    for _ in range(5):
        plate = token(7)
        clerks = [connect("alice"), connect("bruno")]

        def issue(clerk: Conn, lot: int, plate: str = plate) -> int:
            return int(
                one(
                    clerk,
                    "SELECT issue_temporary_permit(%s::uuid, 'visitor', 'ZZ', %s, %s::bigint, "
                    "now(), now() + interval '2 hours', 5.00, NULL, %s::jsonb)",
                    (uuid.uuid4(), plate, lot, Jsonb(CARD)),
                )
            )

        outcomes = all_at_once(
            [lambda c=c, lot=lot: issue(c, lot) for c, lot in zip(clerks, lots, strict=True)]
        )

        assert [sqlstate(o) for o in outcomes] == [None, None], outcomes
        assert (
            one(manager, "SELECT count(*) FROM vehicle WHERE plate_normalized = %s", (plate,)) == 1
        )
        permits = one(
            manager,
            "SELECT count(*) FROM permit_vehicle pv JOIN vehicle v ON v.id = pv.vehicle_id "
            "WHERE v.plate_normalized = %s",
            (plate,),
        )
        assert permits == 2
