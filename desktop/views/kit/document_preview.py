"""Preview of a printable document (a receipt, a shift report) before it is printed or saved.

The pages shown, the pages printed and the file saved all come from the same PDF bytes,
so what the clerk checks on screen is exactly what the parker or the manager gets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, QSizeF, QStandardPaths, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QMessageBox,
    QScrollArea,
    QToolButton,
    QWidget,
)

from desktop.services.documents import render_pages
from desktop.views.kit.layout import STRETCH, button, hbox, label, vbox
from desktop.views.kit.widgets import app_settings

log = logging.getLogger(__name__)

#: The resolution a page is drawn at on screen at 100 % zoom (one CSS inch, as browsers do).
SCREEN_DPI = 96
#: Printers often report 600 or 1200 dpi; past 300 the rasterised text looks no sharper
#: on paper, while memory and spool size keep growing.
MAX_PRINT_DPI = 300
ZOOM_STEPS = (0.5, 0.67, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
PAGE_GAP = 16
PAGE_MARGIN = 24
#: Where the "Save PDF…" dialog opens next time: the folder the clerk last saved into.
LAST_FOLDER_KEY = "documents/last_save_folder"


def _tool(text: str, tip: str, slot: Callable[[], None], name: str = "") -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    if name:
        button.setAccessibleName(name)
    return button


def _image(width: int, height: int, pixels: bytes) -> QImage:
    # copy(): the QImage must own its pixels, not borrow a Python bytes object.
    return QImage(pixels, width, height, width * 3, QImage.Format.Format_RGB888).copy()


class _PageView(QWidget):
    """One page on the grey desk: the page, a hairline edge and a soft shadow.

    The page is rasterised when it is first painted, at the zoom and screen scale of the
    moment, so a long report costs memory only for the pages the clerk scrolls to.
    """

    SHADOW = 4

    def __init__(
        self, pdf: bytes, index: int, total: int, points: QSizeF, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._pdf, self._index, self._points = pdf, index, points
        self._pixmap: QPixmap | None = None
        self.setAccessibleName(f"Page {index + 1} of {total}")
        self.set_zoom(1.0)

    def page_size(self) -> QSize:
        """The page's size on screen at the current zoom, in device-independent pixels."""
        scale = SCREEN_DPI / 72 * self._zoom
        return QSize(
            max(1, round(self._points.width() * scale)),
            max(1, round(self._points.height() * scale)),
        )

    def set_zoom(self, zoom: float) -> None:
        self._zoom = zoom
        self._pixmap = None
        self.setFixedSize(self.page_size() + QSize(self.SHADOW, self.SHADOW))
        self.update()

    def release(self) -> None:
        """Forget the rasterised page; it is drawn again if it scrolls back into view."""
        self._pixmap = None

    def is_rendered(self) -> bool:
        return self._pixmap is not None

    def _rendered(self) -> QPixmap:
        if self._pixmap is None:
            ratio = self.devicePixelRatioF()
            dpi = max(1, round(SCREEN_DPI * self._zoom * ratio))
            [(width, height, pixels)] = render_pages(self._pdf, dpi, only=(self._index,))
            self._pixmap = QPixmap.fromImage(_image(width, height, pixels))
            self._pixmap.setDevicePixelRatio(ratio)
        return self._pixmap

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        size = self.page_size()
        page = QRectF(0, 0, size.width(), size.height())
        painter = QPainter(self)
        for offset, alpha in ((1, 28), (2, 16), (3, 9), (4, 4)):
            painter.fillRect(page.translated(offset, offset + 1), QColor(0, 0, 0, alpha))
        pixmap = self._rendered()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(page, pixmap, QRectF(pixmap.rect()))
        painter.setPen(QColor("#aab2bd"))
        painter.drawRect(page.adjusted(0.5, 0.5, -0.5, -0.5))
        painter.end()


