"""Across replications: means with Student-t confidence intervals, and paired differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import stdtrit

KEYS = ["scenario", "scope", "subject", "metric", "priority", "period"]


def t_half_width(values: np.ndarray, confidence: float = 0.95) -> float:
    """Half-width of the Student-t confidence interval of the mean (NaN with fewer than 2 values)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n < 2:
        return float("nan")
    return float(stdtrit(n - 1, 0.5 + confidence / 2) * values.std(ddof=1) / np.sqrt(n))


def summarize(rows: pd.DataFrame, confidence: float = 0.95, controls: pd.DataFrame | None = None,
              means: dict[str, float] | None = None, study=None) -> pd.DataFrame:
    """One row per scenario x subject x metric x priority x period: n, mean, std, CI and P5/P95.

    Every statistic of a row comes from that row's own replications: the quantile table is joined
    to the aggregate on the row keys, never by position (the two come back in different orders).
    With ``controls`` (one row per replication) and their exact ``means``, each mean and its CI are the
    control-variate estimate (:mod:`simulation.variance`), with the controls of the teams each scenario
    uses (given the ``study``); ``vr_factor`` says how much variance it saved.
    P5, P95 and std stay those of the raw replications.
    """
    out = _plain(rows, confidence)
    if controls is None or not means:
        return out
    from .variance import control_matrix, controlled_mean, scenario_controls

    replications = np.sort(rows["replication"].unique())
    position = {r: i for i, r in enumerate(replications.tolist())}
    matrices = {}
    estimates = {}
    for key, part in rows.groupby(KEYS, sort=False, dropna=False, observed=True):
        scenario = key[0]
        if scenario not in matrices:
            chosen = scenario_controls(study, means, [scenario]) if study is not None else means
            matrices[scenario] = control_matrix(controls, chosen, replications)
        x_all, mu = matrices[scenario]
        values = part["value"].to_numpy(dtype=float)
        ok = ~np.isnan(values)
        at = np.array([position[r] for r in part["replication"].tolist()], dtype=int)[ok]
        estimates[key] = controlled_mean(values[ok], x_all[at], mu, confidence)
    found = [estimates.get(tuple(row)) for row in out[KEYS].itertuples(index=False, name=None)]
    out["mean"] = [e.mean if e else m for e, m in zip(found, out["mean"])]
    out["half_width"] = [e.half_width if e else h for e, h in zip(found, out["half_width"])]
    out["ci_low"] = out["mean"] - out["half_width"]
    out["ci_high"] = out["mean"] + out["half_width"]
    out["vr_factor"] = [e.reduction if e else 1.0 for e in found]
    return out


def _plain(rows: pd.DataFrame, confidence: float) -> pd.DataFrame:
    grouped = rows.groupby(KEYS, sort=False, dropna=False)["value"]
    out = grouped.agg(n="count", mean="mean", std="std")
    quantiles = grouped.quantile([0.05, 0.95]).unstack()
    out = out.join(quantiles.rename(columns={0.05: "p5", 0.95: "p95"})).reset_index()
    quantile = stdtrit(np.maximum(out["n"] - 1, 1), 0.5 + confidence / 2)
    half = np.where(out["n"] >= 2, quantile * out["std"] / np.sqrt(out["n"]), np.nan)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    out["half_width"] = half
    columns = [*KEYS, "n", "mean", "std", "ci_low", "ci_high", "half_width", "p5", "p95"]
    return out[columns]
