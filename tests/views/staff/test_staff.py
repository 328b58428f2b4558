"""The staff-logins desk and its service, against the real database as admin and manager."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.services.admin import StaffLogin
from desktop.services.errors import ConnectionProblem, PermissionDenied, ValidationError
from desktop.services.staff import StaffService
from desktop.services.workspace import Workspace
from desktop.views.kit.live import LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import alive
from desktop.views.staff.desk import AddStaffDialog, StaffDesk, StaffTableModel
from tests.clock import computer_zone
from tests.conftest import Database
from tests.views.conftest import shown_rows

TIMEOUT_MS = 30_000
NEW_PASSWORD = "new-login-password"

# The offscreen platform cannot pass window hints on; that is not a ParkDesk problem.
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


def new_login() -> str:
    return f"staff_{secrets.token_hex(4)}"


@pytest.fixture
def desk_for(
    qtbot: QtBot,
    runner: OperationRunner,
    workspace_for: Callable[[str], Workspace],
    live_for: Callable[[Workspace], LiveChanges],
) -> Callable[[str], StaffDesk]:
    def _open(login: str) -> StaffDesk:
        workspace = workspace_for(login)
        desk = StaffDesk(workspace, runner, live_for(workspace))
        qtbot.addWidget(desk)
        desk.resize(1000, 600)
        desk.show()
        qtbot.waitUntil(lambda: desk.model.rowCount() > 0, timeout=TIMEOUT_MS)
        return desk

    return _open


def error_text(dialog: AddStaffDialog) -> str:
    """Every message the dialog shows, under the fields and below them."""
    shown = [dialog.field_error(name) for name in dialog.FIELDS]
    return "\n".join(m for m in [*shown, dialog.general_error] if m)


def test_list_shows_logins_with_roles_in_words(desk_for: Callable[[str], StaffDesk]) -> None:
    desk = desk_for("admin")
    rows = shown_rows(desk.proxy)
    assert rows["alice"][1:4] == ["Alice", "Clerk", "Active"]
    assert rows["otto"][2] == "Officer (field device)"
    assert rows["ada"][2] == "Administrator"
    assert rows["alice"][4]  # a creation date
    assert "logins" in desk.count_label.text()


def test_admin_adds_a_login_that_can_then_connect(
    qtbot: QtBot, database: Database, desk_for: Callable[[str], StaffDesk]
) -> None:
    desk = desk_for("admin")
    assert desk.add_button.isVisible()
    dialog = desk.open_add_dialog()
    assert dialog is not None
    login = new_login()
    dialog.login_edit.setText(login)
    dialog.name_edit.setText("Jordan Smith")
    dialog.role_checks["clerk"].setChecked(True)
    dialog.role_checks["dispatcher"].setChecked(True)
    dialog.password_edit.setText(NEW_PASSWORD)
    dialog.repeat_edit.setText(NEW_PASSWORD)
    dialog.add_button.click()

    qtbot.waitUntil(lambda: desk.table.selected_key() == login, timeout=TIMEOUT_MS)
    assert not alive(dialog) or not dialog.isVisible()
    assert shown_rows(desk.proxy)[login][1:4] == ["Jordan Smith", "Clerk, Dispatcher", "Active"]

    workspace = Workspace.open(database.settings(login, NEW_PASSWORD))
    try:
        assert workspace.identity.roles == {"clerk", "dispatcher"}
        assert workspace.identity.full_name == "Jordan Smith"
    finally:
        workspace.close()


def test_add_dialog_points_out_problems_without_creating_anything(
    qtbot: QtBot, desk_for: Callable[[str], StaffDesk]
) -> None:
    desk = desk_for("admin")
    dialog = desk.open_add_dialog()
    assert dialog is not None
    login = new_login()
    dialog.login_edit.setText(login)
    dialog.password_edit.setText(NEW_PASSWORD)
    dialog.repeat_edit.setText("something-else")
    dialog.add_button.click()
    # Every wrong field in one round: the roles and the repeated password together.
    qtbot.waitUntil(lambda: error_text(dialog) != "", timeout=TIMEOUT_MS)
    assert "The two passwords differ" in error_text(dialog)
    assert "at least one role" in error_text(dialog)
    assert dialog.repeat_edit.property("invalid") is True
    assert dialog.focusWidget() is next(iter(dialog.role_checks.values()))

    dialog.password_edit.setText("short")
    dialog.repeat_edit.setText("short")
    dialog.add_button.click()
    qtbot.waitUntil(lambda: error_text(dialog) != "", timeout=TIMEOUT_MS)
    assert "at least one role" in error_text(dialog)
    assert "at least 8 characters" in error_text(dialog)
    assert dialog.password_edit.property("invalid") is True
    assert dialog.isVisible()

    dialog.role_checks["clerk"].setChecked(True)
    dialog.login_edit.setText("alice")
    dialog.password_edit.setText(NEW_PASSWORD)
    dialog.repeat_edit.setText(NEW_PASSWORD)
    dialog.add_button.click()
    qtbot.waitUntil(lambda: "already exists" in error_text(dialog), timeout=TIMEOUT_MS)
    assert dialog.focusWidget() is dialog.login_edit
    assert login not in shown_rows(desk.proxy)
    dialog.reject()


def test_admin_disables_a_login_after_confirming(
    qtbot: QtBot,
    database: Database,
    desk_for: Callable[[str], StaffDesk],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk = desk_for("admin")
    login = new_login()
    StaffService(desk.workspace).add(login, "Leaving Soon", ["clerk"], NEW_PASSWORD)
    qtbot.waitUntil(lambda: desk.table.show_key(login), timeout=TIMEOUT_MS)
    assert desk.disable_button.isEnabled()

    asked: list[str] = []

    def confirm(staff: object) -> bool:
        asked.append(getattr(staff, "login", ""))
        return True

    monkeypatch.setattr(desk, "confirm_disable", confirm)
    desk.disable_button.click()
    qtbot.waitUntil(
        lambda: shown_rows(desk.proxy)[login][3].startswith("Disabled since"), timeout=TIMEOUT_MS
    )
    assert asked == [login]
    assert desk.table.selected_key() == login
    assert not desk.disable_button.isEnabled()

    with pytest.raises(ConnectionProblem, match="This login is disabled"):
        Workspace.open(database.settings(login, NEW_PASSWORD))


def test_declining_the_confirmation_disables_nothing(
    desk_for: Callable[[str], StaffDesk], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = desk_for("admin")
    assert desk.table.show_key("bruno")
    monkeypatch.setattr(desk, "confirm_disable", lambda staff: False)
    desk.disable_button.click()
    assert not desk.runner.busy
    assert shown_rows(desk.proxy)["bruno"][3] == "Active"


def test_admin_cannot_disable_their_own_login(desk_for: Callable[[str], StaffDesk]) -> None:
    desk = desk_for("admin")
    assert desk.table.show_key("ada")
    assert not desk.disable_button.isEnabled()
    assert "your own login" in desk.disable_button.toolTip()


def test_manager_sees_the_list_read_only(desk_for: Callable[[str], StaffDesk]) -> None:
    desk = desk_for("manager")
    assert "alice" in shown_rows(desk.proxy)
    assert desk.add_button.isHidden()
    assert desk.disable_button.isHidden()
    assert desk.open_add_dialog() is None


def test_the_database_refuses_a_manager_adding_a_login(
    workspace_for: Callable[[str], Workspace],
) -> None:
    with pytest.raises(PermissionDenied):
        StaffService(workspace_for("manager")).add(new_login(), "", ["clerk"], NEW_PASSWORD)


def test_service_checks_every_field_at_once(workspace_for: Callable[[str], Workspace]) -> None:
    with pytest.raises(ValidationError) as caught:
        StaffService(workspace_for("admin")).add("Bad Login", "x" * 101, [], "short")
    assert {p.field for p in caught.value.problems} == {"login", "full_name", "role", "password"}


def test_list_refreshes_when_another_client_adds_a_login(
    qtbot: QtBot, desk_for: Callable[[str], StaffDesk], workspace_for: Callable[[str], Workspace]
) -> None:
    desk = desk_for("manager")
    login = new_login()
    # Another administrator, elsewhere, adds a login.
    StaffService(workspace_for("admin")).add(login, "Someone Else", ["manager"], NEW_PASSWORD)
    qtbot.waitUntil(lambda: login in shown_rows(desk.proxy), timeout=TIMEOUT_MS)
    assert shown_rows(desk.proxy)[login][2] == "Manager"


def test_filter_narrows_the_list(desk_for: Callable[[str], StaffDesk]) -> None:
    desk = desk_for("admin")
    desk.filter_edit.setText("adjudicator")
    assert set(shown_rows(desk.proxy)) >= {"adele"}
    assert "alice" not in shown_rows(desk.proxy)
    assert "shown" in desk.count_label.text()
    desk.filter_edit.setText("no such person at all")
    assert desk.listing.currentWidget() is desk.listing.empty
    assert desk.listing.empty.title.text() == "No login matches the filter"


def test_staff_model_passes_the_model_tester(
    qtmodeltester: ModelTester, workspace_for: Callable[[str], Workspace]
) -> None:
    model = StaffTableModel(lambda: "America/Toronto")
    qtmodeltester.check(model)
    model.set_rows(StaffService(workspace_for("admin")).list())
    assert model.rowCount() >= 7
    qtmodeltester.check(model)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Login"


def test_dates_and_times_are_read_on_the_offices_clock_whatever_the_computers(
    workspace_for: Callable[[str], Workspace],
) -> None:
    """A login made at 21:30 on 6 December in a Toronto office was made on the 6th, even
    on a computer whose clock is set to Tokyo, where it was already the 7th."""
    made = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)
    identity = replace(workspace_for("admin").identity, office_zone="America/Toronto")
    login = StaffLogin("zed", "Zed", ("clerk",), False, made, made)
    with computer_zone("Asia/Tokyo"):
        model = StaffTableModel(lambda: identity.office_zone)
        model.set_rows([login])
        created = model.index(0, model.column_of("Created")).data()
        status = model.index(0, model.column_of("Status")).data()
        assert (created, status) == ("6 Dec 2026", "Disabled since 6 Dec 2026")
        assert identity.when(made) == "21:30 on 6 Dec 2026"
        assert identity.changed_words("Last changed", "alice", made) == (
            "Last changed by alice at 21:30 on 6 Dec 2026"
        )


def test_the_workspace_knows_the_offices_time_zone(
    workspace_for: Callable[[str], Workspace], database: Database
) -> None:
    with database.admin() as su:
        row = su.execute("SELECT time_zone FROM parkdesk.office_setting WHERE id = 1").fetchone()
    assert row is not None
    for login in ("clerk", "admin", "officer"):
        assert workspace_for(login).identity.office_zone == row[0]
