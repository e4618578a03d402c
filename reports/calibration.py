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

from sourcing import __version__
from sourcing.calibration import Calibration
from sourcing.model import PRIORITIES
from sourcing.words import INTERVAL_SEPARATOR, note_text, number, number_text, percent, say

from .calibrate import Calibrated, backtest_warnings
from .emphasis import as_html

if TYPE_CHECKING:
    from simulation.backtest import Backtest
    from sourcing.calibration import Desk

LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 60, "b": 50},
          "legend": {"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0}}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
COLOURS = {"P1": "#d62728", "P2": "#ff7f0e", "P3": "#1f77b4", "P4": "#2ca02c"}


def _g(value: float, lang: str) -> str:
    """Three significant figures in the reader's locale (``2.35`` / ``2,35``)."""
    value = float(value)
    if value == 0 or not np.isfinite(value):
        return number(value, lang, 0)
    return number_text(value, lang, 3, significant=True)


def _family(name: str, lang: str) -> str:
    return say(f"calibrate.family.{name}", lang)


def arrivals_per_week(calibration: Calibration, title: str | None = None, lang: str = "en") -> go.Figure:
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
        label = (say("calibrate.figure.trend", lang, growth=percent(growth.value, lang, 1, signed=True))
                 + ("" if calibration.trend.significant else say("calibrate.figure.not_significant", lang)))
        figure.add_trace(go.Scatter(x=counts.index, y=line, mode="lines", name=label,
                                    line={"color": "#222", "dash": "dash" if not calibration.trend.significant
                                          else "solid"}))
    figure.update_layout(barmode="stack", title=title or say("calibrate.figure.weekly", lang),
                         yaxis_title=say("calibrate.figure.incidents", lang), separators=_separators(lang), **LAYOUT)
    # French dates: 03/2016 on the axis, 29/02/2016 in the hover (plotly's month names are English).
    figure.update_xaxes(tickformat="%m/%Y" if lang == "fr" else "%b %Y",
                        hoverformat="%d/%m/%Y" if lang == "fr" else "%d %b %Y")
    return figure


def _separators(lang: str) -> str:
    """Plotly's decimal and thousands separators for the reader's locale (its axis ticks)."""
    return ", " if lang == "fr" else ".,"


def hour_of_week(calibration: Calibration, title: str | None = None, lang: str = "en") -> go.Figure:
    """Heat map of the incidents per hour at each hour of the week, relative to the mean (holidays as Sundays)."""
    z = calibration.profile.raw.reshape(7, 24)
    days = [say(f"calibrate.day.{d}", lang) for d in DAYS]
    figure = go.Figure(go.Heatmap(z=z, x=[f"{h:02d}:00" for h in range(24)], y=days, colorscale="Blues",
                                  colorbar={"title": say("calibrate.figure.times_mean", lang)},
                                  hovertemplate="%{y} %{x}: %{z:.2f} " + say("calibrate.figure.hover", lang)
                                  + "<extra></extra>"))
    figure.update_layout(title=title or say("calibrate.figure.hour_of_week", lang), yaxis={"autorange": "reversed"},
                         separators=_separators(lang), **{k: v for k, v in LAYOUT.items() if k != "legend"})
    return figure


def repair_histograms(calibration: Calibration, title: str | None = None, lang: str = "en") -> go.Figure:
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
        name = say("calibrate.figure.priority_tickets", lang, priority=fit.priority)
        figure.add_trace(go.Bar(x=10 ** centres, y=density, width=np.diff(10 ** edges), name=name,
                                marker_color=COLOURS[fit.priority], opacity=0.45, showlegend=False),
                         row=row + 1, col=col + 1)
        grid = np.linspace(edges[0], edges[-1], 200)
        for candidate in fit.fits if not fit.borrowed else ():
            x = 10 ** grid
            y = candidate.frozen().pdf(x) * x * np.log(10)  # density of log10(time)
            best = candidate is fit.best
            figure.add_trace(go.Scatter(x=x, y=y, mode="lines", name=_family(candidate.family, lang),
                                        legendgroup=candidate.family,
                                        showlegend=k == 0,
                                        line={"width": 2.5 if best else 1, "dash": "solid" if best else "dot"}),
                             row=row + 1, col=col + 1)
    figure.update_xaxes(type="log", title_text=say("calibrate.figure.hours", lang))
    figure.update_layout(title=title or say("calibrate.figure.histograms", lang), height=650,
                         separators=_separators(lang), **LAYOUT)
    return figure


def qq_plots(calibration: Calibration, backtest: Backtest | None = None, title: str | None = None,
             lang: str = "en") -> go.Figure:
    """Per priority, the real time to restore's quantiles (1 % to 99 %) against the simulated ones of the
    back-test, or against the fitted distribution without a back-test; on the diagonal when they agree."""
    figure = make_subplots(rows=2, cols=2, subplot_titles=list(PRIORITIES))
    q = np.linspace(0.01, 0.99, 99)
    checks = {c.priority: c for c in backtest.checks} if backtest is not None else {}
    for k, p in enumerate(PRIORITIES):
        row, col = divmod(k, 2)
        if p in checks:
            real, other = checks[p].quantiles()
            label = f"KS {number(checks[p].ks, lang, 3)}"
        else:
            fit = calibration.repair_for(p)
            if fit.best is None or fit.borrowed or len(fit.hours) < 5:
                continue
            real, other = np.quantile(fit.hours, q), fit.best.frozen().ppf(q)
            label = f"{_family(fit.best.family, lang)}, KS {number(fit.best.ks, lang, 3)}"
        low, high = max(min(real.min(), other.min()), 1e-3), max(real.max(), other.max())
        figure.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", line={"color": "#999", "dash": "dot"},
                                    showlegend=False, hoverinfo="skip"), row=row + 1, col=col + 1)
        figure.add_trace(go.Scatter(x=real, y=other, mode="markers", name=f"{p}: {label}",
                                    marker={"color": COLOURS[p], "size": 5}), row=row + 1, col=col + 1)
    figure.update_xaxes(type="log", title_text=say("calibrate.figure.real", lang))
    figure.update_yaxes(type="log", title_text=say("calibrate.figure.simulated" if backtest is not None
                                                   else "calibrate.figure.fitted", lang))
    if title is None:
        title = say("calibrate.figure.quantiles" if backtest is not None else "calibrate.figure.quantiles_fitted",
                    lang)
    figure.update_layout(title=title, height=650, separators=_separators(lang), **LAYOUT)
    return figure


