"""The cash drawer desk (SPEC rule 10): a clerk opens a shift with a counted float, sees
what went through it, and closes it with a blind count; managers sign off variances.

Above, the clerk's own drawer; below, the shift history, which row-level security
limits to the clerk's own shifts and opens to every drawer for a manager. The count
dialog never shows what was expected: that appears only after the count is recorded.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import (
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.services.cashdrawer import (
    ALL,
    AWAITING,
    MINE,
    OPEN,
    CashDrawerService,
    DrawerState,
    ShiftClose,
    ShiftSummary,
)
from desktop.services.documents import Office
from desktop.services.errors import KnownError, NotFound
from desktop.services.localization import format_local, format_money
from desktop.views.cash_drawer.common import (
    BALANCED_COLOUR,
    FALLBACK_OFFICE,
    MUTED_COLOUR,
    SHORT_COLOUR,
    _error_label,
    _hint,
    _Pages,
    _payments_words,
    _title_label,
    variance_colour,
)
from desktop.views.cash_drawer.dialogs import CloseShiftDialog, SignOffDialog
from desktop.views.cash_drawer.history import ShiftHistoryModel
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.tables import (
    DeskTable,
)
from desktop.views.kit.widgets import (
    EmptyState,
    failure_while_alive,
    mark_invalid,
    while_alive,
)

if TYPE_CHECKING:
    from desktop.services.workspace import Workspace
    from desktop.views.kit.live import LiveChanges

log = logging.getLogger(__name__)


#: Bursts of changes (a sale writes several rows) become one refresh.
LIVE_DELAY_MS = 150
#: Changes that can alter the drawer or the history.
LIVE_TABLES = ("cash_shift", "payment", "office_setting", "staff_member")


#: (title in the filter, service filter)
FILTERS = (("Mine", MINE), ("Open", OPEN), ("Awaiting sign-off", AWAITING), ("All", ALL))

NO_SHIFT_TITLE = "No shift open — count your float to open one"


# -- the history table ------------------------------------------------------------------


# -- dialogs ---------------------------------------------------------------------------------


# -- the desk ------------------------------------------------------------------------------------


class CashDrawerDesk(QWidget):
    """The clerk's drawer above, the history of shifts (and sign-offs) below."""

    #: The drawer panel has (re)loaded the office and the open shift.
    drawer_loaded = Signal()
    #: The history table has (re)loaded.
    history_loaded = Signal()
    #: A count was recorded and its result is on screen (a :class:`ShiftClose`).
    shift_closed = Signal(object)
    #: A shift report preview opened (the :class:`DocumentPreviewDialog`).
    report_opened = Signal(object)

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
        self.service = CashDrawerService(workspace)
        roles = workspace.identity.roles
        self.is_clerk = "clerk" in roles
        self.is_manager = "manager" in roles
        self.setObjectName("cashDrawerDesk")

        self.state: DrawerState | None = None
        self.last_close: ShiftClose | None = None
        self.close_dialog: CloseShiftDialog | None = None
        self.sign_off_dialog: SignOffDialog | None = None
        self.report_dialog: DocumentPreviewDialog | None = None
        self._showing_result = False
        self._state_loading = False
        self._state_again = False
        self._reselect: int | None = None
        self._select_after_load: int | None = None

        self.history_model = ShiftHistoryModel(
            self.service, self.runner, self.current_filter, parent=self
        )
        self.history_model.rows_arrived.connect(self._history_arrived)
        self.history_model.failed.connect(self._history_failed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(14)
        self.drawer_panel = self._build_drawer_panel()
        self.drawer_panel.setVisible(self.is_clerk)
        layout.addWidget(self.drawer_panel)
        layout.addLayout(self._build_history_bar())
        self._build_history()
        layout.addWidget(self.history_stack, 1)

        QShortcut(QKeySequence.StandardKey.Refresh, self, self.refresh)
        batch = LiveBatch(live, LIVE_DELAY_MS, self, complete_resync_is_quiet=True)
        batch.watch(LIVE_TABLES, self.refresh)
        self.refresh()

    # -- building: the clerk's drawer -------------------------------------------------------

    def _build_drawer_panel(self) -> QFrame:
        panel = QFrame()
        panel.setObjectName("drawerPanel")
        panel.setStyleSheet(
            "QFrame#drawerPanel { background: #ffffff; border: 1px solid #dde2e9; "
            "border-radius: 6px; }"
        )
        self.drawer_stack = _Pages()
        self.loading_page = self._build_loading_page()
        self.no_shift_page = self._build_no_shift_page()
        self.open_page = self._build_open_page()
        self.result_page = self._build_result_page()
        for page in (self.loading_page, self.no_shift_page, self.open_page, self.result_page):
            self.drawer_stack.addWidget(page)

        self.report_button = QPushButton("Shift report…")
        self.report_button.setObjectName("shiftReportButton")
        self.report_button.setToolTip("Preview, print or save this shift's report")
        self.report_button.clicked.connect(self._report_current)
        self.close_button = QPushButton("Close shift…")
        self.close_button.setObjectName("closeShiftButton")
        self.close_button.setProperty("primary", True)
        self.close_button.setToolTip("Count the drawer and close the shift")
        self.close_button.clicked.connect(self.open_close_dialog)
        self.done_button = QPushButton("Done")
        self.done_button.setObjectName("resultDoneButton")
        self.done_button.setProperty("primary", True)
        self.done_button.clicked.connect(self.dismiss_result)
        actions = QVBoxLayout()
        actions.setSpacing(8)
        for button in (self.close_button, self.done_button, self.report_button):
            button.setMinimumWidth(140)
            button.setAutoDefault(True)  # Enter presses the focused button, as Space does
            actions.addWidget(button)
        actions.addStretch(1)

        row = QHBoxLayout(panel)
        row.setContentsMargins(20, 16, 20, 16)
        row.setSpacing(20)
        row.addWidget(self.drawer_stack, 1)
        row.addLayout(actions)
        self._show_drawer_page(self.loading_page)
        return panel

    def _build_loading_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.loading_label = _hint("Loading your drawer…")
        layout.addWidget(self.loading_label)
        layout.addStretch(1)
        return page

    def _build_no_shift_page(self) -> QWidget:
        page = QWidget()
        self.no_shift_title = _title_label(NO_SHIFT_TITLE)
        text = _hint(
            "Count the cash in your drawer and enter the total. Cash payments and refunds "
            "you handle are added to this float until you close the shift."
        )
        caption = QLabel("&Counted float")
        self.open_float_edit = QLineEdit()
        self.open_float_edit.setObjectName("openFloatEdit")
        self.open_float_edit.setPlaceholderText("e.g. 150.00")
        self.open_float_edit.setMaxLength(20)
        self.open_float_edit.setFixedWidth(170)
        self.open_float_edit.setAccessibleName("Counted float")
        caption.setBuddy(self.open_float_edit)
        self.open_float_edit.returnPressed.connect(self.open_shift)
        self.open_float_edit.textEdited.connect(lambda _t: self._clear_open_error())
        self.open_button = QPushButton("Open shift")
        self.open_button.setObjectName("openShiftButton")
        self.open_button.setProperty("primary", True)
        self.open_button.setAutoDefault(True)
        self.open_button.clicked.connect(self.open_shift)
        self.open_error = _error_label()
        form = QHBoxLayout()
        form.setSpacing(10)
        form.addWidget(caption)
        form.addWidget(self.open_float_edit)
        form.addWidget(self.open_button)
        form.addStretch(1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.no_shift_title)
        layout.addWidget(text)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.open_error)
        layout.addStretch(1)
        return page

    def _build_open_page(self) -> QWidget:
        page = QWidget()
        self.shift_title = _title_label()
        self.shift_title.setObjectName("shiftTitle")
        self.shift_facts = _hint()
        self.shift_facts.setObjectName("shiftFacts")
        self.totals_grid = QGridLayout()
        self.totals_grid.setHorizontalSpacing(28)
        self.totals_grid.setVerticalSpacing(4)
        self.no_payments_label = _hint("No payments yet in this shift.")
        count_hint = _hint(
            "To close, you count the drawer by denomination; what it should hold is shown "
            "after your count is recorded."
        )
        totals_row = QHBoxLayout()
        totals_row.addLayout(self.totals_grid)
        totals_row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.shift_title)
        layout.addWidget(self.shift_facts)
        layout.addSpacing(4)
        layout.addLayout(totals_row)
        layout.addWidget(self.no_payments_label)
        layout.addSpacing(4)
        layout.addWidget(count_hint)
        layout.addStretch(1)
        return page

    def _build_result_page(self) -> QWidget:
        page = QWidget()
        self.result_title = _title_label()
        self.result_title.setObjectName("resultTitle")
        self.result_facts = _hint()
        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(5)
        self.result_counted = QLabel()
        self.result_expected = QLabel()
        for row, (caption, label) in enumerate(
            (("Counted", self.result_counted), ("Expected", self.result_expected))
        ):
            grid.addWidget(_hint(caption), row, 0)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, row, 1)
        self.variance_label = QLabel()
        self.variance_label.setObjectName("varianceLabel")
        self.variance_label.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        grid.addWidget(_hint("Variance"), 2, 0)
        grid.addWidget(self.variance_label, 2, 1)
        grid_row = QHBoxLayout()
        grid_row.addLayout(grid)
        grid_row.addStretch(1)
        self.result_note = QLabel()
        self.result_note.setObjectName("resultNote")
        self.result_note.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.result_title)
        layout.addWidget(self.result_facts)
        layout.addSpacing(4)
        layout.addLayout(grid_row)
        layout.addSpacing(2)
        layout.addWidget(self.result_note)
        layout.addStretch(1)
        return page

    # -- building: the history ----------------------------------------------------------------

    def _build_history_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(8)
        title = QLabel("Shifts" if self.is_manager else "Your shifts")
        title.setStyleSheet("font-size: 11pt; font-weight: 600; color: #111827;")
        caption = QLabel("&Show")
        self.filter_combo = QComboBox()
        self.filter_combo.setObjectName("shiftFilter")
        for text, key in FILTERS:
            self.filter_combo.addItem(text, key)
        default = AWAITING if self.is_manager else MINE
        self.filter_combo.setCurrentIndex([key for _t, key in FILTERS].index(default))
        caption.setBuddy(self.filter_combo)
        self.filter_combo.currentIndexChanged.connect(lambda _i: self.refresh_history())
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.history_report_button = QPushButton("Shift report…")
        self.history_report_button.setObjectName("historyReportButton")
        self.history_report_button.setToolTip("Report of the selected shift (Enter)")
        self.history_report_button.clicked.connect(self._report_selected)
        self.sign_off_button = QPushButton("Sign off…")
        self.sign_off_button.setObjectName("signOffShiftButton")
        self.sign_off_button.setProperty("primary", True)
        self.sign_off_button.clicked.connect(self.sign_off_selected)
        self.sign_off_button.setVisible(self.is_manager)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Load the drawer and the shifts again (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        bar.addWidget(title)
        bar.addSpacing(12)
        bar.addWidget(caption)
        bar.addWidget(self.filter_combo)
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.history_report_button)
        bar.addWidget(self.sign_off_button)
        for button in (self.refresh_button, self.history_report_button, self.sign_off_button):
            button.setAutoDefault(True)
        return bar

    def _build_history(self) -> None:
        view = DeskTable(self.history_model)
        view.setObjectName("shiftHistory")
        view.setShowGrid(False)
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 12)
        view.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.history_view = view
        view.activated.connect(lambda _index: self._report_selected())
        view.selectionModel().selectionChanged.connect(lambda *_: self._update_history_buttons())
        self.history_empty = EmptyState("", "")
        self.history_stack = QStackedWidget()
        self.history_stack.addWidget(view)
        self.history_stack.addWidget(self.history_empty)

    def leave_warning(self) -> str | None:
        """An open shift stays open after logging out: say so before the clerk goes."""
        if self.is_clerk and self.state is not None and self.state.current is not None:
            return (
                f"Your cash drawer shift {self.state.current.id} is still open; it stays "
                "open until you count the drawer and close it."
            )
        return None

    # -- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Load the drawer and the history again."""
        self.refresh_drawer()
        self.refresh_history()

    def refresh_drawer(self) -> None:
        if self._state_loading:
            self._state_again = True
            return
        self._state_loading = True
        self.runner.run(
            self.service.state,
            while_alive(self, self._drawer_arrived),
            failure_while_alive(self, self._drawer_failed),
            parent=self,
        )

    def _drawer_arrived(self, state: DrawerState) -> None:
        self._state_loading = False
        self.state = state
        self.history_model.set_office(state.office)
        if self.is_clerk:
            self._show_state(state)
        self.drawer_loaded.emit()
        if self._state_again:
            self._state_again = False
            self.refresh_drawer()

    def _drawer_failed(self, exc: BaseException) -> bool:
        self._state_loading = False
        if isinstance(exc, KnownError):
            self.loading_label.setText(f"The drawer could not be loaded: {exc.message}")
            if self.state is None:
                self._show_drawer_page(self.loading_page)
            return True
        return False

    def current_filter(self) -> str:
        return str(self.filter_combo.currentData())

    def refresh_history(self) -> None:
        """The shifts of the chosen filter again; the rows on screen stay until they arrive."""
        self._reselect = self._select_after_load or self.selected_shift_id()
        self._select_after_load = None
        self.history_model.refresh()

    def _history_arrived(self) -> None:
        selected, self._reselect = self._reselect, None
        if selected is not None:
            self.select_shift(selected)
        self._update_history_view()
        self.history_loaded.emit()

    def _history_failed(self, message: str) -> None:
        self.history_empty.title.setText("The shifts could not be loaded")
        self.history_empty.text.setText(message)
        self.history_stack.setCurrentWidget(self.history_empty)

    def _update_history_view(self) -> None:
        rows = self.history_model.rowCount()
        more = "+" if self.history_model.canFetchMore(QModelIndex()) else ""
        self.count_label.setText(f"{rows}{more} shift{'' if rows == 1 else 's'}")
        if rows:
            self.history_stack.setCurrentWidget(self.history_view)
        else:
            title, text = self._empty_words()
            self.history_empty.title.setText(title)
            self.history_empty.text.setText(text)
            self.history_stack.setCurrentWidget(self.history_empty)
        self._update_history_buttons()

    def _empty_words(self) -> tuple[str, str]:
        show = self.current_filter()
        if show == AWAITING:
            return (
                "No variances await sign-off",
                "Every closed shift balanced or has been signed off. Choose All to see them.",
            )
        if show == OPEN:
            return ("No shift is open", "Open shifts appear here until the drawer is counted.")
        if self.is_clerk:
            return ("No shifts yet", "Your shifts appear here once you open one.")
        return ("No shifts yet", "Clerks' shifts appear here once they open their drawers.")

    # -- the clerk's drawer ---------------------------------------------------------------------

    def _show_drawer_page(self, page: QWidget) -> None:
        self.drawer_stack.setCurrentWidget(page)
        self.close_button.setVisible(page is self.open_page)
        self.done_button.setVisible(page is self.result_page)
        # A clerk's own open shift has no report yet: it would add up the cash the blind
        # count is about (the database refuses it too).
        self.report_button.setVisible(
            page is self.result_page or (page is self.open_page and self.is_manager)
        )

    def _show_state(self, state: DrawerState) -> None:
        if self._showing_result and state.current is None:
            return  # the clerk is reading the result of their count
        self._showing_result = False
        if state.current is None:
            self._show_no_shift()
        else:
            self._show_open_shift(state.current, state.office)

    def _show_no_shift(self) -> None:
        was_shown = self.drawer_stack.currentWidget() is self.no_shift_page
        self._show_drawer_page(self.no_shift_page)
        self.open_button.setEnabled(True)
        self.open_button.setText("Open shift")
        if not was_shown and self.isVisible():
            self.open_float_edit.setFocus()

    def _show_open_shift(self, shift: ShiftSummary, office: Office) -> None:
        money, zone = office.currency, office.time_zone
        self.shift_title.setText(f"Shift {shift.id} is open")
        self.shift_facts.setText(
            f"Opened {format_local(shift.opened_at, zone)} · float "
            f"{format_money(shift.opening_float, money)} · {_payments_words(shift.payment_count)}"
        )
        self._fill_totals(shift, money)
        self._show_drawer_page(self.open_page)

    def _fill_totals(self, shift: ShiftSummary, currency: str) -> None:
        grid = self.totals_grid
        while grid.count():
            item = grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.no_payments_label.setVisible(not shift.totals)
        if not shift.totals:
            return
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for column, caption in enumerate(("Tender", "Received", "Paid out")):
            head = QLabel(caption)
            head.setStyleSheet(f"font-weight: 600; color: {MUTED_COLOUR};")
            grid.addWidget(head, 0, column, right if column else Qt.AlignmentFlag.AlignLeft)
        for row, total in enumerate(shift.totals, start=1):
            grid.addWidget(QLabel(total.title), row, 0)
            for column, amount in ((1, total.received), (2, total.paid_out)):
                # Cash is counted blind at close: the desk never shows what to expect.
                text = (
                    format_money(amount, currency)
                    if amount is not None
                    else ("counted at close" if column == 1 else "")
                )
                label = QLabel(text)
                label.setObjectName(f"total_{total.tender}_{'in' if column == 1 else 'out'}")
                if amount is None:
                    label.setStyleSheet(f"color: {MUTED_COLOUR};")
                    label.setToolTip(
                        f"{_payments_words(total.payments)} in cash. What the drawer should hold "
                        "is shown only after the blind count."
                    )
                grid.addWidget(label, row, column, right)

    def totals_text(self) -> dict[str, tuple[str, str]]:
        """The running totals as shown: tender -> (received, paid out)."""
        shown: dict[str, tuple[str, str]] = {}
        for label in self.open_page.findChildren(QLabel):
            name = label.objectName()
            if name.startswith("total_") and shiboken6.isValid(label):
                _, tender, direction = name.split("_")
                received, paid = shown.get(tender, ("", ""))
                shown[tender] = (
                    (label.text(), paid) if direction == "in" else (received, label.text())
                )
        return shown

    def open_shift(self) -> None:
        if not self.open_button.isEnabled():
            return
        self._clear_open_error()
        typed, service = self.open_float_edit.text(), self.service
        self.open_button.setEnabled(False)
        self.open_button.setText("Opening…")
        self.runner.run(
            lambda: service.open_shift(typed),
            while_alive(self, self._shift_opened),
            failure_while_alive(self, self._open_failed),
            write=True,
            parent=self,
        )

    def _shift_opened(self, shift: ShiftSummary) -> None:
        self.open_float_edit.clear()
        self.open_button.setEnabled(True)
        self.open_button.setText("Open shift")
        self._showing_result = False
        if self.state is not None:
            # Close shift… works at once, before the refresh below is back.
            self.state = replace(self.state, current=shift)
        office = self.state.office if self.state else FALLBACK_OFFICE
        self._show_open_shift(shift, office)
        self._select_after_load = shift.id
        self.refresh()
        self.close_button.setFocus()

    def _open_failed(self, exc: BaseException) -> bool:
        self.open_button.setEnabled(True)
        self.open_button.setText("Open shift")
        if isinstance(exc, KnownError):
            self.open_error.setText(exc.message)
            self.open_error.setVisible(True)
            mark_invalid(self.open_float_edit, True)
            self.open_float_edit.setFocus()
            self.open_float_edit.selectAll()
            # Someone (this clerk, elsewhere) may have opened a shift meanwhile.
            self.refresh_drawer()
            return True
        return False

    def _clear_open_error(self) -> None:
        self.open_error.setVisible(False)
        mark_invalid(self.open_float_edit, False)

    def open_close_dialog(self) -> CloseShiftDialog | None:
        state = self.state
        if state is None or state.current is None:
            return None
        dialog = CloseShiftDialog(
            self.service,
            self.runner,
            state.current,
            denominations=state.denominations,
            currency=state.office.currency,
            parent=self,
        )
        dialog.closed.connect(self._shift_closed)
        dialog.finished.connect(dialog.deleteLater)
        self.close_dialog = dialog
        dialog.open()
        return dialog

    def _shift_closed(self, close: ShiftClose) -> None:
        self.last_close = close
        self.show_result(close)
        self._select_after_load = close.shift_id
        self.refresh()
        self.shift_closed.emit(close)

    def show_result(self, close: ShiftClose) -> None:
        """What the count came to against what was expected, after it was recorded."""
        office = self.state.office if self.state else FALLBACK_OFFICE
        money = close.currency
        self._showing_result = True
        self.result_title.setText(f"Shift {close.shift_id} is closed")
        self.result_facts.setText(f"Closed {format_local(close.closed_at, office.time_zone)}")
        self.result_counted.setText(format_money(close.counted, money))
        self.result_expected.setText(format_money(close.expected, money))
        colour = variance_colour(close.variance)
        self.variance_label.setText(close.words)
        self.variance_label.setStyleSheet(f"font-weight: 600; color: {colour};")
        if close.needs_sign_off:
            self.result_note.setText(
                "The count does not match what the drawer should hold, so the shift awaits a "
                "manager's sign-off."
            )
            self.result_note.setStyleSheet(f"color: {SHORT_COLOUR};")
        else:
            self.result_note.setText("The drawer balanced. No sign-off is needed.")
            self.result_note.setStyleSheet(f"color: {BALANCED_COLOUR};")
        self._show_drawer_page(self.result_page)
        self.done_button.setFocus()

    def dismiss_result(self) -> None:
        self._showing_result = False
        if self.state is not None:
            self._show_state(self.state)
        self.refresh_drawer()

    # -- reports and sign-off ------------------------------------------------------------------

    def _report_current(self) -> None:
        if self.drawer_stack.currentWidget() is self.result_page and self.last_close:
            self.open_report(self.last_close.shift_id)
        elif self.state is not None and self.state.current is not None:
            self.open_report(self.state.current.id)

    def _report_selected(self) -> None:
        if self.history_report_button.isEnabled() and (shift_id := self.selected_shift_id()):
            self.open_report(shift_id)

    def open_report(self, shift_id: int) -> None:
        """Preview the shift report (print and save from there)."""
        service = self.service
        self.report_button.setEnabled(False)
        self.history_report_button.setEnabled(False)
        self.runner.run(
            lambda: service.shift_report_pdf(shift_id),
            while_alive(self, lambda pdf: self._report_ready(shift_id, pdf)),
            failure_while_alive(self, self._report_failed),
            parent=self,
        )

    def _report_ready(self, shift_id: int, pdf: bytes) -> None:
        self.report_button.setEnabled(True)
        self._update_history_buttons()
        dialog = DocumentPreviewDialog(
            f"Shift report — shift {shift_id}", pdf, f"shift-{shift_id}-report.pdf", self
        )
        dialog.finished.connect(dialog.deleteLater)
        self.report_dialog = dialog
        dialog.open()
        self.report_opened.emit(dialog)

    def _report_failed(self, exc: BaseException) -> bool:
        self.report_button.setEnabled(True)
        self._update_history_buttons()
        if isinstance(exc, NotFound):
            self.refresh_history()
        return False

    def selected_shift(self) -> ShiftSummary | None:
        rows = self.history_view.selectionModel().selectedRows()
        return self.history_model.shift_at(rows[0].row()) if rows else None

    def selected_shift_id(self) -> int | None:
        shift = self.selected_shift()
        return shift.id if shift else None

    def select_shift(self, shift_id: int) -> bool:
        row = self.history_model.row_of(shift_id)
        if row is None:
            return False
        self.history_view.selectRow(row)
        self.history_view.scrollTo(self.history_model.index(row, 0))
        return True

    def _update_history_buttons(self) -> None:
        shift = self.selected_shift()
        reportable = shift is not None and (self.is_manager or not shift.is_open)
        self.history_report_button.setEnabled(reportable)
        self.history_report_button.setToolTip(
            "Report of the selected shift (Enter)"
            if reportable or shift is None
            else "The report of your shift is ready once you have counted and closed it"
        )
        can_sign = (
            self.is_manager
            and shift is not None
            and shift.needs_sign_off
            and shift.clerk != self.workspace.identity.login
        )
        self.sign_off_button.setEnabled(can_sign)
        if shift is None:
            tip = "Select a closed shift with a variance"
        elif not shift.needs_sign_off:
            tip = "Only a closed shift with a variance not yet signed off needs this"
        elif not can_sign:
            tip = "Another manager signs off your own drawer"
        else:
            tip = "Accept the variance of the selected shift, with a note"
        self.sign_off_button.setToolTip(tip)

    def sign_off_selected(self) -> SignOffDialog | None:
        shift = self.selected_shift()
        if shift is None or not self.sign_off_button.isEnabled():
            return None
        office = self.state.office if self.state else self.history_model.office
        dialog = SignOffDialog(self.service, self.runner, shift, office, self)
        dialog.signed.connect(self._signed_off)
        dialog.finished.connect(dialog.deleteLater)
        self.sign_off_dialog = dialog
        dialog.open()
        return dialog

    def _signed_off(self, shift: ShiftSummary) -> None:
        self._select_after_load = shift.id
        self.refresh_history()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.drawer_stack.currentWidget() is self.no_shift_page:
            self.open_float_edit.setFocus()


__all__ = [
    "CashDrawerDesk",
    "CloseShiftDialog",
    "ShiftHistoryModel",
    "SignOffDialog",
]
