"""Table models and views of the desk kit: the read-only base every list model shares
(fixed headers, no children) and column sizing from sample values."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QTableView

_Index = QModelIndex | QPersistentModelIndex


class ReadOnlyTableModel(QAbstractTableModel):
    """Subclasses set ``HEADERS`` and implement ``rowCount`` and ``data``."""

    HEADERS: tuple[str, ...] = ()

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )


def fit_columns(
    view: QTableView, samples: dict[int, list[str]], *, stretch: int, padding: int = 26
) -> None:
    """Give each column room for its title and sample values; ``stretch`` takes the rest.

    ``padding`` covers the cell padding of the style sheet (8 px a side), the style's own
    margins and the grid line.
    """
    view.ensurePolished()
    header = view.horizontalHeader()
    header.ensurePolished()
    bold = QFont(header.font())
    bold.setBold(True)  # the style sheet's column titles are bold
    title_metrics, body_metrics = QFontMetrics(bold), view.fontMetrics()
    model = view.model()
    for column, texts in samples.items():
        title = str(model.headerData(column, Qt.Orientation.Horizontal))
        width = max(
            [title_metrics.horizontalAdvance(title)]
            + [body_metrics.horizontalAdvance(text) for text in texts]
        )
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, width + padding)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    header.setStretchLastSection(False)
