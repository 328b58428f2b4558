"""The front counter's permit work: sell, renew, transfer, cancel, refund, waitlists, receipts.

Every write is one call to a database function that checks eligibility, capacity,
tenders and the payment's idempotency key in the same transaction that writes the
rows (migration ``0002``); this module validates what it can first so a clerk gets a
message under the field without a round trip, and hands back frozen dataclasses.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from desktop.services import documents
from desktop.services.errors import FieldProblem, NotFound, ValidationError
from desktop.services.localization import format_day, office_today, parse_money
from desktop.services.plates import is_jurisdiction, is_plate_like
from desktop.services.records import record
from desktop.services.workspace import Workspace

TENDER_TITLES = {
    "cash": "Cash",
    "card": "Card",
    "cheque": "Cheque",
    "account": "Charge to account",
    "none": "No payment",
}
ACCOUNT_TITLES = {"payroll": "Payroll", "student": "Student account"}
CARD_BRANDS = ("Visa", "Mastercard", "American Express", "Discover", "Interac", "Other")
KIND_TITLES = {
    "term": "Permit",
    "temporary": "Temporary permit",
    "visitor": "Visitor permit",
    "event": "Event permit",
}
STATUS_TITLES = {
    "active": "Valid",
    "future": "Starts later",
    "ended": "Ended",
    "cancelled": "Cancelled",
}
WAITLIST_TITLES = {
    "waiting": "Waiting",
    "offered": "Offered a space",
    "accepted": "Accepted",
    "declined": "Declined",
    "expired": "Offer expired",
    "left": "Left the waitlist",
}
REFUND_TITLES = {
    "pending": "Awaiting manager approval",
    "approved": "Approved, to be paid",
    "paid": "Paid",
    "rejected": "Refused",
}
LEDGER_TITLES = {
    "sale": "Sale",
    "renewal": "Renewal",
    "temporary": "Temporary permit",
    "fee": "Fee",
    "adjustment": "Adjustment",
    "payment": "Payment",
    "refund": "Refund credit",
    "payout": "Refund paid",
}
VALIDITY_TITLES = {"term": "Fixed term", "monthly": "Monthly", "days": "Number of days"}

_LAST4 = re.compile(r"\d{4}")
_DIGIT_RUN = re.compile(r"\d{12}")
_BRAND = re.compile(r"[A-Za-z][A-Za-z &.-]{0,19}")


@dataclass(frozen=True)
class Tender:
    """How the money changes hands. Card payments carry a reference, brand and last 4 only."""

    kind: str
    cash_tendered: Decimal | None = None
    card_brand: str = ""
    card_last4: str = ""
    reference: str = ""
    cheque_number: str = ""
    account_kind: str = ""

    def check(self, amount: Decimal, direction: str = "in") -> None:
        """The field problems the database would refuse, found before the round trip."""
        if amount == 0:
            return
        checks = {
            "cash": self._cash_problems,
            "card": self._card_problems,
            "cheque": self._cheque_problems,
            "account": self._account_problems,
        }
        if self.kind not in checks:
            raise ValidationError.single("tender", "Choose how the money is paid.")
        problems = checks[self.kind](amount, direction)
        if problems:
            raise ValidationError(problems)

    def _cash_problems(self, amount: Decimal, direction: str) -> list[FieldProblem]:
        if direction != "in":
            return []
        if self.cash_tendered is None:
            return [FieldProblem("tendered", "Enter the cash handed over.")]
        if self.cash_tendered < amount:
            return [
                FieldProblem(
                    "tendered",
                    f"Cash tendered ({self.cash_tendered:.2f}) is short of the {amount:.2f} due.",
                )
            ]
        return []

    def _card_problems(self, _amount: Decimal, _direction: str) -> list[FieldProblem]:
        problems = []
        if not _LAST4.fullmatch(self.card_last4):
            problems.append(
                FieldProblem("last4", "Enter the last 4 digits of the card, nothing more.")
            )
        if not _BRAND.fullmatch(self.card_brand.strip()):
            problems.append(FieldProblem("brand", "Choose the card brand."))
        reference = self.reference.strip()
        if _DIGIT_RUN.search(re.sub(r"[\s.-]", "", reference)):
            problems.append(
                FieldProblem(
                    "reference",
                    "That looks like a card number. Enter the terminal's approval "
                    "reference instead.",
                )
            )
        elif not 4 <= len(reference) <= 64:
            problems.append(
                FieldProblem("reference", "Enter the card terminal's approval reference.")
            )
        return problems

    def _cheque_problems(self, _amount: Decimal, _direction: str) -> list[FieldProblem]:
        if re.fullmatch(r"\d{1,10}", self.cheque_number.strip()):
            return []
        return [FieldProblem("number", "Enter the cheque number (digits only).")]

    def _account_problems(self, _amount: Decimal, _direction: str) -> list[FieldProblem]:
        problems = []
        if self.account_kind not in ACCOUNT_TITLES:
            problems.append(FieldProblem("account", "Choose payroll or student account."))
        reference = self.reference.strip().upper()
        if not re.fullmatch(r"[A-Z0-9-]{3,20}", reference) or _DIGIT_RUN.search(
            reference.replace("-", "")
        ):
            problems.append(
                FieldProblem(
                    "reference", "Enter the employee or student number the charge goes to."
                )
            )
        return problems

    def as_json(self) -> str:
        body: dict[str, str] = {"kind": self.kind}
        if self.kind == "cash" and self.cash_tendered is not None:
            body["tendered"] = str(self.cash_tendered)
        elif self.kind == "card":
            body |= {
                "brand": self.card_brand.strip(),
                "last4": self.card_last4.strip(),
                "reference": self.reference.strip(),
            }
        elif self.kind == "cheque":
            body["number"] = self.cheque_number.strip()
        elif self.kind == "account":
            body |= {"account": self.account_kind, "reference": self.reference.strip().upper()}
        return json.dumps(body)


NO_PAYMENT = Tender("none")


def new_payment_key() -> uuid.UUID:
    """Made when the payment dialog opens: a double-click or a retry records the payment once."""
    return uuid.uuid4()


# -- what the service hands back --------------------------------------------------


@dataclass(frozen=True)
class LotAvailability:
    lot_id: int
    code: str
    name: str
    capacity: int
    taken: int
    offered: int
    free: int

    def describe(self) -> str:
        return f"{self.name}: {self.free} of {self.capacity} left"


@dataclass(frozen=True)
class Quote:
    valid_from: datetime
    valid_until: datetime
    first_day: date
    last_day: date
    full_price: Decimal
    price: Decimal

    @property
    def prorated(self) -> bool:
        return self.price != self.full_price


@dataclass(frozen=True)
class SaleOption:
    """A permit type as it stands for one parker: can they have it, where, for how much."""

    type_id: int
    code: str
    name: str
    price: Decimal
    validity_text: str
    sale_mode: str
    max_vehicles: int
    refusal: str | None
    lots: tuple[LotAvailability, ...]
    quote: Quote | None

    def sold_through_waitlist(self, lot: LotAvailability | None) -> bool:
        """Whether a sale in ``lot`` must wait for a waitlist offer: the type is sold only
        through its waitlist, or the lot has no space left (SPEC: waitlists)."""
        return self.sale_mode == "waitlist" or (lot is not None and lot.free <= 0)

    @property
    def eligible(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class PermitVehicleInfo:
    vehicle_id: int
    plate: str
    valid_from: datetime | None
    valid_until: datetime | None
    current: bool


@dataclass(frozen=True)
class PermitInfo:
    id: int
    number: str
    kind: str
    type_id: int | None
    type_name: str
    lot_id: int
    lot_code: str
    lot_name: str
    parker_id: int | None
    issued_from: datetime
    issued_until: datetime
    valid_until: datetime | None
    first_day: date
    last_day: date
    price: Decimal
    status: str
    cancelled_at: datetime | None
    cancel_reason: str | None
    renewed: bool
    vehicles: tuple[PermitVehicleInfo, ...]
    #: Two of its vehicles read on site together, not yet looked into (SPEC rule 5): when
    #: the second was read, and how many minutes after the first.
    flagged_at: datetime | None = None
    flag_minutes: int | None = None

    @property
    def flag_words(self) -> str:
        """ "Two of its vehicles were read in its lot 25 minutes apart" or ""."""
        if self.flagged_at is None:
            return ""
        return (
            f"Two of its vehicles were read in {self.lot_name} {self.flag_minutes} minutes "
            "apart: one vehicle on site at a time. The office looks into it."
        )

    @property
    def title(self) -> str:
        return self.type_name if self.kind == "term" else KIND_TITLES[self.kind]

    @property
    def current_vehicles(self) -> tuple[PermitVehicleInfo, ...]:
        return tuple(v for v in self.vehicles if v.current)


@dataclass(frozen=True)
class PaymentResult:
    payment_id: int
    receipt_number: str
    direction: str
    permit_id: int | None
    permit_number: str | None
    amount: Decimal
    tender: str
    change_given: Decimal | None


@dataclass(frozen=True)
class RefundEstimate:
    permit_number: str
    amount: Decimal
    needs_approval: bool
    original_tender: str | None
    #: Where the refund goes back to without a manager: "Visa card ending 4242".
    original_detail: str = ""


@dataclass(frozen=True)
class CancelResult:
    permit_number: str
    refund_id: int | None
    refund_amount: Decimal
    refund_status: str | None
    payment: PaymentResult | None
    #: Why a pending refund waits: "amount" (above the limit) or "tender" (paid otherwise).
    approval_reason: str | None = None


@dataclass(frozen=True)
class RefundInfo:
    """A refund of a cancelled permit, or of what a parker paid on a citation beyond what
    an appeal decided."""

    id: int
    permit_id: int | None
    #: The permit's number, or the citation's for an appeal's refund.
    permit_number: str
    #: What it refunds, in words: "cancelled permit P-2026-00012", "citation BZAA0010405
    #: (appeal A2026-00003)".
    subject: str
    parker_id: int | None
    parker_name: str
    amount: Decimal
    status: str
    reason: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decision_note: str | None
    original_tender: str | None


@dataclass(frozen=True)
class WaitlistPosition:
    entry_id: int
    type_id: int
    type_name: str
    lot_id: int
    lot_name: str
    parker_id: int
    parker_name: str
    rank: int | None
    waiting: int
    status: str
    joined_at: datetime
    offer_expires_at: datetime | None


@dataclass(frozen=True)
class LedgerLine:
    id: int
    posted_at: datetime
    kind: str
    amount: Decimal
    memo: str
    posted_by: str
    receipt_number: str | None


@dataclass(frozen=True)
class LotChoice:
    id: int
    code: str
    name: str


# -- the service -------------------------------------------------------------------


#: The longest a temporary, visitor or event permit lasts.
TEMPORARY_MAX_LENGTH = timedelta(days=31)
#: The database accepts a start up to an hour back (a visitor who arrived a moment ago).
TEMPORARY_START_GRACE = timedelta(hours=1)


def temporary_permit_problems(
    *,
    lot_id: int | None,
    jurisdiction: str,
    plate: str,
    start: datetime,
    end: datetime,
    price: str | Decimal,
    free_reason: str,
    now: datetime,
) -> tuple[Decimal, list[FieldProblem]]:
    """What is wrong with a temporary permit as typed, field by field (the database checks
    the same again when it issues it), and the price as an amount."""
    problems: list[FieldProblem] = []
    amount = Decimal(0)
    try:
        amount = parse_money(price, field="price", label="the price")
    except ValidationError as exc:
        problems.extend(exc.problems)
    if lot_id is None:
        problems.append(FieldProblem("lot", "Choose the lot."))
    if not is_jurisdiction(jurisdiction):
        problems.append(
            FieldProblem("jurisdiction", "Jurisdiction is a two-letter code such as ON or NY.")
        )
    if not is_plate_like(plate):
        problems.append(
            FieldProblem(
                "plate",
                "A plate is 1 to 10 letters and digits (spaces, dashes and dots are ignored).",
            )
        )
    if start < now - TEMPORARY_START_GRACE:
        problems.append(FieldProblem("from", "A permit cannot start in the past."))
    if end <= start:
        problems.append(FieldProblem("until", "The end must come after the start."))
    elif end - start > TEMPORARY_MAX_LENGTH:
        problems.append(FieldProblem("until", "A temporary permit lasts at most 31 days."))
    elif end <= now:
        problems.append(FieldProblem("until", "The permit would already have ended."))
    if amount == 0 and len(free_reason.strip()) < 3:
        problems.append(FieldProblem("free_reason", "Say why the permit is issued free."))
    return amount, problems


class PermitService:
    """Permits, payments and waitlists for one logged-in person."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    # settings and look-ups

    def office(self) -> documents.Office:
        with self.workspace.read() as session:
            return document_office(session)

    def lots(self) -> list[LotChoice]:
        with self.workspace.read() as session:
            rows = session.execute(
                text("SELECT id, code, name FROM lot WHERE active ORDER BY code")
            ).all()
        return [LotChoice(int(r.id), str(r.code), str(r.name)) for r in rows]

    def sale_options(self, parker_id: int, start: date | None = None) -> list[SaleOption]:
        """Every active permit type, with why this parker may not have it and live availability."""
        with self.workspace.read() as session:
            office = document_office(session)
            today = office_today(office.time_zone)
            start = start or today
            parker = session.execute(
                text("SELECT * FROM parker WHERE id = :id"), {"id": parker_id}
            ).one_or_none()
            if parker is None:
                raise NotFound("This parker no longer exists.")
            types = session.execute(
                text("SELECT * FROM permit_type WHERE active ORDER BY name, id")
            ).all()
            options = []
            for t in types:
                refusal = _refusal(session, parker, t, start)
                quote = None
                if refusal is None or refusal.startswith("Already has"):
                    try:
                        quote = _quote(session, int(t.id), start, office.time_zone)
                    except ValidationError as exc:
                        refusal = refusal or exc.message
                lots = _availability(session, int(t.id), quote)
                options.append(
                    SaleOption(
                        type_id=int(t.id),
                        code=str(t.code),
                        name=str(t.name),
                        price=Decimal(t.price),
                        validity_text=describe_validity(t),
                        sale_mode=str(t.sale_mode),
                        max_vehicles=int(t.max_vehicles),
                        refusal=refusal,
                        lots=lots,
                        quote=quote,
                    )
                )
        options.sort(key=lambda o: (not o.eligible, o.name))
        return options

    def quote(self, type_id: int, start: date) -> Quote:
        with self.workspace.read() as session:
            return _quote(session, type_id, start, document_office(session).time_zone)

    # selling

    def sell(
        self,
        key: uuid.UUID,
        *,
        parker_id: int,
        type_id: int,
        lot_id: int | None,
        vehicle_ids: list[int],
        start: date,
        tender: Tender,
        offer_id: int | None = None,
    ) -> PaymentResult:
        problems = []
        if lot_id is None:
            problems.append(FieldProblem("lot", "Choose the lot."))
        if not vehicle_ids:
            problems.append(
                FieldProblem("vehicles", "Choose the vehicle or vehicles the permit covers.")
            )
        if problems:
            raise ValidationError(problems)
        with self.workspace.transaction() as session:
            price = _quote(session, type_id, start, document_office(session).time_zone).price
            tender.check(price)
            payment_id = session.execute(
                text(
                    "SELECT sell_permit(:key, :parker, :type, :lot, :vehicles, :start, "
                    "CAST(:tender AS jsonb), :offer)"
                ),
                {
                    "key": key,
                    "parker": parker_id,
                    "type": type_id,
                    "lot": lot_id,
                    "vehicles": vehicle_ids,
                    "start": start,
                    "tender": tender.as_json(),
                    "offer": offer_id,
                },
            ).scalar_one()
            return payment_result(session, int(payment_id))

    def renewal_quote(self, permit_id: int) -> Quote:
        """What renewing would cover and cost (the database re-checks when it renews)."""
        with self.workspace.read() as session:
            office = document_office(session)
            row = session.execute(
                text(
                    "SELECT p.number, p.kind, t.id AS type_id, t.validity, t.term_start, t.name, "
                    "local_day(upper(p.issued_validity)) AS old_end "
                    "FROM permit p LEFT JOIN permit_type t ON t.id = p.permit_type_id "
                    "WHERE p.id = :id"
                ),
                {"id": permit_id},
            ).one_or_none()
            if row is None:
                raise NotFound("This permit no longer exists.")
            if row.kind != "term":
                raise ValidationError.single(
                    "permit", "Temporary, visitor and event permits are not renewed."
                )
            start = row.old_end
            if row.validity == "term":
                if row.term_start < row.old_end:
                    raise ValidationError.single(
                        "permit",
                        f"The next term of {row.name} has not been set yet. "
                        "A manager sets the new term dates.",
                    )
                start = row.term_start
            return _quote(session, int(row.type_id), start, office.time_zone)

    def renew(self, key: uuid.UUID, permit_id: int, tender: Tender) -> PaymentResult:
        price = self.renewal_quote(permit_id).price
        tender.check(price)
        with self.workspace.transaction() as session:
            payment_id = session.execute(
                text("SELECT renew_permit(:key, :permit, CAST(:tender AS jsonb))"),
                {"key": key, "permit": permit_id, "tender": tender.as_json()},
            ).scalar_one()
            return payment_result(session, int(payment_id))

    def transfer(self, permit_id: int, from_vehicle_id: int, to_vehicle_id: int) -> PermitInfo:
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT transfer_permit(:permit, :from_vehicle, :to_vehicle)"),
                {"permit": permit_id, "from_vehicle": from_vehicle_id, "to_vehicle": to_vehicle_id},
            )
            return _permits(session, "p.id = :id", {"id": permit_id})[0]

    def issue_temporary(
        self,
        key: uuid.UUID,
        *,
        kind: str,
        jurisdiction: str,
        plate: str,
        lot_id: int | None,
        start: datetime,
        end: datetime,
        price: str | Decimal,
        free_reason: str,
        tender: Tender,
        parker_id: int | None = None,
        note: str = "",
    ) -> PaymentResult:
        """A temporary, visitor or event permit for a plate: sold, or issued free with a reason."""
        amount, problems = temporary_permit_problems(
            lot_id=lot_id,
            jurisdiction=jurisdiction,
            plate=plate,
            start=start,
            end=end,
            price=price,
            free_reason=free_reason,
            now=datetime.now(UTC),
        )
        if problems:
            raise ValidationError(problems)
        tender.check(amount)
        with self.workspace.transaction() as session:
            payment_id = session.execute(
                text(
                    "SELECT issue_temporary_permit(:key, :kind, :jurisdiction, :plate, :lot, "
                    ":start, :end, :price, :free_reason, CAST(:tender AS jsonb), :parker, :note)"
                ),
                {
                    "key": key,
                    "kind": kind,
                    "jurisdiction": jurisdiction,
                    "plate": plate,
                    "lot": lot_id,
                    "start": start,
                    "end": end,
                    "price": amount,
                    "free_reason": free_reason.strip() or None,
                    "tender": tender.as_json(),
                    "parker": parker_id,
                    "note": note.strip() or None,
                },
            ).scalar_one()
            return payment_result(session, int(payment_id))

    def charge_fee(
        self, key: uuid.UUID, parker_id: int, amount: str | Decimal, memo: str, tender: Tender
    ) -> PaymentResult:
        value = parse_money(amount, field="amount", label="the amount", allow_zero=False)
        tender.check(value)
        with self.workspace.transaction() as session:
            payment_id = session.execute(
                text("SELECT charge_fee(:key, :parker, :amount, :memo, CAST(:tender AS jsonb))"),
                {
                    "key": key,
                    "parker": parker_id,
                    "amount": value,
                    "memo": memo,
                    "tender": tender.as_json(),
                },
            ).scalar_one()
            return payment_result(session, int(payment_id))

    # cancelling and refunds

    def refund_estimate(self, permit_id: int) -> RefundEstimate:
        """What cancelling now would refund: the unused days, the current day counting as used."""
        with self.workspace.read() as session:
            row = session.execute(
                text(
                    """
                    SELECT p.number, p.price, p.cancelled_at,
                           local_day(lower(p.issued_validity)) AS first_day,
                           local_day(upper(p.issued_validity)) AS end_day,
                           local_day(now()) AS today,
                           (SELECT s.refund_approval_threshold FROM office_setting s) AS threshold,
                           pg_has_role(session_user, 'parkdesk_manager', 'USAGE') AS manager,
                           pay.tender, pay.card_brand, pay.card_last4, pay.account_kind,
                           pay.account_ref
                    FROM permit p
                    LEFT JOIN LATERAL (
                        SELECT * FROM payment_line pl WHERE pl.permit_id = p.id
                          AND pl.direction = 'in' ORDER BY pl.id DESC LIMIT 1) pay ON true
                    WHERE p.id = :id
                    """
                ),
                {"id": permit_id},
            ).one_or_none()
        if row is None:
            raise NotFound("This permit no longer exists.")
        price = Decimal(row.price)
        if row.today < row.first_day:
            amount = price
        else:
            unused = max((row.end_day - (row.today + timedelta(days=1))).days, 0)
            total = max((row.end_day - row.first_day).days, 1)
            amount = (price * unused / total).quantize(Decimal("0.01"))
        return RefundEstimate(
            permit_number=str(row.number),
            amount=amount,
            needs_approval=amount > Decimal(row.threshold) and not row.manager,
            original_tender=row.tender,
            original_detail=_original_tender_detail(row),
        )

    def cancel(
        self, key: uuid.UUID, permit_id: int, reason: str, refund_tender: Tender
    ) -> CancelResult:
        if len(reason.strip()) < 3:
            raise ValidationError.single("reason", "Say why the permit is cancelled.")
        estimate = self.refund_estimate(permit_id)
        if estimate.amount > 0 and not estimate.needs_approval:
            refund_tender.check(estimate.amount, "out")
        with self.workspace.transaction() as session:
            refund_id = session.execute(
                text("SELECT cancel_permit(:key, :permit, :reason, CAST(:tender AS jsonb))"),
                {
                    "key": key,
                    "permit": permit_id,
                    "reason": reason.strip(),
                    "tender": refund_tender.as_json(),
                },
            ).scalar_one_or_none()
            if refund_id is None:
                return CancelResult(estimate.permit_number, None, Decimal(0), None, None)
            refund = session.execute(
                text(
                    "SELECT amount, status, paid_payment_id, approval_reason FROM refund "
                    "WHERE id = :id"
                ),
                {"id": refund_id},
            ).one()
            payment = (
                payment_result(session, int(refund.paid_payment_id))
                if refund.paid_payment_id is not None
                else None
            )
            return CancelResult(
                estimate.permit_number,
                int(refund_id),
                Decimal(refund.amount),
                str(refund.status),
                payment,
                refund.approval_reason,
            )

    def refunds(self, status: str | None = "pending") -> list[RefundInfo]:
        where = "r.status = :status" if status else "TRUE"
        # Who asked for a refund is the managers' to know (SECURITY.md, threat 5).
        requester = "r.created_by" if "manager" in self.workspace.identity.roles else "NULL"
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    f"""
                    SELECT {_REFUND_COLUMNS}, {requester} AS requested_by,
                           coalesce(p.number, ci.number) AS number,
                           CASE WHEN p.id IS NOT NULL THEN 'cancelled permit ' || p.number
                                ELSE format('citation %s (appeal %s)', ci.number, ap.number)
                           END AS subject,
                           pk.first_name, pk.last_name, ap.appellant,
                           (SELECT pay.tender FROM payment_line pay
                            WHERE pay.id = r.original_payment_id) AS tender
                    FROM refund r LEFT JOIN permit p ON p.id = r.permit_id
                    LEFT JOIN citation ci ON ci.id = r.citation_id
                    LEFT JOIN appeal ap ON ap.id = r.appeal_id
                    LEFT JOIN parker pk ON pk.id = r.parker_id
                    WHERE {where} ORDER BY r.id DESC LIMIT 500
                    """  # the WHERE clause and the requester are constants
                ),
                {"status": status},
            ).all()
        return [
            record(
                RefundInfo,
                r,
                permit_number=r.number,
                parker_name=(
                    f"{r.first_name} {r.last_name}" if r.first_name else r.appellant or "Visitor"
                ),
                requested_by=r.requested_by or "",
                requested_at=r.created_at,
                original_tender=r.tender,
            )
            for r in rows
        ]

    def decide_refund(self, refund_id: int, approve: bool, note: str) -> None:
        if not approve and len(note.strip()) < 3:
            raise ValidationError.single("note", "Say why the refund is refused.")
        with self.workspace.transaction() as session:
            session.execute(
                text("SELECT decide_refund(:id, :approve, :note)"),
                {"id": refund_id, "approve": approve, "note": note.strip()},
            )

    def pay_refund(self, key: uuid.UUID, refund_id: int, tender: Tender) -> PaymentResult:
        with self.workspace.transaction() as session:
            amount = session.execute(
                text("SELECT amount FROM refund WHERE id = :id"), {"id": refund_id}
            ).scalar_one_or_none()
            if amount is None:
                raise NotFound("This refund no longer exists.")
            tender.check(Decimal(amount), "out")
            payment_id = session.execute(
                text("SELECT pay_refund(:key, :refund, CAST(:tender AS jsonb))"),
                {"key": key, "refund": refund_id, "tender": tender.as_json()},
            ).scalar_one()
            return payment_result(session, int(payment_id))

    # what a parker has

    def permits_for_parker(self, parker_id: int) -> list[PermitInfo]:
        with self.workspace.read() as session:
            return _permits(session, "p.parker_id = :id", {"id": parker_id})

    def permit(self, permit_id: int) -> PermitInfo:
        with self.workspace.read() as session:
            found = _permits(session, "p.id = :id", {"id": permit_id})
        if not found:
            raise NotFound("This permit no longer exists.")
        return found[0]

    def ledger_for_parker(self, parker_id: int) -> tuple[list[LedgerLine], Decimal]:
        """The parker's postings, newest first, and their balance (positive: they owe)."""
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    "SELECT l.*, pay.receipt_number FROM ledger_line l "
                    "LEFT JOIN payment_line pay ON pay.id = l.payment_id "
                    "WHERE l.parker_id = :id ORDER BY l.id DESC LIMIT 1000"
                ),
                {"id": parker_id},
            ).all()
            balance = session.execute(
                text("SELECT coalesce(sum(amount), 0) FROM ledger_line WHERE parker_id = :id"),
                {"id": parker_id},
            ).scalar_one()
        lines = [record(LedgerLine, r, blank=("posted_by",)) for r in rows]
        return lines, Decimal(balance)

    def payments_for_parker(self, parker_id: int) -> list[PaymentResult]:
        with self.workspace.read() as session:
            ids = session.execute(
                text(
                    "SELECT id FROM payment_line WHERE parker_id = :id ORDER BY id DESC LIMIT 500"
                ),
                {"id": parker_id},
            ).scalars()
            return [payment_result(session, int(i)) for i in ids]

    # receipts

    def receipt(self, payment_id: int) -> documents.Receipt:
        with self.workspace.read() as session:
            office = document_office(session)
            row = session.execute(
                text(
                    """
                    SELECT pay.*, pk.first_name, pk.last_name, pk.campus_id,
                           coalesce(t.login, '') AS taker, coalesce(t.full_name, '') AS clerk_name
                    FROM payment_line pay
                    LEFT JOIN parker pk ON pk.id = pay.parker_id
                    LEFT JOIN LATERAL payment_taker(pay.id) t ON true
                    WHERE pay.id = :id
                    """
                ),
                {"id": payment_id},
            ).one_or_none()
            if row is None:
                raise NotFound("This payment no longer exists.")
            permit_note = ""
            if row.permit_id is not None:
                permit_note = (
                    session.execute(
                        text(
                            "SELECT coalesce('Issued free: ' || free_reason, '') FROM permit "
                            "WHERE id = :id"
                        ),
                        {"id": row.permit_id},
                    ).scalar_one()
                    or ""
                )
        amount = Decimal(row.amount)
        sign = Decimal(1) if row.direction == "in" else Decimal(-1)
        return documents.Receipt(
            office=office,
            receipt_number=str(row.receipt_number),
            direction=str(row.direction),
            received_at=row.received_at,
            received_by=str(row.taker),
            clerk_name=str(row.clerk_name),
            parker_name=f"{row.first_name} {row.last_name}" if row.first_name else None,
            campus_id=row.campus_id,
            lines=(documents.ReceiptLine(str(row.description), sign * amount),),
            total=amount,
            tender=str(row.tender),
            tender_detail=_tender_detail(row),
            cash_tendered=row.cash_tendered,
            change_given=row.change_given,
            note=permit_note if amount == 0 else "",
        )

    def receipt_pdf(self, payment_id: int) -> bytes:
        return documents.receipt_pdf(self.receipt(payment_id))

    # waitlists

    def join_waitlist(self, type_id: int, lot_id: int | None, parker_id: int) -> WaitlistPosition:
        if lot_id is None:
            raise ValidationError.single("lot", "Choose the lot.")
        with self.workspace.transaction() as session:
            entry_id = session.execute(
                text("SELECT join_waitlist(:type, :lot, :parker)"),
                {"type": type_id, "lot": lot_id, "parker": parker_id},
            ).scalar_one()
            return _waitlist(session, "w.id = :id", {"id": entry_id})[0]

    def leave_waitlist(self, entry_id: int) -> None:
        with self.workspace.transaction() as session:
            session.execute(text("SELECT leave_waitlist(:id, false)"), {"id": entry_id})

    def decline_offer(self, entry_id: int) -> None:
        with self.workspace.transaction() as session:
            session.execute(text("SELECT leave_waitlist(:id, true)"), {"id": entry_id})

    def waitlist_for_parker(self, parker_id: int) -> list[WaitlistPosition]:
        with self.workspace.read() as session:
            return _waitlist(
                session,
                "w.parker_id = :id AND (w.status IN ('waiting', 'offered') "
                "OR w.resolved_at > now() - interval '30 days')",
                {"id": parker_id},
            )

    def waitlist(
        self, type_id: int | None = None, *, offers_only: bool = False
    ) -> list[WaitlistPosition]:
        """Everyone waiting (or offered a space), in rank order per permit type and lot."""
        condition = "w.status = 'offered'" if offers_only else "w.status IN ('waiting', 'offered')"
        if type_id is not None:
            condition += " AND w.permit_type_id = :type"
        with self.workspace.read() as session:
            return _waitlist(session, condition, {"type": type_id})

    def refresh_waitlists(self) -> int:
        """Expire overdue offers and offer the spaces free now; returns offers made."""
        with self.workspace.transaction() as session:
            return int(session.execute(text("SELECT refresh_waitlists()")).scalar_one())


