"""The permit desk's forms declare each field once: its name, caption and editor give the
box with its message, and the wiring that takes the message away as the clerk edits it.

Nothing here is particular to permits; every desk's forms could declare their fields so.
"""

from __future__ import annotations

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QLineEdit, QPlainTextEdit, QWidget

from desktop.views.kit.forms import FieldBox, FormDialog


def edits_of(editor: QWidget) -> SignalInstance:
    """The signal ``editor`` sends when the person changes what it holds."""
    if isinstance(editor, QLineEdit):
        return editor.textEdited
    if isinstance(editor, QComboBox):
        return editor.editTextChanged if editor.isEditable() else editor.currentIndexChanged
    if isinstance(editor, QDateTimeEdit):
        return editor.dateTimeChanged
    if isinstance(editor, QPlainTextEdit):
        return editor.textChanged
    raise TypeError(f"a {type(editor).__name__} has no edits to follow")


class DeclaredForm(FormDialog):
    """A form whose fields are declared with :meth:`field`."""

    def field(
        self, name: str, caption: str, editor: QWidget, *, holds: QWidget | None = None
    ) -> FieldBox:
        """The box of field ``name``: ``editor`` under ``caption``, or ``holds`` when the box
        shows more than the editor (a button beside it, a hint under it); the editor is still
        the one outlined and focused when the value is refused."""
        box = FieldBox(caption, holds or editor)
        box.caption.setBuddy(editor)
        box.editor = editor
        self.boxes[name] = box
        edits_of(editor).connect(lambda *_: self._edited(name))
        return box
