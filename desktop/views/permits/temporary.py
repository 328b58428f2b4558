"""Temporary, visitor and event permits: a plate, a lot, a start and an end, sold or free.

The dialog checks what it can as the clerk types, then hands over to the payment dialog;
the database re-checks everything when it issues the permit (a plate that already has a
permit in that lot, a lot that filled meanwhile) and its messages come back under the
fields of this form.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import QDateTimeEdit, QGridLayout, QWidget

from desktop.services.errors import FieldProblem, KnownError, LotFull, ValidationError
from desktop.services.localization import format_money, parse_money
from desktop.services.permits import (
    KIND_TITLES,
    LotChoice,
    PaymentResult,
    PermitService,
    temporary_permit_problems,
)
from desktop.services.plates import is_plate_like, normalize_plate
from desktop.views.kit.forms import form_style
from desktop.views.kit.layout import (
    STRETCH,
    button,
    choice_box,
    hbox,
    holder,
    label,
    line_edit,
    tab_order,
    vbox,
)
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.payment import PaymentDialog, show_receipt
from desktop.views.kit.pickers import JurisdictionPicker
from desktop.views.kit.widgets import grow_to_fit, resources_dir
from desktop.views.permits.host import PaidForm

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
#: Where each field sits in four equal columns: (row, first column, columns spanned). Pairs
#: of fields share a row half and half, while the short codes (jurisdiction, price) take a
#: quarter beside their longer neighbour; row 3 holds the quick end times.
_PLACES = {
    "kind": (0, 0, 2),
    "lot": (0, 2, 2),
    "jurisdiction": (1, 0, 1),
    "plate": (1, 1, 3),
    "from": (2, 0, 2),
    "until": (2, 2, 2),
    "price": (4, 0, 1),
    "free_reason": (4, 1, 3),
    "note": (5, 0, 4),
}
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


class TemporaryPermitDialog(PaidForm):
    """Issue a temporary, visitor or event permit for a plate.

    Continuing checks the form here, then opens the payment dialog for the price (a free
    permit is issued there too); the dialog closes once the permit is issued, and what the
    database refuses comes back under the fields while it stays open.
    """

    FIELDS = TEMPORARY_FIELDS
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
        super().__init__(service, runner, currency, "&Continue to payment", parent)
        self.time_zone = time_zone
        self.zone = ZoneInfo(time_zone)
        self.qt_zone = QTimeZone(time_zone.encode())
        self.parker_id = parker_id
        self.setWindowTitle("Issue a temporary permit")
        self.setObjectName("temporaryPermitDialog")
        self.setStyleSheet(form_style() + _date_time_style())
        self.setMinimumWidth(600)

        self._build_fields(lots, plate, jurisdiction)
        self._build_layout()
        self.plate_edit.textChanged.connect(self._update_stored_as)
        self.start_edit.dateTimeChanged.connect(lambda _d: self._period_changed())
        self.end_edit.dateTimeChanged.connect(lambda _d: self._period_changed())
        self.price_edit.textChanged.connect(self._price_changed)
        self.set_period(*self._default_period())
        self._price_changed()
        self._update_stored_as()
        first = self.plate_edit if not plate else self.lot_combo
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _build_fields(self, lots: list[LotChoice], plate: str, jurisdiction: str) -> None:
        self.kind_combo = choice_box(
            (KIND_TITLES[kind] for kind in TEMPORARY_KINDS), data=TEMPORARY_KINDS
        )
        self.kind_combo.setCurrentIndex(0)
        self.lot_combo = choice_box(
            (f"{lot.name} ({lot.code})" for lot in lots),
            data=[lot.id for lot in lots],
            placeholder="Choose the lot…",
        )
        self.lot_combo.setCurrentIndex(0 if len(lots) == 1 else -1)

        self.jurisdiction_edit = JurisdictionPicker()
        if jurisdiction:
            self.jurisdiction_edit.set_code(jurisdiction)
        else:
            self.jurisdiction_edit.setCurrentIndex(-1)  # the clerk names it
        self.plate_edit = line_edit(placeholder="As on the plate, e.g. ABCD 123", max_length=20)
        self.plate_edit.setText(plate)
        self.stored_as = label(name="hint")

        self.start_edit = QDateTimeEdit()
        self.end_edit = QDateTimeEdit()
        for edit in (self.start_edit, self.end_edit):
            if self.qt_zone.isValid():
                edit.setTimeZone(self.qt_zone)
            edit.setDisplayFormat(_DISPLAY)
            edit.setCalendarPopup(True)
        self.two_hours_button = button(
            "&2 hours",
            lambda: self._end_after(timedelta(hours=2)),
            tip="Ends two hours after the start",
        )
        self.today_button = button(
            "To&day", lambda: self._end_of_day(0), tip="Ends at the end of the start day"
        )
        self.three_days_button = button(
            "&3 days",
            lambda: self._end_of_day(2),
            tip="Ends at the end of the third day (the start day counts)",
        )
        for quick in (self.two_hours_button, self.today_button, self.three_days_button):
            quick.setAutoDefault(False)
        self.length_label = label(name="hint")

        # No typing mask: a minus or a locale's own marks are read and, if wrong, named.
        self.price_edit = line_edit(max_length=14, right=True)
        self.price_edit.setText("0.00")
        self.free_reason_edit = line_edit(
            placeholder="e.g. guest speaker, contractor on site", max_length=200
        )
        self.free_hint = label(name="hint")
        self.note_edit = line_edit(
            placeholder="e.g. the event's name, or who the visitor is meeting", max_length=200
        )

    def _build_layout(self) -> None:
        #: Fields with a grey line of help under the editor, which gives way to the message.
        self._hints = {
            "plate": self.stored_as,
            "until": self.length_label,
            "free_reason": self.free_hint,
        }
        for name, caption, editor in (
            ("kind", "&Kind", self.kind_combo),
            ("lot", "&Lot", self.lot_combo),
            ("jurisdiction", "&Jurisdiction", self.jurisdiction_edit),
            ("plate", "&Plate", self.plate_edit),
            ("from", "&Starts", self.start_edit),
            ("until", "&Ends", self.end_edit),
            ("price", f"P&rice ({self.currency})", self.price_edit),
            ("free_reason", "Why it is issued &free", self.free_reason_edit),
            ("note", "&Note", self.note_edit),
        ):
            hint = self._hints.get(name)
            below = holder(vbox(editor, hint, spacing=2)) if hint is not None else None
            self.field(name, caption, editor, holds=below)
        quick = hbox(
            label("Ends after:"),
            self.two_hours_button,
            self.today_button,
            self.three_days_button,
            STRETCH,
            spacing=6,
        )
        # One grid, not a row of boxes each: the columns keep their widths from row to row.
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        for name, (row, column, span) in _PLACES.items():
            grid.addWidget(self.boxes[name], row, column, 1, span, Qt.AlignmentFlag.AlignTop)
        grid.addLayout(quick, 3, 0, 1, 4)
        for column in range(4):
            grid.setColumnStretch(column, 1)

        vbox(
            self.general_problem,
            grid,
            STRETCH,
            self.buttons,
            margins=None,
            spacing=10,
            parent=self,
        )
        # The fields in screen order, the quick end times after the end.
        editors = [self.boxes[name].editor for name in TEMPORARY_FIELDS]
        tab_order(
            *editors[:6],
            self.two_hours_button,
            self.today_button,
            self.three_days_button,
            *editors[6:],
            self.continue_button,
            self.buttons.button(self.buttons.StandardButton.Cancel),
        )

    def _default_period(self) -> tuple[datetime, datetime]:
        """From now (to the minute) to the end of today, in the office's time zone."""
        now = datetime.now(self.zone).replace(second=0, microsecond=0)
        return now, self._day_end(now, 0)

    def _day_end(self, start: datetime, days_after: int) -> datetime:
        day = start.astimezone(self.zone).date() + timedelta(days=days_after)
        return datetime.combine(day, time(23, 59), tzinfo=self.zone)

    def _to_qt(self, moment: datetime) -> QDateTime:
        seconds = int(moment.timestamp())
        if self.qt_zone.isValid():
            return QDateTime.fromSecsSinceEpoch(seconds, self.qt_zone)
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

    def _period_changed(self) -> None:
        # The start and the end are judged together: changing either answers both.
        self._edited("from")
        self._edited("until")
        self._update_length()

    def _update_length(self) -> None:
        length = self.end() - self.start()
        zone_name = self.start().tzname() or self.time_zone
        lasts = (
            f"Lasts {describe_length(length)}" if length > timedelta(0) else "Ends before it starts"
        )
        self.length_label.setText(f"{lasts}; times are {zone_name}")

    def price(self) -> Decimal | None:
        try:
            return parse_money(self.price_edit.text(), field="price", label="the price")
        except ValidationError:
            return None

    def _price_changed(self) -> None:
        free = self.price() == 0
        self.free_reason_edit.setEnabled(free)
        self.free_hint.setText(
            f"Required when the price is {format_money(Decimal(0), self.currency)}."
            if free
            else "Only for permits issued free."
        )
        self.accept_text = "&Continue to issue" if free else "&Continue to payment"
        self.continue_button.setText(self.accept_text)

    def _update_stored_as(self) -> None:
        text = self.plate_edit.text()
        if not text.strip():
            self.stored_as.setText("Spaces, dashes and dots are ignored.")
        elif is_plate_like(text):
            self.stored_as.setText(f"Stored as {normalize_plate(text)}")
        else:
            self.stored_as.setText("Use letters A to Z and digits only.")

    def problems(self) -> list[FieldProblem]:
        _amount, problems = temporary_permit_problems(
            lot_id=self.lot_combo.currentData() if self.lot_combo.currentIndex() >= 0 else None,
            jurisdiction=self.jurisdiction_edit.code(),
            plate=self.plate_edit.text(),
            start=self.start(),
            end=self.end(),
            price=self.price_edit.text(),
            free_reason=self.free_reason_edit.text(),
            now=datetime.now(UTC),
        )
        return problems

    def describe(self) -> str:
        kind = KIND_TITLES[str(self.kind_combo.currentData())]
        plate = normalize_plate(self.plate_edit.text())
        jurisdiction = self.jurisdiction_edit.code()
        lot = self.lot_combo.currentText()
        length = describe_length(self.end() - self.start())
        return f"{kind} for {jurisdiction} {plate}, {lot}, {length}"

    def continue_to_payment(self) -> PaymentDialog | None:
        """Check the form, then open the payment dialog for the price (None when a field
        is refused)."""
        before = self.payment_dialog
        self.submit()
        return self.payment_dialog if self.payment_dialog is not before else None

    def accept(self) -> None:
        """The form is sound: take the payment. The dialog closes once the permit is issued."""
        if self.payment is not None:
            super().accept()
            return
        price = self.price() or Decimal(0)
        kind = str(self.kind_combo.currentData())
        issue = partial(
            self.service.issue_temporary,
            kind=kind,
            jurisdiction=self.jurisdiction_edit.code(),
            plate=self.plate_edit.text().strip(),
            lot_id=int(self.lot_combo.currentData()),
            start=self.start(),
            end=self.end(),
            price=price,
            free_reason=self.free_reason_edit.text().strip() if price == 0 else "",
            parker_id=self.parker_id,
            note=self.note_edit.text().strip(),
        )
        title = f"Issue {KIND_TITLES[kind].lower()}" if price == 0 else "Take payment"
        self._pay(title, self.describe(), price, issue)

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

    def show_problems(self, problems: Iterable[FieldProblem]) -> None:
        problems = list(problems)
        super().show_problems(problems)
        refused = {p.field for p in problems}
        for name, hint in self._hints.items():
            hint.setVisible(name not in refused)

    def clear_problems(self) -> None:
        super().clear_problems()
        for hint in self._hints.values():
            hint.show()
        grow_to_fit(self)

    def _edited(self, name: str) -> None:
        if name in self._hints and self.boxes[name].has_problem:
            self._hints[name].show()
        super()._edited(name)
