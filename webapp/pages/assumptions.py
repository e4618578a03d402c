"""Assumptions page: every parameter the run used, its unit, and for defaults where it comes from."""

import pandas as pd
import streamlit as st

from sourcing.assumptions import assumptions, shown
from webapp import session
from webapp.i18n import t

language = session.lang()
scenario = session.active()
study = scenario.study

st.title(t("page.assumptions", language))
st.caption(f"{study.name} — {scenario.source}")
st.markdown(t("assumptions.intro", language))
table = pd.DataFrame([shown(a, language) for a in assumptions(study)])
if st.toggle(t("assumptions.defaults_only", language), key="defaults_only"):
    table = table[table["default"]]
table = table.rename(columns={"path": t("assumptions.parameter", language), "value": t("assumptions.value", language),
                              "unit": t("app.unit", language), "default": t("assumptions.default", language),
                              "source": t("assumptions.source", language)})
widths = {t("assumptions.parameter", language): "medium", t("assumptions.value", language): "medium",
          t("app.unit", language): "small", t("assumptions.default", language): "small",
          t("assumptions.source", language): "large"}
st.dataframe(table, width="stretch", hide_index=True, height=640,
             column_config={k: st.column_config.Column(width=w) for k, w in widths.items()})
