"""Building the dataclasses services hand back from query rows and from one another, and
the rows services write from the dataclasses they are given.

Most fields of a record are columns of the same name: :func:`record` takes those as
they are, and only the ones that need converting are written out where it is called.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Record = TypeVar("Record", bound="DataclassInstance")


def record(
    cls: type[Record], source: object, *, blank: tuple[str, ...] = (), **given: object
) -> Record:
    """A ``cls`` with each field ``source`` (a row or another record) has by that name,
    and the ``given`` ones as given; a field neither has keeps its default. The
    ``blank`` fields read NULL as "" (optional text the desks show as empty)."""
    taken = {
        f.name: getattr(source, f.name)
        for f in fields(cls)
        if f.name not in given and hasattr(source, f.name)
    }
    taken.update((name, taken.get(name) or "") for name in blank)
    return cls(**taken, **given)


def columns(
    source: DataclassInstance,
    *,
    blank_is_null: tuple[str, ...] = (),
    leave_out: tuple[str, ...] = (),
) -> dict[str, object]:
    """A record's fields as the columns of its row (for ``insert_row`` and
    ``update_at_version``): an empty ``blank_is_null`` field is stored as NULL."""
    return {
        name: None if name in blank_is_null and value == "" else value
        for name, value in asdict(source).items()
        if name not in leave_out
    }
