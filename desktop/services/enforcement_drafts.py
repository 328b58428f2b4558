"""What a manager types at the enforcement set-up desk, checked field by field: each
draft's ``cleaned()`` gives the values as the database takes them, or a
:class:`ValidationError` naming every wrong field at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from desktop.models.enforcement import CHECK_DIGIT_SCHEMES, DEVICE_KINDS
from desktop.services.enforcement_records import (
    DeviceInfo,
    EnforcementSettings,
    EscalationStageInfo,
    FineRuleInfo,
    RepeatFineInfo,
    ViolationInfo,
)
from desktop.services.errors import FieldProblem, ValidationError
from desktop.services.localization import format_local, parse_moment, parse_money
from desktop.services.records import record

MAX_FINE = Decimal(10_000)
MAX_WINDOW_DAYS = 3650
MAX_SPOIL = 1000

_VIOLATION_CODE = re.compile(r"[A-Z0-9-]{1,10}")
_DEVICE_CODE = re.compile(r"[A-Z0-9-]{2,20}")
_PREFIX = re.compile(r"[A-Z]{1,4}")
_JURISDICTION = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")
_PLATE = re.compile(r"[A-Z0-9]{1,10}")


# -- what the manager typed ------------------------------------------------------------


def whole_number(typed: str, field: str, label: str, low: int, high: int) -> int | None:
    """A whole number typed in a field (None when blank), or a problem naming the range."""
    text_ = typed.strip().replace(",", "")
    if not text_:
        return None
    if not text_.isdigit() or not low <= int(text_) <= high:
        raise ValidationError.single(field, f"{label} is a whole number from {low:,} to {high:,}.")
    return int(text_)


def _collect(problems: list[FieldProblem], check: Any) -> Any:
    """``check()``'s value, or None with its problems added to ``problems``."""
    try:
        return check()
    except ValidationError as exc:
        problems.extend(exc.problems)
        return None


def _fine(typed: str, field: str = "amount", label: str = "the fine") -> Decimal:
    return parse_money(typed, field=field, label=label, maximum=MAX_FINE)


def _description(problems: list[FieldProblem], typed: str, what: str, least: int = 1) -> str:
    words = " ".join(typed.split())
    if len(words) < least:
        problems.append(FieldProblem("description", f"Say what {what} is."))
    elif len(words) > 200:
        problems.append(FieldProblem("description", "A description is at most 200 characters."))
    return words


@dataclass(frozen=True)
class ViolationDraft:
    """A violation code as typed; ``default_fine`` and ``repeat_window_days`` are the texts
    of their fields (blank: none)."""

    code: str
    description: str
    default_fine: str = ""
    warning_only: bool = False
    active: bool = True
    repeat_window_days: str = ""
    appealable: bool = True
    #: Blank: the office's appeal window.
    appeal_window_days: str = ""

    @classmethod
    def of(cls, info: ViolationInfo) -> ViolationDraft:
        return record(
            cls,
            info,
            default_fine="" if info.default_fine is None else f"{info.default_fine:.2f}",
            repeat_window_days=str(info.repeat_window_days or ""),
            appeal_window_days=str(info.appeal_window_days or ""),
        )

    def cleaned(self) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        code = self.code.strip().upper()
        if not code:
            problems.append(FieldProblem("code", "Enter a short code, such as NP-01."))
        elif not _VIOLATION_CODE.fullmatch(code):
            problems.append(
                FieldProblem("code", "A code is 1 to 10 capital letters, digits or dashes.")
            )
        description = _description(problems, self.description, "the violation")
        fine = None
        if self.default_fine.strip():
            fine = _collect(problems, lambda: _fine(self.default_fine, "default_fine"))
        window = _collect(
            problems,
            lambda: whole_number(
                self.repeat_window_days, "repeat_window_days", "The window", 1, MAX_WINDOW_DAYS
            ),
        )
        appeal_window = _collect(
            problems,
            lambda: whole_number(
                self.appeal_window_days, "appeal_window_days", "The appeal window", 1, 365
            ),
        )
        if problems:
            raise ValidationError(problems)
        return {
            "code": code,
            "description": description,
            "warning_only": self.warning_only,
            "active": self.active,
            "repeat_window_days": window,
            "appealable": self.appealable,
            "appeal_window_days": appeal_window if self.appealable else None,
            "default_fine": fine,
        }


