"""The demo office's security desk: a watchlist with exact and partial plates, an alert
waiting for the dispatcher (a watchlisted car read by a patrol), and a few incidents with
their people, vehicles and dispatch logs — one confidential, one closed.

Run by :mod:`desktop.services.seed` as the administrator, after the enforcement history
(whose reads and devices it borrows), inside the seed's one transaction.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import psycopg

Conn = psycopg.Connection[tuple[object, ...]]

#: (category, sub-category or None, priority, lot code or None, location, narrative,
#:  status, confidential, hours ago)
INCIDENTS = [
    (
        "Damage",
        "Vandalism",
        2,
        "B",
        None,
        "Caller reports a smashed rear window on a grey sedan in row C; glass on the ground.",
        "in_progress",
        False,
        5,
    ),
    (
        "Theft",
        "Theft from a vehicle",
        1,
        "A",
        None,
        "Laptop bag taken from an unlocked car between 08:00 and 12:30; owner at the office.",
        "new",
        False,
        2,
    ),
    (
        "Assault",
        None,
        1,
        None,
        "Footpath behind the stadium, near gate 4",
        "Staff member reports being pushed by a man who was asked to move his car. Minor "
        "injury; first aid given.",
        "in_progress",
        True,
        26,
    ),
    (
        "Trespass",
        None,
        3,
        "C",
        None,
        "Person sleeping in a car overnight in the stadium lot; asked to leave, left at 06:40.",
        "closed",
        False,
        72,
    ),
]


def seed_security(conn: Conn, rng: random.Random, now: datetime, dispatcher: str) -> int:
    """The watchlist, one waiting alert, the incidents and a trespass notice; how many
    incidents."""
    _watchlist(conn, rng, now)
    count = _incidents(conn, rng, now, dispatcher)
    # The trespass incident's person, barred from the stadium lot for six months.
    conn.execute(
        "SELECT parkdesk.issue_trespass_notice(NULL, 'Chris Vale', 'Slept in a car overnight', "
        "'C', '', 'Repeatedly sleeping in vehicles in the stadium lot overnight', %s, %s, "
        "(SELECT max(id) FROM parkdesk.incident))",
        (now + timedelta(days=182), ["ON CVAL123"]),
    )
    return count


def _watchlist(conn: Conn, rng: random.Random, now: datetime) -> None:
    plates = [
        (str(j), str(p))
        for j, p in conn.execute(
            "SELECT DISTINCT jurisdiction, plate_normalized FROM parkdesk.plate_read "
            "WHERE read_at > %s ORDER BY 1, 2",
            (now - timedelta(days=3),),
        ).fetchall()
    ]
    if len(plates) < 4:
        return
    stolen, bolo, partial, expired = rng.sample(plates, 4)
    rows: list[tuple[Any, ...]] = [
        (
            stolen[0],
            stolen[1],
            "Stolen vehicle",
            1,
            "Reported stolen from Lot C on the weekend, police report 26-4411.",
            "Do not approach; call dispatch on channel 2.",
            now - timedelta(days=2),
            None,
        ),
        (
            bolo[0],
            bolo[1],
            "BOLO",
            2,
            "Seen leaving the scene of a hit and run at the north gate.",
            "Note where and when it is parked and call dispatch.",
            now - timedelta(days=5),
            now + timedelta(days=25),
        ),
        (
            None,
            partial[1][:2] + "*" + partial[1][-2:],
            "BOLO",
            2,
            "Partial plate from a witness: a dark van tailgating through the barrier.",
            "Check the full plate and call dispatch.",
            now - timedelta(days=1),
            None,
        ),
        (
            expired[0],
            expired[1],
            "Trespass",
            3,
            "Trespass notice for its owner, ended last week.",
            "Remind the driver the notice has ended.",
            now - timedelta(days=40),
            now - timedelta(days=7),
        ),
    ]
    for row in rows:
        conn.execute(
            "INSERT INTO parkdesk.watchlist_entry (jurisdiction, plate_pattern, category, "
            "priority, reason, instruction, starts_at, expires_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            row,
        )
    # The stolen car, read by a patrol this morning: the dispatcher's first alert.
    read = conn.execute(
        "SELECT r.id, r.read_at, r.lot_id, r.device_id, r.officer FROM parkdesk.plate_read r "
        "WHERE r.jurisdiction = %s AND r.plate_normalized = %s ORDER BY r.read_at DESC LIMIT 1",
        stolen,
    ).fetchone()
    if read is None:
        return
    read_id, read_at, lot_id, device_id, officer = read
    conn.execute(
        "INSERT INTO parkdesk.watchlist_alert (entry_id, jurisdiction, plate, first_at, "
        "last_at, hits, source, seen_at, lot_id, device_id, seen_by, read_id) "
        "SELECT e.id, %s, %s, now(), now(), 1, 'read', %s, %s, %s, %s, %s "
        "FROM parkdesk.watchlist_entry e WHERE e.plate_pattern = %s",
        (stolen[0], stolen[1], read_at, lot_id, device_id, officer, read_id, stolen[1]),
    )


def _incidents(conn: Conn, rng: random.Random, now: datetime, dispatcher: str) -> int:
    roles = {
        str(n): int(str(i))
        for i, n in conn.execute("SELECT id, name FROM parkdesk.incident_role").fetchall()
    }
    for parent, sub, priority, lot, location, narrative, status, secret, hours in INCIDENTS:
        category = conn.execute(
            "SELECT c.id FROM parkdesk.incident_category c "
            "LEFT JOIN parkdesk.incident_category p ON p.id = c.parent_id "
            "WHERE c.name = %s AND (p.name = %s OR (%s::text IS NULL AND c.parent_id IS NULL))",
            (sub or parent, parent if sub else None, sub),
        ).fetchone()
        if category is None:
            continue
        row = conn.execute(
            "INSERT INTO parkdesk.incident (category_id, priority, occurred_at, reported_at, "
            "lot_id, location, narrative, injury, confidential, investigators) "
            "VALUES (%s, %s, %s, %s, (SELECT id FROM parkdesk.lot WHERE code = %s), %s, %s, "
            "%s, %s, %s) RETURNING id",
            (
                category[0],
                priority,
                now - timedelta(hours=hours, minutes=20),
                now - timedelta(hours=hours),
                lot,
                location,
                narrative,
                parent == "Assault",
                secret,
                [dispatcher] if secret else [],
            ),
        ).fetchone()
        if row is None:  # pragma: no cover - INSERT … RETURNING gives its row
            continue
        incident = int(str(row[0]))
        log = [("call_received", "Call to the office line")]
        if status != "new":
            log += [("unit_dispatched", "Patrol unit 2"), ("on_scene", "")]
        if status == "closed":
            log += [("cleared", "Left the lot; no further action")]
        for kind, note in log:
            conn.execute(
                "INSERT INTO parkdesk.dispatch_entry (incident_id, kind, note) VALUES (%s, %s, %s)",
                (incident, kind, note),
            )
        conn.execute(
            "INSERT INTO parkdesk.incident_person (incident_id, role_id, name, description) "
            "VALUES (%s, %s, %s, %s)",
            (
                incident,
                roles["Complainant"],
                rng.choice(["Sam Roe", "Priya Nair", "Jo Bell"]),
                "Called it in",
            ),
        )
        if parent in ("Damage", "Trespass"):
            conn.execute(
                "INSERT INTO parkdesk.incident_vehicle (incident_id, jurisdiction, plate, "
                "description, vehicle_id) SELECT %s, v.jurisdiction, v.plate_normalized, %s, "
                "v.id FROM parkdesk.vehicle v WHERE v.plate_normalized IS NOT NULL "
                "ORDER BY v.id LIMIT 1 OFFSET %s",
                (incident, "The car concerned", rng.randrange(50)),
            )
        for step in {
            "in_progress": ["in_progress"],
            "closed": ["in_progress", "resolved", "closed"],
        }.get(status, []):
            conn.execute("UPDATE parkdesk.incident SET status = %s WHERE id = %s", (step, incident))
    return len(INCIDENTS)
