"""E-mail addresses and phone numbers: read by the libraries, stored one way, shown another."""

from __future__ import annotations

import pytest

from desktop.services.contacts import (
    format_phone,
    is_region,
    normalize_email,
    normalize_phone,
    region_choices,
    same_phone,
)
from desktop.services.errors import ValidationError


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("416 555 0199", "+14165550199"),
        ("(416) 555-0199", "+14165550199"),
        ("1-416-555-0199", "+14165550199"),
        ("+1 416 555 0199 x12", "+14165550199 x12"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_are_stored_in_e164(typed: str, stored: str) -> None:
    assert normalize_phone(typed, "CA") == stored


@pytest.mark.parametrize("typed", ["555 0101", "123", "+1 555 123 4567", "call me"])
def test_a_number_that_cannot_exist_is_refused_naming_the_region(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(typed, "CA")
    assert [p.field for p in caught.value.problems] == ["phone"]
    assert "is not a phone number in Canada" in caught.value.problems[0].message


def test_a_number_is_shown_nationally_at_home_and_internationally_abroad() -> None:
    assert format_phone("+14165550199", "CA") == "(416) 555-0199"
    assert format_phone("+14165550199 x12", "CA") == "(416) 555-0199 ext. 12"
    assert format_phone("+442079460958", "CA") == "+44 20 7946 0958"
    assert format_phone("+14165550199", "GB") == "+1 416-555-0199"
    # Stored before E.164: shown as typed.
    assert format_phone("555-0101 (desk)", "CA") == "555-0101 (desk)"
    assert format_phone("", "CA") == ""


def test_the_same_number_however_it_is_written() -> None:
    assert same_phone("(416) 555-0199", "+14165550199", "CA")
    assert same_phone("416.555.0199", "+14165550199", "CA")
    assert not same_phone("416 555 0198", "+14165550199", "CA")
    assert same_phone("555-0101 (desk)", "555-0101 (desk)", "CA")  # kept as it was


def test_email_syntax_is_checked_and_the_domain_lower_cased() -> None:
    assert normalize_email(" Mira.O@Example.EDU ") == "Mira.O@example.edu"
    for bad, reason in (
        ("a@b", "after the @-sign"),
        ("no-at-sign", "@-sign"),
        ("two@@example.edu", "@"),
    ):
        with pytest.raises(ValidationError) as caught:
            normalize_email(bad)
        message = caught.value.problems[0].message
        assert message.startswith("Enter an email address like name@example.edu (")
        assert reason in message


def test_regions_are_named_with_their_calling_codes() -> None:
    choices = dict(region_choices())
    assert choices["CA"] == "Canada (+1)"
    assert choices["GB"] == "United Kingdom (+44)"
    assert is_region("ca")
    assert not is_region("XX")
