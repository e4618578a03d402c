"""The scenario file a calibration writes: the calibrated services (one per leading value of the export's
service column, or one for the whole export) on the history's calendar and the in-house team they share
(given with ``--team`` or a placeholder sized from the people who worked the tickets), as data for the
simulation and as commented YAML for the consultant, each figure with where it came from and its interval,
in the reader's language.

``validate`` accepts the YAML and ``run`` runs it as it is; lines marked 'adjust me' are placeholders.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any, NamedTuple, Protocol

import numpy as np
import pandas as pd
import yaml

from .calendar import WINDOW_24_7, WINDOW_HO, Calendar, Window, parse_rules
from .calibration import MIN_FIT, Calibration, Desk, Fit, RepairFit
from .cells import TRIGGERS
from .errors import Problem, ScenarioError
from .files import parse_yaml, study_from_data
from .model import PRIORITIES, QuantileTable, unsafe_text
from .scenario import MAX_TEAM, Study
from .units import HOURS_PER_MONTH, HOURS_PER_YEAR, format_percent
from .words import note_text, number, number_text, percent, say

TEAM_NAME = "in-house"
SCENARIO_NAME = "In-house (calibrated)"
PLACEHOLDER_COST = "45000 EUR"
"""Loaded annual cost of a placeholder technician [E: 32 kEUR gross x 1.4]."""
PLACEHOLDER_SEAT_COST = "245000 EUR"
"""Annual cost of a placeholder seat staffed around the clock: :data:`SEAT_PEOPLE` technicians (5.45 x 45,000
EUR, to the thousand) [E]."""
PLACEHOLDER_EXTENDED_COST = "123000 EUR"
"""Annual cost of a placeholder seat of the extended hours: :data:`EXTENDED_PEOPLE` technicians (2.73 x
45,000 EUR, to the thousand) [E]."""
TARGET_UTILISATION = 0.5
"""Share of shift hours a placeholder team spends on the hands-on time of the repair times written (used only
when the export does not say who resolved the tickets): half, so that the team is not the bottleneck. Repair
times of desks are heavy-tailed (a ticket held for days takes a seat for days): at 70 % a rota of twenty seats
still queues a P4 for hours on average, at 50 % for minutes; and a technician's other half goes to requests,
changes and projects, which the simulation does not count."""
OFF_HOURS_SHARE = 1 / 3
"""Above this share of a priority's incidents restored outside the placeholder team's hours, it is on call
for it (P1, P2) or works longer hours (P3, P4: extended, then around the clock): the history was worked at
those hours. A team in
business hours restores a few of its incidents outside them (those whose pending spells end at night, the
long ones finished by the on-call rota); incidents restored at any hour would be 70 % outside."""
SEAT_PEOPLE = 5.45
"""People a seat staffed around the clock takes: 8,760 / 1,607 hours (docs/sources.md) [E]."""
EXTENDED_PEOPLE = 2.73
"""People a seat of the extended hours (84 hours a week) takes: 84 x 52.18 / 1,607 hours [E]."""
INCIDENTS_PER_USER = 0.7
"""Incidents a month per user of a service: one ticket a user a month, the middle of the usual 0.5 to 1.5,
70 % of them incidents (docs/sources.md) [E]. Sizes the users of a calibrated service, whom each P3 and P4
takes one of down."""


EXTENDED = "extended"
EXTENDED_HOURS = "Mon-Sat 08:00-22:00"
"""The extended hours a placeholder team may work: a provider's usual 'extended' window (docs/sources.md)."""
OUTSIDE_EXTENDED = "outside-extended"
WINDOW_EXTENDED = Window(label=EXTENDED, rules=parse_rules(EXTENDED_HOURS))


