"""Printable documents: payment receipts, cash-drawer shift reports and citation notices.

Each document is a PDF built with reportlab; :func:`render_pages` rasterises a PDF for
the on-screen preview and for printing, so the page a clerk sees is the page they print
and the file they save.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop.services.localization import (
    format_day,
    format_day_time,
    format_local,
    format_long_day,
    format_money,
    format_month,
    office_time,
)

# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Office:
    """The parking office whose name, currency and clock appear on its documents."""

    name: str
    currency: str
    time_zone: str
    receipt_footer: str


@dataclass(frozen=True)
class ReceiptLine:
    description: str
    amount: Decimal


@dataclass(frozen=True)
class Receipt:
    """One payment taken at the counter (direction "in") or one refund paid out ("out")."""

    office: Office
    receipt_number: str
    direction: str
    received_at: datetime
    received_by: str
    clerk_name: str
    parker_name: str | None
    campus_id: str | None
    lines: tuple[ReceiptLine, ...]
    total: Decimal
    tender: str
    tender_detail: str
    cash_tendered: Decimal | None
    change_given: Decimal | None
    note: str


@dataclass(frozen=True)
class CitationNotice:
    """A citation as its notice tells the vehicle's owner: what, where, when, what is owed."""

    office: Office
    number: str
    issued_at: datetime
    plate: str
    vehicle: str
    violation: str
    place: str
    officer: str
    fine: Decimal
    balance: Decimal
    amount_due: Decimal
    due_on: date
    status: str
    #: The early-payment discount's percent and its last day, when the office gives one.
    discount: tuple[Decimal, date] | None
    lines: tuple[ReceiptLine, ...]
    note: str


@dataclass(frozen=True)
class AppealLetter:
    """What a decision letter or a notice of hearing tells the person who appealed."""

    office: Office
    appeal_number: str
    citation_number: str
    plate: str
    violation: str
    issued_at: datetime
    appellant: str
    contact: str
    filed_at: datetime
    #: "uphold", "reduce" or "dismiss"; empty for a notice of hearing.
    decision: str
    decided_at: datetime | None
    reason: str
    note: str
    fine: Decimal
    reduced_to: Decimal | None
    balance: Decimal
    due_on: date
    refund_due: Decimal
    hearing_at: datetime | None
    hearing_place: str


@dataclass(frozen=True)
class PacketLine:
    """One line of a case timeline as the hearing packet prints it."""

    at: datetime
    when: str
    what: str
    detail: str


@dataclass(frozen=True)
class PacketPhoto:
    """A photo of the citation, with whether its bytes still match their recorded hash."""

    content: bytes
    captured_at: datetime
    sha256: str
    matches: bool
    #: What a parker's document is ("Receipt for the day permit, page 1 of 2"); "" for a
    #: photo the officer took.
    caption: str = ""


@dataclass(frozen=True)
class HearingPacket:
    """Everything a hearing needs in one document: the citation, its photos, the case
    timeline (reads, permits, money) and the appeal's history."""

    letter: AppealLetter
    officer: str
    device: str
    place: str
    note: str
    statement: str
    timeline: tuple[PacketLine, ...]
    photos: tuple[PacketPhoto, ...]
    #: The parker's own documents attached to the appeal, a PDF as pictures of its pages.
    documents: tuple[PacketPhoto, ...] = ()


@dataclass(frozen=True)
class ShiftPayment:
    receipt_number: str
    at: datetime
    direction: str
    tender: str
    amount: Decimal
    description: str


@dataclass(frozen=True)
class ShiftReport:
    """A clerk's cash-drawer shift: what went through it, the blind count, the variance."""

    office: Office
    shift_id: int
    clerk: str
    clerk_name: str
    opened_at: datetime
    closed_at: datetime | None
    opening_float: Decimal
    payments: tuple[ShiftPayment, ...]
    totals_by_tender: tuple[tuple[str, Decimal, Decimal], ...]
    count_detail: tuple[tuple[Decimal, int], ...]
    counted: Decimal | None
    expected: Decimal | None
    variance: Decimal | None
    signed_off_by: str | None
    signed_off_at: datetime | None
    sign_off_note: str | None


# --------------------------------------------------------------------------- money and time

_CENT = Decimal("0.01")
# --------------------------------------------------------------------------- type and layout

#: Bitstream Vera ships inside reportlab, so every computer embeds the same font; unlike the
#: standard Helvetica it has the minus sign (U+2212), the en dash and the euro sign.
FONT = "ParkDesk-Sans"
FONT_BOLD = "ParkDesk-Sans-Bold"
FONT_ITALIC = "ParkDesk-Sans-Italic"
FONT_BOLD_ITALIC = "ParkDesk-Sans-BoldItalic"

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#c3cad3")
HEADER_FILL = colors.HexColor("#eef1f5")
STRIPE_FILL = colors.HexColor("#f8f9fb")
ALERT_INK = colors.HexColor("#b42318")
ALERT_FILL = colors.HexColor("#fdecea")

PAGE_SIZE = letter
MARGIN = 0.75 * inch
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN

#: A description longer than this is cut, so no single table row can outgrow a page.
MAX_DESCRIPTION_CHARS = 1000


