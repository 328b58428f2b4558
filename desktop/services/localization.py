"""Money as people read and type it, built on Babel (the Unicode CLDR data).

One formatter and one parser for every desk, the receipts and the shift report: amounts
are in the office's currency (``office_setting.currency``, an ISO 4217 code) and written
the way the person's locale writes them — ``$1,234.50`` for Canadian dollars in en_CA,
``CA$1,234.50`` in en_US, ``1 234,50 $`` in fr_CA. Never through a float.

The person's locale is ``PARKDESK_LOCALE`` if set (``en_CA``, ``fr-CA``), else the
computer's (``LC_ALL``, ``LC_MONETARY``, ``LANG``), else Canadian English.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    get_currency_name,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
    is_currency,
    parse_decimal,
)

from desktop.services.errors import ValidationError

#: When neither PARKDESK_LOCALE nor the computer names a usable locale.
FALLBACK_LOCALE = "en_CA"
#: U+2212: a typographic minus, wider than a hyphen, so a refund is never misread.
MINUS = "\u2212"
#: Spaces people type between groups of digits, whatever their locale's own group mark.
_SPACES = (" ", "\u00a0", "\u202f", "\u2009")
#: A currency mark typed before or after the amount: "$", "CA$", "US$", "€" or a code.
_LEADING_MARK = re.compile(r"^([-\u2212]?)\s*(?:[A-Z]{0,2}[$€£¥]|(?P<code>[A-Z]{3})(?![A-Z]))?\s*")
_TRAILING_MARK = re.compile(r"\s*(?:[A-Z]{0,2}[$€£¥]|(?P<code>[A-Z]{3}))$")


@cache
def _locale_for(tag: str | None) -> Locale:
    for candidate in (tag, *_environment_tags(), FALLBACK_LOCALE):
        if not candidate:
            continue
        name = candidate.split(".")[0].split("@")[0].replace("-", "_")
        if name in ("C", "POSIX", ""):
            continue
        try:
            return Locale.parse(name)
        except (ValueError, UnknownLocaleError):
            continue
    return Locale.parse(FALLBACK_LOCALE)  # pragma: no cover - the fallback always parses


def _environment_tags() -> tuple[str, ...]:
    names = ("PARKDESK_LOCALE", "LC_ALL", "LC_MONETARY", "LANG")
    return tuple(os.environ.get(name, "") for name in names)


def person_locale() -> Locale:
    """The locale money is written in for the person at this computer."""
    return _locale_for(None)


def reset_person_locale() -> None:
    """Read the environment again (after ``PARKDESK_LOCALE`` changed)."""
    _locale_for.cache_clear()


# -- currencies ----------------------------------------------------------------------


def normalize_currency(code: str) -> str:
    return code.strip().upper()


def is_currency_code(code: str) -> bool:
    """True for an ISO 4217 code Babel knows ("CAD", "USD"), False for "DOL" or "dollars"."""
    code = normalize_currency(code)
    return len(code) == 3 and code.isalpha() and is_currency(code)


def currency_name(code: str, locale: Locale | None = None) -> str:
    """ "Canadian dollars" for CAD; the code itself for an unknown one."""
    code = normalize_currency(code)
    if not is_currency_code(code):
        return code
    return str(get_currency_name(code, count=2, locale=locale or person_locale()))


def currency_symbol(code: str, locale: Locale | None = None) -> str:
    """ "$" for CAD in en_CA, "CA$" in en_US."""
    return str(get_currency_symbol(normalize_currency(code), locale=locale or person_locale()))


def currency_digits(code: str) -> int:
    """Decimal places of the currency (2 for dollars and euros, 0 for yen), at most 2:
    the ledger keeps cents."""
    code = normalize_currency(code)
    if not is_currency_code(code):
        return 2
    return min(int(get_currency_precision(code)), 2)


# -- formatting ----------------------------------------------------------------------


def format_money(amount: Decimal, currency: str, locale: Locale | None = None) -> str:
    """``$1,234.50`` (CAD in en_CA): the currency's places, rounded half up, never via float.

    A negative amount starts with :data:`MINUS` (a negative zero prints as zero). An
    unknown code is printed before the amount: ``XYZ 12.00``.
    """
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {amount}")
    code = normalize_currency(currency)
    places = Decimal(1).scaleb(-currency_digits(code))
    rounded = amount.quantize(places, rounding=ROUND_HALF_UP)
    sign = MINUS if rounded < 0 else ""
    where = locale or person_locale()
    if not is_currency_code(code):
        return f"{sign}{code} {abs(rounded):,.{currency_digits(code)}f}"
    text = str(format_currency(abs(rounded), code, locale=where, currency_digits=True))
    return sign + _spaced(text, currency_symbol(code, where))


def format_amount(amount: Decimal, currency: str, locale: Locale | None = None) -> str:
    """``12.75`` (``12,75`` in fr_CA): the bare number, as a person would type it back."""
    code = normalize_currency(currency)
    digits = currency_digits(code)
    rounded = amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    pattern = "0." + "0" * digits if digits else "0"
    return str(format_decimal(rounded, format=pattern, locale=locale or person_locale()))


def _spaced(text: str, symbol: str) -> str:
    """CLDR's currency spacing: a symbol that ends in a letter ("CHF") is kept apart from
    the digits by a no-break space ("CHF 12.00"); "$12.00" and "CA$12.00" stay as they are."""
    at = text.find(symbol)
    if at < 0:
        return text
    end = at + len(symbol)
    if symbol[-1:].isalpha() and text[end : end + 1].isdigit():
        return f"{text[:end]}\u00a0{text[end:]}"
    if symbol[:1].isalpha() and at > 0 and text[at - 1].isdigit():
        return f"{text[:at]}\u00a0{text[at:]}"
    return text


def money_example(currency: str = "", locale: Locale | None = None) -> str:
    """ "1,234.50" in the person's locale (no symbol): what the messages offer as a model."""
    where = locale or person_locale()
    digits = currency_digits(currency) if currency else 2
    whole = f"1{get_group_symbol(where)}234"
    return whole if digits == 0 else f"{whole}{get_decimal_symbol(where)}{'50'[:digits]}"


