"""Simulate once, price many times: the ledger of a run valued at other prices gives exactly the figures a new
simulation gives, on every bundled example; and every path of every example has a kind, a unit and a label."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.replications import run_study
from simulation.statistics import KEYS
from simulation.valuation import NotRevaluable, revalue
from sourcing.errors import ScenarioError
from sourcing.files import load_study
from sourcing.grid import load_tender
from sourcing.paths import (
    JUDGEMENT,
    PRICE,
    STRUCTURAL,
    locate,
    path_kind,
    path_label,
    path_text,
    quantity,
    revalued,
    study_data,
    with_values,
)
from sourcing.tender import tender_study
from sourcing.words import CATALOGUE

ROOT = Path(__file__).parents[1] / "scenarios"
NAMES = ("email-1000", "small-firm", "erp-hybrid", "service-desk-24-7", "email-offers")
REPLICATIONS, SEED = 2, 5
RTOL = 1e-9


@cache
def example(name: str):
    """The example on a one-year horizon (so that a full simulation per draw stays quick)."""
    if name == "email-offers":
        base = tender_study(load_study(ROOT / "email-1000.yaml"), load_tender(ROOT / "email-offers.yaml"))
    else:
        base = load_study(ROOT / f"{name}.yaml")
    return with_values(base, {"calendar.horizon": 1})


@cache
def simulated(name: str):
    return run_study(example(name), REPLICATIONS, seed=SEED)


def leaves(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*path, key))
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        for k, value in enumerate(data):
            yield from leaves(value, (*path, k))
    else:
        yield path, data


@cache
def price_paths(name: str) -> tuple:
    """Every numeric value of the example that a stored run re-values."""
    out = []
    for path, value in leaves(study_data(example(name))):
        if not revalued(path):
            continue
        try:
            out.append((path, quantity(value)))
        except ValueError:
            continue
    return tuple(out)


def drawn_value(path, q, u: float):
    """A new value for ``path``: a share within its bounds, a count a whole number, anything else x0.3-x2."""
    if q.unit == "%":
        if path[-1] in ("availability_target", "availability", "below"):
            return q.write(min(0.99999, max(0.9, q.number + (u - 0.5) * 0.02)))
        return q.write(max(0.0, min(1.0, q.number * (0.3 + 1.7 * u) if q.number else u * 0.1)))
    if q.unit == "":
        number = q.number * (0.3 + 1.7 * u) if q.number else 10 * u
        return q.write(max(number, 1.0) if path[-1] in ("depreciation_years", "contract_years", "fte",
                                                        "hno_multiplier", "working_hours_per_year") else number)
    return q.write(q.number * (0.3 + 1.7 * u) if q.number else 1000 * u)


def same_figures(mine, theirs) -> None:
    """Every row and every summary figure equal to 1e-9 relative."""
    a, b = mine.rows, theirs.rows
    assert len(a) == len(b)
    for column in ("scenario", "scope", "subject", "metric", "priority", "period"):
        assert (a[column].astype(str).to_numpy() == b[column].astype(str).to_numpy()).all(), column
    np.testing.assert_allclose(a["value"].to_numpy(), b["value"].to_numpy(), rtol=RTOL, atol=0)
    x, y = mine.summary.set_index(KEYS), theirs.summary.set_index(KEYS)
    assert list(x.index) == list(y.index)
    for column in ("n", "mean", "std", "half_width", "p5", "p95"):
        np.testing.assert_allclose(x[column].to_numpy(dtype=float), y[column].to_numpy(dtype=float), rtol=RTOL,
                                   atol=0, equal_nan=True, err_msg=column)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=8)
@given(data=st.data())
def test_revaluing_the_ledger_equals_simulating_again(name, data):
    paths = price_paths(name)
    assert paths, "every example has prices"
    chosen = data.draw(st.lists(st.sampled_from(range(len(paths))), min_size=1, max_size=4, unique=True))
    changes = {}
    for k in chosen:
        path, q = paths[k]
        changes[path_text(path)] = drawn_value(path, q, data.draw(st.floats(0.0, 1.0)))
    try:
        study = with_values(example(name), changes)
    except ScenarioError:
        return  # a draw the file's rules refuse (a credit tier above the SLA...): nothing to compare
    same_figures(revalue(simulated(name), study), run_study(study, REPLICATIONS, seed=SEED))


@pytest.mark.parametrize("name", NAMES)
def test_a_run_values_its_own_ledger_bit_for_bit_even_from_disk(name):
    """Re-valuing at the run's own prices changes nothing, bit for bit, from the ledger as a store keeps it."""
    from dataclasses import replace

    from simulation.ledger import from_bytes, to_bytes

    results = simulated(name)
    again = revalue(replace(results, ledger=from_bytes(to_bytes(results.ledger))), results.study)
    assert (again.rows["value"].to_numpy() == results.rows["value"].to_numpy()).all()


