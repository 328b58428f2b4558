"""Shared set-up for the benchmarks: a durable embedded server seeded at scale, the
machine description, percentiles and table printing."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from desktop.services import admin, seed
from desktop.services.database import ConnectionSettings, admin_engine
from desktop.services.embedded import EmbeddedServer

#: Staff logins the benchmarks connect as (created with admin.add_login, like real staff).
CLERK = "bench_clerk"
WATCHER = "bench_watcher"
OFFICER = "bench_officer"
#: login -> roles
LOGINS = {CLERK: ["clerk"], WATCHER: ["clerk"], OFFICER: ["officer"]}
PASSWORD = "bench-password"  # noqa: S105 - throw-away login on a throw-away server
DEFAULT_PARKERS = 100_000


def qt_application() -> Any:
    """The offscreen QApplication the Qt parts share (made once; see :func:`close_qt`)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from desktop.qt_workarounds import keep_bools_alive_under_signal_refcount_bug

    # Thousands of signals are emitted from Python here: with a PySide6 that drops a
    # reference per signal, the run would end in "Fatal Python error: bool_dealloc".
    keep_bools_alive_under_signal_refcount_bug()
    existing = QApplication.instance()
    if existing is not None:
        return existing
    app = QApplication([])
    from desktop.qt_workarounds import collect_garbage_on_gui_thread

    collect_garbage_on_gui_thread(app)  # as the program does: never on a worker thread
    return app


def close_qt() -> None:
    """Delete what the Qt parts left and the QApplication itself, before Python exits."""
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.shutdown()


def say(message: str) -> None:
    """Progress lines, flushed so a long run shows where it is."""
    print(message, flush=True)


@contextmanager
def timed(label: str, into: dict[str, float] | None = None, key: str = "") -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    if into is not None:
        into[key or label] = round(elapsed, 3)
    say(f"  {label}: {elapsed:.1f} s")


@dataclass
class BenchDatabase:
    server: EmbeddedServer
    admin_url: str
    host: str
    port: int
    parkers: int = 0
    vehicles: int = 0
    #: Seconds per set-up step (server start, migration, seeding, analyze).
    setup_seconds: dict[str, float] = field(default_factory=dict)
    reused: bool = False

    def settings(self, login: str) -> ConnectionSettings:
        return ConnectionSettings(
            host=self.host, port=self.port, database="parkdesk", login=login, password=PASSWORD
        )

    def admin(self) -> psycopg.Connection[tuple[Any, ...]]:
        """Superuser connection (set-up and EXPLAIN only; measurements use staff logins)."""
        conn = psycopg.connect(self.admin_url, autocommit=True)
        conn.execute("SET search_path = parkdesk, pg_catalog")
        return conn


def prepare_database(data_dir: Path, parkers: int) -> BenchDatabase:
    """Start (initialising if needed) a durable server in ``data_dir``, migrate, add the
    bench logins and seed ``parkers`` parkers (1.5 vehicles each) unless already there."""
    times: dict[str, float] = {}
    server = EmbeddedServer(data_dir, durable=True)
    fresh = not server.is_initialised()
    say(f"Embedded server in {data_dir} ({'new' if fresh else 'reused'}, durable settings)")
    with timed("server start" + (" (initdb)" if fresh else ""), times, key="server_start"):
        url = server.start()
    host, port = server.staff_host()
    db = BenchDatabase(server=server, admin_url=url, host=host, port=port, reused=not fresh)
    engine = admin_engine(url)
    try:
        with timed("migration (admin.upgrade)", times, key="migration"):
            admin.upgrade(engine)
        with engine.begin() as conn:
            for login, roles in LOGINS.items():
                exists = conn.exec_driver_sql(
                    "SELECT 1 FROM pg_roles WHERE rolname = %(login)s", {"login": login}
                ).first()
                if not exists:
                    admin.add_login(conn, login, roles, PASSWORD, f"Bench {login[6:].title()}")
    finally:
        engine.dispose()

    with db.admin() as conn:
        existing = _count(conn, "parker")
    if existing == 0:
        scale = "bench" if parkers == DEFAULT_PARKERS else f"bench-{parkers}"
        # seed() takes a named scale; a scaled-down run adds its own, same 1.5 vehicles each.
        seed.SCALES.setdefault(scale, (parkers, seed.SCALES["bench"][1]))
        with timed(f"seeding {parkers:,} parkers (seed.seed)", times, key="seed"):
            seed.seed(url, scale)
    else:
        say(f"  seeding skipped: {existing:,} parkers already in the kept data folder")
        if abs(existing - parkers) > parkers * 0.05:
            say(f"  NOTE: --parkers {parkers:,} asked, but the kept data holds {existing:,}")
    with db.admin() as conn:
        # A live database has statistics from autovacuum; a just-seeded one not yet.
        with timed("VACUUM (ANALYZE) parker, vehicle", times, key="vacuum_analyze"):
            conn.execute("VACUUM (ANALYZE) parkdesk.parker, parkdesk.vehicle")
        db.parkers = _count(conn, "parker")
        db.vehicles = _count(conn, "vehicle")
    db.setup_seconds = times
    say(f"  database holds {db.parkers:,} parkers and {db.vehicles:,} vehicles")
    return db


def _count(conn: psycopg.Connection[tuple[Any, ...]], table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM parkdesk.{table}").fetchone()
    return int(row[0]) if row else 0


# -- the machine ----------------------------------------------------------------


def fdatasync_ms(folder: Path, writes: int = 200) -> float:
    """Median time to write and fdatasync 8 kB where the data lives: the floor of a durable
    commit on this disk (a VM's write cache makes it far cheaper than a laptop SSD)."""
    path = folder / "bench-fdatasync.tmp"
    block = os.urandom(8192)
    samples = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for n in range(writes):
            os.pwrite(fd, block, (n % 16) * 8192)
            start = time.perf_counter()
            os.fdatasync(fd)
            samples.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()
    return round(statistics.median(samples) * 1000, 3)


def machine_info(db: BenchDatabase | None) -> dict[str, Any]:
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    if db is not None:
        with db.admin() as conn:
            settings = {}
            for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers"):
                row = conn.execute(f"SHOW {name}").fetchone()
                settings[name] = str(row[0]) if row else "?"
        info["postgresql"] = settings.pop("server_version")
        info["postgresql_settings"] = settings
        info["fdatasync_8k_ms"] = fdatasync_ms(db.server.data_dir.parent)
    return info


# -- figures ----------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (the same definition as numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/max/mean in milliseconds from samples in seconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "max_ms": round(max(ms), 3) if ms else float("nan"),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else float("nan"),
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], left: int = 1) -> str:
    """A plain text table: the first ``left`` columns left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [
            row[i].ljust(widths[i]) if i < left else row[i].rjust(widths[i])
            for i in range(len(row))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def verdict(value: float, goal: float) -> str:
    return "MET" if value < goal else "MISSED"
