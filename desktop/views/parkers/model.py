"""Item models of the parker desk: search results paged in lazily, and a parker's vehicles.

The results model keeps the rows fetched so far and asks for the next keyset
page only when a view scrolls near the end (``canFetchMore``/``fetchMore``); the
query runs on the operation runner, never inside ``data()``. Every search or
refresh bumps a generation counter so a slow answer to an older query is
dropped instead of overwriting newer results.
"""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from desktop.services.errors import KnownError
from desktop.services.parkers import (
    AFFILIATION_TITLES,
    MATCH_TITLES,
    PLATE_STATUS_TITLES,
    ParkerService,
    ParkerSummary,
    SearchPage,
    VehicleRecord,
)
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.table_model import ReadOnlyTableModel

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex

#: Role that hands back the parker or vehicle id of a row.
ID_ROLE = Qt.ItemDataRole.UserRole + 1

#: A refresh reloads everything already on screen in one query, up to this many rows.
REFRESH_LIMIT = 2000


#: Inactive parkers and removed vehicles are greyed (the style sheet's disabled text colour).
INACTIVE_COLOUR = "#8a94a6"


def _dimmed() -> QColor:
    return QColor(INACTIVE_COLOUR)


class ParkerResultsModel(ReadOnlyTableModel):
    """Search results: one row per parker, fetched page by page off the GUI thread."""

    NAME, AFFILIATION, CAMPUS_ID, EMAIL, PLATES, MATCH, STATUS = range(7)
    HEADERS = ("Name", "Affiliation", "Campus ID", "Email", "Plates", "Match", "Status")

    #: True while a page or refresh for the current query is on its way.
    loading_changed = Signal(bool)
    #: A page, a fresh search or a refresh has arrived (rows may be unchanged).
    results_arrived = Signal()

    def __init__(
        self,
        service: ParkerService,
        runner: OperationRunner,
        *,
        page_size: int = 100,
        dialog_parent: QWidget | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.page_size = page_size
        self.dialog_parent = dialog_parent
        self._rows: list[ParkerSummary] = []
        self._query = ""
        self._include_inactive = False
        self._active = False  # a search has been asked for (as opposed to the prompt)
        self._next_cursor: tuple[int, str, str, int] | None = None
        self._generation = 0
        self._loading = False
        self._has_results = False  # the current query has answered at least once

    # -- state the desk shows -----------------------------------------------------

    @property
    def query(self) -> str:
        return self._query

    @property
    def include_inactive(self) -> bool:
        return self._include_inactive

    @property
    def is_searching(self) -> bool:
        """A query is in force (the desk shows results rather than its prompt)."""
        return self._active

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def has_results(self) -> bool:
        """The current query has answered at least once (so "no rows" means "no match")."""
        return self._has_results

    @property
    def has_more(self) -> bool:
        return self._next_cursor is not None

    def summary(self, row: int) -> ParkerSummary:
        return self._rows[row]

    def row_of(self, parker_id: int) -> int | None:
        for row, summary in enumerate(self._rows):
            if summary.id == parker_id:
                return row
        return None

    # -- asking -----------------------------------------------------------------

    def search(self, query: str, include_inactive: bool = False) -> None:
        """Start a new search; an empty query clears the results back to the prompt."""
        query = " ".join(query.split())
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._next_cursor = None
        self._query = query
        self._include_inactive = include_inactive
        self._active = bool(query)
        self._has_results = False
        self.endResetModel()
        if not self._active:
            self._set_loading(False)
            self.results_arrived.emit()
            return
        self._fetch(after=None, limit=self.page_size, replace=True, user_asked=True)

    def refresh(self) -> None:
        """Re-run the current query, replacing the rows on screen only when the answer is in."""
        if not self._active:
            return
        self._generation += 1
        limit = min(max(self.page_size, len(self._rows)), REFRESH_LIMIT)
        self._fetch(after=None, limit=limit, replace=True, user_asked=False)

    def _fetch(
        self,
        *,
        after: tuple[int, str, str, int] | None,
        limit: int,
        replace: bool,
        user_asked: bool,
    ) -> None:
        generation = self._generation
        query, include_inactive, service = self._query, self._include_inactive, self.service
        self._set_loading(True)

        def fetch() -> SearchPage:
            return service.search(
                query, after=after, limit=limit, include_inactive=include_inactive
            )

        def arrived(page: SearchPage) -> None:
            if not shiboken6.isValid(self) or generation != self._generation:
                return  # the desk was closed, or this answers an older query
            self._set_loading(False)
            self._has_results = True
            if replace:
                self.beginResetModel()
                self._rows = list(page.rows)
                self._next_cursor = page.next_cursor
                self.endResetModel()
            else:
                self._next_cursor = page.next_cursor
                if page.rows:
                    first = len(self._rows)
                    self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
                    self._rows.extend(page.rows)
                    self.endInsertRows()
            self.results_arrived.emit()

        def failed(exc: BaseException) -> bool:
            if not shiboken6.isValid(self):
                return True
            if generation == self._generation:
                self._set_loading(False)
                self.results_arrived.emit()
            if not user_asked and isinstance(exc, KnownError):
                # A background refresh that fails (say, the connection dropped) is not worth
                # a dialog; the connection banner says it and the next change retries.
                log.info("refreshing parker search failed: %s", exc)
                return True
            return generation != self._generation

        self.runner.run(fetch, arrived, failed, parent=self.dialog_parent)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    # -- QAbstractTableModel ----------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and self._next_cursor is not None and not self._loading

    def fetchMore(self, parent: _Index) -> None:
        if not self.canFetchMore(parent):
            return
        self._fetch(after=self._next_cursor, limit=self.page_size, replace=False, user_asked=True)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        summary = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(summary, column, tooltip=role == Qt.ItemDataRole.ToolTipRole)
        if role == ID_ROLE:
            return summary.id
        if role == Qt.ItemDataRole.ForegroundRole and not summary.active:
            return _dimmed()
        return None

    def _text(self, summary: ParkerSummary, column: int, *, tooltip: bool) -> str | None:
        if column == self.NAME:
            return summary.name
        if column == self.AFFILIATION:
            return AFFILIATION_TITLES.get(summary.affiliation, summary.affiliation.title())
        if column == self.CAMPUS_ID:
            return summary.campus_id
        if column == self.EMAIL:
            return summary.email
        if column == self.PLATES:
            return summary.plates
        if column == self.MATCH:
            if not self._query:
                return None
            title = MATCH_TITLES.get(summary.match_rank, "")
            if tooltip and summary.match_rank == 1:
                return "A plate that differs only by look-alike characters (0/O, 1/I, 5/S, …)"
            return title
        if column == self.STATUS:
            return "Active" if summary.active else "Inactive"
        return None


class VehicleTableModel(ReadOnlyTableModel):
    """The vehicles of the open parker (already loaded with the parker: no fetching here)."""

    PLATE, MAKE, MODEL, COLOUR, YEAR, STATUS = range(6)
    HEADERS = ("Plate", "Make", "Model", "Colour", "Year", "Status")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._vehicles: list[VehicleRecord] = []

    def set_vehicles(self, vehicles: tuple[VehicleRecord, ...] | list[VehicleRecord]) -> None:
        if list(vehicles) == self._vehicles:
            return
        self.beginResetModel()
        self._vehicles = list(vehicles)
        self.endResetModel()

    def vehicle(self, row: int) -> VehicleRecord:
        return self._vehicles[row]

    def row_of(self, vehicle_id: int) -> int | None:
        for row, vehicle in enumerate(self._vehicles):
            if vehicle.id == vehicle_id:
                return row
        return None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._vehicles)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._vehicles):
            return None
        vehicle = self._vehicles[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(vehicle, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.PLATE:
                return plate_tooltip(vehicle)
            return self._text(vehicle, column)
        if role == ID_ROLE:
            return vehicle.id
        if role == Qt.ItemDataRole.ForegroundRole and not vehicle.active:
            return _dimmed()
        return None

    def _text(self, vehicle: VehicleRecord, column: int) -> str | None:
        if column == self.PLATE:
            return plate_title(vehicle)
        if column == self.MAKE:
            return vehicle.make
        if column == self.MODEL:
            return vehicle.model
        if column == self.COLOUR:
            return vehicle.colour
        if column == self.YEAR:
            return str(vehicle.model_year) if vehicle.model_year else ""
        if column == self.STATUS:
            return "Active" if vehicle.active else "Removed"
        return None


def plate_title(vehicle: VehicleRecord) -> str:
    """'ON ABCD123', or 'Plate unreadable' / 'No plate'."""
    return vehicle.plate_display


def plate_tooltip(vehicle: VehicleRecord) -> str:
    if vehicle.plate_status != "readable":
        status = PLATE_STATUS_TITLES[vehicle.plate_status].lower()
        return f"Registered in {vehicle.jurisdiction}; {status}"
    return (
        f"{vehicle.jurisdiction}: entered as “{vehicle.plate_raw}”, "
        f"stored as {vehicle.plate_normalized}"
    )
