"""Assumptions page: every parameter the run used, in words (what it belongs to and what it is, never its path
in the file), its value in the reader's locale and, for defaults, where it comes from."""

import re

import pandas as pd
import streamlit as st

from sourcing.assumptions import assumptions, shown
from webapp import session
from webapp.i18n import t
from webapp.labels import parameter, value_text

language = session.lang()
scenario = session.active()
study = scenario.study

st.title(t("page.assumptions", language))
st.caption(f"{study.name} — {scenario.source}")
st.markdown(t("assumptions.intro", language))
rows = []
for item in assumptions(study):
    row = shown(item, language)
    owner, label = parameter(item.path, language, study)
    value = value_text(item.value, language, study.names)
    plain = re.fullmatch(r"[-−+\d\s\u202f.,]+", value) is not None   # a bare number: its unit is said beside it
    rows.append({"owner": owner, "parameter": label, "value": value, "unit": row["unit"] if plain else "",
                 "default": row["default"], "source": row["source"]})
table = pd.DataFrame(rows)
if st.toggle(t("assumptions.defaults_only", language), key="defaults_only"):
    table = table[table["default"]]
headers = {"owner": t("setting.owner.heading", language), "parameter": t("assumptions.parameter", language),
           "value": t("assumptions.value", language), "unit": t("app.unit", language),
           "default": t("assumptions.default", language), "source": t("assumptions.source", language)}
# Pixels: the whole grid fits the page at 1,400 px (a long source is cut in its cell, whole on hover).
widths = {"owner": 180, "parameter": 260, "value": 130, "unit": 80, "default": 70, "source": 210}
st.dataframe(table.rename(columns=headers), width="stretch", hide_index=True, height=640,
             column_config={headers[k]: st.column_config.Column(width=w) for k, w in widths.items()})
