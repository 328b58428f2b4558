"""The vehicle record (SPEC "Vehicle record"): one window for one plate, opened from any
desk where a plate appears — the vehicle and its owner, then a tab for each thing known
about it that the person may read: permits, reads, citations, appeals, payments,
incidents, the watchlist, exemptions. What the database does not let the login read is
not there; an empty section is not shown either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QWidget

from desktop.services.localization import format_local, format_money
from desktop.services.vehicle_record import VehicleFile, VehicleRecordService
from desktop.views.kit.layout import label, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.table_view import Listing, sorted_table
from desktop.views.kit.tables import Column, RowsModel


class VehicleRecordDialog(QDialog):
    """The record of one plate, read off the GUI thread with the person's own rights."""

    #: The record arrived and is shown.
    shown = Signal()

    def __init__(
        self,
        service: VehicleRecordService,
        runner: OperationRunner,
        jurisdiction: str,
        plate: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("vehicleRecordDialog")
        self.setWindowTitle(f"Vehicle record — {plate} ({jurisdiction})")
        self.resize(980, 600)
        self.file: VehicleFile | None = None
        self.heading = label(
            name="vehicleHeading", plain=True, style="font-size: 14pt; font-weight: 600;"
        )
        self.heading.setText(f"{plate} ({jurisdiction})")
        self.owner = label(name="vehicleOwner", plain=True, wrap=True)
        self.owner.setText("Reading the record…")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("vehicleSections")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        vbox(self.heading, self.owner, (self.tabs, 1), buttons, margins=12, spacing=8, parent=self)
        runner.run_for(
            self, lambda: service.record(jurisdiction, plate), self.show_file, self._failed
        )

    def section_titles(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    def _failed(self, exc: BaseException) -> bool:
        self.owner.setText(f"The record could not be read: {exc}")
        return True

    def show_file(self, file: VehicleFile) -> None:
        self.file = file
        zone, currency = file.time_zone, file.currency

        def when(moment: Any) -> str:
            return "—" if moment is None else format_local(moment, zone)

        if file.owner is None:
            self.owner.setText(
                "Not registered with the office (or not yours to read): what is known "
                "about the plate is below."
            )
        else:
            o = file.owner
            car = " ".join(x for x in (o.colour, o.make, o.model) if x) or "Vehicle"
            self.owner.setText(
                f"{car} — registered to {o.parker_name}"
                if o.parker_name
                else f"{car} — registered, no parker"
            )
        self.tabs.clear()
        self._section(
            "Watchlist",
            file.watchlist,
            [
                Column("Entry", lambda w: w.plate_pattern, samples=("WWWW000",)),
                Column("Category", lambda w: w.category, samples=("Stolen vehicle",)),
                Column("Instruction", lambda w: w.instruction, stretch=True, give_way=True),
                Column("Reason", lambda w: w.reason, give_way=True, tooltip=lambda w: w.reason),
                Column("Until", lambda w: when(w.expires_at), samples=("30 Sep 2026 14:05 EDT",)),
            ],
        )
        self._section(
            "Permits",
            file.permits,
            [
                Column("Permit", lambda p: p.number, samples=("P-2026-00000",)),
                Column("Type", lambda p: p.type_name, give_way=True, samples=("Staff annual",)),
                Column("Lot", lambda p: p.lot_name, give_way=True, samples=("Lot B — Science",)),
                Column("From", lambda p: when(p.valid_from), samples=("30 Sep 2026 14:05 EDT",)),
                Column("Until", lambda p: when(p.valid_until), samples=("30 Sep 2026 14:05 EDT",)),
                Column("State", lambda p: p.state.capitalize(), stretch=True),
            ],
        )
        self._section(
            "Reads",
            file.reads,
            [
                Column("Read", lambda r: when(r.read_at), samples=("30 Sep 2026 14:05 EDT",)),
                Column("Where", lambda r: r.place, stretch=True, give_way=True),
                Column("Device", lambda r: f"{r.device} · {r.officer}", samples=("HH-000 · otto",)),
                Column("Verdict then", lambda r: r.verdict_title, samples=("Over the time limit",)),
            ],
        )
        self._section(
            "Citations",
            file.citations,
            [
                Column("Citation", lambda c: c.number, samples=("HHH00000000",)),
                Column("Issued", lambda c: when(c.issued_at), samples=("30 Sep 2026 14:05 EDT",)),
                Column("Violation", lambda c: c.violation, stretch=True, give_way=True),
                Column(
                    "Owed",
                    lambda c: format_money(c.balance, currency),
                    align="right",
                    samples=("$000.00",),
                ),
                Column("Status", lambda c: c.status_title, samples=("Collections",)),
            ],
        )
        self._section(
            "Appeals",
            file.appeals,
            [
                Column("Appeal", lambda a: a.number, samples=("A2026-00000",)),
                Column("Citation", lambda a: a.citation_number, samples=("HHH00000000",)),
                Column("Filed", lambda a: when(a.filed_at), samples=("30 Sep 2026 14:05 EDT",)),
                Column("Status", lambda a: (a.decision or a.status).capitalize(), stretch=True),
            ],
        )
        self._section(
            "Payments",
            file.payments,
            [
                Column("Receipt", lambda p: p.receipt_number, samples=("R-2026-000000",)),
                Column("When", lambda p: when(p.received_at), samples=("30 Sep 2026 14:05 EDT",)),
                Column(
                    "Amount",
                    lambda p: format_money(p.amount, currency),
                    align="right",
                    samples=("$000.00",),
                ),
                Column("How", lambda p: p.tender.capitalize(), samples=("Account",)),
                Column("For", lambda p: p.description, stretch=True, give_way=True),
            ],
        )
        self._section(
            "Incidents",
            file.incidents,
            [
                Column("Incident", lambda i: i.number, samples=("I2026-00000",)),
                Column("When", lambda i: when(i.occurred_at), samples=("30 Sep 2026 14:05 EDT",)),
                Column(
                    "What", lambda i: i.category, give_way=True, samples=("Damage — Vandalism",)
                ),
                Column(
                    "Status",
                    lambda i: i.status.replace("_", " ").capitalize(),
                    samples=("In progress",),
                ),
                Column("Seen", lambda i: i.description, stretch=True, give_way=True),
            ],
        )
        self._section(
            "Exemptions",
            file.exemptions,
            [
                Column("Reason", lambda e: e.reason, stretch=True),
                Column("Where", lambda e: e.lot_name, samples=("Every lot",)),
                Column("From", lambda e: when(e.starts_at), samples=("30 Sep 2026 14:05 EDT",)),
                Column("Until", lambda e: when(e.ends_at), samples=("30 Sep 2026 14:05 EDT",)),
            ],
        )
        self.tabs.setVisible(self.tabs.count() > 0)
        if self.tabs.count() == 0:
            self.owner.setText(
                "Nothing is on file for this plate that your role may read."
                if file.owner is None
                else self.owner.text() + ". Nothing else is on file that your role may read."
            )
        self.shown.emit()

    def _section(self, title: str, rows: Sequence[Any] | None, columns: list[Column[Any]]) -> None:
        if not rows:
            return  # not the person's to read, or nothing there
        model: RowsModel[Any] = RowsModel(columns, key=id, parent=self)
        model.set_rows(rows)
        table, _proxy = sorted_table(model, f"vehicle{title}")
        self.tabs.addTab(Listing(table), f"{title} ({len(rows)})")
