"""Scenario editor: change services, team members, offers and the scenario list in tables; every edit
goes through the same validation as a file, each problem shows on its tab; download the result or run it
and land on the results."""

import hashlib

import pandas as pd
import streamlit as st
import yaml

from sourcing import words
from sourcing.errors import ScenarioError
from sourcing.files import in_language, parse_yaml, study_from_data
from webapp import editing, session
from webapp.i18n import t

language = session.lang()
scenario = session.active()
state = st.session_state
currency = scenario.study.currency

# The tables start from the scenario in use; a new scenario resets them.
origin = hashlib.sha256((scenario.text + language).encode()).hexdigest()[:12]
if state.get("editor_origin") != origin:
    state["editor_origin"] = origin
    # The tables edit the scenario in the reader's language: a file that translates its names shows them
    # translated (and is written back so, without its translations).
    loaded = yaml.safe_load(scenario.text)
    translated = isinstance(loaded, dict) and isinstance(loaded.get("translations"), dict) \
        and language in loaded["translations"]
    state["editor_base"] = in_language(loaded, language) if translated else loaded
base = state["editor_base"]

st.title(t("page.editor", language))
st.caption(f"{scenario.study.name} — {scenario.source}")
st.markdown(t("editor.intro", language))


def columns(table, **extra) -> dict:
    """Column headers in the reader's language, with their units; numbers in the browser's locale."""
    def config(column):
        label = editing.column_label(column, words.symbol(currency), language)
        if table[column].dtype.kind in "if":
            return st.column_config.NumberColumn(label, format="localized")
        return st.column_config.Column(label)

    return {c: extra.get(c, config(c)) for c in table.columns}


def edit_in_parts(table, key: str, groups: list[list[str]]):
    """A table too wide for the page edited as several narrower ones (each with the name column first, not
    editable), put back together: the same table as one editor would give, no column behind a scroll bar."""
    first = table.columns[0]
    shown = [[c for c in group if c in table.columns] for group in groups]
    shown = [g for g in shown if g] + [[c for c in table.columns[1:] if not any(c in g for g in groups)]]
    edited = [table[[first]]]
    for k, group in enumerate(g for g in shown if g):
        part = table[[first, *group]]
        edited.append(st.data_editor(part, key=f"{key}-{k}", hide_index=True, disabled=[first], width="stretch",
                                     column_config=columns(part), placeholder="—")[group])
    return pd.concat(edited, axis=1)[list(table.columns)]


# The services' and offers' tables in parts that fit at 1,400 px (volumes, priorities, costs, service).
SERVICE_PARTS = [["users", "per_month", "per_user_per_month"], ["P1 %", "P2 %", "P3 %", "P4 %"],
                 ["outage cost business", "outage cost off hours"], ["service_time", "availability_target %"]]
PROVIDER_PARTS = [["coverage", "monthly fee", "tickets_included", "extra_ticket"],
                  ["GTR P1", "GTR P2", "GTR P3", "GTR P4"], ["capacity", "monthly_cap"]]

# The tab of each top-level section of the file; anything else (calendar, economics...) is on the YAML tab.
TABS = ("services", "teams", "offers", "scenarios", "yaml")
SECTION_TAB = {"services": "services", "teams": "teams", "providers": "offers", "saas": "offers",
               "scenarios": "scenarios", "baseline": "scenarios"}

# A first pass over the last text checked gives each tab its number of problems in its label.
previous = state.get(f"editor_problems-{origin}", {})
tabs = st.tabs([t("editor.tab_problems", language, tab=t(f"editor.{k}", language), n=len(previous[k]))
                if previous.get(k) else t(f"editor.{k}", language) for k in TABS])
boxes = {}
data = base
with tabs[0]:
    table = editing.services_table(base)
    edited = edit_in_parts(table, f"services-{origin}", SERVICE_PARTS)
    data = editing.apply_services(data, edited)
    boxes["services"] = st.container()
