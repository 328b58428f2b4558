"""Money as people read and type it: one parser and one formatter for every desk."""

from __future__ import annotations

import locale
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from babel import Locale

from desktop.services import localization
from desktop.services.errors import ValidationError
from desktop.services.localization import (
    MINUS,
    currency_name,
    format_amount,
    format_day,
    format_day_time,
    format_local,
    format_long_day,
    format_money,
    format_month,
    format_period,
    format_recent,
    format_typed,
    format_when,
    is_currency_code,
    parse_moment,
    parse_money,
    person_locale,
)
from desktop.services.platecheck import describe_until, format_moment

EN_CA = Locale.parse("en_CA")
FR_CA = Locale.parse("fr_CA")


def _parse(typed: str, **kw: object) -> Decimal:
    return parse_money(typed, field="price", label="the price", **kw)  # type: ignore[arg-type]


def _refusal(typed: str, **kw: object) -> str:
    with pytest.raises(ValidationError) as caught:
        _parse(typed, **kw)
    assert [p.field for p in caught.value.problems] == ["price"]
    return caught.value.problems[0].message


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "shown"),
    [
        ("1234.5", "CAD", "en_CA", "$1,234.50"),
        ("1234.5", "USD", "en_CA", "US$1,234.50"),
        ("1234.5", "CAD", "en_US", "CA$1,234.50"),
        ("1234.5", "USD", "en_US", "$1,234.50"),
        ("1234.5", "CAD", "fr_CA", "1\u00a0234,50\u00a0$"),
        ("12.5", "EUR", "en_US", "€12.50"),
        ("0.005", "CAD", "en_CA", "$0.01"),  # half up, never via float
        ("-12.5", "CAD", "en_CA", f"{MINUS}$12.50"),
        ("-0.004", "CAD", "en_CA", "$0.00"),  # a negative zero is plain zero
        ("1234.5", "JPY", "en_US", "¥1,235"),  # yen have no cents
        ("12", "XYZ", "en_US", "XYZ 12.00"),  # not a currency: the code, then the amount
    ],
)
def test_money_is_written_the_way_the_locale_writes_that_currency(
    amount: str, currency: str, locale: str, shown: str
) -> None:
    assert format_money(Decimal(amount), currency, Locale.parse(locale)) == shown


def test_what_is_not_money_cannot_be_printed() -> None:
    with pytest.raises(ValueError, match="not an amount"):
        format_money(Decimal("NaN"), "CAD")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("40", "40.00"),
        (" 40.5 ", "40.50"),
        ("1,234.50", "1234.50"),
        ("$1,250.5", "1250.50"),
        ("CA$ 12", "12.00"),
        ("CAD 12", "12.00"),
        ("12 $", "12.00"),
        (".5", "0.50"),
        ("0", "0.00"),
    ],
)
def test_amounts_are_read_as_people_type_them(typed: str, amount: str) -> None:
    assert _parse(typed, currency="CAD", locale=EN_CA) == Decimal(amount)


def test_a_french_canadian_clerk_types_spaces_and_a_comma() -> None:
    assert _parse("1 234,50", currency="CAD", locale=FR_CA) == Decimal("1234.50")
    assert _parse("1 234,50 $", currency="CAD", locale=FR_CA) == Decimal("1234.50")
    assert "1\u00a0234,50" in _refusal("abc", currency="CAD", locale=FR_CA)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the price, such as 1,234.50."),
        ("abc", "Type the price as an amount such as 1,234.50."),
        ("1e3", "Type the price as an amount such as 1,234.50."),
        ("NaN", "Type the price as an amount such as 1,234.50."),
        ("12,34", "Type the price as an amount such as 1,234.50."),
        ("-5", "The price cannot be negative."),
        ("\u22125", "The price cannot be negative."),
        ("$-5", "The price cannot be negative."),
        ("0.005", "Use at most two decimals (cents) in the price, as in 1,234.50."),
        ("1.234", "Use at most two decimals (cents) in the price, as in 1,234.50."),
    ],
)
def test_what_is_not_an_amount_is_refused_with_one_wording(typed: str, message: str) -> None:
    assert _refusal(typed, currency="CAD", locale=EN_CA) == message


def test_limits_and_zero_are_named_in_the_offices_currency() -> None:
    assert (
        _refusal("100000.01", currency="CAD", locale=EN_CA, maximum=Decimal(100_000))
        == "The price is at most $100,000.00."
    )
    assert _refusal("100000.01", locale=EN_CA, maximum=Decimal(100_000)) == (
        "The price is at most 100,000.00."
    )
    assert _refusal("0", locale=EN_CA, allow_zero=False) == "Enter the price above zero."


def test_whole_yen_are_whole() -> None:
    assert _parse("1,235", currency="JPY", locale=EN_CA) == Decimal(1235)
    assert _refusal("12.50", currency="JPY", locale=EN_CA) == "The price is in whole units of JPY."


def test_a_decimal_given_by_a_program_is_checked_the_same_way() -> None:
    assert parse_money(Decimal(20), field="float", label="the float") == Decimal("20.00")
    with pytest.raises(ValidationError, match="cannot be negative"):
        parse_money(Decimal(-1), field="float", label="the float")
    with pytest.raises(ValidationError, match="two decimals"):
        parse_money(Decimal("0.001"), field="float", label="the float")


def test_currencies_are_iso_codes_babel_knows() -> None:
    assert is_currency_code("CAD")
    assert is_currency_code(" usd ")
    assert not is_currency_code("DOL")
    assert not is_currency_code("dollars")
    assert currency_name("CAD", EN_CA) == "Canadian dollars"


