"""The demo office's enforcement: violation codes and fines, escalation, devices and their
number ranges (a few numbers spoiled), time-limited zones, a season of plate reads chained
per device, a few thousand citations (warnings, paid with and without the early-payment
discount, voided, escalated by the clock job, some plates scofflaws), photos drawn as a
patrol camera takes them, exemptions, and one shared permit flagged.

Written as the administrator in the seed's transaction so the history can lie in the
past; every trigger still runs (the audit trail, the ledger's balance, the guards), and
the reads are chained exactly as ``record_plate_read`` chains them, so ``parkdesk audit
verify`` holds on the demo too.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import psycopg

#: code, description, warning only, default fine.
VIOLATIONS = [
    ("NP-01", "No valid permit displayed", False, "40.00"),
    ("WL-02", "Parked in a lot the permit is not for", False, "30.00"),
    ("EXP-03", "Permit expired", False, "35.00"),
    ("OT-04", "Over the posted time limit", False, "25.00"),
    ("FL-05", "Parked in a fire lane", False, "100.00"),
    ("WRN-06", "Courtesy notice: permit not visible", True, "0"),
]
#: Which code a verdict is cited under.
CITED_FOR = {"no_permit": "NP-01", "wrong_lot": "WL-02", "expired": "EXP-03", "over_limit": "OT-04"}
#: after days, amount, sends to collections, description.
STAGES = [
    (35, "10.00", False, "Late fee"),
    (65, "15.00", False, "Second late fee"),
    (95, "0.00", True, "Sent to collections"),
]
#: code, kind, description, (prefix, first, last, width) or None.
DEVICES = [
    ("HH-01", "handheld", "Patrol handheld 1", ("NU", 100000, 199999, 6)),
    ("HH-02", "handheld", "Patrol handheld 2", ("NU", 200000, 299999, 6)),
    ("LPR-1", "lpr_vehicle", "Licence plate reader car", ("NL", 1, 99999, 6)),
    ("CAM-C", "fixed_camera", "Stadium entrance camera", None),
]
#: Zones with a posted time limit (minutes).
TIME_LIMITS = {"M-NORTH": 120, "M-SOUTH": 120, "V1": 180}
#: Scale -> (days of reads, reads a day, citations, photos).
SCALE = {"demo": (45, 160, 2500, 120), "small": (10, 30, 150, 10), "bench": (45, 160, 2500, 120)}


def _first(row: tuple[Any, ...] | None) -> Any:
    """The first column of a row a statement always returns (INSERT … RETURNING)."""
    if row is None:  # pragma: no cover - such a statement always returns its row
        raise RuntimeError("the statement returned no row")
    return row[0]


@dataclass(frozen=True)
class EnforcementSeeded:
    reads: int
    citations: int
    photos: int


def seed_enforcement(
    conn: psycopg.Connection[tuple[object, ...]], rng: random.Random, scale: str
) -> EnforcementSeeded:
    days, per_day, citations, photos = SCALE.get(scale, SCALE["demo"])
    conn.execute(
        "UPDATE parkdesk.office_setting SET discount_days = 7, discount_percent = 25, "
        "scofflaw_threshold = 3, shared_permit_window_minutes = 60 WHERE id = 1"
    )
    violations = _violations(conn)
    devices = _devices(conn)
    for zone, minutes in TIME_LIMITS.items():
        conn.execute(
            "UPDATE parkdesk.zone SET time_limit_minutes = %s WHERE code = %s", (minutes, zone)
        )
    now = datetime.now().astimezone()
    plan = _read_plan(conn, rng, devices=devices, now=now, days=days, per_day=per_day)
    reads = _record_reads(conn, plan)
    cited = _citations(
        conn, rng, devices=devices, violations=violations, now=now, days=days, count=citations
    )
    drawn = _photos(conn, rng, photos)
    _exemptions(conn)
    _shared_permit(conn, rng, devices, now)
    _appeals(conn, rng, now)
    # The clock job's work up to today: late fees and referrals to collections.
    conn.execute("SELECT parkdesk.escalate_citations()")
    return EnforcementSeeded(reads=reads, citations=cited, photos=drawn)


def _violations(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for code, description, warning, fine in VIOLATIONS:
        row = conn.execute(
            "INSERT INTO parkdesk.violation (code, description, warning_only) "
            "VALUES (%s, %s, %s) RETURNING id",
            (code, description, warning),
        ).fetchone()
        ids[code] = int(_first(row))
        if not warning:
            conn.execute(
                "INSERT INTO parkdesk.fine_rule (violation_id, amount) VALUES (%s, %s)",
                (ids[code], fine),
            )
    # The stadium on game days costs more; repeat overstays within 90 days cost more too.
    conn.execute(
        "INSERT INTO parkdesk.fine_rule (violation_id, lot_id, amount) "
        "SELECT %s, id, 60 FROM parkdesk.lot WHERE code = 'C'",
        (ids["NP-01"],),
    )
    conn.execute("UPDATE parkdesk.violation SET repeat_window_days = 90 WHERE id = %s",
                 (ids["OT-04"],))  # fmt: skip
    conn.cursor().executemany(
        "INSERT INTO parkdesk.repeat_fine (violation_id, offence, amount) VALUES (%s, %s, %s)",
        [(ids["OT-04"], 1, "25.00"), (ids["OT-04"], 2, "40.00"), (ids["OT-04"], 3, "60.00")],
    )
    conn.cursor().executemany(
        "INSERT INTO parkdesk.escalation_stage (after_days, amount, sends_to_collections, "
        "description) VALUES (%s, %s, %s, %s)",
        STAGES,
    )
    return ids


@dataclass(frozen=True)
class _Device:
    id: int
    code: str
    range_id: int | None
    prefix: str
    first: int
    width: int


def _devices(conn: psycopg.Connection[tuple[object, ...]]) -> list[_Device]:
    made = []
    for code, kind, description, numbers in DEVICES:
        row = conn.execute(
            "INSERT INTO parkdesk.device (code, kind, description) VALUES (%s, %s, %s) "
            "RETURNING id",
            (code, kind, description),
        ).fetchone()
        device_id = int(_first(row))
        range_id, prefix, first, width = None, "", 0, 0
        if numbers is not None:
            prefix, first, last, width = numbers
            found = conn.execute(
                "INSERT INTO parkdesk.citation_range (device_id, prefix, first_seq, last_seq, "
                "width) VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (device_id, prefix, first, last, width),
            ).fetchone()
            range_id = int(_first(found))
        made.append(_Device(device_id, code, range_id, prefix, first, width))
    # A book of numbers lost to the rain: accounted for, never issued.
    hh2 = made[1]
    conn.execute(
        "SELECT parkdesk.spoil_numbers(%s, %s, %s, 'Ticket book soaked in the rain')",
        (hh2.range_id, hh2.first, hh2.first + 9),
    )
    return made


def _read_plan(
    conn: psycopg.Connection[tuple[object, ...]],
    rng: random.Random,
    *,
    devices: list[_Device],
    now: datetime,
    days: int,
    per_day: int,
) -> list[tuple[Any, ...]]:
    """(device, jurisdiction, plate, lot, zone, read at) in time order: mostly cars with
    permits in the lot, some in the wrong lot, some strangers, and visitors who overstay
    a time-limited zone (read again an hour or two later)."""
    parked = conn.execute(
        """
        SELECT DISTINCT ON (v.id) v.jurisdiction, v.plate_raw, pv.lot_id
        FROM parkdesk.permit_vehicle pv JOIN parkdesk.vehicle v ON v.id = pv.vehicle_id
        WHERE v.plate_status = 'readable' AND upper(pv.validity) > now() - interval '60 days'
        ORDER BY v.id LIMIT 3000
        """
    ).fetchall()
    lots = conn.execute("SELECT id FROM parkdesk.lot ORDER BY id").fetchall()
    zones = conn.execute(
        "SELECT z.id, z.lot_id FROM parkdesk.zone z WHERE z.time_limit_minutes IS NOT NULL"
    ).fetchall()
    readers = [d for d in devices if d.code in ("LPR-1", "HH-01", "HH-02", "CAM-C")]
    strangers = [("ON", _plate(rng)) for _ in range(400)] + [("QC", _plate(rng)) for _ in range(80)]
    plan: list[tuple[Any, ...]] = []
    for day in range(days, -1, -1):
        start = (now - timedelta(days=day)).replace(hour=7, minute=30, second=0, microsecond=0)
        for _ in range(per_day):
            at = start + timedelta(seconds=rng.randint(0, 10 * 3600))
            if at > now - timedelta(minutes=1):
                continue
            device = rng.choice(readers)
            roll = rng.random()
            if roll < 0.62 and parked:
                jurisdiction, plate, lot = rng.choice(parked)
                if rng.random() < 0.08:
                    lot = rng.choice(lots)[0]  # in the wrong lot
                plan.append((device.id, jurisdiction, plate, lot, None, at))
            elif roll < 0.8 and zones:
                zone, lot = rng.choice(zones)
                jurisdiction, plate = rng.choice(strangers)
                plan.append((device.id, jurisdiction, plate, lot, zone, at))
                later = at
                for _ in range(rng.choice((0, 1, 2, 3))):  # read again on later rounds
                    later += timedelta(minutes=rng.randint(50, 100))
                    if later < now - timedelta(minutes=1):
                        plan.append((device.id, jurisdiction, plate, lot, zone, later))
            else:
                jurisdiction, plate = rng.choice(strangers)
                plan.append((device.id, jurisdiction, plate, rng.choice(lots)[0], None, at))
    plan.sort(key=lambda p: p[5])
    return plan


def _plate(rng: random.Random) -> str:
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(4))
    return f"{letters} {rng.randint(100, 999)}"


def _record_reads(conn: psycopg.Connection[tuple[object, ...]], plan: list[tuple[Any, ...]]) -> int:
    """Each read with the verdict the plate check gave at its time, chained per device as
    record_plate_read chains it (verified by ``parkdesk audit verify``)."""
    conn.execute(
        "CREATE TEMP TABLE seed_read (n serial, device_id bigint, jurisdiction text, "
        "plate text, lot_id bigint, zone_id bigint, read_at timestamptz) ON COMMIT DROP"
    )
    with conn.cursor().copy(
        "COPY seed_read (device_id, jurisdiction, plate, lot_id, zone_id, read_at) FROM STDIN"
    ) as copy:
        for row in plan:
            copy.write_row(row)
    conn.execute(
        """
        DO $$
        DECLARE
            s record;
            r parkdesk.plate_read;
            v record;
            v_seq bigint := 0;
        BEGIN
            FOR s IN SELECT sr.*, l.code AS lot_code, z.code AS zone_code
                     FROM seed_read sr JOIN parkdesk.lot l ON l.id = sr.lot_id
                     LEFT JOIN parkdesk.zone z ON z.id = sr.zone_id
                     ORDER BY sr.read_at, sr.n LOOP
                v_seq := v_seq + 1;
                SELECT * INTO v FROM parkdesk.check_plate(s.jurisdiction, s.plate,
                    s.lot_code || coalesce('/' || s.zone_code, ''), s.read_at);
                r := NULL;
                r.id := nextval(pg_get_serial_sequence('parkdesk.plate_read', 'id'));
                r.device_id := s.device_id;
                r.device_seq := 1000000 + v_seq;
                r.officer := 'demo_officer';
                r.jurisdiction := s.jurisdiction;
                r.plate_raw := s.plate;
                SELECT ve.id INTO r.vehicle_id FROM parkdesk.vehicle ve
                WHERE ve.jurisdiction = s.jurisdiction
                  AND ve.plate_normalized
                      = upper(regexp_replace(s.plate, '[[:space:].-]', '', 'g'));
                r.lot_id := s.lot_id;
                r.zone_id := s.zone_id;
                r.read_at := s.read_at;
                r.recorded_at := s.read_at + interval '2 seconds';
                r.confidence := 0.9 + (v_seq % 10) / 100.0;
                r.verdict := v.verdict;
                r.reason := v.reason;
                r.permit_number := v.permit_number;
                r.valid_until := v.valid_until;
                r.over_limit_since := v.over_limit_since;
                r.exemption := v.exemption;
                SELECT c.last_hash INTO r.prev_hash FROM parkdesk.plate_read_chain c
                WHERE c.device_id = r.device_id;
                r.row_hash := parkdesk.read_digest(r);
                INSERT INTO parkdesk.plate_read (id, device_id, device_seq, officer,
                    jurisdiction, plate_raw, vehicle_id, lot_id, zone_id, read_at,
                    recorded_at, confidence, verdict, reason, permit_number, valid_until,
                    over_limit_since, exemption, prev_hash, row_hash)
                VALUES (r.id, r.device_id, r.device_seq, r.officer, r.jurisdiction,
                    r.plate_raw, r.vehicle_id, r.lot_id, r.zone_id, r.read_at, r.recorded_at,
                    r.confidence, r.verdict, r.reason, r.permit_number, r.valid_until,
                    r.over_limit_since, r.exemption, r.prev_hash, r.row_hash);
                INSERT INTO parkdesk.plate_read_chain AS c (device_id, last_read_id, last_hash)
                VALUES (r.device_id, r.id, r.row_hash)
                ON CONFLICT (device_id) DO UPDATE SET last_read_id = excluded.last_read_id,
                                                      last_hash = excluded.last_hash;
            END LOOP;
        END
        $$
        """
    )
    return len(plan)


def _check_digit(conn: psycopg.Connection[tuple[object, ...]], digits: str) -> int:
    return int(
        _first(conn.execute("SELECT parkdesk.check_digit(%s, 'luhn')", (digits,)).fetchone())
    )


def _citations(
    conn: psycopg.Connection[tuple[object, ...]],
    rng: random.Random,
    *,
    devices: list[_Device],
    violations: dict[str, int],
    now: datetime,
    days: int,
    count: int,
) -> int:
    """Citations of cars the reads said may not park (a third of them), topped up with
    handheld citations over four months; then their fines, payments and voids."""
    issuers = [d for d in devices if d.range_id is not None]
    cited = conn.execute(
        "SELECT pr.device_id, pr.jurisdiction, pr.plate_raw, pr.lot_id, pr.zone_id, "
        "pr.read_at, pr.verdict FROM parkdesk.plate_read pr "
        "WHERE pr.verdict = ANY(%s) ORDER BY pr.read_at",
        (list(CITED_FOR),),
    ).fetchall()
    plan: list[tuple[Any, ...]] = []
    for device_id, jurisdiction, plate, lot, zone, read_at, verdict in cited:
        if rng.random() < 0.33 and len(plan) < count * 0.6:
            device = next((d for d in issuers if d.id == device_id), rng.choice(issuers))
            when = cast(datetime, read_at) + timedelta(minutes=rng.randint(1, 6))
            plan.append((device, jurisdiction, plate, lot, zone, when, CITED_FOR[str(verdict)]))
    lots = [r[0] for r in conn.execute("SELECT id FROM parkdesk.lot ORDER BY id").fetchall()]
    scofflaws = [("ON", _plate(rng)) for _ in range(5)]
    for jurisdiction, plate in scofflaws:  # three to five unpaid, long past due
        for _ in range(rng.randint(3, 5)):
            at = now - timedelta(days=rng.randint(40, 120), hours=rng.randint(0, 8))
            plan.append((rng.choice(issuers), jurisdiction, plate, rng.choice(lots), None, at,
                         "NP-01"))  # fmt: skip
    while len(plan) < count:
        at = now - timedelta(days=rng.randint(days + 1, 125), hours=rng.randint(0, 9))
        code = rng.choices(["NP-01", "WL-02", "EXP-03", "FL-05", "WRN-06"], [50, 15, 15, 5, 15])[0]
        plan.append((rng.choice(issuers), "ON", _plate(rng), rng.choice(lots), None, at, code))
    plan.sort(key=lambda p: p[5])
    seqs = {d.id: d.first + (10 if d.code == "HH-02" else 0) for d in issuers}
    unpaid = {plate for _, plate in scofflaws}
    for call, (device, jurisdiction, plate, lot, zone, at, code) in enumerate(plan, start=1):
        seq = seqs[device.id]
        seqs[device.id] += 1
        digits = f"{seq:0{device.width}d}"
        number = f"{device.prefix}{digits}{_check_digit(conn, digits)}"
        row = conn.execute(
            """
            INSERT INTO parkdesk.citation (number, range_id, seq, device_id, officer,
                device_seq, jurisdiction, plate_raw, vehicle_id, violation_id, lot_id, zone_id,
                issued_at, recorded_at, fine, due_on, note, make, colour)
            SELECT %(number)s, %(range)s, %(seq)s, %(device)s, 'demo_officer', %(call)s,
                   %(j)s, %(plate)s,
                   (SELECT v.id FROM parkdesk.vehicle v WHERE v.jurisdiction = %(j)s
                      AND v.plate_normalized = upper(regexp_replace(%(plate)s, '[[:space:].-]',
                                                                    '', 'g'))),
                   vi.id, %(lot)s, %(zone)s, %(at)s, %(at)s + interval '3 minutes',
                   parkdesk.citation_fine(vi, %(lot)s, %(zone)s, %(j)s,
                       upper(regexp_replace(%(plate)s, '[[:space:].-]', '', 'g')), %(at)s),
                   parkdesk.local_day(%(at)s) + 30, %(note)s, %(make)s, %(colour)s
            FROM parkdesk.violation vi WHERE vi.code = %(code)s
            RETURNING id, fine
            """,
            {"number": number, "range": device.range_id, "seq": seq, "device": device.id,
             "call": 2000000 + call, "j": jurisdiction, "plate": plate, "lot": lot,
             "zone": zone, "at": at, "code": code,
             "note": rng.choice([None, None, "Windshield permit face down", "Engine running"]),
             "make": rng.choice(["Honda", "Toyota", "Ford", "Kia", "Subaru", "Tesla"]),
             "colour": rng.choice(["blue", "white", "black", "silver", "red"])},
        ).fetchone()  # fmt: skip
        if row is None:  # pragma: no cover - the violation codes were just made
            continue
        citation_id, fine = int(str(row[0])), Decimal(str(row[1]))
        if fine > 0:
            _post(
                conn,
                at,
                kind="fine",
                amount=fine,
                citation_id=citation_id,
                memo=f"Fine, citation {number} ({code})",
            )
            if plate not in unpaid:
                _settle(conn, rng, citation_id=citation_id, number=number, fine=fine, at=at,
                        now=now)  # fmt: skip
    return len(plan)


def _post(
    conn: psycopg.Connection[tuple[object, ...]],
    at: datetime,
    *,
    kind: str,
    amount: Decimal,
    citation_id: int,
    memo: str,
    payment_id: int | None = None,
) -> None:
    conn.execute(
        "INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, citation_id, "
        "payment_id, memo) VALUES (%s, 'demo_clerk', %s, %s, %s, %s, %s)",
        (at, kind, amount, citation_id, payment_id, memo),
    )


def _settle(
    conn: psycopg.Connection[tuple[object, ...]],
    rng: random.Random,
    *,
    citation_id: int,
    number: str,
    fine: Decimal,
    at: datetime,
    now: datetime,
) -> None:
    """Most fines are paid (a quarter within the discount week), a few voided, the rest
    left for the clock job to escalate."""
    roll = rng.random()
    if roll < 0.03:
        voided = at + timedelta(days=rng.randint(1, 5))
        if voided < now:
            _post(
                conn,
                voided,
                kind="void",
                amount=-fine,
                citation_id=citation_id,
                memo=f"Void, citation {number}",
            )
            conn.execute(
                "UPDATE parkdesk.citation SET voided_at = %s, voided_by = 'demo_adjudicator', "
                "void_reason = %s WHERE id = %s",
                (voided, rng.choice(["Permit was displayed; photo unclear",
                                     "Officer entered the wrong plate",
                                     "Signage missing at the time"]), citation_id),
            )  # fmt: skip
        return
    if roll > 0.6:
        return
    early = rng.random() < 0.45
    paid_at = at + timedelta(days=rng.randint(0, 6) if early else rng.randint(8, 30),
                             hours=rng.randint(1, 6))  # fmt: skip
    if paid_at >= now:
        return
    due = fine
    if early:
        discount = (fine * Decimal("0.25")).quantize(Decimal("0.01"))
        _post(conn, paid_at, kind="discount", amount=-discount, citation_id=citation_id,
              memo=f"Early-payment discount, citation {number}")  # fmt: skip
        due = fine - discount
    tender = rng.choice(["card", "card", "card", "cheque"])
    row = conn.execute(
        """
        INSERT INTO parkdesk.payment (idempotency_key, received_at, received_by, direction,
            description, tender, amount, card_brand, card_last4, processor_ref, cheque_number)
        VALUES (gen_random_uuid(), %s, 'demo_clerk', 'in', %s, %s, %s, %s, %s, %s, %s)
        RETURNING id, receipt_number
        """,
        (paid_at, f"Citation {number}", tender, due,
         "Visa" if tender == "card" else None,
         f"{rng.randint(0, 9999):04d}" if tender == "card" else None,
         f"AUTH-{rng.randint(100000, 999999)}" if tender == "card" else None,
         str(rng.randint(100, 9999)) if tender == "cheque" else None),
    ).fetchone()  # fmt: skip
    if row is None:  # pragma: no cover - INSERT … RETURNING returns its row
        return
    _post(conn, paid_at, kind="payment", amount=-due, citation_id=citation_id,
          memo=f"Payment {row[1]}, citation {number}", payment_id=int(str(row[0])))  # fmt: skip


def _photos(conn: psycopg.Connection[tuple[object, ...]], rng: random.Random, count: int) -> int:
    """A patrol camera's photo for the most recent citations, as the device attached it."""
    from desktop.services.photos import plate_photo

    rows = conn.execute(
        "SELECT c.id, c.jurisdiction, c.plate_raw, c.issued_at, c.device_id, c.device_seq, "
        "l.name, s.time_zone FROM parkdesk.citation c JOIN parkdesk.lot l ON l.id = c.lot_id "
        "CROSS JOIN parkdesk.office_setting s ORDER BY c.issued_at DESC LIMIT %s",
        (count,),
    ).fetchall()
    from zoneinfo import ZoneInfo

    for citation_id, jurisdiction, plate, issued, device_id, seq, lot, zone in rows:
        at = issued if isinstance(issued, datetime) else datetime.fromisoformat(str(issued))
        local = at.astimezone(ZoneInfo(str(zone)))
        data = plate_photo(str(jurisdiction), str(plate), local, str(lot))
        conn.execute(
            "INSERT INTO parkdesk.evidence (citation_id, content, sha256, media_type, "
            "captured_at, recorded_by, device_id, device_seq, recorded_at) "
            "VALUES (%s, %s, %s, 'image/jpeg', %s, 'demo_officer', %s, %s, %s)",
            (citation_id, data, hashlib.sha256(data).hexdigest(), at - timedelta(seconds=20),
             device_id, 3000000 + int(str(seq)), at + timedelta(minutes=3)),
        )  # fmt: skip
    return len(rows)


