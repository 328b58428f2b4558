"""Live updates in the GUI: the LISTEN connection watched by the Qt event loop.

:class:`LiveChanges` turns database notifications into Qt signals. A notification is only a
hint (any login may send one): the first hint of a burst is answered at once by one query for
what changed that this login may know of, the hints of the next 30 ms by one more, and each
change is emitted once, so a flood of forged hints costs about thirty small queries a second
and shows nothing. Every two seconds the connection polls anyway (hints are skipped while the
server's queue is half full) and runs the check for sessions that stall the others. It shows
its state (live / connecting / offline) and reconnects by itself with a growing pause.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from desktop.services.errors import KnownError
from desktop.services.live import Change, ChangeListener, Resync
from desktop.views.kit.operations import OperationRunner

log = logging.getLogger(__name__)

LIVE = "live"
CONNECTING = "connecting"
OFFLINE = "offline"
STATE_TITLES = {LIVE: "Live", CONNECTING: "Connecting…", OFFLINE: "Offline — reconnecting"}
#: After a query for a hint, further hints wait this long and are read in one more query:
#: a flood of hints costs at most about thirty small queries a second.
GATHER_MS = 30
#: How often the live connection polls and checks for stalling sessions.
HEARTBEAT_MS = 2000

#: Whether one change concerns what a panel shows (beyond its table).
ChangeTest = Callable[[Change], bool]


class LiveChanges(QObject):
    """Notifications from the database as Qt signals."""

    #: One committed change by anyone (including this client).
    changed = Signal(object)
    #: Emitted after a reconnect; ``complete`` False means "reload everything".
    resynced = Signal(object)
    state_changed = Signal(str)

    def __init__(
        self, listener: ChangeListener, runner: OperationRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._listener = listener
        self._runner = runner
        self._notifier: QSocketNotifier | None = None
        self._state = CONNECTING
        self._retry_ms = 500
        self._has_connected = False
        self._stopped = False
        self._fetching = False
        self._fetch_again = False
        self._hint_waiting = False
        self._retry = QTimer(self, singleShot=True)
        self._retry.timeout.connect(self._connect)
        self._gather = QTimer(self, singleShot=True, interval=GATHER_MS)
        self._gather.timeout.connect(self._gathered)
        # Polls for changes whose hint was skipped, finds dead links, and ends sessions
        # that stall the other desks.
        self._heartbeat = QTimer(self, interval=HEARTBEAT_MS)
        self._heartbeat.timeout.connect(lambda: self._fetch(watch_sessions=True))

    @property
    def state(self) -> str:
        return self._state

    def start(self) -> None:
        self._stopped = False
        self._connect()

    def stop(self) -> None:
        self._stopped = True
        self._retry.stop()
        self._gather.stop()
        self._heartbeat.stop()
        self._drop_notifier()
        if not self._fetching:
            self._listener.close()

    def simulate_connection_loss(self) -> None:
        """Drop the connection as a network failure would (used by tests and diagnostics)."""
        if self._fetching:
            return
        self._listener.close()
        self._lost()

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    def _connect(self) -> None:
        if self._stopped:
            return
        self._set_state(CONNECTING)
        reconnect = self._has_connected

        def connect() -> Resync | None:
            self._listener.connect()
            return self._listener.resync() if reconnect else None

        self._runner.run(connect, self._connected, self._failed)

    def _connected(self, resync: Resync | None) -> None:
        if self._stopped:
            self._listener.close()
            return
        self._has_connected = True
        self._retry_ms = 500
        self._notifier = QSocketNotifier(self._listener.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        self._heartbeat.start()
        self._set_state(LIVE)
        if resync is not None:
            self._deliver(resync)
            self.resynced.emit(resync)
        self._on_readable()

    def _failed(self, exc: BaseException) -> bool:
        log.info("live connection failed: %s", exc)
        self._schedule_retry()
        return isinstance(exc, KnownError)

    def _on_readable(self) -> None:
        if self._notifier is None or self._fetching:
            return  # the worker thread has the connection; its hints are kept for later
        try:
            hinted = self._listener.drain()
        except KnownError:
            self._lost()
            return
        if hinted:
            self._hinted()

    def _hinted(self) -> None:
        if self._gather.isActive() or self._fetching:
            self._hint_waiting = True
            return
        self._gather.start()
        self._fetch()

    def _gathered(self) -> None:
        if self._hint_waiting:
            self._hint_waiting = False
            self._hinted()

    def _fetch(self, watch_sessions: bool = False) -> None:
        if self._notifier is None:
            return
        if self._fetching:
            self._fetch_again = True
            return
        self._fetching = True
        self._notifier.setEnabled(False)
        listener = self._listener

        def fetch() -> Resync:
            if watch_sessions:
                listener.end_overdue_sessions()
            return listener.fetch()

        self._runner.run(fetch, self._fetched, self._fetch_failed)

    def _fetched(self, resync: Resync) -> None:
        self._fetching = False
        if self._stopped:
            self._listener.close()
            return
        if self._notifier is not None:
            self._notifier.setEnabled(True)
        self._deliver(resync)
        if not resync.complete:
            self.resynced.emit(resync)
        again, self._fetch_again = self._fetch_again, False
        waiting, self._hint_waiting = self._hint_waiting, False
        if again or waiting or self._listener.take_hint():
            self._hinted()
        self._on_readable()

    def _fetch_failed(self, exc: BaseException) -> bool:
        self._fetching = False
        if self._stopped:
            return True
        log.info("reading live changes failed: %s", exc)
        self._lost()
        return isinstance(exc, KnownError)

    def _deliver(self, resync: Resync) -> None:
        """Emit each changed row once, however many times it changed in the batch."""
        emitted: set[tuple[str, str, str]] = set()
        for change in resync.changes:
            mark = (change.table, change.key, change.operation)
            if mark not in emitted:
                emitted.add(mark)
                self.changed.emit(change)

    def _lost(self) -> None:
        log.warning("live connection lost; reconnecting")
        self._drop_notifier()
        self._heartbeat.stop()
        self._schedule_retry()

    def _schedule_retry(self) -> None:
        if self._stopped:
            return
        self._set_state(OFFLINE)
        self._retry.start(self._retry_ms)
        self._retry_ms = min(self._retry_ms * 2, 15_000)

    def _drop_notifier(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None


class LiveBatch(QObject):
    """What a desk or panel reloads on live changes, gathered into one call per burst.

    Another clerk's sale arrives as a burst of row changes (permit, vehicles, payment,
    ledger); the first change to a watched table starts a short wait, and when it ends
    each interested reload runs once. The wait is not restarted by later changes, so a
    steady stream still reloads every ``delay_ms``. After a reconnect every reload runs
    (or, with ``complete_resync_is_quiet``, only when the resync could not list what
    changed).
    """

    def __init__(
        self,
        live: LiveChanges,
        delay_ms: int,
        parent: QObject,
        *,
        complete_resync_is_quiet: bool = False,
    ) -> None:
        super().__init__(parent)
        self._watches: list[tuple[frozenset[str], Callable[[], None], ChangeTest | None]] = []
        self._wanted: list[Callable[[], None]] = []
        self._quiet_when_complete = complete_resync_is_quiet
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(self._run)
        live.changed.connect(self._on_change)
        live.resynced.connect(self._on_resync)

    def watch(
        self,
        tables: Iterable[str],
        reload: Callable[[], None],
        *,
        when: ChangeTest | None = None,
    ) -> None:
        """Run ``reload`` after a burst that changed one of ``tables`` (and passed ``when``)."""
        self._watches.append((frozenset(tables), reload, when))

    def want(self, reload: Callable[[], None]) -> None:
        """Run ``reload`` with the next batch, as if a watched table had changed."""
        if reload not in self._wanted:
            self._wanted.append(reload)
        if not self._timer.isActive():
            self._timer.start()

    def cancel(self) -> None:
        """Forget what was wanted: the desk has just reloaded everything itself."""
        self._timer.stop()
        self._wanted.clear()

    def _on_change(self, change: Change) -> None:
        for tables, reload, when in self._watches:
            if change.table in tables and (when is None or when(change)):
                self.want(reload)

    def _on_resync(self, resync: Resync) -> None:
        if self._quiet_when_complete and resync.complete:
            return
        for _tables, reload, _when in self._watches:
            self.want(reload)

    def _run(self) -> None:
        wanted, self._wanted = self._wanted, []
        for reload in wanted:
            reload()
