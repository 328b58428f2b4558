"""Appeals of citations, tried as the logins that would try them (SPEC rules 8, 13, 17).

A clerk files for a parker; adjudicators take appeals from the queue and decide; a
manager accepts late appeals and reopens decided ones; the field reads none of it. Each
is tried with psycopg as that role, bypassing any client.

The module runs on its own server, with ten more adjudicators for the queue: the queue
is the whole office's, so every test leaves no appeal open behind it.
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

from tests.conftest import LOGINS, Database
from tests.models.conftest import OTHER_OFFICER, fresh_database
from tests.models.test_citation_money import historic, ledger, stage
from tests.models.test_enforcement import JURISDICTION, Conn, Connect, Setup, issue, setup
from tests.models.test_evidence import JPEG, PDF, PNG, ZIP, photo, sha
from tests.models.test_permit_rules import CARD, one, refused, token

__all__ = ["setup"]  # the enforcement set-up fixture, shared

ADJUDICATORS = [f"judge{i}" for i in range(10)]


@pytest.fixture(scope="module")
def desk() -> Iterator[Database]:
    """This module's server: every test login, a second officer and ten adjudicators."""
    logins = {**LOGINS, OTHER_OFFICER: ["officer"], **{a: ["adjudicator"] for a in ADJUDICATORS}}
    with fresh_database(logins) as db:
        yield db


@pytest.fixture(autouse=True)
def empty_queue(desk: Database) -> Iterator[None]:
    """Each test starts and ends with no appeal open, and the office's usual rules."""
    yield
    with desk.admin() as su:
        su.execute("UPDATE parkdesk.appeal SET status = 'withdrawn' WHERE status = 'open'")
        su.execute("DELETE FROM parkdesk.appeal_claim")
        su.execute(
            "UPDATE parkdesk.office_setting SET appeal_window_days = 30, "
            "hearing_requires_payment = false, appeal_lease_minutes = 20"
        )
        su.execute("UPDATE parkdesk.escalation_stage SET active = false WHERE active")


# -- helpers -------------------------------------------------------------------------------


def cite(officer: Conn, s: Setup, seq: int, **kwargs: Any) -> int:
    """A citation of a new plate (45.00), issued now unless told; its id."""
    return int(issue(officer, s, seq, plate=kwargs.pop("plate", token(7)), **kwargs)[0])


def file(
    conn: Conn, citation: int, *, late: str | None = None, key: uuid.UUID | None = None
) -> int:
    return int(
        one(
            conn,
            "SELECT file_appeal(%s, %s, 'in_person', 'Pat Doe', 'pat@example.org', %s, %s)",
            (key or uuid.uuid4(), citation, "I had a valid permit on my dashboard.", late),
        )
    )


def reason(conn: Conn, decision: str) -> int:
    return int(
        one(
            conn,
            "SELECT id FROM appeal_reason WHERE decision = %s AND active ORDER BY id LIMIT 1",
            (decision,),
        )
    )


def take(conn: Conn) -> int | None:
    value = one(conn, "SELECT take_next_appeal()")
    return None if value is None else int(value)


def decide(
    conn: Conn, appeal: int, decision: str, amount: str | None = None, note: str = "Seen."
) -> None:
    conn.execute(
        "SELECT decide_appeal(%s, %s, %s, %s, %s)",
        (appeal, decision, reason(conn, decision), note, amount),
    )


def balance(conn: Conn, citation: int) -> Decimal:
    return Decimal(one(conn, "SELECT balance FROM citation WHERE id = %s", (citation,)))


def ledger_sum(conn: Conn, citation: int) -> Decimal:
    return sum((amount for _, amount in ledger(conn, citation)), Decimal(0))


def appeal_row(conn: Conn, appeal: int) -> dict[str, Any]:
    cur = conn.execute("SELECT * FROM appeal WHERE id = %s", (appeal,))
    row = cur.fetchone()
    assert row is not None
    assert cur.description is not None
    return {d.name: v for d, v in zip(cur.description, row, strict=True)}


