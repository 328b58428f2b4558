"""Security incidents (SPEC "Security"): what happened, where and when, who and which
vehicles were involved and in what role, the dispatch log, tasks, and the photos and
documents kept with them in the evidence store.

Dispatchers and managers write incidents with column grants under row-level security: a
confidential incident is read and changed only by its reporter, its investigators and
managers. Triggers number an incident, stamp who reported it and who moved its status,
lock a closed one and keep the dispatch log append-only (``89_incidents.sql``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base, Tracked, card_free, one_of

INCIDENT_STATUSES = ("new", "in_progress", "resolved", "closed")
DISPATCH_KINDS = ("call_received", "unit_dispatched", "on_scene", "cleared", "note")


class IncidentCategory(Tracked, Base):
    """A manager's list of what incidents are: categories and their sub-categories."""

    __tablename__ = "incident_category"
    __table_args__ = (
        CheckConstraint("length(btrim(name)) BETWEEN 2 AND 80", name="name_length"),
        card_free("name"),
        # A name once among its siblings, however it is capitalised.
        Index(
            "uq_incident_category_name",
            text("coalesce(parent_id, 0)"),
            text("lower(name)"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    #: None: a category; else the category this sub-category belongs to.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("incident_category.id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


class IncidentRole(Tracked, Base):
    """A manager's list of the roles a person has in an incident (complainant, victim…)."""

    __tablename__ = "incident_role"
    __table_args__ = (
        CheckConstraint("length(btrim(name)) BETWEEN 2 AND 40", name="name_length"),
        card_free("name"),
        Index("uq_incident_role_name", text("lower(name)"), unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


class Incident(Tracked, Base):
    """An incident: numbered by year, categorised, placed, told, flagged, followed from
    new to closed."""

    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint("number ~ '^I[0-9]{4}-[0-9]{5,}$'", name="number_format"),
        CheckConstraint(one_of("status", INCIDENT_STATUSES), name="status_known"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority_range"),
        CheckConstraint("lot_id IS NOT NULL OR location IS NOT NULL", name="place_given"),
        CheckConstraint("length(btrim(location)) BETWEEN 2 AND 200", name="location_length"),
        CheckConstraint("length(narrative) <= 20000", name="narrative_length"),
        CheckConstraint(
            "length(btrim(police_service)) BETWEEN 2 AND 100", name="police_service_length"
        ),
        CheckConstraint("length(btrim(police_case)) BETWEEN 1 AND 40", name="police_case_length"),
        CheckConstraint(
            "latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180",
            name="coordinates_range",
        ),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_whole"),
        CheckConstraint("reported_at >= occurred_at - interval '1 day'", name="reported_after"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_whole"),
        CheckConstraint("cardinality(investigators) <= 20", name="investigators_few"),
        card_free("location"),
        card_free("narrative"),
        card_free("police_service"),
        card_free("police_case"),
        Index(
            "ix_incident_open", "status", "priority", postgresql_where=text("status <> 'closed'")
        ),
        Index("ix_incident_occurred", text("occurred_at DESC")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    number: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("incident_category.id"), nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="new")
    status_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status_by: Mapped[str] = mapped_column(Text, nullable=False)
    #: 1 urgent, 2 normal, 3 low.
    priority: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="2")
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    reported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id"))
    #: Where, in words, when it is not (only) a lot: "Bus shelter, Main St gate".
    location: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    narrative: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    weapon: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    injury: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    police_service: Mapped[str | None] = mapped_column(Text)
    police_case: Mapped[str | None] = mapped_column(Text)
    #: Read only by its reporter, its investigators and managers (row-level security).
    confidential: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    #: The dispatcher logins assigned to investigate it.
    investigators: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default="{}"
    )
    #: Who recorded it (``session_user``, set by the trigger).
    reported_by: Mapped[str] = mapped_column(Text, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(Text)


class IncidentPerson(Base):
    """A person in an incident, in a role: a parker on file, or someone recorded for this
    incident only."""

    __tablename__ = "incident_person"
    __table_args__ = (
        CheckConstraint("parker_id IS NOT NULL OR name IS NOT NULL", name="someone"),
        CheckConstraint("length(btrim(name)) BETWEEN 2 AND 200", name="name_length"),
        CheckConstraint("length(description) <= 1000", name="description_length"),
        CheckConstraint("length(contact) <= 200", name="contact_length"),
        card_free("name"),
        card_free("description"),
        card_free("contact"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), nullable=False, index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("incident_role.id"), nullable=False)
    parker_id: Mapped[int | None] = mapped_column(ForeignKey("parker.id"), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    contact: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    added_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    added_by: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("session_user"))


class IncidentVehicle(Base):
    """A vehicle in an incident, by plate (registered or not), with what was seen."""

    __tablename__ = "incident_vehicle"
    __table_args__ = (
        CheckConstraint("jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'", name="jurisdiction_format"),
        CheckConstraint("plate ~ '^[A-Z0-9]{1,10}$'", name="plate_format"),
        CheckConstraint("length(description) <= 500", name="description_length"),
        card_free("description"),
        Index("ix_incident_vehicle_plate", "jurisdiction", "plate"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), nullable=False, index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"))
    jurisdiction: Mapped[str] = mapped_column(Text, nullable=False)
    plate: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    added_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    added_by: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("session_user"))


class DispatchEntry(Base):
    """One line of an incident's dispatch log: appended with its time and login, never
    changed."""

    __tablename__ = "dispatch_entry"
    __table_args__ = (
        CheckConstraint(one_of("kind", DISPATCH_KINDS), name="kind_known"),
        CheckConstraint("length(note) <= 2000", name="note_length"),
        card_free("note"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    by: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("session_user"))
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, server_default="")


class IncidentTask(Base):
    """Work on an incident assigned to a dispatcher, due on a day, done once."""

    __tablename__ = "incident_task"
    __table_args__ = (
        CheckConstraint("length(btrim(description)) BETWEEN 3 AND 500", name="description_length"),
        CheckConstraint("(done_at IS NULL) = (done_by IS NULL)", name="done_whole"),
        card_free("description"),
        Index("ix_incident_task_open", "assigned_to", postgresql_where=text("done_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), nullable=False, index=True)
    assigned_to: Mapped[str] = mapped_column(Text, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    assigned_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    assigned_by: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=text("session_user")
    )
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[str | None] = mapped_column(Text)


class IncidentLink(Base):
    """A citation or a permit linked to an incident, by its number as it was then."""

    __tablename__ = "incident_link"
    __table_args__ = (
        CheckConstraint("num_nonnulls(citation_id, permit_id) = 1", name="one_record"),
        CheckConstraint("length(reference) BETWEEN 1 AND 40", name="reference_length"),
        CheckConstraint("length(note) <= 500", name="note_length"),
        card_free("note"),
        Index(
            "uq_incident_link_citation",
            "incident_id",
            "citation_id",
            unique=True,
            postgresql_where=text("citation_id IS NOT NULL"),
        ),
        Index(
            "uq_incident_link_permit",
            "incident_id",
            "permit_id",
            unique=True,
            postgresql_where=text("permit_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), nullable=False, index=True)
    citation_id: Mapped[int | None] = mapped_column(ForeignKey("citation.id"))
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id"))
    #: The citation's or permit's number: dispatch reads it here, not in the tables it names.
    reference: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    added_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    added_by: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("session_user"))


__all__ = [
    "DISPATCH_KINDS",
    "INCIDENT_STATUSES",
    "DispatchEntry",
    "Incident",
    "IncidentCategory",
    "IncidentLink",
    "IncidentPerson",
    "IncidentRole",
    "IncidentTask",
    "IncidentVehicle",
]
