"""The permit desk's rules, tried with raw SQL as the desks' own logins.

Clerks write nothing in the permit desk directly: every sale, refund, waitlist move and
cash drawer change goes through a function that checks the rules in the transaction that
writes the rows. These tests call those functions as alice, bruno, mona and otto would
from ``psql``, and check what they are refused, that a refusal leaves nothing half
written, and that money is only ever added to, never edited.

The module runs on its own server: it changes office settings (the refund threshold)
and closes cash drawers, which would disturb tests sharing the session's database.
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import errors as pgerrors
from psycopg.types.json import Jsonb

from tests.conftest import Database

Conn = psycopg.Connection[tuple[Any, ...]]
Connect = Callable[[str], Conn]

#: Characters outside every look-alike group, so random plates never resemble each other.
PLAIN = "ACEFHJKMNPRTUVWXY3479"
JURISDICTION = "ZZ"
CARD = {"kind": "card", "brand": "Visa", "last4": "4242", "reference": "AUTH-83JD"}
CARD_NUMBER = "4242424242424242"
ROLES = ["clerk", "adjudicator", "dispatcher", "manager", "officer", "admin"]


# -- a private server and connections to it ---------------------------------------------


# -- making rows ------------------------------------------------------------------------


def token(length: int = 6) -> str:
    return "".join(secrets.choice(PLAIN) for _ in range(length))


def one(conn: Conn, sql: str, params: Any = None) -> Any:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def make_lot(manager: Conn, capacity: int) -> int:
    return int(
        one(
            manager,
            "INSERT INTO lot (code, name, capacity) VALUES (%s, %s, %s) RETURNING id",
            (f"L{token(8)}", f"Lot {token(4)}", capacity),
        )
    )


def make_type(manager: Conn, lots: list[int], **fields: Any) -> int:
    values: dict[str, Any] = {
        "code": f"T{token(8)}",
        "name": f"Permit {token(5)}",
        "price": Decimal("50.00"),
        "validity": "days",
        "days": 30,
        "affiliations": ["staff", "faculty"],
        **fields,
    }
    columns = ", ".join(values)
    marks = ", ".join(f"%({c})s" for c in values)
    type_id = int(
        one(manager, f"INSERT INTO permit_type ({columns}) VALUES ({marks}) RETURNING id", values)
    )
    for lot in lots:
        manager.execute(
            "INSERT INTO permit_type_lot (permit_type_id, lot_id) VALUES (%s, %s)", (type_id, lot)
        )
    return type_id


def type_name(conn: Conn, type_id: int) -> str:
    return str(one(conn, "SELECT name FROM permit_type WHERE id = %s", (type_id,)))


def make_parker(clerk: Conn, affiliation: str = "staff") -> int:
    return int(
        one(
            clerk,
            "INSERT INTO parker (first_name, last_name, affiliation) VALUES ('Rule', %s, %s) "
            "RETURNING id",
            (f"Check{token()}", affiliation),
        )
    )


def make_vehicle(clerk: Conn, parker: int) -> tuple[int, str]:
    plate = token(7)
    vehicle = one(
        clerk,
        "INSERT INTO vehicle (parker_id, jurisdiction, plate_raw) VALUES (%s, %s, %s) RETURNING id",
        (parker, JURISDICTION, plate),
    )
    return int(vehicle), plate


def today(conn: Conn) -> date:
    """Today in the office's time zone: the first day a permit may start."""
    day = one(conn, "SELECT (now() AT TIME ZONE time_zone)::date FROM office_setting")
    assert isinstance(day, date)
    return day


def sell(
    clerk: Conn,
    parker: int,
    type_id: int,
    lot: int,
    vehicles: list[int],
    *,
    tender: dict[str, Any] | None = None,
    start: date | None = None,
    offer: int | None = None,
    key: uuid.UUID | None = None,
) -> int:
    """Sells a permit; returns the payment's id."""
    return int(
        one(
            clerk,
            "SELECT sell_permit(%s::uuid, %s::bigint, %s::bigint, %s::bigint, %s::bigint[], "
            "%s::date, %s::jsonb, %s::bigint)",
            (
                key or uuid.uuid4(),
                parker,
                type_id,
                lot,
                vehicles,
                start or today(clerk),
                Jsonb(CARD if tender is None else tender),
                offer,
            ),
        )
    )


def permit_of(conn: Conn, payment: int) -> int:
    return int(one(conn, "SELECT permit_id FROM payment_line WHERE id = %s", (payment,)))


