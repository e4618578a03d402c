"""Hostile and foreign grids: each is read right or refused with the provider, the row and what to write.

Every test here failed with the grid reader that preceded ``sourcing/spreadsheet.py`` (since split into
``sourcing/workbook.py``, ``numbers.py`` and ``row_kinds.py``): a silent wrong reading, a traceback, or no
limit. Grids are built in the tests with openpyxl, from the template
filled with the bundled offers (``scenarios/email-offers.yaml``).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import os
import random
import re
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from sourcing.errors import ScenarioError
from sourcing.grid import ROWS, load_tender, read_grid, template
from sourcing.tender import Tender

ROOT = Path(__file__).parents[1]
OFFERS = ROOT / "scenarios" / "email-offers.yaml"
ROW = {row.key: line for line, row in enumerate(ROWS, start=2)}
KIND = {row.key: row.kind for row in ROWS}
COLUMN = {"budget-ho": 4, "standard-24-7": 5, "premium-1h": 6}
SHEET = "xl/worksheets/sheet1.xml"


@cache
def bundled() -> Tender:
    return load_tender(OFFERS)


def _value(data: dict, key: str):
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


@cache
def _grid_bytes() -> bytes:
    """The bundled offers typed into the template: numbers as numbers, durations and charges as text."""
    tender = bundled()
    book = load_workbook(io.BytesIO(template(list(tender.offers), currency=tender.currency, name=tender.name)))
    sheet = book["Offers"]
    for column, offer in enumerate(tender.offers.values(), start=4):
        data = offer.model_dump(mode="json", by_alias=True, exclude_none=True, context={"currency": "EUR"})
        for line, row in enumerate(ROWS, start=2):
            value = _value(data, row.key)
            if value is None:
                continue
            if row.kind == "money":
                value = float(str(value).split()[0])
            elif row.kind in ("count", "number") or row.key == "contract_years":
                value = float(value)
            sheet.cell(row=line, column=column, value=value)
    return save(book)


def grid() -> Workbook:
    """A fresh workbook of the filled grid, to change before reading."""
    return load_workbook(io.BytesIO(_grid_bytes()))


def save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(content: bytes | Workbook, kind: str = "xlsx") -> Tender:
    if isinstance(content, Workbook):
        content = save(content)
    return read_grid(content, f"grid.{kind}", kind=kind)


def refusal(content: bytes | Workbook, kind: str = "xlsx") -> str:
    """The message of the ScenarioError the grid must raise."""
    if isinstance(content, Workbook):
        content = save(content)
    with pytest.raises(ScenarioError) as caught:
        read_grid(content, f"grid.{kind}", kind=kind)
    assert caught.value.problems
    return str(caught.value)


def with_cell(key: str, provider: str, value, number_format: str | None = None) -> Workbook:
    book = grid()
    cell = book["Offers"].cell(row=ROW[key], column=COLUMN[provider], value=value)
    if number_format:
        cell.number_format = number_format
    return book


def offer(book: Workbook, provider: str = "standard-24-7"):
    return read(book).offers[provider]


def patched(content: bytes, member: str, change) -> bytes:
    """The xlsx with one part's bytes changed by ``change``."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            out.writestr(info.filename, change(data) if info.filename == member else data)
    return buffer.getvalue()


# --------------------------------------------------------------------------- 1. never a silent wrong reading


def test_a_blank_provider_name_over_values_is_refused_and_an_empty_column_is_ignored():
    book = grid()
    book["Offers"]["E1"] = None
    message = refusal(book)
    assert "column E has values but no provider name in row 1: write the provider's name" in message

    book = grid()
    book["Offers"].insert_cols(5)  # an empty column between budget-ho and standard-24-7
    parsed = read(book)
    assert list(parsed.offers) == list(bundled().offers)
    for name, expected in bundled().offers.items():
        assert parsed.offers[name] == expected, name


def test_a_provider_name_typed_as_a_formula_without_a_saved_value_is_refused():
    book = grid()
    book["Offers"]["E1"] = '=CONCAT("standard","-24-7")'  # saved by openpyxl: a formula, no value
    message = refusal(book)
    assert "E1 holds a formula with no saved value" in message and "provider's name" in message
    # a text formula whose saved result is empty (=IF(...;"";...)) is an empty cell, not a missing value
    line = ROW["penalties.per_breach.P2"]
    empty_result = f'<c r="E{line}" t="str"><f>IF(1=0,"5%","")</f><v></v></c>'.encode()
    assert read(_cell_xml(_grid_bytes(), f"E{line}", empty_result)).offers == bundled().offers


