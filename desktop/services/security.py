"""The security desk's watchlist (hotlist, BOLO) and its live alerts (SPEC "Security").

Dispatchers and managers keep entries — a plate, exact or partial (``AB*12``), in one
jurisdiction or any, with a confidential reason, an instruction for whoever meets the car,
a priority and an expiry — and acknowledge the alerts the database raises when a device
reads, a desk checks or an officer cites a plate in force (``88_watchlist.sql``). Every
rule is the database's; this module words what the desk shows and hands back dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from desktop.services.database import translate_errors
from desktop.services.errors import NotFound, ValidationError
from desktop.services.records import record
from desktop.services.workspace import Workspace

#: Priorities as the desk says them.
PRIORITIES = {1: "Urgent", 2: "Normal", 3: "Low"}
#: How an alert's latest hit came about.
SOURCES = {"read": "Read by", "check": "Checked by", "citation": "Cited by"}
INSTRUCTION_WANTED = (
    'Say what whoever meets the car should do, e.g. "Do not approach; call dispatch".'
)
#: The categories a new entry is offered (any other text is kept as typed).
CATEGORIES = ("BOLO", "Stolen vehicle", "Trespass", "Amber alert", "Other")


@dataclass(frozen=True)
class WatchlistEntry:
    """One entry of the watchlist, as dispatchers read it."""

    id: int
    jurisdiction: str | None
    plate_pattern: str
    category: str
    priority: int
    reason: str
    instruction: str
    starts_at: datetime
    expires_at: datetime | None
    retired_at: datetime | None
    retired_by: str | None
    retire_reason: str | None
    created_by: str
    created_at: datetime
    version: int
    in_force: bool
    #: The incident it was put on the list for ("I2026-00012"), when the reader may read it.
    incident_number: str | None = None

    @property
    def plate_display(self) -> str:
        return f"{self.plate_pattern} ({self.jurisdiction or 'any'})"

    @property
    def state(self) -> str:
        if self.retired_at is not None:
            return "retired"
        if self.in_force:
            return "in_force"
        # Not in force: ended, or yet to start (an entry made ahead of time).
        if self.expires_at is not None and self.expires_at <= datetime.now(UTC):
            return "expired"
        return "not_yet"


STATE_TITLES = {
    "in_force": "In force",
    "expired": "Expired",
    "not_yet": "Not yet in force",
    "retired": "Retired",
}


@dataclass(frozen=True)
class EntryForm:
    """An entry as the dispatcher typed it; ``id`` None for a new one."""

    plate_pattern: str
    jurisdiction: str
    category: str
    priority: int
    reason: str
    instruction: str
    starts_at: datetime | None
    expires_at: datetime | None
    id: int | None = None
    #: The incident's number as typed; "" for none. ``None`` leaves the entry's link as it
    #: is (the form did not change it: a link to an incident the dispatcher may not read is
    #: not theirs to drop).
    incident_number: str | None = ""


@dataclass(frozen=True)
class Alert:
    """A watchlisted plate met: where, when and by whom last, how often, and what the
    entry says."""

    id: int
    entry_id: int
    jurisdiction: str
    plate: str
    first_at: datetime
    last_at: datetime
    hits: int
    source: str
    seen_at: datetime
    seen_by: str
    place: str
    lot_code: str | None
    device: str | None
    read_id: int | None
    citation_id: int | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledge_note: str | None
    reason: str
    instruction: str
    priority: int
    category: str
    plate_pattern: str
    #: Where the device stood when it read the plate, when it knew.
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    @property
    def waiting(self) -> bool:
        return self.acknowledged_at is None

    @property
    def how(self) -> str:
        """ "Read by otto with HH-101", "Checked by alice"."""
        words = f"{SOURCES.get(self.source, self.source)} {self.seen_by}"
        return f"{words} with {self.device}" if self.device else words


_ENTRY_COLUMNS = """
    e.id, e.jurisdiction, e.plate_pattern, e.category, e.priority, e.reason, e.instruction,
    e.starts_at, e.expires_at, e.retired_at, e.retired_by, e.retire_reason, e.created_by,
    e.created_at, e.version,
    (e.retired_at IS NULL AND e.starts_at <= now()
     AND (e.expires_at IS NULL OR e.expires_at > now())) AS in_force,
    l.incident_number
