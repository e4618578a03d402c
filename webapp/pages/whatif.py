"""What would it take: the break-even of one parameter between two options, the tornado of the assumptions,
the smallest change that makes one option match another, and whether on-call rotas are sustainable."""

import re

import pandas as pd
import streamlit as st

from reports import conclusions as said
from reports import report
from reports.conclusions import assumption_label, match_rows
from simulation.conclusions import (
    breakeven_conclusion,
    match_conclusion,
    parameter,
    rest_conclusion,
    tornado_conclusion,
)
from simulation.repricing import answers_at_once, breakeven_on_run
from simulation.verdict import verdict
from simulation.whatif import breakeven, match, sensitivity
from sourcing import words
from sourcing.errors import ScenarioError
from sourcing.paths import path_text, quantity, study_data
from webapp import charts, session
from webapp.i18n import t

language = session.lang()
scenario = session.active()
study = scenario.study
names = [s.name for s in study.scenarios]
seed = int(st.session_state.get("seed", 1))
currency = study.currency
years = study.calendar.horizon
unit = words.thousands(currency)

st.title(t("page.whatif", language))
st.caption(t("whatif.intro", language))


def numeric_paths(data, path=()) -> list[str]:
    """Every value of the file that is a number, an amount, a duration or a share (what can vary)."""
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            out += numeric_paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += numeric_paths(value, (*path, i))
    elif path and path[0] not in ("name", "calendar", "scenarios", "baseline", "currency"):
        try:
            quantity(data)
            out.append(path_text(path))
        except ValueError:
            pass
    return out


def cached(key: tuple, compute):
    return session.remember(("whatif", session.digest(scenario.text), seed, *key), compute)


paths = numeric_paths(study_data(study))
if len(names) < 2:
    st.info(t("whatif.two", language))
    st.stop()


def named(path: str) -> str:
    """A parameter of the file in the reader's words (the path is the key, never shown)."""
    return said.parameter_text(parameter(path, study.names), language)


def title(path: str) -> str:
    """The parameter's words as a label or an axis title: capitalised."""
    text = named(path)
    return text[:1].upper() + text[1:]


run = session.results(scenario)
decision = verdict(run, study, seed=run.seed)
# The recommended option and the one it is weighed against (its runner-up, or the next cheapest when it is
# the only one meeting the targets): the pair every tool opens on.
pair = ((decision.recommended, decision.next_option) if decision.decided and decision.next_option
        else (names[0], names[1]))