class Hours(NamedTuple):
    """When the placeholder team works: its members' shift, the priorities on call outside it, and the shares of
    the history's incidents restored outside business hours and outside the extended hours that chose it."""

    kind: str
    """'office' (business hours), 'extended' (:data:`EXTENDED_HOURS`) or 'rota' (seats staffed around the
    clock)."""
    shift: str
    on_call: tuple[str, ...]
    off_hours: dict[str, float]
    """Per priority, the share of the history's resolved incidents restored outside business hours."""
    off_extended: dict[str, float] = {}
    """The same outside the extended hours."""

    @property
    def weekly(self) -> float:
        """Hours a member is on shift in a week."""
        return {"office": WINDOW_HO, "extended": WINDOW_EXTENDED}.get(self.kind, WINDOW_24_7).weekly_hours

    @property
    def people(self) -> float:
        """People one member line's count stands for: a technician in business hours, a seat otherwise."""
        return {"office": 1.0, "extended": EXTENDED_PEOPLE}.get(self.kind, SEAT_PEOPLE)

    @property
    def windows(self) -> dict[str, Any]:
        """The calendar windows the team's shift and on-call rota name (none for business hours or a rota)."""
        if self.kind != "extended":
            return {}
        return {EXTENDED: {"hours": EXTENDED_HOURS}, OUTSIDE_EXTENDED: {"except": EXTENDED}}


def restored_outside(calibration: Calibration, time_zone: str, window: Window = WINDOW_HO) -> dict[str, float]:
    """Per priority, the share of the resolved incidents (the stable period's) restored outside ``window``
    (business hours by default; public holidays count as outside a window closed on them)."""
    tickets = calibration.tickets
    resolved = tickets[tickets["resolved"].notna()]
    calendar = history_calendar(calibration, time_zone, warm_up_days=0)
    schedule = calendar.schedule(window)
    at = local_hours(calendar, resolved["resolved"])
    inside = (schedule.cumulative(at + 1 / 120) - schedule.cumulative(at)) > 0
    priority = resolved["priority"].astype(str).to_numpy()
    return {p: float(np.mean(~inside[priority == p])) for p in PRIORITIES if np.any(priority == p)}


def placeholder_hours(calibration: Calibration, time_zone: str) -> Hours:
    """The shortest hours that hold the history's bulk of work (P3, P4: at most :data:`OFF_HOURS_SHARE` of them
    restored outside): business hours, then the extended hours, then a rota around the clock; on call outside
    them for P1, and for P2 when the history restores more than that share of its P2 outside them (on call is
    for the few urgent ones, not for the bulk of the work)."""
    office = restored_outside(calibration, time_zone)
    extended = restored_outside(calibration, time_zone, WINDOW_EXTENDED)

    def bulk(off: dict[str, float]) -> bool:
        return all(off.get(p, 0.0) <= OFF_HOURS_SHARE for p in ("P3", "P4"))

    for kind, shift, off in (("office", "HO", office), ("extended", EXTENDED, extended)):
        if bulk(off):
            on_call = ("P1", "P2") if off.get("P2", 0.0) > OFF_HOURS_SHARE else ("P1",)
            return Hours(kind, shift, on_call, office, extended)
    return Hours("rota", "24/7", (), office, extended)


DEFAULT_REPAIR = (2.0, 8.0)
"""Median and P90 (hours) written for a priority without any resolved ticket [E]."""

Repairs = dict[str, dict[str, "RepairTime"]]
"""Repair times per service, then per priority."""


