"""Contract clocks worked by hand: GTR deadlines across weekends and holidays, open incidents."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from sourcing import contracts
from sourcing.calendar import WINDOW_HO, Calendar

PARIS = ZoneInfo("Europe/Paris")
CAL = Calendar(start=date(2027, 1, 1), horizon_years=1)
HO = CAL.schedule(WINDOW_HO)


def hours(*args):
    return CAL.hours_at(datetime(*args, tzinfo=PARIS))


def test_gtr_clock_across_a_weekend_and_a_public_holiday():
    # Declared Friday 14 May 2027 at 16:00 with a GTR of 8 covered hours in HO (Mon-Fri 08:00-18:00):
    # 2 h on Friday, then the weekend and Whit Monday (17 May, a public holiday) are skipped, and the
    # remaining 6 h run on Tuesday from 08:00: the deadline is Tuesday 18 May at 14:00.
    declared = hours(2027, 5, 14, 16)
    deadline = HO.add(declared, 8)
    assert deadline == pytest.approx(hours(2027, 5, 18, 14))
    # Restored Tuesday 18 May at 15:30: 9.5 covered hours, 1.5 h late, 2 started hours late.
    elapsed = np.array([HO.covered(declared, hours(2027, 5, 18, 15, 30))])
    outcome = contracts.deadline_outcomes(elapsed, np.array([8.0]), np.array([True]))
    assert outcome.breached.tolist() == [True]
    assert outcome.late_hours[0] == pytest.approx(1.5)


def test_open_incidents_are_judged_only_once_past_their_deadline():
    outcome = contracts.deadline_outcomes(np.array([3.0, 9.0, 2.0]), np.array([4.0, 4.0, np.nan]),
                                          np.array([False, False, True]))
    assert outcome.judged.tolist() == [False, True, False]
    assert outcome.breached.tolist() == [False, True, False]
