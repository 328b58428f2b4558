"""Security incidents as dispatchers record and follow them (SPEC "Security").

Every rule is the database's (``89_incidents.sql``): the number, the reporter and who moved
the status; a closed incident locked; the dispatch log append-only; a confidential one read
only by its reporter, investigators and managers, by row security, so what this module
lists is what the calling login may read. It words what the desk shows and hands back
dataclasses.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from desktop.services.appeals import DOCUMENT_MAX_BYTES, document_type
from desktop.services.citations import PhotoInfo
from desktop.services.errors import NotFound, ValidationError
from desktop.services.records import record
from desktop.services.versioned import insert_row, update_at_version
from desktop.services.workspace import Workspace

STATUSES = {"new": "New", "in_progress": "In progress", "resolved": "Resolved", "closed": "Closed"}
#: The status an incident moves on to, and how the button says it.
NEXT_STATUS = {
    "new": ("in_progress", "Start work"),
    "in_progress": ("resolved", "Resolve"),
    "resolved": ("closed", "Close"),
}
DISPATCH_KINDS = {
    "call_received": "Call received",
    "unit_dispatched": "Unit dispatched",
    "on_scene": "On scene",
    "cleared": "Cleared",
    "note": "Note",
}
PRIORITIES = {1: "Urgent", 2: "Normal", 3: "Low"}


@dataclass(frozen=True)
class Choice:
    """An entry of a manager's list (a category, a person's role)."""

    id: int
    name: str


@dataclass(frozen=True)
class IncidentRow:
    """One incident in the list."""

    id: int
    number: str
    status: str
    priority: int
    category: str
    occurred_at: datetime
    place: str
    confidential: bool
    weapon: bool
    injury: bool
    reported_by: str

    @property
    def status_title(self) -> str:
        return STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class IncidentForm:
    """An incident as the dispatcher typed it; ``id`` None for a new one."""

    category_id: int
    priority: int
    occurred_at: datetime
    lot_code: str
    location: str
    narrative: str
    weapon: bool
    injury: bool
    police_service: str
    police_case: str
    confidential: bool
    id: int | None = None
    #: Where exactly, when known (a phone's map, a patrol's GPS): both or neither.
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True)
class Person:
    id: int
    role: str
    name: str
    description: str
    contact: str
    parker_id: int | None
    added_by: str


@dataclass(frozen=True)
class IncidentVehicle:
    id: int
    jurisdiction: str
    plate: str
    description: str
    vehicle_id: int | None
    added_by: str


@dataclass(frozen=True)
class LogLine:
    id: int
    at: datetime
    by: str
    kind: str
    note: str

    @property
    def kind_title(self) -> str:
        return DISPATCH_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Task:
    id: int
    assigned_to: str
    due_on: date
    description: str
    assigned_by: str
    done_at: datetime | None
    done_by: str | None


@dataclass(frozen=True)
class Link:
    """A citation or permit linked to the incident, by its number."""

    id: int
    kind: str
    reference: str
    note: str
    added_by: str


@dataclass(frozen=True)
class Incident:
    """An incident with everything linked to it, as the caller may read it."""

    id: int
    number: str
    status: str
    status_at: datetime
    status_by: str
    priority: int
    category_id: int
    category: str
    occurred_at: datetime
    reported_at: datetime
    reported_by: str
    lot_code: str | None
    lot_name: str | None
    location: str | None
    narrative: str
    weapon: bool
    injury: bool
    police_service: str | None
    police_case: str | None
    confidential: bool
    investigators: tuple[str, ...]
    version: int
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    people: tuple[Person, ...] = ()
    vehicles: tuple[IncidentVehicle, ...] = ()
    log: tuple[LogLine, ...] = ()
    tasks: tuple[Task, ...] = ()
    evidence: tuple[PhotoInfo, ...] = ()
    links: tuple[Link, ...] = ()

    @property
    def place(self) -> str:
        return ", ".join(p for p in (self.lot_name, self.location) if p)

    @property
    def coordinates(self) -> str:
        """ "43.653210, -79.383180", or empty when no coordinates were given."""
        if self.latitude is None or self.longitude is None:
            return ""
        return f"{self.latitude}, {self.longitude}"

    @property
    def status_title(self) -> str:
        return STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class CategoryInfo:
    """A category or sub-category of the managers' list, and how many incidents it has."""

    id: int
    name: str
    parent_id: int | None
    parent_name: str | None
    active: bool
    used: int
    version: int
    updated_by: str
    updated_at: datetime

    @property
    def full_name(self) -> str:
        """ "Damage — Vandalism", or "Assault" for a category."""
        return f"{self.parent_name} — {self.name}" if self.parent_name else self.name


