"""The parker desk's use cases, run as the clerks alice and bruno on the shared database.

Every test makes its own parkers, named with a random token, because the
database is shared with every other test and is never empty.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import replace

import pytest

from desktop.services.errors import (
    ConflictError,
    DuplicateWarning,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from desktop.services.parkers import (
    ParkerDetail,
    ParkerInput,
    ParkerService,
    VehicleInput,
)
from desktop.services.workspace import Workspace
from tests.conftest import Database

OpenWorkspace = Callable[[str], Workspace]

#: Characters outside every look-alike group, so random parts never look like each other.
PLAIN = "ACEFHJKMNPRTUVWXY3479"


def token(length: int = 6) -> str:
    """A random lower-case word, unique enough to find this test's rows only."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(length))


def plate_stem(length: int = 3) -> str:
    return "".join(secrets.choice(PLAIN) for _ in range(length))


def jurisdiction() -> str:
    """A made-up sub-jurisdiction, so look-alike checks only see this test's plates."""
    return "QA-" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(3))


@pytest.fixture
def clerk(workspace_for: OpenWorkspace) -> ParkerService:
    return ParkerService(workspace_for("alice"))


def person(last: str, first: str = "Mira", **fields: str) -> ParkerInput:
    return ParkerInput(first_name=first, last_name=last, affiliation="student", **fields)


def _count(database: Database, last_name: str) -> int:
    with database.admin() as su:
        row = su.execute(
            "SELECT count(*) FROM parkdesk.parker WHERE last_name = %s", (last_name,)
        ).fetchone()
    assert row is not None
    return int(str(row[0]))


# -- search -----------------------------------------------------------------------------


@pytest.fixture
def registered(clerk: ParkerService) -> tuple[ParkerDetail, str]:
    """A parker with campus ID, email and one vehicle; returns it and its plate."""
    last = "Quist" + token()
    parker = clerk.create(
        person(last, campus_id=f"S-{plate_stem(7)}", email=f"mira.{last.lower()}@example.edu")
    )
    plate = plate_stem(4) + "K77"
    clerk.add_vehicle(parker.id, VehicleInput(jurisdiction="ON", plate_raw=plate))
    return clerk.get(parker.id), plate


@pytest.mark.parametrize(
    "query",
    [
        "{last}",
        "{last_prefix}",
        "{last_lower}",
        "{last}, Mira",
        "{last},Mi",
        "Mira {last}",
        "mira {last_prefix}",
        "{email}",
        "{email_upper}",
        "{campus_id}",
        "{campus_id_lower}",
        "{plate}",
        "{plate_prefix}",
        "{plate_spaced}",
    ],
)
def test_search_finds_a_parker_by_name_email_campus_id_and_plate(
    clerk: ParkerService, registered: tuple[ParkerDetail, str], query: str
) -> None:
    parker, plate = registered
    text = query.format(
        last=parker.last_name,
        last_prefix=parker.last_name[:8],
        last_lower=parker.last_name.lower(),
        email=parker.email,
        email_upper=parker.email.upper(),
        campus_id=parker.campus_id,
        campus_id_lower=parker.campus_id.lower(),
        plate=plate,
        plate_prefix=plate[:4],
        plate_spaced=f"{plate[:3].lower()}-{plate[3:]}",
    )
    page = clerk.search(text)
    assert parker.id in [row.id for row in page.rows], text
    found = next(row for row in page.rows if row.id == parker.id)
    assert found.name == f"{parker.last_name}, Mira"
    assert f"ON {plate}" in found.plates


def test_search_does_not_find_what_does_not_match(
    clerk: ParkerService, registered: tuple[ParkerDetail, str]
) -> None:
    parker, _plate = registered
    for text in [parker.last_name + "x", "Zed " + parker.last_name, "nobody@example.edu"]:
        assert parker.id not in [row.id for row in clerk.search(text).rows], text


def test_exact_email_and_campus_id_matches_come_first(
    clerk: ParkerService, registered: tuple[ParkerDetail, str]
) -> None:
    parker, _plate = registered
    for text in [parker.email, parker.campus_id]:
        rows = clerk.search(text).rows
        assert rows[0].id == parker.id
        assert rows[0].match_rank == 0


