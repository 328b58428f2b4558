"""The insider attacks of the hardening review, each tried as the login that tried it.

Every test connects as a staff login with psycopg, bypassing the client, attempts what
was found to get through, and asserts it is refused with a clear message or harmless.
docs/SECURITY.md ("Threats considered") names the test that proves each item.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import errors as pgerrors
from psycopg.types.json import Jsonb

from desktop.services import admin
from desktop.services.database import admin_engine
from desktop.services.errors import KnownError, ValidationError
from desktop.services.passwords import scram_sha256_verifier
from tests.conftest import PASSWORD, Database
from tests.models.conftest import fresh_database
from tests.models.test_enforcement import Setup, issue, setup
from tests.models.test_permit_rules import (
    CARD,
    make_lot,
    make_parker,
    make_type,
    make_vehicle,
    one,
    open_shift_of,
    permit_of,
    refused,
    sell,
    token,
)
from tests.models.test_plate_reads import Patrol, patrol

Conn = psycopg.Connection[tuple[object, ...]]
__all__ = ["patrol", "setup"]  # fixtures
Connect = Callable[[str], Conn]

#: How long a blocked writer may take before the test calls it stalled (the guarantee is
#: 5 s for a staff session holding what it waits for; this leaves room for a slow machine).
STALL_PATIENCE = 30.0
PAN = "4111 1111 1111 1111"


@pytest.fixture
def catalogue(connect: Connect) -> dict[str, int]:
    mona = connect("mona")
    lot = make_lot(mona, 50)
    return {"lot": lot, "type": make_type(mona, [lot])}


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Runs ``work`` in a thread; the list receives its result or its exception."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:  # reported to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def ended(conn: Conn) -> bool:
    try:
        conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return True
    return False


# -- 1. notification flood ----------------------------------------------------------------


def test_1_writes_go_through_when_someone_fills_the_notification_queue() -> None:
    """An officer pins the queue from a transaction and floods it: writes still commit."""
    with fresh_database({"alice": ["clerk"], "otto": ["officer"]}) as db:
        with db.admin() as su:
            su.autocommit = True
            su.execute("ALTER SYSTEM SET max_notify_queue_pages = 64")  # 512 kB: quick to fill
        db.server.stop()
        db.server.start()
        pinner, flooder, alice = db.connect("otto"), db.connect("otto"), db.connect("alice")
        try:
            pinner.execute("SET idle_in_transaction_session_timeout = 0")
            pinner.execute("LISTEN parkdesk_changes")
            pinner.commit()
            pinner.execute("SELECT 1")  # an open transaction: its backend reads no queue
            flooder.autocommit = True
            usage = 0.0
            for batch in range(200):
                try:
                    flooder.execute(
                        "SELECT pg_notify('parkdesk_changes', repeat('x', 7000) || %s || i) "
                        "FROM generate_series(1, 5) AS i",
                        (batch,),
                    )
                except pgerrors.ProgramLimitExceeded:
                    break  # the flooder's own commit is refused once the queue is full
                usage = float(str(one(flooder, "SELECT pg_notification_queue_usage()")))
            else:
                pytest.fail(f"the queue never filled (usage {usage})")
            assert float(str(one(flooder, "SELECT pg_notification_queue_usage()"))) > 0.5
            for _ in range(3):
                alice.execute(
                    "INSERT INTO parker (first_name, last_name, affiliation) "
                    "VALUES ('Queue', %s, 'staff')",
                    (f"Full{token()}",),
                )
                alice.commit()
            assert int(str(one(alice, "SELECT count(*) FROM parker WHERE first_name = 'Queue'")))
        finally:
            for conn in (pinner, flooder, alice):
                conn.close()


# -- 2. holding the audit chain head -------------------------------------------------------


def _hold_chain(conn: Conn, parker: int) -> None:
    conn.execute("SET idle_in_transaction_session_timeout = 0")
    conn.execute("ALTER ROLE CURRENT_USER SET idle_in_transaction_session_timeout = 0")
    conn.commit()
    conn.execute("UPDATE parker SET notes = notes WHERE id = %s", (parker,))


def _write_notes(victim: Conn, parker: int) -> Callable[[], float]:
    def write() -> float:
        started = time.monotonic()
        victim.execute("UPDATE parker SET notes = 'saved' WHERE id = %s", (parker,))
        victim.commit()
        return time.monotonic() - started

    return write


def test_2_an_idle_transaction_holding_the_chain_is_ended_by_the_writer_it_blocks(
    desk: Database, connect: Connect
) -> None:
    alice = connect("alice")
    one_parker, other_parker = make_parker(alice), make_parker(alice)
    attacker = desk.connect("alice")
    victim = desk.connect("bruno")
    try:
        _hold_chain(attacker, one_parker)
        thread, outcome = in_thread(_write_notes(victim, other_parker))
        thread.join(STALL_PATIENCE)
        assert outcome, "the victim's write is still waiting"
        assert isinstance(outcome[0], float), outcome
        assert ended(attacker), "the session that held the chain head was ended"
    finally:
        attacker.close()
        victim.close()
        with desk.admin() as su:
            su.execute("ALTER ROLE alice RESET idle_in_transaction_session_timeout")


def test_2_a_sleeping_statement_holding_the_chain_is_ended_too(
    desk: Database, connect: Connect
) -> None:
    alice = connect("alice")
    one_parker, other_parker = make_parker(alice), make_parker(alice)
    attacker = desk.connect("alice")
    victim = desk.connect("bruno")
    try:
        attacker.execute("UPDATE parker SET notes = notes WHERE id = %s", (one_parker,))
        sleeper, slept = in_thread(lambda: attacker.execute("SELECT pg_sleep(120)"))
        time.sleep(0.5)
        thread, outcome = in_thread(_write_notes(victim, other_parker))
        thread.join(STALL_PATIENCE)
        assert outcome, "the victim's write is still waiting"
        assert isinstance(outcome[0], float), outcome
        sleeper.join(STALL_PATIENCE)
        assert slept, "the sleeping holder is still running"
        assert isinstance(slept[0], psycopg.OperationalError), slept
    finally:
        attacker.close()
        victim.close()


def test_2_a_row_lock_held_idle_is_ended_by_any_desks_live_connection(
    desk: Database, connect: Connect
) -> None:
    """The victim waits on a parker row, not the chain: every open desk's heartbeat runs
    end_overdue_sessions() every two seconds, as the officer's device here does."""
    alice = connect("alice")
    parker = make_parker(alice)
    attacker = desk.connect("alice")
    victim = desk.connect("bruno")
    watcher = connect("otto")
    try:
        _hold_chain(attacker, parker)
        thread, outcome = in_thread(_write_notes(victim, parker))
        deadline = time.monotonic() + STALL_PATIENCE
        while thread.is_alive() and time.monotonic() < deadline:
            watcher.execute("SELECT end_overdue_sessions()")
            thread.join(0.5)
        assert outcome, "the victim's write is still waiting"
        assert isinstance(outcome[0], float), outcome
        assert ended(attacker)
    finally:
        attacker.close()
        victim.close()
        with desk.admin() as su:
            su.execute("ALTER ROLE alice RESET idle_in_transaction_session_timeout")


def test_2_a_lock_held_with_short_statements_is_ended_too(desk: Database, connect: Connect) -> None:
    """Short statements in a row keep a holder looking busy; its transaction's age counts.
    (Session locks, which outlive a transaction, no login may take: threat 18.)"""
    parker = make_parker(connect("alice"))
    attacker = desk.connect("alice")
    victim = desk.connect("bruno")
    victim.autocommit = True
    watcher = connect("otto")
    try:
        attacker.execute("SELECT id FROM parker WHERE id = %s FOR UPDATE", (parker,))
        thread, outcome = in_thread(
            lambda: victim.execute("UPDATE parker SET notes = 'Called' WHERE id = %s", (parker,))
        )
        deadline = time.monotonic() + STALL_PATIENCE
        while thread.is_alive() and time.monotonic() < deadline:
            try:
                attacker.execute("SELECT 1")  # never idle for long
            except psycopg.OperationalError:
                break
            watcher.execute("SELECT end_overdue_sessions()")
            thread.join(0.5)
        thread.join(STALL_PATIENCE)
        assert outcome, "the victim is still waiting"
        assert not isinstance(outcome[0], Exception), outcome
        assert ended(attacker)
    finally:
        attacker.close()
        victim.close()


def test_2_a_young_or_honest_transaction_is_left_alone(connect: Connect) -> None:
    alice, bruno = connect("alice"), connect("bruno")
    bruno.autocommit = False
    bruno.execute("SELECT count(*) FROM parker")  # a long read blocks nobody
    assert one(alice, "SELECT end_overdue_sessions()") == 0
    assert not ended(bruno)
    bruno.rollback()


def test_2_a_writer_waiting_on_a_superusers_maintenance_gets_a_clear_message(
    desk: Database, connect: Connect
) -> None:
    """Only staff sessions are ended. Behind an administrator's open transaction a desk
    gives up after about eight seconds, with words a clerk understands."""
    alice = connect("alice")
    parker = make_parker(alice)
    with desk.admin() as su:
        su.execute("UPDATE parkdesk.parker SET notes = notes WHERE id = %s", (parker,))
        victim = desk.connect("bruno")
        try:
            with refused("PD006", match="Another desk is saving a change"):
                _write_notes(victim, make_parker(connect("bruno")))()
        finally:
            victim.close()
        su.rollback()


# -- 3. unbounded inputs --------------------------------------------------------------------

HUGE = "A" * 5_000_000

#: issue_citation's arguments as SQL, with the field a refusal of each names (text only).
CITATION_ARGS: list[tuple[str, str]] = [
    ("'HH-01'", "device"),
    ("1", ""),
    ("'HH000011'", "number"),
    ("'ON'", "jurisdiction"),
    ("'ABC123'", "plate"),
    ("'NP'", "violation"),
    ("'A'", "lot"),
    ("now()", ""),
    ("'a note'", "note"),
    ("'Honda'", "make"),
    ("'red'", "colour"),
]

#: attach_evidence's arguments as SQL, with the field a refusal of each names (text only).
EVIDENCE_ARGS: list[tuple[str, str]] = [
    ("'HH-01'", "device"),
    ("1", ""),
    ("'HH000011'", "citation_number"),
    ("'\\xffd8ff00'", ""),
    ("repeat('0', 64)", "sha256"),
    ("'image/jpeg'", "media_type"),
    ("now()", ""),
]

#: record_plate_read's arguments as SQL, with the field a refusal of each names (text only).
READ_ARGS: list[tuple[str, str]] = [
    ("'HH-01'", "device"),
    ("1", ""),
    ("'ON'", "jurisdiction"),
    ("'ABC123'", "plate"),
    ("'A'", "lot"),
    ("now()", ""),
    ("43.65", ""),
    ("-79.38", ""),
    ("0.9", ""),
    ("'\\xffd8ff00'", ""),
    ("repeat('0', 64)", "photo_sha256"),
]

