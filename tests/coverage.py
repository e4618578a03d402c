"""How an estimator behaves at the sample sizes users run, measured in the world of a pool of replications.

A pool of N replications of a study is simulated once. Its empirical distribution is then the truth: a
"run" of n replications is n draws with replacement from the pool, the long-run mean of a figure is the
pool's mean, and the known expectation of each control is the pool's mean of it (the exact expectation in
that world). Thousands of runs cost milliseconds, so coverage and half-widths can be measured over many
seeds at n = 10, 20, 50 and 100 on the real distributions of real studies: their skew, their rare
replications where a whole team is away. The same code serves the suite (`tests/test_variance.py`) and
the full table of the proof (`benchmarks/variance.py`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from simulation.compare import scenario_values
from simulation.intervals import half_width
from simulation.replications import Results, run_study
from simulation.variance import control_matrix, estimates, scenario_controls
from sourcing.scenario import Study


class Figure(NamedTuple):
    """One reported figure of a pool: its replications and the controls its estimate may use."""

    label: str
    values: np.ndarray
    controls: np.ndarray


class Behaviour(NamedTuple):
    """How the estimator did on one figure at one sample size, over many seeds."""

    label: str
    n: int
    seeds: int
    coverage: float
    """Share of seeds whose interval covers the pool's mean, controlled estimate."""
    plain_coverage: float
    half_width_ratio: float
    """Mean over seeds of the controlled half-width over the plain one (at most 1 by construction)."""
    widest_ratio: float


def pool_figures(study: Study, replications: int, seed: int,
                 metrics: tuple[str, ...] = ("economic_cost", "availability_service_time"),
                 results: Results | None = None) -> list[Figure]:
    """Each scenario's figures and the paired differences against the baseline, from one run (or from
    ``results`` already run)."""
    results = results or run_study(study, replications, seed=seed, workers=1)
    baseline = study.baseline_name
    out = []
    for metric in metrics:
        table = scenario_values(results.rows, metric).sort_index()
        replication = table.index.to_numpy()
        for scenario in table.columns:
            pairs = [(f"{metric} of {scenario}", table[scenario], [scenario])]
            if scenario != baseline:
                pairs.append((f"{metric}, {scenario} minus {baseline}", table[scenario] - table[baseline],
                              [scenario, baseline]))
            for label, column, names in pairs:
                chosen = scenario_controls(study, results.control_means or {}, names)
                x, _ = control_matrix(results.controls, chosen, replication) if results.controls is not None \
                    else (np.zeros((len(column), 0)), None)
                out.append(Figure(label, column.to_numpy(dtype=float), x))
    return out


def behaviour(figure: Figure, n: int, seeds: int, seed: int = 0) -> Behaviour:
    """Coverage of the pool's mean and half-widths against the plain mean's, over ``seeds`` runs of ``n``."""
    rng = np.random.default_rng([seed, n])
    truth = figure.values.mean()
    mu = figure.controls.mean(axis=0)
    picks = rng.integers(0, len(figure.values), size=(seeds, n))
    covered = plain_covered = 0
    ratios = []
    for pick in picks:
        y = figure.values[pick]
        estimate = estimates(y[:, None], figure.controls[pick], mu)[0]
        plain = half_width(y)
        covered += abs(estimate.mean - truth) <= estimate.half_width
        plain_covered += abs(y.mean() - truth) <= plain
        ratios.append(estimate.half_width / plain if plain > 0 else 1.0)
    return Behaviour(figure.label, n, seeds, covered / seeds, plain_covered / seeds, float(np.mean(ratios)),
                     float(np.max(ratios)))


def table(figures: list[Figure], sizes: tuple[int, ...] = (10, 20, 50, 100), seeds: int = 1000) -> pd.DataFrame:
    """:func:`behaviour` of every figure (that varies) at every size, one row each."""
    rows = [behaviour(f, n, seeds) for f in figures if np.ptp(f.values) > 0 for n in sizes]
    return pd.DataFrame(rows, columns=Behaviour._fields)