@pytest.mark.parametrize("first, second", [("Acme", " acme "), ("Soci\u00e9t\u00e9", "Socie\u0301te\u0301"),
                                           ("ACME SA", "acme  sa")])
def test_two_providers_with_the_same_name_are_refused_naming_both_columns(first, second):
    book = grid()
    book["Offers"]["D1"], book["Offers"]["F1"] = first, second
    message = refusal(book)
    assert "columns D and F both hold provider" in message, message


def test_merged_field_names_are_refused_with_their_rows():
    book = grid()
    first, second = ROW["penalties.per_hour_late.P1"], ROW["penalties.per_hour_late.P2"]
    book["Offers"].merge_cells(f"A{first}:A{second}")  # the P2 row loses its field name
    message = refusal(book)
    assert f"cells A{first}:A{second} are merged, so row {second} has no name in column A" in message


def test_a_value_merged_down_a_providers_column_is_read_in_every_row_it_covers():
    book = grid()
    first, second = ROW["penalties.per_hour_late.P1"], ROW["penalties.per_hour_late.P2"]
    book["Offers"].merge_cells(f"D{first}:D{second}")  # budget-ho: 5% shown for P1 and P2
    penalties = offer(book, "budget-ho").penalties.per_hour_late
    assert penalties["P1"].share == penalties["P2"].share == pytest.approx(0.05)


def test_a_merged_provider_name_is_refused():
    book = grid()
    book["Offers"].merge_cells("E1:F1")
    assert "cells E1:F1 are merged in row 1: each provider needs its own column" in refusal(book)


def test_a_row_with_values_but_no_field_name_is_refused():
    book = grid()
    line = ROW["penalties.per_hour_late.P2"]
    book["Offers"].cell(row=line, column=1).value = None
    message = refusal(book)
    assert f"row {line} has values but no field name in column A" in message
    assert "penalties.per_hour_late.P2" in message  # the template's field on that row, as a hint


def test_a_field_given_twice_is_refused_naming_both_rows():
    book = grid()
    sheet = book["Offers"]
    last = len(ROWS) + 2
    sheet.cell(row=last, column=1, value="gtr.P1")
    sheet.cell(row=last, column=5, value="8h")
    assert f"rows {ROW['gtr.P1']} and {last} both fill 'gtr.P1'" in refusal(book)


def test_bare_numbers_in_share_rows_are_read_only_when_one_reading_is_plausible():
    def indexation(value, number_format=None):
        return offer(with_cell("indexation", "standard-24-7", value, number_format)).indexation

    assert indexation(2) == pytest.approx(0.02)
    assert indexation(0.02) == pytest.approx(0.02)
    assert indexation("2,5 %") == pytest.approx(0.025)
    assert indexation(0.5, "0.0%") == pytest.approx(0.5)  # formatted as a percentage: not ambiguous
    for value, readings in [(1, "write 1% or 100%"), (0.5, "write 0.5% or 50%"), ("0,25", "write 0.25% or 25%")]:
        message = refusal(with_cell("indexation", "standard-24-7", value))
        assert readings in message, message
        assert f"provider 'standard-24-7', row {ROW['indexation']} (Yearly price indexation)" in message

    def within(value):
        return offer(with_cell("performance.within_gtr.P1", "standard-24-7", value)).performance.within_gtr["P1"]

    assert within(0.9) == within(90) == within("90 %") == pytest.approx(0.9)
    assert "write 1% or 100%" in refusal(with_cell("performance.within_gtr.P1", "standard-24-7", 1))


def test_a_bare_number_in_a_charge_row_is_refused_with_both_readings():
    message = refusal(with_cell("penalties.monthly_cap", "budget-ho", 10))
    assert "write 10 EUR or 10%" in message and f"row {ROW['penalties.monthly_cap']}" in message
    typed = with_cell("penalties.monthly_cap", "budget-ho", "10 €")
    assert offer(typed, "budget-ho").penalties.monthly_cap.amount == 10
    formatted = with_cell("penalties.monthly_cap", "budget-ho", 10, '#,##0 "€"')
    assert offer(formatted, "budget-ho").penalties.monthly_cap.amount == 10
    share = with_cell("penalties.monthly_cap", "budget-ho", 0.1, "0%")
    assert offer(share, "budget-ho").penalties.monthly_cap.share == pytest.approx(0.1)


