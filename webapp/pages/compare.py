"""Compare page: cost, availability and contract compliance of every scenario, and why one wins."""

import streamlit as st

from simulation.compare import compare
from simulation.verdict import sentences, verdict
from sourcing.checks import notices
from webapp import charts, session, tables
from webapp.i18n import category_label, metric_label, t

language = session.lang()
scenario = session.active()
run = session.results(scenario)
study = run.study
currency = study.currency
names = [s.name for s in study.scenarios]

st.title(study.name)
found = verdict(run, study, seed=run.seed)
with st.container(border=True):
    st.subheader(t("verdict", language))
    for line in sentences(found, language, currency, run.replications):
        st.markdown(line)
st.caption(t("run_note", language, n=run.replications, seed=run.seed))
warnings = [n for n in notices(study) if n.kind == "warning"]
if warnings:
    with st.expander(t("warnings", language, n=len(warnings))):
        for notice in warnings:
            st.markdown(f"- `{notice.field}`: {notice.message}")
baseline = st.selectbox(t("baseline", language), names, index=names.index(study.baseline_name), key="baseline")
decision = compare(run.rows, baseline, run.controls, run.control_means, study)

st.subheader(t("kpis", language))
st.dataframe(tables.kpi_table(decision, currency, language), width="stretch")
with st.expander(t("why", language), expanded=True):
    for line in tables.why(decision, run.summary, currency, language):
        st.markdown(f"- {line}")

breakdown, frontier, against, risk = st.tabs([t("cost_breakdown", language), t("cost_vs_availability", language),
                                              t("differences", language), t("risk", language)])
with breakdown:
    per_year = st.toggle(t("per_year", language), key="per_year")
    st.plotly_chart(charts.cost_breakdown(run.summary, per_year=per_year, money=currency,
                                          category_label=lambda c: category_label(c, language),
                                          title=t("cost_breakdown", language)), width="stretch")
with frontier:
    st.plotly_chart(charts.cost_vs_availability(decision.headline, decision.frontier, money=currency,
                                                frontier_name=t("frontier", language),
                                                x_title=metric_label("Availability in agreed service time",
                                                                     language) + " (%)",
                                                y_title=metric_label("Economic cost", language),
                                                title=t("cost_vs_availability", language)),
                    width="stretch")
with against:
    st.dataframe(tables.differences_table(decision, currency, language), width="stretch", hide_index=True)
    st.plotly_chart(charts.paired_differences(decision.differences, "economic_cost", unit=currency,
                                              title=t("differences", language)), width="stretch")
with risk:
    st.dataframe(tables.risk_table(decision, currency, language), width="stretch")
    left, right = st.columns(2)
    left.plotly_chart(charts.cost_distribution(run.rows, money=currency, title=t("distribution", language)),
                      width="stretch")
    right.plotly_chart(charts.exceedance(run.rows, money=currency, title=t("exceedance", language)),
                       width="stretch")