"""
#: The entries, and the incident each was put on the list for where the reader may read it
#: (dispatchers do not read the column itself: it would tell of a confidential incident).
_ENTRY_FROM = "watchlist_entry e LEFT JOIN watchlist_entry_incidents() l ON l.entry_id = e.id"
_ALERT_SQL = """
    SELECT a.id, a.entry_id, a.jurisdiction, a.plate, a.first_at, a.last_at, a.hits, a.source,
           a.seen_at, a.seen_by, coalesce(l.name, 'a desk') AS place, l.code AS lot_code,
           d.code AS device,
           a.read_id, a.citation_id, a.acknowledged_at, a.acknowledged_by,
           a.acknowledge_note, e.reason, e.instruction, e.priority, e.category,
           e.plate_pattern, r.latitude, r.longitude
    FROM watchlist_alert a JOIN watchlist_entry e ON e.id = a.entry_id
    LEFT JOIN lot l ON l.id = a.lot_id
    LEFT JOIN device d ON d.id = a.device_id
    LEFT JOIN plate_read r ON r.id = a.read_id
"""


@dataclass(frozen=True)
class HotlistImport:
    """What a hotlist file did: entries added, and entries in force it renewed."""

    added: int
    renewed: int

    @property
    def words(self) -> str:
        """ "2 plates were added from the hotlist; 9 already on it were renewed." """
        added = f"{self.added} plate{'' if self.added == 1 else 's'} "
        added += f"{'was' if self.added == 1 else 'were'} added from the hotlist"
        if not self.renewed:
            return f"{added}."
        renewed = f"{self.renewed} already on it {'was' if self.renewed == 1 else 'were'} renewed"
        return f"{added}; {renewed}."


#: A hotlist row for a plate on the list in force (same plate, jurisdiction and category):
#: that entry takes the row's dates and notes. A trespass notice's entries are the notice's.
_RENEW_SQL = """
    UPDATE watchlist_entry e
    SET priority = :priority, reason = :reason, instruction = :instruction,
        starts_at = coalesce(:starts_at, e.starts_at), expires_at = :expires_at
    WHERE e.retired_at IS NULL AND e.trespass_notice_id IS NULL
      AND e.plate_pattern = upper(regexp_replace(:plate, '[[:space:].-]', '', 'g'))
      AND e.jurisdiction IS NOT DISTINCT FROM nullif(upper(btrim(coalesce(:jurisdiction, ''))), '')
      AND lower(e.category) = lower(btrim(:category))
    RETURNING e.id
"""
_ADD_SQL = """
    INSERT INTO watchlist_entry (jurisdiction, plate_pattern, category, priority, reason,
                                 instruction, starts_at, expires_at)
    VALUES (:jurisdiction, :plate, :category, :priority, :reason, :instruction,
            coalesce(:starts_at, now()), :expires_at)