with tabs[1]:
    for team in (base.get("teams") or {}):
        st.markdown(f"**{t('editor.members_of', language, team=team)}**")
        table = editing.members_table(base, team)
        on_call = st.column_config.CheckboxColumn(editing.column_label("on_call", currency, language), default=True)
        edited = st.data_editor(table, key=f"members-{team}-{origin}", hide_index=True, num_rows="dynamic",
                                width="stretch", placeholder="—", column_config=columns(table, on_call=on_call))
        data = editing.apply_members(data, team, edited)
    boxes["teams"] = st.container()
with tabs[2]:
    if base.get("providers"):
        st.markdown(f"**{t('editor.providers', language)}**")
        table = editing.providers_table(base)
        edited = edit_in_parts(table, f"providers-{origin}", PROVIDER_PARTS)
        data = editing.apply_providers(data, edited)
    if base.get("saas"):
        st.markdown(f"**{t('editor.saas_offers', language)}**")
        table = editing.saas_table(base)
        edited = st.data_editor(table, key=f"saas-{origin}", hide_index=True, disabled=["offer"], width="stretch",
                                column_config=columns(table), placeholder="—")
        data = editing.apply_saas(data, edited)
    boxes["offers"] = st.container()
with tabs[3]:
    st.caption(t("editor.option_help", language))
    table = editing.scenarios_table(base)
    edited = st.data_editor(table, key=f"scenarios-{origin}", hide_index=True, num_rows="dynamic", width="stretch",
                            column_config=columns(table), placeholder="—")
    data = editing.apply_scenarios(data, edited)
    boxes["scenarios"] = st.container()
with tabs[4]:
    st.caption(t("editor.yaml_intro", language))
    typed = st.text_area(t("editor.file", language), scenario.text, height=500, key=f"yaml-{origin}")
    boxes["yaml"] = st.container()

# YAML typed by hand wins over the tables; otherwise the tables' edits are written out as YAML.
text = typed if typed != scenario.text else yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
source = t("app.edited_source", language)
problems = []
try:
    parsed, root = parse_yaml(text, source)
    study_from_data(parsed, source=source, root=root)
except ScenarioError as exc:
    problems = exc.problems

by_tab: dict[str, list] = {k: [] for k in TABS}
for problem in problems:
    by_tab[SECTION_TAB.get(str(problem.path[0]) if problem.path else "", "yaml")].append(problem)
found = {k: [p.message for p in v] for k, v in by_tab.items() if v}
if found != previous:
    state[f"editor_problems-{origin}"] = found
    st.rerun()   # the tabs' labels count the problems of this text
for tab, listed in by_tab.items():
    if listed:
        boxes[tab].error(t("editor.problems_here", language) + "\n\n" + session.problems_text(
            ScenarioError(listed), language))

left, right = st.columns(2)
if problems:
    summary = t("editor.problems_on", language, tabs=", ".join(
        f"{t(f'editor.{k}', language)} ({len(v)})" for k, v in by_tab.items() if v))
    left.error(t("app.problems", language, problems=words.count(len(problems), "count.problems", language)) + " "
               + summary + "\n\n"
               + session.problems_text(ScenarioError(problems), language))
else:
    left.success(t("editor.valid", language))



def use(edited_text: str) -> None:
    """Before the rerun (the sidebar's choice of file cannot change once drawn): the edited text becomes
    the scenario in use, and the rerun goes to the results."""
    state["edited_text"] = edited_text
    state["source"] = "edited"
    state["editor_applied"] = True


right.button(t("editor.apply", language), type="primary", disabled=bool(problems), key="apply", on_click=use,
             args=(text,))
if state.pop("editor_applied", False):
    st.switch_page("webapp/pages/compare.py")
with st.expander("YAML"):
    st.code(text, language="yaml")
st.download_button(t("app.download_yaml", language), text.encode("utf-8"), file_name="scenario.yaml",
                   mime="application/x-yaml", key="editor-download")
