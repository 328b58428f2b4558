"""The form kit: fields with their messages, and the dialog that edits one record.

Every form builds its fields from :class:`FieldBox` (a caption, its editor and the message
under it when the value is refused), so invalid values look and read the same everywhere;
:class:`FormDialog` adds saving through a service, busy state and the conflict question.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from desktop.services.errors import ConflictError, FieldProblem, ValidationError
from desktop.views.kit.dialogs import ConflictDialog
from desktop.views.kit.layout import STRETCH, label, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import (
    NoticeBar,
    failure_while_alive,
    grow_to_fit,
    mark_invalid,
    while_alive,
)

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
        self.problem = label(name="fieldError", wrap=True, style=f"color: {ERROR_COLOUR};")
        self.problem.hide()
        vbox(self.caption, editor, self.problem, spacing=2, parent=self)

    def show_problem(self, message: str | None) -> None:
        self.problem.setText(message or "")
        self.problem.setVisible(bool(message))
        mark_invalid(self.editor, bool(message))
        window = self.window()
        if message and isinstance(window, QDialog) and window.isVisible():
            # A wrapped message needs height the dialog does not take by itself; without
            # it the rows are squeezed and the message covers the field below.
            grow_to_fit(window)

    @property
    def has_problem(self) -> bool:
        return not self.problem.isHidden()


def form_style() -> str:
    """Style sheet for forms: outlined invalid editors, greyed read-only ones."""
    return _FORM_STYLE


class FormDialog(QDialog):
    """A dialog that edits one record: each field's message under it, one general message
    for the rest, Save and Cancel (Enter saves, Escape cancels), saving off the GUI thread
    with the buttons held while it runs, and the "someone else saved first" question.

    A subclass fills :attr:`boxes` (field name -> :class:`FieldBox`), lists its fields in
    screen order in :attr:`FIELDS` (the first bad one gets the focus), lays them out with
    :meth:`_finish_layout`, and says how to save in :meth:`_save_call`: a service call whose
    :class:`ValidationError` problems land under the fields they name (``PD002`` from the
    database arrives the same way). A dialog that only checks what was typed (its desk
    goes on with the values) needs no runner.
    """

    #: The saved record, whatever the service returned.
    saved = Signal(object)

    #: Field names in screen order: the first bad one gets the focus.
    FIELDS: tuple[str, ...] = ()

    def __init__(
        self,
        runner: OperationRunner | None,
        *,
        read_only: bool = False,
        accept_text: str = "Save",
        busy_text: str = "Saving…",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.read_only = read_only
        self.accept_text, self.busy_text = accept_text, busy_text
        self.setStyleSheet(form_style())
        self.boxes: dict[str, FieldBox] = {}
        # Who made and last changed the record, or what to do: shown by the dialogs that
        # say one (an empty line would only push the fields down).
        self.audit_label = label(name="hint", wrap=True)
        self.audit_label.hide()
        self.notice = NoticeBar("setupNotice", "Reload")
        self.reload_button = self.notice.button
        self.reload_button.clicked.connect(self.reload)
        self.general_problem = label(name="formError", wrap=True)
        self.general_problem.hide()
        self.buttons = QDialogButtonBox()
        self.save_button: QPushButton | None = None
        if read_only:
            close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
            close.clicked.connect(self.reject)
        else:
            self.save_button = self.buttons.addButton(
                accept_text, QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.save_button.setProperty("primary", True)
            self.save_button.setDefault(True)
            cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            cancel.setAutoDefault(False)
            self.buttons.accepted.connect(self.submit)
            self.buttons.rejected.connect(self.reject)
        self._saving = False

    def _finish_layout(self, grid: QLayout) -> None:
        parts = (self.audit_label, self.notice, grid, self.general_problem, STRETCH, self.buttons)
        vbox(*parts, margins=(20, 16, 20, 16), spacing=10, parent=self)

    def field_error(self, name: str) -> str:
        """The message shown under a field ('' when it has none)."""
        box = self.boxes[name]
        return box.problem.text() if box.has_problem else ""

    @property
    def general_error(self) -> str:
        return self.general_problem.text() if self.general_problem.isVisible() else ""

    def show_problems(self, problems: Iterable[FieldProblem]) -> None:
        by_field: dict[str, str] = {}
        others: list[str] = []
        for problem in problems:
            if problem.field in self.boxes:
                by_field.setdefault(problem.field, problem.message)
            else:
                others.append(problem.message)
        for name, box in self.boxes.items():
            box.show_problem(by_field.get(name))
        self.general_problem.setText("\n".join(others))
        self.general_problem.setVisible(bool(others))
        first = next((n for n in self.FIELDS if n in by_field), None)
        if first is not None:
            self._focus_target(first).setFocus(Qt.FocusReason.OtherFocusReason)
        grow_to_fit(self)

    def clear_problems(self) -> None:
        for box in self.boxes.values():
            box.show_problem(None)
        self.general_problem.hide()

    def _focus_target(self, name: str) -> QWidget:
        return self.boxes[name].editor

    def _capitals(self, edit: QLineEdit, typed: str, name: str) -> None:
        """Codes are capitals: show them as they will be saved."""
        if typed != typed.upper():
            position = edit.cursorPosition()
            edit.setText(typed.upper())
            edit.setCursorPosition(position)
        self._edited(name)

    def _edited(self, name: str) -> None:
        box = self.boxes.get(name)
        if box is not None and box.has_problem:
            box.show_problem(None)

    def submit(self) -> None:
        """Check what was typed here; if it is sound, save it off the GUI thread."""
        if self.read_only or self._saving:
            return
        try:
            call = self._save_call()
        except ValidationError as exc:
            self.show_problems(exc.problems)
            return
        self.clear_problems()
        if call is None:
            self.accept()  # checked here; the desk goes on with the values (to payment, say)
            return
        if self.runner is None:  # pragma: no cover - a dialog that saves is given a runner
            raise RuntimeError("This dialog has no runner to save with.")
        self._set_busy(True)
        self.runner.run(
            call,
            while_alive(self, self._saved),
            failure_while_alive(self, self._failed),
            write=True,
            parent=self,
        )

    def _save_call(self) -> Callable[[], object] | None:
        """The service call that saves what was typed (run off the GUI thread), or None when
        checking here is all (the desk takes the values on). Raise :class:`ValidationError`
        for what is wrong before anything is sent."""
        raise NotImplementedError

    def _saved(self, result: object) -> None:
        self._set_busy(False)
        self.saved.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> bool:
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            self.show_problems(exc.problems)
            return True
        if isinstance(exc, ConflictError):
            # Let the runner finish its bookkeeping before a modal question starts.
            QTimer.singleShot(0, lambda: self._resolve_conflict(exc))
            return True
        return False

    def _set_busy(self, busy: bool) -> None:
        self._saving = busy
        if self.save_button is not None:
            self.save_button.setEnabled(not busy)
            self.save_button.setText(self.busy_text if busy else self.accept_text)

    def _resolve_conflict(self, exc: ConflictError) -> None:
        if not self.isVisible():
            return
        if self.confirm_conflict(exc.message, self.changed_fields()):
            self.reload()
        else:
            self.notice.say(
                f"Changed by {exc.changed_by} at {exc.changed_at} after you opened it. "
                "Reload to see their change; your values stay here until you do."
            )
            grow_to_fit(self)

    def confirm_conflict(self, message: str, changes: list[tuple[str, str]]) -> bool:
        """True to reload the saved record now; False keeps the typed values on screen."""
        return ConflictDialog(message, changes, self).exec() == QDialog.DialogCode.Accepted

    def changed_fields(self) -> list[tuple[str, str]]:
        """(caption, typed value) for each field that differs from the loaded record."""
        return []

    def reload(self) -> None:
        call = self._reload_call()
        if call is None or self.runner is None:
            return
        self.runner.run(call, while_alive(self, self._reloaded), parent=self)

    def _reload_call(self) -> Callable[[], object] | None:
        return None

    def _reloaded(self, record: object) -> None:
        self.notice.hide()
        self.clear_problems()
        self._fill(record)

    def _fill(self, record: object) -> None:
        raise NotImplementedError


def text_box(lines: int, name: str) -> QPlainTextEdit:
    """A few lines of free text, Tab moving on to the next field."""
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setAccessibleName(name)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


class NoteDialog(FormDialog):
    """Asks for a reason or a note; when it is required, the action waits for one."""

    FIELDS = ("note",)

    def __init__(
        self,
        title: str,
        prompt: str,
        action: str,
        *,
        required: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(None, accept_text=action, parent=parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.required = required
        self.text = text_box(4, "Reason" if required else "Note")
        self.ok = self.save_button
        self.boxes = {"note": FieldBox("", self.text)}
        self.boxes["note"].caption.hide()
        self.text.textChanged.connect(self._update_ok)
        self._finish_layout(vbox(label(prompt, wrap=True, plain=True), self.boxes["note"]))
        self._update_ok()
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_ok(self) -> None:
        if self.ok is not None:
            self.ok.setEnabled(not self.required or len(self.note()) >= 3)

    def _save_call(self) -> None:
        if self.required and len(self.note()) < 3:
            raise ValidationError.single("note", "Say why.")

    def note(self) -> str:
        return self.text.toPlainText().strip()
