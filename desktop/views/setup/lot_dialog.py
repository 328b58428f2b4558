"""Create, edit or look at one lot and its zones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QCheckBox,
    QTableWidget,
    QTableWidgetItem,
)

from desktop.services.permit_setup import (
    MAX_CAPACITY,
    LotDraft,
    LotInfo,
    ZoneDraft,
)
from desktop.views.kit.editors import hint, span_grid, spin_box
from desktop.views.kit.forms import capitals
from desktop.views.kit.layout import STRETCH, button, hbox, holder, line_edit, tab_order, vbox
from desktop.views.kit.setup_desk import DeskDialog
from desktop.views.kit.tables import KEY_ROLE

if TYPE_CHECKING:
    from desktop.views.setup.desk import PermitSetupDesk


class LotDialog(DeskDialog):
    """Create or edit one lot: code, name, capacity, open or closed, and its zones."""

    KIND, NAME = "lot", "lotDialog"

    def __init__(self, desk: PermitSetupDesk, lot: LotInfo | None) -> None:
        super().__init__(desk, lot, desk.service.save_lot, desk.service.lot, create=True)
        self.setMinimumWidth(600)
        self._build()
        if lot is not None:
            self._fill(lot)
        else:
            self.availability.hide()
            self._baseline = self.draft()
        if self.read_only:
            self.zone_tools.hide()

    def _build(self) -> None:
        self.code_edit = line_edit(placeholder="e.g. LOT-B", max_length=12)
        capitals(self.code_edit)
        self.name_edit = line_edit(placeholder="e.g. North garage", max_length=100)
        self.capacity_spin = spin_box(0, MAX_CAPACITY, 0, " spaces")
        self.capacity_spin.setGroupSeparatorShown(True)
        self.active_check = QCheckBox("Open: permits are sold for it")
        self.active_check.setChecked(True)
        self.availability = hint()
        boxes = self.declare(
            ("code", "Code", self.code_edit),
            ("name", "Name", self.name_edit),
            ("capacity", "Capacity", self.capacity_spin),
            ("active", "Status", self.active_check),
            ("zones", "Zones", self._build_zones()),
        )
        # The buttons and advice under the zones, above any message about them.
        zones_layout = boxes["zones"].layout()
        if isinstance(zones_layout, QBoxLayout):
            zones_layout.insertWidget(2, self.zone_tools)
        self._finish_layout(
            span_grid(
                [(boxes["code"], 1), (boxes["name"], 2)],
                [(boxes["capacity"], 1), (boxes["active"], 2)],
                [(self.availability, 3)],
                [(boxes["zones"], 3)],
                columns=3,
            )
        )
        tab_order(self.zones_table, self.add_zone_button, self.remove_zone_button)

    def _build_zones(self) -> QTableWidget:
        table = self.zones_table = QTableWidget(0, 2)
        table.setObjectName("lotZones")
        table.setHorizontalHeaderLabels(["Code", "Name"])
        table.verticalHeader().hide()
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        table.setColumnWidth(0, 130)
        row_height = table.fontMetrics().height() + 14
        table.verticalHeader().setDefaultSectionSize(row_height)
        table.setMinimumHeight(row_height * 4 + 36)
        table.itemSelectionChanged.connect(self._zone_selected)
        self.add_zone_button = button("Add zone", self.add_zone_row)
        self.add_zone_button.setAutoDefault(False)
        self.remove_zone_button = button(
            "Remove new zone",
            self._remove_zone_row,
            tip="Saved zones stay: citations and patrols refer to them.",
        )
        self.remove_zone_button.setAutoDefault(False)
        self.remove_zone_button.setEnabled(False)
        words = hint("Zones divide a lot for patrols and fines. Saved zones are kept; rename them.")
        buttons = hbox(self.add_zone_button, self.remove_zone_button, STRETCH)
        self.zone_tools = holder(vbox(buttons, words, margins=(0, 4, 0, 0), spacing=6))
        return table

    def _show(self, record: LotInfo) -> None:
        self.show_field_values(record, *self.FIELDS[:-1])  # the zones are rows below
        self.name_edit.setCursorPosition(0)
        self.zones_table.blockSignals(True)
        try:
            self.zones_table.setRowCount(0)
            for zone in record.zones:
                self._append_zone(zone.code, zone.name, zone.id, zone.version)
        finally:
            self.zones_table.blockSignals(False)
        held = f", {record.offered:,} held for waitlist offers" if record.offered else ""
        advice = (
            ""
            if self.read_only
            else " Capacity may go below what is sold: those permits stay valid and new "
            "sales wait until enough of them end."
        )
        self.availability.setText(
            f"Now: {record.taken:,} permits valid{held}, {record.free:,} spaces free.{advice}"
        )
        self.availability.show()

    def _append_zone(self, code: str, name: str, zone_id: int | None, version: int | None) -> int:
        row = self.zones_table.rowCount()
        self.zones_table.insertRow(row)
        code_item = QTableWidgetItem(code)
        code_item.setData(KEY_ROLE, (zone_id, version))
        self.zones_table.setItem(row, 0, code_item)
        self.zones_table.setItem(row, 1, QTableWidgetItem(name))
        return row

    def add_zone_row(self) -> None:
        row = self._append_zone("", "", None, None)
        self.zones_table.setCurrentCell(row, 0)
        item = self.zones_table.item(row, 0)
        if item is not None:
            self.zones_table.editItem(item)

    def _zone_key(self, row: int) -> tuple[int | None, int | None]:
        item = self.zones_table.item(row, 0)
        key = item.data(KEY_ROLE) if item is not None else None
        if isinstance(key, tuple | list) and len(key) == 2:
            return key[0], key[1]
        return None, None

    def _zone_selected(self) -> None:
        row = self.zones_table.currentRow()
        self.remove_zone_button.setEnabled(row >= 0 and self._zone_key(row)[0] is None)

    def _remove_zone_row(self) -> None:
        row = self.zones_table.currentRow()
        if row >= 0 and self._zone_key(row)[0] is None:
            self.zones_table.removeRow(row)
            self._edited("zones")

    def draft(self) -> LotDraft:
        zones = []
        for row in range(self.zones_table.rowCount()):
            code, name = self.zones_table.item(row, 0), self.zones_table.item(row, 1)
            zone_id, version = self._zone_key(row)
            zones.append(
                ZoneDraft(
                    code.text() if code else "", name.text() if name else "", zone_id, version
                )
            )
        return LotDraft(**self.field_values(*self.FIELDS[:-1]), zones=tuple(zones))

    def changed_fields(self) -> list[tuple[str, str]]:
        typed, loaded = self.draft(), self._baseline
        changes = [
            (caption, getattr(typed, name) or "(empty)")
            for name, caption in (("code", "Code"), ("name", "Name"))
            if getattr(typed, name).strip() != getattr(loaded, name).strip()
        ]
        if typed.capacity != loaded.capacity:
            changes.append(("Capacity", f"{typed.capacity:,} spaces"))
        if typed.active != loaded.active:
            changes.append(("Status", "Open" if typed.active else "Closed"))
        if typed.zones != loaded.zones:
            changes.append(("Zones", ", ".join(f"{z.code} {z.name}" for z in typed.zones)))
        return changes
