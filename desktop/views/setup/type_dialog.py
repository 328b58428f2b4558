"""Create, edit or look at one permit type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QWidget,
)

from desktop.services.localization import format_day
from desktop.services.parkers import AFFILIATION_TITLES
from desktop.services.permit_setup import (
    MAX_DAYS,
    PRORATION_TITLES,
    PRORATIONS_FOR,
    SALE_MODE_CHOICES,
    PermitTypeDraft,
    PermitTypeInfo,
    next_academic_year,
)
from desktop.views.kit.editors import hint, span_grid, spin_box
from desktop.views.kit.forms import capitals, tick_boxes
from desktop.views.kit.layout import field_grid, line_edit
from desktop.views.kit.setup_desk import DeskDialog

if TYPE_CHECKING:
    from desktop.views.setup.desk import PermitSetupDesk

#: Affiliations in the order the office lists them.
AFFILIATIONS = tuple(AFFILIATION_TITLES)
VALIDITY_CHOICES = {"term": "Fixed term", "monthly": "Monthly", "days": "Number of days"}
VALIDITY_HINTS = {
    "term": "From the first to the last day, such as a semester or an academic year.",
    "monthly": "The calendar month the permit starts in; renewed month by month.",
    "days": "From the day the permit starts.",
}


#: The late-start rules that mean something for each kind of validity.
def _combo(choices: dict[str, str]) -> QComboBox:
    combo = QComboBox()
    for key, title in choices.items():
        combo.addItem(title, key)
    return combo


def _date_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    edit.setDateRange(QDate(2000, 1, 1), QDate(2100, 12, 31))
    return edit


class PermitTypeDialog(DeskDialog):
    """Create, edit or (for clerks) look at one permit type."""

    KIND, NAME = "permit type", "permitTypeDialog"

    def __init__(
        self, desk: PermitSetupDesk, permit_type: PermitTypeInfo | None, today: date | None = None
    ) -> None:
        service, overview = desk.service, desk.shown()
        super().__init__(
            desk, permit_type, service.save_permit_type, service.permit_type, create=True
        )
        self.lots = list(overview.lots)
        self.setMinimumWidth(860)
        self._build_fields(overview.office.currency)
        self._finish_layout(self._build_grid())
        if permit_type is not None:
            self._fill(permit_type)
        else:
            start, end = next_academic_year(today or date.today())  # noqa: DTZ011 - a local day
            self.term_start_edit.setDate(QDate(start.year, start.month, start.day))
            self.term_end_edit.setDate(QDate(end.year, end.month, end.day))
        self._baseline = self.draft()
        self._validity_changed()
        if self.read_only:
            for item in self.lot_checks.values():
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)

    def _build_fields(self, currency: str) -> None:
        self.code_edit = line_edit(placeholder="e.g. FAC-AY", max_length=12)
        self.name_edit = line_edit(
            placeholder="e.g. Faculty & staff, academic year", max_length=100
        )
        self.price_edit = line_edit(placeholder="e.g. 480.00", right=True)
        self.validity_combo = _combo(VALIDITY_CHOICES)
        self.term_start_edit = _date_edit()
        self.term_end_edit = _date_edit()
        self.days_spin = spin_box(1, MAX_DAYS, 30, " days")
        self.proration_combo = _combo(PRORATION_TITLES)
        self.sale_mode_combo = _combo(SALE_MODE_CHOICES)
        self.limit_spin = spin_box(1, 10, 1)
        self.max_vehicles_spin = spin_box(1, 5, 2)
        self.offer_hours_spin = spin_box(1, 720, 48, " hours")
        self.active_check = QCheckBox("On sale")
        self.active_check.setChecked(True)
        self.active_check.setToolTip("Clear it to stop new sales; permits sold stay valid.")
        self.affiliation_box, self.affiliation_checks = tick_boxes(
            AFFILIATION_TITLES, "affiliation_", 2, (18, 8)
        )
        self.lots_list = QListWidget()
        self.lots_list.setObjectName("permitTypeLots")
        self.lot_checks: dict[int, QListWidgetItem] = {}
        for lot in sorted(self.lots, key=lambda lot: lot.code):
            item = QListWidgetItem(
                f"{lot.code} \u2014 {lot.name}" + ("" if lot.active else " (closed)")
            )
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.lots_list.addItem(item)
            self.lot_checks[lot.id] = item
        rows = min(max(len(self.lots), 4), 8)
        self.lots_list.setFixedHeight(self.lots_list.fontMetrics().height() * rows + 8 * rows + 8)
        self.declare(
            ("code", "Code", self.code_edit),
            ("name", "Name", self.name_edit),
            ("price", f"Price ({currency})", self.price_edit),
            ("validity", "Valid for", self.validity_combo),
            ("term_start", "First day", self.term_start_edit),
            ("term_end", "Last day", self.term_end_edit),
            ("days", "Number of days", self.days_spin),
            ("proration", "Price for a late start", self.proration_combo),
            ("sale_mode", "Sold", self.sale_mode_combo),
            ("per_parker_limit", "Per parker (at most)", self.limit_spin),
            ("max_vehicles", "Vehicles per permit", self.max_vehicles_spin),
            ("offer_hours", "Waitlist offer held for", self.offer_hours_spin),
            ("active", "Status", self.active_check),
            ("affiliations", "Who may buy it", self.affiliation_box),
            ("lots", "Lots it is sold for", self.lots_list),
        )
        capitals(self.code_edit)
        self.validity_combo.currentIndexChanged.connect(lambda _i: self._validity_changed())

    def _build_grid(self) -> QGridLayout:
        boxes = self.boxes
        # The fields of the chosen kind of validity only.
        self.validity_pages = {
            "term": field_grid([boxes["term_start"], boxes["term_end"]]),
            "monthly": QWidget(),
            "days": field_grid([boxes["days"], None]),
        }
        self.validity_stack = QStackedWidget()
        for page in self.validity_pages.values():
            self.validity_stack.addWidget(page)
        self.validity_hint = hint()
        return span_grid(
            [(boxes["code"], 1), (boxes["name"], 3)],
            [(boxes["price"], 1), (boxes["validity"], 1), (self.validity_stack, 2)],
            [(None, 1), (self.validity_hint, 3)],
            [(boxes["proration"], 2), (boxes["sale_mode"], 2)],
            [(boxes[n], 1) for n in ("per_parker_limit", "max_vehicles", "offer_hours", "active")],
            [(boxes["affiliations"], 2), (boxes["lots"], 2)],
            columns=4,
        )

    def _validity_changed(self) -> None:
        kind = str(self.validity_combo.currentData())
        self.validity_stack.setCurrentWidget(self.validity_pages[kind])
        self.validity_hint.setText(VALIDITY_HINTS[kind])
        # Only the late-start rules that mean something for this kind of validity.
        allowed = PRORATIONS_FOR.get(kind, tuple(PRORATION_TITLES))
        model = self.proration_combo.model()
        if isinstance(model, QStandardItemModel):
            for row in range(model.rowCount()):
                item = model.item(row)
                if item is not None:
                    item.setEnabled(item.data(Qt.ItemDataRole.UserRole) in allowed)
        if self.proration_combo.currentData() not in allowed:
            self.proration_combo.setCurrentIndex(self.proration_combo.findData("none"))
        self.proration_combo.setEnabled(not self.read_only and len(allowed) > 1)
        self.proration_combo.setToolTip(
            "A permit of a number of days starts on the day it is sold: always full price."
            if kind == "days"
            else ""
        )
        self._edited("validity")

    def _show(self, record: PermitTypeInfo) -> None:
        # The affiliations and lots are ticked below.
        self.show_field_values(PermitTypeDraft.of(record), *self.FIELDS[:-2])
        self.name_edit.setCursorPosition(0)
        for key, check in self.affiliation_checks.items():
            check.setChecked(key in record.affiliations)
        for lot_id, item in self.lot_checks.items():
            checked = lot_id in record.lot_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def draft(self) -> PermitTypeDraft:
        """What the form holds, as the service takes it."""
        values = self.field_values(*self.FIELDS[:-2])
        if values["validity"] != "term":
            values["term_start"] = values["term_end"] = None
        if values["validity"] != "days":
            values["days"] = None
        return PermitTypeDraft(
            **values,
            affiliations=tuple(k for k, c in self.affiliation_checks.items() if c.isChecked()),
            lot_ids=tuple(
                lot_id
                for lot_id, item in self.lot_checks.items()
                if item.checkState() == Qt.CheckState.Checked
            ),
        )

    def changed_fields(self) -> list[tuple[str, str]]:
        typed, loaded = self.draft(), self._baseline
        words: dict[str, Callable[[PermitTypeDraft], str]] = {
            "code": lambda d: d.code,
            "name": lambda d: d.name,
            "price": lambda d: d.price,
            "validity": lambda d: VALIDITY_CHOICES.get(d.validity, d.validity),
            "term_start": lambda d: format_day(d.term_start) if d.term_start else "",
            "term_end": lambda d: format_day(d.term_end) if d.term_end else "",
            "days": lambda d: str(d.days or ""),
            "proration": lambda d: PRORATION_TITLES.get(d.proration, d.proration),
            "sale_mode": lambda d: SALE_MODE_CHOICES.get(d.sale_mode, d.sale_mode),
            "per_parker_limit": lambda d: str(d.per_parker_limit),
            "max_vehicles": lambda d: str(d.max_vehicles),
            "offer_hours": lambda d: f"{d.offer_hours} hours",
            "active": lambda d: "On sale" if d.active else "Withdrawn",
            "affiliations": lambda d: ", ".join(
                AFFILIATION_TITLES[a] for a in AFFILIATIONS if a in d.affiliations
            ),
            "lots": lambda d: ", ".join(lot.code for lot in self.lots if lot.id in set(d.lot_ids)),
        }
        return [
            (self.boxes[name].caption.text(), fn(typed) or "(empty)")
            for name, fn in words.items()
            if fn(typed) != fn(loaded)
        ]
