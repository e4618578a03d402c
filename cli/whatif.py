"""``sourcing breakeven``, ``sourcing match`` and ``sourcing sensitivity``: what if a parameter changed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.text import Text

from reports.tables import Table
from sourcing.errors import ScenarioError

from .console import out
from .console import table as _table
from .documents import OutputFormat, emit
from .interrupt import interruptible
from .loading import check_language, load_scenario, names_as_read, open_executor
from .options import Format, Language, Seed, Sets, Workers
from .output import capitalised, print_problems, print_said, print_tables

Scheduler = Annotated[str | None, typer.Option(
    help="A Dask scheduler (tcp://HOST:8786), or local:N for a local cluster of N processes.")]
Evaluations = Annotated[int, typer.Option("--replications", "-n", min=2, max=10_000,
                                          help="Replications at each value tried.")]


def breakeven(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    between: Annotated[tuple[str, str], typer.Option(help="The two scenarios: A B.")],
    vary: Annotated[str, typer.Option(help="Parameter path, e.g. providers.msp.fees.monthly.")],
    on: Annotated[str, typer.Option(help="cost (economic cost) or availability.")] = "cost",
    low: Annotated[str | None, typer.Option(help="Lowest value to try, with its unit (default: half today's).")] = None,
    high: Annotated[str | None, typer.Option(help="Highest value to try (default: 1.5 times today's).")] = None,
    replications: Evaluations = 60,
    seed: Seed = 1,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    sets: Sets = None,
    language: Language = "en",
    output: Format = OutputFormat.table,
) -> None:
    """The value of one parameter at which two options cost the same (or are as available), with its 95 %
    interval; each value is tried on the same incidents."""
    from reports.conclusions import gap_text as gap
    from reports.conclusions import value_text
    from simulation.whatif import breakeven as find
    from sourcing.paths import quantity
    from sourcing.words import INTERVAL_SEPARATOR, count, say

    check_language(language)
    if on not in ("cost", "availability"):
        raise typer.BadParameter(f"'{on}': write cost or availability", param_hint="--on")
    study = load_scenario(file, sets, language)
    between = tuple(names_as_read(file, language, *between))
    try:
        bounds = [quantity(v).number if v is not None else None for v in (low, high)]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--low/--high") from None
    executor = open_executor(workers, scheduler)
    try:
        with interruptible():
            found = find(study, between[0], between[1], vary, replications=replications, seed=seed, low=bounds[0],
                         high=bounds[1], on=on, workers=workers, executor=executor)
    except ScenarioError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
    finally:
        executor.close()
    points = [{"value": x, "difference": d.mean, "ci_low": d.low, "ci_high": d.high} for x, d in found.points]
    document = {"file": str(file), "between": list(between), "vary": vary, "on": on, "seed": seed,
                "replications": replications, "break_even": found.value, "ci_low": found.low,
                "ci_high": found.high, "unit": found.unit, "today": found.current, "method": found.method,
                "points": points}
    if emit(output, document, pd.DataFrame(points, columns=["value", "difference", "ci_low", "ci_high"])):
        return
    from reports.conclusions import breakeven_sentence, parameter_text
    from simulation.conclusions import breakeven_conclusion, parameter

    print_said(breakeven_sentence(breakeven_conclusion(found, study.names), language))
    if found.value is not None:
        out.print(Text(say(f"whatif.cli_method_{found.method}", language,
                           replications=count(replications, "count.replications", language), seed=seed)),
                  highlight=False, soft_wrap=True)
    table = _table(say("whatif.cli_minus", language, what=say(f"whatif.on_{on}", language), a=between[0],
                       b=between[1]), [capitalised(parameter_text(parameter(vary, study.names), language)),
                                     say("whatif.difference", language), say("whatif.ci", language)])
    for x, d in found.points:
        table.add_row(value_text(x, found.unit, "", language), gap(d.mean, on, study.currency, language),
                      f"[{gap(d.low, on, study.currency, language)}{INTERVAL_SEPARATOR[language]}"
                      f"{gap(d.high, on, study.currency, language)}]")
    out.print(table)


def match(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    scenario: Annotated[str, typer.Option(help="The option to improve (A).")],
    like: Annotated[str, typer.Option(help="The option to match (B).")],
    vary: Annotated[str, typer.Option(help="Parameter path, e.g. teams.ops.members[0].count.")],
    on: Annotated[str, typer.Option(help="availability, gtr-compliance or cost.")] = "availability",
    values: Annotated[str | None, typer.Option(
        help="Values to try in order, separated by '|', e.g. 'HO|Mon-Fri 07:00-20:00|24/7' (default: the next "
             "whole numbers).")] = None,
    replications: Evaluations = 60,
    seed: Seed = 1,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    sets: Sets = None,
    language: Language = "en",
    output: Format = OutputFormat.table,
) -> None:
    """The smallest value of a parameter at which option A is at least as good as option B, with the
    probability that it truly is, and what it costs."""
    import yaml

    from simulation.whatif import match as find
    from sourcing.words import say

    check_language(language)
    if on not in ("availability", "gtr-compliance", "cost"):
        raise typer.BadParameter(f"'{on}': write availability, gtr-compliance or cost", param_hint="--on")
    study = load_scenario(file, sets, language)
    scenario, like = names_as_read(file, language, scenario, like)
    tried = [yaml.safe_load(v.strip()) for v in values.split("|")] if values else None
    executor = open_executor(workers, scheduler)
    try:
        with interruptible():
            found = find(study, scenario, like, vary, tried, on, replications, seed, workers, executor)
    except ScenarioError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
    finally:
        executor.close()
    steps = [{"value": st.value, "difference": st.difference.mean, "ci_low": st.difference.low,
              "ci_high": st.difference.high, "probability": st.probability, "cost_per_year": st.cost_per_year}
             for st in found.steps]
    document = {"file": str(file), "scenario": scenario, "like": like, "vary": vary, "on": on,
                "found": None if found.found is None else found.found.value,
                "today_cost_per_year": found.current_cost_per_year, "steps": steps}
    if emit(output, document, pd.DataFrame(steps, columns=["value", "difference", "ci_low", "ci_high",
                                                            "probability", "cost_per_year"])):
        return
    from reports.conclusions import match_rows, match_sentence
    from simulation.conclusions import match_conclusion

    print_said(match_sentence(match_conclusion(found, study.names), study.currency, language))
    shown = pd.DataFrame(match_rows(found, study.currency, language))
    table = _table(say("whatif.cli_minus", language, what=say(f"whatif.on_{on}", language), a=scenario, b=like),
                   list(shown.columns))
    for row in shown.itertuples(index=False):
        table.add_row(*row)
    out.print(table)


def sensitivity(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    vary: Annotated[list[str] | None, typer.Option(
        help="PATH=LOW..HIGH with units, e.g. 'providers.msp.fees.monthly=3000 EUR..5000 EUR' (repeatable); "
             "default: the usual assumptions (staff cost, incident volume and growth, outage cost, repair times, "
             "departures, provider fees and performance, SaaS price and outages).")] = None,
    method: Annotated[str, typer.Option(help="tornado (one at a time), morris or sobol (all at once, SALib).")]
    = "tornado",
    samples: Annotated[int, typer.Option(min=2, max=1000, help="Morris trajectories or Sobol base samples.")] = 8,
    replications: Evaluations = 40,
    seed: Seed = 1,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    sets: Sets = None,
    language: Language = "en",
    output: Format = OutputFormat.table,
) -> None:
    """Which assumptions move the economic-cost difference between the two cheapest options, and which
    swings flip the decision."""
    from reports.conclusions import assumption_label, move_text
    from simulation.whatif import DEFAULT_ASSUMPTIONS, global_sensitivity, parse_swing
    from simulation.whatif import sensitivity as tornado
    from sourcing.words import decimal_text, horizon, money, say

    check_language(language)

    if method not in ("tornado", "morris", "sobol"):
        raise typer.BadParameter(f"'{method}': write tornado, morris or sobol", param_hint="--method")
    study = load_scenario(file, sets, language)
    try:
        assumptions = tuple(parse_swing(v, study) for v in vary) if vary else DEFAULT_ASSUMPTIONS
    except (ValueError, ScenarioError) as exc:
        if isinstance(exc, ScenarioError):
            print_problems(exc)
            raise typer.Exit(2) from None
        raise typer.BadParameter(str(exc), param_hint="--vary") from None
    executor = open_executor(workers, scheduler)
    try:
        with interruptible():
            if method == "tornado":
                found = tornado(study, assumptions, replications, seed, workers, executor)
            else:
                table = global_sensitivity(study, method, samples, replications, seed, workers, executor,
                                           assumptions)
    except ScenarioError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
    finally:
        executor.close()
    if method != "tornado":
        if not emit(output, {"file": str(file), "method": method, "indices": table.to_dict("records")}, table):
            shown = table.set_index("assumption").map(lambda v: decimal_text(v, language, 4))
            shown.index = [assumption_label(a, language) for a in shown.index]
            print_tables([Table(f"whatif.cli_{method}", say(f"whatif.cli_{method}", language), shown)], study.currency,
                         language)
        return
    swings = [{"assumption": s.assumption, "low": s.low, "high": s.high, "at_low": s.at_low.mean,
               "at_high": s.at_high.mean, "flips": s.flips} for s in found.swings]
    document = {"file": str(file), "winner": found.winner, "runner_up": found.runner_up,
                "difference": found.base.mean, "swings": swings}
    if emit(output, document, pd.DataFrame(swings, columns=["assumption", "low", "high", "at_low", "at_high",
                                                             "flips"])):
        return
    from reports.conclusions import tornado_sentences
    from simulation.conclusions import tornado_conclusion

    for line in tornado_sentences(tornado_conclusion(found), assumption_label, study.currency, language):
        print_said(line)
    out.print(Text(say("whatif.cli_tornado", language, winner=found.winner, runner=found.runner_up,
                       amount=money(-found.base.mean, study.currency, language),
                       horizon=horizon(study.calendar.horizon, language))), highlight=False, soft_wrap=True)
    table = _table(say("whatif.tornado", language), [say(f"whatif.cli_{c}", language) for c in (
        "assumption", "low", "high", "at_low", "at_high", "flips")], first_left=True)
    for s_ in found.swings:
        table.add_row(assumption_label(s_.assumption, language), move_text(s_.low, s_.additive, language),
                      move_text(s_.high, s_.additive, language),
                      money(s_.at_low.mean, study.currency, language, signed=True),
                      money(s_.at_high.mean, study.currency, language, signed=True),
                      say("app.yes" if s_.flips else "app.no", language))
    out.print(table)
