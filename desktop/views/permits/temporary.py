"""Temporary, visitor and event permits: a plate, a lot, a start and an end, sold or free.

The dialog checks what it can as the clerk types, then hands over to the payment dialog;
the database re-checks everything when it issues the permit (a plate that already has a
permit in that lot, a lot that filled meanwhile) and its messages come back under the
fields of this form.
"""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.errors import FieldProblem, KnownError, LotFull, ValidationError
from desktop.services.localization import format_money, parse_money
from desktop.services.permits import (
    KIND_TITLES,
    LotChoice,
    PaymentResult,
    PermitService,
    Tender,
)
from desktop.services.plates import is_plate_like, normalize_plate
from desktop.views.kit.forms import FieldBox, form_style
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.pickers import JurisdictionPicker
from desktop.views.kit.widgets import grow_to_fit, mark_invalid, resources_dir
from desktop.views.permits.payment_dialog import PaymentDialog, show_receipt

#: The kinds issued here, in menu order.
TEMPORARY_KINDS = ("temporary", "visitor", "event")
#: The form's fields in screen order (the first with a problem gets the focus).
TEMPORARY_FIELDS = (
    "kind",
    "lot",
    "jurisdiction",
    "plate",
    "from",
    "until",
    "price",
    "free_reason",
    "note",
)
MAX_LENGTH = timedelta(days=31)
#: The database accepts a start up to an hour back (a visitor who arrived a moment ago).
START_GRACE = timedelta(hours=1)
_JURISDICTION = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")
_DISPLAY = "d MMM yyyy  HH:mm"


