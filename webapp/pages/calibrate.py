"""Calibration page: a ticket export in; what was read, the estimates with their intervals, the back-test
and the plots on screen; the calibrated scenario (YAML) and the report (HTML) to download."""

import streamlit as st

from reports.calibrate import backtest_warnings, calibrate_history
from reports.calibration import (
    backtest_table,
    desk_notes,
    estimates_table,
    figures,
    html_report,
    rating_lines,
    waiting_table,
)
from sourcing.calibration import restrict
from sourcing.calibration_file import check_service_name, team_from_count
from sourcing.errors import ScenarioError
from sourcing.files import study_from_text
from sourcing.tickets import FORMATS, MAX_EXPORT_BYTES, MB, parse_columns, parse_priorities, read_export
from sourcing.words import note_text, number
from webapp import session
from webapp.i18n import t

language = session.lang()


def _said(text: str) -> str:
    """A note shown on its own, as a sentence: its first letter a capital (the core's notes are also parts of
    longer lines, in lower case), and not read as Markdown."""
    return session._plain(text[:1].upper() + text[1:])


def _day(stamp) -> str:
    """A date as the reader writes it: 29/02/2016 in French, 29 Feb 2016 in English."""
    return stamp.strftime("%d/%m/%Y" if language == "fr" else "%d %b %Y")


state = st.session_state
EXAMPLE = session.ROOT / "scenarios" / "tickets-servicenow-example.csv"

st.title(t("calibrate.title", language))
st.markdown(t("calibrate.intro", language))
source = st.radio(t("calibrate.source", language), ["example", "upload"], horizontal=True, key="calibrate_source",
                  format_func=lambda s: t("calibrate.example" if s == "example" else "calibrate.upload", language))
with st.expander(t("calibrate.options", language)):
    left, right = st.columns(2)
    kind = left.selectbox(t("calibrate.format", language), ["auto", *FORMATS], key="calibrate_format",
                          format_func=lambda k: t("calibrate.auto", language) if k == "auto" else k)
    columns_text = left.text_input(t("calibrate.columns", language), key="calibrate_columns")
    priorities_text = left.text_input(t("calibrate.priorities", language), key="calibrate_priorities")
    order = right.radio(t("calibrate.dates", language), ["auto", "day first", "month first"], key="calibrate_order",
                        format_func=lambda o: t({"auto": "calibrate.auto", "day first": "calibrate.day_first",
                                                 "month first": "calibrate.month_first"}[o], language))
    people = right.number_input(t("calibrate.team", language), min_value=0, max_value=500, step=1,
                                key="calibrate_team")
    waiting = right.radio(t("calibrate.waiting", language), ["separate", "include"], key="calibrate_waiting",
                          format_func=lambda w: t(f"calibrate.{w}", language))
    service = right.text_input(t("calibrate.service", language), value="service", key="calibrate_service")
    groups = left.text_input("--group", key="calibrate_groups", help=t("calibrate.groups_help", language))
    group_match = left.radio(t("calibrate.group_match", language), ["final", "ever"], horizontal=True,
                             key="calibrate_group_match",
                             format_func=lambda m: t(f"calibrate.group_match_{m}", language))
    pending = left.text_input(t("calibrate.pending", language), key="calibrate_pending")
    by_service = right.checkbox(t("calibrate.by_service", language), value=True, key="calibrate_by_service")

