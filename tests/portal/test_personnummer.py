"""Personal identity numbers as a caseworker types them: checked, stored as twelve digits."""

from __future__ import annotations

from datetime import date

import pytest

from portal.personnummer import InvalidPersonalNumber, birth_date, display, masked, normalise

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    "typed",
    ["19811228-9874", "811228-9874", "8112289874", "198112289874", " 811228 - 9874 "],
)
def test_the_ways_people_write_one_number_are_stored_alike(typed: str) -> None:
    assert normalise(typed, TODAY) == "198112289874"


def test_a_samordningsnummer_keeps_its_day_and_knows_the_birth_date() -> None:
    number = normalise("701063-2391", TODAY)
    assert number == "197010632391"
    assert birth_date(number) == date(1970, 10, 3)


def test_a_plus_means_a_hundred_years_or_more() -> None:
    assert normalise("121212+1212", TODAY) == "191212121212"
    assert normalise("121212-1212", TODAY) == "201212121212"


@pytest.mark.parametrize(
    "typed",
    [
        "811228-9875",  # wrong check digit
        "811232-9874",  # no 32nd of December
        "811288-9874",  # day 88 is neither a day nor a samordningsnummer's day + 60
        "20300101-0002",  # born in the future (check digit right)
        "81122-9874",  # a digit short
        "abcdef-ghij",
        "",
        "1" * 30,
    ],
)
def test_what_is_not_a_number_is_refused(typed: str) -> None:
    with pytest.raises(InvalidPersonalNumber):
        normalise(typed, TODAY)


def test_shown_whole_only_where_needed() -> None:
    assert display("198112289874") == "19811228-9874"
    assert masked("198112289874") == "19811228-****"
    assert masked(None) == ""
