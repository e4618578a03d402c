"""Scenario files: examples validate, write back losslessly and satisfy the published JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from sourcing.errors import ScenarioError
from sourcing.files import dump_study, load_study, study_from_text

EXAMPLES = sorted((Path(__file__).parents[1] / "scenarios").glob("*.yaml"))
runner = CliRunner()


def studies():
    return [p for p in EXAMPLES if "offers" not in p.name]


@pytest.mark.parametrize("path", studies(), ids=lambda p: p.name)
def test_example_round_trips_through_yaml(path):
    study = load_study(path)
    assert study_from_text(dump_study(study)) == study


@pytest.mark.parametrize("path", studies(), ids=lambda p: p.name)
def test_example_satisfies_the_json_schema(path):
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    data = yaml.safe_load(path.read_text())
    data["calendar"]["start"] = str(data["calendar"]["start"])  # YAML dates are dates; JSON has strings
    jsonschema.validate(data, schema)


def test_line_numbers_point_at_the_field():
    text = "name: x\ncalendar:\n  start: 2027-01-01\n  horizon: 2 years\nservices: {}\nscenarios: []\n"
    with pytest.raises(ScenarioError) as caught:
        study_from_text(text, source="x.yaml")
    message = str(caught.value)
    assert "x.yaml:4: calendar.horizon:" in message
    assert "services" in message and "scenarios" in message


def test_every_problem_is_reported_at_once():
    text = """
name: several
calendar: {start: 2027-01-01, horizon: 1y}
services:
  mail:
    users: -5
    outage_cost_per_hour: {business: 10 EUR, off_hours: 1 USD}
    incidents: {per_month: 3, priorities: {P1: 50%, P2: 40%}}
scenarios: [{name: a, default: {make: it}}]
"""
    with pytest.raises(ScenarioError) as caught:
        study_from_text(text, source="s.yaml")
    fields = {p.field for p in caught.value.problems}
    assert {"services.mail.users", "services.mail.outage_cost_per_hour.off_hours",
            "services.mail.incidents.priorities"} <= fields


def test_aliases_that_explode_are_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    with pytest.raises(ScenarioError, match="expands to more than"):
        study_from_text(bomb)


def test_python_tags_are_not_executed():
    with pytest.raises(ScenarioError, match="not valid YAML"):
        study_from_text("name: !!python/object/apply:os.system ['echo hacked']\n")
