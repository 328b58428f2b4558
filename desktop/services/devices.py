"""Field devices from the command line: a handheld's offline batch replayed through the
device API, and a simulated LPR patrol (``parkdesk device replay`` and ``patrol``).

Both are devices, not desks: they log in as an officer and call only the device API's
functions (docs/DEVICE_API.md), one call per record, each in its own transaction, so a
refused record costs nothing but its own line. Every call carries the device's
``(device, call number)`` key, so a batch replayed twice, or a call retried after a
dropped connection, records each thing once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import dict_row

from desktop.models.enforcement import DEVICE_SEQ_LIMIT
from desktop.services.database import admin_libpq_url, translate
from desktop.services.errors import KnownError, ValidationError

#: What each kind of record sends, in the function's parameter order: (name, required).
_READ = (
    ("jurisdiction", True),
    ("plate", True),
    ("lot", True),
    ("read_at", True),
    ("latitude", False),
    ("longitude", False),
    ("confidence", False),
    ("photo", False),
    ("photo_sha256", False),
)
_CITATION = (
    ("number", True),
    ("jurisdiction", True),
    ("plate", True),
    ("violation", True),
    ("lot", True),
    ("issued_at", True),
    ("note", False),
    ("make", False),
    ("colour", False),
)
_EVIDENCE = (
    ("citation", True),
    ("content", True),
    ("sha256", True),
    ("media_type", True),
    ("captured_at", True),
)
#: kind -> (the call, its fields).
_CALLS: dict[str, tuple[str, tuple[tuple[str, bool], ...]]] = {
    "read": ("parkdesk.record_plate_read", _READ),
    "citation": ("parkdesk.issue_citation", _CITATION),
    "evidence": ("parkdesk.attach_evidence", _EVIDENCE),
}
_TIMES = {"read_at", "issued_at", "captured_at"}
_NUMBERS = {"latitude", "longitude", "confidence"}
#: Fields holding a file's bytes: given as a file path next to the batch, or in base64
#: under the same name with ``_base64`` added.
_FILES = {"photo", "content"}
#: A batch line is one record, never a film.
MAX_LINE = 40 * 1024 * 1024


class BadRecord(KnownError):
    """A batch line that cannot be sent as it is."""


@dataclass(frozen=True)
class DeviceCall:
    """One call of the device API, ready to send."""

    line: int
    kind: str
    device: str
    seq: int
    args: tuple[object, ...]

    @property
    def label(self) -> str:
        """What the officer would call this record: "citation HH0012345", "read ON ABC123"."""
        fields = dict(zip((n for n, _ in _CALLS[self.kind][1]), self.args, strict=True))
        if self.kind == "citation":
            return f"citation {fields['number']}"
        if self.kind == "evidence":
            return f"photo for {fields['citation']}"
        return f"read {fields['jurisdiction']} {fields['plate']}"


@dataclass(frozen=True)
class CallResult:
    """The answer to one call: accepted with the function's row, or refused and why."""

    call: DeviceCall
    row: dict[str, Any] | None
    refusal: str = ""
    field: str = ""

    @property
    def accepted(self) -> bool:
        return self.row is not None


#: 2025-01-01 00:00 UTC, in nanoseconds since the Unix epoch.
_CALL_NUMBERS_FROM_NS = 1_735_689_600 * 10**9


def fresh_call_number() -> int:
    """A first call number for a run of a device that must not reuse an earlier run's: the
    milliseconds since 2025 began, so a later run starts above it, and under 13 digits
    (``DEVICE_SEQ_LIMIT``: a card number's length) until 2056."""
    return (time.time_ns() - _CALL_NUMBERS_FROM_NS) // 1_000_000


