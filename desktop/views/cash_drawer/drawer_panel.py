"""The clerk's own drawer: open a shift with a counted float, see what went through it,
count and close it, and read what the count came to against what was expected."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QWidget

from desktop.services.cashdrawer import DrawerState, ShiftClose, ShiftSummary
from desktop.services.documents import Office
from desktop.services.errors import KnownError
from desktop.services.localization import format_local, format_money
from desktop.views.cash_drawer.common import (
    BALANCED_COLOUR,
    FALLBACK_OFFICE,
    MUTED_COLOUR,
    RIGHT,
    SHORT_COLOUR,
    DeskUser,
    action_button,
    add_column_heads,
    facts_grid,
    hint_label,
    payments_words,
    show_variance,
    title_label,
)
from desktop.views.cash_drawer.dialogs import CloseShiftDialog
from desktop.views.kit.forms import DialogSlot
from desktop.views.kit.layout import STRETCH, Item, Space, hbox, holder, label, line_edit, vbox
from desktop.views.kit.operations import Loader
from desktop.views.kit.widgets import mark_invalid

NO_SHIFT_TITLE = "No shift open — count your float to open one"


def _page(*parts: Item) -> QWidget:
    """A page of the drawer: its widgets and rows from the top, the room left below them."""
    return holder(vbox(*parts, STRETCH, spacing=8))


class DrawerPanel(QFrame):
    """The clerk's drawer: no shift yet, the open shift, or the result of the count just
    recorded. It loads the office for the whole desk, so a manager's desk keeps it, hidden."""

    #: The office and the clerk's open shift have (re)loaded (a :class:`DrawerState`).
    loaded = Signal(object)
    #: A shift was opened or closed here (its id): the history shows it.
    shift_changed = Signal(int)
    #: A count was recorded and its result is on screen (a :class:`ShiftClose`).
    shift_closed = Signal(object)
    #: The clerk asked for a shift's report (its id).
    report_wanted = Signal(int)

    def __init__(self, user: DeskUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user, self.service, self.runner = user, user.service, user.runner
        self.state: DrawerState | None = None
        self.last_close: ShiftClose | None = None
        self._showing_result = False
        self.close_dialog: DialogSlot[CloseShiftDialog] = DialogSlot(self._shift_closed)
        self.loader = Loader(
            self, self.runner, lambda: self.service.state, self._arrived, self._load_failed
        )
        self.setObjectName("drawerPanel")
        self.setStyleSheet(
            "QFrame#drawerPanel { background: #ffffff; border: 1px solid #dde2e9; "
            "border-radius: 6px; }"
        )
        self.loading_label = hint_label("Loading your drawer…")
        self.loading_page = _page(self.loading_label)
        self.no_shift_page = self._build_no_shift_page()
        self.open_page = self._build_open_page()
        self.result_page = self._build_result_page()
        # One page at a time, and the panel only as tall as that page (a stacked widget is
        # as tall as its tallest page, wrapped text included).
        self.pages = (self.loading_page, self.no_shift_page, self.open_page, self.result_page)
        self.page = self.loading_page

        self.report_button = action_button(
            "Shift report…",
            "shiftReportButton",
            self._report_current,
            tip="Preview, print or save this shift's report",
        )
        self.close_button = action_button(
            "Close shift…",
            "closeShiftButton",
            self.open_close_dialog,
            tip="Count the drawer and close the shift",
            primary=True,
        )
        self.done_button = action_button(
            "Done", "resultDoneButton", self.dismiss_result, primary=True
        )
        for button in (self.close_button, self.done_button, self.report_button):
            button.setMinimumWidth(140)
        actions = vbox(self.close_button, self.done_button, self.report_button, STRETCH, spacing=8)
        hbox(
            (holder(vbox(*self.pages)), 1),
            actions,
            margins=(20, 16, 20, 16),
            spacing=20,
            parent=self,
        )
        self._show_page(self.loading_page)

    def _build_no_shift_page(self) -> QWidget:
        self.no_shift_title = title_label(NO_SHIFT_TITLE)
        caption = label("&Counted float")
        self.open_float_edit = line_edit(placeholder="e.g. 150.00", max_length=20)
        self.open_float_edit.setObjectName("openFloatEdit")
        self.open_float_edit.setFixedWidth(170)
        self.open_float_edit.setAccessibleName("Counted float")
        caption.setBuddy(self.open_float_edit)
        self.open_float_edit.returnPressed.connect(self.open_shift)
        self.open_float_edit.textEdited.connect(lambda _t: self._show_open_error(""))
        self.open_button = action_button(
            "Open shift", "openShiftButton", self.open_shift, primary=True
        )
        self.open_error = label(name="formError", wrap=True)
        self.open_error.hide()
        return _page(
            self.no_shift_title,
            hint_label(
                "Count the cash in your drawer and enter the total. Cash payments and refunds "
                "you handle are added to this float until you close the shift."
            ),
            Space(4),
            hbox(caption, self.open_float_edit, self.open_button, STRETCH, spacing=10),
            self.open_error,
        )

    def _build_open_page(self) -> QWidget:
        self.shift_title = title_label()
        self.shift_title.setObjectName("shiftTitle")
        self.shift_facts = label(name="shiftFacts", wrap=True)
        self.totals_grid = QGridLayout()
        self.totals_grid.setHorizontalSpacing(28)
        self.totals_grid.setVerticalSpacing(4)
        self.no_payments_label = hint_label("No payments yet in this shift.")
        return _page(
            self.shift_title,
            self.shift_facts,
            Space(4),
            hbox(self.totals_grid, STRETCH),
            self.no_payments_label,
            Space(4),
            hint_label(
                "To close, you count the drawer by denomination; what it should hold is shown "
                "after your count is recorded."
            ),
        )

    def _build_result_page(self) -> QWidget:
        self.result_title = title_label()
        self.result_title.setObjectName("resultTitle")
        self.result_facts = hint_label()
        self.result_counted = label()
        self.result_expected = label()
        self.variance_label = label(name="varianceLabel")
        grid = facts_grid(
            [
                ("Counted", self.result_counted),
                ("Expected", self.result_expected),
                ("Variance", self.variance_label),
            ],
            spacing=28,
        )
        self.result_note = label(name="resultNote", wrap=True)
        return _page(
            self.result_title, self.result_facts, Space(4), grid, Space(2), self.result_note
        )

    def refresh(self) -> None:
        """The office and the clerk's open shift again."""
        self.loader.reload()

    def _arrived(self, state: DrawerState) -> None:
        self.state = state
        if self.user.is_clerk:
            self._show_state(state)
        self.loaded.emit(state)

    def _load_failed(self, exc: KnownError) -> None:
        self.loading_label.setText(f"The drawer could not be loaded: {exc.message}")
        if self.state is None:
            self._show_page(self.loading_page)

    @property
    def office(self) -> Office:
        return self.state.office if self.state else FALLBACK_OFFICE

    def _show_page(self, page: QWidget) -> None:
        self.page = page
        for other in self.pages:
            other.setVisible(other is page)
        self.close_button.setVisible(page is self.open_page)
        self.done_button.setVisible(page is self.result_page)
        # A clerk's own open shift has no report yet: it would add up the cash the blind
        # count is about (the database refuses it too).
        self.report_button.setVisible(
            page is self.result_page or (page is self.open_page and self.user.is_manager)
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
        was_shown = self.page is self.no_shift_page
        self._show_page(self.no_shift_page)
        self._set_opening(False)
        if not was_shown and self.isVisible():
            self.open_float_edit.setFocus()

    def _show_open_shift(self, shift: ShiftSummary, office: Office) -> None:
        money, zone = office.currency, office.time_zone
        self.shift_title.setText(f"Shift {shift.id} is open")
        self.shift_facts.setText(
            f"Opened {format_local(shift.opened_at, zone)} · float "
            f"{format_money(shift.opening_float, money)} · {payments_words(shift.payment_count)}"
        )
        self._fill_totals(shift, money)
        self._show_page(self.open_page)

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
        add_column_heads(grid, ("Tender", "Received", "Paid out"))
        for row, total in enumerate(shift.totals, start=1):
            grid.addWidget(label(total.title), row, 0)
            cells = ((total.received, "in", "counted at close"), (total.paid_out, "out", ""))
            for column, (amount, way, withheld) in enumerate(cells, start=1):
                # Cash is counted blind at close: the desk never shows what to expect.
                text = withheld if amount is None else format_money(amount, currency)
                cell = label(text, name=f"total_{total.tender}_{way}")
                if amount is None:
                    cell.setStyleSheet(f"color: {MUTED_COLOUR};")
                    cell.setToolTip(
                        f"{payments_words(total.payments)} in cash. What the drawer should hold "
                        "is shown only after the blind count."
                    )
                grid.addWidget(cell, row, column, RIGHT)

    def open_shift(self) -> None:
        if not self.open_button.isEnabled():
            return
        self._show_open_error("")
        typed, service = self.open_float_edit.text(), self.service
        self._set_opening(True)
        self.runner.run_for(
            self,
            lambda: service.open_shift(typed),
            self._shift_opened,
            self._open_failed,
            write=True,
        )

    def _set_opening(self, opening: bool) -> None:
        self.open_button.setEnabled(not opening)
        self.open_button.setText("Opening…" if opening else "Open shift")

    def _shift_opened(self, shift: ShiftSummary) -> None:
        self.open_float_edit.clear()
        self._set_opening(False)
        self._showing_result = False
        if self.state is not None:
            # Close shift… works at once, before the refresh below is back.
            self.state = replace(self.state, current=shift)
        self._show_open_shift(shift, self.office)
        self.refresh()
        self.shift_changed.emit(shift.id)
        self.close_button.setFocus()

    def _open_failed(self, exc: BaseException) -> bool:
        self._set_opening(False)
        if isinstance(exc, KnownError):
            self._show_open_error(exc.message)
            self.open_float_edit.setFocus()
            self.open_float_edit.selectAll()
            # Someone (this clerk, elsewhere) may have opened a shift meanwhile.
            self.refresh()
            return True
        return False

    def _show_open_error(self, message: str) -> None:
        self.open_error.setText(message)
        self.open_error.setVisible(bool(message))
        mark_invalid(self.open_float_edit, bool(message))

    def open_close_dialog(self) -> CloseShiftDialog | None:
        state = self.state
        shift = state.current if state is not None else None
        if state is None or shift is None:
            return None
        return self.close_dialog.open(
            lambda: CloseShiftDialog(
                self.service,
                self.runner,
                shift,
                denominations=state.denominations,
                currency=state.office.currency,
                parent=self,
            )
        )

    def _shift_closed(self, close: ShiftClose) -> None:
        self.last_close = close
        self.show_result(close)
        self.refresh()
        self.shift_changed.emit(close.shift_id)
        self.shift_closed.emit(close)

    def show_result(self, close: ShiftClose) -> None:
        """What the count came to against what was expected, after it was recorded."""
        self._showing_result = True
        self.result_title.setText(f"Shift {close.shift_id} is closed")
        self.result_facts.setText(f"Closed {format_local(close.closed_at, self.office.time_zone)}")
        self.result_counted.setText(format_money(close.counted, close.currency))
        self.result_expected.setText(format_money(close.expected, close.currency))
        show_variance(self.variance_label, close.variance, close.currency)
        if close.needs_sign_off:
            self.result_note.setText(
                "The count does not match what the drawer should hold, so the shift awaits a "
                "manager's sign-off."
            )
            self.result_note.setStyleSheet(f"color: {SHORT_COLOUR};")
        else:
            self.result_note.setText("The drawer balanced. No sign-off is needed.")
            self.result_note.setStyleSheet(f"color: {BALANCED_COLOUR};")
        self._show_page(self.result_page)
        self.done_button.setFocus()

    def dismiss_result(self) -> None:
        self._showing_result = False
        if self.state is not None:
            self._show_state(self.state)
        self.refresh()

    def _report_current(self) -> None:
        if self.page is self.result_page and self.last_close:
            self.report_wanted.emit(self.last_close.shift_id)
        elif self.state is not None and self.state.current is not None:
            self.report_wanted.emit(self.state.current.id)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.page is self.no_shift_page:
            self.open_float_edit.setFocus()
