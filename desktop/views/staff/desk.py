"""The staff-logins desk: who can log in, with which roles; administrators add and disable.

Managers see the same list read-only. The list reloads by itself when any
client changes a staff login (a ``staff_member`` change from LISTEN/NOTIFY).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QLineEdit, QMessageBox, QWidget

from desktop.services.errors import KnownError
from desktop.services.localization import format_day, format_typed, on_clock
from desktop.services.staff import StaffLogin, StaffService
from desktop.services.workspace import ROLE_TITLES
from desktop.views.kit.desk import Desk
from desktop.views.kit.forms import DialogSlot, FormDialog, tick_boxes
from desktop.views.kit.layout import STRETCH, button, hbox, label, line_edit, named, vbox
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.operations import Loader, OperationRunner
from desktop.views.kit.table_view import Listing, sorted_table
from desktop.views.kit.tables import Column, RowsModel, time_column

REFRESH_DELAY_MS = 150


def format_date(moment: datetime | None, zone: str | None) -> str:
    """'21 Nov 2026' on the office's clock (``zone``)."""
    if moment is None:
        return ""
    return format_day(on_clock(moment, zone).date())


def role_words(roles: tuple[str, ...]) -> str:
    titles = [ROLE_TITLES[r] for r in ROLE_TITLES if r in roles]
    return ", ".join(titles) or "No role"


def status_words(staff: StaffLogin, zone: str | None) -> str:
    if staff.can_login:
        return "Active"
    if staff.disabled_at is not None:
        return f"Disabled since {format_date(staff.disabled_at, zone)}"
    return "Cannot log in"


class StaffTableModel(RowsModel[StaffLogin]):
    """The staff logins as rows (a small table: loaded whole)."""

    def __init__(self, zone: Callable[[], str | None], parent: QObject | None = None) -> None:
        """``zone``: the office's time zone as it is when a row is drawn (a manager may
        change it while the desk is open), the clock the dates are read on."""
        super().__init__(
            [
                Column("Login", lambda s: s.login, samples=("a-long-login-name",)),
                Column("Name", lambda s: s.full_name, stretch=True),
                Column(
                    "Roles",
                    lambda s: role_words(s.roles),
                    samples=("Clerk, Adjudicator, Manager",),
                ),
                Column(
                    "Status",
                    lambda s: status_words(s, zone()),
                    samples=("Disabled since 30 Sep 2026",),
                ),
                time_column(
                    "Created",
                    lambda s: s.created_at,
                    lambda at: format_date(at, zone()),
                    sample="30 Sep 2026",
                    tooltip=lambda s: format_typed(on_clock(s.created_at, zone())),
                ),
            ],
            key=lambda s: s.login,
            dimmed=lambda s: not s.can_login,
            parent=parent,
        )


