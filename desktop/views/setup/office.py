"""The office settings form: name, time zone, currency, thresholds, phone region, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QComboBox, QCompleter, QPlainTextEdit

from desktop.services.contacts import region_choices
from desktop.services.permit_setup import (
    MAX_FOOTER,
    OfficeSettings,
    OfficeSettingsDraft,
    time_zone_choices,
)
from desktop.views.kit.editors import EDITOR_STYLE, RIGHT, hint, spin_box
from desktop.views.kit.forms import ERROR_COLOUR, capitals, form_style
from desktop.views.kit.layout import (
    STRETCH,
    Item,
    Stretch,
    button,
    hbox,
    holder,
    line_edit,
    vbox,
)
from desktop.views.kit.settings_form import SettingsForm

if TYPE_CHECKING:
    from desktop.views.setup.desk import PermitSetupDesk

#: What a setting means, under its field.
HINTS = {
    "office_name": "Printed on receipts and reports.",
    "time_zone": "Days begin and end at midnight here: a permit valid to 31 May ends "
    "at the end of 31 May in this zone.",
    "currency": "The three-letter code shown with prices and on receipts. "
    "Amounts are not converted when it changes.",
    "refund_approval_threshold": "Refunds above this amount wait for a manager's "
    "approval before they are paid.",
    "phone_region": "A number typed without + and a country code is read as dialled "
    "here; numbers are shown in this country's format.",
}


class OfficeSettingsForm(SettingsForm[OfficeSettings]):
    """Name, time zone, currency, refund approval threshold, free-permit policy, receipt footer."""

    SAVED_STYLE = "color: #1e7b34;"

    def __init__(self, desk: PermitSetupDesk) -> None:
        service = desk.service
        super().__init__(
            desk.runner,
            desk.editable,
            identity=service.workspace.identity,
            kind=OfficeSettings,
            save=service.save_office_settings,
            reload=service.office_settings,
            notice="officeNotice",
            save_words="Save settings",
        )
        self.service = service
        self.setObjectName("officeSettingsForm")
        self.setStyleSheet(
            form_style() + EDITOR_STYLE + "QWidget#officeSettingsForm { background: transparent; }"
        )
        self._baseline = OfficeSettingsDraft("", "", "", "", "")
        self._build_fields()
        self.audit_label = hint()
        self.undo_button = button("Undo changes", self.undo)
        self.button_row = holder(
            hbox((self.save_state, 1), self.undo_button, self.save_button), visible=self.editable
        )
        self._build_layout()
        self._update_buttons()

    def _build_fields(self) -> None:
        self.office_name_edit = line_edit(max_length=100)
        self.time_zone_combo = QComboBox()
        self.time_zone_combo.setEditable(True)
        self.time_zone_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.time_zone_combo.addItems(time_zone_choices())
        self.time_zone_combo.setMaxVisibleItems(15)
        completer = QCompleter(self.time_zone_combo.model(), self.time_zone_combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.time_zone_combo.setCompleter(completer)
        self.currency_edit = line_edit(placeholder="e.g. USD", max_length=3)
        capitals(self.currency_edit)
        self.threshold_edit = line_edit(right=True)
        self.footer_edit = QPlainTextEdit()
        self.footer_edit.setTabChangesFocus(True)
        self.footer_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 18)
        self.free_days_spin = spin_box(0, 366, 7, " days")
        self.free_window_spin = spin_box(1, 730, 90, " days")
        self.region_combo = QComboBox()
        for code, title in region_choices():
            self.region_combo.addItem(title, code)
        self.region_combo.setMaxVisibleItems(15)
        # The count of characters under the footer, above any message about it.
        self.footer_count = hint()
        self.declare(
            ("office_name", "Office name", self.office_name_edit),
            ("time_zone", "Time zone", self.time_zone_combo),
            ("currency", "Currency", self.currency_edit),
            ("refund_approval_threshold", "Refund approval threshold", self.threshold_edit),
            ("free_days_per_plate", "Free temporary permits per plate", self.free_days_spin),
            ("free_days_window", "In any period of", self.free_window_spin),
            ("phone_region", "Phone numbers are from", self.region_combo),
            ("receipt_footer", "Receipt footer", self.footer_edit),
        )
        for spin in (self.free_days_spin, self.free_window_spin):
            spin.setFixedWidth(120)
            spin.setAlignment(RIGHT)
            # Numbers a clerk only reads stay as clear as the other settings, not greyed.
            spin.setEnabled(True)
            spin.setReadOnly(not self.editable)
        footer_layout = self.boxes["receipt_footer"].layout()
        if isinstance(footer_layout, QBoxLayout):
            footer_layout.insertWidget(2, self.footer_count)

    def _build_layout(self) -> None:
        items: list[Item] = [self.audit_label, self.notice]
        for name, box in self.boxes.items():
            box_layout = box.layout()
            if name in HINTS and box_layout is not None:
                box_layout.addWidget(hint(HINTS[name]))
            if name == "free_days_per_plate":
                items.append(hbox(box, self.boxes["free_days_window"], STRETCH, spacing=12))
                items.append(
                    hint(
                        "Free temporary and visitor permits beyond this, for one plate, are "
                        "issued by a manager only: so free permits cannot be chained into a "
                        "season of free parking."
                    )
                )
            elif name != "free_days_window":  # beside free_days_per_plate
                items.append(box)
        body = holder(vbox(*items, self.button_row, STRETCH, margins=None, spacing=12))
        body.setMaximumWidth(620)
        hbox((body, 1), Stretch(0), margins=(4, 12, 4, 4), parent=self)

    def baseline(self, settings: OfficeSettings) -> OfficeSettingsDraft:
        return OfficeSettingsDraft.of(settings)

    def draft(self) -> OfficeSettingsDraft:
        values = self.field_values()
        return OfficeSettingsDraft(**values | {"phone_region": values["phone_region"] or ""})

    def is_dirty(self) -> bool:
        return self.settings is not None and not self.draft().same_as(self._baseline)

    def changed_fields(self) -> list[tuple[str, str]]:
        """(caption, typed value) for each setting that differs from the loaded ones."""
        typed = self.draft()
        return [
            (self.boxes[name].caption.text(), str(getattr(typed, name)).strip() or "(empty)")
            for name in self.boxes
            if str(getattr(typed, name)).strip() != str(getattr(self._baseline, name)).strip()
        ]

    def show_settings(self, settings: OfficeSettings) -> None:
        self._baseline = self.baseline(settings)
        if self.time_zone_combo.findText(settings.time_zone) < 0:
            self.time_zone_combo.addItem(settings.time_zone)
        self.show_field_values(self._baseline)

    def loaded(self, settings: OfficeSettings) -> None:
        self.audit_label.setText(
            self.identity.changed_words("Last changed", settings.updated_by, settings.updated_at)
            + "."
        )

    def undo(self) -> None:
        if self.settings is not None:
            self.load(self.settings, force=True)
            self.save_state.setText("")

    def _edited(self, name: str) -> None:
        if name == "receipt_footer":
            length = len(self.footer_edit.toPlainText().strip())
            count = f" {length} of {MAX_FOOTER} characters." if self.editable else ""
            self.footer_count.setText(f"Printed at the bottom of every receipt.{count}")
            self.footer_count.setStyleSheet(
                f"color: {ERROR_COLOUR};" if length > MAX_FOOTER else ""
            )
        super()._edited(name)

    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.undo_button.setEnabled(dirty)
        if dirty:
            self.save_state.setText("Unsaved changes")
            self.save_state.setStyleSheet("color: #7a4b00;")
