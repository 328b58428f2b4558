"""The open parker's vehicles on the parker desk: add, edit, remove and restore them.

A plate that differs from a registered one only by look-alike characters (0 and O…)
is asked about before it is added; a removed vehicle stays on record with the reason.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop.services.citations import CitationService
from desktop.services.errors import DuplicateCandidate
from desktop.services.parkers import PLATE_STATUS_TITLES, ParkerDetail, ParkerService, VehicleRecord
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.layout import STRETCH, button, hbox, holder, label, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.table_view import DeskTable
from desktop.views.kit.tables import Column, RowsModel
from desktop.views.parkers.dialogs import CREATE_ANYWAY, DuplicatesDialog, ask_reason
from desktop.views.parkers.enforcement import VehicleEnforcementPanel
from desktop.views.parkers.vehicle_dialog import VehicleDialog


class VehicleTableModel(RowsModel[VehicleRecord]):
    """The vehicles of the open parker (already loaded with the parker: no fetching here)."""

    PLATE, MAKE, MODEL, COLOUR, YEAR, STATUS = range(6)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column(
                    "Plate",
                    lambda v: v.plate_display,
                    tooltip=plate_tooltip,
                    samples=("ON ABCD123", *PLATE_STATUS_TITLES.values()),
                ),
                Column("Make", lambda v: v.make, samples=("Toyota",)),
                Column("Model", lambda v: v.model, samples=("Corolla",)),
                Column("Colour", lambda v: v.colour, samples=("Silver",)),
                Column(
                    "Year", lambda v: str(v.model_year) if v.model_year else "", samples=("2024",)
                ),
                Column("Status", lambda v: "Active" if v.active else "Removed", stretch=True),
            ],
            key=lambda v: v.id,
            dimmed=lambda v: not v.active,
            parent=parent,
        )


def plate_tooltip(vehicle: VehicleRecord) -> str:
    if vehicle.plate_status != "readable":
        status = PLATE_STATUS_TITLES[vehicle.plate_status].lower()
        return f"Registered in {vehicle.jurisdiction}; {status}"
    return (
        f"{vehicle.jurisdiction}: entered as “{vehicle.plate_raw}”, "
        f"stored as {vehicle.plate_normalized}"
    )


class VehiclesPanel(QWidget):
    """The vehicles of the open parker, with the buttons that change them."""

    #: A vehicle was saved, removed or restored (its id): fetch the parker again.
    changed = Signal(int)
    #: Someone else changed a vehicle first: fetch the parker again.
    stale = Signal()

    def __init__(
        self,
        service: ParkerService,
        runner: OperationRunner,
        *,
        editable: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self.editable = service, runner, editable
        self.parker: ParkerDetail | None = None
        self.model = VehicleTableModel(self)
        self.table = DeskTable(self.model)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        row_height = self.table.verticalHeader().defaultSectionSize()
        # Room for a household's cars; more scroll.
        self.table.setMinimumHeight(row_height * 3 + 30)
        self.table.setMaximumHeight(row_height * 6 + 30)
        # Denser cells than the results: six columns share half the desk's width.
        self.table.setStyleSheet(
            "QTableView::item { padding: 3px 4px; } QHeaderView::section { padding: 6px 4px; }"
        )
        self.hint = label("Save the parker first, then add their vehicles.", name="hint")
        self.enforcement = VehicleEnforcementPanel(CitationService(service.workspace), runner)
        self.add_button = button("Add vehicle…", self.add)
        self.edit_button = button("Edit…", self.edit)
        self.remove_button = button("Remove…", self.toggle_active)
        self.buttons = holder(
            hbox(self.add_button, self.edit_button, self.remove_button, STRETCH), visible=editable
        )
        vbox(
            label("Vehicles", style="font-weight: 600;"),
            self.hint,
            self.table,
            self.buttons,
            self.enforcement,
            STRETCH,
            spacing=6,
            parent=self,
        )
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._current_changed())
        self.table.activated.connect(lambda _index: self.edit())
        self.show_parker(None, new=False)

    def show_parker(self, parker: ParkerDetail | None, *, new: bool) -> None:
        """The parker whose vehicles to show; ``new`` when one is being registered."""
        self.parker = parker
        self.table.setVisible(parker is not None)
        if parker is None:
            self.enforcement.show_vehicle(None)
        self.hint.setVisible(new)
        self.buttons.setVisible(parker is not None and self.editable)
        self._update_buttons()

    def set_vehicles(self, vehicles: tuple[VehicleRecord, ...], select: int | None = None) -> None:
        keep = self.selected()
        self.model.set_rows(vehicles)
        self.select(select if select is not None else (keep.id if keep else None))

    def selected(self) -> VehicleRecord | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select(self, vehicle_id: int | None) -> None:
        if vehicle_id is not None and self.model.row_of(vehicle_id) is not None:
            self.table.select_key(vehicle_id)
        self._update_buttons()

    def _current_changed(self) -> None:
        self._update_buttons()
        vehicle = self.selected()
        shown = self.enforcement.vehicle
        if vehicle is None or shown is None or vehicle.id != shown.id:
            self.enforcement.show_vehicle(vehicle)

    def _update_buttons(self) -> None:
        vehicle = self.selected()
        enabled = self.editable and self.parker is not None and vehicle is not None
        self.edit_button.setEnabled(enabled)
        self.remove_button.setEnabled(enabled)
        self.remove_button.setText(
            "Restore" if vehicle is not None and not vehicle.active else "Remove…"
        )

    def add(self) -> None:
        self._open(None)

    def edit(self) -> None:
        if (vehicle := self.selected()) is not None:
            self._open(vehicle)

    def _open(self, vehicle: VehicleRecord | None) -> None:
        if not self.editable or self.parker is None:
            return
        dialog = VehicleDialog(
            self.service,
            self.runner,
            self.parker,
            vehicle,
            # Asked late, so tests and other front ends can answer for the clerk.
            confirm_lookalike=lambda found, over: self.confirm_lookalike_plate(found, over),  # noqa: PLW0108
            parent=self,
        )
        dialog.saved.connect(lambda record: self.changed.emit(record.id))
        dialog.stale.connect(self.stale)
        open_dialog(dialog)

    @property
    def dialog(self) -> VehicleDialog | None:
        """The vehicle dialog open now, if any."""
        return next((d for d in self.findChildren(VehicleDialog) if d.isVisible()), None)

    def toggle_active(self) -> None:
        """Remove the selected vehicle (with a reason), or restore a removed one."""
        vehicle, parker = self.selected(), self.parker
        if not self.editable or vehicle is None or parker is None:
            return
        reason: str | None = ""
        if vehicle.active:
            reason = self.ask_reason(
                "Remove vehicle",
                f"Why is {vehicle.plate_display} being removed from {parker.name}? "
                "The vehicle stays on record as removed.",
                "Remove",
            )
        if reason is None:
            return
        service = self.service

        def failed(_exc: BaseException) -> bool:
            self.stale.emit()
            return False  # the runner shows the message as usual

        self.runner.run_for(
            self,
            lambda: service.set_vehicle_active(
                vehicle.id, vehicle.version, not vehicle.active, reason
            ),
            lambda record: self.changed.emit(record.id),
            failed,
            write=True,
        )

    def confirm_lookalike_plate(
        self, candidates: list[DuplicateCandidate], parent: QWidget | None = None
    ) -> bool:
        dialog = DuplicatesDialog(
            "Look-alike plate",
            "A registered plate differs from this one only by look-alike characters "
            "(such as 0 and O). Check the plate before adding it.",
            candidates,
            go_label="Add anyway",
            parent=parent or self,
        )
        dialog.exec()
        return dialog.choice == CREATE_ANYWAY

    def ask_reason(self, title: str, prompt: str, action: str) -> str | None:
        return ask_reason(self, title, prompt, action)
