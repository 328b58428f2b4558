"""Citations from the field, tried as the logins that would try them.

An officer's device calls ``issue_citation`` with its own login; these tests do the same
with psycopg, bypassing any client, and try what an insider with ``psql`` would: another
device's numbers, reused and spoiled numbers, a key reused for another request, writing
or reading citations directly, and a sale racing a citation of the same plate.

The module runs on its own server: it changes the office's check-digit scheme.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import errors as pgerrors
from psycopg.types.json import Jsonb

from tests.conftest import Database
from tests.models.conftest import OTHER_OFFICER
from tests.models.test_permit_rules import (
    CARD,
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

JURISDICTION = "ZZ"
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


# -- check digits, as the office's schemes compute them (written independently here) -----


def luhn(digits: str) -> int:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def mod11(digits: str) -> int:
    remainder = sum(int(c) * (2 + i % 6) for i, c in enumerate(reversed(digits))) % 11
    return 0 if remainder == 10 else remainder


def mod7(digits: str) -> int:
    return int(digits) % 7


SCHEMES: dict[str, Callable[[str], int]] = {"luhn": luhn, "mod11": mod11, "mod7": mod7}


# -- the enforcement set-up a manager keeps ------------------------------------------------


@dataclass(frozen=True)
class Setup:
    lot: int
    lot_code: str
    violation: str
    warning: str
    device: str
    device_id: int
    range_id: int
    prefix: str
    width: int
    first: int


#: Each test's range gets a prefix of its own, so no two tests' numbers meet.
_PREFIXES = itertools.count(secrets.randbelow(1000))


def letters(length: int = 4) -> str:
    """A prefix no other test of this run has used."""
    n, out = next(_PREFIXES), ""
    for _ in range(length):
        n, digit = divmod(n, len(LETTERS))
        out += LETTERS[digit]
    return out


def make_device(
    mona: Conn, prefix: str, first: int, last: int, width: int = 6
) -> tuple[str, int, int]:
    code = f"HH-{token(6)}"
    device = int(
        one(
            mona,
            "INSERT INTO device (code, kind, description) VALUES (%s, 'handheld', 'Patrol 3') "
            "RETURNING id",
            (code,),
        )
    )
    range_id = int(
        one(
            mona,
            "INSERT INTO citation_range (device_id, prefix, first_seq, last_seq, width) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (device, prefix, first, last, width),
        )
    )
    return code, device, range_id


def make_violation(mona: Conn, *, warning_only: bool = False, fine: str | None = "45.00") -> str:
    code = f"V-{token(5)}"
    violation = one(
        mona,
        "INSERT INTO violation (code, description, warning_only) VALUES (%s, %s, %s) RETURNING id",
        (code, "No valid permit displayed", warning_only),
    )
    if fine is not None:
        mona.execute(
            "INSERT INTO fine_rule (violation_id, amount) VALUES (%s, %s)", (violation, fine)
        )
    return code


@pytest.fixture
def setup(connect: Connect) -> Setup:
    mona = connect("mona")
    lot = make_lot(mona, 100)
    prefix = letters(4)
    device, device_id, range_id = make_device(mona, prefix, 1000, 1999)
    return Setup(
        lot=lot,
        lot_code=str(one(mona, "SELECT code FROM lot WHERE id = %s", (lot,))),
        violation=make_violation(mona),
        warning=make_violation(mona, warning_only=True, fine=None),
        device=device,
        device_id=device_id,
        range_id=range_id,
        prefix=prefix,
        width=6,
        first=1000,
    )


def number(prefix: str, seq: int, width: int = 6, scheme: str = "luhn") -> str:
    digits = str(seq).zfill(width)
    return f"{prefix}{digits}{SCHEMES[scheme](digits)}"


def issue(
    officer: Conn,
    s: Setup,
    seq: int,
    *,
    call: int | None = None,
    plate: str | None = None,
    violation: str | None = None,
    device: str | None = None,
    citation_number: str | None = None,
    issued_at: datetime | None = None,
    note: str | None = None,
) -> tuple[Any, ...]:
    """Issues number ``seq`` of the set-up's range as call ``call`` (``seq`` unless given)."""
    row = officer.execute(
        "SELECT * FROM issue_citation(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            device or s.device,
            seq if call is None else call,
            citation_number or number(s.prefix, seq, s.width),
            JURISDICTION,
            plate or token(7),
            violation or s.violation,
            s.lot_code,
            issued_at or datetime.now(UTC),
            note,
            "Honda",
            "blue",
        ),
    ).fetchone()
    assert row is not None
    return tuple(row)


