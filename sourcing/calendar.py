"""Calendar arithmetic: coverage windows, public holidays and covered hours.

Simulation time is measured in real elapsed hours since the scenario's start (local
midnight of the start date). Windows are written in local wall-clock time, so business
hours stay 08:00-18:00 across daylight-saving changes. A window is compiled once per
calendar into sorted, disjoint intervals of simulation time; the cumulative covered-time
function over them is piecewise linear, which makes both "add N covered hours" and
"covered time between two instants" exact and fast.

Every local time becomes an instant through one rule, :func:`wall_clock`: a time the clock
skips is taken when the clock resumes, a time it shows twice at its first occurrence.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import numpy as np
import pandas as pd

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_INDEX = {name.lower(): i for i, name in enumerate(DAY_NAMES)}
_RULE = re.compile(
    r"^\s*(?P<days>[A-Za-z]{3}(?:\s*[-,]\s*[A-Za-z]{3})*|daily)\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})(?P<next>\s*\+1)?\s*$"
)


@dataclass(frozen=True)
class WeeklyRule:
    """Open from ``start`` to ``end`` minutes after local midnight on each day in ``days``.

    ``end`` may exceed 1440 for a period that ends the next day (a night shift).
    """

    days: frozenset[int]
    start: int
    end: int


@dataclass(frozen=True)
class Window:
    """A coverage window: weekly rules, whether public holidays are open, or the complement of another.

    ``holidays_open`` left to None takes the least surprising reading: a window whose rules run on all
    seven days (``daily 22:00-06:00+1``, ``Mon-Sun ...``) runs on public holidays too; a window of some
    days only (``Mon-Fri 08:00-18:00``) is closed on them, as business hours are.
    """

    label: str
    rules: tuple[WeeklyRule, ...] = ()
    holidays_open: bool | None = None
    complement_of: Window | None = None

    def __post_init__(self) -> None:
        if self.holidays_open is None:
            object.__setattr__(self, "holidays_open", every_day(self.rules))

    @property
    def weekly_hours(self) -> float:
        """Covered hours in an ordinary week (no public holiday, no clock change)."""
        if self.complement_of is not None:
            return 168.0 - self.complement_of.weekly_hours
        minutes = np.zeros(8 * 1440, dtype=bool)
        for rule in self.rules:
            for day in rule.days:
                minutes[day * 1440 + rule.start: day * 1440 + rule.end] = True
        week = minutes[: 7 * 1440].copy()
        week[:1440] |= minutes[7 * 1440:]
        return float(week.sum()) / 60

    @property
    def always(self) -> bool:
        """True for a window open every hour of the year (24/7, holidays included)."""
        return self.complement_of is None and self.holidays_open and _covers_whole_week(self.rules)


def every_day(rules: tuple[WeeklyRule, ...]) -> bool:
    """True when the rules open the window on each of the seven days of the week."""
    return bool(rules) and set().union(*(rule.days for rule in rules)) == set(range(7))


def _covers_whole_week(rules: tuple[WeeklyRule, ...]) -> bool:
    minutes = np.zeros(7 * 1440 + 1440, dtype=bool)
    for rule in rules:
        for day in rule.days:
            minutes[day * 1440 + rule.start : day * 1440 + rule.end] = True
    week = minutes[: 7 * 1440].copy()
    week[: 1440] |= minutes[7 * 1440 :]
    return bool(week.all())


def _parse_days(text: str) -> frozenset[int]:
    text = text.strip()
    if text.lower() == "daily":
        return frozenset(range(7))
    days: set[int] = set()
    for part in re.split(r"\s*,\s*", text):
        bounds = re.split(r"\s*-\s*", part)
        for name in bounds:
            if name.lower() not in _DAY_INDEX:
                raise ValueError(f"'{name}' is not a day: use Mon, Tue, Wed, Thu, Fri, Sat, Sun")
        bounds = [name.lower() for name in bounds]
        if len(bounds) == 1:
            days.add(_DAY_INDEX[bounds[0]])
        elif len(bounds) == 2:
            first, last = _DAY_INDEX[bounds[0]], _DAY_INDEX[bounds[1]]
            span = (last - first) % 7
            days.update((first + k) % 7 for k in range(span + 1))
        else:
            raise ValueError(f"'{part}' is not a day range: write e.g. Mon-Fri")
    return frozenset(days)


def _parse_clock(text: str) -> int:
    hours, minutes = (int(x) for x in text.split(":"))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"'{text}' is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def parse_rule(text: str) -> WeeklyRule:
    """Parse ``Mon-Fri 08:00-18:00``; a period ending the next day is written ``22:00-06:00+1``."""
    match = _RULE.match(text)
    if not match:
        raise ValueError(
            f"'{text}' is not a coverage rule: write days and hours such as "
            "'Mon-Fri 08:00-18:00', 'Sat 09:00-12:00' or 'daily 22:00-06:00+1'"
        )
    days = _parse_days(match.group("days"))
    start = _parse_clock(match.group("start"))
    end = _parse_clock(match.group("end"))
    if start == 1440:
        raise ValueError(f"'{text}' starts at 24:00: write 00:00 on the next day")
    if match.group("next"):
        end += 1440
        if end - start > 1440:
            raise ValueError(f"'{text}' lasts more than 24 hours")
    elif end <= start:
        raise ValueError(
            f"'{text}' ends before it starts: for a period that ends the next day write e.g. "
            f"'{match.group('days')} {match.group('start')}-{match.group('end')}+1'"
        )
    return WeeklyRule(days=days, start=start, end=end)


MAX_RULES = 50
"""Most rules in one coverage window."""
MAX_RULES_TEXT = 2_000
"""Longest text of one coverage window."""


def parse_rules(text: str | Iterable[str]) -> tuple[WeeklyRule, ...]:
    """Parse rules separated by ``;`` (or given as a list)."""
    parts = [p for p in text.split(";")] if isinstance(text, str) else list(text)
    if sum(len(str(p)) for p in parts) > MAX_RULES_TEXT:
        raise ValueError(f"a coverage window is written in at most {MAX_RULES_TEXT} characters, "
                         "e.g. 'Mon-Fri 08:00-18:00; Sat 09:00-12:00'")
    parts = [p for p in (str(p).strip() for p in parts) if p]
    if not parts:
        raise ValueError("a coverage window needs at least one rule such as 'Mon-Fri 08:00-18:00'")
    if len(parts) > MAX_RULES:
        raise ValueError(f"a coverage window has at most {MAX_RULES} rules, not {len(parts)}")
    return tuple(parse_rule(p) for p in parts)


WINDOW_24_7 = Window(label="24/7", rules=(WeeklyRule(frozenset(range(7)), 0, 1440),), holidays_open=True)
WINDOW_HO = Window(label="HO", rules=(WeeklyRule(frozenset(range(5)), 8 * 60, 18 * 60),), holidays_open=False)
WINDOW_HNO = Window(label="HNO", complement_of=WINDOW_HO)
BUILTIN_WINDOWS = {"24/7": WINDOW_24_7, "HO": WINDOW_HO, "HNO": WINDOW_HNO}
"""Windows every scenario knows: round the clock, business hours (Mon-Fri 08:00-18:00, closed
on public holidays) and their complement."""


def wall_clock(local: datetime, zone: tzinfo) -> datetime:
    """The instant (aware, in UTC) at which the clocks of ``zone`` show the naive ``local`` time.

    The one rule for the local times a clock change makes odd, for every local time of a scenario (windows,
    midnights, months, years) and of a ticket export: a time the clock skips (it jumps from 00:00 to 01:00,
    or over a whole day) is taken at the first instant after the gap, when the clock resumes; a time the
    clock shows twice (it goes back from 01:00 to 00:00) is taken at its first occurrence. A later local
    time never comes out before an earlier one, so no interval of local times is negative.
    """
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)  # fold 0: the earlier of a time shown twice
    if first.astimezone(zone).replace(tzinfo=None) == local:
        return first
    # A time in a gap: fold 0 reads it with the offset before the gap (an instant after it), fold 1 with the
    # offset after it (an instant before it). The gap ends in between, on a whole second, where the clock
    # first shows a time later than ``local``.
    before = math.floor(local.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    after = math.ceil(first.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) > local:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


def wall_clocks(local: pd.Series | pd.DatetimeIndex | np.ndarray, zone: str) -> pd.DatetimeIndex:
    """:func:`wall_clock` on many naive local times at once (NaT stays NaT), as a UTC index."""
    local = pd.DatetimeIndex(local)
    aware = local.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").tz_convert("UTC")
    odd = np.asarray(aware.isna() & local.notna())
    if not odd.any():
        return aware
    # Skipped and repeated times take the rule (pandas' own 'shift_forward' misplaces a skipped whole day).
    clock = ZoneInfo(zone)
    known = {stamp: wall_clock(stamp.to_pydatetime(), clock).replace(tzinfo=None) for stamp in local[odd].unique()}
    utc = aware.tz_localize(None).to_numpy(copy=True)
    utc[odd] = [np.datetime64(known[stamp]) for stamp in local[odd]]
    return pd.DatetimeIndex(utc).tz_localize("UTC")


@dataclass(frozen=True)
class Calendar:
    """Where and when a scenario lives: start date, horizon, time zone and public holidays."""

    start: date
    horizon_years: int
    time_zone: str = "Europe/Paris"
    country: str | None = "FR"
    subdivision: str | None = None
    extra_holidays: tuple[date, ...] = ()
    warm_up_days: int = 0
    """Days simulated before the start so that queues start in a typical state (never measured)."""
    margin_days: int = field(default=400, compare=False)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def origin(self) -> datetime:
        """The start instant, local midnight of the start date, as an aware UTC datetime."""
        return wall_clock(datetime.combine(self.start, time(0)), self.zone)

    @cached_property
    def end_date(self) -> date:
        return add_years(self.start, self.horizon_years)

    @cached_property
    def warm_up_start(self) -> float:
        """Simulation time at which the warm-up begins (zero without a warm-up, negative otherwise)."""
        return self.local(self.start - timedelta(days=self.warm_up_days), 0) if self.warm_up_days else 0.0

    @cached_property
    def horizon_hours(self) -> float:
        return self.local(self.end_date, 0)

    @cached_property
    def public_holidays(self) -> frozenset[date]:
        years = range(self.start.year - 1, self.end_date.year + 3)
        found: set[date] = set(self.extra_holidays)
        if self.country:
            found.update(holidays_lib.country_holidays(self.country, subdiv=self.subdivision, years=years))
        return frozenset(found)

    def hours_at(self, instant: datetime) -> float:
        """Simulation time (hours since the start) of a datetime: a naive one is a local time of the calendar's
        zone, read by :func:`wall_clock`; an aware one is taken as it is (its ``fold`` says which of a time
        shown twice), unless its wall-clock time was skipped, which :func:`wall_clock` reads too."""
        if instant.tzinfo is None:
            instant = wall_clock(instant, self.zone)
        elif instant.astimezone(UTC).astimezone(instant.tzinfo).replace(tzinfo=None) != instant.replace(tzinfo=None):
            instant = wall_clock(instant.replace(tzinfo=None), instant.tzinfo)
        return (instant - self.origin).total_seconds() / 3600

    def instant(self, hours: float) -> datetime:
        """Local aware datetime at a simulation time."""
        return (self.origin + timedelta(hours=float(hours))).astimezone(self.zone)

    def local(self, day: date, minutes: int) -> float:
        """Simulation time of a local wall-clock time, ``minutes`` after midnight of ``day`` (on the wall clock:
        ``day`` 18:00 is ``minutes=1080`` whatever the clocks did that night)."""
        naive = datetime.combine(day, time(0)) + timedelta(minutes=minutes)
        return (wall_clock(naive, self.zone) - self.origin).total_seconds() / 3600

    def local_hours(self, stamps: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
        """Simulation times of naive local times of the calendar's zone (NaT gives NaN), read by
        :func:`wall_clock`."""
        return (wall_clocks(stamps, self.time_zone) - pd.Timestamp(self.origin)).total_seconds().to_numpy() / 3600

    def schedule(self, window: Window) -> CoverageSchedule:
        """The window compiled over the horizon plus a margin (cached)."""
        return _compile(self, window)

    def add_covered_hours(self, instant: datetime, hours: float, window: Window) -> datetime:
        """The instant at which ``hours`` covered hours of ``window`` have elapsed after ``instant``."""
        end = self.schedule(window).add(self.hours_at(instant), hours)
        if end == float("inf"):
            raise ValueError(f"{hours:g} covered hours of {window.label} do not fit in the calendar")
        return self.instant(end)

    def covered_hours(self, begin: datetime, end: datetime, window: Window) -> float:
        """Covered hours of ``window`` between two instants."""
        return self.schedule(window).covered(self.hours_at(begin), self.hours_at(end))

    def year_bounds(self) -> np.ndarray:
        """Simulation times of the scenario's anniversaries: ``horizon_years + 1`` values."""
        return np.array([self.local(add_years(self.start, k), 0) for k in range(self.horizon_years + 1)])

    def month_bounds(self) -> np.ndarray:
        """Simulation times of the first day of each month from the start to the end of the horizon."""
        bounds = []
        day = self.start.replace(day=1)
        while day <= self.end_date:
            bounds.append(max(0.0, self.local(day, 0)))
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        if bounds[-1] < self.horizon_hours:
            bounds.append(self.horizon_hours)
        return np.unique(np.array(bounds))

    def midnights(self, first: date) -> np.ndarray:
        """Simulation times of every local midnight from ``first`` to the first one at or after the horizon, one
        per calendar day (a day the clock skips whole has the same midnight as the next)."""
        return self.local_hours(pd.date_range(first, self.end_date + timedelta(days=1), freq="D"))

    @cached_property
    def hour_of_week(self) -> np.ndarray:
        """For each whole simulation hour over the horizon, its local hour of the week (Mon 00h = 0),
        with public holidays mapped to Sunday's hours."""
        return self._hours_of_week(self.origin, int(np.ceil(self.horizon_hours)))

    @cached_property
    def warm_up_hour_of_week(self) -> np.ndarray:
        """As :attr:`hour_of_week`, for each whole hour of the warm-up (the first one starts at
        :attr:`warm_up_start`)."""
        return self._hours_of_week(self.origin + timedelta(hours=self.warm_up_start), int(np.ceil(-self.warm_up_start)))

    def _hours_of_week(self, first: datetime, n: int) -> np.ndarray:
        """The local hour of the week of ``n`` whole hours from ``first`` (public holidays take Sunday's)."""
        if n == 0:
            return np.zeros(0, dtype=np.int16)
        stamps = pd.date_range(first, periods=n, freq="h").tz_convert(self.time_zone)
        days = stamps.tz_localize(None).normalize().to_numpy().astype("datetime64[D]")
        on_holiday = np.isin(days, np.array(sorted(self.public_holidays), dtype="datetime64[D]"))
        weekday = np.where(on_holiday, 6, stamps.day_of_week.to_numpy())
        return (weekday * 24 + stamps.hour.to_numpy()).astype(np.int16)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True, eq=False)
