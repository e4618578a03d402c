"""The scenario file as frozen, validated objects.

A scenario file (a *study*) declares the calendar, the services with their incident load,
the internal teams, and one or more *scenarios* that assign an option to each service.
Field-level rules live on the models; rules that relate fields to each other (a skill
naming a service, a scenario naming a team) are checked once on the whole study and
reported together with their field paths.
"""

from __future__ import annotations

import difflib
from datetime import date
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .calendar import BUILTIN_WINDOWS, Calendar, Window, parse_rules
from .errors import Problem, ScenarioError
from .model import (
    PRIORITIES,
    Z90,
    Count,
    Distribution,
    Exponential,
    Fixed,
    Lognormal,
    Model,
    Name,
    Priority,
    look_alike,
)
from .offers import ProviderOffer, SaasOffer
from .units import Duration, Money, PositiveDuration, Premium, Rate, Share, parse_duration

__all__ = ["PRIORITIES", "Z90", "Count", "Distribution", "Exponential", "Fixed", "Lognormal", "Model", "Name",
           "Priority"]

# --------------------------------------------------------------------------- calendar


class WindowDefinition(Model):
    """A named coverage window: weekly hours and whether public holidays are open.

    Without ``holidays``, a window open on all seven days runs on public holidays too, and a window of
    some days only is closed on them (see :class:`~sourcing.calendar.Window`).
    """

    hours: str | list[str] | None = None
    holidays: Literal["open", "closed"] | None = None
    except_: str | None = Field(default=None, alias="except")

    @model_validator(mode="after")
    def _one_form(self) -> WindowDefinition:
        if (self.hours is None) == (self.except_ is None):
            raise ValueError("give either 'hours' (e.g. 'Mon-Fri 08:00-18:00') or 'except' (another window)")
        if self.hours is not None:
            parse_rules(self.hours)
        return self


_WINDOW_SCHEMA = {
    "description": "weekly hours such as 'Mon-Fri 08:00-18:00; Sat 09:00-12:00', or {hours, holidays}, or {except}",
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}},
        {"type": "object", "additionalProperties": False, "properties": {
            "hours": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "holidays": {"enum": ["open", "closed"]},
            "except": {"type": "string"}}},
    ],
}


def _window_shorthand(value: Any) -> Any:
    return {"hours": value} if isinstance(value, (str, list)) else value


class CalendarSpec(Model):
    """When and where the scenario runs."""

    start: date
    horizon: Annotated[Count, Field(ge=1, le=30), WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": r"^\s*\d+\s*y\s*$"}, {"type": "integer", "minimum": 1}],
         "description": "whole years, e.g. '5y'"})] = 5
    time_zone: str = "Europe/Paris"
    country: str | None = "FR"
    subdivision: str | None = None
    extra_holidays: list[date] = []
    warm_up: Annotated[Duration, Field(ge=0, le=366 * 24)] = 28 * 24.0
    """Time simulated before the start, never measured, so that queues and work in progress start in a
    typical state instead of empty: whole days, at most a year; ``0d`` turns it off."""
    windows: dict[
        Name, Annotated[WindowDefinition, BeforeValidator(_window_shorthand), WithJsonSchema(_WINDOW_SCHEMA)]
    ] = {}

    @field_validator("horizon", mode="before")
    @classmethod
    def _years(cls, value: Any) -> Any:
        if isinstance(value, str):
            hours = parse_duration(value)
            years = hours / 8766.0
            if abs(years - round(years)) > 1e-9 or not value.strip().endswith("y"):
                raise ValueError(f"'{value}' is not a whole number of years: write e.g. '5y'")
            return round(years)
        return value

    @field_validator("start")
    @classmethod
    def _sane_year(cls, value: date) -> date:
        if not 1970 <= value.year <= 2200:
            raise ValueError(f"{value.isoformat()} is not a start date a study can use: write a date between "
                             "1970 and 2200, e.g. 2027-01-01")
        return value

    @field_validator("warm_up")
    @classmethod
    def _whole_days(cls, value: float) -> float:
        if abs(value / 24 - round(value / 24)) > 1e-9:
            raise ValueError("the warm-up is a whole number of days or weeks, e.g. '4w', '10d', or '0d' for none")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a time zone: write e.g. 'Europe/Paris'") from None
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        import holidays

        if value is not None and value not in holidays.list_supported_countries():
            raise ValueError(f"'{value}' is not a country code known to the holidays package (e.g. FR, BE, DE)")
        return value

    @field_validator("subdivision")
    @classmethod
    def _subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        import holidays

        country = info.data.get("country")
        if country is None:
            raise ValueError("a subdivision needs a country")
        known = holidays.list_supported_countries().get(country, [])
        if value not in known:
            shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
            raise ValueError(f"'{value}' is not a subdivision of {country}"
                             + (f" (known: {shown})" if known else " (it has none)"))
        return value

    def calendar(self) -> Calendar:
        return Calendar(
            start=self.start,
            horizon_years=self.horizon,
            time_zone=self.time_zone,
            country=self.country,
            subdivision=self.subdivision,
            extra_holidays=tuple(self.extra_holidays),
            warm_up_days=int(round(self.warm_up / 24)),
        )


