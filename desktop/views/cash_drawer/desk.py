"""The cash drawer desk (SPEC rule 10): a clerk opens a shift with a counted float, sees what
went through it, and closes it with a blind count; managers sign off variances.

Above, the clerk's own drawer (:mod:`.drawer_panel`); below, the shift history
(:mod:`.history_panel`). The count dialog never shows what was expected: that appears only
after the count is recorded.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut

from desktop.services.cashdrawer import CashDrawerService, DrawerState
from desktop.services.errors import NotFound
from desktop.views.cash_drawer.common import DeskUser
from desktop.views.cash_drawer.drawer_panel import DrawerPanel
from desktop.views.cash_drawer.history_panel import HistoryPanel
from desktop.views.kit.desk import Desk
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.layout import vbox
from desktop.views.kit.live import LiveBatch

#: Bursts of changes (a sale writes several rows) become one refresh.
LIVE_DELAY_MS = 150
#: Changes that can alter the drawer or the history.
LIVE_TABLES = ("cash_shift", "payment", "office_setting", "staff_member")


class CashDrawerDesk(Desk):
    """The clerk's drawer above, the history of shifts (and sign-offs) below."""

    #: The drawer panel has (re)loaded the office and the open shift.
    drawer_loaded = Signal()
    #: The history table has (re)loaded.
    history_loaded = Signal()
    #: A count was recorded and its result is on screen (a :class:`ShiftClose`).
    shift_closed = Signal(object)
    #: A shift report preview opened (the :class:`DocumentPreviewDialog`).
    report_opened = Signal(object)

    def setup(self) -> None:
        self.service = CashDrawerService(self.workspace)
        identity = self.workspace.identity
        self.is_clerk = "clerk" in identity.roles
        user = DeskUser(
            self.service, self.runner, identity.login, self.is_clerk, "manager" in identity.roles
        )
        self.setObjectName("cashDrawerDesk")
        self.drawer = DrawerPanel(user)
        self.history = HistoryPanel(user)
        vbox(self.drawer, (self.history, 1), margins=8, spacing=14, parent=self)
        self.drawer.setVisible(self.is_clerk)

        self.drawer.loaded.connect(self._drawer_arrived)
        self.drawer.shift_changed.connect(lambda shift_id: self.history.refresh(select=shift_id))
        self.drawer.shift_closed.connect(self.shift_closed)
        self.drawer.report_wanted.connect(self.open_report)
        self.history.loaded.connect(self.history_loaded)
        self.history.report_wanted.connect(self.open_report)
        self.history.refresh_button.clicked.connect(self.refresh)
        QShortcut(QKeySequence.StandardKey.Refresh, self, self.refresh)
        batch = LiveBatch(self.live, LIVE_DELAY_MS, self, complete_resync_is_quiet=True)
        batch.watch(LIVE_TABLES, self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Load the drawer and the history again."""
        self.drawer.refresh()
        self.history.refresh()

    def leave_warning(self) -> str | None:
        """An open shift stays open after logging out: say so before the clerk goes."""
        state = self.drawer.state
        if self.is_clerk and state is not None and state.current is not None:
            return (
                f"Your cash drawer shift {state.current.id} is still open; it stays "
                "open until you count the drawer and close it."
            )
        return None

    def _drawer_arrived(self, state: DrawerState) -> None:
        self.history.model.set_office(state.office)
        self.drawer_loaded.emit()

    def open_report(self, shift_id: int) -> None:
        """Preview the shift report (print and save from there)."""
        service = self.service
        self.drawer.report_button.setEnabled(False)
        self.history.report_button.setEnabled(False)
        self.runner.run_for(
            self,
            lambda: service.shift_report_pdf(shift_id),
            lambda pdf: self._report_ready(shift_id, pdf),
            self._report_failed,
        )

    def _report_ready(self, shift_id: int, pdf: bytes) -> None:
        self._report_done()
        name = f"shift-{shift_id}-report.pdf"
        preview = DocumentPreviewDialog(f"Shift report — shift {shift_id}", pdf, name, self)
        open_dialog(preview, self.report_opened)

    def _report_failed(self, exc: BaseException) -> bool:
        self._report_done()
        if isinstance(exc, NotFound):
            self.history.refresh()
        return False

    def _report_done(self) -> None:
        self.drawer.report_button.setEnabled(True)
        self.history.update_buttons()
