"""What "meets its availability target" means, written once.

A service's ``availability_target`` is monthly: availability in the agreed service time, month by month.
An option meets it when, on average over the replications, the share of the horizon's months that reach
the target is at least the service's ``months_at_target`` (90 % by default: about one month a year below is
tolerated). An option whose average over the horizon reaches the target but which misses it in most months
does not meet it; one bad month in a year does not disqualify an option that meets it in the others.
The verdict, the procurement eligibility, the reports and the app all ask :func:`shortfalls`.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from sourcing.scenario import Study


class Shortfall(NamedTuple):
    """Why an option does not meet a service's monthly availability target (means over replications)."""

    service: str
    months_meeting: float
    """Share of months whose availability reaches the target."""
    required: float
    """Share of months that must reach it (the service's ``months_at_target``)."""
    months_below_per_year: float
    availability: float
    """Availability in the agreed service time over the whole horizon."""
    target: float


def shortfalls(summary: pd.DataFrame, study: Study) -> dict[str, Shortfall]:
    """The options (scenarios) that miss a service's availability target, each with its first shortfall in
    the order of the study's services, from a run's summary (one estimate per figure)."""
    service_rows = summary[(summary["scope"] == "service") & (summary["period"] == "all")
                           & (summary["priority"] == "")]
    means = service_rows.set_index(["scenario", "subject", "metric"])["mean"]
    years = study.calendar_.horizon_years
    out: dict[str, Shortfall] = {}
    for scenario in pd.unique(summary["scenario"]):
        for name, service in study.services.items():
            if service.availability_target is None or str(scenario) in out:
                continue
            key = (scenario, name, "months_meeting_target")
            if key not in means.index:
                continue
            meeting = float(means[key])
            if meeting < service.months_at_target - 1e-12:
                out[str(scenario)] = Shortfall(
                    name, meeting, service.months_at_target,
                    float(means.get((scenario, name, "months_below_target"), float("nan"))) / years,
                    float(means.get((scenario, name, "availability_service_time"), float("nan"))),
                    service.availability_target)
    return out
