"""The tables of a run and of a procurement comparison, each built once here as a :class:`~reports.tables.Table`
(one row per figure, one column per option; cells :class:`~reports.tables.Cell`, :class:`~reports.tables.Span`
or text) that every medium renders: the terminal, the app, HTML and Excel. Titles and row labels come from
the catalogue (:mod:`sourcing.words`) in the reader's language; money rows and other totals say the horizon
they add up ("over 5 years").
"""

from __future__ import annotations

import re

import pandas as pd

from simulation.compare import Comparison
from simulation.measures import METRICS, TOTALS
from sourcing import words

from .tables import Cell, Span, Table

SCENARIO_HEADLINES = ("cost_of_ownership", "cost_of_ownership_npv", "downtime_cost", "received", "economic_cost",
                      "economic_cost_npv")
SERVICE_HEADLINES = ("availability_service_time", "availability_24_7", "downtime_hours", "outages", "backlog",
                     "months_below_target", "sla_availability", "months_below_sla", "credits_received")
SERVICE_BY_PRIORITY = ("ttr_mean", "open_at_horizon", "ttr_p90", "within_target")
CONTRACT_HEADLINES = ("gti_compliance", "gtr_compliance", "gtr_breaches", "penalties_due", "penalties_before_cap",
                      "cap_binding_months", "tickets", "escalations")
TEAM_HEADLINES = ("utilisation", "callouts_per_month", "nights_disturbed_per_person_month", "overtime_hours",
                  "vacancy_share")


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


def decision_sections(comparison: Comparison, lang: str = "en", years: int | None = None) -> list[Table]:
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
    out = [Table("section.comparison", say("section.comparison", lang),
                 pd.DataFrame.from_dict(table, orient="index", columns=scenarios))]
    others = [s for s in scenarios if s != comparison.baseline]
    if not comparison.differences.empty and others:
        diffs: dict[str, dict] = {}
        for row in comparison.differences.itertuples(index=False):
            diffs.setdefault(label(row.metric, lang, years), {})[row.scenario] = Span(
                row.mean, row.ci_low, row.ci_high, unit(row.metric), int(row.n), bool(row.significant))
        out.append(Table("section.against", say("section.against", lang, baseline=comparison.baseline),
                         pd.DataFrame.from_dict(diffs, orient="index", columns=others)))
    out.append(Table("section.risk", say("section.risk", lang), risk_table(comparison, lang, over)))
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
             years: int | None = None) -> list[Table]:
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
    out = [Table("section.costs", say("section.costs", lang, horizon=over).strip(),
                 comparison(summary, "scenario", "all", SCENARIO_HEADLINES, scenarios, lang=lang, years=years)),
           Table("section.breakdown", say("section.breakdown", lang, horizon=over).strip(),
                 comparison(summary, "scenario", "all", categories, scenarios, skip_zero=True, lang=lang,
                            years=years))]
    for service in dict.fromkeys(summary.loc[summary["scope"] == "service", "subject"]):
        metrics = [(m, "") for m in SERVICE_HEADLINES] + [
            (m, p) for m in SERVICE_BY_PRIORITY for p in ("P1", "P2")]
        out.append(Table("section.service", say("section.service", lang, name=names.get(service, service)),
                         comparison(summary, "service", service, metrics, scenarios, lang=lang, years=years),
                         service))
    for contract in dict.fromkeys(summary.loc[summary["scope"] == "contract", "subject"]):
        metrics = [(m, "") for m in CONTRACT_HEADLINES] + [("gtr_compliance", p) for p in ("P1", "P2")]
        out.append(Table("section.contract", say("section.contract", lang, name=names.get(contract, contract)),
                         comparison(summary, "contract", contract, metrics, scenarios, lang=lang, years=years),
                         contract))
    for team in dict.fromkeys(summary.loc[summary["scope"] == "team", "subject"]):
        out.append(Table("section.team", say("section.team", lang, name=names.get(team, team)),
                         comparison(summary, "team", team, TEAM_HEADLINES, scenarios, lang=lang, years=years), team))
    return [table for table in out if not table.frame.empty]


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


