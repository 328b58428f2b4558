"""Building a desk's screen in a few lines: rows and columns of widgets, labels, buttons.

``vbox(title, hint, table, STRETCH)`` says what a column holds in the order a person
reads it, instead of a layout variable and one ``addWidget`` line per item. Items are
widgets, layouts, :data:`STRETCH` (or :class:`Stretch` with a factor), :class:`Space`
(fixed pixels), or ``(widget_or_layout, stretch)`` pairs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class Stretch:
    """Room that grows, shared with other stretches by ``factor``."""

    factor: int = 1


@dataclass(frozen=True)
class Space:
    """A fixed gap of ``pixels``."""

    pixels: int


STRETCH = Stretch()

Item = QWidget | QLayout | Stretch | Space | tuple[QWidget | QLayout, int]
Margins = int | tuple[int, int, int, int]


def _fill(
    layout: QBoxLayout, items: tuple[Item, ...], margins: Margins, spacing: int | None
) -> None:
    if isinstance(margins, int):
        layout.setContentsMargins(margins, margins, margins, margins)
    else:
        layout.setContentsMargins(*margins)
    if spacing is not None:
        layout.setSpacing(spacing)
    for item in items:
        thing, stretch = item if isinstance(item, tuple) else (item, 0)
        if isinstance(thing, Stretch):
            layout.addStretch(thing.factor)
        elif isinstance(thing, Space):
            layout.addSpacing(thing.pixels)
        elif isinstance(thing, QLayout):
            layout.addLayout(thing, stretch)
        else:
            layout.addWidget(thing, stretch)


def vbox(
    *items: Item, margins: Margins = 0, spacing: int | None = None, parent: QWidget | None = None
) -> QVBoxLayout:
    """A column of ``items`` (installed on ``parent`` when given)."""
    layout = QVBoxLayout(parent) if parent is not None else QVBoxLayout()
    _fill(layout, items, margins, spacing)
    return layout


def hbox(
    *items: Item, margins: Margins = 0, spacing: int | None = None, parent: QWidget | None = None
) -> QHBoxLayout:
    """A row of ``items`` (installed on ``parent`` when given)."""
    layout = QHBoxLayout(parent) if parent is not None else QHBoxLayout()
    _fill(layout, items, margins, spacing)
    return layout


def holder(layout: QLayout, *, visible: bool = True) -> QWidget:
    """A plain widget holding ``layout``: something to show, hide or put in a stack."""
    widget = QWidget()
    widget.setLayout(layout)
    if not visible:  # showing a widget without a parent would open it as a window
        widget.hide()
    return widget


def label(
    text: str = "",
    *,
    name: str | None = None,
    wrap: bool = False,
    plain: bool = False,
    style: str | None = None,
) -> QLabel:
    """A label: ``name`` is its style sheet object name (``hint``, ``countLabel``…),
    ``plain`` shows what people typed as typed (never as rich text)."""
    made = QLabel(text)
    if name:
        made.setObjectName(name)
    made.setWordWrap(wrap)
    if plain:
        made.setTextFormat(Qt.TextFormat.PlainText)
    if style:
        made.setStyleSheet(style)
    return made


def button(
    text: str,
    slot: Callable[[], object] | None = None,
    *,
    tip: str | None = None,
    primary: bool = False,
    visible: bool = True,
) -> QPushButton:
    """A push button that calls ``slot`` when clicked (the primary one is drawn blue)."""
    made = QPushButton(text)
    if slot is not None:
        made.clicked.connect(lambda _checked=False: slot())
    if tip:
        made.setToolTip(tip)
    if primary:
        made.setProperty("primary", True)
    if not visible:  # showing a widget without a parent would open it as a window
        made.hide()
    return made


def tab_order(*widgets: QWidget) -> None:
    """Tab visits ``widgets`` in this order."""
    for before, after in itertools.pairwise(widgets):
        QWidget.setTabOrder(before, after)


def desk_action(
    owner: QWidget,
    text: str,
    keys: str | QKeySequence | QKeySequence.StandardKey,
    slot: Callable[[], object],
    *,
    enabled: bool = True,
) -> QAction:
    """A keyboard shortcut of one desk: several desks share a window, so it works only
    while the focus is inside ``owner``."""
    action = QAction(text, owner)
    action.setShortcut(QKeySequence(keys))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(lambda _checked=False: slot())
    action.setEnabled(enabled)
    owner.addAction(action)
    return action
