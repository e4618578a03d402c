"""Service page: one service across scenarios: downtime, restoration against its deadlines,
monthly availability against the target and SLA, on-call load and staff utilisation."""

import streamlit as st

from reports.report import sections
from reports.tables import find, text
from simulation.compile import compiled
from webapp import charts, session
from webapp.i18n import t

language = session.lang()
scenario = session.active()
run = session.results(scenario)
study = run.study
currency = study.currency
plan = compiled(study)
options = [s.name for s in study.scenarios]
colours = charts.option_colours(options)

title = st.empty()   # the title first, then the selector under it (the title names the chosen service)
if len(study.services) > 1:
    name = st.selectbox(t("service.choose", language), list(study.services), key="service",
                        format_func=study.name_of)
else:
    name = next(iter(study.services))
service = study.services[name]
runtimes = [s.assignments[list(study.services).index(name)].runtime for s in plan.scenarios]
title.title(t("service.title", language, name=study.name_of(name)))
if service.description:
    st.caption(service.description)

# A static table: every row shown (no inner scroll cutting it mid-row), long labels wrapped, not cut.
st.table(text(find(sections(run.summary, language), "section.service", name), currency, language))

st.subheader(t("service.time_to_restore", language))
priority = st.radio(t("service.priority", language), ["P1", "P2", "P3", "P4"], horizontal=True, key="priority")
deadlines = {}
if priority in service.restore_targets:
    deadlines[t("chart.target", language, priority=priority)] = service.restore_targets[priority]
for runtime in runtimes:
    offer = runtime.provider
    if offer and offer.offer.gtr.get(priority):
        deadlines[t("chart.gtr", language, name=study.name_of(offer.name), coverage=offer.offer.coverage)] = \
            offer.offer.gtr[priority]
st.plotly_chart(charts.restoration_curves(run.incidents, name, priority, deadlines, lang=language, colours=colours,
                                          scenarios=options, service_name=study.name_of(name)), width="stretch")
st.caption(t("service.ttr_note", language))

st.subheader(t("service.monthly_availability", language))
lines = {}
if service.availability_target is not None:
    lines[t("chart.availability_target", language)] = service.availability_target
for runtime in runtimes:
    if runtime.saas is not None and runtime.saas.sla is not None:
        lines[t("chart.sla", language, name=study.name_of(runtime.saas.name))] = runtime.saas.sla.availability
st.plotly_chart(charts.monthly_availability(run.rows, name, lines, lang=language, colours=colours, scenarios=options,
                                            service_name=study.name_of(name)), width="stretch")

teams = sorted({team.name for runtime in runtimes for team in runtime.teams})
summary = run.summary[run.summary["subject"].isin(teams)]
if not teams:
    st.info(t("service.no_team", language))
else:
    st.subheader(t("service.on_call_load", language))
    if summary[summary["metric"] == "nights_disturbed_per_person_month"].empty:
        st.info(t("service.no_on_call", language))
    else:
        figure, clipped = charts.team_bars(summary, "nights_disturbed_per_person_month", lang=language, colours=colours,
                                           names=study.names, scenarios=options)
        st.plotly_chart(figure, width="stretch")
        st.caption(t("service.clipped" if clipped else "service.interval", language))
    st.subheader(t("service.utilisation", language))
    figure, clipped = charts.team_bars(summary, "utilisation", lang=language, colours=colours, names=study.names,
                                       scale=100, lower=0.0, upper=100.0, scenarios=options)
    st.plotly_chart(figure, width="stretch")
    st.caption(t("service.clipped_share" if clipped else "service.interval", language) + " "
               + t("service.utilisation_note", language))
