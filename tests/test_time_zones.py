"""Every IANA time zone through the calendar, `validate` and `run`.

The zones that can break a calendar are found, not listed by hand: over the years a scenario or a ticket
history plausibly covers (:data:`YEARS`), a zone is *hard* when one of its clock changes skips or repeats
local times that include a midnight or end at one (Sao Paulo before 2019, Santiago, Beirut, Havana...),
moves the clock by something other than a whole hour (Lord Howe's and Caracas' half hours), or skips a day
(Apia, 30 December 2011). With the tz database of this writing that is 104 zones of 599, 73 distinct clocks.
Every hard zone is checked at the calendar level starting on the day of its last hard change; every distinct
clock among them (zones that are links of one another, or share every change over :data:`YEARS`, make one)
is validated and run across its last hard change; a seeded sample of the other zones goes through the same.
The zones named in issue 19 go through the command line itself, starting on the day of a change, and the
calibration and the app through a history and a scenario of Sao Paulo.

The one rule read everywhere (``sourcing.calendar.wall_clock``): a local time the clock skips is taken when
the clock resumes, a time it shows twice at its first occurrence. An oracle that scans every minute of UTC
checks it on the hard days of every hard zone.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, available_timezones

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from simulation.compile import compiled
from simulation.replications import run_study
from sourcing.calendar import (
    WINDOW_24_7,
    WINDOW_HNO,
    WINDOW_HO,
    Window,
    add_years,
    parse_rules,
    wall_clock,
    wall_clocks,
)
from sourcing.files import load_study, study_from_data

runner = CliRunner()

YEARS = (2000, 2030)
"""First and last year searched for hard days."""
SAMPLE = 8
"""How many of the other zones are validated and run, drawn with a fixed seed."""
FEE = 2000.0
"""The provider's monthly fee in the test scenario."""


class Change(NamedTuple):
    """A change of a zone's UTC offset: when (seconds since the epoch), and the offsets before and after."""

    at: int
    before: int
    after: int

    @property
    def day(self) -> date:
        """The local day the clock shows when it has changed (the day after a day the clock skips)."""
        return datetime.fromtimestamp(self.at + self.after, UTC).date()

    @property
    def reasons(self) -> frozenset[str]:
        """Why this change can break a calendar (empty when it cannot)."""
        step = self.after - self.before
        first, last = sorted((self.at + self.before, self.at + self.after))  # the local times skipped or repeated
        reasons = set()
        if step % 3600:
            reasons.add("not a whole hour")
        if abs(step) >= 86400:
            reasons.add("a skipped day")
        if last - last % 86400 >= first:  # a midnight among them, or at either end
            reasons.add("at midnight")
        return frozenset(reasons)


@cache
def clock_changes(name: str) -> tuple[Change, ...]:
    """Every change of the zone's offset during :data:`YEARS`, to the second: offsets sampled daily at noon UTC
    (pandas converts UTC to local time, where nothing is ambiguous), then each change bisected."""
    noons = pd.date_range(f"{YEARS[0]}-01-01 12:00", f"{YEARS[1] + 1}-01-01 12:00", freq="D", tz="UTC")
    offsets = (noons.tz_convert(name).tz_localize(None) - noons.tz_localize(None)).total_seconds().to_numpy()
    zone = ZoneInfo(name)
    changes = []
    for i in np.flatnonzero(np.diff(offsets)):
        before, after = int(noons[i].timestamp()), int(noons[i + 1].timestamp())
        while after - before > 1:
            middle = (before + after) // 2
            if datetime.fromtimestamp(middle, zone).utcoffset().total_seconds() == offsets[i]:
                before = middle
            else:
                after = middle
        changes.append(Change(after, int(offsets[i]), int(offsets[i + 1])))
    return tuple(changes)


@cache
def hard_zones() -> dict[str, tuple[Change, ...]]:
    """Every hard zone and its hard changes."""
    found = {name: tuple(c for c in clock_changes(name) if c.reasons) for name in sorted(available_timezones())}
    return {name: changes for name, changes in found.items() if changes}


