"""Enforcement: violation codes, the fine schedule, field devices with their citation
number ranges, spoiled numbers and citations (SPEC rules 4, 6, 7, 14 and 15).

Managers keep the codes, the schedule, the devices and their ranges with column grants.
Citations are written only by ``parkdesk.issue_citation``, which an officer's device
calls (the device API, ``docs/DEVICE_API.md``), and are never changed or removed
directly; spoiled numbers only by ``parkdesk.spoil_numbers``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base, Tracked, card_free
from desktop.models.permits import MONEY

DEVICE_KINDS = ("handheld", "lpr_vehicle", "fixed_camera")
CHECK_DIGIT_SCHEMES = ("luhn", "mod11", "mod7")

#: A plate as read, normalised as a vehicle's is (SPEC rule 1).
CITATION_PLATE_SQL = "upper(regexp_replace(plate_raw, '[[:space:].-]', '', 'g'))"
#: Look-alike characters folded together (0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, 6/G), as the
#: vehicle's plate_skeleton: the citations desk finds a misread plate's citations by it.
CITATION_SKELETON_SQL = f"translate({CITATION_PLATE_SQL}, 'OQDILZSBG', '000112586')"


#: A device's call number stays under 13 digits: a 13- to 19-digit number that passes the
#: Luhn check is a card number's shape, and a device's call number is kept for good.
DEVICE_SEQ_LIMIT = 10**12
DEVICE_SEQ_BOUNDED = f"device_seq < {DEVICE_SEQ_LIMIT}"


class Violation(Tracked, Base):
    """A violation code an officer cites ("NP-01 No valid permit")."""

    __tablename__ = "violation"
    __table_args__ = (
        CheckConstraint("code ~ '^[A-Z0-9-]{1,10}$'", name="code_format"),
        CheckConstraint("length(btrim(description)) BETWEEN 1 AND 200", name="description_length"),
        card_free("description"),
        CheckConstraint("repeat_window_days BETWEEN 1 AND 3650", name="repeat_window_days_range"),
        CheckConstraint("appeal_window_days BETWEEN 1 AND 365", name="appeal_window_days_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    #: A warning is a citation with no fine (SPEC rule 7).
    warning_only: Mapped[bool] = mapped_column(nullable=False, server_default="false")
    active: Mapped[bool] = mapped_column(nullable=False, server_default="true")
    #: With lines in ``repeat_fine``: a plate's Nth citation of this code within this many
    #: days is fined as the Nth offence (SPEC rule 17).
    repeat_window_days: Mapped[int | None] = mapped_column()
    #: Whether citations of this code may be appealed, and within how many days of issue
    #: when not the office's window.
    appealable: Mapped[bool] = mapped_column(nullable=False, server_default="true")
    appeal_window_days: Mapped[int | None] = mapped_column()


class FineRule(Tracked, Base):
    """One line of the fine schedule: a violation's fine everywhere (no lot), in a lot, or
    in a zone of that lot. The most specific line wins."""

    __tablename__ = "fine_rule"
    __table_args__ = (
        UniqueConstraint("violation_id", "lot_id", "zone_id", postgresql_nulls_not_distinct=True),
        CheckConstraint("amount >= 0 AND amount <= 10000", name="amount_range"),
        CheckConstraint("zone_id IS NULL OR lot_id IS NOT NULL", name="zone_needs_lot"),
        # The zone is one of the lot's (zone_id, lot_id) -> zone (id, lot_id).
        ForeignKeyConstraint(["zone_id", "lot_id"], ["zone.id", "zone.lot_id"]),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violation.id"), nullable=False)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)


class Device(Tracked, Base):
    """A field device (handheld, LPR vehicle, fixed camera) an officer logs in with."""

    __tablename__ = "device"
    __table_args__ = (
        CheckConstraint("code ~ '^[A-Z0-9-]{2,20}$'", name="code_format"),
        CheckConstraint("kind IN ('handheld', 'lpr_vehicle', 'fixed_camera')", name="kind_known"),
        CheckConstraint("length(description) <= 200", name="description_length"),
        card_free("code"),
        card_free("description"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    active: Mapped[bool] = mapped_column(nullable=False, server_default="true")


class CitationRange(Base):
    """Numbers a device may issue offline: ``prefix`` + the sequence padded to ``width``
    digits + a check digit. No two ranges of one prefix overlap."""

    __tablename__ = "citation_range"
    __table_args__ = (
        CheckConstraint("prefix ~ '^[A-Z]{1,4}$'", name="prefix_format"),
        CheckConstraint("width BETWEEN 4 AND 9", name="width_range"),
        CheckConstraint(
            "first_seq >= 0 AND first_seq <= last_seq AND last_seq < power(10::numeric, width)",
            name="sequence_fits",
        ),
        ExcludeConstraint(
            (text("prefix"), "="),
            (text("int8range(first_seq, last_seq, '[]')"), "&&"),
            name="ex_citation_range_no_overlap",
            using="gist",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), nullable=False, index=True)
    prefix: Mapped[str] = mapped_column(Text, nullable=False)
    first_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    width: Mapped[int] = mapped_column(nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=text("session_user")
    )


class SpoiledNumber(Base):
    """A number of a range that will never be issued (a torn ticket, a lost device), with
    why: every number is either used or accounted for."""

    __tablename__ = "spoiled_number"
    __table_args__ = (
        UniqueConstraint("range_id", "seq"),
        CheckConstraint("length(btrim(reason)) BETWEEN 3 AND 300", name="reason_length"),
        card_free("reason"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    range_id: Mapped[int] = mapped_column(ForeignKey("citation_range.id"), nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=text("session_user")
    )


class DeviceRequest(Base):
    """A device call's idempotency key, ``(device, device_seq)``, with a fingerprint of
    what was asked: the same call again returns ``result``, another is refused."""

    __tablename__ = "device_request"
    __table_args__ = (
        UniqueConstraint("device_id", "device_seq"),
        CheckConstraint(DEVICE_SEQ_BOUNDED, name="device_seq_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), nullable=False)
    device_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    operation: Mapped[str] = mapped_column(Text, nullable=False)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    result: Mapped[int | None] = mapped_column(BigInteger)
    login: Mapped[str] = mapped_column(Text, nullable=False)
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Citation(Tracked, Base):
    """A citation as the device issued it, with its fine snapshotted (SPEC rule 7).
    Written only by ``issue_citation``; never updated or deleted directly."""

    __tablename__ = "citation"
    __table_args__ = (
        UniqueConstraint("range_id", "seq"),
        UniqueConstraint("device_id", "device_seq"),
        CheckConstraint(DEVICE_SEQ_BOUNDED, name="device_seq_range"),
        CheckConstraint("number ~ '^[A-Z]{1,4}[0-9]{5,10}$'", name="number_format"),
        CheckConstraint("jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'", name="jurisdiction_format"),
        CheckConstraint(
            "length(plate_raw) <= 20 AND plate_normalized ~ '^[A-Z0-9]{1,10}$'",
            name="plate_valid",
        ),
        CheckConstraint("fine >= 0 AND fine <= 10000", name="fine_range"),
        CheckConstraint("length(note) <= 500", name="note_length"),
        CheckConstraint("length(make) <= 40", name="make_length"),
        CheckConstraint("length(colour) <= 30", name="colour_length"),
        card_free("note"),
        card_free("make"),
        card_free("colour"),
        ForeignKeyConstraint(["zone_id", "lot_id"], ["zone.id", "zone.lot_id"]),
        Index("ix_citation_plate", "plate_normalized", "jurisdiction"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint(
            "(voided_at IS NULL) = (voided_by IS NULL)"
            " AND (voided_at IS NULL) = (void_reason IS NULL)",
            name="void_whole",
        ),
        CheckConstraint("length(btrim(void_reason)) BETWEEN 3 AND 300", name="void_reason_length"),
        card_free("void_reason"),
        # What the plate check counts at every scan and the clock job walks: the unpaid.
        Index(
            "ix_citation_unpaid",
            "jurisdiction",
            "plate_normalized",
            "due_on",
            postgresql_where=text("balance > 0 AND voided_at IS NULL"),
        ),
        # The citations desk's list: newest first, paged by (issued_at, id); a number or
        # its first characters.
        Index("ix_citation_issued_at_id", "issued_at", "id"),
        Index("ix_citation_number_prefix", "number", postgresql_ops={"number": "text_pattern_ops"}),
        Index(
            "ix_citation_unpaid_issued",
            "issued_at",
            postgresql_where=text("balance > 0 AND voided_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    number: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    range_id: Mapped[int] = mapped_column(ForeignKey("citation_range.id"), nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), nullable=False)
    #: The login that issued it (``session_user``), set by the function.
    officer: Mapped[str] = mapped_column(Text, nullable=False)
    device_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    jurisdiction: Mapped[str] = mapped_column(Text, nullable=False)
    plate_raw: Mapped[str] = mapped_column(Text, nullable=False)
    plate_normalized: Mapped[str] = mapped_column(
        Text, Computed(CITATION_PLATE_SQL, persisted=True), nullable=False
    )
    plate_skeleton: Mapped[str] = mapped_column(
        Text, Computed(CITATION_SKELETON_SQL, persisted=True), nullable=False, index=True
    )
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    violation_id: Mapped[int] = mapped_column(
        ForeignKey("violation.id"), nullable=False, index=True
    )
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), nullable=False, index=True)
    zone_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The device's clock when the officer issued it; ``recorded_at`` is the server's.
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    fine: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    make: Mapped[str | None] = mapped_column(Text)
    colour: Mapped[str | None] = mapped_column(Text)
    #: What is owed on it now: the sum of its ledger rows, kept by a trigger on the ledger.
    balance: Mapped[Decimal] = mapped_column(MONEY, nullable=False, server_default=text("0"))
    #: Set once, by ``void_citation`` (an adjudicator or a manager, with a reason).
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by: Mapped[str | None] = mapped_column(Text)
    void_reason: Mapped[str | None] = mapped_column(Text)
    #: When an escalation stage sent it to collections.
    collections_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RepeatFine(Tracked, Base):
    """One line of a violation's repeat-offence schedule: the fine of the Nth offence within
    the violation's ``repeat_window_days``; the last line applies beyond it."""

    __tablename__ = "repeat_fine"
    __table_args__ = (
        UniqueConstraint("violation_id", "offence"),
        CheckConstraint("offence >= 1", name="offence_positive"),
        CheckConstraint("amount >= 0 AND amount <= 10000", name="amount_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violation.id"), nullable=False)
    offence: Mapped[int] = mapped_column(nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)


