"""The cash drawer desk's shared words, colours and small widgets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.services.documents import Office
from desktop.services.localization import format_recent

_Index = QModelIndex | QPersistentModelIndex


PAGE_SIZE = 100


#: Role that hands back the shift id of a history row.
SHIFT_ID_ROLE = Qt.ItemDataRole.UserRole + 1


SHORT_COLOUR = "#b42318"


OVER_COLOUR = "#b54708"


BALANCED_COLOUR = "#067647"


MUTED_COLOUR = "#5b6577"


#: The largest amount a drawer's columns make room for.
MOST = Decimal("-8888.88")


FALLBACK_OFFICE = Office(name="", currency="USD", time_zone="UTC", receipt_footer="")


def short_local(at: datetime, time_zone: str) -> str:
    """'21 Nov 14:05' in the office's zone (the year too when it is not this year); table
    cells use it, their tooltips the full :func:`format_local`."""
    return format_recent(at, time_zone)


def variance_colour(variance: Decimal) -> str:
    if variance < 0:
        return SHORT_COLOUR
    if variance > 0:
        return OVER_COLOUR
    return BALANCED_COLOUR


def _payments_words(count: int) -> str:
    return "no payments yet" if count == 0 else f"{count} payment{'' if count == 1 else 's'}"


def _title_label(text: str = "") -> QLabel:
    label = QLabel(text)
    # Inline because the application style sheet sets every widget's font size.
    label.setStyleSheet("font-size: 13pt; font-weight: 600; color: #111827;")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("formError")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


class _Pages(QWidget):
    """Shows one of its pages at a time and is exactly as tall as that page (a stacked
    widget is as tall as its tallest page, wrapped text included)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._pages: list[QWidget] = []
        self._current: QWidget | None = None

    def addWidget(self, page: QWidget) -> None:
        self._pages.append(page)
        self._layout.addWidget(page)
        page.setVisible(self._current is None)
        if self._current is None:
            self._current = page

    def setCurrentWidget(self, page: QWidget) -> None:
        self._current = page
        for other in self._pages:
            other.setVisible(other is page)

    def currentWidget(self) -> QWidget | None:
        return self._current
