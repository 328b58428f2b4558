"""The plate check (SPEC "Plate check"): one verdict for a plate at a place and time.

Every desk and every enforcement device asks the same database function,
``parkdesk.check_plate``; this module adds the look-alike plates an officer may
have misread and hands both back as one frozen :class:`PlateVerdict`. It is the
hot path of the product, so a check is one statement in one round trip.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, cast

import psycopg
from sqlalchemy import text
from sqlalchemy.pool import PoolProxiedConnection

from desktop.services.database import translate_errors
from desktop.services.errors import FieldProblem, ValidationError
from desktop.services.localization import format_day, on_clock, wall_time
from desktop.services.plates import (
    JURISDICTION_NAMES,
    normalize_plate,
    validate_jurisdiction,
    validate_plate,
)
from desktop.services.workspace import Workspace

log = logging.getLogger(__name__)

#: Verdict key (as ``check_plate`` returns it) -> what the person reads.
VERDICT_TITLES = {
    "watchlisted": "Watchlisted — see instruction",
    "valid": "Valid permit",
    "temporary": "Valid temporary permit",
    "exempt": "Exempt — do not ticket",
    "scofflaw": "Scofflaw — boot or tow",
    "over_limit": "Over the time limit",
    "wrong_lot": "Wrong lot",
    "expired": "Expired",
    "no_permit": "No permit",
}
#: How a verdict should be treated: "ok" may park, "caution" needs a look, "stop" may not.
VERDICT_TONES = {
    "watchlisted": "stop",
    "valid": "ok",
    "temporary": "caution",
    "exempt": "ok",
    "scofflaw": "stop",
    "over_limit": "stop",
    "wrong_lot": "caution",
    "expired": "stop",
    "no_permit": "stop",
}
PERMIT_KIND_TITLES = {
    "term": "Term permit",
    "temporary": "Temporary permit",
    "visitor": "Visitor permit",
    "event": "Event permit",
}


# The verdict and the look-alike plates in one statement, so one round trip. Look-alikes
# are fetched for every verdict, valid ones included: a misread plate that happens to
# carry a valid permit is the dangerous case (the car in front of the officer is waved
# through), and offering "did you mean" beside a green card is what catches it. They cost
# about a tenth of a millisecond inside the same statement.
CHECK_SQL = """
SELECT c.verdict, c.jurisdiction, c.plate, c.permit_number, c.permit_kind, c.permit_type,
       c.lot_code, c.lot_name, c.valid_from, c.valid_until, c.reason, now() AS checked_at,
       c.zone_code, c.exemption, c.over_limit_since, c.stay_began, c.may_park,
       c.unpaid_citations, c.instruction,
       (SELECT s.time_zone FROM parkdesk.office_setting s WHERE s.id = 1) AS office_zone,
       (SELECT coalesce(json_agg(json_build_array(m.jurisdiction, m.plate, m.differences)
                                 ORDER BY m.differences, m.jurisdiction, m.plate), '[]'::json)
        FROM parkdesk.plate_near_matches(c.jurisdiction, c.plate) m) AS near_matches
FROM parkdesk.check_plate(%(jurisdiction)s::text, %(plate)s::text, %(lot)s::text,
                          %(at)s::timestamptz) c