def figures(calibration: Calibration, backtest: Backtest | None = None, lang: str = "en") -> list[go.Figure]:
    """Every figure of a calibration, in reading order."""
    return [arrivals_per_week(calibration, lang=lang), hour_of_week(calibration, lang=lang),
            repair_histograms(calibration, lang=lang), qq_plots(calibration, backtest, lang=lang)]


def estimates_table(calibration: Calibration, lang: str = "en") -> pd.DataFrame:
    """One row per priority: count, rate and share with intervals, time to restore, chosen fit, SLA made."""
    def head(key: str) -> str:
        return say(f"calibrate.table.{key}", lang)

    def share(value: float) -> str:
        return percent(value, lang, 1)

    sep = INTERVAL_SEPARATOR.get(lang, ", ")
    rows = []
    for rate, fit in zip(calibration.rates, calibration.repair):
        sla = calibration.sla.get(rate.priority)
        per_month = rate.per_month
        rows.append({
            head("priority"): rate.priority, head("incidents"): number(rate.count, lang, 0),
            head("per_month"): (f"{number(per_month.value, lang)} [{number(per_month.low, lang)}{sep}"
                                f"{number(per_month.high, lang)}]"),
            head("share"): share(rate.share.value),
            head("median"): (f"{_g(fit.median.value, lang)} [{_g(fit.median.low, lang)}{sep}{_g(fit.median.high, lang)}]"
                             if fit.median else ""),
            head("p90"): _g(fit.p90.value, lang) if fit.p90 else "",
            head("best_fit"): (_family(fit.best.family, lang) if fit.best and not fit.borrowed else
                               say("calibrate.table.borrowed", lang, priority=fit.borrowed) if fit.borrowed
                               else head("default")),
            head("ks"): number(fit.best.ks, lang, 3) if fit.best and not fit.borrowed else "",
            head("sla_made"): (f"{share(sla.share.value)} [{share(sla.share.low)}{sep}{share(sla.share.high)}]"
                               if sla else ""),
        })
    return pd.DataFrame(rows)


