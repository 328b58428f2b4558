"""The main window: the desks a person's roles allow, and whether the data is live.

The navigation lists only the desks the database roles open (an officer login,
meant for field devices, gets the plate check alone). The status bar names the
server and the login and shows the live-change connection; when it is lost a
banner says so until it is back.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.views.kit.layout import hbox, label, named, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import DeskHeader, EmptyState, StateDot, app_icon, app_settings

if TYPE_CHECKING:
    from desktop.services.workspace import Workspace
    from desktop.views.kit.desk import Desk
    from desktop.views.kit.live import LiveChanges

log = logging.getLogger(__name__)

#: Desk key -> its navigation title, one line saying what it is for, and its desk class
#: (imported when the desk is first opened).
DESKS: dict[str, tuple[str, str, str]] = {
    "parkers": (
        "Parkers & vehicles",
        "Find, register and update parkers and the vehicles they park.",
        "desktop.views.parkers.desk.ParkerDesk",
    ),
    "permits": (
        "Permits & payments",
        "Sell, renew, transfer and cancel permits; waitlists, temporary permits and receipts.",
        "desktop.views.permits.desk.PermitDesk",
    ),
    "citations": (
        "Citations",
        "Find citations by number or plate, see their photos and fines, take payments.",
        "desktop.views.citations.desk.CitationsDesk",
    ),
    "appeals": (
        "Appeals",
        "The appeal queue: the case timeline of a citation, decisions and hearings; filing.",
        "desktop.views.appeals.desk.AppealsDesk",
    ),
    "cash_drawer": (
        "Cash drawer",
        "Open a shift with a counted float, close it with a blind count, sign off variances.",
        "desktop.views.cash_drawer.desk.CashDrawerDesk",
    ),
    "plate_check": (
        "Plate check",
        "Type a plate: is it allowed to park here, now?",
        "desktop.views.plate_check.desk.PlateCheckDesk",
    ),
    "permit_setup": (
        "Permit types & lots",
        "Prices, validity, eligibility, lots and capacity, and the office's settings.",
        "desktop.views.setup.desk.PermitSetupDesk",
    ),
    "enforcement_setup": (
        "Enforcement set-up",
        "Violation codes and fines, escalation, devices and numbers, zones and exemptions.",
        "desktop.views.enforcement_setup.desk.EnforcementSetupDesk",
    ),
    "security": (
        "Security",
        "Watchlist alerts as they happen, the watchlist, incidents and trespass notices.",
        "desktop.views.security.desk.SecurityDesk",
    ),
    "staff": (
        "Staff logins",
        "Who can log in to ParkDesk, and with which roles.",
        "desktop.views.staff.desk.StaffDesk",
    ),
}
#: Desks opened at login rather than when first chosen: they watch for what must reach the
#: person wherever they are working (the watchlist's alerts).
EAGER_DESKS = ("security",)
READ_ONLY_NOTE = "Your role can look things up here but not change them."
OFFLINE_BANNER = "Connection to the database lost — reconnecting…"
GEOMETRY_KEY = "mainWindow/geometry"
DESK_KEY = "mainWindow/desk"
MAX_DESK_SHORTCUTS = 9
#: A change of the office's settings is read again after this pause (one read a burst).
OFFICE_DELAY_MS = 300
DEFAULT_WIDTH, DEFAULT_HEIGHT = 1200, 780
#: The list of desks down the left of the window.
SIDEBAR_WIDTH = 200
LIVE_TIPS = {
    "live": "Changes made by anyone appear here as they happen.",
    "connecting": "Connecting to the database for live changes…",
    "offline": "The connection to the database was lost; ParkDesk keeps retrying.",
}


def _quiet(exc: BaseException) -> bool:
    """The office's zone could not be read again: the desks keep the one they had."""
    log.info("the office's time zone was not read again: %s", exc)
    return True


def _titles(key: str) -> tuple[str, str]:
    """A desk's navigation title and the line saying what it is for."""
    title, purpose, _desk = DESKS.get(key, (key.title(), "", ""))
    return title, purpose


