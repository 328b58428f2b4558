"""The appeals desk (SPEC rule 8 and "Appeals"): the queue, the appeal in hand with its
case timeline, and the decision.

Adjudicators take the next appeal (or open one from the list), read the timeline and
decide; their claim is renewed while the appeal is open here, and given back when they
take another. The counter files appeals for parkers and records withdrawals; a manager
also accepts late appeals and reopens decided ones. Everything reloads by itself when
any desk files, claims or decides (``appeal`` and ``appeal_step`` changes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.services.appeals import (
    LEVELS,
    Appeal,
    AppealOffice,
    AppealService,
    QueueLevel,
    TimelineEntry,
)
from desktop.services.citations import CitationService
from desktop.services.errors import KnownError, ValidationError
from desktop.services.localization import format_local, format_recent, format_recent_day
from desktop.services.vehicle_record import VehicleRecordService
from desktop.views.appeals.dialogs import AttachDocumentDialog, FileAppealDialog, HearingDialog
from desktop.views.appeals.page import AppealPage
from desktop.views.appeals.papers import AppealPapers
from desktop.views.kit.desk import Desk
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.forms import DialogSlot, NoteDialog
from desktop.views.kit.layout import STRETCH, button, desk_action, hbox, label, stack, vbox
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.operations import Loader
from desktop.views.kit.table_view import Listing, sorted_table
from desktop.views.kit.tables import Column, RowsModel, time_column
from desktop.views.kit.vehicle_record import VehicleRecordDialog
from desktop.views.kit.widgets import DeskSplitter, EmptyState

REFRESH_DELAY_MS = 200
#: The queue's share of the desk while no appeal is open, and the appeal's once one is.
QUEUE_SHARE = 0.62
PAGE_SHARE = 0.53


def queue_words(levels: list[QueueLevel], zone: str) -> str:
    """One line per level: "Review: 4 waiting, 1 in hand, oldest filed 2 Dec 09:14; 2 to
    answer within a week", "Hearing: none waiting"."""
    parts = []
    for q in levels:
        if q.waiting == 0:
            parts.append(f"{LEVELS[q.level]}: none waiting")
            continue
        words = [f"{q.waiting} waiting"]
        if q.held:
            words.append(f"{q.held} in hand")
        if q.oldest_filed_at is not None:
            words.append(f"oldest filed {format_recent(q.oldest_filed_at, zone)}")
        text = f"{LEVELS[q.level]}: " + ", ".join(words)
        if q.answer_due_soon:
            text += f"; {q.answer_due_soon} to answer within a week"
        if q.next_hearing_at is not None:
            text += f"; next hearing {format_recent(q.next_hearing_at, zone)}"
        parts.append(text)
    return "\n".join(parts)


class QueueModel(RowsModel[Appeal]):
    """The appeals waiting, in the order the queue hands them out; those an adjudicator
    has in hand are dimmed, and say whose they are."""

    def __init__(self, zone: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column(
                    "Appeal",
                    lambda a: a.number,
                    tooltip=lambda a: f"In hand: {a.claimed_by}" if a.claimed_by else None,
                    samples=("A2026-00000",),
                ),
                time_column(
                    "Filed",
                    lambda a: a.filed_at,
                    lambda at: format_recent_day(at, zone()),
                    sample="30 Sep",
                    tooltip=lambda a: f"Filed {format_local(a.filed_at, zone())}",
                ),
                Column(
                    "Plate",
                    lambda a: f"{a.jurisdiction} {a.plate}",
                    tooltip=lambda a: f"Citation {a.citation_number}",
                    samples=("ON WWWW000",),
                ),
                Column(
                    "Appellant",
                    lambda a: a.appellant,
                    tooltip=lambda a: a.appellant,
                    stretch=True,
                    give_way=True,
                ),
                Column(
                    "Level",
                    lambda a: LEVELS[a.level],
                    tooltip=lambda a: (
                        f"Hearing {format_recent(a.hearing_at, zone())}, {a.hearing_place}"
                        if a.hearing_at is not None
                        else None
                    ),
                    samples=("Hearing",),
                ),
            ],
            key=lambda a: a.id,
            dimmed=lambda a: a.claimed_by is not None,
            parent=parent,
        )


