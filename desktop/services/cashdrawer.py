"""The cash drawer (SPEC rule 10): open a shift with a counted float, close it with a
blind count by denomination, and a manager's sign-off of any variance.

The database holds the rules: one open shift per clerk, the expected cash worked out
only after the count is recorded, sign-off by a manager other than the clerk, and
row-level security deciding whose shifts a login sees. This module parses what the
clerk typed, gives clearer messages, and hands back frozen dataclasses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from desktop.services.documents import (
    Office,
    ShiftPayment,
    ShiftReport,
    shift_report_pdf,
)
from desktop.services.errors import FieldProblem, NotFound, ValidationError
from desktop.services.localization import currency_symbol, format_money, parse_money
from desktop.services.records import record
from desktop.services.workspace import Workspace

__all__ = [
    "DENOMINATIONS",
    "MAX_FLOAT",
    "SHIFT_FILTERS",
    "CashDrawerService",
    "Denomination",
    "DrawerState",
    "ShiftClose",
    "ShiftSummary",
    "TenderTotal",
    "counts_total",
    "denominations_for",
    "variance_words",
]

#: The database refuses a float above this (``open_shift``).
MAX_FLOAT = Decimal("10000.00")
#: The most of one denomination a count may hold (``close_shift`` takes up to six digits).
MAX_QUANTITY = 999_999
MAX_NOTE = 1000
_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")

#: History filters, in the order the desk offers them.
MINE, OPEN, AWAITING, ALL = "mine", "open", "awaiting sign-off", "all"
SHIFT_FILTERS = (MINE, OPEN, AWAITING, ALL)
_FILTER_SQL = {
    MINE: "c.clerk = current_user",
    OPEN: "c.closed_at IS NULL",
    AWAITING: "c.closed_at IS NOT NULL AND c.variance <> 0 AND c.signed_off_at IS NULL",
    ALL: "true",
}

TENDER_TITLES = {
    "cash": "Cash",
    "card": "Card",
    "cheque": "Cheque",
    "account": "Charged to account",
}


# -- denominations ------------------------------------------------------------------


@dataclass(frozen=True)
class Denomination:
    """One kind of bill or coin in the drawer."""

    value: Decimal
    label: str
    kind: str  # "bill" or "coin"

    @property
    def key(self) -> str:
        """How the count names it: "20", "0.25" (the keys ``close_shift`` accepts)."""
        return _denomination_key(self.value)


def _d(values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values.split())


#: Bill and coin values per office currency, largest first.
DENOMINATIONS: dict[str, tuple[Decimal, ...]] = {
    "USD": _d("100 50 20 10 5 1 0.25 0.10 0.05 0.01"),
    "CAD": _d("100 50 20 10 5 2 1 0.25 0.10 0.05"),
    "EUR": _d("500 200 100 50 20 10 5 2 1 0.50 0.20 0.10 0.05 0.02 0.01"),
    "GBP": _d("50 20 10 5 2 1 0.50 0.20 0.10 0.05 0.02 0.01"),
}
#: The smallest value that is a bill (a note) rather than a coin, per currency.
_SMALLEST_BILL = {"USD": Decimal(1), "CAD": Decimal(5), "EUR": Decimal(5), "GBP": Decimal(5)}
_BILL_WORD = {"USD": "bill", "CAD": "bill", "EUR": "note", "GBP": "note"}
_CENT_SUFFIX = {"USD": "¢", "CAD": "¢", "EUR": " cent", "GBP": "p"}


def _denomination_key(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value.quantize(_CENT)}"


def _denomination_kind(value: Decimal, currency: str) -> str:
    return "bill" if value >= _SMALLEST_BILL.get(currency, Decimal(1)) else "coin"


def _denomination_label(value: Decimal, currency: str) -> str:
    if currency not in DENOMINATIONS:
        # Not a currency this desk knows the bills of: name the amount only.
        return format_money(value, currency)
    symbol = currency_symbol(currency)
    if value < 1:
        cents = int(value * 100)
        return f"{cents}{_CENT_SUFFIX[currency]}"
    if _denomination_kind(value, currency) == "bill":
        return f"{symbol}{int(value)} {_BILL_WORD[currency]}"
    return f"{symbol}{int(value)} coin"


def denominations_for(currency: str) -> tuple[Denomination, ...]:
    """The bills and coins counted in a drawer of this currency (US dollars otherwise)."""
    code = currency.strip().upper()
    values = DENOMINATIONS.get(code, DENOMINATIONS["USD"])
    return tuple(
        Denomination(v, _denomination_label(v, code), _denomination_kind(v, code)) for v in values
    )


def counts_total(counts: Mapping[Decimal, int]) -> Decimal:
    """What a count by denomination adds up to."""
    return sum((Decimal(value) * int(qty) for value, qty in counts.items()), _ZERO).quantize(_CENT)


def variance_words(variance: Decimal, currency: str) -> str:
    """ "Over by $2.00", "Short by $5.00" or "Balanced"."""
    if variance > 0:
        return f"Over by {format_money(variance, currency)}"
    if variance < 0:
        return f"Short by {format_money(-variance, currency)}"
    return "Balanced"


def _counts_json(counts: Mapping[Decimal, int], known: Sequence[Decimal]) -> str:
    """The count as ``close_shift`` takes it, or every problem with it at once."""
    problems: list[FieldProblem] = []
    clean: dict[str, int] = {}
    for raw_value, quantity in counts.items():
        try:
            value = Decimal(raw_value)
        except (InvalidOperation, TypeError, ValueError):
            problems.append(FieldProblem("counts", f"{raw_value} is not a denomination."))
            continue
        if not value.is_finite() or value not in known:
            problems.append(FieldProblem("counts", f"{raw_value} is not a denomination here."))
            continue
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            problems.append(
                FieldProblem("counts", f"The count of {_denomination_key(value)} is a number.")
            )
            continue
        if not 0 <= quantity <= MAX_QUANTITY:
            problems.append(
                FieldProblem(
                    "counts",
                    f"The count of {_denomination_key(value)} is from 0 to {MAX_QUANTITY:,}.",
                )
            )
            continue
        if quantity:
            key = _denomination_key(value)
            clean[key] = clean.get(key, 0) + quantity
    if problems:
        raise ValidationError(problems)
    return json.dumps(clean)


# -- what the service hands back ------------------------------------------------------


@dataclass(frozen=True)
class TenderTotal:
    """Money of one tender in a shift. While a clerk's own shift is open, the database
    withholds the cash amounts (``None``): the count at close is blind."""

    tender: str
    received: Decimal | None
    paid_out: Decimal | None
    payments: int = 0

    @property
    def withheld(self) -> bool:
        return self.received is None

    @property
    def title(self) -> str:
        return TENDER_TITLES.get(self.tender, self.tender.capitalize())


@dataclass(frozen=True)
class ShiftSummary:
    """One cash-drawer shift as the desk lists it."""

    id: int
    clerk: str
    clerk_name: str
    opened_at: datetime
    opening_float: Decimal
    closed_at: datetime | None
    counted: Decimal | None
    expected: Decimal | None
    variance: Decimal | None
    signed_off_by: str | None
    signed_off_at: datetime | None
    sign_off_note: str | None
    payment_count: int
    totals: tuple[TenderTotal, ...]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def needs_sign_off(self) -> bool:
        """Closed with a variance that no manager has signed off yet."""
        return (
            self.closed_at is not None
            and self.variance is not None
            and self.variance != 0
            and self.signed_off_at is None
        )

    @property
    def status(self) -> str:
        """ "open", "balanced", "awaiting sign-off" or "signed off"."""
        if self.closed_at is None:
            return "open"
        if self.signed_off_at is not None:
            return "signed off"
        if self.variance:
            return "awaiting sign-off"
        return "balanced"

    @property
    def clerk_title(self) -> str:
        return self.clerk_name or self.clerk


@dataclass(frozen=True)
class ShiftClose:
    """A count just recorded: what was counted, what was expected, and the difference."""

    shift_id: int
    closed_at: datetime
    counted: Decimal
    expected: Decimal
    variance: Decimal
    currency: str

    @property
    def needs_sign_off(self) -> bool:
        return self.variance != 0

    @property
    def words(self) -> str:
        return variance_words(self.variance, self.currency)


@dataclass(frozen=True)
class DrawerState:
    """What the desk needs to draw the clerk's drawer: the office and their open shift."""

    office: Office
    denominations: tuple[Denomination, ...]
    current: ShiftSummary | None