"""


class WatchlistService:
    """The watchlist and its alerts, as the calling login may read and keep them."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def time_zone(self) -> str:
        """The office's time zone, which the desk shows times in."""
        with self.workspace.read() as session:
            return str(session.execute(text("SELECT time_zone FROM office_setting")).scalar_one())

    # -- entries -------------------------------------------------------------------

    def entries(self, *, include_retired: bool = False, limit: int = 2000) -> list[WatchlistEntry]:
        """The entries, most urgent and newest first."""
        where = "TRUE" if include_retired else "e.retired_at IS NULL"
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    f"SELECT {_ENTRY_COLUMNS} FROM {_ENTRY_FROM} WHERE {where} "
                    "ORDER BY e.retired_at IS NOT NULL, e.priority, e.id DESC LIMIT :limit"
                ),  # the WHERE clause is a constant
                {"limit": limit},
            ).all()
        return [record(WatchlistEntry, r) for r in rows]

    def save_entry(self, form: EntryForm) -> WatchlistEntry:
        """Add an entry, or change one; the database normalises the plate and refuses what
        is not a plate pattern, in words, under the field."""
        problems = []
        if len(" ".join(form.reason.split())) < 3:
            problems.append(("reason", "Say why the plate is watched (dispatch only reads it)."))
        if len(" ".join(form.instruction.split())) < 3:
            problems.append(("instruction", INSTRUCTION_WANTED))
        if form.priority not in PRIORITIES:
            problems.append(("priority", "Choose urgent, normal or low."))
        if problems:
            raise ValidationError.single(*problems[0])
        values = {
            "jurisdiction": form.jurisdiction.strip() or None,
            "plate_pattern": form.plate_pattern,
            "category": " ".join(form.category.split()) or "BOLO",
            "priority": form.priority,
            "reason": form.reason.strip(),
            "instruction": " ".join(form.instruction.split()),
            "starts_at": form.starts_at,
            "expires_at": form.expires_at,
        }
        linked = form.incident_number is not None
        with self.workspace.transaction() as session:
            if linked:
                values["incident_id"] = _incident_id(session, form.incident_number or "")
            link = ", incident_id = :incident_id" if linked else ""
            if form.id is None:
                entry_id = session.execute(
                    text(
                        "INSERT INTO watchlist_entry (jurisdiction, plate_pattern, category, "
                        "priority, reason, instruction, starts_at, expires_at, incident_id) "
                        "VALUES (:jurisdiction, :plate_pattern, :category, :priority, :reason, "
                        ":instruction, coalesce(:starts_at, now()), :expires_at, "
                        f"{':incident_id' if linked else 'NULL'}) RETURNING id"
                    ),
                    values,
                ).scalar_one()
            else:
                entry_id = session.execute(
                    text(
                        "UPDATE watchlist_entry SET jurisdiction = :jurisdiction, "
                        "plate_pattern = :plate_pattern, category = :category, "
                        "priority = :priority, reason = :reason, instruction = :instruction, "
                        "starts_at = coalesce(:starts_at, starts_at), expires_at = :expires_at"
                        f"{link} WHERE id = :id RETURNING id"
                    ),
                    {**values, "id": form.id},
                ).scalar_one_or_none()
                if entry_id is None:
                    raise NotFound("That entry is no longer there.")
            return _entry(session, int(entry_id))

    def retire(self, entry_id: int, reason: str) -> WatchlistEntry:
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT retire_watchlist_entry(:id, :reason)"),
                {"id": entry_id, "reason": " ".join(reason.split())},
            )
            return _entry(session, entry_id)

    # -- alerts --------------------------------------------------------------------

    def alerts(self, *, hours: int = 24, limit: int = 200) -> list[Alert]:
        """The alerts waiting for a dispatcher (oldest first), then those of the last
        ``hours`` already acknowledged (latest first)."""
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    f"{_ALERT_SQL} WHERE a.acknowledged_at IS NULL "
                    "OR a.last_at > now() - make_interval(hours => :hours) "
                    "ORDER BY a.acknowledged_at IS NOT NULL, e.priority, "
                    "CASE WHEN a.acknowledged_at IS NULL THEN a.first_at END, "
                    "a.last_at DESC LIMIT :limit"
                ),
                {"hours": hours, "limit": limit},
            ).all()
        return [record(Alert, r) for r in rows]

    def acknowledge(self, alert_id: int, note: str = "") -> Alert:
        """Acknowledge an alert, once: another dispatcher's acknowledgement first is
        refused, saying whose it was and when."""
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT acknowledge_alert(:id, :note)"),
                {"id": alert_id, "note": " ".join(note.split())},
            )
            row = session.execute(text(f"{_ALERT_SQL} WHERE a.id = :id"), {"id": alert_id}).one()
            return record(Alert, row)

    def import_hotlist(
        self, content: str, *, source: str, instruction: str, priority: int
    ) -> HotlistImport:
        """Take every row of a hotlist file, or none: a file with a bad row is refused with
        each bad row named; so is one the database refuses a row of (named by its line).
        A row for a plate already on the list in force (same plate, jurisdiction and
        category) renews that entry, so the same day's file imported again, or tomorrow's,
        adds nothing twice; any other row adds an entry. The entries' reason names the file
        and carries each row's notes."""
        if len(" ".join(instruction.split())) < 3:
            raise ValidationError.single("instruction", INSTRUCTION_WANTED)
        if priority not in PRIORITIES:
            raise ValidationError.single("priority", "Choose urgent, normal or low.")
        hotlist = read_hotlist(content, self.time_zone())
        if hotlist.problems:
            raise ValidationError.single(
                "file",
                f"Nothing was imported: {len(hotlist.problems)} "
                f"row{'s' if len(hotlist.problems) != 1 else ''} cannot be read.\n"
                + "\n".join(hotlist.problems[:20])
                + ("\n…" if len(hotlist.problems) > 20 else ""),
            )
        if not hotlist.rows:
            raise ValidationError.single("file", "The file holds no plates.")
        label = source[-80:]
        added = renewed = 0
        with self.workspace.transaction() as session:
            for row in hotlist.rows:
                values = {
                    "jurisdiction": row.jurisdiction or None,
                    "plate": row.plate,
                    "category": row.category,
                    "priority": priority,
                    "reason": f"Hotlist {label}, line {row.line}"
                    + (f": {row.notes}" if row.notes else ""),
                    "instruction": " ".join(instruction.split()),
                    "starts_at": row.starts_at,
                    "expires_at": row.expires_at,
                }
                try:
                    with translate_errors():
                        if session.execute(text(_RENEW_SQL), values).first() is not None:
                            renewed += 1
                            continue
                        session.execute(text(_ADD_SQL), values)
                        added += 1
                except ValidationError as exc:
                    raise ValidationError.single(
                        "file",
                        f"Nothing was imported: line {row.line} was refused: "
                        f"{exc.problems[0].message}",
                    ) from exc
        return HotlistImport(added, renewed)

    def export_hotlist(self) -> str:
        """The entries in force as a hotlist file LPR vendors read: plate; state; category;
        effective date; expiry date; instruction (the reason stays here)."""
        import csv
        import io
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(self.time_zone())
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(["plate", "state", "category", "effective date", "expiry date", "notes"])
        for entry in self.entries():
            if not entry.in_force:
                continue
            writer.writerow(
                [
                    entry.plate_pattern,
                    entry.jurisdiction or "",
                    entry.category,
                    entry.starts_at.astimezone(zone).date().isoformat(),
                    ""
                    if entry.expires_at is None
                    else (entry.expires_at.astimezone(zone) - timedelta(seconds=1))
                    .date()
                    .isoformat(),
                    entry.instruction,
                ]
            )
        return out.getvalue()

    def read_photo(self, read_id: int) -> bytes | None:
        """The photo of the read behind an alert, if the device sent one."""
        with self.workspace.read() as session:
            content = session.execute(
                text("SELECT content FROM plate_read_photo WHERE read_id = :id"), {"id": read_id}
            ).scalar_one_or_none()
        return None if content is None else bytes(content)


