"""Spreadsheets filled by people: files read within fixed limits, and cells read as people write them.

Providers fill the offers grid in Excel or LibreOffice, often in French. This module turns their file
into a bounded table of cells (:func:`read_workbook`, :func:`read_csv_table`) and each cell into the
text a YAML offers file would hold (:func:`read_cell`), or refuses it with what to write instead. The
rule throughout: a cell is read right or refused, never guessed, because a misread cell changes which
provider wins.

Files (limits are checked before the content is parsed, and named in every refusal)
    xlsx: at most ``MAX_XLSX_BYTES`` (5 MB) on disk; opened as a zip first: at most ``MAX_MEMBERS``
    (500) parts, at most ``MAX_UNZIPPED_BYTES`` (20 MB) declared uncompressed in total and
    ``MAX_PART_BYTES`` (5 MB) per part, no part compressed more than ``MAX_RATIO`` (100) times once
    above 1 MB (a zip bomb declares hundreds of MB; ``zipfile`` never inflates a part beyond its
    declared size), at most ``MAX_SHEETS`` (50) sheets listed. The sheet is then streamed once,
    keeping only the cells that hold a value, before openpyxl converts any value. CSV: at most
    ``MAX_CSV_BYTES`` (2 MB) before decoding. Both: a value beyond row ``MAX_ROWS`` (300) or column
    ``MAX_COLUMNS`` (63: field, question, unit and 60 providers) is refused, as is a cell longer than
    ``MAX_CELL_CHARS`` (2,000 characters); empty formatted cells beyond them are ignored.

CSV text
    UTF-8 with or without BOM, UTF-16 with its BOM, else Windows-1252 (French Excel's "CSV (point-
    virgule)"); NUL characters are refused. The delimiter (``;``, ``,`` or tab) is the one that splits
    the first line into the most fields; Excel's ``sep=;`` first line is honoured.

Numbers in text
    Decimal comma or dot (``4,5``, ``4.5``); thousands grouped by threes with a space, a no-break space
    (U+00A0) or a narrow no-break space (U+202F): ``2 000,50``; ``1.234.567`` and ``1,234,567`` (several
    groups), ``1.234,56`` and ``1,234.56`` (both signs: the last is the decimal one). A single dot or
    comma followed by exactly three digits after a 1-3 digit whole part (``1.500``, ``2,400``) is either
    a thousands separator or a decimal one: with a currency in the cell (``2.400 €``, ``€2,400``) it is
    thousands, since amounts never have three decimals (``2.40 €`` and ``2.4 €`` stay 2.40 and 2.4; with
    a multiplier the argument fails, so ``1.500 k€`` is refused);
    after ``0`` it is a decimal (``0,125``); anywhere else the cell is refused with both readings
    ("write 1500 or 1,5"). ``-`` or ``−`` for minus; no exponent, NaN or infinity.

Excel cells
    A number reads as its cell shows it: a percentage format (``0%``) makes 0.85 read 85 %, a currency
    format makes it an amount, a unit typed in the format (``0" h"``, ``0" mois"``) is its unit; a format
    showing thousands (``0" k€"``, a trailing comma), TTC, or a word it cannot read is refused. A time
    (``4:00``) or a duration (``[h]:mm``) is read in hours where hours are asked; a date is refused; a
    formula Excel never computed (no saved value) and an Excel error (``#DIV/0!``) are refused.

Row kinds, and what a bare number (no unit, no % or currency format) means
    text      taken as written.
    hours     covered hours (the row says so): ``4``, ``4,5``, ``4 h``, ``4 heures``, ``4h30``, ``4:30``,
              ``30 min``; the file units ``2d`` and ``1w`` mean 48 and 168 covered hours as in YAML;
              the words ``jour(s)``/``day(s)``/``semaine(s)`` are refused (a business day is not 24
              covered hours); an Excel time (``4:00``) or duration (``[h]:mm``) is read in hours; a date
              is refused. ``none``, ``aucune``, ``néant``, ``best effort`` mean no guarantee.
    months    months: ``3``, ``3 mois``, ``1 an``, ``2 ans``, ``6 semaines``, ``90 jours``.
    years     whole years: ``3``, ``3 ans``, ``36 mois``.
    count     a whole number (tickets, engineers).
    number    a plain number (multiplier, FTE, score); a unit or a percentage format is refused.
    share     a share restored within the GTR. ``95%``, ``95 %``, a cell in Excel's percentage format,
              and a bare number above 1 (``95`` is 95 %) are read as percentages. A bare number in
              (0, 1] could be a fraction (``0.5`` = 50 %) or a percentage typed without its sign
              (0.5 %): it is read as a fraction only when the percentage reading is below the least the
              row can plausibly hold (1 %), and otherwise refused with both readings: ``1`` → "write 1%
              or 100%".
    rate      a yearly indexation (may be negative): as *share*, with 0.1 % as the least plausible
              percentage: ``2`` is 2 %, ``0.02`` is 2 %, ``0.5`` and ``1`` are refused ("write 0.5% or
              50%").
    money     an amount in the tender's currency: ``2400``, ``2 400 €``, ``2.400 €``, ``1,5 k€``, ``€2,400``,
              ``2 000 € HT``. HT (before tax) is the norm for offers and accepted; TTC is refused (the
              tax would be counted as price); another currency is refused.
    charge    an amount or a share of the monthly fee: ``500 €`` or ``5 %`` (or a cell in a currency or
              percentage format); a bare number other than 0 is refused with both readings ("write 10
              EUR or 10%").
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import posixpath
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple
from xml.etree import ElementTree

from .errors import Problem, ScenarioError
from .text_files import GRID_DELIMITERS, Undecodable, decode_text, delimiter_of

MB = 1024 * 1024
"""A megabyte, as the limits count it."""
MAX_XLSX_BYTES = 5 * MB
"""Largest xlsx file read (a filled grid is a few tens of kB)."""
MAX_UNZIPPED_BYTES = 20 * MB
"""Largest total of an xlsx's parts once uncompressed, as the zip declares them."""
MAX_PART_BYTES = 5 * MB
"""Largest single part of an xlsx once uncompressed (a grid's sheet is under 100 kB; openpyxl reads shared
strings and styles whole, about 0.5 s and 30 MB of memory per MB)."""
MAX_RATIO = 100
"""Most a part above 1 MB may be compressed (ordinary sheets: 5 to 30 times)."""
MAX_MEMBERS = 500
"""Most parts an xlsx may hold (a grid has about a dozen)."""
MAX_CSV_BYTES = 2 * MB
"""Largest CSV file read, before decoding."""
MAX_ROWS = 300
"""Last row that may hold a value (the template has fewer than 50)."""
MAX_COLUMNS = 63
"""Last column that may hold a value: field, question, unit and 60 providers."""
MAX_CELL_CHARS = 2000
"""Longest text a cell may hold."""
MAX_MERGES = 1000
"""Most merged ranges a sheet may declare."""
MAX_SHEETS = 50
"""Most sheets a workbook may list (openpyxl opens each one; a grid has two)."""