def open_shift_of(clerk: Conn) -> int:
    """The clerk's open cash drawer shift, opened with a float of 100 if there is none."""
    row = clerk.execute(
        "SELECT id FROM shift_line WHERE clerk = current_user AND closed_at IS NULL"
    ).fetchone()
    if row is not None:
        return int(row[0])
    return int(one(clerk, "SELECT open_shift(100.00)"))


def close_shift(clerk: Conn, shift: int, counts: dict[str, int]) -> None:
    clerk.execute("SELECT close_shift(%s, %s)", (shift, Jsonb(counts)))


def close_open_shift(clerk: Conn) -> None:
    """Closes the clerk's open shift, if there is one, so cash needs a new one."""
    row = clerk.execute(
        "SELECT id FROM shift_line WHERE clerk = current_user AND closed_at IS NULL"
    ).fetchone()
    if row is not None:
        close_shift(clerk, int(row[0]), {})


def close_twice(clerk: Conn) -> None:
    shift = open_shift_of(clerk)
    close_shift(clerk, shift, {})
    close_shift(clerk, shift, {})


@contextlib.contextmanager
def refused(sqlstate: str, detail: str | None = None, match: str = "") -> Iterator[None]:
    """``with refused("PD002", "tendered", "short of"):`` — the error a desk would show:
    its SQLSTATE, the field named in DETAIL, and words of the message."""
    with pytest.raises(psycopg.Error) as caught:
        yield
    error = caught.value
    seen = (error.sqlstate, error.diag.message_detail, error.diag.message_primary)
    assert error.sqlstate == sqlstate, seen
    if detail is not None:
        assert error.diag.message_detail == detail, seen
    assert match in (error.diag.message_primary or ""), seen


def money_state(conn: Conn) -> dict[str, Any]:
    """Row counts of the permit desk and every parker's balance (read as a manager)."""
    counts = conn.execute(
        "SELECT (SELECT count(*) FROM permit), (SELECT count(*) FROM permit_vehicle), "
        "(SELECT count(*) FROM payment), (SELECT count(*) FROM ledger_entry), "
        "(SELECT count(*) FROM refund), (SELECT count(*) FROM waitlist_entry)"
    ).fetchone()
    balances = conn.execute(
        "SELECT parker_id, sum(amount) FROM ledger_entry GROUP BY parker_id"
    ).fetchall()
    return {"counts": counts, "balances": dict(balances)}


def balance(conn: Conn, parker: int) -> Decimal:
    value = one(
        conn, "SELECT coalesce(sum(amount), 0) FROM ledger_line WHERE parker_id = %s", (parker,)
    )
    assert isinstance(value, Decimal)
    return value


# -- the price list belongs to managers --------------------------------------------------


@pytest.fixture
def catalogue(connect: Connect) -> dict[str, int]:
    mona = connect("mona")
    lot = make_lot(mona, 10)
    other_lot = make_lot(mona, 10)
    return {"lot": lot, "other_lot": other_lot, "type": make_type(mona, [lot])}


MANAGERS_WRITES = {
    "add a permit type": (
        "INSERT INTO permit_type (code, name, price, validity, days, affiliations) "
        "VALUES ('X{token}', 'Rogue permit', 1.00, 'days', 5, ARRAY['staff'])"
    ),
    "rename a permit type": "UPDATE permit_type SET name = 'Renamed' WHERE id = {type}",
    "change a price": "UPDATE permit_type SET price = 0.01 WHERE id = {type}",
    "sell a type in another lot": (
        "INSERT INTO permit_type_lot (permit_type_id, lot_id) VALUES ({type}, {other_lot})"
    ),
    "stop selling a type in a lot": "DELETE FROM permit_type_lot WHERE permit_type_id = {type}",
    "change the refund threshold": (
        "UPDATE office_setting SET refund_approval_threshold = 100000 WHERE id = 1"
    ),
    "change the office time zone": "UPDATE office_setting SET time_zone = 'UTC' WHERE id = 1",
    "raise a lot's capacity": "UPDATE lot SET capacity = capacity + 1 WHERE id = {lot}",
}


@pytest.mark.parametrize("action", MANAGERS_WRITES)
def test_a_clerk_cannot_change_the_price_list_or_settings(
    connect: Connect, catalogue: dict[str, int], action: str
) -> None:
    alice = connect("alice")
    with pytest.raises(pgerrors.InsufficientPrivilege, match="permission denied"):
        alice.execute(MANAGERS_WRITES[action].format(token=token(), **catalogue))


