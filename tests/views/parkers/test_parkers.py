"""The parker desk against the real embedded database: search, paging, the form, vehicles, live.

Every test makes its own parkers with a random token in their names, because all
tests share one database.
"""

# qtbot's key and mouse helpers are generated at import time and carry no annotations.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import random
import secrets
import string
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.services.live import ChangeListener, Resync
from desktop.services.parkers import (
    ParkerDetail,
    ParkerInput,
    ParkerService,
    SearchPage,
    VehicleInput,
)
from desktop.services.workspace import Workspace
from desktop.views.kit.dialogs import ConflictDialog
from desktop.views.kit.live import LIVE, LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.parkers.desk import ParkerDesk
from desktop.views.parkers.dialogs import DuplicatesDialog
from desktop.views.parkers.search import ParkerResultsModel
from desktop.views.parkers.vehicles import VehicleTableModel
from tests.conftest import ROLE_LOGIN, Database

pytestmark = [
    pytest.mark.gui,
    # The offscreen platform cannot pass window size hints on; that is not a desk problem.
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]

TIMEOUT = 20_000
#: Letters and digits outside the look-alike groups, so random plates never collide by accident.
_PLAIN_LETTERS = "ACEFHJKMNPRTUVWXY"
_PLAIN_DIGITS = "3479"


