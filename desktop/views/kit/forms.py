"""The form kit: fields with their messages, and the dialog that edits one record.

Every form builds its fields from :class:`FieldBox` (a caption, its editor and the message
under it when the value is refused), so invalid values look and read the same everywhere.
A :class:`FieldForm` declares its fields once — name, caption, editor — and gets from that
its boxes, tab order, read-only look, the wiring that clears a message when its field is
edited, and its values read and shown whatever the editor. :class:`FormDialog` adds saving
through a service, busy state and the conflict question.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from PySide6.QtCore import QDate, Qt, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QWidget,
)

from desktop.services.errors import ConflictError, FieldProblem, KnownError, ValidationError
from desktop.views.kit.dialogs import ConflictDialog
from desktop.views.kit.layout import STRETCH, label, tab_order, vbox
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import (
    NoticeBar,
    grow_to_fit,
    mark_invalid,
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


@dataclass(frozen=True)
class _Kind:
    """How a kind of editor holds a value (as a draft takes it), shows one, and says that
    the person edited it."""

    read: Callable[[Any], Any] | None
    show: Callable[[Any, Any], object] | None
    changed: str


#: Most specific first: a date edit is a spin box of its own kind.
_KINDS: tuple[tuple[type[QWidget], _Kind], ...] = (
    (QLineEdit, _Kind(QLineEdit.text, QLineEdit.setText, "textChanged")),
    (QPlainTextEdit, _Kind(QPlainTextEdit.toPlainText, QPlainTextEdit.setPlainText, "textChanged")),
    (
        QDateEdit,
        _Kind(lambda e: e.date().toPython(), lambda e, v: e.setDate(QDate(v)), "dateChanged"),
    ),
    (QDateTimeEdit, _Kind(None, None, "dateTimeChanged")),
    (QSpinBox, _Kind(QSpinBox.value, QSpinBox.setValue, "valueChanged")),
    (QAbstractButton, _Kind(QAbstractButton.isChecked, QAbstractButton.setChecked, "toggled")),
    (QTableWidget, _Kind(None, None, "itemChanged")),
    (QListWidget, _Kind(None, None, "itemChanged")),
)
#: A drop-down holds its chosen item's data, or the text when one may be typed in.
_CHOICE = _Kind(
    QComboBox.currentData, lambda e, v: e.setCurrentIndex(e.findData(v)), "currentIndexChanged"
)
_TYPED_CHOICE = _Kind(QComboBox.currentText, QComboBox.setCurrentText, "currentTextChanged")


def _kind(editor: QWidget) -> _Kind | None:
    if isinstance(editor, QComboBox):
        return _TYPED_CHOICE if editor.isEditable() else _CHOICE
    return next((kind for cls, kind in _KINDS if isinstance(editor, cls)), None)


def value_of(editor: QWidget) -> Any:
    """What ``editor`` holds, as a draft takes it."""
    kind = _kind(editor)
    if kind is None or kind.read is None:
        raise TypeError(f"a {type(editor).__name__} holds no value of its own")
    return kind.read(editor)


def show_value(editor: QWidget, value: Any) -> None:
    """Put ``value`` in ``editor``; None leaves it as it is."""
    kind = _kind(editor)
    if kind is None or kind.show is None:
        raise TypeError(f"a {type(editor).__name__} shows no value of its own")
    if value is not None:
        kind.show(editor, value)


def _changes(editor: QWidget) -> list[SignalInstance]:
    """What the person's edits to ``editor`` signal (a group's: those of the editors in it)."""
    kind = _kind(editor)
    if kind is not None:
        return [getattr(editor, kind.changed)]
    children = editor.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return [signal for child in children for signal in _changes(child)]


def _tab_stops(editor: QWidget) -> list[QWidget]:
    """``editor``, or the editors of a group in the order they were laid out."""
    if editor.focusPolicy() & Qt.FocusPolicy.TabFocus:
        return [editor]
    children = editor.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return [stop for child in children for stop in _tab_stops(child)]


def _lock(editor: QWidget) -> None:
    """Read-only: text stays readable (and copyable), lists stay scrollable, the rest greys."""
    if isinstance(editor, QLineEdit):
        editor.setReadOnly(True)
        editor.setPlaceholderText("")
    elif isinstance(editor, QPlainTextEdit):
        editor.setReadOnly(True)
    elif isinstance(editor, QAbstractItemView):
        editor.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    else:
        editor.setEnabled(False)


def capitals(edit: QLineEdit) -> None:
    """Codes are capitals: show them as they will be saved, as they are typed."""

    def typed(text: str) -> None:
        if text != text.upper():
            position = edit.cursorPosition()
            edit.setText(text.upper())
            edit.setCursorPosition(position)

    edit.textEdited.connect(typed)


def tick_boxes(
    titles: Mapping[str, str], prefix: str, margins: int, spacing: tuple[int, int]
) -> tuple[QWidget, dict[str, QCheckBox]]:
    """Tick boxes two to a row, each named ``prefix`` and its key, and the group holding them."""
    group = QWidget()
    grid = QGridLayout(group)
    grid.setContentsMargins(margins, margins + 2, margins, margins + 2)
    grid.setHorizontalSpacing(spacing[0])
    grid.setVerticalSpacing(spacing[1])
    checks: dict[str, QCheckBox] = {}
    for position, (key, title) in enumerate(titles.items()):
        check = checks[key] = QCheckBox(title)
        check.setObjectName(f"{prefix}{key}")
        grid.addWidget(check, position // 2, position % 2)
    return group, checks


class FieldForm:
    """Fields declared once (:meth:`declare`), each message shown under its field, and
    saving through a service off the GUI thread with the "someone else saved first"
    question and a reload.

    Mixed into a widget: the names are the draft's attribute names, so :meth:`field_values`
    and :meth:`show_field_values` read and show a record in one loop whatever the editors.
    A form says how to save in :meth:`_save_call` (its :class:`ValidationError` problems
    land under the fields they name), what follows in :meth:`_saved`, how its button looks
    while saving in :meth:`_set_busy`, and how to reload in :meth:`_reload_call` and
    :meth:`_fill`.
    """

    #: Field names in screen order: the first bad one gets the focus.
    FIELDS: tuple[str, ...] = ()
    boxes: dict[str, FieldBox]
    read_only: bool = False
    runner: OperationRunner | None = None
    #: The strip that offers to reload the saved record.
    notice: NoticeBar
    #: What the notice says when someone else saved first and the typed values stay.
    CONFLICT_NOTICE = (
        "Changed by {changed_by} at {changed_at} after you opened it. "
        "Reload to see their change; your values stay here until you do."
    )
    _declared = False
    _saving = False

    def declare(self, *fields: tuple[str, str, QWidget]) -> dict[str, FieldBox]:
        """A box per (name, caption, editor), in screen order (see :meth:`field`)."""
        self.boxes = {}
        for name, caption, editor in fields:
            self.field(name, caption, editor)
        self.FIELDS, self._declared = tuple(self.boxes), True
        return self.boxes

    def field(
        self, name: str, caption: str, editor: QWidget, *, holds: QWidget | None = None
    ) -> FieldBox:
        """The box of field ``name``: ``editor`` under ``caption``, or ``holds`` when the
        box shows more than the editor (a button beside it, a hint under it), the editor
        still being the one outlined and focused when the value is refused. An edit clears
        the field's message; a read-only form locks the editor."""
        box = self.boxes[name] = FieldBox(caption, holds or editor)
        box.caption.setBuddy(editor)
        box.editor = editor
        for signal in _changes(editor):
            signal.connect(lambda *_args, n=name: self._edited(n))
        if self.read_only:
            _lock(editor)
        return box

    def order_tabs(self) -> None:
        """Tab visits the declared editors in screen order (once they are laid out)."""
        tab_order(*(stop for box in self.boxes.values() for stop in _tab_stops(box.editor)))

    def field_values(self, *names: str) -> dict[str, Any]:
        """What the editors of ``names`` (all fields when none) hold."""
        return {name: value_of(self.boxes[name].editor) for name in names or self.FIELDS}

    def show_field_values(self, record: object, *names: str) -> None:
        """The record's values (an attribute per field name) in the editors of ``names``;
        None leaves an editor as it is."""
        for name in names or self.FIELDS:
            show_value(self.boxes[name].editor, getattr(record, name))

    def field_error(self, name: str) -> str:
        """The message shown under a field ('' when it has none)."""
        box = self.boxes[name]
        return box.problem.text() if box.has_problem else ""

    def show_field_problems(self, problems: Iterable[FieldProblem]) -> list[FieldProblem]:
        """Each message under its field, the first bad field focused; the others returned."""
        problems = list(problems)
        by_field: dict[str, str] = {}
        for problem in problems:
            if problem.field in self.boxes:
                by_field.setdefault(problem.field, problem.message)
        for name, box in self.boxes.items():
            box.show_problem(by_field.get(name))
        first = next((n for n in self.FIELDS if n in by_field), None)
        if first is not None:
            self._focus_target(first).setFocus(Qt.FocusReason.OtherFocusReason)
        return [p for p in problems if p.field not in self.boxes]

    def clear_problems(self) -> None:
        for box in self.boxes.values():
            box.show_problem(None)

    def _focus_target(self, name: str) -> QWidget:
        """The field's editor, or the first in a group of them."""
        return next(iter(_tab_stops(self.boxes[name].editor)), self.boxes[name].editor)

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
            self._checked()
            return
        if self.runner is None:  # pragma: no cover - a form that saves is given a runner
            raise RuntimeError("This form has no runner to save with.")
        self._set_busy(True)
        widget = cast(QWidget, self)
        self.runner.run_for(widget, call, self._saved, self._failed, write=True)

    def _save_call(self) -> Callable[[], object] | None:
        """The service call that saves what was typed (run off the GUI thread), or None when
        checking here is all (the desk takes the values on). Raise :class:`ValidationError`
        for what is wrong before anything is sent."""
        raise NotImplementedError

    def _checked(self) -> None:
        """What was typed is sound and nothing is to be saved here."""

    def _saved(self, result: object) -> None:
        raise NotImplementedError

    def _set_busy(self, busy: bool) -> None:
        raise NotImplementedError

    def show_problems(self, problems: Iterable[FieldProblem]) -> None:
        self.show_field_problems(problems)

    def _failed(self, exc: BaseException) -> bool:
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            self.show_problems(exc.problems)
            return True
        if isinstance(exc, ConflictError):
            # Let the runner finish its bookkeeping before a modal question starts.
            QTimer.singleShot(0, lambda: self._resolve_conflict(exc))
            return True
        if isinstance(exc, KnownError) and (refused := self._refusal_field(exc)) is not None:
            self.show_problems([FieldProblem(refused, exc.message)])
            return True
        return False

    def _refusal_field(self, exc: KnownError) -> str | None:
        """Where a refusal that names no field is said in the form: under the field of that
        name (any other name: below the fields). None leaves it to a message box."""
        return None

    def _resolve_conflict(self, exc: ConflictError) -> None:
        widget = cast(QWidget, self)
        if not widget.window().isVisible():
            return  # closed meanwhile
        if self.confirm_conflict(exc.message, self.changed_fields()):
            self.reload()
        else:
            self.notice.say(
                self.CONFLICT_NOTICE.format(changed_by=exc.changed_by, changed_at=exc.changed_at)
            )
            if isinstance(widget, QDialog):
                grow_to_fit(widget)

    def confirm_conflict(self, message: str, changes: list[tuple[str, str]]) -> bool:
        """True to reload the saved record now; False keeps the typed values on screen."""
        dialog = ConflictDialog(message, changes, cast(QWidget, self))
        return dialog.exec() == QDialog.DialogCode.Accepted

    def changed_fields(self) -> list[tuple[str, str]]:
        """(caption, typed value) for each field that differs from the loaded record."""
        return []

    def reload(self) -> None:
        call = self._reload_call()
        if call is None or self.runner is None:
            return
        widget = cast(QWidget, self)
        self.runner.run_for(widget, call, self._reloaded)

    def _reload_call(self) -> Callable[[], object] | None:
        return None

    def _reloaded(self, record: object) -> None:
        self.notice.hide()
        self.clear_problems()
        self._fill(record)

    def _fill(self, record: object) -> None:
        raise NotImplementedError


