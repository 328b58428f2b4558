"""The set-up desk's shared pieces: editor styles, small widgets and the dialog base."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QGridLayout, QLabel, QSpinBox, QWidget

from desktop.services.permit_setup import PermitSetupService
from desktop.services.versioned import format_when
from desktop.views.kit.forms import FormDialog, form_style
from desktop.views.kit.layout import label
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import resources_dir

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

# Date and number editors get the look the application style sheet gives line edits and
# combo boxes. Number fields are typed (or stepped with the arrow keys): the style sheet
# cannot draw spin buttons that match, so they have none.
_EDITOR_STYLE = (
    "QDateEdit { background: #ffffff; border: 1px solid #c4ccd8; border-radius: 4px; "
    "padding: 5px 7px; min-height: 18px; } "
    "QDateEdit::drop-down { subcontrol-origin: padding; subcontrol-position: center right; "
    "width: 24px; border: none; } "
    "QSpinBox { padding-right: 7px; } "
    "QSpinBox::up-button, QSpinBox::down-button { subcontrol-origin: border; width: 0px; } "
    "QDateEdit:focus, QSpinBox:focus { border: 1px solid #2563eb; } "
    "QDateEdit:disabled, QSpinBox:disabled, QComboBox:disabled "
    "{ background: #eef1f5; color: #374151; } "
    "QCheckBox:disabled { color: #374151; } "
    'QDateEdit[invalid="true"], QSpinBox[invalid="true"], QListWidget[invalid="true"], '
    'QTableWidget[invalid="true"] { border: 1px solid #d92d20; background: #fff6f5; } '
    "QListWidget, QTableWidget { background: #ffffff; border: 1px solid #c4ccd8; "
    "border-radius: 4px; } "
    "QListWidget::item { padding: 3px 4px; } "
)


def _spin(low: int, high: int, value: int, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


def _hint(text: str = "") -> QLabel:
    return label(text, name="hint", wrap=True)


def _grid(*rows: Sequence[tuple[QWidget | None, int]], columns: int) -> QGridLayout:
    """Rows of (widget, how many of the equal columns it spans), top-aligned."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(14)
    grid.setVerticalSpacing(10)
    for number, row in enumerate(rows):
        column = 0
        for widget, span in row:
            if widget is not None:
                grid.addWidget(widget, number, column, 1, span, Qt.AlignmentFlag.AlignTop)
            column += span
    for column in range(columns):
        grid.setColumnStretch(column, 1)
    return grid


class _SetupDialog(FormDialog):
    """The permit type and lot dialogs: the set-up desk's editors and date arrows, and
    saving or reloading one record through the set-up service.

    A subclass says what ``kind`` of record it edits (None for a new one) and gives the
    service's ``save`` and ``load`` for it, :meth:`draft` (what was typed) and :meth:`_show`
    (a saved record in the fields).
    """

    def __init__(
        self,
        service: PermitSetupService,
        runner: OperationRunner,
        record: Any,
        *,
        kind: str,
        save: Callable[..., object],
        load: Callable[[int], object],
        read_only: bool,
        parent: QWidget | None,
    ) -> None:
        accept = f"Create {kind}" if record is None else "Save"
        super().__init__(runner, read_only=read_only, accept_text=accept, parent=parent)
        self.service, self.record, self._save, self._load = service, record, save, load
        if record is None:
            self.setWindowTitle(f"New {kind}")
        else:
            words = kind if read_only else f"edit {kind}"
            self.setWindowTitle(f"{words[0].upper()}{words[1:]} {record.code}")
        arrow = f"{resources_dir().as_posix()}/chevron-down.svg"
        self.setStyleSheet(
            form_style()
            + _EDITOR_STYLE
            + f"QDateEdit::down-arrow {{ image: url({arrow}); width: 12px; height: 12px; }}"
        )

    def draft(self) -> Any:
        raise NotImplementedError

    def _show(self, record: Any) -> None:
        raise NotImplementedError

    def _fill(self, record: Any) -> None:
        self.record = record
        self._show(record)
        self.audit_label.setText(
            self.service.workspace.identity.changed_words(
                "Last changed", record.updated_by, format_when(record.updated_at)
            )
            + "."
        )
        self.audit_label.show()
        self._baseline = self.draft()
        self.clear_problems()

    def _save_call(self) -> Callable[[], object]:
        draft = self.draft()
        draft.cleaned()  # every field problem at once, before the round trip
        save, record = self._save, self.record
        if record is None:
            return lambda: save(draft)
        record_id, version = record.id, record.version
        return lambda: save(draft, record_id, version)

    def _reload_call(self) -> Callable[[], object] | None:
        load, record = self._load, self.record
        if record is None:
            return None
        record_id = record.id
        return lambda: load(record_id)
