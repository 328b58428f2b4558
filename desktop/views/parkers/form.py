"""The parker form: fields with their validation messages right under them.

The form knows the values it was loaded with, so the desk can tell whether the
clerk has unsaved edits (and never overwrite them without asking).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QWidget

from desktop.services.errors import FieldProblem
from desktop.services.parkers import AFFILIATION_TITLES, ParkerDetail, ParkerInput
from desktop.views.kit.forms import FieldBox, form_style, show_value, value_of
from desktop.views.kit.layout import field_grid, vbox

#: The parker fields in screen order (the first bad one gets the focus), with their captions.
CAPTIONS = {
    "first_name": "First name",
    "last_name": "Last name",
    "affiliation": "Affiliation",
    "campus_id": "Campus ID",
    "email": "Email",
    "phone": "Phone",
    "address": "Address",
    "notes": "Notes",
}


class ParkerForm(QWidget):
    """First and last name, affiliation, campus ID, email, phone, address and notes."""

    #: The clerk changed a value (the desk updates Save and the unsaved marker).
    edited = Signal()

    def __init__(self, *, read_only: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(form_style())
        self.first_name, self.last_name = QLineEdit(), QLineEdit()
        self.affiliation = QComboBox()
        self.affiliation.addItem("Choose…", "")
        for key, title in AFFILIATION_TITLES.items():
            self.affiliation.addItem(title, key)
        self.campus_id, self.email, self.phone, self.address = (QLineEdit() for _ in range(4))
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 16)
        self.boxes = {
            name: FieldBox(caption, getattr(self, name)) for name, caption in CAPTIONS.items()
        }
        # An example value in an empty read-only field would read like real data.
        self.campus_id.setPlaceholderText("" if read_only else "e.g. S1234567")
        self.email.setPlaceholderText("" if read_only else "name@example.edu")
        box = self.boxes
        vbox(
            field_grid(
                (box["first_name"], box["last_name"]),
                (box["affiliation"], box["campus_id"]),
                (box["email"], box["phone"]),
                (box["address"],),
                (box["notes"],),
                vertical=6,
            ),
            parent=self,
        )
        self._baseline = ParkerInput("", "", "")
        self._loading = False
        for name, editor in zip(CAPTIONS, self.editors(), strict=True):
            if isinstance(editor, QLineEdit | QPlainTextEdit):
                editor.textChanged.connect(lambda *_text, n=name: self._changed(n))
                # Read-only rather than disabled, so a clerk-less role can still copy text.
                editor.setReadOnly(read_only)
        self.affiliation.currentIndexChanged.connect(lambda _i: self._changed("affiliation"))
        self.affiliation.setEnabled(not read_only)

    def editors(self) -> list[QWidget]:
        """The editors in tab order."""
        return [box.editor for box in self.boxes.values()]

    def values(self) -> ParkerInput:
        return ParkerInput(*(value_of(editor) for editor in self.editors()))

    def load(self, detail: ParkerDetail | None, *, keep_edits: bool = False) -> None:
        """Show a parker (or a blank form for a new one).

        With ``keep_edits`` the clerk's unsaved values stay on screen and only the
        record they will be compared (and saved) against changes.
        """
        baseline = ParkerInput("", "", "")
        if detail is not None:
            baseline = ParkerInput(*(getattr(detail, name) for name in CAPTIONS))
        shown = self.values() if keep_edits and self.is_dirty() else baseline
        self._baseline = baseline
        self._loading = True
        try:
            for editor, value in zip(self.editors(), astuple(shown), strict=True):
                show_value(editor, value)
                if isinstance(editor, QLineEdit):
                    # Show a long value from its start, not scrolled to the cursor at its end.
                    editor.setCursorPosition(0)
        finally:
            self._loading = False
        self.clear_problems()
        self.edited.emit()

    def is_dirty(self) -> bool:
        return _comparable(self.values()) != _comparable(self._baseline)

    def changed_fields(self) -> list[tuple[str, str]]:
        """(caption, typed value) for each field that differs from the loaded record."""
        typed, loaded = _comparable(self.values()), _comparable(self._baseline)
        changes = []
        for (name, caption), value, before in zip(CAPTIONS.items(), typed, loaded, strict=True):
            if value != before:
                shown = AFFILIATION_TITLES.get(value, value) if name == "affiliation" else value
                changes.append((caption, shown or "(empty)"))
        return changes

    def show_problems(self, problems: Iterable[FieldProblem]) -> list[FieldProblem]:
        """Put each message under its field and focus the first bad field.

        Returns the problems that belong to no field of this form.
        """
        problems = list(problems)
        by_field: dict[str, str] = {}
        for problem in problems:
            by_field.setdefault(problem.field, problem.message)
        for name, box in self.boxes.items():
            box.show_problem(by_field.get(name))
        first = next((box for name, box in self.boxes.items() if name in by_field), None)
        if first is not None:
            first.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return [p for p in problems if p.field not in self.boxes]

    def clear_problems(self) -> None:
        self.show_problems(())

    def problem_text(self, field_name: str) -> str:
        return self.boxes[field_name].problem.text()

    def _changed(self, name: str) -> None:
        if not self._loading:
            self.boxes[name].show_problem(None)
            self.edited.emit()


def _comparable(data: ParkerInput) -> tuple[str, ...]:
    """Whitespace at the ends is not an edit (the service trims it too)."""
    return tuple(value.strip() for value in astuple(data))
