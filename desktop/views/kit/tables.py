"""Lists as declarations: columns as data, one in-memory model, one lazily paged model.

A desk declares its columns — a title, how a row reads in it, how it lines up, what it
sorts by, what it must have room for — and hands rows (frozen service dataclasses) to
:class:`RowsModel`, or a page fetcher to :class:`PagedRowsModel` for a list that can grow
without bound. The table that shows them (:mod:`desktop.views.kit.table_view`) sizes its
columns from the same declarations, so no desk measures columns by hand. Compare Anki's
browser table, where columns are data too.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QWidget,
)

from desktop.services.errors import KnownError
from desktop.services.localization import format_local, format_money, format_recent
from desktop.views.kit.operations import OperationRunner

R = TypeVar("R")
C = TypeVar("C")
_Index = QModelIndex | QPersistentModelIndex

#: What a row sorts by in a column (a proxy model sorts on this role).
SORT_ROLE = Qt.ItemDataRole.UserRole
#: The row's key (``RowsModel(key=...)``), for keeping a selection across reloads.
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
#: Rows that no longer count (cancelled, inactive, removed) are greyed.
DIMMED_COLOUR = "#8a94a6"
#: Cell padding of the style sheet (8 px a side), the style's margins and the grid line.
CELL_PADDING = 26
#: The narrowest a wrapping column gets (px): a few words a line.
WRAP_LEAST = 130

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter)


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its title and how a row reads in it.

    ``samples`` are texts the column must show whole (the widest sets its width; a
    callable is asked when the table is shown, so money follows the office's currency);
    a row wider still widens a column that does not give way.
    One column of a table may ``stretch`` to take the room left. When the window is too
    narrow for every sample, the columns that may ``give_way`` (names that a tooltip
    can show whole) narrow first, never below their title; the others keep their width.
    A column that may ``wrap`` (a sentence to be read, not scanned) narrows the same way
    but is never cut: its text goes on to more lines and the row grows to hold it.
    """

    title: str
    text: Callable[[R], str | None]
    tooltip: Callable[[R], str | None] | None = None
    align: str = "left"  # "left", "right" (amounts) or "centre"
    sort: Callable[[R], Any] | None = None
    colour: Callable[[R], str | None] | None = None
    bold: Callable[[R], bool] | None = None
    samples: Sequence[str] | Callable[[], Sequence[str]] = ()
    stretch: bool = False
    give_way: bool = False
    wrap: bool = False
    #: What the column title means, when the title alone may not say it.
    header_tip: str | None = None

    def sample_texts(self) -> Sequence[str]:
        return self.samples() if callable(self.samples) else self.samples


def money_column(
    title: str,
    amount: Callable[[R], Decimal | None],
    currency: Callable[[], str],
    *,
    words: Callable[[R, str], str] | None = None,
    colour: Callable[[R], str | None] | None = None,
    largest: Decimal = Decimal("-99999.99"),
) -> Column[R]:
    """An amount in the office's currency, right-aligned, sorted by value, with room for
    ``largest`` (and what ``words`` adds to the formatted amount)."""

    def text(row: R) -> str:
        value = amount(row)
        if value is None:
            return ""
        shown = format_money(value, currency())
        return words(row, shown) if words is not None else shown

    def samples() -> Sequence[str]:
        return [format_money(largest, currency())]

    return Column(
        title,
        text,
        align="right",
        sort=lambda row: amount(row) or Decimal(0),
        colour=colour,
        samples=samples,
    )


def time_column(
    title: str,
    when: Callable[[R], datetime | None],
    words: Callable[[datetime], str],
    *,
    sample: str = "30 Sep 2026 14:05 EDT",
    tooltip: Callable[[R], str | None] | None = None,
) -> Column[R]:
    """A moment in words (``words`` says it in the office's zone), sorted by time."""

    def text(row: R) -> str:
        moment = when(row)
        return words(moment) if moment is not None else ""

    def sort(row: R) -> float:
        moment = when(row)
        return moment.timestamp() if moment is not None else float("-inf")

    return Column(title, text, tooltip=tooltip, sort=sort, samples=(sample,))


