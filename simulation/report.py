"""Headline tables drawn from a run: what the command line prints, the app shows and the reports reuse.

Each section is a titled DataFrame with one row per figure and one column per scenario; cells
are :class:`Cell` (a mean with its 95 % half-width) or :class:`Span` (a paired difference with
its interval) or plain text, so every door into the core shows the same numbers. Titles and row
labels come from the catalogue (:mod:`sourcing.words`) in the reader's language (English unless
``lang`` says otherwise); a cell is written in the reader's locale by ``cell.text(currency, lang)``.
Money rows and other totals say the horizon they add up ("over 5 years").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from sourcing import words

from .compare import Comparison
from .metrics import METRICS, TOTALS

SCENARIO_HEADLINES = ("cost_of_ownership", "cost_of_ownership_npv", "downtime_cost", "received", "economic_cost",
                      "economic_cost_npv")
SERVICE_HEADLINES = ("availability_service_time", "availability_24_7", "downtime_hours", "outages", "backlog",
                     "months_below_target", "sla_availability", "months_below_sla", "credits_received")
SERVICE_BY_PRIORITY = ("ttr_mean", "open_at_horizon", "ttr_p90", "within_target")
CONTRACT_HEADLINES = ("gti_compliance", "gtr_compliance", "gtr_breaches", "penalties_due", "penalties_before_cap",
                      "cap_binding_months", "tickets", "escalations")
TEAM_HEADLINES = ("utilisation", "callouts_per_month", "nights_disturbed_per_person_month", "overtime_hours",
                  "vacancy_share")


@dataclass(frozen=True)
class Cell:
    """A mean with its confidence-interval half-width and the replications behind it."""

    mean: float
    half_width: float
    n: int
    unit: str

    def text(self, currency: str = "EUR", lang: str = "en") -> str:
        return format_value(self.mean, self.half_width, self.unit, currency, lang)


@dataclass(frozen=True)
class Span:
    """A paired difference and its confidence interval."""

    mean: float
    low: float
    high: float
    unit: str

    def text(self, currency: str = "EUR", lang: str = "en") -> str:
        return words.interval(self.mean, self.low, self.high, self.unit, currency, lang)


def format_value(mean: float, half: float, unit: str, currency: str = "EUR", lang: str = "en") -> str:
    """``mean ± half`` in the metric's unit (percentages for shares, thousands for money), in the reader's
    locale: ``1,228.3 k€ ± 6.4`` / ``1 228,3 k€ ± 6,4``."""
    if pd.isna(mean):
        return words.say("unit.missing", lang)
    return words.estimate(mean, None if pd.isna(half) else half, unit, currency, lang)


def cell_text(value, currency: str = "EUR", lang: str = "en") -> str:
    """A table cell as text: a :class:`Cell` or :class:`Span` in the reader's locale, anything else as is."""
    if hasattr(value, "text"):
        return value.text(currency, lang)
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def years_of(summary: pd.DataFrame) -> int | None:
    """The horizon in years of a summary: the number of its yearly periods (Y1, Y2...)."""
    periods = {str(p) for p in summary["period"].unique()} if "period" in summary else set()
    found = [p for p in periods if re.fullmatch(r"Y\d+", p)]
    return len(found) or None


def label(metric: str, lang: str = "en", years: int | None = None) -> str:
    """Human label of a metric such as ``ttr_mean P1``; a total over the horizon says so when ``years`` is
    given ("Cost of ownership over 5 years")."""
    name, _, priority = metric.partition(" ")
    key = f"metric.{name}"
    text = words.say(key, lang) if words.known(key) else name
    if years and name in TOTALS:
        text = f"{text} {words.horizon(years, lang)}"
    return f"{text} {priority}".strip()


def unit(metric: str) -> str:
    return METRICS[metric].unit if metric in METRICS else ""


