"""A file attached to a record from this computer: a photo or a document (an appeal's
receipt, an incident's photo), chosen, described, and saved off the GUI thread by the
desk's own call. What the database refuses lands under the file or the description."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.services.appeals import DOCUMENT_EXTENSIONS
from desktop.services.errors import ValidationError
from desktop.views.kit.forms import FormDialog
from desktop.views.kit.layout import button, field_grid, hbox, holder, line_edit, vbox
from desktop.views.kit.operations import OperationRunner


class AttachFileDialog(FormDialog):
    """The file (a PDF, or a JPEG or PNG photo) and what it is."""

    def __init__(
        self,
        save: Callable[[Path, str], object],
        runner: OperationRunner,
        *,
        title: str,
        intro: str,
        placeholder: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, accept_text="Attach", busy_text="Attaching…", parent=parent)
        self._save = save
        self.setObjectName("attachFileDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.audit_label.setText(intro)
        self.audit_label.show()
        self.file_edit = line_edit(placeholder="No file chosen")
        self.file_edit.setObjectName("documentFileEdit")
        self.file_edit.setReadOnly(True)
        self.choose_button = button("&Browse…", self.choose, tip="Choose the file")
        self.choose_button.setObjectName("chooseDocumentButton")
        self.description_edit = line_edit(placeholder=placeholder, max_length=200)
        self.description_edit.setObjectName("documentDescriptionEdit")
        self.boxes = {}
        self.field(
            "file",
            "&File",
            self.file_edit,
            holds=holder(hbox((self.file_edit, 1), self.choose_button)),
        )
        self.field("description", "&What it is", self.description_edit)
        self.FIELDS, self._declared = tuple(self.boxes), True
        self._finish_layout(vbox(field_grid((self.boxes["file"],), (self.boxes["description"],))))
        self.choose_button.setFocus()

    def choose(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            "Choose the file",
            folder,
            f"Documents and photos ({' '.join(DOCUMENT_EXTENSIONS)})",
        )
        if chosen:
            self.file_edit.setText(chosen)
            self.boxes["file"].show_problem(None)
            if not self.description_edit.text().strip():
                self.description_edit.setFocus()

    def _save_call(self) -> Callable[[], object]:
        path = self.file_edit.text().strip()
        if not path:
            raise ValidationError.single("file", "Choose the file of the document.")
        description, save = self.description_edit.text(), self._save
        if len(" ".join(description.split())) < 3:
            raise ValidationError.single("description", "Say what it is, in a few words.")
        return lambda: save(Path(path), description)
