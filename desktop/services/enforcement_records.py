"""What the enforcement set-up desk shows: violation codes, fine lines, repeat offences,
escalation stages, devices and their number ranges, zones' time limits, exemptions and the
office's enforcement settings, as frozen records with the words people read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

#: Words for the kinds of device and the check-digit schemes, never their keys.
DEVICE_KIND_TITLES = {
    "handheld": "Handheld",
    "lpr_vehicle": "LPR vehicle",
    "fixed_camera": "Fixed camera",
}
SCHEME_TITLES = {"luhn": "Luhn (mod 10)", "mod11": "Weighted mod 11", "mod7": "Mod 7"}


# -- what the service hands back ---------------------------------------------------------


@dataclass(frozen=True)
class ViolationInfo:
    id: int
    code: str
    description: str
    warning_only: bool
    active: bool
    repeat_window_days: int | None
    #: The fine everywhere the schedule has no line for the lot or zone (None: no default).
    default_fine: Decimal | None
    version: int
    updated_by: str
    updated_at: datetime
    #: Whether its citations may be appealed, and within how many days when not the
    #: office's window.
    appealable: bool = True
    appeal_window_days: int | None = None


@dataclass(frozen=True)
class FineRuleInfo:
    """A line of the fine schedule for a lot, or a zone of a lot."""

    id: int
    violation_id: int
    violation_code: str
    lot_id: int
    lot_code: str
    zone_id: int | None
    zone_code: str | None
    amount: Decimal
    version: int
    updated_by: str
    updated_at: datetime

    @property
    def place_words(self) -> str:
        """'LOT-B' or 'LOT-B, zone B1'."""
        return f"{self.lot_code}, zone {self.zone_code}" if self.zone_code else self.lot_code


@dataclass(frozen=True)
class RepeatFineInfo:
    id: int
    violation_id: int
    offence: int
    amount: Decimal
    version: int
    updated_by: str
    updated_at: datetime

    @property
    def offence_words(self) -> str:
        """'1st offence', '2nd offence', … (the last line applies beyond it too)."""
        n = self.offence
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix} offence"


@dataclass(frozen=True)
class EscalationStageInfo:
    id: int
    after_days: int
    amount: Decimal
    sends_to_collections: bool
    description: str
    active: bool
    version: int
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class RangeInfo:
    """A device's citation numbers: ``prefix`` + the sequence in ``width`` digits + a
    check digit; how many were issued and spoiled."""

    id: int
    device_id: int
    device_code: str
    prefix: str
    first_seq: int
    last_seq: int
    width: int
    issued: int
    spoiled: int
    created_by: str
    created_at: datetime

    @property
    def size(self) -> int:
        return self.last_seq - self.first_seq + 1

    @property
    def left(self) -> int:
        return self.size - self.issued - self.spoiled

    @property
    def sequence_words(self) -> str:
        """'P000001 \u2013 P999999' (without the check digit)."""
        return (
            f"{self.prefix}{self.first_seq:0{self.width}d} \u2013 "
            f"{self.prefix}{self.last_seq:0{self.width}d}"
        )


@dataclass(frozen=True)
class DeviceInfo:
    id: int
    code: str
    kind: str
    description: str
    active: bool
    version: int
    updated_by: str
    updated_at: datetime

    @property
    def kind_words(self) -> str:
        return DEVICE_KIND_TITLES.get(self.kind, self.kind)


@dataclass(frozen=True)
class ZoneLimit:
    """A zone of a lot and how long a car may stay in it (None: no limit)."""

    id: int
    lot_id: int
    lot_code: str
    lot_name: str
    code: str
    name: str
    time_limit_minutes: int | None
    version: int
    updated_by: str
    updated_at: datetime

    @property
    def limit_words(self) -> str:
        minutes = self.time_limit_minutes
        if minutes is None:
            return "No limit"
        hours, rest = divmod(minutes, 60)
        if not hours:
            return f"{minutes} min"
        return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


@dataclass(frozen=True)
class LotChoice:
    id: int
    code: str
    name: str
    active: bool


@dataclass(frozen=True)
class ExemptionInfo:
    id: int
    jurisdiction: str
    plate_normalized: str
    lot_id: int | None
    lot_code: str | None
    reason: str
    starts_at: datetime
    ends_at: datetime | None
    #: The server's clock when the list was read: what "in force" is measured against.
    read_at: datetime
    version: int
    updated_by: str
    updated_at: datetime

    @property
    def in_force(self) -> bool:
        return self.starts_at <= self.read_at and (
            self.ends_at is None or self.ends_at > self.read_at
        )

    @property
    def status_words(self) -> str:
        if self.ends_at is not None and self.ends_at <= self.read_at:
            return "Ended"
        return "In force" if self.starts_at <= self.read_at else "Starts later"

    @property
    def place_words(self) -> str:
        return self.lot_code or "Every lot"


@dataclass(frozen=True)
class AppealReasonInfo:
    """A reason an adjudicator may give for a decision, and how many decisions gave it
    (a reason once given keeps its words: it is retired, not reworded)."""

    id: int
    decision: str
    text: str
    active: bool
    used: int
    version: int
    updated_by: str
    updated_at: datetime

    @property
    def decision_words(self) -> str:
        return DECISION_TITLES.get(self.decision, self.decision)


#: The decisions a reason is given for, in the desks' words.
DECISION_TITLES = {"uphold": "Uphold", "reduce": "Reduce", "dismiss": "Dismiss"}


@dataclass(frozen=True)
class EnforcementSettings:
    check_digit_scheme: str
    citation_due_days: int
    discount_days: int | None
    discount_percent: Decimal | None
    scofflaw_threshold: int
    shared_permit_window_minutes: int
    appeal_window_days: int
    appeal_response_days: int
    appeal_lease_minutes: int
    hearing_requires_payment: bool
    currency: str
    time_zone: str
    version: int
    updated_by: str
    updated_at: datetime
    #: A number as the scheme makes it ('P0012343'), or "" when this login may not compute one.
    sample_number: str = ""

    @property
    def scheme_words(self) -> str:
        return SCHEME_TITLES.get(self.check_digit_scheme, self.check_digit_scheme)


@dataclass(frozen=True)
class EnforcementOverview:
    """Everything the enforcement set-up desk shows, read in one transaction."""

    violations: tuple[ViolationInfo, ...]
    fine_rules: tuple[FineRuleInfo, ...]
    repeat_fines: tuple[RepeatFineInfo, ...]
    stages: tuple[EscalationStageInfo, ...]
    devices: tuple[DeviceInfo, ...]
    ranges: tuple[RangeInfo, ...]
    zones: tuple[ZoneLimit, ...]
    lots: tuple[LotChoice, ...]
    exemptions: tuple[ExemptionInfo, ...]
    settings: EnforcementSettings
    appeal_reasons: tuple[AppealReasonInfo, ...] = ()