def decision_sections(comparison: Comparison, lang: str = "en", years: int | None = None) -> list[
        tuple[str, pd.DataFrame]]:
    """The comparison at a glance, the paired differences against the baseline, and the risk tail."""
    say = words.say
    over = words.horizon(years, lang) if years else ""
    scenarios = list(dict.fromkeys(comparison.headline["scenario"]))
    table: dict[str, dict] = {}
    for row in comparison.headline.itertuples(index=False):
        table.setdefault(label(row.metric, lang, years), {})[row.scenario] = Cell(row.mean, row.half_width, row.n,
                                                                                 unit(row.metric))
    table[say("section.frontier", lang)] = {s: say("app.yes" if s in comparison.frontier else "app.no", lang)
                                            for s in scenarios}
    out = [(say("section.comparison", lang), pd.DataFrame.from_dict(table, orient="index", columns=scenarios))]
    others = [s for s in scenarios if s != comparison.baseline]
    if not comparison.differences.empty and others:
        diffs: dict[str, dict] = {}
        for row in comparison.differences.itertuples(index=False):
            diffs.setdefault(label(row.metric, lang, years), {})[row.scenario] = Span(row.mean, row.ci_low,
                                                                                     row.ci_high, unit(row.metric))
        out.append((say("section.against", lang, baseline=comparison.baseline),
                    pd.DataFrame.from_dict(diffs, orient="index", columns=others)))
    out.append((say("section.risk", lang), risk_table(comparison, lang, over)))
    return out


def risk_table(comparison: Comparison, lang: str = "en", over: str = "") -> pd.DataFrame:
    """Rows: P95 of economic cost and of downtime, the chance of a month below target or SLA, the months
    below; columns: scenarios."""
    say = words.say
    risk = comparison.risk.set_index("scenario")

    def present(column: str) -> list[str]:
        return [s for s in risk.index if risk.at[s, column] == risk.at[s, column]]

    tail = {
        say("section.p95_cost", lang, horizon=over).strip(): {
            s: Cell(risk.at[s, "p95_economic_cost"], float("nan"), 0, "money") for s in risk.index},
        say("section.p95_downtime", lang, horizon=over).strip(): {
            s: Cell(risk.at[s, "p95_downtime_hours"], float("nan"), 0, "h") for s in risk.index},
        say("section.p_month_below", lang): {
            s: Cell(risk.at[s, "p_month_below"], float("nan"), 0, "probability") for s in present("p_month_below")},
        say("section.months_below", lang, horizon=over).strip(): {
            s: Cell(risk.at[s, "months_below"], float("nan"), 0, "count") for s in present("months_below")},
    }
    return pd.DataFrame.from_dict(tail, orient="index", columns=list(risk.index))


def sections(summary: pd.DataFrame, lang: str = "en", names: dict[str, str] | None = None,
             years: int | None = None) -> list[tuple[str, pd.DataFrame]]:
    """Titled tables with one row per metric and one column per scenario, each cell a :class:`Cell`:
    costs, then one section per service, per provider contract and per team. ``names`` maps an offer's
    or a team's identifier to what the reader calls it (``Study.names``). ``years`` is the horizon the
    totals add up over, said in their labels: by default the summary's own (its yearly periods); 0 when
    the scenarios run over different horizons (the caller then says each one's)."""
    say = words.say
    names = names or {}
    years = years_of(summary) if years is None else years
    over = words.horizon(years, lang) if years else ""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    categories = tuple(m for m in dict.fromkeys(summary.loc[summary["scope"] == "scenario", "metric"])
                       if m.startswith("cost."))
    out = [(say("section.costs", lang, horizon=over).strip(),
            comparison(summary, "scenario", "all", SCENARIO_HEADLINES, scenarios, lang=lang, years=years)),
           (say("section.breakdown", lang, horizon=over).strip(),
            comparison(summary, "scenario", "all", categories, scenarios, skip_zero=True, lang=lang, years=years))]
    for service in dict.fromkeys(summary.loc[summary["scope"] == "service", "subject"]):
        metrics = [(m, "") for m in SERVICE_HEADLINES] + [
            (m, p) for m in SERVICE_BY_PRIORITY for p in ("P1", "P2")]
        out.append((say("section.service", lang, name=service),
                    comparison(summary, "service", service, metrics, scenarios, lang=lang, years=years)))
    for contract in dict.fromkeys(summary.loc[summary["scope"] == "contract", "subject"]):
        metrics = [(m, "") for m in CONTRACT_HEADLINES] + [("gtr_compliance", p) for p in ("P1", "P2")]
        out.append((say("section.contract", lang, name=names.get(contract, contract)),
                    comparison(summary, "contract", contract, metrics, scenarios, lang=lang, years=years)))
    for team in dict.fromkeys(summary.loc[summary["scope"] == "team", "subject"]):
        out.append((say("section.team", lang, name=names.get(team, team)),
                    comparison(summary, "team", team, TEAM_HEADLINES, scenarios, lang=lang, years=years)))
    return [(title, table) for title, table in out if not table.empty]


