"""The enforcement set-up desk's shared pieces: typed numbers, counts in words, and the
strip of office settings a tab shows under its lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from desktop.services.enforcement_setup import (
    EnforcementSettings,
    EnforcementSettingsDraft,
)
from desktop.services.errors import ValidationError
from desktop.views.kit.editors import EDITOR_STYLE, hint, spin_box
from desktop.views.kit.forms import form_style
from desktop.views.kit.layout import STRETCH, Item, hbox, holder, label, vbox
from desktop.views.kit.settings_form import SettingsForm

if TYPE_CHECKING:
    from desktop.views.enforcement_setup.desk import EnforcementSetupDesk


def spin(low: int, high: int, value: int, suffix: str = "") -> QSpinBox:
    """A number typed right-aligned, as amounts and counts line up."""
    return spin_box(low, high, value, suffix, right=True)


class SettingsStrip(SettingsForm[EnforcementSettings]):
    """Some of the office's enforcement settings under a tab's lists, with their own Save.

    The fields are named as :class:`EnforcementSettingsDraft`'s; the others are saved as
    they were loaded.
    """

    def __init__(
        self,
        desk: EnforcementSetupDesk,
        *,
        name: str,
        title: str,
        fields: Sequence[tuple[str, str, QWidget, str]],
        beside: Sequence[QWidget] = (),
    ) -> None:
        service, editable = desk.service, desk.editable
        super().__init__(
            desk.runner,
            editable,
            identity=service.workspace.identity,
            kind=EnforcementSettings,
            save=service.save_settings,
            reload=service.settings,
            notice=f"{name}Notice",
        )
        self.service = service
        self.setObjectName(name)
        self.setStyleSheet(form_style() + EDITOR_STYLE)
        boxes = self.declare(*((n, caption, editor) for n, caption, editor, _hint in fields))
        for n, _caption, _editor, words in fields:
            if words:
                box_layout = boxes[n].layout()
                if box_layout is not None:
                    box_layout.addWidget(hint(words))
        self.save_button.setObjectName(f"{name}Save")
        for box in boxes.values():
            box.setFixedWidth(300)  # a number or a choice: no need for the window's width
        # Two fields a row at most, so a strip of four fits the window's width.
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        for place, box in enumerate(boxes.values()):
            grid.addWidget(box, place // 2, place % 2, Qt.AlignmentFlag.AlignTop)
        row: list[Item] = [grid, *beside, STRETCH]
        buttons = holder(
            vbox(STRETCH, hbox(self.save_state, self.save_button, spacing=8)), visible=editable
        )
        buttons.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        fields_row = hbox(*row, buttons, spacing=14)
        fields_row.setAlignment(grid, Qt.AlignmentFlag.AlignTop)
        for widget in beside:
            fields_row.setAlignment(widget, Qt.AlignmentFlag.AlignTop)
        vbox(
            label(title, name="sectionTitle"),
            self.notice,
            fields_row,
            spacing=6,
            parent=self,
        )
        self._update_buttons()

    def baseline(self, settings: EnforcementSettings) -> EnforcementSettingsDraft:
        return EnforcementSettingsDraft.of(settings)

    def draft(self) -> EnforcementSettingsDraft:
        if self.settings is None:
            raise ValidationError.single("general", "The settings have not loaded yet.")
        return replace(self.baseline(self.settings), **self.field_values())


def counted(n: int, one: str, many: str | None = None) -> str:
    """'1 code', '3 codes'."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"
