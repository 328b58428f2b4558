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


# -- garbage collection on the GUI thread only ---------------------------------------------
#
# Python's cyclic garbage collector runs in whichever thread happens to allocate when a
# threshold is crossed — here, often a worker of the OperationRunner. If the cycles it
# frees hold Qt objects (a closed dialog and its slots), Qt deletes them on that worker
# thread, and the process dies with a segmentation fault. So automatic collection is off,
# and the GUI thread collects, generation by generation, as the thresholds say.

#: How often the GUI thread looks at the allocation counts.
GC_INTERVAL_MS = 500


def collect_garbage_here() -> int:
    """Collect what automatic collection would have collected by now, on this thread."""
    import gc

    threshold, count = gc.get_threshold(), gc.get_count()
    collected = 0
    if count[0] > threshold[0]:
        collected += gc.collect(0)
        if count[1] > threshold[1]:
            collected += gc.collect(1)
            if count[2] > threshold[2]:
                collected += gc.collect(2)
    return collected


def collect_garbage_on_gui_thread(parent: object) -> object:
    """Turn automatic collection off and collect on a timer of the GUI thread instead;
    returns the timer (kept alive by ``parent``, a QObject)."""
    import gc

    from PySide6.QtCore import QObject, QTimer

    if not isinstance(parent, QObject):
        raise TypeError("the collector's timer needs a QObject to belong to")
    gc.disable()
    timer = QTimer(parent)
    timer.setInterval(GC_INTERVAL_MS)
    timer.timeout.connect(collect_garbage_here)
    timer.start()
    return timer