def default_size(widget: QWidget) -> QSize:
    """1200 by 780, or a little less than the screen on a small one."""
    screen = widget.screen().availableGeometry()
    return QSize(
        min(DEFAULT_WIDTH, int(screen.width() * 0.95)),
        min(DEFAULT_HEIGHT, int(screen.height() * 0.95)),
    )


class MainWindow(QMainWindow):
    """One logged-in person's ParkDesk."""

    #: File → Log out: the application closes this window and shows the login again.
    logout_requested = Signal()
    #: The window was closed (by Quit, the close button, or after logging out).
    closed = Signal()

    def __init__(
        self,
        workspace: Workspace,
        runner: OperationRunner,
        live: LiveChanges | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self.identity = workspace.identity
        self._shut_down = False
        self._owns_live = live is None
        if live is None:
            from desktop.services.live import ChangeListener
            from desktop.views.kit.live import LiveChanges

            # No Qt parent: callbacks still in flight at close must find it alive.
            live = LiveChanges(ChangeListener(workspace.settings), runner)
        self.live = live
        self.desk_keys = self.identity.desks()
        self._desks: dict[str, QWidget] = {}
        self.setObjectName("mainWindow")
        self.setWindowIcon(app_icon())
        self.setWindowTitle("ParkDesk")
        self._build()
        self._build_menus()
        self._restore_geometry()
        self._open_eager_desks()
        self.live.state_changed.connect(self.show_live_state)
        self.show_live_state(self.live.state)
        self._watch_office_clock()
        if self._owns_live:
            self.live.start()

    def _build(self) -> None:
        self.banner = named(QFrame(), "offlineBanner")
        self.banner_label = label(OFFLINE_BANNER, name="offlineBannerText")
        hbox((self.banner_label, 1), margins=(16, 8, 16, 8), parent=self.banner)
        self.banner.setVisible(False)
        central = named(QWidget(), "mainCentral")
        body = hbox(self._build_sidebar(), (self._build_content(), 1), spacing=0)
        vbox(self.banner, (body, 1), spacing=0, parent=central)
        self.setCentralWidget(central)
        self._build_status_bar()

    def _build_sidebar(self) -> QFrame:
        self.sidebar = named(QFrame(), "deskSidebar")
        self.sidebar.setFixedWidth(SIDEBAR_WIDTH)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(30, 30))
        brand = named(QWidget(), "brand")
        hbox(logo, (label("ParkDesk", name="brandName"), 1), margins=18, spacing=10, parent=brand)
        self.nav = named(QListWidget(), "deskNav")
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for index, key in enumerate(self.desk_keys):
            item = QListWidgetItem(_titles(key)[0])
            item.setData(Qt.ItemDataRole.UserRole, key)
            if index < MAX_DESK_SHORTCUTS:
                item.setToolTip(f"{_titles(key)[0]} (Ctrl+{index + 1})")
            self.nav.addItem(item)
        person = named(QWidget(), "sidebarPerson")
        vbox(
            label(self.identity.full_name or self.identity.login, name="sidebarName"),
            label(self.identity.role_titles(), name="sidebarRoles", wrap=True),
            margins=(18, 12, 18, 16),
            spacing=2,
            parent=person,
        )
        vbox(brand, (self.nav, 1), person, spacing=0, parent=self.sidebar)
        return self.sidebar

    def _build_content(self) -> QWidget:
        content = named(QWidget(), "content")
        self.header = DeskHeader()
        self.stack = named(QStackedWidget(), "deskStack")
        vbox(self.header, (self.stack, 1), spacing=0, parent=content)
        self._holders: list[QVBoxLayout] = []
        self.no_desk_page: EmptyState | None = None
        for _key in self.desk_keys:
            holder = QWidget()
            # Desks line up with the header title (24 px in, with their own 8 px).
            self._holders.append(vbox(margins=(16, 4, 16, 8), parent=holder))
            self.stack.addWidget(holder)
        if self.desk_keys:
            self.nav.currentRowChanged.connect(self._desk_chosen)
        else:
            self.header.set_text("No desk for this login", "")
            self.no_desk_page = EmptyState(
                "There is no desk for your login in this program",
                f"Your login {self.identity.login} has the role "
                f"{self.identity.role_titles()}. That role is for the enforcement devices in "
                "the field, which record plate reads and citations straight into the database. "
                "If you need to work at a desk here, ask your administrator to give your login "
                "a desk role such as Clerk or Manager.",
            )
            self.stack.addWidget(self.no_desk_page)
        return content

    def _build_status_bar(self) -> None:
        # Imported here: the live-change kit pulls in the database layer.
        from desktop.views.kit.live import STATE_TITLES

        status = self.statusBar()
        status.setObjectName("statusBar")
        status.setSizeGripEnabled(True)
        identity = self.identity
        self.server_label = label(
            f"Server {identity.server} · database {identity.database}", name="statusServer"
        )
        who = f"{identity.full_name} ({identity.login})" if identity.full_name else identity.login
        self.login_label = label(
            f"Logged in as {who} — {identity.role_titles()}", name="statusLogin"
        )
        self.live_dot = StateDot()
        self.live_label = label(name="statusLive")
        # Wide enough for the longest state, so the status bar does not jump about.
        widest = max(
            self.live_label.fontMetrics().horizontalAdvance(t) for t in STATE_TITLES.values()
        )
        self.live_label.setMinimumWidth(widest + 32)  # the stylesheet pads labels by 8 px
        live_box = QWidget()
        hbox(self.live_dot, self.live_label, margins=(8, 0, 4, 0), spacing=6, parent=live_box)
        status.addWidget(self.server_label)
        status.addWidget(self.login_label)
        status.addPermanentWidget(live_box)

    def _build_menus(self) -> None:
        def add(menu: QMenu, text: str, slot: Callable[[], object], key: str = "") -> QAction:
            action = QAction(text, self)
            menu.addAction(action)
            if key:
                action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda _checked=False: slot())
            return action

        file_menu = self.menuBar().addMenu("&File")
        self.logout_action = add(file_menu, "&Log out", self.log_out, "Ctrl+Shift+L")
        file_menu.addSeparator()
        self.quit_action = add(file_menu, "&Quit", self.close, "Ctrl+Q")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.desk_actions: list[QAction] = []
        if self.desk_keys:
            go_menu = self.menuBar().addMenu("&Desks")
            for index, key in enumerate(self.desk_keys[:MAX_DESK_SHORTCUTS]):
                slot = partial(self.show_desk_at, index)
                self.desk_actions.append(add(go_menu, _titles(key)[0], slot, f"Ctrl+{index + 1}"))
        help_menu = self.menuBar().addMenu("&Help")
        self.about_action = add(help_menu, "&About ParkDesk", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _restore_geometry(self) -> None:
        settings = app_settings()
        geometry = settings.value(GEOMETRY_KEY)
        if not (isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)):
            self.resize(default_size(self))
        if self.desk_keys:
            last = str(settings.value(DESK_KEY, "") or "")
            self.show_desk(last if last in self.desk_keys else self.desk_keys[0])

    def desk_titles(self) -> list[str]:
        """The navigation as the person sees it."""
        return [self.nav.item(i).text() for i in range(self.nav.count())]

    def current_desk(self) -> str | None:
        row = self.nav.currentRow()
        return self.desk_keys[row] if 0 <= row < len(self.desk_keys) else None

    def show_desk(self, key: str) -> None:
        if key in self.desk_keys:
            self.nav.setCurrentRow(self.desk_keys.index(key))

    def show_desk_at(self, index: int) -> None:
        if 0 <= index < len(self.desk_keys):
            self.nav.setCurrentRow(index)

    def desk(self, key: str) -> QWidget | None:
        """The desk widget, once it has been opened."""
        return self._desks.get(key)

    def _desk_chosen(self, row: int) -> None:
        if not 0 <= row < len(self.desk_keys):
            return
        key = self.desk_keys[row]
        title, subtitle = _titles(key)
        if not self.identity.can_edit(key):
            subtitle = f"{subtitle} {READ_ONLY_NOTE}".strip()
        self.header.set_text(title, subtitle)
        self.setWindowTitle(f"{title} — ParkDesk")
        if key not in self._desks:
            widget = self._create_desk(key)
            self._desks[key] = widget
            self._holders[row].addWidget(widget)
        self.stack.setCurrentIndex(row)

    def _watch_office_clock(self) -> None:
        """A manager's change of the office's time zone reaches every desk's times."""
        from desktop.views.kit.live import LiveBatch

        def reread() -> None:
            if not self._shut_down:
                self.runner.run(self.workspace.reread_office_zone, self._office_zone_read, _quiet)

        LiveBatch(self.live, OFFICE_DELAY_MS, self).watch(("office_setting",), reread)

    def _office_zone_read(self, _zone: str | None) -> None:
        # Lists draw their times when painted: painted again, they are on the new clock.
        self.identity = self.workspace.identity
        for view in self.findChildren(QAbstractItemView):
            view.viewport().update()

    def _open_eager_desks(self) -> None:
        """The desks that must be listening from login on, opened behind the one shown."""
        for key in EAGER_DESKS:
            if key in self.desk_keys and key not in self._desks:
                widget = self._create_desk(key)
                self._desks[key] = widget
                self._holders[self.desk_keys.index(key)].addWidget(widget)

    def _create_desk(self, key: str) -> QWidget:
        module, _dot, name = DESKS.get(key, ("", "", ""))[2].rpartition(".")
        try:
            if module:
                desk: type[Desk] = getattr(importlib.import_module(module), name)
                return desk(self.workspace, self.runner, self.live)
        except ImportError:
            log.exception("desk %s could not be loaded", key)
        return EmptyState(
            "This desk is not available",
            "This version of ParkDesk could not open it. The details are in the log file; "
            "please pass them on to your administrator.",
        )

    def show_live_state(self, state: str) -> None:
        from desktop.views.kit.live import LIVE, OFFLINE, STATE_TITLES

        self.live_dot.set_state(state)
        self.live_label.setText(STATE_TITLES.get(state, state))
        self.live_label.setProperty("state", state)
        self.live_label.style().unpolish(self.live_label)
        self.live_label.style().polish(self.live_label)
        self.live_label.setToolTip(LIVE_TIPS.get(state, ""))
        # The banner stays up through reconnect attempts until the connection is live again.
        if state == OFFLINE:
            self.banner.setVisible(True)
        elif state == LIVE:
            self.banner.setVisible(False)

    @property
    def live_text(self) -> str:
        return self.live_label.text()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About ParkDesk",
            f"<h3>ParkDesk {__version__}</h3>"
            "<p>Back-office desk for parking offices.</p>"
            f"<p>Database: {self.identity.database} on {self.identity.server}<br>"
            f"PostgreSQL {self.identity.server_version}</p>"
            f"<p>Logged in as {self.identity.login} ({self.identity.role_titles()})</p>",
        )

    def leave_warnings(self) -> list[str]:
        """What the open desks would lose (unsaved edits) or leave behind (an open shift)."""
        from desktop.views.kit.desk import Desk

        desks = [desk for desk in self._desks.values() if isinstance(desk, Desk)]
        return [text for desk in desks if (text := desk.leave_warning())]

    def confirm_leaving(self, doing: str) -> bool:
        """Ask before logging out or quitting when a desk has something to lose."""
        warnings = self.leave_warnings()
        if not warnings:
            return True
        answer = QMessageBox.question(
            self,
            "ParkDesk",
            "\n\n".join([*warnings, f"{doing} anyway?"]),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def log_out(self) -> None:
        if self.confirm_leaving("Log out"):
            self.shut_down()  # asked once: closing the window now asks nothing more
            self.logout_requested.emit()

    def shut_down(self) -> None:
        """Stop live changes and remember the window; safe to call twice."""
        if self._shut_down:
            return
        self._shut_down = True
        settings = app_settings()
        settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        key = self.current_desk()
        if key:
            settings.setValue(DESK_KEY, key)
        settings.sync()
        if self._owns_live:
            self.live.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._shut_down and not self.confirm_leaving("Quit"):
            event.ignore()
            return
        self.shut_down()
        super().closeEvent(event)
        self.closed.emit()
