"""Choices offered the same way on every desk: the jurisdiction of a plate."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from desktop.services.plates import JURISDICTION_NAMES, jurisdiction_code

#: "BC — British Columbia": how the list names a jurisdiction.
SEPARATOR = " \u2014 "


def jurisdiction_label(code: str) -> str:
    name = JURISDICTION_NAMES.get(code)
    return f"{code}{SEPARATOR}{name}" if name else code


class JurisdictionPicker(QComboBox):
    """The jurisdiction of a plate: pick "ON — Ontario", or type ON, on, Ontario — or any
    other well-formed code (a country, say), which the service then checks.

    Wide enough for the longest name in the list, so no entry is cut.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setAccessibleName("Jurisdiction")
        self.setToolTip("Province or state of the plate. Type its code (ON, NY …) or pick it.")
        for code in JURISDICTION_NAMES:
            self.addItem(jurisdiction_label(code), code)
        longest = max(len(self.itemText(i)) for i in range(self.count()))
        self.setMinimumContentsLength(longest)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        completer = QCompleter([self.itemText(i) for i in range(self.count())], self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)

    def code(self) -> str:
        """ "ON" for "ON — Ontario", "on" or "Ontario"; other text trimmed and upper-cased."""
        return jurisdiction_code(self.currentText())

    def set_code(self, code: str) -> None:
        code = code.strip().upper()
        index = self.findData(code)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(code)
