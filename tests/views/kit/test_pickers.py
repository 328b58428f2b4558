"""One jurisdiction picker for every desk: names in full, codes however they are typed."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop.views.kit.pickers import JurisdictionPicker


@pytest.fixture
def picker(qtbot: QtBot) -> JurisdictionPicker:
    widget = JurisdictionPicker()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_every_jurisdiction_is_named_in_full(picker: JurisdictionPicker) -> None:
    labels = [picker.itemText(i) for i in range(picker.count())]
    assert labels[0] == "ON \u2014 Ontario"
    assert "BC \u2014 British Columbia" in labels
    widest = max(picker.fontMetrics().horizontalAdvance(label) for label in labels)
    assert picker.sizeHint().width() >= widest  # "BC — British Colur" no more


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("ON \u2014 Ontario", "ON"),
        ("on", "ON"),
        (" british columbia ", "BC"),
        ("ny", "NY"),
        ("fr", "FR"),  # any other code, checked by the service
        ("", ""),
    ],
)
def test_the_code_is_read_however_it_was_typed(
    picker: JurisdictionPicker, typed: str, code: str
) -> None:
    picker.setEditText(typed)
    assert picker.code() == code


def test_a_code_set_by_the_desk_shows_its_name(picker: JurisdictionPicker) -> None:
    picker.set_code("qc")
    assert picker.currentText() == "QC \u2014 Quebec"
    assert picker.code() == "QC"
    picker.set_code("MX-CMX")
    assert picker.currentText() == "MX-CMX"
    assert picker.code() == "MX-CMX"
