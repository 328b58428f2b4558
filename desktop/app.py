"""The ParkDesk program: the Qt application, the login, the main window, the demo database.

Start-up stays light (the login dialog must appear within two seconds), so the
database layers are imported only when they are first needed, and everything
that waits on a server runs off the GUI thread.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QObject, Qt
from PySide6.QtWidgets import QApplication, QProgressDialog

from desktop.services.credentials import ConnectionProfile
from desktop.services.errors import KnownError
from desktop.views.kit.operations import OperationRunner, show_error
from desktop.views.kit.widgets import APPLICATION, ORGANIZATION, app_icon, stylesheet
from desktop.views.shell.login import DemoAccess, LoginDialog, demo_profile, load_profile

if TYPE_CHECKING:
    from desktop.services.database import ConnectionSettings
    from desktop.services.embedded import EmbeddedServer
    from desktop.services.workspace import Workspace
    from desktop.views.shell.main_window import MainWindow

log = logging.getLogger(__name__)

DEMO_STARTING = "Starting the demo database…"


@dataclass(frozen=True)
class DemoDatabase:
    """The embedded demo server, ready for the demo logins."""

    server: EmbeddedServer
    host: str
    port: int
    database: str
    #: True when this process started the server (and so stops it on exit).
    started_here: bool
    password: str
    logins: tuple[tuple[str, str], ...]  # (role title, login)

    def access(self) -> DemoAccess:
        return DemoAccess(password=self.password, logins=self.logins)

    def settings(self, login: str) -> ConnectionSettings:
        return ConnectionProfile(self.host, self.port, self.database, login).settings(self.password)


def prepare_demo(data_dir: Path | None = None, *, durable: bool = True) -> DemoDatabase:
    """Start the embedded server, bring its schema up to date and add the demo data when empty.

    Blocking (it may initialise a new cluster): call it off the GUI thread.
    """
    from desktop.services import admin
    from desktop.services.database import admin_engine
    from desktop.services.embedded import DATABASE_NAME, EmbeddedServer
    from desktop.services.seed import DEMO_LOGINS, DEMO_PASSWORD, seed
    from desktop.services.workspace import ROLE_TITLES

    server = EmbeddedServer(data_dir, durable=durable)
    was_running = server.status().running
    url = server.start()
    engine = admin_engine(url)
    try:
        admin.upgrade(engine)
    finally:
        engine.dispose()
    report = seed(url, "demo")
    log.info("demo database ready: %s", report.describe())
    host, port = server.staff_host()
    logins = tuple(
        (ROLE_TITLES.get(role, role.title()), login) for role, login in DEMO_LOGINS.items()
    )
    return DemoDatabase(
        server=server,
        host=host,
        port=port,
        database=DATABASE_NAME,
        started_here=not was_running,
        password=DEMO_PASSWORD,
        logins=logins,
    )


def configure_application(app: QApplication) -> None:
    # The program speaks English on every computer (month names included, as every date
    # the program writes itself says "7 Dec 2026"); the computer's country stays, for the
    # calendar's first day of the week.
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.system().territory()))
    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANIZATION)
    app.setStyle("Fusion")
    app.setWindowIcon(app_icon())
    app.setStyleSheet(stylesheet())
    # Windows come and go (login, main window, login again): quitting is decided here.
    app.setQuitOnLastWindowClosed(False)


class ParkDeskShell(QObject):
    """Moves one person from the login to the main window and back, and owns the demo server."""

    def __init__(self, app: QApplication, data_dir: Path | None = None) -> None:
        super().__init__()
        self.app = app
        self.data_dir = data_dir
        self.runner = OperationRunner(self)
        self.demo: DemoDatabase | None = None
        self.login_dialog: LoginDialog | None = None
        self.window: MainWindow | None = None
        self.workspace: Workspace | None = None
        self.progress: QProgressDialog | None = None
        self._logging_out = False
        self._quit_when_ready = False

    def start(self, demo: bool) -> None:
        if demo:
            self.start_demo()
        else:
            self.show_login(load_profile())

    # -- the demo database ----------------------------------------------------------

    def start_demo(self) -> None:
        if self.demo is not None:
            self.show_demo_login()
            return
        progress = QProgressDialog(DEMO_STARTING, "Quit", 0, 0)
        progress.setObjectName("demoProgress")
        progress.setWindowTitle("ParkDesk")
        progress.setWindowModality(Qt.WindowModality.ApplicationModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setMinimumWidth(360)
        progress.canceled.connect(self._demo_cancelled)
        progress.show()
        self.progress = progress
        data_dir = self.data_dir
        self.runner.run(lambda: prepare_demo(data_dir), self._demo_ready, self._demo_failed)

    def _demo_cancelled(self) -> None:
        # The server may be half-way through starting: quit once it is up, then stop it.
        self._quit_when_ready = True
        if self.progress is not None:
            self.progress.setLabelText("Stopping…")

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.canceled.disconnect(self._demo_cancelled)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _demo_ready(self, demo: DemoDatabase) -> None:
        self.demo = demo
        if self._quit_when_ready:
            self.app.quit()
            return
        self.show_demo_login()
        self._close_progress()

    def _demo_failed(self, exc: BaseException) -> bool:
        if self._quit_when_ready:
            self.app.quit()
            return True
        if not isinstance(exc, KnownError):
            log.error("the demo database could not be prepared", exc_info=exc)
        self._close_progress()
        show_error(None, exc)
        self.show_login(load_profile())
        return True

    def show_demo_login(self) -> None:
        if self.demo is None:
            return
        profile = demo_profile(self.demo.host, self.demo.port, self.demo.database)
        self._show_login_dialog(profile, self.demo.access())

    # -- login and main window ---------------------------------------------------------

    def show_login(self, profile: ConnectionProfile) -> None:
        self._show_login_dialog(profile, None)

    def _show_login_dialog(self, profile: ConnectionProfile, demo: DemoAccess | None) -> None:
        dialog = LoginDialog(self.runner, profile, demo=demo)
        dialog.logged_in.connect(self._logged_in)
        dialog.demo_requested.connect(self._switch_to_demo)
        dialog.rejected.connect(self._login_cancelled)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        old = self.login_dialog
        self.login_dialog = dialog
        if old is not None:
            self._discard_dialog(old)

    def _discard_dialog(self, dialog: LoginDialog) -> None:
        dialog.rejected.disconnect(self._login_cancelled)
        dialog.close()
        dialog.deleteLater()

    def _switch_to_demo(self) -> None:
        dialog = self.login_dialog
        self.login_dialog = None
        if dialog is not None:
            self._discard_dialog(dialog)
        self.start_demo()

    def _login_cancelled(self) -> None:
        if self.window is None:
            self.app.quit()

    def _logged_in(self, workspace: Workspace) -> None:
        from desktop.views.shell.main_window import MainWindow

        self.workspace = workspace
        window = MainWindow(workspace, self.runner)
        window.logout_requested.connect(self.log_out)
        window.closed.connect(self._window_closed)
        window.show()
        self.window = window
        dialog = self.login_dialog
        self.login_dialog = None
        if dialog is not None:
            dialog.rejected.disconnect(self._login_cancelled)
            dialog.deleteLater()

    def log_out(self) -> None:
        window, workspace = self.window, self.workspace
        self._logging_out = True
        if self.demo is not None:
            self.show_demo_login()
        else:
            self.show_login(load_profile())
        if window is not None:
            window.close()
            window.deleteLater()
        self.window = None
        self.workspace = None
        self._logging_out = False
        if workspace is not None:
            self._close_when_idle(workspace)

    def _close_when_idle(self, workspace: Workspace) -> None:
        """Close the logged-out workspace once the desks' last reads are done: a read that
        took a connection after the pool was closed would keep it open, unseen."""
        if not self.runner.busy:
            self.runner.run(workspace.close)
            return

        def idle(busy: bool) -> None:
            if not busy:
                self.runner.busy_changed.disconnect(idle)
                self.runner.run(workspace.close)

        self.runner.busy_changed.connect(idle)

    def _window_closed(self) -> None:
        if not self._logging_out:
            self.app.quit()

    def shut_down(self) -> None:
        """After the event loop: close the windows and connections, stop a demo server we
        started. The windows are deleted with the next deferred deletions."""
        self._close_progress()
        if self.login_dialog is not None:
            self._discard_dialog(self.login_dialog)
            self.login_dialog = None
        if self.window is not None:
            self.window.shut_down()
            self.window.close()
            self.window.deleteLater()
            self.window = None
        # The reads still running finish first: one that took a connection after the
        # pool was closed would keep it open.
        self.runner.wait_for_done()
        if self.workspace is not None:
            self.workspace.close()
        self.runner.wait_for_done()
        if self.demo is not None and self.demo.started_here:
            try:
                self.demo.server.stop()
            except KnownError as exc:
                log.warning("the demo server did not stop: %s", exc.message)


def run_gui(demo: bool, data_dir: Path | None = None) -> int:
    """Run the desktop program until the person quits; returns the exit status.

    Everything Qt is torn down here, windows before the application, while the
    interpreter is still whole: nothing Qt is left for Python's own shutdown.
    """
    from desktop.logconfig import setup_logging
    from desktop.qt_workarounds import keep_bools_alive_under_signal_refcount_bug

    existing = QApplication.instance()
    if existing is None:
        from desktop.display_check import display_problem

        problem = display_problem()
        if problem is not None:
            print(problem, file=sys.stderr)
            return 1
    setup_logging()
    keep_bools_alive_under_signal_refcount_bug()
    if isinstance(existing, QApplication):
        app, owned = existing, False
    else:
        app, owned = QApplication(sys.argv), True
    configure_application(app)
    from desktop.qt_workarounds import collect_garbage_on_gui_thread

    collect_garbage_on_gui_thread(app)
    shell = ParkDeskShell(app, data_dir)
    shell.start(demo)
    try:
        return app.exec()
    finally:
        shell.shut_down()
        shell.deleteLater()
        del shell
        # deleteLater() after the event loop: delete the windows and the shell now.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if owned:
            app.shutdown()
