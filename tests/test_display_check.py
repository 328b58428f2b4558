"""No display, or Qt's X11 libraries missing: one line naming the fix, exit 1, never 134."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desktop.display_check import display_problem, missing_libraries

PLUGIN = Path("/qt/plugins/platforms/libqxcb.so")
QPA = Path("/qt/lib/libQt6XcbQpa.so.6")
LDD = {
    PLUGIN: "\tlibQt6XcbQpa.so.6 => /qt/lib/libQt6XcbQpa.so.6 (0x1)\n"
    "\tlibxcb-icccm.so.4 => not found\n",
    QPA: "\tlibxcb-icccm.so.4 => not found\n\tlibxcb-keysyms.so.1 => not found\n"
    "\tlibc.so.6 => /lib/libc.so.6 (0x2)\n",
}


def _ldd(path: Path) -> str:
    return LDD.get(path, "")


def test_missing_libraries_are_named_once_with_the_packages_to_install() -> None:
    assert missing_libraries([PLUGIN, QPA], _ldd) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    line = display_problem({"DISPLAY": ":0"}, platform="linux", files=[PLUGIN, QPA], ldd=_ldd)
    assert line is not None
    assert "\n" not in line
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in line
    assert line.endswith("sudo apt-get install libxcb-icccm4 libxcb-keysyms1")


def test_no_display_is_said_in_one_line() -> None:
    line = display_problem({}, platform="linux", files=[], ldd=_ldd)
    assert line is not None
    assert "DISPLAY is not set" in line


def test_nothing_is_said_when_a_window_can_open_or_qt_uses_another_plugin() -> None:
    assert display_problem({"DISPLAY": ":0"}, platform="linux", files=[], ldd=_ldd) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, platform="linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, platform="linux") is None
    assert display_problem({}, platform="darwin") is None


def test_the_program_ends_with_one_line_and_exit_1_without_a_display(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env["HOME"] = str(tmp_path)
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-c", "from desktop.app import run_gui; raise SystemExit(run_gui(False))"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert "cannot open a window" in done.stderr
