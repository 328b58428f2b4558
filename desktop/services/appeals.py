"""Appeals of citations: filing at the counter, the adjudicators' queue, decisions,
hearings, withdrawals, a manager's reopening, and the case timeline of a citation.

Every rule is the database's (``87_appeals.sql``): one open appeal per citation, the
window and the late appeal a manager accepts, the claim that keeps two adjudicators off
one appeal, the decision posted to the ledger, escalation paused while an appeal is open.
This module words what the desks show and hands back dataclasses.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from desktop.services import documents
from desktop.services.errors import NotFound, ValidationError
from desktop.services.localization import format_money, parse_money
from desktop.services.permits import document_office
from desktop.services.records import record
from desktop.services.workspace import Workspace

#: How an appeal came in, as the desk offers it.
CHANNELS = {
    "in_person": "In person",
    "phone": "By phone",
    "mail": "By mail",
    "online": "Online",
}
DECISIONS = {"uphold": "Uphold", "reduce": "Reduce", "dismiss": "Dismiss"}
DECIDED = {"uphold": "Upheld", "reduce": "Reduced", "dismiss": "Dismissed"}
LEVELS = {"review": "Review", "hearing": "Hearing"}
#: What a parker's document may be, by its first bytes (as the database tells them), and
#: how large; the file chooser offers these extensions.
DOCUMENT_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
DOCUMENT_EXTENSIONS = ("*.pdf", "*.jpg", "*.jpeg", "*.png")
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
#: The photos a hearing packet prints, at most.
PACKET_PHOTOS = 12

_APPEAL_COLUMNS = """
    a.id, a.number, a.citation_id, c.number AS citation_number, a.filed_at, a.filed_by,
    a.channel, a.appellant, a.contact, a.statement, a.late_reason, a.late_accepted_by,
    a.level, a.status, a.hearing_at, a.hearing_place, k.claimed_by, k.claimed_until,
    a.decision, r.text AS reason, a.decision_note, a.reduced_to, a.taken_off, a.refund_due,
    a.paused_days, a.decided_at, a.decided_by, c.jurisdiction, c.plate_normalized AS plate,
    c.fine, c.balance
"""
_APPEAL_JOINS = """
    FROM appeal a JOIN citation c ON c.id = a.citation_id
    LEFT JOIN appeal_reason r ON r.id = a.reason_id
    LEFT JOIN appeal_claim k ON k.appeal_id = a.id
"""


@dataclass(frozen=True)
class Appeal:
    """One appeal, with what the desk shows of its citation."""

    id: int
    number: str
    citation_id: int
    citation_number: str
    filed_at: datetime
    filed_by: str
    channel: str
    appellant: str
    contact: str
    statement: str
    late_reason: str | None
    late_accepted_by: str | None
    level: str
    status: str
    hearing_at: datetime | None
    hearing_place: str | None
    claimed_by: str | None
    claimed_until: datetime | None
    decision: str | None
    reason: str | None
    decision_note: str | None
    reduced_to: Decimal | None
    taken_off: Decimal
    refund_due: Decimal
    paused_days: int
    decided_at: datetime | None
    decided_by: str | None
    jurisdiction: str
    plate: str
    fine: Decimal
    balance: Decimal

    @property
    def outcome(self) -> str:
        """ "Open — review", "Dismissed", "Reduced to 20.00", "Withdrawn"."""
        if self.status == "open":
            return f"Open — {LEVELS[self.level].lower()}"
        if self.status == "withdrawn":
            return "Withdrawn"
        title = DECIDED.get(self.decision or "", "Decided")
        return f"{title} to {self.reduced_to}" if self.reduced_to is not None else title


@dataclass(frozen=True)
class QueueLevel:
    """The queue at one level: how many wait, how many are in hand, the oldest, those
    whose answer is due within a week, and the next hearing."""

    level: str
    waiting: int
    held: int
    oldest_filed_at: datetime | None
    answer_due_soon: int
    next_hearing_at: datetime | None


@dataclass(frozen=True)
class Reason:
    id: int
    decision: str
    text: str


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case timeline: a moment (or a band from ``at`` to ``until``), what
    it is, and how many minutes from the citation (negative: before)."""

    at: datetime
    until: datetime | None
    kind: str
    title: str
    detail: str
    minutes: int
    ref: int | None
    #: The money of a ledger line, a payment or the citation's fine.
    amount: Decimal | None = None

    @property
    def when(self) -> str:
        """ "3 minutes after", "40 minutes before", "at the citation"."""
        m = self.minutes
        if m == 0:
            return "at the citation"
        side = "after" if m > 0 else "before"
        m = abs(m)
        if m < 120:
            return f"{m} minute{'s' if m != 1 else ''} {side}"
        if m < 2880:
            return f"{m // 60} hours {side}"
        return f"{m // 1440} days {side}"


