"""Options several commands share, with their help: replications, seed, workers, precision, --set,
language, output format..."""

from __future__ import annotations

from typing import Annotated

import typer

from .documents import OutputFormat

Replications = Annotated[int, typer.Option("--replications", "-n", min=2, max=100_000,
                                           help="Replications (2 to 100,000).")]
Seed = Annotated[int, typer.Option(min=0, help="Seed of the run; same seed, same numbers.")]
Workers = Annotated[int, typer.Option(min=1, max=64, help="Local worker processes (1 to 64).")]
Precision = Annotated[str | None, typer.Option(
    help="Add replications until every scenario's economic-cost 95 % half-width is at most this share of its "
         "mean, e.g. 1%.")]
MaxReplications = Annotated[int, typer.Option(min=2, max=100_000,
                                              help="Ceiling on replications with --precision or --until decided "
                                                   "(at most 100,000).")]
Until = Annotated[str | None, typer.Option(
    help="'decided': add replications until the cheapest option is known with 95 % probability of correct "
         "selection (Kim-Nelson on paired differences), or the options are equivalent within --indifference.")]
Indifference = Annotated[str, typer.Option(
    help="With --until decided: the smallest difference of economic cost that matters, an amount "
         "('10k EUR') or a share of the lowest cost ('1%').")]
Sets = Annotated[list[str] | None, typer.Option(
    "--set", help="Change one value without editing the file: PATH=VALUE with its unit, e.g. "
                  "--set 'providers.msp.fees.monthly=4200 EUR' (repeatable).")]
Language = Annotated[str, typer.Option("--lang", help="Language of the verdict and numbers: en or fr.")]
VarianceReduction = Annotated[bool, typer.Option(
    "--variance-reduction/--no-variance-reduction",
    help="Control variates on the staffing draws (teams whose people may leave); off gives the plain means.")]
Format = Annotated[OutputFormat, typer.Option(
    "--format", help="table (for people), json or csv (for programs) on standard output.")]
Baseline = Annotated[str | None, typer.Option(help="Scenario the others are compared with (paired differences).")]
