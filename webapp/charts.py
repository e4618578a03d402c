"""Chart builders: plain functions from data frames to plotly figures (no Streamlit here), shared by
the app's pages and the HTML report.

Every chart has a title and axis titles with their units, in the reader's language (the catalogue of
:mod:`sourcing.words`); numbers in hover labels follow the reader's locale. Money is drawn in
thousands (k€) and says its horizon ("over 5 years", "per year"). An option has the same colour on
every chart of every page (:func:`option_colours`, from the order of the study's scenarios).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from simulation.compare import scenario_values
from sourcing import words
from sourcing.money import CATEGORIES

say = words.say

OPTION_PALETTE = ("#1f77b4", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f",
                  "#393b79", "#637939", "#8c6d31", "#843c39")
"""Colours of the options, in the order of the study's scenarios. Green and red are left out: they mean
better and worse (the criteria heat map) and mark deadlines."""
CATEGORY_COLOURS = {
    "staff": "#4e79a7", "on_call": "#a0cbe8", "overtime": "#86bcb6", "infrastructure": "#f28e2b",
    "provider_fixed": "#b07aa1", "provider_variable": "#d4a6c8", "subscription": "#9d7660", "transition": "#d7b5a6",
    "exit": "#bab0ac", "retained": "#edc948", "penalties": "#59a14f", "credits": "#8cd17d", "downtime": "#e15759",
}
"""Colours of the cost categories (their own palette: a category is not an option)."""
DEADLINE = "#444"
FONT = {"size": 13}
HEIGHT = 440
LAYOUT = {"template": "plotly_white", "font": FONT, "height": HEIGHT,
          "margin": {"l": 70, "r": 30, "t": 70, "b": 90}, "title": {"x": 0.01, "xanchor": "left"},
          "legend": {"orientation": "h", "yanchor": "top", "y": -0.24, "x": 0}}


def option_colours(names: Sequence[str]) -> dict[str, str]:
    """One colour per option, by its place in the study's list of scenarios: the same on every page."""
    return {name: OPTION_PALETTE[k % len(OPTION_PALETTE)] for k, name in enumerate(dict.fromkeys(names))}


def _colours(colours: Mapping[str, str] | None, names: Sequence[str]) -> Mapping[str, str]:
    found = dict(colours or {})
    for name in names:
        if name not in found:
            found[name] = OPTION_PALETTE[len(found) % len(OPTION_PALETTE)]
    return found


def _layout(figure: go.Figure, title: str, x_title: str = "", y_title: str = "", legend: bool = True,
            lang: str = "en", **extra) -> go.Figure:
    layout = {k: v for k, v in LAYOUT.items() if legend or k != "legend"}
    layout.update(title={**LAYOUT["title"], "text": title}, showlegend=legend, xaxis_title=x_title,
                  yaxis_title=y_title, separators=", " if lang == "fr" else ".,", **extra)
    figure.update_layout(**layout)
    # Thousands grouped from 1,000 on ("2 000", not "2000"), with the locale's separator.
    figure.update_xaxes(separatethousands=True)
    figure.update_yaxes(separatethousands=True)
    return figure


DATE_FORMATS = {"en": ("%b %Y", "%d %b %Y"), "fr": ("%m/%Y", "%d/%m/%Y")}
"""Tick and hover formats of a date axis: French writes 03/2016 and 29/02/2016 (plotly's month names are
English, whatever the page's language)."""


def _dates(figure: go.Figure, lang: str) -> None:
    ticks, hover = DATE_FORMATS.get(lang, DATE_FORMATS["en"])
    figure.update_xaxes(type="date", tickformat=ticks, hoverformat=hover)


def _over(years: int | None, lang: str) -> str:
    return words.horizon(years, lang) if years else ""


