"""Plate reads from the field, tried as the logins that would try them.

An officer's device calls ``record_plate_read`` with its own login; these tests do the
same with psycopg, bypassing any client, and try what an insider with ``psql`` would: a
key reused for another request, reading or rewriting reads directly, a photo that is not
what it says, and rewriting a read as the superuser, which the per-device chain finds.

The module runs on its own server, with a second officer.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import errors as pgerrors

from desktop.services import admin
from desktop.services.database import admin_engine
from tests.conftest import ROLE_LOGIN, Database
from tests.models.conftest import OTHER_OFFICER
from tests.models.test_enforcement import JURISDICTION, letters, make_device
from tests.models.test_evidence import JPEG, MB, PNG, ZIP, photo, sha
from tests.models.test_permit_rules import (
    make_lot,
    make_parker,
    make_type,
    make_vehicle,
    one,
    permit_of,
    refused,
    sell,
    token,
)

Conn = psycopg.Connection[tuple[Any, ...]]
Connect = Callable[[str], Conn]


@dataclass(frozen=True)
class Patrol:
    """A lot and a device to read in it."""

    lot: int
    lot_code: str
    device: str
    device_id: int


def new_device(mona: Conn) -> tuple[str, int]:
    code, device_id, _ = make_device(mona, letters(4), 1000, 1999)
    return code, device_id


@pytest.fixture
def patrol(connect: Connect) -> Patrol:
    mona = connect("mona")
    lot = make_lot(mona, 100)
    device, device_id = new_device(mona)
    return Patrol(
        lot=lot,
        lot_code=str(one(mona, "SELECT code FROM lot WHERE id = %s", (lot,))),
        device=device,
        device_id=device_id,
    )


def read(
    officer: Conn,
    p: Patrol,
    call: int,
    plate: str | None = None,
    *,
    device: str | None = None,
    jurisdiction: str = JURISDICTION,
    read_at: datetime | None = None,
    no_time: bool = False,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    confidence: Decimal | None = None,
    content: bytes | None = None,
    declared_sha: str | None = None,
) -> tuple[Any, ...]:
    """Sends a read as call ``call`` of the patrol's device (``no_time``: without saying
    when); a photo's hash is its own unless ``declared_sha`` is given."""
    row = officer.execute(
        "SELECT * FROM record_plate_read(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            device or p.device,
            call,
            jurisdiction,
            plate or token(7),
            p.lot_code,
            None if no_time else read_at or datetime.now(UTC) - timedelta(seconds=30),
            latitude,
            longitude,
            confidence,
            content,
            declared_sha if declared_sha is not None else (sha(content) if content else None),
        ),
    ).fetchone()
    assert row is not None
    return tuple(row)


def reads_of(conn: Conn, device_id: int) -> int:
    return int(one(conn, "SELECT count(*) FROM plate_read WHERE device_id = %s", (device_id,)))


# -- the officer reads; the verdict comes back in the same round trip -----------------------


def test_an_officer_records_a_read_of_a_plate_without_a_permit(
    connect: Connect, patrol: Patrol
) -> None:
    otto, mona = connect("otto"), connect("mona")
    at = datetime.now(UTC) - timedelta(minutes=2)
    read_id, verdict, reason, permit, until, over_since, exemption, shared, instruction = read(
        otto,
        patrol,
        1,
        "abc-123",
        read_at=at,
        latitude=Decimal("43.6532251"),
        longitude=Decimal("-79.3831843"),
        confidence=Decimal("0.97"),
    )
    assert (verdict, permit, until) == ("no_permit", None, None)
    assert (over_since, exemption, shared, instruction) == (None, None, False, None)
    assert reason
    row = mona.execute(
        "SELECT device_id, device_seq, officer, jurisdiction, plate_raw, plate_normalized, "
        "vehicle_id, lot_id, read_at, latitude, longitude, confidence, verdict, reason, "
        "photo_sha256, prev_hash FROM plate_read WHERE id = %s",
        (read_id,),
    ).fetchone()
    assert row == (
        patrol.device_id,
        1,
        "otto",
        JURISDICTION,
        "abc-123",
        "ABC123",
        None,
        patrol.lot,
        at,
        Decimal("43.653225"),
        Decimal("-79.383184"),
        Decimal("0.970"),
        "no_permit",
        reason,
        None,
        None,  # the device's first read
    )