@functools.cache
def _register_fonts() -> None:
    """Register the document fonts with reportlab's process-wide registry, once."""
    folder = Path(reportlab.__file__).parent / "fonts"
    for name, file in (
        (FONT, "Vera.ttf"),
        (FONT_BOLD, "VeraBd.ttf"),
        (FONT_ITALIC, "VeraIt.ttf"),
        (FONT_BOLD_ITALIC, "VeraBI.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
    )


@dataclass(frozen=True)
class _Styles:
    office: ParagraphStyle
    title: ParagraphStyle
    section: ParagraphStyle
    label: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    cell_head: ParagraphStyle
    cell_head_right: ParagraphStyle
    line: ParagraphStyle
    line_right: ParagraphStyle
    note: ParagraphStyle
    footer: ParagraphStyle
    alert: ParagraphStyle


def _styles() -> _Styles:
    _register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5)
    cell_head = ParagraphStyle("cell_head", parent=cell, fontName=FONT_BOLD, textColor=MUTED)
    return _Styles(
        office=ParagraphStyle(
            "office", parent=body, fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=2
        ),
        title=ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=12, leading=16),
        section=ParagraphStyle(
            "section",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=14,
            spaceBefore=12,
            spaceAfter=5,
        ),
        label=ParagraphStyle("label", parent=body, textColor=MUTED),
        body=body,
        cell=cell,
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        cell_head=cell_head,
        cell_head_right=ParagraphStyle("cell_head_right", parent=cell_head, alignment=TA_RIGHT),
        # Receipt lines are few and read by the parker: the size of the body text.
        line=ParagraphStyle("line", parent=body),
        line_right=ParagraphStyle("line_right", parent=body, alignment=TA_RIGHT),
        note=ParagraphStyle("note", parent=body, fontName=FONT_ITALIC),
        footer=ParagraphStyle(
            "footer", parent=body, fontSize=8.5, leading=11, textColor=MUTED, alignment=TA_CENTER
        ),
        alert=ParagraphStyle("alert", parent=body, fontName=FONT_BOLD, textColor=ALERT_INK),
    )


def _text(value: str) -> str:
    """Plain text made safe for a reportlab paragraph, whose text is a small markup language."""
    return escape(value)


def _clip(value: str) -> str:
    if len(value) <= MAX_DESCRIPTION_CHARS:
        return value
    return value[: MAX_DESCRIPTION_CHARS - 1].rstrip() + "…"


class _AmountLine(Protocol):
    @property
    def description(self) -> str: ...

    @property
    def amount(self) -> Decimal: ...


def _amount_rows(
    title: str, lines: Iterable[_AmountLine], money: Callable[[Decimal], str], styles: _Styles
) -> list[list[Any]]:
    """A receipt's or a notice's lines: a heading, then each line's words and amount."""
    rows: list[list[Any]] = [
        [Paragraph(title, styles.cell_head), Paragraph("Amount", styles.cell_head_right)]
    ]
    rows += [
        [
            Paragraph(_text(_clip(line.description)), styles.line),
            Paragraph(_text(money(line.amount)), styles.line_right),
        ]
        for line in lines
    ]
    return rows


def _details_table(rows: Sequence[tuple[str, Flowable | str]], styles: _Styles) -> Table:
    """Label/value pairs laid out two to a row, as on a form."""
    cells: list[list[Any]] = []
    for start in range(0, len(rows), 2):
        row: list[Any] = []
        for label, value in rows[start : start + 2]:
            shown = value if isinstance(value, Flowable) else Paragraph(_text(value), styles.body)
            row += [Paragraph(_text(label), styles.label), shown]
        cells.append(row + [""] * (4 - len(row)))
    label_width = 1.05 * inch
    value_width = CONTENT_WIDTH / 2 - label_width
    table = Table(cells, colWidths=[label_width, value_width, label_width, value_width])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *_padding(0, 6, 1.5, 1.5)]))
    return table


def _padding(left: float, right: float, top: float, bottom: float) -> list[Any]:
    """Every cell's padding, in points."""
    return [
        (f"{side}PADDING", (0, 0), (-1, -1), points)
        for side, points in (("LEFT", left), ("RIGHT", right), ("TOP", top), ("BOTTOM", bottom))
    ]


def _grid_style(*, header_rows: int = 1, striped: bool = True, rows: int = 0) -> list[Any]:
    commands: list[Any] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        *_padding(5, 5, 3, 3),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.75, RULE),
    ]
    if striped:
        commands += [
            ("BACKGROUND", (0, row), (-1, row), STRIPE_FILL)
            for row in range(header_rows + 1, rows, 2)
        ]
    return commands


_PageDrawer = Callable[[Any, int, int], None]


def _build_pdf(
    make_story: Callable[[], list[Flowable]], title: str, draw_page: _PageDrawer
) -> bytes:
    """Lay out the story; lay it out again when it ran past one page, so that every page
    can say how many pages there are ("Page 1 of 3")."""

    def write(total: int) -> tuple[bytes, int]:
        buffer = io.BytesIO()
        document = BaseDocTemplate(
            buffer,
            pagesize=PAGE_SIZE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=title,
            creator="ParkDesk",
        )

        def on_page(canvas: Any, doc: Any) -> None:
            canvas.saveState()
            draw_page(canvas, doc.page, total)
            canvas.restoreState()

        # No frame padding: headings, tables and the footer rule share one left edge.
        frame = Frame(
            MARGIN,
            MARGIN,
            CONTENT_WIDTH,
            PAGE_SIZE[1] - 2 * MARGIN,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        document.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
        document.build(make_story())
        return buffer.getvalue(), int(document.page)

    pdf, pages = write(1)
    if pages > 1:
        # The footer is drawn in the margin, so the second layout breaks pages identically.
        pdf, _ = write(pages)
    return pdf


def _fit_line(text: str, width: float, size: float) -> str:
    """``text`` cut short with an ellipsis so that it fits ``width`` points on one line."""
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _draw_footer(canvas: Any, left: str, right: str) -> None:
    size = 7.5
    canvas.setFont(FONT, size)
    canvas.setFillColor(MUTED)
    baseline = MARGIN * 0.55
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, baseline + 10, PAGE_SIZE[0] - MARGIN, baseline + 10)
    # A long office or clerk name is cut rather than run into the page number.
    room = CONTENT_WIDTH - pdfmetrics.stringWidth(right, FONT, size) - 18
    canvas.drawString(MARGIN, baseline, _fit_line(left, room, size))
    canvas.drawRightString(PAGE_SIZE[0] - MARGIN, baseline, right)


# --------------------------------------------------------------------------- receipts

_TENDER_NAMES = {
    "cash": "Cash",
    "card": "Card",
    "cheque": "Cheque",
    "account": "Account",
    "none": "None",
}


def _tender_name(tender: str) -> str:
    return _TENDER_NAMES.get(tender, tender.replace("_", " ").capitalize())


