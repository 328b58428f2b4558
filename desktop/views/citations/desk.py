"""The citations desk (SPEC rules 7, 12; "Citations"): search by number, plate (with
look-alikes), status, lot, officer and period; a citation's page beside the list; pay
one or several at the counter with one payment and one receipt; void with a reason
(adjudicators and managers); print a citation's notice.

The list pages in off the GUI thread as it scrolls, so it stays instant however many
citations the office holds. Another desk's payment or a device's new citation reaches
the list and the open page through live changes.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from PySide6.QtCore import QDate, QModelIndex, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QDateEdit, QPushButton, QWidget

from desktop.services.appeals import AppealService
from desktop.services.citations import (
    STATUS_TITLES,
    CitationDetail,
    CitationQuery,
    CitationRow,
    CitationService,
    Due,
    Lookups,
)
from desktop.services.errors import NotFound, ValidationError
from desktop.services.localization import format_money, office_today
from desktop.services.permits import PaymentResult, Tender
from desktop.services.vehicle_record import VehicleRecordService
from desktop.views.appeals import FileAppealDialog
from desktop.views.citations.lists import CitationListModel, Office
from desktop.views.citations.office_lists import ScofflawsDialog, SharedPermitsDialog
from desktop.views.citations.page import CitationPage
from desktop.views.kit.desk import Desk
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.forms import NoteDialog
from desktop.views.kit.layout import (
    STRETCH,
    button,
    choice_box,
    desk_action,
    hbox,
    label,
    line_edit,
    vbox,
)
from desktop.views.kit.live import LiveBatch
from desktop.views.kit.payment import PaymentDialog, show_receipt
from desktop.views.kit.table_view import DeskTable, Listing
from desktop.views.kit.vehicle_record import VehicleRecordDialog
from desktop.views.kit.widgets import DeskSplitter, failure_while_alive

#: The pause in typing after which the search runs by itself.
SEARCH_DELAY_MS = 250
#: Bursts of changes (a payment writes several rows) become one refresh.
LIVE_DELAY_MS = 200
LIVE_TABLES = ("citation", "ledger_entry", "evidence", "payment")
#: How often an open manager's desk posts the late fees that have come due.
ESCALATE_EVERY_MS = 5 * 60 * 1000
#: The period filter: title -> days back from today (None: any time; -1: between dates).
PERIODS: dict[str, int | None] = {
    "Any time": None,
    "Today": 0,
    "Last 7 days": 6,
    "Last 30 days": 29,
    "Last 12 months": 364,
    "Between dates…": -1,
}


class CitationsDesk(Desk):
    """Search on top, the citations found on the left, the chosen one's page on the right."""

    #: A search or refresh has arrived in the list.
    results_shown = Signal()
    #: A citation's page is on screen (its :class:`CitationDetail`).
    citation_shown = Signal(object)
    #: A payment was recorded (its :class:`PaymentResult`).
    paid = Signal(object)
    #: A citation was voided (its new :class:`CitationDetail`).
    voided = Signal(object)
    #: A dialog or preview the desk opened (for tests and screenshots).
    dialog_opened = Signal(object)

    def setup(self) -> None:
        self.setObjectName("citationsDesk")
        self.service = CitationService(self.workspace)
        self.office = Office(self.service, self.runner, self._currency, self._zone)
        self.lookups: Lookups | None = None
        self.detail: CitationDetail | None = None
        self._build()
        LiveBatch(self.live, LIVE_DELAY_MS, self).watch(LIVE_TABLES, self.refresh)
        self.runner.run_for(self, self.service.lookups, self._lookups_arrived)

    # -- building ---------------------------------------------------------------------

    def _build(self) -> None:
        self.search_edit = line_edit(placeholder="Citation number or plate (ON ABC 123)")
        self.search_edit.setObjectName("citationSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName("Search citations")
        self.status_combo = self._filter_box("statusFilter", "Any status", STATUS_TITLES)
        self.lot_combo = self._filter_box("lotFilter", "Any lot", {})
        self.officer_combo = self._filter_box("officerFilter", "Any officer", {})
        self.period_combo = self._filter_box("periodFilter", "", {k: k for k in PERIODS})
        self.period_combo.setCurrentIndex(0)
        self.from_edit, self.to_edit = self._date_edit("issuedFrom"), self._date_edit("issuedTo")
        self.between = label("to")
        self._show_dates(False)

        self.model = CitationListModel(self.office, dialog_parent=self, parent=self)
        self.model.rows_arrived.connect(self._results_arrived)
        self.model.failed.connect(self._search_failed)
        self.table = DeskTable(self.model)
        self.table.setObjectName("citationList")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.listing = Listing(self.table)
        self.count_label = label(name="countLabel")

        self.page = CitationPage(self.office)
        self.page.photo_opened.connect(self.dialog_opened)
        self.pay_button = button(
            "Take &payment…", self.pay_selected, primary=True,
            tip="Pay the chosen citations with one payment (select several with Ctrl or Shift)",
        )  # fmt: skip
        self.pay_button.setObjectName("payCitationsButton")
        self.void_button = button(
            "&Void…", self.void_selected, tip="Void this citation, saying why"
        )
        self.void_button.setObjectName("voidCitationButton")
        self.notice_button, self.appeal_button, self.record_button = self._page_buttons()
        self.refresh_button = button("Refresh", self.refresh, tip="Search again (F5)")
        self.scofflaws_button = button(
            "Boot and tow list…", self.show_scofflaws,
            tip="Plates with the office's threshold of unpaid past-due citations",
        )  # fmt: skip
        self.flags_button = button(
            "Permits read together…", self.show_flags,
            tip="Permits whose vehicles were read on site at the same time",
        )  # fmt: skip

        filters = hbox(
            self.search_edit, self.status_combo, self.lot_combo, self.officer_combo,
            self.period_combo, self.from_edit, self.between, self.to_edit, spacing=8,
        )  # fmt: skip
        left = QWidget()
        vbox(
            hbox(label("Citations", name="sectionTitle"), self.count_label, STRETCH,
                 self.flags_button, self.scofflaws_button, self.refresh_button, spacing=8),
            (self.listing, 1),
            spacing=6, parent=left,
        )  # fmt: skip
        right = QWidget()
        vbox(
            (self.page, 1),
            hbox(self.record_button, STRETCH, self.appeal_button, self.notice_button,
                 self.void_button, self.pay_button, spacing=8),
            spacing=6, parent=right,
        )  # fmt: skip
        self.splitter = DeskSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        vbox(filters, (self.splitter, 1), margins=8, spacing=10, parent=self)

        self._typing = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._typing.timeout.connect(self._search_typed)
        self.search_edit.textChanged.connect(lambda _t: self._typing.start())
        self.search_edit.returnPressed.connect(self.search)
        for combo in (self.status_combo, self.lot_combo, self.officer_combo):
            combo.currentIndexChanged.connect(lambda _i: self.search())
        self.period_combo.currentIndexChanged.connect(lambda _i: self._period_changed())
        self.from_edit.dateChanged.connect(lambda _d: self.search())
        self.to_edit.dateChanged.connect(lambda _d: self.search())
        self._update_buttons()

    def _filter_box(self, name: str, anything: str, choices: dict[str, str]) -> QComboBox:
        titles = ([anything] if anything else []) + list(choices.values())
        data: list[object] = [""] if anything else []
        data += list(choices)
        combo = choice_box(titles, data=data, placeholder="")
        combo.setObjectName(name)
        combo.setCurrentIndex(0)
        return combo

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        today = office_today(self.workspace.identity.office_zone)
        edit.setDate(QDate(today.year, today.month, today.day))
        return edit

    def _show_dates(self, shown: bool) -> None:
        for widget in (self.from_edit, self.between, self.to_edit):
            widget.setVisible(shown)

    # -- searching --------------------------------------------------------------------

    def _lookups_arrived(self, lookups: Lookups) -> None:
        self.lookups = lookups
        for combo, items in (
            (self.lot_combo, lookups.lots),
            (self.officer_combo, tuple((o, o) for o in lookups.officers)),
        ):
            combo.blockSignals(True)
            for value, title in items:
                combo.addItem(title, value)
            combo.blockSignals(False)
        self.void_button.setVisible(lookups.can_void)
        self.pay_button.setVisible(lookups.can_take_payments)
        if lookups.can_escalate:
            self._escalation = QTimer(self, interval=ESCALATE_EVERY_MS)
            self._escalation.timeout.connect(self.escalate)
            self._escalation.start()
            self.escalate()
        self.search()

    def escalate(self) -> None:
        """Post due late fees now (the clock job's work; nothing happens twice)."""
        self.runner.run(
            self.service.escalate,
            None,
            failure_while_alive(self, lambda _exc: True),  # the next run tries again
            write=True,
            parent=self,
        )

    def _currency(self) -> str:
        return self.lookups.currency if self.lookups is not None else "USD"

    def _zone(self) -> str:
        return self.lookups.time_zone if self.lookups is not None else "UTC"

    def _search_typed(self) -> None:
        """The pause after typing: search, unless Enter already asked exactly this."""
        if self.lookups is not None and self.query() != self.model.query:
            self.search()

    def _period_changed(self) -> None:
        self._show_dates(PERIODS.get(self.period_combo.currentText()) == -1)
        self.search()

    def query(self) -> CitationQuery:
        """What the filters ask for."""
        today = office_today(self._zone())
        back = PERIODS.get(self.period_combo.currentText())
        issued_from: date | None = None
        issued_to: date | None = None
        if back == -1:
            issued_from = self.from_edit.date().toPython()  # type: ignore[assignment]
            issued_to = self.to_edit.date().toPython()  # type: ignore[assignment]
        elif back is not None:
            issued_from, issued_to = today - timedelta(days=back), today
        lot = self.lot_combo.currentData()
        return CitationQuery(
            text=self.search_edit.text(),
            status=str(self.status_combo.currentData() or ""),
            lot_id=int(lot) if lot else None,
            officer=str(self.officer_combo.currentData() or ""),
            issued_from=issued_from,
            issued_to=issued_to,
        )

    def search(self) -> None:
        """Search again with what the filters say (the list empties, then pages in)."""
        if self.lookups is None:
            return
        try:
            query = self.query()
        except ValidationError as exc:  # pragma: no cover - the filters hold only choices
            self.listing.show_empty("Nothing to search for", exc.message)
            return
        self.model.search(query)

    def refresh(self) -> None:
        """The rows on screen and the open page again, swapped in when the answer is in."""
        if self.lookups is None:
            return
        self.model.refresh()
        if self.detail is not None:
            self._load(self.detail.row.id)

    def _search_failed(self, message: str) -> None:
        self.listing.show_empty("The search could not run", message)

    def _results_arrived(self) -> None:
        rows = self.model.rowCount()
        more = "+" if self.model.canFetchMore(QModelIndex()) else ""
        self.count_label.setText(f"{rows:,}{more} found" if rows else "")
        filtered = bool(self.search_edit.text().strip()) or any(
            combo.currentIndex() > 0
            for combo in (self.status_combo, self.lot_combo, self.officer_combo, self.period_combo)
        )
        self.listing.show_rows(
            rows,
            "No citation matches" if filtered else "No citations yet",
            "Check the number or plate, or widen the filters."
            if filtered
            else "Citations officers issue appear here as their devices send them.",
        )
        if self.detail is not None:
            self.table.show_key(self.detail.row.id)
        else:
            self.splitter.favour(0, 0.7)
        self._update_buttons()
        self.results_shown.emit()

    # -- the chosen citation ------------------------------------------------------------

    def selected_rows(self) -> list[CitationRow]:
        rows = []
        for index in self.table.selectionModel().selectedRows():
            row = self.model.row_at(index.row())
            if row is not None:
                rows.append(row)
        return rows

    def _selection_changed(self) -> None:
        chosen = self.table.current_row()
        selected = self.selected_rows()
        if len(selected) == 1:
            chosen = selected[0]
        if isinstance(chosen, CitationRow) and (
            self.detail is None or self.detail.row.id != chosen.id
        ):
            self._load(chosen.id)
        elif not selected:
            self.detail = None
            self.page.clear()
        self._update_buttons()

    def _load(self, citation_id: int) -> None:
        self.runner.run_for(
            self, lambda: self.service.get(citation_id), self._detail_arrived, self._detail_failed
        )

    def _detail_arrived(self, detail: CitationDetail) -> None:
        selected = [r.id for r in self.selected_rows()]
        if selected and detail.row.id not in selected:
            return  # another citation was chosen meanwhile
        self.detail = detail
        self.page.show_detail(detail)
        self.splitter.favour(1, 0.68)
        self._update_buttons()
        self.citation_shown.emit(detail)

    def _detail_failed(self, exc: BaseException) -> bool:
        if isinstance(exc, NotFound):
            self.detail = None
            self.page.clear()
            self.model.refresh()
            return True
        return False

    def _update_buttons(self) -> None:
        selected = self.selected_rows()
        payable = [r for r in selected if r.payable]
        self.pay_button.setEnabled(bool(payable) and len(payable) == len(selected))
        self.pay_button.setText(
            f"Take &payment for {len(payable)}…" if len(payable) > 1 else "Take &payment…"
        )
        one = self.detail if len(selected) == 1 else None
        self.void_button.setEnabled(one is not None and one.row.status != "void")
        self.notice_button.setEnabled(one is not None)
        self.record_button.setEnabled(one is not None)
        self.appeal_button.setEnabled(one is not None and one.row.status not in ("void", "warning"))

    def _page_buttons(self) -> tuple[QPushButton, QPushButton, QPushButton]:
        """Print the notice; file the parker's appeal (the counter and managers); open the
        plate's vehicle record."""
        notice = button("Print &notice…", self.print_notice)
        notice.setObjectName("citationNoticeButton")
        roles = self.workspace.identity.roles
        appeal = button(
            "&Appeal…", self.file_appeal, tip="The parker appeals this citation",
            visible="clerk" in roles or "manager" in roles,
        )  # fmt: skip
        appeal.setObjectName("appealCitationButton")
        record = button(
            "Vehicle &record…", self.open_vehicle_record,
            tip="Everything you may see about this plate: permits, reads, citations… (Ctrl+R)",
        )  # fmt: skip
        record.setObjectName("vehicleRecordButton")
        desk_action(self, "Vehicle record", "Ctrl+R", self.open_vehicle_record)
        return notice, appeal, record

    def file_appeal(self) -> FileAppealDialog | None:
        """The parker appeals the citation shown: the appeals desk's filing form, with its
        number filled in (the appeal then waits in the adjudicators' queue)."""
        detail = self.detail
        if detail is None or not self.appeal_button.isVisible():
            return None
        dialog = FileAppealDialog(
            AppealService(self.workspace), self.runner, citation_number=detail.row.number,
            manager="manager" in self.workspace.identity.roles, parent=self,
        )  # fmt: skip
        return open_dialog(dialog, self.dialog_opened)

    def open_vehicle_record(self) -> VehicleRecordDialog | None:
        """The record of the shown citation's plate, read with this person's rights."""
        detail = self.detail
        if detail is None or len(self.selected_rows()) != 1:
            return None
        dialog = VehicleRecordDialog(
            VehicleRecordService(self.workspace), self.runner,
            detail.row.jurisdiction, detail.row.plate, self,
        )  # fmt: skip
        return open_dialog(dialog, self.dialog_opened)

    # -- the office's lists ---------------------------------------------------------------

    def show_scofflaws(self) -> ScofflawsDialog:
        dialog = ScofflawsDialog(self.office, self)
        return open_dialog(dialog, self.dialog_opened)

    def show_flags(self) -> SharedPermitsDialog:
        can_clear = bool(self.lookups and self.lookups.can_take_payments)  # clerks, managers
        dialog = SharedPermitsDialog(self.office, can_clear=can_clear, parent=self)
        return open_dialog(dialog, self.dialog_opened)

    # -- paying, voiding, printing ------------------------------------------------------

    def _action_failed(self, _exc: BaseException) -> bool:
        """The buttons come back; the runner shows what went wrong."""
        self._update_buttons()
        return False

    def pay_selected(self) -> None:
        """Take one payment for the selected citations, each at what it owes today."""
        rows = self.selected_rows()
        if not rows or not self.pay_button.isEnabled():
            return
        ids = [r.id for r in rows]
        self.pay_button.setEnabled(False)
        self.runner.run_for(
            self, lambda: self.service.amounts_due(ids), self._open_payment, self._action_failed
        )

    def _open_payment(self, dues: list[Due]) -> None:
        self._update_buttons()
        total = sum((d.amount for d in dues), start=dues[0].amount * 0)
        currency = self._currency()
        description = "\n".join(
            f"{d.row.number} — {d.row.jurisdiction} {d.row.plate}, {d.row.violation}: "
            f"{format_money(d.amount, currency)}"
            + (" (with the early-payment discount)" if d.amount < d.row.balance else "")
            for d in dues
        )
        ids = [d.row.id for d in dues]
        service = self.service

        def submit(key: uuid.UUID, tender: Tender) -> PaymentResult:
            return service.pay(key, ids, tender)

        dialog = PaymentDialog(
            title="Pay citation" if len(dues) == 1 else f"Pay {len(dues)} citations",
            description=description,
            amount=total,
            currency=currency,
            submit=submit,
            runner=self.runner,
            parent=self,
        )
        dialog.paid.connect(self._paid)
        open_dialog(dialog, self.dialog_opened)

    def _paid(self, result: PaymentResult) -> None:
        show_receipt(self, self.runner, self.service, result)
        self.refresh()
        self.paid.emit(result)

    def void_selected(self) -> None:
        detail = self.detail
        if detail is None or not self.void_button.isEnabled():
            return
        owed = format_money(detail.row.balance, self._currency())
        dialog = NoteDialog(
            f"Void citation {detail.row.number}",
            f"Voiding cancels what is owed ({owed}) in the ledger; the citation and its "
            "photos are kept, with your reason. Why is it voided?",
            "Void citation",
            required=True,
            parent=self,
        )
        service, citation_id = self.service, detail.row.id

        def confirmed() -> None:
            reason = dialog.note()
            self.runner.run_for(
                self, lambda: service.void(citation_id, reason), self._voided, write=True
            )

        dialog.accepted.connect(confirmed)
        open_dialog(dialog, self.dialog_opened)

    def _voided(self, detail: CitationDetail) -> None:
        self.detail = detail
        self.page.show_detail(detail)
        self.model.refresh()
        self._update_buttons()
        self.voided.emit(detail)

    def print_notice(self) -> None:
        detail = self.detail
        if detail is None:
            return
        number, citation_id = detail.row.number, detail.row.id
        self.notice_button.setEnabled(False)

        def opened(pdf: bytes) -> None:
            self._update_buttons()
            preview = DocumentPreviewDialog(
                f"Citation {number}", pdf, f"citation-{number}.pdf", self
            )
            open_dialog(preview, self.dialog_opened)

        self.runner.run_for(
            self, lambda: self.service.notice_pdf(citation_id), opened, self._action_failed
        )
