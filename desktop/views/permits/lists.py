"""What the permit desk's lists show: the words for permits, sale options, the account,
receipts and refunds, and each list's columns as declarations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject

from desktop.services.localization import format_day, format_local, format_money, format_period
from desktop.services.permits import (
    LEDGER_TITLES,
    REFUND_TITLES,
    STATUS_TITLES,
    TENDER_TITLES,
    LedgerLine,
    PaymentResult,
    PermitInfo,
    RefundInfo,
    SaleOption,
)
from desktop.views.kit.tables import Column, RowsModel, badge_column, money_column, time_column
from desktop.views.permits.actions import CREDIT_COLOUR, OWED_COLOUR, permit_plates, tender_words

#: Permit states in which a permit can still be renewed, transferred or cancelled.
LIVE_STATES = ("active", "future")

#: The widest period a permit list usually shows.
DAYS = "30 Sep 2026 \u2013 31 Aug 2027"


def balance_words(balance: Decimal, currency: str) -> str:
    if balance > 0:
        return f"Owes {format_money(balance, currency)}"
    if balance < 0:
        return f"In credit {format_money(-balance, currency)}"
    return "Nothing owed"


def permit_status(permit: PermitInfo, time_zone: str) -> str:
    """'Valid', 'Starts later (renewed)', 'Cancelled 3 Dec 2026'."""
    status = STATUS_TITLES.get(permit.status, permit.status)
    if permit.status == "cancelled" and permit.cancelled_at is not None:
        day = permit.cancelled_at.astimezone(ZoneInfo(time_zone)).date()
        return f"{status} {format_day(day)}"
    if permit.renewed and permit.status in LIVE_STATES:
        return f"{status} (renewed)"
    return status


def availability_words(option: SaleOption) -> str:
    """'Lot B: 3 of 420 left · Lot C: 0 of 50 left'."""
    if not option.lots:
        return "Not sold for any open lot"
    return " \u00b7 ".join(lot.describe() for lot in option.lots)


def option_price(option: SaleOption, currency: str) -> str:
    quote = option.quote
    if quote is None:
        return format_money(option.price, currency)
    if quote.prorated:
        return (
            f"{format_money(quote.price, currency)} "
            f"(prorated from {format_money(quote.full_price, currency)})"
        )
    return format_money(quote.price, currency)


def option_price_sample(currency: str) -> str:
    """The widest price the sale list usually shows, for sizing its column."""
    price, full = format_money(Decimal(400), currency), format_money(Decimal(480), currency)
    return f"{price} (prorated from {full})"


def option_period(option: SaleOption) -> str:
    if option.quote is None:
        return option.validity_text
    return format_period(option.quote.first_day, option.quote.last_day)


def option_status(option: SaleOption) -> str:
    if option.refusal is not None:
        return option.refusal
    if option.sale_mode == "waitlist":
        return "Through the waitlist"
    if option.lots and all(lot.free <= 0 for lot in option.lots):
        return "Full: waitlist only"
    return "Can buy"


def paid_words(payment: PaymentResult, currency: str) -> str:
    """'$40.00 paid by card (receipt R-0000042).' for the notice after a payment."""
    amount = format_money(payment.amount, currency)
    if payment.amount == 0:
        return f"issued free (receipt {payment.receipt_number})."
    how = tender_words(payment.tender)
    verb = "paid out" if payment.direction == "out" else "paid"
    return f"{amount} {verb} by {how} (receipt {payment.receipt_number})."


@dataclass(frozen=True)
class ReceiptRow:
    """A payment as the receipts list shows it: with the day it was taken, from the ledger."""

    payment: PaymentResult
    posted_at_text: str


def permits_model(
    currency: Callable[[], str], zone: Callable[[], str], parent: QObject
) -> RowsModel[PermitInfo]:
    return RowsModel(
        [
            Column("Number", lambda p: p.number, samples=("P-0000123",)),
            Column("Permit", lambda p: p.title, samples=("Faculty & staff annual",), give_way=True),
            Column("Lot", lambda p: p.lot_name, samples=("Stadium West Garage",), give_way=True),
            Column(
                "Vehicles",
                lambda p: permit_plates(p) + ("  ⚑ on site together" if p.flagged_at else ""),
                tooltip=lambda p: p.flag_words or None,
                colour=lambda p: "#b45309" if p.flagged_at else None,
                samples=("ON ABCD123",),
                stretch=True,
            ),
            Column("Valid", lambda p: format_period(p.first_day, p.last_day), samples=(DAYS,)),
            Column(
                "Status",
                lambda p: permit_status(p, zone()),
                tooltip=lambda p: (
                    f"Cancelled: {p.cancel_reason}" if p.cancel_reason else permit_status(p, zone())
                ),
                samples=("Starts later (renewed)", "Cancelled 30 Sep 2026"),
            ),
            money_column("Price", lambda p: p.price, currency),
        ],
        key=lambda p: p.id,
        dimmed=lambda p: p.status not in LIVE_STATES,
        parent=parent,
    )


def options_model(currency: Callable[[], str], parent: QObject) -> RowsModel[SaleOption]:
    return RowsModel(
        [
            Column(
                "Permit type", lambda o: o.name, samples=("Faculty & staff annual",), give_way=True
            ),
            Column(
                "Price",
                lambda o: option_price(o, currency()),
                align="right",
                samples=lambda: [option_price_sample(currency())],
            ),
            Column("Period", option_period, samples=(DAYS,)),
            # The detail under the list says it whole (and so does the tooltip).
            Column(
                "For this parker",
                option_status,
                samples=("Already has 1 (the limit is 1).", "Through the waitlist"),
                give_way=True,
            ),
            Column(
                "Spaces left",
                availability_words,
                stretch=True,
                samples=("Library Lot: 120 of 420 left",),
            ),
        ],
        key=lambda o: o.type_id,
        dimmed=lambda o: not o.eligible,
        parent=parent,
    )


def ledger_model(
    currency: Callable[[], str], zone: Callable[[], str], parent: QObject
) -> RowsModel[tuple[LedgerLine, Decimal]]:
    """The account, newest first: each line with the balance after it."""
    return RowsModel(
        [
            time_column("Date", lambda r: r[0].posted_at, lambda at: format_local(at, zone())),
            Column(
                "What",
                lambda r: LEDGER_TITLES.get(r[0].kind, r[0].kind),
                samples=("Temporary permit",),
            ),
            Column("Details", lambda r: r[0].memo, stretch=True),
            money_column(
                "Amount",
                lambda r: r[0].amount,
                currency,
                words=lambda r, shown: f"+{shown}" if r[0].amount > 0 else shown,
                colour=lambda r: OWED_COLOUR if r[0].amount > 0 else CREDIT_COLOUR,
            ),
            money_column("Balance", lambda r: r[1], currency),
            Column("Receipt", lambda r: r[0].receipt_number or "", samples=("R-0000042",)),
        ],
        parent=parent,
    )


def receipts_model(currency: Callable[[], str], parent: QObject) -> RowsModel[ReceiptRow]:
    return RowsModel(
        [
            Column("Receipt", lambda r: r.payment.receipt_number, samples=("R-0000042",)),
            Column("Date", lambda r: r.posted_at_text, samples=("30 Sep 2026",)),
            Column("Permit", lambda r: r.payment.permit_number or "\u2014", samples=("P-0000123",)),
            money_column(
                "Amount",
                lambda r: r.payment.amount,
                currency,
                words=lambda r, shown: shown if r.payment.direction == "in" else f"{shown} out",
                largest=Decimal("99999.99"),
            ),
            Column(
                "Paid by",
                lambda r: TENDER_TITLES.get(r.payment.tender, r.payment.tender),
                stretch=True,
            ),
        ],
        key=lambda r: r.payment.payment_id,
        parent=parent,
    )


def refunds_model(
    currency: Callable[[], str], zone: Callable[[], str], parent: QObject
) -> RowsModel[RefundInfo]:
    return RowsModel(
        [
            time_column("Requested", lambda r: r.requested_at, lambda at: format_local(at, zone())),
            Column("Parker", lambda r: r.parker_name, samples=("Alexandra Okonkwo-Smith",)),
            Column(
                "For",
                lambda r: r.permit_number,
                tooltip=lambda r: r.subject,
                samples=("P-0000123", "BZAA0010405"),
            ),
            money_column("Amount", lambda r: r.amount, currency),
            badge_column("Status", lambda r: r.status, REFUND_TITLES),
            Column("Reason", lambda r: r.reason, stretch=True),
            Column("Requested by", lambda r: r.requested_by, samples=("bruno",)),
            Column(
                "Paid by",
                lambda r: TENDER_TITLES.get(r.original_tender or "", "\u2014"),
                samples=tuple(TENDER_TITLES.values()),
            ),
        ],
        key=lambda r: r.id,
        parent=parent,
    )
