"""Live changes: one dedicated LISTEN connection per client.

The database announces every committed change on the ``parkdesk_changes``
channel (table, operation, key and audit id only). This module owns that
connection without blocking: the view layer watches :meth:`ChangeListener.fileno`
with a socket notifier and calls :meth:`drain`. After a reconnect,
:meth:`resync` replays what was announced while the client was away.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import psycopg

from desktop.services.database import ConnectionSettings, describe_connection_failure
from desktop.services.errors import ConnectionProblem

log = logging.getLogger(__name__)

CHANNEL = "parkdesk_changes"
RESYNC_LIMIT = 5000


@dataclass(frozen=True)
class Change:
    """One committed row change, as announced to every client."""

    table: str
    operation: str  # "I", "U" or "D"
    key: str
    change_id: int


@dataclass(frozen=True)
class Resync:
    """What was missed while disconnected; ``complete`` is False when too much was missed
    and views should reload everything."""

    changes: tuple[Change, ...]
    complete: bool


class ChangeListener:
    """A non-blocking LISTEN connection that remembers the last change it saw."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self.last_change_id: int | None = None

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
            conn.execute(f"LISTEN {CHANNEL}")
            row = conn.execute("SELECT parkdesk.last_change_id()").fetchone()
        except psycopg.Error as exc:
            raise ConnectionProblem(describe_connection_failure(exc)) from exc
        if self.last_change_id is None and row is not None:
            self.last_change_id = int(str(row[0]))
        self._conn = conn

    def fileno(self) -> int:
        if self._conn is None:
            raise ConnectionProblem("The live connection is closed.")
        return self._conn.pgconn.socket

    def drain(self) -> list[Change]:
        """Read whatever notifications have arrived, without waiting.

        Raises :class:`ConnectionProblem` when the connection has been lost.
        """
        if self._conn is None:
            return []
        pgconn = self._conn.pgconn
        try:
            pgconn.consume_input()
        except psycopg.Error as exc:
            self.close()
            raise ConnectionProblem("The live connection to the database was lost.") from exc
        changes: list[Change] = []
        while (notify := pgconn.notifies()) is not None:
            change = _parse(notify.extra.decode("utf-8", "replace"))
            if change is not None:
                changes.append(change)
                if self.last_change_id is None or change.change_id > self.last_change_id:
                    self.last_change_id = change.change_id
        if pgconn.status != psycopg.pq.ConnStatus.OK:
            self.close()
            raise ConnectionProblem("The live connection to the database was lost.")
        return changes

    def resync(self) -> Resync:
        """Changes committed after the last one seen (blocking: off the GUI thread)."""
        if self._conn is None or self.last_change_id is None:
            return Resync((), complete=False)
        try:
            newest_row = self._conn.execute("SELECT parkdesk.last_change_id()").fetchone()
            newest = int(str(newest_row[0])) if newest_row is not None else 0
            if newest < self.last_change_id:
                # Any login may NOTIFY the channel, so an id ahead of the audit trail is
                # forged (or the database was restored): trusting it would skip real
                # changes. Start again from the server's count and have views reload.
                log.warning(
                    "change id %s is ahead of the audit trail (%s); reloading",
                    self.last_change_id,
                    newest,
                )
                self.last_change_id = newest
                return Resync((), complete=False)
            rows = self._conn.execute(
                "SELECT id, table_name, operation, row_key FROM parkdesk.changes_since(%s, %s)",
                (self.last_change_id, RESYNC_LIMIT + 1),
            ).fetchall()
        except psycopg.Error as exc:
            self.close()
            raise ConnectionProblem(describe_connection_failure(exc)) from exc
        changes = tuple(
            Change(table=str(r[1]), operation=str(r[2]), key=str(r[3]), change_id=int(str(r[0])))
            for r in rows[:RESYNC_LIMIT]
        )
        if changes:
            self.last_change_id = max(self.last_change_id, changes[-1].change_id)
        return Resync(changes, complete=len(rows) <= RESYNC_LIMIT)

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:  # already broken
                log.debug("closing a broken live connection", exc_info=True)
            self._conn = None


def _parse(payload: str) -> Change | None:
    try:
        data = json.loads(payload)
        return Change(
            table=str(data["t"]),
            operation=str(data["op"]),
            key=str(data["k"]),
            change_id=int(data["id"]),
        )
    except (ValueError, KeyError, TypeError):
        log.warning("ignoring a malformed change notification: %r", payload[:200])
        return None
