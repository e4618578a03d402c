"""Price questions answered on a run already simulated: no simulation at all.

:func:`simulation.whatif.breakeven` on a price simulates once and solves on that simulation's ledger. The
app has simulated the study already (the Compare page's run, cached): :func:`breakeven_on_run` solves the
same question on that run's ledger, the same way (a ratio of means with Fieller's interval where the
difference is linear in the price, Brent's root with a bootstrap interval where a cap or tier binds), in
milliseconds, on the replications the page shows.
"""

from __future__ import annotations

import math

import numpy as np

from sourcing import words
from sourcing.errors import Problem, ScenarioError
from sourcing.paths import locate, quantity, revalued, study_data
from sourcing.scenario import Study

from . import ledger as ledgers
from .plan import compiled, repriced
from .replications import Results
from .whatif import BreakEven, Difference, _bootstrap_root, _bracket, _check, difference, fieller, set_number


def answers_at_once(path: str, on: str = "cost") -> bool:
    """Whether a break-even of ``path`` on ``on`` is solved on a run's ledger (a price, on cost)."""
    return on == "cost" and revalued(path)


def breakeven_on_run(base: Results, a: str, b: str, path: str, low: float | None = None,
                     high: float | None = None, points: int = 5) -> BreakEven:
    """The price at ``path`` at which options A and B cost the same, solved on ``base``'s ledger (its study's
    replications, re-valued at every price tried: the same incidents at every value, exactly)."""
    from scipy.optimize import brentq

    study = base.study
    if base.ledger is None:
        raise ValueError("the run kept no ledger")
    target, current = _check(study, a, b, path)
    if not revalued(target):
        raise ScenarioError([Problem(target, "this value changes what is simulated: it needs a simulation")])
    lo = low if low is not None else (current * 0.5 if current else 0.0)
    hi = high if high is not None else (current * 1.5 if current else 1.0)
    widen = low is None and high is None
    book = base.ledger
    simulated_plan = compiled(base.revalued_from or study)
    unit = quantity(locate(study_data(study), target)).unit
    studies: dict[float, Study] = {}
    by_value: dict[float, np.ndarray] = {}

    def at(x: float) -> Study:
        if x not in studies:
            studies[x] = set_number(study, target, x)
        return studies[x]

    def by_replication(x: float) -> np.ndarray:
        if x not in by_value:
            plan = repriced(simulated_plan, at(x))
            by_value[x] = (ledgers.figure_by_replication(plan, book, a, "economic_cost")
                           - ledgers.figure_by_replication(plan, book, b, "economic_cost"))
        return by_value[x]

    tried: list[tuple[float, Difference]] = []

    def shown(values) -> None:
        for x in values:
            if all(abs(x - t) > 1e-12 for t, _ in tried):
                tried.append((float(x), difference(ledgers.revalue(base, at(float(x))), a, b)))
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
        sign = "lower" if tried[0][1].mean < 0 else "higher"
        note = (f"no break-even between {words.value(tried[0][0], unit)} and {words.value(tried[-1][0], unit)}: "
                f"{a} costs {sign} than {b} throughout")
        return BreakEven(a, b, path, "economic_cost", None, None, None, unit, current, tried, note, base)
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
        note = "ratio of means on the same replications; 95 % interval by Fieller's theorem"
    else:
        value = float(brentq(lambda x: float(by_replication(x).mean()), left, right,
                             xtol=1e-6 * max(abs(right - left), 1e-12)))
        interval = _bootstrap_root(by_replication, left, right, base.seed, 0.0 if current >= 0 else -math.inf)
        note = "root of the mean difference on the same replications; 95 % interval by bootstrap"
    if all(abs(value - t) > 1e-9 * max(abs(value), 1.0) for t, _ in tried):
        shown([value])
    return BreakEven(a, b, path, "economic_cost", value, interval[0], interval[1], unit, current, tried, note, base)
