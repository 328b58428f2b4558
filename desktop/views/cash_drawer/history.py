"""The shift history: every drawer's shifts, newest first, paged in as the list scrolls."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from PySide6.QtWidgets import QWidget

from desktop.services.cashdrawer import CashDrawerService, ShiftSummary, variance_words
from desktop.services.documents import Office
from desktop.services.localization import format_local, format_money, format_recent
from desktop.views.cash_drawer.common import (
    FALLBACK_OFFICE,
    MOST,
    MUTED_COLOUR,
    SHORT_COLOUR,
    variance_colour,
)
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.tables import Column, Page, PagedRowsModel, money_column, time_column


def _sign_off_words(shift: ShiftSummary) -> str:
    words = {"open": "", "balanced": "Not needed", "awaiting sign-off": "Awaiting sign-off"}
    return words.get(shift.status, f"Signed off by {shift.signed_off_by}")


def _sign_off_colour(shift: ShiftSummary) -> str | None:
    if shift.needs_sign_off:
        return SHORT_COLOUR
    return MUTED_COLOUR if shift.status == "balanced" else None


class ShiftHistoryModel(PagedRowsModel[ShiftSummary, int]):
    """Shifts newest first, paged in off the GUI thread as the view scrolls."""

    SHIFT, CLERK, OPENED, CLOSED, FLOAT, EXPECTED, COUNTED, VARIANCE, SIGN_OFF = range(9)

    def __init__(
        self,
        service: CashDrawerService,
        runner: OperationRunner,
        show: str,
        parent: QWidget,
    ) -> None:
        self._office = FALLBACK_OFFICE
        self._service = service
        #: Which shifts to list: set on the GUI thread, read by the page fetches (which run
        #: on a worker thread and must not touch the filter box).
        self.show = show

        def zone() -> str:
            return self._office.time_zone

        def currency() -> str:
            return self._office.currency

        def in_full(at: datetime | None) -> str | None:
            return format_local(at, zone()) if at is not None else None

        def signed_off_tip(shift: ShiftSummary) -> str | None:
            when = in_full(shift.signed_off_at)
            if when is None or not shift.sign_off_note:
                return when
            return f"{when}: {shift.sign_off_note}"

        super().__init__(
            [
                Column(
                    "Shift",
                    lambda s: str(s.id),
                    tooltip=lambda _s: None,
                    align="right",
                    sort=lambda s: s.id,
                    samples=("88888",),
                ),
                Column(
                    "Clerk",
                    lambda s: s.clerk_title,
                    tooltip=lambda s: s.clerk,
                    samples=("Alexandra W",),
                ),
                time_column(
                    "Opened",
                    lambda s: s.opened_at,
                    lambda at: format_recent(at, zone()),
                    sample="28 Nov 18:88",
                    tooltip=lambda s: in_full(s.opened_at),
                ),
                Column(
                    "Closed",
                    lambda s: (
                        "Still open" if s.closed_at is None else format_recent(s.closed_at, zone())
                    ),
                    tooltip=lambda s: in_full(s.closed_at),
                    colour=lambda s: MUTED_COLOUR if s.is_open else None,
                    samples=("28 Nov 18:88",),
                ),
                money_column("Float", lambda s: s.opening_float, currency, largest=MOST),
                replace(
                    money_column("Expected", lambda s: s.expected, currency, largest=MOST),
                    tooltip=lambda s: (
                        "Worked out when the drawer is counted at close." if s.is_open else None
                    ),
                ),
                money_column("Counted", lambda s: s.counted, currency, largest=MOST),
                Column(
                    "Variance",
                    lambda s: "" if s.variance is None else variance_words(s.variance, currency()),
                    tooltip=lambda _s: None,
                    colour=lambda s: (
                        variance_colour(s.variance) if s.variance is not None else None
                    ),
                    samples=lambda: [f"Short by {format_money(MOST / 10, currency())}"],
                ),
                Column(
                    "Sign-off",
                    _sign_off_words,
                    tooltip=signed_off_tip,
                    colour=_sign_off_colour,
                    stretch=True,
                ),
            ],
            self._fetch_shifts,
            runner,
            key=lambda s: s.id,
            report_in_place=True,
            dialog_parent=parent,
            parent=parent,
        )

    @property
    def office(self) -> Office:
        return self._office

    def set_office(self, office: Office) -> None:
        if office != self._office:
            self._office = office
            self.redraw()

    def _fetch_shifts(self, after: int | None, limit: int) -> Page[ShiftSummary, int]:
        rows = self._service.shifts(self.show, limit=limit + 1, after=after)
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(tuple(rows), rows[-1].id if more and rows else None)