@pytest.mark.parametrize("action", MANAGERS_WRITES)
def test_a_manager_can_change_the_price_list_and_settings(
    connect: Connect, catalogue: dict[str, int], action: str
) -> None:
    mona = connect("mona")
    with mona.transaction(force_rollback=True):
        cur = mona.execute(MANAGERS_WRITES[action].format(token=token(), **catalogue))
        assert cur.rowcount == 1


# -- the permit desk's tables are written through its functions only ---------------------


@pytest.fixture
def sale(connect: Connect, catalogue: dict[str, int]) -> dict[str, int]:
    """One paid sale: its parker, permit and payment."""
    alice = connect("alice")
    parker = make_parker(alice)
    vehicle, _plate = make_vehicle(alice, parker)
    payment = sell(alice, parker, catalogue["type"], catalogue["lot"], [vehicle])
    return {"parker": parker, "permit": permit_of(alice, payment), "payment": payment}


PERMIT_DESK_TABLES = [
    "permit",
    "permit_vehicle",
    "payment",
    "ledger_entry",
    "refund",
    "waitlist_entry",
    "cash_shift",
]
DIRECT_WRITES = {
    "INSERT": "INSERT INTO {table} DEFAULT VALUES",
    "UPDATE": "UPDATE {table} SET id = id",
    "DELETE": "DELETE FROM {table}",
}


@pytest.mark.parametrize("table", PERMIT_DESK_TABLES)
@pytest.mark.parametrize("write", DIRECT_WRITES)
def test_a_clerk_writes_the_permit_desk_only_through_its_functions(
    connect: Connect, sale: dict[str, int], table: str, write: str
) -> None:
    alice = connect("alice")
    with pytest.raises(pgerrors.InsufficientPrivilege, match="permission denied"):
        alice.execute(DIRECT_WRITES[write].format(table=table))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("table", ["payment", "ledger_entry"])
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET amount = 0 WHERE id = {id}",
        "UPDATE {table} SET id = id WHERE id = {id}",
        "DELETE FROM {table} WHERE id = {id}",
        "TRUNCATE {table}",
    ],
)
def test_nobody_edits_or_removes_a_payment_or_ledger_entry(
    connect: Connect, sale: dict[str, int], role: str, table: str, statement: str
) -> None:
    mona = connect("mona")
    entry = one(mona, "SELECT min(id) FROM ledger_entry WHERE permit_id = %s", (sale["permit"],))
    row = {"payment": sale["payment"], "ledger_entry": entry}[table]
    conn = connect(role)
    with pytest.raises(pgerrors.InsufficientPrivilege):
        conn.execute(statement.format(table=table, id=row))


# -- cash drawers -----------------------------------------------------------------------


def test_a_clerk_cannot_close_or_see_another_clerks_shift(connect: Connect) -> None:
    alice, bruno, mona = connect("alice"), connect("bruno"), connect("mona")
    alices, brunos = open_shift_of(alice), open_shift_of(bruno)
    with refused("42501", match=f"Shift {alices} is not one of yours"):
        close_shift(bruno, alices, {"20": 5})
    assert one(alice, "SELECT closed_at FROM shift_line WHERE id = %s", (alices,)) is None
    # Another clerk's drawer is simply not there (the clerks' view repeats the row security).
    assert bruno.execute("SELECT * FROM shift_line WHERE id = %s", (alices,)).fetchall() == []
    assert alice.execute("SELECT * FROM shift_line WHERE id = %s", (brunos,)).fetchall() == []
    assert {r[0] for r in bruno.execute("SELECT DISTINCT clerk FROM shift_line")} == {"bruno"}
    seen = {r[0] for r in mona.execute("SELECT id FROM cash_shift")}
    assert {alices, brunos} <= seen


def test_a_clerk_cannot_sign_off_a_shift(connect: Connect) -> None:
    bruno = connect("bruno")
    shift = open_shift_of(bruno)
    with pytest.raises(pgerrors.InsufficientPrivilege, match="permission denied for function"):
        bruno.execute("SELECT sign_off_shift(%s, 'Looks fine to me')", (shift,))


def _closed_shift(clerk: Conn, opening: str, counts: dict[str, int]) -> int:
    """Closes the clerk's open shift (if any), then opens and closes a new one."""
    close_open_shift(clerk)
    shift = int(one(clerk, "SELECT open_shift(%s::numeric)", (opening,)))
    close_shift(clerk, shift, counts)
    return shift


