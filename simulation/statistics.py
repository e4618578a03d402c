"""Across replications: means with Student-t confidence intervals, and paired differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

KEYS = ["scenario", "scope", "subject", "metric", "priority", "period"]


def t_half_width(values: np.ndarray, confidence: float = 0.95) -> float:
    """Half-width of the Student-t confidence interval of the mean (NaN with fewer than 2 values)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n < 2:
        return float("nan")
    return float(stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))


def summarize(rows: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """One row per scenario x subject x metric x priority x period: n, mean, std, CI and P5/P95.

    Every statistic of a row comes from that row's own replications: the quantile table is joined
    to the aggregate on the row keys, never by position (the two come back in different orders).
    """
    grouped = rows.groupby(KEYS, sort=False, dropna=False)["value"]
    out = grouped.agg(n="count", mean="mean", std="std")
    quantiles = grouped.quantile([0.05, 0.95]).unstack()
    out = out.join(quantiles.rename(columns={0.05: "p5", 0.95: "p95"})).reset_index()
    quantile = stats.t.ppf(0.5 + confidence / 2, np.maximum(out["n"] - 1, 1))
    half = np.where(out["n"] >= 2, quantile * out["std"] / np.sqrt(out["n"]), np.nan)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    out["half_width"] = half
    columns = [*KEYS, "n", "mean", "std", "ci_low", "ci_high", "half_width", "p5", "p95"]
    return out[columns]
