"""The parker desk: find a parker by name, email, campus ID or plate, and keep their record.

Left, a search field over lazily paged results; right, the open parker's form
and vehicles. Clerks edit; other roles see the same record read-only. Changes by
anyone arrive through :class:`LiveChanges` and refresh what is on screen without
ever overwriting what the clerk is typing.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import shiboken6
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.services.errors import (
    ConflictError,
    DuplicateCandidate,
    DuplicateWarning,
    FieldProblem,
    KnownError,
    ValidationError,
)
from desktop.services.live import Change
from desktop.services.parkers import (
    ParkerDetail,
    ParkerInput,
    ParkerService,
    VehicleInput,
    VehicleRecord,
    format_when,
)
from desktop.services.workspace import Workspace
from desktop.views.kit.dialogs import ConflictDialog
from desktop.views.kit.live import LiveBatch, LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.tables import DeskTable
from desktop.views.kit.widgets import DeskSplitter, EmptyState
from desktop.views.parkers.dialogs import (
    CREATE_ANYWAY,
    OPEN_EXISTING,
    DuplicatesDialog,
    ReasonDialog,
)
from desktop.views.parkers.form import ParkerForm
from desktop.views.parkers.model import VehicleTableModel, plate_title
from desktop.views.parkers.search import ParkerSearch
from desktop.views.parkers.vehicle_dialog import VehicleDialog

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Bursts of changes (an import, a seed) become one refresh.
LIVE_DELAY_MS = 150


_NONE, _NEW, _OPEN = "none", "new", "open"


# -- dialogs ------------------------------------------------------------------------


# -- the desk -------------------------------------------------------------------------


class ParkerDesk(QWidget):
    """Search, open, create and edit parkers and their vehicles."""

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
        self.service = ParkerService(workspace)
        self.editable = workspace.identity.can_edit("parkers")

        self._mode = _NONE
        self._detail: ParkerDetail | None = None
        self._open_generation = 0
        self._saving = False
        self._opening: int | None = None  # the parker being fetched for the form
        self._shown_once = False
        self.vehicle_dialog: VehicleDialog | None = None

        self.vehicles_model = VehicleTableModel(self)

        self._build_search_side()
        self._build_detail_side()
        # Results above the record, so the table gets the full width for its seven columns.
        splitter = DeskSplitter()
        splitter.addWidget(self._search_side)
        splitter.addWidget(self._detail_side)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([300, 450])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        self._build_actions()
        self._set_tab_order()
        self._build_timers()
        self._connect_signals()
        self._show_placeholder()

    # -- building -----------------------------------------------------------------

    def _build_timers(self) -> None:
        self._live_batch = LiveBatch(self.live, LIVE_DELAY_MS, self)
        self._live_batch.watch(("parker", "vehicle"), self.finder.refresh)
        self._live_batch.watch(("parker", "vehicle"), self._recheck_open, when=self._concerns_open)

    def _connect_signals(self) -> None:
        self.finder.chosen.connect(self.open_parker)
        self.vehicles.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_vehicle_buttons()
        )
        self.vehicles.activated.connect(lambda _index: self.edit_vehicle())
        self.form.edited.connect(self._form_edited)

    def _build_search_side(self) -> None:
        self.new_button = QPushButton("New parker")
        self.new_button.setToolTip("Register a new parker (Ctrl+N)")
        self.new_button.clicked.connect(self.new_parker)
        self.new_button.setVisible(self.editable)
        self.finder = ParkerSearch(
            self.service,
            self.runner,
            prompt="Type a name, email, campus ID or plate in the search field (Ctrl+F); "
            "results appear as you type."
            + (" To register someone new, press Ctrl+N." if self.editable else ""),
            no_match_advice="Check the spelling"
            + (", or register a new parker." if self.editable else "."),
            enter_opens_first=False,
            open_id=lambda: self._detail.id if self._detail is not None else None,
            with_inactive=True,
            buttons=[self.new_button],
        )
        self._search_side = self.finder

    def _build_detail_side(self) -> None:
        self.placeholder = EmptyState(
            "No parker open",
            "Open a parker from the results to see their record and vehicles."
            + (" To register someone new, press Ctrl+N." if self.editable else ""),
        )

        self._build_header()
        self._build_edit_buttons()
        self._build_vehicles()
        self.form = ParkerForm()
        self.form.set_read_only(not self.editable)

        record = QVBoxLayout()
        record.setSpacing(6)
        record.addWidget(self.form)
        record.addStretch(1)
        cars = QVBoxLayout()
        cars.setSpacing(6)
        cars.addWidget(self._vehicles_title)
        cars.addWidget(self.vehicles_hint)
        cars.addWidget(self.vehicles)
        cars.addWidget(self._vehicle_buttons)
        cars.addStretch(1)
        body = QHBoxLayout()
        body.setSpacing(20)
        body.addLayout(record, 5)
        body.addLayout(cars, 6)

        detail = QWidget()
        layout = QVBoxLayout(detail)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(4)
        title_row = QHBoxLayout()
        title_row.setSpacing(10)
        title_row.addWidget(self.title)
        title_row.addWidget(self.status_label)
        title_row.addStretch(1)
        # The record's actions sit by its name, so Save is in view however small the window.
        title_row.addWidget(self._edit_buttons)
        layout.addLayout(title_row)
        layout.addWidget(self.audit_label)
        layout.addWidget(self.notice)
        layout.addWidget(self.read_only_label)
        layout.addSpacing(6)
        layout.addLayout(body, 1)

        scroll = QScrollArea()
        scroll.setWidget(detail)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.detail_stack = QStackedWidget()
        self.detail_stack.addWidget(self.placeholder)
        self.detail_stack.addWidget(scroll)
        self._detail_page = scroll
        self._detail_side = self.detail_stack

    def _build_header(self) -> None:
        self.title = QLabel()
        self.title.setObjectName("parkerTitle")
        # Inline because the application style sheet sets every widget's font size.
        self.title.setStyleSheet("font-size: 14pt; font-weight: 600; color: #111827;")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label = QLabel()
        self.status_label.setStyleSheet(
            "color: #7a4b00; background: #fff4ce; border: 1px solid #e8cf7a; "
            "border-radius: 3px; padding: 3px 6px;"
        )
        self.audit_label = QLabel()
        self.audit_label.setObjectName("hint")
        self.audit_label.setWordWrap(True)

        self.notice = QFrame()
        self.notice.setObjectName("parkerNotice")
        self.notice.setStyleSheet(
            "QFrame#parkerNotice { background: #eaf2fe; border: 1px solid #c6dbfb; "
            "border-radius: 4px; } QFrame#parkerNotice QLabel { color: #1e3a5f; }"
        )
        self.notice_label = QLabel()
        self.notice_label.setWordWrap(True)
        self.notice_reload = QPushButton("Reload")
        self.notice_reload.clicked.connect(self.reload_open_parker)
        notice_row = QHBoxLayout(self.notice)
        notice_row.setContentsMargins(8, 4, 4, 4)
        notice_row.addWidget(self.notice_label, 1)
        notice_row.addWidget(self.notice_reload)
        self.notice.hide()

        self.read_only_label = QLabel(
            "Read only: your role can look parkers up; only clerks can change them."
        )
        self.read_only_label.setObjectName("hint")
        self.read_only_label.setWordWrap(True)
        self.read_only_label.setVisible(not self.editable)

    def _build_edit_buttons(self) -> None:
        self.save_button = QPushButton("Save")
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip("Save this parker (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.deactivate_button = QPushButton("Deactivate…")
        self.deactivate_button.clicked.connect(self.deactivate)
        self.reactivate_button = QPushButton("Reactivate")
        self.reactivate_button.clicked.connect(self.reactivate)
        self.save_state = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_state)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.deactivate_button)
        buttons.addWidget(self.reactivate_button)
        self._edit_buttons = QWidget()
        self._edit_buttons.setLayout(buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        self._edit_buttons.setVisible(self.editable)

    def _build_vehicles(self) -> None:
        self._vehicles_title = QLabel("Vehicles")
        self._vehicles_title.setStyleSheet("font-weight: 600;")
        self.vehicles = DeskTable(self.vehicles_model)
        self.vehicles.setAlternatingRowColors(False)
        self.vehicles.verticalHeader().setDefaultSectionSize(
            self.vehicles.fontMetrics().height() + 10
        )
        row_height = self.vehicles.verticalHeader().defaultSectionSize()
        # Room for a household's cars; more scroll.
        self.vehicles.setMinimumHeight(row_height * 3 + 30)
        self.vehicles.setMaximumHeight(row_height * 6 + 30)
        # Denser cells than the results: six columns share half the desk's width.
        self.vehicles.setStyleSheet(
            "QTableView::item { padding: 3px 4px; } QHeaderView::section { padding: 6px 4px; }"
        )
        self.vehicles_hint = QLabel("Save the parker first, then add their vehicles.")
        self.vehicles_hint.setObjectName("hint")
        self.add_vehicle_button = QPushButton("Add vehicle…")
        self.add_vehicle_button.clicked.connect(self.add_vehicle)
        self.edit_vehicle_button = QPushButton("Edit…")
        self.edit_vehicle_button.clicked.connect(self.edit_vehicle)
        self.remove_vehicle_button = QPushButton("Remove…")
        self.remove_vehicle_button.clicked.connect(self.toggle_vehicle_active)
        vehicle_buttons = QHBoxLayout()
        vehicle_buttons.setContentsMargins(0, 0, 0, 0)
        vehicle_buttons.addWidget(self.add_vehicle_button)
        vehicle_buttons.addWidget(self.edit_vehicle_button)
        vehicle_buttons.addWidget(self.remove_vehicle_button)
        vehicle_buttons.addStretch(1)
        self._vehicle_buttons = QWidget()
        self._vehicle_buttons.setLayout(vehicle_buttons)
        self._vehicle_buttons.setVisible(self.editable)

    def leave_warning(self) -> str | None:
        """What would be lost by logging out now, or None."""
        if self.editable and self.form.is_dirty():
            return "The parker form has changes that are not saved."
        return None

    def showEvent(self, event: QShowEvent) -> None:
        if not self._shown_once:
            self._shown_once = True
            # Keyboard first: arriving at the desk, the clerk can type a name straight away.
            focused = QApplication.focusWidget()
            if focused is None or not self.isAncestorOf(focused):
                self.finder.search.setFocus(Qt.FocusReason.OtherFocusReason)
        super().showEvent(event)

    def _build_actions(self) -> None:
        def action(text: str, keys: QKeySequence, slot: Callable[[], None]) -> QAction:
            act = QAction(text, self)
            act.setShortcut(keys)
            # Several desks live in one window: each desk's shortcuts work inside it only.
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.find_action = action(
            "Find parker", QKeySequence(QKeySequence.StandardKey.Find), self.finder.focus
        )
        self.new_action = action("New parker", QKeySequence("Ctrl+N"), self.new_parker)
        self.save_action = action("Save parker", QKeySequence("Ctrl+S"), self.save)
        self.new_action.setEnabled(self.editable)
        self.save_action.setEnabled(self.editable)

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.finder.search,
            self.finder.include_inactive,
            self.new_button,
            self.finder.results,
            *self.form.editors(),
            self.save_button,
            self.deactivate_button,
            self.reactivate_button,
            self.notice_reload,
            self.vehicles,
            self.add_vehicle_button,
            self.edit_vehicle_button,
            self.remove_vehicle_button,
        ]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    # -- opening ---------------------------------------------------------------------

    def open_parker(self, parker_id: int) -> None:
        """Load a parker into the form (asking first if that would drop unsaved edits)."""
        if self._mode == _OPEN and self._detail is not None and self._detail.id == parker_id:
            return
        if parker_id == self._opening:
            return  # a click and the double-click's "activated" ask for the same parker
        if not self._may_discard_edits():
            self.finder.select_open()
            return
        generation = self._next_generation()
        self._opening = parker_id
        service = self.service
        self.runner.run(
            lambda: service.get(parker_id),
            self._guard(lambda detail: self._opened(generation, detail)),
            self._guard_failure(lambda _exc: self._open_failed(generation)),
            parent=self,
        )

    def _opened(self, generation: int, detail: ParkerDetail) -> None:
        if generation == self._open_generation:
            self._opening = None
            self._show_detail(detail)

    def _next_generation(self) -> int:
        """Whatever is still on its way for the form (an open, a recheck) is now stale."""
        self._open_generation += 1
        self._opening = None
        return self._open_generation

    def _open_failed(self, generation: int) -> None:
        if generation == self._open_generation:
            self._opening = None

    def reload_open_parker(self) -> None:
        """Show the saved record, dropping unsaved edits (the clerk asked for it)."""
        if self._detail is None:
            return
        generation = self._next_generation()
        parker_id, service = self._detail.id, self.service
        self.runner.run(
            lambda: service.get(parker_id),
            self._guard(lambda detail: self._opened(generation, detail)),
            parent=self,
        )

    def new_parker(self) -> None:
        if not self.editable or not self._may_discard_edits():
            return
        self._next_generation()
        self._mode = _NEW
        self._detail = None
        self.form.load(None)
        self.vehicles_model.set_vehicles(())
        self.finder.results.clearSelection()
        self._refresh_detail_header()
        self.detail_stack.setCurrentWidget(self._detail_page)
        self.splitter.favour(1, 0.65)
        self.form.first_name.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _show_placeholder(self) -> None:
        self._mode = _NONE
        self._detail = None
        self.detail_stack.setCurrentWidget(self.placeholder)
        self.splitter.favour(0, 0.7)
        self._update_buttons()

    def _show_detail(self, detail: ParkerDetail, *, keep_edits: bool = False) -> None:
        selected_vehicle = self._selected_vehicle()
        self._mode = _OPEN
        self._detail = detail
        self.form.load(detail, keep_edits=keep_edits)
        self.vehicles_model.set_vehicles(detail.vehicles)
        self._select_vehicle(selected_vehicle.id if selected_vehicle else None)
        self.notice.hide()
        self._refresh_detail_header()
        self.detail_stack.setCurrentWidget(self._detail_page)
        self.splitter.favour(1, 0.65)
        self.finder.select_open()

    def _refresh_detail_header(self) -> None:
        detail = self._detail
        if self._mode == _NEW or detail is None:
            self.title.setText("New parker")
            self.status_label.hide()
            self.audit_label.setText("Not saved yet.")
        else:
            self.title.setText(detail.name)
            if detail.active:
                self.status_label.hide()
            else:
                reason = detail.deactivation_reason or "no reason recorded"
                self.status_label.setText(f"Inactive — {reason}")
                self.status_label.show()
            identity = self.workspace.identity
            created = identity.changed_words(
                "Created", detail.created_by, format_when(detail.created_at)
            )
            if detail.updated_at != detail.created_at or detail.updated_by != detail.created_by:
                changed = identity.changed_words(
                    "Last changed", detail.updated_by, format_when(detail.updated_at)
                )
                created += f" · {changed[0].lower()}{changed[1:]}"
            self.audit_label.setText(created)
        self._update_buttons()

    # -- editing ---------------------------------------------------------------------

    def _form_edited(self) -> None:
        self.save_state.setText("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        editing = self.editable and self._mode in (_NEW, _OPEN)
        dirty = self.form.is_dirty()
        self.save_button.setEnabled(editing and not self._saving and (self._mode == _NEW or dirty))
        self.save_button.setText("Create parker" if self._mode == _NEW else "Save")
        active = self._detail is not None and self._detail.active
        self.deactivate_button.setVisible(self._mode == _OPEN and active)
        self.reactivate_button.setVisible(self._mode == _OPEN and not active)
        self.deactivate_button.setEnabled(editing and not self._saving)
        self.reactivate_button.setEnabled(editing and not self._saving)
        if dirty and self._mode == _OPEN:
            self.save_state.setText("Unsaved changes")
            self.save_state.setStyleSheet("color: #7a4b00;")
        elif self.save_state.text() == "Unsaved changes":
            self.save_state.setText("")
        has_parker = self._mode == _OPEN
        self.vehicles.setVisible(has_parker)
        self.vehicles_hint.setVisible(self._mode == _NEW)
        self._vehicle_buttons.setVisible(has_parker and self.editable)
        self._update_vehicle_buttons()

    def _update_vehicle_buttons(self) -> None:
        vehicle = self._selected_vehicle()
        enabled = self.editable and self._mode == _OPEN and vehicle is not None
        self.edit_vehicle_button.setEnabled(enabled)
        self.remove_vehicle_button.setEnabled(enabled)
        self.remove_vehicle_button.setText(
            "Restore" if vehicle is not None and not vehicle.active else "Remove…"
        )

    def save(self) -> None:
        """Create the new parker or save the open one (Ctrl+S)."""
        if not self.editable or self._saving or self._mode not in (_NEW, _OPEN):
            return
        try:
            data = self.form.values().cleaned()
        except ValidationError as exc:
            self._show_problems(exc.problems)
            return
        self.form.clear_problems()
        if self._mode == _NEW:
            self._create(data, allow_duplicate=False)
        elif self._detail is not None and self.form.is_dirty():
            detail, service = self._detail, self.service
            self._write(lambda: service.update(detail.id, detail.version, data))

    def _create(self, data: ParkerInput, *, allow_duplicate: bool) -> None:
        service = self.service
        self._write(
            lambda: service.create(data, allow_duplicate=allow_duplicate),
            on_duplicate=lambda candidates: self._decide_duplicate(data, candidates),
        )

    def _write(
        self,
        call: Callable[[], ParkerDetail],
        *,
        keep_edits: bool = False,
        on_duplicate: Callable[[list[DuplicateCandidate]], None] | None = None,
    ) -> None:
        """Run a parker write; the result replaces what is shown."""
        self._set_saving(True)
        generation = self._open_generation

        def saved(detail: ParkerDetail) -> None:
            self._set_saving(False)
            if generation != self._open_generation:
                return  # the clerk moved on to another parker meanwhile
            self._next_generation()
            self._show_detail(detail, keep_edits=keep_edits)
            self.save_state.setText("Saved.")
            self.save_state.setStyleSheet("color: #1e7b34;")
            self._schedule_refresh()

        def failed(exc: BaseException) -> bool:
            self._set_saving(False)
            if isinstance(exc, ValidationError):
                self._show_problems(exc.problems)
                return True
            if isinstance(exc, DuplicateWarning) and on_duplicate is not None:
                candidates = exc.candidates
                # Let the runner finish its bookkeeping before a modal dialog starts.
                QTimer.singleShot(0, self._guard_call(lambda: on_duplicate(candidates)))
                return True
            if isinstance(exc, ConflictError):
                QTimer.singleShot(0, self._guard_call(lambda: self._resolve_conflict(exc)))
                return True
            return False

        self.runner.run(call, self._guard(saved), failed, write=True, parent=self)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self._update_buttons()

    def _show_problems(self, problems: list[FieldProblem]) -> None:
        others = self.form.show_problems(problems)
        if others:
            QMessageBox.warning(self, "ParkDesk", "\n".join(p.message for p in others))

    def _decide_duplicate(self, data: ParkerInput, candidates: list[DuplicateCandidate]) -> None:
        choice, parker_id = self.choose_duplicate(candidates)
        if choice == CREATE_ANYWAY:
            self._create(data, allow_duplicate=True)
        elif choice == OPEN_EXISTING and parker_id is not None:
            self.form.load(None)  # the clerk chose the existing record over what they typed
            self.open_parker(parker_id)

    def _resolve_conflict(self, exc: ConflictError) -> None:
        if self.confirm_conflict(exc.message, self.form.changed_fields()):
            self.reload_open_parker()
        else:
            self._show_notice()

    def deactivate(self) -> None:
        detail = self._detail
        if not self.editable or self._saving or detail is None or not detail.active:
            return
        reason = self.ask_reason(
            "Deactivate parker",
            f"Why is {detail.name} being deactivated? The reason is kept with the record; "
            "nothing is deleted.",
            "Deactivate",
        )
        if reason is None:
            return
        service = self.service
        self._write(
            lambda: service.set_active(detail.id, detail.version, False, reason), keep_edits=True
        )

    def reactivate(self) -> None:
        detail = self._detail
        if not self.editable or self._saving or detail is None or detail.active:
            return
        service = self.service
        self._write(lambda: service.set_active(detail.id, detail.version, True), keep_edits=True)

    # -- vehicles --------------------------------------------------------------------

    def _selected_vehicle(self) -> VehicleRecord | None:
        index = self.vehicles.currentIndex()
        if not index.isValid() or index.row() >= self.vehicles_model.rowCount():
            return None
        return self.vehicles_model.vehicle(index.row())

    def _select_vehicle(self, vehicle_id: int | None) -> None:
        row = None if vehicle_id is None else self.vehicles_model.row_of(vehicle_id)
        if row is None:
            self._update_vehicle_buttons()
            return
        self.vehicles.selectionModel().setCurrentIndex(
            self.vehicles_model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def add_vehicle(self) -> None:
        if self.editable and self._mode == _OPEN and self._detail is not None:
            self._open_vehicle_dialog(VehicleDialog(self._detail.name, None, self))

    def edit_vehicle(self) -> None:
        vehicle = self._selected_vehicle()
        if self.editable and self._mode == _OPEN and self._detail and vehicle is not None:
            self._open_vehicle_dialog(VehicleDialog(self._detail.name, vehicle, self))

    def _open_vehicle_dialog(self, dialog: VehicleDialog) -> None:
        self.vehicle_dialog = dialog
        dialog.submitted.connect(lambda data: self._save_vehicle(dialog, data, False))

        def closed(_result: int) -> None:
            if self.vehicle_dialog is dialog:
                self.vehicle_dialog = None
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()

    def _save_vehicle(self, dialog: VehicleDialog, data: VehicleInput, allow: bool) -> None:
        detail, vehicle, service = self._detail, dialog.vehicle, self.service
        if detail is None:
            dialog.reject()
            return

        def call() -> VehicleRecord:
            if vehicle is None:
                return service.add_vehicle(detail.id, data, allow_duplicate=allow)
            return service.update_vehicle(vehicle.id, vehicle.version, data, allow_duplicate=allow)

        def saved(record: VehicleRecord) -> None:
            if shiboken6.isValid(dialog):
                dialog.accept()
            self._vehicle_changed(record.id)

        def failed(exc: BaseException) -> bool:
            if not shiboken6.isValid(self) or not shiboken6.isValid(dialog):
                return True
            if isinstance(exc, ValidationError):
                dialog.set_busy(False)
                dialog.show_problems(exc.problems)
                return True
            if isinstance(exc, DuplicateWarning):
                candidates = exc.candidates
                QTimer.singleShot(
                    0, self._guard_call(lambda: self._decide_lookalike(dialog, data, candidates))
                )
                return True
            dialog.set_busy(False)
            if isinstance(exc, ConflictError):
                self._recheck_open()
            return False

        self.runner.run(call, self._guard(saved), failed, write=True, parent=dialog)

    def _decide_lookalike(
        self, dialog: VehicleDialog, data: VehicleInput, candidates: list[DuplicateCandidate]
    ) -> None:
        if not shiboken6.isValid(dialog):
            return
        if self.confirm_lookalike_plate(candidates, dialog):
            self._save_vehicle(dialog, data, True)
        else:
            dialog.set_busy(False)

    def toggle_vehicle_active(self) -> None:
        """Remove the selected vehicle (with a reason), or restore a removed one."""
        vehicle, detail = self._selected_vehicle(), self._detail
        if not self.editable or vehicle is None or detail is None:
            return
        reason = ""
        if vehicle.active:
            answer = self.ask_reason(
                "Remove vehicle",
                f"Why is {plate_title(vehicle)} being removed from {detail.name}? "
                "The vehicle stays on record as removed.",
                "Remove",
            )
            if answer is None:
                return
            reason = answer
        service = self.service
        self.runner.run(
            lambda: service.set_vehicle_active(
                vehicle.id, vehicle.version, not vehicle.active, reason
            ),
            self._guard(lambda record: self._vehicle_changed(record.id)),
            self._guard_failure(lambda _exc: self._recheck_open()),
            write=True,
            parent=self,
        )

    def _vehicle_changed(self, vehicle_id: int) -> None:
        self._recheck_open(select_vehicle=vehicle_id)
        self._schedule_refresh()  # the Plates column of the results

    # -- live changes ------------------------------------------------------------------

    def _concerns_open(self, change: Change) -> bool:
        """A vehicle (its owner may be the open parker) or the open parker changed."""
        return change.table == "vehicle" or (
            self._detail is not None and change.key == str(self._detail.id)
        )

    def _schedule_refresh(self) -> None:
        self._live_batch.want(self.finder.refresh)

    def _recheck_open(self, select_vehicle: int | None = None) -> None:
        """Fetch the open parker again; apply it unless that would overwrite typed values."""
        if self._mode != _OPEN or self._detail is None:
            return
        generation, parker_id, service = self._open_generation, self._detail.id, self.service

        def arrived(fresh: ParkerDetail) -> None:
            if generation != self._open_generation or self._detail is None:
                return
            if self._saving:
                return  # the save's own answer is about to replace the record
            if fresh.version == self._detail.version:
                # Only the vehicles changed: they are not part of the form.
                self._detail = fresh
                self._set_vehicles(fresh.vehicles, select_vehicle)
                self._refresh_detail_header()
            elif not self.form.is_dirty():
                self._show_detail(fresh)
                self._select_vehicle(select_vehicle)
            else:
                self._detail = replace(self._detail, vehicles=fresh.vehicles)
                self._set_vehicles(fresh.vehicles, select_vehicle)
                self._show_notice(fresh)

        def failed(exc: BaseException) -> bool:
            log.info("rechecking the open parker failed: %s", exc)
            return isinstance(exc, KnownError)

        self.runner.run(lambda: service.get(parker_id), self._guard(arrived), failed, parent=self)

    def _set_vehicles(self, vehicles: tuple[VehicleRecord, ...], select: int | None) -> None:
        keep = self._selected_vehicle()
        self.vehicles_model.set_vehicles(vehicles)
        self._select_vehicle(select if select is not None else (keep.id if keep else None))

    def _show_notice(self, fresh: ParkerDetail | None = None) -> None:
        text = "Changed by someone else — reload to see it."
        if fresh is not None:
            text = (
                f"Changed by someone else — reload to see it ({fresh.updated_by}, "
                f"{format_when(fresh.updated_at)}). Your unsaved values stay until you reload."
            )
        self.notice_label.setText(text)
        self.notice.show()

    # -- questions (small methods so tests and other front ends can answer them) ---------------

    def choose_duplicate(self, candidates: list[DuplicateCandidate]) -> tuple[str, int | None]:
        dialog = DuplicatesDialog(
            "Already registered?",
            "This looks like a parker who is already registered. Open the existing record, "
            "or create the new one anyway.",
            candidates,
            open_label="Open existing",
            go_label="Create anyway",
            parent=self,
        )
        dialog.exec()
        return dialog.choice, dialog.selected_id()

    def confirm_lookalike_plate(
        self, candidates: list[DuplicateCandidate], parent: QWidget | None = None
    ) -> bool:
        dialog = DuplicatesDialog(
            "Look-alike plate",
            "A registered plate differs from this one only by look-alike characters "
            "(such as 0 and O). Check the plate before adding it.",
            candidates,
            go_label="Add anyway",
            parent=parent or self,
        )
        dialog.exec()
        return dialog.choice == CREATE_ANYWAY

    def confirm_conflict(self, message: str, changes: list[tuple[str, str]]) -> bool:
        """True to reload now; False keeps the typed values on screen."""
        dialog = ConflictDialog(message, changes, self)
        return dialog.exec() == QDialog.DialogCode.Accepted

    def ask_reason(self, title: str, prompt: str, action: str) -> str | None:
        dialog = ReasonDialog(title, prompt, action, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.reason() or None

    def confirm_discard(self, what: str) -> bool:
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Discard your unsaved changes to {what}?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def _may_discard_edits(self) -> bool:
        if not self.editable or self._mode == _NONE or not self.form.is_dirty():
            return True
        what = "the new parker" if self._detail is None else self._detail.name
        return self.confirm_discard(what)

    # -- helpers -----------------------------------------------------------------------

    def _guard(self, fn: Callable[[T], None]) -> Callable[[T], None]:
        """Drop an answer that arrives after the desk was closed."""

        def call(value: T) -> None:
            if shiboken6.isValid(self):
                fn(value)

        return call

    def _guard_call(self, fn: Callable[[], None]) -> Callable[[], None]:
        def call() -> None:
            if shiboken6.isValid(self):
                fn()

        return call

    def _guard_failure(
        self, fn: Callable[[BaseException], None]
    ) -> Callable[[BaseException], bool]:
        """Run ``fn`` after a failure, then let the runner show the message as usual."""

        def call(exc: BaseException) -> bool:
            if not shiboken6.isValid(self):
                return True
            fn(exc)
            return False

        return call