def cost_breakdown(summary: pd.DataFrame, per_year: bool = False, money: str = "EUR", lang: str = "en",
                   years: int | None = None, scenarios: Sequence[str] | None = None) -> go.Figure:
    """Stacked bars of mean cost per category and option, in thousands; received penalties and credits go
    below zero. ``per_year`` draws one stack per option and scenario year."""
    part = summary[(summary["scope"] == "scenario") & summary["metric"].str.startswith("cost.")]
    part = part[(part["period"] != "all") if per_year else (part["period"] == "all")]
    scenarios = list(scenarios or dict.fromkeys(summary["scenario"]))
    unit = words.thousands(money)
    figure = go.Figure()
    for category in CATEGORIES:
        rows = part[part["metric"] == f"cost.{category}"]
        if rows.empty or bool((rows["mean"].abs() < 0.5).all()):
            continue   # nothing (less than one unit of the currency): no bar, no legend entry
        if per_year:
            x = [rows["period"].tolist(), rows["scenario"].tolist()]
        else:
            rows = rows.set_index("scenario").reindex(scenarios).reset_index()
            x = rows["scenario"].tolist()
        name = say(f"cost.{category}", lang)
        values = (rows["mean"] / 1000).tolist()
        figure.add_trace(go.Bar(name=name, x=x, y=values, marker_color=CATEGORY_COLOURS.get(category),
                                customdata=[words.money(v * 1000, money, lang) for v in values],
                                hovertemplate="%{customdata}<extra>" + name + "</extra>"))
    if per_year:
        title, y_title = say("chart.cost_breakdown_per_year", lang), say("chart.money_per_year", lang, unit=unit)
    else:
        over = _over(years, lang)
        title = say("chart.cost_breakdown", lang, horizon=over).strip()
        y_title = say("chart.money_over", lang, unit=unit, horizon=over)
    x_title = say("chart.year_option" if per_year else "chart.option", lang)
    return _layout(figure, title, x_title, y_title, lang=lang, barmode="relative")


def cost_vs_availability(headline: pd.DataFrame, frontier: list[str], money: str = "EUR", lang: str = "en",
                         years: int | None = None, colours: Mapping[str, str] | None = None,
                         target: float | None = None) -> go.Figure:
    """Each option's mean economic cost (thousands) against its availability, with 95 % error bars; the
    frontier (nobody cheaper and more available) is joined by a line and marked with stars; the
    availability target, when there is one, is a dotted vertical line (left of it: misses the target)."""
    cost = headline[headline["metric"] == "economic_cost"].set_index("scenario")
    availability = headline[headline["metric"] == "availability_service_time"].set_index("scenario")
    names = [s for s in cost.index if s in availability.index]
    colours = _colours(colours, names)
    figure = go.Figure()
    for k, name in enumerate(names):
        x, y = availability.at[name, "mean"] * 100, cost.at[name, "mean"] / 1000
        figure.add_trace(go.Scatter(
            x=[x], y=[y], mode="markers+text", name=name, text=[name],
            textposition="top center" if k % 2 == 0 else "bottom center",
            marker={"size": 16, "color": colours[name], "symbol": "star" if name in frontier else "circle"},
            error_x={"type": "data", "array": [np.nan_to_num(availability.at[name, "half_width"]) * 100]},
            error_y={"type": "data", "array": [np.nan_to_num(cost.at[name, "half_width"]) / 1000]},
            hovertemplate=f"{name}<br>{words.percent(x / 100, lang, 3)}<br>"
                          f"{words.money(y * 1000, money, lang)}<extra></extra>",
        ))
    on = sorted((s for s in frontier if s in names), key=lambda s: availability.at[s, "mean"])
    if len(on) > 1:
        figure.add_trace(go.Scatter(x=[availability.at[s, "mean"] * 100 for s in on],
                                    y=[cost.at[s, "mean"] / 1000 for s in on], mode="lines",
                                    name=say("chart.frontier", lang), line={"dash": "dash", "color": "#444"},
                                    hoverinfo="skip"))
    y_title = say("chart.economic_cost_axis", lang, horizon=_over(years, lang), unit=words.thousands(money))
    figure = _layout(figure, say("chart.cost_vs_availability", lang), say("chart.availability_axis", lang),
                     y_title.replace("  ", " "), lang=lang)
    xs = [availability.at[s, "mean"] * 100 for s in names]
    halves = [np.nan_to_num(availability.at[s, "half_width"]) * 100 for s in names]
    if target is not None:
        figure.add_vline(x=target * 100, line_dash="dot", line_color=DEADLINE,
                         annotation_text=f"{say('chart.availability_target', lang)} {words.percent(target, lang, 1)}",
                         annotation_position="top left", annotation_font={"size": 12, "color": DEADLINE})
        xs, halves = xs + [target * 100], halves + [0.0]
    _pad_axis(figure, "x", xs, halves)
    _pad_axis(figure, "y", [cost.at[s, "mean"] / 1000 for s in names],
              [np.nan_to_num(cost.at[s, "half_width"]) / 1000 for s in names])
    return figure


