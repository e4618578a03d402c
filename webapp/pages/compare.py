"""Compare page: the verdict first, each option at a glance, the main table, then why one wins."""

import html

import streamlit as st

from reports.report import decision_sections
from reports.tables import find, text
from reports.verdict import sentences
from simulation.compare import compare
from simulation.verdict import verdict
from sourcing import words
from sourcing.checks import notices
from webapp import charts, knobs, session, tables
from webapp.i18n import t

language = session.lang()
scenario = session.active()
run = session.results(scenario)
study = run.study
currency = study.currency
names = [s.name for s in study.scenarios]
years = study.calendar.horizon
colours = charts.option_colours(names)

st.title(study.name)
# The prices beside the verdict: drawn first (their values decide every figure below), each change answered
# from the run's ledger without simulating.
said, prices = st.columns([3, 2], gap="medium")
with prices.container(border=True):
    priced = knobs.panel(scenario, run, language)
run = priced.run
study = run.study
found = verdict(run, study, seed=run.seed)
with said:
    with st.container(border=True):
        st.subheader(t("verdict.title", language))
        for line in sentences(found, language, currency, run.replications, study.names):
            st.markdown(line)
    st.caption(t("app.run_note", language, n=run.replications, seed=run.seed))
    if priced.changed:
        st.info(t("knobs.repriced", language), icon=":material/sell:")

decision = compare(run.rows, study.baseline_name, run.controls, run.control_means, study, run.summary)
head = decision.headline.set_index(["scenario", "metric"])
best_cost = head.at[(found.recommended, "economic_cost"), "mean"]
over = words.horizon(years, language)
across = min(len(names), 4)
for start in range(0, len(names), across):
    row = names[start:start + across]
    for column, name in zip(st.columns(across), row):
        with column.container(border=True):
            cost = head.at[(name, "economic_cost"), "mean"]
            availability = head.at[(name, "availability_service_time"), "mean"]
            badge = (t("compare.recommended", language) if name == found.recommended and found.decided
                     else t("compare.excluded", language) if name in found.excluded else "&nbsp;")
            st.markdown(f"<span style='color:{colours[name]};font-size:1.3em'>■</span> "
                        f"**{html.escape(name)}**<br><small>{badge}</small>", unsafe_allow_html=True)
            st.metric(t("compare.card_cost", language, horizon=over), words.money(cost, currency, language),
                      delta=None if name == found.recommended else words.money(cost - best_cost, currency, language,
                                                                                signed=True),
                      delta_color="inverse", delta_arrow="off",
                      delta_description=None if name == found.recommended else t("compare.card_more", language))
            st.caption(t("compare.card_detail", language, per_year=words.money(cost / years, currency, language),
                         availability=words.percent(availability, language, 3)))
            if name in found.excluded:
                short = found.excluded[name]
                st.caption(t("compare.card_target", language, service=study.names.get(short.service, short.service),
                             below=words.number(short.months_below_per_year, language, 1),
                             target=words.percent(short.target, language)))

warnings = [n for n in notices(study) if n.kind == "warning"]
if warnings:
    with st.expander(t("app.warnings", language, values=words.count(len(warnings), "count.questioned", language))):
        for notice in warnings:
            st.markdown(f"- `{notice.field}`: {notice.message}")

st.subheader(t("compare.kpis", language))
shown_tables = decision_sections(decision, language, years)
st.table(tables.kpi_table(decision, currency, language, years))
st.caption(t("compare.table_note", language))

baseline = st.selectbox(t("compare.baseline", language), names, index=names.index(study.baseline_name),
                        key="baseline")
if baseline != study.baseline_name:
    decision = compare(run.rows, baseline, run.controls, run.control_means, study, run.summary)
with st.expander(t("compare.why", language), expanded=True):
    for line in tables.why(decision, run.summary, currency, language, years):
        st.markdown(f"- {line}")

# Only the open tab is drawn (a click on another reruns the page): a change of price redraws one chart.
breakdown, frontier, against, risk, details = st.tabs([
    t("compare.cost_breakdown", language), t("compare.cost_vs_availability", language),
    t("compare.differences", language), t("compare.risk", language), t("compare.details", language)],
    key="compare_tab", on_change="rerun")
if breakdown.open:
    with breakdown:
        per_year = st.toggle(t("compare.per_year", language), key="per_year")
        st.plotly_chart(charts.cost_breakdown(run.summary, per_year=per_year, money=currency, lang=language,
                                              years=years, scenarios=names), width="stretch")
if frontier.open:
    with frontier:
        st.plotly_chart(charts.cost_vs_availability(decision.headline, decision.frontier, money=currency,
                                                    lang=language, years=years, colours=colours,
                                                    target=charts.common_target(study)), width="stretch")
if against.open:
    with against:
        st.dataframe(tables.differences(shown_tables, currency, language), width="stretch", hide_index=True)
        st.plotly_chart(charts.paired_differences(decision.differences, "economic_cost", money=currency,
                                                  lang=language, years=years, baseline=baseline, colours=colours),
                        width="stretch")
if risk.open:
    with risk:
        st.table(text(find(shown_tables, "section.risk"), currency, language))
        left, right = st.columns(2)
        left.plotly_chart(charts.cost_distribution(run.rows, money=currency, lang=language, years=years,
                                                   colours=colours), width="stretch")
        right.plotly_chart(charts.exceedance(run.rows, money=currency, lang=language, years=years,
                                             colours=colours), width="stretch")
if details.open:
    with details:
        st.dataframe(text(find(shown_tables, "section.comparison"), currency, language), width="stretch")