def test_a_plate_with_a_permit_is_read_as_valid_with_its_permit(
    connect: Connect, patrol: Patrol
) -> None:
    alice, mona = connect("alice"), connect("mona")
    parker = make_parker(alice)
    vehicle, plate = make_vehicle(alice, parker)
    payment = sell(alice, parker, make_type(mona, [patrol.lot]), patrol.lot, [vehicle])
    permit = one(alice, "SELECT number FROM permit WHERE id = %s", (permit_of(alice, payment),))
    # A permit sold now is valid from now: the read is a moment after the sale.
    soon = datetime.now(UTC) + timedelta(seconds=5)
    read_id, verdict, reason, number, until, *_ = read(
        connect("otto"), patrol, 1, plate, read_at=soon
    )
    assert (verdict, number) == ("valid", permit)
    assert until is not None
    assert permit in reason
    assert one(mona, "SELECT vehicle_id FROM plate_read WHERE id = %s", (read_id,)) == vehicle


@pytest.mark.parametrize("role", ["clerk", "adjudicator", "dispatcher", "manager"])
def test_the_desks_that_work_with_people_read_the_reads(
    connect: Connect, patrol: Patrol, role: str
) -> None:
    read_id = read(connect("otto"), patrol, 1)[0]
    assert one(connect(role), "SELECT count(*) FROM plate_read WHERE id = %s", (read_id,)) == 1


# -- the idempotency key: (device, call number) ----------------------------------------------


def test_the_same_call_twice_gives_one_row_and_the_first_answer(
    connect: Connect, patrol: Patrol
) -> None:
    otto, alice, mona = connect("otto"), connect("alice"), connect("mona")
    parker = make_parker(alice)
    vehicle, plate = make_vehicle(alice, parker)
    at = datetime.now(UTC) - timedelta(minutes=1)
    first = read(otto, patrol, 7, plate, read_at=at, content=photo(JPEG))
    assert first[1] == "no_permit"
    # The plate is sold a permit after the read: the same call again is the same read,
    # with the answer given then, not a new verdict.
    sell(alice, parker, make_type(mona, [patrol.lot]), patrol.lot, [vehicle])
    otto.execute("SET TimeZone = 'Asia/Tokyo'")  # the same instant written another way
    # Without the photo it is another request.
    with refused("PD007", "device_seq", "different request"):
        read(otto, patrol, 7, plate, read_at=at)
    content = mona.execute(
        "SELECT content FROM plate_read_photo WHERE read_id = %s", (first[0],)
    ).fetchone()
    assert content is not None
    assert read(otto, patrol, 7, plate, read_at=at, content=content[0]) == first
    assert reads_of(mona, patrol.device_id) == 1


def test_another_request_under_the_same_key_is_refused_and_does_nothing(
    connect: Connect, patrol: Patrol
) -> None:
    otto, mona = connect("otto"), connect("mona")
    at = datetime.now(UTC) - timedelta(minutes=1)
    read(otto, patrol, 8, "KEY8", read_at=at)
    with refused("PD007", "device_seq", "different request"):
        read(otto, patrol, 8, "KEY9", read_at=at)
    with refused("PD007", "device_seq", "different request"):
        read(otto, patrol, 8, "KEY8", read_at=at, confidence=Decimal("0.5"))
    with refused("PD007", "device_seq", "different request"):
        read(connect(OTHER_OFFICER), patrol, 8, "KEY8", read_at=at)
    assert reads_of(mona, patrol.device_id) == 1


def test_two_connections_with_the_same_key_give_one_row(connect: Connect, patrol: Patrol) -> None:
    at = datetime.now(UTC) - timedelta(minutes=1)
    content = photo(PNG, 200_000)
    officers = [connect("otto") for _ in range(6)]
    barrier = threading.Barrier(len(officers))
    results: list[Any] = [None] * len(officers)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = read(officers[i], patrol, 9, "SAME9", read_at=at, content=content)
        except Exception as exc:  # reported to the test, never lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(officers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(set(results)) == 1, results
    assert reads_of(connect("mona"), patrol.device_id) == 1


