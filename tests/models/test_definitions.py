"""The SQL in ``desktop/models/sql/`` is the whole and only truth of what lives in the
database: it parses, it covers every function, a fresh database and one upgraded from
the 0002 schema end the same, and a change to a file reaches the database on upgrade."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pglast
import psycopg
import pytest
from pglast import ast
from pglast.enums import FunctionParameterMode
from pglast.stream import RawStream

from desktop.models import definitions
from desktop.services import admin
from desktop.services.database import admin_engine
from desktop.services.embedded import _bin_dir
from tests.conftest import Database

FIXTURES = Path(__file__).parent / "fixtures"

#: What a definitions file may hold: nothing that keeps data.
ALLOWED = (
    ast.CreateFunctionStmt,
    ast.CreateTrigStmt,
    ast.ViewStmt,
    ast.CreatePolicyStmt,
    ast.GrantStmt,
    ast.DoStmt,
    ast.AlterTableStmt,  # ENABLE ROW LEVEL SECURITY only, checked below
)


def _statements(path: Path) -> list[ast.Node]:
    return [raw.stmt for raw in pglast.parse_sql(definitions.render(path).sql)]


@pytest.mark.parametrize("path", definitions.files(), ids=lambda p: p.name)
def test_every_file_parses_and_holds_only_definitions(path: Path) -> None:
    for stmt in _statements(path):  # a syntax error fails here, before any server
        assert isinstance(stmt, ALLOWED), f"{path.name}: {type(stmt).__name__}"
        if isinstance(stmt, ast.CreateFunctionStmt | ast.ViewStmt):
            assert stmt.replace, f"{path.name}: CREATE without OR REPLACE"
        if isinstance(stmt, ast.AlterTableStmt):
            assert "ROW LEVEL SECURITY" in RawStream()(stmt).upper()


def _declared_functions() -> list[str]:
    """``parkdesk.name(type, …)`` for every function the files define."""
    found = []
    for path in definitions.files():
        for stmt in _statements(path):
            if isinstance(stmt, ast.CreateFunctionStmt):
                name = ".".join(part.sval for part in stmt.funcname)
                types = [
                    RawStream()(p.argType)
                    for p in stmt.parameters or ()
                    if p.mode
                    not in (
                        FunctionParameterMode.FUNC_PARAM_OUT,
                        FunctionParameterMode.FUNC_PARAM_TABLE,
                    )
                ]
                found.append(f"{name}({', '.join(types)})")
    return found


def test_every_function_in_the_database_is_defined_in_a_file(database: Database) -> None:
    declared = _declared_functions()
    assert len(declared) == len(set(declared))
    with database.admin() as su:
        resolved = {
            su.execute("SELECT to_regprocedure(%s)::oid", (sig,)).fetchone()[0]: sig
            for sig in declared
        }
        assert None not in resolved, "a file defines a function the database lacks"
        present = dict(
            su.execute(
                "SELECT oid, oid::regprocedure::text FROM pg_proc "
                "WHERE pronamespace = 'parkdesk'::regnamespace"
            ).fetchall()
        )
    left_over = sorted(name for oid, name in present.items() if oid not in resolved)
    assert left_over == [], "drop these in a migration, or define them in a file"


def _url(database: Database, name: str) -> str:
    return re.sub(r"/parkdesk\?", f"/{name}?", database.admin_url)


def _schema(url: str) -> str:
    return subprocess.run(
        [str(_bin_dir() / "pg_dump"), "--schema-only", "--restrict-key=compare", "-d", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def empty_databases(database: Database) -> Iterator[list[str]]:
    names = ["parkdesk_fresh", "parkdesk_from_0002"]
    with psycopg.connect(database.admin_url, autocommit=True) as su:
        for name in names:
            su.execute(f"DROP DATABASE IF EXISTS {name}")
            su.execute(f"CREATE DATABASE {name}")
    yield [_url(database, name) for name in names]
    with psycopg.connect(database.admin_url, autocommit=True) as su:
        for name in names:
            su.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _upgrade(url: str) -> str:
    engine = admin_engine(url)
    try:
        return admin.upgrade(engine)
    finally:
        engine.dispose()


def test_a_fresh_database_and_one_upgraded_from_0002_end_identical(
    empty_databases: list[str],
) -> None:
    fresh, old = empty_databases
    assert _upgrade(fresh) == admin.head_revision()
    # A database a ParkDesk of the 0002 schema made and used: a lot, a parker, a vehicle.
    with psycopg.connect(old, autocommit=True) as su:
        su.execute((FIXTURES / "parkdesk_0002.sql").read_bytes())
        assert su.execute("SELECT version_num FROM parkdesk.alembic_version").fetchone() == (
            "0002",
        )
    assert _upgrade(old) == admin.head_revision()
    assert _schema(old) == _schema(fresh)
    with psycopg.connect(old) as su:
        plates = su.execute("SELECT plate_raw FROM parkdesk.vehicle").fetchall()
        assert plates == [("CBCD 123",)]
        assert su.execute("SELECT * FROM parkdesk.verify_audit_chain()").fetchone()[1] is None


def test_a_changed_file_reaches_the_database_and_nothing_else_survives(
    empty_databases: list[str],
) -> None:
    url = empty_databases[0]
    _upgrade(url)
    before = _schema(url)
    # Up to date: the next upgrade applies nothing.
    engine = admin_engine(url)
    try:
        with engine.begin() as conn:
            assert definitions.apply(conn) is False
    finally:
        engine.dispose()
    # What an older ParkDesk (or a hand in psql) left behind: a grant, a trigger and a
    # policy no file has, and a grant a file has taken away.
    with psycopg.connect(url) as su:
        su.execute("GRANT SELECT ON parkdesk.audit_log TO parkdesk_clerk")
        su.execute(
            "REVOKE EXECUTE ON FUNCTION parkdesk.check_plate(text, text, text, "
            "timestamptz) FROM parkdesk_officer"
        )
        su.execute(
            "CREATE TRIGGER stray AFTER INSERT ON parkdesk.lot "
            "FOR EACH ROW EXECUTE FUNCTION parkdesk.stamp_row()"
        )
        su.execute("CREATE POLICY stray ON parkdesk.staff_member USING (true)")
        su.execute("UPDATE parkdesk.sql_definition SET checksum = repeat('0', 64)")
    assert _schema(url) != before
    assert _upgrade(url) == admin.head_revision()
    assert _schema(url) == before


@pytest.mark.parametrize("role", ["clerk", "manager", "admin", "officer"])
def test_no_desk_posts_to_the_ledger_or_reads_the_definitions_record(
    connect_as: Callable[[str], psycopg.Connection[tuple[object, ...]]], role: str
) -> None:
    conn = connect_as(role)
    for sql in (
        "SELECT parkdesk.post_line('fee', -1000, 1, NULL, 'free money')",
        "SELECT checksum FROM parkdesk.sql_definition",
        "UPDATE parkdesk.sql_definition SET checksum = repeat('0', 64)",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql)
        conn.rollback()