# --------------------------------------------------------------------------- services

WEEKLY_PROFILES = ("office", "flat", "extended")


def weekly_profile(name: str) -> np.ndarray:
    """168 hourly weights (Monday 00:00 first) with mean 1, for a named profile.

    ``office``: incidents follow people at their desks, with a Monday-morning peak and a
    low floor at night and at weekends [E]. ``extended``: as office but with evenings and
    Saturdays busier (retail, call centres) [E]. ``flat``: the same rate at every hour.
    """
    if name == "flat":
        return np.ones(168)
    day = np.array([0.15] * 7 + [0.5, 1.5, 2.2, 2.0, 1.8, 1.0, 1.4, 1.8, 1.6, 1.4, 1.0, 0.5] + [0.25] * 5)
    weekend = np.full(24, 0.15)
    if name == "extended":
        day = np.maximum(day, np.array([0.15] * 7 + [0.5] + [1.2] * 14 + [0.4, 0.25]))
        weekend = np.concatenate(([0.15] * 8, [0.9] * 12, [0.25] * 4))
    days = [day * 1.25, day, day, day, day * 0.85, weekend, np.full(24, 0.15)]
    days[0] = days[0].copy()
    days[0][9] *= 1.2
    weights = np.concatenate(days)
    return weights / weights.mean()