class FormDialog(QDialog, FieldForm):
    """A dialog that edits one record: each field's message under it, one general message
    for the rest, Save and Cancel (Enter saves, Escape cancels), saving off the GUI thread
    with the buttons held while it runs, and the "someone else saved first" question.

    A subclass declares its fields (or fills :attr:`boxes` and lists them in screen order in
    :attr:`FIELDS`), lays them out with :meth:`_finish_layout`, and says how to save in
    :meth:`_save_call`: a service call whose
    :class:`ValidationError` problems land under the fields they name (``PD002`` from the
    database arrives the same way). A dialog that only checks what was typed (its desk
    goes on with the values) needs no runner.
    """

    #: The saved record, whatever the service returned.
    saved = Signal(object)

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

    def _finish_layout(self, grid: QLayout) -> None:
        parts = (self.audit_label, self.notice, grid, self.general_problem, STRETCH, self.buttons)
        vbox(*parts, margins=(20, 16, 20, 16), spacing=10, parent=self)
        if self._declared:  # Tab goes through the fields in order, from the first one
            self.order_tabs()
            self._focus_target(self.FIELDS[0]).setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def general_error(self) -> str:
        return self.general_problem.text() if self.general_problem.isVisible() else ""

    def show_problems(self, problems: Iterable[FieldProblem]) -> None:
        others = [problem.message for problem in self.show_field_problems(problems)]
        self.general_problem.setText("\n".join(others))
        self.general_problem.setVisible(bool(others))
        grow_to_fit(self)

    def clear_problems(self) -> None:
        super().clear_problems()
        self.general_problem.hide()

    def _checked(self) -> None:
        self.accept()  # checked here; the desk goes on with the values (to payment, say)

    def _saved(self, result: object) -> None:
        self._set_busy(False)
        self.saved.emit(result)
        self.accept()

    def _set_busy(self, busy: bool) -> None:
        self._saving = busy
        if self.save_button is not None:
            self.save_button.setEnabled(not busy)
            self.save_button.setText(self.busy_text if busy else self.accept_text)


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


Form = TypeVar("Form", bound=FormDialog)


class DialogSlot(Generic[Form]):
    """The one dialog of a kind a desk has open: asked for again, that one comes to the
    front. What it saves goes to ``saved``; once closed it is forgotten and deleted."""

    def __init__(self, saved: Callable[[Any], object]) -> None:
        self.dialog: Form | None = None
        self._saved = saved

    def open(self, make: Callable[[], Form]) -> Form:
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        dialog = self.dialog = make()
        dialog.saved.connect(self._saved)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()
        return dialog

    def _closed(self, dialog: Form) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