def _receipt_payment_text(receipt: Receipt) -> str:
    if receipt.tender == "none":
        return "No payment taken" if receipt.direction == "in" else "Nothing paid out"
    if receipt.tender == "account":
        how = "Charged to account" if receipt.direction == "in" else "Credited to account"
    else:
        how = _tender_name(receipt.tender)
    detail = receipt.tender_detail
    if not detail:
        return how
    # "Cheque no. 001234" already says how it was paid.
    if detail.casefold().startswith(how.casefold()):
        return detail
    return f"{how} — {detail}"


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt a clerk hands over for a payment, or for a refund paid out."""
    styles = _styles()
    office = receipt.office
    refund = receipt.direction == "out"
    kind = "Refund" if refund else "Receipt"

    def money(amount: Decimal) -> str:
        return format_money(amount, office.currency)

    def story() -> list[Flowable]:
        # Who took another clerk's payment is not theirs to know: a reprint says the office.
        served_by = (
            f"{receipt.clerk_name} ({receipt.received_by})"
            if receipt.clerk_name and receipt.received_by
            else receipt.received_by or "The parking office"
        )
        details = _details_table(
            [
                ("Date", format_local(receipt.received_at, office.time_zone)),
                ("Parker", receipt.parker_name if receipt.parker_name is not None else "Visitor"),
                ("Served by", served_by),
                ("Campus ID", receipt.campus_id or "—"),
            ],
            styles,
        )

        amount_width = 1.3 * inch
        rows = _amount_rows("Description", receipt.lines, money, styles)
        first_total = len(rows)
        total_label = "Total refunded" if refund else "Total paid"
        totals: list[tuple[str, Decimal]] = [(total_label, receipt.total)]
        if receipt.tender == "cash" and receipt.cash_tendered is not None:
            totals.append(("Cash tendered", receipt.cash_tendered))
        if receipt.tender == "cash" and receipt.change_given is not None:
            totals.append(("Change given", receipt.change_given))
        rows += [[label, money(amount)] for label, amount in totals]

        lines_table = Table(
            rows, colWidths=[CONTENT_WIDTH - amount_width, amount_width], repeatRows=1
        )
        lines_table.setStyle(
            TableStyle(
                [
                    *_grid_style(rows=first_total),
                    ("LINEBELOW", (0, first_total - 1), (-1, first_total - 1), 0.75, RULE),
                    ("FONT", (0, first_total), (-1, -1), FONT, 9.5),
                    ("TEXTCOLOR", (0, first_total), (-1, -1), INK),
                    ("ALIGN", (0, first_total), (-1, -1), "RIGHT"),
                    ("FONT", (0, first_total), (-1, first_total), FONT_BOLD, 11),
                    ("TOPPADDING", (0, first_total), (-1, first_total), 6),
                    ("BOTTOMPADDING", (0, first_total), (-1, first_total), 4),
                ]
            )
        )

        payment_rows: list[tuple[str, Flowable | str]] = [
            ("Refunded by" if refund else "Paid by", _receipt_payment_text(receipt))
        ]
        if receipt.note:
            payment_rows.append(("Note", Paragraph(_text(receipt.note), styles.note)))
        payment = Table(
            [
                [
                    Paragraph(_text(label), styles.label),
                    value if isinstance(value, Flowable) else Paragraph(_text(value), styles.body),
                ]
                for label, value in payment_rows
            ],
            colWidths=[1.05 * inch, CONTENT_WIDTH - 1.05 * inch],
        )
        payment.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *_padding(0, 6, 1.5, 1.5)])
        )

        flowables: list[Flowable] = [
            Paragraph(_text(office.name), styles.office),
            Paragraph(f"{kind} {_text(receipt.receipt_number)}", styles.title),
            Spacer(1, 10),
            details,
            Spacer(1, 14),
            lines_table,
            Spacer(1, 12),
            payment,
        ]
        if office.receipt_footer:
            flowables += [
                Spacer(1, 22),
                Paragraph(_text(office.receipt_footer).replace("\n", "<br/>"), styles.footer),
            ]
        return flowables

    def draw_page(canvas: Any, page: int, total: int) -> None:
        # A one-page receipt needs no footer; a long one says which page is which.
        if total > 1:
            _draw_footer(
                canvas,
                f"{office.name} · {kind} {receipt.receipt_number}",
                f"Page {page} of {total}",
            )

    return _build_pdf(story, f"{kind} {receipt.receipt_number}", draw_page)


# --------------------------------------------------------------------------- citation notices


def citation_notice_pdf(notice: CitationNotice) -> bytes:
    """The notice of a citation: the offence, the fine's history and how much is owed by when."""
    styles = _styles()
    office = notice.office

    def money(amount: Decimal) -> str:
        return format_money(amount, office.currency)

    def story() -> list[Flowable]:
        details = _details_table(
            [
                ("Issued", format_local(notice.issued_at, office.time_zone)),
                ("Plate", notice.plate),
                ("Violation", notice.violation),
                ("Vehicle", notice.vehicle or "—"),
                ("Place", notice.place),
                ("Officer", notice.officer),
                ("Status", notice.status),
                ("Due by", format_long_day(notice.due_on)),
            ],
            styles,
        )
        amount_width = 1.3 * inch
        rows = _amount_rows("Fine and payments", notice.lines, money, styles)
        first_total = len(rows)
        rows.append(["Balance", money(notice.balance)])
        if notice.amount_due != notice.balance:
            rows.append(["To pay today", money(notice.amount_due)])
        lines_table = Table(
            rows, colWidths=[CONTENT_WIDTH - amount_width, amount_width], repeatRows=1
        )
        lines_table.setStyle(
            TableStyle(
                [
                    *_grid_style(rows=first_total),
                    ("LINEBELOW", (0, first_total - 1), (-1, first_total - 1), 0.75, RULE),
                    ("FONT", (0, first_total), (-1, -1), FONT_BOLD, 11),
                    ("TEXTCOLOR", (0, first_total), (-1, -1), INK),
                    ("ALIGN", (0, first_total), (-1, -1), "RIGHT"),
                    ("TOPPADDING", (0, first_total), (-1, -1), 6),
                ]
            )
        )
        flowables: list[Flowable] = [
            Paragraph(_text(office.name), styles.office),
            Paragraph(f"Parking citation {_text(notice.number)}", styles.title),
            Spacer(1, 10),
            details,
            Spacer(1, 14),
            lines_table,
        ]
        if notice.note:
            flowables += [
                Spacer(1, 10),
                Paragraph(_text(f"Officer's note: {notice.note}"), styles.note),
            ]
        how = [
            f"Pay {money(notice.amount_due)} by {format_long_day(notice.due_on)} at the parking "
            f"office, quoting citation {notice.number}. Unpaid fines may rise after the due "
            "date."
        ]
        if notice.discount is not None and notice.amount_due > 0:
            percent, until = notice.discount
            how.append(
                f"Paid in full by {format_long_day(until)}, the fine is reduced by "
                f"{percent.normalize():f} %."
            )
        how.append("To dispute this citation, contact the parking office before the due date.")
        flowables += [Spacer(1, 14), *(Paragraph(_text(t), styles.body) for t in how)]
        if office.receipt_footer:
            flowables += [
                Spacer(1, 22),
                Paragraph(_text(office.receipt_footer).replace("\n", "<br/>"), styles.footer),
            ]
        return flowables

    def draw_page(canvas: Any, page: int, total: int) -> None:
        if total > 1:
            _draw_footer(
                canvas, f"{office.name} · Citation {notice.number}", f"Page {page} of {total}"
            )

    return _build_pdf(story, f"Citation {notice.number}", draw_page)


