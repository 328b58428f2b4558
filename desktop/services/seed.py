"""Demo data: a believable campus with lots, parkers, vehicles, permits and one login per role.

Run as the administrator (``parkdesk db seed``). Rows go through the same
triggers as any other write, so demo data is audited like real data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from desktop.models.staff import STAFF_ROLES
from desktop.services.database import (
    admin_libpq_url,
    connection_failure,
    translate_errors,
)
from desktop.services.errors import KnownError
from desktop.services.passwords import scram_sha256_verifier
from desktop.services.seed_enforcement import seed_enforcement
from desktop.services.seed_security import seed_security

DEMO_PASSWORD = "parkdesk-demo"  # noqa: S105 - published demo password, embedded server only
DEMO_LOGINS = {role: f"demo_{role}" for role in STAFF_ROLES}

SCALES = {"demo": (3000, 1.5), "small": (200, 1.4), "bench": (100_000, 1.5)}

LOTS = [
    ("A", "Library Lot", 420, ["A1", "A2"]),
    ("B", "Science Quad Lot", 380, ["B1", "B2", "B3"]),
    ("C", "Stadium Lot", 1200, ["C-EAST", "C-WEST"]),
    ("D", "Residence Lot", 650, ["D1"]),
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
    permits: int = 0
    reads: int = 0
    citations: int = 0

    def describe(self) -> str:
        if self.skipped:
            return "The database already holds parkers; demo data was not added."
        logins = ", ".join(self.logins) or "none (already there)"
        return (
            f"Seeded {self.lots} lots, {self.parkers} parkers, {self.vehicles} vehicles and "
            f"{self.permits} permits; {self.reads} plate reads and {self.citations} citations. "
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
        raise connection_failure(exc) from exc
    # One transaction: a failure half-way leaves no half-seeded database behind.
    with conn, translate_errors():
        if conn.execute("SELECT to_regclass('parkdesk.parker')").fetchone() == (None,):
            raise KnownError(
                "The database has no ParkDesk schema yet: run 'parkdesk db upgrade' first."
            )
        if conn.execute("SELECT EXISTS (SELECT 1 FROM parkdesk.parker)").fetchone() == (True,):
            # A database in use gets nothing, least of all logins with a published password.
            return SeedReport(0, 0, 0, (), skipped=True)
        _office(conn)
        logins = _demo_logins(conn)
        lots = _lots(conn)
        parkers = _parkers(conn, rng, parker_count)
        _vehicles(conn, rng, parkers, vehicles_per_parker)
        permits = _permits(conn, rng)
        permits += _history(conn, rng)
        vehicles = _count(conn, "vehicle")  # with the look-alike plates _history adds
        enforcement = seed_enforcement(conn, rng, scale)
        seed_security(conn, rng, datetime.now().astimezone(), DEMO_LOGINS["dispatcher"])
        conn.commit()
    return SeedReport(
        lots,
        len(parkers),
        vehicles,
        tuple(logins),
        skipped=False,
        permits=permits,
        reads=enforcement.reads,
        citations=enforcement.citations,
    )


#: The demo office: a Canadian campus, so its plates, its clock and its money agree.
DEMO_OFFICE = ("Northfield University Parking Services", "America/Toronto", "CAD")


def _office(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    conn.execute(
        "UPDATE parkdesk.office_setting SET office_name = %s, time_zone = %s, currency = %s "
        "WHERE id = 1",
        DEMO_OFFICE,
    )


def _demo_logins(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    created = []
    for role, login in DEMO_LOGINS.items():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
        if exists:
            continue
        conn.execute(
            "SELECT parkdesk.create_staff_login(%s, %s, %s, %s)",
            (login, f"Demo {role.title()}", [role], scram_sha256_verifier(DEMO_PASSWORD)),
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
        # 555-01xx numbers are set aside for fiction; stored in E.164, as the desk stores.
        phone = f"+1{rng.choice(('416', '647', '905', '613'))}55501{rng.randint(0, 99):02d}"
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


#: code, name, price, validity, affiliations, lots, sale mode, proration, share of eligible
#: parkers who hold one. Term dates follow the academic year the demo runs in.
PERMIT_TYPES = [
    (
        "STU-AY",
        "Student academic year",
        "320.00",
        "academic",
        ["student"],
        ["C", "D"],
        "first_come",
        "monthly",
        0.45,
    ),
    (
        "FS-ANN",
        "Faculty & staff annual",
        "480.00",
        "annual",
        ["faculty", "staff"],
        ["A", "B"],
        "first_come",
        "monthly",
        0.5,
    ),
    (
        "F-RES",
        "Faculty reserved",
        "720.00",
        "annual",
        ["faculty"],
        ["F"],
        "waitlist",
        "monthly",
        1.0,
    ),
    (
        "H-MON",
        "Hospital staff monthly",
        "65.00",
        "monthly",
        ["staff", "contractor"],
        ["H"],
        "first_come",
        "daily",
        0.4,
    ),
    (
        "RES-NT",
        "Residents overnight",
        "40.00",
        "monthly",
        ["resident"],
        ["M"],
        "first_come",
        "daily",
        0.3,
    ),
    (
        "CON-30",
        "Contractor 30 days",
        "45.00",
        "days",
        ["contractor"],
        ["C", "H"],
        "first_come",
        "none",
        0.5,
    ),
]


def _permits(conn: psycopg.Connection[tuple[object, ...]], rng: random.Random) -> int:
    """Permit types, a season of permits already sold and paid, and a waitlist.

    Written directly as the administrator so the sales can lie in the past; the
    capacity trigger, the exclusion constraint and the audit trail still apply.
    """
    conn.execute("SELECT setseed(%s)", (rng.random(),))
    today = _one(conn.execute("SELECT parkdesk.local_day(now())").fetchone())[0]
    year = today.year if today.month >= 9 else today.year - 1
    terms = {
        "academic": (f"{year}-09-01", f"{year + 1}-04-30"),
        "annual": (f"{year}-09-01", f"{year + 1}-08-31"),
    }
    sold = 0
    for code, name, price, validity, affiliations, lots, mode, proration, share in PERMIT_TYPES:
        term_start, term_end = terms.get(validity, (None, None))
        row = conn.execute(
            "INSERT INTO parkdesk.permit_type (code, name, price, validity, term_start, term_end, "
            "days, affiliations, sale_mode, proration) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s) RETURNING id",
            (
                code,
                name,
                price,
                "term" if term_start else validity,
                term_start,
                term_end,
                30 if validity == "days" else None,
                affiliations,
                mode,
                proration,
            ),
        ).fetchone()
        type_id = _one(row)[0]
        conn.execute(
            "INSERT INTO parkdesk.permit_type_lot (permit_type_id, lot_id) "
            "SELECT %s, id FROM parkdesk.lot WHERE code = ANY(%s)",
            (type_id, lots),
        )
        sold += _sell_season(conn, type_id, share)
    # The reserved lot is sold out: these faculty wait for a space, oldest first.
    conn.execute(
        """
        INSERT INTO parkdesk.waitlist_entry (permit_type_id, lot_id, parker_id, status, joined_at)
        SELECT t.id, l.id, p.id, 'waiting', now() - make_interval(days => 40 - n::int)
        FROM parkdesk.permit_type t, parkdesk.lot l,
             LATERAL (SELECT p.id, row_number() OVER (ORDER BY p.id) AS n
                      FROM parkdesk.parker p
                      WHERE p.affiliation = 'faculty' AND NOT EXISTS (
                          SELECT 1 FROM parkdesk.permit x WHERE x.parker_id = p.id
                            AND x.permit_type_id = t.id)
                      ORDER BY p.id LIMIT 8) p
        WHERE t.code = 'F-RES' AND l.code = 'F'
        """
    )
    conn.execute("SELECT parkdesk.refresh_waitlists()")
    return sold


def _one(row: tuple[Any, ...] | None) -> tuple[Any, ...]:
    if row is None:  # pragma: no cover - INSERT ... RETURNING always returns its row
        raise KnownError("The database returned no row where one was expected.")
    return row


def _sell_season(conn: psycopg.Connection[tuple[object, ...]], type_id: int, share: float) -> int:
    """Sell this type to a share of its eligible parkers, at most 90% of each lot (the
    reserved lot fills up), each paid by card, cheque or charge to account."""
    rows = conn.execute(
        """
        WITH t AS (SELECT * FROM parkdesk.permit_type WHERE id = %(type)s),
        lots AS (
            SELECT l.id, l.capacity, row_number() OVER (ORDER BY l.code) - 1 AS slot,
                   count(*) OVER () AS lots,
                   (SELECT count(*) FROM parkdesk.permit x WHERE x.lot_id = l.id) AS taken
            FROM parkdesk.lot l JOIN parkdesk.permit_type_lot tl ON tl.lot_id = l.id
            WHERE tl.permit_type_id = %(type)s
        ),
        buyers AS (
            SELECT p.id AS parker_id, v.id AS vehicle_id,
                   row_number() OVER (ORDER BY random()) AS n
            FROM parkdesk.parker p, t,
                 LATERAL (SELECT v.id FROM parkdesk.vehicle v WHERE v.parker_id = p.id
                          AND v.plate_status = 'readable' ORDER BY v.id LIMIT 1) v
            WHERE p.affiliation = ANY (t.affiliations) AND random() < %(share)s
              AND NOT EXISTS (SELECT 1 FROM parkdesk.permit x WHERE x.parker_id = p.id)
        ),
        placed AS (
            SELECT b.*, lots.id AS lot_id, lots.capacity, lots.taken,
                   row_number() OVER (PARTITION BY lots.id ORDER BY b.n) AS in_lot
            FROM buyers b JOIN lots ON lots.slot = b.n %% lots.lots
        )
        SELECT p.parker_id, p.vehicle_id, p.lot_id,
               CASE t.validity
                   WHEN 'term' THEN tstzrange(
                       parkdesk.local_midnight(t.term_start + (random() * 20)::int),
                       parkdesk.local_midnight(t.term_end + 1))
                   WHEN 'monthly' THEN tstzrange(
                       parkdesk.local_midnight(date_trunc('month', now())::date),
                       parkdesk.local_midnight((date_trunc('month', now())
                                                + interval '1 month')::date))
                   ELSE tstzrange(
                       parkdesk.local_midnight(parkdesk.local_day(now()) - (random() * 25)::int),
                       parkdesk.local_midnight(parkdesk.local_day(now()) + 5
                                               + (random() * 25)::int))
               END AS validity,
               t.price, t.name
        FROM placed p, t
        WHERE p.taken + p.in_lot <= CASE WHEN t.sale_mode = 'waitlist' THEN p.capacity
                                         ELSE (p.capacity * 0.9)::int END
        """,
        {"type": type_id, "share": share},
    ).fetchall()
    return _record_sales(conn, type_id, rows)


def _record_sales(
    conn: psycopg.Connection[tuple[object, ...]], type_id: int, rows: list[tuple[Any, ...]]
) -> int:
    """Each row (parker, vehicle, lot, validity, price, type name) as a permit sold on its
    first day, paid by card, cheque or charge to account, with its ledger postings."""
    tenders = [("card", 6), ("account", 3), ("cheque", 1)]
    rng = random.Random(type_id)
    for parker_id, vehicle_id, lot_id, validity, price, name in rows:
        permit = conn.execute(
            "INSERT INTO parkdesk.permit (kind, permit_type_id, parker_id, lot_id, "
            "issued_validity, validity, price) VALUES ('term', %s, %s, %s, %s, %s, %s) "
            "RETURNING id, number, lower(validity)",
            (type_id, parker_id, lot_id, validity, validity, price),
        ).fetchone()
        permit_id, number, sold_at = _one(permit)
        conn.execute(
            "INSERT INTO parkdesk.permit_vehicle (permit_id, vehicle_id, lot_id, validity) "
            "VALUES (%s, %s, %s, %s)",
            (permit_id, vehicle_id, lot_id, validity),
        )
        tender = _weighted(rng, tenders)
        payment = conn.execute(
            """
            INSERT INTO parkdesk.payment (idempotency_key, received_at, received_by, direction,
                parker_id, permit_id, description, tender, amount, card_brand, card_last4,
                processor_ref, cheque_number, account_kind, account_ref)
            VALUES (gen_random_uuid(), %(at)s + interval '10 hours', 'demo_clerk', 'in',
                %(parker)s, %(permit)s, %(description)s, %(tender)s, %(amount)s,
                %(brand)s, %(last4)s, %(ref)s, %(cheque)s, %(account)s, %(account_ref)s)
            RETURNING id, receipt_number
            """,
            {
                "at": sold_at,
                "parker": parker_id,
                "permit": permit_id,
                "description": f"{name} {number}",
                "tender": tender,
                "amount": price,
                "brand": rng.choice(["Visa", "Mastercard"]) if tender == "card" else None,
                "last4": f"{rng.randint(0, 9999):04d}" if tender == "card" else None,
                "ref": f"AUTH-{rng.randint(100000, 999999)}" if tender == "card" else None,
                "cheque": str(rng.randint(100, 9999)) if tender == "cheque" else None,
                "account": "payroll" if tender == "account" else None,
                "account_ref": f"E{rng.randint(100000, 999999)}" if tender == "account" else None,
            },
        ).fetchone()
        payment = _one(payment)
        conn.execute(
            "INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, parker_id, "
            "permit_id, payment_id, memo) VALUES "
            "(%(at)s + interval '10 hours', 'demo_clerk', 'sale', %(amount)s, %(parker)s, "
            "%(permit)s, NULL, %(memo)s), "
            "(%(at)s + interval '10 hours', 'demo_clerk', 'payment', -%(amount)s, %(parker)s, "
            "%(permit)s, %(payment)s, %(paid)s)",
            {
                "at": sold_at,
                "amount": price,
                "parker": parker_id,
                "permit": permit_id,
                "payment": payment[0],
                "memo": f"{name} {number}",
                "paid": f"Payment {payment[1]} {tender}",
            },
        )
    return len(rows)


#: Look-alike characters a misreading swaps (SPEC rule 2), for the demo's near pairs.
_MISREAD = str.maketrans("O0I158B", "0O1I5B8")


def _history(conn: psycopg.Connection[tuple[object, ...]], rng: random.Random) -> int:
    """What lets every plate check verdict be shown today, with no time travel: monthly
    permits that ended last month, a few cancelled permits, and registered plates that
    look like permit holders' plates (a misread "ABC 108" for "ABC 1O8")."""
    type_id = _one(
        conn.execute("SELECT id FROM parkdesk.permit_type WHERE code = 'H-MON'").fetchone()
    )[0]
    lapsed = conn.execute(
        """
        SELECT p.id, v.id, l.id,
               tstzrange(parkdesk.local_midnight((date_trunc('month', now())
                                                  - interval '1 month')::date),
                         parkdesk.local_midnight(date_trunc('month', now())::date)),
               t.price, t.name
        FROM parkdesk.parker p
        JOIN LATERAL (SELECT v.id FROM parkdesk.vehicle v WHERE v.parker_id = p.id
                      AND v.plate_status = 'readable' ORDER BY v.id LIMIT 1) v ON true
        JOIN parkdesk.permit_type t ON t.id = %(type)s
        JOIN parkdesk.lot l ON l.code = 'H'
        WHERE p.affiliation = ANY (t.affiliations)
          AND NOT EXISTS (SELECT 1 FROM parkdesk.permit x WHERE x.parker_id = p.id)
        ORDER BY p.id
        -- At most what lot H had free last month: a large office has more such parkers
        -- than the lot has spaces.
        LIMIT least(%(count)s, (
            SELECT greatest(a.capacity - a.taken - a.offered - 1, 0)
            FROM parkdesk.lot l, parkdesk.lot_availability(l.id, tstzrange(
                parkdesk.local_midnight((date_trunc('month', now()) - interval '1 month')::date),
                parkdesk.local_midnight(date_trunc('month', now())::date))) a
            WHERE l.code = 'H'))
        """,
        {"type": type_id, "count": max(5, _count(conn, "parker") // 60)},
    ).fetchall()
    written = _record_sales(conn, type_id, list(lapsed))
    # A few parkers gave their permit back last week (no refund was due).
    conn.execute(
        """
        WITH chosen AS (
            SELECT p.id, now() - interval '6 days' AS cut FROM parkdesk.permit p
            WHERE p.kind = 'term' AND p.cancelled_at IS NULL
              AND lower(p.validity) < now() - interval '6 days' AND upper(p.validity) > now()
            ORDER BY p.id DESC LIMIT 4
        ), vehicles AS (
            UPDATE parkdesk.permit_vehicle pv
            SET validity = tstzrange(lower(pv.validity), c.cut)
            FROM chosen c WHERE pv.permit_id = c.id
        )
        UPDATE parkdesk.permit p
        SET validity = tstzrange(lower(p.validity), c.cut), cancelled_at = c.cut,
            cancel_reason = 'Returned by the parker; outside the refund period'
        FROM chosen c WHERE p.id = c.id
        """
    )
    # Plates that read like a permit holder's: another parker's car, no permit of its own.
    holders = conn.execute(
        """
        SELECT v.jurisdiction, v.plate_raw FROM parkdesk.vehicle v
        JOIN parkdesk.permit_vehicle pv ON pv.vehicle_id = v.id AND pv.validity @> now()
        WHERE v.plate_raw ~ '[O0I158B]' ORDER BY v.id LIMIT 6
        """
    ).fetchall()
    owners = [
        r[0]
        for r in conn.execute(
            "SELECT p.id FROM parkdesk.parker p WHERE NOT EXISTS "
            "(SELECT 1 FROM parkdesk.permit x WHERE x.parker_id = p.id) ORDER BY p.id DESC LIMIT 6"
        ).fetchall()
    ]
    for (jurisdiction, raw), owner in zip(holders, owners, strict=False):
        plate = str(raw)
        at = next(i for i, c in enumerate(plate) if c in "O0I158B")
        twin = plate[:at] + plate[at].translate(_MISREAD) + plate[at + 1 :]
        conn.execute(
            "INSERT INTO parkdesk.vehicle (parker_id, jurisdiction, plate_raw, plate_status, "
            "make, model, colour, model_year) VALUES (%s, %s, %s, 'readable', %s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (owner, jurisdiction, twin, "Honda", "Civic", rng.choice(COLOURS), 2019),
        )
    return written


def _count(conn: psycopg.Connection[tuple[object, ...]], table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM parkdesk.{table}").fetchone()
    return int(str(_one(row)[0]))