@dataclass(frozen=True)
class FineRuleDraft:
    """A line of the fine schedule: a violation's fine in a lot, or in a zone of it."""

    violation_id: int | None
    lot_id: int | None
    amount: str
    zone_id: int | None = None

    @classmethod
    def of(cls, info: FineRuleInfo) -> FineRuleDraft:
        return record(cls, info, amount=f"{info.amount:.2f}")

    def cleaned(self) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        if self.violation_id is None:
            problems.append(FieldProblem("violation_id", "Choose the violation."))
        if self.lot_id is None:
            problems.append(FieldProblem("lot_id", "Choose the lot the fine is for."))
        amount = _collect(problems, lambda: _fine(self.amount))
        if problems:
            raise ValidationError(problems)
        return {
            "violation_id": self.violation_id,
            "lot_id": self.lot_id,
            "zone_id": self.zone_id,
            "amount": amount,
        }


@dataclass(frozen=True)
class RepeatFineDraft:
    """The fine of a violation's Nth offence within its repeat window."""

    violation_id: int
    offence: int
    amount: str

    @classmethod
    def of(cls, info: RepeatFineInfo) -> RepeatFineDraft:
        return record(cls, info, amount=f"{info.amount:.2f}")

    def cleaned(self) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        if not 1 <= self.offence <= 99:
            problems.append(FieldProblem("offence", "The offence is a number from 1 to 99."))
        amount = _collect(problems, lambda: _fine(self.amount))
        if problems:
            raise ValidationError(problems)
        return {"violation_id": self.violation_id, "offence": self.offence, "amount": amount}


@dataclass(frozen=True)
class EscalationStageDraft:
    after_days: int
    amount: str
    description: str
    sends_to_collections: bool = False
    active: bool = True

    @classmethod
    def of(cls, info: EscalationStageInfo) -> EscalationStageDraft:
        return record(cls, info, amount=f"{info.amount:.2f}")

    def cleaned(self) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        if not 1 <= self.after_days <= MAX_WINDOW_DAYS:
            problems.append(
                FieldProblem(
                    "after_days", f"A stage comes 1 to {MAX_WINDOW_DAYS:,} days after issue."
                )
            )
        amount = _collect(problems, lambda: _fine(self.amount, label="the late fee"))
        description = _description(problems, self.description, "the stage")
        if amount == 0 and not self.sends_to_collections and not problems:
            problems.append(
                FieldProblem("amount", "A stage adds a late fee, sends to collections, or both.")
            )
        if problems:
            raise ValidationError(problems)
        return {
            "after_days": self.after_days,
            "amount": amount,
            "description": description,
            "sends_to_collections": self.sends_to_collections,
            "active": self.active,
        }


@dataclass(frozen=True)
class DeviceDraft:
    code: str
    kind: str
    description: str = ""
    active: bool = True

    @classmethod
    def of(cls, info: DeviceInfo) -> DeviceDraft:
        return record(cls, info)

    def cleaned(self) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        code = self.code.strip().upper()
        if not _DEVICE_CODE.fullmatch(code):
            problems.append(
                FieldProblem("code", "A device code is 2 to 20 capital letters, digits or dashes.")
            )
        if self.kind not in DEVICE_KINDS:
            problems.append(FieldProblem("kind", "Choose what kind of device it is."))
        description = " ".join(self.description.split())
        if len(description) > 200:
            problems.append(FieldProblem("description", "A description is at most 200 characters."))
        if problems:
            raise ValidationError(problems)
        return {"code": code, "kind": self.kind, "description": description, "active": self.active}