def distinct_clocks(names: list[str]) -> list[str]:
    """The first name of each group of zones that share one clock over :data:`YEARS` (the same changes at the
    same instants; their first offsets equal too)."""
    seen: dict[tuple, str] = {}
    for name in sorted(names):
        first = datetime(YEARS[0], 1, 1, tzinfo=UTC).astimezone(ZoneInfo(name)).utcoffset()
        seen.setdefault((first, clock_changes(name)), name)
    return sorted(seen.values())


def sample_of_the_rest() -> list[str]:
    """A seeded sample of the zones that are not hard."""
    rest = sorted(set(available_timezones()) - set(hard_zones()))
    return sorted(random.Random(19).sample(rest, SAMPLE))


def _start_before(name: str) -> date:
    """The first day of the month before the zone's last hard change (its last change of any kind for an easy
    zone, or 1 July 2016 without one): the change falls inside the horizon, after the warm-up."""
    changes = hard_zones().get(name) or clock_changes(name)
    last = changes[-1].day if changes else date(2016, 8, 1)
    return (last.replace(day=1) - timedelta(days=1)).replace(day=1)


def _skipped(zone: ZoneInfo, day: date) -> bool:
    """True for a day the clock skips whole: its midnight and the next are one instant."""
    return wall_clock(datetime.combine(day, time(0)), zone) == wall_clock(datetime.combine(day, time(0))
                                                                          + timedelta(days=1), zone)


# --------------------------------------------------------------------------- the scenario

def scenario(zone: str, start: date) -> dict:
    """One service under every kind of window: business hours, their complement, 24/7, a night shift across
    midnight, early hours that start in many zones' skipped hour, changes on Sunday night, an on-call rota cut
    at midnights; made in-house, outsourced (GTR in covered hours, a monthly fee) or bought (monthly SLA)."""
    return {
        "name": f"Clocks of {zone}",
        "calendar": {"start": start.isoformat(), "horizon": "1y", "time_zone": zone, "country": "FR",
                     "windows": {"office": "Mon-Fri 08:00-18:00", "nights": "daily 22:00-06:00+1",
                                 "small-hours": "Mon-Sat 00:30-07:30", "rest": {"except": "office"}}},
        "services": {"app": {
            "users": 200, "service_time": "office", "business_hours": "HO",
            "outage_cost_per_hour": {"business": "1000 EUR", "off_hours": "100 EUR"},
            "incidents": {"per_month": 12, "priorities": {"P1": "20%", "P2": "20%", "P3": "30%", "P4": "30%"}},
            "changes": {"per_month": 2, "planned_downtime": "30min", "window": "Sun 00:00-03:00",
                        "failure_rate": "10%", "incident_priority": "P2"},
            "availability_target": "99%"}},
        "teams": {"ops": {
            "members": [{"count": 1, "role": "admin", "annual_cost": "60000 EUR", "shift": "HO"},
                        {"count": 1, "role": "night admin", "annual_cost": "60000 EUR", "shift": "nights"},
                        {"count": 1, "role": "early admin", "annual_cost": "60000 EUR", "shift": "small-hours"}],
            "repair_time": {"P1": "2h", "P2": "3h", "P3": "4h", "P4": "4h"},
            "on_call": {"window": "rest", "priorities": ["P1"], "call_out_delay": "30min",
                        "weekly_premium": "100 EUR"},
            "absences": {"annual_leave_days": 25, "sickness": "3%"}}},
        "providers": {"msp": {
            "coverage": "HO", "gtr": {"P1": "4h", "P2": "8h", "P3": "16h", "P4": "40h"},
            "performance": {"within_gtr": {p: "90%" for p in ("P1", "P2", "P3", "P4")}},
            "fees": {"monthly": f"{FEE:.0f} EUR", "tickets_included": 5, "extra_ticket": "80 EUR",
                     "hno_multiplier": 1.5},
            "penalties": {"per_hour_late": {"P1": "5%"}, "monthly_cap": "20%"},
            "retained": {"fte": 0.2, "annual_cost": "80000 EUR"}}},
        "saas": {"cloud": {
            "price_per_user_month": "5 EUR", "outages": {"per_year": 3, "duration": {"median": "1h", "p90": "4h"}},
            "maintenance": {"per_month": 1, "duration": "1h", "window": "Sat 22:00-06:00+1"},
            "sla": {"availability": "99.9%", "credits": [{"below": "99.9%", "credit": "25%"}], "cap": "100%",
                    "claimed": True},
            "support": {"window": "24/7", "response": {"median": "1h", "p90": "6h"},
                        "restore": {"median": "4h", "p90": "24h"}},
            "retained": {"fte": 0.1, "annual_cost": "80000 EUR"}}},
        "scenarios": [{"name": "In-house", "default": {"make": "ops"}},
                      {"name": "Outsourced", "default": {"outsource": "msp"}},
                      {"name": "SaaS", "default": {"saas": "cloud"}}],
    }


