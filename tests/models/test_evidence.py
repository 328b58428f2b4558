"""Photos and documents from the field, tried as the logins that would try them.

An officer's device calls ``attach_evidence`` with its own login; these tests do the same
with psycopg, bypassing any client, and try what an insider with ``psql`` would: a file
whose hash or type is not what is declared, a huge file, another device's or officer's
citation, a key reused for another request, reading or rewriting evidence directly, and
finding the bytes in the audit trail.

The module runs on its own server, with a second officer.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import errors as pgerrors

from tests.conftest import Database
from tests.models.conftest import OTHER_OFFICER
from tests.models.test_enforcement import (
    Setup,
    issue,
    letters,
    make_device,
    make_violation,
    number,
)
from tests.models.test_permit_rules import make_lot, one, refused

Conn = psycopg.Connection[tuple[Any, ...]]
Connect = Callable[[str], Conn]

MB = 1024 * 1024

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
ZIP = b"PK\x03\x04\x14\x00\x00\x00"


def photo(head: bytes, size: int = 4096) -> bytes:
    """A file of ``size`` bytes that starts as ``head``'s kind does; unique each time."""
    return head + secrets.token_bytes(size - len(head))


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class Cited:
    """A device, its range, and a citation otto issued with it."""

    setup: Setup
    citation_id: int
    number: str


def _setup(mona: Conn) -> Setup:
    lot = make_lot(mona, 100)
    prefix = letters(4)
    device, device_id, range_id = make_device(mona, prefix, 1000, 1999)
    return Setup(
        lot=lot,
        lot_code=str(one(mona, "SELECT code FROM lot WHERE id = %s", (lot,))),
        violation=make_violation(mona),
        warning=make_violation(mona, warning_only=True, fine=None),
        device=device,
        device_id=device_id,
        range_id=range_id,
        prefix=prefix,
        width=6,
        first=1000,
    )


@pytest.fixture
def cited(connect: Connect) -> Cited:
    s = _setup(connect("mona"))
    citation_id, issued, _, _ = issue(connect("otto"), s, 1000, call=1)
    return Cited(setup=s, citation_id=int(citation_id), number=str(issued))


def attach(
    officer: Conn,
    c: Cited,
    call: int,
    content: bytes | None,
    *,
    declared_sha: str | None = None,
    media_type: str = "image/jpeg",
    citation_number: str | None = None,
    device: str | None = None,
    captured_at: datetime | None = None,
) -> tuple[Any, ...]:
    """Sends ``content`` as call ``call`` of the citation's device; the hash is the
    content's own unless ``declared_sha`` is given."""
    row = officer.execute(
        "SELECT * FROM attach_evidence(%s, %s, %s, %s, %s, %s, %s)",
        (
            device or c.setup.device,
            call,
            citation_number or c.number,
            content,
            declared_sha if declared_sha is not None else sha(content or b""),
            media_type,
            captured_at or datetime.now(UTC) - timedelta(minutes=1),
        ),
    ).fetchone()
    assert row is not None
    return tuple(row)


def evidence_of(conn: Conn, citation_id: int) -> int:
    return int(one(conn, "SELECT count(*) FROM evidence WHERE citation_id = %s", (citation_id,)))


# -- the officer attaches; the database checks what it keeps --------------------------------


@pytest.mark.parametrize(
    ("head", "media_type"),
    [(JPEG, "image/jpeg"), (PNG, "image/png"), (PDF, "application/pdf")],
    ids=["jpeg", "png", "pdf"],
)
def test_an_officer_attaches_a_jpeg_a_png_and_a_pdf(
    connect: Connect, cited: Cited, head: bytes, media_type: str
) -> None:
    otto, mona = connect("otto"), connect("mona")
    content = photo(head, 300_000)
    taken = datetime.now(UTC) - timedelta(minutes=3)
    evidence_id, hash_, kept_as = attach(
        otto, cited, 10, content, media_type=media_type, captured_at=taken
    )
    assert (hash_, kept_as) == (sha(content), media_type)
    row = mona.execute(
        "SELECT citation_id, content, sha256, media_type, size_bytes, captured_at, "
        "recorded_by, device_id, device_seq FROM evidence WHERE id = %s",
        (evidence_id,),
    ).fetchone()
    assert row == (
        cited.citation_id,
        content,
        sha(content),
        media_type,
        len(content),
        taken,
        "otto",
        cited.setup.device_id,
        10,
    )
    # The desks that see the citation see its photos, and can verify them: through the
    # functions (the table is the managers' to read, threat 29).
    for reader in ("alice", "adele", "dara"):
        listed = (
            connect(reader)
            .execute("SELECT id, sha256 FROM case_evidence(%s)", (cited.citation_id,))
            .fetchall()
        )
        assert listed == [(evidence_id, sha(content))]
        assert one(
            connect(reader),
            "SELECT encode(sha256(content), 'hex') = sha256 FROM evidence_file(%s)",
            (evidence_id,),
        )
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(reader).execute("SELECT id FROM evidence LIMIT 1")


