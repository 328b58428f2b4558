"""A desk's list as a person meets it: sorted by a click on a column title, its highlighted
row read and set by key (through any sort proxy), and a message in its place when there is
nothing to list (:class:`Listing`).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractItemModel, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QStackedWidget, QTableView

from desktop.views.kit.tables import KEY_ROLE, SORT_ROLE, DeskTable, RowsModel
from desktop.views.kit.widgets import EmptyState

R = TypeVar("R")


def plain_table(view: DeskTable) -> DeskTable:
    """No grid, column titles on the left: how a desk's lists look."""
    view.setShowGrid(False)
    view.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    return view


def sorted_table(
    model: RowsModel[Any], name: str, *, column: int = 0
) -> tuple[DeskTable, QSortFilterProxyModel]:
    """A plain table named ``name`` showing ``model`` sorted by ``column``, and its proxy."""
    proxy = QSortFilterProxyModel(model)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    view = plain_table(DeskTable())
    view.setObjectName(name)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    return view, proxy


def selected_row(view: QTableView, model: RowsModel[R]) -> R | None:
    """The row of ``model`` (its dataclass) highlighted in ``view``, or None."""
    rows = view.selectionModel().selectedRows()
    if not rows:
        return None
    index, shown = rows[0], view.model()
    while isinstance(shown, QSortFilterProxyModel):
        index, shown = shown.mapToSource(index), shown.sourceModel()
    return model.row_at(index.row())


def selected_key(view: QTableView) -> Any:
    """The key (``RowsModel(key=...)``) of the highlighted row, or None."""
    rows = view.selectionModel().selectedRows()
    return rows[0].data(KEY_ROLE) if rows else None


def select_key(view: QTableView, key: Hashable | None) -> bool:
    """Highlight the row with ``key`` and scroll to it; False when it is not listed."""
    proxies: list[QSortFilterProxyModel] = []
    model: QAbstractItemModel = view.model()
    while isinstance(model, QSortFilterProxyModel):
        proxies.append(model)
        model = model.sourceModel()
    row = model.row_of(key) if isinstance(model, RowsModel) and key is not None else None
    if row is None:
        return False
    index = model.index(row, 0)
    for proxy in reversed(proxies):
        index = proxy.mapFromSource(index)
    if not index.isValid():
        return False
    view.selectRow(index.row())
    view.scrollTo(index)
    return True


class Listing(QStackedWidget):
    """A table, or in its place a message saying why there is nothing to list."""

    def __init__(self, table: QTableView) -> None:
        super().__init__()
        self.table = table
        self.empty = EmptyState("", "")
        self.addWidget(table)
        self.addWidget(self.empty)

    def show_table(self) -> None:
        self.setCurrentWidget(self.table)

    def show_empty(self, title: str, text: str) -> None:
        self.empty.title.setText(title)
        self.empty.text.setText(text)
        self.setCurrentWidget(self.empty)
