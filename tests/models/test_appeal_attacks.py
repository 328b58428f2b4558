"""Appeals, attacked by the insiders who would try: each login with psql and its own
password, trying to do more than its desk allows, read what its desk does not show,
move money by a side door, stall the other desks or rewrite an appeal's history.

Each test tries exactly one attack, as that role, and shows it refused or harmless.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors as pgerrors
from psycopg.types.json import Jsonb

from tests.conftest import Database
from tests.models.test_appeals import (
    appeal_row,
    balance,
    cite,
    decide,
    desk,
    empty_queue,
    file,
    ledger_sum,
    reason,
    setup,
    take,
)
from tests.models.test_citation_money import historic, stage
from tests.models.test_enforcement import Conn, Connect, Setup
from tests.models.test_permit_rules import CARD, one, refused, token

__all__ = ["desk", "empty_queue", "setup"]  # the appeals module's server and set-up, shared

HUGE = "x" * 1_000_000


def held_by(conn: Conn, login: str) -> list[int]:
    return [
        int(i)
        for (i,) in conn.execute(
            "SELECT appeal_id FROM appeal_claim WHERE claimed_by = %s ORDER BY 1", (login,)
        ).fetchall()
    ]


def audit_rows(desk: Database, appeal: int) -> int:
    with desk.admin() as su:
        return int(
            one(
                su,
                "SELECT count(*) FROM parkdesk.audit_log WHERE table_name = 'appeal' "
                "AND row_key = %s",
                (str(appeal),),
            )
        )


# -- doing more than the desk allows -------------------------------------------------------


def test_an_adjudicator_cannot_decide_or_schedule_an_appeal_nobody_gave_them(
    connect: Connect, setup: Setup
) -> None:
    adele, judge = connect("adele"), connect("judge3")
    citation = cite(connect("otto"), setup, 1001)
    appeal = file(connect("alice"), citation)
    # Nobody holds it: it is taken from the queue first.
    with refused("PD002", "appeal", "Take appeal"):
        decide(judge, appeal, "dismiss")
    assert take(adele) == appeal
    when = datetime.now(UTC) + timedelta(days=3)
    with refused("PD002", "appeal", "being worked on by adele"):
        judge.execute("SELECT schedule_hearing(%s, %s, 'Room 1')", (appeal, when))
    with refused("PD002", "appeal", "being worked on by adele"):
        decide(judge, appeal, "dismiss")
    assert balance(connect("mona"), citation) == Decimal("45.00")


@pytest.mark.parametrize(
    "amount", ["-5", "0", "45.00", "45.01", "1000", "10.001", "NaN", "Infinity", "-Infinity"]
)
def test_a_reduction_that_moves_money_the_wrong_way_is_refused(
    connect: Connect, setup: Setup, amount: str
) -> None:
    adele, mona = connect("adele"), connect("mona")
    citation = cite(connect("otto"), setup, 1002)
    appeal = file(connect("alice"), citation)
    assert take(adele) == appeal
    with refused("PD002", "amount"):
        adele.execute(
            "SELECT decide_appeal(%s, 'reduce', %s, '', %s::numeric)",
            (appeal, reason(adele, "reduce"), amount),
        )
    assert balance(mona, citation) == Decimal("45.00")
    assert ledger_sum(mona, citation) == Decimal("45.00")
    assert appeal_row(mona, appeal)["status"] == "open"


def test_an_amount_with_a_dismissal_or_an_upholding_moves_nothing_more(
    connect: Connect, setup: Setup
) -> None:
    adele, mona = connect("adele"), connect("mona")
    citation = cite(connect("otto"), setup, 1003)
    appeal = file(connect("alice"), citation)
    assert take(adele) == appeal
    with refused("PD002", "amount", "keeps its charges"):
        decide(adele, appeal, "uphold", "-100")
    decide(adele, appeal, "dismiss", "-100")  # the amount means nothing to a dismissal
    assert balance(mona, citation) == 0
    row = appeal_row(mona, appeal)
    assert (row["taken_off"], row["refund_due"], row["reduced_to"]) == (
        Decimal("45.00"),
        Decimal("0.00"),
        None,
    )


def test_a_reason_that_is_inactive_or_for_another_decision_or_made_up_is_refused(
    connect: Connect, setup: Setup
) -> None:
    adele, mona = connect("adele"), connect("mona")
    appeal = file(connect("alice"), cite(connect("otto"), setup, 1004))
    assert take(adele) == appeal
    retired = int(
        one(
            mona,
            "INSERT INTO appeal_reason (decision, text, active) VALUES ('dismiss', %s, false) "
            "RETURNING id",
            (f"Retired {token(6)}",),
        )
    )
    for decision, chosen in (
        ("dismiss", retired),
        ("dismiss", reason(adele, "uphold")),
        ("uphold", reason(adele, "dismiss")),
        ("dismiss", -1),
        ("dismiss", None),
    ):
        with refused("PD002", "reason"):
            adele.execute("SELECT decide_appeal(%s, %s, %s, '')", (appeal, decision, chosen))
    with refused("PD002", "decision"):
        adele.execute("SELECT decide_appeal(%s, 'pardon', %s, '')", (appeal, retired))
    assert appeal_row(mona, appeal)["status"] == "open"


def test_a_decided_appeal_is_not_decided_again_withdrawn_or_claimed(
    connect: Connect, setup: Setup
) -> None:
    adele, alice, mona = connect("adele"), connect("alice"), connect("mona")
    citation = cite(connect("otto"), setup, 1005)
    appeal = file(alice, citation)
    assert take(adele) == appeal
    decide(adele, appeal, "reduce", "20.00")
    with refused("PD002", "appeal", "decided"):
        decide(adele, appeal, "dismiss")
    with refused("PD002", "appeal", "decided"):
        alice.execute("SELECT withdraw_appeal(%s, 'The parker changed her mind.')", (appeal,))
    with refused("PD002", "appeal", "decided"):
        mona.execute("SELECT withdraw_appeal(%s, 'The parker changed her mind.')", (appeal,))
    with refused("PD002", "appeal", "decided"):
        adele.execute("SELECT claim_appeal(%s)", (appeal,))
    assert balance(mona, citation) == Decimal("20.00")


@pytest.mark.parametrize("login", ["alice", "adele", "dara", "otto", "ada"])
def test_only_a_manager_reopens_a_decision(connect: Connect, setup: Setup, login: str) -> None:
    adele = connect("adele")
    citation = cite(connect("otto"), setup, 1006)
    appeal = file(connect("alice"), citation)
    assert take(adele) == appeal
    decide(adele, appeal, "dismiss")
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect(login).execute("SELECT reopen_appeal(%s, 'I disagree with it.')", (appeal,))
    assert balance(connect("mona"), citation) == 0


def test_a_clerk_cannot_accept_a_late_appeal_or_widen_the_window(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    alice = connect("alice")
    old = historic(desk, setup, 1007, datetime.now(UTC) - timedelta(days=40), plate=token(7))
    with refused("PD002", "late_reason", "only a manager"):
        file(alice, old, late="The parker was abroad.")
    with pytest.raises(pgerrors.InsufficientPrivilege):
        alice.execute("UPDATE office_setting SET appeal_window_days = 365")
    with pytest.raises(pgerrors.InsufficientPrivilege):
        alice.execute("UPDATE violation SET appeal_window_days = 365")
    with pytest.raises(pgerrors.InsufficientPrivilege):
        alice.execute("UPDATE citation SET issued_at = now() WHERE id = %s", (old,))
    fresh = cite(connect("otto"), setup, 1008)
    with refused("PD002", "late_reason"):  # a blank reason is none
        file(alice, fresh, late="   ")


def test_a_key_of_another_request_or_login_is_refused(connect: Connect, setup: Setup) -> None:
    alice, bruno, otto = connect("alice"), connect("bruno"), connect("otto")
    first, second = cite(otto, setup, 1009), cite(otto, setup, 1010)
    key = uuid.uuid4()
    appeal = file(alice, first, key=key)
    with refused("PD007"):  # the same key for another citation
        file(alice, second, key=key)
    with refused("PD007"):  # the same key, the same citation, another statement
        alice.execute(
            "SELECT file_appeal(%s, %s, 'in_person', 'Pat Doe', 'pat@example.org', %s)",
            (key, first, "Another story altogether."),
        )
    with refused("PD007"):  # another clerk's key does not hand back their appeal
        file(bruno, first, key=key)
    paid = uuid.uuid4()
    alice.execute("SELECT pay_citations(%s, %s, %s)", (paid, [second], Jsonb(CARD)))
    with refused("PD007"):  # a payment's key is not an appeal's
        file(alice, second, key=paid)
    assert one(alice, "SELECT count(*) FROM appeal WHERE citation_id = %s", (second,)) == 0
    assert file(alice, first, key=key) == appeal


def test_every_text_is_bounded_before_any_work(connect: Connect, setup: Setup) -> None:
    alice, adele, mona = connect("alice"), connect("adele"), connect("mona")
    citation = cite(connect("otto"), setup, 1011)
    args = ["in_person", "Pat Doe", "pat@example.org", "It was fine.", None]
    for i, field in enumerate(("channel", "appellant", "contact", "statement", "late_reason")):
        huge = list(args)
        huge[i] = HUGE
        with refused("PD002", field, "At most"):
            alice.execute(
                "SELECT file_appeal(%s, %s, %s, %s, %s, %s, %s)",
                (uuid.uuid4(), citation, *huge),
            )
    appeal = file(alice, citation)
    assert take(adele) == appeal
    with refused("PD002", "note", "At most"):
        adele.execute(
            "SELECT decide_appeal(%s, 'dismiss', %s, %s)", (appeal, reason(adele, "dismiss"), HUGE)
        )
    with refused("PD002", "decision"):
        adele.execute(
            "SELECT decide_appeal(%s, %s, %s, '')", (appeal, HUGE, reason(adele, "dismiss"))
        )
    with refused("PD002", "place", "At most"):
        adele.execute("SELECT schedule_hearing(%s, now() + interval '1 day', %s)", (appeal, HUGE))
    with refused("PD002", "note", "At most"):
        alice.execute("SELECT withdraw_appeal(%s, %s)", (appeal, HUGE))
    decide(adele, appeal, "uphold")
    with refused("PD002", "reason", "At most"):
        mona.execute("SELECT reopen_appeal(%s, %s)", (appeal, HUGE))
    assert appeal_row(mona, appeal)["status"] == "decided"


def test_a_long_decision_note_is_refused_in_words_or_recorded_whole(
    connect: Connect, setup: Setup
) -> None:
    """The longest note a desk may send fits the decision's step with the longest reason."""
    adele, mona = connect("adele"), connect("mona")
    longest = int(
        one(
            mona,
            "INSERT INTO appeal_reason (decision, text) VALUES ('reduce', %s) RETURNING id",
            ("R" + token(6) + "x" * 193,),
        )
    )
    citation = cite(connect("otto"), setup, 1026)
    appeal = file(connect("alice"), citation)
    assert take(adele) == appeal
    with refused("PD002", "note", "At most"):
        adele.execute(
            "SELECT decide_appeal(%s, 'reduce', %s, %s, 44.99)", (appeal, longest, "n" * 2000)
        )
    note = "n" * 1700
    adele.execute("SELECT decide_appeal(%s, 'reduce', %s, %s, 44.99)", (appeal, longest, note))
    step = one(
        mona,
        "SELECT note FROM appeal_step WHERE appeal_id = %s AND step = 'decided'",
        (appeal,),
    )
    assert str(step).endswith(note)
    assert appeal_row(mona, appeal)["decision_note"] == note


