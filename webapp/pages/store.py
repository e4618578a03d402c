"""Run store: open a batch's DuckDB store read-only and browse its studies (which option wins where, then
each study's verdict and figures). Nothing is simulated again. The bundled batch's store opens by itself
when it has been made (``make store``); the studies are named by their variant's parameters in words."""

import hashlib
import re
import tempfile
from pathlib import Path

import streamlit as st

from reports.store import compact, figures_shown, html_report, studies, winner_maps, workbook
from reports.verdict import sentences
from simulation.store import Store, StoreError
from sourcing.errors import ScenarioError
from webapp import session
from webapp.i18n import t
from webapp.labels import parameter, value_text

language = session.lang()
MAX_UPLOAD = 200 * 1024 * 1024  # a store uploaded through the browser; larger ones are opened by their path
# The store of the bundled batch (scenarios/batches/email-prices.yaml), once made with ``make store``.
BUNDLED = session.ROOT / "runs" / "email.duckdb"

st.title(t("page.store", language))
st.caption(t("store.page_intro", language))


def _label(path: str, study=None, names: dict[str, str] | None = None) -> str:
    """A swept parameter in words: what it is, and what it belongs to when that is a service, team or offer
    (by its name, in the reader's language)."""
    owner, label = parameter(path, language, study)
    if not owner or path.split(".")[0] not in ("services", "teams", "providers", "saas"):
        return label
    return f"{label}, {_french(owner, names or {})}"


def _value(value) -> str:
    return value_text(value, language)


def _french(text: str, table: dict[str, str]) -> str:
    """A text with the study's names in the reader's language (a stored study keeps the names it ran under)."""
    for name in sorted(table, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", lambda _, n=name: table[n], text)
    return text


@st.cache_data(show_spinner=False, max_entries=4)
def _read(path: str, stamp: tuple[int, int], lang: str):
    """Everything the page shows, read once per store file version and language."""
    with Store(path, read_only=True) as opened:
        found = studies(opened)
        if not found:
            return None
        names = {}
        for item in found:
            names.update(item.study.translations.get(lang, {}))
        swept = [p for p in dict.fromkeys(k for item in found for k in item.parameters)
                 if len({str(item.parameters.get(p)) for item in found}) > 1]
        several = len({item.file for item in found}) > 1

        def label(path: str) -> str:
            return _label(path, found[0].study, names)

        details = []
        for item in found:
            said = ", ".join(f"{label(p)}\u202f: {_value(item.parameters[p])}" if lang == "fr" else
                             f"{label(p)}: {_value(item.parameters[p])}" for p in swept if p in item.parameters)
            title = (f"{Path(item.file).stem} · " if several else "") + (said or _french(item.study.name, names))
            verdict = [_french(line, names) for line in sentences(item.verdict, lang, item.study.currency,
                                                                  item.results.replications, item.study.names)]
            figures = figures_shown(item, lang)
            figures.iloc[:, 0] = figures.iloc[:, 0].map(lambda s: _french(str(s), names))
            details.append((item.key, title, verdict, figures))
        table = compact(found, lang, label, _value).map(lambda c: _french(c, names) if isinstance(c, str) else c)
        maps = winner_maps(found, lang, label, _value)
        for figure in maps:
            # A long parameter's name on two lines, and room for it: the axis title is not cut.
            for axis in (figure.layout.xaxis, figure.layout.yaxis):
                if axis.title.text and len(axis.title.text) > 40:
                    axis.title.text = axis.title.text.replace(", ", ",<br>", 1)
            figure.update_layout(height=max(figure.layout.height or 0, 380), margin={"l": 110})
            figure.for_each_trace(lambda trace: trace.update(name=_french(trace.name or "", names)))
            for trace in figure.data:
                if getattr(trace, "text", None) is not None:
                    trace.text = [[_french(str(c), names) for c in row] for row in trace.text]
        return table, maps, details, workbook(opened, found, lang), html_report(opened, found, lang).encode("utf-8")


def _uploaded(data: bytes) -> Path:
    folder = Path(tempfile.gettempdir()) / "sourcing-stores"
    folder.mkdir(exist_ok=True)
    target = folder / f"{hashlib.sha256(data).hexdigest()[:16]}.duckdb"
    if not target.exists():
        staging = target.with_suffix(".part")
        staging.write_bytes(data)
        staging.replace(target)
    return target


sources = (["bundled"] if BUNDLED.is_file() else []) + ["upload", "path"]
where = st.radio(t("store.source", language), sources, horizontal=True, key="store_source",
                 format_func=lambda k: t(f"store.{k}", language))
path: Path | None = None
if where == "bundled":
    path = BUNDLED
elif where == "path":
    typed = st.text_input(t("store.path", language), placeholder="runs/email.duckdb")
    path = Path(typed).expanduser() if typed.strip() else None
else:
    upload = st.file_uploader(t("store.upload", language), type=["duckdb"])
    if upload is not None:
        if upload.size > MAX_UPLOAD:
            st.error(t("store.too_big", language, limit=MAX_UPLOAD // (1024 * 1024)))
            st.stop()
        path = _uploaded(upload.getvalue())
if path is None:
    st.info(t("store.choose" if BUNDLED.is_file() else "store.none_yet", language))
    st.stop()
if not path.is_file():
    st.error(t("store.missing", language, path=path.name))
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
st.table(table.set_index(table.columns[0]))   # a static table: its headers wrap, it fits the page
left, right = st.columns(2)
left.download_button(t("app.download_excel", language), xlsx, "store-report.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
right.download_button(t("app.download_html", language), page, "store-report.html", "text/html")

st.subheader(t("store.study", language))
labels = {key: title for key, title, _, _ in details}
chosen = st.selectbox(t("store.study", language), list(labels), format_func=labels.get, label_visibility="collapsed",
                      key="store_study")
for key, _, verdict, figures_table in details:
    if key == chosen:
        for line in verdict:
            st.markdown(line)
        st.table(figures_table.set_index(figures_table.columns[0]).rename_axis(t("app.option", language)))