@dataclass(frozen=True)
class AppealForm:
    """What the clerk writes down when a parker appeals: the citation (by id from its page,
    or by the number the parker reads out), how it came in, who and why."""

    channel: str
    appellant: str
    contact: str
    statement: str
    #: Only for a late appeal, which a manager accepts.
    late_reason: str = ""
    citation_id: int | None = None
    citation_number: str = ""


@dataclass(frozen=True)
class AppealOffice:
    """What the desk needs of the office to show appeals: money and time words, and how
    long a claim lasts."""

    currency: str
    time_zone: str
    lease_minutes: int
    window_days: int


class AppealService:
    """The appeals of the office, as the calling login may see and work them."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._office: AppealOffice | None = None

    # -- reading -----------------------------------------------------------------

    def office(self) -> AppealOffice:
        """The office's currency, time zone, claim lease and appeal window (read once)."""
        if self._office is None:
            with self.workspace.read() as session:
                row = session.execute(
                    text(
                        "SELECT currency, time_zone, appeal_lease_minutes AS lease_minutes, "
                        "appeal_window_days AS window_days FROM office_setting"
                    )
                ).one()
            self._office = record(AppealOffice, row)
        return self._office

    def queue(self) -> list[QueueLevel]:
        with self.workspace.read() as session:
            rows = session.execute(text("SELECT * FROM appeal_queue()")).all()
        return [record(QueueLevel, r) for r in rows]

    def open_appeals(self, limit: int = 500) -> list[Appeal]:
        """The appeals waiting, in the order the queue hands them out."""
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    f"SELECT {_APPEAL_COLUMNS} {_APPEAL_JOINS} WHERE a.status = 'open' "
                    "ORDER BY coalesce(a.hearing_at, a.filed_at), a.id LIMIT :limit"
                ),
                {"limit": limit},
            ).all()
        return [record(Appeal, r) for r in rows]

    def get(self, appeal_id: int) -> Appeal:
        with self.workspace.read() as session:
            return _appeal(session, appeal_id)

    def of_citation(self, citation_id: int) -> list[Appeal]:
        """A citation's appeals, the latest first."""
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    f"SELECT {_APPEAL_COLUMNS} {_APPEAL_JOINS} WHERE a.citation_id = :id "
                    "ORDER BY a.id DESC"
                ),
                {"id": citation_id},
            ).all()
        return [record(Appeal, r) for r in rows]

    def reasons(self, decision: str) -> list[Reason]:
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    "SELECT id, decision, text FROM appeal_reason "
                    "WHERE decision = :decision AND active ORDER BY text"
                ),
                {"decision": decision},
            ).all()
        return [record(Reason, r) for r in rows]

    def timeline(self, citation_id: int) -> list[TimelineEntry]:
        """The case timeline: the finding first, then everything in time order."""
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    "SELECT at, until, kind, title, detail, minutes, ref, amount "
                    "FROM case_timeline(:id)"
                ),
                {"id": citation_id},
            ).all()
        if not rows:
            raise NotFound("That citation is no longer there.")
        return [record(TimelineEntry, r) for r in rows]

    # -- the counter ---------------------------------------------------------------

    def file(self, key: uuid.UUID, form: AppealForm) -> Appeal:
        """File an appeal for a parker; a retry under the same key files it once."""
        if form.channel not in CHANNELS:
            raise ValidationError.single("channel", "Say how the appeal came in.")
        appellant = " ".join(form.appellant.split())
        statement = form.statement.strip()
        problems = []
        if len(appellant) < 2:
            problems.append(("appellant", "Give the name of the person appealing."))
        if len(statement) < 3:
            problems.append(("statement", "Write down why the citation is appealed."))
        if problems:
            raise ValidationError.single(*problems[0])
        with self.workspace.transaction() as session:
            citation_id = form.citation_id
            if citation_id is None:
                number = "".join(form.citation_number.split()).upper()
                citation_id = session.execute(
                    text("SELECT id FROM citation WHERE number = :number"), {"number": number}
                ).scalar_one_or_none()
                if citation_id is None:
                    raise ValidationError.single(
                        "citation", f"There is no citation {number or 'with that number'}."
                    )
            appeal_id = session.execute(
                text(
                    "SELECT file_appeal(:key, :citation, :channel, :appellant, :contact, "
                    ":statement, :late)"
                ),
                {
                    "key": key,
                    "citation": citation_id,
                    "channel": form.channel,
                    "appellant": appellant,
                    "contact": form.contact.strip(),
                    "statement": statement,
                    "late": form.late_reason.strip() or None,
                },
            ).scalar_one()
            return _appeal(session, int(appeal_id))

    def attach_document(self, appeal_id: int, path: Path, description: str) -> Appeal:
        """Attach a parker's document (a receipt, a photo of the permit) to an open appeal:
        read here, hashed here and again by the database, which keeps it unchanged. What is
        wrong with the file is said under ``file``, what is wrong with its description
        under ``description``."""
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ValidationError.single(
                "file", f"The file cannot be read: {exc.strerror}."
            ) from exc
        if size > DOCUMENT_MAX_BYTES:
            raise ValidationError.single(
                "file",
                f"This file is {size / 1048576:.1f} MB; a document is at most 20 MB. Scan "
                "it at a lower resolution or split it.",
            )
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ValidationError.single(
                "file", f"The file cannot be read: {exc.strerror}."
            ) from exc
        media_type = document_type(content)
        if media_type is None:
            raise ValidationError.single(
                "file",
                "Attach a PDF document or a JPEG or PNG photo: scan or save the document as "
                "one of them.",
            )
        try:
            with self.workspace.transaction() as session:
                session.execute(
                    text(
                        "SELECT attach_appeal_document(:appeal, :content, :sha256, :type, "
                        ":description, :file_name)"
                    ),
                    {
                        "appeal": appeal_id,
                        "content": content,
                        "sha256": hashlib.sha256(content).hexdigest(),
                        "type": media_type,
                        "description": " ".join(description.split()),
                        "file_name": path.name[-200:],
                    },
                )
                return _appeal(session, appeal_id)
        except ValidationError as exc:
            raise exc.under("file", "content", "sha256", "media_type") from exc

    def withdraw(self, appeal_id: int, note: str) -> Appeal:
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT withdraw_appeal(:id, :note)"),
                {"id": appeal_id, "note": " ".join(note.split())},
            )
            return _appeal(session, appeal_id)

    # -- adjudication --------------------------------------------------------------

    def take_next(self) -> Appeal | None:
        """The appeal in hand (renewed), else the next one waiting, claimed; None when
        the queue is empty."""
        with self.workspace.transaction() as session:
            appeal_id = session.execute(text("SELECT take_next_appeal()")).scalar_one()
            return None if appeal_id is None else _appeal(session, int(appeal_id))

    def claim(self, appeal_id: int) -> Appeal:
        with self.workspace.transaction() as session:
            session.execute(text("SELECT claim_appeal(:id)"), {"id": appeal_id})
            return _appeal(session, appeal_id)

    def release(self, appeal_id: int) -> None:
        with self.workspace.transaction() as session:
            session.execute(text("SELECT release_appeal(:id)"), {"id": appeal_id})

    def schedule_hearing(self, appeal_id: int, at: datetime, place: str) -> Appeal:
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT schedule_hearing(:id, :at, :place)"),
                {"id": appeal_id, "at": at, "place": " ".join(place.split())},
            )
            return _appeal(session, appeal_id)

    def decide(
        self,
        appeal_id: int,
        decision: str,
        reason_id: int | None,
        note: str,
        amount: str = "",
    ) -> Appeal:
        """Decide the appeal in hand: uphold, reduce (to ``amount``) or dismiss."""
        if decision not in DECISIONS:
            raise ValidationError.single("decision", "Decide: uphold, reduce or dismiss.")
        if reason_id is None:
            raise ValidationError.single("reason", "Choose the reason for the decision.")
        reduced = None
        if decision == "reduce":
            reduced = parse_money(
                amount,
                field="amount",
                label="the amount",
                currency=self.office().currency,
                allow_zero=False,
            )
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT decide_appeal(:id, :decision, :reason, :note, :amount)"),
                {
                    "id": appeal_id,
                    "decision": decision,
                    "reason": reason_id,
                    "note": note.strip(),
                    "amount": reduced,
                },
            )
            return _appeal(session, appeal_id)

    # -- letters -------------------------------------------------------------------

    def decision_letter_pdf(self, appeal_id: int) -> bytes:
        """The decision letter of a decided appeal."""
        with self.workspace.read() as session:
            appeal = _appeal(session, appeal_id)
            if appeal.status != "decided":
                raise ValidationError.single("appeal", "The appeal is not decided yet.")
            return documents.decision_letter_pdf(_letter(session, appeal))

    def hearing_notice_pdf(self, appeal_id: int) -> bytes:
        """The notice of an appeal's hearing."""
        with self.workspace.read() as session:
            appeal = _appeal(session, appeal_id)
            if appeal.hearing_at is None:
                raise ValidationError.single("appeal", "No hearing is set for this appeal.")
            return documents.hearing_notice_pdf(_letter(session, appeal))

    def hearing_packet_pdf(self, appeal_id: int) -> bytes:
        """The hearing packet: the citation, the statement, its photos (each re-hashed),
        the case timeline and the appeal's history, in one document."""
        with self.workspace.read() as session:
            appeal = _appeal(session, appeal_id)
            letter = _letter(session, appeal)
            row = session.execute(
                text(
                    "SELECT c.officer, d.code AS device, c.note, "
                    "l.name || coalesce(', zone ' || z.code, '') AS place "
                    "FROM citation c JOIN device d ON d.id = c.device_id "
                    "JOIN lot l ON l.id = c.lot_id LEFT JOIN zone z ON z.id = c.zone_id "
                    "WHERE c.id = :id"
                ),
                {"id": appeal.citation_id},
            ).one()
            photos = session.execute(
                text(
                    "SELECT f.content, f.captured_at, f.sha256 FROM case_evidence(:id) e "
                    "CROSS JOIN LATERAL evidence_file(e.id) f WHERE e.appeal_id IS NULL "
                    "ORDER BY e.captured_at, e.id LIMIT :limit"
                ),
                {"id": appeal.citation_id, "limit": PACKET_PHOTOS},
            ).all()
            papers = session.execute(
                text(
                    "SELECT f.content, f.recorded_at, f.sha256, f.media_type, f.description "
                    "FROM case_evidence(:citation) e CROSS JOIN LATERAL evidence_file(e.id) f "
                    "WHERE e.appeal_id = :id ORDER BY e.recorded_at, e.id LIMIT :limit"
                ),
                {"citation": appeal.citation_id, "id": appeal.id, "limit": PACKET_PHOTOS},
            ).all()
        timeline = [e for e in self.timeline(appeal.citation_id) if e.kind != "finding"]
        office = letter.office
        return documents.hearing_packet_pdf(
            documents.HearingPacket(
                letter=letter,
                officer=str(row.officer),
                device=str(row.device),
                place=str(row.place),
                note=str(row.note or ""),
                statement=appeal.statement,
                timeline=tuple(
                    documents.PacketLine(
                        at=e.at,
                        when=e.when,
                        what=e.title
                        + (
                            ""
                            if e.amount is None
                            else f" {format_money(e.amount, office.currency)}"
                        ),
                        detail=e.detail,
                    )
                    for e in timeline
                ),
                photos=tuple(
                    documents.PacketPhoto(
                        content=bytes(p.content),
                        captured_at=p.captured_at,
                        sha256=str(p.sha256),
                        matches=hashlib.sha256(bytes(p.content)).hexdigest() == p.sha256,
                    )
                    for p in photos
                ),
                documents=_packet_documents(papers),
            )
        )

    # -- the manager -----------------------------------------------------------------

    def reopen(self, appeal_id: int, reason: str) -> Appeal:
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT reopen_appeal(:id, :reason)"),
                {"id": appeal_id, "reason": " ".join(reason.split())},
            )
            return _appeal(session, appeal_id)


