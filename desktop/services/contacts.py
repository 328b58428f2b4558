"""E-mail addresses and phone numbers, read the way well-kept libraries read them.

E-mail syntax is checked by email-validator (never its deliverability: an office may be
offline). Phone numbers go through phonenumbers (libphonenumber's rules): typed any
way, stored in E.164 ("+14165550199", an extension after " x"), shown in the office's
national format ("(416) 555-0199") or, from another country, internationally. A
number typed without a country code is read in the office's region
(``office_setting.phone_region``).

Numbers stored before this rule came in stay as typed: :func:`format_phone` shows them
as stored, and a parker form that leaves one unchanged saves it unchanged.
"""

from __future__ import annotations

from functools import cache

import phonenumbers
from babel import Locale
from email_validator import EmailNotValidError, validate_email

from desktop.services.errors import ValidationError

#: Where numbers are read when the office has not said (the demo office is Canadian).
DEFAULT_REGION = "CA"
_EXTENSION = " x"


def normalize_email(typed: str, field: str = "email") -> str:
    """The address with its domain in lower case, or a message saying what is wrong."""
    try:
        checked = validate_email(typed.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError.single(
            field, f"Enter an email address like name@example.edu ({_clause(str(exc))})."
        ) from None
    return str(checked.normalized)


def normalize_phone(typed: str, region: str = DEFAULT_REGION, field: str = "phone") -> str:
    """E.164 for a number that can exist ("+14165550199", "+14165550199 x12").

    A number that cannot (too short, no such area code) is refused with a message that
    names the region it was read in.
    """
    text = typed.strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError.single(field, _impossible(text, region))
    stored = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{stored}{_EXTENSION}{number.extension}" if number.extension else stored


def format_phone(stored: str, region: str = DEFAULT_REGION) -> str:
    """A stored number as people read it: national in the office's own country,
    international from anywhere else; a number stored before E.164 as it was typed."""
    if not stored.startswith("+"):
        return stored
    try:
        number = phonenumbers.parse(stored.replace(_EXTENSION, " ext. "), region)
    except phonenumbers.NumberParseException:
        return stored
    if not phonenumbers.is_valid_number(number):
        return stored
    home = phonenumbers.region_code_for_number(number) == region
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))


def same_phone(typed: str, stored: str, region: str = DEFAULT_REGION) -> bool:
    """Whether a form's text is the stored number (as stored, or shown, or typed again)."""
    if typed.strip() == stored or typed.strip() == format_phone(stored, region):
        return True
    try:
        return normalize_phone(typed, region) == stored
    except ValidationError:
        return False


def is_region(code: str) -> bool:
    return code.strip().upper() in phonenumbers.SUPPORTED_REGIONS


@cache
def region_choices(locale: str = "en") -> tuple[tuple[str, str], ...]:
    """(code, "Canada (+1)") for every region phone numbers can come from, by name."""
    names = Locale.parse(locale).territories
    choices = [
        (code, f"{names.get(code, code)} (+{phonenumbers.country_code_for_region(code)})")
        for code in phonenumbers.SUPPORTED_REGIONS
    ]
    return tuple(sorted(choices, key=lambda choice: choice[1]))


def region_name(code: str, locale: str = "en") -> str:
    return str(Locale.parse(locale).territories.get(code, code))


def _impossible(text: str, region: str) -> str:
    where = region_name(region)
    return (
        f"{text} is not a phone number in {where}. Type it as dialled there, or start "
        "with + and the country code."
    )


def _clause(reason: str) -> str:
    """ "The part after the @-sign is not valid." -> "the part after the @-sign is not valid"."""
    reason = reason.strip().split(". ")[0].rstrip(".")
    return reason[:1].lower() + reason[1:]
