"""Devices & numbers: field devices, their citation number ranges with what was issued and
spoiled, spoiling unused numbers, and the office's check-digit scheme with a sample."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QWidget

from desktop.services.enforcement_setup import (
    DEVICE_KIND_TITLES,
    SCHEME_TITLES,
    DeviceDraft,
    DeviceInfo,
    EnforcementOverview,
    EnforcementSettings,
    RangeDraft,
    RangeInfo,
    SpoilDraft,
)
from desktop.views.enforcement_setup.common import SettingsStrip, counted, spin
from desktop.views.enforcement_setup.tables import device_model, range_model
from desktop.views.kit.editors import hint
from desktop.views.kit.forms import DialogSlot, capitals, text_box
from desktop.views.kit.layout import button, choice_box, label, line_edit, vbox
from desktop.views.kit.setup_desk import DeskDialog, RecordList
from desktop.views.kit.widgets import while_alive

if TYPE_CHECKING:
    from desktop.views.enforcement_setup.desk import EnforcementSetupDesk


class DeviceDialog(DeskDialog):
    """A field device: its code (kept once saved: the device sends it), kind, description."""

    KIND, NAME = "device", "deviceDialog"

    def __init__(self, desk: EnforcementSetupDesk, device: DeviceInfo | None) -> None:
        super().__init__(desk, device, desk.service.save_device, desk.service.device)
        self.code_edit = line_edit(placeholder="e.g. HH-07", max_length=20)
        capitals(self.code_edit)
        self.kind_combo = choice_box(DEVICE_KIND_TITLES.values(), data=DEVICE_KIND_TITLES)
        self.description_edit = line_edit(placeholder="e.g. North patrol", max_length=200)
        self.active_check = QCheckBox("In use")
        self.active_check.setChecked(True)
        self.lay_out(
            [("code", "Code", self.code_edit, 1), ("kind", "Kind", self.kind_combo, 1)],
            [("description", "Description", self.description_edit, 2)],
            [("active", "Status", self.active_check, 2)],
            columns=2,
        )
        if device is not None:
            self.code_edit.setReadOnly(True)
            self.code_edit.setToolTip("The device sends its code with every call: it stays.")

    def _show(self, record: DeviceInfo) -> None:
        self.show_field_values(DeviceDraft.of(record))

    def draft(self) -> DeviceDraft:
        values = self.field_values()
        return DeviceDraft(**values | {"kind": values["kind"] or ""})


class RangeDialog(DeskDialog):
    """A new range of citation numbers for the chosen device (ranges never change)."""

    KIND, NAME = "number range", "rangeDialog"

    def __init__(self, desk: EnforcementSetupDesk, device: DeviceInfo) -> None:
        super().__init__(
            desk, None, desk.service.add_range, title=f"New number range for {device.code}"
        )
        self.device = device
        self.prefix_edit = line_edit(placeholder="e.g. P", max_length=4)
        capitals(self.prefix_edit)
        self.first_edit = line_edit(right=True, placeholder="e.g. 1", max_length=9)
        self.last_edit = line_edit(right=True, placeholder="e.g. 99999", max_length=9)
        self.width_spin = spin(4, 9, 6, " digits")
        self.lay_out(
            [("prefix", "Prefix", self.prefix_edit, 1), ("width", "Width", self.width_spin, 1)],
            [
                ("first_seq", "First number", self.first_edit, 1),
                ("last_seq", "Last number", self.last_edit, 1),
            ],
            columns=2,
            note="A number is the prefix, the sequence in this many digits and a check digit. "
            "No two ranges of one prefix overlap.",
        )

    def draft(self) -> RangeDraft:
        return RangeDraft(self.device.id, **self.field_values())


class SpoilDialog(DeskDialog):
    """Numbers of a range that will never be issued, with why (an issued one is refused)."""

    KIND, NAME = "spoiled numbers", "spoilDialog"

    def __init__(self, desk: EnforcementSetupDesk, numbers: RangeInfo) -> None:
        super().__init__(
            desk,
            None,
            desk.service.spoil_numbers,
            accept_text="Spoil numbers",
            title=f"Spoil numbers of {numbers.sequence_words}",
        )
        self.numbers = numbers
        self.busy_text = "Spoiling…"
        self.first_edit = line_edit(right=True, placeholder=f"{numbers.first_seq}", max_length=9)
        self.last_edit = line_edit(right=True, placeholder="Same as the first", max_length=9)
        self.reason_edit = text_box(3, "Reason")
        self.lay_out(
            [
                ("first", "First number", self.first_edit, 1),
                ("last", "Last number", self.last_edit, 1),
            ],
            [("reason", "Reason", self.reason_edit, 2)],
            columns=2,
            note=f"Sequence numbers {numbers.first_seq:,} to {numbers.last_seq:,}, without the "
            "prefix and check digit; at most 1,000 at a time. An issued number is never spoiled.",
        )

    def draft(self) -> SpoilDraft:
        return SpoilDraft(self.numbers.id, **self.field_values())


class SchemeStrip(SettingsStrip):
    """The office's check-digit scheme, with a number as it would make it."""

    def __init__(self, desk: EnforcementSetupDesk) -> None:
        scheme_combo = choice_box(SCHEME_TITLES.values(), data=SCHEME_TITLES)
        sample = label(name="sampleNumber")
        sample.setStyleSheet("font-family: monospace; font-size: 15px; font-weight: 600;")
        sample_hint = hint()
        sample_box = QWidget()
        vbox(label("A number looks like"), sample, sample_hint, spacing=2, parent=sample_box)
        # Room for the words under the sample on one line, beside the scheme's field.
        words = "P prefix, sequence 0001234, check digit 4."
        sample_hint.ensurePolished()
        sample_box.setMinimumWidth(sample_hint.fontMetrics().horizontalAdvance(words) + 16)
        super().__init__(
            desk,
            name="schemeSettings",
            title="Check digit",
            fields=(
                (
                    "check_digit_scheme",
                    "Check-digit scheme",
                    scheme_combo,
                    "Devices and the office check every citation number's last digit by it.",
                ),
            ),
            beside=(sample_box,),
        )
        self.scheme_combo, self.sample, self.sample_hint = scheme_combo, sample, sample_hint
        self.scheme_combo.currentIndexChanged.connect(lambda _i: self._ask_sample())

    def loaded(self, settings: EnforcementSettings) -> None:
        self._show_sample(settings.check_digit_scheme, settings.sample_number)

    def _ask_sample(self) -> None:
        scheme = self.scheme_combo.currentData()
        if self._loading or not self.editable or not isinstance(scheme, str):
            return
        service = self.service
        self.runner.run(  # type: ignore[union-attr]
            lambda: service.sample_number(scheme),
            while_alive(self, lambda number: self._show_sample(scheme, str(number))),
            parent=self,
        )

    def _show_sample(self, scheme: str, number: str) -> None:
        if self.scheme_combo.currentData() != scheme:
            return  # an answer for a scheme no longer chosen
        if not number:
            self.sample.setText("\u2014")
            self.sample_hint.setText("Managers see a sample number here.")
            return
        self.sample.setText(number)
        self.sample_hint.setText(
            f"{number[:1]} prefix, sequence {number[1:-1]}, check digit {number[-1]}."
        )


