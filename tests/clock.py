"""A computer whose clock is set to another time zone, for the tests of what the office's
clock says on it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def computer_zone(zone: str) -> Iterator[None]:
    """This process's local time is ``zone``'s (the C library's and Qt's) until the end."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()
