"""The shift history: a filter, the list of shifts, their reports and a manager's sign-off.

Row-level security limits the list to the clerk's own shifts and opens it to every drawer
for a manager.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from desktop.services.cashdrawer import ALL, AWAITING, MINE, OPEN, ShiftSummary
from desktop.views.cash_drawer.common import DeskUser, action_button
from desktop.views.cash_drawer.dialogs import SignOffDialog
from desktop.views.cash_drawer.history import ShiftHistoryModel
from desktop.views.kit.forms import DialogSlot
from desktop.views.kit.layout import STRETCH, Space, choice_box, hbox, label, vbox
from desktop.views.kit.table_view import DeskTable, Listing

#: Title in the filter -> the service's filter.
FILTERS = {"Mine": MINE, "Open": OPEN, "Awaiting sign-off": AWAITING, "All": ALL}


class HistoryPanel(QWidget):
    """The shifts of the chosen filter, newest first, with their reports and sign-offs."""

    #: The list has (re)loaded.
    loaded = Signal()
    #: A shift's report was asked for (its id).
    report_wanted = Signal(int)

    def __init__(self, user: DeskUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user, self.service, self.runner = user, user.service, user.runner
        self.sign_off_dialog: DialogSlot[SignOffDialog] = DialogSlot(
            lambda signed: self.refresh(select=signed.id)
        )
        self._reselect: int | None = None

        self.model = ShiftHistoryModel(self.service, self.runner, "", parent=self)
        self.model.rows_arrived.connect(self._arrived)
        self.model.failed.connect(self._failed)
        bar = self._build_bar()
        self.model.show = self.current_filter()
        self.view = DeskTable(self.model)
        self.view.setObjectName("shiftHistory")
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 12)
        self.view.activated.connect(lambda _index: self._report_selected())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.update_buttons())
        self.listing = Listing(self.view)
        vbox(bar, (self.listing, 1), spacing=14, parent=self)

    def _build_bar(self) -> QHBoxLayout:
        title = label(
            "Shifts" if self.user.is_manager else "Your shifts",
            style="font-size: 11pt; font-weight: 600; color: #111827;",
        )
        caption = label("&Show")
        self.filter_combo = choice_box(FILTERS, data=FILTERS.values(), placeholder="")
        self.filter_combo.setObjectName("shiftFilter")
        self.filter_combo.setCurrentIndex(
            self.filter_combo.findData(AWAITING if self.user.is_manager else MINE)
        )
        caption.setBuddy(self.filter_combo)
        self.filter_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.count_label = label(name="countLabel")
        self.report_button = action_button(
            "Shift report…",
            "historyReportButton",
            self._report_selected,
            tip="Report of the selected shift (Enter)",
        )
        self.sign_off_button = action_button(
            "Sign off…", "signOffShiftButton", self.sign_off_selected, primary=True
        )
        if not self.user.is_manager:
            self.sign_off_button.hide()
        self.refresh_button = action_button(
            "Refresh", "refreshShiftsButton", tip="Load the drawer and the shifts again (F5)"
        )
        return hbox(
            title,
            Space(12),
            caption,
            self.filter_combo,
            self.count_label,
            STRETCH,
            self.refresh_button,
            self.report_button,
            self.sign_off_button,
            spacing=8,
        )

    def current_filter(self) -> str:
        return str(self.filter_combo.currentData())

    def refresh(self, select: int | None = None) -> None:
        """The shifts of the chosen filter again, then ``select`` (else the selected shift)
        selected; the rows on screen stay until the new ones arrive."""
        self._reselect = select or self.view.selected_key()
        self.model.show = self.current_filter()
        self.model.refresh()

    def _arrived(self) -> None:
        selected, self._reselect = self._reselect, None
        if selected is not None:
            self.view.show_key(selected)
        rows = self.model.rowCount()
        more = "+" if self.model.canFetchMore(QModelIndex()) else ""
        self.count_label.setText(f"{rows}{more} shift{'' if rows == 1 else 's'}")
        self.listing.show_rows(rows, *self._empty_words())
        self.update_buttons()
        self.loaded.emit()

    def _failed(self, message: str) -> None:
        self.listing.show_empty("The shifts could not be loaded", message)

    def _empty_words(self) -> tuple[str, str]:
        show = self.current_filter()
        if show == AWAITING:
            return (
                "No variances await sign-off",
                "Every closed shift balanced or has been signed off. Choose All to see them.",
            )
        if show == OPEN:
            return ("No shift is open", "Open shifts appear here until the drawer is counted.")
        if self.user.is_clerk:
            return ("No shifts yet", "Your shifts appear here once you open one.")
        return ("No shifts yet", "Clerks' shifts appear here once they open their drawers.")

    def selected_shift(self) -> ShiftSummary | None:
        shift: ShiftSummary | None = self.view.selected_row()
        return shift

    def update_buttons(self) -> None:
        shift = self.selected_shift()
        reportable = shift is not None and (self.user.is_manager or not shift.is_open)
        self.report_button.setEnabled(reportable)
        self.report_button.setToolTip(
            "Report of the selected shift (Enter)"
            if reportable or shift is None
            else "The report of your shift is ready once you have counted and closed it"
        )
        can_sign = (
            self.user.is_manager
            and shift is not None
            and shift.needs_sign_off
            and shift.clerk != self.user.login
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

    def _report_selected(self) -> None:
        if self.report_button.isEnabled() and (shift_id := self.view.selected_key()):
            self.report_wanted.emit(shift_id)

    def sign_off_selected(self) -> SignOffDialog | None:
        shift = self.selected_shift()
        if shift is None or not self.sign_off_button.isEnabled():
            return None
        office = self.model.office
        return self.sign_off_dialog.open(
            lambda: SignOffDialog(self.service, self.runner, shift, office, self)
        )
