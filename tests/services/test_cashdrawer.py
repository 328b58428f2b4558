"""The cash drawer service against the real database, as the clerk and manager logins."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import psycopg
import pytest

from desktop.services.cashdrawer import (
    AWAITING,
    CashDrawerService,
    ShiftSummary,
    counts_total,
    denominations_for,
    variance_words,
)
from desktop.services.errors import NotFound, PermissionDenied, ValidationError
from desktop.services.localization import format_money, parse_money
from desktop.services.workspace import Workspace

Connect = Callable[[str], psycopg.Connection[tuple[object, ...]]]
CASH = json.dumps({"kind": "cash", "tendered": "100.00"})
CARD = json.dumps({"kind": "card", "brand": "Visa", "last4": "4242", "reference": "AUTH-83JD"})

#: Values every currency the desk knows has a bill or coin for.
TWENTY, TEN, FIVE, DIME, NICKEL = (Decimal(v) for v in ("20", "10", "5", "0.10", "0.05"))


def close_any_open_shift(service: CashDrawerService) -> None:
    """Other tests of the session may have left this clerk's drawer open."""
    current = service.current_shift()
    if current is not None:
        service.close_shift(current.id, {})


@pytest.fixture
def drawer(
    workspace_for: Callable[[str], Workspace],
) -> Iterator[Callable[[str], CashDrawerService]]:
    """``drawer("alice")``: that login's cash drawer service with no shift open; any shift
    the test leaves open is closed afterwards."""
    opened: list[CashDrawerService] = []

    def _open(login: str) -> CashDrawerService:
        service = CashDrawerService(workspace_for(login))
        if "clerk" in service.workspace.identity.roles:
            close_any_open_shift(service)
            opened.append(service)
        return service

    yield _open
    for service in opened:
        close_any_open_shift(service)


def new_parker(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    row = conn.execute(
        "INSERT INTO parkdesk.parker (first_name, last_name, affiliation) "
        "VALUES ('Drawer', %s, 'staff') RETURNING id",
        (f"Payer{secrets.token_hex(3)}",),
    ).fetchone()
    conn.commit()
    assert row is not None
    return int(str(row[0]))


def charge_fee(
    conn: psycopg.Connection[tuple[object, ...]], parker: int, amount: str, tender: str = CASH
) -> None:
    conn.execute(
        "SELECT parkdesk.charge_fee(%s, %s, %s, 'Replacement hang tag', %s::jsonb)",
        (uuid.uuid4(), parker, Decimal(amount), tender),
    )
    conn.commit()


def refund_in_cash(connect_as: Connect, clerk: psycopg.Connection[tuple[object, ...]]) -> Decimal:
    """Sell a permit starting tomorrow for cash and cancel it: the whole price goes back out
    of the drawer. Returns the price."""
    token = secrets.token_hex(3).upper()
    price = Decimal("40.00")
    manager = connect_as("manager")
    lot = manager.execute(
        "INSERT INTO parkdesk.lot (code, name, capacity) VALUES (%s, 'Drawer lot', 5) RETURNING id",
        (f"CD{token}",),
    ).fetchone()
    permit_type = manager.execute(
        "INSERT INTO parkdesk.permit_type (code, name, price, validity, days, affiliations) "
        "VALUES (%s, 'Drawer test permit', %s, 'days', 30, ARRAY['staff']) RETURNING id",
        (f"CD{token}", price),
    ).fetchone()
    assert lot is not None
    assert permit_type is not None
    manager.execute(
        "INSERT INTO parkdesk.permit_type_lot (permit_type_id, lot_id) VALUES (%s, %s)",
        (permit_type[0], lot[0]),
    )
    manager.commit()
    parker = new_parker(clerk)
    vehicle = clerk.execute(
        "INSERT INTO parkdesk.vehicle (parker_id, jurisdiction, plate_raw) "
        "VALUES (%s, 'ZZ', %s) RETURNING id",
        (parker, f"D{token}"),
    ).fetchone()
    assert vehicle is not None
    payment = clerk.execute(
        "SELECT parkdesk.sell_permit(%s, %s, %s, %s, ARRAY[%s]::bigint[], "
        "parkdesk.local_day(now()) + 1, %s::jsonb)",
        (uuid.uuid4(), parker, permit_type[0], lot[0], vehicle[0], CASH),
    ).fetchone()
    assert payment is not None
    permit = clerk.execute(
        "SELECT permit_id FROM parkdesk.payment_line WHERE id = %s", (payment[0],)
    ).fetchone()
    assert permit is not None
    clerk.execute(
        "SELECT parkdesk.cancel_permit(%s, %s, 'Parker changed plans', %s::jsonb)",
        (uuid.uuid4(), permit[0], json.dumps({"kind": "cash"})),
    )
    clerk.commit()
    return price


def shift_with_variance(
    service: CashDrawerService, conn: psycopg.Connection[tuple[object, ...]]
) -> ShiftSummary:
    """An open shift with $100 float and a $12.50 cash fee, closed $5.00 short."""
    shift = service.open_shift("100")
    charge_fee(conn, new_parker(conn), "12.50")
    # 5 x 20 + 7.50 in dimes: 107.50 against 112.50 expected.
    service.close_shift(shift.id, {TWENTY: 5, DIME: 75})
    return service.get(shift.id)


# -- amounts and denominations --------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Type the float as an amount such as 1,234.50."),
        ("-5", "The float cannot be negative."),
        ("1.234", "Use at most two decimals (cents) in the float, as in 1,234.50."),
        ("", "Enter the float, such as 1,234.50."),
    ],
)
def test_bad_float_is_refused_with_a_message_naming_the_field(
    drawer: Callable[[str], CashDrawerService], typed: str, message: str
) -> None:
    service = drawer("bruno")
    with pytest.raises(ValidationError) as caught:
        service.open_shift(typed)
    assert [(p.field, p.message) for p in caught.value.problems] == [("float", message)]
    assert service.current_shift() is None