_SPACES = " \u00a0\u202f\u2009"
_SPACE = f"[{_SPACES}]"


class CellError(ValueError):
    """A cell that cannot be read; the message says what to write instead."""


class NotANumber(CellError):
    """Text in which no number can be found."""


@dataclass(frozen=True)
class Cell:
    """One cell as the file holds it: its value, its Excel number format, and why it cannot be read."""

    value: Any = None
    number_format: str | None = None
    problem: str | None = None
    """Set for a formula with no saved value or an Excel error: the value is unknown."""

    @property
    def empty(self) -> bool:
        return self.problem is None and (self.value is None or isinstance(self.value, str) and not self.value.strip())


@dataclass
class Sheet:
    """The used area of a sheet, row by row (row 1 first), and its merged ranges (min_row, min_col,
    max_row, max_col), 1-based."""

    rows: list[list[Cell]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


def _refuse(source: str, message: str, line: int | None = None) -> ScenarioError:
    return ScenarioError([Problem((), message, line)], source=source)


def column_letter(column: int) -> str:
    """Excel's name for a 1-based column: 1 → A, 27 → AA."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --------------------------------------------------------------------------- xlsx


def read_workbook(content: bytes, source: str, required: str, optional: tuple[str, ...] = ()) -> dict[str, Sheet]:
    """The sheets named ``required`` (case-insensitive) and, when present, ``optional``, within the limits.

    Each wanted sheet's part is found from the package (:func:`_sheet_parts`) and streamed once (:func:`_scan`),
    keeping only the cells that hold a value; openpyxl then reads an in-memory copy of the package in which
    those parts are replaced by the scanned ones, so it converts exactly the cells checked against the limits.
    """
    if len(content) > MAX_XLSX_BYTES:
        raise _refuse(source, f"the workbook is {len(content) / MB:.1f} MB; a grid is at most "
                              f"{MAX_XLSX_BYTES // MB} MB")
    archive = _checked_zip(content, source)
    parts = _sheet_parts(archive, source)
    titles = [part.title for part in parts]
    if _sheet_title(titles, required, source) is None:
        shown = ", ".join(f"'{t}'" for t in titles[:10]) or "none"
        raise _refuse(source, f"the workbook has no sheet '{required}' (sheets: {shown}); the providers' "
                              f"answers go in the sheet '{required}' of the template")
    wanted: dict[str, _SheetPart] = {}
    for name in (required, *optional):
        title = _sheet_title(titles, name, source)
        if title is not None:
            wanted[name] = next(part for part in parts if part.title == title)
    scans = {name: _scan_part(archive, part, source) for name, part in wanted.items()}
    book = _open_copy(archive, {wanted[name].part: scan.kept for name, scan in scans.items()}, source)
    try:
        return {name: _read_sheet(book, part.title, scans[name], source) for name, part in wanted.items()}
    finally:
        book.close()


def _sheet_title(titles: list[str], name: str, source: str) -> str | None:
    """The sheet called ``name``, exactly or else whatever its case; two candidates are refused."""
    if titles.count(name) == 1:
        return name
    found = [title for title in titles if title.strip().casefold() == name.casefold()]
    if len(found) > 1:
        raise _refuse(source, f"the workbook has {len(found)} sheets named '{name}': keep one")
    return found[0] if found else None


def _not_a_workbook(source: str, reason: str) -> ScenarioError:
    return _refuse(source, f"this is not an Excel workbook (xlsx) that can be read: {reason}")


def _checked_zip(content: bytes, source: str) -> zipfile.ZipFile:
    """The xlsx as a zip whose declared sizes are within the limits (checked before anything is inflated)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _refuse(source, "this is not an Excel workbook (xlsx): save the grid from Excel or LibreOffice as "
                              "'Excel workbook (.xlsx)' (an old .xls or a password-protected file cannot be read)"
                      ) from None
    if len(members) > MAX_MEMBERS:
        raise _refuse(source, f"the workbook holds {len(members)} parts; at most {MAX_MEMBERS} are read")
    total = 0
    for member in members:
        total += member.file_size
        if member.flag_bits & 0x1:
            raise _refuse(source, "the workbook is encrypted: save it without a password")
        if member.file_size > MAX_PART_BYTES:
            raise _refuse(source, f"the part '{member.filename[:80]}' unpacks to {member.file_size / MB:.1f} MB; "
                                  f"a part of a grid is at most {MAX_PART_BYTES // MB} MB")
        if member.file_size > MB and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise _refuse(source, f"the part '{member.filename[:80]}' inflates {ratio} times (to "
                                  f"{member.file_size / MB:.0f} MB); at most {MAX_RATIO} times is read")
    if total > MAX_UNZIPPED_BYTES:
        raise _refuse(source, f"the workbook unpacks to {total / MB:.1f} MB; a grid unpacks to at most "
                              f"{MAX_UNZIPPED_BYTES // MB} MB")
    return archive


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL, _ROW, _DATA, _MERGE = f"{_NS}c", f"{_NS}row", f"{_NS}sheetData", f"{_NS}mergeCell"
_VALUE, _FORMULA, _INLINE, _SHEET = f"{_NS}v", f"{_NS}f", f"{_NS}is", f"{_NS}sheet"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


class _SheetPart(NamedTuple):
    """A sheet the workbook lists: its title, the zip part holding it, and whether it is a chart sheet."""

    title: str
    part: str
    chart: bool


def _sheet_parts(archive: zipfile.ZipFile, source: str) -> list[_SheetPart]:
    """The sheets the workbook lists, in order, each with its part, found from the package as openpyxl finds
    them: ``[Content_Types].xml`` names the workbook part; its ``sheet`` elements give a title and a
    relationship id, which the workbook's relationships part (``xl/_rels/workbook.xml.rels``) resolves to a
    target, relative to the workbook part's folder unless it starts with ``/``. A sheet without an id or
    whose part is absent is left out, as openpyxl leaves it out. More than ``MAX_SHEETS`` sheets are refused
    before any relationship is read."""
    try:
        workbook = _workbook_part(archive)
        listed: list[tuple[str, str | None]] = []
        count = 0
        with archive.open(workbook) as stream:
            for _, element in ElementTree.iterparse(stream):
                if element.tag == _SHEET:
                    count += 1
                    if count <= MAX_SHEETS:
                        listed.append((element.get("name") or "", element.get(_RELATIONSHIP_ID)))
                element.clear()
    except Exception as exc:  # a package without a readable workbook part
        raise _not_a_workbook(source, _short(exc)) from None
    if count > MAX_SHEETS:
        raise _refuse(source, f"the workbook lists {count} sheets; at most {MAX_SHEETS} are read (a grid has "
                              "the sheets 'Offers' and 'Tender')")
    try:
        targets = _relationships(archive, workbook)
    except Exception as exc:  # a missing or malformed relationships part
        raise _not_a_workbook(source, f"the workbook's relationships cannot be read ({_short(exc)})") from None
    present = set(archive.namelist())
    parts = []
    for title, relationship in listed:
        if not relationship:
            continue
        if relationship not in targets:
            raise _not_a_workbook(source, f"the sheet '{title[:40]}' names the relationship "
                                          f"'{relationship[:40]}', which the workbook does not hold")
        target, kind = targets[relationship]
        if target in present:
            parts.append(_SheetPart(title, target, "chartsheet" in kind))
    return parts


def _workbook_part(archive: zipfile.ZipFile) -> str:
    """The workbook part's name in the zip, as ``[Content_Types].xml`` declares it (a template or a
    macro-enabled workbook's type first, as openpyxl looks for it)."""
    from openpyxl.xml.constants import ARC_WORKBOOK, XLSM, XLSX, XLTM, XLTX

    kinds = (XLTM, XLTX, XLSM, XLSX)
    types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
    overrides = [(o.get("ContentType"), o.get("PartName") or "") for o in types if o.tag.endswith("Override")]
    for kind in kinds:
        for found, name in overrides:
            if found == kind and name:
                return name[1:] if name.startswith("/") else name
    defaults = {d.get("ContentType") for d in types if d.tag.endswith("Default")}
    if defaults & set(kinds):
        return ARC_WORKBOOK
    raise ValueError("the package declares no workbook part")


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """{id: (target part, type)} of a part's relationships part (``folder/_rels/name.rels``)."""
    folder, name = posixpath.split(part)
    root = ElementTree.fromstring(archive.read(posixpath.join(folder, "_rels", f"{name}.rels")))
    targets = {}
    for element in root:
        identifier, target = element.get("Id"), element.get("Target")
        if not element.tag.endswith("Relationship") or not identifier or target is None:
            continue
        if element.get("TargetMode") != "External":
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        targets[identifier] = (target, element.get("Type") or "")
    return targets


def _open_copy(archive: zipfile.ZipFile, replaced: dict[str, bytes], source: str) -> Any:
    """openpyxl's read-only workbook over a copy of the package, in memory, in which each part named in
    ``replaced`` holds the given bytes (parts are stored, not compressed: the copy is read once)."""
    from openpyxl import load_workbook

    try:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
            for name in dict.fromkeys(archive.namelist()):  # a name listed twice: the last entry, as openpyxl reads it
                if name in replaced:
                    copy.writestr(name, replaced[name])
                elif not name.endswith("/"):
                    with archive.open(name) as part, copy.open(name, "w") as written:
                        shutil.copyfileobj(part, written, 1 << 16)
        buffer.seek(0)
        return load_workbook(buffer, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise _not_a_workbook(source, _short(exc)) from None


@functools.lru_cache(maxsize=20_000)
def _column_number(letters: str) -> int:
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return column


def _coordinate(ref: str) -> tuple[int, int]:
    """(row, column) of a reference such as 'E12'."""
    match = _CELL_REF.match(ref)
    if not match:
        raise ValueError(f"'{ref[:20]}' is not a cell reference")
    return int(match.group(2)), _column_number(match.group(1))


class _Scan(NamedTuple):
    """What :func:`_scan` found in a sheet part."""

    last_row: int
    last_col: int
    merges: list[tuple[int, int, int, int]]
    pending: dict[tuple[int, int], str]
    """Formulas without a saved value, by (row, column)."""
    kept: bytes
    """The part rewritten with only the cells that hold a value."""


def _scan_part(archive: zipfile.ZipFile, sheet: _SheetPart, source: str) -> _Scan:
    """The sheet's part scanned, or a refusal naming the sheet."""
    try:
        if sheet.chart:
            raise ValueError("it is a chart, not a sheet of cells")
        return _scan(archive, sheet.part, sheet.title, source)
    except ScenarioError:
        raise
    except Exception as exc:  # a malformed sheet part
        raise _refuse(source, f"the sheet '{sheet.title}' cannot be read: {_short(exc)}") from None


def _read_sheet(book: Any, title: str, scan: _Scan, source: str) -> Sheet:
    """The sheet's cells that hold a value, read by openpyxl from the part that :func:`_scan` kept."""
    rows: list[list[Cell]] = []
    if scan.last_row == 0:
        return Sheet(rows, scan.merges)
    pending = scan.pending
    try:
        sheet = book[title]
        for line in sheet.iter_rows(min_row=1, max_row=scan.last_row, min_col=1, max_col=scan.last_col):
            out = []
            for cell in line:
                value = cell.value
                where = (len(rows) + 1, len(out) + 1)
                if where in pending:
                    out.append(Cell(None, None, f"{column_letter(where[1])}{where[0]} holds a formula with no "
                                                f"saved value ({pending[where]}): open the file in Excel or "
                                                "LibreOffice and save it, or type the value"))
                elif getattr(cell, "data_type", None) == "e":
                    out.append(Cell(None, None, f"{column_letter(where[1])}{where[0]} shows the Excel error "
                                                f"{str(value)[:20]}: correct it or type the value"))
                else:
                    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                        raise _refuse(source, f"sheet '{title}', cell {column_letter(where[1])}{where[0]} holds "
                                              f"{len(value)} characters; at most {MAX_CELL_CHARS} are read",
                                      where[0])
                    number_format = cell.number_format if value is not None else None
                    out.append(Cell(value, number_format))
            rows.append(out)
    except ScenarioError:
        raise
    except Exception as exc:  # a cell openpyxl cannot convert (a NaN, a bad shared string, a bad style)
        raise _refuse(source, f"the sheet '{title}' cannot be read near row {len(rows) + 1}: {_short(exc)}",
                      len(rows) + 1) from None
    return Sheet(rows, scan.merges)


def _scan(archive: zipfile.ZipFile, member: str, title: str, source: str) -> _Scan:
    """Stream the sheet part once: the last row and column holding a value (within the limits), the
    merged ranges, formulas without a saved value, and the part rewritten with only the cells that hold
    a value. Memory stays flat whatever the number of rows or formatted empty cells."""
    last_row = last_col = 0
    merges: list[tuple[int, int, int, int]] = []
    pending: dict[tuple[int, int], str] = {}
    kept: list[bytes] = [f'<worksheet xmlns="{_NS[1:-1]}"><sheetData>'.encode()]
    cells: list[bytes] = []
    row_number = column = 0
    in_row = False
    data = None
    disorder = f"the sheet '{title}' lists its cells out of order; open it in Excel or LibreOffice and save it again"
    with archive.open(member) as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == _DATA:
                    data = element
                elif tag == _ROW:
                    number = element.get("r")
                    following = int(number) if number else row_number + 1
                    if following <= row_number:
                        raise _refuse(source, disorder)
                    row_number, column, in_row = following, 0, True
                continue
            if tag == _CELL:
                ref = element.get("r")
                row, following = _coordinate(ref) if ref else (row_number, column + 1)
                if not in_row or row != row_number or following <= column:
                    raise _refuse(source, disorder)
                column = following
                # a cell without children holds no value (a formatted empty cell)
                if len(element) and _scan_value(element, row, column, title, source, pending):
                    last_row, last_col = max(last_row, row), max(last_col, column)
                    element.set("r", f"{column_letter(column)}{row}")
                    element.tail = None
                    cells.append(ElementTree.tostring(element))
                element.clear()
            elif tag == _ROW:
                if cells:
                    kept.append(f'<row r="{row_number}">'.encode() + b"".join(cells) + b"</row>")
                    cells = []
                in_row = False
                element.clear()
                if data is not None:
                    data.clear()
            elif tag == _MERGE:
                if len(merges) >= MAX_MERGES:
                    raise _refuse(source, f"the sheet '{title}' declares more than {MAX_MERGES} merged ranges")
                first, _, last = (element.get("ref") or "").partition(":")
                (r1, c1), (r2, c2) = _coordinate(first), _coordinate(last or first)
                merges.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    kept.append(b"</sheetData></worksheet>")
    return _Scan(last_row, last_col, merges, pending, b"".join(kept))


def _scan_value(element: ElementTree.Element, row: int, column: int, title: str, source: str,
                pending: dict[tuple[int, int], str]) -> bool:
    """Whether a cell holds a value, checked against the limits; a formula without a saved value is noted."""
    value, formula, inline = element.find(_VALUE), element.find(_FORMULA), element.find(_INLINE)
    text = value.text if value is not None and value.text else ""
    if inline is not None:
        text = "".join(inline.itertext())
    if not (text.strip() or formula is not None):
        return False
    where = f"sheet '{title}', cell {column_letter(column)}{row}"
    if row > MAX_ROWS:
        raise _refuse(source, f"{where} holds a value; a grid has at most {MAX_ROWS} rows")
    if column > MAX_COLUMNS:
        raise _refuse(source, f"{where} holds a value; a grid has at most {MAX_COLUMNS} columns "
                              f"(field, question, unit and {MAX_COLUMNS - 3} providers)")
    if len(text) > MAX_CELL_CHARS:
        raise _refuse(source, f"{where} holds {len(text)} characters; at most {MAX_CELL_CHARS} are read", row)
    # Excel saves a formula's result in <v>; an empty <v> is a result only for a text formula (t="str")
    if formula is not None and not text and (value is None or element.get("t") != "str"):
        pending[(row, column)] = ("=" + (formula.text or ""))[:60]
    return True


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


# --------------------------------------------------------------------------- CSV


def read_csv_table(content: bytes, source: str) -> Sheet:
    """A CSV grid as cells, whatever Excel wrote: encoding and delimiter detected, limits checked."""
    if len(content) > MAX_CSV_BYTES:
        raise _refuse(source, f"the CSV file is {len(content) / MB:.1f} MB; a grid is at most "
                              f"{MAX_CSV_BYTES // MB} MB")
    try:
        text = decode_text(content).text
    except Undecodable as exc:
        if exc.announced:
            raise _refuse(source, "the CSV file starts as Unicode text but is not: save it again as 'CSV UTF-8'"
                          ) from None
        raise _refuse(source, "the CSV file is neither UTF-8 nor Windows-1252 text: save it as 'CSV UTF-8'") from None
    if "\x00" in text:
        raise _refuse(source, "the CSV file holds NUL characters: it is not text (save the grid as 'CSV UTF-8' or "
                              "'CSV (point-virgule)')")
    if not text.strip():
        raise _refuse(source, "the CSV file is empty")
    delimiter, text = delimiter_of(text, GRID_DELIMITERS, ";")
    rows: list[list[Cell]] = []
    try:
        for number, line in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            filled = [k for k, cell in enumerate(line, start=1) if cell.strip()]
            if number > MAX_ROWS:
                if filled:
                    raise _refuse(source, f"row {number} holds values; a grid has at most {MAX_ROWS} rows", number)
                continue
            if filled and filled[-1] > MAX_COLUMNS:
                raise _refuse(source, f"row {number}, column {column_letter(filled[-1])} holds a value; a grid has at "
                                      f"most {MAX_COLUMNS} columns (field, question, unit and {MAX_COLUMNS - 3} "
                                      "providers)", number)
            for k, cell in enumerate(line[:MAX_COLUMNS], start=1):
                if len(cell) > MAX_CELL_CHARS:
                    raise _refuse(source, f"row {number}, column {column_letter(k)} holds {len(cell)} characters; "
                                          f"at most {MAX_CELL_CHARS} are read", number)
            rows.append([Cell(cell) for cell in line[:MAX_COLUMNS]])
    except csv.Error as exc:
        raise _refuse(source, f"the CSV file cannot be read: {_short(exc)} (a quote left open?)") from None
    while rows and all(cell.empty for cell in rows[-1]):
        rows.pop()
    return Sheet(rows)


# --------------------------------------------------------------------------- numbers

_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})
_PLAIN = re.compile(rf"^(\d{{1,3}}(?:{_SPACE}\d{{3}})+|\d+)(?:[.,](\d+))?$")
_DOT_GROUPS = re.compile(r"^([1-9]\d{0,2}(?:\.\d{3})+)(?:,(\d+))?$")
_COMMA_GROUPS = re.compile(r"^([1-9]\d{0,2}(?:,\d{3})+)(?:\.(\d+))?$")