# --------------------------------------------------------------------------- appeal letters


def _letter_outcome(letter: AppealLetter, money: Callable[[Decimal], str]) -> list[str]:
    """What the decision means for the person who appealed, in the order they need it."""
    due = format_long_day(letter.due_on)
    if letter.decision == "dismiss":
        said = [
            f"Your appeal is accepted: citation {letter.citation_number} is dismissed and "
            "nothing is owed on it."
        ]
    elif letter.decision == "reduce":
        said = [
            f"Your appeal is accepted in part: the fine of citation {letter.citation_number} "
            f"is reduced to {money(letter.reduced_to or Decimal(0))}."
        ]
    else:
        said = [f"Your appeal is not accepted: citation {letter.citation_number} is upheld."]
    if letter.refund_due > 0:
        said.append(
            f"You paid {money(letter.refund_due)} more than is now owed. It will be refunded "
            "to you; contact the parking office if you have not heard from us within 30 days."
        )
    elif letter.balance > 0:
        said.append(
            f"{money(letter.balance)} is owed. Pay it by {due} at the parking office, quoting "
            f"citation {letter.citation_number}; unpaid fines may rise after that date."
        )
    said.append(
        "This decision is final. If you believe it is wrong, write to the parking office "
        "within 14 days, quoting the appeal number."
    )
    return said


def _appeal_document(letter: AppealLetter, heading: str, body: list[str]) -> bytes:
    styles = _styles()
    office = letter.office
    zone = office.time_zone

    def story() -> list[Flowable]:
        rows: list[tuple[str, Flowable | str]] = [
            ("To", letter.appellant + (f" ({letter.contact})" if letter.contact else "")),
            ("Appeal", f"{letter.appeal_number}, filed {format_local(letter.filed_at, zone)}"),
            ("Citation", f"{letter.citation_number}, {letter.plate}"),
            ("Issued", format_local(letter.issued_at, zone)),
            ("Violation", letter.violation),
            ("Fine", format_money(letter.fine, office.currency)),
        ]
        if letter.decided_at is not None:
            rows.append(("Decided", format_local(letter.decided_at, zone)))
        flowables: list[Flowable] = [
            Paragraph(_text(office.name), styles.office),
            Paragraph(_text(heading), styles.title),
            Spacer(1, 10),
            _details_table(rows, styles),
            Spacer(1, 8),
        ]
        for paragraph in body:  # one thought to a paragraph, a line apart
            flowables += [Spacer(1, 7), Paragraph(_text(paragraph), styles.body)]
        if office.receipt_footer:
            flowables += [
                Spacer(1, 22),
                Paragraph(_text(office.receipt_footer).replace("\n", "<br/>"), styles.footer),
            ]
        return flowables

    def draw_page(canvas: Any, page: int, total: int) -> None:
        if total > 1:
            _draw_footer(canvas, f"{office.name} · {heading}", f"Page {page} of {total}")

    return _build_pdf(story, heading, draw_page)


@dataclass(frozen=True)
class TrespassLetter:
    """A trespass notice as handed to the person it bars."""

    office: Office
    number: str
    person: str
    description: str
    place: str
    reason: str
    issued_at: datetime
    issued_by: str
    expires_at: datetime
    vehicles: tuple[str, ...]
    revoked_at: datetime | None = None


def trespass_notice_pdf(notice: TrespassLetter) -> bytes:
    """The notice to hand over: who, where, from when until when, why, and what follows
    if it is not respected; a line for the person's signature of receipt."""
    styles = _styles()
    office = notice.office
    zone = office.time_zone
    heading = f"Trespass notice {notice.number}"

    def story() -> list[Flowable]:
        rows: list[tuple[str, Flowable | str]] = [
            ("To", notice.person),
            ("Place", notice.place),
            ("Issued", f"{format_local(notice.issued_at, zone)} by {notice.issued_by}"),
            ("In force until", format_local(notice.expires_at, zone)),
        ]
        if notice.description:
            rows.append(("Description", notice.description))
        if notice.vehicles:
            rows.append(("Vehicles", ", ".join(notice.vehicles)))
        body = [
            f"You may not enter or remain at {notice.place} until "
            f"{format_local(notice.expires_at, zone)}.",
            f"Reason: {notice.reason}",
            "While this notice is in force, the vehicles named above are watched for by the "
            "parking office's patrols and cameras. If you are found at the place, security "
            "staff may ask you to leave and may call the police.",
            "If you believe this notice was issued in error, contact the parking office.",
        ]
        flowables: list[Flowable] = [
            Paragraph(_text(office.name), styles.office),
            Paragraph(_text(heading), styles.title),
        ]
        if notice.revoked_at is not None:
            flowables.append(
                Paragraph(
                    _text(
                        f"REVOKED {format_local(notice.revoked_at, zone)}: this notice is "
                        "no longer in force."
                    ),
                    styles.alert,
                )
            )
        flowables += [Spacer(1, 10), _details_table(rows, styles), Spacer(1, 8)]
        for paragraph in body:
            flowables += [Spacer(1, 7), Paragraph(_text(paragraph), styles.body)]
        flowables += [
            Spacer(1, 36),
            Paragraph(
                _text("Received by (signature) ________________________   Date ______________"),
                styles.body,
            ),
        ]
        return flowables

    def draw_page(canvas: Any, page: int, total: int) -> None:
        if total > 1:
            _draw_footer(canvas, f"{office.name} · {heading}", f"Page {page} of {total}")

    return _build_pdf(story, heading, draw_page)


