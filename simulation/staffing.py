"""Who is at work when: shifts, annual leave, sickness, departures and the on-call rota.

Everything here is drawn before the simulation starts, from each person's own streams:
a named person keeps the same absences in every team and scenario that lists them, so
comparing two team variants compares staffing, not luck.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sourcing.scenario import Absences, Departures, Person
from sourcing.units import HOURS_PER_YEAR

from .streams import Streams

if TYPE_CHECKING:
    from .plan import CalendarPlan, LeaveYear, TeamPlan

Intervals = np.ndarray
"""Sorted, disjoint ``[start, end)`` intervals as an (n, 2) float array."""


@dataclass(frozen=True)
class PersonPlan:
    """One person's working time over the horizon."""

    person: Person
    on_shift: Intervals
    absent: Intervals
    vacant: Intervals
    departures: tuple[float, ...] = field(default=())

    def present(self, start: float, end: float) -> bool:
        """True if the person is neither absent nor vacant at any time in ``[start, end)``."""
        i = np.searchsorted(self.absent[:, 1], start, side="right")
        return not (i < len(self.absent) and self.absent[i, 0] < end)


@dataclass(frozen=True)
class RotaShift:
    """A stretch of on-call duty held by one person."""

    start: float
    end: float
    person: int


def merge(intervals: list[tuple[float, float]] | np.ndarray) -> Intervals:
    """Union of intervals, sorted."""
    pairs = sorted((float(s), float(e)) for s, e in intervals if e > s)
    out: list[list[float]] = []
    for s, e in pairs:
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return np.array(out, dtype=float).reshape(-1, 2)


def subtract(base: Intervals, holes: Intervals) -> Intervals:
    """``base`` minus ``holes`` (both sorted and disjoint)."""
    if len(holes) == 0 or len(base) == 0:
        return base.reshape(-1, 2)
    points = np.unique(np.concatenate((base.ravel(), holes.ravel())))
    points = points[np.isfinite(points)] if np.isinf(points).any() else points
    a, b = points[:-1], points[1:]
    mid = (a + b) / 2
    keep = _inside(base, mid) & ~_inside(holes, mid)
    if not keep.any():
        return np.zeros((0, 2))
    a, b = a[keep], b[keep]
    new = np.concatenate(([True], a[1:] > b[:-1]))
    last = np.concatenate((new[1:], [True]))
    return np.column_stack((a[new], b[last]))


def _inside(intervals: Intervals, t: np.ndarray) -> np.ndarray:
    i = np.searchsorted(intervals[:, 0], t, side="right") - 1
    return (i >= 0) & (t < intervals[np.maximum(i, 0), 1])


def clip_plans(plans: list[PersonPlan], until: float) -> list[PersonPlan]:
    """Plans that stop at ``until`` (a team kept only during a transition)."""
    if until == float("inf"):
        return plans
    return [PersonPlan(p.person, _before(p.on_shift, until), p.absent, p.vacant,
                       tuple(d for d in p.departures if d < until)) for p in plans]


def _before(intervals: Intervals, until: float) -> Intervals:
    kept = intervals[intervals[:, 0] < until].copy()
    kept[:, 1] = np.minimum(kept[:, 1], until)
    return kept


def plan_team(team: TeamPlan, calendar: CalendarPlan, streams: Streams) -> list[PersonPlan]:
    """Draw absences and departures for every member and cut their shifts accordingly."""
    horizon = calendar.horizon
    plans = []
    for member in team.members:
        absent_parts: list[tuple[float, float]] = []
        if team.absences is not None:
            absent_parts += _annual_leave(team.leave, team.absences, streams.generator("leave", member.owner))
            absent_parts += _sickness(team.absences, horizon, streams.generator("sickness", member.owner))
        vacant, departures = _departures(team.departures, horizon, streams.generator("departures", member.owner))
        absent = merge(absent_parts + [tuple(v) for v in vacant])
        plans.append(PersonPlan(member.person, subtract(member.shift, absent), absent, merge(vacant),
                                tuple(departures)))
    return plans


