"""A verdict that notices a model that cannot be right: an option whose team or provider cannot keep up
(the queue grows to the horizon) or whose service is down most of the time is never recommended, and when
every option is such, the verdict says so first, with the cause, and recommends nothing."""

from __future__ import annotations

import copy

from reports.verdict import sentences
from simulation.replications import run_study
from simulation.verdict import verdict
from sourcing.files import study_from_data

OVERWHELMED = {
    "name": "a desk nobody can keep up with",
    "calendar": {"start": "2027-01-04", "horizon": "1y", "country": "FR"},
    "services": {"desk": {
        "users": 500, "service_time": "HO",
        "outage_cost_per_hour": {"business": "500 EUR", "off_hours": "0 EUR"},
        # 300 incidents a month of about 2 hours each: 600 hours of work a month
        "incidents": {"per_month": 300, "priorities": {"P3": "70%", "P4": "30%"}},
        "availability_target": "99%"}},
    "teams": {"one": {"members": [{"name": "Sam", "annual_cost": "50000 EUR", "shift": "HO"}],
                      "repair_time": {p: {"median": "2h", "p90": "4h"} for p in ("P1", "P2", "P3", "P4")}},
              "three": {"members": [{"count": 3, "annual_cost": "50000 EUR", "shift": "HO"}],
                        "repair_time": {p: {"median": "2h", "p90": "4h"} for p in ("P1", "P2", "P3", "P4")}}},
    "scenarios": [{"name": "One technician", "default": {"make": "one"}},
                  {"name": "Three technicians", "default": {"make": "three"}}],
}


def test_when_no_option_can_keep_up_the_verdict_says_so_and_recommends_nothing() -> None:
    study = study_from_data(OVERWHELMED)
    results = run_study(study, 3, seed=1)
    found = verdict(results, study)
    assert not found.decided and set(found.doubts) == {"One technician", "Three technicians"}
    one, three = found.doubts["One technician"], found.doubts["Three technicians"]
    assert one.kind == "backlog" and one.months_of_incidents > 1
    # three technicians have 500 shift hours a month for 600 hours of work: saturated
    assert three.kind in ("backlog", "saturated")
    for lang, no, keep_up in (("en", "No recommendation", ("nobody keeps up", "cannot keep up")),
                              ("fr", "Pas de recommandation", ("personne ne suit", "elle ne suit pas"))):
        said = sentences(found, lang)
        assert no in said[0] and not any("Recommended" in s or "Recommandé" in s for s in said), said
        assert len(said) == 3 and all(any(k in s for k in keep_up) for s in said[1:]), said


def test_an_option_that_cannot_keep_up_is_set_aside_with_its_cause() -> None:
    data = copy.deepcopy(OVERWHELMED)
    data["teams"]["ten"] = {"members": [{"count": 10, "annual_cost": "50000 EUR", "shift": "HO"}],
                            "repair_time": {p: {"median": "2h", "p90": "4h"} for p in ("P1", "P2", "P3", "P4")}}
    data["scenarios"].append({"name": "Ten technicians", "default": {"make": "ten"}})
    study = study_from_data(data)
    results = run_study(study, 3, seed=1)
    found = verdict(results, study)
    assert found.decided and found.recommended == "Ten technicians"
    assert "One technician" in found.doubts and "Ten technicians" not in found.doubts
    said = " ".join(sentences(found, "en"))
    assert "Not considered: **One technician** (nobody keeps up with desk" in said


def test_a_run_too_short_to_weigh_a_rare_whole_team_absence_says_so() -> None:
    """Example (b)'s two admins are both away at once in about one replication in twenty (renewal theory:
    0.049 a replication, five years of 12 % departures and a four-month hiring delay); a run of 12 cannot weigh
    that, and its verdict says so with the replications that would; a run of 300 is not told."""
    from simulation.variance import rare_events
    from sourcing.files import load_study

    study = load_study("scenarios/email-1000.yaml")
    [event] = rare_events(study, None, 12)
    assert event.team == "two-admins" and 0.03 < event.per_replication < 0.07 and 150 < event.needed < 350
    assert rare_events(study, None, 300) == []
    results = run_study(study, 12, seed=2)
    said = " ".join(sentences(verdict(results, study), "en", replications=12))
    assert f"until about {event.needed} replications" in said and "of these 12" in said
