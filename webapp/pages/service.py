"""Service page: one service across scenarios: downtime, restoration against its deadlines,
monthly availability against the target and SLA, on-call load and staff utilisation."""

import streamlit as st

from simulation.plan import compiled
from webapp import charts, session, tables
from webapp.i18n import t

language = session.lang()
scenario = session.active()
run = session.results(scenario)
study = run.study
currency = study.currency
plan = compiled(study)

name = st.selectbox(t("choose_service", language), list(study.services), key="service")
service = study.services[name]
runtimes = [s.assignments[list(study.services).index(name)].runtime for s in plan.scenarios]
st.title(f"{t('service', language)}: {name}")
if service.description:
    st.caption(service.description)

st.dataframe(tables.service_table(run.summary, name, currency, language), width="stretch")

st.subheader(t("time_to_restore", language))
priority = st.radio(t("priority", language), ["P1", "P2", "P3", "P4"], horizontal=True, key="priority")
deadlines = {}
if priority in service.restore_targets:
    deadlines[f"{t('target', language)} {priority}"] = service.restore_targets[priority]
for runtime in runtimes:
    offer = runtime.provider
    if offer and offer.offer.gtr.get(priority):
        deadlines[f"GTR {offer.name} ({offer.offer.coverage})"] = offer.offer.gtr[priority]
st.plotly_chart(charts.restoration_curves(run.incidents, name, priority, deadlines,
                                          title=t("time_to_restore", language)), width="stretch")

st.subheader(t("monthly_availability", language))
lines = {}
if service.availability_target is not None:
    lines[t("target", language)] = service.availability_target
for runtime in runtimes:
    if runtime.saas is not None and runtime.saas.sla is not None:
        lines[f"SLA {runtime.saas.name}"] = runtime.saas.sla.availability
st.plotly_chart(charts.monthly_availability(run.rows, name, lines, title=t("monthly_availability", language)),
                width="stretch")

teams = sorted({team.name for runtime in runtimes for team in runtime.teams})
summary = run.summary[run.summary["subject"].isin(teams)]
if not teams:
    st.info(t("no_team", language))
else:
    left, right = st.columns(2)
    with left:
        st.subheader(t("on_call_load", language))
        if summary[summary["metric"] == "nights_disturbed_per_person_month"].empty:
            st.info(t("no_on_call", language))
        else:
            st.plotly_chart(charts.metric_bars(summary, "team", "nights_disturbed_per_person_month",
                                               t("on_call_load", language)), width="stretch")
    with right:
        st.subheader(t("utilisation", language))
        st.plotly_chart(charts.metric_bars(summary, "team", "utilisation", t("utilisation", language), unit="%",
                                           scale=100), width="stretch")