def comparison(summary: pd.DataFrame, scope: str, subject: str, metrics, scenarios: list[str],
               skip_zero: bool = False, lang: str = "en", years: int | None = None) -> pd.DataFrame:
    """Rows: metrics (optionally ``(metric, priority)`` pairs); columns: scenarios; cells: :class:`Cell`."""
    part = summary[(summary["scope"] == scope) & (summary["subject"] == subject) & (summary["period"] == "all")]
    index = {(row.scenario, row.metric, row.priority): row for row in part.itertuples(index=False)}
    table = {}
    for item in metrics:
        metric, priority = item if isinstance(item, tuple) else (item, "")
        cells = {}
        for scenario in scenarios:
            row = index.get((scenario, metric, priority))
            if row is not None:
                cells[scenario] = Cell(row.mean, row.half_width, int(row.n), unit(metric))
        if cells and not (skip_zero and all(abs(c.mean) < 1e-9 for c in cells.values())):
            table[label(f"{metric} {priority}".strip(), lang, years)] = cells
    return pd.DataFrame.from_dict(table, orient="index", columns=scenarios) if table else pd.DataFrame()


def _eligibility(short, lang: str) -> str:
    """Whether an offer meets the monthly availability targets, and if not, by how much (in a cell)."""
    if short is None:
        return words.say("figure.meets_target_yes", lang)
    return words.say("figure.meets_target_no", lang, share=words.percent(short.months_meeting, lang, 0),
                     target=words.percent(short.target, lang), required=words.percent(short.required, lang, 0))


def offer_sections(comparison, lang: str = "en") -> list[tuple[str, pd.DataFrame]]:
    """Procurement: each offer's figures on the same incidents, the ranking, and how far each weight must
    move before the winner changes. Offers are columns, named as the buyer calls them."""
    from sourcing.tender import criterion_label

    from .procurement import FIGURES, figure_label

    say = words.say
    tender = comparison.tender
    offers = list(tender.offers)
    columns = [tender.name_of(o) for o in offers]
    summary = comparison.summary.set_index(["offer", "figure"])
    figures = {}
    for figure, kind in FIGURES.items():
        figures[figure_label(figure, lang)] = {
            tender.name_of(o): Cell(summary.at[(o, figure), "mean"], summary.at[(o, figure), "half_width"],
                                    int(summary.at[(o, figure), "n"]), kind)
            for o in offers if (o, figure) in summary.index}
    if any(service.availability_target is not None for service in comparison.study.services.values()):
        figures[say("figure.meets_target", lang)] = {
            tender.name_of(o): _eligibility(comparison.shortfalls.get(o), lang) for o in offers}
    for key, criterion in tender.criteria.items():
        row = say("ranking.score", lang, label=criterion_label(key, tender.criteria, lang),
                  low=words.number(criterion.low, lang, 0), high=words.number(criterion.high, lang, 0))
        figures[row] = {tender.name_of(o): words.number(tender.offers[o].scores[key], lang, 0) for o in offers}
    out = [(say("section.offers", lang), pd.DataFrame.from_dict(figures, orient="index", columns=columns)),
           (say("section.weights", lang), weights_table(comparison.ranking, tender, lang))]
    scores = comparison.ranking.scores
    ranking = {
        say("ranking.weighted_sum_score", lang): {
            tender.name_of(o): words.number(scores.at[o, "weighted_sum"], lang, 3) for o in offers},
        say("ranking.weighted_sum_rank", lang): {tender.name_of(o): str(scores.at[o, "weighted_sum_rank"])
                                                for o in offers},
        say("ranking.topsis_score", lang): {
            tender.name_of(o): words.number(scores.at[o, "topsis"], lang, 3) for o in offers},
        say("ranking.topsis_rank", lang): {tender.name_of(o): str(scores.at[o, "topsis_rank"]) for o in offers},
    }
    out.append((say("section.ranking", lang), pd.DataFrame.from_dict(ranking, orient="index", columns=columns)))
    margins: dict[str, dict] = {}
    for row in comparison.ranking.sensitivity.itertuples(index=False):
        name = say("ranking.weight", lang, criterion=criterion_label(row.criterion, tender.criteria, lang),
                   weight=words.percent(row.weight, lang, 0),
                   entered=words.decimal_text(comparison.ranking.entered[row.criterion], lang))
        margins.setdefault(name, {})[row.method] = _margin(row, tender, lang)
    if margins:
        winners = {m: tender.name_of(comparison.ranking.winner(m)) for m in ("weighted_sum", "topsis")}
        names = {"weighted_sum": say("ranking.column_weighted_sum", lang, winner=winners["weighted_sum"]),
                 "topsis": say("ranking.column_topsis", lang, winner=winners["topsis"])}
        out.append((say("section.sensitivity", lang),
                    pd.DataFrame.from_dict(margins, orient="index").rename(columns=names)))
    return out


