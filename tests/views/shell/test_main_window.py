"""The main window: desks per role, the status bar and the live-connection banner."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from desktop.services.cashdrawer import CashDrawerService
from desktop.services.workspace import Workspace
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import stylesheet
from desktop.views.parkers.desk import ParkerDesk
from desktop.views.shell.main_window import OFFLINE_BANNER, MainWindow
from tests.conftest import Database
from tests.views.mnemonics import clashes, mnemonics_of

TIMEOUT_MS = 30_000

# The offscreen platform cannot pass window hints on; that is not a ParkDesk problem.
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


@pytest.fixture
def window_for(
    qtbot: QtBot, runner: OperationRunner, workspace_for: Callable[[str], Workspace]
) -> Iterator[Callable[[str], MainWindow]]:
    opened: list[MainWindow] = []

    def _open(login: str) -> MainWindow:
        window = MainWindow(workspace_for(login), runner)
        qtbot.addWidget(window)
        window.show()
        opened.append(window)
        return window

    yield _open
    for window in opened:
        window.shut_down()  # as the application does on quitting: no question asked
        window.close()
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT_MS)


def test_clerk_sees_parkers_and_not_staff_logins(
    window_for: Callable[[str], MainWindow],
) -> None:
    from desktop.views.parkers.desk import ParkerDesk

    window = window_for("clerk")
    assert window.desk_titles() == [
        "Parkers & vehicles",
        "Permits & payments",
        "Citations",
        "Appeals",
        "Cash drawer",
        "Plate check",
        "Permit types & lots",
        "Enforcement set-up",
    ]
    assert window.current_desk() == "parkers"
    assert isinstance(window.desk("parkers"), ParkerDesk)
    assert window.header.title.text() == "Parkers & vehicles"
    assert "Staff logins" not in window.desk_titles()


def test_admin_sees_staff_logins(window_for: Callable[[str], MainWindow]) -> None:
    from desktop.views.staff.desk import StaffDesk

    window = window_for("admin")
    assert window.desk_titles() == ["Plate check", "Staff logins"]
    window.desk_actions[1].trigger()
    assert isinstance(window.desk("staff"), StaffDesk)


def test_manager_sees_both_desks_and_switches_with_the_keyboard(
    window_for: Callable[[str], MainWindow],
) -> None:
    window = window_for("manager")
    assert window.desk_titles() == [
        "Parkers & vehicles",
        "Permits & payments",
        "Citations",
        "Appeals",
        "Cash drawer",
        "Plate check",
        "Permit types & lots",
        "Enforcement set-up",
        "Security",
        "Staff logins",
    ]
    shortcuts = [a.shortcut().toString() for a in window.desk_actions]
    assert shortcuts == [f"Ctrl+{n}" for n in range(1, 10)]
    window.desk_actions[8].trigger()
    assert window.current_desk() == "security"
    security_desk = window.desk("security")
    assert security_desk is not None
    assert security_desk.isVisible()
    window.desk_actions[0].trigger()
    assert window.current_desk() == "parkers"
    # A manager reads parkers but does not edit them: the header says so.
    assert "not change" in window.header.subtitle.text()


def test_officer_gets_only_the_plate_check(
    window_for: Callable[[str], MainWindow],
) -> None:
    """Field devices' login: the plate check is the one thing it may do."""
    window = window_for("officer")
    assert window.desk_titles() == ["Plate check"]
    assert window.current_desk() == "plate_check"
    assert window.no_desk_page is None


def test_status_bar_names_the_login_and_role_and_goes_live(
    qtbot: QtBot, window_for: Callable[[str], MainWindow]
) -> None:
    window = window_for("clerk")
    assert "alice" in window.login_label.text()
    assert "Clerk" in window.login_label.text()
    assert window.workspace.identity.server in window.server_label.text()
    qtbot.waitUntil(lambda: window.live_text == "Live", timeout=TIMEOUT_MS)
    assert window.live_dot.state == "live"
    assert not window.banner.isVisible()


