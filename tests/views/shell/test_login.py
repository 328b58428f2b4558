"""The login dialog against the real embedded database, and the demo start-up path."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.services import admin, credentials
from desktop.services.credentials import ConnectionProfile
from desktop.services.database import connection_failure
from desktop.services.embedded import EmbeddedServer
from desktop.services.errors import FieldProblem, SchemaMismatch
from desktop.services.workspace import Workspace
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import alive
from desktop.views.shell import login as login_view
from desktop.views.shell.login import DemoAccess, LoginDialog, load_profile
from tests.conftest import PASSWORD, Database
from tests.views.mnemonics import clashes

CONNECT_TIMEOUT_MS = 30_000

# The offscreen platform cannot pass window size hints on; that is not a ParkDesk problem.
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in memory, so tests never touch the machine's password store."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def open_dialog(qtbot: QtBot, runner: OperationRunner) -> Callable[..., LoginDialog]:
    def _open(
        profile: ConnectionProfile | None = None, demo: DemoAccess | None = None
    ) -> LoginDialog:
        dialog = LoginDialog(runner, profile, demo=demo)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return _open


def profile_for(database: Database, login: str = "alice") -> ConnectionProfile:
    return ConnectionProfile(database.host, database.port, "parkdesk", login)


def test_correct_password_opens_the_workspace_and_remembers_the_server(
    database: Database, qtbot: QtBot, open_dialog: Callable[..., LoginDialog], tmp_path: Path
) -> None:
    dialog = open_dialog(profile_for(database))
    assert dialog.login_edit.text() == "alice"
    dialog.password_edit.setText(PASSWORD)

    with qtbot.waitSignal(dialog.logged_in, timeout=CONNECT_TIMEOUT_MS) as blocker:
        dialog.login_button.click()
        assert dialog.login_button.text() == "Connecting…"
        assert not dialog.password_edit.isEnabled()

    workspace = blocker.args[0]
    assert isinstance(workspace, Workspace)
    try:
        assert workspace.identity.login == "alice"
        assert workspace.identity.roles == {"clerk"}
    finally:
        workspace.close()
    assert not dialog.isVisible()
    remembered = load_profile()
    assert (remembered.host, remembered.port, remembered.login) == (
        database.host,
        database.port,
        "alice",
    )
    # The password itself is never written to the settings file.
    settings_files = list(tmp_path.rglob("*.ini"))
    assert settings_files
    assert all(PASSWORD not in f.read_text() for f in settings_files)


def test_wrong_password_is_shown_in_the_dialog_which_stays_open(
    database: Database, qtbot: QtBot, open_dialog: Callable[..., LoginDialog]
) -> None:
    dialog = open_dialog(profile_for(database))
    dialog.password_edit.setText("not-the-password")
    dialog.login_button.click()

    qtbot.waitUntil(lambda: not dialog.busy, timeout=CONNECT_TIMEOUT_MS)
    assert dialog.field_error("password") == "The login or password is not correct."
    assert dialog.general_error == ""
    assert dialog.isVisible()
    assert dialog.focusWidget() is dialog.password_edit
    assert dialog.login_button.isEnabled()
    assert dialog.login_button.text() == "Log in"


def test_unreachable_server_says_so_and_points_at_the_server_field(
    database: Database, qtbot: QtBot, open_dialog: Callable[..., LoginDialog]
) -> None:
    dialog = open_dialog(ConnectionProfile(database.host, 1, "parkdesk", "alice"))
    dialog.password_edit.setText(PASSWORD)
    dialog.login_button.click()

    qtbot.waitUntil(lambda: not dialog.busy, timeout=CONNECT_TIMEOUT_MS)
    assert "The database server is not reachable" in dialog.field_error("host")
    assert dialog.focusWidget() is dialog.host_edit
    assert dialog.isVisible()


@pytest.fixture
def connect_attempts(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    attempts: list[object] = []

    def record(settings: object) -> Workspace:
        attempts.append(settings)
        raise AssertionError("the dialog should not have tried to connect")

    monkeypatch.setattr(login_view, "open_workspace", record)
    return attempts


def test_empty_login_is_pointed_out_without_connecting(
    database: Database,
    open_dialog: Callable[..., LoginDialog],
    connect_attempts: list[object],
) -> None:
    dialog = open_dialog(profile_for(database, login=""))
    dialog.password_edit.setText(PASSWORD)
    dialog.login_button.click()

    assert dialog.field_error("login") == "Enter your login."
    assert dialog.focusWidget() is dialog.login_edit
    assert dialog.login_edit.property("invalid") is True
    assert connect_attempts == []
    # Typing in the field takes the red mark and the message away.
    dialog.login_edit.setText("alice")
    dialog.login_edit.textEdited.emit("alice")
    assert dialog.login_edit.property("invalid") is False
    assert dialog.field_error("login") == ""


def test_enter_logs_in_and_escape_quits(
    qtbot: QtBot, open_dialog: Callable[..., LoginDialog], connect_attempts: list[object]
) -> None:
    dialog = open_dialog(ConnectionProfile("db.example.edu", 5432, "parkdesk", "alice"))
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.field_error("password") == "Enter your password."
    assert connect_attempts == []
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_an_empty_form_names_every_missing_field_at_once(
    open_dialog: Callable[..., LoginDialog], connect_attempts: list[object]
) -> None:
    dialog = open_dialog(ConnectionProfile())
    dialog.login_button.click()

    assert dialog.field_error("host") == "Enter the database server."
    assert dialog.field_error("login") == "Enter your login."
    assert dialog.field_error("password") == "Enter your password."
    assert dialog.field_error("port") == ""
    assert dialog.field_error("database") == ""
    assert dialog.focusWidget() is dialog.host_edit
    assert connect_attempts == []


@pytest.mark.parametrize("port", ["abc", "0", "70000", "", "\u00b2", "\u0665\u0664\u0663\u0662"])
def test_bad_port_is_pointed_out_without_connecting(
    database: Database,
    open_dialog: Callable[..., LoginDialog],
    connect_attempts: list[object],
    port: str,
) -> None:
    dialog = open_dialog(profile_for(database))
    dialog.port_edit.setText(port)
    dialog.password_edit.setText(PASSWORD)
    dialog.login_button.click()

    assert "port" in dialog.field_error("port")
    assert dialog.focusWidget() is dialog.port_edit
    assert connect_attempts == []


def test_missing_ca_certificate_file_is_pointed_out(
    open_dialog: Callable[..., LoginDialog], connect_attempts: list[object]
) -> None:
    dialog = open_dialog(
        ConnectionProfile("db.example.edu", 5432, "parkdesk", "alice", "/nowhere/ca.crt")
    )
    assert dialog.advanced.isVisible()
    dialog.password_edit.setText(PASSWORD)
    dialog.login_button.click()
    assert dialog.field_error("sslrootcert") == "The CA certificate file does not exist."
    assert connect_attempts == []


def test_schema_newer_than_the_program_is_explained(
    database: Database,
    qtbot: QtBot,
    open_dialog: Callable[..., LoginDialog],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = admin.schema_problem("9999_from_the_future")
    assert message is not None

    def newer_schema(settings: object) -> Workspace:
        raise SchemaMismatch(message)

    monkeypatch.setattr(login_view, "open_workspace", newer_schema)
    dialog = open_dialog(profile_for(database))
    dialog.password_edit.setText(PASSWORD)
    dialog.login_button.click()

    qtbot.waitUntil(lambda: not dialog.busy, timeout=CONNECT_TIMEOUT_MS)
    assert "newer than this ParkDesk" in dialog.general_error
    assert dialog.isVisible()


def _tab_chain(dialog: LoginDialog, length: int) -> list[QWidget]:
    """The first ``length`` controls Tab visits from the server field on."""
    chain: list[QWidget] = []
    widget: QWidget = dialog.host_edit
    while len(chain) < length:
        if widget.isVisible() and widget.focusPolicy() & widget.focusPolicy().TabFocus:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def test_tab_order_follows_the_form(open_dialog: Callable[..., LoginDialog]) -> None:
    dialog = open_dialog(ConnectionProfile("db.example.edu", 5432, "parkdesk", "alice"))
    assert _tab_chain(dialog, 7) == [
        dialog.host_edit,
        dialog.port_edit,
        dialog.database_edit,
        dialog.login_edit,
        dialog.password_edit,
        dialog.remember_check,
        dialog.login_button,
    ]


def test_demo_tab_order_passes_through_the_demo_login(
    open_dialog: Callable[..., LoginDialog],
) -> None:
    demo = DemoAccess("demo-password", (("Clerk", "demo_clerk"),))
    dialog = open_dialog(ConnectionProfile("localhost", 5999, "parkdesk"), demo=demo)
    assert _tab_chain(dialog, 8) == [
        dialog.host_edit,
        dialog.port_edit,
        dialog.database_edit,
        dialog.demo_combo,
        dialog.login_edit,
        dialog.password_edit,
        dialog.login_button,
        dialog.quit_button,
    ]


def test_without_a_keyring_remember_password_is_disabled_with_a_reason(
    qtbot: QtBot, open_dialog: Callable[..., LoginDialog], no_keyring: None
) -> None:
    dialog = open_dialog(ConnectionProfile("db.example.edu", 5432, "parkdesk", "alice"))
    qtbot.waitUntil(lambda: dialog.remember_check.toolTip() == credentials.NO_KEYRING)
    assert not dialog.remember_check.isEnabled()


def test_remembered_password_goes_to_the_keyring_and_comes_back(
    database: Database,
    qtbot: QtBot,
    open_dialog: Callable[..., LoginDialog],
    memory_keyring: MemoryKeyring,
) -> None:
    profile = profile_for(database, login="bruno")
    dialog = open_dialog(profile)
    qtbot.waitUntil(dialog.remember_check.isEnabled)
    dialog.password_edit.setText(PASSWORD)
    dialog.remember_check.setChecked(True)
    with qtbot.waitSignal(dialog.logged_in, timeout=CONNECT_TIMEOUT_MS) as blocker:
        dialog.login_button.click()
    blocker.args[0].close()

    key = f"bruno@{database.host}:{database.port}/parkdesk"
    qtbot.waitUntil(lambda: ("ParkDesk", key) in memory_keyring.passwords)
    assert memory_keyring.passwords[("ParkDesk", key)] == PASSWORD

    again = open_dialog(load_profile())
    qtbot.waitUntil(lambda: again.password_edit.text() == PASSWORD)
    assert again.remember_check.isChecked()

    # Unticking it and logging in again forgets the password.
    again.remember_check.setChecked(False)
    with qtbot.waitSignal(again.logged_in, timeout=CONNECT_TIMEOUT_MS) as blocker:
        again.login_button.click()
    blocker.args[0].close()
    qtbot.waitUntil(lambda: ("ParkDesk", key) not in memory_keyring.passwords)


def test_a_password_from_the_keyring_is_dropped_when_the_login_changes(
    qtbot: QtBot, open_dialog: Callable[..., LoginDialog], memory_keyring: MemoryKeyring
) -> None:
    profile = ConnectionProfile("db.example.edu", 5432, "parkdesk", "alice")
    memory_keyring.passwords[("ParkDesk", profile.keyring_key())] = "kept"
    dialog = open_dialog(profile)
    qtbot.waitUntil(lambda: dialog.password_edit.text() == "kept")
    assert dialog.remember_check.isChecked()

    # It was kept for alice on that server, not for whoever is typed now.
    qtbot.keyClick(dialog.login_edit, Qt.Key.Key_X)
    assert dialog.login_edit.text() == "alicex"
    assert dialog.password_edit.text() == ""
    assert not dialog.remember_check.isChecked()


def test_no_configured_server_offers_the_demo_database(
    qtbot: QtBot, open_dialog: Callable[..., LoginDialog]
) -> None:
    dialog = open_dialog(ConnectionProfile())
    assert dialog.intro.isVisible()
    assert "No central database server is set up" in dialog.intro.text()
    assert dialog.open_demo_button.isVisible()
    with qtbot.waitSignal(dialog.demo_requested):
        dialog.open_demo_button.click()


def test_demo_logins_fill_login_and_password(open_dialog: Callable[..., LoginDialog]) -> None:
    demo = DemoAccess("demo-password", (("Clerk", "demo_clerk"), ("Manager", "demo_manager")))
    dialog = open_dialog(ConnectionProfile("localhost", 5999, "parkdesk"), demo=demo)
    assert dialog.host_edit.isReadOnly()
    assert dialog.login_edit.text() == "demo_clerk"
    assert dialog.password_edit.text() == "demo-password"
    assert not dialog.remember_check.isVisible()
    dialog.with_demo_login("demo_manager")
    assert dialog.login_edit.text() == "demo_manager"
    assert dialog.demo_combo.currentText() == "Manager — demo_manager"


def test_demo_start_up_prepares_a_fresh_database_and_a_demo_login_works(
    qtbot: QtBot, no_keyring: None
) -> None:
    """The whole demo path: embedded server, migrations, demo data, login, main window."""
    from desktop.app import DEMO_STARTING, ParkDeskShell
    from desktop.views.shell.main_window import MainWindow

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    data_dir = Path(tempfile.mkdtemp(prefix="pdd-")) / "pgdata"
    shell = ParkDeskShell(app, data_dir)
    try:
        # No central server configured: the login dialog offers the demo database.
        shell.start(demo=False)
        first = shell.login_dialog
        assert first is not None
        assert first.open_demo_button.isVisible()
        first.open_demo_button.click()
        assert shell.progress is not None
        assert shell.progress.labelText() == DEMO_STARTING
        qtbot.waitUntil(lambda: shell.login_dialog is not None, timeout=240_000)
        assert not alive(first) or not first.isVisible()
        assert shell.demo is not None
        assert shell.demo.started_here
        assert shell.progress is None
        dialog = shell.login_dialog
        assert dialog is not None
        assert (dialog.host_edit.text(), dialog.database_edit.text()) == ("localhost", "parkdesk")
        assert dialog.port_edit.text() == str(shell.demo.port)
        dialog.with_demo_login("demo_manager")
        dialog.login_button.click()
        qtbot.waitUntil(lambda: shell.window is not None, timeout=CONNECT_TIMEOUT_MS)
        window = shell.window
        assert isinstance(window, MainWindow)
        assert window.desk_titles()[0] == "Parkers & vehicles"
        assert "Staff logins" in window.desk_titles()
        qtbot.waitUntil(lambda: window.live_text == "Live", timeout=CONNECT_TIMEOUT_MS)

        # Logging out goes back to the demo login, remembering the chosen demo login.
        window.logout_action.trigger()
        assert shell.window is None
        assert shell.login_dialog is not None
        assert shell.login_dialog.login_edit.text() == "demo_manager"
        qtbot.waitUntil(lambda: not shell.runner.busy, timeout=CONNECT_TIMEOUT_MS)
    finally:
        shell.shut_down()
    try:
        assert shell.demo is not None
        assert not shell.demo.server.status().running
    finally:
        # A demo database is a whole seeded office: nothing of it outlives the test.
        EmbeddedServer(data_dir).remove()
        shutil.rmtree(data_dir.parent, ignore_errors=True)


def test_a_certificate_message_on_the_demo_opens_no_stray_window(
    open_dialog: Callable[..., LoginDialog],
) -> None:
    demo = DemoAccess("demo-password", (("Clerk", "demo_clerk"),))
    dialog = open_dialog(ConnectionProfile("localhost", 5999, "parkdesk"), demo=demo)
    before = set(QApplication.topLevelWidgets())
    message = "The secure connection failed: certificate not trusted."
    dialog.show_problems([FieldProblem("sslrootcert", message)])
    shown = [w for w in QApplication.topLevelWidgets() if w not in before and w.isVisible()]
    assert shown == []
    assert not dialog.advanced.isVisible()
    # The demo has no certificate field: the message is said under the fields.
    assert dialog.general_error == message


def _top(widget: QWidget, dialog: LoginDialog) -> int:
    return widget.mapTo(dialog, QPoint(0, 0)).y()


def _said_under(dialog: LoginDialog, field: str, next_widget: QWidget) -> None:
    """The field's message is shown whole between its editor and the next control."""
    box = dialog.boxes[field]
    message = box.problem
    assert message.isVisible()
    assert message.height() >= message.heightForWidth(message.width())
    assert _top(message, dialog) >= _top(box.editor, dialog) + box.editor.height()
    assert _top(message, dialog) + message.height() <= _top(next_widget, dialog)


