"""Incidents on the security desk, as a dispatcher records one: what happened and where,
two people in different roles, a vehicle, a photo, the dispatch log, and the status moved
on; then read back from the list."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.services.parkers import ParkerInput, ParkerService
from desktop.services.photos import plate_photo
from desktop.services.workspace import Workspace
from desktop.views.kit.attach import AttachFileDialog
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.evidence_viewer import EvidenceViewer
from desktop.views.security.desk import SecurityDesk
from desktop.views.security.dialogs import EntryDialog
from desktop.views.security.incident_forms import (
    IncidentDialog,
    PersonDialog,
    ReportDialog,
    VehicleDialog,
)
from tests.views.security.test_security_desk import TIMEOUT_MS, desk_for

__all__ = ["desk_for"]

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


def test_a_dispatcher_records_an_incident_with_people_a_vehicle_and_a_photo(
    qtbot: QtBot,
    desk_for: Callable[[str], SecurityDesk],
    workspace_for: Callable[[str], Workspace],
    tmp_path: Path,
) -> None:
    desk = desk_for("dispatcher")
    panel = desk.incidents
    desk.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: bool(panel.categories), timeout=TIMEOUT_MS)
    dialog = panel.new_incident()
    assert isinstance(dialog, IncidentDialog)
    dialog.submit()
    assert dialog.boxes["category_id"].problem.text() == "Choose what kind of incident it is."
    dialog.category_box.setCurrentIndex(dialog.category_box.findText("Damage — Vandalism"))
    dialog.narrative_edit.setPlainText("Glass panel smashed; two people seen running east.")
    with qtbot.waitSignal(desk.runner.finished, timeout=TIMEOUT_MS):
        dialog.submit()
    qtbot.waitUntil(dialog.boxes["place"].problem.isVisible, timeout=TIMEOUT_MS)
    assert dialog.boxes["place"].problem.text() == "Choose the lot, or say where it happened."
    dialog.location_edit.setText("Bus shelter, Main St gate")
    dialog.weapon_check.setChecked(True)
    dialog.coordinates_edit.setText("43.6532")
    dialog.submit()
    assert dialog.boxes["coordinates"].problem.text() == (
        "Type the latitude and the longitude, e.g. 43.65321, -79.38318."
    )
    dialog.coordinates_edit.setText("43.65321, -279.38318")
    dialog.submit()
    assert dialog.boxes["coordinates"].problem.text() == "A longitude lies between -180 and 180."
    dialog.coordinates_edit.setText("43.65321, -79.38318")
    with qtbot.waitSignal(panel.shown, timeout=TIMEOUT_MS):
        dialog.submit()
    page = panel.page
    assert page.title.text().startswith("Incident I20")
    assert "Damage — Vandalism" in page.title.text()
    assert "Flags: weapon involved" in page.facts.text()
    assert "Bus shelter, Main St gate (43.653210, -79.383180)" in page.facts.text()
    assert page.next_button.text() == "Start work"

    for role, name in (("Witness", "Lee Park"), ("Suspect", "Unknown male, red jacket")):
        person = page.add_person()
        assert isinstance(person, PersonDialog)
        person.role_box.setCurrentIndex(person.role_box.findText(role))
        person.name_edit.setText(name)
        with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
            person.submit()
    # A registered parker, found with the parker search, as the complainant.
    last = "Incident" + "".join(secrets.choice("bcdfghjkmnpqrstvwxz") for _ in range(6))
    parker = ParkerService(workspace_for("clerk")).create(
        ParkerInput(first_name="Dana", last_name=last, affiliation="student"),
        allow_duplicate=True,
    )
    person = page.add_person()
    assert isinstance(person, PersonDialog)
    person.role_box.setCurrentIndex(person.role_box.findText("Complainant"))
    picker = person.registered.find_parker()
    picker.search.search.setText(last)
    picker.search.search_now()
    qtbot.waitUntil(lambda: picker.search.results_model.rowCount() == 1, timeout=TIMEOUT_MS)
    picker.search.chosen.emit(parker.id)
    with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
        person.submit()
    assert [(p.role, p.name) for p in page.people_model.rows()] == [
        ("Witness", "Lee Park"),
        ("Suspect", "Unknown male, red jacket"),
        ("Complainant", f"Dana {last}"),
    ]
    assert page.people_model.rows()[-1].parker_id == parker.id
    ModelTester(None).check(page.people_model)  # type: ignore[no-untyped-call]
    vehicle = page.add_vehicle()
    assert isinstance(vehicle, VehicleDialog)
    vehicle.plate_edit.setText("abc 123")
    vehicle.description_edit.setText("Blue hatchback, idling")
    with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
        vehicle.submit()
    assert [v.plate for v in page.vehicles_model.rows()] == ["ABC123"]
    # The vehicle goes on the watchlist for this incident, from its row.
    page.vehicles_table.selectRow(0)
    watch = page.watch_vehicle()
    assert isinstance(watch, EntryDialog)
    assert watch.plate_edit.text() == "ABC123"
    assert watch.incident_edit.text() == page.incident.number
    watch.instruction_edit.setText("Note where it is seen; call dispatch.")
    with qtbot.waitSignal(watch.saved, timeout=TIMEOUT_MS) as saved:
        watch.submit()
    assert saved.args[0].incident_number == page.incident.number
    qtbot.waitUntil(
        lambda: any(e.incident_number == page.incident.number for e in desk.entries_model.rows()),
        timeout=TIMEOUT_MS,
    )
    photo = tmp_path / "shelter.jpg"
    photo.write_bytes(plate_photo("ON", "ABC123", datetime.now().astimezone(), "Main St"))
    attach = page.attach()
    assert isinstance(attach, AttachFileDialog)
    attach.file_edit.setText(str(photo))
    attach.description_edit.setText("The shelter after the call")
    with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
        attach.submit()
    page.evidence_table.selectRow(0)
    with qtbot.waitSignal(page.dialog_opened, timeout=TIMEOUT_MS) as opened:
        page.show_evidence()
    viewer = opened.args[0]
    assert isinstance(viewer, EvidenceViewer)
    assert "matches what was recorded" in viewer.hash_label.text()
    viewer.reject()
    page.log_note.setText("Caller at the help point")
    with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
        page.add_log()
    assert [e.kind_title for e in page.log_model.rows()] == ["Call received"]
    with qtbot.waitSignal(page.changed, timeout=TIMEOUT_MS):
        page.next_button.click()
    assert page.facts.text().startswith("In progress")
    assert page.next_button.text() == "Resolve"
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "People (3)",
        "Vehicles (1)",
        "Dispatch log (1)",
        "Tasks",
        "Citations and permits",
        "Photos and documents (1)",
    ]
    qtbot.waitUntil(
        lambda: any(r.status == "in_progress" for r in panel.model.rows()), timeout=TIMEOUT_MS
    )


def test_the_security_report_opens_for_a_period(
    qtbot: QtBot, desk_for: Callable[[str], SecurityDesk]
) -> None:
    desk = desk_for("manager")
    panel = desk.incidents
    desk.tabs.setCurrentIndex(2)
    dialog = panel.open_report()
    assert isinstance(dialog, ReportDialog)
    with qtbot.waitSignal(panel.report_opened, timeout=TIMEOUT_MS) as opened:
        dialog.submit()
    preview = opened.args[0]
    assert isinstance(preview, DocumentPreviewDialog)
    assert preview.windowTitle() == "Security report"
    preview.reject()