def test_search_text_with_like_wildcards_is_taken_literally(
    clerk: ParkerService, registered: tuple[ParkerDetail, str]
) -> None:
    parker, _plate = registered
    for text in ["%", "_", parker.last_name[:3] + "%", "\\"]:
        assert parker.id not in [row.id for row in clerk.search(text).rows], text


# -- look-alike plates (SPEC rule 2) ----------------------------------------------------


@pytest.fixture
def look_alikes(clerk: ParkerService) -> dict[str, object]:
    """Stored STEM+AB0123 (parker "Stored") and, elsewhere, STEM+ABO123 (parker "Exact")."""
    stem = plate_stem()
    last = "Plate" + token()
    stored = clerk.create(person(last, first="Stored"))
    clerk.add_vehicle(stored.id, VehicleInput(jurisdiction="ON", plate_raw=f"{stem}AB0123"))
    exact = clerk.create(person(last, first="Exact"))
    clerk.add_vehicle(exact.id, VehicleInput(jurisdiction="QC", plate_raw=f"{stem}ABO123"))
    return {"stem": stem, "stored": stored.id, "exact": exact.id}


@pytest.mark.parametrize(
    ("typed", "differences"),
    [
        ("AB0123", 0),
        ("ab-0123", 0),
        ("ABO123", 1),  # O for 0
        ("AB0I23", 1),  # I for 1
        ("ABOI23", 2),  # both
        ("A8OI23", None),  # three substitutions: too far
        ("AB0124", None),  # 4 is not a look-alike of 3
        ("AB012", None),  # shorter: a prefix, not a look-alike
    ],
)
def test_look_alike_plate_search_allows_at_most_two_substitutions(
    clerk: ParkerService, look_alikes: dict[str, object], typed: str, differences: int | None
) -> None:
    matches = clerk.search_plates(f"{look_alikes['stem']}{typed}", jurisdiction="ON")
    found = {m.vehicle.parker_id: m.differences for m in matches}
    assert found.get(look_alikes["stored"]) == differences  # type: ignore[call-overload]


def test_look_alike_search_puts_the_exact_plate_first(
    clerk: ParkerService, look_alikes: dict[str, object]
) -> None:
    stem = look_alikes["stem"]
    matches = clerk.search_plates(f"{stem}ABO123")
    assert [(m.vehicle.parker_id, m.differences) for m in matches] == [
        (look_alikes["exact"], 0),
        (look_alikes["stored"], 1),
    ]
    assert matches[0].owner.startswith("Exact ")
    rows = clerk.search(f"{stem}ABO123").rows
    assert [(r.id, r.match_rank) for r in rows[:2]] == [
        (look_alikes["exact"], 0),
        (look_alikes["stored"], 1),
    ]


def test_a_stored_plate_is_never_rewritten_by_look_alike_search(
    clerk: ParkerService, look_alikes: dict[str, object]
) -> None:
    detail = clerk.get(look_alikes["stored"])  # type: ignore[arg-type]
    assert detail.vehicles[0].plate_normalized == f"{look_alikes['stem']}AB0123"


# -- keyset paging -----------------------------------------------------------------------


def test_paging_returns_every_match_exactly_once(clerk: ParkerService) -> None:
    last = "Page" + token()
    created = set()
    # Repeated first names make ties that only the id can break.
    for first in ["Al", "Al", "al", "Bo", "Bo", "Cy", "Di", "Ed", "Ed", "Ed", "Fay", "Gus"] * 2:
        created.add(clerk.create(person(last, first=first), allow_duplicate=True).id)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = clerk.search(last, after=cursor, limit=5)
        seen.extend(row.id for row in page.rows)
        pages += 1
        assert len(page.rows) <= 5
        cursor = page.next_cursor
        if cursor is None:
            break
        assert pages < 50, "paging does not end"
    assert sorted(seen) == sorted(created)
    assert pages == 5  # 24 rows, 5 per page


