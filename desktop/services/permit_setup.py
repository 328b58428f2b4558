"""What a manager sets up for the permit desk: permit types, lots and zones, office settings.

Managers edit; clerks read the same lists (the column grants of the database decide, the
service only words the refusal first). Every field is checked here so a dialog can mark
every wrong field at once; the table constraints stay the backstop. Writes check the
version the manager loaded and name who changed the record in between when it no
longer matches.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from desktop.models.parker import AFFILIATIONS
from desktop.models.permits import PRORATIONS, SALE_MODES, VALIDITY_KINDS
from desktop.services.contacts import DEFAULT_REGION, is_region
from desktop.services.errors import (
    FieldProblem,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from desktop.services.localization import format_day, is_currency_code, parse_money
from desktop.services.parkers import AFFILIATION_TITLES
from desktop.services.records import record
from desktop.services.versioned import insert_row, update_at_version
from desktop.services.workspace import Workspace

DESK = "permit_setup"

VALIDITY_TITLES = {
    "term": "Fixed term (a semester, an academic year…)",
    "monthly": "Monthly (the calendar month it starts in)",
    "days": "A number of days from the start date",
}
SALE_MODE_TITLES = {"first_come": "First come", "waitlist": "Waitlist"}
SALE_MODE_CHOICES = {
    "first_come": "First come, first served",
    "waitlist": "Only through the waitlist",
}
PRORATION_TITLES = {
    "none": "Full price whatever the start date",
    "daily": "By the day remaining",
    "monthly": "By the month remaining (a started month counts in full)",
}

MAX_PRICE = Decimal(100_000)
MAX_THRESHOLD = Decimal(1_000_000)
MAX_CAPACITY = 100_000
MAX_DAYS = 730
MAX_FOOTER = 300
#: The late-start pricing that means something for each kind of validity (the permit type
#: dialog offers only these).
PRORATIONS_FOR: dict[str, tuple[str, ...]] = {
    "term": PRORATIONS,
    "monthly": ("none", "daily"),
    "days": ("none",),
}
_PRORATION_REFUSALS = {
    "monthly": "A monthly permit covers one month: choose full price or by the day.",
    "days": "A permit of a number of days starts on the day it is sold, "
    "so it is always sold at full price.",
}

_CODE = re.compile(r"[A-Z0-9-]{1,12}")
_CENT = Decimal("0.01")
#: The regions of current IANA zone names (the rest are old aliases such as US/Eastern).
_ZONE_REGIONS = {
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
}

#: Currencies shown with a symbol; any other code is written before the amount.


# -- words for people --------------------------------------------------------------


def time_zone_choices() -> list[str]:
    """IANA zone names people pick from (the deprecated aliases left out), sorted."""
    return [
        *sorted(z for z in zoneinfo.available_timezones() if z.partition("/")[0] in _ZONE_REGIONS),
        "UTC",
    ]


# -- what the service hands back ---------------------------------------------------------


@dataclass(frozen=True)
class PermitTypeInfo:
    id: int
    code: str
    name: str
    price: Decimal
    validity: str
    term_start: date | None
    term_end: date | None
    days: int | None
    affiliations: tuple[str, ...]
    lot_ids: tuple[int, ...]
    lot_codes: tuple[str, ...]
    per_parker_limit: int
    max_vehicles: int
    sale_mode: str
    proration: str
    offer_hours: int
    active: bool
    version: int
    updated_by: str
    updated_at: datetime

    @property
    def validity_words(self) -> str:
        """'Term 1 Sep 2026 \u2013 31 Aug 2027' (an en dash), 'Monthly' or '30 days'."""
        if self.validity == "term" and self.term_start and self.term_end:
            return f"Term {format_day(self.term_start)} \u2013 {format_day(self.term_end)}"
        if self.validity == "days" and self.days:
            return "1 day" if self.days == 1 else f"{self.days} days"
        return "Monthly"

    @property
    def affiliation_words(self) -> str:
        """'Faculty, Staff' in the order the parker form lists affiliations."""
        return ", ".join(AFFILIATION_TITLES[a] for a in AFFILIATIONS if a in self.affiliations)

    @property
    def sale_mode_words(self) -> str:
        return SALE_MODE_TITLES.get(self.sale_mode, self.sale_mode)

    @property
    def proration_words(self) -> str:
        return PRORATION_TITLES.get(self.proration, self.proration)


@dataclass(frozen=True)
class LotZone:
    id: int
    lot_id: int
    code: str
    name: str
    version: int


@dataclass(frozen=True)
class LotInfo:
    id: int
    code: str
    name: str
    capacity: int
    active: bool
    #: Permits valid now, spaces held for waitlist offers, and what is left to sell.
    taken: int
    offered: int
    free: int
    version: int
    updated_by: str
    updated_at: datetime
    zones: tuple[LotZone, ...] = ()

    @property
    def over_capacity(self) -> bool:
        return self.taken + self.offered > self.capacity

    @property
    def zone_codes(self) -> str:
        return ", ".join(z.code for z in self.zones)


@dataclass(frozen=True)
class LotSaved:
    """A saved lot, and what the manager should know about it (empty if nothing)."""

    lot: LotInfo
    warning: str = ""


@dataclass(frozen=True)
class OfficeSettings:
    office_name: str
    time_zone: str
    currency: str
    refund_approval_threshold: Decimal
    receipt_footer: str
    version: int
    updated_by: str
    updated_at: datetime
    #: Free temporary permits a plate may have in a rolling window before only a manager
    #: may issue more.
    free_days_per_plate: int = 7
    free_days_window: int = 90
    #: Where a phone number typed without a country code is from.
    phone_region: str = DEFAULT_REGION


@dataclass(frozen=True)
class SetupOverview:
    """Everything the setup desk shows, read in one transaction."""

    permit_types: tuple[PermitTypeInfo, ...]
    lots: tuple[LotInfo, ...]
    office: OfficeSettings


# -- what the manager typed ------------------------------------------------------------


@dataclass(frozen=True)
class PermitTypeDraft:
    """A permit type as typed; ``price`` is the text from the field."""

    code: str
    name: str
    price: str
    validity: str
    term_start: date | None = None
    term_end: date | None = None
    days: int | None = None
    affiliations: tuple[str, ...] = ()
    lot_ids: tuple[int, ...] = ()
    per_parker_limit: int = 1
    max_vehicles: int = 2
    sale_mode: str = "first_come"
    proration: str = "none"
    offer_hours: int = 48
    active: bool = True

    @classmethod
    def of(cls, info: PermitTypeInfo) -> PermitTypeDraft:
        """The saved type as a draft (the price written as the field shows it)."""
        return record(cls, info, price=f"{info.price:.2f}")

    def cleaned(self) -> dict[str, Any]:
        """The values as the database takes them, or a :class:`ValidationError` naming
        every bad field (names as in the permit type dialog)."""
        code = self.code.strip().upper()
        name = " ".join(self.name.split())
        problems = _code_and_name_problems(code, name, "FAC-AY", "clerks and parkers see")
        price = Decimal(0)
        try:
            price = parse_money(self.price, field="price", label="the price", maximum=MAX_PRICE)
        except ValidationError as exc:
            problems.extend(exc.problems)
        problems.extend(self._validity_problems())
        affiliations = tuple(a for a in AFFILIATIONS if a in self.affiliations)
        if not affiliations or len(affiliations) != len(set(self.affiliations)):
            problems.append(
                FieldProblem("affiliations", "Tick at least one affiliation that may buy it.")
            )
        if not self.lot_ids:
            problems.append(FieldProblem("lots", "Tick at least one lot the permit is for."))
        if self.sale_mode not in SALE_MODES:
            problems.append(FieldProblem("sale_mode", "Choose how the permit is sold."))
        for field, label, low, high in (
            ("per_parker_limit", "The limit per parker", 1, 10),
            ("max_vehicles", "The number of vehicles", 1, 5),
            ("offer_hours", "The offer time", 1, 720),
        ):
            if not low <= getattr(self, field) <= high:
                problems.append(FieldProblem(field, f"{label} is from {low} to {high}."))
        if problems:
            raise ValidationError(problems)
        term = self.validity == "term"
        return {
            "code": code,
            "name": name,
            "price": price,
            "validity": self.validity,
            "term_start": self.term_start if term else None,
            "term_end": self.term_end if term else None,
            "days": self.days if self.validity == "days" else None,
            "affiliations": list(affiliations),
            "per_parker_limit": self.per_parker_limit,
            "max_vehicles": self.max_vehicles,
            "sale_mode": self.sale_mode,
            "proration": self.proration,
            "offer_hours": self.offer_hours,
            "active": self.active,
        }

    def _validity_problems(self) -> list[FieldProblem]:
        """The term dates or number of days the kind of validity needs, and a late-start
        rule that makes sense for it."""
        problems: list[FieldProblem] = []
        if self.validity not in VALIDITY_KINDS:
            problems.append(FieldProblem("validity", "Choose how long the permit is valid."))
        elif self.validity == "term":
            if self.term_start is None:
                problems.append(FieldProblem("term_start", "Choose the first day of the term."))
            if self.term_end is None:
                problems.append(FieldProblem("term_end", "Choose the last day of the term."))
            elif self.term_start is not None and self.term_end < self.term_start:
                problems.append(
                    FieldProblem(
                        "term_end",
                        f"The last day is before the first day ({format_day(self.term_start)}).",
                    )
                )
        elif self.validity == "days" and (self.days is None or not 1 <= self.days <= MAX_DAYS):
            problems.append(FieldProblem("days", f"A permit lasts 1 to {MAX_DAYS} days."))
        if self.proration not in PRORATIONS:
            problems.append(FieldProblem("proration", "Choose how a late start is priced."))
        elif self.proration not in PRORATIONS_FOR.get(self.validity, PRORATIONS):
            problems.append(FieldProblem("proration", _PRORATION_REFUSALS[self.validity]))
        return problems


def next_academic_year(today: date) -> tuple[date, date]:
    """1 September to 31 August of the academic year that starts next: the term a new
    permit type is offered with."""
    year = today.year if today.month < 9 else today.year + 1
    return date(year, 9, 1), date(year + 1, 8, 31)


def _code_and_name_problems(code: str, name: str, example: str, shown: str) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not code:
        problems.append(FieldProblem("code", f"Enter a short code, such as {example}."))
    elif not _CODE.fullmatch(code):
        problems.append(
            FieldProblem("code", "A code is 1 to 12 capital letters, digits or dashes.")
        )
    if not name:
        problems.append(FieldProblem("name", f"Enter the name {shown}."))
    elif len(name) > 100:
        problems.append(FieldProblem("name", "A name is at most 100 characters."))
    return problems


@dataclass(frozen=True)
class ZoneDraft:
    """A zone of a lot as typed; ``zone_id`` and ``version`` are None for a new one."""

    code: str
    name: str
    zone_id: int | None = None
    version: int | None = None

    def cleaned(self) -> ZoneDraft:
        """Trimmed and upper-cased, as saved (:meth:`problems` says whether it may be)."""
        return ZoneDraft(
            self.code.strip().upper(), " ".join(self.name.split()), self.zone_id, self.version
        )

    def problems(self) -> list[str]:
        clean = self.cleaned()
        found = []
        if not _CODE.fullmatch(clean.code):
            found.append("a code is 1 to 12 capital letters, digits or dashes.")
        if not 1 <= len(clean.name) <= 100:
            found.append("a name is 1 to 100 characters.")
        return found


@dataclass(frozen=True)
class LotDraft:
    code: str
    name: str
    capacity: int
    active: bool = True
    zones: tuple[ZoneDraft, ...] = ()

    @classmethod
    def of(cls, lot: LotInfo) -> LotDraft:
        zones = tuple(ZoneDraft(z.code, z.name, z.id, z.version) for z in lot.zones)
        return record(cls, lot, zones=zones)

    def cleaned(self) -> LotDraft:
        code = self.code.strip().upper()
        name = " ".join(self.name.split())
        problems = _code_and_name_problems(code, name, "LOT-B", "on signs and permits")
        if not 0 <= self.capacity <= MAX_CAPACITY:
            problems.append(
                FieldProblem("capacity", f"Capacity is from 0 to {MAX_CAPACITY:,} spaces.")
            )
        zones: list[ZoneDraft] = []
        seen: set[str] = set()
        zone_problems: list[str] = []
        for number, zone in enumerate(self.zones, start=1):
            clean = zone.cleaned()
            zone_problems.extend(f"Zone {number}: {p}" for p in zone.problems())
            if clean.code in seen:
                zone_problems.append(f"Zone {number}: another zone of this lot is {clean.code}.")
            seen.add(clean.code)
            zones.append(clean)
        if zone_problems:
            problems.append(FieldProblem("zones", "\n".join(zone_problems)))
        if problems:
            raise ValidationError(problems)
        return LotDraft(code, name, self.capacity, self.active, tuple(zones))


@dataclass(frozen=True)
class OfficeSettingsDraft:
    office_name: str
    time_zone: str
    currency: str
    refund_approval_threshold: str
    receipt_footer: str = ""
    free_days_per_plate: int = 7
    free_days_window: int = 90
    phone_region: str = DEFAULT_REGION

    @classmethod
    def of(cls, office: OfficeSettings) -> OfficeSettingsDraft:
        threshold = f"{office.refund_approval_threshold:.2f}"
        return record(cls, office, refund_approval_threshold=threshold)

    def same_as(self, other: OfficeSettingsDraft) -> bool:
        """Whether saving this would change nothing: spacing and the case of the currency
        code are not changes (:meth:`cleaned` tidies them)."""
        return self._tidied() == other._tidied()

    def _tidied(self) -> tuple[object, ...]:
        return (
            " ".join(self.office_name.split()),
            self.time_zone.strip(),
            self.currency.strip().upper(),
            self.refund_approval_threshold.strip(),
            self.receipt_footer.strip(),
            self.free_days_per_plate,
            self.free_days_window,
            self.phone_region.strip().upper(),
        )

    def cleaned(self) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        office_name = " ".join(self.office_name.split())
        time_zone = self.time_zone.strip()
        currency = self.currency.strip().upper()
        footer = self.receipt_footer.strip()
        if not office_name:
            problems.append(FieldProblem("office_name", "Enter the office's name."))
        elif len(office_name) > 100:
            problems.append(FieldProblem("office_name", "A name is at most 100 characters."))
        if not time_zone:
            problems.append(
                FieldProblem("time_zone", "Choose the office's time zone, such as America/Toronto.")
            )
        elif time_zone not in zoneinfo.available_timezones():
            problems.append(
                FieldProblem(
                    "time_zone",
                    f"{time_zone} is not a time zone; pick one from the list, "
                    "such as America/Toronto.",
                )
            )
        if not is_currency_code(currency):
            problems.append(
                FieldProblem(
                    "currency",
                    "Use the three-letter ISO 4217 code of the office's currency, "
                    "such as CAD or USD.",
                )
            )
        threshold = Decimal(0)
        try:
            threshold = parse_money(
                self.refund_approval_threshold,
                field="refund_approval_threshold",
                label="the refund approval threshold",
                currency=currency if is_currency_code(currency) else "",
                maximum=MAX_THRESHOLD,
            )
        except ValidationError as exc:
            problems.extend(exc.problems)
        if len(footer) > MAX_FOOTER:
            problems.append(
                FieldProblem(
                    "receipt_footer",
                    f"The footer is at most {MAX_FOOTER} characters ({len(footer)} now).",
                )
            )
        if not 0 <= self.free_days_per_plate <= 366:
            problems.append(
                FieldProblem("free_days_per_plate", "Free days per plate are 0 to 366.")
            )
        if not 1 <= self.free_days_window <= 730:
            problems.append(FieldProblem("free_days_window", "The window is 1 to 730 days."))
        region = self.phone_region.strip().upper()
        if not is_region(region):
            problems.append(
                FieldProblem(
                    "phone_region", "Choose the country the office's phone numbers are in."
                )
            )
        if problems:
            raise ValidationError(problems)
        return {
            "office_name": office_name,
            "time_zone": time_zone,
            "currency": currency,
            "refund_approval_threshold": threshold,
            "receipt_footer": footer,
            "free_days_per_plate": self.free_days_per_plate,
            "free_days_window": self.free_days_window,
            "phone_region": region,
        }


# -- SQL --------------------------------------------------------------------------------

_TYPE_SQL = """
SELECT t.id, t.code, t.name, t.price, t.validity, t.term_start, t.term_end, t.days,
       t.affiliations, t.per_parker_limit, t.max_vehicles, t.sale_mode, t.proration,
       t.offer_hours, t.active, t.version, t.updated_by, t.updated_at,
       coalesce(array_agg(l.id ORDER BY l.code) FILTER (WHERE l.id IS NOT NULL), '{}')
           AS lot_ids,
       coalesce(array_agg(l.code ORDER BY l.code) FILTER (WHERE l.id IS NOT NULL), '{}')
           AS lot_codes