class Ambiguous(CellError):
    """A number with two readings (``1.500``: 1.5 or 1500)."""

    def __init__(self, text: str, decimal: Decimal, thousands: Decimal) -> None:
        self.decimal, self.thousands = decimal, thousands
        super().__init__(f"'{text}' could be {plain(decimal)} or {plain(thousands)}: write {plain(thousands)} "
                         f"(without a separator) or {plain(decimal).replace('.', ',')}")


def plain(number: Decimal) -> str:
    """A number written out in full, without exponent or trailing zeros: 2.4E+3 → '2400'."""
    if number == 0:
        return "0"
    return format(number.normalize(), "f")


def parse_number(text: str, money: bool = False) -> Decimal:
    """A number as French, German or English spreadsheets write it (see the module's rules).

    ``money``: the cell names a currency, so one dot or comma before exactly three digits is a thousands
    separator. Raises :class:`Ambiguous` when two readings remain, ``CellError`` when it is not a number.
    """
    raw = text
    text = text.translate(_SIGNS).strip()
    sign = ""
    if text and text[0] in "+-":
        sign, text = ("-" if text[0] == "-" else ""), text[1:].strip()
    match = _PLAIN.match(text)
    if match:
        whole, decimals = match.group(1), match.group(2)
        digits = re.sub(_SPACE, "", whole)
        number = Decimal(sign + digits + ("." + decimals if decimals else ""))
        if decimals and len(decimals) == 3 and whole == digits and len(whole) <= 3 and whole[0] != "0":
            thousands = Decimal(sign + digits + decimals)
            if money:
                return thousands
            raise Ambiguous(raw.strip(), number, thousands)
        return number
    for pattern, group in ((_DOT_GROUPS, "."), (_COMMA_GROUPS, ",")):
        match = pattern.match(text)
        if match:
            decimals = match.group(2)
            return Decimal(sign + match.group(1).replace(group, "") + ("." + decimals if decimals else ""))
    raise NotANumber(f"'{raw.strip()}' is not a number")


