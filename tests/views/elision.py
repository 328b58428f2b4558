"""Which cells and column titles of a list are cut short ("$200.0", "Awaiting sig…")."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRect, QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QTableView

#: The style sheet pads cells and titles by 8 px a side; the style adds its margins.
PADDING = 18
WORD_WRAP = int(Qt.TextFlag.TextWordWrap)


def cut_texts(view: QTableView, rows: Iterable[int] | None = None) -> list[str]:
    """Texts of visible columns (titles, and the cells of ``rows``, else the first 50) that
    do not fit their column; a stretching column counts with the width it has. Cells of a
    column that gives way in a narrow window (a name its tooltip shows whole) may be cut;
    its title may not."""
    model = view.model()
    header = view.horizontalHeader()
    bold = QFont(header.font())
    bold.setBold(True)
    titles, body = QFontMetrics(bold), view.fontMetrics()
    source = model.sourceModel() if isinstance(model, QSortFilterProxyModel) else model
    cut: list[str] = []
    for column in range(model.columnCount()):
        if view.isColumnHidden(column):
            continue
        width = header.sectionSize(column)
        title = str(source.headerData(column, Qt.Orientation.Horizontal) or "")
        if titles.horizontalAdvance(title) + PADDING > width:
            cut.append(f"title {title!r} in {width}px")
        declared = getattr(source, "columns", None)
        if declared is not None and getattr(declared[column], "give_way", False):
            continue
        wraps = declared is not None and getattr(declared[column], "wrap", False)
        for row in range(min(model.rowCount(), 50)) if rows is None else rows:
            index = model.index(row, column)
            text = index.data()
            font = index.data(Qt.ItemDataRole.FontRole)
            metrics = QFontMetrics(font) if isinstance(font, QFont) else body
            if not text:
                continue
            if wraps:
                # On as many lines as it takes: cut only if the row is not tall enough.
                lines = metrics.boundingRect(
                    QRect(0, 0, width - PADDING, 100_000), WORD_WRAP, str(text)
                )
                if lines.width() > width - PADDING or lines.height() > view.rowHeight(row):
                    cut.append(f"{title}: {text!r} in {width}px x {view.rowHeight(row)}px")
            elif metrics.horizontalAdvance(str(text)) + PADDING > width:
                cut.append(f"{title}: {text!r} in {width}px")
    return cut
