"""Downloads page: tidy results, an Excel workbook, the scenario as YAML and a self-contained report."""

import streamlit as st

from simulation.compare import compare
from simulation.report import decision_sections, sections
from sourcing.files import dump_study
from webapp import charts, exports, session
from webapp.i18n import t

language = session.lang()
scenario = session.active()
run = session.results(scenario)
study = run.study
chosen = st.session_state.get("baseline", study.baseline_name)
decision = compare(run.rows, chosen if chosen in [s.name for s in study.scenarios] else study.baseline_name,
                   run.controls, run.control_means, study)
stem = "".join(c if c.isalnum() else "-" for c in study.name.lower()).strip("-")[:60] or "scenario"

st.title(t("downloads", language))
st.markdown(t("downloads_intro", language))
rows = run.rows.assign(seed=run.seed)
st.download_button(t("download_csv", language), rows.to_csv(index=False).encode("utf-8"),
                   file_name=f"{stem}-results.csv", mime="text/csv", key="csv")
st.download_button(t("download_excel", language),
                   exports.excel_workbook(study, run.summary, decision, run.seed, run.replications),
                   file_name=f"{stem}.xlsx", key="xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
st.download_button(t("download_yaml", language), dump_study(study).encode("utf-8"), file_name=f"{stem}.yaml",
                   mime="application/x-yaml", key="yaml")
figures = [charts.cost_breakdown(run.summary, money=study.currency),
           charts.cost_vs_availability(decision.headline, decision.frontier, money=study.currency),
           charts.paired_differences(decision.differences, "economic_cost", unit=study.currency),
           charts.exceedance(run.rows, money=study.currency)]
figures += [charts.monthly_availability(run.rows, name) for name in study.services]
report = exports.html_report(study, decision_sections(decision) + sections(run.summary), figures, run.seed,
                             run.replications, note=scenario.source)
st.download_button(t("download_html", language), report.encode("utf-8"), file_name=f"{stem}-report.html",
                   mime="text/html", key="html")