# --------------------------------------------------------------------------- quantities

_CURRENCIES = {"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "us$": "USD", "usd": "USD",
               "£": "GBP", "gbp": "GBP", "chf": "CHF"}
_UNITS = {
    "%": "%",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "heure": "h", "heures": "h",
    "min": "min", "mn": "min", "mins": "min", "minute": "min", "minutes": "min",
    "s": "s", "sec": "s", "second": "s", "seconds": "s", "seconde": "s", "secondes": "s",
    "d": "d", "w": "w", "mo": "mo", "y": "y",
    "day": "day", "days": "day", "jour": "day", "jours": "day", "j": "day",
    "week": "week", "weeks": "week", "semaine": "week", "semaines": "week", "sem": "week",
    "month": "mo", "months": "mo", "mois": "mo",
    "year": "y", "years": "y", "yr": "y", "yrs": "y", "an": "y", "ans": "y", "année": "y", "années": "y",
    "annee": "y", "annees": "y",
}
_MULTIPLIERS = {"k": Decimal(1000), "m": Decimal(1_000_000)}
_TAX = re.compile(r"\s*\b(h\.?t\.?v?a?|t\.?t\.?c\.?)\s*$", re.IGNORECASE)
_HOURS_MINUTES = re.compile(r"^(\d{1,4})\s*(?:h|:)\s*(\d{2})(?:\s*(?:min|mn))?(?::(\d{2}))?$", re.IGNORECASE)
_PREFIX = re.compile(r"^(€|\$|£|eur|usd|gbp|chf)\s*(.*)$", re.IGNORECASE)
_SPLIT = re.compile(rf"^([+\-\u2212]?\s*[\d.,{_SPACES}]*\d)\s*(.*)$")
_NONE_WORDS = {"none", "aucune", "aucun", "néant", "neant", "best effort", "best-effort", "sans"}


