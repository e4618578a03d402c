"""Signs that a simulated option cannot be right as the scenario describes it.

A team or a provider that cannot keep up leaves incidents open by the thousand at the horizon (a calibrated
desk-wide export once made one service of a whole desk, down all year with 390,000 incidents still open);
an option whose service is down for a tenth of its agreed time or more is not a real option either. Either
way the figures measure the queue's growth, not the option, and a verdict built on them would recommend
an impossibility. :func:`doubts` finds them from a run's summary; the verdict says them first and
recommends nothing when every option has one.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from sourcing.scenario import Study

BACKLOG_MONTHS = 1.0
"""More incidents still open at the horizon than a month brings: the queue grows (a stable one holds about
what arrives during an incident's time to restore, hours or days of incidents)."""
SATURATED = 0.97
"""A team that spends this share of its shift hours restoring incidents (incident work alone) cannot keep
up: the queue only waits for it."""
LOWEST_AVAILABILITY = 0.9
"""Below this availability in the agreed service time, a service is down more than it is up in any month
a director would sign for: the scenario, not the option, is what the figures describe."""


class Doubt(NamedTuple):
    """Why an option's figures cannot describe a real service (means over replications)."""

    kind: str
    """``backlog`` (the queue grows: nobody keeps up), ``saturated`` (a team restores incidents all its shift
    long) or ``down`` (the service is mostly unavailable)."""
    service: str
    """The service (for ``saturated``: the team)."""
    open_at_horizon: float
    """Incidents of the service still open at the horizon."""
    months_of_incidents: float
    """The same, in months of the service's incidents."""
    availability: float
    """Availability in the agreed service time over the horizon (for ``saturated``: the team's utilisation)."""


def doubts(summary: pd.DataFrame, study: Study) -> dict[str, Doubt]:
    """Each option (scenario) whose figures cannot be right, with its first reason: a growing queue first
    (it explains the rest), then a saturated team, then an availability below 90 %."""
    rows = summary[summary["period"] == "all"]
    means = rows.set_index(["scenario", "scope", "subject", "metric", "priority"])["mean"]
    months = 12 * study.calendar_.horizon_years
    out: dict[str, Doubt] = {}
    for scenario in pd.unique(summary["scenario"]):
        found = [d for d in (_backlog(rows, means, scenario, name, months) for name in study.services) if d]
        teams = rows[(rows["scenario"] == scenario) & (rows["scope"] == "team") & (rows["metric"] == "utilisation")]
        found += [Doubt("saturated", str(team), float("nan"), float("nan"), float(value))
                  for team, value in zip(teams["subject"], teams["mean"]) if value >= SATURATED]
        found += [Doubt("down", name, float("nan"), float("nan"), availability) for name in study.services
                  if (availability := float(means.get((scenario, "service", name, "availability_service_time", ""),
                                                       1.0))) < LOWEST_AVAILABILITY]
        if found:
            out[str(scenario)] = found[0]
    return out


def _backlog(rows: pd.DataFrame, means: pd.Series, scenario: str, service: str, months: float) -> Doubt | None:
    backlog = float(means.get((scenario, "service", service, "backlog", ""), 0.0))
    arrived = float(rows[(rows["scenario"] == scenario) & (rows["scope"] == "service") & (rows["subject"] == service)
                         & (rows["metric"] == "incidents") & (rows["priority"] != "")]["mean"].sum())
    in_months = backlog / (arrived / months) if arrived > 0 and months else 0.0
    if in_months < BACKLOG_MONTHS:
        return None
    availability = float(means.get((scenario, "service", service, "availability_service_time", ""), 1.0))
    return Doubt("backlog", service, backlog, in_months, availability)