def ordered_letters(n: int) -> str:
    """0 -> "aa", 1 -> "ab", …: letters that sort as the numbers do (names take no digits)."""
    return string.ascii_lowercase[n // 26] + string.ascii_lowercase[n % 26]


def token() -> str:
    """Eight random letters: unique enough, and a name may hold them (not digits)."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))


def plain_plate(length: int = 5) -> str:
    rng = random.SystemRandom()
    letters = "".join(rng.choice(_PLAIN_LETTERS) for _ in range(3))
    digits = "".join(rng.choice(_PLAIN_DIGITS) for _ in range(length - 3))
    return letters + digits


def make_parker(
    service: ParkerService, last: str, first: str = "Jordan", **extra: str
) -> ParkerDetail:
    return service.create(
        ParkerInput(first_name=first, last_name=last, affiliation="staff", **extra),
        allow_duplicate=True,
    )


@dataclass
class Kit:
    desk: ParkerDesk
    runner: OperationRunner
    live: LiveChanges
    service: ParkerService


@pytest.fixture
def open_desk(
    qtbot: QtBot, database: Database, workspace_for: Callable[[str], Workspace]
) -> Iterator[Callable[..., Kit]]:
    """``open_desk("clerk")``: a shown desk with its own runner and a started live connection."""
    kits: list[Kit] = []

    def _open(login: str = "clerk", *, live: bool = True) -> Kit:
        workspace = workspace_for(login)
        runner = OperationRunner()
        listener = ChangeListener(database.settings(ROLE_LOGIN.get(login, login)))
        changes = LiveChanges(listener, runner)
        desk = ParkerDesk(workspace, runner, changes)
        qtbot.addWidget(desk)
        kit = Kit(desk, runner, changes, ParkerService(workspace))
        kits.append(kit)
        if live:
            changes.start()
            qtbot.waitUntil(lambda: changes.state == LIVE, timeout=TIMEOUT)
        desk.resize(1200, 780)
        desk.show()
        qtbot.waitExposed(desk)
        return kit

    yield _open
    for kit in kits:
        kit.live.stop()
        qtbot.waitUntil(lambda k=kit: not k.runner.busy, timeout=TIMEOUT)  # type: ignore[misc]


def search(qtbot: QtBot, desk: ParkerDesk, text: str) -> None:
    """Type into the search field the way a clerk does and wait for the answer."""
    desk.finder.search.clear()
    qtbot.keyClicks(desk.finder.search, text)
    model = desk.finder.results_model
    qtbot.waitUntil(
        lambda: model.query == " ".join(text.split()) and model.answered and not model.loading,
        timeout=TIMEOUT,
    )


def column_texts(model: ParkerResultsModel, column: int) -> list[str]:
    return [str(model.index(row, column).data()) for row in range(model.rowCount())]


def open_by_keyboard(qtbot: QtBot, desk: ParkerDesk, parker_id: int) -> None:
    row = desk.finder.results_model.row_of(parker_id)
    assert row is not None
    desk.finder.results.setFocus()
    desk.finder.results.setCurrentIndex(desk.finder.results_model.index(row, 0))
    qtbot.keyClick(desk.finder.results, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: desk._detail is not None and desk._detail.id == parker_id, timeout=TIMEOUT
    )


class DialogAnswerer:
    """Answers the next modal dialog the desk opens with ``answer(dialog)``."""

    def __init__(self, answer: Callable[[QWidget], None]) -> None:
        self.answer = answer
        self.seen: QWidget | None = None
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def _poll(self) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None and self.seen is None:
            self.seen = dialog
            self.timer.stop()
            self.answer(dialog)


# -- searching ------------------------------------------------------------------------------


def test_before_searching_the_desk_says_what_to_type(open_desk: Callable[..., Kit]) -> None:
    desk = open_desk(live=False).desk
    assert desk.finder.search.placeholderText() == "Name, email, campus ID or plate"
    assert desk.finder.empty_message().startswith(
        "Find a parker Type a name, email, campus ID or plate in the search field"
    )


def test_search_finds_a_parker_by_name_email_campus_id_and_plate(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    tag = token()
    plate = plain_plate()
    parker = make_parker(
        kit.service,
        f"Quill{tag}",
        "Harriet",
        campus_id=f"T{tag.upper()}",
        email=f"harriet.{tag}@example.edu",
    )
    kit.service.add_vehicle(parker.id, VehicleInput("ON", f"{plate[:3]} {plate[3:]}".lower()))
    model = kit.desk.finder.results_model

    for query in (f"quill{tag}", f"Harriet Quill{tag}", f"harriet.{tag}@example.edu", f"T{tag}"):
        search(qtbot, kit.desk, query)
        assert model.row_of(parker.id) is not None, query
    row = model.row_of(parker.id)
    assert row is not None
    assert model.index(row, model.NAME).data() == f"Quill{tag}, Harriet"
    assert model.index(row, model.AFFILIATION).data() == "Staff"
    assert model.index(row, model.STATUS).data() == "Active"
    assert model.index(row, model.MATCH).data() == "Exact match"  # the full campus ID

    search(qtbot, kit.desk, f"{plate[:2]}-{plate[2:]}")
    row = model.row_of(parker.id)
    assert row is not None
    assert model.index(row, model.PLATES).data() == f"ON {plate}"
    assert model.index(row, model.MATCH).data() == "Exact match"


def test_look_alike_plate_is_found_after_the_exact_one_and_marked(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    tag = token()
    stored = plain_plate(6)
    stored = stored[:2] + "0" + stored[3:]  # e.g. "KX0347"
    typed = stored.replace("0", "O")  # a clerk reading "KXO347" off a photo
    look_alike = make_parker(kit.service, f"Zero{tag}")
    kit.service.add_vehicle(look_alike.id, VehicleInput("ON", stored))
    exact = make_parker(kit.service, f"Letter{tag}")
    kit.service.add_vehicle(exact.id, VehicleInput("ON", typed), allow_duplicate=True)

    search(qtbot, kit.desk, typed.lower())

    model = kit.desk.finder.results_model
    assert model.row_of(exact.id) == 0
    assert model.row_of(look_alike.id) == 1
    assert column_texts(model, model.MATCH)[:2] == ["Exact match", "Look-alike plate"]
    assert model.index(1, model.PLATES).data() == f"ON {stored}"  # never rewritten


def test_a_search_with_no_match_says_so_and_suggests_registering(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    desk = open_desk(live=False).desk
    query = f"Nobody{token()}"
    search(qtbot, desk, query)
    assert desk.finder.empty_message().startswith(
        f"No parkers match “{query}”. Check the spelling, or register a new parker."
    )


def test_results_are_paged_in_as_the_view_asks_for_more(
    qtbot: QtBot, workspace_for: Callable[[str], Workspace]
) -> None:
    service = ParkerService(workspace_for("clerk"))
    tag = token()
    for n in range(12):
        make_parker(service, f"Page{tag}", f"Person{ordered_letters(n)}")
    runner = OperationRunner()
    model = ParkerResultsModel(service, runner, page_size=5)

    model.search(f"Page{tag}")
    qtbot.waitUntil(lambda: model.rowCount() == 5 and not model.loading, timeout=TIMEOUT)
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 10 and not model.loading, timeout=TIMEOUT)
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 12 and not model.loading, timeout=TIMEOUT)
    assert not model.canFetchMore(QModelIndex())
    firsts = [model.row(row).first_name for row in range(12)]
    assert firsts == [f"Person{ordered_letters(n)}" for n in range(12)]  # in order, none twice
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)


def test_the_results_table_loads_further_pages_by_itself(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    tag = token()
    for n in range(12):
        make_parker(kit.service, f"Scroll{tag}", f"Person{ordered_letters(n)}")
    kit.desk.finder.results_model.page_size = 5
    qtbot.keyClicks(kit.desk.finder.search, f"Scroll{tag}")
    model = kit.desk.finder.results_model
    # The table is taller than five rows, so the view keeps asking for pages until full.
    qtbot.waitUntil(lambda: model.rowCount() == 12 and not model.loading, timeout=TIMEOUT)
    assert not model.has_more
    assert kit.desk.finder.result_info.text() == "12 parkers"


def test_an_answer_to_an_older_query_is_dropped(
    qtbot: QtBot, workspace_for: Callable[[str], Workspace]
) -> None:
    release = threading.Event()

    class SlowFirstSearch(ParkerService):
        def search(self, query: str, **kwargs: Any) -> SearchPage:
            if query.startswith("Old"):
                release.wait(TIMEOUT / 1000)
            return super().search(query, **kwargs)

    service = SlowFirstSearch(workspace_for("clerk"))
    tag = token()
    make_parker(service, f"Old{tag}")
    newer = make_parker(service, f"New{tag}")
    runner = OperationRunner()
    model = ParkerResultsModel(service, runner)

    model.search(f"Old{tag}")
    model.search(f"New{tag}")
    qtbot.waitUntil(lambda: model.answered, timeout=TIMEOUT)
    release.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    assert [model.row(r).id for r in range(model.rowCount())] == [newer.id]


def test_enter_in_the_search_moves_to_the_results_and_enter_opens_one(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    tag = token()
    parker = make_parker(kit.service, f"Keys{tag}", "Kim")
    desk.activateWindow()
    qtbot.waitUntil(desk.isActiveWindow, timeout=TIMEOUT)
    desk.new_parker()  # focus somewhere else first
    qtbot.keyClick(desk.form.first_name, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert desk.finder.search.hasFocus()
    desk.form.load(None)  # nothing typed: leaving the new form needs no question

    qtbot.keyClicks(desk.finder.search, f"Keys{tag}")
    qtbot.keyClick(desk.finder.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.finder.results.currentIndex().isValid(), timeout=TIMEOUT)
    assert desk.finder.results.hasFocus()
    qtbot.keyClick(desk.finder.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.title.text() == f"Kim Keys{tag}", timeout=TIMEOUT)
    assert desk._detail is not None
    assert desk._detail.id == parker.id


# -- the form ------------------------------------------------------------------------------


def fill_new_parker(qtbot: QtBot, desk: ParkerDesk, first: str, last: str, email: str) -> None:
    desk.new_parker()
    form = desk.form
    qtbot.keyClicks(form.first_name, first)
    qtbot.keyClicks(form.last_name, last)
    form.affiliation.setCurrentIndex(form.affiliation.findData("faculty"))
    qtbot.keyClicks(form.email, email)


def test_the_results_get_the_room_and_tab_leaves_them(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    desk.resize(1200, 780)
    tag = token()
    parker = make_parker(kit.service, f"Roomy{tag}")
    search(qtbot, desk, f"Roomy{tag}")
    # No parker open: the list has the room, not an empty page.
    qtbot.waitUntil(
        lambda: desk.finder.results.height() > desk.detail_stack.height(), timeout=TIMEOUT
    )
    # Tab leaves the list for the next control instead of walking its cells.
    desk.finder.results.setFocus()
    desk.finder.results.setCurrentIndex(desk.finder.results_model.index(0, 0))
    qtbot.keyClick(desk.finder.results, Qt.Key.Key_Tab)
    assert desk.focusWidget() is not desk.finder.results
    open_by_keyboard(qtbot, desk, parker.id)
    qtbot.waitUntil(
        lambda: desk.detail_stack.height() > desk.finder.results.height(), timeout=TIMEOUT
    )


def test_a_parker_imported_by_the_set_up_says_imported_not_a_login(
    qtbot: QtBot, open_desk: Callable[..., Kit], database: Database
) -> None:
    with database.admin() as conn:  # the server's administrator, as the demo seed and imports
        row = conn.execute(
            "INSERT INTO parkdesk.parker (first_name, last_name, affiliation) "
            "VALUES ('Ida', %s, 'staff') RETURNING id",
            (f"Imported{token()}",),
        ).fetchone()
        conn.commit()
    assert row is not None
    desk = open_desk(live=False).desk
    desk.open_parker(int(str(row[0])))
    qtbot.waitUntil(lambda: desk.audit_label.text() != "", timeout=TIMEOUT)
    assert desk.audit_label.text().startswith("Imported ")
    assert "postgres" not in desk.audit_label.text()


def test_a_clerk_creates_a_parker_through_the_form(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    tag = token()
    fill_new_parker(qtbot, desk, "Ines", f"Form{tag}", f"ines.{tag}@example.edu")
    qtbot.keyClicks(desk.form.campus_id, f"f{tag}")
    assert desk.title.text() == "New parker"

    qtbot.mouseClick(desk.save_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: desk.title.text() == f"Ines Form{tag}", timeout=TIMEOUT)
    assert desk.audit_label.text().startswith("Created by alice at ")
    assert desk.save_state.text() == "Saved."
    assert desk.deactivate_button.isVisible()
    assert desk.vehicles_panel.table.isVisible()
    found = kit.service.search(f"Form{tag}").rows
    assert [(p.email, p.campus_id, p.affiliation) for p in found] == [
        (f"ines.{tag}@example.edu", f"F{tag.upper()}", "faculty")
    ]


def test_a_bad_email_is_shown_under_the_field_and_nothing_is_saved(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    desk.activateWindow()
    qtbot.waitUntil(desk.isActiveWindow, timeout=TIMEOUT)
    tag = token()
    fill_new_parker(qtbot, desk, "Omar", f"Bad{tag}", "omar.at.example.edu")

    qtbot.keyClick(desk.form.last_name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    assert desk.form.problem_text("email") == (
        "Enter an email address like name@example.edu (an email address must have an @-sign)."
    )
    assert desk.form.boxes["email"].problem.isVisible()
    assert desk.form.email.property("invalid") is True
    assert desk.form.email.hasFocus()
    assert desk.form.problem_text("first_name") == ""
    qtbot.waitUntil(lambda: not kit.runner.busy, timeout=TIMEOUT)
    assert kit.service.search(f"Bad{tag}").rows == ()
    # Fixing the field clears its message.
    qtbot.keyClick(desk.form.email, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(desk.form.email, "omar@example.edu")
    assert desk.form.problem_text("email") == ""


def test_a_clerk_edits_and_saves_a_parker(qtbot: QtBot, open_desk: Callable[..., Kit]) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    tag = token()
    parker = make_parker(kit.service, f"Edit{tag}", "Eve")
    search(qtbot, desk, f"Edit{tag}")
    open_by_keyboard(qtbot, desk, parker.id)
    assert not desk.save_button.isEnabled()  # nothing to save yet

    qtbot.keyClicks(desk.form.phone, "613-555-0199")
    assert desk.save_state.text() == "Unsaved changes"
    qtbot.mouseClick(desk.save_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: desk.save_state.text() == "Saved.", timeout=TIMEOUT)
    assert kit.service.get(parker.id).phone == "(613) 555-0199"  # in the national format
    assert not desk.form.is_dirty()


def test_create_that_looks_like_an_existing_parker_offers_to_open_it(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    tag = token()
    existing = make_parker(kit.service, f"Twin{tag}", "Tess", email=f"tess.{tag}@example.edu")
    fill_new_parker(qtbot, desk, "Tess", f"Twin{tag}", f"tess.{tag}@example.edu")
    listed: list[str] = []

    def open_existing(dialog: QWidget) -> None:
        assert isinstance(dialog, DuplicatesDialog)
        listed.append(dialog.list.item(0).text())
        assert dialog.open_button is not None
        dialog.open_button.click()

    answerer = DialogAnswerer(open_existing)
    desk.save()
    qtbot.waitUntil(lambda: answerer.seen is not None, timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: desk._detail is not None and desk._detail.id == existing.id, timeout=TIMEOUT
    )
    assert listed == [f"Tess Twin{tag}, tess.{tag}@example.edu — same email"]
    assert len(kit.service.search(f"Twin{tag}").rows) == 1


def test_create_anyway_registers_the_look_alike_parker(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    tag = token()
    make_parker(kit.service, f"Same{tag}", "Sam")
    fill_new_parker(qtbot, desk, "Sam", f"Same{tag}", "")

    def create_anyway(dialog: QWidget) -> None:
        assert isinstance(dialog, DuplicatesDialog)
        dialog.go_button.click()

    answerer = DialogAnswerer(create_anyway)
    desk.save()
    qtbot.waitUntil(lambda: answerer.seen is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: desk.save_state.text() == "Saved.", timeout=TIMEOUT)
    assert len(kit.service.search(f"Same{tag}").rows) == 2


def test_saving_over_another_clerks_change_asks_and_keeps_both_until_reload(
    qtbot: QtBot, open_desk: Callable[..., Kit]
) -> None:
    alice, bruno = open_desk("alice"), open_desk("bruno")
    tag = token()
    parker = make_parker(alice.service, f"Race{tag}", "Rosa", email=f"rosa.{tag}@example.edu")
    for kit in (alice, bruno):
        search(qtbot, kit.desk, f"Race{tag}")
        open_by_keyboard(qtbot, kit.desk, parker.id)

    qtbot.keyClicks(alice.desk.form.address, "12 Alice Street")
    qtbot.keyClicks(bruno.desk.form.phone, "613 555 0101")
    bruno.desk.save()
    qtbot.waitUntil(lambda: bruno.desk.save_state.text() == "Saved.", timeout=TIMEOUT)
    # Alice has unsaved edits: she is told, not overwritten.
    qtbot.waitUntil(alice.desk.notice.isVisible, timeout=TIMEOUT)
    assert alice.desk.notice.label.text().startswith("Changed by someone else — reload to see it")
    assert alice.desk.form.address.text() == "12 Alice Street"

    seen: dict[str, str] = {}

    def reload(dialog: QWidget) -> None:
        assert isinstance(dialog, ConflictDialog)
        seen["text"] = dialog.message.text()
        seen["typed"] = alice.desk.form.address.text()  # still there while she decides
        seen["details"] = dialog.changes.text()
        dialog.reload_button.click()

    answerer = DialogAnswerer(reload)
    alice.desk.save()
    qtbot.waitUntil(lambda: answerer.seen is not None, timeout=TIMEOUT)
    assert "changed by bruno at " in seen["text"]
    assert seen["typed"] == "12 Alice Street"
    assert "Address: 12 Alice Street" in seen["details"]
    qtbot.waitUntil(lambda: alice.desk.form.phone.text() == "(613) 555-0101", timeout=TIMEOUT)
    assert alice.desk.form.address.text() == ""
    assert not alice.desk.notice.isVisible()
    stored = alice.service.get(parker.id)
    assert (stored.phone, stored.address, stored.updated_by) == ("(613) 555-0101", "", "bruno")


def test_deactivating_asks_for_a_reason_and_shows_it(
    qtbot: QtBot, open_desk: Callable[..., Kit], monkeypatch: pytest.MonkeyPatch
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    tag = token()
    parker = make_parker(kit.service, f"Leave{tag}", "Lou")
    search(qtbot, desk, f"Leave{tag}")
    open_by_keyboard(qtbot, desk, parker.id)
    monkeypatch.setattr(desk, "ask_reason", lambda *_args: "Graduated in May")

    desk.deactivate_button.click()

    qtbot.waitUntil(desk.status_label.isVisible, timeout=TIMEOUT)
    assert desk.status_label.text() == "Inactive — Graduated in May"
    assert desk.reactivate_button.isVisible()
    assert not desk.deactivate_button.isVisible()
    # Hidden from a normal search, shown (greyed) with "Include inactive".
    qtbot.waitUntil(lambda: desk.finder.results_model.row_of(parker.id) is None, timeout=TIMEOUT)
    desk.finder.include_inactive.setChecked(True)
    qtbot.waitUntil(
        lambda: desk.finder.results_model.row_of(parker.id) is not None, timeout=TIMEOUT
    )
    model = desk.finder.results_model
    row = model.row_of(parker.id)
    assert row is not None
    assert model.index(row, model.STATUS).data() == "Inactive"
    assert model.index(row, model.NAME).data(Qt.ItemDataRole.ForegroundRole) is not None


# -- vehicles ------------------------------------------------------------------------------


def test_vehicles_are_added_with_the_stored_plate_shown_and_duplicates_caught(
    qtbot: QtBot, open_desk: Callable[..., Kit], monkeypatch: pytest.MonkeyPatch
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    tag = token()
    owner = make_parker(kit.service, f"Owner{tag}", "Olga")
    other = make_parker(kit.service, f"Other{tag}", "Otis")
    plate = plain_plate(6)
    plate = plate[:2] + "0" + plate[3:]
    kit.service.add_vehicle(owner.id, VehicleInput("ON", plate))
    search(qtbot, desk, f"Other{tag}")
    open_by_keyboard(qtbot, desk, other.id)

    # Exact same plate: a message under the plate naming the owner, the dialog stays open.
    desk.vehicles_panel.add_button.click()
    dialog = desk.vehicles_panel.dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.plate, f"{plate[:3].lower()}-{plate[3:]}")
    assert dialog.stored_as.text() == f"Stored as {plate}"
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.field_error("plate") != "", timeout=TIMEOUT)
    assert f"already registered to Olga Owner{tag}" in dialog.field_error("plate")
    assert dialog.isVisible()

    # A look-alike: the clerk is warned and adds it anyway.
    asked: list[str] = []

    def add_anyway(candidates: list[object], _parent: object = None) -> bool:
        asked.append(str(candidates))
        return True

    monkeypatch.setattr(desk.vehicles_panel, "confirm_lookalike_plate", add_anyway)
    dialog.plate.clear()
    qtbot.keyClicks(dialog.plate, plate.replace("0", "O"))
    qtbot.keyClicks(dialog.make, "Honda")
    qtbot.keyClicks(dialog.model_year, "2019")
    dialog.submit()
    qtbot.waitUntil(lambda: desk.vehicles_panel.dialog is None, timeout=TIMEOUT)
    assert len(asked) == 1
    assert plate in asked[0]
    model = desk.vehicles_panel.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=TIMEOUT)
    assert model.index(0, model.PLATE).data() == f"ON {plate.replace('0', 'O')}"
    assert model.index(0, model.MAKE).data() == "Honda"
    assert model.index(0, model.YEAR).data() == "2019"


def test_a_vehicle_without_a_readable_plate_and_its_removal(
    qtbot: QtBot, open_desk: Callable[..., Kit], monkeypatch: pytest.MonkeyPatch
) -> None:
    kit = open_desk(live=False)
    desk = kit.desk
    tag = token()
    parker = make_parker(kit.service, f"Noplate{tag}", "Nia")
    search(qtbot, desk, f"Noplate{tag}")
    open_by_keyboard(qtbot, desk, parker.id)

    desk.vehicles_panel.add()
    dialog = desk.vehicles_panel.dialog
    assert dialog is not None
    dialog.jurisdiction.setCurrentText("QC")
    dialog.plate_status.setCurrentIndex(dialog.plate_status.findData("unreadable"))
    assert not dialog.plate.isEnabled()
    dialog.submit()
    model = desk.vehicles_panel.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=TIMEOUT)
    assert model.index(0, model.PLATE).data() == "Plate unreadable"
    assert "QC" in model.index(0, model.PLATE).data(Qt.ItemDataRole.ToolTipRole)

    monkeypatch.setattr(desk.vehicles_panel, "ask_reason", lambda *_args: "Sold the car")
    desk.vehicles_panel.table.setCurrentIndex(model.index(0, 0))
    assert desk.vehicles_panel.remove_button.text() == "Remove…"
    desk.vehicles_panel.remove_button.click()
    qtbot.waitUntil(lambda: model.index(0, model.STATUS).data() == "Removed", timeout=TIMEOUT)
    assert desk.vehicles_panel.remove_button.text() == "Restore"


# -- live changes and roles -------------------------------------------------------------------


def test_another_clients_new_parker_appears_in_open_results(
    qtbot: QtBot, open_desk: Callable[..., Kit], workspace_for: Callable[[str], Workspace]
) -> None:
    alice = open_desk("alice")
    tag = token()
    search(qtbot, alice.desk, f"Live{tag}")
    assert alice.desk.finder.results_model.rowCount() == 0

    bruno = ParkerService(workspace_for("bruno"))
    created = make_parker(bruno, f"Live{tag}", "Lena")

    model = alice.desk.finder.results_model
    qtbot.waitUntil(lambda: model.row_of(created.id) is not None, timeout=TIMEOUT)
    assert alice.desk.finder.results_stack.currentWidget() is alice.desk.finder.results

    # The open parker changes elsewhere while Alice has typed nothing: it simply updates.
    open_by_keyboard(qtbot, alice.desk, created.id)
    bruno.update(created.id, created.version, ParkerInput("Lena", f"Live{tag}", "student"))
    qtbot.waitUntil(lambda: alice.desk.form.affiliation.currentText() == "Student", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: model.index(0, model.AFFILIATION).data() == "Student", timeout=TIMEOUT)
    assert model.row_of(created.id) == 0
    assert alice.desk.finder.results.currentIndex().row() == 0  # still selected after the refresh
    assert not alice.desk.notice.isVisible()


def test_after_a_reconnect_the_results_are_brought_up_to_date(
    qtbot: QtBot, open_desk: Callable[..., Kit], workspace_for: Callable[[str], Workspace]
) -> None:
    alice = open_desk("alice", live=False)  # as if the live connection were down
    tag = token()
    search(qtbot, alice.desk, f"Away{tag}")
    created = make_parker(ParkerService(workspace_for("bruno")), f"Away{tag}")
    assert alice.desk.finder.results_model.rowCount() == 0

    alice.live.resynced.emit(Resync((), complete=False))

    model = alice.desk.finder.results_model
    qtbot.waitUntil(lambda: model.row_of(created.id) is not None, timeout=TIMEOUT)


def test_an_adjudicator_sees_the_record_read_only(
    qtbot: QtBot, open_desk: Callable[..., Kit], workspace_for: Callable[[str], Workspace]
) -> None:
    clerk = ParkerService(workspace_for("bruno"))
    tag = token()
    parker = make_parker(clerk, f"Judge{tag}", "Jo", email=f"jo.{tag}@example.edu")
    clerk.add_vehicle(parker.id, VehicleInput("NY", plain_plate()))
    kit = open_desk("adjudicator", live=False)
    desk = kit.desk
    search(qtbot, desk, f"Judge{tag}")
    open_by_keyboard(qtbot, desk, parker.id)

    form = desk.form
    assert form.email.text() == f"jo.{tag}@example.edu"
    assert all(e.isReadOnly() for e in (form.first_name, form.last_name, form.email, form.notes))
    assert not form.affiliation.isEnabled()
    assert desk.read_only_label.isVisible()
    for button in (
        desk.new_button,
        desk.save_button,
        desk.deactivate_button,
        desk.vehicles_panel.add_button,
        desk.vehicles_panel.remove_button,
    ):
        assert not button.isVisible()
    assert desk.vehicles_panel.model.rowCount() == 1
    desk.new_parker()
    assert desk._detail is not None  # nothing happened
    assert desk._detail.id == parker.id


# -- the item models -----------------------------------------------------------------------------


def test_results_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, workspace_for: Callable[[str], Workspace]
) -> None:
    service = ParkerService(workspace_for("clerk"))
    tag = token()
    for n in range(7):
        make_parker(service, f"Tester{tag}", f"P{ordered_letters(n)}")
    runner = OperationRunner()
    model = ParkerResultsModel(service, runner, page_size=3)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    model.search(f"Tester{tag}")
    qtbot.waitUntil(lambda: model.rowCount() >= 3 and not model.loading, timeout=TIMEOUT)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: not model.loading, timeout=TIMEOUT)
    assert model.rowCount() == 7
    model.refresh()
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    model.search("")
    assert model.rowCount() == 0


def test_vehicles_model_passes_the_model_tester(
    qtmodeltester: object, workspace_for: Callable[[str], Workspace]
) -> None:
    service = ParkerService(workspace_for("clerk"))
    tag = token()
    parker = make_parker(service, f"Cars{tag}")
    plate = plain_plate()
    raw = f"{plate[:3].lower()}-{plate[3:]}"
    service.add_vehicle(parker.id, VehicleInput("ON", raw, make="Kia", model_year=2020))
    service.add_vehicle(parker.id, VehicleInput("VT", "", plate_status="none"))
    model = VehicleTableModel()
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    model.set_rows(service.get(parker.id).vehicles)
    assert model.rowCount() == 2
    assert model.index(1, model.PLATE).data() == "No plate"
    assert model.index(0, model.PLATE).data() == f"ON {plate}"
    assert (
        model.index(0, model.PLATE).data(Qt.ItemDataRole.ToolTipRole)
        == f"ON: entered as “{raw}”, stored as {plate}"
    )
    model.set_rows(())
    assert model.rowCount() == 0


def test_a_vehicle_with_permits_has_its_plate_corrected_with_a_reason(
    qtbot: QtBot, open_desk: Callable[..., Kit], connect_as: Callable[[str], Any]
) -> None:
    """The plate is the vehicle's identity: once it has permits, a change is a recorded
    correction, so nobody moves a permit to a friend's car without it showing."""
    kit = open_desk(live=False)
    desk = kit.desk
    tag = token()
    owner = make_parker(kit.service, f"Corrected{tag}", "Cora")
    plate = plain_plate(6)
    vehicle = kit.service.add_vehicle(owner.id, VehicleInput("ON", plate))
    mona, alice = connect_as("mona"), connect_as("alice")
    lot = mona.execute(
        "INSERT INTO lot (code, name, capacity) VALUES (%s, 'Correction lot', 5) RETURNING id",
        (f"C{tag[:6].upper()}",),
    ).fetchone()[0]
    mona.commit()
    alice.execute(
        "SELECT issue_temporary_permit(gen_random_uuid(), 'temporary', 'ON', %s, %s, now(), "
        "now() + interval '1 day', 0, 'Loan car', NULL, %s)",
        (plate, lot, owner.id),
    )
    alice.commit()
    search(qtbot, desk, f"Corrected{tag}")
    open_by_keyboard(qtbot, desk, owner.id)
    model = desk.vehicles_panel.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=TIMEOUT)
    desk.vehicles_panel.table.setCurrentIndex(model.index(0, 0))
    desk.vehicles_panel.edit()
    dialog = desk.vehicles_panel.dialog
    assert dialog is not None
    assert not dialog.correction_note.isVisible()  # nothing to correct yet
    qtbot.keyClicks(dialog.make, "Mazda")  # other details are edited freely

    fixed = plain_plate(6)
    dialog.plate.clear()
    qtbot.keyClicks(dialog.plate, fixed)
    assert dialog.correction_note.isVisible()
    assert dialog.boxes["correction_reason"].isVisible()
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.field_error("correction_reason") != "", timeout=TIMEOUT)
    assert "say why its plate is corrected" in dialog.field_error("correction_reason")

    qtbot.keyClicks(dialog.correction_reason, "Registered with a typo")
    dialog.submit()
    qtbot.waitUntil(lambda: desk.vehicles_panel.dialog is None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: model.index(0, model.PLATE).data() == f"ON {fixed}", timeout=TIMEOUT)
    assert model.index(0, model.MAKE).data() == "Mazda"

    desk.vehicles_panel.table.setCurrentIndex(model.index(0, 0))
    desk.vehicles_panel.edit()
    again = desk.vehicles_panel.dialog
    assert again is not None
    assert again.history.isVisible()
    assert f"ON {plate} → ON {fixed}" in again.history.text()
    assert "Registered with a typo" in again.history.text()
    assert vehicle.id == kit.service.search_plates(fixed)[0].vehicle.id
    again.reject()


