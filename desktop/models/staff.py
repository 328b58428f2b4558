"""Staff logins: one PostgreSQL LOGIN role per person, described by a row here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base

#: Group roles a staff login may belong to, by the short name the CLI and UI use.
STAFF_ROLES = ("clerk", "adjudicator", "dispatcher", "manager", "officer", "admin")


class StaffMember(Base):
    __tablename__ = "staff_member"
    __table_args__ = (
        CheckConstraint("login ~ '^[a-z][a-z0-9_]{1,39}$'", name="login_format"),
        CheckConstraint("length(full_name) <= 100", name="full_name_length"),
    )

    login: Mapped[str] = mapped_column(Text, primary_key=True)
    full_name: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=text("session_user")
    )
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
