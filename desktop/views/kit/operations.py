"""Database work off the GUI thread, results back on it by signal.

``runner.run(fn, on_done)`` runs ``fn`` on a thread pool and calls ``on_done``
with its result on the GUI thread. Writes go through a single-thread pool so
they stay in the order the person made them. Failures become dialogs: a
:class:`KnownError` shows its message; anything else is logged as a bug and
shown as "something went wrong" with a copyable report.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.services.errors import KnownError
from desktop.views.kit.widgets import failure_while_alive, while_alive

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object, str)


class _Task(QRunnable, Generic[T]):
    def __init__(self, fn: Callable[[], T]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.setAutoDelete(False)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:
            details = "".join(traceback.format_exception(exc))
            self.signals.failed.emit(exc, details)
        else:
            self.signals.succeeded.emit(result)


def show_error(parent: QWidget | None, exc: BaseException, details: str = "") -> None:
    """Show a failure the way a person can act on it."""
    if isinstance(exc, KnownError):
        QMessageBox.warning(parent, "ParkDesk", exc.message)
        return
    log.error("unexpected failure: %s\n%s", exc, details)
    box = QMessageBox(QMessageBox.Icon.Critical, "ParkDesk", "Something went wrong.", parent=parent)
    box.setInformativeText(
        "The operation was not completed and nothing was changed. "
        "The details below are also in the log file; please pass them on to your administrator."
    )
    box.setDetailedText(details or repr(exc))
    box.exec()


class OperationRunner(QObject):
    """Runs service calls on worker threads and reports back on the GUI thread."""

    #: Emitted whenever the number of running operations changes (for busy indicators).
    busy_changed = Signal(bool)
    #: Emitted after any operation finished, successfully or not (tests wait on it).
    finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(4)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)
        self._pending: set[_Task[Any]] = set()

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def run(
        self,
        fn: Callable[[], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], bool | None] | None = None,
        *,
        write: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """Run ``fn`` off the GUI thread.

        ``on_failure`` may handle an error itself and return True; otherwise the
        error is shown in a dialog over ``parent``.
        """
        task: _Task[T] = _Task(fn)
        was_busy = self.busy
        self._pending.add(task)

        def succeeded(result: object) -> None:
            self._done(task)
            if on_success is not None:
                on_success(result)  # type: ignore[arg-type]
            self.finished.emit()

        def failed(exc: BaseException, details: str) -> None:
            self._done(task)
            handled = on_failure(exc) if on_failure is not None else False
            if not handled:
                show_error(parent, exc, details)
            self.finished.emit()

        task.signals.succeeded.connect(succeeded)
        task.signals.failed.connect(failed)
        if not was_busy:
            self.busy_changed.emit(True)
        (self._writes if write else self._reads).start(task)

    def run_for(
        self,
        owner: QWidget,
        fn: Callable[[], T],
        done: Callable[[T], object] | None = None,
        failed: Callable[[BaseException], bool | None] | None = None,
        *,
        write: bool = False,
    ) -> None:
        """:meth:`run` on behalf of ``owner``: ``done`` and ``failed`` are called only while
        it is still there (a window closed meanwhile hears nothing), errors show over it."""
        self.run(
            fn,
            None if done is None else while_alive(owner, done),
            None if failed is None else failure_while_alive(owner, failed),
            write=write,
            parent=owner,
        )

    def _done(self, task: _Task[Any]) -> None:
        self._pending.discard(task)
        if not self._pending:
            self.busy_changed.emit(False)

    def wait_for_done(self, msecs: int = 10_000) -> bool:
        """Block until the pools are idle (shutdown only; never in normal GUI flow)."""
        return self._reads.waitForDone(msecs) and self._writes.waitForDone(msecs)


class Loader(QObject, Generic[T]):
    """Loads what a panel shows, one load at a time.

    Asked again while a load runs (a burst of live changes, a refresh key pressed twice),
    it loads once more when the answer is in, so the newest state always wins and no two
    answers race. ``prepare`` runs on the GUI thread and returns the call to run off it
    (read the panel's filters there, never in the call); ``shown`` gets the answer, and
    ``failed`` a refusal to show in place of the rows (anything else is a bug the runner
    reports).
    """

    def __init__(
        self,
        owner: QWidget,
        runner: OperationRunner,
        prepare: Callable[[], Callable[[], T]],
        shown: Callable[[T], None],
        failed: Callable[[KnownError], None],
    ) -> None:
        super().__init__(owner)
        self._owner, self._runner = owner, runner
        self._prepare, self._shown, self._failed = prepare, shown, failed
        self.loading = False
        self._again = False

    def reload(self) -> None:
        if self.loading:
            self._again = True
            return
        self.loading = True
        self._runner.run_for(self._owner, self._prepare(), self._arrived, self._refused)

    def _arrived(self, answer: T) -> None:
        self.loading = False
        self._shown(answer)
        if self._again:
            self._again = False
            self.reload()

    def _refused(self, exc: BaseException) -> bool:
        self.loading = False
        if isinstance(exc, KnownError):
            self._failed(exc)
            return True
        return False
