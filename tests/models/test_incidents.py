"""Security incidents, tried as the logins that would try them (SPEC "Security"): a
dispatcher records one with people, vehicles, a dispatch log, tasks and a photo; a
confidential one is invisible, row by row and in the audit trail's hints, to a dispatcher
who neither reported nor investigates it; a closed one is locked until reopened with a
reason; the log is never edited; the counter and the field read none of it.

The module runs on its own server, with a second dispatcher.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg import errors as pgerrors
from psycopg.types.json import Jsonb

from tests.conftest import LOGINS, Database
from tests.models.conftest import fresh_database
from tests.models.test_enforcement import Conn, Connect, Setup, issue, setup
from tests.models.test_evidence import JPEG, photo
from tests.models.test_permit_concurrency import make_lot
from tests.models.test_permit_rules import one, refused

OTHER_DISPATCHER = "dan"

__all__ = ["setup"]  # the enforcement set-up fixture, shared


@pytest.fixture(scope="module")
def desk() -> Iterator[Database]:
    """This module's server: every test login and a second dispatcher."""
    with fresh_database({**LOGINS, OTHER_DISPATCHER: ["dispatcher"]}) as db:
        yield db


def category(conn: Conn, name: str = "Vehicle theft") -> int:
    return int(one(conn, "SELECT id FROM incident_category WHERE name = %s", (name,)))


def role(conn: Conn, name: str) -> int:
    return int(one(conn, "SELECT id FROM incident_role WHERE name = %s", (name,)))


def record(conn: Conn, lot: int, *, confidential: bool = False, **values: Any) -> int:
    """An incident, as a desk records it (dispatchers write incidents through functions)."""
    row = {
        "category_id": category(conn),
        "occurred_at": datetime.now(UTC).isoformat(),
        "lot_id": lot,
        "narrative": "Caller reports a grey sedan with a broken window in row C.",
        "confidential": confidential,
        **values,
    }
    return int(one(conn, "SELECT record_incident(%s)", (Jsonb(row),)))


def change(conn: Conn, incident_id: int, **fields: Any) -> None:
    """Change an incident's fields, as the desk does."""
    conn.execute("SELECT change_incident(%s, %s)", (incident_id, Jsonb(fields)))


def incident(conn: Conn, incident_id: int) -> dict[str, Any] | None:
    cur = conn.execute("SELECT * FROM visible_incidents(%s)", (incident_id,))
    row = cur.fetchone()
    if row is None:
        return None
    assert cur.description is not None
    return {d.name: v for d, v in zip(cur.description, row, strict=True)}


@pytest.fixture
def lot(connect: Connect) -> int:
    return make_lot(connect("mona"), 50)