def describe_length(length: timedelta) -> str:
    """'2 h', '1 day 3 h', '45 min': how long a permit lasts, rounded down to the minute."""
    minutes = int(length.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    return " ".join(parts) or "0 min"


def _date_time_style() -> str:
    """Date-time editors with the look the application gives line edits and combo boxes."""
    arrow = (resources_dir() / "chevron-down.svg").as_posix()
    return (
        " #hint { color: #5b6577; } "
        "QDateTimeEdit { background: #ffffff; border: 1px solid #c4ccd8; border-radius: 4px; "
        "padding: 5px 7px; min-height: 18px; } "
        "QDateTimeEdit::drop-down { subcontrol-origin: padding; subcontrol-position: center "
        "right; width: 24px; border: none; } "
        f"QDateTimeEdit::down-arrow {{ image: url({arrow}); width: 12px; height: 12px; }} "
        "QDateTimeEdit:focus { border: 1px solid #2563eb; } "
        'QDateTimeEdit[invalid="true"] { border: 1px solid #d92d20; background: #fff6f5; }'
    )


def _with_hint(editor: QWidget, hint: QLabel) -> QWidget:
    """An editor with a line of help under it, as one field."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(editor)
    layout.addWidget(hint)
    return box


class TemporaryPermitDialog(QDialog):
    """Issue a temporary, visitor or event permit for a plate."""

    #: The permit was issued and paid for (a :class:`PaymentResult`).
    issued = Signal(object)

    def __init__(  # noqa: PLR0917 - the permit desk passes the plate it is looking at
        self,
        service: PermitService,
        runner: OperationRunner,
        lots: list[LotChoice],
        currency: str,
        time_zone: str,
        parker_id: int | None = None,
        plate: str = "",
        jurisdiction: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.currency = currency
        self.time_zone = time_zone
        self.zone = ZoneInfo(time_zone)
        self.parker_id = parker_id
        self.payment_dialog: PaymentDialog | None = None
        self.payment: PaymentResult | None = None
        self.setWindowTitle("Issue a temporary permit")
        self.setObjectName("temporaryPermitDialog")
        self.setStyleSheet(form_style() + _date_time_style())
        self.setMinimumWidth(600)

        self._build_fields(lots, plate, jurisdiction)
        self._build_layout()
        self._connect()
        self.set_period(*self._default_period())
        self._price_changed()
        self._update_stored_as()
        first = self.plate_edit if not plate else self.lot_combo
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---------------------------------------------------------------- building

    def _build_fields(self, lots: list[LotChoice], plate: str, jurisdiction: str) -> None:
        self.kind_combo = QComboBox()
        for kind in TEMPORARY_KINDS:
            self.kind_combo.addItem(KIND_TITLES[kind], kind)
        self.lot_combo = QComboBox()
        for lot in lots:
            self.lot_combo.addItem(f"{lot.name} ({lot.code})", lot.id)
        self.lot_combo.setPlaceholderText("Choose the lot…")
        self.lot_combo.setCurrentIndex(0 if len(lots) == 1 else -1)

        self.jurisdiction_edit = JurisdictionPicker()
        if jurisdiction:
            self.jurisdiction_edit.set_code(jurisdiction)
        else:
            self.jurisdiction_edit.setCurrentIndex(-1)  # the clerk names it
        self.plate_edit = QLineEdit(plate)
        self.plate_edit.setMaxLength(20)
        self.plate_edit.setPlaceholderText("As on the plate, e.g. ABCD 123")
        self.stored_as = QLabel()
        self.stored_as.setObjectName("hint")

        zone = QTimeZone(self.time_zone.encode())
        self.start_edit = QDateTimeEdit()
        self.end_edit = QDateTimeEdit()
        for edit in (self.start_edit, self.end_edit):
            if zone.isValid():
                edit.setTimeZone(zone)
            edit.setDisplayFormat(_DISPLAY)
            edit.setCalendarPopup(True)
        self.two_hours_button = QPushButton("&2 hours")
        self.two_hours_button.setToolTip("Ends two hours after the start")
        self.today_button = QPushButton("To&day")
        self.today_button.setToolTip("Ends at the end of the start day")
        self.three_days_button = QPushButton("&3 days")
        self.three_days_button.setToolTip("Ends at the end of the third day (the start day counts)")
        for button in (self.two_hours_button, self.today_button, self.three_days_button):
            button.setAutoDefault(False)
        self.length_label = QLabel()
        self.length_label.setObjectName("hint")

        self.price_edit = QLineEdit("0.00")
        # No typing mask: a minus or a locale's own marks are read and, if wrong, named.
        self.price_edit.setMaxLength(14)
        self.price_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.free_reason_edit = QLineEdit()
        self.free_reason_edit.setMaxLength(200)
        self.free_reason_edit.setPlaceholderText("e.g. guest speaker, contractor on site")
        self.free_hint = QLabel()
        self.free_hint.setObjectName("hint")
        self.note_edit = QLineEdit()
        self.note_edit.setMaxLength(200)
        self.note_edit.setPlaceholderText("e.g. the event's name, or who the visitor is meeting")

    def _build_layout(self) -> None:
        plate_box = _with_hint(self.plate_edit, self.stored_as)
        reason_box = _with_hint(self.free_reason_edit, self.free_hint)
        end_box = _with_hint(self.end_edit, self.length_label)
        #: The grey help under a field, which its red message replaces.
        self._hints = {
            "plate": self.stored_as,
            "free_reason": self.free_hint,
            "until": self.length_label,
        }
        self.boxes: dict[str, FieldBox] = {
            "kind": FieldBox("&Kind", self.kind_combo),
            "lot": FieldBox("&Lot", self.lot_combo),
            "jurisdiction": FieldBox("&Jurisdiction", self.jurisdiction_edit),
            "plate": FieldBox("&Plate", plate_box),
            "from": FieldBox("&Starts", self.start_edit),
            "until": FieldBox("&Ends", end_box),
            "price": FieldBox(f"P&rice ({self.currency})", self.price_edit),
            "free_reason": FieldBox("Why it is issued &free", reason_box),
            "note": FieldBox("&Note", self.note_edit),
        }
        self.boxes["plate"].caption.setBuddy(self.plate_edit)
        self.boxes["free_reason"].caption.setBuddy(self.free_reason_edit)
        self.boxes["until"].caption.setBuddy(self.end_edit)

        quick = QHBoxLayout()
        quick.setSpacing(6)
        quick.addWidget(QLabel("Ends after:"))
        quick.addWidget(self.two_hours_button)
        quick.addWidget(self.today_button)
        quick.addWidget(self.three_days_button)
        quick.addStretch(1)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        top = Qt.AlignmentFlag.AlignTop
        # Four equal columns: pairs of fields share a row half and half, while the short
        # codes (jurisdiction, price) take a quarter beside their longer neighbour.
        grid.addWidget(self.boxes["kind"], 0, 0, 1, 2, top)
        grid.addWidget(self.boxes["lot"], 0, 2, 1, 2, top)
        grid.addWidget(self.boxes["jurisdiction"], 1, 0, top)
        grid.addWidget(self.boxes["plate"], 1, 1, 1, 3, top)
        grid.addWidget(self.boxes["from"], 2, 0, 1, 2, top)
        grid.addWidget(self.boxes["until"], 2, 2, 1, 2, top)
        grid.addLayout(quick, 3, 0, 1, 4)
        grid.addWidget(self.boxes["price"], 4, 0, top)
        grid.addWidget(self.boxes["free_reason"], 4, 1, 1, 3, top)
        grid.addWidget(self.boxes["note"], 5, 0, 1, 4, top)
        for column in range(4):
            grid.setColumnStretch(column, 1)

        self.message_label = QLabel()
        self.message_label.setObjectName("formError")
        self.message_label.setWordWrap(True)
        self.message_label.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.continue_button = QPushButton("&Continue to payment")
        self.continue_button.setProperty("primary", True)
        self.continue_button.setDefault(True)
        self.buttons.addButton(self.continue_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.message_label)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._set_tab_order(cancel)

    def _set_tab_order(self, cancel: QWidget) -> None:
        chain: list[QWidget] = [
            self.kind_combo,
            self.lot_combo,
            self.jurisdiction_edit,
            self.plate_edit,
            self.start_edit,
            self.end_edit,
            self.two_hours_button,
            self.today_button,
            self.three_days_button,
            self.price_edit,
            self.free_reason_edit,
            self.note_edit,
            self.continue_button,
            cancel,
        ]
        for first, second in itertools.pairwise(chain):
            self.setTabOrder(first, second)

    def _connect(self) -> None:
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._edited("kind"))
        self.lot_combo.currentIndexChanged.connect(lambda _i: self._edited("lot"))
        self.jurisdiction_edit.editTextChanged.connect(lambda _t: self._edited("jurisdiction"))
        self.plate_edit.textEdited.connect(lambda _t: self._edited("plate"))
        self.plate_edit.textChanged.connect(self._update_stored_as)
        self.start_edit.dateTimeChanged.connect(lambda _d: self._period_changed("from"))
        self.end_edit.dateTimeChanged.connect(lambda _d: self._period_changed("until"))
        self.two_hours_button.clicked.connect(lambda: self._end_after(timedelta(hours=2)))
        self.today_button.clicked.connect(lambda: self._end_of_day(0))
        self.three_days_button.clicked.connect(lambda: self._end_of_day(2))
        self.price_edit.textChanged.connect(self._price_changed)
        self.price_edit.textEdited.connect(lambda _t: self._edited("price"))
        self.free_reason_edit.textEdited.connect(lambda _t: self._edited("free_reason"))
        self.note_edit.textEdited.connect(lambda _t: self._edited("note"))
        self.continue_button.clicked.connect(self.continue_to_payment)
        self.buttons.rejected.connect(self.reject)

    # ---------------------------------------------------------------- the period

    def _default_period(self) -> tuple[datetime, datetime]:
        """From now (to the minute) to the end of today, in the office's time zone."""
        now = datetime.now(self.zone).replace(second=0, microsecond=0)
        return now, self._day_end(now, 0)

    def _day_end(self, start: datetime, days_after: int) -> datetime:
        day = start.astimezone(self.zone).date() + timedelta(days=days_after)
        return datetime.combine(day, time(23, 59), tzinfo=self.zone)

    def _to_qt(self, moment: datetime) -> QDateTime:
        zone = QTimeZone(self.time_zone.encode())
        seconds = int(moment.timestamp())
        if zone.isValid():
            return QDateTime.fromSecsSinceEpoch(seconds, zone)
        return QDateTime.fromSecsSinceEpoch(seconds)

    @staticmethod
    def _from_qt(value: QDateTime) -> datetime:
        return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)

    def start(self) -> datetime:
        return self._from_qt(self.start_edit.dateTime()).astimezone(self.zone)

    def end(self) -> datetime:
        return self._from_qt(self.end_edit.dateTime()).astimezone(self.zone)

    def set_period(self, start: datetime, end: datetime) -> None:
        self.start_edit.setDateTime(self._to_qt(start))
        self.end_edit.setDateTime(self._to_qt(end))
        self._update_length()

    def _end_after(self, length: timedelta) -> None:
        self.end_edit.setDateTime(self._to_qt(self.start() + length))

    def _end_of_day(self, days_after: int) -> None:
        self.end_edit.setDateTime(self._to_qt(self._day_end(self.start(), days_after)))

    def _period_changed(self, field: str) -> None:
        # The start and the end are judged together: changing either answers both.
        del field
        self._edited("from")
        self._edited("until")
        self._update_length()

    def _update_length(self) -> None:
        length = self.end() - self.start()
        zone_name = self.start().tzname() or self.time_zone
        if length <= timedelta(0):
            self.length_label.setText(f"Ends before it starts; times are {zone_name}")
        else:
            self.length_label.setText(f"Lasts {describe_length(length)}; times are {zone_name}")

    # ---------------------------------------------------------------- price and plate

    def price(self) -> Decimal | None:
        try:
            return parse_money(self.price_edit.text(), field="price", label="the price")
        except ValidationError:
            return None

    def _price_changed(self) -> None:
        price = self.price()
        free = price is not None and price == 0
        self.free_reason_edit.setEnabled(free)
        if free:
            self.free_hint.setText(
                f"Required when the price is {format_money(Decimal(0), self.currency)}."
            )
        else:
            self.free_hint.setText("Only for permits issued free.")
        self.continue_button.setText("&Continue to issue" if free else "&Continue to payment")

    def _update_stored_as(self) -> None:
        text = self.plate_edit.text()
        if not text.strip():
            self.stored_as.setText("Spaces, dashes and dots are ignored.")
        elif is_plate_like(text):
            self.stored_as.setText(f"Stored as {normalize_plate(text)}")
        else:
            self.stored_as.setText("Use letters A to Z and digits only.")

    # ---------------------------------------------------------------- issuing

    def check(self) -> list[FieldProblem]:
        """The problems the database would refuse, found before the payment is taken."""
        problems: list[FieldProblem] = []
        if self.lot_combo.currentIndex() < 0:
            problems.append(FieldProblem("lot", "Choose the lot."))
        if not _JURISDICTION.fullmatch(self.jurisdiction_edit.code()):
            problems.append(
                FieldProblem("jurisdiction", "Jurisdiction is a two-letter code such as ON or NY.")
            )
        if not is_plate_like(self.plate_edit.text()):
            problems.append(
                FieldProblem(
                    "plate",
                    "A plate is 1 to 10 letters and digits (spaces, dashes and dots are ignored).",
                )
            )
        start, end = self.start(), self.end()
        now = datetime.now(UTC)
        if start < now - START_GRACE:
            problems.append(FieldProblem("from", "A permit cannot start in the past."))
        if end <= start:
            problems.append(FieldProblem("until", "The end must come after the start."))
        elif end - start > MAX_LENGTH:
            problems.append(FieldProblem("until", "A temporary permit lasts at most 31 days."))
        elif end <= now:
            problems.append(FieldProblem("until", "The permit would already have ended."))
        price = Decimal(0)
        try:
            price = parse_money(self.price_edit.text(), field="price", label="the price")
        except ValidationError as exc:
            problems.extend(exc.problems)
        if price == 0 and len(self.free_reason_edit.text().strip()) < 3:
            problems.append(FieldProblem("free_reason", "Say why the permit is issued free."))
        return problems

    def describe(self) -> str:
        kind = KIND_TITLES[str(self.kind_combo.currentData())]
        plate = normalize_plate(self.plate_edit.text())
        jurisdiction = self.jurisdiction_edit.code()
        lot = self.lot_combo.currentText()
        length = describe_length(self.end() - self.start())
        return f"{kind} for {jurisdiction} {plate}, {lot}, {length}"

    def continue_to_payment(self) -> PaymentDialog | None:
        """Check the form, then open the payment dialog for the price."""
        self.clear_problems()
        problems = self.check()
        if problems:
            self.show_problems(problems)
            return None
        price = self.price() or Decimal(0)
        kind = str(self.kind_combo.currentData())
        jurisdiction = self.jurisdiction_edit.code()
        plate = self.plate_edit.text().strip()
        lot_id = int(self.lot_combo.currentData())
        start, end = self.start(), self.end()
        free_reason = self.free_reason_edit.text().strip() if price == 0 else ""
        note = self.note_edit.text().strip()
        parker_id = self.parker_id
        service = self.service

        def submit(key: uuid.UUID, tender: Tender) -> PaymentResult:
            return service.issue_temporary(
                key,
                kind=kind,
                jurisdiction=jurisdiction,
                plate=plate,
                lot_id=lot_id,
                start=start,
                end=end,
                price=price,
                free_reason=free_reason,
                tender=tender,
                parker_id=parker_id,
                note=note,
            )

        dialog = PaymentDialog(
            title=f"Issue {KIND_TITLES[kind].lower()}" if price == 0 else "Take payment",
            description=self.describe(),
            amount=price,
            currency=self.currency,
            submit=submit,
            runner=self.runner,
            on_refused=self._refused,
            on_invalid=self._invalid,
            parent=self,
        )
        dialog.paid.connect(self._paid)
        dialog.finished.connect(dialog.deleteLater)
        self.payment_dialog = dialog
        dialog.open()
        return dialog

    def _paid(self, result: PaymentResult) -> None:
        self.payment = result
        # The receipt belongs to the desk: this dialog closes while it is being fetched.
        show_receipt(self.parentWidget(), self.runner, self.service, result)
        self.issued.emit(result)
        self.accept()

    def _refused(self, exc: KnownError) -> bool:
        if isinstance(exc, LotFull):
            self.show_problems([FieldProblem("lot", exc.message)])
            return True
        return False

    def _invalid(self, exc: ValidationError) -> bool:
        if not any(p.field in self.boxes for p in exc.problems):
            return False
        self.show_problems(exc.problems)
        return True

    # ---------------------------------------------------------------- problems

    def show_problems(self, problems: list[FieldProblem]) -> None:
        by_field: dict[str, str] = {}
        others: list[str] = []
        for problem in problems:
            if problem.field in self.boxes:
                by_field.setdefault(problem.field, problem.message)
            else:
                others.append(problem.message)
        for name, box in self.boxes.items():
            box.show_problem(by_field.get(name))
        # Boxes that wrap their editor with a hint: outline the editor itself.
        # The red message replaces the grey hint under the same field.
        for name, hint in self._hints.items():
            mark_invalid(self._editor(name), name in by_field)
            hint.setVisible(name not in by_field)
        self.message_label.setText("\n".join(others))
        self.message_label.setVisible(bool(others))
        for name in TEMPORARY_FIELDS:
            if name in by_field:
                self._editor(name).setFocus(Qt.FocusReason.OtherFocusReason)
                break
        grow_to_fit(self)

    def clear_problems(self) -> None:
        self.show_problems([])

    def field_error(self, name: str) -> str:
        box = self.boxes.get(name)
        return box.problem.text() if box is not None and box.has_problem else ""

    def _editor(self, name: str) -> QWidget:
        editors: dict[str, QWidget] = {
            "plate": self.plate_edit,
            "free_reason": self.free_reason_edit,
            "until": self.end_edit,
        }
        return editors.get(name) or self.boxes[name].editor

    def _edited(self, name: str) -> None:
        box = self.boxes[name]
        if box.has_problem:
            box.show_problem(None)
            mark_invalid(self._editor(name), False)
            hint = self._hints.get(name)
            if hint is not None:
                hint.show()
