"""Chart builders: plain functions from data frames to plotly figures (no Streamlit here), shared by
the app's pages and the HTML report."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from simulation.compare import scenario_values
from sourcing.money import CATEGORIES

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31")
LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
          "legend": {"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0}}


def _identity(text: str) -> str:
    return text


def cost_breakdown(summary: pd.DataFrame, per_year: bool = False, money: str = "EUR",
                   category_label: Callable[[str], str] = _identity, title: str = "Cost breakdown") -> go.Figure:
    """Stacked bars of mean cost per category and scenario; received penalties and credits go below zero.

    ``per_year`` draws one stack per scenario and scenario year.
    """
    part = summary[(summary["scope"] == "scenario") & summary["metric"].str.startswith("cost.")]
    part = part[(part["period"] != "all") if per_year else (part["period"] == "all")]
    scenarios = list(dict.fromkeys(summary["scenario"]))
    figure = go.Figure()
    for k, category in enumerate(CATEGORIES):
        rows = part[part["metric"] == f"cost.{category}"]
        if rows.empty or np.allclose(rows["mean"], 0):
            continue
        if per_year:
            x = [rows["period"].tolist(), rows["scenario"].tolist()]
        else:
            rows = rows.set_index("scenario").reindex(scenarios).reset_index()
            x = rows["scenario"].tolist()
        figure.add_trace(go.Bar(name=category_label(category), x=x, y=rows["mean"].tolist(),
                                marker_color=PALETTE[k % len(PALETTE)]))
    figure.update_layout(barmode="relative", title=title, yaxis_title=money, **LAYOUT)
    return figure


def cost_vs_availability(headline: pd.DataFrame, frontier: list[str], money: str = "EUR",
                         x_title: str = "Availability in agreed service time (%)",
                         y_title: str = "Economic cost", frontier_name: str = "Frontier",
                         title: str = "Cost versus availability") -> go.Figure:
    """Each scenario's mean economic cost against its availability, with 95 % error bars; the
    frontier (nobody cheaper and more available) is joined by a line."""
    cost = headline[headline["metric"] == "economic_cost"].set_index("scenario")
    availability = headline[headline["metric"] == "availability_service_time"].set_index("scenario")
    names = [s for s in cost.index if s in availability.index]
    figure = go.Figure()
    for k, name in enumerate(names):
        figure.add_trace(go.Scatter(
            x=[availability.at[name, "mean"] * 100], y=[cost.at[name, "mean"]], mode="markers+text",
            name=name, text=[name], textposition="top center",
            marker={"size": 14, "color": PALETTE[k % len(PALETTE)],
                    "symbol": "star" if name in frontier else "circle"},
            error_x={"type": "data", "array": [np.nan_to_num(availability.at[name, "half_width"]) * 100]},
            error_y={"type": "data", "array": [np.nan_to_num(cost.at[name, "half_width"])]},
        ))
    on = sorted((s for s in frontier if s in names), key=lambda s: availability.at[s, "mean"])
    if len(on) > 1:
        figure.add_trace(go.Scatter(x=[availability.at[s, "mean"] * 100 for s in on],
                                    y=[cost.at[s, "mean"] for s in on], mode="lines", name=frontier_name,
                                    line={"dash": "dash", "color": "#444"}))
    figure.update_layout(title=title, xaxis_title=x_title, yaxis_title=f"{y_title} ({money})", **LAYOUT)
    return figure


def paired_differences(differences: pd.DataFrame, metric: str, scale: float = 1.0, unit: str = "",
                       title: str = "Against the baseline") -> go.Figure:
    """Mean paired difference of one metric against the baseline per scenario, with its 95 % CI."""
    part = differences[differences["metric"] == metric]
    mean = part["mean"] * scale
    figure = go.Figure(go.Bar(
        y=part["scenario"], x=mean, orientation="h",
        marker_color=np.where(mean < 0, "#2ca02c", "#d62728").tolist(),
        error_x={"type": "data", "symmetric": False, "array": (part["ci_high"] * scale - mean).tolist(),
                 "arrayminus": (mean - part["ci_low"] * scale).tolist()},
    ))
    figure.add_vline(x=0, line_color="#444")
    figure.update_layout(title=title, xaxis_title=unit, **LAYOUT)
    return figure


def cost_distribution(rows: pd.DataFrame, money: str = "EUR", title: str = "Distribution of economic cost",
                      metric: str = "economic_cost") -> go.Figure:
    """Economic cost of every replication, per scenario (box with all points)."""
    table = scenario_values(rows, metric)
    figure = go.Figure()
    for k, scenario in enumerate(table.columns):
        figure.add_trace(go.Box(y=table[scenario].dropna(), name=scenario, boxpoints="all", jitter=0.4,
                                marker_color=PALETTE[k % len(PALETTE)]))
    figure.update_layout(title=title, yaxis_title=money, showlegend=False, **{k: v for k, v in LAYOUT.items()
                                                                             if k != "legend"})
    return figure


def exceedance(rows: pd.DataFrame, money: str = "EUR", title: str = "Chance that economic cost exceeds…",
               metric: str = "economic_cost") -> go.Figure:
    """For each scenario, the share of replications whose cost exceeds each amount (survival curve)."""
    table = scenario_values(rows, metric)
    figure = go.Figure()
    for k, scenario in enumerate(table.columns):
        values = np.sort(table[scenario].dropna().to_numpy())
        share = 1 - np.arange(1, len(values) + 1) / len(values)
        figure.add_trace(go.Scatter(x=values, y=share * 100, mode="lines", line_shape="hv", name=scenario,
                                    line={"color": PALETTE[k % len(PALETTE)]}))
    figure.update_layout(title=title, xaxis_title=money, yaxis_title="%", **LAYOUT)
    return figure


def restoration_curves(incidents: pd.DataFrame, service: str, priority: str,
                       deadlines: Mapping[str, float] | None = None, title: str = "Time to restore",
                       x_title: str = "hours after declaration") -> go.Figure:
    """Cumulative share of incidents restored within each number of clock hours, per scenario
    (pooled over replications), with deadlines (targets, GTR) drawn as vertical lines."""
    part = incidents[(incidents["service"] == service) & (incidents["priority"] == priority)]
    figure = go.Figure()
    for k, scenario in enumerate(dict.fromkeys(incidents["scenario"])):
        ttr = part.loc[part["scenario"] == scenario, "ttr"].to_numpy()
        if not len(ttr):
            continue
        done = np.sort(ttr[~np.isnan(ttr)])
        share = np.arange(1, len(done) + 1) / len(ttr)
        figure.add_trace(go.Scatter(x=done, y=share * 100, mode="lines", line_shape="hv", name=scenario,
                                    line={"color": PALETTE[k % len(PALETTE)]}))
    for label, hours in (deadlines or {}).items():
        figure.add_vline(x=hours, line_dash="dot", line_color="#444", annotation_text=label,
                         annotation_position="top")
    figure.update_layout(title=f"{title} — {service} {priority}", xaxis_title=x_title, yaxis_title="%",
                         xaxis_type="log", **LAYOUT)
    return figure


def monthly_availability(rows: pd.DataFrame, service: str, lines: Mapping[str, float] | None = None,
                         metric: str = "availability_month", title: str = "Monthly availability") -> go.Figure:
    """Mean availability of each month per scenario, with horizontal lines for the target and SLA."""
    part = rows[(rows["scope"] == "service") & (rows["subject"] == service) & (rows["metric"] == metric)]
    table = part.groupby(["scenario", "period"], sort=False)["value"].mean().reset_index()
    figure = go.Figure()
    for k, scenario in enumerate(dict.fromkeys(rows["scenario"])):
        series = table[table["scenario"] == scenario]
        if series.empty:
            continue
        figure.add_trace(go.Scatter(x=series["period"], y=series["value"] * 100, mode="lines+markers",
                                    name=scenario, line={"color": PALETTE[k % len(PALETTE)]}))
    for label, level in (lines or {}).items():
        figure.add_hline(y=level * 100, line_dash="dot", line_color="#444", annotation_text=label)
    figure.update_layout(title=f"{title} — {service}", yaxis_title="%", **LAYOUT)
    return figure


def metric_bars(summary: pd.DataFrame, scope: str, metric: str, title: str, unit: str = "",
                scale: float = 1.0) -> go.Figure:
    """Mean of a metric per scenario and subject (team, person...) with 95 % error bars."""
    part = summary[(summary["scope"] == scope) & (summary["metric"] == metric) & (summary["period"] == "all")]
    figure = go.Figure()
    for k, subject in enumerate(dict.fromkeys(part["subject"])):
        rows = part[part["subject"] == subject]
        figure.add_trace(go.Bar(x=rows["scenario"], y=rows["mean"] * scale, name=subject,
                                error_y={"type": "data", "array": (rows["half_width"].fillna(0) * scale).tolist()},
                                marker_color=PALETTE[k % len(PALETTE)]))
    figure.update_layout(title=title, yaxis_title=unit, barmode="group", **LAYOUT)
    return figure


def offer_prices(summary: pd.DataFrame, offers: list[str], money: str = "EUR",
                 title: str = "What each offer really costs per year") -> go.Figure:
    """Per offer and year: fixed fees, variable fees, penalties received (below zero) and the business
    cost of downtime the penalties leave uncovered; a marker shows the effective price."""
    means = summary.pivot_table(index="offer", columns="figure", values="mean", sort=False).reindex(offers)
    parts = [("Fixed fees", means["fees"], PALETTE[0]), ("Variable fees", means["variable_fees"], PALETTE[1]),
             ("Penalties received", -means["penalties"], PALETTE[2]),
             ("Downtime not covered by penalties", means["uncovered_downtime"], PALETTE[3])]
    figure = go.Figure()
    for name, values, colour in parts:
        figure.add_trace(go.Bar(name=name, x=offers, y=values.tolist(), marker_color=colour))
    figure.add_trace(go.Scatter(name="Effective price", x=offers, y=means["effective_price"].tolist(),
                                mode="markers", marker={"symbol": "diamond", "size": 14, "color": "#222"}))
    figure.update_layout(barmode="relative", title=title, yaxis_title=f"{money} per year", **LAYOUT)
    return figure


def criteria_heatmap(matrix: pd.DataFrame, directions: Mapping[str, str], labels: Mapping[str, str] | None = None,
                     title: str = "Criteria per offer") -> go.Figure:
    """Offers x criteria, coloured by how good each value is among the offers (1 best, 0 worst), with the
    raw value written in each cell."""
    labels = labels or {}
    good = pd.DataFrame(index=matrix.index)
    for column in matrix.columns:
        values = matrix[column].astype(float)
        span = values.max() - values.min()
        scaled = (values - values.min()) / span if span > 0 else values * 0 + 1
        good[column] = scaled if directions.get(column) == "max" else 1 - scaled
    text = matrix.map(lambda v: f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}")
    figure = go.Figure(go.Heatmap(z=good.to_numpy(), x=[labels.get(c, c) for c in matrix.columns],
                                  y=list(matrix.index), text=text.to_numpy(), texttemplate="%{text}",
                                  colorscale="RdYlGn", zmin=0, zmax=1, showscale=False))
    figure.update_layout(title=title, **{k: v for k, v in LAYOUT.items() if k != "legend"})
    return figure


def breakeven_chart(points: list[tuple[float, float, float, float]], value: float | None,
                    band: tuple[float, float] | None, x_title: str, y_title: str,
                    title: str = "Break-even") -> go.Figure:
    """The paired difference (A minus B) at each value tried, with its 95 % band, the zero line, and the
    break-even with its interval."""
    x = [p[0] for p in points]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=x + x[::-1], y=[p[3] for p in points] + [p[2] for p in points][::-1],
                                fill="toself", fillcolor="rgba(31,119,180,0.15)", line={"width": 0},
                                hoverinfo="skip", name="95 %"))
    figure.add_trace(go.Scatter(x=x, y=[p[1] for p in points], mode="lines+markers", name=y_title,
                                line={"color": PALETTE[0]}))
    figure.add_hline(y=0, line={"color": "#444", "width": 1})
    if value is not None:
        figure.add_vline(x=value, line={"color": PALETTE[3], "dash": "dash"})
        if band is not None and all(np.isfinite(band)):
            figure.add_vrect(x0=band[0], x1=band[1], fillcolor="rgba(214,39,40,0.08)", line_width=0)
    figure.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, **LAYOUT)
    return figure


def tornado(swings: list[tuple[str, float, float]], base: float, x_title: str, title: str = "Tornado") -> go.Figure:
    """Horizontal bars from the base difference to the difference at each assumption's low and high value,
    widest at the top; a bar crossing zero flips the decision."""
    names = [s[0] for s in swings][::-1]
    figure = go.Figure()
    figure.add_trace(go.Bar(y=names, x=[s[1] - base for s in swings][::-1], base=base, orientation="h",
                            name="low", marker_color=PALETTE[0]))
    figure.add_trace(go.Bar(y=names, x=[s[2] - base for s in swings][::-1], base=base, orientation="h",
                            name="high", marker_color=PALETTE[1]))
    figure.add_vline(x=0, line={"color": "#d62728", "width": 1})
    figure.add_vline(x=base, line={"color": "#444", "width": 1, "dash": "dot"})
    figure.update_layout(barmode="overlay", title=title, xaxis_title=x_title, **LAYOUT)
    return figure
