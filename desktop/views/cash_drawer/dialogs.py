"""Closing a shift with a blind count, and a manager signing off its variance."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import (
    QKeyEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.services.cashdrawer import (
    CashDrawerService,
    Denomination,
    ShiftClose,
    ShiftSummary,
    counts_total,
    variance_words,
)
from desktop.services.documents import Office
from desktop.services.errors import KnownError, ValidationError
from desktop.services.localization import format_local, format_money
from desktop.views.cash_drawer.common import (
    MUTED_COLOUR,
    _error_label,
    _hint,
    _title_label,
    variance_colour,
)
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import (
    failure_while_alive,
    grow_to_fit,
    while_alive,
)


class CloseShiftDialog(QDialog):
    """The blind count: one row per bill and coin, and the counted total; what the drawer
    was expected to hold appears only once the count is recorded."""

    #: The count was recorded and the shift closed (a :class:`ShiftClose`).
    closed = Signal(object)

    def __init__(
        self,
        service: CashDrawerService,
        runner: OperationRunner,
        shift: ShiftSummary,
        *,
        denominations: tuple[Denomination, ...],
        currency: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.shift = shift
        self.denominations = denominations
        self.currency = currency
        self.result_close: ShiftClose | None = None
        self.spins: dict[Decimal, QSpinBox] = {}
        self.subtotals: dict[Decimal, QLabel] = {}
        self._kinds: dict[int, str] = {}
        self.setObjectName("closeShiftDialog")
        self.setWindowTitle(f"Close shift {shift.id} — count the drawer")
        self.setMinimumWidth(460)

        intro = _hint(
            "Count every bill and coin in the drawer, the float included, and enter how many "
            "of each. What the drawer should hold is shown once your count is recorded."
        )
        self.count_area = self._build_rows()
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setStyleSheet("color: #dde2e9;")
        self.error_label = _error_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addWidget(self.count_area, 1)
        layout.addWidget(rule)
        layout.addLayout(self._build_total())
        layout.addWidget(self.error_label)
        layout.addLayout(self._build_buttons())
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, self.confirm)
        self._update_total()
        if self.spins:
            next(iter(self.spins.values())).setFocus()

    def _build_rows(self) -> QScrollArea:
        rows = QWidget()
        # Without arrows a styled spin box would still keep their room and hide the number.
        rows.setStyleSheet(
            "QSpinBox { padding-right: 7px; } QSpinBox::up-button, QSpinBox::down-button "
            "{ subcontrol-origin: border; width: 0px; }"
        )
        grid = QGridLayout(rows)
        # Room on the right for a scroll bar on short screens.
        grid.setContentsMargins(0, 0, 12, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(4)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for column, caption in enumerate(("Denomination", "Quantity", "Subtotal")):
            head = QLabel(caption)
            head.setStyleSheet(f"font-weight: 600; color: {MUTED_COLOUR};")
            grid.addWidget(head, 0, column, right if column else Qt.AlignmentFlag.AlignLeft)
        widest = format_money(Decimal("99999.99"), self.currency)
        row = 0
        for denomination in self.denominations:
            row += 1
            if denomination.kind == "coin" and row > 1 and self._previous_kind(row) == "bill":
                grid.setRowMinimumHeight(row, 6)  # a little air between bills and coins
                row += 1
            label = QLabel(denomination.label)
            spin = QSpinBox()
            spin.setRange(0, 99_999)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.setAccelerated(True)
            # Typed, not clicked (Up and Down still step): no arrows beside the number.
            spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
            spin.setMinimumWidth(90)
            spin.setAccessibleName(f"Number of {denomination.label}")
            label.setBuddy(spin)
            spin.installEventFilter(self)
            spin.valueChanged.connect(lambda _value, d=denomination.value: self._recount(d))
            subtotal = QLabel(format_money(Decimal(0), self.currency))
            subtotal.setAlignment(right)
            subtotal.setMinimumWidth(subtotal.fontMetrics().horizontalAdvance(widest))
            grid.addWidget(label, row, 0)
            grid.addWidget(spin, row, 1)
            grid.addWidget(subtotal, row, 2)
            self.spins[denomination.value] = spin
            self.subtotals[denomination.value] = subtotal
            self._kinds[row] = denomination.kind
        grid.setColumnStretch(0, 1)
        area = QScrollArea()
        area.setWidget(rows)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The rows sit on the dialog's own background, not a panel of their own.
        rows.setObjectName("countRows")
        area.setStyleSheet("QScrollArea, #countRows { background: transparent; }")
        # Every row in view, unless the screen is too short for them.
        rows.ensurePolished()
        room = round(self.screen().availableGeometry().height() * 0.6)
        area.setMinimumHeight(min(rows.sizeHint().height() + 2, room))
        return area

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The wrapped introduction needs more height than its one-line minimum.
        grow_to_fit(self)

    def _previous_kind(self, row: int) -> str:
        earlier = [kind for at, kind in self._kinds.items() if at < row]
        return earlier[-1] if earlier else ""

    def _build_total(self) -> QHBoxLayout:
        total_row = QHBoxLayout()
        total_row.setContentsMargins(0, 0, 12, 0)  # in line with the subtotals above
        caption = QLabel("Counted")
        caption.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.total_label = QLabel()
        self.total_label.setObjectName("countedTotal")
        self.total_label.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        total_row.addWidget(caption)
        total_row.addStretch(1)
        total_row.addWidget(self.total_label)
        return total_row

    def _build_buttons(self) -> QHBoxLayout:
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.confirm_button = QPushButton()
        self.confirm_button.setObjectName("confirmCountButton")
        self.confirm_button.setProperty("primary", True)
        self.confirm_button.setToolTip("Record the count and close the shift (Ctrl+Enter)")
        self.confirm_button.clicked.connect(self.confirm)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.confirm_button)
        return buttons

    # -- counting -----------------------------------------------------------------------

    def set_count(self, denomination: Decimal, qty: int) -> None:
        """Enter how many of one bill or coin are in the drawer."""
        spin = self.spins.get(Decimal(denomination))
        if spin is None:
            raise KeyError(f"{denomination} is not counted in {self.currency}")
        spin.setValue(qty)

    def counts(self) -> dict[Decimal, int]:
        return {value: spin.value() for value, spin in self.spins.items()}

    def counted_total(self) -> Decimal:
        return counts_total(self.counts())

    def _recount(self, value: Decimal) -> None:
        spin = self.spins[value]
        self.subtotals[value].setText(format_money(value * spin.value(), self.currency))
        self._update_total()

    def _update_total(self) -> None:
        total = format_money(self.counted_total(), self.currency)
        self.total_label.setText(total)
        self.confirm_button.setText(f"Close shift with {total}")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter in a quantity moves to the next one: the count is never sent half done.
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
            and isinstance(watched, QSpinBox)
        ):
            spins = list(self.spins.values())
            position = spins.index(watched) if watched in spins else -1
            if 0 <= position < len(spins) - 1:
                spins[position + 1].setFocus(Qt.FocusReason.TabFocusReason)
            else:
                self.confirm_button.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)

    # -- recording -------------------------------------------------------------------------

    def confirm(self) -> None:
        """Record the count and close the shift."""
        if not self.confirm_button.isEnabled():
            return
        self.error_label.setVisible(False)
        counts = self.counts()
        shift_id, service = self.shift.id, self.service
        self._set_busy(True)
        self.runner.run(
            lambda: service.close_shift(shift_id, counts),
            while_alive(self, self._closed),
            failure_while_alive(self, self._failed),
            write=True,
            parent=self,
        )

    def _closed(self, close: ShiftClose) -> None:
        self._set_busy(False)
        self.result_close = close
        self.closed.emit(close)
        self.accept()

    def _failed(self, exc: BaseException) -> bool:
        self._set_busy(False)
        if isinstance(exc, KnownError):
            self.error_label.setText(exc.message)
            self.error_label.setVisible(True)
            grow_to_fit(self)
            return True
        return False

    def _set_busy(self, busy: bool) -> None:
        self.confirm_button.setEnabled(not busy)
        for spin in self.spins.values():
            spin.setEnabled(not busy)
        if busy:
            self.confirm_button.setText("Recording the count…")
        else:
            self._update_total()


class SignOffDialog(QDialog):
    """A manager accepts a shift's variance and says what explains it."""

    #: The sign-off was recorded (the updated :class:`ShiftSummary`).
    signed = Signal(object)

    def __init__(
        self,
        service: CashDrawerService,
        runner: OperationRunner,
        shift: ShiftSummary,
        office: Office,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.shift = shift
        self.setObjectName("signOffDialog")
        self.setWindowTitle(f"Sign off shift {shift.id}")
        self.setMinimumWidth(480)
        title = _title_label(f"Shift {shift.id} — {shift.clerk_title}")
        details = self._build_details(shift, office)

        note_label = QLabel("What explains the &variance? (required)")
        self.note_edit = QPlainTextEdit()
        self.note_edit.setObjectName("signOffNote")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setPlaceholderText("e.g. Change was given twice for one payment.")
        self.note_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 16)
        note_label.setBuddy(self.note_edit)
        self.error_label = _error_label()

        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.sign_button = QPushButton("Sign off")
        self.sign_button.setObjectName("signOffButton")
        self.sign_button.setProperty("primary", True)
        self.sign_button.setToolTip("Record the sign-off (Ctrl+Enter)")
        self.sign_button.setEnabled(False)
        self.sign_button.clicked.connect(self.submit)
        self.note_edit.textChanged.connect(self._note_changed)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addLayout(details)
        layout.addSpacing(4)
        layout.addWidget(note_label)
        layout.addWidget(self.note_edit)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, self.submit)
        self.note_edit.setFocus()

    def _build_details(self, shift: ShiftSummary, office: Office) -> QGridLayout:
        money, zone = office.currency, office.time_zone
        variance = shift.variance if shift.variance is not None else Decimal(0)
        details = QGridLayout()
        details.setHorizontalSpacing(16)
        details.setVerticalSpacing(5)
        facts = [
            ("Opened", format_local(shift.opened_at, zone)),
            ("Closed", format_local(shift.closed_at, zone) if shift.closed_at else "—"),
            ("Float", format_money(shift.opening_float, money)),
            ("Expected", format_money(shift.expected or Decimal(0), money)),
            ("Counted", format_money(shift.counted or Decimal(0), money)),
        ]
        for row, (caption, value) in enumerate(facts):
            details.addWidget(_hint(caption), row, 0)
            value_label = QLabel(value)
            value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            details.addWidget(value_label, row, 1)
        self.variance_label = QLabel(variance_words(variance, money))
        self.variance_label.setStyleSheet(f"font-weight: 600; color: {variance_colour(variance)};")
        self.variance_label.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        details.addWidget(_hint("Variance"), len(facts), 0)
        details.addWidget(self.variance_label, len(facts), 1)
        details.setColumnStretch(2, 1)
        return details

    def _note_changed(self) -> None:
        self.sign_button.setEnabled(len(self.note_edit.toPlainText().strip()) >= 3)

    def submit(self) -> None:
        if not self.sign_button.isEnabled():
            return
        self.error_label.setVisible(False)
        note, shift_id, service = self.note_edit.toPlainText(), self.shift.id, self.service
        self.sign_button.setEnabled(False)
        self.sign_button.setText("Signing off…")
        self.runner.run(
            lambda: service.sign_off(shift_id, note),
            while_alive(self, self._signed),
            failure_while_alive(self, self._failed),
            write=True,
            parent=self,
        )

    def _signed(self, shift: ShiftSummary) -> None:
        self.signed.emit(shift)
        self.accept()

    def _failed(self, exc: BaseException) -> bool:
        self.sign_button.setText("Sign off")
        self._note_changed()
        if isinstance(exc, KnownError):
            self.error_label.setText(exc.message)
            self.error_label.setVisible(True)
            if isinstance(exc, ValidationError):
                self.note_edit.setFocus()
            grow_to_fit(self)
            return True
        return False
