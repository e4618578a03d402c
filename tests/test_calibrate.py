"""Calibration from ticket exports: each format read to known right answers, estimates that recover a known
scenario, the back-test that separates waiting from work, bad input refused with the file, column or row and
what to write, and a calibrated file that validates and runs.

Tolerances: counts are checked within their exact 95 % intervals; repair-time medians drawn without a queue
within 10 %; after separating the queue of a busy HO team, the medians of the priorities with hundreds of
tickets within 25 % (resolved - opened, 2 to 3 times the truth there, barely moves with the repair time once the
nights and the queue are in it: it is weakly identified) and the simulated times to restore within a KS distance
of 0.1 of the real ones. Seeds are fixed, so the checks never flicker.
"""

from __future__ import annotations

import codecs
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.main import app
from sourcing import tickets as tickets_module
from sourcing.calibration import MIN_FIT, calibrate, calibrate_desk
from sourcing.calibration_file import team_from_count
from sourcing.errors import ScenarioError
from sourcing.files import load_study, study_from_data
from sourcing.scenario import weekly_profile
from sourcing.tickets import read_export, read_export_file
from sourcing.units import parse_duration
from sourcing.words import note_text

DATA = Path(__file__).parent / "data"
runner = CliRunner()
NOW = datetime(2026, 1, 1)


