"""The plate check desk: type a plate, see at once whether it may park here, now.

The verdict fills a large card coloured by what it means (with an icon and words,
so colour is never the only signal). Look-alike plates are offered under it as
buttons, never substituted. While a verdict is on screen, permit changes made at
any other desk re-run the check by themselves: a permit sold at the counter turns
the card green without anyone touching this desk.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent

from desktop.services.appeals import AppealService
from desktop.services.citations import CitationRow, CitationService
from desktop.services.errors import KnownError, ValidationError
from desktop.services.platecheck import (
    PlateCheckService,
    PlateQuery,
    PlateVerdict,
    ReadSeen,
    format_clock,
)
from desktop.services.vehicle_record import VehicleRecordService
from desktop.views.appeals import CaseTimelineDialog
from desktop.views.kit.desk import Desk
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.layout import button, desk_action, hbox, tab_order, vbox
from desktop.views.kit.vehicle_record import VehicleRecordDialog
from desktop.views.plate_check.citations import PlateCitationsPanel
from desktop.views.plate_check.history import HistoryPanel
from desktop.views.plate_check.inputs import PlateInputs
from desktop.views.plate_check.reads import RecentReadsPanel
from desktop.views.plate_check.rechecks import Rechecks
from desktop.views.plate_check.verdict import VerdictPanel

log = logging.getLogger(__name__)

#: A check answers in about a millisecond; "Checking…" only shows on a slow link.
PENDING_DELAY_MS = 250
#: A second request for the same check this soon is the same gesture, not a new one.
REPEAT_WINDOW_S = 0.5


class PlateCheckDesk(Desk):
    """One plate field, a jurisdiction, an optional lot and time, and the verdict."""

    #: A verdict was put on screen (typed, chosen from the history or a look-alike, or
    #: re-checked after a change elsewhere).
    verdict_shown = Signal(object)
    #: The plate's recent reads (and, for the desks that answer disputes, its citations)
    #: are on screen.
    reads_shown = Signal()
    #: A citation's case timeline, or the plate's vehicle record, was opened (its dialog).
    timeline_opened = Signal(object)

    def setup(self) -> None:
        self.setObjectName("plateCheckDesk")
        self.service = PlateCheckService(self.workspace)
        # The service keeps a connection for fast checks while the desk is on screen.
        self.destroyed.connect(self.service.close)
        self._generation = 0
        self._current: PlateQuery | None = None  # the latest query asked
        #: The verdict on screen.
        self.shown_verdict: PlateVerdict | None = None
        self._started_at = 0.0
        self._focused_once = False

        self.inputs = PlateInputs(self.service, self.runner, self.live)
        self.verdict = VerdictPanel()
        self.history = HistoryPanel()
        self.recent_reads = RecentReadsPanel()
        self._reads_of: tuple[str, str] | None = None
        # The desks that answer disputes see the plate's citations and their timelines.
        self.answers_disputes = bool(
            {"clerk", "adjudicator", "manager"} & set(self.workspace.identity.roles)
        )
        self.citations = PlateCitationsPanel()
        self.citations.setVisible(self.answers_disputes)
        self.citations.chosen.connect(self.open_timeline)
        self.record_button = button(
            "Vehicle record…",
            self.open_vehicle_record,
            tip="Everything on file for this plate that you may read (Ctrl+R)",
        )
        self.record_button.setObjectName("vehicleRecordButton")
        self.record_button.setEnabled(False)
        self.rechecks = Rechecks(self.live, self)
        self._pending_timer = QTimer(self, singleShot=True, interval=PENDING_DELAY_MS)
        self._pending_timer.timeout.connect(self._show_pending)
        vbox(
            self.inputs,
            (
                hbox(
                    (self.verdict, 3),
                    vbox(
                        self.record_button,
                        (self.history, 1),
                        (self.recent_reads, 1),
                        (self.citations, 1),
                        spacing=12,
                    ),
                    spacing=16,
                ),
                1,
            ),
            margins=8,
            spacing=12,
            parent=self,
        )
        desk_action(self, "Check another plate", "Ctrl+L", self.inputs.focus_plate)
        desk_action(self, "Check for now", "Ctrl+T", self.inputs.choose_now)
        desk_action(self, "Vehicle record", "Ctrl+R", self.open_vehicle_record)
        self._set_tab_order()
        self.inputs.check_requested.connect(self.check_now)
        self.inputs.now_chosen.connect(self._now_chosen)
        self.verdict.near_match_chosen.connect(self.check_plate)
        self.history.chosen.connect(self._history_chosen)
        self.rechecks.due.connect(self._recheck)

    def _set_tab_order(self) -> None:
        tab_order(
            *self.inputs.in_tab_order(),
            *self.verdict.near_buttons,
            self.history.checks,
            self.citations.citations,
        )

    def check_now(self) -> None:
        """Check what the fields say (Enter, or the Check button)."""
        query = self.inputs.read_query()
        if query is None:
            self._forget_verdict()  # the verdict on screen answers an earlier question
        else:
            self._start(query)

    def check_plate(self, jurisdiction: str, plate: str) -> None:
        """Put a plate in the fields and check it (a look-alike, say)."""
        self.inputs.set_plate(jurisdiction, plate)
        self.check_now()

    def _start(self, query: PlateQuery, *, note: str | None = None) -> None:
        """Ask the database; ``note`` set means a re-check the person did not ask for."""
        self._generation += 1
        generation = self._generation
        self._current = query
        self._started_at = time.monotonic()
        if note is None:
            self.rechecks.asking(generation)
            self._pending_timer.start()
        service = self.service
        self.runner.run_for(
            self,
            lambda: service.check_query(query),
            lambda verdict: self._arrived(generation, verdict, note),
            lambda exc: self._failed(generation, exc, note),
        )

    def _arrived(self, generation: int, verdict: PlateVerdict, note: str | None) -> None:
        if generation != self._generation:
            return  # a newer check was asked for meanwhile
        self._pending_timer.stop()
        self.rechecks.answered(generation)
        previous, self.shown_verdict = self.shown_verdict, verdict
        if note is None or previous is None:
            changed = ""
        elif previous.verdict != verdict.verdict:
            at = format_clock(verdict.checked_at, verdict.office_zone, seconds=True)
            changed = f"Changed at {at}: {note}"
        else:
            changed = self.verdict.card.note.text()  # still true: the earlier change stays
        self.verdict.show_verdict(verdict, changed)
        self.record_button.setEnabled(True)
        self._set_tab_order()
        self.rechecks.follow(verdict)
        if note is None:
            self.history.remember(verdict)
            self.inputs.answered(verdict.query)
        self._load_reads(verdict)
        self.verdict_shown.emit(verdict)

    def _load_reads(self, verdict: PlateVerdict) -> None:
        """The plate's latest reads, fetched after its verdict is on screen (never before)."""
        plate = (verdict.jurisdiction, verdict.plate)
        self._reads_of = plate
        service = self.service
        self.runner.run_for(
            self,
            lambda: service.recent_reads(*plate),
            lambda reads: self._reads_arrived(plate, reads),
            lambda _exc: True,
        )

    def _reads_arrived(self, plate: tuple[str, str], reads: list[ReadSeen]) -> None:
        if plate != self._reads_of:
            return  # another plate was checked meanwhile
        self.recent_reads.show_reads(f"{plate[1]} ({plate[0]})", reads, self.service.office_zone)
        self._load_citations(plate)

    def _load_citations(self, plate: tuple[str, str]) -> None:
        """The plate's citations, after its reads, for the desks that answer disputes."""
        if not self.answers_disputes:
            self.reads_shown.emit()
            return
        citations, appeals = CitationService(self.workspace), AppealService(self.workspace)

        def read() -> tuple[list[CitationRow], str]:
            return citations.plate_citations(*plate), appeals.office().currency

        def arrived(answer: tuple[list[CitationRow], str]) -> None:
            if plate == self._reads_of:
                self.citations.show_citations(
                    f"{plate[1]} ({plate[0]})", *answer, self.service.office_zone
                )
            self.reads_shown.emit()

        self.runner.run_for(self, read, arrived, lambda _exc: True)

    def open_vehicle_record(self) -> VehicleRecordDialog | None:
        """The record of the plate on screen, read with this person's rights."""
        verdict = self.shown_verdict
        if verdict is None:
            return None
        dialog = VehicleRecordDialog(
            VehicleRecordService(self.workspace),
            self.runner,
            verdict.jurisdiction,
            verdict.plate,
            self,
        )
        return open_dialog(dialog, self.timeline_opened)

    def open_timeline(self, citation_id: int, number: str) -> CaseTimelineDialog:
        """A citation's case timeline, read with this person's rights."""
        dialog = CaseTimelineDialog(
            AppealService(self.workspace), self.runner, citation_id, number, self
        )
        return open_dialog(dialog, self.timeline_opened)

    def _failed(self, generation: int, exc: BaseException, note: str | None) -> bool:
        if generation != self._generation:
            return True
        self._pending_timer.stop()
        self.rechecks.answered(generation)
        self._current = self.shown_verdict.query if self.shown_verdict is not None else None
        self.verdict.show_again(self.shown_verdict)
        if isinstance(exc, ValidationError):
            self.inputs.show_problems(exc.problems)
            return True
        if note is None:
            return False
        log.info("re-checking the plate on screen failed: %s", exc)
        if isinstance(exc, KnownError) and self.shown_verdict is not None:
            self.verdict.card.say(f"Could not check again: {exc.message}")
        return isinstance(exc, KnownError)

    def _forget_verdict(self) -> None:
        self._generation += 1  # an answer on its way is for the earlier question too
        self._pending_timer.stop()
        self.rechecks.forget()
        self.shown_verdict = None
        self._current = None
        self._reads_of = None
        self.verdict.clear()
        self.recent_reads.clear()
        self.citations.clear()
        self.record_button.setEnabled(False)

    def _show_pending(self) -> None:
        if self._current is not None:
            self.verdict.show_pending(self._current)

    def _recheck(self, note: str) -> None:
        if self._current is not None and self.shown_verdict is not None:
            self._start(self._current, note=note)

    def _history_chosen(self, query: PlateQuery) -> None:
        if self._current == query and time.monotonic() - self._started_at < REPEAT_WINDOW_S:
            return  # a click and the "activated" of the same click or double-click
        self.inputs.fill(query)
        self._start(query)

    def _now_chosen(self) -> None:
        if self.shown_verdict is not None and self.shown_verdict.query.at is not None:
            self.check_now()

    def hideEvent(self, event: QHideEvent) -> None:
        # Another desk is in front, or the window closed: the connection goes back to the
        # pool (before the workspace closes it on log-out) and the next check takes one.
        self.service.close()
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._focused_once:
            self._focused_once = True
            self.inputs.plate_edit.setFocus(Qt.FocusReason.OtherFocusReason)
