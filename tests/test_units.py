"""Parsing of durations, money and shares: what consultants write by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sourcing.units import format_duration, parse_duration, parse_fraction, parse_money, parse_rate


@pytest.mark.parametrize("text, hours", [("30min", 0.5), ("4h", 4), ("2d", 48), ("1w", 168), ("1y", 8766),
                                         ("1.5h", 1.5), ("90s", 0.025), ("3mo", 3 * 730.5)])
def test_durations(text, hours):
    assert parse_duration(text) == pytest.approx(hours)


@pytest.mark.parametrize("bad", ["4 hours", "4", "4hrs", "-2h", "h", "", "4 h 30"])
def test_bad_durations_say_what_is_expected(bad):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_numbers_are_not_durations():
    with pytest.raises(ValueError, match="unit"):
        parse_duration(4)


@pytest.mark.parametrize("hours, text", [(0.5, "30min"), (4, "4h"), (48, "2d"), (8766, "1y"), (1.25, "75min")])
def test_durations_write_back(hours, text):
    assert format_duration(hours) == text
    assert parse_duration(format_duration(hours)) == pytest.approx(hours)


@pytest.mark.parametrize("text, amount", [("45000 EUR", 45000), ("45 000 EUR", 45000), ("45k EUR", 45000),
                                          ("150 €", 150), ("€150", 150), ("1.5M EUR", 1.5e6), ("12.50 EUR", 12.5)])
def test_money(text, amount):
    assert parse_money(text) == (pytest.approx(amount), "EUR")


@pytest.mark.parametrize("bad, fragment", [("45,000 EUR", "comma"), ("45000", "currency"), (45000, "currency"),
                                           ("EUR", "not an amount")])
def test_bad_money(bad, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_money(bad)


def test_shares_and_rates():
    assert parse_fraction("4%") == pytest.approx(0.04)
    assert parse_fraction(0.04) == pytest.approx(0.04)
    assert parse_rate("-2%") == pytest.approx(-0.02)
    with pytest.raises(ValueError, match="above 1"):
        parse_fraction(4)
    with pytest.raises(ValueError, match="between 0% and 100%"):
        parse_fraction("120%")
    with pytest.raises(ValueError, match="not a share"):
        parse_fraction("four percent")


@given(st.floats(min_value=1e-6, max_value=30 * 8766, allow_nan=False))
def test_every_duration_is_written_back_as_itself(hours):
    """A resolved scenario must validate again: a 0.01 s duration was written back as '0y'."""


    text = format_duration(hours)
    assert parse_duration(text) == pytest.approx(hours, rel=1e-9), text


def test_short_durations_keep_their_unit():


    assert format_duration(0.01 / 3600) == "0.01s"
    assert format_duration(3 * 730.5) == "3mo"
    assert format_duration(0.5) == "30min"
