"""The set-up desk's dialog base: the kit's record dialog, worded for permit types and lots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from desktop.services.permit_setup import PermitSetupService
from desktop.views.kit.editors import RecordDialog
from desktop.views.kit.operations import OperationRunner


class _SetupDialog(RecordDialog):
    """The permit type and lot dialogs: "Create lot" for a new one, "Edit lot A" (or
    "Lot A" to read) for a saved one."""

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
        words = kind if read_only else f"edit {kind}"
        super().__init__(
            service,
            runner,
            record,
            kind=kind,
            save=save,
            load=load,
            read_only=read_only,
            parent=parent,
            accept_text=f"Create {kind}" if record is None else None,
            title=None if record is None else f"{words[0].upper()}{words[1:]} {record.code}",
        )
