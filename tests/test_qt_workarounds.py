"""Garbage is collected on the GUI thread only, as the thresholds say."""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from desktop.qt_workarounds import (
    GC_INTERVAL_MS,
    collect_garbage_here,
    collect_garbage_on_gui_thread,
)


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle only the collector frees


def test_cycles_are_collected_when_the_thresholds_are_crossed() -> None:
    gc.disable()
    gc.collect()
    threshold = gc.get_threshold()[0]
    for _ in range(threshold + 10):
        Node()
    assert gc.get_count()[0] > threshold
    assert collect_garbage_here() >= threshold  # the cycles, freed here
    assert collect_garbage_here() == 0  # nothing due: nothing done


def test_the_program_turns_automatic_collection_off_and_collects_on_a_timer(
    qapp: QCoreApplication,
) -> None:
    owner = QObject()
    gc.enable()
    timer = collect_garbage_on_gui_thread(owner)
    assert isinstance(timer, QTimer)
    assert not gc.isenabled()
    assert timer.isActive()
    assert timer.interval() == GC_INTERVAL_MS
    timer.stop()
    owner.deleteLater()
