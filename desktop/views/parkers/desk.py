"""The parker desk: find a parker by name, email, campus ID or plate, and keep their record.

Above, a search field over lazily paged results; below, the open parker's form and
vehicles. Clerks edit; other roles see the same record read-only. Changes by anyone
arrive through :class:`LiveChanges` and refresh what is on screen without ever
overwriting what the clerk is typing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from desktop.services.errors import (
    ConflictError,
    DuplicateCandidate,
    DuplicateWarning,
    FieldProblem,
    KnownError,
    ValidationError,
)
from desktop.services.live import Change
from desktop.services.parkers import ParkerDetail, ParkerInput, ParkerService
from desktop.views.kit.desk import Desk
from desktop.views.kit.dialogs import ConflictDialog
from desktop.views.kit.layout import (
    STRETCH,
    Space,
    button,
    desk_action,
    hbox,
    holder,
    label,
    scrolled,
    stack,
    tab_order,
    vbox,
)
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.widgets import (
    DeskSplitter,
    EmptyState,
    NoticeBar,
    while_alive,
)
from desktop.views.parkers.dialogs import CREATE_ANYWAY, OPEN_EXISTING, DuplicatesDialog, ask_reason
from desktop.views.parkers.form import ParkerForm
from desktop.views.parkers.search import ParkerSearch
from desktop.views.parkers.vehicles import VehiclesPanel

log = logging.getLogger(__name__)

#: Bursts of changes (an import, a seed) become one refresh.
LIVE_DELAY_MS = 150


class ParkerDesk(Desk):
    """Search, open, create and edit parkers and their vehicles."""

    def setup(self) -> None:
        self.service = ParkerService(self.workspace)
        self.editable = self.workspace.identity.can_edit("parkers")
        self._detail: ParkerDetail | None = None  # the parker open in the form
        self._creating = False  # the form is for a new parker
        self._open_generation = 0
        self._saving = False
        self._opening: int | None = None  # the parker being fetched for the form
        register = " To register someone new, press Ctrl+N." if self.editable else ""

        self.new_button = button(
            "New parker",
            self.new_parker,
            tip="Register a new parker (Ctrl+N)",
            visible=self.editable,
        )
        self.finder = ParkerSearch(
            self.service,
            self.runner,
            prompt="Type a name, email, campus ID or plate in the search field (Ctrl+F); "
            "results appear as you type." + register,
            no_match_advice="Check the spelling"
            + (", or register a new parker." if self.editable else "."),
            enter_opens_first=False,
            open_id=lambda: self._detail.id if self._detail is not None else None,
            with_inactive=True,
            buttons=[self.new_button],
            focus_on_arrival=True,
        )
        self._build_detail_side(register)
        # Results above the record, so the table gets the full width for its seven columns.
        self.splitter = DeskSplitter()
        self.splitter.addWidget(self.finder)
        self.splitter.addWidget(self.detail_stack)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([300, 450])
        vbox(self.splitter, margins=8, parent=self)

        desk_action(self, "Find parker", QKeySequence.StandardKey.Find, self.finder.focus)
        desk_action(self, "New parker", "Ctrl+N", self.new_parker, enabled=self.editable)
        desk_action(self, "Save parker", "Ctrl+S", self.save, enabled=self.editable)
        vehicles = self.vehicles_panel
        tab_order(
            self.finder.search,
            self.finder.include_inactive,
            self.new_button,
            self.finder.results,
            *self.form.editors(),
            self.save_button,
            self.deactivate_button,
            self.reactivate_button,
            self.notice.button,
            vehicles.table,
            vehicles.add_button,
            vehicles.edit_button,
            vehicles.remove_button,
        )
        self._live_batch = LiveBatch(self.live, LIVE_DELAY_MS, self)
        self._live_batch.watch(("parker", "vehicle"), self.finder.refresh)
        self._live_batch.watch(("parker", "vehicle"), self._recheck_open, when=self._concerns_open)
        self.finder.chosen.connect(self.open_parker)
        self.form.edited.connect(self._form_edited)
        self.splitter.favour(0, 0.7)
        self._update_buttons()

    def _build_detail_side(self, register: str) -> None:
        self.placeholder = EmptyState(
            "No parker open",
            "Open a parker from the results to see their record and vehicles." + register,
        )
        # Inline because the application style sheet sets every widget's font size.
        self.title = label(
            name="parkerTitle",
            plain=True,
            style="font-size: 14pt; font-weight: 600; color: #111827;",
        )
        self.status_label = label(
            style="color: #7a4b00; background: #fff4ce; border: 1px solid #e8cf7a; "
            "border-radius: 3px; padding: 3px 6px;"
        )
        self.audit_label = label(name="hint", wrap=True)
        self.notice = NoticeBar("parkerNotice", "Reload")
        self.notice.button.clicked.connect(self.reload_open_parker)
        self.read_only_label = label(
            "Read only: your role can look parkers up; only clerks can change them.",
            name="hint",
            wrap=True,
        )
        self.read_only_label.setVisible(not self.editable)
        self.save_state = label()
        self.save_button = button("Save", self.save, tip="Save this parker (Ctrl+S)", primary=True)
        self.deactivate_button = button("Deactivate…", lambda: self.set_active(False))
        self.reactivate_button = button("Reactivate", lambda: self.set_active(True))
        edit_buttons = holder(
            hbox(self.save_state, self.save_button, self.deactivate_button, self.reactivate_button),
            visible=self.editable,
        )
        self.vehicles_panel = VehiclesPanel(self.service, self.runner, editable=self.editable)
        self.vehicles_panel.changed.connect(self._vehicle_changed)
        self.vehicles_panel.stale.connect(self._recheck_open)
        self.form = ParkerForm(read_only=not self.editable)

        detail = QWidget()
        vbox(
            # The record's actions sit by its name, so Save is in view however small the window.
            hbox(self.title, self.status_label, STRETCH, edit_buttons, spacing=10),
            self.audit_label,
            self.notice,
            self.read_only_label,
            Space(6),
            (
                hbox(
                    (vbox(self.form, STRETCH, spacing=6), 5), (self.vehicles_panel, 6), spacing=20
                ),
                1,
            ),
            margins=(0, 8, 0, 0),
            spacing=4,
            parent=detail,
        )
        self._detail_page = scrolled(detail)
        self.detail_stack = stack(self.placeholder, self._detail_page)

    def leave_warning(self) -> str | None:
        """What would be lost by logging out now, or None."""
        if self.editable and self.form.is_dirty():
            return "The parker form has changes that are not saved."
        return None

    def open_parker(self, parker_id: int) -> None:
        """Load a parker into the form (asking first if that would drop unsaved edits)."""
        if self._detail is not None and self._detail.id == parker_id:
            return
        if parker_id == self._opening:
            return  # a click and the double-click's "activated" ask for the same parker
        if not self._may_discard_edits():
            self.finder.select_open()
            return
        self._fetch(parker_id)
        self._opening = parker_id

    def reload_open_parker(self) -> None:
        """Show the saved record, dropping unsaved edits (the clerk asked for it)."""
        if self._detail is not None:
            self._fetch(self._detail.id)

    def _fetch(self, parker_id: int) -> None:
        generation, service = self._next_generation(), self.service

        def answered(detail: ParkerDetail | None) -> None:
            if generation == self._open_generation:
                self._opening = None
                if detail is not None:
                    self._show_detail(detail)

        self.runner.run_for(
            self, lambda: service.get(parker_id), answered, lambda _exc: answered(None)
        )

    def _next_generation(self) -> int:
        """Whatever is still on its way for the form (an open, a recheck) is now stale."""
        self._open_generation += 1
        self._opening = None
        return self._open_generation

    def new_parker(self) -> None:
        if not self.editable or not self._may_discard_edits():
            return
        self._next_generation()
        self._creating = True
        self._detail = None
        self.form.load(None)
        self.vehicles_panel.set_vehicles(())
        self.finder.results.clearSelection()
        self._refresh_detail_header()
        self.detail_stack.setCurrentWidget(self._detail_page)
        self.splitter.favour(1, 0.65)
        self.form.first_name.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _show_detail(self, detail: ParkerDetail, *, keep_edits: bool = False) -> None:
        self._creating = False
        self._detail = detail
        self.form.load(detail, keep_edits=keep_edits)
        self.vehicles_panel.set_vehicles(detail.vehicles)
        self.notice.hide()
        self._refresh_detail_header()
        self.detail_stack.setCurrentWidget(self._detail_page)
        self.splitter.favour(1, 0.65)
        self.finder.select_open()

    def _refresh_detail_header(self) -> None:
        detail = self._detail
        if detail is None:
            self.title.setText("New parker")
            self.status_label.hide()
            self.audit_label.setText("Not saved yet.")
        else:
            self.title.setText(detail.name)
            reason = detail.deactivation_reason or "no reason recorded"
            self.status_label.setText(f"Inactive — {reason}")
            self.status_label.setVisible(not detail.active)
            identity = self.workspace.identity
            words = identity.changed_words("Created", detail.created_by, detail.created_at)
            if detail.updated_at != detail.created_at or detail.updated_by != detail.created_by:
                changed = identity.changed_words(
                    "Last changed", detail.updated_by, detail.updated_at
                )
                words += f" · {changed[0].lower()}{changed[1:]}"
            self.audit_label.setText(words)
        self._update_buttons()

    def _form_edited(self) -> None:
        self.save_state.setText("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        detail, dirty = self._detail, self.form.is_dirty()
        ready = self.editable and (self._creating or detail is not None) and not self._saving
        self.save_button.setEnabled(ready and (self._creating or dirty))
        self.save_button.setText("Create parker" if self._creating else "Save")
        self.deactivate_button.setVisible(detail is not None and detail.active)
        self.reactivate_button.setVisible(detail is not None and not detail.active)
        self.deactivate_button.setEnabled(ready)
        self.reactivate_button.setEnabled(ready)
        if dirty and detail is not None:
            self.save_state.setText("Unsaved changes")
            self.save_state.setStyleSheet("color: #7a4b00;")
        elif self.save_state.text() == "Unsaved changes":
            self.save_state.setText("")
        self.vehicles_panel.show_parker(detail, new=self._creating)

    def save(self) -> None:
        """Create the new parker or save the open one (Ctrl+S)."""
        if not self.editable or self._saving or (self._detail is None and not self._creating):
            return
        try:
            data = self.form.values().cleaned()
        except ValidationError as exc:
            self._show_problems(exc.problems)
            return
        self.form.clear_problems()
        if self._creating:
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
            self._live_batch.want(self.finder.refresh)

        def failed(exc: BaseException) -> bool:
            self._set_saving(False)
            if isinstance(exc, ValidationError):
                self._show_problems(exc.problems)
                return True
            if isinstance(exc, DuplicateWarning) and on_duplicate is not None:
                candidates = exc.candidates
                # Let the runner finish its bookkeeping before a modal dialog starts.
                QTimer.singleShot(0, self, lambda: on_duplicate(candidates))
                return True
            if isinstance(exc, ConflictError):
                QTimer.singleShot(0, self, lambda: self._resolve_conflict(exc))
                return True
            return False

        self.runner.run(call, while_alive(self, saved), failed, write=True, parent=self)

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

    def set_active(self, active: bool) -> None:
        """Reactivate the open parker, or deactivate them with a reason."""
        detail = self._detail
        if not self.editable or self._saving or detail is None or detail.active == active:
            return
        reason: str | None = ""
        if not active:
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
            lambda: service.set_active(detail.id, detail.version, active, reason), keep_edits=True
        )

    def _vehicle_changed(self, vehicle_id: int) -> None:
        self._recheck_open(select_vehicle=vehicle_id)
        self._live_batch.want(self.finder.refresh)  # the Plates column of the results

    def _concerns_open(self, change: Change) -> bool:
        """A vehicle (its owner may be the open parker) or the open parker changed."""
        return change.table == "vehicle" or (
            self._detail is not None and change.key == str(self._detail.id)
        )

    def _recheck_open(self, select_vehicle: int | None = None) -> None:
        """Fetch the open parker again; apply it unless that would overwrite typed values."""
        if self._detail is None:
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
                self.vehicles_panel.set_vehicles(fresh.vehicles, select_vehicle)
                self._refresh_detail_header()
            elif not self.form.is_dirty():
                self._show_detail(fresh)
                self.vehicles_panel.select(select_vehicle)
            else:
                self._detail = replace(self._detail, vehicles=fresh.vehicles)
                self.vehicles_panel.set_vehicles(fresh.vehicles, select_vehicle)
                self._show_notice(fresh)

        def failed(exc: BaseException) -> bool:
            log.info("rechecking the open parker failed: %s", exc)
            return isinstance(exc, KnownError)

        self.runner.run(
            lambda: service.get(parker_id), while_alive(self, arrived), failed, parent=self
        )

    def _show_notice(self, fresh: ParkerDetail | None = None) -> None:
        text = "Changed by someone else — reload to see it"
        if fresh is not None:
            when = self.workspace.identity.when(fresh.updated_at)
            text += f" ({fresh.updated_by}, {when}). Your unsaved values stay until you reload"
        self.notice.say(text + ".")

    def _may_discard_edits(self) -> bool:
        if not self.editable or not self.form.is_dirty():
            return True
        return self.confirm_discard("the new parker" if self._detail is None else self._detail.name)

    # The questions the desk asks: small methods, so tests and other front ends can answer them.

    def choose_duplicate(self, candidates: list[DuplicateCandidate]) -> tuple[str, int | None]:
        """Open the existing parker, or create the new one anyway: (choice, existing id)."""
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

    def confirm_conflict(self, message: str, changes: list[tuple[str, str]]) -> bool:
        """True to reload now; False keeps the typed values on screen."""
        return ConflictDialog(message, changes, self).exec() == QDialog.DialogCode.Accepted

    def ask_reason(self, title: str, prompt: str, action: str) -> str | None:
        return ask_reason(self, title, prompt, action)

    def confirm_discard(self, what: str) -> bool:
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Discard your unsaved changes to {what}?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard
