"""The managers' incident lists on the security desk: a category and a sub-category
added, a name already there refused under its field, a role retired — and the dispatcher's
incident form offering what is in use, without reopening the desk."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.views.security.desk import SecurityDesk
from desktop.views.security.incident_forms import IncidentDialog
from desktop.views.security.lists import CategoryDialog, RoleDialog
from tests.views.security.test_security_desk import TIMEOUT_MS, desk_for

__all__ = ["desk_for"]

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


def word() -> str:
    return "".join(secrets.choice("bcdfghjkmnpqrstvwxz") for _ in range(6)).title()


def test_a_manager_keeps_the_incident_lists_and_dispatch_is_offered_them(
    qtbot: QtBot, desk_for: Callable[[str], SecurityDesk]
) -> None:
    dispatcher = desk_for("dispatcher")
    assert dispatcher.lists is None  # the lists are the managers'
    manager = desk_for("manager")
    lists = manager.lists
    assert lists is not None
    with qtbot.waitSignal(lists.loaded, timeout=TIMEOUT_MS):
        manager.tabs.setCurrentWidget(manager.lists_page)
    ModelTester(None).check(lists.categories.model)  # type: ignore[no-untyped-call]

    def shown_categories() -> list[str]:
        return [c.full_name for c in lists.categories.model.rows()]

    shown = [c.full_name for c in lists.categories.model.rows()]
    assert "Damage — Vandalism" in shown

    name = f"Parking {word()}"
    dialog = lists.open_category(None)
    assert isinstance(dialog, CategoryDialog)
    dialog.name_edit.setText(name)
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT_MS):
        dialog.submit()
    qtbot.waitUntil(lambda: name in shown_categories(), timeout=TIMEOUT_MS)
    top = next(c for c in lists.categories.model.rows() if c.name == name)
    sub = lists.open_category(None)
    sub.name_edit.setText("Blocked exit")
    sub.parent_box.setCurrentIndex(sub.parent_box.findData(top.id))
    with qtbot.waitSignal(sub.saved, timeout=TIMEOUT_MS):
        sub.submit()
    qtbot.waitUntil(lambda: f"{name} — Blocked exit" in shown_categories(), timeout=TIMEOUT_MS)
    again = lists.open_category(None)
    again.name_edit.setText("blocked EXIT")
    again.parent_box.setCurrentIndex(again.parent_box.findData(top.id))
    with qtbot.waitSignal(manager.runner.finished, timeout=TIMEOUT_MS):
        again.submit()
    qtbot.waitUntil(again.boxes["name"].problem.isVisible, timeout=TIMEOUT_MS)
    assert "already a category of this name" in again.boxes["name"].problem.text()
    again.reject()

    role_name = f"Driver {word()}"
    role = lists.open_role(None)
    assert isinstance(role, RoleDialog)
    role.name_edit.setText(role_name)
    with qtbot.waitSignal(role.saved, timeout=TIMEOUT_MS):
        role.submit()
    qtbot.waitUntil(
        lambda: role_name in [r.name for r in lists.roles.model.rows()], timeout=TIMEOUT_MS
    )

    # The dispatcher's open desk offers the new category and role at once.
    panel = dispatcher.incidents
    qtbot.waitUntil(
        lambda: f"{name} — Blocked exit" in [c.name for c in panel.categories],
        timeout=TIMEOUT_MS,
    )
    qtbot.waitUntil(lambda: role_name in [r.name for r in panel.page.roles], timeout=TIMEOUT_MS)
    form = panel.new_incident()
    assert isinstance(form, IncidentDialog)
    assert form.category_box.findText(f"{name} — Blocked exit") >= 0
    form.reject()

    # Retired, the role is no longer offered.
    saved = next(r for r in lists.roles.model.rows() if r.name == role_name)
    edit = lists.open_role(saved)
    edit.active_check.setChecked(False)
    with qtbot.waitSignal(edit.saved, timeout=TIMEOUT_MS):
        edit.submit()
    qtbot.waitUntil(
        lambda: not next(r for r in lists.roles.model.rows() if r.name == role_name).active,
        timeout=TIMEOUT_MS,
    )
    qtbot.waitUntil(lambda: role_name not in [r.name for r in panel.page.roles], timeout=TIMEOUT_MS)