@dataclass(frozen=True)
class Quantity:
    """A number and its unit: ``None`` (bare), ``%``, a currency code, or a duration unit."""

    number: Decimal
    unit: str | None = None
    tax: str | None = None


def parse_quantity(text: str) -> Quantity:
    """A number with an optional unit, currency (before or after, with k or M) and HT/TTC mention."""
    text = text.translate(_SIGNS).strip()
    match = _HOURS_MINUTES.match(text)
    if match:
        hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
        if minutes >= 60 or seconds >= 60:
            raise CellError(f"'{text}' is not a time: minutes and seconds go up to 59")
        return Quantity(Decimal(hours * 3600 + minutes * 60 + seconds), "s")
    tax = None
    found = _TAX.search(text)
    if found and found.start() > 0:
        tax = "TTC" if found.group(1).lower().startswith("t") else "HT"
        text = text[:found.start()].strip()
    currency = None
    prefix = _PREFIX.match(text)
    if prefix:
        currency, text = _CURRENCIES[prefix.group(1).lower()], prefix.group(2).strip()
    split = _SPLIT.match(text)
    if not split:
        raise NotANumber(f"'{text}' is not a number")
    number_text, unit_text = split.group(1), split.group(2).strip()
    unit = None
    multiplier = Decimal(1)
    if unit_text:
        folded = unit_text.casefold()
        words = re.match(r"^([km])\s*(€|\$|£|eur|euros?|usd|gbp|chf)$", folded)
        if words and unit_text[0] in "kKM":
            multiplier, folded = _MULTIPLIERS[words.group(1)], words.group(2)
        if folded in _CURRENCIES:
            if currency:
                raise CellError(f"'{text}' names its currency twice")
            currency = _CURRENCIES[folded]
        elif folded in _UNITS and not currency:
            unit = _UNITS[folded]
        else:
            raise CellError(f"'{unit_text}' is not a unit that can be read here")
    # three digits after one separator are thousands in an amount (never three decimals), not in 1.500 k€
    number = parse_number(number_text, money=currency is not None and multiplier == 1) * multiplier
    return Quantity(number, currency or unit, tax)


