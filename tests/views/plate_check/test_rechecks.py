"""When the verdict on screen is checked again by itself: at once after a change elsewhere,
then held back for a moment; never over the officer's own check; when the permit runs out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from desktop.services.live import Change, Resync
from desktop.services.platecheck import PlateQuery, PlateVerdict
from desktop.views.kit.live import LiveChanges
from desktop.views.plate_check.rechecks import (
    CHANGED_ELSEWHERE,
    LIVE_DELAY_MS,
    TIME_RAN_OUT,
    Rechecks,
)

pytestmark = pytest.mark.gui


class _FakeLive(QObject):
    """Only the two signals the re-checks listen to."""

    changed = Signal(object)
    resynced = Signal(object)


def _change(table: str) -> Change:
    return Change(table=table, operation="U", key="1", change_id=1)


def _verdict(valid_for: timedelta | None = None) -> PlateVerdict:
    checked_at = datetime.now(UTC)
    return PlateVerdict(
        query=PlateQuery("ON", "ABC123"),
        verdict="valid" if valid_for else "no_permit",
        jurisdiction="ON",
        plate="ABC123",
        reason="",
        checked_at=checked_at,
        valid_until=checked_at + valid_for if valid_for else None,
        covered=bool(valid_for),
    )


def _rechecks() -> tuple[_FakeLive, Rechecks, list[str]]:
    live = _FakeLive()
    rechecks = Rechecks(cast(LiveChanges, live), live)
    due: list[str] = []
    rechecks.due.connect(due.append)
    return live, rechecks, due


def test_a_change_elsewhere_rechecks_at_once_then_holds_the_next_back(qtbot: QtBot) -> None:
    live, rechecks, due = _rechecks()
    rechecks.follow(_verdict())
    live.changed.emit(_change("permit"))
    live.changed.emit(_change("permit_vehicle"))  # the same sale
    qtbot.waitUntil(lambda: due == [CHANGED_ELSEWHERE])

    # More changes right after: one more re-check, once the moment has passed.
    live.changed.emit(_change("vehicle"))
    live.resynced.emit(Resync(changes=(), complete=True))
    assert due == [CHANGED_ELSEWHERE]
    qtbot.waitUntil(lambda: len(due) == 2)
    qtbot.wait(3 * LIVE_DELAY_MS)
    assert due == [CHANGED_ELSEWHERE, CHANGED_ELSEWHERE]


def test_nothing_on_screen_or_nothing_that_matters_is_not_rechecked(qtbot: QtBot) -> None:
    live, rechecks, due = _rechecks()
    live.changed.emit(_change("permit"))  # no verdict yet
    rechecks.follow(_verdict())
    live.changed.emit(_change("parker"))  # cannot change a verdict
    rechecks.forget()
    live.changed.emit(_change("permit"))  # the verdict was taken away
    qtbot.wait(3 * LIVE_DELAY_MS)
    assert due == []


def test_changes_during_the_officers_own_check_wait_for_its_answer(qtbot: QtBot) -> None:
    live, rechecks, due = _rechecks()
    rechecks.follow(_verdict())
    rechecks.asking(7)
    live.changed.emit(_change("permit"))
    qtbot.wait(3 * LIVE_DELAY_MS)
    assert due == []

    rechecks.answered(6)  # an older check: still waiting for the officer's
    qtbot.wait(LIVE_DELAY_MS)
    assert due == []
    rechecks.answered(7)
    qtbot.waitUntil(lambda: due == [CHANGED_ELSEWHERE])


def test_a_permit_that_runs_out_on_screen_is_checked_again(qtbot: QtBot) -> None:
    _live, rechecks, due = _rechecks()
    rechecks.follow(_verdict(valid_for=timedelta(milliseconds=100)))
    qtbot.waitUntil(lambda: due == [TIME_RAN_OUT], timeout=5000)