def common_target(study) -> float | None:
    """The availability target the cost-versus-availability chart draws: the one every service with a target
    shares (a study whose services have different targets has none to draw on one axis)."""
    targets = {service.availability_target for service in study.services.values()
               if service.availability_target is not None}
    return targets.pop() if len(targets) == 1 else None


def _pad_axis(figure: go.Figure, axis: str, values: list[float], halves: list[float], share: float = 0.12) -> None:
    """An axis range around the points and their error bars, with room for the labels."""
    if not values:
        return
    low = min(v - h for v, h in zip(values, halves))
    high = max(v + h for v, h in zip(values, halves))
    pad = (high - low) * share or abs(high) * 0.01 or 1.0
    figure.update_layout(**{f"{axis}axis_range": [low - pad, high + pad]})


def paired_differences(differences: pd.DataFrame, metric: str = "economic_cost", money: str = "EUR",
                       lang: str = "en", years: int | None = None, baseline: str = "",
                       colours: Mapping[str, str] | None = None) -> go.Figure:
    """Mean paired difference of economic cost (thousands) against the baseline per option, with its 95 % CI."""
    part = differences[differences["metric"] == metric]
    names = part["scenario"].tolist()
    colours = _colours(colours, names)
    mean = part["mean"] / 1000
    figure = go.Figure(go.Bar(
        y=names, x=mean, orientation="h", marker_color=[colours[n] for n in names],
        error_x={"type": "data", "symmetric": False, "array": (part["ci_high"] / 1000 - mean).tolist(),
                 "arrayminus": (mean - part["ci_low"] / 1000).tolist()},
        customdata=[words.money(v * 1000, money, lang, signed=True) for v in mean],
        hovertemplate="%{y}: %{customdata}<extra></extra>",
    ))
    figure.add_vline(x=0, line_color="#444")
    x_title = say("chart.against_axis", lang, horizon=_over(years, lang), unit=words.thousands(money))
    return _layout(figure, say("chart.against", lang, baseline=baseline), x_title.replace("  ", " "),
                   say("chart.option", lang), legend=False, lang=lang,
                   height=max(260, 120 + 60 * len(names)))


def cost_distribution(rows: pd.DataFrame, money: str = "EUR", lang: str = "en", years: int | None = None,
                      colours: Mapping[str, str] | None = None, metric: str = "economic_cost") -> go.Figure:
    """Economic cost (thousands) of every replication, per option (box with all points)."""
    table = scenario_values(rows, metric) / 1000
    colours = _colours(colours, list(table.columns))
    figure = go.Figure()
    for scenario in table.columns:
        figure.add_trace(go.Box(y=table[scenario].dropna(), name=scenario, boxpoints="all", jitter=0.4,
                                marker_color=colours[scenario]))
    over = _over(years, lang)
    return _layout(figure, say("chart.distribution", lang, horizon=over).strip(), say("chart.option", lang),
                   say("chart.economic_cost_axis", lang, horizon=over, unit=words.thousands(money)).replace("  ", " "),
                   legend=False, lang=lang)


def exceedance(rows: pd.DataFrame, money: str = "EUR", lang: str = "en", years: int | None = None,
               colours: Mapping[str, str] | None = None, metric: str = "economic_cost") -> go.Figure:
    """For each option, the share of replications whose cost exceeds each amount (survival curve)."""
    table = scenario_values(rows, metric) / 1000
    colours = _colours(colours, list(table.columns))
    figure = go.Figure()
    for scenario in table.columns:
        values = np.sort(table[scenario].dropna().to_numpy())
        share = 1 - np.arange(1, len(values) + 1) / len(values)
        figure.add_trace(go.Scatter(x=values, y=share * 100, mode="lines", line_shape="hv", name=scenario,
                                    line={"color": colours[scenario], "width": 2.5}))
    x_title = say("chart.economic_cost_axis", lang, horizon=_over(years, lang), unit=words.thousands(money))
    figure = _layout(figure, say("chart.exceedance", lang), x_title.replace("  ", " "),
                     say("chart.exceedance_axis", lang), lang=lang)
    figure.update_yaxes(range=[-2, 102])
    return figure