def test_a_reads_key_is_chained_with_the_read_not_in_the_audit_trail(
    connect: Connect, patrol: Patrol
) -> None:
    """Reads never queue on the audit trail's chain head: neither the read nor its key
    writes an audit row."""
    mona = connect("mona")
    before = one(mona, "SELECT last_change_id()")
    read(connect("otto"), patrol, 10, content=photo(JPEG))
    assert one(mona, "SELECT last_change_id()") == before


# -- refusals -----------------------------------------------------------------------------


def test_a_photo_whose_hash_is_not_the_declared_one_is_refused(
    connect: Connect, patrol: Patrol
) -> None:
    otto = connect("otto")
    content = photo(JPEG)
    with refused("PD002", "photo_sha256", "changed or cut short"):
        read(otto, patrol, 11, content=content[:-10], declared_sha=sha(content))
    with refused("PD002", "photo_sha256", "64 hexadecimal digits"):
        read(otto, patrol, 11, content=content, declared_sha="nope")
    assert reads_of(connect("mona"), patrol.device_id) == 0


@pytest.mark.parametrize(
    ("content", "words"),
    [(photo(ZIP), "a ZIP archive"), (b"%PDF-1.7\n" + bytes(100), "a PDF document")],
    ids=["zip", "pdf"],
)
def test_a_photo_that_is_not_a_jpeg_or_png_is_refused(
    connect: Connect, patrol: Patrol, content: bytes, words: str
) -> None:
    with refused("PD002", "photo", words):
        read(connect("otto"), patrol, 12, content=content)
    assert reads_of(connect("mona"), patrol.device_id) == 0


@pytest.mark.parametrize(
    ("field", "change", "words"),
    [
        ("latitude", {"latitude": Decimal(91), "longitude": Decimal(0)}, "-90 and 90"),
        ("longitude", {"latitude": Decimal(0), "longitude": Decimal(-181)}, "-180 and 180"),
        ("longitude", {"latitude": Decimal(1)}, "both"),
        ("confidence", {"confidence": Decimal(97)}, "0 to 1"),
        ("read_at", {"read_at": datetime.now(UTC) + timedelta(hours=1)}, "clock is ahead"),
        ("read_at", {"read_at": datetime.now(UTC) - timedelta(days=31)}, "30 days"),
        ("read_at", {"no_time": True}, "Say when"),
        ("plate", {"plate": "TOO-LONG-PLATE-1"}, "1 to 10 letters"),
        ("jurisdiction", {"jurisdiction": "Ontario"}, "two-letter code"),
        ("device", {"device": "NO-SUCH"}, "no device"),
    ],
    ids=str.split("lat lon half confidence future old no-time plate jurisdiction device"),
)
def test_bad_values_are_refused_naming_the_field(
    connect: Connect, patrol: Patrol, field: str, change: dict[str, Any], words: str
) -> None:
    with refused("PD002", field, words):
        read(connect("otto"), patrol, 13, **change)
    assert reads_of(connect("mona"), patrol.device_id) == 0


def test_a_retired_device_records_nothing(connect: Connect, patrol: Patrol) -> None:
    connect("mona").execute("UPDATE device SET active = false WHERE id = %s", (patrol.device_id,))
    with refused("PD002", "device", "retired"):
        read(connect("otto"), patrol, 14)


def test_a_60_mb_photo_and_long_texts_are_refused_before_any_work(connect: Connect) -> None:
    otto = connect("otto")
    huge = photo(JPEG, 60 * MB)
    with refused("PD002", "photo", "at most 20 MB"):
        otto.execute(
            "SELECT * FROM record_plate_read('NO-SUCH', -1, 'x', 'x', 'x', NULL, "
            "999, 999, 999, %s, 'x')",
            (huge,),
        )
    for position, field in enumerate(["device", "jurisdiction", "plate", "lot"]):
        args: list[Any] = ["NO-SUCH", "x", "x", "x"]
        args[position] = "y" * 100_000
        with refused("PD002", field, "At most"):
            otto.execute("SELECT * FROM record_plate_read(%s, -1, %s, %s, %s, NULL)", tuple(args))


