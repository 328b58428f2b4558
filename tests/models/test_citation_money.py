"""The money side of citations, tried as the logins that would try it.

An officer's citation posts its fine; a clerk takes payment by plate; an adjudicator voids;
the clock job (run as the administrator) posts late fees and referrals to collections at
the office's local midnights; the field reads the scofflaw count. Each is tried with
psycopg as that role, bypassing any client, with what an insider with ``psql`` would try.

The module runs on its own server: it changes the office's time zone and discount, and
escalation stages apply to every citation. Citations older than the 30 days a device may
sync are written as the superuser, with their fine posted as issue_citation posts it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from psycopg import errors as pgerrors
from psycopg.types.json import Jsonb

from tests.conftest import Database
from tests.models.test_enforcement import (
    JURISDICTION,
    Conn,
    Connect,
    Setup,
    issue,
    number,
    setup,
)
from tests.models.test_permit_rules import CARD, one, refused, token

__all__ = ["setup"]  # the enforcement set-up fixture, shared

SETTINGS = "time_zone, discount_days, discount_percent, scofflaw_threshold"


@pytest.fixture(autouse=True)
def office(connect: Connect) -> Iterator[None]:
    """Each test leaves the office's settings as it found them, and no stage active."""
    mona = connect("mona")
    before = mona.execute(f"SELECT {SETTINGS} FROM office_setting").fetchone()
    yield
    mona.execute(
        "UPDATE office_setting SET time_zone = %s, discount_days = %s, discount_percent = %s, "
        "scofflaw_threshold = %s",
        before,
    )
    mona.execute("UPDATE escalation_stage SET active = false WHERE active")


# -- helpers -------------------------------------------------------------------------------


def stage(mona: Conn, after_days: int, amount: str, *, collections: bool = False) -> int:
    """An active escalation stage (the one of those days, set again if an earlier test made
    it: a stage's days are unique)."""
    return int(
        one(
            mona,
            "INSERT INTO escalation_stage (after_days, amount, sends_to_collections, description) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (after_days) DO UPDATE SET amount = "
            "EXCLUDED.amount, sends_to_collections = EXCLUDED.sends_to_collections, "
            "active = true RETURNING id",
            (after_days, amount, collections, f"Late after {after_days} days"),
        )
    )


def historic(
    desk: Database,
    s: Setup,
    seq: int,
    issued_at: datetime,
    *,
    plate: str,
    fine: str = "45.00",
) -> int:
    """A citation issued long ago, written as the superuser as issue_citation writes one."""
    with desk.admin() as su:
        su.execute("SET search_path = parkdesk, pg_catalog")
        citation = one(
            su,
            "INSERT INTO citation (number, range_id, seq, device_id, officer, device_seq, "
            "jurisdiction, plate_raw, violation_id, lot_id, issued_at, fine, due_on) "
            "SELECT %(number)s, %(range)s, %(seq)s, %(device)s, 'otto', %(seq)s + 100000, "
            "%(j)s, %(plate)s, v.id, %(lot)s, %(at)s, %(fine)s, "
            "local_day(%(at)s) + os.citation_due_days "
            "FROM violation v, office_setting os WHERE v.code = %(violation)s RETURNING id",
            {
                "number": number(s.prefix, seq),
                "range": s.range_id,
                "seq": seq,
                "device": s.device_id,
                "j": JURISDICTION,
                "plate": plate,
                "lot": s.lot,
                "at": issued_at,
                "fine": fine,
                "violation": s.violation,
            },
        )
        if Decimal(fine) > 0:
            su.execute(
                "SELECT post_line('fine', %s, NULL, NULL, 'Fine', p_citation => %s)",
                (fine, citation),
            )
    return int(citation)


def ledger(conn: Conn, citation: int) -> list[tuple[str, Decimal]]:
    return [
        (str(kind), Decimal(amount))
        for kind, amount in conn.execute(
            "SELECT kind, amount FROM ledger_line WHERE citation_id = %s ORDER BY id",
            (citation,),
        ).fetchall()
    ]


def state(conn: Conn, citation: int, at: datetime | None = None) -> tuple[Any, ...]:
    """(status, balance, amount due) as a desk reads them."""
    row = conn.execute(
        "SELECT citation_status(c, coalesce(%(at)s, now())), c.balance, "
        "citation_amount_due(c.id, coalesce(%(at)s, now())) FROM citation c WHERE c.id = %(c)s",
        {"c": citation, "at": at},
    ).fetchone()
    assert row is not None
    return tuple(row)


