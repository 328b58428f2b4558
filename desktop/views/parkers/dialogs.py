"""What the parker desk asks: possible duplicates before creating, and a reason."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from desktop.services.errors import DuplicateCandidate
from desktop.views.kit.forms import NoteDialog
from desktop.views.kit.layout import label, vbox

OPEN_EXISTING, CREATE_ANYWAY, CANCEL = "open", "create", "cancel"


class DuplicatesDialog(QDialog):
    """Lists records that look like the one being saved; the clerk decides what to do."""

    def __init__(
        self,
        title: str,
        intro: str,
        candidates: Sequence[DuplicateCandidate],
        *,
        go_label: str,
        open_label: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.choice = CANCEL
        self.list = QListWidget()
        for candidate in candidates:
            item = QListWidgetItem(f"{candidate.description} — {candidate.reason}")
            item.setData(Qt.ItemDataRole.UserRole, candidate.id)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        rows = min(max(len(candidates), 2), 6)
        self.list.setFixedHeight(
            self.list.sizeHintForRow(0) * rows + 2 * self.list.frameWidth() + 4
        )
        self.buttons = QDialogButtonBox()
        self.open_button: QPushButton | None = None
        if open_label is not None:
            self.open_button = self.buttons.addButton(
                open_label, QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.open_button.clicked.connect(lambda: self._choose(OPEN_EXISTING))
            self.list.itemActivated.connect(lambda _item: self._choose(OPEN_EXISTING))
        self.go_button = self.buttons.addButton(go_label, QDialogButtonBox.ButtonRole.ApplyRole)
        self.go_button.setAutoDefault(False)  # going ahead is never what Enter does
        self.go_button.clicked.connect(lambda: self._choose(CREATE_ANYWAY))
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.clicked.connect(self.reject)
        (self.open_button or cancel).setDefault(True)
        vbox(label(intro, wrap=True), self.list, self.buttons, margins=None, parent=self)
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def selected_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()


def ask_reason(parent: QWidget, title: str, prompt: str, action: str) -> str | None:
    """The reason typed for a deactivation or removal, or None when the clerk cancels."""
    dialog = NoteDialog(title, prompt, action, required=True, parent=parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.note() or None