def recent_column(title: str, when: Callable[[R], datetime], zone: Callable[[], str]) -> Column[R]:
    """A moment as a list says it in the office's time zone ``zone()`` (the year only when
    it is not this one), in full in its tooltip."""
    return time_column(
        title,
        when,
        lambda at: format_recent(at, zone()),
        sample="30 Sep 2025 14:05",
        tooltip=lambda row: format_local(when(row), zone()),
    )


def badge_column(
    title: str,
    key: Callable[[R], str],
    titles: dict[str, str],
    *,
    colours: dict[str, str] | None = None,
    tooltip: Callable[[R], str | None] | None = None,
) -> Column[R]:
    """A status from a fixed set, shown in words (never the key), optionally coloured."""
    palette = colours or {}
    return Column(
        title,
        lambda row: titles.get(key(row), key(row).replace("_", " ").capitalize()),
        tooltip=tooltip,
        colour=lambda row: palette.get(key(row)),
        samples=tuple(titles.values()),
    )


class RowsModel(QAbstractTableModel, Generic[R]):
    """Rows the desk already has (a parker's permits, the staff list): no paging here.
    Fixed headers, no children, read-only cells."""

    def __init__(
        self,
        columns: Sequence[Column[R]],
        *,
        key: Callable[[R], Hashable] | None = None,
        dimmed: Callable[[R], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.HEADERS = tuple(c.title for c in self.columns)
        self._key = key
        self._dimmed = dimmed
        self._rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        """Show ``rows``; the same rows again leave the view (and its selection) alone."""
        if list(rows) == self._rows:
            return
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[R]:
        return list(self._rows)

    def row(self, number: int) -> R:
        return self._rows[number]

    def row_at(self, number: int) -> R | None:
        return self._rows[number] if 0 <= number < len(self._rows) else None

    def row_of(self, key: Hashable) -> int | None:
        """The row number of the row with ``key``, or None when it is not (or no longer) shown."""
        if self._key is None:
            raise TypeError("this model was made without a key")
        for number, row in enumerate(self._rows):
            if self._key(row) == key:
                return number
        return None

    def column_of(self, title: str) -> int:
        return self.HEADERS.index(title)

    def redraw(self) -> None:
        """Every cell again: what the columns read besides the row changed (the office's
        currency or time zone, say)."""
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self.columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.header_tip
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align == "right":
            return _RIGHT  # an amount's title sits over its digits
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.columns)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        row, column = self._rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(row) if column.tooltip is not None else column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return {"right": _RIGHT, "centre": _CENTRE}.get(column.align)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(row, column)
        if role == Qt.ItemDataRole.FontRole and column.bold is not None and column.bold(row):
            font = QFont()
            font.setBold(True)
            return font
        if role == SORT_ROLE:
            if column.sort is not None:
                return column.sort(row)
            return (column.text(row) or "").lower()
        if role == KEY_ROLE and self._key is not None:
            return self._key(row)
        return None

    def _foreground(self, row: R, column: Column[R]) -> QColor | None:
        # A column's own colour (an offer, an amount owed) shows even on a dimmed row.
        if column.colour is not None:
            colour = column.colour(row)
            if colour:
                return QColor(colour)
        if self._dimmed is not None and self._dimmed(row):
            return QColor(DIMMED_COLOUR)
        return None


@dataclass(frozen=True)
class Page(Generic[R, C]):
    """One keyset page: its rows and the cursor after the last (None at the end)."""

    rows: tuple[R, ...]
    next_cursor: C | None = None


@dataclass(frozen=True)
class _Fetching:
    generation: int
    user_asked: bool
    replace: bool


class PagedRowsModel(RowsModel[R], Generic[R, C]):
    """A list that can grow without bound: keyset pages fetched off the GUI thread as a
    view scrolls near the end (``canFetchMore``/``fetchMore``), never inside ``data()``.

    ``fetch(cursor, limit)`` runs on the operation runner. :meth:`reload` starts again
    from the first page; :meth:`refresh` re-reads what is on screen in one query and
    swaps it in when the answer is there. An answer to an older request is dropped.
    """

    #: True while a page or refresh is on its way.
    loading_changed = Signal(bool)
    #: A page, a reload or a refresh has arrived (the rows may be unchanged).
    rows_arrived = Signal()
    #: The newest request failed with a message for a person (``report_in_place``).
    failed = Signal(str)

    def __init__(
        self,
        columns: Sequence[Column[R]],
        fetch: Callable[[C | None, int], Page[R, C]],
        runner: OperationRunner,
        *,
        page_size: int = 100,
        refresh_limit: int = 2000,
        key: Callable[[R], Hashable] | None = None,
        dimmed: Callable[[R], bool] | None = None,
        report_in_place: bool = False,
        dialog_parent: QWidget | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(columns, key=key, dimmed=dimmed, parent=parent)
        self._fetch_page = fetch
        self._report_in_place = report_in_place
        self.runner = runner
        self.page_size = page_size
        self.refresh_limit = refresh_limit
        self.dialog_parent = dialog_parent
        self._next_cursor: C | None = None
        self._generation = 0
        self._loading = False
        self._answered = False

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def answered(self) -> bool:
        """The current request has answered at least once (so no rows means none match)."""
        return self._answered

    @property
    def has_more(self) -> bool:
        return self._next_cursor is not None

    def clear(self) -> None:
        """No rows and nothing on its way (say, the search box was emptied)."""
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._next_cursor = None
        self._answered = False
        self.endResetModel()
        self._set_loading(False)

    def reload(self) -> None:
        """Start again from the first page (the rows go at once; the new ones follow)."""
        self.clear()
        self._request(None, self.page_size, replace=True, user_asked=True)

    def refresh(self) -> None:
        """Re-read the rows on screen; they are replaced only when the answer is in."""
        self._generation += 1
        limit = min(max(self.page_size, len(self._rows)), self.refresh_limit)
        self._request(None, limit, replace=True, user_asked=False)

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and self._next_cursor is not None and not self._loading

    def fetchMore(self, parent: _Index) -> None:
        if self.canFetchMore(parent):
            self._request(self._next_cursor, self.page_size, replace=False, user_asked=True)

    def _request(self, cursor: C | None, limit: int, *, replace: bool, user_asked: bool) -> None:
        asked = _Fetching(self._generation, user_asked, replace)
        fetch = self._fetch_page
        self._set_loading(True)
        self.runner.run(
            lambda: fetch(cursor, limit),
            lambda page: self._arrived(asked, page),
            lambda exc: self._failed(asked, exc),
            parent=self.dialog_parent,
        )

    def _arrived(self, asked: _Fetching, page: Page[R, C]) -> None:
        if not shiboken6.isValid(self) or asked.generation != self._generation:
            return  # the desk was closed, or this answers an older request
        self._set_loading(False)
        self._answered = True
        self._next_cursor = page.next_cursor
        if asked.replace:
            self.set_rows(page.rows)
        elif page.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
        self.rows_arrived.emit()

    def _failed(self, asked: _Fetching, exc: BaseException) -> bool:
        if not shiboken6.isValid(self):
            return True
        if asked.generation == self._generation:
            self._set_loading(False)
            if self._report_in_place and isinstance(exc, KnownError):
                self.failed.emit(exc.message)
                return True
            self.rows_arrived.emit()
        if not asked.user_asked and isinstance(exc, KnownError):
            # A background refresh that fails (the connection dropped, say) is not worth a
            # dialog: the connection banner says so and the next change tries again.
            return True
        return asked.generation != self._generation

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)
