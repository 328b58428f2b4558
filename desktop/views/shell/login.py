"""The login dialog: which server, which login, and the person's password.

Connecting runs off the GUI thread; what goes wrong (wrong password, server not
reachable, schema newer than this program) is written in red under the fields,
and the dialog stays open with the cursor in the field to fix. The password can
be remembered in the OS keyring, never anywhere else.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.credentials import ConnectionProfile
from desktop.services.errors import KnownError, SchemaMismatch
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
        self._keyring_ok = False
        self._password_from_keyring = False
        self.setObjectName("loginDialog")
        self.setWindowTitle("Log in — ParkDesk")
        self.setWindowIcon(app_icon())
        self.setModal(True)
        self._build()
        self._fill(self.profile)
        self._check_keyring()

    # -- layout -------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._build_banner())
        body = QWidget()
        body.setObjectName("loginBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(28, 18, 28, 22)
        layout.setSpacing(12)
        outer.addWidget(body)
        self._build_notice(layout)
        self._build_form(layout)
        self._build_advanced(layout)
        self._build_footer(layout)
        self._connect_fields()
        self.setMinimumWidth(500)

    def _build_banner(self) -> QFrame:
        banner = QFrame()
        banner.setObjectName("loginBanner")
        banner_layout = QHBoxLayout(banner)
        banner_layout.setContentsMargins(28, 20, 28, 18)
        banner_layout.setSpacing(14)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(44, 44))
        logo.setFixedSize(44, 44)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        title = QLabel("ParkDesk")
        title.setObjectName("loginTitle")
        subtitle = QLabel(
            "Demo database on this computer" if self.demo else "Parking office back-office"
        )
        subtitle.setObjectName("loginSubtitle")
        titles.addWidget(title)
        titles.addWidget(subtitle)
        banner_layout.addWidget(logo)
        banner_layout.addLayout(titles, 1)
        return banner

    def _build_notice(self, layout: QVBoxLayout) -> None:
        self.notice = QLabel()
        self.notice.setObjectName("loginNotice")
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.open_demo_button = QPushButton("Open the demo database")
        self.open_demo_button.setObjectName("openDemoButton")
        self.open_demo_button.setVisible(False)
        self.open_demo_button.setAutoDefault(False)
        self.open_demo_button.clicked.connect(self._open_demo)
        notice_box = QVBoxLayout()
        notice_box.setSpacing(8)
        notice_box.addWidget(self.notice)
        notice_box.addWidget(self.open_demo_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(notice_box)

    def _build_form(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(9)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.host_edit = QLineEdit()
        self.host_edit.setObjectName("hostEdit")
        self.host_edit.setPlaceholderText("db.parking.example.edu")
        self.port_edit = QLineEdit()
        self.port_edit.setObjectName("portEdit")
        self.port_edit.setMaximumWidth(90)
        self.port_edit.setPlaceholderText("5432")
        self.database_edit = QLineEdit()
        self.database_edit.setObjectName("databaseEdit")
        self.database_edit.setPlaceholderText("parkdesk")
        server_row = QHBoxLayout()
        server_row.setSpacing(8)
        server_row.addWidget(self.host_edit, 1)
        port_label = QLabel("Port")
        port_label.setBuddy(self.port_edit)
        server_row.addWidget(port_label)
        server_row.addWidget(self.port_edit)
        server_label = QLabel("&Server")
        server_label.setBuddy(self.host_edit)
        form.addRow(server_label, server_row)
        form.addRow(self._buddy("&Database", self.database_edit), self.database_edit)

        self.demo_combo = QComboBox()
        self.demo_combo.setObjectName("demoLoginCombo")
        if self.demo is not None:
            for role_title, login in self.demo.logins:
                self.demo_combo.addItem(f"{role_title} — {login}", login)
            self.demo_combo.currentIndexChanged.connect(self._demo_login_chosen)
            form.addRow(self._buddy("De&mo login", self.demo_combo), self.demo_combo)
        else:
            self.demo_combo.setVisible(False)

        self.login_edit = QLineEdit()
        self.login_edit.setObjectName("loginEdit")
        self.login_edit.setPlaceholderText("your staff login")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("passwordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_check = QCheckBox("&Remember password")
        self.remember_check.setObjectName("rememberCheck")
        self.remember_check.setEnabled(False)
        self.remember_check.setToolTip("Checking the password store…")
        form.addRow(self._buddy("&Login", self.login_edit), self.login_edit)
        form.addRow(self._buddy("&Password", self.password_edit), self.password_edit)
        form.addRow("", self.remember_check)
        if self.demo is not None:
            # The demo password is published; there is nothing to remember.
            self.remember_check.setVisible(False)
        layout.addLayout(form)

    def _build_advanced(self, layout: QVBoxLayout) -> None:
        self.advanced_button = QToolButton()
        self.advanced_button.setObjectName("advancedToggle")
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.toggled.connect(self._toggle_advanced)
        self.advanced = QWidget()
        self.advanced.setObjectName("advancedSection")
        advanced_form = QFormLayout(self.advanced)
        advanced_form.setContentsMargins(0, 0, 0, 0)
        advanced_form.setHorizontalSpacing(14)
        self.ca_edit = QLineEdit()
        self.ca_edit.setObjectName("caEdit")
        self.ca_edit.setPlaceholderText("default: ~/.postgresql/root.crt")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.setSpacing(8)
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(self.browse_button)
        advanced_form.addRow(self._buddy("CA &certificate", self.ca_edit), ca_row)
        ca_hint = QLabel(
            "Connections to a server on another computer are encrypted, and the server's "
            "certificate must be signed by this authority. Enter “system” to trust the "
            "computer's certificate authorities."
        )
        ca_hint.setObjectName("hint")
        ca_hint.setWordWrap(True)
        advanced_form.addRow("", ca_hint)
        self.advanced.setVisible(False)
        if self.demo is None:
            layout.addWidget(self.advanced_button, 0, Qt.AlignmentFlag.AlignLeft)
            layout.addWidget(self.advanced)
        else:
            self.advanced_button.setVisible(False)

    def _build_footer(self, layout: QVBoxLayout) -> None:
        self.error_label = QLabel()
        self.error_label.setObjectName("loginError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setVisible(False)
        layout.addWidget(self.error_label)

        self.progress = QProgressBar()
        self.progress.setObjectName("loginProgress")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(4)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)

        layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.quit_button = QPushButton("Quit")
        self.quit_button.setAutoDefault(False)
        self.quit_button.clicked.connect(self.reject)
        self.login_button = QPushButton("Log in")
        self.login_button.setObjectName("loginButton")
        self.login_button.setProperty("primary", True)
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.log_in)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.login_button)
        layout.addLayout(buttons)

    def _connect_fields(self) -> None:
        order: list[QWidget] = [self.host_edit, self.port_edit, self.database_edit]
        if self.demo is not None:
            order.append(self.demo_combo)
        order += [self.login_edit, self.password_edit, self.remember_check, self.login_button]
        order.append(self.quit_button)
        if self.demo is None:
            order += [self.advanced_button, self.ca_edit, self.browse_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        for edit in (self.host_edit, self.port_edit, self.database_edit, self.login_edit):
            edit.textEdited.connect(self._field_edited)
        self.password_edit.textEdited.connect(self._password_edited)
        self.login_edit.editingFinished.connect(self._look_up_password)

    @staticmethod
    def _buddy(text: str, field: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(field)
        return label

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
            self.notice.setVisible(True)
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
            self.notice.setVisible(True)
            self.open_demo_button.setVisible(True)
            self.host_edit.setFocus()
        elif profile.login:
            self.password_edit.setFocus()
        else:
            self.login_edit.setFocus()

    # -- reading the fields -------------------------------------------------

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
        port_text = self.port_edit.text().strip()
        checks: list[tuple[QWidget, bool, str]] = [
            (self.host_edit, bool(self.host_edit.text().strip()), "Enter the database server."),
            (self.port_edit, bool(port_text), "Enter the port (usually 5432)."),
            (
                self.port_edit,
                port_text.isdigit() and 1 <= int(port_text) <= 65535,
                "The port is a number from 1 to 65535 (usually 5432).",
            ),
            (self.database_edit, bool(self.database_edit.text().strip()), "Enter the database."),
            (self.login_edit, bool(self.login_edit.text().strip()), "Enter your login."),
            (self.password_edit, bool(self.password_edit.text()), "Enter your password."),
        ]
        ca = self.ca_edit.text().strip()
        checks.append(
            (
                self.ca_edit,
                not ca or ca == "system" or Path(ca).expanduser().is_file(),
                "The CA certificate file does not exist.",
            )
        )
        for field, ok, message in checks:
            if not ok:
                return field, message
        return None

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
        settings = app_settings()
        if self.demo is not None:
            settings.setValue(f"{DEMO_GROUP}/login", profile.login)
            settings.sync()
            return
        save_profile(profile)
        if not self._keyring_ok:
            return
        from desktop.services import credentials

        if self.remember_check.isChecked():
            self.runner.run(lambda: credentials.remember_password(profile, password))
        else:
            self.runner.run(lambda: credentials.forget_password(profile))

    # -- errors and state -------------------------------------------------------

    def show_error(self, message: str, field: QWidget | None = None) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(True)
        grow_to_fit(self)
        if field is not None:
            if isinstance(field, QLineEdit):
                mark_invalid(field, True)
            if field is self.ca_edit:
                self.advanced_button.setChecked(True)
            field.setFocus()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.setVisible(False)
        for edit in (
            self.host_edit,
            self.port_edit,
            self.database_edit,
            self.login_edit,
            self.password_edit,
            self.ca_edit,
        ):
            mark_invalid(edit, False)

    @property
    def error_text(self) -> str:
        return self.error_label.text() if self.error_label.isVisible() else ""

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.login_button.setText("Connecting…" if busy else "Log in")
        self.login_button.setEnabled(not busy)
        for widget in (
            self.host_edit,
            self.port_edit,
            self.database_edit,
            self.login_edit,
            self.password_edit,
            self.demo_combo,
            self.ca_edit,
            self.open_demo_button,
        ):
            widget.setEnabled(not busy)
        self.remember_check.setEnabled(not busy and self._keyring_ok)

    def _field_edited(self) -> None:
        sender = self.sender()
        if isinstance(sender, QLineEdit):
            mark_invalid(sender, False)
        if self._password_from_keyring and sender is not self.password_edit:
            # A different server or login: the remembered password was for the old one.
            self.password_edit.clear()
            self._password_from_keyring = False
            self.remember_check.setChecked(False)

    def _password_edited(self) -> None:
        mark_invalid(self.password_edit, False)
        self._password_from_keyring = False

    def _toggle_advanced(self, shown: bool) -> None:
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

    # -- keyring ----------------------------------------------------------------

    def _check_keyring(self) -> None:
        if self.demo is not None:
            return
        from desktop.services import credentials

        # Loading a keyring backend can take a moment (or talk to D-Bus): off the GUI thread.
        self.runner.run(
            credentials.keyring_problem, while_alive(self, self._keyring_checked), lambda exc: True
        )

    def _keyring_checked(self, problem: str | None) -> None:
        self._keyring_ok = problem is None
        self.remember_check.setEnabled(self._keyring_ok and not self._busy)
        self.remember_check.setToolTip(
            problem or "Keep the password in this computer's password store (keyring)."
        )
        if self._keyring_ok:
            self._look_up_password()

    def _look_up_password(self) -> None:
        if not self._keyring_ok or self.demo is not None or self.password_edit.text():
            return
        profile = self.entered_profile()
        if not profile.login or not profile.host:
            return
        from desktop.services import credentials

        self.runner.run(
            lambda: credentials.stored_password(profile),
            while_alive(self, lambda password: self._fill_password(profile, password)),
            lambda exc: True,
        )

    def _fill_password(self, profile: ConnectionProfile, password: str | None) -> None:
        if password is None or self.password_edit.text() or self.entered_profile() != profile:
            return
        self.password_edit.setText(password)
        self._password_from_keyring = True
        self.remember_check.setChecked(True)

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
