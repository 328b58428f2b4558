"""Enforcement at city scale: plate reads, the plate check, the citations list, a batch.

Set-up brings the bench database to a city's size: 5,000,000 plate reads over the last
year from 20 LPR devices, 1,000,000 citations (a third unpaid, some voided) and one photo
row for each. This history is bulk-loaded by the superuser with triggers off, as a
restore would load it: the reads carry placeholder hashes (their chains are not
verified here) and the citations their balance without ledger rows. Everything timed
below runs as the staff logins, with every rule and trigger on.

(a) ``record_plate_read`` from one officer connection, p50/p95, next to the floor: a
    bare single-row INSERT and COMMIT into an unaudited table on the same connection.
    Goal: p95 within 2x the floor.
(b) Reads a second from 20 device connections at once (each its own device, so its own
    chain), next to the bare INSERT rate from the same 20 connections. Goal: >= 0.5x.
(c) ``check_plate`` p95 on the officer's connection, next to ``SELECT 1`` there, now that
    the check also counts a plate's unpaid citations. Goal: within 3x.
(d) The citations desk's list: its first page (newest first, no filter) and plate
    searches with look-alikes, through ``CitationService.search``. Goals: first page
    under 250 ms, searches p95 under 20 ms.
(e) ``parkdesk device replay`` of a 100,000-record batch (reads, and a citation every
    fiftieth record), in records a second.
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench._setup import (
    CLERK,
    OFFICER,
    PASSWORD,
    BenchDatabase,
    say,
    summary_ms,
    table,
    timed,
)
from desktop.services.citations import CitationQuery, CitationService
from desktop.services.devices import DeviceLink, fresh_call_number, read_batch, replay
from desktop.services.workspace import Workspace

READS = 5_000_000
CITATIONS = 1_000_000
DEVICES = 20
GOAL_READ_RATIO = 2.0
GOAL_THROUGHPUT_RATIO = 0.5
GOAL_CHECK_RATIO = 3.0
GOAL_FIRST_PAGE_MS = 250.0
GOAL_SEARCH_P95_MS = 20.0
BATCH = 100_000
#: The smallest JPEG a camera could send: what every bulk-loaded photo row holds.
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b"
    "0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432"
    "ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0b"
    "ffda0008010100003f00d2cf20ffd9"
)


def _device_code(n: int) -> str:
    return f"BLPR-{n:02d}"


# -- set-up -------------------------------------------------------------------------------


def prepare(db: BenchDatabase, reads: int = READS, citations: int = CITATIONS) -> dict[str, Any]:
    """Devices, a violation code, the bulk history (unless the kept data has it), ANALYZE."""
    times: dict[str, float] = {}
    with db.admin() as su:
        su.execute(
            "INSERT INTO violation (code, description) VALUES ('BX-NP', 'No permit (bench)') "
            "ON CONFLICT (code) DO NOTHING"
        )
        su.execute(
            "INSERT INTO fine_rule (violation_id, amount) SELECT id, 40 FROM violation "
            "WHERE code = 'BX-NP' AND NOT EXISTS (SELECT 1 FROM fine_rule f "
            "WHERE f.violation_id = violation.id)"
        )
        for n in range(1, DEVICES + 3):
            su.execute(
                "INSERT INTO device (code, kind, description) VALUES (%s, 'lpr_vehicle', "
                "'Bench LPR car') ON CONFLICT (code) DO NOTHING",
                (_device_code(n),),
            )
        # The handheld the bulk citations came from, and the replayed batch's device.
        for code, prefix in (("BHH-01", "BX"), ("BHH-02", "BY")):
            su.execute(
                "INSERT INTO device (code, kind, description) VALUES (%s, 'handheld', "
                "'Bench handheld') ON CONFLICT (code) DO NOTHING",
                (code,),
            )
            su.execute(
                "INSERT INTO citation_range (device_id, prefix, first_seq, last_seq, width) "
                "SELECT id, %s, 1, 9999999, 7 FROM device WHERE code = %s AND NOT EXISTS "
                "(SELECT 1 FROM citation_range r WHERE r.prefix = %s)",
                (prefix, code, prefix),
            )
        su.execute(
            "CREATE TABLE IF NOT EXISTS public.bench_floor "
            "(id bigserial PRIMARY KEY, device text, plate text, read_at timestamptz)"
        )
        su.execute(f"GRANT INSERT ON public.bench_floor TO {OFFICER}")
        su.execute(f"GRANT USAGE ON SEQUENCE public.bench_floor_id_seq TO {OFFICER}")
        have_reads = _count(su, "plate_read")
        have_citations = _count(su, "citation")
        if have_reads < reads:
            with timed(f"bulk-loading {reads - have_reads:,} plate reads", times, key="reads"):
                _bulk_reads(su, reads - have_reads)
        if have_citations < citations:
            with timed(
                f"bulk-loading {citations - have_citations:,} citations and their photos",
                times,
                key="citations",
            ):
                _bulk_citations(su, citations - have_citations)
        with timed("VACUUM (ANALYZE) plate_read, citation, evidence", times, key="analyze"):
            su.execute("VACUUM (ANALYZE) parkdesk.plate_read, parkdesk.citation, parkdesk.evidence")
        counts = {t: _count(su, t) for t in ("plate_read", "citation", "evidence")}
    say(
        f"  enforcement data: {counts['plate_read']:,} reads, {counts['citation']:,} "
        f"citations, {counts['evidence']:,} photos"
    )
    return {"counts": counts, "seconds": times}


def _count(conn: psycopg.Connection[tuple[Any, ...]], table_name: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM parkdesk.{table_name}").fetchone()
    return int(row[0]) if row else 0


def _bulk_reads(su: psycopg.Connection[tuple[Any, ...]], count: int) -> None:
    """Reads of registered plates (two thirds) and strangers over the last year, oldest
    first as devices send them (so each month's partition and its indexes are written
    while they are in memory), in chunks so progress shows."""
    # Small lookup tables joined by number: an array subscript would detoast a large
    # array once per row.
    su.execute(
        "CREATE TEMP TABLE bench_device AS SELECT (row_number() OVER (ORDER BY code) - 1)::int "
        "AS n, id FROM parkdesk.device WHERE code LIKE 'BLPR-%%' AND code <= %s",
        (_device_code(DEVICES),),
    )
    su.execute(
        "CREATE TEMP TABLE bench_vehicle AS SELECT (row_number() OVER (ORDER BY id) - 1)::int "
        "AS n, jurisdiction, plate_normalized AS plate FROM parkdesk.vehicle "
        "WHERE plate_normalized IS NOT NULL LIMIT 100000"
    )
    su.execute(
        "CREATE TEMP TABLE bench_lot AS SELECT (row_number() OVER (ORDER BY id) - 1)::int "
        "AS n, id FROM parkdesk.lot"
    )
    for name in ("bench_device", "bench_vehicle", "bench_lot"):
        su.execute(f"CREATE UNIQUE INDEX ON {name} (n)")
        su.execute(f"ANALYZE {name}")
    vehicles = _count_temp(su, "bench_vehicle")
    lots = _count_temp(su, "bench_lot")
    su.execute("SET session_replication_role = replica")
    try:
        chunk = 500_000
        for start in range(0, count, chunk):
            size = min(chunk, count - start)
            su.execute(
                """
                INSERT INTO parkdesk.plate_read (device_id, device_seq, officer, jurisdiction,
                    plate_raw, lot_id, read_at, recorded_at, confidence, verdict, reason,
                    row_hash)
                SELECT d.id, 10000000 + g, %(officer)s,
                       CASE WHEN g %% 3 = 0 THEN 'ON' ELSE v.jurisdiction END,
                       CASE WHEN g %% 3 = 0 THEN 'BX' || lpad((g %% 99991)::text, 5, '0')
                            ELSE v.plate END,
                       l.id,
                       now() - make_interval(secs => 31536000.0 * (%(count)s - g) / %(count)s),
                       now() - make_interval(secs => 31536000.0 * (%(count)s - g) / %(count)s),
                       0.95, CASE WHEN g %% 3 = 0 THEN 'no_permit' ELSE 'valid' END,
                       'Bulk-loaded read', sha256(g::text::bytea)
                FROM generate_series(%(first)s, %(last)s) g
                JOIN bench_device d ON d.n = g %% %(devices)s
                JOIN bench_vehicle v ON v.n = g %% %(vehicles)s
                JOIN bench_lot l ON l.n = g %% %(lots)s
                ORDER BY g
                """,
                {"devices": DEVICES, "officer": OFFICER, "first": start + 1, "count": count,
                 "last": start + size, "vehicles": vehicles, "lots": lots},
            )  # fmt: skip
            say(f"    {start + size:,} reads")
    finally:
        su.execute("SET session_replication_role = origin")


def _count_temp(su: psycopg.Connection[tuple[Any, ...]], name: str) -> int:
    row = su.execute(f"SELECT count(*) FROM {name}").fetchone()
    return int(row[0]) if row else 0


def _bulk_citations(su: psycopg.Connection[tuple[Any, ...]], count: int) -> None:
    su.execute("SET session_replication_role = replica")
    try:
        chunk = 250_000
        first = _count(su, "citation")
        for start in range(first, first + count, chunk):
            size = min(chunk, first + count - start)
            su.execute(
                """
                WITH d AS (SELECT r.id AS range_id, r.device_id FROM parkdesk.citation_range r
                           WHERE r.prefix = 'BX'),
                     v AS (SELECT id FROM parkdesk.violation WHERE code = 'BX-NP'),
                     lots AS (SELECT array_agg(id ORDER BY id) AS ids FROM parkdesk.lot),
                     c AS (
                         INSERT INTO parkdesk.citation (number, range_id, seq, device_id,
                             officer, device_seq, jurisdiction, plate_raw, violation_id,
                             lot_id, issued_at, recorded_at, fine, due_on, balance,
                             voided_at, voided_by, void_reason)
                         SELECT 'BX' || lpad(g::text, 7, '0')
                                    || parkdesk.check_digit(lpad(g::text, 7, '0'), 'luhn'),
                                d.range_id, g, d.device_id, %(officer)s, g, 'ON',
                                'BX' || lpad((g %% 99991)::text, 5, '0'), v.id,
                                lots.ids[1 + g %% array_length(lots.ids, 1)],
                                now() - make_interval(secs => (g * 31.5) %% 31536000),
                                now() - make_interval(secs => (g * 31.5) %% 31536000),
                                40, (now() - make_interval(secs => (g * 31.5) %% 31536000))::date
                                    + 30,
                                CASE WHEN g %% 3 = 0 AND g %% 50 <> 0 THEN 40 ELSE 0 END,
                                CASE WHEN g %% 50 = 0 THEN now() END,
                                CASE WHEN g %% 50 = 0 THEN 'bench' END,
                                CASE WHEN g %% 50 = 0 THEN 'Bulk-loaded void' END
                         FROM generate_series(%(first)s, %(last)s) g, d, v, lots
                         RETURNING id, device_id, issued_at, device_seq)
                INSERT INTO parkdesk.evidence (citation_id, content, sha256, media_type,
                    captured_at, recorded_by, device_id, device_seq, recorded_at)
                SELECT c.id, %(jpeg)s, %(sha)s, 'image/jpeg', c.issued_at, %(officer)s,
                       c.device_id, 20000000 + c.device_seq, c.issued_at
                FROM c
                """,
                {
                    "officer": OFFICER,
                    "first": start + 1,
                    "last": start + size,
                    "jpeg": TINY_JPEG,
                    "sha": hashlib.sha256(TINY_JPEG).hexdigest(),
                },
            )
            say(f"    {start + size:,} citations")
    finally:
        su.execute("SET session_replication_role = origin")


# -- measuring ----------------------------------------------------------------------------


def _officer(db: BenchDatabase) -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(
        host=db.host, port=db.port, dbname="parkdesk", user=OFFICER, password=PASSWORD,
        autocommit=True,
    )  # fmt: skip


def _time(fn: Any, n: int) -> list[float]:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return samples


_READ = "SELECT * FROM parkdesk.record_plate_read(%s, %s, %s, %s, %s, %s)"
_FLOOR = "INSERT INTO public.bench_floor (device, plate, read_at) VALUES (%s, %s, %s)"


def _plates(db: BenchDatabase, n: int, rng: random.Random) -> list[tuple[str, str]]:
    with db.admin() as su:
        rows = su.execute(
            "SELECT jurisdiction, plate_normalized FROM parkdesk.vehicle "
            "WHERE plate_normalized IS NOT NULL ORDER BY random() LIMIT %s",
            (n,),
        ).fetchall()
    plates = [(str(j), str(p)) for j, p in rows]
    plates += [("ON", f"BX{rng.randint(0, 99990):05d}") for _ in range(n // 2)]
    rng.shuffle(plates)
    return plates


def _warm(db: BenchDatabase, plates: list[tuple[str, str]]) -> None:
    """Check every plate once, untimed, on a connection of its own.

    A part starts right after the server did (or after another part read other plates):
    the plates' vehicle, permit, citation and read pages are on disk, not in memory. A
    server that has been up since the morning has them in memory; the figures are taken
    there. Plans are cached per connection, so each timed connection warms its own too.
    """
    with _officer(db) as conn:
        for j, p in plates:
            conn.execute("SELECT * FROM parkdesk.check_plate(%s, %s, 'B')", (j, p)).fetchone()


def single_reads(db: BenchDatabase, n: int, rng: random.Random) -> dict[str, Any]:
    """(a) One connection: record_plate_read next to a bare INSERT + COMMIT."""
    plates = _plates(db, n, rng)
    base = fresh_call_number()
    with _officer(db) as conn:
        now = datetime.now(UTC)
        device = _device_code(DEVICES + 1)

        # One untimed pass of each first: the plan cache filled and the plates' pages in
        # memory, as on a server that has been up since the morning (_warm).
        def reads(seq: int) -> list[float]:
            return _time(
                lambda i: conn.execute(
                    _READ, (device, seq + i, *plates[i % len(plates)], "B", now)
                ).fetchone(),
                n,
            )

        def floors() -> list[float]:
            return _time(
                lambda i: conn.execute(_FLOOR, (device, plates[i % len(plates)][1], now)), n
            )

        reads(base)
        floors()
        read = reads(base + n)
        floor = floors()
    r, f = summary_ms(read), summary_ms(floor)
    ratio = round(r["p95_ms"] / f["p95_ms"], 2)
    return {"record_plate_read": r, "floor_insert": f, "p95_ratio": ratio,
            "verdict": "MET" if ratio <= GOAL_READ_RATIO else "MISSED"}  # fmt: skip


def concurrent_reads(db: BenchDatabase, seconds: float, rng: random.Random) -> dict[str, Any]:
    """(b) 20 connections at once, each its own device: reads a second, and the floor."""
    plates = _plates(db, 2000, rng)

    def run(statement: str) -> float:
        counts = [0] * DEVICES
        stop = time.monotonic() + seconds
        base = fresh_call_number()

        def worker(k: int) -> None:
            with _officer(db) as conn:
                device = _device_code(k + 1)
                i = 0
                while time.monotonic() < stop:
                    j, p = plates[(k * 97 + i) % len(plates)]
                    at = datetime.now(UTC) - timedelta(seconds=1)
                    if statement == "read":
                        conn.execute(_READ, (device, base + i, j, p, "B", at))
                    else:
                        conn.execute(_FLOOR, (device, p, at))
                    i += 1
                counts[k] = i

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(DEVICES)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(counts) / (time.monotonic() - started)

    _warm(db, plates)
    run("floor")  # the floor's connections and table pages, as warm as the reads'
    reads = run("read")
    floor = run("floor")
    ratio = round(reads / floor, 2)
    met = ratio >= GOAL_THROUGHPUT_RATIO
    return {"reads_per_s": round(reads, 1), "floor_inserts_per_s": round(floor, 1),
            "ratio": ratio, "verdict": "MET" if met else "MISSED"}  # fmt: skip


def plate_checks(db: BenchDatabase, n: int, rng: random.Random) -> dict[str, Any]:
    """(c) check_plate next to SELECT 1 on the officer's connection."""
    plates = _plates(db, n, rng)
    with _officer(db) as conn:
        _warm(db, plates)
        check = _time(
            lambda i: conn.execute(
                "SELECT * FROM parkdesk.check_plate(%s, %s, %s)", (*plates[i % len(plates)], "B")
            ).fetchone(),
            n,
        )
        one = _time(lambda _i: conn.execute("SELECT 1").fetchone(), n)
    c, o = summary_ms(check), summary_ms(one)
    ratio = round(c["p95_ms"] / o["p95_ms"], 2)
    return {"check_plate": c, "select_1": o, "p95_ratio": ratio,
            "verdict": "MET" if ratio <= GOAL_CHECK_RATIO else "MISSED"}  # fmt: skip


