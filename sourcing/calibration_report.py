"""Figures of a calibration (plain functions from estimates to plotly figures, no Streamlit) and the
self-contained HTML report that gathers them: the app's calibration page and ``sourcing calibrate --report``
draw the same figures."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import __version__
from .calibration import Calibration
from .model import PRIORITIES

if TYPE_CHECKING:
    from simulation.backtest import Backtest

LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 60, "b": 50},
          "legend": {"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0}}
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
COLOURS = {"P1": "#d62728", "P2": "#ff7f0e", "P3": "#1f77b4", "P4": "#2ca02c"}


def arrivals_per_week(calibration: Calibration, title: str = "Incidents per week, with the trend") -> go.Figure:
    """Weekly counts per priority (stacked) and the fitted trend over them."""
    tickets = calibration.history.tickets
    week = tickets["opened"].dt.to_period("W-SUN").dt.start_time
    counts = pd.crosstab(week, tickets["priority"]).reindex(columns=list(PRIORITIES), fill_value=0)
    figure = go.Figure()
    for p in PRIORITIES:
        if counts[p].any():
            figure.add_trace(go.Bar(x=counts.index, y=counts[p], name=p, marker_color=COLOURS[p]))
    total = counts.sum(axis=1)
    growth = calibration.trend.growth
    if growth is not None and len(total) > 2:
        years = (counts.index - counts.index[0]) / pd.Timedelta(days=365.25)
        middle = years.to_numpy().mean()
        inner = total.iloc[1:-1] if len(total) > 4 else total  # first and last weeks are partial
        line = inner.mean() * (1 + growth.value) ** (years.to_numpy() - middle)
        label = f"trend {growth.value:+.1%} a year" + ("" if calibration.trend.significant else " (not significant)")
        figure.add_trace(go.Scatter(x=counts.index, y=line, mode="lines", name=label,
                                    line={"color": "#222", "dash": "dash" if not calibration.trend.significant
                                          else "solid"}))
    figure.update_layout(barmode="stack", title=title, yaxis_title="incidents", **LAYOUT)
    return figure


def hour_of_week(calibration: Calibration, title: str = "When incidents arrive (hour of the week)") -> go.Figure:
    """Heat map of the incidents per hour at each hour of the week, relative to the mean (holidays as Sundays)."""
    z = calibration.profile.raw.reshape(7, 24)
    figure = go.Figure(go.Heatmap(z=z, x=[f"{h:02d}:00" for h in range(24)], y=list(DAYS), colorscale="Blues",
                                  colorbar={"title": "x mean"},
                                  hovertemplate="%{y} %{x}: %{z:.2f} x the mean<extra></extra>"))
    figure.update_layout(title=title, yaxis={"autorange": "reversed"}, **{k: v for k, v in LAYOUT.items()
                                                                            if k != "legend"})
    return figure


def repair_histograms(calibration: Calibration,
                      title: str = "Resolved - opened, with the fitted densities (log scale)") -> go.Figure:
    """Per priority, the histogram of the times to restore on a log axis, and the density of every fitted
    family on the same axis (the chosen one solid)."""
    figure = make_subplots(rows=2, cols=2, subplot_titles=[f"{p}" for p in PRIORITIES])
    for k, fit in enumerate(calibration.repair):
        row, col = divmod(k, 2)
        hours = fit.hours
        if len(hours) == 0:
            continue
        logs = np.log10(hours)
        edges = np.linspace(logs.min(), max(logs.max(), logs.min() + 1e-6), min(60, max(8, len(hours) // 20)) + 1)
        density, _ = np.histogram(logs, bins=edges, density=True)
        centres = (edges[:-1] + edges[1:]) / 2
        figure.add_trace(go.Bar(x=10 ** centres, y=density, width=np.diff(10 ** edges), name=f"{fit.priority} tickets",
                                marker_color=COLOURS[fit.priority], opacity=0.45, showlegend=False),
                         row=row + 1, col=col + 1)
        grid = np.linspace(edges[0], edges[-1], 200)
        for candidate in fit.fits if not fit.borrowed else ():
            x = 10 ** grid
            y = candidate.frozen().pdf(x) * x * np.log(10)  # density of log10(time)
            best = candidate is fit.best
            figure.add_trace(go.Scatter(x=x, y=y, mode="lines", name=candidate.family, legendgroup=candidate.family,
                                        showlegend=k == 0,
                                        line={"width": 2.5 if best else 1, "dash": "solid" if best else "dot"}),
                             row=row + 1, col=col + 1)
    figure.update_xaxes(type="log", title_text="hours")
    figure.update_layout(title=title, height=650, **LAYOUT)
    return figure


def qq_plots(calibration: Calibration, backtest: Backtest | None = None,
             title: str = "Quantiles: real against simulated (back-test)") -> go.Figure:
    """Per priority, the real time to restore's quantiles (1 % to 99 %) against the simulated ones of the
    back-test, or against the fitted distribution without a back-test; on the diagonal when they agree."""
    figure = make_subplots(rows=2, cols=2, subplot_titles=list(PRIORITIES))
    q = np.linspace(0.01, 0.99, 99)
    checks = {c.priority: c for c in backtest.checks} if backtest is not None else {}
    for k, p in enumerate(PRIORITIES):
        row, col = divmod(k, 2)
        if p in checks:
            real, other = checks[p].quantiles()
            label = f"KS {checks[p].ks:.3f}"
        else:
            fit = calibration.repair_for(p)
            if fit.best is None or fit.borrowed or len(fit.hours) < 5:
                continue
            real, other = np.quantile(fit.hours, q), fit.best.frozen().ppf(q)
            label = f"{fit.best.family}, KS {fit.best.ks:.3f}"
        low, high = max(min(real.min(), other.min()), 1e-3), max(real.max(), other.max())
        figure.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", line={"color": "#999", "dash": "dot"},
                                    showlegend=False, hoverinfo="skip"), row=row + 1, col=col + 1)
        figure.add_trace(go.Scatter(x=real, y=other, mode="markers", name=f"{p}: {label}",
                                    marker={"color": COLOURS[p], "size": 5}), row=row + 1, col=col + 1)
    figure.update_xaxes(type="log", title_text="real (hours)")
    figure.update_yaxes(type="log", title_text="simulated" if backtest is not None else "fitted")
    if backtest is None:
        title = "Quantiles: real against the fitted distribution"
    figure.update_layout(title=title, height=650, **LAYOUT)
    return figure


def figures(calibration: Calibration, backtest: Backtest | None = None) -> list[go.Figure]:
    """Every figure of a calibration, in reading order."""
    return [arrivals_per_week(calibration), hour_of_week(calibration), repair_histograms(calibration),
            qq_plots(calibration, backtest)]


def estimates_table(calibration: Calibration) -> pd.DataFrame:
    """One row per priority: count, rate and share with intervals, time to restore, chosen fit, SLA made."""
    rows = []
    for rate, fit in zip(calibration.rates, calibration.repair):
        sla = calibration.sla.get(rate.priority)
        rows.append({
            "priority": rate.priority, "incidents": rate.count,
            "per month": f"{rate.per_month.value:,.1f} [{rate.per_month.low:,.1f}, {rate.per_month.high:,.1f}]",
            "share": f"{rate.share.value:.1%}",
            "resolved - opened, median (h)": (f"{fit.median.value:.3g} [{fit.median.low:.3g}, {fit.median.high:.3g}]"
                                              if fit.median else ""),
            "P90 (h)": f"{fit.p90.value:.3g}" if fit.p90 else "",
            "best fit (AIC)": (f"{fit.best.family}" if fit.best and not fit.borrowed else
                               f"{fit.borrowed}'s" if fit.borrowed else "default"),
            "KS distance": f"{fit.best.ks:.3f}" if fit.best and not fit.borrowed else "",
            "SLA made": f"{sla.share.value:.1%} [{sla.share.low:.1%}, {sla.share.high:.1%}]" if sla else "",
        })
    return pd.DataFrame(rows)


def backtest_table(backtest: Backtest) -> pd.DataFrame:
    """One row per priority: real against simulated median and P90, KS distance, simulated wait."""
    return pd.DataFrame([{
        "priority": c.priority, "tickets": len(c.observed), "median real (h)": f"{np.median(c.observed):.3g}",
        "median simulated (h)": f"{np.median(c.simulated):.3g}",
        "P90 real (h)": f"{np.quantile(c.observed, 0.9):.3g}",
        "P90 simulated (h)": f"{np.quantile(c.simulated, 0.9):.3g}", "KS distance": f"{c.ks:.3f}",
        "median wait, simulated (h)": f"{c.wait:.3g}"} for c in backtest.checks])


def html_report(calibration: Calibration, backtest: Backtest | None, scenario: str, service: str) -> str:
    """A single HTML file: what was read and set aside, the estimates, the back-test, the figures and the
    scenario file written (plotly's script embedded once: it opens offline)."""
    history = calibration.history
    e = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'>",
             f"<title>Calibration of {e(service)}</title>",
             "<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}"
             "table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}"
             "pre{background:#f6f6f6;padding:1em;overflow-x:auto}</style></head><body>",
             f"<h1>Calibration of {e(service)}</h1>",
             f"<p>{e(history.source)}: {e(history.format)} export, {history.rows:,} rows, "
             f"{calibration.incidents:,} incidents from {calibration.start.date()} to "
             f"{(calibration.end - pd.Timedelta(days=1)).date()}; dates read {e(history.date_order)}. Made by "
             f"sourcing {e(__version__)} on {datetime.now(UTC).isoformat(timespec='seconds')}; 95 % intervals.</p>",
             "<h2>Read and set aside</h2><ul>"]
    parts += [f"<li>{e(f'{label} → {level} ({history.label_counts.get(label, 0):,} tickets)')}</li>"
              for label, level in history.priorities.items()]
    parts += [f"<li>set aside: {e(line)}</li>" for line in history.excluded.lines()]
    parts += [f"<li>note: {e(note)}</li>" for note in history.notes]
    parts += [f"<li><b>warning</b>: {e(w)}</li>" for w in calibration.warnings]
    parts += ["</ul><h2>Estimates</h2>", estimates_table(calibration).to_html(index=False, escape=True, border=0),
              f"<p>Trend: {e(calibration.trend.note)}. Seasonality: {e(calibration.seasonality.note)}.</p>"]
    if backtest is not None:
        parts += ["<h2>Back-test</h2>", f"<p>{e(backtest.team.origin)}.</p>",
                  backtest_table(backtest).to_html(index=False, escape=True, border=0)]
        parts += [f"<p><b>warning</b>: {e(note)}</p>" for note in backtest.notes]
    for k, figure in enumerate(figures(calibration, backtest)):
        parts.append(figure.to_html(full_html=False, include_plotlyjs=(k == 0)))
    parts += ["<h2>Scenario file written</h2>", f"<pre>{e(scenario)}</pre>", "</body></html>"]
    return "\n".join(parts)
