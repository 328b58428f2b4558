"""Dialogs every desk asks the same way, and how a desk opens one that lives until closed."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QWidget

from desktop.views.kit.layout import label, vbox

Opened = TypeVar("Opened", bound=QDialog)


def open_dialog(dialog: Opened, opened: SignalInstance | None = None) -> Opened:
    """Open ``dialog`` over its window, to be deleted once closed; ``opened`` is told."""
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    if opened is not None:
        opened.emit(dialog)
    return dialog


class ConflictDialog(QDialog):
    """The "someone else saved first" question: reload now, or keep the typed values for now."""

    def __init__(
        self, message: str, changes: list[tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changed by someone else")
        self.setMinimumWidth(460)
        self.message = label(message, wrap=True, plain=True)
        advice = label(
            "Your typed values stay in the form until you press Reload; note them first "
            "if you want to enter them again."
            if changes
            else "Reload to see the saved record.",
            name="hint",
            wrap=True,
        )
        changes_title = label("Your unsaved values", style="font-weight: 600;")
        self.changes = label(
            "\n".join(f"{caption}: {value}" for caption, value in changes), wrap=True, plain=True
        )
        self.changes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox()
        self.reload_button = buttons.addButton("Reload", QDialogButtonBox.ButtonRole.AcceptRole)
        self.reload_button.setProperty("primary", True)
        self.reload_button.setDefault(True)
        self.keep_button = buttons.addButton(
            "Keep my values for now", QDialogButtonBox.ButtonRole.RejectRole
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        vbox(
            self.message,
            advice,
            changes_title,
            self.changes,
            buttons,
            margins=None,
            spacing=8,
            parent=self,
        )
        for part in (changes_title, self.changes):
            part.setVisible(bool(changes))
