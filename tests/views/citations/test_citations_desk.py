"""The citations desk as a clerk and an adjudicator use it, against the real database:
search, a citation's page with its photos, paying two citations with one card payment,
a void with a reason, the notice."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.services.workspace import Workspace
from desktop.views.appeals import FileAppealDialog
from desktop.views.citations.desk import CitationsDesk
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.evidence_viewer import EvidenceViewer
from desktop.views.kit.forms import NoteDialog
from desktop.views.kit.live import LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.payment import PaymentDialog
from desktop.views.kit.vehicle_record import VehicleRecordDialog
from tests.citation_data import Field, enforcement_field
from tests.conftest import Database
from tests.views.conftest import shown_rows

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
) -> Iterator[Callable[[str], CitationsDesk]]:
    def _open(login: str) -> CitationsDesk:
        workspace = workspace_for(login)
        desk = CitationsDesk(workspace, runner, live_for(workspace))
        qtbot.addWidget(desk)
        desk.resize(1280, 760)
        with qtbot.waitSignal(desk.results_shown, timeout=TIMEOUT_MS):
            desk.show()
        return desk

    yield _open
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT_MS)


def search(qtbot: QtBot, desk: CitationsDesk, text: str) -> None:
    with qtbot.waitSignal(desk.results_shown, timeout=TIMEOUT_MS):
        desk.search_edit.setText(text)
        desk.search()


def choose(qtbot: QtBot, desk: CitationsDesk, *rows: int) -> None:
    selection = desk.table.selectionModel()
    selection.clearSelection()
    with qtbot.waitSignal(desk.citation_shown, timeout=TIMEOUT_MS):
        for row in rows:
            selection.select(
                desk.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )


def test_a_clerk_finds_a_citation_and_reads_its_page_with_checked_photos(
    qtbot: QtBot, desk_for: Callable[[str], CitationsDesk], field: Field
) -> None:
    issued = field.issue(photos=2)
    desk = desk_for("clerk")
    ModelTester(None).check(desk.model)  # type: ignore[no-untyped-call]
    # Until a citation is chosen, the list has most of the desk (not the empty page).
    listed, page_room = desk.splitter.sizes()
    assert listed >= 2 * page_room
    search(qtbot, desk, issued.plate.lower())
    rows = shown_rows(desk.model)
    assert list(rows) == [issued.number]
    assert rows[issued.number][2] == f"ON {issued.plate}"
    assert rows[issued.number][-1] == "Open"
    assert "$40.00" in rows[issued.number]
    with qtbot.waitSignal(desk.page.photos_checked, timeout=TIMEOUT_MS):
        choose(qtbot, desk, 0)
    page = desk.page
    assert page.title.text() == f"Citation {issued.number}"
    assert page.facts["plate"].text() == f"ON {issued.plate}"
    assert page.facts["vehicle"].text() == "blue Honda"
    assert page.owed.text() == "Owed $40.00"
    assert page.photo_list.count() == 2
    assert all(page.photo_list.item(i).text().startswith("✓") for i in range(2))
    lines = page.lines_model
    assert [lines.index(r, 1).data() for r in range(lines.rowCount())] == ["Fine"]
    assert not desk.void_button.isVisible()  # a clerk does not void
    with qtbot.waitSignal(desk.dialog_opened, timeout=TIMEOUT_MS) as opened:
        page.photo_list.itemActivated.emit(page.photo_list.item(0))
    viewer = opened.args[0]
    assert isinstance(viewer, EvidenceViewer)
    assert "matches what was recorded" in viewer.hash_label.text()
    viewer.reject()


def test_a_look_alike_plate_finds_the_citation_and_says_so(
    qtbot: QtBot, desk_for: Callable[[str], CitationsDesk], field: Field
) -> None:
    issued = field.issue("BOB 150")
    desk = desk_for("clerk")
    search(qtbot, desk, "B0B 15O")
    rows = shown_rows(desk.model)
    assert rows[issued.number][2] == "ON BOB150 ≈"


def test_nothing_found_says_so(qtbot: QtBot, desk_for: Callable[[str], CitationsDesk]) -> None:
    desk = desk_for("clerk")
    search(qtbot, desk, "ZZ 0000000Q")
    assert desk.listing.currentWidget() is desk.listing.empty
    assert desk.listing.empty.title.text() == "No citation matches"


def test_two_citations_are_paid_with_one_card_payment(
    qtbot: QtBot, desk_for: Callable[[str], CitationsDesk], field: Field
) -> None:
    first = field.issue(minutes_ago=9)
    second = field.issue(first.plate, minutes_ago=8)
    plate = first.plate
    desk = desk_for("clerk")
    with qtbot.waitSignal(desk.results_shown, timeout=TIMEOUT_MS):
        desk.lot_combo.setCurrentIndex(desk.lot_combo.findData(field.lot_id))
    search(qtbot, desk, plate)
    assert desk.model.rowCount() == 2
    choose(qtbot, desk, 0, 1)
    assert desk.pay_button.isEnabled()
    assert desk.pay_button.text() == "Take &payment for 2…"
    with qtbot.waitSignal(desk.dialog_opened, timeout=TIMEOUT_MS) as opened:
        qtbot.mouseClick(desk.pay_button, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    assert isinstance(dialog, PaymentDialog)
    assert dialog.amount == 80
    assert first.number in dialog.description_label.text()
    assert second.number in dialog.description_label.text()
    dialog.set_tender("card")
    dialog.brand_combo.setCurrentText("Visa")
    dialog.last4_edit.setText("4242")
    dialog.reference_edit.setText("AUTH-DESK1")
    with qtbot.waitSignal(desk.paid, timeout=TIMEOUT_MS) as paid:
        qtbot.mouseClick(dialog.pay_button, Qt.MouseButton.LeftButton)
    assert paid.args[0].amount == 80
    qtbot.waitUntil(
        lambda: (
            [shown_rows(desk.model).get(c.number, [""])[-1] for c in (first, second)]
            == ["Paid", "Paid"]
        ),
        timeout=TIMEOUT_MS,
    )
    qtbot.waitUntil(
        lambda: any(w.isVisible() for w in desk.findChildren(DocumentPreviewDialog)),
        timeout=TIMEOUT_MS,
    )
    for preview in desk.findChildren(DocumentPreviewDialog):
        preview.done(QDialog.DialogCode.Rejected.value)


def test_an_adjudicator_voids_a_citation_with_a_reason(
    qtbot: QtBot, desk_for: Callable[[str], CitationsDesk], field: Field
) -> None:
    issued = field.issue()
    desk = desk_for("adjudicator")
    search(qtbot, desk, issued.number)
    choose(qtbot, desk, 0)
    assert desk.void_button.isVisible()
    with qtbot.waitSignal(desk.dialog_opened, timeout=TIMEOUT_MS) as opened:
        qtbot.mouseClick(desk.void_button, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    assert isinstance(dialog, NoteDialog)
    assert dialog.ok is not None
    assert not dialog.ok.isEnabled()
    dialog.text.setPlainText("Plate misread by the officer")
    with qtbot.waitSignal(desk.voided, timeout=TIMEOUT_MS):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert desk.page.status.text() == "Void"
    qtbot.waitUntil(
        lambda: shown_rows(desk.model).get(issued.number, [""])[-1] == "Void", timeout=TIMEOUT_MS
    )
    assert not desk.void_button.isEnabled()


def test_the_notice_opens_in_the_print_preview(
    qtbot: QtBot, desk_for: Callable[[str], CitationsDesk], field: Field
) -> None:
    issued = field.issue()
    desk = desk_for("clerk")
    search(qtbot, desk, issued.number)
    choose(qtbot, desk, 0)
    with qtbot.waitSignal(desk.dialog_opened, timeout=TIMEOUT_MS) as opened:
        qtbot.mouseClick(desk.notice_button, Qt.MouseButton.LeftButton)
    preview = opened.args[0]
    assert isinstance(preview, DocumentPreviewDialog)
    assert preview.windowTitle() == f"Citation {issued.number}"
    preview.done(QDialog.DialogCode.Rejected.value)


def test_a_citation_issued_in_the_field_appears_live(
    qtbot: QtBot, desk_for: Callable[[str], CitationsDesk], field: Field
) -> None:
    desk = desk_for("clerk")
    with qtbot.waitSignal(desk.results_shown, timeout=TIMEOUT_MS):
        desk.lot_combo.setCurrentIndex(desk.lot_combo.findData(field.lot_id))
    assert desk.model.rowCount() == 0
    issued = field.issue()
    qtbot.waitUntil(lambda: issued.number in shown_rows(desk.model), timeout=TIMEOUT_MS)


def test_the_list_pages_in_as_it_scrolls(
    qtbot: QtBot, desk_for: Callable[[str], CitationsDesk], field: Field
) -> None:
    """A long list arrives a page at a time, off the GUI thread, as the view asks."""
    made = [field.issue(minutes_ago=300 - i) for i in range(130)]
    desk = desk_for("clerk")
    desk.model.page_size = 50
    with qtbot.waitSignal(desk.results_shown, timeout=TIMEOUT_MS):
        desk.lot_combo.setCurrentIndex(desk.lot_combo.findData(field.lot_id))
    assert desk.model.rowCount() == 50
    assert desk.count_label.text() == "50+ found"
    while desk.model.has_more:
        with qtbot.waitSignal(desk.results_shown, timeout=TIMEOUT_MS):
            desk.table.scrollToBottom()
            desk.model.fetchMore(desk.model.index(0, 0).parent())
    assert desk.model.rowCount() == 130
    assert [r.number for r in desk.model.rows()] == [c.number for c in reversed(made)]
    assert desk.count_label.text() == "130 found"


def test_the_boot_and_tow_list_and_the_permits_read_together(
    qtbot: QtBot, desk_for: Callable[[str], CitationsDesk]
) -> None:
    desk = desk_for("clerk")
    with qtbot.waitSignal(desk.dialog_opened, timeout=TIMEOUT_MS) as opened:
        qtbot.mouseClick(desk.scofflaws_button, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    with qtbot.waitSignal(dialog.loaded, timeout=TIMEOUT_MS):
        pass  # the list arrives off the GUI thread, after the dialog is on screen
    assert dialog.windowTitle() == "Boot and tow list"
    ModelTester(None).check(dialog.model)  # type: ignore[no-untyped-call]
    dialog.reject()
    with qtbot.waitSignal(desk.dialog_opened, timeout=TIMEOUT_MS) as opened:
        qtbot.mouseClick(desk.flags_button, Qt.MouseButton.LeftButton)
    flags = opened.args[0]
    with qtbot.waitSignal(flags.loaded, timeout=TIMEOUT_MS):
        pass
    assert flags.clear_button.isVisible()  # a clerk records what was found
    assert not flags.clear_button.isEnabled()  # once a flag is chosen
    flags.reject()


def test_the_counter_files_an_appeal_from_the_citations_page(
    qtbot: QtBot, desk_for: Callable[[str], CitationsDesk], field: Field
) -> None:
    issued = field.issue()
    desk = desk_for("clerk")
    search(qtbot, desk, issued.number)
    choose(qtbot, desk, 0)
    assert desk.appeal_button.isVisible()
    assert desk.appeal_button.isEnabled()
    with qtbot.waitSignal(desk.dialog_opened, timeout=TIMEOUT_MS) as opened:
        desk.appeal_button.click()
    dialog = opened.args[0]
    assert isinstance(dialog, FileAppealDialog)
    assert dialog.number_edit.text() == issued.number
    dialog.appellant_edit.setText("Pat Doe")
    dialog.statement_edit.setPlainText("My permit was on the dashboard.")
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT_MS) as saved:
        dialog.submit()
    assert saved.args[0].citation_number == issued.number
    adjudicator = desk_for("adjudicator")
    assert not adjudicator.appeal_button.isVisible()  # the counter files; adjudicators decide


def test_the_vehicle_record_opens_from_the_citations_page(
    qtbot: QtBot, desk_for: Callable[[str], CitationsDesk], field: Field
) -> None:
    issued = field.issue()
    desk = desk_for("clerk")
    assert not desk.record_button.isEnabled()  # nothing chosen yet
    search(qtbot, desk, issued.number)
    choose(qtbot, desk, 0)
    assert desk.record_button.isEnabled()
    with qtbot.waitSignal(desk.dialog_opened, timeout=TIMEOUT_MS) as opened:
        desk.record_button.click()
    record = opened.args[0]
    assert isinstance(record, VehicleRecordDialog)
    qtbot.waitUntil(lambda: record.file is not None, timeout=TIMEOUT_MS)
    assert record.windowTitle() == f"Vehicle record — {issued.plate} (ON)"
    assert any(t.startswith("Citations") for t in record.section_titles())
    record.close()
