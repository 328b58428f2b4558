"""The citations desk's work: finding citations, one citation's page (its photos, its
fine's history, where it stands), paying citations at the counter, voids and notices.

Clerks read and take payments; adjudicators and managers also void, with a reason. Every
rule is the database's (``68_citation_money.sql``): the amount due with any early-payment
discount, the one payment for several citations, the void that cancels what is owed.
A citation is paid by plate: the payer need not be a registered parker.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from desktop.services import documents
from desktop.services.errors import NotFound, ValidationError
from desktop.services.permits import (
    PaymentResult,
    PermitService,
    Tender,
    document_office,
    payment_result,
)
from desktop.services.platecheck import RECENT_READS_SQL, ReadSeen
from desktop.services.plates import normalize_plate, plate_skeleton
from desktop.services.records import record
from desktop.services.workspace import Workspace

#: Where a citation stands, in the words the desk shows (the database's citation_status).
STATUS_TITLES = {
    "open": "Open",
    "past_due": "Past due",
    "collections": "In collections",
    "paid": "Paid",
    "warning": "Warning",
    "void": "Void",
}
#: What each kind of line of a fine's history is called.
LINE_TITLES = {
    "fine": "Fine",
    "late_fee": "Late fee",
    "discount": "Early-payment discount",
    "payment": "Payment",
    "void": "Voided",
    "adjustment": "Adjustment",
}
#: At most this many citations are paid together (the database's bound too).
MAX_PAID_TOGETHER = 50
#: A citation number as written: prefix letters, then the digits.
_NUMBER = re.compile(r"^[A-Z]{1,4}[0-9]{3,10}$")
#: The status filter as predicates the indexes can use (citation_status's CASE, split).
_STATUS_SQL = {
    "void": "c.voided_at IS NOT NULL",
    "warning": "c.voided_at IS NULL AND c.fine = 0",
    "paid": "c.voided_at IS NULL AND c.fine > 0 AND c.balance = 0",
    "collections": "c.voided_at IS NULL AND c.fine > 0 AND c.balance <> 0 "
    "AND c.collections_at IS NOT NULL",
    "past_due": "c.voided_at IS NULL AND c.fine > 0 AND c.balance <> 0 "
    "AND c.collections_at IS NULL AND c.due_on < local_day(now())",
    "open": "c.voided_at IS NULL AND c.fine > 0 AND c.balance <> 0 "
    "AND c.collections_at IS NULL AND c.due_on >= local_day(now())",
}

Cursor = tuple[datetime, int]


@dataclass(frozen=True)
class CitationQuery:
    """What the clerk asked for. ``text`` is a citation number (or its first digits) or a
    plate, optionally after its jurisdiction ("ON ABC 123"); plates match look-alikes."""

    text: str = ""
    status: str = ""
    lot_id: int | None = None
    officer: str = ""
    issued_from: date | None = None
    issued_to: date | None = None
    #: The citations of one parker's vehicles (the parker desk's vehicle record).
    parker_id: int | None = None
    vehicle_id: int | None = None


@dataclass(frozen=True)
class CitationRow:
    """One citation in a list."""

    id: int
    number: str
    issued_at: datetime
    jurisdiction: str
    plate: str
    violation_code: str
    violation: str
    lot_code: str
    lot_name: str
    officer: str
    fine: Decimal
    balance: Decimal
    status: str
    due_on: date
    #: Found by a plate that differs from the one typed by look-alike characters.
    look_alike: bool = False

    @property
    def sort_key(self) -> Cursor:
        return (self.issued_at, self.id)

    @property
    def status_title(self) -> str:
        return STATUS_TITLES.get(self.status, self.status.replace("_", " ").capitalize())

    @property
    def payable(self) -> bool:
        return self.status in {"open", "past_due", "collections"}


@dataclass(frozen=True)
class CitationPage:
    rows: tuple[CitationRow, ...]
    next_cursor: Cursor | None


@dataclass(frozen=True)
class FineLine:
    """One line of a fine's history: the fine, a discount, a late fee, a payment, a void."""

    posted_at: datetime
    kind: str
    amount: Decimal
    memo: str
    posted_by: str | None
    receipt_number: str | None

    @property
    def title(self) -> str:
        return LINE_TITLES.get(self.kind, self.kind.replace("_", " ").capitalize())


