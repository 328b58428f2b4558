"""Demo data: a believable campus with lots, zones, parkers, vehicles and one login per role.

Run as the administrator (``parkdesk db seed``). Rows go through the same
triggers as any other write, so demo data is audited like real data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg

from desktop.models.staff import STAFF_ROLES
from desktop.services.database import (
    admin_libpq_url,
    describe_connection_failure,
    translate_errors,
)
from desktop.services.errors import ConnectionProblem, KnownError

DEMO_PASSWORD = "parkdesk-demo"  # noqa: S105 - published demo password, embedded server only
DEMO_LOGINS = {role: f"demo_{role}" for role in STAFF_ROLES}

SCALES = {"demo": (3000, 1.5), "small": (200, 1.4), "bench": (100_000, 1.5)}

LOTS = [
    ("A", "Lot A — Library", 420, ["A1", "A2"]),
    ("B", "Lot B — Science Quad", 380, ["B1", "B2", "B3"]),
    ("C", "Lot C — Stadium", 1200, ["C-EAST", "C-WEST"]),
    ("D", "Lot D — Residences", 650, ["D1"]),
    ("H", "Hospital Garage", 900, ["H-P1", "H-P2", "H-P3", "H-ROOF"]),
    ("M", "Main Street Meters", 60, ["M-NORTH", "M-SOUTH"]),
    ("V", "Visitor Centre", 120, ["V1"]),
    ("F", "Faculty Reserved", 150, ["F1"]),
]

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Ava",
    "Elijah",
    "Sophia",
    "Lucas",
    "Isabella",
    "Mateo",
    "Mia",
    "Levi",
    "Charlotte",
    "Ethan",
    "Harper",
    "James",
    "Evelyn",
    "Benjamin",
    "Aiden",
    "Chloe",
    "Mohammed",
    "Fatima",
    "Wei",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Priya",
    "Arjun",
    "Aisha",
    "Omar",
    "Sofia",
    "Diego",
    "Camille",
    "Louis",
    "Zoe",
    "Gabriel",
    "Ines",
    "Hugo",
    "Nora",
    "Felix",
    "Maya",
    "Samuel",
    "Leah",
    "Daniel",
    "Grace",
    "Henry",
    "Lily",
    "Jack",
    "Ella",
    "Owen",
    "Avery",
    "Ryan",
    "Sarah",
    "David",
    "Hannah",
    "Joseph",
    "Anna",
    "Thomas",
    "Julia",
    "Marc",
    "Chantal",
    "Pierre",
    "Sylvie",
    "Raj",
    "Anika",
    "Kwame",
    "Amara",
    "Tariq",
    "Layla",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Tremblay",
    "Gagnon",
    "Roy",
    "Cote",
    "Bouchard",
    "Gauthier",
    "Morin",
    "Lavoie",
    "Fortin",
    "Chen",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Patel",
    "Singh",
    "Kumar",
    "Shah",
    "Khan",
    "Ali",
    "Ahmed",
    "Kim",
    "Park",
    "Choi",
    "Tanaka",
    "Sato",
    "Suzuki",
    "O'Brien",
    "MacDonald",
    "Fraser",
    "Stewart",
    "Murphy",
    "Kelly",
    "Sullivan",
    "Novak",
    "Kowalski",
    "Müller",
    "Schmidt",
]
MAKES = {
    "Toyota": ["Corolla", "Camry", "RAV4", "Prius"],
    "Honda": ["Civic", "Accord", "CR-V", "Fit"],
    "Ford": ["F-150", "Escape", "Focus", "Mustang"],
    "Chevrolet": ["Malibu", "Equinox", "Bolt", "Silverado"],
    "Hyundai": ["Elantra", "Tucson", "Kona"],
    "Volkswagen": ["Golf", "Jetta", "Tiguan"],
    "Tesla": ["Model 3", "Model Y"],
    "Subaru": ["Outback", "Forester", "Impreza"],
    "Nissan": ["Leaf", "Rogue", "Sentra"],
    "Mazda": ["Mazda3", "CX-5"],
}
COLOURS = ["White", "Black", "Grey", "Silver", "Blue", "Red", "Green", "Brown", "Beige"]
AFFILIATION_WEIGHTS = [
    ("student", 55),
    ("staff", 18),
    ("faculty", 12),
    ("resident", 8),
    ("visitor", 5),
    ("contractor", 2),
]
LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"


def _plate(rng: random.Random, jurisdiction: str) -> str:
    def letters(n: int) -> str:
        return "".join(rng.choice(LETTERS) for _ in range(n))

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    formats = {
        "ON": lambda: f"{letters(4)} {digits(3)}",
        "QC": lambda: f"{digits(3)} {letters(3)}",
        "NY": lambda: f"{letters(3)}-{digits(4)}",
        "MI": lambda: f"{letters(3)} {digits(4)}",
        "BC": lambda: f"{letters(2)}{digits(1)} {digits(2)}{letters(1)}",
        "AB": lambda: f"{letters(3)}-{digits(4)}",
        "OH": lambda: f"{letters(3)} {digits(4)}",
        "VT": lambda: f"{letters(3)} {digits(3)}",
    }
    return formats[jurisdiction]()


JURISDICTION_WEIGHTS = [
    ("ON", 50),
    ("QC", 15),
    ("NY", 10),
    ("MI", 6),
    ("BC", 5),
    ("AB", 5),
    ("OH", 5),
    ("VT", 4),
]


@dataclass(frozen=True)
class SeedReport:
    lots: int
    parkers: int
    vehicles: int
    logins: tuple[str, ...]
    skipped: bool

    def describe(self) -> str:
        if self.skipped:
            return "The database already holds parkers; demo data was not added."
        logins = ", ".join(self.logins) or "none (already there)"
        return (
            f"Seeded {self.lots} lots, {self.parkers} parkers and {self.vehicles} vehicles. "
            f"Demo logins ({DEMO_PASSWORD}): {logins}"
        )


def seed(admin_url: str, scale: str = "demo", *, rng_seed: int = 2026) -> SeedReport:
    """Fill an empty database with demo data; does nothing if parkers already exist."""
    if scale not in SCALES:
        raise KnownError(f"Unknown scale '{scale}'. Choose from: {', '.join(SCALES)}.")
    parker_count, vehicles_per_parker = SCALES[scale]
    rng = random.Random(rng_seed)
    try:
        conn = psycopg.connect(admin_libpq_url(admin_url), connect_timeout=5)
    except psycopg.Error as exc:
        raise ConnectionProblem(describe_connection_failure(exc)) from exc
    # One transaction: a failure half-way leaves no half-seeded database behind.
    with conn, translate_errors():
        if conn.execute("SELECT to_regclass('parkdesk.parker')").fetchone() == (None,):
            raise KnownError(
                "The database has no ParkDesk schema yet: run 'parkdesk db upgrade' first."
            )
        if conn.execute("SELECT EXISTS (SELECT 1 FROM parkdesk.parker)").fetchone() == (True,):
            # A database in use gets nothing, least of all logins with a published password.
            return SeedReport(0, 0, 0, (), skipped=True)
        logins = _demo_logins(conn)
        lots = _lots(conn)
        parkers = _parkers(conn, rng, parker_count)
        vehicles = _vehicles(conn, rng, parkers, vehicles_per_parker)
        conn.commit()
    return SeedReport(lots, len(parkers), vehicles, tuple(logins), skipped=False)


def _demo_logins(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    created = []
    for role, login in DEMO_LOGINS.items():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
        if exists:
            continue
        conn.execute(
            "SELECT parkdesk.create_staff_login(%s, %s, %s, %s)",
            (login, f"Demo {role.title()}", [role], DEMO_PASSWORD),
        )
        created.append(login)
    return created


def _lots(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    for code, name, capacity, zones in LOTS:
        row = conn.execute(
            "INSERT INTO parkdesk.lot (code, name, capacity) VALUES (%s, %s, %s) "
            "ON CONFLICT (code) DO NOTHING RETURNING id",
            (code, name, capacity),
        ).fetchone()
        if row is None:
            continue
        for zone in zones:
            conn.execute(
                "INSERT INTO parkdesk.zone (lot_id, code, name) VALUES (%s, %s, %s)",
                (row[0], zone, f"Zone {zone}"),
            )
    return len(LOTS)


def _weighted(rng: random.Random, weights: list[tuple[str, int]]) -> str:
    return rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]


def _parker_rows(rng: random.Random, count: int) -> Iterator[tuple[object, ...]]:
    used_ids: set[str] = set()
    for n in range(count):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        affiliation = _weighted(rng, AFFILIATION_WEIGHTS)
        campus_id = None
        if affiliation in {"student", "staff", "faculty"}:
            prefix = {"student": "S", "staff": "E", "faculty": "F"}[affiliation]
            while campus_id is None or campus_id in used_ids:
                campus_id = f"{prefix}{rng.randint(1000000, 9999999)}"
            used_ids.add(campus_id)
        domain = "campus.example.edu" if campus_id else "example.com"
        local = f"{first}.{last}".lower().replace("'", "").replace("ü", "u")
        email = f"{local}{n}@{domain}" if rng.random() < 0.9 else None
        phone = f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        yield (first, last, affiliation, campus_id, email, phone if rng.random() < 0.7 else None)


def _parkers(
    conn: psycopg.Connection[tuple[object, ...]], rng: random.Random, count: int
) -> list[int]:
    with conn.cursor().copy(
        "COPY parkdesk.parker (first_name, last_name, affiliation, campus_id, email, phone) "
        "FROM STDIN"
    ) as copy:
        for row in _parker_rows(rng, count):
            copy.write_row(row)
    return [int(str(r[0])) for r in conn.execute("SELECT id FROM parkdesk.parker ORDER BY id")]


def _vehicles(
    conn: psycopg.Connection[tuple[object, ...]],
    rng: random.Random,
    parker_ids: list[int],
    per_parker: float,
) -> int:
    used: set[tuple[str, str]] = set()
    total = int(len(parker_ids) * per_parker)
    written = 0
    with conn.cursor().copy(
        "COPY parkdesk.vehicle (parker_id, jurisdiction, plate_raw, plate_status, make, model, "
        "colour, model_year) FROM STDIN"
    ) as copy:
        for n in range(total):
            parker_id = parker_ids[n] if n < len(parker_ids) else rng.choice(parker_ids)
            jurisdiction = _weighted(rng, JURISDICTION_WEIGHTS)
            plate = _plate(rng, jurisdiction)
            key = (jurisdiction, plate.replace(" ", "").replace("-", ""))
            if key in used:
                continue
            used.add(key)
            make = rng.choice(list(MAKES))
            copy.write_row(
                (
                    parker_id,
                    jurisdiction,
                    plate,
                    "readable",
                    make,
                    rng.choice(MAKES[make]),
                    rng.choice(COLOURS),
                    rng.randint(2008, 2026),
                )
            )
            written += 1
    return written