@dataclass(frozen=True)
class RoleInfo:
    """A role a person has in an incident, and how many people were given it."""

    id: int
    name: str
    active: bool
    used: int
    version: int
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class IncidentLists:
    categories: tuple[CategoryInfo, ...]
    roles: tuple[RoleInfo, ...]


_CATEGORY_SQL = """
    SELECT c.id, c.name, c.parent_id, p.name AS parent_name, c.active,
           (SELECT count(*) FROM visible_incidents() i WHERE i.category_id = c.id) AS used,
           c.version, c.updated_by, c.updated_at
    FROM incident_category c LEFT JOIN incident_category p ON p.id = c.parent_id
"""
_ROLE_SQL = """
    SELECT r.id, r.name, r.active,
           (SELECT count(*) FROM visible_incident_people() ip WHERE ip.role_id = r.id) AS used,
           r.version, r.updated_by, r.updated_at
    FROM incident_role r
"""

_LIST_SQL = """
    SELECT i.id, i.number, i.status, i.priority,
           coalesce(pc.name || ' — ', '') || c.name AS category, i.occurred_at,
           concat_ws(', ', l.name, i.location) AS place, i.confidential, i.weapon, i.injury,
           i.reported_by
    FROM visible_incidents() i JOIN incident_category c ON c.id = i.category_id
    LEFT JOIN incident_category pc ON pc.id = c.parent_id
    LEFT JOIN lot l ON l.id = i.lot_id
"""


