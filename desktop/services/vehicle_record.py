"""The vehicle record (SPEC "Vehicle record"): everything the office knows about one plate,
in one place — the vehicle and its owner, permits, reads, citations, appeals, the owner's
payments, incidents, the watchlist and exemptions — each section read with the calling
login's own rights. A section the login may not read is left out (None), never guessed at:
the database's grants and row security decide, this module only asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from desktop.services.citations import CitationRow, CitationService
from desktop.services.permits import document_office
from desktop.services.platecheck import ReadSeen
from desktop.services.plates import normalize_plate
from desktop.services.records import record
from desktop.services.workspace import Workspace

T = TypeVar("T")


@dataclass(frozen=True)
class Owner:
    vehicle_id: int
    make: str
    model: str
    colour: str
    parker_id: int | None
    parker_name: str


@dataclass(frozen=True)
class PermitLine:
    number: str
    type_name: str
    lot_name: str
    valid_from: datetime | None
    valid_until: datetime | None
    state: str


@dataclass(frozen=True)
class AppealLine:
    number: str
    citation_number: str
    status: str
    decision: str | None
    filed_at: datetime


@dataclass(frozen=True)
class PaymentLine:
    receipt_number: str
    received_at: datetime
    amount: Decimal
    tender: str
    description: str


@dataclass(frozen=True)
class IncidentLine:
    id: int
    number: str
    category: str
    occurred_at: datetime
    status: str
    description: str


@dataclass(frozen=True)
class WatchLine:
    plate_pattern: str
    category: str
    instruction: str
    reason: str
    expires_at: datetime | None


@dataclass(frozen=True)
class ExemptionLine:
    reason: str
    lot_name: str
    starts_at: datetime
    ends_at: datetime | None


@dataclass(frozen=True)
class VehicleFile:
    """One plate's record; each section None when the login may not read it."""

    jurisdiction: str
    plate: str
    currency: str
    time_zone: str
    owner: Owner | None
    permits: tuple[PermitLine, ...] | None
    reads: tuple[ReadSeen, ...] | None
    citations: tuple[CitationRow, ...] | None
    appeals: tuple[AppealLine, ...] | None
    payments: tuple[PaymentLine, ...] | None
    incidents: tuple[IncidentLine, ...] | None
    watchlist: tuple[WatchLine, ...] | None
    exemptions: tuple[ExemptionLine, ...] | None


