"""Price questions answered on a run already simulated: no simulation at all.

:func:`simulation.whatif.breakeven` on a price simulates once and solves on that simulation's ledger. The
app has simulated the study already (the Compare page's run, cached): :func:`breakeven_on_run` solves the
same question on that run's ledger, the same way (a ratio of means with Fieller's interval where the
difference is linear in the price, Brent's root with a bootstrap interval where a cap or tier binds), in
milliseconds, on the replications the page shows.
"""

from __future__ import annotations

from sourcing.errors import Problem, ScenarioError
from sourcing.paths import revalued

from .replications import Results
from .whatif import BreakEven, _check, solve_on_ledger


def answers_at_once(path: str, on: str = "cost") -> bool:
    """Whether a break-even of ``path`` on ``on`` is solved on a run's ledger (a price, on cost)."""
    return on == "cost" and revalued(path)


def breakeven_on_run(base: Results, a: str, b: str, path: str, low: float | None = None,
                     high: float | None = None, points: int = 5) -> BreakEven:
    """The price at ``path`` at which options A and B cost the same, solved on ``base``'s ledger (its study's
    replications, re-valued at every price tried: the same incidents at every value, exactly)."""
    study = base.study
    if base.ledger is None:
        raise ValueError("the run kept no ledger")
    target, current = _check(study, a, b, path)
    if not revalued(target):
        raise ScenarioError([Problem(target, "this value changes what is simulated: it needs a simulation")])
    lo = low if low is not None else (current * 0.5 if current else 0.0)
    hi = high if high is not None else (current * 1.5 if current else 1.0)
    return solve_on_ledger(base, study, a, b, target, path, current, lo, hi, low is None and high is None, points)
