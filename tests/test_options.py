"""Outsource, SaaS and hybrid options in the engine, checked against their input distributions,
theory, and hand-worked cases."""

from __future__ import annotations

import copy
from datetime import datetime

import numpy as np
import pytest
from scipy import stats

from builders import BASE, hand_load
from simulation.compare import scenario_values
from simulation.compile import compile_study
from simulation.distributions import quantile
from simulation.engine import simulate
from simulation.incidents import draw_load
from simulation.intervals import half_width
from simulation.metrics import measure
from simulation.records import PROVIDER, TEAM
from simulation.replications import run_study
from simulation.streams import Streams
from sourcing.files import study_from_data
from sourcing.model import Lognormal
from sourcing.paths import with_values

PROVIDER_OFFER = {
    "coverage": "HO",
    "gtr": {"P1": "4h", "P2": "8h", "P3": "16h", "P4": "none"},
    "performance": {"restore": {p: {"median": "3h", "p90": "10h"} for p in ("P1", "P2", "P3", "P4")}},
    "fees": {"monthly": "2000 EUR"},
    "retained": {"fte": 0.1, "annual_cost": "0 EUR"},
}
SAAS_OFFER = {
    "price_per_user_month": "5 EUR",
    "outages": {"per_year": 6, "duration": {"mean": "2h"}},
    "sla": {"availability": "99.9%", "credits": [{"below": "99.9%", "credit": "25%"}]},
    "retained": {"fte": 0.1, "annual_cost": "0 EUR"},
}


def make_study(scenarios, providers=None, saas=None, **changes):
    data = copy.deepcopy(BASE)
    data["providers"] = providers or {"msp": PROVIDER_OFFER}
    data["saas"] = saas or {"cloud": SAAS_OFFER}
    data["scenarios"] = scenarios
    for key, value in changes.items():
        data[key] = value
    return study_from_data(data)


def local(calendar, hours):
    return calendar.instant(hours).replace(tzinfo=None)


def test_saas_unavailability_matches_outage_rate_times_duration():
    """lambda = 6 outages a year, mean 2 h: expected unavailability 12 h / 8,760 h. Tolerance: the
    theoretical value lies inside the 99 % CI of 60 one-year replications."""
    study = make_study([{"name": "saas", "default": {"saas": "cloud"}}],
                       services={"erp": {**BASE["services"]["erp"], "incidents": {
                           "per_month": 1, "priorities": {"P1": "50%", "P2": "50%"}}}})
    rows = run_study(study, replications=60, seed=4).rows
    downtime = scenario_values(rows, "downtime_hours")["saas"].to_numpy()
    unavailability = downtime / study.calendar_.horizon_hours
    theory = 6 * 2 / 8760
    half = half_width(unavailability, 0.99)
    assert abs(unavailability.mean() - theory) <= half, (unavailability.mean(), half, theory)
    # P1 and P2 incidents of the in-house platform no longer exist under SaaS.
    incidents = rows[(rows.metric == "incidents") & rows.priority.isin(["P1", "P2"])]["value"]
    assert incidents.sum() == 0


def test_provider_without_capacity_restores_along_its_distribution():
    """Restoration in covered hours of HO follows the offer's lognormal (Kolmogorov-Smirnov, p > 0.01)."""
    study = make_study([{"name": "msp", "default": {"outsource": "msp"}}],
                       services={"erp": {**BASE["services"]["erp"], "incidents": {
                           "per_month": 200, "priorities": {"P3": "100%"}}}})
    streams = Streams(12, 0)
    plan = compile_study(study)
    load = draw_load(plan, streams)
    run = simulate(plan, plan.scenarios[0], load, streams)
    done = ~np.isnan(run.restored)
    coverage = study.calendar_.schedule(study.window("HO"))
    elapsed = coverage.cumulative(run.restored[done]) - coverage.cumulative(load.time[done])
    distribution = Lognormal(median="3h", p90="10h")
    sigma = np.log(10 / 3) / 1.2815515655446004
    result = stats.kstest(elapsed, stats.lognorm(s=sigma, scale=3).cdf)
    assert len(elapsed) > 2000
    assert result.pvalue > 0.01, result
    assert np.median(elapsed) == pytest.approx(float(quantile(distribution, np.array([0.5]))[0]), rel=0.05)
    assert (run.by[done] == PROVIDER).all()


