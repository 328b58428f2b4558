"""The kit's lists: columns as declarations, the in-memory model and the paged one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QHeaderView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.services.errors import KnownError
from desktop.services.localization import MINUS
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.table_view import DeskTable
from desktop.views.kit.tables import (
    KEY_ROLE,
    SORT_ROLE,
    WRAP_LEAST,
    Column,
    Page,
    PagedRowsModel,
    RowsModel,
    badge_column,
    money_column,
    time_column,
)
from tests.views.elision import cut_texts

TORONTO = ZoneInfo("America/Toronto")
DISPLAY, TOOLTIP = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole
ALIGN, FOREGROUND = Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ForegroundRole


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    amount: Decimal | None
    at: datetime | None
    status: str
    active: bool = True


def _words(at: datetime) -> str:
    local = at.astimezone(TORONTO)
    return f"{local:%d %b %Y %H:%M} {local.tzname()}"


def _model(**kw: Any) -> RowsModel[Row]:
    return RowsModel(
        [
            Column("Name", lambda r: r.name, tooltip=lambda r: f"Parker {r.name}"),
            money_column("Amount", lambda r: r.amount, lambda: "USD"),
            time_column("When", lambda r: r.at, _words),
            badge_column(
                "Status",
                lambda r: r.status,
                {"paid": "Paid", "pending": "Awaiting approval"},
                colours={"pending": "#b54708"},
            ),
        ],
        key=lambda r: r.id,
        dimmed=lambda r: not r.active,
        **kw,
    )


# Across the November DST change in Toronto: 01:30 happens twice.
BEFORE = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
AFTER = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST
ROWS = [
    Row(1, "Ada", Decimal("1234.5"), AFTER, "paid"),
    Row(2, "Bo", Decimal("-5"), BEFORE, "pending"),
    Row(3, "Cy", None, None, "mystery_state", active=False),
]


def _cell(model: RowsModel[Row], row: int, title: str, role: int = DISPLAY) -> Any:
    return model.index(row, model.column_of(title)).data(role)


def test_rows_read_as_their_columns_declare(qtmodeltester: ModelTester) -> None:
    model = _model()
    model.set_rows(ROWS)
    qtmodeltester.check(model)
    assert model.HEADERS == ("Name", "Amount", "When", "Status")
    assert [_cell(model, r, "Amount") for r in range(3)] == ["$1,234.50", f"{MINUS}$5.00", ""]
    assert _cell(model, 0, "Amount", ALIGN) is not None
    assert _cell(model, 0, "Name", ALIGN) is None
    assert _cell(model, 0, "Name", TOOLTIP) == "Parker Ada"
    assert _cell(model, 0, "Amount", TOOLTIP) == "$1,234.50"  # the text when none is declared
    # The same wall-clock time twice, told apart by the zone.
    assert _cell(model, 1, "When") == "01 Nov 2026 01:30 EDT"
    assert _cell(model, 0, "When") == "01 Nov 2026 01:30 EST"
    assert _cell(model, 2, "When") == ""
    # A status is words, never its key.
    assert [_cell(model, r, "Status") for r in range(3)] == [
        "Paid",
        "Awaiting approval",
        "Mystery state",
    ]
    assert _cell(model, 1, "Status", FOREGROUND).name() == "#b54708"
    assert _cell(model, 0, "Status", FOREGROUND) is None
    assert _cell(model, 2, "Name", FOREGROUND) is not None  # inactive rows are dimmed


def test_sort_keys_are_values_not_text() -> None:
    model = _model()
    model.set_rows(ROWS)
    amounts = [_cell(model, r, "Amount", SORT_ROLE) for r in range(3)]
    assert amounts == [Decimal("1234.5"), Decimal(-5), Decimal(0)]
    times = [_cell(model, r, "When", SORT_ROLE) for r in range(3)]
    assert times[1] < times[0]  # 01:30 EDT came before 01:30 EST
    assert times[2] == float("-inf")
    assert _cell(model, 0, "Name", SORT_ROLE) == "ada"


def test_rows_are_found_by_key_and_the_same_rows_leave_the_view_alone(qtbot: QtBot) -> None:
    model = _model()
    model.set_rows(ROWS)
    assert model.row_of(3) == 2
    assert model.row_of(99) is None
    assert model.row_at(5) is None
    assert _cell(model, 0, "Name", KEY_ROLE) == 1
    with qtbot.assertNotEmitted(model.modelReset):
        model.set_rows(list(ROWS))
    with qtbot.waitSignal(model.modelReset):
        model.set_rows(ROWS[:1])
    assert model.rowCount() == 1
    assert model.rowCount(model.index(0, 0)) == 0  # a flat list
    assert model.data(QModelIndex()) is None


def test_a_model_without_a_key_cannot_be_searched_by_key() -> None:
    model: RowsModel[Row] = RowsModel([Column("Name", lambda r: r.name)])
    with pytest.raises(TypeError):
        model.row_of(1)


def test_columns_are_sized_from_their_declarations(qtbot: QtBot) -> None:
    model = RowsModel(
        [
            Column("Name", lambda r: r.name, samples=("Okonkwo-Smith, Alexandra",)),
            money_column("Amount", lambda r: r.amount, lambda: "USD"),
            Column("Notes", lambda r: r.status, stretch=True),
        ]
    )
    model.set_rows(ROWS)
    view = DeskTable(model)
    view.resize(900, 300)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    metrics = view.fontMetrics()
    header = view.horizontalHeader()
    assert header.sectionSize(0) > metrics.horizontalAdvance("Okonkwo-Smith, Alexandra")
    assert header.sectionSize(1) > metrics.horizontalAdvance(f"{MINUS}$99,999.99")
    assert header.sectionResizeMode(2) == QHeaderView.ResizeMode.Stretch
    assert not view.tabKeyNavigation()  # Tab leaves the list for the next control


def test_a_narrow_table_narrows_the_names_first_and_keeps_what_the_person_set(
    qtbot: QtBot,
) -> None:
    model = RowsModel(
        [
            Column("Name", lambda r: r.name, samples=("Okonkwo-Smith, Alexandra",), give_way=True),
            money_column("Amount", lambda r: r.amount, lambda: "USD"),
            Column("Status", lambda r: r.status, samples=("Awaiting approval",)),
            Column("Plates", lambda r: r.status, samples=("ON ABCD123",), stretch=True),
        ]
    )
    model.set_rows(ROWS)
    view = DeskTable(model)
    qtbot.addWidget(view)
    view.resize(900, 300)
    view.show()
    qtbot.waitExposed(view)
    header, metrics = view.horizontalHeader(), view.fontMetrics()
    wide_name = header.sectionSize(0)
    assert wide_name > metrics.horizontalAdvance("Okonkwo-Smith, Alexandra")

    view.resize(420, 300)  # too narrow for every sample: the name gives way, nothing else
    qtbot.wait(10)
    assert header.sectionSize(0) < wide_name
    assert header.sectionSize(1) > metrics.horizontalAdvance(f"{MINUS}$99,999.99")
    assert header.sectionSize(2) > metrics.horizontalAdvance("Awaiting approval")
    assert header.sectionSize(3) > metrics.horizontalAdvance("ON ABCD123")
    assert header.sectionSize(0) > metrics.horizontalAdvance("Name")  # titles stay whole

    header.resizeSection(1, 200)  # the person widens a column: their width is kept
    view.resize(1000, 300)
    qtbot.wait(10)
    assert header.sectionSize(1) == 200


# -- the paged model --------------------------------------------------------------------


class Source:
    """A keyset-paged list of 25 rows, ids 1..25, that can change and fail."""

    def __init__(self) -> None:
        self.rows = [Row(i, f"Parker {i:02d}", Decimal(i), None, "paid") for i in range(1, 26)]
        self.calls: list[tuple[int | None, int]] = []
        self.fail: Exception | None = None

    def fetch(self, after: int | None, limit: int) -> Page[Row, int]:
        self.calls.append((after, limit))
        if self.fail is not None:
            raise self.fail
        rows = [r for r in self.rows if after is None or r.id > after][: limit + 1]
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(tuple(rows), rows[-1].id if more and rows else None)


@pytest.fixture
def paged(qtbot: QtBot) -> Callable[..., tuple[PagedRowsModel[Row, int], Source]]:
    runner = OperationRunner()

    def make(page_size: int = 10) -> tuple[PagedRowsModel[Row, int], Source]:
        source = Source()
        model: PagedRowsModel[Row, int] = PagedRowsModel(
            [Column("Name", lambda r: r.name)],
            source.fetch,
            runner,
            page_size=page_size,
            key=lambda r: r.id,
        )
        return model, source

    yield make
    runner.wait_for_done()


def test_a_wrapping_column_goes_on_to_more_lines_and_the_row_grows(qtbot: QtBot) -> None:
    sentence = "Device LPR-1, officer demo_officer. No permit: FEAR986 (QC) is not registered."
    rows = [Row(1, sentence, None, None, "short"), Row(2, "Ada", None, None, "short")]
    model = RowsModel(
        [
            Column("When", lambda r: r.status, samples=("30 Sep 2025 14:05",)),
            Column("What", lambda r: r.status, wrap=True),
            Column(
                "Detail",
                lambda r: r.name,
                bold=lambda r: True,  # measured bold, as it is drawn
                samples=(sentence,),
                stretch=True,
                wrap=True,
            ),
        ]
    )
    model.set_rows(rows)
    view = DeskTable(model)
    qtbot.addWidget(view)
    view.resize(420, 400)  # far too narrow for the sentence on one line
    view.show()
    qtbot.waitExposed(view)
    # Rows are measured once the widths settle, not at every step of a resize.
    qtbot.waitUntil(lambda: view.rowHeight(0) >= 3 * view.fontMetrics().lineSpacing())
    one_line = view.rowHeight(1)
    assert view.rowHeight(0) > one_line
    assert cut_texts(view) == []  # every word shown, bold ones too
    assert view.horizontalHeader().sectionSize(1) >= WRAP_LEAST  # a few words a line

    narrow = view.rowHeight(0)
    view.resize(1200, 400)  # wider: the rows shrink back once the widths settle
    qtbot.waitUntil(lambda: view.rowHeight(0) < narrow)
    assert cut_texts(view) == []


def test_pages_arrive_as_the_view_asks_for_more(
    qtbot: QtBot, paged: Callable[..., Any], qtmodeltester: ModelTester
) -> None:
    model, source = paged()
    with qtbot.waitSignal(model.rows_arrived):
        model.reload()
    assert model.rowCount() == 10
    assert model.has_more
    assert model.answered
    assert model.canFetchMore(QModelIndex())
    with qtbot.waitSignal(model.rows_arrived):
        model.fetchMore(QModelIndex())
    with qtbot.waitSignal(model.rows_arrived):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 25
    assert not model.has_more
    assert not model.canFetchMore(QModelIndex())
    assert source.calls == [(None, 10), (10, 10), (20, 10)]
    qtmodeltester.check(model)


def test_a_refresh_rereads_what_is_on_screen_in_one_query(
    qtbot: QtBot, paged: Callable[..., Any]
) -> None:
    model, source = paged()
    with qtbot.waitSignal(model.rows_arrived):
        model.reload()
    with qtbot.waitSignal(model.rows_arrived):
        model.fetchMore(QModelIndex())
    source.rows[0] = Row(1, "Renamed", Decimal(1), None, "paid")
    with qtbot.waitSignal(model.rows_arrived):
        model.refresh()
    assert source.calls[-1] == (None, 20)
    assert model.rowCount() == 20
    assert model.index(0, 0).data() == "Renamed"


def test_an_answer_to_an_older_request_is_dropped(qtbot: QtBot, paged: Callable[..., Any]) -> None:
    model, _source = paged()
    model.reload()
    model.clear()  # the person emptied the search box before the answer came
    qtbot.wait(100)
    assert model.rowCount() == 0
    assert not model.answered
    assert not model.loading


def test_a_failed_background_refresh_keeps_the_rows(
    qtbot: QtBot, paged: Callable[..., Any]
) -> None:
    model, source = paged()
    with qtbot.waitSignal(model.rows_arrived):
        model.reload()
    source.fail = KnownError("The database cannot be reached.")
    with qtbot.waitSignal(model.rows_arrived):
        model.refresh()
    assert model.rowCount() == 10
    assert not model.loading


def test_room_goes_to_the_rows_that_need_it(qtbot: QtBot) -> None:
    """Room a column keeps for samples wider than its rows goes to a column whose rows
    would be cut; in a narrow table it is the first to go."""
    model = RowsModel(
        [
            Column("Permit", lambda r: r.name, samples=("Faculty annual",), give_way=True),
            Column("Vehicles", lambda r: r.status, samples=("ON ABCD123",), stretch=True),
            Column("Status", lambda r: r.status, samples=("Cancelled 30 Sep 2026 (renewed)",)),
        ]
    )
    long_name = "Student academic year, evenings and weekends"
    model.set_rows([Row(1, long_name, None, None, "Valid")])
    view = _shown(qtbot, model, 700)
    assert cut_texts(view) == []
    metrics = view.fontMetrics()
    assert view.horizontalHeader().sectionSize(0) > metrics.horizontalAdvance(long_name)

    model.set_rows([Row(2, "Faculty", None, None, "Cancelled 30 Sep 2026 (renewed)")])
    qtbot.wait(10)
    assert cut_texts(view) == []  # a new row asks for the room again


def test_the_stretching_column_gets_the_room_samples_keep_for_nothing(qtbot: QtBot) -> None:
    model = RowsModel(
        [
            Column("Code", lambda r: str(r.id), samples=("WWWW-WWWW",)),
            Column("Name", lambda r: r.name, stretch=True),
            Column("Sold", lambda r: r.status, samples=("Through the waitlist, then first come",)),
        ]
    )
    long_name = "Faculty and staff annual, every lot on the north campus"
    model.set_rows([Row(1, long_name, None, None, "First come")])
    assert cut_texts(_shown(qtbot, model, 640)) == []


def test_a_column_that_never_gives_way_shows_rows_wider_than_its_samples(
    qtbot: QtBot,
) -> None:
    """A category a manager named at length is read whole; the place beside it, which
    gives way, makes the room (it was the category that was cut to "Th…")."""
    model = RowsModel(
        [
            Column("What", lambda r: r.name, samples=("Damage",)),
            Column("Where", lambda r: r.status, stretch=True, give_way=True),
        ]
    )
    long_name = "Theft — Theft from a vehicle parked overnight"
    place = "Footpath behind the stadium, near the north gate and the bus shelter"
    model.set_rows([Row(1, long_name, None, None, place)])
    view = _shown(qtbot, model, 520)
    assert cut_texts(view) == []
    assert view.horizontalHeader().sectionSize(0) > view.fontMetrics().horizontalAdvance(long_name)


def _shown(qtbot: QtBot, model: RowsModel[Row], width: int) -> DeskTable:
    view = DeskTable(model)
    qtbot.addWidget(view)
    view.resize(width, 300)
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(10)  # the columns are fitted to the rows once they have arrived
    return view
