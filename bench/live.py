"""Commit-to-signal latency: how long after clerk A commits does client B hear of it.

A is a :class:`Workspace` of a clerk login; it inserts a parker, then updates it,
alternately, committing each. B is a :class:`ChangeListener` of another login.
t0 is taken immediately before A's commit call; t1 when B has the matching
change (table, key, operation) in hand. Measured twice: a raw listener thread
blocked in ``select()`` on ``fileno()`` then ``drain()`` and ``fetch()``, and the Qt path
(:class:`desktop.views.kit.live.LiveChanges` on an :class:`OperationRunner`, offscreen),
timing until its ``changed`` signal fires.
"""

from __future__ import annotations

import os
import select
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from bench._setup import (
    CLERK,
    WATCHER,
    BenchDatabase,
    qt_application,
    say,
    summary_ms,
    table,
    verdict,
)
from desktop.services.live import Change, ChangeListener
from desktop.services.workspace import Workspace

GOAL_P95_MS = 100.0
WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Commit:
    """One write by clerk A: which change B should hear of, and when A committed."""

    table: str
    key: str
    operation: str
    t0: float
    commit_seconds: float


class ClerkWriter:
    """Clerk A: alternately inserts a parker and updates the one it just inserted."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.token = uuid.uuid4().hex[:8]
        self._last: tuple[int, int] | None = None  # (id, version) of the parker to update
        self._count = 0
        #: What B should look for; set before the commit, so B can never see it earlier.
        self.expected: tuple[str, str, str] | None = None

    def write(self) -> Commit:
        self._count += 1
        with self.workspace.engine.connect() as conn:
            if self._last is None:
                row = conn.execute(
                    text(
                        "INSERT INTO parkdesk.parker (first_name, last_name, affiliation, notes) "
                        "VALUES (:first, :last, 'visitor', :notes) RETURNING id, version"
                    ),
                    {"first": "Bench", "last": f"Latency {self.token}", "notes": str(self._count)},
                ).one()
                operation = "I"
            else:
                row = conn.execute(
                    text(
                        "UPDATE parkdesk.parker SET notes = :notes "
                        "WHERE id = :id AND version = :version RETURNING id, version"
                    ),
                    {"notes": str(self._count), "id": self._last[0], "version": self._last[1]},
                ).one()
                operation = "U"
            self.expected = ("parker", str(row.id), operation)
            t0 = time.perf_counter()
            conn.commit()
            committed = time.perf_counter() - t0
        self._last = None if operation == "U" else (int(row.id), int(row.version))
        return Commit("parker", str(row.id), operation, t0, committed)


class _ListenerThread(threading.Thread):
    """Client B: blocked in select() on the listener socket, draining as changes arrive."""

    def __init__(self, listener: ChangeListener) -> None:
        super().__init__(name="bench-listener", daemon=True)
        self.listener = listener
        self.arrivals: dict[tuple[str, str, str], float] = {}
        self.arrived = threading.Condition()
        self._stop_read, self._stop_write = os.pipe()

    def run(self) -> None:
        fd = self.listener.fileno()
        while True:
            readable, _, _ = select.select([fd, self._stop_read], [], [])
            if self._stop_read in readable:
                return
            # A notification is only a hint: what changed is read from the database.
            changes: tuple[Change, ...] = (
                self.listener.fetch().changes if self.listener.drain() else ()
            )
            t1 = time.perf_counter()
            with self.arrived:
                for change in changes:
                    self.arrivals[(change.table, change.key, change.operation)] = t1
                self.arrived.notify_all()

    def wait_for(self, key: tuple[str, str, str], timeout: float) -> float | None:
        with self.arrived:
            self.arrived.wait_for(lambda: key in self.arrivals, timeout)
            return self.arrivals.pop(key, None)

    def stop(self) -> None:
        os.write(self._stop_write, b"x")
        self.join(5)
        os.close(self._stop_read)
        os.close(self._stop_write)


def run_raw(db: BenchDatabase, iterations: int) -> dict[str, Any]:
    workspace = Workspace.open(db.settings(CLERK))
    writer = ClerkWriter(workspace)
    listener = ChangeListener(db.settings(WATCHER))
    listener.connect()
    thread = _ListenerThread(listener)
    thread.start()
    latencies: list[float] = []
    commits: list[float] = []
    missed = 0
    try:
        for n in range(iterations + 10):
            commit = writer.write()
            t1 = thread.wait_for((commit.table, commit.key, commit.operation), WAIT_SECONDS)
            if n < 10:  # warm-up
                continue
            if t1 is None:
                missed += 1
                continue
            latencies.append(t1 - commit.t0)
            commits.append(commit.commit_seconds)
    finally:
        thread.stop()
        listener.close()
        workspace.close()
    return {
        "signal": summary_ms(latencies),
        "commit_call": summary_ms(commits),
        "missed": missed,
    }


def run_qt(db: BenchDatabase, iterations: int) -> dict[str, Any]:
    """The same through LiveChanges: A commits on a worker thread while the Qt loop idles."""
    app = qt_application()
    probe = _QtProbe(db)
    latencies: list[float] = []
    missed = 0
    try:
        probe.start()
        for n in range(iterations + 10):
            latency = probe.one_commit()
            if n < 10:  # warm-up
                continue
            if latency is None:
                missed += 1
            else:
                latencies.append(latency)
    finally:
        probe.close()
        app.processEvents()
    return {"signal": summary_ms(latencies), "missed": missed}


class _QtProbe:
    """Clerk A on a worker thread; B is LiveChanges on this thread's Qt event loop."""

    def __init__(self, db: BenchDatabase) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        from desktop.views.kit.live import LiveChanges
        from desktop.views.kit.operations import OperationRunner

        self.workspace = Workspace.open(db.settings(CLERK))
        self.writer = ClerkWriter(self.workspace)
        self.runner = OperationRunner()
        self.live = LiveChanges(ChangeListener(db.settings(WATCHER)), self.runner)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clerk-a")
        self.loop = QEventLoop()
        self.timeout = QTimer()
        self.timeout.setSingleShot(True)
        self.timeout.timeout.connect(self.loop.quit)
        self.t1: float | None = None
        self.live.changed.connect(self._changed)

    def _changed(self, change: Change) -> None:
        if self.writer.expected == (change.table, change.key, change.operation):
            self.t1 = time.perf_counter()
            self.loop.quit()

    def _state_changed(self, state: str) -> None:
        from desktop.views.kit.live import LIVE

        if state == LIVE:
            self.loop.quit()

    def start(self) -> None:
        from desktop.views.kit.live import LIVE

        self.live.state_changed.connect(self._state_changed)
        self.live.start()
        self.timeout.start(int(WAIT_SECONDS * 1000))
        self.loop.exec()
        self.live.state_changed.disconnect(self._state_changed)
        if self.live.state != LIVE:
            raise RuntimeError("LiveChanges did not connect")

    def one_commit(self) -> float | None:
        self.t1 = None
        future = self.pool.submit(self.writer.write)
        self.timeout.start(int(WAIT_SECONDS * 1000))
        self.loop.exec()
        commit = future.result(WAIT_SECONDS)
        return None if self.t1 is None else self.t1 - commit.t0

    def close(self) -> None:
        self.live.stop()
        self.pool.shutdown()
        self.runner.wait_for_done()
        self.workspace.close()


