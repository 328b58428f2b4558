"""Live updates in the GUI: the LISTEN connection watched by the Qt event loop.

:class:`LiveChanges` turns database notifications into Qt signals. It shows its
state (live / reconnecting / offline) for the status bar, reconnects by itself
with a growing pause, and after a reconnect replays what changed meanwhile.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from desktop.services.errors import KnownError
from desktop.services.live import Change, ChangeListener, Resync
from desktop.views.operations import OperationRunner

log = logging.getLogger(__name__)

LIVE = "live"
CONNECTING = "connecting"
OFFLINE = "offline"
STATE_TITLES = {LIVE: "Live", CONNECTING: "Connecting…", OFFLINE: "Offline — reconnecting"}


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
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._connect)
        # libpq keepalives find dead links; this also drains anything the notifier missed.
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(5000)
        self._heartbeat.timeout.connect(self._on_readable)

    @property
    def state(self) -> str:
        return self._state

    def start(self) -> None:
        self._stopped = False
        self._connect()

    def stop(self) -> None:
        self._stopped = True
        self._retry.stop()
        self._heartbeat.stop()
        self._drop_notifier()
        self._listener.close()

    def simulate_connection_loss(self) -> None:
        """Drop the connection as a network failure would (used by tests and diagnostics)."""
        self._listener.close()
        self._lost()

    # -- internals --------------------------------------------------------------

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
            for change in resync.changes:
                self.changed.emit(change)
            self.resynced.emit(resync)
        self._on_readable()

    def _failed(self, exc: BaseException) -> bool:
        log.info("live connection failed: %s", exc)
        self._schedule_retry()
        return isinstance(exc, KnownError)

    def _on_readable(self) -> None:
        if self._notifier is None:
            return
        try:
            changes: list[Change] = self._listener.drain()
        except KnownError:
            self._lost()
            return
        for change in changes:
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
