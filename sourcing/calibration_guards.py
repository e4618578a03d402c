"""What a ticket history says beside its rates and repair times, and what guards the file written from it:
the time spent waiting for users and suppliers, a change of level inside the history, the country whose
public holidays the history dips on, the people who worked the tickets, the share of a service each
priority takes down, a trend that a filter creates, and a repair-time sample that no two-parameter family
fits.

Each returns figures (typed records); the sentences are the catalogue's (``calibrate.*``)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from .model import PRIORITIES
from .regression import poisson_regression

ALPHA = 0.05
SHIFT_FACTOR = 1.2
"""Smallest change of level (a factor either way) reported as a level shift: smaller ones matter less than
the estimates' own uncertainty."""
MIN_STABLE_WEEKS = 8
"""Fewest weeks after a level shift for the file to be calibrated on them alone."""
MIN_SHIFT_WEEKS = 4
"""Fewest weeks on either side of a level shift for it to be tested."""
COUNTRY_MARGIN = 10.0
"""How much better (likelihood-ratio statistic) another country's holidays must explain the history's dips for
it to be suggested: about the 0.2 % level of a chi-square with one degree of freedom."""
DEGRADED = 0.3
"""Share of a service a 'medium' impact takes away (the scenario files' default ``p2_impact``)."""
MIN_IMPACTS = 5
"""Fewest tickets of a priority with a readable impact to write its impact from the export."""


class Waiting(NamedTuple):
    """Time resolved tickets of one priority spent in pending states (the SLA clock paused)."""

    priority: str
    resolved: int
    waited: int
    """Tickets with at least one pending spell."""
    pending_hours: float
    elapsed_hours: float

    @property
    def share(self) -> float:
        """Share of the elapsed time (resolved - opened) spent pending."""
        return self.pending_hours / self.elapsed_hours if self.elapsed_hours > 0 else 0.0


def waiting_by_priority(tickets: pd.DataFrame, elapsed: pd.Series) -> tuple[Waiting, ...]:
    """Per priority and for all ('all'), the pending time of resolved tickets against their elapsed time."""
    resolved = tickets["resolved"].notna() & tickets["pending"].notna()
    out = []
    for p in (*PRIORITIES, "all"):
        mask = resolved & ((tickets["priority"] == p) if p != "all" else True)
        out.append(Waiting(p, int(mask.sum()), int((tickets["pending"][mask] > 0).sum()),
                           float(tickets["pending"][mask].sum()), float(elapsed[mask].sum())))
    return tuple(out)


# --------------------------------------------------------------------------- level shifts


class LevelShift(NamedTuple):
    """The largest change of level of the incident rate or of the times to restore inside the history: where,
    how large, and how sure (a CUSUM test against its Kolmogorov distribution, the variance taken from
    week-to-week differences so that bursts and the shift itself do not hide it)."""

    kind: str
    """'rates' or 'repair'."""
    at: pd.Timestamp
    """The first day of the new level."""
    before: float
    after: float
    """Incidents per week of an average profile ('rates'), or median time to restore in hours ('repair')."""
    p_value: float
    weeks: int

    @property
    def factor(self) -> float:
        return self.after / self.before if self.before > 0 else float("inf")

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA and max(self.factor, 1 / max(self.factor, 1e-12)) >= SHIFT_FACTOR


def _cusum(values: np.ndarray, expected: np.ndarray, variance: np.ndarray) -> tuple[int, float]:
    """Where the cumulative sum of ``values - expected`` peaks (the index of the first value after the peak)
    and the peak's p-value under a constant level."""
    centred = values - expected
    scaled = centred / np.sqrt(np.maximum(variance, 1e-12))
    dispersion = max(1.0, float(np.mean(np.diff(scaled) ** 2) / 2)) if len(values) > 2 else 1.0
    path = np.cumsum(centred)[:-1]
    inner = np.arange(MIN_SHIFT_WEEKS - 1, len(values) - MIN_SHIFT_WEEKS)
    if not len(inner):
        return 0, 1.0
    k = int(inner[np.argmax(np.abs(path[inner]))])
    statistic = abs(path[k]) / np.sqrt(dispersion * variance.sum())
    return k + 1, float(stats.kstwobign.sf(statistic))