@dataclass(frozen=True)
class RangeDraft:
    """A new range of citation numbers for a device (ranges are never changed)."""

    device_id: int
    prefix: str
    first_seq: str
    last_seq: str
    width: int = 6

    def cleaned(self) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        prefix = self.prefix.strip().upper()
        if not _PREFIX.fullmatch(prefix):
            problems.append(FieldProblem("prefix", "A prefix is 1 to 4 capital letters."))
        if not 4 <= self.width <= 9:
            problems.append(FieldProblem("width", "Numbers have 4 to 9 digits."))
        top = 10 ** min(max(self.width, 4), 9) - 1
        first = _collect(
            problems, lambda: whole_number(self.first_seq, "first_seq", "The first", 0, top)
        )
        last = _collect(
            problems, lambda: whole_number(self.last_seq, "last_seq", "The last", 0, top)
        )
        if first is None and not any(p.field == "first_seq" for p in problems):
            problems.append(FieldProblem("first_seq", "Enter the first number of the range."))
        if last is None and not any(p.field == "last_seq" for p in problems):
            problems.append(FieldProblem("last_seq", "Enter the last number of the range."))
        if first is not None and last is not None and last < first:
            problems.append(FieldProblem("last_seq", "The last number is before the first."))
        if problems:
            raise ValidationError(problems)
        return {
            "device_id": self.device_id,
            "prefix": prefix,
            "first_seq": first,
            "last_seq": last,
            "width": self.width,
        }


@dataclass(frozen=True)
class SpoilDraft:
    """Numbers of a range that will never be issued, with why."""

    range_id: int
    first: str
    last: str
    reason: str

    def cleaned(self) -> tuple[int, int, str]:
        problems: list[FieldProblem] = []
        top = 10**9 - 1
        first = _collect(problems, lambda: whole_number(self.first, "first", "The first", 0, top))
        last = _collect(problems, lambda: whole_number(self.last, "last", "The last", 0, top))
        if first is None and not any(p.field == "first" for p in problems):
            problems.append(FieldProblem("first", "Enter the first number to spoil."))
        if last is None and not any(p.field == "last" for p in problems):
            last = first  # one number
        if first is not None and last is not None:
            if last < first:
                problems.append(FieldProblem("last", "The last number is before the first."))
            elif last - first >= MAX_SPOIL:
                problems.append(FieldProblem("last", "Spoil at most 1,000 numbers at a time."))
        reason = " ".join(self.reason.split())
        if len(reason) < 3:
            problems.append(FieldProblem("reason", "Say why these numbers are spoiled."))
        elif len(reason) > 300:
            problems.append(FieldProblem("reason", "A reason is at most 300 characters."))
        if problems:
            raise ValidationError(problems)
        return int(first), int(last), reason


@dataclass(frozen=True)
class ExemptionDraft:
    """A plate not ticketed; times as typed, on the office's clock (blank start: now,
    blank end: until a manager ends it)."""

    jurisdiction: str
    plate: str
    reason: str
    lot_id: int | None = None
    starts: str = ""
    ends: str = ""

    def cleaned(self, time_zone: str, now: datetime) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        jurisdiction = self.jurisdiction.strip().upper()
        plate = re.sub(r"[\s.-]", "", self.plate).upper()
        if not _JURISDICTION.fullmatch(jurisdiction):
            problems.append(
                FieldProblem("jurisdiction", "Jurisdiction is a two-letter code such as ON or NY.")
            )
        if not _PLATE.fullmatch(plate):
            problems.append(
                FieldProblem(
                    "plate",
                    "A plate is 1 to 10 letters and digits (spaces, dashes and dots are ignored).",
                )
            )
        reason = " ".join(self.reason.split())
        if len(reason) < 3:
            problems.append(FieldProblem("reason", "Say why this plate is not ticketed."))
        elif len(reason) > 200:
            problems.append(FieldProblem("reason", "A reason is at most 200 characters."))
        zone = ZoneInfo(time_zone)
        starts_at, ends_at = now, None
        for field, typed in (("starts", self.starts), ("ends", self.ends)):
            if not typed.strip():
                continue
            moment = parse_moment(typed)
            if moment is None:
                problems.append(
                    FieldProblem(field, "Type a day and time such as 15 May 2027 12:00.")
                )
            elif field == "starts":
                starts_at = moment.replace(tzinfo=zone)
            else:
                ends_at = moment.replace(tzinfo=zone)
        times_read = not any(p.field in ("starts", "ends") for p in problems)
        if ends_at is not None and ends_at <= starts_at and times_read:
            problems.append(
                FieldProblem(
                    "ends", f"It ends before it starts ({format_local(starts_at, time_zone)})."
                )
            )
        if problems:
            raise ValidationError(problems)
        return {
            "jurisdiction": jurisdiction,
            "plate_normalized": plate,
            "lot_id": self.lot_id,
            "reason": reason,
            "starts_at": starts_at,
            "ends_at": ends_at,
        }