def refused(content: bytes | str, *words: str, **options) -> str:
    """The message of the ScenarioError an export raises; it names the file and holds every word given."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_export(content, "export.csv", now=NOW, **options)
    message = str(caught.value)
    assert message.startswith("export.csv"), message
    for word in words:
        assert word in message, message
    assert "Traceback" not in message
    return message


# --------------------------------------------------------------------------- formats with known answers


def test_servicenow_event_log_keeps_the_latest_state_of_each_incident():
    history = read_export_file(DATA / "servicenow-event-log.csv", now=NOW)
    assert history.format == "servicenow" and history.date_order == "day first"
    assert history.rows == 11 and len(history.tickets) == 5
    assert any("6 earlier states of 4 incidents" in n for n in [note_text(m, "en") for m in history.notes])
    assert history.priorities == {"1 - Critical": "P1", "2 - High": "P2", "3 - Moderate": "P3", "4 - Low": "P4"}
    first = history.tickets.iloc[0]  # INC0000045: opened 29/2/2016 01:16, resolved 29/2/2016 11:29
    assert first["opened"] == pd.Timestamp("2016-02-29 01:16") and first["resolved"] == pd.Timestamp("2016-02-29 11:29")
    latest = history.tickets.set_index("row").loc[7]  # INC0000047's last row: made_sla false, reopened once
    assert not latest["made_sla"] and latest["reopened"]
    # INC0000060 has '?' for its resolution: an arrival, not a repair time.
    assert history.excluded.counts == {"unresolved (counted as arrivals, not in repair times)": 1}
    calibration = calibrate(history)
    assert calibration.incidents == 5 and [r.count for r in calibration.rates] == [1, 1, 2, 1]
    assert calibration.reopened.count == 1 and calibration.reopened.total == 5
    assert calibration.sla["all"].count == 3 and calibration.sla["all"].total == 4


def test_glpi_french_windows_1252_semicolons_and_six_priorities():
    history = read_export_file(DATA / "glpi-fr-cp1252.csv", now=NOW)
    assert history.format == "glpi" and history.date_order == "day first"
    assert "read as Windows-1252 (not UTF-8)" in [note_text(n, "en") for n in history.notes]
    assert history.priorities == {"Majeure": "P1", "Très haute": "P1", "Haute": "P2", "Moyenne": "P3",
                                  "Basse": "P4", "Très basse": "P4"}
    assert history.excluded.counts["duplicate rows (the same cells twice)"] == 1
    assert history.excluded.counts["cancelled or duplicate tickets (state)"] == 1  # 'Annulé'
    frame = history.tickets.set_index("row")
    assert list(frame.index) == [2, 3, 4, 5, 6, 8]
    assert frame.loc[4, "opened"] == pd.Timestamp("2023-01-15 14:00") and frame.loc[4, "priority"] == "P1"
    assert frame.loc[8, "group"] == "Réseau; sécurité"  # a quoted separator stays in its cell
    assert pd.isna(frame.loc[6, "resolved"])


def test_jira_with_bom_spaced_headers_named_months_and_twelve_hour_clock():
    history = read_export_file(DATA / "jira-service-management.csv", now=NOW)
    assert history.format == "jira"
    assert history.priorities == {"Highest": "P1", "High": "P2", "Medium": "P3", "Low": "P4", "Lowest": "P4"}
    frame = history.tickets.set_index("row")
    assert frame.loc[2, "opened"] == pd.Timestamp("2023-10-19 14:54")
    assert frame.loc[2, "resolved"] == pd.Timestamp("2023-10-19 16:24")
    assert frame.loc[6, "opened"] == pd.Timestamp("2023-10-23 00:15")  # 12:15 AM
    assert frame.loc[4, "resolved"] - frame.loc[4, "opened"] == pd.Timedelta(days=2)


def test_generic_export_with_a_column_mapping_iso_dates_and_offsets():
    text = ("ref;when;done;sev;team\n"
            "A1;2024-03-01T09:00:00+01:00;2024-03-01T10:30:00+01:00;Sev 1;ops\n"
            "A2;2024-03-01 10:00;2024-03-02 10:00;Sev 3;ops\n"
            "A3;2024-03-02T08:00:00Z;;Sev 2;desk\n")
    history = read_export(text.encode(), "export.csv", now=NOW,
                          columns={"opened": "when", "resolved": "done", "priority": "sev", "group": "team",
                                   "id": "ref"}, priorities={"Sev 1": "P1", "Sev 2": "P2", "Sev 3": "P3"})
    assert history.format == "generic"
    frame = history.tickets.set_index("row")
    assert frame.loc[2, "opened"] == pd.Timestamp("2024-03-01 09:00")  # +01:00 is Paris winter time
    assert frame.loc[4, "opened"] == pd.Timestamp("2024-03-02 09:00")  # 08:00 UTC read in Paris
    assert list(frame["priority"]) == ["P1", "P3", "P2"]


def test_priority_mapping_can_be_overridden_and_skipped():
    history = read_export_file(DATA / "servicenow-event-log.csv", now=NOW,
                               priorities={"3 - Moderate": "P4", "4 - Low": "skip"})
    assert history.priorities["3 - Moderate"] == "P4" and history.priorities["4 - Low"] == "skip"
    assert "of a priority mapped to 'skip'" in history.excluded.counts


def test_month_first_dates_are_detected_and_ambiguous_ones_need_a_choice():
    month_first = "number,opened_at,resolved_at,priority\nI1,3/25/2024 9:00,3/25/2024 10:00,2 - High\n"
    assert read_export(month_first.encode(), "x.csv", now=NOW).date_order == "month first"
    ambiguous = "number,opened_at,resolved_at,priority\nI1,3/4/2024 9:00,3/4/2024 10:00,2 - High\n"
    refused(ambiguous, "--dayfirst or --monthfirst", "opened_at")
    read = read_export(ambiguous.encode(), "x.csv", now=NOW, order="day first")
    assert read.tickets["opened"].iloc[0] == pd.Timestamp("2024-04-03 09:00")


def test_dates_written_both_ways_in_one_column_are_refused():
    mixed = ("number,opened_at,resolved_at,priority\nI1,25/3/2024 9:00,25/3/2024 10:00,2 - High\n"
             "I2,3/26/2024 9:00,3/26/2024 10:00,2 - High\n")
    refused(mixed, "day first (row 2", "month first (row 3", "opened_at")


def test_unusable_rows_are_set_aside_and_counted():
    rows = ["number,opened_at,resolved_at,priority",
            "I1,2024-01-02 09:00,2024-01-02 10:00,3 - Moderate",
            "I2,2024-01-03 09:00,2024-01-02 09:00,3 - Moderate",  # resolved before opened
            "I3,2024-01-04 09:00,2026-01-04 09:00,3 - Moderate",  # two years later: absurd
            "I4,2030-01-05 09:00,2030-01-05 10:00,3 - Moderate",  # opened in the future
            "I5,2024-01-06 09:00,?,3 - Moderate",
            "I1,2024-01-02 09:00,2024-01-02 10:00,3 - Moderate"]  # the same row twice
    history = read_export("\n".join(rows).encode(), "x.csv", now=NOW)
    counts = history.excluded.counts
    assert len(history.tickets) == 4
    assert counts["opened in the future"] == 1 and counts["duplicate rows (the same cells twice)"] == 1
    assert counts["resolved before they were opened (not in repair times)"] == 1
    assert counts["resolved more than 365 days after opening (not in repair times)"] == 1
    assert counts["unresolved (counted as arrivals, not in repair times)"] == 1


# --------------------------------------------------------------------------- bad input


def test_bad_exports_are_refused_with_what_to_do():
    refused(b"", "empty")
    refused("number,opened_at,resolved_at,priority\n", "no ticket")
    refused(b"PK\x03\x04rest-of-a-zip", "Excel", "CSV UTF-8")
    refused(b"\x00\x01\x02binary", "NUL")
    refused("<html><body>Login</body></html>", "HTML page")
    refused("a,b,c\n1,2,3\n", "not those of a ServiceNow, GLPI or Jira export", "--columns opened=")
    refused("number,opened_at,priority\nI1,2024-01-01 10:00,1 - Critical\n", "no column for resolved",
            "--columns resolved=COLUMN")
    garbage = "number,opened_at,resolved_at,priority\n" + "\n".join(
        f"I{k},yesterday at noon,2024-01-01 10:00,1 - Critical" for k in range(5))
    refused(garbage, "'yesterday at noon' is not a date", "opened_at", ":2:", "2024-03-29 14:05")
    refused('number,opened_at,resolved_at,priority\nI1,"2024-01-01 10:00,2024-01-01 11:00,1\n', "cannot be read")


def test_formula_like_priority_is_refused_and_shown_as_text():
    text = ("number,opened_at,resolved_at,priority\nI1,2024-01-01 10:00,2024-01-01 11:00,=cmd|' /C calc'!A0\n")
    message = refused(text, "priorities not recognised", "--priorities", "priority")
    assert "=cmd|' /C calc'!A0" in message  # named as text, never evaluated


def test_mixed_encodings_are_read_and_the_lines_named():
    utf8 = "ID;Date d'ouverture;Date de résolution;Priorité\n1;01/02/2024 10:00;01/02/2024 11:00;Très haute\n"
    latin = "2;13/02/2024 10:00;13/02/2024 12:00;Très basse\n".encode("cp1252")
    history = read_export(utf8.encode() + latin, "mixed.csv", now=NOW)
    assert set(history.tickets["priority"]) == {"P1", "P4"}
    assert any("mixed encodings" in n and "lines 3" in n for n in [note_text(m, "en") for m in history.notes])


def test_utf16_and_bom_exports_are_read():
    text = "number,opened_at,resolved_at,priority\nI1,2024-01-01 10:00,2024-01-01 11:00,1 - Critical\n"
    assert len(read_export(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "x.csv", now=NOW).tickets) == 1
    assert len(read_export(codecs.BOM_UTF8 + text.encode(), "x.csv", now=NOW).tickets) == 1


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(tickets_module, "MAX_EXPORT_BYTES", 100)
    path = tmp_path / "big.csv"
    path.write_text("number,opened_at,resolved_at,priority\n" + "I1,2024-01-01 10:00,2024-01-01 11:00,1\n" * 10)
    with pytest.raises(ScenarioError, match="big.csv: .*an export is read up to"):
        read_export_file(path)


def test_a_handful_of_tickets_warns_with_the_threshold():
    calibration = calibrate(read_export_file(DATA / "servicenow-event-log.csv", now=NOW))
    said = [note_text(w, "en") for w in calibration.warnings]
    assert any(f"fewer than the {5}" in w or f"the {MIN_FIT}" in w for w in said)
    assert any("covers 0.1 months" in w for w in said)


# --------------------------------------------------------------------------- recovering a known scenario

TRUE_MIX = {"P1": 0.05, "P2": 0.15, "P3": 0.5, "P4": 0.3}
TRUE_REPAIR = {"P1": ("1.5h", "5h"), "P2": ("3h", "10h"), "P3": ("1h", "4h"), "P4": ("30min", "2h")}


def _export(opened: pd.Series, resolved: pd.Series, priority: pd.Series) -> bytes:
    labels = {"P1": "Highest", "P2": "High", "P3": "Medium", "P4": "Low"}
    return pd.DataFrame({"Issue key": [f"IT-{k}" for k in range(len(opened))],
                         "Created": opened.dt.strftime("%Y-%m-%d %H:%M:%S"),
                         "Resolved": resolved.dt.strftime("%Y-%m-%d %H:%M:%S"),
                         "Priority": priority.map(labels)}).to_csv(index=False).encode()


def test_rates_and_repair_medians_recovered_from_a_known_load_without_queue():
    """Arrivals drawn hour by hour from 800 a month with the office profile (no holidays), times to restore
    from the known lognormals (a desk that never makes anyone wait): rates inside their 95 % intervals,
    medians within 10 %."""
    rng = np.random.default_rng(7)
    start = pd.Timestamp("2023-01-02")
    hours = pd.date_range(start, periods=24 * 7 * 52, freq="h")
    counts = rng.poisson(800 / 730.5 * weekly_profile("office")[hours.day_of_week * 24 + hours.hour])
    opened = pd.Series(start + pd.to_timedelta(np.repeat(np.arange(len(hours)), counts)
                                               + rng.random(counts.sum()), unit="h"))
    priority = pd.Series(rng.choice(list(TRUE_MIX), size=len(opened), p=list(TRUE_MIX.values())))
    median = priority.map({p: parse_duration(m) for p, (m, _) in TRUE_REPAIR.items()}).to_numpy()
    p90 = priority.map({p: parse_duration(q) for p, (_, q) in TRUE_REPAIR.items()}).to_numpy()
    ttr = median * np.exp(np.log(p90 / median) / 1.2815515655446004 * rng.standard_normal(len(opened)))
    history = read_export(_export(opened, opened + pd.to_timedelta(ttr, unit="h"), priority), "known.csv", now=NOW)
    calibration = calibrate(history, country=None)
    assert calibration.profile.named == "office"
    assert calibration.per_month.low <= 800 <= calibration.per_month.high
    for rate in calibration.rates:
        assert rate.per_month.low <= 800 * TRUE_MIX[rate.priority] <= rate.per_month.high, rate
        fit = calibration.repair_for(rate.priority)
        assert fit.best.family == "lognormal"
        assert fit.best.median == pytest.approx(parse_duration(TRUE_REPAIR[rate.priority][0]), rel=0.10)
        assert fit.best.p90 == pytest.approx(parse_duration(TRUE_REPAIR[rate.priority][1]), rel=0.10)
    assert not calibration.trend.significant


@pytest.fixture(scope="module")
def simulated_history():
    return simulate_history()


def simulate_history():
    """A year of a known scenario simulated by the engine (HO team of 7, on call for P1), written as a
    Jira export: its times to restore include the queue, the nights and the weekends."""
    from simulation.replications import run_study

    data = {"name": "known", "calendar": {"start": "2023-01-02", "horizon": "1y", "warm_up": "0d"},
            "services": {"desk": {"users": 1000, "outage_cost_per_hour": {"business": "0 EUR", "off_hours": "0 EUR"},
                                  "incidents": {"per_month": 600, "weekly_profile": "office",
                                                "priorities": {p: f"{s:.0%}" for p, s in TRUE_MIX.items()}}}},
            "teams": {"ops": {"members": [{"count": 7, "annual_cost": "40000 EUR", "shift": "HO"}],
                              "repair_time": {p: {"median": m, "p90": q} for p, (m, q) in TRUE_REPAIR.items()},
                              "on_call": {"weekly_premium": "150 EUR", "call_out_delay": "30min"}}},
            "scenarios": [{"name": "make", "default": {"make": "ops"}}]}
    study = study_from_data(data)
    incidents = run_study(study, 1, seed=3, detail=True, variance_reduction=False).incidents
    origin = pd.Timestamp(study.calendar_.origin)
    opened = (origin + pd.to_timedelta(incidents["arrival"], unit="h")).dt.tz_convert("Europe/Paris")
    opened = opened.dt.tz_localize(None)
    resolved = opened + pd.to_timedelta(incidents["ttr"], unit="h")
    return read_export(_export(opened, resolved, incidents["priority"].astype(str)), "simulated.csv", now=NOW)


def test_the_back_test_separates_the_queue_from_the_work(simulated_history):
    from simulation.backtest import backtest

    desk = calibrate_desk(simulated_history, "desk")
    calibration = desk.whole
    for rate in calibration.rates:
        assert rate.per_month.low <= 600 * TRUE_MIX[rate.priority] <= rate.per_month.high, rate
    found = backtest(desk, team_from_count(7), "Europe/Paris", seed=1)
    assert found.failure is None
    for p in ("P2", "P3"):
        truth = parse_duration(TRUE_REPAIR[p][0])
        naive = calibration.repair_for(p).median.value
        assert naive > 1.5 * truth  # resolved - opened includes nights and the queue
        assert found.repairs["desk"][p].median == pytest.approx(truth, rel=0.25)
    for check in found.checks:
        assert check.ks < 0.1, check.priority


# --------------------------------------------------------------------------- the command line


def test_calibrate_writes_a_scenario_that_validates_and_runs(tmp_path):
    export = tmp_path / "desk.csv"
    export.write_bytes((DATA / "jira-service-management.csv").read_bytes())
    out, report = tmp_path / "desk.yaml", tmp_path / "calib.html"
    result = runner.invoke(app, ["calibrate", str(export), "--team", "2", "--out", str(out), "--report",
                                 str(report)])
    assert result.exit_code == 0, result.output
    assert "Highest" in result.output and "P1" in result.output and "Back-test" in result.output
    text = out.read_text()
    assert "adjust me" in text and "# 1 tickets" not in text
    study = load_study(out)
    assert study.services["desk"].incidents.per_month > 0
    assert "plotly" in report.read_text()
    ran = runner.invoke(app, ["run", str(out), "-n", "2"])
    assert ran.exit_code == 0, ran.output
    again = runner.invoke(app, ["calibrate", str(export), "--out", str(out), "--no-backtest"])
    assert again.exit_code == 2 and "already exists" in again.output
    assert runner.invoke(app, ["calibrate", str(export), "--out", str(out), "--no-backtest", "--force"]).exit_code == 0


def test_calibrate_speaks_french_with_the_page_s_tables(tmp_path):
    """--lang fr: the command prints the page's tables and notes from the catalogue, numbers the French way,
    and writes the report in French; another language is refused."""
    report = tmp_path / "rapport.html"
    result = runner.invoke(app, ["calibrate", str(DATA / "jira-service-management.csv"), "--no-backtest", "--lang",
                                 "fr", "--report", str(report)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Estimations par priorité (intervalles à 95 %)" in text and "Historique :" in text
    assert "Meilleure loi (AIC)" in text and "pas de --out : rien n'est écrit" in text
    assert not [phrase for phrase in ("Estimates per priority", "History:", "Best fit", "written:", "a month")
                if phrase in text]
    assert re.search(r"\d,\d\s%", text) and not re.search(r"\d\.\d\s?%", text)
    assert "<html lang='fr'>" in report.read_text(encoding="utf-8")
    refused = runner.invoke(app, ["calibrate", str(DATA / "jira-service-management.csv"), "--lang", "de"])
    assert refused.exit_code == 2 and "write en or fr" in refused.output


def test_calibrate_refuses_bad_input_without_a_traceback(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = runner.invoke(app, ["calibrate", str(empty), "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2 and "empty.csv" in result.output and "empty" in result.output
    assert not (tmp_path / "x.yaml").exists() and result.exception is None or isinstance(result.exception,
                                                                                         SystemExit)
    bad_name = runner.invoke(app, ["calibrate", str(DATA / "jira-service-management.csv"), "--service", "=cmd"])
    assert bad_name.exit_code == 2 and "formula" in bad_name.output
    bad_columns = runner.invoke(app, ["calibrate", str(DATA / "jira-service-management.csv"), "--columns", "when"])
    assert bad_columns.exit_code == 2 and "FIELD=COLUMN" in bad_columns.output
    missing = runner.invoke(app, ["calibrate", str(tmp_path / "nothing.csv")])
    assert missing.exit_code == 2 and "file not found" in missing.output
    assert [p.name for p in tmp_path.iterdir()] == ["empty.csv"]  # nothing half-written


def test_gamma_and_weibull_repair_times_validate_and_draw_their_median_and_p90():
    from pydantic import TypeAdapter

    from simulation.distributions import quantile
    from sourcing.model import Distribution

    for family in ("gamma", "weibull"):
        distribution = TypeAdapter(Distribution).validate_python({family: {"median": "2h", "p90": "9h"}})
        assert quantile(distribution, np.array([0.5, 0.9])) == pytest.approx([2.0, 9.0])


def _worked_at(night: set[str], evening: float = 22.5) -> pd.DataFrame:
    """Twelve weeks of tickets opened in business hours: those of the priorities in ``night`` restored the same
    evening (from ``evening`` for half an hour: 22:30 is outside the extended hours, 19:00 inside), the others
    within the hour."""
    rng = np.random.default_rng(5)
    days = pd.bdate_range("2024-01-08", periods=60)
    opened = pd.Series(np.repeat(days, 12)) + pd.to_timedelta(9 + 7 * rng.random(720), unit="h")
    priority = pd.Series(np.tile(["P1", "P2", "P2", "P3", "P3", "P3", "P3", "P3", "P4", "P4", "P4", "P4"], 60))
    late = opened.dt.normalize() + pd.to_timedelta(evening + 0.5 * rng.random(720), unit="h")
    resolved = opened + pd.to_timedelta(0.1 + 0.8 * rng.random(720), unit="h")
    resolved = resolved.where(~priority.isin(night), late)
    return read_export(_export(opened, resolved, priority), "hours.csv", now=NOW)


def test_the_placeholder_works_the_hours_the_history_restores_in_and_is_sized_from_the_mean_work():
    """Restored in business hours: technicians in business hours, on call for P1; P2 restored late at night:
    on call for P2 too; P3 and P4 restored in the evening: extended hours (Mon-Sat 08:00-22:00); late at
    night: a 24/7 rota (5.45 people a seat). The size: each priority's incidents a month times its mean
    hands-on time, at half the members' shift hours (50 h a week in business hours, 84 in extended hours,
    168 for a seat). The file written with extended hours names them in its calendar and validates."""
    from sourcing.calibration_file import (
        TARGET_UTILISATION,
        FileText,
        history_repairs,
        placeholder_hours,
        placeholder_team,
        scenario_yaml,
    )
    from sourcing.files import study_from_text

    cases = ((set(), 22.5, "office", "HO", ("P1",), 50.0), ({"P1", "P2"}, 22.5, "office", "HO", ("P1", "P2"), 50.0),
             ({"P3", "P4"}, 19.0, "extended", "extended", ("P1",), 84.0),
             ({"P1", "P2", "P3"}, 22.5, "rota", "24/7", (), 168.0))
    for night, evening, kind, shift, on_call, weekly in cases:
        desk = calibrate_desk(_worked_at(night, evening), "desk", country=None)
        calibration = desk.whole
        hours = placeholder_hours(calibration, "Europe/Paris")
        assert (hours.kind, hours.on_call) == (kind, on_call), night
        assert all(hours.off_hours[p] == (1.0 if p in night else 0.0) for p in ("P1", "P2", "P3", "P4")), hours
        hands_on = {"desk": {"P1": 4.0, "P2": 3.0, "P3": 2.0, "P4": 1.0}}
        team = placeholder_team(desk, "Europe/Paris", hands_on=hands_on)
        work = sum(r.per_month.value * hands_on["desk"][r.priority] for r in calibration.rates)
        member = team.data["members"][0]
        assert member["count"] == int(np.ceil(work / 730.5 * 168 / (weekly * TARGET_UTILISATION)))
        assert member["shift"] == shift and team.hours.weekly == weekly
        assert team.data.get("on_call", {}).get("priorities", []) == list(on_call)
        text = scenario_yaml(desk, team, history_repairs(desk), "Europe/Paris", FileText("", []))
        study = study_from_text(text, "placeholder.yaml")
        assert ("extended" in study.calendar.windows) == (kind == "extended")


EXAMPLE = Path(__file__).parents[1] / "scenarios" / "tickets-servicenow-example.csv"


def test_the_bundled_example_calibrates_to_a_plausible_world_that_reproduces_its_history(tmp_path):
    """The bundled ServiceNow event log (states New, Active, Resolved: no pending state; no resolver column;
    40 assignment groups; incidents restored at every hour) calibrated with every default: the note says the
    waiting cannot be told apart; the placeholder is a 24/7 rota (the history restores about half of each
    priority's incidents outside business hours) sized at half its hours from the mean of the repair times
    written; the back-test's simulated median of each priority falls inside the order-statistic 95 % interval
    of the history's; and the file written runs to an availability of 90 % or more (10 replications), with no
    doubt in the verdict. Fixed seeds: the figures never move between runs."""
    from reports.calibrate import calibrate_history
    from simulation.backtest import hands_on
    from simulation.replications import run_study
    from simulation.verdict import verdict
    from sourcing.calibration import quantile_interval
    from sourcing.calibration_file import SEAT_PEOPLE, TARGET_UTILISATION
    from sourcing.files import study_from_text

    history = read_export_file(EXAMPLE)
    assert history.waiting == "no_pending" and history.states == ("Active", "New", "Resolved")
    done = calibrate_history(history, "desk")
    assert done.team.rota and done.team.data["members"][0]["shift"] == "24/7" and "on_call" not in done.team.data
    assert all(share > 0.4 for share in done.team.hours.off_hours.values())
    # Sized from the mean hands-on time written, at the stated utilisation.
    means = hands_on(done.written.repairs)["desk"]
    work = sum(r.per_month.value * means[r.priority] for r in done.desk.whole.rates) / 730.5 * 168
    seats = done.team.data["members"][0]["count"]
    assert seats - 1 < work / (168 * TARGET_UTILISATION) <= seats
    assert f"{SEAT_PEOPLE:.2f}" in done.team.origin
    found = done.backtest
    assert found.failure is None and {c.priority for c in found.checks} == {"P1", "P2", "P3", "P4"}
    for check in found.checks:
        band = quantile_interval(check.observed, 0.5)
        assert band.low <= float(np.median(check.simulated)) <= band.high, (check.priority, band)
    assert "assumption (adjust me)" in done.written.note("en") and "resolved - opened" in done.written.note("en")
    assert "p1_impact: 2.5%" in done.scenario and "40 assignment groups" in done.scenario
    assert not done.implausible()
    study = study_from_text(done.scenario, "desk.yaml")
    results = run_study(study, 10, seed=1)
    rows = results.rows
    availability = rows[(rows["metric"] == "availability_24_7") & (rows["scope"] == "service")
                        & (rows["period"] == "all")]["value"]
    assert availability.mean() >= 0.9 and availability.min() >= 0.9, availability.describe()
    assert not verdict(results, study).doubts


def test_the_app_page_calibrates_the_bundled_example_and_offers_the_scenario():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).parents[1] / "webapp" / "pages" / "calibrate.py"), default_timeout=180)
    at.run()  # the page alone: the router's first page would simulate a whole comparison first
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Calibrate from your ticket history"
    tables = [frame.value for frame in at.table]   # static tables: their headers wrap, they fit the page
    assert any("Per month" in table and list(table.index) == ["P1", "P2", "P3", "P4"] for table in tables)
    assert any("Repair times written" in i.value for i in at.info)
    at.button(key="calibrate_apply").click().run()
    assert at.session_state["source"] == "edited" and "in-house" in at.session_state["edited_text"]
    at.session_state["lang"] = "fr"
    at.run()
    assert at.title[0].value == "Calibrer sur l'historique des tickets"


def test_the_back_test_is_rated_per_priority_in_plain_words() -> None:
    """KS distances and quantile pairs said nothing to a director: each priority gets good / fair / poor from
    the fitted quantile furthest from the history (relative gap; a priority of few tickets is held to what
    they can tell, 2.5 / sqrt(n)). Samples are fixed quantiles of known laws, not random draws."""
    from types import SimpleNamespace

    from scipy import stats

    from reports.conclusions import rating_sentence
    from simulation.backtest import PriorityCheck
    from simulation.conclusions import backtest_ratings

    grid = (np.arange(2000) + 0.5) / 2000
    real = stats.lognorm.ppf(grid, 1.0, scale=4.0)

    def check(priority: str, factor: float, n: int = 2000) -> PriorityCheck:
        keep = slice(None, None, 2000 // n)
        return PriorityCheck(None, priority, real[keep], factor * real[keep], 0.0, 1.0, 0.0)

    found = backtest_ratings(SimpleNamespace(checks=(check("P1", 1.05), check("P2", 1.2), check("P3", 3.0),
                                                     check("P4", 1.3, n=20))))
    # 30 % longer is within what 20 tickets can tell (2.5 / sqrt(20) = 56 %), not what 2,000 can
    assert [(r.priority, r.rating) for r in found] == [("P1", "good"), ("P2", "fair"), ("P3", "poor"),
                                                        ("P4", "good")]
    assert backtest_ratings(SimpleNamespace(checks=(check("P4", 1.3),)))[0].rating == "poor"
    assert found[1].gap == pytest.approx(0.2, abs=1e-9)    # every quantile is 20 % longer
    said = [rating_sentence(r, "en") for r in found]
    assert said[0].startswith("P1: **good**") and said[2].startswith("P3: **poor**: at P")
    assert "(×3.0; 2,000 tickets)" in said[2]
    assert rating_sentence(found[1], "fr").startswith("P2 : **moyen** : à moins de 25 %")
