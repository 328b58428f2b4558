"""Administration: migrations, staff logins and audit verification.

Used by the ``parkdesk`` command line with an administrator URL, and by the
admin desk through the ``SECURITY DEFINER`` functions of ``desktop/models/sql/``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text

from desktop.models import definitions
from desktop.models.base import SCHEMA
from desktop.models.staff import STAFF_ROLES
from desktop.services.database import translate_errors
from desktop.services.errors import KnownError, SchemaMismatch, ValidationError
from desktop.services.passwords import scram_sha256_verifier

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "models" / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise SchemaMismatch("This ParkDesk has no database migrations.")
    return head


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Migrate the database to ``revision`` as the administrator; returns the new revision.

    Only forward: a revision behind the database's (or ``base``, ``-1``) is refused rather
    than quietly left alone, because ParkDesk's migrations have no downgrades.
    """
    with translate_errors():
        current = current_revision(engine)
    if current is not None and current not in known_revisions():
        # Written by a newer ParkDesk: this one cannot migrate it, only tell the person.
        raise SchemaMismatch(schema_problem(current) or f"Unknown schema revision {current}.")
    target = upgrade_target(revision, current)
    try:
        with translate_errors(), engine.begin() as conn:
            command.upgrade(alembic_config(conn), target)
            if target == head_revision():
                # Functions, triggers, views, policies and grants: the files' current
                # definitions, in the same transaction as the tables they need.
                definitions.apply(conn)
    except CommandError as exc:
        raise KnownError(f"Cannot upgrade to revision '{target}': {exc}.") from exc
    with translate_errors():
        reached = current_revision(engine) or ""
    if reached != target:  # pragma: no cover - alembic did something else than asked
        raise KnownError(f"The upgrade stopped at revision {reached}, not {target}.")
    return reached


def upgrade_target(revision: str, current: str | None) -> str:
    """The exact revision an upgrade to ``revision`` reaches from ``current``, or a refusal."""
    script = ScriptDirectory.from_config(alembic_config())
    head = head_revision()
    target = head if revision.strip() in {"head", "heads", ""} else revision.strip()
    known = [rev.revision for rev in script.walk_revisions()][::-1]  # oldest first
    if target not in known:
        if target == "base" or target.startswith("-"):
            raise KnownError(
                f"Cannot go back to revision '{revision}': ParkDesk only upgrades a database "
                "(downgrades are not supported)."
            )
        raise KnownError(
            f"Unknown revision '{revision}': ParkDesk knows {', '.join(known)} "
            f"(the newest is {head}). Leave out --revision to upgrade to the newest schema."
        )
    if current is not None and current != target:
        behind = {rev.revision for rev in script.iterate_revisions(current, "base")}
        if target in behind:
            raise KnownError(
                f"The database is at revision {current}, past {target}: ParkDesk only "
                "upgrades a database (downgrades are not supported)."
            )
    return target


def check_models(engine: Engine) -> None:
    """Raise if the models and the migrated database disagree (``alembic check``)."""
    with engine.begin() as conn:
        command.check(alembic_config(conn))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table_schema": SCHEMA})
        return context.get_current_revision()


def schema_problem(revision: str | None) -> str | None:
    """A message when the database schema does not match this program, else None."""
    head = head_revision()
    if revision is None:
        return "The database has no ParkDesk schema yet. Ask your administrator to run the upgrade."
    if revision == head:
        return None
    if revision not in known_revisions():
        return (
            f"The database schema ({revision}) is newer than this ParkDesk "
            f"(which knows up to {head}). Install the current version of ParkDesk."
        )
    return (
        f"The database schema ({revision}) is older than this ParkDesk ({head}). "
        "Ask your administrator to run 'parkdesk db upgrade'."
    )


# -- staff logins ----------------------------------------------------------


@dataclass(frozen=True)
class StaffLogin:
    login: str
    full_name: str
    roles: tuple[str, ...]
    can_login: bool
    created_at: datetime
    disabled_at: datetime | None


def validate_login(login: str) -> str:
    login = login.strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", login):
        raise ValidationError.single(
            "login",
            "A login is 2 to 40 characters: lower-case letters, digits and _, "
            "starting with a letter.",
        )
    if login.startswith(("pg_", "parkdesk_")) or login == "postgres":
        raise ValidationError.single("login", f"'{login}' is reserved; choose another login.")
    return login