def test_a_structural_change_is_not_revalued():
    results = simulated("email-1000")
    for change in ({"services.email.incidents.per_user_per_month": 0.2}, {"providers.msp-4h-ho.gtr.P1": "8h"},
                   {"teams.two-admins.members[0].count": 3}):
        with pytest.raises(NotRevaluable):
            revalue(results, with_values(results.study, change))


def test_every_path_of_every_example_has_a_kind_a_unit_and_a_label():
    for name in NAMES:
        for path, _ in leaves(study_data(example(name))):
            kind = path_kind(path)
            assert kind.label != "unknown", path_text(path)
            assert kind.kind in (STRUCTURAL, PRICE, JUDGEMENT)
            assert kind.revalued == (kind.kind != STRUCTURAL) or kind.label == "restore_target"
            entry = CATALOGUE[f"param.{kind.label}"]
            assert entry["en"] and entry["fr"] and entry["en"] != path_text(path)
            assert "." not in path_label(path, "fr").split(" (")[0]


def test_kinds_of_the_paths_a_director_asks_about():
    assert path_kind("providers.msp.fees.monthly").kind == PRICE
    assert path_kind("saas.mail.price_per_user_month").unit == "money"
    assert path_kind("services.email.outage_cost_per_hour.business").kind == PRICE
    assert path_kind("services.email.availability_target").kind == JUDGEMENT
    assert path_kind("teams.ops.members[0].count").kind == STRUCTURAL
    assert path_kind("providers.msp.performance.within_gtr.P1").kind == STRUCTURAL
    assert path_label("providers.msp.fees.monthly", "fr") == "Redevance mensuelle (msp)"


def test_a_ledger_keeps_its_replications_apart():
    """Breaches belong to their replication: valuing the first replication alone gives its own rows."""
    results = simulated("small-firm")
    first = results.ledger.head(1)
    from simulation.compile import compiled
    from simulation.valuation import valued_matrix

    whole = valued_matrix(compiled(results.study), results.ledger)
    alone = valued_matrix(compiled(results.study), first)
    np.testing.assert_array_equal(whole[:1], alone)
    assert isinstance(results.rows, pd.DataFrame) and locate(study_data(results.study), ("calendar", "horizon")) == 1


# --------------------------------------------------------------------------- answers at once

OUTSOURCED, IN_HOUSE = "Outsourced, GTR 4h HO", "In-house"
FEE = "providers.msp-4h-ho.fees.monthly"


def plain_gap(results, a: str, b: str) -> float:
    from simulation.compare import scenario_values

    table = scenario_values(results.rows, "economic_cost")
    return float((table[a] - table[b]).mean())


def test_breakeven_of_a_fee_is_a_ratio_of_means_exact_on_the_same_replications():
    from simulation.whatif import breakeven, set_number

    study = load_study(ROOT / "email-1000.yaml")
    found = breakeven(study, OUTSOURCED, IN_HOUSE, FEE, replications=4, seed=3, low=1000.0, high=30000.0)
    assert found.method == "fieller" and found.low < found.value < found.high
    scale = abs(found.points[0][1].mean)
    # A new simulation at the break-even: the two options cost the same on these replications.
    again = run_study(set_number(study, FEE, found.value), 4, seed=3)
    assert abs(plain_gap(again, OUTSOURCED, IN_HOUSE)) <= 1e-9 * scale


def test_breakeven_where_a_cap_binds_is_found_by_root_finding():
    from simulation.whatif import breakeven, set_number

    study = with_values(load_study(ROOT / "email-1000.yaml"), {"providers.msp-4h-ho.penalties.per_hour_late.P1": "2000 EUR",
                                                "providers.msp-4h-ho.penalties.per_hour_late.P2": "1000 EUR"})
    found = breakeven(study, OUTSOURCED, IN_HOUSE, FEE, replications=4, seed=3, low=500.0, high=30000.0)
    assert found.value is not None
    scale = abs(found.points[0][1].mean)
    again = run_study(set_number(study, FEE, found.value), 4, seed=3)
    assert abs(plain_gap(again, OUTSOURCED, IN_HOUSE)) <= 1e-4 * scale
    assert found.method == "brent" and found.low <= found.value <= found.high


