"""The parker and vehicle register: search, create, edit, deactivate.

Clerks edit; other roles read within the grants the database gives them. Every
write checks the version the clerk loaded (optimistic locking) and names who
changed the record in between when it no longer matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from desktop.models.parker import AFFILIATIONS
from desktop.services.contacts import (
    DEFAULT_REGION,
    format_phone,
    normalize_email,
    normalize_phone,
    same_phone,
)
from desktop.services.errors import (
    DuplicateCandidate,
    DuplicateWarning,
    FieldProblem,
    NotFound,
    ValidationError,
)
from desktop.services.plates import (
    is_plate_like,
    normalize_plate,
    plate_skeleton,
    validate_jurisdiction,
    validate_plate,
)
from desktop.services.records import columns, record
from desktop.services.versioned import insert_row, raise_conflict, update_at_version
from desktop.services.workspace import Workspace

AFFILIATION_TITLES = {
    "student": "Student",
    "faculty": "Faculty",
    "staff": "Staff",
    "resident": "Resident",
    "visitor": "Visitor",
    "contractor": "Contractor",
}
PLATE_STATUS_TITLES = {"readable": "Plate", "unreadable": "Plate unreadable", "none": "No plate"}
MATCH_TITLES = {0: "Exact match", 1: "Look-alike plate", 2: "First letters"}

#: Beside letters and their combining marks, what a person's name may hold.
_NAME_PUNCTUATION = frozenset(" '\u2019-\u2010")


def is_name(text: str) -> bool:
    """Letters (any script), combining marks, spaces, apostrophes and hyphens, starting with
    a letter: "Zoë", "O'Brien", "Saint-Jean", "김", not "Zoë🚗" or "R2-D2"."""
    if not text or unicodedata.category(text[0])[0] != "L":
        return False
    return all(
        unicodedata.category(c)[0] in "LM" or c in _NAME_PUNCTUATION
        for c in unicodedata.normalize("NFC", text)
    )


#: What a typed phone number may hold before it is read (letters only in "ext").
_PHONE = re.compile(r"[0-9+() .x-]+|[0-9+() .-]+ ?ext\.? ?[0-9]+")
_CAMPUS_ID = re.compile(r"[A-Z0-9-]{3,20}")


# -- what services hand back ------------------------------------------------


@dataclass(frozen=True)
class PlateCorrectionInfo:
    """A recorded change of a vehicle's plate or jurisdiction, once it had permits."""

    corrected_at: datetime
    corrected_by: str
    old_plate: str
    new_plate: str
    reason: str


@dataclass(frozen=True)
class VehicleRecord:
    id: int
    parker_id: int | None
    jurisdiction: str
    plate_raw: str
    plate_status: str
    plate_normalized: str | None
    make: str
    model: str
    colour: str
    model_year: int | None
    active: bool
    version: int
    #: Once a vehicle has permits, its identity changes only as a recorded correction.
    has_permits: bool = False
    corrections: tuple[PlateCorrectionInfo, ...] = ()

    def identity_differs(self, jurisdiction: str, plate_raw: str, plate_status: str) -> bool:
        """Whether these would change the plate identity (spacing and case do not)."""
        if plate_status != self.plate_status or jurisdiction != self.jurisdiction:
            return True
        return plate_status == "readable" and normalize_plate(plate_raw) != (
            self.plate_normalized or ""
        )

    @property
    def plate_display(self) -> str:
        if self.plate_status != "readable":
            return PLATE_STATUS_TITLES[self.plate_status]
        return f"{self.jurisdiction} {self.plate_normalized}"

    @property
    def description(self) -> str:
        parts = [self.colour, str(self.model_year or ""), self.make, self.model]
        return " ".join(p for p in parts if p) or "—"


@dataclass(frozen=True)
class ParkerSummary:
    id: int
    first_name: str
    last_name: str
    affiliation: str
    campus_id: str
    email: str
    active: bool
    plates: str
    match_rank: int
    sort_key: tuple[int, str, str, int]

    @property
    def name(self) -> str:
        return f"{self.last_name}, {self.first_name}"


@dataclass(frozen=True)
class SearchPage:
    rows: tuple[ParkerSummary, ...]
    next_cursor: tuple[int, str, str, int] | None


