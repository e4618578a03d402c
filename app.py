"""The browser door: ``streamlit run app.py``. It only routes; each page collects inputs, calls the
core and draws."""

import streamlit as st

from webapp import session
from webapp.i18n import t


def run() -> None:
    st.set_page_config(page_title="Sourcing", page_icon="⚖️", layout="wide")  # an emoji: no font fetched
    session.sidebar()
    language = session.lang()
    pages = [
        st.Page("webapp/pages/compare.py", title=t("page.compare", language), icon=":material/balance:", default=True),
        st.Page("webapp/pages/service.py", title=t("page.service", language), icon=":material/build:"),
        st.Page("webapp/pages/whatif.py", title=t("page.whatif", language), icon=":material/psychology_alt:"),
        st.Page("webapp/pages/editor.py", title=t("page.editor", language), icon=":material/edit:"),
        st.Page("webapp/pages/offers.py", title=t("page.procurement", language), icon=":material/handshake:"),
        st.Page("webapp/pages/calibrate.py", title=t("page.calibrate", language), icon=":material/query_stats:"),
        st.Page("webapp/pages/assumptions.py", title=t("page.assumptions", language), icon=":material/list_alt:"),
        st.Page("webapp/pages/store.py", title=t("page.store", language), icon=":material/database:"),
        st.Page("webapp/pages/downloads.py", title=t("page.downloads", language), icon=":material/download:"),
    ]
    st.navigation(pages).run()
    session.refine()


run()
