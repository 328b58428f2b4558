"""The incident service as a dispatcher uses it: an incident recorded with people,
vehicles, the dispatch log, a task and a photo; moved on to closed; reopened."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.services.errors import PermissionDenied, ValidationError
from desktop.services.incidents import (
    IncidentForm,
    IncidentService,
    parse_coordinates,
    security_report,
)
from desktop.services.photos import plate_photo
from desktop.services.workspace import Workspace
from tests.services.test_documents import flat, pdf_text


def form(service: IncidentService, **changes: object) -> IncidentForm:
    values: dict[str, object] = {
        "category_id": next(c.id for c in service.categories() if c.name.endswith("Vandalism")),
        "priority": 2,
        "occurred_at": datetime.now().astimezone() - timedelta(minutes=20),
        "lot_code": "",
        "location": "Bus shelter, Main St gate",
        "narrative": "Glass panel smashed; caller saw two people running east.",
        "weapon": False,
        "injury": False,
        "police_service": "",
        "police_case": "",
        "confidential": False,
    }
    values.update(changes)
    return IncidentForm(**values)  # type: ignore[arg-type]


@pytest.fixture
def dispatch(workspace_for: Callable[[str], Workspace]) -> IncidentService:
    return IncidentService(workspace_for("dispatcher"))


def test_an_incident_is_recorded_followed_and_closed(
    dispatch: IncidentService, tmp_path: Path
) -> None:
    incident = dispatch.save(form(dispatch))
    assert incident.number.startswith("I20")
    assert (incident.status_title, incident.reported_by, incident.place) == (
        "New",
        "dara",
        "Bus shelter, Main St gate",
    )
    witness = next(r.id for r in dispatch.roles() if r.name == "Witness")
    incident = dispatch.add_person(incident.id, witness, "Lee Park", "Saw them run", "555-0101")
    incident = dispatch.add_vehicle(incident.id, "on", "abc 123", "Blue hatchback, idling")
    incident = dispatch.log(incident.id, "call_received", "From the shelter's help point")
    incident = dispatch.assign(
        incident.id,
        "dara",
        datetime.now().astimezone().date() + timedelta(days=1),
        "Ask the transit office for footage",
    )
    photo = tmp_path / "shelter.jpg"
    photo.write_bytes(plate_photo("ON", "ABC123", datetime.now().astimezone(), "Main St"))
    incident = dispatch.attach(incident.id, photo, "The shelter after the call")
    assert [p.name for p in incident.people] == ["Lee Park"]
    assert [(v.jurisdiction, v.plate) for v in incident.vehicles] == [("ON", "ABC123")]
    assert [line.kind_title for line in incident.log] == ["Call received"]
    assert [e.description for e in incident.evidence] == ["The shelter after the call"]
    assert incident.id in [r.id for r in dispatch.incidents(my_tasks=True)]
    incident = dispatch.complete(incident.id, incident.tasks[0].id)
    assert incident.id not in [r.id for r in dispatch.incidents(my_tasks=True)]
    assert incident.tasks[0].done_by == "dara"
    for status in ("in_progress", "resolved", "closed"):
        incident = dispatch.move_on(incident.id, status)
    assert incident.status == "closed"
    with pytest.raises(ValidationError) as closed:
        dispatch.log(incident.id, "note", "Later call")
    assert "closed" in closed.value.problems[0].message
    incident = dispatch.reopen(incident.id, "The transit office sent footage")
    assert incident.status == "in_progress"
    assert incident.log[-1].note == "Reopened: The transit office sent footage"
    assert any(row.id == incident.id for row in dispatch.incidents())


def test_a_place_is_needed_and_the_counter_records_none(
    dispatch: IncidentService, workspace_for: Callable[[str], Workspace]
) -> None:
    incident = dispatch.save(form(dispatch))
    with pytest.raises(ValidationError) as unknown:
        dispatch.link(incident.id, "permit", "P-0000000")
    assert unknown.value.problems[0].message == "There is no permit P-0000000."
    with pytest.raises(ValidationError) as nowhere:
        dispatch.save(form(dispatch, location=""))
    assert nowhere.value.problems[0].field == "place"
    with pytest.raises(PermissionDenied):
        IncidentService(workspace_for("clerk")).incidents()


def test_the_security_report_counts_what_the_reader_may_read(
    dispatch: IncidentService,
) -> None:
    incident = dispatch.save(form(dispatch))
    witness = next(r.id for r in dispatch.roles() if r.name == "Witness")
    # A name of its own: other tests record their own witnesses in the shared database.
    name = "Lee " + "".join(secrets.choice("bcdfghjkmnpqrstvwxz") for _ in range(8)).title()
    dispatch.add_person(incident.id, witness, name, "", "")
    second = dispatch.save(form(dispatch, location="North gate"))
    dispatch.add_person(second.id, witness, name.lower(), "", "")
    today = datetime.now().astimezone().date()
    pdf = security_report(dispatch.workspace, today - timedelta(days=30), today)
    words = flat(" ".join(pdf_text(pdf)))
    assert "Incidents by category and month" in words
    assert "Damage" in words
    assert f"{name} 2 Witness" in words  # the same person, however the name was typed
    with pytest.raises(ValidationError):
        security_report(dispatch.workspace, today, today - timedelta(days=1))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", None),
        ("43.65321, -79.38318", (Decimal("43.653210"), Decimal("-79.383180"))),
        ("  -33.8688 151.2093 ", (Decimal("-33.868800"), Decimal("151.209300"))),
        ("45;-75", (Decimal("45.000000"), Decimal("-75.000000"))),
    ],
)
def test_coordinates_are_read_as_a_map_gives_them(
    typed: str, expected: tuple[Decimal, Decimal] | None
) -> None:
    assert parse_coordinates(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("43.6532", "Type the latitude and the longitude"),
        ("north gate", "Type the latitude and the longitude"),
        ("91, 10", "A latitude lies between -90 and 90."),
        ("45, 181", "A longitude lies between -180 and 180."),
    ],
)
def test_coordinates_that_are_no_place_say_why(typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_coordinates(typed)
    assert refused.value.problems[0].field == "coordinates"
    assert refused.value.problems[0].message.startswith(message)


def test_an_incident_keeps_its_coordinates(workspace_for: Callable[[str], Workspace]) -> None:
    service = IncidentService(workspace_for("dispatcher"))
    saved = service.save(
        form(service, latitude=Decimal("43.653210"), longitude=Decimal("-79.383180"))
    )
    assert service.get(saved.id).coordinates == "43.653210, -79.383180"
