"""Synthetic ticket exports from a known scenario: what a real firm's ServiceNow event log, GLPI or Jira export
looks like, with the truth beside it.

The incidents are simulated by the engine itself (a desk shared by several services, each a category of
the export with its own load and repair times; a team in business hours, on call for P1), so the history
is one the model can reproduce. On top of the engine's times the ticket tool's life is laid as real exports
show it:

- pending spells ("Awaiting User Info", "Awaiting Vendor"; GLPI "En attente"; Jira "Waiting for customer")
  inside the work: the SLA clock pauses there, so the time to restore with the clock paused is the engine's;
- every ticket opens in the service desk's group, some go to a wrong group before their own;
- some priorities change (the ticket opens one level lower and is raised when work starts);
- closure some days after the resolution, and auto-closed tickets with no resolution date: either the
  'Resolved' state is recorded but not its date, or the ticket waited for the user and the closing job
  closed it (its restoration is then the closing date less the usual delay);
- a level shift at a given date (rates and repair times of another scenario before it);
- local wall-clock times of a time zone with daylight saving (America/Sao_Paulo changed its clocks at
  midnight before 2019) and that country's public holidays in the arrivals.

Every random draw comes from one seeded generator: the same arguments give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd

from sourcing.files import study_from_data
from sourcing.model import PRIORITIES

ZONE = "America/Sao_Paulo"
COUNTRY = "BR"

SERVICES: dict[str, dict] = {
    # name: incidents a month, priority mix, (median, P90) repair hours per priority, its resolver group
    "network": {"per_month": 260, "mix": (0.02, 0.06, 0.52, 0.40),
                "repair": ((2.0, 6.0), (3.0, 10.0), (1.5, 6.0), (1.0, 4.0)), "group": "Network"},
    "email": {"per_month": 140, "mix": (0.015, 0.05, 0.50, 0.435),
              "repair": ((1.5, 4.0), (2.0, 6.0), (0.75, 3.0), (0.5, 2.0)), "group": "Messaging"},
    "workstation": {"per_month": 520, "mix": (0.005, 0.03, 0.55, 0.415),
                    "repair": ((1.0, 3.0), (1.5, 5.0), (0.5, 2.0), (0.4, 1.5)), "group": "Desktop support"},
    "erp": {"per_month": 90, "mix": (0.03, 0.10, 0.50, 0.37),
            "repair": ((3.0, 10.0), (4.0, 16.0), (2.0, 8.0), (1.5, 6.0)), "group": "ERP support"},
    "other": {"per_month": 60, "mix": (0.01, 0.05, 0.54, 0.40),
              "repair": ((1.5, 5.0), (2.0, 8.0), (1.0, 4.0), (0.75, 3.0)), "group": "Desktop support"},
}
"""The generating scenario after the level shift. 'other' is written as a handful of small categories."""
TAIL = ("printer", "telephony", "badge", "software licence", "shared drive", "mobile")
"""The small categories the 'other' service's incidents are spread over (none above 2 % of the tickets)."""
TEAM = 15
"""Technicians in business hours; each ticket is resolved by one of them (a few by helpers from elsewhere)."""
HELPERS = 3
HELPER_SHARE = 0.006
BEFORE = {"rate": 0.65, "repair": 1.8}
"""Before the level shift: fewer incidents (x 0.65) that took longer to repair (x 1.8)."""
PENDING = (0.05, 0.15, 0.30, 0.35)
"""Share of incidents of each priority that wait for the user or a supplier at least once."""
PENDING_TIME = (18.0, 96.0)
"""Median and P90 (hours) of a pending spell."""
CLOSE_AFTER_DAYS = 5
AUTO_CLOSED = 0.04
"""Share of incidents closed with no resolution date (half with a 'Resolved' state, half left waiting)."""
REASSIGNED = 0.2
PRIORITY_RAISED = 0.08
SERVICE_DESK = "Service Desk"
IMPACT = {"P1": "1 - High", "P2": "2 - Medium", "P3": "3 - Low", "P4": "3 - Low"}
URGENCY = {"P1": "1 - High", "P2": "1 - High", "P3": "2 - Medium", "P4": "3 - Low"}
SNOW_PRIORITY = {"P1": "1 - Critical", "P2": "2 - High", "P3": "3 - Moderate", "P4": "4 - Low"}
GLPI_PRIORITY = {"P1": "Très haute", "P2": "Haute", "P3": "Moyenne", "P4": "Basse"}
JIRA_PRIORITY = {"P1": "Highest", "P2": "High", "P3": "Medium", "P4": "Low"}
SLA_HOURS = {"P1": 4.0, "P2": 8.0, "P3": 24.0, "P4": 72.0}