@dataclass(frozen=True)
class PhotoInfo:
    """A device's photo or document of a citation, or a parker's document of an appeal
    (its bytes are fetched when it is shown)."""

    id: int
    media_type: str
    size_bytes: int
    sha256: str
    captured_at: datetime
    recorded_at: datetime
    recorded_by: str
    #: The device that took it; "" for a parker's document, attached at a desk.
    device: str
    #: What a parker's document is ("Receipt for permit P-2026-00412"); "" for a photo.
    description: str = ""

    @property
    def from_device(self) -> bool:
        return bool(self.device)


@dataclass(frozen=True)
class PhotoContent:
    """A photo's bytes, and whether they still hash to what was recorded."""

    info: PhotoInfo
    content: bytes
    verified: bool


@dataclass(frozen=True)
class CitationDetail:
    """Everything the citation's page shows."""

    row: CitationRow
    zone: str
    note: str
    make: str
    colour: str
    device: str
    device_seq: int
    recorded_at: datetime
    voided_at: datetime | None
    voided_by: str | None
    void_reason: str | None
    collections_at: datetime | None
    amount_due: Decimal
    vehicle_id: int | None
    parker_id: int | None
    parker_name: str
    lines: tuple[FineLine, ...]
    photos: tuple[PhotoInfo, ...]
    currency: str
    time_zone: str


@dataclass(frozen=True)
class Lookups:
    """The filters' choices and what this login may do."""

    lots: tuple[tuple[int, str], ...]
    officers: tuple[str, ...]
    currency: str
    time_zone: str
    can_void: bool
    can_take_payments: bool
    #: A manager's client posts due late fees itself, as ``parkdesk jobs run`` does.
    can_escalate: bool = False


@dataclass(frozen=True)
class Due:
    """What paying a citation now settles it with."""

    row: CitationRow
    amount: Decimal


@dataclass(frozen=True)
class VehicleEnforcement:
    """A vehicle's enforcement record, for the parker desk: its citations (None when this
    login reads no citations) and its latest reads, by its plate."""

    citations: tuple[CitationRow, ...] | None
    reads: tuple[ReadSeen, ...]
    currency: str
    time_zone: str


@dataclass(frozen=True)
class Scofflaw:
    """A plate on the boot and tow list: its unpaid past-due citations and what it owes."""

    jurisdiction: str
    plate: str
    unpaid: int
    owed: Decimal
    oldest_due: date
    last_lot: str | None
    last_cited_at: datetime | None