# -- nobody else calls it, reads it as the officer, or rewrites it --------------------------


@pytest.mark.parametrize("role", ["clerk", "adjudicator", "dispatcher", "manager", "admin"])
def test_only_an_officer_may_record_a_read(connect: Connect, patrol: Patrol, role: str) -> None:
    with pytest.raises(pgerrors.InsufficientPrivilege):
        read(connect(role), patrol, 20)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM plate_read LIMIT 1",
        "SELECT read_id FROM plate_read_photo LIMIT 1",
        "SELECT * FROM plate_read_chain",
        "SELECT id FROM plate_read_2026_01 LIMIT 1",
        "INSERT INTO plate_read (device_id, device_seq, officer, jurisdiction, plate_raw, "
        "lot_id, read_at, recorded_at, verdict, reason, row_hash) VALUES ({device}, 999, "
        "'otto', 'ZZ', 'X1', {lot}, now(), now(), 'valid', 'forged', '\\x00')",
        "INSERT INTO plate_read_2026_01 (device_id, device_seq, officer, jurisdiction, "
        "plate_raw, lot_id, read_at, recorded_at, verdict, reason, row_hash) VALUES "
        "({device}, 999, 'otto', 'ZZ', 'X1', {lot}, '2026-01-02', now(), 'valid', 'x', '\\x00')",
        "UPDATE plate_read SET verdict = 'valid' WHERE id = {read}",
        "DELETE FROM plate_read WHERE id = {read}",
        "SELECT * FROM verify_read_chains()",
        "SELECT * FROM ensure_read_partitions()",
    ],
    ids=[
        "select",
        "photo",
        "chain",
        "partition",
        "insert",
        "insert-partition",
        "update",
        "delete",
        "verify",
        "partitions",
    ],
)
def test_the_officer_reads_and_writes_no_read_directly(
    connect: Connect, patrol: Patrol, sql: str
) -> None:
    read_id = read(connect("otto"), patrol, 21)[0]
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect("otto").execute(sql.format(device=patrol.device_id, lot=patrol.lot, read=read_id))


@pytest.mark.parametrize(
    "role", ["clerk", "adjudicator", "dispatcher", "manager", "officer", "admin"]
)
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE plate_read SET verdict = 'valid' WHERE id = %s",
        "DELETE FROM plate_read WHERE id = %s",
        "UPDATE plate_read_photo SET sha256 = repeat('0', 64) WHERE read_id = %s",
        "DELETE FROM plate_read_photo WHERE read_id = %s",
    ],
    ids=["update", "delete", "photo-update", "photo-delete"],
)
def test_no_role_updates_or_deletes_a_read(
    connect: Connect, patrol: Patrol, role: str, sql: str
) -> None:
    read_id = read(connect("otto"), patrol, 22, content=photo(JPEG))[0]
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect(role).execute(sql, (read_id,))


def test_not_even_the_owner_or_the_superuser_changes_or_removes_a_read(
    connect: Connect, patrol: Patrol, desk: Database
) -> None:
    read_id = read(connect("otto"), patrol, 23, content=photo(JPEG))[0]
    partition = str(
        one(connect("mona"), "SELECT tableoid::regclass FROM plate_read WHERE id = %s", (read_id,))
    )
    rewrites = [
        "UPDATE parkdesk.plate_read SET verdict = 'valid' WHERE id = %s",
        "DELETE FROM parkdesk.plate_read WHERE id = %s",
        "TRUNCATE parkdesk.plate_read CASCADE",
        f"UPDATE parkdesk.{partition} SET verdict = 'valid' WHERE id = %s",
        f"DELETE FROM parkdesk.{partition} WHERE id = %s",
        f"TRUNCATE parkdesk.{partition} CASCADE",
        "UPDATE parkdesk.plate_read_photo SET content = '\\xffd8ff01' WHERE read_id = %s",
        "DELETE FROM parkdesk.plate_read_photo WHERE read_id = %s",
        "TRUNCATE parkdesk.plate_read_photo",
    ]
    with desk.admin() as su:
        for statement in rewrites:
            with su.transaction(force_rollback=True):
                su.execute("SET LOCAL ROLE parkdesk_owner")
                with pytest.raises(pgerrors.InsufficientPrivilege, match="permission denied"):
                    su.execute(statement, (read_id,) if "%s" in statement else None)
        with su.transaction(force_rollback=True):
            su.execute("SET LOCAL ROLE parkdesk_owner")
            with pytest.raises(pgerrors.InsufficientPrivilege, match="never changed or removed"):
                su.execute("UPDATE parkdesk.plate_read SET id = id WHERE id = %s", (read_id,))
        for statement in rewrites:
            with (
                su.transaction(force_rollback=True),
                pytest.raises(pgerrors.InsufficientPrivilege, match="never changed or removed"),
            ):
                su.execute(statement, (read_id,) if "%s" in statement else None)
        su.rollback()
    assert reads_of(connect("mona"), patrol.device_id) == 1