def scenario(start: date, years: int = 1, rate: float = 1.0, repair: float = 1.0, zone: str = ZONE,
             country: str | None = COUNTRY, scale: float = 1.0, team: int = TEAM) -> dict:
    """The generating scenario as file data: the services of :data:`SERVICES` (rates x ``rate`` x ``scale``,
    repair times x ``repair``) and the shared team (``team`` x ``scale`` people)."""
    def times(pairs) -> dict:
        return {p: {"median": f"{m * repair:.6g}h", "p90": f"{q * repair:.6g}h"} for p, (m, q) in zip(PRIORITIES, pairs)}

    services = {name: {"users": 500, "service_time": "24/7", "outage_cost_per_hour": {"business": "0 EUR",
                                                                                       "off_hours": "0 EUR"},
                       "incidents": {"per_month": round(spec["per_month"] * rate * scale, 6),
                                     "priorities": {p: f"{s:.1%}" for p, s in zip(PRIORITIES, spec["mix"])},
                                     "weekly_profile": "office"}}
                for name, spec in SERVICES.items()}
    return {"name": "generating", "calendar": {"start": start.isoformat(), "horizon": f"{years}y", "time_zone": zone,
                                               "country": country, "warm_up": "14d"},
            "services": services,
            "teams": {"desk": {"members": [{"count": max(1, round(team * scale)), "annual_cost": "45000 EUR",
                                            "shift": "HO"}],
                               "repair_time": times(SERVICES["other"]["repair"]),
                               "repair_time_by_service": {name: times(spec["repair"]) for name, spec in SERVICES.items()
                                                          if name != "other"},
                               "on_call": {"weekly_premium": "150 EUR", "call_out_delay": {"median": "20min",
                                                                                          "p90": "45min"}}}},
            "scenarios": [{"name": "make", "default": {"make": "desk"}}]}


@dataclass(frozen=True)
class Generated:
    """A synthetic history: one row per incident with the truth, and the exports written from it."""

    incidents: pd.DataFrame
    """Per incident: id, service, category, priority, initial priority, opened, started, restored (engine, local
    wall time; ``*_utc`` the same in UTC), pending spells (start, length), resolved (export), closed,
    auto-close kind, groups, resolver, and ``ttr`` (the time to restore with the clock paused, hours) and
    ``pending`` (hours)."""
    after: dict
    """The generating scenario after the shift (file data)."""
    shift: pd.Timestamp
    """Local date of the level shift."""
    end: pd.Timestamp
    """Local instant the export was taken (incidents open then have no resolution)."""
    zone: str
    seed: int
    end_utc: pd.Timestamp
    """The export's end in UTC (naive)."""

    def truth_after(self) -> pd.DataFrame:
        """The incidents opened after the shift."""
        return self.incidents[self.incidents["opened"] >= self.shift]

    def servicenow(self) -> bytes:
        return servicenow_log(self)

    def glpi(self) -> bytes:
        return glpi_log(self)

    def jira(self) -> bytes:
        return jira_log(self)


def _simulate(data: dict, seed: int) -> pd.DataFrame:
    from simulation.replications import run_study

    study = study_from_data(data, source="generating")
    frame = run_study(study, 1, seed=seed, detail=True, variance_reduction=False).incidents
    origin = pd.Timestamp(study.calendar_.origin)
    frame = frame.assign(arrival=origin + pd.to_timedelta(frame["arrival"], unit="h"))
    return frame[["service", "priority", "arrival", "wait", "ttr"]]