def deadline_marks(deadlines: Mapping[str, float]) -> list[tuple[float, str]]:
    """Deadlines grouped by value (two at the same hour share one line and one label), in hours order."""
    grouped: dict[float, list[str]] = {}
    for label, hours in deadlines.items():
        if hours is not None and math.isfinite(hours) and hours > 0:
            grouped.setdefault(round(float(hours), 6), []).append(label)
    return [(hours, " · ".join(labels)) for hours, labels in sorted(grouped.items())]


def restoration_curves(incidents: pd.DataFrame, service: str, priority: str,
                       deadlines: Mapping[str, float] | None = None, lang: str = "en",
                       colours: Mapping[str, str] | None = None, service_name: str | None = None,
                       scenarios: Sequence[str] | None = None) -> go.Figure:
    """Cumulative share of incidents restored within each number of clock hours, per option (pooled over
    replications), on a log scale ending near the data; deadlines (targets, GTR) are dotted vertical lines,
    one per distinct value, their labels stacked so that they never overprint."""
    part = incidents[(incidents["service"] == service) & (incidents["priority"] == priority)]
    names = list(scenarios or dict.fromkeys(incidents["scenario"]))
    colours = _colours(colours, names)
    figure = go.Figure()
    finite = []
    for scenario in names:
        ttr = part.loc[part["scenario"] == scenario, "ttr"].to_numpy()
        if not len(ttr):
            continue
        done = np.sort(ttr[~np.isnan(ttr)])
        share = np.arange(1, len(done) + 1) / len(ttr)
        finite.append(done[done > 0])
        figure.add_trace(go.Scatter(x=done, y=share * 100, mode="lines", line_shape="hv", name=scenario,
                                    line={"color": colours[scenario], "width": 2.5},
                                    hovertemplate="%{x:.2f} h: %{y:.1f} %<extra>" + scenario + "</extra>"))
    marks = deadline_marks(deadlines or {})
    data = np.concatenate(finite) if finite else np.array([])
    low = float(np.min(data)) if len(data) else 0.1
    # The axis ends near the data: past the 99th percentile only as far as the data and the deadlines go.
    high = min(float(np.percentile(data, 99)) * 1.5, float(np.max(data))) if len(data) else 10.0
    high = max([high] + [m[0] for m in marks])
    figure = _layout(figure, say("chart.time_to_restore", lang, service=service_name or service, priority=priority),
                     say("chart.hours_after", lang), say("chart.restored_share", lang), lang=lang)
    figure.update_xaxes(type="log", range=[math.log10(max(low * 0.8, 1e-3)), math.log10(high * 1.25)])
    figure.update_yaxes(range=[0, 100 + 8 * max(len(marks), 1)], tickvals=[0, 20, 40, 60, 80, 100])
    for k, (hours, text) in enumerate(marks):
        figure.add_vline(x=hours, line_dash="dot", line_color=DEADLINE)
        figure.add_annotation(x=math.log10(hours), y=100 + 8 * (len(marks) - k) - 2, text=f"{text}: "
                              f"{words.hours(hours, lang, 0 if float(hours).is_integer() else 1)}",
                              showarrow=False, xanchor="right" if k < len(marks) / 2 else "left",
                              xshift=-4 if k < len(marks) / 2 else 4, font={"size": 12, "color": DEADLINE},
                              bgcolor="rgba(255,255,255,0.85)")
    return figure


