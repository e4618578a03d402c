"""Summary statistics belong to their own row: P5, mean and P95 of a row come from its replications."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from simulation.measures import COLUMNS
from simulation.replications import run_study
from simulation.statistics import KEYS, summarize
from sourcing.files import load_study

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def tidy_rows(draw) -> pd.DataFrame:
    """Tidy rows of several metrics, subjects and priorities, in a shuffled order (as a run makes them)."""
    replications = draw(st.integers(min_value=1, max_value=6))
    groups = draw(st.lists(st.tuples(st.sampled_from(["b", "a", "c"]), st.sampled_from(["z", "x", "y"]),
                                      st.sampled_from(["", "P1", "P4"])), min_size=1, max_size=8, unique=True))
    rows = []
    for r in range(replications):
        for subject, metric, priority in groups:
            rows.append(("S", r, "service", subject, metric, priority, "all", draw(values)))
    order = draw(st.permutations(range(len(rows))))
    return pd.DataFrame([rows[i] for i in order], columns=list(COLUMNS))


def check(rows: pd.DataFrame) -> None:
    summary = summarize(rows)
    assert len(summary) == len(rows.groupby(KEYS))
    for _, row in summary.iterrows():
        mine = rows[(rows[KEYS] == row[KEYS]).all(axis=1)]["value"].to_numpy()
        assert row["n"] == len(mine)
        assert np.isclose(row["mean"], mine.mean())
        assert np.isclose(row["p5"], np.percentile(mine, 5)), (row, mine)
        assert np.isclose(row["p95"], np.percentile(mine, 95)), (row, mine)
        if np.ptp(mine) > 0:
            assert row["p5"] <= row["mean"] + 1e-9 and row["mean"] <= row["p95"] + 1e-9


@given(tidy_rows())
def test_every_summary_row_has_its_own_quantiles(rows: pd.DataFrame) -> None:
    check(rows)


def test_summary_of_a_real_run_keeps_quantiles_on_their_rows() -> None:
    """Four replications of the e-mail example: before the fix, about half the rows had another row's P5/P95."""
    results = run_study(load_study("scenarios/email-1000.yaml"), 4, seed=1)
    summary = results.summary
    spread = summary["p95"] > summary["p5"]
    assert spread.sum() > 100
    assert (summary.loc[spread, "p5"] <= summary.loc[spread, "mean"] + 1e-9).all()
    assert (summary.loc[spread, "mean"] <= summary.loc[spread, "p95"] + 1e-9).all()
    ttr = summary.query("scenario == 'In-house' and metric == 'ttr_mean' and priority == 'P1'").iloc[0]
    mine = results.rows.query("scenario == 'In-house' and metric == 'ttr_mean' and priority == 'P1'")["value"]
    assert np.isclose(ttr["p5"], np.percentile(mine, 5)) and np.isclose(ttr["p95"], np.percentile(mine, 95))
