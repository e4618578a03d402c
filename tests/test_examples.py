"""Every example scenario file runs end to end and tells a coherent story."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.compare import compare
from simulation.replications import run_study
from sourcing.files import load_study

EXAMPLES = sorted(p for p in (Path(__file__).parents[1] / "scenarios").glob("*.yaml") if "offers" not in p.name)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_and_compares(path):
    study = load_study(path)
    results = run_study(study, replications=3, seed=2)
    decision = compare(results.rows, study.baseline_name)
    assert set(decision.headline["scenario"]) == {s.name for s in study.scenarios}
    costs = decision.headline.query("metric == 'cost_of_ownership'")
    assert (costs["mean"] > 0).all()
    assert decision.frontier, "at least one scenario is on the cost/availability frontier"
    assert len(decision.differences) == (len(study.scenarios) - 1) * 4


def test_example_b_compares_make_outsource_and_buy():
    study = load_study(Path(__file__).parents[1] / "scenarios" / "email-1000.yaml")
    kinds = {type(s.option_for("email")).__name__ for s in study.scenarios}
    assert kinds == {"MakeOption", "OutsourceOption", "SaasOption"}
    offer = study.providers["msp-4h-ho"]
    assert offer.coverage == "HO" and offer.gtr["P1"] == 4
    assert study.saas["mail-cloud"].sla.availability == pytest.approx(0.999)
