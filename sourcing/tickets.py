"""Ticket exports read into typed records: one row per incident with when it was opened and resolved, its
priority P1-P4 and what else the export says (group, SLA made, reopened).

Formats (detected from the headers when not given): ServiceNow incident lists and event logs (several rows
per ``number`` as the state changes: the latest is kept), GLPI (French or English headers, ``;``,
Windows-1252 or UTF-8), Jira Service Management, and any CSV with a column mapping (``generic``).

Everything is read as text and parsed column by column (vectorised: an export of 250,000 rows reads in
about a second). What cannot be used is excluded and counted, never guessed; what makes the whole file
unusable raises a :class:`~sourcing.errors.ScenarioError` naming the file, the column or row, and what
to write instead. Rows are numbered as a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import Problem, ScenarioError
from .model import PRIORITIES
from .notes import Note, Number
from .text_files import EXPORT_DELIMITERS, Undecodable, decode_text, delimiter_of, starts_as_utf16
from .words import number, say

MB = 1024 * 1024
MAX_EXPORT_BYTES = 128 * MB
"""Largest export read (the app's upload limit too): 250,000 incidents of a ServiceNow list take about 60 MB."""
MAX_EXPORT_ROWS = 1_000_000
"""Most rows read: the simulation holds at most a million incidents a replication."""
MAX_HEADER_CHARS = 100_000
"""Longest header line read."""
MAX_COLUMNS = 2_000
"""Most columns read."""
MAX_TTR_HOURS = 365 * 24.0
"""A resolution more than a year after the opening is taken as a data error, not a repair time."""
UNREADABLE_SHARE = 0.01
"""Above this share of unreadable dates in a column, the column's format is unknown and the file refused."""
FORMATS = ("servicenow", "glpi", "jira", "generic")
FIELDS = ("id", "opened", "resolved", "priority", "state", "group", "updated", "order", "made_sla", "reopen",
          "assignee", "due", "closed", "resolver", "service", "impact")
"""What a column can stand for (``--columns FIELD=COLUMN``); ``opened``, ``resolved`` and ``priority`` are
needed."""
REQUIRED = ("opened", "resolved", "priority")
DATE_FIELDS = ("opened", "resolved", "updated", "due", "closed")

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "servicenow": {
        "id": ("number",), "opened": ("opened_at", "opened"), "resolved": ("resolved_at", "resolved"),
        "priority": ("priority",), "state": ("incident_state", "state"),
        "group": ("assignment_group", "assignment group"),
        "updated": ("sys_updated_at", "sys_updated_on", "updated"), "order": ("sys_mod_count",),
        "made_sla": ("made_sla", "made sla"), "reopen": ("reopen_count", "reopen count"),
        "assignee": ("assigned_to", "assigned to"), "closed": ("closed_at", "closed"),
        "resolver": ("resolved_by", "resolved by"), "service": ("category",), "impact": ("impact",),
    },
    "glpi": {
        "id": ("id",), "opened": ("date d'ouverture", "opening date", "date"),
        "resolved": ("date de résolution", "resolution date"), "priority": ("priorité", "priority"),
        "state": ("statut", "status"), "group": ("attribué à - groupe", "assigned to - group"),
        "assignee": ("attribué à - technicien", "assigned to - technician"),
        "updated": ("dernière modification", "last update"),
        "due": ("temps de résolution", "time to resolve"), "closed": ("date de clôture", "closing date"),
        "service": ("catégorie", "category"), "impact": ("impact",),
    },
    "jira": {
        "id": ("issue key",), "opened": ("created",), "resolved": ("resolved",), "priority": ("priority",),
        "state": ("status",), "group": ("component/s", "components"), "assignee": ("assignee",),
        "updated": ("updated",), "service": ("component/s", "components"),
    },
    "generic": {},
}

MISSING = frozenset({"", "?", "null", "none", "nan", "nat", "n/a", "na", "-", "--", "#n/a"})
"""Cell values that mean 'no value' (ServiceNow writes ``?``)."""

PENDING = re.compile(r"await|on hold|pending|en attente|suspen|waiting for (?:customer|user|vendor|supplier|third)",
                     re.IGNORECASE)
"""States in which ticket tools pause the SLA clock: ServiceNow 'Awaiting User Info / Vendor / Problem' and
'On Hold', GLPI 'En attente', Jira 'Waiting for customer' and 'Pending'. Jira's 'Waiting for support' is not
one: the ticket then waits for the team, and its SLA clock runs."""
RESOLVED_STATE = re.compile(r"^\s*(?:resolved|r[ée]solu|solved|done|fixed|completed)", re.IGNORECASE)
CLOSED_STATE = re.compile(r"^\s*(?:closed|clos\b|ferm[ée])", re.IGNORECASE)
MIN_CLOSE_DELAYS = 20
"""Fewest incidents with both a resolution and a closure date to learn the usual delay between them."""
CANCELLED = re.compile(r"cancel|annul|won't do|duplicate|doublon|rejected|rejet", re.IGNORECASE)
"""States or resolutions of tickets that were not incidents after all."""

_PRIORITY_WORDS: dict[str, str] = {
    "critical": "P1", "critique": "P1", "urgent": "P1", "highest": "P1", "blocker": "P1", "bloquant": "P1",
    "majeure": "P1", "major incident": "P1", "tres haute": "P1", "very high": "P1", "p1": "P1",
    "high": "P2", "haute": "P2", "elevee": "P2", "major": "P2", "p2": "P2",
    "moderate": "P3", "medium": "P3", "moyenne": "P3", "normal": "P3", "normale": "P3", "p3": "P3",
    "low": "P4", "basse": "P4", "faible": "P4", "lowest": "P4", "tres basse": "P4", "very low": "P4",
    "minor": "P4", "mineure": "P4", "trivial": "P4", "planning": "P4", "p4": "P4", "p5": "P4",
}
"""Words of priority labels, accents removed, and the level they stand for (GLPI's six levels fold into four:
Majeure and Très haute are P1, Basse and Très basse P4)."""
_NUMBERED = {"glpi": {"6": "P1", "5": "P1", "4": "P2", "3": "P3", "2": "P4", "1": "P4"}}
"""Bare numbers: 1 is the highest everywhere but in GLPI, whose scale runs from 1 (very low) to 6 (major)."""
_DEFAULT_NUMBERED = {"0": "P1", "1": "P1", "2": "P2", "3": "P3", "4": "P4", "5": "P4"}
SKIP = "skip"
"""Priority mapped to this (``--priorities "5 - Planning=skip"``) is left out of the calibration."""


