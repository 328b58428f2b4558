"""The permit setup desk as the manager mona and the clerk alice, on the shared database.

Lots and permit types get random codes (the database is shared by every test); the
office settings are only ever refused here, never saved, because other tests depend
on the shared server's time zone and currency.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.services.permit_setup import (
    LotDraft,
    LotInfo,
    OfficeSettingsDraft,
    PermitSetupService,
    PermitTypeDraft,
    PermitTypeInfo,
)
from desktop.services.workspace import Workspace
from desktop.views.kit.live import LiveChanges
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import alive
from desktop.views.setup.desk import (
    PermitSetupDesk,
    PermitTypeDialog,
)
from tests.conftest import Database
from tests.models.conftest import fresh_database
from tests.views.conftest import shown_rows

TIMEOUT_MS = 30_000

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


def code(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(6))


@pytest.fixture
def desk_for(
    qtbot: QtBot,
    runner: OperationRunner,
    workspace_for: Callable[[str], Workspace],
    live_for: Callable[[Workspace], LiveChanges],
) -> Callable[[str], PermitSetupDesk]:
    def _open(login: str) -> PermitSetupDesk:
        workspace = workspace_for(login)
        live = live_for(workspace)
        with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
            desk = PermitSetupDesk(workspace, runner, live)
        qtbot.addWidget(desk)
        desk.resize(1200, 700)
        desk.show()
        qtbot.waitUntil(lambda: desk.overview is not None, timeout=TIMEOUT_MS)
        return desk

    return _open


@pytest.fixture
def manager(workspace_for: Callable[[str], Workspace]) -> PermitSetupService:
    return PermitSetupService(workspace_for("mona"))


def new_lot(service: PermitSetupService, capacity: int = 10) -> LotInfo:
    return service.save_lot(LotDraft(code("L"), "Lot " + code("N"), capacity)).lot


def new_type(service: PermitSetupService, lot: LotInfo) -> PermitTypeInfo:
    return service.save_permit_type(
        PermitTypeDraft(
            code=code("PT"),
            name="Staff monthly",
            price="45",
            validity="monthly",
            affiliations=("staff",),
            lot_ids=(lot.id,),
            proration="daily",
        )
    )


def reload(qtbot: QtBot, desk: PermitSetupDesk) -> None:
    with qtbot.waitSignal(desk.loaded, timeout=TIMEOUT_MS):
        desk.refresh()


def type_row(desk: PermitSetupDesk, type_code: str) -> list[str]:
    """The permit type's row as the table shows it."""
    return shown_rows(desk.types.proxy).get(type_code, [])


def lot_row(desk: PermitSetupDesk, lot_code: str) -> list[str]:
    return shown_rows(desk.lots.proxy).get(lot_code, [])


def new_dialog(desk: PermitSetupDesk) -> PermitTypeDialog:
    desk.tabs.setCurrentIndex(0)
    desk.types.new_button.click()
    dialog = desk.type_dialog.dialog
    assert dialog is not None
    assert dialog.isVisible()
    return dialog


def test_manager_creates_a_permit_type_through_the_dialog(
    qtbot: QtBot, desk_for: Callable[[str], PermitSetupDesk], manager: PermitSetupService
) -> None:
    north, south = new_lot(manager), new_lot(manager)
    desk = desk_for("mona")
    assert desk.types.new_button.isVisible()
    reload(qtbot, desk)
    dialog = new_dialog(desk)
    type_code = code("FAC")
    qtbot.keyClicks(dialog.code_edit, type_code.lower())
    assert dialog.code_edit.text() == type_code  # shown in capitals as typed
    dialog.name_edit.setText("Faculty academic year")
    dialog.price_edit.setText("1,200.50")
    dialog.validity_combo.setCurrentIndex(dialog.validity_combo.findData("term"))
    dialog.term_start_edit.setDate(QDate(2026, 9, 1))
    dialog.term_end_edit.setDate(QDate(2027, 8, 31))
    dialog.affiliation_checks["faculty"].setChecked(True)
    dialog.affiliation_checks["staff"].setChecked(True)
    dialog.lot_checks[north.id].setCheckState(Qt.CheckState.Checked)
    dialog.lot_checks[south.id].setCheckState(Qt.CheckState.Checked)
    dialog.proration_combo.setCurrentIndex(dialog.proration_combo.findData("monthly"))
    dialog.sale_mode_combo.setCurrentIndex(dialog.sale_mode_combo.findData("waitlist"))
    dialog.limit_spin.setValue(2)
    dialog.max_vehicles_spin.setValue(3)
    dialog.offer_hours_spin.setValue(72)
    assert dialog.save_button is not None
    dialog.save_button.click()

    qtbot.waitUntil(lambda: bool(type_row(desk, type_code)), timeout=TIMEOUT_MS)
    assert not alive(dialog) or not dialog.isVisible()
    cells = type_row(desk, type_code)
    assert cells[1:] == [
        "Faculty academic year",
        "$1,200.50",
        "Term 1 Sep 2026 \u2013 31 Aug 2027",
        "Faculty, Staff",
        ", ".join(sorted([north.code, south.code])),
        "Waitlist",
        "2",
    ]
    selected = desk.types.table.selected_row()
    assert selected is not None
    assert selected.code == type_code
    assert (selected.proration, selected.max_vehicles, selected.offer_hours) == ("monthly", 3, 72)


