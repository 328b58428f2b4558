"""Choosing a registered parker from another desk's form: the type-ahead parker search in
a small dialog, for the security desk's people in an incident and its trespass notices.

The search reads with the person's own rights, so it lists only what their login may
read of parkers; a click or Enter on a result chooses it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QWidget

from desktop.services.parkers import ParkerService, ParkerSummary
from desktop.views.kit.layout import label, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.parkers.search import ParkerSearch


class ParkerPickerDialog(QDialog):
    """Find a parker and choose them; :attr:`picked` holds the one chosen."""

    def __init__(
        self,
        service: ParkerService,
        runner: OperationRunner,
        *,
        purpose: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("parkerPickerDialog")
        self.setWindowTitle("Choose a registered parker")
        self.resize(900, 460)
        self.picked: ParkerSummary | None = None
        self.search = ParkerSearch(
            service,
            runner,
            prompt="Type a name, an email, a campus ID or a plate, then click the parker.",
            no_match_advice="Check the spelling, or record the person by name instead.",
            enter_opens_first=True,
            open_id=lambda: None,
            focus_on_arrival=True,
        )
        self.search.chosen.connect(self._chosen)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        vbox(
            label(purpose, name="hint", wrap=True),
            (self.search, 1),
            buttons,
            margins=12,
            spacing=8,
            parent=self,
        )

    def _chosen(self, parker_id: int) -> None:
        model = self.search.results_model
        for number in range(model.rowCount()):
            summary = model.row(number)
            if summary.id == parker_id:
                self.picked = summary
                self.accept()
                return