@dataclass
class Exclusions:
    """Rows or incidents that could not be used, counted by reason, with the first row of each reason."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, int] = field(default_factory=dict)
    keys: dict[str, tuple[str, dict[str, object]]] = field(default_factory=dict)
    """Each reason's catalogue key (under ``calibrate.excluded.``) and values, to say it in another language."""
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    """The rows of each reason (to count them again for a subset of the export)."""

    def add(self, reason: str, rows: pd.Series | np.ndarray, key: str | None = None, **values: object) -> None:
        """Count the rows (spreadsheet row numbers) excluded for ``reason`` (English; ``key`` in the catalogue)."""
        rows = np.asarray(rows)
        if len(rows):
            self.counts[reason] = self.counts.get(reason, 0) + len(rows)
            self.examples.setdefault(reason, int(rows.min()))
            self.rows[reason] = np.concatenate([self.rows.get(reason, np.zeros(0, int)), rows.astype(int)])
            if key is not None:
                self.keys[reason] = (key, values)

    def subset(self, rows: np.ndarray) -> Exclusions:
        """The same reasons counted over some rows of the export only."""
        kept = Exclusions()
        for reason, mine in self.rows.items():
            inside = mine[np.isin(mine, rows)]
            if len(inside):
                kept.counts[reason] = len(inside)
                kept.examples[reason] = int(inside.min())
                kept.rows[reason] = inside
                if reason in self.keys:
                    kept.keys[reason] = self.keys[reason]
        return kept

    def lines(self, lang: str = "en") -> list[str]:
        out = []
        for reason, count in self.counts.items():
            key, values = self.keys.get(reason, (None, {}))
            said = say(f"calibrate.excluded.{key}", lang, **values) if key else reason
            out.append(say("calibrate.excluded_line", lang, count=number(count, lang, 0), reason=said,
                           row=self.examples[reason]))
        return out


@dataclass(frozen=True)
class History:
    """The incidents of an export, one row each, as the calibration reads them.

    ``tickets`` columns: ``row`` (spreadsheet row), ``id``, ``opened`` and ``resolved`` (local times,
    ``resolved`` NaT when not usable for a repair time), ``priority`` (P1-P4), ``label`` (the export's priority),
    ``group`` (the latest) and ``groups`` (every group it was assigned to, a tuple), ``made_sla`` and
    ``reopened`` (booleans, NA when the export does not say), ``due`` (resolution deadline), ``closed``,
    ``pending`` (hours spent in pending states before the resolution; NaN without a state history),
    ``service`` (the value of the column services are split by, NA without one), ``impact`` (the export's
    impact label) and ``resolver`` (who resolved it, or its latest assignee).
    """

    source: str
    format: str
    columns: dict[str, str]
    """Which column of the export each field was read from."""
    priorities: dict[str, str]
    """The export's priority labels and the level each is read as (P1-P4 or 'skip')."""
    label_counts: dict[str, int]
    date_order: str
    """How numeric dates were read: 'day first', 'month first' or 'ISO'."""
    tickets: pd.DataFrame
    rows: int
    """Rows read from the file."""
    excluded: Exclusions
    notes: tuple[Note, ...] = ()
    now: datetime | None = None
    waiting: str = "none"
    """How the time spent waiting for the user or a supplier was read: 'states' (a state history with times:
    each incident's pending spells measured, as the ticket tool's SLA clock pauses in them), 'no_pending' (a
    state history none of whose states is a pending one: the waiting stays in the time to restore) or 'none'
    (only opened and resolved: the waiting stays in the time to restore)."""
    pending_states: tuple[str, ...] = ()
    """The export's states counted as pending."""
    states: tuple[str, ...] = ()
    """Every state the export's state history shows (empty without one)."""
    membership: pd.DataFrame | None = None
    """Every row of the export with an opening date: ``row``, ``id``, ``group`` and ``rank`` (its place in the
    incident's history), to keep the rows of some groups (:func:`sourcing.calibration.restrict`)."""
    subset: tuple[str, int, int] | None = None
    """What a filter kept of the export: its description (``--group Network``), and the incidents kept of all."""
    whole_opened: pd.Series | None = None
    """Opening instants of the whole export's incidents, when a filter kept part of it."""
    time_zone: str = "Europe/Paris"
    """The zone the export's naive times are local times of."""

    @property
    def start(self) -> pd.Timestamp:
        return self.tickets["opened"].min()

    @property
    def end(self) -> pd.Timestamp:
        return self.tickets["opened"].max()


def _refuse(source: str, message: str, column: str | None = None, row: int | None = None) -> ScenarioError:
    return ScenarioError([Problem((column,) if column else (), message, row)], source=source)


def normalise_header(text: str) -> str:
    """A header as compared with the known names: no BOM, quotes or outer spaces, one space inside, lower case,
    typographic apostrophes made plain."""
    text = unicodedata.normalize("NFC", str(text)).replace("\ufeff", "").replace("\u2019", "'").strip().strip('"')
    return re.sub(r"\s+", " ", text).casefold()


def _plain_words(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"\s+", " ", "".join(c for c in text if not unicodedata.combining(c))).strip()


# --------------------------------------------------------------------------- bytes to text


_MAGIC = {
    b"PK\x03\x04": "an Excel workbook or another zip file: save it as CSV (File > Save as > CSV UTF-8)",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook: save it as CSV (File > Save as > CSV UTF-8)",
    b"%PDF": "a PDF document: export the tickets as CSV from the ticket tool",
}


