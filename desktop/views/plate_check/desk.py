"""The plate check desk: type a plate, see at once whether it may park here, now.

The verdict fills a large card coloured by what it means (with an icon and words,
so colour is never the only signal). Look-alike plates are offered under it as
buttons, never substituted. While a verdict is on screen, permit changes made at
any other desk re-run the check by themselves: a permit sold at the counter turns
the card green without anyone touching this desk.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import (
    QDateTime,
    QEvent,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.services.errors import FieldProblem, KnownError, ValidationError
from desktop.services.live import Change, Resync
from desktop.services.platecheck import (
    LotChoice,
    NearMatch,
    PlateCheckService,
    PlateQuery,
    PlateVerdict,
    format_moment,
)
from desktop.services.plates import DEFAULT_JURISDICTION, JURISDICTION_NAMES, split_jurisdiction
from desktop.services.workspace import Workspace
from desktop.views.kit.live import LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.pickers import JurisdictionPicker
from desktop.views.kit.widgets import (
    EmptyState,
    MomentEdit,
    app_settings,
    failure_while_alive,
    mark_invalid,
    resources_dir,
    while_alive,
)
from desktop.views.plate_check.card import VerdictCard, verdict_icon

log = logging.getLogger(__name__)

JURISDICTION_KEY = "plateCheck/jurisdiction"
#: Live re-checks run at once after a change (all rows of one commit arrive together, so a
#: sale is one re-check), then at most once in this many ms while changes keep coming.
LIVE_DELAY_MS = 150
#: A check answers in about a millisecond; "Checking…" only shows on a slow link.
PENDING_DELAY_MS = 250
HISTORY_SIZE = 20
#: A second request for the same check this soon is the same gesture, not a new one.
REPEAT_WINDOW_S = 0.5
#: Tables whose changes can change a verdict on screen.
VERDICT_TABLES = frozenset({"permit", "permit_vehicle", "vehicle", "lot"})
#: Re-check by itself when the permit on screen ends, if that is this soon.
EXPIRY_HORIZON_MS = 24 * 3600 * 1000
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


_DESK_STYLE = """
QLineEdit#plateEdit { font-size: 17pt; font-weight: 600; padding: 4px 8px; }
QLabel#fieldCaption { color: #374151; font-weight: 600; }
QLabel#fieldError { color: #b42318; }
QLabel#sectionTitle { color: #374151; font-weight: 600; }
QLabel#detailCaption { color: #5b6577; }
QLabel#verdictReason { font-size: 11pt; }
QLabel#verdictNote { color: #5b6577; }
QPushButton#nearMatch { text-align: left; padding: 6px 12px; }
QPushButton#nowButton:checked { background: #dbe7fd; border-color: #2563eb; }
QListWidget#checkHistory { background: #ffffff; border: 1px solid #dde2e9; border-radius: 4px; }
QListWidget#checkHistory::item { padding: 5px 4px; }
QListWidget#checkHistory::item:selected { background: #dbe7fd; color: #111827; }
QDateTimeEdit { background: #ffffff; border: 1px solid #c4ccd8; border-radius: 4px;
                padding: 5px 7px; min-height: 18px; }