# -- parsing -------------------------------------------------------------------------


def parse_money(
    typed: str | Decimal,
    *,
    field: str,
    label: str,
    currency: str = "",
    maximum: Decimal | None = None,
    allow_zero: bool = True,
    locale: Locale | None = None,
) -> Decimal:
    """An amount a person typed: "40", "40.00", "1,234.50", "$1,234.50" (en_CA).

    Every desk words a refusal the same way, naming ``label`` ("the price"), on ``field``:
    empty, not an amount, negative, more decimals than the currency has (more than
    cents are refused, never rounded), above ``maximum``, or zero when ``allow_zero`` is
    False. Returns the amount with the currency's places.
    """
    where = locale or person_locale()
    digits = currency_digits(currency) if currency else 2
    example = money_example(currency, where)
    if isinstance(typed, Decimal):
        amount = typed
        if not amount.is_finite():
            raise ValidationError.single(field, f"Type {label} as an amount such as {example}.")
    else:
        text = _strip_currency(
            "".join(typed.split()) if _spaces_are_not_groups(where) else typed.strip(),
            currency,
            where,
        )
        if not text:
            raise ValidationError.single(field, f"Enter {label}, such as {example}.")
        if text[0] in ("-", MINUS, get_minus_sign_symbol(where)):
            raise ValidationError.single(field, f"{_capital(label)} cannot be negative.")
        amount = _decimal(text, where, field=field, label=label, example=example)
    if amount < 0:
        raise ValidationError.single(field, f"{_capital(label)} cannot be negative.")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -digits:
        if digits == 0:
            message = f"{_capital(label)} is in whole units of {normalize_currency(currency)}."
        else:
            message = f"Use at most two decimals (cents) in {label}, as in {example}."
        raise ValidationError.single(field, message)
    if maximum is not None and amount > maximum:
        raise ValidationError.single(
            field, f"{_capital(label)} is at most {_amount_words(maximum, currency, where)}."
        )
    if not allow_zero and amount == 0:
        raise ValidationError.single(field, f"Enter {label} above zero.")
    return amount.quantize(Decimal(1).scaleb(-digits))


