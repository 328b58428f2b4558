"""``parkdesk device replay`` and ``patrol``: a handheld's batch and a simulated LPR car,
run as the officer's login against a real server, and what the office then sees.

The module runs on its own server: it adds devices, ranges and violation codes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from desktop import cli
from desktop.services.devices import (
    BadRecord,
    DeviceCall,
    DeviceLink,
    fresh_call_number,
    parse_record,
)
from desktop.services.photos import plate_photo
from tests.conftest import PASSWORD, Database
from tests.models.conftest import fresh_database

LOT = "DV"
DEVICE = "HH-DV1"
PREFIX = "DV"
VIOLATION = "DV-NP"


def luhn(digits: str) -> int:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def number(seq: int) -> str:
    digits = f"{seq:06d}"
    return f"{PREFIX}{digits}{luhn(digits)}"


@dataclass(frozen=True)
class Office:
    db: Database

    def url(self, login: str) -> str:
        return f"postgresql://{login}:{PASSWORD}@{self.db.host}:{self.db.port}/parkdesk"

    def count(self, sql: str, *params: object) -> int:
        with self.db.connect("mona") as conn:
            row = conn.execute(sql, params).fetchone()
        assert row is not None
        return int(row[0])


@pytest.fixture(scope="module")
def office() -> Iterator[Office]:
    logins = {"mona": ["manager"], "otto": ["officer"], "alice": ["clerk"]}
    with fresh_database(logins) as db:
        with db.connect("mona") as mona:
            lot = mona.execute(
                "INSERT INTO lot (code, name, capacity) VALUES (%s, 'Device Lot', 50) RETURNING id",
                (LOT,),
            ).fetchone()
            assert lot is not None
            device = mona.execute(
                "INSERT INTO device (code, kind, description) VALUES (%s, 'lpr_vehicle', "
                "'Patrol car') RETURNING id",
                (DEVICE,),
            ).fetchone()
            assert device is not None
            mona.execute(
                "INSERT INTO citation_range (device_id, prefix, first_seq, last_seq, width) "
                "VALUES (%s, %s, 1, 9999, 6)",
                (device[0], PREFIX),
            )
            violation = mona.execute(
                "INSERT INTO violation (code, description) VALUES (%s, 'No valid permit') "
                "RETURNING id",
                (VIOLATION,),
            ).fetchone()
            assert violation is not None
            mona.execute(
                "INSERT INTO fine_rule (violation_id, amount) VALUES (%s, 40)", (violation[0],)
            )
            mona.commit()
        yield Office(db)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def write_batch(folder: Path, records: list[dict[str, Any] | str]) -> Path:
    path = folder / "batch.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write((record if isinstance(record, str) else json.dumps(record)) + "\n")
    return path


def photo_file(folder: Path, plate: str, at: datetime) -> tuple[str, str]:
    data = plate_photo("ON", plate, at, "Lot DV")
    (folder / f"{plate}.jpg").write_bytes(data)
    return f"{plate}.jpg", hashlib.sha256(data).hexdigest()


def test_a_handhelds_batch_is_replayed_once_however_often_it_is_sent(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=30)
    photo, digest = photo_file(tmp_path, "BATCH1", at)
    batch = write_batch(
        tmp_path,
        [
            {"type": "read", "device": DEVICE, "seq": 1, "jurisdiction": "ON",
             "plate": "BATCH1", "lot": LOT, "read_at": at.isoformat(), "confidence": 0.93,
             "photo": photo, "photo_sha256": digest},
            {"type": "citation", "device": DEVICE, "seq": 2, "number": number(1),
             "jurisdiction": "ON", "plate": "BATCH1", "violation": VIOLATION, "lot": LOT,
             "issued_at": (at + timedelta(minutes=1)).isoformat(), "make": "Honda"},
            {"type": "evidence", "device": DEVICE, "seq": 3, "citation": number(1),
             "content": photo, "sha256": digest, "media_type": "image/jpeg",
             "captured_at": at.isoformat()},
            {"type": "read", "device": DEVICE, "seq": 4, "jurisdiction": "ON",
             "plate": "BATCH2", "lot": LOT, "read_at": at.isoformat(),
             "photo_base64": base64.b64encode(b"GIF89a, not a photo").decode(),
             "photo_sha256": hashlib.sha256(b"GIF89a, not a photo").hexdigest()},
            {"type": "citation", "device": DEVICE, "seq": 5, "number": f"{number(2)[:-1]}0"
             if number(2)[-1] != "0" else f"{number(2)[:-1]}1",
             "jurisdiction": "ON", "plate": "BATCH3", "violation": VIOLATION, "lot": LOT,
             "issued_at": at.isoformat()},
            "this is not JSON",
            {"type": "read", "device": DEVICE, "seq": 6, "plate": "BATCH4"},
        ],
    )  # fmt: skip
    code, out, err = run(capsys, "device", "replay", str(batch), "--url", office.url("otto"))
    assert code == 1, err  # something was refused: a script running the upload notices
    lines = out.splitlines()
    assert lines[-1].startswith("7 records in ")
    assert "1 read, 1 citation, 1 photo recorded; 2 refused, 2 unreadable." in lines[-1]
    refusals = "\n".join(lines[:-1])
    assert f"line 4: read ON BATCH2, call {DEVICE} 4 refused (photo)" in refusals
    assert f"call {DEVICE} 5 refused (number)" in refusals
    assert "check digit" in refusals
    assert "line 6: not sent: not a JSON object" in refusals
    assert 'line 7: not sent: a read record needs "jurisdiction".' in refusals
    assert office.count("SELECT count(*) FROM citation WHERE number = %s", number(1)) == 1
    assert office.count("SELECT count(*) FROM plate_read WHERE plate_normalized = 'BATCH1'") == 1
    evidence = office.count(
        "SELECT count(*) FROM evidence e JOIN citation c ON c.id = e.citation_id "
        "WHERE c.number = %s AND e.sha256 = %s",
        number(1),
        digest,
    )
    assert evidence == 1

    # The same batch again (a second sync): every call answers as before, nothing doubles.
    code, out, _ = run(capsys, "device", "replay", str(batch), "--url", office.url("otto"))
    assert "1 read, 1 citation, 1 photo recorded; 2 refused, 2 unreadable." in out
    assert office.count("SELECT count(*) FROM citation WHERE number = %s", number(1)) == 1
    assert office.count("SELECT count(*) FROM plate_read WHERE plate_normalized = 'BATCH1'") == 1


def test_a_call_number_reused_for_another_record_is_refused_by_name(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = datetime.now(UTC).isoformat()
    read = {"type": "read", "device": DEVICE, "seq": 50, "jurisdiction": "ON", "lot": LOT,
            "read_at": at}  # fmt: skip
    batch = write_batch(tmp_path, [{**read, "plate": "SAME1"}, {**read, "plate": "OTHER1"}])
    code, out, _ = run(capsys, "device", "replay", str(batch), "--url", office.url("otto"))
    assert code == 1
    assert f"line 2: read ON OTHER1, call {DEVICE} 50 refused" in out
    assert "already used for a different request" in out


def test_only_an_officers_login_may_be_a_device(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = write_batch(tmp_path, [])
    code, _out, err = run(capsys, "device", "replay", str(batch), "--url", office.url("alice"))
    assert code == 1
    assert err.count("\n") == 1
    assert "alice is not an officer's login" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "device", "patrol", "--lot", LOT, "--url", office.url("mona"))
    assert "mona is not an officer's login" in err


def test_a_device_needs_to_be_told_where_to_connect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARKDESK_DEVICE_URL", raising=False)
    code, _, err = run(capsys, "device", "replay", str(tmp_path / "none.jsonl"))
    assert code == 1
    assert "Give the officer's connection with --url" in err


def test_a_missing_batch_is_one_clear_line(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "device", "replay", str(tmp_path / "none.jsonl"), "--url", office.url("otto")
    )
    assert code == 1
    assert "Cannot open the batch" in err
    assert err.count("\n") == 1


def test_a_patrol_reads_cites_and_attaches_its_photos(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plates = tmp_path / "plates.txt"
    plates.write_text("# parked in DV\nON PATROL 1\nON PATROL 2\n", encoding="utf-8")
    cited_before = office.count("SELECT count(*) FROM citation")
    code, out, err = run(
        capsys, "device", "patrol", "--url", office.url("otto"), "--lot", LOT, "--rate", "50",
        "--count", "4", "--cite-share", "1", "--plates", str(plates),
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith(f"Patrolling lot {LOT} with device {DEVICE} as otto")
    assert "no_permit" in out
    assert "cited DV" in out
    summary = out.splitlines()[-1]
    assert "4 reads" in summary
    cited = office.count("SELECT count(*) FROM citation") - cited_before
    # Nobody holds a permit for DV: every car read is cited, each once however often read.
    cars = office.count(
        "SELECT count(DISTINCT (jurisdiction, plate_normalized)) FROM plate_read "
        "WHERE officer = 'otto' AND reason LIKE 'No permit%%' AND recorded_at > now() - "
        "interval '1 minute' AND plate_normalized NOT LIKE 'BATCH%%' "
        "AND plate_normalized NOT LIKE 'SAME%%' AND plate_normalized NOT LIKE 'SOLD%%'"
    )
    assert 1 <= cited == cars <= 4
    twice = office.count(
        "SELECT count(*) - count(DISTINCT plate_normalized) FROM citation "
        "WHERE note = 'Simulated patrol'"
    )
    assert twice == 0
    # Numbers the batch test issued are skipped, not refused.
    assert office.count("SELECT count(*) FROM citation WHERE number = %s", number(1)) == 1
    with_photos = office.count(
        "SELECT count(DISTINCT c.id) FROM citation c JOIN evidence e ON e.citation_id = c.id "
        "WHERE c.note = 'Simulated patrol'"
    )
    assert with_photos == cited


def test_the_patrol_refuses_an_impossible_rate(
    office: Office, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "device", "patrol", "--url", office.url("otto"), "--lot", LOT, "--rate", "0"
    )
    assert code == 1
    assert "The rate is reads a second" in err


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"type": "scan", "device": "HH", "seq": 1}', '"type" is'),
        ('{"type": "read", "device": "HH", "seq": -1}', "call number"),
        ('{"type": "read", "device": "HH", "seq": 1, "plate": "A", "speed": 3}', "'speed'"),
        (
            '{"type": "read", "device": "HH", "seq": 1, "jurisdiction": "ON", "plate": "A", '
            '"lot": "B", "read_at": "2026-05-14T09:05:12"}',
            "offset from UTC",
        ),
        (
            '{"type": "read", "device": "HH", "seq": 1, "jurisdiction": "ON", "plate": "A", '
            '"lot": "B", "read_at": "2026-05-14T09:05:12Z", "confidence": "high"}',
            '"confidence" is a number',
        ),
        (
            '{"type": "evidence", "device": "HH", "seq": 1, "citation": "X", '
            '"content": "gone.jpg", "sha256": "00", "media_type": "image/jpeg", '
            '"captured_at": "2026-05-14T09:05:12Z"}',
            'cannot read "content" gone.jpg',
        ),
    ],
)
def test_a_record_that_cannot_be_sent_says_why(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(BadRecord) as refused:
        parse_record(1, text, tmp_path)
    assert problem in refused.value.message


def test_the_patrol_cameras_photo_is_a_jpeg_the_database_accepts() -> None:
    data = plate_photo("ON", "ABC 123", datetime(2026, 5, 14, 9, 5, tzinfo=UTC), "Lot B")
    assert data[:3] == b"\xff\xd8\xff"
    assert plate_photo("ON", "ABC 123", datetime(2026, 5, 14, 9, 5, tzinfo=UTC)) != data


def test_psycopg_is_not_left_connected(office: Office) -> None:
    """Every device command closes its connection (a patrol left running holds one)."""
    with psycopg.connect(office.db.admin_url) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'parkdesk device'"
        ).fetchone()
    assert row == (0,)


def test_a_permit_sold_at_the_counter_is_seen_by_the_device_at_once(office: Office) -> None:
    """The headline: a clerk sells a permit in one client; the very next call of a
    device refuses a citation for that plate, naming the permit, and a read says valid."""
    from desktop.services.parkers import ParkerInput, ParkerService, VehicleInput
    from desktop.services.permits import PermitService, Tender, new_payment_key
    from desktop.services.workspace import Workspace
    from tests.models.test_permit_rules import make_type

    with office.db.connect("mona") as mona:
        lot = mona.execute("SELECT id FROM lot WHERE code = %s", (LOT,)).fetchone()
        assert lot is not None
        permit_type = make_type(mona, [int(str(lot[0]))])
        mona.commit()
    clerk = Workspace.open(office.db.settings("alice"))
    link = DeviceLink(office.url("otto"))
    try:
        parker = ParkerService(clerk).create(
            ParkerInput(first_name="Sam", last_name="Counter", affiliation="staff"),
            allow_duplicate=True,
        )
        plate = "SOLD 902"
        vehicle = ParkerService(clerk).add_vehicle(parker.id, VehicleInput("ON", plate))
        now = datetime.now(UTC)
        seq = time_seq()
        before = link.send(read_call(seq, plate, now))
        assert before.row is not None
        assert before.row["verdict"] == "no_permit"
        sold = PermitService(clerk).sell(
            new_payment_key(), parker_id=parker.id, type_id=permit_type,
            lot_id=int(str(lot[0])), vehicle_ids=[vehicle.id], start=now.date(),
            tender=Tender("card", card_brand="Visa", card_last4="4242", reference="AUTH-HL1"),
        )  # fmt: skip
        cited = link.send(citation_call(seq + 1, number(900), plate, datetime.now(UTC)))
        assert not cited.accepted
        assert cited.field == "plate"
        assert f"Valid: permit {sold.permit_number}" in cited.refusal
        after = link.send(read_call(seq + 2, plate, datetime.now(UTC)))
        assert after.row is not None
        assert after.row["verdict"] == "valid"
        assert after.row["permit_number"] == sold.permit_number
    finally:
        link.close()
        clerk.close()


def time_seq() -> int:
    return fresh_call_number()


def read_call(seq: int, plate: str, at: datetime) -> DeviceCall:
    return parse_record(
        0,
        json.dumps({"type": "read", "device": DEVICE, "seq": seq, "jurisdiction": "ON",
                    "plate": plate, "lot": LOT, "read_at": at.isoformat()}),
        Path("."),
    )  # fmt: skip


def citation_call(seq: int, citation_number: str, plate: str, at: datetime) -> DeviceCall:
    return parse_record(
        0,
        json.dumps({"type": "citation", "device": DEVICE, "seq": seq, "number": citation_number,
                    "jurisdiction": "ON", "plate": plate, "violation": VIOLATION, "lot": LOT,
                    "issued_at": at.isoformat()}),
        Path("."),
    )  # fmt: skip