def _incident_id(session: Session, number: str) -> int | None:
    """The incident of this number, among those the reader may read; None for none."""
    typed = "".join(number.split()).upper()
    if not typed:
        return None
    found = session.execute(
        text("SELECT id FROM visible_incidents() WHERE number = :number"), {"number": typed}
    ).scalar_one_or_none()
    if found is None:
        raise ValidationError.single("incident", f"There is no incident {typed}.")
    return int(found)


def _entry(session: Session, entry_id: int) -> WatchlistEntry:
    row = session.execute(
        text(f"SELECT {_ENTRY_COLUMNS} FROM {_ENTRY_FROM} WHERE e.id = :id"), {"id": entry_id}
    ).one_or_none()
    if row is None:
        raise NotFound("That entry is no longer there.")
    return record(WatchlistEntry, row)


# -- hotlist files ---------------------------------------------------------------------

#: The columns of a hotlist file, as LPR vendors write them; any after these are notes.
HOTLIST_COLUMNS = ("plate", "state", "category", "effective date", "expiry date")
HOTLIST_MAX_ROWS = 50_000


@dataclass(frozen=True)
class HotlistRow:
    """One row of a hotlist file, checked."""

    line: int
    plate: str
    jurisdiction: str
    category: str
    starts_at: datetime | None
    expires_at: datetime | None
    notes: str


