"""CSV files exported by spreadsheets and ticket tools: their bytes as text, and their delimiter.

One rule for both readers of CSV, the offers grids (:mod:`sourcing.workbook`) and the ticket exports
(:mod:`sourcing.tickets`): UTF-16 with its byte-order mark, else UTF-8 with or without one, else
Windows-1252 (French Excel's "CSV (point-virgule)", GLPI). Excel's ``sep=;`` first line names the
delimiter; otherwise it is the one that splits the header into the most fields.

Where the two readers differ, a parameter says so, because what is at stake differs:

- ``lenient``: a grid is decoded strictly, since a misread cell changes which provider wins: a UTF-8 file
  with a byte-order mark must be UTF-8, and a byte Windows-1252 does not define is refused. An export of
  250,000 incidents is decoded leniently, since its dates and priorities are ASCII: a UTF-8 file with a
  byte-order mark but some other bytes falls back like any other, undefined bytes are replaced, and a UTF-8
  file with some Windows-1252 lines (two exports pasted together) is read line by line, the lines named.
- the delimiters tried and the one kept when none splits the header: a grid's are ``;``, ``,`` and tab,
  ``;`` by default (French Excel); an export's add ``|`` (some ticket tools), ``,`` by default (the tools'
  own CSV).
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class Undecodable(ValueError):
    """Bytes that none of the accepted encodings reads."""

    def __init__(self, announced: str | None) -> None:
        self.announced = announced
        """The encoding a byte-order mark announced (``'utf-8'``, ``'utf-16'``), or None."""
        super().__init__(f"the text is not {announced} despite its byte-order mark" if announced
                         else "the text is neither UTF-8 nor Windows-1252")


@dataclass(frozen=True)
class Decoded:
    """Text and how it was read."""

    text: str
    encoding: str
    """``'utf-8'``, ``'utf-16'``, ``'cp1252'``, or ``'mixed'`` (UTF-8 with some Windows-1252 lines)."""
    cp1252_lines: tuple[int, ...] = ()
    """The lines (1-based) of a mixed file read as Windows-1252."""


def starts_as_utf16(content: bytes) -> bool:
    """Whether the bytes begin with a UTF-16 byte-order mark (UTF-16 text holds NUL bytes)."""
    return content.startswith(_UTF16_BOMS)


def decode_text(content: bytes, lenient: bool = False) -> Decoded:
    """The bytes as text: UTF-16 with its BOM, else UTF-8 with or without BOM, else Windows-1252.

    Strict (``lenient=False``): a BOM binds its encoding, and bytes no encoding reads raise
    :class:`Undecodable`. Lenient: only a broken UTF-16 file raises; see the module for the rest.
    """
    if starts_as_utf16(content):
        try:
            return Decoded(content.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            raise Undecodable("utf-16") from None
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8):]
        if not lenient:
            try:
                return Decoded(content.decode("utf-8"), "utf-8")
            except UnicodeDecodeError:
                raise Undecodable("utf-8") from None
    try:
        return Decoded(content.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if not lenient:
        try:
            return Decoded(content.decode("cp1252"), "cp1252")
        except UnicodeDecodeError:
            raise Undecodable(None) from None
    if not re.search(rb"[\xc2-\xf4][\x80-\xbf]", content):
        return Decoded(content.decode("cp1252", errors="replace"), "cp1252")
    bad: list[int] = []
    text = []
    for at, line in enumerate(content.split(b"\n"), start=1):
        try:
            text.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            bad.append(at)
            text.append(line.decode("cp1252", errors="replace"))
    return Decoded("\n".join(text), "mixed", tuple(bad))


GRID_DELIMITERS = (";", ",", "\t")
"""Delimiters of a spreadsheet's CSV, ``;`` first (French Excel)."""
EXPORT_DELIMITERS = (";", ",", "\t", "|")
"""Delimiters of a ticket tool's export."""


def delimiter_of(text: str, candidates: tuple[str, ...] = GRID_DELIMITERS, default: str = ";") -> tuple[str, str]:
    """The CSV's delimiter, and its text without Excel's ``sep=`` first line when it has one.

    Without that line, the delimiter is the candidate that splits the first line into the most fields, the
    earlier one on a tie, and ``default`` when none splits it.
    """
    first, _, rest = text.partition("\n")
    first = first.rstrip("\r")
    hint = re.match(r"^\s*sep=(.)\s*$", first)
    if hint:
        return hint.group(1), rest
    best, most = default, 1
    for candidate in candidates:
        try:
            count = len(next(csv.reader([first], delimiter=candidate), []))
        except csv.Error:
            continue
        if count > most:
            best, most = candidate, count
    return best, text