def test_a_wrong_password_is_said_under_the_password_and_a_bad_port_under_the_port(
    qtbot: QtBot, open_dialog: Callable[..., LoginDialog], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = connection_failure(Exception('FATAL:  password authentication failed for user "alice"'))

    def refuse(settings: object) -> Workspace:
        raise wrong

    monkeypatch.setattr(login_view, "open_workspace", refuse)
    dialog = open_dialog(ConnectionProfile("db.example.edu", 5432, "parkdesk", "alice"))
    dialog.password_edit.setText("not-the-password")
    dialog.login_button.click()
    qtbot.waitUntil(lambda: not dialog.busy)

    assert dialog.field_error("password") == wrong.message
    assert dialog.general_error == ""
    _said_under(dialog, "password", dialog.remember_check)
    assert dialog.password_edit.property("invalid") is True
    assert dialog.password_edit.selectedText() == "not-the-password"

    dialog.port_edit.setText("70000")
    dialog.login_button.click()
    assert dialog.field_error("port") == "The port is a number from 1 to 65535 (usually 5432)."
    assert dialog.field_error("password") == ""
    _said_under(dialog, "port", dialog.database_edit)
    assert dialog.port_edit.property("invalid") is True


@pytest.mark.parametrize("demo", [False, True])
def test_no_two_controls_share_an_alt_key(
    open_dialog: Callable[..., LoginDialog], demo: bool
) -> None:
    access = DemoAccess("demo-password", (("Clerk", "demo_clerk"),)) if demo else None
    dialog = open_dialog(ConnectionProfile("db.example.edu", 5432, "parkdesk", "alice"), access)
    if not demo:
        dialog.advanced_button.setChecked(True)
    assert clashes(dialog) == {}


@pytest.mark.parametrize(
    ("server_said", "field"),
    [
        ('FATAL:  password authentication failed for user "alice"', "password"),
        ("connection refused", "host"),
        ("timeout expired", "host"),
        ('FATAL:  database "nowhere" does not exist', "database"),
        ('FATAL:  role "alice" is not permitted to log in', "login"),
        ('FATAL:  permission denied for database "parkdesk"', "login"),
        ("SSL error: certificate verify failed", "sslrootcert"),
        ("server closed the connection unexpectedly", "general"),
    ],
)
def test_each_refusal_of_the_server_is_said_under_the_field_to_fix(
    server_said: str, field: str
) -> None:
    assert connection_failure(Exception(server_said)).field == field