def monthly_availability(rows: pd.DataFrame, service: str, lines: Mapping[str, float] | None = None,
                         lang: str = "en", colours: Mapping[str, str] | None = None,
                         service_name: str | None = None, metric: str = "availability_month",
                         scenarios: Sequence[str] | None = None) -> go.Figure:
    """Mean availability of each month per option, with dotted horizontal lines for the target and SLA
    (labels left and right, so that two close lines do not overprint)."""
    part = rows[(rows["scope"] == "service") & (rows["subject"] == service) & (rows["metric"] == metric)]
    table = part.groupby(["scenario", "period"], sort=False, observed=True)["value"].mean().reset_index()
    names = list(scenarios or dict.fromkeys(rows["scenario"]))
    colours = _colours(colours, names)
    figure = go.Figure()
    for scenario in names:
        series = table[table["scenario"] == scenario]
        if series.empty:
            continue
        figure.add_trace(go.Scatter(x=series["period"].astype(str), y=series["value"] * 100, mode="lines+markers",
                                    name=scenario, line={"color": colours[scenario]}, marker={"size": 5},
                                    hovertemplate="%{x}: %{y:.3f} %<extra>" + scenario + "</extra>"))
    figure = _layout(figure, say("chart.monthly_availability", lang, service=service_name or service),
                     say("chart.month", lang), say("chart.month_availability_axis", lang), lang=lang)
    _dates(figure, lang)
    levels = sorted((lines or {}).items(), key=lambda item: item[1])
    for k, (label, level) in enumerate(levels):
        figure.add_hline(y=level * 100, line_dash="dot", line_color=DEADLINE,
                         annotation_text=f"{label} {words.percent(level, lang, 1)}",
                         annotation_position="bottom right" if k % 2 == 0 else "top left",
                         annotation_font={"size": 12, "color": DEADLINE})
    values = table["value"].to_numpy() * 100
    if len(values):
        low = min([float(np.min(values))] + [v * 100 for _, v in levels])
        figure.update_yaxes(range=[low - (100 - low) * 0.08 - 0.01, 100 + (100 - low) * 0.08 + 0.01])
    return figure


def team_bars(summary: pd.DataFrame, metric: str, lang: str = "en", colours: Mapping[str, str] | None = None,
              names: Mapping[str, str] | None = None, scale: float = 1.0, lower: float | None = 0.0,
              upper: float | None = None, scenarios: Sequence[str] | None = None) -> tuple[go.Figure, bool]:
    """Mean of a team's metric per option (one colour per option, grouped by team) with 95 % error bars
    clipped at the physical bounds ``lower`` and ``upper``; returns the figure and whether a bar was clipped
    (a caption then says so)."""
    part = summary[(summary["scope"] == "team") & (summary["metric"] == metric) & (summary["period"] == "all")]
    options = [s for s in (scenarios or dict.fromkeys(part["scenario"])) if s in set(part["scenario"])]
    colours = _colours(colours, options)
    names = names or {}
    figure = go.Figure()
    clipped = False
    for scenario in options:
        rows = part[part["scenario"] == scenario]
        mean = rows["mean"].to_numpy() * scale
        half = rows["half_width"].fillna(0).to_numpy() * scale
        minus = np.minimum(half, mean - lower) if lower is not None else half
        plus = np.minimum(half, upper - mean) if upper is not None else half
        clipped = clipped or bool(np.any(minus < half - 1e-12) or np.any(plus < half - 1e-12))
        figure.add_trace(go.Bar(x=[names.get(s, s) for s in rows["subject"]], y=mean, name=scenario,
                                marker_color=colours[scenario],
                                error_y={"type": "data", "symmetric": False, "array": np.maximum(plus, 0).tolist(),
                                         "arrayminus": np.maximum(minus, 0).tolist()},
                                hovertemplate="%{y:.3g}<extra>" + scenario + "</extra>"))
    if metric == "utilisation":
        title, y_title = say("chart.utilisation", lang), say("chart.utilisation_axis", lang)
    else:
        title, y_title = say("chart.on_call_load", lang), say("chart.nights_axis", lang)
    figure = _layout(figure, title, say("chart.team", lang), y_title, lang=lang, barmode="group")
    figure.update_yaxes(rangemode="tozero")
    return figure, clipped


