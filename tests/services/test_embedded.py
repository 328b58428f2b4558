"""The embedded server: one folder, the same engine and rules as production."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from desktop.services.embedded import EmbeddedServer, EmbeddedServerError


def test_start_status_stop_and_start_again(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path / "pgdata", durable=False)
    status = server.status()
    assert (status.running, status.pid) == (False, None)
    assert status.describe().startswith("not initialised")
    with pytest.raises(EmbeddedServerError):
        server.staff_host()

    url = server.start()
    try:
        status = server.status()
        assert status.running
        assert status.pid is not None
        assert status.port == server.port()
        assert status.describe().startswith(f"running (pid {status.pid}, port {status.port}")
        with psycopg.connect(url) as admin:
            row = admin.execute("SELECT current_user, current_database()").fetchone()
            assert row == ("postgres", "parkdesk")
            admin.execute("CREATE TABLE kept_across_restarts (n int)")
        assert server.start() == url, "starting a running server just returns its URL"

        host, port = server.staff_host()
        assert (host, port) == ("localhost", status.port)
        # The administrator is reachable only through the private socket, never over TCP.
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(host=host, port=port, user="postgres", dbname="parkdesk")
    finally:
        assert server.stop() is True
    status = server.status()
    assert not status.running
    assert status.describe().startswith("stopped")
    assert server.stop() is False, "stopping a stopped server says it was not running"

    assert server.start() == url
    try:
        with psycopg.connect(url) as admin:
            assert admin.execute("SELECT to_regclass('kept_across_restarts')").fetchone() == (
                "kept_across_restarts",
            )
    finally:
        server.stop()


def test_a_durable_server_keeps_crash_safety(tmp_path: Path) -> None:
    EmbeddedServer(tmp_path / "durable").init()
    EmbeddedServer(tmp_path / "fast", durable=False).init()
    durable = (tmp_path / "durable" / "postgresql.auto.conf").read_text()
    fast = (tmp_path / "fast" / "postgresql.auto.conf").read_text()
    assert "fsync" not in durable
    assert "fsync = off" in fast
    for conf in (durable, fast):
        assert "unix_socket_permissions = 0700" in conf
        assert "listen_addresses = 'localhost'" in conf
    hba = (tmp_path / "durable" / "pg_hba.conf").read_text()
    assert "host    all   all   127.0.0.1/32   scram-sha-256" in hba
    assert "trust" not in hba.replace("local   all   postgres   trust", "")


def test_a_folder_path_too_long_for_a_socket_is_refused_clearly(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path / ("x" * 120))
    with pytest.raises(EmbeddedServerError, match="too long"):
        server.start()
    assert not (tmp_path / ("x" * 120)).exists()