class VehicleRecordService:
    """Reads a plate's record as the calling login may."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def record(self, jurisdiction: str, plate: str) -> VehicleFile:
        j, p = jurisdiction.strip().upper(), normalize_plate(plate)
        key = {"jurisdiction": j, "plate": p}
        citations = CitationService(self.workspace)
        with self.workspace.read() as session:
            office = document_office(session)
            owner = _section(session, lambda: _owner(session, key))
            owner_key = {**key, "parker": owner.parker_id if owner else None}
            found = VehicleFile(
                jurisdiction=j,
                plate=p,
                currency=office.currency,
                time_zone=office.time_zone,
                owner=owner,
                permits=_section(session, lambda: _rows(session, PermitLine, _PERMITS, key)),
                reads=None,
                citations=None,
                appeals=_section(session, lambda: _rows(session, AppealLine, _APPEALS, key)),
                payments=_section(
                    session, lambda: _rows(session, PaymentLine, _PAYMENTS, owner_key)
                ),
                incidents=_section(
                    session, lambda: _rows(session, IncidentLine, _INCIDENTS, owner_key)
                ),
                watchlist=_section(session, lambda: _rows(session, WatchLine, _WATCHLIST, key)),
                exemptions=_section(
                    session, lambda: _rows(session, ExemptionLine, _EXEMPTIONS, key)
                ),
            )
        # The plate's citations and reads, as the enforcement record reads them (the
        # citations None for a login that reads none).
        enforcement = citations.vehicle_enforcement(j, p)
        return replace(found, citations=enforcement.citations, reads=enforcement.reads)


def _section(session: Session, read: Callable[[], T]) -> T | None:
    """``read()``, or None when the login may not read what it reads (SQLSTATE 42501)."""
    try:
        with session.begin_nested():
            return read()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42501":
            return None
        raise


def _rows(session: Session, cls: type[T], sql: str, params: dict[str, Any]) -> tuple[T, ...]:
    return tuple(record(cls, r) for r in session.execute(text(sql), params).all())  # type: ignore[type-var]


def _owner(session: Session, key: dict[str, Any]) -> Owner | None:
    row = session.execute(
        text(
            "SELECT v.id AS vehicle_id, coalesce(v.make, '') AS make, "
            "coalesce(v.model, '') AS model, coalesce(v.colour, '') AS colour, v.parker_id, "
            "coalesce(p.first_name || ' ' || p.last_name, '') AS parker_name "
            "FROM vehicle v LEFT JOIN parker p ON p.id = v.parker_id "
            "WHERE v.jurisdiction = :jurisdiction AND v.plate_normalized = :plate"
        ),
        key,
    ).one_or_none()
    return None if row is None else record(Owner, row)


_PERMITS = """
    SELECT p.number, coalesce(t.name, initcap(p.kind) || ' permit') AS type_name,
           l.name AS lot_name, lower(pv.validity) AS valid_from, upper(pv.validity) AS valid_until,
           CASE WHEN p.cancelled_at IS NOT NULL THEN 'cancelled'
                WHEN pv.validity @> now() THEN 'valid'
                WHEN lower(pv.validity) > now() THEN 'future' ELSE 'ended' END AS state
    FROM permit_vehicle pv JOIN vehicle v ON v.id = pv.vehicle_id
    JOIN permit p ON p.id = pv.permit_id JOIN lot l ON l.id = pv.lot_id
    LEFT JOIN permit_type t ON t.id = p.permit_type_id
    WHERE v.jurisdiction = :jurisdiction AND v.plate_normalized = :plate
      AND NOT isempty(pv.validity)
    ORDER BY lower(pv.validity) DESC LIMIT 50
"""
_APPEALS = """
    SELECT a.number, c.number AS citation_number, a.status, a.decision, a.filed_at
    FROM appeal a JOIN citation c ON c.id = a.citation_id
    WHERE c.jurisdiction = :jurisdiction AND c.plate_normalized = :plate
    ORDER BY a.filed_at DESC LIMIT 50
"""
_PAYMENTS = """
    SELECT receipt_number, received_at, amount, tender, description FROM payment_line
    WHERE parker_id = :parker ORDER BY received_at DESC LIMIT 50
"""
_INCIDENTS = """
    SELECT DISTINCT ON (i.id) i.id, i.number,
           coalesce(pc.name || ' — ', '') || c.name AS category, i.occurred_at, i.status,
           coalesce(iv.description, ip.description, '') AS description
    FROM visible_incidents() i JOIN incident_category c ON c.id = i.category_id
    LEFT JOIN incident_category pc ON pc.id = c.parent_id
    LEFT JOIN visible_incident_vehicles() iv ON iv.incident_id = i.id
         AND iv.jurisdiction = :jurisdiction AND iv.plate = :plate
    LEFT JOIN visible_incident_people() ip ON ip.incident_id = i.id AND ip.parker_id = :parker
    WHERE iv.id IS NOT NULL OR ip.id IS NOT NULL
    ORDER BY i.id DESC LIMIT 50
"""
_WATCHLIST = """
    SELECT e.plate_pattern, e.category, e.instruction, e.reason, e.expires_at
    FROM watchlist_entry e
    WHERE e.retired_at IS NULL AND (e.expires_at IS NULL OR e.expires_at > now())
      AND (e.jurisdiction IS NULL OR e.jurisdiction = :jurisdiction)
      AND ((NOT e.partial AND e.plate_pattern = :plate) OR (e.partial AND :plate LIKE e.plate_like))
    ORDER BY e.priority, e.id
"""
_EXEMPTIONS = """
    SELECT e.reason, coalesce(l.name, 'Every lot') AS lot_name, e.starts_at, e.ends_at
    FROM exemption e LEFT JOIN lot l ON l.id = e.lot_id
    WHERE e.jurisdiction = :jurisdiction AND e.plate_normalized = :plate
      AND (e.ends_at IS NULL OR e.ends_at > now())
    ORDER BY e.starts_at DESC
"""
