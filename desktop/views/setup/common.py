"""The set-up desk's shared pieces: editor styles, small widgets and the dialog base."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from desktop.services.permit_setup import PermitSetupService
from desktop.services.versioned import format_when
from desktop.views.kit.editors import EDITOR_STYLE
from desktop.views.kit.forms import FormDialog, form_style
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import resources_dir


class _SetupDialog(FormDialog):
    """The permit type and lot dialogs: the set-up desk's editors and date arrows, and
    saving or reloading one record through the set-up service.

    A subclass says what ``kind`` of record it edits (None for a new one) and gives the
    service's ``save`` and ``load`` for it, :meth:`draft` (what was typed) and :meth:`_show`
    (a saved record in the fields).
    """

    def __init__(
        self,
        service: PermitSetupService,
        runner: OperationRunner,
        record: Any,
        *,
        kind: str,
        save: Callable[..., object],
        load: Callable[[int], object],
        read_only: bool,
        parent: QWidget | None,
    ) -> None:
        accept = f"Create {kind}" if record is None else "Save"
        super().__init__(runner, read_only=read_only, accept_text=accept, parent=parent)
        self.service, self.record, self._save, self._load = service, record, save, load
        if record is None:
            self.setWindowTitle(f"New {kind}")
        else:
            words = kind if read_only else f"edit {kind}"
            self.setWindowTitle(f"{words[0].upper()}{words[1:]} {record.code}")
        arrow = f"{resources_dir().as_posix()}/chevron-down.svg"
        self.setStyleSheet(
            form_style()
            + EDITOR_STYLE
            + f"QDateEdit::down-arrow {{ image: url({arrow}); width: 12px; height: 12px; }}"
        )

    def draft(self) -> Any:
        raise NotImplementedError

    def _show(self, record: Any) -> None:
        raise NotImplementedError

    def _fill(self, record: Any) -> None:
        self.record = record
        self._show(record)
        self.audit_label.setText(
            self.service.workspace.identity.changed_words(
                "Last changed", record.updated_by, format_when(record.updated_at)
            )
            + "."
        )
        self.audit_label.show()
        self._baseline = self.draft()
        self.clear_problems()

    def _save_call(self) -> Callable[[], object]:
        draft = self.draft()
        draft.cleaned()  # every field problem at once, before the round trip
        save, record = self._save, self.record
        if record is None:
            return lambda: save(draft)
        record_id, version = record.id, record.version
        return lambda: save(draft, record_id, version)

    def _reload_call(self) -> Callable[[], object] | None:
        load, record = self._load, self.record
        if record is None:
            return None
        record_id = record.id
        return lambda: load(record_id)
