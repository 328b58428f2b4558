"""The plate's citations beside its verdict, for the desks that answer disputes (the
counter, adjudicators, managers): each opens its case timeline — the permits, reads,
photos, money and appeals around it — so a parker at the window who says "I had a permit"
is answered from the plate check itself (SPEC rule 13)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidgetItem, QWidget

from desktop.services.citations import CitationRow
from desktop.services.localization import format_money
from desktop.views.kit.layout import label, vbox
from desktop.views.plate_check.card import side_list
from desktop.views.plate_check.reads import when_words


class PlateCitationsPanel(QWidget):
    """The latest citations of the plate on screen; Enter or a double-click opens one's
    case timeline."""

    #: A citation was chosen: its id and number.
    chosen = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plateCitations")
        self.currency = "USD"
        self.title = label("Citations", name="sectionTitle")
        self.citations = side_list(
            self, "plateCitationList", "The plate's citations: Enter opens the case timeline",
            chosen=True,
        )  # fmt: skip
        self.citations.setToolTip("Double-click a citation (or press Enter) for its case timeline")
        self.citations.itemActivated.connect(self._activated)
        self.empty = label("", name="hint", wrap=True)
        vbox(self.title, self.empty, (self.citations, 1), spacing=6, parent=self)
        self.clear()

    def clear(self) -> None:
        self.citations.clear()
        self.citations.hide()
        self.empty.setText("The citations of the plate you check appear here.")
        self.empty.show()

    def show_citations(
        self, plate: str, rows: list[CitationRow], currency: str, zone: str | None = None
    ) -> None:
        self.currency = currency
        self.citations.clear()
        for row in rows:
            owed = (
                f"owes {format_money(row.balance, currency)}"
                if row.balance > 0
                else row.status_title.lower()
            )
            item = QListWidgetItem(
                f"{when_words(row.issued_at, zone)}   {row.number}\n"
                f"{row.violation_code} {row.violation} · {row.lot_code} · {owed}"
            )
            item.setData(Qt.ItemDataRole.UserRole, (row.id, row.number))
            item.setToolTip(
                f"{row.violation} in {row.lot_name}, by {row.officer}: {row.status_title}. "
                "Double-click for the case timeline."
            )
            self.citations.addItem(item)
        self.citations.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self.empty.setText(f"{plate} has no citations.")

    def _activated(self, item: QListWidgetItem) -> None:
        citation_id, number = item.data(Qt.ItemDataRole.UserRole)
        self.chosen.emit(int(citation_id), str(number))