def decode_export(content: bytes, source: str) -> tuple[str, list[Note]]:
    """The export's text and notes on its encoding. UTF-8 (with or without BOM), UTF-16 with its BOM, or
    Windows-1252 (GLPI and French Excel); a UTF-8 file with some Windows-1252 lines (two exports pasted
    together) is read line by line, and the lines are named."""
    if len(content) > MAX_EXPORT_BYTES:
        raise _refuse(source, f"the file is {len(content) / MB:,.0f} MB; an export is read up to "
                              f"{MAX_EXPORT_BYTES // MB} MB: export a shorter period, or fewer columns")
    if not content.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise _refuse(source, "the file is empty: export the incidents as CSV with a header row")
    for magic, what in _MAGIC.items():
        if content.startswith(magic):
            raise _refuse(source, f"this is {what}")
    if not starts_as_utf16(content) and b"\x00" in content.removeprefix(codecs.BOM_UTF8)[:65536]:
        raise _refuse(source, "the file holds NUL bytes: it is not a CSV text file (export the incidents as CSV)")
    try:
        decoded = decode_text(content, lenient=True)
    except Undecodable:
        raise _refuse(source, "the file starts as UTF-16 text but is not: save it again as CSV UTF-8") from None
    if decoded.encoding == "cp1252":
        return decoded.text, [Note("calibrate.notes.cp1252")]
    if decoded.encoding == "mixed":
        bad = decoded.cp1252_lines
        shown = ", ".join(str(n) for n in bad[:5]) + (" ..." if len(bad) > 5 else "")
        return decoded.text, [Note("calibrate.notes.mixed", {"count": Number(len(bad)), "shown": shown})]
    return decoded.text, []


def _looks_like(text: str) -> str | None:
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")):
        return "an HTML page (a login page saved instead of the export?): export the incidents as CSV"
    if head.startswith(("<?xml", "<")):
        return "an XML document: export the incidents as CSV"
    if head.startswith(("{", "[")):
        return "JSON, not CSV: export the incidents as CSV"
    return None


# --------------------------------------------------------------------------- columns


def parse_columns(text: str | None) -> dict[str, str]:
    """``opened=Created On,resolved=Resolved,priority=Prio`` as {field: column}; refuses unknown fields."""
    mapping: dict[str, str] = {}
    for item in [part for part in (text or "").split(",") if part.strip()]:
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or not value.strip():
            raise ValueError(f"'{item.strip()}': write FIELD=COLUMN, e.g. opened=Created")
        if key not in FIELDS:
            raise ValueError(f"'{key}' is not a field: use {', '.join(FIELDS)}")
        mapping[key] = value.strip()
    return mapping


def detect_format(headers: list[str]) -> str | None:
    """The export's format from its headers, or None when they match no known tool."""
    names = {normalise_header(h) for h in headers}
    if "number" in names and names & {"opened_at", "opened"}:
        return "servicenow"
    if "issue key" in names and "created" in names:
        return "jira"
    if names & {"date d'ouverture", "opening date"}:
        return "glpi"
    return None


def map_columns(headers: list[str], kind: str, given: dict[str, str], source: str) -> dict[str, str]:
    """{field: header} for the format's known names, overridden by ``given``; refuses a missing needed column."""
    by_name: dict[str, str] = {}
    for header in headers:
        by_name.setdefault(normalise_header(header), header)
    mapping: dict[str, str] = {}
    for name, aliases in ALIASES[kind].items():
        for alias in aliases:
            if alias in by_name:
                mapping[name] = by_name[alias]
                break
    for name, column in given.items():
        found = by_name.get(normalise_header(column))
        if found is None:
            shown = ", ".join(headers[:30]) + (" ..." if len(headers) > 30 else "")
            option = f"--service-by {column}" if name == "service" else f"--columns {name}={column}"
            raise _refuse(source, f"{option}: no column '{column}' in the file (its columns: {shown})")
        mapping[name] = found
    missing = [name for name in REQUIRED if name not in mapping]
    if missing:
        looked = "; ".join(f"{m}: {', '.join(ALIASES[kind].get(m, ())) or 'nothing known'}" for m in missing)
        shown = ", ".join(headers[:30]) + (" ..." if len(headers) > 30 else "")
        raise _refuse(source, f"no column for {', '.join(missing)} in this {kind} export (looked for {looked}); its "
                              f"columns are: {shown}. Name them with --columns, e.g. --columns "
                              + ",".join(f"{m}=COLUMN" for m in missing))
    return mapping


# --------------------------------------------------------------------------- dates

_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$")
_NUMERIC = (r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
            r"(?:[ T]+(?P<h>\d{1,2})[:h](?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?$")
_NAMED = (r"^(?P<a>\d{1,2})[/ -](?P<month>[^\W\d_]{3,9}\.?)[/ -](?P<y>\d{4}|\d{2})"
          r"(?:[ T]+(?P<h>\d{1,2})[:h](?P<m>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
MONTHS = {name: k for k, names in enumerate((
    ("jan", "janv", "january", "janvier"), ("feb", "fev", "fevr", "february", "fevrier"), ("mar", "mars", "march"),
    ("apr", "avr", "april", "avril"), ("may", "mai"), ("jun", "juin", "june"), ("jul", "juil", "july", "juillet"),
    ("aug", "aou", "aout", "august"), ("sep", "sept", "september", "septembre"), ("oct", "october", "octobre"),
    ("nov", "november", "novembre"), ("dec", "december", "decembre")), start=1) for name in names}
ORDERS = ("day first", "month first")


@dataclass(frozen=True)
class DateColumn:
    """A column of dates as read: the instants (NaT where empty or unreadable) and how numeric dates read."""

    values: pd.Series
    order: str | None
    """'day first' or 'month first' when the column itself decides it, None when it does not."""
    unreadable: pd.Series
    """Rows whose value is not empty but is not a date."""


def _components(parts: pd.DataFrame, day: pd.Series, month: pd.Series) -> pd.Series:
    year = parts["y"].astype(float)
    year = year.where(year >= 100, 2000 + year)
    hour = parts["h"].astype(float).fillna(0)
    ampm = parts["ampm"].fillna("").str.lower().str[0]
    hour = hour.where(~((ampm == "p") & (hour < 12)), hour + 12).where(~((ampm == "a") & (hour == 12)), 0)
    frame = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour,
                          "minute": parts["m"].astype(float).fillna(0), "second": parts["s"].astype(float).fillna(0)})
    bad = (frame["month"].isna() | (frame["month"] > 12) | (frame["day"] > 31) | (frame["hour"] > 23)
           | (frame["minute"] > 59) | (frame["second"] > 59))
    frame.loc[bad, ["year", "month", "day"]] = np.nan
    return pd.to_datetime(frame, errors="coerce")


