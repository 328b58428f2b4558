"""Alembic owns the schema: models and migrations agree, upgrades are idempotent, and a
client refuses a database whose schema it does not know."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest

from desktop.services import admin
from desktop.services.database import admin_engine
from desktop.services.errors import KnownError, SchemaMismatch
from desktop.services.workspace import Workspace
from tests.conftest import Database


def _fingerprint(url: str) -> dict[str, object]:
    """Everything a migration could change, in comparable form."""
    with psycopg.connect(url) as conn:
        queries = {
            "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'parkdesk' ORDER BY 1, 2",
            "acl": "SELECT relname, relacl::text FROM pg_class "
            "WHERE relnamespace = 'parkdesk'::regnamespace ORDER BY 1",
            "functions": "SELECT proname, md5(prosrc), proacl::text FROM pg_proc "
            "WHERE pronamespace = 'parkdesk'::regnamespace ORDER BY 1",
            "triggers": "SELECT tgname, tgrelid::regclass::text FROM pg_trigger "
            "WHERE NOT tgisinternal ORDER BY 1",
            "policies": "SELECT policyname, qual FROM pg_policies ORDER BY 1",
            "roles": "SELECT r.rolname, m.roleid::regrole::text FROM pg_roles r "
            "LEFT JOIN pg_auth_members m ON m.member = r.oid "
            "WHERE r.rolname LIKE 'parkdesk%' ORDER BY 1, 2",
            "audit rows": "SELECT count(*), max(id) FROM parkdesk.audit_log",
            "revision": "SELECT version_num FROM parkdesk.alembic_version",
        }
        return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}


def test_models_and_migrations_agree(database: Database) -> None:
    engine = admin_engine(database.admin_url)
    try:
        admin.check_models(engine)  # raises when alembic check finds a difference
    finally:
        engine.dispose()


def test_upgrading_an_up_to_date_database_changes_nothing(database: Database) -> None:
    before = _fingerprint(database.admin_url)
    engine = admin_engine(database.admin_url)
    try:
        assert admin.upgrade(engine) == admin.head_revision()
        assert admin.upgrade(engine) == admin.head_revision()
    finally:
        engine.dispose()
    assert _fingerprint(database.admin_url) == before


def test_the_shared_database_is_at_the_newest_revision(database: Database) -> None:
    engine = admin_engine(database.admin_url)
    try:
        assert admin.current_revision(engine) == admin.head_revision()
    finally:
        engine.dispose()


@pytest.fixture
def revision_set_to(scratch: Database) -> Iterator[Callable[[str | None], None]]:
    """Pretend another program version migrated the private server; put it back after."""

    def _set(revision: str | None) -> None:
        with psycopg.connect(scratch.admin_url) as su:
            su.execute("DELETE FROM parkdesk.alembic_version")
            if revision is not None:
                su.execute("INSERT INTO parkdesk.alembic_version VALUES (%s)", (revision,))

    yield _set
    _set(admin.head_revision())


def test_a_newer_schema_is_refused_with_a_clear_message(
    scratch: Database, revision_set_to: Callable[[str | None], None]
) -> None:
    revision_set_to("9999_from_the_future")
    with pytest.raises(SchemaMismatch) as caught:
        Workspace.open(scratch.settings("alice"))
    assert "is newer than this ParkDesk" in caught.value.message
    assert "9999_from_the_future" in caught.value.message


def test_upgrade_does_not_touch_a_newer_schema(
    scratch: Database, revision_set_to: Callable[[str | None], None]
) -> None:
    revision_set_to("9999_from_the_future")
    engine = admin_engine(scratch.admin_url)
    try:
        with pytest.raises(SchemaMismatch, match="newer than this ParkDesk"):
            admin.upgrade(engine)
    finally:
        engine.dispose()


def test_a_database_without_the_schema_is_refused(
    scratch: Database, revision_set_to: Callable[[str | None], None]
) -> None:
    revision_set_to(None)
    with pytest.raises(SchemaMismatch, match="no ParkDesk schema yet"):
        Workspace.open(scratch.settings("alice"))


def test_an_unknown_target_revision_is_a_clear_message(scratch: Database) -> None:
    engine = admin_engine(scratch.admin_url)
    try:
        with pytest.raises(KnownError, match="Unknown revision 'nonsense'"):
            admin.upgrade(engine, "nonsense")
    finally:
        engine.dispose()


def test_the_foundation_cannot_be_downgraded(scratch: Database) -> None:
    from alembic import command

    engine = admin_engine(scratch.admin_url)
    try:
        with pytest.raises(RuntimeError, match="cannot be downgraded"), engine.begin() as conn:
            command.downgrade(admin.alembic_config(conn), "base")
        assert admin.current_revision(engine) == admin.head_revision()
    finally:
        engine.dispose()
