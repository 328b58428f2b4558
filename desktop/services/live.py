"""Live changes: one dedicated LISTEN connection per client.

The database sends one notification on ``parkdesk_changes`` per committed
transaction. Any login may NOTIFY that channel too, so a notification is only a
hint: the client then asks ``parkdesk.changes_since`` what changed, and the
database answers with the table, operation and key of the changes this login may
know of. A forged hint costs one cheap query and shows nothing new. The view layer
watches :meth:`ChangeListener.fileno` with a socket notifier, calls :meth:`drain`
for hints and runs :meth:`fetch` off the GUI thread; the same connection runs the
database's check for sessions that stall the others (:meth:`end_overdue_sessions`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg

from desktop.services.database import ConnectionSettings, connection_failure
from desktop.services.errors import ConnectionProblem

log = logging.getLogger(__name__)

CHANNEL = "parkdesk_changes"
RESYNC_LIMIT = 5000

_FETCH_SQL = """
SELECT n.newest, c.id, c.table_name, c.operation, c.row_key
FROM (SELECT parkdesk.last_change_id() AS newest) AS n
LEFT JOIN LATERAL parkdesk.changes_since(%s, %s) AS c ON true
ORDER BY c.id
"""


@dataclass(frozen=True)
class Change:
    """One committed row change: never its contents, and its key only when this login may
    read the row (else ``key`` is empty)."""

    table: str
    operation: str  # "I", "U" or "D"
    key: str
    change_id: int


@dataclass(frozen=True)
class Resync:
    """Changes read after a hint or a reconnect; ``complete`` is False when too many
    were missed and views should reload everything."""

    changes: tuple[Change, ...]
    complete: bool


class ChangeListener:
    """A non-blocking LISTEN connection that remembers the last change it saw."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self.last_change_id: int | None = None
        self._hinted = False

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def connect(self) -> None:
        """Open the connection and LISTEN. Blocking: call it off the GUI thread."""
        self.close()
        params = self.settings.conninfo()
        params.update(keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3)
        try:
            conn = psycopg.connect(**params, autocommit=True)
            # Hints that arrive while fetch() runs are consumed by psycopg: remember them.
            conn.add_notify_handler(self._on_hint)
            conn.execute(f"LISTEN {CHANNEL}")
            row = conn.execute("SELECT parkdesk.last_change_id()").fetchone()
        except psycopg.Error as exc:
            raise connection_failure(exc) from exc
        if self.last_change_id is None and row is not None:
            self.last_change_id = int(str(row[0]))
        self._conn = conn

    def _on_hint(self, _notify: psycopg.Notify) -> None:
        self._hinted = True

    def fileno(self) -> int:
        if self._conn is None:
            raise ConnectionProblem("The live connection is closed.")
        return self._conn.pgconn.socket

    def drain(self) -> bool:
        """Read whatever has arrived, without waiting; True when a hint was among it.

        Raises :class:`ConnectionProblem` when the connection has been lost.
        """
        if self._conn is None:
            return False
        pgconn = self._conn.pgconn
        try:
            pgconn.consume_input()
        except psycopg.Error as exc:
            self.close()
            raise ConnectionProblem("The live connection to the database was lost.") from exc
        hinted = False
        while pgconn.notifies() is not None:
            hinted = True  # the payload is never trusted: fetch() asks the database
        if pgconn.status != psycopg.pq.ConnStatus.OK:
            self.close()
            raise ConnectionProblem("The live connection to the database was lost.")
        return hinted or self.take_hint()

    def take_hint(self) -> bool:
        """Whether a hint arrived while :meth:`fetch` ran (it then fetches again)."""
        hinted, self._hinted = self._hinted, False
        return hinted

    def fetch(self, limit: int = RESYNC_LIMIT) -> Resync:
        """What changed after the last change seen (blocking: off the GUI thread)."""
        if self._conn is None or self.last_change_id is None:
            return Resync((), complete=False)
        try:
            rows = self._conn.execute(_FETCH_SQL, (self.last_change_id, limit + 1)).fetchall()
        except psycopg.Error as exc:
            self.close()
            raise connection_failure(exc) from exc
        newest = int(str(rows[0][0])) if rows else self.last_change_id
        changes = tuple(
            Change(
                table=str(r[2]),
                operation=str(r[3]),
                key="" if r[4] is None else str(r[4]),
                change_id=int(str(r[1])),
            )
            for r in rows[:limit]
            if r[1] is not None
        )
        complete = sum(1 for r in rows if r[1] is not None) <= limit
        # Everything up to the newest change was read in the same snapshot, including the
        # changes this login may not know of: they need not be read again. When there were
        # too many, views reload everything instead.
        self.last_change_id = max(self.last_change_id, newest)
        if not complete:
            return Resync((), complete=False)
        return Resync(changes, complete=True)

    def resync(self) -> Resync:
        """After a reconnect: what was committed while away."""
        return self.fetch()

    def end_overdue_sessions(self) -> int:
        """Have the database end staff sessions that keep others waiting (blocking)."""
        if self._conn is None:
            return 0
        try:
            row = self._conn.execute("SELECT parkdesk.end_overdue_sessions()").fetchone()
        except psycopg.Error as exc:
            self.close()
            raise connection_failure(exc) from exc
        return int(str(row[0])) if row is not None else 0

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:  # already broken
                log.debug("closing a broken live connection", exc_info=True)
            self._conn = None
