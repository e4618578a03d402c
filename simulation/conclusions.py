"""What each "what would it take" tool concludes, as data: the doors say it first, in the reader's words.

Each function reads a tool's result (:mod:`simulation.whatif`, :mod:`simulation.sustainability`,
:mod:`simulation.backtest`) and returns a typed record of its conclusion; nothing here recomputes a figure:

- :func:`breakeven_conclusion`: below which value of the parameter which option wins, today's value and
  whether it is inside the break-even's band (too close to call);
- :func:`tornado_conclusion`: which assumptions, if any, reverse the decision, at which end of their range,
  and the low and high values tried;
- :func:`match_conclusion`: the value that makes A as good as B, or that no value tried does, and from which
  value on the gap stops moving (the parameter cannot close it);
- :func:`rest_conclusion`: each on-call and workload threshold a French reader applies, and the rota's figure
  measured against it;
- :func:`backtest_ratings`: a plain rating per priority of how well the back-test reproduces the history.

The sentences are the catalogue's (``whatif.conclusion.*``, ``calibrate.rating.*``), built by
:mod:`reports.conclusions`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from sourcing.paths import parse_path

from .whatif import METRICS, BreakEven, Match, Sensitivity

# --------------------------------------------------------------------------- the parameter varied


@dataclass(frozen=True)
class Parameter:
    """A value of the scenario file as the reader names it: what it is (``field``, a catalogue key's last
    part such as ``fees.monthly``), whose it is (the display name of the offer, team or service), and the
    period its amount is counted over (``month``, ``user_month``, ``year`` or empty)."""

    path: str
    field: str
    owner: str | None
    per: str


PERIODS = (("per_user_month", "user_month"), ("per_user_per_month", "user_month"), ("monthly", "month"),
           ("per_month", "month"), ("annual", "year"), ("per_year", "year"), ("yearly", "year"))
"""The period an amount is counted over, read from the last part of its path (first match wins)."""


def parameter(path: str, names: dict[str, str] | None = None) -> Parameter:
    """``providers.msp-4h-ho.fees.monthly`` -> field ``fees.monthly``, owner ``MSP (msp-4h-ho)``'s display name,
    per ``month``. Positions in a list (``members[0]``) are left out of the field."""
    parts = parse_path(path)
    owner = None
    rest = list(parts)
    if len(parts) >= 2 and parts[0] in ("providers", "saas", "teams", "services") and isinstance(parts[1], str):
        owner = (names or {}).get(parts[1], parts[1])
        rest = list(parts[2:])
    words = [str(p) for p in rest if isinstance(p, str)]
    last = words[-1] if words else ""
    per = next((period for marker, period in PERIODS if marker in last), "")
    return Parameter(path, ".".join(words), owner, per)


# --------------------------------------------------------------------------- break-even


@dataclass(frozen=True)
class BreakEvenConclusion:
    """Below ``value`` the option ``below`` wins (costs less, or is more available), above it ``above`` does;
    ``today`` is the file's value, and ``today_winner`` the option that wins there (None when today's value
    is inside the band where the two cannot be told apart). Without a break-even in the range tried
    (``value`` None), ``below`` wins throughout ``tried``."""

    a: str
    b: str
    parameter: Parameter
    on: Literal["cost", "availability"]
    value: float | None
    band: tuple[float, float] | None
    unit: str
    today: float
    below: str
    above: str
    today_winner: str | None
    tried: tuple[float, float]


def breakeven_conclusion(found: BreakEven, names: dict[str, str] | None = None) -> BreakEvenConclusion:
    """Which option wins on each side of the break-even, read from the slope of the differences tried."""
    on = "cost" if found.metric == METRICS["cost"][0] else "availability"
    better = METRICS[on][1]
    x = np.array([p for p, _ in found.points], dtype=float)
    y = np.array([d.mean for _, d in found.points], dtype=float) * better   # > 0: A wins
    tried = (float(x.min()), float(x.max()))
    if found.value is None:
        winner, loser = (found.a, found.b) if y.mean() > 0 else (found.b, found.a)
        return BreakEvenConclusion(found.a, found.b, parameter(found.path, names), on, None, None, found.unit,
                                   found.current, winner, loser, winner, tried)
    slope = np.polyfit(x, y, 1)[0] if np.ptp(x) > 0 else 0.0
    below, above = (found.b, found.a) if slope > 0 else (found.a, found.b)
    band = (found.low, found.high) if found.low is not None and found.high is not None else None
    if band is not None and tried[0] >= 0:   # a fee, a price, a headcount: never below zero
        band = (max(band[0], 0.0), band[1])
    inside = band is not None and band[0] <= found.current <= band[1]
    today = None if inside else (below if found.current < found.value else above)
    return BreakEvenConclusion(found.a, found.b, parameter(found.path, names), on, found.value, band, found.unit,
                               found.current, below, above, today, tried)


# --------------------------------------------------------------------------- tornado


@dataclass(frozen=True)
class Reversal:
    """An assumption whose low or high value reverses the decision: the runner-up then costs less."""

    assumption: str
    end: Literal["low", "high", "both"]
    move_low: float
    move_high: float
    additive: bool
    difference: float
    """Winner minus runner-up at the reversing end (positive: the runner-up is cheaper there)."""


@dataclass(frozen=True)
class Tried:
    """An assumption as tried: its name, the low and high moves (factors, or amounts added to a rate), and
    the difference winner minus runner-up at each end."""

    assumption: str
    low: float
    high: float
    additive: bool
    at_low: float
    at_high: float


@dataclass(frozen=True)
class TornadoConclusion:
    winner: str
    runner_up: str
    base: float
    """Winner minus runner-up economic cost over the horizon with every assumption as written."""
    reversals: tuple[Reversal, ...]
    tried: tuple[Tried, ...]
    """Widest first."""

    @property
    def holds(self) -> bool:
        """No assumption tried reverses the decision."""
        return not self.reversals


def tornado_conclusion(found: Sensitivity) -> TornadoConclusion:
    """Which assumptions reverse the decision (the sign of the difference changes at one end of the range)."""
    reversals = []
    for s in found.swings:
        if not s.flips:
            continue
        low, high = s.at_low.mean > 0, s.at_high.mean > 0
        end = "both" if low and high else "low" if low else "high"
        worst = max(s.at_low.mean, s.at_high.mean)
        reversals.append(Reversal(s.assumption, end, s.low, s.high, s.additive, worst))
    tried = tuple(Tried(s.assumption, s.low, s.high, s.additive, s.at_low.mean, s.at_high.mean) for s in found.swings)
    return TornadoConclusion(found.winner, found.runner_up, found.base.mean, tuple(reversals), tried)


# --------------------------------------------------------------------------- match


@dataclass(frozen=True)
class MatchConclusion:
    """``found`` is the first value at which A is at least as good as B (with ``probability`` that it truly is,
    and the change of A's economic cost a year); otherwise, when the gap stops moving, ``plateau_from`` is the
    value from which it stays at ``plateau_gap`` (the last value's, within its interval): the parameter cannot
    close it."""

    a: str
    b: str
    parameter: Parameter
    on: str
    found: Any | None
    probability: float | None
    cost_change_per_year: float | None
    plateau_from: Any | None
    plateau_gap: float | None
    last_gap: float | None
    tried: tuple[Any, ...] = field(default_factory=tuple)
    unit: str = ""
    """The unit of the values when they are numbers (a price); empty when they are as written."""


def match_conclusion(found: Match, names: dict[str, str] | None = None) -> MatchConclusion:
    """What it would take, or where the gap stops closing: the first value from which every difference is
    within the 95 % interval of the last one's (the gap then stays at the last one's mean)."""
    steps = found.steps
    tried = tuple(s.value for s in steps)
    param = parameter(found.path, names)
    if found.found is not None:
        step = found.found
        return MatchConclusion(found.a, found.b, param, found.on, step.value, step.probability,
                               step.cost_per_year - found.current_cost_per_year, None, None, None, tried,
                               found.unit)
    last = steps[-1].difference if steps else None
    start = None
    if last is not None and len(steps) >= 2 and math.isfinite(last.half_width):
        for i in range(len(steps) - 1):
            if all(abs(s.difference.mean - last.mean) <= last.half_width for s in steps[i:]):
                start = i
                break
    plateau = steps[start].value if start is not None else None
    gap = last.mean if start is not None else None
    return MatchConclusion(found.a, found.b, param, found.on, None, None, None, plateau, gap,
                           None if last is None else last.mean, tried, found.unit)


# --------------------------------------------------------------------------- on-call and workload


@dataclass(frozen=True)
class RestCheck:
    """One threshold a French reader applies to a rota (:data:`simulation.sustainability.LIMITS`), the
    team's figure, and where it stands: ``above`` the threshold, ``near`` it (within 10 % below), ``within``."""

    metric: str
    threshold: float
    value: float
    kind: str
    """How the figure is written: ``share`` (a percentage), ``count`` or ``hours``."""
    standing: Literal["above", "near", "within"]


@dataclass(frozen=True)
class RestConclusion:
    option: str
    team: str
    checks: tuple[RestCheck, ...]

    @property
    def above(self) -> tuple[RestCheck, ...]:
        return tuple(c for c in self.checks if c.standing == "above")

    @property
    def near(self) -> tuple[RestCheck, ...]:
        return tuple(c for c in self.checks if c.standing == "near")


NEAR = 0.9
"""A figure at 90 % of its threshold or more is said to be near it (a one-week-in-two rota is)."""


def rest_conclusion(option: str, team: str, figures: dict[str, float]) -> RestConclusion:
    """Each threshold of :data:`simulation.sustainability.LIMITS` and the team's mean figure against it."""
    from .sustainability import LIMITS

    checks = []
    for metric, limit, _key, kind in LIMITS:
        value = float(figures.get(metric, 0.0))
        standing = "above" if value > limit else "near" if value >= NEAR * limit else "within"
        checks.append(RestCheck(metric, float(limit), value, kind, standing))
    return RestConclusion(option, team, tuple(checks))


# --------------------------------------------------------------------------- calibration back-test


@dataclass(frozen=True)
class PriorityRating:
    """How well the back-test reproduces one priority's history: ``good`` when every fitted quantile of the
    simulated time to restore is within :data:`GOOD` of the history's (or within its sampling noise),
    ``fair`` within :data:`FAIR`, ``poor`` beyond; ``worst`` is the quantile furthest off, with the real and
    simulated times there (hours)."""

    priority: str
    tickets: int
    rating: Literal["good", "fair", "poor"]
    worst: float
    real: float
    simulated: float
    gap: float
    """Relative gap at ``worst``: (simulated - real) / real."""


GOOD = 0.10
FAIR = 0.25
NOISE = 2.5
"""A priority of n tickets cannot be held closer than 2.5 / sqrt(n) (the fit's own tolerance)."""


def backtest_ratings(backtest) -> tuple[PriorityRating, ...]:
    """A plain rating per priority (all services together) of a :class:`simulation.backtest.Backtest`."""
    from .backtest import FITTED

    out = []
    for check in backtest.checks:
        if len(check.observed) == 0 or len(check.simulated) == 0:
            continue
        real, simulated = check.quantiles(FITTED)
        with np.errstate(divide="ignore", invalid="ignore"):
            gaps = np.where(real > 0, (simulated - real) / real, np.where(simulated > 0, np.inf, 0.0))
        k = int(np.nanargmax(np.abs(gaps)))
        worst = float(abs(gaps[k]))
        noise = NOISE / math.sqrt(len(check.observed))
        rating = "good" if worst <= max(GOOD, noise) else "fair" if worst <= max(FAIR, 2 * noise) else "poor"
        out.append(PriorityRating(check.priority, len(check.observed), rating, float(FITTED[k]), float(real[k]),
                                  float(simulated[k]), float(gaps[k])))
    return tuple(out)