def test_a_hearing_out_of_any_sensible_time_is_refused(connect: Connect, setup: Setup) -> None:
    adele = connect("adele")
    appeal = file(connect("alice"), cite(connect("otto"), setup, 1012))
    assert take(adele) == appeal
    for at in ("'infinity'", "'-infinity'", "'2000-01-01'", "(now() + interval '2 years')", "NULL"):
        with refused("PD002", "at"):
            adele.execute(f"SELECT schedule_hearing(%s, {at}::timestamptz, 'Room 1')", (appeal,))
    assert appeal_row(adele, appeal)["level"] == "review"


# -- reading what the desk does not show ---------------------------------------------------


APPEAL_FUNCTIONS = [
    "file_appeal(uuid,bigint,text,text,text,text,text)",
    "withdraw_appeal(bigint,text)",
    "take_next_appeal()",
    "claim_appeal(bigint)",
    "release_appeal(bigint)",
    "schedule_hearing(bigint,timestamptz,text)",
    "decide_appeal(bigint,text,bigint,text,numeric)",
    "reopen_appeal(bigint,text)",
    "appeal_queue()",
    "case_timeline(bigint)",
]

#: The helpers run only inside the appeal functions: no desk calls one with a row it made up.
HELPERS = [
    "appeal_window_closes(parkdesk.citation)",
    "appeal_step_taken(bigint,text,text)",
    "locked_appeal(bigint)",
    "require_claim(parkdesk.appeal)",
    "hold_claim(parkdesk.appeal)",
    "days_under_appeal(parkdesk.appeal)",
    "guard_appeal_step()",
]