def generate(start: date = date(2016, 3, 7), years: int = 1, shift_weeks: int = 26, seed: int = 1,
             zone: str = ZONE, country: str | None = COUNTRY, scale: float = 1.0) -> Generated:
    """Simulate the scenario before the shift (``shift_weeks`` after ``start``) and after it, and lay the
    ticket tool's life over the incidents (see the module's docstring)."""
    after = scenario(start, years, zone=zone, country=country, scale=scale)
    before = scenario(start, years, rate=BEFORE["rate"], repair=BEFORE["repair"], zone=zone, country=country,
                      scale=scale)
    shift_local = pd.Timestamp(start) + pd.Timedelta(weeks=shift_weeks)
    shift = shift_local.tz_localize(zone, nonexistent="shift_forward").tz_convert("UTC")
    early, late = _simulate(before, seed), _simulate(after, seed + 1000)
    frame = pd.concat([early[early["arrival"] < shift], late[late["arrival"] >= shift]], ignore_index=True)
    frame = frame.sort_values("arrival", kind="stable").reset_index(drop=True)
    end_local = pd.Timestamp(start) + pd.DateOffset(years=years)
    end = end_local.tz_localize(zone, nonexistent="shift_forward").tz_convert("UTC")
    rng = np.random.default_rng(seed)
    n = len(frame)
    priority = frame["priority"].astype(str).to_numpy()
    level = np.array([PRIORITIES.index(p) for p in priority])
    started = frame["arrival"] + pd.to_timedelta(frame["wait"].fillna(0.0), unit="h")
    restored = frame["arrival"] + pd.to_timedelta(frame["ttr"], unit="h")  # NaT: open at the horizon

    # Pending spells inside the work, in clock hours after the work started.
    waits = rng.random(n) < np.array(PENDING)[level]
    spells = np.where(waits, 1 + (rng.random(n) < 0.25), 0)
    sigma = np.log(PENDING_TIME[1] / PENDING_TIME[0]) / 1.2815515655446004
    lengths = PENDING_TIME[0] * np.exp(sigma * rng.standard_normal((n, 2))) * (np.arange(2)[None, :] < spells[:, None])
    lengths = np.round(lengths * 60) / 60  # the tool records whole minutes
    work = (restored - started).dt.total_seconds().to_numpy() / 3600
    at = np.sort(rng.random((n, 2)), axis=1) * np.nan_to_num(work, nan=0.0)[:, None]
    pending_total = lengths.sum(axis=1)

    # Auto-closed without a resolution date: 1 = the 'Resolved' state without its date, 2 = left waiting.
    auto = np.where(rng.random(n) < AUTO_CLOSED, 1 + (rng.random(n) < 0.5), 0)
    auto = np.where(restored.isna().to_numpy(), 0, auto)
    resolved = restored + pd.to_timedelta(pending_total, unit="h")
    close_job = (resolved + pd.Timedelta(days=CLOSE_AFTER_DAYS)).dt.ceil("h")
    closed = close_job.where(close_job <= end)
    resolved = resolved.where(resolved <= end)
    # An incident restored before the export but whose pending spells run past it is still open in the tool.
    open_at_end = resolved.isna()

    service = frame["service"].astype(str).to_numpy()
    category = service.copy()
    tail = service == "other"
    category[tail] = rng.choice(TAIL, size=int(tail.sum()))
    group = np.array([SERVICES[s]["group"] for s in service])
    groups = sorted({spec["group"] for spec in SERVICES.values()})
    wrong = np.array([groups[(groups.index(g) + 1 + rng.integers(len(groups) - 1)) % len(groups)] for g in group])
    reassigned = rng.random(n) < REASSIGNED
    raised = (rng.random(n) < PRIORITY_RAISED) & (level < 3)
    initial = np.where(raised, np.array(PRIORITIES)[np.minimum(level + 1, 3)], priority)
    people = [f"Tech {k + 1:02d}" for k in range(max(1, round(TEAM * scale)))]
    helpers = [f"Helper {k + 1}" for k in range(HELPERS)]
    resolver = np.where(rng.random(n) < HELPER_SHARE * HELPERS, rng.choice(helpers, size=n), rng.choice(people, size=n))

    def local(stamps: pd.Series) -> pd.Series:
        return stamps.dt.tz_convert(zone).dt.tz_localize(None).dt.floor("min")

    def utc(stamps: pd.Series) -> pd.Series:
        return stamps.dt.tz_convert("UTC").dt.tz_localize(None).dt.floor("min")

    incidents = pd.DataFrame({
        "id": np.arange(1, n + 1), "service": service, "category": category, "priority": priority,
        "initial": initial, "opened": local(frame["arrival"]), "started": local(started), "restored": local(restored),
        "resolved": local(resolved), "closed": local(closed), "auto": auto, "open_at_end": open_at_end.to_numpy(),
        **{f"{name}_utc": utc(stamps) for name, stamps in (("opened", frame["arrival"]), ("started", started),
                                                            ("resolved", resolved), ("closed", closed))},
        "group": group, "wrong_group": np.where(reassigned, wrong, ""), "resolver": resolver,
        "spells": spells, "pending_at_1": at[:, 0], "pending_at_2": at[:, 1], "pending_1": lengths[:, 0],
        "pending_2": lengths[:, 1], "pending": pending_total, "ttr": frame["ttr"].to_numpy(),
    })
    incidents = incidents[incidents["opened"] < local(pd.Series([end]))[0]].reset_index(drop=True)
    return Generated(incidents, after, shift_local, local(pd.Series([end]))[0], zone, seed,
                     utc(pd.Series([end]))[0])