def test_a_hash_in_capitals_and_a_type_in_any_case_are_the_same(
    connect: Connect, cited: Cited
) -> None:
    content = photo(PNG)
    result = attach(
        connect("otto"),
        cited,
        11,
        content,
        declared_sha=sha(content).upper(),
        media_type="IMAGE/PNG",
    )
    assert result[1:] == (sha(content), "image/png")


def test_a_file_whose_hash_is_not_the_declared_one_is_refused(
    connect: Connect, cited: Cited
) -> None:
    otto, mona = connect("otto"), connect("mona")
    content = photo(JPEG)
    cut_short = content[:-100]
    with refused("PD002", "sha256", "changed or cut short"):
        attach(otto, cited, 12, cut_short, declared_sha=sha(content))
    with refused("PD002", "sha256", "64 hexadecimal digits"):
        attach(otto, cited, 12, content, declared_sha="not-a-hash")
    assert evidence_of(mona, cited.citation_id) == 0


def test_a_png_declared_as_a_jpeg_is_refused(connect: Connect, cited: Cited) -> None:
    with refused("PD002", "media_type", "is a PNG image, not image/jpeg"):
        attach(connect("otto"), cited, 13, photo(PNG), media_type="image/jpeg")
    assert evidence_of(connect("mona"), cited.citation_id) == 0


def test_a_zip_declared_as_a_png_is_refused(connect: Connect, cited: Cited) -> None:
    with refused("PD002", "content", "not a PNG image: its first bytes are those of a ZIP"):
        attach(connect("otto"), cited, 14, photo(ZIP), media_type="image/png")
    assert evidence_of(connect("mona"), cited.citation_id) == 0


@pytest.mark.parametrize(
    "case",
    [
        (b"GIF89a" + bytes(100), "image/gif", "media_type", "image/jpeg, image/png"),
        (b"GIF89a" + bytes(100), "image/jpeg", "content", "a GIF image"),
        (b"\x00\x00\x00\x18ftypheic" + bytes(100), "image/jpeg", "content", "HEIC"),
        (b"<html>" + bytes(100), "application/pdf", "content", "no kind of file we take"),
        (b"\xff\xd8", "image/jpeg", "content", "not a JPEG"),  # too short to be one
    ],
    ids=["gif-declared", "gif-as-jpeg", "heic", "html-as-pdf", "two-bytes"],
)
def test_anything_but_jpeg_png_or_pdf_is_refused_by_its_content(
    connect: Connect, cited: Cited, case: tuple[bytes, str, str, str]
) -> None:
    content, media_type, field, words = case
    with refused("PD002", field, words):
        attach(connect("otto"), cited, 15, content, media_type=media_type)


def test_an_empty_file_is_refused(connect: Connect, cited: Cited) -> None:
    with refused("PD002", "content", "empty"):
        attach(connect("otto"), cited, 16, b"")
    with refused("PD002", "content", "empty"):
        attach(connect("otto"), cited, 16, None)


def test_a_60_mb_photo_is_refused_before_any_work(connect: Connect, cited: Cited) -> None:
    huge = photo(JPEG, 60 * MB)
    # No such device, a bad call number, no hash: the size is refused before any of them
    # is even looked at.
    otto = connect("otto")
    with refused("PD002", "content", "at most 20 MB"):
        otto.execute(
            "SELECT * FROM attach_evidence('NO-SUCH', -1, 'X', %s, '', 'image/jpeg', now())",
            (huge,),
        )
    # One byte over the bound is refused, the bound itself is kept.
    with refused("PD002", "content", "at most 20 MB"):
        attach(otto, cited, 17, huge[: 20 * MB + 1])
    assert attach(otto, cited, 17, huge[: 20 * MB])[1] == sha(huge[: 20 * MB])


def test_a_photo_from_the_future_is_refused(connect: Connect, cited: Cited) -> None:
    otto = connect("otto")
    with refused("PD002", "captured_at", "clock is ahead"):
        attach(otto, cited, 18, photo(JPEG), captured_at=datetime.now(UTC) + timedelta(hours=1))
    # Within the same ten minutes issue_citation allows, it is kept.
    attach(otto, cited, 18, photo(JPEG), captured_at=datetime.now(UTC) + timedelta(minutes=5))


# -- only to the device's own citations, from the officer who issued them --------------------


def test_another_devices_citation_is_refused(connect: Connect, cited: Cited) -> None:
    mona, otto = connect("mona"), connect("otto")
    other = _setup(mona)
    other_number = str(issue(otto, other, 1000, call=1)[1])
    # Otto issued it himself, but with the other device: this device did not.
    with refused("PD002", "citation_number", f"Device {cited.setup.device} issued no citation"):
        attach(otto, cited, 20, photo(JPEG), citation_number=other_number)
    assert evidence_of(mona, cited.citation_id) == 0