class IncidentLoad(Model):
    """How many incidents arrive, of which priority, and when in the week."""

    per_month: Annotated[float, Field(ge=0, le=1_000_000)] | None = None
    per_user_per_month: Annotated[float, Field(ge=0, le=1000)] | None = None
    priorities: dict[Priority, Share]
    weekly_profile: Literal["office", "flat", "extended"] | Annotated[
        list[Annotated[float, Field(ge=0)]], Field(min_length=168, max_length=168)
    ] = "office"
    growth_per_year: Rate = 0.0

    @field_validator("weekly_profile", mode="before")
    @classmethod
    def _profile(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value not in WEEKLY_PROFILES:
                raise ValueError(f"'{value}' is not a weekly profile: use {', '.join(WEEKLY_PROFILES)} "
                                 "or a list of 168 hourly weights starting Monday 00:00")
        elif isinstance(value, list):
            if len(value) != 168:
                raise ValueError(f"a weekly profile lists 168 hourly weights (Monday 00:00 first), not {len(value)}")
            bad = [w for w in value if isinstance(w, bool) or not isinstance(w, (int, float)) or w < 0]
            if bad:
                raise ValueError(f"weekly profile weights must be numbers zero or more, got {bad[0]!r}")
        else:
            raise ValueError(f"expected a profile name ({', '.join(WEEKLY_PROFILES)}) or 168 weights, got {value!r}")
        return value

    @field_validator("priorities")
    @classmethod
    def _mix(cls, value: dict[str, float]) -> dict[str, float]:
        total = sum(value.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"the priority mix adds up to {total * 100:.4g}%, not 100%")
        return value

    @model_validator(mode="after")
    def _volume(self) -> IncidentLoad:
        if (self.per_month is None) == (self.per_user_per_month is None):
            raise ValueError("give exactly one of 'per_month' or 'per_user_per_month'")
        if not isinstance(self.weekly_profile, str) and max(self.weekly_profile) <= 0:
            raise ValueError("the weekly profile has no positive weight")
        return self

    def weights(self) -> np.ndarray:
        if isinstance(self.weekly_profile, str):
            return weekly_profile(self.weekly_profile)
        w = np.asarray(self.weekly_profile, dtype=float)
        w = w / w.max()  # weights are relative: scaled first, so that huge ones cannot overflow the mean
        return w / w.mean()

    def mix(self) -> np.ndarray:
        """Probabilities of P1..P4 in order."""
        return np.array([self.priorities.get(p, 0.0) for p in PRIORITIES])


class OutageCost(Model):
    """Business cost of one hour of full outage, in and out of business hours."""

    business: Money
    off_hours: Money


class Changes(Model):
    """Planned changes: each brings planned downtime in a maintenance window; some fail into incidents."""

    per_month: Annotated[float, Field(ge=0, le=10_000)]
    planned_downtime: Duration = 0.0
    window: str = "Sun 02:00-06:00"
    failure_rate: Share = 0.0
    incident_priority: Priority = "P2"


class Infrastructure(Model):
    """What running the service in-house costs besides people."""

    capex: Money = 0.0
    depreciation_years: Annotated[Count, Field(ge=1, le=20)] = 5
    opex_per_year: Money = 0.0
    licences_per_year: Money = 0.0
    licences_per_user_per_year: Money = 0.0


class Service(Model):
    """An IT service, its users, what an outage costs and what disturbs it."""

    name: str | None = None
    """What the director calls this service in sentences, tables and charts; its identifier when absent."""
    description: str = ""
    users: Annotated[Count, Field(ge=1, le=10_000_000)]
    users_growth_per_year: Rate = 0.0
    service_time: str = "24/7"
    business_hours: str = "HO"
    outage_cost_per_hour: OutageCost
    incidents: IncidentLoad
    p1_impact: Share = 1.0
    """Share of the service lost while a P1 is open (a full outage unless the history says otherwise)."""
    p2_impact: Share = 0.3
    changes: Changes | None = None
    restore_targets: dict[Priority, PositiveDuration] = {}
    """Internal restoration targets in clock hours, the same yardstick for every option."""
    availability_target: Share | None = None
    """Monthly availability objective in the agreed service time; months below it are counted."""
    months_at_target: Annotated[Share, Field(gt=0, le=1)] = 0.9
    """Share of months whose availability must reach ``availability_target`` for an option to meet it
    (90 %: about one month a year below, on average, is tolerated)."""
    infrastructure: Infrastructure = Infrastructure()

    def users_in_year(self, year: int) -> float:
        return self.users * (1 + self.users_growth_per_year) ** year

    def monthly_volume(self, year: int) -> float:
        """Expected incidents per month in scenario year ``year`` (0-based)."""
        load = self.incidents
        base = load.per_month if load.per_month is not None else load.per_user_per_month * self.users_in_year(year)
        return base * (1 + load.growth_per_year) ** year

    def impact(self, priority: str, year: int = 0) -> float:
        """Share of the service lost while an incident of this priority is open."""
        if priority == "P1":
            return self.p1_impact
        if priority == "P2":
            return self.p2_impact
        return 1.0 / self.users_in_year(year)


# --------------------------------------------------------------------------- teams


def _skills(value: Any) -> Any:
    if value == "all" or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return value
    raise ValueError(f"skills are a list of service names such as [email, erp], or 'all'; got {value!r}")


MAX_TEAM = 500
"""Most people in one team, and so on one member line."""


class Member(Model):
    """A person, or ``count`` identical people, in an internal team."""

    name: Name | None = None
    count: Annotated[Count, Field(ge=1)] = 1
    role: str = "engineer"
    annual_cost: Money
    skills: Annotated[list[str] | Literal["all"], BeforeValidator(_skills)] = "all"
    priorities: Annotated[list[Priority], Field(min_length=1)] = list(PRIORITIES)
    """The priorities this member handles (e.g. level 1 takes P3 and P4 only)."""
    shift: str = "HO"
    on_call: bool = True

    @field_validator("count")
    @classmethod
    def _at_most_a_team(cls, value: int) -> int:
        if value > MAX_TEAM:
            raise ValueError(f"{value:,} people on one line: a team has at most {MAX_TEAM}; model a larger desk as "
                             "several teams (one per group or service, each with its skills)")
        return value


class OnCall(Model):
    """Astreinte: one member on call each week outside shifts for the listed priorities."""

    window: str = "HNO"
    priorities: Annotated[list[Priority], Field(min_length=1)] = ["P1"]
    call_out_delay: Distribution = Fixed(fixed="30min")
    weekly_premium: Money
    per_intervention: Money = 0.0
    rotation_start: Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] = "Mon"


