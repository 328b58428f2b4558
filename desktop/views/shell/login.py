"""The login dialog: which server, which login, and the person's password.

Connecting runs off the GUI thread; what goes wrong (wrong password, server not
reachable, schema newer than this program) is written in red under the fields,
and the dialog stays open with the cursor in the field to fix. The password can
be remembered in the OS keyring, never anywhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QToolButton,
    QWidget,
)

from desktop.services import credentials
from desktop.services.credentials import ConnectionProfile
from desktop.services.errors import KnownError, SchemaMismatch
from desktop.views.kit.layout import (
    STRETCH,
    button,
    hbox,
    holder,
    label,
    line_edit,
    tab_order,
    vbox,
)
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import (
    alive,
    app_icon,
    app_settings,
    failure_while_alive,
    grow_to_fit,
    mark_invalid,
    while_alive,
)

if TYPE_CHECKING:
    from desktop.services.database import ConnectionSettings
    from desktop.services.workspace import Workspace

log = logging.getLogger(__name__)

CONNECTION_GROUP = "connection"
DEMO_GROUP = "demo"

Named = TypeVar("Named", bound=QObject)


@dataclass(frozen=True)
class DemoAccess:
    """The published demo logins of the embedded database, offered in a combo."""

    password: str
    logins: tuple[tuple[str, str], ...]  # (role title, login)


def load_profile() -> ConnectionProfile:
    """The central server remembered from the last successful login (may be unconfigured)."""
    settings = app_settings()
    settings.beginGroup(CONNECTION_GROUP)
    values = {key: settings.value(key, "") for key in settings.childKeys()}
    settings.endGroup()
    return ConnectionProfile.from_dict(values)


def save_profile(profile: ConnectionProfile) -> None:
    settings = app_settings()
    settings.beginGroup(CONNECTION_GROUP)
    for key, value in profile.to_dict().items():
        settings.setValue(key, value)
    settings.endGroup()
    settings.sync()


def open_workspace(settings: ConnectionSettings) -> Workspace:
    """Connect (blocking: runs on a worker thread)."""
    from desktop.services.workspace import Workspace

    return Workspace.open(settings)


def _named(thing: Named, name: str) -> Named:
    """``thing`` with an object name, for the style sheet and for UI automation."""
    thing.setObjectName(name)
    return thing


def _caption(text: str, field: QWidget) -> QLabel:
    """A form row's caption; its Alt key moves the cursor to ``field``."""
    caption = QLabel(text)
    caption.setBuddy(field)
    return caption


