"""The evidence viewer as an adjudicator uses it: a photo fitted to the window, zoomed and
turned, the next and previous photo, and a photo whose bytes no longer match their
recorded fingerprint shown as a red banner, never as the picture."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pytestqt.qtbot import QtBot
from reportlab.pdfgen import canvas

from desktop.services.photos import plate_photo
from desktop.views.kit.evidence_viewer import (
    MISMATCH,
    ZOOM_STEP,
    EvidenceItem,
    EvidenceViewer,
    decoded,
    index_of,
    pages,
)

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


def item(plate: str, *, verified: bool = True) -> EvidenceItem:
    photo = plate_photo("ON", plate, datetime(2026, 12, 7, 9, 5, tzinfo=UTC), "Lot B")
    return EvidenceItem(photo, f"of {plate}", f"Photo of {plate}.", verified)


def test_a_photo_is_fitted_zoomed_turned_and_followed_by_the_next(qtbot: QtBot) -> None:
    viewer = EvidenceViewer([item("ABC123"), item("XYZ789")], title="Citation photo")
    qtbot.addWidget(viewer)
    viewer.show()
    assert viewer.windowTitle() == "Citation photo 1 of 2 — of ABC123"
    assert viewer.view.currentWidget() is viewer.canvas
    assert not viewer.previous_button.isEnabled()
    fitted = viewer.canvas.zoom
    viewer.canvas.zoom_by(ZOOM_STEP)
    assert viewer.canvas.zoom == pytest.approx(fitted * ZOOM_STEP)
    viewer.canvas.rotate_quarter()
    assert viewer.canvas.rotation == 90
    viewer.next_button.click()
    assert viewer.windowTitle() == "Citation photo 2 of 2 — of XYZ789"
    assert viewer.hash_label.text() == "Photo of XYZ789."
    assert viewer.canvas.rotation == 0  # each photo starts upright and whole
    assert not viewer.next_button.isEnabled()
    viewer.previous_button.click()
    assert viewer.index == 0


def test_a_photo_that_does_not_match_its_fingerprint_is_not_shown(qtbot: QtBot) -> None:
    viewer = EvidenceViewer([item("ABC123", verified=False)])
    qtbot.addWidget(viewer)
    viewer.show()
    assert viewer.view.currentWidget() is viewer.banner
    assert viewer.banner.text() == MISMATCH
    assert "b91c1c" in viewer.hash_label.styleSheet()
    assert not any(tool.isEnabled() for tool in viewer.picture_tools)  # nothing to zoom


def test_a_photo_decoded_off_the_gui_thread_is_shown_as_decoded(qtbot: QtBot) -> None:
    ready = decoded(item("ABC123"))
    assert ready.image is not None
    assert not ready.image.isNull()
    assert decoded(item("XYZ789", verified=False)).image is None  # never decoded
    viewer = EvidenceViewer([ready])
    qtbot.addWidget(viewer)
    viewer.show()
    assert viewer.view.currentWidget() is viewer.canvas
    assert viewer.canvas.pixmap.pixmap().width() == ready.image.width()


def test_a_pdf_is_shown_page_by_page_and_a_damaged_or_altered_one_as_a_banner(
    qtbot: QtBot,
) -> None:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for n in range(3):
        pdf.drawString(72, 720, f"Receipt page {n + 1}")
        pdf.showPage()
    pdf.save()
    document = EvidenceItem(out.getvalue(), "receipt", "A receipt.", True, ref=7,
                            media_type="application/pdf")  # fmt: skip
    shown = pages(document)
    assert [p.title for p in shown] == [f"receipt, page {n} of 3" for n in (1, 2, 3)]
    assert all(p.image is not None and not p.image.isNull() for p in shown)
    assert index_of([item("ABC123"), *shown], 7) == 1
    altered = replace(document, verified=False)
    assert pages(altered) == [altered]  # never drawn
    damaged = replace(document, content=b"%PDF-1.7 and then nothing")
    viewer = EvidenceViewer(pages(damaged))
    qtbot.addWidget(viewer)
    assert viewer.view.currentWidget() is viewer.banner
    assert viewer.banner.text() == "This file cannot be shown: it is damaged or not a photo or PDF."
