"""The ``parkdesk`` command line, as an administrator would use it.

One embedded server is started through the real command (a subprocess) for this
module; the other commands run in-process through :func:`desktop.cli.main`.
Every mistake must give one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from desktop import cli
from desktop.services import admin
from desktop.services.embedded import EmbeddedServer
from desktop.services.errors import ConnectionProblem
from desktop.services.workspace import Workspace
from tests.conftest import Database

PARKDESK = [sys.executable, "-m", "desktop"]
ADMIN_PASSWORD = "admin-password-1"


@dataclass(frozen=True)
class CliServer:
    data_dir: Path
    url: str
    port: int

    def staff_url(self, login: str, password: str) -> str:
        return f"postgresql://{login}:{password}@localhost:{self.port}/parkdesk"

    def database(self) -> Database:
        server = EmbeddedServer(self.data_dir)
        return Database(server=server, admin_url=self.url, host="localhost", port=self.port)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PARKDESK_ADMIN_URL", None)
    return env


@pytest.fixture(scope="module")
def served() -> Iterator[CliServer]:
    data_dir = Path(tempfile.mkdtemp(prefix="pdt-cli-")) / "pgdata"
    started = subprocess.run(
        [*PARKDESK, "server", "start", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=180,
        env=_env(),
        check=False,
    )
    try:
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip().splitlines()[-1]
        port = EmbeddedServer(data_dir).port()
        assert port is not None
        yield CliServer(data_dir=data_dir, url=url, port=port)
    finally:
        subprocess.run(
            [*PARKDESK, "server", "stop", "--data-dir", str(data_dir)],
            capture_output=True,
            timeout=120,
            env=_env(),
            check=False,
        )
        EmbeddedServer(data_dir).remove()
        shutil.rmtree(data_dir.parent, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_admin_url_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARKDESK_ADMIN_URL", raising=False)


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None
) -> tuple[int, str, str]:
    """Run one command in-process; returns exit code, stdout and stderr."""
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    finally:
        sys.stdin = saved
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *expected: str) -> None:
    assert code != 0
    assert "Traceback" not in err
    assert err.endswith("\n")
    assert err.count("\n") == 1, f"expected one line, got {err!r}"
    assert err.startswith("parkdesk: ")
    for text in expected:
        assert text in err


# -- the happy path, in order --------------------------------------------------------


def test_server_start_prints_the_admin_url_last(served: CliServer) -> None:
    assert served.url.startswith("postgresql://postgres@/parkdesk?host=")
    with psycopg.connect(served.url) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)


def test_server_status(served: CliServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "server", "status", "--data-dir", str(served.data_dir))
    assert code == 0
    assert out.startswith("running (pid ")
    assert f"port {served.port}" in out


def test_db_upgrade_is_repeatable(served: CliServer, capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):
        assert run(capsys, "db", "upgrade", "--url", served.url) == (
            0,
            f"Database schema is at revision {admin.head_revision()}.\n",
            "",
        )


def test_db_seed(served: CliServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "db", "seed", "--scale", "small", "--url", served.url)
    assert (code, err) == (0, "")
    assert out.startswith("Seeded 8 lots, 200 parkers, ")
    assert " permits; " in out
    assert " citations. " in out
    code, out, _ = run(capsys, "db", "seed", "--scale", "small", "--url", served.url)
    assert (code, out) == (0, "The database already holds parkers; demo data was not added.\n")


def test_users_add_with_password_on_stdin(
    served: CliServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "users",
        "add",
        "it_admin",
        "--role",
        "admin",
        "--full-name",
        "Ida Admin",
        "--password-stdin",
        "--url",
        served.url,
        stdin=ADMIN_PASSWORD + "\n",
    )
    assert (code, out, err) == (0, "Created login it_admin (admin).\n", "")


def test_an_admin_login_manages_logins_over_tcp(
    served: CliServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The IT administrator's own login, not the superuser, is enough for logins."""
    url = served.staff_url("it_admin", ADMIN_PASSWORD)
    code, out, err = run(
        capsys,
        "users",
        "add",
        "kim",
        "--role",
        "clerk,dispatcher",
        "--password-stdin",
        "--url",
        url,
        stdin="kims-password\n",
    )
    assert (code, out, err) == (0, "Created login kim (clerk, dispatcher).\n", "")
    with psycopg.connect(served.staff_url("kim", "kims-password")) as kim:
        assert kim.execute("SELECT count(*) > 0 FROM parkdesk.parker").fetchone() == (True,)