class KeyringPassword:
    """The "Remember password" box and the OS keyring behind it: whether this computer has
    a password store, the password it keeps for the server and login typed, and keeping or
    forgetting it after a login. Keyring failures only mean nothing is remembered."""

    def __init__(
        self,
        owner: QObject,
        runner: OperationRunner,
        password_edit: QLineEdit,
        entered: Callable[[], ConnectionProfile],
    ) -> None:
        self.owner = owner  # answers that come back after it has gone are dropped
        self.runner = runner
        self.password_edit = password_edit
        self.entered = entered  # the server and login as typed
        self.available = False  # the keyring said it can keep passwords
        self.filled_in = False  # the password field holds what the keyring kept
        self._connecting = False
        self.check = _named(QCheckBox("&Remember password"), "rememberCheck")
        self.check.setEnabled(False)
        self.check.setToolTip("Checking the password store…")

    def start(self) -> None:
        # Loading a keyring backend can take a moment (or talk to D-Bus): off the GUI thread.
        self.runner.run(
            credentials.keyring_problem, while_alive(self.owner, self._checked), lambda exc: True
        )

    def _checked(self, problem: str | None) -> None:
        self.available = problem is None
        self.check.setEnabled(self.available and not self._connecting)
        self.check.setToolTip(
            problem or "Keep the password in this computer's password store (keyring)."
        )
        if self.available:
            self.look_up()

    def set_connecting(self, connecting: bool) -> None:
        """The box is off while connecting (and always off without a keyring)."""
        self._connecting = connecting
        self.check.setEnabled(self.available and not connecting)

    def look_up(self) -> None:
        """Fill in the password kept for the server and login typed, if none is typed."""
        if not self.available or self.password_edit.text():
            return
        profile = self.entered()
        if not profile.login or not profile.host:
            return
        self.runner.run(
            lambda: credentials.stored_password(profile),
            while_alive(self.owner, lambda password: self._found(profile, password)),
            lambda exc: True,
        )

    def _found(self, profile: ConnectionProfile, password: str | None) -> None:
        if password is None or self.password_edit.text() or self.entered() != profile:
            return
        self.password_edit.setText(password)
        self.filled_in = True
        self.check.setChecked(True)

    def server_or_login_edited(self) -> None:
        """A password filled in from the keyring was for the old server or login."""
        if self.filled_in:
            self.password_edit.clear()
            self.filled_in = False
            self.check.setChecked(False)

    def password_typed(self) -> None:
        self.filled_in = False

    def keep(self, profile: ConnectionProfile, password: str) -> None:
        """After a login: keep the password when the box is ticked, else forget it."""
        if not self.available:
            return
        if self.check.isChecked():
            self.runner.run(lambda: credentials.remember_password(profile, password))
        else:
            self.runner.run(lambda: credentials.forget_password(profile))