def test_bad_fields_show_their_messages_under_the_fields(
    qtbot: QtBot, desk_for: Callable[[str], PermitSetupDesk]
) -> None:
    desk = desk_for("mona")
    dialog = new_dialog(desk)
    dialog.code_edit.setText(code("BAD"))
    dialog.name_edit.setText("Bad one")
    dialog.price_edit.setText("abc")
    dialog.term_start_edit.setDate(QDate(2027, 1, 10))
    dialog.term_end_edit.setDate(QDate(2026, 9, 1))
    assert dialog.save_button is not None
    dialog.save_button.click()

    assert "as an amount such as 1,234.50" in dialog.field_error("price")
    assert dialog.price_edit.property("invalid") is True
    assert "before the first day (10 Jan 2027)" in dialog.field_error("term_end")
    assert "at least one affiliation" in dialog.field_error("affiliations")
    assert "at least one lot" in dialog.field_error("lots")
    assert dialog.field_error("name") == ""
    assert dialog.focusWidget() is dialog.price_edit
    assert dialog.isVisible()

    # Typing again takes the message away; another wrong amount brings its own.
    dialog.price_edit.clear()
    qtbot.keyClicks(dialog.price_edit, "-5")
    assert dialog.field_error("price") == ""
    dialog.save_button.click()
    assert dialog.field_error("price") == "The price cannot be negative."
    dialog.price_edit.setText("1.234")
    dialog.save_button.click()
    assert "two decimals" in dialog.field_error("price")
    dialog.reject()


def test_only_the_fields_of_the_chosen_validity_show(
    desk_for: Callable[[str], PermitSetupDesk],
) -> None:
    desk = desk_for("mona")
    dialog = new_dialog(desk)
    combo = dialog.validity_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Fixed term",
        "Monthly",
        "Number of days",
    ]
    assert dialog.term_start_edit.isVisible()
    assert not dialog.days_spin.isVisible()
    proration = dialog.proration_combo
    proration.setCurrentIndex(proration.findData("monthly"))
    combo.setCurrentIndex(combo.findData("days"))
    assert dialog.days_spin.isVisible()
    assert not dialog.term_start_edit.isVisible()
    # A permit of N days starts the day it is sold: nothing to prorate.
    assert proration.currentData() == "none"
    assert not proration.isEnabled()
    combo.setCurrentIndex(combo.findData("monthly"))
    assert not dialog.days_spin.isVisible()
    assert not dialog.term_end_edit.isVisible()
    assert proration.isEnabled()
    assert [dialog.proration_combo.itemText(i) for i in range(dialog.proration_combo.count())] == [
        "Full price whatever the start date",
        "By the day remaining",
        "By the month remaining (a started month counts in full)",
    ]
    # A new type starts with the next academic year as its term.
    start = dialog.term_start_edit.date()
    assert (start.month(), start.day()) == (9, 1)
    dialog.reject()