def backtest_table(backtest: Backtest, lang: str = "en") -> pd.DataFrame:
    """One row per priority (every priority with tickets: those not compared are said in the notes): the
    history's time to restore against the simulated one at P10, P25, P50, P75 and P90, the KS distance and
    the simulated wait."""
    from simulation.backtest import FITTED

    def head(key: str, **values: object) -> str:
        return say(f"calibrate.table.{key}", lang, **values)

    rows = []
    for c in backtest.checks:
        real, simulated = c.quantiles(FITTED)
        row = {head("priority"): c.priority, head("tickets"): number(len(c.observed), lang, 0)}
        for q, r, m in zip(FITTED, real, simulated):
            row[head("quantile_pair", q=round(q * 100))] = f"{_g(r, lang)} / {_g(m, lang)}"
        row[head("ks")] = number(c.ks, lang, 3)
        row[head("wait")] = _g(c.wait, lang)
        rows.append(row)
    return pd.DataFrame(rows)


def rating_lines(backtest: Backtest, lang: str = "en") -> list[str]:
    """A plain rating per priority of how well the back-test reproduces the history (good, fair, poor), said
    before the table of quantiles it sums up."""
    from simulation.conclusions import backtest_ratings

    from .conclusions import rating_sentence

    return [rating_sentence(r, lang) for r in backtest_ratings(backtest)]


def waiting_table(calibration: Calibration, lang: str = "en") -> pd.DataFrame:
    """Per priority: resolved tickets, how many waited for the user or a supplier, and the share of the elapsed
    time spent waiting (the SLA clock paused)."""
    def head(key: str) -> str:
        return say(f"calibrate.table.{key}", lang)

    return pd.DataFrame([{
        head("priority"): w.priority if w.priority != "all" else head("all"),
        head("resolved"): number(w.resolved, lang, 0), head("waited"): number(w.waited, lang, 0),
        head("waiting_share"): percent(w.share, lang, 1)} for w in calibration.waiting if w.resolved])


def desk_notes(desk: Desk, lang: str = "en") -> list[str]:
    """What the whole history says beside the estimates: level shifts and the period estimated on, the
    country whose holidays fit, who worked the tickets, how the export splits into services."""
    c = desk.whole
    out = []
    for shift in c.shifts:
        what = say(f"calibrate.notes.shift_{shift.kind}", lang, before=_g(shift.before, lang),
                   after=_g(shift.after, lang))
        key = "calibrate.notes.shift" if shift.significant else "calibrate.notes.no_shift"
        out.append(say(key, lang, what=what, at=shift.at.date(), p=number_text(shift.p_value, lang, 2, significant=True)
                       if shift.p_value >= 1e-4 else "< 0.0001", weeks=shift.weeks))
    if c.since is not None:
        out.append(say("calibrate.notes.stable", lang, since=c.since.date(), first=c.history_start.date()))
    elif any(s.significant for s in c.shifts):
        out.append(say("calibrate.notes.shift_too_recent", lang))
    check = c.country_check
    if check is not None and check.suggest:
        out.append(say("calibrate.notes.country", lang, best=check.best, given=check.given or "none",
                       dip=percent(1 - check.best_dip, lang, 0), days=check.holidays))
    if c.history.waiting == "no_pending":
        states = ", ".join(f"'{state}'" for state in c.history.states[:12])  # the export's words, quoted
        out.append(say("calibrate.notes.no_pending", lang, states=states))
    elif c.history.waiting != "states":
        out.append(say("calibrate.notes.no_states", lang))
    if desk.column is not None:
        out.append(say("calibrate.notes.services", lang, column=desk.column,
                       services=", ".join(s.service for s in desk.services)))
    return out


