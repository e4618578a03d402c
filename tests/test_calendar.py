"""Calendar arithmetic, worked by hand: covered hours under windows, holidays and DST."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sourcing.calendar import WINDOW_24_7, WINDOW_HNO, WINDOW_HO, Calendar, Window, parse_rule, parse_rules

PARIS = ZoneInfo("Europe/Paris")
CAL = Calendar(start=date(2027, 1, 1), horizon_years=2)


def at(*args):
    return datetime(*args, tzinfo=PARIS)


def test_friday_17h_plus_4_covered_hours_is_monday_11h():
    assert CAL.add_covered_hours(at(2027, 1, 8, 17), 4, WINDOW_HO) == at(2027, 1, 11, 11)


def test_one_covered_hour_from_friday_17h_ends_friday_18h():
    assert CAL.add_covered_hours(at(2027, 1, 8, 17), 1, WINDOW_HO) == at(2027, 1, 8, 18)


def test_outside_the_window_the_clock_starts_at_the_next_opening():
    assert CAL.add_covered_hours(at(2027, 1, 9, 15), 4, WINDOW_HO) == at(2027, 1, 11, 12)
    assert CAL.add_covered_hours(at(2027, 1, 12, 6), 4, WINDOW_HO) == at(2027, 1, 12, 12)


def test_public_holiday_is_skipped():
    # Friday 7 May 2027 17:00 + 4 h: Monday 10 May is a working day; Thursday 6 May (Ascension) is not.
    assert CAL.add_covered_hours(at(2027, 5, 5, 16), 4, WINDOW_HO) == at(2027, 5, 7, 10)
    # Christmas (Saturday 25 Dec 2027) is a weekend anyway; 1 January 2027 is a Friday holiday.
    assert CAL.add_covered_hours(at(2026, 12, 31, 23), 1, WINDOW_HO) == at(2027, 1, 4, 9)


def test_holiday_open_window_counts_the_holiday():
    window = Window("HO+holidays", parse_rules("Mon-Fri 08:00-18:00"), holidays_open=True)
    assert CAL.add_covered_hours(at(2027, 5, 5, 16), 4, window) == at(2027, 5, 6, 10)


def test_daylight_saving_change_does_not_shift_business_hours():
    # Clocks go forward on Sunday 28 March 2027; Monday 29 March is Easter Monday.
    assert CAL.add_covered_hours(at(2027, 3, 26, 17), 4, WINDOW_HO) == at(2027, 3, 30, 11)
    assert CAL.covered_hours(at(2027, 3, 26, 0), at(2027, 4, 1, 0), WINDOW_HO) == pytest.approx(30)
    # On the 24/7 window the short night shows: Saturday 27 to Monday 29 March holds 47 real hours.
    assert CAL.covered_hours(at(2027, 3, 27), at(2027, 3, 29), WINDOW_24_7) == pytest.approx(47)
    # And clocks going back on 31 October 2027 give a 25-hour Sunday.
    assert CAL.covered_hours(at(2027, 10, 31), at(2027, 11, 1), WINDOW_24_7) == pytest.approx(25)


def test_covered_hours_in_a_week_of_business_hours():
    assert CAL.covered_hours(at(2027, 1, 11), at(2027, 1, 18), WINDOW_HO) == pytest.approx(50)
    assert CAL.covered_hours(at(2027, 1, 11), at(2027, 1, 18), WINDOW_HNO) == pytest.approx(118)


def test_hno_is_the_complement_of_ho_and_covers_holidays():
    # Friday 1 January 2027 is a holiday: HNO from Thursday 18:00 to Monday 08:00.
    assert CAL.covered_hours(at(2027, 1, 1), at(2027, 1, 4), WINDOW_HNO) == pytest.approx(72)
    total = CAL.horizon_hours
    ho = CAL.schedule(WINDOW_HO).covered(0, total)
    hno = CAL.schedule(WINDOW_HNO).covered(0, total)
    assert ho + hno == pytest.approx(total)


def test_night_window_crossing_midnight():
    window = Window("nights", parse_rules("Mon-Fri 22:00-06:00+1"), holidays_open=True)
    # Friday 22:00 to Saturday 06:00 is covered; Saturday night is not.
    assert CAL.covered_hours(at(2027, 1, 8, 12), at(2027, 1, 10, 12), window) == pytest.approx(8)


def test_rules_parse_and_reject():
    rule = parse_rule("Mon-Fri 08:00-18:00")
    assert rule.days == frozenset(range(5)) and (rule.start, rule.end) == (480, 1080)
    assert parse_rule("Sat-Mon 09:00-12:00").days == frozenset({5, 6, 0})
    assert parse_rule("daily 00:00-24:00").end == 1440
    for text, fragment in [("Mon-Fri 18:00-08:00", "ends before it starts"), ("Funday 08:00-10:00", "not a"),
                           ("Mon-Fri 08:00-25:00", "not a time of day"), ("Mon-Fri 8h-18h", "not a coverage rule")]:
        with pytest.raises(ValueError, match=fragment):
            parse_rule(text)


def test_year_and_month_bounds():
    years = CAL.year_bounds()
    assert years.tolist() == [0.0, 8760.0, 8760.0 + 8784.0]  # 2028 is a leap year
    months = CAL.month_bounds()
    assert months[0] == 0 and months[1] == 31 * 24 and len(months) == 25


hours = st.floats(min_value=0, max_value=8000, allow_nan=False)


@given(t=hours, h=st.floats(min_value=0.01, max_value=200))
def test_adding_covered_hours_then_measuring_gives_them_back(t, h):
    schedule = CAL.schedule(WINDOW_HO)
    end = schedule.add(t, h)
    assert end > t
    assert schedule.covered(t, end) == pytest.approx(h, abs=1e-6)


@given(a=hours, b=hours, c=hours)
def test_covered_time_is_additive_and_bounded(a, b, c):
    a, b, c = sorted((a, b, c))
    schedule = CAL.schedule(WINDOW_HO)
    assert schedule.covered(a, c) == pytest.approx(schedule.covered(a, b) + schedule.covered(b, c), abs=1e-6)
    assert 0 <= schedule.covered(a, c) <= c - a + 1e-9


def test_a_rule_for_every_day_runs_on_public_holidays_unless_told_otherwise():
    """'daily 22:00-06:00+1' is a night shift that works on Christmas; 'Mon-Fri 08:00-18:00' is business
    hours, closed on public holidays; either can be said explicitly."""
    night = Window(label="night", rules=parse_rules("daily 22:00-06:00+1"))
    office = Window(label="office", rules=parse_rules("Mon-Fri 08:00-18:00"))
    assert night.holidays_open and not office.holidays_open
    # Christmas Eve 2027 is a Friday, Christmas a Saturday: the night of the 24th is covered in full.
    assert CAL.covered_hours(at(2027, 12, 24, 22), at(2027, 12, 25, 6), night) == pytest.approx(8)
    # Monday 1 November 2027 (All Saints') is closed for office hours, open for the night shift.
    assert CAL.covered_hours(at(2027, 11, 1, 0), at(2027, 11, 2, 0), office) == 0
    assert CAL.covered_hours(at(2027, 11, 1, 0), at(2027, 11, 2, 0), night) == pytest.approx(8)
    closed_night = Window(label="night", rules=parse_rules("daily 22:00-06:00+1"), holidays_open=False)
    assert CAL.covered_hours(at(2027, 11, 1, 0), at(2027, 11, 2, 0), closed_night) == pytest.approx(6)


def test_named_windows_follow_the_same_default():
    from builders import study

    s = study(calendar={"windows": {"nights": "daily 22:00-06:00+1", "week": "Mon-Fri 07:00-20:00",
                                    "shut": {"hours": "daily 22:00-06:00+1", "holidays": "closed"}}})
    assert s.window("nights").holidays_open
    assert not s.window("week").holidays_open
    assert not s.window("shut").holidays_open
    assert s.window("Mon-Sun 09:00-17:00").holidays_open
