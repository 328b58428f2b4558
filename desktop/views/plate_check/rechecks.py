"""Checking the plate on screen again without being asked: a permit sold or cancelled at
another desk, or the permit's time running out, changes the verdict by itself.

An officer reads the card the moment it changes, so a change is re-checked at once (all
rows of one commit arrive together, so a sale is one re-check); only then are further
re-checks held back for a moment, so a large import does not re-check per row.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.services.live import Change
from desktop.services.platecheck import PlateVerdict
from desktop.views.kit.live import LiveChanges

#: Tables whose changes can change a verdict on screen.
VERDICT_TABLES = frozenset({"permit", "permit_vehicle", "vehicle", "lot"})
#: After a live re-check, further ones wait this many ms while changes keep coming.
LIVE_DELAY_MS = 150
#: Re-check by itself when the permit on screen ends, if that is this soon.
EXPIRY_HORIZON_MS = 24 * 3600 * 1000
CHANGED_ELSEWHERE = "a permit or vehicle was changed at another desk."
TIME_RAN_OUT = "The permit's time ran out."


class Rechecks(QObject):
    """When the verdict on screen is to be checked again, and why."""

    #: Check the plate on screen again; the words say why (the card shows them if the
    #: verdict changes).
    due = Signal(str)

    def __init__(self, live: LiveChanges, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._following = False  # a verdict is on screen
        self._asking: int | None = None  # the person's own check, while it runs
        self._held_back = False  # a change came while re-checks were held back
        # A change: re-check once the signals of this burst have been delivered (0 ms) ...
        self._soon = QTimer(self, singleShot=True, interval=0)
        self._soon.timeout.connect(self._recheck_changes)
        # ... then hold further re-checks back for a moment (a large import, say).
        self._quiet = QTimer(self, singleShot=True, interval=LIVE_DELAY_MS)
        self._quiet.timeout.connect(self._quiet_over)
        # The permit on screen may end while it is shown.
        self._expiry = QTimer(self, singleShot=True)
        self._expiry.timeout.connect(lambda: self.due.emit(TIME_RAN_OUT))
        live.changed.connect(self._on_change)
        live.resynced.connect(lambda _resync: self._changed())

    def follow(self, verdict: PlateVerdict) -> None:
        """This verdict is on screen: keep it true (and check again when its permit ends)."""
        self._following = True
        self._expiry.stop()
        if verdict.query.at is not None or verdict.valid_until is None:
            return
        remaining = (verdict.valid_until - verdict.checked_at).total_seconds() * 1000
        if 0 < remaining <= EXPIRY_HORIZON_MS:
            self._expiry.start(int(remaining) + 1000)

    def forget(self) -> None:
        """No verdict on screen any more: nothing to keep true."""
        self._following = False
        self._expiry.stop()

    def asking(self, generation: int) -> None:
        """The person asked a new question: changes seen for the previous one are not held
        back for it, and those that come while it runs wait for its answer."""
        self._soon.stop()
        self._quiet.stop()
        self._held_back = False
        self._asking = generation

    def answered(self, generation: int) -> None:
        """A check has answered. If it was the person's own, re-check now for the changes
        that came meanwhile (its answer may be from just before them)."""
        if generation == self._asking:
            self._asking = None
            if self._held_back:
                self._held_back = False
                self._soon.start()

    def _on_change(self, change: Change) -> None:
        if change.table in VERDICT_TABLES:
            self._changed()

    def _changed(self) -> None:
        if self._asking is not None:
            self._held_back = True  # until the person's own check has answered
            return
        if not self._following:
            return
        if self._quiet.isActive():
            self._held_back = True
        elif not self._soon.isActive():
            self._soon.start()

    def _recheck_changes(self) -> None:
        self._held_back = False
        self._quiet.start()
        self.due.emit(CHANGED_ELSEWHERE)

    def _quiet_over(self) -> None:
        if self._held_back:
            self._recheck_changes()
