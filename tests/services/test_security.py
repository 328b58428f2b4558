"""The watchlist service as dispatchers use it: entries kept, hotlist files read, imported
whole or not at all, and written back out; alerts acknowledged once."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from desktop.services.errors import PermissionDenied, ValidationError
from desktop.services.security import (
    STATE_TITLES,
    EntryForm,
    WatchlistEntry,
    WatchlistService,
    read_hotlist,
)
from desktop.services.workspace import Workspace


def plate() -> str:
    return "H" + secrets.token_hex(3).upper()


@pytest.fixture
def dispatch(workspace_for: Callable[[str], Workspace]) -> WatchlistService:
    return WatchlistService(workspace_for("dispatcher"))


def test_a_hotlist_file_is_read_row_by_row_with_each_bad_row_named() -> None:
    content = (
        "Plate;State;Category;Effective;Expiry;Case;Officer\n"
        "abc-123;on;Stolen;2026-12-01;2027-01-31;26-4411;Smith\n"
        "AB*12;*;BOLO;;;\n"
        "\n"
        "A;ON;Stolen;;;\n"
        "XYZ789;Ontario;Stolen;12/01/2026;;\n"
        "QRS456;NY;Stolen;2027-02-01;2027-01-01;\n"
    )
    hotlist = read_hotlist(content, "America/Toronto")
    assert [(r.line, r.plate, r.jurisdiction, r.notes) for r in hotlist.rows] == [
        (2, "ABC123", "ON", "26-4411; Smith"),
        (3, "AB*12", "", ""),
    ]
    first = hotlist.rows[0]
    assert first.starts_at is not None
    assert first.expires_at is not None
    assert first.starts_at.isoformat() == "2026-12-01T00:00:00-05:00"
    assert first.expires_at.isoformat() == "2027-02-01T00:00:00-05:00"  # to the end of the 31st
    assert hotlist.problems == (
        "Line 5: A is not a plate (2 to 12 letters and digits, * for unknown characters).",
        "Line 6: Ontario is not a state or province code such as ON or NY; effective date "
        "12/01/2026 is not a date like 2026-12-31.",
        "Line 7: it expires before it takes effect.",
    )
    commas = read_hotlist("DEF456,QC,Stolen,,\n", "UTC")
    assert [(r.plate, r.jurisdiction) for r in commas.rows] == [("DEF456", "QC")]


def test_a_hotlist_with_a_bad_row_imports_nothing_and_a_good_one_imports_all(
    dispatch: WatchlistService,
) -> None:
    good, other = plate(), plate()
    before = len(dispatch.entries())
    with pytest.raises(ValidationError) as bad:
        dispatch.import_hotlist(
            f"{good};ON;Stolen;;\nA;ON;Stolen;;\n",
            source="bolo.csv",
            instruction="Call dispatch.",
            priority=1,
        )
    assert bad.value.problems[0].field == "file"
    assert bad.value.problems[0].message.startswith("Nothing was imported: 1 row cannot be read.")
    assert "Line 2: A is not a plate" in bad.value.problems[0].message
    assert len(dispatch.entries()) == before
    done = dispatch.import_hotlist(
        f"{good};ON;Stolen;;;case 12\n{other};;BOLO;;2099-12-31\n",
        source="bolo.csv",
        instruction="Call dispatch.",
        priority=1,
    )
    assert (done.added, done.renewed) == (2, 0)
    entries = {e.plate_pattern: e for e in dispatch.entries()}
    assert entries[good].reason == "Hotlist bolo.csv, line 1: case 12"
    assert entries[other].jurisdiction is None
    # Tomorrow's file, with the same plates: renewed, not added twice.
    again = dispatch.import_hotlist(
        f"{good.lower()};on;stolen;;2099-06-30;case 12, seen again\n{other};;BOLO;;2099-12-31\n",
        source="bolo-2.csv",
        instruction="Call dispatch.",
        priority=2,
    )
    assert (again.added, again.renewed) == (0, 2)
    assert again.words == "0 plates were added from the hotlist; 2 already on it were renewed."
    renewed = [e for e in dispatch.entries() if e.plate_pattern == good]
    assert len(renewed) == 1
    assert renewed[0].reason == "Hotlist bolo-2.csv, line 1: case 12, seen again"
    assert renewed[0].expires_at is not None
    assert renewed[0].expires_at.year == 2099
    exported = dispatch.export_hotlist()
    assert exported.startswith("plate;state;category;effective date;expiry date;notes\n")
    assert f"{other};;BOLO;" in exported
    assert ";2099-12-31;Call dispatch.\n" in exported


def test_an_entry_that_is_no_plate_is_refused_under_its_field(dispatch: WatchlistService) -> None:
    form = EntryForm(
        "A**", "ON", "BOLO", 2, "Seen leaving the scene.", "Call dispatch.", None, None
    )
    with pytest.raises(ValidationError) as bad:
        dispatch.save_entry(form)
    assert bad.value.problems[0].field == "plate"


def test_the_counter_keeps_no_watchlist(workspace_for: Callable[[str], Workspace]) -> None:
    clerk = WatchlistService(workspace_for("clerk"))
    with pytest.raises(PermissionDenied):
        clerk.entries()
    form = EntryForm(
        plate(), "ON", "BOLO", 2, "Seen leaving the scene.", "Call dispatch.", None, None
    )
    with pytest.raises(PermissionDenied):
        clerk.save_entry(form)


@pytest.mark.parametrize(
    ("days", "retired", "in_force", "state"),
    [
        ((-1, 1), False, True, ("in_force", "In force")),
        ((-2, -1), False, False, ("expired", "Expired")),
        ((1, 2), False, False, ("not_yet", "Not yet in force")),
        ((-2, -1), True, False, ("retired", "Retired")),
    ],
)
def test_an_entry_says_whether_it_ended_or_is_yet_to_start(
    days: tuple[int, int], retired: bool, in_force: bool, state: tuple[str, str]
) -> None:
    now = datetime.now(UTC)
    entry = WatchlistEntry(
        id=1, jurisdiction="ON", plate_pattern="ABC123", category="BOLO", priority=2,
        reason="", instruction="", starts_at=now + timedelta(days=days[0]),
        expires_at=now + timedelta(days=days[1]), retired_at=now if retired else None,
        retired_by=None, retire_reason=None, created_by="dara", created_at=now, version=1,
        in_force=in_force,
    )  # fmt: skip
    assert (entry.state, STATE_TITLES[entry.state]) == state
