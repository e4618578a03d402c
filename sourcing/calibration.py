"""Estimates from a ticket history, each with its uncertainty: the incident load of a service (rates per
priority, trend, weekly profile, seasonality) and its times to restore (a distribution per priority).

Conventions: 95 % intervals throughout; times in hours; a month is 730.5 hours (as in scenario files).
Counts get exact Poisson (gamma) intervals and shares exact binomial (Clopper-Pearson) intervals. Trend and
seasonality come from Poisson regressions on weekly and monthly counts, with the weekly profile as exposure;
their tests are likelihood-ratio tests scaled by the counts' overdispersion (quasi-Poisson), because ticket
counts come in bursts (one outage, fifty tickets) and a plain Poisson test would call every wiggle significant.
Public holidays count as Sundays, as in the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from .calibration_guards import (
    Bimodal,
    CountryCheck,
    FilterTrend,
    Impact,
    LevelShift,
    TeamEstimate,
    Waiting,
    country_check,
    filter_trend,
    impacts,
    rate_shift,
    repair_shift,
    stable_start,
    team_estimate,
    two_bumps,
    waiting_by_priority,
)
from .model import PRIORITIES
from .notes import Note, Number, Share
from .regression import poisson_regression
from .scenario import WEEKLY_PROFILES, weekly_profile
from .tickets import History
from .units import HOURS_PER_MONTH, HOURS_PER_YEAR

CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE
MIN_FIT = 30
"""Fewest resolved tickets of a priority to fit a distribution; below, the fit is marked as too uncertain."""
MIN_QUANTILES = 5
"""Fewest resolved tickets of a priority to say anything of their times: below, a neighbour's fit is used."""
MIN_TREND_WEEKS = 26
"""Shortest history (whole weeks) whose trend is estimated: half a year, so that a few busy weeks, a season or
a backlog being cleared is not read as growth."""
EMPIRICAL_KS = 0.08
"""Above this Kolmogorov-Smirnov distance between the history and its best fitted family (or with two bumps),
the repair time is written as the history's table of quantiles."""
TABLE_PROBABILITIES = np.array([0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1])
"""Rows of a repair time written as a table of quantiles."""
CENSOR_QUANTILE = 0.95
"""Incidents opened in the last stretch of the export as long as this quantile of the times to restore are
left out of the repair-time sample: many of the long ones are not resolved yet, and the short ones alone
would shorten every quantile."""
MIN_SEASON_MONTHS = 24
"""Shortest history (whole months) whose seasonality is tested: each calendar month seen twice."""
FIT_SAMPLE = 20_000
"""Largest sample a distribution's parameters are fitted on (a fixed random subset; AIC and KS use all)."""
SPARSE_CELL = 20
"""Below this mean count per hour of the week, the 168 weights are smoothed over neighbouring hours."""
FAMILIES = {"lognormal": stats.lognorm, "gamma": stats.gamma, "weibull": stats.weibull_min,
            "exponential": stats.expon}


class Interval(NamedTuple):
    """An estimate with its 95 % interval."""

    value: float
    low: float
    high: float


class RateEstimate(NamedTuple):
    """Incidents of one priority: how many, and per month with its exact Poisson interval."""

    priority: str
    count: int
    per_month: Interval
    share: Interval


class Trend(NamedTuple):
    """Growth of the volume per year, its test, and how overdispersed weekly counts are."""

    growth: Interval | None
    p_value: float | None
    significant: bool
    dispersion: float
    weeks: int
    note: Note


class Profile(NamedTuple):
    """The weekly profile: 168 weights of mean 1 (Monday 00:00 first), and the named profiles beside it."""

    weights: np.ndarray
    raw: np.ndarray
    """Incidents per hour at each hour of the week before smoothing (mean 1)."""
    named: str | None
    """The named profile written when it fits the history (its test's p-value above 5 %)."""
    nearest: str
    p_values: dict[str, float]
    smoothed: bool


class Seasonality(NamedTuple):
    """Month-of-year factors (mean 1, January first) when tested, with the test."""

    factors: np.ndarray | None
    p_value: float | None
    significant: bool
    note: Note


