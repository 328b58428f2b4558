"""Number editors and the small pieces set-up dialogs share: a spin box without buttons,
a hint line, a grid of spans, and the style that makes date and number editors look like
the application's line edits and combo boxes."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QGridLayout, QLabel, QSpinBox, QWidget

from desktop.views.kit.layout import label

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

# Date and number editors get the look the application style sheet gives line edits and
# combo boxes. Number fields are typed (or stepped with the arrow keys): the style sheet
# cannot draw spin buttons that match, so they have none.
EDITOR_STYLE = (
    "QDateEdit, QSpinBox { background: #ffffff; border: 1px solid #c4ccd8; "
    "border-radius: 4px; padding: 5px 7px; min-height: 18px; } "
    "QDateEdit::drop-down { subcontrol-origin: padding; subcontrol-position: center right; "
    "width: 24px; border: none; } "
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
    "#sectionTitle { font-weight: 600; color: #111827; } "
)


def spin_box(low: int, high: int, value: int, suffix: str = "", *, right: bool = False) -> QSpinBox:
    """A whole number from ``low`` to ``high``, typed (no buttons)."""
    made = QSpinBox()
    made.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
    made.setRange(low, high)
    made.setValue(value)
    made.setSuffix(suffix)
    if right:
        made.setAlignment(RIGHT)
    return made


def hint(text: str = "") -> QLabel:
    """A line of help under a field, wrapped."""
    return label(text, name="hint", wrap=True)


def span_grid(*rows: Sequence[tuple[QWidget | None, int]], columns: int) -> QGridLayout:
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