# --------------------------------------------------------------------------- the ticket tool's events


def events(generated: Generated) -> pd.DataFrame:
    """Every state change of every incident, in order: id, time (local wall time; ``time_utc`` in UTC), state
    ('new', 'active', 'pending', 'resolved', 'closed'), the priority and group shown then, and the assignee.
    Computed in UTC, so that a clock change inside a ticket's life moves its local times as it would."""
    t = generated.incidents.drop(columns=["opened", "started", "restored", "resolved", "closed"])
    t = t.rename(columns={"opened_utc": "opened", "started_utc": "started", "resolved_utc": "resolved",
                          "closed_utc": "closed"})
    end = generated.end_utc
    start = t["started"]
    work_h = t["ttr"] - (t["started"] - t["opened"]).dt.total_seconds() / 3600

    def shifted(hours_after_start: pd.Series) -> pd.Series:
        """Export time of a point of the work: the pending spells before it push it later."""
        before = (t["pending_1"] * (t["pending_at_1"] < hours_after_start)
                  + t["pending_2"] * (t["pending_at_2"] < hours_after_start))
        return (start + pd.to_timedelta(hours_after_start + before, unit="h")).dt.round("s").dt.floor("min")

    rows = [pd.DataFrame({"id": t["id"], "time": t["opened"], "state": "new", "priority": t["initial"],
                          "group": SERVICE_DESK, "assignee": "", "seq": 0})]
    wrong = t["wrong_group"] != ""
    first_group = t["group"].where(~wrong, t["wrong_group"])
    rows.append(pd.DataFrame({"id": t["id"], "time": start, "state": "active", "priority": t["priority"],
                              "group": first_group, "assignee": t["resolver"].where(~wrong, ""), "seq": 1}))
    moved = t[wrong]
    rows.append(pd.DataFrame({"id": moved["id"], "time": shifted(work_h * 0.3)[wrong], "state": "active",
                              "priority": moved["priority"], "group": moved["group"], "assignee": moved["resolver"],
                              "seq": 2}))
    for k in (1, 2):
        has = t["spells"] >= k
        begin = (start + pd.to_timedelta(t[f"pending_at_{k}"] + (t["pending_1"] if k == 2 else 0.0), unit="h"))
        begin = begin.dt.floor("min")
        resume = (begin + pd.to_timedelta(t[f"pending_{k}"], unit="h")).dt.round("min")
        kind = "pending" if k == 1 else "pending_vendor"
        rows.append(pd.DataFrame({"id": t["id"][has], "time": begin[has], "state": kind, "priority": t["priority"][has],
                                  "group": t["group"][has], "assignee": t["resolver"][has], "seq": 2 + 2 * k}))
        rows.append(pd.DataFrame({"id": t["id"][has], "time": resume[has], "state": "active",
                                  "priority": t["priority"][has], "group": t["group"][has],
                                  "assignee": t["resolver"][has], "seq": 3 + 2 * k}))
    done = t["resolved"].notna()
    resolved_state = done & (t["auto"] != 2)
    rows.append(pd.DataFrame({"id": t["id"][resolved_state], "time": t["resolved"][resolved_state], "state": "resolved",
                              "priority": t["priority"][resolved_state], "group": t["group"][resolved_state],
                              "assignee": t["resolver"][resolved_state], "seq": 8}))
    left = done & (t["auto"] == 2)  # the technician asked the user to confirm; nobody answered
    rows.append(pd.DataFrame({"id": t["id"][left], "time": t["resolved"][left], "state": "pending",
                              "priority": t["priority"][left], "group": t["group"][left],
                              "assignee": t["resolver"][left], "seq": 8}))
    shut = t["closed"].notna()
    rows.append(pd.DataFrame({"id": t["id"][shut], "time": t["closed"][shut], "state": "closed",
                              "priority": t["priority"][shut], "group": t["group"][shut],
                              "assignee": t["resolver"][shut], "seq": 9}))
    log = pd.concat(rows, ignore_index=True)
    log = log[log["time"].notna() & (log["time"] < end)]
    log = log.sort_values(["id", "time", "seq"], kind="stable").reset_index(drop=True)
    local = log["time"].dt.tz_localize("UTC").dt.tz_convert(generated.zone).dt.tz_localize(None)
    return log.assign(time_utc=log["time"], time=local)