#: A parker's PDF shows at most this many pages in the hearing packet.
PACKET_PAGES = 4


def _packet_documents(rows: Sequence[Any]) -> tuple[documents.PacketPhoto, ...]:
    """The parker's documents as the packet prints them: photos as they are, a PDF as
    pictures of its first pages; a file that fails its fingerprint is named, not shown."""
    import io

    from PIL import Image

    shown: list[documents.PacketPhoto] = []
    for row in rows:
        content = bytes(row.content)
        matches = hashlib.sha256(content).hexdigest() == row.sha256
        # A file that fails its fingerprint is not pictured: the packet says so instead.
        pictures = [content if matches else b""]
        if matches and row.media_type == "application/pdf":
            try:
                pages = documents.render_pages(content, 110)
            except Exception:  # a damaged PDF is named in the packet, not shown
                pages = []
            pictures = []
            for width, height, raw in pages[:PACKET_PAGES]:
                out = io.BytesIO()
                Image.frombytes("RGB", (width, height), raw).save(out, format="PNG")
                pictures.append(out.getvalue())
            if not pictures:
                pictures = [b""]
        for number, picture in enumerate(pictures, start=1):
            page = f", page {number} of {len(pictures)}" if len(pictures) > 1 else ""
            shown.append(
                documents.PacketPhoto(
                    content=picture,
                    captured_at=row.recorded_at,
                    sha256=str(row.sha256),
                    matches=matches,
                    caption=f"{row.description}{page}",
                )
            )
    return tuple(shown)


