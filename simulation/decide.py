"""Stop when the decision is settled: Kim and Nelson's fully sequential ranking-and-selection procedure.

Every option is simulated on the same incidents (common random numbers), so the procedure works on the
paired differences of economic cost, replication by replication (Kim & Nelson 2001, "A fully sequential
procedure for indifference-zone selection in simulation", ACM TOMACS 11(3)). With an indifference
amount δ and k options, after n0 first replications it keeps adding replications and drops an option
as soon as its running mean is worse than another's by more than a margin that shrinks as replications
accumulate. When one option is left it is the best with probability at least 1 − α whenever the best is
better than the others by δ or more; options that were dropped while less than δ apart are reported as
equivalent within δ.

With control variates (:mod:`simulation.variance`), each replication's cost is corrected by
Y − β'(X − μ) with β fitted once on the first n0 replications and then fixed, so the observations stay
independent and identically distributed, as the procedure requires, with a smaller variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sourcing.scenario import Study

from .compare import COST, scenario_values
from .replications import Progress, Results, run_study
from .variance import control_matrix, expected_controls, scenario_controls


@dataclass(frozen=True)
class Selection:
    """What the procedure concluded, and after how many replications."""

    best: str
    """The option selected (lowest economic cost)."""
    equivalent: tuple[str, ...]
    """Options whose mean stayed within the indifference amount of the best's: equivalent within δ."""
    decided: bool
    """True when one option was left before the ceiling of replications."""
    replications: int
    indifference: float
    confidence: float
    means: dict[str, float]
    """Mean economic cost of each option over the replications used (controlled when possible)."""
    eliminated_at: dict[str, int]
    """After how many replications each other option was dropped."""


def kn_constants(k: int, n0: int, alpha: float) -> float:
    """h² of the procedure for k options, n0 first replications and error α."""
    eta = 0.5 * ((2 * alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1)
    return 2 * eta * (n0 - 1)


def observations(results: Results, study: Study, n0: int, use_controls: bool) -> pd.DataFrame:
    """Replication x option economic costs; with controls, each corrected by β'(X − μ) with β fitted on the
    first ``n0`` replications (one β per option, for the controls that may move it)."""
    table = scenario_values(results.rows, COST).sort_index()
    if not use_controls or results.controls is None or not results.control_means:
        return table
    first = table.index[:n0]
    out = table.copy()
    for option in table.columns:
        chosen = scenario_controls(study, results.control_means, [option])
        x_all, mu = control_matrix(results.controls, chosen, table.index.to_numpy())
        if x_all.shape[1] == 0:
            continue
        x0 = x_all[: len(first)]
        keep = np.ptp(x0, axis=0) > 0
        if not keep.any():
            continue
        centred = x0[:, keep] - x0[:, keep].mean(axis=0)
        y0 = table.loc[first, option].to_numpy()
        beta, *_ = np.linalg.lstsq(centred, y0 - y0.mean(), rcond=None)
        out[option] = table[option].to_numpy() - (x_all[:, keep] - mu[keep]) @ beta
    return out


def select(values: pd.DataFrame, indifference: float, n0: int, alpha: float = 0.05) -> tuple[list[str], dict[str, int]]:
    """Run the elimination on the replications available: the options still in contention, and after how
    many replications each other one was dropped (the first ``n0`` give the variances of the differences)."""
    k = values.shape[1]
    names = list(values.columns)
    data = values.to_numpy(dtype=float)
    if k == 1:
        return names, {}
    h2 = kn_constants(k, n0, alpha)
    first = data[:n0]
    s2 = np.array([[np.var(first[:, i] - first[:, j], ddof=1) for j in range(k)] for i in range(k)])
    alive = set(range(k))
    dropped: dict[str, int] = {}
    sums = first.sum(axis=0)
    for r in range(n0, len(data) + 1):
        if r > n0:
            sums = sums + data[r - 1]
        means = sums / r
        for i in sorted(alive):
            for j in sorted(alive):
                if i == j or i not in alive:
                    continue
                margin = max(0.0, indifference / (2 * r) * (h2 * s2[i, j] / indifference ** 2 - r))
                if means[i] > means[j] + margin:  # option i costs clearly more than j: drop it
                    alive.discard(i)
                    dropped[names[i]] = r
        if len(alive) == 1:
            break
    return [names[i] for i in sorted(alive)], dropped


def run_until_decided(study: Study, indifference: float | None = None, relative: float | None = None,
                      seed: int = 0, workers: int = 1, n0: int = 20, maximum: int = 5000, alpha: float = 0.05,
                      progress: Progress | None = None, variance_reduction: bool = True) -> tuple[Results, Selection]:
    """Add replications until one option is the cheapest with probability ≥ 1 − α (for a difference of at
    least the indifference amount), or ``maximum`` replications have run.

    The indifference amount is given in money (``indifference``) or as a share of the lowest mean
    economic cost after the first replications (``relative``)."""
    means = expected_controls(study) if variance_reduction else {}
    n0 = max(n0, 5 * len(means) + 10) if means else n0
    n0 = min(n0, maximum)
    results = run_study(study, n0, seed=seed, workers=workers, progress=progress,
                        variance_reduction=variance_reduction, control_means=means)
    delta = indifference
    if delta is None:
        first = scenario_values(results.rows, COST).mean()
        delta = float(relative * first.min())
    done = n0
    step = max(10, 2 * workers * 4)
    while True:
        values = observations(results, study, n0, bool(means))
        alive, dropped = select(values, delta, n0, alpha)
        if len(alive) == 1 or done >= maximum:
            break
        extra = min(step, maximum - done)
        more = run_study(study, extra, seed=seed, workers=workers, first=done, progress=progress,
                         variance_reduction=variance_reduction, control_means=means)
        results = results.extended(more)
        done = results.replications
        step = min(int(step * 1.5), 2000)
    final = values.mean()
    best = min(alive, key=lambda name: final[name])
    equivalent = tuple(name for name in values.columns if name != best and
                       (name in alive or final[name] - final[best] < delta))
    selection = Selection(best=best, equivalent=equivalent, decided=len(alive) == 1, replications=done,
                          indifference=delta, confidence=1 - alpha, means=final.to_dict(), eliminated_at=dropped)
    return results, selection