def test_users_list(served: CliServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "users", "list", "--url", served.url)
    assert (code, err) == (0, "")
    lines = {line.split()[0]: line.split() for line in out.splitlines()}
    assert lines["it_admin"][1:] == ["admin", "active", "Ida", "Admin"]
    assert lines["kim"][1:3] == ["clerk,dispatcher", "active"]
    assert lines["demo_clerk"][1:3] == ["clerk", "active"]


def test_the_admin_url_can_come_from_the_environment(
    served: CliServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARKDESK_ADMIN_URL", served.url)
    code, out, _ = run(capsys, "users", "list")
    assert code == 0
    assert "it_admin" in out
    # --url still wins over the environment.
    monkeypatch.setenv("PARKDESK_ADMIN_URL", "postgresql://postgres@localhost:1/parkdesk")
    assert run(capsys, "audit", "verify", "--url", served.url)[0] == 0


def test_users_disable_stops_the_login(
    served: CliServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = served.staff_url("it_admin", ADMIN_PASSWORD)
    assert run(capsys, "users", "disable", "kim", "--url", url) == (
        0,
        "Disabled login kim.\n",
        "",
    )
    _, out, _ = run(capsys, "users", "list", "--url", served.url)
    assert next(line for line in out.splitlines() if line.startswith("kim ")).split()[2] == (
        "disabled"
    )
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        psycopg.connect(served.staff_url("kim", "kims-password"))
    with pytest.raises(ConnectionProblem, match=r"This login is disabled\. Ask your administrator"):
        Workspace.open(served.database().settings("kim", "kims-password"))


def test_audit_verify(served: CliServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "audit", "verify", "--url", served.url)
    assert (code, err) == (0, "")
    assert out.startswith("OK: ")
    assert out.endswith(
        " audit rows, hash chain intact; plate reads of every device chained intact\n"
    )


def test_jobs_run_expires_a_lapsed_offer_once_and_offers_the_space_on(
    served: CliServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with psycopg.connect(served.url, autocommit=True) as su:
        lot = su.execute(
            "INSERT INTO parkdesk.lot (code, name, capacity) VALUES ('JOBS', 'Jobs lot', 1) "
            "RETURNING id"
        ).fetchone()
        reserved = su.execute(
            "INSERT INTO parkdesk.permit_type (code, name, price, validity, days, affiliations, "
            "sale_mode) VALUES ('JOBS', 'Reserved', 50, 'days', 30, ARRAY['staff'], 'waitlist') "
            "RETURNING id"
        ).fetchone()
        assert lot is not None
        assert reserved is not None
        su.execute(
            "INSERT INTO parkdesk.permit_type_lot (permit_type_id, lot_id) VALUES (%s, %s)",
            (reserved[0], lot[0]),
        )
        entries = []
        for last_name in ("First", "Second"):
            parker = su.execute(
                "INSERT INTO parkdesk.parker (first_name, last_name, affiliation) "
                "VALUES ('Waiting', %s, 'staff') RETURNING id",
                (last_name,),
            ).fetchone()
            assert parker is not None
            entry = su.execute(
                "SELECT parkdesk.join_waitlist(%s, %s, %s)", (reserved[0], lot[0], parker[0])
            ).fetchone()
            assert entry is not None
            entries.append(entry[0])
        # The first was offered the free space; nobody answered in time.
        su.execute(
            "UPDATE parkdesk.waitlist_entry SET offer_expires_at = now() - interval '1 minute' "
            "WHERE id = %s",
            (entries[0],),
        )

        code, out, err = run(capsys, "jobs", "run", "--url", served.url)
        assert (code, err) == (0, "")
        assert re.fullmatch(
            r"Clock work done: 1 waitlist offer expired, 1 space offered to the next in line; "
            r"\d+ months? of plate reads added ahead; "
            r"0 citation escalation stages posted\.\n",
            out,
        ), out
        statuses = su.execute(
            "SELECT status FROM parkdesk.waitlist_entry WHERE id = ANY(%s) ORDER BY id",
            (entries,),
        ).fetchall()
        assert [s for (s,) in statuses] == ["expired", "offered"]

        code, out, err = run(capsys, "jobs", "run", "--url", served.url)
        assert (code, err) == (0, "")
        assert out == (
            "Clock work done: 0 waitlist offers expired, 0 spaces offered to the next in line; "
            "0 months of plate reads added ahead; 0 citation escalation stages posted.\n"
        )


# -- mistakes: one line, non-zero, no traceback ---------------------------------------


@pytest.mark.parametrize(
    ("argv", "stdin", "expected"),
    [
        pytest.param(
            ["users", "add", "zed", "--role", "janitor", "--password-stdin"],
            "long-enough-pw\n",
            ["Unknown role 'janitor'"],
            id="unknown-role",
        ),
        pytest.param(
            ["users", "add", "it_admin", "--role", "clerk", "--password-stdin"],
            "long-enough-pw\n",
            ['Login "it_admin" already exists'],
            id="duplicate-login",
        ),
        pytest.param(
            ["users", "add", "Bad Name!", "--role", "clerk", "--password-stdin"],
            "long-enough-pw\n",
            ["lower-case letters"],
            id="invalid-login-name",
        ),
        pytest.param(
            ["users", "add", "parkdesk_owner", "--role", "clerk", "--password-stdin"],
            "long-enough-pw\n",
            ["reserved"],
            id="reserved-login-name",
        ),
        pytest.param(
            ["users", "add", "shorty", "--role", "clerk", "--password-stdin"],
            "short\n",
            ["at least 8 characters"],
            id="password-too-short",
        ),
        pytest.param(
            ["users", "add", "notty", "--role", "clerk"],
            "",
            ["--password-stdin"],
            id="no-terminal-for-password",
        ),
        pytest.param(["users", "disable", "nobody_here"], None, ["nobody_here"], id="unknown"),
        pytest.param(
            ["db", "upgrade", "--revision", "nonsense"], None, ["nonsense"], id="bad-revision"
        ),
        pytest.param(
            ["db", "upgrade", "--revision", "base"],
            None,
            ["'base'", "downgrades are not supported"],
            id="downgrade-to-base",
        ),
        pytest.param(
            ["db", "upgrade", "--revision", "-1"],
            None,
            ["downgrades are not supported"],
            id="downgrade-relative",
        ),
        pytest.param(
            ["db", "upgrade", "--revision", "0001"],
            None,
            ["past 0001", "downgrades are not supported"],
            id="downgrade-to-an-older-revision",
        ),
    ],
)
def test_bad_input_is_one_clear_line(
    served: CliServer,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str | None,
    expected: list[str],
) -> None:
    code, _out, err = run(capsys, *argv, "--url", served.url, stdin=stdin)
    assert_one_line_error(code, err, *expected)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["users", "list"], ["--url or PARKDESK_ADMIN_URL"], id="missing-url"),
        pytest.param(["users", "list", "--url", "not a url"], ["Not a database URL"], id="junk"),
        pytest.param(
            ["users", "list", "--url", "mysql://root@localhost/parkdesk"],
            ["Not a PostgreSQL URL"],
            id="other-database",
        ),
        pytest.param(
            ["audit", "verify", "--url", "postgresql://postgres@localhost:1/parkdesk"],
            ["not reachable"],
            id="unreachable",
        ),
        pytest.param(
            ["db", "seed", "--url", "postgresql://postgres@localhost:1/parkdesk"],
            ["not reachable"],
            id="seed-unreachable",
        ),
        pytest.param(["db", "seed", "--url", "not a url"], ["Not a database URL"], id="seed-junk"),
        pytest.param(["frobnicate"], ["invalid choice"], id="unknown-command"),
        pytest.param(["users"], ["required"], id="missing-subcommand"),
        pytest.param(["users", "add", "--role", "clerk"], ["login"], id="missing-login"),
    ],
)
def test_bad_command_lines_are_one_clear_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: list[str]
) -> None:
    code, _out, err = run(capsys, *argv)
    assert_one_line_error(code, err, *expected)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(
            ["users", "list", "--url", "postgresql://u:s3cret@127.0.0.1:abc/db"],
            ["port", "1 to 65535"],
            id="port-not-a-number",
        ),
        pytest.param(
            ["audit", "verify", "--url", "postgresql://u:s3cret@127.0.0.1:70000/db"],
            ["port", "1 to 65535", "70000"],
            id="port-out-of-range",
        ),
        pytest.param(
            ["users", "list", "--url", "postgresql://u@/parkdesk?host=/tmp&port=x"],
            ["port", "1 to 65535"],
            id="port-in-the-query",
        ),
        pytest.param(
            ["users", "list", "--url", f"postgresql://u:s3cret@{'h' * 100_000}/db"],
            ["not a server name", "at most 253 characters"],
            id="host-100000-characters",
        ),
        pytest.param(
            ["db", "seed", "--url", "postgresql://u:s3cret@a..b/db"],
            ["'a..b' is not a server name"],
            id="host-empty-label",
        ),
        pytest.param(
            ["users", "list", "--url", "mysql://root:s3cret@localhost/parkdesk"],
            ["Not a PostgreSQL URL", "mysql://root:***@localhost"],
            id="password-not-repeated",
        ),
        pytest.param(["server", "start", "--data-dir", "d" * 300], ["too long"], id="dir-300"),
        pytest.param(
            ["server", "status", "--data-dir", "/var/" + "d" * 300], ["too long"], id="status-300"
        ),
        pytest.param(["demo", "--data-dir", "d" * 300], ["too long"], id="demo-dir-300"),
        pytest.param(
            ["server", "start", "--data-dir", "/proc/1/nope"],
            ["/proc/1/nope cannot be used"],
            id="dir-cannot-be-made",
        ),
    ],
)
def test_bad_urls_and_folders_are_one_clear_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: list[str]
) -> None:
    """Checked in one place each (the URL, the data folder), before anything connects."""
    code, _out, err = run(capsys, *argv)
    assert_one_line_error(code, err, *expected)
    assert code == cli.EXIT_FAILED
    assert "unexpected error" not in err
    assert len(err) < 300, "a pasted novel is not repeated back"
    assert "s3cret" not in err