def _fields(generated: Generated, log: pd.DataFrame) -> pd.DataFrame:
    """The incident's own fields on each event row: opening, resolution and closure as known at that row."""
    t = generated.incidents.set_index("id")
    rows = t.loc[log["id"]].reset_index()
    known_resolved = rows["resolved"].where((log["time_utc"].to_numpy() >= rows["resolved_utc"]) & (rows["auto"] == 0))
    known_closed = rows["closed"].where(log["state"].to_numpy() == "closed")
    return pd.DataFrame({"opened": rows["opened"], "resolved": known_resolved, "closed": known_closed,
                         "category": rows["category"], "final": rows["priority"], "ttr": rows["ttr"],
                         "pending": rows["pending"]})


def _reassignments(log: pd.DataFrame) -> pd.Series:
    """Group changes so far, on each row of the incident."""
    previous = log.groupby("id")["group"].shift()
    return ((log["group"] != previous) & previous.notna()).groupby(log["id"]).cumsum()


def _text(stamps: pd.Series, fmt: str, missing: str = "") -> np.ndarray:
    return np.where(stamps.isna(), missing, stamps.dt.strftime(fmt).fillna(missing))


SNOW_STATES = {"new": "New", "active": "Active", "pending": "Awaiting User Info", "pending_vendor": "Awaiting Vendor",
               "resolved": "Resolved", "closed": "Closed"}