def decision_letter_pdf(letter: AppealLetter) -> bytes:
    """The decision on an appeal, as mailed to the person who appealed: the outcome, the
    reason, what is owed (or owed back) and by when."""

    def money(amount: Decimal) -> str:
        return format_money(amount, letter.office.currency)

    outcome = _letter_outcome(letter, money)
    reason = f"Reason: {letter.reason}." if letter.reason else ""
    body = [outcome[0], reason, *([letter.note] if letter.note else []), *outcome[1:]]
    return _appeal_document(
        letter, f"Decision on appeal {letter.appeal_number}", [t for t in body if t]
    )


def hearing_notice_pdf(letter: AppealLetter) -> bytes:
    """The notice of a hearing: when and where the appeal will be heard, what to bring."""
    when = format_local(letter.hearing_at, letter.office.time_zone) if letter.hearing_at else ""
    body = [
        f"Your appeal of citation {letter.citation_number} will be heard on {when}, at "
        f"{letter.hearing_place}.",
        "Bring any document that supports your appeal: a receipt, your permit, photos. You "
        "may send them to the parking office before the hearing instead.",
        "If you cannot attend, contact the parking office before the hearing; an appeal "
        "heard without you is decided on what the office has on file.",
    ]
    return _appeal_document(letter, f"Notice of hearing, appeal {letter.appeal_number}", body)


def _photo_rows(photos: Sequence[PacketPhoto], zone: str, styles: _Styles) -> list[Flowable]:
    """Two photos to a row, each with when it was taken (or what it is and when it was
    added) and its fingerprint's check: one table a row, for the caller to keep whole
    (a KeepTogether inside another always reports itself too tall, and the packet's
    photos each began a new page)."""
    width = (CONTENT_WIDTH - 12) / 2
    cells: list[Any] = []
    for photo in photos:
        try:
            image = Image(io.BytesIO(photo.content))
            scale = width / image.imageWidth
            image.drawWidth, image.drawHeight = width, image.imageHeight * scale
        except Exception:
            image = Paragraph("This file is not an image the packet can show.", styles.note)
        taken = (
            f"{photo.caption}, added {format_local(photo.captured_at, zone)}"
            if photo.caption
            else f"Taken {format_local(photo.captured_at, zone)}"
        )
        words = f"{taken}. SHA-256 {photo.sha256[:16]}… " + (
            "matches what was recorded."
            if photo.matches
            else "DOES NOT MATCH its recorded fingerprint."
        )
        cells.append([image, Paragraph(_text(words), styles.note)])
    rows = [cells[i : i + 2] for i in range(0, len(cells), 2)]
    tables: list[Flowable] = []
    for row in rows:
        table = Table([[c[0] for c in row], [c[1] for c in row]], colWidths=[width + 6] * 2)
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *_padding(0, 6, 0, 4)]))
        tables.append(table)
    return tables


def hearing_packet_pdf(packet: HearingPacket) -> bytes:
    """The hearing packet: the citation, the parker's statement, the photos, the case
    timeline with the device's reads and the money, and the appeal's history — one
    document for the hearing officer, in the order a dispute is heard."""
    styles = _styles()
    letter = packet.letter
    office = letter.office
    zone = office.time_zone
    heading = f"Hearing packet, appeal {letter.appeal_number}"

    def story() -> list[Flowable]:
        details = _details_table(
            [
                ("Citation", f"{letter.citation_number}, {letter.plate}"),
                ("Issued", format_local(letter.issued_at, zone)),
                ("Violation", letter.violation),
                ("Place", packet.place),
                ("Officer", f"{packet.officer}, device {packet.device}"),
                ("Fine", format_money(letter.fine, office.currency)),
                ("Owed now", format_money(letter.balance, office.currency)),
                ("Appellant", letter.appellant + (f" ({letter.contact})" * bool(letter.contact))),
                ("Filed", format_local(letter.filed_at, zone)),
            ],
            styles,
        )
        flowables: list[Flowable] = [
            Paragraph(_text(office.name), styles.office),
            Paragraph(_text(heading), styles.title),
            Spacer(1, 10),
            details,
        ]
        if letter.hearing_at is not None:
            flowables += [
                Spacer(1, 6),
                Paragraph(
                    _text(
                        f"Hearing: {format_local(letter.hearing_at, zone)}, {letter.hearing_place}"
                    ),
                    styles.body,
                ),
            ]
        if packet.note:
            note = Paragraph(_text(f"Officer's note: {packet.note}"), styles.note)
            flowables += [Spacer(1, 6), note]
        flowables += [
            Spacer(1, 12),
            Paragraph("The appellant's statement", styles.section),
            Paragraph(_text(packet.statement).replace("\n", "<br/>"), styles.body),
        ]
        for title, pictures in (
            ("Photos", packet.photos),
            ("The appellant's documents", packet.documents),
        ):
            if pictures:
                first, *more = _photo_rows(pictures, zone, styles)
                # The heading stays with its first row of pictures, a picture with its words.
                named = Paragraph(title, styles.section)
                flowables += [Spacer(1, 12), KeepTogether([named, Spacer(1, 4), first])]
                for row in more:
                    flowables += [Spacer(1, 8), KeepTogether([row])]
        widths = [1.15 * inch, 1.35 * inch, 2.2 * inch]
        widths.append(CONTENT_WIDTH - sum(widths))
        head = ("When", "From the citation", "What", "Detail")
        rows: list[list[Any]] = [[Paragraph(t, styles.cell_head) for t in head]]
        rows += [
            [
                Paragraph(_text(format_day_time(line.at, zone)), styles.cell),
                Paragraph(_text(line.when), styles.cell),
                Paragraph(_text(_clip(line.what)), styles.cell),
                Paragraph(_text(_clip(line.detail)), styles.cell),
            ]
            for line in packet.timeline
        ]
        timeline = Table(rows, colWidths=widths, repeatRows=1)
        timeline.setStyle(TableStyle(_grid_style(rows=len(rows))))
        flowables += [Spacer(1, 12), Paragraph("Case timeline", styles.section), timeline]
        return flowables

    def draw_page(canvas: Any, page: int, total: int) -> None:
        _draw_footer(canvas, f"{office.name} · {heading}", f"Page {page} of {total}")

    return _build_pdf(story, heading, draw_page)


