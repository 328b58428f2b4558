"""How a list is shown: :class:`DeskTable` sizes its columns from the model's column
declarations (:mod:`desktop.views.kit.tables`) the first time it is shown, fits them to
the window as it is resized, lets wrapping columns grow their rows, and finds rows by key
through any sort proxy; :class:`Listing` shows a table, or a message when there is nothing
to list.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    SignalInstance,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from desktop.views.kit.tables import CELL_PADDING, KEY_ROLE, SORT_ROLE, WRAP_LEAST, RowsModel
from desktop.views.kit.widgets import EmptyState


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


def _widen_to_rows(
    widths: list[int], model: RowsModel[Any], content: list[int], stretch: int | None
) -> None:
    """A column that never gives way shows its rows whole, even wider than its samples
    (a category a manager named at length): the columns that give way make the room."""
    for n, c in enumerate(model.columns):
        if not (c.give_way or c.wrap) and n != stretch and content[n] > widths[n]:
            widths[n] = content[n]


class DeskTable(QTableView):
    """A read-only list: whole rows selected, Enter acts on the current row on every
    platform, and columns sized from the model's declarations the first time it shows."""

    def __init__(
        self,
        model: QAbstractItemModel | None = None,
        parent: QWidget | None = None,
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
        # No grid, column titles over the start of their texts: every desk's lists alike.
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
        _widen_to_rows(widths, model, content, stretch)
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
    view = DeskTable(proxy)
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
