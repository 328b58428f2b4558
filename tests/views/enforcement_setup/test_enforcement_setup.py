"""The enforcement set-up desk as the manager mona and the adjudicator adele, on the shared
database.

Codes, prefixes and plates are random (the database is shared by every test); the office
settings are never saved here, because other tests depend on the shared server's
check-digit scheme and due days.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.services.enforcement_setup import (
    DeviceDraft,
    EnforcementSetupService,
    RangeDraft,
    ViolationDraft,
)
from desktop.services.workspace import Workspace
from desktop.views.enforcement_setup.appeals import ReasonDialog
from desktop.views.enforcement_setup.desk import EnforcementSetupDesk
from desktop.views.enforcement_setup.devices import SpoilDialog
from desktop.views.enforcement_setup.escalation import StageDialog
from desktop.views.enforcement_setup.violations import ViolationDialog
from desktop.views.kit.live import LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import alive
from tests.citation_data import LETTERS
from tests.views.conftest import shown_rows

TIMEOUT_MS = 30_000

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


def letters(n: int = 6) -> str:
    return "".join(secrets.choice(LETTERS) for _ in range(n))


@pytest.fixture
def desk_for(
    qtbot: QtBot,
    runner: OperationRunner,
    workspace_for: Callable[[str], Workspace],
    live_for: Callable[[Workspace], LiveChanges],
) -> Callable[[str], EnforcementSetupDesk]:
    def _open(login: str) -> EnforcementSetupDesk:
        workspace = workspace_for(login)
        live = live_for(workspace)
        desk = EnforcementSetupDesk(workspace, runner, live)
        qtbot.addWidget(desk)
        desk.resize(1280, 800)
        desk.show()
        qtbot.waitUntil(lambda: desk.overview is not None, timeout=TIMEOUT_MS)
        return desk

    return _open


@pytest.fixture
def manager(workspace_for: Callable[[str], Workspace]) -> EnforcementSetupService:
    return EnforcementSetupService(workspace_for("mona"))


def reload(qtbot: QtBot, desk: EnforcementSetupDesk) -> None:
    with qtbot.waitSignal(desk.loaded, timeout=TIMEOUT_MS):
        desk.refresh()


def test_the_desk_opens_for_a_manager_with_five_tabs(
    desk_for: Callable[[str], EnforcementSetupDesk],
) -> None:
    desk = desk_for("mona")
    titles = [
        desk.tabs.tabText(n).replace("&&", "\0").replace("&", "").replace("\0", "&")
        for n in range(desk.tabs.count())
    ]
    assert titles == [
        "Violations & fines",
        "Escalation",
        "Devices & numbers",
        "Zones & exemptions",
        "Appeals",
    ]
    assert desk.violations.violations.new_button.isVisible()


def test_adding_a_violation_with_a_fine_shows_it_in_the_list(
    qtbot: QtBot, desk_for: Callable[[str], EnforcementSetupDesk]
) -> None:
    desk = desk_for("mona")
    desk.violations.violations.new_button.click()
    dialog = desk.violations.violation_dialog.dialog
    assert isinstance(dialog, ViolationDialog)
    code = f"FL-{letters(5)}"
    qtbot.keyClicks(dialog.code_edit, code.lower())
    assert dialog.code_edit.text() == code
    dialog.description_edit.setText("Parked in a fire lane")
    dialog.fine_edit.setText("75")
    dialog.window_edit.setText("365")
    assert dialog.save_button is not None
    dialog.save_button.click()

    proxy = desk.violations.violations.proxy
    qtbot.waitUntil(lambda: code in shown_rows(proxy), timeout=TIMEOUT_MS)
    assert not alive(dialog) or not dialog.isVisible()
    assert shown_rows(proxy)[code] == [
        code,
        "Parked in a fire lane",
        "$75.00",
        "365 days",
        "In use",
    ]


def test_a_bad_code_is_said_under_its_field(
    qtbot: QtBot, desk_for: Callable[[str], EnforcementSetupDesk]
) -> None:
    desk = desk_for("mona")
    dialog = desk.violations.open_violation(None)
    assert dialog is not None
    dialog.code_edit.setText("no spaces!")
    dialog.description_edit.setText("x")
    dialog.fine_edit.setText("twelve")
    assert dialog.save_button is not None
    dialog.save_button.click()
    assert "capital letters, digits or dashes" in dialog.field_error("code")
    assert "as an amount" in dialog.field_error("default_fine")
    assert dialog.isVisible()
    dialog.code_edit.setText("OK-1")
    assert dialog.field_error("code") == ""  # cleared as the field is edited
    dialog.reject()


def test_the_escalation_stage_dialog(
    qtbot: QtBot, desk_for: Callable[[str], EnforcementSetupDesk]
) -> None:
    desk = desk_for("mona")
    desk.tabs.setCurrentWidget(desk.escalation)
    desk.escalation.stages.new_button.click()
    dialog = desk.escalation.stage_dialog.dialog
    assert isinstance(dialog, StageDialog)
    # Days no other test's stage takes (the service's test draws below 2300): the list
    # is read by its days.
    days = 2300 + secrets.randbelow(1300)
    dialog.after_spin.setValue(days)
    dialog.amount_edit.setText("0")
    dialog.description_edit.setText(f"Collections {letters(4)}")
    assert dialog.save_button is not None
    dialog.save_button.click()
    assert "late fee, sends to collections, or both" in dialog.field_error("amount")
    dialog.collections_check.setChecked(True)
    dialog.save_button.click()
    proxy = desk.escalation.stages.proxy
    qtbot.waitUntil(lambda: f"{days:,} days" in shown_rows(proxy), timeout=TIMEOUT_MS)
    assert shown_rows(proxy)[f"{days:,} days"][3:] == ["Sends to collections", "In use"]


def test_a_manager_adds_a_reason_and_sets_the_appeal_window(
    qtbot: QtBot, desk_for: Callable[[str], EnforcementSetupDesk]
) -> None:
    desk = desk_for("mona")
    desk.tabs.setCurrentWidget(desk.appeals)
    qtbot.waitUntil(lambda: desk.appeals.reasons.model.rowCount() > 0, timeout=TIMEOUT_MS)
    assert desk.appeals.reasons.model.rowCount() >= 7  # the reasons an office starts with
    desk.appeals.reasons.new_button.click()
    dialog = desk.appeals.reason_dialog.dialog
    assert isinstance(dialog, ReasonDialog)
    words = f"Loading zone in use {letters(4)}"
    dialog.decision_box.setCurrentIndex(dialog.decision_box.findData("dismiss"))
    dialog.text_edit.setText(words)
    assert dialog.save_button is not None
    dialog.save_button.click()
    model = desk.appeals.reasons.model
    qtbot.waitUntil(
        lambda: any(r.text == words and r.decision == "dismiss" for r in model.rows()),
        timeout=TIMEOUT_MS,
    )
    form = desk.appeals.settings_form
    desk.appeals.window_spin.setValue(45)
    desk.appeals.paid_check.setChecked(True)
    with qtbot.waitSignal(form.saved, timeout=TIMEOUT_MS):
        form.save_button.click()
    assert desk.service.settings().appeal_window_days == 45
    assert desk.service.settings().hearing_requires_payment
    desk.appeals.window_spin.setValue(30)
    desk.appeals.paid_check.setChecked(False)
    with qtbot.waitSignal(form.saved, timeout=TIMEOUT_MS):
        form.save_button.click()


def test_spoiling_numbers_with_a_reason(
    qtbot: QtBot,
    desk_for: Callable[[str], EnforcementSetupDesk],
    manager: EnforcementSetupService,
) -> None:
    device = manager.save_device(DeviceDraft(f"HH-{letters()}", "handheld", "North patrol"))
    prefix = letters(4)
    manager.add_range(RangeDraft(device.id, prefix, "1", "500", 6))
    desk = desk_for("mona")
    tab = desk.devices
    desk.tabs.setCurrentWidget(tab)
    assert tab.devices.table.show_key(device.id)
    assert shown_rows(tab.devices.proxy)[device.code][1] == "Handheld"
    numbers = f"{prefix}000001 \u2013 {prefix}000500"
    assert shown_rows(tab.ranges.proxy)[numbers][1:] == ["500", "0", "0", "500"]
    assert tab.ranges.table.show_key(tab.ranges.model.rows()[0].id)

    tab.spoil_button.click()
    dialog = tab.spoil_dialog.dialog
    assert isinstance(dialog, SpoilDialog)
    dialog.first_edit.setText("10")
    dialog.last_edit.setText("2000")
    assert dialog.save_button is not None
    dialog.save_button.click()  # checked here, before the database is asked
    assert "at most 1,000" in dialog.field_error("last")
    assert "Say why" in dialog.field_error("reason")
    dialog.last_edit.setText("600")
    dialog.reason_edit.setPlainText("Book torn in the rain")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: bool(dialog.field_error("first")), timeout=TIMEOUT_MS)
    assert "1 to 500" in dialog.field_error("first")  # the database's refusal, under its field
    dialog.last_edit.setText("19")
    dialog.save_button.click()
    qtbot.waitUntil(
        lambda: shown_rows(tab.ranges.proxy).get(numbers, [""])[3] == "10", timeout=TIMEOUT_MS
    )
    assert shown_rows(tab.ranges.proxy)[numbers][4] == "490"


def test_the_check_digit_sample_changes_with_the_scheme(
    qtbot: QtBot, desk_for: Callable[[str], EnforcementSetupDesk]
) -> None:
    desk = desk_for("mona")
    desk.tabs.setCurrentWidget(desk.devices)
    strip = desk.devices.scheme_form
    combo = strip.scheme_combo
    assert combo.currentText() in {"Luhn (mod 10)", "Weighted mod 11", "Mod 7"}
    assert [combo.itemText(n) for n in range(combo.count())] == [
        "Luhn (mod 10)",
        "Weighted mod 11",
        "Mod 7",
    ]
    combo.setCurrentIndex(combo.findData("mod7"))
    qtbot.waitUntil(lambda: strip.sample.text() == f"P001234{1234 % 7}", timeout=TIMEOUT_MS)
    combo.setCurrentIndex(combo.findData("luhn"))
    qtbot.waitUntil(lambda: strip.sample.text() == "P0012344", timeout=TIMEOUT_MS)
    assert strip.save_button.isVisible()


def test_the_adjudicator_reads_without_add_buttons(
    desk_for: Callable[[str], EnforcementSetupDesk], manager: EnforcementSetupService
) -> None:
    code = f"RO-{letters(5)}"
    manager.save_violation(ViolationDraft(code, "Read-only check", default_fine="10"))
    desk = desk_for("adele")
    assert not desk.editable
    panels = (
        desk.violations.violations,
        desk.violations.rules,
        desk.violations.repeats,
        desk.escalation.stages,
        desk.devices.devices,
        desk.devices.ranges,
        desk.zones.zones,
        desk.zones.exemptions,
        desk.appeals.reasons,
    )
    for panel in panels:
        assert not panel.new_button.isVisible()
        assert not panel.edit_button.isVisible()
    assert not desk.devices.spoil_button.isVisible()
    assert not desk.zones.end_button.isVisible()
    assert not desk.escalation.settings_form.save_button.isVisible()
    assert not desk.appeals.settings_form.save_button.isVisible()
    assert code in shown_rows(desk.violations.violations.proxy)
    assert desk.devices.scheme_form.sample.text().startswith("P")  # every desk may see one
    assert desk.leave_warning() is None


def test_every_list_passes_the_model_tester(
    qtmodeltester: ModelTester, desk_for: Callable[[str], EnforcementSetupDesk]
) -> None:
    desk = desk_for("mona")
    for panel in (
        desk.violations.violations,
        desk.violations.rules,
        desk.violations.repeats,
        desk.escalation.stages,
        desk.devices.devices,
        desk.devices.ranges,
        desk.zones.zones,
        desk.zones.exemptions,
        desk.appeals.reasons,
    ):
        qtmodeltester.check(panel.model)
        qtmodeltester.check(panel.proxy)