class Absences(Model):
    """Annual leave taken in blocks at random times, and sickness spells."""

    annual_leave_days: Annotated[float, Field(ge=0, le=120)] = 25
    leave_block_days: Annotated[Count, Field(ge=1, le=30)] = 5
    sickness: Share = 0.0
    sickness_spell: PositiveDuration = 72.0


class Departures(Model):
    """People leave with a yearly probability; their post stays vacant for the hiring delay."""

    yearly_probability: Share
    """At most 99 %: a post is left at some rate, not for sure every year."""
    hiring_delay: Duration
    hiring_cost: Money = 0.0

    @field_validator("yearly_probability")
    @classmethod
    def _below_certain(cls, value: float) -> float:
        if value > 0.99:
            raise ValueError(f"{value:.0%} a year means everyone leaves every year: write at most 99%")
        return value


class Person(Model):
    """One named member of a team, as the engine sees them."""

    name: str
    role: str
    annual_cost: float
    skills: frozenset[str]
    priorities: tuple[str, ...]
    shift: str
    on_call: bool


class Team(Model):
    """An internal team: who, when they work, how fast they restore, and the rules they follow."""

    name: str | None = None
    """What the director calls this team in tables and charts; its identifier when absent."""
    description: str = ""
    members: Annotated[list[Member], Field(min_length=1)]
    repair_time: dict[Priority, Distribution]
    repair_time_by_service: dict[str, dict[Priority, Distribution]] = {}
    """Repair times of some services that differ from the team's (the priorities given replace the team's for
    that service): a calibration writes each service's own."""
    shift_end: Literal["overtime", "handover"] = "handover"
    overtime_premium: Premium = 0.25
    preemption: bool = True
    on_call: OnCall | None = None
    absences: Absences | None = None
    departures: Departures | None = None

    @field_validator("repair_time")
    @classmethod
    def _every_priority(cls, value: dict) -> dict:
        missing = [p for p in PRIORITIES if p not in value]
        if missing:
            raise ValueError(f"no repair time for {', '.join(missing)}: give one for each of P1, P2, P3, P4")
        return value

    def people(self, services: list[str]) -> list[Person]:
        """Members expanded into named people; ``count: 3`` of role technician becomes technician 1..3
        (numbering continues across entries of the same role)."""
        out = []
        numbered: dict[str, int] = {}
        for member in self.members:
            skills = frozenset(services if member.skills == "all" else member.skills)
            base = member.name or member.role
            for _ in range(member.count):
                if member.count == 1 and member.name:
                    name = base
                else:
                    numbered[base] = numbered.get(base, 0) + 1
                    name = f"{base} {numbered[base]}"
                out.append(
                    Person(name=name, role=member.role, annual_cost=member.annual_cost, skills=skills,
                           priorities=tuple(member.priorities), shift=member.shift, on_call=member.on_call)
                )
        return out

    @property
    def size(self) -> int:
        return sum(m.count for m in self.members)


# --------------------------------------------------------------------------- economics, scenarios


class Economics(Model):
    """Money over time: discounting, indexation and the hours a salary pays for."""

    discount_rate: Rate = 0.05
    salary_growth: Rate = 0.02
    price_indexation: Rate = 0.02
    working_hours_per_year: Annotated[float, Field(gt=0, le=3000)] = 1607


class OptionModel(Model):
    """What every kind of option answers when a study is validated: the problems of the names it uses,
    and the windows it names. How an option runs is the simulation's business
    (:mod:`simulation.options`)."""

    kind: ClassVar[str]
    """The option's key in a scenario file (``make``, ``outsource``...)."""

    def check(self, study: Study, service: str, where: tuple) -> list[Problem]:
        """Problems with the teams and offers this option names for a service (``where`` is its path)."""
        raise NotImplementedError

    def windows(self) -> list[tuple[tuple[str, ...], str]]:
        """Windows this option names, each with its path below the option."""
        return []


class MakeOption(OptionModel):
    """Run the service in-house with an internal team."""

    kind: ClassVar[str] = "make"
    make: Name

    def check(self, study: Study, service: str, where: tuple) -> list[Problem]:
        return _check_team(study, self.make, service, (*where, "make"))


class OutsourceOption(OptionModel):
    """Have a provider restore the service under one of its offers (infogérance)."""

    kind: ClassVar[str] = "outsource"
    outsource: Name

    def check(self, study: Study, service: str, where: tuple) -> list[Problem]:
        return _check_offer(study.providers, "provider offer", self.outsource, (*where, "outsource"), "providers")