class RepairTime(NamedTuple):
    """A repair-time distribution as a scenario file writes it: a family and its median and P90 (or mean), or a
    table of quantiles (probabilities and hours)."""

    family: str
    median: float
    p90: float
    mean: float
    table: tuple[tuple[float, ...], tuple[float, ...]] | None = None

    @classmethod
    def of(cls, fit: Fit) -> RepairTime:
        return cls(fit.family, fit.median, fit.p90, fit.mean)

    @classmethod
    def of_table(cls, probabilities: np.ndarray, hours: np.ndarray) -> RepairTime:
        hours = np.maximum.accumulate(np.maximum(np.asarray(hours, float), 1 / 3600))
        table = QuantileTable.of(probabilities, hours)
        return cls("quantiles", table.median, table.p90, table.mean,
                   (tuple(map(float, probabilities)), tuple(map(float, hours))))

    def scaled(self, median: float, p90: float) -> RepairTime:
        """The same family through another median and P90 (an exponential keeps its shape: median only; a table
        keeps its shape in logarithms around the median)."""
        if self.family == "exponential":
            return RepairTime("exponential", median, median * math.log(10) / math.log(2), median / math.log(2))
        if self.family == "quantiles":
            probabilities, hours = map(np.array, self.table)
            spread = math.log(max(p90, median * 1.02) / median) / max(math.log(self.p90 / self.median), 1e-9)
            return RepairTime.of_table(probabilities, median * np.exp((np.log(hours) - math.log(self.median)) * spread))
        return RepairTime(self.family, median, max(p90, median * 1.02), self.mean * median / self.median)

    def exact(self) -> dict[str, Any]:
        """The distribution in scenario-file form with every digit (for the back-test's own simulation)."""
        if self.family == "exponential":
            return {"mean": f"{float(self.mean)!r}h"}
        if self.family == "quantiles":
            return {"quantiles": {format_percent(p): f"{h!r}h" for p, h in zip(*self.table)}}
        pair = {"median": f"{float(self.median)!r}h", "p90": f"{float(self.p90)!r}h"}
        return pair if self.family == "lognormal" else {self.family: pair}

    def data(self) -> dict[str, Any]:
        """The distribution in scenario-file form, three significant digits."""
        if self.family == "exponential":
            return {"mean": duration_text(self.mean)}
        if self.family == "quantiles":
            rows, last = {}, 0.0
            for p, h in zip(*self.table):
                text = duration_text(max(h, last))
                last = max(last, _hours(text))
                rows[format_percent(p)] = duration_text(last) if _hours(text) < last else text
            return {"quantiles": rows}
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
    hours: Hours | None = None
    """When a placeholder team works (None: the team was given)."""

    @property
    def rota(self) -> bool:
        """A placeholder staffed around the clock: sized not to be the bottleneck, it has no queue to separate."""
        return self.hours is not None and self.hours.kind == "rota"


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


def default_repair(fit: RepairFit, tables: bool = True, own: bool = False) -> RepairTime:
    """The distribution written for a priority: the history's quantiles when no family fits (and ``tables``),
    or always with ``own`` (the history's times taken as they are) when it has enough tickets; its best fit;
    or a default when nothing could be fitted."""
    enough = fit.best is not None and not fit.borrowed and len(fit.hours) >= MIN_FIT
    if tables and (fit.empirical or (own and enough)):
        return RepairTime.of_table(*fit.table())
    if fit.best is not None:
        return RepairTime.of(fit.best)
    median, p90 = DEFAULT_REPAIR
    return RepairTime("lognormal", median, p90, median)


def history_repairs(desk: Desk, tables: bool = True, own: bool = False) -> Repairs:
    """Each service's repair times as the history gives them (the time to restore, queue included); with
    ``own``, the history's own quantiles wherever a priority has :data:`~sourcing.calibration.MIN_FIT` tickets
    (the repair times of a team that is not the bottleneck: a fitted family would move its quantiles)."""
    return {c.service: {p: default_repair(c.repair_for(p), tables, own) for p in PRIORITIES} for c in desk.services}


class Written(NamedTuple):
    """The repair times written, and what they are (a catalogue key and its values, said in any language)."""

    repairs: Repairs
    key: str
    values: dict[str, object]

    def note(self, lang: str) -> str:
        return say(self.key, lang, **{k: (v(lang) if callable(v) else v) for k, v in self.values.items()})