def offer_prices(summary: pd.DataFrame, offers: list[str], money: str = "EUR", lang: str = "en",
                 names: Mapping[str, str] | None = None) -> go.Figure:
    """Per offer and year, in thousands: fixed fees, variable fees, penalties received (below zero) and the
    business cost of downtime the penalties leave uncovered; a diamond marks the effective price."""
    names = names or {}
    means = summary.pivot_table(index="offer", columns="figure", values="mean", sort=False).reindex(offers) / 1000
    x = [names.get(o, o) for o in offers]
    parts = [("chart.fixed_fees", means["fees"], "#4e79a7"), ("chart.variable_fees", means["variable_fees"],
                                                                "#a0cbe8"),
             ("chart.penalties_received", -means["penalties"], "#59a14f"),
             ("chart.uncovered", means["uncovered_downtime"], "#e15759")]
    figure = go.Figure()
    for key, values, colour in parts:
        name = say(key, lang)
        figure.add_trace(go.Bar(name=name, x=x, y=values.tolist(), marker_color=colour,
                                customdata=[words.money(v * 1000, money, lang) for v in values],
                                hovertemplate="%{customdata}<extra>" + name + "</extra>"))
    figure.add_trace(go.Scatter(name=say("chart.effective_price", lang), x=x, y=means["effective_price"].tolist(),
                                mode="markers", marker={"symbol": "diamond", "size": 14, "color": "#222"},
                                customdata=[words.money(v * 1000, money, lang) for v in means["effective_price"]],
                                hovertemplate="%{customdata}<extra></extra>"))
    return _layout(figure, say("chart.offer_prices", lang), say("chart.offer", lang),
                   say("chart.offer_prices_axis", lang, unit=words.thousands(money)), lang=lang, barmode="relative")


def criterion_text(key: str, value: float, money: str = "EUR", lang: str = "en", high: float | None = None) -> str:
    """A criterion's value as read in a cell: money in thousands per year, shares in %, scores out of their
    scale's top."""
    if key in ("price", "uncovered_downtime"):
        return words.money(value, money, lang)
    if key == "availability":
        return words.percent(value, lang, 3)
    if key == "gtr_breach":
        return words.percent(value, lang, 1)
    score = words.number(value, lang, 0 if float(value).is_integer() else 1)
    return f"{score} / {words.number(high, lang, 0)}" if high is not None else score


def goodness(key: str, values: pd.Series, direction: str, scale: tuple[float, float] | None = None,
             target: float | None = None) -> pd.Series:
    """How good each value is, from 0 (red) to 1 (green), on a fixed scale rather than among the offers (so a
    4 out of 5 is never red because the others scored 5): a score on its scale (low 0, high 1); availability
    against the target (at the target 0.5, no downtime 1, twice the downtime the target allows 0); any other
    criterion by its ratio to the best offer's value (the best 1, half as much again 0.5, twice as much 0)."""
    values = values.astype(float)
    if scale is not None:
        low, high = scale
        return ((values - low) / (high - low)).clip(0, 1)
    if key == "availability" and target is not None and target < 1:
        return (1 - (1 - values) / (2 * (1 - target))).clip(0, 1)
    if key == "availability":
        values, direction = 1 - values, "min"  # compare downtime shares
    best = values.min() if direction == "min" else values.max()
    if not np.isfinite(best) or best <= 0:
        return (values == best).astype(float).where(values.notna())
    ratio = values / best
    return (2 - ratio).clip(0, 1) if direction == "min" else (2 * ratio - 1).clip(0, 1)


def criteria_heatmap(matrix: pd.DataFrame, directions: Mapping[str, str], labels: Mapping[str, str] | None = None,
                     money: str = "EUR", lang: str = "en", names: Mapping[str, str] | None = None,
                     scales: Mapping[str, float] | None = None, lows: Mapping[str, float] | None = None,
                     target: float | None = None) -> go.Figure:
    """Offers x criteria, coloured on a fixed scale (:func:`goodness`: green good, yellow middling, red poor),
    with the value written in each cell with its unit. ``scales`` and ``lows`` are the top and bottom of each
    scored criterion's scale (0 when no bottom is given); ``target`` the availability target, if any."""
    labels, names, scales, lows = labels or {}, names or {}, scales or {}, lows or {}
    good = pd.DataFrame(index=matrix.index)
    for column in matrix.columns:
        scale = (lows.get(column, 0.0), scales[column]) if column in scales else None
        good[column] = goodness(column, matrix[column], directions.get(column, "max"), scale, target)
    text = [[criterion_text(c, float(matrix.at[o, c]), money, lang, scales.get(c)) for c in matrix.columns]
            for o in matrix.index]
    x = [labels.get(c, c).replace(" ", "<br>", 1) if len(labels.get(c, c)) > 14 else labels.get(c, c)
         for c in matrix.columns]
    figure = go.Figure(go.Heatmap(
        z=good.to_numpy(), x=x, y=[names.get(o, o) for o in matrix.index], text=text, texttemplate="%{text}",
        textfont={"size": 13, "color": "#111"}, colorscale=[[0, "#f4a582"], [0.5, "#f7f7d0"], [1, "#8fd18a"]],
        zmin=0, zmax=1, showscale=False, xgap=2, ygap=2, hovertemplate="%{y} · %{x}: %{text}<extra></extra>"))
    figure = _layout(figure, say("chart.criteria", lang), say("chart.criterion", lang), say("chart.offer", lang),
                     legend=False, lang=lang, height=max(320, 170 + 70 * len(matrix.index)))
    figure.update_xaxes(side="bottom", tickangle=0)
    return figure


