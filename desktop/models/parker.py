"""Parkers (the people who park) and their vehicles.

A vehicle's identity is jurisdiction + normalised plate (SPEC rule 1). The
database computes the normalised plate and its look-alike "skeleton" itself, so
no client can store a plate that disagrees with its raw text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base, Tracked

AFFILIATIONS = ("student", "faculty", "staff", "resident", "visitor", "contractor")
PLATE_STATUSES = ("readable", "unreadable", "none")

#: Each confusable group of SPEC rule 2 collapses onto one representative.
CONFUSABLE_FROM = "OQDILZSBG"
CONFUSABLE_TO = "000112586"

PLATE_NORMALIZED_SQL = (
    "CASE WHEN plate_status = 'readable' "
    "THEN upper(regexp_replace(plate_raw, '[[:space:].-]', '', 'g')) END"
)
PLATE_SKELETON_SQL = (
    "translate(CASE WHEN plate_status = 'readable' "
    "THEN upper(regexp_replace(plate_raw, '[[:space:].-]', '', 'g')) END, "
    f"'{CONFUSABLE_FROM}', '{CONFUSABLE_TO}')"
)


class Parker(Tracked, Base):
    __tablename__ = "parker"
    __table_args__ = (
        CheckConstraint("length(btrim(first_name)) BETWEEN 1 AND 100", name="first_name_length"),
        CheckConstraint("length(btrim(last_name)) BETWEEN 1 AND 100", name="last_name_length"),
        CheckConstraint(
            "affiliation IN ('student', 'faculty', 'staff', 'resident', 'visitor', 'contractor')",
            name="affiliation_known",
        ),
        CheckConstraint("campus_id ~ '^[A-Z0-9-]{3,20}$'", name="campus_id_format"),
        CheckConstraint(
            "length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'",
            name="email_format",
        ),
        CheckConstraint("length(phone) <= 30 AND phone ~ '^[0-9+() .x-]+$'", name="phone_format"),
        CheckConstraint("length(address) <= 300", name="address_length"),
        CheckConstraint("length(notes) <= 2000", name="notes_length"),
        CheckConstraint(
            "active OR deactivation_reason IS NOT NULL", name="deactivation_has_reason"
        ),
        # Prefix-search indexes (lower(last_name) text_pattern_ops, ...) are created by the
        # migration: Alembic cannot compare expression indexes with operator classes.
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    first_name: Mapped[str] = mapped_column(Text, nullable=False)
    last_name: Mapped[str] = mapped_column(Text, nullable=False)
    affiliation: Mapped[str] = mapped_column(Text, nullable=False)
    campus_id: Mapped[str | None] = mapped_column(Text, unique=True)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(nullable=False, server_default="true")
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deactivation_reason: Mapped[str | None] = mapped_column(Text)


class Vehicle(Tracked, Base):
    __tablename__ = "vehicle"
    __table_args__ = (
        UniqueConstraint("jurisdiction", "plate_normalized"),
        CheckConstraint("jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'", name="jurisdiction_format"),
        CheckConstraint(
            "plate_status IN ('readable', 'unreadable', 'none')", name="plate_status_known"
        ),
        CheckConstraint(
            "(plate_status = 'readable' AND plate_normalized ~ '^[A-Z0-9]{1,10}$')"
            " OR (plate_status <> 'readable' AND plate_raw = '')",
            name="plate_valid",
        ),
        CheckConstraint("length(plate_raw) <= 20", name="plate_raw_length"),
        CheckConstraint("length(make) <= 40", name="make_length"),
        CheckConstraint("length(model) <= 40", name="model_length"),
        CheckConstraint("length(colour) <= 30", name="colour_length"),
        CheckConstraint("model_year BETWEEN 1900 AND 2100", name="model_year_range"),
        CheckConstraint(
            "active OR deactivation_reason IS NOT NULL", name="deactivation_has_reason"
        ),
        Index("ix_vehicle_plate_skeleton", "plate_skeleton"),
        Index(
            "ix_vehicle_plate_prefix",
            "plate_normalized",
            postgresql_ops={"plate_normalized": "text_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    parker_id: Mapped[int | None] = mapped_column(ForeignKey("parker.id"), index=True)
    jurisdiction: Mapped[str] = mapped_column(Text, nullable=False)
    plate_raw: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    plate_status: Mapped[str] = mapped_column(Text, nullable=False, server_default="readable")
    plate_normalized: Mapped[str | None] = mapped_column(
        Text, Computed(PLATE_NORMALIZED_SQL, persisted=True)
    )
    plate_skeleton: Mapped[str | None] = mapped_column(
        Text, Computed(PLATE_SKELETON_SQL, persisted=True)
    )
    make: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    colour: Mapped[str | None] = mapped_column(Text)
    model_year: Mapped[int | None] = mapped_column()
    active: Mapped[bool] = mapped_column(nullable=False, server_default="true")
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deactivation_reason: Mapped[str | None] = mapped_column(Text)


class PlateCorrection(Base):
    """A recorded change of a vehicle's identity (SPEC rule 1) once it has permits.

    Written only by ``parkdesk.correct_plate``, with the reason, and shown in the
    vehicle's history; a plain UPDATE of the plate of such a vehicle is refused.
    """

    __tablename__ = "plate_correction"
    __table_args__ = (CheckConstraint("length(reason) BETWEEN 5 AND 500", name="reason_length"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), nullable=False, index=True)
    old_jurisdiction: Mapped[str] = mapped_column(Text, nullable=False)
    old_plate_raw: Mapped[str] = mapped_column(Text, nullable=False)
    old_plate_status: Mapped[str] = mapped_column(Text, nullable=False)
    new_jurisdiction: Mapped[str] = mapped_column(Text, nullable=False)
    new_plate_raw: Mapped[str] = mapped_column(Text, nullable=False)
    new_plate_status: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    corrected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    corrected_by: Mapped[str] = mapped_column(Text, nullable=False)