def parse_dates(text: pd.Series, order: str | None, time_zone: str) -> DateColumn:
    """Dates of one column, whatever mix of ISO, numeric and named-month forms it holds. ``order`` reads
    numeric dates no value of the column decides (a day above 12 decides). Each distinct text is parsed once."""
    filled = text.notna()
    codes, uniques = pd.factorize(text[filled].str.strip())
    rows = text.index[filled]
    parsed = _parse_unique(pd.Series(uniques, dtype=text.dtype), order, time_zone)
    first = pd.Series(rows[np.unique(codes, return_index=True)[1]], index=np.unique(codes))
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    out[rows] = parsed.values.to_numpy()[codes]
    found = parsed.order
    if found and found.startswith("mixed"):
        _, day, month = found.split(":")
        found = f"mixed:{first[int(day)]}:{first[int(month)]}"
    bad = np.isin(codes, parsed.unreadable.to_numpy())
    return DateColumn(out, found, pd.Series(rows[bad], index=rows[bad]))


_TIMES = (" %H:%M", " %H:%M:%S", "", " %I:%M %p", " %I:%M:%S %p", "T%H:%M:%S")


def _strptime(values: pd.Series, fmt: str) -> pd.Series:
    """Texts read with one strptime format by Arrow's compiled parser (a hundred times pandas' speed on
    non-ISO formats); NaT where the text does not fit it, or gives a year before 1900 (a two-digit year read
    by ``%Y``)."""
    parsed = pc.strptime(pa.array(values.to_numpy(dtype=object), type=pa.string()), format=fmt, unit="s",
                         error_is_null=True)
    out = pd.Series(parsed.to_numpy(zero_copy_only=False), index=values.index).astype("datetime64[ns]")
    return out.where(out.dt.year >= 1900)


def _numeric_formats(day_first: bool, separators: list[str]) -> list[str]:
    day, month = ("%d", "%m") if day_first else ("%m", "%d")
    return [f"{day}{sep}{month}{sep}{year}{clock}" for sep in separators for year in ("%Y", "%y") for clock in _TIMES]