def run(db: BenchDatabase, iterations: int = 300) -> dict[str, Any]:
    say(f"Live changes: {iterations} commits, raw listener ...")
    raw = run_raw(db, iterations)
    say(f"Live changes: {iterations} commits, Qt LiveChanges ...")
    qt = run_qt(db, iterations)
    result = {"goal_p95_ms": GOAL_P95_MS, "raw_listener": raw, "qt_live_changes": qt}
    worst = max(raw["signal"]["p95_ms"], qt["signal"]["p95_ms"])
    result["verdict"] = verdict(worst, GOAL_P95_MS)
    rows = [
        ["A's commit() call (durable)", *_cols(raw["commit_call"]), ""],
        ["commit → ChangeListener.drain()", *_cols(raw["signal"]), raw["missed"]],
        ["commit → LiveChanges.changed (Qt)", *_cols(qt["signal"]), qt["missed"]],
    ]
    say("")
    say("2. COMMIT-TO-SIGNAL LATENCY (ms) — clerk A commits, client B hears of it")
    say(table(["path", "n", "p50", "p95", "max", "missed"], rows))
    say(f"   Goal: p95 under {GOAL_P95_MS:.0f} ms — {result['verdict']} (worst p95 {worst:.1f} ms)")
    return result


def _cols(s: dict[str, float]) -> list[object]:
    return [s["n"], s["p50_ms"], s["p95_ms"], s["max_ms"]]