#: Every function a desk may call that takes text, JSON or an array, called with far too
#: much of it, and the field the refusal names (its SQLSTATE is PD002 unless given).
OVERSIZED: list[tuple[str, str, str, str]] = [
    ("otto", "SELECT check_plate('ON', %(huge)s)", "PD002", "plate"),
    ("otto", "SELECT check_plate(%(huge)s, 'ABC123')", "PD002", "jurisdiction"),
    ("otto", "SELECT check_plate('ON', 'ABC123', %(huge)s)", "PD002", "lot"),
    ("otto", "SELECT * FROM plate_near_matches('ON', %(huge)s)", "PD002", "plate"),
    ("otto", "SELECT * FROM recent_reads('ON', %(huge)s)", "PD002", "plate"),
    ("otto", "SELECT * FROM recent_reads(%(huge)s, 'ABC')", "PD002", "jurisdiction"),
    ("alice", "SELECT clear_permit_flag(1, %(huge)s)", "PD002", "note"),
    ("otto", "SELECT * FROM plate_near_matches(%(huge)s, 'ABC')", "PD002", "jurisdiction"),
    ("otto", "SELECT card_number_free(%(huge)s)", "PD002", "general"),
    (
        "alice",
        "SELECT charge_fee(gen_random_uuid(), 1, 5, %(huge)s, '{}')",
        "PD002",
        "memo",
    ),
    (
        "alice",
        "SELECT charge_fee(gen_random_uuid(), 1, 5, 'memo', "
        "jsonb_build_object('kind', %(huge)s::text))",
        "PD002",
        "tender",
    ),
    (
        "alice",
        "SELECT cancel_permit(gen_random_uuid(), 1, %(huge)s, '{}')",
        "PD002",
        "reason",
    ),
    (
        "alice",
        "SELECT sell_permit(gen_random_uuid(), 1, 1, 1, "
        "(SELECT array_agg(i) FROM generate_series(1, 1000000) i), current_date, '{}')",
        "PD002",
        "vehicles",
    ),
    (
        "alice",
        "SELECT issue_temporary_permit(gen_random_uuid(), 'temporary', 'ON', %(huge)s, 1, "
        "now(), now() + interval '1 day', 0, 'free', '{}')",
        "PD002",
        "plate",
    ),
    (
        "alice",
        "SELECT issue_temporary_permit(gen_random_uuid(), 'temporary', 'ON', 'A1', 1, "
        "now(), now() + interval '1 day', 0, 'free', '{}', NULL, %(huge)s)",
        "PD002",
        "note",
    ),
    ("alice", "SELECT close_shift(1, jsonb_build_object('20', %(huge)s::text))", "PD002", "counts"),
    (
        "alice",
        "SELECT renew_permit(gen_random_uuid(), 1, jsonb_build_object('kind', %(huge)s::text))",
        "PD002",
        "tender",
    ),
    (
        "alice",
        "SELECT pay_refund(gen_random_uuid(), 1, jsonb_build_object('kind', %(huge)s::text))",
        "PD002",
        "tender",
    ),
    ("alice", "SELECT correct_plate(1, 'ON', 'A1', 'readable', %(huge)s)", "PD002", "reason"),
    ("mona", "SELECT post_adjustment(1, 5, %(huge)s)", "PD002", "memo"),
    ("mona", "SELECT decide_refund(1, false, %(huge)s)", "PD002", "note"),
    ("mona", "SELECT sign_off_shift(1, %(huge)s)", "PD002", "note"),
    (
        "ada",
        "SELECT create_staff_login(%(huge)s, 'x', ARRAY['clerk'], 'x')",
        "22023",
        "",
    ),
    ("ada", "SELECT disable_staff_login(%(huge)s)", "P0002", ""),
    ("otto", "SELECT check_digit(%(huge)s, 'luhn')", "PD002", "digits"),
    ("otto", "SELECT check_digit('123', %(huge)s)", "PD002", "scheme"),
    ("mona", "SELECT spoil_numbers(1, 1, 1, %(huge)s)", "PD002", "reason"),
    # Citations' money.
    ("adele", "SELECT void_citation(1, %(huge)s)", "PD002", "reason"),
    # Appeals.
    (
        "alice",
        "SELECT file_appeal(gen_random_uuid(), 1, 'mail', 'Pat Doe', '', %(huge)s)",
        "PD002",
        "statement",
    ),
    (
        "alice",
        "SELECT file_appeal(gen_random_uuid(), 1, 'mail', %(huge)s, '', 'Had a permit')",
        "PD002",
        "appellant",
    ),
    ("alice", "SELECT withdraw_appeal(1, %(huge)s)", "PD002", "note"),
    ("dara", "SELECT acknowledge_alert(1, %(huge)s)", "PD002", "note"),
    ("dara", "SELECT reopen_incident(1, %(huge)s)", "PD002", "reason"),
    (
        "dara",
        "SELECT record_incident(jsonb_build_object('narrative', %(huge)s::text))",
        "PD002",
        "incident",
    ),
    (
        "dara",
        "SELECT change_incident(1, jsonb_build_object('narrative', %(huge)s::text))",
        "PD002",
        "incident",
    ),
    ("dara", "SELECT revoke_trespass_notice(1, %(huge)s)", "PD002", "reason"),
    ("dara", "SELECT link_incident(1, 'citation', %(huge)s)", "PD002", "number"),
    ("dara", "SELECT checked_investigators(ARRAY[%(huge)s])", "PD002", "investigators"),
    (
        "dara",
        "SELECT issue_trespass_notice(NULL, %(huge)s, '', NULL, 'Lot C', 'Reason', "
        "now() + interval '1 day')",
        "PD002",
        "person_name",
    ),
    (
        "dara",
        "SELECT issue_trespass_notice(NULL, 'Pat', '', NULL, 'Lot C', 'Reason', "
        "now() + interval '1 day', ARRAY[%(huge)s])",
        "PD002",
        "plates",
    ),
    (
        "dara",
        "SELECT attach_incident_evidence(1, '\\xffd8ff'::bytea, repeat('0', 64), "
        "'image/jpeg', %(huge)s)",
        "PD002",
        "description",
    ),
    ("dara", "SELECT retire_watchlist_entry(1, %(huge)s)", "PD002", "reason"),
    (
        "alice",
        "SELECT attach_appeal_document(1, '\\x255044462d'::bytea, %(huge)s, 'application/pdf', "
        "'Receipt')",
        "PD002",
        "sha256",
    ),
    (
        "alice",
        "SELECT attach_appeal_document(1, '\\x255044462d'::bytea, repeat('0', 64), "
        "'application/pdf', %(huge)s)",
        "PD002",
        "description",
    ),
    (
        "alice",
        "SELECT attach_appeal_document(1, '\\x255044462d'::bytea, repeat('0', 64), "
        "'application/pdf', 'Receipt', %(huge)s)",
        "PD002",
        "file_name",
    ),
    ("adele", "SELECT decide_appeal(1, 'uphold', 1, %(huge)s)", "PD002", "note"),
    ("adele", "SELECT schedule_hearing(1, now() + interval '1 day', %(huge)s)", "PD002", "place"),
    ("mona", "SELECT reopen_appeal(1, %(huge)s)", "PD002", "reason"),
    (
        "alice",
        "SELECT pay_citations(gen_random_uuid(), ARRAY[1]::bigint[], "
        "jsonb_build_object('kind', %(huge)s::text))",
        "PD002",
        "tender",
    ),
    (
        "alice",
        "SELECT pay_citations(gen_random_uuid(), "
        "(SELECT array_agg(i) FROM generate_series(1, 1000000) i), '{}')",
        "PD002",
        "citations",
    ),
    ("otto", "SELECT unpaid_past_due(%(huge)s, 'ABC123')", "PD002", "jurisdiction"),
    ("otto", "SELECT unpaid_past_due('ON', %(huge)s)", "PD002", "plate"),
    *(
        (
            "otto",
            "SELECT * FROM issue_citation("
            + ", ".join("%(huge)s" if i == at else arg for i, (arg, _) in enumerate(CITATION_ARGS))
            + ")",
            "PD002",
            field,
        )
        for at, (_, field) in enumerate(CITATION_ARGS)
        if field
    ),
    *(
        (
            "otto",
            "SELECT * FROM attach_evidence("
            + ", ".join("%(huge)s" if i == at else arg for i, (arg, _) in enumerate(EVIDENCE_ARGS))
            + ")",
            "PD002",
            field,
        )
        for at, (_, field) in enumerate(EVIDENCE_ARGS)
        if field
    ),
    *(
        (
            "otto",
            "SELECT * FROM record_plate_read("
            + ", ".join("%(huge)s" if i == at else arg for i, (arg, _) in enumerate(READ_ARGS))
            + ")",
            "PD002",
            field,
        )
        for at, (_, field) in enumerate(READ_ARGS)
        if field
    ),
    # A read's photo: 25 MB, over the 20 MB it may be.
    (
        "otto",
        "SELECT * FROM record_plate_read('HH-01', 1, 'ON', 'ABC123', 'A', now(), NULL, NULL, "
        "NULL, convert_to(repeat(%(huge)s, 5), 'UTF8'), repeat('0', 64))",
        "PD002",
        "photo",
    ),
    # The bytes: 25 MB, over the 20 MB evidence takes.
    (
        "otto",
        "SELECT * FROM attach_evidence('HH-01', 1, 'HH000011', "
        "convert_to(repeat(%(huge)s, 5), 'UTF8'), repeat('0', 64), 'image/jpeg', now())",
        "PD002",
        "content",
    ),
]


def _called(sql: str) -> str:
    return re.findall(r"SELECT (?:\* FROM )?(\w+)", sql)[0]


@pytest.mark.parametrize(
    ("login", "sql", "sqlstate", "field"),
    OVERSIZED,
    ids=[f"{row[0]}-{_called(row[1])}" for row in OVERSIZED],
)
def test_3_every_input_is_bounded_before_any_work(
    connect: Connect, login: str, sql: str, sqlstate: str, field: str
) -> None:
    conn = connect(login)
    with refused(sqlstate, field or None):
        conn.execute(sql, {"huge": HUGE})


def test_3_look_alike_comparison_of_huge_strings_costs_nothing(connect: Connect) -> None:
    alice = connect("alice")
    assert one(alice, "SELECT plate_differences(%s, %s)", (HUGE, HUGE)) == 99


def test_3_every_callable_function_taking_text_is_in_the_oversized_list(desk: Database) -> None:
    """A new function a role may call, taking text, JSON, bytes or an array, must be tried."""
    with desk.admin() as su:
        rows = su.execute(
            """
            SELECT DISTINCT p.proname FROM pg_proc p, aclexplode(p.proacl) a
            WHERE p.pronamespace = 'parkdesk'::regnamespace AND a.privilege_type = 'EXECUTE'
              AND a.grantee <> p.proowner
              AND EXISTS (SELECT 1 FROM unnest(p.proargtypes) t
                          WHERE t IN ('text'::regtype, 'jsonb'::regtype, 'bytea'::regtype)
                             OR (SELECT typcategory FROM pg_type WHERE oid = t) = 'A')
            """
        ).fetchall()
    tried = {_called(sql) for _, sql, _, _ in OVERSIZED}
    bounded_by_type = {
        # Plates, jurisdictions and lot codes: checked above through check_plate's own tests.
        "plate_differences",  # returns at once for anything longer than a plate
        "readable_tables",  # takes a role name
        "changes_since",  # numbers only
        "shift_totals",  # an id array, refused above 500
        "shown_taker",  # compares a login once, per row of the payment views
        "shown_poster",  # the same, per row of the ledger view
    }
    missing = {str(r[0]) for r in rows} - tried - bounded_by_type
    assert missing == set(), f"try an oversized call of {sorted(missing)} in OVERSIZED"


# -- 4. refunds go back the way they were paid ------------------------------------------------


def _sale(connect: Connect, catalogue: dict[str, int], tender: dict[str, Any]) -> dict[str, int]:
    alice = connect("alice")
    parker = make_parker(alice)
    vehicle, _ = make_vehicle(alice, parker)
    payment = sell(alice, parker, catalogue["type"], catalogue["lot"], [vehicle], tender=tender)
    return {"parker": parker, "payment": payment, "permit": permit_of(alice, payment)}


def _cancel(clerk: Conn, permit: int, tender: dict[str, Any]) -> int:
    return int(
        one(
            clerk,
            "SELECT cancel_permit(gen_random_uuid(), %s, 'Moving away', %s)",
            (permit, Jsonb(tender)),
        )
    )