def balances_match(mona: Conn) -> None:
    """Every citation's balance is the sum of its ledger rows."""
    off = mona.execute(
        "SELECT c.number, c.balance, coalesce(sum(l.amount), 0) FROM citation c "
        "LEFT JOIN ledger_entry l ON l.citation_id = c.id GROUP BY c.id "
        "HAVING c.balance <> coalesce(sum(l.amount), 0)"
    ).fetchall()
    assert off == []


def pay(clerk: Conn, citations: list[int], *, key: uuid.UUID | None = None) -> int:
    return int(
        one(
            clerk,
            "SELECT pay_citations(%s, %s::bigint[], %s)",
            (key or uuid.uuid4(), citations, Jsonb(CARD)),
        )
    )


def escalate(conn: Conn, at: datetime | str) -> int:
    return int(one(conn, "SELECT escalate_citations(%s::timestamptz)", (at,)))


def days_ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


# -- the fine at issue, and the balance ------------------------------------------------------


def test_a_fine_is_posted_at_issue_and_the_balance_is_its_ledger_sum(
    connect: Connect, setup: Setup
) -> None:
    alice, mona = connect("alice"), connect("mona")
    citation, _, fine, _ = issue(connect("otto"), setup, 1000)
    assert fine == Decimal("45.00")
    assert ledger(alice, citation) == [("fine", Decimal("45.00"))]
    assert (
        one(mona, "SELECT parker_id FROM ledger_entry WHERE citation_id = %s", (citation,)) is None
    )
    assert state(alice, citation) == ("open", Decimal("45.00"), Decimal("45.00"))
    balances_match(mona)


def test_a_warning_posts_nothing_and_owes_nothing(connect: Connect, setup: Setup) -> None:
    alice = connect("alice")
    citation, _, fine, _ = issue(connect("otto"), setup, 1001, violation=setup.warning)
    assert fine == Decimal("0.00")
    assert ledger(alice, citation) == []
    assert state(alice, citation) == ("warning", Decimal("0.00"), Decimal("0.00"))
    with refused("PD002", "citations", "is a warning"):
        pay(alice, [citation])


def test_a_citation_is_past_due_after_its_due_day_in_the_office(
    connect: Connect, setup: Setup
) -> None:
    alice = connect("alice")
    citation, _, _, due_on = issue(connect("otto"), setup, 1002)
    midnight = one(alice, "SELECT local_midnight(%s::date + 1)", (due_on,))
    assert state(alice, citation, midnight - timedelta(seconds=1))[0] == "open"
    assert state(alice, citation, midnight)[0] == "past_due"


# -- the repeat-offence schedule -------------------------------------------------------------


def repeat_violation(mona: Conn, window: int, amounts: list[str]) -> str:
    code = f"R-{token(5)}"
    violation = one(
        mona,
        "INSERT INTO violation (code, description, repeat_window_days) VALUES (%s, %s, %s) "
        "RETURNING id",
        (code, "Parked in a fire lane", window),
    )
    for offence, amount in enumerate(amounts, start=1):
        mona.execute(
            "INSERT INTO repeat_fine (violation_id, offence, amount) VALUES (%s, %s, %s)",
            (violation, offence, amount),
        )
    return code


def test_repeat_offences_are_fined_by_the_schedule_the_last_line_beyond_it(
    connect: Connect, setup: Setup
) -> None:
    otto, adele = connect("otto"), connect("adele")
    code = repeat_violation(connect("mona"), 180, ["0.00", "10.00", "25.00", "50.00"])
    plate = token(7)
    fines = [
        issue(otto, setup, 1010 + i, plate=plate, violation=code, issued_at=days_ago(5 - i))[2]
        for i in range(5)
    ]
    assert fines == [Decimal(a) for a in ("0.00", "10.00", "25.00", "50.00", "50.00")]
    # Another plate starts at its first offence.
    assert issue(otto, setup, 1020, violation=code)[2] == Decimal("0.00")
    # A voided citation is no offence: the next is the second again.
    other = token(7)
    issue(otto, setup, 1021, plate=other, violation=code, issued_at=days_ago(2))
    second = issue(otto, setup, 1022, plate=other, violation=code, issued_at=days_ago(1))
    assert second[2] == Decimal("10.00")
    adele.execute("SELECT void_citation(%s, 'Officer cited the wrong plate')", (second[0],))
    assert issue(otto, setup, 1023, plate=other, violation=code)[2] == Decimal("10.00")


