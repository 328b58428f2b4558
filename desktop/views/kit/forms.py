"""The form kit: a caption, its editor and the message under it when the value is refused.

Every dialog and form of every desk builds its fields from :class:`FieldBox`, so invalid
values look and read the same everywhere.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.views.kit.widgets import mark_invalid

ERROR_COLOUR = "#b42318"
# The application style sheet outlines invalid line edits and greys read-only ones; these
# rules give the other editors of a form the same look (and keep it without that sheet).
_FORM_STYLE = (
    "QPlainTextEdit { background: #ffffff; border: 1px solid #c4ccd8; border-radius: 4px; "
    "padding: 2px 3px; } "
    "QPlainTextEdit:focus { border-color: #2563eb; } "
    'QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"], QComboBox[invalid="true"] '
    "{ border: 1px solid #d92d20; background: #fff6f5; } "
    'QPlainTextEdit[readOnly="true"], QLineEdit[readOnly="true"] '
    "{ background: #eef1f5; color: #4b5563; }"
)


class FieldBox(QWidget):
    """A caption, its editor and a red message under it when the value is refused."""

    def __init__(self, caption: str, editor: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.caption = QLabel(caption)
        self.caption.setBuddy(editor)
        self.problem = QLabel()
        self.problem.setObjectName("fieldError")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(editor)
        layout.addWidget(self.problem)

    def show_problem(self, message: str | None) -> None:
        self.problem.setText(message or "")
        self.problem.setVisible(bool(message))
        mark_invalid(self.editor, bool(message))

    @property
    def has_problem(self) -> bool:
        return not self.problem.isHidden()


def form_style() -> str:
    """Style sheet for forms: outlined invalid editors, greyed read-only ones."""
    return _FORM_STYLE