@dataclass(frozen=True)
class Hotlist:
    """A hotlist file read: its good rows and what is wrong with the others, by line."""

    rows: tuple[HotlistRow, ...]
    problems: tuple[str, ...]


def read_hotlist(content: str, zone: str) -> Hotlist:
    """The rows of a delimited hotlist (``plate;state;category;effective;expiry;notes…``,
    semicolons, commas or tabs; a header line is recognised and skipped). Dates are
    ``YYYY-MM-DD`` (the start or end of that day in the office's zone) or empty. Every
    bad row is named with its line and what is wrong with it."""
    import csv
    import re
    from zoneinfo import ZoneInfo

    lines = content.splitlines()
    sample = next((ln for ln in lines if ln.strip()), "")
    delimiter = max(";,\t", key=sample.count) if sample else ";"
    tz = ZoneInfo(zone)
    rows: list[HotlistRow] = []
    problems: list[str] = []

    def day(text: str, end: bool) -> datetime:
        moment = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=tz)
        return moment + timedelta(days=1) if end else moment

    for number, fields in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
        cells = [c.strip() for c in fields]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("plate", "plate number", "license plate"):
            continue
        if len(rows) + len(problems) >= HOTLIST_MAX_ROWS:
            problems.append(f"Line {number}: a hotlist holds at most {HOTLIST_MAX_ROWS:,} rows.")
            break
        cells += [""] * (5 - len(cells))
        plate = re.sub(r"[\s.\-]", "", cells[0]).upper()
        state = cells[1].upper()
        wrong = []
        stars = plate.count("*")
        if (
            not re.fullmatch(r"[A-Z0-9*]{2,12}", plate)
            or stars > 2
            or "**" in plate
            or len(plate) - stars < 2
        ):
            wrong.append(
                f"{cells[0] or 'an empty plate'} is not a plate (2 to 12 letters and "
                "digits, * for unknown characters)"
            )
        if state not in ("", "*", "ANY") and not re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", state):
            wrong.append(f"{cells[1]} is not a state or province code such as ON or NY")
        starts = expires = None
        try:
            starts = day(cells[3], end=False) if cells[3] else None
        except ValueError:
            wrong.append(f"effective date {cells[3]} is not a date like 2026-12-31")
        try:
            expires = day(cells[4], end=True) if cells[4] else None
        except ValueError:
            wrong.append(f"expiry date {cells[4]} is not a date like 2026-12-31")
        if starts and expires and expires <= starts:
            wrong.append("it expires before it takes effect")
        notes = "; ".join(c for c in cells[5:] if c)
        if len(notes) > 400 or len(cells[2]) > 40:
            wrong.append("its category or notes are too long")
        if wrong:
            problems.append(f"Line {number}: " + "; ".join(wrong) + ".")
            continue
        rows.append(
            HotlistRow(
                line=number,
                plate=plate,
                jurisdiction="" if state in ("*", "ANY") else state,
                category=cells[2] or "Hotlist",
                starts_at=starts,
                expires_at=expires,
                notes=notes,
            )
        )
    return Hotlist(rows=tuple(rows), problems=tuple(problems))


# -- trespass notices ------------------------------------------------------------------


@dataclass(frozen=True)
class TrespassNotice:
    """A notice barring a person from a place until it ends, and its watched vehicles."""

    id: int
    number: str
    parker_id: int | None
    person_name: str
    person_description: str
    place: str
    reason: str
    issued_at: datetime
    issued_by: str
    expires_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    vehicles: tuple[str, ...]
    in_force: bool

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "in_force" if self.in_force else "ended"


