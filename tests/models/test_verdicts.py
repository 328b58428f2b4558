"""What the officer's verdict knows beyond permits, tried as the logins that would try it:
zones in the device API, time limits (virtual chalking), exemptions ("do not ticket") and
flags on a permit whose vehicles are on site together (SPEC rules 4, 5 and 16).

Read times are the device's own (up to 30 days back); reads before that, around the
change from daylight time on 1 Nov 2026, are planted by the superuser with their chain
kept whole. The module runs on its own server: it sets the office's time zone and the
shared-permit window.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import errors as pgerrors
from psycopg import sql

from tests.conftest import Database
from tests.models.test_enforcement import (
    JURISDICTION,
    letters,
    make_device,
    make_violation,
    number,
)
from tests.models.test_permit_rules import (
    make_lot,
    make_parker,
    make_type,
    make_vehicle,
    one,
    refused,
    sell,
    token,
)

Conn = psycopg.Connection[tuple[Any, ...]]
Connect = Callable[[str], Conn]

TORONTO = ZoneInfo("America/Toronto")
_CALLS = itertools.count(1)


@pytest.fixture(autouse=True)
def office(connect: Connect) -> None:
    """An office in Toronto, flagging shared permits over the hour."""
    connect("mona").execute(
        "UPDATE office_setting SET time_zone = 'America/Toronto', shared_permit_window_minutes = 60"
    )


@dataclass(frozen=True)
class Place:
    lot: int
    lot_code: str
    lot_name: str
    zone: int
    zone_code: str
    device: str
    device_id: int
    range_prefix: str

    @property
    def zoned(self) -> str:
        return f"{self.lot_code}/{self.zone_code}"


def make_place(mona: Conn, limit: int | None = 120) -> Place:
    lot = make_lot(mona, 100)
    lot_code, lot_name = mona.execute("SELECT code, name FROM lot WHERE id = %s", (lot,)).fetchone()
    zone_code = f"Z{token(4)}"
    zone = int(
        one(
            mona,
            "INSERT INTO zone (lot_id, code, name, time_limit_minutes) "
            "VALUES (%s, %s, 'Visitors', %s) RETURNING id",
            (lot, zone_code, limit),
        )
    )
    prefix = letters(4)
    device, device_id, _ = make_device(mona, prefix, 1000, 1999)
    return Place(lot, lot_code, lot_name, zone, zone_code, device, device_id, prefix)


def read(
    otto: Conn, p: Place, plate: str, at: datetime, where: str | None = None
) -> dict[str, Any]:
    cursor = otto.execute(
        "SELECT * FROM record_plate_read(%s, %s, %s, %s, %s, %s)",
        (p.device, next(_CALLS), JURISDICTION, plate, where or p.zoned, at),
    )
    row = cursor.fetchone()
    assert row is not None
    assert cursor.description is not None
    return dict(zip([c.name for c in cursor.description], row, strict=True))


def check(conn: Conn, plate: str, where: str | None, at: datetime | None = None) -> dict[str, Any]:
    cursor = conn.execute(
        "SELECT * FROM check_plate(%s, %s, %s, %s)", (JURISDICTION, plate, where, at)
    )
    row = cursor.fetchone()
    assert row is not None
    assert cursor.description is not None
    return dict(zip([c.name for c in cursor.description], row, strict=True))


def hhmm(moment: datetime) -> str:
    return moment.astimezone(TORONTO).strftime("%H:%M")


# -- zones in the device API ----------------------------------------------------------------


def test_a_lot_and_zone_reach_the_read_and_the_answer(connect: Connect) -> None:
    mona, otto = connect("mona"), connect("otto")
    p = make_place(mona, limit=None)
    plate = token(7)
    answer = read(otto, p, plate, datetime.now(UTC), where=p.zoned.lower())
    assert answer["verdict"] == "no_permit"
    assert (answer["over_limit_since"], answer["exemption"], answer["shared_permit"]) == (
        None,
        None,
        False,
    )
    stored = mona.execute(
        "SELECT lot_id, zone_id FROM plate_read WHERE id = %s", (answer["read_id"],)
    ).fetchone()
    assert stored == (p.lot, p.zone)
    assert check(otto, plate, p.zoned)["zone_code"] == p.zone_code
    assert check(otto, plate, p.lot_code)["zone_code"] is None


@pytest.mark.parametrize("where", ["{lot}/NOPE", "{lot}/", "{lot}/{other}"])
def test_an_unknown_zone_is_refused_under_lot(connect: Connect, where: str) -> None:
    mona, otto = connect("mona"), connect("otto")
    p, other = make_place(mona), make_place(mona)
    place = where.format(lot=p.lot_code, other=other.zone_code)
    with refused("PD002", "lot", "has no zone"):
        check(otto, token(7), place)
    with refused("PD002", "lot", "has no zone"):
        read(otto, p, token(7), datetime.now(UTC), where=place)
    with refused("PD002", "lot", "has no zone"):
        otto.execute(
            "SELECT * FROM issue_citation(%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                p.device,
                next(_CALLS),
                number(p.range_prefix, 1000),
                JURISDICTION,
                token(7),
                make_violation(mona),
                place,
                datetime.now(UTC),
            ),
        )


def test_a_citation_in_a_zone_keeps_the_zone_and_its_fine_line(connect: Connect) -> None:
    mona, otto = connect("mona"), connect("otto")
    p = make_place(mona, limit=None)
    violation = make_violation(mona)  # 45.00 everywhere
    mona.execute(
        "INSERT INTO fine_rule (violation_id, lot_id, zone_id, amount) "
        "SELECT id, %s, %s, 80.00 FROM violation WHERE code = %s",
        (p.lot, p.zone, violation),
    )
    citation, _, fine, _ = otto.execute(
        "SELECT * FROM issue_citation(%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            p.device,
            next(_CALLS),
            number(p.range_prefix, 1001),
            JURISDICTION,
            token(7),
            violation,
            f" {p.lot_code.lower()} / {p.zone_code.lower()} ",
            datetime.now(UTC),
        ),
    ).fetchone()
    assert str(fine) == "80.00"
    assert one(mona, "SELECT zone_id FROM citation WHERE id = %s", (citation,)) == p.zone
    # The lot alone: the violation's own line, and no zone.
    citation, _, fine, _ = otto.execute(
        "SELECT * FROM issue_citation(%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            p.device,
            next(_CALLS),
            number(p.range_prefix, 1002),
            JURISDICTION,
            token(7),
            violation,
            p.lot_code,
            datetime.now(UTC),
        ),
    ).fetchone()
    assert str(fine) == "45.00"
    assert one(mona, "SELECT zone_id FROM citation WHERE id = %s", (citation,)) is None


# -- time limits: virtual chalking ----------------------------------------------------------


def test_under_then_over_the_limit(connect: Connect) -> None:
    otto = connect("otto")
    p = make_place(connect("mona"), limit=120)
    plate = token(7)
    first = (datetime.now(UTC) - timedelta(hours=5)).replace(microsecond=0)
    assert read(otto, p, plate, first)["verdict"] == "no_permit"
    under = read(otto, p, plate, first + timedelta(minutes=60))
    assert (under["verdict"], under["over_limit_since"]) == ("no_permit", None)
    assert check(otto, plate, p.zoned, first + timedelta(minutes=60))["stay_began"] == first
    over = read(otto, p, plate, first + timedelta(minutes=130))
    assert over["verdict"] == "over_limit"
    assert over["over_limit_since"] == first + timedelta(minutes=120)
    since = hhmm(first + timedelta(minutes=120))
    assert over["reason"].startswith(f"Over the 2-hour limit in zone {p.zone_code} since ")
    assert f"{since} (first read " in over["reason"]
    assert over["reason"].endswith(f"{hhmm(first)}).")
    answer = check(otto, plate, p.zoned, first + timedelta(minutes=130))
    assert (answer["verdict"], answer["stay_began"]) == ("over_limit", first)
    # The lot alone has no limit: the permits' verdict.
    assert check(otto, plate, p.lot_code, first + timedelta(minutes=130))["verdict"] == "no_permit"


def test_a_gap_longer_than_the_limit_starts_the_stay_over(connect: Connect) -> None:
    otto = connect("otto")
    p = make_place(connect("mona"), limit=120)
    plate = token(7)
    first = (datetime.now(UTC) - timedelta(hours=8)).replace(microsecond=0)
    read(otto, p, plate, first)
    back = first + timedelta(minutes=130)  # left and came back
    assert read(otto, p, plate, back)["verdict"] == "no_permit"
    assert read(otto, p, plate, back + timedelta(minutes=70))["verdict"] == "no_permit"
    over = read(otto, p, plate, back + timedelta(minutes=125))
    assert over["verdict"] == "over_limit"
    assert over["over_limit_since"] == back + timedelta(minutes=120)
    assert check(otto, plate, p.zoned, back + timedelta(minutes=125))["stay_began"] == back


def test_a_stay_across_local_midnight_counts_whole(connect: Connect) -> None:
    otto = connect("otto")
    p = make_place(connect("mona"), limit=120)
    plate = token(7)
    day = (datetime.now(TORONTO) - timedelta(days=3)).date()
    evening = datetime(day.year, day.month, day.day, 23, 10, tzinfo=TORONTO)
    read(otto, p, plate, evening)
    read(otto, p, plate, evening + timedelta(minutes=80))  # 00:30 the next day
    over = read(otto, p, plate, evening + timedelta(minutes=130))  # 01:20
    assert over["verdict"] == "over_limit"
    assert over["over_limit_since"] == evening + timedelta(minutes=120)
    assert "since 01:10 (first read " in over["reason"]
    assert "23:10)." in over["reason"]


def plant_read(su: Conn, p: Place, plate: str, at: datetime) -> None:
    """A read of 1 Nov 2026, older than a device may sync, chained as record_plate_read
    would chain it."""
    su.execute(
        sql.SQL(
            """
            DO $$
            DECLARE
                r parkdesk.plate_read;
            BEGIN
                r.id := nextval(pg_get_serial_sequence('parkdesk.plate_read', 'id'));
                r.device_id := {device}; r.device_seq := {seq}; r.officer := 'otto';
                r.jurisdiction := {jurisdiction}; r.plate_raw := {plate}; r.lot_id := {lot};
                r.zone_id := {zone}; r.read_at := {at}; r.recorded_at := {at};
                r.verdict := 'no_permit'; r.reason := 'No permit.';
                SELECT c.last_hash INTO r.prev_hash FROM parkdesk.plate_read_chain c
                WHERE c.device_id = r.device_id;
                r.row_hash := parkdesk.read_digest(r);
                INSERT INTO parkdesk.plate_read (id, device_id, device_seq, officer,
                    jurisdiction, plate_raw, lot_id, zone_id, read_at, recorded_at, verdict,
                    reason, prev_hash, row_hash)
                VALUES (r.id, r.device_id, r.device_seq, r.officer, r.jurisdiction,
                    r.plate_raw, r.lot_id, r.zone_id, r.read_at, r.recorded_at, r.verdict,
                    r.reason, r.prev_hash, r.row_hash);
                INSERT INTO parkdesk.plate_read_chain AS c (device_id, last_read_id, last_hash)
                VALUES (r.device_id, r.id, r.row_hash)
                ON CONFLICT (device_id) DO UPDATE SET last_read_id = excluded.last_read_id,
                                                      last_hash = excluded.last_hash;
            END
            $$
            """
        ).format(
            device=sql.Literal(p.device_id),
            seq=sql.Literal(next(_CALLS)),
            jurisdiction=sql.Literal(JURISDICTION),
            plate=sql.Literal(plate),
            lot=sql.Literal(p.lot),
            zone=sql.Literal(p.zone),
            at=sql.Literal(at),
        )
    )
    su.commit()


def test_a_stay_through_the_change_from_daylight_time_counts_real_minutes(
    connect: Connect, desk: Database
) -> None:
    otto, mona = connect("otto"), connect("mona")
    p = make_place(mona, limit=120)
    plate = token(7)
    first = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # 01:00 EDT
    with desk.admin() as su:
        plant_read(su, p, plate, first)
        plant_read(su, p, plate, first + timedelta(minutes=60))
    # 06:30 UTC is 01:30 EST: an hour and a half by the clock, 90 minutes really.
    under = check(otto, plate, p.zoned, first + timedelta(minutes=90))
    assert (under["verdict"], under["stay_began"]) == ("no_permit", first)
    # 07:30 UTC is 02:30 EST: an hour and a half by the clock, but 150 minutes really.
    over = check(otto, plate, p.zoned, first + timedelta(minutes=150))
    assert over["verdict"] == "over_limit"
    assert over["over_limit_since"] == first + timedelta(minutes=120)
    assert over["reason"] == (
        f"Over the 2-hour limit in zone {p.zone_code} since 02:00 (first read 01:00)."
    )
    assert (
        mona.execute("SELECT * FROM verify_read_chains() WHERE device = %s", (p.device,)).fetchall()
        == []
    )


def test_a_permit_holder_is_never_over_the_limit(connect: Connect) -> None:
    alice, mona, otto = connect("alice"), connect("mona"), connect("otto")
    p = make_place(mona, limit=5)
    parker = make_parker(alice)
    vehicle, plate = make_vehicle(alice, parker)
    sell(alice, parker, make_type(mona, [p.lot]), p.lot, [vehicle])
    stranger = token(7)
    start = datetime.now(UTC) + timedelta(seconds=2)
    for minutes in (0, 4, 8):  # no gap longer than the limit, 8 minutes in all
        held = read(otto, p, plate, start + timedelta(minutes=minutes))
        seen = read(otto, p, stranger, start + timedelta(minutes=minutes))
    assert (held["verdict"], held["over_limit_since"]) == ("valid", None)
    assert seen["verdict"] == "over_limit"
    assert "Over the 5-minute limit" in seen["reason"]


# -- exemptions: do not ticket --------------------------------------------------------------


def exempt(
    mona: Conn,
    plate: str,
    lot: int | None,
    *,
    starts: datetime | None = None,
    ends: datetime | None = None,
    reason: str = "City works crew",
) -> int:
    return int(
        one(
            mona,
            "INSERT INTO exemption (jurisdiction, plate_normalized, lot_id, reason, starts_at, "
            "ends_at) VALUES (%s, %s, %s, %s, coalesce(%s, now()), %s) RETURNING id",
            (JURISDICTION.lower(), plate, lot, reason, starts, ends),
        )
    )


def test_an_exemption_for_one_lot(connect: Connect) -> None:
    mona, otto = connect("mona"), connect("otto")
    p, other = make_place(mona), make_place(mona)
    plate = token(7)
    end = datetime(2027, 1, 1, tzinfo=TORONTO)  # local midnight: to the end of 31 Dec
    exempt(mona, f"{plate[:3].lower()}-{plate[3:]}", p.lot, ends=end)
    assert one(mona, "SELECT plate_normalized FROM exemption WHERE plate_normalized = %s", (plate,))
    here = check(otto, plate, p.lot_code)
    assert here["verdict"] == "exempt"
    assert here["exemption"] == "City works crew"
    assert here["reason"] == f"Do not ticket: City works crew (in {p.lot_name}, until 31 Dec 2026)."
    assert check(otto, plate, other.lot_code)["verdict"] == "no_permit"
    answer = read(otto, p, plate, datetime.now(UTC))
    assert (answer["verdict"], answer["exemption"]) == ("exempt", "City works crew")


def test_an_exemption_for_every_lot_outranks_a_time_limit(connect: Connect) -> None:
    mona, otto = connect("mona"), connect("otto")
    p = make_place(mona, limit=5)
    plate = token(7)
    exempt(mona, plate, None, starts=datetime.now(UTC) - timedelta(days=2))
    first = datetime.now(UTC) - timedelta(hours=1)
    read(otto, p, plate, first)
    answer = read(otto, p, plate, first + timedelta(minutes=30))
    assert answer["verdict"] == "exempt"
    assert answer["over_limit_since"] is None
    assert answer["reason"] == "Do not ticket: City works crew (no end date)."
    assert check(otto, plate, make_place(mona).lot_code)["verdict"] == "exempt"


def test_an_expired_or_future_exemption_does_not_cover(connect: Connect) -> None:
    mona, otto = connect("mona"), connect("otto")
    p = make_place(mona)
    now = datetime.now(UTC)
    past, future = token(7), token(7)
    exempt(mona, past, None, starts=now - timedelta(days=10), ends=now - timedelta(days=1))
    exempt(mona, future, p.lot, starts=now + timedelta(days=1))
    assert check(otto, past, p.lot_code)["verdict"] == "no_permit"
    assert check(otto, past, p.lot_code, now - timedelta(days=2))["verdict"] == "exempt"
    assert check(otto, future, p.lot_code)["verdict"] == "no_permit"
    assert check(otto, future, p.lot_code, now + timedelta(days=2))["verdict"] == "exempt"


def test_a_valid_permit_keeps_valid_over_an_exemption(connect: Connect) -> None:
    alice, mona, otto = connect("alice"), connect("mona"), connect("otto")
    p = make_place(mona)
    parker = make_parker(alice)
    vehicle, plate = make_vehicle(alice, parker)
    sell(alice, parker, make_type(mona, [p.lot]), p.lot, [vehicle])
    exempt(mona, plate, None)
    soon = datetime.now(UTC) + timedelta(seconds=5)
    assert check(otto, plate, p.lot_code, soon)["verdict"] == "valid"


def test_an_exempt_plate_is_not_cited(connect: Connect) -> None:
    mona, otto = connect("mona"), connect("otto")
    p = make_place(mona)
    plate = token(7)
    exempt(mona, plate, p.lot, reason="Fire marshal")
    with refused("PD002", "plate", "Do not ticket: Fire marshal"):
        otto.execute(
            "SELECT * FROM issue_citation(%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                p.device,
                next(_CALLS),
                number(p.range_prefix, 1003),
                JURISDICTION,
                plate,
                make_violation(mona),
                p.zoned,
                datetime.now(UTC),
            ),
        )
    assert one(mona, "SELECT count(*) FROM citation WHERE plate_normalized = %s", (plate,)) == 0


def test_a_manager_ends_an_exemption_a_clerk_adds_none_and_nobody_removes_one(
    connect: Connect, desk: Database
) -> None:
    mona, alice, otto = connect("mona"), connect("alice"), connect("otto")
    p = make_place(mona)
    plate = token(7)
    exemption = exempt(mona, plate, None)
    assert check(otto, plate, p.lot_code)["verdict"] == "exempt"
    mona.execute("UPDATE exemption SET ends_at = now() WHERE id = %s", (exemption,))
    assert check(otto, plate, p.lot_code)["verdict"] == "no_permit"
    assert one(mona, "SELECT version FROM exemption WHERE id = %s", (exemption,)) == 2
    assert (
        one(
            mona,
            "SELECT count(*) FROM audit_log WHERE table_name = 'exemption' AND row_key = %s",
            (str(exemption),),
        )
        == 2
    )
    with pytest.raises(pgerrors.InsufficientPrivilege):
        exempt(alice, token(7), None)
    with pytest.raises(pgerrors.InsufficientPrivilege):
        mona.execute("UPDATE exemption SET plate_normalized = 'X1' WHERE id = %s", (exemption,))
    with pytest.raises(pgerrors.InsufficientPrivilege):
        mona.execute("DELETE FROM exemption WHERE id = %s", (exemption,))
    with desk.admin() as su, pytest.raises(pgerrors.InsufficientPrivilege):
        su.execute("DELETE FROM parkdesk.exemption WHERE id = %s", (exemption,))
    assert one(alice, "SELECT reason FROM exemption WHERE id = %s", (exemption,))


@pytest.mark.parametrize("table", ["exemption", "permit_flag"])
def test_the_officer_reads_no_exemption_or_flag(connect: Connect, table: str) -> None:
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect("otto").execute(f"SELECT count(*) FROM {table}")


# -- one vehicle of a permit on site at a time ---------------------------------------------


def two_car_permit(connect: Connect, p: Place) -> tuple[int, str, str]:
    alice, mona = connect("alice"), connect("mona")
    parker = make_parker(alice)
    first, first_plate = make_vehicle(alice, parker)
    second, second_plate = make_vehicle(alice, parker)
    sell(alice, parker, make_type(mona, [p.lot], max_vehicles=2), p.lot, [first, second])
    permit = one(
        alice,
        "SELECT permit_id FROM permit_vehicle WHERE vehicle_id = %s",
        (first,),
    )
    return int(permit), first_plate, second_plate


def test_two_vehicles_of_one_permit_read_within_the_window_raise_one_flag(
    connect: Connect,
) -> None:
    mona, otto, alice = connect("mona"), connect("otto"), connect("alice")
    p = make_place(mona, limit=None)
    permit, first_plate, second_plate = two_car_permit(connect, p)
    start = datetime.now(UTC) + timedelta(seconds=2)
    one_car = read(otto, p, first_plate, start)
    assert (one_car["verdict"], one_car["shared_permit"]) == ("valid", False)
    both = read(otto, p, second_plate, start + timedelta(minutes=1))
    assert (both["verdict"], both["shared_permit"]) == ("valid", True)
    assert "Shared permit:" in both["reason"]
    again = read(otto, p, first_plate, start + timedelta(minutes=2))
    assert again["shared_permit"] is True
    flags = alice.execute(
        "SELECT id, first_read_id, second_read_id, cleared_at FROM permit_flag "
        "WHERE permit_id = %s AND lot_id = %s",
        (permit, p.lot),
    ).fetchall()
    assert len(flags) == 1
    flag, first_read, second_read, cleared = flags[0]
    assert (first_read, second_read, cleared) == (one_car["read_id"], both["read_id"], None)
    with refused("PD002", "note", "at least 3"):
        alice.execute("SELECT clear_permit_flag(%s, %s)", (flag, " x "))
    alice.execute("SELECT clear_permit_flag(%s, %s)", (flag, "Second car was a loaner"))
    assert alice.execute(
        "SELECT cleared_by, clear_note FROM permit_flag WHERE id = %s", (flag,)
    ).fetchone() == ("alice", "Second car was a loaner")
    with refused("PD002", "flag", "cleared by alice"):
        mona.execute("SELECT clear_permit_flag(%s, %s)", (flag, "Looked again"))
    with pytest.raises(pgerrors.InsufficientPrivilege):
        otto.execute("SELECT clear_permit_flag(%s, %s)", (flag, "Looked again"))
    with pytest.raises(pgerrors.InsufficientPrivilege):
        alice.execute("UPDATE permit_flag SET clear_note = 'nothing' WHERE id = %s", (flag,))
    audited = one(
        mona,
        "SELECT count(*) FROM audit_log WHERE table_name = 'permit_flag' AND row_key = %s",
        (str(flag),),
    )
    assert audited == 2  # raised, cleared: the desks hear both


def test_reads_further_apart_than_the_window_raise_no_flag(connect: Connect) -> None:
    mona, otto = connect("mona"), connect("otto")
    mona.execute("UPDATE office_setting SET shared_permit_window_minutes = 5")
    p = make_place(mona, limit=None)
    permit, first_plate, second_plate = two_car_permit(connect, p)
    start = datetime.now(UTC) + timedelta(seconds=2)
    read(otto, p, first_plate, start)
    later = read(otto, p, second_plate, start + timedelta(minutes=6))
    assert (later["verdict"], later["shared_permit"]) == ("valid", False)
    assert one(mona, "SELECT count(*) FROM permit_flag WHERE permit_id = %s", (permit,)) == 0


# -- the read chain: reads stored before the zone keep their hashes -------------------------

#: read_digest as it was before zones: a read without a zone hashes the same.
DIGEST_BEFORE_ZONES = """
SELECT sha256(convert_to(concat_ws(E'\\x1f',
    r.id::text, r.device_id::text, r.device_seq::text, r.officer, r.jurisdiction,
    r.plate_raw, coalesce(r.vehicle_id::text, ''), r.lot_id::text,
    to_char(r.read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
    to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
    coalesce(r.latitude::text, ''), coalesce(r.longitude::text, ''),
    coalesce(r.confidence::text, ''), r.verdict, r.reason, coalesce(r.permit_number, ''),
    coalesce(to_char(r.valid_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), ''),
    coalesce(r.photo_sha256, ''), coalesce(encode(r.prev_hash, 'hex'), '')), 'UTF8')) = r.row_hash
FROM parkdesk.plate_read r WHERE r.id = %s
"""


def test_reads_without_a_zone_keep_the_hash_they_had_and_the_chain_verifies(
    connect: Connect, desk: Database
) -> None:
    mona, otto = connect("mona"), connect("otto")
    p = make_place(mona, limit=120)
    plate = token(7)
    at = datetime.now(UTC) - timedelta(hours=3)
    plain = read(otto, p, plate, at, where=p.lot_code)
    zoned = read(otto, p, plate, at + timedelta(minutes=1))
    read(otto, p, plate, at + timedelta(minutes=60))
    over = read(otto, p, plate, at + timedelta(minutes=125))
    assert over["verdict"] == "over_limit"
    with desk.admin() as su:
        assert one(su, DIGEST_BEFORE_ZONES, (plain["read_id"],)) is True
        assert one(su, DIGEST_BEFORE_ZONES, (zoned["read_id"],)) is False
    assert (
        mona.execute("SELECT * FROM verify_read_chains() WHERE device = %s", (p.device,)).fetchall()
        == []
    )
    # The same call again answers as the first did.
    with desk.admin() as su:
        stored = su.execute(
            "SELECT over_limit_since, exemption FROM parkdesk.plate_read WHERE id = %s",
            (over["read_id"],),
        ).fetchone()
    assert stored == (over["over_limit_since"], None)


# -- scofflaws ------------------------------------------------------------------------------


def cite_days_ago(connect: Connect, p: Place, plate: str, seq: int, days: int) -> None:
    """A citation issued ``days`` ago in the place's lot (the device API takes 30 days)."""
    mona = connect("mona")
    connect("otto").execute(
        "SELECT * FROM issue_citation(%s, %s, %s, %s, %s, %s, %s, %s)",
        (p.device, next(_CALLS), number(p.range_prefix, seq), JURISDICTION, plate,
         make_violation(mona), p.lot_code, datetime.now(UTC) - timedelta(days=days)),
    )  # fmt: skip


def test_a_plate_with_the_thresholds_unpaid_past_due_citations_is_a_scofflaw(
    connect: Connect,
) -> None:
    mona, otto, alice = connect("mona"), connect("otto"), connect("alice")
    p = make_place(mona)
    mona.execute("UPDATE office_setting SET citation_due_days = 1, scofflaw_threshold = 2")
    try:
        plate = token(7)
        cite_days_ago(connect, p, plate, 1100, 5)
        assert check(otto, plate, p.lot_code)["verdict"] == "no_permit"  # one is not enough
        cite_days_ago(connect, p, plate, 1101, 4)
        cite_days_ago(connect, p, plate, 1102, 0)  # not yet due: does not count
        answer = check(otto, plate, p.lot_code)
        assert answer["verdict"] == "scofflaw"
        assert answer["unpaid_citations"] == 2
        assert answer["reason"].startswith("Scofflaw: 2 unpaid past-due citations")
        assert "No permit" in answer["reason"]  # and what the permits say
        assert answer["may_park"] is False
        got = read(otto, p, plate, datetime.now(UTC), p.lot_code)
        assert got["verdict"] == "scofflaw"
        assert got["reason"].startswith("Scofflaw: 2 unpaid")
        # Paid, it is off the list at the next check.
        citation = one(
            alice,
            "SELECT id FROM citation WHERE plate_normalized = %s ORDER BY issued_at LIMIT 1",
            (plate,),
        )
        alice.execute(
            "SELECT pay_citations(gen_random_uuid(), ARRAY[%s]::bigint[], %s)",
            (
                citation,
                '{"kind": "card", "brand": "Visa", "last4": "4242", "reference": "AUTH-SC01"}',
            ),
        )
        assert check(otto, plate, p.lot_code)["verdict"] == "no_permit"
    finally:
        mona.execute("UPDATE office_setting SET citation_due_days = 30, scofflaw_threshold = 3")


def test_a_scofflaw_with_a_valid_permit_is_booted_not_cited(connect: Connect) -> None:
    mona, otto, alice = connect("mona"), connect("otto"), connect("alice")
    p = make_place(mona)
    mona.execute("UPDATE office_setting SET citation_due_days = 1, scofflaw_threshold = 1")
    try:
        parker = make_parker(alice)
        vehicle, plate = make_vehicle(alice, parker)
        cite_days_ago(connect, p, plate, 1200, 6)
        sell(alice, parker, make_type(mona, [p.lot]), p.lot, [vehicle])
        soon = datetime.now(UTC) + timedelta(seconds=5)
        answer = check(otto, plate, p.lot_code, soon)
        assert answer["verdict"] == "scofflaw"
        assert answer["may_park"] is True
        assert "Valid: permit" in answer["reason"]
        with refused("PD002", "plate", "may park here"):
            otto.execute(
                "SELECT * FROM issue_citation(%s, %s, %s, %s, %s, %s, %s, %s)",
                (p.device, next(_CALLS), number(p.range_prefix, 1201), JURISDICTION, plate,
                 make_violation(mona), p.lot_code, soon),
            )  # fmt: skip
    finally:
        mona.execute("UPDATE office_setting SET citation_due_days = 30, scofflaw_threshold = 3")
