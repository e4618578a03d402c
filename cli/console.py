"""Where the command line writes: standard output for results, standard error for messages. Output piped
or redirected to a file is not cut to a terminal's width, so a table keeps every digit; in a narrow
terminal, cells fold instead of ending in an ellipsis."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

PIPED_WIDTH = 10_000
out = Console(width=None if sys.stdout.isatty() else PIPED_WIDTH)
err = Console(stderr=True, width=None if sys.stderr.isatty() else PIPED_WIDTH)


def table(title: str, columns: list[str], first_left: bool = False) -> Table:
    """A table whose cells fold rather than lose digits when the terminal is narrow."""
    made = Table(title=Text(title), title_justify="left", title_style="bold")
    for k, column in enumerate(columns):
        made.add_column(Text(str(column)), justify="left" if first_left and k == 0 else "right", overflow="fold")
    return made
