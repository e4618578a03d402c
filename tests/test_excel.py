"""The Excel renderer (reports/excel.py): number formats by unit, titles Excel accepts, text neutralised."""

from __future__ import annotations

import math

from openpyxl import Workbook

from reports import excel


def test_number_formats_of_units():
    """Workbooks write units as the reports do, after a (no-break) space: 1,228.3 k€, 99.23 %, 4.50 h."""
    assert excel.number_format("money", "EUR") == '#,##0.0,"\u00a0k€"'
    assert excel.number_format("share", mean=0.995) == '0.000"\u00a0"%' and \
        excel.number_format("share", mean=0.5) == '0.00"\u00a0"%'
    assert excel.number_format("probability") == '0.0"\u00a0"%'
    assert excel.number_format("h") == '#,##0.00"\u00a0h"'
    assert not math.isnan(0.0) and excel.number_format("") is None


# --------------------------------------------------------------------------- editor


def test_sheet_titles_are_ones_excel_accepts_and_unique():
    book = Workbook()
    first = excel.sheet_title("Costs: [2027/2031]?", book)
    assert first == "Costs 20272031" and len(excel.sheet_title("x" * 40, book)) == 31
    book.create_sheet(first)
    assert excel.sheet_title("Costs: [2027/2031]?", book) == "Costs 20272031 2"