def test_lost_connection_shows_a_banner_and_comes_back_by_itself(
    qtbot: QtBot, window_for: Callable[[str], MainWindow]
) -> None:
    window = window_for("clerk")
    qtbot.waitUntil(lambda: window.live_text == "Live", timeout=TIMEOUT_MS)

    window.live.simulate_connection_loss()
    assert window.live_text == "Offline — reconnecting"
    assert window.live_dot.state == "offline"
    assert window.banner.isVisible()
    assert window.banner_label.text() == OFFLINE_BANNER

    qtbot.waitUntil(lambda: window.live_text == "Live", timeout=TIMEOUT_MS)
    assert not window.banner.isVisible()


@pytest.mark.parametrize(
    "login", ["clerk", "manager", "admin", "officer", "adjudicator", "dispatcher"]
)
def test_no_two_controls_share_an_alt_key_on_any_desk(
    qtbot: QtBot,
    window_for: Callable[[str], MainWindow],
    workspace_for: Callable[[str], Workspace],
    login: str,
) -> None:
    if login == "clerk":
        # With no shift open the drawer shows its count field (and its Alt key) too.
        drawer = CashDrawerService(workspace_for(login))
        current = drawer.current_shift()
        if current is not None:
            drawer.close_shift(current.id, {})
    window = window_for(login)
    window.resize(1200, 780)
    for key in window.desk_keys:
        window.show_desk(key)
        desk = window.desk(key)
        assert desk is not None
        tabs = desk.findChildren(QTabWidget)
        pages = [(t, i) for t in tabs for i in range(t.count())] or [(None, 0)]
        for tab, page in pages:
            if tab is not None:
                tab.setCurrentIndex(page)
            qtbot.wait(50)
            assert clashes(window) == {}, (key, page)
    if login == "clerk":
        window.show_desk("cash_drawer")
        qtbot.waitUntil(lambda: "c" in mnemonics_of(window), timeout=TIMEOUT_MS)


@pytest.mark.parametrize(
    "login", ["clerk", "manager", "admin", "officer", "adjudicator", "dispatcher"]
)
def test_every_desk_fits_the_default_window(
    qtbot: QtBot, runner: OperationRunner, window_for: Callable[[str], MainWindow], login: str
) -> None:
    # 1200 by 780, the size the program opens at: no desk may make the window taller or
    # wider than a laptop's screen (a long page scrolls instead), before or after what it
    # shows has loaded.
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setStyleSheet(stylesheet())  # as the program runs: its paddings take room
    try:
        window = window_for(login)
        window.resize(1200, 780)
        for key in window.desk_keys:
            window.show_desk(key)
            qtbot.wait(50)
            qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT_MS)
            needed = window.minimumSizeHint()
            assert needed.width() <= 1200, (key, needed, _widest(window, "width"))
            assert needed.height() <= 780, (key, needed, _widest(window, "height"))
    finally:
        app.setStyleSheet("")


def _widest(widget: QWidget, side: str, depth: int = 0) -> list[str]:
    """The chain of shown widgets that asks for the most room on ``side``."""
    size = widget.minimumSizeHint()
    here = f"{type(widget).__name__}#{widget.objectName()} {size.width()}x{size.height()}"
    shown = [w for w in widget.findChildren(QWidget) if w.parent() is widget and w.isVisible()]
    if not shown or depth > 20:
        return [here]

    def room(w: QWidget) -> int:
        return getattr(w.minimumSizeHint(), side)()

    return [here, *_widest(max(shown, key=room), side, depth + 1)]


def test_log_out_asks_the_application_to_show_the_login(
    qtbot: QtBot, window_for: Callable[[str], MainWindow]
) -> None:
    window = window_for("clerk")
    assert window.logout_action.text() == "&Log out"
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    with qtbot.waitSignal(window.logout_requested):
        window.logout_action.trigger()


