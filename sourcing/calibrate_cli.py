"""``sourcing calibrate``: a ticket export in, a calibrated scenario file (and an HTML report) out.
Registered on the command line by :mod:`sourcing.cli`.

Only options, printing and files live here; reading, estimation, the back-test and the figures come from
:mod:`sourcing.tickets`, :mod:`sourcing.calibration`, :mod:`simulation.backtest` and
:mod:`sourcing.calibration_report`.
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import suppress
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.text import Text

from .console import err, out
from .console import table as _table
from .errors import ScenarioError


def _fail(message: str) -> None:
    err.print(Text("error: ", style="bold red") + Text(message), highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _print_problems(exc: ScenarioError) -> None:
    for line in exc.describe().splitlines():
        err.print(Text("✗ ", style="red") + Text(line), highlight=False, soft_wrap=True)


class Waiting(StrEnum):
    separate = "separate"
    include = "include"


class ExportFormat(StrEnum):
    servicenow = "servicenow"
    glpi = "glpi"
    jira = "jira"
    generic = "generic"


def _team(value: str):
    """``--team N`` or ``--team FILE``."""
    from .calibration_file import team_from_count, team_from_text
    from .files import read_text

    if value.strip().isdigit():
        try:
            return team_from_count(int(value))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--team") from None
    path = Path(value)
    if not path.exists():
        raise typer.BadParameter(f"'{value}': give a number of technicians (e.g. --team 6) or a team file (YAML)",
                                 param_hint="--team")
    return team_from_text(read_text(path), str(path))


def _service_name(name: str | None, export: Path) -> str:
    from .calibration_file import check_service_name

    if name is None:
        name = re.sub(r"[^\w.-]+", "-", export.stem).strip("-_.")[:60] or "service"
    try:
        return check_service_name(name)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--service") from None


def _stage(target: Path, content: str) -> Path:
    """Write next to ``target`` under a hidden temporary name; moved into place once everything is written."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(content)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(name, 0o666 & ~mask)  # as an ordinary file, not mkstemp's owner-only mode
    return Path(name)


def _publish(files: dict[Path, str]) -> None:
    """Every file written in full, or none: staged first, then moved into place."""
    staged: list[tuple[Path, Path]] = []
    try:
        for target, content in files.items():
            staged.append((_stage(target, content), target))
        for part, target in staged:
            os.replace(part, target)
    except OSError as exc:
        for part, _ in staged:
            with suppress(OSError):
                part.unlink(missing_ok=True)
        _fail(f"cannot write {', '.join(str(p) for p in files)} ({exc.strerror or exc}); nothing was written")


def _check_target(path: Path | None, force: bool, suffixes: tuple[str, ...], option: str) -> None:
    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        _fail(f"{option} {path}: give a name ending in {' or '.join(suffixes)}")
    if path.exists() and not force:
        _fail(f"{option} {path}: already exists; choose another name, or add --force to replace it")
    if not path.parent.is_dir():
        _fail(f"{option} {path}: the folder {path.parent} does not exist")