class SaasOption(OptionModel):
    """Buy the service: a SaaS offer; user-level incidents go to an internal desk if one is named,
    otherwise to the provider's support."""

    kind: ClassVar[str] = "saas"
    saas: Name
    desk: Name | None = None

    def check(self, study: Study, service: str, where: tuple) -> list[Problem]:
        problems = _check_offer(study.saas, "SaaS offer", self.saas, (*where, "saas"), "saas")
        if self.desk is not None:
            problems += _check_team(study, self.desk, service, (*where, "desk"), priorities=("P3", "P4"))
        return problems


class Escalation(Model):
    """Hand the incident to the provider as well if the team has not restored it after a delay."""

    after: PositiveDuration
    priorities: Annotated[list[Priority], Field(min_length=1)] = ["P1"]


class Hybrid(Model):
    """The internal team outside the provider's window, the provider inside it, and escalation."""

    team: Name
    provider: Name
    provider_window: str = "HNO"
    """Incidents declared in this window go to the provider; the others to the team."""
    escalate: Escalation | None = None


class HybridOption(OptionModel):
    """Internal team and provider together."""

    kind: ClassVar[str] = "hybrid"
    hybrid: Hybrid

    def check(self, study: Study, service: str, where: tuple) -> list[Problem]:
        hybrid = self.hybrid
        problems = _check_team(study, hybrid.team, service, (*where, "hybrid", "team"))
        problems += _check_offer(study.providers, "provider offer", hybrid.provider, (*where, "hybrid", "provider"),
                                 "providers")
        try:
            resolve_window(hybrid.provider_window, study.calendar.windows)
        except ValueError as exc:
            problems.append(Problem((*where, "hybrid", "provider_window"), str(exc)))
        return problems

    def windows(self) -> list[tuple[tuple[str, ...], str]]:
        return [(("hybrid", "provider_window"), self.hybrid.provider_window)]


OPTION_KINDS = ("make", "outsource", "saas", "hybrid")


def _option_tag(value: Any) -> str | None:
    if isinstance(value, OptionModel):
        return value.kind
    if isinstance(value, dict):
        found = [key for key in OPTION_KINDS if key in value]
        return found[0] if len(found) == 1 else None
    return None


def _option_keys(value: Any) -> Any:
    if isinstance(value, dict):
        kinds = [key for key in OPTION_KINDS if key in value]
        if len(kinds) > 1:
            raise ValueError(f"an option is one kind only, not {' and '.join(kinds)}")
        if not kinds:
            shown = ", ".join(f"'{k}'" for k in value) or "nothing"
            raise ValueError(f"{shown} is not an option: write {{make: team}}, {{outsource: offer}}, "
                             "{saas: offer} or {hybrid: {team: ..., provider: ...}}")
    return value


Option = Annotated[
    Annotated[MakeOption, Tag("make")]
    | Annotated[OutsourceOption, Tag("outsource")]
    | Annotated[SaasOption, Tag("saas")]
    | Annotated[HybridOption, Tag("hybrid")],
    Discriminator(_option_tag, custom_error_type="option",
                  custom_error_message="an option is one of {make: team}, {outsource: offer}, {saas: offer} "
                                       "or {hybrid: {team: ..., provider: ...}}"),
    BeforeValidator(_option_keys),
]


class Scenario(Model):
    """One alternative: an option for every service."""

    name: Name
    description: str = ""
    default: Option | None = None
    options: dict[str, Option] = {}

    def option_for(self, service: str) -> Option:
        option = self.options.get(service, self.default)
        assert option is not None, "checked at load time"
        return option