# --------------------------------------------------------------------------- shift reports


def _shift_payments_table(report: ShiftReport, styles: _Styles) -> Flowable:
    zone = report.office.time_zone
    opened_day = office_time(report.opened_at, zone).date()

    def when(at: datetime) -> str:
        # The day is printed only for payments after midnight, so the column stays short.
        if office_time(at, zone).date() == opened_day:
            return f"{office_time(at, zone):%H:%M}"
        return format_day_time(at, zone)

    widths = [0.85 * inch, 0.95 * inch, 0.7 * inch, 0.55 * inch, 0.95 * inch]
    widths.append(CONTENT_WIDTH - sum(widths))
    head = ("Receipt", "Time", "Tender", "In/out", "Amount", "Description")
    rows: list[list[Any]] = [
        [
            Paragraph(title, styles.cell_head_right if title == "Amount" else styles.cell_head)
            for title in head
        ]
    ]
    for payment in report.payments:
        out = payment.direction == "out"
        signed = -abs(payment.amount) if out else abs(payment.amount)
        rows.append(
            [
                Paragraph(_text(payment.receipt_number), styles.cell),
                Paragraph(when(payment.at), styles.cell),
                Paragraph(_text(_tender_name(payment.tender)), styles.cell),
                Paragraph("Out" if out else "In", styles.cell),
                Paragraph(_text(format_money(signed, report.office.currency)), styles.cell_right),
                Paragraph(_text(_clip(payment.description)), styles.cell),
            ]
        )
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(_grid_style(rows=len(rows))))
    return table


def _shift_totals_table(report: ShiftReport, styles: _Styles) -> Flowable:
    def money(amount: Decimal) -> str:
        return format_money(amount, report.office.currency)

    head = ("Tender", "Received", "Paid out", "Net")
    rows: list[list[Any]] = [
        [
            Paragraph(title, styles.cell_head if index == 0 else styles.cell_head_right)
            for index, title in enumerate(head)
        ]
    ]
    received_sum = paid_sum = Decimal(0)
    for tender, received, paid_out in report.totals_by_tender:
        received_sum += received
        paid_sum += paid_out
        rows.append(
            [
                _tender_name(tender),
                money(received),
                money(paid_out),
                money(received - paid_out),
            ]
        )
    rows.append(
        ["All tenders", money(received_sum), money(paid_sum), money(received_sum - paid_sum)]
    )
    table = Table(rows, colWidths=[1.6 * inch] + [1.25 * inch] * 3, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                *_grid_style(rows=len(rows) - 1),
                ("FONT", (0, 1), (-1, -1), FONT, 8.5),
                ("TEXTCOLOR", (0, 1), (-1, -1), INK),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("FONT", (0, -1), (-1, -1), FONT_BOLD, 8.5),
                ("LINEABOVE", (0, -1), (-1, -1), 0.75, RULE),
            ]
        )
    )
    return table


def _shift_count_table(report: ShiftReport, styles: _Styles) -> Flowable:
    def money(amount: Decimal) -> str:
        return format_money(amount, report.office.currency)

    head = ("Denomination", "Quantity", "Subtotal")
    rows: list[list[Any]] = [[Paragraph(title, styles.cell_head_right) for title in head]]
    counted_sum = Decimal(0)
    for denomination, quantity in sorted(report.count_detail, key=lambda item: -item[0]):
        subtotal = denomination * quantity
        counted_sum += subtotal
        rows.append([money(denomination), str(quantity), money(subtotal)])
    # The table adds up on its own; the reconciliation below uses the recorded count.
    rows.append(["Counted", "", money(counted_sum)])
    table = Table(rows, colWidths=[1.15 * inch, 0.8 * inch, 1.1 * inch], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                *_grid_style(rows=len(rows) - 1),
                ("FONT", (0, 1), (-1, -1), FONT, 8.5),
                ("TEXTCOLOR", (0, 1), (-1, -1), INK),
                ("ALIGN", (0, 1), (-1, -1), "RIGHT"),
                ("ALIGN", (0, -1), (0, -1), "LEFT"),
                ("FONT", (0, -1), (-1, -1), FONT_BOLD, 8.5),
                ("LINEABOVE", (0, -1), (-1, -1), 0.75, RULE),
            ]
        )
    )
    return table


def _variance_words(variance: Decimal, currency: str) -> str:
    if variance > 0:
        return f"{format_money(variance, currency)} over"
    if variance < 0:
        return f"{format_money(-variance, currency)} short"
    return format_money(variance, currency)