class EscalationStage(Tracked, Base):
    """A late fee (and/or a referral to collections) a citation still unpaid gets once,
    ``after_days`` after its local day of issue (``escalate_citations``)."""

    __tablename__ = "escalation_stage"
    __table_args__ = (
        CheckConstraint("after_days BETWEEN 1 AND 3650", name="after_days_range"),
        CheckConstraint("amount >= 0 AND amount <= 10000", name="amount_range"),
        CheckConstraint("length(btrim(description)) BETWEEN 1 AND 200", name="description_length"),
        card_free("description"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    after_days: Mapped[int] = mapped_column(nullable=False, unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    sends_to_collections: Mapped[bool] = mapped_column(nullable=False, server_default="false")
    description: Mapped[str] = mapped_column(Text, nullable=False)
    active: Mapped[bool] = mapped_column(nullable=False, server_default="true")


class CitationStage(Base):
    """A stage a citation has had, once: its late fee's ledger row, if it had one."""

    __tablename__ = "citation_stage"

    citation_id: Mapped[int] = mapped_column(ForeignKey("citation.id"), primary_key=True)
    stage_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_stage.id"), primary_key=True, index=True
    )
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))


__all__ = [
    "CHECK_DIGIT_SCHEMES",
    "DEVICE_KINDS",
    "Citation",
    "CitationRange",
    "CitationStage",
    "Device",
    "DeviceRequest",
    "EscalationStage",
    "FineRule",
    "RepeatFine",
    "SpoiledNumber",
    "Violation",
]