def calibrate(
    export: Annotated[Path, typer.Argument(help="Ticket export (CSV) from ServiceNow, GLPI, Jira or another tool.")],
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write the calibrated scenario file here (YAML).")] = None,
    kind: Annotated[ExportFormat | None, typer.Option(
        "--format", help="servicenow, glpi, jira or generic (detected from the headers when not given).")] = None,
    service: Annotated[str | None, typer.Option(help="Name of the calibrated service (default: the file's name).")]
    = None,
    columns: Annotated[str | None, typer.Option(
        help="Which column holds what: opened=...,resolved=...,priority=...,group=... (also id, state, updated, "
             "made_sla, reopen, assignee, due).")] = None,
    priorities: Annotated[str | None, typer.Option(
        help="Priority labels to levels, e.g. \"1 - Critical=P1,2 - High=P2,5 - Planning=skip\" (the others keep "
             "the mapping shown).")] = None,
    dayfirst: Annotated[bool | None, typer.Option(
        "--dayfirst/--monthfirst", help="How to read numeric dates no value decides (a day above 12 decides).")]
    = None,
    group: Annotated[list[str] | None, typer.Option(
        help="Keep only the tickets of this assignment group (repeatable).")] = None,
    team: Annotated[str | None, typer.Option(
        help="The in-house team: a number of technicians in business hours (on call for P1), or a team file "
             "(YAML, as under 'teams:'). Default: a placeholder sized from the history.")] = None,
    waiting: Annotated[Waiting, typer.Option(
        help="separate: fit repair times so that the simulated queue reproduces the history's times to restore; "
             "include: take resolved - opened as repair time, waiting included.")] = Waiting.separate,
    backtest: Annotated[bool, typer.Option(help="Replay the history through the team (needed by --waiting "
                                                "separate).")] = True,
    country: Annotated[str, typer.Option(help="Country of the public holidays (none for none).")] = "FR",
    time_zone: Annotated[str, typer.Option(help="Time zone of the export's times.")] = "Europe/Paris",
    seed: Annotated[int, typer.Option(min=0, help="Seed of the back-test.")] = 1,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report with the plots here.")] = None,
    force: Annotated[bool, typer.Option(help="Replace --out and --report files that exist.")] = False,
) -> None:
    """Calibrate a service's incident load and repair times from a ticket export, back-test them, and write
    a scenario file that validate accepts and run runs as it is."""
    from .calibration import restrict
    from .tickets import parse_columns, parse_priorities, read_export_file

    _check_target(out_file, force, (".yaml", ".yml"), "--out")
    _check_target(report, force, (".html", ".htm"), "--report")
    name = _service_name(service, export)
    holidays_of = None if country.lower() == "none" else country.upper()
    try:
        mapping = parse_columns(columns)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--columns") from None
    try:
        levels = parse_priorities(priorities)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--priorities") from None
    _check_place(country=holidays_of, time_zone=time_zone)
    order = None if dayfirst is None else ("day first" if dayfirst else "month first")
    try:
        history = read_export_file(export, kind=kind.value if kind else None, columns=mapping, priorities=levels,
                                   order=order, time_zone=time_zone)
        if group:
            history = restrict(history, group)
        _print_reading(history)
        from simulation.backtest import calibrate_history

        crew = _team(team) if team is not None else None
        if backtest:
            err.print("back-test: replaying the history through the team...", highlight=False)
        done = calibrate_history(history, name, crew, separate=waiting is Waiting.separate, replay=backtest,
                                 country=holidays_of, time_zone=time_zone, seed=seed)
        _print_estimates(done.calibration)
        if done.backtest is not None:
            _print_backtest(done.backtest)
        out.print(Text("Repair times written: ", style="bold") + Text(done.note), highlight=False, soft_wrap=True)
        files: dict[Path, str] = {}
        if out_file is not None:
            files[out_file] = done.scenario
        if report is not None:
            from .calibration_report import html_report

            files[report] = html_report(done.calibration, done.backtest, done.scenario, name)
    except ScenarioError as exc:
        _print_problems(exc)
        raise typer.Exit(2) from None
    except (typer.Exit, typer.BadParameter, KeyboardInterrupt):
        raise
    except Exception as exc:  # the core raises ScenarioError only; a slip of ours still gets a sentence
        _fail(f"{export}: could not be calibrated ({type(exc).__name__}: {str(exc)[:300]}); nothing was written. "
              "Please report it with the first rows of the export")
    _publish(files)
    for path in files:
        out.print(f"written: {path}", highlight=False)
    if out_file is None:
        out.print("(no --out: nothing written; add --out scenario.yaml to keep the scenario)", highlight=False)


def _check_place(country: str | None, time_zone: str) -> None:
    from .scenario import CalendarSpec

    try:
        CalendarSpec(start="2024-01-01", country=country, time_zone=time_zone)
    except ValueError as exc:
        message = str(exc).split("\n")[-1].strip()
        raise typer.BadParameter(message, param_hint="--country/--time-zone") from None


def _print_reading(history) -> None:
    out.print(Text(f"{history.source}: ", style="bold") + Text(
        f"{history.format} export, {history.rows:,} rows, {len(history.tickets):,} incidents; dates read "
        f"{history.date_order}"), highlight=False, soft_wrap=True)
    out.print(Text("columns: " + ", ".join(f"{k}={v}" for k, v in history.columns.items())), highlight=False,
              soft_wrap=True)
    table = _table("Priorities (override with --priorities \"LABEL=P1,...\")", [])
    for column in ("in the export", "read as", "tickets"):
        table.add_column(column, overflow="fold")
    for label, level in sorted(history.priorities.items(), key=lambda item: (item[1], item[0])):
        table.add_row(Text(label), level, f"{history.label_counts.get(label, 0):,}")
    out.print(table)
    for line in history.excluded.lines():
        out.print(Text("  set aside: ", style="yellow") + Text(line), highlight=False, soft_wrap=True)
    for note in history.notes:
        out.print(Text("  note: ", style="cyan") + Text(note), highlight=False, soft_wrap=True)


