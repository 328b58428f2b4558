"""Runs ``parkdesk`` (no command: the GUI) and reports when the login dialog is shown.

Started as its own process by bench/startup.py. It patches ``LoginDialog.showEvent``
to print, as one JSON line, the seconds since this process was created, then
exits at once. Nothing else is changed, so the figure is the program's own
start-up: interpreter, imports, QApplication, settings, the dialog.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def _since_process_start() -> dict[str, float]:
    import psutil  # imported only now, so its import is not counted

    since = {"psutil": time.time() - psutil.Process().create_time()}
    # psutil's create_time adds a whole-second boot time; the kernel's boot clock is exact
    # to one clock tick, so report that too.
    with open(f"/proc/{os.getpid()}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = int(fields[19])  # field 22, starttime, counted after "pid (comm)"
    boot_now = time.clock_gettime(time.CLOCK_BOOTTIME)
    since["boottime"] = boot_now - ticks / os.sysconf("SC_CLK_TCK")
    return since


def main() -> int:
    from desktop.views.shell import login

    original = login.LoginDialog.showEvent

    def show_event(self: Any, event: Any) -> None:
        original(self, event)
        report = _since_process_start()
        report["title"] = self.windowTitle()
        sys.stdout.write(json.dumps(report) + "\n")
        sys.stdout.flush()
        os._exit(0)  # the figure is out; quitting cleanly would only add noise

    login.LoginDialog.showEvent = show_event  # type: ignore[method-assign]

    from desktop.cli import main as parkdesk

    return parkdesk([])


if __name__ == "__main__":
    raise SystemExit(main())
