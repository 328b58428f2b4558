"""The plate's latest reads by officers' devices, beside its verdict: when and where it
was seen, by which device and officer, and what it was told then (SPEC "Plate check")."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QListWidgetItem, QWidget

from desktop.services.localization import MONTHS, format_day, on_clock
from desktop.services.platecheck import VERDICT_TONES, ReadSeen, format_clock
from desktop.views.kit.layout import label, vbox
from desktop.views.plate_check.card import side_list, verdict_icon


def when_words(moment: datetime, zone: str | None = None) -> str:
    """ "14:05" today, else "3 Dec 14:05", on the office's clock (``zone``; this computer's
    when None)."""
    local = on_clock(moment, zone)
    if local.date() == datetime.now(local.tzinfo).date():
        return f"{local:%H:%M}"
    return f"{local.day} {MONTHS[local.month - 1]} {local:%H:%M}"


class RecentReadsPanel(QWidget):
    """The reads of the plate on screen, newest first (the last 90 days)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("Read by devices", name="sectionTitle")
        self.reads = side_list(
            self, "recentReads", "The plate's latest reads by officers' devices", chosen=False
        )
        self.empty = label("", name="hint", wrap=True)
        box = vbox(self.title, self.empty, (self.reads, 1), spacing=6, parent=self)
        # While there are no reads, the words sit under the title and the room is left
        # below them (a spacer with no stretch takes only what the list does not).
        box.addStretch(0)
        self.clear()

    def clear(self) -> None:
        self.reads.clear()
        self.reads.hide()
        self.empty.setText("The reads of the plate you check appear here.")
        self.empty.show()

    def show_reads(self, plate: str, reads: list[ReadSeen], zone: str | None = None) -> None:
        self.reads.clear()
        for seen in reads:
            item = QListWidgetItem(
                verdict_icon(VERDICT_TONES.get(seen.verdict, "caution")),
                f"{when_words(seen.read_at, zone)}   {seen.place}\n"
                f"{seen.verdict_title} · {seen.device} · {seen.officer}",
            )
            item.setToolTip(
                f"Read {format_day(on_clock(seen.read_at, zone).date())} "
                f"{format_clock(seen.read_at, zone, seconds=True)} by {seen.officer} with "
                f"{seen.device}" + (", with a photo" if seen.has_photo else "")
            )
            self.reads.addItem(item)
        self.reads.setVisible(bool(reads))
        self.empty.setVisible(not reads)
        self.empty.setText(f"No device has read {plate} in the last 90 days.")
