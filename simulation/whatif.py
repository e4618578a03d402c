"""What would it take: the questions that settle a sourcing decision, each answered on simulated incidents.

- :func:`breakeven`: the value of one parameter at which two options cost the same (or are as available);
- :func:`match`: the smallest value of a parameter at which option A is at least as good as option B;
- :func:`sensitivity`: how far each assumption moves the difference between the two cheapest options,
  and which swings flip the decision (a tornado; Morris screening or Sobol indices as an option).

Every evaluation replays the same incidents (the same seed: common random numbers across options and
across the values tried), and every figure is a paired difference with its confidence interval. A value of
a price or a judgement (:func:`sourcing.paths.revalued`) is never simulated: one run's ledger is valued at
it (:mod:`simulation.ledger`, exact); the other variants run through the batch runner's executors (local
processes, or a Dask cluster when given), only for the options they can move.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, stdtrit

from sourcing.errors import Problem, ScenarioError
from sourcing.files import study_from_data
from sourcing.paths import Path, changed_paths, locate, parse_path, path_text, quantity, revalued, study_data
from sourcing.scenario import Study

from . import ledger as ledgers
from . import valuation
from .batch import expected_all
from .chunks import concat
from .compare import controls_of, estimate_of, scenario_values
from .compile import compiled, repriced
from .executors import Executor, LocalExecutor, Payload, Task, tasks_of
from .replications import Results

METRICS = {"cost": ("economic_cost", -1), "availability": ("availability_service_time", 1),
           "gtr-compliance": ("gtr_compliance", 1)}
"""What ``--on`` compares, and whether more (1) or less (-1) is better."""


# --------------------------------------------------------------------------- running many variants


def evaluate(studies: list[Study], replications: int, seed: int, executor: Executor | None = None,
             workers: int = 1,
             variance_reduction: bool = True, progress: Callable[[int, int], None] | None = None,
             scenarios: tuple[str, ...] | list[tuple[str, ...] | None] | None = None) -> list[Results]:
    """Every study (variants of one file) on the same seed, in parallel tasks of a few replications each;
    with ``scenarios`` (for every study, or a list of one per study), only those are simulated (their rows
    are the same as in a whole run)."""
    each = scenarios if isinstance(scenarios, list) else [scenarios] * len(studies)
    executor = executor or LocalExecutor(workers)
    payloads: dict[str, Payload] = {}
    every = expected_all(studies, executor) if variance_reduction else [{} for _ in studies]  # on the workers
    for k, (study, means) in enumerate(zip(studies, every)):
        payloads[str(k)] = Payload(compiled(study), seed, means, None if each[k] is None else frozenset(each[k]))
    tasks = tasks_of({key: range(replications) for key in payloads}, executor.workers)
    chunks: dict[str, list] = {str(k): [] for k in range(len(studies))}
    done = [0]

    def finished(task: Task, chunk) -> None:
        chunks[task.study].append((task.replications[0], chunk))
        done[0] += len(task.replications)
        if progress:
            progress(done[0], replications * len(studies))

    executor.run(tasks, payloads, finished)
    out = []
    for k, study in enumerate(studies):
        parts = [c for _, c in sorted(chunks[str(k)], key=lambda item: item[0])]
        means = payloads[str(k)].means
        controls = pd.concat([c.controls for c in parts], ignore_index=True) if means else None
        out.append(Results(study, seed, replications, concat([c.rows for c in parts]), controls=controls,
                           control_means=means or None, ledger=ledgers.concat([c.ledger for c in parts])))
    return out


@dataclass
class Evaluations:
    """How the variants of a question were answered: simulated, or re-valued from a simulated run."""

    simulated: int = 0
    revalued: int = 0

    @property
    def share_revalued(self) -> float:
        total = self.simulated + self.revalued
        return self.revalued / total if total else 0.0


def evaluate_variants(base: Results, studies: list[Study], replications: int, seed: int, executor=None,
                      workers: int = 1, counts: Evaluations | None = None,
                      scenarios: tuple[str, ...] | None = None) -> list[Results]:
    """Each variant of ``base``'s study: re-valued from ``base``'s ledger when it differs only in prices and
    judgements (:func:`simulation.valuation.revalue`: exact, no simulation), simulated otherwise (all the
    simulated ones together, in parallel, on the same seed; only ``scenarios`` when given)."""
    out: list[Results | None] = []
    simulate: dict[tuple[str, ...] | None, list[tuple[int, Study]]] = {}
    for k, study in enumerate(studies):
        try:
            out.append(valuation.revalue(base, study))
            continue
        except valuation.NotRevaluable:
            out.append(None)
        wanted = scenarios if scenarios is None else _affected(base.study, study, scenarios)
        if wanted == ():  # nothing the compared options run changed: their rows are the base run's
            out[k] = Results(study, base.seed, base.replications, base.rows[base.rows["scenario"].isin(scenarios)],
                             controls=base.controls, control_means=base.control_means)
            continue
        simulate.setdefault(wanted, []).append((k, study))
    items = [(wanted, k, study) for wanted, group in simulate.items() for k, study in group]
    found = evaluate([study for _, _, study in items], replications, seed, executor, workers,
                     scenarios=[wanted for wanted, _, _ in items]) if items else []  # in one pool, in parallel
    for (wanted, k, study), results in zip(items, found):
        if scenarios is not None and wanted != scenarios:  # the others' rows are the base run's
            kept = base.rows[base.rows["scenario"].isin([s for s in scenarios if s not in wanted])]
            results = Results(study, seed, replications, concat([results.rows, kept]), controls=results.controls,
                              control_means=results.control_means)
        out[k] = results
    if counts is not None:
        counts.simulated += len(items)
        counts.revalued += len(studies) - len(items)
    return out


def _uses(study: Study, scenario: str) -> set[tuple[str, str]]:
    """The teams, providers and SaaS offers a scenario puts to work (its transitions included)."""
    used = set()
    for assignment in compiled(study).scenario(scenario).assignments:
        for runtime in (assignment.runtime, assignment.previous):
            if runtime is None:
                continue
            used.update(("teams", t.name) for t in runtime.teams)
            for offer, kind in ((runtime.provider, "providers"), (runtime.support, "saas"), (runtime.saas, "saas")):
                if offer is not None:
                    used.add((kind, offer.name))
    return used


def _affected(before: Study, after: Study, scenarios: tuple[str, ...]) -> tuple[str, ...] | None:
    """Which of ``scenarios`` a change of structure can move: those that put to work a team or an offer it
    changed (every one when it changes anything else, or a price too: None)."""
    changed = changed_paths(before, after)
    if any(revalued(path) for path in changed):
        return scenarios
    owners = set()
    for path in changed:
        if len(path) < 2 or path[0] not in ("teams", "providers", "saas"):
            return scenarios
        owners.add((path[0], path[1]))
    return tuple(s for s in scenarios if _uses(before, s) & owners or _uses(after, s) & owners)


@dataclass(frozen=True)
class Difference:
    """A paired difference between two options (A minus B) with its 95 % interval."""

    mean: float
    half_width: float
    n: int

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def probability_positive(self) -> float:
        """Chance that the true difference is above zero (normal approximation of the estimate)."""
        if not self.half_width or not math.isfinite(self.half_width):
            return float(self.mean > 0)
        se = self.half_width / stdtrit(max(self.n - 1, 1), 0.975)
        return float(ndtr(self.mean / se))


def difference(results: Results, a: str, b: str, metric: str = "economic_cost") -> Difference:
    """Mean of (A − B) over the replications, controlled when possible."""
    table = scenario_values(results.rows, metric)
    if a not in table or b not in table:
        missing = a if a not in table else b
        raise ScenarioError([Problem((), f"'{missing}' has no '{metric}' figure in this study")])
    diff = (table[a] - table[b]).dropna()
    estimate = estimate_of(diff, results.controls, controls_of(results.study, results.control_means, [a, b]))
    return Difference(estimate.mean, estimate.half_width, len(diff))


# --------------------------------------------------------------------------- changing values


def set_number(study: Study, path_or_text: str | Path, number: float) -> Study:
    """The study with the numeric value at ``path`` set to ``number`` (written back in its unit)."""
    path = parse_path(path_or_text) if isinstance(path_or_text, str) else path_or_text
    data = copy.deepcopy(study_data(study))
    parent = locate(data, path[:-1])
    parent[path[-1]] = quantity(parent[path[-1]]).write(number)
    return study_from_data(data, source=f"{path_text(path)} = {number:g}")


def set_value(study: Study, path_or_text: str | Path, value: Any) -> Study:
    """The study with any value at ``path`` replaced (a window, a boolean, a number with its unit)."""
    path = parse_path(path_or_text) if isinstance(path_or_text, str) else path_or_text
    data = copy.deepcopy(study_data(study))
    parent = locate(data, path[:-1])
    parent[path[-1]] = value
    return study_from_data(data, source=f"{path_text(path)} = {value}")


# --------------------------------------------------------------------------- break-even


@dataclass
class BreakEven:
    """Where two options cost the same (or are as available), with a confidence interval."""

    a: str
    b: str
    path: str
    metric: str
    value: float | None
    low: float | None
    high: float | None
    unit: str
    current: float
    points: list[tuple[float, Difference]] = field(default_factory=list)
    """Every value tried and the difference found there."""
    method: str = "none"
    """How it was found: ``regression`` (a band over simulated values), ``fieller`` (a ratio of means on one
    ledger), ``brent`` (a root on one ledger, bootstrap interval) or ``none`` (no break-even in the range)."""
    results: Results | None = field(default=None, repr=False)
    """The one simulation a break-even of a price is solved on (its ledger re-valued at every value)."""


def breakeven(study: Study, a: str, b: str, path: str, replications: int = 60, seed: int = 1,
              low: float | None = None, high: float | None = None, on: str = "cost", workers: int = 1,
              executor=None, points: int = 5) -> BreakEven:
    """The value of the parameter at ``path`` at which options A and B are equal on ``on``.

    Stochastic root finding by regression on paired differences: the difference A − B is measured at a
    few values across the range (the same incidents at every value), the range is narrowed to the two
    values between which it changes sign, measured again there, and a straight line is fitted to the
    differences. Its root is the break-even; the interval holds the values where the difference is not
    distinguishable from zero at 95 % (:func:`_root`)."""
    metric, _ = METRICS[on]
    target, current = _check(study, a, b, path)
    lo = low if low is not None else (current * 0.5 if current else 0.0)
    hi = high if high is not None else (current * 1.5 if current else 1.0)
    if metric == "economic_cost" and revalued(target):
        return _breakeven_on_prices(study, a, b, target, path, current, lo, hi, low is None and high is None,
                                    replications, seed, workers, executor, points)
    tried: list[tuple[float, Difference]] = []

    def measure(values: list[float]) -> list[tuple[float, Difference]]:
        fresh = [v for v in values if all(abs(v - t) > 1e-12 for t, _ in tried)]
        results = evaluate([set_number(study, target, v) for v in fresh], replications, seed, executor, workers)
        found = [(v, difference(r, a, b, metric)) for v, r in zip(fresh, results)]
        tried.extend(found)
        tried.sort(key=lambda item: item[0])
        return found

    measure(list(np.linspace(lo, hi, points)))
    bracket = _bracket(tried)
    widenings = 0
    while bracket is None and widenings < 2 and low is None and high is None:
        span = hi - lo
        lo, hi = max(lo - span, 0.0 if current >= 0 else lo - span), hi + span
        measure([lo, hi])
        bracket = _bracket(tried)
        widenings += 1
    unit = quantity(locate(study_data(study), target)).unit
    if bracket is None:
        return BreakEven(a, b, path, metric, None, None, None, unit, current, tried, "none")
    left, right = bracket
    measure(list(np.linspace(left, right, points))[1:-1])
    inside = [(x, d) for x, d in tried if left - 1e-12 <= x <= right + 1e-12]
    value, interval = _root(inside)
    return BreakEven(a, b, path, metric, value, interval[0], interval[1], unit, current, tried, "regression")


def _breakeven_on_prices(study: Study, a: str, b: str, target: Path, path: str, current: float, lo: float,
                         hi: float, widen: bool, replications: int, seed: int, workers: int, executor,
                         points: int) -> BreakEven:
    """Break-even of a price: one simulation, then the cost difference of every replication at any price is
    arithmetic on its ledger (the same incidents at every value, exactly). Where the difference is linear in
    the price (no cap or tier binds in between), the break-even is a ratio of means, -mean(a)/mean(b) of the
    replications' lines a + b x, with Fieller's 95 % interval; otherwise it is found by root finding on the
    mean difference (Brent), with a bootstrap interval over replications."""
    base = evaluate([study], replications, seed, executor, workers)[0]
    return solve_on_ledger(base, study, a, b, target, path, current, lo, hi, widen, points)


def solve_on_ledger(base: Results, study: Study, a: str, b: str, target: Path, path: str, current: float,
                    lo: float, hi: float, widen: bool, points: int) -> BreakEven:
    """The break-even of the price at ``target`` solved on ``base``'s ledger, with no simulation: ``base``
    simulated ``study`` (or a study it was re-valued from); every price tried re-values its replications."""
    from scipy.optimize import brentq

    book = base.ledger
    simulated_plan = compiled(base.revalued_from or study)
    unit = quantity(locate(study_data(study), target)).unit
    cache: dict[float, np.ndarray] = {}

    def by_replication(x: float) -> np.ndarray:
        if x not in cache:
            plan = repriced(simulated_plan, set_number(study, target, x))
            cache[x] = (valuation.figure_by_replication(plan, book, a, "economic_cost")
                        - valuation.figure_by_replication(plan, book, b, "economic_cost"))
        return cache[x]

    tried: list[tuple[float, Difference]] = []

    chosen = controls_of(study, base.control_means, [a, b])

    def shown(values) -> None:
        """The paired difference at each value, estimated as :func:`difference` estimates it."""
        for x in values:
            if all(abs(x - t) > 1e-12 for t, _ in tried):
                gaps = pd.Series(by_replication(float(x)), index=book.replications)
                estimate = estimate_of(gaps, base.controls, chosen)
                tried.append((float(x), Difference(estimate.mean, estimate.half_width, len(gaps))))
        tried.sort(key=lambda item: item[0])

    shown(np.linspace(lo, hi, points))
    bracket = _bracket(tried)
    widenings = 0
    while bracket is None and widenings < 2 and widen:
        span = hi - lo
        lo, hi = max(lo - span, 0.0 if current >= 0 else lo - span), hi + span
        shown([lo, hi])
        bracket = _bracket(tried)
        widenings += 1
    if bracket is None:
        return BreakEven(a, b, path, "economic_cost", None, None, None, unit, current, tried, "none", base)
    left, right = bracket
    d0, d1 = by_replication(left), by_replication(right)
    slope = (d1 - d0) / (right - left) if right > left else np.zeros_like(d0)
    level = d0 - slope * left
    checks = [x for x, _ in tried if left <= x <= right] + [(left + right) / 2]
    linear = right > left and all(np.allclose(by_replication(x), level + slope * x, rtol=1e-9, atol=1e-6)
                                  for x in checks)
    if linear:
        value = float(-level.mean() / slope.mean())
        interval = fieller(level, slope)
        method = "fieller"
    else:
        value = float(brentq(lambda x: float(by_replication(x).mean()), left, right,
                             xtol=1e-6 * max(abs(right - left), 1e-12)))
        interval = _bootstrap_root(by_replication, left, right, base.seed, 0.0 if current >= 0 else -math.inf)
        method = "brent"
    if all(abs(value - t) > 1e-9 * max(abs(value), 1.0) for t, _ in tried):
        shown([value])
    return BreakEven(a, b, path, "economic_cost", value, interval[0], interval[1], unit, current, tried, method, base)


def fieller(level: np.ndarray, slope: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Fieller's interval for the root of the mean line, -mean(level)/mean(slope), when each replication's
    difference is the line level + slope x: the values x where the mean difference is within its
    confidence interval of zero (Student's quantile, paired replications). Unbounded when the slope is not
    distinguishable from zero."""
    n = len(level)
    if n < 2:
        root = float(-level.mean() / slope.mean())
        return root, root
    t2 = stdtrit(n - 1, 0.5 + confidence / 2) ** 2 / n
    cov = np.cov(np.vstack([level, slope]), ddof=1)
    a_, b_ = float(level.mean()), float(slope.mean())
    qa = b_ * b_ - t2 * cov[1, 1]
    qb = 2 * (a_ * b_ - t2 * cov[0, 1])
    qc = a_ * a_ - t2 * cov[0, 0]
    disc = qb * qb - 4 * qa * qc
    if qa <= 0 or disc < 0:
        return -math.inf, math.inf
    root = math.sqrt(disc)
    ends = sorted(((-qb - root) / (2 * qa), (-qb + root) / (2 * qa)))
    return float(ends[0]), float(ends[1])