class Study(Model):
    """A scenario file: shared services and teams, and the scenarios that compare options."""

    name: Name
    description: str = ""
    currency: Literal["EUR", "USD", "GBP", "CHF"] = "EUR"
    calendar: CalendarSpec
    economics: Economics = Economics()
    services: Annotated[dict[Name, Service], Field(min_length=1)]
    teams: dict[Name, Team] = {}
    providers: dict[Name, ProviderOffer] = {}
    saas: dict[Name, SaasOffer] = {}
    scenarios: Annotated[list[Scenario], Field(min_length=1)]
    baseline: str | None = None
    translations: dict[str, dict[str, str]] = {}
    """The names and descriptions in other languages, ``{fr: {text as written: its French}}``: read by
    :func:`sourcing.files.in_language` when the reader's language is one of them."""

    @model_validator(mode="after")
    def _cross_references(self) -> Study:
        problems = check_references(self)
        if problems:
            raise ScenarioError(problems)
        return self

    @cached_property
    def calendar_(self) -> Calendar:
        return self.calendar.calendar()

    def window(self, ref: str) -> Window:
        """Resolve a window reference: a name declared in the calendar, a built-in, or inline rules."""
        return resolve_window(ref, self.calendar.windows)

    def scenario(self, name: str) -> Scenario:
        for scenario in self.scenarios:
            if scenario.name == name:
                return scenario
        raise KeyError(name)

    @property
    def baseline_name(self) -> str:
        return self.baseline or self.scenarios[0].name

    @cached_property
    def names(self) -> dict[str, str]:
        """What to call each service, provider offer, SaaS offer and team in sentences, tables and charts, by
        identifier (see :func:`display_names`)."""
        return {**display_names(self.services), **display_names(self.teams), **display_names(self.saas),
                **display_names(self.providers)}

    def name_of(self, key: str) -> str:
        """The display name of a service, provider offer, SaaS offer or team; ``key`` itself for anything else."""
        return self.names.get(key, key)


def display_names(entries: dict[str, Any]) -> dict[str, str]:
    """Identifier -> what people call it: its ``name``, else its ``provider`` (an offer), else the identifier.
    Two entries that would be called alike (two offers of one provider) carry their identifier as well."""
    chosen = {key: (getattr(entry, "name", None) or getattr(entry, "provider", "") or key).strip() or key
              for key, entry in entries.items()}
    seen: dict[str, int] = {}
    for text in chosen.values():
        seen[text] = seen.get(text, 0) + 1
    return {key: f"{text} ({key})" if seen[text] > 1 and text != key else text for key, text in chosen.items()}


MAX_WINDOW_CHAIN = 10
"""Longest chain of windows defined as the complement of another."""


def resolve_window(ref: str, defined: dict[str, WindowDefinition], _seen: tuple[str, ...] = ()) -> Window:
    """Turn a window reference into a :class:`Window`, or raise ``ValueError`` saying why not."""
    if ref in defined:
        if ref in _seen:
            raise ValueError(f"window '{ref}' is defined in terms of itself")
        if len(_seen) >= MAX_WINDOW_CHAIN:
            raise ValueError(f"window '{_seen[0]}' is the complement of a complement ... {MAX_WINDOW_CHAIN} times "
                             "over: define it directly with 'hours'")
        definition = defined[ref]
        if definition.except_ is not None:
            inner = resolve_window(definition.except_, defined, (*_seen, ref))
            return Window(label=ref, complement_of=inner)
        holidays = None if definition.holidays is None else definition.holidays == "open"
        return Window(label=ref, rules=parse_rules(definition.hours), holidays_open=holidays)
    if ref in BUILTIN_WINDOWS:
        return BUILTIN_WINDOWS[ref]
    try:
        return Window(label=ref, rules=parse_rules(ref))
    except ValueError as exc:
        known = sorted(set(BUILTIN_WINDOWS) | set(defined))
        close = difflib.get_close_matches(ref, known, n=1)
        if close:
            raise ValueError(f"'{ref}' is not a window name: did you mean '{close[0]}'?") from None
        raise ValueError(f"'{ref}' is neither a window name ({', '.join(known)}) nor a rule: {exc}") from None


def check_guarantees(offer: ProviderOffer, windows: dict[str, WindowDefinition], base: tuple) -> list[Problem]:
    """A GTR must fit in a week of the coverage window, and a GTI cannot be longer than the GTR."""
    try:
        coverage = resolve_window(offer.coverage, windows)
    except ValueError:
        return []  # reported with the window itself
    weekly = coverage.weekly_hours
    problems = []
    for priority in PRIORITIES:
        gtr, gti = offer.gtr.get(priority), offer.gti.get(priority)
        if gtr is not None and gtr > weekly + 1e-9:
            problems.append(Problem((*base, "gtr", priority),
                                    f"a GTR of {gtr:g} covered hours is longer than the window '{offer.coverage}' "
                                    f"allows in a week ({weekly:g} covered hours): write a shorter GTR or 'none'"))
        if gtr is not None and gti is not None and gti > gtr + 1e-9:
            problems.append(Problem((*base, "gti", priority),
                                    f"the GTI ({gti:g} h) is longer than the GTR ({gtr:g} h)"))
    return problems