class Fitted(Protocol):
    """What :func:`written_repair` reads of a back-test (``simulation.backtest.Backtest`` is one): the domain
    states what it needs without importing the engine."""

    separate: bool
    failure: object | None
    fitted: tuple[tuple[str, str], ...]
    repairs: Repairs
    converged: bool
    unfitted: bool
    team: TeamSpec


def written_repair(desk: Desk, backtest: Fitted | None = None) -> Written:
    """The repair times the scenario file gets: fitted to the simulated queue by the back-test
    (:class:`simulation.backtest.Backtest`), given with the team, or the history's times to restore (the
    back-test skipped, or unable to reproduce the history: its reason is then said)."""
    if backtest is not None and backtest.separate and backtest.failure is None:
        every = len(backtest.fitted) == len(desk.services) * len(PRIORITIES)
        fitted = ", ".join(f"{s} {p}" if len(desk.services) > 1 else p for s, p in backtest.fitted)
        return Written(backtest.repairs, "calibrate.notes.fitted",
                       {"priorities": (lambda lang: say("calibrate.notes.every_priority", lang)) if every else fitted,
                        "state": (lambda lang: "" if backtest.converged else say("calibrate.notes.not_fully", lang)),
                        "rest": (lambda lang: say("calibrate.notes.fitted_rest", lang) if backtest.unfitted else "")})
    if backtest is not None and backtest.team.repair_given:
        return Written(backtest.repairs, "calibrate.notes.given_written", {})
    if backtest is not None and backtest.failure is not None:
        return Written(history_repairs(desk), "calibrate.notes.raw_refused", {})
    if backtest is not None and backtest.team.rota:
        waiting = desk.whole.history.waiting
        return Written(history_repairs(desk, own=True), "calibrate.notes.rota_written",
                       {"what": lambda lang: say("calibrate.notes.rota_paused" if waiting == "states" else
                                                 "calibrate.notes.rota_elapsed", lang)})
    return Written(history_repairs(desk), "calibrate.notes.raw", {})


# --------------------------------------------------------------------------- teams


def team_from_count(count: int, lang: str = "en") -> TeamSpec:
    """``--team N``: N technicians in business hours (HO), on call outside them for P1."""
    if not 1 <= count <= MAX_TEAM:
        raise ValueError(f"--team {count}: a team has 1 to {MAX_TEAM} people; for a larger desk, calibrate a part "
                         "of it (--group, or --service-by and one team file per part) or give a team file with "
                         "several member lines")
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


def _team(count: int, hours: Hours | None = None) -> dict[str, Any]:
    if hours is not None and hours.kind == "rota":
        return {"members": [{"count": count, "role": "24/7 seat", "annual_cost": PLACEHOLDER_SEAT_COST,
                             "shift": "24/7"}]}
    on_call = list(hours.on_call) if hours is not None else ["P1"]
    member = {"count": count, "role": "technician", "annual_cost": PLACEHOLDER_COST, "shift": "HO"}
    outside = "HNO"
    if hours is not None and hours.kind == "extended":
        member.update(role="extended-hours seat", annual_cost=PLACEHOLDER_EXTENDED_COST, shift=EXTENDED)
        outside = OUTSIDE_EXTENDED
    return {"members": [member],
            "on_call": {"window": outside, "priorities": on_call,
                        "call_out_delay": {"median": "30min", "p90": "1h"}, "weekly_premium": "150 EUR"}}


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


