"""The scenario editor's tables: a study's raw data as editable tables, and edited tables back into
raw data, which then goes through the same validation as a file (no Streamlit here).

Tables show plain numbers (users, euros, percentages); writing back adds the units a file carries.
Cells left as they were keep the file's own text, so an edit never rewrites what it did not touch.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import pandas as pd

from sourcing.model import PRIORITIES
from sourcing.units import parse_fraction, parse_money

SERVICE_COLUMNS = ["service", "users", "per_month", "per_user_per_month", "P1 %", "P2 %", "P3 %", "P4 %",
                   "outage cost business", "outage cost off hours", "service_time", "availability_target %"]
MEMBER_COLUMNS = ["name", "count", "role", "annual_cost", "shift", "skills", "priorities", "on_call"]
PROVIDER_COLUMNS = ["offer", "coverage", "monthly fee", "tickets_included", "extra_ticket", "GTR P1", "GTR P2",
                    "GTR P3", "GTR P4", "capacity", "monthly_cap"]
SAAS_COLUMNS = ["offer", "price_per_user_month", "outages per year", "SLA availability %"]
COLUMN_KEYS = {"outage cost business": "outage_cost_business", "outage cost off hours": "outage_cost_off_hours",
               "availability_target %": "availability_target", "monthly fee": "monthly_fee",
               "outages per year": "outages_per_year", "SLA availability %": "sla_availability"}
"""Columns whose catalogue entry (``editor.column.<key>``) is not their own name."""


def column_label(column: str, currency: str = "EUR", lang: str = "en") -> str:
    """A table's column as the reader reads it, with its unit; a column the catalogue does not know (a
    service of the scenario list) keeps its name."""
    from sourcing.words import say, say_or

    if column.endswith(" %") and column[:2] in PRIORITIES:
        return say("editor.column.priority_share", lang, priority=column[:2])
    if column.startswith("GTR P"):
        return say("editor.column.gtr", lang, priority=column[4:])
    key = COLUMN_KEYS.get(column, column)
    return say_or(f"editor.column.{key}", column, lang, currency=currency)


def _number(text: Any, currency: str) -> float | None:
    """A plain number from a money string ('45000 EUR' -> 45000) or a share ('4%' -> 4)."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    text = str(text).strip()
    if text.endswith("%"):
        return parse_fraction(text) * 100
    try:
        return parse_money(text)[0]
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str)
                                                                                and not value.strip())


def _percent(value: float) -> str:
    return f"{float(value):g}%"


def _money(value: float, currency: str) -> str:
    return f"{float(value):g} {currency}"


