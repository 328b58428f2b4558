"""Waitlists: who is waiting for which permit in which lot, and the offers open to them.

Offers expire by the clock, so the panel asks the database to move expired offers on
(``refresh_waitlists``) every minute and whenever it is shown, even when nobody touches
anything; changes by any desk (a permit cancelled, a lot enlarged) reload it live.
The same panel shows one parker's entries on the permit desk (:meth:`set_parker`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QWidget

from desktop.services.errors import KnownError, PermissionDenied
from desktop.services.localization import format_local
from desktop.services.permits import WAITLIST_TITLES, PermitService, WaitlistPosition
from desktop.views.kit.layout import STRETCH, button, choice_box, hbox, label, stack, vbox
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.operations import Loader, OperationRunner
from desktop.views.kit.table_view import DeskTable
from desktop.views.kit.tables import Column, RowsModel
from desktop.views.kit.widgets import EmptyState

if TYPE_CHECKING:
    from desktop.views.kit.live import LiveChanges

COLUMNS = ("Permit type", "Lot", "Rank", "Parker", "Status", "Joined", "Offer expires")
TYPE, LOT, RANK, PARKER, STATUS, JOINED, EXPIRES = range(len(COLUMNS))
#: Changes to these tables can move someone up a waitlist or make an offer.
WATCHED_TABLES = frozenset({"waitlist_entry", "permit", "lot"})
REFRESH_INTERVAL_MS = 60_000
RELOAD_DELAY_MS = 150
OFFER_COLOUR = "#1d4ed8"
ALL_WAITING, OFFERS_OPEN = "all", "offers"
#: Entries still in the queue (the others are resolved: accepted, declined, expired…).
ACTIVE = ("waiting", "offered")
#: What the empty list says: for one parker, for the open offers, for every waitlist.
EMPTY_TEXTS = {
    "parker": (
        "Not on any waitlist",
        "When a permit type is sold through its waitlist, or a lot is full, the parker can "
        "join its waitlist from the sell dialog.",
    ),
    OFFERS_OPEN: (
        "No offers open",
        "When a space frees up, the next parker waiting is offered it and appears here until "
        "they accept, decline or the offer expires.",
    ),
    ALL_WAITING: ("Nobody is waiting", "Parkers who join a waitlist appear here in rank order."),
}


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st…"""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def plural(count: int, word: str) -> str:
    """'1 offer', '2 offers'."""
    return f"{count} {word}{'s' if count != 1 else ''}"


def _offered(position: WaitlistPosition) -> bool:
    return position.status == "offered"


def _offer_colour(position: WaitlistPosition) -> str | None:
    return OFFER_COLOUR if _offered(position) else None


def rank_words(position: WaitlistPosition) -> str:
    """'3rd of 12' while waiting or offered; nothing once the entry is resolved."""
    if position.rank is None:
        return ""
    return f"{ordinal(position.rank)} of {position.waiting}"


