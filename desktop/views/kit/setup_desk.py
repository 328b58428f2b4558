"""What the set-up desks share: :class:`SetupDesk`, lists in tabs loaded as one overview
and loaded again when anyone changes what they show; :class:`RecordList`, a list of
records (from column declarations) with the buttons that open a record's dialog; and
:class:`DeskDialog`, that dialog."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QPushButton, QTabWidget, QWidget

from desktop.services.errors import KnownError
from desktop.views.kit.desk import Desk
from desktop.views.kit.editors import RecordDialog
from desktop.views.kit.layout import STRETCH, Margins, button, desk_action, hbox, label, vbox
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.operations import Loader
from desktop.views.kit.table_view import Listing, sorted_table
from desktop.views.kit.tables import Column, RowsModel

R = TypeVar("R")
Shown = TypeVar("Shown")

#: Changes to the set-up itself: reload soon after the last one of a burst.
SETUP_DELAY_MS = 150
#: What moves the lists' counts (sales, citations): reload at most this often.
COUNTS_DELAY_MS = 1000

#: Tabs drawn as underlined words above the lists.
TAB_STYLE = (
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


#: A list's title stays on one line up to this width; a longer one wraps.
TITLE_LINE = 420


class SectionTitle(QLabel):
    """A list's title (“Number ranges of CAM-C”): on one line while there is room
    and it is under :data:`TITLE_LINE`, wrapped when the row is tight or the title long,
    so a record's long name never widens the desk. (A wrapping label alone asks for so
    little room that the layout wraps even a short title.)"""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.setObjectName("sectionTitle")
        self.setStyleSheet("font-weight: 600; color: #111827;")

    def sizeHint(self) -> QSize:
        wanted = super().sizeHint()
        line = min(self.fontMetrics().horizontalAdvance(self.text()) + 4, TITLE_LINE)
        return QSize(max(wanted.width(), line), wanted.height())


class PricedRows(RowsModel[R]):
    """Rows keyed by id, with amounts in the office's currency (set with the rows); a
    column that has no tooltip of its own shows ``tooltip``."""

    def __init__(
        self,
        columns: Callable[[Callable[[], str]], list[Column[R]]],
        *,
        tooltip: Callable[[R], str] | None = None,
        dimmed: Callable[[R], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        self.currency = "USD"
        declared = columns(lambda: self.currency)
        super().__init__(
            [c if c.tooltip or tooltip is None else replace(c, tooltip=tooltip) for c in declared],
            key=lambda row: row.id,  # type: ignore[attr-defined]
            dimmed=dimmed,
            parent=parent,
        )

    def show(self, rows: Sequence[R], currency: str) -> None:
        if currency != self.currency:
            self.currency = currency
            self.redraw()
        self.set_rows(rows)


class RecordList(QWidget):
    """A list of set-up records: its title and count, then the desk's ``tools``, the buttons
    that need a chosen record (``extra``), Edit… and Add… (those two for those who may
    edit) above the table, sorted by ``column``; or in the table's place a message when
    there is nothing to list: ``empty``, a title and what to do (or what those who may edit
    do, then what the others read). Enter or a double-click opens the chosen record's
    dialog."""

    def __init__(
        self,
        model: PricedRows[Any],
        name: str,
        open_dialog: Callable[[Any], object],
        *,
        kind: str,
        editable: bool,
        title: str | None = None,
        add_words: str | None = None,
        add_tip: str | None = None,
        primary: bool = False,
        tools: Sequence[QPushButton] = (),
        extra: Sequence[QPushButton] = (),
        notices: Sequence[QWidget] = (),
        edit_words: str = "Edit…",
        empty: tuple[str, str] | tuple[str, str, str] = ("", ""),
        column: int = 0,
        margins: Margins = 0,
        spacing: int = 6,
    ) -> None:
        super().__init__()
        self.model, self._editable, self._open = model, editable, open_dialog
        self.empty = empty[:2] if editable else (empty[0], empty[-1])
        # Wrapped: a title naming a record ("Fines for NP-01 — …") never widens the desk.
        self.title = SectionTitle(title or "")
        self.count = label(name="countLabel")
        self.edit_button = button(
            edit_words,
            self.edit_selected,
            tip=f"Edit the selected {kind} (Enter)",
            visible=editable,
        )
        self.new_button = button(
            add_words or f"Add {kind}…",
            lambda: open_dialog(None),
            tip=add_tip or f"Add a {kind}",
            primary=primary,
            visible=editable,
        )
        self.extra = tuple(extra)
        self.table, self.proxy = sorted_table(model, name, column=column)
        self.table.activated.connect(lambda _index: self.edit_selected())
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        self.listing = Listing(self.table)
        if title is None:
            self.title.hide()  # a list that is its tab's whole page: the tab says what it is
        bar = hbox(
            self.title, self.count, STRETCH, *tools, *self.extra, self.edit_button, self.new_button,
            spacing=8,
        )  # fmt: skip
        vbox(bar, *notices, (self.listing, 1), margins=margins, spacing=spacing, parent=self)

    def edit_selected(self) -> None:
        row = self.table.selected_row()
        if row is not None:
            self._open(row)

    def update_buttons(self) -> None:
        chosen = self.table.selected_row() is not None
        for needs_row in (self.edit_button, *self.extra):
            needs_row.setEnabled(self._editable and chosen)

    def show_rows(
        self,
        rows: Sequence[Any],
        count: str = "",
        currency: str = "USD",
        *,
        empty: tuple[str, str] | None = None,
        select: object = None,
    ) -> None:
        """``rows``, the chosen one (or the one ``select`` keys) still chosen; with none,
        ``empty`` (or the list's own) says why."""
        key = self.table.selected_key() if select is None else select
        self.model.show(rows, currency)
        self.table.show_key(key)
        self.count.setText(count)
        self.listing.show_rows(len(rows), *(empty or self.empty))
        self.update_buttons()


class SetupDesk(Desk, Generic[Shown]):
    """A desk of set-up lists in tabs. It loads its overview through its service, and again
    soon after anyone changes what it shows, or at most once a second when only its counts
    move. A subclass calls :meth:`build` from :meth:`setup` and shows the overview in
    :meth:`show_overview`."""

    #: Emitted after each (re)load (tests wait on it).
    loaded = Signal()
    #: Whether this person may change the set-up (set before :meth:`build`).
    editable: bool
    #: What the desk shows, once loaded.
    overview: Shown | None = None
    #: The desk's service: its dialogs save and reload through it.
    service: Any

    def build(
        self,
        overview: Callable[[], Shown],
        tabs: Iterable[tuple[QWidget, str]],
        *,
        names: tuple[str, str],
        lists: Sequence[RecordList],
        failed: str,
        watch: tuple[frozenset[str], frozenset[str]],
        new: Mapping[QWidget, Callable[[], object]],
        save: Mapping[QWidget, Callable[[], object]] | None = None,
    ) -> None:
        """The tabs (``names``: the desk's and the tab widget's object names), the keys
        (Ctrl+N ``new`` and Ctrl+S ``save`` in the tab shown, for those who may edit; F5),
        and the loads: ``watch`` is the tables of the set-up and those its counts follow.
        When a load is refused, ``lists`` say so in their tables' place, titled ``failed``."""
        self.setObjectName(names[0])
        self._lists, self._failed = lists, failed
        self.loader = Loader(self, self.runner, lambda: overview, self._loaded, self._load_failed)
        self.tabs = QTabWidget()
        self.tabs.setObjectName(names[1])
        self.tabs.setStyleSheet(TAB_STYLE)
        for page, title in tabs:
            self.tabs.addTab(page, title)
        vbox(self.tabs, margins=(8, 4, 8, 8), parent=self)
        if self.editable:
            desk_action(self, "New", "Ctrl+N", lambda: self._in_tab(new))
            if save is not None:
                desk_action(self, "Save", "Ctrl+S", lambda: self._in_tab(save))
        desk_action(self, "Refresh", QKeySequence.StandardKey.Refresh, self.refresh)
        self._setup_batch = LiveBatch(self.live, SETUP_DELAY_MS, self)
        self._setup_batch.watch(watch[0], self.refresh)
        self._counts_batch = LiveBatch(
            self.live, COUNTS_DELAY_MS, self, complete_resync_is_quiet=True
        )
        self._counts_batch.watch(watch[1], self.refresh)
        self.refresh()

    def show_overview(self, overview: Shown) -> None:
        raise NotImplementedError

    def shown(self) -> Shown:
        """What the desk shows (its dialogs open only once it has loaded)."""
        if self.overview is None:
            raise RuntimeError("the set-up has not loaded yet")
        return self.overview

    def refresh(self) -> None:
        self._setup_batch.cancel()
        self._counts_batch.cancel()
        self.loader.reload()

    def _loaded(self, overview: Shown) -> None:
        self.overview = overview
        self.show_overview(overview)
        self.loaded.emit()

    def _load_failed(self, exc: KnownError) -> None:
        for listed in self._lists:
            listed.listing.show_empty(self._failed, exc.message)

    def _in_tab(self, keys: Mapping[QWidget, Callable[[], object]]) -> None:
        act = keys.get(self.tabs.currentWidget())
        if act is not None:
            act()


class DeskDialog(RecordDialog):
    """A set-up record's dialog: through its desk's service and runner, read-only for those
    who may not change the set-up (``create``: worded "Create lot", "Edit lot A")."""

    def __init__(
        self,
        desk: SetupDesk[Any],
        record: Any,
        save: Callable[..., object],
        load: Callable[[int], object] | None = None,
        *,
        title: str | None = None,
        accept_text: str | None = None,
        create: bool = False,
    ) -> None:
        super().__init__(
            desk.service,
            desk.runner,
            record,
            save=save,
            load=load,
            read_only=not desk.editable,
            parent=desk,
            title=title,
            accept_text=accept_text,
            create=create,
        )
