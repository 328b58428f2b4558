"""Escalation: the stages an unpaid citation reaches (late fees, collections), and the
office's due days and early-payment discount."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QWidget

from desktop.services.enforcement_setup import (
    EnforcementOverview,
    EscalationStageDraft,
    EscalationStageInfo,
)
from desktop.views.enforcement_setup.common import SettingsStrip, counted, spin
from desktop.views.enforcement_setup.tables import stage_model
from desktop.views.kit.forms import DialogSlot
from desktop.views.kit.layout import line_edit, vbox
from desktop.views.kit.setup_desk import DeskDialog, RecordList

if TYPE_CHECKING:
    from desktop.views.enforcement_setup.desk import EnforcementSetupDesk


class StageDialog(DeskDialog):
    """An escalation stage: after how many days, its late fee, collections, in use."""

    KIND, NAME = "escalation stage", "stageDialog"

    def __init__(self, desk: EnforcementSetupDesk, stage: EscalationStageInfo | None) -> None:
        super().__init__(desk, stage, desk.service.save_stage, desk.service.stage)
        self.after_spin = spin(1, 3650, 30, " days")
        self.amount_edit = line_edit(right=True, placeholder="e.g. 25.00")
        self.description_edit = line_edit(placeholder="e.g. Second notice", max_length=200)
        self.collections_check = QCheckBox("Sends the citation to collections")
        self.active_check = QCheckBox("In use")
        self.active_check.setChecked(True)
        self.lay_out(
            [
                ("after_days", "After", self.after_spin, 1),
                ("amount", f"Late fee ({desk.currency})", self.amount_edit, 1),
            ],
            [("description", "Description", self.description_edit, 2)],
            [
                ("sends_to_collections", "Collections", self.collections_check, 1),
                ("active", "Status", self.active_check, 1),
            ],
            columns=2,
            note="Counted from the citation's day of issue, while it is unpaid; each stage "
            "reaches a citation once, and none while an appeal is open.",
        )

    def record_name(self, record: Any) -> str:
        return f"after {record.after_days:,} days"

    def _show(self, record: EscalationStageInfo) -> None:
        self.show_field_values(EscalationStageDraft.of(record))

    def draft(self) -> EscalationStageDraft:
        return EscalationStageDraft(**self.field_values())


class EscalationTab(QWidget):
    """The stages, and the office's due days and early-payment discount under them."""

    def __init__(self, desk: EnforcementSetupDesk) -> None:
        super().__init__()
        self.desk = desk
        self.stage_dialog: DialogSlot[StageDialog] = DialogSlot(desk.saved)
        self.stages = RecordList(
            stage_model(desk.workspace.identity, self),
            "stagesTable",
            self.open_stage,
            title="Escalation stages",
            kind="stage",
            editable=desk.editable,
            empty=(
                "No escalation stages",
                "Add late fees after a number of days unpaid, and when a citation goes to "
                "collections.",
                "A manager sets the late fees and collections.",
            ),
        )
        self.due_spin = spin(1, 365, 30, " days")
        self.discount_days_edit = line_edit(right=True, placeholder="No discount", max_length=3)
        self.discount_percent_edit = line_edit(right=True, placeholder="No discount", max_length=6)
        self.settings_form = SettingsStrip(
            desk,
            name="paymentSettings",
            title="Payment terms",
            fields=(
                (
                    "citation_due_days",
                    "A citation is due",
                    self.due_spin,
                    "After its day of issue.",
                ),
                (
                    "discount_days",
                    "Early-payment discount for (days)",
                    self.discount_days_edit,
                    "Paid in full within this many days, before any late fee.",
                ),
                (
                    "discount_percent",
                    "Discount (%)",
                    self.discount_percent_edit,
                    "Both blank: no discount.",
                ),
            ),
        )
        self.settings_form.saved.connect(lambda _s: desk.refresh())
        vbox(
            (self.stages, 1),
            self.settings_form,
            margins=(0, 10, 0, 0),
            spacing=16,
            parent=self,
        )

    def show_overview(self, overview: EnforcementOverview) -> None:
        in_use = sum(1 for s in overview.stages if s.active)
        self.stages.show_rows(
            overview.stages,
            f"{counted(len(overview.stages), 'stage')}, {in_use} in use",
            self.desk.currency,
        )
        self.settings_form.load(overview.settings)

    def open_stage(self, stage: EscalationStageInfo | None) -> StageDialog | None:
        if stage is None and not self.desk.editable:
            return None
        return self.stage_dialog.open(lambda: StageDialog(self.desk, stage))
