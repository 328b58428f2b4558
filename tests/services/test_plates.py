"""Plate rules: normalisation is identity (SPEC rule 1), look-alikes are for search (rule 2).

The Python functions must agree with the generated columns ``vehicle.plate_normalized``
and ``vehicle.plate_skeleton``: the service checks duplicates in Python and the
database enforces identity, so any disagreement lets one plate be stored twice.
"""

from __future__ import annotations

import itertools

import pytest

from desktop.services.errors import ValidationError
from desktop.services.plates import (
    is_plate_like,
    normalize_plate,
    plate_skeleton,
    split_jurisdiction,
    validate_jurisdiction,
    validate_plate,
)
from tests.conftest import Database

#: SPEC rule 2, written out again here on purpose rather than imported from the code.
LOOK_ALIKE_GROUPS = ["0ODQ", "1IL", "2Z", "5S", "8B", "6G"]


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("abc-123", "ABC123"),
        ("ABC 123", "ABC123"),
        ("a.b.c 1-2-3", "ABC123"),
        ("  xyz\t987 ", "XYZ987"),
        ("ab--12..cd", "AB12CD"),
        ("7", "7"),
    ],
)
def test_normalisation_upper_cases_and_drops_spaces_dashes_and_dots(
    typed: str, normalized: str
) -> None:
    assert normalize_plate(typed) == normalized
    assert validate_plate(typed) == normalized


@pytest.mark.parametrize("group", LOOK_ALIKE_GROUPS)
def test_every_member_of_a_look_alike_group_has_the_same_skeleton(group: str) -> None:
    skeletons = {plate_skeleton(f"A{ch}7") for ch in group}
    assert len(skeletons) == 1, f"{group} should collapse to one character, got {skeletons}"


def test_different_look_alike_groups_stay_apart() -> None:
    representatives = [plate_skeleton(group[0]) for group in LOOK_ALIKE_GROUPS]
    assert len(set(representatives)) == len(LOOK_ALIKE_GROUPS)


def test_characters_outside_the_groups_are_kept() -> None:
    confusable = set("".join(LOOK_ALIKE_GROUPS))
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
        if ch not in confusable:
            assert plate_skeleton(ch) == ch


@pytest.mark.parametrize(
    "typed",
    [
        "AB$12",  # not a letter or digit
        "ABCDEFGHIJK",  # 11 characters
        "AB_12",
        "ÄB12",  # not A-Z
        "AB\u00a012",  # no-break space: PostgreSQL keeps it, so it is not a separator
        "\ufb01 12",  # the "ﬁ" ligature would upper-case to "FI" in Python only
        "stra\u00dfe",  # "ß" would become "SS" in Python only
        "x" * 21,
    ],
)
def test_invalid_plates_are_refused_naming_the_plate_field(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_plate(typed)
    assert [p.field for p in caught.value.problems] == ["plate"]
    assert not is_plate_like(typed)


def test_an_empty_plate_asks_for_the_plate_or_a_status() -> None:
    with pytest.raises(ValidationError, match="unreadable"):
        validate_plate(" - ")


@pytest.mark.parametrize("code", ["ON", "qc", " NY ", "US-CA", "MX-CMX"])
def test_jurisdictions(code: str) -> None:
    assert validate_jurisdiction(code) == code.strip().upper()


@pytest.mark.parametrize("code", ["", "O", "ONT", "O1", "US-", "US-ABCD"])
def test_bad_jurisdictions_name_the_field(code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_jurisdiction(code)
    assert caught.value.problems[0].field == "jurisdiction"


SAMPLE_PLATES = [
    "abc-123",
    "AB 0123",
    "ab.o.123",
    "d1lz5sb8g6",
    "QQ-QQ",
    "bolt 2",
    " 8B8 ",
    "z9\t9",
    *("".join(p) for p in itertools.islice(itertools.permutations("O0I1S5", 4), 12)),
    # Text Python and PostgreSQL treat differently: the service must refuse all of these,
    # whatever the database would have made of them.
    "AB\u00a0123",
    "AB\u2003123",
    "\u0131x1",
    "\u017f1",
    "AB\x1c12",
]


def test_database_generated_columns_agree_with_python(database: Database) -> None:
    with database.admin() as conn:
        for typed in SAMPLE_PLATES:
            row = conn.execute(
                "SELECT upper(regexp_replace(%(raw)s, '[[:space:].-]', '', 'g')), "
                "translate(upper(regexp_replace(%(raw)s, '[[:space:].-]', '', 'g')), "
                "'OQDILZSBG', '000112586')",
                {"raw": typed},
            ).fetchone()
            assert row is not None
            db_normalized, db_skeleton = row
            if is_plate_like(typed):
                assert normalize_plate(typed) == db_normalized, typed
                assert plate_skeleton(normalize_plate(typed)) == db_skeleton, typed
        conn.rollback()


def test_stored_vehicles_carry_the_same_normalised_plate_and_skeleton(
    database: Database,
) -> None:
    """The real generated columns, not a copy of their expression."""
    valid = [p for p in SAMPLE_PLATES if is_plate_like(p)]
    assert len(valid) >= 15
    with database.admin() as conn:
        for n, typed in enumerate(valid):
            # A made-up jurisdiction per plate: identical normalised plates stay legal,
            # and the rows are rolled back anyway.
            row = conn.execute(
                "INSERT INTO parkdesk.vehicle (jurisdiction, plate_raw) VALUES (%s, %s) "
                "RETURNING plate_raw, plate_normalized, plate_skeleton",
                (f"ZZ-{n}", typed),
            ).fetchone()
            assert row == (typed, normalize_plate(typed), plate_skeleton(normalize_plate(typed)))
        conn.rollback()


def test_a_vehicle_without_a_readable_plate_has_no_normalised_plate(database: Database) -> None:
    with database.admin() as conn:
        row = conn.execute(
            "INSERT INTO parkdesk.vehicle (jurisdiction, plate_raw, plate_status) "
            "VALUES ('ON', '', 'unreadable') RETURNING plate_normalized, plate_skeleton"
        ).fetchone()
        assert row == (None, None)
        conn.rollback()


KNOWN = {"ON", "BC", "QC", "NY", "AB"}


@pytest.mark.parametrize(
    ("typed", "split"),
    [
        ("BC GZ620E", ("BC", "GZ620E")),
        ("  bc   GZ 620E ", ("BC", "GZ 620E")),
        ("GZ620E (BC)", ("BC", "GZ620E")),
        ("GZ620E(bc)", ("BC", "GZ620E")),
        ("BCGZ620E", (None, "BCGZ620E")),  # no space: a plate, never split
        ("XX GZ620E", (None, "XX GZ620E")),  # not a jurisdiction this office knows
        ("ABC 123", (None, "ABC 123")),  # three letters: the plate's own first group
        ("AB$%", (None, "AB$%")),
        ("BC ", (None, "BC ")),  # nothing after the code
        ("BC --", (None, "BC --")),  # nothing plate-like after it
    ],
)
def test_a_jurisdiction_typed_with_the_plate_is_taken_apart(
    typed: str, split: tuple[str | None, str]
) -> None:
    assert split_jurisdiction(typed, KNOWN) == split
