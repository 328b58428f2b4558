"""Migration 0004: the office's phone region, kept by managers, audited like every setting."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors as pgerrors

Connect = Callable[[str], psycopg.Connection[tuple[object, ...]]]


def test_only_a_manager_sets_the_phone_region_and_only_to_a_region_code(
    connect: Connect,
) -> None:
    alice, mona = connect("alice"), connect("mona")
    with pytest.raises(pgerrors.InsufficientPrivilege):
        alice.execute("UPDATE parkdesk.office_setting SET phone_region = 'US'")
    for bad in ("usa", "4111111111111111", "", "X" * 5000):
        with pytest.raises(pgerrors.CheckViolation):
            mona.execute("UPDATE parkdesk.office_setting SET phone_region = %s", (bad,))
    mona.execute("UPDATE parkdesk.office_setting SET phone_region = 'US'")
    row = mona.execute(
        "SELECT login, new_row ->> 'phone_region' FROM parkdesk.audit_log "
        "WHERE table_name = 'office_setting' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert row == ("mona", "US")  # recorded in the audit trail, by whom
    mona.execute("UPDATE parkdesk.office_setting SET phone_region = 'CA'")