@pytest.mark.parametrize("table", ["device", "lot", "zone", "vehicle"])
def test_what_a_read_names_is_never_removed_not_even_by_the_owners_functions(
    connect: Connect, patrol: Patrol, desk: Database, table: str
) -> None:
    """A read names its device, lot, zone and vehicle without foreign keys: none of them
    may be deleted by any role, nor by a function running as the owner."""
    read(connect("otto"), patrol, 24)
    with desk.admin() as su:
        for statement in (f"DELETE FROM parkdesk.{table}", f"TRUNCATE parkdesk.{table} CASCADE"):
            with su.transaction(force_rollback=True):
                su.execute("SET LOCAL ROLE parkdesk_owner")
                with pytest.raises(pgerrors.InsufficientPrivilege, match="permission denied"):
                    su.execute(statement)
        su.rollback()
    for role in ("mona", "alice", "otto", "ada"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(role).execute(f"DELETE FROM {table}")


def test_every_partition_is_guarded_like_the_table(desk: Database) -> None:
    with desk.admin() as su:
        partitions = su.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits "
            "WHERE inhparent = 'parkdesk.plate_read'::regclass"
        ).fetchall()
        assert len(partitions) >= 37  # 2025-01 to 2027-12, and DEFAULT
        for (partition,) in partitions:
            grants = su.execute(
                "SELECT pg_get_userbyid(a.grantee), a.privilege_type "
                "FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = %s::regclass",
                (partition,),
            ).fetchall()
            assert {p for who, p in grants if who == "parkdesk_owner"} - {
                "MAINTAIN",
                "REFERENCES",
            } == {"SELECT", "INSERT"}, partition
            assert {who for who, _ in grants} == {"parkdesk_owner"}, partition
            triggers = su.execute(
                "SELECT t.tgname FROM pg_trigger t WHERE t.tgrelid = %s::regclass "
                "AND t.tgenabled = 'O' AND t.tgfoid = 'parkdesk.guard_plate_read'::regproc",
                (partition,),
            ).fetchall()
            assert {str(t) for (t,) in triggers} == {
                "plate_read_fixed",
                "plate_read_no_truncate",
            }, partition
        su.rollback()


# -- partitions ------------------------------------------------------------------------------


def test_a_read_lands_in_its_months_partition(connect: Connect, patrol: Patrol) -> None:
    at = datetime.now(UTC) - timedelta(days=1)
    read_id = read(connect("otto"), patrol, 30, read_at=at)[0]
    partition = one(
        connect("mona"), "SELECT tableoid::regclass::text FROM plate_read WHERE id = %s", (read_id,)
    )
    assert partition == f"plate_read_{at:%Y_%m}"


def drop_month(su: Conn, month: str) -> None:
    if one(su, "SELECT to_regclass(%s)", (f"parkdesk.plate_read_{month}",)) is None:
        return
    su.execute(f"ALTER TABLE parkdesk.plate_read DETACH PARTITION parkdesk.plate_read_{month}")
    su.execute(f"DROP TABLE parkdesk.plate_read_{month}")


