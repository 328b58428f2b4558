"""Selling a permit at the counter: type, lot, vehicles, start date, the price, then payment.

The dialog shows only the permit types this parker may buy, each lot with its spaces
left for the permit's period, and the price with any proration spelled out. The
quote and the figures are fetched again off the GUI thread whenever the start date
changes and whenever anyone's sale changes a lot. A full lot or a waitlist-only type
turns into the question whether to add the parker to the waitlist.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from functools import partial
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QMessageBox,
    QWidget,
)

from desktop.services.errors import FieldProblem, KnownError, LotFull, ValidationError, WaitlistOnly
from desktop.services.localization import format_day, format_period, office_today
from desktop.services.parkers import ParkerDetail
from desktop.services.permits import (
    LotAvailability,
    PaymentResult,
    PermitService,
    SaleOption,
    WaitlistPosition,
)
from desktop.views.kit.forms import FieldBox
from desktop.views.kit.layout import STRETCH, holder, label, tab_order, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import grow_to_fit
from desktop.views.permits.actions import describe_quote, run_later, vehicle_title
from desktop.views.permits.host import PaidForm

log = logging.getLogger(__name__)

#: The fields of this dialog in screen order; a refusal from the database can name each.
SALE_FIELDS = ("permit_type", "lot", "start", "vehicles")


def lot_title(lot: LotAvailability) -> str:
    """'Lot B — 3 of 420 left', or 'Lot B — full (420 of 420 taken)'."""
    if lot.free <= 0:
        return f"{lot.name} \u2014 full ({lot.capacity - lot.free} of {lot.capacity} taken)"
    return f"{lot.name} \u2014 {lot.free} of {lot.capacity} left"


def lot_hint(option: SaleOption, lot: LotAvailability | None, *, offered: bool) -> str:
    """What the chosen lot means for this sale, under the price."""
    if lot is None:
        return f"{option.name} is not sold for any open lot at the moment."
    if offered:
        return f"The waitlist offer holds a space in {lot.name} for this sale."
    if lot.free <= 0:
        return f"{lot.name} is full for that period; the parker can join its waitlist."
    return f"{lot.free} of {lot.capacity} spaces left in {lot.name} for that period."


def offer_words(offer: WaitlistPosition, parker_name: str, time_zone: str) -> str:
    """'Waitlist offer: a space in Library Lot is held for Ann Lee until 17:00 on …'."""
    until = ""
    if offer.offer_expires_at is not None:
        local = offer.offer_expires_at.astimezone(ZoneInfo(time_zone))
        until = f" until {local:%H:%M} on {format_day(local.date())}"
    return f"Waitlist offer: a space in {offer.lot_name} is held for {parker_name}{until}."


class SellPermitDialog(PaidForm):
    """Chooses what to sell; continuing checks the choices, then opens the payment for the
    price (or asks about the waitlist). It closes once the permit is paid for or the parker
    is on the waitlist; what the database refuses comes back under the fields meanwhile."""

    FIELDS = SALE_FIELDS
    #: The permit is sold and paid (a PaymentResult, for the receipt).
    sold = Signal(object)
    #: The parker joined a waitlist instead (a WaitlistPosition, for the rank).
    waitlisted = Signal(object)

    def __init__(
        self,
        *,
        service: PermitService,
        runner: OperationRunner,
        parker: ParkerDetail,
        options: Sequence[SaleOption],
        currency: str,
        time_zone: str,
        type_id: int | None = None,
        offer: WaitlistPosition | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(service, runner, currency, "Continue to payment…", parent)
        self.parker = parker
        self.time_zone = time_zone
        self.offer = offer
        self.options: list[SaleOption] = list(options)
        self._generation = 0
        self._loading = False
        self._asking = False

        self.setWindowTitle(f"Sell a permit to {parker.name}")
        self.setMinimumWidth(560)
        self._build()
        self._fill_types(type_id if offer is None else offer.type_id)
        self._connect()
        self._type_changed()
        self.type_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def _build(self) -> None:
        self.offer_label = label(
            name="offerNote",
            wrap=True,
            style="background: #eaf2fe; border: 1px solid #c6dbfb; border-radius: 4px; "
            "color: #1e3a5f; padding: 6px;",
        )
        if self.offer is not None:
            self.offer_label.setText(offer_words(self.offer, self.parker.name, self.time_zone))
        self.offer_label.setVisible(self.offer is not None)
        self._build_fields()
        self._build_vehicles()
        self._build_price()
        self._build_layout()

    def _build_fields(self) -> None:
        self.type_combo = QComboBox()
        self.type_combo.setAccessibleName("Permit type")
        self.lot_combo = QComboBox()
        self.lot_combo.setAccessibleName("Lot")
        self.start_edit = QDateEdit()
        self.start_edit.setAccessibleName("Starts on")
        self.start_edit.setCalendarPopup(True)
        self.start_edit.setDisplayFormat("d MMM yyyy")
        today = office_today(self.time_zone)
        self.start_edit.setMinimumDate(QDate(today.year, today.month, today.day))
        self.start_edit.setDate(self.start_edit.minimumDate())
        # Side by side with the lot: the same height, so the two rows line up.
        self.start_edit.setMinimumHeight(self.lot_combo.sizeHint().height())
        self.type_note = label(name="hint", wrap=True)

    def _build_vehicles(self) -> None:
        self.vehicle_checks: list[QCheckBox] = []
        for vehicle in self.parker.vehicles:
            if vehicle.active:
                check = QCheckBox(vehicle_title(vehicle))
                check.setProperty("vehicle_id", vehicle.id)
                self.vehicle_checks.append(check)
        if len(self.vehicle_checks) == 1:
            self.vehicle_checks[0].setChecked(True)  # the only car: nothing to choose
        for check in self.vehicle_checks:
            check.toggled.connect(lambda _on: self._vehicles_changed())
        self.no_vehicles = label(
            f"{self.parker.name} has no active vehicle. Add one on the Parkers & vehicles "
            "desk first.",
            wrap=True,
        )
        self.no_vehicles.setVisible(not self.vehicle_checks)
        self.vehicle_box = holder(vbox(*self.vehicle_checks, self.no_vehicles, spacing=4))
        self.vehicle_box.setAccessibleName("Vehicles")
        if self.vehicle_checks:  # a refused choice of vehicles takes the focus to them
            self.vehicle_box.setFocusProxy(self.vehicle_checks[0])

    def _build_price(self) -> None:
        self.price_frame = QFrame()
        self.price_frame.setObjectName("priceFrame")
        self.price_frame.setStyleSheet(
            "QFrame#priceFrame { background: #ffffff; border: 1px solid #dde2e9; "
            "border-radius: 4px; }"
        )
        self.price_label = label(
            name="priceLabel", wrap=True, style="font-size: 12pt; font-weight: 600; color: #111827;"
        )
        self.price_hint = label(name="hint", wrap=True)
        vbox(
            self.price_label,
            self.price_hint,
            margins=(10, 8, 10, 8),
            spacing=2,
            parent=self.price_frame,
        )

    def _build_layout(self) -> None:
        self.boxes = {
            "permit_type": FieldBox("Permit type", self.type_combo),
            "lot": FieldBox("Lot", self.lot_combo),
            "start": FieldBox("Starts on", self.start_edit),
            "vehicles": FieldBox("Vehicles", self.vehicle_box),
        }
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        top = Qt.AlignmentFlag.AlignTop
        grid.addWidget(self.boxes["permit_type"], 0, 0, 1, 2)
        grid.addWidget(self.type_note, 1, 0, 1, 2)
        grid.addWidget(self.boxes["lot"], 2, 0, top)
        grid.addWidget(self.boxes["start"], 2, 1, top)
        grid.addWidget(self.boxes["vehicles"], 3, 0, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)

        vbox(
            self.offer_label,
            grid,
            self.price_frame,
            self.general_problem,
            STRETCH,
            self.buttons,
            margins=None,
            spacing=10,
            parent=self,
        )
        tab_order(
            self.type_combo,
            self.lot_combo,
            self.start_edit,
            *self.vehicle_checks,
            self.continue_button,
        )

    def _connect(self) -> None:
        self.type_combo.currentIndexChanged.connect(lambda _i: self._type_changed())
        self.lot_combo.currentIndexChanged.connect(lambda _i: self._lot_changed())
        self.start_edit.dateChanged.connect(lambda _d: self.refresh())

    def _sellable(self) -> list[SaleOption]:
        offered = self.offer.type_id if self.offer is not None else None
        return [o for o in self.options if o.eligible or o.type_id == offered]

    def _fill_types(self, select: int | None) -> None:
        self.type_combo.blockSignals(True)
        self.type_combo.clear()
        for option in self._sellable():
            self.type_combo.addItem(f"{option.name} \u2014 {option.validity_text}", option.type_id)
        index = self.type_combo.findData(select) if select is not None else -1
        self.type_combo.setCurrentIndex(max(index, 0) if self.type_combo.count() else -1)
        self.type_combo.blockSignals(False)
        # An offer is for one permit type and lot: the space held is there.
        locked = self.offer is not None
        self.type_combo.setEnabled(not locked and self.type_combo.count() > 0)

    def option(self) -> SaleOption | None:
        type_id = self.type_combo.currentData()
        return next((o for o in self.options if o.type_id == type_id), None)

    def lot(self) -> LotAvailability | None:
        option, lot_id = self.option(), self.lot_combo.currentData()
        lots = option.lots if option is not None else ()
        return next((lot for lot in lots if lot.lot_id == lot_id), None)

    def start(self) -> date:
        chosen = self.start_edit.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def vehicle_ids(self) -> list[int]:
        return [int(c.property("vehicle_id")) for c in self.vehicle_checks if c.isChecked()]

    def _fill_lots(self, option: SaleOption | None) -> None:
        # An offer holds its space in one lot: that lot, whatever was chosen before.
        keep = self.offer.lot_id if self.offer is not None else self.lot_combo.currentData()
        self.lot_combo.blockSignals(True)
        self.lot_combo.clear()
        if option is not None:
            for lot in option.lots:
                self.lot_combo.addItem(lot_title(lot), lot.lot_id)
            index = self.lot_combo.findData(keep) if keep is not None else -1
            if index < 0 and self.lot_combo.count():
                # The first lot with room, so the clerk rarely has to change it.
                free = [i for i, lot in enumerate(option.lots) if lot.free > 0]
                index = free[0] if free else 0
            self.lot_combo.setCurrentIndex(index)
        self.lot_combo.blockSignals(False)
        self.lot_combo.setEnabled(self.offer is None and self.lot_combo.count() > 0)

    def _type_changed(self) -> None:
        option = self.option()
        self._fill_lots(option)
        self._limit_vehicles()
        self.clear_problems()
        self._update()

    def _lot_changed(self) -> None:
        self._edited("lot")
        self._update()

    def _vehicles_changed(self) -> None:
        self._limit_vehicles()
        self._edited("vehicles")

    def _limit_vehicles(self) -> None:
        option = self.option()
        limit = option.max_vehicles if option is not None else 1
        chosen = len(self.vehicle_ids())
        for check in self.vehicle_checks:
            check.setEnabled(check.isChecked() or chosen < limit)
        caption = "Vehicles"
        if self.vehicle_checks and option is not None:
            caption = (
                "Vehicle (one)" if limit == 1 else f"Vehicles (up to {limit}; one parks at a time)"
            )
        self.boxes["vehicles"].caption.setText(caption)

    def _update(self) -> None:
        """The price, the notes and whether the clerk can go on, from what is chosen."""
        option, lot = self.option(), self.lot()
        if not self._sellable():
            price = "Nothing to sell"
            hint = (
                f"No permit type is open to {self.parker.name} at the moment; the Buy a permit "
                "tab says why for each one."
            )
        elif self._loading or option is None:
            price = "Working out the price…" if self._loading else "Choose a permit type"
            hint = ""
        elif option.quote is None:
            price = "No price for that start date"
            hint = option.refusal or "Choose another start date."
        else:
            price = describe_quote(option.quote, self.currency)
            hint = lot_hint(option, lot, offered=self.offer is not None)
        self.price_label.setText(price)
        self.price_hint.setText(hint)
        notes = []
        if option is not None and option.sale_mode == "waitlist" and self.offer is None:
            notes.append(
                f"{option.name} is sold through its waitlist: continuing offers to add "
                f"{self.parker.name} to it."
            )
        if option is not None and option.refusal and self.offer is not None:
            notes.append(option.refusal)
        self.type_note.setText(" ".join(notes))
        self.type_note.setVisible(bool(notes))
        self.accept_text = (
            "Add to waitlist…" if self._waitlist_first(option, lot) else "Continue to payment…"
        )
        self.continue_button.setText(self.accept_text)
        self.continue_button.setEnabled(
            not self._loading
            and option is not None
            and option.quote is not None
            and lot is not None
            and bool(self.vehicle_checks)
        )
        grow_to_fit(self)

    def _waitlist_first(self, option: SaleOption | None, lot: LotAvailability | None) -> bool:
        """The sale cannot go ahead without a waitlist offer: ask before any payment."""
        return self.offer is None and option is not None and option.sold_through_waitlist(lot)

    def refresh(self, *, quiet: bool = False) -> None:
        """Fetch the quote and spaces left again (the start date changed, or someone sold).

        ``quiet``: a refresh nobody asked for (a live change) does not pop up its failure.
        """
        self._generation += 1
        generation, service, parker_id = self._generation, self.service, self.parker.id
        start = self.start()
        if not quiet:
            # A live refresh keeps the figures on screen until the new ones are in.
            self._loading = True
            self._update()

        def arrived(options: list[SaleOption]) -> None:
            if generation != self._generation:
                return
            self._loading = False
            self.set_options(options)

        def failed(exc: BaseException) -> bool:
            if generation == self._generation:
                self._loading = False
                self._update()
            if quiet and isinstance(exc, KnownError):
                log.info("refreshing the sale figures failed: %s", exc)
                return True
            return False

        self.runner.run_for(self, lambda: service.sale_options(parker_id, start), arrived, failed)

    def set_options(self, options: Sequence[SaleOption]) -> None:
        keep_type = self.type_combo.currentData()
        self.options = list(options)
        self._fill_types(keep_type)
        self._fill_lots(self.option())
        self._limit_vehicles()
        self._update()

    def problems(self) -> list[FieldProblem]:
        missing = (
            (self.option() is None, "permit_type", "Choose a permit type."),
            (self.lot() is None, "lot", "Choose the lot."),
            (
                not self.vehicle_ids(),
                "vehicles",
                "Choose the vehicle or vehicles the permit covers.",
            ),
        )
        return [FieldProblem(field, message) for absent, field, message in missing if absent]

    def accept(self) -> None:
        """The choices are sound: take the payment, or first ask about the waitlist."""
        option, lot = self.option(), self.lot()
        quote = option.quote if option is not None else None
        if option is None or lot is None or quote is None or self.payment_dialog is not None:
            return
        if self._waitlist_first(option, lot):
            self.offer_waitlist(
                f"{option.name} is sold through its waitlist."
                if option.sale_mode == "waitlist"
                else f"{lot.name} is full for that period."
            )
            return
        sell = partial(
            self.service.sell,
            parker_id=self.parker.id,
            type_id=option.type_id,
            lot_id=lot.lot_id,
            vehicle_ids=self.vehicle_ids(),
            start=self.start(),
            offer_id=self.offer.entry_id if self.offer is not None else None,
        )
        period = format_period(quote.first_day, quote.last_day)
        description = f"{option.name}, {lot.name}, {period} \u2014 {self.parker.name}"
        self._pay(f"Payment for {option.name}", description, quote.price, sell)

    def _close(self) -> None:
        """Sold, or on the waitlist: nothing is left to choose."""
        super().accept()

    def _paid(self, result: PaymentResult) -> None:
        self.payment = result
        self.sold.emit(result)
        self._close()

    def _refused(self, exc: KnownError) -> bool:
        """The database refused the sale: a full lot or a waitlist-only type is a question.

        Returning True closes the payment dialog; the question comes once it has gone.
        """
        if isinstance(exc, LotFull | WaitlistOnly):
            message = exc.message
            run_later(self, lambda: self.offer_waitlist(message))
            return True
        return False

    def _invalid(self, exc: ValidationError) -> bool:
        """A choice made here was refused (a vehicle got a permit meanwhile): say it here."""
        if not any(p.field in SALE_FIELDS for p in exc.problems):
            return False
        problems = list(exc.problems)
        run_later(self, lambda: self._back_to_choices(problems))
        return True

    def _close_payment(self) -> None:
        dialog = self.host.payment_dialog
        self.host.payment_dialog = None
        if dialog is not None and dialog.isVisible():
            dialog.reject()

    def _back_to_choices(self, problems: list[FieldProblem]) -> None:
        self._close_payment()
        self.show_problems(problems)
        self.refresh()

    def offer_waitlist(self, message: str) -> None:
        """Ask whether to add the parker to the waitlist for the chosen type and lot."""
        option, lot = self.option(), self.lot()
        if option is None or lot is None or self._asking:
            return
        self._asking = True
        try:
            answer = QMessageBox.question(
                self,
                "Join the waitlist?",
                f"{message}\n\nAdd {self.parker.name} to the waitlist for {option.name} "
                f"in {lot.name}?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.Yes,
            )
        finally:
            self._asking = False
        self._close_payment()
        if answer != QMessageBox.StandardButton.Yes:
            self.refresh()
            return
        service, parker_id = self.service, self.parker.id
        type_id, lot_id = option.type_id, lot.lot_id
        self.continue_button.setEnabled(False)

        def joined(position: WaitlistPosition) -> None:
            self.waitlisted.emit(position)
            self._close()

        def failed(_exc: BaseException) -> bool:
            self._update()
            return False

        self.runner.run_for(
            self,
            lambda: service.join_waitlist(type_id, lot_id, parker_id),
            joined,
            failed,
            write=True,
        )