def test_amounts_are_read_as_people_type_them() -> None:
    def parse(typed: str | Decimal) -> Decimal:
        return parse_money(typed, field="float", label="the float")

    assert parse("150") == Decimal("150.00")
    assert parse(" $1,250.5 ") == Decimal("1250.50")
    assert parse(Decimal("20")) == Decimal("20.00")
    with pytest.raises(ValidationError):
        parse("1e3")


def test_denominations_by_currency_with_labels() -> None:
    usd = denominations_for("USD")
    assert [d.label for d in usd][:1] == ["$100 bill"]
    assert {d.value: d.label for d in usd}[Decimal("0.25")] == "25¢"
    assert {d.value: d.label for d in usd}[Decimal("20")] == "$20 bill"
    cad = {d.value: d.label for d in denominations_for("CAD")}
    assert cad[Decimal("2")] == "CA$2 coin"  # in en_US, as the tests run
    assert Decimal("0.01") not in cad
    eur = [d.value for d in denominations_for("EUR")]
    assert eur[0] == Decimal("500")
    assert eur[-1] == Decimal("0.01")
    assert [d.value for d in denominations_for("XYZ")] == [d.value for d in usd]
    assert counts_total({TWENTY: 3, Decimal("0.25"): 3}) == Decimal("60.75")
    assert variance_words(Decimal("2"), "USD") == "Over by $2.00"
    assert variance_words(Decimal("-5"), "USD") == "Short by $5.00"
    assert variance_words(Decimal("0"), "USD") == "Balanced"


# -- a shift from float to count ------------------------------------------------------


