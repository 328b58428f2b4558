"""Violations & fines: the codes with their default fine, and for the chosen code its fine
schedule lines by lot or zone and its repeat-offence lines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QWidget

from desktop.services.enforcement_setup import (
    EnforcementOverview,
    FineRuleDraft,
    FineRuleInfo,
    RepeatFineDraft,
    RepeatFineInfo,
    ViolationDraft,
    ViolationInfo,
)
from desktop.views.enforcement_setup.common import counted, spin
from desktop.views.enforcement_setup.tables import fine_rule_model, repeat_model, violation_model
from desktop.views.kit.editors import hint
from desktop.views.kit.forms import DialogSlot, capitals
from desktop.views.kit.layout import choice_box, hbox, line_edit, vbox
from desktop.views.kit.setup_desk import DeskDialog, RecordList

if TYPE_CHECKING:
    from desktop.views.enforcement_setup.desk import EnforcementSetupDesk


class ViolationDialog(DeskDialog):
    """A violation code: description, default fine, warning only, in use, repeat window."""

    KIND, NAME = "violation", "violationDialog"

    def __init__(self, desk: EnforcementSetupDesk, violation: ViolationInfo | None) -> None:
        super().__init__(desk, violation, desk.service.save_violation, desk.service.violation)
        self.code_edit = line_edit(placeholder="e.g. NP-01", max_length=10)
        capitals(self.code_edit)
        self.description_edit = line_edit(placeholder="e.g. No valid permit", max_length=200)
        self.fine_edit = line_edit(right=True, placeholder="e.g. 40.00")
        self.warning_check = QCheckBox("Warning only: no fine")
        self.active_check = QCheckBox("In use: officers can cite it")
        self.active_check.setChecked(True)
        self.window_edit = line_edit(right=True, placeholder="None", max_length=5)
        self.appealable_check = QCheckBox("Its citations may be appealed")
        self.appealable_check.setChecked(True)
        self.appeal_window_edit = line_edit(right=True, placeholder="The office's", max_length=3)
        self.appealable_check.toggled.connect(self.appeal_window_edit.setEnabled)
        self.lay_out(
            [
                ("code", "Code", self.code_edit, 1),
                ("description", "Description", self.description_edit, 2),
            ],
            [
                ("default_fine", f"Default fine ({desk.currency})", self.fine_edit, 1),
                ("repeat_window_days", "Repeat window (days)", self.window_edit, 1),
            ],
            [
                ("warning_only", "Kind", self.warning_check, 1),
                ("active", "Status", self.active_check, 2),
            ],
            [
                ("appealable", "Appeals", self.appealable_check, 1),
                ("appeal_window_days", "Appeal window (days)", self.appeal_window_edit, 1),
            ],
            columns=3,
            note="The default fine applies where the schedule has no line for the lot or zone; "
            "blank: only those lines. Repeat window blank: every citation is a first offence. "
            "Appeal window blank: the office's.",
        )

    def _show(self, record: ViolationInfo) -> None:
        self.show_field_values(ViolationDraft.of(record))

    def draft(self) -> ViolationDraft:
        return ViolationDraft(**self.field_values())


class FineRuleDialog(DeskDialog):
    """A line of the fine schedule: the chosen violation's fine in a lot or one of its zones."""

    KIND, NAME = "fine line", "fineRuleDialog"

    def __init__(
        self, desk: EnforcementSetupDesk, rule: FineRuleInfo | None, violation: ViolationInfo
    ) -> None:
        service = desk.service
        super().__init__(
            desk,
            rule,
            service.save_fine_rule,
            service.fine_rule,
            title=f"Fine for {violation.code} by lot or zone",
        )
        self.violation = violation
        overview = desk.shown()
        self.zones = overview.zones
        self.lot_combo = choice_box(
            [f"{lot.code} \u2013 {lot.name}" for lot in overview.lots],
            data=[lot.id for lot in overview.lots],
        )
        self.zone_combo = QComboBox()
        self.amount_edit = line_edit(right=True, placeholder="e.g. 60.00")
        self.lot_combo.currentIndexChanged.connect(lambda _i: self._list_zones())
        self._list_zones()
        self.lay_out(
            [("lot_id", "Lot", self.lot_combo, 2), ("zone_id", "Zone", self.zone_combo, 1)],
            [("amount", f"Fine ({desk.currency})", self.amount_edit, 1)],
            columns=3,
        )

    def _list_zones(self, chosen: int | None = None) -> None:
        lot_id = self.lot_combo.currentData()
        self.zone_combo.clear()
        self.zone_combo.addItem("The whole lot", None)
        for zone in self.zones:
            if zone.lot_id == lot_id:
                self.zone_combo.addItem(f"{zone.code} \u2013 {zone.name}", zone.id)
        self.zone_combo.setCurrentIndex(max(0, self.zone_combo.findData(chosen)))

    def _show(self, record: FineRuleInfo) -> None:
        self.lot_combo.setCurrentIndex(self.lot_combo.findData(record.lot_id))
        self._list_zones(record.zone_id)
        self.amount_edit.setText(f"{record.amount:.2f}")

    def draft(self) -> FineRuleDraft:
        return FineRuleDraft(self.violation.id, **self.field_values())