def placeholder_team(desk: Desk | Calibration, time_zone: str, lang: str = "en",
                     hands_on: dict[str, dict[str, float]] | None = None) -> TeamSpec:
    """The in-house team when none is given. Its hours come from when the history restores its incidents
    (:func:`placeholder_hours`). Its size from who worked the tickets
    (:class:`~sourcing.calibration_guards.TeamEstimate`; a seat takes :attr:`Hours.people` of
    them); when the export does not say, from the work the repair times written imply: each service's
    incidents a month times the mean hands-on time of each priority (``hands_on``, hours per service and
    priority; the history's times to restore without it, the most the work can be), at
    :data:`TARGET_UTILISATION` of the members' shift hours. At most :data:`MAX_TEAM`, said when capped."""
    if isinstance(desk, Calibration):
        desk = Desk(desk, (desk,), None)
    calibration = desk.whole
    hours = placeholder_hours(calibration, time_zone)
    off = [f"{p} {percent(hours.off_hours[p], lang, 0)}" for p in PRIORITIES if p in hours.off_hours]
    outside = [f"{p} {percent(hours.off_extended[p], lang, 0)}" for p in PRIORITIES if p in hours.off_extended]
    when = say(f"calibrate.notes.hours_{hours.kind}", lang, on_call=", ".join(hours.on_call),
               off=", ".join(off), extended=", ".join(outside), window=EXTENDED_HOURS,
               people=number(hours.people, lang, 2))
    found = calibration.team
    if found is not None:
        wanted = max(1, math.ceil(found.people / hours.people - 1e-9))
        count = min(MAX_TEAM, wanted)
        origin = say("calibrate.notes.placeholder_people", lang, count=count, hours=when, column=found.column,
                     effective=number(found.effective, lang, 1), distinct=number(found.distinct, lang, 0),
                     everyone=number(found.everyone, lang, 0), weeks=found.weeks)
    else:
        if hands_on is None:
            hands_on = {c.service: {p: repair.mean for p, repair in times.items()}
                        for c, times in zip(desk.services, history_repairs(desk, own=hours.kind == "rota").values())}
            basis = "calibrate.notes.sized_history"
        else:
            basis = "calibrate.notes.sized_written"
        work = sum(rate.per_month.value * hands_on[c.service][rate.priority]
                   for c in desk.services for rate in c.rates)
        incidents = sum(rate.per_month.value for c in desk.services for rate in c.rates)
        weekly_work = work / HOURS_PER_MONTH * 168
        wanted = max(1, math.ceil(weekly_work / (hours.weekly * TARGET_UTILISATION) - 1e-9))
        count = int(min(MAX_TEAM, wanted))
        origin = say("calibrate.notes.placeholder", lang, count=count, hours=when, sized=say(
            basis, lang, mean=number(work / incidents if incidents else 0.0, lang, 1),
            work=number(weekly_work, lang, 0), share=percent(TARGET_UTILISATION, lang, 0)))
    if wanted > MAX_TEAM:
        origin += "; " + say("calibrate.notes.placeholder_capped", lang, wanted=number(wanted, lang, 0),
                             most=MAX_TEAM)
    return TeamSpec(_team(count, hours), origin, hours=hours)


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


def _impact(calibration: Calibration, priority: str) -> float:
    return next(i.value for i in calibration.impacts if i.priority == priority)


def _spread(desk: Desk) -> int:
    """The services one written service stands for: the desk's assignment groups when the whole export is one
    service, else 1 (each service is its own)."""
    return desk.groups if len(desk.services) == 1 else 1


def _users(calibration: Calibration) -> int:
    """Users of a calibrated service: its incidents a month at :data:`INCIDENTS_PER_USER`."""
    return int(min(10_000_000, max(1, round(calibration.per_month.value / INCIDENTS_PER_USER))))


