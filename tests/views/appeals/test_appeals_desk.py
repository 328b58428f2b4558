"""The appeals desk as the counter and an adjudicator use it, against the real database:
the headline dispute — a citation at 09:05 for a plate whose permit, bought at the counter
after the ticket, covered 09:05 — filed at the counter, opened from the queue, read from
its case timeline and dismissed with a reason, the ledger cancelling the fine."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from psycopg.types.json import Jsonb
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.services.workspace import Workspace
from desktop.views.appeals.desk import AppealsDesk
from desktop.views.appeals.dialogs import FileAppealDialog
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.evidence_viewer import EvidenceViewer
from desktop.views.kit.live import LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.vehicle_record import VehicleRecordDialog
from tests.citation_data import Field, enforcement_field
from tests.conftest import Database
from tests.views.conftest import shown_rows
from tests.views.elision import cut_texts

TIMEOUT_MS = 30_000
CARD = {"kind": "card", "brand": "Visa", "last4": "4242", "reference": "AUTH-AP01"}

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
) -> Iterator[Callable[[str], AppealsDesk]]:
    def _open(login: str) -> AppealsDesk:
        workspace = workspace_for(login)
        desk = AppealsDesk(workspace, runner, live_for(workspace))
        qtbot.addWidget(desk)
        desk.resize(1280, 780)
        with qtbot.waitSignal(desk.loaded, timeout=TIMEOUT_MS):
            desk.show()
        return desk

    yield _open
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT_MS)


def permit_bought_after(database: Database, field: Field, plate: str, valid_from: datetime) -> None:
    """A temporary permit sold now at the counter, valid from before the ticket."""
    with database.connect("alice") as alice:
        alice.execute(
            "SELECT issue_temporary_permit(%s, 'temporary', 'ON', %s, %s, %s, "
            "now() + interval '1 day', 10, NULL, %s)",
            (uuid.uuid4(), plate, field.lot_id, valid_from, Jsonb(CARD)),
        )
        alice.commit()


def test_a_dispute_is_filed_read_from_its_timeline_and_dismissed(
    qtbot: QtBot, desk_for: Callable[[str], AppealsDesk], field: Field, database: Database
) -> None:
    issued = field.issue(minutes_ago=10, photos=1)
    cited_at = datetime.now(UTC) - timedelta(minutes=10)
    permit_bought_after(database, field, issued.plate, cited_at - timedelta(minutes=30))

    # The counter files the parker's appeal.
    counter = desk_for("clerk")
    assert counter.file_button.isVisible()
    assert not counter.take_button.isVisible()  # a clerk files; adjudicators take
    dialog = counter.open_file_dialog()
    assert isinstance(dialog, FileAppealDialog)
    dialog.number_edit.setText(issued.number.lower())
    dialog.appellant_edit.setText("Pat Doe")
    dialog.contact_edit.setText("pat@example.org")
    dialog.statement_edit.setPlainText("I bought my permit; it covered the morning.")
    with qtbot.waitSignal(counter.shown, timeout=TIMEOUT_MS):
        dialog.submit()
    page = counter.page
    assert page.title.text().startswith("Appeal A")
    assert f"citation {issued.number}" in page.title.text()
    assert not page.decision.isVisible()  # the counter reads; it does not decide
    assert page.withdraw_button.isVisible()

    # The adjudicator opens it from the queue and reads the timeline.
    judge = desk_for("adjudicator")
    ModelTester(None).check(judge.model)  # type: ignore[no-untyped-call]
    rows = shown_rows(judge.model)
    number = page.appeal.number if page.appeal else ""
    assert number in rows
    assert rows[number][2] == f"ON {issued.plate}"
    row = list(rows).index(number)
    judge.table.selectRow(judge.proxy.mapFromSource(judge.model.index(row, 0)).row())
    with qtbot.waitSignal(judge.shown, timeout=TIMEOUT_MS):
        judge.open_selected()
    mine = judge.page
    assert mine.decision.isVisible()
    assert "in hand: you" in mine.status.text()
    assert "was bought 10 minutes after the citation" in mine.finding.label.text()
    assert "A permit of this vehicle was valid when it was cited." in mine.finding.label.text()
    timeline = shown_rows(mine.timeline_model)
    whats = [cells[1] for cells in timeline.values()]
    assert any(w.startswith("Permit P-") and "Lot" in w for w in whats)
    titles = [e.title for e in mine.timeline_model.rows()]  # rows of one minute share a key
    assert any(t.startswith(f"Citation {issued.number}") for t in titles)
    # When, and under it how long before or after the citation.
    froms = {cells[1]: cells[0].split("\n")[1] for cells in timeline.values()}
    band = next(v for k, v in froms.items() if k.startswith("Permit P-") and " for " in k)
    assert band == "valid from 30 minutes before"
    # The timeline is read, not scanned: in the desk's half of a 1280-pixel window every
    # line says all it has to say, on more lines where it must.
    qtbot.waitUntil(lambda: cut_texts(mine.timeline) == [], timeout=TIMEOUT_MS)
    # The officer's photo, opened from its line, re-hashed as it is read.
    photo_row = next(
        r
        for r in range(mine.timeline_model.rowCount())
        if mine.timeline_model.row(r).kind == "photo"
    )
    mine.timeline.selectRow(photo_row)
    with qtbot.waitSignal(judge.dialog_opened, timeout=TIMEOUT_MS) as photo:
        mine.open_selected_photo()
    viewer = photo.args[0]
    assert isinstance(viewer, EvidenceViewer)
    assert viewer.view.currentWidget() is viewer.canvas
    assert "matches what was recorded" in viewer.hash_label.text()
    viewer.reject()

    # Dismissed with a reason, from the keyboard.
    mine.decision.dismiss.setChecked(True)
    qtbot.waitUntil(lambda: mine.decision.reason.count() > 0, timeout=TIMEOUT_MS)
    mine.decision.reason.setCurrentIndex(
        mine.decision.reason.findText("A valid permit covered the vehicle at the time")
    )
    mine.decision.note.setPlainText("The permit's band covers the citation.")
    judge.activateWindow()
    mine.decision.note.setFocus()
    qtbot.waitUntil(mine.decision.note.hasFocus, timeout=TIMEOUT_MS)
    with (
        qtbot.waitSignal(judge.dialog_opened, timeout=TIMEOUT_MS) as letter,
        qtbot.waitSignal(judge.shown, timeout=TIMEOUT_MS),
    ):
        qtbot.keyClick(mine.decision.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    preview = letter.args[0]
    assert isinstance(preview, DocumentPreviewDialog)
    assert preview.windowTitle() == f"Decision on appeal {number}"
    preview.reject()
    assert mine.letter_button.isVisible()
    with qtbot.waitSignal(judge.dialog_opened, timeout=TIMEOUT_MS) as packet:
        mine.packet_button.click()
    assert packet.args[0].windowTitle() == f"Hearing packet, appeal {number}"
    packet.args[0].reject()
    assert mine.status.text().startswith("Dismissed")
    assert "owed $0.00" in mine.status.text()
    assert not mine.decision.isVisible()
    timeline = shown_rows(mine.timeline_model)
    assert any(cells[1] == "Adjustment \u2212$40.00" for cells in timeline.values()), timeline
    qtbot.waitUntil(lambda: number not in shown_rows(judge.model), timeout=TIMEOUT_MS)


def test_a_decision_without_its_reason_is_held_with_a_message(
    qtbot: QtBot, desk_for: Callable[[str], AppealsDesk], field: Field, database: Database
) -> None:
    issued = field.issue()
    with database.connect("alice") as alice:
        alice.execute(
            "SELECT file_appeal(%s, %s, 'mail', 'Sam Roe', '', 'The sign was hidden.')",
            (uuid.uuid4(), issued.id),
        )
        alice.commit()
    judge = desk_for("adjudicator")
    qtbot.waitUntil(
        lambda: any(c[2] == f"ON {issued.plate}" for c in shown_rows(judge.model).values()),
        timeout=TIMEOUT_MS,
    )
    row = next(
        i for i, c in enumerate(shown_rows(judge.model).values()) if c[2] == f"ON {issued.plate}"
    )
    judge.table.selectRow(judge.proxy.mapFromSource(judge.model.index(row, 0)).row())
    with qtbot.waitSignal(judge.shown, timeout=TIMEOUT_MS):
        judge.open_selected()
    with qtbot.waitSignal(judge.dialog_opened, timeout=TIMEOUT_MS) as opened:
        judge.page.record_button.click()  # the cited plate's vehicle record
    record = opened.args[0]
    assert isinstance(record, VehicleRecordDialog)
    qtbot.waitUntil(lambda: record.file is not None, timeout=TIMEOUT_MS)
    assert record.windowTitle() == f"Vehicle record — {issued.plate} (ON)"
    assert any(t.startswith("Citations") for t in record.section_titles())
    record.close()
    panel = judge.page.decision
    panel.decide_button.click()
    assert panel.problem.text() == "Choose uphold, reduce or dismiss."
    panel.reduce.setChecked(True)
    assert panel.amount.isEnabled()
    qtbot.waitUntil(lambda: panel.reason.count() > 0, timeout=TIMEOUT_MS)
    panel.reason.setCurrentIndex(-1)
    panel.decide_button.click()
    assert panel.problem.text() == "Choose the reason for the decision."
    panel.reason.setCurrentIndex(0)
    panel.amount.setText("45")
    with qtbot.waitSignal(judge.runner.finished, timeout=TIMEOUT_MS):
        panel.decide_button.click()
    qtbot.waitUntil(panel.problem.isVisible, timeout=TIMEOUT_MS)
    assert "less than that" in panel.problem.text()
    assert judge.leave_warning() is not None  # a decision drafted, not saved
    with qtbot.waitSignal(judge.runner.finished, timeout=TIMEOUT_MS):
        judge.give_back()
    assert judge.right.currentWidget() is judge.empty