def test_a_dispatcher_records_an_incident_with_people_vehicles_a_log_and_tasks(
    connect: Connect, lot: int
) -> None:
    dara = connect("dara")
    new = record(dara, lot, weapon=True, police_service="City Police", police_case="26-4411")
    row = incident(dara, new)
    assert row is not None
    assert row["number"].startswith("I20")
    assert row["number"].endswith(f"{new:05d}")
    assert (row["status"], row["reported_by"], row["status_by"]) == ("new", "dara", "dara")
    dara.execute(
        "INSERT INTO incident_person (incident_id, role_id, name, description, contact) "
        "VALUES (%s, %s, 'Sam Roe', 'Owner of the sedan', '555-0100')",
        (new, role(dara, "Complainant")),
    )
    dara.execute(
        "INSERT INTO incident_person (incident_id, role_id, name, description) "
        "VALUES (%s, %s, 'Unknown male', 'Red jacket, about 30')",
        (new, role(dara, "Suspect")),
    )
    dara.execute(
        "INSERT INTO incident_vehicle (incident_id, jurisdiction, plate, description) "
        "VALUES (%s, 'on', 'abc-123', 'Grey sedan, broken rear window')",
        (new,),
    )
    assert dara.execute(
        "SELECT jurisdiction, plate, added_by FROM visible_incident_vehicles(%s)",
        (new,),
    ).fetchall() == [("ON", "ABC123", "dara")]
    for kind in ("call_received", "unit_dispatched", "on_scene"):
        dara.execute(
            "INSERT INTO dispatch_entry (incident_id, kind, note) VALUES (%s, %s, 'Unit 4')",
            (new, kind),
        )
    log = dara.execute(
        "SELECT kind, by FROM visible_dispatch_entries(%s) ORDER BY id", (new,)
    ).fetchall()
    assert log == [("call_received", "dara"), ("unit_dispatched", "dara"), ("on_scene", "dara")]
    with refused("PD002", "assigned_to", "not a dispatcher"):
        dara.execute(
            "INSERT INTO incident_task (incident_id, assigned_to, due_on, description) "
            "VALUES (%s, 'alice', current_date + 2, 'Pull the camera footage')",
            (new,),
        )
    dara.execute(
        "INSERT INTO incident_task (incident_id, assigned_to, due_on, description) "
        "VALUES (%s, %s, current_date + 2, 'Pull the camera footage')",
        (new, OTHER_DISPATCHER),
    )
    task = int(one(dara, "SELECT max(id) FROM visible_incident_tasks(%s)", (new,)))
    with refused("PD002", "task", "dan's to mark done"):
        dara.execute("SELECT complete_incident_task(%s, %s)", (new, task))
    connect(OTHER_DISPATCHER).execute("SELECT complete_incident_task(%s, %s)", (new, task))
    assert one(dara, "SELECT done_by FROM visible_incident_tasks() WHERE id = %s", (task,)) == "dan"


@pytest.mark.parametrize("login", ["alice", "otto", "adele"])
def test_the_counter_the_field_and_adjudicators_read_no_incident(
    connect: Connect, login: str
) -> None:
    for table in (
        "incident",
        "incident_person",
        "incident_vehicle",
        "dispatch_entry",
        "incident_task",
    ):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute(f"SELECT * FROM {table}")


def test_a_confidential_incident_is_read_only_by_its_reporter_investigators_and_managers(
    connect: Connect, lot: int
) -> None:
    dara, dan, mona = connect("dara"), connect(OTHER_DISPATCHER), connect("mona")
    secret = record(dara, lot, confidential=True)
    dara.execute(
        "INSERT INTO dispatch_entry (incident_id, kind, note) VALUES (%s, 'note', 'Sensitive')",
        (secret,),
    )
    content = photo(JPEG)
    evidence = int(
        one(
            dara,
            "SELECT attach_incident_evidence(%s, %s, %s, 'image/jpeg', 'Window, row C')",
            (secret, content, hashlib.sha256(content).hexdigest()),
        )
    )
    assert incident(dan, secret) is None  # raw SQL as that login: no row
    for function in ("visible_dispatch_entries", "visible_incident_evidence"):
        assert one(dan, f"SELECT count(*) FROM {function}(%s)", (secret,)) == 0
    for table in ("dispatch_entry", "evidence"):  # the tables themselves: not by incident
        with refused("42501"):
            dan.execute(f"SELECT count(*) FROM {table} WHERE incident_id = %s", (secret,))
    for login in ("alice", "dan"):  # nor its bytes, asked for by the file's number
        assert one(connect(login), "SELECT count(*) FROM evidence_file(%s)", (evidence,)) == 0
    assert one(connect("mona"), "SELECT count(*) FROM evidence_file(%s)", (evidence,)) == 1
    # Nor changed, nor added to, by someone who cannot read it.
    with refused("PD002", "incident", "no such incident"):
        change(dan, secret, narrative="x")
    with refused("42501"):  # and no table of it is theirs to scan
        dan.execute("UPDATE incident SET narrative = 'x' WHERE id = %s", (secret,))
    with pytest.raises(pgerrors.InsufficientPrivilege):  # the row policy
        dan.execute(
            "INSERT INTO dispatch_entry (incident_id, kind, note) VALUES (%s, 'note', 'x')",
            (secret,),
        )
    with refused("PD002", "incident", "no such incident"):
        dan.execute(
            "SELECT attach_incident_evidence(%s, %s, %s, 'image/jpeg', 'Another photo')",
            (secret, content, hashlib.sha256(content).hexdigest()),
        )
    # The audit trail's hints name no key of it, and its audit rows are the managers'.
    last = int(one(dan, "SELECT last_change_id()"))
    change(dara, secret, narrative="Updated")
    hints = dan.execute("SELECT table_name, row_key FROM changes_since(%s)", (last,)).fetchall()
    assert ("incident", None) in hints
    with pytest.raises(pgerrors.InsufficientPrivilege):
        dan.execute("SELECT count(*) FROM audit_log WHERE table_name = 'incident'")
    assert incident(mona, secret) is not None
    # Only the reporter (or a manager) names investigators; then they read it.
    with refused("PD002", "confidential", "decides who may read it"):
        mona_free = record(dan, lot)  # dan's own, not confidential
        change(dara, mona_free, investigators=["dara"])
    with refused("PD002", "investigators", "not a dispatcher"):
        change(dara, secret, investigators=["alice"])
    change(dara, secret, investigators=[OTHER_DISPATCHER])
    assert incident(dan, secret) is not None
    assert one(dan, "SELECT count(*) FROM visible_incident_evidence(%s)", (secret,)) == 1