def _months(start: date) -> list[str]:
    """``YYYY-MM`` of each calendar month of a one-year horizon from ``start``."""
    end = add_years(start, 1)
    return [str(p) for p in pd.period_range(start, end - timedelta(days=1), freq="M")]


def check_plan(zone: str, start: date) -> list[str]:
    """What is wrong with the compiled calendar of the test scenario in ``zone`` from ``start`` (nothing, when
    all is well): months, midnights, every window, and the covered-hours functions."""
    study = study_from_data(scenario(zone, start))
    plan = compiled(study).calendar
    calendar = plan.calendar
    problems = []
    bounds = plan.months.bounds
    if not (bounds[0] == 0 and bounds[-1] == plan.horizon and np.all(np.diff(bounds) > 0)):
        problems.append(f"months not contiguous: {bounds.tolist()}")
    if list(plan.month_labels) != _months(start):
        problems.append(f"month labels {plan.month_labels}")
    if np.any(np.diff(bounds) > plan.months.whole + 1e-9):
        problems.append("a month's part longer than the month")
    edges = calendar.midnights(calendar.start)
    lengths = np.diff(edges)
    if np.any(lengths < 0) or np.any(lengths > 48) or np.sum(lengths > 0) < len(lengths) - 1:
        problems.append(f"day lengths {sorted(set(lengths.tolist()))}")
    if abs(edges[0]) > 1e-9 or not np.any(np.isclose(edges, plan.horizon)):
        problems.append("midnights do not begin at the start and reach the horizon")
    begin, end = plan.warm_up_start, plan.horizon
    windows = {"HO": WINDOW_HO, "HNO": WINDOW_HNO, "24/7": WINDOW_24_7,
               **{name: study.window(name) for name in ("nights", "small-hours", "rest")},
               "whole days": Window("whole days", parse_rules("Mon-Sun 00:00-24:00"), holidays_open=False)}
    covered = {}
    for name, window in windows.items():
        schedule = calendar.schedule(window)
        if np.any(schedule.ends <= schedule.starts) or np.any(schedule.starts[1:] <= schedule.ends[:-1]):
            problems.append(f"{name}: intervals empty, unsorted or overlapping")
        covered[name] = schedule.covered(begin, end)
        for t, hours in ((begin + 13.25, 4.0), (end / 2, 31.5), (end - 500, 4.0)):
            due = schedule.add(t, hours)
            if abs(schedule.covered(t, due) - hours) > 1e-6:
                problems.append(f"{name}: {hours} covered hours added at {t} measure {schedule.covered(t, due)}")
    if abs(covered["HO"] + covered["HNO"] - (end - begin)) > 1e-6 or abs(covered["24/7"] - (end - begin)) > 1e-6:
        problems.append(f"HO + HNO or 24/7 is not the elapsed time: {covered}")
    if abs(covered["rest"] - covered["HNO"]) > 1e-6 or covered["HO"] > covered["whole days"]:
        problems.append(f"windows inconsistent: {covered}")
    days = calendar.midnights(calendar.start - timedelta(days=calendar.warm_up_days))
    holidays = [d for d in calendar.public_holidays
                if calendar.start - timedelta(days=calendar.warm_up_days) <= d < calendar.end_date]
    holiday_hours = sum(calendar.local(d + timedelta(days=1), 0) - calendar.local(d, 0) for d in holidays)
    if abs(covered["whole days"] - (days[-2] - days[0] - holiday_hours)) > 1e-6:
        problems.append(f"whole days {covered['whole days']} against {days[-2] - days[0] - holiday_hours}")
    return problems


