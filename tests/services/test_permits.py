"""The permit service as a clerk uses it: quotes, sales, renewals, transfers, refunds, waitlists.

Every test makes its own lot, permit type and parkers, so the shared database can
hold them all; everything runs as the application roles.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import psycopg
import pytest

from desktop.services.errors import LotFull, ValidationError, WaitlistOnly
from desktop.services.localization import parse_money
from desktop.services.permits import (
    PermitService,
    Tender,
    new_payment_key,
)
from desktop.services.workspace import Workspace
from tests.conftest import Database

CARD = Tender("card", card_brand="Visa", card_last4="4242", reference="AUTH-77KQ")
Connect = Callable[[str], psycopg.Connection[tuple[object, ...]]]


def _code() -> str:
    return uuid.uuid4().hex[:8].upper()


def _office_today(database: Database) -> date:
    with database.connect("alice") as conn:
        row = conn.execute("SELECT local_day(now())").fetchone()
    assert row is not None
    value = row[0]
    assert isinstance(value, date)
    return value


def _lot(connect_as: Connect, capacity: int) -> int:
    mona = connect_as("mona")
    code = _code()
    row = mona.execute(
        "INSERT INTO lot (code, name, capacity) VALUES (%s, %s, %s) RETURNING id",
        (code, f"Lot {code}", capacity),
    ).fetchone()
    mona.commit()
    assert row is not None
    return int(str(row[0]))


def _permit_type(
    connect_as: Connect,
    lot_id: int,
    *,
    price: str = "120.00",
    affiliations: tuple[str, ...] = ("staff", "faculty"),
    mode: str = "first_come",
    validity: str = "days",
    limit: int = 1,
) -> int:
    mona = connect_as("mona")
    row = mona.execute(
        "INSERT INTO permit_type (code, name, price, validity, days, affiliations, sale_mode, "
        "per_parker_limit, proration) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'none') "
        "RETURNING id",
        (
            _code(),
            f"Staff {_code()}",
            price,
            validity,
            30 if validity == "days" else None,
            list(affiliations),
            mode,
            limit,
        ),
    ).fetchone()
    assert row is not None
    mona.execute("INSERT INTO permit_type_lot VALUES (%s, %s)", (row[0], lot_id))
    mona.commit()
    return int(str(row[0]))


def _parker(
    connect_as: Connect, affiliation: str = "staff", vehicles: int = 1
) -> tuple[int, list[int]]:
    alice = connect_as("alice")
    row = alice.execute(
        "INSERT INTO parker (first_name, last_name, affiliation) VALUES ('Pat', %s, %s) "
        "RETURNING id",
        (f"Parker{_code()}", affiliation),
    ).fetchone()
    assert row is not None
    parker_id = int(str(row[0]))
    vehicle_ids = []
    for _ in range(vehicles):
        v = alice.execute(
            "INSERT INTO vehicle (parker_id, jurisdiction, plate_raw) VALUES (%s, 'ON', %s) "
            "RETURNING id",
            (parker_id, uuid.uuid4().hex[:7].upper()),
        ).fetchone()
        assert v is not None
        vehicle_ids.append(int(str(v[0])))
    alice.commit()
    return parker_id, vehicle_ids


def _balance(connect_as: Connect, parker_id: int) -> Decimal:
    row = (
        connect_as("mona")
        .execute(
            "SELECT coalesce(sum(amount), 0) FROM ledger_line WHERE parker_id = %s", (parker_id,)
        )
        .fetchone()
    )
    assert row is not None
    return Decimal(str(row[0]))


@pytest.fixture
def clerk(workspace_for: Callable[[str], Workspace]) -> PermitService:
    return PermitService(workspace_for("alice"))


def test_amounts_are_exact_and_refuse_what_is_not_money() -> None:
    assert parse_money("1,200.50", field="price", label="the price") == Decimal("1200.50")
    assert parse_money(" 40 ", field="price", label="the price") == Decimal("40.00")
    for bad in ("abc", "-5", "1.234", "", "1e3", "NaN"):
        with pytest.raises(ValidationError) as caught:
            parse_money(bad, field="price", label="the price")
        assert caught.value.problems[0].field == "price"


def test_sale_options_show_eligibility_and_live_availability(
    clerk: PermitService, connect_as: Connect
) -> None:
    lot = _lot(connect_as, 5)
    type_id = _permit_type(connect_as, lot)
    student_only = _permit_type(connect_as, lot, affiliations=("student",))
    parker, _ = _parker(connect_as)
    options = {o.type_id: o for o in clerk.sale_options(parker)}
    assert options[type_id].eligible
    assert options[type_id].lots[0].describe().endswith("5 of 5 left")
    assert options[type_id].quote is not None
    assert options[type_id].quote.price == Decimal("120.00")
    assert not options[student_only].eligible
    assert "Student" in (options[student_only].refusal or "")


def test_a_card_sale_records_permit_payment_and_a_balanced_ledger(
    clerk: PermitService, connect_as: Connect, database: Database
) -> None:
    lot = _lot(connect_as, 5)
    type_id = _permit_type(connect_as, lot)
    parker, vehicles = _parker(connect_as)
    paid = clerk.sell(
        new_payment_key(),
        parker_id=parker,
        type_id=type_id,
        lot_id=lot,
        vehicle_ids=vehicles,
        start=_office_today(database),
        tender=CARD,
    )
    assert paid.receipt_number.startswith("R-")
    assert paid.amount == Decimal("120.00")
    permits = clerk.permits_for_parker(parker)
    assert [p.number for p in permits] == [paid.permit_number]
    assert permits[0].status == "active"
    assert _balance(connect_as, parker) == 0
    receipt = clerk.receipt(paid.payment_id)
    assert receipt.tender_detail.startswith("Visa ending 4242")
    assert clerk.receipt_pdf(paid.payment_id).startswith(b"%PDF")
    lines, balance = clerk.ledger_for_parker(parker)
    assert {line.kind for line in lines} == {"sale", "payment"}
    assert balance == 0


def test_the_same_payment_key_sells_once(
    clerk: PermitService, connect_as: Connect, database: Database
) -> None:
    lot = _lot(connect_as, 5)
    type_id = _permit_type(connect_as, lot)
    parker, vehicles = _parker(connect_as)
    key = new_payment_key()
    first, again = (
        clerk.sell(
            key,
            parker_id=parker,
            type_id=type_id,
            lot_id=lot,
            vehicle_ids=vehicles,
            start=_office_today(database),
            tender=CARD,
        )
        for _ in range(2)
    )
    assert first == again
    assert len(clerk.permits_for_parker(parker)) == 1


def test_a_full_lot_says_so_and_the_parker_can_join_the_waitlist(
    clerk: PermitService, connect_as: Connect, database: Database
) -> None:
    lot = _lot(connect_as, 1)
    type_id = _permit_type(connect_as, lot)
    first, first_vehicles = _parker(connect_as)
    second, second_vehicles = _parker(connect_as)
    today = _office_today(database)
    clerk.sell(
        new_payment_key(),
        parker_id=first,
        type_id=type_id,
        lot_id=lot,
        vehicle_ids=first_vehicles,
        start=today,
        tender=CARD,
    )
    with pytest.raises(LotFull) as full:
        clerk.sell(
            new_payment_key(),
            parker_id=second,
            type_id=type_id,
            lot_id=lot,
            vehicle_ids=second_vehicles,
            start=today,
            tender=CARD,
        )
    assert "full" in full.value.message
    assert full.value.lot_id == lot
    assert clerk.permits_for_parker(second) == []
    assert _balance(connect_as, second) == 0
    position = clerk.join_waitlist(type_id, lot, second)
    assert (position.rank, position.status) == (1, "waiting")


def test_a_waitlist_type_is_sold_through_an_offer(
    clerk: PermitService, connect_as: Connect, database: Database
) -> None:
    lot = _lot(connect_as, 0)
    type_id = _permit_type(connect_as, lot, mode="waitlist")
    parker, vehicles = _parker(connect_as)
    today = _office_today(database)
    with pytest.raises(WaitlistOnly):
        clerk.sell(
            new_payment_key(),
            parker_id=parker,
            type_id=type_id,
            lot_id=lot,
            vehicle_ids=vehicles,
            start=today,
            tender=CARD,
        )
    entry = clerk.join_waitlist(type_id, lot, parker)
    mona = connect_as("mona")
    mona.execute("UPDATE lot SET capacity = 1 WHERE id = %s", (lot,))
    mona.commit()
    offered = clerk.waitlist_for_parker(parker)[0]
    assert offered.status == "offered"
    assert offered.offer_expires_at is not None
    clerk.sell(
        new_payment_key(),
        parker_id=parker,
        type_id=type_id,
        lot_id=lot,
        vehicle_ids=vehicles,
        start=today,
        tender=CARD,
        offer_id=entry.entry_id,
    )
    assert clerk.waitlist_for_parker(parker)[0].status == "accepted"


def test_cancelling_refunds_the_unused_part_as_new_ledger_rows(
    clerk: PermitService, connect_as: Connect, database: Database
) -> None:
    lot = _lot(connect_as, 5)
    type_id = _permit_type(connect_as, lot, price="60.00")
    parker, vehicles = _parker(connect_as)
    paid = clerk.sell(
        new_payment_key(),
        parker_id=parker,
        type_id=type_id,
        lot_id=lot,
        vehicle_ids=vehicles,
        start=_office_today(database) + timedelta(days=3),
        tender=CARD,
    )
    assert paid.permit_id is not None
    estimate = clerk.refund_estimate(paid.permit_id)
    assert estimate.amount == Decimal("60.00")  # not started yet: all of it
    assert not estimate.needs_approval
    result = clerk.cancel(new_payment_key(), paid.permit_id, "Leaving the hospital", CARD)
    assert result.refund_status == "paid"
    assert result.payment is not None
    assert result.payment.direction == "out"
    assert _balance(connect_as, parker) == 0
    lines, _ = clerk.ledger_for_parker(parker)
    assert sorted(line.kind for line in lines) == ["payment", "payout", "refund", "sale"]
    assert clerk.permit(paid.permit_id).status == "cancelled"
    with pytest.raises(ValidationError, match="already cancelled"):
        clerk.cancel(new_payment_key(), paid.permit_id, "Again", CARD)


def test_a_large_refund_waits_for_a_manager(
    clerk: PermitService,
    connect_as: Connect,
    database: Database,
    workspace_for: Callable[[str], Workspace],
) -> None:
    lot = _lot(connect_as, 5)
    type_id = _permit_type(connect_as, lot, price="900.00")
    parker, vehicles = _parker(connect_as)
    paid = clerk.sell(
        new_payment_key(),
        parker_id=parker,
        type_id=type_id,
        lot_id=lot,
        vehicle_ids=vehicles,
        start=_office_today(database) + timedelta(days=1),
        tender=CARD,
    )
    assert paid.permit_id is not None
    result = clerk.cancel(new_payment_key(), paid.permit_id, "Retired", CARD)
    assert result.refund_status == "pending"
    assert result.payment is None
    assert _balance(connect_as, parker) == 0  # nothing owed back until approved
    manager = PermitService(workspace_for("mona"))
    assert result.refund_id in [r.id for r in manager.refunds("pending")]
    with pytest.raises(ValidationError, match="approved"):
        clerk.pay_refund(new_payment_key(), result.refund_id or 0, CARD)
    manager.decide_refund(result.refund_id or 0, approve=True, note="")
    assert _balance(connect_as, parker) == Decimal("-900.00")
    payout = clerk.pay_refund(new_payment_key(), result.refund_id or 0, CARD)
    assert payout.direction == "out"
    assert _balance(connect_as, parker) == 0


def test_renewal_continues_where_the_permit_ends(
    clerk: PermitService, connect_as: Connect, database: Database
) -> None:
    lot = _lot(connect_as, 5)
    type_id = _permit_type(connect_as, lot)
    parker, vehicles = _parker(connect_as)
    today = _office_today(database)
    clerk.sell(
        new_payment_key(),
        parker_id=parker,
        type_id=type_id,
        lot_id=lot,
        vehicle_ids=vehicles,
        start=today,
        tender=CARD,
    )
    current = clerk.permits_for_parker(parker)[0]
    quote = clerk.renewal_quote(current.id)
    assert quote.first_day == current.last_day + timedelta(days=1)
    clerk.renew(new_payment_key(), current.id, CARD)
    numbers = [p.number for p in clerk.permits_for_parker(parker)]
    assert len(numbers) == 2
    assert clerk.permit(current.id).renewed
    with pytest.raises(ValidationError, match="already been renewed"):
        clerk.renew(new_payment_key(), current.id, CARD)


def test_transfer_moves_the_permit_to_another_vehicle_from_now(
    clerk: PermitService, connect_as: Connect, database: Database
) -> None:
    lot = _lot(connect_as, 5)
    type_id = _permit_type(connect_as, lot)
    parker, (old, new) = _parker(connect_as, vehicles=2)
    clerk.sell(
        new_payment_key(),
        parker_id=parker,
        type_id=type_id,
        lot_id=lot,
        vehicle_ids=[old],
        start=_office_today(database),
        tender=CARD,
    )
    permit = clerk.permits_for_parker(parker)[0]
    moved = clerk.transfer(permit.id, old, new)
    assert [v.vehicle_id for v in moved.current_vehicles] == [new]
    with pytest.raises(ValidationError, match="not on the permit"):
        clerk.transfer(permit.id, old, new)


def test_bad_tenders_are_refused_before_anything_is_written(
    clerk: PermitService, connect_as: Connect, database: Database
) -> None:
    lot = _lot(connect_as, 5)
    type_id = _permit_type(connect_as, lot)
    parker, vehicles = _parker(connect_as)
    bad = [
        (Tender("card", card_brand="Visa", card_last4="42424242", reference="AUTH-1"), "last4"),
        (
            Tender("card", card_brand="Visa", card_last4="4242", reference="4242424242424242"),
            "reference",
        ),
        (Tender("cash", cash_tendered=Decimal("20.00")), "tendered"),
        (Tender("cheque", cheque_number="12a"), "number"),
        (Tender("account", account_kind="payroll", reference="?"), "reference"),
        (Tender("barter"), "tender"),
    ]
    for tender, field in bad:
        with pytest.raises(ValidationError) as caught:
            clerk.sell(
                new_payment_key(),
                parker_id=parker,
                type_id=type_id,
                lot_id=lot,
                vehicle_ids=vehicles,
                start=_office_today(database),
                tender=tender,
            )
        assert field in [p.field for p in caught.value.problems]
    assert clerk.permits_for_parker(parker) == []
    assert _balance(connect_as, parker) == 0


def test_a_visitor_permit_is_issued_free_with_a_reason(
    clerk: PermitService, connect_as: Connect
) -> None:
    lot = _lot(connect_as, 5)
    zone = ZoneInfo("UTC")
    start = datetime.now(zone)
    plate = uuid.uuid4().hex[:6].upper()
    with pytest.raises(ValidationError) as caught:
        clerk.issue_temporary(
            new_payment_key(),
            kind="visitor",
            jurisdiction="ON",
            plate=plate,
            lot_id=lot,
            start=start,
            end=start + timedelta(hours=3),
            price="0",
            free_reason="",
            tender=CARD,
        )
    assert caught.value.problems[0].field == "free_reason"
    paid = clerk.issue_temporary(
        new_payment_key(),
        kind="visitor",
        jurisdiction="ON",
        plate=plate,
        lot_id=lot,
        start=start,
        end=start + timedelta(hours=3),
        price="0",
        free_reason="Guest speaker",
        tender=CARD,
    )
    assert (paid.amount, paid.tender) == (Decimal("0.00"), "none")
    receipt = clerk.receipt(paid.payment_id)
    assert "Guest speaker" in receipt.note
    with pytest.raises(ValidationError) as bad_plate:
        clerk.issue_temporary(
            new_payment_key(),
            kind="visitor",
            jurisdiction="ON",
            plate="AB#1",
            lot_id=lot,
            start=start,
            end=start + timedelta(hours=3),
            price="5",
            free_reason="",
            tender=CARD,
        )
    assert bad_plate.value.problems[0].field == "plate"


def test_a_temporary_permit_as_typed_is_checked_before_the_database_by_the_dialogs_rules(
    clerk: PermitService, connect_as: Connect
) -> None:
    lot = _lot(connect_as, 5)
    now = datetime.now(ZoneInfo("UTC"))
    with pytest.raises(ValidationError) as caught:
        clerk.issue_temporary(
            new_payment_key(),
            kind="visitor",
            jurisdiction="ontario",
            plate="ABC 123",
            lot_id=lot,
            start=now - timedelta(hours=3),
            end=now + timedelta(days=40),
            price="5",
            free_reason="",
            tender=CARD,
        )
    assert {p.field: p.message for p in caught.value.problems} == {
        "jurisdiction": "Jurisdiction is a two-letter code such as ON or NY.",
        "from": "A permit cannot start in the past.",
        "until": "A temporary permit lasts at most 31 days.",
    }


def test_a_login_that_reads_permits_but_not_their_flags_still_reads_permits(
    clerk: PermitService,
    connect_as: Connect,
    database: Database,
    workspace_for: Callable[[str], Workspace],
) -> None:
    """A dispatcher reads a parker's permits; whether two of its vehicles were read on
    site together is the counter's and the managers' to see."""
    lot = _lot(connect_as, 5)
    parker, vehicles = _parker(connect_as)
    paid = clerk.sell(
        new_payment_key(), parker_id=parker, type_id=_permit_type(connect_as, lot),
        lot_id=lot, vehicle_ids=vehicles, start=_office_today(database), tender=CARD,
    )  # fmt: skip
    permits = PermitService(workspace_for("dispatcher")).permits_for_parker(parker)
    assert [p.number for p in permits] == [paid.permit_number]
    assert permits[0].flagged_at is None