"""
NEAR_MATCHES_SQL = """
SELECT m.jurisdiction, m.plate, m.differences
FROM parkdesk.plate_near_matches(%(jurisdiction)s::text, %(plate)s::text) m
ORDER BY m.differences, m.jurisdiction, m.plate
"""
RECENT_READS_SQL = text(
    "SELECT r.read_id, r.read_at, r.lot_code, r.lot_name, r.zone_code, r.device, r.officer, "
    "r.verdict, r.has_photo "
    "FROM parkdesk.recent_reads(:jurisdiction, :plate, :limit) r"
)
_LOTS_SQL = text("SELECT code, name, active FROM parkdesk.lot ORDER BY NOT active, code")
_ZONE_SQL = text("SELECT s.time_zone FROM parkdesk.office_setting s WHERE s.id = 1")


# -- what the service hands back ---------------------------------------------------


@dataclass(frozen=True)
class JurisdictionChoice:
    code: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.code} — {self.name}"


@dataclass(frozen=True)
class LotChoice:
    code: str
    name: str
    active: bool = True

    @property
    def label(self) -> str:
        return self.name if self.active else f"{self.name} (closed)"


@dataclass(frozen=True)
class PlateQuery:
    """What was asked: a plate (normalised) in a jurisdiction, in a lot or any, at a moment
    or now. Checking the same query again later answers for the new "now"."""

    jurisdiction: str
    plate: str
    lot_code: str | None = None
    at: datetime | None = None

    @classmethod
    def cleaned(
        cls,
        jurisdiction: str,
        plate: str,
        lot_code: str | None = None,
        at: datetime | None = None,
        *,
        zone: str | None = None,
    ) -> PlateQuery:
        """Normalised values, or a :class:`ValidationError` naming every bad field. A time
        without a zone is a wall-clock time in the office's ``zone`` (this computer's when
        the office's is not known yet)."""
        problems: list[FieldProblem] = []
        normalized = ""
        code = ""
        if not normalize_plate(plate or ""):
            problems.append(FieldProblem("plate", "Type the plate to check."))
        else:
            try:
                normalized = validate_plate(plate)
            except ValidationError as exc:
                problems.extend(exc.problems)
        try:
            code = validate_jurisdiction(jurisdiction or "")
        except ValidationError as exc:
            problems.extend(exc.problems)
        lot = (lot_code or "").strip().upper() or None
        if lot is not None and len(lot) > 25:  # a lot, or a lot and its zone (B/B1)
            problems.append(FieldProblem("lot", "Choose a lot from the list, or any lot."))
        if problems:
            raise ValidationError(problems)
        if at is not None and at.tzinfo is None:
            at = wall_time(at, zone)
        return cls(jurisdiction=code, plate=normalized, lot_code=lot, at=at)

    @property
    def plate_display(self) -> str:
        return f"{self.plate} ({self.jurisdiction})"

    def params(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "plate": self.plate,
            "lot": self.lot_code,
            "at": self.at,
        }


@dataclass(frozen=True)
class NearMatch:
    """A registered plate the typed one may be a misreading of (SPEC rule 2)."""

    jurisdiction: str
    plate: str
    #: Look-alike characters that differ; 0 means the same plate in another jurisdiction.
    differences: int

    @property
    def label(self) -> str:
        return f"{self.plate} ({self.jurisdiction})"

    @property
    def description(self) -> str:
        if self.differences == 0:
            return f"same plate, registered in {self.jurisdiction}"
        if self.differences == 1:
            return "one look-alike character differs"
        return f"{self.differences} look-alike characters differ"


@dataclass(frozen=True)
class PlateVerdict:
    query: PlateQuery
    #: "watchlisted", "valid", "temporary", "exempt", "scofflaw", "over_limit", "wrong_lot",
    #: "expired" or "no_permit".
    verdict: str
    jurisdiction: str
    plate: str
    #: The database's own sentence: "Valid: permit P-0000012 (Staff 2027) for Lot A until …".
    reason: str
    #: When the database answered (its clock); the verdict is for ``query.at`` or this moment.
    checked_at: datetime
    permit_number: str | None = None
    permit_kind: str | None = None
    permit_type: str | None = None
    lot_code: str | None = None
    lot_name: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    near_matches: tuple[NearMatch, ...] = ()
    #: The zone asked about (lot "B/B1"), if one was.
    zone_code: str | None = None
    #: The exemption's reason, for an "exempt" verdict.
    exemption: str | None = None
    #: When the car went over the zone's time limit, for an "over_limit" verdict.
    over_limit_since: datetime | None = None
    #: When the car's stay in a time-limited zone began (its first read of this stay).
    stay_began: datetime | None = None
    #: A permit or an exemption covers the car here (a scofflaw's too): not to be ticketed.
    covered: bool = False
    #: The plate's unpaid past-due citations (a scofflaw at the office's threshold).
    unpaid_citations: int = 0
    #: What to do about a watchlisted plate (never why it is watchlisted).
    instruction: str | None = None
    #: The office's time zone, which every time of the verdict is said in.
    office_zone: str | None = None

    @property
    def title(self) -> str:
        return VERDICT_TITLES.get(self.verdict, self.verdict.replace("_", " ").capitalize())

    @property
    def tone(self) -> str:
        return VERDICT_TONES.get(self.verdict, "caution")

    @property
    def may_park(self) -> bool:
        """Not to be ticketed: a permit covers the car here, or an exemption does."""
        return self.covered

    @property
    def plate_display(self) -> str:
        return f"{self.plate} ({self.jurisdiction})"

    @property
    def permit_kind_title(self) -> str:
        return PERMIT_KIND_TITLES.get(self.permit_kind or "", "")

    @property
    def moment(self) -> datetime:
        """The moment the verdict is about."""
        return self.query.at or self.checked_at


