"""The login dialog: which server, which login, and the person's password.

Connecting runs off the GUI thread; what goes wrong is written in red under the field
it is about (a wrong password under the password, a server not reachable under the
server), or under the fields when it is about none of them (a schema newer than this
program), and the dialog stays open with the cursor in the field to fix. The password
can be remembered in the OS keyring, never anywhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
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
from desktop.services.errors import ConnectionProblem, FieldProblem, KnownError, ValidationError
from desktop.views.kit.forms import FieldBox, FormDialog
from desktop.views.kit.layout import (
    STRETCH,
    button,
    hbox,
    holder,
    label,
    line_edit,
    named,
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
    while_alive,
)

if TYPE_CHECKING:
    from desktop.services.database import ConnectionSettings
    from desktop.services.workspace import Workspace

log = logging.getLogger(__name__)

CONNECTION_GROUP = "connection"
DEMO_LOGIN_KEY = "demo/login"

#: The typed fields, in screen order: caption, object name, an example while empty.
TEXT_FIELDS = {
    "host": ("&Server", "hostEdit", "db.parking.example.edu"),
    "port": ("Port", "portEdit", "5432"),
    "database": ("&Database", "databaseEdit", "parkdesk"),
    "login": ("&Login", "loginEdit", "your staff login"),
    "password": ("&Password", "passwordEdit", ""),
    "sslrootcert": ("CA &certificate", "caEdit", "default: ~/.postgresql/root.crt"),
}

#: A failure that is a bug: the runner shows the details, the dialog says where they are.
SOMETHING_WRONG = "Something went wrong while connecting. Details are in the log."


@dataclass(frozen=True)
class DemoAccess:
    """The published demo logins of the embedded database, offered in a combo."""

    password: str
    logins: tuple[tuple[str, str], ...]  # (role title, login)


def load_profile() -> ConnectionProfile:
    """The central server remembered from the last successful login (may be unconfigured)."""
    settings, keys = app_settings(), ConnectionProfile().to_dict()
    return ConnectionProfile.from_dict({k: settings.value(f"{CONNECTION_GROUP}/{k}") for k in keys})


def remember_settings(values: dict[str, str]) -> None:
    """Keep these for the next login: the server logged in to, or the demo login chosen."""
    settings = app_settings()
    for key, value in values.items():
        settings.setValue(key, value)
    settings.sync()


def open_workspace(settings: ConnectionSettings) -> Workspace:
    """Connect (blocking: runs on a worker thread)."""
    from desktop.services.workspace import Workspace

    return Workspace.open(settings)


def _beside(form: QFormLayout, box: FieldBox, field: QLayout | None = None) -> None:
    """A form row: the box's caption in the caption column, beside its editor, and the
    box (the editor with its message under it) in the field column, or ``field`` holding
    the box. Captions beside the fields keep the login window compact."""
    layout = box.layout()
    if layout is not None:
        layout.removeWidget(box.caption)
    form.addRow(box.caption, box if field is None else field)


class LoginDialog(FormDialog):
    """Asks where and as whom to connect, and connects.

    Logging in checks the fields here, each message under its field, then connects off
    the GUI thread (see :meth:`accept`); the dialog closes once the person is logged in.
    The "Remember password" box keeps the password in the OS keyring (if this computer
    has one) for the server and login typed; keyring failures only mean nothing is kept.
    """

    #: The opened :class:`Workspace`, after a successful login.
    logged_in = Signal(object)
    #: The person chose "Open the demo database".
    demo_requested = Signal()

    #: In screen order: the first with a problem gets the cursor.
    FIELDS = tuple(TEXT_FIELDS)
    #: Connects, and keeps a remembered password (a login is never read-only).
    runner: OperationRunner

    def __init__(
        self,
        runner: OperationRunner,
        profile: ConnectionProfile | None = None,
        *,
        demo: DemoAccess | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, accept_text="Log in", busy_text="Connecting…", parent=parent)
        self.demo = demo
        self.profile = profile or ConnectionProfile()
        self._attempt = 0
        self._keyring_ready = False  # the keyring said it can keep passwords
        self._password_kept = False  # the password field holds what the keyring kept
        self.setObjectName("loginDialog")
        self.setWindowTitle("Log in — ParkDesk")
        self.setWindowIcon(app_icon())
        self.setModal(True)
        self._build()
        self._show_profile(self.profile)
        if demo is None:  # the demo password is published: there is nothing to remember
            # Loading a keyring backend can take a moment (or talk to D-Bus): off the GUI thread.
            self.runner.run(
                credentials.keyring_problem,
                while_alive(self, self._keyring_checked),
                lambda exc: True,
            )

    def _build(self) -> None:
        if self.save_button is None:  # pragma: no cover - a login is never read-only
            raise RuntimeError("The login dialog needs its Log in button.")
        self.login_button = named(self.save_button, "loginButton")
        self.quit_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.quit_button.setText("Quit")
        body = vbox(
            self._build_notice(),
            self._build_form(),
            *self._build_advanced(),
            *self._build_progress(),
            STRETCH,
            self.buttons,
            margins=(28, 18, 28, 22),
            spacing=12,
        )
        vbox(self._build_banner(), named(holder(body), "loginBody"), spacing=0, parent=self)
        for plain in (self.open_demo_button, self.browse_button):
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
        banner = named(QFrame(), "loginBanner")
        hbox(logo, (titles, 1), margins=(28, 20, 28, 18), spacing=14, parent=banner)
        return banner

    def _build_notice(self) -> QLayout:
        """What this window connects to, when it is not the office's server as usual."""
        self.intro = label(name="loginNotice", wrap=True)
        self.intro.hide()
        self.open_demo_button = named(
            button("Open the demo database", self._open_demo, visible=False), "openDemoButton"
        )
        return vbox(self.intro, hbox(self.open_demo_button, STRETCH), spacing=8)

    def _build_form(self) -> QFormLayout:
        self.edits = {
            name: named(line_edit(placeholder=example), object_name)
            for name, (_caption, object_name, example) in TEXT_FIELDS.items()
        }
        self.boxes = {name: FieldBox(TEXT_FIELDS[name][0], e) for name, e in self.edits.items()}
        (
            self.host_edit,
            self.port_edit,
            self.database_edit,
            self.login_edit,
            self.password_edit,
            self.ca_edit,
        ) = self.edits.values()
        self.port_edit.setMaximumWidth(90)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.demo_combo = named(QComboBox(), "demoLoginCombo")
        self.remember_check = named(QCheckBox("&Remember password"), "rememberCheck")
        self.remember_check.setEnabled(False)
        self.remember_check.setToolTip("Checking the password store…")

        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(9)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # The port has a row of its own: its message needs the width of the form.
        for name in ("host", "port", "database"):
            _beside(form, self.boxes[name])
        if self.demo is not None:
            for role_title, login in self.demo.logins:
                self.demo_combo.addItem(f"{role_title} — {login}", login)
            self.demo_combo.currentIndexChanged.connect(self._demo_login_chosen)
            _beside(form, FieldBox("De&mo login", self.demo_combo))
            self.remember_check.hide()
        else:
            self.demo_combo.hide()
        _beside(form, self.boxes["login"])
        _beside(form, self.boxes["password"])
        form.addRow("", self.remember_check)
        return form

    def _build_advanced(self) -> list[QWidget | QLayout]:
        """The CA certificate, behind an "Advanced" toggle (a demo database needs none)."""
        style, arrow = Qt.ToolButtonStyle.ToolButtonTextBesideIcon, Qt.ArrowType.RightArrow
        self.advanced_button = named(
            QToolButton(toolButtonStyle=style, arrowType=arrow), "advancedToggle"
        )
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.browse_button = button("Browse…", self._browse_ca)
        ca_hint = label(
            "Connections to a server on another computer are encrypted, and the server's "
            "certificate must be signed by this authority. Enter “system” to trust the "
            "computer's certificate authorities.",
            name="hint",
            wrap=True,
        )
        ca_box = self.boxes.pop("sslrootcert")
        ca_row = hbox((ca_box, 1), self.browse_button, spacing=8)
        ca_row.setAlignment(self.browse_button, Qt.AlignmentFlag.AlignTop)  # beside the field
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(14)
        _beside(form, ca_box, ca_row)
        form.addRow("", ca_hint)
        self.advanced = named(holder(form, visible=False), "advancedSection")
        if self.demo is not None:
            # The demo server is this computer's: it has no connection settings, and a
            # certificate message is said under the fields, with no section to open for it.
            self.advanced_button.hide()
            return []
        self.advanced_button.toggled.connect(self._toggle_advanced)
        self.boxes["sslrootcert"] = ca_box
        return [hbox(self.advanced_button, STRETCH), self.advanced]

    def _build_progress(self) -> tuple[QLabel, QProgressBar]:
        """The message about no field in particular, and the bar that runs while connecting."""
        self.general_problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = named(QProgressBar(maximum=0, textVisible=False), "loginProgress")
        self.progress.setFixedHeight(4)
        self.progress.hide()
        return self.general_problem, self.progress

    def _connect_fields(self) -> None:
        demo = [self.demo_combo] if self.demo is not None else []
        advanced = [] if demo else [self.advanced_button, self.ca_edit, self.browse_button]
        server = (self.host_edit, self.port_edit, self.database_edit)
        person = (self.login_edit, self.password_edit, self.remember_check)
        tab_order(*server, *demo, *person, self.login_button, self.quit_button, *advanced)
        for name, edit in self.edits.items():
            edit.textEdited.connect(partial(self._typed, name))
        self.login_edit.editingFinished.connect(self._look_up_password)

    def _show_profile(self, profile: ConnectionProfile) -> None:
        for name, value in profile.to_dict().items():
            self.edits[name].setText(value)
        if profile.sslrootcert:
            self.advanced_button.setChecked(True)
        if self.demo is not None:
            for edit in (self.host_edit, self.port_edit, self.database_edit):
                edit.setReadOnly(True)
            self.intro.setText(
                "ParkDesk runs its own database on this computer, filled with made-up parkers "
                "and vehicles. Pick a demo login to see a desk as that role sees it."
            )
            self.intro.show()
            wanted = profile.login or self.demo.logins[0][1]
            index = max(0, self.demo_combo.findData(wanted))
            self.demo_combo.setCurrentIndex(index)
            self._demo_login_chosen(index)
            self.demo_combo.setFocus()
        elif not profile.configured:
            self.intro.setText(
                "No central database server is set up on this computer yet. Enter the server "
                "your administrator gave you, or open the demo database to try ParkDesk."
            )
            self.intro.show()
            self.open_demo_button.show()
            self.host_edit.setFocus()
        elif profile.login:
            self.password_edit.setFocus()
        else:
            self.login_edit.setFocus()

    def entered_profile(self) -> ConnectionProfile:
        """The fields as typed (the port may be garbage: see :meth:`_save_call`)."""
        text = {name: edit.text().strip() for name, edit in self.edits.items()}
        try:
            port = int(text["port"])
        except ValueError:
            port = 0
        return ConnectionProfile(
            text["host"], port, text["database"], text["login"], text["sslrootcert"]
        )

    @property
    def busy(self) -> bool:
        return self._saving

    def _save_call(self) -> None:
        """Only checks what cannot work as typed, each field's first problem said under
        it: connecting is this dialog's own next step (see :meth:`accept`)."""
        typed = self.entered_profile()
        port, ca = self.port_edit.text().strip(), typed.sslrootcert
        checks: tuple[tuple[str, bool, str], ...] = (
            ("host", bool(typed.host), "Enter the database server."),
            ("port", bool(port), "Enter the port (usually 5432)."),
            (
                "port",
                port.isascii() and port.isdigit() and 1 <= int(port) <= 65535,
                "The port is a number from 1 to 65535 (usually 5432).",
            ),
            ("database", bool(typed.database), "Enter the database."),
            ("login", bool(typed.login), "Enter your login."),
            ("password", bool(self.password_edit.text()), "Enter your password."),
            (
                "sslrootcert",
                not ca or ca == "system" or Path(ca).expanduser().is_file(),
                "The CA certificate file does not exist.",
            ),
        )
        problems = [FieldProblem(name, message) for name, ok, message in checks if not ok]
        if problems:
            raise ValidationError(problems)

    def accept(self) -> None:
        """The fields are sound: connect off the GUI thread. The dialog closes once the
        person is logged in, and stays open with the reason when the server refuses."""
        profile = self.entered_profile()
        password = self.password_edit.text()
        settings = profile.settings(password)
        self._set_busy(True)
        self._attempt += 1
        attempt = self._attempt

        def connected(workspace: Workspace) -> None:
            if alive(self) and attempt == self._attempt:
                self._connected(profile, password, workspace)
            else:  # the person gave up (closed the dialog) while we were connecting
                workspace.close()

        self.runner.run(
            lambda: open_workspace(settings),
            connected,
            failure_while_alive(self, lambda exc: self._refused(attempt, exc)),
            parent=self,
        )

    def _connected(self, profile: ConnectionProfile, password: str, workspace: Workspace) -> None:
        self._set_busy(False)
        if self.demo is not None:  # offered first next time
            remember_settings({DEMO_LOGIN_KEY: profile.login})
        else:
            remember_settings({f"{CONNECTION_GROUP}/{k}": v for k, v in profile.to_dict().items()})
            self._keep_password(profile, password)
        self.logged_in.emit(workspace)
        super().accept()

    def _refused(self, attempt: int, exc: BaseException) -> bool:
        """Say why the login failed, under the field to fix when there is one; a bug is
        also reported by the runner, with its details."""
        if attempt != self._attempt:
            return True
        if isinstance(exc, KnownError):
            field = exc.field if isinstance(exc, ConnectionProblem) else "general"
            problem = FieldProblem(field, exc.message)
        else:
            problem = FieldProblem("general", SOMETHING_WRONG)
        self._set_busy(False)
        self.show_problems([problem])
        if problem.field == "password":
            self.password_edit.selectAll()  # typing again replaces the wrong one
        elif problem.field not in self.boxes:
            self.login_button.setFocus(Qt.FocusReason.OtherFocusReason)
        return isinstance(exc, KnownError)

    def show_problems(self, problems: Iterable[FieldProblem]) -> None:
        problems = list(problems)
        if "sslrootcert" in self.boxes and any(p.field == "sslrootcert" for p in problems):
            self.advanced_button.setChecked(True)  # the message and its field in sight
        super().show_problems(problems)

    def _set_busy(self, busy: bool) -> None:
        super()._set_busy(busy)
        self.progress.setVisible(busy)
        for widget in (*self.edits.values(), self.demo_combo, self.open_demo_button):
            widget.setEnabled(not busy)
        self.remember_check.setEnabled(self._keyring_ready and not busy)

    def _typed(self, name: str, _text: str) -> None:
        self._edited(name)
        if name == "password":
            self._password_kept = False
        elif name != "sslrootcert" and self._password_kept:
            # The password filled in from the keyring was for the old server or login.
            self.password_edit.clear()
            self._password_kept = False
            self.remember_check.setChecked(False)

    def _keyring_checked(self, problem: str | None) -> None:
        self._keyring_ready = problem is None
        self.remember_check.setEnabled(self._keyring_ready and not self.busy)
        self.remember_check.setToolTip(
            problem or "Keep the password in this computer's password store (keyring)."
        )
        self._look_up_password()

    def _look_up_password(self) -> None:
        """Fill in the password kept for the server and login typed, if none is typed."""
        profile = self.entered_profile()
        if (
            not (self._keyring_ready and profile.login and profile.host)
            or self.password_edit.text()
        ):
            return

        def found(password: str | None) -> None:
            if password is None or self.password_edit.text() or self.entered_profile() != profile:
                return
            self.password_edit.setText(password)
            self._password_kept = True
            self.remember_check.setChecked(True)

        self.runner.run(
            lambda: credentials.stored_password(profile), while_alive(self, found), lambda e: True
        )

    def _keep_password(self, profile: ConnectionProfile, password: str) -> None:
        """After a login: keep the password when the box is ticked, else forget it."""
        if not self._keyring_ready:
            return
        if self.remember_check.isChecked():
            self.runner.run(lambda: credentials.remember_password(profile, password))
        else:
            self.runner.run(lambda: credentials.forget_password(profile))

    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.adjustSize()
        grow_to_fit(self)  # the size hint takes too few lines for the wrapped hint

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "CA certificate",
            str(Path.home()),
            "Certificates (*.crt *.pem *.cer);;All files (*)",
        )
        if path:
            self.ca_edit.setText(path)
            self._edited("sslrootcert")

    def _demo_login_chosen(self, index: int) -> None:
        if self.demo is None or index < 0:
            return
        self.login_edit.setText(str(self.demo_combo.itemData(index)))
        self.password_edit.setText(self.demo.password)
        self.clear_problems()

    def _open_demo(self) -> None:
        self._attempt += 1  # a connection still under way no longer matters
        self.demo_requested.emit()

    def reject(self) -> None:
        self._attempt += 1  # closing the window comes here too
        super().reject()

    def with_demo_login(self, login: str) -> None:
        """Choose one of the demo logins (tests and the command line)."""
        index = self.demo_combo.findData(login)
        if index >= 0:
            self.demo_combo.setCurrentIndex(index)


def demo_profile(host: str, port: int, database: str) -> ConnectionProfile:
    """The embedded demo server, with the demo login chosen last time."""
    login = str(app_settings().value(DEMO_LOGIN_KEY, "") or "")
    return ConnectionProfile(host=host, port=port, database=database, login=login)
