"""Appeals of citations (SPEC rule 8): the appeal, its steps and the managers' list of
reasons for decisions.

An appeal is filed by a clerk for a parker (or, later, by a self-service portal) and
decided by an adjudicator; a manager keeps the reasons, accepts a late appeal and
reopens a decided one. Rows are written only by the functions of
``desktop/models/sql/87_appeals.sql``; the steps are a history, never changed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base, Tracked, card_free, one_of
from desktop.models.permits import MONEY

#: How an appeal reached the office.
APPEAL_CHANNELS = ("in_person", "phone", "mail", "online")
APPEAL_LEVELS = ("review", "hearing")
APPEAL_STATUSES = ("open", "decided", "withdrawn")
DECISIONS = ("uphold", "reduce", "dismiss")
APPEAL_STEPS = (
    "filed",
    "late_accepted",
    "claimed",
    "released",
    "hearing_set",
    "decided",
    "withdrawn",
    "reopened",
    "document_added",
)


class AppealReason(Tracked, Base):
    """A reason an adjudicator may give for a decision ("Valid permit displayed")."""

    __tablename__ = "appeal_reason"
    __table_args__ = (
        CheckConstraint(one_of("decision", DECISIONS), name="decision_known"),
        CheckConstraint("length(btrim(text)) BETWEEN 3 AND 200", name="text_length"),
        card_free("text"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    decision: Mapped[str] = mapped_column(Text, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    active: Mapped[bool] = mapped_column(nullable=False, server_default="true")


class Appeal(Tracked, Base):
    """One appeal of one citation; at most one open at a time per citation."""

    __tablename__ = "appeal"
    __table_args__ = (
        CheckConstraint("number ~ '^A[0-9]{4}-[0-9]{5,}$'", name="number_format"),
        CheckConstraint(one_of("channel", APPEAL_CHANNELS), name="channel_known"),
        CheckConstraint(one_of("level", APPEAL_LEVELS), name="level_known"),
        CheckConstraint(one_of("status", APPEAL_STATUSES), name="status_known"),
        CheckConstraint("length(btrim(appellant)) BETWEEN 2 AND 200", name="appellant_length"),
        card_free("appellant"),
        CheckConstraint("length(contact) <= 200", name="contact_length"),
        card_free("contact"),
        CheckConstraint("length(btrim(statement)) BETWEEN 3 AND 4000", name="statement_length"),
        card_free("statement"),
        CheckConstraint("length(btrim(late_reason)) BETWEEN 3 AND 300", name="late_reason_length"),
        card_free("late_reason"),
        CheckConstraint("(late_reason IS NULL) = (late_accepted_by IS NULL)", name="late_whole"),
        CheckConstraint(
            "length(btrim(hearing_place)) BETWEEN 2 AND 200", name="hearing_place_length"
        ),
        card_free("hearing_place"),
        CheckConstraint(
            "(level = 'hearing') = (hearing_at IS NOT NULL AND hearing_place IS NOT NULL)",
            name="hearing_whole",
        ),
        CheckConstraint(one_of("decision", DECISIONS), name="decision_known"),
        CheckConstraint(
            "(status = 'decided') = (decision IS NOT NULL AND decided_at IS NOT NULL"
            " AND decided_by IS NOT NULL AND reason_id IS NOT NULL)",
            name="decision_whole",
        ),
        CheckConstraint("length(decision_note) <= 2000", name="decision_note_length"),
        card_free("decision_note"),
        CheckConstraint(
            "(decision = 'reduce') = (reduced_to IS NOT NULL)", name="reduced_to_with_reduce"
        ),
        CheckConstraint("reduced_to > 0", name="reduced_to_positive"),
        CheckConstraint("taken_off >= 0 AND refund_due >= 0", name="money_not_negative"),
        CheckConstraint("paused_days >= 0", name="paused_days_not_negative"),
        Index(
            "uq_appeal_one_open",
            "citation_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_appeal_queue", "status", "level", "filed_at"),
        # "Take next": the waiting appeals in the order they are handed out.
        Index(
            "ix_appeal_waiting",
            text("coalesce(hearing_at, filed_at)"),
            "id",
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    #: "A2026-00017": the year filed and a sequence.
    number: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    citation_id: Mapped[int] = mapped_column(ForeignKey("citation.id"), nullable=False, index=True)
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: The login that filed it (the clerk, for a parker at the counter).
    filed_by: Mapped[str] = mapped_column(Text, nullable=False)
    channel: Mapped[str] = mapped_column(Text, nullable=False)
    #: Who appeals, and how to reach them for the decision letter.
    appellant: Mapped[str] = mapped_column(Text, nullable=False)
    contact: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    statement: Mapped[str] = mapped_column(Text, nullable=False)
    #: A late appeal, accepted by a manager with a reason.
    late_reason: Mapped[str | None] = mapped_column(Text)
    late_accepted_by: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str] = mapped_column(Text, nullable=False, server_default="review")
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="open")
    hearing_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hearing_place: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(Text)
    reason_id: Mapped[int | None] = mapped_column(ForeignKey("appeal_reason.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    #: For a reduction: what the citation's charges were reduced to.
    reduced_to: Mapped[Decimal | None] = mapped_column(MONEY)
    #: What the decision took off the balance (posted as an adjustment), and what had
    #: already been paid beyond the decided amount (owed back to the parker).
    taken_off: Mapped[Decimal] = mapped_column(MONEY, nullable=False, server_default="0")
    refund_due: Mapped[Decimal] = mapped_column(MONEY, nullable=False, server_default="0")
    #: Days under appeal, which the citation's escalation does not count.
    paused_days: Mapped[int] = mapped_column(nullable=False, server_default="0")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(Text)


class AppealStep(Base):
    """What happened to an appeal, and when: filed, claimed, released, hearing set,
    decided, withdrawn, reopened. Insert-only; the case timeline shows them."""

    __tablename__ = "appeal_step"
    __table_args__ = (
        CheckConstraint(one_of("step", APPEAL_STEPS), name="step_known"),
        CheckConstraint("length(note) <= 2000", name="note_length"),
        card_free("note"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: The login that took the step (``session_user``).
    by: Mapped[str] = mapped_column(Text, nullable=False)
    step: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, server_default="")


class AppealClaim(Base):
    """The appeal an adjudicator has in hand, until the lease runs out ("take next"): one
    row per adjudicator, one adjudicator per appeal. A lease, not a record: written only by
    the queue's functions (``hold_claim``), never audited, and a claim taken or renewed
    touches nothing of the appeal itself."""

    __tablename__ = "appeal_claim"

    claimed_by: Mapped[str] = mapped_column(Text, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id"), nullable=False, unique=True)
    claimed_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