def breakeven_chart(points: list[tuple[float, float, float, float]], value: float | None,
                    band: tuple[float, float] | None, x_title: str, y_title: str, title: str,
                    lang: str = "en", today: float | None = None, today_label: str = "", value_label: str = "",
                    band_label: str = "") -> go.Figure:
    """The paired difference (A minus B) at each value tried, with its 95 % band, the zero line, the
    break-even with its interval (both in the legend when labelled), and today's value marked."""
    x = [p[0] for p in points]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=x + x[::-1], y=[p[3] for p in points] + [p[2] for p in points][::-1],
                                fill="toself", fillcolor="rgba(31,119,180,0.15)", line={"width": 0}, mode="lines",
                                hoverinfo="skip", name=say("chart.band", lang)))
    figure.add_trace(go.Scatter(x=x, y=[p[1] for p in points], mode="lines+markers",
                                name=say("chart.difference", lang), line={"color": OPTION_PALETTE[0]}))
    figure.add_hline(y=0, line={"color": "#444", "width": 1})
    low = min([p[2] for p in points] + [0.0])
    high = max([p[3] for p in points] + [0.0])
    if value is not None:
        if band is not None and all(np.isfinite(band)):
            figure.add_trace(go.Scatter(x=[band[0], band[1], band[1], band[0], band[0]], y=[low, low, high, high, low],
                                        fill="toself", fillcolor="rgba(214,39,40,0.08)", line={"width": 0},
                                        mode="lines", hoverinfo="skip", name=band_label or " ",
                                        showlegend=bool(band_label)))
        figure.add_trace(go.Scatter(x=[value, value], y=[low, high], mode="lines", hoverinfo="skip",
                                    line={"color": "#d62728", "dash": "dash"}, name=value_label or " ",
                                    showlegend=bool(value_label)))
    if today is not None and np.isfinite(today):
        figure.add_trace(go.Scatter(x=[today, today], y=[low, high], mode="lines", hoverinfo="skip",
                                    line={"color": "#2ca02c", "width": 2}, name=today_label or " ",
                                    showlegend=bool(today_label)))
    return _layout(figure, title, x_title, y_title, lang=lang)


def tornado(swings: list[tuple[str, float, float]], base: float, x_title: str, title: str,
            lang: str = "en") -> go.Figure:
    """Horizontal bars from the base difference to the difference at each assumption's low and high value,
    widest at the top; a bar crossing zero flips the decision."""
    names = [s[0] for s in swings][::-1]
    figure = go.Figure()
    figure.add_trace(go.Bar(y=names, x=[s[1] - base for s in swings][::-1], base=base, orientation="h",
                            name=say("chart.low", lang), marker_color="#4e79a7"))
    figure.add_trace(go.Bar(y=names, x=[s[2] - base for s in swings][::-1], base=base, orientation="h",
                            name=say("chart.high", lang), marker_color="#f28e2b"))
    figure.add_vline(x=0, line={"color": "#d62728", "width": 1})
    figure.add_vline(x=base, line={"color": "#444", "width": 1, "dash": "dot"})
    return _layout(figure, title, x_title, "", lang=lang, barmode="overlay",
                   height=max(HEIGHT, 140 + 34 * len(names)))
