"""Walks the catalog so a new table, grant or function cannot slip past the security model.

The permission matrix below is the contract, and must say the same as docs/SECURITY.md:
change a grant in a migration and this test fails until both are updated.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import Database

OWNER = "parkdesk_owner"
EVERY_DESK = {"clerk", "adjudicator", "dispatcher", "manager", "officer", "admin"}
#: The desks that work with people: personal details are theirs to read.
PARKER_READERS = {"clerk", "adjudicator", "dispatcher", "manager"}

# -- the permission matrix ----------------------------------------------------------

#: table -> privilege -> group roles holding it on the whole table.
TABLE_GRANTS: dict[str, dict[str, set[str]]] = {
    "alembic_version": {"SELECT": EVERY_DESK},  # clients refuse a schema they do not know
    "audit_chain": {},  # only the audit trigger and verify_audit_chain touch it
    "audit_log": {"SELECT": {"manager", "admin"}},
    "lot": {"SELECT": EVERY_DESK},
    "zone": {"SELECT": EVERY_DESK},
    "staff_member": {"SELECT": EVERY_DESK},  # row-level security: own row unless admin/manager
    "parker": {"SELECT": PARKER_READERS},
    "vehicle": {"SELECT": PARKER_READERS},
}

PARKER_FIELDS = {
    "first_name",
    "last_name",
    "affiliation",
    "campus_id",
    "email",
    "phone",
    "address",
    "notes",
}
VEHICLE_FIELDS = {
    "parker_id",
    "jurisdiction",
    "plate_raw",
    "plate_status",
    "make",
    "model",
    "colour",
    "model_year",
}
DEACTIVATION = {"active", "deactivated_at", "deactivation_reason"}

#: table -> (group role, privilege) -> the only columns it may write. Never version,
#: created_*/updated_* (the stamp trigger sets them) nor generated columns.
COLUMN_GRANTS: dict[str, dict[tuple[str, str], set[str]]] = {
    "lot": {
        ("manager", "INSERT"): {"code", "name", "capacity", "active"},
        ("manager", "UPDATE"): {"code", "name", "capacity", "active"},
    },
    "zone": {
        ("manager", "INSERT"): {"lot_id", "code", "name"},
        ("manager", "UPDATE"): {"code", "name"},
    },
    "parker": {
        ("clerk", "INSERT"): PARKER_FIELDS,
        ("clerk", "UPDATE"): PARKER_FIELDS | DEACTIVATION,
    },
    "vehicle": {
        ("clerk", "INSERT"): VEHICLE_FIELDS,
        ("clerk", "UPDATE"): VEHICLE_FIELDS | DEACTIVATION,
    },
}

#: function -> group roles that may EXECUTE it (nobody else, PUBLIC least of all).
FUNCTION_GRANTS: dict[str, set[str]] = {
    "changes_since": EVERY_DESK,
    "last_change_id": EVERY_DESK,
    "plate_differences": PARKER_READERS,
    "verify_audit_chain": {"manager", "admin"},
    "staff_logins": {"manager", "admin"},
    "create_staff_login": {"admin"},
    "disable_staff_login": {"admin"},
    # Trigger and helper functions: called by the database, never by a login.
    "audit_digest": set(),
    "record_change": set(),
    "stamp_row": set(),
    "forbid_audit_rewrite": set(),
    "seal_audit_chain": set(),
    "forbid_audit_forgery": set(),
}

#: Tables without the audit trigger, and why.
NOT_AUDITED = {
    "audit_log": "the audit trail itself: auditing it would audit its own rows forever",
    "audit_chain": "the hash-chain head, rewritten by the audit trigger on every change",
    "alembic_version": "migration bookkeeping, written only by the administrator's upgrade",
}

# -- catalog access ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog(database: Database) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with database.admin() as conn:
        yield conn
        conn.rollback()


def _who(name: str) -> str:
    return name.removeprefix("parkdesk_") if name != OWNER else name


def _tables(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'parkdesk' AND c.relkind IN ('r', 'p') ORDER BY 1"
        )
    ]


def test_every_table_is_in_the_permission_matrix(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    assert set(_tables(catalog)) == set(TABLE_GRANTS), (
        "a table was added or dropped: put it in TABLE_GRANTS and docs/SECURITY.md"
    )


def test_everything_in_the_schema_belongs_to_the_owner_role(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    foreign = catalog.execute(
        """
        SELECT 'relation ' || c.relname, pg_get_userbyid(c.relowner) FROM pg_class c
        WHERE c.relnamespace = 'parkdesk'::regnamespace AND pg_get_userbyid(c.relowner) <> %(o)s
        UNION ALL
        SELECT 'function ' || p.proname, pg_get_userbyid(p.proowner) FROM pg_proc p
        WHERE p.pronamespace = 'parkdesk'::regnamespace AND pg_get_userbyid(p.proowner) <> %(o)s
        UNION ALL
        SELECT 'type ' || t.typname, pg_get_userbyid(t.typowner) FROM pg_type t
        WHERE t.typnamespace = 'parkdesk'::regnamespace AND pg_get_userbyid(t.typowner) <> %(o)s
        UNION ALL
        SELECT 'schema parkdesk', pg_get_userbyid(nspowner) FROM pg_namespace
        WHERE nspname = 'parkdesk' AND pg_get_userbyid(nspowner) <> %(o)s
        """,
        {"o": OWNER},
    ).fetchall()
    assert foreign == []


@pytest.mark.parametrize("table", sorted(TABLE_GRANTS))
def test_table_grants_match_the_matrix(
    catalog: psycopg.Connection[tuple[object, ...]], table: str
) -> None:
    rows = catalog.execute(
        """
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
               a.privilege_type
        FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
        WHERE c.oid = %s::regclass
        """,
        (f"parkdesk.{table}",),
    ).fetchall()
    granted: dict[str, set[str]] = {}
    for grantee, privilege in rows:
        if grantee != OWNER:
            granted.setdefault(str(privilege), set()).add(_who(str(grantee)))
    assert granted == TABLE_GRANTS[table]


@pytest.mark.parametrize("table", sorted(TABLE_GRANTS))
def test_column_grants_match_the_matrix(
    catalog: psycopg.Connection[tuple[object, ...]], table: str
) -> None:
    rows = catalog.execute(
        """
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
               a.privilege_type, att.attname
        FROM pg_attribute att, aclexplode(att.attacl) a
        WHERE att.attrelid = %s::regclass AND att.attnum > 0 AND NOT att.attisdropped
        """,
        (f"parkdesk.{table}",),
    ).fetchall()
    granted: dict[tuple[str, str], set[str]] = {}
    for grantee, privilege, column in rows:
        granted.setdefault((_who(str(grantee)), str(privilege)), set()).add(str(column))
    assert granted == COLUMN_GRANTS.get(table, {})


def test_the_owner_itself_cannot_rewrite_the_audit_trail(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    rows = catalog.execute(
        "SELECT privilege_type FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = 'parkdesk.audit_log'::regclass AND a.grantee = %s::regrole",
        (OWNER,),
    ).fetchall()
    # MAINTAIN (VACUUM, ANALYZE; PostgreSQL 17+) changes no row.
    assert {str(r[0]) for r in rows} - {"MAINTAIN"} == {"SELECT", "INSERT"}


def test_sequences_are_not_granted_to_anyone(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    """Identity columns draw their numbers without a grant; a sequence grant would let a
    login burn or reset numbers."""
    rows = catalog.execute(
        """
        SELECT c.relname, pg_get_userbyid(a.grantee) FROM pg_class c,
               aclexplode(coalesce(c.relacl, acldefault('s', c.relowner))) a
        WHERE c.relnamespace = 'parkdesk'::regnamespace AND c.relkind = 'S'
          AND a.grantee <> c.relowner
        """
    ).fetchall()
    assert rows == []


@pytest.mark.parametrize("table", sorted(TABLE_GRANTS))
def test_every_table_has_the_audit_trigger(
    catalog: psycopg.Connection[tuple[object, ...]], table: str
) -> None:
    triggers = catalog.execute(
        """
        SELECT t.tgtype, t.tgenabled FROM pg_trigger t
        WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal
          AND t.tgfoid = 'parkdesk.record_change'::regproc
        """,
        (f"parkdesk.{table}",),
    ).fetchall()
    if table in NOT_AUDITED:
        assert triggers == [], NOT_AUDITED[table]
        return
    assert len(triggers) == 1, f"{table} has no audit trigger (parkdesk.record_change)"
    tgtype, enabled = triggers[0]
    assert isinstance(tgtype, int)
    row, before, insert, delete, update = (bool(tgtype & bit) for bit in (1, 2, 4, 8, 16))
    assert (row, before, insert, delete, update) == (True, False, True, True, True)
    assert enabled == "O", f"the audit trigger on {table} is switched off"


@pytest.mark.parametrize("table", sorted(TABLE_GRANTS))
def test_tables_with_a_version_have_the_stamp_trigger(
    catalog: psycopg.Connection[tuple[object, ...]], table: str
) -> None:
    has_version = catalog.execute(
        "SELECT 1 FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'version'",
        (f"parkdesk.{table}",),
    ).fetchone()
    if has_version is None:
        return
    triggers = catalog.execute(
        """
        SELECT t.tgtype FROM pg_trigger t
        WHERE t.tgrelid = %s::regclass AND t.tgfoid = 'parkdesk.stamp_row'::regproc
          AND t.tgenabled = 'O'
        """,
        (f"parkdesk.{table}",),
    ).fetchall()
    assert len(triggers) == 1, f"{table} has a version column but no stamp_row trigger"
    tgtype = triggers[0][0]
    assert isinstance(tgtype, int)
    # FOR EACH ROW, BEFORE, on INSERT and UPDATE.
    assert tgtype & (1 | 2 | 4 | 16) == 1 | 2 | 4 | 16


def _functions(
    conn: psycopg.Connection[tuple[object, ...]],
) -> list[tuple[str, str, bool, list[str] | None]]:
    rows = conn.execute(
        "SELECT p.proname, pg_get_userbyid(p.proowner), p.prosecdef, p.proconfig "
        "FROM pg_proc p WHERE p.pronamespace = 'parkdesk'::regnamespace ORDER BY 1"
    ).fetchall()
    return [(str(r[0]), str(r[1]), bool(r[2]), r[3]) for r in rows]  # type: ignore[misc]


def test_every_function_is_in_the_matrix(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    assert {f[0] for f in _functions(catalog)} == set(FUNCTION_GRANTS)


def test_security_definer_functions_pin_a_safe_search_path(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    definers = [f for f in _functions(catalog) if f[2]]
    assert definers, "the schema should have SECURITY DEFINER functions"
    for name, owner, _definer, config in definers:
        assert owner == OWNER
        paths = [c.removeprefix("search_path=") for c in config or [] if c.startswith("search_")]
        assert paths, f"{name} is SECURITY DEFINER without a pinned search_path"
        schemas = [s.strip().strip('"') for s in paths[0].split(",")]
        # pg_temp must be named, and last: left out, it is searched first.
        assert schemas[-1] == "pg_temp", f"{name}: search_path {paths[0]!r}"
        assert set(schemas) <= {"pg_catalog", "parkdesk", "pg_temp"}, name


@pytest.mark.parametrize("function", sorted(FUNCTION_GRANTS))
def test_function_execute_grants_match_the_matrix(
    catalog: psycopg.Connection[tuple[object, ...]], function: str
) -> None:
    rows = catalog.execute(
        """
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
        FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
        WHERE p.pronamespace = 'parkdesk'::regnamespace AND p.proname = %s
          AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
        """,
        (function,),
    ).fetchall()
    assert {_who(str(r[0])) for r in rows} == FUNCTION_GRANTS[function]


def test_functions_added_later_are_not_executable_by_everyone(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    """A future migration creating a function as the owner gets no PUBLIC EXECUTE."""
    with catalog.transaction(force_rollback=True):
        catalog.execute("SET LOCAL ROLE parkdesk_owner")
        catalog.execute(
            "CREATE FUNCTION parkdesk.later_one() RETURNS int LANGUAGE sql AS 'SELECT 1'"
        )
        rows = catalog.execute(
            "SELECT a.grantee FROM pg_proc p, "
            "aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a "
            "WHERE p.oid = 'parkdesk.later_one'::regproc AND a.privilege_type = 'EXECUTE'"
        ).fetchall()
        owner = catalog.execute("SELECT %s::regrole::oid", (OWNER,)).fetchone()
    assert owner is not None
    assert {r[0] for r in rows} == {owner[0]}


def test_the_schema_and_database_are_closed_to_everyone_else(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    schema = catalog.execute(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, "
        "a.privilege_type FROM pg_namespace n, aclexplode(n.nspacl) a "
        "WHERE n.nspname = 'parkdesk' AND a.grantee <> n.nspowner"
    ).fetchall()
    assert {(_who(str(g)), str(p)) for g, p in schema} == {(g, "USAGE") for g in EVERY_DESK}
    database = catalog.execute(
        "SELECT a.privilege_type FROM pg_database d, "
        "aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a "
        "WHERE d.datname = current_database() AND a.grantee = 0"
    ).fetchall()
    assert database == [], "PUBLIC may not connect or make temporary tables"


def test_an_abandoned_transaction_cannot_block_every_desk_for_long(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    """Audited writes queue on the chain head until commit; an idle transaction is ended."""
    settings = catalog.execute(
        "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
        "WHERE d.datname = current_database() AND s.setrole = 0"
    ).fetchone()
    assert settings is not None
    assert "idle_in_transaction_session_timeout=1min" in settings[0]  # type: ignore[operator]