def _bootstrap_root(by_replication: Callable[[float], np.ndarray], left: float, right: float, seed: int,
                    floor: float = -math.inf, grid: int = 17, draws: int = 2000) -> tuple[float, float]:
    """Percentile bootstrap over replications of the root of the mean difference, on a grid across the
    bracket (widened once on each side, never below ``floor``), the root of each resample by linear
    interpolation."""
    span = right - left
    xs = np.linspace(max(left - span, floor), right + span, grid)
    table = np.column_stack([by_replication(float(x)) for x in xs])  # replications x grid
    rng = np.random.default_rng(seed)
    n = table.shape[0]
    roots = np.full(draws, np.nan)
    for k in range(draws):
        mean = table[rng.integers(0, n, n)].mean(axis=0)
        change = np.flatnonzero(np.sign(mean[:-1]) * np.sign(mean[1:]) <= 0)
        if len(change):
            j = change[0]
            y0, y1 = mean[j], mean[j + 1]
            roots[k] = xs[j] if y1 == y0 else xs[j] - y0 * (xs[j + 1] - xs[j]) / (y1 - y0)
    if np.isnan(roots).mean() > 0.025:
        return -math.inf, math.inf
    low, high = np.nanpercentile(roots, [2.5, 97.5])
    return float(low), float(high)