def test_a_citation_that_does_not_exist_is_refused(connect: Connect, cited: Cited) -> None:
    never = number(cited.setup.prefix, 1999)
    with refused("PD002", "citation_number", f"issued no citation {never}"):
        attach(connect("otto"), cited, 21, photo(JPEG), citation_number=never)


def test_another_officers_citation_is_refused_even_from_its_device(
    connect: Connect, cited: Cited
) -> None:
    """The device code is no secret: an officer naming the right device still attaches
    nothing to a citation someone else issued."""
    with refused("PD002", "citation_number", "under your login"):
        attach(connect(OTHER_OFFICER), cited, 22, photo(JPEG))
    assert evidence_of(connect("mona"), cited.citation_id) == 0


def test_a_retired_device_attaches_nothing(connect: Connect, cited: Cited) -> None:
    mona = connect("mona")
    mona.execute("UPDATE device SET active = false WHERE id = %s", (cited.setup.device_id,))
    with refused("PD002", "device", "retired"):
        attach(connect("otto"), cited, 23, photo(JPEG))
    with refused("PD002", "device", "There is no device"):
        attach(connect("otto"), cited, 23, photo(JPEG), device="NO-SUCH-DEVICE")


# -- the idempotency key: (device, call number) ----------------------------------------------


def test_the_same_call_twice_gives_one_row_and_the_first_result(
    connect: Connect, cited: Cited
) -> None:
    otto, mona = connect("otto"), connect("mona")
    content = photo(JPEG, 200_000)
    taken = datetime.now(UTC) - timedelta(minutes=2)
    first = attach(otto, cited, 30, content, captured_at=taken)
    otto.execute("SET TimeZone = 'Asia/Tokyo'")  # the same instant written another way
    again = attach(otto, cited, 30, content, captured_at=taken)
    assert again == first
    assert evidence_of(mona, cited.citation_id) == 1
    assert (
        one(
            mona,
            "SELECT count(*) FROM audit_log WHERE table_name = 'evidence' AND row_key = %s",
            (str(first[0]),),
        )
        == 1
    )


def test_another_request_under_the_same_key_is_refused_and_does_nothing(
    connect: Connect, cited: Cited
) -> None:
    otto, mona = connect("otto"), connect("mona")
    content = photo(JPEG)
    taken = datetime.now(UTC) - timedelta(minutes=2)
    attach(otto, cited, 31, content, captured_at=taken)
    with refused("PD007", "device_seq", "different request"):
        attach(otto, cited, 31, photo(JPEG), captured_at=taken)  # other bytes
    with refused("PD007", "device_seq", "different request"):
        attach(otto, cited, 31, content, captured_at=taken - timedelta(seconds=1))
    # The call number of the citation itself (call 1) is taken too.
    with refused("PD007", "device_seq", "issue citation by otto"):
        attach(otto, cited, 1, content, captured_at=taken)
    # Another officer sending the same call is another request.
    with refused("PD007", "device_seq", "different request"):
        attach(connect(OTHER_OFFICER), cited, 31, content, captured_at=taken)
    assert evidence_of(mona, cited.citation_id) == 1


def test_two_connections_with_the_same_key_give_one_row(connect: Connect, cited: Cited) -> None:
    content = photo(PNG, 500_000)
    taken = datetime.now(UTC) - timedelta(minutes=1)
    officers = [connect("otto") for _ in range(6)]
    barrier = threading.Barrier(len(officers))
    results: list[Any] = [None] * len(officers)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = attach(
                officers[i], cited, 32, content, media_type="image/png", captured_at=taken
            )
        except Exception as exc:  # reported to the test, never lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(officers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(set(results)) == 1, results
    assert evidence_of(connect("mona"), cited.citation_id) == 1


# -- nobody else calls it, reads it or rewrites it ------------------------------------------


