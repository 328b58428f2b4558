"""Administration services: login rules, login management as an admin login, verdicts."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, event, text

from desktop.services import admin
from desktop.services.database import staff_engine
from desktop.services.errors import (
    ConnectionProblem,
    KnownError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from desktop.services.staff import StaffService
from desktop.services.workspace import Workspace
from tests.conftest import Database


@pytest.mark.parametrize("login", ["jo", "maria_lopez", "clerk2", "a" * 40, "  padded  "])
def test_valid_logins(login: str) -> None:
    assert admin.validate_login(login) == login.strip()


@pytest.mark.parametrize(
    "login",
    ["", "j", "Maria", "2fast", "maria lopez", "maria-lopez", "a" * 41, "élodie", "x;drop"],
)
def test_invalid_logins_are_explained(login: str) -> None:
    with pytest.raises(ValidationError, match="2 to 40 characters") as caught:
        admin.validate_login(login)
    assert caught.value.problems[0].field == "login"


@pytest.mark.parametrize("login", ["postgres", "pg_monitor_me", "parkdesk_owner"])
def test_reserved_logins_are_refused(login: str) -> None:
    with pytest.raises(ValidationError, match="reserved"):
        admin.validate_login(login)


def test_roles_are_cleaned_and_checked() -> None:
    assert admin.validate_roles([" Clerk", "parkdesk_manager", "clerk"]) == ["clerk", "manager"]
    with pytest.raises(ValidationError, match="Unknown role 'janitor'"):
        admin.validate_roles(["clerk", "janitor"])
    with pytest.raises(ValidationError, match="at least one role"):
        admin.validate_roles([])
    with pytest.raises(ValidationError, match="Unknown role 'owner'"):
        admin.validate_roles(["parkdesk_owner"])


def test_password_and_full_name_limits() -> None:
    assert admin.validate_password("8 chars!") == "8 chars!"
    for bad in ["", "7 chars", "x" * 201]:
        with pytest.raises(ValidationError) as caught:
            admin.validate_password(bad)
        assert caught.value.problems[0].field == "password"
    assert admin.validate_full_name("  Ada   Lovelace ") == "Ada Lovelace"
    with pytest.raises(ValidationError) as too_long:
        admin.validate_full_name("n" * 101)
    assert too_long.value.problems[0].field == "full_name"


def test_schema_problems_are_explained() -> None:
    head = admin.head_revision()
    assert admin.schema_problem(head) is None
    assert "no ParkDesk schema yet" in (admin.schema_problem(None) or "")
    assert "newer than this ParkDesk" in (admin.schema_problem("zz_unknown") or "")


def test_audit_verdicts_describe_themselves() -> None:
    assert admin.AuditVerdict(True, 12).describe() == (
        "OK: 12 audit rows, hash chain intact; plate reads of every device chained intact"
    )
    tampered = admin.AuditVerdict(False, 12, broken_reads=(("LPR-2", 77, "its fields changed"),))
    assert tampered.describe() == (
        "OK: 12 audit rows, hash chain intact\n"
        "BROKEN plate reads of device LPR-2 at read 77: its fields changed"
    )
    broken = admin.AuditVerdict(False, 5, 5, "its contents do not match its hash")
    assert broken.describe() == (
        "BROKEN at audit row 5: its contents do not match its hash; "
        "plate reads of every device chained intact"
    )


# -- as application logins ---------------------------------------------------------------


@pytest.fixture
def engine_for(database: Database) -> Iterator[Callable[[str], Engine]]:
    engines: list[Engine] = []

    def _engine(login: str) -> Engine:
        engine = staff_engine(database.settings(login))
        engines.append(engine)
        return engine

    yield _engine
    for engine in engines:
        engine.dispose()


def test_an_admin_login_adds_lists_and_disables_logins(
    database: Database, engine_for: Callable[[str], Engine]
) -> None:
    ada = engine_for("ada")
    login = f"temp_{secrets.token_hex(4)}"
    with ada.begin() as conn:
        admin.add_login(conn, login, ["clerk", "dispatcher"], "a-good-password", " Tem  Porary ")
    with ada.connect() as conn:
        listed = {s.login: s for s in admin.list_logins(conn)}
    assert listed[login].roles == ("clerk", "dispatcher")
    assert (listed[login].full_name, listed[login].can_login) == ("Tem Porary", True)
    assert listed[login].disabled_at is None

    person = Workspace.open(database.settings(login, "a-good-password"))
    try:
        assert person.identity.roles == {"clerk", "dispatcher"}
        assert person.identity.full_name == "Tem Porary"
        with ada.begin() as conn:
            admin.disable_login(conn, login)
        # Their open window loses its connection and cannot get it back.
        with pytest.raises(ConnectionProblem, match="disabled"), person.read() as session:
            session.execute(text("SELECT 1"))
    finally:
        person.close()

    with ada.connect() as conn:
        listed = {s.login: s for s in admin.list_logins(conn)}
    assert listed[login].can_login is False
    assert listed[login].disabled_at is not None
    with pytest.raises(ConnectionProblem, match="This login is disabled"):
        Workspace.open(database.settings(login, "a-good-password"))


def test_login_mistakes_are_known_errors(engine_for: Callable[[str], Engine]) -> None:
    ada = engine_for("ada")
    with pytest.raises(KnownError, match='Login "bruno" already exists'), ada.begin() as conn:
        admin.add_login(conn, "bruno", ["clerk"], "a-good-password")
    with pytest.raises(KnownError, match="cannot disable your own login"), ada.begin() as conn:
        admin.disable_login(conn, "ada")
    with pytest.raises(NotFound, match="no_such_login"), ada.begin() as conn:
        admin.disable_login(conn, "no_such_login")


@pytest.mark.parametrize("login", ["alice", "mona", "adele"])
def test_only_administrators_manage_logins(engine_for: Callable[[str], Engine], login: str) -> None:
    engine = engine_for(login)
    with pytest.raises(PermissionDenied), engine.begin() as conn:
        admin.add_login(conn, f"nope_{secrets.token_hex(3)}", ["admin"], "a-good-password")
    with pytest.raises(PermissionDenied), engine.begin() as conn:
        admin.disable_login(conn, "bruno")


def test_managers_may_list_logins_and_verify_the_audit_trail(
    engine_for: Callable[[str], Engine],
) -> None:
    with engine_for("mona").connect() as conn:
        logins = {s.login: s for s in admin.list_logins(conn)}
        verdict = admin.verify_audit(conn)
    assert logins["mona"].roles == ("manager",)
    assert logins["ada"].roles == ("admin",)
    assert verdict.ok, verdict.describe()
    assert verdict.rows_checked > 0


def test_clerks_may_not_list_logins_or_verify(engine_for: Callable[[str], Engine]) -> None:
    with engine_for("alice").connect() as conn:
        with pytest.raises(PermissionDenied):
            admin.list_logins(conn)
        conn.rollback()
        with pytest.raises(PermissionDenied):
            admin.verify_audit(conn)


# -- passwords travel as SCRAM verifiers ---------------------------------------------------


def _parameters_sent(*engines: Engine) -> list[str]:
    """Every statement parameter these engines send from now on, as text."""
    sent: list[str] = []

    def record(_conn: object, _cursor: object, _sql: str, params: object, *_: object) -> None:
        sent.append(repr(params))

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    return sent


def _stored_verifier(database: Database, login: str) -> str:
    with database.admin() as conn:
        row = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (login,)
        ).fetchone()
    assert row is not None
    return str(row[0])


def test_add_login_sends_only_a_verifier(
    database: Database, engine_for: Callable[[str], Engine]
) -> None:
    ada = engine_for("ada")
    sent = _parameters_sent(ada)
    login, password = f"scram_{secrets.token_hex(4)}", "never-in-clear-1"
    with ada.begin() as conn:
        admin.add_login(conn, login, ["clerk"], password, "Sam Scram")
    assert sent, "the statement went through this engine"
    assert not any(password in params for params in sent)
    stored = _stored_verifier(database, login)
    assert stored.startswith("SCRAM-SHA-256$4096:")
    assert any(stored in params for params in sent), "the server keeps what was sent"
    person = Workspace.open(database.settings(login, password))
    try:
        assert person.identity.roles == {"clerk"}
    finally:
        person.close()


def test_the_staff_desk_sends_only_a_verifier(
    database: Database, workspace_for: Callable[[str], Workspace]
) -> None:
    ada = workspace_for("ada")
    sent = _parameters_sent(ada.engine, ada.write_engine)
    login, password = f"desk_{secrets.token_hex(4)}", "typed-twice-in-the-dialog"
    added = StaffService(ada).add(login, "Dee Desk", ["dispatcher"], password)
    assert (added.login, added.roles, added.can_login) == (login, ("dispatcher",), True)
    assert not any(password in params for params in sent)
    assert any(_stored_verifier(database, login) in params for params in sent)
    with database.connect(login, password) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (login,)