def _check(study: Study, a: str, b: str, path: str) -> tuple[Path, float]:
    names = [s.name for s in study.scenarios]
    for option in (a, b):
        if option not in names:
            raise ScenarioError([Problem(("scenarios",), f"'{option}' is not a scenario of this file "
                                                          f"({', '.join(names)})")])
    target = parse_path(path)
    value = locate(study_data(study), target, source="--vary")
    try:
        return target, quantity(value).number
    except ValueError as exc:
        raise ScenarioError([Problem(target, str(exc))], source="--vary") from None


def _bracket(tried: list[tuple[float, Difference]]) -> tuple[float, float] | None:
    for (x0, d0), (x1, d1) in zip(tried, tried[1:]):
        if d0.mean == 0:
            return x0, x0
        if d0.mean * d1.mean < 0:
            return x0, x1
    return None


def _root(points: list[tuple[float, Difference]]) -> tuple[float, tuple[float, float]]:
    """Root of the straight line through the mean differences, and the values where the difference is not
    distinguishable from zero (its 95 % interval contains zero).

    Every value is tried on the same incidents, so the errors of the differences are nearly the same at
    every value (common random numbers): the line's slope is sharp, its level shares their error. The
    interval is therefore read from the band of the differences' intervals around the line: the values
    where line ± half-width contains zero."""
    x = np.array([p for p, _ in points])
    y = np.array([d.mean for _, d in points])
    half = np.array([d.half_width for _, d in points])
    if len(x) < 2 or np.ptp(x) == 0:
        return float(x[0]), (float(x[0]), float(x[0]))
    slope, level = np.polyfit(x, y, 1)
    root = -level / slope
    width = float(np.interp(root, x, half)) if np.all(np.isfinite(half)) else math.inf
    if not math.isfinite(width) or slope == 0:
        return float(root), (-math.inf, math.inf)
    ends = sorted((root - width / abs(slope), root + width / abs(slope)))
    return float(root), (float(ends[0]), float(ends[1]))