MAX_INCIDENTS = 1_000_000
"""Most incidents one replication may expect over the horizon and the warm-up (all services together)."""
MAX_CHANGES = 200_000
"""Most changes one replication may expect over the horizon (all services together)."""
MAX_PEOPLE = 2_000
"""Most people in one study (all teams together)."""
MAX_SPELLS = 20_000
"""Most sickness spells one person may expect over the horizon."""
MAX_SCENARIOS = 100
"""Most scenarios in one study."""
MAX_SERVICES = 100
"""Most services in one study."""
MAX_PAIRS = 1_000
"""Most services x scenarios in one study: each pair measures about eighty figures a replication."""


def expected_incidents(study: Study) -> float:
    """Incidents one replication expects over the warm-up and the horizon, all services together."""
    calendar = study.calendar_
    lead = calendar.warm_up_days / 365.25
    return sum(12 * (lead * s.monthly_volume(0) + sum(s.monthly_volume(y) for y in range(calendar.horizon_years)))
               for s in study.services.values())


def check_limits(study: Study) -> list[Problem]:
    """Sizes that bound what one replication holds in memory (about 1 GB at the limits) and how long it
    runs: checked before anything is drawn, each problem naming the limit."""
    problems: list[Problem] = []
    calendar = study.calendar_
    years = calendar.horizon_years
    incidents = expected_incidents(study)
    changes = sum(12 * years * s.changes.per_month for s in study.services.values() if s.changes is not None)
    if incidents > MAX_INCIDENTS:
        problems.append(Problem(("services",), f"the services expect {incidents:,.0f} incidents over the horizon, "
                                               f"more than the {MAX_INCIDENTS:,} a replication may hold: check the "
                                               "volumes (per_month, per_user_per_month x users, growth)"))
    if changes > MAX_CHANGES:
        problems.append(Problem(("services",), f"the services expect {changes:,.0f} changes over the horizon, more "
                                               f"than the {MAX_CHANGES:,} a replication may hold"))
    people = 0
    for name, team in study.teams.items():
        size = team.size
        people += size
        if size > MAX_TEAM:
            problems.append(Problem(("teams", name, "members"), f"{size:,} people: a team has at most {MAX_TEAM}; model "
                                                                "a larger desk as several teams (one per group or "
                                                                "service, each with its skills)"))
        if team.absences is not None and team.absences.sickness > 0:
            spells = team.absences.sickness / team.absences.sickness_spell * (calendar.horizon_hours
                                                                              - calendar.warm_up_start)
            if spells > MAX_SPELLS:
                problems.append(Problem(("teams", name, "absences", "sickness_spell"),
                                        f"{team.absences.sickness_spell * 3600:g} seconds a spell means "
                                        f"{spells:,.0f} sickness spells per person over the horizon (at most "
                                        f"{MAX_SPELLS:,}): write the average length of a spell, e.g. 3d"))
    if people > MAX_PEOPLE:
        problems.append(Problem(("teams",), f"{people:,} people in all: a study has at most {MAX_PEOPLE:,}"))
    if len(study.services) > MAX_SERVICES:
        problems.append(Problem(("services",), f"{len(study.services)} services: a study has at most "
                                               f"{MAX_SERVICES}; split it into several files"))
    if len(study.scenarios) > MAX_SCENARIOS:
        problems.append(Problem(("scenarios",), f"{len(study.scenarios)} scenarios: a study has at most "
                                                f"{MAX_SCENARIOS}; split it into several files"))
    elif len(study.services) * len(study.scenarios) > MAX_PAIRS:
        problems.append(Problem(("scenarios",), f"{len(study.services)} services x {len(study.scenarios)} scenarios "
                                                f"= {len(study.services) * len(study.scenarios):,} pairs: a study "
                                                f"has at most {MAX_PAIRS:,}; split it into several files"))
    return problems


