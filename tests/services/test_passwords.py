"""Passwords become SCRAM-SHA-256 verifiers on this computer, exactly as libpq makes them."""

from __future__ import annotations

import base64
import secrets

import psycopg
import pytest

from desktop.services import admin
from desktop.services.database import admin_engine
from desktop.services.passwords import scram_sha256_verifier
from tests.conftest import Database

# A verifier libpq made (PQencryptPasswordConn) for "correct horse battery", kept as a vector.
LIBPQ_VECTOR = (
    "SCRAM-SHA-256$4096:gb2fORhe1JL3ZLdAVRYzqA==$"
    "tuLGuXWifcIwe7i7CAZYRjY5i6GZSRg+ZRb2vEE0KgE=:"
    "x0qcgFFBhc6dfh9Nfe58OD4VEJqjqGNSX4y8tDdmSxg="
)


def _salt_and_iterations(verifier: str) -> tuple[bytes, int]:
    iterations, salt = verifier.split("$")[1].split(":")
    return base64.b64decode(salt), int(iterations)


def test_the_verifier_has_postgresql_s_format() -> None:
    verifier = scram_sha256_verifier("correct horse battery")
    method, params, keys = verifier.split("$")
    iterations, salt = params.split(":")
    stored_key, server_key = keys.split(":")
    assert (method, iterations) == ("SCRAM-SHA-256", "4096")
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(stored_key)) == len(base64.b64decode(server_key)) == 32
    assert scram_sha256_verifier("correct horse battery") != verifier, "a new salt every time"


def test_a_known_vector() -> None:
    salt, iterations = _salt_and_iterations(LIBPQ_VECTOR)
    assert scram_sha256_verifier("correct horse battery", salt, iterations) == LIBPQ_VECTOR


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("correct horse battery", id="ascii"),
        pytest.param("tab\tand ~!@#$%^&*()", id="ascii-controls"),
        pytest.param("Grüße aus Köln", id="latin"),
        pytest.param("no\u00a0break\u00adsoft \ufb01ne \u2168", id="saslprep-maps"),
        pytest.param("\u0627\u0644\u0633\u0644\u0627\u0645", id="right-to-left"),
        pytest.param("mixed \u0627 and latin", id="bidi-refused-raw-bytes"),
        pytest.param("emoji \U0001f697 unassigned in 3.2", id="unassigned-raw-bytes"),
        pytest.param("\u00ad\u200b", id="zero-width-space-is-a-space"),
        pytest.param("\u00ad\u034f", id="maps-to-nothing-raw-bytes"),
        pytest.param("\uff30\uff41\uff53\uff53 e\u0301t\u00e9 \ud55c", id="nfkc"),
    ],
)
def test_the_same_verifier_as_libpq(database: Database, password: str) -> None:
    """libpq's own PQencryptPasswordConn (psql's \\password), salt for salt."""
    with database.admin() as conn:
        made_by_libpq = conn.pgconn.encrypt_password(
            password.encode(), b"someone", b"scram-sha-256"
        ).decode()
    salt, iterations = _salt_and_iterations(made_by_libpq)
    assert scram_sha256_verifier(password, salt, iterations) == made_by_libpq


@pytest.mark.parametrize(
    "password",
    ["a-good-password", "Grüße\u00a0aus Köln", "\ufb01sh and chips"],
    ids=["ascii", "non-ascii-space", "ligature"],
)
def test_a_login_made_with_a_verifier_logs_in_with_its_password(
    database: Database, password: str
) -> None:
    login = f"pw_{secrets.token_hex(4)}"
    engine = admin_engine(database.admin_url)
    try:
        with engine.begin() as conn:
            admin.add_login(conn, login, ["clerk"], password, "Pass Word")
    finally:
        engine.dispose()
    with database.connect(login, password) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (login,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        database.connect(login, password + "x")