def test_the_job_makes_missing_months_and_skips_one_whose_reads_are_in_default(
    desk: Database,
) -> None:
    """Run as the administrator, as ``parkdesk jobs run`` does; the months the scratch
    server lacks are made by dropping a few first (as the superuser)."""
    with desk.admin() as su:
        su.autocommit = True
        months = [
            str(m)
            for (m,) in su.execute(
                "SELECT to_char(d, 'YYYY_MM') FROM generate_series("
                "date_trunc('month', now() AT TIME ZONE 'UTC') + interval '13 months', "
                "date_trunc('month', now() AT TIME ZONE 'UTC') + interval '11 months', "
                "interval '-1 month') d"
            ).fetchall()
        ]
        for month in months[-2:]:
            drop_month(su, month)
    ada = desk.connect(ROLE_LOGIN["admin"])
    ada.autocommit = True
    made = ada.execute("SELECT month, created, note FROM ensure_read_partitions()").fetchall()
    assert [(f"{m:%Y_%m}", c) for m, c, _ in made] == [(months[-1], True)]
    again = ada.execute("SELECT * FROM ensure_read_partitions()").fetchall()
    assert again == []
    ada.close()


def test_a_month_whose_reads_are_in_default_is_skipped_and_said(desk: Database) -> None:
    with desk.admin() as su:
        su.autocommit = True
        month = one(
            su,
            "SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC') "
            "+ interval '10 months', 'YYYY_MM')",
        )
        drop_month(su, month)
        device = one(
            su,
            "INSERT INTO parkdesk.device (code, kind) VALUES (%s, 'handheld') RETURNING id",
            (f"HH-{token(6)}",),
        )
        lot = one(
            su,
            "INSERT INTO parkdesk.lot (code, name, capacity) VALUES (%s, 'Ahead', 1) RETURNING id",
            (f"L{token(8)}",),
        )
        # A device whose clock was a year ahead, before the 10-minute rule: forged here.
        su.execute(
            "INSERT INTO parkdesk.plate_read (device_id, device_seq, officer, jurisdiction, "
            "plate_raw, lot_id, read_at, recorded_at, verdict, reason, row_hash) VALUES "
            "(%s, 1, 'otto', 'ZZ', 'AHEAD1', %s, "
            "date_trunc('month', now()) + interval '10 months 3 days', now(), 'no_permit', "
            "'x', '\\x00')",
            (device, lot),
        )
        ada = desk.connect(ROLE_LOGIN["admin"])
        ada.autocommit = True
        made = ada.execute("SELECT month, created, note FROM ensure_read_partitions()").fetchall()
        ada.close()
        outcome = {f"{m:%Y_%m}": (c, note) for m, c, note in made}
        assert outcome[month][0] is False
        assert "DEFAULT" in outcome[month][1]
        assert one(su, "SELECT to_regclass(%s)", (f"parkdesk.plate_read_{month}",)) is None


# -- the chain, per device --------------------------------------------------------------------


def _chain(conn: Conn, device_id: int) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT id, device_seq, prev_hash, row_hash FROM plate_read WHERE device_id = %s "
            "ORDER BY id",
            (device_id,),
        ).fetchall()
    ]


def test_the_chain_links_a_devices_reads_in_call_order_and_devices_apart(
    connect: Connect, patrol: Patrol
) -> None:
    otto, mona = connect("otto"), connect("mona")
    other, other_id = new_device(mona)
    for call in range(1, 5):
        read(otto, patrol, call, content=photo(JPEG) if call == 2 else None)
        read(otto, patrol, call, device=other)
    for device_id in (patrol.device_id, other_id):
        chain = _chain(mona, device_id)
        assert [seq for _, seq, _, _ in chain] == [1, 2, 3, 4]
        assert chain[0][2] is None
        for before, after in itertools.pairwise(chain):
            assert after[2] == before[3]
    # Two devices, two chains: no link crosses from one to the other.
    hashes = {bytes(r[3]) for r in _chain(mona, patrol.device_id)}
    assert not hashes & {bytes(r[2]) for r in _chain(mona, other_id) if r[2] is not None}
    broken = connect("ada").execute("SELECT device FROM verify_read_chains()").fetchall()
    assert {patrol.device, other} & {str(d) for (d,) in broken} == set()


