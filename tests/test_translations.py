"""A scenario or offers file may carry its names and descriptions in French (``translations: {fr: {...}}``):
the app in French and the command line with ``--lang fr`` use them; the figures are the same (a person's
draws are addressed by names the translation leaves alone)."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from simulation.replications import run_study
from sourcing.errors import ScenarioError
from sourcing.files import in_language, load_study, study_from_text, translation_problems
from sourcing.grid import load_tender

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if "offers" not in p.name)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_bundled_example_has_its_names_in_french(path):
    english, french = load_study(path), load_study(path, "fr")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    table = data["translations"]["fr"]
    assert french.name == table[english.name] != english.name
    assert [s.name for s in french.scenarios] == [table.get(s.name, s.name) for s in english.scenarios]
    assert french.baseline_name == table.get(english.baseline_name, english.baseline_name)
    assert set(french.names) == set(english.names)   # the same services, teams and offers, by their keys
    assert all(french.names[k] == table.get(v, v) for k, v in english.names.items())
    assert not translation_problems(data, whole_file=True)


def test_the_offers_example_has_its_names_in_french():
    tender = load_tender(ROOT / "scenarios" / "email-offers.yaml", "fr")
    assert tender.name == "Messagerie infogérée 2027"
    assert tender.offers["budget-ho"].provider == "Infogérant économique"


@pytest.mark.parametrize("example", ["email-1000", "small-firm"])
def test_the_figures_are_the_same_in_french(example):
    path = ROOT / "scenarios" / f"{example}.yaml"
    english, french = run_study(load_study(path), 2, seed=1), run_study(load_study(path, "fr"), 2, seed=1)
    names = dict(zip((s.name for s in english.study.scenarios), (s.name for s in french.study.scenarios)))
    left = english.rows.assign(scenario=english.rows["scenario"].astype(str).map(names))
    right = french.rows.assign(scenario=french.rows["scenario"].astype(str))
    keys = [c for c in left.columns if c != "value"]
    merged = left.merge(right, on=keys, suffixes=("_en", "_fr"))
    assert len(merged) == len(left) == len(right) > 0
    assert np.array_equal(merged["value_en"].to_numpy(float), merged["value_fr"].to_numpy(float), equal_nan=True)


def test_a_misspelt_translation_is_refused_with_the_text_to_write():
    text = (ROOT / "scenarios" / "email-1000.yaml").read_text(encoding="utf-8")
    text = text.replace("    In-house: Interne\n", "    In-hous: Interne\n")
    with pytest.raises(ScenarioError) as caught:
        study_from_text(text, "email.yaml", "fr")
    problem = caught.value.problems[0]
    assert problem.path == ("translations", "fr", "In-hous")
    assert "did you mean 'In-house'" in problem.message and problem.line is not None


def test_a_language_the_app_does_not_speak_is_refused():
    problems = translation_problems({"translations": {"de": {"In-house": "Intern"}}})
    assert [p.path for p in problems] == [("translations", "de")] and "write fr" in problems[0].message


def test_references_follow_their_translation_and_members_stay_as_written():
    data = {"name": "A", "baseline": "Today", "scenarios": [{"name": "Today", "default": {"hybrid": {
        "team": "t", "provider": "Today"}}}], "teams": {"t": {"members": [{"name": "Today"}]}},
        "translations": {"fr": {"Today": "Aujourd'hui", "A": "Un"}}}
    french = in_language(data, "fr")
    assert french["name"] == "Un" and french["baseline"] == "Aujourd'hui"
    assert french["scenarios"][0]["name"] == "Aujourd'hui"
    assert french["scenarios"][0]["default"]["hybrid"]["provider"] == "Today"   # an offer's key, not a name
    assert french["teams"]["t"]["members"][0]["name"] == "Today"   # a person's name addresses their draws
    assert "translations" not in french
