"""Calibration speed, step by step, on a synthetic ServiceNow event log of about 250,000 rows: read,
estimate (the whole desk, its services, level shifts, holidays, team), back-test (the latest 10,000
incidents replayed through the team), write (the commented file) and check (the written file run).

The export comes from :mod:`tests.exports` (a known scenario simulated by the engine, with pending states,
reassignments, auto-closed tickets, priority changes, a level shift and five services), scaled to the rows
asked for. Run: ``python benchmarks/calibrate.py [ROWS]``. Prints figures; asserts nothing.
``python benchmarks/calibrate.py --example PATH`` writes the app's bundled example export instead (drawn by
:func:`synthetic_export`: about two and a half rows per incident, lognormal times to restore).
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


ROWS_PER_INCIDENT = 4.95
"""Rows per incident of :mod:`tests.exports`' ServiceNow log (measured: 51,404 rows for 10,400 incidents)."""


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--example":
        Path(sys.argv[2]).write_text(synthetic_export(4000, seed=2, weeks=26), encoding="utf-8")
        return
    sys.path.insert(0, str(ROOT / "tests"))
    import exports

    from reports.calibrate import backtest_lines
    from simulation.backtest import backtest, check_file
    from sourcing.calibration import calibrate_desk
    from sourcing.calibration_file import FileText, placeholder_team, scenario_yaml, written_repair
    from sourcing.tickets import read_export

    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 250_000
    per_year = sum(spec["per_month"] for spec in exports.SERVICES.values()) * 12 * (1 + exports.BEFORE["rate"]) / 2
    made = time.perf_counter()
    generated = exports.generate(scale=rows / ROWS_PER_INCIDENT / per_year)
    content = generated.servicenow()
    made = time.perf_counter() - made
    zone = exports.ZONE
    t0 = time.perf_counter()
    history = read_export(content, "synthetic.csv", time_zone=zone)
    t1 = time.perf_counter()
    desk = calibrate_desk(history, "desk", country=exports.COUNTRY)
    team = placeholder_team(desk.whole, zone)
    t2 = time.perf_counter()
    found = backtest(desk, team, zone)
    t3 = time.perf_counter()
    written = written_repair(desk, found)
    text = scenario_yaml(desk, team, written.repairs, zone, FileText(written.note("en"), backtest_lines(found)))
    t4 = time.perf_counter()
    checks = check_file(text)
    t5 = time.perf_counter()
    print(f"{history.rows:,} rows ({len(content) / 1e6:.0f} MB, made in {made:.0f} s), {len(history.tickets):,} "
          f"incidents over {desk.whole.history_start.date()} to {desk.whole.end.date()}; "
          f"{len(desk.services)} services, a team of {team.data['members'][0]['count']}")
    print(f"read {t1 - t0:.2f} s")
    print(f"estimate {t2 - t1:.2f} s (estimated from {desk.whole.since.date() if desk.whole.since else 'the start'})")
    print(f"back-test {t3 - t2:.2f} s ({found.incidents:,} incidents, {found.rounds} rounds)")
    print(f"write {t4 - t3:.2f} s")
    print(f"check the written file {t5 - t4:.2f} s (availability {', '.join(f'{c.service} {c.availability:.1%}' for c in checks)})")
    print(f"total {t5 - t0:.2f} s")


if __name__ == "__main__":
    main()
