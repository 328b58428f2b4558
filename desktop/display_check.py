"""Before Qt starts: is there a display, and can Qt's X11 plugin load its libraries?

Without them Qt aborts the process (exit 134) with a page of plugin diagnostics. This
check turns that into one line naming what is missing — the packages to install on
Debian and Ubuntu — and the program exits 1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

#: Shared libraries Qt's xcb plugin loads -> the Debian/Ubuntu package that has them.
XCB_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}

Ldd = Callable[[Path], str]


def _ldd(path: Path) -> str:
    tool = shutil.which("ldd")
    if tool is None or not path.exists():
        return ""
    try:
        done = subprocess.run(  # noqa: S603 - ldd on a file of our own install
            [tool, str(path)], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def _xcb_plugin_files() -> list[Path]:
    try:
        import PySide6
    except ImportError:  # pragma: no cover - a dependency
        return []
    qt = Path(PySide6.__file__).parent / "Qt"
    return [qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"]


def missing_libraries(files: list[Path], ldd: Ldd = _ldd) -> list[str]:
    """Sonames ``ldd`` reports as not found for ``files``, in order, once each."""
    missing: list[str] = []
    for path in files:
        for line in ldd(path).splitlines():
            name, _, where = line.strip().partition(" => ")
            if where.strip() == "not found" and name not in missing:
                missing.append(name)
    return missing


def display_problem(
    environ: Mapping[str, str] | None = None,
    *,
    platform: str | None = None,
    files: list[Path] | None = None,
    ldd: Ldd = _ldd,
) -> str | None:
    """One line saying why no window can open here, or None when one can (or the check
    cannot tell: another platform plugin, no ``ldd``)."""
    env = os.environ if environ is None else environ
    if (platform or sys.platform) != "linux":
        return None
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if chosen and chosen != "xcb":
        return None  # offscreen, wayland, vnc…: not the X11 plugin
    if not chosen and env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY"):
        return None  # Qt picks its Wayland plugin
    if not env.get("DISPLAY"):
        return (
            "ParkDesk cannot open a window: there is no display (DISPLAY is not set). "
            "Run it in a desktop session, or over ssh -X."
        )
    missing = missing_libraries(_xcb_plugin_files() if files is None else files, ldd)
    if not missing:
        return None
    packages = [XCB_PACKAGES.get(name, name) for name in missing]
    return (
        f"ParkDesk cannot open a window: Qt's X11 support needs {', '.join(missing)}. "
        f"On Debian or Ubuntu: sudo apt-get install {' '.join(packages)}"
    )
