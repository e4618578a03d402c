"""Small scenario builders and hand-made incident loads for exact engine cases."""

from __future__ import annotations

import copy
from datetime import datetime

import numpy as np

from simulation.incidents import Load
from sourcing.files import study_from_data
from sourcing.scenario import PRIORITIES, Study

BASE: dict = {
    "name": "hand-worked",
    "calendar": {"start": "2027-01-04", "horizon": "1y", "time_zone": "Europe/Paris", "country": "FR"},
    "services": {
        "erp": {
            "users": 100,
            "outage_cost_per_hour": {"business": "1000 EUR", "off_hours": "100 EUR"},
            "incidents": {"per_month": 10, "priorities": {"P1": "10%", "P2": "20%", "P3": "40%", "P4": "30%"}},
        }
    },
    "teams": {
        "it": {
            "members": [{"name": "Alice", "annual_cost": "60000 EUR", "shift": "Mon-Fri 08:00-17:00"}],
            "repair_time": {"P1": "2h", "P2": "2h", "P3": "2h", "P4": "2h"},
        }
    },
    "scenarios": [{"name": "in-house", "default": {"make": "it"}}],
}


def study(**changes) -> Study:
    """The base study with top-level sections replaced or deep-merged (dicts merge, other values replace)."""
    data = copy.deepcopy(BASE)
    _merge(data, changes)
    return study_from_data(data)


def _merge(into: dict, changes: dict) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def hand_load(study: Study, incidents: list[tuple[datetime, str]], service: str = "erp",
              u: float = 0.5) -> Load:
    """A load made of the given (local time, priority) incidents, all of one service."""
    calendar = study.calendar_
    times = np.array([calendar.hours_at(t.replace(tzinfo=calendar.zone)) for t, _ in incidents])
    order = np.argsort(times, kind="stable")
    n = len(incidents)
    return Load(
        services=tuple(study.services),
        time=times[order],
        service=np.full(n, list(study.services).index(service), dtype=np.int16),
        priority=np.array([PRIORITIES.index(p) for _, p in incidents], dtype=np.int8)[order],
        u_repair=np.full(n, u),
        u_response=np.full(n, u),
        u_prevent=np.full(n, u),
        from_change=np.zeros(n, dtype=bool),
        planned={name: np.zeros((0, 2)) for name in study.services},
    )


PROVIDER_OFFER = {
    "coverage": "HO",
    "gtr": {"P1": "4h", "P2": "8h", "P3": "16h", "P4": "none"},
    "performance": {"restore": {p: {"median": "3h", "p90": "10h"} for p in ("P1", "P2", "P3", "P4")}},
    "fees": {"monthly": "2000 EUR"},
    "retained": {"fte": 0.1, "annual_cost": "0 EUR"},
}
SAAS_OFFER = {
    "price_per_user_month": "5 EUR",
    "outages": {"per_year": 6, "duration": {"mean": "2h"}},
    "sla": {"availability": "99.9%", "credits": [{"below": "99.9%", "credit": "25%"}]},
    "retained": {"fte": 0.1, "annual_cost": "0 EUR"},
}


def make_study(scenarios, providers=None, saas=None, **changes) -> Study:
    """The base study with these scenarios, a provider offer and a SaaS offer (the options' tests)."""
    data = copy.deepcopy(BASE)
    data["providers"] = providers or {"msp": PROVIDER_OFFER}
    data["saas"] = saas or {"cloud": SAAS_OFFER}
    data["scenarios"] = scenarios
    for key, value in changes.items():
        data[key] = value
    return study_from_data(data)
