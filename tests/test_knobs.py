"""Price knobs on the Compare page and price questions on a run already simulated: a changed price shows the
figures of a simulation of the file with that price (same seed, same replications) without simulating, and
"keep these prices" yields a file whose run gives those figures."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import simulation.chunks as chunks
from reports.verdict import sentences
from simulation.compare import compare
from simulation.replications import run_study
from simulation.repricing import breakeven_on_run
from simulation.verdict import verdict
from simulation.whatif import breakeven
from sourcing.files import load_study, study_from_text
from sourcing.paths import study_data, with_values
from webapp import knobs, session, tables

ROOT = Path(__file__).parents[1]
APP = str(ROOT / "app.py")
EXAMPLE = ROOT / "scenarios" / "email-1000.yaml"
FEE = "Monthly fee — Messaging MSP (€)"
REPLICATIONS = 4


@pytest.fixture
def simulations(monkeypatch) -> list[int]:
    """Every replication the engine runs from now on (its replication number), and every run the app
    starts (-1): a price knob must add none."""
    calls: list[int] = []
    replicate, run = chunks._replicate, session.run_study

    def counted_replicate(plan, seed, replication, *args, **kwargs):
        calls.append(replication)
        return replicate(plan, seed, replication, *args, **kwargs)

    def counted_run(*args, **kwargs):
        calls.append(-1)
        return run(*args, **kwargs)

    monkeypatch.setattr(chunks, "_replicate", counted_replicate)
    monkeypatch.setattr(session, "run_study", counted_run)
    return calls


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["replications"] = REPLICATIONS
    at.run()
    assert not at.exception, at.exception
    return at


def knob(at: AppTest, label: str):
    return next(n for n in at.number_input if n.label == label)


def shown(at: AppTest) -> tuple[list[str], str, list[tuple]]:
    """The verdict's sentences, the main table (as CSV) and the cards' figures."""
    said = []
    for line in at.markdown:
        if line.value.startswith("**Prices**"):
            break
        said.append(line.value)
    return said, at.table[0].value.to_csv(), [(m.label, m.value, m.delta) for m in at.metric]


def expected(study) -> tuple[list[str], str]:
    """The verdict's sentences and the main table of a simulation of ``study`` on the app's seed."""
    run = run_study(study, REPLICATIONS, seed=session.DEFAULT_SEED, detail=True)
    found = verdict(run, study, seed=run.seed)
    said = sentences(found, "en", study.currency, run.replications, study.names)
    decision = compare(run.rows, study.baseline_name, run.controls, run.control_means, study, run.summary)
    return said, tables.kpi_table(decision, study.currency, "en", study.calendar.horizon).to_csv()


def test_a_price_knob_shows_the_figures_of_a_run_at_that_price_without_simulating(simulations):
    at = start()
    before = shown(at)
    assert knob(at, FEE).value == 3500
    simulations.clear()
    knob(at, FEE).set_value(2000.0).run()
    assert not at.exception, at.exception
    assert simulations == []                      # re-valued from the ledger: nothing simulated
    after = shown(at)
    assert after[1] != before[1] and after[2] != before[2]
    assert "changed from 3,500 €" in [c.value for c in at.caption]
    study = with_values(load_study(EXAMPLE), {"providers.msp-4h-ho.fees.monthly": "2000 EUR"})
    said, table = expected(study)
    assert after[0] == said
    assert after[1] == table


def test_keep_these_prices_writes_them_into_the_scenario_whose_run_gives_those_figures(simulations):
    at = start()
    knob(at, FEE).set_value(2000.0).run()
    knob(at, "Discount rate (%)").set_value(7.0).run()
    repriced = shown(at)
    simulations.clear()
    next(b for b in at.button if b.label == "Keep these prices").click().run()
    assert not at.exception, at.exception
    assert simulations == []                      # the kept file opens on the re-valued run
    assert at.session_state["source"] == "edited"
    text = at.session_state["edited_text"]
    original = EXAMPLE.read_text(encoding="utf-8")
    # each price replaced where the file writes it, every comment kept
    assert "monthly: 2000 EUR                   # [S 6]" in text and "discount_rate: 7%" in text
    assert len(text.splitlines()) == len(original.splitlines())
    data = study_data(study_from_text(text))
    assert data["providers"]["msp-4h-ho"]["fees"]["monthly"] == "2000 EUR"
    assert knob(at, FEE).value == 2000 and "changed from 3,500 €" not in [c.value for c in at.caption]
    assert shown(at) == repriced
    # a fresh server (nothing kept) simulates the kept file: the same figures
    st.cache_resource.clear()
    fresh = AppTest.from_file(APP, default_timeout=180)
    fresh.session_state["replications"] = REPLICATIONS
    fresh.session_state["edited_text"] = text
    fresh.session_state["source"] = "edited"
    simulations.clear()
    fresh.run()
    assert not fresh.exception, fresh.exception
    assert -1 in simulations
    assert shown(fresh) == repriced


def test_back_to_the_file_s_prices():
    at = start()
    before = shown(at)
    knob(at, FEE).set_value(9000.0).run()
    assert shown(at) != before
    next(b for b in at.button if b.label == "Back to the file's prices").click().run()
    assert knob(at, FEE).value == 3500 and shown(at) == before


def test_written_keeps_the_file_and_changes_only_the_prices():
    text = EXAMPLE.read_text(encoding="utf-8")
    study = study_from_text(text)
    changes = {("saas", "mail-cloud", "price_per_user_month"): 6.25,
               ("teams", "two-admins", "members", 0, "annual_cost"): 80000.0}
    out = knobs.written(text, study, changes, "email-1000.yaml")
    differ = [(a, b) for a, b in zip(text.splitlines(), out.splitlines()) if a != b]
    assert len(differ) == 2
    assert "annual_cost: 80000 EUR" in differ[0][1] and "price_per_user_month: 6.25 EUR" in differ[1][1]
    assert study_data(study_from_text(out)) == study_data(knobs.priced(study, changes))


def test_a_price_the_file_leaves_to_its_default_is_written_with_the_whole_file():
    text = EXAMPLE.read_text(encoding="utf-8").replace("  discount_rate: 5%\n", "")
    study = study_from_text(text)
    assert study.economics.discount_rate != 0.09
    out = knobs.written(text, study, {("economics", "discount_rate"): 0.09}, "email-1000.yaml")
    assert study_from_text(out).economics.discount_rate == pytest.approx(0.09)


def test_breakeven_on_a_run_already_simulated_is_the_breakeven_of_its_simulation():
    """The What-would-it-take page's break-even of a price, solved on the app's run, is the one the core's
    break-even finds by simulating the same replications."""
    study = load_study(EXAMPLE)
    path = "providers.msp-4h-ho.fees.monthly"
    a, b = "Outsourced, GTR 4h HO", "In-house"
    base = run_study(study, 12, seed=1)
    on_run = breakeven_on_run(base, a, b, path)
    simulated = breakeven(study, a, b, path, replications=12, seed=1)
    assert on_run.value == pytest.approx(simulated.value, rel=1e-9)
    assert (on_run.low, on_run.high) == pytest.approx((simulated.low, simulated.high), rel=1e-9)
    assert [x for x, _ in on_run.points] == pytest.approx([x for x, _ in simulated.points], rel=1e-12)


@pytest.mark.parametrize("example", ["email-1000", "small-firm"])
def test_scenario_values_is_the_pivot_table_it_replaces(example):
    """The Compare page's replication x option tables, built without pivot_table for speed: the same frames
    (values, order, index and column types) on every scenario-level figure."""
    import pandas as pd

    from simulation.compare import scenario_values

    rows = run_study(load_study(ROOT / "scenarios" / f"{example}.yaml"), 3, seed=5).rows
    top = rows[(rows["scope"] == "scenario") & (rows["period"] == "all")]
    for metric in pd.unique(top["metric"]):
        part = top[top["metric"] == metric]
        table = part.pivot_table(index="replication", columns="scenario", values="value", aggfunc="first",
                                 sort=False)
        order = [str(s) for s in pd.unique(rows["scenario"])]
        pd.testing.assert_frame_equal(scenario_values(rows, metric), table[[c for c in order if c in table.columns]],
                                      check_exact=True)


def test_what_would_it_take_answers_a_price_question_as_it_opens_without_simulating(simulations):
    at = start()
    simulations.clear()
    at.switch_page("webapp/pages/whatif.py").run()
    assert not at.exception, at.exception
    said = [m.value for m in (*at.success, *at.info)]
    assert any(s.startswith("Below ") and "price per user of Cloud mail" in s for s in said), said
    at.selectbox(key="be_path").set_value("providers.msp-4h-ho.fees.monthly").run()
    said = [m.value for m in (*at.success, *at.info)]
    assert any("for the monthly fee of Messaging MSP, **SaaS 99.9%** costs less" in s for s in said), said
    assert simulations == []
    assert "be_n" not in [s.key for s in at.slider]   # no replications to choose: none are simulated