if source == "upload":
    upload = st.file_uploader(t("calibrate.upload", language), type=["csv", "txt", "tsv"], key="calibrate_file",
                              max_upload_size=MAX_EXPORT_BYTES // MB)
    if upload is None:
        st.info(t("calibrate.choose", language))
        st.stop()
    name, content = upload.name, upload.getvalue()
else:
    name, content = EXAMPLE.name, EXAMPLE.read_bytes()

if len(content) > MAX_EXPORT_BYTES:
    st.error(t("calibrate.too_big", language, limit=MAX_EXPORT_BYTES // MB))
    st.stop()


def compute():
    """Read, estimate and back-test the export with the options chosen (a ScenarioError says what is wrong)."""
    try:
        columns = parse_columns(columns_text)
        levels = parse_priorities(priorities_text)
    except ValueError as exc:
        return ScenarioError([], source=f"{name}: {exc}")
    try:
        history = read_export(content, name, kind=None if kind == "auto" else kind, columns=columns,
                              priorities=levels, order=None if order == "auto" else order,
                              pending=pending or None)
        if groups.strip():
            history = restrict(history, [g for g in groups.split(",") if g.strip()], group_match)
        team = team_from_count(int(people), language) if people else None
        return calibrate_history(history, check_service_name(service.strip() or "service"), team,
                                 separate=waiting == "separate", lang=language, by_service=by_service)
    except ScenarioError as exc:
        return exc
    except ValueError as exc:  # an impossible option value (a service name the scenario file refuses)
        return ScenarioError([], source=f"{name}: {exc}")
    except Exception as exc:  # the core raises ScenarioError only; still, never a bare traceback on screen
        return ScenarioError([], source=f"{name}: {type(exc).__name__}: {str(exc)[:300]}")


key = ("calibrate", session.digest(content), kind, columns_text, priorities_text, order, int(people), waiting,
       service, groups, group_match, pending, by_service, language)
with st.spinner(t("calibrate.running", language)):
    done = session.remember(key, compute)
if isinstance(done, ScenarioError):
    st.error(t("calibrate.problem", language) + "\n\n" + (session.problems_text(done) if done.problems else
                                                          _said(done.source or "")))
    st.stop()

calibration, found = done.calibration, done.backtest
history = calibration.history
st.subheader(t("calibrate.read", language))
ORDERS = {"day first": "calibrate.day_first", "month first": "calibrate.month_first"}
dates = t(ORDERS.get(history.date_order, "calibrate.iso_dates"), language)
st.markdown(_said(t("calibrate.read_line", language, source=history.source, format=history.format,
                             rows=number(history.rows, language, 0),
                             incidents=number(len(history.tickets), language, 0),
                             start=_day(history.tickets["opened"].min()),
                             end=_day(history.tickets["opened"].max()), order=dates)))
st.caption(t("calibrate.mapping", language))
st.dataframe([{t("calibrate.table.export", language): label, t("calibrate.table.level", language): level,
               t("calibrate.table.tickets", language): number(history.label_counts.get(label, 0), language, 0)}
              for label, level in history.priorities.items()], hide_index=True)
for line in [*history.excluded.lines(language), *(note_text(n, language) for n in history.notes),
             *desk_notes(done.desk, language)]:
    st.caption(_said(line))
if calibration.waiting:
    st.caption(t("calibrate.waiting_table", language))
    st.dataframe(waiting_table(calibration, language), hide_index=True)

st.subheader(t("calibrate.estimates", language))
for part in done.desk.services:
    if len(done.desk.services) > 1:
        st.caption(part.service)
    st.table(estimates_table(part, language).set_index(t("calibrate.table.priority", language)))   # wraps: fits
    st.caption(_said(t("calibrate.notes.trend_and_season", language, trend=note_text(part.trend.note, language),
                       season=note_text(part.seasonality.note, language))))
    for warning in part.warnings:
        st.warning(_said(note_text(warning, language)))
if found is not None:
    st.subheader(t("calibrate.backtest", language))
    for line in rating_lines(found, language):
        st.markdown(line)
    st.caption(_said(found.team.origin))
    st.table(backtest_table(found, language).set_index(t("calibrate.table.priority", language)))
    for note in backtest_warnings(found, language):
        st.warning(_said(note))
st.info(t("calibrate.repair_note", language, note=done.written.note(language)))
for warning in done.implausible(language):
    st.warning(_said(warning))
for figure in figures(calibration, found, language):
    st.plotly_chart(figure, width="stretch")

stem = "".join(c if c.isalnum() else "-" for c in service.lower()).strip("-")[:60] or "service"
left, middle, right = st.columns(3)
left.download_button(t("calibrate.download", language), done.scenario.encode("utf-8"), file_name=f"{stem}.yaml",
                     mime="application/x-yaml", key="calibrate_yaml")
middle.download_button(t("calibrate.report", language),
                       html_report(done, service, language).encode("utf-8"),
                       file_name=f"{stem}-calibration.html", mime="text/html", key="calibrate_html")


def use() -> None:
    study_from_text(done.scenario, "calibrated scenario")
    state["edited_text"] = done.scenario
    state["source"] = "edited"
    state["calibrate_used"] = True


right.button(t("calibrate.use", language), on_click=use, key="calibrate_apply")
if state.pop("calibrate_used", False):
    st.success(t("calibrate.used", language))
with st.expander(t("calibrate.yaml", language)):
    st.code(done.scenario, language="yaml")
