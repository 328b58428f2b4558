"""Start-up time: from starting ``parkdesk`` to its login dialog being shown.

Three figures, each the median and max of a few runs in fresh processes: the bare
interpreter, ``python -m desktop --help`` (interpreter plus the command-line
import floor), and the GUI until ``LoginDialog.showEvent`` (through
bench/_login_shown.py, offscreen, with empty settings folders).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._setup import say, table, verdict

GOAL_SECONDS = 2.0
ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "desktop" / "app.py"
WRAPPER = Path(__file__).resolve().parent / "_login_shown.py"
TIMEOUT = 60.0


def app_exists() -> bool:
    return APP.exists()


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


def _wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    # Our own interpreter with fixed arguments.
    subprocess.run(command, env=env, capture_output=True, check=True, timeout=TIMEOUT)  # noqa: S603
    return time.perf_counter() - start


def _login_shown(env: dict[str, str]) -> dict[str, Any]:
    start = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and wrapper
        [sys.executable, str(WRAPPER)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        wall = time.perf_counter() - start
        _, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return {"error": f"no login dialog within {TIMEOUT:.0f} s"}
    if not line.strip():
        tail = stderr.strip().splitlines()[-3:]
        return {"error": "exited without showing the login dialog: " + " | ".join(tail)}
    report: dict[str, Any] = json.loads(line)
    report["wall"] = wall
    return report


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median_s": round(statistics.median(values), 3),
        "max_s": round(max(values), 3),
    }


def run(runs: int = 5) -> dict[str, Any]:
    python = sys.executable
    result: dict[str, Any] = {"goal_s": GOAL_SECONDS}
    with tempfile.TemporaryDirectory(prefix="pdstart-") as home:
        env = _environment(Path(home))
        say(f"Start-up: {runs} runs each ...")
        _wall([python, "-c", "pass"], env)  # page in the interpreter once
        result["python_bare"] = _stats([_wall([python, "-c", "pass"], env) for _ in range(runs)])
        result["cli_help"] = _stats(
            [_wall([python, "-m", "desktop", "--help"], env) for _ in range(runs)]
        )
        if app_exists():
            _login_shown(env)  # first run warms the file cache like any second launch
            reports = [_login_shown(env) for _ in range(runs)]
            errors = [r["error"] for r in reports if "error" in r]
            good = [r for r in reports if "error" not in r]
            if good:
                result["login_shown_wall"] = _stats([r["wall"] for r in good])
                result["login_shown_in_process"] = _stats([r["boottime"] for r in good])
                result["login_shown_psutil"] = _stats([r["psutil"] for r in good])
                result["dialog_title"] = good[0].get("title", "")
            if errors:
                result["errors"] = errors
        else:
            result["errors"] = ["desktop/app.py does not exist yet: login dialog not measured"]

    rows: list[list[object]] = [
        ["python -c pass (interpreter floor)", *_cols(result["python_bare"])],
        ["python -m desktop --help (CLI import floor)", *_cols(result["cli_help"])],
    ]
    if "login_shown_wall" in result:
        rows.append(
            ["parkdesk → login dialog shown (spawn → line)", *_cols(result["login_shown_wall"])]
        )
        rows.append(
            ["  same, from process creation (in-process)", *_cols(result["login_shown_in_process"])]
        )
        rows.append(
            ["  same, psutil create_time vs time.time()", *_cols(result["login_shown_psutil"])]
        )
        worst = result["login_shown_wall"]["median_s"]
        result["verdict"] = verdict(worst, GOAL_SECONDS)
    else:
        result["verdict"] = "NOT MEASURED"
    say("")
    say("3. START-UP TIME (s) — fresh processes, offscreen, empty settings folders")
    say(table(["what", "runs", "median", "max"], rows))
    for error in result.get("errors", []):
        say(f"   ! {error}")
    say(f"   Goal: login dialog under {GOAL_SECONDS:.0f} s (median) — {result['verdict']}")
    return result


def _cols(s: dict[str, float]) -> list[object]:
    return [s["n"], f"{s['median_s']:.3f}", f"{s['max_s']:.3f}"]
