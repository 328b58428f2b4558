"""Plate rules shared by every desk: normalisation (identity) and look-alikes (search only).

These mirror the generated columns ``vehicle.plate_normalized`` and
``vehicle.plate_skeleton``; the database remains the authority.
"""

from __future__ import annotations

import re

from desktop.models.parker import CONFUSABLE_FROM, CONFUSABLE_TO
from desktop.services.errors import ValidationError

# Exactly what the generated column strips ([[:space:].-] on ASCII text). Python's \s also
# matches separators such as U+00A0 and U+001C that PostgreSQL keeps, so it is not used here.
_SEPARATORS = re.compile(r"[ \t\n\r\f\v.\-]+")
# Only ASCII letters are upper-cased: str.upper() turns "ß" into "SS" and "ﬁ" into "FI",
# which would make Python accept plates the database stores differently or refuses.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_VALID_PLATE = re.compile(r"[A-Z0-9]{1,10}")
_VALID_JURISDICTION = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")
_SKELETON = str.maketrans(CONFUSABLE_FROM, CONFUSABLE_TO)


def normalize_plate(raw: str) -> str:
    """Upper-case and drop spaces, dashes and dots: ``"abc-123"`` becomes ``"ABC123"``."""
    return _SEPARATORS.sub("", raw).translate(_ASCII_UPPER)


def plate_skeleton(normalized: str) -> str:
    """Collapse each look-alike group (0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, 6/G) to one character."""
    return normalized.translate(_SKELETON)


def is_plate_like(text: str) -> bool:
    return bool(_VALID_PLATE.fullmatch(normalize_plate(text)))


def validate_plate(raw: str) -> str:
    """Return the normalised plate or raise a message naming the fix."""
    normalized = normalize_plate(raw)
    if not normalized:
        raise ValidationError.single(
            "plate", "Enter the plate, or mark it as unreadable or no plate."
        )
    if len(raw) > 20 or not _VALID_PLATE.fullmatch(normalized):
        raise ValidationError.single(
            "plate",
            f"'{raw}' is not a plate: use 1 to 10 letters A-Z and digits "
            "(spaces, dashes and dots are ignored).",
        )
    return normalized


def validate_jurisdiction(text: str) -> str:
    code = text.strip().upper()
    if not _VALID_JURISDICTION.fullmatch(code):
        raise ValidationError.single(
            "jurisdiction", "Jurisdiction is a two-letter code such as ON, QC or NY."
        )
    return code
