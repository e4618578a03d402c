"""Spreadsheets filled by people, read within fixed limits into a table of cells.

Providers fill the offers grid in Excel or LibreOffice, often in French. This module turns their file into
a bounded table of cells (:func:`read_workbook`, :func:`read_csv_table`): each :class:`Cell` holds the value
and number format as the file holds them, or why its value is unknown (a formula Excel never computed, an
Excel error). How a cell is then read is :mod:`sourcing.row_kinds`'s business.

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
    Read by :mod:`sourcing.text_files`, strictly: UTF-8 with or without BOM, UTF-16 with its BOM, else
    Windows-1252 (French Excel's "CSV (point-virgule)"); NUL characters are refused. The delimiter (``;``,
    ``,`` or tab) is the one that splits the first line into the most fields; Excel's ``sep=;`` first line
    is honoured.
"""

from __future__ import annotations

import csv
import functools
import io
import posixpath
import re
import shutil
import zipfile
from dataclasses import dataclass, field
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
