"""Trespass notices on the security desk: issued from the form, printed to hand over,
their vehicles on the watchlist; revoked with a reason."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from desktop.services.parkers import ParkerInput, ParkerService, ParkerSummary, VehicleInput
from desktop.services.workspace import Workspace
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.parkers import ParkerPickerDialog
from desktop.views.security.desk import SecurityDesk
from desktop.views.security.trespass import NoticeDialog
from tests.views.security.test_security_desk import TIMEOUT_MS, desk_for

__all__ = ["desk_for"]

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


def test_a_notice_is_issued_printed_and_its_vehicle_watched(
    qtbot: QtBot, desk_for: Callable[[str], SecurityDesk]
) -> None:
    desk = desk_for("dispatcher")
    panel = desk.trespass
    desk.tabs.setCurrentIndex(3)
    plate = "T" + secrets.token_hex(3).upper()
    dialog = panel.issue()
    assert isinstance(dialog, NoticeDialog)
    dialog.name_edit.setText("Pat Doe")
    dialog.place_edit.setText("All campus parking lots")
    dialog.reason_edit.setPlainText("Repeated damage to parked cars")
    dialog.plates_edit.setPlainText(f"on {plate}\nAB1")
    with qtbot.waitSignal(desk.runner.finished, timeout=TIMEOUT_MS):
        dialog.submit()
    qtbot.waitUntil(dialog.boxes["plates"].problem.isVisible, timeout=TIMEOUT_MS)
    assert "AB1 is not a vehicle" in dialog.boxes["plates"].problem.text()
    dialog.plates_edit.setPlainText(f"on {plate}")
    with qtbot.waitSignal(panel.dialog_opened, timeout=TIMEOUT_MS) as opened:
        dialog.submit()
    preview = opened.args[0]
    assert isinstance(preview, DocumentPreviewDialog)
    assert preview.windowTitle().startswith("Trespass notice T")
    preview.reject()
    assert panel.note.text().endswith(f"on the watchlist: ON {plate}.")
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=TIMEOUT_MS)
    issued = next(n for n in panel.model.rows() if f"ON {plate}" in n.vehicles)
    assert issued.state == "in_force"
    qtbot.waitUntil(
        lambda: any(e.plate_pattern == plate for e in desk.entries_model.rows()),
        timeout=TIMEOUT_MS,
    )


def test_a_notice_to_a_registered_parker_watches_their_vehicles(
    qtbot: QtBot,
    desk_for: Callable[[str], SecurityDesk],
    workspace_for: Callable[[str], Workspace],
) -> None:
    last = "Trespass" + "".join(secrets.choice("bcdfghjkmnpqrstvwxz") for _ in range(6))
    parkers = ParkerService(workspace_for("clerk"))
    parker = parkers.create(
        ParkerInput(first_name="Robin", last_name=last, affiliation="staff"),
        allow_duplicate=True,
    )
    plate = "R" + secrets.token_hex(3).upper()
    parkers.add_vehicle(parker.id, VehicleInput("ON", plate), allow_duplicate=True)
    desk = desk_for("dispatcher")
    panel = desk.trespass
    desk.tabs.setCurrentIndex(3)
    dialog = panel.issue()
    assert isinstance(dialog, NoticeDialog)
    dialog.name_edit.setText("R. Someone")
    picker = dialog.registered.find_parker()
    assert isinstance(picker, ParkerPickerDialog)
    picker.search.search.setText(last)
    picker.search.search_now()
    qtbot.waitUntil(lambda: picker.search.results_model.rowCount() == 1, timeout=TIMEOUT_MS)
    picker.search.chosen.emit(parker.id)
    assert dialog.registered.parker_id == parker.id
    assert dialog.name_edit.text() == f"Robin {last}"
    assert dialog.name_edit.isReadOnly()
    assert dialog.registered.state.text().startswith(f"Registered parker: {last}, Robin")
    dialog.place_edit.setText("Lot C")
    dialog.reason_edit.setPlainText("Threats to the lot attendant")
    with qtbot.waitSignal(panel.dialog_opened, timeout=TIMEOUT_MS) as opened:
        dialog.submit()
    opened.args[0].reject()
    # The parker's own vehicle went on the watchlist without being typed.
    assert panel.note.text().endswith(f"on the watchlist: ON {plate}.")
    qtbot.waitUntil(
        lambda: any(n.parker_id == parker.id for n in panel.model.rows()), timeout=TIMEOUT_MS
    )
    notice = next(n for n in panel.model.rows() if n.parker_id == parker.id)
    assert notice.person_name == f"Robin {last}"


def test_the_registered_parker_can_be_cleared_back_to_the_typed_name(
    qtbot: QtBot, desk_for: Callable[[str], SecurityDesk]
) -> None:
    desk = desk_for("dispatcher")
    dialog = desk.trespass.issue()
    assert isinstance(dialog, NoticeDialog)
    dialog.name_edit.setText("Pat Doe")
    summary = ParkerSummary(1, "Robin", "Roe", "staff", "S1", "", True, "", 0, (0, "", "", 1))
    dialog.registered.choose(summary)
    assert dialog.name_edit.text() == "Robin Roe"
    assert dialog.registered.clear_button.isVisibleTo(dialog)
    dialog.registered.clear_button.click()
    assert dialog.registered.parker_id is None
    assert dialog.name_edit.text() == "Pat Doe"
    assert not dialog.name_edit.isReadOnly()
    dialog.reject()