# --------------------------------------------------------------------------- the rule itself

def _oracle(zone: str, day: date) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """Local times every ten minutes from noon the day before to noon the day after, and for each, from what
    the clock shows at every UTC minute around them: the first minute that shows it, or if none does (a time
    the clock skips), the first minute that shows a later time."""
    minutes = pd.date_range(datetime.combine(day, time(0)) - timedelta(days=2), periods=4 * 1440, freq="min",
                            tz="UTC")
    shown = minutes.tz_convert(zone).tz_localize(None)
    local = pd.date_range(datetime.combine(day, time(12)) - timedelta(days=1), periods=2 * 144, freq="10min")
    once = np.flatnonzero(~shown.duplicated(keep="first"))
    found = shown[once].get_indexer(local)
    first = np.where(found >= 0, once[found], -1)
    later = np.searchsorted(np.maximum.accumulate(shown.asi8), local.as_unit(shown.unit).asi8, side="right")
    return local, minutes[np.where(first >= 0, first, later)]


@pytest.mark.xdist_group("time-zones")  # one worker searches the zones once for the four tests that use them
def test_hard_zones_are_found_and_include_the_ones_the_issue_names():
    hard = hard_zones()
    for name in ("America/Sao_Paulo", "America/Santiago", "Asia/Beirut", "America/Havana", "Australia/Lord_Howe",
                 "Pacific/Apia"):
        assert name in hard, name
    assert "Europe/Paris" not in hard and "UTC" not in hard
    apia = {c.day: c.reasons for c in hard["Pacific/Apia"]}
    assert apia[date(2011, 12, 31)] == {"a skipped day", "at midnight"}  # the clock went from the 29th to the 31st
    assert _skipped(ZoneInfo("Pacific/Apia"), date(2011, 12, 30))
    assert all(c.reasons == {"not a whole hour"} for c in hard["Australia/Lord_Howe"])
    assert {c.day for c in hard["America/Sao_Paulo"]} >= {date(2016, 10, 16), date(2017, 2, 18)}
    assert any(c.reasons == {"at midnight"} for c in hard["America/Havana"])


@pytest.mark.xdist_group("time-zones")
def test_the_rule_matches_a_minute_by_minute_oracle_on_every_hard_day_it_checks():
    """First and last hard day of every hard zone: scalar and vectorised rule equal the oracle, and a later
    local time never comes out earlier."""
    wrong = []
    for name, changes in hard_zones().items():
        zone = ZoneInfo(name)
        for hard in {changes[0], changes[-1]}:
            local, expected = _oracle(name, hard.day)
            vectorised = wall_clocks(local, name)
            scalar = pd.DatetimeIndex([wall_clock(t.to_pydatetime(), zone) for t in local])
            if not (vectorised.equals(expected) and scalar.equals(expected)):
                at = np.flatnonzero((vectorised != expected) | (scalar != expected))[0]
                wrong.append(f"{name} {local[at]}: rule {scalar[at]}, vectorised {vectorised[at]}, "
                             f"oracle {expected[at]}")
            elif np.any(np.diff(vectorised.asi8) < 0):
                wrong.append(f"{name} {hard.day}: a later local time comes out earlier")
    assert not wrong, "\n".join(wrong[:20])


# --------------------------------------------------------------------------- calendar, validate and run