def number_format_unit(number_format: str | None) -> str | None:
    """What an Excel number format says about the number it shows, so that a cell reads as it looks.

    ``'fraction'`` for a percentage format (``0%``: 0.85 shows 85 %); ``'%'`` for a literal percent sign
    (``0" %"``: 85 shows 85 %); a currency code for a currency format (``#,##0 "€"``, ``[$€-40C]``, with
    ``HT`` allowed); a unit of the cell vocabulary for a unit typed in the format (``0" h"``, ``0" mois"``,
    ``0" jours"``); None for a plain number. Raises :class:`CellError` when the format shows something other
    than the stored number: thousands (``0" k€"``, a format ending with a comma), TTC, or a word it cannot read.
    """
    if not number_format or number_format in ("General", "@"):
        return None
    codes, literal = [], []
    k, text = 0, number_format
    while k < len(text):
        char = text[k]
        if char == ";":
            break
        if char == '"':
            end = text.find('"', k + 1)
            end = len(text) if end < 0 else end
            literal.append(text[k + 1:end])
            k = end + 1
            continue
        if char == "\\" and k + 1 < len(text):
            literal.append(text[k + 1])
            k += 2
            continue
        if char in "_*" and k + 1 < len(text):
            k += 2
            continue
        if char == "[":
            end = text.find("]", k)
            end = len(text) if end < 0 else end
            inside = text[k + 1:end]
            if inside.startswith("$"):
                literal.append(" " + inside[1:].split("-")[0] + " ")
            k = end + 1
            continue
        codes.append(char)
        k += 1
    format_codes, literal_text = "".join(codes), "".join(literal)
    if "%" in format_codes:
        return "fraction"
    shown = literal_text.strip()
    if re.search(r"[0#?],+(?![0#?,])", format_codes):
        raise CellError(f"the cell's format '{number_format[:40]}' shows the number divided by 1000: type the "
                        "amount in full, or clear the cell's format")
    found = re.search(r"€|\$|£|\bEUR\b|\bUSD\b|\bGBP\b|\bCHF\b", literal_text + " " + format_codes,
                      re.IGNORECASE)
    currency = _CURRENCIES[found.group(0).lower()] if found else None
    words = re.sub(r"€|\$|£|\bEUR\b|\bUSD\b|\bGBP\b|\bCHF\b", " ", literal_text, flags=re.IGNORECASE)
    words = re.sub(r"[^\w%]", "", words).casefold()
    if words == "%":
        return "%"
    if not words or currency and words in ("ht", "htva"):
        return currency
    if currency and words in ("k", "m"):
        raise CellError(f"the cell's format shows '{shown}': the amount is in thousands or millions; type it in "
                        "full, e.g. 12000, or as text, e.g. '12 k€'")
    if currency and words == "ttc":
        raise CellError(f"the cell's format shows '{shown}': offers are compared before tax; write the amount "
                        "excluding tax (HT)")
    if not currency and words in _UNITS:
        return _UNITS[words]
    raise CellError(f"the cell's format adds '{shown}' to the number: type the value with its unit as text, "
                    "or clear the cell's format")