def test_browsing_everyone_pages_through_the_whole_register(
    clerk: ParkerService, database: Database
) -> None:
    last = "Browse" + token()
    mine = {clerk.create(person(last, first=f"N{'abc'[n]}")).id for n in range(3)}
    seen: list[int] = []
    cursor = None
    while True:
        page = clerk.search("", after=cursor, limit=250)
        seen.extend(row.id for row in page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert mine <= set(seen)
    with database.admin() as su:
        total = su.execute("SELECT count(*) FROM parkdesk.parker WHERE active").fetchone()
    assert total == (len(seen),)


# -- writing -----------------------------------------------------------------------------


def test_create_update_deactivate_and_reactivate(clerk: ParkerService) -> None:
    last = "Life" + token()
    parker = clerk.create(person(last, campus_id="s-" + plate_stem(6), email=" a@b.example "))
    assert (parker.version, parker.created_by, parker.updated_by) == (1, "alice", "alice")
    assert parker.campus_id.startswith("S-")
    assert parker.email == "a@b.example"

    updated = clerk.update(
        parker.id, parker.version, replace(person(last), affiliation="staff", phone="416 555 0101")
    )
    assert (updated.version, updated.affiliation, updated.phone) == (2, "staff", "(416) 555-0101")
    assert updated.campus_id == "", "cleared fields are stored as empty"

    gone = clerk.set_active(parker.id, updated.version, active=False, reason="Graduated")
    assert (gone.active, gone.deactivation_reason, gone.version) == (False, "Graduated", 3)
    assert parker.id not in [r.id for r in clerk.search(last).rows]
    assert parker.id in [r.id for r in clerk.search(last, include_inactive=True).rows]

    back = clerk.set_active(parker.id, gone.version, active=True)
    assert (back.active, back.deactivation_reason) == (True, "")
    assert parker.id in [r.id for r in clerk.search(last).rows]


def test_deactivating_needs_a_reason(clerk: ParkerService) -> None:
    parker = clerk.create(person("Reason" + token()))
    with pytest.raises(ValidationError) as caught:
        clerk.set_active(parker.id, parker.version, active=False, reason="  ")
    assert caught.value.problems[0].field == "reason"
    assert clerk.get(parker.id).active


def test_vehicles_are_added_edited_and_removed(clerk: ParkerService) -> None:
    parker = clerk.create(person("Car" + token()))
    plate = plate_stem(5)
    car = clerk.add_vehicle(
        parker.id,
        VehicleInput(jurisdiction="on", plate_raw=f"{plate[:2]} {plate[2:]}", make="Honda"),
    )
    assert (car.jurisdiction, car.plate_normalized, car.plate_raw) == (
        "ON",
        plate,
        f"{plate[:2]} {plate[2:]}",
    )
    car = clerk.update_vehicle(
        car.id, car.version, VehicleInput(jurisdiction="ON", plate_raw=plate, colour="Blue")
    )
    assert (car.colour, car.make, car.version) == ("Blue", "", 2)
    car = clerk.set_vehicle_active(car.id, car.version, active=False, reason="Sold")
    assert not car.active
    no_plate = clerk.add_vehicle(
        parker.id, VehicleInput(jurisdiction="ON", plate_raw="ignored", plate_status="none")
    )
    assert (no_plate.plate_raw, no_plate.plate_normalized) == ("", None)
    assert no_plate.plate_display == "No plate"
    assert [v.id for v in clerk.get(parker.id).vehicles] == [no_plate.id, car.id]


def test_a_missing_parker_is_not_found(clerk: ParkerService) -> None:
    with pytest.raises(NotFound):
        clerk.get(-1)


# -- optimistic locking -----------------------------------------------------------------


def test_a_stale_edit_is_refused_naming_who_changed_it(workspace_for: OpenWorkspace) -> None:
    alice = ParkerService(workspace_for("alice"))
    bruno = ParkerService(workspace_for("bruno"))
    last = "Lock" + token()
    created = alice.create(person(last))
    alice_copy = alice.get(created.id)
    bruno_copy = bruno.get(created.id)

    bruno.update(bruno_copy.id, bruno_copy.version, person(last, notes="Bruno's note"))
    with pytest.raises(ConflictError) as caught:
        alice.update(alice_copy.id, alice_copy.version, person(last, notes="Alice's note"))
    assert "bruno" in caught.value.message
    assert caught.value.changed_by == "bruno"
    assert "Reload" in caught.value.message
    with pytest.raises(ConflictError):
        alice.set_active(alice_copy.id, alice_copy.version, active=False, reason="Left")

    stored = alice.get(created.id)
    assert (stored.notes, stored.updated_by, stored.version, stored.active) == (
        "Bruno's note",
        "bruno",
        2,
        True,
    )


def test_a_stale_vehicle_edit_is_refused(workspace_for: OpenWorkspace) -> None:
    alice = ParkerService(workspace_for("alice"))
    bruno = ParkerService(workspace_for("bruno"))
    parker = alice.create(person("Lockcar" + token()))
    plate = plate_stem(6)
    car = alice.add_vehicle(parker.id, VehicleInput(jurisdiction="ON", plate_raw=plate))
    bruno.update_vehicle(car.id, car.version, VehicleInput("ON", plate, colour="Red"))
    with pytest.raises(ConflictError, match="bruno"):
        alice.update_vehicle(car.id, car.version, VehicleInput("ON", plate, colour="Green"))
    assert alice.get(parker.id).vehicles[0].colour == "Red"


# -- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"first_name": ""}, ["first_name"]),
        ({"last_name": "   "}, ["last_name"]),
        ({"first_name": "", "last_name": ""}, ["first_name", "last_name"]),
        ({"first_name": "x" * 101}, ["first_name"]),
        ({"last_name": "y" * 101}, ["last_name"]),
        ({"affiliation": "alien"}, ["affiliation"]),
        ({"email": "not-an-email"}, ["email"]),
        ({"email": "two@@example.edu"}, ["email"]),
        ({"email": "a@b"}, ["email"]),
        ({"campus_id": "S1"}, ["campus_id"]),
        ({"campus_id": "S12345!"}, ["campus_id"]),
        ({"campus_id": "S" * 21}, ["campus_id"]),
        ({"phone": "call me"}, ["phone"]),
        ({"address": "a" * 301}, ["address"]),
        ({"notes": "n" * 2001}, ["notes"]),
        ({"email": "bad", "campus_id": "!"}, ["campus_id", "email"]),
    ],
)
def test_bad_parker_input_names_the_field_and_writes_nothing(
    clerk: ParkerService, database: Database, changes: dict[str, str], fields: list[str]
) -> None:
    last = "Invalid" + token()
    data = replace(person(last), **changes)
    with pytest.raises(ValidationError) as caught:
        clerk.create(data)
    assert sorted(p.field for p in caught.value.problems) == sorted(fields)
    assert all(p.message for p in caught.value.problems)
    assert _count(database, last) == 0