# --------------------------------------------------------------------------- match


@dataclass
class MatchStep:
    value: Any
    difference: Difference
    probability: float
    """Chance that A is truly at least as good as B at this value."""
    cost_per_year: float
    """A's mean economic cost per year at this value."""


@dataclass
class Match:
    a: str
    b: str
    path: str
    on: str
    steps: list[MatchStep]
    found: MatchStep | None
    current_cost_per_year: float
    unit: str = ""
    """The unit of the values tried when they are numbers (a price); empty when they are as written."""


def match(study: Study, a: str, b: str, path: str, values: list[Any] | None = None, on: str = "availability",
          replications: int = 60, seed: int = 1, workers: int = 1, executor=None) -> Match:
    """The smallest value (in the order given; for a whole number, the next values up) at which A is at
    least as good as B on ``on``, with the probability that it truly is."""
    metric, better = METRICS[on]
    _check_names(study, a, b)
    target = parse_path(path)
    current = locate(study_data(study), target, source="--vary")
    priced = revalued(target)
    if values is None:
        if isinstance(current, bool):
            values = [not current]
        elif isinstance(current, int):
            values = list(range(current, current + 9))
        elif priced and on == "cost":
            return _match_on_prices(study, a, b, path, replications, seed, workers, executor)
        else:
            raise ScenarioError([Problem(target, "give the values to try with --values (this parameter is not a "
                                                 "whole number)")], source="--vary")
    studies = [set_value(study, target, v) for v in values]
    if priced:  # one simulation; every value re-valued on its replications
        base = evaluate([study], replications, seed, executor, workers)[0]
        results = [base, *evaluate_variants(base, studies, replications, seed, executor, workers)]
    else:
        results = evaluate([study, *studies], replications, seed, executor, workers)
    years = study.calendar.horizon
    base_cost = results[0].figure("economic_cost", a) / years
    steps, found = [], None
    for value, result in zip(values, results[1:]):
        diff = difference(result, a, b, metric)
        oriented = Difference(better * diff.mean, diff.half_width, diff.n)
        step = MatchStep(value, diff, oriented.probability_positive(),
                         result.figure("economic_cost", a) / years)
        steps.append(step)
        if found is None and oriented.mean >= 0:
            found = step
    return Match(a, b, path, on, steps, found, base_cost)