# --------------------------------------------------------------------------- cells by row kind

LARGEST = Decimal(10) ** 15
"""No figure of an offer reaches a million billion; a number this large is a typing or export error."""
SHARE_FLOOR = {"share": Decimal(1), "rate": Decimal("0.1")}
"""Least percentage a bare number may mean in a share or rate row; below it, the number is a fraction."""

WRITE = {
    "hours": "covered hours, e.g. 4, 4,5, '4h30' or '30 min'",
    "months": "months, e.g. 3 or '3 mois'",
    "years": "a whole number of years, e.g. 3",
    "count": "a whole number, e.g. 30",
    "number": "a plain number, e.g. 1,5",
    "share": "a percentage, e.g. 95%",
    "rate": "a percentage, e.g. 2%",
    "money": "an amount, e.g. 2400 or '2 400 €'",
    "charge": "an amount ('500 €') or a share of the monthly fee ('5%')",
    "text": "text",
}
"""What to write, per row kind, shown when a cell is refused."""
NOUN = {"hours": "a duration", "months": "a duration", "years": "a number of years", "count": "a whole number",
        "number": "a number", "share": "a percentage", "rate": "a percentage", "money": "an amount",
        "charge": "an amount or a share of the fee"}


def read_cell(value: Any, kind: str, number_format: str | None = None, currency: str = "EUR") -> Any:
    """A cell as the value a YAML offers file would hold for a row of this kind (see the module's rules).

    Returns None for an empty cell; raises :class:`CellError` saying what to write instead.
    """
    if value is None or isinstance(value, str) and not value.strip():
        return None
    write = WRITE[kind].replace("€", _symbol(currency))
    if isinstance(value, bool):
        raise CellError(f"{'TRUE' if value else 'FALSE'} is not a value for this row: write {write}")
    if isinstance(value, dt.datetime | dt.date):
        raise CellError(_date_message(value, kind, write))
    if isinstance(value, dt.time | dt.timedelta):
        seconds = (Decimal(value.hour * 3600 + value.minute * 60 + value.second) if isinstance(value, dt.time)
                   else Decimal(str(value.total_seconds())))
        if kind != "hours":
            raise CellError(f"the cell holds a time ({value}): write {write}")
        return _hours(Quantity(seconds, "s"), str(value))
    if kind == "text":
        if isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                raise CellError(f"{value} is not text: write {write}")
            return plain(_decimal(value))
        return unicodedata.normalize("NFC", str(value)).strip()
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellError(f"{value} is not a number: write {write}")
        number = _decimal(value)
        unit = number_format_unit(number_format)
        if unit == "fraction":
            quantity = Quantity(number * 100, "%")
        else:
            quantity = Quantity(number, unit)
        text = plain(number)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFC", value).strip()
        if kind == "hours" and text.casefold() in _NONE_WORDS:
            return "none"
        try:
            quantity = parse_quantity(text)
        except Ambiguous:
            raise
        except NotANumber:
            raise CellError(f"'{text}' is not {NOUN[kind]}: write {write}") from None
        except CellError as exc:
            raise CellError(f"{exc}: write {write}") from None
    else:
        raise CellError(f"the cell cannot be read ({type(value).__name__}): write {write}")
    if abs(quantity.number) >= LARGEST:
        raise CellError(f"'{text[:40]}' is too large for this row: write {write}")
    return _BY_KIND[kind](quantity, text, kind, currency)


def _decimal(value: int | float) -> Decimal:
    try:
        return Decimal(value) if isinstance(value, int) else Decimal(repr(float(value)))
    except (InvalidOperation, ValueError):
        raise CellError(f"{value!r} is not a number") from None


def _symbol(currency: str) -> str:
    return {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency, currency)


def _date_message(value: dt.date, kind: str, write: str) -> str:
    shown = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    message = f"the cell holds a date ({shown}): write {write}"
    early = isinstance(value, dt.datetime) and dt.datetime(1899, 12, 30) <= value < dt.datetime(1900, 3, 1)
    if kind == "hours" and early:
        hours = (value - dt.datetime(1899, 12, 31)).total_seconds() / 3600
        if hours > 0:
            message += f" (if you meant {hours:g} hours, write {hours:g}h in a cell formatted as text or number)"
    return message


def _not_for(quantity: Quantity, text: str, kind: str, currency: str) -> CellError:
    unit = quantity.unit
    what = ("a percentage" if unit == "%" else "an amount of money" if unit in _CURRENCIES.values()
            else "a duration" if unit else "a number")
    return CellError(f"'{text}' is {what}: write {WRITE[kind].replace('€', _symbol(currency))}")


