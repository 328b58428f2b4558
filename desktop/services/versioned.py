"""Saving a row people edit at the version the person saw (optimistic locking).

Every editable table has a ``version`` the stamp trigger raises on each change. A save
names the version its form was loaded at; when someone else saved in between, nothing
is written and the person is told who changed it and when.
"""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy import text
from sqlalchemy.orm import Session

from desktop.services.errors import ConflictError, NotFound
from desktop.services.localization import format_when


def insert_row(session: Session, table: str, values: dict[str, object]) -> int:
    """``INSERT INTO parkdesk.<table>`` one row of ``values`` (column: value); its id."""
    columns = ", ".join(values)
    placeholders = ", ".join(f":{column}" for column in values)
    return int(
        session.execute(
            text(f"INSERT INTO parkdesk.{table} ({columns}) VALUES ({placeholders}) RETURNING id"),
            values,
        ).scalar_one()
    )


def update_at_version(
    session: Session,
    table: str,
    key: int,
    version: int | None,
    values: dict[str, object],
    *,
    set_: str = "",
    what: str = "",
    where: str = "",
) -> None:
    """Set ``values`` (column: value) on row ``key`` of ``parkdesk.<table>`` if it is
    still at ``version``; else a :class:`ConflictError` naming who saved last.

    ``set_`` replaces the plain assignments when a change is more than values (the
    values are then its parameters); ``where`` adds conditions (``AND …``); ``what`` is
    the row's name in messages (the table's name by default). Table, columns and SQL
    are ours, never typed by anyone. No version (a row the form never loaded) is
    always a conflict.
    """
    assignments = set_ or ", ".join(f"{column} = :{column}" for column in values)
    changed = session.execute(
        text(
            f"UPDATE parkdesk.{table} SET {assignments} "
            f"WHERE id = :id AND version = :version {where} RETURNING id"
        ),
        {**values, "id": key, "version": version},
    ).first()
    if changed is None:
        raise_conflict(session, table, key, what or table)


#: Tables whose stamps the desks do not read: who saved last comes from a function.
_LAST_CHANGE = {"vehicle": "SELECT * FROM parkdesk.vehicle_last_change(:id)"}


def raise_conflict(session: Session, table: str, key: int, what: str) -> NoReturn:
    """Someone saved row ``key`` since it was read (or it is gone): say who and when."""
    sql = _LAST_CHANGE.get(table) or (
        "SELECT t.updated_by AS login, t.updated_at AS changed_at, "
        "(SELECT s.time_zone FROM parkdesk.office_setting s WHERE s.id = 1) AS office_zone "
        f"FROM parkdesk.{table} t WHERE t.id = :id"
    )
    row = session.execute(text(sql), {"id": key}).first()
    if row is None or row.changed_at is None:
        raise NotFound(f"This {what} no longer exists.")
    raise ConflictError(
        what, row.login or "another desk", format_when(row.changed_at, row.office_zone)
    )
