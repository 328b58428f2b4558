"""The security desk as dispatchers use it, against the real database: a plate put on the
watchlist from the desk's own form; a device's read of it alerts two dispatchers at
once, with the instruction and the confidential reason; repeats merge into one alert
with a count; one dispatcher acknowledges it and the other desk shows who did."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.services.incidents import IncidentForm, IncidentService
from desktop.services.security import EntryForm
from desktop.services.workspace import Workspace
from desktop.views.kit.live import LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.security.desk import SecurityDesk
from desktop.views.security.dialogs import EntryDialog, HotlistImportDialog
from desktop.views.security.incident_forms import IncidentDialog
from tests.citation_data import Field, enforcement_field
from tests.conftest import Database
from tests.views.elision import PADDING, cut_texts

TIMEOUT_MS = 30_000

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


@pytest.fixture
def field(database: Database) -> Field:
    return enforcement_field(database)


@pytest.fixture
def desk_for(
    qtbot: QtBot,
    runner: OperationRunner,
    workspace_for: Callable[[str], Workspace],
    live_for: Callable[[Workspace], LiveChanges],
) -> Iterator[Callable[[str], SecurityDesk]]:
    def _open(login: str) -> SecurityDesk:
        workspace = workspace_for(login)
        desk = SecurityDesk(workspace, runner, live_for(workspace))
        qtbot.addWidget(desk)
        desk.resize(1200, 700)
        with qtbot.waitSignal(desk.alerts_loaded, timeout=TIMEOUT_MS):
            desk.show()
        return desk

    yield _open
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT_MS)


def device_reads(database: Database, field: Field, plate: str) -> None:
    """The field's device reads ``plate`` in its lot, as the officer's login."""
    with database.connect("otto") as otto:
        otto.execute(
            "SELECT * FROM record_plate_read(%s, %s, 'ON', %s, %s, %s)",
            (field.device, field.next_call, plate, field.lot_code, datetime.now(UTC)),
        )
        otto.commit()
    field.next_call += 1


def test_a_read_of_a_watchlisted_plate_alerts_two_dispatchers_and_is_acknowledged_once(
    qtbot: QtBot, desk_for: Callable[[str], SecurityDesk], field: Field, database: Database
) -> None:
    plate = "W" + secrets.token_hex(3).upper()
    dispatch = desk_for("dispatcher")
    manager = desk_for("manager")

    # The dispatcher puts the plate on the watchlist from the desk's form.
    dialog = dispatch.add_entry()
    assert isinstance(dialog, EntryDialog)
    dialog.plate_edit.setText(plate.lower())
    dialog.jurisdiction_edit.setText("on")
    dialog.instruction_edit.setText("Do not approach; call dispatch.")
    with qtbot.waitSignal(dispatch.runner.finished, timeout=TIMEOUT_MS):
        dialog.submit()
    qtbot.waitUntil(dialog.boxes["reason"].problem.isVisible, timeout=TIMEOUT_MS)
    assert dialog.boxes["reason"].problem.text().startswith("Say why the plate is watched")
    dialog.reason_edit.setPlainText("Stolen overnight from Lot C, police report 26-4411.")
    with qtbot.waitSignal(dispatch.entries_loaded, timeout=TIMEOUT_MS):
        dialog.submit()
    ModelTester(None).check(dispatch.entries_model)  # type: ignore[no-untyped-call]
    shown = [e.plate_display for e in dispatch.entries_model.rows()]
    assert f"{plate} (ON)" in shown

    # A device reads it: both desks are alerted, with the panel on top.
    with (
        qtbot.waitSignal(dispatch.alerted, timeout=TIMEOUT_MS) as first,
        qtbot.waitSignal(manager.alerted, timeout=TIMEOUT_MS),
    ):
        device_reads(database, field, plate)
    alert = first.args[0]
    assert (alert.plate, alert.hits, alert.source) == (plate, 1, "read")
    panel = dispatch.panel
    qtbot.waitUntil(panel.isVisible, timeout=TIMEOUT_MS)
    assert panel.heading.text() == f"WATCHLISTED  {plate} (ON)"
    words = panel.words.text()
    assert "Instruction: Do not approach; call dispatch." in words
    assert "police report 26-4411" in words
    assert f"Read by otto with {field.device} in {field.lot_name}" in words
    assert dispatch.tabs.tabText(0) == "&Alerts (1)"

    # Seen again: the same alert, counted.
    with qtbot.waitSignal(dispatch.alerted, timeout=TIMEOUT_MS) as again:
        device_reads(database, field, plate)
    assert again.args[0].id == alert.id
    assert again.args[0].hits == 2

    # The dispatcher acknowledges it from the panel; the manager's desk shows who did.
    with qtbot.waitSignal(manager.alerts_loaded, timeout=TIMEOUT_MS):
        panel.ack_button.click()
    qtbot.waitUntil(
        lambda: any(
            a.id == alert.id and a.acknowledged_by == "dara" for a in manager.alerts_model.rows()
        ),
        timeout=TIMEOUT_MS,
    )
    ModelTester(None).check(manager.alerts_model)  # type: ignore[no-untyped-call]
    qtbot.waitUntil(lambda: dispatch.tabs.tabText(0) == "&Alerts", timeout=TIMEOUT_MS)


def test_a_hotlist_is_imported_whole_or_not_at_all_and_exported(
    qtbot: QtBot, desk_for: Callable[[str], SecurityDesk], tmp_path: Path
) -> None:
    dispatch = desk_for("dispatcher")
    first, second = ("V" + secrets.token_hex(3).upper() for _ in range(2))
    bad = tmp_path / "bad.csv"
    bad.write_text(f"plate;state;category;effective;expiry\n{first};ON;Stolen;;\n?;ON;x;;\n")
    dialog = dispatch.import_hotlist()
    assert isinstance(dialog, HotlistImportDialog)
    dialog.file_edit.setText(str(bad))
    dialog.instruction_edit.setText("Call dispatch.")
    with qtbot.waitSignal(dispatch.runner.finished, timeout=TIMEOUT_MS):
        dialog.submit()
    qtbot.waitUntil(dialog.boxes["file"].problem.isVisible, timeout=TIMEOUT_MS)
    message = dialog.boxes["file"].problem.text()
    assert message.startswith("Nothing was imported: 1 row cannot be read.")
    assert "Line 3: ? is not a plate" in message
    good = tmp_path / "good.csv"
    good.write_text(f"{first};ON;Stolen;;;case 7\n{second};;BOLO;;2099-01-31\n")
    dialog.file_edit.setText(str(good))
    with qtbot.waitSignal(dispatch.entries_loaded, timeout=TIMEOUT_MS):
        dialog.submit()
    assert dispatch.export_note.text() == "2 plates were added from the hotlist."
    plates = {e.plate_pattern for e in dispatch.entries_model.rows()}
    assert {first, second} <= plates
    out = tmp_path / "out.csv"
    with qtbot.waitSignal(dispatch.exported, timeout=TIMEOUT_MS):
        dispatch.save_hotlist(out)
    written = out.read_text()
    assert f"{second};;BOLO;" in written
    assert "case 7" not in written  # the reason stays with dispatch


def test_an_alert_opens_an_incident_filled_in_with_its_plate_and_place(
    qtbot: QtBot, desk_for: Callable[[str], SecurityDesk], field: Field, database: Database
) -> None:
    plate = "X" + secrets.token_hex(3).upper()
    dispatch = desk_for("dispatcher")
    qtbot.waitUntil(lambda: bool(dispatch.incidents.categories), timeout=TIMEOUT_MS)
    dispatch.service.save_entry(
        EntryForm(
            plate,
            "ON",
            "BOLO",
            2,
            "Seen at the hit and run at the north gate.",
            "Call dispatch.",
            None,
            None,
        )
    )
    with qtbot.waitSignal(dispatch.alerted, timeout=TIMEOUT_MS):
        device_reads(database, field, plate)
    qtbot.waitUntil(dispatch.panel.isVisible, timeout=TIMEOUT_MS)
    dispatch.panel.incident_button.click()
    dialog = dispatch.incidents.dialog.dialog
    assert isinstance(dialog, IncidentDialog)
    assert dialog.category_box.currentText() == "Suspicious activity"
    assert dialog.lot_edit.text() == field.lot_code
    assert f"Watchlisted plate {plate} (ON)" in dialog.narrative_edit.toPlainText()
    with qtbot.waitSignal(dispatch.incidents.shown, timeout=TIMEOUT_MS):
        dialog.submit()
    assert [v.plate for v in dispatch.incidents.page.vehicles_model.rows()] == [plate]


def test_a_watched_plate_and_an_urgent_incident_read_whole_and_the_set_up_is_no_login(
    qtbot: QtBot,
    desk_for: Callable[[str], SecurityDesk],
    database: Database,
    workspace_for: Callable[[str], Workspace],
) -> None:
    plate = "Q" + "".join(secrets.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(6))
    with database.admin() as conn:  # the server's administrator, as the demo seed and imports
        conn.execute(
            "INSERT INTO parkdesk.watchlist_entry (jurisdiction, plate_pattern, category, "
            "priority, reason, instruction) VALUES ('ON', %s, 'BOLO', 2, 'Seen at the gate', "
            "'Call dispatch.')",
            (plate,),
        )
        conn.commit()
    incidents = IncidentService(workspace_for("dispatcher"))
    # The longest name of the list: what happened is read whole beside a long place.
    category = max(incidents.categories(), key=lambda c: len(c.name)).id
    urgent = incidents.save(
        IncidentForm(
            category_id=category,
            priority=1,
            occurred_at=datetime.now(UTC),
            lot_code="",
            # A long place gives way; what happened is read whole.
            location="Footpath behind the stadium, near the north gate and the bus shelter",
            narrative="A car drove through the barrier.",
            weapon=False,
            injury=False,
            police_service="",
            police_case="",
            confidential=False,
        )
    )
    desk = desk_for("dispatcher")
    desk.resize(1200, 780)
    with qtbot.waitSignal(desk.entries_loaded, timeout=TIMEOUT_MS):
        desk.reload_entries()
    entries = desk.entries_model.rows()
    row = next(n for n, e in enumerate(entries) if e.plate_pattern == plate)
    added_by = desk.entries_model.columns.index(
        next(c for c in desk.entries_model.columns if c.title == "Added by")
    )
    assert desk.entries_model.index(row, added_by).data() == "Imported"
    desk.tabs.setCurrentIndex(1)  # the watchlist
    shown = desk.entries_table.model().mapFromSource(desk.entries_model.index(row, 0)).row()
    assert cut_texts(desk.entries_table, [shown]) == []

    desk.tabs.setCurrentIndex(2)  # the incidents
    with qtbot.waitSignal(desk.incidents.loaded, timeout=TIMEOUT_MS):
        desk.incidents.reload()
    numbers = [i.number for i in desk.incidents.model.rows()]
    mine = desk.incidents.table.model().mapFromSource(
        desk.incidents.model.index(numbers.index(urgent.number), 0)
    )
    assert mine.data(Qt.ItemDataRole.FontRole).bold()
    assert cut_texts(desk.incidents.table, [mine.row()]) == []
    what = [c.title for c in desk.incidents.model.columns].index("What")
    category = mine.siblingAtColumn(what).data()
    room = desk.incidents.table.horizontalHeader().sectionSize(what)
    assert desk.incidents.table.fontMetrics().horizontalAdvance(category) + PADDING <= room
    # No incident open: the list has the room, and needs no sideways scrolling; an open
    # incident's page then has it.
    assert not desk.incidents.table.horizontalScrollBar().isVisible()
    left, right = desk.incidents.splitter.sizes()
    assert left > 2 * right
    desk.incidents.show_incident(urgent)
    left, right = desk.incidents.splitter.sizes()
    assert right > left
