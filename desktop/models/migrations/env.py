"""Alembic environment: runs migrations as the administrator over one connection.

The connection is handed in by :mod:`desktop.services.admin` through
``config.attributes["connection"]``; the version table lives in the ParkDesk schema.
"""

from __future__ import annotations

import re

from alembic import context
from sqlalchemy import Connection, ForeignKeyConstraint, text

from desktop.models import SCHEMA, Base


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return type_ != "schema" or name == SCHEMA


#: The monthly and DEFAULT partitions of plate_read: made by the migration and by
#: ``parkdesk.ensure_read_partitions`` (``parkdesk jobs run``), never mapped.
_READ_PARTITION = re.compile(r"plate_read_(\d{4}_\d{2}|default)")


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # The audit chain head and the applied definitions' checksum are SQL-only: no client
    # ever maps them. Prefix-search indexes use an operator class on an expression, which
    # Alembic cannot compare; the migration owns them.
    if type_ == "table" and name in {"audit_chain", "sql_definition"}:
        return False
    if type_ == "table" and name is not None and _READ_PARTITION.fullmatch(name):
        return False
    # A foreign key to plate_read is copied, in the catalog, to each of its partitions.
    if type_ == "foreign_key_constraint" and isinstance(obj, ForeignKeyConstraint):
        return not _READ_PARTITION.fullmatch(obj.referred_table.name)
    return not (type_ == "index" and name is not None and name.endswith("_search"))


def run_migrations(connection: Connection) -> None:
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table_schema=SCHEMA,
        include_schemas=True,
        include_name=_include_name,
        include_object=_include_object,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through the ParkDesk command line
    raise SystemExit("Run migrations with: parkdesk db upgrade --url URL")
run_migrations(connection)
