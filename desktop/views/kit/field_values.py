"""A form's values read and shown the same way whatever editor holds them.

A form whose field names are its draft's attribute names reads what was typed, and shows a
saved record, in one loop each instead of a line per field: a line edit holds text, a
drop-down its chosen item's data (or the text, when one may be typed in), a spin box a
number, a check box a tick, a date edit a day, a text box a few lines.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)


def value_of(editor: QWidget) -> Any:
    """What ``editor`` holds, as a draft takes it."""
    if isinstance(editor, QLineEdit):
        return editor.text()
    if isinstance(editor, QPlainTextEdit):
        return editor.toPlainText()
    if isinstance(editor, QComboBox):
        return editor.currentText() if editor.isEditable() else editor.currentData()
    if isinstance(editor, QDateEdit):
        day = editor.date()
        return date(day.year(), day.month(), day.day())
    if isinstance(editor, QSpinBox):
        return editor.value()
    if isinstance(editor, QAbstractButton):
        return editor.isChecked()
    raise TypeError(f"a {type(editor).__name__} holds no value of its own")


def show_value(editor: QWidget, value: Any) -> None:
    """Put ``value`` in ``editor``; None leaves it as it is."""
    if value is None:
        return
    if isinstance(editor, QLineEdit):
        editor.setText(value)
    elif isinstance(editor, QPlainTextEdit):
        editor.setPlainText(value)
    elif isinstance(editor, QComboBox) and editor.isEditable():
        editor.setCurrentText(value)
    elif isinstance(editor, QComboBox):
        editor.setCurrentIndex(editor.findData(value))
    elif isinstance(editor, QDateEdit):
        editor.setDate(QDate(value))
    elif isinstance(editor, QSpinBox):
        editor.setValue(value)
    elif isinstance(editor, QAbstractButton):
        editor.setChecked(value)
    else:
        raise TypeError(f"a {type(editor).__name__} shows no value of its own")
