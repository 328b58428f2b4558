"""An appeal's papers on the appeals desk: the decision letter, the notice of hearing and
the hearing packet previewed as PDFs, and the case's photos and documents in the evidence
viewer — each made off the GUI thread and opened over the desk when ready.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QWidget

from desktop.services.appeals import Appeal, AppealService
from desktop.services.citations import CitationService
from desktop.views.kit.dialogs import open_dialog
from desktop.views.kit.document_preview import DocumentPreviewDialog
from desktop.views.kit.evidence_viewer import EvidenceItem, EvidenceViewer, evidence_items, index_of
from desktop.views.kit.operations import OperationRunner


class AppealPapers:
    """Opens the papers of the appeal ``appeal()`` gives, over ``owner``; every dialog
    opened is announced on ``opened`` (for tests and screenshots)."""

    def __init__(
        self,
        owner: QWidget,
        runner: OperationRunner,
        *,
        service: AppealService,
        photos: CitationService,
        appeal: Callable[[], Appeal | None],
        zone: Callable[[], str],
        opened: SignalInstance,
    ) -> None:
        self.owner = owner
        self.runner = runner
        self.service = service
        self.photos_service = photos
        self.appeal = appeal
        self.zone = zone
        self.opened = opened

    def letter(self) -> None:
        appeal = self.appeal()
        if appeal is not None and appeal.status == "decided":
            self._paper(
                appeal, self.service.decision_letter_pdf, "Decision on appeal {}", "decision"
            )

    def hearing_notice(self) -> None:
        appeal = self.appeal()
        if appeal is not None and appeal.hearing_at is not None:
            self._paper(
                appeal, self.service.hearing_notice_pdf, "Notice of hearing, appeal {}", "hearing"
            )

    def packet(self) -> None:
        appeal = self.appeal()
        if appeal is not None:
            self._paper(
                appeal, self.service.hearing_packet_pdf, "Hearing packet, appeal {}", "packet"
            )

    def _paper(self, appeal: Appeal, make: Callable[[int], bytes], title: str, kind: str) -> None:
        """``make(appeal id)`` previewed as "``title``" (the appeal's number in its
        braces), saved as appeal-<number>-``kind``.pdf."""
        appeal_id, number = appeal.id, appeal.number
        self._preview(lambda: make(appeal_id), title.format(number), f"appeal-{number}-{kind}.pdf")

    def photos(self, photo_ids: list[int], chosen: int) -> None:
        """The case's photos and documents in the evidence viewer, each re-hashed as it
        is read and drawn off the GUI thread (a PDF page by page)."""
        photos = self.photos_service
        zone = self.zone()

        def read() -> list[EvidenceItem]:
            return evidence_items((photos.photo(i) for i in photo_ids), zone)

        def shown(items: list[EvidenceItem]) -> None:
            viewer = EvidenceViewer(
                items, index_of(items, chosen), title="Evidence", parent=self.owner
            )
            open_dialog(viewer, self.opened)

        self.runner.run_for(self.owner, read, shown)

    def _preview(self, make: Callable[[], bytes], title: str, file_name: str) -> None:
        def shown(pdf: bytes) -> None:
            open_dialog(DocumentPreviewDialog(title, pdf, file_name, self.owner), self.opened)

        self.runner.run_for(self.owner, make, shown)