@pytest.mark.parametrize("role", ["clerk", "adjudicator", "dispatcher", "manager", "admin"])
def test_only_an_officer_may_attach_evidence(connect: Connect, cited: Cited, role: str) -> None:
    with pytest.raises(pgerrors.InsufficientPrivilege):
        attach(connect(role), cited, 40, photo(JPEG))


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_the_officer_and_the_desks_without_citations_read_no_evidence(
    connect: Connect, role: str
) -> None:
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect(role).execute("SELECT id FROM evidence LIMIT 1")
    for function in ("case_evidence", "evidence_file"):
        with pytest.raises(pgerrors.InsufficientPrivilege):
            connect(role).execute(f"SELECT * FROM {function}(1)")


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO evidence (citation_id, content, sha256, media_type, captured_at, "
        "device_id, device_seq) VALUES ({citation}, '\\xffd8ff00', "
        "encode(sha256('\\xffd8ff00'::bytea), 'hex'), 'image/jpeg', now(), {device}, 999)",
        "UPDATE evidence SET content = '\\xffd8ff01' WHERE id = {evidence}",
        "DELETE FROM evidence WHERE id = {evidence}",
        "SELECT * FROM evidence_media_type('\\xffd8ff00')",
    ],
    ids=["insert", "update", "delete", "helper"],
)
def test_the_officer_writes_no_evidence_directly(connect: Connect, cited: Cited, sql: str) -> None:
    evidence_id = attach(connect("otto"), cited, 41, photo(JPEG))[0]
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect("otto").execute(
            sql.format(
                citation=cited.citation_id, device=cited.setup.device_id, evidence=evidence_id
            )
        )


@pytest.mark.parametrize(
    "role", ["clerk", "adjudicator", "dispatcher", "manager", "officer", "admin"]
)
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE evidence SET content = '\\xffd8ff01' WHERE id = %s",
        "UPDATE evidence SET sha256 = repeat('0', 64) WHERE id = %s",
        "DELETE FROM evidence WHERE id = %s",
    ],
    ids=["content", "hash", "delete"],
)
def test_no_role_updates_or_deletes_evidence(
    connect: Connect, cited: Cited, role: str, sql: str
) -> None:
    evidence_id = attach(connect("otto"), cited, 42, photo(JPEG))[0]
    with pytest.raises(pgerrors.InsufficientPrivilege):
        connect(role).execute(sql, (evidence_id,))


def test_not_even_the_owner_or_the_superuser_changes_or_removes_evidence(
    connect: Connect, cited: Cited, desk: Database
) -> None:
    content = photo(JPEG)
    evidence_id = attach(connect("otto"), cited, 43, content)[0]
    rewrites = [
        "UPDATE parkdesk.evidence SET content = '\\xffd8ff01' WHERE id = %s",
        "UPDATE parkdesk.evidence SET sha256 = repeat('0', 64) WHERE id = %s",
        "DELETE FROM parkdesk.evidence WHERE id = %s",
        "TRUNCATE parkdesk.evidence",
    ]
    with desk.admin() as su:
        for statement in rewrites:
            with su.transaction(force_rollback=True):
                su.execute("SET LOCAL ROLE parkdesk_owner")
                with pytest.raises(pgerrors.InsufficientPrivilege, match="permission denied"):
                    su.execute(statement, (evidence_id,) if "%s" in statement else None)
        # The owner keeps UPDATE on the key for foreign-key checks: the trigger refuses it.
        with su.transaction(force_rollback=True):
            su.execute("SET LOCAL ROLE parkdesk_owner")
            with pytest.raises(pgerrors.InsufficientPrivilege, match="never changed or removed"):
                su.execute("UPDATE parkdesk.evidence SET id = id WHERE id = %s", (evidence_id,))
        # The superuser meets the triggers unless it switches them off first.
        for statement in rewrites:
            with (
                su.transaction(force_rollback=True),
                pytest.raises(pgerrors.InsufficientPrivilege, match="never changed or removed"),
            ):
                su.execute(statement, (evidence_id,) if "%s" in statement else None)
        su.rollback()
    row = (
        connect("mona")
        .execute("SELECT content, sha256 FROM evidence WHERE id = %s", (evidence_id,))
        .fetchone()
    )
    assert row == (content, sha(content))


# -- the audit trail records the evidence, never its bytes -----------------------------------


def test_the_audit_row_of_evidence_holds_its_hash_not_its_bytes(
    connect: Connect, cited: Cited
) -> None:
    otto, mona = connect("otto"), connect("mona")
    content = photo(JPEG, 5 * MB)
    evidence_id = attach(otto, cited, 50, content)[0]
    login, operation, new_row, stored = mona.execute(
        "SELECT login, operation, new_row, octet_length(new_row::text) FROM audit_log "
        "WHERE table_name = 'evidence' AND row_key = %s",
        (str(evidence_id),),
    ).fetchone() or (None, None, None, None)
    assert (login, operation) == ("otto", "INSERT")
    assert "content" not in new_row
    assert new_row["sha256"] == sha(content)
    assert new_row["size_bytes"] == len(content)
    assert new_row["citation_id"] == cited.citation_id
    assert stored < 1000
    # Nor is any other audit row of the call carrying it.
    assert (
        one(
            mona,
            "SELECT count(*) FROM audit_log WHERE id > (SELECT max(id) - 10 FROM audit_log) "
            "AND octet_length(coalesce(new_row::text, '')) > 100000",
        )
        == 0
    )
    assert one(mona, "SELECT rows_checked > 0 AND broken_id IS NULL FROM verify_audit_chain()")
