"""Provider offers: study names that fit, hints that say what to write, and what a declared share
within the GTR turns into (with an optional median and a spread per priority)."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import yaml
from openpyxl import load_workbook
from scipy import stats
from typer.testing import CliRunner

from builders import BASE
from cli.main import app
from sourcing.assumptions import assumptions, shown
from sourcing.errors import ScenarioError
from sourcing.files import dump_study, load_study, study_from_data, study_from_text, validate
from sourcing.grid import ROWS, load_tender, read_grid, template
from sourcing.model import Z90
from sourcing.tender import Tender, tender_study

ROOT = Path(__file__).parents[1]
OFFERS = ROOT / "scenarios" / "email-offers.yaml"
BASE_SCENARIO = ROOT / "scenarios" / "email-1000.yaml"
PRIORITIES = ("P1", "P2", "P3", "P4")

OFFER = {
    "coverage": "24/7",
    "gtr": {"P1": "1h", "P2": "4h", "P3": "8h", "P4": "24h"},
    "performance": {"within_gtr": {"P1": "85%", "P2": "90%", "P3": "95%", "P4": "95%"}},
    "fees": {"monthly": "2000 EUR"},
    "retained": {"fte": 0.3, "annual_cost": "80000 EUR"},
}


def offers_data() -> dict:
    """The bundled call for tenders as parsed YAML, to break one field at a time."""
    return yaml.safe_load(OFFERS.read_text(encoding="utf-8"))


def scenario_data(offer: dict) -> dict:
    """A small scenario whose only provider offer is ``offer`` (named msp)."""
    data = copy.deepcopy(BASE)
    data["providers"] = {"msp": offer}
    data["scenarios"] = [{"name": "in-house", "default": {"make": "it"}},
                         {"name": "outsourced", "default": {"outsource": "msp"}}]
    return data


def with_performance(**performance) -> dict:
    return {**OFFER, "performance": {**OFFER["performance"], **performance}}


def refused(data: dict, model=Tender) -> list:
    with pytest.raises(ScenarioError) as caught:
        validate(model, data, "offers.yaml") if model is Tender else study_from_data(data, "study.yaml")
    return caught.value.problems


def by_field(problems) -> dict[str, str]:
    return {p.field: p.message for p in problems}


# --------------------------------------------------------------------------- 1. study names that fit


def test_long_tender_and_scenario_names_still_make_a_study():
    """33 + 46 characters: the joined name would exceed the 80 allowed; it is shortened, kept whole
    in the description."""
    base = load_study(BASE_SCENARIO)
    base = base.model_copy(update={"name": "E-mail for 1,000 users, three ways, year 2027"[:46].ljust(46, "!")})
    tender = load_tender(OFFERS).model_copy(update={"name": "Managed e-mail call for tenders 27"[:33]})
    assert len(tender.name) == 33 and len(base.name) == 46
    study = tender_study(base, tender)
    assert len(study.name) <= 80 and study.name.endswith("…")
    assert study.name.startswith(tender.name)
    assert f"{tender.name} — on {base.name}" in study.description
    assert [s.name for s in study.scenarios] == [base.baseline_name, *tender.offers]


def test_short_names_keep_the_joined_name():
    base, tender = load_study(BASE_SCENARIO), load_tender(OFFERS)
    study = tender_study(base, tender)
    assert study.name == f"{tender.name} — on {base.name}"
    assert study.description == base.description


def test_user_written_names_still_stop_at_80_characters():
    data = offers_data()
    data["name"] = "x" * 81
    problems = by_field(refused(data))
    assert "name" in problems and "at most 80" in problems["name"]


def test_offers_compare_on_the_command_line_with_long_names(tmp_path):
    base = yaml.safe_load(BASE_SCENARIO.read_text(encoding="utf-8"))
    base["name"] = "N" * 46
    base.pop("translations")   # they translate the file's own names, which this test changes
    (tmp_path / "email-1000.yaml").write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    offers = offers_data()
    offers["name"] = "T" * 33
    (tmp_path / "offers.yaml").write_text(yaml.safe_dump(offers, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(app, ["offers", "compare", str(tmp_path / "offers.yaml"), "-n", "2",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {r["offer"] for r in json.loads(result.stdout)["ranking"]} == set(offers["offers"])


# --------------------------------------------------------------------------- 2. hints that say what to write


def test_a_missing_share_names_its_priority_and_says_what_is_accepted():
    data = offers_data()
    del data["offers"]["standard-24-7"]["performance"]["within_gtr"]["P3"]
    problems = by_field(refused(data))
    message = problems["offers.standard-24-7.performance.within_gtr.P3"]
    assert "within_gtr: {P1: 90%, P2: 90%, P3: 95%, P4: 95%}" in message
    assert "performance.restore" in message and "'none' for best effort" not in message


def test_a_missing_restore_time_names_its_priority():
    offer = {**OFFER, "gtr": {**OFFER["gtr"], "P4": "none"},
             "performance": {"restore": {"P1": {"median": "30min", "p90": "2h"}, "P2": "2h", "P3": "4h"}}}
    problems = by_field(refused(scenario_data(offer), model=None))
    message = problems["providers.msp.performance.restore.P4"]
    assert "restore: {P1: {median: 1h, p90: 4h}" in message and "within_gtr" not in message


def test_a_missing_gtr_names_its_priority_and_accepts_none():
    offer = {**OFFER, "gtr": {"P1": "1h", "P2": "4h", "P3": "8h"}}
    problems = by_field(refused(scenario_data(offer), model=None))
    assert "no entry for P4" in problems["providers.msp.gtr.P4"]
    assert "'none' for best effort" in problems["providers.msp.gtr.P4"]


def test_within_gtr_for_a_best_effort_priority_asks_for_restore():
    offer = {**OFFER, "gtr": {**OFFER["gtr"], "P4": "none"}}
    problems = by_field(refused(scenario_data(offer), model=None))
    message = problems["providers.msp.performance.within_gtr.P4"]
    assert "best effort" in message and "give performance.restore" in message


@pytest.mark.parametrize("field, fragments", [
    ("retained", ["missing field 'retained'", "outsourcing always leaves someone in-house to steer the provider",
                  "retained: {fte: 0.3, annual_cost: 80000 EUR}"]),
    ("performance", ["missing field 'performance'", "within_gtr: {P1: 90%", "restore:"]),
])
def test_a_missing_section_says_what_to_write_in_every_door(field, fragments):
    offer = {k: v for k, v in OFFER.items() if k != field}
    study = by_field(refused(scenario_data(offer), model=None))[f"providers.msp.{field}"]
    data = offers_data()
    del data["offers"]["premium-1h"][field]
    tender = by_field(refused(data))[f"offers.premium-1h.{field}"]
    for message in (study, tender):
        for fragment in fragments:
            assert fragment in message, message


def test_a_missing_section_in_a_usd_file_writes_its_example_in_usd():
    data = yaml.safe_load(OFFERS.read_text(encoding="utf-8").replace("EUR", "USD"))
    del data["offers"]["premium-1h"]["retained"]
    message = by_field(refused(data))["offers.premium-1h.retained"]
    assert "annual_cost: 80000 USD" in message


def _row(key: str) -> int:
    return next(i for i, row in enumerate(ROWS, start=2) if row.key == key)


def _grid(tender: Tender, empty: dict[str, list[str]] | None = None, values: dict | None = None) -> bytes:
    """The template filled from ``tender``, with some cells left empty or set: {provider: [keys]}."""
    book = load_workbook(io.BytesIO(template(list(tender.offers), currency=tender.currency, name=tender.name)))
    sheet = book["Offers"]
    for column, (name, offer) in enumerate(tender.offers.items(), start=4):
        data = offer.model_dump(mode="json", by_alias=True, exclude_none=True, context={"currency": "EUR"})
        for line, row in enumerate(ROWS, start=2):
            value = data
            for part in row.key.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if value is None or row.key in (empty or {}).get(name, []):
                continue
            if row.kind == "money":
                value = float(str(value).split()[0])
            elif row.kind in ("count", "number"):
                value = float(value)
            sheet.cell(row=line, column=column, value=value)
        for key, value in (values or {}).get(name, {}).items():
            sheet.cell(row=_row(key), column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_grid_with_an_empty_share_names_the_provider_and_the_row_of_that_priority():
    tender = load_tender(OFFERS)
    content = _grid(tender, empty={"standard-24-7": ["performance.within_gtr.P3"]})
    with pytest.raises(ScenarioError) as caught:
        read_grid(content, "grid.xlsx", kind="xlsx")
    [problem] = caught.value.problems
    assert problem.line == _row("performance.within_gtr.P3")
    assert "provider 'standard-24-7'" in problem.message
    assert f"row {_row('performance.within_gtr.P3')} (Declared performance P3" in problem.message


def test_grid_with_an_empty_gtr_names_the_row_of_that_priority():
    tender = load_tender(OFFERS)
    content = _grid(tender, empty={"premium-1h": ["gtr.P2"]})
    with pytest.raises(ScenarioError) as caught:
        read_grid(content, "grid.xlsx", kind="xlsx")
    [problem] = caught.value.problems
    assert problem.line == _row("gtr.P2") and "provider 'premium-1h'" in problem.message


def test_grid_without_retained_organisation_says_what_to_write():
    tender = load_tender(OFFERS)
    content = _grid(tender, empty={"budget-ho": ["retained.fte", "retained.annual_cost"]})
    with pytest.raises(ScenarioError) as caught:
        read_grid(content, "grid.xlsx", kind="xlsx")
    [problem] = caught.value.problems
    assert "provider 'budget-ho'" in problem.message
    assert "outsourcing always leaves someone in-house" in problem.message


# --------------------------------------------------------------------------- 3. median, spread, implied figures


def _offer(**performance):
    study = study_from_data(scenario_data(with_performance(**performance)))
    return study, study.providers["msp"]


def test_share_and_default_spread_worked_by_hand():
    """GTR 1 h, 85 % within, spread 3: sigma = ln 3 / 1.28155 = 0.85725, Phi^-1(0.85) = 1.03643,
    median = 1 / exp(0.85725 x 1.03643) = 1 / 2.4314 = 0.4113 h, P90 = 3 x median = 1.2338 h."""
    study, offer = _offer()
    p1 = offer.restore_distribution("P1")
    assert p1.median == pytest.approx(0.4113, abs=1e-4)
    assert p1.p90 == pytest.approx(1.2338, abs=1e-4)
    rows = {a.path: a for a in assumptions(study)}
    implied = rows["providers.msp.performance.implied.P1"]
    assert implied.value == "0.41h, 1.2h"
    assert implied.unit == "median_p90" and implied.source == "source.derived_spread"
    assert shown(implied, "en")["unit"] == "median, P90 (covered hours)"
    assert shown(implied, "fr")["source"] == "déduit de la part rétablie dans la GTR et de l'écart"
    assert implied.default  # it rests on the default spread
    assert [p for p in rows if ".implied." in p] == [f"providers.msp.performance.implied.{p}" for p in PRIORITIES]


def test_median_and_share_set_the_lognormal():
    """GTR 1 h, 85 % within, median 25 min: sigma = ln(60/25) / Phi^-1(0.85) = 0.87547 / 1.03643 = 0.84470,
    P90 = 0.41667 x exp(0.84470 x 1.28155) = 1.2300 h; the lognormal puts 85 % below the GTR."""
    study, offer = _offer(median={"P1": "25min"})
    p1 = offer.restore_distribution("P1")
    assert p1.median == pytest.approx(25 / 60)
    sigma = np.log(60 / 25) / stats.norm.ppf(0.85)
    assert p1.p90 == pytest.approx(25 / 60 * np.exp(sigma * Z90))
    assert p1.p90 == pytest.approx(1.2300, abs=1e-4)
    assert stats.lognorm(s=sigma, scale=p1.median).cdf(1.0) == pytest.approx(0.85)
    assert offer.restore_distribution("P2").p90 == pytest.approx(3 * offer.restore_distribution("P2").median)
    rows = {a.path: a for a in assumptions(study)}
    assert rows["providers.msp.performance.implied.P1"].source == "source.derived_median"
    assert rows["providers.msp.performance.implied.P1"].value == "0.42h, 1.2h"
    assert not rows["providers.msp.performance.implied.P1"].default


def test_spread_per_priority():
    _, offer = _offer(spread={"P1": 2, "P3": 5})
    ratios = {p: offer.restore_distribution(p).p90 / offer.restore_distribution(p).median for p in PRIORITIES}
    assert ratios == pytest.approx({"P1": 2, "P2": 3, "P3": 5, "P4": 3})
    for priority in PRIORITIES:  # the declared share still falls within the GTR
        d = offer.restore_distribution(priority)
        sigma = np.log(d.p90 / d.median) / Z90
        share = stats.lognorm(s=sigma, scale=d.median).cdf(offer.gtr[priority])
        assert share == pytest.approx(offer.performance.within_gtr[priority])


def test_median_and_spread_round_trip_and_satisfy_the_json_schema():
    study, _ = _offer(median={"P1": "25min", "P2": "1h"}, spread={"P3": 4})
    assert study_from_text(dump_study(study)) == study
    schema = json.loads(CliRunner().invoke(app, ["schema"]).stdout)
    data = yaml.safe_load(dump_study(study))
    data["calendar"]["start"] = str(data["calendar"]["start"])
    jsonschema.validate(data, schema)
    data["providers"]["msp"]["performance"]["spread"] = 2.5
    jsonschema.validate(data, schema)


@pytest.mark.parametrize("performance, gtr, field, fragments", [
    ({"median": {"P1": "2h"}}, {}, "performance.median.P1", ["longer than the GTR", "85%"]),
    ({"median": {"P1": "30min"}, "within_gtr": {"P1": "40%", "P2": "90%", "P3": "95%", "P4": "95%"}}, {},
     "performance.median.P1", ["shorter than the GTR", "40%"]),
    ({"median": {"P1": "1h"}}, {}, "performance.median.P1", ["equal to the GTR"]),
    ({"median": {"P4": "2h"}}, {"P4": "none"}, "performance.median.P4", ["best effort"]),
    ({"median": {"P1": "1min"}, "within_gtr": {"P1": "51%", "P2": "90%", "P3": "95%", "P4": "95%"}}, {},
     "performance.median.P1", ["at most 100"]),
    ({"median": {"P1": "25min"}, "spread": {"P1": 2}}, {}, "performance.spread.P1", ["both a median and a spread"]),
    ({"spread": {"P1": 1}}, {}, "performance.spread.P1", ["must be more than 1 (got 1)"]),
    ({"spread": {"P5": 2}}, {}, "performance.spread.P5", []),
    ({"spread": "wide"}, {}, "performance.spread", ["a number above 1"]),
    ({"spread": [2, 3]}, {}, "performance.spread", ["one per priority"]),
])
def test_inconsistent_median_or_spread_is_refused(performance, gtr, field, fragments):
    offer = {**with_performance(**performance), "gtr": {**OFFER["gtr"], **gtr}}
    problems = by_field(refused(scenario_data(offer), model=None))
    assert f"providers.msp.{field}" in problems, problems
    for fragment in fragments:
        assert fragment in problems[f"providers.msp.{field}"], problems


def test_a_median_goes_with_within_gtr():
    offer = {**OFFER, "performance": {"restore": {p: "2h" for p in PRIORITIES}, "median": {"P1": "1h"}}}
    problems = by_field(refused(scenario_data(offer), model=None))
    assert "within_gtr" in problems["providers.msp.performance.median"]
    offer = {**OFFER, "performance": {"median": {"P1": "1h"}}}
    problems = by_field(refused(scenario_data(offer), model=None))
    assert "within_gtr" in problems["providers.msp.performance"]


def test_grid_has_optional_median_rows_read_as_hours():
    keys = [row.key for row in ROWS]
    assert [k for k in keys if k.startswith("performance.median.")] == [f"performance.median.{p}" for p in PRIORITIES]
    median = next(row for row in ROWS if row.key == "performance.median.P1")
    assert not median.required and median.kind == "hours"
    assert median.question == "Median restoration time P1 (optional: makes the declared share more precise)"
    sheet = load_workbook(io.BytesIO(template()))["Offers"]
    assert sheet.cell(row=_row("performance.median.P1"), column=2).value == median.question
    tender = load_tender(OFFERS)
    parsed = read_grid(_grid(tender, values={"premium-1h": {"performance.median.P1": 0.4}}), "grid.xlsx", "xlsx")
    assert parsed.offers["premium-1h"].performance.median == {"P1": pytest.approx(0.4)}
    assert parsed.offers["budget-ho"] == tender.offers["budget-ho"]


def test_grid_median_inconsistent_with_the_share_names_its_row():
    tender = load_tender(OFFERS)
    content = _grid(tender, values={"premium-1h": {"performance.median.P2": 5}})
    with pytest.raises(ScenarioError) as caught:
        read_grid(content, "grid.xlsx", kind="xlsx")
    [problem] = caught.value.problems
    assert problem.line == _row("performance.median.P2")
    assert "provider 'premium-1h'" in problem.message and "longer than the GTR" in problem.message


def test_every_offer_of_a_tender_shows_its_implied_median_and_p90():
    study = tender_study(load_study(BASE_SCENARIO), load_tender(OFFERS))
    rows = [a for a in assumptions(study) if ".performance.implied." in a.path]
    assert {a.path.split(".")[1] for a in rows} >= {"budget-ho", "standard-24-7", "premium-1h"}
    premium = {a.path.rsplit(".", 1)[1]: a.value for a in rows if a.path.startswith("providers.premium-1h.")}
    # GTR 1 h, 90 % within, spread 3: median = 1 / exp(0.85725 x 1.28155) = 1 / 3 = 0.33 h, P90 = 1 h.
    assert premium["P1"] == "0.33h, 1h"
    paths = [a.path for a in assumptions(study)]
    last = max(i for i, p in enumerate(paths) if p.startswith("providers.premium-1h.performance.")
               and ".implied." not in p)
    assert paths[last + 1] == "providers.premium-1h.performance.implied.P1"  # beside the offer's performance