def document_type(content: bytes) -> str | None:
    """A document's type as its first bytes say, or None for a kind not kept."""
    return next((kind for head, kind in DOCUMENT_SIGNATURES if content.startswith(head)), None)


def _letter(session: Session, appeal: Appeal) -> documents.AppealLetter:
    row = session.execute(
        text(
            "SELECT c.issued_at, c.due_on, v.code || ' — ' || v.description AS violation "
            "FROM citation c JOIN violation v ON v.id = c.violation_id WHERE c.id = :id"
        ),
        {"id": appeal.citation_id},
    ).one()
    return documents.AppealLetter(
        office=document_office(session),
        appeal_number=appeal.number,
        citation_number=appeal.citation_number,
        plate=f"{appeal.jurisdiction} {appeal.plate}",
        violation=str(row.violation),
        issued_at=row.issued_at,
        appellant=appeal.appellant,
        contact=appeal.contact,
        filed_at=appeal.filed_at,
        decision=appeal.decision or "",
        decided_at=appeal.decided_at,
        reason=appeal.reason or "",
        note=appeal.decision_note or "",
        fine=appeal.fine,
        reduced_to=appeal.reduced_to,
        balance=appeal.balance,
        due_on=row.due_on,
        refund_due=appeal.refund_due,
        hearing_at=appeal.hearing_at,
        hearing_place=appeal.hearing_place or "",
    )


def _appeal(session: Session, appeal_id: int) -> Appeal:
    row = session.execute(
        text(f"SELECT {_APPEAL_COLUMNS} {_APPEAL_JOINS} WHERE a.id = :id"), {"id": appeal_id}
    ).one_or_none()
    if row is None:
        raise NotFound("That appeal is no longer there.")
    return record(Appeal, row)