def filed_days_ago(desk: Database, appeal: int, days: int) -> None:
    """As if the appeal had been filed ``days`` ago (the superuser moves the clock back)."""
    with desk.admin() as su:
        su.execute(
            "UPDATE parkdesk.appeal SET filed_at = filed_at - make_interval(days => %s) "
            "WHERE id = %s",
            (days, appeal),
        )


# -- filing --------------------------------------------------------------------------------


def test_a_clerk_files_an_appeal_once_and_it_waits_in_the_queue(
    connect: Connect, setup: Setup
) -> None:
    alice = connect("alice")
    citation = cite(connect("otto"), setup, 1001)
    key = uuid.uuid4()
    appeal = file(alice, citation, key=key)
    assert file(alice, citation, key=key) == appeal  # a retry records it once
    row = appeal_row(alice, appeal)
    assert (row["status"], row["level"], row["filed_by"], row["channel"]) == (
        "open",
        "review",
        "alice",
        "in_person",
    )
    assert str(row["number"]).startswith("A20")
    queue = connect("adele").execute("SELECT level, waiting FROM appeal_queue()").fetchall()
    assert queue == [("review", 1), ("hearing", 0)]


def test_a_second_open_appeal_on_one_citation_is_refused(connect: Connect, setup: Setup) -> None:
    alice, bruno = connect("alice"), connect("bruno")
    citation = cite(connect("otto"), setup, 1002)
    file(alice, citation)
    with refused("PD002", "citation", "already has an open appeal"):
        file(bruno, citation)