@dataclass(frozen=True)
class EnforcementSettingsDraft:
    """The office's enforcement settings as typed (the discount's texts blank: none)."""

    check_digit_scheme: str
    citation_due_days: int
    discount_days: str
    discount_percent: str
    scofflaw_threshold: int
    shared_permit_window_minutes: int
    appeal_window_days: int = 30
    appeal_response_days: int = 30
    appeal_lease_minutes: int = 20
    hearing_requires_payment: bool = False

    @classmethod
    def of(cls, settings: EnforcementSettings) -> EnforcementSettingsDraft:
        percent = settings.discount_percent
        return record(
            cls,
            settings,
            discount_days="" if settings.discount_days is None else str(settings.discount_days),
            discount_percent="" if percent is None else f"{percent.normalize():f}",
        )

    def cleaned(self) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        if self.check_digit_scheme not in CHECK_DIGIT_SCHEMES:
            problems.append(FieldProblem("check_digit_scheme", "Choose a check-digit scheme."))
        for field, label, low, high in (
            ("citation_due_days", "A citation is due", 1, 365),
            ("scofflaw_threshold", "The scofflaw threshold", 1, 50),
            ("shared_permit_window_minutes", "The window", 0, 1440),
            ("appeal_window_days", "The appeal window", 1, 365),
            ("appeal_response_days", "The time to answer an appeal", 1, 365),
            ("appeal_lease_minutes", "An adjudicator's hold on an appeal", 5, 240),
        ):
            if not low <= getattr(self, field) <= high:
                problems.append(FieldProblem(field, f"{label} is from {low} to {high}."))
        days = _collect(
            problems,
            lambda: whole_number(
                self.discount_days, "discount_days", "The discount period", 0, 365
            ),
        )
        percent: Decimal | None = None
        typed = self.discount_percent.strip().rstrip("%").strip()
        if typed:
            try:
                percent = Decimal(typed)
            except InvalidOperation:
                percent = None
            if (
                percent is None
                or not percent.is_finite()
                or not 0 < percent < 100
                or percent != percent.quantize(Decimal("0.01"))
            ):
                problems.append(
                    FieldProblem(
                        "discount_percent",
                        "The discount is a percentage above 0 and below 100, such as 20 or 12.5.",
                    )
                )
                percent = None
        has_days = bool(self.discount_days.strip())
        if has_days and not typed and not any(p.field == "discount_days" for p in problems):
            problems.append(
                FieldProblem(
                    "discount_percent", "Enter the discount's percentage, or clear the days."
                )
            )
        if typed and not has_days and not any(p.field == "discount_percent" for p in problems):
            problems.append(
                FieldProblem(
                    "discount_days",
                    "Enter how many days the discount lasts, or clear the percentage.",
                )
            )
        if problems:
            raise ValidationError(problems)
        return {
            "check_digit_scheme": self.check_digit_scheme,
            "citation_due_days": self.citation_due_days,
            "discount_days": days,
            "discount_percent": percent,
            "scofflaw_threshold": self.scofflaw_threshold,
            "shared_permit_window_minutes": self.shared_permit_window_minutes,
            "appeal_window_days": self.appeal_window_days,
            "appeal_response_days": self.appeal_response_days,
            "appeal_lease_minutes": self.appeal_lease_minutes,
            "hearing_requires_payment": bool(self.hearing_requires_payment),
        }


@dataclass(frozen=True)
class AppealReasonDraft:
    """A reason for a decision, as a manager writes it."""

    decision: str
    text: str
    active: bool = True

    def cleaned(self) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        if self.decision not in ("uphold", "reduce", "dismiss"):
            problems.append(FieldProblem("decision", "Choose the decision it is a reason for."))
        words = " ".join(self.text.split())
        if len(words) < 3:
            problems.append(FieldProblem("text", "Write the reason (3 to 200 characters)."))
        elif len(words) > 200:
            problems.append(FieldProblem("text", "A reason is at most 200 characters."))
        if problems:
            raise ValidationError(problems)
        return {"decision": self.decision, "text": words, "active": bool(self.active)}