class CoverageSchedule:
    """A window as sorted disjoint intervals ``[starts[i], ends[i])`` of simulation time."""

    starts: np.ndarray
    ends: np.ndarray
    limit: float

    @cached_property
    def _cum_start(self) -> np.ndarray:
        lengths = self.ends - self.starts
        return np.concatenate(([0.0], np.cumsum(lengths)[:-1])) if len(lengths) else np.zeros(0)

    @cached_property
    def _knots(self) -> tuple[np.ndarray, np.ndarray]:
        xs = np.empty(2 * len(self.starts))
        ys = np.empty_like(xs)
        xs[0::2], xs[1::2] = self.starts, self.ends
        ys[0::2], ys[1::2] = self._cum_start, self._cum_start + (self.ends - self.starts)
        return xs, ys

    @property
    def total(self) -> float:
        return float(np.sum(self.ends - self.starts))

    def cumulative(self, t: float | np.ndarray) -> np.ndarray | float:
        """Covered hours between time 0 and ``t`` (vectorised)."""
        xs, ys = self._knots
        if len(xs) == 0:
            return np.zeros_like(np.asarray(t, dtype=float)) if np.ndim(t) else 0.0
        if np.ndim(t) and np.size(t) == 0:
            return np.zeros(0)
        self._check(np.max(t) if np.ndim(t) else t)
        result = np.interp(t, xs, ys)
        return result if np.ndim(t) else float(result)

    def covered(self, begin: float, end: float) -> float:
        """Covered hours between two simulation times (zero if ``end <= begin``)."""
        if end <= begin:
            return 0.0
        return self.cumulative(end) - self.cumulative(begin)

    @cached_property
    def _lists(self) -> tuple[list[float], list[float], list[float]]:
        return self.starts.tolist(), self.ends.tolist(), self._cum_start.tolist()

    @cached_property
    def _cum_end(self) -> list[float]:
        return (self._cum_start + (self.ends - self.starts)).tolist()

    def add(self, t: float, hours: float) -> float:
        """The earliest time at which ``hours`` covered hours have elapsed after ``t`` (inf if that lies
        beyond the compiled calendar)."""
        if hours <= 0:
            return t
        starts, ends, cum = self._lists
        if not starts:
            return float("inf")
        self._check(t)
        i = bisect_right(starts, t) - 1
        before = 0.0 if i < 0 else cum[i] + min(t, ends[i]) - starts[i]
        target = before + hours
        j = bisect_left(self._cum_end, target - 1e-12)
        if j >= len(starts):
            return float("inf")  # beyond the compiled calendar (horizon + margin): never, as far as we can tell
        return max(t, starts[j] + (target - cum[j]))

    def add_many(self, t: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`add` (inf where the result lies beyond the compiled calendar)."""
        t = np.asarray(t, dtype=float)
        hours = np.asarray(hours, dtype=float)
        if len(self.starts) == 0:
            return np.where(hours <= 0, t, np.inf)
        target = self.cumulative(t) + hours
        cum_end = self._cum_start + (self.ends - self.starts)
        i = np.searchsorted(cum_end, target - 1e-12, side="left")
        inside = i < len(self.starts)
        j = np.minimum(i, len(self.starts) - 1)
        result = np.where(inside, self.starts[j] + (target - self._cum_start[j]), np.inf)
        return np.where(hours <= 0, t, np.maximum(t, result))

    def reach_many(self, t: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """When work that needs ``hours`` covered hours, taken at ``t``, is done by someone who works
        only inside the window: like :meth:`add_many`, but zero hours still wait for the window to open."""
        t = np.asarray(t, dtype=float)
        hours = np.asarray(hours, dtype=float)
        return np.where(hours > 0, self.add_many(t, hours), self.next_open_many(t))

    def reach(self, t: float, hours: float) -> float:
        """Scalar :meth:`reach_many`."""
        return self.add(t, hours) if hours > 0 else self.next_open(t)

    def next_open_many(self, t: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`next_open`."""
        t = np.asarray(t, dtype=float)
        if len(self.starts) == 0:
            return np.full(t.shape, np.inf)
        i = np.searchsorted(self.starts, t, side="right") - 1
        inside = (i >= 0) & (t < self.ends[np.maximum(i, 0)])
        following = np.where(i + 1 < len(self.starts), self.starts[np.minimum(i + 1, len(self.starts) - 1)], np.inf)
        return np.where(inside, t, following)

    def is_open_many(self, t: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`is_open`."""
        i = np.searchsorted(self.starts, t, side="right") - 1
        return (i >= 0) & (t < self.ends[np.maximum(i, 0)])

    def is_open(self, t: float) -> bool:
        starts, ends, _ = self._lists
        i = bisect_right(starts, t) - 1
        return i >= 0 and t < ends[i]

    def next_open(self, t: float) -> float:
        """``t`` if the window is open at ``t``, else the next opening (inf if none)."""
        i = int(np.searchsorted(self.starts, t, side="right")) - 1
        if i >= 0 and t < self.ends[i]:
            return t
        return float(self.starts[i + 1]) if i + 1 < len(self.starts) else float("inf")

    def intervals(self, begin: float = 0.0, end: float | None = None) -> list[tuple[float, float]]:
        """The open intervals clipped to ``[begin, end)``."""
        end = self.limit if end is None else end
        lo = int(np.searchsorted(self.ends, begin, side="right"))
        hi = int(np.searchsorted(self.starts, end, side="left"))
        return [(max(begin, float(s)), min(end, float(e))) for s, e in zip(self.starts[lo:hi], self.ends[lo:hi])]

    def _check(self, t: float) -> None:
        if t > self.limit + 1e-9:
            raise ValueError(f"hour {t:g} lies beyond the compiled calendar (up to hour {self.limit:g})")


def _merge(pairs: list[tuple[float, float]], limit: float, lower: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    pairs = sorted((max(lower, s), min(limit, e)) for s, e in pairs if e > lower and s < limit)
    starts: list[float] = []
    ends: list[float] = []
    for s, e in pairs:
        if e <= s:
            continue
        if ends and s <= ends[-1] + 1e-9:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return np.array(starts, dtype=float), np.array(ends, dtype=float)


@lru_cache(maxsize=256)
def _compile(calendar: Calendar, window: Window) -> CoverageSchedule:
    limit = calendar.local(calendar.end_date + timedelta(days=calendar.margin_days), 0)
    lower = calendar.warm_up_start
    if window.complement_of is not None:
        inner = _compile(calendar, window.complement_of)
        edges = np.concatenate(([lower], inner.ends))
        opens = np.concatenate((inner.starts, [limit]))
        starts, ends = _merge(list(zip(edges, opens)), limit, lower)
        return CoverageSchedule(starts, ends, limit)
    if window.always:
        return CoverageSchedule(np.array([lower]), np.array([limit]), limit)
    days = np.arange(np.datetime64(calendar.start - timedelta(days=calendar.warm_up_days + 1), "D"),
                     np.datetime64(calendar.end_date + timedelta(days=calendar.margin_days + 1), "D"))
    if not window.holidays_open:
        days = days[~np.isin(days, np.array(sorted(calendar.public_holidays), dtype="datetime64[D]"))]
    weekday = (days.astype(np.int64) + 3) % 7  # 1 January 1970 was a Thursday
    chosen = [days[np.isin(weekday, sorted(rule.days))] for rule in window.rules]
    opens = [day + np.timedelta64(rule.start, "m") for day, rule in zip(chosen, window.rules)]
    closes = [day + np.timedelta64(rule.end, "m") for day, rule in zip(chosen, window.rules)]
    hours = calendar.local_hours(np.concatenate(opens + closes))  # local wall-clock times, read in one pass
    half = len(hours) // 2
    starts, ends = _merge(list(zip(hours[:half], hours[half:])), limit, lower)
    return CoverageSchedule(starts, ends, limit)
