"""Citations for the desk's tests, made the way the field makes them: a manager sets up a
violation code, its fine and a device with a number range; the officer's login issues
citations through the device API and attaches photos drawn like a patrol camera's.

Every call gets codes, prefixes and plates of its own, so tests sharing a database never
meet each other's citations.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from desktop.services.photos import plate_photo
from tests.conftest import Database

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _letters(n: int) -> str:
    return "".join(secrets.choice(LETTERS) for _ in range(n))


_PREFIXES_GIVEN: set[str] = set()


def _new_prefix() -> str:
    """Four letters no earlier field of this test run was given: the ranges of one
    database may not share a prefix, and four random letters meet again within a run
    often enough to fail one test in a few runs."""
    while True:
        prefix = _letters(4)
        if prefix not in _PREFIXES_GIVEN:
            _PREFIXES_GIVEN.add(prefix)
            return prefix


def luhn(digits: str) -> int:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


@dataclass(frozen=True)
class Issued:
    id: int
    number: str
    plate: str
    jurisdiction: str


@dataclass
class Field:
    """One office's enforcement set-up, and the citations issued under it."""

    database: Database
    lot_id: int
    lot_code: str
    lot_name: str
    violation: str
    device: str
    prefix: str
    next_seq: int = 1
    next_call: int = 1

    def number(self, seq: int) -> str:
        digits = f"{seq:06d}"
        return f"{self.prefix}{digits}{luhn(digits)}"

    def issue(
        self,
        plate: str | None = None,
        *,
        jurisdiction: str = "ON",
        minutes_ago: int = 5,
        photos: int = 0,
        officer: str = "otto",
    ) -> Issued:
        plate = plate or f"{_letters(3)}{secrets.randbelow(900) + 100}"
        at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        number = self.number(self.next_seq)
        self.next_seq += 1
        with self.database.connect(officer) as conn:
            row = conn.execute(
                "SELECT citation_id FROM issue_citation(%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, %s)",
                (self.device, self.next_call, number, jurisdiction, plate, self.violation,
                 self.lot_code, at, "Parked across two spaces", "Honda", "blue"),
            ).fetchone()  # fmt: skip
            self.next_call += 1
            assert row is not None
            for n in range(photos):
                data = plate_photo(jurisdiction, plate, at + timedelta(seconds=n), self.lot_name)
                conn.execute(
                    "SELECT * FROM attach_evidence(%s, %s, %s, %s, %s, 'image/jpeg', %s)",
                    (self.device, self.next_call, number, data,
                     hashlib.sha256(data).hexdigest(), at),
                )  # fmt: skip
                self.next_call += 1
            conn.commit()
        return Issued(int(str(row[0])), number, plate, jurisdiction)


def enforcement_field(database: Database, fine: str = "40.00") -> Field:
    """A lot, a violation code with its fine, and a handheld with a range of numbers."""
    code = _letters(6)
    prefix = _new_prefix()
    with database.connect("mona") as mona:
        lot = mona.execute(
            "INSERT INTO lot (code, name, capacity) VALUES (%s, %s, 100) RETURNING id",
            (f"E{code}", f"Lot {code.title()}"),
        ).fetchone()
        assert lot is not None
        violation = mona.execute(
            "INSERT INTO violation (code, description) VALUES (%s, 'No valid permit displayed') "
            "RETURNING id",
            (f"NP-{code[:5]}",),
        ).fetchone()
        assert violation is not None
        mona.execute(
            "INSERT INTO fine_rule (violation_id, amount) VALUES (%s, %s)", (violation[0], fine)
        )
        device = mona.execute(
            "INSERT INTO device (code, kind, description) VALUES (%s, 'handheld', 'Patrol') "
            "RETURNING id",
            (f"HH-{code}",),
        ).fetchone()
        assert device is not None
        mona.execute(
            "INSERT INTO citation_range (device_id, prefix, first_seq, last_seq, width) "
            "VALUES (%s, %s, 1, 999999, 6)",
            (device[0], prefix),
        )
        mona.commit()
    return Field(
        database=database,
        lot_id=int(str(lot[0])),
        lot_code=f"E{code}",
        lot_name=f"Lot {code.title()}",
        violation=f"NP-{code[:5]}",
        device=f"HH-{code}",
        prefix=prefix,
    )
