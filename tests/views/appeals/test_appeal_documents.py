"""The parker's own documents on an appeal, as the counter attaches them and the
adjudicator reads them: a two-page receipt chosen from disk, described, kept with its
fingerprint, shown on the case timeline and page by page in the evidence viewer; a file
that is not a document is refused under its field, in words."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from reportlab.pdfgen import canvas

from desktop.views.appeals.desk import AppealsDesk
from desktop.views.appeals.dialogs import AttachDocumentDialog
from desktop.views.kit.evidence_viewer import EvidenceViewer
from tests.citation_data import Field
from tests.conftest import Database
from tests.views.appeals.test_appeals_desk import TIMEOUT_MS, desk_for, field
from tests.views.conftest import shown_rows

__all__ = ["desk_for", "field"]  # the appeals desk's fixtures, shared

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


def receipt(pages: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for n in range(pages):
        pdf.drawString(72, 720, f"Parking permit receipt, page {n + 1}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def open_appeal(qtbot: QtBot, desk: AppealsDesk, plate: str) -> None:
    qtbot.waitUntil(
        lambda: any(c[2] == f"ON {plate}" for c in shown_rows(desk.model).values()),
        timeout=TIMEOUT_MS,
    )
    row = next(i for i, c in enumerate(shown_rows(desk.model).values()) if c[2] == f"ON {plate}")
    desk.table.selectRow(desk.proxy.mapFromSource(desk.model.index(row, 0)).row())
    with qtbot.waitSignal(desk.shown, timeout=TIMEOUT_MS):
        desk.open_selected()


def test_the_counter_attaches_a_receipt_the_adjudicator_reads_page_by_page(
    qtbot: QtBot,
    desk_for: Callable[[str], AppealsDesk],
    field: Field,
    database: Database,
    tmp_path: Path,
) -> None:
    issued = field.issue(photos=1)
    with database.connect("alice") as alice:
        alice.execute(
            "SELECT file_appeal(%s, %s, 'in_person', 'Pat Doe', '', 'Here is my receipt.')",
            (uuid.uuid4(), issued.id),
        )
        alice.commit()
    counter = desk_for("clerk")
    open_appeal(qtbot, counter, issued.plate)
    page = counter.page
    assert page.document_button.isVisible()
    dialog = counter.open_document_dialog()
    assert isinstance(dialog, AttachDocumentDialog)

    # Nothing chosen, then a file that is no document: each refused under its field.
    dialog.submit()
    assert dialog.boxes["file"].problem.text() == "Choose the file of the document."
    note = tmp_path / "note.txt"
    note.write_text("I had a permit")
    dialog.file_edit.setText(str(note))
    dialog.description_edit.setText("A note")
    with qtbot.waitSignal(counter.runner.finished, timeout=TIMEOUT_MS):
        dialog.submit()
    qtbot.waitUntil(dialog.boxes["file"].problem.isVisible, timeout=TIMEOUT_MS)
    assert "Attach a PDF document or a JPEG or PNG photo" in dialog.boxes["file"].problem.text()

    # The receipt, described, is kept and shows on the timeline.
    scan = tmp_path / "receipt.pdf"
    scan.write_bytes(receipt(2))
    dialog.file_edit.setText(str(scan))
    dialog.description_edit.setText("Receipt for the day permit")
    with qtbot.waitSignal(counter.shown, timeout=TIMEOUT_MS):
        dialog.submit()
    titles = [e.title for e in page.timeline_model.rows()]
    assert any(t.startswith("Document: Receipt for the day permit (PDF,") for t in titles), titles

    # The adjudicator opens it from its line: two pages, each checked against its hash.
    judge = desk_for("adjudicator")
    open_appeal(qtbot, judge, issued.plate)
    mine = judge.page
    line = next(
        r
        for r in range(mine.timeline_model.rowCount())
        if mine.timeline_model.row(r).kind == "document"
    )
    mine.timeline.selectRow(line)
    with qtbot.waitSignal(judge.dialog_opened, timeout=TIMEOUT_MS) as opened:
        mine.open_selected_photo()
    viewer = opened.args[0]
    assert isinstance(viewer, EvidenceViewer)
    assert len(viewer.items) == 3  # the officer's photo and the receipt's two pages
    assert "the parker's document: Receipt for the day permit, page 1 of 2" in (
        viewer.windowTitle()
    )
    assert viewer.view.currentWidget() is viewer.canvas
    assert "matches what was recorded" in viewer.hash_label.text()
    assert "by alice" in viewer.hash_label.text()
    viewer.show_item(viewer.index + 1)
    assert "page 2 of 2" in viewer.windowTitle()
    viewer.reject()