@dataclass(frozen=True)
class ReadSeen:
    """One time a device read the plate: when, where, by which device and officer, and
    the verdict it was given then."""

    read_id: int
    read_at: datetime
    lot_code: str
    lot_name: str
    zone_code: str | None
    device: str
    officer: str
    verdict: str
    has_photo: bool

    @property
    def verdict_title(self) -> str:
        return VERDICT_TITLES.get(self.verdict, self.verdict.replace("_", " ").capitalize())

    @property
    def place(self) -> str:
        return self.lot_name + (f", zone {self.zone_code}" if self.zone_code else "")


def format_moment(moment: datetime, zone: str | None = None) -> str:
    """'21 Nov 2026, 14:05' in the office's time ``zone`` (this computer's when None)."""
    local = on_clock(moment, zone)
    return f"{format_day(local.date())}, {local:%H:%M}"


def describe_until(moment: datetime, zone: str | None = None) -> str:
    """An end as people say it: a permit ending at midnight lasts to the end of the day before."""
    local = on_clock(moment, zone)
    if local.time() == time(0, 0):
        day = local.date() - timedelta(days=1)
        return f"end of {format_day(day)}"
    return format_moment(local)


def format_clock(moment: datetime, zone: str | None, *, seconds: bool = False) -> str:
    """ "14:05" (or "14:05:33") on the office's clock (this computer's when None)."""
    return f"{on_clock(moment, zone):{'%H:%M:%S' if seconds else '%H:%M'}}"


def jurisdictions() -> tuple[JurisdictionChoice, ...]:
    return tuple(JurisdictionChoice(code, name) for code, name in JURISDICTION_NAMES.items())


# -- the service -----------------------------------------------------------------------


