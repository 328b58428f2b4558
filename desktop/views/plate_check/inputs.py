"""The question a plate check asks: the plate, its jurisdiction, a lot and a moment.

What is typed is read the way an officer means it ("bc gz620e" is plate GZ620E of British
Columbia, said in sight under the row); what cannot be checked is said under the row and
outlined in red before anything is asked.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QGridLayout, QWidget

from desktop.services.errors import FieldProblem, KnownError, ValidationError
from desktop.services.platecheck import LotChoice, PlateCheckService, PlateQuery
from desktop.services.plates import DEFAULT_JURISDICTION, JURISDICTION_NAMES, split_jurisdiction
from desktop.views.kit.forms import form_style
from desktop.views.kit.layout import STRETCH, button, hbox, label, line_edit
from desktop.views.kit.live import LiveBatch, LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.pickers import JurisdictionPicker
from desktop.views.kit.widgets import (
    MomentEdit,
    app_settings,
    mark_invalid,
    resources_dir,
)

log = logging.getLogger(__name__)

JURISDICTION_KEY = "plateCheck/jurisdiction"
#: A burst of lot changes (a manager setting up the lots) reads the lot list once.
LOTS_DELAY_MS = 150
#: While "Now" is on, the moment shown follows the clock this often.
CLOCK_MS = 15_000
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")

_INPUT_STYLE = """
QLineEdit#plateEdit { font-size: 17pt; font-weight: 600; padding: 4px 8px; }
QLabel#fieldCaption { color: #374151; font-weight: 600; }
QLabel#fieldError { color: #b42318; }
QPushButton#nowButton:checked { background: #dbe7fd; border-color: #2563eb; }
QDateTimeEdit { background: #ffffff; border: 1px solid #c4ccd8; border-radius: 4px;
                padding: 5px 7px; min-height: 18px; }