def rate_shift(weeks: pd.DataFrame) -> LevelShift | None:
    """``weeks``: ``start`` (each week's first day), ``count`` and ``exposure`` (the profile's expected share of
    the volume): a change of level of the weekly incident rate."""
    if len(weeks) < 2 * MIN_SHIFT_WEEKS:
        return None
    count, exposure = weeks["count"].to_numpy(float), weeks["exposure"].to_numpy(float)
    expected = exposure * count.sum() / exposure.sum()
    k, p_value = _cusum(count, expected, expected)
    before = count[:k].sum() / exposure[:k].sum() * exposure.mean()
    after = count[k:].sum() / exposure[k:].sum() * exposure.mean()
    return LevelShift("rates", weeks["start"].iloc[k], float(before), float(after), p_value, len(weeks))


def repair_shift(opened: pd.Series, hours: pd.Series, priority: pd.Series) -> LevelShift | None:
    """A change of level of the times to restore, each ticket's time ranked within its priority (a mix that
    changes does not count), tested on weekly sums of the ranks."""
    frame = pd.DataFrame({"opened": opened.to_numpy(), "hours": hours.to_numpy(), "priority": priority.to_numpy()})
    frame = frame.dropna()
    if len(frame) < 50:
        return None
    frame["u"] = frame.groupby("priority", observed=True)["hours"].rank(pct=True) - 0.5
    frame["week"] = frame["opened"].dt.to_period("W-SUN").dt.start_time
    weeks = frame.groupby("week").agg(total=("u", "sum"), n=("u", "size"))
    if len(weeks) < 2 * MIN_SHIFT_WEEKS:
        return None
    k, p_value = _cusum(weeks["total"].to_numpy(), np.zeros(len(weeks)), weeks["n"].to_numpy() / 12)
    at = weeks.index[k]
    early, late = frame[frame["week"] < at], frame[frame["week"] >= at]
    return LevelShift("repair", at, float(early["hours"].median()), float(late["hours"].median()), p_value,
                      len(weeks))


def stable_start(shifts: tuple[LevelShift, ...], end: pd.Timestamp) -> pd.Timestamp | None:
    """The first day of the recent stable period: after the latest significant level shift, when at least
    :data:`MIN_STABLE_WEEKS` weeks follow it."""
    found = [s.at for s in shifts if s.significant]
    if not found:
        return None
    at = max(found)
    return at if (end - at) >= pd.Timedelta(weeks=MIN_STABLE_WEEKS) else None


# --------------------------------------------------------------------------- public holidays


class CountryCheck(NamedTuple):
    """How well the public holidays of the country given and of the best other country explain the dips of
    the history's weekday counts (likelihood-ratio statistics of one common dip on those days)."""

    given: str | None
    given_score: float
    best: str | None
    best_score: float
    best_dip: float
    """Counts on the best country's weekday holidays against an ordinary such day (0.2: four fifths fewer)."""
    holidays: int
    """Weekday holidays of the best country inside the history."""

    @property
    def suggest(self) -> bool:
        return self.best is not None and self.best != self.given and self.best_score > self.given_score + COUNTRY_MARGIN


@lru_cache(maxsize=8)
def _holiday_days(years: tuple[int, ...]) -> dict[str, np.ndarray]:
    import holidays

    out = {}
    for code in holidays.list_supported_countries(include_aliases=False):
        try:
            days = holidays.country_holidays(code, years=years)
        except (NotImplementedError, KeyError):  # a code the library lists but cannot build without a subdivision
            continue
        out[code] = np.array(sorted(days), dtype="datetime64[D]")
    return out


def country_check(opened: pd.Series, given: str | None) -> CountryCheck | None:
    """Compare the history's weekday dips with every country's public holidays (the ``holidays`` library)."""
    days = opened.dt.normalize().value_counts()
    if days.empty:
        return None
    calendar = pd.date_range(days.index.min(), days.index.max(), freq="D")
    if len(calendar) < 28:
        return None
    counts = days.reindex(calendar, fill_value=0).astype(float)
    frame = pd.DataFrame({"count": counts.to_numpy(), "weekday": calendar.day_of_week}, index=calendar)
    baseline = frame.groupby("weekday")["count"].transform(
        lambda c: c.rolling(9, center=True, min_periods=5).median())
    usable = (frame["weekday"] < 5) & (baseline >= 5)
    stamps = calendar[usable.to_numpy()].to_numpy().astype("datetime64[D]")
    count, base = frame["count"][usable].to_numpy(), baseline[usable].to_numpy()
    if not len(stamps):
        return None

    def score(holiday_days: np.ndarray) -> tuple[float, float, int]:
        on = np.isin(stamps, holiday_days)
        c, b = count[on].sum(), base[on].sum()
        if not on.any() or b <= 0 or c >= b:
            return 0.0, 1.0, int(on.sum())
        return 2 * (c * np.log(max(c, 1e-9) / b) - (c - b)), c / b, int(on.sum())

    table = _holiday_days(tuple(range(calendar[0].year, calendar[-1].year + 1)))
    scores = {code: score(days_of) for code, days_of in table.items()}
    best = max(scores, key=lambda code: (scores[code][0], code == given))
    given_score = scores[given][0] if given in scores else 0.0
    return CountryCheck(given, given_score, best, scores[best][0], scores[best][1], scores[best][2])


