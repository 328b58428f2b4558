"""Shared fixtures: one embedded PostgreSQL for the whole run, migrated, with a login per role.

Tests connect AS the application roles (never as the superuser) unless they test
what only the administrator may do.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PARKDESK_LOG_DIR", tempfile.mkdtemp(prefix="parkdesk-log-"))
# Money is written the way this locale writes it; tests expect "$40.00" for US dollars
# whatever the locale of the computer running them.
os.environ["PARKDESK_LOCALE"] = "en_US"

import psycopg
import pytest

from desktop.services import admin
from desktop.services.database import ConnectionSettings, admin_engine
from desktop.services.embedded import EmbeddedServer
from desktop.services.workspace import Workspace

PASSWORD = "test-password"

#: login -> roles. Two clerks, so conflicts between clerks can be tested.
LOGINS: dict[str, list[str]] = {
    "alice": ["clerk"],
    "bruno": ["clerk"],
    "adele": ["adjudicator"],
    "dara": ["dispatcher"],
    "mona": ["manager"],
    "otto": ["officer"],
    "ada": ["admin"],
}
ROLE_LOGIN = {
    "clerk": "alice",
    "adjudicator": "adele",
    "dispatcher": "dara",
    "manager": "mona",
    "officer": "otto",
    "admin": "ada",
}


@dataclass(frozen=True)
class Database:
    server: EmbeddedServer
    admin_url: str
    host: str
    port: int

    def settings(self, login: str, password: str = PASSWORD) -> ConnectionSettings:
        return ConnectionSettings(
            host=self.host, port=self.port, database="parkdesk", login=login, password=password
        )

    def connect(
        self, login: str, password: str = PASSWORD
    ) -> psycopg.Connection[tuple[object, ...]]:
        """A raw psycopg connection with a staff login, bypassing the client entirely."""
        conn = psycopg.connect(
            host=self.host, port=self.port, dbname="parkdesk", user=login, password=password
        )
        conn.execute("SET search_path = parkdesk, pg_catalog")
        conn.commit()
        return conn

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """The superuser: only for setting up, or for tampering in tests."""
        return psycopg.connect(self.admin_url)


@pytest.fixture(scope="session")
def database() -> Iterator[Database]:
    folder = Path(tempfile.mkdtemp(prefix="pdt-")) / "pgdata"
    server = EmbeddedServer(folder, durable=False)
    url = server.start()
    engine = admin_engine(url)
    admin.upgrade(engine)
    with engine.begin() as conn:
        for login, roles in LOGINS.items():
            admin.add_login(conn, login, roles, PASSWORD, login.title())
    engine.dispose()
    host, port = server.staff_host()
    try:
        yield Database(server=server, admin_url=url, host=host, port=port)
    finally:
        server.remove()
        shutil.rmtree(folder.parent, ignore_errors=True)


@pytest.fixture
def connect_as(
    database: Database,
) -> Iterator[Callable[[str], psycopg.Connection[tuple[object, ...]]]]:
    """``connect_as("alice")``: a raw connection with that login, closed after the test."""
    opened: list[psycopg.Connection[tuple[object, ...]]] = []

    def _connect(login: str) -> psycopg.Connection[tuple[object, ...]]:
        conn = database.connect(ROLE_LOGIN.get(login, login))
        opened.append(conn)
        return conn

    yield _connect
    for conn in opened:
        conn.close()


@pytest.fixture
def workspace_for(database: Database) -> Iterator[Callable[[str], Workspace]]:
    """``workspace_for("clerk")`` or ``workspace_for("bruno")``: a logged-in workspace."""
    opened: list[Workspace] = []

    def _open(login: str) -> Workspace:
        ws = Workspace.open(database.settings(ROLE_LOGIN.get(login, login)))
        opened.append(ws)
        return ws

    yield _open
    for ws in opened:
        ws.close()


@pytest.fixture(autouse=True)
def garbage_collected_on_the_main_thread() -> Iterator[None]:
    """As the program does: no automatic collection (it could free Qt objects on a worker
    thread and crash); the main thread collects after each test, as thresholds say."""
    import gc

    from desktop.qt_workarounds import collect_garbage_here

    gc.disable()
    yield
    collect_garbage_here()
