"""Calendar arithmetic, worked by hand: covered hours under windows, holidays and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
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


# --------------------------------------------------------------------------- clocks that skip or repeat midnight

SAO_PAULO = Calendar(start=date(2016, 9, 1), horizon_years=1, time_zone="America/Sao_Paulo", country=None)
"""Clocks went from 00:00 to 01:00 on Sunday 16 October 2016, and from 00:00 back to 23:00 on Saturday
18 February 2017 (the evening's last hour came twice)."""
APIA = Calendar(start=date(2011, 12, 1), horizon_years=1, time_zone="Pacific/Apia", country=None)
"""Samoa skipped Friday 30 December 2011: the clocks went from Thursday 29th 23:59:59 to Saturday 31st 00:00."""


def local_at(calendar: Calendar, *args) -> datetime:
    return datetime(*args, tzinfo=calendar.zone)


def test_a_skipped_midnight_is_taken_when_the_clock_resumes():
    resumes = SAO_PAULO.local(date(2016, 10, 16), 0)
    assert SAO_PAULO.instant(resumes) == local_at(SAO_PAULO, 2016, 10, 16, 1)
    assert SAO_PAULO.local(date(2016, 10, 16), 30) == resumes  # 00:30 did not exist either
    assert SAO_PAULO.hours_at(local_at(SAO_PAULO, 2016, 10, 16, 0, 30)) == resumes  # an aware time in the gap too
    assert SAO_PAULO.hours_at(datetime(2016, 10, 16, 0, 30)) == resumes
    # Saturday 15 October had its 24 hours, Sunday 16 October only 23.
    days = SAO_PAULO.midnights(date(2016, 10, 15))
    assert np.diff(days[:3]).tolist() == [24.0, 23.0]


def test_four_covered_hours_across_a_spring_forward_midnight():
    # 24/7 from Saturday 22:00: 22:00-23:00, 23:00-24:00 (= 01:00), 01:00-03:00.
    assert SAO_PAULO.add_covered_hours(local_at(SAO_PAULO, 2016, 10, 15, 22), 4, WINDOW_24_7) == \
        local_at(SAO_PAULO, 2016, 10, 16, 3)
    nights = Window("nights", parse_rules("daily 22:00-06:00+1"))
    assert SAO_PAULO.covered_hours(local_at(SAO_PAULO, 2016, 10, 15, 12), local_at(SAO_PAULO, 2016, 10, 16, 12),
                                   nights) == pytest.approx(7)
    assert SAO_PAULO.add_covered_hours(local_at(SAO_PAULO, 2016, 10, 15, 22), 4, nights) == \
        local_at(SAO_PAULO, 2016, 10, 16, 3)
    # A window that opens at 00:30 opens that Sunday when the clock resumes, at 01:00.
    early = Window("early", parse_rules("daily 00:30-02:00"))
    assert SAO_PAULO.add_covered_hours(local_at(SAO_PAULO, 2016, 10, 15, 23), 1, early) == \
        local_at(SAO_PAULO, 2016, 10, 16, 2)
    assert SAO_PAULO.covered_hours(local_at(SAO_PAULO, 2016, 10, 16), local_at(SAO_PAULO, 2016, 10, 17),
                                   early) == pytest.approx(1)


def test_four_covered_hours_across_a_fall_back_midnight():
    # 24/7 from Saturday 18 February 22:00: 22:00-23:00, 23:00-24:00 (= 23:00 again), 23:00-24:00, 00:00-01:00.
    assert SAO_PAULO.add_covered_hours(local_at(SAO_PAULO, 2017, 2, 18, 22), 4, WINDOW_24_7) == \
        local_at(SAO_PAULO, 2017, 2, 19, 1)
    nights = Window("nights", parse_rules("daily 22:00-06:00+1"))
    assert SAO_PAULO.covered_hours(local_at(SAO_PAULO, 2017, 2, 18, 12), local_at(SAO_PAULO, 2017, 2, 19, 12),
                                   nights) == pytest.approx(9)
    # 23:30 happened twice: it is read at its first occurrence, 23:30 at UTC-2, and a window of the repeated
    # hour runs once.
    first = SAO_PAULO.instant(SAO_PAULO.local(date(2017, 2, 18), 23 * 60 + 30))
    assert first.utcoffset() == timedelta(hours=-2) and (first.hour, first.minute) == (23, 30)
    late = Window("late", parse_rules("Sat 23:00-23:45"))
    assert SAO_PAULO.covered_hours(local_at(SAO_PAULO, 2017, 2, 18), local_at(SAO_PAULO, 2017, 2, 19),
                                   late) == pytest.approx(0.75)
    days = SAO_PAULO.midnights(date(2017, 2, 18))
    assert np.diff(days[:3]).tolist() == [25.0, 24.0]


def test_business_hours_on_the_day_samoa_skipped():
    # Thursday 29 December 17:00 + 4 h in HO: 17:00-18:00, no Friday, the weekend, Monday 08:00-11:00.
    assert APIA.add_covered_hours(local_at(APIA, 2011, 12, 29, 17), 4, WINDOW_HO) == local_at(APIA, 2012, 1, 2, 11)
    assert APIA.covered_hours(local_at(APIA, 2011, 12, 29), local_at(APIA, 2012, 1, 2), WINDOW_HO) == 10
    # 08:00 on the skipped Friday is when the clock resumed: Saturday 00:00; the two midnights are one instant.
    assert APIA.local(date(2011, 12, 30), 8 * 60) == APIA.local(date(2011, 12, 31), 0)
    assert np.diff(APIA.midnights(date(2011, 12, 29))[:3]).tolist() == [24.0, 0.0]
    # December 2011 had 30 days: its 24/7 hours and the month's length are 720 real hours.
    months = APIA.month_bounds()
    assert months[1] - months[0] == 720
    assert APIA.schedule(WINDOW_24_7).covered(months[0], months[1]) == 720


@pytest.mark.parametrize(("month", "hours"), [((2016, 10), 31 * 24 - 1), ((2017, 2), 28 * 24 + 1)])
def test_a_round_the_clock_window_counts_the_real_hours_of_a_month_with_a_clock_change(month, hours):
    begin = SAO_PAULO.local(date(*month, 1), 0)
    end = SAO_PAULO.local((date(*month, 28) + timedelta(days=4)).replace(day=1), 0)
    assert end - begin == hours
    assert begin in SAO_PAULO.month_bounds() and end in SAO_PAULO.month_bounds()
    every_day = Window("every day", parse_rules("Mon-Sun 00:00-24:00"), holidays_open=False)  # compiled day by day
    assert SAO_PAULO.schedule(every_day).covered(begin, end) == pytest.approx(hours)
    assert SAO_PAULO.schedule(WINDOW_24_7).covered(begin, end) == pytest.approx(hours)


def test_half_hour_and_negative_daylight_saving_and_a_repeated_midnight():
    lord_howe = Calendar(start=date(2016, 7, 1), horizon_years=1, time_zone="Australia/Lord_Howe", country=None)
    # 2 October 2016: clocks went from 02:00 to 02:30.
    assert lord_howe.instant(lord_howe.local(date(2016, 10, 2), 2 * 60 + 10)) == local_at(lord_howe, 2016, 10, 2, 2, 30)
    assert np.diff(lord_howe.midnights(date(2016, 10, 2))[:2]).tolist() == [23.5]
    nights = Window("nights", parse_rules("daily 22:00-06:00+1"))
    assert lord_howe.covered_hours(local_at(lord_howe, 2016, 10, 1, 12), local_at(lord_howe, 2016, 10, 2, 12),
                                   nights) == pytest.approx(7.5)
    # Dublin's winter time is the tz database's negative daylight saving; 01:30 on 30 October 2016 came twice
    # and is read in summer time, its first occurrence.
    dublin = Calendar(start=date(2016, 7, 1), horizon_years=1, time_zone="Europe/Dublin", country=None)
    assert dublin.instant(dublin.local(date(2016, 10, 30), 90)).astimezone(UTC) == datetime(2016, 10, 30, 0, 30,
                                                                                                tzinfo=UTC)
    assert np.diff(dublin.midnights(date(2016, 10, 30))[:2]).tolist() == [25.0]
    # Havana went back from 01:00 to 00:00 on 6 November 2016: midnight itself came twice; the day starts at
    # the first one, so Saturday had 24 hours and Sunday 25.
    havana = Calendar(start=date(2016, 7, 1), horizon_years=1, time_zone="America/Havana", country=None)
    assert np.diff(havana.midnights(date(2016, 11, 5))[:3]).tolist() == [24.0, 25.0]
    assert havana.instant(havana.local(date(2016, 11, 6), 0)).utcoffset() == timedelta(hours=-4)


def test_export_times_follow_the_same_rule():
    stamps = pd.Series(pd.to_datetime(["2016-10-16 00:20", "2017-02-18 23:30", None, "2016-12-01 09:00"]))
    hours = SAO_PAULO.local_hours(stamps)
    assert hours[0] == SAO_PAULO.local(date(2016, 10, 16), 0)
    assert hours[1] == SAO_PAULO.local(date(2017, 2, 18), 23 * 60 + 30)
    assert np.isnan(hours[2])
    assert hours[3] == SAO_PAULO.hours_at(local_at(SAO_PAULO, 2016, 12, 1, 9))


odd_calendars = {"sao-paulo": SAO_PAULO, "apia": APIA}
odd_windows = {"HO": WINDOW_HO, "nights": Window("nights", parse_rules("daily 22:00-06:00+1")),
               "early": Window("early", parse_rules("Mon-Sat 00:30-07:30"))}


@pytest.mark.parametrize("place", odd_calendars)
@pytest.mark.parametrize("name", odd_windows)
@given(t=st.floats(min_value=0, max_value=8000), h=st.floats(min_value=0.01, max_value=200))
def test_covered_hours_stay_exact_where_clocks_skip_and_repeat_midnight(place, name, t, h):
    schedule = odd_calendars[place].schedule(odd_windows[name])
    end = schedule.add(t, h)
    assert end > t
    assert schedule.covered(t, end) == pytest.approx(h, abs=1e-6)
    assert 0 <= schedule.covered(t, t + 100) <= 100 + 1e-9


def test_a_scenario_may_start_on_the_day_of_a_clock_change():
    # Starting on 16 October 2016 in Sao Paulo, the horizon begins at 01:00, a Sunday's second hour.
    spring = Calendar(start=date(2016, 10, 16), horizon_years=1, time_zone="America/Sao_Paulo", country=None)
    assert spring.instant(0) == local_at(spring, 2016, 10, 16, 1)
    assert spring.hour_of_week[:2].tolist() == [6 * 24 + 1, 6 * 24 + 2]
    assert spring.month_bounds()[:2].tolist() == [0.0, 16 * 24 - 1]  # 16 to 31 October: 16 days less the hour
    # Starting on the day Samoa skipped, the horizon begins on Saturday 31 December at 00:00.
    skipped = Calendar(start=date(2011, 12, 30), horizon_years=1, time_zone="Pacific/Apia", country=None,
                       warm_up_days=28)
    assert skipped.instant(0) == local_at(skipped, 2011, 12, 31)
    assert skipped.hour_of_week[0] == 5 * 24
    assert skipped.month_bounds()[:2].tolist() == [0.0, 24.0]
    assert skipped.instant(skipped.warm_up_start) == local_at(skipped, 2011, 12, 2)
    assert skipped.horizon_hours == skipped.local(date(2012, 12, 30), 0) == 365 * 24