class IncidentService:
    """The incidents the calling login may read, and what it may do to them."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    # -- lists -----------------------------------------------------------------------

    def categories(self) -> list[Choice]:
        """Categories and sub-categories in use, as "Theft — Vehicle theft"."""
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    "SELECT c.id, coalesce(p.name || ' — ', '') || c.name AS name "
                    "FROM incident_category c LEFT JOIN incident_category p "
                    "ON p.id = c.parent_id WHERE c.active AND coalesce(p.active, true) "
                    "ORDER BY 2"
                )
            ).all()
        return [record(Choice, r) for r in rows]

    def lists(self) -> IncidentLists:
        """The managers' lists whole, retired entries too, with what uses each (counted
        among the incidents the reader may read)."""
        with self.workspace.read() as session:
            categories = session.execute(
                text(
                    f"{_CATEGORY_SQL} "
                    "ORDER BY coalesce(p.name, c.name), c.parent_id IS NOT NULL, c.name"
                )
            ).all()
            roles = session.execute(text(f"{_ROLE_SQL} ORDER BY r.name")).all()
        return IncidentLists(
            tuple(record(CategoryInfo, r) for r in categories),
            tuple(record(RoleInfo, r) for r in roles),
        )

    def category(self, category_id: int) -> CategoryInfo:
        with self.workspace.read() as session:
            return self._category(session, category_id)

    def role(self, role_id: int) -> RoleInfo:
        with self.workspace.read() as session:
            return self._role(session, role_id)

    def save_category(
        self,
        name: str,
        parent_id: int | None,
        active: bool,
        category_id: int | None = None,
        version: int | None = None,
    ) -> CategoryInfo:
        """Add a category (or a sub-category of ``parent_id``), or save one loaded at
        ``version``: renamed, moved, retired or back in use (a manager)."""
        values: dict[str, object] = {
            "name": _list_name(name, 80),
            "parent_id": parent_id,
            "active": active,
        }
        with self.workspace.transaction() as session:
            if category_id is None:
                category_id = insert_row(session, "incident_category", values)
            else:
                update_at_version(
                    session, "incident_category", category_id, version, values, what="category"
                )
            return self._category(session, category_id)

    def save_role(
        self, name: str, active: bool, role_id: int | None = None, version: int | None = None
    ) -> RoleInfo:
        """Add a role people have in incidents, or save one loaded at ``version``."""
        values: dict[str, object] = {"name": _list_name(name, 40), "active": active}
        with self.workspace.transaction() as session:
            if role_id is None:
                role_id = insert_row(session, "incident_role", values)
            else:
                update_at_version(session, "incident_role", role_id, version, values, what="role")
            return self._role(session, role_id)

    @staticmethod
    def _category(session: Session, category_id: int) -> CategoryInfo:
        row = session.execute(
            text(f"{_CATEGORY_SQL} WHERE c.id = :id"), {"id": category_id}
        ).one_or_none()
        if row is None:
            raise NotFound("This category no longer exists.")
        return record(CategoryInfo, row)

    @staticmethod
    def _role(session: Session, role_id: int) -> RoleInfo:
        row = session.execute(text(f"{_ROLE_SQL} WHERE r.id = :id"), {"id": role_id}).one_or_none()
        if row is None:
            raise NotFound("This role no longer exists.")
        return record(RoleInfo, row)

    def roles(self) -> list[Choice]:
        with self.workspace.read() as session:
            rows = session.execute(
                text("SELECT id, name FROM incident_role WHERE active ORDER BY id")
            ).all()
        return [record(Choice, r) for r in rows]

    def incidents(
        self, *, open_only: bool = True, my_tasks: bool = False, limit: int = 500
    ) -> list[IncidentRow]:
        """The incidents the caller may read: open ones by priority and time, or all; or
        only those with a task still open for the caller."""
        where = "i.status <> 'closed'" if open_only else "TRUE"
        if my_tasks:
            where += (
                " AND i.id IN (SELECT t.incident_id FROM visible_incident_tasks() t "
                "WHERE t.done_at IS NULL AND t.assigned_to = session_user)"
            )
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    f"{_LIST_SQL} WHERE {where} "
                    "ORDER BY i.status = 'closed', i.priority, i.occurred_at DESC LIMIT :limit"
                ),  # the WHERE clause is a constant
                {"limit": limit},
            ).all()
        return [record(IncidentRow, r) for r in rows]

    def get(self, incident_id: int) -> Incident:
        with self.workspace.read() as session:
            return _incident(session, incident_id)

    # -- the incident ------------------------------------------------------------------

    def save(self, form: IncidentForm) -> Incident:
        """Record a new incident or change one; what the database refuses lands under its
        field."""
        if not form.lot_code.strip() and len(form.location.strip()) < 2:
            raise ValidationError.single("place", "Choose the lot, or say where it happened.")
        values = {
            "category_id": form.category_id,
            "priority": form.priority,
            "occurred_at": form.occurred_at,
            "location": " ".join(form.location.split()) or None,
            "narrative": form.narrative.strip(),
            "weapon": form.weapon,
            "injury": form.injury,
            "police_service": " ".join(form.police_service.split()) or None,
            "police_case": form.police_case.strip() or None,
            "confidential": form.confidential,
            "latitude": form.latitude,
            "longitude": form.longitude,
            "lot": form.lot_code.strip().upper() or None,
        }
        code = values.pop("lot")
        with self.workspace.transaction() as session:
            values["lot_id"] = None
            if code is not None:
                values["lot_id"] = session.execute(
                    text("SELECT id FROM lot WHERE code = :lot"), {"lot": code}
                ).scalar_one_or_none()
                if values["lot_id"] is None:
                    raise ValidationError.single("place", f"There is no lot {code}.")
            fields = json.dumps(values, default=str)  # times and coordinates as text
            if form.id is None:
                incident_id = session.execute(
                    text("SELECT record_incident(CAST(:fields AS jsonb))"), {"fields": fields}
                ).scalar_one()
            else:
                session.execute(
                    text("SELECT change_incident(:id, CAST(:fields AS jsonb))"),
                    {"id": form.id, "fields": fields},
                )
                incident_id = form.id
            return _incident(session, int(incident_id))

    def move_on(self, incident_id: int, status: str) -> Incident:
        """Start work on, resolve or close the incident."""
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT change_incident(:id, CAST(:fields AS jsonb))"),
                {"id": incident_id, "fields": json.dumps({"status": status})},
            )
            return _incident(session, incident_id)

    def reopen(self, incident_id: int, reason: str) -> Incident:
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT reopen_incident(:id, :reason)"),
                {"id": incident_id, "reason": " ".join(reason.split())},
            )
            return _incident(session, incident_id)

    # -- what hangs on it --------------------------------------------------------------

    def add_person(
        self,
        incident_id: int,
        role_id: int,
        name: str,
        description: str,
        contact: str,
        *,
        parker_id: int | None = None,
    ) -> Incident:
        """Add someone in a role: a registered parker (their name stays on their record)
        or a person known only by what is typed."""
        if parker_id is None and len(" ".join(name.split())) < 2:
            raise ValidationError.single("name", "Give the person's name, or how to know them.")
        return self._write(
            "INSERT INTO incident_person (incident_id, role_id, parker_id, name, description, "
            "contact) VALUES (:incident, :role, :parker, :name, :description, :contact)",
            incident_id,
            role=role_id,
            parker=parker_id,
            name=None if parker_id is not None else " ".join(name.split()),
            description=description.strip(),
            contact=contact.strip(),
        )

    def remove_person(self, incident_id: int, person_id: int) -> Incident:
        return self._write(
            "SELECT remove_incident_person(:incident, :person)",
            incident_id,
            person=person_id,
        )

    def add_vehicle(
        self, incident_id: int, jurisdiction: str, plate: str, description: str
    ) -> Incident:
        return self._write(
            "INSERT INTO incident_vehicle (incident_id, vehicle_id, jurisdiction, plate, "
            "description) VALUES (:incident, (SELECT v.id FROM vehicle v WHERE "
            "v.jurisdiction = upper(btrim(:jurisdiction)) AND v.plate_normalized = "
            "upper(regexp_replace(:plate, '[[:space:].-]', '', 'g'))), :jurisdiction, :plate, "
            ":description)",
            incident_id,
            jurisdiction=jurisdiction,
            plate=plate,
            description=description.strip(),
        )

    def log(self, incident_id: int, kind: str, note: str) -> Incident:
        if kind not in DISPATCH_KINDS:
            raise ValidationError.single("kind", "Choose what happened.")
        if kind == "note" and not note.strip():
            raise ValidationError.single("note", "Write the note.")
        return self._write(
            "INSERT INTO dispatch_entry (incident_id, kind, note) VALUES (:incident, :kind, :note)",
            incident_id,
            kind=kind,
            note=note.strip(),
        )

    def assign(self, incident_id: int, login: str, due_on: date, description: str) -> Incident:
        if not login.strip():
            raise ValidationError.single("assigned_to", "Name the dispatcher's login.")
        return self._write(
            "INSERT INTO incident_task (incident_id, assigned_to, due_on, description) "
            "VALUES (:incident, :login, :due_on, :description)",
            incident_id,
            login=login.strip().lower(),
            due_on=due_on,
            description=" ".join(description.split()),
        )

    def complete(self, incident_id: int, task_id: int) -> Incident:
        return self._write(
            "SELECT complete_incident_task(:incident, :task)",
            incident_id,
            task=task_id,
        )

    def attach(self, incident_id: int, path: Path, description: str) -> Incident:
        """A photo or document of the incident, read and hashed here and by the database."""
        try:
            if path.stat().st_size > DOCUMENT_MAX_BYTES:
                raise ValidationError.single("file", "A file is at most 20 MB.")
            content = path.read_bytes()
        except OSError as exc:
            raise ValidationError.single(
                "file", f"The file cannot be read: {exc.strerror}."
            ) from exc
        media_type = document_type(content)
        if media_type is None:
            raise ValidationError.single("file", "Attach a JPEG or PNG photo or a PDF document.")
        try:
            return self._write(
                "SELECT attach_incident_evidence(:incident, :content, :sha256, :type, "
                ":description, :file_name)",
                incident_id,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                type=media_type,
                description=" ".join(description.split()),
                file_name=path.name[-200:],
            )
        except ValidationError as exc:
            raise exc.under("file", "content", "sha256", "media_type") from exc

    def link(self, incident_id: int, kind: str, number: str, note: str = "") -> Incident:
        """Link a citation or a permit to the incident, by its number."""
        if not number.strip():
            raise ValidationError.single("number", f"Type the {kind}'s number.")
        return self._write(
            "SELECT link_incident(:incident, :kind, :number, :note)",
            incident_id,
            kind=kind,
            number="".join(number.split()),
            note=" ".join(note.split()),
        )

    def unlink(self, incident_id: int, link_id: int) -> Incident:
        return self._write(
            "SELECT unlink_incident(:incident, :link)",
            incident_id,
            link=link_id,
        )

    def _write(self, sql: str, incident_id: int, **values: object) -> Incident:
        with self.workspace.transaction() as session:
            session.execute(text(sql), {"incident": incident_id, **values})
            return _incident(session, incident_id)


def _incident(session: Session, incident_id: int) -> Incident:
    row = session.execute(
        text(
            "SELECT i.id, i.number, i.status, i.status_at, i.status_by, i.priority, "
            "i.category_id, coalesce(pc.name || ' — ', '') || c.name AS category, "
            "i.occurred_at, i.reported_at, i.reported_by, l.code AS lot_code, "
            "l.name AS lot_name, i.location, i.narrative, i.weapon, i.injury, "
            "i.police_service, i.police_case, i.confidential, i.investigators, i.version, "
            "i.latitude, i.longitude "
            "FROM visible_incidents(:id) i JOIN incident_category c ON c.id = i.category_id "
            "LEFT JOIN incident_category pc ON pc.id = c.parent_id "
            "LEFT JOIN lot l ON l.id = i.lot_id"
        ),
        {"id": incident_id},
    ).one_or_none()
    if row is None:
        raise NotFound("That incident is not there, or not yours to read.")
    params = {"id": incident_id}
    people = session.execute(
        text(
            "SELECT p.id, r.name AS role, coalesce(p.name, k.first_name || ' ' || k.last_name) "
            "AS name, p.description, p.contact, p.parker_id, p.added_by "
            "FROM visible_incident_people(:id) p JOIN incident_role r ON r.id = p.role_id "
            "LEFT JOIN parker k ON k.id = p.parker_id ORDER BY p.id"
        ),
        params,
    ).all()
    vehicles = session.execute(
        text(
            "SELECT id, jurisdiction, plate, description, vehicle_id, added_by "
            "FROM visible_incident_vehicles(:id) ORDER BY id"
        ),
        params,
    ).all()
    log = session.execute(
        text("SELECT id, at, by, kind, note FROM visible_dispatch_entries(:id) ORDER BY at, id"),
        params,
    ).all()
    tasks = session.execute(
        text(
            "SELECT id, assigned_to, due_on, description, assigned_by, done_at, done_by "
            "FROM visible_incident_tasks(:id) ORDER BY done_at IS NOT NULL, due_on, id"
        ),
        params,
    ).all()
    evidence = session.execute(
        text(
            "SELECT e.id, e.media_type, e.size_bytes, e.sha256, e.captured_at, e.recorded_at, "
            "e.recorded_by, '' AS device, coalesce(e.description, '') AS description "
            "FROM visible_incident_evidence(:id) e ORDER BY e.recorded_at, e.id"
        ),
        params,
    ).all()
    links = session.execute(
        text(
            "SELECT id, CASE WHEN citation_id IS NOT NULL THEN 'citation' ELSE 'permit' END "
            "AS kind, reference, note, added_by FROM visible_incident_links(:id) "
            "ORDER BY id"
        ),
        params,
    ).all()
    return record(
        Incident,
        row,
        links=tuple(record(Link, r) for r in links),
        investigators=tuple(row.investigators or ()),
        people=tuple(record(Person, r, blank=("name",)) for r in people),
        vehicles=tuple(record(IncidentVehicle, r) for r in vehicles),
        log=tuple(record(LogLine, r) for r in log),
        tasks=tuple(record(Task, r) for r in tasks),
        evidence=tuple(record(PhotoInfo, r) for r in evidence),
    )


def _list_name(typed: str, longest: int) -> str:
    name = " ".join(typed.split())
    if len(name) < 2:
        raise ValidationError.single("name", "Give it a name of at least 2 characters.")
    if len(name) > longest:
        raise ValidationError.single("name", f"A name is at most {longest} characters.")
    return name


_COORDINATES = re.compile(r"^\s*([-+]?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d{1,3}(?:\.\d+)?)\s*$")


def parse_coordinates(typed: str) -> tuple[Decimal, Decimal] | None:
    """Latitude and longitude as typed or pasted from a map ("43.65321, -79.38318"), to
    six decimals (about 10 cm); None for nothing typed."""
    if not typed.strip():
        return None
    found = _COORDINATES.match(typed)
    if found is None:
        raise ValidationError.single(
            "coordinates", "Type the latitude and the longitude, e.g. 43.65321, -79.38318."
        )
    places = Decimal("0.000001")
    latitude, longitude = (Decimal(v).quantize(places) for v in found.groups())
    if not -90 <= latitude <= 90:
        raise ValidationError.single("coordinates", "A latitude lies between -90 and 90.")
    if not -180 <= longitude <= 180:
        raise ValidationError.single("coordinates", "A longitude lies between -180 and 180.")
    return latitude, longitude


def security_report(workspace: Workspace, start: date, end: date) -> bytes:
    """The security report over ``start``..``end`` (days in the office's zone), as a PDF:
    every figure computed in SQL, with the reader's own rights."""
    from desktop.services import documents
    from desktop.services.permits import document_office

    if end < start:
        raise ValidationError.single("end", "The period ends before it starts.")
    if (end - start).days > 366:
        raise ValidationError.single("end", "A report covers at most a year.")
    with workspace.read() as session:
        office = document_office(session)
        params = {"start": start, "end": end, "zone": office.time_zone}
        period = "(i.occurred_at AT TIME ZONE :zone)::date BETWEEN :start AND :end"
        by_category = session.execute(
            text(
                "SELECT coalesce(p.name, c.name) AS category, "
                "to_char(i.occurred_at AT TIME ZONE :zone, 'YYYY-MM') AS month, count(*) "
                "FROM visible_incidents() i JOIN incident_category c ON c.id = i.category_id "
                f"LEFT JOIN incident_category p ON p.id = c.parent_id WHERE {period} "
                "GROUP BY 1, 2 ORDER BY 1, 2"
            ),
            params,
        ).all()
        hours: dict[int, int] = dict(
            session.execute(
                text(
                    "SELECT extract(hour FROM i.reported_at AT TIME ZONE :zone)::int, count(*) "
                    f"FROM visible_incidents() i WHERE {period} GROUP BY 1"
                ),
                params,
            ).all()
        )
        people = session.execute(
            text(
                "SELECT (array_agg(coalesce(ip.name, k.first_name || ' ' || k.last_name) "
                "ORDER BY ip.id))[1] AS person, "
                "count(DISTINCT ip.incident_id) AS n, string_agg(DISTINCT r.name, ', ') "
                "FROM visible_incident_people() ip "
                "JOIN visible_incidents() i ON i.id = ip.incident_id "
                "JOIN incident_role r ON r.id = ip.role_id "
                f"LEFT JOIN parker k ON k.id = ip.parker_id WHERE {period} "
                "GROUP BY coalesce(ip.parker_id::text, lower(ip.name)) "
                "HAVING count(DISTINCT ip.incident_id) > 1 ORDER BY 2 DESC, 1 LIMIT 50"
            ),
            params,
        ).all()
        vehicles = session.execute(
            text(
                "SELECT v.jurisdiction || ' ' || v.plate, count(DISTINCT v.incident_id) "
                "FROM visible_incident_vehicles() v "
                "JOIN visible_incidents() i ON i.id = v.incident_id "
                f"WHERE {period} GROUP BY 1 HAVING count(DISTINCT v.incident_id) > 1 "
                "ORDER BY 2 DESC, 1 LIMIT 50"
            ),
            params,
        ).all()
        tasks = session.execute(
            text(
                "SELECT i.number, t.assigned_to, t.due_on, t.description "
                "FROM visible_incident_tasks() t "
                "JOIN visible_incidents() i ON i.id = t.incident_id "
                "WHERE t.done_at IS NULL ORDER BY t.due_on, i.number LIMIT 200"
            )
        ).all()
    # Every month of the period, in order, whether or not anything happened in it.
    months_list: list[str] = []
    cursor = start.replace(day=1)
    while cursor <= end:
        months_list.append(f"{cursor:%Y-%m}")
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    months = tuple(months_list)
    grouped: dict[str, dict[str, int]] = {}
    for category, month, count in by_category:
        grouped.setdefault(str(category), {})[str(month)] = int(count)
    return documents.security_report_pdf(
        documents.SecurityReport(
            office=office,
            start=start,
            end=end,
            printed_by=workspace.identity.login,
            by_category=tuple(grouped.items()),
            months=months,
            by_hour=tuple(int(hours.get(h, 0)) for h in range(24)),
            repeat_people=tuple((str(p), int(n), str(r)) for p, n, r in people),
            repeat_vehicles=tuple((str(p), int(n)) for p, n in vehicles),
            open_tasks=tuple((str(a), str(b), c, str(d)) for a, b, c, d in tasks),
        )
    )
