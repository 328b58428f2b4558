"""The enforcement set-up desk: violation codes and fines, escalation, devices and their
numbers, zones and exemptions, and the office's enforcement settings.

Managers edit in dialogs that keep every message under its field; adjudicators and
clerks see the same lists read-only (a double-click shows a record's details). The lists
reload by themselves when anyone changes what they show, and the issued counts of the
number ranges follow the citations officers issue (a burst of them is one reload).
"""

from __future__ import annotations

from desktop.services.enforcement_setup import (
    EnforcementOverview,
    EnforcementSetupService,
    RepeatFineInfo,
)
from desktop.views.enforcement_setup.appeals import AppealsTab
from desktop.views.enforcement_setup.devices import DevicesTab
from desktop.views.enforcement_setup.escalation import EscalationTab
from desktop.views.enforcement_setup.violations import ViolationsTab
from desktop.views.enforcement_setup.zones import ZonesTab
from desktop.views.kit.setup_desk import SetupDesk

#: Changes to the set-up itself.
SETUP_TABLES = frozenset(
    {
        "violation",
        "fine_rule",
        "repeat_fine",
        "escalation_stage",
        "device",
        "citation_range",
        "spoiled_number",
        "lot",
        "zone",
        "exemption",
        "office_setting",
        "appeal_reason",
    }
)
#: Citations move the ranges' issued counts.
COUNT_TABLES = frozenset({"citation"})


class EnforcementSetupDesk(SetupDesk[EnforcementOverview]):
    """Five tabs: violations & fines, escalation, devices & numbers, zones & exemptions,
    appeals."""

    service: EnforcementSetupService

    def setup(self) -> None:
        self.service = EnforcementSetupService(self.workspace)
        self.editable = self.workspace.identity.can_edit("enforcement_setup")
        self.violations = ViolationsTab(self)
        self.escalation = EscalationTab(self)
        self.devices = DevicesTab(self)
        self.zones = ZonesTab(self)
        self.appeals = AppealsTab(self)
        self.build(
            self.service.overview,
            (
                (self.violations, "&Violations && fines"),
                (self.escalation, "&Escalation"),
                (self.devices, "Devices && &numbers"),
                (self.zones, "&Zones && exemptions"),
                (self.appeals, "&Appeals"),
            ),
            names=("enforcementSetupDesk", "enforcementTabs"),
            lists=(
                self.violations.violations,
                self.escalation.stages,
                self.devices.devices,
                self.zones.zones,
                self.zones.exemptions,
                self.appeals.reasons,
            ),
            failed="The enforcement set-up could not be loaded",
            watch=(SETUP_TABLES, COUNT_TABLES),
            new={
                self.violations: lambda: self.violations.open_violation(None),
                self.escalation: lambda: self.escalation.open_stage(None),
                self.devices: lambda: self.devices.open_device(None),
                self.zones: lambda: self.zones.open_exemption(None),
                self.appeals: lambda: self.appeals.open_reason(None),
            },
        )

    @property
    def currency(self) -> str:
        return self.overview.settings.currency if self.overview is not None else "USD"

    @property
    def time_zone(self) -> str:
        return self.overview.settings.time_zone if self.overview is not None else "UTC"

    def repeat_lines(self, violation_id: int) -> list[RepeatFineInfo]:
        if self.overview is None:
            return []
        return [r for r in self.overview.repeat_fines if r.violation_id == violation_id]

    def leave_warning(self) -> str | None:
        forms = (
            self.escalation.settings_form,
            self.devices.scheme_form,
            self.zones.verdict_form,
            self.appeals.settings_form,
        )
        if self.editable and any(form.is_dirty() for form in forms):
            return "Some enforcement settings have changes that are not saved."
        return None

    def saved(self, _result: object) -> None:
        """A dialog saved: show it (the live change would too, a moment later)."""
        self.refresh()

    def show_overview(self, overview: EnforcementOverview) -> None:
        for tab in (self.violations, self.escalation, self.devices, self.zones, self.appeals):
            tab.show_overview(overview)