# --------------------------------------------------------------------------- the team


class TeamEstimate(NamedTuple):
    """Who worked the tickets: people resolving tickets in a typical week of the period."""

    people: int
    """The placeholder's size: the median effective number of resolvers per week (by their share of the
    week's tickets: a helper resolving one ticket in a hundred barely counts)."""
    distinct: float
    """Median of distinct resolvers per week."""
    effective: float
    everyone: int
    """Distinct resolvers over the whole period."""
    weeks: int
    column: str


def team_estimate(tickets: pd.DataFrame, column: str | None) -> TeamEstimate | None:
    """People active per week from the resolver (or latest assignee) of the resolved tickets."""
    if column is None or "resolver" not in tickets or tickets["resolver"].isna().all():
        return None
    done = tickets[tickets["resolved"].notna() & tickets["resolver"].notna()]
    if done.empty:
        return None
    week = done["resolved"].dt.to_period("W-SUN")
    counts = done.groupby([week, done["resolver"]]).size()
    per_week = counts.groupby(level=0)
    totals = per_week.sum()
    busy = totals[totals >= 10].index
    if not len(busy):
        busy = totals.index
    shares = counts / counts.groupby(level=0).transform("sum")
    entropy = -(shares * np.log(shares)).groupby(level=0).sum()
    effective = float(np.median(np.exp(entropy.loc[busy])))
    distinct = float(np.median(per_week.size().loc[busy]))
    return TeamEstimate(max(1, round(effective)), distinct, effective, int(done["resolver"].nunique()), len(busy),
                        column)


# --------------------------------------------------------------------------- impact


class Impact(NamedTuple):
    """The share of a service one priority's incidents take down, and where it comes from."""

    priority: str
    value: float
    known: int
    """Tickets of the priority whose impact the export gives (0: the value is an assumption)."""
    labels: dict[str, int]
    """The export's impact labels of the priority and how many tickets have each."""


_HIGH = re.compile(r"\b(?:high|haut|haute|critical|critique|extensive|widespread|major|majeur|majeure|total)\b", re.I)
_MEDIUM = re.compile(r"\b(?:medium|moyen|moyenne|moderate|mod[ée]r[ée]|significant|large|partial|partiel)\b", re.I)
_LOW = re.compile(r"\b(?:low|bas|basse|minor|mineur|mineure|localized|localised|individual|user)\b", re.I)


def impact_share(label: str, kind: str) -> float | None:
    """The share of the service an impact label takes away: high 100 %, medium :data:`DEGRADED`, low one user
    (0), None when unreadable. Numbered labels (ServiceNow '1 - High') read 1 as high; GLPI's numbers run the
    other way and are read by their words only."""
    text = str(label).strip()
    if re.search(r"tr[eè]s\s+bas", text, re.I):
        return 0.0
    for pattern, share in ((_HIGH, 1.0), (_MEDIUM, DEGRADED), (_LOW, 0.0)):
        if pattern.search(text):
            return share
    number = re.match(r"^\s*(\d)\b", text)
    if number and kind != "glpi":
        return {"1": 1.0, "2": DEGRADED, "3": 0.0}.get(number.group(1))
    return None


def impacts(tickets: pd.DataFrame, kind: str) -> tuple[Impact, ...]:
    """P1's and P2's share of the service lost while open: the mean of their tickets' impacts when the export
    has an impact column, otherwise the scenario files' assumptions (100 % and :data:`DEGRADED`)."""
    out = []
    for p, default in (("P1", 1.0), ("P2", DEGRADED)):
        labels = tickets.loc[tickets["priority"] == p, "impact"].dropna().astype(str)
        shares = labels.map(lambda label: impact_share(label, kind)).dropna()
        counts = {str(k): int(v) for k, v in labels.value_counts().items()}
        if len(shares) >= MIN_IMPACTS:
            out.append(Impact(p, float(shares.mean()), len(shares), counts))
        else:
            out.append(Impact(p, default, 0, counts))
    return tuple(out)


