"""Which Alt+letter keys a window offers, and which of them two controls share."""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMainWindow, QTabBar, QWidget

_MNEMONIC = re.compile(r"&([^&\s])")


def mnemonic(text: str) -> str | None:
    """The letter after a single '&' ("Counted &float" -> "f"); "&&" is a literal ampersand."""
    found = _MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def _texts(widget: QWidget) -> list[str]:
    if isinstance(widget, QAbstractButton):
        return [widget.text()]
    if isinstance(widget, QLabel) and widget.buddy() is not None:
        return [widget.text()]
    if isinstance(widget, QGroupBox):
        return [widget.title()]
    if isinstance(widget, QTabBar):
        return [widget.tabText(i) for i in range(widget.count()) if widget.isTabEnabled(i)]
    return []


def mnemonics_of(window: QWidget) -> dict[str, list[str]]:
    """Alt+letter -> the texts that offer it, over the window's visible controls and, for a
    main window, its menu bar."""
    keys: dict[str, list[str]] = defaultdict(list)
    for widget in [window, *window.findChildren(QWidget)]:
        if widget.window() is not window or not widget.isVisible():
            continue
        for text in _texts(widget):
            key = mnemonic(text)
            if key:
                keys[key].append(text)
    if isinstance(window, QMainWindow):
        for action in window.menuBar().actions():
            key = mnemonic(action.text())
            if key and action.isVisible():
                keys[key].append(action.text())
    return dict(keys)


def clashes(window: QWidget) -> dict[str, list[str]]:
    """Alt+letter keys offered by more than one control of ``window``."""
    return {key: texts for key, texts in mnemonics_of(window).items() if len(texts) > 1}
