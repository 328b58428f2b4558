"""The document preview a clerk sees before printing or saving a receipt or shift report."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pypdfium2
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.services.documents import receipt_pdf, shift_report_pdf
from desktop.views.kit.document_preview import DocumentPreviewDialog
from tests.services.test_documents import CARD_RECEIPT, shift_report

# The offscreen platform cannot pass window hints on; that is not a ParkDesk problem.
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


@pytest.fixture(scope="module")
def receipt() -> bytes:
    return receipt_pdf(CARD_RECEIPT)


@pytest.fixture(scope="module")
def report() -> bytes:
    return shift_report_pdf(shift_report(90, counted_short=Decimal("5.25")))


def page_count(pdf: bytes) -> int:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def open_preview(
    qtbot: QtBot, pdf: bytes, name: str = "receipt-R-0000042.pdf"
) -> DocumentPreviewDialog:
    dialog = DocumentPreviewDialog("Receipt R-0000042", pdf, name)
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog):
        dialog.show()
    return dialog


def test_every_page_is_shown(qtbot: QtBot, receipt: bytes, report: bytes) -> None:
    assert open_preview(qtbot, receipt).page_count() == 1
    pages = page_count(report)
    assert pages > 1
    dialog = open_preview(qtbot, report)
    assert dialog.page_count() == pages
    assert dialog.pages_label.text() == f"{pages} pages"


def test_zoom_buttons_and_keys(qtbot: QtBot, report: bytes) -> None:
    dialog = open_preview(qtbot, report)
    # Shortcuts reach only the active window.
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.zoom_in_button.click()
    larger = dialog.zoom()
    qtbot.keyClick(dialog, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.zoom() < larger
    qtbot.keyClick(dialog, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert dialog.zoom() == larger
    assert not dialog.fit_width_button.isChecked()
    dialog.fit_width_button.click()
    assert dialog.fit_width_button.isChecked()
    # At fit width the page fills the window without a sideways scroll bar.
    qtbot.waitUntil(lambda: not dialog.scroll_area.horizontalScrollBar().isVisible())


def test_escape_closes(qtbot: QtBot, receipt: bytes) -> None:
    dialog = open_preview(qtbot, receipt)
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_save_writes_the_same_pdf(
    qtbot: QtBot, receipt: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    offered: list[str] = []
    target = tmp_path / "receipt.pdf"

    def choose(parent: QWidget, caption: str, proposed: str, filters: str) -> tuple[str, str]:
        del parent, caption, filters
        offered.append(proposed)
        return str(target), "PDF documents (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    dialog = open_preview(qtbot, receipt)
    dialog.save_button.click()
    assert target.read_bytes() == receipt
    assert Path(offered[0]).name == "receipt-R-0000042.pdf"

    # The next save starts in the folder the clerk chose.
    dialog.save_button.click()
    assert Path(offered[1]).parent == tmp_path


def test_save_that_cannot_write_says_so(
    qtbot: QtBot, receipt: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no such folder" / "receipt.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_: (str(missing), "")))
    warnings: list[str] = []

    def warn(parent: QWidget, title: str, text: str) -> QMessageBox.StandardButton:
        del parent
        warnings.append(f"{title}: {text}")
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warn))
    dialog = open_preview(qtbot, receipt)
    dialog.save_button.click()
    assert not missing.exists()
    [message] = warnings
    assert "PDF not saved" in message
    assert str(missing) in message


def test_cancelled_save_writes_nothing(
    qtbot: QtBot, receipt: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_: ("", "")))
    dialog = open_preview(qtbot, receipt)
    dialog.save_button.click()
    assert not list(tmp_path.rglob("*.pdf"))


def print_to_file(monkeypatch: pytest.MonkeyPatch, printed: Path, *pages: int) -> None:
    """The clerk picks "print to file" (only ``pages``, when given) in the print dialog;
    the printer is the one the preview set up."""

    def accept(print_dialog: QPrintDialog) -> int:
        printer = print_dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        if pages:
            printer.setResolution(72)
            printer.setPrintRange(QPrinter.PrintRange.PageRange)
            printer.setFromTo(pages[0], pages[-1])
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(QPrintDialog, "exec", accept)


def test_print_paints_every_page(
    qtbot: QtBot, report: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed = tmp_path / "printed.pdf"
    print_to_file(monkeypatch, printed)
    dialog = open_preview(qtbot, report)
    dialog.print_button.click()
    assert printed.stat().st_size > 0
    assert page_count(printed.read_bytes()) == dialog.page_count()


def test_print_of_a_page_range(
    qtbot: QtBot, report: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed = tmp_path / "page-two.pdf"
    print_to_file(monkeypatch, printed, 2)
    dialog = open_preview(qtbot, report)
    dialog.print_button.click()
    assert page_count(printed.read_bytes()) == 1


def test_cancelled_print_prints_nothing(
    qtbot: QtBot, receipt: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QPrintDialog, "exec", lambda _: QDialog.DialogCode.Rejected.value)
    monkeypatch.chdir(tmp_path)
    dialog = open_preview(qtbot, receipt)
    dialog.print_button.click()
    assert not list(tmp_path.rglob("*.pdf"))
