"""Two lists the office keeps an eye on, opened from the citations desk: the boot and tow
list (plates with the office's threshold of unpaid past-due citations) and the permits
whose vehicles were read on site together (one vehicle at a time, SPEC rule 5)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QWidget

from desktop.services.citations import Scofflaw, SharedPermitFlag
from desktop.services.localization import format_day, format_local, format_recent
from desktop.views.citations.lists import Office
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.forms import NoteDialog
from desktop.views.kit.layout import button, label, vbox
from desktop.views.kit.table_view import DeskTable, Listing
from desktop.views.kit.tables import Column, RowsModel, money_column


class _ListDialog(QDialog):
    """A titled list that loads off the GUI thread, with Close (and the caller's buttons)."""

    #: The rows have arrived.
    loaded = Signal()

    def __init__(self, title: str, intro: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(860, 480)
        self.intro = label(intro, name="hint", wrap=True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)

    def _lay_out(self, listing: Listing) -> None:
        vbox(self.intro, (listing, 1), self.buttons, margins=14, spacing=10, parent=self)


class ScofflawsDialog(_ListDialog):
    """The boot and tow list."""

    def __init__(self, office: Office, parent: QWidget | None = None) -> None:
        currency, zone = office.currency, office.zone
        super().__init__(
            "Boot and tow list",
            "Plates with the office's threshold of unpaid past-due citations. Officers see "
            "them as scofflaws at every check.",
            parent,
        )
        self.setObjectName("scofflawsDialog")
        self.model: RowsModel[Scofflaw] = RowsModel(
            [
                Column("Plate", lambda s: f"{s.jurisdiction} {s.plate}", samples=("ON WWWW000",)),
                Column(
                    "Unpaid",
                    lambda s: str(s.unpaid),
                    align="right",
                    sort=lambda s: s.unpaid,
                    samples=("Unpaid",),
                ),
                money_column("Owed", lambda s: s.owed, currency),
                Column("Oldest due", lambda s: format_day(s.oldest_due), samples=("30 Sep 2026",)),
                Column("Last cited in", lambda s: s.last_lot or "", stretch=True),
                Column(
                    "Last cited",
                    lambda s: format_recent(s.last_cited_at, zone()) if s.last_cited_at else "",
                    samples=("30 Sep 2025 14:05",),
                ),
            ],
            parent=self,
        )
        self.table = DeskTable(self.model)
        self.table.setObjectName("scofflawList")
        self.listing = Listing(self.table)
        self._lay_out(self.listing)
        office.runner.run_for(self, office.service.scofflaws, self._arrived)

    def _arrived(self, rows: list[Scofflaw]) -> None:
        self.model.set_rows(rows)
        self.listing.show_rows(
            len(rows), "Nobody is on the list", "No plate has enough unpaid past-due citations."
        )
        self.loaded.emit()


class SharedPermitsDialog(_ListDialog):
    """Permits flagged for two vehicles on site together; a clerk or manager records what
    was found."""

    def __init__(self, office: Office, *, can_clear: bool, parent: QWidget | None = None) -> None:
        zone = office.zone
        super().__init__(
            "Permits read on site together",
            "Two vehicles of one permit were read in its lot within the office's window. "
            "Look into each and record what you found.",
            parent,
        )
        self.setObjectName("sharedPermitsDialog")
        self.service, self.runner = office.service, office.runner

        def when(at: object) -> str:
            return format_local(at, zone()) if at is not None else ""  # type: ignore[arg-type]

        self.model: RowsModel[SharedPermitFlag] = RowsModel(
            [
                Column("Permit", lambda f: f.permit_number, samples=("P-0000123",)),
                Column("Lot", lambda f: f.lot_name, samples=("Science Quad Lot",)),
                Column(
                    "Vehicles read",
                    lambda f: f"{f.first_plate} then {f.second_plate}, {f.minutes_apart} min apart",
                    tooltip=lambda f: f"{when(f.first_read_at)} and {when(f.second_read_at)}",
                    stretch=True,
                ),
                Column(
                    "Looked into",
                    lambda f: f"{f.cleared_by}: {f.clear_note}" if f.cleared_at else "Not yet",
                    tooltip=lambda f: when(f.cleared_at) or None,
                    colour=lambda f: None if f.cleared_at else "#b45309",
                    samples=("Not yet",),
                    give_way=True,
                ),
            ],
            key=lambda f: f.id,
            dimmed=lambda f: f.cleared_at is not None,
            parent=self,
        )
        self.table = DeskTable(self.model)
        self.table.setObjectName("sharedPermitList")
        self.listing = Listing(self.table)
        self.clear_button = button("Looked &into…", self.clear_selected)
        self.clear_button.setVisible(can_clear)
        self.clear_button.setEnabled(False)
        self.buttons.addButton(self.clear_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update())
        self._lay_out(self.listing)
        self.reload()

    def reload(self) -> None:
        self.runner.run_for(self, self.service.permit_flags, self._arrived)

    def _arrived(self, rows: list[SharedPermitFlag]) -> None:
        self.model.set_rows(rows)
        self.listing.show_rows(
            len(rows), "No permit is flagged", "No two vehicles of one permit were read together."
        )
        self._update()
        self.loaded.emit()

    def _update(self) -> None:
        flag = self.table.selected_row()
        self.clear_button.setEnabled(isinstance(flag, SharedPermitFlag) and not flag.cleared_at)

    def clear_selected(self) -> NoteDialog | None:
        flag = self.table.selected_row()
        if not isinstance(flag, SharedPermitFlag) or flag.cleared_at is not None:
            return None
        dialog = NoteDialog(
            f"Permit {flag.permit_number}",
            f"What did you find about {flag.first_plate} and {flag.second_plate} on site "
            "together? The note is kept with the flag.",
            "Record",
            required=True,
            parent=self,
        )
        service, flag_id = self.service, flag.id

        def recorded() -> None:
            note = dialog.note()
            self.runner.run_for(
                self,
                lambda: service.clear_flag(flag_id, note),
                lambda _none: self.reload(),
                write=True,
            )

        dialog.accepted.connect(recorded)
        return open_dialog(dialog)
