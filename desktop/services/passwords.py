"""Staff passwords become SCRAM-SHA-256 verifiers here, so the server never sees one in clear.

:func:`scram_sha256_verifier` computes what PostgreSQL stores in ``pg_authid.rolpassword``
exactly as libpq's ``PQencryptPasswordConn`` (psql's ``\\password``) does: the password
prepared with SASLprep (RFC 4013) when it is valid for it, else its UTF-8 bytes as they
are, salted with 16 random bytes and stretched with PBKDF2-HMAC-SHA-256 over 4096
iterations (RFC 5802, RFC 7677). A person then logs in with the password they chose,
from any libpq client; statement logs and ``pg_stat_statements`` only ever hold the
verifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stringprep
import unicodedata

SCRAM_ITERATIONS = 4096
SCRAM_SALT_BYTES = 16


def scram_sha256_verifier(
    password: str, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS
) -> str:
    """``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`` for ``password``.

    ``salt`` is random (16 bytes) unless given; giving it is for checking against a
    verifier made elsewhere.
    """
    if iterations < 1:
        raise ValueError("iterations must be positive")
    salt = os.urandom(SCRAM_SALT_BYTES) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", _prepared(password), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return f"SCRAM-SHA-256${iterations}:{_b64(salt)}${_b64(stored_key)}:{_b64(server_key)}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _prepared(password: str) -> bytes:
    """SASLprep of the password, or its plain UTF-8 when SASLprep refuses it.

    libpq does the same (``pg_saslprep``, then the raw password on a prohibited or
    unassigned character), and so does the server when a client logs in: both sides
    must feed PBKDF2 the same bytes.
    """
    if password.isascii():
        return password.encode("utf-8")  # as in pg_saslprep: ASCII is taken as it is
    prepared = _saslprep(password)
    return (prepared if prepared is not None else password).encode("utf-8")


def _saslprep(text: str) -> str | None:
    """RFC 4013 SASLprep as PostgreSQL's ``pg_saslprep`` does it; None when it refuses.

    The tables are RFC 3454's (Unicode 3.2); normalisation is NFKC of the current Unicode,
    as in PostgreSQL, whose unassigned-character check keeps the two in step.
    """
    # Mapping, in pg_saslprep's order: a non-ASCII space (U+200B is in both tables) becomes
    # a space, then "commonly mapped to nothing" goes.
    mapped = "".join(
        " " if stringprep.in_table_c12(ch) else "" if stringprep.in_table_b1(ch) else ch
        for ch in text
    )
    normalized = unicodedata.normalize("NFKC", mapped)
    if not normalized:
        return None
    prohibited = (
        stringprep.in_table_c12,
        stringprep.in_table_c21,
        stringprep.in_table_c22,
        stringprep.in_table_c3,
        stringprep.in_table_c4,
        stringprep.in_table_c5,
        stringprep.in_table_c6,
        stringprep.in_table_c7,
        stringprep.in_table_c8,
        stringprep.in_table_c9,
        stringprep.in_table_a1,  # unassigned in Unicode 3.2
    )
    if any(check(ch) for ch in normalized for check in prohibited):
        return None
    # Bidirectional text: either no right-to-left character, or it starts and ends with
    # one and has no left-to-right character (RFC 3454 section 6).
    if any(stringprep.in_table_d1(ch) for ch in normalized):
        if any(stringprep.in_table_d2(ch) for ch in normalized):
            return None
        if not (stringprep.in_table_d1(normalized[0]) and stringprep.in_table_d1(normalized[-1])):
            return None
    return normalized