@pytest.mark.xdist_group("time-zones")
def test_the_calendar_holds_together_in_every_hard_zone_starting_on_its_hard_day():
    """Months contiguous with one label each, days of a plausible length, every window consistent with the
    others and the covered-hours functions exact, in every hard zone from its last hard day (the start falls
    on the change) and in the sample of the other zones."""
    cases = [(name, changes[-1].day) for name, changes in hard_zones().items()]
    cases += [(name, _start_before(name)) for name in sample_of_the_rest()]
    wrong = {f"{name} from {start}": problems for name, start in cases if (problems := check_plan(name, start))}
    assert not wrong, wrong


@pytest.mark.xdist_group("time-zones")
def test_validate_and_a_short_run_in_every_distinct_hard_clock_and_a_sample_of_the_rest(tmp_path):
    """`validate` accepts every file (one call, as a consultant checks a folder), and a two-replication run of
    each gives sane numbers: availabilities between 0 and 1, one monthly availability per calendar month of the
    horizon, the provider's fee billed for exactly twelve months (the horizon starts on the 1st), finite
    costs."""
    names = distinct_clocks(list(hard_zones())) + sample_of_the_rest()
    paths = {}
    for name in names:
        paths[name] = tmp_path / f"{name.replace('/', '-')}.yaml"
        paths[name].write_text(yaml.safe_dump(scenario(name, _start_before(name)), sort_keys=False))
    checked = runner.invoke(app, ["validate", *map(str, paths.values())])
    assert checked.exit_code == 0, checked.output
    assert checked.output.count("✓") == len(names)
    wrong = {}
    for name, path in paths.items():
        rows = run_study(load_study(path), 2, seed=1, variance_reduction=False).rows
        rows = rows.astype({"metric": str, "period": str})
        shares = rows[rows["metric"].str.startswith("availability")]["value"]
        monthly = rows[rows["metric"] == "availability_month"]
        fee = rows[(rows["metric"] == "cost.provider_fixed") & (rows["period"] == "all")
                   & (rows["scenario"] == "Outsourced")]["value"]
        costs = rows[rows["metric"].str.startswith("cost")]["value"]
        problems = []
        if not shares.between(0, 1).all():
            problems.append("an availability outside [0, 1]")
        if sorted(monthly["period"].unique()) != _months(_start_before(name)) or len(monthly) != 3 * 2 * 12:
            problems.append(f"monthly periods {sorted(monthly['period'].unique())}")
        if not np.allclose(fee, 12 * FEE, rtol=1e-9):
            problems.append(f"provider fee {fee.tolist()} for 12 months of {FEE}")
        if not np.isfinite(costs).all():
            problems.append("a cost is not finite")
        if problems:
            wrong[name] = problems
    assert not wrong, wrong


NAMED = [
    ("America/Sao_Paulo", date(2016, 10, 16), "BR"),   # midnight skipped: 00:00 -> 01:00, the start itself
    ("America/Sao_Paulo", date(2017, 2, 18), "BR"),    # 23:00-24:00 twice: a 25-hour first day
    ("America/Santiago", date(2016, 8, 14), "CL"),     # midnight skipped
    ("Asia/Beirut", date(2016, 3, 27), "LB"),          # midnight skipped
    ("America/Havana", date(2016, 11, 6), "CU"),       # 00:00-01:00 twice: midnight itself repeated
    ("Australia/Lord_Howe", date(2016, 10, 2), "AU"),  # 02:00 -> 02:30
    ("Europe/Dublin", date(2016, 10, 30), "IE"),       # negative daylight saving in the tz database
    ("Pacific/Apia", date(2011, 12, 30), None),        # the day that never was: a start on it
    ("Pacific/Apia", date(2011, 12, 1), None),         # ... and a horizon across it
]


