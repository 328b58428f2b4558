"""The vehicle record's enforcement side on the parker desk: the chosen vehicle's
citations and its latest reads by officers' devices, by its plate (so what happened
before it was registered shows too)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop.services.appeals import AppealService
from desktop.services.citations import (
    STATUS_TITLES,
    CitationRow,
    CitationService,
    VehicleEnforcement,
)
from desktop.services.parkers import VehicleRecord
from desktop.services.platecheck import ReadSeen
from desktop.services.vehicle_record import VehicleRecordService
from desktop.views.appeals import CaseTimelineDialog
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.layout import STRETCH, button, hbox, label, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.table_view import DeskTable, Listing
from desktop.views.kit.tables import Column, RowsModel, badge_column, money_column, recent_column
from desktop.views.kit.vehicle_record import VehicleRecordDialog

#: What needs action stands out; what is settled is quiet.
_STATUS_COLOURS = {"past_due": "#b45309", "collections": "#b91c1c", "paid": "#15803d"}


class _Office:
    """The office's currency and clock, as the last answer gave them."""

    currency = "USD"
    time_zone = "UTC"


class CitationsModel(RowsModel[CitationRow]):
    def __init__(self, office: _Office, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Number", lambda c: c.number, samples=("HHH00000000",)),
                recent_column("Issued", lambda c: c.issued_at, lambda: office.time_zone),
                Column(
                    "Violation",
                    lambda c: c.violation,
                    tooltip=lambda c: f"{c.violation_code}: {c.violation}",
                    stretch=True,
                    give_way=True,
                ),
                money_column("Owed", lambda c: c.balance, lambda: office.currency),
                badge_column("Status", lambda c: c.status, STATUS_TITLES, colours=_STATUS_COLOURS),
            ],
            key=lambda c: c.id,
            dimmed=lambda c: c.status == "void",
            parent=parent,
        )


class ReadsModel(RowsModel[ReadSeen]):
    def __init__(self, office: _Office, parent: QObject | None = None) -> None:
        super().__init__(
            [
                recent_column("Read", lambda r: r.read_at, lambda: office.time_zone),
                Column("Where", lambda r: r.place, stretch=True, give_way=True),
                Column("Device", lambda r: f"{r.device} · {r.officer}", samples=("HH-000 · otto",)),
                Column("Verdict then", lambda r: r.verdict_title, samples=("Over the time limit",)),
            ],
            key=lambda r: r.read_id,
            parent=parent,
        )


class VehicleEnforcementPanel(QWidget):
    """The selected vehicle's citations and reads, fetched off the GUI thread."""

    #: The record of the vehicle shown has arrived.
    loaded = Signal()
    #: A citation's case timeline, or the vehicle's whole record, was opened (its dialog).
    timeline_opened = Signal(object)

    def __init__(
        self, service: CitationService, runner: OperationRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service, self.runner = service, runner
        self.office = _Office()
        self.vehicle: VehicleRecord | None = None
        self.title = label(style="font-weight: 600;")
        self.citations_model = CitationsModel(self.office, self)
        self.reads_model = ReadsModel(self.office, self)
        citations = self._table(self.citations_model, "vehicleCitations")
        citations.doubleClicked.connect(lambda index: self.open_timeline(index.row()))
        citations.setToolTip("Double-click a citation for its case timeline")
        self.citations = Listing(citations)
        self.reads = Listing(self._table(self.reads_model, "vehicleReads"))
        self.record_button = button(
            "Full vehicle record…",
            self.open_vehicle_record,
            tip="Everything on file for this plate that you may read: permits, payments, "
            "appeals, incidents, the watchlist",
        )
        vbox(
            hbox(self.title, STRETCH, self.record_button),
            label("Citations", name="hint"),
            self.citations,
            label("Read by officers' devices (last 90 days)", name="hint"),
            self.reads,
            spacing=4,
            parent=self,
        )
        self.setVisible(False)

    def _table(self, model: RowsModel[CitationRow] | RowsModel[ReadSeen], name: str) -> DeskTable:
        table = DeskTable(model)
        table.setObjectName(name)
        row = table.fontMetrics().height() + 10
        table.verticalHeader().setDefaultSectionSize(row)
        table.setMinimumHeight(row * 3 + 30)
        table.setMaximumHeight(row * 6 + 30)
        return table

    def show_vehicle(self, vehicle: VehicleRecord | None) -> None:
        """The record of ``vehicle`` (None: nothing chosen, the panel hides)."""
        self.vehicle = vehicle
        if vehicle is None or not vehicle.plate_normalized:
            self.setVisible(False)
            return
        self.title.setText(
            f"Enforcement record of {vehicle.jurisdiction} {vehicle.plate_normalized}"
        )
        self.setVisible(True)
        jurisdiction, plate, asked = vehicle.jurisdiction, vehicle.plate_normalized, vehicle.id
        self.runner.run_for(
            self,
            lambda: self.service.vehicle_enforcement(jurisdiction, plate),
            lambda record: self._arrived(asked, record),
            lambda _exc: True,
        )

    def open_vehicle_record(self) -> VehicleRecordDialog | None:
        """The whole record of the chosen vehicle's plate, read with the person's rights."""
        vehicle = self.vehicle
        if vehicle is None or not vehicle.plate_normalized:
            return None
        dialog = VehicleRecordDialog(
            VehicleRecordService(self.service.workspace),
            self.runner,
            vehicle.jurisdiction,
            vehicle.plate_normalized,
            self,
        )
        return open_dialog(dialog, self.timeline_opened)

    def open_timeline(self, row: int) -> CaseTimelineDialog | None:
        """A citation's case timeline: permits, reads, photos, money and appeals."""
        citation = self.citations_model.row_at(row)
        if citation is None:
            return None
        dialog = CaseTimelineDialog(
            AppealService(self.service.workspace), self.runner, citation.id, citation.number, self
        )
        return open_dialog(dialog, self.timeline_opened)

    def _arrived(self, vehicle_id: int, record: VehicleEnforcement) -> None:
        if self.vehicle is None or self.vehicle.id != vehicle_id:
            return  # another vehicle was chosen meanwhile
        self.office.currency, self.office.time_zone = record.currency, record.time_zone
        if record.citations is None:
            self.citations_model.set_rows(())
            self.citations.show_empty("", "Your role does not read citations.")
        else:
            self.citations_model.set_rows(record.citations)
            self.citations.show_rows(len(record.citations), "", "No citations for this plate.")
        self.reads_model.set_rows(record.reads)
        self.reads.show_rows(len(record.reads), "", "No device has read this plate lately.")
        self.loaded.emit()