def citations_numbered(conn: Conn, citation_number: str) -> int:
    return int(one(conn, "SELECT count(*) FROM citation WHERE number = %s", (citation_number,)))


# -- the officer issues; nobody else does, and nobody rewrites ------------------------------


def test_an_officer_issues_a_citation_and_gets_its_number_fine_and_due_date(
    connect: Connect, setup: Setup
) -> None:
    otto, mona = connect("otto"), connect("mona")
    at = datetime.now(UTC)
    citation_id, issued, fine, due_on = issue(otto, setup, 1000, plate="abc-12 3", issued_at=at)
    assert issued == number(setup.prefix, 1000)
    assert fine == Decimal("45.00")
    expected_due = one(mona, "SELECT local_day(%s) + citation_due_days FROM office_setting", (at,))
    assert due_on == expected_due
    assert isinstance(due_on, date)
    row = mona.execute(
        "SELECT officer, plate_raw, plate_normalized, jurisdiction, device_seq, vehicle_id, "
        "make, colour FROM citation WHERE id = %s",
        (citation_id,),
    ).fetchone()
    assert row == ("otto", "abc-12 3", "ABC123", JURISDICTION, 1000, None, "Honda", "blue")


@pytest.mark.parametrize("role", ["clerk", "adjudicator", "dispatcher", "manager", "admin"])
def test_only_an_officer_may_issue_a_citation(connect: Connect, setup: Setup, role: str) -> None:
    with pytest.raises(pgerrors.InsufficientPrivilege):
        issue(connect(role), setup, 1001)


@pytest.mark.parametrize("table", ["parker", "vehicle", "citation", "permit", "device_request"])
def test_the_officer_reads_no_parker_vehicle_or_citation_directly(
    connect: Connect, table: str
) -> None:
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect("otto").execute(f"SELECT * FROM {table} LIMIT 1")


def test_a_handheld_lists_the_violation_codes_and_its_ranges(
    connect: Connect, setup: Setup
) -> None:
    otto = connect("otto")
    assert one(otto, "SELECT warning_only FROM violation WHERE code = %s", (setup.warning,))
    assert (
        one(otto, "SELECT prefix FROM citation_range WHERE id = %s", (setup.range_id,))
        == setup.prefix
    )


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO citation (number, range_id, seq, device_id, officer, device_seq, "
        "jurisdiction, plate_raw, violation_id, lot_id, issued_at, fine, due_on) "
        "SELECT 'ZZZZ0000011', {range}, 1, {device}, 'otto', 999, 'ON', 'A1', v.id, {lot}, "
        "now(), 0, current_date FROM violation v LIMIT 1",
        "UPDATE citation SET fine = 0 WHERE id = {citation}",
        "DELETE FROM citation WHERE id = {citation}",
        "INSERT INTO spoiled_number (range_id, seq, reason) VALUES ({range}, 1500, 'forged')",
        "INSERT INTO device_request (device_id, device_seq, operation, fingerprint, login, "
        "made_at) VALUES ({device}, 77, 'issue_citation', '\\x00', 'otto', now())",
    ],
)
def test_the_officer_writes_no_citation_directly(connect: Connect, setup: Setup, sql: str) -> None:
    citation_id = issue(connect("otto"), setup, 1002)[0]
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect("otto").execute(
            sql.format(
                range=setup.range_id, device=setup.device_id, lot=setup.lot, citation=citation_id
            )
        )


@pytest.mark.parametrize(
    "role", ["clerk", "adjudicator", "dispatcher", "manager", "officer", "admin"]
)
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE citation SET fine = 0 WHERE id = %s",
        "UPDATE citation SET note = 'paid in cash' WHERE id = %s",
        "DELETE FROM citation WHERE id = %s",
    ],
)
def test_no_role_updates_or_deletes_a_citation(
    connect: Connect, setup: Setup, role: str, sql: str
) -> None:
    citation_id = issue(connect("otto"), setup, 1003)[0]
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect(role).execute(sql, (citation_id,))