# -- queries ---------------------------------------------------------------------------


def document_office(session: Session) -> documents.Office:
    """The office as its documents print it: name, currency, clock and receipt footer."""
    row = session.execute(
        text("SELECT office_name, currency, time_zone, receipt_footer FROM office_setting")
    ).one()
    return documents.Office(
        name=str(row.office_name),
        currency=str(row.currency),
        time_zone=str(row.time_zone),
        receipt_footer=str(row.receipt_footer),
    )


def describe_validity(t: Row[Any] | Any) -> str:
    if t.validity == "term":
        return f"{_day(t.term_start)} \u2013 {_day(t.term_end)}"
    if t.validity == "monthly":
        return "Calendar month"
    return f"{t.days} day{'s' if t.days != 1 else ''}"


def _day(value: date) -> str:
    return format_day(value)


def _refusal(session: Session, parker: Row[Any], t: Row[Any], start: date) -> str | None:
    # Same rule as the database's permit_refusal, for the list; the sale re-checks it there.
    if not parker.active:
        return f"{parker.first_name} {parker.last_name} is deactivated."
    if parker.affiliation not in t.affiliations:
        allowed = ", ".join(a.title() for a in t.affiliations)
        return f"For {allowed} only; this parker is {parker.affiliation.title()}."
    if t.validity == "term" and start > t.term_end:
        return f"The term ended on {_day(t.term_end)}."
    held = session.execute(
        text(
            "SELECT count(*) FROM permit p WHERE p.parker_id = :parker "
            "AND p.permit_type_id = :type AND upper(p.validity) > now()"
        ),
        {"parker": parker.id, "type": t.id},
    ).scalar_one()
    if held >= t.per_parker_limit:
        return f"Already has {held} (the limit is {t.per_parker_limit})."
    return None