def _print_estimates(calibration) -> None:
    c = calibration
    out.print(Text(f"History: {c.incidents:,} incidents from {c.start.date()} to "
                   f"{(c.end - pd.Timedelta(days=1)).date()} ({c.months:.1f} months); "
                   f"{c.per_month.value:,.1f} a month (95 % CI {c.per_month.low:,.1f} to {c.per_month.high:,.1f})"),
              highlight=False, soft_wrap=True)
    table = _table("Estimates per priority (95 % intervals)", [])
    for column in ("", "incidents", "per month", "share", "resolved - opened: median", "P90", "best fit (AIC)",
                   "KS distance", "SLA made"):
        table.add_column(column, justify="right", overflow="fold")
    for rate, fit in zip(c.rates, c.repair):
        median = (f"{fit.median.value:.3g} h [{fit.median.low:.3g}, {fit.median.high:.3g}]" if fit.median else
                  f"({fit.borrowed or 'default'})")
        best = fit.best
        sla = c.sla.get(rate.priority)
        table.add_row(rate.priority, f"{rate.count:,}",
                      f"{rate.per_month.value:,.1f} [{rate.per_month.low:,.1f}, {rate.per_month.high:,.1f}]",
                      f"{rate.share.value:.1%}", median, f"{fit.p90.value:.3g} h" if fit.p90 else "",
                      best.family if best and not fit.borrowed else "", f"{best.ks:.3f}" if best and not
                      fit.borrowed else "",
                      f"{sla.share.value:.1%} [{sla.share.low:.1%}, {sla.share.high:.1%}]" if sla else "")
    out.print(table)
    out.print(f"Trend: {c.trend.note}", highlight=False, soft_wrap=True)
    profile = c.profile
    out.print("Weekly profile: " + (f"'{profile.named}' fits (p = {profile.p_values[profile.named]:.2g})"
                                    if profile.named else
                                    f"168 weights from the history (nearest named: '{profile.nearest}', p = "
                                    f"{profile.p_values[profile.nearest]:.2g})"), highlight=False, soft_wrap=True)
    out.print(f"Seasonality: {c.seasonality.note}", highlight=False, soft_wrap=True)
    if c.reopened is not None:
        r = c.reopened.share
        out.print(f"Reopened: {r.value:.1%} (95 % CI {r.low:.1%} to {r.high:.1%}) of {c.reopened.total:,}",
                  highlight=False)
    if "all" in c.sla:
        s = c.sla["all"].share
        out.print(f"SLA made: {s.value:.1%} (95 % CI {s.low:.1%} to {s.high:.1%}) of {c.sla['all'].total:,} resolved",
                  highlight=False)
    for warning in c.warnings:
        err.print(Text("  warning: ", style="yellow") + Text(warning), highlight=False, soft_wrap=True)


def _print_backtest(found) -> None:
    from simulation.backtest import window_text

    how = ("repair times fitted so that the simulated queue reproduces the history" if found.separate else
           "repair times = resolved - opened, waiting included" if not found.team.repair_given else
           "repair times given with the team")
    out.print(Text("Back-test ", style="bold") + Text(f"over {window_text(found)} with {found.team.origin}; {how}"
                                                      + (f" ({found.rounds} rounds)" if found.separate else "")),
              highlight=False, soft_wrap=True)
    table = _table("Time to restore: real against simulated", [])
    for column in ("", "tickets", "median real", "median simulated", "P90 real", "P90 simulated", "KS distance",
                   "median wait (simulated)"):
        table.add_column(column, justify="right", overflow="fold")
    for check in found.checks:
        table.add_row(check.priority, f"{len(check.observed):,}", f"{np.median(check.observed):.3g} h",
                      f"{np.median(check.simulated):.3g} h", f"{np.quantile(check.observed, 0.9):.3g} h",
                      f"{np.quantile(check.simulated, 0.9):.3g} h", f"{check.ks:.3f}", f"{check.wait:.3g} h")
    out.print(table)
    for note in found.notes:
        err.print(Text("  warning: ", style="yellow") + Text(note), highlight=False, soft_wrap=True)