def _parse_unique(values: pd.Series, order: str | None, time_zone: str) -> DateColumn:
    """:func:`parse_dates` on distinct texts: ISO and numeric dates through pandas' compiled parsers (the
    day-month order decided from the values' first two numbers), anything left through the regular
    expressions (named months, French '14h05', Excel serial numbers)."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    iso = values.str.match(_ISO.pattern)  # a pattern as text runs in Arrow, a compiled one in Python
    if iso.any():
        zoned = values[iso].str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
        local = pd.to_datetime(values[iso][~zoned], format="ISO8601", errors="coerce")
        out[local.index] = local
        if zoned.any():
            stamps = pd.to_datetime(values[iso][zoned], format="ISO8601", errors="coerce", utc=True)
            out[stamps.index] = stamps.dt.tz_convert(time_zone).dt.tz_localize(None)
    rest = values[~iso]
    found = None
    pending = pd.Series(False, index=values.index)
    shaped = rest.str.match(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
    numeric = rest[shaped]
    if len(numeric):
        heads = numeric.str.slice(0, 6)
        known = pd.Series(heads.unique())
        parts = known.str.extract(r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})").set_index(known)
        where = pd.Index(known).get_indexer(heads)
        a = pd.Series(parts["a"].astype(int).to_numpy()[where], index=heads.index)
        b = pd.Series(parts["b"].astype(int).to_numpy()[where], index=heads.index)
        day_first, month_first = bool((a > 12).any()), bool((b > 12).any())
        if day_first and month_first:
            return DateColumn(out, f"mixed:{a.index[a > 12][0]}:{b.index[b > 12][0]}", pd.Series(dtype=int))
        found = "day first" if day_first else "month first" if month_first else None
        chosen = found or order
        if chosen is None:
            found = "ambiguous"
            pending[numeric.index] = True
        else:
            left = numeric
            for fmt in _numeric_formats(chosen == "day first", list(parts["sep"].unique())):
                got = _strptime(left, fmt)
                out[got.index[got.notna()]] = got[got.notna()]
                left = left[got.isna()]
                if left.empty:
                    break
            if len(left):  # other spellings (14h05, 2.30 pm...): read by their parts
                extracted = left.str.extract(_NUMERIC)
                ok = extracted["a"].notna()
                if ok.any():
                    x, y = extracted.loc[ok, "a"].astype(float), extracted.loc[ok, "b"].astype(float)
                    day, month = (x, y) if chosen == "day first" else (y, x)
                    out[extracted.index[ok]] = _components(extracted[ok], day, month)
    other = rest[~shaped]
    named = other.str.extract(_NAMED)
    is_named = named["a"].notna()
    if is_named.any():
        parts = named[is_named]
        month = parts["month"].map(lambda m: MONTHS.get(_plain_words(m).rstrip(".")))
        out[parts.index] = _components(parts, parts["a"].astype(float), month.astype(float))
    serial = other[~is_named.to_numpy()]
    serial = serial[serial.str.match(_SERIAL.pattern)]
    if len(serial):
        out[serial.index] = pd.to_datetime(serial.astype(float), unit="D", origin="1899-12-30").dt.round("s")
    unreadable = out.isna() & ~pending
    return DateColumn(out, found, unreadable[unreadable].index.to_series())


# --------------------------------------------------------------------------- priorities


def parse_priorities(text: str | None) -> dict[str, str]:
    """``"1 - Critical=P1,2 - High=P2,5 - Planning=skip"`` as {label: level}."""
    mapping: dict[str, str] = {}
    for item in [part for part in (text or "").split(",") if part.strip()]:
        label, sep, level = item.rpartition("=")
        level = level.strip().upper()
        if not sep or not label.strip() or level not in (*PRIORITIES, SKIP.upper()):
            raise ValueError(f"'{item.strip()}': write LABEL=P1 (P1 to P4, or 'skip'), e.g. '1 - Critical=P1'")
        mapping[label.strip()] = SKIP if level == SKIP.upper() else level
    return mapping


def default_level(label: str, kind: str) -> str | None:
    """The level a priority label stands for in this format, or None when it is not recognised."""
    plain = _plain_words(label)
    if plain in _NUMBERED.get(kind, _DEFAULT_NUMBERED):
        return _NUMBERED.get(kind, _DEFAULT_NUMBERED)[plain]
    number = re.match(r"^p?\s*(\d)\b", plain)
    words = re.sub(r"^p?\s*\d\s*[-:.)]?\s*", "", plain)
    if words in _PRIORITY_WORDS:
        return _PRIORITY_WORDS[words]
    if number:
        return _NUMBERED.get(kind, _DEFAULT_NUMBERED).get(number.group(1))
    return None


def map_priorities(labels: pd.Series, kind: str, given: dict[str, str], column: str,
                   source: str) -> tuple[pd.Series, dict[str, str], dict[str, int]]:
    """Each ticket's level, the mapping used (label -> level) and tickets per label; labels nobody can read
    refuse the file with the command that maps them."""
    counts = labels.value_counts(dropna=True)
    given_plain = {_plain_words(k): v for k, v in given.items()}
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for label in counts.index:
        level = given_plain.get(_plain_words(label)) or default_level(label, kind)
        if level is None:
            unknown.append(label)
        else:
            mapping[label] = level
    for label in given:
        if _plain_words(label) not in {_plain_words(x) for x in counts.index}:
            raise _refuse(source, f"--priorities: no ticket has the priority '{label}' (the column holds: "
                                  f"{', '.join(map(str, counts.index[:12]))})", column)
    if unknown:
        example = ",".join(f"{u}=P3" for u in unknown[:3])
        raise _refuse(source, f"priorities not recognised: {', '.join(repr(u) for u in unknown[:10])}"
                              f"{' ...' if len(unknown) > 10 else ''}; say which level each one is with "
                              f"--priorities \"{example}\" (P1 to P4, or skip)", column)
    return labels.map(mapping), mapping, {str(k): int(v) for k, v in counts.items()}


# --------------------------------------------------------------------------- the export


def _truthy(values: pd.Series) -> pd.Series:
    plain = values.str.strip().str.lower()
    yes = plain.isin(["true", "yes", "oui", "1", "vrai", "y", "t"])
    no = plain.isin(["false", "no", "non", "0", "faux", "n", "f"])
    return pd.Series(np.where(yes, True, np.where(no, False, None)), index=values.index, dtype="boolean")


def read_table(text: str, source: str, usecols: list[str] | None = None) -> pd.DataFrame:
    """The CSV as text cells (nothing converted), or a ScenarioError saying where it breaks."""
    delimiter, text = delimiter_of(text, EXPORT_DELIMITERS, ",")
    try:
        return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, na_filter=False,
                           usecols=usecols, engine="c", nrows=MAX_EXPORT_ROWS + 1, skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise _refuse(source, "the file is empty: export the incidents as CSV with a header row") from None
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        message = str(exc).strip().splitlines()[-1][:200]
        line = re.search(r"line (\d+)", message)
        raise _refuse(source, f"the CSV cannot be read: {message} (a quote left open, or the separator "
                              f"'{delimiter}' inside a value without quotes?)",
                      row=int(line.group(1)) if line else None) from None


def read_export(content: bytes, source: str, kind: str | None = None, columns: dict[str, str] | None = None,
                priorities: dict[str, str] | None = None, order: str | None = None,
                time_zone: str = "Europe/Paris", now: datetime | None = None,
                pending: str | None = None) -> History:
    """Read an export's bytes into a :class:`History`; ``source`` names it in messages.

    ``kind``: servicenow, glpi, jira or generic (detected from the headers when None). ``columns`` and
    ``priorities`` override the known names and levels; ``order`` ('day first' or 'month first') reads numeric
    dates that no value decides. ``now`` bounds dates in the future (default: the time of reading).
    ``pending``: the states in which the SLA clock pauses, ``'STATE|STATE'`` (default: :data:`PENDING`).
    """
    columns = columns or {}
    now = now or datetime.now()
    text, notes = decode_export(content, source)
    odd = _looks_like(text)
    if odd:
        raise _refuse(source, f"this is {odd}")
    first_line = text[:MAX_HEADER_CHARS + 1].partition("\n")[0]
    if len(first_line) > MAX_HEADER_CHARS:
        raise _refuse(source, f"the first line is longer than {MAX_HEADER_CHARS:,} characters: it is not a CSV header "
                              "(export the incidents as CSV with one header row)")
    headers = list(read_table(first_line + "\n", source).columns)
    if len(headers) > MAX_COLUMNS:
        raise _refuse(source, f"the header has {len(headers):,} columns; an export is read with at most "
                              f"{MAX_COLUMNS:,}: export fewer columns")
    if not headers or all(not str(h).strip() for h in headers):
        raise _refuse(source, "the first line holds no column names: export the incidents as CSV with a header row")
    detected = detect_format(headers)
    if kind is None:
        if detected is None and not columns:
            shown = ", ".join(map(str, headers[:20])) + (" ..." if len(headers) > 20 else "")
            raise _refuse(source, f"the columns ({shown}) are not those of a ServiceNow, GLPI or Jira export: give "
                                  "--format and, for any other tool, --columns opened=COLUMN,resolved=COLUMN,"
                                  "priority=COLUMN")
        kind = detected or "generic"
    elif kind not in FORMATS:
        raise _refuse(source, f"'{kind}' is not a format: use {', '.join(FORMATS)}")
    mapping = map_columns(headers, kind, columns, source)
    frame = read_table(text, source, usecols=list(dict.fromkeys(mapping.values())))
    if len(frame) > MAX_EXPORT_ROWS:
        raise _refuse(source, f"the file holds more than {MAX_EXPORT_ROWS:,} rows: export a shorter period")
    if frame.empty:
        raise _refuse(source, "the file has a header but no ticket: export the incidents with their rows")
    rows = len(frame)
    frame.index = pd.RangeIndex(2, rows + 2)  # spreadsheet rows: the header is row 1
    cells = {name: _cells(frame[column]) for name, column in mapping.items()}
    excluded = Exclusions()
    dates, order_used, date_notes = _dates(cells, mapping, order, time_zone, source, excluded)
    notes += date_notes
    latest = _latest(cells, dates, excluded, notes)
    kept = latest.kept
    tickets = pd.DataFrame({"row": kept, "opened": dates["opened"][kept].to_numpy(),
                            "resolved": dates["resolved"][kept].to_numpy()}, index=kept)
    tickets["id"] = cells["id"][kept] if "id" in cells else kept.astype(str)
    label = cells["priority"][kept]
    excluded.add("without a priority", kept[label.isna().to_numpy()], "no_priority")
    tickets["label"] = label
    tickets = tickets[label.notna().to_numpy()]
    levels, used, label_counts = map_priorities(tickets["label"], kind, priorities or {}, mapping["priority"], source)
    tickets["priority"] = levels
    skipped = tickets["priority"] == SKIP
    excluded.add("of a priority mapped to 'skip'", tickets.index[skipped], "skipped")
    tickets = tickets[~skipped]
    if "state" in cells:
        state = cells["state"][tickets.index].fillna("")
        cancelled = state.str.contains(CANCELLED)
        excluded.add("cancelled or duplicate tickets (state)", tickets.index[cancelled], "cancelled")
        tickets = tickets[~cancelled.to_numpy()]
    for name in ("group", "service", "impact"):
        tickets[name] = cells[name][tickets.index] if name in cells else pd.NA
    who = cells.get("resolver", cells.get("assignee"))
    tickets["resolver"] = who[tickets.index] if who is not None else pd.NA
    if "resolver" in cells and "assignee" in cells:
        tickets["resolver"] = tickets["resolver"].fillna(cells["assignee"][tickets.index])
    tickets["made_sla"] = _truthy(cells["made_sla"][tickets.index].fillna("")) if "made_sla" in cells else pd.NA
    if "reopen" in cells:
        count = pd.to_numeric(cells["reopen"][tickets.index], errors="coerce")
        tickets["reopened"] = (count > 0).astype("boolean").where(count.notna())
    else:
        tickets["reopened"] = pd.NA
    tickets["due"] = dates["due"][tickets.index] if "due" in dates else pd.NaT
    tickets["closed"] = dates["closed"][tickets.index] if "closed" in dates else pd.NaT
    waiting, pending_states, membership, seen = "none", (), None, ()
    tickets["groups"] = [(g,) if isinstance(g, str) else () for g in tickets["group"]]
    tickets["pending"] = np.nan
    if latest.events is not None:
        pattern = pending_pattern(pending)
        timeline = _timeline(latest.events, cells, dates, pattern)
        by_id = tickets.set_index("id")
        tickets["groups"] = timeline.groups.reindex(by_id.index).where(lambda g: g.notna(), None).to_numpy()
        tickets["groups"] = [g if isinstance(g, tuple) else () for g in tickets["groups"]]
        tickets["closed"] = by_id["closed"].fillna(timeline.closed_state.reindex(by_id.index)).to_numpy()
        _resolution_from_states(tickets, timeline, notes)
        if timeline.spans is not None and not timeline.states:
            waiting, seen = "no_pending", timeline.seen
        elif timeline.spans is not None:
            waiting, pending_states, seen = "states", timeline.states, timeline.seen
            opened = tickets.set_index("id")["opened"]
            resolved = tickets.set_index("id")["resolved"]
            tickets["pending"] = _pending_hours(timeline.spans, opened, resolved, time_zone).to_numpy()
        events = latest.events
        membership = pd.DataFrame({"row": events["row"].to_numpy(), "id": events["id"].to_numpy(),
                                   "group": (cells["group"][events["row"]].to_numpy() if "group" in cells
                                             else None), "rank": np.arange(len(events))})
    tickets = _clean(tickets, pd.Timestamp(now), excluded)
    if tickets.empty:
        raise _refuse(source, "no usable incident is left once " + "; ".join(excluded.lines() or ["nothing"])
                      + " are set aside")
    tickets["priority"] = pd.Categorical(tickets["priority"], categories=list(PRIORITIES))
    return History(source=source, format=kind, columns=mapping, priorities=used, label_counts=label_counts,
                   date_order=order_used, tickets=tickets.sort_values("opened").reset_index(drop=True), rows=rows,
                   excluded=excluded, notes=tuple(notes), now=now, waiting=waiting, pending_states=pending_states,
                   states=seen,
                   membership=membership, time_zone=time_zone)


def pending_pattern(text: str | None) -> re.Pattern:
    """``--pending 'Awaiting User Info|On Hold'`` as a pattern of those states (case and outer spaces aside);
    the default states without it."""
    if text is None or not text.strip():
        return PENDING
    names = [name.strip() for name in text.split("|") if name.strip()]
    return re.compile("^\\s*(?:" + "|".join(re.escape(name) for name in names) + ")\\s*$", re.IGNORECASE)


def _resolution_from_states(tickets: pd.DataFrame, timeline: Timeline, notes: list[Note]) -> None:
    """Resolution instants the resolution column lacks: when the incident entered its resolved state, else
    its closure less the export's usual delay between resolution and closure (auto-closed tickets)."""
    ids = tickets["id"]
    missing = tickets["resolved"].isna()
    from_state = pd.Series(timeline.resolved_state.reindex(ids).to_numpy(), index=tickets.index)
    filled = missing & from_state.notna()
    if filled.any():
        tickets.loc[filled, "resolved"] = from_state[filled]
        notes.append(Note("calibrate.notes.resolved_from_state", {"count": Number(int(filled.sum()))}))
    closed_only = tickets["resolved"].isna() & tickets["closed"].notna()
    if not closed_only.any():
        return
    both = tickets["resolved"].notna() & tickets["closed"].notna() & (tickets["closed"] >= tickets["resolved"])
    delay = pd.Timedelta(0)
    if both.sum() >= MIN_CLOSE_DELAYS:
        delay = (tickets.loc[both, "closed"] - tickets.loc[both, "resolved"]).median()
    tickets.loc[closed_only, "resolved"] = (tickets.loc[closed_only, "closed"] - delay).clip(
        lower=tickets.loc[closed_only, "opened"])
    notes.append(Note("calibrate.notes.closed_only", {"count": Number(int(closed_only.sum())),
                                                      "delay": Number(delay / pd.Timedelta(days=1), 1)}))