def test_capacity_limit_makes_a_burst_wait():
    offer = {**PROVIDER_OFFER, "coverage": "24/7", "capacity": 1,
             "performance": {"restore": {p: "2h" for p in ("P1", "P2", "P3", "P4")}}}
    study = make_study([{"name": "msp", "default": {"outsource": "msp"}}], providers={"msp": offer})
    burst = [(datetime(2027, 1, 5, 10, 0), "P3")] * 3
    load = hand_load(study, burst)
    plan = compile_study(study)
    run = simulate(plan, plan.scenarios[0], load, Streams(1, 0))
    cal = study.calendar_
    assert [local(cal, t) for t in run.restored] == [datetime(2027, 1, 5, 12), datetime(2027, 1, 5, 14),
                                                     datetime(2027, 1, 5, 16)]
    unlimited = make_study([{"name": "msp", "default": {"outsource": "msp"}}],
                           providers={"msp": {**offer, "capacity": None}})
    plan = compile_study(unlimited)
    free = simulate(plan, plan.scenarios[0], hand_load(unlimited, burst), Streams(1, 0))
    assert [local(cal, t) for t in free.restored] == [datetime(2027, 1, 5, 12)] * 3


def test_within_gtr_share_becomes_a_distribution_that_meets_it():
    offer = {**PROVIDER_OFFER, "performance": {"within_gtr": {"P1": "80%", "P2": "90%", "P3": "95%", "P4": "95%"}},
             "gtr": {"P1": "4h", "P2": "8h", "P3": "16h", "P4": "40h"}}
    study = make_study([{"name": "msp", "default": {"outsource": "msp"}}], providers={"msp": offer},
                       services={"erp": {**BASE["services"]["erp"], "incidents": {
                           "per_month": 300, "priorities": {"P1": "50%", "P2": "50%"}}}})
    rows = run_study(study, replications=3, seed=2).rows
    compliance = rows[(rows.metric == "gtr_compliance") & (rows.scope == "contract")]
    for priority, share in (("P1", 0.80), ("P2", 0.90)):
        measured = compliance[compliance.priority == priority]["value"].mean()
        assert measured == pytest.approx(share, abs=0.02)


def test_transition_month_pays_both_options():
    """Baseline in-house (one person, 60,000 EUR a year); outsourcing with a one-month transition
    costing 10,000 EUR and a fee of 2,000 EUR a month: year 1 pays the team for the month, the
    provider for the year, and the transition once."""
    offer = {**PROVIDER_OFFER, "transition": {"cost": "10000 EUR", "duration": "1mo"}}
    study = make_study([{"name": "in-house", "default": {"make": "it"}},
                        {"name": "msp", "default": {"outsource": "msp"}}], providers={"msp": offer},
                       services={"erp": {**BASE["services"]["erp"], "incidents": {
                           "per_month": 0, "priorities": {"P3": "100%"}}}},
                       economics={"price_indexation": "0%", "salary_growth": "0%"})
    load = hand_load(study, [])
    plan = compile_study(study)
    run = simulate(plan, plan.scenario("msp"), load, Streams(1, 0))
    values = {(r[2], r[4], r[6]): r[7] for r in measure(plan, run, 0)}
    assert values[("scenario", "cost.staff", "Y1")] == pytest.approx(60000 * 730.5 / 8760)
    assert values[("scenario", "cost.provider_fixed", "Y1")] == pytest.approx(24000)
    assert values[("scenario", "cost.transition", "all")] == pytest.approx(10000)
    assert values[("scenario", "cost_of_ownership", "all")] == pytest.approx(60000 * 730.5 / 8760 + 24000 + 10000)


def test_incidents_during_the_transition_go_to_the_previous_option_then_the_rest_is_taken_over():
    offer = {**PROVIDER_OFFER, "coverage": "24/7", "transition": {"duration": "1mo"},
             "performance": {"restore": {p: "2h" for p in ("P1", "P2", "P3", "P4")}}}
    study = make_study([{"name": "in-house", "default": {"make": "it"}},
                        {"name": "msp", "default": {"outsource": "msp"}}], providers={"msp": offer})
    # The study starts on Monday 4 January; the one-month transition (730.5 h) ends on Wednesday
    # 3 February at 10:30. 4 January 10:00: the team restores it. 3 February 10:00: the team starts,
    # the provider takes it over at 10:30 and restores it 2 h later. 10 February: the provider.
    load = hand_load(study, [(datetime(2027, 1, 4, 10), "P3"), (datetime(2027, 2, 3, 10), "P3"),
                             (datetime(2027, 2, 10, 10), "P3")])
    plan = compile_study(study)
    run = simulate(plan, plan.scenario("msp"), load, Streams(1, 0))
    cal = study.calendar_
    assert local(cal, plan.scenario("msp").assignments[0].transition_end) == datetime(2027, 2, 3, 10, 30)
    assert run.by.tolist() == [TEAM, PROVIDER, PROVIDER]
    assert local(cal, run.restored[0]) == datetime(2027, 1, 4, 12)
    assert local(cal, run.restored[1]) == datetime(2027, 2, 3, 12, 30)
    assert local(cal, run.restored[2]) == datetime(2027, 2, 10, 12)
    assert run.teams["it"].shift_work.sum() == pytest.approx(2.5)


