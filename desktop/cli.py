"""The ``parkdesk`` command line: the program, the embedded server, migrations, logins, audit.

Every command prints a one-line error and exits non-zero on bad input; a
traceback only ever means a bug (and is written to the log file too).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from desktop.services.devices import DeviceLink

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

log = logging.getLogger("parkdesk")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"parkdesk: {message}\n")


def _admin_url(args: argparse.Namespace) -> str:
    url: str | None = getattr(args, "url", None) or os.environ.get("PARKDESK_ADMIN_URL")
    if not url:
        from desktop.services.errors import KnownError

        raise KnownError("Give the administrator connection with --url or PARKDESK_ADMIN_URL.")
    return url


@contextlib.contextmanager
def _admin_connection(args: argparse.Namespace) -> Iterator[Connection]:
    """One administrator transaction; connection failures become one-line messages."""
    from desktop.services.database import admin_engine, translate_errors

    engine = admin_engine(_admin_url(args))
    try:
        with translate_errors(), engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


# -- commands ---------------------------------------------------------------


def cmd_gui(args: argparse.Namespace) -> int:
    from desktop.app import run_gui

    return run_gui(demo=False)


def cmd_demo(args: argparse.Namespace) -> int:
    from desktop.services.embedded import check_data_dir

    # A folder that cannot work is said here, in one line, before any window opens.
    data_dir = check_data_dir(args.data_dir)
    from desktop.app import run_gui

    return run_gui(demo=True, data_dir=data_dir)


def cmd_server(args: argparse.Namespace) -> int:
    from desktop.services.embedded import EmbeddedServer

    server = EmbeddedServer(args.data_dir)
    if args.action == "start":
        print(f"Starting the embedded server in {server.data_dir} ...")
        url = server.start()
        print(server.status().describe())
        print(url)
    elif args.action == "stop":
        print("Stopped." if server.stop() else "The embedded server was not running.")
    else:
        status = server.status()
        print(status.describe())
        return EXIT_OK if status.running else 3
    return EXIT_OK


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from desktop.services import admin
    from desktop.services.database import admin_engine

    engine = admin_engine(_admin_url(args))
    try:
        revision = admin.upgrade(engine, args.revision)
    finally:
        engine.dispose()
    print(f"Database schema is at revision {revision}.")
    return EXIT_OK


def cmd_db_seed(args: argparse.Namespace) -> int:
    from desktop.services.seed import seed

    print(seed(_admin_url(args), args.scale).describe())
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        from desktop.services.errors import KnownError

        raise KnownError("No terminal to ask for the password: use --password-stdin.")
    first = getpass.getpass("Password for the new login: ")
    if getpass.getpass("Repeat the password: ") != first:
        from desktop.services.errors import KnownError

        raise KnownError("The two passwords differ.")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    from desktop.services import admin

    login = admin.validate_login(args.login)
    roles = admin.validate_roles([r for part in args.role for r in part.split(",")])
    password = admin.validate_password(_read_password(args))
    with _admin_connection(args) as conn:
        admin.add_login(conn, login, roles, password, args.full_name)
    print(f"Created login {login} ({', '.join(roles)}).")
    return EXIT_OK


def cmd_users_list(args: argparse.Namespace) -> int:
    from desktop.services import admin

    with _admin_connection(args) as conn:
        logins = admin.list_logins(conn)
    if not logins:
        print("No staff logins yet.")
    for staff in logins:
        state = "active" if staff.can_login else "disabled"
        roles = ",".join(staff.roles) or "-"
        print(f"{staff.login:<24} {roles:<28} {state:<9} {staff.full_name}")
    return EXIT_OK


def cmd_users_disable(args: argparse.Namespace) -> int:
    from desktop.services import admin

    with _admin_connection(args) as conn:
        admin.disable_login(conn, args.login)
    print(f"Disabled login {args.login}.")
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from desktop.services import admin

    with _admin_connection(args) as conn:
        verdict = admin.verify_audit(conn)
    print(verdict.describe())
    return EXIT_OK if verdict.ok else EXIT_FAILED


def cmd_jobs_run(args: argparse.Namespace) -> int:
    from desktop.services.jobs import run_jobs

    with _admin_connection(args) as conn:
        done = run_jobs(conn)
    print(done.describe())
    return EXIT_OK


def _device_link(args: argparse.Namespace) -> tuple[DeviceLink, str | None]:
    """The device's connection as an officer, and the world's administrator URL when the
    device runs on the embedded demo database."""
    from desktop.services.devices import DeviceLink
    from desktop.services.errors import KnownError

    if args.demo:
        from desktop.services.embedded import EmbeddedServer
        from desktop.services.seed import DEMO_LOGINS, DEMO_PASSWORD

        server = EmbeddedServer(args.data_dir)
        admin_url = server.start()
        host, port = server.staff_host()
        officer = DEMO_LOGINS["officer"]
        return DeviceLink(f"postgresql://{officer}:{DEMO_PASSWORD}@{host}:{port}/parkdesk"), (
            admin_url
        )
    url: str | None = args.url or os.environ.get("PARKDESK_DEVICE_URL")
    if not url:
        raise KnownError(
            "Give the officer's connection with --url postgresql://LOGIN@SERVER/parkdesk "
            "(or PARKDESK_DEVICE_URL), or --demo for the embedded demo database."
        )
    return DeviceLink(url), None


def cmd_device_replay(args: argparse.Namespace) -> int:
    from desktop.services.devices import read_batch, replay

    link, _world = _device_link(args)
    try:
        tally = replay(link, read_batch(args.file), print)
    finally:
        link.close()
    print(tally.describe())
    return EXIT_OK if not (tally.refused or tally.unreadable) else EXIT_FAILED


def cmd_device_patrol(args: argparse.Namespace) -> int:
    from desktop.services.devices import (
        Patrol,
        PatrolPlan,
        parked_plates,
        read_plate_list,
    )
    from desktop.services.errors import KnownError

    if not 0 < args.rate <= 50:
        raise KnownError("The rate is reads a second, above 0 and at most 50.")
    if not 0 <= args.cite_share <= 1:
        raise KnownError("The share of cars cited is from 0 to 1.")
    link, world = _device_link(args)
    try:
        plates = read_plate_list(args.plates) if args.plates else ()
        if not plates and world is not None:
            plates = parked_plates(world, args.lot)
        plan = PatrolPlan(
            lot=args.lot.upper(), rate=args.rate, device=args.device, violation=args.violation,
            count=args.count, cite_share=args.cite_share, photos=not args.no_photos,
            plates=plates, jurisdiction=args.jurisdiction.upper(),
        )  # fmt: skip
        patrol = Patrol(link, plan, lambda line: print(line, flush=True))
        try:
            patrol.run()
        except KeyboardInterrupt:
            print()
        print(patrol.tally.describe())
    finally:
        link.close()
    return EXIT_OK


# -- parser -------------------------------------------------------------------


def _device_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    device = sub.add_parser("device", help="a field device: batches and a simulated patrol")
    device_sub = device.add_subparsers(title="device commands", required=True, parser_class=_Parser)

    def as_officer(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--url", help="the officer's URL (or set PARKDESK_DEVICE_URL)")
        p.add_argument("--demo", action="store_true", help="the embedded demo database")
        p.add_argument("--data-dir", type=Path, default=None, help="the demo's data folder")
        return p

    replay = as_officer(device_sub.add_parser("replay", help="upload a handheld's batch"))
    replay.add_argument("file", type=Path, help="the batch, JSON Lines (docs/DEVICE_API.md)")
    replay.set_defaults(func=cmd_device_replay)
    patrol = as_officer(device_sub.add_parser("patrol", help="drive a simulated LPR patrol"))
    patrol.add_argument("--lot", required=True, help="the lot's code, e.g. B")
    patrol.add_argument("--rate", type=float, default=1.0, help="reads a second (default 1)")
    patrol.add_argument("--count", type=int, default=None, help="stop after this many reads")
    patrol.add_argument("--device", default=None, help="the device's code (default: an LPR car)")
    patrol.add_argument("--violation", default=None, help="the code cited (default: the first)")
    patrol.add_argument("--cite-share", type=float, default=0.3, help="share of cars cited")
    patrol.add_argument("--plates", type=Path, default=None, help="plates parked, one a line")
    patrol.add_argument("--jurisdiction", default="ON", help="of the strangers' plates")
    patrol.add_argument("--no-photos", action="store_true", help="read without photos")
    patrol.set_defaults(func=cmd_device_patrol)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="parkdesk", description="ParkDesk parking office back-office.")
    parser.set_defaults(func=cmd_gui)
    sub = parser.add_subparsers(title="commands", parser_class=_Parser)

    def with_url(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--url", help="administrator URL (or set PARKDESK_ADMIN_URL)")
        return p

    demo = sub.add_parser("demo", help="open the program on the embedded demo database")
    demo.add_argument("--data-dir", type=Path, default=None)
    demo.set_defaults(func=cmd_demo)

    server = sub.add_parser("server", help="the embedded PostgreSQL server")
    server.add_argument("action", choices=["start", "stop", "status"])
    server.add_argument("--data-dir", type=Path, default=None)
    server.set_defaults(func=cmd_server)

    db = sub.add_parser("db", help="schema migrations and demo data")
    db_sub = db.add_subparsers(title="db commands", required=True, parser_class=_Parser)
    upgrade = with_url(db_sub.add_parser("upgrade", help="migrate to the newest schema"))
    upgrade.add_argument("--revision", default="head")
    upgrade.set_defaults(func=cmd_db_upgrade)
    seed = with_url(db_sub.add_parser("seed", help="add demo data to an empty database"))
    seed.add_argument("--scale", default="demo", choices=["demo", "small", "bench"])
    seed.set_defaults(func=cmd_db_seed)

    users = sub.add_parser("users", help="staff logins")
    users_sub = users.add_subparsers(title="users commands", required=True, parser_class=_Parser)
    add = with_url(users_sub.add_parser("add", help="create a staff login"))
    add.add_argument("login")
    add.add_argument("--role", action="append", required=True, help="clerk, manager, ...")
    add.add_argument("--full-name", default="")
    add.add_argument("--password-stdin", action="store_true")
    add.set_defaults(func=cmd_users_add)
    with_url(users_sub.add_parser("list", help="list staff logins")).set_defaults(
        func=cmd_users_list
    )
    disable = with_url(users_sub.add_parser("disable", help="stop a login from connecting"))
    disable.add_argument("login")
    disable.set_defaults(func=cmd_users_disable)

    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(title="audit commands", required=True, parser_class=_Parser)
    verify = with_url(audit_sub.add_parser("verify", help="check the audit hash chain"))
    verify.set_defaults(func=cmd_audit_verify)

    jobs = sub.add_parser("jobs", help="what must happen as time passes (for a scheduler)")
    jobs_sub = jobs.add_subparsers(title="jobs commands", required=True, parser_class=_Parser)
    run = with_url(jobs_sub.add_parser("run", help="run every clock job once"))
    run.set_defaults(func=cmd_jobs_run)

    _device_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from desktop.logconfig import setup_logging

    args = build_parser().parse_args(argv)
    setup_logging()
    func: Callable[[argparse.Namespace], int] = args.func
    from desktop.services.errors import KnownError

    try:
        return func(args)
    except KnownError as exc:
        print(f"parkdesk: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("parkdesk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        log.exception("unexpected failure")
        from desktop.logconfig import log_file

        print(
            f"parkdesk: unexpected error ({type(exc).__name__}: {exc}); details in {log_file()}",
            file=sys.stderr,
        )
        return EXIT_FAILED