@dataclass(frozen=True)
class SharedPermitFlag:
    """Two vehicles of one permit read on site together (SPEC rule 5), and whether the
    office has looked into it."""

    id: int
    permit_id: int
    permit_number: str
    lot_name: str
    first_plate: str
    first_read_at: datetime
    second_plate: str
    second_read_at: datetime
    cleared_at: datetime | None
    cleared_by: str | None
    clear_note: str | None

    @property
    def minutes_apart(self) -> int:
        return int((self.second_read_at - self.first_read_at).total_seconds() // 60)


_ROW_COLUMNS = (
    "c.id, c.number, c.issued_at, c.jurisdiction, c.plate_normalized AS plate, "
    "v.code AS violation_code, v.description AS violation, l.code AS lot_code, "
    "l.name AS lot_name, c.officer, c.fine, c.balance, citation_status(c) AS status, c.due_on"
)
_ROW_JOINS = "JOIN violation v ON v.id = c.violation_id JOIN lot l ON l.id = c.lot_id"


def _row(r: Row[Any], *, typed_plate: str = "") -> CitationRow:
    return record(
        CitationRow,
        r,
        look_alike=bool(typed_plate) and r.plate != typed_plate and not _NUMBER.match(typed_plate),
    )


class CitationService:
    """Citations as a clerk, adjudicator or manager reads and settles them."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def lookups(self) -> Lookups:
        with self.workspace.read() as session:
            lots = session.execute(text("SELECT id, name FROM lot ORDER BY name")).all()
            officers = session.execute(
                text(
                    "SELECT DISTINCT officer FROM citation "
                    "WHERE issued_at > now() - interval '1 year' ORDER BY officer"
                )
            ).scalars()
            office = document_office(session)
            rights = session.execute(
                text(
                    "SELECT has_function_privilege('parkdesk.void_citation(bigint, text)', "
                    "'EXECUTE') AS can_void, "
                    "has_function_privilege('parkdesk.pay_citations(uuid, bigint[], jsonb)', "
                    "'EXECUTE') AS can_pay, "
                    "has_function_privilege('parkdesk.escalate_citations(timestamptz)', "
                    "'EXECUTE') AS can_escalate"
                )
            ).one()
            return Lookups(
                lots=tuple((int(r.id), str(r.name)) for r in lots),
                officers=tuple(str(o) for o in officers),
                currency=office.currency,
                time_zone=office.time_zone,
                can_void=bool(rights.can_void),
                can_take_payments=bool(rights.can_pay),
                can_escalate=bool(rights.can_escalate),
            )

    # -- finding --------------------------------------------------------------------

    def search(
        self, query: CitationQuery, *, after: Cursor | None = None, limit: int = 100
    ) -> CitationPage:
        """One page of citations, newest first; pages continue from ``after`` (keyset)."""
        where, params = _conditions(query)
        if after is not None:
            where.append("(c.issued_at, c.id) < (:after_at, :after_id)")
            params.update(after_at=after[0], after_id=after[1])
        params["limit"] = limit + 1
        sql = (
            f"SELECT {_ROW_COLUMNS} FROM citation c {_ROW_JOINS} "
            f"WHERE {' AND '.join(where) or 'true'} "
            "ORDER BY c.issued_at DESC, c.id DESC LIMIT :limit"
        )
        with self.workspace.read() as session:
            rows = session.execute(text(sql), params).all()
        typed = str(params.get("plate", ""))
        found = tuple(_row(r, typed_plate=typed) for r in rows[:limit])
        return CitationPage(found, found[-1].sort_key if len(rows) > limit else None)

    def get(self, citation_id: int) -> CitationDetail:
        with self.workspace.read() as session:
            return self._detail(session, citation_id)

    def _detail(self, session: Session, citation_id: int) -> CitationDetail:
        row = session.execute(
            text(
                f"SELECT {_ROW_COLUMNS}, coalesce(z.name, '') AS zone, "
                "coalesce(c.note, '') AS note, coalesce(c.make, '') AS make, "
                "coalesce(c.colour, '') AS colour, d.code AS device, c.device_seq, "
                "c.recorded_at, c.voided_at, c.voided_by, c.void_reason, c.collections_at, "
                "citation_amount_due(c.id) AS amount_due, c.vehicle_id, vh.parker_id, "
                "coalesce(pk.first_name || ' ' || pk.last_name, '') AS parker_name "
                f"FROM citation c {_ROW_JOINS} "
                "JOIN device d ON d.id = c.device_id "
                "LEFT JOIN zone z ON z.id = c.zone_id "
                "LEFT JOIN vehicle vh ON vh.id = c.vehicle_id "
                "LEFT JOIN parker pk ON pk.id = vh.parker_id "
                "WHERE c.id = :id"
            ),
            {"id": citation_id},
        ).one_or_none()
        if row is None:
            raise NotFound("This citation no longer exists.")
        lines = session.execute(
            text(
                "SELECT l.posted_at, l.kind, l.amount, l.memo, l.posted_by, "
                "p.receipt_number FROM ledger_line l "
                "LEFT JOIN payment_line p ON p.id = l.payment_id "
                "WHERE l.citation_id = :id ORDER BY l.posted_at, l.id"
            ),
            {"id": citation_id},
        ).all()
        photos = session.execute(
            text(
                "SELECT e.id, e.media_type, e.size_bytes, e.sha256, e.captured_at, "
                "e.recorded_at, e.recorded_by, coalesce(e.device, '') AS device "
                "FROM case_evidence(:id) e "
                "WHERE e.appeal_id IS NULL ORDER BY e.captured_at, e.id"
            ),
            {"id": citation_id},
        ).all()
        office = document_office(session)
        return record(
            CitationDetail,
            row,
            row=_row(row),
            amount_due=Decimal(row.amount_due or 0),
            lines=tuple(record(FineLine, r) for r in lines),
            photos=tuple(record(PhotoInfo, r) for r in photos),
            currency=office.currency,
            time_zone=office.time_zone,
        )

    def photo(self, evidence_id: int) -> PhotoContent:
        """A photo's or document's bytes, hashed again here: the page says whether they
        still match."""
        with self.workspace.read() as session:
            r = session.execute(
                text(
                    "SELECT e.id, e.media_type, e.size_bytes, e.sha256, e.captured_at, "
                    "e.recorded_at, e.recorded_by, coalesce(e.device, '') AS device, "
                    "coalesce(e.description, '') AS description, e.content "
                    "FROM evidence_file(:id) e"
                ),
                {"id": evidence_id},
            ).one_or_none()
        if r is None:
            raise NotFound("This photo is not there.")
        content = bytes(r.content)
        return PhotoContent(
            info=record(PhotoInfo, r),
            content=content,
            verified=hashlib.sha256(content).hexdigest() == str(r.sha256).lower(),
        )

    def vehicle_enforcement(self, jurisdiction: str, plate: str) -> VehicleEnforcement:
        """The plate's citations (newest first, at most 50) and its reads of the last 90 days,
        whether or not the vehicle was registered when they happened."""
        params = {"jurisdiction": jurisdiction, "plate": normalize_plate(plate), "limit": 20}
        with self.workspace.read() as session:
            office = document_office(session)
            reads = session.execute(RECENT_READS_SQL, params).all()
            if not session.execute(
                text("SELECT has_table_privilege('parkdesk.citation', 'SELECT')")
            ).scalar_one():
                citations = None
            else:
                rows = session.execute(
                    text(
                        f"SELECT {_ROW_COLUMNS} FROM citation c {_ROW_JOINS} "
                        "WHERE c.jurisdiction = :jurisdiction AND c.plate_normalized = :plate "
                        "ORDER BY c.issued_at DESC, c.id DESC LIMIT 50"
                    ),
                    params,
                ).all()
                citations = tuple(_row(r) for r in rows)
        return VehicleEnforcement(
            citations=citations,
            reads=tuple(ReadSeen(*r) for r in reads),
            currency=office.currency,
            time_zone=office.time_zone,
        )

    def plate_citations(self, jurisdiction: str, plate: str, limit: int = 20) -> list[CitationRow]:
        """The plate's latest citations, newest first, whoever it was registered to."""
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    f"SELECT {_ROW_COLUMNS} FROM citation c {_ROW_JOINS} "
                    "WHERE c.jurisdiction = :jurisdiction AND c.plate_normalized = :plate "
                    "ORDER BY c.issued_at DESC, c.id DESC LIMIT :limit"
                ),
                {"jurisdiction": jurisdiction, "plate": normalize_plate(plate), "limit": limit},
            ).all()
        return [_row(r) for r in rows]

    def scofflaws(self) -> list[Scofflaw]:
        """The boot and tow list: most unpaid first."""
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    "SELECT jurisdiction, plate, unpaid, owed, oldest_due, last_lot, "
                    "last_cited_at FROM scofflaws()"
                )
            ).all()
        return [record(Scofflaw, r) for r in rows]

    def permit_flags(self) -> list[SharedPermitFlag]:
        """Permits whose vehicles were read on site together: those not looked into, then
        those cleared in the last 30 days."""
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    """
                    SELECT f.id, f.permit_id, p.number AS permit_number, l.name AS lot_name,
                           v1.jurisdiction || ' ' || v1.plate_normalized AS first_plate,
                           f.first_read_at,
                           v2.jurisdiction || ' ' || v2.plate_normalized AS second_plate,
                           f.second_read_at, f.cleared_at, f.cleared_by, f.clear_note
                    FROM permit_flag f
                    JOIN permit p ON p.id = f.permit_id
                    JOIN lot l ON l.id = f.lot_id
                    JOIN vehicle v1 ON v1.id = f.first_vehicle_id
                    JOIN vehicle v2 ON v2.id = f.second_vehicle_id
                    WHERE f.cleared_at IS NULL OR f.cleared_at > now() - interval '30 days'
                    ORDER BY f.cleared_at IS NOT NULL, f.flagged_at DESC
                    LIMIT 500
                    """
                )
            ).all()
        return [record(SharedPermitFlag, r) for r in rows]

    def clear_flag(self, flag_id: int, note: str) -> None:
        """Record that the office looked into a flag, and what it found."""
        note = " ".join(note.split())
        if len(note) < 3:
            raise ValidationError.single("note", "Say what was found.")
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT clear_permit_flag(:id, :note)"), {"id": flag_id, "note": note}
            )

    # -- paying and voiding ------------------------------------------------------------

    def amounts_due(self, citation_ids: Sequence[int]) -> list[Due]:
        """What paying these citations now takes, each with any early-payment discount."""
        ids = _paid_together(citation_ids)
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    f"SELECT {_ROW_COLUMNS}, citation_amount_due(c.id) AS due "
                    f"FROM citation c {_ROW_JOINS} WHERE c.id = ANY(:ids) ORDER BY c.issued_at"
                ),
                {"ids": list(ids)},
            ).all()
        if len(rows) != len(ids):
            raise NotFound("A citation chosen is no longer there.")
        return [Due(_row(r), Decimal(r.due or 0)) for r in rows]

    def pay(self, key: uuid.UUID, citation_ids: Sequence[int], tender: Tender) -> PaymentResult:
        """Take one payment for the citations (all settled, or none): recorded once per key."""
        ids = _paid_together(citation_ids)
        with self.workspace.transaction() as session:
            payment_id = session.execute(
                text("SELECT pay_citations(:key, :ids, CAST(:tender AS jsonb))"),
                {"key": key, "ids": list(ids), "tender": tender.as_json()},
            ).scalar_one()
            return payment_result(session, int(payment_id))

    def void(self, citation_id: int, reason: str) -> CitationDetail:
        """Void a citation with why: what is owed is cancelled in the ledger."""
        reason = " ".join(reason.split())
        if len(reason) < 3:
            raise ValidationError.single("reason", "Say why the citation is voided.")
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT void_citation(:id, :reason)"), {"id": citation_id, "reason": reason}
            )
            return self._detail(session, citation_id)

    def escalate(self) -> int:
        """Post the escalation stages that have come due (idempotent: the clock job's own
        work, run by an open manager's client between the scheduler's runs)."""
        with self.workspace.transaction() as session:
            return int(session.execute(text("SELECT escalate_citations()")).scalar_one())

    # -- documents -----------------------------------------------------------------

    def receipt_pdf(self, payment_id: int) -> bytes:
        return PermitService(self.workspace).receipt_pdf(payment_id)

    def notice_pdf(self, citation_id: int) -> bytes:
        """The citation's notice, as mailed or handed to the vehicle's owner."""
        with self.workspace.read() as session:
            detail = self._detail(session, citation_id)
            office = document_office(session)
            discount = session.execute(
                text(
                    "SELECT s.discount_percent, local_day(c.issued_at) + s.discount_days AS until "
                    "FROM citation c, office_setting s WHERE c.id = :id "
                    "AND s.discount_days IS NOT NULL"
                ),
                {"id": citation_id},
            ).one_or_none()
        return documents.citation_notice_pdf(
            documents.CitationNotice(
                office=office,
                number=detail.row.number,
                issued_at=detail.row.issued_at,
                plate=f"{detail.row.jurisdiction} {detail.row.plate}",
                vehicle=" ".join(p for p in (detail.colour, detail.make) if p),
                violation=f"{detail.row.violation_code} — {detail.row.violation}",
                place=detail.row.lot_name + (f", {detail.zone}" if detail.zone else ""),
                officer=detail.row.officer,
                fine=detail.row.fine,
                balance=detail.row.balance,
                amount_due=detail.amount_due,
                due_on=detail.row.due_on,
                status=detail.row.status_title,
                discount=(
                    (Decimal(discount.discount_percent), discount.until)
                    if discount is not None
                    else None
                ),
                lines=tuple(
                    documents.ReceiptLine(line.memo or line.title, line.amount)
                    for line in detail.lines
                ),
                note=detail.note,
            )
        )