@pytest.mark.parametrize(("zone", "start", "country"), NAMED, ids=[f"{z}-{s}" for z, s, _ in NAMED])
def test_the_command_line_validates_and_runs_from_a_transition_day(tmp_path, zone, start, country):
    """Through the command line itself, starting on the day of a clock change (or across Apia's skipped day):
    exit status 0, and the JSON results name each calendar month of the horizon once."""
    changes = {c.day for c in clock_changes(zone)}
    assert start.day == 1 or start in changes or _skipped(ZoneInfo(zone), start), "a day without a change"
    data = scenario(zone, start)
    data["calendar"]["country"] = country
    path = tmp_path / "clock.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    checked = runner.invoke(app, ["validate", str(path)])
    assert checked.exit_code == 0, checked.output
    ran = runner.invoke(app, ["run", str(path), "-n", "2", "--seed", "1", "--format", "json"])
    assert ran.exit_code == 0, ran.output
    summary = json.loads(ran.stdout)["summary"]
    periods = [row["period"] for row in summary
               if row["metric"] == "availability_month" and row["scenario"] == "In-house"]
    assert periods == _months(start)


def test_calibrate_reads_an_export_written_where_clocks_skip_and_repeat_midnight(tmp_path):
    """A Jira export in Sao Paulo across October 2016 and February 2017, with tickets stamped in the skipped
    hour and in the repeated one (what a tool set to the wrong zone writes): calibrated and back-tested, and the
    scenario written validates and runs."""
    rng = np.random.default_rng(5)
    days = pd.bdate_range("2016-09-01", "2017-03-31")
    opened = pd.Series(np.sort(rng.choice(days, 600)) + pd.to_timedelta(rng.uniform(8, 18, 600), unit="h"))
    odd = pd.Series(pd.to_datetime(["2016-10-16 00:20", "2016-10-16 00:50", "2017-02-18 23:10", "2017-02-18 23:40"]))
    opened = pd.concat([opened, odd], ignore_index=True).dt.floor("min")
    resolved = opened + pd.to_timedelta(rng.lognormal(np.log(3), 1, len(opened)), unit="h").round("min")
    priority = pd.Series(rng.choice(["Highest", "High", "Medium", "Low"], len(opened), p=[0.05, 0.15, 0.5, 0.3]))
    export = tmp_path / "desk.csv"
    export.write_text(pd.DataFrame({"Issue key": [f"IT-{k}" for k in range(len(opened))],
                                    "Created": opened.dt.strftime("%Y-%m-%d %H:%M"),
                                    "Resolved": resolved.dt.strftime("%Y-%m-%d %H:%M"),
                                    "Priority": priority}).to_csv(index=False))
    out = tmp_path / "desk.yaml"
    calibrated = runner.invoke(app, ["calibrate", str(export), "--time-zone", "America/Sao_Paulo", "--country", "BR",
                                     "--team", "2", "--out", str(out)])
    assert calibrated.exit_code == 0, calibrated.output
    assert "Back-test" in calibrated.output
    ran = runner.invoke(app, ["run", str(out), "-n", "2"])
    assert ran.exit_code == 0, ran.output


def test_the_app_compares_a_scenario_in_sao_paulo_across_its_clock_changes():
    """Uploaded in the app, a scenario of Sao Paulo from October 2016 (both midnight changes in its year) is
    compared, and its service page shows one availability per calendar month."""
    from streamlit.testing.v1 import AppTest
    from test_app import APP, kpis

    data = scenario("America/Sao_Paulo", date(2016, 10, 1))
    data["calendar"]["country"] = "BR"
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["replications"] = 2
    at.run()
    at.radio(key="source").set_value("upload").run()
    at.file_uploader[0].set_value(("sao-paulo.yaml", yaml.safe_dump(data, sort_keys=False).encode(),
                                   "application/x-yaml"))
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Clocks of America/Sao_Paulo"
    assert list(kpis(at).index) == ["In-house", "Outsourced", "SaaS"]
    at.switch_page("webapp/pages/service.py").run()
    assert not at.exception and not at.error
    shown = [trace.get("x") for chart in at.get("plotly_chart") for trace in json.loads(chart.proto.spec)["data"]]
    assert _months(date(2016, 10, 1)) in shown  # the monthly availability chart: each calendar month once
