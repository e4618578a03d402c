"""Across replications: means with confidence intervals that stay honest at small n, and paired differences.

A replication's figure is often skewed (a few replications where everything goes wrong: a long queue, a
whole team away), and the mean of ten such replications is skewed too. Student's t interval then misses
low far more often than high (on a one-year M/M/1 at load 0.8, 16 misses low for 2 high) and covers less
than it says. Every interval here is Hall's skewness-corrected interval instead (P. Hall, 1992, "On the
removal of skewness by transformation", JRSS B 54(1)): the Studentised mean T is mapped by
g(T) = T + a T² + a² T³ / 3 + b, a = γ / (3 √n), b = γ / (6 √n), γ the adjusted sample skewness G1 of the
values (or of the jackknife pseudo-values of a controlled mean), whose distribution is close to Student's; inverting g gives
an interval that reaches further on the side of the skew. It is reported symmetric, as mean ± the larger of
its two sides, so that every table reads "mean ± half-width" and never claims more precision than the
interval has. Without skew it is Student's t interval exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import stdtrit

KEYS = ["scenario", "scope", "subject", "metric", "priority", "period"]


def skew_half_width(values: np.ndarray, variance: np.ndarray | float, df: np.ndarray | float,
                    confidence: float = 0.95) -> np.ndarray:
    """Half-width of the symmetric interval that contains Hall's skewness-corrected interval of a mean.

    ``values`` are the replications (n, or n x G for G figures at once) whose skewness shapes the interval:
    the replications themselves for a plain mean, the jackknife pseudo-values for a controlled one;
    ``variance`` is the variance of the mean's estimate and ``df`` the degrees of freedom of its
    Student quantile."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    deviations = values - values.mean(axis=0)
    return hall_half_width(np.mean(deviations ** 2, axis=0), np.mean(deviations ** 3, axis=0), values.shape[0],
                           variance, df, confidence)