def test_fieller_interval_covers_the_root_95_percent_of_the_time():
    """Replications' lines level + slope x (bivariate normal, 10 a run) whose mean line crosses zero at 2:
    over 4,000 seeded runs, the interval holds 2 in 95 % of them (within 1.5 points)."""
    from simulation.whatif import fieller

    rng = np.random.default_rng(11)
    hits = 0
    runs = 4000
    for _ in range(runs):
        slope = rng.normal(-1.0, 0.3, 10)
        level = 2.0 + rng.normal(0.0, 1.0, 10) + 0.5 * (slope + 1.0)
        low, high = fieller(level, slope)
        hits += low <= 2.0 <= high
    assert abs(hits / runs - 0.95) <= 0.015


def test_match_on_a_price_re_values_one_simulation():
    from simulation.whatif import match

    study = example("email-1000")
    found = match(study, OUTSOURCED, IN_HOUSE, FEE, values=["3000 EUR", "9000 EUR"], on="cost", replications=4,
                  seed=3)
    direct = [run_study(with_values(study, {FEE: v}), 4, seed=3) for v in ("3000 EUR", "9000 EUR")]
    for step, results in zip(found.steps, direct):
        assert step.cost_per_year == pytest.approx(results.figure("economic_cost", OUTSOURCED), rel=1e-9)