def validate_roles(roles: list[str]) -> list[str]:
    cleaned = []
    for given in roles:
        role = given.strip().lower().removeprefix("parkdesk_")
        if role not in STAFF_ROLES:
            raise ValidationError.single(
                "role", f"Unknown role '{role}'. Choose from: {', '.join(STAFF_ROLES)}."
            )
        if role not in cleaned:
            cleaned.append(role)
    if not cleaned:
        raise ValidationError.single("role", "Give the login at least one role.")
    return cleaned


def validate_password(password: str) -> str:
    if len(password) < 8:
        raise ValidationError.single("password", "A password has at least 8 characters.")
    if len(password) > 200:
        raise ValidationError.single("password", "A password has at most 200 characters.")
    return password


def validate_full_name(full_name: str) -> str:
    full_name = " ".join(full_name.split())
    if len(full_name) > 100:
        raise ValidationError.single("full_name", "A full name is at most 100 characters.")
    return full_name


#: The password travels as a SCRAM verifier computed here (:mod:`desktop.services.passwords`):
#: never in clear, so no statement log or ``pg_stat_statements`` on the server can hold it.
CREATE_STAFF_LOGIN = text(
    "SELECT parkdesk.create_staff_login(:login, :full_name, :roles, :verifier)"
)


def create_staff_login_params(
    login: str, full_name: str, roles: list[str], password: str
) -> dict[str, object]:
    """The parameters of :data:`CREATE_STAFF_LOGIN` for checked values."""
    return {
        "login": login,
        "full_name": full_name,
        "roles": roles,
        "verifier": scram_sha256_verifier(password),
    }


def add_login(
    conn: Connection, login: str, roles: list[str], password: str, full_name: str = ""
) -> None:
    """Create a staff login through ``parkdesk.create_staff_login`` (as admin or superuser)."""
    login = validate_login(login)
    roles = validate_roles(roles)
    password = validate_password(password)
    full_name = validate_full_name(full_name)
    with translate_errors():
        conn.execute(
            CREATE_STAFF_LOGIN, create_staff_login_params(login, full_name, roles, password)
        )


def disable_login(conn: Connection, login: str) -> None:
    with translate_errors():
        conn.execute(text("SELECT parkdesk.disable_staff_login(:login)"), {"login": login})


def list_logins(conn: Connection) -> list[StaffLogin]:
    with translate_errors():
        rows = conn.execute(
            text(
                "SELECT login, full_name, roles, can_login, created_at, disabled_at "
                "FROM parkdesk.staff_logins() ORDER BY login"
            )
        ).all()
    return [
        StaffLogin(r.login, r.full_name, tuple(r.roles), r.can_login, r.created_at, r.disabled_at)
        for r in rows
    ]


# -- audit -------------------------------------------------------------------


@dataclass(frozen=True)
class AuditVerdict:
    """The audit trail's hash chain, and each device's chain of plate reads."""

    ok: bool
    rows_checked: int
    broken_id: int | None = None
    reason: str = ""
    #: (device, read id, what is wrong) for each device whose read chain is broken.
    broken_reads: tuple[tuple[str, int, str], ...] = ()

    def describe(self) -> str:
        if self.broken_id is None:
            lines = [f"OK: {self.rows_checked} audit rows, hash chain intact"]
        else:
            lines = [f"BROKEN at audit row {self.broken_id}: {self.reason}"]
        lines += [
            f"BROKEN plate reads of device {device} at read {read_id}: {why}"
            for device, read_id, why in self.broken_reads
        ]
        if not self.broken_reads:
            lines[0] += "; plate reads of every device chained intact"
        return "\n".join(lines)


def verify_audit(conn: Connection) -> AuditVerdict:
    with translate_errors():
        row = conn.execute(
            text("SELECT rows_checked, broken_id, reason FROM parkdesk.verify_audit_chain()")
        ).one()
        reads = conn.execute(
            text("SELECT device, read_id, reason FROM parkdesk.verify_read_chains()")
        ).all()
    broken_reads = tuple((str(r.device), int(r.read_id), str(r.reason)) for r in reads)
    return AuditVerdict(
        ok=row.broken_id is None and not broken_reads,
        rows_checked=row.rows_checked,
        broken_id=row.broken_id,
        reason=row.reason or "",
        broken_reads=broken_reads,
    )


def require_schema_ready(engine: Engine) -> None:
    problem = schema_problem(current_revision(engine))
    if problem:
        raise KnownError(problem)
