"""A panel's loader: one load at a time, the newest state wins, a refusal shown in place."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.services.errors import KnownError
from desktop.views.kit.operations import Loader, OperationRunner


def test_asked_again_while_loading_it_loads_once_more_and_shows_the_newest(
    qtbot: QtBot,
) -> None:
    panel = QWidget()
    qtbot.addWidget(panel)
    runner = OperationRunner()
    gate = threading.Event()
    calls: list[int] = []
    shown: list[int] = []

    def prepare() -> Callable[[], int]:
        number = len(calls) + 1
        calls.append(number)

        def load() -> int:
            gate.wait(5)
            return number

        return load

    loader: Loader[int] = Loader(panel, runner, prepare, shown.append, lambda _exc: None)
    loader.reload()
    loader.reload()  # a burst of changes while the first load runs
    loader.reload()
    assert calls == [1]
    gate.set()
    qtbot.waitUntil(lambda: shown == [1, 2], timeout=5000)
    assert calls == [1, 2]  # the three asks made two loads, the last one newest
    assert not loader.loading
    runner.wait_for_done()


def test_a_refusal_is_shown_in_place_of_the_rows(qtbot: QtBot) -> None:
    panel = QWidget()
    qtbot.addWidget(panel)
    runner = OperationRunner()
    said: list[str] = []

    def refuse() -> int:
        raise KnownError("The server is not reachable.")

    loader: Loader[int] = Loader(
        panel, runner, lambda: refuse, lambda _n: None, lambda exc: said.append(exc.message)
    )
    loader.reload()
    qtbot.waitUntil(lambda: said == ["The server is not reachable."], timeout=5000)
    assert not loader.loading
    runner.wait_for_done()
