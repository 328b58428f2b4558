"""The plates checked this session, newest first: choosing one checks it again."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidgetItem, QWidget

from desktop.services.platecheck import PlateQuery, PlateVerdict, format_clock, format_moment
from desktop.views.kit.layout import Stretch, label, vbox
from desktop.views.plate_check.card import side_list, verdict_icon

HISTORY_SIZE = 20


class HistoryPanel(QWidget):
    """The last checks the person asked for, with their verdicts (re-checks are not added)."""

    #: A check was chosen from the list (its :class:`PlateQuery`): ask it again.
    chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.checks = side_list(self, "checkHistory", "Plates checked this session", chosen=True)
        self.checks.setToolTip("Click a plate, or press Enter on it, to check it again.")
        self.checks.hide()
        self.empty = label(
            "Plates you check appear here; choose one to check it again.", name="hint", wrap=True
        )
        title = label("Checked this session", name="sectionTitle")
        vbox(title, self.empty, (self.checks, 1), Stretch(0), spacing=6, parent=self)
        self.checks.itemActivated.connect(self._chosen)
        self.checks.itemClicked.connect(self._chosen)

    def remember(self, verdict: PlateVerdict) -> None:
        query = verdict.query
        where = f", lot {query.lot_code}" if query.lot_code else ""
        zone = verdict.office_zone
        when = f", for {format_moment(query.at, zone)}" if query.at is not None else ""
        item = QListWidgetItem(
            verdict_icon(verdict.tone),
            f"{format_clock(verdict.checked_at, zone)}   {verdict.plate_display}\n"
            f"{verdict.title}{where}{when}",
        )
        item.setData(Qt.ItemDataRole.UserRole, query)
        item.setToolTip(verdict.reason)
        self.checks.insertItem(0, item)
        while self.checks.count() > HISTORY_SIZE:
            self.checks.takeItem(self.checks.count() - 1)
        self.empty.hide()
        self.checks.show()

    def _chosen(self, item: QListWidgetItem) -> None:
        query = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(query, PlateQuery):
            self.chosen.emit(query)
