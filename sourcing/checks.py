"""What a valid scenario file may still get wrong in the eyes of a French reader, and how public holidays
change its windows.

These are notices, not errors: the file runs as written. ``validate`` prints them, ``run`` prints the
warnings on standard error, and the app shows them above the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import Problem
from .scenario import Study
from .words import percent

MINIMUM_LEAVE_DAYS = 25
"""Paid leave: five weeks a year (Code du travail L3141-3: 2.5 working days a month, 30 jours ouvrables)."""
MINIMUM_OVERTIME_PREMIUM = 0.10
"""Overtime is paid at least +10 % under a collective agreement, +25 % without one (L3121-33, L3121-36)."""
LEGAL_WORKING_YEAR = 1607
"""Hours a full-time salary pays for in France (L3121-41)."""
MINIMUM_LOADED_COST_EUR = 25_000
"""About the minimum wage (SMIC, about 21.6 k EUR gross a year) with the employer's charges after the
reductions on low wages; a loaded annual cost below it is almost certainly a typing slip."""


@dataclass(frozen=True)
class Notice:
    """Something a reader should know about a valid file: a ``warning`` (a value a French reader would
    question) or a ``note`` (how the calendar reads a window)."""

    kind: Literal["warning", "note"]
    path: tuple[str | int, ...]
    message: str

    @property
    def field(self) -> str:
        return Problem(self.path, self.message).field

    def text(self) -> str:
        return f"{self.field}: {self.message}"


def notices(study: Study) -> list[Notice]:
    """Warnings on values a French reader would question, then notes on public holidays."""
    return _warnings(study) + _holiday_notes(study)


def _warnings(study: Study) -> list[Notice]:
    out: list[Notice] = []
    economics = study.economics
    if abs(economics.working_hours_per_year - LEGAL_WORKING_YEAR) > 100:
        out.append(Notice("warning", ("economics", "working_hours_per_year"),
                          f"{economics.working_hours_per_year:g} h a year: the French legal working year is "
                          f"{LEGAL_WORKING_YEAR:,} h; hourly costs (overtime, on-call work) are read from it"))
    for name, team in study.teams.items():
        base = ("teams", name)
        on_call = team.on_call
        if on_call is not None:
            if on_call.weekly_premium <= 0:
                out.append(Notice("warning", (*base, "on_call", "weekly_premium"),
                                  "an on-call week (astreinte) paid 0: French law requires astreinte to be "
                                  "compensated, in money or rest (Code du travail L3121-9); write the weekly "
                                  "premium actually paid, e.g. 150 EUR"))
            if on_call.call_out_delay.mean <= 0:
                out.append(Notice("warning", (*base, "on_call", "call_out_delay"),
                                  "a call-out delay of 0: an engineer woken at night needs time to wake up and "
                                  "connect (typically 15 to 30 minutes)"))
            rota = sum(m.count for m in team.members if m.on_call)
            if rota == 1:
                out.append(Notice("warning", (*base, "on_call"),
                                  "one person holds the on-call rota every week of the year: no week off call, "
                                  "and each call-out at night breaks the 11 consecutive hours of daily rest"))
        if team.absences is not None and team.absences.annual_leave_days < MINIMUM_LEAVE_DAYS:
            out.append(Notice("warning", (*base, "absences", "annual_leave_days"),
                              f"{team.absences.annual_leave_days:g} days of paid leave: French law gives at least "
                              f"{MINIMUM_LEAVE_DAYS} working days (five weeks) a year"))
        if team.absences is None:
            out.append(Notice("warning", (*base, "absences"),
                              "no absences: nobody takes leave or falls ill, so the team is never short; "
                              "French staff take at least 25 days of paid leave a year "
                              "(write e.g. absences: {annual_leave_days: 25, sickness: 4%})"))
        if team.overtime_premium < MINIMUM_OVERTIME_PREMIUM:
            out.append(Notice("warning", (*base, "overtime_premium"),
                              f"overtime paid {percent(team.overtime_premium, 'en', 0, signed=True)}: French law "
                              "pays at least +10 % under a collective agreement and +25 % without one"))
        if study.currency == "EUR":
            for i, member in enumerate(team.members):
                if member.annual_cost < MINIMUM_LOADED_COST_EUR:
                    out.append(Notice("warning", (*base, "members", i, "annual_cost"),
                                      f"{member.annual_cost:,.0f} EUR a year loaded is below the French minimum "
                                      "wage with employer's charges (about 25,000 EUR): is a digit missing?"))
    return out


def _holiday_notes(study: Study) -> list[Notice]:
    """For each window closed on public holidays, how many holidays fall on its working days."""
    calendar = study.calendar_
    country = study.calendar.country or "no country"
    holidays = [d for d in calendar.public_holidays if calendar.start <= d < calendar.end_date]
    out = []
    for ref, places in _windows_in_use(study).items():
        try:
            window = study.window(ref)
        except ValueError:
            continue
        if window.complement_of is not None or window.holidays_open:
            continue
        days = set().union(*(rule.days for rule in window.rules)) if window.rules else set()
        closed = sum(1 for d in holidays if d.weekday() in days)
        if not closed:
            continue
        per_year = closed / calendar.horizon_years
        out.append(Notice("note", places[0],
                          f"window '{ref}' is closed on public holidays ({country}): {closed} holidays over the "
                          f"horizon (about {per_year:.0f} a year) fall on its days{_also(places)}; a named window "
                          f"stays open on them with 'holidays: open'"))
    return out


def _also(places: list[tuple]) -> str:
    if len(places) < 2:
        return ""
    shown = ", ".join(Problem(p, "").field for p in places[1:4])
    more = f" and {len(places) - 4} more" if len(places) > 4 else ""
    return f" (also used by {shown}{more})"


def _windows_in_use(study: Study) -> dict[str, list[tuple]]:
    """Every window reference of the study and where it is used, in file order."""
    used: dict[str, list[tuple]] = {}

    def use(ref: str, path: tuple) -> None:
        used.setdefault(ref, []).append(path)

    for name, service in study.services.items():
        use(service.service_time, ("services", name, "service_time"))
        use(service.business_hours, ("services", name, "business_hours"))
    for name, team in study.teams.items():
        for i, member in enumerate(team.members):
            use(member.shift, ("teams", name, "members", i, "shift"))
        if team.on_call is not None:
            use(team.on_call.window, ("teams", name, "on_call", "window"))
    for name, offer in study.providers.items():
        use(offer.coverage, ("providers", name, "coverage"))
    for name, offer in study.saas.items():
        use(offer.support.window, ("saas", name, "support", "window"))
    for i, scenario in enumerate(study.scenarios):
        for option in [scenario.default, *scenario.options.values()]:
            for path, ref in option.windows() if option is not None else []:
                use(ref, ("scenarios", i, *path))
    return used
