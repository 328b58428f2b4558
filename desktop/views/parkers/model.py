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

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from desktop.services.parkers import (
    AFFILIATION_TITLES,
    MATCH_TITLES,
    PLATE_STATUS_TITLES,
    ParkerService,
    ParkerSummary,
    VehicleRecord,
)
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.tables import Column, Page, PagedRowsModel, RowsModel

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


Cursor = tuple[int, str, str, int]


class ParkerResultsModel(PagedRowsModel[ParkerSummary, Cursor]):
    """Search results: one row per parker, fetched page by page off the GUI thread."""

    NAME, AFFILIATION, CAMPUS_ID, EMAIL, PLATES, MATCH, STATUS = range(7)

    def __init__(
        self,
        service: ParkerService,
        runner: OperationRunner,
        *,
        page_size: int = 100,
        dialog_parent: QWidget | None = None,
        parent: QObject | None = None,
    ) -> None:
        self.service = service
        self._query = ""
        self._include_inactive = False
        super().__init__(
            [
                Column("Name", lambda s: s.name, samples=("Okonkwo-Smith, Alexandra",)),
                Column(
                    "Affiliation",
                    lambda s: AFFILIATION_TITLES.get(s.affiliation, s.affiliation.title()),
                    samples=tuple(AFFILIATION_TITLES.values()),
                ),
                Column("Campus ID", lambda s: s.campus_id, samples=("S12345678",)),
                Column("Email", lambda s: s.email, stretch=True),
                Column("Plates", lambda s: s.plates, samples=("ON ABCD123, QC X1",)),
                Column(
                    "Found by",
                    self._match_words,
                    tooltip=self._match_tooltip,
                    samples=tuple(MATCH_TITLES.values()),
                ),
                Column(
                    "Status",
                    lambda s: "Active" if s.active else "Inactive",
                    samples=("Inactive",),
                ),
            ],
            self._fetch_results,
            runner,
            page_size=page_size,
            refresh_limit=REFRESH_LIMIT,
            key=lambda s: s.id,
            dimmed=lambda s: not s.active,
            dialog_parent=dialog_parent,
            parent=parent,
        )
        #: A page, a fresh search or a refresh has arrived (rows may be unchanged).
        self.results_arrived = self.rows_arrived

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
        return bool(self._query)

    @property
    def has_results(self) -> bool:
        """The current query has answered at least once (so "no rows" means "no match")."""
        return self.answered

    def summary(self, row: int) -> ParkerSummary:
        return self.row(row)

    # -- asking -----------------------------------------------------------------

    def search(self, query: str, include_inactive: bool = False) -> None:
        """Start a new search; an empty query clears the results back to the prompt."""
        self._query = " ".join(query.split())
        self._include_inactive = include_inactive
        if not self._query:
            self.clear()
            self.rows_arrived.emit()
            return
        self.reload()

    def refresh(self) -> None:
        """Re-run the current query, replacing the rows on screen only when the answer is in."""
        if self._query:
            super().refresh()

    def _fetch_results(self, after: Cursor | None, limit: int) -> Page[ParkerSummary, Cursor]:
        # Runs off the GUI thread: read what was asked when the request was made.
        page = self.service.search(
            self._query, after=after, limit=limit, include_inactive=self._include_inactive
        )
        return Page(page.rows, page.next_cursor)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == ID_ROLE:
            row = self.row_at(index.row()) if index.isValid() else None
            return row.id if row is not None else None
        return super().data(index, role)

    def _match_words(self, summary: ParkerSummary) -> str | None:
        return MATCH_TITLES.get(summary.match_rank, "") if self._query else None

    def _match_tooltip(self, summary: ParkerSummary) -> str | None:
        if self._query and summary.match_rank == 1:
            return "A plate that differs only by look-alike characters (0/O, 1/I, 5/S, …)"
        return self._match_words(summary)


class VehicleTableModel(RowsModel[VehicleRecord]):
    """The vehicles of the open parker (already loaded with the parker: no fetching here)."""

    PLATE, MAKE, MODEL, COLOUR, YEAR, STATUS = range(6)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column(
                    "Plate",
                    plate_title,
                    tooltip=plate_tooltip,
                    samples=("ON ABCD123", *PLATE_STATUS_TITLES.values()),
                ),
                Column("Make", lambda v: v.make, samples=("Toyota",)),
                Column("Model", lambda v: v.model, samples=("Corolla",)),
                Column("Colour", lambda v: v.colour, samples=("Silver",)),
                Column(
                    "Year", lambda v: str(v.model_year) if v.model_year else "", samples=("2024",)
                ),
                Column("Status", lambda v: "Active" if v.active else "Removed", stretch=True),
            ],
            key=lambda v: v.id,
            dimmed=lambda v: not v.active,
            parent=parent,
        )

    def set_vehicles(self, vehicles: tuple[VehicleRecord, ...] | list[VehicleRecord]) -> None:
        self.set_rows(vehicles)

    def vehicle(self, row: int) -> VehicleRecord:
        return self.row(row)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == ID_ROLE:
            row = self.row_at(index.row()) if index.isValid() else None
            return row.id if row is not None else None
        return super().data(index, role)


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
