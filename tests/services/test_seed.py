"""Demo data: a believable campus, audited like real data, with a login per role."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from desktop.services import admin
from desktop.services.database import admin_engine
from desktop.services.errors import ConnectionProblem, KnownError
from desktop.services.seed import DEMO_LOGINS, DEMO_PASSWORD, SeedReport, seed
from desktop.services.workspace import Workspace
from tests.conftest import Database
from tests.models.conftest import fresh_database


@pytest.fixture(scope="module")
def empty() -> Iterator[Database]:
    """A freshly migrated server with no parkers at all."""
    with fresh_database({}) as db:
        yield db


@pytest.fixture(scope="module")
def seeded(empty: Database) -> SeedReport:
    return seed(empty.admin_url, "small")


def test_small_demo_data(seeded: SeedReport, empty: Database) -> None:
    assert not seeded.skipped
    assert (seeded.lots, seeded.parkers) == (8, 200)
    # 1.4 vehicles a parker, and up to 6 plates that read like a permit holder's.
    assert 250 <= seeded.vehicles <= 286
    assert set(seeded.logins) == set(DEMO_LOGINS.values())
    assert "Seeded 8 lots, 200 parkers" in seeded.describe()
    with psycopg.connect(empty.admin_url) as su:
        counts = su.execute(
            """
            SELECT (SELECT count(*) FROM parkdesk.parker),
                   (SELECT count(*) FROM parkdesk.vehicle),
                   (SELECT count(*) FROM parkdesk.zone),
                   (SELECT count(DISTINCT campus_id) FROM parkdesk.parker),
                   (SELECT count(campus_id) FROM parkdesk.parker)
            """
        ).fetchone()
    assert counts is not None
    assert counts[:2] == (200, seeded.vehicles)
    assert int(str(counts[2])) >= 8
    assert counts[3] == counts[4], "campus IDs are unique"


def test_demo_data_is_audited_and_the_chain_holds(seeded: SeedReport, empty: Database) -> None:
    engine = admin_engine(empty.admin_url)
    try:
        with engine.connect() as conn:
            verdict = admin.verify_audit(conn)
    finally:
        engine.dispose()
    assert verdict.ok, verdict.describe()
    assert verdict.rows_checked >= seeded.parkers + seeded.vehicles + len(DEMO_LOGINS)


def test_the_demo_office_has_a_season_of_enforcement(seeded: SeedReport, empty: Database) -> None:
    """Reads chained per device, citations in every state, scofflaws, photos, exemptions,
    appeals waiting and decided."""
    assert seeded.reads > 200
    assert seeded.citations == 150
    with psycopg.connect(empty.admin_url) as su:
        statuses = dict(
            su.execute(
                "SELECT parkdesk.citation_status(c), count(*) FROM parkdesk.citation c GROUP BY 1"
            ).fetchall()
        )
        assert {"open", "paid", "warning", "past_due"} <= set(statuses)
        assert su.execute("SELECT count(*) FROM parkdesk.scofflaws()").fetchone() == (5,)
        assert su.execute("SELECT count(*) FROM parkdesk.verify_read_chains()").fetchone() == (0,)
        balances = su.execute(
            "SELECT count(*) FROM parkdesk.citation c WHERE c.balance <> (SELECT "
            "coalesce(sum(l.amount), 0) FROM parkdesk.ledger_entry l WHERE l.citation_id = c.id)"
        ).fetchone()
        assert balances == (0,), "every balance is its ledger's sum"
        photos = su.execute(
            "SELECT count(*) FROM parkdesk.evidence WHERE sha256 = encode(sha256(content), 'hex')"
        ).fetchone()
        assert photos == (10,)
        assert su.execute("SELECT count(*) FROM parkdesk.exemption").fetchone() == (3,)
        assert su.execute("SELECT count(*) FROM parkdesk.spoiled_number").fetchone() == (10,)
        appeals = dict(
            su.execute("SELECT status, count(*) FROM parkdesk.appeal GROUP BY 1").fetchall()
        )
        assert appeals.get("decided", 0) >= 1
        assert appeals.get("open", 0) >= 1  # the adjudicator's queue has work in it
        # A dismissal is in the ledger: the balances above still add up with it.
        assert su.execute(
            "SELECT count(*) FROM parkdesk.appeal_step s JOIN parkdesk.appeal a "
            "ON a.id = s.appeal_id WHERE s.step = 'filed'"
        ).fetchone() == (sum(appeals.values()),)


def test_the_demo_security_desk_has_a_watchlist_an_alert_and_incidents(
    seeded: SeedReport, empty: Database
) -> None:
    """The demo dispatcher opens to an alert waiting, entries in force, and incidents in
    every state, the confidential one among those it may read."""
    dispatcher = DEMO_LOGINS["dispatcher"]
    with psycopg.connect(empty.admin_url) as su:
        assert su.execute(
            "SELECT count(*) FROM parkdesk.watchlist_entry WHERE partial"
        ).fetchone() == (1,)
        assert su.execute(
            "SELECT source, hits, acknowledged_at FROM parkdesk.watchlist_alert"
        ).fetchall() == [("read", 1, None)]
        statuses = dict(
            su.execute("SELECT status, count(*) FROM parkdesk.incident GROUP BY 1").fetchall()
        )
        assert set(statuses) == {"new", "in_progress", "closed"}
        assert su.execute(
            "SELECT count(*) FROM parkdesk.watchlist_entry WHERE trespass_notice_id IS NOT NULL"
        ).fetchone() == (1,)
    with empty.connect(dispatcher, DEMO_PASSWORD) as own:
        assert own.execute(
            "SELECT count(*) FROM parkdesk.visible_incidents() WHERE confidential"
        ).fetchone() == (1,)  # an investigator of it


@pytest.mark.parametrize(("role", "login"), sorted(DEMO_LOGINS.items()))
def test_each_demo_login_opens_its_desk(
    seeded: SeedReport, empty: Database, role: str, login: str
) -> None:
    workspace = Workspace.open(empty.settings(login, DEMO_PASSWORD))
    try:
        assert workspace.identity.roles == {role}
    finally:
        workspace.close()


def test_seeding_twice_adds_nothing(seeded: SeedReport, empty: Database) -> None:
    again = seed(empty.admin_url, "small")
    assert again.skipped
    assert again.logins == ()
    assert "already holds parkers" in again.describe()


def test_seed_mistakes_are_explained(empty: Database) -> None:
    with pytest.raises(KnownError, match="Unknown scale 'huge'"):
        seed(empty.admin_url, "huge")
    with pytest.raises(ConnectionProblem, match="not reachable"):
        seed("postgresql://postgres@localhost:1/parkdesk", "small")
    with pytest.raises(ConnectionProblem, match="Not a database URL"):
        seed("not a url", "small")
    # The server's maintenance database has no ParkDesk schema.
    with pytest.raises(KnownError, match="parkdesk db upgrade"):
        seed(empty.server.admin_url("postgres"), "small")


def test_a_database_in_use_gets_no_demo_logins(database: Database) -> None:
    """Demo logins share a published password: never add them next to real data."""
    with database.admin() as su:
        su.execute(
            "INSERT INTO parkdesk.parker (first_name, last_name, affiliation) "
            "VALUES ('Real', 'Person', 'staff')"
        )
    report = seed(database.admin_url, "small")
    assert report.skipped
    with database.admin() as su:
        demo = su.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(DEMO_LOGINS.values()),)
        ).fetchall()
    assert demo == []


def test_the_demo_office_is_canadian_and_shows_every_verdict(
    seeded: SeedReport, empty: Database
) -> None:
    with psycopg.connect(empty.admin_url) as su:
        office = su.execute(
            "SELECT office_name, time_zone, currency FROM parkdesk.office_setting"
        ).fetchone()
        verdicts = {
            str(r[0])
            for r in su.execute(
                "SELECT c.verdict FROM parkdesk.vehicle v, "
                "LATERAL parkdesk.check_plate(v.jurisdiction, v.plate_normalized) c"
            ).fetchall()
        }
        cancelled = su.execute(
            "SELECT count(*) FROM parkdesk.permit WHERE cancelled_at IS NOT NULL"
        ).fetchone()
        near = su.execute(
            "SELECT count(*) FROM parkdesk.vehicle v JOIN parkdesk.permit_vehicle pv "
            "ON pv.vehicle_id = v.id AND pv.validity @> now(), "
            "LATERAL parkdesk.plate_near_matches(v.jurisdiction, v.plate_normalized) m "
            "WHERE m.differences > 0"
        ).fetchone()
    assert office == ("Northfield University Parking Services", "America/Toronto", "CAD")
    assert {"valid", "expired", "no_permit"} <= verdicts
    assert cancelled is not None
    assert int(str(cancelled[0])) >= 1
    assert near is not None
    assert int(str(near[0])) >= 1  # a permit holder's plate has a misread twin
