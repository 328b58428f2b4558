"""Building a desk's screen in a few lines: rows and columns of widgets, labels, buttons.

``vbox(title, hint, table, STRETCH)`` says what a column holds in the order a person
reads it, instead of a layout variable and one ``addWidget`` line per item. Items are
widgets, layouts, :data:`STRETCH` (or :class:`Stretch` with a factor), :class:`Space`
(fixed pixels), or ``(widget_or_layout, stretch)`` pairs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypedDict, TypeVar, Unpack

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
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


class _BoxOptions(TypedDict, total=False):
    margins: Margins | None  # None: the style's own, as a dialog's main layout has them
    spacing: int | None
    parent: QWidget | None  # the widget the layout is installed on


_Box = TypeVar("_Box", bound=QBoxLayout)


def _fill(layout: _Box, items: tuple[Item, ...], options: _BoxOptions) -> _Box:
    parent = options.get("parent")
    if parent is not None:
        parent.setLayout(layout)
    margins = options.get("margins", 0)
    if margins is not None:
        layout.setContentsMargins(*((margins,) * 4 if isinstance(margins, int) else margins))
    spacing = options.get("spacing")
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
    return layout


def vbox(*items: Item, **options: Unpack[_BoxOptions]) -> QVBoxLayout:
    """A column of ``items``; ``margins`` (0 unless given), ``spacing``, ``parent``."""
    return _fill(QVBoxLayout(), items, options)


def hbox(*items: Item, **options: Unpack[_BoxOptions]) -> QHBoxLayout:
    """A row of ``items``; ``margins`` (0 unless given), ``spacing``, ``parent``."""
    return _fill(QHBoxLayout(), items, options)


Named = TypeVar("Named", bound=QObject)


def named(thing: Named, name: str) -> Named:
    """``thing`` with an object name, for the style sheet and for UI automation."""
    thing.setObjectName(name)
    return thing


def scrolled(page: QWidget, *, framed: bool = False) -> QScrollArea:
    """``page`` in a scroll area as wide as it is given (without a frame unless ``framed``):
    for a page that may be taller than a small window."""
    area = QScrollArea()
    area.setWidget(page)
    area.setWidgetResizable(True)
    if not framed:
        area.setFrameShape(QFrame.Shape.NoFrame)
    return area


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
    if isinstance(keys, QKeySequence.StandardKey):
        action.setShortcuts(keys)  # every key the platform gives it (F5 and Ctrl+R…)
    else:
        action.setShortcut(QKeySequence(keys))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(lambda _checked=False: slot())
    action.setEnabled(enabled)
    owner.addAction(action)
    return action


Cell = QWidget | None | tuple[QWidget, Qt.AlignmentFlag]


def field_grid(*rows: Sequence[Cell], spacing: int = 12, vertical: int | None = None) -> QWidget:
    """Field boxes in equal columns, top-aligned, the room left below them. The last cell
    of a short row spans the columns left; ``None`` leaves a cell empty."""
    page = QWidget()
    grid = QGridLayout(page)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(spacing)
    if vertical is not None:
        grid.setVerticalSpacing(vertical)
    width = max(len(row) for row in rows)
    for number, row in enumerate(rows):
        for column, cell in enumerate(row):
            if cell is None:
                continue
            widget, align = cell if isinstance(cell, tuple) else (cell, Qt.AlignmentFlag.AlignTop)
            span = width - column if column == len(row) - 1 else 1
            grid.addWidget(widget, number, column, 1, span, align)
    for column in range(width):
        grid.setColumnStretch(column, 1)
    grid.setRowStretch(len(rows), 1)
    return page


def line_edit(
    *,
    placeholder: str = "",
    max_length: int | None = None,
    allowed: str | None = None,
    tip: str | None = None,
    right: bool = False,
) -> QLineEdit:
    """A text field; ``allowed`` is a regular expression for what may be typed at all."""
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    if max_length is not None:
        edit.setMaxLength(max_length)
    if allowed is not None:
        edit.setValidator(QRegularExpressionValidator(allowed))
    if tip:
        edit.setToolTip(tip)
    if right:
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
    return edit


def choice_box(
    titles: Iterable[str], *, data: Iterable[object] | None = None, placeholder: str = "Choose…"
) -> QComboBox:
    """A drop-down that starts with nothing chosen (``data`` rides along with each title)."""
    combo = QComboBox()
    for title, value in zip(titles, data if data is not None else titles, strict=True):
        combo.addItem(title, value)
    combo.setPlaceholderText(placeholder)
    combo.setCurrentIndex(-1)
    return combo


def stack(*pages: QWidget, sized_by_shown: bool = False) -> QStackedWidget:
    """Pages shown one at a time (a list and its empty state), the first one first.

    A stack is as large as its largest page; ``sized_by_shown`` makes it ask only for
    the room of the page it shows (a record's empty state beside a list lets the list
    have the room until the record is open).
    """
    made = QStackedWidget()
    for page in pages:
        made.addWidget(page)
    if sized_by_shown:
        policies = [page.sizePolicy() for page in pages]
        ignored = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

        def shown(index: int) -> None:
            for number, page in enumerate(pages):
                page.setSizePolicy(policies[number] if number == index else ignored)
            made.updateGeometry()

        made.currentChanged.connect(shown)
        shown(made.currentIndex())
    return made