def test_offences_older_than_the_window_roll_off(connect: Connect, setup: Setup) -> None:
    otto = connect("otto")
    code = repeat_violation(connect("mona"), 10, ["20.00", "40.00"])
    plate = token(7)
    at = [days_ago(25), days_ago(20), days_ago(5), days_ago(3)]
    fines = [
        issue(otto, setup, 1030 + i, plate=plate, violation=code, issued_at=when)[2]
        for i, when in enumerate(at)
    ]
    # 20 days ago was 5 days after the first; 5 days ago, both were over 10 days before.
    assert fines == [Decimal(a) for a in ("20.00", "40.00", "20.00", "40.00")]


# -- the early-payment discount --------------------------------------------------------------


def discount(mona: Conn, days: int, percent: str) -> None:
    mona.execute(
        "UPDATE office_setting SET discount_days = %s, discount_percent = %s", (days, percent)
    )


def test_paid_inside_the_discount_window_a_citation_pays_less(
    connect: Connect, setup: Setup
) -> None:
    alice, mona = connect("alice"), connect("mona")
    discount(mona, 7, "20")
    citation = issue(connect("otto"), setup, 1040)[0]
    assert state(alice, citation) == ("open", Decimal("45.00"), Decimal("36.00"))
    payment = pay(alice, [citation])
    assert ledger(alice, citation) == [
        ("fine", Decimal("45.00")),
        ("discount", Decimal("-9.00")),
        ("payment", Decimal("-36.00")),
    ]
    assert one(mona, "SELECT amount FROM payment WHERE id = %s", (payment,)) == Decimal("36.00")
    assert state(alice, citation) == ("paid", Decimal("0.00"), Decimal("0.00"))
    balances_match(mona)


def test_the_discount_is_rounded_half_up_to_the_cent(connect: Connect, setup: Setup) -> None:
    alice = connect("alice")
    discount(connect("mona"), 7, "12.5")
    citation = issue(connect("otto"), setup, 1041)[0]
    # 12.5 % of 45.00 is 5.625: a discount of 5.63.
    assert state(alice, citation)[2] == Decimal("39.37")


def test_outside_the_discount_window_the_whole_fine_is_due(connect: Connect, setup: Setup) -> None:
    alice = connect("alice")
    discount(connect("mona"), 7, "20")
    citation = issue(connect("otto"), setup, 1042, issued_at=days_ago(10))[0]
    assert state(alice, citation)[2] == Decimal("45.00")
    # The last day of the window is whole, in the office's time zone.
    issued_day = one(alice, "SELECT local_day(issued_at) FROM citation WHERE id = %s", (citation,))
    end = one(alice, "SELECT local_midnight(%s::date + 8)", (issued_day,))
    assert state(alice, citation, end - timedelta(seconds=1))[2] == Decimal("36.00")
    assert state(alice, citation, end)[2] == Decimal("45.00")


def test_after_a_late_fee_there_is_no_discount(connect: Connect, setup: Setup) -> None:
    alice, mona = connect("alice"), connect("mona")
    discount(mona, 30, "20")
    citation = issue(connect("otto"), setup, 1043, issued_at=days_ago(3))[0]
    assert state(alice, citation)[2] == Decimal("36.00")
    stage(mona, 2, "15.00")
    escalate(mona, datetime.now(UTC))
    assert state(alice, citation)[1:] == (Decimal("60.00"), Decimal("60.00"))
    pay(alice, [citation])
    assert [kind for kind, _ in ledger(alice, citation)] == ["fine", "late_fee", "payment"]
    balances_match(mona)


# -- escalation stages at the office's local midnights ---------------------------------------


def late_rows(conn: Conn, citation: int) -> list[tuple[str, Decimal]]:
    return [row for row in ledger(conn, citation) if row[0] == "late_fee"]