def test_a_vehicles_record_shows_its_citations_and_reads(
    qtbot: QtBot, open_desk: Callable[..., Kit], database: Database
) -> None:
    from datetime import UTC, datetime

    from tests.citation_data import enforcement_field

    kit = open_desk("clerk", live=False)
    parker = make_parker(kit.service, f"Cited{token()}")
    plate = plain_plate()
    kit.service.add_vehicle(parker.id, VehicleInput("ON", plate, make="Kia"))
    field = enforcement_field(database)
    issued = field.issue(plate)
    with database.connect("otto") as otto:
        otto.execute(
            "SELECT * FROM record_plate_read(%s, %s, 'ON', %s, %s, %s)",
            (field.device, field.next_call, plate, field.lot_code, datetime.now(UTC)),
        )
        otto.commit()
    search(qtbot, kit.desk, parker.last_name)
    open_by_keyboard(qtbot, kit.desk, parker.id)
    panel = kit.desk.vehicles_panel
    with qtbot.waitSignal(panel.enforcement.loaded, timeout=TIMEOUT):
        panel.table.setCurrentIndex(panel.model.index(0, 0))
    assert panel.enforcement.title.text() == f"Enforcement record of ON {plate}"
    citations = panel.enforcement.citations_model
    assert citations.rowCount() == 1
    assert citations.index(0, 0).data() == issued.number
    assert citations.index(0, 4).data() == "Open"
    reads = panel.enforcement.reads_model
    assert reads.rowCount() == 1
    assert reads.index(0, 2).data() == f"{field.device} · otto"
    # A citation of the record opens its case timeline.
    with qtbot.waitSignal(panel.enforcement.timeline_opened, timeout=TIMEOUT) as opened:
        panel.enforcement.open_timeline(0)
    timeline = opened.args[0]
    assert timeline.windowTitle() == f"Case timeline, citation {issued.number}"
    qtbot.waitUntil(lambda: timeline.model.rowCount() > 0, timeout=TIMEOUT)
    titles = [e.title for e in timeline.model.rows()]
    assert any(t.startswith(f"Citation {issued.number}") for t in titles)
    assert any(e.kind == "read" for e in timeline.model.rows())
    timeline.reject()
    # The whole vehicle record opens from here too: its owner, citations and reads.
    with qtbot.waitSignal(panel.enforcement.timeline_opened, timeout=TIMEOUT) as opened:
        panel.enforcement.record_button.click()
    record = opened.args[0]
    qtbot.waitUntil(lambda: record.file is not None, timeout=TIMEOUT)
    assert record.windowTitle() == f"Vehicle record — {plate} (ON)"
    sections = [t.split(" (")[0] for t in record.section_titles()]
    assert {"Citations", "Reads"} <= set(sections)
    record.reject()


def test_a_dispatcher_sees_reads_but_is_told_citations_are_not_theirs(
    qtbot: QtBot, open_desk: Callable[..., Kit], workspace_for: Callable[[str], Workspace]
) -> None:
    service = ParkerService(workspace_for("clerk"))
    parker = make_parker(service, f"Seen{token()}")
    service.add_vehicle(parker.id, VehicleInput("ON", plain_plate(), make="Kia"))
    kit = open_desk("dispatcher", live=False)
    search(qtbot, kit.desk, parker.last_name)
    open_by_keyboard(qtbot, kit.desk, parker.id)
    panel = kit.desk.vehicles_panel
    with qtbot.waitSignal(panel.enforcement.loaded, timeout=TIMEOUT):
        panel.table.setCurrentIndex(panel.model.index(0, 0))
    assert panel.enforcement.citations.empty.text.text() == "Your role does not read citations."
    assert panel.enforcement.reads.empty.text.text() == "No device has read this plate lately."
