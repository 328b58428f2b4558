"""The logged-in person's connection to the database, and what their roles allow.

A :class:`Workspace` is opened once per login: it connects with the person's own
PostgreSQL login, refuses a schema this program does not know, and reads the
group roles that decide which desks the window shows.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from desktop.services import admin
from desktop.services.database import (
    ConnectionSettings,
    session_factory,
    staff_engine,
    translate_errors,
)
from desktop.services.errors import ConnectionProblem, SchemaMismatch
from desktop.services.localization import format_when

log = logging.getLogger(__name__)

_OFFICE_ZONE = text("SELECT time_zone FROM parkdesk.office_setting WHERE id = 1")

#: Desks by key, with the roles that see them and whether the role may edit there.
DESKS: dict[str, dict[str, str]] = {
    "parkers": {
        "clerk": "edit",
        "adjudicator": "read",
        "dispatcher": "read",
        "manager": "read",
    },
    "permits": {"clerk": "edit", "manager": "read"},
    "citations": {"clerk": "edit", "adjudicator": "edit", "manager": "edit"},
    "appeals": {"adjudicator": "edit", "clerk": "edit", "manager": "edit"},
    "cash_drawer": {"clerk": "edit", "manager": "edit"},
    "plate_check": {
        "clerk": "edit",
        "adjudicator": "edit",
        "dispatcher": "edit",
        "manager": "edit",
        "officer": "edit",
        "admin": "edit",
    },
    "permit_setup": {"manager": "edit", "clerk": "read"},
    "enforcement_setup": {"manager": "edit", "adjudicator": "read", "clerk": "read"},
    "security": {"dispatcher": "edit", "manager": "edit"},
    "staff": {"admin": "edit", "manager": "read"},
}

ROLE_TITLES = {
    "clerk": "Clerk",
    "adjudicator": "Adjudicator",
    "dispatcher": "Dispatcher",
    "manager": "Manager",
    "officer": "Officer (field device)",
    "admin": "Administrator",
}


@dataclass(frozen=True)
class Identity:
    login: str
    full_name: str
    roles: frozenset[str]
    server: str
    database: str
    server_version: str
    #: The server's administrator logins: rows they wrote were imported or set up, not
    #: entered by a person at a desk.
    administrators: frozenset[str] = frozenset()
    #: The office's time zone: the clock every time on screen is read on (a computer set
    #: to another zone shows the office's times). Read at login, and again whenever a
    #: manager changes it (:meth:`Workspace.reread_office_zone`).
    office_zone: str | None = None

    def when(self, moment: datetime) -> str:
        """ "14:05 on 6 Dec 2026" on the office's clock."""
        return format_when(moment, self.office_zone)

    def changed_words(self, verb: str, login: str, moment: datetime) -> str:
        """ "Created by alice at 14:05 on 6 Dec 2026", or "Imported at …" when the row was
        written by the set-up (the demo data, an import) rather than by staff."""
        when = self.when(moment)
        if login in self.administrators:
            return f"{'Imported' if verb == 'Created' else verb + ' at import,'} {when}"
        return f"{verb} by {login} at {when}"

    def login_words(self, login: str) -> str:
        """Who wrote a row, for a column of logins: the login, or "Imported" when the
        set-up wrote it (the demo data, an import) rather than staff."""
        return "Imported" if login in self.administrators else login

    def can_see(self, desk: str) -> bool:
        return any(role in self.roles for role in DESKS.get(desk, {}))

    def can_edit(self, desk: str) -> bool:
        return any(DESKS.get(desk, {}).get(role) == "edit" for role in self.roles)

    def desks(self) -> list[str]:
        return [desk for desk in DESKS if self.can_see(desk)]

    def role_titles(self) -> str:
        return ", ".join(ROLE_TITLES[r] for r in ROLE_TITLES if r in self.roles) or "no role"


class Workspace:
    """One person's authenticated connection pool plus their identity.

    Reads share the pool. Each unit of work (``transaction``) runs on a connection of its
    own, closed when it ends: the server announces a committed change from the writing
    process, and LISTEN hands every listener that process's id. On a connection kept
    across units of work, a change whose author a desk may see (a parker registered)
    would name the author of the next (a payment whose taker is kept from the other
    clerks) — docs/SECURITY.md, threat 30.
    """

    def __init__(self, settings: ConnectionSettings, engine: Engine, identity: Identity) -> None:
        self.settings = settings
        self.engine = engine
        self.identity = identity
        self._sessions: sessionmaker[Session] = session_factory(engine)
        #: Where each unit of work gets a connection of its own (see the class's note).
        self.write_engine = staff_engine(settings, fresh=True)
        self._writes: sessionmaker[Session] = session_factory(self.write_engine)

    @classmethod
    def open(cls, settings: ConnectionSettings) -> Workspace:
        """Connect and check the schema; raises :class:`ConnectionProblem` or
        :class:`SchemaMismatch` with a message for the person at the keyboard."""
        engine = staff_engine(settings)
        try:
            with translate_errors(), engine.connect() as conn:
                revision = conn.execute(
                    text("SELECT version_num FROM parkdesk.alembic_version")
                ).scalar()
                roles = conn.execute(
                    text(
                        "SELECT substr(g.rolname, 10) FROM pg_roles g "
                        "WHERE g.rolname LIKE 'parkdesk\\_%' AND g.rolname <> 'parkdesk_owner' "
                        "AND pg_has_role(current_user, g.oid, 'USAGE')"
                    )
                ).scalars()
                role_set = frozenset(str(r) for r in roles)
                full_name = conn.execute(
                    text("SELECT full_name FROM parkdesk.staff_member WHERE login = current_user")
                ).scalar()
                version = conn.execute(text("SHOW server_version")).scalar()
                administrators = conn.execute(
                    text("SELECT rolname FROM pg_roles WHERE rolsuper")
                ).scalars()
                admin_set = frozenset(str(a) for a in administrators)
                office_zone = conn.execute(_OFFICE_ZONE).scalar()
        except Exception:
            engine.dispose()
            raise
        problem = admin.schema_problem(revision)
        if problem:
            engine.dispose()
            raise SchemaMismatch(problem)
        if not role_set:
            engine.dispose()
            raise ConnectionProblem(
                f"The login {settings.login} has no ParkDesk role. Ask your administrator.",
                "login",
            )
        identity = Identity(
            login=settings.login,
            full_name=str(full_name or ""),
            roles=role_set,
            server=f"{settings.host}:{settings.port}",
            database=settings.database,
            server_version=str(version),
            administrators=admin_set,
            office_zone=str(office_zone) if office_zone else None,
        )
        log.info("logged in as %s with roles %s", settings.login, sorted(role_set))
        return cls(settings, engine, identity)

    def reread_office_zone(self) -> str | None:
        """The office's time zone as it is now, which ``identity`` then carries: a manager
        may change it while desks are open, and every time shown after is on the new
        clock (the live changes call this when ``office_setting`` changes)."""
        with self.read() as session:
            zone = session.execute(_OFFICE_ZONE).scalar()
        office_zone = str(zone) if zone else None
        if office_zone != self.identity.office_zone:
            log.info("the office's time zone is now %s", office_zone)
            self.identity = replace(self.identity, office_zone=office_zone)
        return office_zone

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back whole on any failure."""
        with translate_errors(), self._writes() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with translate_errors(), self._sessions() as session:
            yield session
            session.rollback()

    def close(self) -> None:
        self.engine.dispose()
        self.write_engine.dispose()