@pytest.mark.parametrize(
    "first", ["Zoë", "O'Brien", "Saint-Jean", "Ana María", "김민준", "Zoe\u0308"]
)
def test_names_take_letters_accents_apostrophes_and_hyphens(
    clerk: ParkerService, first: str
) -> None:
    last = "Named" + token()
    created = clerk.create(person(last, first=first))
    assert created.first_name == first


@pytest.mark.parametrize("first", ["Zoë🚗", "R2-D2", "Ann!", "-Ann", "Jo_Ann"])
def test_names_refuse_digits_and_symbols(
    clerk: ParkerService, database: Database, first: str
) -> None:
    last = "Named" + token()
    with pytest.raises(ValidationError) as caught:
        clerk.create(person(last, first=first))
    assert [p.field for p in caught.value.problems] == ["first_name"]
    assert "letters, spaces, apostrophes and hyphens" in caught.value.problems[0].message
    assert _count(database, last) == 0


def test_phone_and_email_are_stored_one_way_and_shown_another(clerk: ParkerService) -> None:
    last = "Dial" + token()
    created = clerk.create(person(last, phone="416 555 0199", email=f"Dial.{last}@Example.EDU"))
    assert created.phone == "(416) 555-0199"  # shown in the office's national format
    assert created.email == f"Dial.{last}@example.edu"
    with pytest.raises(ValidationError) as caught:
        clerk.create(person("Dial" + token(), phone="555 0101"))
    assert [p.field for p in caught.value.problems] == ["phone"]
    assert "not a phone number in Canada" in caught.value.problems[0].message