def _no_tax(quantity: Quantity, text: str, kind: str, currency: str) -> None:
    if quantity.tax == "TTC":
        raise CellError(f"'{text}' includes tax (TTC): offers are compared before tax; write the amount "
                        f"excluding tax (HT), e.g. '2 000 {_symbol(currency)} HT'")
    if quantity.tax and kind not in ("money", "charge"):
        raise _not_for(quantity, text, kind, currency)


_FILE_UNITS = {"h": "h", "min": "min", "s": "s", "d": "d", "w": "w", "mo": "mo", "y": "y", "day": "d", "week": "w"}


def _hours(quantity: Quantity, text: str, kind: str = "hours", currency: str = "EUR") -> str:
    _no_tax(quantity, text, kind, currency)
    unit = quantity.unit or "h"
    if unit in ("day", "week"):
        n = quantity.number * (1 if unit == "day" else 7)
        raise CellError(f"'{text}' in covered hours is ambiguous: a business day is not 24 covered hours; write the "
                        f"covered hours, e.g. {plain(n * 24)}h for whole days or {plain(n * 10)}h for "
                        f"{plain(n)} business days of 10 hours")
    if unit in ("mo", "y"):
        raise CellError(f"'{text}' is months or years: write covered hours, e.g. 4 or '4h'")
    if unit not in _FILE_UNITS:
        raise _not_for(quantity, text, kind, currency)
    if quantity.number < 0:
        raise CellError(f"'{text}' is negative: a duration is zero or more")
    if unit == "s":
        hours = quantity.number / 3600
        if hours == hours.quantize(Decimal("0.000001")):
            return f"{plain(hours)}h"
        minutes = quantity.number / 60
        return f"{plain(minutes)}min" if minutes == minutes.to_integral_value() else f"{plain(quantity.number)}s"
    return f"{plain(quantity.number)}{_FILE_UNITS[unit]}"


def _months(quantity: Quantity, text: str, kind: str, currency: str) -> str:
    _no_tax(quantity, text, kind, currency)
    unit = quantity.unit or "mo"
    if unit not in _FILE_UNITS:
        raise _not_for(quantity, text, kind, currency)
    if quantity.number < 0:
        raise CellError(f"'{text}' is negative: a duration is zero or more")
    if unit == "s":
        return f"{plain(quantity.number)}s"
    return f"{plain(quantity.number)}{_FILE_UNITS[unit]}"


def _whole(number: Decimal, text: str, write: str) -> int:
    if number != number.to_integral_value():
        raise CellError(f"'{text}' is not a whole number: write {write}")
    return int(number)


def _years(quantity: Quantity, text: str, kind: str, currency: str) -> int:
    _no_tax(quantity, text, kind, currency)
    if quantity.unit in (None, "y"):
        return _whole(quantity.number, text, WRITE[kind])
    if quantity.unit == "mo":
        return _whole(quantity.number / 12, text, WRITE[kind])
    raise _not_for(quantity, text, kind, currency)


def _count(quantity: Quantity, text: str, kind: str, currency: str) -> int:
    _no_tax(quantity, text, kind, currency)
    if quantity.unit is not None:
        raise _not_for(quantity, text, kind, currency)
    return _whole(quantity.number, text, WRITE[kind])


def _number(quantity: Quantity, text: str, kind: str, currency: str) -> float:
    _no_tax(quantity, text, kind, currency)
    if quantity.unit is not None:
        raise _not_for(quantity, text, kind, currency)
    return float(quantity.number)


def _share(quantity: Quantity, text: str, kind: str, currency: str) -> str:
    _no_tax(quantity, text, kind, currency)
    if quantity.unit == "%":
        return f"{plain(quantity.number)}%"
    if quantity.unit is not None:
        raise _not_for(quantity, text, kind, currency)
    n = quantity.number
    if n == 0:
        return "0%"
    if abs(n) > 1:
        return f"{plain(n)}%"
    if abs(n) < SHARE_FLOOR[kind]:
        return f"{plain(n * 100)}%"
    raise CellError(f"'{text}' could be {plain(n)}% or {plain(n * 100)}%: write {plain(n)}% or {plain(n * 100)}% "
                    "(or format the cell as a percentage)")


def _amount(quantity: Quantity, text: str, kind: str, currency: str) -> str:
    if quantity.unit != currency:
        raise CellError(f"'{text}' is in {quantity.unit} but the tender's currency is {currency}: write the amount "
                        f"in {currency}")
    return f"{plain(quantity.number)} {currency}"


def _money(quantity: Quantity, text: str, kind: str, currency: str) -> str:
    _no_tax(quantity, text, kind, currency)
    if quantity.unit is None:
        return f"{plain(quantity.number)} {currency}"
    if quantity.unit in _CURRENCIES.values():
        return _amount(quantity, text, kind, currency)
    raise _not_for(quantity, text, kind, currency)


def _charge(quantity: Quantity, text: str, kind: str, currency: str) -> str:
    _no_tax(quantity, text, kind, currency)
    if quantity.unit == "%":
        return f"{plain(quantity.number)}%"
    if quantity.unit in _CURRENCIES.values():
        return _amount(quantity, text, kind, currency)
    if quantity.unit is not None:
        raise _not_for(quantity, text, kind, currency)
    if quantity.number == 0:
        return f"0 {currency}"
    n = plain(quantity.number)
    raise CellError(f"'{text}' could be an amount or a share of the monthly fee: write {n} {currency} or {n}%")


_BY_KIND = {"hours": _hours, "months": _months, "years": _years, "count": _count, "number": _number,
            "share": _share, "rate": _share, "money": _money, "charge": _charge}
