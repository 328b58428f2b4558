"""Every desk, for every role, at 1280 by 800 with the demo data: pictures to look at.

Not a check (it asserts nothing a person would notice): it runs only when asked,
``PARKDESK_SHOTS=/some/folder make pytest`` (or pytest on this file; ``PARKDESK_SHOTS_ROLES=
clerk,adjudicator`` for some roles only), and writes one PNG
per desk, per tab, and with a parker open where a desk opens parkers. Compare them with
the same run on an earlier commit before changing what a desk looks like.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QTabWidget
from pytestqt.qtbot import QtBot

from desktop.services import seed
from desktop.services.workspace import Workspace
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import stylesheet
from desktop.views.shell.main_window import MainWindow
from tests.conftest import Database

SHOTS = os.environ.get("PARKDESK_SHOTS", "")

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore("This plugin does not support"),
    pytest.mark.skipif(not SHOTS, reason="pictures only when PARKDESK_SHOTS names a folder"),
]


def test_every_desk_for_every_role(
    qtbot: QtBot, database: Database, workspace_for: Callable[[str], Workspace]
) -> None:
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    seed.seed(database.admin_url, "demo")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setStyleSheet(stylesheet())
    runner = OperationRunner()
    roles = ("clerk", "manager", "officer", "admin", "adjudicator", "dispatcher")
    wanted = os.environ.get("PARKDESK_SHOTS_ROLES", "").split(",")  # e.g. "adjudicator"
    for role in [r for r in roles if r in wanted] if any(wanted) else roles:
        window = MainWindow(workspace_for(role), runner)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        for key in window.desk_keys:
            window.show_desk(key)
            qtbot.wait(1500)
            window.grab().save(str(folder / f"{role}-{key}.png"))
            desk = window.desk(key)
            if desk is None:
                continue
            searches = [
                e for e in desk.findChildren(QLineEdit) if e.accessibleName() == "Search parkers"
            ]
            if searches:
                searches[0].setFocus()
                qtbot.keyClicks(searches[0], "Chen")
                qtbot.wait(800)
                qtbot.keyClick(searches[0], Qt.Key.Key_Return)
                qtbot.wait(800)
                focused = QApplication.focusWidget()
                if focused is not None and focused is not searches[0]:
                    qtbot.keyClick(focused, Qt.Key.Key_Return)  # the parker desk: open it
                qtbot.wait(1500)
                window.grab().save(str(folder / f"{role}-{key}-open.png"))
            take = getattr(desk, "take_next", None)
            if key == "appeals" and role == "adjudicator" and take is not None:
                take()  # an appeal in hand, with its case timeline
                qtbot.wait(2500)
                window.grab().save(str(folder / f"{role}-{key}-open.png"))
            tabs = [t for t in desk.findChildren(QTabWidget) if t.isVisible()][:1]
            for tab in tabs:
                for index in range(1, tab.count()):
                    tab.setCurrentIndex(index)
                    qtbot.wait(900)
                    window.grab().save(str(folder / f"{role}-{key}-tab{index}.png"))
        window.shut_down()
        window.close()
    qtbot.waitUntil(lambda: not runner.busy, timeout=30_000)
