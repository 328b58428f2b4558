"""What the officer's verdict knows beyond permits (SPEC rules 5 and 16): exemptions
("do not ticket") and flags on a permit whose vehicles were read on site together.

Managers keep exemptions with column grants, and nobody removes one (a trigger refuses
it): one ends by its end time. Flags are raised only by ``record_plate_read`` and
cleared only by ``clear_permit_flag`` (``desktop/models/sql/69_verdicts.sql``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base, Tracked


class Exemption(Tracked, Base):
    """A plate that is not ticketed, in one lot or every lot, from a moment to another
    (or until ended)."""

    __tablename__ = "exemption"
    __table_args__ = (
        CheckConstraint("jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'", name="jurisdiction_format"),
        CheckConstraint("plate_normalized ~ '^[A-Z0-9]{1,10}$'", name="plate_format"),
        CheckConstraint("length(btrim(reason)) BETWEEN 3 AND 200", name="reason_length"),
        CheckConstraint("parkdesk.card_number_free(reason)", name="reason_no_card_number"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_exemption_plate", "jurisdiction", "plate_normalized"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(Text, nullable=False)
    #: Normalised as a vehicle's plate (SPEC rule 1) by a trigger, whatever was typed.
    plate_normalized: Mapped[str] = mapped_column(Text, nullable=False)
    #: None: every lot.
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    #: None: until a manager ends it.
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PermitFlag(Base):
    """Two vehicles of one permit read in its lot within the office's window (SPEC rule 5),
    until a clerk or manager clears it with a note."""

    __tablename__ = "permit_flag"
    __table_args__ = (
        CheckConstraint(
            "(cleared_at IS NULL) = (cleared_by IS NULL) AND "
            "(cleared_at IS NULL) = (clear_note IS NULL)",
            name="cleared_whole",
        ),
        CheckConstraint("length(btrim(clear_note)) BETWEEN 3 AND 500", name="clear_note_length"),
        CheckConstraint("parkdesk.card_number_free(clear_note)", name="clear_note_no_card_number"),
        CheckConstraint("first_vehicle_id <> second_vehicle_id", name="two_vehicles"),
        ForeignKeyConstraint(
            ["first_read_id", "first_read_at"],
            ["plate_read.id", "plate_read.read_at"],
            name="fk_permit_flag_first_read_id_plate_read",
        ),
        ForeignKeyConstraint(
            ["second_read_id", "second_read_at"],
            ["plate_read.id", "plate_read.read_at"],
            name="fk_permit_flag_second_read_id_plate_read",
        ),
        Index("ix_permit_flag_permit_id_lot_id", "permit_id", "lot_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), nullable=False)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), nullable=False)
    first_read_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    first_read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    first_vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), nullable=False)
    second_read_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    second_read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    second_vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), nullable=False)
    flagged_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cleared_by: Mapped[str | None] = mapped_column(Text)
    clear_note: Mapped[str | None] = mapped_column(Text)


__all__ = ["Exemption", "PermitFlag"]
