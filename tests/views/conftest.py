"""Fixtures shared by the GUI tests: private settings, an operation runner, live changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QSettings
from pytestqt.qtbot import QtBot

from desktop.services.errors import KnownError
from desktop.services.live import ChangeListener
from desktop.services.workspace import Workspace
from desktop.views.kit import operations
from desktop.views.kit.live import LiveChanges
from desktop.views.kit.operations import OperationRunner

#: How long a GUI test waits for the database and the event loop before giving up.
RUNNER_TIMEOUT_MS = 30_000


@pytest.fixture(autouse=True)
def private_settings(tmp_path: Path) -> None:
    """Each test gets its own settings file, never the person's real one."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[OperationRunner]:
    """An operation runner that has finished all its work when the test ends."""
    runner = OperationRunner()
    yield runner
    qtbot.waitUntil(lambda: not runner.busy, timeout=RUNNER_TIMEOUT_MS)


def shown_rows(model: QAbstractItemModel) -> dict[str, list[str]]:
    """A list as the person sees it: the texts of each row's cells, by its first cell."""
    rows = (
        [str(model.index(row, column).data()) for column in range(model.columnCount())]
        for row in range(model.rowCount())
    )
    return {cells[0]: cells for cells in rows}


@pytest.fixture
def live_for(qtbot: QtBot, runner: OperationRunner) -> Iterator[Callable[[Workspace], LiveChanges]]:
    """``live_for(workspace)``: that login's live changes, connected; stopped (and the
    runner idle) when the test ends."""
    lives: list[LiveChanges] = []

    def start(workspace: Workspace) -> LiveChanges:
        live = LiveChanges(ChangeListener(workspace.settings), runner)
        lives.append(live)
        with qtbot.waitSignal(live.state_changed, timeout=RUNNER_TIMEOUT_MS):
            live.start()
        qtbot.waitUntil(lambda: live.state == "live", timeout=RUNNER_TIMEOUT_MS)
        return live

    yield start
    for live in lives:
        live.stop()
    qtbot.waitUntil(lambda: not runner.busy, timeout=RUNNER_TIMEOUT_MS)


@pytest.fixture(autouse=True)
def no_unexpected_failures(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A bug shown to the person as "Something went wrong" fails the test at once, rather
    than leaving a modal box open that nobody will close."""
    shown: list[str] = []
    original = operations.show_error

    def show(parent: object, exc: BaseException, details: str = "") -> None:
        if isinstance(exc, KnownError):
            original(parent, exc, details)  # type: ignore[arg-type]
        else:
            shown.append(details or repr(exc))

    monkeypatch.setattr(operations, "show_error", show)
    yield
    if shown:
        pytest.fail(f"the desk showed an unexpected failure:\n{shown[0]}")
