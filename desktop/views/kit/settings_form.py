"""A form of the office's settings saved on its own (not a dialog): Save offered only when
something changed, and edits that stay when the settings are reloaded, with a notice when
someone else changed them meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from desktop.services.errors import ValidationError
from desktop.services.workspace import Identity
from desktop.views.kit.forms import FieldForm
from desktop.views.kit.layout import button, label
from desktop.views.kit.operations import OperationRunner
from desktop.views.kit.widgets import NoticeBar


class Saved(Protocol):
    """Settings as saved: their version and who saved them when."""

    @property
    def version(self) -> int: ...
    @property
    def updated_by(self) -> str: ...
    @property
    def updated_at(self) -> datetime: ...


Settings = TypeVar("Settings", bound=Saved)


class SettingsForm(QWidget, FieldForm, Generic[Settings]):
    """Settings shown in declared fields, saved with ``save(draft, version)`` and read
    again with ``reload()``. A subclass declares and lays out its fields and gives
    :meth:`baseline` (saved settings as a draft) and :meth:`draft` (what was typed)."""

    #: The settings were saved (the fresh settings).
    saved = Signal(object)
    CONFLICT_NOTICE = (
        "Changed by {changed_by} at {changed_at}. "
        "Reload to see their change; your unsaved values stay until you do."
    )
    #: The colour of "Saved." after a save ("" the label's own).
    SAVED_STYLE = ""

    def __init__(
        self,
        runner: OperationRunner,
        editable: bool,
        *,
        identity: Identity,
        kind: type[Settings],
        save: Callable[[Any, int], object],
        reload: Callable[[], object],
        notice: str,
        save_words: str = "Save",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.identity = identity
        self.editable, self.read_only = editable, not editable
        self.settings: Settings | None = None
        self._loading = False
        self._kind, self._save, self._reload = kind, save, reload
        self.notice = NoticeBar(notice, "Reload")
        self.notice.button.clicked.connect(self.reload)
        self.save_words = save_words
        self.save_button = button(save_words, self.submit, primary=True)
        self.save_state = label()

    def baseline(self, settings: Settings) -> Any:
        """The saved settings as a draft: what "changed" is measured against."""
        raise NotImplementedError

    def draft(self) -> Any:
        raise NotImplementedError

    def is_dirty(self) -> bool:
        return self.settings is not None and self.draft() != self.baseline(self.settings)

    def load(self, settings: Settings, *, force: bool = False) -> None:
        """Show saved settings; unsaved edits stay (with a notice) unless ``force``."""
        if not force and self.is_dirty():
            if self.settings is not None and settings.version != self.settings.version:
                self.notice.say(
                    self.CONFLICT_NOTICE.format(
                        changed_by=settings.updated_by,
                        changed_at=self.identity.when(settings.updated_at),
                    )
                )
            return
        self.settings = settings
        self._loading = True
        try:
            self.show_settings(settings)
        finally:
            self._loading = False
        self.notice.hide()
        self.clear_problems()
        self._update_buttons()
        self.loaded(settings)

    def show_settings(self, settings: Settings) -> None:
        """The saved settings in the fields."""
        self.show_field_values(self.baseline(settings))

    def loaded(self, settings: Settings) -> None:
        """What else the form shows of freshly loaded settings."""

    def _save_call(self) -> Callable[[], object] | None:
        if self.settings is None:
            return None
        draft, save, version = self.draft(), self._save, self.settings.version
        draft.cleaned()  # every field problem at once, before the round trip
        return lambda: save(draft, version)

    def _saved(self, fresh: object) -> None:
        self._set_busy(False)
        self._fill(fresh)
        self.save_state.setText("Saved.")
        if self.SAVED_STYLE:
            self.save_state.setStyleSheet(self.SAVED_STYLE)
        self.saved.emit(fresh)

    def _failed(self, exc: BaseException) -> bool:
        if isinstance(exc, ValidationError):  # what no field shows goes to a message box
            self._set_busy(False)
            return not self.show_field_problems(exc.problems)
        return super()._failed(exc)

    def _set_busy(self, busy: bool) -> None:
        self._saving = busy
        self.save_button.setEnabled(not busy and self.is_dirty())
        self.save_button.setText("Saving…" if busy else self.save_words)

    def _reload_call(self) -> Callable[[], object]:
        return self._reload

    def _fill(self, record: object) -> None:
        if isinstance(record, self._kind):
            self.load(record, force=True)

    def _edited(self, name: str) -> None:
        if self._loading:
            return
        super()._edited(name)
        self.save_state.setText("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(self.is_dirty())