def test_a_closed_incident_is_locked_until_reopened_with_a_reason(
    connect: Connect, lot: int
) -> None:
    dara = connect("dara")
    case = record(dara, lot)
    with refused("PD002", "status", "cannot become closed"):
        change(dara, case, status="closed")
    for status in ("in_progress", "resolved", "closed"):
        change(dara, case, status=status)
    row = incident(dara, case)
    assert row is not None
    assert (row["status"], row["closed_by"]) == ("closed", "dara")
    with refused("PD002", "status", "is closed"):
        change(dara, case, narrative="Later")
    with refused("PD002", "incident", "is closed"):
        dara.execute(
            "INSERT INTO dispatch_entry (incident_id, kind, note) VALUES (%s, 'note', 'x')",
            (case,),
        )
    with refused("PD002", "reason", "Say why"):
        dara.execute("SELECT reopen_incident(%s, '')", (case,))
    dara.execute("SELECT reopen_incident(%s, 'Suspect identified on camera')", (case,))
    row = incident(dara, case)
    assert row is not None
    assert (row["status"], row["closed_at"]) == ("in_progress", None)
    assert (
        one(
            dara,
            "SELECT note FROM visible_dispatch_entries(%s) ORDER BY id DESC LIMIT 1",
            (case,),
        )
        == "Reopened: Suspect identified on camera"
    )


