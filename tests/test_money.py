"""Every money rule worked by hand: fees with pro-rating and indexation, variable fees, penalties under
their cap, credits, transition, exit, retained organisation, staff, on-call, overtime, infrastructure,
downtime and NPV."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from builders import hand_load, study
from simulation.compile import compile_study
from simulation.engine import simulate
from simulation.metrics import measure
from simulation.streams import Streams
from sourcing import contracts, money
from sourcing.files import study_from_data
from sourcing.offers import Fees, Penalties, Sla
from sourcing.scenario import Economics, Infrastructure


def metrics_of(s, incidents):
    load = hand_load(s, incidents)
    plan = compile_study(s)
    run = simulate(plan, plan.scenarios[0], load, Streams(1, 0))
    return {(r[2], r[3], r[4], r[5], r[6]): r[7] for r in measure(plan, run, 0)}


def test_npv_of_a_known_cash_flow():
    assert money.npv([100, 100], 0.10, upfront=50) == pytest.approx(50 + 100 / 1.1 + 100 / 1.21)
    assert money.npv([0, 0, 1331], 0.10) == pytest.approx(1000)


def test_infrastructure_depreciation_opex_and_licences_indexed():
    infra = Infrastructure(capex="20000 EUR", depreciation_years=4, opex_per_year="3000 EUR",
                           licences_per_user_per_year="10 EUR")
    economics = Economics(price_indexation="2%")
    lines = money.infrastructure_costs("erp", infra, economics, [100, 110])
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
    compiled = compile_study(s)
    run = simulate(compiled, compiled.scenarios[0], load, Streams(3, 0))
    plan = run.teams["it"].plans[0]
    vacant = sum(e - b for b, e in plan.vacant)
    m = {(r[2], r[4], r[6]): r[7] for r in measure(compiled, run, 0)}
    expected = 60000 * (1 - vacant / 8760) + 8000 * len(plan.departures)
    assert len(plan.departures) >= 1
    assert m[("scenario", "cost.staff", "Y1")] == pytest.approx(expected)


def test_penalty_per_hour_late_hits_the_monthly_cap():
    penalty = Penalties(per_hour_late={"P1": "5%"}, monthly_cap="20%")
    fee = np.array([10_000.0, 10_000.0])
    late = contracts.Outcomes(judged=np.array([True, True, True]), breached=np.array([True, True, True]),
                              late_hours=np.array([2.5, 1.0, 0.2]))
    # January: 3 started hours + 1 started hour = 4 x 500 = 2,000 EUR, within the cap of 2,000 EUR.
    # February: 1 started hour = 500 EUR.
    due = money.penalties(penalty, np.array([0, 0, 1]), np.array([0, 0, 0]), late.breached, late.late_hours, fee)
    assert due.before_cap.tolist() == pytest.approx([2000, 500])
    assert due.due.tolist() == pytest.approx([2000, 500])
    assert due.capped.tolist() == [False, False]
    # One more hour late in January goes over the cap: 2,500 EUR due before the cap, 2,000 after.
    late = contracts.Outcomes(judged=np.ones(4, bool), breached=np.ones(4, bool),
                              late_hours=np.array([2.5, 1.0, 0.2, 0.5]))
    due = money.penalties(penalty, np.array([0, 0, 1, 0]), np.zeros(4, int), late.breached, late.late_hours, fee)
    assert due.before_cap.tolist() == pytest.approx([2500, 500])
    assert due.due.tolist() == pytest.approx([2000, 500])
    assert due.capped.tolist() == [True, False]


def test_penalty_per_breach_as_an_amount_and_best_effort_priorities():
    penalty = Penalties(per_breach={"P2": "300 EUR"})
    outcome = contracts.deadline_outcomes(np.array([5.0, 5.0]), contracts.deadlines(
        {"P1": 4.0, "P2": 4.0, "P3": None, "P4": None}, np.array([1, 2])), np.array([True, True]))
    assert outcome.breached.tolist() == [True, False]
    due = money.penalties(penalty, np.array([0, 0]), np.array([1, 2]), outcome.breached, outcome.late_hours,
                          np.array([1000.0]))
    assert due.due.tolist() == [300]


@pytest.mark.parametrize("availability, share", [
    (0.9995, 0.0), (0.999, 0.0), (0.99899, 0.25), (0.99, 0.25), (0.98999, 0.50), (0.95, 0.50), (0.9499, 1.0),
])
def test_saas_credit_tiers_at_their_thresholds(availability, share):
    sla = Sla(availability="99.9%", credits=[{"below": "99.9%", "credit": "25%"}, {"below": "99%", "credit": "50%"},
                                             {"below": "95%", "credit": "100%"}])
    assert money.credit_share(sla, availability) == pytest.approx(share)


def test_credit_cap_and_unclaimed_credits():
    sla = Sla(availability="99.9%", credits=[{"below": "95%", "credit": "100%"}], cap="50%", claimed=False)
    result = money.sla_credits(sla, np.array([0.90, 0.9995]), np.array([1000.0, 1000.0]))
    assert result.due.tolist() == [500.0, 0.0]
    assert result.received.tolist() == [0.0, 0.0]
    assert result.below.tolist() == [True, False]


def test_variable_fees_count_tickets_beyond_those_included_and_hno_interventions():
    fees = Fees(monthly="1000 EUR", tickets_included=10, extra_ticket="50 EUR", hno_multiplier=2)
    amounts = money.variable_fees(fees, np.array([8, 13]), np.array([1, 0]), np.array([1.0, 1.1]))
    assert amounts.tolist() == pytest.approx([100.0, 3 * 50 * 1.1])


# --------------------------------------------------------------------------- contracts, through a whole run

OFFER = {
    "coverage": "24/7",
    "gtr": {"P1": "4h", "P2": "8h", "P3": "16h", "P4": "none"},
    "performance": {"restore": {p: "1h" for p in ("P1", "P2", "P3", "P4")}},
    "fees": {"monthly": "1000 EUR"},
    "transition": {"cost": "15000 EUR", "duration": "0h"},
    "retained": {"fte": 0.5, "annual_cost": "80000 EUR"},
    "exit_cost": "9000 EUR",
}
SAAS = {
    "price_per_user_month": "5 EUR",
    "outages": {"per_year": 0, "duration": "1h"},
    "migration": {"cost": "20000 EUR", "duration": "0h"},
    "retained": {"fte": 0.5, "annual_cost": "80000 EUR"},
    "exit_cost": "7000 EUR",
}


def _cost_rows(scenarios: list, calendar: dict | None = None, economics: dict | None = None,
               offer: dict | None = None, users_growth: str = "0%") -> dict:
    """Scenario-level rows of a study of three services without incidents, keyed (scenario, metric, period)."""
    service = {"users": 100, "users_growth_per_year": users_growth,
               "outage_cost_per_hour": {"business": "0 EUR", "off_hours": "0 EUR"},
               "incidents": {"per_month": 0, "priorities": {"P3": "100%"}}}
    data = {
        "name": "money", "calendar": {"start": "2027-01-01", "horizon": "1y", **(calendar or {})},
        "economics": economics or {},
        "services": {name: dict(service) for name in ("mail", "erp", "web")},
        "teams": {"it": {"members": [{"name": "Alice", "annual_cost": "60000 EUR"}],
                         "repair_time": {p: "1h" for p in ("P1", "P2", "P3", "P4")}}},
        "providers": {"msp": offer or OFFER}, "saas": {"cloud": SAAS}, "scenarios": scenarios,
    }
    s = study_from_data(data)
    rows = {}
    plan = compile_study(s)
    for scenario in plan.scenarios:
        run = simulate(plan, scenario, hand_load(s, [], service="mail"), Streams(1, 0))
        for r in measure(plan, run, 0):
            if r[2] == "scenario":
                rows[(scenario.name, r[4], r[6])] = r[7]
    return rows


def test_transition_and_exit_are_charged_once_per_contract_not_per_service():
    """Three services move to one provider: its 15,000 EUR set-up is charged once (it was charged
    45,000 EUR, once per service), its 9,000 EUR exit once at the end, its retained organisation once."""
    m = _cost_rows([{"name": "today", "default": {"make": "it"}}, {"name": "msp", "default": {"outsource": "msp"}}])
    assert m[("msp", "cost.transition", "all")] == pytest.approx(15000)
    assert m[("msp", "cost.exit", "Y1")] == pytest.approx(9000)
    assert m[("msp", "cost.retained", "Y1")] == pytest.approx(0.5 * 80000)
    assert m[("msp", "cost.provider_fixed", "Y1")] == pytest.approx(12 * 1000)
    # Today's team is not moved anywhere: nothing to set up.
    assert m[("today", "cost.transition", "all")] == 0


def test_saas_migration_retained_and_exit_once_per_contract_subscription_per_service():
    """Three services on one SaaS: 3 x 100 users x 5 EUR x 12 months of subscription, one migration,
    one retained organisation (0.5 FTE), one exit."""
    m = _cost_rows([{"name": "today", "default": {"make": "it"}}, {"name": "cloud", "default": {"saas": "cloud"}}])
    assert m[("cloud", "cost.subscription", "Y1")] == pytest.approx(3 * 100 * 5 * 12)
    assert m[("cloud", "cost.transition", "all")] == pytest.approx(20000)
    assert m[("cloud", "cost.retained", "Y1")] == pytest.approx(0.5 * 80000)
    assert m[("cloud", "cost.exit", "Y1")] == pytest.approx(7000)


def test_monthly_fee_is_pro_rated_by_calendar_month_and_indexed_by_year():
    """Start on Friday 15 January 2027 for two years, 1,000 EUR a month indexed at 10 % a year.
    Year 1 bills 17/31 of January 2027, February to December (11 months) and January 2028, which
    begins in year 1 (every monthly amount belongs to the year its calendar month begins in); year 2
    bills February to December 2028 and 14/31 of January 2029 at 1,100 EUR. 24 months in all."""
    m = _cost_rows([{"name": "msp", "default": {"outsource": "msp"}}],
                   calendar={"start": "2027-01-15", "horizon": "2y"},
                   offer={**OFFER, "indexation": "10%", "exit_cost": "0 EUR"})
    assert m[("msp", "cost.provider_fixed", "Y1")] == pytest.approx(1000 * (17 / 31 + 11 + 1))
    assert m[("msp", "cost.provider_fixed", "Y2")] == pytest.approx(1100 * (11 + 14 / 31))


def test_subscription_follows_users_and_the_study_indexation():
    """100 users per service growing 10 % a year at 5 EUR a month, the study's indexation 2 %:
    year 2 bills 3 services x 110 users x 5 EUR x 1.02 x 12 months."""
    m = _cost_rows([{"name": "cloud", "default": {"saas": "cloud"}}], calendar={"horizon": "2y"},
                   economics={"price_indexation": "2%"}, users_growth="10%")
    assert m[("cloud", "cost.subscription", "Y1")] == pytest.approx(3 * 100 * 5 * 12)
    assert m[("cloud", "cost.subscription", "Y2")] == pytest.approx(3 * 110 * 5 * 1.02 * 12)


def test_penalty_written_as_a_share_is_a_share_of_the_month_billed():
    """5 % of a 1,000 EUR fee per started hour late, whatever the number of days in the month."""
    penalty = Penalties(per_hour_late={"P1": "5%"})
    outcome = contracts.Outcomes(judged=np.array([True]), breached=np.array([True]), late_hours=np.array([0.5]))
    due = money.penalties(penalty, np.array([1]), np.array([0]), outcome.breached, outcome.late_hours,
                          np.array([1000.0, 1000.0]))
    assert due.due.tolist() == pytest.approx([0.0, 50.0])