def parse_record(line: int, text: str, folder: Path) -> DeviceCall:
    """One line of a batch (a JSON object) as a call; file paths are read from ``folder``.

    Raises :class:`BadRecord` saying what is wrong with the line.
    """
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRecord(f"not a JSON object ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise BadRecord("not a JSON object")
    kind = record.pop("type", None)
    if kind not in _CALLS:
        raise BadRecord('"type" is "read", "citation" or "evidence"')
    device = record.pop("device", None)
    seq = record.pop("seq", None)
    if not isinstance(device, str) or not device.strip():
        raise BadRecord('"device" is the device\'s code, such as "HH-07"')
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < DEVICE_SEQ_LIMIT:
        raise BadRecord(
            '"seq" is the device\'s call number, a whole number from 0, of at most 12 digits'
        )
    fields = _CALLS[kind][1]
    names = {name for name, _ in fields}
    known = names | {f"{name}_base64" for name in names & _FILES}
    unknown = sorted(set(record) - known)
    if unknown:
        raise BadRecord(f"a {kind} record has no field {', '.join(map(repr, unknown))}")
    args = tuple(_value(kind, name, required, record, folder) for name, required in fields)
    return DeviceCall(line=line, kind=kind, device=device, seq=seq, args=args)


def _value(kind: str, name: str, required: bool, record: dict[str, Any], folder: Path) -> object:
    if name in _FILES:
        return _file(name, required, record, folder)
    value = record.get(name)
    if value is None:
        if required:
            raise BadRecord(f'a {kind} record needs "{name}"')
        return None
    if name in _TIMES:
        if not isinstance(value, str):
            raise BadRecord(f'"{name}" is a time such as "2026-05-14T09:05:12-04:00"')
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise BadRecord(f'"{name}" is a time such as "2026-05-14T09:05:12-04:00"') from exc
        if moment.tzinfo is None:
            raise BadRecord(f'"{name}" needs its offset from UTC, such as -04:00 or Z')
        return moment
    if name in _NUMBERS:
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            return Decimal(str(value))
        except InvalidOperation as exc:
            raise BadRecord(f'"{name}" is a number') from exc
    if not isinstance(value, str):
        raise BadRecord(f'"{name}" is text')
    return value


def _file(name: str, required: bool, record: dict[str, Any], folder: Path) -> bytes | None:
    path, encoded = record.get(name), record.get(f"{name}_base64")
    if path is not None and encoded is not None:
        raise BadRecord(f'give "{name}" as a file or as "{name}_base64", not both')
    if encoded is not None:
        if not isinstance(encoded, str):
            raise BadRecord(f'"{name}_base64" is the file\'s bytes in base64')
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRecord(f'"{name}_base64" is not base64') from exc
    if path is None:
        if required:
            raise BadRecord(f'an evidence record needs "{name}" (a file) or "{name}_base64"')
        return None
    if not isinstance(path, str):
        raise BadRecord(f'"{name}" is the path of a file next to the batch')
    try:
        return (folder / path).read_bytes()
    except OSError as exc:
        raise BadRecord(f'cannot read "{name}" {path}: {exc.strerror or exc}') from exc


def read_batch(path: Path) -> Iterator[DeviceCall | tuple[int, str]]:
    """The calls of a JSON Lines batch, in order; a line that is not a record comes as
    ``(line number, what is wrong)``. Blank lines are skipped."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise KnownError(f"Cannot open the batch {path}: {exc.strerror or exc}.") from exc
    with handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            if len(text) > MAX_LINE:
                yield number, "longer than any record (40 MB)"
                continue
            try:
                yield parse_record(number, text, path.parent)
            except BadRecord as exc:
                yield number, exc.message


class DeviceLink:
    """A device's connection: the officer's login, autocommit, one call per transaction.

    A dropped connection is opened again and the call sent again under the same key,
    which the device API answers with its first result: a call is never lost or doubled.
    """

    ATTEMPTS = 3

    def __init__(self, url: str) -> None:
        self._conninfo = admin_libpq_url(url)
        self._conn = self._open()
        self.login = str(self._one("SELECT session_user")[0])
        if not self._one("SELECT pg_has_role(session_user, 'parkdesk_officer', 'MEMBER')")[0]:
            self.close()
            raise KnownError(
                f"{self.login} is not an officer's login: a device logs in as the officer "
                "using it (an administrator gives one with "
                "'parkdesk users add NAME --role officer')."
            )

    def _open(self) -> psycopg.Connection[dict[str, Any]]:
        try:
            return psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=10,
                row_factory=dict_row,
                application_name="parkdesk device",
            )
        except psycopg.Error as exc:
            raise translate(exc) from exc

    def _one(self, sql: str, params: tuple[object, ...] = ()) -> tuple[Any, ...]:
        row = self._conn.execute(sql, params).fetchone()
        return tuple(row.values()) if row is not None else ()

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[dict[str, Any]]:
        """Rows the officer may read (the device list, its ranges, the violation codes)."""
        try:
            return self._conn.execute(sql, params).fetchall()
        except psycopg.Error as exc:
            raise translate(exc) from exc

    def send(self, call: DeviceCall) -> CallResult:
        function, fields = _CALLS[call.kind]
        placeholders = ", ".join(["%s"] * (2 + len(fields)))  # in the function's order
        sql = f"SELECT * FROM {function}({placeholders})"
        params = (call.device, call.seq, *call.args)
        for attempt in range(1, self.ATTEMPTS + 1):
            try:
                row = self._conn.execute(sql, params, prepare=True).fetchone()
                return CallResult(call, dict(row or {}))
            except psycopg.OperationalError as exc:
                if attempt == self.ATTEMPTS or not self._conn.closed:
                    raise translate(exc) from exc
                time.sleep(0.5 * attempt)
                self._conn = self._open()
            except psycopg.DatabaseError as exc:
                if not _is_refusal(exc):
                    raise translate(exc) from exc
                problem = translate(exc)
                where = problem.problems[0].field if isinstance(problem, ValidationError) else ""
                return CallResult(call, None, problem.message, where)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._conn.close()


def _is_refusal(exc: psycopg.Error) -> bool:
    """The device API said no to this record (as opposed to a broken connection or a bug):
    a ParkDesk refusal (SQLSTATE class PD), a missing privilege, or a value a column or
    constraint refuses."""
    return (exc.sqlstate or "").startswith("PD") or isinstance(
        exc, pgerrors.InsufficientPrivilege | pgerrors.IntegrityError | pgerrors.DataError
    )


@dataclass
class Tally:
    """What a replay or a patrol did, for its summary line."""

    recorded: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    unreadable: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def records(self) -> int:
        return sum(self.recorded.values()) + self.refused + self.unreadable

    def describe(self) -> str:
        seconds = max(time.monotonic() - self.started, 1e-9)
        words = (("read", "read", "reads"), ("citation", "citation", "citations"),
                 ("evidence", "photo", "photos"))  # fmt: skip
        kinds = ", ".join(
            f"{self.recorded[kind]:,} {one if self.recorded[kind] == 1 else many}"
            for kind, one, many in words
        )
        return (
            f"{self.records:,} records in {seconds:.1f} s ({self.records / seconds:,.0f} a "
            f"second): {kinds} recorded; {self.refused:,} refused, "
            f"{self.unreadable:,} unreadable."
        )


def describe_refusal(result: CallResult) -> str:
    call = result.call
    where = f" ({result.field})" if result.field and result.field != "general" else ""
    return (
        f"line {call.line}: {call.label}, call {call.device} {call.seq} refused{where}: "
        f"{result.refusal}"
    )


def replay(
    link: DeviceLink, calls: Iterable[DeviceCall | tuple[int, str]], say: Callable[[str], None]
) -> Tally:
    """Send every call in order; one line to ``say`` per record not recorded."""
    tally = Tally()
    for call in calls:
        if isinstance(call, tuple):
            line, problem = call
            tally.unreadable += 1
            say(f"line {line}: not sent: {problem}.")
            continue
        result = link.send(call)
        if result.accepted:
            tally.recorded[call.kind] += 1
        else:
            tally.refused += 1
            say(describe_refusal(result))
    return tally


# -- the simulated patrol ------------------------------------------------------

#: Verdicts a patrol cites (the officer's judgement is the share cited), with the code
#: each is cited under when the office has it (the demo office's codes), unless the patrol
#: is told one code for all.
CITABLE = {"no_permit": "NP-01", "expired": "EXP-03", "wrong_lot": "WL-02", "over_limit": "OT-04"}


@dataclass(frozen=True)
class PatrolPlan:
    """What a patrol is told: where, how fast, and how long."""

    lot: str
    rate: float
    device: str | None = None
    violation: str | None = None
    count: int | None = None
    cite_share: float = 0.3
    photos: bool = True
    plates: tuple[tuple[str, str], ...] = ()
    jurisdiction: str = "ON"


class Patrol:
    """An LPR car driving round one lot: it reads plates (cars it was told are parked
    there, cars it read before, and strangers), and cites a share of those the verdict
    says may not park, with the read's photo attached."""

    def __init__(
        self,
        link: DeviceLink,
        plan: PatrolPlan,
        say: Callable[[str], None],
        rng: random.Random | None = None,
    ) -> None:
        self.link, self.plan, self.say = link, plan, say
        self.rng = rng or random.Random()  # noqa: S311 - a simulation, not a secret
        self.device = self._device()
        self.violation = self._violation()
        self.ranges = link.query(
            "SELECT r.prefix, r.first_seq, r.last_seq, r.width FROM parkdesk.citation_range r "
            "JOIN parkdesk.device d ON d.id = r.device_id WHERE d.code = %s "
            "ORDER BY r.prefix, r.first_seq",
            (self.device,),
        )
        self.seq = fresh_call_number()
        self.next_number = 0  # an index into the device's numbers, across its ranges
        self.seen: list[tuple[str, str]] = []
        self.cited: set[tuple[str, str]] = set()
        self.tally = Tally()

    def _device(self) -> str:
        rows = self.link.query(
            "SELECT code FROM parkdesk.device WHERE active AND (%s::text IS NULL OR code = %s) "
            "ORDER BY kind <> 'lpr_vehicle', code LIMIT 1",
            (self.plan.device, (self.plan.device or "").upper()),
        )
        if not rows:
            raise KnownError(
                f"There is no active device {self.plan.device}."
                if self.plan.device
                else "There is no active device: a manager adds one in enforcement set-up."
            )
        return str(rows[0]["code"])

    def _violation(self) -> dict[str, str]:
        """The code each citable verdict is cited under."""
        rows = self.link.query(
            "SELECT code FROM parkdesk.violation WHERE active "
            "AND (%s::text IS NULL OR code = upper(%s)) ORDER BY warning_only, code",
            (self.plan.violation, self.plan.violation or ""),
        )
        if not rows:
            raise KnownError(
                f"There is no violation code {self.plan.violation}."
                if self.plan.violation
                else "There is no violation code to cite: a manager adds them in enforcement "
                "set-up."
            )
        codes = [str(r["code"]) for r in rows]
        if self.plan.violation:
            return dict.fromkeys(CITABLE, codes[0])
        return {verdict: code if code in codes else codes[0] for verdict, code in CITABLE.items()}

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _plate(self) -> tuple[str, str]:
        roll = self.rng.random()
        if self.plan.plates and roll < 0.6:
            return self.rng.choice(self.plan.plates)
        if self.seen and roll < 0.85:
            return self.rng.choice(self.seen)
        letters = "".join(self.rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(4))
        return self.plan.jurisdiction, f"{letters} {self.rng.randint(100, 999)}"

    def _number(self) -> str | None:
        index = self.next_number
        for r in self.ranges:
            size = r["last_seq"] - r["first_seq"] + 1
            if index < size:
                self.next_number += 1
                digits = f"{r['first_seq'] + index:0{r['width']}d}"
                check = self.link.query(
                    "SELECT parkdesk.check_digit(%s, (SELECT check_digit_scheme "
                    "FROM parkdesk.office_setting WHERE id = 1)) AS d",
                    (digits,),
                )
                return f"{r['prefix']}{digits}{check[0]['d']}"
            index -= size
        return None

    def step(self) -> None:
        """One plate read, and a citation if this car is cited."""
        jurisdiction, plate = self._plate()
        now = datetime.now().astimezone()
        photo = (
            plate_photo_bytes(jurisdiction, plate, now, f"Lot {self.plan.lot}")
            if self.plan.photos
            else None
        )
        read = DeviceCall(
            0,
            "read",
            self.device,
            self._next_seq(),
            (
                jurisdiction,
                plate,
                self.plan.lot,
                now,
                None,
                None,
                Decimal(self.rng.randint(80, 99)) / 100,
                photo,
                hashlib.sha256(photo).hexdigest() if photo else None,
            ),
        )
        result = self.link.send(read)
        if not result.accepted:
            self.tally.refused += 1
            self.say(f"{now:%H:%M:%S}  {jurisdiction} {plate}: read refused: {result.refusal}")
            return
        self.tally.recorded["read"] += 1
        if (jurisdiction, plate) not in self.seen:
            self.seen.append((jurisdiction, plate))
        answer = result.row or {}
        verdict = str(answer["verdict"])
        self.say(f"{now:%H:%M:%S}  {jurisdiction} {plate:<10} {verdict:<10} {answer['reason']}")
        if (
            verdict in CITABLE
            and (jurisdiction, plate) not in self.cited
            and self.rng.random() < self.plan.cite_share
        ):
            self.cited.add((jurisdiction, plate))  # one citation a car a patrol
            self._cite(jurisdiction, plate, now, photo, self.violation[verdict])

    def _cite(
        self, jurisdiction: str, plate: str, now: datetime, photo: bytes | None, code: str
    ) -> None:
        for _ in range(1000):  # numbers the device issued before are skipped
            number = self._number()
            if number is None:
                self.say(f"          {self.device} has no citation numbers left: not cited.")
                return
            result = self.link.send(
                DeviceCall(
                    0,
                    "citation",
                    self.device,
                    self._next_seq(),
                    (
                        number,
                        jurisdiction,
                        plate,
                        code,
                        self.plan.lot,
                        now,
                        "Simulated patrol",
                        None,
                        None,
                    ),
                )
            )
            if result.accepted or not (
                result.field == "number"
                and ("already issued" in result.refusal or "spoiled" in result.refusal)
            ):
                break
        if not result.accepted:
            self.tally.refused += 1
            self.say(f"          not cited: {result.refusal}")
            return
        self.tally.recorded["citation"] += 1
        cited = result.row or {}
        self.say(
            f"          cited {cited['number']} ({code}), fine {cited['fine']}, "
            f"due {cited['due_on']}"
        )
        if photo is not None:
            sent = self.link.send(
                DeviceCall(
                    0,
                    "evidence",
                    self.device,
                    self._next_seq(),
                    (
                        cited["number"],
                        photo,
                        hashlib.sha256(photo).hexdigest(),
                        "image/jpeg",
                        now,
                    ),
                )
            )
            if sent.accepted:
                self.tally.recorded["evidence"] += 1
            else:
                self.tally.refused += 1
                self.say(f"          photo not attached: {sent.refusal}")

    def run(self, sleep: Callable[[float], None] = time.sleep) -> Tally:
        """Read at the plan's rate until its count is reached (or Ctrl-C)."""
        self.say(
            f"Patrolling lot {self.plan.lot} with device {self.device} as {self.link.login}, "
            f"{self.plan.rate:g} reads a second; citing under "
            f"{', '.join(sorted(set(self.violation.values())))}. Ctrl-C stops."
        )
        done = 0
        interval = 1 / self.plan.rate
        next_at = time.monotonic()
        while self.plan.count is None or done < self.plan.count:
            self.step()
            done += 1
            next_at += interval
            sleep(max(0.0, next_at - time.monotonic()))
        return self.tally


def plate_photo_bytes(jurisdiction: str, plate: str, at: datetime, where: str) -> bytes:
    """The patrol camera's photo (Qt is loaded only when a photo is taken)."""
    from desktop.services.photos import plate_photo

    return plate_photo(jurisdiction, plate, at, where)


def parked_plates(admin_url: str, lot: str, limit: int = 300) -> tuple[tuple[str, str], ...]:
    """The cars parked in a lot of the demo world: plates with a permit for it, and a few
    whose permit is for another lot. Read as the administrator, because this is the
    simulation's world, not something the device may know."""
    try:
        with psycopg.connect(admin_libpq_url(admin_url)) as conn:
            rows = conn.execute(
                "SELECT v.jurisdiction, v.plate_raw FROM parkdesk.permit_vehicle pv "
                "JOIN parkdesk.vehicle v ON v.id = pv.vehicle_id "
                "JOIN parkdesk.lot l ON l.id = pv.lot_id "
                "WHERE upper(pv.validity) > now() - interval '60 days' "
                "ORDER BY (l.code = upper(%s)) DESC, random() LIMIT %s",
                (lot, limit),
            ).fetchall()
    except psycopg.Error as exc:
        raise translate(exc) from exc
    return tuple((str(j), str(p)) for j, p in rows)


def read_plate_list(path: Path) -> tuple[tuple[str, str], ...]:
    """A file of plates, one per line as "ON ABC 123" (jurisdiction first)."""
    plates = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KnownError(f"Cannot read the plate list {path}: {exc.strerror or exc}.") from exc
    for number, line in enumerate(lines, start=1):
        parts = line.split(None, 1)
        if not parts or line.lstrip().startswith("#"):
            continue
        if len(parts) != 2:
            raise KnownError(
                f"{path}, line {number}: write a plate as its jurisdiction, then "
                "the plate (ON ABC 123)."
            )
        plates.append((parts[0].upper(), parts[1].strip()))
    return tuple(plates)