FROM parkdesk.permit_type t
LEFT JOIN parkdesk.permit_type_lot tl ON tl.permit_type_id = t.id
LEFT JOIN parkdesk.lot l ON l.id = tl.lot_id
WHERE (:include_inactive OR t.active) AND (CAST(:id AS bigint) IS NULL OR t.id = :id)
GROUP BY t.id
ORDER BY t.code
"""

_LOT_SQL = """
SELECT l.id, l.code, l.name, l.capacity, l.active, l.version, l.updated_by, l.updated_at,
       a.taken, a.offered, a.free
FROM parkdesk.lot l CROSS JOIN LATERAL parkdesk.lot_availability(l.id) a
WHERE CAST(:id AS bigint) IS NULL OR l.id = :id
ORDER BY l.code
"""

_ZONE_SQL = """
SELECT z.id, z.lot_id, z.code, z.name, z.version FROM parkdesk.zone z
WHERE CAST(:id AS bigint) IS NULL OR z.lot_id = :id
ORDER BY z.lot_id, z.code
"""

_OFFICE_SQL = """
SELECT office_name, time_zone, currency, refund_approval_threshold, receipt_footer,
       free_days_per_plate, free_days_window, phone_region, version, updated_by, updated_at
FROM parkdesk.office_setting WHERE id = 1
"""


def _permit_type(row: Row[Any]) -> PermitTypeInfo:
    return record(
        PermitTypeInfo,
        row,
        affiliations=tuple(row.affiliations),
        lot_ids=tuple(row.lot_ids),
        lot_codes=tuple(row.lot_codes),
    )


def _office(row: Row[Any]) -> OfficeSettings:
    return record(OfficeSettings, row, blank=("receipt_footer",))


class PermitSetupService:
    """The setup desk's use cases for one logged-in person. Each method is one transaction."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @property
    def can_edit(self) -> bool:
        return self.workspace.identity.can_edit(DESK)

    # -- reading ----------------------------------------------------------------------

    def overview(self) -> SetupOverview:
        with self.workspace.read() as session:
            return SetupOverview(
                permit_types=tuple(self._types(session, include_inactive=True)),
                lots=tuple(self._lots(session)),
                office=self._office(session),
            )

    def permit_types(self, include_inactive: bool = True) -> list[PermitTypeInfo]:
        with self.workspace.read() as session:
            return self._types(session, include_inactive=include_inactive)

    def permit_type(self, type_id: int) -> PermitTypeInfo:
        with self.workspace.read() as session:
            return self._load_type(session, type_id)

    def lots(self) -> list[LotInfo]:
        """Every lot with its zones and how many spaces are taken and free right now."""
        with self.workspace.read() as session:
            return self._lots(session)

    def lot(self, lot_id: int) -> LotInfo:
        with self.workspace.read() as session:
            return self._load_lot(session, lot_id)

    def office_settings(self) -> OfficeSettings:
        with self.workspace.read() as session:
            return self._office(session)

    # -- permit types -------------------------------------------------------------------

    def save_permit_type(
        self, draft: PermitTypeDraft, type_id: int | None = None, version: int | None = None
    ) -> PermitTypeInfo:
        """Create a permit type (``type_id`` None) or save one loaded at ``version``.

        The lots it covers are replaced in the same transaction; the type's row is
        written even when only its lots changed, so its version records that too.
        """
        self._require_manager("permit types")
        params = draft.cleaned()
        with self.workspace.transaction() as session:
            self._check_code_free(session, "permit_type", params["code"], type_id)
            self._check_lots_exist(session, draft.lot_ids)
            if type_id is None:
                type_id = insert_row(session, "permit_type", params)
            else:
                if version is None:
                    raise ValueError("saving a permit type needs the version it was loaded at")
                update_at_version(
                    session, "permit_type", type_id, version, params, what="permit type"
                )
            self._replace_lots(session, type_id, set(draft.lot_ids))
            return self._load_type(session, type_id)

    # -- lots -------------------------------------------------------------------------------

    def save_lot(
        self, draft: LotDraft, lot_id: int | None = None, version: int | None = None
    ) -> LotSaved:
        """Create a lot or save one loaded at ``version``, with its zones.

        Capacity may go below the permits valid now: they stay valid, and no new
        permit is sold there until enough of them end; the result says so.
        """
        self._require_manager("lots")
        data = draft.cleaned()
        params = {
            "code": data.code,
            "name": data.name,
            "capacity": data.capacity,
            "active": data.active,
        }
        with self.workspace.transaction() as session:
            self._check_code_free(session, "lot", data.code, lot_id)
            if lot_id is None:
                lot_id = insert_row(session, "lot", params)
            else:
                if version is None:
                    raise ValueError("saving a lot needs the version it was loaded at")
                update_at_version(session, "lot", lot_id, version, params)
            self._save_zones(session, lot_id, data.zones)
            lot = self._load_lot(session, lot_id)
            return LotSaved(lot, _lot_warning(lot))

    def add_zone(self, lot_id: int, code: str, name: str) -> LotZone:
        """Add one zone to a lot (zones are never removed: citations refer to them)."""
        self._require_manager("zones")
        draft = ZoneDraft(code, name)
        problems = draft.problems()
        if problems:
            raise ValidationError.single("zones", " ".join(p.capitalize() for p in problems))
        zone = draft.cleaned()
        with self.workspace.transaction() as session:
            taken = session.execute(
                text("SELECT 1 FROM parkdesk.zone WHERE lot_id = :lot AND code = :code"),
                {"lot": lot_id, "code": zone.code},
            ).first()
            if taken is not None:
                raise ValidationError.single("zones", f"This lot already has a zone {zone.code}.")
            row = session.execute(
                text(
                    "INSERT INTO parkdesk.zone (lot_id, code, name) VALUES (:lot, :code, :name) "
                    "RETURNING id, lot_id, code, name, version"
                ),
                {"lot": lot_id, "code": zone.code, "name": zone.name},
            ).one()
            return LotZone(row.id, row.lot_id, row.code, row.name, row.version)

    # -- office settings --------------------------------------------------------------------

    def save_office_settings(self, draft: OfficeSettingsDraft, version: int) -> OfficeSettings:
        """Save the office's name, time zone, currency, refund threshold and receipt footer."""
        self._require_manager("the office settings")
        params = draft.cleaned()
        with self.workspace.transaction() as session:
            # Python and the server may ship different zone databases; the server's decides
            # where days start and end, so it must know the zone too.
            known = session.execute(
                text("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names WHERE name = :z)"),
                {"z": params["time_zone"]},
            ).scalar_one()
            if not known:
                raise ValidationError.single(
                    "time_zone",
                    f"The database server does not know the time zone {params['time_zone']}; "
                    "choose another one from the list.",
                )
            update_at_version(
                session, "office_setting", 1, version, params, what="set of office settings"
            )
            return self._office(session)

    # -- helpers ----------------------------------------------------------------------------

    def _require_manager(self, what: str) -> None:
        # The database refuses anyway (column grants); this only says it more plainly.
        if not self.can_edit:
            raise PermissionDenied(f"Only a manager can change {what}.")

    def _types(self, session: Session, *, include_inactive: bool) -> list[PermitTypeInfo]:
        rows = session.execute(
            text(_TYPE_SQL), {"include_inactive": include_inactive, "id": None}
        ).all()
        return [_permit_type(r) for r in rows]

    def _load_type(self, session: Session, type_id: int) -> PermitTypeInfo:
        row = session.execute(text(_TYPE_SQL), {"include_inactive": True, "id": type_id}).first()
        if row is None:
            raise NotFound("This permit type no longer exists.")
        return _permit_type(row)

    def _lots(self, session: Session, lot_id: int | None = None) -> list[LotInfo]:
        zones: dict[int, list[LotZone]] = {}
        for z in session.execute(text(_ZONE_SQL), {"id": lot_id}).all():
            zones.setdefault(z.lot_id, []).append(
                LotZone(z.id, z.lot_id, z.code, z.name, z.version)
            )
        return [
            LotInfo(
                id=r.id,
                code=r.code,
                name=r.name,
                capacity=r.capacity,
                active=r.active,
                taken=r.taken,
                offered=r.offered,
                free=r.free,
                version=r.version,
                updated_by=r.updated_by,
                updated_at=r.updated_at,
                zones=tuple(zones.get(r.id, ())),
            )
            for r in session.execute(text(_LOT_SQL), {"id": lot_id}).all()
        ]

    def _load_lot(self, session: Session, lot_id: int) -> LotInfo:
        lots = self._lots(session, lot_id)
        if not lots:
            raise NotFound("This lot no longer exists.")
        return lots[0]

    def _office(self, session: Session) -> OfficeSettings:
        row = session.execute(text(_OFFICE_SQL)).first()
        if row is None:
            raise NotFound("The office settings are missing; ask your administrator.")
        return _office(row)

    def _check_code_free(self, session: Session, table: str, code: str, own_id: int | None) -> None:
        other = session.execute(
            text(
                f"SELECT name FROM parkdesk.{table} "
                "WHERE code = :code AND id IS DISTINCT FROM CAST(:id AS bigint)"
            ),
            {"code": code, "id": own_id},
        ).first()
        if other is not None:
            what = "permit type" if table == "permit_type" else table
            raise ValidationError.single(
                "code", f"The {what} {other.name} already has code {code}."
            )

    def _check_lots_exist(self, session: Session, lot_ids: tuple[int, ...]) -> None:
        found = set(
            session.execute(
                text("SELECT id FROM parkdesk.lot WHERE id = ANY(:ids)"), {"ids": list(lot_ids)}
            ).scalars()
        )
        if found != set(lot_ids):
            raise ValidationError.single(
                "lots", "A lot you ticked no longer exists; reload and tick the lots again."
            )

    def _replace_lots(self, session: Session, type_id: int, wanted: set[int]) -> None:
        current = set(
            session.execute(
                text("SELECT lot_id FROM parkdesk.permit_type_lot WHERE permit_type_id = :t"),
                {"t": type_id},
            ).scalars()
        )
        removed, added = sorted(current - wanted), sorted(wanted - current)
        if removed:
            session.execute(
                text(
                    "DELETE FROM parkdesk.permit_type_lot "
                    "WHERE permit_type_id = :t AND lot_id = ANY(:lots)"
                ),
                {"t": type_id, "lots": removed},
            )
        for lot_id in added:
            session.execute(
                text(
                    "INSERT INTO parkdesk.permit_type_lot (permit_type_id, lot_id) "
                    "VALUES (:t, :lot)"
                ),
                {"t": type_id, "lot": lot_id},
            )

    def _save_zones(self, session: Session, lot_id: int, zones: tuple[ZoneDraft, ...]) -> None:
        saved = {
            z.id: z
            for z in session.execute(
                text("SELECT id, code, name FROM parkdesk.zone WHERE lot_id = :lot"),
                {"lot": lot_id},
            ).all()
        }
        # Renames first, so a new zone may take a code an existing zone gives up.
        for zone in zones:
            if zone.zone_id is None:
                continue
            current = saved.get(zone.zone_id)
            if current is None:
                raise NotFound(f"Zone {zone.code} no longer belongs to this lot; reload it.")
            if (current.code, current.name) == (zone.code, zone.name):
                continue
            update_at_version(
                session,
                "zone",
                zone.zone_id,
                zone.version,
                {"code": zone.code, "name": zone.name, "lot": lot_id},
                set_="code = :code, name = :name",
                where="AND lot_id = :lot",
            )
        kept = {z.zone_id for z in zones}
        others = {z.code for zone_id, z in saved.items() if zone_id not in kept}
        for zone in zones:
            if zone.zone_id is not None:
                continue
            if zone.code in others:
                raise ValidationError.single(
                    "zones", f"This lot already has a zone {zone.code}; reload the lot."
                )
            session.execute(
                text("INSERT INTO parkdesk.zone (lot_id, code, name) VALUES (:lot, :code, :name)"),
                {"lot": lot_id, "code": zone.code, "name": zone.name},
            )


def _lot_warning(lot: LotInfo) -> str:
    held = f" and {lot.offered} held for waitlist offers" if lot.offered else ""
    spaces = "1 space" if lot.capacity == 1 else f"{lot.capacity} spaces"
    if not lot.active:
        if lot.taken:
            return (
                f"{lot.name} is closed: no new permits are sold for it. The {lot.taken} "
                "permits valid now stay valid."
            )
        return ""
    if lot.over_capacity:
        return (
            f"{lot.name} now has {spaces} but {lot.taken} permits are valid "
            f"now{held}. They stay valid; no new permits are sold for it until enough of "
            "them end."
        )
    return ""