def test_a_code_in_use_comes_back_under_the_code_field(
    qtbot: QtBot, desk_for: Callable[[str], PermitSetupDesk], manager: PermitSetupService
) -> None:
    lot = new_lot(manager)
    existing = new_type(manager, lot)
    desk = desk_for("mona")
    dialog = new_dialog(desk)
    dialog.code_edit.setText(existing.code)
    dialog.name_edit.setText("Copy")
    dialog.price_edit.setText("10")
    dialog.affiliation_checks["student"].setChecked(True)
    dialog.lot_checks[lot.id].setCheckState(Qt.CheckState.Checked)
    assert dialog.save_button is not None
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.field_error("code") != "", timeout=TIMEOUT_MS)
    assert dialog.field_error("code") == (
        f"The permit type {existing.name} already has code {existing.code}."
    )
    assert dialog.isVisible()
    dialog.reject()


def test_a_stale_edit_asks_and_reloads_the_saved_type(
    qtbot: QtBot,
    desk_for: Callable[[str], PermitSetupDesk],
    manager: PermitSetupService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lot = new_lot(manager)
    created = new_type(manager, lot)
    desk = desk_for("mona")
    reload(qtbot, desk)
    desk.types.table.show_key(created.id)
    desk.types.edit_button.click()
    dialog = desk.type_dialog.dialog
    assert dialog is not None
    assert dialog.price_edit.text() == "45.00"
    assert "Last changed by mona" in dialog.audit_label.text()

    # Someone else saves first.
    manager.save_permit_type(
        replace(PermitTypeDraft.of(created), price="50"), created.id, created.version
    )
    asked: list[tuple[str, list[tuple[str, str]]]] = []

    def answer(message: str, changes: list[tuple[str, str]]) -> bool:
        asked.append((message, changes))
        return True

    monkeypatch.setattr(dialog, "confirm_conflict", answer)
    dialog.name_edit.setText("Staff monthly (north)")
    assert dialog.save_button is not None
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.price_edit.text() == "50.00", timeout=TIMEOUT_MS)
    message, changes = asked[0]
    assert "changed by mona" in message
    assert changes == [("Name", "Staff monthly (north)")]
    assert dialog.name_edit.text() == "Staff monthly"

    # With the fresh version the edit goes through.
    dialog.name_edit.setText("Staff monthly (north)")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not alive(dialog) or not dialog.isVisible(), timeout=TIMEOUT_MS)
    stored = manager.permit_type(created.id)
    assert (stored.name, stored.price, stored.version) == (
        "Staff monthly (north)",
        Decimal(50),
        3,
    )


def test_a_clerk_sees_the_setup_read_only(
    qtbot: QtBot, desk_for: Callable[[str], PermitSetupDesk], manager: PermitSetupService
) -> None:
    lot = new_lot(manager)
    created = new_type(manager, lot)
    desk = desk_for("alice")
    reload(qtbot, desk)
    assert not desk.types.new_button.isVisible()
    assert not desk.types.edit_button.isVisible()
    assert not desk.types.edit_button.isEnabled()
    assert not desk.lots.new_button.isVisible()
    assert desk.open_type_dialog(None) is None
    assert type_row(desk, created.code)[2] == "$45.00"
    assert lot_row(desk, lot.code)[2:5] == ["10", "0", "10"]

    # A double-click shows every detail of the type, without a way to change it.
    desk.types.table.show_key(created.id)
    index = desk.types.table.currentIndex()
    desk.types.table.doubleClicked.emit(index)
    dialog = desk.type_dialog.dialog
    assert dialog is not None
    assert dialog.save_button is None
    assert dialog.code_edit.isReadOnly()
    assert not dialog.proration_combo.isEnabled()
    assert dialog.proration_combo.currentText() == "By the day remaining"
    assert dialog.lot_checks[lot.id].checkState() == Qt.CheckState.Checked
    assert not (dialog.lot_checks[lot.id].flags() & Qt.ItemFlag.ItemIsUserCheckable)
    dialog.reject()

    form = desk.office_form
    assert not form.button_row.isVisibleTo(desk)
    assert form.office_name_edit.isReadOnly()
    assert not form.time_zone_combo.isEnabled()