QDateTimeEdit:focus { border-color: #2563eb; }
QDateTimeEdit:disabled { background: #eef1f5; color: #5b6577; }
QDateTimeEdit::drop-down { subcontrol-origin: padding; subcontrol-position: center right;
                           width: 24px; border: none; }
QDateTimeEdit::down-arrow { image: url(@RESOURCES@/chevron-down.svg); width: 12px;
                            height: 12px; }
QLineEdit[invalid="true"], QComboBox[invalid="true"] { border: 1px solid #d92d20;
                                                       background: #fff6f5; }
"""


# -- the verdict icon ------------------------------------------------------------------


# -- the card --------------------------------------------------------------------------


# -- the desk --------------------------------------------------------------------------


class PlateCheckDesk(QWidget):
    """One plate field, a jurisdiction, an optional lot and time, and the verdict."""

    #: A verdict was put on screen (typed, chosen from the history or a look-alike, or
    #: re-checked after a change elsewhere).
    verdict_shown = Signal(object)

    def __init__(
        self,
        workspace: Workspace,
        runner: OperationRunner,
        live: LiveChanges,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("plateCheckDesk")
        self.workspace = workspace
        self.runner = runner
        self.live = live
        self.service = PlateCheckService(workspace)
        # The service keeps a connection for fast checks while the desk is on screen.
        self.destroyed.connect(self.service.close)

        self._generation = 0
        self._current: PlateQuery | None = None  # the latest query asked
        self._shown: PlateVerdict | None = None
        self._near_buttons: list[QPushButton] = []
        self._focused_once = False
        self._problem_fields: set[str] = set()
        self._started_at = 0.0
        self._asking: int | None = None  # the person's own check, while it runs

        self.setStyleSheet(_DESK_STYLE.replace("@RESOURCES@", resources_dir().as_posix()))
        self._build_inputs()
        self._build_result()
        self._build_history()
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(self._result_side, 3)
        body.addWidget(self._history_side, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(12)
        layout.addWidget(self._inputs)
        layout.addLayout(body, 1)

        self._build_timers()
        self._build_actions()
        self._set_tab_order()
        self._connect_signals()
        self._load_lots()

    # -- building -------------------------------------------------------------------

    def _build_inputs(self) -> None:
        self._build_editors()
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)

        def caption(text: str, buddy: QWidget) -> QLabel:
            label = QLabel(text)
            label.setObjectName("fieldCaption")
            label.setBuddy(buddy)
            return label

        at_row = QHBoxLayout()
        at_row.setSpacing(6)
        at_row.addWidget(self.at_edit, 1)
        at_row.addWidget(self.now_button)

        grid.addWidget(caption("&Plate", self.plate_edit), 0, 0)
        grid.addWidget(caption("&Jurisdiction", self.jurisdiction_combo), 0, 1)
        grid.addWidget(caption("L&ot", self.lot_combo), 0, 2)
        grid.addWidget(caption("&At", self.at_edit), 0, 3)
        grid.addWidget(self.plate_edit, 1, 0)
        grid.addWidget(self.jurisdiction_combo, 1, 1)
        grid.addWidget(self.lot_combo, 1, 2)
        grid.addLayout(at_row, 1, 3)
        grid.addWidget(self.check_button, 1, 4)

        self.problem_label = QLabel()
        self.problem_label.setObjectName("fieldError")
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label.hide()
        grid.addWidget(self.problem_label, 2, 0, 1, 5)
        self.read_as_label = QLabel()
        self.read_as_label.setObjectName("hint")
        self.read_as_label.setTextFormat(Qt.TextFormat.PlainText)
        self.read_as_label.hide()
        grid.addWidget(self.read_as_label, 3, 0, 1, 5)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)
        grid.setColumnStretch(3, 2)
        self._inputs = box

    def _build_editors(self) -> None:
        self.plate_edit = QLineEdit()
        self.plate_edit.setObjectName("plateEdit")
        self.plate_edit.setPlaceholderText("ABC 123")
        self.plate_edit.setMaxLength(20)
        self.plate_edit.setClearButtonEnabled(True)
        self.plate_edit.setAccessibleName("Plate to check")
        self.plate_edit.setMinimumWidth(170)

        self.jurisdiction_combo = JurisdictionPicker()
        remembered = str(app_settings().value(JURISDICTION_KEY, "") or "")
        self.set_jurisdiction(remembered or DEFAULT_JURISDICTION)

        self.lot_combo = QComboBox()
        self.lot_combo.setAccessibleName("Lot")
        self.lot_combo.setToolTip("Check for one lot, or whether the plate may park anywhere.")
        self.lot_combo.addItem("Any lot", None)
        self.lot_combo.setMinimumContentsLength(12)
        self.lot_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )

        self.at_edit = MomentEdit()
        self.at_edit.setAccessibleName("Check for the time")
        self.at_edit.setToolTip(
            "The moment to check for. Press Now to check for the current time, always."
        )
        self.now_button = QPushButton("Now")
        self.now_button.setObjectName("nowButton")
        self.now_button.setCheckable(True)
        self.now_button.setChecked(True)
        self.now_button.setToolTip("Check for the current time (Ctrl+T)")
        self._set_at_now()

        self.check_button = QPushButton("Check")
        self.check_button.setProperty("primary", True)
        self.check_button.setAutoDefault(True)
        self.check_button.setToolTip("Check the plate (Enter)")
        self.check_button.setMinimumWidth(88)

    def _build_result(self) -> None:
        side = QWidget()
        self.empty_state = EmptyState(
            "Type a plate and press Enter",
            "The verdict appears here at once: valid permit, valid temporary permit, wrong "
            "lot, expired or no permit. Plates that differ only by look-alike characters "
            "(0 and O, 8 and B, 1 and I …) are offered below it, never swapped in. While a "
            "verdict is shown it stays up to date: a permit sold at another desk changes it "
            "by itself.",
        )
        self.card = VerdictCard()
        self.card.hide()
        self.verdict_title = self.card.title
        self.reason_label = self.card.reason

        self.near_box = QWidget()
        near_layout = QVBoxLayout(self.near_box)
        near_layout.setContentsMargins(0, 4, 0, 0)
        near_layout.setSpacing(6)
        self.near_title = QLabel()
        self.near_title.setObjectName("sectionTitle")
        self.near_title.setWordWrap(True)
        self.near_hint = QLabel(
            "Choosing one checks that plate; the plate you typed stays in the history."
        )
        self.near_hint.setObjectName("hint")
        self.near_hint.setWordWrap(True)
        self._near_grid = QGridLayout()
        self._near_grid.setHorizontalSpacing(8)
        self._near_grid.setVerticalSpacing(6)
        near_layout.addWidget(self.near_title)
        near_layout.addLayout(self._near_grid)
        near_layout.addWidget(self.near_hint)
        self.near_box.hide()

        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.empty_state, 1)
        layout.addWidget(self.card)
        layout.addWidget(self.near_box)
        # The card keeps its natural height, with the look-alikes right under it.
        layout.addStretch(0)
        self._result_layout = layout
        self._result_side = side

    def _build_history(self) -> None:
        side = QWidget()
        title = QLabel("Checked this session")
        title.setObjectName("sectionTitle")
        self.history_list = QListWidget()
        self.history_list.setObjectName("checkHistory")
        self.history_list.setAccessibleName("Plates checked this session")
        self.history_list.setToolTip("Click a plate, or press Enter on it, to check it again.")
        self.history_list.setIconSize(QSize(16, 16))
        self.history_list.setWordWrap(True)
        self.history_empty = QLabel("Plates you check appear here; choose one to check it again.")
        self.history_empty.setObjectName("hint")
        self.history_empty.setWordWrap(True)
        self.history_list.hide()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(self.history_empty)
        layout.addWidget(self.history_list, 1)
        layout.addStretch(0)
        side.setMinimumWidth(210)
        side.setMaximumWidth(320)
        self._history_side = side

    def _build_timers(self) -> None:
        # A change: re-check once the signals of this burst have been delivered (0 ms) ...
        self._live_soon = QTimer(self)
        self._live_soon.setSingleShot(True)
        self._live_soon.setInterval(0)
        self._live_soon.timeout.connect(self._live_recheck)
        # ... then hold further re-checks back for a moment (a large import, say).
        self._live_quiet = QTimer(self)
        self._live_quiet.setSingleShot(True)
        self._live_quiet.setInterval(LIVE_DELAY_MS)
        self._live_quiet.timeout.connect(self._live_quiet_over)
        self._live_pending = False
        self._lots_timer = QTimer(self)
        self._lots_timer.setSingleShot(True)
        self._lots_timer.setInterval(LIVE_DELAY_MS)
        self._lots_timer.timeout.connect(self._load_lots)
        self._pending_timer = QTimer(self)
        self._pending_timer.setSingleShot(True)
        self._pending_timer.setInterval(PENDING_DELAY_MS)
        self._pending_timer.timeout.connect(self._show_pending)
        # The permit on screen may end while it is shown.
        self._expiry_timer = QTimer(self)
        self._expiry_timer.setSingleShot(True)
        self._expiry_timer.timeout.connect(lambda: self._recheck("The permit's time ran out."))
        # "Now" keeps showing the current time.
        self._clock = QTimer(self)
        self._clock.setInterval(15_000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()

    def _build_actions(self) -> None:
        def action(text: str, keys: QKeySequence, slot: Callable[[], None]) -> QAction:
            act = QAction(text, self)
            act.setShortcut(keys)
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.new_plate_action = action(
            "Check another plate", QKeySequence("Ctrl+L"), self.focus_plate
        )
        self.now_action = action("Check for now", QKeySequence("Ctrl+T"), self._now_clicked)

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.plate_edit,
            self.jurisdiction_combo,
            self.lot_combo,
            self.at_edit,
            self.now_button,
            self.check_button,
            *self._near_buttons,
            self.history_list,
        ]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    def _connect_signals(self) -> None:
        self._enter_checks: list[QObject] = [
            self.plate_edit,
            self.jurisdiction_combo,
            self.lot_combo,
            self.at_edit,
        ]
        line = self.jurisdiction_combo.lineEdit()
        if line is not None:
            self._enter_checks.append(line)
        for field in self._enter_checks:
            field.installEventFilter(self)
        self.plate_edit.textEdited.connect(self._plate_edited)
        self.jurisdiction_combo.editTextChanged.connect(
            lambda _t: self._clear_problem("jurisdiction")
        )
        self.lot_combo.currentIndexChanged.connect(lambda _i: self._clear_problem("lot"))
        self.check_button.clicked.connect(self.check_now)
        self.now_button.clicked.connect(self._now_clicked)
        self.at_edit.dateTimeChanged.connect(self._at_edited)
        self.history_list.itemActivated.connect(self._history_chosen)
        self.history_list.itemClicked.connect(self._history_chosen)
        self.live.changed.connect(self._on_change)
        self.live.resynced.connect(self._on_resynced)

    # -- public API -------------------------------------------------------------------

    def near_match_buttons(self) -> list[QPushButton]:
        return list(self._near_buttons)

    @property
    def shown_verdict(self) -> PlateVerdict | None:
        return self._shown

    def set_jurisdiction(self, code: str) -> None:
        self.jurisdiction_combo.set_code(code)

    def jurisdiction_text(self) -> str:
        """The code in the jurisdiction field: "ON — Ontario", "on" and "Ontario" give ON."""
        return self.jurisdiction_combo.code()

    def focus_plate(self) -> None:
        self.plate_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.plate_edit.selectAll()

    def check_now(self) -> None:
        """Check what the fields say (Enter, or the Check button)."""
        self._take_typed_jurisdiction()
        at = None
        if not self.now_button.isChecked():
            at = datetime.fromtimestamp(self.at_edit.dateTime().toSecsSinceEpoch(), tz=UTC)
        lot = self.lot_combo.currentData()
        try:
            query = PlateQuery.cleaned(
                self.jurisdiction_text(),
                self.plate_edit.text(),
                lot if isinstance(lot, str) else None,
                at,
            )
        except ValidationError as exc:
            # The verdict on screen answers an earlier question, not this one.
            self._forget_verdict()
            self._show_problems(exc.problems)
            return
        self._clear_problem()
        self._start(query)

    def _take_typed_jurisdiction(self) -> None:
        """ "BC GZ620E" typed as the plate: BC goes to the jurisdiction field, in sight."""
        code, plate = split_jurisdiction(self.plate_edit.text(), JURISDICTION_NAMES)
        if code is None:
            self.read_as_label.hide()
            return
        self.set_jurisdiction(code)
        self.plate_edit.setText(plate)
        name = JURISDICTION_NAMES.get(code, code)
        self.read_as_label.setText(f"Read as a plate of {name} ({code}): {plate}.")
        self.read_as_label.show()

    def _forget_verdict(self) -> None:
        self._generation += 1  # an answer on its way is for the earlier question too
        self._pending_timer.stop()
        self._expiry_timer.stop()
        self._shown = None
        self._current = None
        self.near_box.hide()
        self._show_card(False)

    def check_plate(self, jurisdiction: str, plate: str) -> None:
        """Put a plate in the fields and check it (a look-alike or a history entry)."""
        self.plate_edit.setText(plate)
        self.set_jurisdiction(jurisdiction)
        self.check_now()

    # -- checking ------------------------------------------------------------------------

    def _start(self, query: PlateQuery, *, note: str | None = None) -> None:
        """Ask the database; ``note`` set means a re-check the person did not ask for."""
        self._generation += 1
        generation = self._generation
        self._current = query
        self._started_at = time.monotonic()
        if note is None:
            # A new question: changes seen for the previous one are not held back for it.
            self._live_soon.stop()
            self._live_quiet.stop()
            self._live_pending = False
            self._asking = generation
            self._pending_timer.start()
        service = self.service
        self.runner.run(
            lambda: service.check_query(query),
            while_alive(self, lambda verdict: self._arrived(generation, verdict, note)),
            failure_while_alive(self, lambda exc: self._failed(generation, exc, note)),
            parent=self,
        )

    def _arrived(self, generation: int, verdict: PlateVerdict, note: str | None) -> None:
        if generation != self._generation:
            return  # a newer check was asked for meanwhile
        self._pending_timer.stop()
        self._asked(generation)
        previous = self._shown
        if note is not None and previous is not None and previous.verdict != verdict.verdict:
            changed = f"Changed at {verdict.checked_at.astimezone():%H:%M:%S}: {note}"
        elif note is not None and previous is not None and self.card.note.text():
            changed = self.card.note.text()  # still true: the earlier change stays explained
        else:
            changed = ""
        self._shown = verdict
        self.card.show_verdict(verdict, changed)
        self._show_card(True)
        self._show_near_matches(verdict)
        self._schedule_expiry(verdict)
        if note is None:
            self._remember(verdict)
            app_settings().setValue(JURISDICTION_KEY, verdict.query.jurisdiction)
            if self.plate_edit.hasFocus():
                self.plate_edit.selectAll()  # ready for the next plate
        self.verdict_shown.emit(verdict)

    def _failed(self, generation: int, exc: BaseException, note: str | None) -> bool:
        if generation != self._generation:
            return True
        self._pending_timer.stop()
        self._asked(generation)
        self._current = self._shown.query if self._shown is not None else None
        if self._shown is not None:
            self.card.show_verdict(self._shown, self.card.note.text())
        else:
            self._show_card(False)
        if isinstance(exc, ValidationError):
            self._show_problems(exc.problems)
            return True
        if note is not None:
            log.info("re-checking the plate on screen failed: %s", exc)
            if isinstance(exc, KnownError) and self._shown is not None:
                self.card.note.setText(f"Could not check again: {exc.message}")
                self.card.note.show()
            return isinstance(exc, KnownError)
        return False

    def _asked(self, generation: int) -> None:
        """The person's own check has answered: now re-check for changes that came
        meanwhile (its answer may be from just before them)."""
        if generation == self._asking:
            self._asking = None
            if self._live_pending:
                self._live_pending = False
                self._live_soon.start()

    def _show_card(self, shown: bool) -> None:
        self.empty_state.setVisible(not shown)
        self.card.setVisible(shown)
        self._result_layout.setStretch(self._result_layout.count() - 1, 1 if shown else 0)

    def _show_pending(self) -> None:
        if self._current is not None:
            self.card.show_pending(self._current)
            self._show_card(True)

    def _recheck(self, note: str) -> None:
        if self._current is not None and self._shown is not None:
            self._start(self._current, note=note)

    def _schedule_expiry(self, verdict: PlateVerdict) -> None:
        self._expiry_timer.stop()
        if verdict.query.at is not None or verdict.valid_until is None:
            return
        remaining = (verdict.valid_until - verdict.checked_at).total_seconds() * 1000
        if 0 < remaining <= EXPIRY_HORIZON_MS:
            self._expiry_timer.start(int(remaining) + 1000)

    # -- look-alikes -----------------------------------------------------------------------

    def _show_near_matches(self, verdict: PlateVerdict) -> None:
        for button in self._near_buttons:
            self._near_grid.removeWidget(button)
            button.deleteLater()
        self._near_buttons = []
        matches = verdict.near_matches
        self.near_box.setVisible(bool(matches))
        if not matches:
            self._set_tab_order()
            return
        if verdict.may_park:
            self.near_title.setText(
                "Also registered — make sure the plate was read right before you move on:"
            )
        else:
            self.near_title.setText("Did you mean…")
        columns = 2
        for index, match in enumerate(matches):
            button = QPushButton(f"{match.label}  ·  {_short(match)}")
            button.setObjectName("nearMatch")
            button.setAutoDefault(True)  # Enter on a focused look-alike chooses it
            button.setToolTip(f"Check {match.label}: {match.description}.")
            button.setAccessibleName(f"Check {match.label}, {match.description}")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _=False, m=match: self._near_match_chosen(m))
            self._near_grid.addWidget(button, index // columns, index % columns)
            self._near_buttons.append(button)
        self._set_tab_order()

    def _near_match_chosen(self, match: NearMatch) -> None:
        self.check_plate(match.jurisdiction, match.plate)

    # -- history -------------------------------------------------------------------------

    def _remember(self, verdict: PlateVerdict) -> None:
        query = verdict.query
        where = f", lot {query.lot_code}" if query.lot_code else ""
        when = f", for {format_moment(query.at)}" if query.at is not None else ""
        item = QListWidgetItem(
            verdict_icon(verdict.tone),
            f"{verdict.checked_at.astimezone():%H:%M}   {verdict.plate_display}\n"
            f"{verdict.title}{where}{when}",
        )
        item.setData(Qt.ItemDataRole.UserRole, query)
        item.setToolTip(verdict.reason)
        self.history_list.insertItem(0, item)
        while self.history_list.count() > HISTORY_SIZE:
            self.history_list.takeItem(self.history_list.count() - 1)
        self.history_empty.hide()
        self.history_list.show()

    def _history_chosen(self, item: QListWidgetItem) -> None:
        query = item.data(Qt.ItemDataRole.UserRole)
        if not isinstance(query, PlateQuery):
            return
        if self._current == query and time.monotonic() - self._started_at < REPEAT_WINDOW_S:
            return  # a click and the "activated" of the same click or double-click
        self.plate_edit.setText(query.plate)
        self.set_jurisdiction(query.jurisdiction)
        index = self.lot_combo.findData(query.lot_code) if query.lot_code else 0
        self.lot_combo.setCurrentIndex(max(index, 0))
        if query.at is None:
            self._set_at_now()
        else:
            self._set_at(query.at)
        self._clear_problem()
        self._start(query)

    # -- fields ---------------------------------------------------------------------------

    def _plate_edited(self, text: str) -> None:
        upper = text.translate(_ASCII_UPPER)
        if upper != text:
            position = self.plate_edit.cursorPosition()
            self.plate_edit.setText(upper)
            self.plate_edit.setCursorPosition(position)
        self._clear_problem("plate")
        self.read_as_label.hide()

    def _now_clicked(self) -> None:
        self._set_at_now()
        if self._shown is not None and self._shown.query.at is not None:
            self.check_now()

    def _set_at_now(self) -> None:
        self.now_button.setChecked(True)
        self._set_at(datetime.now(UTC), keep_now=True)

    def _set_at(self, moment: datetime, *, keep_now: bool = False) -> None:
        self.at_edit.blockSignals(True)
        self.at_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(moment.timestamp())))
        self.at_edit.blockSignals(False)
        if not keep_now:
            self.now_button.setChecked(False)

    def _at_edited(self, _value: QDateTime) -> None:
        self.now_button.setChecked(False)

    def _tick(self) -> None:
        if self.now_button.isChecked() and not self.at_edit.hasFocus():
            self._set_at(datetime.now(UTC), keep_now=True)

    def _field_widget(self, name: str) -> QWidget | None:
        return {
            "plate": self.plate_edit,
            "jurisdiction": self.jurisdiction_combo,
            "lot": self.lot_combo,
        }.get(name)

    def _show_problems(self, problems: list[FieldProblem]) -> None:
        self.problem_label.setText("\n".join(p.message for p in problems))
        self.problem_label.show()
        first: QWidget | None = None
        for name in ("plate", "jurisdiction", "lot"):
            widget = self._field_widget(name)
            bad = any(p.field == name for p in problems)
            if widget is not None:
                mark_invalid(widget, bad)
                if bad and first is None:
                    first = widget
        self._problem_fields = {p.field for p in problems}
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            if first is self.plate_edit:
                self.plate_edit.selectAll()

    def _clear_problem(self, name: str | None = None) -> None:
        if name is not None and name not in self._problem_fields:
            return
        self._problem_fields = set()
        self.problem_label.hide()
        self.problem_label.setText("")
        for field_name in ("plate", "jurisdiction", "lot"):
            widget = self._field_widget(field_name)
            if widget is not None:
                mark_invalid(widget, False)

    # -- lots ---------------------------------------------------------------------------------

    def _load_lots(self) -> None:
        service = self.service
        self.runner.run(
            service.lots,
            while_alive(self, self._set_lots),
            failure_while_alive(self, self._lots_failed),
            parent=self,
        )

    def _lots_failed(self, exc: BaseException) -> bool:
        log.info("the lot list could not be read: %s", exc)
        return isinstance(exc, KnownError)  # "Any lot" still works

    def _set_lots(self, lots: list[LotChoice]) -> None:
        chosen = self.lot_combo.currentData()
        self.lot_combo.blockSignals(True)
        self.lot_combo.clear()
        self.lot_combo.addItem("Any lot", None)
        for lot in lots:
            self.lot_combo.addItem(lot.label, lot.code)
            self.lot_combo.setItemData(
                self.lot_combo.count() - 1, f"Lot code {lot.code}", Qt.ItemDataRole.ToolTipRole
            )
        index = self.lot_combo.findData(chosen) if chosen else 0
        self.lot_combo.setCurrentIndex(max(index, 0))
        self.lot_combo.blockSignals(False)

    # -- live changes ------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.table == "lot":
            self._lots_timer.start()
        if change.table in VERDICT_TABLES:
            self._live_changed()

    def _on_resynced(self, _resync: Resync) -> None:
        self._lots_timer.start()
        self._live_changed()

    def _live_changed(self) -> None:
        if self._asking is not None:
            self._live_pending = True  # after the person's own check has answered
            return
        if self._shown is None:
            return
        if self._live_quiet.isActive():
            self._live_pending = True
        elif not self._live_soon.isActive():
            self._live_soon.start()

    def _live_recheck(self) -> None:
        self._live_pending = False
        self._live_quiet.start()
        self._recheck("a permit or vehicle was changed at another desk.")

    def _live_quiet_over(self) -> None:
        if self._live_pending:
            self._live_recheck()

    # -- keyboard ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter in any of the fields checks; on a look-alike button or in the history it
        # chooses that entry instead (they handle it themselves).
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and watched in self._enter_checks
        ):
            self.check_now()
            return True
        return super().eventFilter(watched, event)

    def hideEvent(self, event: QHideEvent) -> None:
        # Another desk is in front, or the window closed: the connection goes back to the
        # pool (before the workspace closes it on log-out) and the next check takes one.
        self.service.close()
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._focused_once:
            self._focused_once = True
            self.plate_edit.setFocus(Qt.FocusReason.OtherFocusReason)


def _short(match: NearMatch) -> str:
    if match.differences == 0:
        return "other jurisdiction"
    if match.differences == 1:
        return "1 look-alike"
    return f"{match.differences} look-alikes"