QDateTimeEdit:focus { border-color: #2563eb; }
QDateTimeEdit:disabled { background: #eef1f5; color: #5b6577; }
QDateTimeEdit::drop-down { subcontrol-origin: padding; subcontrol-position: center right;
                           width: 24px; border: none; }
QDateTimeEdit::down-arrow { image: url(@RESOURCES@/chevron-down.svg); width: 12px;
                            height: 12px; }
"""


class LotPicker(QComboBox):
    """Any lot, or one of the office's lots by name (with its code in the tooltip)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Lot")
        self.setToolTip("Check for one lot, or whether the plate may park anywhere.")
        self.setMinimumContentsLength(12)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.set_lots([])

    def code(self) -> str | None:
        """The chosen lot's code; None for any lot."""
        lot = self.currentData()
        return lot if isinstance(lot, str) else None

    def set_code(self, code: str | None) -> None:
        index = self.findData(code) if code else 0
        self.setCurrentIndex(max(index, 0))

    def set_lots(self, lots: list[LotChoice]) -> None:
        """The office's lots as they are now; the chosen one stays chosen, unannounced."""
        chosen = self.code()
        with QSignalBlocker(self):
            self.clear()
            self.addItem("Any lot", None)
            for lot in lots:
                self.addItem(lot.label, lot.code)
                self.setItemData(
                    self.count() - 1, f"Lot code {lot.code}", Qt.ItemDataRole.ToolTipRole
                )
            self.set_code(chosen)


class PlateInputs(QWidget):
    """Plate, jurisdiction, lot and "At" (or Now) in one row with the Check button; a
    message under the row for what cannot be checked."""

    #: Enter in one of the fields, or the Check button.
    check_requested = Signal()
    #: "Now" was chosen (the button or Ctrl+T): the moment follows the clock again.
    now_chosen = Signal()

    def __init__(
        self,
        service: PlateCheckService,
        runner: OperationRunner,
        live: LiveChanges,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner = service, runner
        self._problem_fields: set[str] = set()
        self.setStyleSheet(
            form_style() + _INPUT_STYLE.replace("@RESOURCES@", resources_dir().as_posix())
        )
        self.plate_edit = line_edit(placeholder="ABC 123", max_length=20)
        self.plate_edit.setObjectName("plateEdit")
        self.plate_edit.setClearButtonEnabled(True)
        self.plate_edit.setAccessibleName("Plate to check")
        self.plate_edit.setMinimumWidth(150)
        self.jurisdiction_combo = JurisdictionPicker()
        remembered = str(app_settings().value(JURISDICTION_KEY, "") or "")
        self.jurisdiction_combo.set_code(remembered or DEFAULT_JURISDICTION)
        self.lot_combo = LotPicker()
        self.at_edit = MomentEdit()
        self.at_edit.setAccessibleName("Check for the time")
        self.at_edit.setToolTip(
            "The moment to check for. Press Now to check for the current time, always."
        )
        self.now_button = button("Now", self.choose_now, tip="Check for the current time (Ctrl+T)")
        self.now_button.setObjectName("nowButton")
        self.now_button.setCheckable(True)
        self._set_at(None)
        self.check_button = button(
            "Check", self.check_requested.emit, tip="Check the plate (Enter)", primary=True
        )
        self.check_button.setAutoDefault(True)
        self.check_button.setMinimumWidth(88)
        self.problem_label = label(name="fieldError", wrap=True, plain=True)
        self.problem_label.hide()
        self.read_as_label = label(name="hint", plain=True)
        self.read_as_label.hide()
        #: The fields problems name, in screen order (the first bad one gets the focus).
        self._fields: dict[str, QWidget] = {
            "plate": self.plate_edit,
            "jurisdiction": self.jurisdiction_combo,
            "lot": self.lot_combo,
        }
        self._lay_out()
        self._enter_checks: list[QObject] = [*self._fields.values(), self.at_edit]
        if (line := self.jurisdiction_combo.lineEdit()) is not None:
            self._enter_checks.append(line)
        for field in self._enter_checks:
            field.installEventFilter(self)
        self.plate_edit.textEdited.connect(self._plate_edited)
        self.jurisdiction_combo.editTextChanged.connect(
            lambda _t: self.clear_problems("jurisdiction")
        )
        self.lot_combo.currentIndexChanged.connect(lambda _i: self.clear_problems("lot"))
        self.at_edit.dateTimeChanged.connect(lambda _value: self.now_button.setChecked(False))
        # "Now" keeps showing the current time.
        self._clock = QTimer(self, interval=CLOCK_MS)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        LiveBatch(live, LOTS_DELAY_MS, self).watch(("lot",), self.load_lots)
        self.load_lots()

    def _lay_out(self) -> None:
        # The plate, where and Check on one row; the time, most often now, under them.
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        for column, (caption, editor, stretch) in enumerate(
            (
                ("&Plate", self.plate_edit, 3),
                ("&Jurisdiction", self.jurisdiction_combo, 2),
                ("L&ot", self.lot_combo, 2),
            )
        ):
            caption_label = label(caption, name="fieldCaption")
            caption_label.setBuddy(editor)
            grid.addWidget(caption_label, 0, column)
            grid.addWidget(editor, 1, column)
            grid.setColumnStretch(column, stretch)
        grid.addWidget(self.check_button, 1, 3)
        at_label = label("&At", name="fieldCaption")
        at_label.setBuddy(self.at_edit)
        grid.addLayout(
            hbox(at_label, self.at_edit, self.now_button, STRETCH, spacing=6), 2, 0, 1, 4
        )
        grid.addWidget(self.problem_label, 3, 0, 1, 4)
        grid.addWidget(self.read_as_label, 4, 0, 1, 4)

    def in_tab_order(self) -> list[QWidget]:
        """As they are laid out: the first row (plate, where, Check), then the time."""
        return [*self._fields.values(), self.check_button, self.at_edit, self.now_button]

    def read_query(self) -> PlateQuery | None:
        """What the fields ask; None, with the problems shown, when it cannot be checked."""
        self._take_typed_jurisdiction()
        at = None
        if not self.now_button.isChecked():
            at = self.at_edit.moment(self.service.office_zone)
        try:
            query = PlateQuery.cleaned(
                self.jurisdiction_combo.code(), self.plate_edit.text(), self.lot_combo.code(), at
            )
        except ValidationError as exc:
            self.show_problems(exc.problems)
            return None
        self.clear_problems()
        return query

    def _take_typed_jurisdiction(self) -> None:
        """ "BC GZ620E" typed as the plate: BC goes to the jurisdiction field, in sight."""
        code, plate = split_jurisdiction(self.plate_edit.text(), JURISDICTION_NAMES)
        if code is not None:
            self.set_plate(code, plate)
            name = JURISDICTION_NAMES.get(code, code)
            self.read_as_label.setText(f"Read as a plate of {name} ({code}): {plate}.")
        self.read_as_label.setVisible(code is not None)

    def fill(self, query: PlateQuery) -> None:
        """Show an earlier question in the fields (a plate chosen from the history)."""
        self.set_plate(query.jurisdiction, query.plate)
        self.read_as_label.hide()
        self.lot_combo.set_code(query.lot_code)
        self._set_at(query.at)
        self.clear_problems()

    def answered(self, query: PlateQuery) -> None:
        """The person's check has answered: its jurisdiction is the one to start with next
        time, and the plate is selected, ready for the next one."""
        app_settings().setValue(JURISDICTION_KEY, query.jurisdiction)
        if self.plate_edit.hasFocus():
            self.plate_edit.selectAll()

    def set_plate(self, jurisdiction: str, plate: str) -> None:
        self.plate_edit.setText(plate)
        self.jurisdiction_combo.set_code(jurisdiction)

    def focus_plate(self) -> None:
        self.plate_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.plate_edit.selectAll()

    def show_problems(self, problems: list[FieldProblem]) -> None:
        """Every message under the row; the fields they name outlined, the first focused."""
        self.problem_label.setText("\n".join(p.message for p in problems))
        self.problem_label.setVisible(bool(problems))
        self._problem_fields = {p.field for p in problems}
        for name, widget in self._fields.items():
            mark_invalid(widget, name in self._problem_fields)
        first = next((w for n, w in self._fields.items() if n in self._problem_fields), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            if first is self.plate_edit:
                self.plate_edit.selectAll()

    def clear_problems(self, name: str | None = None) -> None:
        """Take the messages away (only if one was about ``name``, when it is given)."""
        if name is None or name in self._problem_fields:
            self.show_problems([])

    def _plate_edited(self, text: str) -> None:
        upper = text.translate(_ASCII_UPPER)
        if upper != text:
            position = self.plate_edit.cursorPosition()
            self.plate_edit.setText(upper)
            self.plate_edit.setCursorPosition(position)
        self.clear_problems("plate")
        self.read_as_label.hide()

    def choose_now(self) -> None:
        self._set_at(None)
        self.now_chosen.emit()

    def _set_at(self, moment: datetime | None) -> None:
        """Show ``moment`` in "At"; for None, the current time, with Now on."""
        self.now_button.setChecked(moment is None)
        with QSignalBlocker(self.at_edit):
            self.at_edit.show_moment(moment or datetime.now(UTC), self.service.office_zone)

    def _tick(self) -> None:
        if self.now_button.isChecked() and not self.at_edit.hasFocus():
            self._set_at(None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter in any of the fields checks; on a look-alike button or in the history it
        # chooses that entry instead (they handle it themselves).
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and watched in self._enter_checks
        ):
            self.check_requested.emit()
            return True
        return super().eventFilter(watched, event)

    def load_lots(self) -> None:
        self.runner.run_for(self, self.service.lots, self._lots_arrived, _lots_failed)

    def _lots_arrived(self, lots: list[LotChoice]) -> None:
        self.lot_combo.set_lots(lots)
        if self.now_button.isChecked():
            self._set_at(None)  # now on the office's clock, which came with the lots


def _lots_failed(exc: BaseException) -> bool:
    log.info("the lot list could not be read: %s", exc)
    return isinstance(exc, KnownError)  # "Any lot" still works