def test_a_number_stored_before_e164_does_not_stop_an_edit(
    clerk: ParkerService, database: Database
) -> None:
    last = "Legacy" + token()
    parker = clerk.create(person(last))
    with database.admin() as su:
        su.execute("UPDATE parkdesk.parker SET phone = '555-0101' WHERE id = %s", (parker.id,))
        su.commit()
    stored = clerk.get(parker.id)
    assert stored.phone == "555-0101"  # shown as it was typed
    edited = clerk.update(
        parker.id, stored.version, replace(person(last, phone=stored.phone), notes="Moved desks")
    )
    assert edited.phone == "555-0101"
    assert edited.notes == "Moved desks"
    # A new number must be a real one.
    with pytest.raises(ValidationError):
        clerk.update(parker.id, edited.version, person(last, phone="555-0102"))


def test_bad_input_on_update_leaves_the_parker_as_it_was(clerk: ParkerService) -> None:
    last = "Keep" + token()
    parker = clerk.create(person(last, email="keep@example.edu"))
    with pytest.raises(ValidationError):
        clerk.update(parker.id, parker.version, person(last, email="broken"))
    assert clerk.get(parker.id).email == "keep@example.edu"
    assert clerk.get(parker.id).version == 1


@pytest.mark.parametrize(
    ("vehicle", "field"),
    [
        (VehicleInput("ON", "AB$12"), "plate"),
        (VehicleInput("ON", "ABCDEFGHIJK"), "plate"),
        (VehicleInput("ON", ""), "plate"),
        (VehicleInput("Ontario", "ABC123"), "jurisdiction"),
        (VehicleInput("ON", "ABC123", plate_status="smudged"), "plate_status"),
        (VehicleInput("ON", "ABC123", make="M" * 41), "make"),
        (VehicleInput("ON", "ABC123", model="M" * 41), "model"),
        (VehicleInput("ON", "ABC123", colour="C" * 31), "colour"),
        (VehicleInput("ON", "ABC123", model_year=1800), "model_year"),
    ],
)
def test_bad_vehicle_input_names_the_field_and_writes_nothing(
    clerk: ParkerService, vehicle: VehicleInput, field: str
) -> None:
    parker = clerk.create(person("Wheels" + token()))
    with pytest.raises(ValidationError) as caught:
        clerk.add_vehicle(parker.id, vehicle)
    assert [p.field for p in caught.value.problems] == [field]
    assert clerk.get(parker.id).vehicles == ()


# -- duplicates ---------------------------------------------------------------------------


def test_the_same_name_warns_before_creating_a_second_parker(
    clerk: ParkerService, database: Database
) -> None:
    last = "Twin" + token()
    first = clerk.create(person(last))
    with pytest.raises(DuplicateWarning) as caught:
        clerk.create(person(last.upper(), first="MIRA"))
    assert [(c.id, c.reason) for c in caught.value.candidates] == [(first.id, "same name")]
    assert _count(database, last.upper()) == 0
    clerk.create(person(last.upper(), first="MIRA"), allow_duplicate=True)
    assert _count(database, last.upper()) == 1


def test_the_same_email_or_campus_id_warns(clerk: ParkerService) -> None:
    last = "Mail" + token()
    campus_id = "E-" + plate_stem(8)
    first = clerk.create(person(last, email=f"{last}@example.edu", campus_id=campus_id))
    with pytest.raises(DuplicateWarning) as by_email:
        clerk.create(person("Other" + token(), first="Jo", email=f"{last.upper()}@example.edu"))
    assert [(c.id, c.reason) for c in by_email.value.candidates] == [(first.id, "same email")]
    with pytest.raises(DuplicateWarning) as by_campus_id:
        clerk.create(person("Other" + token(), first="Jo", campus_id=campus_id.lower()))
    assert [(c.id, c.reason) for c in by_campus_id.value.candidates] == [
        (first.id, "same campus ID")
    ]
    # A campus ID is unique: going ahead anyway is refused by the database, politely.
    with pytest.raises(ValidationError) as caught:
        clerk.create(person("Other" + token(), campus_id=campus_id), allow_duplicate=True)
    assert caught.value.problems[0].field == "campus_id"


def test_an_edit_does_not_warn_about_the_parker_itself(clerk: ParkerService) -> None:
    parker = clerk.create(person("Self" + token(), email="self@example.edu"))
    assert clerk.find_duplicates(person(parker.last_name), exclude_id=parker.id) == []