NOTICE_STATES = {"in_force": "In force", "ended": "Ended", "revoked": "Revoked"}


@dataclass(frozen=True)
class NoticeForm:
    """A notice as the dispatcher typed it; the plates as "ON ABC123", one to a line."""

    person_name: str
    person_description: str
    lot_code: str
    place: str
    reason: str
    expires_at: datetime | None
    plates: tuple[str, ...] = ()
    parker_id: int | None = None
    incident_id: int | None = None


_NOTICE_SQL = """
    SELECT n.id, n.number, n.parker_id, n.person_name, n.person_description, n.place,
           n.reason, n.issued_at, n.issued_by, n.expires_at, n.revoked_at, n.revoked_by,
           n.revoke_reason,
           ARRAY(SELECT e.jurisdiction || ' ' || e.plate_pattern FROM watchlist_entry e
                 WHERE e.trespass_notice_id = n.id ORDER BY e.id) AS vehicles,
           (n.revoked_at IS NULL AND n.expires_at > now()) AS in_force
    FROM trespass_notice n
"""


class TrespassService:
    """Trespass notices: issued, revoked, listed, printed."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def notices(self, *, include_ended: bool = False, limit: int = 500) -> list[TrespassNotice]:
        where = "TRUE" if include_ended else "n.revoked_at IS NULL AND n.expires_at > now()"
        with self.workspace.read() as session:
            rows = session.execute(
                text(f"{_NOTICE_SQL} WHERE {where} ORDER BY n.issued_at DESC LIMIT :limit"),
                {"limit": limit},  # the WHERE clause is a constant
            ).all()
        return [_notice(r) for r in rows]

    def issue(self, form: NoticeForm) -> TrespassNotice:
        """Issue a notice: the person's vehicles go on the watchlist until it ends."""
        if form.expires_at is None:
            raise ValidationError.single("expires_at", "Choose when the notice ends.")
        with self.workspace.transaction() as session:
            notice_id = session.execute(
                text(
                    "SELECT issue_trespass_notice(:parker, :name, :description, :lot, :place, "
                    ":reason, :expires_at, CAST(:plates AS text[]), :incident)"
                ),
                {
                    "parker": form.parker_id,
                    "name": " ".join(form.person_name.split()),
                    "description": form.person_description.strip(),
                    "lot": form.lot_code.strip() or None,
                    "place": " ".join(form.place.split()),
                    "reason": form.reason.strip(),
                    "expires_at": form.expires_at,
                    "plates": [" ".join(p.split()) for p in form.plates if p.strip()],
                    "incident": form.incident_id,
                },
            ).scalar_one()
            return _notice_of(session, int(notice_id))

    def revoke(self, notice_id: int, reason: str) -> TrespassNotice:
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT revoke_trespass_notice(:id, :reason)"),
                {"id": notice_id, "reason": " ".join(reason.split())},
            )
            return _notice_of(session, notice_id)

    def notice_pdf(self, notice_id: int) -> bytes:
        """The notice to hand over (marked revoked if it was)."""
        from desktop.services import documents
        from desktop.services.permits import document_office

        with self.workspace.read() as session:
            notice = _notice_of(session, notice_id)
            office = document_office(session)
        return documents.trespass_notice_pdf(
            documents.TrespassLetter(
                office=office,
                number=notice.number,
                person=notice.person_name,
                description=notice.person_description,
                place=notice.place,
                reason=notice.reason,
                issued_at=notice.issued_at,
                issued_by=notice.issued_by,
                expires_at=notice.expires_at,
                vehicles=notice.vehicles,
                revoked_at=notice.revoked_at,
            )
        )


def _notice(row: object) -> TrespassNotice:
    return record(TrespassNotice, row, vehicles=tuple(getattr(row, "vehicles", None) or ()))


def _notice_of(session: Session, notice_id: int) -> TrespassNotice:
    row = session.execute(text(f"{_NOTICE_SQL} WHERE n.id = :id"), {"id": notice_id}).one_or_none()
    if row is None:
        raise NotFound("That notice is no longer there.")
    return _notice(row)
