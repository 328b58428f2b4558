"""Permits, waitlists, money and the cash drawer (SPEC rules 3, 5, 9 and 10).

Clients never write these tables directly: every sale, refund, payment and shift
change goes through a ``SECURITY DEFINER`` function in the database (see
``desktop/models/sql/``), which checks eligibility, capacity, tenders and
idempotency in the same transaction that writes the rows. Managers edit the
configuration tables (office settings, permit types) with column grants.

Money is ``numeric(12, 2)``; no column is float or ``money``. Card payments keep a
processor reference, a brand and the last four digits only.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    Numeric,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSTZRANGE, UUID, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base, Tracked, card_free, one_of

MONEY = Numeric(12, 2)

VALIDITY_KINDS = ("term", "monthly", "days")
SALE_MODES = ("first_come", "waitlist")
PRORATIONS = ("none", "daily", "monthly")
PERMIT_KINDS = ("term", "temporary", "visitor", "event")
TENDERS = ("cash", "card", "cheque", "account", "none")
LEDGER_KINDS = (
    "sale",
    "renewal",
    "temporary",
    "fee",
    "adjustment",
    "payment",
    "refund",
    "payout",
    # A citation's rows (``citation_id`` set, no parker): its fine, late fees, early-payment
    # discount and void; its payments are ``payment`` rows.
    "fine",
    "late_fee",
    "discount",
    "void",
)
#: Kinds of ledger rows only a citation has.
CITATION_KINDS = ("fine", "late_fee", "discount", "void")
WAITLIST_STATUSES = ("waiting", "offered", "accepted", "declined", "expired", "left")
REFUND_STATUSES = ("pending", "approved", "paid", "rejected")


class OfficeSetting(Tracked, Base):
    """The one row of installation-wide settings a manager keeps."""

    __tablename__ = "office_setting"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("length(office_name) BETWEEN 1 AND 100", name="office_name_length"),
        CheckConstraint("refund_approval_threshold >= 0", name="threshold_not_negative"),
        CheckConstraint("length(receipt_footer) <= 300", name="receipt_footer_length"),
        # An unknown zone raises here, so no day can be cut at midnight of nowhere.
        CheckConstraint(
            "('2000-01-01 00:00+00'::timestamptz AT TIME ZONE time_zone) IS NOT NULL",
            name="time_zone_known",
        ),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        CheckConstraint("phone_region ~ '^[A-Z]{2}$'", name="phone_region_code"),
        CheckConstraint(
            "check_digit_scheme IN ('luhn', 'mod11', 'mod7')", name="check_digit_scheme_known"
        ),
        CheckConstraint("citation_due_days BETWEEN 1 AND 365", name="citation_due_days_range"),
        CheckConstraint("discount_days BETWEEN 0 AND 365", name="discount_days_range"),
        CheckConstraint(
            "discount_percent > 0 AND discount_percent < 100", name="discount_percent_range"
        ),
        CheckConstraint(
            "(discount_days IS NULL) = (discount_percent IS NULL)", name="discount_whole"
        ),
        CheckConstraint("scofflaw_threshold BETWEEN 1 AND 50", name="scofflaw_threshold_range"),
        CheckConstraint(
            "shared_permit_window_minutes BETWEEN 0 AND 1440",
            name="shared_permit_window_minutes_range",
        ),
        CheckConstraint("appeal_window_days BETWEEN 1 AND 365", name="appeal_window_days_range"),
        CheckConstraint(
            "appeal_response_days BETWEEN 1 AND 365", name="appeal_response_days_range"
        ),
        CheckConstraint(
            "appeal_lease_minutes BETWEEN 5 AND 240", name="appeal_lease_minutes_range"
        ),
        CheckConstraint(
            "watchlist_merge_minutes BETWEEN 1 AND 1440", name="watchlist_merge_minutes_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    office_name: Mapped[str] = mapped_column(Text, nullable=False)
    time_zone: Mapped[str] = mapped_column(Text, nullable=False)
    currency: Mapped[str] = mapped_column(Text, nullable=False, server_default="USD")
    refund_approval_threshold: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    receipt_footer: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    #: Free temporary permits a plate may have over a rolling window before a manager must
    #: issue them (``issue_temporary_permit``).
    free_days_per_plate: Mapped[int] = mapped_column(nullable=False, server_default=text("7"))
    free_days_window: Mapped[int] = mapped_column(nullable=False, server_default=text("90"))
    #: Where a phone number typed without a country code is from (ISO 3166 region).
    phone_region: Mapped[str] = mapped_column(Text, nullable=False, server_default="CA")
    #: How a citation number's last digit is computed (``parkdesk.check_digit``).
    check_digit_scheme: Mapped[str] = mapped_column(Text, nullable=False, server_default="luhn")
    #: Days from the local day of issue to a citation's due date.
    citation_due_days: Mapped[int] = mapped_column(nullable=False, server_default=text("30"))
    #: A citation paid in full by its local day of issue plus ``discount_days``, before any
    #: late fee, pays ``discount_percent`` less (both set, or neither: no discount).
    discount_days: Mapped[int | None] = mapped_column()
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    #: Unpaid past-due citations that make a plate a scofflaw (boot or tow).
    scofflaw_threshold: Mapped[int] = mapped_column(nullable=False, server_default=text("3"))
    #: Minutes within which two vehicles of one permit read in its lot are flagged (0: off).
    shared_permit_window_minutes: Mapped[int] = mapped_column(
        nullable=False, server_default=text("60")
    )
    #: Days from a citation's local day of issue within which it may be appealed (a
    #: violation may set its own); later, only a manager accepts an appeal.
    appeal_window_days: Mapped[int] = mapped_column(nullable=False, server_default=text("30"))
    #: Days within which the office answers an appeal (the queue warns before they pass).
    appeal_response_days: Mapped[int] = mapped_column(nullable=False, server_default=text("30"))
    #: Whether a hearing is held only once the citation is paid.
    hearing_requires_payment: Mapped[bool] = mapped_column(nullable=False, server_default="false")
    #: How long an adjudicator's claim on an appeal lasts without being renewed.
    appeal_lease_minutes: Mapped[int] = mapped_column(nullable=False, server_default=text("20"))
    #: How long after a watchlist alert is acknowledged further hits of its plate are
    #: counted into it rather than alerted again.
    watchlist_merge_minutes: Mapped[int] = mapped_column(nullable=False, server_default=text("30"))


class PermitType(Tracked, Base):
    __tablename__ = "permit_type"
    __table_args__ = (
        CheckConstraint("code ~ '^[A-Z0-9-]{1,12}$'", name="code_format"),
        CheckConstraint("length(btrim(name)) BETWEEN 1 AND 100", name="name_length"),
        CheckConstraint("price >= 0 AND price <= 100000", name="price_range"),
        CheckConstraint(one_of("validity", VALIDITY_KINDS), name="validity_known"),
        CheckConstraint(
            "(validity = 'term' AND term_start IS NOT NULL AND term_end >= term_start)"
            " OR (validity = 'monthly')"
            " OR (validity = 'days' AND days BETWEEN 1 AND 730)",
            name="validity_complete",
        ),
        CheckConstraint(one_of("sale_mode", SALE_MODES), name="sale_mode_known"),
        CheckConstraint(one_of("proration", PRORATIONS), name="proration_known"),
        CheckConstraint(
            "cardinality(affiliations) >= 1 AND affiliations <@ "
            "ARRAY['student', 'faculty', 'staff', 'resident', 'visitor', 'contractor']",
            name="affiliations_known",
        ),
        CheckConstraint("per_parker_limit BETWEEN 1 AND 10", name="per_parker_limit_range"),
        CheckConstraint("max_vehicles BETWEEN 1 AND 5", name="max_vehicles_range"),
        CheckConstraint("offer_hours BETWEEN 1 AND 720", name="offer_hours_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    price: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    validity: Mapped[str] = mapped_column(Text, nullable=False)
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    days: Mapped[int | None] = mapped_column()
    affiliations: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    per_parker_limit: Mapped[int] = mapped_column(nullable=False, server_default="1")
    max_vehicles: Mapped[int] = mapped_column(nullable=False, server_default="2")
    sale_mode: Mapped[str] = mapped_column(Text, nullable=False, server_default="first_come")
    proration: Mapped[str] = mapped_column(Text, nullable=False, server_default="none")
    offer_hours: Mapped[int] = mapped_column(nullable=False, server_default="48")
    active: Mapped[bool] = mapped_column(nullable=False, server_default="true")


class PermitTypeLot(Base):
    """Which lots a permit type may be sold for."""

    __tablename__ = "permit_type_lot"

    permit_type_id: Mapped[int] = mapped_column(ForeignKey("permit_type.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True, index=True)


class CashShift(Tracked, Base):
    """One clerk's cash drawer from opening float to blind count and sign-off."""

    __tablename__ = "cash_shift"
    __table_args__ = (
        CheckConstraint("opening_float >= 0", name="float_not_negative"),
        CheckConstraint(
            "(closed_at IS NULL AND counted IS NULL AND expected IS NULL AND variance IS NULL)"
            " OR (closed_at IS NOT NULL AND counted IS NOT NULL AND expected IS NOT NULL"
            " AND variance = counted - expected)",
            name="close_complete",
        ),
        CheckConstraint(
            "signed_off_at IS NULL OR (closed_at IS NOT NULL AND signed_off_by IS NOT NULL)",
            name="sign_off_after_close",
        ),
        Index(
            "uq_cash_shift_one_open_per_clerk",
            "clerk",
            unique=True,
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    clerk: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    opening_float: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    count_detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    counted: Mapped[Decimal | None] = mapped_column(MONEY)
    expected: Mapped[Decimal | None] = mapped_column(MONEY)
    variance: Mapped[Decimal | None] = mapped_column(MONEY)
    signed_off_by: Mapped[str | None] = mapped_column(Text)
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sign_off_note: Mapped[str | None] = mapped_column(Text)


class Permit(Tracked, Base):
    """A right to park in one lot for an interval, for one or more vehicles."""

    __tablename__ = "permit"
    __table_args__ = (
        CheckConstraint(one_of("kind", PERMIT_KINDS), name="kind_known"),
        CheckConstraint(
            "(kind = 'term') = (permit_type_id IS NOT NULL AND parker_id IS NOT NULL)",
            name="term_has_type_and_parker",
        ),
        CheckConstraint("NOT isempty(issued_validity)", name="validity_not_empty"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint(
            "price > 0 OR kind = 'term' OR length(btrim(free_reason)) >= 3",
            name="free_needs_reason",
        ),
        CheckConstraint(
            "(cancelled_at IS NULL) = (cancel_reason IS NULL)", name="cancel_has_reason"
        ),
        Index("ix_permit_lot_validity", "lot_id", "validity", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    number: Mapped[str] = mapped_column(
        Text, Computed("'P-' || lpad(id::text, 7, '0')", persisted=True), nullable=False
    )
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    permit_type_id: Mapped[int | None] = mapped_column(ForeignKey("permit_type.id"))
    parker_id: Mapped[int | None] = mapped_column(ForeignKey("parker.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), nullable=False)
    issued_validity: Mapped[Range[datetime]] = mapped_column(TSTZRANGE, nullable=False)
    validity: Mapped[Range[datetime]] = mapped_column(TSTZRANGE, nullable=False)
    price: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    free_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    renewed_from_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class PermitVehicle(Tracked, Base):
    """A vehicle on a permit for part or all of its validity (transfers end one, start one).

    The exclusion constraint makes overlapping permits for a vehicle in one lot
    impossible, whatever the client (SPEC rule 3).
    """

    __tablename__ = "permit_vehicle"
    __table_args__ = (
        ExcludeConstraint(
            ("vehicle_id", "="),
            ("lot_id", "="),
            ("validity", "&&"),
            name="ex_permit_vehicle_no_overlap",
            using="gist",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), nullable=False, index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), nullable=False, index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), nullable=False)
    validity: Mapped[Range[datetime]] = mapped_column(TSTZRANGE, nullable=False)


class WaitlistEntry(Tracked, Base):
    """A parker waiting for a permit type in a lot; the rank is computed, never stored."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (
        CheckConstraint(one_of("status", WAITLIST_STATUSES), name="status_known"),
        CheckConstraint(
            "status <> 'offered' OR offer_expires_at IS NOT NULL", name="offer_has_expiry"
        ),
        Index(
            "uq_waitlist_entry_one_active",
            "permit_type_id",
            "lot_id",
            "parker_id",
            unique=True,
            postgresql_where=text("status IN ('waiting', 'offered')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    permit_type_id: Mapped[int] = mapped_column(ForeignKey("permit_type.id"), nullable=False)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), nullable=False)
    parker_id: Mapped[int] = mapped_column(ForeignKey("parker.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="waiting")
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    offered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    offer_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id"))


class Payment(Base):
    """Money received or paid out at the counter. Append-only; one row per idempotency key."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint(one_of("tender", TENDERS), name="tender_known"),
        CheckConstraint("direction IN ('in', 'out')", name="direction_known"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("(tender = 'none') = (amount = 0)", name="none_only_for_nothing"),
        CheckConstraint(
            "tender <> 'cash' OR direction = 'out' OR (cash_tendered >= amount"
            " AND change_given = cash_tendered - amount)",
            name="cash_covers_amount",
        ),
        CheckConstraint("tender <> 'cash' OR shift_id IS NOT NULL", name="cash_needs_shift"),
        CheckConstraint("card_last4 ~ '^[0-9]{4}$'", name="card_last4_format"),
        CheckConstraint(
            "tender <> 'card' OR (card_last4 IS NOT NULL AND card_brand IS NOT NULL"
            " AND processor_ref IS NOT NULL)",
            name="card_complete",
        ),
        CheckConstraint("card_brand ~ '^[A-Za-z][A-Za-z &.-]{0,19}$'", name="card_brand_words"),
        # A processor reference is a token, never a card number: no run of 12+ digits,
        # even with spaces, dots or dashes between them.
        CheckConstraint(
            "length(processor_ref) <= 64"
            " AND regexp_replace(processor_ref, '[[:space:].-]', '', 'g') !~ '[0-9]{12}'",
            name="processor_ref_not_a_card",
        ),
        CheckConstraint("cheque_number ~ '^[0-9]{1,10}$'", name="cheque_number_format"),
        CheckConstraint(
            "tender <> 'cheque' OR cheque_number IS NOT NULL", name="cheque_has_number"
        ),
        CheckConstraint("account_kind IN ('payroll', 'student')", name="account_kind_known"),
        CheckConstraint(
            "account_ref ~ '^[A-Z0-9-]{3,20}$' AND replace(account_ref, '-', '') !~ '[0-9]{12}'",
            name="account_ref_format",
        ),
        CheckConstraint(
            "tender <> 'account' OR (account_kind IS NOT NULL AND account_ref IS NOT NULL)",
            name="account_complete",
        ),
        CheckConstraint("length(description) BETWEEN 1 AND 200", name="description_length"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    receipt_number: Mapped[str] = mapped_column(
        Text, Computed("'R-' || lpad(id::text, 7, '0')", persisted=True), nullable=False
    )
    idempotency_key: Mapped[uuid.UUID] = mapped_column(UUID, nullable=False, unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_by: Mapped[str] = mapped_column(Text, nullable=False)
    direction: Mapped[str] = mapped_column(Text, nullable=False)
    parker_id: Mapped[int | None] = mapped_column(ForeignKey("parker.id"), index=True)
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("cash_shift.id"), index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    tender: Mapped[str] = mapped_column(Text, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    cash_tendered: Mapped[Decimal | None] = mapped_column(MONEY)
    change_given: Mapped[Decimal | None] = mapped_column(MONEY)
    card_brand: Mapped[str | None] = mapped_column(Text)
    card_last4: Mapped[str | None] = mapped_column(Text)
    processor_ref: Mapped[str | None] = mapped_column(Text)
    cheque_number: Mapped[str | None] = mapped_column(Text)
    account_kind: Mapped[str | None] = mapped_column(Text)
    account_ref: Mapped[str | None] = mapped_column(Text)


class Refund(Tracked, Base):
    """Money owed back after a cancellation or an appeal's decision; above the threshold
    a manager approves it."""

    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint(one_of("status", REFUND_STATUSES), name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status <> 'paid' OR paid_payment_id IS NOT NULL", name="paid_has_payment"),
        CheckConstraint("num_nonnulls(permit_id, citation_id) = 1", name="one_purpose"),
        CheckConstraint("(citation_id IS NULL) = (appeal_id IS NULL)", name="citation_by_appeal"),
        card_free("requested_tender"),
        Index(
            "uq_refund_appeal_waiting",
            "appeal_id",
            unique=True,
            postgresql_where=text("status IN ('pending', 'approved')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    #: The cancelled permit it comes from, or the citation (and its appeal) whose
    #: decision owes it back.
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id"), index=True)
    citation_id: Mapped[int | None] = mapped_column(ForeignKey("citation.id"), index=True)
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeal.id"), index=True)
    parker_id: Mapped[int | None] = mapped_column(ForeignKey("parker.id"))
    original_payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    decided_by: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
    paid_payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    #: Why it waits for a manager: ``amount`` above the threshold, or ``tender`` when it is
    #: to be paid otherwise than the original payment came.
    approval_reason: Mapped[str | None] = mapped_column(Text)
    #: The other tender a manager is asked to approve (``approval_reason`` "tender").
    requested_tender: Mapped[str | None] = mapped_column(Text)


class LedgerEntry(Base):
    """One posting: positive means the parker owes more, negative that they owe less.

    Sales, renewals and fees are positive; payments received and refunds credited
    negative; a refund paid out positive. A parker's balance is the sum. Append-only.
    A citation's rows name the citation and no parker (a citation is paid by plate): its
    fine and late fees positive, its discount, payments and void negative.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint(one_of("kind", LEDGER_KINDS), name="kind_known"),
        CheckConstraint("amount <> 0 OR kind IN ('sale', 'temporary')", name="amount_not_zero"),
        CheckConstraint(
            "(kind IN ('sale', 'renewal', 'temporary', 'fee', 'payout', 'fine', 'late_fee')"
            " AND amount >= 0)"
            " OR (kind IN ('payment', 'refund', 'discount', 'void') AND amount < 0)"
            " OR kind = 'adjustment'",
            name="sign_matches_kind",
        ),
        CheckConstraint(
            "kind NOT IN ('fine', 'late_fee', 'discount', 'void') OR citation_id IS NOT NULL",
            name="citation_kinds_name_a_citation",
        ),
        CheckConstraint("citation_id IS NULL OR parker_id IS NULL", name="citation_not_a_parkers"),
        CheckConstraint("length(memo) BETWEEN 1 AND 200", name="memo_length"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    posted_by: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    parker_id: Mapped[int | None] = mapped_column(ForeignKey("parker.id"), index=True)
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refund.id"))
    memo: Mapped[str] = mapped_column(Text, nullable=False)
    #: A citation's row: its balance (``citation.balance``) is the sum of these.
    citation_id: Mapped[int | None] = mapped_column(ForeignKey("citation.id"), index=True)


class RequestKey(Base):
    """A money request's idempotency key with a fingerprint of what was asked.

    The same request sent again (double-click, retry) returns ``result``; a different
    request with the same key is refused. Written only by the permit desk functions.
    """

    __tablename__ = "request_key"

    key: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    operation: Mapped[str] = mapped_column(Text, nullable=False)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    result: Mapped[int | None] = mapped_column(BigInteger)
    login: Mapped[str] = mapped_column(Text, nullable=False)
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


__all__ = [
    "CashShift",
    "LedgerEntry",
    "OfficeSetting",
    "Payment",
    "Permit",
    "PermitType",
    "PermitTypeLot",
    "PermitVehicle",
    "Refund",
    "RequestKey",
    "WaitlistEntry",
]
