"""The cash drawer desk's shared words, colours and small widgets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton

from desktop.services.cashdrawer import CashDrawerService, variance_words
from desktop.services.documents import Office
from desktop.views.kit.layout import button, label
from desktop.views.kit.operations import OperationRunner

SHORT_COLOUR = "#b42318"
OVER_COLOUR = "#b54708"
BALANCED_COLOUR = "#067647"
MUTED_COLOUR = "#5b6577"

#: Amounts line up on the right of their column.
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

#: The largest amount a drawer's columns make room for.
MOST = Decimal("-8888.88")

#: Until the office's settings have arrived.
FALLBACK_OFFICE = Office(name="", currency="USD", time_zone="UTC", receipt_footer="")


@dataclass(frozen=True)
class DeskUser:
    """The person at the desk, and the service and runner its panels share."""

    service: CashDrawerService
    runner: OperationRunner
    login: str
    is_clerk: bool
    is_manager: bool


def variance_colour(variance: Decimal) -> str:
    if variance < 0:
        return SHORT_COLOUR
    if variance > 0:
        return OVER_COLOUR
    return BALANCED_COLOUR


def show_variance(label: QLabel, variance: Decimal, currency: str) -> None:
    """ "Short by $5.00" in red, "Over by …" in amber, "Balanced" in green."""
    label.setText(variance_words(variance, currency))
    label.setStyleSheet(f"font-weight: 600; color: {variance_colour(variance)};")


def payments_words(count: int) -> str:
    return "no payments yet" if count == 0 else f"{count} payment{'' if count == 1 else 's'}"


def title_label(text: str = "") -> QLabel:
    # Inline because the application style sheet sets every widget's font size.
    return label(
        text, wrap=True, plain=True, style="font-size: 13pt; font-weight: 600; color: #111827;"
    )


def hint_label(text: str = "") -> QLabel:
    return label(text, name="hint", wrap=True)


def add_column_heads(grid: QGridLayout, captions: Sequence[str]) -> None:
    """Bold grey titles in the first row of ``grid``; all but the first over amounts."""
    for column, caption in enumerate(captions):
        head = label(caption, style=f"font-weight: 600; color: {MUTED_COLOUR};")
        grid.addWidget(head, 0, column, RIGHT if column else Qt.AlignmentFlag.AlignLeft)


def facts_grid(facts: Sequence[tuple[str, QLabel]], spacing: int) -> QGridLayout:
    """A caption and its value, right-aligned beside it, a row each."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(spacing)
    grid.setVerticalSpacing(5)
    for row, (caption, value) in enumerate(facts):
        grid.addWidget(hint_label(caption), row, 0)
        value.setAlignment(RIGHT)
        grid.addWidget(value, row, 1)
    grid.setColumnStretch(2, 1)
    return grid


def action_button(
    text: str,
    name: str,
    pressed: Callable[[], object] | None = None,
    *,
    tip: str = "",
    primary: bool = False,
) -> QPushButton:
    """A button of the desk; Enter presses it when it has the focus, as Space does."""
    made = button(text, pressed, tip=tip, primary=primary)
    made.setObjectName(name)
    made.setAutoDefault(True)
    return made
