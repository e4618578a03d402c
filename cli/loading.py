"""Reading what the command line is given: a scenario file with its ``--set`` changes, option names in
either language, and the options that need parsing (``--precision``, ``--indifference``, ``--weight``,
``--lang``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sourcing.errors import ScenarioError
from sourcing.files import load_study
from sourcing.scenario import Study

from .output import fail, print_problems

if TYPE_CHECKING:
    from simulation.executors import Executor


def load_scenario(path: Path, sets: list[str] | None = None, lang: str | None = None) -> Study:
    """The scenario file, with the ``--set`` changes applied (each validated as if written in the file), its
    names in ``lang`` where the file translates them."""
    from sourcing.paths import parse_assignment, with_values

    try:
        study = load_study(path, lang)
        if sets:
            changes = {}
            for item in sets:
                try:
                    key, value = parse_assignment(item)
                except ValueError as exc:
                    raise typer.BadParameter(str(exc), param_hint="--set") from None
                changes[key] = value
            study = with_values(study, changes, source=f"{path} with --set")
        return study
    except ScenarioError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None


def names_as_read(path: Path, lang: str, *names: str | None) -> list[str | None]:
    """Option names given on the command line as the file writes them, read in ``lang``: with ``--lang fr``
    a file that translates 'In-house' into 'Interne' takes either name."""
    try:
        table = load_study(path).translations.get(lang, {})
    except ScenarioError:
        return list(names)
    return [table.get(name, name) if name is not None else None for name in names]


def check_language(language: str) -> None:
    if language not in ("en", "fr"):
        raise typer.BadParameter(f"'{language}': write en or fr", param_hint="--lang")


def parse_precision(value: str | None) -> float | None:
    if value is None:
        return None
    from sourcing.units import parse_fraction

    try:
        share = parse_fraction(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{exc} (e.g. --precision 1%)") from None
    if not 0 < share < 1:
        raise typer.BadParameter("give a share above 0 % and below 100 %, e.g. --precision 1%")
    return share


def parse_indifference(value: str, currency: str) -> tuple[float | None, float | None]:
    """(amount, share) of an --indifference value."""
    from sourcing.units import parse_fraction, parse_money

    text = value.strip()
    try:
        if text.endswith("%"):
            share = parse_fraction(text)
            if not 0 < share < 1:
                raise ValueError
            return None, share
        amount, unit = parse_money(text)
    except ValueError:
        raise typer.BadParameter(f"'{value}': write an amount such as '10k {currency}' or a share such as "
                                 "'1%'", param_hint="--indifference") from None
    if unit != currency or amount <= 0:
        raise typer.BadParameter(f"'{value}': write a positive amount in {currency}, e.g. '10k {currency}'",
                                 param_hint="--indifference")
    return amount, None


def parse_weights(values: list[str]) -> dict[str, float]:
    weights = {}
    for item in values:
        key, sep, number = item.partition("=")
        try:
            if not sep:
                raise ValueError
            weights[key.strip()] = float(number)
            if not math.isfinite(weights[key.strip()]) or weights[key.strip()] < 0:
                raise ValueError
        except ValueError:
            raise typer.BadParameter(f"'{item}': write a weight as criterion=number, e.g. price=40") from None
    return weights


def open_executor(workers: int, scheduler: str | None) -> Executor:
    """The executor the options ask for (``--workers`` local processes or a ``--scheduler`` Dask cluster)."""
    from simulation.executors import executor_for

    if scheduler is not None and workers != 1:
        fail("give either --workers (local processes) or --scheduler (a Dask cluster), not both")
    return executor_for(workers, scheduler)