def _paid_together(citation_ids: Sequence[int]) -> tuple[int, ...]:
    ids = tuple(dict.fromkeys(int(i) for i in citation_ids))
    if not ids:
        raise ValidationError.single("citations", "Choose the citations to pay.")
    if len(ids) > MAX_PAID_TOGETHER:
        raise ValidationError.single(
            "citations", f"Pay at most {MAX_PAID_TOGETHER} citations together."
        )
    return ids


def _conditions(query: CitationQuery) -> tuple[list[str], dict[str, Any]]:
    """The WHERE clauses of a search, and their parameters."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if query.text.strip():
        where.append(_text_condition(query.text, params))
    if query.status:
        if query.status not in _STATUS_SQL:
            raise ValidationError.single("status", "Choose a status from the list.")
        where.append(_STATUS_SQL[query.status])
    filters = (
        ("lot", query.lot_id, "c.lot_id = :lot"),
        ("officer", query.officer or None, "c.officer = :officer"),
        ("issued_from", query.issued_from, "c.issued_at >= local_midnight(:issued_from)"),
        ("issued_to", query.issued_to, "c.issued_at < local_midnight(:issued_to + 1)"),
        ("vehicle", query.vehicle_id, "c.vehicle_id = :vehicle"),
        (
            "parker",
            query.parker_id,
            "c.vehicle_id IN (SELECT id FROM vehicle WHERE parker_id = :parker)",
        ),
    )
    for name, value, clause in filters:
        if value is not None:
            where.append(clause)
            params[name] = value
    return where, params


def _text_condition(typed_text: str, params: dict[str, Any]) -> str:
    """A citation number (or its first characters) or a plate with its look-alikes,
    optionally after the plate's jurisdiction ("ON ABC 123")."""
    typed = " ".join(typed_text.split()).upper()
    jurisdiction = ""
    parts = typed.split(" ", 1)
    if len(parts) == 2 and re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", parts[0]):
        jurisdiction, typed = parts[0], parts[1]
    plate = normalize_plate(typed)
    if not plate.isalnum() or len(plate) > 14:
        raise ValidationError.single(
            "text", "Type a citation number or a plate (letters and digits)."
        )
    params.update(plate=plate, skeleton=plate_skeleton(plate), jurisdiction=jurisdiction)
    by_plate = (
        "(c.plate_normalized = :plate OR (c.plate_skeleton = :skeleton "
        "AND plate_differences(c.plate_normalized, :plate) <= 2))"
    )
    if jurisdiction:
        return f"(c.jurisdiction = :jurisdiction AND {by_plate})"
    if _NUMBER.match(plate):
        # A number, or its first characters, as well as a plate like it.
        params["number_prefix"] = plate + "%"
        return f"(c.number LIKE :number_prefix OR {by_plate})"
    return by_plate