def _match_on_prices(study: Study, a: str, b: str, path: str, replications: int, seed: int, workers: int,
                     executor) -> Match:
    """Match on a price without values to try: the break-even on the same replications (one simulation),
    where A starts or stops costing no more than B (else the first value tried at which it does)."""
    found = breakeven(study, a, b, path, replications=replications, seed=seed, workers=workers, executor=executor)
    years = study.calendar.horizon
    target = parse_path(path)
    steps, first = [], None
    for value, diff in found.points:
        oriented = Difference(-diff.mean, diff.half_width, diff.n)
        priced = valuation.revalue(found.results, set_number(study, target, value))
        step = MatchStep(value, diff, oriented.probability_positive(),
                         priced.figure("economic_cost", a) / years)
        steps.append(step)
        at_root = found.value is not None and abs(value - found.value) <= 1e-9 * max(abs(value), 1.0)
        if at_root or (found.value is None and first is None and oriented.mean >= 0):
            first = step
    return Match(a, b, path, "cost", steps, first, found.results.figure("economic_cost", a) / years, found.unit)


def _check_names(study: Study, a: str, b: str) -> None:
    names = [s.name for s in study.scenarios]
    for option in (a, b):
        if option not in names:
            raise ScenarioError([Problem(("scenarios",), f"'{option}' is not a scenario of this file "
                                                          f"({', '.join(names)})")])


