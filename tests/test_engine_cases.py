"""Hand-worked engine cases: every time here is computed by hand from the calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from builders import hand_load, study
from simulation.compile import compile_study
from simulation.engine import simulate
from simulation.streams import Streams


def run(s, incidents):
    load = hand_load(s, incidents)
    plan = compile_study(s)
    return simulate(plan, plan.scenarios[0], load, Streams(1, 0)), s.calendar_


def local(calendar, hours):
    return calendar.instant(hours).replace(tzinfo=None)


def test_friday_17h_incident_waits_for_monday_08h_with_business_hours_team():
    s = study()
    result, cal = run(s, [(datetime(2027, 1, 8, 17, 0), "P2")])  # Friday
    assert local(cal, result.started[0]) == datetime(2027, 1, 11, 8, 0)
    assert local(cal, result.restored[0]) == datetime(2027, 1, 11, 10, 0)


def test_public_holiday_is_skipped():
    s = study()
    # Tuesday 13 July 2027 at 17:00; Wednesday 14 July is Bastille Day.
    result, cal = run(s, [(datetime(2027, 7, 13, 17, 30), "P3")])
    assert local(cal, result.started[0]) == datetime(2027, 7, 15, 8, 0)
    assert local(cal, result.restored[0]) == datetime(2027, 7, 15, 10, 0)


def test_on_call_p1_at_3am_starts_after_call_out_delay():
    s = study(teams={"it": {"on_call": {"window": "HNO", "priorities": ["P1"], "call_out_delay": "30min",
                                        "weekly_premium": "150 EUR", "per_intervention": "50 EUR"}}})
    result, cal = run(s, [(datetime(2027, 1, 6, 3, 0), "P1"), (datetime(2027, 1, 6, 3, 10), "P3")])
    assert local(cal, result.started[0]) == datetime(2027, 1, 6, 3, 30)
    assert local(cal, result.restored[0]) == datetime(2027, 1, 6, 5, 30)
    # The P3 is not an on-call priority: it waits for the shift.
    assert local(cal, result.started[1]) == datetime(2027, 1, 6, 8, 0)
    team = result.teams["it"]
    assert [(c.person, local(cal, c.time)) for c in team.callouts] == [(0, datetime(2027, 1, 6, 3, 0))]
    assert team.call_work.sum() == pytest.approx(2.0)


def test_handover_at_shift_end_resumes_remaining_work_next_morning():
    s = study()
    result, cal = run(s, [(datetime(2027, 1, 8, 16, 0), "P2")])  # Friday 16:00, 2 h of work, shift ends 17:00
    assert local(cal, result.started[0]) == datetime(2027, 1, 8, 16, 0)
    assert local(cal, result.restored[0]) == datetime(2027, 1, 11, 9, 0)
    assert result.teams["it"].overtime == []


def test_overtime_at_shift_end_finishes_the_job_and_counts_the_hours():
    s = study(teams={"it": {"shift_end": "overtime"}})
    result, cal = run(s, [(datetime(2027, 1, 8, 16, 0), "P2")])
    assert local(cal, result.restored[0]) == datetime(2027, 1, 8, 18, 0)
    ((person, begin, end),) = result.teams["it"].overtime
    assert person == 0 and end - begin == pytest.approx(1.0)
    assert result.teams["it"].shift_work.sum() == pytest.approx(1.0)


def test_p1_preempts_lower_priority_and_interrupted_work_resumes():
    s = study()
    result, cal = run(s, [(datetime(2027, 1, 5, 10, 0), "P3"), (datetime(2027, 1, 5, 10, 30), "P1")])
    p3, p1 = 0, 1
    assert local(cal, result.started[p1]) == datetime(2027, 1, 5, 10, 30)
    assert local(cal, result.restored[p1]) == datetime(2027, 1, 5, 12, 30)
    # 30 min of the P3 were done; 1 h 30 remain after the P1.
    assert local(cal, result.restored[p3]) == datetime(2027, 1, 5, 14, 0)


def test_without_preemption_p1_waits_for_the_current_job():
    s = study(teams={"it": {"preemption": False}})
    result, cal = run(s, [(datetime(2027, 1, 5, 10, 0), "P3"), (datetime(2027, 1, 5, 10, 30), "P1")])
    assert local(cal, result.started[1]) == datetime(2027, 1, 5, 12, 0)


def test_priority_order_in_queue():
    s = study()
    result, cal = run(s, [(datetime(2027, 1, 9, 10, 0), "P4"), (datetime(2027, 1, 9, 11, 0), "P2"),
                          (datetime(2027, 1, 9, 12, 0), "P3")])  # Saturday: all wait for Monday
    starts = [local(cal, t) for t in result.started]
    assert starts == [datetime(2027, 1, 11, 12, 0), datetime(2027, 1, 11, 8, 0), datetime(2027, 1, 11, 10, 0)]


def test_skills_route_work_to_the_only_qualified_person():
    s = study(
        services={"mail": {"users": 50, "outage_cost_per_hour": {"business": "10 EUR", "off_hours": "1 EUR"},
                           "incidents": {"per_month": 1, "priorities": {"P3": "100%"}}}},
        teams={"it": {"members": [
            {"name": "Alice", "annual_cost": "60000 EUR", "shift": "Mon-Fri 08:00-17:00", "skills": ["erp"]},
            {"name": "Bob", "annual_cost": "60000 EUR", "shift": "Mon-Fri 08:00-17:00", "skills": ["mail"]},
        ]}},
    )
    load = hand_load(s, [(datetime(2027, 1, 5, 10, 0), "P3"), (datetime(2027, 1, 5, 10, 5), "P3")])
    load = type(load)(**{**load.__dict__, "service": np.array([0, 0], dtype=np.int16)})
    plan = compile_study(s)
    result = simulate(plan, plan.scenarios[0], load, Streams(1, 0))
    cal = s.calendar_
    # Both are erp incidents: only Alice can restore them, one after the other; Bob stays idle.
    assert local(cal, result.restored[1]) == datetime(2027, 1, 5, 14, 0)
    assert result.teams["it"].shift_work.tolist() == pytest.approx([4.0, 0.0])


def test_dst_change_does_not_shift_business_hours():
    s = study()
    # Friday 26 March 2027 16:30; clocks go forward on Sunday 28 March; Monday 29 is Easter Monday.
    result, cal = run(s, [(datetime(2027, 3, 26, 16, 30), "P2")])
    assert local(cal, result.restored[0]) == datetime(2027, 3, 30, 9, 30)


def test_team_of_one_has_no_cover_while_absent_or_vacant():
    s = study(teams={"it": {"absences": {"annual_leave_days": 25, "sickness": "5%"},
                            "departures": {"yearly_probability": "95%", "hiring_delay": "2mo"}}})
    from simulation.incidents import draw_load

    streams = Streams(3, 0)
    compiled = compile_study(s)
    load = draw_load(compiled, streams)
    result = simulate(compiled, compiled.scenarios[0], load, streams)
    plan = result.teams["it"].plans[0]
    assert len(plan.absent) > 5 and len(plan.vacant) >= 1
    started = result.started[~np.isnan(result.started)]
    inside = [(a <= t < b) for t in started for a, b in plan.absent]
    assert not any(inside)
    # Work also never runs through an absence: every restoration lies in a shift or is the end of one.
    for t in result.restored[~np.isnan(result.restored)]:
        assert not any(a < t < b for a, b in plan.absent)


def test_members_take_only_their_priorities():
    s = study(teams={"it": {"members": [
        {"name": "Level 1", "annual_cost": "35000 EUR", "shift": "Mon-Fri 08:00-17:00", "priorities": ["P3", "P4"]},
        {"name": "Level 2", "annual_cost": "60000 EUR", "shift": "Mon-Fri 08:00-17:00", "priorities": ["P1", "P2"]},
    ]}})
    result, cal = run(s, [(datetime(2027, 1, 5, 10, 0), "P3"), (datetime(2027, 1, 5, 10, 5), "P4"),
                          (datetime(2027, 1, 5, 10, 10), "P2")])
    # Level 2 is free but does not take the P4, which waits for Level 1; the P2 goes straight to Level 2.
    assert local(cal, result.started[1]) == datetime(2027, 1, 5, 12, 0)
    assert local(cal, result.started[2]) == datetime(2027, 1, 5, 10, 10)
    assert result.teams["it"].shift_work.tolist() == pytest.approx([4.0, 2.0])


def test_preempted_work_goes_to_the_next_shift_when_the_preempting_p1_runs_into_overtime():
    """Alice (08:00-18:00) starts a P2 on Tuesday at 17:00 (2 h of work); a P1 pre-empts her at 17:30
    and runs into overtime until 19:30. Bob starts at 18:00 and is free: he takes the 1 h 30 left of the
    P2, restored at 19:30. Before the fix nobody planned a wake-up after the pre-emption and the P2
    waited for Alice the next morning (restored Wednesday 09:30)."""
    s = study(teams={"it": {"shift_end": "overtime", "members": [
        {"name": "Alice", "annual_cost": "60000 EUR", "shift": "Mon-Fri 08:00-18:00"},
        {"name": "Bob", "annual_cost": "60000 EUR", "shift": "Mon-Fri 18:00-22:00"}]}})
    result, cal = run(s, [(datetime(2027, 1, 5, 17, 0), "P2"), (datetime(2027, 1, 5, 17, 30), "P1")])
    p2, p1 = 0, 1
    assert local(cal, result.restored[p1]) == datetime(2027, 1, 5, 19, 30)
    assert local(cal, result.restored[p2]) == datetime(2027, 1, 5, 19, 30)
    stretches = [(w.person, w.incident, local(cal, w.start), local(cal, w.end)) for w in result.teams["it"].work]
    assert (1, p2, datetime(2027, 1, 5, 18, 0), datetime(2027, 1, 5, 19, 30)) in stretches


def test_warm_up_incident_is_not_measured_but_its_work_is_felt_at_the_start():
    """An incident of the warm-up (Thursday 31 December 2026 at 16:00, 2 h of work) is started before
    the start, handed over at 17:00 and finished on Monday 4 January from 08:00 to 09:00: the horizon's
    first incident, declared at 08:00, waits for it. Only the horizon's incident is measured."""
    from simulation.metrics import measure

    s = study()
    assert s.calendar_.warm_up_days == 28
    result, cal = run(s, [(datetime(2026, 12, 31, 16, 0), "P3"), (datetime(2027, 1, 4, 8, 0), "P3")])
    assert local(cal, result.restored[0]) == datetime(2027, 1, 4, 9, 0)
    assert local(cal, result.started[1]) == datetime(2027, 1, 4, 9, 0)
    m = {(r[2], r[4], r[5], r[6]): r[7] for r in measure(compile_study(s), result, 0)}
    assert m[("service", "incidents", "P3", "all")] == 1
    assert m[("service", "ttr_mean", "P3", "all")] == pytest.approx(3.0)
    assert m[("service", "wait_mean", "P3", "all")] == pytest.approx(1.0)
    shift_hours = s.calendar_.schedule(s.window("Mon-Fri 08:00-17:00")).covered(0, s.calendar_.horizon_hours)
    assert m[("team", "utilisation", "", "all")] == pytest.approx(3.0 / shift_hours)