def citation_list(db: BenchDatabase, n: int, rng: random.Random) -> dict[str, Any]:
    """(d) The citations desk's first page, and plate searches (with look-alikes)."""
    workspace = Workspace.open(db.settings(CLERK))
    try:
        service = CitationService(workspace)
        service.search(CitationQuery())  # a desk's first query warms the pool
        first = _time(lambda _i: service.search(CitationQuery()), 20)
        plates = [f"BX{rng.randint(0, 99990):05d}" for _ in range(n)]
        searches = _time(lambda i: service.search(CitationQuery(text=plates[i])), n)
        numbers = _time(lambda i: service.search(CitationQuery(text=f"BX{i + 10:07d}")), n)
        rows = len(service.search(CitationQuery(text=plates[0])).rows)
    finally:
        workspace.close()
    f, s, num = summary_ms(first), summary_ms(searches), summary_ms(numbers)
    met = f["max_ms"] < GOAL_FIRST_PAGE_MS and s["p95_ms"] < GOAL_SEARCH_P95_MS
    return {"first_page": f, "plate_search": s, "number_search": num,
            "rows_for_a_plate": rows, "verdict": "MET" if met else "MISSED"}  # fmt: skip


def batch_replay(db: BenchDatabase, records: int, rng: random.Random) -> dict[str, Any]:
    """(e) parkdesk device replay's path: a batch file through DeviceLink, one call each."""
    plates = _plates(db, 2000, rng)
    folder = Path(tempfile.mkdtemp(prefix="pdbatch-"))
    path = folder / "batch.jsonl"
    base = fresh_call_number()
    now = datetime.now(UTC) - timedelta(minutes=5)
    with db.admin() as su:
        row = su.execute(
            "SELECT coalesce(max(seq), 0) FROM parkdesk.citation c "
            "JOIN parkdesk.citation_range r ON r.id = c.range_id WHERE r.prefix = 'BY'"
        ).fetchone()
        next_seq = int(row[0]) + 1 if row else 1
    with path.open("w", encoding="utf-8") as out:
        for i in range(records):
            j, p = plates[i % len(plates)]
            if i % 50 == 49:
                digits = f"{next_seq:07d}"
                next_seq += 1
                record = {"type": "citation", "device": "BHH-02", "seq": base + i,
                          "number": f"BY{digits}{_luhn(digits)}", "jurisdiction": "ON",
                          "plate": f"BZ{i:06d}", "violation": "BX-NP", "lot": "B",
                          "issued_at": now.isoformat()}  # fmt: skip
            else:
                record = {"type": "read", "device": "BHH-02", "seq": base + i, "jurisdiction": j,
                          "plate": p, "lot": "B", "read_at": now.isoformat()}  # fmt: skip
            out.write(json.dumps(record) + "\n")
    url = f"postgresql://{OFFICER}:{PASSWORD}@{db.host}:{db.port}/parkdesk"
    link = DeviceLink(url)
    refused: list[str] = []
    try:
        start = time.perf_counter()
        tally = replay(link, read_batch(path), refused.append)
        elapsed = time.perf_counter() - start
    finally:
        link.close()
        path.unlink()
        folder.rmdir()
    return {"records": records, "seconds": round(elapsed, 1),
            "records_per_s": round(records / elapsed, 1), "refused": tally.refused,
            "first_refusal": refused[0] if refused else ""}  # fmt: skip


