"""What a manager sets up for enforcement: violation codes and the fine schedule, repeat
offences, escalation stages, devices with their citation number ranges and spoiled
numbers, zones' time limits, exemptions ("do not ticket") and the office's enforcement
settings (SPEC rules 6, 7, 15, 16 and 17).

Managers edit; adjudicators and clerks read the same lists (the column grants of the
database decide, the service only words the refusal first). Every field is checked here
so a dialog can mark every wrong field at once; the table constraints stay the backstop.
Writes check the version the manager loaded and name who changed the record in between.
Nothing here deletes: fine lines and repeat lines are changed, exemptions end, spoiled
numbers stay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from desktop.models.enforcement import CHECK_DIGIT_SCHEMES
from desktop.services.enforcement_drafts import (
    AppealReasonDraft,
    DeviceDraft,
    EnforcementSettingsDraft,
    EscalationStageDraft,
    ExemptionDraft,
    FineRuleDraft,
    RangeDraft,
    RepeatFineDraft,
    SpoilDraft,
    ViolationDraft,
    whole_number,
)
from desktop.services.enforcement_records import (
    DEVICE_KIND_TITLES,
    SCHEME_TITLES,
    AppealReasonInfo,
    DeviceInfo,
    EnforcementOverview,
    EnforcementSettings,
    EscalationStageInfo,
    ExemptionInfo,
    FineRuleInfo,
    LotChoice,
    RangeInfo,
    RepeatFineInfo,
    ViolationInfo,
    ZoneLimit,
)
from desktop.services.errors import NotFound, PermissionDenied, ValidationError
from desktop.services.records import record
from desktop.services.versioned import insert_row, update_at_version
from desktop.services.workspace import Workspace

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

DESK = "enforcement_setup"
#: Any of the records the lists show.
Info = TypeVar("Info", bound="DataclassInstance")

#: What the sample citation number of the settings is made of.
SAMPLE_PREFIX, SAMPLE_SEQ, SAMPLE_WIDTH = "P", 1234, 6

__all__ = [
    "DEVICE_KIND_TITLES",
    "SCHEME_TITLES",
    "DeviceDraft",
    "DeviceInfo",
    "EnforcementOverview",
    "EnforcementSettings",
    "EnforcementSettingsDraft",
    "EnforcementSetupService",
    "EscalationStageDraft",
    "EscalationStageInfo",
    "ExemptionDraft",
    "ExemptionInfo",
    "FineRuleDraft",
    "FineRuleInfo",
    "LotChoice",
    "RangeDraft",
    "RangeInfo",
    "RepeatFineDraft",
    "RepeatFineInfo",
    "SpoilDraft",
    "ViolationDraft",
    "ViolationInfo",
    "ZoneLimit",
]
# -- the SQL ------------------------------------------------------------------------------

_VIOLATION_SQL = """
SELECT v.id, v.code, v.description, v.warning_only, v.active, v.repeat_window_days,
       v.appealable, v.appeal_window_days, v.version, v.updated_by, v.updated_at,
       f.amount AS default_fine
FROM parkdesk.violation v
LEFT JOIN parkdesk.fine_rule f
       ON f.violation_id = v.id AND f.lot_id IS NULL AND f.zone_id IS NULL
WHERE CAST(:id AS bigint) IS NULL OR v.id = :id
ORDER BY v.code
"""

_FINE_RULE_SQL = """
SELECT f.id, f.violation_id, v.code AS violation_code, f.lot_id, l.code AS lot_code,
       f.zone_id, z.code AS zone_code, f.amount, f.version, f.updated_by, f.updated_at
FROM parkdesk.fine_rule f
JOIN parkdesk.violation v ON v.id = f.violation_id
JOIN parkdesk.lot l ON l.id = f.lot_id
LEFT JOIN parkdesk.zone z ON z.id = f.zone_id
WHERE CAST(:id AS bigint) IS NULL OR f.id = :id
ORDER BY v.code, l.code, z.code NULLS FIRST
"""

_REPEAT_SQL = """
SELECT id, violation_id, offence, amount, version, updated_by, updated_at
FROM parkdesk.repeat_fine
WHERE CAST(:id AS bigint) IS NULL OR id = :id
ORDER BY violation_id, offence
"""

_STAGE_SQL = """
SELECT id, after_days, amount, sends_to_collections, description, active, version,
       updated_by, updated_at
