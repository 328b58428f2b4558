"""The enforcement set-up as the manager mona, the clerk alice and the adjudicator adele.

Codes, prefixes and plates are random: the database is shared with every other test, so
no test assumes a table is empty. Office settings are saved only on a private server of
this module (other tests depend on the shared server's check-digit scheme and due days).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal

import pytest

from desktop.services.enforcement_setup import (
    DeviceDraft,
    EnforcementSettingsDraft,
    EnforcementSetupService,
    EscalationStageDraft,
    ExemptionDraft,
    FineRuleDraft,
    RangeDraft,
    RepeatFineDraft,
    SpoilDraft,
    ViolationDraft,
)
from desktop.services.errors import ConflictError, PermissionDenied, ValidationError
from desktop.services.permit_setup import LotDraft, PermitSetupService, ZoneDraft
from desktop.services.workspace import Workspace
from tests.citation_data import LETTERS, enforcement_field, luhn
from tests.conftest import LOGINS, Database
from tests.models.conftest import fresh_database

OpenWorkspace = Callable[[str], Workspace]


def letters(n: int = 6) -> str:
    return "".join(secrets.choice(LETTERS) for _ in range(n))


def problems_of(exc: ValidationError) -> dict[str, str]:
    return {p.field: p.message for p in exc.problems}


@pytest.fixture
def manager(workspace_for: OpenWorkspace) -> EnforcementSetupService:
    return EnforcementSetupService(workspace_for("mona"))


@pytest.fixture
def clerk(workspace_for: OpenWorkspace) -> EnforcementSetupService:
    return EnforcementSetupService(workspace_for("alice"))


def new_violation(service: EnforcementSetupService, fine: str = "40") -> int:
    saved = service.save_violation(
        ViolationDraft(
            code=f"V-{letters()}", description="Parked in a fire lane", default_fine=fine
        )
    )
    return saved.id


def new_lot_with_zone(workspace_for: OpenWorkspace) -> tuple[int, int]:
    saved = PermitSetupService(workspace_for("mona")).save_lot(
        LotDraft(f"L-{letters()}", f"Lot {letters()}", 10, zones=(ZoneDraft("Z1", "Front"),))
    )
    return saved.lot.id, saved.lot.zones[0].id


# -- violations and the fine schedule ------------------------------------------------------


def test_manager_creates_and_edits_a_violation_with_its_default_fine(
    manager: EnforcementSetupService,
) -> None:
    code = f"np-{letters(5)}"
    saved = manager.save_violation(
        ViolationDraft(code=f" {code} ", description="  No   valid permit ", default_fine="40")
    )
    assert saved.code == code.upper()
    assert saved.description == "No valid permit"
    assert saved.default_fine == Decimal("40.00")
    assert saved.repeat_window_days is None

    draft = replace(ViolationDraft.of(saved), default_fine="55.50", repeat_window_days="365")
    edited = manager.save_violation(draft, saved.id, saved.version)
    assert edited.default_fine == Decimal("55.50")
    assert edited.repeat_window_days == 365
    assert edited.version == saved.version + 1
    assert manager.violation(saved.id) == edited
    assert (edited.appealable, edited.appeal_window_days) == (True, None)

    shorter = manager.save_violation(
        replace(ViolationDraft.of(edited), appeal_window_days="14"), edited.id, edited.version
    )
    assert shorter.appeal_window_days == 14
    closed = manager.save_violation(
        replace(ViolationDraft.of(shorter), appealable=False), shorter.id, shorter.version
    )
    assert (closed.appealable, closed.appeal_window_days) == (False, None)
    with pytest.raises(ValidationError) as bad:
        manager.save_violation(
            replace(ViolationDraft.of(closed), appealable=True, appeal_window_days="400"),
            closed.id,
            closed.version,
        )
    assert "appeal_window_days" in problems_of(bad.value)


def test_a_stale_edit_is_a_conflict_naming_who_saved(
    manager: EnforcementSetupService, workspace_for: OpenWorkspace
) -> None:
    saved = manager.violation(new_violation(manager))
    other = EnforcementSetupService(workspace_for("mona"))
    other.save_violation(
        replace(ViolationDraft.of(saved), description="Changed first"), saved.id, saved.version
    )
    with pytest.raises(ConflictError) as caught:
        manager.save_violation(
            replace(ViolationDraft.of(saved), description="Changed second"), saved.id, saved.version
        )
    assert caught.value.changed_by == "mona"
    assert manager.violation(saved.id).description == "Changed first"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"code": "no spaces!"}, "code", "capital letters, digits or dashes"),
        ({"code": ""}, "code", "Enter a short code"),
        ({"description": "  "}, "description", "Say what the violation is"),
        ({"default_fine": "10000.01"}, "default_fine", "at most"),
        ({"default_fine": "-5"}, "default_fine", "cannot be negative"),
        ({"repeat_window_days": "0"}, "repeat_window_days", "from 1 to 3,650"),
    ],
)
def test_violation_problems_are_named_by_field(
    manager: EnforcementSetupService, changes: dict[str, str], field: str, words: str
) -> None:
    draft = replace(
        ViolationDraft(code=f"V-{letters()}", description="x", default_fine="5"), **changes
    )
    with pytest.raises(ValidationError) as caught:
        manager.save_violation(draft)
    assert words in problems_of(caught.value)[field]


def test_a_taken_code_is_refused_under_the_code(manager: EnforcementSetupService) -> None:
    saved = manager.violation(new_violation(manager))
    with pytest.raises(ValidationError) as caught:
        manager.save_violation(ViolationDraft(code=saved.code, description="Another"))
    assert "already the code" in problems_of(caught.value)["code"]


def test_fine_lines_by_lot_and_zone(
    manager: EnforcementSetupService, workspace_for: OpenWorkspace
) -> None:
    violation = new_violation(manager)
    lot, zone = new_lot_with_zone(workspace_for)
    in_lot = manager.save_fine_rule(FineRuleDraft(violation, lot, "60"))
    in_zone = manager.save_fine_rule(FineRuleDraft(violation, lot, "75.25", zone_id=zone))
    assert in_lot.zone_code is None
    assert in_zone.place_words.endswith(", zone Z1")
    assert in_zone.amount == Decimal("75.25")

    with pytest.raises(ValidationError) as caught:
        manager.save_fine_rule(FineRuleDraft(violation, lot, "61"))
    assert "already has a fine" in problems_of(caught.value)["lot_id"]

    with pytest.raises(ValidationError) as caught:
        manager.save_fine_rule(FineRuleDraft(violation, lot, "10001"))
    assert "at most" in problems_of(caught.value)["amount"]

    edited = manager.save_fine_rule(
        replace(FineRuleDraft.of(in_lot), amount="65"), in_lot.id, in_lot.version
    )
    assert edited.amount == Decimal("65.00")
    rules = {r.id for r in manager.overview().fine_rules}
    assert {in_lot.id, in_zone.id} <= rules


def test_repeat_offence_lines(manager: EnforcementSetupService) -> None:
    violation = new_violation(manager)
    lines = [
        manager.save_repeat_fine(RepeatFineDraft(violation, n, amount))
        for n, amount in ((1, "0"), (2, "10"), (3, "25"), (4, "50"))
    ]
    assert [line.offence_words for line in lines] == [
        "1st offence",
        "2nd offence",
        "3rd offence",
        "4th offence",
    ]
    with pytest.raises(ValidationError) as caught:
        manager.save_repeat_fine(RepeatFineDraft(violation, 2, "12"))
    assert "already has a line" in problems_of(caught.value)["offence"]
    changed = manager.save_repeat_fine(
        replace(RepeatFineDraft.of(lines[1]), amount="15"), lines[1].id, lines[1].version
    )
    assert changed.amount == Decimal("15.00")


# -- escalation ----------------------------------------------------------------------------


def test_escalation_stages(manager: EnforcementSetupService) -> None:
    # Days no other test's stage takes (the desk's test draws from 2300 up).
    days = 1000 + secrets.randbelow(1300)
    stage = manager.save_stage(EscalationStageDraft(days, "25", "Second notice"))
    assert (stage.after_days, stage.amount, stage.active) == (days, Decimal("25.00"), True)
    with pytest.raises(ValidationError) as caught:
        manager.save_stage(EscalationStageDraft(days, "5", "Again"))
    assert "already comes after" in problems_of(caught.value)["after_days"]
    with pytest.raises(ValidationError) as caught:
        manager.save_stage(EscalationStageDraft(0, "0", ""))
    problems = problems_of(caught.value)
    assert set(problems) == {"after_days", "description"}
    edited = manager.save_stage(
        replace(EscalationStageDraft.of(stage), sends_to_collections=True, active=False),
        stage.id,
        stage.version,
    )
    assert edited.sends_to_collections
    assert not edited.active


@pytest.mark.parametrize(
    ("days", "percent", "field"),
    [
        ("10", "", "discount_percent"),
        ("", "20", "discount_days"),
        ("10", "100", "discount_percent"),
    ],
)
def test_the_discount_is_both_days_and_percent_or_neither(
    manager: EnforcementSetupService, days: str, percent: str, field: str
) -> None:
    draft = replace(
        EnforcementSettingsDraft.of(manager.settings()),
        discount_days=days,
        discount_percent=percent,
    )
    with pytest.raises(ValidationError) as caught:
        manager.save_settings(draft, manager.settings().version)
    assert field in problems_of(caught.value)


@pytest.fixture(scope="module")
def private() -> Iterator[Database]:
    with fresh_database(LOGINS) as db:
        yield db


def test_settings_are_saved_with_a_sample_number_by_the_scheme(private: Database) -> None:
    from desktop.services.workspace import Workspace

    workspace = Workspace.open(private.settings("mona"))
    try:
        service = EnforcementSetupService(workspace)
        before = service.settings()
        assert before.sample_number == f"P001234{luhn('001234')}"
        draft = replace(
            EnforcementSettingsDraft.of(before),
            check_digit_scheme="mod7",
            discount_days="14",
            discount_percent="20",
            scofflaw_threshold=5,
        )
        after = service.save_settings(draft, before.version)
        assert after.scheme_words == "Mod 7"
        assert after.sample_number == f"P001234{1234 % 7}"
        assert (after.discount_days, after.discount_percent) == (14, Decimal("20.00"))
        assert after.scofflaw_threshold == 5
        with pytest.raises(ConflictError):
            service.save_settings(draft, before.version)
        assert service.sample_number("mod11") != ""
    finally:
        workspace.close()


# -- devices and numbers ---------------------------------------------------------------------


def test_devices_and_their_ranges(manager: EnforcementSetupService) -> None:
    device = manager.save_device(DeviceDraft(f"hh-{letters()}", "lpr_vehicle", "Car 4"))
    assert device.kind_words == "LPR vehicle"
    with pytest.raises(ValidationError) as caught:
        manager.save_device(DeviceDraft(device.code, "handheld"))
    assert "already has the code" in problems_of(caught.value)["code"]
    with pytest.raises(ValidationError) as caught:
        manager.save_device(DeviceDraft("x", "bike"))
    assert set(problems_of(caught.value)) == {"code", "kind"}
    edited = manager.save_device(
        replace(DeviceDraft.of(device), active=False), device.id, device.version
    )
    assert not edited.active

    prefix = letters(4)
    numbers = manager.add_range(RangeDraft(device.id, prefix.lower(), "1", "5000", 6))
    assert (numbers.prefix, numbers.issued, numbers.spoiled, numbers.left) == (prefix, 0, 0, 5000)
    with pytest.raises(ValidationError) as caught:
        manager.add_range(RangeDraft(device.id, prefix, "4000", "9000", 6))
    assert device.code in problems_of(caught.value)["first_seq"]
    with pytest.raises(ValidationError) as caught:
        manager.add_range(RangeDraft(device.id, "P1", "9", "2", 4))
    assert set(problems_of(caught.value)) == {"prefix", "last_seq"}


def test_spoiling_numbers_and_an_issued_number_is_refused(
    database: Database, manager: EnforcementSetupService
) -> None:
    field = enforcement_field(database)
    issued = field.issue()  # sequence 1
    ranges = [r for r in manager.overview().ranges if r.prefix == field.prefix]
    assert len(ranges) == 1
    numbers = ranges[0]
    assert numbers.issued == 1

    assert manager.spoil_numbers(SpoilDraft(numbers.id, "10", "19", "Torn book")) == 10
    assert manager.spoil_numbers(SpoilDraft(numbers.id, "15", "20", "Again")) == 1
    assert manager.number_range(numbers.id).spoiled == 11

    with pytest.raises(ValidationError) as caught:
        manager.spoil_numbers(SpoilDraft(numbers.id, "1", "3", "Lost device"))
    assert issued.number in problems_of(caught.value)["first"]
    with pytest.raises(ValidationError) as caught:
        manager.spoil_numbers(SpoilDraft(numbers.id, "30", "", "x"))
    assert set(problems_of(caught.value)) == {"reason"}
    with pytest.raises(ValidationError) as caught:
        manager.spoil_numbers(SpoilDraft(numbers.id, "1", "5000", "Too many"))
    assert "1,000" in problems_of(caught.value)["last"]


# -- zones and exemptions ----------------------------------------------------------------------


def test_zone_time_limits(manager: EnforcementSetupService, workspace_for: OpenWorkspace) -> None:
    _lot, zone_id = new_lot_with_zone(workspace_for)
    zone = manager.zone(zone_id)
    limited = manager.save_zone_limit(zone.id, "90", zone.version)
    assert (limited.time_limit_minutes, limited.limit_words) == (90, "1 h 30 min")
    with pytest.raises(ValidationError) as caught:
        manager.save_zone_limit(zone.id, "2", limited.version)
    assert "5 to 1,440" in problems_of(caught.value)["time_limit_minutes"]
    cleared = manager.save_zone_limit(zone.id, "", limited.version)
    assert cleared.limit_words == "No limit"


def test_exemptions_are_added_and_ended_never_removed(
    manager: EnforcementSetupService,
) -> None:
    plate = f"{letters(3)} {secrets.randbelow(900) + 100}"
    added = manager.save_exemption(ExemptionDraft("on", plate, "Fire marshal's car"))
    assert added.plate_normalized == plate.replace(" ", "")
    assert (added.place_words, added.status_words) == ("Every lot", "In force")
    ended = manager.end_exemption(added.id, added.version)
    assert ended.status_words == "Ended"
    assert ended.ends_at is not None
    with pytest.raises(ValidationError):
        manager.end_exemption(ended.id, ended.version)

    with pytest.raises(ValidationError) as caught:
        manager.save_exemption(
            ExemptionDraft("Ontario", "!!", "ok", starts="31 May 2027 10:00", ends="1 May 2027")
        )
    assert set(problems_of(caught.value)) == {"jurisdiction", "plate", "reason", "ends"}
    with pytest.raises(ValidationError) as caught:
        manager.save_exemption(ExemptionDraft("ON", "ABC123", "Visiting", starts="tomorrow"))
    assert "such as 15 May 2027 12:00" in problems_of(caught.value)["starts"]


# -- who may change what ----------------------------------------------------------------


def test_clerk_reads_but_is_refused_every_write(
    clerk: EnforcementSetupService, manager: EnforcementSetupService
) -> None:
    violation = new_violation(manager)
    overview = clerk.overview()
    assert violation in {v.id for v in overview.violations}
    assert overview.settings.sample_number.startswith("P")  # a pure computation: any desk
    for write in (
        lambda: clerk.save_violation(ViolationDraft("X-1", "x")),
        lambda: clerk.save_stage(EscalationStageDraft(5, "5", "x")),
        lambda: clerk.save_device(DeviceDraft("HH-1", "handheld")),
        lambda: clerk.spoil_numbers(SpoilDraft(1, "1", "1", "xyz")),
        lambda: clerk.save_exemption(ExemptionDraft("ON", "A1", "xyz")),
        lambda: clerk.save_zone_limit(1, "30", 1),
    ):
        with pytest.raises(PermissionDenied):
            write()


def test_the_database_refuses_a_clerk_who_bypasses_the_service(
    connect_as: Callable[[str], object],
) -> None:
    import psycopg

    conn = connect_as("clerk")
    assert isinstance(conn, psycopg.Connection)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("INSERT INTO violation (code, description) VALUES ('ZZ-9', 'x')")
    conn.rollback()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT spoil_numbers(1, 1, 1, 'because')")