def test_stages_post_at_local_midnights_across_the_autumn_change_in_toronto(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    mona, ada, alice = connect("mona"), connect("ada"), connect("alice")
    mona.execute("UPDATE office_setting SET time_zone = 'America/Toronto'")
    # 23:30 on 1 November 2025, EDT; clocks go back an hour in the night of 2 November.
    citation = historic(desk, setup, 1050, datetime(2025, 11, 2, 3, 30, tzinfo=UTC), plate=token(7))
    stage(mona, 1, "10.00")
    stage(mona, 2, "20.00", collections=True)
    escalate(ada, "2025-11-01 23:59:59-04")
    assert late_rows(alice, citation) == []
    escalate(ada, "2025-11-02 00:00:00-04")  # local midnight, the stage's first day
    assert late_rows(alice, citation) == [("late_fee", Decimal("10.00"))]
    # 2 November is 25 hours long: 48 hours after the first midnight is still 2 November.
    escalate(ada, "2025-11-03 04:30:00+00")
    assert late_rows(alice, citation) == [("late_fee", Decimal("10.00"))]
    assert state(alice, citation, datetime(2025, 11, 3, 4, 30, tzinfo=UTC))[0] == "open"
    escalate(ada, "2025-11-03 00:00:00-05")
    escalate(ada, "2025-11-03 00:00:00-05")  # again: nothing twice
    assert late_rows(alice, citation) == [
        ("late_fee", Decimal("10.00")),
        ("late_fee", Decimal("20.00")),
    ]
    assert state(alice, citation)[:2] == ("collections", Decimal("75.00"))
    assert (
        one(alice, "SELECT count(*) FROM citation_stage WHERE citation_id = %s", (citation,)) == 2
    )
    balances_match(mona)


def test_stages_post_at_local_midnights_in_auckland_ahead_of_utc(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    mona, ada, alice = connect("mona"), connect("ada"), connect("alice")
    mona.execute("UPDATE office_setting SET time_zone = 'Pacific/Auckland'")
    # 00:30 on 5 April 2025, NZDT (still 4 April in UTC); clocks go back on 6 April, 03:00.
    citation = historic(desk, setup, 1060, datetime(2025, 4, 4, 11, 30, tzinfo=UTC), plate=token(7))
    stage(mona, 1, "10.00")
    stage(mona, 2, "20.00")
    escalate(ada, "2025-04-05 10:59:59+00")
    assert late_rows(alice, citation) == []
    escalate(ada, "2025-04-05 11:00:00+00")  # 00:00 on 6 April, NZDT
    assert len(late_rows(alice, citation)) == 1
    escalate(ada, "2025-04-06 11:30:00+00")  # 23:30 on 6 April, NZST: 48 h on, not a day more
    assert len(late_rows(alice, citation)) == 1
    escalate(ada, "2025-04-06 12:00:00+00")  # 00:00 on 7 April, NZST
    assert late_rows(alice, citation) == [
        ("late_fee", Decimal("10.00")),
        ("late_fee", Decimal("20.00")),
    ]
    assert state(alice, citation)[:2] == ("past_due", Decimal("75.00"))


def test_two_runs_at_once_post_each_stage_once(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    mona, alice = connect("mona"), connect("alice")
    citations = [historic(desk, setup, 1070 + i, days_ago(40), plate=token(7)) for i in range(5)]
    stage(mona, 3, "7.00")
    runners = [connect("mona"), connect("ada")]
    barrier = threading.Barrier(len(runners))
    errors: list[BaseException] = []

    def run(conn: Conn) -> None:
        try:
            barrier.wait()
            escalate(conn, datetime.now(UTC))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(conn,)) for conn in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for citation in citations:
        assert late_rows(alice, citation) == [("late_fee", Decimal("7.00"))]
    balances_match(mona)


def test_escalation_is_never_run_ahead_of_the_clock(connect: Connect) -> None:
    with refused("PD002", "at", "never ahead"):
        escalate(connect("mona"), datetime.now(UTC) + timedelta(days=30))


def test_no_late_fee_on_a_paid_citation(connect: Connect, setup: Setup) -> None:
    alice, mona = connect("alice"), connect("mona")
    citation = issue(connect("otto"), setup, 1080, issued_at=days_ago(5))[0]
    pay(alice, [citation])
    stage(mona, 4, "9.00")
    escalate(mona, datetime.now(UTC))
    assert late_rows(alice, citation) == []
    assert state(alice, citation)[0] == "paid"


# -- voids -----------------------------------------------------------------------------------


def test_a_void_reverses_what_is_owed_and_stops_escalation(connect: Connect, setup: Setup) -> None:
    adele, alice, mona = connect("adele"), connect("alice"), connect("mona")
    citation = issue(connect("otto"), setup, 1090, issued_at=days_ago(6))[0]
    adele.execute("SELECT void_citation(%s, '  Sign was missing at the time  ')", (citation,))
    assert ledger(alice, citation) == [("fine", Decimal("45.00")), ("void", Decimal("-45.00"))]
    assert state(alice, citation) == ("void", Decimal("0.00"), Decimal("0.00"))
    row = alice.execute(
        "SELECT voided_by, void_reason, voided_at IS NOT NULL FROM citation WHERE id = %s",
        (citation,),
    ).fetchone()
    assert row == ("adele", "Sign was missing at the time", True)
    stage(mona, 5, "11.00")
    escalate(mona, datetime.now(UTC))
    assert late_rows(alice, citation) == []
    with refused("PD002", "citation", "already voided on"):
        mona.execute("SELECT void_citation(%s, 'Twice')", (citation,))
    with refused("PD002", "citations", f"Citation {number(setup.prefix, 1090)} was voided"):
        pay(alice, [citation])
    balances_match(mona)


def test_a_void_needs_a_reason_and_a_paid_citation_is_not_voided(
    connect: Connect, setup: Setup
) -> None:
    adele, alice = connect("adele"), connect("alice")
    otto = connect("otto")
    citation = issue(otto, setup, 1091)[0]
    for reason in (None, "", "  x "):
        with refused("PD002", "reason", "Say why"):
            adele.execute("SELECT void_citation(%s, %s)", (citation, reason))
    with refused("PD002", "reason", "At most 300"):
        adele.execute("SELECT void_citation(%s, %s)", (citation, "x" * 301))
    pay(alice, [citation])
    with refused("PD002", "citation", "a paid citation is not voided"):
        adele.execute("SELECT void_citation(%s, 'Changed my mind')", (citation,))
    # A warning may be voided: nothing is owed, so nothing is posted.
    warning = issue(otto, setup, 1092, violation=setup.warning)[0]
    adele.execute("SELECT void_citation(%s, 'Issued by mistake')", (warning,))
    assert ledger(alice, warning) == []
    assert state(alice, warning)[0] == "void"


@pytest.mark.parametrize("role", ["clerk", "officer", "dispatcher", "admin"])
def test_only_adjudicators_and_managers_void(connect: Connect, setup: Setup, role: str) -> None:
    citation = issue(connect("otto"), setup, 1093)[0]
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect(role).execute("SELECT void_citation(%s, 'Not mine to void')", (citation,))
    connect("mona").execute("SELECT void_citation(%s, 'A manager may')", (citation,))


# -- nobody writes the money directly --------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO ledger_entry (posted_at, posted_by, kind, amount, memo, citation_id) "
        "VALUES (now(), 'alice', 'payment', -45, 'paid', {citation})",
        "UPDATE citation SET balance = 0 WHERE id = {citation}",
        "UPDATE citation SET voided_at = now(), voided_by = 'alice', void_reason = 'gone' "
        "WHERE id = {citation}",
        "INSERT INTO escalation_stage (after_days, amount, description) VALUES (99, 0, 'none')",
        "UPDATE escalation_stage SET amount = 0",
        "INSERT INTO repeat_fine (violation_id, offence, amount) "
        "SELECT violation_id, 9, 0 FROM citation WHERE id = {citation}",
        "INSERT INTO citation_stage (citation_id, stage_id, posted_at) "
        "SELECT {citation}, id, now() FROM escalation_stage LIMIT 1",
        "SELECT escalate_citations()",
        "UPDATE office_setting SET discount_days = 365, discount_percent = 99",
    ],
)
def test_a_clerk_writes_no_citation_money_directly(
    connect: Connect, setup: Setup, sql: str
) -> None:
    citation = issue(connect("otto"), setup, 1100)[0]
    stage(connect("mona"), 6, "1.00")
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect("alice").execute(sql.format(citation=citation))


