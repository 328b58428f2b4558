"""Appeals: the reasons adjudicators give for their decisions (a manager's list), and the
office's appeal window, time to answer, hold on an appeal, and hearings' payment rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QWidget

from desktop.services.enforcement_drafts import AppealReasonDraft
from desktop.services.enforcement_records import DECISION_TITLES, AppealReasonInfo
from desktop.services.enforcement_setup import EnforcementOverview
from desktop.views.enforcement_setup.common import SettingsStrip, counted, spin
from desktop.views.enforcement_setup.tables import appeal_reason_model
from desktop.views.kit.forms import DialogSlot
from desktop.views.kit.layout import choice_box, line_edit, vbox
from desktop.views.kit.setup_desk import DeskDialog, RecordList

if TYPE_CHECKING:
    from desktop.views.enforcement_setup.desk import EnforcementSetupDesk


class ReasonDialog(DeskDialog):
    """A reason for a decision: which decision, its words, in use."""

    KIND, NAME = "reason", "reasonDialog"

    def __init__(self, desk: EnforcementSetupDesk, reason: AppealReasonInfo | None) -> None:
        super().__init__(desk, reason, desk.service.save_appeal_reason, desk.service.appeal_reason)
        self.decision_box = choice_box(DECISION_TITLES.values(), data=DECISION_TITLES.keys())
        self.text_edit = line_edit(
            placeholder="e.g. A valid permit covered the vehicle at the time", max_length=200
        )
        self.active_check = QCheckBox("In use")
        self.active_check.setChecked(True)
        used = reason is not None and reason.used > 0
        self.lay_out(
            [
                ("decision", "Decision", self.decision_box, 1),
                ("active", "Status", self.active_check, 1),
            ],
            [("text", "Reason", self.text_edit, 2)],
            columns=2,
            note=(
                f"Given in {counted(reason.used, 'decision')}: its words and decision stay as "
                "the letters said them. Retire it and add another to say something else."
                if used and reason is not None
                else "Adjudicators choose it when they decide; it is printed in the letter."
            ),
        )
        if used:
            self.decision_box.setEnabled(False)
            self.text_edit.setReadOnly(True)

    def record_name(self, record: Any) -> str:
        return f"“{record.text}”"

    def _show(self, record: AppealReasonInfo) -> None:
        self.show_field_values(
            AppealReasonDraft(decision=record.decision, text=record.text, active=record.active)
        )

    def draft(self) -> AppealReasonDraft:
        return AppealReasonDraft(**self.field_values())


class AppealsTab(QWidget):
    """The reasons for decisions, and the office's appeal settings under them."""

    def __init__(self, desk: EnforcementSetupDesk) -> None:
        super().__init__()
        self.desk = desk
        self.reason_dialog: DialogSlot[ReasonDialog] = DialogSlot(desk.saved)
        self.reasons = RecordList(
            appeal_reason_model(desk.workspace.identity, self),
            "appealReasonsTable",
            self.open_reason,
            title="Reasons for decisions",
            kind="reason",
            editable=desk.editable,
            empty=(
                "No reasons yet",
                "Add the reasons adjudicators may give when they uphold, reduce or dismiss.",
                "A manager keeps the reasons adjudicators give.",
            ),
        )
        self.window_spin = spin(1, 365, 30, " days")
        self.response_spin = spin(1, 365, 30, " days")
        self.lease_spin = spin(5, 240, 20, " min")
        self.paid_check = QCheckBox("Only once the citation is paid")
        self.settings_form = SettingsStrip(
            desk,
            name="appealSettings",
            title="Appeals",
            fields=(
                ("appeal_window_days", "Appeal within", self.window_spin,
                 "Of the day of issue; later, a manager accepts it."),
                ("appeal_response_days", "Answer within", self.response_spin,
                 "Of filing; the queue warns a week before."),
                ("appeal_lease_minutes", "An appeal stays in hand", self.lease_spin,
                 "Then it goes back to the queue."),
                ("hearing_requires_payment", "Hearings", self.paid_check, ""),
            ),
        )  # fmt: skip
        self.settings_form.saved.connect(lambda _s: desk.refresh())
        vbox(
            (self.reasons, 1),
            self.settings_form,
            margins=(0, 10, 0, 0),
            spacing=16,
            parent=self,
        )

    def show_overview(self, overview: EnforcementOverview) -> None:
        reasons = overview.appeal_reasons
        in_use = sum(1 for r in reasons if r.active)
        self.reasons.show_rows(
            reasons, f"{counted(len(reasons), 'reason')}, {in_use} in use", self.desk.currency
        )
        self.settings_form.load(overview.settings)

    def open_reason(self, reason: AppealReasonInfo | None) -> ReasonDialog | None:
        if reason is None and not self.desk.editable:
            return None
        return self.reason_dialog.open(lambda: ReasonDialog(self.desk, reason))