def test_a_manager_signs_off_a_variance_with_a_note(connect: Connect) -> None:
    bruno, mona = connect("bruno"), connect("mona")
    short = _closed_shift(bruno, "100.00", {"50": 1})
    assert mona.execute(
        "SELECT expected, counted, variance FROM cash_shift WHERE id = %s", (short,)
    ).fetchone() == (Decimal("100.00"), Decimal("50.00"), Decimal("-50.00"))
    with refused("PD002", "note", "Say what explains the variance"):
        mona.execute("SELECT sign_off_shift(%s, '  ')", (short,))
    mona.execute("SELECT sign_off_shift(%s, 'Float was counted twice')", (short,))
    signed = mona.execute(
        "SELECT signed_off_by, sign_off_note, signed_off_at IS NOT NULL FROM cash_shift "
        "WHERE id = %s",
        (short,),
    ).fetchone()
    assert signed == ("mona", "Float was counted twice", True)
    with refused("PD002", "shift", "already signed off by mona"):
        mona.execute("SELECT sign_off_shift(%s, 'Again')", (short,))

    balanced = _closed_shift(bruno, "20.00", {"10": 1, "5": 2})
    with refused("PD002", "shift", f"Shift {balanced} balanced; no sign-off is needed"):
        mona.execute("SELECT sign_off_shift(%s, 'Nothing to explain')", (balanced,))

    still_open = open_shift_of(bruno)
    with refused("PD002", "shift", f"Shift {still_open} is still open"):
        mona.execute("SELECT sign_off_shift(%s, 'Too early')", (still_open,))