def test_a_late_appeal_needs_a_manager_and_a_reason(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    alice, mona = connect("alice"), connect("mona")
    old = historic(desk, setup, 1003, datetime.now(UTC) - timedelta(days=40), plate=token(7))
    with refused("PD002", "late_reason", "closed on"):
        file(alice, old)
    with refused("PD002", "late_reason", "only a manager"):
        file(alice, old, late="The parker was in hospital.")
    appeal = file(mona, old, late="The parker was in hospital.")
    row = appeal_row(mona, appeal)
    assert (row["late_reason"], row["late_accepted_by"]) == ("The parker was in hospital.", "mona")
    steps = [s for (s,) in mona.execute(
        "SELECT step FROM appeal_step WHERE appeal_id = %s ORDER BY id", (appeal,))]  # fmt: skip
    assert steps == ["filed", "late_accepted"]
    fresh = cite(connect("otto"), setup, 1004)
    with refused("PD002", "late_reason", "not late"):
        file(mona, fresh, late="Just in case.")


def test_a_violation_that_is_not_appealable_and_a_warning_are_refused(
    connect: Connect, setup: Setup
) -> None:
    alice, mona = connect("alice"), connect("mona")
    warning = int(issue(connect("otto"), setup, 1005, violation=setup.warning)[0])
    with refused("PD002", "citation", "warning"):
        file(alice, warning)
    mona.execute("UPDATE violation SET appealable = false WHERE code = %s", (setup.violation,))
    try:
        with refused("PD002", "citation", "not appealable"):
            file(alice, cite(connect("otto"), setup, 1006))
    finally:
        mona.execute("UPDATE violation SET appealable = true WHERE code = %s", (setup.violation,))


@pytest.mark.parametrize("role", ["officer", "dispatcher"])
def test_the_field_and_the_dispatchers_read_no_appeal(connect: Connect, role: str) -> None:
    for table in ("appeal", "appeal_step", "appeal_reason"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(role).execute(f"SELECT * FROM {table}")
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect(role).execute("SELECT * FROM case_timeline(1)")


# -- the queue and claims ------------------------------------------------------------------


def test_a_clerk_files_but_does_not_decide_and_nobody_writes_an_appeal_directly(
    connect: Connect, setup: Setup
) -> None:
    alice = connect("alice")
    appeal = file(alice, cite(connect("otto"), setup, 1010))
    with pytest.raises(pgerrors.InsufficientPrivilege):
        alice.execute("SELECT take_next_appeal()")
    with pytest.raises(pgerrors.InsufficientPrivilege):
        alice.execute(
            "SELECT decide_appeal(%s, 'dismiss', %s, 'x')", (appeal, reason(alice, "dismiss"))
        )
    for login in ("alice", "adele", "mona"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute("UPDATE appeal SET status = 'decided' WHERE id = %s", (appeal,))
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute(
                "INSERT INTO appeal_step (appeal_id, at, by, step) VALUES (%s, now(), 'x', "
                "'decided')",
                (appeal,),
            )


def test_an_adjudicator_cannot_decide_or_take_an_appeal_another_holds(
    connect: Connect, setup: Setup
) -> None:
    adele, judge = connect("adele"), connect("judge0")
    appeal = file(connect("alice"), cite(connect("otto"), setup, 1011))
    assert take(adele) == appeal
    assert take(adele) == appeal  # the one in hand, renewed
    assert take(judge) is None
    with refused("PD002", "appeal", "being worked on by adele"):
        judge.execute("SELECT claim_appeal(%s)", (appeal,))
    with refused("PD002", "appeal", "being worked on by adele"):
        decide(judge, appeal, "dismiss")
    with refused("PD002", "appeal", "adele's to give back"):
        judge.execute("SELECT release_appeal(%s)", (appeal,))
    adele.execute("SELECT release_appeal(%s)", (appeal,))
    assert take(judge) == appeal


def test_an_adjudicator_holds_one_appeal_at_a_time(connect: Connect, setup: Setup) -> None:
    adele, alice, otto = connect("adele"), connect("alice"), connect("otto")
    first = file(alice, cite(otto, setup, 1013))
    second = file(alice, cite(otto, setup, 1014))
    adele.execute("SELECT claim_appeal(%s)", (first,))
    adele.execute("SELECT claim_appeal(%s)", (second,))
    held = adele.execute("SELECT appeal_id FROM appeal_claim WHERE claimed_by = 'adele'").fetchall()
    assert held == [(second,)]
    assert take(connect("judge2")) == first


def test_a_claim_leaves_no_audit_row_and_a_decision_does(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    """ "Take next" never queues on the audit trail's chain; what is decided is audited."""
    adele = connect("adele")
    appeal = file(connect("alice"), cite(connect("otto"), setup, 1015))

    def audited() -> int:
        with desk.admin() as su:
            return int(
                one(
                    su,
                    "SELECT count(*) FROM parkdesk.audit_log WHERE table_name = 'appeal' "
                    "AND row_key = %s",
                    (str(appeal),),
                )
            )

    filed = audited()
    assert take(adele) == appeal
    adele.execute("SELECT claim_appeal(%s)", (appeal,))  # renewed
    adele.execute("SELECT release_appeal(%s)", (appeal,))
    assert take(adele) == appeal
    assert audited() == filed
    decide(adele, appeal, "uphold")
    assert audited() == filed + 1


def test_an_expired_claim_returns_the_appeal_to_the_queue(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    adele, judge = connect("adele"), connect("judge1")
    appeal = file(connect("alice"), cite(connect("otto"), setup, 1012))
    assert take(adele) == appeal
    with desk.admin() as su:  # the lease runs out: adele's desk was closed
        su.execute(
            "UPDATE parkdesk.appeal_claim SET claimed_until = now() - interval '1 second' "
            "WHERE appeal_id = %s",
            (appeal,),
        )
    assert take(judge) == appeal
    with refused("PD002", "appeal", "being worked on by judge1"):
        decide(adele, appeal, "uphold")


def test_a_claim_alone_commits_lazily_and_a_claim_after_a_write_does_not(
    connect: Connect, setup: Setup
) -> None:
    """A claim is a lease (lost in a crash, the appeal is simply back in the queue): taken
    in a transaction of its own it does not wait for the disk; one taken after a decision
    in the same transaction leaves that decision's commit durable."""
    adele = connect("adele")
    first = file(connect("alice"), cite(connect("otto"), setup, 1065))
    second = file(connect("alice"), cite(connect("otto"), setup, 1066))
    adele.execute("SET synchronous_commit = on")  # as on a real server (tests run lazily)
    with adele.transaction():
        assert take(adele) == first
        assert one(adele, "SHOW synchronous_commit") == "off"
    assert one(adele, "SHOW synchronous_commit") == "on"  # for that transaction only
    with adele.transaction():
        decide(adele, first, "uphold")
        assert take(adele) == second
        assert one(adele, "SHOW synchronous_commit") == "on"
    adele.execute("SELECT release_appeal(%s)", (second,))
    adele.execute("RESET synchronous_commit")


def test_ten_adjudicators_taking_at_once_get_each_appeal_exactly_once(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    alice, otto = connect("alice"), connect("otto")
    filed = {file(alice, cite(otto, setup, 1100 + i)) for i in range(100)}
    handed: dict[str, list[int]] = {a: [] for a in ADJUDICATORS}
    errors: list[BaseException] = []
    start = threading.Barrier(len(ADJUDICATORS))

    def work(login: str) -> None:
        try:
            with desk.connect(login) as conn:
                conn.autocommit = True
                dismiss = reason(conn, "dismiss")
                start.wait(timeout=30)
                while (appeal := take(conn)) is not None:
                    handed[login].append(appeal)
                    conn.execute("SELECT decide_appeal(%s, 'dismiss', %s, '')", (appeal, dismiss))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(a,)) for a in ADJUDICATORS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    every = [a for got in handed.values() for a in got]
    assert sorted(every) == sorted(filed)  # all handed out, none twice
    assert sum(1 for got in handed.values() if got) > 1  # shared out, not one by one


# -- decisions -----------------------------------------------------------------------------


def test_a_dismissal_cancels_the_fine_in_the_ledger_and_locks_the_citation(
    connect: Connect, setup: Setup
) -> None:
    adele, alice, mona = connect("adele"), connect("alice"), connect("mona")
    citation = cite(connect("otto"), setup, 1020)
    appeal = file(alice, citation)
    assert take(adele) == appeal
    decide(adele, appeal, "dismiss", note="Permit seen on the photo.")
    assert balance(mona, citation) == 0
    rows = ledger(mona, citation)
    assert rows == [("fine", Decimal("45.00")), ("adjustment", Decimal("-45.00"))]
    assert ledger_sum(mona, citation) == balance(mona, citation)  # the ledger balances
    row = appeal_row(adele, appeal)
    assert (row["status"], row["decision"], row["decided_by"], row["taken_off"]) == (
        "decided",
        "dismiss",
        "adele",
        Decimal("45.00"),
    )
    # Locked: no new appeal, no void, no second decision.
    with refused("PD002", "citation", "only a manager can reopen"):
        file(alice, citation)
    with refused("PD002", "citation", "only a manager can reopen"):
        adele.execute("SELECT void_citation(%s, 'Changed my mind')", (citation,))
    with refused("PD002", "appeal", "decided"):
        adele.execute("SELECT claim_appeal(%s)", (appeal,))
    with pytest.raises(pgerrors.InsufficientPrivilege):
        adele.execute("SELECT reopen_appeal(%s, 'Wrong decision')", (appeal,))


def test_a_reduction_posts_an_adjustment_to_the_amount(connect: Connect, setup: Setup) -> None:
    adele, mona = connect("adele"), connect("mona")
    citation = cite(connect("otto"), setup, 1021)
    appeal = file(connect("alice"), citation)
    assert take(adele) == appeal
    with refused("PD002", "amount", "less than that"):
        decide(adele, appeal, "reduce", "45.00")
    with refused("PD002", "amount", "cents"):
        decide(adele, appeal, "reduce", "10.005")
    with refused("PD002", "reason", "reasons for reducing"):
        adele.execute(
            "SELECT decide_appeal(%s, 'reduce', %s, '', 20)", (appeal, reason(adele, "dismiss"))
        )
    decide(adele, appeal, "reduce", "20.00")
    assert balance(mona, citation) == Decimal("20.00")
    assert ledger(mona, citation)[-1] == ("adjustment", Decimal("-25.00"))
    assert appeal_row(mona, appeal)["reduced_to"] == Decimal("20.00")


def test_a_manager_reopens_a_decision_which_is_undone_in_the_ledger(
    connect: Connect, setup: Setup
) -> None:
    adele, mona = connect("adele"), connect("mona")
    citation = cite(connect("otto"), setup, 1022)
    appeal = file(connect("alice"), citation)
    assert take(adele) == appeal
    decide(adele, appeal, "dismiss")
    with refused("PD002", "reason", "why"):
        mona.execute("SELECT reopen_appeal(%s, '')", (appeal,))
    mona.execute("SELECT reopen_appeal(%s, 'The photo shows another car.')", (appeal,))
    assert balance(mona, citation) == Decimal("45.00")
    assert appeal_row(mona, appeal)["status"] == "open"
    assert take(adele) == appeal
    decide(adele, appeal, "uphold")
    assert balance(mona, citation) == Decimal("45.00")
    assert ledger_sum(mona, citation) == Decimal("45.00")
    steps = [s for (s,) in mona.execute(
        "SELECT step FROM appeal_step WHERE appeal_id = %s ORDER BY id", (appeal,))]  # fmt: skip
    assert steps == ["filed", "decided", "reopened", "decided"]  # claims are not steps


def test_a_dismissal_of_a_paid_citation_says_what_is_owed_back(
    connect: Connect, setup: Setup
) -> None:
    adele, alice, mona = connect("adele"), connect("alice"), connect("mona")
    citation = cite(connect("otto"), setup, 1023)
    alice.execute("SELECT pay_citations(%s, %s, %s)", (uuid.uuid4(), [citation], Jsonb(CARD)))
    appeal = file(alice, citation)
    assert take(adele) == appeal
    decide(adele, appeal, "dismiss")
    row = appeal_row(mona, appeal)
    assert (row["taken_off"], row["refund_due"]) == (Decimal("0.00"), Decimal("45.00"))
    assert balance(mona, citation) == 0
    # The refund waits at the counter, approved by the decision, to go back to the card.
    refund, status, amount = alice.execute(
        "SELECT id, status, amount FROM refund WHERE appeal_id = %s", (appeal,)
    ).fetchone()
    assert (status, amount) == ("approved", Decimal("45.00"))
    with refused("PD002", "tender", "paid by Visa card ending 4242"):
        alice.execute("SELECT pay_refund(%s, %s, %s)",
                      (uuid.uuid4(), refund, Jsonb({"kind": "cash"})))  # fmt: skip
    payout = one(alice, "SELECT pay_refund(%s, %s, %s)", (uuid.uuid4(), refund, Jsonb(CARD)))
    assert one(alice, "SELECT status FROM refund WHERE id = %s", (refund,)) == "paid"
    assert mona.execute(
        "SELECT direction, amount FROM payment WHERE id = %s", (payout,)
    ).fetchone() == ("out", Decimal("45.00"))
    kinds = [kind for kind, _ in ledger(mona, citation)]
    assert kinds[-2:] == ["payout", "refund"]
    assert balance(mona, citation) == 0
    assert ledger_sum(mona, citation) == 0
    # Reopened and upheld: what was paid back is owed again.
    mona.execute("SELECT reopen_appeal(%s, 'The permit was for another lot.')", (appeal,))
    assert balance(mona, citation) == Decimal("45.00")
    assert take(adele) == appeal
    decide(adele, appeal, "uphold")
    assert balance(mona, citation) == Decimal("45.00")
    assert ledger_sum(mona, citation) == Decimal("45.00")


def test_a_refund_not_yet_paid_is_withdrawn_when_the_appeal_is_reopened(
    connect: Connect, setup: Setup
) -> None:
    adele, alice, mona = connect("adele"), connect("alice"), connect("mona")
    citation = cite(connect("otto"), setup, 1026)
    alice.execute("SELECT pay_citations(%s, %s, %s)", (uuid.uuid4(), [citation], Jsonb(CARD)))
    appeal = file(alice, citation)
    assert take(adele) == appeal
    decide(adele, appeal, "reduce", "30.00")
    refund = one(alice, "SELECT id FROM refund WHERE appeal_id = %s", (appeal,))
    assert one(alice, "SELECT amount FROM refund WHERE id = %s", (refund,)) == Decimal("15.00")
    mona.execute("SELECT reopen_appeal(%s, 'Decided on the wrong lot.')", (appeal,))
    assert one(alice, "SELECT status FROM refund WHERE id = %s", (refund,)) == "rejected"
    with refused("PD002", "refund", "rejected"):
        alice.execute("SELECT pay_refund(%s, %s, %s)", (uuid.uuid4(), refund, Jsonb(CARD)))
    assert balance(mona, citation) == 0  # paid in full, nothing taken off, nothing owed back
    # A large refund waits for a manager, like a permit's.
    mona.execute("UPDATE office_setting SET refund_approval_threshold = 10.00")
    try:
        assert take(adele) == appeal
        decide(adele, appeal, "dismiss")
    finally:
        mona.execute("UPDATE office_setting SET refund_approval_threshold = 100.00")
    status, why = alice.execute(
        "SELECT status, approval_reason FROM refund WHERE appeal_id = %s AND status <> 'rejected'",
        (appeal,),
    ).fetchone()
    assert (status, why) == ("pending", "amount")


def test_a_hearing_waits_for_its_time_and_may_require_payment(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    adele, mona = connect("adele"), connect("mona")
    citation = cite(connect("otto"), setup, 1024)
    appeal = file(connect("alice"), citation)
    assert take(adele) == appeal
    mona.execute("UPDATE office_setting SET hearing_requires_payment = true")
    when = datetime.now(UTC) + timedelta(days=7)
    with refused("PD002", "appeal", "once the citation is paid"):
        adele.execute("SELECT schedule_hearing(%s, %s, 'Room 12')", (appeal, when))
    mona.execute("UPDATE office_setting SET hearing_requires_payment = false")
    adele.execute("SELECT schedule_hearing(%s, %s, 'Room 12')", (appeal, when))
    row = appeal_row(adele, appeal)
    assert (row["level"], row["hearing_place"]) == ("hearing", "Room 12")
    assert (
        adele.execute("SELECT * FROM appeal_claim WHERE appeal_id = %s", (appeal,)).fetchall() == []
    )
    assert take(adele) is None  # not before its time
    adele.execute("SELECT claim_appeal(%s)", (appeal,))  # held, say to set another time
    with refused("PD002", "appeal", "decide it at or after the hearing"):
        decide(adele, appeal, "dismiss")
    adele.execute("SELECT release_appeal(%s)", (appeal,))
    with desk.admin() as su:
        su.execute(
            "UPDATE parkdesk.appeal SET hearing_at = now() - interval '1 minute' WHERE id = %s",
            (appeal,),
        )
    assert take(adele) == appeal


def test_a_withdrawal_is_recorded_and_ends_the_appeal(connect: Connect, setup: Setup) -> None:
    alice = connect("alice")
    appeal = file(alice, cite(connect("otto"), setup, 1025))
    alice.execute("SELECT withdraw_appeal(%s, 'The parker paid instead, by phone.')", (appeal,))
    assert appeal_row(alice, appeal)["status"] == "withdrawn"
    with refused("PD002", "appeal", "withdrawn"):
        alice.execute("SELECT withdraw_appeal(%s, 'Again')", (appeal,))


# -- escalation ----------------------------------------------------------------------------


def test_escalation_pauses_under_appeal_and_resumes_without_its_days(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    adele, alice, mona, ada = connect("adele"), connect("alice"), connect("mona"), connect("ada")
    stage(mona, 10, "5.00")
    now = datetime.now(UTC)
    appealed = historic(desk, setup, 1030, now - timedelta(days=15), plate=token(7))
    plain = historic(desk, setup, 1031, now - timedelta(days=15), plate=token(7))
    older = historic(desk, setup, 1032, now - timedelta(days=25), plate=token(7))
    appeal = file(alice, appealed)
    filed_days_ago(desk, appeal, 12)  # filed on day 3: 12 of its 15 days under appeal
    other = file(alice, older)
    filed_days_ago(desk, other, 12)  # filed on day 13: 13 days count
    ada.execute("SELECT escalate_citations()")
    assert balance(mona, plain) == Decimal("50.00")
    assert balance(mona, appealed) == Decimal("45.00")  # paused while open
    assert balance(mona, older) == Decimal("45.00")
    for _ in range(2):
        got = take(adele)
        assert got in (appeal, other)
        decide(adele, got, "uphold")
    assert appeal_row(mona, appeal)["paused_days"] == 12
    ada.execute("SELECT escalate_citations()")
    assert balance(mona, appealed) == Decimal("45.00")  # 3 days count, not 15
    assert balance(mona, older) == Decimal("50.00")  # 13 days count: it resumes, once
    ada.execute("SELECT escalate_citations()")
    assert balance(mona, older) == Decimal("50.00")


# -- the case timeline ---------------------------------------------------------------------


def test_the_timeline_shows_a_permit_bought_after_the_citation_that_covered_it(
    connect: Connect, setup: Setup
) -> None:
    alice, adele = connect("alice"), connect("adele")
    plate = token(7)
    cited_at = datetime.now(UTC) - timedelta(minutes=10)
    citation = cite(connect("otto"), setup, 1040, plate=plate, issued_at=cited_at)
    # Bought at the counter after the ticket, valid from before it.
    alice.execute(
        "SELECT issue_temporary_permit(%s, 'temporary', %s, %s, %s, %s, now() + interval "
        "'1 day', 10, NULL, %s)",
        (
            uuid.uuid4(),
            JURISDICTION,
            plate,
            setup.lot,
            cited_at - timedelta(minutes=30),
            Jsonb(CARD),
        ),
    )
    appeal = file(alice, citation)
    for conn in (alice, adele, connect("mona")):
        rows = conn.execute(
            "SELECT kind, title, detail, minutes FROM case_timeline(%s)", (citation,)
        ).fetchall()
        kinds = [r[0] for r in rows]
        assert {"permit", "permit_bought", "citation", "ledger", "appeal", "finding"} <= set(kinds)
        finding = next(r for r in rows if r[0] == "finding")
        assert "was bought 10 minutes after the citation" in finding[1], finding
        assert finding[2] == "A permit of this vehicle was valid when it was cited."
        band = next(r for r in rows if r[0] == "permit")
        assert band[3] == -30  # valid from 30 minutes before the citation
        assert any(r[0] == "appeal" and "filed" in r[1] for r in rows)
    assert appeal


def test_the_timeline_reads_with_the_callers_rights(connect: Connect, setup: Setup) -> None:
    """Not SECURITY DEFINER: it can show no more than the caller reads table by table."""
    definer = one(
        connect("mona"),
        "SELECT prosecdef FROM pg_proc WHERE oid = 'parkdesk.case_timeline'::regproc",
    )
    assert definer is False


# -- the parker's documents ----------------------------------------------------------------


def attach_document(
    conn: Conn, appeal: int, content: bytes, media_type: str = "application/pdf",
    *, description: str = "Receipt for the permit", sha256: str | None = None,
) -> int:  # fmt: skip
    return int(
        one(
            conn,
            "SELECT attach_appeal_document(%s, %s, %s, %s, %s, 'receipt.pdf')",
            (appeal, content, sha256 or sha(content), media_type, description),
        )
    )


def test_the_counter_attaches_a_parkers_document_which_the_timeline_shows(
    connect: Connect, setup: Setup
) -> None:
    alice, adele = connect("alice"), connect("adele")
    citation = cite(connect("otto"), setup, 1060)
    appeal = file(alice, citation)
    content = photo(PDF)
    document = attach_document(alice, appeal, content)
    row = adele.execute(
        "SELECT appeal_id, device, sha256, media_type, description, file_name, recorded_by "
        "FROM case_evidence(%s) WHERE id = %s",
        (citation, document),
    ).fetchone()
    assert row == (appeal, None, sha(content), "application/pdf",
                   "Receipt for the permit", "receipt.pdf", "alice")  # fmt: skip
    assert one(adele, "SELECT content FROM evidence_file(%s)", (document,)) == content
    # A dispatcher reads the officers' photos of citations, not the parkers' papers.
    assert one(connect("dara"), "SELECT count(*) FROM case_evidence(%s)", (citation,)) == 0
    assert one(connect("dara"), "SELECT count(*) FROM evidence_file(%s)", (document,)) == 0
    steps = adele.execute(
        "SELECT step, note FROM appeal_step WHERE appeal_id = %s ORDER BY id", (appeal,)
    ).fetchall()
    assert steps[-1][0] == "document_added"
    assert steps[-1][1].startswith("Receipt for the permit (PDF, 4 kB)")
    timeline = adele.execute(
        "SELECT kind, title, ref FROM case_timeline(%s) WHERE kind = 'document'", (citation,)
    ).fetchall()
    assert timeline == [("document", "Document: Receipt for the permit (PDF, 4 kB)", document)]
    # An adjudicator adds one too; a retried upload of the same file attaches it once.
    attach_document(adele, appeal, photo(JPEG), "image/jpeg", description="Photo of the dash")
    with refused("PD002", "content", "already attached"):
        attach_document(alice, appeal, content)


def test_a_document_is_refused_when_it_is_not_what_it_claims_or_the_appeal_is_closed(
    connect: Connect, setup: Setup
) -> None:
    alice, adele = connect("alice"), connect("adele")
    appeal = file(alice, cite(connect("otto"), setup, 1061))
    with refused("PD002", "sha256", "changed or cut short"):
        attach_document(alice, appeal, photo(PDF), sha256="0" * 64)
    with refused("PD002", "content", "Only JPEG and PNG photos and PDF"):
        attach_document(alice, appeal, photo(ZIP))
    with refused("PD002", "media_type", "is a PNG image"):
        attach_document(alice, appeal, photo(PNG), "application/pdf")
    with refused("PD002", "description", "Say what the document is"):
        attach_document(alice, appeal, photo(PDF), description=" ")
    with refused("23514"):  # a card number is never kept, not even in a description
        attach_document(alice, appeal, photo(PDF), description="Card 4111 1111 1111 1111")
    with refused("PD002", "description"):
        attach_document(alice, appeal, photo(PDF), description="x" * 201)
    assert take(adele) == appeal
    decide(adele, appeal, "uphold")
    with refused("PD002", "appeal", "is decided"):
        attach_document(alice, appeal, photo(PDF))


@pytest.mark.parametrize("login", ["otto", "dara"])
def test_the_field_and_dispatch_attach_no_document(
    connect: Connect, setup: Setup, login: str
) -> None:
    appeal = file(connect("alice"), cite(connect("otto"), setup, 1062 if login == "otto" else 1063))
    with pytest.raises(pgerrors.InsufficientPrivilege):
        attach_document(connect(login), appeal, photo(PDF))


def test_a_document_is_never_changed_or_removed(connect: Connect, setup: Setup) -> None:
    alice, mona = connect("alice"), connect("mona")
    appeal = file(alice, cite(connect("otto"), setup, 1064))
    document = attach_document(alice, appeal, photo(PDF))
    for login in ("alice", "mona"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute(
                "UPDATE evidence SET description = 'Nothing' WHERE id = %s", (document,)
            )
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute("DELETE FROM evidence WHERE id = %s", (document,))
    # Nor written directly, past the function that hashes it.
    with pytest.raises(pgerrors.InsufficientPrivilege):
        mona.execute(
            "INSERT INTO evidence (appeal_id, content, sha256, media_type, captured_at, "
            "description) VALUES (%s, '\\x255044462d', %s, 'application/pdf', now(), 'Fake')",
            (appeal, "0" * 64),
        )