class Fit(NamedTuple):
    """One family fitted to times to restore: scipy's parameters (location 0), AIC and Kolmogorov-Smirnov."""

    family: str
    params: tuple[float, ...]
    aic: float
    ks: float
    ks_p: float
    median: float
    p90: float
    mean: float

    def frozen(self):
        """The fitted scipy distribution."""
        return FAMILIES[self.family](*self.params)


class RepairFit(NamedTuple):
    """Times to restore of one priority: the sample, every family's fit, the one chosen, and its median
    and P90 with their bootstrap-free (order-statistic) intervals."""

    priority: str
    hours: np.ndarray
    fits: tuple[Fit, ...]
    best: Fit | None
    median: Interval | None
    p90: Interval | None
    note: Note
    borrowed: str | None = None
    """The priority whose fit stands in when this one has too few tickets."""
    bumps: Bimodal | None = None
    """Two lognormal components fitted to the sample (to tell a history with two bumps)."""

    @property
    def empirical(self) -> bool:
        """True when no family fits well enough: the history's own quantiles are written."""
        return (self.best is not None and not self.borrowed and len(self.hours) >= MIN_FIT
                and (self.best.ks > EMPIRICAL_KS or (self.bumps is not None and self.bumps.bimodal)))

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """The sample's quantiles at :data:`TABLE_PROBABILITIES` (probabilities, hours)."""
        return TABLE_PROBABILITIES, np.quantile(self.hours, TABLE_PROBABILITIES)


class ShareEstimate(NamedTuple):
    """A share with its exact binomial interval, from ``count`` of ``total``."""

    count: int
    total: int
    share: Interval


@dataclass(frozen=True)
class Calibration:
    """Everything estimated from a history."""

    history: History
    start: pd.Timestamp
    end: pd.Timestamp
    """The period observed: from the first opening's midnight to the midnight after the last."""
    months: float
    country: str | None
    per_month: Interval
    rates: tuple[RateEstimate, ...]
    trend: Trend
    profile: Profile
    seasonality: Seasonality
    repair: tuple[RepairFit, ...]
    reopened: ShareEstimate | None
    sla: dict[str, ShareEstimate]
    """Share of resolved tickets that made their SLA, per priority and 'all' (when the export says)."""
    warnings: tuple[Note, ...]
    service: str | None = None
    """The service this calibration is of (None: the whole export)."""
    waiting: tuple[Waiting, ...] = ()
    """Time in pending states per priority and 'all' (empty when the export has no state history)."""
    shifts: tuple[LevelShift, ...] = ()
    """Changes of level tested inside the whole history (rates, repair times)."""
    since: pd.Timestamp | None = None
    """First day of the recent stable period the estimates are made on (None: the whole history)."""
    history_start: pd.Timestamp | None = None
    history_end: pd.Timestamp | None = None
    """The whole history's first day and the midnight after its last opening."""
    censored_after: pd.Timestamp | None = None
    """Incidents opened from this instant on are left out of the repair times (not all resolved yet)."""
    team: TeamEstimate | None = None
    country_check: CountryCheck | None = None
    impacts: tuple[Impact, ...] = ()
    filter_trend: FilterTrend | None = None
    """Whether the share of the export a filter (``--group``) keeps changes over time."""
    tickets: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    """The incidents estimated on (the stable period), with their ``elapsed`` and paused ``ttr`` hours."""
    @property
    def incidents(self) -> int:
        return int(sum(r.count for r in self.rates))

    def repair_for(self, priority: str) -> RepairFit:
        return self.repair[PRIORITIES.index(priority)]


# --------------------------------------------------------------------------- small statistics


def poisson_interval(count: int, exposure: float) -> Interval:
    """Exact (Garwood) interval of a Poisson rate: ``count`` events over ``exposure``."""
    low = stats.gamma.ppf(ALPHA / 2, count) / exposure if count > 0 else 0.0
    high = stats.gamma.ppf(1 - ALPHA / 2, count + 1) / exposure
    return Interval(count / exposure, float(low), float(high))


def binomial_interval(count: int, total: int) -> Interval:
    """Exact (Clopper-Pearson) interval of a share."""
    low = stats.beta.ppf(ALPHA / 2, count, total - count + 1) if count > 0 else 0.0
    high = stats.beta.ppf(1 - ALPHA / 2, count + 1, total - count) if count < total else 1.0
    return Interval(count / total, float(low), float(high))