#: What parkers wrote when they appealed, for the demo's appeals.
STATEMENTS = (
    "My permit was on the dashboard the whole time; the officer must have missed it.",
    "I bought a permit at the counter that morning. It covered the time of this ticket.",
    "The sign for this zone was covered by a tree branch.",
    "I was loading a delivery and back within five minutes.",
    "This is not my car: the plate on the ticket is one letter off mine.",
    "The pay station was broken and I could not buy a day pass.",
)
APPELLANTS = ("Maya Singh", "Liam O'Connor", "Chloé Tremblay", "Ahmed Hassan", "Grace Liu",
              "Noah Martin", "Olivia Brown", "Lucas Roy")  # fmt: skip


def _appeals(
    conn: psycopg.Connection[tuple[object, ...]], rng: random.Random, now: datetime
) -> None:
    """A dozen appeals of unpaid citations of the last three weeks, filed at the counter by
    the demo clerk: most wait in the queue, a few are decided (a dismissal cancels the
    fine in the ledger), one goes to a hearing."""
    rows = conn.execute(
        "SELECT c.id, c.number, c.issued_at, c.balance FROM parkdesk.citation c "
        "WHERE c.voided_at IS NULL AND c.fine > 0 AND c.balance > 0 "
        "AND c.issued_at > %s ORDER BY c.issued_at",
        (now - timedelta(days=21),),
    ).fetchall()
    if not rows:
        return
    chosen = rng.sample(rows, min(12, len(rows)))
    reasons = {
        str(decision): int(str(reason))
        for decision, reason in conn.execute(
            "SELECT DISTINCT ON (decision) decision, id FROM parkdesk.appeal_reason "
            "ORDER BY decision, id"
        ).fetchall()
    }
    for n, (cited, number, issued_at, balance) in enumerate(chosen):
        citation_id = int(str(cited))
        name = APPELLANTS[n % len(APPELLANTS)]
        filed = min(cast(datetime, issued_at) + timedelta(days=rng.randint(1, 6)), now)
        decided = n < 3
        appeal = conn.execute(
            "INSERT INTO parkdesk.appeal (number, citation_id, filed_at, filed_by, channel, "
            "appellant, contact, statement, level, hearing_at, hearing_place) "
            "VALUES ('A0000-00000', %s, %s, 'demo_clerk', %s, %s, %s, %s, %s, %s, %s) "
            "RETURNING id",
            (citation_id, filed, rng.choice(["in_person", "phone", "mail", "online"]),
             name, f"{name.split()[0].lower()}@example.org", STATEMENTS[n % len(STATEMENTS)],
             "hearing" if n == 3 else "review",
             now + timedelta(days=5, hours=2) if n == 3 else None,
             "Room 12, Parking Office" if n == 3 else None),
        ).fetchone()  # fmt: skip
        appeal_id = int(str(_first(appeal)))
        conn.execute(
            "UPDATE parkdesk.appeal SET number = 'A' || to_char(filed_at, 'YYYY') || '-' "
            "|| lpad(id::text, 5, '0') WHERE id = %s",
            (appeal_id,),
        )
        conn.execute(
            "INSERT INTO parkdesk.appeal_step (appeal_id, at, by, step, note) "
            "VALUES (%s, %s, 'demo_clerk', 'filed', 'At the counter')",
            (appeal_id, filed),
        )
        if not decided:
            continue
        at = min(filed + timedelta(days=rng.randint(1, 4)), now)
        decision = "dismiss" if n < 2 else "uphold"
        off = Decimal(str(balance)) if decision == "dismiss" else Decimal(0)
        if off > 0:
            _post(conn, at, kind="adjustment", amount=-off, citation_id=citation_id,
                  memo=f"Appeal dismissed, citation {number}")  # fmt: skip
        conn.execute(
            "UPDATE parkdesk.appeal SET status = 'decided', decision = %s, reason_id = %s, "
            "decision_note = '', taken_off = %s, decided_at = %s, "
            "decided_by = 'demo_adjudicator', paused_days = %s WHERE id = %s",
            (decision, reasons[decision], off, at, (at - filed).days, appeal_id),
        )
        conn.execute(
            "INSERT INTO parkdesk.appeal_step (appeal_id, at, by, step, note) "
            "VALUES (%s, %s, 'demo_adjudicator', 'decided', %s)",
            (appeal_id, at, "Dismissed" if decision == "dismiss" else "Upheld"),
        )