def test_a_number_reads_as_its_cell_format_shows_it():
    assert offer(with_cell("fees.monthly", "standard-24-7", 4800, '#,##0\\ "€"')).fees.monthly == 4800
    assert offer(with_cell("gtr.P1", "standard-24-7", 240, '0" min"')).gtr["P1"] == 4.0
    assert offer(with_cell("transition.duration", "standard-24-7", 3, '0" mois"')).transition.duration == 3 * 730.5
    for key, value, number_format, fragment in [
        ("fees.monthly", 5, '0" k€"', "in thousands or millions"),          # shows '5 k€', holds 5
        ("fees.monthly", 4800, '#,##0," k€"', "divided by 1000"),           # shows '5 k€', holds 4800
        ("fees.monthly", 4800, '#,##0" € TTC"', "compared before tax"),
        ("fees.monthly", 4800, '#,##0" $"', "is in USD but the tender's currency is EUR"),
        ("gtr.P3", 1, '0" jour"', "business day is not 24 covered hours"),  # shows '1 jour', holds 1
        ("fees.tickets_included", 40, '0" tickets/mois"', "type the value with its unit as text"),
    ]:
        message = refusal(with_cell(key, "standard-24-7", value, number_format))
        assert fragment in message and f"row {ROW[key]}" in message, message


def test_a_dot_before_three_digits_is_thousands_only_with_a_currency():
    def monthly(value):
        return offer(with_cell("fees.monthly", "standard-24-7", value)).fees.monthly

    assert monthly("2.400 €") == 2400
    assert monthly("€2,400") == 2400
    assert monthly("2.40 €") == pytest.approx(2.4)
    assert monthly("2.4 €") == pytest.approx(2.4)
    assert monthly("1.234.567") == 1234567
    assert monthly("1.234,50 €") == pytest.approx(1234.5)
    message = refusal(with_cell("fees.monthly", "standard-24-7", "1.500"))
    assert "'1.500' could be 1.5 or 1500" in message and "Fixed monthly fee" in message
    assert "could be 1 or 1000" in refusal(with_cell("fees.tickets_included", "standard-24-7", "1.000"))
    assert "could be 1.5 or 1500" in refusal(with_cell("fees.monthly", "standard-24-7", "1.500 k€"))


def test_every_row_kind_has_a_documented_rule_and_says_what_to_write():
    from sourcing import row_kinds

    for row in ROWS:
        if row.kind == "text":
            continue
        assert f"    {row.kind} " in row_kinds.__doc__, row.kind
        message = refusal(with_cell(row.key, "standard-24-7", "beaucoup"))
        assert f"provider 'standard-24-7', row {ROW[row.key]} ({row.question}), cell E{ROW[row.key]}: 'beaucoup' " \
               f"is not {row_kinds.NOUN[row.kind]}: write {row_kinds.WRITE[row.kind]}" in message, message


# --------------------------------------------------------------------------- 2. French spreadsheets


FRENCH = [
    ("gtr.P1", "4h00", lambda o: o.gtr["P1"], 4.0),
    ("gtr.P1", "4 heures", lambda o: o.gtr["P1"], 4.0),
    ("gtr.P1", "4,0 h", lambda o: o.gtr["P1"], 4.0),
    ("gtr.P2", "7h30", lambda o: o.gtr["P2"], 7.5),
    ("gtr.P2", "7:30", lambda o: o.gtr["P2"], 7.5),
    ("gti.P1", "30 min", lambda o: o.gti["P1"], 0.5),
    ("gti.P1", "0,5", lambda o: o.gti["P1"], 0.5),
    ("gti.P4", "aucune", lambda o: o.gti["P4"], None),
    ("performance.within_gtr.P1", "85,5 %", lambda o: o.performance.within_gtr["P1"], 0.855),
    ("performance.within_gtr.P1", "0,85", lambda o: o.performance.within_gtr["P1"], 0.85),
    ("fees.monthly", "2 000,50 €", lambda o: o.fees.monthly, 2000.5),
    ("fees.monthly", "2\u00a0000,50\u00a0€", lambda o: o.fees.monthly, 2000.5),
    ("fees.monthly", "2\u202f000,50 €", lambda o: o.fees.monthly, 2000.5),
    ("fees.monthly", "2 000 € HT", lambda o: o.fees.monthly, 2000.0),
    ("fees.monthly", "1,5 k€", lambda o: o.fees.monthly, 1500.0),
    ("fees.extra_ticket", "90 euros", lambda o: o.fees.extra_ticket, 90.0),
    ("fees.hno_multiplier", "1,5", lambda o: o.fees.hno_multiplier, 1.5),
    ("retained.fte", "0,3", lambda o: o.retained.fte, 0.3),
    ("transition.duration", "3 mois", lambda o: o.transition.duration, 3 * 730.5),
    ("transition.duration", "1 an", lambda o: o.transition.duration, 8766.0),
    ("contract_years", "2 ans", lambda o: o.contract_years, 2),
    ("contract_years", "36 mois", lambda o: o.contract_years, 3),
    ("penalties.per_hour_late.P1", "5,5 %", lambda o: o.penalties.per_hour_late["P1"].share, 0.055),
    ("penalties.monthly_cap", "1 500 €", lambda o: o.penalties.monthly_cap.amount, 1500.0),
    ("indexation", "-1,5 %", lambda o: o.indexation, -0.015),
]


