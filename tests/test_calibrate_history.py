"""Calibration faithful to a real firm: synthetic ServiceNow, GLPI and Jira exports of a known scenario
(:mod:`tests.exports`) read, estimated, back-tested and written back as a scenario that reproduces them.

Tolerances (fixed seeds, so nothing flickers): the time in pending states of each incident within a minute
or two of the truth (the exports keep whole minutes; auto-closed tickets whose closure is the only date
within the closing job's hour); rates inside their 95 % intervals; the paused times to restore's P50 and
P90 within 10 % of the truth; the back-test's simulated quantiles within 15 % of the history's.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from sourcing.tickets import read_export
from tests import exports

NOW = datetime(2026, 1, 1)


@pytest.fixture(scope="module")
def generated() -> exports.Generated:
    return exports.generate()


def _truth_by_id(generated: exports.Generated, kind: str) -> pd.DataFrame:
    truth = generated.incidents.copy()
    prefix = {"servicenow": "INC", "jira": "IT-", "glpi": ""}[kind]
    digits = truth["id"].astype(str).str.zfill(7) if kind == "servicenow" else truth["id"].astype(str)
    return truth.set_index(prefix + digits)


@pytest.mark.parametrize("kind", ["servicenow", "glpi", "jira"])
def test_pending_spells_are_measured_and_the_clock_paused_in_them(generated, kind):
    """Each tool's pending states (ServiceNow 'Awaiting ...', GLPI 'En attente', Jira 'Waiting for customer'
    and 'Pending') are found, and resolved - opened less the time in them is the engine's time to restore."""
    history = read_export(getattr(generated, kind)(), f"{kind}.csv", now=NOW, time_zone=exports.ZONE)
    assert history.format == kind and history.waiting == "states"
    assert set(history.pending_states) == {"servicenow": {"Awaiting User Info", "Awaiting Vendor"},
                                           "glpi": {"En attente"},
                                           "jira": {"Waiting for customer", "Pending"}}[kind]
    tickets = history.tickets.set_index("id")
    truth = _truth_by_id(generated, kind).reindex(tickets.index)
    assert len(tickets) == len(generated.incidents)
    resolved = tickets["resolved"].notna() & truth["ttr"].notna()
    paused = (tickets["resolved"] - tickets["opened"]).dt.total_seconds() / 3600 - tickets["pending"]
    error = (paused - truth["ttr"])[resolved].abs()
    ordinary = (truth["auto"] != 2)[resolved]
    assert error[ordinary].max() < 3 / 60  # minutes kept whole
    assert error[~ordinary].max() < 1.05  # the closing job runs every hour
    assert (tickets["pending"] - truth["pending"])[resolved & ordinary].abs().max() < 3 / 60
    assert any("closed without a resolution date" in note for note in history.notes)
    assert any("entered the resolved state" in note for note in history.notes)
    # The priority is the latest one (raised when work started), the groups every one it passed through.
    assert (tickets["priority"].astype(str) == truth["priority"]).all()
    moved = truth["wrong_group"] != ""
    assert all(len(groups) >= (3 if kind != "jira" else 1) for groups in tickets["groups"][moved])


def test_an_export_with_only_opened_and_resolved_says_the_waiting_is_in_the_time_to_restore(generated):
    text = generated.servicenow().decode()
    frame = pd.read_csv(pd.io.common.StringIO(text), dtype=str)
    latest = frame.drop_duplicates("number", keep="last")[["number", "opened_at", "resolved_at", "priority"]]
    history = read_export(latest.to_csv(index=False).encode(), "list.csv", now=NOW)
    assert history.waiting == "none" and history.pending_states == ()
    assert np.isnan(history.tickets["pending"]).all()


def test_pending_states_can_be_named(generated):
    history = read_export(generated.servicenow(), "log.csv", now=NOW, pending="awaiting vendor")
    assert history.pending_states == ("Awaiting Vendor",)
    truth = _truth_by_id(generated, "servicenow").reindex(history.tickets["id"])
    done = (truth["auto"] == 0).to_numpy() & history.tickets["resolved"].notna().to_numpy()
    assert history.tickets["pending"][done].sum() == pytest.approx(truth["pending_2"][done].sum(), rel=0.01)


# --------------------------------------------------------------------------- estimates against the truth


@pytest.fixture(scope="module")
def desk(generated):
    from sourcing.calibration import calibrate_desk

    history = read_export(generated.servicenow(), "servicenow.csv", now=NOW, time_zone=exports.ZONE)
    return calibrate_desk(history, "desk", country=exports.COUNTRY)


