"""Trespass notices on the security desk: issued from the form, printed to hand over,
their vehicles on the watchlist; revoked with a reason."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.security.desk import SecurityDesk
from desktop.views.security.trespass import NoticeDialog
from tests.views.security.test_security_desk import TIMEOUT_MS, desk_for

__all__ = ["desk_for"]

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


def test_a_notice_is_issued_printed_and_its_vehicle_watched(
    qtbot: QtBot, desk_for: Callable[[str], SecurityDesk]
) -> None:
    desk = desk_for("dispatcher")
    panel = desk.trespass
    desk.tabs.setCurrentIndex(3)
    plate = "T" + secrets.token_hex(3).upper()
    dialog = panel.issue()
    assert isinstance(dialog, NoticeDialog)
    dialog.name_edit.setText("Pat Doe")
    dialog.place_edit.setText("All campus parking lots")
    dialog.reason_edit.setPlainText("Repeated damage to parked cars")
    dialog.plates_edit.setPlainText(f"on {plate}\nAB1")
    with qtbot.waitSignal(desk.runner.finished, timeout=TIMEOUT_MS):
        dialog.submit()
    qtbot.waitUntil(dialog.boxes["plates"].problem.isVisible, timeout=TIMEOUT_MS)
    assert "AB1 is not a vehicle" in dialog.boxes["plates"].problem.text()
    dialog.plates_edit.setPlainText(f"on {plate}")
    with qtbot.waitSignal(panel.dialog_opened, timeout=TIMEOUT_MS) as opened:
        dialog.submit()
    preview = opened.args[0]
    assert isinstance(preview, DocumentPreviewDialog)
    assert preview.windowTitle().startswith("Trespass notice T")
    preview.reject()
    assert panel.note.text().endswith(f"on the watchlist: ON {plate}.")
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=TIMEOUT_MS)
    issued = next(n for n in panel.model.rows() if f"ON {plate}" in n.vehicles)
    assert issued.state == "in_force"
    qtbot.waitUntil(
        lambda: any(e.plate_pattern == plate for e in desk.entries_model.rows()),
        timeout=TIMEOUT_MS,
    )
