"""The permit setup desk: permit types, lots and their zones, and the office's settings.

Managers edit in dialogs that keep every message under its field; clerks see the same
lists read-only (a double-click shows a permit type's full details). The lists reload
by themselves when anyone changes a type, a lot, a zone or the settings, and the
availability counts follow sales at the counter (a burst of sales is one reload).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QKeySequence,
    QShortcut,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.services.contacts import region_choices
from desktop.services.errors import ConflictError, FieldProblem, KnownError, ValidationError
from desktop.services.live import Change, Resync
from desktop.services.parkers import AFFILIATION_TITLES, format_when
from desktop.services.permit_setup import (
    MAX_CAPACITY,
    MAX_DAYS,
    MAX_FOOTER,
    PRORATION_TITLES,
    SALE_MODE_CHOICES,
    LotDraft,
    LotInfo,
    LotSaved,
    OfficeSettings,
    OfficeSettingsDraft,
    PermitSetupService,
    PermitTypeDraft,
    PermitTypeInfo,
    SetupOverview,
    ZoneDraft,
    format_day,
    time_zone_choices,
)
from desktop.views.kit.dialogs import ConflictDialog
from desktop.views.kit.forms import ERROR_COLOUR, FieldBox, FormDialog, form_style
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.tables import (
    KEY_ROLE,
    SORT_ROLE,
    Column,
    DeskTable,
    RowsModel,
    money_column,
)
from desktop.views.kit.widgets import (
    EmptyState,
    NoticeBar,
    failure_while_alive,
    mark_invalid,
    resources_dir,
    while_alive,
)

#: Affiliations in the order the office lists them.
AFFILIATIONS = tuple(AFFILIATION_TITLES)

if TYPE_CHECKING:
    from desktop.services.workspace import Identity, Workspace
    from desktop.views.kit.live import LiveChanges

_Index = QModelIndex | QPersistentModelIndex

#: Changes to the setup itself: reload soon after the last one of a burst.
SETUP_TABLES = frozenset({"permit_type", "permit_type_lot", "lot", "zone", "office_setting"})
#: Sales and waitlist offers move the availability counts: reload at most this often.
COUNT_TABLES = frozenset({"permit", "waitlist_entry"})
SETUP_DELAY_MS = 150
COUNTS_DELAY_MS = 1000

#: As wide as a code gets (12 characters), so no code in a list is cut.
WIDEST_CODE = "FAC-MWQ-2026"
#: The id a row (or a zone item) stands for.
ID_ROLE = KEY_ROLE

VALIDITY_CHOICES = {"term": "Fixed term", "monthly": "Monthly", "days": "Number of days"}
VALIDITY_HINTS = {
    "term": "From the first to the last day, such as a semester or an academic year.",
    "monthly": "The calendar month the permit starts in; renewed month by month.",
    "days": "From the day the permit starts.",
}
#: The late-start rules that mean something for each kind of validity.
PRORATIONS_FOR = {
    "term": {"none", "daily", "monthly"},
    "monthly": {"none", "daily"},
    "days": {"none"},
}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
# Date and number editors get the look the application style sheet gives line edits and
# combo boxes. Number fields are typed (or stepped with the arrow keys): the style sheet
# cannot draw spin buttons that match, so they have none.
_EDITOR_STYLE = (
    "QDateEdit { background: #ffffff; border: 1px solid #c4ccd8; border-radius: 4px; "
    "padding: 5px 7px; min-height: 18px; } "
    "QDateEdit::drop-down { subcontrol-origin: padding; subcontrol-position: center right; "
    "width: 24px; border: none; } "
    "QSpinBox { padding-right: 7px; } "
    "QSpinBox::up-button, QSpinBox::down-button { subcontrol-origin: border; width: 0px; } "
    "QDateEdit:focus, QSpinBox:focus { border: 1px solid #2563eb; } "
    "QDateEdit:disabled, QSpinBox:disabled, QComboBox:disabled "
    "{ background: #eef1f5; color: #374151; } "
    "QCheckBox:disabled { color: #374151; } "
    'QDateEdit[invalid="true"], QSpinBox[invalid="true"], QListWidget[invalid="true"], '
    'QTableWidget[invalid="true"] { border: 1px solid #d92d20; background: #fff6f5; } '
    "QListWidget, QTableWidget { background: #ffffff; border: 1px solid #c4ccd8; "
    "border-radius: 4px; } "
    "QListWidget::item { padding: 3px 4px; } "
)
_TAB_STYLE = (
    "QTabWidget::pane { border: none; border-top: 1px solid #dde2e9; top: -1px; "
    "background: transparent; } "
    "QTabWidget::tab-bar { left: 0px; } "
    "QTabBar::tab { background: transparent; border: none; "
    "border-bottom: 2px solid transparent; padding: 7px 16px; margin-right: 4px; "
    "color: #4b5563; } "
    "QTabBar::tab:hover { color: #111827; } "
    "QTabBar::tab:selected { color: #1d4fd7; border-bottom: 2px solid #2563eb; "
    "font-weight: 600; } "
)


def _arrow_style(resources: str) -> str:
    return (
        f"QDateEdit::down-arrow {{ image: url({resources}/chevron-down.svg); "
        "width: 12px; height: 12px; }"
    )


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _next_academic_year(today: date) -> tuple[date, date]:
    """1 September to 31 August of the academic year that starts next (a new type's term)."""
    year = today.year if today.month < 9 else today.year + 1
    return date(year, 9, 1), date(year + 1, 8, 31)


def _combo(choices: dict[str, str]) -> QComboBox:
    combo = QComboBox()
    for key, title in choices.items():
        combo.addItem(title, key)
    return combo


def _spin(low: int, high: int, value: int, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


def _resources() -> str:
    return resources_dir().as_posix()


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


# -- tables ---------------------------------------------------------------------------------


class PermitTypeTableModel(RowsModel[PermitTypeInfo]):
    """The permit types as rows (a short list: loaded whole)."""

    CODE, NAME, PRICE, VALIDITY, ELIGIBLE, LOTS, SOLD, LIMIT = range(8)

    def __init__(self, parent: QObject | None = None) -> None:
        self.currency = "USD"
        super().__init__(
            [
                Column("Code", lambda t: t.code, tooltip=_type_tooltip, samples=(WIDEST_CODE,)),
                Column("Name", lambda t: t.name, tooltip=_type_tooltip, stretch=True),
                money_column("Price", lambda t: t.price, lambda: self.currency),
                Column(
                    "Validity",
                    lambda t: t.validity_words,
                    tooltip=_type_tooltip,
                    sort=lambda t: f"{t.validity} {t.term_start or ''} {t.days or 0:04d}",
                    samples=("Term 30 Sep 2026 \u2013 31 Aug 2027",),
                ),
                Column(
                    "Eligible",
                    lambda t: t.affiliation_words,
                    tooltip=_type_tooltip,
                    samples=("Faculty, Staff",),
                ),
                Column(
                    "Lots",
                    lambda t: ", ".join(t.lot_codes) or "None",
                    tooltip=_type_tooltip,
                    samples=("A, B, C",),
                ),
                Column(
                    "Sold",
                    lambda t: t.sale_mode_words if t.active else "Withdrawn",
                    tooltip=_type_tooltip,
                    samples=("Through the waitlist", "Withdrawn"),
                    header_tip="First come, through the waitlist, or withdrawn (no longer sold)",
                ),
                Column(
                    "Limit",
                    lambda t: str(t.per_parker_limit),
                    tooltip=_type_tooltip,
                    align="right",
                    sort=lambda t: t.per_parker_limit,
                    header_tip="How many permits of this type one parker may hold at a time",
                ),
            ],
            key=lambda t: t.id,
            dimmed=lambda t: not t.active,
            parent=parent,
        )

    def show_types(self, rows: Iterable[PermitTypeInfo], currency: str) -> None:
        """The types, their prices in ``currency`` (the office's)."""
        self.currency = currency
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def permit_type(self, row: int | None) -> PermitTypeInfo | None:
        return None if row is None else self.row_at(row)


def _type_tooltip(info: PermitTypeInfo) -> str:
    vehicles = "1 vehicle" if info.max_vehicles == 1 else f"{info.max_vehicles} vehicles"
    sold = f"Sold {info.sale_mode_words.lower()}" if info.active else "Withdrawn: not sold"
    return (
        f"{info.name} ({info.code})\n"
        f"{info.validity_words}; for {info.affiliation_words}\n"
        f"Lots: {', '.join(info.lot_codes) or 'none'}\n"
        f"{sold}; at most {info.per_parker_limit} per parker\n"
        f"Late start: {info.proration_words}\n"
        f"Up to {vehicles} per permit; waitlist offers held {info.offer_hours} hours\n"
        f"Last changed by {info.updated_by} at {format_when(info.updated_at)}"
    )


def _free_words(lot: LotInfo) -> str:
    over = lot.taken + lot.offered - lot.capacity
    return f"0 (over by {over})" if over > 0 else f"{lot.free:,}"


class LotTableModel(RowsModel[LotInfo]):
    """The lots with their capacity and what is taken and free right now."""

    CODE, NAME, CAPACITY, TAKEN, FREE, ZONES, STATUS = range(7)

    def __init__(self, parent: QObject | None = None) -> None:
        tip = self._tooltip
        super().__init__(
            [
                Column("Code", lambda lot: lot.code, tooltip=tip, samples=(WIDEST_CODE,)),
                Column("Name", lambda lot: lot.name, tooltip=tip, stretch=True),
                Column(
                    "Capacity",
                    lambda lot: f"{lot.capacity:,}",
                    tooltip=tip,
                    align="right",
                    sort=lambda lot: lot.capacity,
                    samples=("10,000",),
                ),
                Column(
                    "Taken now",
                    lambda lot: f"{lot.taken:,}",
                    tooltip=tip,
                    align="right",
                    sort=lambda lot: lot.taken,
                    samples=("10,000",),
                ),
                Column(
                    "Free now",
                    _free_words,
                    tooltip=tip,
                    align="right",
                    sort=lambda lot: lot.free,
                    colour=lambda lot: ERROR_COLOUR if lot.over_capacity and lot.active else None,
                    samples=("0 (over by 10)",),
                ),
                Column(
                    "Zones",
                    lambda lot: lot.zone_codes or "\u2014",
                    tooltip=tip,
                    samples=("A1, A2, B1, B2",),
                ),
                Column(
                    "Status",
                    lambda lot: "Open" if lot.active else "Closed",
                    tooltip=tip,
                    samples=("Closed",),
                ),
            ],
            key=lambda lot: lot.id,
            dimmed=lambda lot: not lot.active,
            parent=parent,
        )

    def lot(self, row: int | None) -> LotInfo | None:
        return None if row is None else self.row_at(row)

    @staticmethod
    def _tooltip(lot: LotInfo) -> str:
        lines = [f"{lot.name} ({lot.code}): {lot.capacity:,} spaces"]
        lines.append(f"{lot.taken:,} permits valid now")
        if lot.offered:
            lines.append(f"{lot.offered:,} spaces held for waitlist offers")
        if lot.over_capacity:
            lines.append("More permits are valid than there are spaces: no new sales for now.")
        if not lot.active:
            lines.append("Closed: no new permits are sold for it.")
        for zone in lot.zones:
            lines.append(f"Zone {zone.code}: {zone.name}")
        lines.append(f"Last changed by {lot.updated_by} at {format_when(lot.updated_at)}")
        return "\n".join(lines)


def _table(model: QSortFilterProxyModel, name: str) -> DeskTable:
    view = DeskTable()
    view.setObjectName(name)
    view.setModel(model)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.setShowGrid(False)
    view.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    return view


def _proxy(model: RowsModel[Any], parent: QObject) -> QSortFilterProxyModel:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    return proxy


# -- dialogs --------------------------------------------------------------------------------


class _SetupDialog(FormDialog):
    """The permit type and lot dialogs: the set-up desk's editors and date arrows."""

    def __init__(self, runner: OperationRunner, read_only: bool, parent: QWidget | None) -> None:
        super().__init__(runner, read_only=read_only, parent=parent)
        self.setStyleSheet(form_style() + _EDITOR_STYLE + _arrow_style(_resources()))


class PermitTypeDialog(_SetupDialog):
    """Create, edit or (for clerks) look at one permit type."""

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
        order: list[QWidget] = [
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
        ]
        for before, after in itertools.pairwise(order):
            QWidget.setTabOrder(before, after)

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

    def _save_call(self) -> Callable[[], object]:
        draft = self.draft()
        draft.cleaned()  # every field problem at once, before the round trip
        service, record = self.service, self.permit_type
        if record is None:
            return lambda: service.save_permit_type(draft)
        type_id, version = record.id, record.version
        return lambda: service.save_permit_type(draft, type_id, version)

    def _reload_call(self) -> Callable[[], object] | None:
        record, service = self.permit_type, self.service
        if record is None:
            return None
        type_id = record.id
        return lambda: service.permit_type(type_id)

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


class LotDialog(_SetupDialog):
    """Create or edit one lot: code, name, capacity, open or closed, and its zones."""

    FIELDS = ("code", "name", "capacity", "active", "zones")

    def __init__(
        self,
        service: PermitSetupService,
        runner: OperationRunner,
        lot: LotInfo | None = None,
        *,
        read_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, read_only, parent)
        self.service = service
        self.lot = lot
        self.setObjectName("lotDialog")
        if lot is None:
            self.setWindowTitle("New lot")
        else:
            self.setWindowTitle(f"{'Lot' if read_only else 'Edit lot'} {lot.code}")
        self.setMinimumWidth(600)
        self._build()
        if self.save_button is not None:
            self.save_button.setText("Create lot" if lot is None else "Save")
        if lot is not None:
            self._fill(lot)
        else:
            self.audit_label.hide()
            self.availability.hide()
            self._baseline = self.draft()
        if read_only:
            self._set_read_only()
        self.code_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _build(self) -> None:
        self.code_edit = QLineEdit()
        self.code_edit.setMaxLength(12)
        self.code_edit.setPlaceholderText("e.g. LOT-B")
        self.code_edit.textEdited.connect(lambda t: self._capitals(self.code_edit, t, "code"))
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(100)
        self.name_edit.setPlaceholderText("e.g. North garage")
        self.name_edit.textEdited.connect(lambda _t: self._edited("name"))
        self.capacity_spin = _spin(0, MAX_CAPACITY, 0, " spaces")
        self.capacity_spin.setGroupSeparatorShown(True)
        self.capacity_spin.valueChanged.connect(lambda _v: self._edited("capacity"))
        self.active_check = QCheckBox("Open: permits are sold for it")
        self.active_check.setChecked(True)
        self.availability = _hint("")
        zones = self._build_zones()
        self.boxes = {
            "code": FieldBox("Code", self.code_edit),
            "name": FieldBox("Name", self.name_edit),
            "capacity": FieldBox("Capacity", self.capacity_spin),
            "active": FieldBox("Status", self.active_check),
            "zones": FieldBox("Zones", zones),
        }
        self.boxes["zones"].caption.setBuddy(self.zones_table)
        top = Qt.AlignmentFlag.AlignTop
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        grid.addWidget(self.boxes["code"], 0, 0, top)
        grid.addWidget(self.boxes["name"], 0, 1, 1, 2, top)
        grid.addWidget(self.boxes["capacity"], 1, 0, top)
        grid.addWidget(self.boxes["active"], 1, 1, 1, 2, top)
        grid.addWidget(self.availability, 2, 0, 1, 3, top)
        grid.addWidget(self.boxes["zones"], 3, 0, 1, 3, top)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        self._finish_layout(grid)
        order: list[QWidget] = [
            self.code_edit,
            self.name_edit,
            self.capacity_spin,
            self.active_check,
            self.zones_table,
            self.add_zone_button,
            self.remove_zone_button,
        ]
        for before, after in itertools.pairwise(order):
            QWidget.setTabOrder(before, after)

    def _build_zones(self) -> QWidget:
        self.zones_table = QTableWidget(0, 2)
        self.zones_table.setObjectName("lotZones")
        self.zones_table.setHorizontalHeaderLabels(["Code", "Name"])
        self.zones_table.verticalHeader().hide()
        self.zones_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.zones_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.zones_table.horizontalHeader().setStretchLastSection(True)
        self.zones_table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.zones_table.setColumnWidth(0, 130)
        row_height = self.zones_table.fontMetrics().height() + 14
        self.zones_table.verticalHeader().setDefaultSectionSize(row_height)
        self.zones_table.setMinimumHeight(row_height * 4 + 36)
        self.zones_table.itemChanged.connect(lambda _item: self._edited("zones"))
        self.zones_table.itemSelectionChanged.connect(self._zone_selected)
        self.add_zone_button = QPushButton("Add zone")
        self.add_zone_button.setAutoDefault(False)
        self.add_zone_button.clicked.connect(self.add_zone_row)
        self.remove_zone_button = QPushButton("Remove new zone")
        self.remove_zone_button.setAutoDefault(False)
        self.remove_zone_button.setEnabled(False)
        self.remove_zone_button.setToolTip("Saved zones stay: citations and patrols refer to them.")
        self.remove_zone_button.clicked.connect(self._remove_zone_row)
        zones = QWidget()
        zones_layout = QVBoxLayout(zones)
        zones_layout.setContentsMargins(0, 0, 0, 0)
        zones_layout.setSpacing(6)
        zones_layout.addWidget(self.zones_table)
        zone_buttons = QHBoxLayout()
        zone_buttons.addWidget(self.add_zone_button)
        zone_buttons.addWidget(self.remove_zone_button)
        zone_buttons.addStretch(1)
        self.zone_buttons = QWidget()
        self.zone_buttons.setLayout(zone_buttons)
        zone_buttons.setContentsMargins(0, 0, 0, 0)
        zones_layout.addWidget(self.zone_buttons)
        self.zones_hint = _hint(
            "Zones divide a lot for patrols and fines. Saved zones are kept; rename them."
        )
        zones_layout.addWidget(self.zones_hint)
        return zones

    def _set_read_only(self) -> None:
        for edit in (self.code_edit, self.name_edit):
            edit.setReadOnly(True)
            edit.setPlaceholderText("")
        self.capacity_spin.setEnabled(False)
        self.active_check.setEnabled(False)
        self.zones_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.zone_buttons.hide()
        self.zones_hint.hide()

    def _fill(self, record: object) -> None:
        if not isinstance(record, LotInfo):
            return
        self.lot = record
        self.code_edit.setText(record.code)
        self.name_edit.setText(record.name)
        self.name_edit.setCursorPosition(0)
        self.capacity_spin.setValue(record.capacity)
        self.active_check.setChecked(record.active)
        self.zones_table.blockSignals(True)
        try:
            self.zones_table.setRowCount(0)
            for zone in record.zones:
                self._append_zone(zone.code, zone.name, zone.id, zone.version)
        finally:
            self.zones_table.blockSignals(False)
        held = f", {record.offered:,} held for waitlist offers" if record.offered else ""
        advice = (
            ""
            if self.read_only
            else " Capacity may go below what is sold: those permits stay valid and new "
            "sales wait until enough of them end."
        )
        self.availability.setText(
            f"Now: {record.taken:,} permits valid{held}, {record.free:,} spaces free.{advice}"
        )
        self.availability.show()
        self.audit_label.setText(
            self.service.workspace.identity.changed_words(
                "Last changed", record.updated_by, format_when(record.updated_at)
            )
            + "."
        )
        self.audit_label.show()
        self._baseline = self.draft()
        self.clear_problems()

    def _append_zone(self, code: str, name: str, zone_id: int | None, version: int | None) -> int:
        row = self.zones_table.rowCount()
        self.zones_table.insertRow(row)
        code_item = QTableWidgetItem(code)
        code_item.setData(ID_ROLE, (zone_id, version))
        self.zones_table.setItem(row, 0, code_item)
        self.zones_table.setItem(row, 1, QTableWidgetItem(name))
        return row

    def add_zone_row(self) -> None:
        row = self._append_zone("", "", None, None)
        self.zones_table.setCurrentCell(row, 0)
        item = self.zones_table.item(row, 0)
        if item is not None:
            self.zones_table.editItem(item)

    def _zone_key(self, row: int) -> tuple[int | None, int | None]:
        item = self.zones_table.item(row, 0)
        key = item.data(ID_ROLE) if item is not None else None
        if isinstance(key, tuple | list) and len(key) == 2:
            return key[0], key[1]
        return None, None

    def _zone_selected(self) -> None:
        row = self.zones_table.currentRow()
        self.remove_zone_button.setEnabled(row >= 0 and self._zone_key(row)[0] is None)

    def _remove_zone_row(self) -> None:
        row = self.zones_table.currentRow()
        if row >= 0 and self._zone_key(row)[0] is None:
            self.zones_table.removeRow(row)
            self._edited("zones")

    def draft(self) -> LotDraft:
        zones = []
        for row in range(self.zones_table.rowCount()):
            code_item, name_item = self.zones_table.item(row, 0), self.zones_table.item(row, 1)
            zone_id, version = self._zone_key(row)
            zones.append(
                ZoneDraft(
                    code_item.text() if code_item else "",
                    name_item.text() if name_item else "",
                    zone_id,
                    version,
                )
            )
        return LotDraft(
            code=self.code_edit.text(),
            name=self.name_edit.text(),
            capacity=self.capacity_spin.value(),
            active=self.active_check.isChecked(),
            zones=tuple(zones),
        )

    def _save_call(self) -> Callable[[], object]:
        draft = self.draft()
        draft.cleaned()
        service, record = self.service, self.lot
        if record is None:
            return lambda: service.save_lot(draft)
        lot_id, version = record.id, record.version
        return lambda: service.save_lot(draft, lot_id, version)

    def _reload_call(self) -> Callable[[], object] | None:
        record, service = self.lot, self.service
        if record is None:
            return None
        lot_id = record.id
        return lambda: service.lot(lot_id)

    def _focus_target(self, name: str) -> QWidget:
        return self.zones_table if name == "zones" else super()._focus_target(name)

    def changed_fields(self) -> list[tuple[str, str]]:
        typed, loaded = self.draft(), self._baseline
        changes = []
        for name, caption in (("code", "Code"), ("name", "Name")):
            if getattr(typed, name).strip() != getattr(loaded, name).strip():
                changes.append((caption, getattr(typed, name) or "(empty)"))
        if typed.capacity != loaded.capacity:
            changes.append(("Capacity", f"{typed.capacity:,} spaces"))
        if typed.active != loaded.active:
            changes.append(("Status", "Open" if typed.active else "Closed"))
        if typed.zones != loaded.zones:
            changes.append(("Zones", ", ".join(f"{z.code} {z.name}" for z in typed.zones)))
        return changes


# -- the office's settings ---------------------------------------------------------------------


class OfficeSettingsForm(QWidget):
    """Name, time zone, currency, refund approval threshold, free-permit policy, receipt footer."""

    FIELDS = (
        "office_name",
        "time_zone",
        "currency",
        "refund_approval_threshold",
        "free_days_per_plate",
        "free_days_window",
        "phone_region",
        "receipt_footer",
    )
    #: The manager asked to save these values (the desk saves them).
    save_requested = Signal(object)  # OfficeSettingsDraft
    reload_requested = Signal()

    def __init__(self, editable: bool, identity: Identity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editable = editable
        self.identity = identity
        self.settings: OfficeSettings | None = None
        self.setObjectName("officeSettingsForm")
        self.setStyleSheet(
            form_style() + _EDITOR_STYLE + "QWidget#officeSettingsForm { background: transparent; }"
        )
        self._build_fields()
        self.audit_label = _hint("")
        self.notice = NoticeBar("officeNotice", "Reload")
        self.notice.button.clicked.connect(self.reload_requested.emit)
        self.save_button = QPushButton("Save settings")
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.submit)
        self.undo_button = QPushButton("Undo changes")
        self.undo_button.clicked.connect(self.undo)
        self.save_state = QLabel()
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.save_state, 1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.save_button)
        self.button_row = QWidget()
        self.button_row.setLayout(buttons)
        self.button_row.setVisible(editable)
        self._build_layout()

        self._baseline = OfficeSettingsDraft("", "", "", "", "")
        self._loading = False
        self.office_name_edit.textChanged.connect(lambda _t: self._changed("office_name"))
        self.time_zone_combo.currentTextChanged.connect(lambda _t: self._changed("time_zone"))
        self.currency_edit.textChanged.connect(lambda _t: self._changed("currency"))
        self.currency_edit.textEdited.connect(self._currency_typed)
        self.threshold_edit.textChanged.connect(
            lambda _t: self._changed("refund_approval_threshold")
        )
        self.footer_edit.textChanged.connect(lambda: self._changed("receipt_footer"))
        self.free_days_spin.valueChanged.connect(lambda _v: self._changed("free_days_per_plate"))
        self.free_window_spin.valueChanged.connect(lambda _v: self._changed("free_days_window"))
        self.region_combo.currentIndexChanged.connect(lambda _i: self._changed("phone_region"))
        if not editable:
            self._set_read_only()
        self._update_buttons()

    def _build_fields(self) -> None:
        self.office_name_edit = QLineEdit()
        self.office_name_edit.setMaxLength(100)
        self.time_zone_combo = QComboBox()
        self.time_zone_combo.setEditable(True)
        self.time_zone_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.time_zone_combo.addItems(time_zone_choices())
        self.time_zone_combo.setMaxVisibleItems(15)
        completer = QCompleter(self.time_zone_combo.model(), self.time_zone_combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.time_zone_combo.setCompleter(completer)
        self.currency_edit = QLineEdit()
        self.currency_edit.setMaxLength(3)
        self.currency_edit.setPlaceholderText("e.g. USD")
        self.threshold_edit = QLineEdit()
        self.threshold_edit.setAlignment(_RIGHT)
        self.footer_edit = QPlainTextEdit()
        self.footer_edit.setTabChangesFocus(True)
        self.footer_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 18)
        self.free_days_spin = _spin(0, 366, 7, " days")
        self.free_window_spin = _spin(1, 730, 90, " days")
        for spin in (self.free_days_spin, self.free_window_spin):
            spin.setFixedWidth(120)
            spin.setAlignment(_RIGHT)
        self.region_combo = QComboBox()
        for code, label in region_choices():
            self.region_combo.addItem(label, code)
        self.region_combo.setMaxVisibleItems(15)
        self.footer_count = _hint("")
        footer = QWidget()
        footer_layout = QVBoxLayout(footer)
        footer_layout.setContentsMargins(0, 0, 0, 0)
        footer_layout.setSpacing(2)
        footer_layout.addWidget(self.footer_edit)
        footer_layout.addWidget(self.footer_count)
        self.boxes: dict[str, FieldBox] = {
            "office_name": FieldBox("Office name", self.office_name_edit),
            "time_zone": FieldBox("Time zone", self.time_zone_combo),
            "currency": FieldBox("Currency", self.currency_edit),
            "refund_approval_threshold": FieldBox("Refund approval threshold", self.threshold_edit),
            "free_days_per_plate": FieldBox(
                "Free temporary permits per plate", self.free_days_spin
            ),
            "free_days_window": FieldBox("In any period of", self.free_window_spin),
            "phone_region": FieldBox("Phone numbers are from", self.region_combo),
            "receipt_footer": FieldBox("Receipt footer", footer),
        }
        self.boxes["receipt_footer"].caption.setBuddy(self.footer_edit)

    def _build_layout(self) -> None:
        hints = {
            "office_name": "Printed on receipts and reports.",
            "time_zone": "Days begin and end at midnight here: a permit valid to 31 May ends "
            "at the end of 31 May in this zone.",
            "currency": "The three-letter code shown with prices and on receipts. "
            "Amounts are not converted when it changes.",
            "refund_approval_threshold": "Refunds above this amount wait for a manager's "
            "approval before they are paid.",
            "phone_region": "A number typed without + and a country code is read as dialled "
            "here; numbers are shown in this country's format.",
        }
        column = QVBoxLayout()
        column.setSpacing(12)
        column.addWidget(self.audit_label)
        column.addWidget(self.notice)
        for name in self.FIELDS:
            if name == "free_days_window":
                continue  # beside free_days_per_plate
            box = self.boxes[name]
            if name == "free_days_per_plate":
                pair = QHBoxLayout()
                pair.setContentsMargins(0, 0, 0, 0)
                pair.setSpacing(12)
                pair.addWidget(box)
                pair.addWidget(self.boxes["free_days_window"])
                pair.addStretch(1)
                column.addLayout(pair)
                column.addWidget(
                    _hint(
                        "Free temporary and visitor permits beyond this, for one plate, are "
                        "issued by a manager only: so free permits cannot be chained into a "
                        "season of free parking."
                    )
                )
                continue
            column.addWidget(box)
            box_layout = box.layout()
            if name in hints and box_layout is not None:
                box_layout.addWidget(_hint(hints[name]))
        column.addWidget(self.button_row)
        column.addStretch(1)
        body = QWidget()
        body.setMaximumWidth(620)
        body.setLayout(column)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 12, 4, 4)
        outer.addWidget(body, 1)
        outer.addStretch(0)

    def _set_read_only(self) -> None:
        for edit in (self.office_name_edit, self.currency_edit, self.threshold_edit):
            edit.setReadOnly(True)
            edit.setPlaceholderText("")
        self.footer_edit.setReadOnly(True)
        self.time_zone_combo.setEnabled(False)
        self.region_combo.setEnabled(False)
        for spin in (self.free_days_spin, self.free_window_spin):
            spin.setReadOnly(True)

    def _currency_typed(self, typed: str) -> None:
        if typed != typed.upper():
            self.currency_edit.setText(typed.upper())

    # -- values --------------------------------------------------------------------------

    def draft(self) -> OfficeSettingsDraft:
        return OfficeSettingsDraft(
            office_name=self.office_name_edit.text(),
            time_zone=self.time_zone_combo.currentText(),
            currency=self.currency_edit.text(),
            refund_approval_threshold=self.threshold_edit.text(),
            receipt_footer=self.footer_edit.toPlainText(),
            free_days_per_plate=self.free_days_spin.value(),
            free_days_window=self.free_window_spin.value(),
            phone_region=str(self.region_combo.currentData() or ""),
        )

    def is_dirty(self) -> bool:
        def comparable(d: OfficeSettingsDraft) -> tuple[str, ...]:
            return (
                " ".join(d.office_name.split()),
                d.time_zone.strip(),
                d.currency.strip().upper(),
                d.refund_approval_threshold.strip(),
                d.receipt_footer.strip(),
                str(d.free_days_per_plate),
                str(d.free_days_window),
                d.phone_region,
            )

        return self.settings is not None and comparable(self.draft()) != comparable(self._baseline)

    def changed_fields(self) -> list[tuple[str, str]]:
        """(caption, typed value) for each setting that differs from the loaded ones."""
        typed = self.draft()
        return [
            (self.boxes[name].caption.text(), str(getattr(typed, name)).strip() or "(empty)")
            for name in self.FIELDS
            if str(getattr(typed, name)).strip() != str(getattr(self._baseline, name)).strip()
        ]

    def load(self, settings: OfficeSettings, *, force: bool = False) -> None:
        """Show saved settings; unsaved edits stay (with a notice) unless ``force``."""
        if not force and self.is_dirty():
            if self.settings is not None and settings.version != self.settings.version:
                self.notice.say(
                    f"Changed by {settings.updated_by} at {format_when(settings.updated_at)}. "
                    "Reload to see their change; your unsaved values stay until you do."
                )
            return
        self.settings = settings
        self._baseline = OfficeSettingsDraft.of(settings)
        self._loading = True
        try:
            self.office_name_edit.setText(settings.office_name)
            if self.time_zone_combo.findText(settings.time_zone) < 0:
                self.time_zone_combo.addItem(settings.time_zone)
            self.time_zone_combo.setCurrentText(settings.time_zone)
            self.currency_edit.setText(settings.currency)
            self.threshold_edit.setText(self._baseline.refund_approval_threshold)
            self.footer_edit.setPlainText(settings.receipt_footer)
            self.free_days_spin.setValue(settings.free_days_per_plate)
            self.free_window_spin.setValue(settings.free_days_window)
            self.region_combo.setCurrentIndex(self.region_combo.findData(settings.phone_region))
        finally:
            self._loading = False
        self.notice.hide()
        self.clear_problems()
        self.audit_label.setText(
            self.identity.changed_words(
                "Last changed", settings.updated_by, format_when(settings.updated_at)
            )
            + "."
        )
        self._update_buttons()

    def undo(self) -> None:
        if self.settings is not None:
            self.load(self.settings, force=True)
            self.save_state.setText("")

    def submit(self) -> None:
        if not self.editable or self.settings is None:
            return
        draft = self.draft()
        try:
            draft.cleaned()
        except ValidationError as exc:
            self.show_problems(exc.problems)
            return
        self.clear_problems()
        self.save_requested.emit(draft)

    def set_busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy and self.is_dirty())
        self.save_button.setText("Saving…" if busy else "Save settings")

    # -- problems ------------------------------------------------------------------------

    def field_error(self, name: str) -> str:
        box = self.boxes[name]
        return box.problem.text() if box.has_problem else ""

    def show_problems(self, problems: Iterable[FieldProblem]) -> list[FieldProblem]:
        by_field: dict[str, str] = {}
        others: list[FieldProblem] = []
        for problem in problems:
            if problem.field in self.boxes:
                by_field.setdefault(problem.field, problem.message)
            else:
                others.append(problem)
        for name, box in self.boxes.items():
            box.show_problem(by_field.get(name))
        mark_invalid(self.footer_edit, "receipt_footer" in by_field)
        first = next((n for n in self.FIELDS if n in by_field), None)
        if first is not None:
            editor = self.footer_edit if first == "receipt_footer" else self.boxes[first].editor
            editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return others

    def clear_problems(self) -> None:
        for box in self.boxes.values():
            box.show_problem(None)
        mark_invalid(self.footer_edit, False)

    def _changed(self, name: str) -> None:
        if name == "receipt_footer":
            length = len(self.footer_edit.toPlainText().strip())
            count = f" {length} of {MAX_FOOTER} characters." if self.editable else ""
            self.footer_count.setText(f"Printed at the bottom of every receipt.{count}")
            self.footer_count.setStyleSheet(
                f"color: {ERROR_COLOUR};" if length > MAX_FOOTER else ""
            )
        if self._loading:
            return
        box = self.boxes[name]
        if box.has_problem:
            box.show_problem(None)
            if name == "receipt_footer":
                mark_invalid(self.footer_edit, False)
        self.save_state.setText("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.undo_button.setEnabled(dirty)
        if dirty:
            self.save_state.setText("Unsaved changes")
            self.save_state.setStyleSheet("color: #7a4b00;")


# -- the desk ---------------------------------------------------------------------------------


class PermitSetupDesk(QWidget):
    """Permit types, lots and the office's settings, as tabs."""

    #: Emitted after each (re)load of the lists (tests wait on it).
    loaded = Signal()

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
        self.service = PermitSetupService(workspace)
        self.editable = workspace.identity.can_edit("permit_setup")
        self.setObjectName("permitSetupDesk")
        self.overview: SetupOverview | None = None
        self.type_dialog: PermitTypeDialog | None = None
        self.lot_dialog: LotDialog | None = None
        self._loading = False
        self._reload_again = False
        self._select_type: int | None = None
        self._select_lot: int | None = None

        self.types_model = PermitTypeTableModel(self)
        self.types_proxy = _proxy(self.types_model, self)
        self.lots_model = LotTableModel(self)
        self.lots_proxy = _proxy(self.lots_model, self)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("setupTabs")
        self.tabs.setStyleSheet(_TAB_STYLE)
        self.tabs.addTab(self._build_types_tab(), "Permit types")
        self.tabs.addTab(self._build_lots_tab(), "Lots")
        self.office_form = OfficeSettingsForm(self.editable, workspace.identity)
        self.office_form.save_requested.connect(self._save_office)
        self.office_form.reload_requested.connect(self._reload_office)
        office_scroll = QScrollArea()
        office_scroll.setWidget(self.office_form)
        office_scroll.setWidgetResizable(True)
        office_scroll.setFrameShape(QFrame.Shape.NoFrame)
        office_scroll.viewport().setAutoFillBackground(False)
        office_scroll.setStyleSheet("QScrollArea { background: transparent; }")
        self.tabs.addTab(office_scroll, "Office")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addWidget(self.tabs)

        if self.editable:
            for keys, slot in (("Ctrl+N", self._new_in_tab), ("Ctrl+S", self._save_in_tab)):
                shortcut = QShortcut(QKeySequence(keys), self, slot)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh = QShortcut(QKeySequence.StandardKey.Refresh, self, self.refresh)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self._setup_timer = self._timer(SETUP_DELAY_MS)
        self._counts_timer = self._timer(COUNTS_DELAY_MS)
        live.changed.connect(self._on_change)
        live.resynced.connect(self._on_resync)
        self.refresh()

    # -- building -------------------------------------------------------------------------

    def _timer(self, interval_ms: int) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(interval_ms)
        timer.timeout.connect(self.refresh)
        return timer

    def _bar(
        self, count: QLabel, refresh_name: str, edit: QPushButton, new: QPushButton
    ) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(8)
        bar.addWidget(count)
        bar.addStretch(1)
        refresh = QPushButton("Refresh")
        refresh.setObjectName(refresh_name)
        refresh.setToolTip("Load the lists again (F5)")
        refresh.clicked.connect(self.refresh)
        bar.addWidget(refresh)
        bar.addWidget(edit)
        bar.addWidget(new)
        edit.setVisible(self.editable)
        new.setVisible(self.editable)
        return bar

    def _build_types_tab(self) -> QWidget:
        self.types_count = QLabel()
        self.types_count.setObjectName("countLabel")
        self.edit_type_button = QPushButton("Edit…")
        self.edit_type_button.setToolTip("Edit the selected permit type (Enter)")
        self.edit_type_button.clicked.connect(self.edit_selected_type)
        self.new_type_button = QPushButton("New permit type…")
        self.new_type_button.setProperty("primary", True)
        self.new_type_button.setToolTip("Create a permit type (Ctrl+N)")
        self.new_type_button.clicked.connect(lambda: self.open_type_dialog(None))
        self.types_view = _table(self.types_proxy, "permitTypesTable")
        self.types_view.activated.connect(lambda _index: self.edit_selected_type())
        self.types_view.doubleClicked.connect(lambda _index: self.edit_selected_type())
        self.types_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.types_empty = EmptyState("No permit types yet", "")
        self.types_stack = QStackedWidget()
        self.types_stack.addWidget(self.types_view)
        self.types_stack.addWidget(self.types_empty)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(
            self._bar(self.types_count, "refreshTypes", self.edit_type_button, self.new_type_button)
        )
        layout.addWidget(self.types_stack, 1)
        return page

    def _build_lots_tab(self) -> QWidget:
        self.lots_count = QLabel()
        self.lots_count.setObjectName("countLabel")
        self.edit_lot_button = QPushButton("Edit…")
        self.edit_lot_button.setToolTip("Edit the selected lot (Enter)")
        self.edit_lot_button.clicked.connect(self.edit_selected_lot)
        self.new_lot_button = QPushButton("New lot…")
        self.new_lot_button.setProperty("primary", True)
        self.new_lot_button.setToolTip("Add a lot (Ctrl+N)")
        self.new_lot_button.clicked.connect(lambda: self.open_lot_dialog(None))
        self.lots_view = _table(self.lots_proxy, "lotsTable")
        self.lots_view.activated.connect(lambda _index: self.edit_selected_lot())
        self.lots_view.doubleClicked.connect(lambda _index: self.edit_selected_lot())
        self.lots_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.lot_notice = NoticeBar("lotNotice", "OK", NoticeBar.WARNING)
        self.lot_notice.button.clicked.connect(self.lot_notice.hide)
        self.lots_empty = EmptyState("No lots yet", "")
        self.lots_stack = QStackedWidget()
        self.lots_stack.addWidget(self.lots_view)
        self.lots_stack.addWidget(self.lots_empty)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(
            self._bar(self.lots_count, "refreshLots", self.edit_lot_button, self.new_lot_button)
        )
        layout.addWidget(self.lot_notice)
        layout.addWidget(self.lots_stack, 1)
        return page

    def leave_warning(self) -> str | None:
        """What would be lost by logging out now, or None."""
        if self.editable and self.office_form.is_dirty():
            return "The office settings have changes that are not saved."
        return None

    # -- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        self._setup_timer.stop()
        self._counts_timer.stop()
        if self._loading:
            # One load at a time; the newest state is fetched once this one is back.
            self._reload_again = True
            return
        self._loading = True
        self.runner.run(
            self.service.overview,
            while_alive(self, self._loaded),
            failure_while_alive(self, self._load_failed),
            parent=self,
        )

    def _loaded(self, overview: SetupOverview) -> None:
        self._loading = False
        self.overview = overview
        type_id = self._select_type or self._selected_id(self.types_view)
        lot_id = self._select_lot or self._selected_id(self.lots_view)
        self._select_type = self._select_lot = None
        self.types_model.show_types(overview.permit_types, overview.office.currency)
        self.lots_model.set_rows(overview.lots)
        self._reselect(self.types_view, self.types_proxy, self.types_model.row_of, type_id)
        self._reselect(self.lots_view, self.lots_proxy, self.lots_model.row_of, lot_id)
        self.office_form.load(overview.office)
        self._update_counts()
        self._update_buttons()
        self.loaded.emit()
        if self._reload_again:
            self._reload_again = False
            self.refresh()

    def _load_failed(self, exc: BaseException) -> bool:
        self._loading = False
        if isinstance(exc, KnownError):
            for empty, stack in (
                (self.types_empty, self.types_stack),
                (self.lots_empty, self.lots_stack),
            ):
                empty.title.setText("The setup could not be loaded")
                empty.text.setText(exc.message)
                stack.setCurrentWidget(empty)
            return True
        return False

    def _on_change(self, change: Change) -> None:
        if change.table in SETUP_TABLES:
            self._setup_timer.start()
        elif change.table in COUNT_TABLES and not self._counts_timer.isActive():
            # At most one reload a second while sales go on.
            self._counts_timer.start()

    def _on_resync(self, _resync: Resync) -> None:
        self._setup_timer.start()

    def _update_counts(self) -> None:
        types = [self.types_model.permit_type(r) for r in range(self.types_model.rowCount())]
        on_sale = sum(1 for t in types if t is not None and t.active)
        details = "" if self.editable else " · double-click one for all its details"
        self.types_count.setText(f"{len(types)} permit types, {on_sale} on sale{details}")
        lots = [self.lots_model.lot(r) for r in range(self.lots_model.rowCount())]
        spaces = sum(lot.capacity for lot in lots if lot is not None and lot.active)
        free = sum(lot.free for lot in lots if lot is not None and lot.active)
        self.lots_count.setText(f"{len(lots)} lots · {spaces:,} spaces, {free:,} free now")
        if not types:
            self.types_empty.title.setText("No permit types yet")
            self.types_empty.text.setText(
                "Create the permits the office sells: price, validity, who may buy them "
                "and the lots they cover."
                if self.editable
                else "A manager sets up the permit types the office sells."
            )
            self.types_stack.setCurrentWidget(self.types_empty)
        else:
            self.types_stack.setCurrentWidget(self.types_view)
        if not lots:
            self.lots_empty.title.setText("No lots yet")
            self.lots_empty.text.setText(
                "Add the lots permits are sold for, with their capacity."
                if self.editable
                else "A manager adds the lots permits are sold for."
            )
            self.lots_stack.setCurrentWidget(self.lots_empty)
        else:
            self.lots_stack.setCurrentWidget(self.lots_view)

    # -- selection ------------------------------------------------------------------------

    @staticmethod
    def _selected_id(view: QTableView) -> int | None:
        rows = view.selectionModel().selectedRows()
        if not rows:
            return None
        value = rows[0].data(ID_ROLE)
        return int(value) if value is not None else None

    @staticmethod
    def _reselect(
        view: QTableView,
        proxy: QSortFilterProxyModel,
        row_of: Callable[[int], int | None],
        record_id: int | None,
    ) -> None:
        row = None if record_id is None else row_of(record_id)
        if row is None:
            return
        index = proxy.mapFromSource(proxy.sourceModel().index(row, 0))
        if index.isValid():
            view.selectRow(index.row())
            view.scrollTo(index)

    def selected_type(self) -> PermitTypeInfo | None:
        type_id = self._selected_id(self.types_view)
        return (
            None
            if type_id is None
            else self.types_model.permit_type(self.types_model.row_of(type_id))
        )

    def selected_lot(self) -> LotInfo | None:
        lot_id = self._selected_id(self.lots_view)
        return None if lot_id is None else self.lots_model.lot(self.lots_model.row_of(lot_id))

    def select_type(self, type_id: int) -> None:
        self._reselect(self.types_view, self.types_proxy, self.types_model.row_of, type_id)

    def _update_buttons(self) -> None:
        self.edit_type_button.setEnabled(self.editable and self.selected_type() is not None)
        self.edit_lot_button.setEnabled(self.editable and self.selected_lot() is not None)

    # -- dialogs --------------------------------------------------------------------------

    def _new_in_tab(self) -> None:
        if self.tabs.currentIndex() == 0:
            self.open_type_dialog(None)
        elif self.tabs.currentIndex() == 1:
            self.open_lot_dialog(None)

    def _save_in_tab(self) -> None:
        if self.tabs.currentIndex() == 2:
            self.office_form.submit()

    def edit_selected_type(self) -> None:
        info = self.selected_type()
        if info is not None:
            self.open_type_dialog(info)

    def edit_selected_lot(self) -> None:
        lot = self.selected_lot()
        if lot is not None:
            self.open_lot_dialog(lot)

    def open_type_dialog(self, info: PermitTypeInfo | None) -> PermitTypeDialog | None:
        """A new type (managers), or the selected one to edit (managers) or look at (clerks)."""
        if self.overview is None or (info is None and not self.editable):
            return None
        if self.type_dialog is not None:
            self.type_dialog.raise_()
            return self.type_dialog
        dialog = PermitTypeDialog(
            self.service,
            self.runner,
            self.overview.lots,
            self.overview.office.currency,
            info,
            read_only=not self.editable,
            parent=self,
        )
        self.type_dialog = dialog
        dialog.saved.connect(self._type_saved)

        def closed(_result: int) -> None:
            if self.type_dialog is dialog:
                self.type_dialog = None
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()
        return dialog

    def open_lot_dialog(self, lot: LotInfo | None) -> LotDialog | None:
        if lot is None and not self.editable:
            return None
        if self.lot_dialog is not None:
            self.lot_dialog.raise_()
            return self.lot_dialog
        dialog = LotDialog(self.service, self.runner, lot, read_only=not self.editable, parent=self)
        self.lot_dialog = dialog
        dialog.saved.connect(self._lot_saved)

        def closed(_result: int) -> None:
            if self.lot_dialog is dialog:
                self.lot_dialog = None
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()
        return dialog

    def _type_saved(self, info: object) -> None:
        if isinstance(info, PermitTypeInfo):
            self._select_type = info.id
        self.refresh()

    def _lot_saved(self, result: object) -> None:
        if isinstance(result, LotSaved):
            self._select_lot = result.lot.id
            self.lot_notice.say(result.warning)
        self.refresh()

    # -- office settings --------------------------------------------------------------------

    def _save_office(self, draft: object) -> None:
        settings = self.office_form.settings
        if not isinstance(draft, OfficeSettingsDraft) or settings is None:
            return
        service, version = self.service, settings.version
        self.office_form.set_busy(True)

        def saved(fresh: OfficeSettings) -> None:
            self.office_form.load(fresh, force=True)
            self.office_form.set_busy(False)
            self.office_form.save_state.setText("Saved.")
            self.office_form.save_state.setStyleSheet("color: #1e7b34;")
            self.refresh()  # prices are shown in the office's currency

        def failed(exc: BaseException) -> bool:
            self.office_form.set_busy(False)
            if isinstance(exc, ValidationError):
                others = self.office_form.show_problems(exc.problems)
                return not others
            if isinstance(exc, ConflictError):
                QTimer.singleShot(0, lambda: self._office_conflict(exc))
                return True
            return False

        self.runner.run(
            lambda: service.save_office_settings(draft, version),
            while_alive(self, saved),
            failure_while_alive(self, failed),
            write=True,
            parent=self,
        )

    def _office_conflict(self, exc: ConflictError) -> None:
        form = self.office_form
        changes = form.changed_fields()
        if self.confirm_conflict(exc.message, changes):
            self._reload_office()
        else:
            form.notice.say(
                f"Changed by {exc.changed_by} at {exc.changed_at}. Reload to see their "
                "change; your unsaved values stay until you do."
            )

    def confirm_conflict(self, message: str, changes: list[tuple[str, str]]) -> bool:
        return ConflictDialog(message, changes, self).exec() == QDialog.DialogCode.Accepted

    def _reload_office(self) -> None:
        service = self.service
        self.runner.run(
            service.office_settings,
            while_alive(self, lambda fresh: self.office_form.load(fresh, force=True)),
            parent=self,
        )


__all__ = [
    "LotDialog",
    "LotTableModel",
    "OfficeSettingsForm",
    "PermitSetupDesk",
    "PermitTypeDialog",
    "PermitTypeTableModel",
]
