"""Parker search latency: the service path and the raw SQL round trip, per kind of query.

Queries are drawn from the seeded data the way a clerk types them: last-name
prefixes, "First Last", "Last, First", email prefixes, campus IDs, plates as
written, plate prefixes and look-alike plates (one or two confusable characters
swapped). Each is timed through ``ParkerService(workspace).search`` and as the
very statement and parameters the service sent, on a raw psycopg connection of
the same login. ``SELECT 1`` on both paths gives the floor.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import event, text

from bench._setup import CLERK, BenchDatabase, say, summary_ms, table, verdict
from desktop.services.parkers import ParkerService, SearchPage
from desktop.services.workspace import Workspace

GOAL_P95_MS = 20.0

NAME_KINDS = ("last-name prefix", "First Last", "Last, First", "email prefix", "campus ID")
PLATE_KINDS = ("plate exact", "plate prefix", "plate look-alike")
#: What a search-as-you-type field also sends: the first letters, and nothing (browse).
#: Timed and shown, but outside the goal's mix.
TYPE_AHEAD_KINDS = ("1-2 letter prefix", "empty (browse)")
GROUPS = (
    ("name search", NAME_KINDS),
    ("plate search", PLATE_KINDS),
    ("type-ahead", TYPE_AHEAD_KINDS),
)
#: Swaps a clerk or a plate reader makes (SPEC rule 2: search finds them anyway).
CONFUSABLE = {
    "0": "O",
    "O": "0",
    "1": "I",
    "I": "1",
    "8": "B",
    "B": "8",
    "5": "S",
    "S": "5",
    "2": "Z",
    "Z": "2",
    "6": "G",
    "G": "6",
    "D": "0",
    "L": "1",
}


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    #: The parker the clerk is looking for, when the query names one.
    target: int | None


def build_queries(db: BenchDatabase, per_kind: int, rng: random.Random) -> list[Query]:
    with db.admin() as conn:
        parkers = conn.execute(
            "SELECT id, first_name, last_name, email, campus_id FROM parkdesk.parker "
            "WHERE active ORDER BY id"
        ).fetchall()
        vehicles = conn.execute(
            "SELECT parker_id, plate_raw, plate_normalized FROM parkdesk.vehicle "
            "WHERE active AND plate_status = 'readable' AND parker_id IS NOT NULL ORDER BY id"
        ).fetchall()
    queries: list[Query] = [Query("last-name prefix", "smi", None)]
    queries.append(Query("last-name prefix", "tremb", None))
    for _ in range(per_kind - 2):
        last = str(rng.choice(parkers)[2])
        queries.append(Query("last-name prefix", last[: rng.randint(3, 5)].lower(), None))
    for _ in range(per_kind):
        pid, first, last, _, _ = rng.choice(parkers)
        queries.append(Query("First Last", f"{first} {last}", int(pid)))
    for _ in range(per_kind):
        pid, first, last, _, _ = rng.choice(parkers)
        queries.append(Query("Last, First", f"{last}, {first}", int(pid)))
    with_email = [p for p in parkers if p[3]]
    for _ in range(per_kind):
        pid, _, _, email, _ = rng.choice(with_email)
        local, _, domain = str(email).partition("@")
        # The local part is not unique (olivia.smith12 vs olivia.smith123): type into the domain.
        queries.append(Query("email prefix", f"{local}@{domain[: rng.randint(1, 6)]}", int(pid)))
    with_campus = [p for p in parkers if p[4]]
    for _ in range(per_kind):
        pid, _, _, _, campus_id = rng.choice(with_campus)
        queries.append(Query("campus ID", str(campus_id), int(pid)))
    for _ in range(per_kind):
        pid, raw, _ = rng.choice(vehicles)
        queries.append(Query("plate exact", str(raw), int(pid)))
    for _ in range(per_kind):
        _, _, normalized = rng.choice(vehicles)
        queries.append(Query("plate prefix", str(normalized)[: rng.randint(3, 4)], None))
    for n in range(per_kind):
        last = str(rng.choice(parkers)[2])
        queries.append(Query("1-2 letter prefix", last[: 1 + n % 2].lower(), None))
        queries.append(Query("empty (browse)", "", None))
    confusable = [v for v in vehicles if sum(c in CONFUSABLE for c in str(v[2])) >= 2]
    for n in range(per_kind):
        pid, _, normalized = rng.choice(confusable)
        queries.append(Query("plate look-alike", _look_alike(str(normalized), 1 + n % 2, rng), pid))
    return queries


def _look_alike(plate: str, swaps: int, rng: random.Random) -> str:
    positions = [i for i, c in enumerate(plate) if c in CONFUSABLE]
    chars = list(plate)
    for i in rng.sample(positions, swaps):
        chars[i] = CONFUSABLE[chars[i]]
    return "".join(chars)


class _Paths:
    """The two ways a search reaches the database, for the same clerk login."""

    def __init__(self, db: BenchDatabase) -> None:
        settings = db.settings(CLERK)
        self.workspace = Workspace.open(settings)
        self.service = ParkerService(self.workspace)
        #: The statement and parameters of the service's last search, replayed raw.
        self.statement = ""
        self.parameters: Any = None
        event.listen(self.workspace.engine, "before_cursor_execute", self._capture)
        self.raw = psycopg.connect(**settings.conninfo(), autocommit=True)
        self.raw.execute("SET search_path = parkdesk, pg_catalog")

    def _capture(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        # The search's own statement is the last one the service sends.
        self.statement, self.parameters = statement, parameters

    def service_search(self, q: Query) -> tuple[float, SearchPage]:
        start = time.perf_counter()
        page = self.service.search(q.text)
        return time.perf_counter() - start, page

    def raw_search(self) -> float:
        start = time.perf_counter()
        self.raw.execute(self.statement, self.parameters).fetchall()
        return time.perf_counter() - start

    def service_select_one(self) -> float:
        start = time.perf_counter()
        with self.workspace.read() as session:
            session.execute(text("SELECT 1")).scalar()
        return time.perf_counter() - start

    def raw_select_one(self) -> float:
        start = time.perf_counter()
        self.raw.execute("SELECT 1").fetchone()
        return time.perf_counter() - start

    def close(self) -> None:
        self.raw.close()
        self.workspace.close()


@dataclass
class _Tally:
    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    hits: dict[str, list[bool]] = field(default_factory=dict)
    rows_seen: dict[str, list[int]] = field(default_factory=dict)
    slowest: dict[str, tuple[float, str, Any]] = field(default_factory=dict)
    floor: dict[str, list[float]] = field(default_factory=lambda: {"service": [], "raw": []})


def run(db: BenchDatabase, per_kind: int = 50, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    say(f"Search: building {per_kind} queries per kind from the data ...")
    queries = build_queries(db, per_kind, rng)
    rng.shuffle(queries)
    paths = _Paths(db)
    tally = _Tally()
    try:
        # Warm-up: connections, plan caches and the buffer cache, as after a few minutes' use.
        for q in queries[:40]:
            paths.service_search(q)
            paths.raw_search()
        for _ in range(50):
            paths.service_select_one()
            paths.raw_select_one()

        say(f"Search: timing {len(queries)} queries on each path ...")
        for q in queries:
            elapsed, page = paths.service_search(q)
            raw_elapsed = paths.raw_search()
            kind = tally.samples.setdefault(q.kind, {"service": [], "raw": []})
            kind["service"].append(elapsed)
            kind["raw"].append(raw_elapsed)
            found = any(r.id == q.target for r in page.rows) if q.target else bool(page.rows)
            tally.hits.setdefault(q.kind, []).append(found)
            tally.rows_seen.setdefault(q.kind, []).append(len(page.rows))
            if raw_elapsed > tally.slowest.get(q.kind, (0.0, "", None))[0]:
                tally.slowest[q.kind] = (raw_elapsed, paths.statement, dict(paths.parameters))
        for _ in range(len(queries)):
            tally.floor["service"].append(paths.service_select_one())
            tally.floor["raw"].append(paths.raw_select_one())
    finally:
        paths.close()
    return _report(tally)


def _report(tally: _Tally) -> dict[str, Any]:
    samples, floor = tally.samples, tally.floor
    floor_summary = {path: summary_ms(v) for path, v in floor.items()}
    result: dict[str, Any] = {"goal_p95_ms": GOAL_P95_MS, "select_1": floor_summary, "kinds": {}}
    rows: list[list[object]] = []

    def add_row(label: str, kinds: tuple[str, ...], extra: list[object]) -> dict[str, Any]:
        service = summary_ms([v for k in kinds for v in samples[k]["service"]])
        raw = summary_ms([v for k in kinds for v in samples[k]["raw"]])
        rows.append([label, *_cells(service), raw["p50_ms"], raw["p95_ms"], *extra])
        return {"service": service, "raw_sql": raw}

    def add_group(group: str, kinds: tuple[str, ...], label: str) -> None:
        for kind in kinds:
            found = f"{sum(tally.hits[kind])}/{len(tally.hits[kind])}"
            mean_rows = round(sum(tally.rows_seen[kind]) / len(tally.rows_seen[kind]), 1)
            result["kinds"][kind] = add_row(f"  {kind}", (kind,), [found, mean_rows])
            result["kinds"][kind].update(found=found, mean_rows=mean_rows)
        result[group.replace(" ", "_").replace("-", "_")] = add_row(label, kinds, ["", ""])

    add_group("name search", NAME_KINDS, "NAME SEARCH")
    add_group("plate search", PLATE_KINDS, "PLATE SEARCH")
    result["all"] = add_row("NAME + PLATE (the goal's mix)", NAME_KINDS + PLATE_KINDS, ["", ""])
    add_group("type-ahead", TYPE_AHEAD_KINDS, "TYPE-AHEAD (outside the goal)")
    raw_floor = floor_summary["raw"]
    rows.append(
        ["SELECT 1 (floor)", *_cells(floor_summary["service"]), *_cells(raw_floor)[1:], "", ""]
    )
    overall_service, overall_raw = result["all"]["service"], result["all"]["raw_sql"]
    ratio = {
        "service_p50": _ratio(overall_service["p50_ms"], floor_summary["service"]["p50_ms"]),
        "service_p95": _ratio(overall_service["p95_ms"], floor_summary["service"]["p95_ms"]),
        "raw_p50": _ratio(overall_raw["p50_ms"], floor_summary["raw"]["p50_ms"]),
        "raw_p95": _ratio(overall_raw["p95_ms"], floor_summary["raw"]["p95_ms"]),
    }
    result["ratio_to_select_1"] = ratio
    worst_p95 = max(
        result["name_search"]["service"]["p95_ms"], result["plate_search"]["service"]["p95_ms"]
    )
    result["verdict"] = verdict(worst_p95, GOAL_P95_MS)
    type_ahead_p95 = result["type_ahead"]["service"]["p95_ms"]
    result["slowest"] = {
        kind: {"ms": round(t * 1000, 2), "parameters": params}
        for kind, (t, _, params) in tally.slowest.items()
    }
    result["_slowest_statements"] = {
        kind: (stmt, params) for kind, (_, stmt, params) in tally.slowest.items()
    }

    headers = ["query kind", "n", "svc p50", "svc p95", "sql p50", "sql p95", "found", "rows"]
    say("")
    say("1. PARKER SEARCH LATENCY (ms) — ParkerService(workspace).search vs raw SQL round trip")
    say(table(headers, rows))
    say(
        f"   search / SELECT 1 (goal mix): service p50 x{ratio['service_p50']}, "
        f"p95 x{ratio['service_p95']}; raw SQL p50 x{ratio['raw_p50']}, p95 x{ratio['raw_p95']}"
    )
    say(
        f"   Goal: search p95 under {GOAL_P95_MS:.0f} ms (service path; name and plate search "
        f"each) — {result['verdict']} (worst p95 {worst_p95:.1f} ms)"
    )
    say(
        f"   Type-ahead (1-2 letters, empty browse) p95 {type_ahead_p95:.1f} ms: "
        f"{'also under' if type_ahead_p95 < GOAL_P95_MS else 'would miss'} the 20 ms goal."
    )
    say("   'found' = the parker named by the query is on the first page (prefixes: any row).")
    return result


def _cells(s: dict[str, float]) -> list[object]:
    return [s["n"], s["p50_ms"], s["p95_ms"]]


def _ratio(value: float, floor: float) -> float:
    return round(value / floor, 1) if floor else float("nan")


def explain(db: BenchDatabase, statements: dict[str, tuple[str, Any]]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest query of each kind, run as the clerk."""
    out: list[str] = []
    with db.admin() as conn:
        conn.execute(f"SET ROLE {CLERK}")
        for kind, (statement, params) in statements.items():
            plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", params).fetchall()
            out.append(f"== {kind}: {params}")
            out.extend(str(r[0]) for r in plan)
            out.append("")
    return "\n".join(out)
