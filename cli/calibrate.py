"""``sourcing calibrate``: a ticket export in, a calibrated scenario file (and an HTML report) out.
Registered on the command line by :mod:`cli.app`.

Only options, printing and files live here; reading, estimation, the back-test and the figures come from
:mod:`sourcing.tickets`, :mod:`sourcing.calibration`, :mod:`simulation.backtest` and
:mod:`reports.calibration`.
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import suppress
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.text import Text

from sourcing.errors import ScenarioError
from sourcing.words import note_text, number, percent, say

from .console import err, out
from .console import table as _table


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


def _team(value: str, lang: str = "en"):
    """``--team N`` or ``--team FILE``."""
    from sourcing.calibration_file import team_from_count, team_from_text
    from sourcing.files import read_text

    if value.strip().isdigit():
        try:
            return team_from_count(int(value), lang)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--team") from None
    path = Path(value)
    if not path.exists():
        raise typer.BadParameter(f"'{value}': give a number of technicians (e.g. --team 6) or a team file (YAML)",
                                 param_hint="--team")
    return team_from_text(read_text(path), str(path))


def _service_name(name: str | None, export: Path) -> str:
    from sourcing.calibration_file import check_service_name

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


class GroupMatch(StrEnum):
    final = "final"
    ever = "ever"


def calibrate(
    export: Annotated[Path, typer.Argument(help="Ticket export (CSV) from ServiceNow, GLPI, Jira or another tool.")],
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write the calibrated scenario file here (YAML).")] = None,
    kind: Annotated[ExportFormat | None, typer.Option(
        "--format", help="servicenow, glpi, jira or generic (detected from the headers when not given).")] = None,
    service: Annotated[str | None, typer.Option(help="Name of the calibrated service when the export is one service "
                                                     "(default: the file's name).")] = None,
    service_by: Annotated[str | None, typer.Option(
        "--service-by", help="The export's column whose leading values are the services (category, configuration "
                             "item, business service, assignment group...); 'none' for one service. Default: the "
                             "format's category column when the export has one.")] = None,
    columns: Annotated[str | None, typer.Option(
        help="Which column holds what: opened=...,resolved=...,priority=...,group=... (also id, state, updated, "
             "made_sla, reopen, assignee, due, closed, resolver, service, impact).")] = None,
    priorities: Annotated[str | None, typer.Option(
        help="Priority labels to levels, e.g. \"1 - Critical=P1,2 - High=P2,5 - Planning=skip\" (the others keep "
             "the mapping shown).")] = None,
    pending: Annotated[str | None, typer.Option(
        help="The states in which the SLA clock pauses, e.g. 'Awaiting User Info|On Hold' (default: awaiting, on "
             "hold, pending, en attente, waiting for customer...).")] = None,
    dayfirst: Annotated[bool | None, typer.Option(
        "--dayfirst/--monthfirst", help="How to read numeric dates no value decides (a day above 12 decides).")]
    = None,
    group: Annotated[list[str] | None, typer.Option(
        help="Keep only the tickets of this assignment group (repeatable).")] = None,
    group_match: Annotated[GroupMatch, typer.Option(
        "--group-match", help="final: incidents whose last group is one of --group (who owns them); ever: "
                              "incidents ever assigned to one of them (everything they touched).")] = GroupMatch.final,
    team: Annotated[str | None, typer.Option(
        help="The in-house team: a number of technicians in business hours (on call for P1), 1 to 500, or a team "
             "file (YAML, as under 'teams:'). Default: a placeholder sized from who resolved the tickets.")] = None,
    waiting: Annotated[Waiting, typer.Option(
        help="separate: fit repair times so that the simulated queue reproduces the history's times to restore; "
             "include: take the history's times to restore as repair times, waiting included.")] = Waiting.separate,
    backtest: Annotated[bool, typer.Option(help="Replay the history through the team (needed by --waiting "
                                                "separate).")] = True,
    whole_history: Annotated[bool, typer.Option(
        "--whole-history/--stable-period", help="Estimate on the whole history, or (default) on the recent stable "
                                                "period when the history changes level.")] = False,
    country: Annotated[str, typer.Option(help="Country of the public holidays (none for none).")] = "FR",
    time_zone: Annotated[str, typer.Option(help="Time zone of the export's times.")] = "Europe/Paris",
    seed: Annotated[int, typer.Option(min=0, help="Seed of the back-test.")] = 1,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report with the plots here.")] = None,
    force: Annotated[bool, typer.Option(help="Replace --out and --report files that exist.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the tables, notes, report and file: en or fr.")]
    = "en",
) -> None:
    """Calibrate the incident load and repair times of a desk's services from a ticket export, back-test them,
    and write a scenario file that validate accepts and run runs as it is."""
    from sourcing.calibration import restrict
    from sourcing.tickets import parse_columns, parse_priorities, read_export_file

    if lang not in ("en", "fr"):
        raise typer.BadParameter(f"'{lang}': write en or fr", param_hint="--lang")
    _check_target(out_file, force, (".yaml", ".yml"), "--out")
    _check_target(report, force, (".html", ".htm"), "--report")
    name = _service_name(service, export)
    holidays_of = None if country.strip().lower() == "none" else country.strip().upper()
    try:
        mapping = parse_columns(columns)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--columns") from None
    by_service = service_by is None or service_by.strip().lower() != "none"
    if service_by is not None and by_service:
        mapping["service"] = service_by.strip()
    try:
        levels = parse_priorities(priorities)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--priorities") from None
    _check_place(country=holidays_of, time_zone=time_zone)
    crew = _team(team, lang) if team is not None else None
    order = None if dayfirst is None else ("day first" if dayfirst else "month first")
    try:
        history = read_export_file(export, kind=kind.value if kind else None, columns=mapping, priorities=levels,
                                   order=order, time_zone=time_zone, pending=pending)
        if group:
            history = restrict(history, group, group_match.value)
        _print_reading(history, lang)
        from reports.calibrate import calibrate_history

        def estimated(desk, chosen) -> None:
            _print_estimates(desk, chosen, lang)
            if backtest:
                err.print(say("calibrate.cli.replaying", lang), highlight=False)

        done = calibrate_history(history, name, crew, separate=waiting is Waiting.separate, replay=backtest,
                                 country=holidays_of, time_zone=time_zone, seed=seed, lang=lang,
                                 by_service=by_service, stable=not whole_history, on_estimated=estimated,
                                 on_backtested=lambda found: _print_backtest(found, lang))
        out.print(Text(say("calibrate.repair_note", lang, note=done.written.note(lang)), style="bold"),
                  highlight=False, soft_wrap=True)
        for warning in done.implausible(lang):
            _flagged("warning", warning, lang, err, "yellow")
        files: dict[Path, str] = {}
        if out_file is not None:
            files[out_file] = done.scenario
        if report is not None:
            from reports.calibration import html_report

            files[report] = html_report(done, name, lang)
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
        out.print(say("calibrate.cli.written", lang, path=path), highlight=False)
    if out_file is None:
        out.print(say("calibrate.cli.nothing_written", lang), highlight=False)


def _check_place(country: str | None, time_zone: str) -> None:
    from sourcing.scenario import CalendarSpec

    try:
        CalendarSpec(start="2024-01-01", country=country, time_zone=time_zone)
    except ValueError as exc:
        message = str(exc).split("\n")[-1].strip()
        raise typer.BadParameter(message, param_hint="--country/--time-zone") from None


def _line(text: str) -> None:
    out.print(Text(text), highlight=False, soft_wrap=True)


def _flagged(kind: str, text: str, lang: str, stream=out, style: str = "cyan") -> None:
    stream.print(Text(f"  {say(f'calibrate.cli.{kind}', lang)} ", style=style) + Text(text), highlight=False,
                 soft_wrap=True)


def _print_frame(title: str, frame: pd.DataFrame) -> None:
    """One of the page's tables (:mod:`reports.calibration`), in the terminal; its title on a line of
    its own (a table's title would wrap at the table's width)."""
    if title:
        out.print(Text(title, style="bold"), highlight=False, soft_wrap=True)
    table = _table("", list(frame.columns), first_left=True)
    for row in frame.itertuples(index=False):
        table.add_row(*[Text(str(cell)) for cell in row])
    out.print(table)


def _print_reading(history, lang: str) -> None:
    """What was read, printed before anything is estimated."""
    orders = {"day first": "calibrate.day_first", "month first": "calibrate.month_first"}
    tickets = history.tickets
    _line(say("calibrate.read_line", lang, source=history.source, format=history.format,
              rows=number(history.rows, lang, 0), incidents=number(len(tickets), lang, 0),
              start=tickets["opened"].min().date(), end=tickets["opened"].max().date(),
              order=say(orders.get(history.date_order, "calibrate.iso_dates"), lang)))
    if history.subset is not None:
        label, kept, of = history.subset
        _line(say("calibrate.cli.subset", lang, filter=label, kept=number(kept, lang, 0), of=number(of, lang, 0)))
    _line(say("calibrate.cli.columns", lang, columns=", ".join(f"{k}={v}" for k, v in history.columns.items())))
    head = {key: say(f"calibrate.table.{key}", lang) for key in ("export", "level", "tickets")}
    _print_frame(f"{say('calibrate.mapping', lang)} ({say('calibrate.cli.priorities_hint', lang)})", pd.DataFrame(
        [{head["export"]: label, head["level"]: level,
          head["tickets"]: number(history.label_counts.get(label, 0), lang, 0)}
         for label, level in sorted(history.priorities.items(), key=lambda item: (item[1], item[0]))]))
    if history.waiting in ("states", "no_pending"):  # without a pending state, the note comes with the estimates
        _line(say("calibrate.cli.pending_states", lang, states=", ".join(history.pending_states) or "-"))
    else:
        _flagged("note", say("calibrate.notes.no_states", lang), lang)
    for line in history.excluded.lines(lang):
        _flagged("set_aside", line, lang, style="yellow")
    for note in history.notes:
        _flagged("note", note_text(note, lang), lang)


def _print_estimates(desk, team, lang: str) -> None:
    """What was estimated, printed before the back-test."""
    from reports.calibration import desk_notes, estimates_table, waiting_table

    c = desk.whole
    _line(say("calibrate.cli.history", lang, incidents=number(c.incidents, lang, 0), start=c.start.date(),
              end=(c.end - pd.Timedelta(days=1)).date(), months=number(c.months, lang, 1),
              per_month=number(c.per_month.value, lang, 1), low=number(c.per_month.low, lang, 1),
              high=number(c.per_month.high, lang, 1)))
    for note in desk_notes(desk, lang):
        _flagged("note", note, lang)
    if c.waiting:
        _print_frame(say("calibrate.waiting_table", lang), waiting_table(c, lang))
    for calibration in desk.services:
        title = say("calibrate.estimates", lang)
        if len(desk.services) > 1:
            title += f" - {calibration.service}"
        _print_frame(title, estimates_table(calibration, lang))
        _line(say("calibrate.notes.trend_and_season", lang, trend=note_text(calibration.trend.note, lang),
                  season=note_text(calibration.seasonality.note, lang)))
        profile = calibration.profile
        named = profile.named or profile.nearest
        p = profile.p_values[named]
        _line(say("calibrate.cli.profile_named" if profile.named else "calibrate.cli.profile_own", lang, name=named,
                  p=f"< {number(0.001, lang, 3)}" if p < 0.001 else f"= {number(p, lang, 3)}"))
        for warning in calibration.warnings:
            _flagged("warning", note_text(warning, lang), lang, err, "yellow")
    if c.reopened is not None:
        share = c.reopened.share
        _line(say("calibrate.cli.reopened", lang, total=number(c.reopened.total, lang, 0),
                  share=percent(share.value, lang, 1), low=percent(share.low, lang, 1),
                  high=percent(share.high, lang, 1)))
    if "all" in c.sla:
        made = c.sla["all"].share
        _line(say("calibrate.cli.sla_all", lang, total=number(c.sla["all"].total, lang, 0),
                  share=percent(made.value, lang, 1), low=percent(made.low, lang, 1), high=percent(made.high, lang, 1)))
    _line(say("calibrate.cli.team", lang, origin=team.origin))


def _print_backtest(found, lang: str) -> None:
    from reports.calibrate import backtest_warnings
    from reports.calibration import backtest_table, rating_lines
    from reports.emphasis import plain

    how = (say("calibrate.cli.how_separate", lang, rounds=found.rounds) if found.separate else
           say("calibrate.cli.how_include" if not found.team.repair_given else "calibrate.cli.how_given", lang))
    start, end = found.window
    _line(say("conclusion.rating_title", lang))
    for line in rating_lines(found, lang):
        _line("  " + plain(line))
    _print_frame(say("calibrate.backtest", lang) + "\n" + say(
        "calibrate.cli.backtest_line", lang, start=start.date(), end=end.date(),
        incidents=number(found.incidents, lang, 0), origin=found.team.origin, how=how), backtest_table(found, lang))
    for note in backtest_warnings(found, lang):
        _flagged("warning", note, lang, err, "yellow")