def test_french_cells_are_read_as_french_people_write_them():
    wrong = []
    for key, text, get, expected in FRENCH:
        try:
            found = get(offer(with_cell(key, "standard-24-7", text)))
        except ScenarioError as exc:
            wrong.append(f"{key} {text!r}: refused: {exc}")
            continue
        if found != (pytest.approx(expected) if expected is not None else None):
            wrong.append(f"{key} {text!r}: read {found!r}, expected {expected!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("text, fragments", [
    ("2 000 € TTC", ["includes tax (TTC)", "excluding tax (HT)"]),
    ("2 000 $", ["is in USD but the tender's currency is EUR"]),
    ("deux mille", ["is not an amount", "write an amount"]),
])
def test_amounts_that_cannot_be_compared_are_refused(text, fragments):
    message = refusal(with_cell("fees.monthly", "standard-24-7", text))
    assert f"provider 'standard-24-7', row {ROW['fees.monthly']} (Fixed monthly fee)" in message
    for fragment in fragments:
        assert fragment in message, message


def test_days_in_covered_hours_are_a_question_not_a_guess():
    message = refusal(with_cell("gtr.P3", "standard-24-7", "1 jour"))
    assert "24h" in message and "business" in message and f"row {ROW['gtr.P3']}" in message


def test_excel_times_are_hours_and_dates_are_refused():
    assert offer(with_cell("gtr.P1", "standard-24-7", dt.time(4, 0), "h:mm")).gtr["P1"] == 4.0
    assert offer(with_cell("gtr.P1", "standard-24-7", dt.time(3, 20), "h:mm")).gtr["P1"] == pytest.approx(10 / 3)
    assert offer(with_cell("gtr.P3", "standard-24-7", dt.timedelta(hours=28))).gtr["P3"] == 28.0
    message = refusal(with_cell("gtr.P1", "standard-24-7", dt.datetime(2027, 1, 4, 4, 0)))
    assert "holds a date (2027-01-04 04:00:00)" in message and f"row {ROW['gtr.P1']}" in message
    late = with_cell("gtr.P3", "standard-24-7", dt.datetime(1900, 1, 1, 4, 0), "h:mm")  # 28:00 typed as h:mm
    assert "if you meant 28 hours, write 28h" in refusal(late)


def _french_rows(thousands: str) -> list[list[str]]:
    """The filled grid as French Excel would export it: decimal commas, amounts with '€', '85 %'."""
    rows = []
    for line in grid()["Offers"].iter_rows(values_only=True):
        key = line[0]
        out = []
        for column, value in enumerate(line):
            if value is None:
                text = ""
            elif column >= 3 and isinstance(value, float):
                if KIND.get(key) == "money":
                    text = f"{value:,.0f}".replace(",", thousands) + "\u00a0€"
                else:
                    text = f"{value:g}".replace(".", ",")
            elif column >= 3 and isinstance(value, str) and value.endswith("%"):
                text = value[:-1].replace(".", ",") + "\u00a0%"
            else:
                text = str(value)
            out.append(text)
        rows.append(out)
    return rows


@pytest.mark.parametrize("delimiter, encoding, thousands, sep_line", [
    (";", "cp1252", "\u00a0", False),      # French Excel: "CSV (séparateur: point-virgule)"
    (";", "utf-8-sig", "\u202f", False),   # "CSV UTF-8"
    (",", "utf-8", " ", False),            # LibreOffice defaults
    ("\t", "utf-16", "\u202f", False),     # "Texte Unicode": UTF-16 with its BOM
    (";", "cp1252", "\u00a0", True),       # with Excel's 'sep=;' line
])
def test_french_excel_csv_exports_read_the_same_offers(delimiter, encoding, thousands, sep_line):
    buffer = io.StringIO()
    if sep_line:
        buffer.write(f"sep={delimiter}\r\n")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(_french_rows(thousands))
    parsed = read(buffer.getvalue().encode(encoding), kind="csv")
    assert list(parsed.offers) == list(bundled().offers)
    for name, expected in bundled().offers.items():
        assert parsed.offers[name] == expected, name


