"""The plate check against the real database, as the officer and the desks would run it.

Permits are sold and issued through the clerk's functions and lots and permit types
are set up by a manager, as in a real office; every test makes its own, with random
plates, because all tests share one database.
"""

from __future__ import annotations

import json
import random
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import text

from desktop.services.errors import ValidationError
from desktop.services.platecheck import (
    JURISDICTION_NAMES,
    NearMatch,
    PlateCheckService,
    PlateQuery,
    PlateVerdict,
    describe_until,
)
from desktop.services.workspace import Workspace
from tests.conftest import Database

Connect = Callable[[str], psycopg.Connection[tuple[object, ...]]]
CARD = json.dumps({"kind": "card", "brand": "Visa", "last4": "4242", "reference": "AUTH-PC01"})
#: Letters and digits outside the look-alike groups, so random plates never collide by accident.
_PLAIN_LETTERS = "ACEFHJKMNPRTUVWXY"
_PLAIN_DIGITS = "3479"


def plain_plate() -> str:
    rng = random.SystemRandom()
    return "".join(rng.choice(_PLAIN_LETTERS) for _ in range(3)) + "".join(
        rng.choice(_PLAIN_DIGITS) for _ in range(4)
    )


def lookalike_pair() -> tuple[str, str]:
    """A plate as registered, with a B, and as misread, with an 8 in its place."""
    plate = plain_plate()
    stored = plate[:3] + "B" + plate[4:]
    return stored, plate[:3] + "8" + plate[4:]


@dataclass(frozen=True)
class Office:
    """Two lots and a 30-day permit type sold in both, made by a manager for one test."""

    lot_code: str
    lot_id: int
    lot_name: str
    other_lot_code: str
    other_lot_id: int
    other_lot_name: str
    type_id: int
    type_name: str


def make_office(connect_as: Connect) -> Office:
    mona = connect_as("mona")
    token = secrets.token_hex(3).upper()
    lots: list[tuple[str, int, str]] = []
    for suffix in ("A", "B"):
        code = f"PC{token}{suffix}"
        name = f"Check lot {token} {suffix}"
        row = mona.execute(
            "INSERT INTO lot (code, name, capacity) VALUES (%s, %s, 50) RETURNING id", (code, name)
        ).fetchone()
        assert row is not None
        lots.append((code, int(str(row[0])), name))
    type_name = f"Plate check 30-day {token}"
    row = mona.execute(
        "INSERT INTO permit_type (code, name, price, validity, days, affiliations) "
        "VALUES (%s, %s, 60, 'days', 30, ARRAY['staff']) RETURNING id",
        (f"PC{token}", type_name),
    ).fetchone()
    assert row is not None
    type_id = int(str(row[0]))
    for _, lot_id, _ in lots:
        mona.execute(
            "INSERT INTO permit_type_lot (permit_type_id, lot_id) VALUES (%s, %s)",
            (type_id, lot_id),
        )
    mona.commit()
    (code, lot_id, name), (other_code, other_id, other_name) = lots
    return Office(code, lot_id, name, other_code, other_id, other_name, type_id, type_name)


def register(
    clerk: psycopg.Connection[tuple[object, ...]], plate: str, jurisdiction: str = "ON"
) -> tuple[int, int]:
    """A staff parker with one vehicle; returns (parker id, vehicle id)."""
    row = clerk.execute(
        "INSERT INTO parker (first_name, last_name, affiliation) "
        "VALUES ('Plate', %s, 'staff') RETURNING id",
        (f"Check {secrets.token_hex(3)}",),
    ).fetchone()
    assert row is not None
    parker = int(str(row[0]))
    row = clerk.execute(
        "INSERT INTO vehicle (parker_id, jurisdiction, plate_raw) VALUES (%s, %s, %s) RETURNING id",
        (parker, jurisdiction, plate),
    ).fetchone()
    assert row is not None
    clerk.commit()
    return parker, int(str(row[0]))