def test_open_take_cash_close_with_a_variance(
    drawer: Callable[[str], CashDrawerService], connect_as: Connect
) -> None:
    service = drawer("alice")
    currency = service.office().currency
    conn = connect_as("alice")

    shift = service.open_shift("150.00")
    assert shift.is_open
    assert shift.clerk == "alice"
    assert shift.opening_float == Decimal("150.00")
    assert service.current_shift() == shift
    assert shift.expected is None  # nothing to peek at before the count

    parker = new_parker(conn)
    charge_fee(conn, parker, "12.50")
    charge_fee(conn, parker, "30.00", CARD)  # not cash: not in the drawer
    refunded = refund_in_cash(connect_as, conn)

    running = service.current_shift()
    assert running is not None
    totals = {t.tender: (t.received, t.paid_out, t.payments) for t in running.totals}
    # The count is blind: the clerk sees how many cash payments, never their sum.
    assert totals["cash"] == (None, None, 3)
    assert totals["card"] == (Decimal("30.00"), Decimal(0), 1)
    assert running.payment_count == 4
    with pytest.raises(ValidationError, match="once it is counted and closed"):
        service.shift_report(shift.id)
    # A manager watching the drawers sees the running cash.
    managed = {t.tender: (t.received, t.paid_out) for t in drawer("mona").get(shift.id).totals}
    assert managed["cash"] == (Decimal("12.50") + refunded, refunded)

    # Expected = float + cash in - cash out = 150 + 52.50 - 40 = 162.50; count 157.50.
    counts = {TWENTY: 7, TEN: 1, FIVE: 1, DIME: 25}
    closed = service.close_shift(shift.id, counts)
    assert closed.counted == Decimal("157.50")
    assert closed.expected == Decimal("162.50")
    assert closed.variance == Decimal("-5.00")
    assert closed.needs_sign_off
    assert closed.words == f"Short by {format_money(Decimal('5.00'), currency)}"
    assert service.current_shift() is None

    listed = service.get(shift.id)
    assert listed.status == "awaiting sign-off"
    assert listed.counted == Decimal("157.50")

    report = service.shift_report(shift.id)
    assert report.clerk == "alice"
    assert report.clerk_name == "Alice"
    assert [p.tender for p in report.payments] == ["cash", "card", "cash", "cash"]
    assert [p.direction for p in report.payments].count("out") == 1
    assert all(p.receipt_number.startswith("R-") for p in report.payments)
    assert {t: (r, o) for t, r, o in report.totals_by_tender} == {
        "cash": (Decimal("52.50"), Decimal("40.00")),
        "card": (Decimal("30.00"), Decimal("0")),
    }
    assert report.count_detail == (
        (Decimal(20), 7),
        (Decimal(10), 1),
        (Decimal(5), 1),
        (Decimal("0.1"), 25),
    )
    assert (report.counted, report.expected, report.variance) == (
        Decimal("157.50"),
        Decimal("162.50"),
        Decimal("-5.00"),
    )
    pdf = service.shift_report_pdf(shift.id)
    assert pdf.startswith(b"%PDF")


def test_a_balanced_count_needs_no_sign_off(drawer: Callable[[str], CashDrawerService]) -> None:
    service = drawer("bruno")
    shift = service.open_shift("25.10")
    closed = service.close_shift(shift.id, {TWENTY: 1, FIVE: 1, DIME: 1, NICKEL: 0})
    assert (closed.counted, closed.variance, closed.words) == (
        Decimal("25.10"),
        Decimal("0.00"),
        "Balanced",
    )
    assert not closed.needs_sign_off
    assert service.get(shift.id).status == "balanced"


def test_opening_twice_says_a_shift_is_still_open(
    drawer: Callable[[str], CashDrawerService],
) -> None:
    service = drawer("bruno")
    shift = service.open_shift("50")
    with pytest.raises(ValidationError) as caught:
        service.open_shift("60")
    assert caught.value.problems[0].field == "float"
    assert f"Your shift {shift.id}" in caught.value.message
    assert "still open" in caught.value.message


def test_closing_twice_says_it_was_already_closed(
    drawer: Callable[[str], CashDrawerService],
) -> None:
    service = drawer("bruno")
    shift = service.open_shift("10")
    service.close_shift(shift.id, {TEN: 1})
    with pytest.raises(ValidationError) as caught:
        service.close_shift(shift.id, {TEN: 1})
    assert caught.value.message.startswith(f"Shift {shift.id} was already closed at")