def servicenow_log(generated: Generated) -> bytes:
    """A ServiceNow incident event log as the public one: one row per update, day-first dates without
    seconds, '?' for missing values."""
    log = events(generated)
    fields = _fields(generated, log)
    fmt = "%-d/%-m/%Y %H:%M"
    count = log.groupby("id").cumcount()
    made = (fields["ttr"] <= fields["final"].map(SLA_HOURS)).map({True: "true", False: "false"})
    frame = pd.DataFrame({
        "number": "INC" + log["id"].astype(str).str.zfill(7),
        "incident_state": log["state"].map(SNOW_STATES),
        "active": np.where(log["state"].isin(["resolved", "closed"]), "false", "true"),
        "reassignment_count": _reassignments(log).astype(str),
        "reopen_count": "0",
        "sys_mod_count": count.astype(str),
        "made_sla": made.fillna("true"),
        "opened_at": _text(fields["opened"], fmt, "?"),
        "sys_updated_at": _text(log["time"], fmt, "?"),
        "category": fields["category"],
        "impact": log["priority"].map(IMPACT), "urgency": log["priority"].map(URGENCY),
        "priority": log["priority"].map(SNOW_PRIORITY),
        "assignment_group": log["group"],
        "assigned_to": log["assignee"].replace("", "?"),
        "resolved_by": np.where(log["state"].isin(["resolved", "closed"]), log["assignee"], "?"),
        "resolved_at": _text(fields["resolved"], fmt, "?"),
        "closed_at": _text(fields["closed"], fmt, "?"),
    })
    return frame.to_csv(index=False).encode("utf-8")


class Layout(NamedTuple):
    """How a tool writes its event log: its headers for each field, its states, priorities and date format."""

    headers: dict[str, str]
    """Field (id, title, state, priority, opened, updated, resolved, closed, category, group, assignee) to
    header; a field left out is not written."""
    id_prefix: str
    states: dict[str, str]
    priorities: dict[str, str]
    fmt: str
    sep: str
    encoding: str


GLPI = Layout({"id": "ID", "title": "Titre", "state": "Statut", "opened": "Date d'ouverture",
               "updated": "Dernière modification", "resolved": "Date de résolution", "closed": "Date de clôture",
               "priority": "Priorité", "category": "Catégorie", "group": "Attribué à - Groupe",
               "assignee": "Attribué à - Technicien"}, "",
              {"new": "Nouveau", "active": "En cours (attribué)", "pending": "En attente",
               "pending_vendor": "En attente", "resolved": "Résolu", "closed": "Clos"},
              GLPI_PRIORITY, "%d-%m-%Y %H:%M", ";", "cp1252")
"""GLPI: French headers, ';', Windows-1252, dd-mm-yyyy dates."""
JIRA = Layout({"id": "Issue key", "title": "Summary", "state": "Status", "priority": "Priority", "opened": "Created",
               "updated": "Updated", "resolved": "Resolved", "category": "Component/s", "assignee": "Assignee"}, "IT-",
              {"new": "Open", "active": "In Progress", "pending": "Waiting for customer",
               "pending_vendor": "Pending", "resolved": "Resolved", "closed": "Closed"},
              JIRA_PRIORITY, "%d/%b/%y %I:%M %p", ",", "utf-8-sig")
"""Jira Service Management: dates such as 19/Oct/23 2:54 PM, a BOM."""


def tool_log(generated: Generated, layout: Layout) -> bytes:
    """An export with a row per status change, as the tool of ``layout`` writes it."""
    log = events(generated)
    fields = _fields(generated, log)
    values = {"id": layout.id_prefix + log["id"].astype(str), "title": "Incident " + log["id"].astype(str),
              "state": log["state"].map(layout.states), "priority": log["priority"].map(layout.priorities),
              "opened": _text(fields["opened"], layout.fmt), "updated": _text(log["time"], layout.fmt),
              "resolved": _text(fields["resolved"], layout.fmt), "closed": _text(fields["closed"], layout.fmt),
              "category": fields["category"], "group": log["group"], "assignee": log["assignee"]}
    frame = pd.DataFrame({header: values[name] for name, header in layout.headers.items()})
    return frame.to_csv(index=False, sep=layout.sep).encode(layout.encoding)


def glpi_log(generated: Generated) -> bytes:
    return tool_log(generated, GLPI)


def jira_log(generated: Generated) -> bytes:
    return tool_log(generated, JIRA)