def _luhn(digits: str) -> int:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def run(db: BenchDatabase, *, reads: int = 2000, seconds: float = 10.0,
        batch: int = BATCH) -> dict[str, Any]:  # fmt: skip
    rng = random.Random(11)
    say("")
    say("6. ENFORCEMENT AT CITY SCALE")
    results: dict[str, Any] = {
        "a_single_reads": single_reads(db, reads, rng),
        "b_concurrent_reads": concurrent_reads(db, seconds, rng),
        "c_plate_check": plate_checks(db, reads, rng),
        "d_citation_list": citation_list(db, 200, rng),
        "e_batch_replay": batch_replay(db, batch, rng),
    }
    a, b, c = results["a_single_reads"], results["b_concurrent_reads"], results["c_plate_check"]
    d, e = results["d_citation_list"], results["e_batch_replay"]
    rows: list[list[object]] = [
        ["(a) record_plate_read, one connection", a["record_plate_read"]["p50_ms"],
         a["record_plate_read"]["p95_ms"], f"floor INSERT+COMMIT p95 {a['floor_insert']['p95_ms']}",
         f"x{a['p95_ratio']} (goal <= {GOAL_READ_RATIO}) {a['verdict']}"],
        ["(b) reads/s, 20 device connections", b["reads_per_s"], "",
         f"floor INSERTs/s {b['floor_inserts_per_s']}",
         f"x{b['ratio']} (goal >= {GOAL_THROUGHPUT_RATIO}) {b['verdict']}"],
        ["(c) check_plate", c["check_plate"]["p50_ms"], c["check_plate"]["p95_ms"],
         f"SELECT 1 p95 {c['select_1']['p95_ms']}",
         f"x{c['p95_ratio']} (goal <= {GOAL_CHECK_RATIO}) {c['verdict']}"],
        ["(d) citations list, first page", d["first_page"]["p50_ms"], d["first_page"]["p95_ms"],
         f"max {d['first_page']['max_ms']}", f"goal < {GOAL_FIRST_PAGE_MS} ms"],
        ["(d) plate search (look-alikes)", d["plate_search"]["p50_ms"],
         d["plate_search"]["p95_ms"], f"number search p95 {d['number_search']['p95_ms']}",
         f"goal p95 < {GOAL_SEARCH_P95_MS} ms {d['verdict']}"],
        [f"(e) device replay, {batch:,} records", "", "",
         f"{e['seconds']} s, {e['refused']} refused",
         f"{e['records_per_s']} records/s"],
    ]  # fmt: skip
    say(table(["", "p50 ms", "p95 ms", "next to", "ratio / goal"], rows))
    verdicts = [a["verdict"], b["verdict"], c["verdict"], d["verdict"]]
    results["verdict"] = "MET" if all(v == "MET" for v in verdicts) else "MISSED"
    return results