class DevicesTab(QWidget):
    """Devices above; the chosen device's ranges below, and the check-digit scheme."""

    def __init__(self, desk: EnforcementSetupDesk) -> None:
        super().__init__()
        self.desk = desk
        self.device_dialog: DialogSlot[DeviceDialog] = DialogSlot(desk.saved)
        self.range_dialog: DialogSlot[RangeDialog] = DialogSlot(desk.saved)
        self.spoil_dialog: DialogSlot[SpoilDialog] = DialogSlot(desk.saved)
        self.devices = RecordList(
            device_model(desk.workspace.identity, self),
            "devicesTable",
            self.open_device,
            title="Devices",
            kind="device",
            editable=desk.editable,
            empty=(
                "No devices yet",
                "Add the handhelds, LPR vehicles and cameras officers use.",
                "A manager adds the devices officers use.",
            ),
        )
        self.spoil_button = button(
            "Spoil numbers…",
            self.open_spoil,
            tip="Mark unused numbers of the range as spoiled",
            visible=desk.editable,
        )
        self.ranges = RecordList(
            range_model(desk.workspace.identity, self),
            "rangesTable",
            self.open_range,
            title="Number ranges",
            kind="number range",
            editable=desk.editable,
            extra=(self.spoil_button,),
        )
        self.ranges.edit_button.hide()  # ranges are never changed; numbers are spoiled
        self.devices.table.selectionModel().selectionChanged.connect(
            lambda *_args: self.show_chosen()
        )
        self.scheme_form = SchemeStrip(desk)
        self.scheme_form.saved.connect(lambda _s: desk.refresh())
        vbox(
            (self.devices, 3),
            (self.ranges, 2),
            self.scheme_form,
            margins=(0, 10, 0, 0),
            spacing=14,
            parent=self,
        )

    def chosen(self) -> DeviceInfo | None:
        row = self.devices.table.selected_row()
        return row if isinstance(row, DeviceInfo) else None

    def show_overview(self, overview: EnforcementOverview) -> None:
        in_use = sum(1 for d in overview.devices if d.active)
        self.devices.show_rows(
            overview.devices, f"{counted(len(overview.devices), 'device')}, {in_use} in use"
        )
        if self.chosen() is None and overview.devices:
            self.devices.table.select_key(None)
        self.show_chosen()
        self.scheme_form.load(overview.settings)

    def show_chosen(self) -> None:
        overview, device = self.desk.overview, self.chosen()
        if overview is None:
            return
        ranges = [r for r in overview.ranges if device is not None and r.device_id == device.id]
        self.ranges.title.setText(f"Number ranges of {device.code}" if device else "Number ranges")
        self.ranges.show_rows(
            ranges,
            empty=("No number ranges", "Give the device a range so it can issue offline.")
            if device is not None
            else ("Choose a device", "Its citation number ranges are listed here."),
        )
        self.ranges.new_button.setEnabled(device is not None)

    def open_device(self, device: DeviceInfo | None) -> DeviceDialog | None:
        if device is None and not self.desk.editable:
            return None
        return self.device_dialog.open(lambda: DeviceDialog(self.desk, device))

    def open_range(self, numbers: Any) -> RangeDialog | None:
        device = self.chosen()
        if numbers is not None or device is None or not self.desk.editable:
            return None
        return self.range_dialog.open(lambda: RangeDialog(self.desk, device))

    def open_spoil(self) -> SpoilDialog | None:
        numbers = self.ranges.table.selected_row()
        if not isinstance(numbers, RangeInfo) or not self.desk.editable:
            return None
        return self.spoil_dialog.open(lambda: SpoilDialog(self.desk, numbers))
