"""Photos and documents of a case, shown for checking (SPEC rule 12): zoom, pan, rotate,
fit, previous and next, full screen, with when and by which device (or which desk) each
was captured and whether its bytes still hash to what was recorded. A file that does not
is not shown at all: a red banner says "this file does not match its recorded
fingerprint" in its place. A PDF is shown page by page.

The citations desk and the appeals desk show their evidence here, made into
:class:`EvidenceItem` s by :func:`evidence_items` where the bytes were read, off the GUI
thread; the hash is checked by the service that read the bytes, never by the viewer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QKeySequence, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

from desktop.services.citations import PhotoContent
from desktop.services.documents import render_pages
from desktop.services.localization import format_local
from desktop.views.kit.layout import STRETCH, button, desk_action, hbox, label, stack, vbox

#: Zoom steps: the wheel and the buttons multiply or divide by this.
ZOOM_STEP = 1.25
ZOOM_RANGE = (0.05, 20.0)
MISMATCH = "This file does not match its recorded fingerprint"
#: A PDF's pages are shown at this resolution, and at most this many of them.
PDF_DPI = 110
PDF_PAGES = 40


@dataclass(frozen=True)
class EvidenceItem:
    """One photo to show: its bytes, what the title bar and the line under it say, and
    whether its bytes hash to what was recorded. ``image`` is the photo already decoded
    (:func:`decoded`, off the GUI thread, for a large photo); else it is decoded when
    shown."""

    content: bytes
    title: str
    facts: str
    verified: bool
    image: QImage | None = None
    #: The evidence row it shows (each page of a PDF names the same one).
    ref: int | None = None
    media_type: str = ""


def hash_words(photo: PhotoContent, zone: str) -> str:
    """Whether a file's bytes are the ones recorded, and who took it (or added it), when,
    with what."""
    info = photo.info
    if info.from_device:
        taken = (
            f"taken {format_local(info.captured_at, zone)} by {info.recorded_by} with {info.device}"
        )
    else:
        taken = f"added {format_local(info.recorded_at, zone)} by {info.recorded_by}"
    if photo.verified:
        return f"SHA-256 {info.sha256[:16]}… matches what was recorded: {taken}."
    return (
        f"SHA-256 does NOT match what was recorded ({info.sha256[:16]}…): these bytes are "
        f"not the ones {info.recorded_by} sent. Report it to a manager. ({taken})"
    )


def photo_evidence(photo: PhotoContent, zone: str) -> EvidenceItem:
    """A citation's photo or a parker's document as the viewer shows it: its check, who
    took or added it, its size."""
    info = photo.info
    return EvidenceItem(
        content=photo.content,
        title=(
            f"taken {format_local(info.captured_at, zone)}"
            if info.from_device
            else f"the parker's document: {info.description}"
        ),
        facts=f"{hash_words(photo, zone)} {round(info.size_bytes / 1024):,} kB.",
        verified=photo.verified,
        ref=info.id,
        media_type=info.media_type,
    )


def decoded(item: EvidenceItem) -> EvidenceItem:
    """``item`` with its picture decoded: call it where the bytes were read, off the GUI
    thread (a QImage, unlike a QPixmap, may be made there). A file that fails its
    fingerprint is never decoded."""
    if not item.verified or item.image is not None:
        return item
    return replace(item, image=QImage.fromData(item.content))


def pages(item: EvidenceItem) -> list[EvidenceItem]:
    """A PDF as one item per page, each drawn (off the GUI thread, like :func:`decoded`);
    any other file as itself, decoded. A PDF that fails its fingerprint, or that cannot
    be read, stays one item the viewer shows a banner for."""
    if item.media_type != "application/pdf" or not item.verified:
        return [decoded(item)]
    try:
        drawn = render_pages(item.content, PDF_DPI)
    except Exception:  # a damaged PDF: said on the banner, never a traceback
        return [item]
    shown = drawn[:PDF_PAGES]
    more = f" (the first {PDF_PAGES} of its {len(drawn)} pages)" if len(drawn) > PDF_PAGES else ""
    return [
        replace(
            item,
            title=f"{item.title}, page {number} of {len(drawn)}{more}",
            image=QImage(raw, width, height, width * 3, QImage.Format.Format_RGB888).copy(),
        )
        for number, (width, height, raw) in enumerate(shown, start=1)
    ]


def evidence_items(photos: Iterable[PhotoContent], zone: str) -> list[EvidenceItem]:
    """A case's photos and documents as the viewer shows them, each decoded and each PDF
    drawn page by page: call it where the bytes were read, off the GUI thread."""
    return [page for photo in photos for page in pages(photo_evidence(photo, zone))]


def index_of(items: Sequence[EvidenceItem], ref: int) -> int:
    """Where the viewer starts for evidence row ``ref`` (a PDF's first page)."""
    return next((i for i, item in enumerate(items) if item.ref == ref), 0)


class _Canvas(QGraphicsView):
    """The photo: the wheel zooms about the pointer, a drag pans."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceCanvas")
        # Grey about the picture: a white page of a PDF shows where it ends.
        self.setBackgroundBrush(QColor("#d1d5db"))
        self.setScene(QGraphicsScene(self))
        self.pixmap = QGraphicsPixmapItem()
        self.pixmap.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.pixmap)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.zoom = 1.0
        self.rotation = 0

    def show_image(self, image: QImage) -> None:
        self.pixmap.setPixmap(QPixmap.fromImage(image))
        self.pixmap.setTransformOriginPoint(self.pixmap.boundingRect().center())
        self.rotation = 0
        self.pixmap.setRotation(0)
        self.fit()

    def fit(self) -> None:
        self.scene().setSceneRect(self.pixmap.sceneBoundingRect())
        self.fitInView(self.pixmap, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom = self.transform().m11() or 1.0

    def zoom_by(self, factor: float) -> None:
        low, high = ZOOM_RANGE
        wanted = min(max(self.zoom * factor, low), high)
        self.scale(wanted / self.zoom, wanted / self.zoom)
        self.zoom = wanted

    def rotate_quarter(self) -> None:
        self.rotation = (self.rotation + 90) % 360
        self.pixmap.setRotation(self.rotation)
        self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom_by(ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP)
        event.accept()


class EvidenceViewer(QDialog):
    """The photos of one case, one at a time."""

    def __init__(
        self,
        items: Sequence[EvidenceItem],
        index: int = 0,
        *,
        title: str = "Photo",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("photoViewer")
        self.items, self.index, self.kind = list(items), 0, title
        self.canvas = _Canvas()
        self.banner = label(MISMATCH, name="evidenceMismatch", wrap=True)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setStyleSheet(
            "background: #fdecea; color: #b91c1c; font-size: 13pt; font-weight: 600; "
            "border: 1px solid #f5c2c0; padding: 24px;"
        )
        self.view = stack(self.canvas, self.banner)
        self.view.setMinimumSize(720, 480)
        self.hash_label = label(name="photoHash", wrap=True, plain=True)
        self.previous_button = button("◀ Previous", lambda: self.show_item(self.index - 1),
                                      tip="The previous photo (Page Up)")  # fmt: skip
        self.next_button = button("Next ▶", lambda: self.show_item(self.index + 1),
                                  tip="The next photo (Page Down)")  # fmt: skip
        #: What works on a picture shown (not on the banner that replaces one).
        self.picture_tools = (
            button("Fit", self.canvas.fit, tip="The whole photo in the window (0)"),
            button("Zoom in", lambda: self.canvas.zoom_by(ZOOM_STEP), tip="Zoom in (+)"),
            button("Zoom out", lambda: self.canvas.zoom_by(1 / ZOOM_STEP), tip="Zoom out (-)"),
            button("Rotate", self.canvas.rotate_quarter, tip="Turn a quarter to the right (R)"),
        )
        tools = hbox(
            self.previous_button,
            self.next_button,
            STRETCH,
            *self.picture_tools,
            button("Full screen", self.toggle_full_screen, tip="Full screen (F11)"),
            spacing=6,
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        vbox(tools, (self.view, 1), self.hash_label, buttons, margins=12, spacing=8, parent=self)
        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, lambda: self.canvas.zoom_by(ZOOM_STEP)),
            (QKeySequence.StandardKey.ZoomOut, lambda: self.canvas.zoom_by(1 / ZOOM_STEP)),
            ("0", self.canvas.fit),
            ("R", self.canvas.rotate_quarter),
            ("F11", self.toggle_full_screen),
            ("PgUp", lambda: self.show_item(self.index - 1)),
            ("PgDown", lambda: self.show_item(self.index + 1)),
        ):
            desk_action(self, "", keys, slot)
        self.show_item(index)

    @property
    def item(self) -> EvidenceItem:
        return self.items[self.index]

    def show_item(self, index: int) -> None:
        if not self.items or not 0 <= index < len(self.items):
            return
        self.index = index
        item = self.item
        self.setWindowTitle(f"{self.kind} {index + 1} of {len(self.items)} — {item.title}")
        self.hash_label.setText(item.facts)
        self.hash_label.setStyleSheet("" if item.verified else "color: #b91c1c; font-weight: 600;")
        image = QImage()
        if item.verified:
            image = item.image if item.image is not None else QImage.fromData(item.content)
        if item.verified and not image.isNull():
            self.canvas.show_image(image)
            self.view.setCurrentWidget(self.canvas)
        else:
            self.banner.setText(
                MISMATCH
                if not item.verified
                else "This file cannot be shown: it is damaged or not a photo or PDF."
            )
            self.view.setCurrentWidget(self.banner)
        for tool in self.picture_tools:
            tool.setEnabled(self.view.currentWidget() is self.canvas)
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(self.items) - 1)

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self.canvas.fit()
