"""Display tables for the app: the core's figures as labelled text in the reader's language and locale
(no Streamlit here)."""

from __future__ import annotations

import pandas as pd

from reports.report import unit
from reports.tables import Table, cell_text, cells
from simulation.compare import Comparison
from sourcing import words

say = words.say

KPI_COLUMNS = (
    ("economic_cost", "compare.col_economic"),
    ("economic_cost_per_year", "compare.col_per_year"),
    ("cost_of_ownership", "compare.col_ownership"),
    ("availability_service_time", "compare.col_availability"),
    ("within_target", "compare.col_within"),
    ("gtr_compliance", "compare.col_gtr"),
)
"""The main table's columns: the figures a director decides on, each header with its unit and horizon."""


def kpi_table(decision: Comparison, currency: str, lang: str, years: int) -> pd.DataFrame:
    """The main table: one row per option, a few columns whose headers carry the unit and the horizon
    ("Economic cost over 5 years (k€)"), each cell a mean ± its 95 % half-width without the unit, and
    whether the option is on the cost/availability frontier. Few and short columns: it fits at 1,400 px."""
    head = decision.headline.set_index(["scenario", "metric"])
    scenarios = list(dict.fromkeys(decision.headline["scenario"]))
    over = words.horizon(years, lang)
    rows = []
    for scenario in scenarios:
        row = {}
        for metric, key in KPI_COLUMNS:
            source = "economic_cost" if metric == "economic_cost_per_year" else metric
            if (scenario, source) not in head.index:
                continue
            mean, half = head.at[(scenario, source), "mean"], head.at[(scenario, source), "half_width"]
            if metric == "economic_cost_per_year":
                mean, half = mean / years, half / years
            kind = unit(source)
            header = say(key, lang, horizon=over, unit=words.unit_label(kind, currency, lang))
            row[header] = words.estimate(mean, half, kind, currency, lang, bare=True)
        row[say("compare.col_frontier", lang)] = say("app.yes" if scenario in decision.frontier else "app.no", lang)
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index(scenarios, name=say("app.option", lang)))
    return table.dropna(axis=1, how="all").fillna("—")


def differences(shown: list[Table], currency: str, lang: str) -> pd.DataFrame:
    """Paired differences against the baseline, from the run's table of them: one row per option and figure,
    the difference with its interval, and whether it is established."""
    against = [table for table in shown if table.key == "section.against"]
    return pd.DataFrame([{say("app.option", lang): option, say("app.figure", lang): figure,
                          say("compare.difference", lang): cell_text(span, currency, lang),
                          say("compare.significant", lang): say("app.yes" if span.significant else "app.no", lang)}
                         for option, figure, span in (cells(against[0]) if against else ())])


def why(decision: Comparison, summary: pd.DataFrame, currency: str, lang: str, years: int | None = None) -> list[str]:
    """Plain sentences: which option is cheapest, which most available, and what drives the gap."""
    head = decision.headline
    cost = head[head["metric"] == "economic_cost"].set_index("scenario")["mean"]
    availability = head[head["metric"] == "availability_service_time"].set_index("scenario")["mean"]
    over = words.horizon(years, lang) if years else ""
    lines = [say("compare.cheapest", lang, s=cost.idxmin()), say("compare.most_available", lang,
                                                                   s=availability.idxmax())]
    diffs = decision.differences[decision.differences["metric"] == "economic_cost"]
    costs = summary[(summary["scope"] == "scenario") & summary["metric"].str.startswith("cost.")
                    & (summary["period"] == "all")].pivot_table(index="metric", columns="scenario", values="mean",
                                                               observed=True)
    for row in diffs.itertuples(index=False):
        if decision.baseline not in costs.columns or row.scenario not in costs.columns:
            continue
        delta = (costs[row.scenario] - costs[decision.baseline]).sort_values(key=abs, ascending=False)
        parts = ", ".join(f"{say('cost.' + m.removeprefix('cost.'), lang).lower()} "
                          f"{words.money(v, currency, lang, signed=True)}" for m, v in delta.head(3).items()
                          if abs(v) > 0.5)
        settled = "" if row.ci_low > 0 or row.ci_high < 0 else say("compare.not_established", lang)
        lines.append(say("compare.driver_less" if row.mean <= 0 else "compare.driver_more", lang, b=decision.baseline,
                         s=row.scenario, horizon=over, d=words.money(abs(row.mean), currency, lang),
                         span=words.saving_span(-row.ci_high, -row.ci_low, currency, lang), settled=settled))
        if parts:
            lines[-1] += " " + say("compare.shifts", lang, parts=parts)
    return lines