def breach_text(breach, comparison, lang: str = "en") -> str:
    """One failed requirement in words: which, what the offer gives, what is required."""
    from sourcing.tender import criterion_label

    say = words.say
    if breach.requirement == "availability":
        short = breach.shortfall
        return say("eligibility.availability", lang, service=comparison.study.name_of(short.service),
                   share=words.percent(short.months_meeting, lang, 0), target=words.percent(short.target, lang),
                   required=words.percent(short.required, lang, 0))
    if breach.requirement == "coverage":
        return say("eligibility.coverage", lang, offered=breach.offered, required=breach.required)
    if breach.requirement == "gtr":
        required = words.hours(breach.required, lang, 0 if float(breach.required).is_integer() else 2)
        if breach.offered is None:
            return say("eligibility.gtr_none", lang, priority=breach.subject, required=required)
        return say("eligibility.gtr", lang, priority=breach.subject, required=required,
                   offered=words.hours(breach.offered, lang, 0 if float(breach.offered).is_integer() else 2))
    tender = comparison.tender
    return say("eligibility.score", lang, criterion=criterion_label(breach.subject, tender.criteria, lang),
               offered=words.decimal_text(breach.offered, lang), required=words.decimal_text(breach.required, lang))


def compliance_text(comparison, offer: str, lang: str = "en") -> str:
    """``Compliant``, or ``Non-compliant: `` and every requirement the offer fails (in a cell)."""
    found = comparison.breaches.get(offer)
    if not found:
        return words.say("eligibility.compliant", lang)
    return words.say("eligibility.non_compliant", lang, reasons="; ".join(breach_text(b, comparison, lang)
                                                                        for b in found))


def cost_table(comparison, lang: str = "en") -> pd.DataFrame:
    """The headline: each offer's simulated economic cost per year and over its contract (95 % intervals),
    cheapest compliant offer first, and whether it is compliant. Offers are rows."""
    say = words.say
    tender = comparison.tender
    summary = comparison.summary.set_index(["offer", "figure"])

    def cell(offer: str, figure: str):
        if (offer, figure) not in summary.index:
            return say("unit.missing", lang)
        return Cell(summary.at[(offer, figure), "mean"], summary.at[(offer, figure), "half_width"],
                    int(summary.at[(offer, figure), "n"]), "money")

    order = comparison.cost_order()
    return pd.DataFrame({
        say("figure.economic_cost_year", lang): [cell(o, "economic_cost_year") for o in order],
        say("figure.economic_cost_contract", lang): [
            f"{cell(o, 'economic_cost_contract').text(tender.currency, lang)} "
            f"({words.horizon(min(tender.offers[o].contract_years, comparison.study.calendar.horizon), lang)})"
            if (o, "economic_cost_contract") in summary.index else say("unit.missing", lang) for o in order],
        say("eligibility.column", lang): [compliance_text(comparison, o, lang) for o in order],
    }, index=[tender.name_of(o) for o in order])


