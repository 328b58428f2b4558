"""The security desk's trespass notices: who may not be where, until when, and their
vehicles on the watchlist for exactly as long (the database makes and retires the
entries). A notice is printed to hand over; revoking one, with a reason, ends its entries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QWidget

from desktop.services.errors import KnownError
from desktop.services.localization import format_local
from desktop.services.parkers import ParkerService
from desktop.services.security import NOTICE_STATES, NoticeForm, TrespassNotice, TrespassService
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.forms import DialogSlot, FormDialog, NoteDialog, capitals, text_box
from desktop.views.kit.layout import STRETCH, button, field_grid, hbox, label, line_edit, vbox
from desktop.views.kit.live import LiveBatch, LiveChanges
from desktop.views.kit.operations import Loader, OperationRunner
from desktop.views.kit.table_view import Listing, sorted_table
from desktop.views.kit.tables import Column, RowsModel, badge_column
from desktop.views.kit.widgets import MomentEdit
from desktop.views.security.dialogs import RegisteredParker


class NoticesModel(RowsModel[TrespassNotice]):
    def __init__(self, zone: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Notice", lambda n: n.number, samples=("T2026-00000",)),
                Column(
                    "Person",
                    lambda n: n.person_name,
                    give_way=True,
                    samples=("Alexandra Okonkwo",),
                    tooltip=lambda n: n.person_description,
                ),
                Column(
                    "Place",
                    lambda n: n.place,
                    stretch=True,
                    give_way=True,
                    tooltip=lambda n: n.place,
                ),
                Column(
                    "Until",
                    lambda n: format_local(n.expires_at, zone()),
                    samples=("30 Sep 2026 14:05 EDT",),
                    sort=lambda n: n.expires_at,
                ),
                Column(
                    "Vehicles",
                    lambda n: ", ".join(n.vehicles) or "—",
                    give_way=True,
                    samples=("ON ABCD123",),
                    tooltip=lambda n: ", ".join(n.vehicles),
                ),
                badge_column(
                    "State", lambda n: n.state, NOTICE_STATES, colours={"revoked": "#6b7280"}
                ),
            ],
            key=lambda n: n.id,
            dimmed=lambda n: n.state != "in_force",
            parent=parent,
        )


class NoticeDialog(FormDialog):
    """A notice to a person for a place, until a time, for a reason, with their vehicles."""

    def __init__(
        self,
        save: Callable[[NoticeForm], object],
        runner: OperationRunner,
        parkers: ParkerService,
        parent: QWidget | None = None,
        *,
        zone: str,
    ) -> None:
        super().__init__(runner, accept_text="Issue", busy_text="Issuing…", parent=parent)
        self._save = save
        #: The office's time zone: the notice ends at a time on its clock.
        self.zone = zone
        self.setObjectName("trespassNoticeDialog")
        self.setWindowTitle("Issue a trespass notice")
        self.setMinimumWidth(560)
        self.audit_label.setText(
            "While the notice is in force, the vehicles named here are on the watchlist: "
            "patrols and cameras that read them alert dispatch."
        )
        self.audit_label.show()
        self.name_edit = line_edit(placeholder="The person's name", max_length=200)
        self.name_edit.setObjectName("noticePersonEdit")
        self.registered = RegisteredParker(
            parkers,
            runner,
            self.name_edit,
            find_text="Re&gistered parker…",
            purpose="Choose the parker the notice is issued to: their registered vehicles "
            "go on the watchlist with the notice, beside any you name.",
        )
        self.description_edit = line_edit(placeholder="e.g. Tall, grey hoodie", max_length=500)
        self.lot_edit = line_edit(placeholder="Lot code, e.g. C", max_length=12)
        capitals(self.lot_edit)
        self.place_edit = line_edit(
            placeholder="Or where, e.g. All campus parking lots", max_length=200
        )
        self.reason_edit = text_box(3, "Why the notice is issued")
        self.until_edit = MomentEdit()
        end = (datetime.now(ZoneInfo(zone)) + timedelta(days=365)).replace(hour=23, minute=59)
        self.until_edit.show_moment(end, zone)
        self.plates_edit = text_box(
            3, "Vehicles, one to a line: ON ABC123 (a registered parker's own go on by themselves)"
        )
        self.declare(
            ("person_name", "&Person", self.name_edit),
            ("parker", "Parker", self.registered),
            ("person_description", "&Description", self.description_edit),
            ("lot", "&Lot", self.lot_edit),
            ("place", "Pl&ace", self.place_edit),
            ("reason", "&Reason", self.reason_edit),
            ("expires_at", "In force &until", self.until_edit),
            ("plates", "&Vehicles", self.plates_edit),
        )
        b = self.boxes
        self._finish_layout(
            vbox(
                field_grid(
                    (b["person_name"], b["person_description"]),
                    (b["parker"],),
                    (b["lot"], b["place"]),
                    (b["reason"],),
                    (b["expires_at"],),
                    (b["plates"],),
                )
            )
        )

    def _save_call(self) -> Callable[[], object]:
        form = NoticeForm(
            person_name=self.name_edit.text(),
            person_description=self.description_edit.text(),
            lot_code=self.lot_edit.text(),
            place=self.place_edit.text(),
            reason=self.reason_edit.toPlainText(),
            expires_at=self.until_edit.moment(self.zone),
            plates=tuple(self.plates_edit.toPlainText().splitlines()),
            parker_id=self.registered.parker_id,
        )
        save = self._save
        return lambda: save(form)


class TrespassPanel(QWidget):
    """The notices, newest first; issue, revoke, print."""

    loaded = Signal()
    #: A notice's PDF was opened (its preview dialog).
    dialog_opened = Signal(object)

    def __init__(
        self,
        service: TrespassService,
        runner: OperationRunner,
        live: LiveChanges,
        zone: Callable[[], str],
        *,
        editable: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self._zone = service, runner, zone
        self.dialog: DialogSlot[NoticeDialog] = DialogSlot(self._issued)
        self.model = NoticesModel(zone, self)
        self.table, _proxy = sorted_table(self.model, "noticesTable")
        self.table.doubleClicked.connect(lambda _i: self.print_notice())
        self.listing = Listing(self.table)
        self.ended_check = QCheckBox("Show &ended and revoked")
        self.ended_check.toggled.connect(lambda _on: self.reload())
        issue = button("&Issue a notice…", self.issue, primary=True, visible=editable)
        issue.setObjectName("issueNoticeButton")
        self.revoke_button = button("Re&voke…", self.revoke, visible=editable)
        self.print_button = button("&Print…", self.print_notice, tip="The notice to hand over")
        self.note = label(name="hint", plain=True, wrap=True)
        vbox(
            hbox(issue, self.revoke_button, self.print_button, STRETCH, spacing=8),
            hbox(self.ended_check, (self.note, 1), spacing=12),
            (self.listing, 1),
            margins=4,
            spacing=8,
            parent=self,
        )
        self.loader = Loader(self, runner, self._call, self._listed, self._failed)
        LiveBatch(live, 200, self).watch(("trespass_notice", "watchlist_entry"), self.reload)

    def reload(self) -> None:
        self.loader.reload()

    def _call(self) -> Callable[[], list[TrespassNotice]]:
        service, everything = self.service, self.ended_check.isChecked()
        return lambda: service.notices(include_ended=everything)

    def _listed(self, notices: list[TrespassNotice]) -> None:
        self.model.set_rows(notices)
        self.listing.show_rows(
            len(notices), "No notice in force", "Trespass notices you issue appear here."
        )
        self.loaded.emit()

    def _failed(self, exc: KnownError) -> None:
        self.listing.show_empty("The notices could not be loaded", exc.message)

    def issue(self) -> NoticeDialog | None:
        return self.dialog.open(
            lambda: NoticeDialog(
                self.service.issue,
                self.runner,
                ParkerService(self.service.workspace),
                self,
                zone=self._zone(),
            )
        )

    def _issued(self, notice: object) -> None:
        if isinstance(notice, TrespassNotice):
            vehicles = ", ".join(notice.vehicles) or "no vehicle"
            self.note.setText(f"Notice {notice.number} issued; on the watchlist: {vehicles}.")
            self.show_pdf(notice)
        self.reload()

    def revoke(self) -> None:
        notice: TrespassNotice | None = self.table.selected_row()
        if notice is None or notice.state != "in_force":
            return
        dialog = NoteDialog(
            "Revoke the notice",
            f"Why is notice {notice.number} revoked?",
            "Revoke",
            required=True,
            parent=self,
        )
        notice_id, service = notice.id, self.service
        dialog.accepted.connect(
            lambda: self.runner.run_for(
                self,
                lambda: service.revoke(notice_id, dialog.note()),
                lambda _n: self.reload(),
                write=True,
            )
        )
        open_dialog(dialog)

    def print_notice(self) -> None:
        notice: TrespassNotice | None = self.table.selected_row()
        if notice is not None:
            self.show_pdf(notice)

    def show_pdf(self, notice: TrespassNotice) -> None:
        service, notice_id, number = self.service, notice.id, notice.number

        def opened(pdf: bytes) -> None:
            open_dialog(
                DocumentPreviewDialog(
                    f"Trespass notice {number}", pdf, f"trespass-{number}.pdf", self
                ),
                self.dialog_opened,
            )

        self.runner.run_for(self, lambda: service.notice_pdf(notice_id), opened)