class DocumentPreviewDialog(QDialog):
    """Shows the pages of a PDF, zooms, prints it and saves it to a file."""

    def __init__(
        self, title: str, pdf: bytes, suggested_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("documentPreview")
        self._pdf = pdf
        self._suggested_name = suggested_name
        self._zoom = 1.0
        self._fit_width = True
        # Dragging a window edge sends many resizes; the pages are redrawn once it settles.
        self._fit_timer = QTimer(self, singleShot=True, interval=120)
        self._fit_timer.timeout.connect(self._follow_width)
        self._build()
        # One pass at screen resolution gives every page's size; the pixels are dropped and
        # each page is drawn again when it comes into view.
        self._page_points = [
            QSizeF(width * 72 / SCREEN_DPI, height * 72 / SCREEN_DPI)
            for width, height, _ in render_pages(pdf, SCREEN_DPI)
        ]
        count = len(self._page_points)
        self._page_views = [
            _PageView(pdf, index, count, points, self._sheet)
            for index, points in enumerate(self._page_points)
        ]
        for view in self._page_views:
            self._sheet_layout.addWidget(view)
        self.pages_label.setText("1 page" if count == 1 else f"{count} pages")
        self._set_zoom(1.0)
        # A Letter page at 100 % and its desk, or most of a smaller screen.
        available = self.screen().availableGeometry()
        self.resize(
            min(900, round(available.width() * 0.9)), min(1000, round(available.height() * 0.9))
        )

    def _build(self) -> None:
        # U+2212: a minus as wide as the plus on the button beside it.
        self.zoom_out_button = _tool("\u2212", "Zoom out (Ctrl+-)", self.zoom_out, "Zoom out")
        self.zoom_in_button = _tool("+", "Zoom in (Ctrl++)", self.zoom_in, "Zoom in")
        self.fit_width_button = _tool(
            "Fit width", "Fit the page to the window width (Ctrl+0)", self.fit_width
        )
        self.fit_width_button.setCheckable(True)
        self.zoom_label = label()
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages_label = label()
        buttons = (self.zoom_out_button, self.zoom_label, self.zoom_in_button)
        tools = hbox(*buttons, self.fit_width_button, STRETCH, self.pages_label, margins=None)

        self._sheet = QWidget()
        self._sheet.setObjectName("previewSheet")
        self._sheet_layout = vbox(margins=PAGE_MARGIN, spacing=PAGE_GAP, parent=self._sheet)
        self._sheet_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self._sheet)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.scroll_area.setAccessibleName("Document pages")
        self.scroll_area.setStyleSheet("QScrollArea, #previewSheet { background: #d9dde3; }")
        self.scroll_area.verticalScrollBar().valueChanged.connect(self._release_distant_pages)

        self.print_button = button("Print…", self.print_document, tip="Print (Ctrl+P)")
        self.save_button = button("Save PDF…", self.save_pdf, tip="Save as a PDF file (Ctrl+S)")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.setDefault(True)

        vbox(tools, (self.scroll_area, 1), self.buttons, margins=None, parent=self)
        self.scroll_area.setFocus()
        shortcuts = (
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
            # Ctrl+= as well: on most keyboards "+" needs Shift, "=" is the same key without.
            ("Ctrl+=", self.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
            ("Ctrl+0", self.fit_width),
            (QKeySequence.StandardKey.Print, self.print_document),
            (QKeySequence.StandardKey.Save, self.save_pdf),
        )
        for key, slot in shortcuts:
            QShortcut(QKeySequence(key), self, slot)

    def page_count(self) -> int:
        return len(self._page_views)

    def zoom(self) -> float:
        return self._zoom

    def _set_zoom(self, zoom: float) -> None:
        self._zoom = zoom
        for view in self._page_views:
            view.set_zoom(zoom)
        self.zoom_label.setText(f"{round(zoom * 100)} %")
        self.zoom_out_button.setEnabled(zoom > ZOOM_STEPS[0] + 0.001)
        self.zoom_in_button.setEnabled(zoom < ZOOM_STEPS[-1] - 0.001)
        self.fit_width_button.setChecked(self._fit_width)

    def zoom_in(self) -> None:
        self._fit_width = False
        larger = (s for s in ZOOM_STEPS if s > self._zoom + 0.001)
        self._set_zoom(next(larger, ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        self._fit_width = False
        smaller = (s for s in reversed(ZOOM_STEPS) if s < self._zoom - 0.001)
        self._set_zoom(next(smaller, ZOOM_STEPS[0]))

    def fit_width(self) -> None:
        self._fit_width = True
        self._set_zoom(self._fitting_zoom())

    def _fitting_zoom(self) -> float:
        if not self._page_points:
            return 1.0
        widest = max(size.width() for size in self._page_points) * SCREEN_DPI / 72
        scroll_bar = self.scroll_area.verticalScrollBar()
        room = self.scroll_area.viewport().width() - 2 * PAGE_MARGIN - _PageView.SHADOW
        # Leave room for the scroll bar that a taller page is about to need.
        if not scroll_bar.isVisible():
            room -= scroll_bar.sizeHint().width()
        return min(max(room / widest, ZOOM_STEPS[0]), ZOOM_STEPS[-1])

    def _follow_width(self) -> None:
        if not self._fit_width:
            return
        zoom = self._fitting_zoom()
        if zoom != self._zoom:
            self._set_zoom(zoom)

    def _release_distant_pages(self) -> None:
        """Drop the pixels of pages more than a screen away from what is on view."""
        viewport = self.scroll_area.viewport().rect()
        top = self.scroll_area.verticalScrollBar().value()
        near = viewport.translated(0, top).adjusted(
            0, -viewport.height(), self._sheet.width(), viewport.height()
        )
        for view in self._page_views:
            if view.is_rendered() and not view.geometry().intersects(near):
                view.release()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit_width:
            self._fit_timer.start()

    def save_pdf(self) -> None:
        settings = app_settings()
        folder = str(
            settings.value(LAST_FOLDER_KEY, "")
            or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        )
        proposed = str(Path(folder) / self._suggested_name) if folder else self._suggested_name
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Save PDF", proposed, "PDF documents (*.pdf)"
        )
        if not chosen:
            return
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(".pdf")
        try:
            path.write_bytes(self._pdf)
        except OSError as error:
            log.warning("could not save %s: %s", path, error)
            QMessageBox.warning(
                self,
                "PDF not saved",
                f"The PDF could not be written to\n{path}\n\n{error.strerror or error}.\n\n"
                "Choose another folder, or check that the file is not open elsewhere.",
            )
            return
        settings.setValue(LAST_FOLDER_KEY, str(path.parent))

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(Path(self._suggested_name).stem or self.windowTitle())
        if self._page_points:
            first = self._page_points[0]
            printer.setPageSize(
                QPageSize(first, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
            )
            orientation = (
                QPageLayout.Orientation.Landscape
                if first.width() > first.height()
                else QPageLayout.Orientation.Portrait
            )
            printer.setPageOrientation(orientation)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print")
        dialog.setMinMax(1, self.page_count())
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            printed = self._paint_pages(printer)
        finally:
            QGuiApplication.restoreOverrideCursor()
        if not printed:
            QMessageBox.warning(
                self,
                "Not printed",
                "The printer could not be started. Check that it is switched on and "
                "connected, then try again.",
            )

    def _paint_pages(self, printer: QPrinter) -> bool:
        count = self.page_count()
        first, last = 1, count
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            first = max(1, printer.fromPage())
            last = min(count, printer.toPage() or count)
        numbers = list(range(first - 1, last))
        # Printers that cannot make copies themselves get every copy sent.
        copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
        sequence = (
            numbers * copies
            if printer.collateCopies()
            else [number for number in numbers for _ in range(copies)]
        )
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        painter = QPainter()
        if not painter.begin(printer):
            return False
        try:
            for position, number in enumerate(sequence):
                if position and not printer.newPage():
                    return False
                # One page at a time: 300 dpi Letter pages are 25 MB each.
                [(width, height, pixels)] = render_pages(self._pdf, dpi, only=(number,))
                image = _image(width, height, pixels)
                area = QRectF(painter.viewport())
                scale = min(area.width() / width, area.height() / height)
                target = QRectF(
                    area.left() + (area.width() - width * scale) / 2,
                    area.top(),
                    width * scale,
                    height * scale,
                )
                painter.drawImage(target, image)
        finally:
            painter.end()
        return True