def _annual_leave(leave: tuple[LeaveYear, ...], absences: Absences,
                  rng: np.random.Generator) -> list[tuple[float, float]]:
    """Leave in blocks of working days, each starting on a random Monday of the scenario year."""
    n_blocks = int(np.ceil(absences.annual_leave_days / absences.leave_block_days)) if leave else 0
    out = []
    for year in leave:
        chosen = rng.choice(len(year.starts), size=min(n_blocks, len(year.starts)), replace=False)
        for block, week in enumerate(sorted(chosen)):
            out.append((year.starts[week], year.ends[week][block]))
    return out


def _sickness(absences: Absences, horizon: float, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Sickness spells as a Poisson process whose long-run share of time off is the sickness rate."""
    rate = absences.sickness
    if rate <= 0:
        return []
    mean = absences.sickness_spell
    count = rng.poisson(rate / mean * horizon)
    starts = rng.random(count) * horizon
    lengths = rng.exponential(mean, size=count)
    return list(zip(starts, np.minimum(starts + lengths, horizon)))


def _departures(departures: Departures | None, horizon: float,
                rng: np.random.Generator) -> tuple[list[tuple[float, float]], list[float]]:
    """Departures at a constant hazard; each leaves the post vacant for the hiring delay."""
    if departures is None or departures.yearly_probability <= 0:
        return [], []
    probability = departures.yearly_probability
    hazard = -np.log1p(-probability) / HOURS_PER_YEAR if probability < 1 else np.inf
    vacant, left = [], []
    t = 0.0
    while True:
        t += rng.exponential(1 / hazard) if np.isfinite(hazard) else 0.0
        if t >= horizon:
            break
        left.append(t)
        end = min(horizon, t + departures.hiring_delay)
        vacant.append((t, end))
        t = end
        if t >= horizon or departures.hiring_delay <= 0 and not np.isfinite(hazard):
            break
    return vacant, left


def on_call_rota(team: TeamPlan, plans: list[PersonPlan]) -> list[RotaShift]:
    """Weekly on-call rota over the on-call window; an absent holder is replaced by the next one present.

    Each piece of the window (cut at local midnights at compile time) goes to the week's holder if they
    are present throughout it, otherwise to the next member of the rota who is.
    """
    on_call = team.on_call
    if on_call is None or not on_call.members:
        return []
    members = list(on_call.members)
    a, b = on_call.pieces[:, 0], on_call.pieces[:, 1]
    week = on_call.weeks
    present = np.array([_free_of(plans[m].absent, a, b) for m in members])
    holder = np.full(len(a), -1)
    for k in range(len(members)):
        slot = (week + k) % len(members)
        take = (holder < 0) & present[slot, np.arange(len(a))]
        holder[take] = np.array(members)[slot[take]]
    held = holder >= 0
    a, b, holder = a[held], b[held], holder[held]
    # Pieces that follow each other with the same holder make one stretch of duty.
    first = np.ones(len(a), dtype=bool)
    first[1:] = (holder[1:] != holder[:-1]) | (np.abs(b[:-1] - a[1:]) >= 1e-9)
    last = np.append(first[1:], True)
    return [RotaShift(start, end, person)
            for start, end, person in zip(a[first].tolist(), b[last].tolist(), holder[first].tolist())]


def _free_of(absent: Intervals, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each ``[a, b)``, True if it meets none of the absence intervals."""
    if len(absent) == 0:
        return np.ones(len(a), dtype=bool)
    i = np.searchsorted(absent[:, 1], a, side="right")
    meets = (i < len(absent)) & (absent[np.minimum(i, len(absent) - 1), 0] < b)
    return ~meets


class Staffing:
    """Each team's staffing (who is present when) and on-call rota in one replication, drawn once from the
    replication's streams and shared by every scenario of it: a team is the same people under every option."""

    def __init__(self, calendar: CalendarPlan, streams: Streams) -> None:
        self.calendar = calendar
        self.streams = streams
        self._drawn: dict[str, tuple[list[PersonPlan], list[RotaShift]]] = {}

    def of(self, team: TeamPlan) -> tuple[list[PersonPlan], list[RotaShift]]:
        """The team's people and rota, drawn on first use."""
        if team.name not in self._drawn:
            plans = plan_team(team, self.calendar, self.streams)
            self._drawn[team.name] = (plans, on_call_rota(team, plans))
        return self._drawn[team.name]

    def people(self, team: TeamPlan) -> list[PersonPlan]:
        """The team's people (drawn on first use)."""
        return self.of(team)[0]
