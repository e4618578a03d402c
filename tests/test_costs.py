"""Money, worked by hand: staff, on-call, overtime, infrastructure, downtime and NPV."""

from __future__ import annotations

from datetime import datetime

import pytest

from builders import hand_load, study
from simulation.engine import simulate
from simulation.metrics import measure
from simulation.streams import Streams
from sourcing import costs
from sourcing.scenario import Economics, Infrastructure


def metrics_of(s, incidents):
    load = hand_load(s, incidents)
    run = simulate(s, s.scenarios[0], load, Streams(1, 0))
    return {(r[2], r[3], r[4], r[5], r[6]): r[7] for r in measure(s, run, 0)}


def test_npv_of_a_known_cash_flow():
    assert costs.npv([100, 100], 0.10, upfront=50) == pytest.approx(50 + 100 / 1.1 + 100 / 1.21)
    assert costs.npv([0, 0, 1331], 0.10) == pytest.approx(1000)


def test_infrastructure_depreciation_opex_and_licences_indexed():
    infra = Infrastructure(capex="20000 EUR", depreciation_years=4, opex_per_year="3000 EUR",
                           licences_per_user_per_year="10 EUR")
    economics = Economics(price_indexation="2%")
    lines = costs.infrastructure_costs("erp", infra, economics, [100, 110])
    assert [line.amount for line in lines] == pytest.approx([5000 + 3000 + 1000, 5000 + (3000 + 1100) * 1.02])


def test_staff_and_on_call_premium_over_one_year_without_incidents():
    s = study(services={"erp": {"incidents": {"per_month": 0}}},
              teams={"it": {"on_call": {"weekly_premium": "100 EUR", "per_intervention": "50 EUR"}}},
              economics={"salary_growth": "2%", "discount_rate": "10%"})
    m = metrics_of(s, [])
    assert m[("scenario", "all", "cost.staff", "", "Y1")] == pytest.approx(60000)
    # One person always present holds every on-call hour: 8760 h / 168 = 52.14 weeks of premium.
    assert m[("scenario", "all", "cost.on_call", "", "Y1")] == pytest.approx(100 * 8760 / 168)
    assert m[("scenario", "all", "cost_of_ownership", "", "all")] == pytest.approx(60000 + 100 * 8760 / 168)
    assert m[("scenario", "all", "cost_of_ownership_npv", "", "all")] == pytest.approx(
        (60000 + 100 * 8760 / 168) / 1.1)


def test_salary_growth_in_year_two():
    s = study(services={"erp": {"incidents": {"per_month": 0}}}, calendar={"horizon": "2y"},
              economics={"salary_growth": "2%"})
    m = metrics_of(s, [])
    assert m[("scenario", "all", "cost.staff", "", "Y2")] == pytest.approx(61200)


def test_downtime_cost_and_availability_of_two_p1_outages():
    s = study(teams={"it": {"members": [{"name": "Alice", "annual_cost": "60000 EUR", "shift": "HO"}]}})
    # Tuesday 10:00, restored 12:00 (2 business hours); Saturday 10:00, restored Monday 10:00
    # (46 h off business hours and Monday 08:00-10:00 in business hours).
    m = metrics_of(s, [(datetime(2027, 1, 5, 10), "P1"), (datetime(2027, 1, 9, 10), "P1")])
    assert m[("service", "erp", "downtime_hours", "", "all")] == pytest.approx(50)
    assert m[("service", "erp", "downtime_business_hours", "", "all")] == pytest.approx(4)
    assert m[("service", "erp", "downtime_off_hours", "", "all")] == pytest.approx(46)
    assert m[("scenario", "all", "downtime_cost", "", "all")] == pytest.approx(4 * 1000 + 46 * 100)
    assert m[("service", "erp", "availability_24_7", "", "all")] == pytest.approx(1 - 50 / 8760)
    assert m[("service", "erp", "outages", "", "all")] == 2
    assert m[("service", "erp", "ttr_mean", "P1", "all")] == pytest.approx((2 + 48) / 2)


def test_availability_in_agreed_service_time_ignores_outages_outside_it():
    s = study(services={"erp": {"service_time": "HO"}},
              teams={"it": {"members": [{"name": "Alice", "annual_cost": "60000 EUR", "shift": "HO"}]}})
    m = metrics_of(s, [(datetime(2027, 1, 9, 10), "P1")])  # Saturday 10:00 -> Monday 10:00
    agreed = s.calendar_.schedule(s.window("HO")).covered(0, s.calendar_.horizon_hours)
    assert m[("service", "erp", "availability_service_time", "", "all")] == pytest.approx(1 - 2 / agreed)


def test_p2_and_user_level_incidents_count_by_their_impact():
    s = study(services={"erp": {"p2_impact": "50%", "users": 100}})
    m = metrics_of(s, [(datetime(2027, 1, 5, 10), "P2"), (datetime(2027, 1, 6, 10), "P3")])
    assert m[("service", "erp", "downtime_hours", "", "all")] == pytest.approx(2 * 0.5 + 2 / 100)


def test_overtime_is_paid_at_the_hourly_cost_with_its_premium():
    s = study(teams={"it": {"shift_end": "overtime", "overtime_premium": "25%"}})
    m = metrics_of(s, [(datetime(2027, 1, 8, 16), "P2")])
    assert m[("team", "it", "overtime_hours", "", "all")] == pytest.approx(1)
    assert m[("scenario", "all", "cost.overtime", "", "Y1")] == pytest.approx(60000 / 1607 * 1.25)


def test_on_call_intervention_is_paid_per_call_and_per_hour():
    s = study(teams={"it": {"on_call": {"weekly_premium": "0 EUR", "per_intervention": "50 EUR",
                                        "call_out_delay": "30min"}, "overtime_premium": "25%"}})
    m = metrics_of(s, [(datetime(2027, 1, 6, 3), "P1")])
    assert m[("team", "it", "callouts_per_month", "", "all")] == pytest.approx(1 / (8760 / 730.5))
    assert m[("team", "it", "intervention_hours", "", "all")] == pytest.approx(2)
    assert m[("scenario", "all", "cost.on_call", "", "Y1")] == pytest.approx(50 + 2 * 60000 / 1607 * 1.25)
    assert m[("team", "it", "nights_disturbed_per_person_month", "", "all")] == pytest.approx(1 / (8760 / 730.5))


def test_vacancy_saves_salary_and_costs_a_hire():
    s = study(services={"erp": {"incidents": {"per_month": 0}}},
              teams={"it": {"departures": {"yearly_probability": "95%", "hiring_delay": "2mo",
                                           "hiring_cost": "8000 EUR"}}})
    load = hand_load(s, [])
    run = simulate(s, s.scenarios[0], load, Streams(3, 0))
    plan = run.teams["it"].plans[0]
    vacant = sum(e - b for b, e in plan.vacant)
    m = {(r[2], r[4], r[6]): r[7] for r in measure(s, run, 0)}
    expected = 60000 * (1 - vacant / 8760) + 8000 * len(plan.departures)
    assert len(plan.departures) >= 1
    assert m[("scenario", "cost.staff", "Y1")] == pytest.approx(expected)