@dataclass(frozen=True)
class ParkerDetail:
    id: int
    first_name: str
    last_name: str
    affiliation: str
    campus_id: str
    email: str
    phone: str
    address: str
    notes: str
    active: bool
    deactivation_reason: str
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    vehicles: tuple[VehicleRecord, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class ParkerInput:
    first_name: str
    last_name: str
    affiliation: str
    campus_id: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    notes: str = ""

    def cleaned(self, region: str | None = None, *, stored_phone: str = "") -> ParkerInput:
        """Trimmed values, the e-mail address and phone number normalised, or a
        :class:`ValidationError` naming every bad field.

        ``region`` is the office's phone region; without it (a check before the round
        trip) the phone number is only looked at, and the service reads it on saving. A
        number equal to ``stored_phone`` (as stored or as shown) is kept as stored, so a
        number saved before E.164 does not stop an edit of another field.
        """
        data = replace(
            self,
            first_name=self.first_name.strip(),
            last_name=self.last_name.strip(),
            affiliation=self.affiliation.strip().lower(),
            campus_id=self.campus_id.strip().upper(),
            email=self.email.strip(),
            phone=self.phone.strip(),
            address=self.address.strip(),
            notes=self.notes.strip(),
        )
        problems: list[FieldProblem] = []
        for name, label in (("first_name", "First name"), ("last_name", "Last name")):
            value = getattr(data, name)
            if not value:
                problems.append(FieldProblem(name, f"{label} is required."))
            elif len(value) > 100:
                problems.append(FieldProblem(name, f"{label} is at most 100 characters."))
            elif not is_name(value):
                problems.append(
                    FieldProblem(
                        name,
                        f"{label} takes letters, spaces, apostrophes and hyphens "
                        "(accents are fine), not digits or symbols.",
                    )
                )
        if data.affiliation not in AFFILIATIONS:
            problems.append(FieldProblem("affiliation", "Choose an affiliation."))
        if data.campus_id and not _CAMPUS_ID.fullmatch(data.campus_id):
            problems.append(
                FieldProblem("campus_id", "A campus ID is 3 to 20 letters, digits or dashes.")
            )
        data = _read_contacts(data, region, stored_phone, problems)
        if len(data.address) > 300:
            problems.append(FieldProblem("address", "The address is at most 300 characters."))
        if len(data.notes) > 2000:
            problems.append(FieldProblem("notes", "Notes are at most 2000 characters."))
        if problems:
            raise ValidationError(problems)
        return data

    def as_params(self) -> dict[str, Any]:
        return columns(self, blank_is_null=("campus_id", "email", "phone", "address", "notes"))


def _read_contacts(
    data: ParkerInput, region: str | None, stored_phone: str, problems: list[FieldProblem]
) -> ParkerInput:
    """The e-mail address and phone number normalised; what is wrong goes to ``problems``."""
    if data.email:
        if len(data.email) > 254:
            problems.append(FieldProblem("email", "An email address is at most 254 characters."))
        else:
            try:
                data = replace(data, email=normalize_email(data.email))
            except ValidationError as exc:
                problems.extend(exc.problems)
    if data.phone and stored_phone and same_phone(data.phone, stored_phone, region or ""):
        data = replace(data, phone=stored_phone)
    elif data.phone and (len(data.phone) > 30 or not _PHONE.fullmatch(data.phone)):
        problems.append(
            FieldProblem("phone", "A phone number uses digits, spaces, + ( ) - and x only.")
        )
    elif data.phone and region is not None:
        try:
            data = replace(data, phone=normalize_phone(data.phone, region))
        except ValidationError as exc:
            problems.extend(exc.problems)
    return data


@dataclass(frozen=True)
class VehicleInput:
    jurisdiction: str
    plate_raw: str
    plate_status: str = "readable"
    make: str = ""
    model: str = ""
    colour: str = ""
    model_year: int | None = None
    #: Why the plate of a vehicle with permits is corrected (recorded in its history).
    correction_reason: str = ""

    def cleaned(self) -> VehicleInput:
        problems: list[FieldProblem] = []
        jurisdiction = self.jurisdiction
        plate_raw = self.plate_raw.strip()
        try:
            jurisdiction = validate_jurisdiction(self.jurisdiction)
        except ValidationError as exc:
            problems.extend(exc.problems)
        if self.plate_status not in PLATE_STATUS_TITLES:
            problems.append(FieldProblem("plate_status", "Choose whether the plate is readable."))
        elif self.plate_status == "readable":
            try:
                validate_plate(plate_raw)
            except ValidationError as exc:
                problems.extend(exc.problems)
        else:
            plate_raw = ""
        for name, label, limit in (
            ("make", "Make", 40),
            ("model", "Model", 40),
            ("colour", "Colour", 30),
        ):
            if len(getattr(self, name).strip()) > limit:
                problems.append(FieldProblem(name, f"{label} is at most {limit} characters."))
        if len(self.correction_reason.strip()) > 500:
            problems.append(FieldProblem("correction_reason", "At most 500 characters, please."))
        if self.model_year is not None and not 1900 <= self.model_year <= 2100:
            problems.append(FieldProblem("model_year", "Year is between 1900 and 2100."))
        if problems:
            raise ValidationError(problems)
        return replace(
            self,
            jurisdiction=jurisdiction,
            plate_raw=plate_raw,
            make=self.make.strip(),
            model=self.model.strip(),
            colour=self.colour.strip(),
            correction_reason=self.correction_reason.strip(),
        )

    def as_params(self) -> dict[str, Any]:
        optional = ("make", "model", "colour")
        return columns(self, blank_is_null=optional, leave_out=("correction_reason",))


@dataclass(frozen=True)
class PlateMatch:
    vehicle: VehicleRecord
    owner: str
    differences: int


@dataclass
class _SearchTerms:
    query: str
    plate: str = ""
    skeleton: str = ""
    tokens: list[str] = field(default_factory=list)
    #: "Last, First" search: the parts before and after the comma, lower-cased.
    last_part: str | None = None
    first_part: str = ""


# -- SQL ----------------------------------------------------------------------

_PARKER_COLUMNS = (
    "p.id, p.first_name, p.last_name, p.affiliation, p.campus_id, p.email, p.phone, "
    "p.address, p.notes, p.active, p.deactivation_reason, p.version, p.created_at, "
    "p.created_by, p.updated_at, p.updated_by"
)
_REGION_SQL = "SELECT s.phone_region FROM parkdesk.office_setting s WHERE s.id = 1"
_VEHICLE_COLUMNS = (
    "v.id, v.parker_id, v.jurisdiction, v.plate_raw, v.plate_status, v.plate_normalized, "
    "v.make, v.model, v.colour, v.model_year, v.active, v.version, "
    "EXISTS (SELECT 1 FROM parkdesk.permit_vehicle pv WHERE pv.vehicle_id = v.id) AS has_permits, "
    "(SELECT json_agg(json_build_object('at', c.corrected_at, 'by', c.corrected_by, "
    "'old', c.old_jurisdiction || ' ' || c.old_plate_raw, "
    "'new', c.new_jurisdiction || ' ' || c.new_plate_raw, 'reason', c.reason) ORDER BY c.id) "
    "FROM parkdesk.plate_correction c WHERE c.vehicle_id = v.id) AS corrections"
)

_SEARCH_SQL = """
WITH matches AS (
    SELECT v.parker_id AS id,
           CASE WHEN v.plate_normalized = :plate THEN 0 ELSE 1 END AS rank
    FROM parkdesk.vehicle v
    WHERE :plate <> '' AND v.plate_skeleton = :skeleton AND v.parker_id IS NOT NULL
      AND parkdesk.plate_differences(v.plate_normalized, :plate) <= 2
    UNION ALL
    SELECT v.parker_id, 2 FROM parkdesk.vehicle v
    WHERE length(:plate) >= 2 AND v.plate_normalized LIKE :plate_prefix
      AND v.parker_id IS NOT NULL
    UNION ALL
    SELECT p.id, CASE WHEN p.campus_id = :upper_q THEN 0 ELSE 2 END FROM parkdesk.parker p
    WHERE p.campus_id LIKE :campus_prefix
    UNION ALL
    SELECT p.id, CASE WHEN lower(p.email) = :lower_q THEN 0 ELSE 2 END FROM parkdesk.parker p
    WHERE :email_like AND lower(p.email) LIKE :email_prefix
    UNION ALL
    SELECT p.id, 2 FROM parkdesk.parker p
    WHERE :one_token AND lower(p.last_name) LIKE :t1_prefix
    UNION ALL
    SELECT p.id, 2 FROM parkdesk.parker p
    WHERE :one_token AND lower(p.first_name) LIKE :t1_prefix
    UNION ALL
    -- Several words: "Mira Quist", "Van Houten", "Milhouse Van Houten", "Van Houten Milhouse".
    -- The first word narrows through the prefix indexes; the whole text then has to
    -- start the name written either way round.
    SELECT p.id, 2 FROM parkdesk.parker p
    WHERE :many_tokens
      AND (lower(p.first_name) LIKE :t1_prefix OR lower(p.last_name) LIKE :t1_prefix)
      AND (lower(p.first_name || ' ' || p.last_name) LIKE :name_prefix
           OR lower(p.last_name || ' ' || p.first_name) LIKE :name_prefix)
    UNION ALL
    -- "Last, First": everything before the comma starts the last name.
    SELECT p.id, 2 FROM parkdesk.parker p
    WHERE :last_first AND lower(p.last_name) LIKE :last_prefix
      AND lower(p.first_name) LIKE :first_prefix
),
best AS (SELECT id, min(rank) AS rank FROM matches GROUP BY id)
SELECT p.id, p.first_name, p.last_name, p.affiliation, p.campus_id, p.email, p.active, b.rank,
       lower(p.last_name) AS sort_last, lower(p.first_name) AS sort_first,
       (SELECT string_agg(CASE WHEN v.plate_status = 'readable'
                               THEN v.jurisdiction || ' ' || v.plate_normalized
                               ELSE v.jurisdiction || ' (no plate)' END, ', ' ORDER BY v.id)
          FROM parkdesk.vehicle v WHERE v.parker_id = p.id AND v.active) AS plates
FROM best b JOIN parkdesk.parker p ON p.id = b.id
WHERE (:include_inactive OR p.active)
  AND (b.rank, lower(p.last_name), lower(p.first_name), p.id)
      > (:c_rank, :c_last, :c_first, :c_id)
ORDER BY b.rank, lower(p.last_name), lower(p.first_name), p.id
LIMIT :limit
"""

_BROWSE_SQL = """
SELECT p.id, p.first_name, p.last_name, p.affiliation, p.campus_id, p.email, p.active, 2 AS rank,
       lower(p.last_name) AS sort_last, lower(p.first_name) AS sort_first,
       (SELECT string_agg(CASE WHEN v.plate_status = 'readable'
                               THEN v.jurisdiction || ' ' || v.plate_normalized
                               ELSE v.jurisdiction || ' (no plate)' END, ', ' ORDER BY v.id)
          FROM parkdesk.vehicle v WHERE v.parker_id = p.id AND v.active) AS plates
FROM parkdesk.parker p
WHERE (:include_inactive OR p.active)
  AND (2, lower(p.last_name), lower(p.first_name), p.id) > (:c_rank, :c_last, :c_first, :c_id)
ORDER BY lower(p.last_name), lower(p.first_name), p.id
LIMIT :limit
"""


def _deactivation_reason(active: bool, reason: str, missing: str) -> str:
    reason = reason.strip()
    if not active and not reason:
        raise ValidationError.single("reason", missing)
    if len(reason) > 500:
        raise ValidationError.single("reason", "The reason is at most 500 characters.")
    return reason


def _like_prefix(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _terms(query: str) -> _SearchTerms:
    query = " ".join(query.split())[:100]
    terms = _SearchTerms(query=query)
    if is_plate_like(query):
        terms.plate = normalize_plate(query)
        terms.skeleton = plate_skeleton(terms.plate)
    if "," in query:
        # "Van Houten, Milhouse" is last name first; either part may hold several words.
        last, _, first = query.partition(",")
        terms.last_part = last.strip().lower()
        terms.first_part = " ".join(first.replace(",", " ").split()).lower()
    else:
        terms.tokens = query.lower().split()
    return terms


Loaded = TypeVar("Loaded")

#: A parker's columns that may be NULL and read as "" (the phone is formatted too).
_OPTIONAL_TEXT = ("campus_id", "email", "address", "notes", "deactivation_reason")


def _vehicle(row: Row[Any]) -> VehicleRecord:
    return record(
        VehicleRecord,
        row,
        blank=("make", "model", "colour"),
        has_permits=bool(row.has_permits),
        corrections=tuple(
            PlateCorrectionInfo(
                corrected_at=datetime.fromisoformat(str(c["at"])),
                corrected_by=str(c["by"]),
                old_plate=str(c["old"]).strip(),
                new_plate=str(c["new"]).strip(),
                reason=str(c["reason"]),
            )
            for c in row.corrections or ()
        ),
    )


def _summary(row: Row[Any]) -> ParkerSummary:
    return record(
        ParkerSummary,
        row,
        blank=("campus_id", "email", "plates"),
        match_rank=row.rank,
        sort_key=(row.rank, row.sort_last, row.sort_first, row.id),
    )


class ParkerService:
    """Use cases of the parker desk. Each method is one transaction."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    # -- reading ------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        after: tuple[int, str, str, int] | None = None,
        limit: int = 100,
        include_inactive: bool = False,
    ) -> SearchPage:
        """One page of parkers matching a name, email, campus ID or plate.

        Exact matches come first, then look-alike plates, then prefixes; pages
        continue from ``after`` (keyset pagination, never OFFSET).
        """
        terms = _terms(query)
        cursor = after or (-1, "", "", 0)
        params: dict[str, Any] = {
            "include_inactive": include_inactive,
            "c_rank": cursor[0],
            "c_last": cursor[1],
            "c_first": cursor[2],
            "c_id": cursor[3],
            "limit": limit + 1,
        }
        if not terms.query:
            sql = _BROWSE_SQL
        else:
            sql = _SEARCH_SQL
            params.update(
                plate=terms.plate,
                skeleton=terms.skeleton,
                plate_prefix=_like_prefix(terms.plate),
                upper_q=terms.query.upper(),
                campus_prefix=_like_prefix(terms.query.upper()),
                lower_q=terms.query.lower(),
                # "olivia.m" is an email prefix too; one- and two-letter words are names.
                email_like="@" in terms.query or (" " not in terms.query and len(terms.query) >= 3),
                email_prefix=_like_prefix(terms.query.lower()),
                one_token=len(terms.tokens) == 1,
                many_tokens=len(terms.tokens) > 1,
                t1_prefix=_like_prefix(terms.tokens[0]) if terms.tokens else "",
                name_prefix=_like_prefix(" ".join(terms.tokens)),
                last_first=bool(terms.last_part),
                last_prefix=_like_prefix(terms.last_part or ""),
                first_prefix=_like_prefix(terms.first_part),
            )
        with self.workspace.read() as session:
            rows = session.execute(text(sql), params).all()
        summaries = [_summary(r) for r in rows[:limit]]
        next_cursor = summaries[-1].sort_key if len(rows) > limit else None
        return SearchPage(rows=tuple(summaries), next_cursor=next_cursor)

    def get(self, parker_id: int) -> ParkerDetail:
        with self.workspace.read() as session:
            return self._load(session, parker_id)

    def search_plates(self, plate: str, jurisdiction: str = "") -> list[PlateMatch]:
        """Vehicles whose plate is this one or differs by at most two look-alike characters."""
        normalized = validate_plate(plate)
        sql = text(
            f"SELECT {_VEHICLE_COLUMNS}, "
            "coalesce(p.first_name || ' ' || p.last_name, '') AS owner, "
            "parkdesk.plate_differences(v.plate_normalized, :plate) AS differences "
            "FROM parkdesk.vehicle v LEFT JOIN parkdesk.parker p ON p.id = v.parker_id "
            "WHERE v.plate_skeleton = :skeleton "
            "AND parkdesk.plate_differences(v.plate_normalized, :plate) <= 2 "
            "AND (:jurisdiction = '' OR v.jurisdiction = :jurisdiction) "
            "ORDER BY differences, v.jurisdiction, v.plate_normalized LIMIT 50"
        )
        with self.workspace.read() as session:
            rows = session.execute(
                sql,
                {
                    "plate": normalized,
                    "skeleton": plate_skeleton(normalized),
                    "jurisdiction": jurisdiction.strip().upper(),
                },
            ).all()
        return [PlateMatch(_vehicle(r), r.owner, r.differences) for r in rows]

    def find_duplicates(
        self, data: ParkerInput, exclude_id: int | None = None
    ) -> list[DuplicateCandidate]:
        data = data.cleaned()
        with self.workspace.read() as session:
            return self._parker_duplicates(session, data, exclude_id)

    # -- writing ------------------------------------------------------------

    def phone_region(self) -> str:
        """Where the office reads a phone number typed without a country code."""
        with self.workspace.read() as session:
            return _phone_region(session)

    def create(self, data: ParkerInput, *, allow_duplicate: bool = False) -> ParkerDetail:
        data = data.cleaned(self.phone_region())
        with self.workspace.transaction() as session:
            if not allow_duplicate:
                candidates = self._parker_duplicates(session, data, None)
                if candidates:
                    raise DuplicateWarning(candidates)
            new_id = insert_row(session, "parker", data.as_params())
            return self._load(session, new_id)

    def update(self, parker_id: int, expected_version: int, data: ParkerInput) -> ParkerDetail:
        with self.workspace.read() as session:
            region = _phone_region(session)
            stored = session.execute(
                text("SELECT coalesce(phone, '') FROM parkdesk.parker WHERE id = :id"),
                {"id": parker_id},
            ).scalar()
        data = data.cleaned(region, stored_phone=str(stored or ""))
        with self.workspace.transaction() as session:
            update_at_version(session, "parker", parker_id, expected_version, data.as_params())
            return self._load(session, parker_id)

    def set_active(
        self, parker_id: int, expected_version: int, active: bool, reason: str = ""
    ) -> ParkerDetail:
        """Deactivate (with a reason) or reactivate a parker; records are never deleted."""
        return self._switch_active(
            "parker", self._load, parker_id, expected_version, active=active, reason=reason
        )

    def add_vehicle(
        self, parker_id: int, data: VehicleInput, *, allow_duplicate: bool = False
    ) -> VehicleRecord:
        data = data.cleaned()
        with self.workspace.transaction() as session:
            self._check_plate(session, data, None, allow_duplicate)
            new_id = insert_row(session, "vehicle", {"parker_id": parker_id, **data.as_params()})
            return self._load_vehicle(session, new_id)

    def update_vehicle(
        self,
        vehicle_id: int,
        expected_version: int,
        data: VehicleInput,
        *,
        allow_duplicate: bool = False,
    ) -> VehicleRecord:
        data = data.cleaned()
        with self.workspace.transaction() as session:
            self._check_plate(session, data, vehicle_id, allow_duplicate)
            current = self._load_vehicle(session, vehicle_id, lock=True)
            if current.version != expected_version:
                raise_conflict(session, "vehicle", vehicle_id, "vehicle")
            if current.has_permits and current.identity_differs(
                data.jurisdiction, data.plate_raw, data.plate_status
            ):
                # The database refuses a plain UPDATE of the identity: a correction with a
                # reason goes first, and the rest of the record follows.
                if len(data.correction_reason) < 5:
                    raise ValidationError.single(
                        "correction_reason",
                        "This vehicle has permits: say why its plate is corrected "
                        "(at least 5 characters).",
                    )
                session.execute(
                    text(
                        "SELECT parkdesk.correct_plate(:id, :jurisdiction, :plate_raw, "
                        ":plate_status, :reason)"
                    ),
                    {**data.as_params(), "id": vehicle_id, "reason": data.correction_reason},
                )
                expected_version += 1
            update_at_version(session, "vehicle", vehicle_id, expected_version, data.as_params())
            return self._load_vehicle(session, vehicle_id)

    def set_vehicle_active(
        self, vehicle_id: int, expected_version: int, active: bool, reason: str = ""
    ) -> VehicleRecord:
        load = self._load_vehicle
        return self._switch_active(
            "vehicle", load, vehicle_id, expected_version, active=active, reason=reason
        )

    # -- helpers --------------------------------------------------------------

    def _load(self, session: Session, parker_id: int) -> ParkerDetail:
        row = session.execute(
            text(
                f"SELECT {_PARKER_COLUMNS}, ({_REGION_SQL}) AS phone_region "
                "FROM parkdesk.parker p WHERE p.id = :id"
            ),
            {"id": parker_id},
        ).first()
        if row is None:
            raise NotFound("This parker no longer exists.")
        vehicles = session.execute(
            text(
                f"SELECT {_VEHICLE_COLUMNS} FROM parkdesk.vehicle v WHERE v.parker_id = :id "
                "ORDER BY v.active DESC, v.id"
            ),
            {"id": parker_id},
        ).all()
        return record(
            ParkerDetail,
            row,
            blank=_OPTIONAL_TEXT,
            phone=format_phone(row.phone or "", row.phone_region),
            vehicles=tuple(_vehicle(v) for v in vehicles),
        )

    def _load_vehicle(
        self, session: Session, vehicle_id: int, *, lock: bool = False
    ) -> VehicleRecord:
        lock_clause = " FOR NO KEY UPDATE OF v" if lock else ""
        row = session.execute(
            text(
                f"SELECT {_VEHICLE_COLUMNS} FROM parkdesk.vehicle v WHERE v.id = :id{lock_clause}"
            ),
            {"id": vehicle_id},
        ).first()
        if row is None:
            raise NotFound("This vehicle no longer exists.")
        return _vehicle(row)

    def _switch_active(
        self,
        table: str,
        load: Callable[[Session, int], Loaded],
        key: int,
        expected_version: int,
        *,
        active: bool,
        reason: str,
    ) -> Loaded:
        """Deactivate (with a reason) or reactivate a parker or a vehicle, read back by
        ``load``."""
        missing = {"parker": "deactivating", "vehicle": "removing the vehicle"}[table]
        reason = _deactivation_reason(active, reason, f"Give a reason for {missing}.")
        with self.workspace.transaction() as session:
            update_at_version(
                session,
                table,
                key,
                expected_version,
                {"active": active, "reason": reason},
                set_="active = :active, "
                "deactivated_at = CASE WHEN :active THEN NULL ELSE now() END, "
                "deactivation_reason = CASE WHEN :active THEN NULL ELSE :reason END",
            )
            return load(session, key)

    def _parker_duplicates(
        self, session: Session, data: ParkerInput, exclude_id: int | None
    ) -> list[DuplicateCandidate]:
        rows = session.execute(
            text(
                "SELECT id, first_name, last_name, campus_id, email, active, "
                "CASE WHEN campus_id = :campus_id THEN 'same campus ID' "
                "     WHEN lower(email) = lower(:email) THEN 'same email' "
                "     WHEN phone = :phone THEN 'same phone' "
                "     ELSE 'same name' END AS reason "
                "FROM parkdesk.parker WHERE id IS DISTINCT FROM :exclude AND ("
                " (:campus_id <> '' AND campus_id = :campus_id)"
                " OR (:email <> '' AND lower(email) = lower(:email))"
                " OR (:phone <> '' AND phone = :phone)"
                " OR (lower(last_name) = lower(:last_name)"
                "     AND lower(first_name) = lower(:first_name))"
                ") ORDER BY id LIMIT 5"
            ),
            {
                "campus_id": data.campus_id,
                "email": data.email,
                "phone": data.phone,
                "first_name": data.first_name,
                "last_name": data.last_name,
                "exclude": exclude_id,
            },
        ).all()
        return [
            DuplicateCandidate(
                id=r.id,
                description=f"{r.first_name} {r.last_name}"
                + (f", {r.campus_id}" if r.campus_id else "")
                + (f", {r.email}" if r.email else "")
                + ("" if r.active else " (inactive)"),
                reason=r.reason,
            )
            for r in rows
        ]

    def _check_plate(
        self, session: Session, data: VehicleInput, vehicle_id: int | None, allow_duplicate: bool
    ) -> None:
        if data.plate_status != "readable":
            return
        normalized = normalize_plate(data.plate_raw)
        rows = session.execute(
            text(
                "SELECT v.id, v.jurisdiction, v.plate_normalized, "
                "coalesce(p.first_name || ' ' || p.last_name, 'no parker') AS owner "
                "FROM parkdesk.vehicle v LEFT JOIN parkdesk.parker p ON p.id = v.parker_id "
                "WHERE v.jurisdiction = :jurisdiction AND v.plate_skeleton = :skeleton "
                "AND v.id IS DISTINCT FROM :exclude "
                "AND parkdesk.plate_differences(v.plate_normalized, :plate) <= 2 "
                "ORDER BY v.plate_normalized = :plate DESC LIMIT 5"
            ),
            {
                "jurisdiction": data.jurisdiction,
                "skeleton": plate_skeleton(normalized),
                "plate": normalized,
                "exclude": vehicle_id,
            },
        ).all()
        for r in rows:
            if r.plate_normalized == normalized:
                raise ValidationError.single(
                    "plate",
                    f"Plate {normalized} ({data.jurisdiction}) is already registered to {r.owner}.",
                )
        if rows and not allow_duplicate:
            raise DuplicateWarning(
                [
                    DuplicateCandidate(
                        id=r.id,
                        description=f"{r.jurisdiction} {r.plate_normalized} ({r.owner})",
                        reason="look-alike plate",
                    )
                    for r in rows
                ]
            )


def _phone_region(session: Session) -> str:
    region = session.execute(text(_REGION_SQL)).scalar()
    return str(region or DEFAULT_REGION)