def time_left(expires: datetime, now: datetime) -> str:
    """'in 46 h', 'in 3 days', 'in 20 min'; 'overdue' once the time has passed."""
    seconds = (expires - now).total_seconds()
    if seconds <= 0:
        return "overdue"
    minutes = int(seconds // 60)
    hours = minutes // 60
    if hours >= 72:
        return f"in {hours // 24} days"
    if hours >= 1:
        return f"in {hours} h"
    return f"in {max(minutes, 1)} min"


def day_words(at: datetime, time_zone: str) -> str:
    """'22 Oct 2026': the office's date of a moment."""
    # format_local gives '22 Oct 2026 14:05 EST'; the list needs the day only.
    return format_local(at, time_zone).rsplit(" ", 2)[0]


def expiry_words(position: WaitlistPosition, time_zone: str, now: datetime) -> str:
    if position.status != "offered" or position.offer_expires_at is None:
        return ""
    # '23 Nov 2026 00:30 EST' without the year and zone: an offer lasts days, in office time.
    day, month, _year, clock = format_local(position.offer_expires_at, time_zone).split()[:4]
    return f"{day} {month} {clock} ({time_left(position.offer_expires_at, now)})"


@dataclass(frozen=True)
class _Loaded:
    time_zone: str
    rows: list[WaitlistPosition]


class WaitlistTableModel(RowsModel[WaitlistPosition]):
    """Waitlist entries as rows, in rank order (a short list: loaded whole)."""

    def __init__(self, parent: QObject | None = None) -> None:
        self._time_zone = "UTC"
        self._now = datetime.now(UTC)
        super().__init__(
            [
                Column(COLUMNS[TYPE], lambda p: p.type_name, samples=("Faculty & staff annual",)),
                Column(COLUMNS[LOT], lambda p: p.lot_name, samples=("Stadium West Garage",)),
                Column(
                    COLUMNS[RANK], rank_words, tooltip=lambda _p: None, samples=("12th of 140",)
                ),
                Column(
                    COLUMNS[PARKER], lambda p: p.parker_name, samples=("Alexandra Okonkwo-Smith",)
                ),
                Column(
                    COLUMNS[STATUS],
                    lambda p: WAITLIST_TITLES.get(p.status, p.status.title()),
                    tooltip=lambda _p: None,
                    colour=_offer_colour,
                    bold=_offered,
                    samples=tuple(WAITLIST_TITLES.values()),
                ),
                Column(
                    COLUMNS[JOINED],
                    lambda p: day_words(p.joined_at, self._time_zone),
                    tooltip=lambda p: f"Joined {format_local(p.joined_at, self._time_zone)}",
                    samples=("30 Sep 2026",),
                ),
                Column(
                    COLUMNS[EXPIRES],
                    lambda p: expiry_words(p, self._time_zone, self._now),
                    tooltip=self._expiry_tip,
                    colour=_offer_colour,
                    stretch=True,
                ),
            ],
            key=lambda p: p.entry_id,
            dimmed=lambda p: p.status not in ACTIVE,
            parent=parent,
        )

    def show_positions(self, rows: list[WaitlistPosition], time_zone: str) -> None:
        """The entries in the office's zone, with offers timed from now."""
        self._time_zone = time_zone
        self._now = datetime.now(UTC)
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    @property
    def time_zone(self) -> str:
        return self._time_zone

    def _expiry_tip(self, position: WaitlistPosition) -> str | None:
        if position.offer_expires_at is None:
            return None
        when = format_local(position.offer_expires_at, self._time_zone)
        return f"Until {when}; then the space goes to the next parker waiting."


class WaitlistPanel(QWidget):
    """Every waitlist, or one parker's entries, with the clerk's actions on offers."""

    #: The clerk chose "Accept offer…" for this :class:`WaitlistPosition`; the permit desk
    #: opens its sell dialog with the offer.
    accept_requested = Signal(object)
    #: Emitted after each (re)load (tests wait on it).
    loaded = Signal()

    def __init__(
        self,
        service: PermitService,
        runner: OperationRunner,
        live: LiveChanges,
        editable: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.editable = editable
        self.parker_id: int | None = None
        self.loader = Loader(self, runner, self._load_call, self._loaded, self._load_failed)
        self._refreshing = False
        self._can_refresh = True
        self.setObjectName("waitlistPanel")

        self.model = WaitlistTableModel(self)
        bar = self._build_bar()
        self._build_table()
        self.empty = EmptyState("Nobody is waiting", "")
        self.views = stack(self.table, self.empty)
        vbox(bar, (self.views, 1), self._build_actions(), margins=8, spacing=8, parent=self)
        # F5 only while the focus is in the panel: the desk embedding it may have its own.
        refresh = QShortcut(QKeySequence.StandardKey.Refresh, self, self.refresh_offers)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        batch = LiveBatch(live, RELOAD_DELAY_MS, self, complete_resync_is_quiet=True)
        batch.watch(WATCHED_TABLES, self.reload)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self.refresh_timer.timeout.connect(self.refresh_offers)
        self.refresh_timer.start()
        self._update_mode()
        self._selection_changed()

    def _build_bar(self) -> QHBoxLayout:
        self.filter_combo = choice_box(
            ["All waiting", "Offers open"], data=[ALL_WAITING, OFFERS_OPEN], placeholder=""
        )
        self.filter_combo.setCurrentIndex(0)
        self.filter_label = label("&Show")
        self.filter_label.setBuddy(self.filter_combo)
        self.filter_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.count_label = label(name="countLabel")
        self.refresh_button = button(
            "Refresh",
            self.refresh_offers,
            tip="Move expired offers on and load the list again (F5)",
        )
        return hbox(
            self.filter_label,
            self.filter_combo,
            self.count_label,
            STRETCH,
            self.refresh_button,
            spacing=8,
        )

    def _build_table(self) -> None:
        self.table = DeskTable(self.model)
        self.table.setObjectName("waitlistTable")
        self.table.setAccessibleName("Waitlist")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.table.doubleClicked.connect(lambda _index: self.request_accept())

    def _build_actions(self) -> QHBoxLayout:
        editable = self.editable
        self.accept_button = button(
            "&Accept offer…",
            self.request_accept,
            tip="Sell the offered permit to this parker",
            primary=True,
            visible=editable,
        )
        self.decline_button = button(
            "D&ecline offer",
            self.decline_selected,
            tip="The parker does not want the space; it goes to the next",
            visible=editable,
        )
        self.remove_button = button(
            "&Remove from waitlist",
            self.remove_selected,
            tip="Take the parker off this waitlist",
            visible=editable,
        )
        self.action_hint = label(name="countLabel")
        return hbox(
            (self.action_hint, 1),
            self.remove_button,
            self.decline_button,
            self.accept_button,
            spacing=8,
        )

    def set_parker(self, parker_id: int | None) -> None:
        """Show one parker's entries (with their rank), or every waitlist with None."""
        if parker_id == self.parker_id:
            return
        self.parker_id = parker_id
        self._update_mode()
        self.model.show_positions([], self.model.time_zone)
        self.reload()

    def _update_mode(self) -> None:
        one_parker = self.parker_id is not None
        self.table.setColumnHidden(PARKER, one_parker)
        self.filter_label.setVisible(not one_parker)
        self.filter_combo.setVisible(not one_parker)

    def offers_only(self) -> bool:
        return self.parker_id is None and self.filter_combo.currentData() == OFFERS_OPEN

    def reload(self) -> None:
        self.loader.reload()

    def _load_call(self) -> Callable[[], _Loaded]:
        """What to fetch, read from the filters here on the GUI thread."""
        service, parker_id, offers_only = self.service, self.parker_id, self.offers_only()

        def load() -> _Loaded:
            time_zone = service.office().time_zone
            if parker_id is not None:
                return _Loaded(time_zone, service.waitlist_for_parker(parker_id))
            return _Loaded(time_zone, service.waitlist(offers_only=offers_only))

        return load

    def _loaded(self, loaded: _Loaded) -> None:
        position = self.selected_position()
        self.model.show_positions(loaded.rows, loaded.time_zone)
        if position is not None:
            self.select_entry(position.entry_id)
        self._update_counts()
        self._selection_changed()
        self.loaded.emit()

    def _load_failed(self, exc: KnownError) -> None:
        self.empty.title.setText("The waitlists could not be loaded")
        self.empty.text.setText(exc.message)
        self.views.setCurrentWidget(self.empty)

    def refresh_offers(self) -> None:
        """Move expired offers on and offer the spaces free now, then reload."""
        if not self._can_refresh or self._refreshing:
            self.reload()
            return
        self._refreshing = True
        self.runner.run_for(
            self, self.service.refresh_waitlists, self._refreshed, self._refresh_failed, write=True
        )

    def _refreshed(self, _offers_made: int) -> None:
        self._refreshing = False
        self.reload()

    def _refresh_failed(self, exc: BaseException) -> bool:
        self._refreshing = False
        if isinstance(exc, PermissionDenied):
            # A read-only desk may not move offers on; the clerks' desks do it.
            self._can_refresh = False
        self.reload()
        return isinstance(exc, KnownError)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_offers()

    def _update_counts(self) -> None:
        rows = self.model.rows()
        offers = sum(1 for p in rows if _offered(p))
        mode = "parker" if self.parker_id is not None else str(self.filter_combo.currentData())
        counted = {
            "parker": f"On {plural(sum(1 for p in rows if p.status in ACTIVE), 'waitlist')}",
            OFFERS_OPEN: f"{plural(offers, 'offer')} open",
            ALL_WAITING: f"{len(rows) - offers} waiting, {plural(offers, 'offer')} open",
        }
        self.count_label.setText(counted[mode])
        title, text = EMPTY_TEXTS[mode]
        if not rows:
            self.empty.title.setText(title)
            self.empty.text.setText(text)
        self.views.setCurrentWidget(self.table if rows else self.empty)

    def selected_position(self) -> WaitlistPosition | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_entry(self, entry_id: int) -> bool:
        row = self.model.row_of(entry_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def positions(self) -> list[WaitlistPosition]:
        """What the panel shows, in screen order."""
        return self.model.rows()

    def row_texts(self, entry_id: int) -> list[str]:
        """The cells of one entry as the clerk reads them."""
        row = self.model.row_of(entry_id)
        if row is None:
            return []
        return [str(self.model.index(row, c).data() or "") for c in range(len(COLUMNS))]

    def _selection_changed(self) -> None:
        position = self.selected_position()
        offered = position is not None and _offered(position)
        active = position is not None and position.status in ACTIVE
        self.accept_button.setEnabled(self.editable and offered)
        self.decline_button.setEnabled(self.editable and offered)
        self.remove_button.setEnabled(self.editable and active)
        hint = ""
        if self.editable and position is not None and offered:
            hint = f"A space is held for {position.parker_name} until the offer expires."
        elif self.editable and position is not None and position.status == "waiting":
            hint = f"{position.parker_name} is {rank_words(position)} for {position.lot_name}."
        self.action_hint.setText(hint)

    def _chosen(self, states: tuple[str, ...]) -> WaitlistPosition | None:
        """The selected entry, when the clerk may act on one in these states."""
        position = self.selected_position()
        if not self.editable or position is None or position.status not in states:
            return None
        return position

    def request_accept(self) -> None:
        position = self._chosen(("offered",))
        if position is not None:
            self.accept_requested.emit(position)

    def _ask(self, title: str, question: str) -> bool:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, title, question, buttons.Yes | buttons.Cancel, buttons.Cancel
        )
        return answer == buttons.Yes

    def confirm_decline(self, position: WaitlistPosition) -> bool:
        return self._ask(
            "Decline offer",
            f"Decline the space offered to {position.parker_name} for {position.type_name} "
            f"in {position.lot_name}?\n\nThey leave this waitlist and the space is offered "
            "to the next parker waiting.",
        )

    def confirm_remove(self, position: WaitlistPosition) -> bool:
        held = " The space offered to them goes to the next parker waiting."
        return self._ask(
            "Remove from waitlist",
            f"Take {position.parker_name} off the waitlist for {position.type_name} in "
            f"{position.lot_name}?{held if _offered(position) else ''}\n\nTo wait again they "
            "join at the end of the list.",
        )

    def decline_selected(self) -> None:
        position = self._chosen(("offered",))
        if position is not None and self.confirm_decline(position):
            self._write(lambda: self.service.decline_offer(position.entry_id))

    def remove_selected(self) -> None:
        position = self._chosen(ACTIVE)
        if position is not None and self.confirm_remove(position):
            self._write(lambda: self.service.leave_waitlist(position.entry_id))

    def _write(self, fn: Callable[[], None]) -> None:
        for action in (self.accept_button, self.decline_button, self.remove_button):
            action.setEnabled(False)
        self.runner.run_for(self, fn, lambda _result: self.reload(), self._write_failed, write=True)

    def _write_failed(self, _exc: BaseException) -> bool:
        # The runner shows the message; the list may have moved on meanwhile.
        self.reload()
        return False
