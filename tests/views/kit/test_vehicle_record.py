"""The vehicle record as each desk's login sees it: one plate with a citation, a
watchlist entry and an incident — the counter sees the citation, dispatch the watchlist
and the incident, the field neither; nothing a login may not read is shown."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from desktop.services.incidents import IncidentForm, IncidentService
from desktop.services.security import EntryForm, WatchlistService
from desktop.services.vehicle_record import VehicleRecordService
from desktop.services.workspace import Workspace
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.vehicle_record import VehicleRecordDialog
from tests.citation_data import enforcement_field
from tests.conftest import Database

TIMEOUT_MS = 30_000

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support")]


def test_each_login_sees_the_sections_it_may_read(
    qtbot: QtBot,
    runner: OperationRunner,
    workspace_for: Callable[[str], Workspace],
    database: Database,
) -> None:
    field = enforcement_field(database)
    plate = "V" + secrets.token_hex(3).upper()
    field.issue(plate)
    dispatch = workspace_for("dispatcher")
    WatchlistService(dispatch).save_entry(
        EntryForm(
            plate,
            "ON",
            "BOLO",
            2,
            "Seen at the north gate hit and run.",
            "Call dispatch.",
            None,
            None,
        )
    )
    incidents = IncidentService(dispatch)
    category = incidents.categories()[0].id
    incident = incidents.save(
        IncidentForm(
            category,
            2,
            datetime.now().astimezone() - timedelta(hours=1),
            "",
            "North gate",
            "Hit and run.",
            False,
            False,
            "",
            "",
            False,
        )
    )
    incidents.add_vehicle(incident.id, "ON", plate, "The car that left")
    seen: dict[str, list[str]] = {}
    for login in ("clerk", "dispatcher", "officer"):
        dialog = VehicleRecordDialog(
            VehicleRecordService(workspace_for(login)), runner, "ON", plate
        )
        qtbot.addWidget(dialog)
        with qtbot.waitSignal(dialog.shown, timeout=TIMEOUT_MS):
            dialog.show()
        seen[login] = [t.split(" (")[0] for t in dialog.section_titles()]
        dialog.close()
    assert "Citations" in seen["clerk"]
    assert not {"Watchlist", "Incidents"} & set(seen["clerk"])
    assert {"Watchlist", "Incidents"} <= set(seen["dispatcher"])
    assert "Citations" not in seen["dispatcher"]
    assert not {"Citations", "Watchlist", "Incidents"} & set(seen["officer"])
