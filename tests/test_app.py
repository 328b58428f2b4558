"""The program as a person runs it: it opens, works a long day, and closes cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: ``parkdesk`` with no command, offscreen: the login dialog appears; while it is shown,
#: as many signals are emitted from Python as a long day of live changes brings, then the
#: person closes the dialog, which quits the program.
LONG_DAY = """
import sys
from PySide6.QtCore import QObject, QTimer, Signal
from desktop.views.shell import login

class Desk(QObject):
    changed = Signal(object)

shown = login.LoginDialog.showEvent

def show_event(self, event):
    shown(self, event)
    desk = Desk()
    desk.changed.connect(lambda change: None)
    for change in range(CHANGES):
        desk.changed.emit(change)
    QTimer.singleShot(0, self.reject)

login.LoginDialog.showEvent = show_event
from desktop.cli import main
code = main([])
print("closed with", code, flush=True)
sys.exit(code)
"""


def _environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        PARKDESK_LOG_DIR=str(home / "log"),
    )
    env.pop("PARKDESK_ADMIN_URL", None)
    return env


@pytest.mark.gui
def test_the_program_closes_cleanly_after_a_long_day(tmp_path: Path) -> None:
    script = LONG_DAY.replace("CHANGES", "100_000")
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=_environment(tmp_path),
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Fatal Python error" not in result.stderr
    assert (result.returncode, result.stdout) == (0, "closed with 0\n"), result.stderr[-2000:]