def weights_table(ranking, tender, lang: str = "en") -> pd.DataFrame:
    """Each criterion's weight as the buyer entered it and as the ranking uses it, normalised to add up to
    100 % (``price=50`` among weights adding up to 115 counts for 43 %)."""
    from sourcing.tender import criterion_label

    say = words.say
    return pd.DataFrame({
        say("ranking.entered", lang): [words.decimal_text(v, lang) for v in ranking.entered.values()],
        say("ranking.normalised", lang): [words.percent(ranking.weights[k], lang, 1) for k in ranking.entered]},
        index=[criterion_label(k, tender.criteria, lang) for k in ranking.entered])


def _margin(row, tender, lang: str) -> str:
    parts = []
    if row.switch_below == row.switch_below:
        parts.append(words.say("ranking.lowered", lang, weight=words.percent(row.switch_below, lang, 0),
                               winner=tender.name_of(row.winner_below)))
    if row.switch_above == row.switch_above:
        parts.append(words.say("ranking.raised", lang, weight=words.percent(row.switch_above, lang, 0),
                               winner=tender.name_of(row.winner_above)))
    return "; ".join(parts) if parts else words.say("ranking.never", lang)


def ranking_sentences(comparison, lang: str = "en") -> list[str]:
    """What the two rankings say together: the same winner or not, which method to trust for what when
    they disagree, how close the decision is (the lead in score, and the smallest change of one weight that
    changes a winner)."""
    from sourcing.tender import criterion_label

    say = words.say
    tender = comparison.tender
    ranking = comparison.ranking
    scores = ranking.scores
    out = []
    leaders = {}
    for method in ("weighted_sum", "topsis"):
        ordered = scores[method].sort_values(ascending=False)
        second = ordered.index[1] if len(ordered) > 1 else None
        gap = float(ordered.iloc[0] - ordered.iloc[1]) if second is not None else float("nan")
        leaders[method] = (str(ordered.index[0]), None if second is None else str(second), gap)
    (ws, ws_second, ws_gap), (tp, tp_second, tp_gap) = leaders["weighted_sum"], leaders["topsis"]
    if ws == tp:
        out.append(say("ranking.agree", lang, winner=tender.name_of(ws)))
    else:
        out.append(say("ranking.disagree", lang, weighted=tender.name_of(ws), topsis=tender.name_of(tp)))
        out.append(say("ranking.trust", lang))
    if ws_second is not None:
        if ws == tp and ws_second == tp_second:
            out.append(say("ranking.lead_one", lang, winner=tender.name_of(ws), second=tender.name_of(ws_second),
                           gap=words.number(ws_gap, lang, 3), topsis_gap=words.number(tp_gap, lang, 3)))
        else:
            out.append(say("ranking.lead", lang, winner=tender.name_of(ws), second=tender.name_of(ws_second),
                           gap=words.number(ws_gap, lang, 3), topsis_winner=tender.name_of(tp),
                           topsis_second=tender.name_of(tp_second), topsis_gap=words.number(tp_gap, lang, 3)))
    sensitivity = ranking.sensitivity
    if not sensitivity.empty:
        moving = sensitivity.dropna(subset=["margin"])
        if moving.empty:
            out.append(say("ranking.steady", lang))
        else:
            row = moving.loc[moving["margin"].idxmin()]
            to = row["switch_below"] if abs(row["switch_below"] - row["weight"]) == row["margin"] else \
                row["switch_above"]
            out.append(say("ranking.nearest", lang, criterion=criterion_label(row["criterion"], tender.criteria, lang),
                           weight=words.percent(row["weight"], lang, 0), to=words.percent(to, lang, 0),
                           method=say(f"ranking.method_{row['method']}", lang)))
    return out
