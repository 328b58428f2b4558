"""The date-and-time field: typed and shown on the office's clock, not the computer's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from desktop.views.kit.widgets import MomentEdit
from tests.clock import computer_zone

pytestmark = pytest.mark.gui


@pytest.fixture
def tokyo_computer() -> Iterator[None]:
    with computer_zone("Asia/Tokyo"):
        yield


@pytest.mark.usefixtures("tokyo_computer")
def test_a_moment_is_shown_and_read_on_the_offices_clock(qtbot: QtBot) -> None:
    edit = MomentEdit()
    qtbot.addWidget(edit)
    moment = datetime(2026, 12, 7, 19, 5, tzinfo=UTC)  # 14:05 in Toronto, 04:05 next day here
    edit.show_moment(moment, "America/Toronto")
    assert edit.text() == "7 Dec 2026 14:05"
    assert edit.moment("America/Toronto") == moment
    edit.lineEdit().selectAll()
    qtbot.keyClicks(edit, "15 May 2027 12:00")
    edit.interpretText()
    assert edit.moment("America/Toronto") == datetime(
        2027, 5, 15, 12, 0, tzinfo=ZoneInfo("America/Toronto")
    )
