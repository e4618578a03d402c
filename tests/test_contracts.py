"""Contract arithmetic worked by hand: GTR clocks, penalties under a cap, SLA credit tiers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from sourcing import contracts
from sourcing.calendar import WINDOW_HO, Calendar
from sourcing.offers import Fees, Penalties, Sla

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


def test_penalty_per_hour_late_hits_the_monthly_cap():
    penalty = Penalties(per_hour_late={"P1": "5%"}, monthly_cap="20%")
    fee = np.array([10_000.0, 10_000.0])
    late = contracts.Outcomes(judged=np.array([True, True, True]), breached=np.array([True, True, True]),
                              late_hours=np.array([2.5, 1.0, 0.2]))
    # January: 3 started hours + 1 started hour = 4 x 500 = 2,000 EUR, within the cap of 2,000 EUR.
    # February: 1 started hour = 500 EUR.
    due = contracts.penalties(penalty, np.array([0, 0, 1]), np.array([0, 0, 0]), late, fee)
    assert due.before_cap.tolist() == pytest.approx([2000, 500])
    assert due.due.tolist() == pytest.approx([2000, 500])
    assert due.capped.tolist() == [False, False]
    # One more hour late in January goes over the cap: 2,500 EUR due before the cap, 2,000 after.
    late = contracts.Outcomes(judged=np.ones(4, bool), breached=np.ones(4, bool),
                              late_hours=np.array([2.5, 1.0, 0.2, 0.5]))
    due = contracts.penalties(penalty, np.array([0, 0, 1, 0]), np.zeros(4, int), late, fee)
    assert due.before_cap.tolist() == pytest.approx([2500, 500])
    assert due.due.tolist() == pytest.approx([2000, 500])
    assert due.capped.tolist() == [True, False]


def test_penalty_per_breach_as_an_amount_and_best_effort_priorities():
    penalty = Penalties(per_breach={"P2": "300 EUR"})
    outcome = contracts.deadline_outcomes(np.array([5.0, 5.0]), contracts.deadlines(
        {"P1": 4.0, "P2": 4.0, "P3": None, "P4": None}, np.array([1, 2])), np.array([True, True]))
    assert outcome.breached.tolist() == [True, False]
    due = contracts.penalties(penalty, np.array([0, 0]), np.array([1, 2]), outcome, np.array([1000.0]))
    assert due.due.tolist() == [300]


@pytest.mark.parametrize("availability, share", [
    (0.9995, 0.0), (0.999, 0.0), (0.99899, 0.25), (0.99, 0.25), (0.98999, 0.50), (0.95, 0.50), (0.9499, 1.0),
])
def test_saas_credit_tiers_at_their_thresholds(availability, share):
    sla = Sla(availability="99.9%", credits=[{"below": "99.9%", "credit": "25%"}, {"below": "99%", "credit": "50%"},
                                             {"below": "95%", "credit": "100%"}])
    assert sla.credit_share(availability) == pytest.approx(share)


def test_credit_cap_and_unclaimed_credits():
    sla = Sla(availability="99.9%", credits=[{"below": "95%", "credit": "100%"}], cap="50%", claimed=False)
    result = contracts.sla_credits(sla, np.array([0.90, 0.9995]), np.array([1000.0, 1000.0]))
    assert result.due.tolist() == [500.0, 0.0]
    assert result.received.tolist() == [0.0, 0.0]
    assert result.below.tolist() == [True, False]


def test_variable_fees_count_tickets_beyond_those_included_and_hno_interventions():
    fees = Fees(monthly="1000 EUR", tickets_included=10, extra_ticket="50 EUR", hno_multiplier=2)
    amounts = contracts.variable_fees(fees, np.array([8, 13]), np.array([1, 0]), np.array([1.0, 1.1]))
    assert amounts.tolist() == pytest.approx([100.0, 3 * 50 * 1.1])
