"""The form kit: messages under the fields they name, busy while saving, Enter and Escape."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import cast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QGridLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.services.errors import FieldProblem, ValidationError
from desktop.services.parkers import ParkerDetail, ParkerService
from desktop.views.kit.forms import FieldBox, FormDialog, tick_boxes
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import stylesheet
from desktop.views.parkers.vehicle_dialog import VehicleDialog

TIMEOUT_MS = 5_000
Save = Callable[[str, str], object]


class LotLikeDialog(FormDialog):
    """A two-field dialog, as a desk would declare one."""

    FIELDS = ("name", "code")

    def __init__(self, runner: OperationRunner, save: Save) -> None:
        super().__init__(runner, accept_text="Save lot", busy_text="Saving…")
        self.name_edit, self.code_edit = QLineEdit(), QLineEdit()
        self.boxes = {
            "name": FieldBox("&Name", self.name_edit),
            "code": FieldBox("&Code", self.code_edit),
        }
        grid = QGridLayout()
        grid.addWidget(self.boxes["name"], 0, 0)
        grid.addWidget(self.boxes["code"], 0, 1)
        self._finish_layout(grid)
        self._save = save

    def _save_call(self) -> Callable[[], object]:
        name, code, save = self.name_edit.text(), self.code_edit.text(), self._save
        return lambda: save(name, code)


@pytest.fixture
def runner() -> Iterator[OperationRunner]:
    runner = OperationRunner()
    yield runner
    runner.wait_for_done()


@pytest.fixture
def open_dialog(qtbot: QtBot, runner: OperationRunner) -> Callable[[Save], LotLikeDialog]:
    def _open(save: Save) -> LotLikeDialog:
        dialog = LotLikeDialog(runner, save)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return _open


def test_a_field_error_from_the_service_lands_under_its_field(
    qtbot: QtBot, open_dialog: Callable[[Save], LotLikeDialog]
) -> None:
    def refuse(_name: str, _code: str) -> object:
        raise ValidationError(
            [
                FieldProblem("code", "A code is 1 to 12 letters, digits or dashes."),
                FieldProblem("capacity", "The lot is over capacity."),  # no such field here
            ]
        )

    dialog = open_dialog(refuse)
    qtbot.keyClicks(dialog.name_edit, "Library Lot")
    qtbot.keyClicks(dialog.code_edit, "A B")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.field_error("code") != "", timeout=TIMEOUT_MS)
    assert dialog.field_error("code") == "A code is 1 to 12 letters, digits or dashes."
    assert dialog.code_edit.property("invalid") is True
    assert dialog.field_error("name") == ""
    assert dialog.general_error == "The lot is over capacity."
    assert dialog.focusWidget() is dialog.code_edit
    assert dialog.isVisible()
    # Typing in the field takes its message away.
    qtbot.keyClicks(dialog.code_edit, "X")
    dialog._edited("code")
    assert dialog.field_error("code") == ""


def test_saving_holds_the_button_then_closes_with_the_result(
    qtbot: QtBot, open_dialog: Callable[[Save], LotLikeDialog]
) -> None:
    release = threading.Event()

    def slow(name: str, code: str) -> object:
        release.wait(TIMEOUT_MS / 1000)
        return (name, code)

    dialog = open_dialog(slow)
    qtbot.keyClicks(dialog.name_edit, "Library Lot")
    qtbot.keyClicks(dialog.code_edit, "A")
    button = dialog.save_button
    assert button is not None
    assert button.text() == "Save lot"
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT_MS) as saved:
        qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Return)  # Enter saves
        assert button.text() == "Saving…"
        assert not button.isEnabled()
        dialog.submit()  # a second press while saving does nothing
        release.set()
    assert saved.args == [("Library Lot", "A")]
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_escape_cancels_without_saving(
    qtbot: QtBot, open_dialog: Callable[[Save], LotLikeDialog]
) -> None:
    calls: list[str] = []
    dialog = open_dialog(lambda name, _code: calls.append(name))
    qtbot.keyClicks(dialog.name_edit, "Unsaved")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert calls == []


@pytest.fixture
def styled(qapp: QApplication) -> Iterator[QApplication]:
    qapp.setStyleSheet(stylesheet())
    yield qapp
    qapp.setStyleSheet("")


def test_a_message_makes_room_instead_of_covering_the_next_field(
    qtbot: QtBot, styled: QApplication
) -> None:
    # The vehicle dialog lays out its own fields: the room comes from FieldBox itself.
    parker = cast(ParkerDetail, SimpleNamespace(id=1, name="Cora Corrected"))
    nowhere = cast(ParkerService, None)  # nothing is saved here
    dialog = VehicleDialog(
        nowhere, OperationRunner(), parker, None, confirm_lookalike=lambda _found, _over: False
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.plate.setText("AB$%")
    dialog.show_problems(
        [
            FieldProblem(
                "plate",
                "'AB$%' is not a plate: use 1 to 10 letters A-Z and digits "
                "(spaces, dashes and dots are ignored).",
            )
        ]
    )
    qtbot.wait(100)  # the layout settles
    message = dialog.boxes["plate"].problem
    assert message.isVisible()
    message_bottom = message.mapTo(dialog, message.rect().bottomLeft()).y()
    hint_top = dialog.stored_as.mapTo(dialog, dialog.stored_as.rect().topLeft()).y()
    plate_bottom = dialog.plate.mapTo(dialog, dialog.plate.rect().bottomLeft()).y()
    make_top = dialog.make.mapTo(dialog, dialog.make.rect().topLeft()).y()
    assert hint_top > plate_bottom  # the "stored as" line is under the field, not on it
    assert make_top > message_bottom  # and the message does not cover the next field


def _reddish(widget: QWidget) -> bool:
    """Whether any pixel of ``widget`` is the red of a refused field."""
    image = widget.grab().toImage()
    for y in range(image.height()):
        for x in range(image.width()):
            colour = image.pixelColor(x, y)
            if colour.red() > 170 and colour.green() < 90 and colour.blue() < 90:
                return True
    return False


@pytest.mark.parametrize("make", [QDateEdit, QDateTimeEdit, QSpinBox])
def test_a_refused_date_or_number_is_outlined_like_any_refused_field(
    qtbot: QtBot, qapp: QApplication, make: Callable[[], QWidget]
) -> None:
    qapp.setStyleSheet(stylesheet())
    editor = make()
    box = FieldBox("&Starts on", editor)
    qtbot.addWidget(box)
    box.show()
    assert not _reddish(editor)
    box.show_problem("A permit cannot start in the past.")
    assert _reddish(editor)
    box.show_problem(None)
    assert not _reddish(editor)


def test_refused_tick_boxes_turn_red_and_back(qtbot: QtBot, qapp: QApplication) -> None:
    qapp.setStyleSheet(stylesheet())
    group, checks = tick_boxes({"clerk": "Clerk", "manager": "Manager"}, "role", 4, (12, 6))
    box = FieldBox("Roles", group)
    qtbot.addWidget(box)
    box.show()
    assert not _reddish(checks["clerk"])
    box.show_problem("Choose at least one role.")
    assert _reddish(checks["clerk"])
    box.show_problem(None)
    assert not _reddish(checks["clerk"])
