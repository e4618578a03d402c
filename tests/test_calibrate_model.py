"""What calibrated files need from scenario files and the engine: a repair time given as a table of quantiles,
repair times of their own for some services of a shared team, and the share of a service a P1 takes down.

Tolerances: quantiles drawn from a table within 2 % of the table on 40,000 draws (their sampling error is
below 1 %); a service's simulated median time to restore within 10 % of its own repair median when the team is
large and on shift around the clock (no queue)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from simulation.distributions import quantile
from simulation.replications import run_study
from sourcing.errors import ScenarioError
from sourcing.files import study_from_data
from sourcing.model import Distribution, QuantileTable

TABLE = {"quantiles": {"0%": "1min", "10%": "5min", "50%": "1h", "90%": "3d", "100%": "12d"}}


def test_a_quantile_table_draws_its_rows_and_knows_its_mean():
    table = TypeAdapter(Distribution).validate_python(TABLE)
    assert isinstance(table, QuantileTable)
    assert table.median == pytest.approx(1.0) and table.p90 == pytest.approx(72.0)
    draws = quantile(table, np.random.default_rng(1).random(40_000))
    assert np.quantile(draws, [0.1, 0.5, 0.9]) == pytest.approx([5 / 60, 1.0, 72.0], rel=0.02)
    assert draws.mean() == pytest.approx(table.mean, rel=0.03)
    assert draws.min() >= 1 / 60 and draws.max() <= 12 * 24


@pytest.mark.parametrize("table, words", [
    ({"10%": "1min", "100%": "1h"}, "runs from '0%'"),
    ({"0%": "2h", "100%": "1h"}, "must not shrink"),
    ({"0%": "1min", "half": "1h", "100%": "2h"}, "'half' is not a probability"),
    ({"0%": "0min", "100%": "2h"}, "longer than zero"),
])
def test_a_bad_quantile_table_is_refused_with_what_to_write(table, words):
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(Distribution).validate_python({"quantiles": table})
    assert words in str(caught.value)


def _study(**team) -> dict:
    services = {name: {"users": 100, "outage_cost_per_hour": {"business": "0 EUR", "off_hours": "0 EUR"},
                       "incidents": {"per_month": 600, "weekly_profile": "flat",
                                     "priorities": {"P1": "0%", "P2": "0%", "P3": "100%", "P4": "0%"}}}
                for name in ("fast", "slow")}
    return {"name": "t", "calendar": {"start": "2024-01-01", "horizon": "1y", "country": None},
            "services": services,
            "teams": {"ops": {"members": [{"count": 40, "annual_cost": "40000 EUR", "shift": "24/7"}],
                              "repair_time": {p: {"median": "1h", "p90": "3h"} for p in ("P1", "P2", "P3", "P4")},
                              **team}},
            "scenarios": [{"name": "make", "default": {"make": "ops"}}]}


def test_a_service_s_own_repair_times_replace_the_team_s():
    data = _study(repair_time_by_service={"slow": {"P3": TABLE}})
    incidents = run_study(study_from_data(data), 1, seed=2, detail=True, variance_reduction=False).incidents
    incidents = incidents[incidents["arrival"] < incidents["arrival"].max() - 15 * 24]  # none still open
    by_service = incidents.groupby("service", observed=True)["ttr"]
    medians, p75 = by_service.median(), by_service.quantile(0.75)
    assert medians["fast"] == pytest.approx(1.0, rel=0.1) and medians["slow"] == pytest.approx(1.0, rel=0.1)
    assert p75["fast"] == pytest.approx(1.0 * 3 ** (0.6745 / 1.2816), rel=0.1)  # the team's lognormal
    assert p75["slow"] == pytest.approx(72 ** (0.25 / 0.4), rel=0.1)  # the table, geometric between 50 and 90 %


def test_repair_times_of_an_unknown_service_are_refused():
    data = _study(repair_time_by_service={"slwo": {"P3": {"median": "1h", "p90": "2h"}}})
    with pytest.raises(ScenarioError, match="repair_time_by_service.*'slwo' is not a service"):
        study_from_data(data)


def test_p1_impact_is_the_share_of_the_service_a_p1_takes_down():
    def availability(p1_impact: str) -> float:
        data = _study()
        for service in data["services"].values():
            service["incidents"].update(per_month=10, priorities={"P1": "100%", "P2": "0%", "P3": "0%", "P4": "0%"})
            service["p1_impact"] = p1_impact
        rows = run_study(study_from_data(data), 1, seed=2, variance_reduction=False).rows
        chosen = rows[(rows["metric"] == "availability_24_7") & (rows["subject"] == "fast")]
        return float(chosen["value"].iloc[0])

    full, half = availability("100%"), availability("50%")  # rare P1s: their outages seldom overlap
    assert 1 - half == pytest.approx((1 - full) / 2, rel=0.02)
