"""Receipts and shift reports as a clerk or manager reads them: the text on the printed page."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdfium2
import pytest

from desktop.services.documents import (
    Office,
    Receipt,
    ReceiptLine,
    ShiftPayment,
    ShiftReport,
    receipt_pdf,
    render_pages,
    shift_report_pdf,
)
from desktop.services.localization import MINUS, format_local, format_money

TORONTO = ZoneInfo("America/Toronto")
OFFICE = Office(
    name="Northfield University Parking Services",
    currency="USD",
    time_zone="America/Toronto",
    receipt_footer="Permits are not transferable. Keep this receipt for your records.",
)
#: Permit periods are written with an en dash, which the standard PDF fonts cannot show.
EN_DASH = "\u2013"
PERMIT_LINE = f"Faculty annual permit P-0000123, Lot B, 1 Sep 2026 {EN_DASH} 31 Aug 2027"


def pdf_text(pdf: bytes) -> list[str]:
    """The text of each page, as a search or a screen reader would find it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        texts = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        document.close()


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces as single spaces: wrapped lines read on."""
    return re.sub(r"\s+", " ", text)


CARD_RECEIPT = Receipt(
    office=OFFICE,
    receipt_number="R-0000042",
    direction="in",
    received_at=datetime(2026, 11, 21, 19, 5, tzinfo=UTC),
    received_by="alice",
    clerk_name="Alice Martin",
    parker_name="Jordan Lee",
    campus_id="E12345",
    lines=(ReceiptLine(PERMIT_LINE, Decimal("540.00")),),
    total=Decimal("540.00"),
    tender="card",
    tender_detail="Visa ending 4242, ref ch_3PqX",
    cash_tendered=None,
    change_given=None,
    note="",
)


def shift_report(payments: int, *, counted_short: Decimal = Decimal("0.00")) -> ShiftReport:
    opened = datetime(2026, 11, 21, 8, 0, tzinfo=TORONTO)
    rows = tuple(
        ShiftPayment(
            receipt_number=f"R-{1000 + number:07d}",
            at=opened + timedelta(minutes=number),
            direction="out" if number % 25 == 7 else "in",
            tender=("cash", "card", "cheque", "account")[number % 4],
            amount=Decimal("85.00"),
            description=(
                f"Student term permit P-{5000 + number:07d}, Lot C, "
                f"1 Sep 2026 {EN_DASH} 31 Dec 2026"
                + ("; replaces a hang tag reported stolen, police report attached" * 2)
                * (number % 9 == 0)
            ),
        )
        for number in range(payments)
    )
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for row in rows:
        received, paid_out = totals.get(row.tender, (Decimal(0), Decimal(0)))
        if row.direction == "in":
            received += row.amount
        else:
            paid_out += row.amount
        totals[row.tender] = (received, paid_out)
    cash_in, cash_out = totals.get("cash", (Decimal(0), Decimal(0)))
    expected = Decimal("200.00") + cash_in - cash_out
    counted = expected - counted_short
    return ShiftReport(
        office=OFFICE,
        shift_id=17,
        clerk="alice",
        clerk_name="Alice Martin",
        opened_at=opened,
        closed_at=opened + timedelta(hours=9),
        opening_float=Decimal("200.00"),
        payments=rows,
        totals_by_tender=tuple((tender, r, p) for tender, (r, p) in totals.items()),
        count_detail=(
            (Decimal("20.00"), int(counted // 20)),
            (Decimal("0.25"), int(counted % 20 * 4)),
        ),
        counted=counted,
        expected=expected,
        variance=counted - expected,
        signed_off_by=None,
        signed_off_at=None,
        sign_off_note=None,
    )


# ------------------------------------------------------------------ money and time


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("12.5", "USD", "$12.50"),
        ("-12.5", "CAD", f"{MINUS}CA$12.50"),
        ("1234567.891", "USD", "$1,234,567.89"),
        ("-1234.5", "EUR", f"{MINUS}€1,234.50"),
        ("0.005", "GBP", "£0.01"),
        ("-0.004", "NZD", "NZ$0.00"),
        ("12", "CHF", "CHF\u00a012.00"),
        ("-9999.99", "jpy", f"{MINUS}¥10,000"),
        ("0.1", "AUD", "A$0.10"),
    ],
)
def test_money_is_printed_exactly(amount: str, currency: str, shown: str) -> None:
    assert format_money(Decimal(amount), currency) == shown


def test_money_beyond_float_precision_keeps_every_digit() -> None:
    assert format_money(Decimal("90071992547409.93"), "USD") == "$90,071,992,547,409.93"


def test_money_refuses_what_is_not_an_amount() -> None:
    with pytest.raises(ValueError, match="not an amount"):
        format_money(Decimal("NaN"), "USD")


def test_local_time_follows_daylight_saving() -> None:
    summer = datetime(2026, 7, 15, 18, 5, tzinfo=UTC)
    winter = datetime(2026, 1, 15, 19, 5, tzinfo=UTC)
    assert format_local(summer, "America/Toronto") == "15 Jul 2026 14:05 EDT"
    assert format_local(winter, "America/Toronto") == "15 Jan 2026 14:05 EST"


def test_local_time_across_the_autumn_change() -> None:
    # Clocks in Toronto go back at 02:00 EDT on 1 Nov 2026: 01:30 happens twice.
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert format_local(first, "America/Toronto") == "1 Nov 2026 01:30 EDT"
    assert format_local(first + timedelta(hours=1), "America/Toronto") == "1 Nov 2026 01:30 EST"


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        format_local(datetime(2026, 11, 21, 14, 5), "America/Toronto")  # noqa: DTZ001


# ------------------------------------------------------------------ receipts


def test_card_receipt_names_the_payment() -> None:
    pdf = receipt_pdf(CARD_RECEIPT)
    assert pdf.startswith(b"%PDF")
    [text] = pdf_text(pdf)
    page = flat(text)
    assert "Northfield University Parking Services" in page
    assert "Receipt R-0000042" in page
    assert "21 Nov 2026 14:05 EST" in page
    assert "Alice Martin (alice)" in page
    assert "Jordan Lee" in page
    assert "E12345" in page
    assert PERMIT_LINE in page
    assert "$540.00" in page
    assert "Visa ending 4242" in page
    assert "Permits are not transferable" in page
    assert "Change given" not in page


def test_cash_receipt_shows_tendered_and_change() -> None:
    pdf = receipt_pdf(
        replace(
            CARD_RECEIPT,
            lines=(
                ReceiptLine(PERMIT_LINE, Decimal("540.00")),
                ReceiptLine("Prorated discount", Decimal("-127.50")),
            ),
            total=Decimal("412.50"),
            tender="cash",
            tender_detail="",
            cash_tendered=Decimal("500.00"),
            change_given=Decimal("87.50"),
        )
    )
    page = flat(pdf_text(pdf)[0])
    assert "$412.50" in page
    assert f"{MINUS}$127.50" in page
    assert "Cash tendered $500.00" in page
    assert "Change given $87.50" in page


def test_refund_is_titled_as_a_refund() -> None:
    pdf = receipt_pdf(
        replace(
            CARD_RECEIPT,
            direction="out",
            lines=(ReceiptLine("Refund of unused months, permit P-0000123", Decimal("-1234.50")),),
            total=Decimal("1234.50"),
            tender="cheque",
            tender_detail="Cheque no. 001234",
            note="Approved by M. Ortiz",
        )
    )
    page = flat(pdf_text(pdf)[0])
    assert "Refund R-0000042" in page
    assert "Receipt R-0000042" not in page
    assert "Total refunded $1,234.50" in page
    assert "Cheque no. 001234" in page
    assert "Approved by M. Ortiz" in page


def test_visitor_receipt_in_euros_with_markup_like_text() -> None:
    office = Office("Parking <Zürich> & Co", "EUR", "Europe/Zurich", "")
    pdf = receipt_pdf(
        replace(
            CARD_RECEIPT,
            office=office,
            parker_name=None,
            campus_id=None,
            lines=(ReceiptLine("Day pass <Lot C> & more", Decimal("12.00")),),
            total=Decimal("12.00"),
            tender="none",
            tender_detail="",
            note="Issued free: conference speaker",
        )
    )
    page = flat(pdf_text(pdf)[0])
    assert "Parking <Zürich> & Co" in page
    assert "Visitor" in page
    assert "Day pass <Lot C> & more" in page
    assert "€12.00" in page
    assert "21 Nov 2026 20:05 CET" in page
    assert "Issued free: conference speaker" in page


# ------------------------------------------------------------------ shift reports


def test_long_shift_report_runs_over_numbered_pages() -> None:
    pdf = shift_report_pdf(shift_report(500))
    assert pdf.startswith(b"%PDF")
    pages = pdf_text(pdf)
    total = len(pages)
    assert total > 5
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        # The column headings are repeated at the top of every page of payments.
        if number < total:
            assert "Receipt Time Tender In/out Amount Description" in flat(text)
    everything = flat(" ".join(pages))
    assert "R-0001000" in everything
    assert "R-0001499" in everything
    assert "police report attached" in everything


def test_short_variance_awaits_sign_off() -> None:
    pages = pdf_text(shift_report_pdf(shift_report(60, counted_short=Decimal("5.25"))))
    last = flat(pages[-1])
    assert "$5.25 short" in last
    assert "Awaiting manager sign-off" in last
    assert "No sign-off needed" not in last


def test_balanced_drawer_needs_no_sign_off() -> None:
    pages = pdf_text(shift_report_pdf(shift_report(4)))
    last = flat(pages[-1])
    assert len(pages) == 1
    assert "Page 1 of 1" in last
    assert "No sign-off needed" in last
    assert "Awaiting manager sign-off" not in last


def test_signed_off_variance_names_the_manager() -> None:
    report = shift_report(12, counted_short=Decimal("-2.00"))
    signed = replace(
        report,
        signed_off_by="mona",
        signed_off_at=datetime(2026, 11, 21, 18, 30, tzinfo=TORONTO),
        sign_off_note="Extra toonie found under the tray",
    )
    page = flat(pdf_text(shift_report_pdf(signed))[-1])
    assert "$2.00 over" in page
    assert "Signed off by mona on 21 Nov 2026 18:30 EST" in page
    assert "Extra toonie found under the tray" in page
    assert "Awaiting manager sign-off" not in page


def test_open_shift_says_open() -> None:
    report = shift_report(3)
    still_open = replace(
        report, closed_at=None, count_detail=(), counted=None, expected=None, variance=None
    )
    page = flat(pdf_text(shift_report_pdf(still_open))[0])
    assert "Still open" in page
    assert "The shift is open" in page


# ------------------------------------------------------------------ rendering


def test_rendered_pages_are_white_rgb_at_the_asked_resolution() -> None:
    pdf = shift_report_pdf(shift_report(120))
    pages = render_pages(pdf, dpi=50)
    assert len(pages) == len(pdf_text(pdf))
    width, height, pixels = pages[0]
    # Letter is 8.5 by 11 inches.
    assert (width, height) == (425, 550)
    assert len(pixels) == width * height * 3
    assert pixels[:3] == b"\xff\xff\xff"
    [only_last] = render_pages(pdf, dpi=50, only=(len(pages) - 1,))
    assert only_last == pages[-1]