def sell(
    clerk: psycopg.Connection[tuple[object, ...]],
    office: Office,
    parker: int,
    vehicle: int,
    lot_id: int | None = None,
) -> tuple[int, str]:
    """Sell the office's 30-day permit from today (the office's today); (permit id, number)."""
    row = clerk.execute(
        "SELECT (now() AT TIME ZONE (SELECT time_zone FROM office_setting WHERE id = 1))::date"
    ).fetchone()
    assert row is not None
    row = clerk.execute(
        "SELECT sell_permit(%s, %s, %s, %s, %s, %s, %s)",
        (uuid.uuid4(), parker, office.type_id, lot_id or office.lot_id, [vehicle], row[0], CARD),
    ).fetchone()
    assert row is not None
    permit = clerk.execute(
        "SELECT p.id, p.number FROM payment_line pay JOIN permit p ON p.id = pay.permit_id "
        "WHERE pay.id = %s",
        (row[0],),
    ).fetchone()
    assert permit is not None
    clerk.commit()
    return int(str(permit[0])), str(permit[1])


def issue_visitor(
    clerk: psycopg.Connection[tuple[object, ...]],
    lot_id: int,
    plate: str,
    jurisdiction: str = "ON",
    hours: int = 3,
) -> None:
    clerk.execute(
        "SELECT issue_temporary_permit(%s, 'visitor', %s, %s, %s, now(), "
        "now() + make_interval(hours => %s), 12, NULL, %s)",
        (uuid.uuid4(), jurisdiction, plate, lot_id, hours, CARD),
    )
    clerk.commit()


@pytest.fixture
def office(connect_as: Connect) -> Office:
    return make_office(connect_as)


@pytest.fixture
def officer(workspace_for: Callable[[str], Workspace]) -> Iterator[PlateCheckService]:
    service = PlateCheckService(workspace_for("officer"))
    yield service
    service.close()


# -- the verdicts ------------------------------------------------------------------------