READ_COLUMNS = (
    "id, device_id, device_seq, officer, jurisdiction, plate_raw, vehicle_id, lot_id, read_at, "
    "recorded_at, latitude, longitude, confidence, verdict, reason, permit_number, valid_until, "
    "photo_sha256, prev_hash, row_hash"
)


@contextlib.contextmanager
def tampered(desk: Database, device_id: int, *statements: str) -> Iterator[None]:
    """Rewrite a device's reads as a superuser who switched the guards off, then put them
    back."""
    with psycopg.connect(desk.admin_url, autocommit=True) as su:
        su.execute("SET search_path = parkdesk, pg_catalog")
        su.execute(
            "CREATE TEMP TABLE saved AS SELECT * FROM plate_read WHERE device_id = %s",
            (device_id,),
        )
        su.execute("ALTER TABLE plate_read DISABLE TRIGGER USER")
        try:
            for sql in statements:
                su.execute(sql)
            yield
        finally:
            su.execute("DELETE FROM plate_read WHERE device_id = %s", (device_id,))
            su.execute(
                f"INSERT INTO plate_read ({READ_COLUMNS}) OVERRIDING SYSTEM VALUE "
                f"SELECT {READ_COLUMNS} FROM saved"
            )
            su.execute("ALTER TABLE plate_read ENABLE TRIGGER USER")


def _broken(ada: Conn, device: str) -> list[tuple[Any, ...]]:
    return [
        tuple(r[1:])
        for r in ada.execute("SELECT * FROM verify_read_chains()").fetchall()
        if r[0] == device
    ]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("UPDATE plate_read SET verdict = 'valid' WHERE id = {second}", "{second}:contents"),
        (
            "UPDATE plate_read SET read_at = read_at - interval '1 second' WHERE id = {second}",
            "{second}:contents",
        ),
        ("DELETE FROM plate_read WHERE id = {second}", "{third}:link"),
        ("DELETE FROM plate_read WHERE id = {third}", "{third}:newest reads"),
        (
            "UPDATE plate_read SET row_hash = parkdesk.read_digest(plate_read) "
            "WHERE id = {third} AND verdict = 'x'",
            "",
        ),
    ],
    ids=["verdict", "time", "removed", "newest-removed", "untouched"],
)
def test_verify_read_chains_finds_a_read_rewritten_by_the_superuser(
    connect: Connect, patrol: Patrol, desk: Database, change: str, words: str
) -> None:
    otto, ada = connect("otto"), connect("ada")
    first, second, third = (read(otto, patrol, call)[0] for call in (1, 2, 3))
    assert _broken(ada, patrol.device) == []
    ids = {"first": first, "second": second, "third": third}
    with tampered(desk, patrol.device_id, change.format(**ids)):
        found = _broken(ada, patrol.device)
        if not words:
            assert found == []
        else:
            victim, reason = words.format(**ids).split(":")
            assert [r[0] for r in found] == [int(victim)]
            assert reason in found[0][1]
    assert _broken(ada, patrol.device) == []


def test_audit_verify_names_the_device_whose_reads_were_rewritten(
    connect: Connect, patrol: Patrol, desk: Database
) -> None:
    otto = connect("otto")
    first = read(otto, patrol, 11)[0]
    read(otto, patrol, 12)
    engine = admin_engine(desk.admin_url)

    def broken_reads() -> list[tuple[str, int, str]]:
        with engine.connect() as conn:
            verdict = admin.verify_audit(conn)
        return [r for r in verdict.broken_reads if r[0] == patrol.device]

    try:
        assert broken_reads() == []
        change = f"UPDATE plate_read SET verdict = 'valid' WHERE id = {first}"
        with tampered(desk, patrol.device_id, change):
            with engine.connect() as conn:
                verdict = admin.verify_audit(conn)
            assert not verdict.ok
            assert f"BROKEN plate reads of device {patrol.device} at read {first}:" in (
                verdict.describe()
            )
        assert broken_reads() == []
    finally:
        engine.dispose()
