"""Across replications: the tables of means, each with its interval (:mod:`simulation.intervals`), and one
estimate per figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .intervals import hall_half_width

KEYS = ["scenario", "scope", "subject", "metric", "priority", "period"]


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