# --------------------------------------------------------------------------- shapes


class Bimodal(NamedTuple):
    """Two lognormal components fitted to times to restore (a Gaussian mixture of their logarithms)."""

    weight: float
    """Share of the faster component."""
    medians: tuple[float, float]
    separation: float
    """Ashman's D: above 2, the two bumps are apart."""
    bic_gain: float
    """BIC of one lognormal less that of the mixture: above 10, the mixture is clearly better."""

    @property
    def bimodal(self) -> bool:
        return self.bic_gain > 10 and self.separation > 2 and min(self.weight, 1 - self.weight) > 0.05


SHAPE_SAMPLE = 5_000
"""Largest sample the two-bump test runs on (a fixed random subset)."""


def _normal(x: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))


def two_bumps(hours: np.ndarray, iterations: int = 200) -> Bimodal | None:
    """A two-component Gaussian mixture of log times by expectation-maximisation (started at the quartiles)."""
    x = np.log(hours[hours > 0])
    if len(x) > SHAPE_SAMPLE:
        x = np.random.default_rng(0).choice(x, SHAPE_SAMPLE, replace=False)
    if len(x) < 50 or np.std(x) == 0:
        return None
    mu = np.quantile(x, [0.25, 0.75])
    sigma = np.full(2, np.std(x) / 2 + 1e-6)
    w = np.array([0.5, 0.5])
    for _ in range(iterations):
        before = mu.copy()
        density = w * _normal(x[:, None], mu, sigma)
        total = density.sum(axis=1, keepdims=True)
        total[total == 0] = 1e-300
        resp = density / total
        n = resp.sum(axis=0)
        if np.any(n < 2):
            return None
        w = n / len(x)
        mu = (resp * x[:, None]).sum(axis=0) / n
        sigma = np.sqrt((resp * (x[:, None] - mu) ** 2).sum(axis=0) / n) + 1e-6
        if np.max(np.abs(mu - before)) < 1e-6:
            break
    mixture = np.sum(np.log(np.maximum((w * _normal(x[:, None], mu, sigma)).sum(axis=1), 1e-300)))
    single = np.sum(stats.norm.logpdf(x, x.mean(), x.std()))
    gain = (-2 * single + 2 * np.log(len(x))) - (-2 * mixture + 5 * np.log(len(x)))
    order = np.argsort(mu)
    separation = float(abs(mu[1] - mu[0]) * np.sqrt(2) / np.sqrt(sigma[0] ** 2 + sigma[1] ** 2))
    return Bimodal(float(w[order[0]]), (float(np.exp(mu[order[0]])), float(np.exp(mu[order[1]]))), separation,
                   float(gain))


# --------------------------------------------------------------------------- a filter's own trend


class FilterTrend(NamedTuple):
    """Whether the share of the export's incidents a filter keeps changes over time (then a trend of the
    subset is the filter's, not the service's)."""

    growth: float
    """Change of the kept share per year (0.1: ten percent more of the export each year)."""
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA


def filter_trend(kept: pd.Series, everything: pd.Series) -> FilterTrend | None:
    """Quasi-Poisson regression of the weekly kept counts on time, the export's weekly counts as exposure."""

    weeks_all = everything.dt.to_period("W-SUN").value_counts().sort_index()
    weeks_kept = kept.dt.to_period("W-SUN").value_counts().reindex(weeks_all.index, fill_value=0)
    usable = weeks_all > 0
    y, total = weeks_kept[usable].to_numpy(float), weeks_all[usable].to_numpy(float)
    if len(y) < 4 or y.sum() == 0:
        return None
    years = (np.arange(len(y)) - (len(y) - 1) / 2) * 7 / 365.25
    full = poisson_regression(np.column_stack([np.ones(len(y)), years]), y, np.log(total))
    flat = poisson_regression(np.ones((len(y), 1)), y, np.log(total))
    dispersion = max(1.0, full.pearson / max(len(y) - 2, 1))
    statistic = max(flat.deviance - full.deviance, 0.0) / dispersion
    return FilterTrend(float(np.expm1(full.coefficients[1])), float(stats.chi2.sf(statistic, 1)))
