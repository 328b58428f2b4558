"""What each desk's database role may and may not do, tried with raw SQL as that role.

This is the promise of the architecture: a person with ``psql`` and their own
password can do exactly what their desk lets them do. Every check runs in a
transaction that is rolled back, so the shared database is left as it was.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors as pgerrors

from desktop.services.passwords import scram_sha256_verifier
from tests.conftest import LOGINS, PASSWORD, ROLE_LOGIN, Database

#: A password as the client sends it: its SCRAM verifier, never the password itself.
VERIFIER = scram_sha256_verifier("long-enough-pw")
TEMP_VERIFIER = scram_sha256_verifier("temporary-pw")

Connect = Callable[[str], psycopg.Connection[tuple[object, ...]]]

ROLES = ["clerk", "adjudicator", "dispatcher", "manager", "officer", "admin"]

#: What someone might try, as SQL. {parker}, {vehicle}, {lot}, {zone} and {victim} (a login)
#: are filled in with rows made for this module, {token} with a fresh random token.
ACTIONS: dict[str, str] = {
    # parkers: personal details
    "read parkers": "SELECT id, first_name, last_name, email, phone FROM parker LIMIT 5",
    "add a parker": (
        "INSERT INTO parker (first_name, last_name, affiliation) "
        "VALUES ('Sec', 'Check{token}', 'visitor')"
    ),
    "edit a parker": "UPDATE parker SET notes = 'seen at the counter' WHERE id = {parker}",
    "deactivate a parker": (
        "UPDATE parker SET active = false, deactivated_at = now(), "
        "deactivation_reason = 'moved away' WHERE id = {parker}"
    ),
    "delete a parker": "DELETE FROM parker WHERE id = {parker}",
    "forge a parker's version": "UPDATE parker SET version = 99 WHERE id = {parker}",
    "forge a parker's created_by": "UPDATE parker SET created_by = 'mona' WHERE id = {parker}",
    "forge a parker's updated_by": "UPDATE parker SET updated_by = 'mona' WHERE id = {parker}",
    "forge a parker's updated_at": (
        "UPDATE parker SET updated_at = now() - interval '1 year' WHERE id = {parker}"
    ),
    "insert a parker with a forged author": (
        "INSERT INTO parker (first_name, last_name, affiliation, created_by) "
        "VALUES ('Sec', 'Forged{token}', 'visitor', 'mona')"
    ),
    # vehicles
    "read vehicles": "SELECT id, plate_normalized FROM vehicle LIMIT 5",
    "add a vehicle": (
        "INSERT INTO vehicle (parker_id, jurisdiction, plate_raw) "
        "VALUES ({parker}, 'ZZ', '{token}')"
    ),
    "edit a vehicle": "UPDATE vehicle SET colour = 'Teal' WHERE id = {vehicle}",
    "delete a vehicle": "DELETE FROM vehicle WHERE id = {vehicle}",
    "forge a vehicle's version": "UPDATE vehicle SET version = 99 WHERE id = {vehicle}",
    # lots and zones
    "read lots and zones": "SELECT l.code, z.code FROM lot l LEFT JOIN zone z ON z.lot_id = l.id",
    "add a lot": "INSERT INTO lot (code, name, capacity) VALUES ('S{token}', 'Check lot', 10)",
    "edit a lot": "UPDATE lot SET capacity = capacity + 1 WHERE id = {lot}",
    "delete a lot": "DELETE FROM lot WHERE id = {lot}",
    "add a zone": "INSERT INTO zone (lot_id, code, name) VALUES ({lot}, 'Z{token}', 'Check zone')",
    "edit a zone": "UPDATE zone SET name = 'Renamed zone' WHERE id = {zone}",
    # the audit trail
    "read the audit trail": "SELECT id, login, old_row, new_row FROM audit_log LIMIT 5",
    "write the audit trail": (
        "INSERT INTO audit_log (at, login, table_name, row_key, operation, row_hash) "
        "VALUES (now(), 'mona', 'parker', '1', 'INSERT', '\\x00')"
    ),
    "verify the audit chain": "SELECT * FROM verify_audit_chain()",
    "replay changes after a reconnect": "SELECT * FROM changes_since(0, 5)",
    "move the audit chain head": "UPDATE audit_chain SET last_id = 0",
    # staff logins
    "list staff logins": "SELECT * FROM staff_logins()",
    "create a staff login": (
        f"SELECT create_staff_login(lower('sec_{{token}}'), 'Check', ARRAY['clerk'], '{VERIFIER}')"
    ),
    "disable a staff login": "SELECT disable_staff_login('{victim}')",
    "write staff_member directly": (
        "INSERT INTO staff_member (login, full_name) VALUES ('sec_{token}', 'Direct')"
    ),
    # search helpers
    "compare look-alike plates": "SELECT plate_differences('AB0123', 'ABO123')",
}

CLERK = {
    "read parkers",
    "add a parker",
    "edit a parker",
    "deactivate a parker",
    "read vehicles",
    "add a vehicle",
    "edit a vehicle",
    "read lots and zones",
    "replay changes after a reconnect",
    "compare look-alike plates",
}
READER = {
    "read parkers",
    "read vehicles",
    "read lots and zones",
    "replay changes after a reconnect",
    "compare look-alike plates",
}
#: role -> what its desk needs; everything else in ACTIONS must be refused.
ALLOWED: dict[str, set[str]] = {
    "clerk": CLERK,
    "adjudicator": READER,
    "dispatcher": READER,
    "manager": READER
    | {
        "add a lot",
        "edit a lot",
        "add a zone",
        "edit a zone",
        "read the audit trail",
        "verify the audit chain",
        "list staff logins",
    },
    # A field device: no personal details at all.
    "officer": {"read lots and zones", "replay changes after a reconnect"},
    "admin": {
        "read lots and zones",
        "replay changes after a reconnect",
        "read the audit trail",
        "verify the audit chain",
        "list staff logins",
        "create a staff login",
        "disable a staff login",
    },
}

CASES = [
    pytest.param(role, action, action in ALLOWED[role], id=f"{role}-{action.replace(' ', '_')}")
    for role in ROLES
    for action in ACTIONS
]


@pytest.fixture(scope="module")
def rows(database: Database) -> dict[str, object]:
    """A parker with a vehicle, a lot with a zone and a spare login, made for these checks."""
    token = secrets.token_hex(3).upper()
    victim = f"sec_victim_{token.lower()}"
    with database.admin() as conn:
        conn.execute(
            "SELECT parkdesk.create_staff_login(%s, 'Spare', ARRAY['clerk'], %s)",
            (victim, VERIFIER),
        )
        parker = conn.execute(
            "INSERT INTO parkdesk.parker (first_name, last_name, affiliation) "
            "VALUES ('Secure', %s, 'staff') RETURNING id",
            (f"Rows{token}",),
        ).fetchone()
        assert parker is not None
        vehicle = conn.execute(
            "INSERT INTO parkdesk.vehicle (parker_id, jurisdiction, plate_raw) "
            "VALUES (%s, 'ZZ', %s) RETURNING id",
            (parker[0], f"R{token}"),
        ).fetchone()
        lot = conn.execute(
            "INSERT INTO parkdesk.lot (code, name, capacity) VALUES (%s, 'Security lot', 5) "
            "RETURNING id",
            (f"R{token}",),
        ).fetchone()
        assert vehicle is not None
        assert lot is not None
        zone = conn.execute(
            "INSERT INTO parkdesk.zone (lot_id, code, name) VALUES (%s, 'Z1', 'Zone 1') "
            "RETURNING id",
            (lot[0],),
        ).fetchone()
        assert zone is not None
    return {
        "parker": parker[0],
        "vehicle": vehicle[0],
        "lot": lot[0],
        "zone": zone[0],
        "victim": victim,
    }


@pytest.mark.parametrize(("role", "action", "allowed"), CASES)
def test_role_can_do_what_its_desk_needs_and_nothing_else(
    connect_as: Connect, rows: dict[str, object], role: str, action: str, allowed: bool
) -> None:
    conn = connect_as(role)
    sql = ACTIONS[action].format(token=secrets.token_hex(3).upper(), **rows)
    try:
        if allowed:
            cur = conn.execute(sql)
            if cur.description is not None:
                cur.fetchall()
            if sql.lstrip().upper().startswith(("UPDATE", "DELETE")):
                assert cur.rowcount == 1, f"{role} could not see the row to {action}"
        else:
            with pytest.raises(pgerrors.InsufficientPrivilege):
                conn.execute(sql)
    finally:
        conn.rollback()


@pytest.mark.parametrize("role", ROLES)
def test_staff_member_rows_are_private_except_to_admin_and_manager(
    connect_as: Connect, role: str
) -> None:
    conn = connect_as(role)
    visible = {str(r[0]) for r in conn.execute("SELECT login FROM staff_member").fetchall()}
    conn.rollback()
    if role in {"admin", "manager"}:
        assert set(LOGINS) <= visible
    else:
        assert visible == {ROLE_LOGIN[role]}


def test_application_roles_hold_no_dangerous_attributes(database: Database) -> None:
    with database.admin() as conn:
        rows = conn.execute(
            """
            SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb,
                   r.rolreplication
            FROM pg_roles r
            WHERE r.rolname LIKE 'parkdesk\\_%%' AND r.rolname <> 'parkdesk_owner'
               OR r.rolname = ANY(%s)
            """,
            (list(LOGINS),),
        ).fetchall()
    assert {r[0] for r in rows} >= {f"parkdesk_{g}" for g in ROLES} | set(LOGINS)
    for name, *flags in rows:
        assert flags == [False] * 5, f"{name} has superuser/bypassrls/createrole/createdb/repl"


def test_no_application_role_owns_anything(database: Database) -> None:
    with database.admin() as conn:
        owned = conn.execute(
            """
            SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c
            WHERE pg_get_userbyid(c.relowner) = ANY(%s)
            UNION ALL
            SELECT p.proname, pg_get_userbyid(p.proowner) FROM pg_proc p
            WHERE pg_get_userbyid(p.proowner) = ANY(%s)
            UNION ALL
            SELECT n.nspname, pg_get_userbyid(n.nspowner) FROM pg_namespace n
            WHERE pg_get_userbyid(n.nspowner) = ANY(%s)
            """,
            [[*LOGINS, *(f"parkdesk_{g}" for g in ROLES)]] * 3,
        ).fetchall()
    assert owned == []


def test_the_owner_role_cannot_log_in_and_is_not_a_superuser(database: Database) -> None:
    with database.admin() as conn:
        row = conn.execute(
            "SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles "
            "WHERE rolname = 'parkdesk_owner'"
        ).fetchone()
    assert row == (False, False, False)


@pytest.mark.parametrize(
    ("role", "target"),
    [
        (role, target)
        for role in ROLES
        for target in ["parkdesk_owner", "parkdesk_admin", "parkdesk_manager", "postgres"]
        if target != f"parkdesk_{role}"  # a member may act as its own group
    ],
)
def test_a_staff_login_cannot_become_another_role(
    connect_as: Connect, role: str, target: str
) -> None:
    conn = connect_as(role)
    with pytest.raises(pgerrors.InsufficientPrivilege):
        conn.execute(f"SET ROLE {target}")
    conn.rollback()
    with pytest.raises(pgerrors.InsufficientPrivilege):
        conn.execute(f"GRANT {target} TO {ROLE_LOGIN[role]}")
    conn.rollback()


def test_stamps_come_from_the_session_login_even_when_a_client_sets_them(
    database: Database,
) -> None:
    """The superuser has every column grant, so only the trigger stands in the way."""
    with database.admin() as conn:
        created = conn.execute(
            "INSERT INTO parkdesk.parker (first_name, last_name, affiliation, version, "
            "created_by, created_at, updated_by, updated_at) "
            "VALUES ('Stamp', 'Forger', 'visitor', 42, 'mona', '2001-01-01', 'mona', "
            "'2001-01-01') RETURNING id, version, created_by, updated_by, "
            "created_at > now() - interval '1 hour'"
        ).fetchone()
        assert created is not None
        parker_id, version, created_by, updated_by, created_recently = created
        assert (version, created_by, updated_by, created_recently) == (
            1,
            "postgres",
            "postgres",
            True,
        )
        updated = conn.execute(
            "UPDATE parkdesk.parker SET notes = 'x', version = 1000, created_by = 'mona', "
            "updated_by = 'mona', updated_at = '2001-01-01' WHERE id = %s "
            "RETURNING version, created_by, updated_by, updated_at > now() - interval '1 hour'",
            (parker_id,),
        ).fetchone()
        assert updated == (2, "postgres", "postgres", True)
        conn.rollback()


def test_clerks_writes_are_stamped_with_their_own_login(connect_as: Connect) -> None:
    alice = connect_as("alice")
    bruno = connect_as("bruno")
    row = alice.execute(
        "INSERT INTO parker (first_name, last_name, affiliation) "
        "VALUES ('Stamp', %s, 'student') RETURNING id, created_by, updated_by, version",
        (f"Alice{secrets.token_hex(3)}",),
    ).fetchone()
    assert row is not None
    assert row[1:] == ("alice", "alice", 1)
    alice.commit()
    after = bruno.execute(
        "UPDATE parker SET notes = 'bruno was here' WHERE id = %s "
        "RETURNING created_by, updated_by, version",
        (row[0],),
    ).fetchone()
    bruno.commit()
    assert after == ("alice", "bruno", 2)


def test_an_administrator_creates_and_disables_logins(database: Database) -> None:
    login = f"sec_{secrets.token_hex(4)}"
    ada = database.connect("ada")
    try:
        ada.execute(
            "SELECT create_staff_login(%s, 'Temp Clerk', ARRAY['clerk'], %s)",
            (login, TEMP_VERIFIER),
        )
        ada.commit()
        with database.connect(login, "temporary-pw") as temp:
            assert temp.execute("SELECT count(*) >= 0 FROM parker").fetchone() == (True,)
            # An open session of a disabled login is ended, not left working.
            ada.execute("SELECT disable_staff_login(%s)", (login,))
            ada.commit()
            with pytest.raises(psycopg.OperationalError):
                temp.execute("SELECT 1")
        with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
            database.connect(login, "temporary-pw")
    finally:
        ada.close()


def test_an_administrator_cannot_create_an_owner_or_superuser(connect_as: Connect) -> None:
    ada = connect_as("admin")
    for login, roles in [
        ("parkdesk_owner", ["clerk"]),
        ("postgres", ["clerk"]),
        (f"sec_{secrets.token_hex(3)}", ["owner"]),
        (f"sec_{secrets.token_hex(3)}", ["superuser"]),
    ]:
        with pytest.raises(pgerrors.InvalidParameterValue):
            ada.execute("SELECT create_staff_login(%s, '', %s, %s)", (login, roles, VERIFIER))
        ada.rollback()


def test_staff_logins_reach_the_database_with_their_password_only(database: Database) -> None:
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        database.connect("alice", PASSWORD + "x")