def test_hybrid_routes_by_window_and_escalates_p1():
    offer = {**PROVIDER_OFFER, "coverage": "24/7", "performance": {"restore": {p: "3h" for p in
                                                                               ("P1", "P2", "P3", "P4")}}}
    study = make_study([{"name": "hybrid", "default": {"hybrid": {
        "team": "it", "provider": "msp", "provider_window": "HNO", "escalate": {"after": "2h"}}}}],
        providers={"msp": offer},
        teams={"it": {**BASE["teams"]["it"], "repair_time": {p: "10h" for p in ("P1", "P2", "P3", "P4")}}})
    load = hand_load(study, [(datetime(2027, 1, 5, 9), "P1"), (datetime(2027, 1, 9, 10), "P3")])
    plan = compile_study(study)
    run = simulate(plan, plan.scenarios[0], load, Streams(1, 0))
    cal = study.calendar_
    # Tuesday 09:00 P1 (HO): the team starts, escalation at 11:00, the provider restores at 14:00.
    assert run.escalated.tolist() == [True, False]
    assert local(cal, run.restored[0]) == datetime(2027, 1, 5, 14)
    assert run.by.tolist() == [PROVIDER, PROVIDER]
    # Saturday 10:00 (HNO): straight to the provider, restored 3 h later.
    assert local(cal, run.restored[1]) == datetime(2027, 1, 9, 13)
    # The team stopped working on the escalated incident when the provider restored it.
    assert run.teams["it"].shift_work.sum() == pytest.approx(5.0)


def test_high_availability_offer_prevents_a_share_of_p1():
    offer = {**PROVIDER_OFFER, "prevents": {"P1": "100%"}}
    study = make_study([{"name": "ha", "default": {"outsource": "msp"}}], providers={"msp": offer})
    rows = run_study(study, replications=2, seed=3).rows
    p1 = rows[(rows.metric == "incidents") & (rows.priority == "P1")]["value"]
    assert p1.sum() == 0


def _variance_ratio(slow: dict, fast: dict) -> float:
    study = make_study([{"name": "a", "default": {"outsource": "slow"}},
                        {"name": "b", "default": {"outsource": "fast"}}],
                       providers={"slow": slow, "fast": fast},
                       services={"erp": {**BASE["services"]["erp"], "incidents": {
                           "per_month": 20, "priorities": {"P1": "20%", "P2": "30%", "P3": "50%"}}}})
    table = scenario_values(run_study(study, replications=40, seed=6).rows, "economic_cost")
    paired = np.var(table["b"] - table["a"], ddof=1)
    unpaired = np.var(table["b"], ddof=1) + np.var(table["a"], ddof=1)
    return paired / unpaired


def test_common_random_numbers_shrink_the_variance_of_differences():
    """Two provider offers on the same incidents: the paired difference of economic cost varies far less
    than the two costs taken separately. Seen (seed 6, 40 replications): 0.03 for two offers a little
    apart (restoration median 3 h against 2.5 h), 0.34 for business hours against 24/7."""
    quicker = {**PROVIDER_OFFER, "performance": {"restore": {p: {"median": "2.5h", "p90": "8h"}
                                                             for p in ("P1", "P2", "P3", "P4")}}}
    close = _variance_ratio(PROVIDER_OFFER, quicker)
    apart = _variance_ratio(PROVIDER_OFFER, {**PROVIDER_OFFER, "coverage": "24/7"})
    print(f"variance of the paired difference / unpaired: {close:.3f} (close offers), {apart:.3f} (HO vs 24/7)")
    assert close < 0.10
    assert apart < 0.50