def test_a_lot_saved_below_what_is_sold_warns_the_manager(
    qtbot: QtBot,
    desk_for: Callable[[str], PermitSetupDesk],
    manager: PermitSetupService,
    database: Database,
) -> None:
    lot = new_lot(manager, capacity=3)
    with database.admin() as conn:
        for _ in range(2):
            conn.execute(
                "INSERT INTO parkdesk.permit (kind, lot_id, issued_validity, validity, price, "
                "free_reason) VALUES ('visitor', %(lot)s, tstzrange(now() - interval '1 hour', "
                "now() + interval '1 day'), tstzrange(now() - interval '1 hour', "
                "now() + interval '1 day'), 0, 'Test visitor')",
                {"lot": lot.id},
            )
    desk = desk_for("mona")
    reload(qtbot, desk)
    assert lot_row(desk, lot.code)[2:5] == ["3", "2", "1"]
    desk.tabs.setCurrentIndex(1)
    dialog = desk.open_lot_dialog(desk.service.lot(lot.id))
    assert dialog is not None
    assert "2 permits valid" in dialog.availability.text()
    dialog.capacity_spin.setValue(1)
    dialog.add_zone_row()
    zone_code = dialog.zones_table.item(0, 0)
    zone_name = dialog.zones_table.item(0, 1)
    assert zone_code is not None
    assert zone_name is not None
    zone_code.setText("roof")
    zone_name.setText("Roof level")
    assert dialog.save_button is not None
    dialog.save_button.click()

    qtbot.waitUntil(lambda: lot_row(desk, lot.code)[2] == "1", timeout=TIMEOUT_MS)
    assert lot_row(desk, lot.code)[2:] == ["1", "2", "0 (over by 1)", "ROOF", "Open"]
    assert desk.lot_notice.isVisible()
    assert "now has 1 space but 2 permits are valid now" in desk.lot_notice.label.text()
    assert desk.lots.table.selected_row() is not None


def test_a_bad_zone_and_capacity_are_marked_in_the_lot_dialog(
    desk_for: Callable[[str], PermitSetupDesk],
) -> None:
    desk = desk_for("mona")
    desk.tabs.setCurrentIndex(1)
    dialog = desk.open_lot_dialog(None)
    assert dialog is not None
    dialog.name_edit.setText("Nameless code")
    dialog.add_zone_row()
    assert dialog.remove_zone_button.isEnabled()  # a zone not saved yet may go again
    assert dialog.save_button is not None
    dialog.save_button.click()
    assert "Enter a short code" in dialog.field_error("code")
    assert "Zone 1: a code is 1 to 12" in dialog.field_error("zones")
    dialog.reject()


def test_changes_by_others_show_up_by_themselves(
    qtbot: QtBot, desk_for: Callable[[str], PermitSetupDesk], manager: PermitSetupService
) -> None:
    desk = desk_for("alice")
    lot = new_lot(manager)
    qtbot.waitUntil(lambda: bool(lot_row(desk, lot.code)), timeout=TIMEOUT_MS)
    created = new_type(manager, lot)
    qtbot.waitUntil(lambda: bool(type_row(desk, created.code)), timeout=TIMEOUT_MS)
    manager.save_lot(replace(LotDraft.of(lot), capacity=7), lot.id, lot.version)
    qtbot.waitUntil(lambda: lot_row(desk, lot.code)[2] == "7", timeout=TIMEOUT_MS)


def test_the_office_form_refuses_an_unknown_time_zone_before_saving(
    qtbot: QtBot, desk_for: Callable[[str], PermitSetupDesk]
) -> None:
    desk = desk_for("mona")
    desk.tabs.setCurrentIndex(2)
    form = desk.office_form
    before = form.settings
    assert before is not None
    assert form.button_row.isVisibleTo(desk)
    assert not form.save_button.isEnabled()  # nothing changed yet
    form.time_zone_combo.setCurrentText("Mars/Olympus_Mons")
    form.threshold_edit.setText("-1")
    assert form.save_button.isEnabled()
    form.save_button.click()
    assert "Mars/Olympus_Mons is not a time zone" in form.field_error("time_zone")
    assert "cannot be negative" in form.field_error("refund_approval_threshold")
    assert form.field_error("currency") == ""
    assert form.time_zone_combo.property("invalid") is True
    form.undo()
    assert form.time_zone_combo.currentText() == before.time_zone
    assert form.field_error("time_zone") == ""
    reload(qtbot, desk)
    assert desk.service.office_settings() == before