def test_a_sold_permit_is_valid_for_the_officer(
    officer: PlateCheckService, office: Office, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    plate = plain_plate()
    parker, vehicle = register(alice, plate)
    _, number = sell(alice, office, parker, vehicle)

    verdict = officer.check("on", f"{plate[:3]}-{plate[3:].lower()}")

    assert verdict.verdict == "valid"
    assert verdict.title == "Valid permit"
    assert verdict.tone == "ok"
    assert verdict.may_park
    assert (verdict.plate, verdict.jurisdiction) == (plate, "ON")
    assert verdict.permit_number == number
    assert verdict.permit_type == office.type_name
    assert verdict.permit_kind_title == "Term permit"
    assert (verdict.lot_code, verdict.lot_name) == (office.lot_code, office.lot_name)
    assert verdict.reason.startswith(f"Valid: permit {number} ({office.type_name})")
    assert verdict.valid_from is not None
    assert verdict.valid_until is not None
    assert verdict.valid_from.tzinfo is not None
    assert verdict.checked_at.tzinfo is not None
    assert verdict.valid_from <= verdict.checked_at < verdict.valid_until
    assert verdict.valid_until - verdict.valid_from >= timedelta(days=29)
    assert verdict.query.at is None
    assert verdict.moment == verdict.checked_at


def test_a_temporary_visitor_permit_is_a_valid_temporary_verdict(
    officer: PlateCheckService, office: Office, connect_as: Connect
) -> None:
    plate = plain_plate()
    issue_visitor(connect_as("alice"), office.lot_id, plate, "NY")

    verdict = officer.check("NY", plate)

    assert verdict.verdict == "temporary"
    assert verdict.title == "Valid temporary permit"
    assert verdict.tone == "caution"
    assert verdict.may_park
    assert verdict.permit_kind == "visitor"
    assert verdict.permit_kind_title == "Visitor permit"
    assert verdict.permit_type == "Visitor permit"
    assert verdict.lot_name == office.lot_name
    assert verdict.reason.startswith("Valid temporary permit:")
    assert verdict.valid_until is not None
    assert timedelta(hours=2) < verdict.valid_until - verdict.checked_at <= timedelta(hours=3)


def test_a_permit_for_another_lot_is_the_wrong_lot(
    officer: PlateCheckService, office: Office, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    plate = plain_plate()
    parker, vehicle = register(alice, plate)
    _, number = sell(alice, office, parker, vehicle)

    wrong = officer.check("ON", plate, office.other_lot_code.lower())
    right = officer.check("ON", plate, office.lot_code)

    assert wrong.verdict == "wrong_lot"
    assert wrong.title == "Wrong lot"
    assert not wrong.may_park
    assert wrong.query.lot_code == office.other_lot_code
    assert wrong.lot_code == office.lot_code  # where the permit is for
    assert wrong.permit_number == number
    assert wrong.reason == (
        f"Wrong lot: permit {number} ({office.type_name}) is for {office.lot_name}, "
        f"not {office.other_lot_name}."
    )
    assert right.verdict == "valid"


def test_after_its_end_a_permit_is_expired(
    officer: PlateCheckService, office: Office, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    plate = plain_plate()
    parker, vehicle = register(alice, plate)
    _, number = sell(alice, office, parker, vehicle)
    valid = officer.check("ON", plate)
    assert valid.valid_until is not None

    later = valid.valid_until + timedelta(days=3)
    verdict = officer.check("ON", plate, at=later)

    assert verdict.verdict == "expired"
    assert verdict.title == "Expired"
    assert verdict.tone == "stop"
    assert verdict.permit_number == number
    assert verdict.valid_until == valid.valid_until
    assert verdict.reason.startswith(f"Expired: permit {number}")
    assert verdict.query.at == later
    assert verdict.moment == later
    # Before it started there was nothing yet.
    before = officer.check("ON", plate, at=valid.checked_at - timedelta(days=400))
    assert before.verdict == "no_permit"


def test_a_cancelled_permit_reads_as_cancelled(
    officer: PlateCheckService, office: Office, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    plate = plain_plate()
    parker, vehicle = register(alice, plate)
    permit_id, number = sell(alice, office, parker, vehicle)
    assert officer.check("ON", plate).verdict == "valid"

    alice.execute(
        "SELECT cancel_permit(%s, %s, 'Moved off campus', %s)", (uuid.uuid4(), permit_id, CARD)
    )
    alice.commit()
    verdict = officer.check("ON", plate)

    assert verdict.verdict == "expired"
    assert verdict.title == "Expired"
    assert verdict.permit_number == number
    assert verdict.reason.startswith(f"Cancelled: permit {number}")


def test_plates_without_a_permit(
    officer: PlateCheckService, office: Office, connect_as: Connect
) -> None:
    registered = plain_plate()
    register(connect_as("alice"), registered, "QC")

    verdict = officer.check("QC", registered)
    unknown = officer.check("QC", plain_plate())
    in_lot = officer.check("QC", registered, office.lot_code)

    assert verdict.verdict == "no_permit"
    assert verdict.title == "No permit"
    assert verdict.tone == "stop"
    assert not verdict.may_park
    assert verdict.permit_number is None
    assert verdict.valid_from is None
    assert verdict.reason == f"No permit: {registered} (QC) has no permit."
    assert unknown.verdict == "no_permit"
    assert "is not registered" in unknown.reason
    assert in_lot.reason == f"No permit: {registered} (QC) has no permit for {office.lot_name}."


@pytest.mark.parametrize("login", ["alice", "adele", "dara", "mona", "otto", "ada"])
def test_every_role_may_check_a_plate_and_list_lots(
    login: str, workspace_for: Callable[[str], Workspace], office: Office, connect_as: Connect
) -> None:
    plate = plain_plate()
    issue_visitor(connect_as("alice"), office.lot_id, plate)
    service = PlateCheckService(workspace_for(login))
    try:
        assert service.check("ON", plate).verdict == "temporary"
        codes = [lot.code for lot in service.lots()]
    finally:
        service.close()
    assert office.lot_code in codes
    assert office.other_lot_code in codes


# -- look-alikes ------------------------------------------------------------------------


def test_a_misread_plate_is_offered_its_lookalike_and_never_substituted(
    officer: PlateCheckService, office: Office, connect_as: Connect
) -> None:
    alice = connect_as("alice")
    stored, misread = lookalike_pair()
    parker, vehicle = register(alice, stored)
    sell(alice, office, parker, vehicle)

    verdict = officer.check("ON", misread)

    assert verdict.plate == misread  # the typed plate's own verdict
    assert verdict.verdict == "no_permit"
    assert NearMatch("ON", stored, 1) in verdict.near_matches
    match = next(m for m in verdict.near_matches if m.plate == stored)
    assert match.label == f"{stored} (ON)"
    assert match.description == "one look-alike character differs"
    assert NearMatch("ON", stored, 1) in officer.near_matches("on", misread.lower())
    # Choosing it is a check of its own.
    assert officer.check(match.jurisdiction, match.plate).verdict == "valid"


def test_a_valid_verdict_still_lists_lookalikes_and_other_jurisdictions(
    officer: PlateCheckService, office: Office, connect_as: Connect
) -> None:
    """A misread plate that carries a valid permit is the dangerous case: say so."""
    alice = connect_as("alice")
    stored, misread = lookalike_pair()
    parker, vehicle = register(alice, misread)
    sell(alice, office, parker, vehicle)
    register(alice, stored)
    register(alice, misread, "NY")

    verdict = officer.check("ON", misread)

    assert verdict.verdict == "valid"
    assert verdict.near_matches[0] == NearMatch("NY", misread, 0)
    assert verdict.near_matches[0].description == "same plate, registered in NY"
    assert NearMatch("ON", stored, 1) in verdict.near_matches
    differences = [m.differences for m in verdict.near_matches]
    assert differences == sorted(differences)


# -- bad input ---------------------------------------------------------------------------


def test_a_bad_plate_is_refused_before_anything_is_sent(officer: PlateCheckService) -> None:
    with pytest.raises(ValidationError) as caught:
        officer.check("ON", "AB$12")
    assert [p.field for p in caught.value.problems] == ["plate"]
    assert "is not a plate" in caught.value.problems[0].message
    assert officer._proxy is None  # no connection was even taken

    with pytest.raises(ValidationError) as caught:
        officer.check("Ontario", "   ")
    assert {p.field: p.message for p in caught.value.problems} == {
        "plate": "Type the plate to check.",
        "jurisdiction": "Jurisdiction is a two-letter code such as ON, QC or NY.",
    }
    with pytest.raises(ValidationError) as caught:
        officer.check("ON", "ABCDEFGHJKLM")
    assert caught.value.problems[0].field == "plate"


def test_an_unknown_lot_is_refused_by_the_database_for_the_lot_field(
    officer: PlateCheckService,
) -> None:
    with pytest.raises(ValidationError) as caught:
        officer.check("ON", plain_plate(), "NOLOT9")
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("lot", "There is no lot NOLOT9.")
    ]
    # The connection is still good for the next check.
    assert officer.check("ON", plain_plate()).verdict == "no_permit"


def test_queries_are_normalised() -> None:
    query = PlateQuery.cleaned(" on ", " abc-12.3 ", " pcx ", datetime(2027, 3, 1, 9, 30))  # noqa: DTZ001
    assert (query.jurisdiction, query.plate, query.lot_code) == ("ON", "ABC123", "PCX")
    assert query.at is not None
    assert query.at.tzinfo is not None  # a wall-clock time is read in this computer's zone
    assert query.plate_display == "ABC123 (ON)"
    assert PlateQuery.cleaned("NY", "x1", "", None).lot_code is None
    assert set(JURISDICTION_NAMES) >= {"ON", "QC", "NY", "BC", "MI", "VT"}


def test_a_permit_ending_at_midnight_ends_at_the_end_of_the_day_before() -> None:
    midnight = datetime(2027, 1, 1).astimezone()  # this computer's midnight
    assert describe_until(midnight) == "end of 31 Dec 2026"
    assert describe_until(midnight + timedelta(hours=17)) == "1 Jan 2027, 17:00"


# -- the connection -------------------------------------------------------------------


def test_a_dropped_connection_is_replaced_without_the_officer_noticing(
    officer: PlateCheckService, database: Database
) -> None:
    assert officer.check("ON", plain_plate()).verdict == "no_permit"
    with database.admin() as admin:
        dropped = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE usename = 'otto' AND pid <> pg_backend_pid()"
        ).fetchone()
    assert dropped is not None
    assert int(str(dropped[0])) >= 1

    verdict = officer.check("ON", plain_plate())

    assert isinstance(verdict, PlateVerdict)
    assert verdict.verdict == "no_permit"


def test_the_kept_connection_goes_back_to_the_pool_as_it_came(
    officer: PlateCheckService,
) -> None:
    officer.check("ON", plain_plate())
    proxy = officer._proxy
    assert proxy is not None
    driver = proxy.driver_connection
    assert driver is not None
    # Between checks it is an ordinary connection: the next user's transaction is one.
    assert driver.autocommit is False

    officer.close()
    assert officer._proxy is None
    with officer.workspace.transaction() as session:
        session.execute(text("SET LOCAL statement_timeout = '7s'"))
        assert session.execute(text("SHOW statement_timeout")).scalar() == "7s"
    # And a later check takes a connection again.
    assert officer.check("ON", plain_plate()).verdict == "no_permit"


def test_checked_at_is_the_database_clock(officer: PlateCheckService) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    verdict = officer.check("ON", plain_plate())
    assert before <= verdict.checked_at <= datetime.now(UTC) + timedelta(seconds=5)