def test_not_even_the_owner_removes_or_rewrites_a_citation(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    citation_id = issue(connect("otto"), setup, 1060)[0]
    with desk.admin() as su:
        for statement, message in [
            ("DELETE FROM parkdesk.citation WHERE id = %s", "permission denied"),
            ("TRUNCATE parkdesk.citation CASCADE", "permission denied"),
            ("UPDATE parkdesk.citation SET fine = 0 WHERE id = %s", "never changed"),
            ("UPDATE parkdesk.citation SET plate_raw = 'OTHER1' WHERE id = %s", "never changed"),
        ]:
            with su.transaction(force_rollback=True):
                su.execute("SET LOCAL ROLE parkdesk_owner")
                with pytest.raises(pgerrors.InsufficientPrivilege, match=message):
                    su.execute(statement, (citation_id,) if "%s" in statement else None)
        # The superuser meets the triggers unless it switches them off first.
        for statement in [
            "DELETE FROM parkdesk.citation WHERE id = %s",
            "TRUNCATE parkdesk.citation CASCADE",
        ]:
            with (
                su.transaction(force_rollback=True),
                pytest.raises(pgerrors.InsufficientPrivilege, match="never removed"),
            ):
                su.execute(statement, (citation_id,) if "%s" in statement else None)
        su.rollback()
    assert citations_numbered(connect("mona"), number(setup.prefix, 1060)) == 1


# -- the number: the device's own, checking, unused and unspoiled --------------------------


def test_a_number_with_a_wrong_check_digit_is_refused(connect: Connect, setup: Setup) -> None:
    good = number(setup.prefix, 1100)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with refused("PD002", "number", "check digit"):
        issue(connect("otto"), setup, 1100, citation_number=bad)


def test_a_number_outside_the_devices_ranges_is_refused(connect: Connect, setup: Setup) -> None:
    with refused("PD002", "number", "not in any of device"):
        issue(connect("otto"), setup, 2500)
    with refused("PD002", "number", "not in any of device"):
        issue(connect("otto"), setup, 1101, citation_number=number(setup.prefix, 1101, 7))


def test_another_devices_number_is_refused(connect: Connect, setup: Setup) -> None:
    other, _, _ = make_device(connect("mona"), setup.prefix, 5000, 5999)
    with refused("PD002", "number", f"belongs to device {other}"):
        issue(connect("otto"), setup, 5000)


def test_a_number_already_issued_is_refused(connect: Connect, setup: Setup) -> None:
    otto = connect("otto")
    issue(otto, setup, 1102)
    with refused("PD002", "number", "already issued"):
        issue(otto, setup, 1102, call=9102)


def test_two_ranges_of_one_prefix_never_overlap(connect: Connect, setup: Setup) -> None:
    with pytest.raises(pgerrors.ExclusionViolation):
        make_device(connect("mona"), setup.prefix, 1500, 2500)


def test_a_range_longer_than_its_width_is_refused(connect: Connect) -> None:
    with pytest.raises(pgerrors.CheckViolation, match="sequence_fits"):
        make_device(connect("mona"), letters(4), 1, 10_000, width=4)


def test_a_manager_spoils_unused_numbers_and_they_are_never_issued(
    connect: Connect, setup: Setup
) -> None:
    mona, otto = connect("mona"), connect("otto")
    assert one(mona, "SELECT spoil_numbers(%s, 1200, 1204, 'Book torn')", (setup.range_id,)) == 5
    # Spoiling again changes nothing.
    assert one(mona, "SELECT spoil_numbers(%s, 1203, 1205, 'Book torn')", (setup.range_id,)) == 1
    with refused("PD002", "number", "was spoiled"):
        issue(otto, setup, 1202)
    reasons = mona.execute(
        "SELECT seq, reason, created_by FROM spoiled_number WHERE range_id = %s ORDER BY seq",
        (setup.range_id,),
    ).fetchall()
    assert reasons == [(seq, "Book torn", "mona") for seq in range(1200, 1206)]


def test_an_issued_number_is_never_spoiled(connect: Connect, setup: Setup) -> None:
    issue(connect("otto"), setup, 1210)
    mona = connect("mona")
    with refused("PD002", "first", "never spoiled"):
        mona.execute("SELECT spoil_numbers(%s, 1205, 1215, 'Device lost')", (setup.range_id,))
    assert (
        one(mona, "SELECT count(*) FROM spoiled_number WHERE range_id = %s", (setup.range_id,)) == 0
    )


@pytest.mark.parametrize("role", ["clerk", "adjudicator", "dispatcher", "officer", "admin"])
def test_only_a_manager_spoils_numbers(connect: Connect, setup: Setup, role: str) -> None:
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect(role).execute(
            "SELECT spoil_numbers(%s, 1300, 1301, 'Not mine to spoil')", (setup.range_id,)
        )


@pytest.mark.parametrize(
    ("digits", "scheme", "check"),
    [
        ("7992739871", "luhn", 3),
        ("424242424242424", "luhn", 2),  # the test card 4242 4242 4242 4242
        ("000000", "luhn", 0),
        ("12345", "mod11", 6),
        ("1234567", "mod11", 7),  # the weights start again at 2 after 7
        ("5", "mod11", 0),  # a remainder of 10 is written 0
        ("1234567", "mod7", 5),
        ("000123", "mod7", 4),
    ],
)
def test_check_digits_match_known_values(
    connect: Connect, digits: str, scheme: str, check: int
) -> None:
    assert one(connect("otto"), "SELECT check_digit(%s, %s)", (digits, scheme)) == check
    assert SCHEMES[scheme](digits) == check


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_every_scheme_agrees_with_an_independent_computation(connect: Connect, scheme: str) -> None:
    rows = (
        connect("mona")
        .execute(
            "SELECT lpad(s::text, 7, '0'), check_digit(lpad(s::text, 7, '0'), %s) "
            "FROM generate_series(9000000, 9000400) s",
            (scheme,),
        )
        .fetchall()
    )
    assert [(d, SCHEMES[scheme](d)) for d, _ in rows] == rows


def test_the_offices_scheme_decides_which_numbers_check(connect: Connect, setup: Setup) -> None:
    mona, otto = connect("mona"), connect("otto")
    seq = 1310
    # Pick a number whose check digits differ, so the scheme decides.
    while luhn(str(seq).zfill(6)) == mod7(str(seq).zfill(6)):
        seq += 1
    mona.execute("UPDATE office_setting SET check_digit_scheme = 'mod7'")
    try:
        with refused("PD002", "number", "mod7 scheme"):
            issue(otto, setup, seq)
        result = issue(otto, setup, seq, citation_number=number(setup.prefix, seq, scheme="mod7"))
        assert result[1] == number(setup.prefix, seq, scheme="mod7")
    finally:
        mona.execute("UPDATE office_setting SET check_digit_scheme = 'luhn'")
    with pytest.raises(pgerrors.CheckViolation):
        mona.execute("UPDATE office_setting SET check_digit_scheme = 'mod97'")
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect("alice").execute("UPDATE office_setting SET citation_due_days = 5")


# -- the idempotency key: (device, call number) ----------------------------------------------


def test_the_same_call_twice_returns_the_first_citation(connect: Connect, setup: Setup) -> None:
    otto, mona = connect("otto"), connect("mona")
    at = datetime.now(UTC)
    first = issue(otto, setup, 1400, plate="KEY 111", issued_at=at)
    recorded = (
        "SELECT (SELECT count(*) FROM audit_log WHERE table_name = 'citation' AND row_key = %(c)s),"
        " (SELECT count(*) FROM ledger_entry WHERE citation_id = %(c)s::bigint)"
    )
    # The citation's row, and its balance moved by its fine's ledger row.
    assert mona.execute(recorded, {"c": str(first[0])}).fetchone() == (2, 1)
    # The device's session may write times in another zone: the same instant is the same call.
    otto.execute("SET TimeZone = 'Asia/Tokyo'")
    again = issue(otto, setup, 1400, plate="KEY 111", issued_at=at)
    assert again == first
    assert citations_numbered(mona, number(setup.prefix, 1400)) == 1
    assert mona.execute(recorded, {"c": str(first[0])}).fetchone() == (2, 1)


def test_a_different_request_under_the_same_key_is_refused_and_does_nothing(
    connect: Connect, setup: Setup
) -> None:
    otto, mona = connect("otto"), connect("mona")
    issue(otto, setup, 1410, call=51410, plate="KEY222")
    with refused("PD007", "device_seq", "different request"):
        issue(otto, setup, 1411, call=51410, plate="KEY222")
    with refused("PD007", "device_seq", "different request"):
        issue(otto, setup, 1410, call=51410, plate="KEY223")
    # Another officer on the same device and call number is another request too.
    with refused("PD007", "device_seq", "different request"):
        issue(connect(OTHER_OFFICER), setup, 1410, call=51410, plate="KEY222")
    assert citations_numbered(mona, number(setup.prefix, 1411)) == 0


def test_two_connections_with_the_same_key_give_one_citation(
    connect: Connect, setup: Setup
) -> None:
    at = datetime.now(UTC)
    officers = [connect("otto") for _ in range(6)]
    barrier = threading.Barrier(len(officers))
    results: list[Any] = [None] * len(officers)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = issue(officers[i], setup, 1420, plate="RACE1", issued_at=at)
        except Exception as exc:  # reported to the test, never lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(officers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(set(results)) == 1, results
    assert citations_numbered(connect("mona"), number(setup.prefix, 1420)) == 1


# -- what is cited: re-checked at the moment of issue ---------------------------------------


def test_a_plate_with_a_valid_permit_is_not_cited(connect: Connect, setup: Setup) -> None:
    alice, mona = connect("alice"), connect("mona")
    parker = make_parker(alice)
    vehicle, plate = make_vehicle(alice, parker)
    payment = sell(alice, parker, make_type(mona, [setup.lot]), setup.lot, [vehicle])
    permit = one(alice, "SELECT number FROM permit WHERE id = %s", (permit_of(alice, payment),))
    with refused("PD002", "plate", f"Valid: permit {permit}"):
        issue(connect("otto"), setup, 1500, plate=plate)
    assert citations_numbered(mona, number(setup.prefix, 1500)) == 0


def test_a_plate_registered_without_a_permit_is_cited_with_its_vehicle(
    connect: Connect, setup: Setup
) -> None:
    alice = connect("alice")
    vehicle, plate = make_vehicle(alice, make_parker(alice))
    citation_id = issue(connect("otto"), setup, 1501, plate=plate)[0]
    assert (
        one(connect("mona"), "SELECT vehicle_id FROM citation WHERE id = %s", (citation_id,))
        == vehicle
    )


def _wait_until_blocked(desk: Database, conn: Conn) -> None:
    """Until ``conn``'s statement waits for a lock another session holds."""
    pid = conn.info.backend_pid
    deadline = time.monotonic() + 30
    with desk.admin() as su:
        su.autocommit = True
        while time.monotonic() < deadline:
            if one(su, "SELECT cardinality(pg_blocking_pids(%s)) > 0", (pid,)):
                return
            time.sleep(0.02)
    raise AssertionError("the second session never waited for the first")


def _in_background(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    result: list[Any] = []

    def run() -> None:
        try:
            result.append(work())
        except Exception as exc:  # reported to the test, never lost in the thread
            result.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_sale_committed_first_refuses_the_racing_citation(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    alice, otto = connect("alice"), connect("otto")
    parker = make_parker(alice)
    vehicle, plate = make_vehicle(alice, parker)
    permit_type = make_type(connect("mona"), [setup.lot])
    with alice.transaction():
        sell(alice, parker, permit_type, setup.lot, [vehicle])
        thread, result = _in_background(lambda: issue(otto, setup, 1510, plate=plate))
        _wait_until_blocked(desk, otto)
    thread.join(timeout=60)
    assert isinstance(result[0], psycopg.Error), result
    assert result[0].sqlstate == "PD002"
    assert "Valid: permit" in str(result[0])
    assert citations_numbered(connect("mona"), number(setup.prefix, 1510)) == 0


def test_a_citation_committed_first_is_then_followed_by_the_sale(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    alice, otto = connect("alice"), connect("otto")
    parker = make_parker(alice)
    vehicle, plate = make_vehicle(alice, parker)
    permit_type = make_type(connect("mona"), [setup.lot])
    with otto.transaction():
        issue(otto, setup, 1511, plate=plate)
        thread, result = _in_background(
            lambda: sell(alice, parker, permit_type, setup.lot, [vehicle])
        )
        _wait_until_blocked(desk, alice)
    thread.join(timeout=60)
    assert isinstance(result[0], int), result  # cited, then sold
    assert citations_numbered(connect("mona"), number(setup.prefix, 1511)) == 1


def _temporary_permit(clerk: Conn, plate: str, lot: int) -> int:
    return int(
        one(
            clerk,
            "SELECT issue_temporary_permit(%s, 'temporary', %s, %s, %s, now(), "
            "now() + interval '1 day', 10, NULL, %s)",
            (uuid.uuid4(), JURISDICTION, plate, lot, Jsonb(CARD)),
        )
    )


def test_a_temporary_permit_for_a_new_plate_committed_first_refuses_the_citation(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    alice, otto = connect("alice"), connect("otto")
    plate = token(7)
    with alice.transaction():
        _temporary_permit(alice, plate, setup.lot)
        thread, result = _in_background(lambda: issue(otto, setup, 1520, plate=plate))
        _wait_until_blocked(desk, otto)
    thread.join(timeout=60)
    assert isinstance(result[0], psycopg.Error), result
    assert "Valid temporary permit" in str(result[0])
    assert citations_numbered(connect("mona"), number(setup.prefix, 1520)) == 0


def test_a_citation_of_a_new_plate_committed_first_is_then_followed_by_the_permit(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    alice, otto = connect("alice"), connect("otto")
    plate = token(7)
    with otto.transaction():
        citation_id = issue(otto, setup, 1521, plate=plate)[0]
        thread, result = _in_background(lambda: _temporary_permit(alice, plate, setup.lot))
        _wait_until_blocked(desk, alice)
    thread.join(timeout=60)
    assert isinstance(result[0], int), result  # cited, then sold
    assert (
        one(connect("mona"), "SELECT vehicle_id FROM citation WHERE id = %s", (citation_id,))
        is None
    )


# -- fines: the schedule, snapshotted ---------------------------------------------------------


def test_a_warning_only_violation_gives_a_zero_fine(connect: Connect, setup: Setup) -> None:
    assert issue(connect("otto"), setup, 1600, violation=setup.warning)[2] == Decimal("0.00")


def test_the_lots_fine_comes_before_the_violations_own(connect: Connect, setup: Setup) -> None:
    mona, otto = connect("mona"), connect("otto")
    mona.execute(
        "INSERT INTO fine_rule (violation_id, lot_id, amount) "
        "SELECT id, %s, 80.00 FROM violation WHERE code = %s",
        (setup.lot, setup.violation),
    )
    citation_id, _, fine, _ = issue(otto, setup, 1601)
    assert fine == Decimal("80.00")
    # A later change of the schedule leaves what was issued as it was.
    mona.execute("UPDATE fine_rule SET amount = 95.00 WHERE lot_id = %s", (setup.lot,))
    assert one(mona, "SELECT fine FROM citation WHERE id = %s", (citation_id,)) == Decimal("80.00")


def test_one_line_per_violation_and_place(connect: Connect, setup: Setup) -> None:
    with pytest.raises(pgerrors.UniqueViolation):
        connect("mona").execute(
            "INSERT INTO fine_rule (violation_id, amount) "
            "SELECT id, 10.00 FROM violation WHERE code = %s",
            (setup.violation,),
        )


def test_a_violation_without_a_fine_is_refused(connect: Connect, setup: Setup) -> None:
    unpriced = make_violation(connect("mona"), fine=None)
    with refused("PD002", "violation", "No fine is set for this violation"):
        issue(connect("otto"), setup, 1602, violation=unpriced)


@pytest.mark.parametrize("role", ["clerk", "adjudicator", "dispatcher", "officer", "admin"])
def test_only_a_manager_keeps_the_fine_schedule(connect: Connect, setup: Setup, role: str) -> None:
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect(role).execute("UPDATE fine_rule SET amount = 1")


def test_a_retired_device_or_violation_and_an_unknown_lot_are_refused(
    connect: Connect, setup: Setup
) -> None:
    mona, otto = connect("mona"), connect("otto")
    with refused("PD002", "device", "There is no device"):
        issue(otto, setup, 1700, device="NO-SUCH-DEVICE")
    mona.execute("UPDATE violation SET active = false WHERE code = %s", (setup.warning,))
    with refused("PD002", "violation", "no longer cited"):
        issue(otto, setup, 1701, violation=setup.warning)
    with refused("PD002", "issued_at", "clock is ahead"):
        issue(otto, setup, 1702, issued_at=datetime.now(UTC) + timedelta(hours=1))
    mona.execute("UPDATE device SET active = false WHERE code = %s", (setup.device,))
    with refused("PD002", "device", "retired"):
        issue(otto, setup, 1703)


def test_a_fifty_megabyte_argument_is_refused_before_any_work(connect: Connect) -> None:
    huge = "N" * 50_000_000
    # The device does not exist: the size is refused first, so nothing was looked up.
    with refused("PD002", "note", "At most 500 characters"):
        connect("otto").execute(
            "SELECT * FROM issue_citation('NO-SUCH', 1, 'AB1234567', 'ON', 'A1', 'X', 'Y', "
            "now(), %s)",
            (huge,),
        )
