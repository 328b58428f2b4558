"""Work-arounds for defects of Qt for Python releases that ParkDesk can meet installed.

PySide6 6.12.0 hands back ``True``/``False`` from ``SignalInstance.emit()`` and
``SignalInstance.disconnect()`` without the reference it owes: every signal emitted
from Python takes one reference from ``True``. On Python 3.11, where ``True`` is an
ordinary object, a busy session (or a benchmark) drains it, and the interpreter aborts
with "Fatal Python error: bool_dealloc" at the latest while it shuts down. Python 3.12
made ``True`` and ``False`` immortal (PEP 683), so the same release is harmless there.
pyproject.toml keeps pip from choosing that release; this module protects an
installation that has it anyway.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

#: References given to True and False when a stolen one is seen: more than any session
#: can emit signals, and far from overflowing the count (as PEP 683's immortal count).
_RESERVE = sys.maxsize >> 2

_checked = False


def signal_emit_steals_a_reference() -> bool:
    """Whether emitting a Qt signal from Python takes a reference from ``True``."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    stolen = sys.getrefcount(True) < before
    # The probe stole up to eight references itself: give them back.
    if stolen:
        _add_references(before - sys.getrefcount(True), True)
    return stolen


def keep_bools_alive_under_signal_refcount_bug() -> bool:
    """Make ``True`` and ``False`` outlive any number of signals if this PySide6 needs it.

    Call once, before signals are emitted (the program's and the benchmarks' start).
    Returns whether the work-around was needed; cheap to call again.
    """
    global _checked  # noqa: PLW0603 - one check per process
    if _checked:
        return False
    _checked = True
    if sys.version_info >= (3, 12) or hasattr(sys, "getobjects"):
        # Immortal bools, or a debug build whose object header we do not poke.
        return False
    if not signal_emit_steals_a_reference():
        return False
    import PySide6

    log.warning(
        "PySide6 %s drops a reference to True/False on every signal emitted from Python; "
        "keeping them alive (install another PySide6 release to be rid of this)",
        PySide6.__version__,
    )
    _add_references(_RESERVE, True, False)
    return True


def _add_references(count: int, *flags: bool) -> None:
    """Add ``count`` references to each of ``flags`` that are never given back.

    The count is the first field of every object on a release build of CPython 3.11,
    which is the only interpreter this is called on.
    """
    for flag in flags:
        refcount = ctypes.c_ssize_t.from_address(id(flag))
        refcount.value += count
