"""Column groups and indexes the migrations declare again and again.

Only for migrations: a change here changes every past migration that uses it, so what is
here is never edited, only added to. ``tests/models/test_definitions.py`` proves the
migrations still build the schema a database made before (the 0002 fixture) has.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

SCHEMA = "parkdesk"


def _moment(name: str) -> sa.Column[Any]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _login(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Text(), server_default=sa.text("session_user"), nullable=False)


def created() -> list[sa.Column[Any]]:
    """When and by whom a row was made (the stamp trigger fills them in)."""
    return [_moment("created_at"), _login("created_by")]


def stamped() -> list[sa.Column[Any]]:
    """A row people edit: its version (optimistic locking), who made and last changed it."""
    version = sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
    return [version, *created(), _moment("updated_at"), _login("updated_by")]


def index(table: str, column: str) -> None:
    """The plain index a foreign key or a lookup column wants."""
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False, schema=SCHEMA)
