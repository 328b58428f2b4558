"""The plate's latest reads by officers' devices, beside its verdict: when and where it
was seen, by which device and officer, and what it was told then (SPEC "Plate check")."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from desktop.services.platecheck import VERDICT_TONES, ReadSeen
from desktop.views.kit.layout import label, vbox
from desktop.views.plate_check.card import verdict_icon

_STYLE = """
QLabel#sectionTitle { color: #374151; font-weight: 600; }
QListWidget#recentReads { background: #ffffff; border: 1px solid #dde2e9; border-radius: 4px; }
QListWidget#recentReads::item { padding: 5px 4px; }
"""


def _when(moment: datetime) -> str:
    local = moment.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b} {local:%H:%M}"


class RecentReadsPanel(QWidget):
    """The reads of the plate on screen, newest first (the last 90 days)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(_STYLE)
        self.title = label("Read by devices", name="sectionTitle")
        self.reads = QListWidget()
        self.reads.setObjectName("recentReads")
        self.reads.setAccessibleName("The plate's latest reads by officers' devices")
        self.reads.setIconSize(QSize(16, 16))
        self.reads.setWordWrap(True)
        self.reads.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.reads.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.reads.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.empty = label("", name="hint", wrap=True)
        vbox(self.title, self.empty, (self.reads, 1), spacing=6, parent=self)
        self.setMinimumWidth(210)
        self.setMaximumWidth(320)
        self.clear()

    def clear(self) -> None:
        self.reads.clear()
        self.reads.hide()
        self.empty.setText("The reads of the plate you check appear here.")
        self.empty.show()

    def show_reads(self, plate: str, reads: list[ReadSeen]) -> None:
        self.reads.clear()
        for seen in reads:
            item = QListWidgetItem(
                verdict_icon(VERDICT_TONES.get(seen.verdict, "caution")),
                f"{_when(seen.read_at)}   {seen.place}\n"
                f"{seen.verdict_title} · {seen.device} · {seen.officer}",
            )
            item.setToolTip(
                f"Read {seen.read_at.astimezone():%d %b %Y %H:%M:%S} by {seen.officer} with "
                f"{seen.device}" + (", with a photo" if seen.has_photo else "")
            )
            self.reads.addItem(item)
        self.reads.setVisible(bool(reads))
        self.empty.setVisible(not reads)
        self.empty.setText(f"No device has read {plate} in the last 90 days.")
