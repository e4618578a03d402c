"""Scenario editor: change services, team members, offers and the scenario list in tables; every edit
goes through the same validation as a file; download the result or run it."""

import hashlib

import streamlit as st
import yaml

from sourcing.errors import ScenarioError
from sourcing.files import parse_yaml, study_from_data
from webapp import editing, session
from webapp.i18n import t

language = session.lang()
scenario = session.active()
state = st.session_state

# The tables start from the scenario in use; a new scenario resets them.
origin = hashlib.sha256(scenario.text.encode()).hexdigest()[:12]
if state.get("editor_origin") != origin:
    state["editor_origin"] = origin
    state["editor_base"] = yaml.safe_load(scenario.text)
base = state["editor_base"]

st.title(t("editor", language))
st.caption(f"{scenario.study.name} — {scenario.source}")
st.markdown(t("editor_intro", language))

data = base
tabs = st.tabs([t("services", language), t("teams", language), t("offers", language), t("scenarios", language),
                t("yaml", language)])
with tabs[0]:
    edited = st.data_editor(editing.services_table(base), key=f"services-{origin}", hide_index=True,
                            disabled=["service"], width="stretch")
    data = editing.apply_services(data, edited)
    services_box = st.container()
with tabs[1]:
    for team in (base.get("teams") or {}):
        st.markdown(f"**{t('members_of', language, team=team)}**")
        edited = st.data_editor(editing.members_table(base, team), key=f"members-{team}-{origin}",
                                hide_index=True, num_rows="dynamic", width="stretch",
                                column_config={"on_call": st.column_config.CheckboxColumn(default=True)})
        data = editing.apply_members(data, team, edited)
    teams_box = st.container()
with tabs[2]:
    if base.get("providers"):
        st.markdown(f"**{t('providers', language)}**")
        edited = st.data_editor(editing.providers_table(base), key=f"providers-{origin}", hide_index=True,
                                disabled=["offer"], width="stretch")
        data = editing.apply_providers(data, edited)
    if base.get("saas"):
        st.markdown(f"**{t('saas_offers', language)}**")
        edited = st.data_editor(editing.saas_table(base), key=f"saas-{origin}", hide_index=True,
                                disabled=["offer"], width="stretch")
        data = editing.apply_saas(data, edited)
    offers_box = st.container()
with tabs[3]:
    st.caption(t("option_help", language))
    edited = st.data_editor(editing.scenarios_table(base), key=f"scenarios-{origin}", hide_index=True,
                            num_rows="dynamic", width="stretch")
    data = editing.apply_scenarios(data, edited)
    scenarios_box = st.container()
with tabs[4]:
    st.caption(t("yaml_intro", language))
    typed = st.text_area("YAML", scenario.text, height=500, key=f"yaml-{origin}")
    yaml_box = st.container()

# YAML typed by hand wins over the tables; otherwise the tables' edits are written out as YAML.
text = typed if typed != scenario.text else yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
source = "edited scenario"
problems = []
try:
    parsed, root = parse_yaml(text, source)
    study_from_data(parsed, source=source, root=root)
except ScenarioError as exc:
    problems = exc.problems

boxes = {"services": services_box, "teams": teams_box, "providers": offers_box, "saas": offers_box,
         "scenarios": scenarios_box, "baseline": scenarios_box}
for problem in problems:
    section = str(problem.path[0]) if problem.path else ""
    box = boxes.get(section, yaml_box)
    where = f"line {problem.line}, " if problem.line and box is yaml_box else ""
    box.error(f"`{problem.field}` ({where}{t('errors_here', language).rstrip(':')}): {problem.message}")

left, right = st.columns(2)
if problems:
    left.error(t("file_problem", language) + f" {len(problems)}")
else:
    left.success(t("valid", language))


def use(edited_text: str) -> None:
    state["edited_text"] = edited_text
    state["source"] = "edited"
    state["editor_applied"] = True


right.button(t("apply", language), type="primary", disabled=bool(problems), key="apply", on_click=use, args=(text,))
if state.pop("editor_applied", False):
    st.success(t("applied", language))
with st.expander("YAML"):
    st.code(text, language="yaml")
st.download_button(t("download_yaml", language), text.encode("utf-8"), file_name="scenario.yaml",
                   mime="application/x-yaml", key="editor-download")
