"""What one replication of a scenario leaves behind: per-incident times, each team's stretches of work,
call-outs and the hours booked from them. The engine (:mod:`simulation.engine`) writes these records; the
measurements (:mod:`simulation.metrics`) read them."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from itertools import chain
from math import inf
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from .incidents import Load
    from .plan import ScenarioPlan, TeamPlan
    from .staffing import PersonPlan, RotaShift


NOBODY, TEAM, PROVIDER, SUPPORT = 0, 1, 2, 3
"""Who restored an incident: handler codes kept per incident."""


class Callout(NamedTuple):
    """An on-call engineer woken for an incident."""

    time: float
    person: int
    incident: int


class Stretch(NamedTuple):
    """A stretch of time one person spent in some way (overtime, work on call)."""

    person: int
    start: float
    end: float


class Work(NamedTuple):
    """A stretch of work by one person on one incident: assigned (the person is taken from then on,
    a call-out delay included), started, and stopped (restored, pre-empted, handed over or cancelled)."""

    person: int
    incident: int
    assigned: float
    start: float
    end: float
    on_call: bool


_as_work = partial(tuple.__new__, Work)
"""A :class:`Work` from a plain tuple of its fields (``Work._make`` without its checks: C calls only)."""


class WorkLog(Sequence[Work]):
    """Every stretch of work of a desk, kept as plain tuples while the run goes (a :class:`Work` is made
    only when one is read): recording a stretch is one append on the hot path."""

    __slots__ = ("_raw",)

    def __init__(self, raw: list[tuple[int, int, float, float, float, bool]]) -> None:
        self._raw = raw

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return list(map(_as_work, self._raw[i]))
        return _as_work(self._raw[i])

    def __iter__(self) -> Iterator[Work]:
        return map(_as_work, self._raw)

    def rows(self, stop: int | None = None) -> list[tuple[int, int, float, float, float, bool]]:
        """The first ``stop`` stretches (all by default) as plain tuples of :class:`Work`'s fields."""
        return self._raw[:stop]

    def table(self, stop: int | None = None) -> np.ndarray:
        """The first ``stop`` stretches (all by default) as an (n, 6) float array, columns in :class:`Work`'s
        order: what a measurement reads without making a :class:`Work` per stretch."""
        rows = self._raw[:stop]
        return np.fromiter(chain.from_iterable(rows), dtype=float, count=6 * len(rows)).reshape(-1, 6)


class _Booking(NamedTuple):
    """Hours of a team's work booked after the run from its work log."""

    shift_work: np.ndarray
    call_work: np.ndarray
    overtime: list[Stretch]
    interventions: list[Stretch]