# --------------------------------------------------------------------------- sensitivity


@dataclass(frozen=True)
class Assumption:
    """A group of values that move together (all staff costs, all incident volumes) and how far."""

    name: str
    patterns: tuple[str, ...]
    low: float
    high: float
    additive: bool = False
    """Add low/high to the value (a growth rate of 0 %) instead of multiplying it."""


DEFAULT_ASSUMPTIONS = (
    Assumption("loaded staff cost", ("teams.*.members[*].annual_cost",), 0.8, 1.2),
    Assumption("incident volume", ("services.*.incidents.per_month", "services.*.incidents.per_user_per_month"),
               0.7, 1.3),
    Assumption("incident growth", ("services.*.incidents.growth_per_year",), -0.05, 0.05, additive=True),
    Assumption("outage cost per hour", ("services.*.outage_cost_per_hour.business",
                                        "services.*.outage_cost_per_hour.off_hours"), 0.5, 1.5),
    Assumption("repair times", ("teams.*.repair_time.*", "teams.*.repair_time_by_service.*"), 0.7, 1.3),
    Assumption("departure rate", ("teams.*.departures.yearly_probability",), 0.5, 1.5),
    Assumption("hiring delay", ("teams.*.departures.hiring_delay",), 0.5, 1.5),
    Assumption("provider fees", ("providers.*.fees.monthly", "providers.*.fees.extra_ticket"), 0.8, 1.2),
    Assumption("provider performance", ("providers.*.performance.restore.*", "providers.*.performance.median.*"),
               0.7, 1.3),
    Assumption("SaaS price", ("saas.*.price_per_user_month",), 0.8, 1.2),
    Assumption("SaaS outages", ("saas.*.outages.per_year",), 0.5, 1.5),
)
"""The assumptions a director most often questions, with the swings tried by default [E]."""