def html_report(done: Calibrated, service: str, lang: str = "en") -> str:
    """A single HTML file: what was read and set aside, the estimates, the back-test, the figures and the
    scenario file written (plotly's script embedded once: it opens offline), in the reader's language."""
    calibration, backtest, scenario = done.desk.whole, done.backtest, done.scenario
    history = calibration.history
    e = html.escape

    def said(key: str, **values: object) -> str:
        return e(say(f"calibrate.{key}", lang, **values))

    def table(frame: pd.DataFrame) -> str:
        return frame.to_html(index=False, escape=True, border=0)

    orders = {"day first": "calibrate.day_first", "month first": "calibrate.month_first"}
    read = say("calibrate.read_line", lang, source=history.source, format=history.format,
               rows=number(history.rows, lang, 0), incidents=number(len(history.tickets), lang, 0),
               start=history.tickets["opened"].min().date(), end=history.tickets["opened"].max().date(),
               order=say(orders.get(history.date_order, "calibrate.iso_dates"), lang))
    made = say("calibrate.html.intro", lang, version=__version__,
               when=datetime.now(UTC).isoformat(timespec="seconds"))
    parts = [f"<!doctype html><html lang='{e(lang)}'><head><meta charset='utf-8'>",
             f"<title>{said('html.title', service=service)}</title>",
             "<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}"
             "table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}"
             "pre{background:#f6f6f6;padding:1em;overflow-x:auto}</style></head><body>",
             f"<h1>{said('html.title', service=service)}</h1>",
             f"<p>{e(read)}. {e(made)}</p>",
             *([f"<p>{said('cli.subset', filter=history.subset[0], kept=number(history.subset[1], lang, 0), of=number(history.subset[2], lang, 0))}</p>"]
               if history.subset is not None else []),
             f"<h2>{said('html.read')}</h2><ul>"]
    counts = {label: number(history.label_counts.get(label, 0), lang, 0) for label in history.priorities}
    parts += [f"<li>{said('html.mapping', label=label, level=level, count=counts[label])}</li>"
              for label, level in history.priorities.items()]
    parts += [f"<li>{said('html.set_aside')}: {e(line)}</li>" for line in history.excluded.lines(lang)]
    notes = [*(note_text(n, lang) for n in history.notes), *desk_notes(done.desk, lang)]
    parts += [f"<li>{said('html.note')}: {e(note)}</li>" for note in notes]
    parts += [f"<li><b>{said('html.warning')}</b>: {e(note_text(w, lang))}</li>" for c in done.desk.services
              for w in c.warnings]
    parts.append("</ul>")
    if calibration.waiting:
        parts += [f"<h2>{said('waiting_table')}</h2>", table(waiting_table(calibration, lang))]
    for c in done.desk.services:
        title = say("calibrate.html.estimates", lang) + (f" - {c.service}" if len(done.desk.services) > 1 else "")
        parts += [f"<h2>{e(title)}</h2>", table(estimates_table(c, lang)),
                  "<p>" + said("notes.trend_and_season", trend=note_text(c.trend.note, lang),
                               season=note_text(c.seasonality.note, lang)) + "</p>"]
    if backtest is not None:
        parts += [f"<h2>{said('html.backtest')}</h2>", f"<p>{e(backtest.team.origin)}.</p>"]
        parts += [f"<p>{as_html(line)}</p>" for line in rating_lines(backtest, lang)]
        parts.append(table(backtest_table(backtest, lang)))
        parts += [f"<p><b>{said('html.warning')}</b>: {e(note)}</p>" for note in backtest_warnings(backtest, lang)]
    parts += [f"<p><b>{said('html.warning')}</b>: {e(note)}</p>" for note in done.implausible(lang)]
    for k, figure in enumerate(figures(calibration, backtest, lang)):
        parts.append(figure.to_html(full_html=False, include_plotlyjs=(k == 0)))
    parts += [f"<h2>{said('html.scenario')}</h2>", f"<pre>{e(scenario)}</pre>", "</body></html>"]
    return "\n".join(parts)
