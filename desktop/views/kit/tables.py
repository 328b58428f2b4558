"""Lists as declarations: columns as data, one in-memory model, one lazily paged model.

A desk declares its columns — a title, how a row reads in it, how it lines up, what it
sorts by, what it must have room for — and hands rows (frozen service dataclasses) to
:class:`RowsModel`, or a page fetcher to :class:`PagedRowsModel` for a list that can grow
without bound. :class:`DeskTable` sizes its columns from the same declarations the first
time it is shown (only then is the style sheet's font and padding known), so no desk
measures columns by hand; it finds rows by key through any sort proxy. :class:`Listing`
shows it, or a message when there is nothing to list. Compare Anki's browser table, where
columns are data too.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from desktop.services.errors import KnownError
from desktop.services.localization import format_local, format_money, format_recent
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import EmptyState

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
    callable is asked when the table is shown, so money follows the office's currency).
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


class WrapDelegate(QStyledItemDelegate):
    """Cells of a wrapping column: as tall as their text on the column's width, less the
    style sheet's padding (the stock hint measures the text wider than it is painted, and
    a wrapped cell lost its last line)."""

    #: The style sheet's 8 px a side and the style's own margins, with a little to spare.
    INSET = 24
    #: The style sheet's 4 px above and below, and the style's margins.
    LEADING = 12

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        text = index.data()
        if not text:
            return hint
        font = index.data(Qt.ItemDataRole.FontRole)  # bold only: the rest is the table's
        metrics = (
            QFontMetrics(font.resolve(option.font))
            if isinstance(font, QFont)
            else option.fontMetrics
        )
        width = max(option.rect.width() - self.INSET, 20)
        lines = metrics.boundingRect(
            QRect(0, 0, width, 100_000), int(Qt.TextFlag.TextWordWrap), str(text)
        )
        return QSize(hint.width(), max(hint.height(), lines.height() + self.LEADING))


#: How many rows are measured for the widths their texts need.
CONTENT_ROWS = 200


def _narrow(widths: list[int], slack: dict[int, int], over: int) -> int:
    """Take up to ``over`` pixels from the columns in ``slack`` (column: how much it may
    lose), from each in proportion; how much was taken."""
    total = sum(slack.values())
    if total <= 0:
        return 0
    share = min(1.0, over / total)
    taken = 0
    for n, may_lose in slack.items():
        cut = min(may_lose, int(may_lose * share + 0.999))
        widths[n] -= cut
        taken += cut
    return taken


class DeskTable(QTableView):
    """A read-only list: whole rows selected, Enter acts on the current row on every
    platform, and columns sized from the model's declarations the first time it shows."""

    def __init__(
        self,
        model: QAbstractItemModel | None = None,
        parent: QWidget | None = None,
        *,
        plain: bool = False,
    ) -> None:
        super().__init__(parent)
        self._sized = False
        #: Widths the samples ask for, and the least each column may have (its title).
        self._natural: list[int] = []
        self._least: list[int] = []
        self._set: dict[int, int] = {}
        #: How wide each column's texts are in the rows loaded (the first CONTENT_ROWS),
        #: measured again when the rows change.
        self._content: list[int] | None = None
        self._fonts: tuple[QFontMetrics, QFontMetrics] | None = None
        self._refit: QTimer | None = None
        self._fitting = False
        self._watching = False
        self._user_sized = False
        #: Rows of a table with wrapping columns are made as tall as their text once the
        #: rows or the widths stop changing (every row measured at each step of dragging
        #: a window's edge took 130 ms for 300 rows).
        self._rows_sizer: QTimer | None = None
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        # Tab leaves the list for the next control instead of walking its cells.
        self.setTabKeyNavigation(False)
        self.verticalHeader().hide()
        self.horizontalHeader().setHighlightSections(False)
        if plain:  # no grid, column titles on the left: how a desk's own lists look
            self.setShowGrid(False)
            self.horizontalHeader().setDefaultAlignment(
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            )
        if model is not None:
            self.setModel(model)

    def showEvent(self, event: QShowEvent) -> None:
        if not self._sized:
            self._sized = True
            self.size_columns()
        super().showEvent(event)

    def _proxies(self) -> tuple[list[QSortFilterProxyModel], RowsModel[Any] | None]:
        """The sort or filter proxies from the view down, and the declared model behind."""
        proxies, model = [], self.model()
        while isinstance(model, QSortFilterProxyModel):
            proxies.append(model)
            model = model.sourceModel()
        return proxies, model if isinstance(model, RowsModel) else None

    def rows_model(self) -> RowsModel[Any] | None:
        """The declared model behind any sort or filter proxies."""
        return self._proxies()[1]

    def _row_at(self, index: QModelIndex) -> Any:
        proxies, model = self._proxies()
        for proxy in proxies:
            index = proxy.mapToSource(index)
        return model.row_at(index.row()) if model is not None and index.isValid() else None

    def _index_of(self, row: int | None) -> QModelIndex:
        """The view's index of the model's ``row`` (invalid when it is filtered out or None)."""
        proxies, model = self._proxies()
        index = model.index(row, 0) if model is not None and row is not None else QModelIndex()
        for proxy in reversed(proxies):
            index = proxy.mapFromSource(index)
        return index

    def current_row(self) -> Any:
        """The row under the cursor (the dataclass, not its index), or None."""
        return self._row_at(self.currentIndex())

    def selected_row(self) -> Any:
        """The highlighted row (the dataclass), or None."""
        rows = self.selectionModel().selectedRows()
        return self._row_at(rows[0]) if rows else None

    def selected_key(self) -> Any:
        """The key (``RowsModel(key=...)``) of the highlighted row, or None."""
        rows = self.selectionModel().selectedRows()
        return rows[0].data(KEY_ROLE) if rows else None

    def select_key(self, key: Hashable | None) -> None:
        """Put the cursor on the row with this key (see ``RowsModel.row_of``), else the first."""
        model = self.rows_model()
        if model is None or model.rowCount() == 0:
            return
        self.selectionModel().setCurrentIndex(
            self._index_of((model.row_of(key) if key is not None else None) or 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def show_key(self, key: Hashable | None) -> bool:
        """Highlight the row with ``key`` and scroll to it; False when it is not listed."""
        model = self.rows_model()
        index = self._index_of(model.row_of(key) if model and key is not None else None)
        if index.isValid():
            self.selectRow(index.row())
            self.scrollTo(index)
        return index.isValid()

    def size_columns(self) -> None:
        """Room for each column's title and samples; the stretching column takes the rest."""
        model = self.rows_model()
        if model is None:
            return
        self.ensurePolished()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        if any(c.wrap for c in model.columns) and self._rows_sizer is None:
            # Rows as tall as their longest wrapped text (lists of a few hundred rows:
            # a long list pages, and its columns do not wrap).
            self.setWordWrap(True)
            wrapping = WrapDelegate(self)
            for number, column in enumerate(model.columns):
                if column.wrap:
                    self.setItemDelegateForColumn(number, wrapping)
            self._rows_sizer = self._after_changes(
                40, self.resizeRowsToContents, self.horizontalHeader().sectionResized
            )
            self._rows_sizer.start()
        header = self.horizontalHeader()
        header.ensurePolished()
        bold = QFont(header.font())
        bold.setBold(True)  # the style sheet's column titles are bold
        titles, body = QFontMetrics(bold), self.fontMetrics()
        body_bold = QFont(self.font())
        body_bold.setBold(True)
        strong = QFontMetrics(body_bold)
        # A wrapping column keeps room for a few words a line, not one.
        self._least = [
            max(titles.horizontalAdvance(c.title) + CELL_PADDING, WRAP_LEAST if c.wrap else 0)
            for c in model.columns
        ]
        # A column whose cells may be bold (an urgent incident) is measured bold.
        self._natural = [
            max(
                [least]
                + [
                    (strong if c.bold else body).horizontalAdvance(t) + CELL_PADDING
                    for t in c.sample_texts()
                ]
            )
            for c, least in zip(model.columns, self._least, strict=True)
        ]
        self._fonts = (body, strong)
        self._content = None
        if not self._watching:
            self._watching = True
            header.sectionResized.connect(self._section_resized)
            # New rows may need room the old ones did not (or leave room to others).
            self._refit = self._after_changes(0, self._rows_changed)
        self._fit()

    def _after_changes(
        self, delay_ms: int, slot: Callable[[], object], *also: SignalInstance
    ) -> QTimer:
        """A timer that calls ``slot`` once, ``delay_ms`` after the rows (or ``also``)
        last changed: a burst of changes is answered once."""
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(delay_ms)
        timer.timeout.connect(slot)
        shown = self.model()
        for changed in (
            shown.modelReset,
            shown.layoutChanged,
            shown.rowsInserted,
            shown.rowsRemoved,
            shown.dataChanged,
            *also,
        ):
            changed.connect(lambda *_changed: timer.start())  # (their arguments are no delay)
        return timer

    def _rows_changed(self) -> None:
        self._content = None
        if self._natural and not self._user_sized:
            self._fit()

    def _content_widths(self, model: RowsModel[Any]) -> list[int]:
        """The widest text of each column in the first CONTENT_ROWS rows, as drawn."""
        if self._content is None:
            if self._fonts is None:
                return [0] * len(model.columns)
            body, strong = self._fonts
            widths = [0] * len(model.columns)
            for row in model.rows()[:CONTENT_ROWS]:
                for number, column in enumerate(model.columns):
                    shown = column.text(row)
                    if shown:
                        metrics = strong if column.bold is not None and column.bold(row) else body
                        width = metrics.horizontalAdvance(shown) + CELL_PADDING
                        widths[number] = max(widths[number], width)
            self._content = widths
        return self._content

    def _section_resized(self, index: int, _old: int, new: int) -> None:
        # Qt moves a stretching column by itself; a column of fixed width changes only
        # when the person drags it, and then their width is kept from there on.
        header = self.horizontalHeader()
        interactive = header.sectionResizeMode(index) == QHeaderView.ResizeMode.Interactive
        if not self._fitting and interactive and new != self._set.get(index):
            self._user_sized = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._natural and not self._user_sized:
            self._fit()

    def _fit(self) -> None:
        """Natural widths when they fit, and the rows' longest texts where there is room;
        else narrow the columns that give way."""
        model = self.rows_model()
        if model is None or len(self._natural) != len(model.columns):
            return
        header = self.horizontalHeader()
        widths = list(self._natural)
        room = self.viewport().width()
        stretch = next((n for n, c in enumerate(model.columns) if c.stretch), None)
        content = self._content_widths(model)
        # The columns whose rows would be cut, and what each lacks for its longest text.
        cut = {
            n: content[n] - widths[n]
            for n, c in enumerate(model.columns)
            if c.give_way and not c.wrap and n != stretch and content[n] > widths[n]
        }
        wanted = sum(cut.values())
        # Room kept for samples wider than every row shown (a plate of eight Ws) goes
        # first: to fit the window, then to those rows.
        spare = {
            n: widths[n] - max(content[n], self._least[n])
            for n, c in enumerate(model.columns)
            if not c.wrap and widths[n] > max(content[n], self._least[n])
        }
        if room > 0:
            over = sum(widths) - room
            if over + wanted > 0:
                over -= _narrow(widths, spare, over + wanted)
            if over > 0:
                # Still too narrow: the columns that give way narrow, never below their
                # titles.
                yielding = {
                    n: widths[n] - self._least[n]
                    for n, c in enumerate(model.columns)
                    if c.give_way or c.wrap
                }
                _narrow(widths, yielding, over)
            elif wanted > 0:
                share = min(1.0, -over / wanted)
                for n, more in cut.items():
                    widths[n] += int(more * share)
            if stretch is not None and not model.columns[stretch].wrap:
                # The stretching column has what the others leave: room they keep for
                # samples no row needs goes to its rows when they would be cut.
                has = room - sum(w for n, w in enumerate(widths) if n != stretch)
                lacks = content[stretch] - max(has, widths[stretch])
                if lacks > 0:
                    others = {
                        n: widths[n] - max(content[n], self._least[n])
                        for n, c in enumerate(model.columns)
                        if n != stretch
                        and not c.wrap
                        and n not in cut
                        and widths[n] > max(content[n], self._least[n])
                    }
                    _narrow(widths, others, lacks)
        fits = sum(widths) <= room
        self._fitting = True
        try:
            for number, width in enumerate(widths):
                grows = number == stretch and fits
                mode = (
                    QHeaderView.ResizeMode.Stretch if grows else QHeaderView.ResizeMode.Interactive
                )
                header.setSectionResizeMode(number, mode)
                if not grows:
                    self._set[number] = width
                    header.resizeSection(number, width)
            header.setStretchLastSection(stretch is None)
        finally:
            self._fitting = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


def sorted_table(
    model: RowsModel[Any], name: str, *, column: int = 0
) -> tuple[DeskTable, QSortFilterProxyModel]:
    """A plain table named ``name`` showing ``model`` sorted by ``column``, and its proxy."""
    proxy = QSortFilterProxyModel(model)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    view = DeskTable(proxy, plain=True)
    view.setObjectName(name)
    view.setSortingEnabled(True)
    view.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    return view, proxy


class Listing(QStackedWidget):
    """A table, or in its place a message saying why there is nothing to list."""

    def __init__(self, table: QTableView) -> None:
        super().__init__()
        self.table = table
        self.empty = EmptyState("", "")
        self.addWidget(table)
        self.addWidget(self.empty)

    def show_rows(self, rows: int, title: str, text: str) -> None:
        """The table when there are ``rows``, else the message."""
        if rows:
            self.setCurrentWidget(self.table)
        else:
            self.show_empty(title, text)

    def show_empty(self, title: str, text: str) -> None:
        self.empty.title.setText(title)
        self.empty.text.setText(text)
        self.setCurrentWidget(self.empty)