class RepeatFineDialog(DeskDialog):
    """The fine of the chosen violation's Nth offence within its repeat window."""

    KIND, NAME = "repeat-offence line", "repeatFineDialog"

    def __init__(
        self, desk: EnforcementSetupDesk, line: RepeatFineInfo | None, violation: ViolationInfo
    ) -> None:
        service = desk.service
        super().__init__(
            desk,
            line,
            service.save_repeat_fine,
            service.repeat_fine,
            title=f"Repeat offences of {violation.code}",
        )
        self.violation = violation
        taken = [r.offence for r in desk.repeat_lines(violation.id)]
        self.offence_spin = spin(1, 99, max(taken, default=0) + 1)
        self.amount_edit = line_edit(right=True, placeholder="e.g. 25.00")
        boxes = self.declare(
            ("offence", "Offence number", self.offence_spin),
            ("amount", f"Fine ({desk.currency})", self.amount_edit),
        )
        window = violation.repeat_window_days
        words = hint(
            f"Counted over {window:,} days; the last line applies beyond it."
            if window
            else "This violation has no repeat window yet: set one on the violation "
            "for these lines to apply."
        )
        row = hbox((boxes["offence"], 1), (boxes["amount"], 1), spacing=14)
        self._finish_layout(vbox(row, words, spacing=10))
        if line is not None:
            self._fill(line)

    def record_name(self, record: Any) -> str:
        return str(record.offence_words)

    def _show(self, record: RepeatFineInfo) -> None:
        self.show_field_values(RepeatFineDraft.of(record), "offence", "amount")

    def draft(self) -> RepeatFineDraft:
        return RepeatFineDraft(self.violation.id, **self.field_values())


class ViolationsTab(QWidget):
    """The codes above; the chosen code's fines by lot or zone and repeat offences below."""

    def __init__(self, desk: EnforcementSetupDesk) -> None:
        super().__init__()
        self.desk = desk
        self.violation_dialog: DialogSlot[ViolationDialog] = DialogSlot(desk.saved)
        self.rule_dialog: DialogSlot[FineRuleDialog] = DialogSlot(desk.saved)
        self.repeat_dialog: DialogSlot[RepeatFineDialog] = DialogSlot(desk.saved)
        self.violations = RecordList(
            violation_model(desk.workspace.identity, self),
            "violationsTable",
            self.open_violation,
            title="Violation codes",
            kind="violation",
            editable=desk.editable,
            empty=(
                "No violation codes yet",
                "Add the codes officers cite, with their fines.",
                "A manager adds the codes officers cite.",
            ),
        )
        self.rules = RecordList(
            fine_rule_model(desk.workspace.identity, self),
            "fineRulesTable",
            self.open_rule,
            title="Fines by lot and zone",
            kind="fine line",
            editable=desk.editable,
        )
        self.repeats = RecordList(
            repeat_model(desk.workspace.identity, self),
            "repeatFinesTable",
            self.open_repeat,
            title="Repeat offences",
            kind="repeat line",
            editable=desk.editable,
        )
        self.violations.table.selectionModel().selectionChanged.connect(
            lambda *_args: self.show_chosen()
        )
        below = hbox((self.rules, 1), (self.repeats, 1), spacing=16)
        vbox((self.violations, 3), (below, 2), margins=(0, 10, 0, 0), spacing=14, parent=self)

    def chosen(self) -> ViolationInfo | None:
        row = self.violations.table.selected_row()
        return row if isinstance(row, ViolationInfo) else None

    def show_overview(self, overview: EnforcementOverview) -> None:
        in_use = sum(1 for v in overview.violations if v.active)
        self.violations.show_rows(
            overview.violations,
            f"{counted(len(overview.violations), 'code')}, {in_use} in use",
            self.desk.currency,
        )
        if self.chosen() is None and overview.violations:
            self.violations.table.select_key(None)
        self.show_chosen()

    def show_chosen(self) -> None:
        overview, violation = self.desk.overview, self.chosen()
        if overview is None:
            return
        key = violation.id if violation is not None else None
        rules = [r for r in overview.fine_rules if r.violation_id == key]
        repeats = [r for r in overview.repeat_fines if r.violation_id == key]
        code = violation.code if violation is not None else ""
        self.rules.title.setText(f"Fines of {code} by lot and zone" if code else "Fines by lot")
        self.repeats.title.setText(f"Repeat offences of {code}" if code else "Repeat offences")
        self.rules.show_rows(
            rules,
            currency=self.desk.currency,
            empty=("No lot or zone lines", "The default fine applies in every lot.")
            if violation is not None
            else ("Choose a violation", "Its fines by lot and zone are listed here."),
        )
        self.repeats.show_rows(
            repeats,
            currency=self.desk.currency,
            empty=("No repeat-offence lines", "Every citation of it is fined the same.")
            if violation is not None
            else ("Choose a violation", "Its repeat-offence fines are listed here."),
        )
        for panel in (self.rules, self.repeats):
            panel.new_button.setEnabled(violation is not None)

    def open_violation(self, violation: ViolationInfo | None) -> ViolationDialog | None:
        if violation is None and not self.desk.editable:
            return None
        return self.violation_dialog.open(lambda: ViolationDialog(self.desk, violation))

    def open_rule(self, rule: FineRuleInfo | None) -> FineRuleDialog | None:
        violation = self.chosen()
        if violation is None or (rule is None and not self.desk.editable):
            return None
        return self.rule_dialog.open(lambda: FineRuleDialog(self.desk, rule, violation))

    def open_repeat(self, line: RepeatFineInfo | None) -> RepeatFineDialog | None:
        violation = self.chosen()
        if violation is None or (line is None and not self.desk.editable):
            return None
        return self.repeat_dialog.open(lambda: RepeatFineDialog(self.desk, line, violation))