def hall_half_width(m2: np.ndarray, m3: np.ndarray, n: np.ndarray | int, variance: np.ndarray | float,
                    df: np.ndarray | float, confidence: float = 0.95) -> np.ndarray:
    """:func:`skew_half_width` from the second and third central moments (divided by n) of the values."""
    m2, m3, n = np.asarray(m2, dtype=float), np.asarray(m3, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        gamma = np.where(m2 > 0, m3 / np.where(m2 > 0, m2, 1.0) ** 1.5, 0.0)
        # the adjusted sample skewness G1 (pandas' and Excel's): g1 underestimates the skew of a few values
        gamma = np.where(n > 2, gamma * np.sqrt(n * (n - 1)) / np.maximum(n - 2, 1), gamma)
        a = gamma / (3 * np.sqrt(n))
        b = gamma / (6 * np.sqrt(n))
    quantile = stdtrit(np.maximum(df, 1), 0.5 + confidence / 2)

    def inverse(u: np.ndarray) -> np.ndarray:
        flat = np.abs(a) < 1e-12
        safe = np.where(flat, 1.0, a)
        return np.where(flat, u - b, (np.cbrt(1 + 3 * safe * (u - b)) - 1) / safe)

    spread = np.sqrt(np.maximum(variance, 0.0))
    return spread * np.maximum(inverse(quantile), -inverse(-quantile))


def half_width(values: np.ndarray, confidence: float = 0.95) -> float:
    """95 % half-width of the mean of ``values`` (NaN left out; NaN with fewer than 2 values)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n < 2:
        return float("nan")
    return float(skew_half_width(values, values.var(ddof=1) / n, n - 1, confidence)[0])


def summarize(rows: pd.DataFrame, confidence: float = 0.95, controls: pd.DataFrame | None = None,
              means: dict[str, float] | None = None, study=None) -> pd.DataFrame:
    """One row per scenario x subject x metric x priority x period: n, mean, std, CI and P5/P95.

    Every statistic of a row comes from that row's own replications: the quantile table is joined
    to the aggregate on the row keys, never by position (the two come back in different orders).
    With ``controls`` (one row per replication) and their exact ``means``, each mean and its CI are the
    estimate of :func:`simulation.variance.estimates` (controls only where they narrow the interval out of
    sample), with the controls of the teams each scenario uses (given the ``study``); ``vr_factor`` says
    how much variance they saved (1 where the plain mean is kept). P5, P95 and std stay those of the raw
    replications."""
    out = _plain(rows, confidence)
    if controls is None or not means:
        return out
    from .variance import control_matrix, estimates, scenario_controls

    replications = np.sort(rows["replication"].unique())
    found: dict[tuple, object] = {}
    for scenario, part in rows.groupby("scenario", sort=False, observed=True):
        chosen = scenario_controls(study, means, [str(scenario)]) if study is not None else means
        x, mu = control_matrix(controls, chosen, replications)
        column, uniques = pd.MultiIndex.from_frame(part[KEYS]).factorize()
        keys = list(uniques)
        values = np.full((len(replications), len(keys)), np.nan)
        values[np.searchsorted(replications, part["replication"].to_numpy()), column] = part["value"].to_numpy()
        whole = ~np.isnan(values).any(axis=0)
        for j, estimate in zip(np.flatnonzero(whole), estimates(values[:, whole], x, mu, confidence)):
            found[keys[j]] = estimate
        for j in np.flatnonzero(~whole):
            ok = ~np.isnan(values[:, j])
            if ok.sum():
                found[keys[j]] = estimates(values[ok, j][:, None], x[ok], mu, confidence)[0]
    picked = [found.get(tuple(row)) for row in out[KEYS].itertuples(index=False, name=None)]
    picked = [e if e is not None and e.controls else None for e in picked]  # the plain rows stay as they are
    out["mean"] = [e.mean if e else m for e, m in zip(picked, out["mean"])]
    out["half_width"] = [e.half_width if e else h for e, h in zip(picked, out["half_width"])]
    out["ci_low"] = out["mean"] - out["half_width"]
    out["ci_high"] = out["mean"] + out["half_width"]
    out["vr_factor"] = [e.reduction if e else 1.0 for e in picked]
    return out


def figure(summary: pd.DataFrame, metric: str, scenario: str, scope: str = "scenario", subject: str = "all",
           priority: str = "", period: str = "all") -> float:
    """A figure's one estimate: its mean in a run's summary (NaN when the run has no such figure)."""
    row = summary[(summary["scenario"] == scenario) & (summary["scope"] == scope) & (summary["subject"] == subject)
                  & (summary["metric"] == metric) & (summary["priority"] == priority) & (summary["period"] == period)]
    return float(row["mean"].iloc[0]) if len(row) else float("nan")


def _plain(rows: pd.DataFrame, confidence: float) -> pd.DataFrame:
    grouped = rows.groupby(KEYS, sort=False, dropna=False, observed=True)["value"]
    out = grouped.agg(n="count", mean="mean", std="std")
    quantiles = grouped.quantile([0.05, 0.95]).unstack()
    out = out.join(quantiles.rename(columns={0.05: "p5", 0.95: "p95"}))
    deviation = rows["value"] - grouped.transform("mean")
    moments = pd.DataFrame({"m2": deviation ** 2, "m3": deviation ** 3}).groupby(
        [rows[k] for k in KEYS], sort=False, dropna=False, observed=True).mean().reindex(out.index)
    n = out["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = hall_half_width(moments["m2"], moments["m3"], n, out["std"].to_numpy() ** 2 / n, n - 1, confidence)
    out["half_width"] = np.where(n >= 2, half, np.nan)
    out = out.reset_index()
    out["ci_low"] = out["mean"] - out["half_width"]
    out["ci_high"] = out["mean"] + out["half_width"]
    columns = [*KEYS, "n", "mean", "std", "ci_low", "ci_high", "half_width", "p5", "p95"]
    return out[columns]
