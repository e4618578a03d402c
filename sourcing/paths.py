"""Parameter paths: one notation, everywhere (command line, batch files, the app), to read or change one
value of a scenario file without editing it.

A path names a value as a consultant reads the file: ``providers.msp.fees.monthly``,
``teams.ops.members[0].count``, ``services.email.incidents.per_month``. A name holding a dot is quoted:
``services["e.mail"].users``. Values are written as in the file, with their units (``4200 EUR``, ``4h``,
``5%``); a changed file goes through the same validation as a file, so a wrong value gets the same
message, with the path.

Every path has a kind (:data:`PATH_KINDS`, one registry): *structural* (a new value needs a new simulation),
*price* or *judgement* (a stored run is valued again at it, :mod:`simulation.ledger`), with its unit and
its label in the catalogue (``param.*``), so that no screen shows a dotted path.
"""

from __future__ import annotations

import copy
import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import Problem, ScenarioError
from .scenario import Study
from .units import OutOfBounds, format_duration, format_percent, parse_duration, parse_fraction, parse_money

Path = tuple[str | int, ...]
_TOKEN = re.compile(r'\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\[\'((?:[^\'\\]|\\.)*)\'\]|([^.\[\]]+)')


def parse_path(text: str) -> Path:
    """``teams.ops.members[0].count`` as ``("teams", "ops", "members", 0, "count")``."""
    text = text.strip()
    if not text:
        raise ValueError("an empty path: write e.g. providers.msp.fees.monthly")
    parts: list[str | int] = []
    position = 0
    while position < len(text):
        if text[position] == "." and parts:
            position += 1
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"'{text}' is not a path: write names joined by dots and list positions in brackets, "
                             "e.g. teams.ops.members[0].count")
        index, double, single, name = match.groups()
        parts.append(int(index) if index is not None else (double if double is not None else
                                                          single if single is not None else name.strip()))
        position = match.end()
    return tuple(parts)


def path_text(path: Path) -> str:
    """The path as written: names joined by dots, positions in brackets, odd names quoted."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[^.\[\]\s\"']+", str(part)):
            text += ("." if text else "") + str(part)
        else:
            text += f'["{part}"]'
    return text


def study_data(study: Study) -> dict:
    """The study as the data of its file: every default written out, values with their units."""
    return study.model_dump(mode="json", by_alias=True, exclude_none=True, context={"currency": study.currency})


def locate(data: Any, path: Path, source: str = "--set", report: Path | None = None) -> Any:
    """The value at ``path``; a path that does not exist is a ScenarioError saying what exists there
    (reported under ``report``, the whole path the user wrote, when given)."""
    shown = path if report is None else report
    node = data
    for depth, part in enumerate(path):
        here = path[:depth]
        if isinstance(node, dict):
            if part not in node:
                raise ScenarioError([Problem(shown, _missing(str(part), list(node), here))], source=source)
            node = node[part]
        elif isinstance(node, list):
            if not isinstance(part, int) or not 0 <= part < len(node):
                raise ScenarioError([Problem(shown, f"{path_text(here) or 'the file'} is a list of {len(node)}: write "
                                                   f"a position from [0] to [{len(node) - 1}]")], source=source)
            node = node[part]
        else:
            raise ScenarioError([Problem(shown, f"{path_text(here)} is a single value ({node!r}), it has no "
                                               f"'{part}'")], source=source)
    return node


def _missing(name: str, known: list, here: Path) -> str:
    close = difflib.get_close_matches(name, [str(k) for k in known], n=1)
    where = path_text(here) or "the top level"
    if close:
        return f"'{name}' is not under {where}: did you mean '{close[0]}'?"
    shown = ", ".join(str(k) for k in known[:12]) + (" ..." if len(known) > 12 else "")
    return f"'{name}' is not under {where} (there: {shown})"


def with_values(study: Study, changes: dict[str, Any], source: str = "--set") -> Study:
    """The study with each ``path: value`` set (values as written in a file: text with units, numbers,
    lists), validated as a file; an unknown path or a wrong value is a ScenarioError naming the path.
    A field left to its default may be set too (``providers.msp.capacity``)."""
    from .files import fields_at, study_from_data

    data = copy.deepcopy(study_data(study))
    for text, value in changes.items():
        path = parse_path(text)
        parent = locate(data, path[:-1], source, report=path) if len(path) > 1 else data
        last = path[-1]
        if isinstance(parent, dict) and (last in parent or last in fields_at(path[:-1])):
            parent[last] = value
        elif isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
            parent[last] = value
        elif isinstance(parent, dict):
            known = list(dict.fromkeys([*parent, *fields_at(path[:-1])]))
            raise ScenarioError([Problem(path, _missing(str(last), known, path[:-1]))], source=source)
        else:
            locate(data, path, source)  # raises, saying why
    return study_from_data(data, source=source)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` from the command line; the value is read as YAML (``4200 EUR`` stays text, ``3`` is a
    number, ``[P1, P2]`` a list)."""
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ValueError(f"'{text}': write PATH=VALUE, e.g. providers.msp.fees.monthly='4200 EUR'")
    parse_path(path)
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError:
        parsed = value.strip()
    return path.strip(), parsed


