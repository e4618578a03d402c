"""The scenario file a calibration writes: the calibrated service on the history's calendar and an in-house
team (given with ``--team`` or a placeholder sized from the history), as data for the simulation and as
commented YAML for the consultant, each figure with where it came from and its interval.

``validate`` accepts the YAML and ``run`` runs it as it is; lines marked ``adjust me`` are placeholders.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import yaml

from .calendar import WINDOW_HO, Calendar
from .calibration import Calibration, Fit, RepairFit
from .cells import TRIGGERS
from .errors import Problem, ScenarioError
from .files import parse_yaml, study_from_data
from .model import PRIORITIES, unsafe_text
from .scenario import MAX_TEAM, Study
from .units import HOURS_PER_MONTH, HOURS_PER_YEAR, format_percent
from .words import percent, say

if TYPE_CHECKING:
    from simulation.backtest import Backtest

TEAM_NAME = "in-house"
SCENARIO_NAME = "In-house (calibrated)"
PLACEHOLDER_COST = "45000 EUR"
"""Loaded annual cost of a placeholder technician [E: 32 kEUR gross x 1.4]."""
TARGET_UTILISATION = 0.7
"""Share of shift hours a placeholder team spends restoring incidents: the rest is other work and slack."""
DEFAULT_REPAIR = (2.0, 8.0)
"""Median and P90 (hours) written for a priority without any resolved ticket [E]."""


class RepairTime(NamedTuple):
    """A repair-time distribution as a scenario file writes it: a family and its median and P90 (or mean)."""

    family: str
    median: float
    p90: float
    mean: float

    @classmethod
    def of(cls, fit: Fit) -> RepairTime:
        return cls(fit.family, fit.median, fit.p90, fit.mean)

    def scaled(self, median: float, p90: float) -> RepairTime:
        """The same family through another median and P90 (an exponential keeps its shape: median only)."""
        if self.family == "exponential":
            return RepairTime("exponential", median, median * math.log(10) / math.log(2), median / math.log(2))
        return RepairTime(self.family, median, max(p90, median * 1.02), self.mean * median / self.median)

    def exact(self) -> dict[str, Any]:
        """The distribution in scenario-file form with every digit (for the back-test's own simulation)."""
        if self.family == "exponential":
            return {"mean": f"{float(self.mean)!r}h"}
        pair = {"median": f"{float(self.median)!r}h", "p90": f"{float(self.p90)!r}h"}
        return pair if self.family == "lognormal" else {self.family: pair}

    def data(self) -> dict[str, Any]:
        """The distribution in scenario-file form."""
        if self.family == "exponential":
            return {"mean": duration_text(self.mean)}
        median = duration_text(self.median)
        p90 = duration_text(self.p90)
        if p90 == median or _hours(p90) <= _hours(median):
            p90 = duration_text(_hours(median) * 1.05)
        pair = {"median": median, "p90": p90}
        return pair if self.family == "lognormal" else {self.family: pair}


class TeamSpec(NamedTuple):
    """The in-house team of the calibrated file: its scenario mapping, where it came from, and whether its
    repair times were given (then they are back-tested, not fitted)."""

    data: dict[str, Any]
    origin: str
    repair_given: bool = False


def _hours(text: str) -> float:
    from .units import parse_duration

    return parse_duration(text)


def duration_text(hours: float) -> str:
    """A positive duration in the unit a person reads best, three significant digits: 45min, 2.35h, 3.5d."""
    if hours < 1 / 60:
        return f"{max(1, round(hours * 3600))}s"
    if hours < 1:
        return f"{float(f'{hours * 60:.3g}'):g}min"
    if hours < 48:
        return f"{float(f'{hours:.3g}'):g}h"
    return f"{float(f'{hours / 24:.3g}'):g}d"


def check_service_name(name: str) -> str:
    """A service name the scenario file and every export of its results can hold, or ``ValueError``."""
    problem = unsafe_text(name)
    if problem or not name.strip() or name != name.strip() or len(name) > 80:
        raise ValueError(f"{name[:80]!r} {problem or 'is not a name'}: write a plain name such as 'service-desk'")
    if name.startswith(TRIGGERS):
        raise ValueError(f"'{name[:80]}' starts with '{name[0]}', which a spreadsheet would run as a formula when "
                         "results are exported: write e.g. 'service-desk'")
    return name


def default_repair(fit: RepairFit) -> RepairTime:
    """The distribution written for a priority: its best fit, or a default when nothing could be fitted."""
    if fit.best is not None:
        return RepairTime.of(fit.best)
    median, p90 = DEFAULT_REPAIR
    return RepairTime("lognormal", median, p90, median)


def written_repair(calibration: Calibration, backtest: Backtest | None = None,
                   lang: str = "en") -> tuple[dict[str, RepairTime], str]:
    """The repair times the scenario file gets, and a sentence saying what they are: fitted to the simulated
    queue by the back-test (:class:`simulation.backtest.Backtest`), given with the team, or resolved - opened."""
    if backtest is not None and backtest.separate:
        state = "" if backtest.converged else say("calibrate.notes.not_fully", lang)
        others = [p for p in PRIORITIES if p not in backtest.fitted]
        rest = say("calibrate.notes.fitted_rest", lang, priorities=", ".join(others)) if others else ""
        return backtest.repair, say("calibrate.notes.fitted", lang, priorities=", ".join(backtest.fitted),
                                    state=state, rest=rest)
    if backtest is not None and backtest.team.repair_given:
        return backtest.repair, say("calibrate.notes.given_written", lang)
    return ({p: default_repair(calibration.repair_for(p)) for p in PRIORITIES}, say("calibrate.notes.raw", lang))


# --------------------------------------------------------------------------- teams


def team_from_count(count: int, lang: str = "en") -> TeamSpec:
    """``--team N``: N technicians in business hours (HO), on call outside them for P1."""
    if not 1 <= count <= MAX_TEAM:
        raise ValueError(f"--team {count}: a team has 1 to {MAX_TEAM} people")
    return TeamSpec(_team(count), say("calibrate.notes.team_count", lang, count=count))


def team_from_text(text: str, source: str) -> TeamSpec:
    """``--team FILE``: a team mapping as in a scenario file (members, on_call, ...); repair_time optional."""
    data, _ = parse_yaml(text, source)
    if isinstance(data, dict) and "teams" in data and isinstance(data["teams"], dict) and len(data["teams"]) == 1:
        data = next(iter(data["teams"].values()))
    if not isinstance(data, dict) or "members" not in data:
        raise ScenarioError([Problem((), "a team file holds one team: members (and optionally on_call, repair_time, "
                                         "absences...), as under 'teams:' in a scenario file")], source=source)
    return TeamSpec(data, f"--team {source}", "repair_time" in data)


def _team(count: int) -> dict[str, Any]:
    return {"members": [{"count": count, "role": "technician", "annual_cost": PLACEHOLDER_COST, "shift": "HO"}],
            "on_call": {"window": "HNO", "priorities": ["P1"], "call_out_delay": {"median": "30min", "p90": "1h"},
                        "weekly_premium": "150 EUR"}}


def local_hours(calendar: Calendar, stamps: pd.Series) -> np.ndarray:
    """Simulation hours of an export's local times (naive, in the calendar's time zone), read by the calendar's
    one rule for the times a clock change skips or repeats (:func:`sourcing.calendar.wall_clock`)."""
    return calendar.local_hours(stamps)


def history_calendar(calibration: Calibration, time_zone: str, start: date | None = None,
                     warm_up_days: int = 28) -> Calendar:
    """The calendar of the history: from its first day, whole years covering it."""
    start = start or calibration.start.date()
    years = (calibration.end - pd.Timestamp(start)) / pd.Timedelta(hours=1) / HOURS_PER_YEAR
    return Calendar(start=start, horizon_years=int(min(30, max(1, math.ceil(years - 1e-9)))), time_zone=time_zone,
                    country=calibration.country, warm_up_days=warm_up_days)


def placeholder_team(calibration: Calibration, time_zone: str, lang: str = "en") -> TeamSpec:
    """A team sized from the history: enough technicians in business hours that the tickets' median times in
    business hours, at the history's volume, take :data:`TARGET_UTILISATION` of their shifts."""
    tickets = calibration.history.tickets
    resolved = tickets[tickets["resolved"].notna()]
    calendar = history_calendar(calibration, time_zone, warm_up_days=0)
    schedule = calendar.schedule(WINDOW_HO)
    business = (schedule.cumulative(local_hours(calendar, resolved["resolved"]))
                - schedule.cumulative(local_hours(calendar, resolved["opened"])))
    weeks = calibration.months * HOURS_PER_MONTH / 168
    load = 0.0
    priority = resolved["priority"].astype(str).to_numpy()
    for rate in calibration.rates:
        spent = business[priority == rate.priority]
        if len(spent):
            load += rate.count / weeks * float(np.median(spent))
    count = int(min(MAX_TEAM, max(1, math.ceil(load / (WINDOW_HO.weekly_hours * TARGET_UTILISATION)))))
    return TeamSpec(_team(count), say("calibrate.notes.placeholder", lang, count=count,
                                      share=percent(TARGET_UTILISATION, lang, 0)))


# --------------------------------------------------------------------------- the scenario


def _per_month(calibration: Calibration) -> tuple[float, float]:
    """(per_month, growth_per_year) to write: the mean over the history without a significant trend; with one,
    the first year's mean volume under the trend (the simulation steps the volume once a year)."""
    trend = calibration.trend
    if not trend.significant or trend.growth is None:
        return calibration.per_month.value, 0.0
    beta = math.log1p(trend.growth.value) / HOURS_PER_YEAR  # per hour
    hours = calibration.months * HOURS_PER_MONTH
    # The fitted rate is centred on the history's middle; the first year averages (e^(beta y) - 1) / (beta y).
    at_start = calibration.per_month.value * beta * hours / math.expm1(beta * hours)
    first_year = at_start * math.expm1(beta * HOURS_PER_YEAR) / (beta * HOURS_PER_YEAR)
    return first_year, trend.growth.value


def _mix(calibration: Calibration) -> dict[str, str]:
    """Priority shares in percent with two decimals, adding up to exactly 100 %."""
    shares = np.array([r.share.value for r in calibration.rates]) * 100
    cents = np.floor(shares * 100).astype(int)
    order = np.argsort(-(shares * 100 - cents))
    cents[order[: 10_000 - cents.sum()]] += 1
    return {p: format_percent(c / 10_000) for p, c in zip(PRIORITIES, cents)}


def scenario_data(calibration: Calibration, service: str, team: TeamSpec, repair: dict[str, RepairTime],
                  time_zone: str, calendar: Calendar | None = None) -> dict[str, Any]:
    """The calibrated study as scenario-file data."""
    calendar = calendar or history_calendar(calibration, time_zone)
    per_month, growth = _per_month(calibration)
    profile = calibration.profile
    weekly: Any = profile.named or [float(f"{w:.3g}") for w in profile.weights]
    team_data = dict(team.data)
    if not team.repair_given:
        team_data["repair_time"] = {p: repair[p].data() for p in PRIORITIES}
    return {
        "name": f"{service} - calibrated from {calibration.history.source.rsplit('/', 1)[-1]}"[:80].strip(),
        "calendar": {"start": calendar.start.isoformat(), "horizon": f"{calendar.horizon_years}y",
                     "time_zone": calendar.time_zone, "country": calendar.country,
                     "warm_up": f"{calendar.warm_up_days}d"},
        "services": {service: {
            "users": 100,
            "service_time": "24/7",
            "business_hours": "HO",
            "outage_cost_per_hour": {"business": "0 EUR", "off_hours": "0 EUR"},
            "incidents": {"per_month": float(f"{per_month:.4g}"), "priorities": _mix(calibration),
                          "weekly_profile": weekly, "growth_per_year": format_percent(round(growth, 4))},
        }},
        "teams": {TEAM_NAME: team_data},
        "scenarios": [{"name": SCENARIO_NAME, "default": {"make": TEAM_NAME}}],
    }


def study_of(data: dict[str, Any], source: str = "calibrated scenario") -> Study:
    return study_from_data(data, source=source)


def _flow(value: Any) -> str:
    """A value on one line of YAML: text double-quoted, mappings and lists in flow style."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True).strip()


def _interval(value: float, low: float, high: float, digits: str = ".3g") -> str:
    return f"{value:{digits}} (95 % CI {low:{digits}} to {high:{digits}})"


def scenario_yaml(calibration: Calibration, service: str, team: TeamSpec, repair: dict[str, RepairTime],
                  time_zone: str, repair_note: str, backtest_lines: list[str] | None = None) -> str:
    """The calibrated scenario file, commented: where each figure comes from, its interval, what to adjust."""
    data = scenario_data(calibration, service, team, repair, time_zone)
    history = calibration.history
    incidents = data["services"][service]["incidents"]
    calendar = data["calendar"]
    trend = calibration.trend
    lines = [
        f"# Calibrated by 'sourcing calibrate' from {_comment(history.source)} ({history.format} export)",
        f"# History: {calibration.incidents:,} incidents opened {calibration.start.date()} to "
        f"{(calibration.end - pd.Timedelta(days=1)).date()} ({calibration.months:.1f} months); {history.rows:,} rows "
        "read.",
    ]
    lines += [f"#   set aside: {_comment(line)}" for line in history.excluded.lines()]
    lines += [f"#   note: {_comment(note)}" for note in history.notes]
    lines += [f"#   warning: {_comment(w)}" for w in calibration.warnings]
    lines += ["# Lines marked 'adjust me' are placeholders the export cannot know. Check it with:",
              "#   sourcing validate THIS_FILE && sourcing run THIS_FILE -n 20", "",
              f"name: {_flow(data['name'])}", "currency: EUR", "",
              "calendar:",
              f"  start: {calendar['start']}          # the history's first day",
              f"  horizon: {calendar['horizon']}               # whole years covering the history",
              f"  time_zone: {calendar['time_zone']}     # the export's times are read as local times here",
              f"  country: {_flow(calendar['country'])}                 # public holidays (counted as Sundays "
              "in the weekly profile)",
              f"  warm_up: {calendar['warm_up']}", "",
              "services:", f"  {_flow(service)}:",
              "    users: 100                  # adjust me: the export does not say how many people use the service",
              "    service_time: 24/7          # adjust me: the agreed service time",
              "    business_hours: HO",
              "    outage_cost_per_hour: {business: 0 EUR, off_hours: 0 EUR}   # adjust me: the business cost of "
              "an hour of full outage",
              "    incidents:"]
    per_month = calibration.per_month
    if trend.significant:
        lines.append(f"      per_month: {incidents['per_month']}        # first year's mean under the trend; the "
                     f"history's mean {_interval(per_month.value, per_month.low, per_month.high)}")
    else:
        lines.append(f"      per_month: {incidents['per_month']}        # the history's mean, "
                     f"{_interval(per_month.value, per_month.low, per_month.high)} (exact Poisson)")
    lines.append("      priorities:                # shares of the history's incidents (95 % CI)")
    for rate in calibration.rates:
        share = incidents["priorities"][rate.priority]
        lines.append(f"        {rate.priority}: {share:<10} # {rate.count:,} incidents, "
                     f"{_interval(rate.per_month.value, rate.per_month.low, rate.per_month.high)} a month, share "
                     f"{rate.share.low:.1%} to {rate.share.high:.1%}")
    profile = calibration.profile
    if profile.named:
        lines.append(f"      weekly_profile: {profile.named}     # the named profile fits the history (p = "
                     f"{profile.p_values[profile.named]:.2g})")
    else:
        how = "smoothed over neighbouring hours, " if profile.smoothed else ""
        lines.append(f"      # 168 hourly weights, Monday 00:00 first, from the history ({how}mean 1); the nearest "
                     f"named profile, '{profile.nearest}', does not fit (p = {profile.p_values[profile.nearest]:.2g})")
        lines.append(f"      weekly_profile: {_flow(incidents['weekly_profile'])}")
    growth = "from the trend" if trend.significant else "no significant trend" if trend.growth else "no trend estimated"
    lines.append(f"      growth_per_year: {incidents['growth_per_year']}       # {growth}: {_comment(trend.note)}")
    season = calibration.seasonality
    lines.append(f"      # seasonality by month: {_comment(season.note)}"
                 + ("; not written: scenario files have no monthly profile" if season.significant else ""))
    lines += ["", "teams:", f"  {TEAM_NAME}:", f"    # {_comment(team.origin)} (adjust me)"]
    team_data = data["teams"][TEAM_NAME]
    for key, value in team_data.items():
        if key == "repair_time":
            lines.append(f"    repair_time:                # {_comment(repair_note)}")
            for p in PRIORITIES:
                why = _comment(_repair_comment(calibration.repair_for(p)))
                lines.append(f"      {p}: {_flow(value[p]):<44} # {why}")
        elif key == "members":
            lines.append("    members:")
            lines += [f"      - {_flow(member)}" for member in value]
        else:
            lines.append(f"    {key}: {_flow(value)}")
    if backtest_lines:
        lines.append("    # back-test over the history (simulated against real time to restore):")
        lines += [f"    #   {_comment(line)}" for line in backtest_lines]
    lines += ["", "scenarios:", f"  - name: {_flow(SCENARIO_NAME)}", f"    default: {{make: {TEAM_NAME}}}", ""]
    text = "\n".join(lines)
    parsed, root = parse_yaml(text, "calibrated scenario")
    if study_from_data(parsed, "calibrated scenario", root) != study_of(data):
        raise AssertionError("the commented scenario says something else than its data")  # a bug, not an input
    return text


def _comment(text: str) -> str:
    """Text safe inside a YAML comment: one line."""
    return " ".join(str(text).split())


def _repair_comment(fit: RepairFit) -> str:
    if fit.borrowed:
        return f"{fit.borrowed}'s: too few {fit.priority} tickets ({len(fit.hours)})"
    if fit.best is None:
        return "no resolved ticket: default (adjust me)"
    best = fit.best
    others = ", ".join(f"{f.family} {f.aic - best.aic:+.0f}" for f in fit.fits[1:])
    median = fit.median
    return (f"{len(fit.hours):,} tickets; resolved - opened median {median.value:.3g} h (95 % CI {median.low:.3g} to "
            f"{median.high:.3g}), P90 {fit.p90.value:.3g} h; best fit {best.family} by AIC (others: {others}); KS "
            f"distance {best.ks:.3f}")
