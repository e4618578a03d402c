"""Is an internal team's on-call rota and workload sustainable under French rest rules?

Per team and replication, from the call-outs, the on-call rota, overtime and the shifts:

- ``on_call_share_max``: the largest share of weeks one person spends on call (a French reader stops
  above one week in two);
- ``interventions_per_on_call_week``: call-outs per week of on-call duty;
- ``extra_hours_per_person_year``: overtime and hours worked on call, per person and year;
- ``daily_rest_broken_per_person_year``: call-outs after which the person does not get 11 consecutive
  hours before the next shift (Code du travail L3131-1: an intervention interrupts the daily rest);
- ``weekly_rest_broken_per_person_year``: call-outs on a Saturday or a Sunday, which break the 35 hours of
  weekly rest (L3132-2);
- ``overtime_max_person_year``: the most overtime one person works in one year (the legal annual quota
  is 220 hours without a collective agreement, D3121-24).
"""

from __future__ import annotations

import numpy as np

from sourcing.notes import Note, Number, Share

METRICS = ("on_call_share_max", "interventions_per_on_call_week", "extra_hours_per_person_year",
           "daily_rest_broken_per_person_year", "weekly_rest_broken_per_person_year", "overtime_max_person_year")
DAILY_REST = 11.0
ON_CALL_SHARE = 0.5 + 1 / 52
"""More than one week in two on call: a two-person weekly rota holds 50 % each, give or take the days a
horizon adds to whole weeks, so a share is flagged only beyond one extra week a year."""
OVERTIME_QUOTA = 220.0
DAILY_REST_BREAKS = 12.0
"""Daily rest broken more than once a month per person is flagged."""
WEEKLY_REST_BREAKS = 4.0
"""Weekly rest broken more than once a quarter per person is flagged."""


def measure(calendar, horizon: float, plans, rota, callouts, interventions, overtime, on_call_window) -> dict:
    """The sustainability figures of one team in one replication (see the module's list)."""
    years = horizon / 8766.0
    people = len(plans)
    rota_people = [i for i, p in enumerate(plans) if p.person.on_call] or list(range(people))
    duty = np.zeros(people)
    for shift in rota:
        duty[shift.person] += max(0.0, min(shift.end, horizon) - max(shift.start, 0.0))
    weekly = on_call_window.covered(0.0, horizon) / (horizon / 168) if on_call_window is not None else 0.0
    weeks = horizon / 168
    duty_weeks = duty / weekly if weekly else duty * 0
    shown = [c for c in callouts if 0 <= c.time < horizon]
    ends = {}
    for person, start, end in interventions:
        ends.setdefault(person, []).append((start, end))
    daily = weekly_breaks = 0
    for callout in shown:
        # The rest runs from the end of the on-call work done before the person's next shift.
        shifts = plans[callout.person].on_shift
        following = shifts[shifts[:, 0] >= callout.time - 1e-9]
        next_shift = following[0, 0] if len(following) else np.inf
        finish = max((e for s, e in ends.get(callout.person, []) if callout.time - 1e-9 <= s < next_shift),
                     default=callout.time)
        if next_shift - finish < DAILY_REST:
            daily += 1
        if calendar.instant(callout.time).weekday() >= 5:
            weekly_breaks += 1
    over = np.zeros(people)
    for person, start, end in overtime:
        over[person] += max(0.0, min(end, horizon) - max(start, 0.0))
    extra = over.sum() + sum(max(0.0, min(e, horizon) - max(s, 0.0)) for _, s, e in interventions)
    rota_size = max(len(rota_people), 1)
    return {
        "on_call_share_max": float(duty_weeks.max() / weeks) if len(duty_weeks) and weeks else 0.0,
        "interventions_per_on_call_week": len(shown) / duty_weeks.sum() if duty_weeks.sum() else 0.0,
        "extra_hours_per_person_year": extra / max(people, 1) / years,
        "daily_rest_broken_per_person_year": daily / rota_size / years,
        "weekly_rest_broken_per_person_year": weekly_breaks / rota_size / years,
        "overtime_max_person_year": float(over.max() / years) if people else 0.0,
    }


LIMITS = (
    ("on_call_share_max", ON_CALL_SHARE, "rest.on_call_share", "share"),
    ("daily_rest_broken_per_person_year", DAILY_REST_BREAKS, "rest.daily", "count"),
    ("weekly_rest_broken_per_person_year", WEEKLY_REST_BREAKS, "rest.weekly", "count"),
    ("overtime_max_person_year", OVERTIME_QUOTA, "rest.overtime", "hours"),
)
"""Each figure a French reader stops at: its limit, the sentence that says so, and the name of the value in
that sentence (a share is written as a percentage, the others as whole numbers)."""


def breaches(figures: dict[str, float]) -> list[Note]:
    """What a French reader would stop at, from a team's mean figures: one note per limit exceeded."""
    out = []
    for metric, limit, key, placeholder in LIMITS:
        value = figures.get(metric, 0.0)
        if value > limit:
            out.append(Note(key, {placeholder: Share(value) if placeholder == "share" else Number(value)}))
    return out