def quantile_interval(sorted_hours: np.ndarray, q: float) -> Interval:
    """A sample quantile with its distribution-free interval from order statistics (binomial ranks)."""
    n = len(sorted_hours)
    low_rank = int(stats.binom.ppf(ALPHA / 2, n, q))
    high_rank = min(n - 1, int(stats.binom.ppf(1 - ALPHA / 2, n, q)))
    return Interval(float(np.quantile(sorted_hours, q)), float(sorted_hours[max(low_rank - 1, 0)]),
                    float(sorted_hours[high_rank]))


# --------------------------------------------------------------------------- the calendar of the history


def _holidays(country: str | None, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    if country is None:
        return np.array([], dtype="datetime64[D]")
    import holidays

    days = holidays.country_holidays(country, years=range(start.year, end.year + 1))
    return np.array(sorted(days), dtype="datetime64[D]")


def hour_of_week(instants: pd.Series | pd.DatetimeIndex, holidays: np.ndarray) -> np.ndarray:
    """Hour of the week (Monday 00:00 = 0) of local instants; public holidays take Sunday's hours."""
    instants = pd.DatetimeIndex(instants)
    how = instants.day_of_week.to_numpy() * 24 + instants.hour.to_numpy()
    on_holiday = np.isin(instants.normalize().to_numpy().astype("datetime64[D]"), holidays)
    return np.where(on_holiday, 6 * 24 + instants.hour.to_numpy(), how)


# --------------------------------------------------------------------------- estimation


def hours_to_restore(history: History) -> pd.DataFrame:
    """The tickets with ``elapsed`` (resolved - opened, hours) and ``ttr``, the time to restore with the SLA
    clock paused in pending states (the elapsed time where the export has no state history)."""
    return with_hours(history.tickets, history.time_zone)


def with_hours(tickets: pd.DataFrame, time_zone: str) -> pd.DataFrame:
    """:func:`hours_to_restore` on some tickets: real hours, a clock change between opening and resolution
    counted."""
    from .tickets import real_hours

    elapsed = pd.Series(real_hours(tickets["opened"], tickets["resolved"], time_zone), index=tickets.index)
    paused = elapsed - tickets["pending"].fillna(0.0)
    return tickets.assign(elapsed=elapsed, ttr=paused.clip(lower=0.0))


def calibrate(history: History, country: str | None = "FR", stable: bool = True,
              since: pd.Timestamp | None = None, service: str | None = None, guards: bool = True) -> Calibration:
    """Estimate the incident load and the times to restore of a history (its notes and warnings as keyed notes).

    With ``stable``, a change of level inside the history (rates or repair times) is tested for and the
    estimates are made on the period after it; ``since`` imposes that period's first day instead. ``guards``
    also checks the holidays' country and the people who worked the tickets (the whole export's business)."""
    everything = hours_to_restore(history)
    first_day = everything["opened"].min().normalize()
    last_day = everything["opened"].max().normalize() + pd.Timedelta(days=1)
    holidays = _holidays(country, first_day, last_day)
    shifts: tuple[LevelShift, ...] = ()
    if since is None and stable:
        shifts = detect_shifts(everything, holidays, first_day, last_day)
        since = stable_start(shifts, last_day)
    tickets = everything if since is None else everything[everything["opened"] >= since]
    start = tickets["opened"].min().normalize()
    end = last_day
    hours = pd.date_range(start, end, freq="h", inclusive="left")
    hour_how = hour_of_week(hours, holidays)
    ticket_how = hour_of_week(tickets["opened"], holidays)
    months = len(hours) / HOURS_PER_MONTH
    counts = tickets["priority"].value_counts().reindex(list(PRIORITIES), fill_value=0)
    total = int(counts.sum())
    profile = estimate_profile(ticket_how, hour_how)
    # The simulation's volume: incidents per month of an average week; holidays (Sunday's weights) then take
    # their dip from it. Exposure is counted in such weighted hours, so that written back it gives the history.
    exposure = float(profile.weights[hour_how].sum()) / HOURS_PER_MONTH
    rates = tuple(RateEstimate(p, int(counts[p]), poisson_interval(int(counts[p]), exposure),
                               binomial_interval(int(counts[p]), total)) for p in PRIORITIES)
    trend = estimate_trend(tickets["opened"], hours, profile.weights[hour_how])
    seasonality = estimate_seasonality(tickets["opened"], hours, profile.weights[hour_how])
    resolution = _resolution(tickets)
    censored_after = censoring_start(tickets, end)
    sample = tickets if censored_after is None else tickets[tickets["opened"] < censored_after]
    repair = fit_repair_times(sample, resolution)
    warnings = [f.note for f in repair if f.note]
    found_filter = None
    if history.whole_opened is not None:
        whole = history.whole_opened[history.whole_opened >= start]
        found_filter = filter_trend(tickets["opened"], whole)
        if found_filter is not None and found_filter.significant and trend.significant:
            trend = trend._replace(significant=False, note=Note(
                "calibrate.notes.filter_trend", {"trend": trend.note, "growth": Share(found_filter.growth, 0, True),
                                                 "p": Number(found_filter.p_value, 3, significant=True)}))
    if trend.dispersion > 1.5:
        warnings.append(Note("calibrate.notes.dispersion", {"times": Number(trend.dispersion, 1)}))
    if months < 3:
        warnings.append(Note("calibrate.notes.short_history", {"months": Number(months, 1)}))
    column = history.columns.get("resolver") or history.columns.get("assignee")
    return Calibration(history=history, start=start, end=end, months=months, country=country,
                       per_month=poisson_interval(total, exposure), rates=rates, trend=trend, profile=profile,
                       seasonality=seasonality, repair=repair, reopened=_share(tickets["reopened"]),
                       sla=_sla(tickets), warnings=tuple(warnings), service=service,
                       waiting=waiting_by_priority(tickets, tickets["elapsed"]) if history.waiting == "states" else (),
                       shifts=shifts, since=since, history_start=first_day, history_end=last_day,
                       censored_after=censored_after,
                       team=team_estimate(tickets, column) if guards else None,
                       country_check=country_check(everything["opened"], country) if guards else None,
                       impacts=impacts(tickets, history.format), filter_trend=found_filter, tickets=tickets)


def detect_shifts(tickets: pd.DataFrame, holidays: np.ndarray, start: pd.Timestamp,
                  end: pd.Timestamp) -> tuple[LevelShift, ...]:
    """The largest change of level of the weekly rate and of the times to restore (those opened before the
    censoring cut: the last ones are not all resolved)."""
    hours = pd.date_range(start, end, freq="h", inclusive="left")
    hour_how = hour_of_week(hours, holidays)
    profile = estimate_profile(hour_of_week(tickets["opened"], holidays), hour_how)
    weeks = _bins(tickets["opened"], hours, profile.weights[hour_how], "W-SUN")
    weeks = weeks[weeks["exposure"] > 0].assign(start=lambda w: w.index.start_time)
    whole = weeks.iloc[1:-1] if len(weeks) > 2 else weeks  # the first and last weeks are partial
    found = [rate_shift(whole)]
    cut = censoring_start(tickets, end)
    measured = tickets if cut is None else tickets[tickets["opened"] < cut]
    measured = measured[measured["resolved"].notna()]
    found.append(repair_shift(measured["opened"], measured["ttr"], measured["priority"].astype(str)))
    return tuple(f for f in found if f is not None)


def censoring_start(tickets: pd.DataFrame, end: pd.Timestamp) -> pd.Timestamp | None:
    """The opening instant after which the repair times are cut: the export's end less the
    :data:`CENSOR_QUANTILE` of the times to restore, when that leaves most of the history."""
    resolved = tickets["ttr"].dropna()
    if len(resolved) < MIN_FIT:
        return None
    cut = end - pd.Timedelta(hours=float(np.quantile(resolved, CENSOR_QUANTILE)))
    kept = (tickets["opened"] < cut).mean()
    return cut if kept >= 0.75 else None


def estimate_profile(ticket_how: np.ndarray, hour_how: np.ndarray) -> Profile:
    """168 weights (incidents per hour at each hour of the week, relative to the mean) and whether a named
    profile fits: a likelihood-ratio (G) test of the counts against each named shape, 167 degrees of freedom."""
    counts = np.bincount(ticket_how, minlength=168).astype(float)
    exposure = np.bincount(hour_how, minlength=168).astype(float)
    seen = exposure > 0
    rate = np.where(seen, counts / np.maximum(exposure, 1), 0.0)
    if not seen.all():  # a history shorter than a week: unseen hours take the mean of the seen ones
        rate[~seen] = rate[seen].mean()
    raw = rate / rate.mean() if rate.mean() > 0 else np.ones(168)
    smoothed = counts.mean() < SPARSE_CELL
    weights = raw
    if smoothed:
        weights = (np.roll(raw, 1) + 2 * raw + np.roll(raw, -1)) / 4
        weights = weights / weights.mean()
    p_values = {}
    for name in WEEKLY_PROFILES:
        expected = exposure * weekly_profile(name)
        expected *= counts.sum() / expected.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            g = 2 * np.sum(np.where(counts > 0, counts * np.log(counts / expected), 0.0))
        p_values[name] = float(stats.chi2.sf(g, 167)) if np.isfinite(g) else 0.0
    nearest = max(p_values, key=p_values.get)
    named = nearest if p_values[nearest] > 0.05 else None
    return Profile(weights, raw, named, nearest, p_values, smoothed)


def _bins(opened: pd.Series, hours: pd.DatetimeIndex, weights: np.ndarray, freq: str) -> pd.DataFrame:
    """Counts and profile-weighted exposure (expected share of the volume) per period of ``freq``."""
    key = hours.to_period(freq)
    exposure = pd.Series(weights, index=key).groupby(level=0).sum()
    counts = opened.dt.to_period(freq).value_counts().reindex(exposure.index, fill_value=0)
    frame = pd.DataFrame({"count": counts.to_numpy(float), "exposure": exposure.to_numpy()}, index=exposure.index)
    elapsed = (hours - hours[0]) / pd.Timedelta(hours=1)
    frame["years"] = pd.Series(elapsed, index=key).groupby(level=0).mean().to_numpy() / HOURS_PER_YEAR
    return frame


def estimate_trend(opened: pd.Series, hours: pd.DatetimeIndex, weights: np.ndarray) -> Trend:
    """Growth per year from weekly counts (quasi-Poisson regression on time, the weekly profile as exposure)."""
    bins = _bins(opened, hours, weights, "W-SUN")
    bins = bins[bins["exposure"] > 0]
    weeks = len(bins)
    if weeks < MIN_TREND_WEEKS:
        return Trend(None, None, False, 1.0, weeks, Note("calibrate.notes.trend_short",
                                                         {"weeks": weeks, "least": MIN_TREND_WEEKS}))
    years = bins["years"].to_numpy() - bins["years"].mean()
    y, offset = bins["count"].to_numpy(), np.log(bins["exposure"].to_numpy())
    full = poisson_regression(np.column_stack([np.ones(weeks), years]), y, offset)
    flat = poisson_regression(np.ones((weeks, 1)), y, offset)
    dispersion = max(1.0, full.pearson / (weeks - 2))
    statistic = max(flat.deviance - full.deviance, 0.0) / dispersion
    p_value = float(stats.chi2.sf(statistic, 1))
    beta, se = full.coefficients[1], float(np.sqrt(full.covariance[1, 1] * dispersion))
    z = stats.norm.ppf(1 - ALPHA / 2)
    growth = Interval(float(np.expm1(beta)), float(np.expm1(beta - z * se)), float(np.expm1(beta + z * se)))
    significant = p_value < ALPHA
    note = Note("calibrate.notes.trend", {
        "growth": Share(growth.value, 1, True), "low": Share(growth.low, 1, True), "high": Share(growth.high, 1, True),
        "verdict": _verdict(significant), "p": Number(p_value, 3, significant=True), "weeks": weeks})
    return Trend(growth, p_value, significant, dispersion, weeks, note)


def _verdict(significant: bool) -> Note:
    return Note("calibrate.notes.significant" if significant else "calibrate.notes.not_significant")


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def estimate_seasonality(opened: pd.Series, hours: pd.DatetimeIndex, weights: np.ndarray) -> Seasonality:
    """Month-of-year factors from monthly counts (quasi-Poisson with a trend; F test of the eleven factors)."""
    bins = _bins(opened, hours, weights, "M")
    bins = bins[bins["exposure"] > 0]
    if len(bins) < MIN_SEASON_MONTHS:
        return Seasonality(None, None, False, Note("calibrate.notes.season_short",
                                                   {"months": len(bins), "least": MIN_SEASON_MONTHS}))
    years = bins["years"].to_numpy()
    month = bins.index.month.to_numpy()
    dummies = (month[:, None] == np.arange(2, 13)[None, :]).astype(float)
    base = np.column_stack([np.ones(len(bins)), years - years.mean()])
    y, offset = bins["count"].to_numpy(), np.log(bins["exposure"].to_numpy())
    full = poisson_regression(np.column_stack([base, dummies]), y, offset)
    reduced = poisson_regression(base, y, offset)
    residual = len(bins) - base.shape[1] - 11
    dispersion = max(1.0, full.pearson / residual)
    statistic = max(reduced.deviance - full.deviance, 0.0) / 11 / dispersion
    p_value = float(stats.f.sf(statistic, 11, residual))
    factors = np.exp(np.concatenate([[0.0], full.coefficients[2:]]))
    factors = factors / factors.mean()
    significant = p_value < ALPHA
    peak, low = int(np.argmax(factors)), int(np.argmin(factors))
    note = Note("calibrate.notes.season", {
        "verdict": _verdict(significant), "p": Number(p_value, 3, significant=True), "months": len(bins),
        "peak": Note(f"calibrate.month.{MONTHS[peak]}"), "peak_factor": Number(factors[peak], 2),
        "low": Note(f"calibrate.month.{MONTHS[low]}"), "low_factor": Number(factors[low], 2)})
    return Seasonality(factors, p_value, significant, note)


def _resolution(tickets: pd.DataFrame) -> float:
    """The smallest step of the export's times (hours): a minute when no time shows seconds."""
    stamps = pd.concat([tickets["opened"], tickets["resolved"].dropna()])
    return 1 / 3600 if bool((stamps.dt.second != 0).any()) else 1 / 60


def fit_distributions(hours: np.ndarray) -> tuple[Fit, ...]:
    """Lognormal, gamma, Weibull and exponential fitted by maximum likelihood (location 0), sorted by AIC."""
    sample = hours
    if len(hours) > FIT_SAMPLE:
        sample = np.random.default_rng(0).choice(hours, FIT_SAMPLE, replace=False)
    fits = []
    for family, dist in FAMILIES.items():
        with np.errstate(all="ignore"):
            try:
                params = dist.fit(sample, floc=0)
            except (ValueError, RuntimeError, FloatingPointError):  # e.g. every time the same: no shape to fit
                continue
            frozen = dist(*params)
            loglik = float(np.sum(frozen.logpdf(hours)))
        if not np.isfinite(loglik):
            continue
        k = 1 if family == "exponential" else 2
        ks = stats.kstest(hours, frozen.cdf)
        fits.append(Fit(family, tuple(float(p) for p in params), 2 * k - 2 * loglik, float(ks.statistic),
                        float(ks.pvalue), float(frozen.median()), float(frozen.ppf(0.9)), float(frozen.mean())))
    return tuple(sorted(fits, key=lambda f: f.aic))


def fit_repair_times(tickets: pd.DataFrame, resolution: float) -> tuple[RepairFit, ...]:
    """Per priority, the distribution of the time to restore (clock hours, the SLA clock paused in pending
    states: the ``ttr`` column; resolved - opened without it). A ticket resolved within the minute
    counts as half the export's time step. Priorities with fewer than :data:`MIN_QUANTILES` resolved tickets
    borrow the nearest priority's fit."""
    resolved = tickets[tickets["resolved"].notna()]
    ttr = resolved["ttr"].to_numpy() if "ttr" in resolved else (
        (resolved["resolved"] - resolved["opened"]).dt.total_seconds() / 3600).to_numpy()
    ttr = np.maximum(ttr, resolution / 2)
    priority = resolved["priority"].astype(str).to_numpy()
    own: dict[str, RepairFit] = {}
    for p in PRIORITIES:
        hours = np.sort(ttr[priority == p])
        n = len(hours)
        if n < MIN_QUANTILES:
            continue
        fits = fit_distributions(hours)
        note = None
        if n < MIN_FIT:
            note = Note("calibrate.notes.few_to_fit", {"priority": p, "count": n, "least": MIN_FIT})
        own[p] = RepairFit(p, hours, fits, fits[0] if fits else None, quantile_interval(hours, 0.5),
                           quantile_interval(hours, 0.9), note, bumps=two_bumps(hours) if n >= MIN_FIT else None)
    out = []
    for k, p in enumerate(PRIORITIES):
        if p in own:
            out.append(own[p])
            continue
        n = int(np.sum(priority == p))
        donors = sorted(own, key=lambda q: (abs(PRIORITIES.index(q) - k), PRIORITIES.index(q)))
        if donors:
            donor = own[donors[0]]
            out.append(donor._replace(priority=p, hours=np.sort(ttr[priority == p]), median=None, p90=None,
                                      borrowed=donor.priority,
                                      note=Note("calibrate.notes.borrowed", {
                                          "priority": p, "count": n, "least": MIN_QUANTILES,
                                          "donor": donor.priority}) if n else None))
        else:
            n = int(np.sum(priority == p))
            out.append(RepairFit(p, np.sort(ttr[priority == p]), (), None, None, None,
                                 Note("calibrate.notes.no_fit", {"priority": p, "count": n, "least": MIN_QUANTILES})))
    return tuple(out)


def _share(flags: pd.Series) -> ShareEstimate | None:
    known = flags.dropna()
    if known.empty:
        return None
    count = int(known.astype(bool).sum())
    return ShareEstimate(count, len(known), binomial_interval(count, len(known)))


def _sla(tickets: pd.DataFrame) -> dict[str, ShareEstimate]:
    """Share of resolved tickets that made their SLA: the export's own flag, or resolved by the due date."""
    made = tickets["made_sla"]
    resolved = tickets["resolved"].notna()
    if made.isna().all() and tickets["due"].notna().any():
        due = tickets["due"]
        made = (tickets["resolved"] <= due).astype("boolean").where(due.notna() & resolved)
    made = made.where(resolved)
    out = {}
    for p in (*PRIORITIES, "all"):
        mask = np.ones(len(tickets), bool) if p == "all" else (tickets["priority"] == p).to_numpy()
        share = _share(made[mask])
        if share is not None:
            out[p] = share
    return out


GROUP_MATCHES = ("final", "ever")
"""How ``--group`` keeps an incident: by the group it was last assigned to ('final', the tool's own reading of
who owns it), or by any group it was ever assigned to ('ever': everything the group touched)."""


def restrict(history: History, groups: list[str], match: str = "final") -> History:
    """The history of some assignment groups only (names compared without case or outer spaces); the rows set
    aside and the counts are those of the incidents kept."""
    from dataclasses import replace

    from .errors import Problem, ScenarioError

    column = history.columns.get("group")
    if column is None:
        raise ScenarioError([Problem((), "--group: the export has no assignment group column (name it with "
                                         "--columns group=COLUMN)")], source=history.source)
    if match not in GROUP_MATCHES:
        raise ScenarioError([Problem((), f"--group-match {match}: write final (the group an incident was last "
                                         "assigned to) or ever (any group it was assigned to)")],
                            source=history.source)
    wanted = {g.strip().casefold() for g in groups}
    tickets = history.tickets
    if match == "final":
        keep = tickets["group"].fillna("").str.strip().str.casefold().isin(wanted).to_numpy()
    else:
        keep = np.array([any(g.strip().casefold() in wanted for g in ticket_groups)
                         for ticket_groups in tickets["groups"]], dtype=bool)
    known = {g.strip().casefold() for ticket_groups in tickets["groups"] for g in ticket_groups}
    known |= set(tickets["group"].dropna().str.strip().str.casefold())
    missing = wanted - known
    if missing:
        top = tickets["group"].value_counts().index[:15]
        raise ScenarioError([Problem((column,), f"--group: no ticket of {', '.join(sorted(missing))} (groups with the "
                                               f"most tickets: {', '.join(map(str, top))})")], source=history.source)
    kept = tickets[keep].reset_index(drop=True)
    rows = _rows_of(history, set(kept["id"]), wanted, match)
    label = f"--group {', '.join(groups)} ({match})"
    return replace(history, tickets=kept, rows=len(rows), excluded=history.excluded.subset(rows),
                   subset=(label, len(kept), len(tickets)), whole_opened=tickets["opened"])


def _rows_of(history: History, ids: set[str], wanted: set[str], match: str) -> np.ndarray:
    """The export's rows that belong to the incidents kept, or to incidents of the groups wanted that were set
    aside (cancelled...). Rows set aside before their incident was known (no opening date) belong to none."""
    rows = history.tickets["row"].to_numpy()
    if history.membership is None:
        kept = history.tickets["id"].isin(ids).to_numpy()
        return rows[kept]
    member = history.membership
    groups = member["group"].fillna("").astype(str).str.strip().str.casefold()
    by_group = groups.isin(wanted)
    if match == "final":
        last = member.sort_values("rank").drop_duplicates("id", keep="last")
        owned = set(last.loc[by_group[last.index], "id"])
    else:
        owned = set(member.loc[by_group, "id"])
    return member["row"].to_numpy()[member["id"].isin(ids | owned).to_numpy()]


MIN_SERVICE_SHARE = 0.05
"""Smallest share of the tickets for a value of the ``--service-by`` column to be a service of its own."""
MIN_SERVICE_TICKETS = 100
"""Fewest tickets for a value of the ``--service-by`` column to be a service of its own."""
MAX_CALIBRATED_SERVICES = 8
"""Most services written besides 'other'."""
OTHER = "other"


@dataclass(frozen=True)
class Desk:
    """A calibrated export: the whole history (its level shifts, team, holidays) and the services written,
    each estimated on its own tickets over the same period."""

    whole: Calibration
    services: tuple[Calibration, ...]
    column: str | None
    """The export's column the services are split by (None: one service)."""
    grouped: tuple[str, ...] = ()
    """The column's values grouped into 'other'."""
    groups: int = 1
    """When one service is written for the whole export: the assignment groups its tickets spread over (their
    effective number), each taken to support a service of its own."""


def group_spread(tickets: pd.DataFrame) -> int:
    """How many assignment groups the tickets spread over, each counted by its share of them (the exponential
    of the shares' entropy: a group with one ticket in a thousand barely counts); 1 without a group column."""
    groups = tickets["group"].dropna().astype(str).str.strip()
    groups = groups[groups != ""]
    if groups.empty:
        return 1
    shares = groups.value_counts(normalize=True).to_numpy()
    return max(1, round(float(np.exp(-np.sum(shares * np.log(shares))))))


def service_name(value: str, taken: set[str]) -> str:
    """A value of the export as a service name a scenario file holds (plain, at most 60 characters)."""
    import re

    from .model import unsafe_text

    name = str(value).strip()
    if unsafe_text(name) or not name or name[0] in "=+-@" or len(name) > 60:
        name = re.sub(r"[^\w.-]+", "-", name).strip("-_.")[:60] or "service"
    base, k = name, 2
    while name.casefold() in taken:
        name, k = f"{base}-{k}", k + 1
    return name


def calibrate_desk(history: History, service: str, country: str | None = "FR",
                   by_service: bool = True, stable: bool = True) -> Desk:
    """Calibrate the whole export, then each service of the column its services are read from (the leading
    values, the rest as 'other'), over the whole export's stable period."""
    from dataclasses import replace

    whole = calibrate(history, country, stable=stable, service=service)
    column = history.columns.get("service") if by_service else None
    values = whole.tickets["service"] if column else None
    alone = Desk(whole, (whole,), None, groups=group_spread(whole.tickets))
    if values is None or values.isna().all():
        return alone
    counts = values.fillna("").value_counts()
    total = int(counts.sum())
    leading = [v for v, n in counts.items() if v and n >= MIN_SERVICE_TICKETS and n >= MIN_SERVICE_SHARE * total]
    leading = leading[:MAX_CALIBRATED_SERVICES]
    if len(leading) < 2 and (not leading or counts[leading[0]] == total):
        return alone
    tickets = history.tickets
    key = tickets["service"].fillna("")
    taken: set[str] = set()
    services = []
    for value in leading:
        name = service_name(value, taken)
        taken.add(name.casefold())
        part = replace(history, tickets=tickets[(key == value).to_numpy()].reset_index(drop=True))
        services.append(calibrate(part, country, since=whole.since, service=name, guards=False))
    rest = ~key.isin(leading)
    grouped = tuple(v for v in counts.index if v not in leading and v)
    if rest.any():
        part = replace(history, tickets=tickets[rest.to_numpy()].reset_index(drop=True))
        services.append(calibrate(part, country, since=whole.since, service=service_name(OTHER, taken),
                                  guards=False))
    return Desk(whole, tuple(services), column, grouped)
