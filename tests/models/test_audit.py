"""The audit trail (SPEC rule 11): who changed what, never rewritten, and tamper-evident.

Tampering tests break the hash chain on purpose, so they run on a private server
(the ``scratch`` fixture) and put the trail back afterwards; everything else uses
the shared database.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import errors as pgerrors

from desktop import cli
from desktop.services import admin
from desktop.services.database import staff_engine
from tests.conftest import ROLE_LOGIN, Database

Connect = Callable[[str], psycopg.Connection[tuple[object, ...]]]


def _audit_rows(
    conn: psycopg.Connection[tuple[object, ...]], table: str, key: object
) -> list[tuple[object, ...]]:
    return conn.execute(
        "SELECT login, table_name, row_key, operation, old_row, new_row FROM audit_log "
        "WHERE table_name = %s AND row_key = %s ORDER BY id",
        (table, str(key)),
    ).fetchall()


def test_each_change_is_recorded_with_login_table_key_and_old_and_new_values(
    connect_as: Connect, database: Database
) -> None:
    alice = connect_as("alice")
    last_name = f"Audit{secrets.token_hex(3)}"
    row = alice.execute(
        "INSERT INTO parker (first_name, last_name, affiliation, email) "
        "VALUES ('Ann', %s, 'student', 'ann@example.edu') RETURNING id",
        (last_name,),
    ).fetchone()
    assert row is not None
    parker_id = row[0]
    alice.execute("UPDATE parker SET email = 'ann@campus.example.edu' WHERE id = %s", (parker_id,))
    alice.commit()
    with database.admin() as su:
        su.execute("DELETE FROM parkdesk.parker WHERE id = %s", (parker_id,))

    mona = connect_as("manager")
    rows = _audit_rows(mona, "parker", parker_id)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("alice", "parker", str(parker_id), "INSERT"),
        ("alice", "parker", str(parker_id), "UPDATE"),
        ("postgres", "parker", str(parker_id), "DELETE"),
    ]
    inserted, updated, deleted = rows
    assert inserted[4] is None
    assert inserted[5]["last_name"] == last_name  # type: ignore[index]
    assert updated[4]["email"] == "ann@example.edu"  # type: ignore[index]
    assert updated[5]["email"] == "ann@campus.example.edu"  # type: ignore[index]
    assert updated[5]["version"] == 2  # type: ignore[index]
    assert deleted[4]["email"] == "ann@campus.example.edu"  # type: ignore[index]
    assert deleted[5] is None


def test_a_rolled_back_change_leaves_no_audit_row(connect_as: Connect) -> None:
    alice = connect_as("alice")
    row = alice.execute(
        "INSERT INTO parker (first_name, last_name, affiliation) "
        "VALUES ('Gone', 'Again', 'visitor') RETURNING id"
    ).fetchone()
    assert row is not None
    alice.rollback()
    assert _audit_rows(connect_as("manager"), "parker", row[0]) == []


def test_staff_logins_are_audited_by_login_name(connect_as: Connect) -> None:
    rows = _audit_rows(connect_as("admin"), "staff_member", "bruno")
    assert [(r[0], r[3]) for r in rows][:1] == [("postgres", "INSERT")]


REWRITES = {
    "UPDATE": "UPDATE audit_log SET login = 'nobody'",
    "DELETE": "DELETE FROM audit_log",
    "TRUNCATE": "TRUNCATE audit_log",
}


@pytest.mark.parametrize("operation", list(REWRITES))
@pytest.mark.parametrize("role", list(ROLE_LOGIN))
def test_no_role_can_rewrite_the_audit_trail(
    connect_as: Connect, role: str, operation: str
) -> None:
    conn = connect_as(role)
    with pytest.raises(pgerrors.InsufficientPrivilege):
        conn.execute(REWRITES[operation])
    conn.rollback()


@pytest.mark.parametrize("operation", list(REWRITES))
def test_even_the_superuser_cannot_rewrite_the_audit_trail(
    database: Database, operation: str
) -> None:
    with database.admin() as su:
        su.execute("SET search_path = parkdesk")
        with (
            su.transaction(force_rollback=True),
            pytest.raises(pgerrors.InsufficientPrivilege, match="audit trail cannot be changed"),
        ):
            su.execute(REWRITES[operation])


@pytest.mark.parametrize(
    "sql", ["DELETE FROM parkdesk.audit_chain", "TRUNCATE parkdesk.audit_chain"]
)
def test_the_chain_head_cannot_be_removed(database: Database, sql: str) -> None:
    with (
        database.admin() as su,
        su.transaction(force_rollback=True),
        pytest.raises(pgerrors.InsufficientPrivilege),
    ):
        su.execute(sql)


def test_concurrent_writers_do_not_fork_the_chain(database: Database) -> None:
    threads_count, inserts = 8, 20
    token = secrets.token_hex(3)
    start = threading.Barrier(threads_count)
    failures: list[BaseException] = []

    def clerk_at_work(n: int) -> None:
        try:
            with database.connect("alice" if n % 2 else "bruno") as conn:
                start.wait(timeout=30)
                for i in range(inserts):
                    conn.execute(
                        "INSERT INTO parker (first_name, last_name, affiliation) "
                        "VALUES (%s, %s, 'student')",
                        (f"Writer{n}", f"Busy{token}x{i}"),
                    )
                    conn.commit()
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    workers = [threading.Thread(target=clerk_at_work, args=(n,)) for n in range(threads_count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert failures == []

    engine = staff_engine(database.settings("ada"))
    try:
        with engine.connect() as conn:
            verdict = admin.verify_audit(conn)
    finally:
        engine.dispose()
    assert verdict.ok, verdict.describe()
    with database.admin() as su:
        recorded = su.execute(
            "SELECT count(*), count(DISTINCT prev_hash) FROM parkdesk.audit_log "
            "WHERE table_name = 'parker' AND new_row->>'last_name' LIKE %s",
            (f"Busy{token}x%",),
        ).fetchone()
    assert recorded == (threads_count * inserts, threads_count * inserts)


def _verify_as_admin(database: Database) -> admin.AuditVerdict:
    engine = staff_engine(database.settings("ada"))
    try:
        with engine.connect() as conn:
            return admin.verify_audit(conn)
    finally:
        engine.dispose()


def test_a_large_transaction_with_a_rolled_back_savepoint_keeps_the_chain(
    database: Database,
) -> None:
    token = secrets.token_hex(3)
    with database.connect("alice") as conn:
        # INSERTs, not COPY: no staff login may COPY into a table with row security.
        conn.cursor().executemany(
            "INSERT INTO parker (first_name, last_name, affiliation) VALUES (%s, %s, %s)",
            [("Bulk", f"Load{token}x{i}", "student") for i in range(2000)],
        )
        with contextlib.suppress(pgerrors.CheckViolation), conn.transaction():
            conn.execute(
                "INSERT INTO parker (first_name, last_name, affiliation) VALUES "
                "('Kept', %s, 'staff'), ('Undone', %s, 'wizard')",
                (f"Load{token}", f"Load{token}"),
            )
        conn.execute(
            "INSERT INTO parker (first_name, last_name, affiliation) VALUES ('Last', %s, 'staff')",
            (f"Load{token}",),
        )
        conn.commit()
    verdict = _verify_as_admin(database)
    assert verdict.ok, verdict.describe()


def test_audit_rows_cannot_be_inserted_directly_even_by_the_superuser(
    database: Database,
) -> None:
    with database.admin() as su, pytest.raises(pgerrors.InsufficientPrivilege):
        su.execute(
            "INSERT INTO parkdesk.audit_log (at, login, table_name, row_key, operation, "
            "row_hash) VALUES (now(), 'alice', 'parker', '1', 'INSERT', '\\x00')"
        )


# -- tampering, on a private server ----------------------------------------------------


@pytest.fixture(scope="module")
def trail(scratch: Database) -> list[int]:
    """Audit row ids of a few parkers created and edited by alice on the private server."""
    with scratch.connect("alice") as alice:
        for n in range(6):
            row = alice.execute(
                "INSERT INTO parker (first_name, last_name, affiliation) "
                "VALUES ('Trail', %s, 'staff') RETURNING id",
                (f"Person{n}",),
            ).fetchone()
            assert row is not None
            alice.execute("UPDATE parker SET notes = 'renewed' WHERE id = %s", row)
    with scratch.admin() as su:
        ids = [int(str(r[0])) for r in su.execute("SELECT id FROM parkdesk.audit_log ORDER BY id")]
    assert len(ids) >= 12
    return ids


def _verify(scratch: Database, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["audit", "verify", "--url", scratch.admin_url])
    out, err = capsys.readouterr()
    assert err == ""
    return code, out.strip()


@contextlib.contextmanager
def tampered(scratch: Database, *statements: str) -> Iterator[None]:
    """Rewrite the trail as a superuser who switched the guards off, then put it back."""
    with psycopg.connect(scratch.admin_url, autocommit=True) as su:
        su.execute("SET search_path = parkdesk, pg_catalog")
        su.execute("CREATE TEMP TABLE saved AS SELECT * FROM audit_log")
        su.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        try:
            for sql in statements:
                su.execute(sql)
        finally:
            su.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
        try:
            yield
        finally:
            su.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
            su.execute("DELETE FROM audit_log")
            su.execute("INSERT INTO audit_log SELECT * FROM saved")
            su.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")


def test_an_untouched_trail_verifies(
    scratch: Database, trail: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _verify(scratch, capsys)
    assert (code, out) == (
        0,
        f"OK: {len(trail)} audit rows, hash chain intact; plate reads of every device chained "
        "intact",
    )


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("new values", "new_row = jsonb_set(new_row, '{last_name}', '\"Mallory\"')"),
        ("old values", "old_row = jsonb_set(old_row, '{notes}', '\"forged\"')"),
        ("login", "login = 'bruno'"),
        ("time", "at = at - interval '1 minute'"),
        ("operation", "operation = 'INSERT'"),
        ("key", "row_key = row_key || '0'"),
        # Moving text from one field into the next must not keep the same digest.
        ("field boundary", "table_name = 'parke', row_key = 'r' || row_key"),
    ],
)
def test_an_altered_row_is_named_by_audit_verify(
    scratch: Database, trail: list[int], capsys: pytest.CaptureFixture[str], what: str, change: str
) -> None:
    victim = trail[len(trail) // 2 + 1]
    with psycopg.connect(scratch.admin_url) as su:
        row = su.execute(
            "SELECT operation FROM parkdesk.audit_log WHERE id = %s", (victim,)
        ).fetchone()
    assert row == ("UPDATE",), "the victim row should be an UPDATE with old and new values"
    with tampered(scratch, f"UPDATE audit_log SET {change} WHERE id = {victim}"):
        code, out = _verify(scratch, capsys)
        assert code == cli.EXIT_FAILED
        assert f"BROKEN at audit row {victim}:" in out, what
    assert _verify(scratch, capsys)[0] == cli.EXIT_OK


def test_a_rehashed_row_breaks_the_link_of_the_next_one(
    scratch: Database, trail: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    victim = trail[4]
    rehash = (
        f"UPDATE audit_log SET login = 'bruno', row_hash = parkdesk.audit_digest(id, at, "
        f"'bruno', table_name, row_key, operation, old_row, new_row, prev_hash) "
        f"WHERE id = {victim}"
    )
    with tampered(scratch, rehash):
        code, out = _verify(scratch, capsys)
    assert code == cli.EXIT_FAILED
    assert f"BROKEN at audit row {trail[5]}:" in out
    assert "link to the previous row" in out


def test_a_deleted_middle_row_is_detected(
    scratch: Database, trail: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    with tampered(scratch, f"DELETE FROM audit_log WHERE id = {trail[6]}"):
        code, out = _verify(scratch, capsys)
    assert code == cli.EXIT_FAILED
    assert f"BROKEN at audit row {trail[7]}:" in out


def test_deleted_newest_rows_are_detected(
    scratch: Database, trail: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    with tampered(scratch, f"DELETE FROM audit_log WHERE id >= {trail[-2]}"):
        code, out = _verify(scratch, capsys)
    assert code == cli.EXIT_FAILED
    assert f"BROKEN at audit row {trail[-1]}: the newest rows are missing" in out


def test_a_row_added_behind_the_triggers_back_is_detected(
    scratch: Database, trail: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    forged_id = trail[-1] + 1000
    forge = (
        "INSERT INTO audit_log (id, at, login, table_name, row_key, operation, new_row, "
        "prev_hash, row_hash) "
        f"SELECT {forged_id}, now(), 'alice', 'parker', '999', 'INSERT', '{{}}', last.row_hash, "
        f"parkdesk.audit_digest({forged_id}, now(), 'alice', 'parker', '999', 'INSERT', NULL, "
        "'{}', last.row_hash) "
        "FROM (SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1) last"
    )
    with tampered(scratch, forge):
        code, out = _verify(scratch, capsys)
    assert code == cli.EXIT_FAILED
    assert f"BROKEN at audit row {forged_id}:" in out
    assert "added without the audit trigger" in out
