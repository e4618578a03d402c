"""Assumptions page: every parameter the run used, its unit, and for defaults where it comes from."""

from dataclasses import asdict

import pandas as pd
import streamlit as st

from sourcing.assumptions import assumptions
from webapp import session
from webapp.i18n import t

language = session.lang()
scenario = session.active()
study = scenario.study

st.title(t("assumptions", language))
st.caption(f"{study.name} — {scenario.source}")
st.markdown(t("assumptions_intro", language))
table = pd.DataFrame([asdict(a) for a in assumptions(study)])
if st.toggle(t("defaults_only", language), key="defaults_only"):
    table = table[table["default"]]
table = table.rename(columns={"path": t("parameter", language), "value": t("value", language),
                              "unit": t("unit", language), "default": t("default", language),
                              "source": t("source", language)})
st.dataframe(table, width="stretch", hide_index=True, height=640)