class LoginDialog(QDialog):
    """Asks where and as whom to connect, and connects."""

    #: The opened :class:`Workspace`, after a successful login.
    logged_in = Signal(object)
    #: The person chose "Open the demo database".
    demo_requested = Signal()

    def __init__(
        self,
        runner: OperationRunner,
        profile: ConnectionProfile | None = None,
        *,
        demo: DemoAccess | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.demo = demo
        self.profile = profile or ConnectionProfile()
        self._busy = False
        self._attempt = 0
        self.setObjectName("loginDialog")
        self.setWindowTitle("Log in — ParkDesk")
        self.setWindowIcon(app_icon())
        self.setModal(True)
        self._build()
        self._fill(self.profile)
        if demo is None:  # the demo password is published: there is nothing to remember
            self.keyring.start()

    # -- layout -------------------------------------------------------------

    def _build(self) -> None:
        self.quit_button = button("Quit", self.reject)
        self.login_button = _named(button("Log in", self.log_in, primary=True), "loginButton")
        self.login_button.setDefault(True)
        body = vbox(
            self._build_notice(),
            self._build_form(),
            *self._build_advanced(),
            *self._build_progress(),
            STRETCH,
            hbox(STRETCH, self.quit_button, self.login_button),
            margins=(28, 18, 28, 22),
            spacing=12,
        )
        vbox(self._build_banner(), _named(holder(body), "loginBody"), spacing=0, parent=self)
        for plain in (self.open_demo_button, self.browse_button, self.quit_button):
            plain.setAutoDefault(False)  # Enter means "Log in", even while one has the focus
        self._connect_fields()
        self.setMinimumWidth(500)

    def _build_banner(self) -> QFrame:
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(44, 44))
        logo.setFixedSize(44, 44)
        subtitle = "Demo database on this computer" if self.demo else "Parking office back-office"
        titles = vbox(
            label("ParkDesk", name="loginTitle"), label(subtitle, name="loginSubtitle"), spacing=2
        )
        banner = _named(QFrame(), "loginBanner")
        hbox(logo, (titles, 1), margins=(28, 20, 28, 18), spacing=14, parent=banner)
        return banner

    def _build_notice(self) -> QLayout:
        self.notice = label(name="loginNotice", wrap=True)
        self.notice.hide()
        self.open_demo_button = _named(
            button("Open the demo database", self._open_demo, visible=False), "openDemoButton"
        )
        return vbox(self.notice, hbox(self.open_demo_button, STRETCH), spacing=8)

    def _build_form(self) -> QFormLayout:
        self.host_edit = _named(line_edit(placeholder="db.parking.example.edu"), "hostEdit")
        self.port_edit = _named(line_edit(placeholder="5432"), "portEdit")
        self.port_edit.setMaximumWidth(90)
        self.database_edit = _named(line_edit(placeholder="parkdesk"), "databaseEdit")
        self.demo_combo = _named(QComboBox(), "demoLoginCombo")
        self.login_edit = _named(line_edit(placeholder="your staff login"), "loginEdit")
        self.password_edit = _named(line_edit(), "passwordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.keyring = KeyringPassword(self, self.runner, self.password_edit, self.entered_profile)
        self.remember_check = self.keyring.check

        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(9)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        server_row = hbox(
            (self.host_edit, 1), _caption("Port", self.port_edit), self.port_edit, spacing=8
        )
        form.addRow(_caption("&Server", self.host_edit), server_row)
        form.addRow(_caption("&Database", self.database_edit), self.database_edit)
        if self.demo is not None:
            for role_title, login in self.demo.logins:
                self.demo_combo.addItem(f"{role_title} — {login}", login)
            self.demo_combo.currentIndexChanged.connect(self._demo_login_chosen)
            form.addRow(_caption("De&mo login", self.demo_combo), self.demo_combo)
            self.remember_check.hide()
        else:
            self.demo_combo.hide()
        form.addRow(_caption("&Login", self.login_edit), self.login_edit)
        form.addRow(_caption("&Password", self.password_edit), self.password_edit)
        form.addRow("", self.remember_check)
        return form

    def _build_advanced(self) -> list[QWidget | QLayout]:
        """The CA certificate, behind an "Advanced" toggle (a demo database needs none)."""
        self.advanced_button = _named(QToolButton(), "advancedToggle")
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.toggled.connect(self._toggle_advanced)
        self.ca_edit = _named(line_edit(placeholder="default: ~/.postgresql/root.crt"), "caEdit")
        self.browse_button = button("Browse…", self._browse_ca)
        ca_hint = label(
            "Connections to a server on another computer are encrypted, and the server's "
            "certificate must be signed by this authority. Enter “system” to trust the "
            "computer's certificate authorities.",
            name="hint",
            wrap=True,
        )
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(14)
        ca_row = hbox((self.ca_edit, 1), self.browse_button, spacing=8)
        form.addRow(_caption("CA &certificate", self.ca_edit), ca_row)
        form.addRow("", ca_hint)
        self.advanced = _named(holder(form, visible=False), "advancedSection")
        if self.demo is not None:
            self.advanced_button.hide()
            return []
        return [hbox(self.advanced_button, STRETCH), self.advanced]

    def _build_progress(self) -> tuple[QLabel, QProgressBar]:
        """The message under the fields, and the bar that runs while connecting."""
        self.error_label = label(name="loginError", wrap=True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.progress = _named(QProgressBar(), "loginProgress")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(4)
        self.progress.hide()
        return self.error_label, self.progress

    def _connect_fields(self) -> None:
        demo = [self.demo_combo] if self.demo is not None else []
        advanced = [] if demo else [self.advanced_button, self.ca_edit, self.browse_button]
        server = (self.host_edit, self.port_edit, self.database_edit)
        person = (self.login_edit, self.password_edit, self.remember_check)
        tab_order(*server, *demo, *person, self.login_button, self.quit_button, *advanced)
        for edit in (self.host_edit, self.port_edit, self.database_edit, self.login_edit):
            edit.textEdited.connect(self._field_edited)
        self.password_edit.textEdited.connect(self._password_edited)
        self.login_edit.editingFinished.connect(self.keyring.look_up)

    def _fill(self, profile: ConnectionProfile) -> None:
        self.host_edit.setText(profile.host)
        self.port_edit.setText(str(profile.port))
        self.database_edit.setText(profile.database)
        self.login_edit.setText(profile.login)
        self.ca_edit.setText(profile.sslrootcert)
        if profile.sslrootcert:
            self.advanced_button.setChecked(True)
        if self.demo is not None:
            for edit in (self.host_edit, self.port_edit, self.database_edit):
                edit.setReadOnly(True)
            self.notice.setText(
                "ParkDesk runs its own database on this computer, filled with made-up parkers "
                "and vehicles. Pick a demo login to see a desk as that role sees it."
            )
            self.notice.show()
            wanted = profile.login or self.demo.logins[0][1]
            index = max(0, self.demo_combo.findData(wanted))
            self.demo_combo.setCurrentIndex(index)
            self._demo_login_chosen(index)
            self.demo_combo.setFocus()
        elif not profile.configured:
            self.notice.setText(
                "No central database server is set up on this computer yet. Enter the server "
                "your administrator gave you, or open the demo database to try ParkDesk."
            )
            self.notice.show()
            self.open_demo_button.show()
            self.host_edit.setFocus()
        elif profile.login:
            self.password_edit.setFocus()
        else:
            self.login_edit.setFocus()

    # -- reading the fields -------------------------------------------------

    @property
    def _edits(self) -> tuple[QLineEdit, ...]:
        """The text fields, in screen order."""
        return (
            self.host_edit,
            self.port_edit,
            self.database_edit,
            self.login_edit,
            self.password_edit,
            self.ca_edit,
        )

    def entered_profile(self) -> ConnectionProfile:
        """The fields as typed (the port may be garbage: see :meth:`problems`)."""
        try:
            port = int(self.port_edit.text().strip())
        except ValueError:
            port = 0
        return ConnectionProfile(
            host=self.host_edit.text().strip(),
            port=port,
            database=self.database_edit.text().strip(),
            login=self.login_edit.text().strip(),
            sslrootcert=self.ca_edit.text().strip(),
        )

    def problems(self) -> tuple[QWidget, str] | None:
        """The first field that cannot work, with what to do about it."""
        typed = self.entered_profile()
        port, ca = self.port_edit.text().strip(), typed.sslrootcert
        checks: tuple[tuple[QWidget, bool, str], ...] = (
            (self.host_edit, bool(typed.host), "Enter the database server."),
            (self.port_edit, bool(port), "Enter the port (usually 5432)."),
            (
                self.port_edit,
                port.isascii() and port.isdigit() and 1 <= int(port) <= 65535,
                "The port is a number from 1 to 65535 (usually 5432).",
            ),
            (self.database_edit, bool(typed.database), "Enter the database."),
            (self.login_edit, bool(typed.login), "Enter your login."),
            (self.password_edit, bool(self.password_edit.text()), "Enter your password."),
            (
                self.ca_edit,
                not ca or ca == "system" or Path(ca).expanduser().is_file(),
                "The CA certificate file does not exist.",
            ),
        )
        return next(((field, message) for field, ok, message in checks if not ok), None)

    # -- logging in -----------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    def log_in(self) -> None:
        if self._busy:
            return
        self.clear_error()
        problem = self.problems()
        if problem is not None:
            field, message = problem
            self.show_error(message, field)
            return
        profile = self.entered_profile()
        password = self.password_edit.text()
        settings = profile.settings(password)
        self._set_busy(True)
        self._attempt += 1
        attempt = self._attempt

        def connected(workspace: Workspace) -> None:
            if alive(self):
                self._connected(attempt, profile, password, workspace)
            else:
                workspace.close()

        self.runner.run(
            lambda: open_workspace(settings),
            connected,
            failure_while_alive(self, lambda exc: self._failed(attempt, exc)),
            parent=self,
        )

    def _connected(
        self, attempt: int, profile: ConnectionProfile, password: str, workspace: Workspace
    ) -> None:
        if attempt != self._attempt:
            # The person gave up (closed the dialog) while we were connecting.
            workspace.close()
            return
        self._set_busy(False)
        self._remember(profile, password)
        self.logged_in.emit(workspace)
        self.accept()

    def _failed(self, attempt: int, exc: BaseException) -> bool:
        if attempt != self._attempt:
            return True
        self._set_busy(False)
        if not isinstance(exc, KnownError):
            self.show_error("Something went wrong while connecting. Details are in the log.")
            return False
        self.show_error(exc.message, self._field_for(exc))
        return True

    def _field_for(self, exc: KnownError) -> QWidget:
        if isinstance(exc, SchemaMismatch):
            return self.login_button
        text = exc.message.lower()
        if "password" in text:
            self.password_edit.selectAll()
            return self.password_edit
        if "not reachable" in text or "did not answer" in text:
            return self.host_edit
        if "database" in text and "does not exist" in text:
            return self.database_edit
        if "secure connection" in text or "certificate" in text:
            self.advanced_button.setChecked(True)
            return self.ca_edit
        if "login" in text:
            return self.login_edit
        return self.password_edit

    def _remember(self, profile: ConnectionProfile, password: str) -> None:
        if self.demo is not None:
            save_demo_login(profile.login)
            return
        save_profile(profile)
        self.keyring.keep(profile, password)

    # -- errors and state -------------------------------------------------------

    def show_error(self, message: str, field: QWidget | None = None) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        grow_to_fit(self)
        if field is not None:
            if isinstance(field, QLineEdit):
                mark_invalid(field, True)
            if field is self.ca_edit:
                self.advanced_button.setChecked(True)
            field.setFocus()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        for edit in self._edits:
            mark_invalid(edit, False)

    @property
    def error_text(self) -> str:
        return self.error_label.text() if self.error_label.isVisible() else ""

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.login_button.setText("Connecting…" if busy else "Log in")
        self.login_button.setEnabled(not busy)
        for widget in (*self._edits, self.demo_combo, self.open_demo_button):
            widget.setEnabled(not busy)
        self.keyring.set_connecting(busy)

    def _field_edited(self) -> None:
        sender = self.sender()
        if isinstance(sender, QLineEdit):
            mark_invalid(sender, False)
        self.keyring.server_or_login_edited()

    def _password_edited(self) -> None:
        mark_invalid(self.password_edit, False)
        self.keyring.password_typed()

    def _toggle_advanced(self, shown: bool) -> None:
        if self.demo is not None:
            return  # the demo server is this computer's: it has no connection settings
        self.advanced.setVisible(shown)
        self.advanced_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.adjustSize()

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "CA certificate",
            str(Path.home()),
            "Certificates (*.crt *.pem *.cer);;All files (*)",
        )
        if path:
            self.ca_edit.setText(path)

    def _demo_login_chosen(self, index: int) -> None:
        if self.demo is None or index < 0:
            return
        self.login_edit.setText(str(self.demo_combo.itemData(index)))
        self.password_edit.setText(self.demo.password)
        self.clear_error()

    def _open_demo(self) -> None:
        self._attempt += 1  # a connection still under way no longer matters
        self.demo_requested.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._attempt += 1
        super().closeEvent(event)

    def reject(self) -> None:
        self._attempt += 1
        super().reject()

    def with_demo_login(self, login: str) -> None:
        """Choose one of the demo logins (tests and the command line)."""
        index = self.demo_combo.findData(login)
        if index >= 0:
            self.demo_combo.setCurrentIndex(index)


def demo_profile(host: str, port: int, database: str) -> ConnectionProfile:
    """The embedded demo server, with the demo login chosen last time."""
    login = str(app_settings().value(f"{DEMO_GROUP}/login", "") or "")
    return ConnectionProfile(host=host, port=port, database=database, login=login)


def save_demo_login(login: str) -> None:
    """Offer this demo login first next time."""
    settings = app_settings()
    settings.setValue(f"{DEMO_GROUP}/login", login)
    settings.sync()
