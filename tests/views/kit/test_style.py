"""The application style sheet must not hide data in Qt's own widgets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QDate
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QCalendarWidget,
    QFileDialog,
    QListView,
    QStyle,
    QStyleOptionViewItem,
    QTableView,
)
from pytestqt.qtbot import QtBot

from desktop.views.kit.widgets import stylesheet

SIDEBAR_BACKGROUND = QColor("#1e2a3a")


@pytest.fixture
def styled(qapp: QApplication) -> Iterator[QApplication]:
    qapp.setStyleSheet(stylesheet())
    yield qapp
    qapp.setStyleSheet("")


def test_calendar_cells_have_room_for_their_day_numbers(qtbot: QtBot, styled: object) -> None:
    calendar = QCalendarWidget()
    calendar.setSelectedDate(QDate(2027, 5, 28))
    qtbot.addWidget(calendar)
    calendar.show()
    qtbot.waitExposed(calendar)
    view = calendar.findChild(QTableView)
    assert view is not None
    model = view.model()
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            text = str(index.data() or "")
            if not text:
                continue
            option = QStyleOptionViewItem()
            option.rect = view.visualRect(index)
            option.text = text
            option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
            room = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
            # The cell's text area is the whole cell: no list padding eats into it.
            assert room.width() >= option.rect.width() - 2, (row, column, text)


def test_the_file_dialog_keeps_its_own_light_sidebar(qtbot: QtBot, styled: object) -> None:
    dialog = QFileDialog()
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    sidebar = dialog.findChild(QListView, "sidebar")
    assert sidebar is not None
    picture = sidebar.grab().toImage()
    corner = picture.pixelColor(picture.width() - 4, picture.height() - 4)
    assert corner != SIDEBAR_BACKGROUND