def test_the_expected_cash_is_the_float_plus_cash_taken(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice, mona = connect("alice"), connect("mona")
    close_open_shift(alice)
    shift = int(one(alice, "SELECT open_shift(40.00)"))
    parker = make_parker(alice)
    vehicle, _plate = make_vehicle(alice, parker)
    payment = sell(
        alice,
        parker,
        catalogue["type"],
        catalogue["lot"],
        [vehicle],
        tender={"kind": "cash", "tendered": "60"},
    )
    assert mona.execute(
        "SELECT shift_id, cash_tendered, change_given, amount FROM payment WHERE id = %s",
        (payment,),
    ).fetchone() == (shift, Decimal("60.00"), Decimal("10.00"), Decimal("50.00"))
    close_shift(alice, shift, {"20": 4, "10": 1})
    assert mona.execute(
        "SELECT expected, counted, variance FROM cash_shift WHERE id = %s", (shift,)
    ).fetchone() == (Decimal("90.00"), Decimal("90.00"), Decimal("0.00"))


# -- the officer's device ---------------------------------------------------------------


def test_an_officer_checks_plates_without_reading_personal_details(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice, otto = connect("alice"), connect("otto")
    parker = make_parker(alice)
    plate = token(6) + "8"
    vehicle = one(
        alice,
        "INSERT INTO vehicle (parker_id, jurisdiction, plate_raw) VALUES (%s, %s, %s) RETURNING id",
        (parker, JURISDICTION, plate),
    )
    payment = sell(alice, parker, catalogue["type"], catalogue["lot"], [int(vehicle)])
    number = one(alice, "SELECT number FROM permit WHERE id = %s", (permit_of(alice, payment),))
    lot_code = one(alice, "SELECT code FROM lot WHERE id = %s", (catalogue["lot"],))

    verdict = otto.execute(
        "SELECT verdict, plate, permit_number, lot_code FROM check_plate(%s, %s, %s)",
        (JURISDICTION.lower(), plate.lower(), lot_code),
    ).fetchone()
    assert verdict == ("valid", plate, number, lot_code)
    near = otto.execute(
        "SELECT jurisdiction, plate, differences FROM plate_near_matches(%s, %s)",
        (JURISDICTION, plate[:-1] + "B"),
    ).fetchall()
    assert (JURISDICTION, plate, 1) in near
    for table in ["parker", "vehicle", "permit", "payment", "ledger_entry", "permit_vehicle"]:
        with pytest.raises(pgerrors.InsufficientPrivilege, match="permission denied"):
            otto.execute(f"SELECT * FROM {table} LIMIT 1")


@pytest.mark.parametrize("role", ["adjudicator", "dispatcher", "officer", "admin", "manager"])
def test_only_a_clerk_sells_permits(connect: Connect, catalogue: dict[str, int], role: str) -> None:
    alice = connect("alice")
    parker = make_parker(alice)
    vehicle, _plate = make_vehicle(alice, parker)
    conn = connect(role)
    with pytest.raises(pgerrors.InsufficientPrivilege, match="permission denied for function"):
        sell(conn, parker, catalogue["type"], catalogue["lot"], [vehicle])


# -- eligibility ------------------------------------------------------------------------


def test_a_type_for_students_is_not_sold_to_faculty(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice, mona = connect("alice"), connect("mona")
    students = make_type(mona, [catalogue["lot"]], affiliations=["student"])
    parker = make_parker(alice, "faculty")
    vehicle, _plate = make_vehicle(alice, parker)
    with refused("PD002", "permit_type", f"{type_name(alice, students)} is for student only"):
        sell(alice, parker, students, catalogue["lot"], [vehicle])


def test_a_parker_may_hold_only_so_many_permits_of_a_type(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice = connect("alice")
    parker = make_parker(alice)
    first, _ = make_vehicle(alice, parker)
    second, _ = make_vehicle(alice, parker)
    sell(alice, parker, catalogue["type"], catalogue["lot"], [first])
    with refused("PD002", "permit_type", "the limit is 1"):
        sell(alice, parker, catalogue["type"], catalogue["lot"], [second])


def test_a_permit_covers_only_the_parkers_own_vehicles(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice = connect("alice")
    parker, stranger = make_parker(alice), make_parker(alice)
    theirs, _ = make_vehicle(alice, stranger)
    with refused("PD002", "vehicles", "active vehicle of this parker"):
        sell(alice, parker, catalogue["type"], catalogue["lot"], [theirs])


def test_a_vehicle_cannot_have_two_overlapping_permits_for_one_lot(
    desk: Database, connect: Connect, catalogue: dict[str, int]
) -> None:
    alice, mona = connect("alice"), connect("mona")
    lot = catalogue["lot"]
    other = make_type(mona, [lot], per_parker_limit=2)
    parker = make_parker(alice)
    vehicle, plate = make_vehicle(alice, parker)
    first = permit_of(alice, sell(alice, parker, catalogue["type"], lot, [vehicle]))
    number = one(alice, "SELECT number FROM permit WHERE id = %s", (first,))
    with refused("PD002", "vehicles", f"{plate} ({JURISDICTION}) already has permit {number}"):
        sell(alice, parker, other, lot, [vehicle])

    # Not only the function's check: the table refuses the overlap itself.
    with desk.admin() as su:
        with pytest.raises(pgerrors.ExclusionViolation) as clash:
            su.execute(
                "INSERT INTO parkdesk.permit_vehicle (permit_id, vehicle_id, lot_id, validity) "
                "VALUES (%s, %s, %s, tstzrange(now() + interval '1 day', "
                "now() + interval '2 days'))",
                (first, vehicle, lot),
            )
        assert clash.value.diag.constraint_name == "ex_permit_vehicle_no_overlap"
        su.rollback()


# -- a refusal writes nothing ------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    alice: Conn
    bruno: Conn
    paid_up: int
    parker: int
    vehicle: int
    lot: int
    full_lot: int
    type_id: int
    students: int
    faculty: int
    faculty_vehicle: int


@pytest.fixture
def counter(connect: Connect) -> Counter:
    """A counter with a paid-up parker: sales below are refused part-way through."""
    alice, bruno, mona = connect("alice"), connect("bruno"), connect("mona")
    lot, full_lot = make_lot(mona, 10), make_lot(mona, 0)
    type_id = make_type(mona, [lot, full_lot])
    students = make_type(mona, [lot], affiliations=["student"])
    paid_up = make_parker(alice)
    paid_vehicle, _ = make_vehicle(alice, paid_up)
    sell(alice, paid_up, type_id, lot, [paid_vehicle])
    assert balance(alice, paid_up) == 0, "a fully paid sale leaves nothing owing"
    parker = make_parker(alice)
    vehicle, _plate = make_vehicle(alice, parker)
    faculty = make_parker(alice, "faculty")
    faculty_vehicle, _ = make_vehicle(alice, faculty)
    open_shift_of(alice)
    close_open_shift(bruno)
    return Counter(
        alice=alice,
        bruno=bruno,
        paid_up=paid_up,
        parker=parker,
        vehicle=vehicle,
        lot=lot,
        full_lot=full_lot,
        type_id=type_id,
        students=students,
        faculty=faculty,
        faculty_vehicle=faculty_vehicle,
    )


def _cash(tendered: str) -> dict[str, Any]:
    return {"kind": "cash", "tendered": tendered}


#: name -> (what the clerk does, SQLSTATE, DETAIL (the field), words in the message)
BAD_INPUT: dict[str, tuple[Callable[[Counter], object], str, str | None, str]] = {
    "ineligible parker": (
        lambda c: sell(c.alice, c.faculty, c.students, c.lot, [c.faculty_vehicle]),
        "PD002",
        "permit_type",
        "is for student only",
    ),
    "lot over capacity": (
        lambda c: sell(c.alice, c.parker, c.type_id, c.full_lot, [c.vehicle]),
        "PD001",
        None,
        "is full: 0 of 0 spaces are taken",
    ),
    "negative cash": (
        lambda c: sell(c.alice, c.parker, c.type_id, c.lot, [c.vehicle], tender=_cash("-5")),
        "PD002",
        "tendered",
        "Enter the cash handed over",
    ),
    "cash that is not a number": (
        lambda c: sell(c.alice, c.parker, c.type_id, c.lot, [c.vehicle], tender=_cash("abc")),
        "PD002",
        "tendered",
        "Enter the cash handed over",
    ),
    "cash short of the price": (
        lambda c: sell(c.alice, c.parker, c.type_id, c.lot, [c.vehicle], tender=_cash("49.99")),
        "PD002",
        "tendered",
        "Cash tendered (USD 49.99) is short of the USD 50.00 due",
    ),
    "cash without an open shift": (
        lambda c: sell(c.bruno, c.parker, c.type_id, c.lot, [c.vehicle], tender=_cash("50")),
        "PD003",
        None,
        "Open a cash drawer shift",
    ),
    "more than the last four digits": (
        lambda c: sell(
            c.alice, c.parker, c.type_id, c.lot, [c.vehicle], tender={**CARD, "last4": "42424242"}
        ),
        "PD002",
        "last4",
        "last 4 digits",
    ),
    "a card number as the approval reference": (
        lambda c: sell(
            c.alice,
            c.parker,
            c.type_id,
            c.lot,
            [c.vehicle],
            tender={**CARD, "reference": CARD_NUMBER},
        ),
        "PD002",
        "reference",
        "looks like a card number",
    ),
    "a card number as the card brand": (
        lambda c: sell(
            c.alice, c.parker, c.type_id, c.lot, [c.vehicle], tender={**CARD, "brand": CARD_NUMBER}
        ),
        "PD002",
        "brand",
        "",
    ),
    "a CVV riding along": (
        lambda c: sell(
            c.alice, c.parker, c.type_id, c.lot, [c.vehicle], tender={**CARD, "cvv": "123"}
        ),
        "PD002",
        "tender",
        "does not take: cvv",
    ),
    "an unknown way to pay": (
        lambda c: sell(c.alice, c.parker, c.type_id, c.lot, [c.vehicle], tender={"kind": "iou"}),
        "PD002",
        "tender",
        "cash, card, cheque or charge to account",
    ),
    "closing a shift twice": (
        lambda c: close_twice(c.alice),
        "PD002",
        "shift",
        "was already closed",
    ),
    "a plate with a stray character": (
        lambda c: c.alice.execute("SELECT * FROM check_plate('ZZ', 'AB#12')"),
        "PD002",
        "plate",
        "A plate is 1 to 10 letters and digits",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused_clearly_and_writes_nothing(
    connect: Connect, counter: Counter, case: str
) -> None:
    mona = connect("mona")
    attempt, sqlstate, detail, words = BAD_INPUT[case]
    before = money_state(mona)
    with refused(sqlstate, detail, words):
        attempt(counter)
    assert money_state(mona) == before
    assert balance(mona, counter.paid_up) == 0


# -- money is added, never edited --------------------------------------------------------


def _cancel(clerk: Conn, permit: int, tender: dict[str, Any] | None = None) -> int | None:
    row = clerk.execute(
        "SELECT cancel_permit(%s::uuid, %s, 'Moving away', %s::jsonb)",
        (uuid.uuid4(), permit, Jsonb(tender or CARD)),
    ).fetchone()
    assert row is not None
    return None if row[0] is None else int(row[0])


def _ledger(conn: Conn, parker: int) -> list[tuple[str, Decimal]]:
    return [
        (str(kind), Decimal(amount))
        for kind, amount in conn.execute(
            "SELECT kind, amount FROM ledger_line WHERE parker_id = %s ORDER BY id", (parker,)
        )
    ]


def test_a_refund_is_a_new_ledger_row_and_the_sale_is_untouched(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice = connect("alice")
    parker = make_parker(alice)
    vehicle, _ = make_vehicle(alice, parker)
    payment = sell(alice, parker, catalogue["type"], catalogue["lot"], [vehicle])
    permit = permit_of(alice, payment)
    sold_payment = alice.execute("SELECT * FROM payment_line WHERE id = %s", (payment,)).fetchall()
    sold_ledger = alice.execute(
        "SELECT * FROM ledger_line WHERE parker_id = %s ORDER BY id", (parker,)
    ).fetchall()
    assert _ledger(alice, parker) == [("sale", Decimal("50.00")), ("payment", Decimal("-50.00"))]

    refund = _cancel(alice, permit)
    assert refund is not None
    # A 30-day permit cancelled on its first day: 29 unused days are refunded.
    assert alice.execute(
        "SELECT status, amount FROM refund WHERE id = %s", (refund,)
    ).fetchone() == ("paid", Decimal("48.33"))
    assert alice.execute("SELECT * FROM payment_line WHERE id = %s", (payment,)).fetchall() == (
        sold_payment
    )
    assert (
        alice.execute(
            "SELECT * FROM ledger_line WHERE parker_id = %s ORDER BY id LIMIT 2", (parker,)
        ).fetchall()
        == sold_ledger
    )
    assert _ledger(alice, parker) == [
        ("sale", Decimal("50.00")),
        ("payment", Decimal("-50.00")),
        ("refund", Decimal("-48.33")),
        ("payout", Decimal("48.33")),
    ]
    assert balance(alice, parker) == 0
    payout = alice.execute(
        "SELECT direction, amount, tender FROM payment_line WHERE permit_id = %s AND id <> %s",
        (permit, payment),
    ).fetchall()
    assert payout == [("out", Decimal("48.33"), "card")]


@pytest.fixture
def low_threshold(connect: Connect) -> Iterator[Decimal]:
    """Refunds above 10.00 wait for a manager; the office's threshold is put back after."""
    mona = connect("mona")
    before = one(mona, "SELECT refund_approval_threshold FROM office_setting")
    mona.execute("UPDATE office_setting SET refund_approval_threshold = 10.00 WHERE id = 1")
    yield Decimal("10.00")
    mona.execute("UPDATE office_setting SET refund_approval_threshold = %s WHERE id = 1", (before,))


def test_a_large_refund_waits_for_a_manager_then_a_clerk_pays_it(
    connect: Connect,
    catalogue: dict[str, int],
    low_threshold: Decimal,
) -> None:
    alice, mona = connect("alice"), connect("mona")
    parker = make_parker(alice)
    vehicle, _ = make_vehicle(alice, parker)
    permit = permit_of(alice, sell(alice, parker, catalogue["type"], catalogue["lot"], [vehicle]))

    refund = _cancel(alice, permit)
    assert refund is not None
    assert one(alice, "SELECT status FROM refund WHERE id = %s", (refund,)) == "pending"
    assert _ledger(alice, parker) == [("sale", Decimal("50.00")), ("payment", Decimal("-50.00"))]
    with refused("PD002", "refund", "A manager has not approved this refund yet"):
        alice.execute("SELECT pay_refund(%s::uuid, %s, %s)", (uuid.uuid4(), refund, Jsonb(CARD)))
    with pytest.raises(pgerrors.InsufficientPrivilege, match="permission denied for function"):
        alice.execute("SELECT decide_refund(%s, true, 'I approve myself')", (refund,))

    mona.execute("SELECT decide_refund(%s, true, 'Moved out of town')", (refund,))
    assert mona.execute(
        "SELECT status, decided_by FROM refund WHERE id = %s", (refund,)
    ).fetchone() == ("approved", "mona")
    assert balance(alice, parker) == Decimal("-48.33"), "the office now owes the parker"

    key = uuid.uuid4()
    paid = one(alice, "SELECT pay_refund(%s::uuid, %s, %s)", (key, refund, Jsonb(CARD)))
    again = one(alice, "SELECT pay_refund(%s::uuid, %s, %s)", (key, refund, Jsonb(CARD)))
    assert again == paid, "a retried payout is recorded once"
    assert alice.execute(
        "SELECT status, paid_payment_id FROM refund WHERE id = %s", (refund,)
    ).fetchone() == ("paid", paid)
    assert balance(alice, parker) == 0
    with refused("PD002", "refund", "This refund is paid"):
        alice.execute("SELECT pay_refund(%s::uuid, %s, %s)", (uuid.uuid4(), refund, Jsonb(CARD)))


def test_selling_twice_with_one_key_records_one_sale(
    connect: Connect, catalogue: dict[str, int]
) -> None:
    alice = connect("alice")
    parker = make_parker(alice)
    vehicle, _ = make_vehicle(alice, parker)
    key = uuid.uuid4()
    first = sell(alice, parker, catalogue["type"], catalogue["lot"], [vehicle], key=key)
    second = sell(alice, parker, catalogue["type"], catalogue["lot"], [vehicle], key=key)
    assert first == second
    assert one(alice, "SELECT count(*) FROM permit WHERE parker_id = %s", (parker,)) == 1
    assert (
        one(connect("mona"), "SELECT count(*) FROM payment WHERE idempotency_key = %s", (key,)) == 1
    )
    assert balance(alice, parker) == 0


# -- waitlists --------------------------------------------------------------------------


def _entry(conn: Conn, entry: int) -> tuple[str, bool]:
    row = conn.execute(
        "SELECT status, offer_expires_at > now() FROM waitlist_entry WHERE id = %s", (entry,)
    ).fetchone()
    assert row is not None
    return str(row[0]), bool(row[1])


def test_a_waitlist_offers_freed_spaces_in_turn(desk: Database, connect: Connect) -> None:
    alice, mona = connect("alice"), connect("mona")
    lot = make_lot(mona, 0)
    reserved = make_type(mona, [lot], sale_mode="waitlist", offer_hours=48)
    parkers = [make_parker(alice) for _ in range(4)]
    vehicles = [make_vehicle(alice, p)[0] for p in parkers]

    with refused("PD005", match=f"{type_name(alice, reserved)} is sold through its waitlist"):
        sell(alice, parkers[0], reserved, lot, [vehicles[0]])

    entries = [
        int(one(alice, "SELECT join_waitlist(%s, %s, %s)", (reserved, lot, p))) for p in parkers
    ]
    assert [_entry(alice, e)[0] for e in entries] == ["waiting"] * 4, "no space, no offer"
    with refused("PD002", "permit_type", "is already on this waitlist"):
        alice.execute("SELECT join_waitlist(%s, %s, %s)", (reserved, lot, parkers[0]))

    mona.execute("UPDATE lot SET capacity = capacity + 1 WHERE id = %s", (lot,))
    assert [_entry(alice, e) for e in entries] == [
        ("offered", True),
        ("waiting", False),
        ("waiting", False),
        ("waiting", False),
    ]
    assert (
        one(
            alice,
            "SELECT offer_expires_at - offered_at FROM waitlist_entry WHERE id = %s",
            (entries[0],),
        ).total_seconds()
        == 48 * 3600
    )
    payment = sell(alice, parkers[0], reserved, lot, [vehicles[0]], offer=entries[0])
    assert alice.execute(
        "SELECT status, permit_id FROM waitlist_entry WHERE id = %s", (entries[0],)
    ).fetchone() == ("accepted", permit_of(alice, payment))

    # The next space goes to the next in line; an offer left to lapse passes on.
    mona.execute("UPDATE lot SET capacity = capacity + 1 WHERE id = %s", (lot,))
    assert _entry(alice, entries[1]) == ("offered", True)
    with desk.admin() as su:
        su.execute(
            "UPDATE parkdesk.waitlist_entry SET offer_expires_at = now() - interval '1 minute' "
            "WHERE id = %s",
            (entries[1],),
        )
    with refused("PD002", "offer", "no longer open"):
        sell(alice, parkers[1], reserved, lot, [vehicles[1]], offer=entries[1])
    assert int(one(alice, "SELECT refresh_waitlists()")) >= 1
    assert [_entry(alice, e)[0] for e in entries[1:]] == ["expired", "offered", "waiting"]

    # Declining passes the offer on at once.
    alice.execute("SELECT leave_waitlist(%s, true)", (entries[2],))
    assert [_entry(alice, e)[0] for e in entries[2:]] == ["declined", "offered"]
    with refused("PD002", "entry", "There is no open offer to decline"):
        alice.execute("SELECT leave_waitlist(%s, true)", (entries[2],))