def test_an_upgrade_to_the_revision_the_database_has(
    served: CliServer, capsys: pytest.CaptureFixture[str]
) -> None:
    head = admin.head_revision()
    assert run(capsys, "db", "upgrade", "--revision", head, "--url", served.url) == (
        0,
        f"Database schema is at revision {head}.\n",
        "",
    )


def test_a_wrong_password_in_the_url(served: CliServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "users", "list", "--url", served.staff_url("it_admin", "wrong-password")
    )
    assert_one_line_error(code, err, "The login or password is not correct.")


def test_a_login_without_the_right_role(
    served: CliServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.services.seed import DEMO_LOGINS, DEMO_PASSWORD

    url = served.staff_url(DEMO_LOGINS["clerk"], DEMO_PASSWORD)
    code, _, err = run(capsys, "audit", "verify", "--url", url)
    assert_one_line_error(code, err, "not allowed")
    code, _, err = run(capsys, "users", "disable", "kim", "--url", url)
    assert_one_line_error(code, err, "not allowed")


def test_an_administrator_cannot_disable_their_own_login(
    served: CliServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = served.staff_url("it_admin", ADMIN_PASSWORD)
    code, _, err = run(capsys, "users", "disable", "it_admin", "--url", url)
    assert_one_line_error(code, err, "cannot disable your own login")


def test_the_real_command_fails_without_a_traceback(served: CliServer) -> None:
    result = subprocess.run(
        [*PARKDESK, "users", "list", "--url", "postgresql://postgres@localhost:1/parkdesk"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
        check=False,
    )
    assert result.returncode == cli.EXIT_FAILED
    assert result.stdout == ""
    assert_one_line_error(result.returncode, result.stderr, "not reachable")


def test_server_start_in_an_unusable_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "server", "start", "--data-dir", str(tmp_path / ("x" * 120)))
    assert_one_line_error(code, err, "too long")


def test_server_status_of_a_folder_without_a_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "server", "status", "--data-dir", str(tmp_path / "none"))
    assert code == 3
    assert out.startswith("not initialised")


def test_server_stop_and_status_last(served: CliServer, capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module: stops the server the module started."""
    code, out, _ = run(capsys, "server", "stop", "--data-dir", str(served.data_dir))
    assert (code, out) == (0, "Stopped.\n")
    code, out, _ = run(capsys, "server", "status", "--data-dir", str(served.data_dir))
    assert code == 3
    assert out.startswith("stopped")
    assert run(capsys, "server", "stop", "--data-dir", str(served.data_dir))[1] == (
        "The embedded server was not running.\n"
    )