def _quote(session: Session, type_id: int, start: date, time_zone: str) -> Quote:
    row = session.execute(
        text("SELECT * FROM quote_permit(:type, :start)"), {"type": type_id, "start": start}
    ).one()
    zone = ZoneInfo(time_zone)
    return record(
        Quote,
        row,
        first_day=row.valid_from.astimezone(zone).date(),
        last_day=row.valid_until.astimezone(zone).date() - timedelta(days=1),
    )


def _availability(
    session: Session, type_id: int, quote: Quote | None
) -> tuple[LotAvailability, ...]:
    rows = session.execute(
        text(
            """
            SELECT l.id, l.code, l.name, a.capacity, a.taken, a.offered, a.free
            FROM permit_type_lot tl JOIN lot l ON l.id = tl.lot_id,
                 lot_availability(l.id, CASE WHEN CAST(:from_ AS timestamptz) IS NULL THEN NULL
                                        ELSE tstzrange(:from_, :until) END) a
            WHERE tl.permit_type_id = :type AND l.active
            ORDER BY l.code
            """
        ),
        {
            "type": type_id,
            "from_": quote.valid_from if quote else None,
            "until": quote.valid_until if quote else None,
        },
    ).all()
    return tuple(
        LotAvailability(
            int(r.id),
            str(r.code),
            str(r.name),
            int(r.capacity),
            int(r.taken),
            int(r.offered),
            int(r.free),
        )
        for r in rows
    )


