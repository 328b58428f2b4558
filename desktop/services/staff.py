"""Staff logins from the admin desk: list, add and disable, as the person's own login.

Everything goes through the ``SECURITY DEFINER`` functions of ``50_staff.sql``, so
the database decides who may do it (administrators add and disable, managers
only look); the checks here only give clearer messages before the round trip.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy import text

from desktop.services import admin
from desktop.services.admin import StaffLogin
from desktop.services.errors import FieldProblem, ValidationError
from desktop.services.workspace import Workspace

MAX_FULL_NAME = 100
T = TypeVar("T")

__all__ = ["StaffLogin", "StaffService"]


class StaffService:
    """The staff-login use cases for one logged-in person."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def list(self) -> builtins.list[StaffLogin]:
        """Every staff login, by login name (managers and administrators only)."""
        with self.workspace.read() as session:
            rows = session.execute(
                text(
                    "SELECT login, full_name, roles, can_login, created_at, disabled_at "
                    "FROM parkdesk.staff_logins() ORDER BY login"
                )
            ).all()
        return [
            StaffLogin(
                login=r.login,
                full_name=r.full_name,
                roles=tuple(r.roles),
                can_login=bool(r.can_login),
                created_at=r.created_at,
                disabled_at=r.disabled_at,
            )
            for r in rows
        ]

    def add(
        self,
        login: str,
        full_name: str,
        roles: Iterable[str],
        password: str,
        repeated: str | None = None,
    ) -> StaffLogin:
        """Create a login with these roles; returns it as the list shows it.

        ``repeated`` is the password typed a second time, when a form asks for it; every
        wrong field is named in one answer. The password leaves this computer only as a
        SCRAM verifier.
        """
        login, full_name, role_list, password = _cleaned(
            login, full_name, roles, password, repeated
        )
        with self.workspace.transaction() as session:
            session.execute(
                admin.CREATE_STAFF_LOGIN,
                admin.create_staff_login_params(login, full_name, role_list, password),
            )
        return next(s for s in self.list() if s.login == login)

    def disable(self, login: str) -> None:
        """Stop a login from connecting; its history stays."""
        with self.workspace.transaction() as session:
            session.execute(text("SELECT parkdesk.disable_staff_login(:login)"), {"login": login})


def _cleaned(
    login: str, full_name: str, roles: Iterable[str], password: str, repeated: str | None = None
) -> tuple[str, str, list[str], str]:
    """All field problems at once, so the add dialog can mark every wrong field."""
    problems: list[FieldProblem] = []

    def check(fn: Callable[[], T], fallback: T) -> T:
        try:
            return fn()
        except ValidationError as exc:
            problems.extend(exc.problems)
            return fallback

    clean_login = check(lambda: admin.validate_login(login), "")
    no_roles: list[str] = []
    role_list = check(lambda: admin.validate_roles(list(roles)), no_roles)
    clean_password = check(lambda: admin.validate_password(password), "")
    if repeated is not None and repeated != password:
        problems.append(
            FieldProblem("repeat", "The two passwords differ. Type the same password twice.")
        )
    name = " ".join(full_name.split())
    if len(name) > MAX_FULL_NAME:
        problems.append(
            FieldProblem("full_name", f"A name has at most {MAX_FULL_NAME} characters.")
        )
    if problems:
        raise ValidationError(problems)
    return clean_login, name, role_list, clean_password
