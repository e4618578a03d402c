"""Every parameter a run used, with its unit and, for defaults, where the default comes from.

The table is built from the validated study: a field the file did not set is a default, and
defaults carry a source: a grade ([S] sourced, [W] weak source, [E] estimate, [L] law) and the section of
``docs/sources.md`` that gives their origin, or the convention they follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .model import PRIORITIES
from .offers import ProviderOffer
from .scenario import Study

DEFAULT_SOURCES: frozenset[str] = frozenset({
    "working_hours_per_year", "discount_rate", "salary_growth", "price_indexation", "time_zone", "country", "horizon",
    "service_time", "business_hours", "p1_impact", "p2_impact", "weekly_profile", "growth_per_year", "users_growth_per_year",
    "overtime_premium", "shift_end", "preemption", "annual_leave_days", "leave_block_days", "sickness",
    "sickness_spell", "window", "priorities", "call_out_delay", "per_intervention", "rotation_start", "cap",
    "claimed", "spread", "contract_years", "hno_multiplier", "hno_window", "coverage", "hosting",
    "depreciation_years", "restore", "response",
})
"""Fields whose default has a source of its own: ``source.<field>`` in the catalogue (:mod:`sourcing.words`)."""


FIELD_UNITS: dict[str, str] = {
    "horizon": "years", "depreciation_years": "years", "contract_years": "years", "users": "users",
    "annual_leave_days": "days_per_year", "leave_block_days": "working_days", "working_hours_per_year": "hours",
    "count": "people", "tickets_included": "tickets_per_month", "per_month": "a_month", "per_year": "a_year",
    "per_user_per_month": "per_user_per_month", "capacity": "engineers", "fte": "fte", "hno_multiplier": "times",
    "spread": "p90_over_median",
}
"""Unit of a field, by field name: ``unit.<identifier>`` in the catalogue."""
_SKIPPED = {"name", "description", "provider", "role"}


@dataclass(frozen=True)
class Assumption:
    """One parameter of a run: its path in the file, its value as the file writes it, its unit (an
    identifier of the catalogue's ``unit.`` entries, a currency code or ``%``), whether it is a default,
    and where it comes from (a key of the catalogue, ``source.<field>``); :func:`shown` says both in the
    reader's language."""

    path: str
    value: str
    unit: str
    default: bool
    source: str


def assumptions(study: Study) -> list[Assumption]:
    """Every leaf parameter of the study, in file order, with what each provider's declared share within
    the GTR implies (median and P90) beside the offer's performance."""
    data = study.model_dump(mode="json", by_alias=True, exclude_none=True, context={"currency": study.currency})
    data.pop("translations", None)   # the names in other languages: words, not parameters
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
            source, default = "source.derived_median", False
        else:
            source, default = "source.derived_spread", "spread" not in performance.model_fields_set
        rows.append(Assumption(f"{path}.implied.{priority}", f"{_hours(restore.median)}h, {_hours(restore.p90)}h",
                               "median_p90", default, source))
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
    source = (f"source.{field}" if field in DEFAULT_SOURCES else "source.toolkit") if inherited_default \
        else "source.file"
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


def shown(assumption: Assumption, lang: str = "en") -> dict[str, object]:
    """An assumption as the reader reads it: its unit and its source in their language."""
    from .words import say_or

    return {"path": assumption.path, "value": assumption.value,
            "unit": say_or(f"unit.{assumption.unit}", assumption.unit, lang), "default": assumption.default,
            "source": say_or(assumption.source, assumption.source, lang)}
