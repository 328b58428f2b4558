"""The benchmark entry point: ``.venv/bin/python -m bench`` or ``.venv/bin/python bench/run.py``.

Starts a fresh durable embedded PostgreSQL in a temporary folder (or reuses
``--keep DIR``), migrates and seeds it, then prints search latency, live-change
latency, start-up time and plate check latency as tables, and writes them to
bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RESULTS = Path(__file__).resolve().parent / "results"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="ParkDesk benchmarks (figures, not tests)."
    )
    parser.add_argument(
        "--parkers",
        type=int,
        default=100_000,
        help="parkers to seed (1.5 vehicles each); default 100000",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the seeded server in DIR/pgdata and reuse it next time (skips seeding)",
    )
    parser.add_argument(
        "--search-per-kind", type=int, default=50, help="queries per kind of search (10 kinds)"
    )
    parser.add_argument(
        "--live-iterations", type=int, default=300, help="commits timed per live-change path"
    )
    parser.add_argument("--startup-runs", type=int, default=5, help="start-up runs")
    parser.add_argument(
        "--plate-checks", type=int, default=2000, help="plate checks timed per path"
    )
    parser.add_argument(
        "--plate-rounds",
        type=int,
        default=200,
        help="sales timed from commit to a valid plate check, per path",
    )
    parser.add_argument(
        "--only",
        choices=["search", "live", "startup", "platecheck", "enforcement", "appeals", "security"],
        action="append",
        help="run only these parts (repeatable)",
    )
    parser.add_argument(
        "--reads", type=int, default=5_000_000, help="plate reads at city scale (enforcement)"
    )
    parser.add_argument(
        "--citations", type=int, default=1_000_000, help="citations at city scale (enforcement)"
    )
    parser.add_argument(
        "--batch", type=int, default=100_000, help="records in the replayed device batch"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="write EXPLAIN ANALYZE of the slowest search of each kind even if the goal is met",
    )
    parser.add_argument(
        "--wait-for-app",
        type=float,
        default=0,
        metavar="MINUTES",
        help="if desktop/app.py does not exist yet, look again every 3 minutes for this long",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    from bench import _setup, appeals, enforcement, live, platecheck, search, security, startup

    args = build_parser().parse_args(argv)
    parts = set(
        args.only
        or ["search", "live", "startup", "platecheck", "enforcement", "appeals", "security"]
    )
    started = time.perf_counter()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, "-m", "bench", *sys.argv[1:]]),
    }
    db = None
    temp: Path | None = None
    try:
        db, temp = _prepare_database(parts, args, results)
        results["machine"] = _setup.machine_info(db)
        if db is not None and "search" in parts:
            results["search"] = search.run(db, args.search_per_kind)
            statements = results["search"].pop("_slowest_statements")
            if args.explain or results["search"]["verdict"] != "MET":
                RESULTS.mkdir(exist_ok=True)
                plans = search.explain(db, statements)
                (RESULTS / "explain.txt").write_text(plans)
                _setup.say(
                    f"   EXPLAIN ANALYZE of the slowest query per kind: {RESULTS}/explain.txt"
                )
        if db is not None and "live" in parts:
            results["live"] = live.run(db, args.live_iterations)
        if "startup" in parts:
            _wait_for_app(args.wait_for_app, startup)
            results["startup"] = startup.run(args.startup_runs)
        if db is not None and "platecheck" in parts:
            results["platecheck"] = platecheck.run(db, args.plate_checks, args.plate_rounds)
        if db is not None and "enforcement" in parts:
            results["enforcement"] = enforcement.run(db, batch=args.batch)
        if db is not None and "appeals" in parts:
            results["appeals"] = _appeals(db, results, appeals)
        if db is not None and "security" in parts:
            results["security"] = security.run(db)
    finally:
        _clean_up(db, temp)

    results["total_seconds"] = round(time.perf_counter() - started, 1)
    _print_header(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    _setup.say(f"Figures written to {RESULTS / 'latest.json'}")
    return 0


def _prepare_database(
    parts: set[str], args: Any, results: dict[str, Any]
) -> tuple[Any, Path | None]:
    """The seeded server the parts need (none for start-up alone), and its throw-away
    folder when it is not kept."""
    from bench import _setup

    if parts & {"live", "platecheck", "appeals", "security"}:
        # Before the seed draws its plate photos: a picture drawn first would leave a
        # GUI-only application, and the desks these parts open need a widgets one.
        _setup.qt_application()
    if not parts & {"search", "live", "platecheck", "enforcement", "appeals", "security"}:
        return None, None
    temp: Path | None = None
    if args.keep:
        data_dir = args.keep.expanduser().resolve() / "pgdata"
    else:
        temp = Path(tempfile.mkdtemp(prefix="pdbench-"))
        data_dir = temp / "pgdata"
    db = _setup.prepare_database(data_dir, args.parkers)
    results["setup"] = {
        "parkers": db.parkers,
        "vehicles": db.vehicles,
        "reused_data_dir": db.reused,
        "seconds": db.setup_seconds,
    }
    _prepare_parts(db, parts, args, results)
    return db, temp


def _prepare_parts(db: Any, parts: set[str], args: Any, results: dict[str, Any]) -> None:
    """The permits and the city's enforcement history the parts asked for need."""
    from bench import enforcement, platecheck

    if "platecheck" in parts:
        # 50,000 at the default 100,000 parkers; a quick run scales down with them.
        permits = platecheck.prepare(db, min(platecheck.PERMITS, db.parkers // 2))
        results["setup"]["permits"] = permits["counts"]
        results["setup"]["seconds"].update(
            {f"permits_{k}": v for k, v in permits["seconds"].items()}
        )
    if parts & {"enforcement", "appeals", "security"}:
        city = enforcement.prepare(db, args.reads, args.citations)
        results["setup"]["enforcement"] = city["counts"]
        results["setup"]["seconds"].update(
            {f"enforcement_{k}": v for k, v in city["seconds"].items()}
        )


def _appeals(db: Any, results: dict[str, Any], appeals: Any) -> Any:
    prepared = appeals.prepare(db)
    results["setup"]["seconds"].update({f"appeals_{k}": v for k, v in prepared["seconds"].items()})
    return appeals.run(db, prepared)


def _clean_up(db: Any, temp: Path | None) -> None:
    """Qt before Python's own shutdown, then the server: stopped if kept, else removed."""
    from bench import _setup

    _setup.close_qt()
    if db is not None:
        if temp is not None:
            db.server.remove()  # as root the data may live outside temp
        else:
            db.server.stop()
    if temp is not None:
        shutil.rmtree(temp, ignore_errors=True)


def _wait_for_app(minutes: float, startup: Any) -> None:
    deadline = time.monotonic() + minutes * 60
    while not startup.app_exists() and time.monotonic() < deadline:
        print("desktop/app.py does not exist yet; looking again in 3 minutes", flush=True)
        time.sleep(180)


def _print_header(results: dict[str, Any]) -> None:
    from bench._setup import say, table

    machine = results["machine"]
    rows: list[list[object]] = [
        [
            "machine",
            f"{machine['cores']} cores, {machine['cpu_model']}, {machine['memory_gib']} GiB",
        ],
        ["python", machine["python"]],
    ]
    if "postgresql" in machine:
        settings = machine["postgresql_settings"]
        rows.append(
            [
                "postgresql",
                f"{machine['postgresql']} (embedded; fsync={settings['fsync']}, "
                f"synchronous_commit={settings['synchronous_commit']}, "
                f"shared_buffers={settings['shared_buffers']})",
            ]
        )
    if "fdatasync_8k_ms" in machine:
        rows.append(["disk", f"fdatasync of 8 kB: {machine['fdatasync_8k_ms']} ms (median)"])
    if "setup" in results:
        setup = results["setup"]
        seconds = setup["seconds"]
        seeded = (
            f"{seconds['seed']:.1f} s"
            if "seed" in seconds
            else "reused kept data (not seeded this run)"
        )
        rows.append(["data", f"{setup['parkers']:,} parkers, {setup['vehicles']:,} vehicles"])
        rows.append(["seeding", seeded])
        rows.append(["vacuum analyze", f"{seconds['vacuum_analyze']:.1f} s"])
        if "permits" in setup:
            counts = setup["permits"]
            added = seconds.get("permits_seed")
            rows.append(
                [
                    "permit data",
                    f"{counts['permit']:,} permits, {counts['payment']:,} payments, "
                    f"{counts['ledger_entry']:,} ledger entries"
                    + (f" (added in {added:.1f} s)" if added is not None else " (kept)"),
                ]
            )
    verdicts = [
        f"{part} {results[part]['verdict']}"
        for part in (
            "search",
            "live",
            "startup",
            "platecheck",
            "enforcement",
            "appeals",
            "security",
        )
        if part in results
    ]
    rows.append(["goals", ", ".join(verdicts)])
    rows.append(["total run time", f"{results['total_seconds']} s"])
    say("")
    say("SUMMARY")
    say(table(["", ""], rows, left=2))


if __name__ == "__main__":
    raise SystemExit(main())
