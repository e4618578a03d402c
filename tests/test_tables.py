"""The table model (reports/tables.py): a table is found by what it is, never by its place; its cells read
in the long form in the table's order; every medium shows the same text."""

from __future__ import annotations

import pandas as pd
import pytest

from reports.tables import Cell, Span, Table, cells, find, text


def _tables() -> list[Table]:
    frame = pd.DataFrame({"A": [Cell(1234.5, 10.0, 30, "money"), Span(-0.01, -0.02, 0.0, "share", 30, False)],
                          "B": [Cell(99.0, float("nan"), 30, "h"), "yes"]}, index=["Cost", "Gap"])
    return [Table("section.costs", "Costs", frame), Table("section.service", "Mail", frame, "mail")]


def test_a_table_is_found_by_its_key_and_subject():
    tables = _tables()
    assert find(tables, "section.service", "mail").title == "Mail"
    assert find(tables, "section.costs").subject == ""
    with pytest.raises(KeyError):
        find(tables, "section.service", "erp")


def test_cells_come_figure_by_figure_and_text_in_the_readers_locale():
    table = _tables()[0]
    assert [(option, figure) for option, figure, _ in cells(table)] == [("A", "Cost"), ("B", "Cost"),
                                                                       ("A", "Gap"), ("B", "Gap")]
    english, french = text(table, "EUR", "en"), text(table, "EUR", "fr")
    assert english.at["Cost", "A"] == Cell(1234.5, 10.0, 30, "money").text("EUR", "en")
    assert english.at["Gap", "B"] == "yes" and english.at["Cost", "A"] != french.at["Cost", "A"]
