"""Logging to a rotating file in the user's log folder (and warnings to stderr)."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs


def log_file() -> Path:
    folder = Path(
        os.environ.get("PARKDESK_LOG_DIR") or platformdirs.user_log_dir("ParkDesk", "ParkDesk")
    )
    return folder / "parkdesk.log"


def setup_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_parkdesk", False) for h in root.handlers):
        return
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._parkdesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