def test_without_warm_up_the_first_incident_finds_the_team_idle():
    s = study(calendar={"warm_up": "0d"})
    result, cal = run(s, [(datetime(2027, 1, 4, 8, 0), "P3")])
    assert local(cal, result.restored[0]) == datetime(2027, 1, 4, 10, 0)


def test_open_incidents_at_the_horizon_count_up_to_it_and_are_shown():
    """A P3 declared on Monday 3 January 2028 at 16:00 (2 h of work, the shift ends at 17:00) is still open
    when the horizon ends on 4 January at 00:00: its time to restore counts up to the horizon (8 h), and
    it is shown as open. Before, it was dropped from the mean."""
    from simulation.metrics import measure

    s = study()
    result, cal = run(s, [(datetime(2028, 1, 3, 16, 0), "P3")])  # Monday: 1 h of work before 17:00
    horizon = s.calendar_.horizon_hours
    assert np.isnan(result.restored[0])
    m = {(r[2], r[4], r[5], r[6]): r[7] for r in measure(compile_study(s), result, 0)}
    assert m[("service", "ttr_mean", "P3", "all")] == pytest.approx(horizon - result.load.time[0]) == pytest.approx(8)
    assert m[("service", "open_at_horizon", "P3", "all")] == 1


def test_sustainability_of_an_on_call_rota_worked_by_hand():
    """Two people share a weekly HNO rota over one year (from Monday 2027-01-04 to 2028-01-04: 52 weeks
    and one day; the rota hands over each Monday at local midnight, so Alice holds weeks 0, 2, ..., 52).
    A P1 on Tuesday 9 February 2027 at 23:00: called out at 23:30 (30 min), restored at 00:30; the next
    shift starts on Wednesday at 08:00, 7.5 h later, so the 11 h of daily rest are broken. A P1 on
    Saturday 13 March at 03:00 breaks the weekly rest, and not the daily rest (next shift on Monday). So,
    per on-call person and year: 1 / 2 daily and 1 / 2 weekly rests broken; the one more on call holds
    her share of the year's HNO hours (one week in two, plus the last day); 2 call-outs over the year's
    52 1/7 on-call weeks; 1 h of work on call each, per person and year (no overtime)."""
    from simulation.metrics import measure

    s = study(calendar={"warm_up": "0d"}, teams={"it": {
        "members": [{"name": "Alice", "annual_cost": "60000 EUR", "shift": "Mon-Fri 08:00-17:00"},
                    {"name": "Bob", "annual_cost": "60000 EUR", "shift": "Mon-Fri 08:00-17:00"}],
        "repair_time": {"P1": "1h", "P2": "2h", "P3": "2h", "P4": "2h"},
        "on_call": {"window": "HNO", "priorities": ["P1"], "call_out_delay": {"fixed": "30min"},
                    "weekly_premium": "150 EUR"}}})
    result, cal = run(s, [(datetime(2027, 2, 9, 23, 0), "P1"), (datetime(2027, 3, 13, 3, 0), "P1")])
    assert local(cal, result.restored[0]) == datetime(2027, 2, 10, 0, 30)
    m = {(r[2], r[4], r[6]): r[7] for r in measure(compile_study(s), result, 0) if r[2] == "team"}
    years = s.calendar_.horizon_hours / 8766.0
    hno = s.calendar_.schedule(s.window("HNO"))
    horizon = s.calendar_.horizon_hours
    mondays = [min(cal.hours_at(datetime(2027, 1, 4, tzinfo=cal.zone) + timedelta(weeks=k)), horizon)
               for k in range(54)]  # local midnights: a week around a clock change is 167 or 169 h long
    held = [sum(hno.covered(mondays[k], mondays[k + 1]) for k in range(first, 53, 2)) for first in (0, 1)]
    assert m[("team", "on_call_share_max", "all")] == pytest.approx(max(held) / hno.covered(0.0, horizon))
    assert 0.5 <= max(held) / sum(held) < 0.5 + 1 / 52
    assert m[("team", "daily_rest_broken_per_person_year", "all")] == pytest.approx(0.5 / years)
    assert m[("team", "weekly_rest_broken_per_person_year", "all")] == pytest.approx(0.5 / years)
    assert m[("team", "interventions_per_on_call_week", "all")] == pytest.approx(2 / (horizon / 168))
    assert m[("team", "extra_hours_per_person_year", "all")] == pytest.approx(1.0 / years)
    assert m[("team", "overtime_max_person_year", "all")] == 0.0