def scenario_data(desk: Desk, team: TeamSpec, repairs: Repairs, time_zone: str, source: str,
                  calendar: Calendar | None = None, lang: str = "en") -> dict[str, Any]:
    """The calibrated study as scenario-file data."""
    whole = desk.whole
    calendar = calendar or history_calendar(whole, time_zone)
    services = {}
    for c in desk.services:
        per_month, growth = _per_month(c)
        profile = c.profile
        services[c.service] = {
            "users": _users(c), "service_time": "24/7", "business_hours": "HO",
            "outage_cost_per_hour": {"business": "0 EUR", "off_hours": "0 EUR"},
            "p1_impact": format_percent(round(_impact(whole, "P1") / _spread(desk), 4)),
            "p2_impact": format_percent(round(_impact(whole, "P2") / _spread(desk), 4)),
            "incidents": {"per_month": float(f"{per_month:.4g}"), "priorities": _mix(c),
                          "weekly_profile": profile.named or [float(f"{w:.3g}") for w in profile.weights],
                          "growth_per_year": format_percent(round(growth, 4))},
        }
    team_data = dict(team.data)
    if not team.repair_given:
        first = desk.services[0].service
        team_data["repair_time"] = {p: repairs[first][p].data() for p in PRIORITIES}
        if len(desk.services) > 1:
            team_data["repair_time_by_service"] = {c.service: {p: repairs[c.service][p].data() for p in PRIORITIES}
                                                   for c in desk.services[1:]}
    name = say("calibrate.file.name", lang, service=desk.services[0].service if len(desk.services) == 1 else "desk",
               source=source)
    return {
        "name": name[:80].strip(),
        "calendar": {"start": calendar.start.isoformat(), "horizon": f"{calendar.horizon_years}y",
                     "time_zone": calendar.time_zone, "country": calendar.country,
                     "warm_up": f"{calendar.warm_up_days}d",
                     **({"windows": team.hours.windows} if team.hours is not None and team.hours.windows else {})},
        "services": services,
        "teams": {TEAM_NAME: team_data},
        "scenarios": [{"name": SCENARIO_NAME, "default": {"make": TEAM_NAME}}],
    }


def study_of(data: dict[str, Any], source: str = "calibrated scenario") -> Study:
    return study_from_data(data, source=source)


def _flow(value: Any) -> str:
    """A value on one line of YAML: text double-quoted, nothing as null, mappings and lists in flow style."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True).strip()


def _g(value: float, lang: str) -> str:
    """Three significant figures in the reader's locale, never in exponent form."""
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return number(value, lang, 0)
    return number_text(value, lang, 3, significant=True)


def _interval(value: float, low: float, high: float, lang: str) -> str:
    return say("calibrate.file.interval", lang, value=_g(value, lang), low=_g(low, lang), high=_g(high, lang))


def _comment(text: str) -> str:
    """Text safe inside a YAML comment: one line."""
    return " ".join(str(text).split())


class FileText(NamedTuple):
    """What the commented file says besides the data: the repair times' origin, the back-test's lines."""

    repair_note: str
    backtest_lines: list[str]


