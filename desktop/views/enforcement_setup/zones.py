"""Zones & exemptions: every lot's zones with their time limit (virtual chalking), plates
that are not ticketed, and the scofflaw threshold and shared-permit window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.services.enforcement_setup import (
    EnforcementOverview,
    ExemptionDraft,
    ExemptionInfo,
    ZoneLimit,
)
from desktop.services.localization import format_typed, office_time
from desktop.views.enforcement_setup.common import SettingsStrip, counted, spin
from desktop.views.enforcement_setup.tables import exemption_model, zone_model
from desktop.views.kit.editors import hint
from desktop.views.kit.forms import DialogSlot, capitals, text_box
from desktop.views.kit.layout import button, choice_box, line_edit, vbox
from desktop.views.kit.setup_desk import DeskDialog, RecordList

if TYPE_CHECKING:
    from desktop.views.enforcement_setup.desk import EnforcementSetupDesk


class ZoneLimitDialog(DeskDialog):
    """How long a car may stay in one zone (blank: no limit)."""

    KIND, NAME = "zone", "zoneLimitDialog"

    def __init__(self, desk: EnforcementSetupDesk, zone: ZoneLimit) -> None:
        super().__init__(
            desk,
            zone,
            desk.service.save_zone_limit,
            desk.service.zone,
            title=f"Time limit of {zone.lot_code}, zone {zone.code}",
        )
        self.limit_edit = line_edit(right=True, placeholder="No limit", max_length=4)
        boxes = self.declare(("time_limit_minutes", "Time limit (minutes)", self.limit_edit))
        words = hint(
            f"{zone.name}: 5 to 1,440 minutes; blank for no limit. Officers' reads of a car "
            "staying longer say it is over the limit."
        )
        self._finish_layout(vbox(boxes["time_limit_minutes"], words, spacing=8))
        self._fill(zone)

    def _show(self, record: ZoneLimit) -> None:
        minutes = record.time_limit_minutes
        self.limit_edit.setText("" if minutes is None else str(minutes))

    def draft(self) -> str:
        return self.limit_edit.text()

    def check(self, draft: Any) -> None:
        """The service checks the number (one field, no round trip worth saving)."""

    def _save_call(self) -> Callable[[], object]:
        typed, service, zone = self.draft(), self.service, self.record
        zone_id, version = zone.id, zone.version
        return lambda: service.save_zone_limit(zone_id, typed, version)


class ExemptionDialog(DeskDialog):
    """A plate not ticketed, in one lot or every lot, from a moment until another (or until
    a manager ends it). Its plate stays once saved."""

    KIND, NAME = "exemption", "exemptionDialog"

    def __init__(self, desk: EnforcementSetupDesk, exemption: ExemptionInfo | None) -> None:
        super().__init__(desk, exemption, desk.service.save_exemption, desk.service.exemption)
        overview = desk.shown()
        self.time_zone = overview.settings.time_zone
        self.jurisdiction_edit = line_edit(placeholder="e.g. ON", max_length=6)
        capitals(self.jurisdiction_edit)
        self.plate_edit = line_edit(placeholder="e.g. ABC 123", max_length=20)
        capitals(self.plate_edit)
        self.lot_combo = choice_box(
            ["Every lot", *(f"{lot.code} \u2013 {lot.name}" for lot in overview.lots)],
            data=[None, *(lot.id for lot in overview.lots)],
        )
        self.lot_combo.setCurrentIndex(0)
        self.reason_edit = text_box(2, "Reason")
        self.starts_edit = line_edit(placeholder="Now")
        self.ends_edit = line_edit(placeholder="Until ended")
        self.setMinimumWidth(560)
        self.lay_out(
            [
                ("jurisdiction", "Jurisdiction", self.jurisdiction_edit, 1),
                ("plate", "Plate", self.plate_edit, 1),
                ("lot_id", "Where", self.lot_combo, 2),
            ],
            [("reason", "Reason", self.reason_edit, 4)],
            [("starts", "From", self.starts_edit, 2), ("ends", "Until", self.ends_edit, 2)],
            columns=4,
            note=f"Times on the office's clock ({self.time_zone}), such as 15 May 2027 12:00. "
            "Exemptions are never removed: one ends.",
        )
        if exemption is not None:
            for fixed in (self.jurisdiction_edit, self.plate_edit):
                fixed.setReadOnly(True)

    def record_name(self, record: Any) -> str:
        return f"{record.plate_normalized} ({record.jurisdiction})"

    def _moment(self, at: datetime | None) -> str:
        return "" if at is None else format_typed(office_time(at, self.time_zone))

    def _show(self, record: ExemptionInfo) -> None:
        self.jurisdiction_edit.setText(record.jurisdiction)
        self.plate_edit.setText(record.plate_normalized)
        self.lot_combo.setCurrentIndex(max(0, self.lot_combo.findData(record.lot_id)))
        self.reason_edit.setPlainText(record.reason)
        self.starts_edit.setText(self._moment(record.starts_at))
        self.ends_edit.setText(self._moment(record.ends_at))

    def draft(self) -> ExemptionDraft:
        return ExemptionDraft(**self.field_values())

    def check(self, draft: Any) -> None:
        draft.cleaned(self.time_zone, datetime.now(UTC))


class ZonesTab(QWidget):
    """Zones with their time limits beside the exemptions; the verdict settings below."""

    def __init__(self, desk: EnforcementSetupDesk) -> None:
        super().__init__()
        self.desk = desk
        self.zone_dialog: DialogSlot[ZoneLimitDialog] = DialogSlot(desk.saved)
        self.exemption_dialog: DialogSlot[ExemptionDialog] = DialogSlot(desk.saved)
        self.zones = RecordList(
            zone_model(desk.workspace.identity, self),
            "zonesTable",
            self.open_zone,
            title="Zones and time limits",
            kind="zone",
            editable=desk.editable,
            empty=("No zones", "Zones are added to lots on the Permit types & lots desk."),
            edit_words="Set time limit…",
        )
        self.zones.new_button.hide()  # zones are added with their lot (Permit types & lots)
        self.end_button = button(
            "End now…",
            self.end_selected,
            tip="End the selected exemption now",
            visible=desk.editable,
        )
        self.exemptions = RecordList(
            exemption_model(desk.workspace.identity, lambda: self.desk.time_zone, self),
            "exemptionsTable",
            self.open_exemption,
            title="Exemptions (do not ticket)",
            kind="exemption",
            editable=desk.editable,
            empty=(
                "No exemptions",
                "Add plates officers do not ticket: a fire marshal's car, a contractor.",
                "A manager adds plates officers do not ticket.",
            ),
            extra=(self.end_button,),
        )
        self.exemptions.table.selectionModel().selectionChanged.connect(
            lambda *_args: self._update_end()
        )
        self.scofflaw_spin = spin(1, 50, 3, " citations")
        self.window_spin = spin(0, 1440, 60, " min")
        self.verdict_form = SettingsStrip(
            desk,
            name="verdictSettings",
            title="What a plate check says",
            fields=(
                (
                    "scofflaw_threshold",
                    "Scofflaw at",
                    self.scofflaw_spin,
                    "Unpaid citations past their due day that make a plate a scofflaw.",
                ),
                (
                    "shared_permit_window_minutes",
                    "Shared-permit window",
                    self.window_spin,
                    "Two vehicles of one permit read in its lot within this time are "
                    "flagged; 0 turns it off.",
                ),
            ),
        )
        self.verdict_form.saved.connect(lambda _s: desk.refresh())
        vbox(
            (self.zones, 2),
            (self.exemptions, 3),
            self.verdict_form,
            margins=(0, 10, 0, 0),
            spacing=14,
            parent=self,
        )

    def show_overview(self, overview: EnforcementOverview) -> None:
        limited = sum(1 for z in overview.zones if z.time_limit_minutes)
        self.zones.show_rows(
            overview.zones,
            f"{counted(len(overview.zones), 'zone')}, {limited} with a limit",
        )
        in_force = sum(1 for e in overview.exemptions if e.in_force)
        self.exemptions.show_rows(overview.exemptions, f"{in_force} in force")
        self._update_end()
        self.verdict_form.load(overview.settings)

    def _update_end(self) -> None:
        row = self.exemptions.table.selected_row()
        self.end_button.setEnabled(
            self.desk.editable and isinstance(row, ExemptionInfo) and row.in_force
        )

    def open_zone(self, zone: ZoneLimit | None) -> ZoneLimitDialog | None:
        if zone is None:
            return None
        return self.zone_dialog.open(lambda: ZoneLimitDialog(self.desk, zone))

    def open_exemption(self, exemption: ExemptionInfo | None) -> ExemptionDialog | None:
        if exemption is None and not self.desk.editable:
            return None
        return self.exemption_dialog.open(lambda: ExemptionDialog(self.desk, exemption))

    def end_selected(self, *, ask: bool = True) -> None:
        row = self.exemptions.table.selected_row()
        if not isinstance(row, ExemptionInfo) or not self.desk.editable:
            return
        words = f"{row.plate_normalized} ({row.jurisdiction}), {row.place_words.lower()}"
        if ask and (
            QMessageBox.question(
                self,
                "End exemption",
                f"End the exemption of {words} now? Officers may ticket it from now on.",
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        service, key, version = self.desk.service, row.id, row.version
        self.desk.runner.run_for(
            self, lambda: service.end_exemption(key, version), self.desk.saved, write=True
        )
