"""The ``sourcing`` command line: the typer application and every command registered on it, in the order its
help lists them; each command lives in the module of its family.

The commands only parse options, call the core and print; every number comes from ``simulation`` and every
rule from ``sourcing``.
"""

from __future__ import annotations

import sys

import typer

from .batch import batch, export, report
from .calibrate import calibrate
from .offers import offers_compare, offers_template
from .run import compare_files, run, schema, validate
from .whatif import breakeven, match, sensitivity

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Make, outsource or buy the service? Simulate IT service scenarios and compare them.",
)
app.command()(validate)
app.command()(schema)
app.command()(run)
app.command("compare")(compare_files)
app.command()(batch)
app.command()(breakeven)
app.command()(match)
app.command()(sensitivity)
app.command()(export)
app.command()(report)

offers_app = typer.Typer(help="Procurement: put providers' offers side by side on the same incidents.",
                         no_args_is_help=True)
app.add_typer(offers_app, name="offers")
offers_app.command("template")(offers_template)
offers_app.command("compare")(offers_compare)

app.command("calibrate")(calibrate)


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was written\n")
        raise SystemExit(130) from None
