"""The appeals desk's dialogs: filing an appeal for a parker at the counter, attaching the
parker's documents to it, and setting a hearing. All are form dialogs: what the database
refuses lands under its field."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QWidget

from desktop.services.appeals import CHANNELS, AppealForm, AppealService
from desktop.services.errors import ValidationError
from desktop.views.kit.attach import AttachFileDialog
from desktop.views.kit.forms import FormDialog, capitals, text_box
from desktop.views.kit.layout import choice_box, field_grid, line_edit, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import MomentEdit


class FileAppealDialog(FormDialog):
    """A parker appeals a citation: its number, how the appeal came in, who appeals, how
    to reach them, and why. After the window only a manager files it, saying why."""

    def __init__(
        self,
        service: AppealService,
        runner: OperationRunner,
        *,
        citation_number: str = "",
        manager: bool = False,
        window_days: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, accept_text="File appeal", busy_text="Filing…", parent=parent)
        self.service = service
        self.key = uuid.uuid4()  # one filing, however often the button is pressed
        self.setObjectName("fileAppealDialog")
        self.setWindowTitle("File an appeal")
        self.setMinimumWidth(560)
        # The window as the desk already read it (never read here, on the GUI thread).
        window = (
            f"within {window_days} days of its issue (some violations set their own window)"
            if window_days
            else "for a set time after its issue (the office's window, or its violation's own)"
        )
        self.audit_label.setText(
            f"A citation may be appealed {window}. "
            + (
                "A later appeal is filed with the reason you accept it."
                if manager
                else "After that, a manager files it."
            )
        )
        self.audit_label.show()
        self.number_edit = line_edit(placeholder="e.g. BZAA0010405", max_length=16)
        self.number_edit.setObjectName("appealCitationEdit")
        capitals(self.number_edit)
        self.number_edit.setText(citation_number)
        self.channel_box = choice_box(CHANNELS.values(), data=CHANNELS.keys())
        self.channel_box.setObjectName("appealChannelChoice")
        self.channel_box.setCurrentIndex(0)
        self.appellant_edit = line_edit(placeholder="Name of the person appealing", max_length=200)
        self.appellant_edit.setObjectName("appellantEdit")
        self.contact_edit = line_edit(placeholder="E-mail, phone or address", max_length=200)
        self.contact_edit.setObjectName("appealContactEdit")
        self.statement_edit = text_box(5, "Why the citation is appealed")
        self.statement_edit.setObjectName("appealStatementEdit")
        self.late_edit = line_edit(placeholder="Only for a late appeal", max_length=300)
        self.late_edit.setObjectName("lateReasonEdit")
        fields = [
            ("citation", "&Citation number", self.number_edit),
            ("channel", "Came &in", self.channel_box),
            ("appellant", "&Appellant", self.appellant_edit),
            ("contact", "Con&tact", self.contact_edit),
            ("statement", "&Statement", self.statement_edit),
        ]
        if manager:
            fields.append(("late_reason", "&Late, accepted because", self.late_edit))
        self.declare(*fields)
        rows = [
            (self.boxes["citation"], self.boxes["channel"]),
            (self.boxes["appellant"], self.boxes["contact"]),
            (self.boxes["statement"],),
        ]
        if manager:
            rows.append((self.boxes["late_reason"],))
        self._finish_layout(vbox(field_grid(*rows)))

    def _save_call(self) -> Callable[[], object]:
        number = self.number_edit.text().strip().upper()
        if not number:
            raise ValidationError.single("citation", "Type the citation's number.")
        form = AppealForm(
            citation_number=number,
            channel=str(self.channel_box.currentData() or ""),
            appellant=self.appellant_edit.text(),
            contact=self.contact_edit.text(),
            statement=self.statement_edit.toPlainText(),
            late_reason=self.late_edit.text(),
        )
        service, key = self.service, self.key
        return lambda: service.file(key, form)


class HearingDialog(FormDialog):
    """When and where the hearing is held; the time on the office's clock (``zone``)."""

    def __init__(
        self,
        save: Callable[[datetime, str], object],
        runner: OperationRunner,
        parent: QWidget | None = None,
        *,
        zone: str,
    ) -> None:
        super().__init__(runner, accept_text="Set hearing", busy_text="Setting…", parent=parent)
        self._save = save
        self.zone = zone
        self.setObjectName("hearingDialog")
        self.setWindowTitle("Set a hearing")
        self.setMinimumWidth(460)
        self.audit_label.setText(
            "The appeal leaves your hands and waits in the queue until the hearing's time."
        )
        self.audit_label.show()
        self.when_edit = MomentEdit()
        self.when_edit.setObjectName("hearingAtEdit")
        start = (datetime.now(ZoneInfo(zone)) + timedelta(days=7)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        self.when_edit.show_moment(start, zone)
        self.place_edit = line_edit(placeholder="e.g. Room 12, Parking Office", max_length=200)
        self.place_edit.setObjectName("hearingPlaceEdit")
        self.declare(("at", "&When", self.when_edit), ("place", "&Where", self.place_edit))
        self._finish_layout(vbox(field_grid((self.boxes["at"],), (self.boxes["place"],))))

    def _save_call(self) -> Callable[[], object]:
        when = self.when_edit.moment(self.zone)
        place, save = self.place_edit.text(), self._save
        return lambda: save(when, place)


class AttachDocumentDialog(AttachFileDialog):
    """A parker's document for an open appeal: the file (a PDF, or a JPEG or PNG photo)
    and what it is. Kept with its fingerprint, never changed or removed afterwards."""

    def __init__(
        self,
        save: Callable[[Path, str], object],
        runner: OperationRunner,
        appeal_number: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            save,
            runner,
            title=f"Attach a document to appeal {appeal_number}",
            intro=(
                "A receipt, a photo of the permit on the dashboard, a letter: a PDF, or a JPEG "
                "or PNG photo, up to 20 MB. Once attached it is kept as it is, for the "
                "adjudicator and the hearing."
            ),
            placeholder="e.g. Receipt for permit P-2026-00412",
            parent=parent,
        )
        self.setObjectName("attachDocumentDialog")