def cost_sentences(comparison, lang: str = "en") -> list[str]:
    """The headline in words: the cheapest compliant offer a year and by how much the next one costs more,
    and which offers are non-compliant, ranked apart."""
    say = words.say
    tender = comparison.tender
    currency = tender.currency
    means = comparison.summary[comparison.summary["figure"] == "economic_cost_year"].set_index("offer")
    compliant = [o for o in comparison.cost_order() if o in set(comparison.compliant)]
    out = []

    def amount(offer: str) -> str:
        return words.estimate(float(means.at[offer, "mean"]), float(means.at[offer, "half_width"]), "money",
                              currency, lang)

    if not compliant:
        out.append(say("eligibility.none", lang))
    else:
        best = compliant[0]
        if len(compliant) == 1:
            out.append(say("eligibility.only", lang, offer=tender.name_of(best), cost=amount(best)))
        else:
            out.append(say("eligibility.cheapest", lang, offer=tender.name_of(best), cost=amount(best)))
        others = [o for o in comparison.cost_order() if o != best]
        if others:
            # against the next offer by cost, compliant or not (said which): paired on the same incidents
            other = min(others, key=lambda o: float(means.at[o, "mean"]))
            gap, half = comparison.difference(best, other)
            key = "eligibility.gap_more" if gap >= 0 else "eligibility.gap_less"
            out.append(say(key, lang, offer=tender.name_of(best), other=tender.name_of(other),
                           status=say("eligibility.status_yes" if other in set(comparison.compliant)
                                      else "eligibility.status_no", lang),
                           gap=words.estimate(abs(gap), half, "money", currency, lang),
                           settled=say("eligibility.gap_settled" if abs(gap) > half else "eligibility.gap_open",
                                       lang)))
    apart = [o for o in comparison.cost_order() if o in comparison.breaches]
    if apart:
        out.append(say("eligibility.apart", lang, offers=", ".join(f"**{tender.name_of(o)}**" for o in apart)))
    return out


def offer_sections(comparison, lang: str = "en") -> list[Table]:
    """Procurement: what each offer really costs a year and whether it is compliant (offers as rows), each
    offer's figures on the same incidents (offers as columns), the weights as entered and normalised, the
    ranking (compliant offers first, the others apart) and how far each weight must move before the winner
    changes. Offers are named as the buyer calls them."""
    from simulation.procurement import FIGURES
    from sourcing.tender import criterion_label

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
    out = [Table("section.offer_costs", say("section.offer_costs", lang), cost_table(comparison, lang)),
           Table("section.offers", say("section.offers", lang),
                 pd.DataFrame.from_dict(figures, orient="index", columns=columns)),
           Table("section.weights", say("section.weights", lang), weights_table(comparison.ranking, tender, lang)),
           Table("section.ranking", say("section.ranking", lang), ranking_table(comparison, lang))]
    margins: dict[str, dict] = {}
    for row in comparison.ranking.sensitivity.itertuples(index=False):
        name = say("ranking.weight", lang, criterion=criterion_label(row.criterion, tender.criteria, lang),
                   weight=words.percent(row.weight, lang, 0),
                   entered=words.decimal_text(comparison.ranking.entered[row.criterion], lang))
        margins.setdefault(name, {})[row.method] = _margin(row, tender, lang)
    if margins and len(comparison.compliant) != 1:  # one compliant offer comes first whatever the weights
        winners = {m: tender.name_of(comparison.ranking.winner(m)) for m in ("weighted_sum", "topsis")}
        names = {"weighted_sum": say("ranking.column_weighted_sum", lang, winner=winners["weighted_sum"]),
                 "topsis": say("ranking.column_topsis", lang, winner=winners["topsis"])}
        out.append(Table("section.sensitivity", say("section.sensitivity", lang),
                         pd.DataFrame.from_dict(margins, orient="index").rename(columns=names)))
    return out


