"""Item models of the parker desk: search results paged in lazily, and a parker's vehicles.

The results model keeps the rows fetched so far and asks for the next keyset page only
when a view scrolls near the end, off the GUI thread; an answer to an older query is
dropped instead of overwriting newer results (the kit's :class:`PagedRowsModel`).
"""

from __future__ import annotations

from PySide6.QtCore import QObject
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
        self.query = ""
        self.include_inactive = False
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
                    "Status", lambda s: "Active" if s.active else "Inactive", samples=("Inactive",)
                ),
            ],
            self._fetch_results,
            runner,
            page_size=page_size,
            key=lambda s: s.id,
            dimmed=lambda s: not s.active,
            dialog_parent=dialog_parent,
            parent=parent,
        )

    def search(self, query: str, include_inactive: bool = False) -> None:
        """Start a new search; an empty query clears the results back to the prompt."""
        self.query = " ".join(query.split())
        self.include_inactive = include_inactive
        if not self.query:
            self.clear()
            self.rows_arrived.emit()
            return
        self.reload()

    def refresh(self) -> None:
        """Re-run the current query, replacing the rows on screen only when the answer is in."""
        if self.query:
            super().refresh()

    def _fetch_results(self, after: Cursor | None, limit: int) -> Page[ParkerSummary, Cursor]:
        # Runs off the GUI thread: read what was asked when the request was made.
        page = self.service.search(
            self.query, after=after, limit=limit, include_inactive=self.include_inactive
        )
        return Page(page.rows, page.next_cursor)

    def _match_words(self, summary: ParkerSummary) -> str | None:
        return MATCH_TITLES.get(summary.match_rank, "") if self.query else None

    def _match_tooltip(self, summary: ParkerSummary) -> str | None:
        if self.query and summary.match_rank == 1:
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
                    lambda v: v.plate_display,
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


def plate_tooltip(vehicle: VehicleRecord) -> str:
    if vehicle.plate_status != "readable":
        status = PLATE_STATUS_TITLES[vehicle.plate_status].lower()
        return f"Registered in {vehicle.jurisdiction}; {status}"
    return (
        f"{vehicle.jurisdiction}: entered as “{vehicle.plate_raw}”, "
        f"stored as {vehicle.plate_normalized}"
    )
