"""Chart builders, exports and editor tables without Streamlit."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from babel.numbers import get_decimal_symbol

from reports import exports
from reports.verdict import sentences
from simulation.compare import compare
from simulation.procurement import compare_offers, criteria_matrix, directions
from simulation.replications import run_study
from simulation.verdict import verdict
from sourcing.files import load_study, study_from_data
from sourcing.grid import load_tender
from webapp import charts, editing

ROOT = Path(__file__).parents[1]
EMAIL = ["In-house", "Outsourced, GTR 4h HO", "SaaS 99.9%"]


@pytest.fixture(scope="module")
def run():
    study = load_study(ROOT / "scenarios" / "email-1000.yaml")
    results = run_study(study, replications=4, seed=3, detail=True)
    return study, results, compare(results.rows, study.baseline_name)


@pytest.fixture(scope="module")
def offers():
    tender = load_tender(ROOT / "scenarios" / "email-offers.yaml")
    return compare_offers(tender, load_study(ROOT / "scenarios" / "email-1000.yaml"), 3, seed=2)


def every_chart(run, offers, lang: str) -> dict[str, object]:
    """Every chart of the app on the e-mail example, in one language."""
    study, results, decision = run
    colours = charts.option_colours(EMAIL)
    summary = results.summary
    team = summary[summary["scope"] == "team"]
    matrix = criteria_matrix(offers.tender, offers.summary)
    return {
        "cost_breakdown": charts.cost_breakdown(summary, lang=lang, years=5),
        "cost_breakdown_per_year": charts.cost_breakdown(summary, per_year=True, lang=lang, years=5),
        "cost_vs_availability": charts.cost_vs_availability(decision.headline, decision.frontier, lang=lang, years=5,
                                                            colours=colours),
        "paired_differences": charts.paired_differences(decision.differences, lang=lang, years=5,
                                                        baseline="In-house", colours=colours),
        "cost_distribution": charts.cost_distribution(results.rows, lang=lang, years=5, colours=colours),
        "exceedance": charts.exceedance(results.rows, lang=lang, years=5, colours=colours),
        "restoration": charts.restoration_curves(results.incidents, "email", "P1", {"target P1": 4.0, "GTR": 4.0},
                                                 lang=lang, colours=colours),
        "monthly": charts.monthly_availability(results.rows, "email", {"target": 0.995, "SLA": 0.999}, lang=lang,
                                               colours=colours),
        "on_call": charts.team_bars(team, "nights_disturbed_per_person_month", lang=lang, colours=colours)[0],
        "utilisation": charts.team_bars(team, "utilisation", lang=lang, colours=colours, scale=100, upper=100)[0],
        "offer_prices": charts.offer_prices(offers.summary, list(offers.tender.offers), lang=lang,
                                            names=offers.tender.names),
        "criteria": charts.criteria_heatmap(matrix, directions(offers.tender), lang=lang, names=offers.tender.names),
        "breakeven": charts.breakeven_chart([(1, -2, -3, -1), (2, 1, 0, 2)], 1.6, (1.4, 1.8), "x (EUR)", "y (k€)",
                                            "Break-even", lang=lang),
        "tornado": charts.tornado([("a", -3, 1), ("b", -2, -1)], -1.5, "k€", "Tornado", lang=lang),
    }


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_chart_has_a_title_and_axis_titles_with_units(run, offers, lang):
    for name, figure in every_chart(run, offers, lang).items():
        layout = figure.layout
        assert layout.title.text, name
        assert layout.xaxis.title.text and layout.yaxis.title.text or name in ("tornado",), name
        assert layout.height >= 260 and layout.font.size >= 12, name
    figures = every_chart(run, offers, lang)
    money = [figures[k].layout.yaxis.title.text for k in ("cost_breakdown", "cost_distribution", "offer_prices")]
    assert all("k€" in text for text in money), money
    assert all(("5 years" if lang == "en" else "5 ans") in figures[k].layout.yaxis.title.text
               for k in ("cost_breakdown", "cost_distribution")), "money says its horizon"
    assert "%" in figures["utilisation"].layout.yaxis.title.text
    assert figures["on_call"].layout.yaxis.title.text == ("Nights per person per month" if lang == "en"
                                                         else "Nuits par personne et par mois")


def test_cost_breakdown_stacks_every_nonzero_category_in_thousands(run):
    study, results, _ = run
    figure = charts.cost_breakdown(results.summary, lang="en", years=5)
    names = [trace.name for trace in figure.data]
    assert {"Staff", "Infrastructure", "Subscription", "Business cost of downtime", "Credits received"} <= set(names)
    assert "Penalties received" in names  # the outsourced scenario receives some
    assert figure.layout.barmode == "relative"
    staff = next(t for t in figure.data if t.name == "Staff")
    assert list(staff.x) == [s.name for s in study.scenarios]
    summary = results.summary
    total = summary[(summary["metric"] == "cost.staff") & (summary["period"] == "all")
                    & (summary["scenario"] == "In-house")]["mean"].iloc[0]
    assert staff.y[0] == pytest.approx(total / 1000)
    credits = next(t for t in figure.data if t.name == "Credits received")
    assert min(credits.y) < 0  # received amounts go below zero
    per_year = charts.cost_breakdown(results.summary, per_year=True)
    assert len(per_year.data[0].x[0]) == 5 * 3  # five years x three scenarios
    french = charts.cost_breakdown(results.summary, lang="fr", years=5)
    assert "Personnel" in [t.name for t in french.data] and french.layout.separators == ", "


def test_an_option_has_the_same_colour_on_every_chart(run, offers):
    figures = every_chart(run, offers, "en")
    colours = charts.option_colours(EMAIL)
    assert len(set(colours.values())) == 3
    for name in ("cost_vs_availability", "exceedance", "restoration", "monthly", "cost_distribution"):
        for trace in figures[name].data:
            if trace.name in colours:
                used = trace.marker.color if name in ("cost_vs_availability", "cost_distribution") else trace.line.color
                assert used == colours[trace.name], (name, trace.name)
    for name in ("on_call", "utilisation"):
        assert {t.name: t.marker.color for t in figures[name].data} == {n: colours[n] for n in
                                                                       [t.name for t in figures[name].data]}
    bars = figures["paired_differences"].data[0]
    assert list(bars.marker.color) == [colours[n] for n in bars.y]


def test_error_bars_never_go_below_zero_or_above_a_share(run):
    _, results, _ = run
    team = results.summary[results.summary["scope"] == "team"]
    for metric, scale, upper in (("nights_disturbed_per_person_month", 1.0, None), ("utilisation", 100.0, 100.0)):
        figure, _ = charts.team_bars(team, metric, scale=scale, upper=upper)
        for trace in figure.data:
            for mean, minus, plus in zip(trace.y, trace.error_y.arrayminus, trace.error_y.array):
                assert mean - minus >= -1e-9, (metric, trace.name)
                assert upper is None or mean + plus <= upper + 1e-9
    made_up = pd.DataFrame({"scenario": ["a", "b"], "scope": "team", "subject": "it", "metric": "x",
                            "period": "all", "mean": [0.01, 0.5], "half_width": [0.05, 0.1]})
    figure, clipped = charts.team_bars(made_up, "x")
    assert clipped and figure.data[0].error_y.arrayminus[0] == pytest.approx(0.01)
    assert figure.data[1].error_y.arrayminus[0] == pytest.approx(0.1)


def test_cost_vs_availability_marks_the_frontier(run):
    _, _, decision = run
    figure = charts.cost_vs_availability(decision.headline, decision.frontier)
    points = {t.name: t for t in figure.data if t.mode == "markers+text"}
    assert set(points) == set(EMAIL)
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
    assert list(line.y) == pytest.approx([0.1, 0.2])


def test_paired_differences_and_risk_charts(run):
    _, results, decision = run
    figure = charts.paired_differences(decision.differences, "economic_cost")
    bar = figure.data[0]
    assert list(bar.y) == EMAIL[1:]
    assert all(v >= 0 for v in bar.error_x.array) and all(v >= 0 for v in bar.error_x.arrayminus)
    curve = charts.exceedance(results.rows)
    assert len(curve.data) == 3
    assert curve.data[0].y[0] == pytest.approx(75.0) and curve.data[0].y[-1] == 0
    box = charts.cost_distribution(results.rows)
    assert len(box.data[0].y) == 4


def test_restoration_deadlines_never_overprint_and_the_axis_ends_near_the_data(run):
    _, results, _ = run
    figure = charts.restoration_curves(results.incidents, "email", "P2", {"target P2": 8.0, "GTR msp": 8.0,
                                                                          "GTR other": 16.0})
    assert len(figure.data) == 3
    assert max(figure.data[0].y) <= 100
    lines = [shape for shape in figure.layout.shapes if shape.type == "line"]
    assert sorted(shape.x0 for shape in lines) == [8.0, 16.0]   # one line per distinct deadline
    labels = figure.layout.annotations
    assert len(labels) == 2 and "target P2 · GTR msp" in labels[0].text
    assert len({round(a.y, 3) for a in labels}) == 2, "labels at different heights"
    low, high = figure.layout.xaxis.range
    longest = max(max(t.x) for t in figure.data)
    assert 10 ** high <= max(longest, 16.0) * 1.3   # ends near the data or the last deadline
    monthly = charts.monthly_availability(results.rows, "email", {"target": 0.995})
    assert len(monthly.data) == 3 and len(monthly.data[0].x) == 60
    assert any(shape.y0 == pytest.approx(99.5) for shape in monthly.layout.shapes)


def test_criteria_heat_map_writes_values_with_their_units(offers):
    matrix = criteria_matrix(offers.tender, offers.summary)
    figure = charts.criteria_heatmap(matrix, directions(offers.tender), lang="fr", names=offers.tender.names,
                                     scales={k: c.high for k, c in offers.tender.criteria.items()})
    heat = figure.data[0]
    assert list(heat.y) == ["Budget MSP", "Standard MSP", "Premium MSP"]
    row = list(heat.text[0])
    assert row[0].endswith("k€") and row[1].endswith("%") and row[2].endswith("%") and row[3].endswith("k€")
    assert re.fullmatch(r"\d / 5", row[4])
    assert get_decimal_symbol("fr_FR") in row[0] and "." not in row[0]  # the French locale's decimal sign (Babel's)


# --------------------------------------------------------------------------- exports


def test_excel_workbook_has_number_formats_frozen_headers_and_french_labels(run):
    study, results, decision = run
    said = sentences(verdict(results, study, seed=3), "fr", "EUR", 4)
    book = openpyxl.load_workbook(io.BytesIO(
        exports.excel_workbook(study, results.summary, decision, seed=3, replications=4, lang="fr", verdict=said)))
    assert book.sheetnames == ["Verdict", "Synthèse", "Coûts par an", "Écart à la référence", "Risque",
                               "Tous les indicateurs", "Hypothèses", "Simulation"]
    assert book["Verdict"]["A3"].value.startswith("Recommandé")
    summary = book["Synthèse"]
    header = [c.value for c in summary[3]]
    assert header[0] == "Option" and "Coût économique (possession + indisponibilité − reçu) sur 5 ans" in header
    assert summary.freeze_panes == "B4"
    cost = header.index("Coût de possession sur 5 ans") + 1
    availability = header.index("Disponibilité sur la plage de service") + 1
    assert summary.cell(row=4, column=cost).number_format == '#,##0.0,"\u00a0k€"'
    assert isinstance(summary.cell(row=4, column=cost).value, float)   # a number, not text
    assert summary.cell(row=4, column=availability).number_format == '0.000"\u00a0"%'
    assert summary.column_dimensions["B"].width >= 12
    costs = book["Coûts par an"]
    assert [c.value for c in costs[1]][:3] == ["Option", "Catégorie de coût", "Année 1 (k€)"]
    assert costs.freeze_panes == "C2" and costs["C2"].number_format.endswith('k€"')
    figures = book["Tous les indicateurs"]
    names = [c.value for c in figures[1]]
    # each figure by its label and its period in words, never by its identifier (the tidy results keep them)
    rows = {(r[0].value, r[3].value, r[4].value or "", r[5].value): r for r in figures.iter_rows(min_row=2)}
    hours = rows[("In-house", "Indisponibilité (équivalent panne totale)", "", "Tout l'horizon")][
        names.index("Moyenne")]
    assert hours.number_format == '#,##0.00"\u00a0h"'
    english = openpyxl.load_workbook(io.BytesIO(exports.excel_workbook(study, results.summary, decision, 3, 4)))
    assert english.sheetnames[:2] == ["Summary", "Costs per year"]   # no verdict given, no verdict sheet


def test_offers_workbook_in_french(offers):
    book = openpyxl.load_workbook(io.BytesIO(exports.offers_workbook(offers, "fr")))
    assert book.sheetnames == ["Offres", "Classement", "Sensibilité", "Notes", "Pondérations", "Offres reçues",
                               "Par réplication", "Simulation"]
    sheet = book["Offres"]
    header = [c.value for c in sheet[3]]
    assert header[:2] == ["Indicateur", "Budget MSP"]
    assert sheet["A4"].value == "Prix annuel effectif (forfait + variable − pénalités)"
    assert sheet["B4"].number_format.endswith('k€"') and sheet.freeze_panes == "B4"
    assert book["Classement"]["A1"].value.startswith(("Les deux méthodes", "Les deux", "Seule ", "Aucune offre"))
    ranking = [[c.value for c in row] for row in book["Classement"].iter_rows() if row[0].value == "Budget MSP"][0]
    assert ranking[1] in ("Conforme",) or ranking[1].startswith("Non conforme : ")


def test_html_report_verdict_first_in_french_self_contained_and_small(run):
    study, results, decision = run
    said = sentences(verdict(results, study, seed=3), "fr", "EUR", 4)
    figures = [charts.cost_breakdown(results.summary, lang="fr", years=5), charts.exceedance(results.rows, lang="fr")]
    report = exports.run_report(study, decision, results.summary, figures, 3, 4, "fr", said)
    assert len(report.encode()) < 2_500_000, "plotly.js once, compressed (4.9 MB before)"
    assert report.count("DecompressionStream('deflate')") == 1 and report.count("class='chart'") == 2
    assert "<script src" not in report and "cdn.plot.ly" not in report   # opens without a network
    verdict_at = report.index("Recommandé")
    assert verdict_at < report.index("<table")
    assert "Coût de possession sur 5 ans" in report and "k€ ±" in report and "\u202f" in report
    assert "<html lang='fr'>" in report


def test_tidy_csv_keeps_identifiers_and_plain_numbers_and_neutralises_text(run):
    _, results, _ = run
    rows = results.rows.copy()
    rows["scenario"] = rows["scenario"].astype(str).replace({"In-house": "=1+1"})
    frame = pd.read_csv(io.BytesIO(exports.tidy_csv(rows, seed=3)))
    assert list(frame.columns) == ["scenario", "replication", "scope", "subject", "metric", "priority", "period",
                                   "value", "seed"]
    assert "'=1+1" in set(frame["scenario"]) and "economic_cost" in set(frame["metric"])
    assert frame["value"].dtype == float and not any(isinstance(v, str) for v in frame["value"])


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


def test_editor_column_headers_in_french_with_units():
    import yaml

    data = yaml.safe_load((ROOT / "scenarios" / "email-1000.yaml").read_text())
    tables = [editing.services_table(data), editing.members_table(data, "two-admins"), editing.providers_table(data),
              editing.saas_table(data)]
    for table in tables:
        for column in table.columns:
            french = editing.column_label(column, "EUR", "fr")
            assert french != column or column in ("service",), column
    assert editing.column_label("users", lang="fr") == "Utilisateurs"
    assert editing.column_label("per_month", lang="fr") == "Incidents par mois"
    assert editing.column_label("annual_cost", "EUR", "fr") == "Coût chargé par an (EUR)"
    assert editing.column_label("P2 %", lang="fr") == "P2 (% des incidents)"
    assert editing.column_label("email", lang="fr") == "email"   # a service of the scenario list keeps its name


def test_editor_option_text_round_trips():
    for option in ({"make": "it"}, {"outsource": "msp"}, {"saas": "cloud"}, {"saas": "cloud", "desk": "it"},
                   {"hybrid": {"team": "it", "provider": "msp"}}):
        assert editing.parse_option(editing.option_text(option)) == option
    assert editing.parse_option("buy it") == {"buy it": None}


CODE = (re.compile(r"\b[a-z_]+(\.[a-z_\-\[\]0-9]+){2,}"),   # a dotted path of the scenario file
        re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b"),              # a snake_case identifier
        re.compile(r"\d+[.,]\d{4,}"))                           # a raw float


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_run_and_offers_workbooks_hold_no_path_identifier_or_raw_float(run, offers, lang):
    """Issue 21: the run's workbook listed every figure by its identifier (``downtime_hours``, period
    ``all``) and every assumption by its path (``saas.mail-cloud.price_per_user_month``); the offers
    workbook gave each replication's figure by its identifier, as a long float. The tidy CSV keeps them."""
    study, results, decision = run
    said = sentences(verdict(results, study, seed=3), lang, "EUR", 4)
    found = []
    for content in (exports.excel_workbook(study, results.summary, decision, 3, 4, lang, said),
                    exports.offers_workbook(offers, lang)):
        book = openpyxl.load_workbook(io.BytesIO(content))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        found += [(sheet.title, cell.coordinate, m.group(0)) for p in CODE
                                  for m in p.finditer(cell.value)]
                    elif isinstance(cell.value, float) and cell.value != round(cell.value, 3):
                        assert cell.number_format != "General", (sheet.title, cell.coordinate, cell.value)
    assert not found, found[:10]
    assert b"downtime_hours" in exports.tidy_csv(results.rows, 3)   # what a program reads keeps them
