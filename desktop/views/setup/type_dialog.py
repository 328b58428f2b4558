"""Create, edit or look at one permit type."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from PySide6.QtCore import (
    QDate,
    Qt,
)
from PySide6.QtGui import (
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
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
    SALE_MODE_CHOICES,
    LotInfo,
    PermitSetupService,
    PermitTypeDraft,
    PermitTypeInfo,
)
from desktop.services.versioned import format_when
from desktop.views.kit.forms import FieldBox
from desktop.views.kit.layout import tab_order
from desktop.views.kit.operations import OperationRunner
from desktop.views.setup.common import (
    _RIGHT,
    AFFILIATIONS,
    ID_ROLE,
    PRORATIONS_FOR,
    VALIDITY_CHOICES,
    VALIDITY_HINTS,
    _combo,
    _hint,
    _next_academic_year,
    _pydate,
    _qdate,
    _SetupDialog,
    _spin,
)


class PermitTypeDialog(_SetupDialog):
    """Create, edit or (for clerks) look at one permit type."""

    RECORD, SAVE, LOAD = "permit_type", "save_permit_type", "permit_type"

    FIELDS = (
        "code",
        "name",
        "price",
        "validity",
        "term_start",
        "term_end",
        "days",
        "proration",
        "sale_mode",
        "per_parker_limit",
        "max_vehicles",
        "offer_hours",
        "active",
        "affiliations",
        "lots",
    )

    def __init__(
        self,
        service: PermitSetupService,
        runner: OperationRunner,
        lots: Iterable[LotInfo],
        currency: str,
        permit_type: PermitTypeInfo | None = None,
        *,
        read_only: bool = False,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, read_only, parent)
        self.service = service
        self.permit_type = permit_type
        self.lots = list(lots)
        self.currency = currency
        self.setObjectName("permitTypeDialog")
        if permit_type is None:
            self.setWindowTitle("New permit type")
        elif read_only:
            self.setWindowTitle(f"Permit type {permit_type.code}")
        else:
            self.setWindowTitle(f"Edit permit type {permit_type.code}")
        self.setMinimumWidth(860)
        self._build_fields()
        self._finish_layout(self._build_grid())
        self._set_tab_order()
        if self.save_button is not None:
            self.save_button.setText("Create permit type" if permit_type is None else "Save")
        self._connect_edits()
        if permit_type is not None:
            self._fill(permit_type)
        else:
            start, end = _next_academic_year(today or date.today())  # noqa: DTZ011 - a local day
            self.term_start_edit.setDate(_qdate(start))
            self.term_end_edit.setDate(_qdate(end))
            self.audit_label.hide()
        self._baseline = self.draft()
        self._validity_changed()
        if read_only:
            self._set_read_only()
        self.code_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- building -----------------------------------------------------------------------

    def _build_fields(self) -> None:
        self.code_edit = QLineEdit()
        self.code_edit.setMaxLength(12)
        self.code_edit.setPlaceholderText("e.g. FAC-AY")
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(100)
        self.name_edit.setPlaceholderText("e.g. Faculty & staff, academic year")
        self.price_edit = QLineEdit()
        self.price_edit.setPlaceholderText("e.g. 480.00")
        self.price_edit.setAlignment(_RIGHT)
        self.validity_combo = _combo(VALIDITY_CHOICES)
        self.term_start_edit = self._date_edit()
        self.term_end_edit = self._date_edit()
        self.days_spin = _spin(1, MAX_DAYS, 30, " days")
        self.proration_combo = _combo(PRORATION_TITLES)
        self.sale_mode_combo = _combo(SALE_MODE_CHOICES)
        self.limit_spin = _spin(1, 10, 1)
        self.max_vehicles_spin = _spin(1, 5, 2)
        self.offer_hours_spin = _spin(1, 720, 48, " hours")
        self.active_check = QCheckBox("On sale")
        self.active_check.setChecked(True)
        self.active_check.setToolTip("Clear it to stop new sales; permits sold stay valid.")
        self._build_choices()

    def _build_choices(self) -> None:
        self.affiliation_checks: dict[str, QCheckBox] = {}
        self.affiliation_box = QWidget()
        grid = QGridLayout(self.affiliation_box)
        grid.setContentsMargins(2, 4, 2, 4)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(8)
        for position, key in enumerate(AFFILIATIONS):
            check = QCheckBox(AFFILIATION_TITLES[key])
            check.setObjectName(f"affiliation_{key}")
            self.affiliation_checks[key] = check
            grid.addWidget(check, position // 2, position % 2)
        self.lots_list = QListWidget()
        self.lots_list.setObjectName("permitTypeLots")
        self.lot_checks: dict[int, QListWidgetItem] = {}
        for lot in sorted(self.lots, key=lambda lot: lot.code):
            label = f"{lot.code} \u2014 {lot.name}" + ("" if lot.active else " (closed)")
            item = QListWidgetItem(label)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(ID_ROLE, lot.id)
            self.lots_list.addItem(item)
            self.lot_checks[lot.id] = item
        rows = min(max(len(self.lots), 4), 8)
        self.lots_list.setFixedHeight(self.lots_list.fontMetrics().height() * rows + 8 * rows + 8)

    @staticmethod
    def _date_edit() -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        edit.setDateRange(QDate(2000, 1, 1), QDate(2100, 12, 31))
        return edit

    def _build_grid(self) -> QGridLayout:
        self.validity_hint = _hint("")
        self.boxes = {
            "code": FieldBox("Code", self.code_edit),
            "name": FieldBox("Name", self.name_edit),
            "price": FieldBox(f"Price ({self.currency})", self.price_edit),
            "validity": FieldBox("Valid for", self.validity_combo),
            "term_start": FieldBox("First day", self.term_start_edit),
            "term_end": FieldBox("Last day", self.term_end_edit),
            "days": FieldBox("Number of days", self.days_spin),
            "proration": FieldBox("Price for a late start", self.proration_combo),
            "sale_mode": FieldBox("Sold", self.sale_mode_combo),
            "per_parker_limit": FieldBox("Per parker (at most)", self.limit_spin),
            "max_vehicles": FieldBox("Vehicles per permit", self.max_vehicles_spin),
            "offer_hours": FieldBox("Waitlist offer held for", self.offer_hours_spin),
            "active": FieldBox("Status", self.active_check),
            "affiliations": FieldBox("Who may buy it", self.affiliation_box),
            "lots": FieldBox("Lots it is sold for", self.lots_list),
        }
        # The fields of the chosen kind of validity only.
        term_page = QWidget()
        term_row = QHBoxLayout(term_page)
        term_row.setContentsMargins(0, 0, 0, 0)
        term_row.setSpacing(12)
        term_row.addWidget(self.boxes["term_start"], 1, Qt.AlignmentFlag.AlignTop)
        term_row.addWidget(self.boxes["term_end"], 1, Qt.AlignmentFlag.AlignTop)
        days_page = QWidget()
        days_row = QHBoxLayout(days_page)
        days_row.setContentsMargins(0, 0, 0, 0)
        days_row.setSpacing(12)
        days_row.addWidget(self.boxes["days"], 1, Qt.AlignmentFlag.AlignTop)
        days_row.addStretch(1)
        self.validity_stack = QStackedWidget()
        self.validity_pages = {"term": term_page, "monthly": QWidget(), "days": days_page}
        for page in self.validity_pages.values():
            self.validity_stack.addWidget(page)

        top = Qt.AlignmentFlag.AlignTop
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        grid.addWidget(self.boxes["code"], 0, 0, top)
        grid.addWidget(self.boxes["name"], 0, 1, 1, 3, top)
        grid.addWidget(self.boxes["price"], 1, 0, top)
        grid.addWidget(self.boxes["validity"], 1, 1, top)
        grid.addWidget(self.validity_stack, 1, 2, 1, 2, top)
        grid.addWidget(self.validity_hint, 2, 1, 1, 3, top)
        grid.addWidget(self.boxes["proration"], 3, 0, 1, 2, top)
        grid.addWidget(self.boxes["sale_mode"], 3, 2, 1, 2, top)
        grid.addWidget(self.boxes["per_parker_limit"], 4, 0, top)
        grid.addWidget(self.boxes["max_vehicles"], 4, 1, top)
        grid.addWidget(self.boxes["offer_hours"], 4, 2, top)
        grid.addWidget(self.boxes["active"], 4, 3, top)
        grid.addWidget(self.boxes["affiliations"], 5, 0, 1, 2, top)
        grid.addWidget(self.boxes["lots"], 5, 2, 1, 2, top)
        for column in range(4):
            grid.setColumnStretch(column, 1)
        return grid

    def _set_tab_order(self) -> None:
        tab_order(
            self.code_edit,
            self.name_edit,
            self.price_edit,
            self.validity_combo,
            self.term_start_edit,
            self.term_end_edit,
            self.days_spin,
            self.proration_combo,
            self.sale_mode_combo,
            self.limit_spin,
            self.max_vehicles_spin,
            self.offer_hours_spin,
            self.active_check,
            *self.affiliation_checks.values(),
            self.lots_list,
        )

    def _connect_edits(self) -> None:
        self.code_edit.textEdited.connect(lambda t: self._capitals(self.code_edit, t, "code"))
        self.name_edit.textEdited.connect(lambda _t: self._edited("name"))
        self.price_edit.textEdited.connect(lambda _t: self._edited("price"))
        self.validity_combo.currentIndexChanged.connect(lambda _i: self._validity_changed())
        self.term_start_edit.dateChanged.connect(lambda _d: self._edited("term_start"))
        self.term_end_edit.dateChanged.connect(lambda _d: self._edited("term_end"))
        self.days_spin.valueChanged.connect(lambda _v: self._edited("days"))
        self.proration_combo.currentIndexChanged.connect(lambda _i: self._edited("proration"))
        for check in self.affiliation_checks.values():
            check.toggled.connect(lambda _on: self._edited("affiliations"))
        self.lots_list.itemChanged.connect(lambda _item: self._edited("lots"))

    def _validity_changed(self) -> None:
        kind = str(self.validity_combo.currentData())
        self.validity_stack.setCurrentWidget(self.validity_pages[kind])
        self.validity_hint.setText(VALIDITY_HINTS[kind])
        self._offer_prorations(kind)
        self._edited("validity")

    def _offer_prorations(self, kind: str) -> None:
        """Only the late-start rules that mean something for this kind of validity."""
        allowed = PRORATIONS_FOR.get(kind, set(PRORATION_TITLES))
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

    def _set_read_only(self) -> None:
        for edit in (self.code_edit, self.name_edit, self.price_edit):
            edit.setReadOnly(True)
            edit.setPlaceholderText("")
        for widget in (
            self.validity_combo,
            self.term_start_edit,
            self.term_end_edit,
            self.days_spin,
            self.proration_combo,
            self.sale_mode_combo,
            self.limit_spin,
            self.max_vehicles_spin,
            self.offer_hours_spin,
            self.active_check,
            *self.affiliation_checks.values(),
        ):
            widget.setEnabled(False)
        for item in self.lot_checks.values():
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)

    # -- values -------------------------------------------------------------------------

    def _fill(self, record: object) -> None:
        if not isinstance(record, PermitTypeInfo):
            return
        self.permit_type = record
        self.code_edit.setText(record.code)
        self.name_edit.setText(record.name)
        self.name_edit.setCursorPosition(0)
        self.price_edit.setText(f"{record.price:.2f}")
        self.validity_combo.setCurrentIndex(max(self.validity_combo.findData(record.validity), 0))
        if record.term_start is not None:
            self.term_start_edit.setDate(_qdate(record.term_start))
        if record.term_end is not None:
            self.term_end_edit.setDate(_qdate(record.term_end))
        if record.days is not None:
            self.days_spin.setValue(record.days)
        self.proration_combo.setCurrentIndex(
            max(self.proration_combo.findData(record.proration), 0)
        )
        self.sale_mode_combo.setCurrentIndex(
            max(self.sale_mode_combo.findData(record.sale_mode), 0)
        )
        self.limit_spin.setValue(record.per_parker_limit)
        self.max_vehicles_spin.setValue(record.max_vehicles)
        self.offer_hours_spin.setValue(record.offer_hours)
        self.active_check.setChecked(record.active)
        for key, check in self.affiliation_checks.items():
            check.setChecked(key in record.affiliations)
        for lot_id, item in self.lot_checks.items():
            checked = lot_id in record.lot_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.audit_label.setText(
            self.service.workspace.identity.changed_words(
                "Last changed", record.updated_by, format_when(record.updated_at)
            )
            + "."
        )
        self.audit_label.show()
        self._baseline = self.draft()
        self.clear_problems()

    def draft(self) -> PermitTypeDraft:
        """What the form holds, as the service takes it."""
        kind = str(self.validity_combo.currentData())
        return PermitTypeDraft(
            code=self.code_edit.text(),
            name=self.name_edit.text(),
            price=self.price_edit.text(),
            validity=kind,
            term_start=_pydate(self.term_start_edit.date()) if kind == "term" else None,
            term_end=_pydate(self.term_end_edit.date()) if kind == "term" else None,
            days=self.days_spin.value() if kind == "days" else None,
            affiliations=tuple(k for k, c in self.affiliation_checks.items() if c.isChecked()),
            lot_ids=tuple(
                lot_id
                for lot_id, item in self.lot_checks.items()
                if item.checkState() == Qt.CheckState.Checked
            ),
            per_parker_limit=self.limit_spin.value(),
            max_vehicles=self.max_vehicles_spin.value(),
            sale_mode=str(self.sale_mode_combo.currentData()),
            proration=str(self.proration_combo.currentData()),
            offer_hours=self.offer_hours_spin.value(),
            active=self.active_check.isChecked(),
        )

    def _focus_target(self, name: str) -> QWidget:
        if name == "affiliations":
            return self.affiliation_checks[AFFILIATIONS[0]]
        return super()._focus_target(name)

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
