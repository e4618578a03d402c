"""Downloads page: tidy results, an Excel workbook, the scenario as YAML and a self-contained report, in the
language of the app."""

import streamlit as st

from reports import excel, exports
from reports.verdict import sentences
from simulation.compare import compare
from simulation.verdict import verdict
from sourcing.files import dump_study
from webapp import charts, session
from webapp.i18n import t

language = session.lang()
scenario = session.active()
run = session.results(scenario)
study = run.study
years = study.calendar.horizon
names = [s.name for s in study.scenarios]
colours = charts.option_colours(names)
chosen = st.session_state.get("baseline", study.baseline_name)
decision = compare(run.rows, chosen if chosen in names else study.baseline_name, run.controls, run.control_means,
                   study, run.summary)
said = sentences(verdict(run, study, seed=run.seed), language, study.currency, run.replications, study.names)
stem = "".join(c if c.isalnum() else "-" for c in study.name.lower()).strip("-")[:60] or "scenario"

st.title(t("page.downloads", language))
st.markdown(t("downloads.intro", language))
st.download_button(t("app.download_csv", language), exports.tidy_csv(run.rows, run.seed),
                   file_name=f"{stem}-results.csv", mime="text/csv", key="csv", help=t("downloads.csv_help", language))
st.download_button(t("app.download_excel", language),
                   exports.excel_workbook(study, run.summary, decision, run.seed, run.replications, language, said),
                   file_name=f"{stem}.xlsx", key="xlsx", mime=excel.MIME_XLSX,
                   help=t("downloads.excel_help", language))
st.download_button(t("app.download_yaml", language), dump_study(study).encode("utf-8"), file_name=f"{stem}.yaml",
                   mime="application/x-yaml", key="yaml", help=t("downloads.yaml_help", language))
currency = study.currency
figures = [charts.cost_breakdown(run.summary, money=currency, lang=language, years=years, scenarios=names),
           charts.cost_vs_availability(decision.headline, decision.frontier, money=currency, lang=language,
                                       years=years, colours=colours, target=charts.common_target(study)),
           charts.paired_differences(decision.differences, "economic_cost", money=currency, lang=language,
                                     years=years, baseline=decision.baseline, colours=colours),
           charts.exceedance(run.rows, money=currency, lang=language, years=years, colours=colours)]
figures += [charts.monthly_availability(run.rows, name, lang=language, colours=colours, scenarios=names,
                                        service_name=study.name_of(name)) for name in study.services]
report = exports.run_report(study, decision, run.summary, figures, run.seed, run.replications, language, said,
                            note=scenario.source)
st.download_button(t("app.download_html", language), report.encode("utf-8"), file_name=f"{stem}-report.html",
                   mime="text/html", key="html", help=t("downloads.html_help", language))