def test_a_count_of_something_that_is_not_a_denomination_is_refused(
    drawer: Callable[[str], CashDrawerService],
) -> None:
    service = drawer("bruno")
    shift = service.open_shift("10")
    with pytest.raises(ValidationError) as caught:
        service.close_shift(shift.id, {Decimal("3"): 1, TEN: -1})
    assert {p.field for p in caught.value.problems} == {"counts"}
    assert len(caught.value.problems) == 2
    assert service.current_shift() is not None  # nothing was recorded


def test_cash_needs_an_open_shift(
    drawer: Callable[[str], CashDrawerService], connect_as: Connect
) -> None:
    drawer("bruno")
    conn = connect_as("bruno")
    parker = new_parker(conn)
    with pytest.raises(psycopg.Error) as caught:
        charge_fee(conn, parker, "5.00")
    assert caught.value.sqlstate == "PD003"


# -- who sees which drawer -------------------------------------------------------------


def test_a_clerk_never_sees_or_closes_another_clerks_shift(
    drawer: Callable[[str], CashDrawerService], connect_as: Connect
) -> None:
    alice, bruno = drawer("alice"), drawer("bruno")
    shift = alice.open_shift("80")
    assert all(s.clerk == "bruno" for s in bruno.shifts("all"))
    assert shift.id not in {s.id for s in bruno.shifts("open", limit=2000)}
    with pytest.raises(NotFound):
        bruno.close_shift(shift.id, {TWENTY: 4})
    with pytest.raises(NotFound):
        bruno.shift_report(shift.id)
    # The database itself refuses too, whatever the client.
    conn = connect_as("bruno")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT parkdesk.close_shift(%s, '{}'::jsonb)", (shift.id,))
    conn.rollback()
    assert alice.current_shift() == alice.get(shift.id)


def test_shift_filters_and_paging(drawer: Callable[[str], CashDrawerService]) -> None:
    service = drawer("bruno")
    first = service.open_shift("1")
    service.close_shift(first.id, {})
    second = service.open_shift("2")
    mine = service.shifts("mine", limit=1)
    assert [s.id for s in mine] == [second.id]
    assert [s.id for s in service.shifts("mine", limit=1, after=second.id)] == [first.id]
    assert second.id in {s.id for s in service.shifts("open")}
    assert first.id not in {s.id for s in service.shifts("open")}
    assert first.id in {s.id for s in service.shifts(AWAITING, limit=2000)}
    with pytest.raises(ValidationError):
        service.shifts("everyone")


def test_manager_sees_every_drawer_and_signs_off_a_variance(
    drawer: Callable[[str], CashDrawerService], connect_as: Connect
) -> None:
    alice, manager = drawer("alice"), drawer("manager")
    shift = shift_with_variance(alice, connect_as("alice"))
    assert shift.variance == Decimal("-5.00")

    pending = manager.shifts(AWAITING, limit=2000)
    assert shift.id in {s.id for s in pending}
    assert {s.clerk for s in manager.shifts("all", limit=2000)} >= {"alice"}
    assert next(s for s in pending if s.id == shift.id).clerk_name == "Alice"

    with pytest.raises(ValidationError) as caught:
        manager.sign_off(shift.id, "  ")
    assert caught.value.problems[0].field == "note"
    with pytest.raises(PermissionDenied):
        alice.sign_off(shift.id, "I counted wrong")

    signed = manager.sign_off(shift.id, "Five dollars given as change twice; clerk reminded.")
    assert signed.status == "signed off"
    assert signed.signed_off_by == "mona"
    assert shift.id not in {s.id for s in manager.shifts(AWAITING, limit=2000)}
    with pytest.raises(ValidationError) as again:
        manager.sign_off(shift.id, "Once more")
    assert "already signed off by mona" in again.value.message

    report = manager.shift_report(shift.id)
    assert report.signed_off_by == "mona"
    assert report.sign_off_note == "Five dollars given as change twice; clerk reminded."


def test_a_manager_cannot_open_a_drawer(drawer: Callable[[str], CashDrawerService]) -> None:
    manager = drawer("manager")
    with pytest.raises(PermissionDenied):
        manager.open_shift("100")
    assert manager.current_shift() is None
