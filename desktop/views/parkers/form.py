"""The parker form: fields with their validation messages right under them.

The form knows the values it was loaded with, so the desk can tell whether the
clerk has unsaved edits (and never overwrite them without asking).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.services.errors import FieldProblem
from desktop.services.parkers import AFFILIATION_TITLES, ParkerDetail, ParkerInput
from desktop.views.kit.forms import FieldBox, form_style

#: The parker fields in screen order (the first bad one gets the focus).
PARKER_FIELDS = (
    "first_name",
    "last_name",
    "affiliation",
    "campus_id",
    "email",
    "phone",
    "address",
    "notes",
)


class ParkerForm(QWidget):
    """First and last name, affiliation, campus ID, email, phone, address and notes."""

    #: The clerk changed a value (the desk updates Save and the unsaved marker).
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(form_style())
        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.affiliation = QComboBox()
        self.affiliation.addItem("Choose…", "")
        for key, title in AFFILIATION_TITLES.items():
            self.affiliation.addItem(title, key)
        self.campus_id = QLineEdit()
        self.campus_id.setPlaceholderText("e.g. S1234567")
        self.email = QLineEdit()
        self.email.setPlaceholderText("name@example.edu")
        self.phone = QLineEdit()
        self.address = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 16)

        self.boxes: dict[str, FieldBox] = {
            "first_name": FieldBox("First name", self.first_name),
            "last_name": FieldBox("Last name", self.last_name),
            "affiliation": FieldBox("Affiliation", self.affiliation),
            "campus_id": FieldBox("Campus ID", self.campus_id),
            "email": FieldBox("Email", self.email),
            "phone": FieldBox("Phone", self.phone),
            "address": FieldBox("Address", self.address),
            "notes": FieldBox("Notes", self.notes),
        }
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        # Top-aligned, so a message under one field does not push its neighbour down.
        top = Qt.AlignmentFlag.AlignTop
        grid.addWidget(self.boxes["first_name"], 0, 0, top)
        grid.addWidget(self.boxes["last_name"], 0, 1, top)
        grid.addWidget(self.boxes["affiliation"], 1, 0, top)
        grid.addWidget(self.boxes["campus_id"], 1, 1, top)
        grid.addWidget(self.boxes["email"], 2, 0, top)
        grid.addWidget(self.boxes["phone"], 2, 1, top)
        grid.addWidget(self.boxes["address"], 3, 0, 1, 2, top)
        grid.addWidget(self.boxes["notes"], 4, 0, 1, 2, top)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        self._baseline = self._blank()
        self._read_only = False
        self._loading = False
        for name, box in self.boxes.items():
            editor = box.editor
            if isinstance(editor, QLineEdit):
                editor.textChanged.connect(lambda _text, n=name: self._changed(n))
            elif isinstance(editor, QComboBox):
                editor.currentIndexChanged.connect(lambda _i, n=name: self._changed(n))
            elif isinstance(editor, QPlainTextEdit):
                editor.textChanged.connect(lambda n=name: self._changed(n))

    # -- values -------------------------------------------------------------------

    @staticmethod
    def _blank() -> ParkerInput:
        return ParkerInput(first_name="", last_name="", affiliation="")

    def editors(self) -> list[QWidget]:
        """The editors in tab order."""
        return [self.boxes[name].editor for name in PARKER_FIELDS]

    def values(self) -> ParkerInput:
        return ParkerInput(
            first_name=self.first_name.text(),
            last_name=self.last_name.text(),
            affiliation=str(self.affiliation.currentData() or ""),
            campus_id=self.campus_id.text(),
            email=self.email.text(),
            phone=self.phone.text(),
            address=self.address.text(),
            notes=self.notes.toPlainText(),
        )

    def set_values(self, data: ParkerInput) -> None:
        self._loading = True
        try:
            self.first_name.setText(data.first_name)
            self.last_name.setText(data.last_name)
            index = self.affiliation.findData(data.affiliation)
            self.affiliation.setCurrentIndex(max(index, 0))
            self.campus_id.setText(data.campus_id)
            self.email.setText(data.email)
            self.phone.setText(data.phone)
            self.address.setText(data.address)
            self.notes.setPlainText(data.notes)
            for editor in self.editors():
                if isinstance(editor, QLineEdit):
                    # Show a long value from its start, not scrolled to the cursor at its end.
                    editor.setCursorPosition(0)
        finally:
            self._loading = False
        for name in PARKER_FIELDS:
            self.boxes[name].show_problem(None)
        self.edited.emit()

    def load(self, detail: ParkerDetail | None, *, keep_edits: bool = False) -> None:
        """Show a parker (or a blank form for a new one).

        With ``keep_edits`` the clerk's unsaved values stay on screen and only the
        record they will be compared (and saved) against changes.
        """
        baseline = self._blank() if detail is None else input_of(detail)
        edits = self.values() if keep_edits and self.is_dirty() else None
        self._baseline = baseline
        self.set_values(edits or baseline)

    def is_dirty(self) -> bool:
        return _comparable(self.values()) != _comparable(self._baseline)

    def changed_fields(self) -> list[tuple[str, str]]:
        """(caption, typed value) for each field that differs from the loaded record."""
        typed, loaded = _comparable(self.values()), _comparable(self._baseline)
        changes = []
        for name in PARKER_FIELDS:
            if getattr(typed, name) != getattr(loaded, name):
                value = getattr(typed, name)
                if name == "affiliation":
                    value = AFFILIATION_TITLES.get(value, value)
                changes.append((self.boxes[name].caption.text(), value or "(empty)"))
        return changes

    # -- problems -----------------------------------------------------------------

    def show_problems(self, problems: Iterable[FieldProblem]) -> list[FieldProblem]:
        """Put each message under its field and focus the first bad field.

        Returns the problems that belong to no field of this form.
        """
        by_field: dict[str, str] = {}
        others: list[FieldProblem] = []
        for problem in problems:
            if problem.field in self.boxes:
                by_field.setdefault(problem.field, problem.message)
            else:
                others.append(problem)
        for name in PARKER_FIELDS:
            self.boxes[name].show_problem(by_field.get(name))
        for name in PARKER_FIELDS:
            if name in by_field:
                self.boxes[name].editor.setFocus(Qt.FocusReason.OtherFocusReason)
                break
        return others

    def clear_problems(self) -> None:
        for box in self.boxes.values():
            box.show_problem(None)

    def problem_text(self, field_name: str) -> str:
        box = self.boxes[field_name]
        return box.problem.text() if box.has_problem else ""

    # -- read-only ----------------------------------------------------------------

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        # An example value in an empty read-only field would read like real data.
        self.campus_id.setPlaceholderText("" if read_only else "e.g. S1234567")
        self.email.setPlaceholderText("" if read_only else "name@example.edu")
        for editor in self.editors():
            if isinstance(editor, (QLineEdit, QPlainTextEdit)):
                # Read-only rather than disabled, so a clerk-less role can still copy text.
                editor.setReadOnly(read_only)
            else:
                editor.setEnabled(not read_only)

    @property
    def read_only(self) -> bool:
        return self._read_only

    def _changed(self, name: str) -> None:
        if self._loading:
            return
        if self.boxes[name].has_problem:
            self.boxes[name].show_problem(None)
        self.edited.emit()


def input_of(detail: ParkerDetail) -> ParkerInput:
    return ParkerInput(
        first_name=detail.first_name,
        last_name=detail.last_name,
        affiliation=detail.affiliation,
        campus_id=detail.campus_id,
        email=detail.email,
        phone=detail.phone,
        address=detail.address,
        notes=detail.notes,
    )


def _comparable(data: ParkerInput) -> ParkerInput:
    """Whitespace at the ends is not an edit (the service trims it too)."""
    return ParkerInput(
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        affiliation=data.affiliation,
        campus_id=data.campus_id.strip(),
        email=data.email.strip(),
        phone=data.phone.strip(),
        address=data.address.strip(),
        notes=data.notes.strip(),
    )