def _cells(column: pd.Series) -> pd.Series:
    """Text cells with the 'no value' spellings (``?``, ``NULL``, empty) as NA."""
    stripped = column.str.strip()
    return stripped.mask(stripped.str.lower().isin(MISSING))


def _dates(cells: dict[str, pd.Series], mapping: dict[str, str], order: str | None, time_zone: str, source: str,
           excluded: Exclusions) -> tuple[dict[str, pd.Series], str, list[Note]]:
    """Every date column parsed with one reading of numeric dates for the whole file."""
    parsed = {name: parse_dates(cells[name], order, time_zone) for name in DATE_FIELDS if name in cells}
    for name, column in parsed.items():
        if column.order and column.order.startswith("mixed"):
            _, day_row, month_row = column.order.split(":")
            raise _refuse(source, f"dates are written both day first (row {day_row}: '{cells[name][int(day_row)]}') "
                                  f"and month first (row {month_row}: '{cells[name][int(month_row)]}'): export them "
                                  "in one format, e.g. 2024-03-29 14:05", mapping[name])
    decided = {c.order for c in parsed.values() if c.order in ORDERS}
    if len(decided) > 1:
        first = {name: c.order for name, c in parsed.items() if c.order in ORDERS}
        raise _refuse(source, "the date columns disagree: " + ", ".join(f"'{mapping[n]}' is {o}" for n, o in
                                                                         first.items())
                      + ": export every date in one format, e.g. 2024-03-29 14:05")
    notes: list[Note] = []
    chosen = order or (decided.pop() if decided else None)
    ambiguous = [name for name, c in parsed.items() if c.order == "ambiguous"]
    if ambiguous and chosen is None:
        name = ambiguous[0]
        sample = cells[name].dropna().iloc[0]
        raise _refuse(source, f"dates such as '{sample}' read either day first or month first, and no date of the "
                              "file has a day above 12 to decide: give --dayfirst or --monthfirst", mapping[name])
    if ambiguous:
        parsed.update({name: parse_dates(cells[name], chosen, time_zone) for name in ambiguous})
        if order is None:
            said = Note("calibrate.day_first" if chosen == "day first" else "calibrate.month_first")
            notes.append(Note("calibrate.notes.dates_read", {"columns": ", ".join(repr(mapping[n]) for n in ambiguous),
                                                            "order": said}))
    for name, column in parsed.items():
        bad = column.unreadable
        filled = int(cells[name].notna().sum())
        if len(bad) and len(bad) > UNREADABLE_SHARE * max(filled, 1):
            row = int(bad.iloc[0])
            raise _refuse(source, f"'{cells[name][row]}' is not a date format this reads ({len(bad):,} of {filled:,} "
                                  "values are not): write dates as 2024-03-29 14:05 (ISO), 29/03/2024 14:05 or "
                                  "03/29/2024 2:05 PM", mapping[name], row)
        if len(bad):
            excluded.add(f"with an unreadable '{mapping[name]}' date", bad.to_numpy(), "unreadable_date",
                         column=mapping[name])
    any_numeric = any(c.order is not None for c in parsed.values())
    return ({name: c.values for name, c in parsed.items()}, chosen if any_numeric and chosen else "ISO or named",
            notes)