@dataclass
class TeamRun:
    """What happened to an internal team in one replication.

    Hours on shift, on call and overtime are booked after the run from the work log (:meth:`_book`),
    not while it goes: they only need each stretch's ends and the person's shifts."""

    name: str
    team: TeamPlan
    plans: list[PersonPlan]
    rota: list[RotaShift]
    callouts: list[Callout]
    work: WorkLog
    """Every stretch of work, in the order it stopped; those still running at the end last."""
    stopped: int
    """The stretches that stopped before the end of the run (the first ``stopped`` of :attr:`work`)."""
    backlog: int
    active_until: float
    """The team runs until this time (the end of a transition when it is only the previous option)."""

    @property
    def shift_work(self) -> np.ndarray:
        """Hours each person worked on shift (stretches that stopped before the end)."""
        return self._book.shift_work

    @property
    def call_work(self) -> np.ndarray:
        """Hours each person worked on call."""
        return self._book.call_work

    @property
    def overtime(self) -> list[Stretch]:
        """Every stretch of overtime, in the order the work stopped."""
        return self._book.overtime

    @property
    def interventions(self) -> list[Stretch]:
        """Every stretch of work done on call, in the order it stopped."""
        return self._book.interventions

    @cached_property
    def _book(self) -> _Booking:
        """Book each stopped stretch: on call, on shift, or overtime where it runs past the shift's end
        (parts of more than 1e-9 h outside every shift). A stretch within one shift (the common case) is
        told apart in one vectorised pass; only the others are split. Sums run in the order the work
        stopped, as the run used to add them."""
        people = len(self.plans)
        raw = self.work.rows(self.stopped)
        table = self.work.table(self.stopped)
        person = table[:, 0].astype(np.intp)
        start, end, on_call = table[:, 3], table[:, 4], table[:, 5] != 0
        worked = end > start
        hours = end - start
        call = worked & on_call
        inside = np.zeros(len(raw), dtype=bool)
        for i, plan in enumerate(self.plans):
            mine = np.flatnonzero((person == i) & worked & ~on_call)
            if not len(mine):
                continue
            starts, ends = plan.on_shift[:, 0], plan.on_shift[:, 1]
            k = np.searchsorted(starts, start[mine], side="right") - 1
            ok = k >= 0
            shift_end = np.where(ok, ends[np.maximum(k, 0)], -inf)
            inside[mine] = ok & (start[mine] < shift_end) & (end[mine] <= shift_end)
        shift_hours = np.where(worked & ~on_call, hours, 0.0)
        overtime: list[Stretch] = []
        shifts: dict[int, tuple[list[float], list[float]]] = {}
        for j in np.flatnonzero(worked & ~on_call & ~inside).tolist():
            index, _, _, begin, now, _ = raw[j]
            if index not in shifts:
                on_shift = self.plans[index].on_shift
                shifts[index] = on_shift[:, 0].tolist(), on_shift[:, 1].tolist()
            extra = 0.0
            for a, b in _off_shift(*shifts[index], begin, now):
                if b - a > 1e-9:
                    overtime.append(Stretch(index, a, b))
                    extra += b - a
            shift_hours[j] = now - begin - extra
        interventions = [Stretch(raw[j][0], raw[j][3], raw[j][4]) for j in np.flatnonzero(call).tolist()]
        return _Booking(
            shift_work=np.bincount(person, weights=shift_hours, minlength=people)[:people],
            call_work=np.bincount(person, weights=np.where(call, hours, 0.0), minlength=people)[:people],
            overtime=overtime, interventions=interventions,
        )


@dataclass
class ScenarioRun:
    """Raw outcome of one scenario in one replication: per-incident times and per-team records."""

    scenario: ScenarioPlan
    load: Load
    started: np.ndarray
    """When somebody first started work on each incident (NaN if never)."""
    restored: np.ndarray
    """When each incident was restored (NaN if still open at the horizon)."""
    handled: np.ndarray
    """Whether each incident exists under this scenario (SaaS and high availability remove some)."""
    teams: dict[str, TeamRun]
    horizon: float
    by: np.ndarray
    """Who restored each incident: NOBODY, TEAM, PROVIDER or SUPPORT."""
    escalated: np.ndarray
    """Incidents escalated from the team to the provider (hybrid)."""
    planned: dict[str, np.ndarray]
    """Planned downtime of changes still in force, per service."""
    platform_outages: dict[str, np.ndarray]
    """SaaS platform outages per service (empty for other options)."""
    maintenance: dict[str, np.ndarray]
    """SaaS scheduled maintenance per service (excluded from the SLA)."""


def _off_shift(starts: list[float], ends: list[float], begin: float, end: float) -> list[tuple[float, float]]:
    """The parts of ``[begin, end)`` outside the shifts ``[starts[i], ends[i])``."""
    parts = []
    cursor = begin
    i = max(0, bisect_right(starts, begin) - 1)
    while i < len(starts) and starts[i] < end:
        if ends[i] > cursor:
            if starts[i] > cursor:
                parts.append((cursor, starts[i]))
            cursor = max(cursor, ends[i])
        i += 1
    if cursor < end:
        parts.append((cursor, end))
    return parts