def _tender_detail(row: Row[Any]) -> str:
    if row.tender == "card":
        return f"{row.card_brand} ending {row.card_last4}, approval {row.processor_ref}"
    if row.tender == "cheque":
        return f"Cheque no. {row.cheque_number}"
    if row.tender == "account":
        return f"{ACCOUNT_TITLES.get(row.account_kind, row.account_kind)} {row.account_ref}"
    return ""


def _original_tender_detail(row: Any) -> str:
    """How a permit was paid, as a refund must go back: "Visa card ending 4242"."""
    if row.tender == "card":
        return f"{row.card_brand} card ending {row.card_last4}"
    if row.tender == "account":
        return f"{ACCOUNT_TITLES.get(row.account_kind, row.account_kind)} {row.account_ref}"
    return {"cash": "cash", "cheque": "cheque"}.get(str(row.tender), "")


def payment_result(session: Session, payment_id: int) -> PaymentResult:
    row = session.execute(
        text(
            "SELECT pay.*, p.number FROM payment_line pay "
            "LEFT JOIN permit p ON p.id = pay.permit_id "
            "WHERE pay.id = :id"
        ),
        {"id": payment_id},
    ).one()
    return record(PaymentResult, row, payment_id=row.id, permit_number=row.number)


#: Columns every desk may read: who sold, refunded or offered what is the managers' only.
_PERMIT_COLUMNS = (
    "p.id, p.number, p.kind, p.permit_type_id, p.parker_id, p.lot_id, p.issued_validity, "
    "p.validity, p.price, p.free_reason, p.note, p.renewed_from_id, p.cancelled_at, "
    "p.cancel_reason, p.version, p.created_at, p.updated_at"
)
_WAITLIST_COLUMNS = (
    "w.id, w.permit_type_id, w.lot_id, w.parker_id, w.status, w.joined_at, w.offered_at, "
    "w.offer_expires_at, w.resolved_at, w.permit_id, w.version, w.created_at, w.updated_at"
)
_REFUND_COLUMNS = (
    "r.id, r.permit_id, r.parker_id, r.original_payment_id, r.amount, r.status, r.reason, "
    "r.decided_by, r.decided_at, r.decision_note, r.paid_payment_id, r.approval_reason, "
    "r.requested_tender, r.version, r.created_at, r.updated_at"
)