def test_not_even_the_owner_moves_a_balance_or_undoes_a_void(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    citation = issue(connect("otto"), setup, 1101)[0]
    connect("adele").execute("SELECT void_citation(%s, 'Duplicate citation')", (citation,))
    with desk.admin() as su:
        for statement, message in [
            ("UPDATE parkdesk.citation SET balance = 100 WHERE id = %s", "moves only with"),
            (
                "UPDATE parkdesk.citation SET voided_at = NULL, voided_by = NULL, "
                "void_reason = NULL WHERE id = %s",
                "never undone",
            ),
        ]:
            with su.transaction(force_rollback=True):
                su.execute("SET LOCAL ROLE parkdesk_owner")
                with pytest.raises(pgerrors.InsufficientPrivilege, match=message):
                    su.execute(statement, (citation,))
        su.rollback()


# -- paying at the counter -------------------------------------------------------------------


def test_two_citations_are_paid_with_one_card_payment(connect: Connect, setup: Setup) -> None:
    alice, mona, otto = connect("alice"), connect("mona"), connect("otto")
    plate = token(7)
    first = issue(otto, setup, 1110, plate=plate)[0]
    second = issue(otto, setup, 1111, plate=plate)[0]
    key = uuid.uuid4()
    payment = pay(alice, [second, first], key=key)
    row = mona.execute(
        "SELECT amount, parker_id, tender, direction, description FROM payment WHERE id = %s",
        (payment,),
    ).fetchone()
    assert row == (
        Decimal("90.00"),
        None,
        "card",
        "in",
        f"Citations {number(setup.prefix, 1110)}, {number(setup.prefix, 1111)}",
    )
    rows = mona.execute(
        "SELECT citation_id, amount, memo FROM ledger_entry WHERE payment_id = %s ORDER BY id",
        (payment,),
    ).fetchall()
    assert [(c, a) for c, a, _ in rows] == [(first, Decimal("-45.00")), (second, Decimal("-45.00"))]
    assert number(setup.prefix, 1110) in rows[0][2]
    assert state(alice, first)[0] == state(alice, second)[0] == "paid"
    # The same request again (a double-click, a retry) is the same payment.
    assert pay(alice, [first, second], key=key) == payment
    assert one(mona, "SELECT count(*) FROM payment WHERE idempotency_key = %s", (key,)) == 1
    assert one(mona, "SELECT count(*) FROM ledger_entry WHERE payment_id = %s", (payment,)) == 2
    # Another request under that key is refused and does nothing.
    third = issue(otto, setup, 1112, plate=plate)[0]
    with refused("PD007"):
        pay(alice, [third], key=key)
    assert state(alice, third)[0] == "open"
    balances_match(mona)


def test_a_paid_or_unknown_citation_is_refused_by_number_and_nothing_is_paid(
    connect: Connect, setup: Setup
) -> None:
    alice, otto = connect("alice"), connect("otto")
    paid = issue(otto, setup, 1120)[0]
    owed = issue(otto, setup, 1121)[0]
    pay(alice, [paid])
    with refused("PD002", "citations", f"Citation {number(setup.prefix, 1120)} is already paid"):
        pay(alice, [owed, paid])
    with refused("PD002", "citations", "There is no citation 999999999"):
        pay(alice, [owed, 999_999_999])
    assert state(alice, owed)[0] == "open"
    assert [kind for kind, _ in ledger(alice, owed)] == ["fine"]


@pytest.mark.parametrize(
    ("citations", "tender", "field"),
    [
        ([], CARD, "citations"),
        (list(range(1, 52)), CARD, "citations"),
        ([1], {**CARD, "reference": "x" * 1000}, "tender"),
    ],
)
def test_oversized_or_empty_payments_are_refused(
    connect: Connect, citations: list[int], tender: dict[str, str], field: str
) -> None:
    with refused("PD002", field):
        connect("alice").execute(
            "SELECT pay_citations(gen_random_uuid(), %s::bigint[], %s)", (citations, Jsonb(tender))
        )


@pytest.mark.parametrize("role", ["adjudicator", "dispatcher", "officer", "admin"])
def test_only_the_counter_takes_citation_payments(
    connect: Connect, setup: Setup, role: str
) -> None:
    citation = issue(connect("otto"), setup, 1130)[0]
    with pytest.raises(pgerrors.InsufficientPrivilege):
        pay(connect(role), [citation])


# -- scofflaws -------------------------------------------------------------------------------


def test_a_plate_with_enough_unpaid_past_due_citations_is_a_scofflaw(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    otto, alice, mona, adele = connect("otto"), connect("alice"), connect("mona"), connect("adele")
    mona.execute("UPDATE office_setting SET scofflaw_threshold = 2")
    plate = token(7)
    old = [historic(desk, setup, 1140 + i, days_ago(50 - i), plate=plate) for i in range(4)]
    pay(alice, [old[2]])  # paid: not counted
    adele.execute("SELECT void_citation(%s, 'Wrong plate read')", (old[3],))  # void: not counted
    issue(otto, setup, 1150, plate=plate)  # not yet due: not counted
    assert one(otto, "SELECT unpaid_past_due(%s, %s)", (JURISDICTION, plate.lower())) == 2
    assert one(otto, "SELECT unpaid_past_due(%s, %s)", (JURISDICTION, token(7))) == 0
    oldest = one(mona, "SELECT due_on FROM citation WHERE id = %s", (old[0],))
    rows = otto.execute("SELECT * FROM scofflaws() WHERE plate = %s", (plate,)).fetchall()
    assert [row[:6] for row in rows] == [
        (JURISDICTION, plate, 2, Decimal("90.00"), oldest, setup.lot_code)
    ]
    mona.execute("UPDATE office_setting SET scofflaw_threshold = 3")
    assert otto.execute("SELECT * FROM scofflaws() WHERE plate = %s", (plate,)).fetchall() == []


def test_the_scofflaw_count_reads_the_index_of_unpaid_citations(desk: Database) -> None:
    with desk.admin() as su:
        su.execute("SET enable_seqscan = off")
        plan = "\n".join(
            str(r[0])
            for r in su.execute(
                "EXPLAIN SELECT count(*) FROM parkdesk.citation c WHERE c.jurisdiction = 'ZZ' "
                "AND c.plate_normalized = 'ABC123' AND c.balance > 0 AND c.voided_at IS NULL "
                "AND c.due_on < current_date"
            ).fetchall()
        )
    assert "ix_citation_unpaid" in plan


# -- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "assignment",
    [
        "discount_days = 7, discount_percent = NULL",
        "discount_days = NULL, discount_percent = 10",
        "discount_days = 7, discount_percent = 100",
        "discount_days = 7, discount_percent = 0",
        "discount_days = 400, discount_percent = 10",
        "scofflaw_threshold = 0",
        "scofflaw_threshold = 51",
    ],
)
def test_settings_out_of_bounds_are_refused(connect: Connect, assignment: str) -> None:
    with pytest.raises(pgerrors.CheckViolation):
        connect("mona").execute(f"UPDATE office_setting SET {assignment}")


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO escalation_stage (after_days, amount, description) VALUES (0, 5, 'Soon')",
        "INSERT INTO escalation_stage (after_days, amount, description) VALUES (77, -5, 'Less')",
        "INSERT INTO escalation_stage (after_days, amount, description) "
        "VALUES (78, 5, 'card 4111 1111 1111 1111')",
        "UPDATE violation SET repeat_window_days = 0 WHERE id = (SELECT min(id) FROM violation)",
    ],
)
def test_a_managers_set_up_out_of_bounds_is_refused(connect: Connect, sql: str) -> None:
    with pytest.raises(pgerrors.CheckViolation):
        connect("mona").execute(sql)


def test_a_stage_is_stamped_and_audited_like_the_other_set_up(connect: Connect) -> None:
    mona = connect("mona")
    stage_id = stage(mona, 60, "25.00")
    mona.execute("UPDATE escalation_stage SET amount = 30 WHERE id = %s", (stage_id,))
    row = mona.execute(
        "SELECT updated_by, version > 1 FROM escalation_stage WHERE id = %s", (stage_id,)
    ).fetchone()
    assert row == ("mona", True)
    assert (
        one(
            mona,
            "SELECT count(*) FROM audit_log WHERE table_name = 'escalation_stage' "
            "AND row_key = %s AND operation = 'UPDATE'",
            (str(stage_id),),
        )
        >= 1
    )


def test_an_unknown_citation_owes_nothing_anyone_could_read(connect: Connect) -> None:
    assert one(connect("alice"), "SELECT citation_amount_due(-1)") is None
