"""The layout words build what they say: items in reading order, hidden widgets stay
hidden (never a stray window), and a desk's shortcut works only inside that desk."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QSpacerItem, QWidget
from pytestqt.qtbot import QtBot

from desktop.views.kit.layout import (
    STRETCH,
    Space,
    button,
    desk_action,
    hbox,
    holder,
    label,
    tab_order,
    vbox,
)


def test_a_column_holds_its_items_in_reading_order(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    title, hint, field = QLabel("Title"), QLabel("Hint"), QLineEdit()
    row = hbox(field, STRETCH)
    layout = vbox(
        title, Space(6), (hint, 2), row, STRETCH, margins=(1, 2, 3, 4), spacing=5, parent=owner
    )
    assert owner.layout() is layout
    assert layout.itemAt(0).widget() is title
    assert isinstance(layout.itemAt(1), QSpacerItem)
    assert layout.itemAt(2).widget() is hint
    assert layout.stretch(2) == 2
    assert layout.itemAt(3).layout() is row
    assert layout.spacing() == 5
    margins = layout.contentsMargins()
    assert (margins.left(), margins.top(), margins.right(), margins.bottom()) == (1, 2, 3, 4)


def test_hidden_buttons_and_holders_open_no_window(qtbot: QtBot) -> None:
    clicked: list[bool] = []
    made = button(
        "Sell…", lambda: clicked.append(True), tip="Sell (Ctrl+N)", primary=True, visible=False
    )
    box = holder(hbox(made), visible=False)
    qtbot.addWidget(box)
    assert not any(w.isVisible() for w in QApplication.topLevelWidgets() if w in (made, box))
    assert made.toolTip() == "Sell (Ctrl+N)"
    assert made.property("primary") is True
    made.click()
    assert clicked == [True]


def test_a_label_shows_typed_text_as_typed() -> None:
    shown = label("<b>O'Brien</b>", name="hint", wrap=True, plain=True)
    assert shown.objectName() == "hint"
    assert shown.wordWrap()
    assert shown.textFormat() == Qt.TextFormat.PlainText


def test_a_desk_shortcut_belongs_to_its_desk(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    desk, other = QLineEdit(), QLineEdit()
    vbox(desk, other, parent=window)
    fired: list[str] = []
    action = desk_action(desk, "Sell", "Ctrl+N", lambda: fired.append("sell"), enabled=False)
    tab_order(other, desk)
    assert action in desk.actions()
    assert action not in window.actions()
    # Several desks share a window: the shortcut works only while the focus is inside.
    assert action.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
    assert action.shortcut().toString() == "Ctrl+N"
    action.trigger()
    assert fired == []  # disabled
    action.setEnabled(True)
    action.trigger()
    assert fired == ["sell"]