def _int(value: Any) -> Any:
    """Whole numbers back as int (tables hand them over as floats); anything else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --------------------------------------------------------------------------- services


def services_table(data: dict) -> pd.DataFrame:
    currency = data.get("currency", "EUR")
    rows = []
    for name, service in (data.get("services") or {}).items():
        incidents = service.get("incidents", {})
        mix = incidents.get("priorities", {})
        cost = service.get("outage_cost_per_hour", {})
        target = service.get("availability_target")
        rows.append({
            "service": name,
            "users": service.get("users"),
            "per_month": incidents.get("per_month"),
            "per_user_per_month": incidents.get("per_user_per_month"),
            **{f"{p} %": _number(mix.get(p, "0%"), currency) for p in PRIORITIES},
            "outage cost business": _number(cost.get("business"), currency),
            "outage cost off hours": _number(cost.get("off_hours"), currency),
            "service_time": service.get("service_time", "24/7"),
            "availability_target %": _number(target, currency) if target is not None else None,
        })
    return pd.DataFrame(rows, columns=SERVICE_COLUMNS)


def apply_services(data: dict, table: pd.DataFrame) -> dict:
    data = copy.deepcopy(data)
    currency = data.get("currency", "EUR")
    original = services_table(data).set_index("service")
    for row in table.to_dict(orient="records"):
        name = row["service"]
        service = data["services"].get(name)
        if service is None or name not in original.index:
            continue
        before = original.loc[name]
        incidents = service.setdefault("incidents", {})
        if not _same(row["users"], before["users"]):
            service["users"] = _int(row["users"])
        for field in ("per_month", "per_user_per_month"):
            if not _same(row[field], before[field]):
                if _blank(row[field]):
                    incidents.pop(field, None)
                else:
                    incidents[field] = _int(row[field])
        if any(not _same(row[f"{p} %"], before[f"{p} %"]) for p in PRIORITIES):
            incidents["priorities"] = {p: _percent(row[f"{p} %"]) for p in PRIORITIES
                                       if not _blank(row[f"{p} %"]) and float(row[f"{p} %"]) != 0}
        cost = service.setdefault("outage_cost_per_hour", {})
        for column, field in (("outage cost business", "business"), ("outage cost off hours", "off_hours")):
            if not _same(row[column], before[column]) and not _blank(row[column]):
                cost[field] = _money(row[column], currency)
        if not _same(row["service_time"], before["service_time"]):
            service["service_time"] = row["service_time"]
        if not _same(row["availability_target %"], before["availability_target %"]):
            if _blank(row["availability_target %"]):
                service.pop("availability_target", None)
            else:
                service["availability_target"] = _percent(row["availability_target %"])
    return data


def _same(a: Any, b: Any) -> bool:
    if _blank(a) and _blank(b):
        return True
    if _blank(a) or _blank(b):
        return False
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    except (TypeError, ValueError):
        return str(a) == str(b)


# --------------------------------------------------------------------------- teams


def members_table(data: dict, team: str) -> pd.DataFrame:
    currency = data.get("currency", "EUR")
    rows = []
    for member in data["teams"][team].get("members", []):
        skills = member.get("skills", "all")
        rows.append({
            "name": member.get("name", ""),
            "count": member.get("count", 1),
            "role": member.get("role", "engineer"),
            "annual_cost": _number(member.get("annual_cost"), currency),
            "shift": member.get("shift", "HO"),
            "skills": skills if isinstance(skills, str) else ", ".join(skills),
            "priorities": ", ".join(member.get("priorities", list(PRIORITIES))),
            "on_call": bool(member.get("on_call", True)),
        })
    return pd.DataFrame(rows, columns=MEMBER_COLUMNS)


def apply_members(data: dict, team: str, table: pd.DataFrame) -> dict:
    data = copy.deepcopy(data)
    currency = data.get("currency", "EUR")
    members = []
    for row in table.to_dict(orient="records"):
        if all(_blank(v) for k, v in row.items() if k != "on_call"):
            continue
        member: dict[str, Any] = {}
        if not _blank(row.get("name")):
            member["name"] = str(row["name"])
        member["count"] = _int(row["count"]) if not _blank(row.get("count")) else 1
        if not _blank(row.get("role")):
            member["role"] = str(row["role"])
        if not _blank(row.get("annual_cost")):
            member["annual_cost"] = _money(row["annual_cost"], currency)
        member["shift"] = str(row["shift"]) if not _blank(row.get("shift")) else "HO"
        skills = str(row.get("skills") or "all").strip()
        member["skills"] = "all" if skills == "all" else [s.strip() for s in skills.split(",") if s.strip()]
        priorities = [p.strip() for p in str(row.get("priorities") or "").split(",") if p.strip()]
        if priorities and priorities != list(PRIORITIES):
            member["priorities"] = priorities
        if row.get("on_call") is False:
            member["on_call"] = False
        members.append(member)
    data["teams"][team]["members"] = members
    return data


# --------------------------------------------------------------------------- offers


def providers_table(data: dict) -> pd.DataFrame:
    currency = data.get("currency", "EUR")
    rows = []
    for name, offer in (data.get("providers") or {}).items():
        fees = offer.get("fees", {})
        gtr = offer.get("gtr", {})
        cap = (offer.get("penalties") or {}).get("monthly_cap")
        rows.append({
            "offer": name, "coverage": offer.get("coverage", "HO"),
            "monthly fee": _number(fees.get("monthly"), currency),
            "tickets_included": fees.get("tickets_included", 0),
            "extra_ticket": _number(fees.get("extra_ticket", 0), currency),
            **{f"GTR {p}": str(gtr.get(p, "")) for p in PRIORITIES},
            "capacity": offer.get("capacity"),
            "monthly_cap": "" if cap is None else str(cap),
        })
    return pd.DataFrame(rows, columns=PROVIDER_COLUMNS)


def apply_providers(data: dict, table: pd.DataFrame) -> dict:
    data = copy.deepcopy(data)
    currency = data.get("currency", "EUR")
    original = providers_table(data).set_index("offer")
    for row in table.to_dict(orient="records"):
        name = row["offer"]
        if name not in original.index:
            continue
        before = original.loc[name]
        offer = data["providers"][name]
        fees = offer.setdefault("fees", {})
        if not _same(row["coverage"], before["coverage"]):
            offer["coverage"] = row["coverage"]
        if not _same(row["monthly fee"], before["monthly fee"]):
            fees["monthly"] = _money(row["monthly fee"], currency)
        if not _same(row["tickets_included"], before["tickets_included"]):
            fees["tickets_included"] = _int(row["tickets_included"])
        if not _same(row["extra_ticket"], before["extra_ticket"]):
            fees["extra_ticket"] = _money(row["extra_ticket"], currency)
        for p in PRIORITIES:
            if not _same(row[f"GTR {p}"], before[f"GTR {p}"]):
                offer.setdefault("gtr", {})[p] = str(row[f"GTR {p}"]).strip()
        if not _same(row["capacity"], before["capacity"]):
            if _blank(row["capacity"]):
                offer.pop("capacity", None)
            else:
                offer["capacity"] = _int(row["capacity"])
        if not _same(row["monthly_cap"], before["monthly_cap"]):
            penalties = offer.setdefault("penalties", {})
            if _blank(row["monthly_cap"]):
                penalties.pop("monthly_cap", None)
            else:
                penalties["monthly_cap"] = str(row["monthly_cap"]).strip()
    return data


def saas_table(data: dict) -> pd.DataFrame:
    currency = data.get("currency", "EUR")
    rows = []
    for name, offer in (data.get("saas") or {}).items():
        sla = offer.get("sla") or {}
        rows.append({"offer": name, "price_per_user_month": _number(offer.get("price_per_user_month"), currency),
                     "outages per year": (offer.get("outages") or {}).get("per_year"),
                     "SLA availability %": _number(sla["availability"], currency) if "availability" in sla else None})
    return pd.DataFrame(rows, columns=SAAS_COLUMNS)


def apply_saas(data: dict, table: pd.DataFrame) -> dict:
    data = copy.deepcopy(data)
    currency = data.get("currency", "EUR")
    original = saas_table(data).set_index("offer")
    for row in table.to_dict(orient="records"):
        name = row["offer"]
        if name not in original.index:
            continue
        before = original.loc[name]
        offer = data["saas"][name]
        if not _same(row["price_per_user_month"], before["price_per_user_month"]):
            offer["price_per_user_month"] = _money(row["price_per_user_month"], currency)
        if not _same(row["outages per year"], before["outages per year"]):
            offer.setdefault("outages", {})["per_year"] = _int(row["outages per year"])
        if not _same(row["SLA availability %"], before["SLA availability %"]) and not _blank(row["SLA availability %"]):
            offer.setdefault("sla", {})["availability"] = _percent(row["SLA availability %"])
    return data


# --------------------------------------------------------------------------- scenarios


def option_text(option: dict | None) -> str:
    """An option as one short line: 'make: it', 'outsource: msp', 'saas: cloud + desk: it', 'hybrid: it + msp'."""
    if not option:
        return ""
    if "make" in option:
        return f"make: {option['make']}"
    if "outsource" in option:
        return f"outsource: {option['outsource']}"
    if "saas" in option:
        return f"saas: {option['saas']}" + (f" + desk: {option['desk']}" if option.get("desk") else "")
    if "hybrid" in option:
        hybrid = option["hybrid"]
        return f"hybrid: {hybrid.get('team')} + {hybrid.get('provider')}"
    return str(option)


_OPTION = re.compile(r"^\s*(make|outsource|saas|hybrid)\s*:\s*([^+]+?)\s*(?:\+\s*(?:desk\s*:\s*)?(.+?))?\s*$")


def parse_option(text: str) -> dict:
    """The option written by :func:`option_text` back as data, or the text itself if it is not one
    (validation then names the field and says what is wrong)."""
    match = _OPTION.match(text or "")
    if not match:
        return {text or "(empty)": None}
    kind, first, second = match.groups()
    if kind == "saas":
        return {"saas": first, **({"desk": second} if second else {})}
    if kind == "hybrid":
        return {"hybrid": {"team": first, "provider": second or ""}}
    return {kind: first}


def scenarios_table(data: dict) -> pd.DataFrame:
    services = list(data.get("services") or {})
    rows = []
    for scenario in data.get("scenarios") or []:
        options = scenario.get("options") or {}
        rows.append({"scenario": scenario.get("name", ""),
                     **{s: option_text(options.get(s, scenario.get("default"))) for s in services}})
    return pd.DataFrame(rows, columns=["scenario", *services])


def apply_scenarios(data: dict, table: pd.DataFrame) -> dict:
    data = copy.deepcopy(data)
    services = list(data.get("services") or {})
    before = {s.get("name"): s for s in data.get("scenarios") or []}
    scenarios = []
    for row in table.to_dict(orient="records"):
        name = row.get("scenario")
        if _blank(name) and all(_blank(row.get(s)) for s in services):
            continue
        original = before.get(name, {})
        options = {}
        for service in services:
            text = "" if _blank(row.get(service)) else str(row[service])
            kept = (original.get("options") or {}).get(service, original.get("default"))
            options[service] = kept if kept is not None and option_text(kept) == text else parse_option(text)
        scenario = {"name": name}
        if original.get("description"):
            scenario["description"] = original["description"]
        scenario["options"] = options
        scenarios.append(scenario)
    data["scenarios"] = scenarios
    return data
