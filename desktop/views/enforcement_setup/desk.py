"""The enforcement set-up desk: violation codes and fines, escalation, devices and their
numbers, zones and exemptions, and the office's enforcement settings.

Managers edit in dialogs that keep every message under its field; adjudicators and
clerks see the same lists read-only (a double-click shows a record's details). The lists
reload by themselves when anyone changes what they show, and the issued counts of the
number ranges follow the citations officers issue (a burst of them is one reload).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QTabWidget

from desktop.services.enforcement_setup import (
    EnforcementOverview,
    EnforcementSetupService,
    RepeatFineInfo,
)
from desktop.services.errors import KnownError
from desktop.views.enforcement_setup.devices import DevicesTab
from desktop.views.enforcement_setup.escalation import EscalationTab
from desktop.views.enforcement_setup.violations import ViolationsTab
from desktop.views.enforcement_setup.zones import ZonesTab
from desktop.views.kit.desk import Desk
from desktop.views.kit.layout import desk_action, vbox
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.operations import Loader

#: Changes to the set-up itself: reload soon after the last one of a burst.
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
    }
)
#: Citations move the ranges' issued counts: reload at most this often.
COUNT_TABLES = frozenset({"citation"})
SETUP_DELAY_MS = 150
COUNTS_DELAY_MS = 1000

_TAB_STYLE = (
    "QTabWidget::pane { border: none; border-top: 1px solid #dde2e9; top: -1px; "
    "background: transparent; } "
    "QTabWidget::tab-bar { left: 0px; } "
    "QTabBar::tab { background: transparent; border: none; "
    "border-bottom: 2px solid transparent; padding: 7px 16px; margin-right: 4px; "
    "color: #4b5563; } "
    "QTabBar::tab:hover { color: #111827; } "
    "QTabBar::tab:selected { color: #1d4fd7; border-bottom: 2px solid #2563eb; "
    "font-weight: 600; } "
)


class EnforcementSetupDesk(Desk):
    """Four tabs: violations & fines, escalation, devices & numbers, zones & exemptions."""

    #: Emitted after each (re)load (tests wait on it).
    loaded = Signal()

    def setup(self) -> None:
        self.service = EnforcementSetupService(self.workspace)
        self.editable = self.workspace.identity.can_edit("enforcement_setup")
        self.setObjectName("enforcementSetupDesk")
        self.overview: EnforcementOverview | None = None
        self.loader = Loader(
            self, self.runner, lambda: self.service.overview, self._loaded, self._load_failed
        )
        self.violations = ViolationsTab(self)
        self.escalation = EscalationTab(self)
        self.devices = DevicesTab(self)
        self.zones = ZonesTab(self)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("enforcementTabs")
        self.tabs.setStyleSheet(_TAB_STYLE)
        self.tabs.addTab(self.violations, "&Violations && fines")
        self.tabs.addTab(self.escalation, "&Escalation")
        self.tabs.addTab(self.devices, "Devices && &numbers")
        self.tabs.addTab(self.zones, "&Zones && exemptions")
        vbox(self.tabs, margins=(8, 4, 8, 8), parent=self)

        if self.editable:
            desk_action(self, "New", "Ctrl+N", self._new_in_tab)
        desk_action(self, "Refresh", QKeySequence.StandardKey.Refresh, self.refresh)
        self._setup_batch = LiveBatch(self.live, SETUP_DELAY_MS, self)
        self._setup_batch.watch(SETUP_TABLES, self.refresh)
        self._counts_batch = LiveBatch(
            self.live, COUNTS_DELAY_MS, self, complete_resync_is_quiet=True
        )
        self._counts_batch.watch(COUNT_TABLES, self.refresh)
        self.refresh()

    @property
    def currency(self) -> str:
        return self.overview.settings.currency if self.overview is not None else "USD"

    @property
    def time_zone(self) -> str:
        return self.overview.settings.time_zone if self.overview is not None else "UTC"

    def shown(self) -> EnforcementOverview:
        """What the desk shows (dialogs open only once it has loaded)."""
        if self.overview is None:
            raise RuntimeError("the enforcement set-up has not loaded yet")
        return self.overview

    def repeat_lines(self, violation_id: int) -> list[RepeatFineInfo]:
        if self.overview is None:
            return []
        return [r for r in self.overview.repeat_fines if r.violation_id == violation_id]

    def leave_warning(self) -> str | None:
        forms = (self.escalation.settings_form, self.devices.scheme_form, self.zones.verdict_form)
        if self.editable and any(form.is_dirty() for form in forms):
            return "Some enforcement settings have changes that are not saved."
        return None

    def refresh(self) -> None:
        self._setup_batch.cancel()
        self._counts_batch.cancel()
        self.loader.reload()

    def saved(self, _result: object) -> None:
        """A dialog saved: show it (the live change would too, a moment later)."""
        self.refresh()

    def _loaded(self, overview: EnforcementOverview) -> None:
        self.overview = overview
        self.violations.show_overview(overview)
        self.escalation.show_overview(overview)
        self.devices.show_overview(overview)
        self.zones.show_overview(overview)
        self.loaded.emit()

    def _load_failed(self, exc: KnownError) -> None:
        for panel in (
            self.violations.violations,
            self.escalation.stages,
            self.devices.devices,
            self.zones.zones,
            self.zones.exemptions,
        ):
            panel.listing.show_empty("The enforcement set-up could not be loaded", exc.message)

    def _new_in_tab(self) -> None:
        tab = self.tabs.currentWidget()
        if tab is self.violations:
            self.violations.open_violation(None)
        elif tab is self.escalation:
            self.escalation.open_stage(None)
        elif tab is self.devices:
            self.devices.open_device(None)
        elif tab is self.zones:
            self.zones.open_exemption(None)
