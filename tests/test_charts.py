"""Chart builders, exports and editor tables without Streamlit."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from simulation.compare import compare
from simulation.replications import run_study
from simulation.report import decision_sections, sections
from sourcing.files import load_study, study_from_data
from webapp import charts, editing, exports

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def run():
    study = load_study(ROOT / "scenarios" / "email-1000.yaml")
    results = run_study(study, replications=4, seed=3, detail=True)
    return study, results, compare(results.rows, study.baseline_name)


def test_cost_breakdown_stacks_every_nonzero_category(run):
    study, results, _ = run
    figure = charts.cost_breakdown(results.summary)
    names = [trace.name for trace in figure.data]
    assert {"staff", "infrastructure", "subscription", "downtime", "credits"} <= set(names)
    assert "penalties" in names  # the outsourced scenario receives some
    assert figure.layout.barmode == "relative"
    staff = next(t for t in figure.data if t.name == "staff")
    assert list(staff.x) == [s.name for s in study.scenarios]
    credits = next(t for t in figure.data if t.name == "credits")
    assert min(credits.y) < 0  # received amounts go below zero
    per_year = charts.cost_breakdown(results.summary, per_year=True)
    assert len(per_year.data[0].x[0]) == 5 * 3  # five years x three scenarios


def test_cost_vs_availability_marks_the_frontier(run):
    _, _, decision = run
    figure = charts.cost_vs_availability(decision.headline, decision.frontier)
    points = {t.name: t for t in figure.data if t.mode == "markers+text"}
    assert set(points) == {"In-house", "Outsourced, GTR 4h HO", "SaaS 99.9%"}
    for name, trace in points.items():
        assert trace.marker.symbol == ("star" if name in decision.frontier else "circle")
        assert trace.error_y.array[0] > 0
    assert figure.layout.xaxis.title.text.startswith("Availability")


def test_frontier_line_joins_frontier_points_in_order():
    headline = pd.DataFrame([
        {"scenario": s, "metric": m, "mean": v, "half_width": 0.0, "n": 5}
        for s, cost, availability in (("a", 100, 0.99), ("b", 200, 0.995), ("c", 300, 0.99))
        for m, v in (("economic_cost", cost), ("availability_service_time", availability))])
    figure = charts.cost_vs_availability(headline, ["a", "b"])
    line = next(t for t in figure.data if t.mode == "lines")
    assert list(line.x) == pytest.approx([99.0, 99.5])
    assert list(line.y) == [100, 200]


def test_paired_differences_and_risk_charts(run):
    _, results, decision = run
    figure = charts.paired_differences(decision.differences, "economic_cost")
    bar = figure.data[0]
    assert list(bar.y) == ["Outsourced, GTR 4h HO", "SaaS 99.9%"]
    assert all(v >= 0 for v in bar.error_x.array) and all(v >= 0 for v in bar.error_x.arrayminus)
    curve = charts.exceedance(results.rows)
    assert len(curve.data) == 3
    assert curve.data[0].y[0] == pytest.approx(75.0) and curve.data[0].y[-1] == 0
    box = charts.cost_distribution(results.rows)
    assert len(box.data[0].y) == 4


def test_restoration_curves_and_monthly_availability(run):
    _, results, _ = run
    figure = charts.restoration_curves(results.incidents, "email", "P2", {"target P2": 8.0})
    assert len(figure.data) == 3
    assert max(figure.data[0].y) <= 100
    assert any(shape.x0 == 8.0 for shape in figure.layout.shapes)
    monthly = charts.monthly_availability(results.rows, "email", {"target": 0.995})
    assert len(monthly.data) == 3 and len(monthly.data[0].x) == 60
    assert any(shape.y0 == pytest.approx(99.5) for shape in monthly.layout.shapes)


def test_excel_workbook_and_html_report(run):
    study, results, decision = run
    workbook = openpyxl.load_workbook(io.BytesIO(
        exports.excel_workbook(study, results.summary, decision, seed=3, replications=4)))
    assert workbook.sheetnames == ["Summary", "Costs per year", "Against baseline", "Risk tail", "All figures",
                                   "Assumptions", "Run"]
    costs = pd.read_excel(io.BytesIO(exports.excel_workbook(study, results.summary, decision, 3, 4)),
                          sheet_name="Costs per year")
    assert {"scenario", "category", "Y1", "Y5", "all"} <= set(costs.columns)
    report = exports.html_report(study, decision_sections(decision) + sections(results.summary),
                                 [charts.cost_breakdown(results.summary)], seed=3, replications=4)
    assert report.count("<script") >= 1 and "plotly" in report
    assert "E-mail for 1,000 users" in report and "k€ ±" in report


def test_editor_tables_round_trip_and_apply_changes():
    import yaml

    data = yaml.safe_load((ROOT / "scenarios" / "email-1000.yaml").read_text())
    unchanged = editing.apply_services(data, editing.services_table(data))
    unchanged = editing.apply_members(unchanged, "two-admins", editing.members_table(data, "two-admins"))
    unchanged = editing.apply_providers(unchanged, editing.providers_table(data))
    unchanged = editing.apply_saas(unchanged, editing.saas_table(data))
    unchanged = editing.apply_scenarios(unchanged, editing.scenarios_table(data))
    assert study_from_data(unchanged).model_dump() == study_from_data(
        editing.apply_scenarios(data, editing.scenarios_table(data))).model_dump()

    services = editing.services_table(data)
    services.loc[0, "users"] = 1500
    services.loc[0, "P1 %"] = 1.0
    services.loc[0, "P3 %"] = 67.0
    changed = study_from_data(editing.apply_services(data, services))
    assert changed.services["email"].users == 1500
    assert changed.services["email"].incidents.priorities["P1"] == pytest.approx(0.01)

    members = editing.members_table(data, "two-admins")
    members.loc[0, "count"] = 3
    assert study_from_data(editing.apply_members(data, "two-admins", members)).teams["two-admins"].size == 3

    offers = editing.providers_table(data)
    offers.loc[0, "coverage"] = "24/7"
    offers.loc[0, "GTR P1"] = "2h"
    changed = study_from_data(editing.apply_providers(data, offers))
    assert changed.providers["msp-4h-ho"].coverage == "24/7" and changed.providers["msp-4h-ho"].gtr["P1"] == 2

    scenarios = editing.scenarios_table(data)
    scenarios.loc[1, "email"] = "saas: mail-cloud + desk: two-admins"
    changed = study_from_data(editing.apply_scenarios(data, scenarios))
    assert changed.scenarios[1].option_for("email").desk == "two-admins"


def test_editor_option_text_round_trips():
    for option in ({"make": "it"}, {"outsource": "msp"}, {"saas": "cloud"}, {"saas": "cloud", "desk": "it"},
                   {"hybrid": {"team": "it", "provider": "msp"}}):
        assert editing.parse_option(editing.option_text(option)) == option
    assert editing.parse_option("buy it") == {"buy it": None}