def _shift_reconciliation(report: ShiftReport, styles: _Styles) -> list[Flowable]:
    currency = report.office.currency
    if report.closed_at is None or report.expected is None or report.counted is None:
        return [Paragraph("The shift is open: the drawer has not been counted yet.", styles.body)]
    variance = report.variance if report.variance is not None else report.counted - report.expected
    rows: list[list[Any]] = [
        ["Opening float", format_money(report.opening_float, currency)],
        ["Expected in drawer", format_money(report.expected, currency)],
        ["Counted", format_money(report.counted, currency)],
        ["Variance", _variance_words(variance, currency)],
    ]
    table = Table(rows, colWidths=[1.45 * inch, 1.25 * inch], hAlign="LEFT")
    commands: list[Any] = [
        ("FONT", (0, 0), (-1, -1), FONT, 9.5),
        ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
        ("TEXTCOLOR", (1, 0), (1, -1), INK),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        *_padding(5, 5, 2.5, 3),
        ("LINEABOVE", (0, -1), (-1, -1), 0.75, RULE),
        ("FONT", (0, -1), (-1, -1), FONT_BOLD, 9.5),
    ]
    if variance != 0:
        commands += [
            ("BACKGROUND", (0, -1), (-1, -1), ALERT_FILL),
            ("TEXTCOLOR", (0, -1), (-1, -1), ALERT_INK),
        ]
    table.setStyle(TableStyle(commands))
    return [table]


def _shift_sign_off(report: ShiftReport, styles: _Styles) -> list[Flowable]:
    zone = report.office.time_zone
    if report.signed_off_by is not None:
        when = (
            f" on {format_local(report.signed_off_at, zone)}"
            if report.signed_off_at is not None
            else ""
        )
        flowables: list[Flowable] = [
            Paragraph(f"Signed off by {_text(report.signed_off_by)}{_text(when)}", styles.body)
        ]
        if report.sign_off_note:
            flowables.append(Paragraph(_text(report.sign_off_note), styles.note))
        return flowables
    if report.closed_at is None or report.expected is None or report.counted is None:
        return [Paragraph("Not yet: the shift is still open.", styles.body)]
    variance = report.variance if report.variance is not None else report.counted - report.expected
    if variance != 0:
        return [
            Paragraph(
                "Awaiting manager sign-off: the count does not match the expected cash.",
                styles.alert,
            )
        ]
    return [Paragraph("No sign-off needed: the count matches the expected cash.", styles.body)]


def shift_report_pdf(report: ShiftReport) -> bytes:
    """The shift report of one cash drawer, for the clerk's records and the manager's sign-off."""
    styles = _styles()
    office = report.office
    zone = office.time_zone
    clerk = f"{report.clerk_name} ({report.clerk})" if report.clerk_name else report.clerk
    printed_at = format_local(datetime.now(ZoneInfo(zone)), zone)

    def section(title: str, *content: Flowable) -> list[Flowable]:
        return [Paragraph(title, styles.section), *content]

    def story() -> list[Flowable]:
        closed = (
            format_local(report.closed_at, zone) if report.closed_at is not None else "Still open"
        )
        details = _details_table(
            [
                ("Clerk", clerk),
                ("Shift", f"No. {report.shift_id}"),
                ("Opened", format_local(report.opened_at, zone)),
                ("Closed", closed),
                ("Opening float", format_money(report.opening_float, office.currency)),
                ("Payments", str(len(report.payments))),
            ],
            styles,
        )
        flowables: list[Flowable] = [
            Paragraph(_text(office.name), styles.office),
            Paragraph(f"Cash drawer shift report — shift {report.shift_id}", styles.title),
            Spacer(1, 10),
            details,
            Paragraph("Payments", styles.section),
        ]
        if report.payments:
            flowables.append(_shift_payments_table(report, styles))
        else:
            flowables.append(Paragraph("No payments were taken in this shift.", styles.body))
        flowables.append(
            KeepTogether(
                section(
                    "Totals by tender",
                    _shift_totals_table(report, styles)
                    if report.totals_by_tender
                    else Paragraph("Nothing taken.", styles.body),
                )
            )
        )
        count = section(
            "Blind count",
            _shift_count_table(report, styles)
            if report.count_detail
            else Paragraph(
                "Counted when the shift closes."
                if report.closed_at is None
                else "No denominations were recorded.",
                styles.body,
            ),
        )
        drawer = section("Cash in drawer", *_shift_reconciliation(report, styles))
        # The count and what it is measured against sit side by side, and stay on one page
        # with the sign-off: the manager reads them as one.
        side_by_side = Table(
            [[count, drawer]], colWidths=[3.45 * inch, CONTENT_WIDTH - 3.45 * inch]
        )
        side_by_side.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *_padding(0, 0, 0, 0)])
        )
        flowables.append(
            KeepTogether(
                [
                    # A heading's own space above is dropped inside a table cell.
                    Spacer(1, styles.section.spaceBefore),
                    side_by_side,
                    *section("Sign-off", *_shift_sign_off(report, styles)),
                ]
            )
        )
        return flowables

    def draw_page(canvas: Any, page: int, total: int) -> None:
        _draw_footer(
            canvas,
            f"{office.name} · Shift {report.shift_id} · {clerk} · Printed {printed_at}",
            f"Page {page} of {total}",
        )

    return _build_pdf(story, f"Shift report {report.shift_id}", draw_page)


# --------------------------------------------------------------------------- rendering


