"""Plate reads: what officers' devices read (LPR), each with the verdict the device was
given at the time (SPEC rules 14 and 16).

Rows are written only by ``parkdesk.record_plate_read`` (the device API,
``docs/DEVICE_API.md``); no role, the owner included, ever updates or deletes one.
``plate_read`` is partitioned by month on the read time; its partitions are made by the
migration and by ``parkdesk jobs run``, never mapped here. Each read's ``row_hash`` covers
its fields and the hash of the device's previous read (``prev_hash``): a chain per device,
whose newest link is kept in ``plate_read_chain``, checked by
``parkdesk.verify_read_chains()``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    LargeBinary,
    Numeric,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base
from desktop.models.enforcement import CITATION_PLATE_SQL, DEVICE_SEQ_BOUNDED

#: A read's photo: JPEG or PNG, as its first bytes say, at most 20 MB.
READ_PHOTO_MEDIA_TYPES = ("image/jpeg", "image/png")
READ_PHOTO_MAX_BYTES = 20 * 1024 * 1024


class PlateRead(Base):
    """One plate read by a device, with where, when and what the verdict was."""

    __tablename__ = "plate_read"
    __table_args__ = (
        CheckConstraint("jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'", name="jurisdiction_format"),
        CheckConstraint(
            "length(plate_raw) <= 20 AND plate_normalized ~ '^[A-Z0-9]{1,10}$'",
            name="plate_valid",
        ),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="position_whole"),
        CheckConstraint("confidence BETWEEN 0 AND 1", name="confidence_range"),
        CheckConstraint("photo_sha256 ~ '^[0-9a-f]{64}$'", name="photo_sha256_format"),
        CheckConstraint("verdict ~ '^[a-z_]{1,20}$'", name="verdict_word"),
        CheckConstraint("parkdesk.card_number_free(reason)", name="reason_no_card_number"),
        CheckConstraint(DEVICE_SEQ_BOUNDED, name="device_seq_range"),
        Index("ix_plate_read_device_id_id", "device_id", "id"),
        Index("ix_plate_read_plate", "jurisdiction", "plate_normalized", "read_at"),
        Index("ix_plate_read_lot_id_read_at", "lot_id", "read_at"),
        {"postgresql_partition_by": "RANGE (read_at)"},
    )

    # The key holds the partitioning column, as PostgreSQL requires.
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    #: The device, lot, zone and vehicle are named without foreign keys (migration 0014):
    #: only ``record_plate_read`` writes a read, having just found them, and none of them
    #: is ever deleted.
    device_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: The device's call number: with the device, the call's idempotency key.
    device_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: The login that sent it (``session_user``).
    officer: Mapped[str] = mapped_column(Text, nullable=False)
    jurisdiction: Mapped[str] = mapped_column(Text, nullable=False)
    plate_raw: Mapped[str] = mapped_column(Text, nullable=False)
    plate_normalized: Mapped[str] = mapped_column(
        Text, Computed(CITATION_PLATE_SQL, persisted=True), nullable=False
    )
    vehicle_id: Mapped[int | None] = mapped_column(BigInteger)
    lot_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: The device's clock; the partitioning column. ``recorded_at`` is the server's.
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(8, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    confidence: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    #: What ``check_plate`` answered at the time, as the device was told.
    verdict: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    permit_number: Mapped[str | None] = mapped_column(Text)
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    photo_sha256: Mapped[str | None] = mapped_column(Text)
    #: The zone of the lot it was read in, when the device said (``B/B1``).
    zone_id: Mapped[int | None] = mapped_column(BigInteger)
    #: When the car went over the zone's time limit, for an ``over_limit`` verdict.
    over_limit_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The exemption's reason, for an ``exempt`` verdict.
    exemption: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    row_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class PlateReadPhoto(Base):
    """The photo of a read, kept apart so the reads stay small; never changed."""

    __tablename__ = "plate_read_photo"
    __table_args__ = (
        ForeignKeyConstraint(
            ["read_id", "read_at"],
            ["plate_read.id", "plate_read.read_at"],
            name="fk_plate_read_photo_read_id_plate_read",
        ),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_format"),
        CheckConstraint("media_type IN ('image/jpeg', 'image/png')", name="media_type_known"),
        CheckConstraint(f"size_bytes BETWEEN 1 AND {READ_PHOTO_MAX_BYTES}", name="size_range"),
    )

    read_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    media_type: Mapped[str] = mapped_column(Text, nullable=False)
    size_bytes: Mapped[int] = mapped_column(
        BigInteger, Computed("octet_length(content)", persisted=True), nullable=False
    )


class PlateReadChain(Base):
    """The newest link of a device's read chain, so removed newest reads are noticed."""

    __tablename__ = "plate_read_chain"

    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), primary_key=True)
    last_read_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


__all__ = [
    "READ_PHOTO_MAX_BYTES",
    "READ_PHOTO_MEDIA_TYPES",
    "PlateRead",
    "PlateReadChain",
    "PlateReadPhoto",
]