# --------------------------------------------------------------------------- 3. bounded resources


def _bomb(size: int, filler: bytes = b" ") -> bytes:
    """The template whose Offers sheet inflates to ``size`` bytes of XML whitespace (compressed ~1000 times)."""
    source = zipfile.ZipFile(io.BytesIO(template()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != SHEET:
                out.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with out.open(SHEET, "w", force_zip64=True) as part:
                part.write(head)
                chunk = (filler * ((1 << 20) // len(filler) + 1))[: 1 << 20]
                for _ in range(size >> 20):
                    part.write(chunk)
                part.write(b"</sheetData>" + tail)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    content = _bomb(40 << 20)
    assert len(content) < 200_000
    assert "unpacks to 40.0 MB; a part of a grid is at most 5 MB" in refusal(content)


def test_a_part_compressed_beyond_reason_is_refused():
    assert "inflates" in (message := refusal(_bomb(3 << 20))) and "at most 100 times is read" in message


def test_a_workbook_unpacking_beyond_20_mb_is_refused():
    source = zipfile.ZipFile(io.BytesIO(_grid_bytes()))
    buffer = io.BytesIO()
    two_letters = bytes.maketrans(bytes(range(256)), b"ab" * 128)  # 1 bit per byte: compresses about 7 times
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info.filename))
        for k in range(5):
            out.writestr(f"xl/media/image{k}.bin", os.urandom(9 << 19).translate(two_letters))
    content = buffer.getvalue()
    assert len(content) < 5 << 20
    assert "unpacks to 22.5 MB; a grid unpacks to at most 20 MB" in refusal(content)


def test_a_workbook_listing_thousands_of_sheets_is_refused_before_openpyxl_opens_them():
    def many(xml: bytes) -> bytes:
        sheet = re.search(rb'<sheet [^>]*name="Offers"[^>]*/>', xml).group(0)
        copies = b"".join(sheet.replace(b'name="Offers"', b'name="S%d"' % k) for k in range(5000))
        return xml.replace(sheet, sheet + copies)

    message = refusal(patched(_grid_bytes(), "xl/workbook.xml", many))
    assert "the workbook lists 5002 sheets; at most 50 are read" in message


def test_a_value_beyond_row_300_is_refused_and_empty_formatted_rows_are_not():
    from openpyxl.styles import PatternFill

    book = grid()
    book["Offers"].cell(row=5000, column=2).fill = PatternFill("solid", fgColor="FFF2CC")
    assert list(read(book).offers) == list(bundled().offers)
    book["Offers"].cell(row=1_000_000, column=4, value="x")
    message = refusal(book)
    assert "cell D1000000 holds a value; a grid has at most 300 rows" in message


def test_more_than_60_providers_are_refused():
    book = grid()
    book["Offers"].cell(row=1, column=64, value="Provider 61")
    assert "at most 63 columns (field, question, unit and 60 providers)" in refusal(book)
    header = ",".join(["field", "question", "unit and allowed values"] + [f"P{k}" for k in range(100_000)])
    assert "at most 63 columns" in refusal(header.encode(), kind="csv")


def test_a_cell_longer_than_2000_characters_is_refused():
    book = with_cell("description", "premium-1h", "x" * 2001)
    assert "holds 2001 characters; at most 2000 are read" in refusal(book)
    csv_text = "field,question,unit and allowed values,Acme\nprovider,,," + "y" * 5000
    assert "at most 2000 are read" in refusal(csv_text.encode(), kind="csv")


def test_files_too_large_are_refused_before_reading():
    assert "at most 2 MB" in refusal(b"field;question\n" + b"a;b\n" * 600_000, kind="csv")
    assert "at most 5 MB" in refusal(os.urandom(6 * 1024 * 1024))


def test_reading_a_zip_bomb_of_419_mb_stays_small(tmp_path):
    """A 419 MB sheet compressed into 436 kB: refused from the zip's directory alone, without inflating."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_bomb(419 << 20))
    script = ("import resource, sys, time\n"
              "from sourcing.errors import ScenarioError\n"
              "from sourcing.grid import load_tender\n"
              "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "start = time.perf_counter()\n"
              "try:\n    load_tender(sys.argv[1])\nexcept ScenarioError as exc:\n    print(exc)\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, time.perf_counter() - start)\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    message, figures = done.stdout.rsplit("\n", 2)[-3:-1]
    assert "unpacks to 419.0 MB" in message, done.stdout
    growth_kb = int(figures.split()[0])
    assert growth_kb < 50_000, f"reading the bomb grew the process by {growth_kb} kB"


# --------------------------------------------------------------------------- 4. never a traceback


def _cell_xml(content: bytes, ref: str, xml: bytes) -> bytes:
    """The grid with the cell ``ref`` of the Offers sheet written as ``xml``."""
    return patched(content, SHEET, lambda sheet: re.sub(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)',
                                                        xml.replace(b"\\", b"\\\\"), sheet, count=1))


def _not_a_number_cell(content: bytes) -> bytes:
    """The grid with one numeric cell holding 'NaN', as a non-Excel writer may save it."""
    return _cell_xml(content, "E22", b'<c r="E22" t="n"><v>NaN</v></c>')


def _hostile_inputs() -> list[tuple[str, bytes, str]]:
    filled = _grid_bytes()
    no_offers = Workbook()
    no_offers.active.title = "Sheet1"
    bare_zip = io.BytesIO()
    with zipfile.ZipFile(bare_zip, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    weights = grid()
    weights["Tender"].append(["weight.price", "high", ""])
    currency = grid()
    currency["Tender"]["B3"] = "Doubloons"
    errors_bytes = _cell_xml(filled, "E22", b'<c r="E22" t="e"><v>#DIV/0!</v></c>')
    heading = grid()
    heading["Offers"]["B1"] = "Acme"  # the question column deleted: providers would start one column early
    rng = random.Random(7)
    return [
        ("random bytes named .xlsx", bytes(rng.randrange(256) for _ in range(5000)), "xlsx"),
        ("random bytes named .csv", bytes(rng.randrange(256) for _ in range(5000)), "csv"),
        ("empty xlsx", b"", "xlsx"),
        ("empty csv", b"", "csv"),
        ("a zip that is not a workbook", bare_zip.getvalue(), "xlsx"),
        ("a workbook without the Offers sheet", save(no_offers), "xlsx"),
        ("a truncated workbook", filled[: len(filled) // 2], "xlsx"),
        ("a sheet whose XML is cut", patched(filled, SHEET, lambda xml: xml[: len(xml) // 2]), "xlsx"),
        ("a number cell holding NaN", _not_a_number_cell(filled), "xlsx"),
        ("a shared string that does not exist", _cell_xml(filled, "E3", b'<c r="E3" t="s"><v>99999</v></c>'),
         "xlsx"),
        ("a style that does not exist", _cell_xml(filled, "E22", b'<c r="E22" s="9999"><v>4800</v></c>'), "xlsx"),
        ("rows out of order", patched(filled, SHEET, lambda xml: xml.replace(b'<row r="3"', b'<row r="99"', 1)),
         "xlsx"),
        ("an Excel error in a cell", errors_bytes, "xlsx"),
        ("a weight that is not a number", save(weights), "xlsx"),
        ("a currency that does not exist", save(currency), "xlsx"),
        ("the question column deleted", save(heading), "xlsx"),
        ("the untouched template", template(), "xlsx"),
        ("a CSV with NUL bytes", b"field;question;unit and allowed values;Acme\nprovider;;;A\x00cme\n", "csv"),
        ("a CSV of UTF-16 without BOM", "field,question\n".encode("utf-16-le"), "csv"),
        ("a CSV with only its header", b"field;question;unit and allowed values;Acme;Globex\r\n", "csv"),
        ("a CSV with a quote left open", b'field;question;unit and allowed values;Acme\nprovider;;;"Acme\n' +
         b"x" * 200_000, "csv"),
        ("a CSV with a UTF-8 BOM but Latin-1 inside", codecs.BOM_UTF8 + "field;é".encode("latin-1"), "csv"),
        ("a grid of another kind", b"{}", "ods"),
    ]


def test_whatever_the_bytes_the_grid_is_refused_with_a_scenario_error():
    unexplained = []
    for name, content, kind in _hostile_inputs():
        try:
            read_grid(content, f"grid.{kind}", kind=kind)
        except ScenarioError as exc:
            if not exc.problems or not all(p.message for p in exc.problems):
                unexplained.append(f"{name}: a ScenarioError without a message")
        except Exception as exc:  # noqa: BLE001 - this is what the test looks for
            unexplained.append(f"{name}: {type(exc).__name__}: {exc}")
        else:
            unexplained.append(f"{name}: read without a word")
    assert not unexplained, "\n".join(unexplained)


def test_load_tender_refuses_paths_that_are_not_grids(tmp_path):
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    latin = tmp_path / "offers.yaml"
    latin.write_bytes("name: Appel d'offres \xe9t\xe9".encode("latin-1"))
    for path in (folder, empty, latin, tmp_path / "missing.xlsx", tmp_path / "offers.ods"):
        with pytest.raises(ScenarioError) as caught:
            load_tender(path)
        assert caught.value.problems and caught.value.source == str(path)


# --------------------------------------------------------------------------- 5. exports safe to open


HOSTILE_TEXT = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def test_the_offers_workbook_holds_no_formula_whatever_the_offers_say():
    import yaml

    from reports.exports import offers_workbook
    from simulation.procurement import compare_offers
    from sourcing.files import load_study, validate

    data = yaml.safe_load(OFFERS.read_text(encoding="utf-8"))
    offers = list(data["offers"].values())
    data["name"] = "=HYPERLINK(\"http://example.com\")"
    data["offers"] = {"=cmd|' /C calc'!A0": offers[0], "+SUM(1,2)": offers[1], "@SUM(A1)": offers[2]}
    for k, entry in enumerate(offers):
        entry["provider"] = HOSTILE_TEXT[1 + k]
    tender = validate(Tender, data, "hostile.yaml")
    comparison = compare_offers(tender, load_study(ROOT / "scenarios" / "email-1000.yaml"), 2)
    # validation refuses control characters; the export must not rely on it
    described = {name: entry.model_copy(update={"description": HOSTILE_TEXT[3 + k]})
                 for k, (name, entry) in enumerate(tender.offers.items())}
    comparison = dataclasses.replace(comparison, tender=tender.model_copy(update={"offers": described}))
    book = load_workbook(io.BytesIO(offers_workbook(comparison)))
    hostile = {text.replace("\r", "\n") for text in [*HOSTILE_TEXT, data["name"]]}  # XML reads CR as LF
    formulas, seen = [], set()
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                if cell.data_type == "f":
                    formulas.append(f"{sheet.title}!{cell.coordinate}: {cell.value}")
                if isinstance(cell.value, str) and cell.value.lstrip("'") in hostile:
                    assert cell.value.startswith("'"), f"{sheet.title}!{cell.coordinate}: {cell.value!r}"
                    seen.add(cell.value.lstrip("'"))
    assert not formulas, formulas
    assert seen == hostile, seen


def test_the_study_workbook_holds_no_formula_whatever_the_scenario_says():
    import yaml

    from reports.exports import excel_workbook
    from simulation.compare import compare
    from simulation.replications import run_study
    from sourcing.files import study_from_data

    data = yaml.safe_load((ROOT / "scenarios" / "email-1000.yaml").read_text(encoding="utf-8"))
    data["name"] = "=1+1"
    study = study_from_data(data)
    results = run_study(study, replications=2, seed=1)
    book = load_workbook(io.BytesIO(excel_workbook(study, results.summary, compare(results.rows,
                                                                                   study.baseline_name), 1, 2)))
    cells = [cell for sheet in book.worksheets for line in sheet.iter_rows() for cell in line]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'=1+1" in {c.value for c in cells}


# --------------------------------------------------------------------------- 6. fuzz, with a fixed budget

GARBAGE = ["", " ", "=1/0", "=A1*2", "=cmd|' /C calc'!A0", "NaN", "inf", "-inf", "1e5", 1e308, -1e308, 10 ** 30,
           -5, 0, 1, 0.5, 2, 95, True, dt.datetime(2027, 1, 4, 4, 0), dt.time(4, 30), dt.timedelta(days=3),
           "4h30", "4:00", "1.500", "2.400 €", "1 jour", "aucune", "none", "0,5", "85 %", "5 % HT", "2 000 € TTC",
           "12k EUR", "$2,400", "\u202e\u202dHO", "😀", "Socie\u0301te\u0301", "x" * 2001, "HO", "24/7", "3 mois",
           "−2 %", "1,234.56", "4h", "30min", "500 USD", "#N/A", "client", "included", "-", "∞", "½"]
FORMATS = ["0%", "0.0%", "h:mm", "[h]:mm", '#,##0 "€"', '0" %"', "$#,##0", "yyyy-mm-dd", "General", "@"]


def _mutate(book: Workbook, rng: random.Random) -> list[str]:
    """One to four changes a careless or hostile provider could make; returns what was done."""
    sheet = book["Offers"]
    done = []
    for _ in range(rng.randint(1, 4)):
        row, column = rng.randint(1, len(ROWS) + 3), rng.randint(1, 8)
        action = rng.choice(["set", "set", "set", "clear", "swap", "merge", "format", "delete_row", "delete_col",
                             "insert_row", "insert_col", "header", "tender"])
        if action == "set":
            sheet.cell(row=row, column=column).value = rng.choice(GARBAGE)
        elif action == "clear":
            sheet.cell(row=row, column=column).value = None
        elif action == "swap":
            other = sheet.cell(row=rng.randint(1, len(ROWS) + 1), column=rng.randint(1, 7))
            cell = sheet.cell(row=row, column=column)
            if not (type(cell).__name__ == "MergedCell" or type(other).__name__ == "MergedCell"):
                cell.value, other.value = other.value, cell.value
        elif action == "merge":
            sheet.merge_cells(start_row=row, start_column=column, end_row=row + rng.randint(0, 3),
                              end_column=column + rng.randint(0, 2))
        elif action == "format":
            sheet.cell(row=row, column=column).number_format = rng.choice(FORMATS)
        elif action == "delete_row":
            sheet.delete_rows(row)
        elif action == "delete_col":
            sheet.delete_cols(column)
        elif action == "insert_row":
            sheet.insert_rows(row)
        elif action == "insert_col":
            sheet.insert_cols(column)
        elif action == "header":
            sheet.cell(row=1, column=rng.randint(4, 7)).value = rng.choice([None, "budget-ho", " Budget-HO ", "=A1"])
        elif action == "tender" and "Tender" in book.sheetnames:
            book["Tender"].cell(row=rng.randint(1, 16), column=rng.randint(1, 3)).value = rng.choice(GARBAGE)
        done.append(f"{action} {row},{column}")
    return done


def _check(content: bytes, kind: str, what: str) -> None:
    try:
        result = read_grid(content, f"fuzz.{kind}", kind=kind)
    except ScenarioError as exc:
        assert exc.problems and all(p.message for p in exc.problems), what
    except Exception as exc:  # noqa: BLE001 - the fuzz looks for any other exception
        pytest.fail(f"{what}: {type(exc).__name__}: {exc}")
    else:
        assert isinstance(result, Tender), what


def test_fuzzed_grids_are_read_or_refused_never_anything_else():
    """120 mutated workbooks (the filled grid and the empty template) and 300 mutated CSV files, seeded."""
    sources = [_grid_bytes(), template()]
    for seed in range(120):
        rng = random.Random(seed)
        book = load_workbook(io.BytesIO(sources[seed % 2]))
        try:
            done = _mutate(book, rng)
            content = save(book)
        except (ValueError, TypeError):  # openpyxl refuses to write this combination: not a file anyone has
            continue
        _check(content, "xlsx", f"seed {seed}: {done}")
    base = io.StringIO()
    csv.writer(base, delimiter=";").writerows(_french_rows("\u00a0"))
    text = base.getvalue()
    pieces = [";", ",", '"', "\n", "\r", "\x00", "€", "\ufeff", "1.500", "0,5", "=1+1", "\u202f", "%", "h", "\t"]
    for seed in range(300):
        rng = random.Random(10_000 + seed)
        mutated = text
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(mutated))
            choice = rng.random()
            if choice < 0.4:
                mutated = mutated[:at] + rng.choice(pieces) + mutated[at:]
            elif choice < 0.8:
                mutated = mutated[:at] + mutated[at + rng.randint(1, 40):]
            else:
                lines = mutated.split("\n")
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                mutated = "\n".join(lines)
        encoding = rng.choice(["utf-8", "utf-8-sig", "utf-16", "cp1252"])
        _check(mutated.encode(encoding, errors="replace"), "csv", f"csv seed {10_000 + seed}")


# --------------------------------------------------------------------------- the app


def test_the_offers_page_explains_hostile_uploads_and_reads_a_french_csv():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["replications"] = 2
    at.run()
    at.switch_page("webapp/pages/offers.py").run()
    at.radio(key="offers_source").set_value("upload").run()
    for name, content in [("grid.xlsx", _not_a_number_cell(_grid_bytes())), ("grid.xlsx", b"PK\x03\x04garbage"),
                          ("grid.csv", b"field;question\x00")]:
        at.file_uploader(key="offers_file").set_value((name, content, "application/octet-stream"))
        at.run()
        assert not at.exception, (name, at.exception)
        assert at.error and "cannot be used" in at.error[0].value, name
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(_french_rows("\u00a0"))
    at.file_uploader(key="offers_file").set_value(("grid.csv", buffer.getvalue().encode("cp1252"), "text/csv"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    tender = bundled()
    assert set(at.table[0].value.index) == {tender.name_of(o) for o in tender.offers}  # what each offer costs
