"""The set-up desk's shared pieces: editor styles, small widgets and the dialog base."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLabel, QSpinBox, QWidget

from desktop.services.parkers import AFFILIATION_TITLES
from desktop.services.permit_setup import PermitSetupService
from desktop.views.kit.forms import FormDialog, form_style
from desktop.views.kit.layout import label
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.tables import KEY_ROLE, SORT_ROLE, DeskTable, RowsModel
from desktop.views.kit.widgets import resources_dir

#: Affiliations in the order the office lists them.
AFFILIATIONS = tuple(AFFILIATION_TITLES)

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
    return label(text, name="hint", wrap=True)


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


class _SetupDialog(FormDialog):
    """The permit type and lot dialogs: the set-up desk's editors and date arrows, and
    saving or reloading one record through the set-up service.

    A subclass names the attribute holding the record it edits (None for a new one) and
    the service's save and load methods; it gives :meth:`draft` (what was typed).
    """

    RECORD = ""
    SAVE = ""
    LOAD = ""
    service: PermitSetupService

    def __init__(self, runner: OperationRunner, read_only: bool, parent: QWidget | None) -> None:
        super().__init__(runner, read_only=read_only, parent=parent)
        self.setStyleSheet(form_style() + _EDITOR_STYLE + _arrow_style(_resources()))

    def draft(self) -> Any:
        raise NotImplementedError

    def _save_call(self) -> Callable[[], object]:
        draft = self.draft()
        draft.cleaned()  # every field problem at once, before the round trip
        save, record = getattr(self.service, self.SAVE), getattr(self, self.RECORD)
        if record is None:
            return lambda: save(draft)
        record_id, version = record.id, record.version
        return lambda: save(draft, record_id, version)

    def _reload_call(self) -> Callable[[], object] | None:
        load, record = getattr(self.service, self.LOAD), getattr(self, self.RECORD)
        if record is None:
            return None
        record_id = record.id
        return lambda: load(record_id)