def _amount_words(amount: Decimal, currency: str, where: Locale) -> str:
    """``$100,000.00`` in a known currency, ``100,000.00`` without one."""
    if is_currency_code(currency):
        return format_money(amount, currency, where)
    return str(format_decimal(amount, format="#,##0.00", locale=where))


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


def _spaces_are_not_groups(where: Locale) -> bool:
    return get_group_symbol(where) not in _SPACES


def _strip_currency(text: str, currency: str, where: Locale) -> str:
    """Without the currency's symbol or code before or after the amount ("$12", "CA$ 12",
    "CAD 12", "12 $"), and with a sign before the symbol moved to the front ("$-5")."""
    code = normalize_currency(currency) if currency else ""
    symbol = currency_symbol(code, where) if code else ""
    lead = _LEADING_MARK.match(text)
    if lead and (not lead.group("code") or lead.group("code") == code):
        text = lead.group(1) + text[lead.end() :]
    trail = _TRAILING_MARK.search(text)
    if trail and trail.start() > 0 and (not trail.group("code") or trail.group("code") == code):
        text = text[: trail.start()]
    if symbol and symbol not in "$€£¥" and text.startswith(symbol):
        text = text[len(symbol) :].strip()
    return text.strip()


def _decimal(text: str, where: Locale, *, field: str, label: str, example: str) -> Decimal:
    group = get_group_symbol(where)
    if group in _SPACES:
        # People type an ordinary space where the locale groups with a narrow one.
        for space in _SPACES:
            text = text.replace(space, group)
    not_amount = f"Type {label} as an amount such as {example}."
    if not text[:1].isdigit() and text[:1] != get_decimal_symbol(where):
        raise ValidationError.single(field, not_amount)
    try:
        amount = parse_decimal(text, locale=where, strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        raise ValidationError.single(field, not_amount) from None
    if not amount.is_finite() or not all(c.isdigit() or not c.isalnum() for c in text):
        raise ValidationError.single(field, not_amount)
    return amount


# -- days and times, in the office's zone ------------------------------------------------

#: Month names stay English abbreviations whatever the computer's locale: the program
#: speaks English, and "21 Nov 2026" is read the same way everywhere.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
EN_DASH = "\u2013"


# -- moments typed by people ------------------------------------------------------------

#: How people type a moment: "15 May 2027 12:00", "15 may 2027 12:00", "15 September
#: 2027", "2027-05-15 12:00", "15/05/2027 12:00" (day first), and any of those without the
#: time (midnight). Month names are English on every computer: strptime's %b would read
#: them in the computer's language once Qt has set the locale ("mai", "déc."), so the
#: month is turned into its number here and only numbers are left to strptime.
_MOMENT_FORMATS = (
    "%d %m %Y %H:%M",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M",
    "%d %m %Y",
    "%Y-%m-%d",
    "%d/%m/%Y",
)
_MONTH_NUMBERS = {
    **{name.lower(): n for n, name in enumerate(MONTHS, start=1)},
    **{name.lower(): n for n, name in enumerate(MONTH_NAMES, start=1)},
    "sept": 9,
}
_NAMED_MONTH = re.compile(r"^(\d{1,2}) ([A-Za-z]+)\.? (\d{4})\b")


def parse_moment(typed: str) -> datetime | None:
    """A wall-clock moment from what a person typed (no zone: the caller's), or None."""
    text = " ".join(typed.replace(",", " ").split())
    named = _NAMED_MONTH.match(text)
    if named is not None:
        month = _MONTH_NUMBERS.get(named.group(2).lower())
        if month is None:
            return None
        text = f"{named.group(1)} {month:02d} {named.group(3)}{text[named.end() :]}"
    for pattern in _MOMENT_FORMATS:
        try:
            return datetime.strptime(text, pattern)  # noqa: DTZ007 - a wall-clock time
        except ValueError:
            continue
    return None


def format_day(day: date) -> str:
    """ "1 Sep 2026"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_long_day(day: date) -> str:
    """ "1 September 2026", for letters."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def format_month(day: date, *, long: bool = False) -> str:
    """ "Sep 2026" (or "September 2026")."""
    return f"{(MONTH_NAMES if long else MONTHS)[day.month - 1]} {day.year}"


def format_typed(at: datetime) -> str:
    """ "15 May 2027 12:00": a wall-clock moment as people type it (parse_moment reads it
    back on any computer)."""
    return f"{format_day(at.date())} {at:%H:%M}"


def format_period(first: date, last: date) -> str:
    """ "1 Sep 2026 \u2013 31 Aug 2027" (an en dash): both days included."""
    return f"{format_day(first)} {EN_DASH} {format_day(last)}"


def office_time(at: datetime, time_zone: str) -> datetime:
    """``at`` on the office's clock; a time without a zone is refused, never guessed."""
    if at.tzinfo is None or at.utcoffset() is None:
        # A naive time would silently be read in the computer's own zone.
        raise ValueError(f"a printed time needs a time zone: {at.isoformat()}")
    return at.astimezone(ZoneInfo(time_zone))


def on_clock(at: datetime, time_zone: str | None) -> datetime:
    """``at`` on the office's clock, or on this computer's while the office's zone is not
    known yet (a desk that has not heard from the database)."""
    return office_time(at, time_zone) if time_zone else at.astimezone()


def office_today(time_zone: str | None) -> date:
    """Today on the office's calendar (this computer's while the office's zone is not
    known)."""
    return on_clock(datetime.now(UTC), time_zone).date()


def wall_time(wall: datetime, time_zone: str | None) -> datetime:
    """A wall-clock time as typed (no zone) read on the office's clock, or on this
    computer's while the office's zone is not known."""
    return wall.replace(tzinfo=ZoneInfo(time_zone)) if time_zone else wall.astimezone()


def format_when(moment: datetime, time_zone: str | None) -> str:
    """'14:05 on 21 Nov 2026' on the office's clock (``time_zone``; the computer's while
    the office's is not known)."""
    local = on_clock(moment, time_zone)
    return f"{local:%H:%M} on {format_day(local.date())}"


def format_local(at: datetime, time_zone: str) -> str:
    """ "21 Nov 2026 14:05 EST": the office's wall-clock time with its zone's abbreviation
    (EST or EDT tells two 01:30s of the November night apart)."""
    local = office_time(at, time_zone)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} {local:%H:%M} {local.tzname()}"


def format_day_time(at: datetime, time_zone: str) -> str:
    """ "21 Nov 14:05" on the office's clock."""
    local = office_time(at, time_zone)
    return f"{local.day} {MONTHS[local.month - 1]} {local:%H:%M}"


def format_recent(at: datetime, time_zone: str) -> str:
    """ "21 Nov 14:05" this year, "21 Nov 2025 14:05" before: for table cells."""
    return f"{format_recent_day(at, time_zone)} {office_time(at, time_zone):%H:%M}"


def format_recent_day(at: datetime, time_zone: str) -> str:
    """ "21 Nov" this year, "21 Nov 2025" before, on the office's calendar: for a list's
    narrow date column (the time is in the cell's tooltip)."""
    local = office_time(at, time_zone)
    year = "" if local.year == datetime.now(local.tzinfo).year else f" {local.year}"
    return f"{local.day} {MONTHS[local.month - 1]}{year}"
