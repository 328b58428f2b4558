"""What every desk of the main window is given, and what it may be asked.

A desk is built from the person's workspace (their login, roles and database), the
runner that takes database work off the GUI thread, and the office's live changes. It
builds itself in :meth:`Desk.setup`; the main window asks :meth:`Desk.leave_warning`
before the person logs out or quits.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.services.workspace import Workspace
from desktop.views.kit.live import LiveChanges
from desktop.views.kit.operations import OperationRunner


class Desk(QWidget):
    """One desk: a person's work area for one job of the parking office."""

    def __init__(
        self,
        workspace: Workspace,
        runner: OperationRunner,
        live: LiveChanges,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self.live = live
        self.setup()

    def setup(self) -> None:
        """Build the desk's widgets and start loading what it shows (once, when made)."""
        raise NotImplementedError

    def leave_warning(self) -> str | None:
        """What would be lost by logging out now (unsaved edits, an open shift), or None."""
        return None