def test_a_batch_simulates_each_structure_once_and_revalues_the_rest_exactly(tmp_path):
    """A grid of two team sizes x two fees x two outage costs: two simulations, six re-valued studies, each
    with the rows a simulation of its own gives (same seed)."""
    import duckdb
    from typer.testing import CliRunner

    from cli.main import app
    from simulation.store import Store
    from sourcing.batch import load_batch

    path = tmp_path / "batch.yaml"
    path.write_text(f"""\
name: Prices and a team size
seed: 4
replications: 3
studies:
  - file: {(ROOT / "email-1000.yaml").as_posix()}
grid:
  teams.two-admins.members[0].count: [2, 3]
  providers.msp-4h-ho.fees.monthly: [3000 EUR, 4000 EUR]
  services.email.outage_cost_per_hour.business: [2000 EUR, 9000 EUR]
""", encoding="utf-8")
    result = CliRunner().invoke(app, ["batch", str(path), "--store", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 0, result.output
    _, planned = load_batch(path)
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        revalued_from = store.revaluations()
        assert len(revalued_from) == 6 and len(set(revalued_from.values())) == 2
        for p in planned[:3]:
            stored = store.rows(p.key).sort_values(KEYS[:1] + ["replication"] + KEYS[1:], kind="stable")
            fresh = run_study(p.study, 3, seed=4).rows.astype({c: str for c in KEYS})
            fresh = fresh.sort_values(KEYS[:1] + ["replication"] + KEYS[1:], kind="stable")
            assert len(stored) == len(fresh)
            np.testing.assert_allclose(stored["value"].to_numpy(), fresh["value"].to_numpy(), rtol=RTOL, atol=0)
    assert duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True).execute(
        "SELECT count(DISTINCT study) FROM ledgers").fetchone()[0] == 2


def test_simulating_only_two_scenarios_gives_their_rows_and_controls_of_a_whole_run():
    """The tornado simulates only the two options it compares: their rows, controls and difference are those
    of a run of every scenario (each random input has its own stream)."""
    from simulation.whatif import difference, evaluate

    study = example("small-firm")
    names = [s.name for s in study.scenarios]
    pair = (names[-1], names[1])
    whole = evaluate([study], 3, 2)[0]
    part = evaluate([study], 3, 2, scenarios=pair)[0]
    mine = whole.rows[whole.rows["scenario"].isin(pair)]
    assert (mine["value"].to_numpy() == part.rows["value"].to_numpy()).all()
    pd.testing.assert_frame_equal(whole.controls, part.controls)
    assert difference(whole, *pair) == difference(part, *pair)


def test_run_from_a_run_folder_revalues_a_price_without_simulating(tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    import simulation.replications
    from cli.main import app

    runner = CliRunner()
    scenario = str(ROOT / "small-firm.yaml")
    folder = tmp_path / "run"
    changes = ["--set", "teams.current.members[0].annual_cost=70000 EUR", "--set", "economics.discount_rate=7%"]
    fresh = runner.invoke(app, ["run", scenario, "-n", "3", "--set", "calendar.horizon=1", *changes,
                                "--format", "json"])
    assert fresh.exit_code == 0, fresh.output
    made = runner.invoke(app, ["run", scenario, "-n", "3", "--set", "calendar.horizon=1", "--out", str(folder),
                               "--format", "json"])
    assert made.exit_code == 0 and (folder / "ledger.npz").is_file()

    def refuse(*args, **kwargs):
        raise AssertionError("nothing is simulated")

    monkeypatch.setattr(simulation.replications, "run_study", refuse)
    again = runner.invoke(app, ["run", "--from", str(folder), *changes, "--format", "json"])
    assert again.exit_code == 0, again.output
    mine, theirs = json.loads(again.output)["summary"], json.loads(fresh.output)["summary"]
    assert [r["metric"] for r in mine] == [r["metric"] for r in theirs]
    np.testing.assert_allclose([r["mean"] for r in mine], [r["mean"] for r in theirs], rtol=RTOL)
    refused = runner.invoke(app, ["run", "--from", str(folder), "--set", "teams.current.members[0].count=2"])
    assert refused.exit_code == 2 and "changes what is simulated" in refused.output


def test_a_resumed_batch_revalues_from_the_stored_ledger_exactly(tmp_path):
    """A batch stopped after its simulated study finished some replications but before its re-valued
    variants were written: --resume re-values them from the ledger the store kept (rows in the store's order),
    and the store ends exactly as an uninterrupted run's."""
    import shutil

    import duckdb
    from typer.testing import CliRunner

    from cli.main import app

    path = tmp_path / "batch.yaml"
    path.write_text(f"""\
name: Two fees
seed: 2
replications: 4
studies:
  - file: {(ROOT / "email-1000.yaml").as_posix()}
grid:
  providers.msp-4h-ho.fees.monthly: [3000 EUR, 4000 EUR, 5000 EUR]
""", encoding="utf-8")
    whole = tmp_path / "whole.duckdb"
    assert CliRunner().invoke(app, ["batch", str(path), "--store", str(whole)]).exit_code == 0
    cut = tmp_path / "cut.duckdb"
    shutil.copy(whole, cut)
    with duckdb.connect(str(cut)) as db:
        source, = db.execute("SELECT DISTINCT source FROM revaluations").fetchone()
        for table in ("results", "done", "controls"):  # the variants lost, the source's last replications lost
            db.execute(f"DELETE FROM {table} WHERE study <> ? OR replication >= 2", [source])
        db.execute("DELETE FROM ledgers WHERE first >= 2")
        assert db.execute("SELECT count(*) FROM done").fetchone()[0] == 2
    result = CliRunner().invoke(app, ["batch", str(path), "--store", str(cut), "--resume"])
    assert result.exit_code == 0, result.output
    order = "SELECT * FROM results ORDER BY study, scenario, replication, scope, subject, metric, priority, period"
    a = duckdb.connect(str(whole), read_only=True).execute(order).df()
    b = duckdb.connect(str(cut), read_only=True).execute(order).df()
    pd.testing.assert_frame_equal(a, b)


def test_the_tornado_gives_the_swings_of_simulating_every_variant_whole():
    """Price swings re-valued, structural ones simulated only for the options they can move: the same
    differences as simulating every variant of every option."""
    from simulation.whatif import DEFAULT_ASSUMPTIONS, apply, difference, evaluate, sensitivity

    study = example("email-1000")
    chosen = tuple(a for a in DEFAULT_ASSUMPTIONS if a.name in ("SaaS outages", "provider fees", "repair times",
                                                                "outage cost per hour"))
    found = sensitivity(study, chosen, replications=3, seed=2, pair=("SaaS 99.9%", OUTSOURCED))
    assert found.evaluations.revalued == 4 and found.evaluations.simulated == 4
    for swing in found.swings:
        assumption = next(a for a in chosen if a.name == swing.assumption)
        low, high = evaluate([apply(study, assumption, assumption.low), apply(study, assumption, assumption.high)],
                             3, 2)
        assert swing.at_low == difference(low, "SaaS 99.9%", OUTSOURCED)
        assert swing.at_high == difference(high, "SaaS 99.9%", OUTSOURCED)