def test_4_a_card_sale_refunded_in_cash_waits_for_a_manager_whatever_the_amount(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice, mona = connect("alice"), connect("mona")
    open_shift_of(alice)
    sale = _sale(connect, catalogue, CARD)
    refund = _cancel(alice, sale["permit"], {"kind": "cash"})  # 48.33, under the threshold
    status = alice.execute(
        "SELECT status, approval_reason, paid_payment_id FROM refund WHERE id = %s", (refund,)
    ).fetchone()
    assert status == ("pending", "tender", None)
    with refused("PD002", "refund", "not approved"):
        alice.execute('SELECT pay_refund(gen_random_uuid(), %s, \'{"kind": "cash"}\')', (refund,))
    mona.execute("SELECT decide_refund(%s, true, 'Card closed, seen the statement')", (refund,))
    payout = int(
        one(alice, 'SELECT pay_refund(gen_random_uuid(), %s, \'{"kind": "cash"}\')', (refund,))
    )
    assert one(alice, "SELECT tender FROM payment_line WHERE id = %s", (payout,)) == "cash"


def test_4_a_refund_to_the_same_card_needs_nobody(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice = connect("alice")
    sale = _sale(connect, catalogue, CARD)
    refund = _cancel(alice, sale["permit"], {**CARD, "reference": "REFUND-77"})
    assert one(alice, "SELECT status FROM refund WHERE id = %s", (refund,)) == "paid"


def test_4_an_approved_refund_is_not_paid_in_another_tender(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    """Approved for its amount (above the threshold), then taken in cash: refused."""
    alice, mona = connect("alice"), connect("mona")
    open_shift_of(alice)
    mona.execute("UPDATE office_setting SET refund_approval_threshold = 10")
    try:
        sale = _sale(connect, catalogue, CARD)
        refund = _cancel(alice, sale["permit"], CARD)
        assert one(alice, "SELECT approval_reason FROM refund WHERE id = %s", (refund,)) == "amount"
        mona.execute("SELECT decide_refund(%s, true, NULL)", (refund,))
        with refused("PD002", "tender", "card ending 4242"):
            alice.execute(
                'SELECT pay_refund(gen_random_uuid(), %s, \'{"kind": "cash"}\')', (refund,)
            )
    finally:
        mona.execute("UPDATE office_setting SET refund_approval_threshold = 100")


# -- 5. drawers are private, and the count is blind ------------------------------------------


def test_5_a_clerk_cannot_total_another_clerks_drawer(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice, bruno = connect("alice"), connect("bruno")
    shift = open_shift_of(alice)
    parker = make_parker(alice)
    alice.execute(
        "SELECT charge_fee(gen_random_uuid(), %s, 7.50, 'Lost hang tag', %s)",
        (parker, Jsonb({"kind": "cash", "tendered": "10"})),
    )
    for sql in (
        "SELECT received_by, sum(amount) FROM payment GROUP BY 1",
        "SELECT shift_id, sum(amount) FROM payment GROUP BY 1",
        "SELECT posted_by, sum(amount) FROM ledger_entry GROUP BY 1",
    ):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            bruno.execute(sql)
    takers = bruno.execute(
        "SELECT DISTINCT received_by FROM payment_line WHERE parker_id = %s", (parker,)
    ).fetchall()
    assert takers == [(None,)], "bruno sees the payment, not who took it"
    assert (
        bruno.execute("SELECT * FROM shift_totals(ARRAY[%s]::bigint[])", (shift,)).fetchall() == []
    )
    with refused("P0002", None, "among the shifts you can see"):
        bruno.execute("SELECT * FROM shift_payments(%s)", (shift,))
    with pytest.raises(pgerrors.UndefinedColumn):
        bruno.execute("SELECT shift_id FROM payment_line")


def test_5_the_clerks_own_open_drawer_shows_counts_not_cash(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice, mona = connect("alice"), connect("mona")
    shift = open_shift_of(alice)
    parker = make_parker(alice)
    alice.execute(
        "SELECT charge_fee(gen_random_uuid(), %s, 7.50, 'Lost hang tag', %s)",
        (parker, Jsonb({"kind": "cash", "tendered": "10"})),
    )
    cash = alice.execute(
        "SELECT received, paid_out, payments > 0 FROM shift_totals(ARRAY[%s]::bigint[]) "
        "WHERE tender = 'cash'",
        (shift,),
    ).fetchone()
    assert cash == (None, None, True)
    assert one(alice, "SELECT expected FROM shift_line WHERE id = %s", (shift,)) is None
    with refused("PD002", "shift", "once it is counted and closed"):
        alice.execute("SELECT * FROM shift_payments(%s)", (shift,))
    managed = mona.execute(
        "SELECT received FROM shift_totals(ARRAY[%s]::bigint[]) WHERE tender = 'cash'", (shift,)
    ).fetchone()
    assert managed is not None
    assert managed[0] is not None
    assert managed[0] >= Decimal("7.50")


def test_5_closing_and_rolling_back_never_shows_the_expected_cash(
    desk: Database, connect: Connect
) -> None:
    """Close the drawer inside a transaction, look, roll back, count "right": not so."""
    alice = connect("alice")
    shift = open_shift_of(alice)
    alice.execute(
        "SELECT charge_fee(gen_random_uuid(), %s, 7.50, 'Lost hang tag', %s)",
        (make_parker(alice), Jsonb({"kind": "cash", "tendered": "10"})),
    )
    peek = desk.connect("alice")
    try:
        peek.execute("SAVEPOINT before_close")
        peek.execute("SELECT close_shift(%s, %s)", (shift, Jsonb({"1": 1})))
        row = peek.execute(
            "SELECT closed_at IS NOT NULL, expected, variance FROM shift_line WHERE id = %s",
            (shift,),
        ).fetchone()
        assert row == (True, None, None)
        cash = peek.execute(
            "SELECT received FROM shift_totals(ARRAY[%s]::bigint[]) WHERE tender = 'cash'",
            (shift,),
        ).fetchone()
        assert cash == (None,)
        with refused("PD002", "shift"):
            peek.execute("SELECT * FROM shift_payments(%s)", (shift,))
        peek.rollback()
        with pytest.raises(pgerrors.InsufficientPrivilege):
            peek.execute("SELECT expected FROM cash_shift WHERE id = %s", (shift,))
        peek.rollback()
        taken = peek.execute(
            "SELECT count(*) FILTER (WHERE received_by IS NOT NULL) FROM payment_line "
            "WHERE tender = 'cash' AND received_at >= (SELECT opened_at FROM shift_line "
            "WHERE id = %s)",
            (shift,),
        ).fetchone()
        assert taken == (0,), "one's own cash in an open shift is not marked as one's own"
    finally:
        peek.close()
    assert one(alice, "SELECT closed_at FROM shift_line WHERE id = %s", (shift,)) is None


def test_5_who_sold_or_refunded_what_is_the_managers_to_read(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice, bruno, mona = connect("alice"), connect("bruno"), connect("mona")
    sale = _sale(connect, catalogue, CARD)
    for sql in (
        "SELECT created_by FROM permit",
        "SELECT updated_by FROM refund",
        "SELECT created_by FROM permit_vehicle",
        "SELECT updated_by FROM waitlist_entry",
    ):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            bruno.execute(sql)
    assert one(mona, "SELECT created_by FROM permit WHERE id = %s", (sale["permit"],)) == "alice"
    shift = open_shift_of(alice)
    with refused("42501", None, f"Shift {shift} is not one of yours"):
        bruno.execute("SELECT close_shift(%s, '{}')", (shift,))


# -- 6. one request per key ---------------------------------------------------------------


def test_6_a_key_reused_for_a_different_request_is_refused_and_does_nothing(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice, bruno = connect("alice"), connect("bruno")
    parker = make_parker(alice)
    vehicle, _ = make_vehicle(alice, parker)
    key = uuid.uuid4()
    fee = "SELECT charge_fee(%s, %s, %s, 'Replacement hang tag', %s)"
    first = one(alice, fee, (key, parker, Decimal("8.00"), Jsonb(CARD)))
    assert one(alice, fee, (key, parker, Decimal("8.00"), Jsonb(CARD))) == first
    with refused("PD007", match="already used for a different request"):
        alice.execute(fee, (key, parker, Decimal("9999.00"), Jsonb(CARD)))
    with refused("PD007", match="charge fee"):
        sell(alice, parker, catalogue["type"], catalogue["lot"], [vehicle], key=key)
    assert one(alice, "SELECT count(*) FROM permit WHERE parker_id = %s", (parker,)) == 0
    with refused("PD007"):
        bruno.execute(fee, (key, parker, Decimal("8.00"), Jsonb(CARD)))

    sold = _sale(connect, catalogue, CARD)
    with refused("PD007"):
        alice.execute(
            "SELECT cancel_permit(%s, %s, 'Moving away', %s)", (key, sold["permit"], Jsonb(CARD))
        )
    assert one(alice, "SELECT cancelled_at FROM permit WHERE id = %s", (sold["permit"],)) is None


# -- 7. amounts ---------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["0.005", "0.001", "12.345", "-1", "10000.01"])
def test_7_fees_with_fractions_of_a_cent_or_out_of_bounds_are_refused(
    connect: Connect, amount: str
) -> None:
    alice = connect("alice")
    parker = make_parker(alice)
    with refused("PD002", "amount"):
        alice.execute(
            "SELECT charge_fee(gen_random_uuid(), %s, %s::numeric, 'Odd fee', %s)",
            (parker, amount, Jsonb(CARD)),
        )
    assert one(alice, "SELECT count(*) FROM payment_line WHERE parker_id = %s", (parker,)) == 0


@pytest.mark.parametrize(
    ("counts", "match"),
    [
        ({"9999.99": 999999}, "not a denomination"),
        ({"100": 99999}, "more than a drawer holds"),
        ({"100": 9999, "50": 9999}, "more than 1,000,000.00"),
    ],
)
def test_7_an_impossible_drawer_count_is_refused(
    connect: Connect, counts: dict[str, int], match: str
) -> None:
    alice = connect("alice")
    shift = open_shift_of(alice)
    with refused("PD002", "counts", match):
        alice.execute("SELECT close_shift(%s, %s)", (shift, Jsonb(counts)))
    assert one(alice, "SELECT closed_at FROM shift_line WHERE id = %s", (shift,)) is None


# -- 8. no card number anywhere ------------------------------------------------------------

#: Free text a role writes directly: (login, statement). ``{pan}`` is a card number.
DIRECT_WRITES = [
    ("alice", "UPDATE parker SET notes = 'card {pan} exp 04/29' WHERE id = {parker}"),
    ("alice", "UPDATE parker SET address = '{pan}' WHERE id = {parker}"),
    ("alice", "UPDATE parker SET phone = '4111-1111-1111-1111' WHERE id = {parker}"),
    ("alice", "UPDATE vehicle SET model = '4111/1111/1111/1111' WHERE id = {vehicle}"),
    ("mona", "UPDATE lot SET name = 'Lot {pan}' WHERE id = {lot}"),
    ("mona", "UPDATE office_setting SET receipt_footer = 'Pay to {pan}'"),
]


@pytest.mark.parametrize(("login", "statement"), DIRECT_WRITES)
def test_8_a_card_number_is_refused_in_every_text_a_role_writes(
    connect: Connect, catalogue: dict[str, int], login: str, statement: str
) -> None:
    alice = connect("alice")
    parker = make_parker(alice)
    vehicle, _ = make_vehicle(alice, parker)
    conn = connect(login)
    with pytest.raises(pgerrors.CheckViolation, match="no_card_number"):
        conn.execute(
            statement.format(pan=PAN, parker=parker, vehicle=vehicle, lot=catalogue["lot"])
        )


def test_8_a_card_number_is_refused_in_references_memos_and_reasons(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice = connect("alice")
    parker = make_parker(alice)
    with pytest.raises(psycopg.Error, match=r"card number|no_card_number"):
        alice.execute(
            "SELECT charge_fee(gen_random_uuid(), %s, 5, %s, %s)",
            (parker, "Tag", Jsonb({**CARD, "reference": "4111/1111/1111/1111"})),
        )
    with pytest.raises(pgerrors.CheckViolation, match="no_card_number"):
        alice.execute(
            "SELECT charge_fee(gen_random_uuid(), %s, 5, %s, %s)",
            (parker, f"Paid with {PAN}", Jsonb(CARD)),
        )
    sold = _sale(connect, catalogue, CARD)
    with pytest.raises(pgerrors.CheckViolation, match="no_card_number"):
        alice.execute(
            "SELECT cancel_permit(gen_random_uuid(), %s, %s, %s)",
            (sold["permit"], f"refund to {PAN}", Jsonb(CARD)),
        )


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 - 1111 - 1111 - 1111 exp 12/29",
        "4111\u200b\u200b\u200b1111\u200b\u200b\u200b1111\u200b\u200b\u200b1111",
        "\uff14\uff11\uff11\uff11" + "\uff11" * 12,  # fullwidth digits
        "\u0664" + "\u0661" * 15,  # Arabic-Indic digits
        "ref 4111___1111___1111___1111",
        # Beside other text outside ASCII, which only the folded characters are checked for.
        "Lot B \u2014 Science Quad, paid with 4111 1111 1111 1111",
        "Zo\u00eb paid \u2014 \uff14\uff11\uff11\uff11 1111 1111 1111",
        "4\u0301111 1111 1111 1111 \u2014 marks hide no digit",
        "caf\u00e9 \u0664\u0661\u0661\u0661 1111 1111 1111",
    ],
)
def test_8_disguised_card_numbers_are_still_card_numbers(connect: Connect, text: str) -> None:
    assert one(connect("alice"), "SELECT card_number_free(%s)", (text,)) is False


def test_8_a_time_zone_or_a_login_cannot_carry_a_card_number(connect: Connect) -> None:
    mona, ada = connect("mona"), connect("ada")
    with refused("PD002", "time_zone", "by its name"):  # (and the table's check says no)
        mona.execute("UPDATE office_setting SET time_zone = '<+4111111111111111>0'")
    with refused("22023", match="card number"):
        ada.execute(
            "SELECT create_staff_login('c4111111111111111', '', ARRAY['clerk'], %s)",
            (scram_sha256_verifier("long-enough-pw"),),
        )


@pytest.mark.parametrize(
    "text",
    [
        "Call 416-555-0199 or 416-555-0123",
        "Permit P-2026-00412, receipt R-000123",
        "Campus ID S9236009, plate ABC 1234",
        "4111 1111 1111 1112",  # fails the Luhn check
        "Valid: permit P-2026-00412 (Staff) for Lot B \u2014 Science Quad until 31 Dec 2026.",
        "Zo\u00eb Fran\u00e7ois \u2014 \u201cplate ABC 1234\u201d",
    ],
)
def test_8_ordinary_numbers_are_not_mistaken_for_cards(connect: Connect, text: str) -> None:
    assert one(connect("alice"), "SELECT card_number_free(%s)", (text,)) is True


def test_8_every_text_column_is_guarded_or_cannot_hold_thirteen_digits(desk: Database) -> None:
    """A new text column fails here until it gets the card-number check (or a reason)."""
    cannot_hold_a_card = {
        ("vehicle", "plate_raw"): "a plate is at most 10 letters and digits",
        ("vehicle", "jurisdiction"): "two letters and a short region code",
        ("vehicle", "plate_status"): "one of three words",
        ("vehicle", "plate_normalized"): "generated from the plate",
        ("vehicle", "plate_skeleton"): "generated from the plate",
        ("parker", "affiliation"): "one of six words",
        ("lot", "code"): "12 characters",
        ("zone", "code"): "12 characters",
        ("permit_type", "code"): "12 characters",
        ("permit_type", "validity"): "one of three words",
        ("permit_type", "sale_mode"): "one of two words",
        ("permit_type", "proration"): "one of three words",
        ("office_setting", "time_zone"): "a zone the database knows",
        ("office_setting", "currency"): "three capital letters",
        ("office_setting", "phone_region"): "two capital letters",
        ("staff_member", "login"): "the login-name format",
        ("cash_shift", "clerk"): "a login",
        ("cash_shift", "signed_off_by"): "a login",
        ("refund", "status"): "one of four words",
        ("refund", "approval_reason"): "one of two words",
        ("refund", "requested_tender"): "a tender's kind, card brand and last 4, or account",
        ("refund", "decided_by"): "a login",
        ("permit", "number"): "generated from the id",
        ("permit", "kind"): "one of four words",
        ("payment", "receipt_number"): "generated from the id",
        ("payment", "received_by"): "session_user",
        ("payment", "direction"): "in or out",
        ("payment", "tender"): "one of five words",
        ("payment", "card_last4"): "four digits",
        ("payment", "cheque_number"): "at most 10 digits",
        ("payment", "account_kind"): "payroll or student",
        ("ledger_entry", "posted_by"): "session_user",
        ("ledger_entry", "kind"): "one of twelve words",
        ("waitlist_entry", "status"): "one of six words",
        ("request_key", "operation"): "a function's name",
        ("request_key", "login"): "session_user",
        ("plate_correction", "old_jurisdiction"): "copied from a checked vehicle",
        ("plate_correction", "old_plate_raw"): "copied from a checked vehicle",
        ("plate_correction", "old_plate_status"): "copied from a checked vehicle",
        ("plate_correction", "new_jurisdiction"): "copied from a checked vehicle",
        ("plate_correction", "new_plate_raw"): "copied from a checked vehicle",
        ("plate_correction", "new_plate_status"): "copied from a checked vehicle",
        ("plate_correction", "corrected_by"): "session_user",
        ("audit_log", "login"): "session_user",
        ("audit_log", "table_name"): "a table's name",
        ("audit_log", "row_key"): "a key",
        ("audit_log", "operation"): "one of three words",
        ("alembic_version", "version_num"): "a revision",
        ("sql_definition", "checksum"): "64 hexadecimal digits",
        ("office_setting", "check_digit_scheme"): "one of three words",
        ("violation", "code"): "10 characters",
        ("device", "kind"): "one of three words",
        ("citation_range", "prefix"): "at most four letters",
        ("citation_range", "created_by"): "session_user",
        ("spoiled_number", "created_by"): "session_user",
        ("device_request", "operation"): "a function's name",
        ("device_request", "login"): "session_user",
        ("citation", "number"): "letters and at most 10 digits",
        ("citation", "officer"): "session_user",
        ("citation", "jurisdiction"): "two letters and a short region code",
        ("citation", "plate_raw"): "a plate is at most 10 letters and digits",
        ("citation", "plate_normalized"): "generated from the plate",
        ("citation", "voided_by"): "session_user",
        ("evidence", "sha256"): "64 hexadecimal digits",
        ("evidence", "media_type"): "one of three media types",
        ("evidence", "recorded_by"): "session_user",
        ("plate_read", "officer"): "session_user",
        ("plate_read", "jurisdiction"): "two letters and a short region code",
        ("plate_read", "plate_raw"): "a plate is at most 10 letters and digits",
        ("plate_read", "plate_normalized"): "generated from the plate",
        ("plate_read", "verdict"): "a word of check_plate's",
        ("plate_read", "permit_number"): "a permit's number, copied by check_plate",
        ("plate_read", "photo_sha256"): "64 hexadecimal digits",
        ("plate_read_photo", "sha256"): "64 hexadecimal digits",
        ("plate_read_photo", "media_type"): "one of two media types",
        ("plate_read", "exemption"): "an exemption's reason, copied by check_plate",
        ("exemption", "jurisdiction"): "two letters and a short region code",
        ("exemption", "plate_normalized"): "a plate is at most 10 letters and digits",
        ("permit_flag", "cleared_by"): "session_user",
        ("citation", "plate_skeleton"): "generated from the plate",
        ("appeal", "number"): "A, the year and a sequence",
        ("appeal", "filed_by"): "session_user",
        ("appeal", "late_accepted_by"): "session_user",
        ("appeal_claim", "claimed_by"): "session_user",
        ("appeal", "decided_by"): "session_user",
        ("appeal", "channel"): "one of four channels",
        ("appeal", "level"): "review or hearing",
        ("appeal", "status"): "open, decided or withdrawn",
        ("appeal", "decision"): "uphold, reduce or dismiss",
        ("appeal_reason", "decision"): "uphold, reduce or dismiss",
        ("appeal_step", "by"): "session_user",
        ("appeal_step", "step"): "one of the steps",
        ("watchlist_entry", "jurisdiction"): "two letters and a short region code",
        ("watchlist_entry", "plate_pattern"): "at most 12 letters, digits and *",
        ("watchlist_entry", "plate_like"): "generated from the pattern",
        ("watchlist_entry", "retired_by"): "session_user",
        ("watchlist_alert", "jurisdiction"): "a checked plate's jurisdiction",
        ("watchlist_alert", "plate"): "a checked plate",
        ("watchlist_alert", "source"): "read, check or citation",
        ("watchlist_alert", "seen_by"): "session_user",
        ("watchlist_alert", "acknowledged_by"): "session_user",
        ("incident", "number"): "I, the year and a sequence",
        ("incident", "status"): "one of four words",
        ("incident", "status_by"): "session_user",
        ("incident", "reported_by"): "session_user",
        ("incident", "closed_by"): "session_user",
        ("incident", "investigators"): "dispatchers' logins, checked",
        ("incident_person", "added_by"): "session_user",
        ("incident_vehicle", "jurisdiction"): "two letters and a short region code",
        ("incident_vehicle", "plate"): "a plate is at most 10 letters and digits",
        ("incident_vehicle", "added_by"): "session_user",
        ("dispatch_entry", "kind"): "one of five words",
        ("dispatch_entry", "by"): "session_user",
        ("incident_task", "assigned_to"): "a dispatcher's login, checked",
        ("incident_task", "assigned_by"): "session_user",
        ("incident_task", "done_by"): "session_user",
        ("trespass_notice", "number"): "T, the year and a sequence",
        ("incident_link", "reference"): "a citation's or permit's number, looked up",
        ("incident_link", "added_by"): "session_user",
        ("trespass_notice", "issued_by"): "session_user",
        ("trespass_notice", "revoked_by"): "session_user",
    }
    with desk.admin() as su:
        columns = su.execute(
            """
            SELECT c.relname, a.attname,
                   EXISTS (SELECT 1 FROM pg_constraint k
                           WHERE k.conrelid = c.oid AND k.contype = 'c'
                             AND pg_get_constraintdef(k.oid) LIKE
                                 '%%card_number_free(' || a.attname || ')%%')
            FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE c.relnamespace = 'parkdesk'::regnamespace AND c.relkind IN ('r', 'p')
              AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
              AND a.atttypid IN ('text'::regtype, 'varchar'::regtype)
              AND a.attname NOT IN ('created_by', 'updated_by')
            """
        ).fetchall()
    unguarded = {(str(t), str(c)) for t, c, guarded in columns if not guarded} - set(
        cannot_hold_a_card
    )
    assert unguarded == set(), "add CHECK (parkdesk.card_number_free(column)) to these"


# -- 9. the audit trail is as private as the rows it records --------------------------------


def test_9_the_administrator_reads_no_parker_through_the_audit_trail(
    connect: Connect,
) -> None:
    alice, ada, mona = connect("alice"), connect("ada"), connect("mona")
    parker = make_parker(alice)
    alice.execute("UPDATE parker SET email = 'private.person@example.edu' WHERE id = %s", (parker,))
    assert one(ada, "SELECT count(*) FROM audit_log WHERE table_name = 'parker'") == 0
    assert (
        one(ada, "SELECT count(*) FROM audit_log WHERE new_row::text LIKE '%%private.person%%'")
        == 0
    )
    assert one(ada, "SELECT count(*) FROM audit_log WHERE table_name = 'staff_member'") > 0
    assert (
        one(
            mona,
            "SELECT count(*) FROM audit_log WHERE table_name = 'parker' AND row_key = %s",
            (str(parker),),
        )
        == 2
    )


def test_9_changes_since_lists_only_keys_the_caller_may_read(connect: Connect) -> None:
    otto, alice, bruno = connect("otto"), connect("alice"), connect("bruno")
    parker = make_parker(alice)
    open_shift_of(alice)
    keys = {
        (str(t), k) for t, k in otto.execute("SELECT table_name, row_key FROM changes_since(0)")
    }
    assert ("parker", None) in keys, "the officer hears that parkers changed..."
    assert ("parker", str(parker)) not in keys, "...never which"
    assert {k for t, k in keys if t == "staff_member"} <= {None, "otto"}
    assert {k for t, k in keys if t in ("payment", "ledger_entry", "cash_shift")} <= {None}
    shifts = {
        str(r[0])
        for r in bruno.execute(
            "SELECT row_key FROM changes_since(0) WHERE table_name = 'cash_shift' "
            "AND row_key IS NOT NULL"
        )
    }
    alices = {str(r[0]) for r in alice.execute("SELECT id FROM shift_line")}
    assert not shifts & alices, "bruno hears nothing of alice's drawer"


# -- 10. passwords never reach the server ----------------------------------------------------


def test_10_a_failing_login_creation_leaves_no_password_in_the_server_log(
    desk: Database, connect: Connect
) -> None:
    password = f"Plain-{secrets.token_hex(8)}"
    engine = admin_engine(desk.admin_url)
    try:
        with engine.begin() as conn:
            admin.add_login(conn, "sec_logged", ["clerk"], password, "Logged")
        with pytest.raises(KnownError), engine.begin() as conn:
            admin.add_login(conn, "sec_logged", ["clerk"], password, "Again")  # duplicate
    finally:
        engine.dispose()
    ada = connect("ada")
    with refused("22023", match="SCRAM-SHA-256 verifier"):
        ada.execute("SELECT create_staff_login('sec_plain', '', ARRAY['clerk'], %s)", (password,))
    time.sleep(0.2)  # the server writes its log asynchronously
    assert password not in desk.server.log_file.read_text(errors="replace")


def test_10_a_weak_verifier_is_refused(connect: Connect) -> None:
    ada = connect("ada")
    weak = scram_sha256_verifier("long-enough-pw", iterations=1000)
    with refused("22023", match="4096 iterations"):
        ada.execute("SELECT create_staff_login('sec_weak', '', ARRAY['clerk'], %s)", (weak,))


# -- 12. a permit holder stays eligible -------------------------------------------------------


def test_12_a_visitor_cannot_keep_a_permit_sold_while_briefly_faculty(
    desk: Database, catalogue: dict[str, int], connect: Connect
) -> None:
    alice = connect("alice")
    parker = make_parker(alice, affiliation="visitor")
    vehicle, _ = make_vehicle(alice, parker)
    clerk = desk.connect("alice")
    try:
        clerk.execute("UPDATE parker SET affiliation = 'faculty' WHERE id = %s", (parker,))
        sell(clerk, parker, catalogue["type"], catalogue["lot"], [vehicle])
        clerk.execute("UPDATE parker SET affiliation = 'visitor' WHERE id = %s", (parker,))
        with refused("PD002", "affiliation", "cannot become visitor while holding"):
            clerk.commit()
    finally:
        clerk.close()
    assert one(alice, "SELECT count(*) FROM permit WHERE parker_id = %s", (parker,)) == 0
    assert one(alice, "SELECT affiliation FROM parker WHERE id = %s", (parker,)) == "visitor"


def test_12_a_holder_keeps_an_affiliation_their_permits_allow(
    catalogue: dict[str, int], connect: Connect
) -> None:
    alice = connect("alice")
    parker = make_parker(alice, affiliation="staff")
    vehicle, _ = make_vehicle(alice, parker)
    sell(alice, parker, catalogue["type"], catalogue["lot"], [vehicle])
    alice.execute("UPDATE parker SET affiliation = 'faculty' WHERE id = %s", (parker,))
    with refused("PD002", "affiliation"):
        alice.execute("UPDATE parker SET affiliation = 'student' WHERE id = %s", (parker,))


# -- 13. plate corrections are recorded -------------------------------------------------------


def test_13_a_permit_does_not_move_to_a_friends_plate_by_an_update(
    catalogue: dict[str, int], connect: Connect
) -> None:
    alice = connect("alice")
    parker = make_parker(alice)
    vehicle, plate = make_vehicle(alice, parker)
    sell(alice, parker, catalogue["type"], catalogue["lot"], [vehicle])
    with refused("PD002", "plate", "correct its plate with a reason"):
        alice.execute("UPDATE vehicle SET plate_raw = 'FRIEND1' WHERE id = %s", (vehicle,))
    with refused("PD002", "plate"):
        alice.execute("UPDATE vehicle SET jurisdiction = 'NY' WHERE id = %s", (vehicle,))
    # Spacing is not identity: the same plate written differently is a plain edit.
    alice.execute(
        "UPDATE vehicle SET plate_raw = %s WHERE id = %s", (f"{plate[:3]} {plate[3:]}", vehicle)
    )

    with refused("PD002", "reason"):
        alice.execute("SELECT correct_plate(%s, 'ZZ', 'FRIEND1', 'readable', 'x')", (vehicle,))
    fixed = new_plate = f"Q{token(6)}"
    correction = one(
        alice,
        "SELECT correct_plate(%s, 'ZZ', %s, 'readable', 'Typed O for 0 at registration')",
        (vehicle, fixed),
    )
    row = alice.execute(
        "SELECT old_plate_raw, new_plate_raw, reason, corrected_by FROM plate_correction "
        "WHERE id = %s",
        (correction,),
    ).fetchone()
    assert row == (f"{plate[:3]} {plate[3:]}", new_plate, "Typed O for 0 at registration", "alice")
    assert one(alice, "SELECT plate_normalized FROM vehicle WHERE id = %s", (vehicle,)) == fixed


def test_13_a_vehicle_without_permits_is_edited_freely(connect: Connect) -> None:
    alice = connect("alice")
    vehicle, _ = make_vehicle(alice, make_parker(alice))
    alice.execute("UPDATE vehicle SET plate_raw = %s WHERE id = %s", (f"N{token(6)}", vehicle))


# -- 14. free temporary permits are limited -----------------------------------------------


def _free_permit(conn: Conn, plate: str, lot: int, days: int, start_days: int = 0) -> Any:
    return one(
        conn,
        "SELECT issue_temporary_permit(gen_random_uuid(), 'visitor', 'ZZ', %s, %s, "
        "now() + make_interval(days => %s), now() + make_interval(days => %s), 0, "
        "'Visiting speaker', NULL)",
        (plate, lot, start_days, start_days + days),
    )


def test_14_free_permits_chained_past_the_policy_need_a_manager(
    catalogue: dict[str, int], connect: Connect
) -> None:
    alice, mona = connect("alice"), connect("mona")
    plate = f"F{token(6)}"
    _free_permit(alice, plate, catalogue["lot"], 5)  # the office allows 7 days in 90
    with refused("PD002", "free_reason", "already has 5 free days in the last 90 days"):
        _free_permit(alice, plate, catalogue["lot"], 5, start_days=5)
    _free_permit(alice, plate, catalogue["lot"], 2, start_days=5)  # 7 in all: still allowed
    _free_permit(mona, plate, catalogue["lot"], 5, start_days=7)  # a manager may go beyond


def test_14_the_policy_is_the_offices_to_set(connect: Connect) -> None:
    mona, alice = connect("mona"), connect("alice")
    with pytest.raises(pgerrors.InsufficientPrivilege):
        alice.execute("UPDATE office_setting SET free_days_per_plate = 365")
    with pytest.raises(pgerrors.CheckViolation):
        mona.execute("UPDATE office_setting SET free_days_window = 0")


def test_the_service_layer_names_the_field_of_a_card_number(
    desk: Database,
) -> None:
    from desktop.services.database import translate

    with desk.connect("alice") as alice:
        alice.autocommit = True
        parker = make_parker(alice)
        with pytest.raises(psycopg.Error) as caught:
            alice.execute("UPDATE parker SET notes = %s WHERE id = %s", (f"card {PAN}", parker))
    error = translate(caught.value)
    assert isinstance(error, ValidationError)
    assert error.problems[0].field == "notes"
    assert "card number" in error.message


# -- found by the insider pass after the fixes above ----------------------------------------


def test_one_login_cannot_take_every_connection(desk: Database) -> None:
    engine = admin_engine(desk.admin_url)
    try:
        with engine.begin() as conn:
            admin.add_login(conn, "sec_greedy", ["officer"], "greedy-password", "Greedy")
    finally:
        engine.dispose()
    opened: list[Conn] = []
    try:
        opened.extend(desk.connect("sec_greedy", "greedy-password") for _ in range(20))
        with pytest.raises(psycopg.OperationalError, match="too many connections for role"):
            desk.connect("sec_greedy", "greedy-password")
        with desk.connect("alice") as alice:  # everyone else still gets in
            assert alice.execute("SELECT 1").fetchone() == (1,)
    finally:
        for conn in opened:
            conn.close()


def test_14_a_plate_correction_does_not_restart_the_free_day_count(
    catalogue: dict[str, int], connect: Connect
) -> None:
    alice = connect("alice")
    plate = f"G{token(6)}"
    _free_permit(alice, plate, catalogue["lot"], 7)
    vehicle = one(
        alice,
        "SELECT id FROM vehicle WHERE jurisdiction = 'ZZ' AND plate_normalized = %s",
        (plate,),
    )
    alice.execute(
        "SELECT correct_plate(%s, 'ZZ', %s, 'readable', 'Typo at the counter')",
        (vehicle, f"{plate}X"),
    )
    with refused("PD002", "free_reason", "already has 7 free days"):
        _free_permit(alice, plate, catalogue["lot"], 1, start_days=8)


def test_13_a_permit_does_not_follow_its_vehicle_to_another_parker(
    catalogue: dict[str, int], connect: Connect
) -> None:
    alice = connect("alice")
    owner, student = make_parker(alice), make_parker(alice, affiliation="student")
    vehicle, _ = make_vehicle(alice, owner)
    sell(alice, owner, catalogue["type"], catalogue["lot"], [vehicle])
    with refused("PD002", "parker", "before the vehicle changes owner"):
        alice.execute("UPDATE vehicle SET parker_id = %s WHERE id = %s", (student, vehicle))
    spare, _ = make_vehicle(alice, owner)  # no permit: moves freely
    alice.execute("UPDATE vehicle SET parker_id = %s WHERE id = %s", (student, spare))


def test_4_a_manager_approves_one_other_tender_not_any(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice, mona = connect("alice"), connect("mona")
    open_shift_of(alice)
    sale = _sale(connect, catalogue, CARD)
    refund = _cancel(alice, sale["permit"], {"kind": "cash"})
    mona.execute("SELECT decide_refund(%s, true, 'Card closed')", (refund,))
    with refused("PD002", "tender", "approved paying this refund by cash"):
        alice.execute(
            "SELECT pay_refund(gen_random_uuid(), %s, %s)",
            (refund, Jsonb({"kind": "cheque", "number": "1234"})),
        )


# -- found by a third pass --------------------------------------------------------------------


def test_5_a_receipt_does_not_name_its_taker_while_the_cash_is_uncounted(
    connect: Connect,
) -> None:
    alice = connect("alice")
    open_shift_of(alice)
    payment = one(
        alice,
        "SELECT charge_fee(gen_random_uuid(), %s, 4.50, 'Day pass', %s)",
        (make_parker(alice), Jsonb({"kind": "cash", "tendered": "5"})),
    )
    assert alice.execute("SELECT * FROM payment_taker(%s)", (payment,)).fetchall() == [(None, None)]
    card = one(
        alice,
        "SELECT charge_fee(gen_random_uuid(), %s, 4.50, 'Day pass', %s)",
        (make_parker(alice), Jsonb(CARD)),
    )
    assert one(alice, "SELECT login FROM payment_taker(%s)", (card,)) == "alice"


def test_4_an_approval_for_one_card_is_not_one_for_any_card(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice, mona = connect("alice"), connect("mona")
    sale = _sale(connect, catalogue, CARD)
    other_card = {"kind": "card", "brand": "Mastercard", "last4": "5454", "reference": "REF-1234"}
    refund = _cancel(alice, sale["permit"], other_card)
    mona.execute("SELECT decide_refund(%s, true, 'Visa was closed')", (refund,))
    with refused("PD002", "tender", "approved paying this refund by card mastercard 5454"):
        alice.execute(
            "SELECT pay_refund(gen_random_uuid(), %s, %s)",
            (refund, Jsonb({"kind": "card", "brand": "Amex", "last4": "0005", "reference": "X"})),
        )
    alice.execute("SELECT pay_refund(gen_random_uuid(), %s, %s)", (refund, Jsonb(other_card)))


def test_2_an_honest_writer_queued_behind_a_holder_is_never_the_one_ended(
    desk: Database, connect: Connect
) -> None:
    """A second attacker queuing behind the honest writer must not get the honest one
    ended: only the root of a chain of waits is."""
    alice = connect("alice")
    parker = make_parker(alice)
    holder, follower = desk.connect("alice"), desk.connect("alice")
    honest = desk.connect("bruno")
    watcher = connect("otto")
    try:
        holder.execute("SELECT id FROM parker WHERE id = %s FOR UPDATE", (parker,))
        writing, wrote = in_thread(_write_notes(honest, parker))
        time.sleep(0.3)
        queued, _ = in_thread(
            lambda: follower.execute("SELECT id FROM parker WHERE id = %s FOR UPDATE", (parker,))
        )
        deadline = time.monotonic() + STALL_PATIENCE
        while writing.is_alive() and time.monotonic() < deadline:
            watcher.execute("SELECT end_overdue_sessions()")
            writing.join(0.5)
        assert wrote, "the honest write is still waiting"
        assert isinstance(wrote[0], float), wrote
        assert ended(holder)
        queued.join(STALL_PATIENCE)
    finally:
        for conn in (holder, follower, honest):
            conn.close()


def test_13_an_owner_change_cannot_race_a_sale_of_the_vehicle(
    desk: Database, catalogue: dict[str, int], connect: Connect
) -> None:
    alice = connect("alice")
    owner, other = make_parker(alice), make_parker(alice)
    vehicle, _ = make_vehicle(alice, owner)
    mover, seller = desk.connect("alice"), desk.connect("bruno")
    seller.autocommit = True
    try:
        mover.execute("UPDATE vehicle SET parker_id = %s WHERE id = %s", (other, vehicle))
        selling, sold = in_thread(
            lambda: sell(seller, owner, catalogue["type"], catalogue["lot"], [vehicle])
        )
        time.sleep(0.5)
        mover.commit()  # the owner changed while the sale waited
        selling.join(STALL_PATIENCE)
        assert sold, "the sale is still waiting"
        assert isinstance(sold[0], psycopg.Error), sold
        assert "active vehicle of this parker" in str(sold[0])
    finally:
        mover.close()
        seller.close()


def test_14_a_made_up_jurisdiction_is_no_new_allowance(
    catalogue: dict[str, int], connect: Connect
) -> None:
    alice = connect("alice")
    plate = f"J{token(6)}"
    _free_permit(alice, plate, catalogue["lot"], 7)
    with refused("PD002", "free_reason", "already has 7 free days"):
        alice.execute(
            "SELECT issue_temporary_permit(gen_random_uuid(), 'visitor', 'ZZ-1', %s, %s, "
            "now() + interval '8 days', now() + interval '9 days', 0, 'Visiting', NULL)",
            (plate, catalogue["lot"]),
        )


@pytest.mark.parametrize(
    "text",
    [
        "card \u0e54\u0e51\u0e51\u0e51 " + " ".join(["\u0e51" * 4] * 3),  # Thai digits
        "card 4\u0301" + "1" * 15,  # a combining accent inside the number
        "4111 \u0e51\u0e51\u0e51\u0e51 1111 1111",  # scripts mixed
        "\u09ea" + "\u09e7" * 15,  # Bengali digits
    ],
)
def test_8_digits_of_any_script_and_combining_marks_hide_no_card(
    connect: Connect, text: str
) -> None:
    assert one(connect("alice"), "SELECT card_number_free(%s)", (text,)) is False


def test_5_a_shift_that_is_not_yours_and_one_that_does_not_exist_answer_alike(
    connect: Connect,
) -> None:
    alice, bruno = connect("alice"), connect("bruno")
    shift = open_shift_of(alice)
    with refused("42501", None, f"Shift {shift} is not one of yours"):
        bruno.execute("SELECT close_shift(%s, '{}')", (shift,))
    with refused("42501", None, "Shift 987654 is not one of yours"):
        bruno.execute("SELECT close_shift(987654, '{}')")


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO plate_correction (vehicle_id, old_jurisdiction, old_plate_raw, "
        "old_plate_status, new_jurisdiction, new_plate_raw, new_plate_status, reason, "
        "corrected_at, corrected_by) VALUES (1, 'ON', 'A', 'readable', 'ON', 'B', 'readable', "
        "'Forged history', now(), 'bruno')",
        "UPDATE plate_correction SET reason = 'Rewritten'",
        "SELECT * FROM request_key",
        "INSERT INTO request_key (key, operation, fingerprint, login, made_at) "
        "VALUES (gen_random_uuid(), 'charge_fee', '\\x00', 'alice', now())",
        "SELECT * FROM claim_request(gen_random_uuid(), 'charge_fee', '[]')",
    ],
)
def test_the_new_tables_are_written_only_through_their_functions(
    connect: Connect, sql: str
) -> None:
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect("alice").execute(sql)


@pytest.mark.parametrize("zone", ["UTC+5", "<+05>-5", "+05:00", "America/Nowhere"])
def test_the_offices_time_zone_is_a_named_zone_every_desk_can_read(
    connect: Connect, zone: str
) -> None:
    """A manager typing a POSIX rule in psql would have stopped every desk showing a time
    (PostgreSQL reads "UTC+5"; the desks' clocks need a named zone)."""
    mona = connect("mona")
    with refused("PD002", "time_zone", "by its name"):
        mona.execute("UPDATE office_setting SET time_zone = %s", (zone,))
    named = one(mona, "SELECT time_zone FROM office_setting")
    mona.execute("UPDATE office_setting SET time_zone = 'Europe/Paris'")
    mona.execute("UPDATE office_setting SET time_zone = %s", (named,))


# -- 18 to 22: the second insider pass ---------------------------------------------------


@pytest.mark.parametrize("login", ["alice", "adele", "dara", "mona", "otto", "ada"])
def test_18_no_login_takes_an_advisory_lock(connect: Connect, login: str) -> None:
    """Tens of thousands of advisory locks in one statement filled the server's lock table:
    no other desk could log in, and no watchdog saw anybody wait."""
    conn = connect(login)
    for sql in (
        "SELECT count(pg_advisory_lock(i)) FROM generate_series(1, 40000) i",
        "SELECT pg_try_advisory_lock(1)",
        "SELECT pg_advisory_xact_lock(1, 2)",
        "SELECT pg_advisory_lock_shared(1)",
    ):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            conn.execute(sql)
    usable = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p "
        "WHERE p.proname LIKE '%advisory%' AND has_function_privilege(p.oid, 'EXECUTE')"
    ).fetchall()
    assert usable == []


def test_18_money_keys_still_take_their_locks(connect: Connect, catalogue: dict[str, int]) -> None:
    """The owner's functions keep them: a fee charged twice under one key is one fee."""
    alice = connect("alice")
    parker = make_parker(alice)
    key = uuid.uuid4()
    fee = "SELECT charge_fee(%s, %s, 5.00, 'Lost hang tag', %s)"
    first = one(alice, fee, (key, parker, Jsonb(CARD)))
    assert one(alice, fee, (key, parker, Jsonb(CARD))) == first


def test_19_a_statement_that_slept_before_waiting_gets_no_honest_writer_ended(
    desk: Database, connect: Connect
) -> None:
    """A clerk's statement slept 6 s, then queued behind a manager's one-second save: the
    watchdog read the waiter's statement age as its wait, and ended the manager."""
    alice = connect("alice")
    parker = make_parker(alice)
    lot = make_lot(connect("mona"), 50)
    attacker = desk.connect("alice")
    attacker.autocommit = True
    honest = desk.connect("mona")
    watcher = connect("otto")
    try:
        thread, outcome = in_thread(
            lambda: attacker.execute(
                "DO $$ BEGIN PERFORM pg_sleep(6); "
                f"UPDATE parkdesk.parker SET notes = notes WHERE id = {parker}; END $$"
            )
        )
        time.sleep(5.0)
        honest.execute("UPDATE lot SET name = name WHERE id = %s", (lot,))
        # Every desk's live connection asks every two seconds; here, ten times a second
        # while the clerk's statement wakes and queues behind the manager's save.
        for _ in range(25):
            watcher.execute("SELECT end_overdue_sessions()")
            time.sleep(0.1)
        honest.commit()  # not ended: its save went through
        thread.join(STALL_PATIENCE)
        assert outcome, "the clerk's statement is still waiting"
        assert not isinstance(outcome[0], Exception), outcome
    finally:
        attacker.close()
        honest.close()


def test_20_no_login_keeps_bytes_in_large_objects(connect: Connect) -> None:
    alice = connect("alice")
    for sql in (
        f"SELECT lo_from_bytea(0, convert_to('{PAN}', 'UTF8'))",
        "SELECT lo_create(0)",
        "SELECT lo_creat(-1)",
    ):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            alice.execute(sql)


def test_20_settings_a_login_saves_for_itself_are_cleared_by_the_clock_work(
    desk: Database, connect: Connect
) -> None:
    """PostgreSQL lets a login save settings for itself, in a catalog every login reads:
    a card number could be passed on there, or a protection switched off for good."""
    from desktop.services.jobs import run_jobs

    alice = connect("alice")
    alice.execute(f"ALTER ROLE CURRENT_USER SET application_name = '{PAN}'")
    alice.execute("ALTER ROLE CURRENT_USER SET idle_in_transaction_session_timeout = 0")
    saved = "SELECT count(*) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
    saved += "WHERE r.rolname = 'alice'"
    assert one(connect("otto"), saved) == 1  # another login reads it
    engine = admin_engine(desk.admin_url)
    try:
        with engine.begin() as conn:
            done = run_jobs(conn)
    finally:
        engine.dispose()
    assert done.settings_cleared == 1
    assert "Cleared the settings 1 staff login saved" in done.describe()
    assert one(connect("otto"), saved) == 0


def test_21_a_back_dated_check_does_not_read_the_watchlist_unseen(connect: Connect) -> None:
    """A clerk checked every vehicle an hour back: no alert, and every watchlisted plate
    with its instruction. A check of another time now answers what the permits said."""
    from tests.models.test_security_attacks import JURISDICTION, add_entry

    alice, dara = connect("alice"), connect("dara")
    plate = token(7)
    add_entry(dara, plate)
    alerts = "SELECT count(*) FROM watchlist_alert WHERE plate = %s"
    back = alice.execute(
        "SELECT verdict, instruction FROM check_plate(%s, %s, NULL, now() - interval '1 hour')",
        (JURISDICTION, plate),
    ).fetchone()
    assert back == ("no_permit", None)
    assert one(dara, alerts, (plate,)) == 0
    now = alice.execute(
        "SELECT verdict, instruction FROM check_plate(%s, %s)", (JURISDICTION, plate)
    ).fetchone()
    assert now is not None
    assert now[0] == "watchlisted"
    assert now[1]
    assert one(dara, alerts, (plate,)) == 1  # told only with dispatch told too


def test_22_a_write_made_to_fail_shows_no_row_the_caller_may_not_read(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    """A card number in a cancellation's reason failed the permit's check, and the error
    listed the whole permit row, with who sold it (the managers' to read)."""
    bruno = connect("bruno")
    sale = _sale(connect, catalogue, CARD)
    with pytest.raises(psycopg.Error) as caught:
        bruno.execute(
            "SELECT cancel_permit(gen_random_uuid(), %s, %s, %s)",
            (sale["permit"], f"moving away {PAN}", Jsonb({"kind": "none"})),
        )
    assert caught.value.sqlstate == "23514"
    assert caught.value.diag.message_detail is None  # it was "Failing row contains (…)"


def test_22_every_table_keeps_rows_out_of_error_messages(desk: Database) -> None:
    """PostgreSQL leaves a failing row out of an error only where row-level security
    applies to the writer: every table has it, forced on the owner too."""
    with desk.admin() as su:
        bare = su.execute(
            "SELECT c.relname FROM pg_class c "
            "WHERE c.relnamespace = 'parkdesk'::regnamespace AND c.relkind IN ('r', 'p') "
            "AND NOT c.relispartition AND NOT (c.relrowsecurity AND c.relforcerowsecurity)"
        ).fetchall()
    assert bare == []


class RowLocker:
    """A clerk's connections, each holding one parker row in an open transaction: one now
    (``lock``), and, while ``ahead`` runs, a fresh one on the next row every 3 s — so a
    session waiting for those rows always has a new holder to wait for, each of which the
    watchdogs end in turn."""

    def __init__(self, desk: Database) -> None:
        self.desk = desk
        self.held: list[Conn] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def lock(self, row: int) -> Conn:
        conn = self.desk.connect("bruno")
        conn.execute("SET idle_in_transaction_session_timeout = 0")
        conn.execute("SELECT id FROM parker WHERE id = %s FOR UPDATE", (row,))
        self.held.append(conn)
        return conn

    @contextlib.contextmanager
    def ahead(self, rows: list[int]) -> Iterator[None]:
        def keep_locking() -> None:
            for row in rows:
                if self._stop.wait(3.0):
                    return
                self.lock(row)

        self._thread = threading.Thread(target=keep_locking, daemon=True)
        self._thread.start()
        try:
            yield
        finally:
            self._stop.set()
            self._thread.join(STALL_PATIENCE)
            for conn in self.held:
                conn.close()


@contextlib.contextmanager
def watched(watcher: Conn) -> Iterator[None]:
    """An open desk's live connection: ``end_overdue_sessions()`` twice a second."""
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.5):
            watcher.execute("SELECT end_overdue_sessions()")

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(STALL_PATIENCE)


_LOCK_ALL = "SELECT id FROM parker WHERE id = ANY(%s) ORDER BY id FOR UPDATE"


def test_23_a_chain_holder_waiting_for_lock_after_lock_is_ended_too(
    desk: Database, connect: Connect
) -> None:
    """A clerk held the audit chain, then waited for a row that a second connection had
    locked, and for the next row, locked by a third, and so on: the watchdogs ended each
    row's holder but never the clerk, who was waiting itself, and every desk's save was
    refused for as long as the clerk went on."""
    alice = connect("alice")
    parkers = [make_parker(alice) for _ in range(14)]
    locker = RowLocker(desk)
    attacker = desk.connect("alice")
    attacker.execute("SET idle_in_transaction_session_timeout = 0")
    victim = connect("mona")
    lot = make_lot(victim, 50)
    try:
        locker.lock(parkers[1])
        attacker.execute("UPDATE parker SET notes = notes WHERE id = %s", (parkers[0],))
        started = time.monotonic()
        thread, _ = in_thread(lambda: attacker.execute(_LOCK_ALL, (parkers[1:],)))
        saved_at: float | None = None
        with locker.ahead(parkers[2:]), watched(connect("otto")):
            while time.monotonic() - started < 40 and saved_at is None:
                try:
                    victim.execute("UPDATE lot SET name = name WHERE id = %s", (lot,))
                    saved_at = time.monotonic()
                except psycopg.Error as error:
                    # "Another desk is saving a change; try again in a moment."
                    if error.sqlstate != "PD006":
                        raise
            assert saved_at is not None, "no desk could save while the clerk went on"
            assert saved_at - started < 30
            assert ended(attacker)
            thread.join(STALL_PATIENCE)
    finally:
        attacker.close()


def test_24_a_call_number_of_a_card_numbers_length_is_refused(
    connect: Connect, patrol: Patrol
) -> None:
    """An officer sent 4111111111111111 as a read's call number: a card number, kept for
    good in the read every desk reads. A call number has at most 12 digits."""
    otto = connect("otto")
    read = "SELECT read_id FROM record_plate_read(%s, %s, 'ON', %s, %s, now())"
    for seq in (4111111111111111, 10**12):
        with refused("PD002", "device_seq", "at most 12 digits"):
            otto.execute(read, (patrol.device, seq, token(6), patrol.lot_code))
    assert one(otto, read, (patrol.device, 10**12 - 1, token(6), patrol.lot_code))


def test_24_no_number_a_caller_chooses_can_hold_a_card_number(desk: Database) -> None:
    """Every whole-number column that is not a key: bounded under 13 digits, or counted
    by the database itself."""
    with desk.admin() as su:
        columns = {
            (str(t), str(c))
            for t, c in su.execute(
                "SELECT cl.relname, a.attname FROM pg_attribute a "
                "JOIN pg_class cl ON cl.oid = a.attrelid "
                "WHERE cl.relnamespace = 'parkdesk'::regnamespace AND cl.relkind IN ('r', 'p') "
                "AND NOT cl.relispartition AND a.attnum > 0 AND NOT a.attisdropped "
                "AND a.atttypid = 'int8'::regtype AND a.attidentity = '' "
                "AND a.attname <> 'id' AND a.attname NOT LIKE '%\\_id'"
            ).fetchall()
        }
        bounded = {
            str(t)
            for (t,) in su.execute(
                "SELECT cl.relname FROM pg_constraint k JOIN pg_class cl ON cl.oid = k.conrelid "
                "WHERE k.conname = 'ck_' || cl.relname || '_device_seq_range' "
                "AND pg_get_constraintdef(k.oid) LIKE '%device_seq < ''1000000000000''%'"
            ).fetchall()
        }
    call_numbers = {(t, "device_seq") for t in bounded}
    # Within a number range of at most 9 digits (ck_citation_range_sequence_fits).
    in_ranges = {("citation", "seq"), ("citation_range", "first_seq"),
                 ("citation_range", "last_seq"), ("spoiled_number", "seq")}  # fmt: skip
    # Written by the database: ids it made, and sizes it measured.
    by_the_database = {("device_request", "result"), ("request_key", "result"),
                       ("evidence", "size_bytes"), ("plate_read_photo", "size_bytes")}  # fmt: skip
    assert bounded == {"device_request", "citation", "evidence", "plate_read"}
    assert columns == call_numbers | in_ranges | by_the_database


def test_25_whoever_asks_for_a_refund_does_not_approve_it(
    desk: Database, connect: Connect, catalogue: dict[str, int]
) -> None:
    """A login that is a clerk and a manager had every refund approved at once, in any
    tender and for any amount, with itself as the approver."""
    login = f"both_{token(5).lower()}"
    engine = admin_engine(desk.admin_url)
    try:
        with engine.begin() as conn:
            admin.add_login(conn, login, ["clerk", "manager"], PASSWORD)
    finally:
        engine.dispose()
    both, mona = connect(login), connect("mona")
    open_shift_of(both)
    parker = make_parker(both)
    vehicle, _ = make_vehicle(both, parker)
    payment = sell(both, parker, catalogue["type"], catalogue["lot"], [vehicle], tender=CARD)
    refund = _cancel(both, permit_of(both, payment), {"kind": "cash"})
    assert one(both, "SELECT status FROM refund WHERE id = %s", (refund,)) == "pending"
    with refused("PD002", "refund", "another manager decides it"):
        both.execute("SELECT decide_refund(%s, true, 'Fine by me')", (refund,))
    mona.execute("SELECT decide_refund(%s, true, 'Checked the card slip')", (refund,))
    decided = mona.execute("SELECT status, decided_by FROM refund WHERE id = %s", (refund,))
    assert decided.fetchone() == ("approved", "mona")
    # Nor by raising the threshold first (a manager sets it): any refund of theirs waits.
    threshold = one(both, "SELECT refund_approval_threshold FROM office_setting")
    both.execute("UPDATE office_setting SET refund_approval_threshold = 10000")
    try:
        payment = sell(both, parker, catalogue["type"], catalogue["lot"], [vehicle], tender=CARD)
        refund = _cancel(both, permit_of(both, payment), CARD)  # the same card, under 10000
        assert one(both, "SELECT status FROM refund WHERE id = %s", (refund,)) == "pending"
    finally:
        both.execute("UPDATE office_setting SET refund_approval_threshold = %s", (threshold,))


def test_26_ones_own_sale_lines_do_not_sum_the_drawer_before_the_count(
    desk: Database, connect: Connect, catalogue: dict[str, int]
) -> None:
    """A clerk joined their own sale lines (which named them) to the cash payments of the
    same permits, and had the drawer's expected cash before counting it."""
    alice = connect("alice")
    shift = open_shift_of(alice)
    parker = make_parker(alice)
    vehicle, _ = make_vehicle(alice, parker)
    payment = sell(
        alice, parker, catalogue["type"], catalogue["lot"], [vehicle],
        tender={"kind": "cash", "tendered": "500"},
    )  # fmt: skip
    permit = permit_of(alice, payment)
    own_sale = "SELECT posted_by FROM ledger_line WHERE permit_id = %s AND kind = 'sale'"
    assert one(alice, own_sale, (permit,)) is None
    summed = alice.execute(
        "SELECT sum(p.amount) FROM ledger_line l JOIN payment_line p ON p.permit_id = l.permit_id "
        "AND p.tender = 'cash' AND p.direction = 'in' WHERE l.posted_by = current_user "
        "AND l.kind IN ('sale', 'renewal', 'fee') "
        "AND l.posted_at >= (SELECT opened_at FROM shift_line WHERE id = %s)",
        (shift,),
    ).fetchone()
    assert summed == (None,)
    alice.execute("SELECT close_shift(%s, %s)", (shift, Jsonb({"100": 5})))
    assert one(alice, own_sale, (permit,)) == "alice"  # once counted, one's own again


def test_27_a_desk_made_to_wait_behind_a_waiting_session_is_not_the_one_ended(
    desk: Database, connect: Connect
) -> None:
    """A clerk's save waited behind a session of a second clerk that kept itself waiting
    (behind one freshly locked row after another), while a third session waited behind the
    save: at 15 s the watchdog ended the save, the older transaction, and not the session
    that kept it waiting."""
    alice = connect("alice")
    parkers = [make_parker(alice) for _ in range(14)]
    held_by_attacker, held_by_desk, ahead = parkers[0], parkers[1], parkers[2:]
    locker = RowLocker(desk)
    honest = desk.connect("alice")  # the desk: its transaction is the older one
    honest.execute("SET idle_in_transaction_session_timeout = 0")
    honest.execute("SELECT id FROM parker WHERE id = %s FOR UPDATE", (held_by_desk,))
    behind_desk = desk.connect("bruno")
    behind_desk.autocommit = True
    try:
        attacker = locker.lock(held_by_attacker)
        locker.lock(ahead[0])
        started = time.monotonic()
        in_thread(lambda: attacker.execute(_LOCK_ALL, (ahead,)))
        desk_saves, saved = in_thread(
            lambda: honest.execute(
                "UPDATE parker SET notes = 'Moved to lot C' WHERE id = %s", (held_by_attacker,)
            )
        )
        in_thread(
            lambda: behind_desk.execute(
                "UPDATE parker SET notes = 'Waiting' WHERE id = %s", (held_by_desk,)
            )
        )
        with locker.ahead(ahead[1:]), watched(connect("otto")):
            desk_saves.join(40)
            assert saved, "the desk's save is still waiting"
            assert not isinstance(saved[0], Exception), saved  # not ended
            honest.commit()
            assert time.monotonic() - started < 35
            assert ended(attacker)
    finally:
        honest.close()
        behind_desk.close()


def test_28_a_citation_does_not_name_the_clerk_who_took_its_payment(
    connect: Connect, setup: Setup
) -> None:
    """Paying a citation stamped it with the clerk who took the payment: another clerk
    could list who took which citation payment, which the ledger keeps from them."""
    alice, bruno, mona = connect("alice"), connect("bruno"), connect("mona")
    citation = int(issue(connect("otto"), setup, 1028, plate=token(7))[0])
    stamp = "SELECT updated_by, updated_at FROM citation WHERE id = %s"
    issued = bruno.execute(stamp, (citation,)).fetchone()
    open_shift_of(alice)
    alice.execute(
        "SELECT pay_citations(%s, %s, %s)",
        (uuid.uuid4(), [citation], Jsonb({"kind": "cash", "tendered": "100"})),
    )
    assert one(bruno, "SELECT balance FROM citation WHERE id = %s", (citation,)) == 0
    assert bruno.execute(stamp, (citation,)).fetchone() == issued
    assert one(bruno, "SELECT posted_by FROM ledger_line WHERE citation_id = %s "
               "AND kind = 'payment'", (citation,)) is None  # fmt: skip
    # The manager still reads who took it, in the audit trail.
    logins = mona.execute(
        "SELECT login FROM audit_log WHERE table_name = 'citation' AND row_key = %s "
        "AND operation = 'UPDATE'",
        (str(citation),),
    ).fetchall()
    assert ("alice",) in logins
    # A void is the voider's change, and is stamped so.
    other = int(issue(connect("otto"), setup, 1029, plate=token(7))[0])
    mona.execute("SELECT void_citation(%s, %s)", (other, "Issued in error at the gate."))
    assert one(bruno, "SELECT updated_by FROM citation WHERE id = %s", (other,)) == "mona"


def test_28_a_plate_registered_by_a_sale_does_not_name_its_seller(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    """A temporary permit's sale registers a new plate; the vehicle's stamps named the
    clerk who sold it, which the permit's own columns keep from the other desks."""
    alice, bruno, mona = connect("alice"), connect("bruno"), connect("mona")
    plate = token(7)
    alice.execute(
        "SELECT issue_temporary_permit(%s, 'temporary', 'ZZ', %s, %s, now(), "
        "now() + interval '1 day', 10, NULL, %s)",
        (uuid.uuid4(), plate, catalogue["lot"], Jsonb(CARD)),
    )
    for login in ("bruno", "adele", "dara"):
        for column in ("created_by", "updated_by"):
            with pytest.raises(pgerrors.InsufficientPrivilege):
                connect(login).execute(f"SELECT {column} FROM vehicle")
    vehicle = one(bruno, "SELECT id FROM vehicle WHERE plate_raw = %s", (plate,))
    assert one(bruno, "SELECT login FROM vehicle_last_change(%s)", (vehicle,)) is None
    assert one(mona, "SELECT created_by FROM vehicle WHERE plate_raw = %s", (plate,)) == "alice"


@pytest.mark.parametrize("login", ["alice", "adele", "dara"])
def test_29_no_desk_counts_the_files_it_may_not_see(connect: Connect, login: str) -> None:
    """EXPLAIN ANALYZE of a scan of evidence reported the rows its row policy hid: a clerk
    counted a confidential incident's photos, a dispatcher the parkers' appeal papers."""
    conn = connect(login)
    with pytest.raises(pgerrors.InsufficientPrivilege):
        conn.execute("EXPLAIN (ANALYZE) SELECT id FROM evidence")
    plan = "\n".join(
        str(line)
        for (line,) in conn.execute("EXPLAIN (ANALYZE, VERBOSE) SELECT * FROM case_evidence(1)")
    )
    assert "Removed" not in plan
    assert "evidence" not in plan.replace("case_evidence", "")


def test_8_a_refund_waiting_for_another_tender_keeps_no_card_number(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    """A refund to be charged back to an account waits for a manager with the tender kept
    beside it, before the payment's own checks have read it: a card number for the
    account's reference fitted the column's pattern."""
    alice = connect("alice")
    sale = _sale(connect, catalogue, CARD)
    for reference in ("4111-1111-1111-1111", "ACC-411111111111"):
        with refused("PD002", "reference", "card number"):
            _cancel(alice, sale["permit"], {"kind": "account", "account": "payroll",
                                             "reference": reference})  # fmt: skip
    refund = _cancel(
        alice, sale["permit"], {"kind": "account", "account": "payroll", "reference": "EMP-2231"}
    )
    assert one(alice, "SELECT requested_tender FROM refund WHERE id = %s", (refund,)) == (
        "account:payroll:EMP-2231"
    )


def test_5_whether_another_clerks_shift_is_closed_is_not_asked_of_shown_taker(
    connect: Connect,
) -> None:
    """shown_taker is the views' to call, and any clerk may call it: asked of every shift
    with one's own login, it answered for other clerks' shifts too (closed or not)."""
    alice, bruno = connect("alice"), connect("bruno")
    theirs = open_shift_of(bruno)
    bruno.execute("SELECT close_shift(%s, %s)", (theirs, Jsonb({"100": 1})))
    assert one(alice, "SELECT shown_taker(session_user, %s, 'cash')", (theirs,)) is None


@pytest.mark.parametrize("login", ["alice", "adele", "dara", "otto", "ada"])
def test_31_no_login_reads_the_servers_row_counts(connect: Connect, login: str) -> None:
    """The rows each statement fetched, counted by the server for every table and read
    before and after a call, told how many payments another clerk's open shift holds,
    whether a plate is watched (with no alert), and which files are a hidden incident's."""
    conn = connect(login)
    for view in (
        "pg_stat_xact_user_tables",
        "pg_stat_user_tables",
        "pg_stat_user_indexes",
        "pg_statio_user_tables",
        "pg_stat_database",
    ):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            conn.execute(f"SELECT * FROM {view}")
        conn.rollback()
    with pytest.raises(pgerrors.InsufficientPrivilege):
        conn.execute("SELECT pg_stat_get_xact_tuples_fetched('parkdesk.payment'::regclass)")
    conn.rollback()


def test_31_the_clerks_drawer_count_attack_is_refused(connect: Connect) -> None:
    """Exactly the pass's attack: payments counted per shift through shift_totals."""
    alice, bruno = connect("alice"), connect("bruno")
    theirs = open_shift_of(bruno)
    with pytest.raises(pgerrors.InsufficientPrivilege):
        alice.execute(
            """
            DO $$
            DECLARE b bigint; a bigint;
            BEGIN
                SELECT coalesce(sum(idx_tup_fetch), 0) INTO b FROM pg_stat_xact_user_tables
                WHERE relname = 'payment';
                PERFORM * FROM parkdesk.shift_totals(ARRAY[%s]::bigint[]);
                SELECT coalesce(sum(idx_tup_fetch), 0) INTO a FROM pg_stat_xact_user_tables
                WHERE relname = 'payment';
                RAISE NOTICE '% payments', a - b;
            END
            $$
            """.replace("%s", str(theirs))
        )


def test_32_a_call_reads_no_payment_of_another_clerks_shift(
    desk: Database, connect: Connect
) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of a call counts the pages the function read, and
    shift_totals read another clerk's payments before dropping them: their number, shift
    by shift. It now reads only the caller's shifts' payments (counted here by the
    server's own statistics, as the administrator, for a call made as the clerk)."""
    bruno = connect("bruno")
    theirs = open_shift_of(bruno)
    parker = make_parker(bruno)
    for _ in range(3):
        bruno.execute(
            "SELECT charge_fee(gen_random_uuid(), %s, 5, 'Replacement hang tag', %s)",
            (parker, Jsonb({"kind": "cash", "tendered": "5"})),
        )
    with desk.admin() as su:
        su.execute("SET SESSION AUTHORIZATION alice")
        assert (
            su.execute(
                "SELECT * FROM parkdesk.shift_totals(ARRAY[%s]::bigint[])", (theirs,)
            ).fetchall()
            == []
        )
        su.execute("RESET SESSION AUTHORIZATION")
        fetched = su.execute(
            "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) "
            "FROM pg_stat_xact_user_tables WHERE relname = 'payment'"
        ).fetchone()
        su.rollback()
    assert fetched == (0,)


def _cash_shift_rows_read(desk: Database, login: str, sql: str, params: tuple[Any, ...]) -> int:
    """How many rows of cash_shift a statement made as ``login`` read, by the server's own
    count (which only the administrator reads now)."""
    with desk.admin() as su:
        su.execute(f"SET SESSION AUTHORIZATION {login}")
        su.execute(sql, params).fetchall()
        su.execute("RESET SESSION AUTHORIZATION")
        row = su.execute(
            "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) "
            "FROM pg_stat_xact_user_tables WHERE relname = 'cash_shift'"
        ).fetchone()
        su.rollback()
    return int(row[0]) if row else 0


def test_32_reading_ones_own_payment_reads_what_reading_anothers_does(
    desk: Database, connect: Connect
) -> None:
    """shown_taker looked the shift up only for one's own payments: EXPLAIN (ANALYZE,
    BUFFERS) of a read of each cash payment marked one's own, and summed the drawer."""
    fee = "SELECT charge_fee(gen_random_uuid(), %s, 5, 'Replacement hang tag', %s)"
    cash = Jsonb({"kind": "cash", "tendered": "5"})
    payments = {}
    for login in ("alice", "bruno"):
        conn = connect(login)
        open_shift_of(conn)
        conn.execute(fee, (make_parker(conn), cash))
        payments[login] = one(conn, "SELECT max(id) FROM payment_line WHERE received_at > "
                              "now() - interval '1 minute' AND tender = 'cash'")  # fmt: skip
    read = "SELECT received_by FROM parkdesk.payment_line WHERE id = %s"
    own = _cash_shift_rows_read(desk, "alice", read, (payments["alice"],))
    theirs = _cash_shift_rows_read(desk, "alice", read, (payments["bruno"],))
    assert own == theirs


def test_33_a_watchlist_answer_taken_back_stays_in_the_servers_log(
    desk: Database, connect: Connect
) -> None:
    """A check of a watched plate in a transaction rolled back: the answer read, the alert
    taken back with it. The server's log keeps that the entry was told, and to whom."""
    from tests.models.test_security_attacks import JURISDICTION, add_entry

    alice, dara = connect("alice"), connect("dara")
    plate = token(7)
    entry = add_entry(dara, plate)
    alice.execute("BEGIN")
    told = alice.execute(
        "SELECT verdict FROM check_plate(%s, %s)", (JURISDICTION, plate)
    ).fetchone()
    alice.execute("ROLLBACK")
    assert told == ("watchlisted",)
    assert one(dara, "SELECT count(*) FROM watchlist_alert WHERE plate = %s", (plate,)) == 0
    line = f"parkdesk: watchlist entry {entry} told to alice (check) for plate {JURISDICTION}"
    deadline = time.monotonic() + 5
    while line not in desk.server.log_file.read_text(errors="replace"):
        assert time.monotonic() < deadline, "the server's log has no line of it"
        time.sleep(0.1)