def scenario_yaml(desk: Desk, team: TeamSpec, repairs: Repairs, time_zone: str, said: FileText,
                  lang: str = "en") -> str:
    """The calibrated scenario file, commented in ``lang``: where each figure comes from, its interval, what to
    adjust."""
    whole = desk.whole
    history = whole.history
    source = history.source.rsplit("/", 1)[-1]
    data = scenario_data(desk, team, repairs, time_zone, source, lang=lang)
    calendar = data["calendar"]

    def s(key: str, **values: object) -> str:
        return _comment(say(f"calibrate.file.{key}", lang, **values))

    end = (whole.end - pd.Timedelta(days=1)).date()
    lines = [f"# {s('made', source=history.source, format=history.format)}"]
    if history.subset is not None:
        label, kept, of = history.subset
        lines.append(f"# {s('subset', filter=label, kept=number(kept, lang, 0), of=number(of, lang, 0))}")
    lines.append(f"# {s('history', incidents=number(whole.incidents, lang, 0), start=whole.start.date(), end=end, months=number(whole.months, lang, 1), rows=number(history.rows, lang, 0))}")
    if whole.since is not None:
        lines.append(f"# {s('stable', since=whole.since.date(), first=whole.history_start.date())}")
    def labelled(label: str, text: str) -> str:
        return "#   " + s("labelled", label=s(label), text=_comment(text))

    lines += [labelled("set_aside", line) for line in history.excluded.lines(lang)]
    lines += [labelled("note", note_text(note, lang)) for note in history.notes]
    lines += [labelled("warning", note_text(w, lang) if len(desk.services) == 1 else
                       s("labelled", label=c.service, text=note_text(w, lang)))
              for c in desk.services for w in c.warnings]
    lines += [f"# {s('adjust')}", "#   sourcing validate THIS_FILE && sourcing run THIS_FILE -n 20", "",
              f"name: {_flow(data['name'])}", "currency: EUR", "",
              "calendar:",
              f"  start: {calendar['start']}          # {s('start')}",
              f"  horizon: {calendar['horizon']}               # {s('horizon')}",
              f"  time_zone: {calendar['time_zone']}     # {s('time_zone')}",
              f"  country: {_flow(calendar['country'])}                 # {s('country')}"]
    check = whole.country_check
    if check is not None and check.suggest:
        lines.append(f"  # {s('country_better', best=check.best, dip=percent(1 - check.best_dip, lang, 0))}")
    lines.append(f"  warm_up: {calendar['warm_up']}")
    if "windows" in calendar:
        lines.append(f"  windows:                  # {s('windows')}")
        lines += [f"    {name}: {_flow(value)}" for name, value in calendar["windows"].items()]
    lines += ["", "services:"]
    if desk.column is not None:
        lines.append(f"  # {s('services', column=desk.column, count=len(desk.services))}"
                     + (f" {s('grouped', values=', '.join(desk.grouped[:12]))}" if desk.grouped else ""))
    for c in desk.services:
        lines += _service_lines(c, whole, data["services"][c.service], lang, _spread(desk))
    lines += ["", "teams:", f"  {TEAM_NAME}:", f"    # {_comment(team.origin)} ({s('adjust_me')})"]
    team_data = data["teams"][TEAM_NAME]
    for key, value in team_data.items():
        if key == "repair_time":
            lines.append(f"    repair_time:                # {_comment(said.repair_note)}")
            lines += _repair_lines(desk.services[0], value, "      ", lang)
        elif key == "repair_time_by_service":
            lines.append(f"    repair_time_by_service:     # {s('by_service')}")
            for c in desk.services[1:]:
                lines.append(f"      {_flow(c.service)}:")
                lines += _repair_lines(c, value[c.service], "        ", lang)
        elif key == "members":
            lines.append("    members:")
            lines += [f"      - {_flow(member)}" for member in value]
        else:
            lines.append(f"    {key}: {_flow(value)}")
    if said.backtest_lines:
        lines.append(f"    # {s('backtest')}:")
        lines += [f"    #   {_comment(line)}" for line in said.backtest_lines]
    lines += ["", "scenarios:", f"  - name: {_flow(SCENARIO_NAME)}", f"    default: {{make: {TEAM_NAME}}}", ""]
    text = "\n".join(lines)
    parsed, root = parse_yaml(text, "calibrated scenario")
    if study_from_data(parsed, "calibrated scenario", root) != study_of(data):
        raise AssertionError("the commented scenario says something else than its data")  # a bug, not an input
    return text