FROM parkdesk.escalation_stage
WHERE CAST(:id AS bigint) IS NULL OR id = :id
ORDER BY after_days
"""

_DEVICE_SQL = """
SELECT id, code, kind, description, active, version, updated_by, updated_at
FROM parkdesk.device
WHERE CAST(:id AS bigint) IS NULL OR id = :id
ORDER BY code
"""

_RANGE_SQL = """
SELECT r.id, r.device_id, d.code AS device_code, r.prefix, r.first_seq, r.last_seq, r.width,
       r.created_by, r.created_at,
       (SELECT count(*) FROM parkdesk.citation c WHERE c.range_id = r.id) AS issued,
       (SELECT count(*) FROM parkdesk.spoiled_number s WHERE s.range_id = r.id) AS spoiled
FROM parkdesk.citation_range r
JOIN parkdesk.device d ON d.id = r.device_id
WHERE CAST(:id AS bigint) IS NULL OR r.id = :id
ORDER BY d.code, r.prefix, r.first_seq
"""

_ZONE_SQL = """
SELECT z.id, z.lot_id, l.code AS lot_code, l.name AS lot_name, z.code, z.name,
       z.time_limit_minutes, z.version, z.updated_by, z.updated_at
FROM parkdesk.zone z JOIN parkdesk.lot l ON l.id = z.lot_id
WHERE CAST(:id AS bigint) IS NULL OR z.id = :id
ORDER BY l.code, z.code
"""

_LOT_SQL = "SELECT id, code, name, active FROM parkdesk.lot ORDER BY code"

_EXEMPTION_SQL = """
SELECT e.id, e.jurisdiction, e.plate_normalized, e.lot_id, l.code AS lot_code, e.reason,
       e.starts_at, e.ends_at, now() AS read_at, e.version, e.updated_by, e.updated_at
FROM parkdesk.exemption e LEFT JOIN parkdesk.lot l ON l.id = e.lot_id
WHERE CAST(:id AS bigint) IS NULL OR e.id = :id
ORDER BY e.ends_at IS NOT NULL AND e.ends_at <= now(), e.jurisdiction, e.plate_normalized,
         e.starts_at DESC
"""

_SETTINGS_SQL = """
SELECT check_digit_scheme, citation_due_days, discount_days, discount_percent,
       scofflaw_threshold, shared_permit_window_minutes, appeal_window_days,
       appeal_response_days, appeal_lease_minutes, hearing_requires_payment, currency,
       time_zone, version, updated_by, updated_at
FROM parkdesk.office_setting WHERE id = 1
"""

_REASON_SQL = """
SELECT r.id, r.decision, r.text, r.active,
       (SELECT count(*) FROM parkdesk.appeal a WHERE a.reason_id = r.id)::int AS used,
       r.version, r.updated_by, r.updated_at
