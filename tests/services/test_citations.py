"""The citations service as the counter uses it: searching, a citation's page, paying
several with one payment, voiding, notices — as the roles that do it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal

import psycopg
import pytest

from desktop.services.citations import CitationQuery, CitationService
from desktop.services.errors import PermissionDenied, ValidationError
from desktop.services.permits import Tender, new_payment_key
from desktop.services.workspace import Workspace
from tests.citation_data import Field, enforcement_field
from tests.conftest import Database

CARD = Tender("card", card_brand="Visa", card_last4="4242", reference="AUTH-CT01")


@pytest.fixture
def field(database: Database) -> Field:
    return enforcement_field(database)


@pytest.fixture
def clerk(workspace_for: Callable[[str], Workspace]) -> CitationService:
    return CitationService(workspace_for("clerk"))


def test_a_citation_is_found_by_number_by_plate_and_by_a_look_alike(
    field: Field, clerk: CitationService
) -> None:
    issued = field.issue("BOB 150")
    other = field.issue()
    by_number = clerk.search(CitationQuery(text=issued.number.lower()))
    assert [r.id for r in by_number.rows] == [issued.id]
    assert by_number.rows[0].status == "open"
    assert by_number.rows[0].fine == Decimal("40.00")
    by_plate = clerk.search(CitationQuery(text="on bob-150", lot_id=field.lot_id))
    assert [r.id for r in by_plate.rows] == [issued.id]
    assert not by_plate.rows[0].look_alike
    # 0 for O and O for 0, as a misread plate would have it.
    look_alike = clerk.search(CitationQuery(text="B0B 15O", lot_id=field.lot_id))
    assert [r.id for r in look_alike.rows] == [issued.id]
    assert look_alike.rows[0].look_alike
    in_lot = clerk.search(CitationQuery(lot_id=field.lot_id))
    assert {r.id for r in in_lot.rows} == {issued.id, other.id}


def test_the_list_pages_newest_first_without_repeating_a_citation(
    field: Field, clerk: CitationService
) -> None:
    made = [field.issue(minutes_ago=50 - i) for i in range(7)]
    seen: list[int] = []
    page = clerk.search(CitationQuery(lot_id=field.lot_id), limit=3)
    while True:
        seen += [r.id for r in page.rows]
        if page.next_cursor is None:
            break
        page = clerk.search(CitationQuery(lot_id=field.lot_id), after=page.next_cursor, limit=3)
    assert seen == [c.id for c in reversed(made)]


def test_a_citations_page_has_its_photos_checked_and_its_fine(
    field: Field, clerk: CitationService
) -> None:
    issued = field.issue(photos=2)
    detail = clerk.get(issued.id)
    assert detail.row.number == issued.number
    assert detail.make == "Honda"
    assert detail.note == "Parked across two spaces"
    assert detail.amount_due == Decimal("40.00")
    assert [line.kind for line in detail.lines] == ["fine"]
    assert len(detail.photos) == 2
    photo = clerk.photo(detail.photos[0].id)
    assert photo.verified
    assert photo.content[:3] == b"\xff\xd8\xff"
    assert hashlib.sha256(photo.content).hexdigest() == photo.info.sha256


def test_two_citations_are_paid_with_one_card_payment_and_one_receipt(
    field: Field, clerk: CitationService
) -> None:
    first, second = field.issue(), field.issue()
    dues = clerk.amounts_due([first.id, second.id])
    assert [d.amount for d in dues] == [Decimal("40.00"), Decimal("40.00")]
    key = new_payment_key()
    paid = clerk.pay(key, [first.id, second.id], CARD)
    assert paid.amount == Decimal("80.00")
    assert paid.tender == "card"
    again = clerk.pay(key, [first.id, second.id], CARD)  # a double-click
    assert again.payment_id == paid.payment_id
    for issued in (first, second):
        detail = clerk.get(issued.id)
        assert detail.row.status == "paid"
        assert detail.row.balance == 0
        assert [line.kind for line in detail.lines] == ["fine", "payment"]
        assert detail.lines[-1].receipt_number == paid.receipt_number
    receipt = clerk.receipt_pdf(paid.payment_id)
    assert receipt.startswith(b"%PDF")
    with pytest.raises(ValidationError) as refused:
        clerk.pay(new_payment_key(), [first.id], CARD)
    assert first.number in refused.value.message


def test_a_clerk_cannot_void_an_adjudicator_can_with_a_reason(
    field: Field, clerk: CitationService, workspace_for: Callable[[str], Workspace]
) -> None:
    issued = field.issue()
    assert not clerk.lookups().can_void
    with pytest.raises(PermissionDenied):
        clerk.void(issued.id, "Officer cited the wrong plate")
    adjudicator = CitationService(workspace_for("adjudicator"))
    assert adjudicator.lookups().can_void
    with pytest.raises(ValidationError):
        adjudicator.void(issued.id, "  ")
    detail = adjudicator.void(issued.id, "Officer cited the wrong plate")
    assert detail.row.status == "void"
    assert detail.row.balance == 0
    assert detail.voided_by == "adele"
    assert detail.void_reason == "Officer cited the wrong plate"
    assert [line.kind for line in detail.lines] == ["fine", "void"]
    found = clerk.search(CitationQuery(status="void", lot_id=field.lot_id))
    assert [r.id for r in found.rows] == [issued.id]


def test_the_notice_is_a_pdf_naming_the_citation(field: Field, clerk: CitationService) -> None:
    issued = field.issue()
    pdf = clerk.notice_pdf(issued.id)
    assert pdf.startswith(b"%PDF")
    from desktop.services.documents import render_pages

    assert len(render_pages(pdf, 40)) == 1


def test_a_search_that_is_not_a_plate_or_number_says_so(clerk: CitationService) -> None:
    with pytest.raises(ValidationError) as refused:
        clerk.search(CitationQuery(text="***"))
    assert "citation number or a plate" in refused.value.message


def test_the_officer_reads_no_citation_through_the_service(
    field: Field, database: Database
) -> None:
    field.issue()
    with database.connect("otto") as otto, pytest.raises(psycopg.errors.InsufficientPrivilege):
        otto.execute("SELECT * FROM citation LIMIT 1")


def test_a_managers_client_may_post_due_late_fees_and_a_clerks_may_not(
    workspace_for: Callable[[str], Workspace], clerk: CitationService
) -> None:
    manager = CitationService(workspace_for("manager"))
    assert manager.lookups().can_escalate
    assert manager.escalate() >= 0
    assert manager.escalate() == 0  # nothing twice
    assert not clerk.lookups().can_escalate