def _open_flags(session: Session, ids: list[int]) -> dict[int, tuple[datetime, int]]:
    """Permit id -> the latest flag not looked into (when, minutes apart), for the logins
    that read flags; a login that reads permits but not flags (a dispatcher) gets none."""
    if not session.execute(
        text("SELECT has_table_privilege('parkdesk.permit_flag', 'SELECT')")
    ).scalar_one():
        return {}
    rows = session.execute(
        text(
            "SELECT DISTINCT ON (f.permit_id) f.permit_id, f.second_read_at, "
            "(extract(epoch FROM f.second_read_at - f.first_read_at) / 60)::int AS minutes "
            "FROM permit_flag f WHERE f.permit_id = ANY(:ids) AND f.cleared_at IS NULL "
            "ORDER BY f.permit_id, f.flagged_at DESC"
        ),
        {"ids": ids},
    ).all()
    return {int(r.permit_id): (r.second_read_at, int(r.minutes)) for r in rows}


def _permits(session: Session, condition: str, params: dict[str, Any]) -> list[PermitInfo]:
    rows = session.execute(
        text(
            f"""
            SELECT {_PERMIT_COLUMNS}, t.name AS type_name, l.code AS lot_code, l.name AS lot_name,
                   local_day(lower(p.issued_validity)) AS first_day,
                   local_day(upper(p.issued_validity)) - 1 AS last_day,
                   EXISTS (SELECT 1 FROM permit r WHERE r.renewed_from_id = p.id
                           AND r.cancelled_at IS NULL) AS renewed,
                   CASE WHEN p.cancelled_at IS NOT NULL THEN 'cancelled'
                        WHEN lower(p.validity) > now() THEN 'future'
                        WHEN upper(p.validity) > now() THEN 'active'
                        ELSE 'ended' END AS status
            FROM permit p
            JOIN lot l ON l.id = p.lot_id
            LEFT JOIN permit_type t ON t.id = p.permit_type_id
            WHERE {condition}
            ORDER BY upper(p.issued_validity) DESC, p.id DESC
            LIMIT 200
            """  # conditions are constants of this module
        ),
        params,
    ).all()
    if not rows:
        return []
    vehicles = session.execute(
        text(
            """
            SELECT pv.permit_id, pv.vehicle_id, pv.validity, v.jurisdiction, v.plate_normalized,
                   v.plate_status,
                   (NOT isempty(pv.validity) AND upper(pv.validity) = upper(p.validity)) AS current
            FROM permit_vehicle pv JOIN vehicle v ON v.id = pv.vehicle_id
            JOIN permit p ON p.id = pv.permit_id
            WHERE pv.permit_id = ANY(:ids) ORDER BY pv.id
            """
        ),
        {"ids": [int(r.id) for r in rows]},
    ).all()
    by_permit: dict[int, list[PermitVehicleInfo]] = {}
    for v in vehicles:
        plate = (
            f"{v.jurisdiction} {v.plate_normalized}"
            if v.plate_status == "readable"
            else "No readable plate"
        )
        empty = v.validity is None or v.validity.isempty
        by_permit.setdefault(int(v.permit_id), []).append(
            PermitVehicleInfo(
                vehicle_id=int(v.vehicle_id),
                plate=plate,
                valid_from=None if empty else v.validity.lower,
                valid_until=None if empty else v.validity.upper,
                current=bool(v.current),
            )
        )
    flags = _open_flags(session, [int(r.id) for r in rows])
    result = []
    for r in rows:
        validity = r.validity
        flagged_at, flag_minutes = flags.get(int(r.id), (None, None))
        result.append(
            record(
                PermitInfo,
                r,
                type_id=r.permit_type_id,
                type_name=r.type_name or KIND_TITLES[r.kind],
                issued_from=r.issued_validity.lower,
                issued_until=r.issued_validity.upper,
                valid_until=None if validity.isempty else validity.upper,
                renewed=bool(r.renewed),
                vehicles=tuple(by_permit.get(r.id, [])),
                flagged_at=flagged_at,
                flag_minutes=flag_minutes,
            )
        )
    return result


