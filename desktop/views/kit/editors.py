"""What the set-up desks' dialogs share: a spin box without buttons, a hint line, a grid
of spans, the style that makes date and number editors look like the application's line
edits and combo boxes, and :class:`RecordDialog`, the dialog that adds, edits or shows one
set-up record through its service."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QGridLayout, QLabel, QSpinBox, QWidget

from desktop.views.kit.forms import FormDialog, form_style
from desktop.views.kit.layout import label
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import resources_dir

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

# Date and number editors get the look the application style sheet gives line edits and
# combo boxes. Number fields are typed (or stepped with the arrow keys): the style sheet
# cannot draw spin buttons that match, so they have none.
EDITOR_STYLE = (
    "QDateEdit, QSpinBox { background: #ffffff; border: 1px solid #c4ccd8; "
    "border-radius: 4px; padding: 5px 7px; min-height: 18px; } "
    "QDateEdit::drop-down { subcontrol-origin: padding; subcontrol-position: center right; "
    "width: 24px; border: none; } "
    "QSpinBox::up-button, QSpinBox::down-button { subcontrol-origin: border; width: 0px; } "
    "QDateEdit:focus, QSpinBox:focus { border: 1px solid #2563eb; } "
    "QDateEdit:disabled, QSpinBox:disabled, QComboBox:disabled "
    "{ background: #eef1f5; color: #374151; } "
    "QCheckBox:disabled { color: #374151; } "
    'QDateEdit[invalid="true"], QSpinBox[invalid="true"], QListWidget[invalid="true"], '
    'QTableWidget[invalid="true"] { border: 1px solid #d92d20; background: #fff6f5; } '
    "QListWidget, QTableWidget { background: #ffffff; border: 1px solid #c4ccd8; "
    "border-radius: 4px; } "
    "QListWidget::item { padding: 3px 4px; } "
    "#sectionTitle { font-weight: 600; color: #111827; } "
)


def spin_box(low: int, high: int, value: int, suffix: str = "", *, right: bool = False) -> QSpinBox:
    """A whole number from ``low`` to ``high``, typed (no buttons)."""
    made = QSpinBox()
    made.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
    made.setRange(low, high)
    made.setValue(value)
    made.setSuffix(suffix)
    if right:
        made.setAlignment(RIGHT)
    return made


def hint(text: str = "") -> QLabel:
    """A line of help under a field, wrapped."""
    return label(text, name="hint", wrap=True)


#: A cell of a dialog's grid: a field (name, caption, editor) and the columns it spans, or
#: any widget (None: nothing) and the columns it spans.
FieldCell = tuple[str, str, QWidget, int] | tuple[QWidget | None, int]


def span_grid(*rows: Sequence[tuple[QWidget | None, int]], columns: int) -> QGridLayout:
    """Rows of (widget, how many of the equal columns it spans), top-aligned."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(14)
    grid.setVerticalSpacing(10)
    for number, row in enumerate(rows):
        column = 0
        for widget, span in row:
            if widget is not None:
                grid.addWidget(widget, number, column, 1, span, Qt.AlignmentFlag.AlignTop)
            column += span
    for column in range(columns):
        grid.setColumnStretch(column, 1)
    return grid


class RecordDialog(FormDialog):
    """Add, edit or look at one set-up record. A subclass declares its fields and gives
    :meth:`draft` (what was typed) and :meth:`_show` (a saved record in the fields).

    ``save(draft)`` adds, ``save(draft, id, version)`` saves an edit; ``load(id)`` reads
    the record again after someone else saved it. The service's workspace says who last
    changed the record. With ``create`` it is worded as the permit set-up's: "Create lot"
    for a new one, "Edit lot A" (or "Lot A" to read) for a saved one.
    """

    #: What the dialog adds or edits, in words ("lot"), and its object name.
    KIND = ""
    NAME = ""

    def __init__(
        self,
        service: Any,
        runner: OperationRunner,
        record: Any,
        *,
        save: Callable[..., object],
        load: Callable[[int], object] | None = None,
        read_only: bool,
        parent: QWidget | None,
        accept_text: str | None = None,
        title: str | None = None,
        create: bool = False,
    ) -> None:
        kind = self.KIND
        new = f"Create {kind}" if create else f"Add {kind}"
        accept = accept_text or (new if record is None else "Save")
        super().__init__(runner, read_only=read_only, accept_text=accept, parent=parent)
        self.setObjectName(self.NAME)
        self.service, self.record, self._save, self._load = service, record, save, load
        if title is not None:
            self.setWindowTitle(title)
        elif record is None:
            self.setWindowTitle(f"New {kind}")
        else:
            words = f"edit {kind}" if create and not read_only else kind
            self.setWindowTitle(f"{words[0].upper()}{words[1:]} {self.record_name(record)}")
        arrow = f"{resources_dir().as_posix()}/chevron-down.svg"
        self.setStyleSheet(
            form_style()
            + EDITOR_STYLE
            + f"QDateEdit::down-arrow {{ image: url({arrow}); width: 12px; height: 12px; }}"
        )
        self.setMinimumWidth(460)
        #: The record as loaded, as a draft: what "changed" is measured against.
        self._baseline: Any = None

    def lay_out(self, *rows: Sequence[FieldCell], columns: int, note: str = "") -> None:
        """The fields declared in reading order, in a grid of ``columns`` equal columns with
        ``note`` as help under them; then the record (if any) in them."""
        cells = [cell for row in rows for cell in row]
        boxes = self.declare(*((c[0], c[1], c[2]) for c in cells if isinstance(c[0], str)))
        grid = [[(boxes[c[0]], c[-1]) if isinstance(c[0], str) else c for c in row] for row in rows]
        self._finish_layout(
            span_grid(*grid, *([[(hint(note), columns)]] if note else []), columns=columns)
        )
        if self.record is not None:
            self._fill(self.record)

    def record_name(self, record: Any) -> str:
        return str(getattr(record, "code", ""))

    def draft(self) -> Any:
        raise NotImplementedError

    def check(self, draft: Any) -> None:
        """Every field problem at once, before the round trip."""
        draft.cleaned()

    def _show(self, record: Any) -> None:
        raise NotImplementedError

    def _fill(self, record: Any) -> None:
        self.record = record
        self._show(record)
        if hasattr(record, "updated_by"):
            self.audit_label.setText(
                self.service.workspace.identity.changed_words(
                    "Last changed", record.updated_by, record.updated_at
                )
                + "."
            )
            self.audit_label.show()
        self._baseline = self.draft()
        self.clear_problems()

    def _save_call(self) -> Callable[[], object]:
        draft = self.draft()
        self.check(draft)
        save, record = self._save, self.record
        if record is None:
            return lambda: save(draft)
        record_id, version = record.id, record.version
        return lambda: save(draft, record_id, version)

    def _reload_call(self) -> Callable[[], object] | None:
        load, record = self._load, self.record
        if record is None or load is None:
            return None
        record_id = record.id
        return lambda: load(record_id)