def test_the_level_shift_is_found_and_the_file_estimated_after_it(generated, desk):
    whole = desk.whole
    shifts = {s.kind: s for s in whole.shifts}
    for kind, factor in (("rates", 1 / exports.BEFORE["rate"]), ("repair", 1 / exports.BEFORE["repair"])):
        shift = shifts[kind]
        assert shift.significant, shift
        assert abs(shift.at - generated.shift) <= pd.Timedelta(days=7), shift
        assert shift.factor == pytest.approx(factor, rel=0.25), shift
    assert whole.since == generated.shift
    assert whole.tickets["opened"].min() >= generated.shift


def test_each_service_s_rates_fall_in_their_intervals(desk):
    """Each service's rate and its rates per priority inside their exact 95 % intervals, the intervals of a
    family of checks made simultaneous (Bonferroni): 5 totals at 99 % each, 20 rates at 99.75 % each (twenty
    95 % intervals would miss one in two runs)."""
    from scipy import stats

    def inside(count: int, months: float, truth: float, checks: int) -> bool:
        alpha = 0.05 / checks
        low = stats.gamma.ppf(alpha / 2, count) / months if count else 0.0
        return low <= truth <= stats.gamma.ppf(1 - alpha / 2, count + 1) / months

    assert [c.service for c in desk.services] == ["workstation", "network", "email", "erp", "other"]
    assert set(desk.grouped) == set(exports.TAIL)
    for c in desk.services:
        spec = exports.SERVICES[c.service]
        months = c.incidents / c.per_month.value  # the profile-weighted exposure of the estimate
        assert inside(c.incidents, months, spec["per_month"], 5), c.service
        for rate, share in zip(c.rates, spec["mix"]):
            assert inside(rate.count, months, spec["per_month"] * share, 20), (c.service, rate)


def test_the_paused_times_to_restore_match_the_truth(generated, desk):
    """P50 and P90 of the time to restore with the clock paused, per priority, within 10 % of the engine's
    own times to restore over the same incidents."""
    whole = desk.whole
    truth = generated.incidents.set_index("INC" + generated.incidents["id"].astype(str).str.zfill(7))
    for fit in whole.repair:
        chosen = whole.tickets[(whole.tickets["priority"] == fit.priority) & whole.tickets["resolved"].notna()
                               & (whole.tickets["opened"] < whole.censored_after)]
        real = truth.loc[chosen["id"], "ttr"].dropna()
        assert len(fit.hours) == len(chosen)
        for q, estimate in ((0.5, fit.median.value), (0.9, fit.p90.value)):
            assert estimate == pytest.approx(np.quantile(real, q), rel=0.10), (fit.priority, q)


def test_the_waiting_is_reported_per_priority(desk):
    waiting = {w.priority: w for w in desk.whole.waiting}
    for k, p in enumerate(("P1", "P2", "P3", "P4")):
        share = waiting[p].waited / waiting[p].resolved
        assert share == pytest.approx(exports.PENDING[k], abs=0.06), p
    assert 0.3 < waiting["all"].share < 0.9  # pending spells of days against times to restore of hours


def test_the_country_the_team_and_the_impacts_come_from_the_export(generated):
    from sourcing.calibration import calibrate

    history = read_export(generated.servicenow(), "servicenow.csv", now=NOW)
    found = calibrate(history, country="FR")
    assert found.country_check.suggest and found.country_check.best == exports.COUNTRY
    assert found.country_check.best_dip < 0.5
    assert not calibrate(history, country="BR").country_check.suggest
    assert found.team.people == exports.TEAM and found.team.everyone == exports.TEAM + exports.HELPERS
    impacts = {i.priority: i for i in found.impacts}
    assert impacts["P1"].value == 1.0 and impacts["P1"].known > 50
    assert impacts["P2"].value == pytest.approx(0.3) and impacts["P2"].known > 100


def test_the_back_test_reproduces_the_history(desk):
    """The simulated times to restore at P25, P50, P75 and P90 within 15 % of the history's, or of the history
    quantile's own 95 % interval (order statistics) for P1 and P2, whose tens to hundreds of tickets make
    their history's P90 uncertain by more than 15 %: the replay draws other repair times than the history's."""
    from simulation.backtest import FITTED, backtest
    from sourcing.calibration import quantile_interval
    from sourcing.calibration_file import placeholder_team

    team = placeholder_team(desk.whole, exports.ZONE)
    found = backtest(desk, team, exports.ZONE)
    assert found.failure is None and len(found.checks) == 4
    for check in found.checks:
        _, simulated = check.quantiles(FITTED[1:])
        for q, value in zip(FITTED[1:], simulated):
            real = quantile_interval(check.observed, q)
            low, high = (real.value, real.value) if len(check.observed) > 1000 else (real.low, real.high)
            assert low / 1.15 <= value <= high * 1.15, (check.priority, q, real, value)