def _waitlist(session: Session, condition: str, params: dict[str, Any]) -> list[WaitlistPosition]:
    rows = session.execute(
        text(
            f"""
            SELECT {_WAITLIST_COLUMNS}, t.name AS type_name, l.name AS lot_name, pk.first_name,
                   pk.last_name,
                   CASE WHEN w.status IN ('waiting', 'offered') THEN
                       (SELECT count(*) FROM waitlist_entry w2
                        WHERE w2.permit_type_id = w.permit_type_id AND w2.lot_id = w.lot_id
                          AND w2.status IN ('waiting', 'offered') AND w2.id <= w.id) END AS rank,
                   (SELECT count(*) FROM waitlist_entry w3
                    WHERE w3.permit_type_id = w.permit_type_id AND w3.lot_id = w.lot_id
                      AND w3.status IN ('waiting', 'offered')) AS waiting
            FROM waitlist_entry w
            JOIN permit_type t ON t.id = w.permit_type_id
            JOIN lot l ON l.id = w.lot_id
            JOIN parker pk ON pk.id = w.parker_id
            WHERE {condition}
            ORDER BY t.name, l.name, w.id
            LIMIT 2000
            """  # conditions are constants of this module
        ),
        params,
    ).all()
    return [
        record(
            WaitlistPosition,
            r,
            entry_id=r.id,
            type_id=r.permit_type_id,
            parker_name=f"{r.first_name} {r.last_name}",
        )
        for r in rows
    ]
