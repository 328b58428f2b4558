"""A permit "valid to 31 May" ends at the end of 31 May where the office is (SPEC rule 3).

Validity is a ``tstzrange`` whose ends are local midnights in the office's time zone,
whatever zone the server, the client or the officer's device is in, and across daylight
saving changes. The module runs on its own server, because it changes the office's time
zone, which every other test would otherwise see.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

Conn = psycopg.Connection[tuple[Any, ...]]
Connect = Callable[[str], Conn]

PLAIN = "ACEFHJKMNPRTUVWXY3479"
CARD = {"kind": "card", "brand": "Visa", "last4": "4242", "reference": "AUTH-83JD"}
#: Behind UTC, and ahead of it (with and without daylight saving).
ZONES = ["America/Vancouver", "Australia/Sydney", "Asia/Tokyo"]
#: Zones and months in which the clocks change. (Not Vancouver: British Columbia keeps
#: daylight time all year from November 2026 in recent time zone databases.)
DST_MONTHS = [
    ("America/New_York", 3),
    ("America/New_York", 11),
    ("Australia/Sydney", 4),
    ("Australia/Sydney", 10),
]


def office_in(connect: Connect, zone: str) -> Iterator[str]:
    """The manager moves the office to ``zone``; the old zone is put back afterwards."""
    mona = connect("mona")
    before = one(mona, "SELECT time_zone FROM office_setting WHERE id = 1")
    mona.execute("UPDATE office_setting SET time_zone = %s WHERE id = 1", (zone,))
    yield zone
    mona.execute("UPDATE office_setting SET time_zone = %s WHERE id = 1", (before,))


@pytest.fixture(params=ZONES)
def zone(connect: Connect, request: pytest.FixtureRequest) -> Iterator[str]:
    yield from office_in(connect, str(request.param))


@pytest.fixture(params=DST_MONTHS, ids=[f"{z}-{m:02d}" for z, m in DST_MONTHS])
def dst_month(connect: Connect, request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    zone, month = request.param
    for _ in office_in(connect, zone):
        yield zone, month


# -- making rows ------------------------------------------------------------------------


def token(length: int = 6) -> str:
    return "".join(secrets.choice(PLAIN) for _ in range(length))


def one(conn: Conn, sql: str, params: Any = None) -> Any:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def at(conn: Conn, local: str, zone: str) -> datetime:
    """The instant a wall clock in ``zone`` shows ``local``, by the server's own zone rules
    (PostgreSQL carries its own time zone database, which may be newer than Python's)."""
    instant = one(conn, "SELECT %s::timestamp AT TIME ZONE %s", (local, zone))
    assert isinstance(instant, datetime)
    return instant


def utc_offset(conn: Conn, local: str, zone: str) -> Any:
    return one(
        conn,
        "SELECT %(t)s::timestamp - ((%(t)s::timestamp AT TIME ZONE %(z)s) AT TIME ZONE 'UTC')",
        {"t": local, "z": zone},
    )


def local_today(conn: Conn) -> date:
    day = one(conn, "SELECT (now() AT TIME ZONE time_zone)::date FROM office_setting")
    assert isinstance(day, date)
    return day


def setup_sale(connect: Connect, **type_fields: Any) -> dict[str, Any]:
    """A lot, a permit type sold there, and a parker with one vehicle."""
    alice, mona = connect("alice"), connect("mona")
    lot_code = f"L{token(8)}"
    lot = one(
        mona,
        "INSERT INTO lot (code, name, capacity) VALUES (%s, %s, 10) RETURNING id",
        (lot_code, f"Lot {token(4)}"),
    )
    values: dict[str, Any] = {
        "code": f"T{token(8)}",
        "name": f"Permit {token(5)}",
        "price": Decimal("120.00"),
        "affiliations": ["staff"],
        **type_fields,
    }
    columns = ", ".join(values)
    marks = ", ".join(f"%({c})s" for c in values)
    type_id = one(
        mona, f"INSERT INTO permit_type ({columns}) VALUES ({marks}) RETURNING id", values
    )
    mona.execute(
        "INSERT INTO permit_type_lot (permit_type_id, lot_id) VALUES (%s, %s)", (type_id, lot)
    )
    parker = one(
        alice,
        "INSERT INTO parker (first_name, last_name, affiliation) VALUES ('Tim', %s, 'staff') "
        "RETURNING id",
        (f"Zone{token()}",),
    )
    plate = token(7)
    vehicle = one(
        alice,
        "INSERT INTO vehicle (parker_id, jurisdiction, plate_raw) VALUES (%s, 'ZZ', %s) "
        "RETURNING id",
        (parker, plate),
    )
    return {
        "alice": alice,
        "lot": lot,
        "lot_code": lot_code,
        "type": type_id,
        "parker": parker,
        "vehicle": vehicle,
        "plate": plate,
    }


def sell(sale: dict[str, Any], start: date) -> tuple[datetime, datetime]:
    """Sells the permit from ``start``; returns its validity."""
    alice: Conn = sale["alice"]
    payment = one(
        alice,
        "SELECT sell_permit(%s::uuid, %s, %s, %s, %s::bigint[], %s, %s::jsonb)",
        (
            uuid.uuid4(),
            sale["parker"],
            sale["type"],
            sale["lot"],
            [sale["vehicle"]],
            start,
            Jsonb(CARD),
        ),
    )
    row = alice.execute(
        "SELECT lower(p.validity), upper(p.validity) FROM permit p "
        "JOIN payment_line pay ON pay.permit_id = p.id WHERE pay.id = %s",
        (payment,),
    ).fetchone()
    assert row is not None
    return row[0], row[1]


def check(officer: Conn, sale: dict[str, Any], local: str, zone: str) -> tuple[str, str]:
    """The verdict on the sale's plate in its lot at ``local`` wall-clock time in ``zone``."""
    row = officer.execute(
        "SELECT verdict, reason FROM check_plate('ZZ', %s, %s, %s::timestamp AT TIME ZONE %s)",
        (sale["plate"], sale["lot_code"], local, zone),
    ).fetchone()
    assert row is not None
    return str(row[0]), str(row[1])


@pytest.fixture
def officer(connect: Connect) -> Conn:
    """An enforcement device whose own clock is set to a zone far from the office's."""
    otto = connect("otto")
    otto.execute("SET TimeZone = 'Pacific/Kiritimati'")
    return otto


# -- the tests --------------------------------------------------------------------------


def test_a_permit_to_31_may_is_valid_until_midnight_where_the_office_is(
    connect: Connect, zone: str, officer: Conn
) -> None:
    alice = connect("alice")
    today = local_today(alice)
    year = today.year + 1
    sale = setup_sale(connect, validity="term", term_start=today, term_end=date(year, 5, 31))
    midnight = at(alice, f"{year}-06-01 00:00", zone)

    quote = alice.execute(
        "SELECT valid_until, price FROM quote_permit(%s, %s)", (sale["type"], today)
    ).fetchone()
    assert quote == (midnight, Decimal("120.00"))
    _valid_from, valid_until = sell(sale, today)
    assert valid_until == midnight

    verdict, reason = check(officer, sale, f"{year}-05-31 23:59", zone)
    assert verdict == "valid", reason
    assert f"until the end of 31 May {year}" in reason
    verdict, reason = check(officer, sale, f"{year}-06-01 00:01", zone)
    assert verdict == "expired", reason
    assert f"ended at the end of 31 May {year}" in reason


def test_a_monthly_permit_across_a_clock_change_ends_at_local_midnight(
    connect: Connect, dst_month: tuple[str, int], officer: Conn
) -> None:
    zone, month = dst_month
    alice = connect("alice")
    today = local_today(alice)
    year = today.year if date(today.year, month, 1) > today else today.year + 1
    first = date(year, month, 1)
    last = date(year + month // 12, month % 12 + 1, 1)
    sale = setup_sale(connect, validity="monthly")
    starts, ends = at(alice, f"{first} 00:00", zone), at(alice, f"{last} 00:00", zone)
    assert utc_offset(alice, f"{first} 00:00", zone) != utc_offset(alice, f"{last} 00:00", zone), (
        "the clocks change within this month"
    )

    quote = alice.execute(
        "SELECT valid_from, valid_until FROM quote_permit(%s, %s)", (sale["type"], first)
    ).fetchone()
    assert quote == (starts, ends)
    assert sell(sale, first) == (starts, ends)

    day_before = date.fromordinal(last.toordinal() - 1)
    assert check(officer, sale, f"{first} 00:01", zone)[0] == "valid"
    assert check(officer, sale, f"{day_before} 23:59", zone)[0] == "valid"
    assert check(officer, sale, f"{last} 00:01", zone)[0] == "expired"
    assert check(officer, sale, f"{year}-{month:02d}-01 00:00", zone)[0] == "valid"
    previous_day = date.fromordinal(first.toordinal() - 1)
    assert check(officer, sale, f"{previous_day} 23:59", zone)[0] == "no_permit"