def _service_lines(c: Calibration, whole: Calibration, data: dict[str, Any], lang: str,
                   spread: int = 1) -> list[str]:
    def s(key: str, **values: object) -> str:
        return _comment(say(f"calibrate.file.{key}", lang, **values))

    incidents = data["incidents"]
    users = s("users", per_month=_g(c.per_month.value, lang), ratio=number(INCIDENTS_PER_USER, lang, 1))
    lines = [f"  {_flow(c.service)}:",
             f"    users: {data['users']:<20} # {users}",
             f"    service_time: 24/7          # {s('service_time')}",
             "    business_hours: HO",
             f"    outage_cost_per_hour: {{business: 0 EUR, off_hours: 0 EUR}}   # {s('outage_cost')}"]
    for impact in whole.impacts:
        key = impact.priority.lower() + "_impact"
        if impact.known:
            labels = ", ".join(f"'{k}' {number(v, lang, 0)}" for k, v in list(impact.labels.items())[:4])
            why = s("impact_known", count=number(impact.known, lang, 0), priority=impact.priority, labels=labels)
        else:
            why = s("impact_assumed_p1" if impact.priority == "P1" else "impact_assumed_p2")
        if spread > 1:
            why = s("impact_spread", base=why, groups=number(spread, lang, 0), share=percent(impact.value, lang, 0))
        lines.append(f"    {key}: {data[key]:<18} # {why}")
    lines.append("    incidents:")
    per_month = c.per_month
    key = "per_month_trend" if c.trend.significant else "per_month"
    lines.append(f"      per_month: {incidents['per_month']}        # "
                 f"{s(key, interval=_interval(per_month.value, per_month.low, per_month.high, lang))}")
    lines.append(f"      priorities:                # {s('priorities')}")
    for rate in c.rates:
        share = incidents["priorities"][rate.priority]
        lines.append(f"        {rate.priority}: {share:<10} # " + s(
            "priority_line", count=number(rate.count, lang, 0),
            interval=_interval(rate.per_month.value, rate.per_month.low, rate.per_month.high, lang),
            low=percent(rate.share.low, lang, 1), high=percent(rate.share.high, lang, 1)))
    profile = c.profile
    if profile.named:
        lines.append(f"      weekly_profile: {profile.named}     # "
                     f"{s('profile_named', p=_g(profile.p_values[profile.named], lang))}")
    else:
        lines.append(f"      # {s('profile_own', smoothed=s('smoothed') if profile.smoothed else '', nearest=profile.nearest, p=_g(profile.p_values[profile.nearest], lang))}")
        lines.append(f"      weekly_profile: {_flow(incidents['weekly_profile'])}")
    trend = c.trend
    growth = s("from_trend") if trend.significant else s("no_trend") if trend.growth else s("no_trend_estimated")
    lines.append(f"      growth_per_year: {incidents['growth_per_year']}       # {growth}: {_comment(note_text(trend.note, lang))}")
    season = c.seasonality
    lines.append(f"      # {s('season', note=_comment(note_text(season.note, lang)))}"
                 + (f" {s('season_not_written')}" if season.significant else ""))
    return lines


def _repair_lines(c: Calibration, written: dict[str, Any], indent: str, lang: str) -> list[str]:
    lines = []
    for p in PRIORITIES:
        why = _comment(_repair_comment(c.repair_for(p), c.history.waiting, lang, "quantiles" in written[p]))
        lines.append(f"{indent}{p}: {_flow(written[p]):<44} # {why}")
    return lines


def _repair_comment(fit: RepairFit, waiting: str, lang: str, table: bool = False) -> str:
    if fit.borrowed:
        return say("calibrate.file.repair_borrowed", lang, donor=fit.borrowed, priority=fit.priority,
                   count=number(len(fit.hours), lang, 0))
    if fit.best is None:
        return say("calibrate.file.repair_default", lang)
    best = fit.best
    others = ", ".join(f"{say(f'calibrate.family.{f.family}', lang)} {number(f.aic - best.aic, lang, 0, signed=True)}"
                       for f in fit.fits[1:])
    median = fit.median
    what = say("calibrate.file.paused" if waiting == "states" else "calibrate.file.elapsed", lang)
    shape = ""
    if table:
        shape = say("calibrate.file.table_why", lang, ks=number(best.ks, lang, 3),
                          family=say(f"calibrate.family.{best.family}", lang),
                          bumps=say("calibrate.file.two_bumps", lang) if fit.bumps and fit.bumps.bimodal else "")
    return say("calibrate.file.repair_line", lang, count=number(len(fit.hours), lang, 0), what=what,
               median=_interval(median.value, median.low, median.high, lang), p90=_g(fit.p90.value, lang),
               family=say(f"calibrate.family.{best.family}", lang), others=others, ks=number(best.ks, lang, 3)) + shape