def render_pages(
    pdf: bytes, dpi: int = 96, *, only: Sequence[int] | None = None
) -> list[tuple[int, int, bytes]]:
    """Rasterise the pages of a PDF for the screen or a printer.

    Returns one ``(width, height, pixels)`` per page, where ``pixels`` is packed 8-bit RGB:
    ``height`` rows of ``width * 3`` bytes, top row first, no padding, on a white
    background (``QImage.Format.Format_RGB888`` with ``bytesPerLine = width * 3``).
    ``only`` picks pages by zero-based index, so a printer can take them one at a time.
    """
    if dpi <= 0:
        raise ValueError(f"a resolution must be positive, not {dpi} dpi")
    import pypdfium2  # type: ignore[import-untyped]  # ships no type information

    pages: list[tuple[int, int, bytes]] = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        indices = range(len(document)) if only is None else only
        for index in indices:
            if not 0 <= index < len(document):
                raise IndexError(f"page index {index} outside a {len(document)}-page document")
            page = document[index]
            try:
                # PDF units are 1/72 inch; rev_byteorder asks for RGB rather than BGR.
                bitmap = page.render(scale=dpi / 72, rev_byteorder=True)
                try:
                    width, height, stride = int(bitmap.width), int(bitmap.height), bitmap.stride
                    raw = bytes(bitmap.buffer)
                    row = width * 3
                    if stride != row:
                        raw = b"".join(
                            raw[top : top + row] for top in range(0, stride * height, stride)
                        )
                    pages.append((width, height, raw))
                finally:
                    bitmap.close()
            finally:
                page.close()
    finally:
        document.close()
    return pages


# --------------------------------------------------------------------------- security


@dataclass(frozen=True)
class SecurityReport:
    """The security desk's figures over a period, computed in SQL with the reader's rights
    (a dispatcher's report leaves out the confidential incidents they may not read)."""

    office: Office
    start: date
    end: date
    printed_by: str
    #: (category, {month "2026-11": count})
    by_category: tuple[tuple[str, dict[str, int]], ...]
    months: tuple[str, ...]
    #: Incidents reported in each hour of the day (0..23), in the office's time zone.
    by_hour: tuple[int, ...]
    #: (person, incidents, roles) in two or more incidents
    repeat_people: tuple[tuple[str, int, str], ...]
    #: (plate, incidents) in two or more incidents
    repeat_vehicles: tuple[tuple[str, int], ...]
    #: (incident, for, due, task)
    open_tasks: tuple[tuple[str, str, date, str], ...]


def _report_table(
    head: Sequence[str],
    rows: Sequence[Sequence[object]],
    styles: _Styles,
    widths: Sequence[float],
    right_from: int = 1,
) -> Table:
    """A plain grid: a header, then the rows, numbers to the right from column
    ``right_from``."""
    data: list[list[Any]] = [
        [
            Paragraph(_text(h), styles.cell_head if i < right_from else styles.cell_head_right)
            for i, h in enumerate(head)
        ]
    ]
    for row in rows:
        data.append(
            [
                Paragraph(_text(str(v)), styles.cell if i < right_from else styles.cell_right)
                for i, v in enumerate(row)
            ]
        )
    table = Table(data, colWidths=list(widths), hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle(_grid_style(rows=len(data))))
    return table


def security_report_pdf(report: SecurityReport) -> bytes:
    """Incidents by category and month, calls for service by hour of the day, repeat
    subjects and vehicles, and the tasks still open."""
    styles = _styles()
    office = report.office
    heading = f"Security report, {format_day(report.start)} to {format_day(report.end)}"

    def story() -> list[Flowable]:
        flowables: list[Flowable] = [
            Paragraph(_text(office.name), styles.office),
            Paragraph(_text(heading), styles.title),
            Paragraph(
                _text(f"Printed by {report.printed_by}; the incidents this login may read."),
                styles.label,
            ),
            Paragraph("Incidents by category and month", styles.section),
        ]
        if report.by_category:
            months = list(report.months)
            head = [
                "Category",
                *(format_month(date(int(m[:4]), int(m[5:7]), 1)) for m in months),
                "Total",
            ]
            rows = [
                [name, *(counts.get(m, 0) for m in months), sum(counts.values())]
                for name, counts in report.by_category
            ]
            rows.append(
                [
                    "All",
                    *(sum(c.get(m, 0) for _n, c in report.by_category) for m in months),
                    sum(sum(c.values()) for _n, c in report.by_category),
                ]
            )
            first = 2.2 * inch
            rest = (CONTENT_WIDTH - first) / (len(months) + 1)
            flowables.append(
                _report_table(head, rows, styles, [first] + [rest] * (len(months) + 1))
            )
        else:
            flowables.append(Paragraph("No incident in the period.", styles.body))
        flowables.append(Paragraph("Calls for service by hour of the day", styles.section))
        hours = [f"{h:02d}" for h in range(24)]
        width = CONTENT_WIDTH / 12
        flowables.append(
            _report_table(
                hours[:12], [list(report.by_hour[:12])], styles, [width] * 12, right_from=0
            )
        )
        flowables.append(Spacer(1, 4))
        flowables.append(
            _report_table(
                hours[12:], [list(report.by_hour[12:])], styles, [width] * 12, right_from=0
            )
        )
        flowables.append(Paragraph("People in more than one incident", styles.section))
        if report.repeat_people:
            flowables.append(
                _report_table(
                    ["Person", "Incidents", "Roles"],
                    [list(r) for r in report.repeat_people],
                    styles,
                    [2.6 * inch, 1 * inch, CONTENT_WIDTH - 3.6 * inch],
                    right_from=1,
                )
            )
        else:
            flowables.append(Paragraph("None.", styles.body))
        flowables.append(Paragraph("Vehicles in more than one incident", styles.section))
        if report.repeat_vehicles:
            flowables.append(
                _report_table(
                    ["Plate", "Incidents"],
                    [list(r) for r in report.repeat_vehicles],
                    styles,
                    [2.6 * inch, 1 * inch],
                )
            )
        else:
            flowables.append(Paragraph("None.", styles.body))
        flowables.append(Paragraph("Open tasks", styles.section))
        if report.open_tasks:
            flowables.append(
                _report_table(
                    ["Incident", "For", "Due", "Task"],
                    [[n, who, format_day(due), what] for n, who, due, what in report.open_tasks],
                    styles,
                    [1.2 * inch, 1.2 * inch, 1.1 * inch, CONTENT_WIDTH - 3.5 * inch],
                    right_from=4,
                )
            )
        else:
            flowables.append(Paragraph("No task is open.", styles.body))
        return flowables

    def draw_page(canvas: Any, page: int, total: int) -> None:
        _draw_footer(canvas, f"{office.name} · {heading}", f"Page {page} of {total}")

    return _build_pdf(story, heading, draw_page)