@dataclass(frozen=True)
class Quantity:
    """A value of the file read as a number, with how to write another number back in the same unit."""

    number: float
    unit: str
    write: Callable[[float], Any]

    def text(self, number: float) -> str:
        written = self.write(number)
        return written if isinstance(written, str) else f"{written:g}"


def quantity(value: Any) -> Quantity:
    """A numeric value of the file (a number, money, a duration, a share); ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return Quantity(float(value), "", lambda x: int(round(x)))
    if isinstance(value, float):
        return Quantity(value, "", float)
    if isinstance(value, str):
        text = value.strip()
        try:
            amount, currency = parse_money(text)
            return Quantity(amount, currency, lambda x, c=currency: f"{x:.10g} {c}")
        except OutOfBounds:
            raise
        except ValueError:
            pass
        if text.endswith("%"):
            share = parse_fraction(text) if not text.startswith("-") else -parse_fraction(text[1:])
            return Quantity(share, "%", lambda x: format_percent(x))
        try:
            hours = parse_duration(text)
            return Quantity(hours, "h", lambda x: format_duration(max(x, 0.0)))
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a number, an amount, a duration or a share: it cannot vary")


def read_quantity(study: Study, text: str, source: str = "--vary") -> tuple[Path, Quantity]:
    """The path and its current value as a :class:`Quantity`, or a ScenarioError saying why not."""
    path = parse_path(text)
    value = locate(study_data(study), path, source)
    try:
        return path, quantity(value)
    except ValueError as exc:
        raise ScenarioError([Problem(path, str(exc))], source=source) from None


# --------------------------------------------------------------------------- what kind of value a path holds

STRUCTURAL, PRICE, JUDGEMENT = "structural", "price", "judgement"
"""*Structural*: changes what is simulated (volumes, repair times, staffing, coverage, GTR, provider
performance, outages): a new value needs a new simulation. *Price*: fees, salaries, premiums, prices,
penalties and credits, outage costs, one-off costs, economics: a new value re-values the quantities already
simulated (:mod:`simulation.ledger`). *Judgement*: how results are judged (availability targets)."""


@dataclass(frozen=True)
class PathKind:
    """What a path of the scenario file holds: its kind, its unit (an identifier of the catalogue's
    ``unit.`` entries, ``money`` for an amount in the study's currency, ``share`` or ``text``), its label
    (``param.<label>`` in the catalogue, English and French) and whether a stored run answers a change of it
    without simulating again (every price, and the judgements that only valued rows read)."""

    pattern: str
    kind: str
    unit: str
    label: str
    revalued: bool

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.pattern.replace("[*]", ".[*]").split("."))


def _kinds(kind: str, revalued: bool, *entries: tuple[str, str, str]) -> list[PathKind]:
    return [PathKind(pattern, kind, unit, label, revalued) for pattern, unit, label in entries]


PATH_KINDS: tuple[PathKind, ...] = tuple([
    *_kinds(PRICE, True,
            ("economics.discount_rate", "share", "discount_rate"),
            ("economics.salary_growth", "share", "salary_growth"),
            ("economics.price_indexation", "share", "price_indexation"),
            ("economics.working_hours_per_year", "hours", "working_hours_per_year"),
            ("services.*.outage_cost_per_hour.business", "money", "outage_cost_business"),
            ("services.*.outage_cost_per_hour.off_hours", "money", "outage_cost_off_hours"),
            ("services.*.infrastructure.capex", "money", "capex"),
            ("services.*.infrastructure.depreciation_years", "years", "depreciation_years"),
            ("services.*.infrastructure.opex_per_year", "money", "opex_per_year"),
            ("services.*.infrastructure.licences_per_year", "money", "licences_per_year"),
            ("services.*.infrastructure.licences_per_user_per_year", "money", "licences_per_user_per_year"),
            ("teams.*.members[*].annual_cost", "money", "annual_cost"),
            ("teams.*.overtime_premium", "share", "overtime_premium"),
            ("teams.*.on_call.weekly_premium", "money", "on_call_weekly_premium"),
            ("teams.*.on_call.per_intervention", "money", "on_call_per_intervention"),
            ("teams.*.departures.hiring_cost", "money", "hiring_cost"),
            ("providers.*.fees.monthly", "money", "monthly_fee"),
            ("providers.*.fees.extra_ticket", "money", "extra_ticket"),
            ("providers.*.fees.tickets_included", "tickets_per_month", "tickets_included"),
            ("providers.*.fees.hno_multiplier", "times", "hno_multiplier"),
            ("providers.*.penalties.per_breach.*", "charge", "penalty_per_breach"),
            ("providers.*.penalties.per_hour_late.*", "charge", "penalty_per_hour_late"),
            ("providers.*.penalties.monthly_cap", "charge", "penalty_cap"),
            ("providers.*.penalties.**", "charge", "penalties"),
            ("providers.*.transition.cost", "money", "transition_cost"),
            ("providers.*.retained.annual_cost", "money", "retained_cost"),
            ("providers.*.retained.fte", "fte", "retained_fte"),
            ("providers.*.exit_cost", "money", "exit_cost"),
            ("providers.*.indexation", "share", "indexation"),
            ("providers.*.contract_years", "years", "contract_years"),
            ("saas.*.price_per_user_month", "money", "price_per_user_month"),
            ("saas.*.sla.availability", "share", "sla_availability"),
            ("saas.*.sla.cap", "share", "credit_cap"),
            ("saas.*.sla.claimed", "text", "credits_claimed"),
            ("saas.*.sla.credits[*].below", "share", "credit_tier_below"),
            ("saas.*.sla.credits[*].credit", "share", "credit_tier_credit"),
            ("saas.*.sla.**", "share", "sla"),
            ("saas.*.migration.cost", "money", "migration_cost"),
            ("saas.*.retained.annual_cost", "money", "retained_cost"),
            ("saas.*.retained.fte", "fte", "retained_fte"),
            ("saas.*.exit_cost", "money", "exit_cost"),
            ("saas.*.indexation", "share", "indexation")),
    *_kinds(JUDGEMENT, True,
            ("services.*.availability_target", "share", "availability_target"),
            ("services.*.months_at_target", "share", "months_at_target")),
    *_kinds(JUDGEMENT, False,
            ("services.*.restore_targets.*", "hours", "restore_target")),
    *_kinds(STRUCTURAL, False,
            ("name", "text", "study_name"),
            ("description", "text", "description"),
            ("translations.**", "text", "translations"),
            ("currency", "text", "currency"),
            ("baseline", "text", "baseline"),
            ("calendar.horizon", "years", "horizon"),
            ("calendar.warm_up", "hours", "warm_up"),
            ("calendar.windows.**", "text", "window"),
            ("calendar.**", "text", "calendar"),
            ("services.*.users", "users", "users"),
            ("services.*.users_growth_per_year", "share", "users_growth_per_year"),
            ("services.*.service_time", "text", "service_time"),
            ("services.*.business_hours", "text", "business_hours"),
            ("services.*.p1_impact", "share", "p1_impact"),
            ("services.*.p2_impact", "share", "p2_impact"),
            ("services.*.incidents.per_month", "a_month", "incidents_per_month"),
            ("services.*.incidents.per_user_per_month", "per_user_per_month", "incidents_per_user_per_month"),
            ("services.*.incidents.priorities.*", "share", "priority_mix"),
            ("services.*.incidents.growth_per_year", "share", "incident_growth"),
            ("services.*.incidents.**", "text", "weekly_profile"),
            ("services.*.changes.**", "text", "changes"),
            ("services.*.**", "text", "service"),
            ("teams.*.members[*].count", "people", "headcount"),
            ("teams.*.members[*].**", "text", "member"),
            ("teams.*.repair_time.**", "hours", "repair_time"),
            ("teams.*.repair_time_by_service.**", "hours", "repair_time"),
            ("teams.*.departures.yearly_probability", "share", "departure_rate"),
            ("teams.*.departures.hiring_delay", "hours", "hiring_delay"),
            ("teams.*.on_call.**", "text", "on_call"),
            ("teams.*.absences.**", "text", "absences"),
            ("teams.*.**", "text", "team"),
            ("providers.*.fees.hno_window", "text", "hno_window"),
            ("providers.*.transition.duration", "hours", "transition_duration"),
            ("providers.*.coverage", "text", "coverage"),
            ("providers.*.gti.**", "hours", "gti"),
            ("providers.*.gtr.**", "hours", "gtr"),
            ("providers.*.performance.**", "hours", "performance"),
            ("providers.*.capacity", "engineers", "capacity"),
            ("providers.*.prevents.**", "share", "prevents"),
            ("providers.*.hosting", "text", "hosting"),
            ("providers.*.**", "text", "provider"),
            ("saas.*.migration.duration", "hours", "migration_duration"),
            ("saas.*.outages.**", "text", "saas_outages"),
            ("saas.*.maintenance.**", "text", "maintenance"),
            ("saas.*.support.**", "text", "support"),
            ("saas.*.**", "text", "saas"),
            ("scenarios.**", "text", "scenarios")),
])
"""The one registry of what each path of a scenario file holds, first match first (``*`` any name, ``[*]``
any position, ``**`` anything below). ``--set``, batch grids and the what-if questions read it to decide
whether a new value needs a simulation; screens read its labels, never the path."""


def _matches(parts: tuple[str, ...], path: Path) -> bool:
    for k, want in enumerate(parts):
        if want == "**":
            return len(path) > k
        if k >= len(path):
            return False
        part = path[k]
        if want == "[*]":
            if not isinstance(part, int):
                return False
        elif want != "*" and want != part:
            return False
        elif want == "*" and isinstance(part, int):
            return False
    return len(path) == len(parts)


def path_kind(path: str | Path) -> PathKind:
    """What the value at ``path`` is (structural for a path the registry does not know: simulated again)."""
    return _path_kind(parse_path(path) if isinstance(path, str) else tuple(path))


@functools.lru_cache(maxsize=4096)
def _path_kind(target: Path) -> PathKind:
    for entry in PATH_KINDS:
        if _matches(entry.parts, target):
            return entry
    return PathKind(path_text(target), STRUCTURAL, "text", "unknown", False)


def revalued(path: str | Path) -> bool:
    """True when a new value at ``path`` only re-values a stored run (a price, or a judgement the valued rows
    read): nothing is simulated again."""
    return path_kind(path).revalued


def path_label(path: str | Path, lang: str = "en", names: dict[str, str] | None = None) -> str:
    """A path in the reader's words: its label, and the name it is under (the service, team or offer), by
    its display name when ``names`` (a study's, identifier to name) holds it."""
    from .words import say

    target = parse_path(path) if isinstance(path, str) else tuple(path)
    text = say(f"param.{path_kind(target).label}", lang)
    owner = target[1] if len(target) > 2 and target[0] in ("services", "teams", "providers", "saas") else None
    if owner is None:
        return text
    return f"{text} ({(names or {}).get(str(owner), owner)})"


def structure(study: Study) -> str:
    """The study with every re-valued value left out, as text: two studies with the same structure simulate
    the same quantities (the same seed draws the same incidents, repairs and outages)."""
    import json

    def strip(node: Any, path: Path) -> Any:
        if isinstance(node, dict):
            return {k: strip(v, (*path, k)) for k, v in node.items()
                    if isinstance(v, (dict, list)) or not revalued((*path, k))}
        if isinstance(node, list):
            return [strip(v, (*path, k)) for k, v in enumerate(node)]
        return node

    return json.dumps(strip(study_data(study), ()), sort_keys=True, default=str)


def changed_paths(before: Study, after: Study) -> list[Path]:
    """Every leaf path whose value differs between two studies (present in one only included)."""
    found: list[Path] = []

    def walk(a: Any, b: Any, path: Path) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for k in dict.fromkeys([*a, *b]):
                walk(a.get(k), b.get(k), (*path, k))
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for k, (x, y) in enumerate(zip(a, b)):
                walk(x, y, (*path, k))
        elif a != b:
            found.append(path)

    walk(study_data(before), study_data(after), ())
    return found
