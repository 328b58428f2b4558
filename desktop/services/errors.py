"""Errors a person can act on, as opposed to bugs.

Services raise :class:`KnownError` subclasses with a message written for a
clerk; views show them in a dialog or next to the field. Anything else is a bug:
logged with its traceback and shown as "something went wrong".
"""

from __future__ import annotations

from dataclasses import dataclass


class KnownError(Exception):
    """A failure the person can understand and act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class ValidationError(KnownError):
    """One or more fields hold values the database would refuse."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.message}" for p in problems))

    @classmethod
    def single(cls, field_name: str, message: str) -> ValidationError:
        return cls([FieldProblem(field_name, message)])

    def under(self, field_name: str, *fields: str) -> ValidationError:
        """The same problems, those of ``fields`` shown under ``field_name`` (the
        database checks a file's content, hash and type; the form has one file field)."""
        return ValidationError(
            [
                FieldProblem(field_name if p.field in fields else p.field, p.message)
                for p in self.problems
            ]
        )


class ConflictError(KnownError):
    """Someone else saved the record since it was loaded (optimistic locking)."""

    def __init__(self, what: str, changed_by: str, changed_at: str) -> None:
        self.changed_by = changed_by
        self.changed_at = changed_at
        super().__init__(
            f"This {what} was changed by {changed_by} at {changed_at} after you opened it. "
            "Reload to see their change, then make yours again."
        )


class LotFull(KnownError):
    """Every space in the lot is taken for that period; the parker may join the waitlist."""

    def __init__(self, message: str, lot_id: int | None) -> None:
        super().__init__(message)
        self.lot_id = lot_id


class WaitlistOnly(KnownError):
    """The permit type is sold only to parkers offered a space from its waitlist."""


class ShiftNeeded(KnownError):
    """Cash cannot be taken or paid out before the clerk opens a drawer shift."""


class PermissionDenied(KnownError):
    """The database refused the operation for this login (SQLSTATE 42501 or a policy)."""


class NotFound(KnownError):
    """The record no longer exists or is not visible to this login."""


class ConnectionProblem(KnownError):
    """The server cannot be reached, or refused the login.

    ``field`` is the connection setting to fix ("host", "port", "database", "login",
    "password", "sslrootcert"), or "general" when it is about none of them.
    """

    def __init__(self, message: str, field: str = "general") -> None:
        super().__init__(message)
        self.field = field


class SchemaMismatch(KnownError):
    """The database schema and this program's version do not agree."""


@dataclass(frozen=True)
class DuplicateCandidate:
    """An existing record that looks like the one being created."""

    id: int
    description: str
    reason: str


class DuplicateWarning(KnownError):
    """A new record looks like existing ones; the person decides whether to go on."""

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        self.candidates = candidates
        lines = [f"{c.description} ({c.reason})" for c in candidates]
        super().__init__("This looks like an existing record:\n" + "\n".join(lines))