class Latest(NamedTuple):
    """The rows kept (one per incident) and, for exports with ids, every usable row in each incident's order."""

    kept: pd.Index
    events: pd.DataFrame | None
    """``id``, ``row`` (and ``updated``, ``order`` when the export has them), sorted by incident then time."""


def _latest(cells: dict[str, pd.Series], dates: dict[str, pd.Series], excluded: Exclusions,
            notes: list[Note]) -> Latest:
    """Rows kept: one per incident. An event log (several rows per id with states or update times) keeps each
    incident's latest row; repeated rows of a plain list are duplicates."""
    opened = dates["opened"]
    excluded.add("without an opening date", opened.index[opened.isna() & cells["opened"].isna()], "no_opening")
    index = opened.index[opened.notna()]
    twice = pd.DataFrame({name: column[index] for name, column in cells.items()}).duplicated(keep="last")
    excluded.add("duplicate rows (the same cells twice)", index[twice.to_numpy()], "duplicate_rows")
    index = index[~twice.to_numpy()]
    if "id" not in cells:
        return Latest(index, None)
    ids = cells["id"][index]
    excluded.add("without a ticket id", index[ids.isna().to_numpy()], "no_id")
    index = index[ids.notna().to_numpy()]
    ids = ids[index]
    order = pd.DataFrame({"id": ids, "row": index}, index=index)
    repeated = ids.duplicated(keep=False)
    if not repeated.any():
        return Latest(index, order)
    log = any(name in cells for name in ("updated", "order", "state"))
    sort = ["id"]
    if "order" in cells:  # a modification count orders updates even where the clock repeats an hour
        order["order"] = pd.to_numeric(cells["order"][index], errors="coerce")
        sort.append("order")
    if "updated" in dates:
        order["updated"] = dates["updated"][index]
        sort.append("updated")
    order = order.sort_values([*sort, "row"], kind="stable", na_position="first")
    last = order.drop_duplicates("id", keep="last")["row"]
    dropped = len(index) - len(last)
    if log:
        notes.append(Note("calibrate.notes.event_log", {"dropped": Number(dropped),
                                                    "incidents": Number(ids[repeated].nunique())}))
    else:
        excluded.add("duplicate ticket ids (the last row kept)", order.index.difference(last.to_numpy()),
                     "duplicate_ids")
        order = order.loc[last.to_numpy()]
    return Latest(pd.Index(np.sort(last.to_numpy())), order)


class Timeline(NamedTuple):
    """What an incident's rows say over time, per incident id."""

    resolved_state: pd.Series
    """When it last entered a resolved state (NaT if never)."""
    closed_state: pd.Series
    """When it first entered a closed state (NaT if never)."""
    groups: pd.Series
    """Every group it was assigned to, in order (tuples)."""
    spans: pd.DataFrame | None
    """Pending spells: ``id``, ``start``, ``end`` (NaT when still pending at its last row); None without
    update times and states."""
    states: tuple[str, ...]
    """The export's states counted as pending."""
    seen: tuple[str, ...] = ()
    """Every state of the export (with a state history)."""