@pytest.mark.parametrize("login", ["otto", "dara", "ada"])
def test_the_field_dispatch_and_administrators_read_no_appeal(connect: Connect, login: str) -> None:
    """An appeal carries the parker's name, contact and statement: the desks that do not
    deal with citations read none of it, nor its history in the audit trail."""
    conn = connect(login)
    for table in ("appeal", "appeal_step", "appeal_reason"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            conn.execute(f"SELECT * FROM {table}")
    if login == "ada":  # the administrator reads the audit trail, but not of appeals
        rows = conn.execute(
            "SELECT count(*) FROM audit_log WHERE table_name IN ('appeal', 'appeal_step')"
        ).fetchone()
        assert rows == (0,)


@pytest.mark.parametrize("login", ["otto", "dara"])
def test_the_field_and_dispatch_run_no_appeal_function(connect: Connect, login: str) -> None:
    conn = connect(login)
    for function in APPEAL_FUNCTIONS:
        assert (
            one(conn, "SELECT has_function_privilege(%s, 'EXECUTE')", (f"parkdesk.{function}",))
            is False
        ), function
    with pytest.raises(pgerrors.InsufficientPrivilege):
        conn.execute("SELECT * FROM appeal_queue()")


@pytest.mark.parametrize("login", ["alice", "adele", "dara", "mona", "otto", "ada"])
def test_no_desk_calls_an_appeal_helper_with_a_made_up_row(connect: Connect, login: str) -> None:
    conn = connect(login)
    for function in HELPERS:
        assert (
            one(conn, "SELECT has_function_privilege(%s, 'EXECUTE')", (f"parkdesk.{function}",))
            is False
        ), function
    with pytest.raises(pgerrors.InsufficientPrivilege):
        conn.execute("SELECT parkdesk.hold_claim(ROW(a.*)::parkdesk.appeal) FROM parkdesk.appeal a")


def test_every_appeal_function_that_runs_as_its_owner_fixes_its_search_path(
    connect: Connect,
) -> None:
    rows = (
        connect("mona")
        .execute(
            "SELECT p.proname, p.prosecdef, p.proconfig FROM pg_proc p "
            "WHERE p.pronamespace = 'parkdesk'::regnamespace AND (p.proname LIKE '%%appeal%%' "
            "OR p.proname IN ('require_claim', 'hold_claim', 'case_timeline', "
            "'escalate_citations', 'void_citation'))"
        )
        .fetchall()
    )
    assert len(rows) >= 14
    for name, _, config in rows:
        assert config is not None, name
        assert "search_path=pg_catalog, pg_temp" in config, name
    assert {name for name, definer, _ in rows if definer} >= {
        "file_appeal",
        "take_next_appeal",
        "decide_appeal",
    }


@pytest.mark.parametrize("login", ["alice", "adele", "mona"])
def test_the_timeline_reads_nothing_the_caller_cannot_read_table_by_table(
    connect: Connect, setup: Setup, login: str
) -> None:
    """Each relation the timeline joins: if the caller may read none of it, the timeline is
    refused as a whole, not shown without it (a relation read by some columns only, such as
    a clerk's permits, is checked column by column by the server itself)."""
    conn = connect(login)
    citation = cite(connect("otto"), setup, 1013)
    file(connect("alice"), citation)
    relations = [
        "citation",
        "violation",
        "lot",
        "zone",
        "device",
        "office_setting",
        "vehicle",
        "permit_vehicle",
        "permit",
        "permit_type",
        "exemption",
        "plate_read",
        "ledger_line",
        "payment_line",
        "appeal",
        "appeal_step",
    ]  # fmt: skip (evidence is read through case_evidence, which checks each file)
    unreadable = [
        r
        for r in relations
        if not one(conn, "SELECT has_any_column_privilege(%s, 'SELECT')", (f"parkdesk.{r}",))
    ]
    if unreadable:
        with pytest.raises(pgerrors.InsufficientPrivilege):
            conn.execute("SELECT * FROM case_timeline(%s)", (citation,))
    else:
        conn.execute("SELECT * FROM case_timeline(%s)", (citation,)).fetchall()
    # Row security holds inside it as outside: the caller's own rows of a protected table
    # (every table has row security, most with one policy letting every row through,
    # which keeps rows out of error messages: docs/SECURITY.md, threat 22).
    protected = [
        r
        for (r,) in conn.execute(
            "SELECT DISTINCT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
            "WHERE c.relnamespace = 'parkdesk'::regnamespace AND c.relrowsecurity "
            "AND p.polname NOT IN ('every_row', 'owner_every_row') AND c.relname = ANY(%s)",
            (relations,),
        ).fetchall()
    ]
    assert protected == [], protected


def test_the_timeline_shows_only_the_parkers_payments_its_caller_reads(
    connect: Connect, setup: Setup
) -> None:
    """The parker's payments around the citation are those of its vehicle's parker, and
    each is one the caller reads in payment_line."""
    alice = connect("alice")
    citation = cite(connect("otto"), setup, 1014)
    rows = alice.execute(
        "SELECT ref FROM case_timeline(%s) WHERE kind = 'payment'", (citation,)
    ).fetchall()
    for (ref,) in rows:
        assert one(alice, "SELECT count(*) FROM payment_line WHERE id = %s", (ref,)) == 1
    # A citation of a plate no parker has shows no payments of anyone else.
    assert rows == []


# -- stalling the other desks --------------------------------------------------------------


def test_one_login_in_two_sessions_still_holds_one_appeal(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    """Two psql windows of one adjudicator, each claiming before the other commits, do not
    end with two appeals in hand."""
    alice, otto = connect("alice"), connect("otto")
    first = file(alice, cite(otto, setup, 1015))
    second = file(alice, cite(otto, setup, 1016))
    one_window = desk.connect("judge4")
    other_window = desk.connect("judge4")
    errors: list[BaseException] = []
    try:
        one_window.execute("SELECT claim_appeal(%s)", (first,))  # not committed yet

        def other() -> None:
            try:
                other_window.execute("SELECT claim_appeal(%s)", (second,))
                other_window.commit()
            except BaseException as error:
                errors.append(error)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=1.0)
        one_window.commit()
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        one_window.close()
        other_window.close()
    assert errors == []
    assert held_by(connect("mona"), "judge4") == [second]
    assert take(connect("judge5")) == first


@pytest.mark.parametrize("login", ["alice", "judge8", "dara", "mona", "otto", "ada"])
def test_no_desk_locks_the_staff_row_a_claim_takes(connect: Connect, login: str) -> None:
    """A claim takes the adjudicator's staff row first; no login may lock it to keep an
    adjudicator from taking appeals."""
    conn = connect(login)
    for lock in ("FOR KEY SHARE", "FOR SHARE", "FOR NO KEY UPDATE", "FOR UPDATE"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            conn.execute(f"SELECT login FROM staff_member WHERE login = 'judge9' {lock}")
    with pytest.raises(pgerrors.InsufficientPrivilege), conn.transaction():
        conn.execute("LOCK TABLE staff_member IN EXCLUSIVE MODE")


def test_a_claim_refused_does_not_keep_the_holder_from_deciding_for_long(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    """A login that keeps a refused claim's transaction open holds the appeal's row; the
    other adjudicators' "take next" skips it and the sessions' watchdog ends the stall."""
    adele, alice, otto = connect("adele"), connect("alice"), connect("otto")
    appeal = file(alice, cite(otto, setup, 1017))
    spare = file(alice, cite(otto, setup, 1018))
    assert take(adele) == appeal
    staller = desk.connect("judge6")
    staller.execute("SET idle_in_transaction_session_timeout = 0")
    try:
        staller.execute("SELECT release_appeal(%s)", (spare,))  # holds nothing: no claim
        with pytest.raises(psycopg.Error):
            staller.execute("SELECT claim_appeal(%s)", (appeal,))  # refused, still open
        started = time.monotonic()
        assert take(connect("judge7")) == spare  # the queue is not held up
        assert time.monotonic() - started < 5
        done: list[BaseException | None] = []

        def decide_it() -> None:
            try:
                decide(adele, appeal, "uphold")
                done.append(None)
            except BaseException as error:
                done.append(error)

        thread = threading.Thread(target=decide_it)
        thread.start()
        time.sleep(6)
        connect("mona").execute("SELECT end_overdue_sessions()")
        thread.join(timeout=30)
        assert done == [None]
    finally:
        staller.close()
    assert appeal_row(adele, appeal)["status"] == "decided"


def test_a_clerk_cannot_free_or_take_a_claim(connect: Connect, setup: Setup) -> None:
    adele, alice = connect("adele"), connect("alice")
    appeal = file(alice, cite(connect("otto"), setup, 1019))
    assert take(adele) == appeal
    for sql in ("SELECT release_appeal(%s)", "SELECT claim_appeal(%s)"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            alice.execute(sql, (appeal,))
    assert held_by(adele, "adele") == [appeal]


# -- money by a side door, and races -------------------------------------------------------


def test_a_citation_under_appeal_or_decided_is_not_voided_behind_it(
    connect: Connect, setup: Setup
) -> None:
    adele, mona = connect("adele"), connect("mona")
    citation = cite(connect("otto"), setup, 1020)
    appeal = file(connect("alice"), citation)
    for conn in (adele, mona):
        with refused("PD002", "citation", "under appeal"):
            conn.execute("SELECT void_citation(%s, 'Duplicate ticket')", (citation,))
    assert take(adele) == appeal
    decide(adele, appeal, "uphold")
    with refused("PD002", "citation", "only a manager can reopen"):
        mona.execute("SELECT void_citation(%s, 'Duplicate ticket')", (citation,))
    assert balance(mona, citation) == Decimal("45.00")


@pytest.mark.parametrize("first", ["pay", "decide"])
def test_a_payment_and_a_dismissal_at_once_leave_the_ledger_whole(
    connect: Connect, setup: Setup, desk: Database, first: str
) -> None:
    """Whichever commits first, the citation owes nothing, and what was paid is recorded as
    owed back or never taken."""
    adele, mona = connect("adele"), connect("mona")
    citation = cite(connect("otto"), setup, 1021)
    appeal = file(connect("alice"), citation)
    assert take(adele) == appeal
    clerk = desk.connect("bruno")
    judge = desk.connect("adele")
    outcome: list[BaseException | None] = []

    def pay() -> None:
        clerk.execute("SELECT pay_citations(%s, %s, %s)", (uuid.uuid4(), [citation], Jsonb(CARD)))

    def dismiss() -> None:
        judge.execute(
            "SELECT decide_appeal(%s, 'dismiss', %s, '')", (appeal, reason(mona, "dismiss"))
        )

    def second() -> None:
        try:
            (dismiss if first == "pay" else pay)()
            (judge if first == "pay" else clerk).commit()
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    try:
        (pay if first == "pay" else dismiss)()
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive()  # waits on the citation's row
        (clerk if first == "pay" else judge).commit()
        thread.join(timeout=30)
    finally:
        clerk.close()
        judge.close()
    assert balance(mona, citation) == 0
    assert ledger_sum(mona, citation) == 0
    row = appeal_row(mona, appeal)
    assert row["status"] == "decided"
    if first == "pay":
        assert outcome == [None]
        assert (row["taken_off"], row["refund_due"]) == (Decimal("0.00"), Decimal("45.00"))
    else:
        assert len(outcome) == 1
        assert isinstance(outcome[0], psycopg.Error)  # nothing is owed any more
        assert (row["taken_off"], row["refund_due"]) == (Decimal("45.00"), Decimal("0.00"))


def test_a_withdrawal_racing_a_decision_waits_and_is_refused(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    """A clerk withdrawing while the adjudicator's decision is being saved waits for it,
    then finds the appeal decided: the ledger has the decision once and nothing else."""
    adele, mona = connect("adele"), connect("mona")
    citation = cite(connect("otto"), setup, 1027)
    appeal = file(connect("alice"), citation)
    assert take(adele) == appeal
    judge = desk.connect("adele")
    outcome: list[BaseException | None] = []
    clerk = connect("bruno")

    def withdraw() -> None:
        try:
            clerk.execute("SELECT withdraw_appeal(%s, 'The parker called it off.')", (appeal,))
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    try:
        judge.execute(
            "SELECT decide_appeal(%s, 'dismiss', %s, '')", (appeal, reason(mona, "dismiss"))
        )
        thread = threading.Thread(target=withdraw)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive()  # waits on the citation's row
        judge.commit()
        thread.join(timeout=30)
    finally:
        judge.close()
    assert len(outcome) == 1
    assert isinstance(outcome[0], psycopg.Error)
    assert outcome[0].sqlstate == "PD002"
    assert appeal_row(mona, appeal)["status"] == "decided"
    assert balance(mona, citation) == 0
    assert ledger_sum(mona, citation) == 0


@pytest.mark.parametrize("login", ["alice", "adele", "dara", "mona", "otto", "ada"])
def test_no_desk_posts_to_the_ledger_but_through_an_appeal_or_a_payment(
    connect: Connect, login: str
) -> None:
    conn = connect(login)
    functions = [
        r
        for (r,) in conn.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "WHERE p.pronamespace = 'parkdesk'::regnamespace AND p.proname = 'post_line'"
        ).fetchall()
    ]
    assert functions
    for function in functions:
        assert one(conn, "SELECT has_function_privilege(%s, 'EXECUTE')", (function,)) is False
    escalates = one(
        conn,
        "SELECT has_function_privilege('parkdesk.escalate_citations(timestamptz)', 'EXECUTE')",
    )
    assert escalates is (login in ("mona", "ada"))


def test_escalation_racing_a_withdrawal_posts_each_stage_once(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    alice, mona, ada = connect("alice"), connect("mona"), connect("ada")
    stage(mona, 10, "5.00")
    citation = historic(desk, setup, 1022, datetime.now(UTC) - timedelta(days=20), plate=token(7))
    appeal = file(alice, citation)
    ada.execute("SELECT escalate_citations()")
    assert balance(mona, citation) == Decimal("45.00")  # paused while open
    clerk = desk.connect("alice")
    try:
        clerk.execute("SELECT withdraw_appeal(%s, 'The parker will pay.')", (appeal,))
        results: list[object] = []
        racer = connect("ada")
        thread = threading.Thread(
            target=lambda: results.append(one(racer, "SELECT escalate_citations()"))
        )
        thread.start()
        thread.join(timeout=1.0)
        clerk.commit()
        thread.join(timeout=30)
    finally:
        clerk.close()
    assert len(results) == 1
    ada.execute("SELECT escalate_citations()")
    ada.execute("SELECT escalate_citations()")
    # 20 days since it was issued, none of them under appeal: the stage once.
    assert appeal_row(mona, appeal)["paused_days"] == 0
    assert balance(mona, citation) == Decimal("50.00")


def test_a_reopened_appeal_pauses_escalation_only_for_the_days_it_was_open(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    """Filed on day 1, upheld on day 3, reopened and upheld again on day 40: two days
    under appeal, not the thirty-nine since it was first filed."""
    adele, mona, ada = connect("adele"), connect("mona"), connect("ada")
    stage(mona, 30, "5.00")
    citation = historic(desk, setup, 1023, datetime.now(UTC) - timedelta(days=40), plate=token(7))
    appeal = file(mona, citation, late="Filed in time by mail, keyed late.")
    assert take(adele) == appeal
    decide(adele, appeal, "uphold")
    with desk.admin() as su:  # as if filed on day 1 and upheld on day 3
        su.execute(
            "UPDATE parkdesk.appeal SET filed_at = now() - interval '39 days', "
            "decided_at = now() - interval '37 days', paused_days = 2 WHERE id = %s",
            (appeal,),
        )
    mona.execute("SELECT reopen_appeal(%s, 'The photo was of another car.')", (appeal,))
    ada.execute("SELECT escalate_citations()")
    assert balance(mona, citation) == Decimal("45.00")  # paused while open again
    assert take(adele) == appeal
    decide(adele, appeal, "uphold")
    assert appeal_row(mona, appeal)["paused_days"] == 2
    ada.execute("SELECT escalate_citations()")  # 38 days count: the stage is due
    ada.execute("SELECT escalate_citations()")  # and posted once
    assert balance(mona, citation) == Decimal("50.00")


# -- rewriting history ---------------------------------------------------------------------


def test_a_reason_given_for_a_decision_keeps_its_words(connect: Connect, setup: Setup) -> None:
    """A manager cannot reword (or turn into an upholding) the reason past decisions were
    given for, so every decision letter printed again says what it said; retiring it is
    how a reason goes."""
    adele, mona = connect("adele"), connect("mona")
    given = int(
        one(
            mona,
            "INSERT INTO appeal_reason (decision, text) VALUES ('dismiss', %s) RETURNING id",
            (f"Signs unclear {token(6)}",),
        )
    )
    appeal = file(connect("alice"), cite(connect("otto"), setup, 1025))
    assert take(adele) == appeal
    adele.execute("SELECT decide_appeal(%s, 'dismiss', %s, '')", (appeal, given))
    with refused("PD002", "text", "retire it"):
        mona.execute("UPDATE appeal_reason SET text = 'Officer error' WHERE id = %s", (given,))
    with refused("PD002", "text", "retire it"):
        mona.execute("UPDATE appeal_reason SET decision = 'uphold' WHERE id = %s", (given,))
    mona.execute("UPDATE appeal_reason SET active = false WHERE id = %s", (given,))
    unused = int(
        one(
            mona,
            "INSERT INTO appeal_reason (decision, text) VALUES ('dismiss', %s) RETURNING id",
            (f"Typo {token(6)}",),
        )
    )
    mona.execute("UPDATE appeal_reason SET text = %s WHERE id = %s", (f"Fixed {token(6)}", unused))


@pytest.mark.parametrize("login", ["alice", "adele", "dara", "mona", "otto", "ada"])
def test_no_desk_writes_an_appeal_column_or_a_step(connect: Connect, login: str) -> None:
    conn = connect(login)
    writable = conn.execute(
        "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 'parkdesk.appeal'::regclass "
        "AND a.attnum > 0 AND NOT a.attisdropped AND (has_column_privilege(a.attrelid, "
        "a.attnum, 'UPDATE') OR has_column_privilege(a.attrelid, a.attnum, 'INSERT'))"
    ).fetchall()
    assert writable == []
    for table in ("appeal", "appeal_step"):
        for privilege in ("DELETE", "TRUNCATE", "TRIGGER"):
            assert (
                one(conn, "SELECT has_table_privilege(%s, %s)", (f"parkdesk.{table}", privilege))
                is False
            )


def test_a_claim_leaves_no_audit_row_but_changes_nothing_else(
    connect: Connect, setup: Setup, desk: Database
) -> None:
    """The audit trail skips claims only: every path that moves a claim moves nothing
    else, and every path that moves anything else is audited."""
    adele, alice = connect("adele"), connect("alice")
    appeal = file(alice, cite(connect("otto"), setup, 1024))
    before = appeal_row(adele, appeal)
    audited = audit_rows(desk, appeal)
    assert take(adele) == appeal
    adele.execute("SELECT claim_appeal(%s)", (appeal,))
    adele.execute("SELECT release_appeal(%s)", (appeal,))
    assert take(adele) == appeal
    connect("mona").execute("SELECT release_appeal(%s)", (appeal,))
    after = appeal_row(adele, appeal)
    skipped = {"version", "updated_at", "updated_by"}
    assert {k: v for k, v in before.items() if k not in skipped} == {
        k: v for k, v in after.items() if k not in skipped
    }
    assert audit_rows(desk, appeal) == audited
    assert take(adele) == appeal
    adele.execute("SELECT schedule_hearing(%s, now() + interval '2 days', 'Room 3')", (appeal,))
    assert audit_rows(desk, appeal) == audited + 1
    alice.execute("SELECT withdraw_appeal(%s, 'The parker paid instead.')", (appeal,))
    assert audit_rows(desk, appeal) == audited + 2
