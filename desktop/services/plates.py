"""Plate rules shared by every desk: normalisation (identity) and look-alikes (search only).

These mirror the generated columns ``vehicle.plate_normalized`` and
``vehicle.plate_skeleton``; the database remains the authority.
"""

from __future__ import annotations

import re
from collections.abc import Collection

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
# "BC GZ620E" (how every list shows a plate) and "GZ620E (BC)" (how a verdict names it).
_LEADING_CODE = re.compile(r"\s*([A-Za-z]{2}(?:-[A-Za-z0-9]{1,3})?)[ \t]+(\S.*?)\s*")
_TRAILING_CODE = re.compile(r"\s*(\S.*?)\s*\(\s*([A-Za-z]{2}(?:-[A-Za-z0-9]{1,3})?)\s*\)\s*")


#: Provinces, territories and states a plate may come from, for the jurisdiction picker.
#: Any other code of the right shape (such as a country code) may still be typed.
JURISDICTION_NAMES = {
    "ON": "Ontario",
    "QC": "Quebec",
    "AB": "Alberta",
    "BC": "British Columbia",
    "MB": "Manitoba",
    "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador",
    "NS": "Nova Scotia",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
    "PE": "Prince Edward Island",
    "SK": "Saskatchewan",
    "YT": "Yukon",
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
}
#: Until the person picks another (the desk remembers their choice).
DEFAULT_JURISDICTION = "ON"


def jurisdiction_code(typed: str) -> str:
    """The code in what a person typed or picked: "ON — Ontario", "on" and "Ontario" give
    ON; anything else comes back trimmed and upper-cased (to be validated)."""
    text = typed.strip()
    code = text.split("\u2014", 1)[0].strip().upper()
    if code in JURISDICTION_NAMES:
        return code
    for known, name in JURISDICTION_NAMES.items():
        if name.casefold() == text.casefold():
            return known
    return code


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


def split_jurisdiction(typed: str, known: Collection[str]) -> tuple[str | None, str]:
    """The jurisdiction typed with a plate, the way ParkDesk shows plates, and the plate.

    ``"BC GZ620E"`` and ``"GZ620E (BC)"`` give ``("BC", "GZ620E")`` when BC is one of
    ``known``; anything else gives ``(None, typed)``. A leading code is never glued to the
    plate ("BCGZ620E" is a different plate, and in the wrong place).
    """
    for pattern, code_group, plate_group in ((_TRAILING_CODE, 2, 1), (_LEADING_CODE, 1, 2)):
        found = pattern.fullmatch(typed)
        if found is not None:
            code = found.group(code_group).upper()
            if code in known and normalize_plate(found.group(plate_group)):
                return code, found.group(plate_group)
    return None, typed


def is_jurisdiction(text: str) -> bool:
    """Whether ``text`` is a jurisdiction code as stored: ON, NY, US-DC (upper case)."""
    return bool(_VALID_JURISDICTION.fullmatch(text))


def validate_jurisdiction(text: str) -> str:
    code = text.strip().upper()
    if not _VALID_JURISDICTION.fullmatch(code):
        raise ValidationError.single(
            "jurisdiction", "Jurisdiction is a two-letter code such as ON, QC or NY."
        )
    return code
