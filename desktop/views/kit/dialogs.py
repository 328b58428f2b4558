"""Dialogs every desk asks the same way."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget


class ConflictDialog(QDialog):
    """The "someone else saved first" question: reload now, or keep the typed values for now."""

    def __init__(
        self, message: str, changes: list[tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changed by someone else")
        self.setMinimumWidth(460)
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        advice = QLabel(
            "Your typed values stay in the form until you press Reload; note them first "
            "if you want to enter them again."
            if changes
            else "Reload to see the saved record."
        )
        advice.setObjectName("hint")
        advice.setWordWrap(True)
        self.changes = QLabel("\n".join(f"{caption}: {value}" for caption, value in changes))
        self.changes.setTextFormat(Qt.TextFormat.PlainText)
        self.changes.setWordWrap(True)
        self.changes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.changes.setVisible(bool(changes))
        changes_title = QLabel("Your unsaved values")
        changes_title.setStyleSheet("font-weight: 600;")
        changes_title.setVisible(bool(changes))
        buttons = QDialogButtonBox()
        self.reload_button = buttons.addButton("Reload", QDialogButtonBox.ButtonRole.AcceptRole)
        self.reload_button.setProperty("primary", True)
        self.reload_button.setDefault(True)
        self.keep_button = buttons.addButton(
            "Keep my values for now", QDialogButtonBox.ButtonRole.RejectRole
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self.message)
        layout.addWidget(advice)
        layout.addWidget(changes_title)
        layout.addWidget(self.changes)
        layout.addWidget(buttons)