def _exemptions(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    conn.execute(
        """
        INSERT INTO parkdesk.exemption (jurisdiction, plate_normalized, lot_id, reason,
                                        starts_at, ends_at)
        VALUES ('ON', 'CTWK204', NULL, 'City works crew: water main repairs', now() - interval '20 days', NULL),
               ('ON', 'HSPT118', (SELECT id FROM parkdesk.lot WHERE code = 'H'),
                'Hospital shuttle loading bay', now() - interval '90 days', now() + interval '200 days'),
               ('QC', 'CNTR55', (SELECT id FROM parkdesk.lot WHERE code = 'B'),
                'Contractor: science building roof', now() - interval '5 days', now() + interval '25 days')
        """  # noqa: E501
    )


def _shared_permit(
    conn: psycopg.Connection[tuple[object, ...]],
    rng: random.Random,
    devices: list[_Device],
    now: datetime,
) -> None:
    """A household's two cars on one permit, both read in its lot within the hour: the
    office is told (one vehicle on site at a time, SPEC rule 5)."""
    pair = conn.execute(
        """
        SELECT pv.permit_id, pv.lot_id, v2.id
        FROM parkdesk.permit_vehicle pv
        JOIN parkdesk.permit p ON p.id = pv.permit_id AND p.kind = 'term'
        JOIN parkdesk.vehicle v1 ON v1.id = pv.vehicle_id
        JOIN parkdesk.vehicle v2 ON v2.parker_id = v1.parker_id AND v2.id <> v1.id
             AND v2.plate_status = 'readable'
        WHERE pv.validity @> now()
          AND NOT EXISTS (SELECT 1 FROM parkdesk.permit_vehicle x
                          WHERE x.vehicle_id = v2.id AND x.validity && pv.validity)
        ORDER BY pv.permit_id LIMIT 1
        """
    ).fetchone()
    if pair is None:
        return
    permit_id, lot_id, second = pair
    conn.execute(
        "UPDATE parkdesk.permit_type SET max_vehicles = 2 WHERE id = "
        "(SELECT permit_type_id FROM parkdesk.permit WHERE id = %s)",
        (permit_id,),
    )
    conn.execute(
        "INSERT INTO parkdesk.permit_vehicle (permit_id, vehicle_id, lot_id, validity) "
        "SELECT permit_id, %s, lot_id, tstzrange(now() - interval '1 day', upper(validity)) "
        "FROM parkdesk.permit_vehicle WHERE permit_id = %s LIMIT 1",
        (second, permit_id),
    )
    vehicles = conn.execute(
        "SELECT v.jurisdiction, v.plate_raw FROM parkdesk.permit_vehicle pv "
        "JOIN parkdesk.vehicle v ON v.id = pv.vehicle_id WHERE pv.permit_id = %s "
        "ORDER BY pv.vehicle_id",
        (permit_id,),
    ).fetchall()
    lpr = next(d for d in devices if d.code == "LPR-1")
    first_at = now - timedelta(hours=2)
    plan = [(lpr.id, j, p, lot_id, None, first_at + timedelta(minutes=25 * i))
            for i, (j, p) in enumerate(vehicles[:2])]  # fmt: skip
    conn.execute("DROP TABLE IF EXISTS seed_read")
    _record_reads(conn, plan)
    reads = conn.execute(
        "SELECT pr.id, pr.read_at, pr.vehicle_id FROM parkdesk.plate_read pr "
        "WHERE pr.device_id = %s AND pr.read_at >= %s AND pr.lot_id = %s "
        "AND pr.vehicle_id IN (SELECT vehicle_id FROM parkdesk.permit_vehicle "
        "WHERE permit_id = %s) "
        "ORDER BY pr.read_at LIMIT 2",
        (lpr.id, first_at, lot_id, permit_id),
    ).fetchall()
    if len(reads) == 2:
        (r1, t1, v1), (r2, t2, v2) = reads
        conn.execute(
            "INSERT INTO parkdesk.permit_flag (permit_id, lot_id, first_read_id, first_read_at, "
            "first_vehicle_id, second_read_id, second_read_at, second_vehicle_id, flagged_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (permit_id, lot_id, r1, t1, v1, r2, t2, v2, t2),
        )
    del rng