def test_the_dispatch_log_and_incidents_are_never_edited_or_removed(
    connect: Connect, lot: int
) -> None:
    dara, mona = connect("dara"), connect("mona")
    case = record(dara, lot)
    dara.execute(
        "INSERT INTO dispatch_entry (incident_id, kind, note) VALUES (%s, 'cleared', 'All clear')",
        (case,),
    )
    entry = int(one(dara, "SELECT max(id) FROM visible_dispatch_entries(%s)", (case,)))
    for login in ("dara", "mona"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute("UPDATE dispatch_entry SET note = 'x' WHERE id = %s", (entry,))
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute("DELETE FROM dispatch_entry WHERE id = %s", (entry,))
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(login).execute("DELETE FROM incident WHERE id = %s", (case,))
    # A reporter's name and number are the database's, whatever the client sends.
    change(dara, case, narrative="More")
    row = incident(mona, case)
    assert row is not None
    assert row["reported_by"] == "dara"


def test_a_citation_is_linked_by_its_number_and_read_as_the_incident_is(
    connect: Connect, lot: int, setup: Setup
) -> None:
    dara, dan = connect("dara"), connect(OTHER_DISPATCHER)
    number = str(issue(connect("otto"), setup, setup.first)[1])
    secret = record(dara, lot, confidential=True)
    with refused("PD002", "number", "There is no citation NOPE1"):
        dara.execute("SELECT link_incident(%s, 'citation', 'nope1')", (secret,))
    with refused("PD002", "kind", "citation or a permit"):
        dara.execute("SELECT link_incident(%s, 'parker', 'X')", (secret,))
    dara.execute("SELECT link_incident(%s, 'citation', %s, 'Same car')", (secret, number.lower()))
    assert dara.execute(
        "SELECT reference, note FROM visible_incident_links(%s)", (secret,)
    ).fetchall() == [(number, "Same car")]
    with refused("PD002", "number", "linked already"):
        dara.execute("SELECT link_incident(%s, 'citation', %s)", (secret, number))
    assert one(dan, "SELECT count(*) FROM visible_incident_links(%s)", (secret,)) == 0
    with refused("PD002", "incident", "no such incident"):
        dan.execute("SELECT link_incident(%s, 'citation', %s)", (secret, number))


# -- the managers' lists ---------------------------------------------------------------


def test_the_lists_are_the_managers_two_levels_deep_with_one_name_among_siblings(
    connect: Connect,
) -> None:
    mona, dara = connect("mona"), connect("dara")
    with refused("42501"):
        dara.execute("INSERT INTO incident_category (name) VALUES ('Graffiti')")
    with refused("42501"):
        dara.execute("UPDATE incident_role SET active = false")
    theft = category(mona, "Theft")
    bikes = int(
        one(
            mona,
            "INSERT INTO incident_category (name, parent_id) VALUES ('  Scooter   theft ', %s) "
            "RETURNING id",
            (theft,),
        )
    )
    assert one(mona, "SELECT name FROM incident_category WHERE id = %s", (bikes,)) == (
        "Scooter theft"
    )
    with refused("23505"):
        mona.execute(
            "INSERT INTO incident_category (name, parent_id) VALUES ('scooter THEFT', %s)",
            (theft,),
        )
    with refused("PD002", "parent_id", "not to another sub-category"):
        mona.execute(
            "INSERT INTO incident_category (name, parent_id) VALUES ('Wheels', %s)", (bikes,)
        )
    with refused("PD002", "parent_id", "has sub-categories of its own"):
        mona.execute(
            "UPDATE incident_category SET parent_id = %s WHERE id = %s",
            (category(mona, "Damage"), theft),
        )
    with refused("PD002", "parent_id", "of itself"):
        mona.execute("UPDATE incident_category SET parent_id = id WHERE id = %s", (theft,))
    with refused("23505"):
        mona.execute("INSERT INTO incident_role (name) VALUES ('witness')")


def test_a_retired_category_or_role_is_not_chosen_again_but_stays_where_it_was(
    connect: Connect, lot: int
) -> None:
    mona, dara = connect("mona"), connect("dara")
    retired = int(one(mona, "INSERT INTO incident_category (name) VALUES ('Noise') RETURNING id"))
    kept = record(dara, lot, category_id=retired)
    gone = int(one(mona, "INSERT INTO incident_role (name) VALUES ('Bystander') RETURNING id"))
    dara.execute(
        "INSERT INTO incident_person (incident_id, role_id, name) VALUES (%s, %s, 'Kim')",
        (kept, gone),
    )
    mona.execute("UPDATE incident_category SET active = false WHERE id = %s", (retired,))
    mona.execute("UPDATE incident_role SET active = false WHERE id = %s", (gone,))
    with refused("PD002", "category_id", "no longer in use"):
        record(dara, lot, category_id=retired)
    other = record(dara, lot)
    with refused("PD002", "category_id", "no longer in use"):
        change(dara, other, category_id=retired)
    with refused("PD002", "role", "no longer in use"):
        dara.execute(
            "INSERT INTO incident_person (incident_id, role_id, name) VALUES (%s, %s, 'Lee')",
            (other, gone),
        )
    # What was recorded keeps its category and role, and is still edited freely.
    change(dara, kept, narrative="Loud music from a car.")
    # A sub-category under a retired category is not offered either.
    damage = category(mona, "Damage")
    mona.execute("UPDATE incident_category SET active = false WHERE id = %s", (damage,))
    try:
        with refused("PD002", "category_id", "no longer in use"):
            record(dara, lot, category_id=category(mona, "Vandalism"))
    finally:
        mona.execute("UPDATE incident_category SET active = true WHERE id = %s", (damage,))
