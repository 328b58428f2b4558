"""Lots and zones: the places permits cover and officers patrol."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base, Tracked


class Lot(Tracked, Base):
    __tablename__ = "lot"
    __table_args__ = (
        CheckConstraint("code ~ '^[A-Z0-9-]{1,12}$'", name="code_format"),
        CheckConstraint("length(name) BETWEEN 1 AND 100", name="name_length"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    capacity: Mapped[int] = mapped_column(nullable=False)
    active: Mapped[bool] = mapped_column(nullable=False, server_default="true")


class Zone(Tracked, Base):
    __tablename__ = "zone"
    __table_args__ = (
        UniqueConstraint("lot_id", "code"),
        # What a fine rule or a citation names as "this zone of this lot" refers to.
        UniqueConstraint("id", "lot_id"),
        CheckConstraint("code ~ '^[A-Z0-9-]{1,12}$'", name="code_format"),
        CheckConstraint("length(name) BETWEEN 1 AND 100", name="name_length"),
        CheckConstraint("time_limit_minutes BETWEEN 5 AND 1440", name="time_limit_minutes_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    #: How long a car may stay in the zone (virtual chalking); none when unlimited.
    time_limit_minutes: Mapped[int | None] = mapped_column()
