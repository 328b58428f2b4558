"""The enforcement set-up desk's shared pieces: typed numbers, counts in words, and the
strip of office settings a tab shows under its lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from desktop.services.enforcement_setup import (
    EnforcementSettings,
    EnforcementSettingsDraft,
    EnforcementSetupService,
)
from desktop.services.errors import ValidationError
from desktop.services.versioned import format_when
from desktop.views.kit.editors import EDITOR_STYLE, hint, spin_box
from desktop.views.kit.forms import FieldForm, form_style
from desktop.views.kit.layout import STRETCH, Item, button, hbox, holder, label, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import NoticeBar


def spin(low: int, high: int, value: int, suffix: str = "") -> QSpinBox:
    """A number typed right-aligned, as amounts and counts line up."""
    return spin_box(low, high, value, suffix, right=True)


class SettingsStrip(QWidget, FieldForm):
    """Some of the office's enforcement settings under a tab's lists, with their own Save.

    The fields are named as :class:`EnforcementSettingsDraft`'s; the others are saved as
    they were loaded. Unsaved edits stay when the settings are reloaded (with a notice
    when someone else changed them meanwhile).
    """

    saved = Signal(object)
    CONFLICT_NOTICE = (
        "Changed by {changed_by} at {changed_at}. "
        "Reload to see their change; your unsaved values stay until you do."
    )

    def __init__(
        self,
        service: EnforcementSetupService,
        runner: OperationRunner,
        editable: bool,
        *,
        name: str,
        title: str,
        fields: Sequence[tuple[str, str, QWidget, str]],
        beside: Sequence[QWidget] = (),
    ) -> None:
        super().__init__()
        self.service, self.runner = service, runner
        self.editable, self.read_only = editable, not editable
        self.settings: EnforcementSettings | None = None
        self._loading = False
        self.setObjectName(name)
        self.setStyleSheet(form_style() + EDITOR_STYLE)
        boxes = self.declare(*((n, caption, editor) for n, caption, editor, _hint in fields))
        for n, _caption, _editor, words in fields:
            if words:
                box_layout = boxes[n].layout()
                if box_layout is not None:
                    box_layout.addWidget(hint(words))
        self.notice = NoticeBar(f"{name}Notice", "Reload")
        self.notice.button.clicked.connect(self.reload)
        self.save_button = button("Save", self.submit, primary=True)
        self.save_button.setObjectName(f"{name}Save")
        self.save_state = label()
        for box in boxes.values():
            box.setFixedWidth(300)  # a number or a choice: no need for the window's width
        row: list[Item] = [*boxes.values(), *beside, STRETCH]
        buttons = holder(
            vbox(STRETCH, hbox(self.save_state, self.save_button, spacing=8)), visible=editable
        )
        buttons.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        fields_row = hbox(*row, buttons, spacing=14)
        for widget in (*boxes.values(), *beside):
            fields_row.setAlignment(widget, Qt.AlignmentFlag.AlignTop)
        vbox(
            label(title, name="sectionTitle"),
            self.notice,
            fields_row,
            spacing=6,
            parent=self,
        )
        self._update_buttons()

    def draft(self) -> EnforcementSettingsDraft:
        if self.settings is None:
            raise ValidationError.single("general", "The settings have not loaded yet.")
        return replace(EnforcementSettingsDraft.of(self.settings), **self.field_values())

    def is_dirty(self) -> bool:
        if self.settings is None:
            return False
        return self.draft() != EnforcementSettingsDraft.of(self.settings)

    def load(self, settings: EnforcementSettings, *, force: bool = False) -> None:
        if not force and self.is_dirty():
            if self.settings is not None and settings.version != self.settings.version:
                self.notice.say(
                    self.CONFLICT_NOTICE.format(
                        changed_by=settings.updated_by,
                        changed_at=format_when(settings.updated_at),
                    )
                )
            return
        self.settings = settings
        self._loading = True
        try:
            self.show_field_values(EnforcementSettingsDraft.of(settings))
        finally:
            self._loading = False
        self.notice.hide()
        self.clear_problems()
        self._update_buttons()
        self.loaded(settings)

    def loaded(self, settings: EnforcementSettings) -> None:
        """What else the strip shows of freshly loaded settings."""

    def _save_call(self) -> Callable[[], object] | None:
        if self.settings is None:
            return None
        draft, service, version = self.draft(), self.service, self.settings.version
        draft.cleaned()
        return lambda: service.save_settings(draft, version)

    def _saved(self, fresh: object) -> None:
        self._set_busy(False)
        if isinstance(fresh, EnforcementSettings):
            self.load(fresh, force=True)
        self.save_state.setText("Saved.")
        self.saved.emit(fresh)

    def _failed(self, exc: BaseException) -> bool:
        if isinstance(exc, ValidationError):
            self._set_busy(False)
            return not self.show_field_problems(exc.problems)
        return super()._failed(exc)

    def _set_busy(self, busy: bool) -> None:
        self._saving = busy
        self.save_button.setEnabled(not busy and self.is_dirty())
        self.save_button.setText("Saving…" if busy else "Save")

    def _reload_call(self) -> Callable[[], object]:
        return self.service.settings

    def _fill(self, record: object) -> None:
        if isinstance(record, EnforcementSettings):
            self.load(record, force=True)

    def _edited(self, name: str) -> None:
        if self._loading:
            return
        super()._edited(name)
        self.save_state.setText("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(self.is_dirty())


def counted(n: int, one: str, many: str | None = None) -> str:
    """'1 code', '3 codes'."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"