def test_the_persons_locale_comes_from_the_setting_then_the_computer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARKDESK_LOCALE", "fr-CA")
    localization.reset_person_locale()
    try:
        assert str(person_locale()) == "fr_CA"
        monkeypatch.delenv("PARKDESK_LOCALE")
        monkeypatch.setenv("LC_ALL", "C.UTF-8")
        monkeypatch.setenv("LC_MONETARY", "")
        monkeypatch.setenv("LANG", "de_DE.UTF-8")
        localization.reset_person_locale()
        assert str(person_locale()) == "de_DE"
        monkeypatch.setenv("LANG", "C")
        localization.reset_person_locale()
        assert str(person_locale()) == localization.FALLBACK_LOCALE
    finally:
        monkeypatch.setenv("PARKDESK_LOCALE", "en_US")
        localization.reset_person_locale()


@pytest.mark.parametrize(
    ("typed", "moment"),
    [
        ("15 May 2027 12:00", (2027, 5, 15, 12, 0)),
        ("15 may 2027  12:00", (2027, 5, 15, 12, 0)),
        ("15 September 2027 08:30", (2027, 9, 15, 8, 30)),
        ("2027-05-15 12:00", (2027, 5, 15, 12, 0)),
        ("15/05/2027 12:00", (2027, 5, 15, 12, 0)),
        ("15 May 2027", (2027, 5, 15, 0, 0)),
    ],
)
def test_a_moment_is_read_as_people_type_it(
    typed: str, moment: tuple[int, int, int, int, int]
) -> None:
    read = parse_moment(typed)
    assert read is not None
    assert (read.year, read.month, read.day, read.hour, read.minute) == moment


@pytest.mark.parametrize("typed", ["", "tomorrow", "15 Mai 2027", "31 Feb 2027 12:00"])
def test_what_is_not_a_moment_reads_as_none(typed: str) -> None:
    assert parse_moment(typed) is None


def test_days_and_times_are_said_on_the_offices_clock() -> None:
    from datetime import UTC, date, datetime

    toronto = "America/Toronto"
    assert format_day(date(2026, 9, 1)) == "1 Sep 2026"
    assert format_period(date(2026, 9, 1), date(2027, 8, 31)) == "1 Sep 2026 \u2013 31 Aug 2027"
    # The same 01:30 twice on the night clocks go back, told apart by the zone.
    assert format_local(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), toronto) == (
        "1 Nov 2026 01:30 EDT"
    )
    assert format_local(datetime(2026, 11, 1, 6, 30, tzinfo=UTC), toronto) == (
        "1 Nov 2026 01:30 EST"
    )
    assert format_day_time(datetime(2026, 11, 21, 19, 5, tzinfo=UTC), toronto) == "21 Nov 14:05"
    assert format_recent(datetime(2020, 3, 2, 12, 0, tzinfo=UTC), toronto) == "2 Mar 2020 07:00"
    with pytest.raises(ValueError, match="needs a time zone"):
        format_local(datetime(2026, 11, 1, 1, 30), toronto)  # noqa: DTZ001 - the point


def test_a_bare_amount_is_written_as_the_person_types_it() -> None:
    assert format_amount(Decimal("12.75"), "CAD", EN_CA) == "12.75"
    assert format_amount(Decimal("1234.5"), "CAD", FR_CA) == "1234,50"
    assert format_amount(Decimal("500"), "JPY", EN_CA) == "500"


@pytest.fixture
def french_clock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The C library's dates in French, as on a French-speaking office's computer once Qt
    has set the locale from the environment (strftime's %b then says "déc.")."""
    if shutil.which("localedef") is None:
        pytest.skip("localedef is not on this machine")
    folder = tmp_path_factory.mktemp("locales")
    made = subprocess.run(
        ["localedef", "-i", "fr_FR", "-f", "UTF-8", str(folder / "fr_FR.UTF-8")],
        capture_output=True,
        check=False,
    )
    if made.returncode not in (0, 1) or not (folder / "fr_FR.UTF-8").exists():
        pytest.skip("the French locale cannot be made here")
    before_path, before = os.environ.get("LOCPATH"), locale.setlocale(locale.LC_TIME)
    os.environ["LOCPATH"] = str(folder)
    try:
        locale.setlocale(locale.LC_TIME, "fr_FR.UTF-8")
    except locale.Error:
        pytest.skip("the French locale cannot be set here")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_TIME, before)
        if before_path is None:
            os.environ.pop("LOCPATH", None)
        else:
            os.environ["LOCPATH"] = before_path


@pytest.mark.usefixtures("french_clock")
def test_dates_are_read_and_written_in_english_on_a_french_computer() -> None:
    december = datetime(2026, 12, 7, 9, 5, tzinfo=UTC)
    assert f"{december:%b}" != "Dec"  # the computer's own words are French here
    wall = december.replace(tzinfo=None)  # a moment as typed: no zone
    assert parse_moment("7 Dec 2026 09:05") == wall
    assert parse_moment("7 December 2026") == wall.replace(hour=0, minute=0)
    assert parse_moment("15 mai 2027") is None  # the program's words are English
    assert format_typed(wall) == "7 Dec 2026 09:05"
    assert format_month(december.date()) == "Dec 2026"
    assert format_long_day(december.date()) == "7 December 2026"
    assert format_when(december, None).endswith(" Dec 2026")
    assert format_when(december, "America/Toronto") == "04:05 on 7 Dec 2026"
    assert "Dec 2026" in format_moment(december)
    assert "Dec 2026" in describe_until(december)