def test_log_out_with_unsaved_edits_asks_first(
    qtbot: QtBot, window_for: Callable[[str], MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    window = window_for("clerk")
    window.show_desk("parkers")
    desk = window.desk("parkers")
    assert isinstance(desk, ParkerDesk)
    asked: list[str] = []
    answer = QMessageBox.StandardButton.No

    def question(_parent: object, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    desk.new_parker()
    qtbot.keyClicks(desk.form.first_name, "Unsaved")
    assert desk.form.is_dirty()
    with qtbot.assertNotEmitted(window.logout_requested):
        window.logout_action.trigger()
    assert asked
    assert "The parker form has changes that are not saved." in asked[0]
    assert asked[0].endswith("Log out anyway?")
    assert window.isVisible()
    answer = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(window.logout_requested):
        window.logout_action.trigger()
    assert len(asked) == 2
    window.close()
    assert len(asked) == 2  # closing after logging out asks nothing more


def test_log_out_with_nothing_to_lose_asks_nothing(
    qtbot: QtBot, window_for: Callable[[str], MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    window = window_for("manager")
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a: asked.append("?")))
    with qtbot.waitSignal(window.logout_requested):
        window.logout_action.trigger()
    assert asked == []


def test_window_size_and_desk_are_remembered(
    qtbot: QtBot, window_for: Callable[[str], MainWindow]
) -> None:
    first = window_for("manager")
    screen = first.screen().availableGeometry()
    assert first.width() == min(1200, int(screen.width() * 0.95))
    assert first.height() == min(780, int(screen.height() * 0.95))
    first.resize(screen.width() - 100, screen.height() - 100)
    first.show_desk("staff")
    with qtbot.waitSignal(first.closed):
        first.close()

    second = window_for("manager")
    assert (second.width(), second.height()) == (screen.width() - 100, screen.height() - 100)
    assert second.current_desk() == "staff"


@pytest.fixture
def styled_application() -> Iterator[QApplication]:
    """The program's look (style, stylesheet, icon) for one test, then back to Qt's defaults."""
    from desktop.app import configure_application

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = (app.styleSheet(), app.style().name(), app.quitOnLastWindowClosed())
    configure_application(app)
    yield app
    app.setStyleSheet(before[0])
    app.setStyle(before[1])
    app.setQuitOnLastWindowClosed(before[2])


def test_stylesheet_and_icon_load_cleanly(
    qtbot: QtBot, styled_application: QApplication, window_for: Callable[[str], MainWindow]
) -> None:
    assert "#offlineBanner" in styled_application.styleSheet()
    assert "@RESOURCES@" not in styled_application.styleSheet()
    assert not styled_application.windowIcon().isNull()
    window = window_for("manager")
    window.show_desk("staff")
    # Rendering applies every rule; a rule Qt cannot parse fails the test with a Qt warning.
    assert not window.grab().isNull()


def test_a_change_of_the_offices_time_zone_reaches_the_open_window(
    qtbot: QtBot, window_for: Callable[[str], MainWindow], database: Database
) -> None:
    """A manager moves the office to another zone while a desk is open: every time the
    desk shows from then on is on the new clock, without logging in again."""
    window = window_for("admin")
    qtbot.waitUntil(lambda: window.live_text == "Live", timeout=TIMEOUT_MS)
    with database.admin() as su:
        row = su.execute("SELECT time_zone FROM parkdesk.office_setting WHERE id = 1").fetchone()
    assert row is not None
    before = row[0]
    moved = "Pacific/Auckland" if before != "Pacific/Auckland" else "America/Toronto"
    assert window.workspace.identity.office_zone == before
    try:
        with database.admin() as su:
            su.execute("UPDATE parkdesk.office_setting SET time_zone = %s WHERE id = 1", (moved,))
        qtbot.waitUntil(lambda: window.workspace.identity.office_zone == moved, timeout=TIMEOUT_MS)
        assert window.identity.office_zone == moved
    finally:
        with database.admin() as su:
            su.execute("UPDATE parkdesk.office_setting SET time_zone = %s WHERE id = 1", (before,))
    qtbot.waitUntil(lambda: window.workspace.identity.office_zone == before, timeout=TIMEOUT_MS)