def expand(data: Any, pattern: str) -> list[Path]:
    """Every existing path matching a pattern where ``*`` stands for any name and ``[*]`` for any position."""
    parts = parse_path(pattern.replace("[*]", ".__any__"))
    found: list[Path] = [()]
    for part in parts:
        nxt = []
        for path in found:
            node = locate(data, path)
            if part in ("*", "__any__"):
                keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
                nxt += [(*path, k) for k in keys]
            elif isinstance(node, dict) and part in node:
                nxt.append((*path, part))
        found = nxt
    return found


def _scaled(value: Any, factor: float, additive: bool) -> Any:
    if isinstance(value, dict):  # a time distribution: every duration scaled
        return {k: _scaled(v, factor, additive) for k, v in value.items()}
    q = quantity(value)
    number = q.number + factor if additive else q.number * factor
    if q.unit == "%" and not additive:
        number = min(number, 0.99)
    return q.write(number)


def apply(study: Study, assumption: Assumption, factor: float) -> Study | None:
    """The study with the assumption moved by ``factor`` (None if nothing in the study matches it)."""
    data = copy.deepcopy(study_data(study))
    paths = [p for pattern in assumption.patterns for p in expand(data, pattern)]
    if not paths:
        return None
    for path in paths:
        parent = locate(data, path[:-1])
        try:
            parent[path[-1]] = _scaled(parent[path[-1]], factor, assumption.additive)
        except ValueError:
            continue
    try:
        return study_from_data(data, source=f"{assumption.name} x{factor:g}")
    except ScenarioError:
        return None  # a swing the file's rules refuse (e.g. a median beyond a GTR): not tried


@dataclass
class Swing:
    assumption: str
    low: float
    high: float
    at_low: Difference
    at_high: Difference
    flips: bool
    additive: bool = False
    """``low`` and ``high`` are added to the value (a rate) rather than multiplying it."""


@dataclass
class Sensitivity:
    winner: str
    runner_up: str
    base: Difference
    swings: list[Swing]
    """Sorted by the width of the swing, widest first (the tornado)."""
    evaluations: Evaluations = field(default_factory=Evaluations)
    """How many swings were simulated and how many re-valued from the base run's ledger."""


def two_cheapest(results: Results) -> tuple[str, str]:
    means = pd.Series({s: results.figure("economic_cost", s) for s in scenario_values(results.rows, "economic_cost")}
                      ).sort_values()
    if len(means) < 2:
        raise ScenarioError([Problem(("scenarios",), "a sensitivity needs at least two scenarios")])
    return str(means.index[0]), str(means.index[1])


