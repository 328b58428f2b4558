"""A throw-away embedded server, for tests that tamper with or break the database.

The shared ``database`` fixture serves everything else; a test that rewrites the audit
trail or the schema revision would spoil it for every test after it.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from desktop.services import admin
from desktop.services.database import admin_engine
from desktop.services.embedded import EmbeddedServer
from tests.conftest import LOGINS, PASSWORD, ROLE_LOGIN, Database


@contextlib.contextmanager
def fresh_database(logins: dict[str, list[str]]) -> Iterator[Database]:
    """A new migrated embedded server with the given logins (password ``PASSWORD``)."""
    folder = Path(tempfile.mkdtemp(prefix="pdt-scratch-")) / "pgdata"
    server = EmbeddedServer(folder, durable=False)
    url = server.start()
    try:
        engine = admin_engine(url)
        admin.upgrade(engine)
        with engine.begin() as conn:
            for login, roles in logins.items():
                admin.add_login(conn, login, roles, PASSWORD, login.title())
        engine.dispose()
        host, port = server.staff_host()
        yield Database(server=server, admin_url=url, host=host, port=port)
    finally:
        server.remove()  # a scratch server leaves nothing behind
        shutil.rmtree(folder.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Database]:
    """A private server for this test module, with an administrator and two clerks."""
    with fresh_database({"ada": ["admin"], "alice": ["clerk"], "bruno": ["clerk"]}) as db:
        yield db


#: A second officer, for a device call or a citation of another login.
OTHER_OFFICER = "olga"


@pytest.fixture(scope="module")
def desk() -> Iterator[Database]:
    """A private server for this test module with every test login (and a second officer),
    for tests that end sessions, change office settings, fill lots or tamper, which would
    disturb the shared one."""
    with fresh_database({**LOGINS, OTHER_OFFICER: ["officer"]}) as db:
        yield db


@pytest.fixture
def connect(
    desk: Database,
) -> Iterator[Callable[[str], psycopg.Connection[tuple[object, ...]]]]:
    """``connect("alice")`` or ``connect("manager")``: an autocommit connection to ``desk``
    as that login, closed after the test."""
    opened: list[psycopg.Connection[tuple[object, ...]]] = []

    def _connect(login: str) -> psycopg.Connection[tuple[object, ...]]:
        conn = desk.connect(ROLE_LOGIN.get(login, login))
        conn.autocommit = True
        # A lock nobody releases fails the test instead of hanging it.
        conn.execute("SET statement_timeout = '60s'")
        opened.append(conn)
        return conn

    yield _connect
    for conn in opened:
        conn.close()