def ranking_table(comparison, lang: str = "en") -> pd.DataFrame:
    """Offers as rows in the weighted sum's order, compliant offers first and the others apart: each method's
    score and rank (a non-compliant offer's rank says it is ranked apart)."""
    say = words.say
    tender = comparison.tender
    scores = comparison.ranking.scores
    order = comparison.standing("weighted_sum")
    apart = set(comparison.breaches)

    def rank_text(offer: str, method: str) -> str:
        number = str(int(scores.at[offer, f"{method}_rank"]))
        return say("ranking.apart_rank", lang, rank=number) if offer in apart else number

    return pd.DataFrame({
        say("eligibility.column", lang): [say("eligibility.compliant" if o not in apart else "eligibility.short_no",
                                              lang) for o in order],
        say("ranking.weighted_sum_score", lang): [words.number(scores.at[o, "weighted_sum"], lang, 3) for o in order],
        say("ranking.weighted_sum_rank", lang): [rank_text(o, "weighted_sum") for o in order],
        say("ranking.topsis_score", lang): [words.number(scores.at[o, "topsis"], lang, 3) for o in order],
        say("ranking.topsis_rank", lang): [rank_text(o, "topsis") for o in order],
    }, index=[tender.name_of(o) for o in order])


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
    """What the ranking says: which offer comes first among the compliant ones (the others are ranked apart),
    whether the two methods agree and which to trust for what when they do not, which neighbours cannot be
    told apart (the rule of :func:`simulation.procurement.ranking_uncertainty`), how close the decision is
    (the lead in score, and the smallest change of one weight that changes a winner)."""
    from simulation.procurement import BOOTSTRAP, SETTLED
    from sourcing.tender import criterion_label

    say = words.say
    tender = comparison.tender
    ranking = comparison.ranking
    scores = ranking.scores
    compliant = comparison.compliant
    out = []
    standings = {m: comparison.standing(m) for m in ("weighted_sum", "topsis")}
    ws, tp = ranking.winner("weighted_sum"), ranking.winner("topsis")
    if not compliant:
        out.append(say("ranking.none_compliant", lang))
    elif len(compliant) == 1:
        out.append(say("ranking.only_compliant", lang, winner=tender.name_of(compliant[0])))
    elif ws == tp:
        out.append(say("ranking.agree", lang, winner=tender.name_of(ws)))
    else:
        out.append(say("ranking.disagree", lang, weighted=tender.name_of(ws), topsis=tender.name_of(tp)))
    if ws != tp and len(compliant) > 1:
        out.append(say("ranking.trust", lang))
    elif standings["weighted_sum"] != standings["topsis"]:
        out.append(say("ranking.orders_differ", lang) + " " + say("ranking.trust", lang))
    close = [tie for tie in comparison.ties if not tie.settled]
    for tie in close:
        out.append(say("ranking.tie", lang, ahead=tender.name_of(tie.ahead), behind=tender.name_of(tie.behind),
                       method=say(f"ranking.method_{tie.method}", lang),
                       ahead_score=words.number(scores.at[tie.ahead, tie.method], lang, 3),
                       behind_score=words.number(scores.at[tie.behind, tie.method], lang, 3),
                       held=words.percent(tie.held, lang, 0)))
    if comparison.ties:
        replications = int(comparison.figures["replication"].nunique())
        rule = say("ranking.uncertainty_rule", lang, draws=words.number(BOOTSTRAP, lang, 0),
                   replications=words.count(replications, "count.replications", lang),
                   settled=words.percent(SETTLED, lang, 0))
        out.append(rule if close else say("ranking.all_settled", lang) + " " + rule)
    pairs = {m: [o for o in standings[m] if o in set(compliant)][:2] for m in standings}
    if all(len(p) == 2 for p in pairs.values()):
        (ws_first, ws_second), (tp_first, tp_second) = pairs["weighted_sum"], pairs["topsis"]
        ws_gap = float(scores.at[ws_first, "weighted_sum"] - scores.at[ws_second, "weighted_sum"])
        tp_gap = float(scores.at[tp_first, "topsis"] - scores.at[tp_second, "topsis"])
        if (ws_first, ws_second) == (tp_first, tp_second):
            out.append(say("ranking.lead_one", lang, winner=tender.name_of(ws_first),
                           second=tender.name_of(ws_second), gap=words.number(ws_gap, lang, 3),
                           topsis_gap=words.number(tp_gap, lang, 3)))
        else:
            out.append(say("ranking.lead", lang, winner=tender.name_of(ws_first), second=tender.name_of(ws_second),
                           gap=words.number(ws_gap, lang, 3), topsis_winner=tender.name_of(tp_first),
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


def figure_label(figure: str, lang: str = "en") -> str:
    """What a figure of an offer is called (``gtr_breach_P1``: the chance of breaching the GTR, P1)."""
    if figure.startswith("gtr_breach_P"):
        return words.say("figure.gtr_breach_priority", lang, priority=figure.removeprefix("gtr_breach_"))
    return words.say(f"figure.{figure}", lang)