def _timeline(order: pd.DataFrame, cells: dict[str, pd.Series], dates: dict[str, pd.Series],
              pending: re.Pattern | None) -> Timeline:
    """Each incident's states and groups over its rows (an event log), or its one row (a list)."""
    rows = order["row"].to_numpy()
    ids = order["id"].to_numpy()
    first = np.r_[True, ids[1:] != ids[:-1]]
    empty = pd.Series(pd.NaT, index=pd.Index(pd.unique(ids)), dtype="datetime64[ns]")
    resolved_state, closed_state, spans, states, seen = empty, empty, None, (), ()
    if "group" in cells:
        group = cells["group"][rows].fillna("").to_numpy()
        frame = pd.DataFrame({"id": ids, "group": group})
        frame = frame[(frame["group"] != "") & ~frame.duplicated()]  # each group once, in the order first met
        starts = np.flatnonzero(np.r_[True, frame["id"].to_numpy()[1:] != frame["id"].to_numpy()[:-1]])
        parts = np.split(frame["group"].to_numpy(dtype=object), starts[1:])
        groups = pd.Series([tuple(part) for part in parts] if len(frame) else [],
                           index=frame["id"].to_numpy()[starts] if len(frame) else [], dtype=object)
    else:
        groups = pd.Series([()] * len(empty), index=empty.index, dtype=object)
    if "state" in cells and "updated" in dates:
        state = cells["state"][rows].fillna("")
        codes, names = pd.factorize(state)
        names = pd.Series(names, dtype=object)
        seen = tuple(sorted(n for n in names if n))

        def matching(pattern: re.Pattern) -> np.ndarray:  # each distinct state tested once
            return names.str.contains(pattern).to_numpy(dtype=bool)[codes]

        when = dates["updated"][rows].to_numpy()
        is_resolved = matching(RESOLVED_STATE)
        is_closed = matching(CLOSED_STATE)
        previous = np.r_[False, is_resolved[:-1]] & ~first
        entered = pd.Series(np.where(is_resolved & ~previous, when, np.datetime64("NaT")), index=ids)
        resolved_state = entered.groupby(level=0, sort=False).max()
        closed_state = pd.Series(np.where(is_closed, when, np.datetime64("NaT")), index=ids).groupby(
            level=0, sort=False).min()
        if pending is not None:
            waits = matching(pending)
            states = tuple(sorted(set(names[names.str.contains(pending)])))
            last = np.r_[ids[1:] != ids[:-1], True]
            after = np.r_[when[1:], np.datetime64("NaT")]
            after = np.where(last, np.datetime64("NaT"), after)
            spans = pd.DataFrame({"id": ids[waits], "start": when[waits], "end": after[waits]})
    return Timeline(resolved_state, closed_state, groups, spans, states, seen)


def real_hours(begin: pd.Series | np.ndarray, end: pd.Series | np.ndarray, time_zone: str) -> np.ndarray:
    """Hours that really elapse between naive local times of ``time_zone`` (a clock change inside counts),
    each read by the calendar's one rule (:func:`sourcing.calendar.wall_clocks`); NaN where either is NaT."""
    from .calendar import wall_clocks

    return (wall_clocks(end, time_zone) - wall_clocks(begin, time_zone)).total_seconds().to_numpy() / 3600


def _pending_hours(spans: pd.DataFrame, opened: pd.Series, resolved: pd.Series, time_zone: str) -> pd.Series:
    """Hours each incident (by id) spent in pending states between its opening and its resolution."""
    if spans.empty:
        return pd.Series(0.0, index=opened.index)
    begin = opened.reindex(spans["id"]).to_numpy()
    end = resolved.reindex(spans["id"]).to_numpy()
    start = np.maximum(spans["start"].to_numpy(), begin)
    stop = spans["end"].to_numpy()
    stop = np.where(np.isnat(stop) | (stop > end), end, stop)
    hours = real_hours(start, stop, time_zone)
    hours = np.where(np.isfinite(hours) & (hours > 0), hours, 0.0)
    return pd.Series(hours, index=spans["id"].to_numpy()).groupby(level=0).sum().reindex(opened.index, fill_value=0.0)


def _clean(tickets: pd.DataFrame, now: pd.Timestamp, excluded: Exclusions) -> pd.DataFrame:
    """Drop incidents opened in the future; keep the others but clear resolution times that cannot be repair
    times (unresolved, negative, absurdly long, in the future), each reason counted."""
    future = tickets["opened"] > now
    excluded.add("opened in the future", tickets.index[future], "future")
    tickets = tickets[~future].copy()
    ttr = (tickets["resolved"] - tickets["opened"]).dt.total_seconds() / 3600
    days = f"{MAX_TTR_HOURS / 24:.0f}"
    reasons = {
        "unresolved (counted as arrivals, not in repair times)": ("unresolved", tickets["resolved"].isna()),
        "resolved before they were opened (not in repair times)": ("negative", ttr < 0),
        f"resolved more than {days} days after opening (not in repair times)": ("too_long", ttr > MAX_TTR_HOURS),
        "resolved in the future (not in repair times)": ("resolved_future", tickets["resolved"] > now),
    }
    for reason, (key, mask) in reasons.items():
        excluded.add(reason, tickets.index[mask.to_numpy()], key, days=days)
        tickets.loc[mask, "resolved"] = pd.NaT
    return tickets


def read_export_file(path: str | Path, **options) -> History:
    """:func:`read_export` on a file, with the file's own problems (missing, a folder, too large) explained."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise _refuse(source, "this is a folder, not a file")
        if size > MAX_EXPORT_BYTES:
            raise _refuse(source, f"the file is {size / MB:,.0f} MB; an export is read up to {MAX_EXPORT_BYTES // MB} "
                                  "MB: export a shorter period, or fewer columns")
        content = path.read_bytes()
    except FileNotFoundError:
        raise _refuse(source, "file not found") from None
    except OSError as exc:
        raise _refuse(source, f"cannot read the file: {exc.strerror or exc}") from None
    return read_export(content, source, **options)