def parse_swing(text: str, study: Study) -> Assumption:
    """``PATH=LOW..HIGH`` (values with their units) as an assumption moved between two values."""
    path, sep, span = text.partition("=")
    low, dots, high = span.partition("..")
    if not sep or not dots:
        raise ValueError(f"'{text}': write PATH=LOW..HIGH, e.g. providers.msp.fees.monthly=3000 EUR..5000 EUR")
    target = parse_path(path.strip())
    current = quantity(locate(study_data(study), target, source="--vary")).number
    lo, hi = quantity(low.strip()).number, quantity(high.strip()).number
    if current == 0:
        return Assumption(path.strip(), (path.strip(),), lo, hi, additive=True)
    return Assumption(path.strip(), (path.strip(),), lo / current, hi / current)


def sensitivity(study: Study, assumptions: tuple[Assumption, ...] = DEFAULT_ASSUMPTIONS, replications: int = 40,
                seed: int = 1, workers: int = 1, executor=None, pair: tuple[str, str] | None = None) -> Sensitivity:
    """A tornado of the economic-cost difference between the two cheapest options (or ``pair``). A swing of
    prices is re-valued from the base run's ledger (no simulation); the others are simulated, together and
    on the same seed."""
    base = evaluate([study], replications, seed, executor, workers)[0]
    winner, runner = pair or two_cheapest(base)
    base_diff = difference(base, winner, runner)
    variants, index = [], []
    for assumption in assumptions:
        low, high = apply(study, assumption, assumption.low), apply(study, assumption, assumption.high)
        if low is None or high is None:
            continue
        variants += [low, high]
        index.append(assumption)
    counts = Evaluations()
    results = (evaluate_variants(base, variants, replications, seed, executor, workers, counts, (winner, runner))
               if variants else [])
    swings = []
    for k, assumption in enumerate(index):
        at_low, at_high = difference(results[2 * k], winner, runner), difference(results[2 * k + 1], winner, runner)
        flips = at_low.mean > 0 or at_high.mean > 0
        swings.append(Swing(assumption.name, assumption.low, assumption.high, at_low, at_high, flips,
                            assumption.additive))
    swings.sort(key=lambda s: -abs(s.at_high.mean - s.at_low.mean))
    return Sensitivity(winner, runner, base_diff, swings, counts)


def global_sensitivity(study: Study, method: str = "morris", samples: int = 8, replications: int = 10, seed: int = 1,
                       workers: int = 1, executor=None,
                       assumptions: tuple[Assumption, ...] = DEFAULT_ASSUMPTIONS) -> pd.DataFrame:
    """Morris screening (μ*, σ) or Sobol indices (S1, ST) of the cost difference between the two cheapest
    options over every assumption at once (SALib), each run on the same seed."""
    base = evaluate([study], replications, seed, executor, workers)[0]
    winner, runner = two_cheapest(base)
    usable = [a for a in assumptions if apply(study, a, a.low) is not None and apply(study, a, a.high) is not None]
    if not usable:
        raise ScenarioError([Problem((), "no assumption of the list applies to this file")])
    problem = {"num_vars": len(usable), "names": [a.name for a in usable], "bounds": [[a.low, a.high] for a in usable]}
    if method == "morris":
        from SALib.analyze import morris as analyze
        from SALib.sample import morris as sampler

        points = sampler.sample(problem, samples, num_levels=4, seed=seed)
    elif method == "sobol":
        from SALib.analyze import sobol as analyze
        from SALib.sample import sobol as sampler

        points = sampler.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        raise ValueError(f"'{method}': the methods are morris and sobol")
    studies = []
    for point in points:
        variant = study
        for assumption, factor in zip(usable, point):
            variant = apply(variant, assumption, factor) or variant
        studies.append(variant)
    results = evaluate(studies, replications, seed, executor, workers)
    outputs = np.array([difference(r, winner, runner).mean for r in results])
    if method == "morris":
        found = analyze.analyze(problem, points, outputs, num_levels=4, seed=seed)
        return pd.DataFrame({"assumption": problem["names"], "mu_star": found["mu_star"], "sigma": found["sigma"]}
                            ).sort_values("mu_star", ascending=False, ignore_index=True)
    found = analyze.analyze(problem, outputs, calc_second_order=False, seed=seed)
    return pd.DataFrame({"assumption": problem["names"], "S1": found["S1"], "ST": found["ST"]}
                        ).sort_values("ST", ascending=False, ignore_index=True)
