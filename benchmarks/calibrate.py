"""Calibration speed: the time to read and estimate a synthetic ServiceNow event log of 250,000 rows, and the
time of its back-test (the latest 10,000 incidents replayed through a team).

The export is drawn like a real one: about two and a half rows per incident (New, Active, Resolved or
Closed), day-first dates, '?' for missing values, an office weekly profile, lognormal times to restore.
Run: ``python benchmarks/calibrate.py [ROWS]``. Prints figures; asserts nothing.
``python benchmarks/calibrate.py --example PATH`` writes the app's bundled example export instead.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sourcing.scenario import weekly_profile  # noqa: E402

LABELS = {"P1": "1 - Critical", "P2": "2 - High", "P3": "3 - Moderate", "P4": "4 - Low"}
MIX = {"P1": 0.02, "P2": 0.08, "P3": 0.6, "P4": 0.3}
REPAIR = {"P1": (2.0, 8.0), "P2": (4.0, 30.0), "P3": (6.0, 60.0), "P4": (10.0, 90.0)}
"""Median and P90 of resolved - opened per priority (hours)."""


def synthetic_export(rows: int, seed: int = 1, start: str = "2016-02-29", weeks: int = 104) -> str:
    """A ServiceNow event log of about ``rows`` rows over ``weeks`` weeks."""
    rng = np.random.default_rng(seed)
    incidents = int(rows / 2.5)
    per_hour = weekly_profile("office")
    hours = pd.date_range(start, periods=weeks * 168, freq="h")
    weights = per_hour[hours.day_of_week * 24 + hours.hour]
    counts = rng.poisson(weights / weights.sum() * incidents)
    opened = pd.Series(hours.repeat(counts) + pd.to_timedelta(rng.random(counts.sum()) * 3600, unit="s")).dt.floor(
        "min")
    n = len(opened)
    priority = rng.choice(list(MIX), size=n, p=list(MIX.values()))
    median = np.array([REPAIR[p][0] for p in priority])
    p90 = np.array([REPAIR[p][1] for p in priority])
    ttr = median * np.exp(np.log(p90 / median) / 1.2815515655446004 * rng.standard_normal(n))
    resolved = (opened + pd.to_timedelta(ttr, unit="h")).dt.floor("min")
    closed = resolved + pd.Timedelta(days=5)
    states = rng.integers(2, 4, size=n)  # rows per incident
    index = np.repeat(np.arange(n), states)
    step = np.concatenate([np.arange(k) for k in states])
    last = step == states[index] - 1
    fmt = "%-d/%-m/%Y %H:%M"
    resolved_text = np.where(last, resolved.dt.strftime(fmt).to_numpy()[index], "?")
    frame = pd.DataFrame({
        "number": np.char.add("INC", np.char.zfill(index.astype(str), 7)),
        "incident_state": np.where(last, "Resolved", np.where(step == 0, "New", "Active")),
        "active": np.where(last, "false", "true"),
        "reopen_count": np.where(last & (rng.random(len(index)) < 0.03), "1", "0"),
        "sys_mod_count": step.astype(str),
        "made_sla": np.where(rng.random(len(index)) < 0.9, "true", "false"),
        "opened_at": opened.dt.strftime(fmt).to_numpy()[index],
        "sys_updated_at": np.where(last, resolved.dt.strftime(fmt).to_numpy()[index],
                                   opened.dt.strftime(fmt).to_numpy()[index]),
        "priority": np.array([LABELS[p] for p in priority])[index],
        "assignment_group": np.char.add("Group ", (index % 40).astype(str)),
        "resolved_at": resolved_text,
        "closed_at": np.where(last, closed.dt.strftime(fmt).to_numpy()[index], "?"),
    })
    return frame.to_csv(index=False)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--example":
        Path(sys.argv[2]).write_text(synthetic_export(4000, seed=2, weeks=26), encoding="utf-8")
        return
    from simulation.backtest import backtest
    from sourcing.calibration import calibrate
    from sourcing.calibration_file import team_from_count
    from sourcing.tickets import read_export

    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 250_000
    content = synthetic_export(rows).encode("utf-8")
    t0 = time.perf_counter()
    history = read_export(content, "synthetic.csv")
    t1 = time.perf_counter()
    calibration = calibrate(history)
    t2 = time.perf_counter()
    found = backtest(calibration, team_from_count(60), "desk", "Europe/Paris")
    t3 = time.perf_counter()
    print(f"{history.rows:,} rows ({len(content) / 1e6:.0f} MB), {len(history.tickets):,} incidents over "
          f"{calibration.months:.1f} months")
    print(f"read {t1 - t0:.2f} s, estimate {t2 - t1:.2f} s: calibrate {t2 - t0:.2f} s")
    print(f"back-test of the latest {found.incidents:,} incidents ({found.rounds} rounds): {t3 - t2:.2f} s")
    print(f"total {t3 - t0:.2f} s")


if __name__ == "__main__":
    main()
