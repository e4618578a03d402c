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
