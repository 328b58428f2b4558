"""One citation's page: what was cited, where and by whom, its photos (each checked
against its recorded hash as it is shown), its fine's history and where it stands."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from desktop.services.citations import CitationDetail, CitationService, PhotoContent, PhotoInfo
from desktop.services.localization import format_day, format_day_time, format_local, format_money
from desktop.views.citations.lists import STATUS_COLOURS, FineLinesModel, Office
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.evidence_viewer import (
    EvidenceItem,
    EvidenceViewer,
    evidence_items,
    hash_words,
    index_of,
)
from desktop.views.kit.layout import STRETCH, field_grid, hbox, label, scrolled, stack, vbox
from desktop.views.kit.table_view import DeskTable
from desktop.views.kit.widgets import EmptyState

#: Thumbnails in the photo strip.
THUMB = QSize(168, 112)


def _fact(caption: str, name: str) -> tuple[QWidget, QLabel]:
    """A caption over a selectable value (the value label is named for tests and styles)."""
    value = label(name=name, wrap=True, plain=True)
    value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box = QWidget()
    vbox(label(caption, name="factCaption"), value, spacing=2, parent=box)
    return box, value


class CitationPage(QWidget):
    """The page of the citation chosen in the list (or a line saying to choose one)."""

    #: A photo was opened (its viewer or document preview).
    photo_opened = Signal(object)
    #: Every photo of the page has been fetched and checked.
    photos_checked = Signal()

    def __init__(self, office: Office, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("citationPage")
        self.service, self.runner = office.service, office.runner
        self.currency, self.zone = office.currency, office.zone
        self.detail: CitationDetail | None = None
        self.photos: dict[int, PhotoContent] = {}

        self.title = label(name="citationTitle", style="font-size: 15pt; font-weight: 600;")
        self.status = label(name="citationStatus", style="font-size: 11pt; font-weight: 600;")
        self.owed = label(name="citationOwed", style="font-size: 11pt;")
        facts = {
            "plate": "Plate",
            "vehicle": "Vehicle",
            "violation": "Violation",
            "place": "Where",
            "issued": "Issued",
            "officer": "Officer and device",
            "due": "Due",
            "parker": "Registered to",
        }
        boxes = {key: _fact(caption, f"fact_{key}") for key, caption in facts.items()}
        self.facts = {key: value for key, (_box, value) in boxes.items()}
        grid = field_grid(
            *(
                [boxes[a][0], boxes[b][0]]
                for a, b in (
                    ("plate", "vehicle"),
                    ("violation", "place"),
                    ("issued", "officer"),
                    ("due", "parker"),
                )
            ),
            vertical=10,
        )
        self.note = label(name="citationNote", wrap=True, plain=True)
        self.void_note = label(name="citationVoid", wrap=True, plain=True)
        self.void_note.setStyleSheet("color: #5b6577;")

        self.photo_list = QListWidget()
        self.photo_list.setObjectName("citationPhotos")
        self.photo_list.setViewMode(QListView.ViewMode.IconMode)
        self.photo_list.setIconSize(THUMB)
        self.photo_list.setFlow(QListView.Flow.LeftToRight)
        self.photo_list.setWrapping(False)
        self.photo_list.setMovement(QListView.Movement.Static)
        self.photo_list.setGridSize(QSize(THUMB.width() + 24, THUMB.height() + 30))
        self.photo_list.setSpacing(6)
        self.photo_list.setFixedHeight(THUMB.height() + 52)
        self.photo_list.itemActivated.connect(self._open_photo)
        self.no_photos = label("No photos were attached.", name="hint")

        self.lines_model = FineLinesModel(office, parent=self)
        self.lines_view = DeskTable(self.lines_model)
        self.lines_view.setObjectName("fineHistory")

        self.content = QWidget()
        vbox(
            hbox(self.title, self.status, STRETCH, self.owed, spacing=12),
            grid,
            self.note,
            self.void_note,
            label("Photos", name="sectionTitle"),
            self.photo_list,
            self.no_photos,
            label("Fine and payments", name="sectionTitle"),
            (self.lines_view, 1),
            spacing=8,
            parent=self.content,
        )
        self.empty = EmptyState(
            "Choose a citation",
            "Search by citation number or plate above, then choose a citation to see its "
            "photos, its fine and its payments.",
        )
        # Scrolled, so a short window keeps room for the list above it.
        self.content_area = scrolled(self.content)
        self.pages = stack(self.empty, self.content_area)
        vbox(self.pages, parent=self)
        self.setStyleSheet(
            "#factCaption { color: #5b6577; } "
            "#sectionTitle { font-weight: 600; color: #111827; margin-top: 6px; }"
        )

    def clear(self) -> None:
        self.detail = None
        self.pages.setCurrentWidget(self.empty)

    def show_detail(self, detail: CitationDetail) -> None:
        """Show ``detail``; its photos are fetched and checked off the GUI thread."""
        same = self.detail is not None and self.detail.row.id == detail.row.id
        self.detail = detail
        row, zone = detail.row, self.zone()
        self.title.setText(f"Citation {row.number}")
        self.status.setText(row.status_title)
        colour = STATUS_COLOURS.get(row.status, "#1d4ed8")
        self.status.setStyleSheet(f"font-size: 11pt; font-weight: 600; color: {colour};")
        owed = format_money(row.balance, self.currency())
        if row.status in {"open", "past_due", "collections"}:
            due = format_money(detail.amount_due, self.currency())
            self.owed.setText(f"Owed {owed}" + (f" · {due} if paid today" if due != owed else ""))
        else:
            self.owed.setText(f"Fine {format_money(row.fine, self.currency())}")
        vehicle = " ".join(p for p in (detail.colour, detail.make) if p)
        values = {
            "plate": f"{row.jurisdiction} {row.plate}",
            "vehicle": vehicle or "Not noted",
            "violation": f"{row.violation_code} — {row.violation}",
            "place": row.lot_name + (f", zone {detail.zone}" if detail.zone else ""),
            "issued": format_local(row.issued_at, zone),
            "officer": f"{row.officer} with {detail.device} (call {detail.device_seq})",
            "due": format_day(row.due_on),
            "parker": detail.parker_name or "Not a registered vehicle",
        }
        for key, text in values.items():
            self.facts[key].setText(text)
        self.note.setText(f"Officer's note: {detail.note}" if detail.note else "")
        self.note.setVisible(bool(detail.note))
        void = ""
        if detail.voided_at is not None:
            void = (
                f"Voided {format_local(detail.voided_at, zone)} by {detail.voided_by}: "
                f"{detail.void_reason}"
            )
        elif detail.collections_at is not None:
            void = f"Sent to collections {format_local(detail.collections_at, zone)}."
        self.void_note.setText(void)
        self.void_note.setVisible(bool(void))
        self.lines_model.set_rows(detail.lines)
        self.pages.setCurrentWidget(self.content_area)
        if not same:
            self._show_photos(detail.photos)

    def _show_photos(self, photos: tuple[PhotoInfo, ...]) -> None:
        self.photo_list.clear()
        self.photos = {}
        self.no_photos.setVisible(not photos)
        self.photo_list.setVisible(bool(photos))
        service = self.service
        for info in photos:
            item = QListWidgetItem("Checking…")
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            item.setToolTip(f"{info.media_type}, {info.size_bytes:,} bytes")
            self.photo_list.addItem(item)
            self.runner.run_for(
                self,
                partial(_checked_with_thumbnail, service, info.id),
                self._photo_arrived,
                lambda _exc: None,
            )
        if not photos:
            self.photos_checked.emit()

    def _photo_arrived(self, answer: tuple[PhotoContent, QImage]) -> None:
        photo, thumbnail = answer
        for index in range(self.photo_list.count()):
            item = self.photo_list.item(index)
            if item.data(Qt.ItemDataRole.UserRole) != photo.info.id:
                continue
            self.photos[photo.info.id] = photo
            if not thumbnail.isNull():
                item.setIcon(QIcon(QPixmap.fromImage(thumbnail)))
            item.setText(
                ("✓ " if photo.verified else "✗ ")
                + ("PDF document, " if photo.info.media_type == "application/pdf" else "")
                + format_day_time(photo.info.captured_at, self.zone())
            )
            item.setToolTip(hash_words(photo, self.zone()))
            if not photo.verified:
                item.setForeground(Qt.GlobalColor.red)
        if len(self.photos) == self.photo_list.count():
            self.photos_checked.emit()

    def _open_photo(self, item: QListWidgetItem) -> None:
        """The citation's photos and documents in the evidence viewer, from the one
        chosen; drawn off the GUI thread (a PDF page by page)."""
        chosen = int(item.data(Qt.ItemDataRole.UserRole))
        if chosen not in self.photos:
            return
        order = [
            int(self.photo_list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.photo_list.count())
        ]
        photos = [self.photos[i] for i in order if i in self.photos]
        zone = self.zone()

        def opened(items: list[EvidenceItem]) -> None:
            viewer = EvidenceViewer(
                items, index_of(items, chosen), title="Citation evidence", parent=self
            )
            open_dialog(viewer, self.photo_opened)

        self.runner.run_for(self, lambda: evidence_items(photos, zone), opened)


def _checked_with_thumbnail(
    service: CitationService, evidence_id: int
) -> tuple[PhotoContent, QImage]:
    """A photo's bytes re-hashed, and its thumbnail: read and drawn off the GUI thread. A
    file that fails its fingerprint gets no thumbnail."""
    photo = service.photo(evidence_id)
    thumbnail = QImage()
    if photo.verified and photo.info.media_type.startswith("image/"):
        image = QImage.fromData(photo.content)
        if not image.isNull():
            thumbnail = image.scaled(
                THUMB,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
    return photo, thumbnail