# -- SQL ----------------------------------------------------------------------------------

_SHIFT_SQL = """
SELECT c.id, c.clerk, coalesce(s.full_name, '') AS clerk_name, c.opened_at, c.opening_float,
       c.closed_at, c.counted, c.expected, c.variance, c.signed_off_by, c.signed_off_at,
       c.sign_off_note, c.count_detail
FROM parkdesk.shift_line c
LEFT JOIN parkdesk.staff_member s ON s.login = c.clerk
"""

_TOTALS_SQL = """
SELECT shift_id, tender, received, paid_out, payments FROM parkdesk.shift_totals(:ids)
"""

#: Tenders in the order totals are listed.
_TENDER_ORDER = ("cash", "card", "cheque", "account")


def _tender_rank(tender: str) -> int:
    return _TENDER_ORDER.index(tender) if tender in _TENDER_ORDER else len(_TENDER_ORDER)


def _office_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


class CashDrawerService:
    """The cash-drawer use cases for one logged-in person. Each method is one transaction."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    # -- reading ----------------------------------------------------------------------

    def office(self) -> Office:
        with self.workspace.read() as session:
            return self._office(session)

    def state(self) -> DrawerState:
        """The office, its denominations and this clerk's open shift, in one round trip."""
        with self.workspace.read() as session:
            office = self._office(session)
            return DrawerState(
                office=office,
                denominations=denominations_for(office.currency),
                current=self._current(session),
            )

    def current_shift(self) -> ShiftSummary | None:
        """The logged-in clerk's open shift, if they have one."""
        with self.workspace.read() as session:
            return self._current(session)

    def get(self, shift_id: int) -> ShiftSummary:
        with self.workspace.read() as session:
            return self._load(session, shift_id)

    def shifts(
        self, filter: str = ALL, *, limit: int = 100, after: int | None = None
    ) -> list[ShiftSummary]:
        """Shifts newest first; ``after`` continues below the last shift id of a page.

        Row-level security decides whose shifts appear: a clerk's own, or every
        drawer for a manager.
        """
        if filter not in _FILTER_SQL:
            raise ValidationError.single(
                "filter", "Show mine, open, awaiting sign-off or all shifts."
            )
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    f"{_SHIFT_SQL} WHERE {_FILTER_SQL[filter]} "
                    "AND (CAST(:after AS bigint) IS NULL OR c.id < :after) "
                    "ORDER BY c.id DESC LIMIT :limit"
                ),
                {"after": after, "limit": max(1, min(limit, 2000))},
            ).all()
            return self._summaries(session, rows)

    def denominations(self) -> tuple[Denomination, ...]:
        return denominations_for(self.office().currency)

    # -- writing ------------------------------------------------------------------------

    def open_shift(self, opening_float: Decimal | str) -> ShiftSummary:
        """Open the clerk's shift with the float they counted into the drawer."""
        amount = parse_money(opening_float, field="float", label="the float")
        if amount > MAX_FLOAT:
            raise ValidationError.single(
                "float", f"The float is at most {MAX_FLOAT:,.2f}; count it again."
            )
        with self.workspace.transaction() as session:
            shift_id = session.execute(
                text("SELECT parkdesk.open_shift(:amount)"), {"amount": amount}
            ).scalar_one()
            return self._load(session, int(shift_id))

    def close_shift(self, shift_id: int, counts: Mapping[Decimal, int]) -> ShiftClose:
        """Record the blind count and close the shift; only then is the expected cash known."""
        with self.workspace.transaction() as session:
            office = self._office(session)
            known = DENOMINATIONS.get(office.currency, DENOMINATIONS["USD"])
            payload = _counts_json(counts, known)
            self._visible(session, shift_id)
            session.execute(
                text("SELECT parkdesk.close_shift(:id, CAST(:counts AS jsonb))"),
                {"id": shift_id, "counts": payload},
            )
        # Only once the count is committed does the database say what was expected: read in
        # the closing transaction, a close that was then rolled back would have shown it.
        with self.workspace.read() as session:
            row = session.execute(
                text(
                    "SELECT closed_at, counted, expected, variance FROM parkdesk.shift_line "
                    "WHERE id = :id"
                ),
                {"id": shift_id},
            ).one()
        return ShiftClose(shift_id=shift_id, currency=office.currency, **row._mapping)

    def sign_off(self, shift_id: int, note: str) -> ShiftSummary:
        """A manager accepts a shift's variance, saying what explains it."""
        note = note.strip()
        if len(note) < 3:
            raise ValidationError.single("note", "Say what explains the variance.")
        if len(note) > MAX_NOTE:
            raise ValidationError.single("note", f"The note is at most {MAX_NOTE} characters.")
        with self.workspace.transaction() as session:
            self._visible(session, shift_id)
            session.execute(
                text("SELECT parkdesk.sign_off_shift(:id, :note)"), {"id": shift_id, "note": note}
            )
            return self._load(session, shift_id)

    # -- the shift report -----------------------------------------------------------------

    def shift_report(self, shift_id: int) -> ShiftReport:
        with self.workspace.read() as session:
            office = self._office(session)
            row = self._row(session, shift_id)
            payments = session.execute(
                text(
                    "SELECT receipt_number, received_at AS at, direction, tender, amount, "
                    "description FROM parkdesk.shift_payments(:id)"
                ),
                {"id": shift_id},
            ).all()
        shift_payments = tuple(ShiftPayment(**p._mapping) for p in payments)
        totals = _totals(
            (p.tender, p.direction, p.amount) for p in shift_payments if p.tender != "none"
        )
        count_detail = tuple(
            sorted(
                ((Decimal(key), int(qty)) for key, qty in (row.count_detail or {}).items()),
                key=lambda item: -item[0],
            )
        )
        return record(
            ShiftReport,
            row,
            office=office,
            shift_id=row.id,
            payments=shift_payments,
            totals_by_tender=tuple(
                (t.tender, t.received or _ZERO, t.paid_out or _ZERO) for t in totals
            ),
            count_detail=count_detail,
        )

    def shift_report_pdf(self, shift_id: int) -> bytes:
        return shift_report_pdf(self.shift_report(shift_id))

    # -- helpers ----------------------------------------------------------------------------

    def _office(self, session: Session) -> Office:
        row = session.execute(
            text(
                "SELECT office_name, currency, time_zone, receipt_footer "
                "FROM parkdesk.office_setting WHERE id = 1"
            )
        ).one()
        return Office(
            name=row.office_name,
            currency=(row.currency or "USD").strip().upper(),
            time_zone=_office_zone(row.time_zone),
            receipt_footer=row.receipt_footer or "",
        )

    def _current(self, session: Session) -> ShiftSummary | None:
        rows = session.execute(
            text(f"{_SHIFT_SQL} WHERE c.clerk = current_user AND c.closed_at IS NULL")
        ).all()
        summaries = self._summaries(session, rows)
        return summaries[0] if summaries else None

    def _row(self, session: Session, shift_id: int) -> Row[Any]:
        row = session.execute(text(f"{_SHIFT_SQL} WHERE c.id = :id"), {"id": shift_id}).first()
        if row is None:
            raise NotFound(f"There is no shift {shift_id} among the shifts you can see.")
        return row

    def _visible(self, session: Session, shift_id: int) -> None:
        """Row-level security hides other clerks' drawers; say so before the database
        refuses with the owner's name."""
        self._row(session, shift_id)

    def _load(self, session: Session, shift_id: int) -> ShiftSummary:
        return self._summaries(session, [self._row(session, shift_id)])[0]

    def _summaries(self, session: Session, rows: Sequence[Row[Any]]) -> list[ShiftSummary]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        by_shift: dict[int, list[Row[Any]]] = {}
        for t in session.execute(text(_TOTALS_SQL), {"ids": ids}).all():
            by_shift.setdefault(t.shift_id, []).append(t)
        summaries = []
        for r in rows:
            tender_rows = by_shift.get(r.id, [])
            totals = tuple(
                sorted(
                    (
                        TenderTotal(t.tender, t.received, t.paid_out, int(t.payments))
                        for t in tender_rows
                        if t.tender != "none"
                    ),
                    key=lambda total: _tender_rank(total.tender),
                )
            )
            payment_count = sum(int(t.payments) for t in tender_rows)
            summaries.append(record(ShiftSummary, r, payment_count=payment_count, totals=totals))
        return summaries


def _totals(payments: Iterable[tuple[str, str, Decimal]]) -> tuple[TenderTotal, ...]:
    received: dict[str, Decimal] = {}
    paid_out: dict[str, Decimal] = {}
    for tender, direction, amount in payments:
        received.setdefault(tender, _ZERO)
        paid_out.setdefault(tender, _ZERO)
        if direction == "out":
            paid_out[tender] += amount
        else:
            received[tender] += amount
    return tuple(
        TenderTotal(tender, received[tender], paid_out[tender])
        for tender in sorted(received, key=_tender_rank)
    )
