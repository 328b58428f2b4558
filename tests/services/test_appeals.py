"""The appeals service as the counter and the adjudicator use it: filing for a parker,
taking an appeal, deciding with a reason, the case timeline — as the roles that do it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.services.appeals import AppealForm, AppealService
from desktop.services.citations import CitationService
from desktop.services.errors import PermissionDenied, ValidationError
from desktop.services.permits import PermitService, Tender
from desktop.services.workspace import Workspace
from tests.citation_data import Field, enforcement_field
from tests.conftest import Database
from tests.services.test_documents import flat, pdf_text


@pytest.fixture
def field(database: Database) -> Field:
    return enforcement_field(database)


@pytest.fixture
def counter(workspace_for: Callable[[str], Workspace]) -> AppealService:
    return AppealService(workspace_for("clerk"))


@pytest.fixture
def judge(workspace_for: Callable[[str], Workspace]) -> Iterator[AppealService]:
    service = AppealService(workspace_for("adjudicator"))
    yield service
    # The queue is the office's: leave nothing in hand for the next test.
    for appeal in service.open_appeals():
        if appeal.claimed_by == "adele":
            service.release(appeal.id)


def form(citation_id: int, **changes: str) -> AppealForm:
    values = {
        "channel": "mail",
        "appellant": "Pat  Doe",
        "contact": "pat@example.org",
        "statement": "My permit was on the dashboard.",
    }
    values.update(changes)
    return AppealForm(citation_id=citation_id, **values)


def test_the_counter_files_an_appeal_and_a_retry_files_it_once(
    field: Field, counter: AppealService
) -> None:
    citation = field.issue()
    key = uuid.uuid4()
    appeal = counter.file(key, form(citation.id))
    assert counter.file(key, form(citation.id)).id == appeal.id
    assert (appeal.appellant, appeal.citation_number, appeal.outcome) == (
        "Pat Doe",
        citation.number,
        "Open — review",
    )
    assert [a.id for a in counter.of_citation(citation.id)] == [appeal.id]


def test_what_the_clerk_left_out_is_said_beside_its_field(
    field: Field, counter: AppealService
) -> None:
    citation = field.issue()
    with pytest.raises(ValidationError) as missing:
        counter.file(uuid.uuid4(), form(citation.id, appellant=" "))
    assert missing.value.problems[0].field == "appellant"
    with pytest.raises(ValidationError) as channel:
        counter.file(uuid.uuid4(), form(citation.id, channel="fax"))
    assert channel.value.problems[0].field == "channel"
    counter.file(uuid.uuid4(), form(citation.id))
    with pytest.raises(ValidationError, match="already has an open appeal") as twice:
        counter.file(uuid.uuid4(), form(citation.id))
    assert twice.value.problems[0].field == "citation"


def test_the_adjudicator_decides_with_a_reason_and_the_timeline_tells_it(
    field: Field, counter: AppealService, judge: AppealService
) -> None:
    citation = field.issue()
    appeal = counter.file(uuid.uuid4(), form(citation.id))
    in_hand = judge.claim(appeal.id)
    assert in_hand.claimed_by == "adele"
    reasons = judge.reasons("reduce")
    assert reasons
    with pytest.raises(ValidationError) as bad:
        judge.decide(appeal.id, "reduce", reasons[0].id, "", amount="ten")
    assert bad.value.problems[0].field == "amount"
    decided = judge.decide(appeal.id, "reduce", reasons[0].id, "First time.", amount="$15.50")
    assert decided.outcome == "Reduced to 15.50"
    assert decided.balance == Decimal("15.50")
    assert decided.reason == reasons[0].text
    timeline = counter.timeline(citation.id)
    kinds = [entry.kind for entry in timeline]
    assert "citation" in kinds
    assert "finding" not in kinds  # no permit and no payment to measure the citation against
    steps = [e.title for e in timeline if e.kind == "appeal"]
    assert [s.split()[-1] for s in steps] == ["filed", "decided"]
    assert any(e.kind == "ledger" and e.amount == Decimal("-24.50") for e in timeline)


def test_a_clerk_cannot_take_or_decide(field: Field, counter: AppealService) -> None:
    appeal = counter.file(uuid.uuid4(), form(field.issue().id))
    with pytest.raises(PermissionDenied):
        counter.take_next()
    with pytest.raises(PermissionDenied):
        counter.decide(appeal.id, "dismiss", 1, "")


def test_the_queue_counts_what_waits(
    field: Field, counter: AppealService, judge: AppealService
) -> None:
    before = {q.level: q.waiting for q in judge.queue()}
    counter.file(uuid.uuid4(), form(field.issue().id))
    after = {q.level: q.waiting for q in judge.queue()}
    assert after["review"] == before["review"] + 1
    assert after["hearing"] == before["hearing"]


def test_a_reduction_that_is_not_an_amount_is_refused_beside_it(
    field: Field, counter: AppealService, judge: AppealService
) -> None:
    appeal = counter.file(uuid.uuid4(), form(field.issue().id))
    judge.claim(appeal.id)
    reason = judge.reasons("reduce")[0].id
    for typed in ("", "0", "-5", "1.005", "abc"):
        with pytest.raises(ValidationError) as bad:
            judge.decide(appeal.id, "reduce", reason, "", amount=typed)
        assert bad.value.problems[0].field == "amount", typed
    with pytest.raises(ValidationError, match="less than that"):
        judge.decide(appeal.id, "reduce", reason, "", amount="40.00")


def test_the_decision_letter_and_the_hearing_notice_say_what_happens_next(
    field: Field, counter: AppealService, judge: AppealService
) -> None:
    citation = field.issue()
    appeal = counter.file(uuid.uuid4(), form(citation.id))
    judge.claim(appeal.id)
    with pytest.raises(ValidationError, match="No hearing"):
        judge.hearing_notice_pdf(appeal.id)
    when = datetime.now(UTC) + timedelta(days=7)
    judge.schedule_hearing(appeal.id, when, "Room 12, Parking Office")
    notice = flat(" ".join(pdf_text(counter.hearing_notice_pdf(appeal.id))))
    assert f"Notice of hearing, appeal {appeal.number}" in notice
    assert "Room 12, Parking Office" in notice
    with pytest.raises(ValidationError, match="not decided"):
        counter.decision_letter_pdf(appeal.id)
    judge.claim(appeal.id)  # to set it for another time, say; not to decide it early
    reason = judge.reasons("reduce")[0]
    with pytest.raises(ValidationError, match="decide it at or after the hearing"):
        judge.decide(appeal.id, "reduce", reason.id, "", amount="25")
    judge.release(appeal.id)
    other = counter.file(uuid.uuid4(), form(field.issue().id))
    judge.claim(other.id)
    judge.decide(other.id, "reduce", reason.id, "First offence in three years.", amount="25")
    appeal = other
    pdf = counter.decision_letter_pdf(appeal.id)
    if os.environ.get("PARKDESK_SHOTS"):  # the letter to look at, with the desks' pictures
        Path(os.environ["PARKDESK_SHOTS"], "decision-letter.pdf").write_bytes(pdf)
    letter = flat(" ".join(pdf_text(pdf)))
    assert f"Decision on appeal {appeal.number}" in letter
    assert "reduced to $25.00" in letter
    assert f"Reason: {reason.text}." in letter
    assert "$25.00 is owed" in letter
    assert "Pat Doe" in letter


def test_the_hearing_packet_holds_the_citation_its_photos_and_the_timeline(
    field: Field, counter: AppealService, tmp_path: Path
) -> None:
    citation = field.issue(photos=2)
    appeal = counter.file(uuid.uuid4(), form(citation.id))
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(_two_pages())
    counter.attach_document(appeal.id, receipt, "Receipt for the day permit")
    pdf = counter.hearing_packet_pdf(appeal.id)
    if os.environ.get("PARKDESK_SHOTS"):  # the packet to look at, with the desks' pictures
        Path(os.environ["PARKDESK_SHOTS"], "hearing-packet.pdf").write_bytes(pdf)
    pages = pdf_text(pdf)
    text = flat(" ".join(pages))
    # No half-empty pages to print: the photos follow the statement on the first page, and
    # the timeline follows the parker's documents on the second. (It fills that page to
    # its foot, so a lot's or an officer's longer name may carry its last row over.)
    assert "Photos" in flat(pages[0])
    assert "Case timeline" in flat(pages[1]), [flat(page)[:80] for page in pages]
    assert len(pages) in (2, 3), [flat(page)[:80] for page in pages]
    assert "The appellant's documents" in text
    assert "Receipt for the day permit, page 2 of 2, added" in text
    assert f"Hearing packet, appeal {appeal.number}" in text
    assert f"{citation.number}, ON {citation.plate}" in text
    assert "Officer's note: Parked across two spaces" in text
    assert "My permit was on the dashboard." in text
    assert text.count("matches what was recorded.") == 4  # two photos, two pages
    assert "Case timeline" in text
    assert f"Citation {citation.number}" in text
    assert f"Appeal {appeal.number} filed" in text


def test_a_dismissed_paid_citation_is_refunded_at_the_counter_to_the_card(
    field: Field,
    counter: AppealService,
    judge: AppealService,
    workspace_for: Callable[[str], Workspace],
) -> None:
    citation = field.issue()
    clerk = workspace_for("clerk")
    card = Tender("card", card_brand="Visa", card_last4="4242", reference="AUTH-RF01")
    CitationService(clerk).pay(uuid.uuid4(), [citation.id], card)
    appeal = counter.file(uuid.uuid4(), form(citation.id))
    judge.claim(appeal.id)
    decided = judge.decide(appeal.id, "dismiss", judge.reasons("dismiss")[0].id, "Signs down.")
    assert decided.refund_due == Decimal("40.00")
    permits = PermitService(clerk)
    waiting = [r for r in permits.refunds("approved") if r.permit_number == citation.number]
    assert len(waiting) == 1
    refund = waiting[0]
    assert refund.subject == f"citation {citation.number} (appeal {appeal.number})"
    assert refund.parker_name == "Pat Doe"  # no registered parker: the appellant
    assert refund.original_tender == "card"
    paid = permits.pay_refund(uuid.uuid4(), refund.id, card)
    assert paid.amount == Decimal("40.00")
    timeline = counter.timeline(citation.id)
    assert [e.amount for e in timeline if e.kind == "ledger"][-2:] == [
        Decimal("40.00"),
        Decimal("-40.00"),
    ]
    assert counter.get(appeal.id).balance == 0


def _two_pages() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for n in range(2):
        pdf.drawString(72, 720, f"Receipt, page {n + 1}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()