class AddStaffDialog(FormDialog):
    """Login, name, roles and a password typed twice; the database creates the login."""

    def __init__(
        self, service: StaffService, runner: OperationRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(runner, accept_text="Add login", busy_text="Adding…", parent=parent)
        self.service = service
        self.setObjectName("addStaffDialog")
        self.setWindowTitle("Add a staff login")
        self.setMinimumWidth(500)
        self.audit_label.setText(
            "The person logs in with this login and password. Their roles decide which desks "
            "they see and what the database lets them do."
        )
        self.audit_label.show()
        if self.save_button is None:  # pragma: no cover - this dialog is never read-only
            raise RuntimeError("the add-login dialog needs its Add button")
        self.add_button = self.save_button
        self.add_button.setObjectName("addLoginButton")
        self._finish_layout(self._build_form())

    def _build_form(self) -> QGridLayout:
        self.login_edit = line_edit(placeholder="e.g. jsmith", max_length=40)
        self.name_edit = line_edit(placeholder="e.g. Jordan Smith", max_length=100)
        self.roles_box, self.role_checks = tick_boxes(ROLE_TITLES, "role_", 0, (16, 6))
        self.password_edit = line_edit(placeholder="at least 8 characters")
        self.repeat_edit = line_edit()
        for secret in (self.password_edit, self.repeat_edit):
            secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.declare(
            ("login", "&Login", named(self.login_edit, "newLoginEdit")),
            ("full_name", "Full &name", named(self.name_edit, "newNameEdit")),
            ("role", "Roles", self.roles_box),
            ("password", "&Password", named(self.password_edit, "newPasswordEdit")),
            ("repeat", "&Repeat password", named(self.repeat_edit, "repeatPasswordEdit")),
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(9)
        top = Qt.AlignmentFlag.AlignTop  # a message under one field moves no other
        grid.addWidget(self.boxes["login"], 0, 0, top)
        grid.addWidget(self.boxes["full_name"], 0, 1, top)
        grid.addWidget(self.boxes["role"], 1, 0, 1, 2)
        grid.addWidget(self.boxes["password"], 2, 0, top)
        grid.addWidget(self.boxes["repeat"], 2, 1, top)
        return grid

    def chosen_roles(self) -> list[str]:
        return [role for role, check in self.role_checks.items() if check.isChecked()]

    def _save_call(self) -> Callable[[], object]:
        login, full_name, roles = self.login_edit.text(), self.name_edit.text(), self.chosen_roles()
        password, repeated = self.password_edit.text(), self.repeat_edit.text()
        service = self.service
        return lambda: service.add(login, full_name, roles, password, repeated)

    def _refusal_field(self, exc: KnownError) -> str:
        # "The login jsmith already exists": said under the login, which is what to change.
        return "login" if "login" in exc.message.lower() else "general"


class StaffDesk(Desk):
    """The list of staff logins, with Add and Disable for administrators."""

    #: Emitted after each (re)load of the list (tests wait on it).
    loaded = Signal()

    def setup(self) -> None:
        self.service = StaffService(self.workspace)
        self.can_edit = self.workspace.identity.can_edit("staff")
        self._select_after_load: str | None = None
        self.add_dialog: DialogSlot[AddStaffDialog] = DialogSlot(self._added)
        self.setObjectName("staffDesk")
        self.loader = Loader(
            self, self.runner, lambda: self.service.list, self._loaded, self._load_failed
        )
        self.model = StaffTableModel(lambda: self.workspace.identity.office_zone, self)
        self.table, self.proxy = sorted_table(self.model, "staffTable")
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.listing = Listing(self.table)

        self.filter_edit = line_edit(placeholder="Filter by login, name or role")
        self.filter_edit.setObjectName("staffFilter")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMaximumWidth(320)
        self.filter_edit.textChanged.connect(self._filter)
        self.count_label = label(name="countLabel")
        self.disable_button = button("Disable login…", self.disable_selected, visible=self.can_edit)
        self.disable_button.setObjectName("disableStaffButton")
        self.disable_button.setEnabled(False)
        self.add_button = button(
            "Add login…",
            self.open_add_dialog,
            tip="Create a new staff login (Ctrl+N)",
            primary=True,
            visible=self.can_edit,
        )
        self.add_button.setObjectName("addStaffButton")
        bar = hbox(
            (self.filter_edit, 1),
            self.count_label,
            STRETCH,
            button("Refresh", self.refresh, tip="Load the list again (F5)"),
            self.disable_button,
            self.add_button,
            spacing=8,
        )
        vbox(bar, (self.listing, 1), margins=8, spacing=10, parent=self)

        if self.can_edit:
            QShortcut(QKeySequence.StandardKey.New, self, self.open_add_dialog)
        QShortcut(QKeySequence.StandardKey.Refresh, self, self.refresh)
        batch = LiveBatch(self.live, REFRESH_DELAY_MS, self, complete_resync_is_quiet=True)
        batch.watch(("staff_member",), self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.loader.reload()

    def _loaded(self, rows: list[StaffLogin]) -> None:
        selected = self._select_after_load or self.table.selected_key()
        self._select_after_load = None
        self.model.set_rows(rows)
        self._update_counts()
        if selected:
            self.table.show_key(selected)
        self._selection_changed()
        self.loaded.emit()

    def _load_failed(self, exc: KnownError) -> None:
        self.listing.show_empty("The staff logins could not be loaded", exc.message)

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._update_counts()

    def _update_counts(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        active = sum(1 for s in self.model.rows() if s.can_login)
        if shown != total:
            self.count_label.setText(f"{shown} of {total} logins shown")
        else:
            self.count_label.setText(f"{total} logins, {active} active")
        if total == 0:
            self.listing.show_empty(
                "No staff logins yet",
                "Add a login for each person who works at a desk."
                if self.can_edit
                else "An administrator adds a login for each person who works at a desk.",
            )
        else:
            self.listing.show_rows(
                shown, "No login matches the filter", "Clear the filter to see every staff login."
            )

    def selected_staff(self) -> StaffLogin | None:
        staff: StaffLogin | None = self.table.selected_row()
        return staff

    def _selection_changed(self) -> None:
        staff = self.selected_staff()
        own = staff is not None and staff.login == self.workspace.identity.login
        self.disable_button.setEnabled(staff is not None and staff.can_login and not own)
        if own:
            self.disable_button.setToolTip("You cannot disable your own login.")
        elif staff is not None and not staff.can_login:
            self.disable_button.setToolTip("This login is already disabled.")
        else:
            self.disable_button.setToolTip("Stop the selected login from connecting")

    def open_add_dialog(self) -> AddStaffDialog | None:
        if not self.can_edit:
            return None
        return self.add_dialog.open(lambda: AddStaffDialog(self.service, self.runner, self))

    def _added(self, staff: StaffLogin) -> None:
        self._select_after_load = staff.login
        self.refresh()

    def confirm_disable(self, staff: StaffLogin) -> bool:
        name = f"{staff.full_name} ({staff.login})" if staff.full_name else staff.login
        answer = QMessageBox.question(
            self,
            "Disable login",
            f"Disable the login of {name}?\n\nThey will no longer be able to connect. Everything "
            "they did stays in the records and the audit trail.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def disable_selected(self) -> None:
        staff = self.selected_staff()
        if staff is None or not self.can_edit or not self.confirm_disable(staff):
            return
        login = staff.login
        self.disable_button.setEnabled(False)
        self._select_after_load = login
        self.runner.run_for(
            self,
            lambda: self.service.disable(login),
            lambda _result: self.refresh(),
            lambda _exc: self._selection_changed(),
            write=True,
        )
