"""The managers' lists of the security desk: what incidents are (categories and their
sub-categories) and the roles people have in them. A manager adds, renames, moves or
retires an entry; a retired one is no longer offered, and what was recorded with it keeps
it. The database holds the rules (two levels, one name among siblings, nothing retired
chosen again, ``89_incidents.sql``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QWidget

from desktop.services.errors import KnownError
from desktop.services.incidents import CategoryInfo, IncidentLists, IncidentService, RoleInfo
from desktop.views.kit.forms import DialogSlot, FormDialog
from desktop.views.kit.layout import choice_box, field_grid, hbox, line_edit, vbox
from desktop.views.kit.live import LiveBatch, LiveChanges
from desktop.views.kit.operations import Loader, OperationRunner
from desktop.views.kit.setup_desk import PricedRows, RecordList
from desktop.views.kit.tables import Column, badge_column

IN_USE = {"in_use": "In use", "retired": "Retired"}
_GREY = {"retired": "#6b7280"}


def _state(active: bool) -> str:
    return "in_use" if active else "retired"


class CategoriesModel(PricedRows[CategoryInfo]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            lambda _currency: [
                Column(
                    "Category",
                    lambda c: c.full_name,
                    stretch=True,
                    samples=("Suspicious activity — Loitering",),
                ),
                Column("Incidents", lambda c: str(c.used), align="right", sort=lambda c: c.used),
                badge_column("Status", lambda c: _state(c.active), IN_USE, colours=_GREY),
            ],
            dimmed=lambda c: not c.active,
            parent=parent,
        )


class RolesModel(PricedRows[RoleInfo]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            lambda _currency: [
                Column("Role in an incident", lambda r: r.name, stretch=True),
                Column("People", lambda r: str(r.used), align="right", sort=lambda r: r.used),
                badge_column("Status", lambda r: _state(r.active), IN_USE, colours=_GREY),
            ],
            dimmed=lambda r: not r.active,
            parent=parent,
        )


class CategoryDialog(FormDialog):
    """A category, or a sub-category of one: its name, where it belongs, in use."""

    FIELDS = ("name", "parent_id", "active")

    def __init__(
        self,
        service: IncidentService,
        runner: OperationRunner,
        categories: list[CategoryInfo],
        category: CategoryInfo | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent=parent)
        self.service, self.category = service, category
        self.setObjectName("incidentCategoryDialog")
        self.setWindowTitle("Add a category" if category is None else f"Category {category.name}")
        self.setMinimumWidth(460)
        tops = [c for c in categories if c.parent_id is None and c.id != getattr(category, "id", 0)]
        self.name_edit = line_edit(placeholder="e.g. Theft, or Bicycle theft", max_length=80)
        self.parent_box = choice_box(
            ["None: this is a category", *(c.name for c in tops)],
            data=[0, *(c.id for c in tops)],
        )
        self.active_check = QCheckBox("In use (offered when an incident is recorded)")
        self.active_check.setChecked(True)
        self.declare(
            ("name", "&Name", self.name_edit),
            ("parent_id", "&Sub-category of", self.parent_box),
            ("active", "Status", self.active_check),
        )
        b = self.boxes
        self._finish_layout(vbox(field_grid((b["name"],), (b["parent_id"],), (b["active"],))))
        if category is not None:
            self._fill(category)
            used = category.used
            self.audit_label.setText(
                "Not recorded on any incident yet."
                if used == 0
                else f"Recorded on {used} incident{'' if used == 1 else 's'}: renamed, it is "
                "renamed on them too; retired, they keep it."
            )
            self.audit_label.show()

    def _fill(self, record: object) -> None:
        if not isinstance(record, CategoryInfo):
            return
        self.category = record
        self.name_edit.setText(record.name)
        self.parent_box.setCurrentIndex(max(self.parent_box.findData(record.parent_id or 0), 0))
        self.active_check.setChecked(record.active)

    def _reload_call(self) -> Callable[[], object] | None:
        if self.category is None:
            return None
        service, key = self.service, self.category.id
        return lambda: service.category(key)

    def _save_call(self) -> Callable[[], object]:
        service, category = self.service, self.category
        name, active = self.name_edit.text(), self.active_check.isChecked()
        parent = int(self.parent_box.currentData() or 0) or None
        if category is None:
            return lambda: service.save_category(name, parent, active)
        key, version = category.id, category.version
        return lambda: service.save_category(name, parent, active, key, version)


class RoleDialog(FormDialog):
    """A role people have in an incident: its name, in use."""

    FIELDS = ("name", "active")

    def __init__(
        self,
        service: IncidentService,
        runner: OperationRunner,
        role: RoleInfo | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent=parent)
        self.service, self.role = service, role
        self.setObjectName("incidentRoleDialog")
        self.setWindowTitle("Add a role" if role is None else f"Role {role.name}")
        self.setMinimumWidth(420)
        self.name_edit = line_edit(placeholder="e.g. Driver, Owner, Reporting party", max_length=40)
        self.active_check = QCheckBox("In use (offered when a person is added)")
        self.active_check.setChecked(True)
        self.declare(("name", "&Name", self.name_edit), ("active", "Status", self.active_check))
        b = self.boxes
        self._finish_layout(vbox(field_grid((b["name"],), (b["active"],))))
        if role is not None:
            self._fill(role)

    def _fill(self, record: object) -> None:
        if not isinstance(record, RoleInfo):
            return
        self.role = record
        self.name_edit.setText(record.name)
        self.active_check.setChecked(record.active)

    def _reload_call(self) -> Callable[[], object] | None:
        if self.role is None:
            return None
        service, key = self.service, self.role.id
        return lambda: service.role(key)

    def _save_call(self) -> Callable[[], object]:
        service, role = self.service, self.role
        name, active = self.name_edit.text(), self.active_check.isChecked()
        if role is None:
            return lambda: service.save_role(name, active)
        key, version = role.id, role.version
        return lambda: service.save_role(name, active, key, version)


class ListsPanel(QWidget):
    """The two lists side by side, for a manager to keep."""

    loaded = Signal()

    def __init__(
        self,
        service: IncidentService,
        runner: OperationRunner,
        live: LiveChanges,
        *,
        editable: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner = service, runner
        self.lists: IncidentLists | None = None
        self.category_dialog: DialogSlot[CategoryDialog] = DialogSlot(lambda _c: self.reload())
        self.role_dialog: DialogSlot[RoleDialog] = DialogSlot(lambda _r: self.reload())
        self.categories = RecordList(
            CategoriesModel(self),
            "incidentCategoriesTable",
            self.open_category,
            title="Categories",
            kind="category",
            editable=editable,
            empty=("No categories", "Add what incidents can be: Theft, Damage, Assault…"),
        )
        self.roles = RecordList(
            RolesModel(self),
            "incidentRolesTable",
            self.open_role,
            title="Roles in an incident",
            kind="role",
            editable=editable,
            empty=("No roles", "Add the roles people have: Complainant, Witness, Suspect…"),
        )
        hbox((self.categories, 1), (self.roles, 1), margins=4, spacing=16, parent=self)
        self.loader = Loader(self, runner, lambda: service.lists, self._shown, self._failed)
        LiveBatch(live, 200, self).watch(("incident_category", "incident_role"), self.reload)

    def reload(self) -> None:
        self.loader.reload()

    def _shown(self, lists: IncidentLists) -> None:
        self.lists = lists
        used = sum(1 for c in lists.categories if c.active)
        self.categories.show_rows(lists.categories, f"{used} in use")
        self.roles.show_rows(lists.roles, f"{sum(1 for r in lists.roles if r.active)} in use")
        self.loaded.emit()

    def _failed(self, exc: KnownError) -> None:
        self.categories.listing.show_empty("The lists could not be loaded", exc.message)

    def open_category(self, category: CategoryInfo | None) -> CategoryDialog:
        everything = list(self.lists.categories) if self.lists is not None else []
        return self.category_dialog.open(
            lambda: CategoryDialog(self.service, self.runner, everything, category, self)
        )

    def open_role(self, role: RoleInfo | None) -> RoleDialog:
        return self.role_dialog.open(lambda: RoleDialog(self.service, self.runner, role, self))
