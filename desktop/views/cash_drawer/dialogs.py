"""Closing a shift with a blind count, and a manager signing off its variance."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QWidget,
)

from desktop.services.cashdrawer import (
    CashDrawerService,
    Denomination,
    ShiftClose,
    ShiftSummary,
    counts_total,
)
from desktop.services.documents import Office
from desktop.services.errors import KnownError
from desktop.services.localization import format_local, format_money
from desktop.views.cash_drawer.common import (
    RIGHT,
    add_column_heads,
    facts_grid,
    show_variance,
    title_label,
)
from desktop.views.kit.forms import FieldBox, FormDialog
from desktop.views.kit.layout import STRETCH, Space, hbox, label, scrolled, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import grow_to_fit


class _ShiftDialog(FormDialog):
    """What both shift dialogs share: Ctrl+Enter records from any field, and a refusal that
    names no field (the shift was closed elsewhere, say) is said in the dialog."""

    #: The button that records, while it records, and what it says about itself.
    ACCEPT_TEXT, BUSY_TEXT, TIP = "", "", ""

    def __init__(
        self,
        service: CashDrawerService,
        runner: OperationRunner,
        shift: ShiftSummary,
        parent: QWidget | None,
    ) -> None:
        super().__init__(
            runner, accept_text=self.ACCEPT_TEXT, busy_text=self.BUSY_TEXT, parent=parent
        )
        self.service = service
        self.shift = shift
        if self.save_button is None:  # pragma: no cover - these dialogs are never read-only
            raise RuntimeError("a shift dialog needs its button")
        self.record_button: QPushButton = self.save_button
        self.record_button.setToolTip(self.TIP)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, self.submit)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Wrapped text needs more height than its one-line minimum.
        grow_to_fit(self)

    def _refusal_field(self, exc: KnownError) -> str:
        return "shift"


class CloseShiftDialog(_ShiftDialog):
    """The blind count: one row per bill and coin, and the counted total; what the drawer
    was expected to hold appears only once the count is recorded."""

    FIELDS = ("counts",)
    BUSY_TEXT = "Recording the count…"
    TIP = "Record the count and close the shift (Ctrl+Enter)"

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
        super().__init__(service, runner, shift, parent)
        self.currency = currency
        self.spins: dict[Decimal, QSpinBox] = {}
        self.subtotals: dict[Decimal, QLabel] = {}
        self.setObjectName("closeShiftDialog")
        self.setWindowTitle(f"Close shift {shift.id} — count the drawer")
        self.setMinimumWidth(460)
        self.record_button.setObjectName("confirmCountButton")
        self.audit_label.setText(
            "Count every bill and coin in the drawer, the float included, and enter how many "
            "of each. What the drawer should hold is shown once your count is recorded."
        )
        self.audit_label.show()
        # The rows' own header says what they are: a refused count is said under them.
        self.boxes = {"counts": FieldBox("", self._build_rows(denominations))}
        self.boxes["counts"].caption.hide()
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setStyleSheet("color: #dde2e9;")
        body = vbox((self.boxes["counts"], 1), rule, self._build_total(), spacing=12)
        self._finish_layout(body)
        # Height the dialog is given goes to the rows (a short screen scrolls them).
        outer = self.layout()
        if isinstance(outer, QBoxLayout):
            for index in range(outer.count()):
                outer.setStretch(index, int(index == outer.indexOf(body)))
        self._update_total()
        if self.spins:
            next(iter(self.spins.values())).setFocus()

    def _build_rows(self, denominations: tuple[Denomination, ...]) -> QScrollArea:
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
        add_column_heads(grid, ("Denomination", "Quantity", "Subtotal"))
        widest = format_money(Decimal("99999.99"), self.currency)
        row, previous_kind = 0, ""
        for denomination in denominations:
            row += 1
            if denomination.kind == "coin" and previous_kind == "bill":
                grid.setRowMinimumHeight(row, 6)  # a little air between bills and coins
                row += 1
            previous_kind = denomination.kind
            caption = label(denomination.label)
            spin = QSpinBox()
            spin.setRange(0, 99_999)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.setAccelerated(True)
            # Typed, not clicked (Up and Down still step): no arrows beside the number.
            spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
            spin.setMinimumWidth(90)
            spin.setAccessibleName(f"Number of {denomination.label}")
            caption.setBuddy(spin)
            spin.installEventFilter(self)
            spin.valueChanged.connect(lambda _value, d=denomination.value: self._recount(d))
            subtotal = label(format_money(Decimal(0), self.currency))
            subtotal.setAlignment(RIGHT)
            subtotal.setMinimumWidth(subtotal.fontMetrics().horizontalAdvance(widest))
            grid.addWidget(caption, row, 0)
            grid.addWidget(spin, row, 1)
            grid.addWidget(subtotal, row, 2)
            self.spins[denomination.value] = spin
            self.subtotals[denomination.value] = subtotal
        grid.setColumnStretch(0, 1)
        grid.setRowStretch(row + 1, 1)  # a taller dialog keeps the rows together at the top
        area = scrolled(rows)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The rows sit on the dialog's own background, not a panel of their own.
        rows.setObjectName("countRows")
        area.setStyleSheet("QScrollArea, #countRows { background: transparent; }")
        # Every row in view, unless the screen is too short for them.
        rows.ensurePolished()
        room = round(self.screen().availableGeometry().height() * 0.6)
        area.setMinimumHeight(min(rows.sizeHint().height() + 2, room))
        return area

    def _build_total(self) -> QHBoxLayout:
        bold = "font-size: 12pt; font-weight: 600;"
        self.total_label = label(name="countedTotal", style=bold)
        self.total_label.setAlignment(RIGHT)
        # In line with the subtotals above.
        return hbox(label("Counted", style=bold), STRETCH, self.total_label, margins=(0, 0, 12, 0))

    def counts(self) -> dict[Decimal, int]:
        return {value: spin.value() for value, spin in self.spins.items()}

    def counted_total(self) -> Decimal:
        return counts_total(self.counts())

    def _recount(self, value: Decimal) -> None:
        spin = self.spins[value]
        self.subtotals[value].setText(format_money(value * spin.value(), self.currency))
        self._update_total()
        self._edited("counts")

    def _update_total(self) -> None:
        total = format_money(self.counted_total(), self.currency)
        self.total_label.setText(total)
        self.accept_text = f"Close shift with {total}"
        self.record_button.setText(self.accept_text)

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
                self.record_button.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)

    def _save_call(self) -> Callable[[], ShiftClose]:
        counts, shift_id, service = self.counts(), self.shift.id, self.service
        return lambda: service.close_shift(shift_id, counts)

    def _set_busy(self, busy: bool) -> None:
        super()._set_busy(busy)
        for spin in self.spins.values():
            spin.setEnabled(not busy)

    def _focus_target(self, name: str) -> QWidget:
        return next(iter(self.spins.values()), self.record_button)


class SignOffDialog(_ShiftDialog):
    """A manager accepts a shift's variance and says what explains it."""

    ACCEPT_TEXT, BUSY_TEXT = "Sign off", "Signing off…"
    TIP = "Record the sign-off (Ctrl+Enter)"

    def __init__(
        self,
        service: CashDrawerService,
        runner: OperationRunner,
        shift: ShiftSummary,
        office: Office,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(service, runner, shift, parent)
        self.setObjectName("signOffDialog")
        self.setWindowTitle(f"Sign off shift {shift.id}")
        self.setMinimumWidth(480)
        self.record_button.setObjectName("signOffButton")
        self.audit_label.hide()
        self.note_edit = QPlainTextEdit()
        self.note_edit.setObjectName("signOffNote")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setPlaceholderText("e.g. Change was given twice for one payment.")
        self.note_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 16)
        self.note_edit.textChanged.connect(self._allow_sign_off)
        self.declare(("note", "What explains the &variance? (required)", self.note_edit))
        self._finish_layout(
            vbox(
                title_label(f"Shift {shift.id} — {shift.clerk_title}"),
                self._build_details(shift, office),
                Space(4),
                self.boxes["note"],
                spacing=10,
            )
        )
        self._allow_sign_off()

    def _build_details(self, shift: ShiftSummary, office: Office) -> QGridLayout:
        money, zone = office.currency, office.time_zone
        closed = format_local(shift.closed_at, zone) if shift.closed_at else "—"
        self.variance_label = label()
        show_variance(self.variance_label, shift.variance or Decimal(0), money)
        facts = [
            ("Opened", label(format_local(shift.opened_at, zone))),
            ("Closed", label(closed)),
            ("Float", label(format_money(shift.opening_float, money))),
            ("Expected", label(format_money(shift.expected or Decimal(0), money))),
            ("Counted", label(format_money(shift.counted or Decimal(0), money))),
            ("Variance", self.variance_label),
        ]
        return facts_grid(facts, spacing=16)

    def _allow_sign_off(self) -> None:
        # A few words first; the service asks for them too, under the note.
        enough = len(self.note_edit.toPlainText().strip()) >= 3
        self.record_button.setEnabled(enough and not self._saving)

    def _set_busy(self, busy: bool) -> None:
        super()._set_busy(busy)
        self._allow_sign_off()

    def _save_call(self) -> Callable[[], ShiftSummary]:
        note, shift_id, service = self.note_edit.toPlainText(), self.shift.id, self.service
        return lambda: service.sign_off(shift_id, note)
