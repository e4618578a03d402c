"""Every parameter a run used, with its unit and, for defaults, where the default comes from.

The table is built from the validated study: a field the file did not set is a default, and
defaults carry a source: a grade ([S] sourced, [W] weak source, [E] estimate) and the section of
``shared/reference/domain-facts.md`` they come from, or the convention they follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .model import PRIORITIES
from .offers import ProviderOffer
from .scenario import Study

DEFAULT_SOURCES: dict[str, str] = {
    "working_hours_per_year": "[S] legal working year of 1,607 h, Code du travail L3121-41 (domain facts §3)",
    "discount_rate": "[E] a cost of capital for an IT decision",
    "salary_growth": "[E] yearly salary drift",
    "price_indexation": "[E] yearly price indexation of contracts",
    "time_zone": "product brief: France by default",
    "country": "product brief: French public holidays by default",
    "horizon": "[E] the life of a server or a contract renewal cycle",
    "service_time": "convention: agreed service time round the clock unless the file says otherwise",
    "business_hours": "[S] HO = Mon-Fri 08:00-18:00 (domain facts §1, product brief)",
    "p2_impact": "[E] a P2 degrades the service rather than stopping it",
    "weekly_profile": "[E] incidents follow people at their desks (Monday-morning peak)",
    "growth_per_year": "convention: no growth unless the file says so",
    "users_growth_per_year": "convention: no growth unless the file says so",
    "overtime_premium": "[E] +25 %, the first overtime rate of French labour law",
    "shift_end": "modelling choice: unfinished work is handed over to the next shift",
    "preemption": "modelling choice: a P1 interrupts lower-priority work, which resumes later",
    "annual_leave_days": "[E] five weeks of paid leave (French statutory minimum)",
    "leave_block_days": "[E] leave taken in weeks",
    "sickness": "convention: no sickness unless the file says so",
    "sickness_spell": "[E] a sickness spell lasts three days on average",
    "window": "[E] on-call outside business hours (HNO); changes on Sunday night",
    "priorities": "[E] on-call wakes people for P1 only; members handle every priority",
    "call_out_delay": "[E] 30 min to wake up and connect",
    "per_intervention": "convention: no pay per intervention unless the file says so",
    "rotation_start": "convention: on-call weeks start on Monday",
    "cap": "[S] Microsoft 365 caps credits at the monthly fee (domain facts §2)",
    "claimed": "[S] credits are paid only when claimed (domain facts §2); assumed claimed",
    "spread": "[E] P90 three times the median when only a share within the GTR is known",
    "contract_years": "[S] 2-3 year commitments with discounts (domain facts §6)",
    "hno_multiplier": "convention: no HNO surcharge unless the file says so ([S] x1.5 to x3 seen, §6)",
    "hno_window": "[S] HNO = outside Mon-Fri 08:00-18:00 (domain facts §1)",
    "coverage": "[S] business hours HO (domain facts §1)",
    "hosting": "convention: the provider runs the client's own infrastructure",
    "depreciation_years": "[E] five years for servers",
    "restore": "[E] support restores user-level incidents in 4 h median, 24 h P90",
    "response": "[E] support answers in 1 h median, 4 h P90",
}
"""Source of each default, by field name."""


FIELD_UNITS: dict[str, str] = {
    "horizon": "years", "depreciation_years": "years", "contract_years": "years", "users": "users",
    "annual_leave_days": "days a year", "leave_block_days": "working days", "working_hours_per_year": "hours",
    "count": "people", "tickets_included": "tickets a month", "per_month": "a month", "per_year": "a year",
    "per_user_per_month": "per user a month", "capacity": "engineers", "fte": "FTE", "hno_multiplier": "x",
    "spread": "P90 / median",
}
_SKIPPED = {"name", "description", "provider", "role"}


@dataclass(frozen=True)
class Assumption:
    """One parameter of a run."""

    path: str
    value: str
    unit: str
    default: bool
    source: str


def assumptions(study: Study) -> list[Assumption]:
    """Every leaf parameter of the study, in file order, with what each provider's declared share within
    the GTR implies (median and P90) beside the offer's performance."""
    data = study.model_dump(mode="json", by_alias=True, exclude_none=True, context={"currency": study.currency})
    out: list[Assumption] = []
    _walk(study, data, "", False, out, study.currency)
    for name, offer in study.providers.items():
        implied = implied_performance(offer, f"providers.{name}.performance")
        if implied:
            prefix = f"providers.{name}.performance."
            last = max((i for i, a in enumerate(out) if a.path.startswith(prefix)), default=len(out) - 1)
            out[last + 1:last + 1] = implied
    return out


def implied_performance(offer: ProviderOffer, path: str) -> list[Assumption]:
    """Median and P90 of the restoration time each priority's share within the GTR turns into.

    "85 % within a 1 h GTR" is read as a lognormal; showing its median (0.41 h with the default spread)
    lets a reader check that the offer says what they think it says. Empty for an offer that gives
    ``restore`` times directly.
    """
    performance = offer.performance
    if performance.within_gtr is None:
        return []
    rows = []
    for priority in PRIORITIES:
        restore = offer.restore_distribution(priority)
        if performance.median_for(priority) is not None:
            source, default = "derived from within_gtr and median", False
        else:
            source, default = "derived from within_gtr and spread", "spread" not in performance.model_fields_set
        rows.append(Assumption(f"{path}.implied.{priority}",
                               f"median {_hours(restore.median)}h, P90 {_hours(restore.p90)}h",
                               "covered hours", default, source))
    return rows


def _hours(hours: float) -> str:
    """Two significant figures, never in scientific notation: 0.41, 1.2, 14, 120."""
    return f"{hours:.2g}" if hours < 100 else f"{hours:.0f}"


def _walk(model: Any, data: Any, path: str, inherited_default: bool, out: list[Assumption], currency: str) -> None:
    if isinstance(model, BaseModel):
        for name, info in type(model).model_fields.items():
            key = info.alias or name
            if key not in data:
                continue
            default = inherited_default or name not in model.model_fields_set
            _walk(getattr(model, name), data[key], f"{path}.{key}" if path else key, default, out, currency)
        return
    if isinstance(model, dict) and isinstance(data, dict):
        for key, value in model.items():
            if str(key) in data:
                _walk(value, data[str(key)], f"{path}.{key}", inherited_default, out, currency)
        return
    if isinstance(model, list) and isinstance(data, list) and data and isinstance(data[0], dict):
        for i, (value, dumped) in enumerate(zip(model, data)):
            _walk(value, dumped, f"{path}[{i}]", inherited_default, out, currency)
        return
    text = ", ".join(str(v) for v in data) if isinstance(data, list) else str(data)
    field = re.sub(r"\[\d+\]", "", path).split(".")[-1]
    if field in _SKIPPED or text == "":
        return
    source = DEFAULT_SOURCES.get(field, "toolkit default [E]") if inherited_default else "scenario file"
    unit = FIELD_UNITS.get(field) or _unit(text, currency)
    out.append(Assumption(path, text, unit, inherited_default, source))


def _unit(text: str, currency: str) -> str:
    if text.endswith(currency):
        return currency
    if text.endswith("%"):
        return "%"
    match = re.fullmatch(r"[\d.]+(s|min|h|d|w|mo|y)", text)
    if match:
        return {"s": "seconds", "min": "minutes", "h": "hours", "d": "days", "w": "weeks", "mo": "months",
                "y": "years"}[match.group(1)]
    return ""
