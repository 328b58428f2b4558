"""The type-ahead parker search: a field, the results page by page, and what to do next.

Used by the parker desk (to edit a parker) and the permit desk (to sell to one): results
appear as the clerk types, page by page off the GUI thread as the list scrolls, Enter goes
to the first match (opening it, on the permit desk), and a refresh from another desk's
change keeps the open parker selected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QWidget

from desktop.services.parkers import AFFILIATION_TITLES, MATCH_TITLES, ParkerService, ParkerSummary
from desktop.views.kit.layout import hbox, label, line_edit, stack, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.table_view import DeskTable
from desktop.views.kit.tables import Column, Page, PagedRowsModel
from desktop.views.kit.widgets import EmptyState

#: The pause in typing after which the search runs by itself.
SEARCH_DELAY_MS = 250
Cursor = tuple[int, str, str, int]


class ParkerResultsModel(PagedRowsModel[ParkerSummary, Cursor]):
    """Search results: one row per parker, fetched page by page off the GUI thread."""

    NAME, AFFILIATION, CAMPUS_ID, EMAIL, PLATES, MATCH, STATUS = range(7)

    def __init__(
        self,
        service: ParkerService,
        runner: OperationRunner,
        *,
        page_size: int = 100,
        dialog_parent: QWidget | None = None,
        parent: QObject | None = None,
    ) -> None:
        self.service = service
        self.query = ""
        self.include_inactive = False
        super().__init__(
            [
                Column("Name", lambda s: s.name, samples=("Okonkwo-Smith, Alexandra",)),
                Column(
                    "Affiliation",
                    lambda s: AFFILIATION_TITLES.get(s.affiliation, s.affiliation.title()),
                    samples=tuple(AFFILIATION_TITLES.values()),
                ),
                Column("Campus ID", lambda s: s.campus_id, samples=("S12345678",)),
                Column("Email", lambda s: s.email, stretch=True),
                Column("Plates", lambda s: s.plates, samples=("ON ABCD123, QC X1",)),
                Column(
                    "Found by",
                    self._match_words,
                    tooltip=self._match_tooltip,
                    samples=tuple(MATCH_TITLES.values()),
                ),
                Column(
                    "Status", lambda s: "Active" if s.active else "Inactive", samples=("Inactive",)
                ),
            ],
            self._fetch_results,
            runner,
            page_size=page_size,
            key=lambda s: s.id,
            dimmed=lambda s: not s.active,
            dialog_parent=dialog_parent,
            parent=parent,
        )

    def search(self, query: str, include_inactive: bool = False) -> None:
        """Start a new search; an empty query clears the results back to the prompt."""
        self.query = " ".join(query.split())
        self.include_inactive = include_inactive
        if not self.query:
            self.clear()
            self.rows_arrived.emit()
            return
        self.reload()

    def refresh(self) -> None:
        """Re-run the current query, replacing the rows on screen only when the answer is in."""
        if self.query:
            super().refresh()

    def _fetch_results(self, after: Cursor | None, limit: int) -> Page[ParkerSummary, Cursor]:
        # Runs off the GUI thread: read what was asked when the request was made.
        page = self.service.search(
            self.query, after=after, limit=limit, include_inactive=self.include_inactive
        )
        return Page(page.rows, page.next_cursor)

    def _match_words(self, summary: ParkerSummary) -> str | None:
        return MATCH_TITLES.get(summary.match_rank, "") if self.query else None

    def _match_tooltip(self, summary: ParkerSummary) -> str | None:
        if self.query and summary.match_rank == 1:
            return "A plate that differs only by look-alike characters (0/O, 1/I, 5/S, …)"
        return self._match_words(summary)


class ParkerSearch(QWidget):
    """Search parkers; ``chosen`` says which one the clerk clicked or pressed Enter on."""

    #: A parker was chosen (their id): clicked, double-clicked or Enter in the results.
    chosen = Signal(int)

    def __init__(
        self,
        service: ParkerService,
        runner: OperationRunner,
        *,
        prompt: str,
        no_match_advice: str,
        enter_opens_first: bool,
        open_id: Callable[[], int | None],
        with_inactive: bool = False,
        buttons: Sequence[QWidget] = (),
        focus_on_arrival: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.prompt, self.no_match_advice = prompt, no_match_advice
        self.enter_opens_first = enter_opens_first
        #: Keyboard first: arriving at the desk, the clerk can type a name straight away.
        self._focus_when_shown = focus_on_arrival
        #: The parker open beside the results: kept selected when the results refresh.
        self.open_id = open_id
        self._last_selected_id: int | None = None
        self._first_wanted = False

        self.results_model = ParkerResultsModel(service, runner, dialog_parent=self, parent=self)
        self.search = line_edit(placeholder="Name, email, campus ID or plate")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search parkers")
        self.include_inactive = QCheckBox("Include inactive")
        self.include_inactive.setVisible(with_inactive)
        self.results = DeskTable(self.results_model)
        self.results.setMinimumHeight(self.results.verticalHeader().defaultSectionSize() * 3)
        self.empty_state = EmptyState("", "")
        self.empty_state.title.setTextFormat(Qt.TextFormat.PlainText)  # it quotes what was typed
        self.results_stack = stack(self.results, self.empty_state)
        self.result_info = label(name="countLabel")
        vbox(
            hbox((self.search, 1), self.include_inactive, *buttons),
            (self.results_stack, 1),
            self.result_info,
            margins=(0, 0, 4, 4),
            parent=self,
        )

        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.search.textEdited.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self._entered)
        self.include_inactive.toggled.connect(lambda _on: self.search_now())
        self.results_model.modelReset.connect(self.select_open)
        self.results_model.rows_arrived.connect(self._arrived)
        self.results_model.loading_changed.connect(lambda _busy: self._update_info())
        self.results.activated.connect(self._chosen)
        self.results.clicked.connect(self._chosen)
        self.results.selectionModel().currentRowChanged.connect(self._moved)
        self._update_state()

    def showEvent(self, event: QShowEvent) -> None:
        focused = QApplication.focusWidget()
        if self._focus_when_shown and (focused is None or not self.isAncestorOf(focused)):
            self.search.setFocus(Qt.FocusReason.OtherFocusReason)
        self._focus_when_shown = False  # only the first time
        super().showEvent(event)

    def focus(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def search_now(self) -> None:
        """Run the typed search now (Enter, the checkbox, or the typing pause)."""
        self._timer.stop()
        asked = " ".join(self.search.text().split()), self.include_inactive.isChecked()
        if (self.results_model.query, self.results_model.include_inactive) != asked:
            self.results_model.search(*asked)
            self._update_state()

    def refresh(self) -> None:
        """Ask again for the rows shown (another desk changed a parker or a vehicle)."""
        self.results_model.refresh()

    def _entered(self) -> None:
        """Enter goes to the first match, once it has arrived if the search still runs."""
        self.search_now()
        model = self.results_model
        if model.rowCount() > 0 and not model.loading:
            self._first()
        elif model.query:
            self._first_wanted = True
            if not self.enter_opens_first:
                self.results.setFocus(Qt.FocusReason.OtherFocusReason)

    def _first(self) -> None:
        self._first_wanted = False
        self.results_stack.setCurrentWidget(self.results)
        if self.enter_opens_first:
            self.results.setCurrentIndex(self.results_model.index(0, 0))
            self.chosen.emit(self.results_model.row(0).id)
            return
        self.results.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.results.currentIndex().isValid():
            self.results.setCurrentIndex(self.results_model.index(0, 0))

    def _arrived(self) -> None:
        self._update_state()
        if self._first_wanted and self.results_model.rowCount() > 0:
            self._first()
        elif not self.results_model.loading:
            self._first_wanted = False

    def _update_state(self) -> None:
        model = self.results_model
        if not model.query:
            self._show_empty("Find a parker", self.prompt)
        elif model.rowCount() == 0 and model.answered and not model.loading:
            advice = self.no_match_advice
            if self.include_inactive.isVisibleTo(self) and not model.include_inactive:
                advice += " Inactive parkers are hidden: tick “Include inactive” to see them too."
            self._show_empty(f"No parkers match “{model.query}”.", advice)
        else:
            self.results_stack.setCurrentWidget(self.results)
        self._update_info()

    def _show_empty(self, title: str, text: str) -> None:
        self.empty_state.title.setText(title)
        self.empty_state.text.setText(text)
        self.results_stack.setCurrentWidget(self.empty_state)

    def empty_message(self) -> str:
        """What the results area says instead of rows (empty when it shows rows)."""
        if self.results_stack.currentWidget() is not self.empty_state:
            return ""
        return f"{self.empty_state.title.text()} {self.empty_state.text.text()}"

    def _update_info(self) -> None:
        model = self.results_model
        count = model.rowCount()
        noun = "parker" if count == 1 else "parkers"
        if not model.query or count == 0:
            text = "Searching…" if model.query and model.loading else ""
        elif model.has_more:
            text = f"First {count} {noun} — more load as you scroll"
        else:
            text = f"{count} {noun}"
        self.result_info.setText(text)

    def _moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._last_selected_id = self.results_model.row(current.row()).id

    def _chosen(self, index: QModelIndex) -> None:
        if index.isValid():
            self.chosen.emit(self.results_model.row(index.row()).id)

    def select_open(self) -> None:
        """Select the open parker again (or the one selected before) if it is listed."""
        target = self.open_id()
        if target is None:
            target = self._last_selected_id
        if target is not None and self.results_model.row_of(target) is not None:
            self.results.select_key(target)
