"""The calibration both doors run: a ticket history estimated, back-tested through a team and written as a
scenario file in the reader's language, then that file run once to check each service's availability."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

from simulation.backtest import FITTED, Backtest, ServiceCheck, backtest, check_file, hands_on
from sourcing.calibration import Calibration, Desk, calibrate_desk
from sourcing.calibration_file import FileText, TeamSpec, Written, placeholder_team, scenario_yaml, written_repair
from sourcing.tickets import History
from sourcing.words import note_text, number, percent, say


def backtest_warnings(found: Backtest, lang: str = "en") -> list[str]:
    """What the back-test warns of (and why it failed, if it did), in the reader's words."""
    return [note_text(note, lang) for note in found.warnings]


def backtest_lines(found: Backtest, lang: str = "en") -> list[str]:
    """One line per priority: the quantiles real against simulated, and the KS distance."""
    out = []
    for check in found.checks:
        real, sim = check.quantiles(FITTED)
        pairs = ", ".join(f"P{round(q * 100)} {number(r, lang, 2)}/{number(s, lang, 2)} h"
                          for q, r, s in zip(FITTED, real, sim))
        out.append(say("calibrate.file.backtest_line", lang, priority=check.priority, pairs=pairs,
                       ks=number(check.ks, lang, 3), count=number(len(check.observed), lang, 0)))
    return out


def implausible_text(check: ServiceCheck, lang: str = "en") -> str:
    """Why a calibrated service's availability is implausible: the team cannot keep up, or the outages'
    impacts."""
    if check.backlog > 0.05 * max(check.incidents, 1):
        return say("calibrate.notes.implausible_backlog", lang, service=check.service,
                   availability=percent(check.availability, lang, 1), backlog=number(check.backlog, lang, 0),
                   incidents=number(check.incidents, lang, 0))
    parts = "; ".join(say("calibrate.notes.implausible_part", lang, priority=p, per_month=number(v[0], lang, 1),
                          impact=percent(v[1], lang, 0), hours=number(v[2], lang, 1))
                      for p, v in check.outages.items())
    return say("calibrate.notes.implausible", lang, service=check.service,
               availability=percent(check.availability, lang, 1), parts=parts)


class Calibrated(NamedTuple):
    """Everything one calibration produced: what was read, estimated, back-tested and written."""

    desk: Desk
    team: TeamSpec
    backtest: Backtest | None
    written: Written
    scenario: str
    """The commented scenario file."""
    services: tuple[ServiceCheck, ...] = ()
    """The written file run: each service's availability and what takes it down."""

    def implausible(self, lang: str = "en") -> list[str]:
        """A warning per service whose simulated availability is below :data:`PLAUSIBLE`, with the reason."""
        return [implausible_text(check, lang) for check in self.services if not check.plausible]

    @property
    def calibration(self) -> Calibration:
        """The whole export's calibration."""
        return self.desk.whole


def calibrate_history(history: History, service: str, team: TeamSpec | None = None, separate: bool = True,
                      replay: bool = True, country: str | None = "FR", time_zone: str = "Europe/Paris",
                      seed: int = 1, lang: str = "en", by_service: bool = True, stable: bool = True,
                      on_estimated: Callable[[Desk, TeamSpec], None] | None = None,
                      on_backtested: Callable[[Backtest], None] | None = None, check: bool = True) -> Calibrated:
    """A history estimated (one service per leading value of its service column), back-tested through the
    team (the placeholder sized from it when None) and written as a scenario file: the one path of the
    command line and the app. ``on_estimated`` and ``on_backtested`` see each step's result as soon as it
    is there (so that a later failure never hides it). With ``check``, the written file is run and each
    service's availability checked (:func:`check_file`)."""
    desk = calibrate_desk(history, service, country=country, by_service=by_service, stable=stable)
    placeholder = team is None
    team = team or placeholder_team(desk, time_zone, lang)
    if on_estimated is not None:
        on_estimated(desk, team)
    # A rota around the clock sized not to be the bottleneck leaves no queue to separate: the history's times
    # are its hands-on times (said in the file as an assumption).
    separate = separate and not team.rota
    found = backtest(desk, team, time_zone, separate=separate, seed=seed) if replay else None
    if placeholder and found is not None and found.separate and found.failure is None and desk.whole.team is None:
        # Sized from the history's times to restore (the most the work can be), the placeholder is sized again
        # from the hands-on times the fit found, and the fit run again with it when that changes its size.
        resized = placeholder_team(desk, time_zone, lang, hands_on(found.repairs))
        if resized.data == team.data:
            team, found = resized, replace(found, team=resized)
        else:
            again = backtest(desk, resized, time_zone, separate=separate, seed=seed)
            if again.failure is None:
                team, found = resized, again
    if found is not None and on_backtested is not None:
        on_backtested(found)
    written = written_repair(desk, found)
    text = scenario_yaml(desk, team, written.repairs, time_zone,
                         FileText(written.note(lang), backtest_lines(found, lang) if found else []), lang)
    return Calibrated(desk, team, found, written, text, check_file(text, seed) if check else ())
