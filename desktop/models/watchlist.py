"""The watchlist (hotlist, BOLO) and its alerts (SPEC "Security", rule 16).

Dispatchers and managers keep entries with column grants; triggers normalise the plate
pattern and refuse removal (an entry is retired by ``retire_watchlist_entry``). Alerts are
raised only by ``check_plate``, ``record_plate_read`` and ``issue_citation`` and
acknowledged only by ``acknowledge_alert`` (``desktop/models/sql/88_watchlist.sql``).
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
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base, Tracked, card_free


class WatchlistEntry(Tracked, Base):
    """A plate, exact or with ``*`` wildcards, to be alerted on while the entry is in
    force: why (confidential), what whoever meets the car should do, how urgent."""

    __tablename__ = "watchlist_entry"
    __table_args__ = (
        CheckConstraint(
            "plate_pattern ~ '^[A-Z0-9*]{2,12}$' "
            "AND length(replace(plate_pattern, '*', '')) >= 2 "
            "AND length(plate_pattern) - length(replace(plate_pattern, '*', '')) <= 2 "
            "AND strpos(plate_pattern, '**') = 0",
            name="pattern_format",
        ),
        CheckConstraint("jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'", name="jurisdiction_format"),
        CheckConstraint("length(btrim(category)) BETWEEN 1 AND 40", name="category_length"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority_range"),
        CheckConstraint("length(btrim(reason)) BETWEEN 3 AND 500", name="reason_length"),
        CheckConstraint("length(btrim(instruction)) BETWEEN 3 AND 300", name="instruction_length"),
        CheckConstraint("expires_at IS NULL OR expires_at > starts_at", name="expires_after_start"),
        CheckConstraint(
            "(retired_at IS NULL) = (retired_by IS NULL) "
            "AND (retired_at IS NULL) = (retire_reason IS NULL)",
            name="retired_whole",
        ),
        CheckConstraint(
            "length(btrim(retire_reason)) BETWEEN 3 AND 300", name="retire_reason_length"
        ),
        card_free("category"),
        card_free("reason"),
        card_free("instruction"),
        card_free("retire_reason"),
        Index(
            "ix_watchlist_entry_exact",
            "plate_pattern",
            postgresql_where=text("NOT partial AND retired_at IS NULL"),
        ),
        Index(
            "ix_watchlist_entry_wildcards",
            "id",
            postgresql_where=text("partial AND retired_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    #: None: any jurisdiction.
    jurisdiction: Mapped[str | None] = mapped_column(Text)
    #: Normalised like a plate; ``*`` stands for one or more characters.
    plate_pattern: Mapped[str] = mapped_column(Text, nullable=False)
    #: A partial plate: the pattern has a *.
    partial: Mapped[bool] = mapped_column(
        Computed("strpos(plate_pattern, '*') > 0", persisted=True), nullable=False
    )
    #: The pattern as SQL ``LIKE`` takes it.
    plate_like: Mapped[str] = mapped_column(
        Text, Computed("replace(plate_pattern, '*', '_%')", persisted=True), nullable=False
    )
    category: Mapped[str] = mapped_column(Text, nullable=False, server_default="BOLO")
    #: 1 urgent, 2 normal, 3 low.
    priority: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="2")
    #: Confidential: dispatchers and managers read it; the verdict never says it.
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    #: What the officer's verdict says to do ("Do not approach; call dispatch").
    instruction: Mapped[str] = mapped_column(Text, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_by: Mapped[str | None] = mapped_column(Text)
    retire_reason: Mapped[str | None] = mapped_column(Text)
    #: The trespass notice that made it (and ends it).
    trespass_notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("trespass_notice.id"), index=True
    )
    #: The incident it was put on the list for (read through watchlist_entry_incidents).
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)


class TrespassNotice(Base):
    """A notice barring a person from a place until it ends; while in force, the person's
    vehicles are on the watchlist (``issue_trespass_notice``)."""

    __tablename__ = "trespass_notice"
    __table_args__ = (
        CheckConstraint("number ~ '^T[0-9]{4}-[0-9]{5,}$'", name="number_format"),
        CheckConstraint("length(btrim(person_name)) BETWEEN 2 AND 200", name="person_name_length"),
        CheckConstraint("length(person_description) <= 500", name="person_description_length"),
        CheckConstraint("length(btrim(place)) BETWEEN 2 AND 200", name="place_length"),
        CheckConstraint("length(btrim(reason)) BETWEEN 3 AND 500", name="reason_length"),
        CheckConstraint("expires_at > issued_at", name="expires_after_issue"),
        CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by IS NULL) "
            "AND (revoked_at IS NULL) = (revoke_reason IS NULL)",
            name="revoked_whole",
        ),
        CheckConstraint(
            "length(btrim(revoke_reason)) BETWEEN 3 AND 300", name="revoke_reason_length"
        ),
        card_free("person_name"),
        card_free("person_description"),
        card_free("place"),
        card_free("reason"),
        card_free("revoke_reason"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    number: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    parker_id: Mapped[int | None] = mapped_column(ForeignKey("parker.id"), index=True)
    person_name: Mapped[str] = mapped_column(Text, nullable=False)
    person_description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    place: Mapped[str] = mapped_column(Text, nullable=False)
    #: Dispatch's own: the notice printed says it; the officer's verdict does not.
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    issued_by: Mapped[str] = mapped_column(Text, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(Text)
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class WatchlistAlert(Base):
    """A watchlisted plate met by a device read, a check or a citation; repeats merge
    into it (``hits``) until a dispatcher acknowledges it, and for the office's merge
    window after."""

    __tablename__ = "watchlist_alert"
    __table_args__ = (
        CheckConstraint("source IN ('read', 'check', 'citation')", name="source_known"),
        CheckConstraint("hits >= 1", name="hits_positive"),
        CheckConstraint(
            "(acknowledged_at IS NULL) = (acknowledged_by IS NULL)", name="acknowledged_whole"
        ),
        CheckConstraint("length(acknowledge_note) <= 300", name="acknowledge_note_length"),
        card_free("acknowledge_note"),
        Index(
            "uq_watchlist_alert_waiting",
            "entry_id",
            "plate",
            unique=True,
            postgresql_where=text("acknowledged_at IS NULL"),
        ),
        Index("ix_watchlist_alert_recent", text("last_at DESC")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("watchlist_entry.id"), nullable=False, index=True
    )
    jurisdiction: Mapped[str] = mapped_column(Text, nullable=False)
    plate: Mapped[str] = mapped_column(Text, nullable=False)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    hits: Mapped[int] = mapped_column(nullable=False, server_default="1")
    #: The latest hit: a read, a check or a citation, when (the device's time), where, by
    #: which device and login.
    source: Mapped[str] = mapped_column(Text, nullable=False)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    lot_id: Mapped[int | None] = mapped_column(BigInteger)
    device_id: Mapped[int | None] = mapped_column(BigInteger)
    seen_by: Mapped[str] = mapped_column(Text, nullable=False)
    read_id: Mapped[int | None] = mapped_column(BigInteger)
    citation_id: Mapped[int | None] = mapped_column(ForeignKey("citation.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(Text)
    acknowledge_note: Mapped[str | None] = mapped_column(Text)


__all__ = ["TrespassNotice", "WatchlistAlert", "WatchlistEntry"]