FROM parkdesk.appeal_reason r
WHERE CAST(:id AS bigint) IS NULL OR r.id = :id
ORDER BY CASE r.decision WHEN 'uphold' THEN 1 WHEN 'reduce' THEN 2 ELSE 3 END, r.text
"""


class EnforcementSetupService:
    """The enforcement set-up desk's use cases for one logged-in person; each method is one
    transaction."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @property
    def can_edit(self) -> bool:
        return self.workspace.identity.can_edit(DESK)

    # -- reading ----------------------------------------------------------------------

    def overview(self) -> EnforcementOverview:
        with self.workspace.read() as session:
            return EnforcementOverview(
                violations=tuple(self._rows(session, ViolationInfo, _VIOLATION_SQL)),
                fine_rules=tuple(self._rows(session, FineRuleInfo, _FINE_RULE_SQL)),
                repeat_fines=tuple(self._rows(session, RepeatFineInfo, _REPEAT_SQL)),
                stages=tuple(self._rows(session, EscalationStageInfo, _STAGE_SQL)),
                devices=tuple(self._rows(session, DeviceInfo, _DEVICE_SQL)),
                ranges=tuple(self._rows(session, RangeInfo, _RANGE_SQL)),
                zones=tuple(self._rows(session, ZoneLimit, _ZONE_SQL)),
                lots=tuple(
                    LotChoice(r.id, r.code, r.name, r.active)
                    for r in session.execute(text(_LOT_SQL)).all()
                ),
                exemptions=tuple(self._rows(session, ExemptionInfo, _EXEMPTION_SQL)),
                settings=self._settings(session),
                appeal_reasons=tuple(self._rows(session, AppealReasonInfo, _REASON_SQL)),
            )

    def violation(self, violation_id: int) -> ViolationInfo:
        with self.workspace.read() as session:
            return self._one(session, ViolationInfo, _VIOLATION_SQL, violation_id, "violation")

    def fine_rule(self, rule_id: int) -> FineRuleInfo:
        with self.workspace.read() as session:
            return self._one(session, FineRuleInfo, _FINE_RULE_SQL, rule_id, "fine line")

    def repeat_fine(self, line_id: int) -> RepeatFineInfo:
        with self.workspace.read() as session:
            return self._one(session, RepeatFineInfo, _REPEAT_SQL, line_id, "repeat-offence line")

    def stage(self, stage_id: int) -> EscalationStageInfo:
        with self.workspace.read() as session:
            return self._one(session, EscalationStageInfo, _STAGE_SQL, stage_id, "stage")

    def device(self, device_id: int) -> DeviceInfo:
        with self.workspace.read() as session:
            return self._one(session, DeviceInfo, _DEVICE_SQL, device_id, "device")

    def number_range(self, range_id: int) -> RangeInfo:
        with self.workspace.read() as session:
            return self._one(session, RangeInfo, _RANGE_SQL, range_id, "number range")

    def zone(self, zone_id: int) -> ZoneLimit:
        with self.workspace.read() as session:
            return self._one(session, ZoneLimit, _ZONE_SQL, zone_id, "zone")

    def exemption(self, exemption_id: int) -> ExemptionInfo:
        with self.workspace.read() as session:
            return self._one(session, ExemptionInfo, _EXEMPTION_SQL, exemption_id, "exemption")

    def settings(self) -> EnforcementSettings:
        with self.workspace.read() as session:
            return self._settings(session)

    def appeal_reason(self, reason_id: int) -> AppealReasonInfo:
        with self.workspace.read() as session:
            return self._one(session, AppealReasonInfo, _REASON_SQL, reason_id, "reason")

    def sample_number(self, scheme: str) -> str:
        """A citation number as ``scheme`` makes it ('P0012343'), by the database's own
        ``check_digit``; "" when this login may not compute one."""
        if scheme not in CHECK_DIGIT_SCHEMES:
            raise ValidationError.single("check_digit_scheme", "Choose a check-digit scheme.")
        with self.workspace.read() as session:
            return self._sample(session, scheme)

    # -- violations and fines ----------------------------------------------------------

    def save_violation(
        self, draft: ViolationDraft, violation_id: int | None = None, version: int | None = None
    ) -> ViolationInfo:
        """Create a violation code (``violation_id`` None) or save one loaded at ``version``,
        with its default fine (the schedule's line for no lot)."""
        self._require_manager("violation codes")
        params = draft.cleaned()
        fine = params.pop("default_fine")
        with self.workspace.transaction() as session:
            other = session.execute(
                text(
                    "SELECT description FROM parkdesk.violation "
                    "WHERE code = :code AND id IS DISTINCT FROM CAST(:id AS bigint)"
                ),
                {"code": params["code"], "id": violation_id},
            ).first()
            if other is not None:
                raise ValidationError.single(
                    "code", f"{params['code']} is already the code of “{other.description}”."
                )
            if violation_id is None:
                violation_id = insert_row(session, "violation", params)
            else:
                update_at_version(
                    session, "violation", violation_id, version, params, what="violation"
                )
            current = session.execute(
                text(
                    "SELECT id FROM parkdesk.fine_rule "
                    "WHERE violation_id = :v AND lot_id IS NULL AND zone_id IS NULL"
                ),
                {"v": violation_id},
            ).scalar()
            if current is not None and fine is None:
                raise ValidationError.single(
                    "default_fine",
                    "A default fine stays once set (citations were fined by it); "
                    "change its amount instead.",
                )
            if current is None and fine is not None:
                insert_row(session, "fine_rule", {"violation_id": violation_id, "amount": fine})
            elif current is not None:
                session.execute(
                    text(
                        "UPDATE parkdesk.fine_rule SET amount = :amount "
                        "WHERE id = :id AND amount IS DISTINCT FROM :amount"
                    ),
                    {"id": current, "amount": fine},
                )
            return self._one(session, ViolationInfo, _VIOLATION_SQL, violation_id, "violation")

    def save_fine_rule(
        self, draft: FineRuleDraft, rule_id: int | None = None, version: int | None = None
    ) -> FineRuleInfo:
        """Add a line of the fine schedule for a lot (or a zone of it), or save one."""
        self._require_manager("the fine schedule")
        params = draft.cleaned()
        with self.workspace.transaction() as session:
            if params["zone_id"] is not None:
                belongs = session.execute(
                    text("SELECT 1 FROM parkdesk.zone WHERE id = :z AND lot_id = :l"),
                    {"z": params["zone_id"], "l": params["lot_id"]},
                ).first()
                if belongs is None:
                    raise ValidationError.single("zone_id", "Choose a zone of the chosen lot.")
            taken = session.execute(
                text(
                    "SELECT 1 FROM parkdesk.fine_rule WHERE violation_id = :violation_id "
                    "AND lot_id = :lot_id "
                    "AND zone_id IS NOT DISTINCT FROM CAST(:zone_id AS bigint) "
                    "AND id IS DISTINCT FROM CAST(:id AS bigint)"
                ),
                {**params, "id": rule_id},
            ).first()
            if taken is not None:
                raise ValidationError.single(
                    "zone_id" if params["zone_id"] is not None else "lot_id",
                    "The schedule already has a fine for this violation here; change that line.",
                )
            if rule_id is None:
                rule_id = insert_row(session, "fine_rule", params)
            else:
                update_at_version(session, "fine_rule", rule_id, version, params, what="fine line")
            return self._one(session, FineRuleInfo, _FINE_RULE_SQL, rule_id, "fine line")

    def save_repeat_fine(
        self, draft: RepeatFineDraft, line_id: int | None = None, version: int | None = None
    ) -> RepeatFineInfo:
        """Add or change the fine of a violation's Nth offence."""
        self._require_manager("the repeat-offence schedule")
        params = draft.cleaned()
        with self.workspace.transaction() as session:
            taken = session.execute(
                text(
                    "SELECT 1 FROM parkdesk.repeat_fine WHERE violation_id = :violation_id "
                    "AND offence = :offence AND id IS DISTINCT FROM CAST(:id AS bigint)"
                ),
                {**params, "id": line_id},
            ).first()
            if taken is not None:
                raise ValidationError.single(
                    "offence", f"Offence {params['offence']} already has a line; change that one."
                )
            if line_id is None:
                line_id = insert_row(session, "repeat_fine", params)
            else:
                update_at_version(
                    session, "repeat_fine", line_id, version, params, what="repeat-offence line"
                )
            return self._one(session, RepeatFineInfo, _REPEAT_SQL, line_id, "repeat-offence line")

    # -- escalation ----------------------------------------------------------------------

    def save_stage(
        self, draft: EscalationStageDraft, stage_id: int | None = None, version: int | None = None
    ) -> EscalationStageInfo:
        self._require_manager("escalation stages")
        params = draft.cleaned()
        with self.workspace.transaction() as session:
            other = session.execute(
                text(
                    "SELECT description FROM parkdesk.escalation_stage "
                    "WHERE after_days = :after_days AND id IS DISTINCT FROM CAST(:id AS bigint)"
                ),
                {"after_days": params["after_days"], "id": stage_id},
            ).first()
            if other is not None:
                raise ValidationError.single(
                    "after_days",
                    f"The stage “{other.description}” already comes after "
                    f"{params['after_days']} days.",
                )
            if stage_id is None:
                stage_id = insert_row(session, "escalation_stage", params)
            else:
                update_at_version(
                    session, "escalation_stage", stage_id, version, params, what="stage"
                )
            return self._one(session, EscalationStageInfo, _STAGE_SQL, stage_id, "stage")

    def save_settings(self, draft: EnforcementSettingsDraft, version: int) -> EnforcementSettings:
        """Save the office's enforcement settings loaded at ``version``."""
        self._require_manager("the enforcement settings")
        params = draft.cleaned()
        with self.workspace.transaction() as session:
            update_at_version(
                session, "office_setting", 1, version, params, what="set of office settings"
            )
            return self._settings(session)

    # -- appeals -----------------------------------------------------------------------

    def save_appeal_reason(
        self, draft: AppealReasonDraft, reason_id: int | None = None, version: int | None = None
    ) -> AppealReasonInfo:
        """Add a reason adjudicators may give, or save one loaded at ``version`` (a reason
        already given keeps its words and decision: the database refuses to change them)."""
        self._require_manager("the reasons for decisions")
        params = draft.cleaned()
        with self.workspace.transaction() as session:
            if reason_id is None:
                reason_id = insert_row(session, "appeal_reason", params)
            else:
                update_at_version(
                    session, "appeal_reason", reason_id, version, params, what="reason"
                )
            return self._one(session, AppealReasonInfo, _REASON_SQL, reason_id, "reason")

    # -- devices and numbers -----------------------------------------------------------

    def save_device(
        self, draft: DeviceDraft, device_id: int | None = None, version: int | None = None
    ) -> DeviceInfo:
        """Add a device, or save one's kind, description and status (its code stays: the
        device sends it with every call)."""
        self._require_manager("devices")
        params = draft.cleaned()
        with self.workspace.transaction() as session:
            if device_id is None:
                taken = session.execute(
                    text("SELECT 1 FROM parkdesk.device WHERE code = :code"), params
                ).first()
                if taken is not None:
                    raise ValidationError.single(
                        "code", f"Another device already has the code {params['code']}."
                    )
                device_id = insert_row(session, "device", params)
            else:
                params.pop("code")
                update_at_version(session, "device", device_id, version, params, what="device")
            return self._one(session, DeviceInfo, _DEVICE_SQL, device_id, "device")

    def add_range(self, draft: RangeDraft) -> RangeInfo:
        """Give a device a range of citation numbers; no two ranges of a prefix overlap."""
        self._require_manager("number ranges")
        params = draft.cleaned()
        with self.workspace.transaction() as session:
            other = session.execute(
                text(
                    "SELECT d.code, r.first_seq, r.last_seq FROM parkdesk.citation_range r "
                    "JOIN parkdesk.device d ON d.id = r.device_id "
                    "WHERE r.prefix = :prefix AND int8range(r.first_seq, r.last_seq, '[]') "
                    "&& int8range(:first_seq, :last_seq, '[]') ORDER BY r.first_seq LIMIT 1"
                ),
                params,
            ).first()
            if other is not None:
                raise ValidationError.single(
                    "first_seq",
                    f"{params['prefix']} {other.first_seq:,} to {other.last_seq:,} is already "
                    f"{other.code}'s: choose numbers outside it.",
                )
            range_id = insert_row(session, "citation_range", params)
            return self._one(session, RangeInfo, _RANGE_SQL, range_id, "number range")

    def spoil_numbers(self, draft: SpoilDraft) -> int:
        """Mark numbers of a range as never to be issued, with why; how many were newly
        spoiled (an issued number is refused, under the first number's field)."""
        self._require_manager("spoiled numbers")
        first, last, reason = draft.cleaned()
        with self.workspace.transaction() as session:
            return int(
                session.execute(
                    text("SELECT parkdesk.spoil_numbers(:r, :first, :last, :reason)"),
                    {"r": draft.range_id, "first": first, "last": last, "reason": reason},
                ).scalar_one()
            )

    # -- zones and exemptions ---------------------------------------------------------------

    def save_zone_limit(self, zone_id: int, time_limit: str, version: int | None) -> ZoneLimit:
        """A zone's time limit in minutes (blank: no limit), for virtual chalking."""
        self._require_manager("zones' time limits")
        minutes = whole_number(time_limit, "time_limit_minutes", "A time limit", 5, 1440)
        with self.workspace.transaction() as session:
            update_at_version(
                session, "zone", zone_id, version, {"time_limit_minutes": minutes}, what="zone"
            )
            return self._one(session, ZoneLimit, _ZONE_SQL, zone_id, "zone")

    def save_exemption(
        self, draft: ExemptionDraft, exemption_id: int | None = None, version: int | None = None
    ) -> ExemptionInfo:
        """Add an exemption, or change one's lot, reason and times (its plate stays)."""
        self._require_manager("exemptions")
        with self.workspace.transaction() as session:
            office = self._settings(session)
            now = session.execute(text("SELECT now()")).scalar_one()
            params = draft.cleaned(office.time_zone, now)
            if exemption_id is None:
                exemption_id = insert_row(session, "exemption", params)
            else:
                for fixed in ("jurisdiction", "plate_normalized"):
                    params.pop(fixed)
                update_at_version(
                    session, "exemption", exemption_id, version, params, what="exemption"
                )
            return self._one(session, ExemptionInfo, _EXEMPTION_SQL, exemption_id, "exemption")

    def end_exemption(self, exemption_id: int, version: int) -> ExemptionInfo:
        """End an exemption in force now (it is never removed; one not started yet is
        changed instead)."""
        self._require_manager("exemptions")
        with self.workspace.transaction() as session:
            current = self._one(session, ExemptionInfo, _EXEMPTION_SQL, exemption_id, "exemption")
            if current.status_words != "In force":
                raise ValidationError.single(
                    "ends",
                    "This exemption has ended already."
                    if current.status_words == "Ended"
                    else "This exemption has not started: change when it starts and ends instead.",
                )
            update_at_version(
                session,
                "exemption",
                exemption_id,
                version,
                {},
                set_="ends_at = greatest(now(), starts_at + interval '1 microsecond')",
                what="exemption",
            )
            return self._one(session, ExemptionInfo, _EXEMPTION_SQL, exemption_id, "exemption")

    # -- helpers ----------------------------------------------------------------------------

    def _require_manager(self, what: str) -> None:
        # The database refuses anyway (column grants); this only says it more plainly.
        if not self.can_edit:
            raise PermissionDenied(f"Only a manager can change {what}.")

    @staticmethod
    def _rows(session: Session, cls: type[Info], sql: str, key: int | None = None) -> list[Info]:
        return [record(cls, row) for row in session.execute(text(sql), {"id": key}).all()]

    def _one(self, session: Session, cls: type[Info], sql: str, key: int, what: str) -> Info:
        rows = self._rows(session, cls, sql, key)
        if not rows:
            raise NotFound(f"This {what} no longer exists.")
        return rows[0]

    def _settings(self, session: Session) -> EnforcementSettings:
        row: Row[Any] | None = session.execute(text(_SETTINGS_SQL)).first()
        if row is None:
            raise NotFound("The office settings are missing; ask your administrator.")
        return record(
            EnforcementSettings, row, sample_number=self._sample(session, row.check_digit_scheme)
        )

    @staticmethod
    def _sample(session: Session, scheme: str) -> str:
        allowed = session.execute(
            text("SELECT has_function_privilege('parkdesk.check_digit(text, text)', 'EXECUTE')")
        ).scalar_one()
        if not allowed:
            return ""
        digits = f"{SAMPLE_SEQ:0{SAMPLE_WIDTH}d}"
        check = session.execute(
            text("SELECT parkdesk.check_digit(:digits, :scheme)"),
            {"digits": digits, "scheme": scheme},
        ).scalar_one()
        return f"{SAMPLE_PREFIX}{digits}{check}"
