"""Procurement page: providers' offers on the same incidents. First what each offer really costs a year and
whether it is compliant (an offer that fails a mandatory requirement is ranked apart), then the weighted
ranking with the weights beside it, as entered and normalised, and editable; near-ties said in words."""

import dataclasses

import streamlit as st

from reports import exports
from reports.report import cost_sentences, offer_sections, ranking_sentences
from reports.tables import find, text
from simulation.procurement import compare_offers, criteria_matrix, directions
from sourcing import words
from sourcing.errors import ScenarioError
from sourcing.files import parse_yaml, study_from_text, validate
from sourcing.grid import load_tender, read_grid, template
from sourcing.ranking import rank
from sourcing.tender import SIMULATED_CRITERIA, Tender, criterion_label
from webapp import charts, session
from webapp.i18n import t

language = session.lang()
state = st.session_state
st.title(t("offers.title", language))
st.markdown(t("offers.intro", language))
st.download_button(t("offers.grid", language), template(lang=language), file_name=t("offers.grid_file", language),
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="offers-grid")

EXAMPLE = session.ROOT / "scenarios" / "email-offers.yaml"
source = st.radio(t("offers.source", language), ["example", "upload"], horizontal=True, key="offers_source",
                  format_func=lambda s: t("offers.example" if s == "example" else "offers.upload", language))
tender = None
content = b""
if source == "upload":
    upload = st.file_uploader(t("offers.upload", language), type=["xlsx", "csv", "yaml", "yml"], key="offers_file",
                              max_upload_size=1)
    if upload is None:
        st.info(t("offers.choose", language))
    else:
        content = upload.getvalue()
        kind = upload.name.rsplit(".", 1)[-1].lower()  # a grid (xlsx, csv) is read within sourcing.workbook's limits
        try:
            if len(content) > session.MAX_UPLOAD_BYTES:
                raise ScenarioError([], source=upload.name)
            if kind in ("xlsx", "csv"):
                tender = read_grid(content, upload.name, kind=kind)
            else:
                data, root = parse_yaml(content.decode("utf-8"), upload.name)
                tender = validate(Tender, data, upload.name, root, language)
        except ScenarioError as exc:
            message = (session.problems_text(exc) if exc.problems
                       else t("app.too_big", language, limit=session.MAX_UPLOAD_BYTES // 1024))
            st.error(t("app.file_problem", language) + "\n\n" + message)
        except UnicodeDecodeError:
            st.error(t("app.not_text", language))
        except Exception as exc:  # grids and offers files only raise ScenarioError; still, never a bare traceback
            st.error(t("app.file_problem", language) + f"\n\n- {upload.name}: {type(exc).__name__}: {str(exc)[:300]}")
else:
    content = EXAMPLE.read_bytes()
    tender = load_tender(EXAMPLE, language)
if tender is None:
    st.stop()

bases = ["in use"] + list(session.EXAMPLES)
default = bases.index(tender.scenario.removesuffix(".yaml")) if (
    source == "example" and tender.scenario and tender.scenario.removesuffix(".yaml") in bases) else 0
choice = st.selectbox(t("offers.base", language), bases, index=default, key="offers_base",
                      format_func=lambda b: t("offers.in_use", language) if b == "in use" else b)
if choice == "in use":
    active = session.active()
    base_text, base = active.text, active.study
else:
    base_text = session.EXAMPLES[choice].read_text(encoding="utf-8")
    base = study_from_text(base_text, f"scenarios/{choice}.yaml", language)
seed = int(state.get("seed", 1))
replications = int(state.get("replications", session.DEFAULT_REPLICATIONS))


def simulate():
    message = t("app.simulating", language, replications=words.count(replications, "count.replications", language),
                scenarios=words.count(len(tender.offers) + 1, "count.scenarios", language))
    bar = st.progress(0.0, text=message)
    found = compare_offers(tender, base, replications, seed=seed,
                           progress=lambda done, total: bar.progress(done / total, text=message))
    bar.empty()
    return found


try:
    comparison = session.remember(("offers", session.digest(content), session.digest(base_text), seed, replications,
                                   language),   # the offers' and options' names are in the reader's language
                                  simulate)
except ScenarioError as exc:
    st.error(t("app.file_problem", language) + "\n\n" + session.problems_text(exc))
    st.stop()

st.caption(t("app.run_note", language, n=replications, seed=seed))
currency = tender.currency
keys = [*SIMULATED_CRITERIA, *tender.criteria]
entered = comparison.ranking.entered

st.subheader(t("offers.verdict", language))
headline = find(offer_sections(comparison, language), "section.offer_costs")
with st.container(border=True):
    for line in cost_sentences(comparison, language):
        st.markdown(line)
st.caption(headline.title)
st.table(text(headline, currency, language))

st.subheader(t("offers.ranking", language))
left, right = st.columns([2, 1], gap="large")
with right:  # the weights first, so that the ranking beside them uses what the buyer just typed
    st.markdown(f"**{t('offers.weights', language)}**")
    st.caption(t("offers.weights_help", language))
    chosen, slots = {}, {}
    for key in keys:
        field, share = st.columns([4, 1], vertical_alignment="bottom")
        chosen[key] = field.number_input(criterion_label(key, tender.criteria, language), min_value=0.0,
                                         value=float(entered[key]), step=1.0, format="%g",
                                         key=f"weight-{key}")
        slots[key] = share.empty()
    total = sum(chosen.values())
    if total <= 0:
        st.warning(t("offers.weights_zero", language))
        chosen = dict(entered)
        total = sum(chosen.values())
    for key in keys:
        slots[key].markdown(words.percent(chosen[key] / total, language, 1))
matrix = criteria_matrix(tender, comparison.summary)
ranking = rank(matrix, chosen, directions(tender), comparison.compliant)
shown = dataclasses.replace(comparison, ranking=ranking)
sections = offer_sections(shown, language)
with left:
    st.table(text(find(sections, "section.ranking"), currency, language))
    with st.container(border=True):
        for line in ranking_sentences(shown, language):
            st.markdown(line)

st.subheader(t("offers.figures", language))
st.table(text(find(sections, "section.offers"), currency, language))
price = charts.offer_prices(comparison.summary, list(tender.offers), money=currency, lang=language,
                            names=tender.names)
targets = [s.availability_target for s in comparison.study.services.values() if s.availability_target is not None]
heat = charts.criteria_heatmap(matrix, directions(tender), {k: criterion_label(k, tender.criteria, language,
                                                                                short=True) for k in keys},
                               money=currency, lang=language, names=tender.names,
                               scales={k: c.high for k, c in tender.criteria.items()},
                               lows={k: c.low for k, c in tender.criteria.items()},
                               target=max(targets) if targets else None)
st.plotly_chart(price, width="stretch")
st.plotly_chart(heat, width="stretch")
st.caption(t("offers.colours", language))
sensitivity = [table for table in sections if table.key == "section.sensitivity"]
if sensitivity:
    st.subheader(t("offers.sensitivity", language))
    st.table(text(sensitivity[0], currency, language))
st.download_button(t("app.download_excel", language), exports.offers_workbook(shown, language),
                   file_name="offers.xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key="offers-xlsx")
st.download_button(t("app.download_html", language), exports.offers_report(shown, [price, heat], language).encode(),
                   file_name="offers-report.html", mime="text/html", key="offers-html")