class AppealsDesk(Desk):
    """The queue on the left, the appeal on the right."""

    #: Emitted after each reload of the queue, and after an appeal's page is shown.
    loaded = Signal()
    shown = Signal()
    #: A document preview the desk opened (for tests and screenshots).
    dialog_opened = Signal(object)

    def setup(self) -> None:
        self.setObjectName("appealsDesk")
        self.service = AppealService(self.workspace)
        identity = self.workspace.identity
        self.adjudicator = "adjudicator" in identity.roles
        self.manager = "manager" in identity.roles
        self.counter = "clerk" in identity.roles or self.manager
        self.me = identity.login
        self._office: AppealOffice | None = None
        self.current: int | None = None
        self.file_dialog: DialogSlot[FileAppealDialog] = DialogSlot(self._filed)
        self.hearing_dialog: DialogSlot[HearingDialog] = DialogSlot(self._appeal_changed)
        self.document_dialog: DialogSlot[AttachDocumentDialog] = DialogSlot(self._appeal_changed)

        self.papers = AppealPapers(
            self,
            self.runner,
            service=self.service,
            photos=CitationService(self.workspace),
            appeal=lambda: self.page.appeal,
            zone=self._zone,
            opened=self.dialog_opened,
        )
        left = self._queue_pane()
        self.page = self._appeal_page()
        self.empty = EmptyState(
            "No appeal open",
            "Take the next appeal, or open one from the list."
            if self.adjudicator
            else "Open an appeal from the list to see its case timeline.",
        )
        self.right = stack(self.empty, self.page, sized_by_shown=True)
        # The queue has the room its appellants' names need until an appeal is open; then
        # the appeal's page has a little more than half (the queue's columns still whole).
        self.splitter = DeskSplitter(orientation=Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.favour(0, QUEUE_SHARE)
        vbox((self.splitter, 1), margins=8, parent=self)

        self.queue_loader = Loader(
            self, self.runner, self._queue_call, self._queue_shown, self._queue_failed
        )
        if self.adjudicator:
            desk_action(self, "Take next", "Ctrl+N", self.take_next)
        desk_action(self, "Refresh", "F5", self.refresh)
        desk_action(self, "Vehicle record", "Ctrl+R", self.open_vehicle_record)
        # The claim lasts the office's lease: renewed while the appeal is open here.
        self.lease_timer = QTimer(self)
        self.lease_timer.timeout.connect(self._renew)
        batch = LiveBatch(self.live, REFRESH_DELAY_MS, self, complete_resync_is_quiet=True)
        batch.watch(("appeal", "appeal_step", "citation", "ledger_entry"), self.refresh)
        self.runner.run_for(
            self,
            self.service.office,
            self._office_read,
            self._queue_failed_any,
        )

    def _queue_pane(self) -> QWidget:
        """The queue's summary, its buttons and the appeals waiting."""
        self.summary = label(name="countLabel", plain=True, wrap=True)
        self.summary.setObjectName("queueSummary")
        self.model = QueueModel(self._zone, self)
        self.table, self.proxy = sorted_table(self.model, "queueTable")
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.listing = Listing(self.table)
        self.take_button = button(
            "&Take next",
            self.take_next,
            primary=True,
            tip="Claim the oldest appeal waiting (Ctrl+N)",
            visible=self.adjudicator,
        )
        self.take_button.setObjectName("takeNextButton")
        self.open_button = button(
            "O&pen selected", self.open_selected, tip="Show the selected appeal (Enter)"
        )
        self.file_button = button(
            "File an &appeal…",
            self.open_file_dialog,
            tip="A parker appeals a citation",
            visible=self.counter,
        )
        self.file_button.setObjectName("fileAppealButton")
        left = QWidget()
        vbox(
            self.summary,
            hbox(self.take_button, self.open_button, self.file_button, STRETCH, spacing=8),
            (self.listing, 1),
            margins=0,
            spacing=8,
            parent=left,
        )
        return left

    def _appeal_page(self) -> AppealPage:
        page = AppealPage(self.office)
        page.decision.decide.connect(self.decide)
        page.give_back.connect(self.give_back)
        page.set_hearing.connect(self.open_hearing_dialog)
        page.withdraw.connect(self.withdraw)
        page.reopen.connect(self.reopen)
        page.letter.connect(self.papers.letter)
        page.hearing_notice.connect(self.papers.hearing_notice)
        page.packet.connect(self.papers.packet)
        page.add_document.connect(self.open_document_dialog)
        page.vehicle_record.connect(self.open_vehicle_record)
        page.photos_requested.connect(self.papers.photos)
        return page

    # -- the office and the queue -------------------------------------------------

    def office(self) -> AppealOffice:
        return self._office or AppealOffice("USD", "UTC", 20, 30)

    def _zone(self) -> str:
        return self.office().time_zone

    def _office_read(self, office: AppealOffice) -> None:
        self._office = office
        self.lease_timer.setInterval(max(office.lease_minutes, 2) * 30_000)  # half the lease
        self.refresh()

    def refresh(self) -> None:
        self.queue_loader.reload()
        if self.current is not None:
            self._load_page(self.current)

    def _queue_call(self) -> Callable[[], tuple[list[QueueLevel], list[Appeal]]]:
        service = self.service
        return lambda: (service.queue(), service.open_appeals())

    def _queue_shown(self, answer: tuple[list[QueueLevel], list[Appeal]]) -> None:
        levels, appeals = answer
        self.summary.setText(queue_words(levels, self._zone()))
        selected = self.table.selected_key()
        self.model.set_rows(appeals)
        if selected is not None:
            self.table.show_key(selected)
        self.listing.show_rows(
            len(appeals),
            "No appeal waiting",
            "Every appeal filed has been decided or withdrawn.",
        )
        self.loaded.emit()

    def _queue_failed(self, exc: KnownError) -> None:
        self.listing.show_empty("The appeals could not be loaded", exc.message)

    def _queue_failed_any(self, exc: BaseException) -> bool:
        if isinstance(exc, KnownError):
            self._queue_failed(exc)
            return True
        return False

    # -- one appeal ------------------------------------------------------------------

    def take_next(self) -> None:
        if not self.adjudicator:
            return
        drafting = self.page.decision.isVisible() and self.page.decision.has_draft()
        if drafting and not self._confirm(
            "Take the next appeal",
            "Your decision on this appeal is not saved. Give it back and take the next one?",
        ):
            return
        self.take_button.setEnabled(False)
        self.runner.run_for(
            self,
            self.service.take_next,
            self._taken,
            lambda _exc: self.take_button.setEnabled(True),
            write=True,
        )

    def _taken(self, appeal: Appeal | None) -> None:
        self.take_button.setEnabled(True)
        if appeal is None:
            self.empty_state("The queue is empty", "Every appeal waiting is decided or in hand.")
            return
        self._show(appeal)

    def open_selected(self) -> None:
        appeal: Appeal | None = self.table.selected_row()
        if appeal is None:
            return
        if self.adjudicator and appeal.claimed_by in (None, self.me):
            appeal_id = appeal.id
            self.runner.run_for(
                self,
                lambda: self.service.claim(appeal_id),
                self._show,
                lambda _exc: self._claim_refused(appeal_id),
                write=True,
            )
        else:
            self._load_page(appeal.id)

    def _claim_refused(self, appeal_id: int) -> bool:
        """Someone took it first: it is shown read-only, and the refusal says by whom."""
        self._load_page(appeal_id)
        return False

    def empty_state(self, title: str, text: str) -> None:
        self.current = None
        self.lease_timer.stop()
        self.empty.title.setText(title)
        self.empty.text.setText(text)
        self.right.setCurrentWidget(self.empty)
        self.splitter.favour(0, QUEUE_SHARE)

    def _load_page(self, appeal_id: int) -> bool:
        service = self.service
        self.runner.run_for(
            self,
            lambda: service.get(appeal_id),
            self._show,
            lambda exc: self._page_failed(appeal_id, exc),
        )
        return True

    def _page_failed(self, appeal_id: int, exc: BaseException) -> bool:
        if not isinstance(exc, KnownError) or self.current != appeal_id:
            return False
        self.empty_state("The appeal could not be shown", exc.message)
        return True

    def _show(self, appeal: Appeal) -> None:
        self.current = appeal.id
        in_hand = appeal.claimed_by == self.me and appeal.status == "open"
        self.page.show_appeal(
            appeal,
            in_hand=in_hand and self.adjudicator,
            may_withdraw=self.counter,
            may_reopen=self.manager,
            may_attach=self.counter or self.adjudicator,
        )
        self.right.setCurrentWidget(self.page)
        self.splitter.favour(1, PAGE_SHARE)
        if in_hand and self.adjudicator:
            if not self.lease_timer.isActive():
                self.lease_timer.start()
            self._load_reasons()
        else:
            self.lease_timer.stop()
        citation = appeal.citation_id
        self.runner.run_for(
            self,
            lambda: self.service.timeline(citation),
            self._timeline_shown,
            self._timeline_failed,
        )
        self.table.show_key(appeal.id)

    def _timeline_shown(self, entries: list[TimelineEntry]) -> None:
        self.page.show_timeline(entries)
        self.shown.emit()

    def _timeline_failed(self, exc: BaseException) -> bool:
        if isinstance(exc, KnownError):
            self.page.timeline_failed(exc.message)
            return True
        return False

    def _load_reasons(self) -> None:
        for decision in ("uphold", "reduce", "dismiss"):
            self._load_reasons_for(decision)

    def _load_reasons_for(self, decision: str) -> None:
        service, panel = self.service, self.page.decision
        self.runner.run_for(
            self,
            lambda: service.reasons(decision),
            lambda rows: panel.set_reasons(decision, rows),
        )

    def _renew(self) -> None:
        appeal = self.page.appeal
        if appeal is None or self.current != appeal.id:
            return
        appeal_id = appeal.id
        self.runner.run_for(
            self,
            lambda: self.service.claim(appeal_id),
            None,
            lambda _exc: self._load_page(appeal_id),
            write=True,
        )

    # -- deciding and the other steps ---------------------------------------------------

    def decide(self, decision: str, reason: object, note: str, amount: str) -> None:
        appeal = self.page.appeal
        if appeal is None:
            return
        appeal_id, reason_id = appeal.id, int(str(reason))
        self.page.decision.busy(True)
        self.runner.run_for(
            self,
            lambda: self.service.decide(appeal_id, decision, reason_id, note, amount),
            self._decided,
            self._decision_refused,
            write=True,
        )

    def _decided(self, appeal: Appeal) -> None:
        self.page.decision.busy(False)
        self._show(appeal)
        self.queue_loader.reload()
        self.papers.letter()  # the letter goes out with the decision

    def _decision_refused(self, exc: BaseException) -> bool:
        self.page.decision.busy(False)
        if isinstance(exc, ValidationError):
            problem = exc.problems[0]
            if problem.field == "amount":
                self.page.amount_edit().setFocus(Qt.FocusReason.OtherFocusReason)
            self.page.decision.show_problem(problem.message)
            return True
        if isinstance(exc, KnownError):
            self.page.decision.show_problem(exc.message)
            return True
        return False

    def give_back(self) -> None:
        appeal = self.page.appeal
        if appeal is None:
            return
        appeal_id = appeal.id
        self.runner.run_for(
            self,
            lambda: self.service.release(appeal_id),
            lambda _none: self._released(),
            write=True,
        )

    def _released(self) -> None:
        self.empty_state("Given back", "The appeal is back in the queue for whoever takes it.")
        self.queue_loader.reload()

    def open_hearing_dialog(self) -> None:
        appeal = self.page.appeal
        if appeal is None:
            return
        appeal_id, service = appeal.id, self.service

        def save(at: datetime, place: str) -> Appeal:
            return service.schedule_hearing(appeal_id, at, place)

        zone = self._zone()
        self.hearing_dialog.open(lambda: HearingDialog(save, self.runner, self, zone=zone))

    def open_document_dialog(self) -> AttachDocumentDialog | None:
        appeal = self.page.appeal
        if appeal is None or not (self.counter or self.adjudicator):
            return None
        appeal_id, number, service = appeal.id, appeal.number, self.service

        def save(path: Path, description: str) -> Appeal:
            return service.attach_document(appeal_id, path, description)

        return self.document_dialog.open(
            lambda: AttachDocumentDialog(save, self.runner, number, self)
        )

    def open_vehicle_record(self) -> VehicleRecordDialog | None:
        """The record of the appealed citation's plate, read with this person's rights."""
        appeal = self.page.appeal
        if appeal is None or self.right.currentWidget() is not self.page:
            return None
        dialog = VehicleRecordDialog(
            VehicleRecordService(self.workspace),
            self.runner,
            appeal.jurisdiction,
            appeal.plate,
            self,
        )
        return open_dialog(dialog, self.dialog_opened)

    def _appeal_changed(self, appeal: object) -> None:
        if isinstance(appeal, Appeal):
            self._show(appeal)
        self.queue_loader.reload()

    def open_file_dialog(self, citation_number: str = "") -> FileAppealDialog | None:
        if not self.counter:
            return None
        return self.file_dialog.open(
            lambda: FileAppealDialog(
                self.service,
                self.runner,
                citation_number=citation_number,
                manager=self.manager,
                window_days=self._office.window_days if self._office else None,
                parent=self,
            )
        )

    def _filed(self, appeal: object) -> None:
        if isinstance(appeal, Appeal):
            self._show(appeal)
        self.queue_loader.reload()

    def withdraw(self) -> None:
        self._with_note(
            "Withdraw the appeal",
            "How did the parker withdraw it (by phone, in writing…)?",
            "Withdraw",
            self.service.withdraw,
        )

    def reopen(self) -> None:
        self._with_note(
            "Reopen the appeal",
            "Why is the decision reopened? What it took off the fine is put back until the "
            "appeal is decided again.",
            "Reopen",
            self.service.reopen,
        )

    def _with_note(
        self, title: str, prompt: str, action: str, call: Callable[[int, str], Appeal]
    ) -> None:
        appeal = self.page.appeal
        if appeal is None:
            return
        appeal_id = appeal.id
        dialog = NoteDialog(title, prompt, action, required=True, parent=self)
        dialog.setObjectName("appealNoteDialog")

        def noted() -> None:
            note = dialog.note()
            self.runner.run_for(
                self,
                lambda: call(appeal_id, note),
                self._appeal_changed,
                write=True,
            )

        dialog.accepted.connect(noted)
        open_dialog(dialog)

    def _confirm(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def leave_warning(self) -> str | None:
        appeal = self.page.appeal
        deciding = self.current is not None and self.page.decision.isVisible()
        if appeal is not None and deciding and self.page.decision.has_draft():
            return f"Your decision on appeal {appeal.number} is not saved."
        return None
