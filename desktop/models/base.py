"""Declarative base: one schema, stable constraint names, shared column helpers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, MetaData, Text, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Every ParkDesk object lives in this schema, owned by the NOLOGIN role ``parkdesk_owner``.
SCHEMA = "parkdesk"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(schema=SCHEMA, naming_convention=NAMING_CONVENTION)


class Tracked:
    """Who created and last changed a row, and its optimistic-locking version.

    The values are set by the ``parkdesk.stamp_row`` trigger from ``session_user``:
    clients cannot forge them, and ``version`` goes up by one on every update.
    """

    version: Mapped[int] = mapped_column(nullable=False, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=text("session_user")
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_by: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=text("session_user")
    )


def one_of(column: str, values: tuple[str, ...]) -> str:
    """The check that ``column`` holds one of ``values``."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def card_free(column: str) -> CheckConstraint:
    """The check that free text in ``column`` holds no card number (SPEC rule 9)."""
    return CheckConstraint(f"parkdesk.card_number_free({column})", name=f"{column}_no_card_number")
