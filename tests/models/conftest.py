"""A throw-away embedded server, for tests that tamper with or break the database.

The shared ``database`` fixture serves everything else; a test that rewrites the audit
trail or the schema revision would spoil it for every test after it.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.services import admin
from desktop.services.database import admin_engine
from desktop.services.embedded import EmbeddedServer
from tests.conftest import PASSWORD, Database


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


@pytest.fixture(scope="module")
def scratch() -> Iterator[Database]:
    """A private server for this test module, with an administrator and two clerks."""
    with fresh_database({"ada": ["admin"], "alice": ["clerk"], "bruno": ["clerk"]}) as db:
        yield db