def _night_incident_study(coverage: str, response: dict | None = None):
    offer = {**PROVIDER_OFFER, "coverage": coverage,
             "performance": {"restore": {p: "2h" for p in ("P1", "P2", "P3", "P4")}},
             "fees": {"monthly": "2000 EUR", "tickets_included": 10, "extra_ticket": "100 EUR",
                      "hno_multiplier": 1.5}}
    if response is not None:
        offer["performance"]["response"] = response
    return make_study([{"name": "msp", "default": {"outsource": "msp"}}], providers={"msp": offer})


def test_office_hours_provider_starts_work_when_its_window_opens():
    """A P3 declared on Friday 8 January 2027 at 20:00 to an HO provider with no response time: nobody
    works at night or at the weekend, so work starts on Monday at 08:00 and ends at 10:00 (2 covered
    hours); no out-of-hours intervention is billed. Before the fix work started at 20:00 on Friday."""
    study = _night_incident_study("HO")
    load = hand_load(study, [(datetime(2027, 1, 8, 20, 0), "P3")])
    plan = compile_study(study)
    run = simulate(plan, plan.scenarios[0], load, Streams(1, 0))
    cal = study.calendar_
    assert local(cal, run.started[0]) == datetime(2027, 1, 11, 8, 0)
    assert local(cal, run.restored[0]) == datetime(2027, 1, 11, 10, 0)
    rows = measure(plan, run, 0)
    variable = [r[-1] for r in rows if r[4] == "cost.provider_variable" and r[6] == "all"]
    assert variable == [0.0]
    wait = [r[-1] for r in rows if r[4] == "wait_mean" and r[5] == "P3"]
    assert wait == [pytest.approx(60.0)]


def test_round_the_clock_provider_bills_the_night_intervention_at_the_multiplier():
    """The same incident with a 24/7 provider: work starts at 20:00 and is billed 100 EUR x 1.5."""
    study = _night_incident_study("24/7")
    load = hand_load(study, [(datetime(2027, 1, 8, 20, 0), "P3")])
    plan = compile_study(study)
    run = simulate(plan, plan.scenarios[0], load, Streams(1, 0))
    assert local(study.calendar_, run.started[0]) == datetime(2027, 1, 8, 20, 0)
    rows = measure(plan, run, 0)
    variable = [r[-1] for r in rows if r[4] == "cost.provider_variable" and r[6] == "all"]
    assert variable == [pytest.approx(150.0)]


def test_office_hours_provider_response_counts_covered_hours_from_the_opening():
    """With a 30-minute response, the Friday-night incident is started on Monday at 08:30."""
    study = _night_incident_study("HO", response={p: "30min" for p in ("P1", "P2", "P3", "P4")})
    load = hand_load(study, [(datetime(2027, 1, 8, 20, 0), "P3")])
    plan = compile_study(study)
    run = simulate(plan, plan.scenarios[0], load, Streams(1, 0))
    assert local(study.calendar_, run.started[0]) == datetime(2027, 1, 11, 8, 30)
    assert local(study.calendar_, run.restored[0]) == datetime(2027, 1, 11, 10, 0)


def test_every_kind_of_option_has_one_runtime():
    """The compile step's registry knows every option model of the file format, and only those."""
    from simulation.compile import RUNTIMES
    from sourcing.scenario import OptionModel

    assert set(RUNTIMES) == set(OptionModel.__subclasses__())


def test_a_run_compiles_its_study_once_found_by_its_content(monkeypatch):
    """Two runs of one study compile it once; an equal study read again (another object, same content)
    finds that plan; a study that differs in one value is compiled again."""
    import simulation.compile as compile_module

    calls = []
    compile_study_ = compile_module.compile_study

    def counting(study):
        calls.append(study)
        return compile_study_(study)

    monkeypatch.setattr(compile_module, "compile_study", counting)
    compile_module._compiled.cache_clear()
    study = make_study([{"name": "msp", "default": {"outsource": "msp"}}])
    run_study(study, replications=3, seed=1)
    run_study(study, replications=2, seed=2)
    assert calls == [study]
    again = make_study([{"name": "msp", "default": {"outsource": "msp"}}])
    assert again is not study
    assert compile_module.compiled(again) is compile_module.compiled(study) and calls == [study]
    other = with_values(study, {"providers.msp.fees.monthly": "1234 EUR"})
    compile_module.compiled(other)
    assert calls == [study, other]
