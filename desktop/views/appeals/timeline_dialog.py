"""A citation's case timeline in a window of its own, for the desks that come to a
dispute from elsewhere (the vehicle record): the finding first, then everything in time
order; a photo's line opens the photos."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QWidget

from desktop.services.appeals import AppealOffice, AppealService, TimelineEntry
from desktop.services.citations import CitationService
from desktop.views.appeals.page import EVIDENCE_KINDS, TimelineModel
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.evidence_viewer import EvidenceItem, EvidenceViewer, evidence_items, index_of
from desktop.views.kit.layout import label, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.table_view import Listing, sorted_table
from desktop.views.kit.widgets import NoticeBar


class CaseTimelineDialog(QDialog):
    """The case timeline of one citation, read with the person's own rights."""

    def __init__(
        self,
        service: AppealService,
        runner: OperationRunner,
        citation_id: int,
        number: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("caseTimelineDialog")
        self.setWindowTitle(f"Case timeline, citation {number}")
        self.resize(1000, 560)
        self.service, self.runner = service, runner
        self._office = AppealOffice("USD", "UTC", 20, 30)
        self.finding = NoticeBar("timelineFinding", "")
        self.finding.button.hide()
        self.model = TimelineModel(lambda: self._office, self)
        self.table, _proxy = sorted_table(self.model, "caseTimeline")
        self.table.doubleClicked.connect(lambda _index: self.open_selected_photo())
        self.listing = Listing(self.table)
        self.listing.show_empty("Loading the timeline…", "")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        vbox(
            label("Double-click a photo's or document's line to see it.", name="hint"),
            self.finding,
            (self.listing, 1),
            buttons,
            margins=12,
            spacing=8,
            parent=self,
        )
        self.runner.run_for(
            self,
            lambda: (service.office(), service.timeline(citation_id)),
            self._arrived,
            self._failed,
        )

    def _arrived(self, answer: tuple[AppealOffice, list[TimelineEntry]]) -> None:
        self._office, entries = answer
        findings = [e for e in entries if e.kind == "finding"]
        self.finding.say(" ".join(f"{e.title} {e.detail}".strip() for e in findings))
        rows = [e for e in entries if e.kind != "finding"]
        self.model.set_rows(rows)
        self.listing.show_rows(len(rows), "Nothing on the timeline", "")

    def _failed(self, exc: BaseException) -> bool:
        self.listing.show_empty("The timeline could not be loaded", str(exc))
        return True

    def open_selected_photo(self) -> None:
        """A photo's or document's line opens the case's evidence, from that one."""
        entry: TimelineEntry | None = self.table.selected_row()
        if entry is None or entry.kind not in EVIDENCE_KINDS or entry.ref is None:
            return
        ids = [e.ref for e in self.model.rows() if e.kind in EVIDENCE_KINDS and e.ref]
        chosen, zone = entry.ref, self._office.time_zone
        photos = CitationService(self.service.workspace)

        def read() -> list[EvidenceItem]:
            return evidence_items((photos.photo(i) for i in ids), zone)

        def opened(items: list[EvidenceItem]) -> None:
            open_dialog(
                EvidenceViewer(items, index_of(items, chosen), title="Evidence", parent=self)
            )

        self.runner.run_for(self, read, opened)
