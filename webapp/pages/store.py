"""Run store: open a batch's DuckDB store read-only and browse its studies (which option wins where, then
each study's verdict and figures). Nothing is simulated again."""

import hashlib
import tempfile
from pathlib import Path

import streamlit as st

from simulation.store import Store, StoreError
from simulation.storereport import compact, figures_shown, html_report, studies, winner_maps, workbook
from simulation.verdict import sentences
from sourcing.errors import ScenarioError
from webapp import session
from webapp.i18n import t

language = session.lang()
MAX_UPLOAD = 200 * 1024 * 1024  # a store uploaded through the browser; larger ones are opened by their path

st.title(t("page.store", language))
st.caption(t("store.page_intro", language))


@st.cache_data(show_spinner=False, max_entries=4)
def _read(path: str, stamp: tuple[int, int], lang: str):
    """Everything the page shows, read once per store file version and language."""
    with Store(path, read_only=True) as opened:
        found = studies(opened)
        if not found:
            return None
        details = [(item.key, item.file, item.variant, sentences(item.verdict, lang, item.study.currency,
                                                                item.results.replications, item.study.names),
                    figures_shown(item, lang)) for item in found]
        return (compact(found, lang), winner_maps(found, lang), details,
                workbook(opened, found, lang), html_report(opened, found, lang).encode("utf-8"))


def _uploaded(data: bytes) -> Path:
    folder = Path(tempfile.gettempdir()) / "sourcing-stores"
    folder.mkdir(exist_ok=True)
    target = folder / f"{hashlib.sha256(data).hexdigest()[:16]}.duckdb"
    if not target.exists():
        staging = target.with_suffix(".part")
        staging.write_bytes(data)
        staging.replace(target)
    return target


where = st.radio(t("store.source", language), ["path", "upload"], horizontal=True,
                 format_func=lambda k: t(f"store.{k}", language))
path: Path | None = None
if where == "path":
    typed = st.text_input(t("store.path", language), placeholder="runs.duckdb")
    path = Path(typed).expanduser() if typed.strip() else None
else:
    upload = st.file_uploader(t("store.upload", language), type=["duckdb"])
    if upload is not None:
        if upload.size > MAX_UPLOAD:
            st.error(t("store.too_big", language, limit=MAX_UPLOAD // (1024 * 1024)))
            st.stop()
        path = _uploaded(upload.getvalue())
if path is None:
    st.info(t("store.choose", language))
    st.stop()
if not path.is_file():
    st.error(t("store.missing", language, path=str(path)))
    st.stop()
try:
    info = path.stat()
    with st.spinner(t("store.reading", language)):
        found = _read(str(path), (info.st_mtime_ns, info.st_size), language)
except StoreError as exc:
    st.error(str(exc))
    st.stop()
except ScenarioError as exc:
    st.error(session.problems_text(exc))
    st.stop()
if found is None:
    st.warning(t("store.empty", language))
    st.stop()
table, figures, details, xlsx, page = found

st.subheader(t("store.across", language))
for figure in figures:
    st.plotly_chart(figure, width="stretch")
st.dataframe(table, hide_index=True, width="stretch")
left, right = st.columns(2)
left.download_button(t("app.download_excel", language), xlsx, "store-report.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
right.download_button(t("app.download_html", language), page, "store-report.html", "text/html")

st.subheader(t("store.study", language))
labels = {key: f"{file} / {variant}" for key, file, variant, _, _ in details}
chosen = st.selectbox(t("store.study", language), list(labels), format_func=labels.get, label_visibility="collapsed")
for key, _, _, words, figures_table in details:
    if key == chosen:
        for line in words:
            st.markdown(line)
        st.dataframe(figures_table, hide_index=True, width="stretch")
