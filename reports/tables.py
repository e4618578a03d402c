"""The one table model: a report's table built once from the core's figures, then rendered by one renderer
per medium (the terminal in :mod:`cli`, the app in :mod:`webapp`, :mod:`reports.html`, :mod:`reports.excel`).

A :class:`Table` is known by the catalogue key of its title (and the subject it is about), never by its
place in a list; its rows are figures by their labels, its columns options, its cells :class:`Cell` (a mean
with its 95 % half-width), :class:`Span` (a paired difference with its interval) or text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pandas as pd

from sourcing import words


@dataclass(frozen=True)
class Table:
    """One table of a report: which one (``key``, ``subject``), its title in the reader's words, its cells."""

    key: str
    """The catalogue key of its title (``section.costs``, ``section.service``...): what the table is."""
    title: str
    frame: pd.DataFrame
    """Rows: figures by their labels; columns: options; cells: :class:`Cell`, :class:`Span` or text."""
    subject: str = ""
    """The service, contract or team a section is about (its identifier); empty for the others."""


def find(tables: Iterable[Table], key: str, subject: str = "") -> Table:
    """The table of ``tables`` that is ``key`` (about ``subject``)."""
    for table in tables:
        if table.key == key and table.subject == subject:
            return table
    raise KeyError(key if not subject else f"{key} ({subject})")


@dataclass(frozen=True)
class Cell:
    """A mean with its confidence-interval half-width and the replications behind it."""

    mean: float
    half_width: float
    n: int
    unit: str

    def text(self, currency: str = "EUR", lang: str = "en") -> str:
        return format_value(self.mean, self.half_width, self.unit, currency, lang)


@dataclass(frozen=True)
class Span:
    """A paired difference, its confidence interval, and the replications behind it."""

    mean: float
    low: float
    high: float
    unit: str
    n: int = 0
    significant: bool = False
    """Whether the interval leaves out zero (the difference is established)."""

    def text(self, currency: str = "EUR", lang: str = "en") -> str:
        return words.interval(self.mean, self.low, self.high, self.unit, currency, lang)


def format_value(mean: float, half: float, unit: str, currency: str = "EUR", lang: str = "en") -> str:
    """``mean ± half`` in the metric's unit (percentages for shares, thousands for money), in the reader's
    locale: ``1,228.3 k€ ± 6.4`` / ``1 228,3 k€ ± 6,4``."""
    if pd.isna(mean):
        return words.say("unit.missing", lang)
    return words.estimate(mean, None if pd.isna(half) else half, unit, currency, lang)


def cell_text(value, currency: str = "EUR", lang: str = "en") -> str:
    """A table cell as text: a :class:`Cell` or :class:`Span` in the reader's locale, anything else as is."""
    if hasattr(value, "text"):
        return value.text(currency, lang)
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def text(table: Table, currency: str = "EUR", lang: str = "en") -> pd.DataFrame:
    """The table's cells as text in the reader's locale (labels are already in their language): what the
    terminal, the app and HTML show."""
    return table.frame.map(lambda c: cell_text(c, currency, lang))


def cells(table: Table) -> Iterator[tuple[str, str, object]]:
    """Each filled cell as (option, figure label, cell), figure by figure: the long form of a table (one row
    per option and figure) that the app's and the workbook's lists of differences show."""
    for figure, row in table.frame.iterrows():
        for option, cell in row.items():
            if isinstance(cell, (Cell, Span)) or (isinstance(cell, str) and cell):
                yield str(option), str(figure), cell