def test_the_tables_are_sound_item_models(
    qtmodeltester: ModelTester,
    desk_for: Callable[[str], PermitSetupDesk],
    manager: PermitSetupService,
) -> None:
    new_type(manager, new_lot(manager))
    desk = desk_for("mona")
    assert desk.types_model.rowCount() > 0
    qtmodeltester.check(desk.types_model)
    qtmodeltester.check(desk.lots_model)


# -- office settings, saved on a private server (the shared one's must not move) ---------------


@pytest.fixture(scope="module")
def private() -> Iterator[Database]:
    with fresh_database({"mona": ["manager"], "max": ["manager"]}) as db:
        yield db


@pytest.fixture
def private_desk(
    qtbot: QtBot,
    runner: OperationRunner,
    private: Database,
    live_for: Callable[[Workspace], LiveChanges],
) -> Iterator[PermitSetupDesk]:
    workspace = Workspace.open(private.settings("mona"))
    desk = PermitSetupDesk(workspace, runner, live_for(workspace))
    qtbot.addWidget(desk)
    desk.show()
    qtbot.waitUntil(lambda: desk.office_form.settings is not None, timeout=TIMEOUT_MS)
    yield desk
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT_MS)
    workspace.close()


def test_manager_saves_the_office_settings_in_the_form(
    qtbot: QtBot, private_desk: PermitSetupDesk
) -> None:
    desk = private_desk
    desk.tabs.setCurrentIndex(2)
    form = desk.office_form
    form.office_name_edit.setText("North Campus Parking")
    form.time_zone_combo.setCurrentText("America/Toronto")
    form.currency_edit.clear()
    qtbot.keyClicks(form.currency_edit, "cad")
    assert form.currency_edit.text() == "CAD"
    form.threshold_edit.setText("250")
    form.footer_edit.setPlainText("Keep this receipt.")
    assert "18 of 300 characters" in form.footer_count.text()
    assert form.region_combo.currentText() == "Canada (+1)"
    form.region_combo.setCurrentIndex(form.region_combo.findData("US"))
    form.save_button.click()

    qtbot.waitUntil(lambda: form.save_state.text() == "Saved.", timeout=TIMEOUT_MS)
    saved = desk.service.office_settings()
    assert (saved.office_name, saved.time_zone, saved.currency, saved.receipt_footer) == (
        "North Campus Parking",
        "America/Toronto",
        "CAD",
        "Keep this receipt.",
    )
    assert saved.refund_approval_threshold == Decimal(250)
    assert saved.phone_region == "US"
    assert not form.is_dirty()
    assert form.save_button.text() == "Save settings"  # not stuck on "Saving…"
    # Prices follow the office's currency.
    qtbot.waitUntil(lambda: desk.types_model.currency == "CAD", timeout=TIMEOUT_MS)


def test_stale_office_settings_ask_before_reloading(
    qtbot: QtBot,
    private_desk: PermitSetupDesk,
    private: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk = private_desk
    desk.tabs.setCurrentIndex(2)
    form = desk.office_form
    asked: list[list[tuple[str, str]]] = []

    def answer(_message: str, changes: list[tuple[str, str]]) -> bool:
        asked.append(changes)
        return True

    monkeypatch.setattr(desk.office_form, "confirm_conflict", answer)
    form.footer_edit.setPlainText("Mona's footer")
    # Another manager saves first; mona's form keeps her typing and says so.
    other = PermitSetupService(Workspace.open(private.settings("max")))
    try:
        loaded = other.office_settings()
        other.save_office_settings(
            replace(OfficeSettingsDraft.of(loaded), office_name="Max's office"), loaded.version
        )
    finally:
        other.workspace.close()
    qtbot.waitUntil(form.notice.isVisible, timeout=TIMEOUT_MS)
    assert "Changed by max" in form.notice.label.text()
    assert form.footer_edit.toPlainText() == "Mona's footer"

    form.save_button.click()
    qtbot.waitUntil(lambda: bool(asked), timeout=TIMEOUT_MS)
    assert asked[0] == [("Receipt footer", "Mona's footer")]
    qtbot.waitUntil(lambda: form.office_name_edit.text() == "Max's office", timeout=TIMEOUT_MS)
    assert not form.is_dirty()
    assert not form.notice.isVisible()