def test_a_registered_plate_is_refused_naming_its_owner(clerk: ParkerService) -> None:
    region = jurisdiction()
    plate = plate_stem(6)
    owner = clerk.create(person("Owner" + token(), first="Olga"))
    clerk.add_vehicle(owner.id, VehicleInput(region, plate))
    other = clerk.create(person("Other" + token()))
    for allow in (False, True):
        with pytest.raises(ValidationError) as caught:
            clerk.add_vehicle(
                other.id,
                VehicleInput(region.lower(), f"{plate[:3]}-{plate[3:]}"),
                allow_duplicate=allow,
            )
        assert caught.value.problems[0].field == "plate"
        assert f"Olga {owner.last_name}" in caught.value.message
    assert clerk.get(other.id).vehicles == ()
    # The same plate elsewhere is another vehicle (SPEC rule 1).
    clerk.add_vehicle(other.id, VehicleInput(jurisdiction(), plate))


def test_a_look_alike_plate_warns_and_can_be_added_anyway(clerk: ParkerService) -> None:
    region = jurisdiction()
    stem = plate_stem(3)
    owner = clerk.create(person("Alike" + token()))
    clerk.add_vehicle(owner.id, VehicleInput(region, f"{stem}B0"))
    other = clerk.create(person("Alike" + token()))
    with pytest.raises(DuplicateWarning) as caught:
        clerk.add_vehicle(other.id, VehicleInput(region, f"{stem}8O"))
    assert [c.reason for c in caught.value.candidates] == ["look-alike plate"]
    assert clerk.get(other.id).vehicles == ()
    added = clerk.add_vehicle(other.id, VehicleInput(region, f"{stem}8O"), allow_duplicate=True)
    assert added.plate_normalized == f"{stem}8O"


def test_editing_a_vehicle_does_not_warn_about_itself(clerk: ParkerService) -> None:
    region = jurisdiction()
    parker = clerk.create(person("Itself" + token()))
    car = clerk.add_vehicle(parker.id, VehicleInput(region, plate_stem(6)))
    assert car.plate_normalized is not None
    same = clerk.update_vehicle(car.id, car.version, VehicleInput(region, car.plate_normalized))
    assert same.version == 2


# -- permissions --------------------------------------------------------------------------


def test_an_adjudicator_reads_but_cannot_register_or_edit(
    workspace_for: OpenWorkspace, clerk: ParkerService, database: Database
) -> None:
    adjudicator = ParkerService(workspace_for("adjudicator"))
    last = "Denied" + token()
    with pytest.raises(PermissionDenied):
        adjudicator.create(person(last))
    assert _count(database, last) == 0
    parker = clerk.create(person(last))
    assert adjudicator.get(parker.id).last_name == last
    with pytest.raises(PermissionDenied):
        adjudicator.update(parker.id, parker.version, person(last, notes="mine now"))
    with pytest.raises(PermissionDenied):
        adjudicator.add_vehicle(parker.id, VehicleInput("ON", plate_stem(6)))


def test_an_officer_cannot_search_parkers(workspace_for: OpenWorkspace) -> None:
    officer = ParkerService(workspace_for("officer"))
    with pytest.raises(PermissionDenied):
        officer.search("Smith")
    with pytest.raises(PermissionDenied):
        officer.search_plates("ABC123")


@pytest.mark.parametrize(
    "query",
    [
        "Van {tok}",
        "van {tok}, Milhouse",
        "Van {tok}, Mil",
        "Milhouse Van {tok}",
        "Milhouse Van",
        "Van {tok} Milhouse",
        "Van {tok},",
    ],
)
def test_search_finds_a_surname_of_several_words(clerk: ParkerService, query: str) -> None:
    tok = token().title()
    parker = clerk.create(person(f"Van {tok}", first="Milhouse"))
    found = [row.id for row in clerk.search(query.format(tok=tok), limit=500).rows]
    assert parker.id in found


def test_an_email_prefix_without_the_at_sign_finds_the_parker(
    workspace_for: Callable[[str], Workspace],
) -> None:
    tag = token()
    service = ParkerService(workspace_for("clerk"))
    created = service.create(
        ParkerInput("Olivia", f"Mailer{tag}", "staff", email=f"o.mailbox{tag}@example.edu")
    )
    page = service.search(f"o.mailbox{tag}")
    assert [row.id for row in page.rows] == [created.id]
