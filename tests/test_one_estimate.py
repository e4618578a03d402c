"""One estimate per figure, whoever shows it: the verdict, the comparison, the JSON of the command line,
the Excel workbook, the HTML report's tables, the procurement figures and the app read the same numbers.

The estimator (simulation/variance.py) may use control variates; a door that averaged the replications
itself would print another number for the same figure (the verdict once said "email at 99.209 %" above a
table saying "99.182 % ± 0.018"). Tolerance: 1e-9 relative, for the procurement figures (computed one
figure at a time where the summary computes a scenario's figures together: the same arithmetic, in
another order); every other door must agree exactly."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from openpyxl import load_workbook
from test_variance import ONE_PERSON
from typer.testing import CliRunner

from cli.main import app
from reports.exports import excel_workbook
from simulation.compare import compare
from simulation.replications import run_study
from simulation.verdict import verdict
from sourcing.files import load_study

EXAMPLE = "scenarios/email-1000.yaml"


@pytest.fixture(scope="module")
def run():
    """The one-person team against a provider, 60 replications: controls are used at that size."""
    from sourcing.files import study_from_data

    study = study_from_data(ONE_PERSON)
    return study, run_study(study, 60, seed=3)


def _row(summary, scenario, metric, scope="scenario", subject="all"):
    part = summary[(summary["scenario"] == scenario) & (summary["metric"] == metric) & (summary["scope"] == scope)
                   & (summary["subject"] == subject) & (summary["period"] == "all") & (summary["priority"] == "")]
    assert len(part) == 1, (scenario, metric)
    return part.iloc[0]


def test_the_estimator_is_the_controlled_one_here(run) -> None:
    """The check below would be empty if no figure used a control: some do at 60 replications."""
    _, results = run
    assert (results.summary["vr_factor"] > 1).any()
    in_house = _row(results.summary, "In-house", "economic_cost")
    assert in_house["vr_factor"] > 1


def test_verdict_comparison_and_summary_agree(run) -> None:
    study, results = run
    summary = results.summary
    decision = compare(results.rows, study.baseline_name, results.controls, results.control_means, study, summary)
    found = verdict(results, study)
    head = decision.headline.set_index(["scenario", "metric"])
    for scenario in ("In-house", "Hosting provider"):
        for metric in ("economic_cost", "availability_service_time", "downtime_hours"):
            row = _row(summary, scenario, metric)
            assert head.at[(scenario, metric), "mean"] == row["mean"]
            assert head.at[(scenario, metric), "half_width"] == row["half_width"]
            assert results.figure(metric, scenario) == row["mean"]
    for option, short in found.excluded.items():
        assert short.months_meeting == _row(summary, option, "months_meeting_target", "service", short.service)["mean"]
        assert short.availability == _row(summary, option, "availability_service_time", "service",
                                          short.service)["mean"]
    if found.runner_up is not None:
        # the verdict's margin and the comparison's paired difference are the same estimate, seen from each side
        pair = decision.differences.set_index(["scenario", "metric"])
        if {found.recommended, found.runner_up} == {study.baseline_name, *pair.index.get_level_values(0)}:
            other = found.runner_up if found.runner_up != study.baseline_name else found.recommended
            sign = 1 if other == found.runner_up else -1
            assert sign * pair.at[(other, "economic_cost"), "mean"] == pytest.approx(found.difference[0], rel=1e-12)


def test_the_workbook_shows_the_summary_numbers(run) -> None:
    study, results = run
    summary = results.summary
    decision = compare(results.rows, study.baseline_name, results.controls, results.control_means, study, summary)
    book = load_workbook(io.BytesIO(excel_workbook(study, summary, decision, 3, 60)))
    sheet = book[book.sheetnames[0]]
    numbers = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, float)]
    cost = _row(summary, "In-house", "economic_cost")
    # the workbook keeps numbers as numbers (in k€ for money)
    assert any(np.isclose(v, cost["mean"] / 1000, rtol=1e-12, atol=0) or v == cost["mean"] for v in numbers)
    assert any(np.isclose(v, cost["half_width"] / 1000, rtol=1e-12, atol=0) or v == cost["half_width"]
               for v in numbers)


def test_the_json_of_run_is_the_summary_and_the_verdict_says_its_numbers(tmp_path) -> None:
    """`sourcing run --format json`: its summary, its comparison and its verdict carry the same numbers."""
    result = CliRunner().invoke(app, ["run", EXAMPLE, "-n", "30", "--seed", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    rows = {(r["scenario"], r["scope"], r["subject"], r["metric"], r["priority"], r["period"]): r
            for r in document["summary"]}
    for head in document["comparison"]["headline"]:
        row = rows[(head["scenario"], "scenario", "all", head["metric"], "", "all")]
        assert head["mean"] == row["mean"] and head["half_width"] == row["half_width"]
    for option, short in document["verdict"]["excluded"].items():
        row = rows[(option, "service", short["service"], "months_meeting_target", "", "all")]
        assert short["months_meeting"] == row["mean"]
        # the sentence says the same share, rounded as the reader sees it
        service = load_study(EXAMPLE).name_of(short["service"])   # the sentence calls the service by its name
        said = [s for s in document["verdict"]["sentences"] if option in s and service in s]
        assert said and f"{round(100 * row['mean'])} %" in said[0]


def test_procurement_figures_use_the_same_estimator() -> None:
    """An offer's availability in procurement is its scenario's figure in the run's summary."""
    from simulation.procurement import compare_offers
    from sourcing.grid import load_tender

    tender = load_tender("scenarios/email-offers.yaml")
    base = load_study(EXAMPLE)
    comparison = compare_offers(tender, base, 24, seed=4)
    summary = comparison.summary.set_index(["offer", "figure"])
    for offer in tender.offers:
        figure = comparison.results.figure("availability_service_time", offer)
        assert summary.at[(offer, "availability"), "mean"] == pytest.approx(figure, rel=1e-9)
    for offer, short in comparison.shortfalls.items():
        assert short.months_meeting == comparison.results.figure("months_meeting_target", offer, "service",
                                                                 short.service)


def test_the_html_report_prints_the_summary_numbers(run) -> None:
    """The HTML report's main table shows each figure as the summary has it, rounded for the reader."""
    from reports.html import html_report
    from reports.report import decision_sections
    from sourcing import words

    study, results = run
    summary = results.summary
    decision = compare(results.rows, study.baseline_name, results.controls, results.control_means, study, summary)
    page = html_report(study.name, decision_sections(decision, "en", 3), [])
    cost = _row(summary, "In-house", "economic_cost")
    cell = f"{words.money(cost['mean'], study.currency, 'en')} ± {words.number(cost['half_width'] / 1000, 'en', 1)}"
    assert f"<td>{cell}</td>" in page, cell
