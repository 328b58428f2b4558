"""The watchlist and its alerts, tried as the logins that would try them (SPEC "Security",
rule 16): dispatchers keep the list and acknowledge alerts; the officer's verdict gives
the instruction and never the confidential reason; the counter and the field read none
of it; a read, a check or a citation of a watchlisted plate alerts, and repeats merge.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from psycopg import errors as pgerrors

from tests.conftest import Database
from tests.models.test_enforcement import JURISDICTION, Conn, Connect, Setup, issue, setup
from tests.models.test_permit_rules import one, refused, token
from tests.models.test_plate_reads import Patrol, patrol, read

__all__ = ["patrol", "setup"]  # the enforcement fixtures, shared

INSTRUCTION = "Do not approach; call dispatch on channel 2."
REASON = "Stolen vehicle, police report 26-4411 (confidential)."


def add_entry(conn: Conn, pattern: str, **values: Any) -> int:
    row = {
        "jurisdiction": JURISDICTION,
        "plate_pattern": pattern,
        "reason": REASON,
        "instruction": INSTRUCTION,
        "priority": 1,
        **values,
    }
    columns = ", ".join(row)
    marks = ", ".join(["%s"] * len(row))
    return int(
        one(
            conn,
            f"INSERT INTO watchlist_entry ({columns}) VALUES ({marks}) RETURNING id",
            tuple(row.values()),
        )
    )


def alerts(conn: Conn, plate: str) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT source, hits, acknowledged_by FROM watchlist_alert WHERE plate = %s ORDER BY id",
        (plate,),
    ).fetchall()


def check(conn: Conn, plate: str) -> dict[str, Any]:
    cur = conn.execute("SELECT * FROM check_plate(%s, %s)", (JURISDICTION, plate))
    row = cur.fetchone()
    assert row is not None
    assert cur.description is not None
    return {d.name: v for d, v in zip(cur.description, row, strict=True)}


def test_an_officers_check_says_watchlisted_with_the_instruction_never_the_reason(
    connect: Connect,
) -> None:
    dara, otto = connect("dara"), connect("otto")
    plate = token(7)
    add_entry(dara, plate.lower())  # stored as a plate is
    verdict = check(otto, plate)
    assert verdict["verdict"] == "watchlisted"
    assert verdict["instruction"] == INSTRUCTION
    assert verdict["reason"].startswith(f"Watchlisted — see instruction: {INSTRUCTION} No permit")
    assert "Stolen" not in str(verdict)
    assert alerts(dara, plate) == [("check", 1, None)]
    assert one(dara, "SELECT seen_by FROM watchlist_alert WHERE plate = %s", (plate,)) == "otto"


@pytest.mark.parametrize("login", ["alice", "otto", "adele"])
def test_the_counter_the_field_and_adjudicators_read_no_watchlist(
    connect: Connect, login: str
) -> None:
    for table in ("watchlist_entry", "watchlist_alert"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute(f"SELECT * FROM {table}")
    with pytest.raises(pgerrors.InsufficientPrivilege):
        add_entry(connect(login), token(7))


def test_device_reads_alert_and_repeats_merge_until_and_after_acknowledgement(
    connect: Connect, patrol: Patrol, desk: Database
) -> None:
    dara, otto = connect("dara"), connect("otto")
    plate = token(7)
    add_entry(dara, plate)
    first = read(otto, patrol, 1, plate)
    assert first[1] == "watchlisted"
    assert first[-1] == INSTRUCTION
    # What the read keeps is what the permits said: the counter reads it in histories.
    kept = one(connect("mona"), "SELECT verdict FROM plate_read WHERE id = %s", (first[0],))
    assert kept == "no_permit"
    read(otto, patrol, 2, plate)
    assert alerts(dara, plate) == [("read", 2, None)]
    alert = int(one(dara, "SELECT id FROM watchlist_alert WHERE plate = %s", (plate,)))
    dara.execute("SELECT acknowledge_alert(%s, 'Unit 4 on the way')", (alert,))
    # Within the merge window after it was acknowledged: counted, not alerted again.
    read(otto, patrol, 3, plate)
    assert alerts(dara, plate) == [("read", 3, "dara")]
    # After the window: a new alert.
    with desk.admin() as su:
        su.execute(
            "UPDATE parkdesk.watchlist_alert SET last_at = now() - interval '31 minutes' "
            "WHERE id = %s",
            (alert,),
        )
    read(otto, patrol, 4, plate)
    assert alerts(dara, plate) == [("read", 3, "dara"), ("read", 1, None)]


def test_a_citation_of_a_watchlisted_plate_alerts(connect: Connect, setup: Setup) -> None:
    dara = connect("dara")
    plate = token(7)
    add_entry(dara, plate, jurisdiction=None)  # any jurisdiction
    issue(connect("otto"), setup, setup.first, plate=plate)
    assert alerts(dara, plate) == [("citation", 1, None)]


@pytest.mark.parametrize(
    ("plate", "hit"),
    [("ABC12", True), ("ABXY12", True), ("AB12X", False), ("AB12", False)],
)
def test_a_wildcard_stands_for_one_or_more_characters(
    connect: Connect, plate: str, hit: bool, desk: Database
) -> None:
    dara = connect("dara")
    entry = add_entry(dara, "ab*12", jurisdiction="QC")
    try:
        verdict = (
            connect("otto")
            .execute("SELECT verdict FROM check_plate('QC', %s)", (plate,))
            .fetchone()
        )
        assert verdict is not None
        assert (verdict[0] == "watchlisted") is hit
    finally:
        dara.execute("SELECT retire_watchlist_entry(%s, 'Test over')", (entry,))


def test_an_expired_or_retired_entry_no_longer_alerts(connect: Connect) -> None:
    dara, otto = connect("dara"), connect("otto")
    expired, retired = token(7), token(7)
    add_entry(
        dara,
        expired,
        starts_at=datetime.now(UTC) - timedelta(days=2),
        expires_at=datetime.now(UTC) - timedelta(days=1),
    )
    entry = add_entry(dara, retired)
    dara.execute("SELECT retire_watchlist_entry(%s, 'Vehicle recovered')", (entry,))
    for plate in (expired, retired):
        assert check(otto, plate)["verdict"] == "no_permit"
        assert alerts(dara, plate) == []
    with refused("PD002", "entry", "retired"):
        dara.execute("UPDATE watchlist_entry SET priority = 3 WHERE id = %s", (entry,))


def test_a_pattern_that_is_no_plate_is_refused_in_words(connect: Connect) -> None:
    dara = connect("dara")
    for pattern in ("*", "A*", "A**1", "AB*1*2*3", "AB 12 ?"):
        with refused("PD002", "plate", "2 to 12 letters and digits"):
            add_entry(dara, pattern)
    with refused("23514"):
        add_entry(dara, token(7), reason="Card 4111 1111 1111 1111 reported")


def test_an_alert_is_acknowledged_once_when_two_dispatchers_press_together(
    connect: Connect, desk: Database
) -> None:
    dara, otto = connect("dara"), connect("otto")
    plate = token(7)
    add_entry(dara, plate)
    check(otto, plate)
    alert = int(one(dara, "SELECT id FROM watchlist_alert WHERE plate = %s", (plate,)))
    results: dict[str, str] = {}
    together = threading.Barrier(2)

    def press(login: str) -> None:
        with desk.connect(login) as conn:
            together.wait(timeout=10)
            try:
                conn.execute("SELECT acknowledge_alert(%s)", (alert,))
                conn.commit()
                results[login] = "acknowledged"
            except pgerrors.Error as error:
                results[login] = str(error.diag.message_primary)

    threads = [threading.Thread(target=press, args=(login,)) for login in ("dara", "mona")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()).count("acknowledged") == 1, results
    winner = next(login for login, said in results.items() if said == "acknowledged")
    loser = next(login for login in results if login != winner)
    assert results[loser].startswith(f"{winner} acknowledged this alert at "), results
    assert one(dara, "SELECT acknowledged_by FROM watchlist_alert WHERE id = %s", (alert,)) == (
        winner
    )


def test_entries_and_alerts_are_never_removed_or_rewritten_directly(connect: Connect) -> None:
    dara, otto = connect("dara"), connect("otto")
    plate = token(7)
    entry = add_entry(dara, plate)
    check(otto, plate)
    for login in ("dara", "mona"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute("DELETE FROM watchlist_entry WHERE id = %s", (entry,))
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute(
                "UPDATE watchlist_alert SET acknowledged_by = 'x', acknowledged_at = now()"
            )
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute(
                "UPDATE watchlist_entry SET retired_at = now(), retired_by = 'x', "
                "retire_reason = 'xyz' WHERE id = %s",
                (entry,),
            )


# -- trespass notices ----------------------------------------------------------------------


def notice(conn: Conn, *plates: str, parker: int | None = None, days: int = 30) -> int:
    return int(
        one(
            conn,
            "SELECT issue_trespass_notice(%s, %s, 'Grey hoodie', NULL, 'All campus lots', "
            "'Repeated damage to parked cars', now() + make_interval(days => %s), %s)",
            (parker, "Pat Doe" if parker is None else "", days, list(plates)),
        )
    )


def test_a_trespass_notice_watchlists_the_persons_vehicles_while_in_force(
    connect: Connect, desk: Database
) -> None:
    dara, otto, mona = connect("dara"), connect("otto"), connect("mona")
    first, second = token(7), token(7)
    issued = notice(
        dara, f"{JURISDICTION} {first}", f"{JURISDICTION.lower()} {second[:3]}-{second[3:]}"
    )
    entries = dara.execute(
        "SELECT plate_pattern, category, expires_at = (SELECT expires_at FROM trespass_notice "
        "WHERE id = %s) FROM watchlist_entry WHERE trespass_notice_id = %s ORDER BY id",
        (issued, issued),
    ).fetchall()
    assert entries == [(first, "Trespass", True), (second, "Trespass", True)]
    verdict = check(otto, first)
    assert verdict["verdict"] == "watchlisted"
    assert verdict["instruction"].startswith("Trespass notice T")
    assert "damage" not in verdict["instruction"]  # the reason stays with dispatch
    # It ends with the notice: past its expiry the entries no longer alert.
    with desk.admin() as su:
        su.execute("SET session_replication_role = replica")  # the clock, moved past the guard
        su.execute(
            "UPDATE parkdesk.watchlist_entry SET starts_at = now() - interval '2 days', "
            "expires_at = now() - interval '1 second' WHERE trespass_notice_id = %s",
            (issued,),
        )
    assert check(otto, second)["verdict"] == "no_permit"
    # Revoked: its entries are retired with it.
    other = notice(dara, f"{JURISDICTION} {token(7)}")
    mona.execute("SELECT revoke_trespass_notice(%s, 'Issued to the wrong person')", (other,))
    assert dara.execute(
        "SELECT count(*) FROM watchlist_entry WHERE trespass_notice_id = %s AND retired_at IS NULL",
        (other,),
    ).fetchone() == (0,)
    with refused("PD002", "notice", "revoked by mona already"):
        dara.execute("SELECT revoke_trespass_notice(%s, 'Again')", (other,))
    # No side door: a notice's entry is not kept on past the notice by an UPDATE.
    third = notice(dara, f"{JURISDICTION} {token(7)}")
    for login in ("dara", "mona"):
        with refused("PD002", "entry", "belongs to trespass notice"):
            connect(login).execute(
                "UPDATE watchlist_entry SET expires_at = now() + interval '10 years' "
                "WHERE trespass_notice_id = %s",
                (third,),
            )


def test_a_notice_is_refused_in_words_and_kept_as_issued(connect: Connect) -> None:
    dara = connect("dara")
    with refused("PD002", "plates", "write the jurisdiction and the plate"):
        notice(dara, "ABC123")
    with refused("PD002", "expires_at"):
        notice(dara, days=-1)
    issued = notice(dara)
    for login in ("dara", "mona"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute(
                "UPDATE trespass_notice SET reason = 'x' WHERE id = %s", (issued,)
            )
    for login in ("alice", "otto"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute("SELECT * FROM trespass_notice")