class PlateCheckService:
    """Checks plates for one logged-in person.

    Checks run on one pooled connection the service keeps, in autocommit: a check is then
    exactly one round trip. ``Workspace.read()`` would add the pool's pre-ping and a
    BEGIN/ROLLBACK pair, and even a plain ``engine.connect()`` pings on every checkout
    (a local server's p50 goes from 0.37 ms to 0.65 ms in the benchmark; on a remote one
    each ping is another network round trip). The kept connection is pinged by nothing: if
    it has died, the check fails, the connection is replaced and the check (a read) runs
    once more.
    :meth:`close` gives the connection back (the desk does so whenever it is hidden); the
    next check takes one again.
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._lock = threading.Lock()
        self._proxy: PoolProxiedConnection | None = None
        self._release_wanted = False
        #: The office's time zone as the last check (or the lot list) said it; at first as
        #: the login read it. Typed times are read in it.
        self.office_zone: str | None = workspace.identity.office_zone

    # -- public API ------------------------------------------------------------------

    def check(
        self,
        jurisdiction: str,
        plate: str,
        lot_code: str | None = None,
        at: datetime | None = None,
    ) -> PlateVerdict:
        """The verdict for a plate now (or ``at``), in ``lot_code`` or any lot.

        Bad input raises :class:`ValidationError` (fields ``plate``, ``jurisdiction``,
        ``lot``) before anything is sent; an unknown lot is refused by the database.
        """
        query = PlateQuery.cleaned(jurisdiction, plate, lot_code, at, zone=self.office_zone)
        return self.check_query(query)

    def check_query(self, query: PlateQuery) -> PlateVerdict:
        rows = self._run(CHECK_SQL, query.params())
        verdict = _verdict(query, rows[0])
        self.office_zone = verdict.office_zone
        return verdict

    def recent_reads(self, jurisdiction: str, plate: str, limit: int = 8) -> list[ReadSeen]:
        """The plate's latest reads by officers' devices (the last 90 days), newest first."""
        query = PlateQuery.cleaned(jurisdiction, plate)
        # Not the hot path: a pooled session, so the kept connection is the checks' alone
        # (and goes back to the pool when the desk is hidden, whatever is still loading).
        with self.workspace.read() as session:
            rows = session.execute(
                RECENT_READS_SQL,
                {"jurisdiction": query.jurisdiction, "plate": query.plate, "limit": limit},
            ).all()
        return [ReadSeen(*row) for row in rows]

    def near_matches(self, jurisdiction: str, plate: str) -> list[NearMatch]:
        """Registered plates ``plate`` may be a misreading of, closest first."""
        query = PlateQuery.cleaned(jurisdiction, plate)
        rows = self._run(NEAR_MATCHES_SQL, query.params())
        return [NearMatch(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    def lots(self) -> list[LotChoice]:
        """Every lot, open ones first (every role may read lots); the office's time zone
        is read with them (``office_zone``), for the times the desk shows and is typed."""
        with self.workspace.read() as session:
            rows = session.execute(_LOTS_SQL).all()
            zone = session.execute(_ZONE_SQL).scalar()
        if zone is not None:
            self.office_zone = str(zone)
        return [LotChoice(str(r.code), str(r.name), bool(r.active)) for r in rows]

    def jurisdictions(self) -> tuple[JurisdictionChoice, ...]:
        """The picker's list; any other well-formed code may be typed."""
        return jurisdictions()

    def close(self) -> None:
        """Give the kept connection back to the pool; a check still running gives it back
        when it is done. Never waits, so the GUI thread may call it."""
        if self._lock.acquire(blocking=False):
            try:
                self._release()
            finally:
                self._lock.release()
        else:
            self._release_wanted = True

    # -- the connection ----------------------------------------------------------------

    def _run(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        with translate_errors(), self._lock:
            try:
                for attempt in (1, 2):
                    conn = self._connection()
                    try:
                        return _autocommit_fetch(conn, sql, params)
                    except psycopg.OperationalError:
                        if not (conn.closed or conn.broken) or attempt == 2:
                            raise
                        log.info("the plate check connection was lost; reconnecting")
                        self._discard()
                raise AssertionError("unreachable")  # pragma: no cover
            finally:
                if self._release_wanted:
                    self._release_wanted = False
                    self._release()

    def _connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._proxy is None:
            # Checked out with the pool's pre-ping, so a fresh checkout is a live one.
            self._proxy = self.workspace.engine.raw_connection()
        return cast("psycopg.Connection[tuple[Any, ...]]", self._proxy.driver_connection)

    def _discard(self) -> None:
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            proxy.invalidate()

    def _release(self) -> None:
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            try:
                proxy.close()
            except psycopg.Error:
                log.debug("dropping a broken plate check connection", exc_info=True)


def _autocommit_fetch(
    conn: psycopg.Connection[tuple[Any, ...]], sql: str, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """One statement without BEGIN and COMMIT around it (both switches are client-side).

    Between checks the connection is back in the mode every pooled connection has, so
    even one the garbage collector returns to the pool starts transactions as expected.
    """
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        if not conn.closed:
            conn.autocommit = False


def _verdict(query: PlateQuery, row: Sequence[Any]) -> PlateVerdict:
    near = tuple(NearMatch(str(j), str(p), int(d)) for j, p, d in (row[20] or []))
    return PlateVerdict(
        query=query,
        verdict=str(row[0]),
        jurisdiction=str(row[1]),
        plate=str(row[2]),
        permit_number=row[3],
        permit_kind=row[4],
        permit_type=row[5],
        lot_code=row[6],
        lot_name=row[7],
        valid_from=row[8],
        valid_until=row[9],
        reason=str(row[10]),
        checked_at=row[11],
        zone_code=row[12],
        exemption=row[13],
        over_limit_since=row[14],
        stay_began=row[15],
        covered=bool(row[16]),
        unpaid_citations=int(row[17] or 0),
        instruction=row[18],
        office_zone=row[19],
        near_matches=near,
    )
