"""Variance reduction and the stopping rule, proven rather than assumed.

- The expectations of the control variates are exact: renewal theory against the departure process
  itself, drawn many times (tolerance: the exact value inside the 99.9 % interval of the draws).
- The interval is the jackknife's, in closed form, skewness-corrected (Hall), worked by hand.
- Variance reduction never widens an interval, on random figures and controls, and below 20 replications
  it uses no control at all.
- At the sizes users run (10 to 100 replications), in the world of a pool of replications of a one-person
  team against a provider and of a team whose departures dominate, the controlled intervals hold their
  coverage and are narrower where departures drive the spread; over a whole pool the controlled estimate
  agrees with the plain one.
- Off, nothing changes: the plain means, bit for bit.
- Kim-Nelson selects the best with at least the promised probability on data whose answer is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.decide import kn_constants, select
from simulation.intervals import half_width, skew_half_width
from simulation.staffing import PersonPlan, _departures
from simulation.variance import Renewal, controlled_mean, estimates, measured
from sourcing.files import study_from_data
from sourcing.scenario import Departures
from sourcing.units import HOURS_PER_YEAR

Z_999 = stats.norm.ppf(0.9995)


class _Team:
    def __init__(self, probability: str, delay: str) -> None:
        self.departures = Departures(yearly_probability=probability, hiring_delay=delay)


@pytest.mark.parametrize("members", [1, 2])
def test_control_expectations_are_exact(members: int) -> None:
    """E[vacant hours], E[departures], E[hours all vacant], E[Σ squared lengths] and the exposure of
    incidents at a constant rate (over the horizon and before a transition's end), by renewal theory,
    against 6,000 draws of the departure process."""
    team = _Team("35%", "3mo")
    horizon = 3 * 8766.0
    hazard = -np.log1p(-0.35) / HOURS_PER_YEAR
    rate = 0.01  # incidents an hour
    hourly = np.full(int(np.ceil(horizon)), rate)
    until = (2000.0,)  # a transition of about three months, as a provider takes over
    expected = Renewal(hazard, team.departures.hiring_delay, horizon).expected(members, {0: hourly}, until)
    rng = np.random.default_rng(20261122)
    draws = []
    for _ in range(6_000):
        plans = []
        for _ in range(members):
            vacant, departures = _departures(team.departures, horizon, rng)
            plans.append(PersonPlan(None, np.zeros((0, 2)), np.zeros((0, 2)), np.array(vacant).reshape(-1, 2),
                                    tuple(departures)))
        arrivals = np.sort(rng.random(rng.poisson(rate * horizon)) * horizon)
        draws.append(measured(plans, horizon, {0: arrivals}, until))
    table = pd.DataFrame(draws)
    assert set(expected) == set(table.columns)
    for control, exact in expected.items():
        values = table[control].to_numpy()
        half = Z_999 * values.std(ddof=1) / np.sqrt(len(values))
        assert abs(values.mean() - exact) <= half, (control, values.mean(), exact, half)


@pytest.mark.parametrize("members", [1, 2, 3])
def test_how_often_the_whole_team_is_away_is_exact(members: int) -> None:
    """The expected number of stretches with the whole team away (what makes a run too short to weigh
    them: simulation.variance.rare_events) against 6,000 draws of the departure process (tolerance: the
    99.9 % interval of the draws); for one person it is the expected number of departures."""
    from simulation.variance import _intersection

    team = _Team("35%", "3mo")
    horizon = 3 * 8766.0
    hazard = -np.log1p(-0.35) / HOURS_PER_YEAR
    renewal = Renewal(hazard, team.departures.hiring_delay, horizon)
    exact = renewal.whole_team_onsets(members)
    if members == 1:
        assert exact == pytest.approx(renewal.expected(1)["departures"], rel=1e-9)
    rng = np.random.default_rng(20261202)
    counts = []
    for _ in range(6_000):
        common = None
        for _ in range(members):
            vacant = np.array(_departures(team.departures, horizon, rng)[0], dtype=float).reshape(-1, 2)
            common = vacant if common is None else _intersection(common, vacant)
        counts.append(len(common))
    counts = np.array(counts, dtype=float)
    half = Z_999 * counts.std(ddof=1) / np.sqrt(len(counts))
    assert abs(counts.mean() - exact) <= half, (counts.mean(), exact, half)


def test_the_interval_uses_the_jackknife_in_closed_form() -> None:
    """The closed form of the delete-one intercepts equals the jackknife computed by brute force, and the
    half-width is the skewness-corrected one on the jackknife pseudo-values."""
    rng = np.random.default_rng(3)
    n = 80
    x = np.column_stack((rng.exponential(size=n), rng.poisson(2, size=n).astype(float)))
    y = 3 + 2 * x[:, 0] - x[:, 1] + rng.standard_t(3, size=n)
    mu = np.array([1.0, 2.0])
    estimate = controlled_mean(y, x, mu)

    def intercept(yv: np.ndarray, xv: np.ndarray) -> float:
        z = np.column_stack((np.ones(len(yv)), xv - mu))
        return float(np.linalg.lstsq(z, yv, rcond=None)[0][0])

    deleted = np.array([intercept(np.delete(y, i), np.delete(x, i, axis=0)) for i in range(n)])
    full = intercept(y, x)
    pseudo = n * full - (n - 1) * deleted
    variance = (n - 1) / n * np.sum((deleted - deleted.mean()) ** 2)
    assert estimate.controls == 2
    assert estimate.mean == pytest.approx(full)
    assert estimate.half_width == pytest.approx(skew_half_width(pseudo, variance, n - 3)[0])
    assert estimate.reduction > 1


def test_hall_interval_is_student_without_skew_and_reaches_towards_the_skew() -> None:
    """Symmetric values give Student's t half-width exactly; right-skewed values a wider one, by Hall's
    inverse transformation worked by hand (a = γ/(3√n), b = γ/(6√n), γ the adjusted sample skewness G1)."""
    n = 10
    symmetric = np.array([-3.0, -2, -1, -0.5, 0, 0, 0.5, 1, 2, 3])
    t = stats.t.ppf(0.975, n - 1)
    assert half_width(symmetric) == pytest.approx(t * symmetric.std(ddof=1) / np.sqrt(n))
    skewed = np.array([1.0, 1, 1, 1, 1, 1, 1, 1, 1, 11])
    d = skewed - skewed.mean()
    gamma = np.mean(d ** 3) / np.mean(d ** 2) ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2)
    assert gamma == pytest.approx(stats.skew(skewed, bias=False))
    a, b = gamma / (3 * np.sqrt(n)), gamma / (6 * np.sqrt(n))
    upper = -(np.cbrt(1 + 3 * a * (-t - b)) - 1) / a  # -g^-1(-t): the reach above the mean, in standard errors
    assert half_width(skewed) == pytest.approx(upper * skewed.std(ddof=1) / np.sqrt(n))
    assert upper > t


@pytest.mark.parametrize("seed", range(40))
def test_variance_reduction_never_widens_an_interval(seed: int) -> None:
    """On random figures and controls (strong, weak, rare events seen a few times, constant, duplicated),
    at every sample size users run, each estimate's half-width is at most the plain one's and its variance
    reduction factor at least 1; below 20 replications no control is used at all."""
    rng = np.random.default_rng(seed)
    n = int(rng.choice([10, 15, 20, 30, 50, 100]))
    rare = (rng.random(n) < 0.08) * rng.exponential(500, n)
    x = np.column_stack((rare, rng.poisson(6, n).astype(float), rng.normal(size=n), np.ones(n), rare))
    y = np.column_stack((
        1000 + 40 * rare + rng.normal(0, 50, n),          # driven by the rare control
        1000 + 5 * x[:, 1] + rng.lognormal(3, 1.5, n),    # weakly by a count, heavy-tailed noise
        rng.normal(0, 1, n),                             # by nothing
        np.full(n, 7.0),                                 # constant
    ))
    mu = np.array([0.08 * 500, 6.0, 0.0, 1.0, 0.08 * 500])
    for column, estimate in zip(y.T, estimates(y, x, mu)):
        plain = half_width(column)
        assert estimate.reduction >= 1
        if plain == plain:
            assert estimate.half_width <= plain * (1 + 1e-12)
        if n < 20 or np.ptp(column) == 0:
            assert estimate.controls == 0 and estimate.mean == column.mean()


# --------------------------------------------------------------------------- Kim-Nelson


def test_kim_nelson_selects_the_best_with_the_promised_probability() -> None:
    """Three options, the best cheaper by exactly the indifference amount δ (the least favourable case),
    correlated by common random numbers: over 400 seeds the best is selected at least 95 % of the time
    (binomial tolerance: at least 93 %)."""
    delta, n0, correct, total = 1.0, 20, 0, 400
    for seed in range(total):
        rng = np.random.default_rng(seed)
        common = rng.normal(0, 3, size=(3000, 1))
        values = pd.DataFrame(common + rng.normal(0, 2, size=(3000, 3)) + np.array([10.0, 11.0, 11.0]),
                              columns=["best", "b", "c"])
        alive, _ = select(values, delta, n0)
        correct += alive == ["best"]
    assert correct / total >= 0.93, correct / total


def test_kim_nelson_constants() -> None:
    """η and h² for k = 3, n0 = 20, α = 0.05, as in Kim & Nelson (2001)."""
    eta = 0.5 * ((2 * 0.05 / 2) ** (-2 / 19) - 1)
    assert kn_constants(3, 20, 0.05) == pytest.approx(2 * eta * 19)


# --------------------------------------------------------------------------- the estimator on the engine

DEPARTURES_DOMINATE = {
    "name": "departures dominate", "calendar": {"start": "2027-01-01", "horizon": "1y", "warm_up": "0d"},
    "services": {"mail": {"users": 200, "outage_cost_per_hour": {"business": "5000 EUR", "off_hours": "1000 EUR"},
                          "incidents": {"per_month": 6,
                                        "priorities": {"P1": "20%", "P2": "20%", "P3": "40%", "P4": "20%"}}}},
    "teams": {"admins": {"members": [{"count": 2, "annual_cost": "60000 EUR"}],
                         "repair_time": {"P1": "2h", "P2": "3h", "P3": "1h", "P4": "30min"},
                         "departures": {"yearly_probability": "50%", "hiring_delay": "4mo"}}},
    "scenarios": [{"name": "in-house", "default": {"make": "admins"}}],
}

ONE_PERSON = {
    "name": "One sysadmin against a hosting provider",
    "calendar": {"start": "2027-01-01", "horizon": "3y", "country": "FR"},
    "services": {"platform": {
        "users": 60, "service_time": "HO",
        "outage_cost_per_hour": {"business": "1500 EUR", "off_hours": "100 EUR"},
        "incidents": {"per_user_per_month": 0.1, "priorities": {"P1": "3%", "P2": "10%", "P3": "57%", "P4": "30%"},
                      "weekly_profile": "office"},
        "availability_target": "99.5%",
        "infrastructure": {"capex": "20000 EUR", "depreciation_years": 5, "opex_per_year": "3000 EUR"}}},
    "teams": {"admin": {
        "members": [{"name": "Alex", "annual_cost": "70000 EUR", "shift": "HO"}],
        "repair_time": {"P1": {"median": "1.5h", "p90": "5h"}, "P2": {"median": "3h", "p90": "10h"},
                        "P3": {"median": "1h", "p90": "4h"}, "P4": {"median": "30min", "p90": "2h"}},
        "absences": {"annual_leave_days": 25, "sickness": "4%"},
        "departures": {"yearly_probability": "15%", "hiring_delay": "4mo", "hiring_cost": "8000 EUR"}}},
    "providers": {"hosting": {
        "coverage": "24/7", "gti": {"P1": "30min", "P2": "1h", "P3": "4h", "P4": "8h"},
        "gtr": {"P1": "2h", "P2": "4h", "P3": "12h", "P4": "24h"},
        "performance": {"within_gtr": {"P1": "90%", "P2": "90%", "P3": "95%", "P4": "95%"}},
        "hosting": "included",
        "fees": {"monthly": "2500 EUR", "tickets_included": 20, "extra_ticket": "90 EUR", "hno_multiplier": 2},
        "penalties": {"per_breach": {"P1": "10%", "P2": "5%"}, "monthly_cap": "50%"},
        "transition": {"cost": "10000 EUR", "duration": "2mo"},
        "retained": {"fte": 0.1, "annual_cost": "70000 EUR"}, "contract_years": 3, "exit_cost": "8000 EUR"}},
    "baseline": "In-house",
    "scenarios": [{"name": "In-house", "default": {"make": "admin"}},
                  {"name": "Hosting provider", "default": {"outsource": "hosting"}}],
}
SIZES = (10, 20, 50, 100)


@pytest.fixture(scope="module")
def departures_pool():
    """1,000 replications of the study where departures dominate (about 8 s of CPU), shared."""
    from simulation.replications import run_study

    study = study_from_data(DEPARTURES_DOMINATE)
    return study, run_study(study, 1000, seed=5)


def _holds_its_coverage(result: pd.DataFrame) -> None:
    """What the proof asserts of a table of :mod:`coverage`, with its tolerances."""
    print("\n" + result.round(3).to_string())
    assert (result["widest_ratio"] <= 1 + 1e-9).all()
    # Controls never cost more than 3 points of coverage below the plain interval's or below 95 %, whichever
    # is lower (the binomial noise of a coverage over 400 paired runs is about 1 point).
    floor = np.minimum(result["plain_coverage"], 0.95) - 0.03
    assert (result["coverage"] >= floor).all(), result[result["coverage"] < floor]
    honest = result["plain_coverage"].between(0.93, 0.97)
    assert result.loc[honest, "coverage"].between(0.92, 0.975).all(), result[honest]


def test_variance_reduction_never_widens_and_keeps_coverage_for_one_person_against_a_provider() -> None:
    """In the world of a pool of 800 replications (tests/coverage.py: runs of n drawn from it, its mean the
    truth), 400 runs at each of n = 10, 20, 50 and 100, for each option's economic cost and their paired
    difference: the controlled half-width is never wider than the plain one (by
    construction), coverage holds (:func:`_holds_its_coverage`), and the controls pay where the one person's
    departures drive the spread (the in-house cost's half-width at least halved from 50 replications on).
    The provider's own figures are skewed by rare transitions the one person left alone cannot cover: their
    intervals cover about 90 % at 10 or 20 replications, with or without controls (see the README). The full
    table, on the bundled examples too, is `python benchmarks/variance.py`."""
    from coverage import pool_figures, table

    result = table(pool_figures(study_from_data(ONE_PERSON), 800, seed=11, metrics=("economic_cost",)), SIZES,
                   seeds=400)
    _holds_its_coverage(result)
    in_house = result[(result["label"] == "economic_cost of In-house") & (result["n"] >= 50)]
    assert len(in_house) == 2 and (in_house["half_width_ratio"] < 0.5).all(), in_house


def test_variance_reduction_where_departures_dominate(departures_pool) -> None:
    """Two admins who leave with 50 % a year for four months each (when both are gone, P1 outages last for
    weeks): over the 1,000 replications the controlled estimate lies inside the plain 95 % interval with a
    variance several times smaller; runs of 10 to 100 drawn from them hold their coverage
    (:func:`_holds_its_coverage`) and the controls at least halve the half-width at 100 replications."""
    from coverage import pool_figures, table

    from simulation.compare import scenario_values
    from simulation.variance import control_matrix

    study, results = departures_pool
    costs = scenario_values(results.rows, "economic_cost")["in-house"]
    plain = controlled_mean(costs.to_numpy(), None, None)
    x, mu = control_matrix(results.controls, results.control_means, costs.index.to_numpy())
    pooled = controlled_mean(costs.to_numpy(), x, mu)
    print(f"\nplain {plain.mean:,.0f} ± {plain.half_width:,.0f}, controlled {pooled.mean:,.0f} ± "
          f"{pooled.half_width:,.0f} ({pooled.controls} controls, variance divided by {pooled.reduction:.1f})")
    assert abs(pooled.mean - plain.mean) <= plain.half_width
    assert pooled.controls >= 1 and pooled.reduction > 3
    result = table(pool_figures(study, 0, 0, results=results), SIZES, seeds=400)
    _holds_its_coverage(result)
    assert (result.loc[result["n"] == 100, "half_width_ratio"] < 0.5).all()


def test_variance_reduction_changes_no_simulated_number_and_off_gives_the_plain_summary() -> None:
    from simulation.replications import run_study
    from simulation.statistics import summarize

    study = study_from_data(DEPARTURES_DOMINATE)
    on = run_study(study, 60, seed=2)
    off = run_study(study, 60, seed=2, variance_reduction=False)
    pd.testing.assert_frame_equal(on.rows, off.rows)
    assert off.controls is None and "vr_factor" not in off.summary.columns
    pd.testing.assert_frame_equal(off.summary, summarize(off.rows))
    assert (on.summary["vr_factor"] > 1).any()