def check_references(study: Study) -> list[Problem]:
    """Rules that relate parts of the study to each other, with the field path of each problem."""
    problems: list[Problem] = check_limits(study)
    if problems:
        return problems
    windows = study.calendar.windows
    services = list(study.services)

    def window(path: tuple, ref: str) -> None:
        try:
            resolve_window(ref, windows)
        except ValueError as exc:
            problems.append(Problem(path, str(exc)))

    for name, definition in windows.items():
        if definition.except_ is not None:
            window(("calendar", "windows", name, "except"), definition.except_)
    for name, service in study.services.items():
        window(("services", name, "service_time"), service.service_time)
        window(("services", name, "business_hours"), service.business_hours)
        if service.changes is not None:
            window(("services", name, "changes", "window"), service.changes.window)
    for team_name, team in study.teams.items():
        base = ("teams", team_name)
        for i, member in enumerate(team.members):
            window((*base, "members", i, "shift"), member.shift)
            if member.skills != "all":
                for j, skill in enumerate(member.skills):
                    if skill not in study.services:
                        problems.append(Problem((*base, "members", i, "skills", j),
                                                f"'{skill}' is not a service of this file "
                                                f"(services: {', '.join(services)})"))
        first: dict[str, str] = {}
        twice: list[str] = []
        for person in team.people(services):
            key = look_alike(person.name)
            if key in first and first[key] not in twice:
                twice.append(first[key])
            first.setdefault(key, person.name)
        for dup in twice:
            problems.append(Problem((*base, "members"), f"two members are called '{dup}'"))
        for service in team.repair_time_by_service:
            if service not in study.services:
                problems.append(Problem((*base, "repair_time_by_service", service),
                                        f"'{service}' is not a service of this file (services: {', '.join(services)})"))
        if team.on_call is not None:
            window((*base, "on_call", "window"), team.on_call.window)
            if not any(m.on_call for m in team.members):
                problems.append(Problem((*base, "on_call"), "no member takes part in the on-call rota"))

    for name, offer in study.providers.items():
        window(("providers", name, "coverage"), offer.coverage)
        window(("providers", name, "fees", "hno_window"), offer.fees.hno_window)
        problems.extend(check_guarantees(offer, windows, ("providers", name)))
    for name, offer in study.saas.items():
        window(("saas", name, "support", "window"), offer.support.window)
        if offer.maintenance is not None:
            window(("saas", name, "maintenance", "window"), offer.maintenance.window)

    seen: dict[str, str] = {}
    for i, scenario in enumerate(study.scenarios):
        base = ("scenarios", i)
        if look_alike(scenario.name) in seen:
            first = seen[look_alike(scenario.name)]
            problems.append(Problem((*base, "name"), f"scenario name '{scenario.name}' is used twice"
                                    + ("" if first == scenario.name else f" (as '{first}')")))
        seen.setdefault(look_alike(scenario.name), scenario.name)
        for service in scenario.options:
            if service not in study.services:
                problems.append(Problem((*base, "options", service),
                                        f"'{service}' is not a service of this file (services: {', '.join(services)})"))
        for service in services:
            option = scenario.options.get(service, scenario.default)
            where = (*base, "options", service) if service in scenario.options else (*base, "default")
            if option is None:
                problems.append(Problem((*base, "options"),
                                        f"no option for service '{service}': add it under options or give a default"))
                continue
            problems.extend(option.check(study, service, where))
    names = [s.name for s in study.scenarios]
    if study.baseline is not None and study.baseline not in names:
        problems.append(Problem(("baseline",), f"'{study.baseline}' is not one of the scenarios ({', '.join(names)})"))
    return problems


def _check_offer(offers: dict, kind: str, name: str, where: tuple, section: str) -> list[Problem]:
    if name in offers:
        return []
    close = difflib.get_close_matches(name, list(offers), n=1)
    hint = f": did you mean '{close[0]}'?" if close else f" (declared under '{section}': {', '.join(offers) or 'none'})"
    return [Problem(where, f"unknown {kind} '{name}'{hint}")]


def _check_team(study: Study, name: str, service: str, where: tuple,
                priorities: tuple[str, ...] = PRIORITIES) -> list[Problem]:
    team = study.teams.get(name)
    if team is None:
        known = ", ".join(study.teams) or "none declared"
        return [Problem(where, f"unknown team '{name}' (teams: {known})")]
    able = [m for m in team.members if m.skills == "all" or service in m.skills]
    if not able:
        return [Problem(where, f"no member of team '{name}' has the skill for service '{service}'")]
    mix = study.services[service].incidents.priorities
    orphans = [p for p in priorities if mix.get(p, 0) > 0 and not any(p in m.priorities for m in able)]
    if orphans:
        return [Problem(where, f"no member of team '{name}' handles {', '.join(orphans)} incidents of service "
                               f"'{service}'")]
    return []