def offers_of(option: str) -> set[str]:
    """The identifiers an option's entry names (its teams, provider offers and SaaS offers)."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.add(node)

    walk(next((entry for entry in study_data(study).get("scenarios", []) if entry.get("name") == option), {}))
    return found


def first_price(options: tuple[str, ...]) -> int:
    """The price of the recommended option's offer (else of the one it is weighed against, else any monthly
    fee): the break-even a director asks first ("below what price does it stay the cheaper?")."""
    for option in options:
        owned = offers_of(option)
        for i, p in enumerate(paths):
            parts = p.split(".")
            if len(parts) > 2 and parts[1] in owned and p.endswith(("price_per_user_month", "fees.monthly")):
                return i
    return next((i for i, p in enumerate(paths) if p.endswith("fees.monthly")), 0)

breakeven_tab, tornado_tab, match_tab, rest_tab = st.tabs([
    t("whatif.breakeven", language), t("whatif.tornado", language), t("whatif.match", language),
    t("whatif.sustainability", language)])

with breakeven_tab:
    left, right, middle = st.columns(3)
    a = left.selectbox(t("whatif.option_a", language), names, index=names.index(pair[0]), key="be_a")
    b = right.selectbox(t("whatif.option_b", language), names, index=names.index(pair[1]), key="be_b")
    path = middle.selectbox(t("whatif.parameter", language), paths, key="be_path", format_func=title,
                            index=first_price(pair))
    on = st.radio(t("whatif.on", language), ["cost", "availability"], horizontal=True, key="be_on",
                  format_func=lambda k: t(f"whatif.on_{k}", language))
    # A price on cost is solved on the run already simulated (its ledger re-valued at every price): at once,
    # without a button; anything else simulates each value tried.
    at_once = answers_at_once(path, on)
    if at_once:
        st.caption(t("whatif.at_once", language,
                     replications=words.count(run.replications, "count.replications", language)))
    else:
        replications = st.slider(t("whatif.replications_each", language), 20, 200, 40, step=10, key="be_n")
    if a == b:
        st.warning(t("whatif.two_different", language))
    elif at_once:
        try:
            st.session_state["be_result"] = cached(("breakeven-run", a, b, path, run.replications),
                                                   lambda: breakeven_on_run(run.as_results(), a, b, path))
        except ScenarioError as exc:
            st.error(session.problems_text(exc))
    elif st.button(t("whatif.find_breakeven", language), key="be_go", type="primary"):
        try:
            st.session_state["be_result"] = cached(("breakeven", a, b, path, on, replications),
                                                   lambda: breakeven(study, a, b, path, replications, seed, on=on))
        except ScenarioError as exc:
            st.error(session.problems_text(exc))
    found = st.session_state.get("be_result")
    if found is not None and (found.a, found.b, found.path) == (a, b, path):
        conclusion = breakeven_conclusion(found, study.names)
        (st.info if conclusion.today_winner is None else st.success)(said.breakeven_sentence(conclusion, language))
        scale = 1000 if found.metric == "economic_cost" else 0.01
        points = [(x, d.mean / scale, d.low / scale, d.high / scale) for x, d in found.points]
        y_title = (t("whatif.difference_cost", language, horizon=words.horizon(years, language), unit=unit)
                   if found.metric == "economic_cost" else t("whatif.difference_availability", language))
        per = said.per_text(conclusion.parameter.per, language) if found.unit else ""
        x_unit = f"{words.symbol(found.unit)}{per}" if found.unit and found.unit not in ("%", "h") else found.unit
        st.plotly_chart(charts.breakeven_chart(
            points, found.value, (found.low, found.high),
            f"{title(path)} ({x_unit})" if x_unit else title(path), y_title,
            t("chart.breakeven", language, a=a, b=b, parameter=named(path)), lang=language, today=found.current,
            today_label=t("conclusion.today_label", language, value=said.value_text(
                found.current, found.unit, conclusion.parameter.per, language)),
            value_label=t("conclusion.breakeven_line", language), band_label=t("conclusion.breakeven_band", language)),
            width="stretch")
        table = pd.DataFrame([{path: x, "difference": d.mean, "ci_low": d.low, "ci_high": d.high}
                              for x, d in found.points])
        st.download_button(t("app.download_csv", language), table.to_csv(index=False).encode(), "breakeven.csv",
                           "text/csv", key="be_csv")

with tornado_tab:
    replications = st.slider(t("whatif.replications_each", language), 10, 100, 20, step=10, key="to_n")
    if st.button(t("whatif.rank_assumptions", language), key="to_go", type="primary"):
        st.session_state["to_result"] = cached(("tornado", replications, pair),
                                               lambda: sensitivity(study, replications=replications, seed=seed,
                                                                   pair=pair))
    found = st.session_state.get("to_result")
    if found is not None:
        over = words.horizon(years, language)
        conclusion = tornado_conclusion(found)
        lines = said.tornado_sentences(conclusion, assumption_label, currency, language)
        (st.success if conclusion.holds else st.warning)("\n\n".join(lines))
        st.markdown(t("whatif.tornado_note", language, winner=found.winner, runner=found.runner_up, horizon=over,
                      amount=words.money(-found.base.mean, currency, language)))
        swings = [(f"{assumption_label(s.assumption, language)} ({said.move_text(s.low, s.additive, language)}"
                   f" / {said.move_text(s.high, s.additive, language)})" + (" ⚠" if s.flips else ""),
                   s.at_low.mean / 1000, s.at_high.mean / 1000) for s in found.swings]
        st.plotly_chart(charts.tornado(swings, found.base.mean / 1000,
                                       t("chart.tornado_axis", language, winner=found.winner, runner=found.runner_up,
                                         unit=unit),
                                       t("chart.tornado", language, winner=found.winner, runner=found.runner_up,
                                         horizon=over), lang=language), width="stretch")
        st.dataframe(pd.DataFrame(said.tried_rows(conclusion, assumption_label, currency, language)),
                     hide_index=True, width="stretch")
        table = pd.DataFrame([{"assumption": s.assumption, "low": s.low, "high": s.high, "at_low": s.at_low.mean,
                               "at_high": s.at_high.mean, "flips": s.flips} for s in found.swings])
        st.download_button(t("app.download_csv", language), table.to_csv(index=False).encode(), "tornado.csv",
                           "text/csv", key="to_csv")

with match_tab:
    left, right = st.columns(2)
    a = left.selectbox(t("whatif.option_improve", language), names, index=0, key="ma_a")
    b = right.selectbox(t("whatif.option_match", language), names, index=len(names) - 1, key="ma_b")
    path = st.selectbox(t("whatif.parameter", language), paths, key="ma_path", format_func=title,
                        index=next((i for i, p in enumerate(paths) if p.endswith("].count")), 0))
    typed = st.multiselect(t("whatif.values_to_try", language), [], key="ma_values", accept_new_options=True,
                           placeholder=t("whatif.values_placeholder", language))
    values = "|".join(typed)
    on = st.radio(t("whatif.on", language), ["availability", "gtr-compliance", "cost"], horizontal=True,
                  key="ma_on", format_func=lambda k: t(f"whatif.on_{k}", language))
    if a != b and st.button(t("whatif.find_match", language), key="ma_go", type="primary"):
        import yaml

        # A value as the reader types it: "3,5" is 3.5 in French; "2500 EUR" or "4h" as in the file.
        tried = [yaml.safe_load(v.strip().replace(",", ".") if re.fullmatch(r"\s*-?\d+,\d+\s*", v) else v.strip())
                 for v in typed] or None
        try:
            st.session_state["ma_result"] = cached(("match", a, b, path, values, on),
                                                   lambda: match(study, a, b, path, tried, on, 30, seed))
        except ScenarioError as exc:
            st.error(session.problems_text(exc))
    found = st.session_state.get("ma_result")
    if found is not None:
        (st.info if found.found is None else st.success)(
            said.match_sentence(match_conclusion(found, study.names), currency, language))
        st.dataframe(pd.DataFrame(match_rows(found, currency, language)), hide_index=True, width="stretch")
        raw = pd.DataFrame([{found.path: s.value, "difference": s.difference.mean, "ci_low": s.difference.low,
                             "ci_high": s.difference.high, "p_at_least_as_good": s.probability,
                             "cost_per_year": s.cost_per_year} for s in found.steps])
        st.download_button(t("app.download_csv", language), raw.to_csv(index=False).encode(), "match.csv",
                           "text/csv", key="ma_csv")

with rest_tab:
    from simulation.sustainability import METRICS

    part = run.summary[(run.summary["scope"] == "team") & run.summary["metric"].isin(METRICS)
                       & (run.summary["period"] == "all")]
    if part.empty:
        st.info(t("whatif.no_team", language))
    for (option, team), rows in part.groupby(["scenario", "subject"], observed=True):
        figures = dict(zip(rows["metric"], rows["mean"]))
        conclusion = rest_conclusion(str(option), str(team), figures)
        with st.container(border=True):
            sentence = said.rest_sentence(conclusion, study.name_of(str(team)), language)
            (st.warning if conclusion.above else st.info if conclusion.near else st.success)(sentence)
            st.dataframe(pd.DataFrame(said.rest_rows(conclusion, language)), hide_index=True, width="stretch")
            others = {m: v for m, v in figures.items() if m not in {c.metric for c in conclusion.checks}}
            if others:
                st.dataframe(pd.DataFrame({
                    t("app.figure", language): [report.label(m, language) for m in others],
                    t("app.mean", language): [words.quantity(v, report.unit(m), currency, language)
                                              for m, v in others.items()]}),
                    hide_index=True, width="stretch")
