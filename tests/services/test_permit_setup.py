"""The permit desk's setup as the manager mona and the clerk alice: types, lots, settings.

Permit types and lots get random codes, because the database is shared with every other
test. Office settings are saved only on a private server of this module: other tests
depend on the shared server's time zone and currency.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from desktop.services.errors import ConflictError, PermissionDenied, ValidationError
from desktop.services.localization import format_money, parse_money
from desktop.services.permit_setup import (
    LotDraft,
    LotInfo,
    OfficeSettingsDraft,
    PermitSetupService,
    PermitTypeDraft,
    ZoneDraft,
    next_academic_year,
)
from desktop.services.workspace import Workspace
from tests.conftest import Database
from tests.models.conftest import fresh_database

OpenWorkspace = Callable[[str], Workspace]


def code(prefix: str = "T") -> str:
    return prefix + "-" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(6))


def problems_of(exc: ValidationError) -> dict[str, str]:
    return {p.field: p.message for p in exc.problems}


@pytest.fixture
def manager(workspace_for: OpenWorkspace) -> PermitSetupService:
    return PermitSetupService(workspace_for("mona"))


@pytest.fixture
def clerk(workspace_for: OpenWorkspace) -> PermitSetupService:
    return PermitSetupService(workspace_for("alice"))


def new_lot(service: PermitSetupService, capacity: int = 20, **extra: object) -> LotInfo:
    return service.save_lot(LotDraft(code("L"), "Lot " + code(""), capacity, **extra)).lot  # type: ignore[arg-type]


def term_type(lot_ids: tuple[int, ...], **changes: object) -> PermitTypeDraft:
    draft = PermitTypeDraft(
        code=code("PT"),
        name="Faculty academic year",
        price="1,200.50",
        validity="term",
        term_start=date(2026, 9, 1),
        term_end=date(2027, 8, 31),
        affiliations=("staff", "faculty"),
        lot_ids=lot_ids,
        proration="monthly",
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


# -- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("480", "480.00"), ("480.00", "480.00"), ("1,200.50", "1200.50"), (" 0 ", "0.00")],
)
def test_amounts_are_read_as_typed_at_the_counter(typed: str, amount: str) -> None:
    price = parse_money(typed, field="price", label="the price", maximum=Decimal(100_000))
    assert price == Decimal(amount)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("abc", "as an amount such as 1,234.50"),
        ("-5", "cannot be negative"),
        ("1.234", "at most two decimals"),
        ("", "Enter the price"),
        ("12,34", "as an amount"),
        ("100000.01", "at most 100,000.00"),
    ],
)
def test_amounts_that_are_not_money_are_refused_with_the_fix(typed: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_money(typed, field="price", label="the price", maximum=Decimal(100_000))
    assert [p.field for p in caught.value.problems] == ["price"]
    assert words in caught.value.message


def test_money_is_shown_with_the_office_currency() -> None:
    assert format_money(Decimal("1200.5"), "USD") == "$1,200.50"
    assert format_money(Decimal(12), "CHF") == "CHF\u00a012.00"


# -- permit types ------------------------------------------------------------------------------


def test_manager_creates_a_permit_type_for_two_lots(manager: PermitSetupService) -> None:
    north, south = new_lot(manager), new_lot(manager)
    draft = term_type((north.id, south.id), code=code("pt").lower(), name="  Faculty   year ")
    saved = manager.save_permit_type(draft)

    assert saved.code == draft.code.upper()
    assert saved.name == "Faculty year"
    assert saved.price == Decimal("1200.50")
    assert set(saved.lot_ids) == {north.id, south.id}
    assert set(saved.lot_codes) == {north.code, south.code}
    assert saved.affiliations == ("faculty", "staff")
    assert saved.affiliation_words == "Faculty, Staff"
    assert saved.validity_words == "Term 1 Sep 2026 \u2013 31 Aug 2027"
    assert (saved.version, saved.updated_by) == (1, "mona")
    assert saved in manager.permit_types()


def test_editing_a_type_replaces_its_lots_and_moves_its_version(
    manager: PermitSetupService, database: Database
) -> None:
    north, south, east = new_lot(manager), new_lot(manager), new_lot(manager)
    created = manager.save_permit_type(term_type((north.id, south.id)))

    # Only the lots change: the version still moves, so a stale copy cannot undo it.
    draft = replace(PermitTypeDraft.of(created), lot_ids=(south.id, east.id))
    edited = manager.save_permit_type(draft, created.id, created.version)
    assert set(edited.lot_ids) == {south.id, east.id}
    assert edited.version == created.version + 1

    monthly = replace(PermitTypeDraft.of(edited), validity="monthly", proration="daily", price="45")
    edited = manager.save_permit_type(monthly, edited.id, edited.version)
    assert (edited.validity_words, edited.term_start, edited.term_end) == ("Monthly", None, None)
    assert edited.price == Decimal("45.00")

    days = replace(PermitTypeDraft.of(edited), validity="days", days=30, proration="none")
    assert manager.save_permit_type(days, edited.id, edited.version).validity_words == "30 days"

    # The unchanged lot (south) kept its row: only the removed and added rows were written.
    with database.admin() as conn:
        operations = conn.execute(
            "SELECT operation, new_row->>'lot_id', old_row->>'lot_id' FROM parkdesk.audit_log "
            "WHERE table_name = 'permit_type_lot' AND row_key = %s ORDER BY id",
            (str(created.id),),
        ).fetchall()
    assert operations == [
        ("INSERT", str(north.id), None),
        ("INSERT", str(south.id), None),
        ("DELETE", None, str(north.id)),
        ("INSERT", str(east.id), None),
    ]


def test_every_bad_field_is_named_at_once(manager: PermitSetupService) -> None:
    draft = PermitTypeDraft(
        code="bad code!",
        name=" ",
        price="abc",
        validity="term",
        term_start=date(2027, 1, 10),
        term_end=date(2026, 9, 1),
        affiliations=(),
        lot_ids=(),
        per_parker_limit=0,
        max_vehicles=6,
        offer_hours=0,
    )
    with pytest.raises(ValidationError) as caught:
        manager.save_permit_type(draft)
    problems = problems_of(caught.value)
    assert set(problems) == {
        "code",
        "name",
        "price",
        "term_end",
        "affiliations",
        "lots",
        "per_parker_limit",
        "max_vehicles",
        "offer_hours",
    }
    assert "before the first day (10 Jan 2027)" in problems["term_end"]
    assert "capital letters" in problems["code"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"price": "-5"}, "price", "cannot be negative"),
        ({"price": "1.234"}, "price", "two decimals"),
        ({"term_start": None}, "term_start", "first day of the term"),
        ({"term_end": None}, "term_end", "last day of the term"),
        ({"validity": "days", "days": 0, "proration": "none"}, "days", "1 to 730 days"),
        ({"validity": "days", "days": 731, "proration": "none"}, "days", "1 to 730 days"),
        ({"validity": "days", "days": 30, "proration": "daily"}, "proration", "full price"),
        ({"validity": "monthly", "proration": "monthly"}, "proration", "one month"),
        ({"validity": "weekly"}, "validity", "how long"),
        ({"affiliations": ("student", "alien")}, "affiliations", "at least one"),
        ({"sale_mode": "auction"}, "sale_mode", "how the permit is sold"),
    ],
)
def test_bad_prices_and_validity_are_field_problems(
    manager: PermitSetupService, changes: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        manager.save_permit_type(term_type((1,), **changes))
    problems = problems_of(caught.value)
    assert list(problems) == [field]
    assert words in problems[field]


def test_a_code_in_use_is_a_field_problem(manager: PermitSetupService) -> None:
    lot = new_lot(manager)
    first = manager.save_permit_type(term_type((lot.id,)))
    with pytest.raises(ValidationError) as caught:
        manager.save_permit_type(term_type((lot.id,), code=first.code))
    assert problems_of(caught.value) == {
        "code": f"The permit type {first.name} already has code {first.code}."
    }


def test_a_stale_permit_type_is_refused_naming_who_changed_it(
    manager: PermitSetupService, workspace_for: OpenWorkspace
) -> None:
    lot = new_lot(manager)
    created = manager.save_permit_type(term_type((lot.id,)))
    other_desk = PermitSetupService(workspace_for("mona"))
    other_desk.save_permit_type(
        replace(PermitTypeDraft.of(created), price="999"), created.id, created.version
    )

    with pytest.raises(ConflictError) as caught:
        manager.save_permit_type(
            replace(PermitTypeDraft.of(created), name="Renamed"), created.id, created.version
        )
    assert caught.value.changed_by == "mona"
    assert "permit type was changed by mona" in caught.value.message
    stored = manager.permit_type(created.id)
    assert (stored.name, stored.price, stored.version) == (created.name, Decimal(999), 2)


def test_a_clerk_cannot_change_the_setup(
    manager: PermitSetupService, clerk: PermitSetupService, database: Database
) -> None:
    lot = new_lot(manager)
    created = manager.save_permit_type(term_type((lot.id,)))

    with pytest.raises(PermissionDenied, match="Only a manager"):
        clerk.save_permit_type(term_type((lot.id,)))
    with pytest.raises(PermissionDenied):
        clerk.save_permit_type(PermitTypeDraft.of(created), created.id, created.version)
    with pytest.raises(PermissionDenied):
        clerk.save_lot(LotDraft.of(lot), lot.id, lot.version)
    # The database itself refuses, whatever the client: the clerk's own login.
    with database.connect("alice") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE parkdesk.permit_type SET price = 0 WHERE id = %s", (created.id,))

    # Clerks read the same lists, availability included.
    assert created.id in {t.id for t in clerk.permit_types()}
    seen = {lot.id: lot for lot in clerk.lots()}
    assert seen[lot.id].free == lot.capacity
    assert manager.permit_type(created.id).version == created.version


def test_inactive_types_are_listed_only_on_request(manager: PermitSetupService) -> None:
    lot = new_lot(manager)
    draft = term_type((lot.id,), active=False)
    withdrawn = manager.save_permit_type(draft)
    assert withdrawn.id in {t.id for t in manager.permit_types()}
    assert withdrawn.id not in {t.id for t in manager.permit_types(include_inactive=False)}


# -- lots and zones ----------------------------------------------------------------------------


def test_manager_creates_a_lot_with_zones_and_renames_one(manager: PermitSetupService) -> None:
    draft = LotDraft(
        code("l").lower(),
        " North  garage ",
        120,
        zones=(ZoneDraft("lvl-1", "Level 1"), ZoneDraft("LVL-2", "Level 2")),
    )
    saved = manager.save_lot(draft)
    lot = saved.lot
    assert (lot.code, lot.name, lot.capacity, lot.active) == (
        draft.code.upper(),
        "North garage",
        120,
        True,
    )
    assert [(z.code, z.name) for z in lot.zones] == [("LVL-1", "Level 1"), ("LVL-2", "Level 2")]
    assert (lot.taken, lot.offered, lot.free) == (0, 0, 120)
    assert saved.warning == ""

    renamed = replace(
        LotDraft.of(lot),
        zones=(replace(LotDraft.of(lot).zones[0], name="Ground level"), LotDraft.of(lot).zones[1]),
    )
    again = manager.save_lot(renamed, lot.id, lot.version).lot
    assert [z.name for z in again.zones] == ["Ground level", "Level 2"]
    zone = manager.add_zone(lot.id, "roof", "Roof")
    assert zone.code == "ROOF"
    with pytest.raises(ValidationError, match="already has a zone ROOF"):
        manager.add_zone(lot.id, "ROOF", "Roof again")


def test_bad_lot_fields_are_named(manager: PermitSetupService) -> None:
    with pytest.raises(ValidationError) as caught:
        manager.save_lot(
            LotDraft("", "", -1, zones=(ZoneDraft("A", "One"), ZoneDraft("a", ""))),
        )
    problems = problems_of(caught.value)
    assert set(problems) == {"code", "name", "capacity", "zones"}
    assert "Zone 2: another zone of this lot is A." in problems["zones"]
    assert "Zone 2: a name is 1 to 100 characters." in problems["zones"]


def test_capacity_below_the_permits_sold_is_allowed_with_a_warning(
    manager: PermitSetupService, database: Database
) -> None:
    lot = new_lot(manager, capacity=5)
    with database.admin() as conn:
        # Three permits valid now, as sales would have made them.
        for _ in range(3):
            conn.execute(
                "INSERT INTO parkdesk.permit (kind, lot_id, issued_validity, validity, price, "
                "free_reason) VALUES ('visitor', %(lot)s, tstzrange(now() - interval '1 hour', "
                "now() + interval '1 day'), tstzrange(now() - interval '1 hour', "
                "now() + interval '1 day'), 0, 'Test visitor')",
                {"lot": lot.id},
            )
    seen = manager.lot(lot.id)
    assert (seen.capacity, seen.taken, seen.free) == (5, 3, 2)

    lowered = manager.save_lot(replace(LotDraft.of(seen), capacity=2), seen.id, seen.version)
    assert (lowered.lot.capacity, lowered.lot.taken, lowered.lot.free) == (2, 3, 0)
    assert lowered.lot.over_capacity
    assert "now has 2 spaces but 3 permits are valid now" in lowered.warning
    assert "no new permits are sold" in lowered.warning

    closed = manager.save_lot(
        replace(LotDraft.of(lowered.lot), capacity=10, active=False),
        lowered.lot.id,
        lowered.lot.version,
    )
    assert "is closed" in closed.warning
    assert "3 permits valid now stay valid" in closed.warning


def test_a_stale_lot_is_refused(manager: PermitSetupService, workspace_for: OpenWorkspace) -> None:
    lot = new_lot(manager)
    other = PermitSetupService(workspace_for("mona"))
    other.save_lot(replace(LotDraft.of(lot), capacity=99), lot.id, lot.version)
    with pytest.raises(ConflictError, match="This lot was changed by mona"):
        manager.save_lot(replace(LotDraft.of(lot), capacity=1), lot.id, lot.version)
    assert manager.lot(lot.id).capacity == 99


def test_a_lot_code_in_use_is_a_field_problem(manager: PermitSetupService) -> None:
    lot = new_lot(manager)
    with pytest.raises(ValidationError) as caught:
        manager.save_lot(LotDraft(lot.code, "Another", 3))
    assert problems_of(caught.value)["code"] == f"The lot {lot.name} already has code {lot.code}."


# -- office settings (a private server: the shared one's settings must not move) ---------------


@pytest.fixture(scope="module")
def private() -> Iterator[Database]:
    with fresh_database({"mona": ["manager"], "max": ["manager"], "alice": ["clerk"]}) as db:
        yield db


@pytest.fixture
def private_service(private: Database) -> Iterator[Callable[[str], PermitSetupService]]:
    opened: list[Workspace] = []

    def _open(login: str) -> PermitSetupService:
        workspace = Workspace.open(private.settings(login))
        opened.append(workspace)
        return PermitSetupService(workspace)

    yield _open
    for workspace in opened:
        workspace.close()


def test_manager_saves_the_office_settings(
    private_service: Callable[[str], PermitSetupService],
) -> None:
    mona = private_service("mona")
    before = mona.office_settings()
    saved = mona.save_office_settings(
        OfficeSettingsDraft(
            office_name="  North Campus   Parking ",
            time_zone="America/Toronto",
            currency="cad",
            refund_approval_threshold="250",
            receipt_footer="Thank you. Keep this receipt.",
        ),
        before.version,
    )
    assert (saved.office_name, saved.time_zone, saved.currency) == (
        "North Campus Parking",
        "America/Toronto",
        "CAD",
    )
    assert saved.refund_approval_threshold == Decimal("250.00")
    assert (saved.version, saved.updated_by) == (before.version + 1, "mona")
    # Every desk reads them: the clerk too.
    assert private_service("alice").office_settings() == saved


def test_bad_office_settings_are_named_field_by_field(
    private_service: Callable[[str], PermitSetupService],
) -> None:
    mona = private_service("mona")
    before = mona.office_settings()
    with pytest.raises(ValidationError) as caught:
        mona.save_office_settings(
            OfficeSettingsDraft(
                office_name="",
                time_zone="Mars/Olympus_Mons",
                currency="dollars",
                refund_approval_threshold="-5",
                receipt_footer="x" * 301,
            ),
            before.version,
        )
    problems = problems_of(caught.value)
    assert set(problems) == {
        "office_name",
        "time_zone",
        "currency",
        "refund_approval_threshold",
        "receipt_footer",
    }
    assert "Mars/Olympus_Mons is not a time zone" in problems["time_zone"]
    assert "ISO 4217 code" in problems["currency"]
    assert mona.office_settings() == before


@pytest.mark.parametrize("code", ["DOL", "ABC", "$$$"])
def test_a_currency_is_a_code_babel_knows_not_any_three_letters(
    private_service: Callable[[str], PermitSetupService], code: str
) -> None:
    mona = private_service("mona")
    before = mona.office_settings()
    with pytest.raises(ValidationError) as caught:
        mona.save_office_settings(
            OfficeSettingsDraft(
                office_name=before.office_name,
                time_zone=before.time_zone,
                currency=code,
                refund_approval_threshold="100",
                receipt_footer="",
            ),
            before.version,
        )
    assert set(problems_of(caught.value)) == {"currency"}
    assert mona.office_settings() == before


def test_stale_office_settings_and_clerks_are_refused(
    private_service: Callable[[str], PermitSetupService],
) -> None:
    mona, max_ = private_service("mona"), private_service("max")
    loaded = mona.office_settings()
    draft = OfficeSettingsDraft.of(loaded)
    max_.save_office_settings(replace(draft, receipt_footer="Max was here"), loaded.version)
    with pytest.raises(ConflictError) as caught:
        mona.save_office_settings(replace(draft, office_name="Mona's office"), loaded.version)
    assert caught.value.changed_by == "max"
    assert "set of office settings was changed by max" in caught.value.message

    with pytest.raises(PermissionDenied):
        private_service("alice").save_office_settings(draft, loaded.version + 1)
    assert mona.office_settings().receipt_footer == "Max was here"


def test_office_settings_typed_with_other_spacing_are_no_change() -> None:
    saved = OfficeSettingsDraft("Parking Office", "America/Toronto", "CAD", "100.00", "Thanks")
    typed = OfficeSettingsDraft(
        "  Parking   Office ", "America/Toronto ", "cad", "100.00 ", "Thanks"
    )
    assert typed.same_as(saved)
    assert not OfficeSettingsDraft(
        "Parking Office", "America/Toronto", "CAD", "100.00", "Thank you"
    ).same_as(saved)


def test_a_new_permit_type_is_offered_the_academic_year_that_starts_next() -> None:
    assert next_academic_year(date(2026, 8, 31)) == (date(2026, 9, 1), date(2027, 8, 31))
    assert next_academic_year(date(2026, 9, 1)) == (date(2027, 9, 1), date(2028, 8, 31))
