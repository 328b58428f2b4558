"""The SQL that lives in the database, kept in ``desktop/models/sql/*.sql``.

Functions, triggers, views, row-security policies and grants each have one current
definition, in a file per area; a change to ``check_plate`` is a change to
``60_plates.sql`` that a reviewer reads as a diff. Migrations own what holds data
(tables, columns, constraints, indexes, roles) and what must move it.

:func:`apply` runs after the migrations, in their transaction, as the owner role: when
the files differ from what the database last applied (a SHA-256 of the rendered files,
kept in ``parkdesk.sql_definition``), it runs every file in name order. ``00_reset.sql``
first drops every trigger and policy and takes away every grant, so the files are the
whole truth, not additions to what an older version left; functions and views are
replaced in place. A function that goes away, or whose arguments or result change, is
dropped by the migration that makes that change (the schema test finds any left over).

Why not alembic-utils: its replaceable entities cover functions, views, triggers and
policies, but not grants, and each change writes the whole new body into a migration,
which is what this module exists to avoid.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text

SQL_DIR = Path(__file__).resolve().parent / "sql"

#: The one file a migration runs before the others exist: constraints call its function.
CARD_NUMBERS = "10_card_numbers.sql"


@dataclass(frozen=True)
class Definition:
    """One file, ready to run."""

    name: str
    sql: str


def files() -> list[Path]:
    return sorted(SQL_DIR.glob("*.sql"))


@functools.cache
def _unicode_digits() -> tuple[str, str]:
    """Every decimal digit Unicode knows outside ASCII, then the combining marks; and the
    digits' values. Built on first use: walking the code points takes a moment."""
    digits: list[str] = []
    values: list[str] = []
    marks: list[str] = []
    for code in range(0x80, 0x110000):
        char = chr(code)
        value = unicodedata.decimal(char, None)
        if value is not None:
            digits.append(char)
            values.append(str(value))
        elif unicodedata.category(char) in ("Mn", "Mc", "Me"):
            marks.append(char)
    return "".join(digits + marks), "".join(values)


def render(path: Path) -> Definition:
    """The file's SQL with the placeholders only Python can fill."""
    sql = path.read_text(encoding="utf-8")
    if "__DIGITS_AND_MARKS__" in sql:
        digits_and_marks, values = _unicode_digits()
        sql = sql.replace("__DIGITS_AND_MARKS__", digits_and_marks)
        sql = sql.replace("__DIGIT_VALUES__", values)
    return Definition(path.name, sql)


def definitions() -> list[Definition]:
    return [render(path) for path in files()]


def checksum(items: list[Definition]) -> str:
    digest = hashlib.sha256()
    for item in items:
        digest.update(item.name.encode())
        digest.update(b"\0")
        digest.update(item.sql.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def run(connection: Connection, items: list[Definition]) -> None:
    """Run the given files as the owner role, on this connection's transaction."""
    # Straight to psycopg, with no parameters: it then sends each file as one simple query
    # of many statements, and leaves the "%" of format() alone.
    driver = connection.connection.driver_connection
    if driver is None:  # pragma: no cover - a pooled connection always has its driver's
        raise RuntimeError("The database connection is closed.")
    driver.execute("SET LOCAL ROLE parkdesk_owner")
    for item in items:
        driver.execute(item.sql.encode())
    driver.execute("RESET ROLE")


def applied_checksum(connection: Connection) -> str | None:
    return connection.execute(
        text("SELECT checksum FROM parkdesk.sql_definition WHERE id")
    ).scalar_one_or_none()


def apply(connection: Connection, *, force: bool = False) -> bool:
    """Bring the database's functions, triggers, views, policies and grants to the files;
    True when anything ran. The caller owns the transaction."""
    items = definitions()
    wanted = checksum(items)
    if not force and applied_checksum(connection) == wanted:
        return False
    run(connection, items)
    connection.execute(
        text(
            "INSERT INTO parkdesk.sql_definition (id, checksum, applied_at) "
            "VALUES (true, :checksum, now()) "
            "ON CONFLICT (id) DO UPDATE SET checksum = EXCLUDED.checksum, "
            "applied_at = EXCLUDED.applied_at"
        ),
        {"checksum": wanted},
    )
    return True
