"""The citations desk's lists: citations found (paged in as the list scrolls) and one
citation's fine history; and what the desk's lists, page and dialogs work with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from desktop.services.citations import (
    STATUS_TITLES,
    CitationQuery,
    CitationRow,
    CitationService,
    Cursor,
    FineLine,
)
from desktop.services.localization import format_day
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.tables import (
    Column,
    Page,
    PagedRowsModel,
    RowsModel,
    badge_column,
    money_column,
    recent_column,
)

#: A citation's status as the list colours it: what needs action stands out.
STATUS_COLOURS = {
    "past_due": "#b45309",
    "collections": "#b91c1c",
    "paid": "#15803d",
    "warning": "#5b6577",
    "void": "#8a94a6",
}


@dataclass(frozen=True)
class Office:
    """What the desk's lists, page and dialogs work with: its service, the runner, and the
    office's currency and time zone as the desk last read them."""

    service: CitationService
    runner: OperationRunner
    currency: Callable[[], str]
    zone: Callable[[], str]


class CitationListModel(PagedRowsModel[CitationRow, Cursor]):
    """Citations newest first, fetched page by page off the GUI thread."""

    def __init__(
        self, office: Office, *, dialog_parent: QWidget | None = None, parent: QObject | None = None
    ) -> None:
        self.service = office.service
        currency, zone = office.currency, office.zone
        #: What was asked: set on the GUI thread, read by the page fetches.
        self.query = CitationQuery()
        super().__init__(
            [
                Column("Number", lambda c: c.number, samples=("HHH00000000",)),
                recent_column("Issued", lambda c: c.issued_at, zone),
                Column(
                    "Plate",
                    lambda c: f"{c.jurisdiction} {c.plate}" + (" ≈" if c.look_alike else ""),
                    tooltip=lambda c: (
                        "A plate that differs from the one typed only by look-alike "
                        "characters (0/O, 1/I, 5/S, …)"
                        if c.look_alike
                        else None
                    ),
                    samples=("ON WWWW000 ≈",),
                ),
                Column(
                    "Violation",
                    lambda c: c.violation,
                    tooltip=lambda c: f"{c.violation_code}: {c.violation}",
                    samples=("No valid permit displayed",),
                    stretch=True,
                    give_way=True,
                ),
                Column("Lot", lambda c: c.lot_name, samples=("Science Quad Lot",), give_way=True),
                money_column("Fine", lambda c: c.fine, currency, largest=Decimal("9999.99")),
                money_column("Owed", lambda c: c.balance, currency, largest=Decimal("9999.99")),
                badge_column(
                    "Status",
                    lambda c: c.status,
                    STATUS_TITLES,
                    colours=STATUS_COLOURS,
                    tooltip=lambda c: f"Due {format_day(c.due_on)}",
                ),
            ],
            self._fetch,
            office.runner,
            key=lambda c: c.id,
            dimmed=lambda c: c.status == "void",
            report_in_place=True,
            dialog_parent=dialog_parent,
            parent=parent,
        )

    def search(self, query: CitationQuery) -> None:
        self.query = query
        self.reload()

    def _fetch(self, after: Cursor | None, limit: int) -> Page[CitationRow, Cursor]:
        page = self.service.search(self.query, after=after, limit=limit)
        return Page(page.rows, page.next_cursor)


class FineLinesModel(RowsModel[FineLine]):
    """A citation's fine, discounts, late fees, payments and void, oldest first."""

    def __init__(self, office: Office, parent: QObject | None = None) -> None:
        currency, zone = office.currency, office.zone
        super().__init__(
            [
                recent_column("When", lambda line: line.posted_at, zone),
                Column("What", lambda line: line.title, samples=("Early-payment discount",)),
                Column(
                    "Details",
                    lambda line: line.memo,
                    tooltip=lambda line: line.memo,
                    stretch=True,
                    give_way=True,
                ),
                Column(
                    "Receipt", lambda line: line.receipt_number or "", samples=("R-2026-000000",)
                ),
                Column("By", lambda line: line.posted_by or "", samples=("demo_clerk",)),
                money_column("Amount", lambda line: line.amount, currency),
            ],
            parent=parent,
        )
