"""The one Excel renderer: workbooks whose sheets keep numbers as numbers with a number format by unit
(thousands of the currency, percentages, hours), frozen bold headers, widths that fit, titles Excel accepts
and every text cell neutralised (:func:`sourcing.cells.neutralise_frame`)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from sourcing import words
from sourcing.cells import neutralise, neutralise_frame

from .tables import Cell, Span, Table, cells

FORMATS = {
    "money": '#,##0.0,"\u00a0k{symbol}"',
    "share": '0.00"\u00a0"%',
    "share3": '0.000"\u00a0"%',
    "probability": '0.0"\u00a0"%',
    "h": '#,##0.00"\u00a0h"',
    "count": "#,##0.00",
    "integer": "0",
    "score": "0.000",
}
"""Excel number formats by unit (the comma after the digits shows thousands: 1228345 reads 1,228.3 k€); a
no-break space before every unit, as the reports write them (``99.23 %``, ``4.50 h``)."""
MAX_WIDTH = 60
MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def number_format(unit: str, currency: str = "EUR", mean: float | None = None) -> str | None:
    """The Excel number format of a figure's unit (three decimals of percent above 99 %)."""
    if unit == "share" and mean is not None and abs(mean) > 0.99:
        return FORMATS["share3"]
    found = FORMATS.get(unit)
    return found.format(symbol=words.symbol(currency)) if found else None


Format = str | None | Callable[[int], str | None]
"""A column's number format: one for every row, or one per row (its position in the frame)."""


def write_sheet(book, title: str, frame: pd.DataFrame, formats: dict[str, Format] | None = None,
                freeze_columns: int = 1, notes: Sequence[str] = ()) -> None:
    """``frame`` as a sheet: notes on top, a bold header row frozen with the first ``freeze_columns``
    columns, numbers kept as numbers with their column's format, text neutralised, widths that fit."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = add_sheet(book, title)
    frame = neutralise_frame(frame)
    for note in notes:
        sheet.append([neutralise(note)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(italic=True)
    header_row = sheet.max_row + 1 if notes else 1
    sheet.append([str(c) for c in frame.columns])
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    formats = formats or {}
    for position, row in enumerate(frame.itertuples(index=False)):
        sheet.append([_cell(v) for v in row])
        for k, column in enumerate(frame.columns):
            wanted = formats.get(column)
            code = wanted(position) if callable(wanted) else wanted
            if code:
                sheet.cell(row=sheet.max_row, column=k + 1).number_format = code
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=freeze_columns + 1)
    for k, column in enumerate(frame.columns, start=1):
        texts = [str(column)] + [_shown_length(v) for v in frame[column].head(500)]
        width = min(MAX_WIDTH, max(10, max(len(t) for t in texts) + 2))
        sheet.column_dimensions[get_column_letter(k)].width = width
    if any(len(str(c)) > MAX_WIDTH for c in frame.columns):
        sheet.row_dimensions[header_row].height = 45


def _shown_length(value: Any) -> str:
    """Roughly what a cell shows: a number in k€ or % is shorter than its raw digits."""
    if isinstance(value, float):
        return f"{value:,.2f}"[:12]
    return "" if value is None else str(value)


def _cell(value: Any) -> Any:
    """A value openpyxl writes as a number, a boolean or text (NaN as an empty cell)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


def add_sheet(book: Any, title: str) -> Any:
    """A new sheet whose title Excel accepts (:func:`sheet_title`)."""
    return book.create_sheet(sheet_title(title, book))


def sheet_title(title: str, book: Any) -> str:
    """A sheet title Excel accepts: at most 31 characters, none of []:*?/\\, unique in the book."""
    text = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"
    taken = set(book.sheetnames)
    base, k = text, 2
    while text in taken:
        text = f"{base[:28]} {k}"
        k += 1
    return text


def workbook() -> Any:
    """An empty workbook (no default sheet)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    return book


def to_bytes(book: Any) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def by_option(table: Table, currency: str = "EUR", lang: str = "en") -> tuple[pd.DataFrame, dict[str, Format]]:
    """A table of :class:`~reports.tables.Cell` as a sheet: one row per option; for each figure its mean, and
    its half-width where it has one, as numbers in the format of the figure's unit; text cells as text."""
    half = words.say("export.half_width", lang)
    out: dict[str, list] = {words.say("export.option", lang): [str(c) for c in table.frame.columns]}
    formats: dict[str, Format] = {}
    for figure, row in table.frame.iterrows():
        found = [c for c in row if isinstance(c, Cell)]
        if not found:
            out[str(figure)] = [c if isinstance(c, str) else None for c in row]
            continue
        out[str(figure)] = [c.mean if isinstance(c, Cell) else None for c in row]
        code = number_format(found[0].unit, currency, max(abs(c.mean) for c in found))
        formats[str(figure)] = code
        if any(c.half_width == c.half_width for c in found):
            name = f"{figure} {half}"
            out[name] = [c.half_width if isinstance(c, Cell) else None for c in row]
            formats[name] = code
    return pd.DataFrame(out), formats


def by_figure(table: Table, currency: str = "EUR", lang: str = "en") -> tuple[pd.DataFrame, dict[str, Format]]:
    """A table of :class:`~reports.tables.Span` as a sheet: one row per option and figure, the difference and
    its interval as numbers in the format of the figure's unit, whether it is established, the replications."""
    say = words.say
    rows = [(option, figure, span) for option, figure, span in cells(table) if isinstance(span, Span)]
    frame = pd.DataFrame({
        say("export.option", lang): [o for o, _, _ in rows],
        say("export.figure", lang): [f for _, f, _ in rows],
        say("export.difference", lang): [s.mean for _, _, s in rows],
        say("export.ci_low", lang): [s.low for _, _, s in rows],
        say("export.ci_high", lang): [s.high for _, _, s in rows],
        say("export.significant", lang): [say("app.yes" if s.significant else "app.no", lang) for _, _, s in rows],
        say("export.replications", lang): [s.n for _, _, s in rows],
    })

    def by_row(position: int) -> str | None:
        span = rows[position][2]
        return number_format(span.unit, currency, span.mean if span.unit == "share" and abs(span.mean) > 0.99
                             else None)

    return frame, {frame.columns[k]: by_row for k in (2, 3, 4)}
