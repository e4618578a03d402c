"""The tender grid procurement sends to providers: one column per provider, one row per field.

``template`` writes the grid as an Excel workbook, with units and allowed values beside each row;
``read_grid`` reads a filled grid (xlsx or CSV) back into the same data a YAML tender file holds,
and validates it through the same path, so a wrong cell is reported with the provider and the row.

A grid is read right or refused, never guessed. Columns keep their positions: the providers start in
column D, under A1:C1 as the template writes them; a column with values under a blank name (or a name
typed as a formula Excel never computed) is refused, a wholly empty column ignored, and two columns
whose names differ only by case, spaces or Unicode form are refused, naming both. A row with values
but no field name, a field given twice, and merged cells that would hide a field name or a provider's
name are refused with their rows; a value merged down or across providers' cells is read in every cell
it covers, as Excel shows it. The file is read within the limits of :mod:`sourcing.workbook`, and each
cell by :mod:`sourcing.row_kinds` (French numbers, durations and amounts from :mod:`sourcing.numbers`, and
the ambiguity rules of each row kind).
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, ScenarioError
from .files import decode, parse_yaml, read_text, validate
from .model import PRIORITIES
from .numbers import CellError
from .row_kinds import read_cell
from .tender import DEFAULT_CRITERIA, DEFAULT_WEIGHTS, Criterion, Tender
from .workbook import (
    MAX_COLUMNS,
    MAX_CSV_BYTES,
    MAX_XLSX_BYTES,
    MB,
    Cell,
    Sheet,
    column_letter,
    read_csv_table,
    read_workbook,
)

FIRST_PROVIDER_COLUMN = 4  # columns: field, question, unit, then one per provider
HEADINGS = ("field", "question", "unit and allowed values")
"""Row 1 of the grid before the providers' names."""
HEADINGS_FR = ("champ", "question", "unité et valeurs admises")
"""The same headings in a grid sent out in French (``template(lang="fr")``): read alike."""
MAX_PROVIDERS = MAX_COLUMNS - (FIRST_PROVIDER_COLUMN - 1)
"""Most providers a grid may hold (60)."""
MAX_FILE_BYTES = max(MAX_XLSX_BYTES, MAX_CSV_BYTES)
"""Largest offers file ``load_tender`` reads from disk (5 MB); each format then has its own limit."""


@dataclass(frozen=True)
class Row:
    """One line of the grid: the field it fills, the question asked, and what may be written."""

    key: str
    question: str
    kind: str
    allowed: str
    required: bool = True


def _rows(criteria: dict[str, Criterion]) -> list[Row]:
    rows = [
        Row("provider", "Provider (legal name)", "text", "text"),
        Row("description", "Offer in one sentence", "text", "text", required=False),
        Row("coverage", "Coverage window: the hours the contract clock runs",
            "text", "HO, HNO, 24/7, or rules such as 'Mon-Sat 07:00-20:00' (public holidays closed)"),
    ]
    rows += [Row(f"gti.{p}", f"GTI {p}: time until a qualified engineer starts", "hours",
                 "covered hours, e.g. 0.5 or '30min'; 'none' if not guaranteed", required=False) for p in PRIORITIES]
    rows += [Row(f"gtr.{p}", f"GTR {p}: time until the service is restored", "hours",
                 "covered hours, e.g. 4 or '4h' (at most one week of the coverage window)") for p in PRIORITIES]
    rows += [Row(f"performance.within_gtr.{p}", f"Declared performance {p}: share restored within the GTR",
                 "share", "percentage, e.g. 95%") for p in PRIORITIES]
    rows += [Row(f"performance.median.{p}",
                 f"Median restoration time {p} (optional: makes the declared share more precise)", "hours",
                 "covered hours, e.g. 0.5 or '30min', shorter than the GTR if more than half are restored within "
                 "it; empty if not known", required=False) for p in PRIORITIES]
    rows += [
        Row("capacity", "Engineers handling our incidents at the same time", "count",
            "whole number; empty if not limited", required=False),
        Row("fees.monthly", "Fixed monthly fee", "money", "amount in the tender's currency"),
        Row("fees.tickets_included", "Tickets per month included in the fee", "count", "whole number"),
        Row("fees.extra_ticket", "Price per extra ticket", "money", "amount"),
        Row("fees.hno_multiplier", "Multiplier on the ticket price for interventions outside business hours",
            "number", "1 or more, e.g. 1.5"),
    ]
    rows += [Row(f"penalties.per_breach.{p}", f"Penalty per GTR breach {p}", "charge",
                 "amount ('500 EUR') or share of the monthly fee ('5%'); empty if none", required=False)
             for p in PRIORITIES]
    rows += [Row(f"penalties.per_hour_late.{p}", f"Penalty per started hour beyond the GTR {p}", "charge",
                 "amount or share of the monthly fee; empty if none", required=False) for p in PRIORITIES]
    rows += [
        Row("penalties.monthly_cap", "Monthly cap on penalties", "charge",
            "amount or share of the monthly fee; empty if no cap", required=False),
        Row("transition.cost", "Transition (take-over) cost", "money", "amount"),
        Row("transition.duration", "Transition duration", "months", "months, e.g. 3"),
        Row("retained.fte", "Retained organisation we must keep (FTE)", "number", "e.g. 0.3"),
        Row("retained.annual_cost", "Loaded annual cost of one retained FTE", "money", "amount"),
        Row("contract_years", "Contract length", "years", "years"),
        Row("indexation", "Yearly price indexation", "rate", "percentage, e.g. 2%"),
        Row("exit_cost", "Exit / reversibility cost", "money", "amount"),
        Row("hosting", "Who hosts the platform", "text", "'client' (we keep our infrastructure) or 'included'"),
    ]
    rows += [Row(f"scores.{key}", f"Score: {c.label}", "number", f"{c.low:g} to {c.high:g}: {c.description}")
             for key, c in criteria.items()]
    return rows


ROWS = _rows(DEFAULT_CRITERIA)


def _family(key: str) -> tuple[str, str]:
    """A row's catalogue name and its priority: ``penalties.per_breach.P1`` -> (``penalties_per_breach``, P1)."""
    head, _, last = key.rpartition(".")
    if last in PRIORITIES:
        return head.replace(".", "_"), last
    return key.replace(".", "_"), ""


def row_words(row: Row, currency: str, lang: str = "en") -> tuple[str, str]:
    """The question and the unit and allowed values of a row, in the reader's language (the grid sent out)."""
    from .words import known, say

    if lang == "en":
        unit = row.allowed.replace("the tender's currency", currency)
        if row.kind == "money":
            unit = f"{currency}: {unit}"
        optional = "" if row.required or "(optional" in row.question else say("grid.optional", lang)
        return row.question + optional, unit
    family, priority = _family(row.key)
    if family.startswith("scores_"):
        key = family.removeprefix("scores_")
        criterion = DEFAULT_CRITERIA[key]
        label = say(f"criterion.{key}", lang) if known(f"criterion.{key}") else criterion.label
        describe = say(f"grid.describe.{key}", lang) if known(f"grid.describe.{key}") else criterion.description
        return (say("grid.question.score", lang, label=label),
                say("grid.allowed.score", lang, low=f"{criterion.low:g}", high=f"{criterion.high:g}",
                    description=describe))
    question = say(f"grid.question.{family}", lang, p=priority)
    optional = "" if row.required or "(optional" in row.question else say("grid.optional", lang)
    return question + optional, say(f"grid.allowed.{family}", lang, currency=currency)


def template(providers: list[str] | None = None, currency: str = "EUR", name: str | None = None,
             services: list[str] | None = None, scenario: str | None = None, lang: str = "en") -> bytes:
    """An empty grid as an Excel workbook: sheet 'Offers' to fill, sheet 'Tender' for the settings. The
    questions, units and headings are in the reader's language; the field names (column A), the setting
    names and the sheets' names stay as :func:`read_grid` reads them."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from .words import say

    providers = providers or [say("grid.default_provider", lang, letter=letter) for letter in "ABC"]
    name = name or say("grid.default_name", lang)
    book = Workbook()
    sheet = book.active
    sheet.title = "Offers"
    sheet.append([*(say(f"grid.headings.{k}", lang) for k in ("field", "question", "unit")), *providers])
    for row in ROWS:
        question, unit = row_words(row, currency, lang)
        sheet.append([row.key, question, unit])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for r in range(2, len(ROWS) + 2):
        for c in range(FIRST_PROVIDER_COLUMN, FIRST_PROVIDER_COLUMN + len(providers)):
            sheet.cell(row=r, column=c).fill = fill
        sheet.cell(row=r, column=3).alignment = Alignment(wrap_text=True)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 60
    sheet.column_dimensions["C"].width = 50
    settings = book.create_sheet("Tender")
    settings.append([say(f"grid.sheet.{k}", lang) for k in ("setting", "value", "meaning")])
    settings.append(["name", name, say("grid.sheet.name", lang)])
    settings.append(["currency", currency, say("grid.sheet.currency", lang)])
    settings.append(["services", ", ".join(services or []), say("grid.sheet.services", lang)])
    settings.append(["scenario", scenario or "", say("grid.sheet.scenario", lang)])
    for key, weight in DEFAULT_WEIGHTS.items():
        settings.append([f"weight.{key}", weight, say("grid.sheet.weight", lang)])
    settings.append(["requirement.coverage", "", say("grid.sheet.requirement_coverage", lang)])
    for priority in PRIORITIES:
        settings.append([f"requirement.gtr.{priority}", "", say("grid.sheet.requirement_gtr", lang, p=priority)])
    for key in DEFAULT_CRITERIA:
        settings.append([f"requirement.score.{key}", "", say("grid.sheet.requirement_score", lang,
                                                             label=say(f"criterion.{key}", lang))])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def is_tender(path: str | Path) -> bool:
    """True for a filled grid, or a YAML file whose top level holds offers and no calendar."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".csv"):
        return True
    try:
        data, _ = parse_yaml(read_text(path), str(path))
    except ScenarioError:
        return False
    return isinstance(data, dict) and "offers" in data and "calendar" not in data


def load_tender(path: str | Path, lang: str | None = None) -> Tender:
    """A tender from a YAML file or a filled grid (xlsx or CSV); anything else is a ScenarioError. A YAML
    file's names and descriptions are in ``lang`` where it translates them."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".xlsx", ".csv"):
        raise ScenarioError([Problem((), f"'{suffix}' files are not offers: give a .yaml, .xlsx or .csv file")],
                            source=str(path))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([Problem((), f"the file is {size / MB:.1f} MB; an offers file or grid is at most "
                                             f"{MAX_FILE_BYTES // MB} MB")], source=str(path))
        content = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem((), "file not found")], source=str(path)) from None
    except OSError as exc:
        raise ScenarioError([Problem((), f"the file cannot be read: {exc.strerror or exc}")],
                            source=str(path)) from None
    if suffix in (".yaml", ".yml"):
        data, root = parse_yaml(decode(content, str(path)), str(path))
        return validate(Tender, data, str(path), root, lang)
    return read_grid(content, str(path), kind=suffix[1:])


def read_grid(content: bytes, source: str, kind: str) -> Tender:
    """A filled grid (``kind`` 'xlsx' or 'csv') as a validated tender, or a ScenarioError whose every problem
    names the provider, the row (number and field) and what to write. Never a guess: see
    :mod:`sourcing.row_kinds` for how each cell is read and :mod:`sourcing.workbook` for the limits on the
    file."""
    if kind == "xlsx":
        sheets = read_workbook(content, source, "Offers", ("Tender",))
        grid, tender_sheet = sheets["Offers"], sheets.get("Tender")
    elif kind == "csv":
        grid, tender_sheet = read_csv_table(content, source), None
    else:
        raise ScenarioError([Problem((), f"'{kind}' is not a grid format: give an .xlsx or .csv file")], source=source)
    problems: list[Problem] = []
    settings, setting_lines = _settings(tender_sheet, problems) if tender_sheet is not None else ({}, {})
    currency = settings.get("currency", "EUR")
    rows = _unmerged(grid, "Offers", labels=FIRST_PROVIDER_COLUMN - 1, names_row=True, problems=problems)
    if not rows:
        raise ScenarioError([*problems, Problem((), "the sheet 'Offers' is empty: fill the template's grid", 1)],
                            source=source)
    headings = _headings(rows[0])
    if headings:  # the columns are not where the template puts them: reading on would misplace every value
        raise ScenarioError(headings, source=source)
    columns = _provider_columns(rows, problems)
    rows_by_key = {row.key: row for row in ROWS}
    folded_keys = {_fold(row.key): row for row in ROWS}
    line_of: dict[str, int] = {}
    offers: dict[str, dict] = {name: {} for name in columns.values()}
    for number, line in enumerate(rows[1:], start=2):
        values = {c: line[c] for c in columns if not line[c].empty}
        stray = [c for c in range(FIRST_PROVIDER_COLUMN - 1, len(line)) if c not in columns and not line[c].empty]
        key_cell = line[0]
        if key_cell.problem:
            problems.append(Problem((), f"row {number}: {key_cell.problem}", number))
            continue
        key = _label(key_cell)
        if not key:
            if values or stray:
                template_row = ROWS[number - 2].key if 0 <= number - 2 < len(ROWS) else None
                hint = f" (the template has '{template_row}' on this row)" if template_row else ""
                problems.append(Problem((), f"row {number} has values but no field name in column A: write the "
                                            f"field{hint}", number))
            continue
        row = folded_keys.get(_fold(key))
        if row is None:
            problems.append(Problem((), f"row {number}: '{key}' is not a field of the grid", number))
            continue
        if row.key in line_of:
            problems.append(Problem((), f"rows {line_of[row.key]} and {number} both fill '{row.key}' "
                                        f"({row.question}): keep one", number))
            continue
        line_of[row.key] = number
        for column, cell in values.items():
            provider = columns[column]
            where = f"provider '{provider}', row {number} ({row.question}), cell {column_letter(column + 1)}{number}"
            path = ("offers", provider, *row.key.split("."))
            if cell.problem:
                problems.append(Problem(path, f"{where}: {cell.problem}", number))
                continue
            try:
                value = read_cell(cell.value, row.kind, cell.number_format, currency)
            except CellError as exc:
                problems.append(Problem(path, f"{where}: {exc}", number))
                continue
            _put(offers[provider], row.key, value)
    if not problems:
        for column, provider in columns.items():
            if not offers[provider]:
                problems.append(Problem(("offers", provider), f"provider '{provider}' (column "
                                        f"{column_letter(column + 1)}) has answered nothing: fill the column or "
                                        "delete it", 1))
    if problems:
        raise ScenarioError(_capped(problems), source=source)
    data: dict[str, Any] = {
        "name": settings.get("name") or Path(source).stem,
        "currency": currency,
        "offers": offers,
    }
    for key in ("services", "scenario", "weights", "requirements"):
        if settings.get(key):
            data[key] = settings[key]
    try:
        return validate(Tender, data, source)
    except ScenarioError as exc:
        located = [_setting_located(p, setting_lines) if p.path and p.path[0] != "offers"
                   else _located(p, line_of, rows_by_key) for p in exc.problems]
        raise ScenarioError(_capped(located), source=source) from None


MAX_PROBLEMS = 100
"""Most problems reported at once; the rest are counted."""


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], Problem((), f"... and {len(problems) - MAX_PROBLEMS} more problems")]


def _fold(text: str) -> str:
    """Text as compared: compatibility-normalised, case-insensitive, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _label(cell: Cell) -> str:
    """A heading or field name as text ('' when there is none)."""
    try:
        value = read_cell(cell.value, "text")
    except CellError:
        return ""
    return value or ""


def _unmerged(sheet: Sheet, name: str, labels: int, names_row: bool, problems: list[Problem]) -> list[list[Cell]]:
    """The sheet's cells as Excel shows them: a merged range shows its first cell's value in every cell.

    Refused instead (spreading would misread): a range over column A and more than one row (the rows
    below would lose their field name), a range over both the label columns and the providers', and,
    with ``names_row``, a range over a provider's name in row 1.
    """
    width = max((len(line) for line in sheet.rows), default=0)
    rows = [line + [Cell()] * (width - len(line)) for line in sheet.rows]
    for r1, c1, r2, c2 in sheet.merges:
        if (r1, c1) == (r2, c2) or r1 > len(rows) or c1 > width:
            continue
        ref = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
        values = c2 > labels
        if c1 <= labels and values:
            problems.append(Problem((), f"sheet '{name}': cells {ref} are merged across the label columns and the "
                                        "values: unmerge them", r1))
        elif c1 == 1 and r2 > r1:
            lost = f"row {r2} has" if r2 == r1 + 1 else f"rows {r1 + 1} to {r2} have"
            problems.append(Problem((), f"sheet '{name}': cells {ref} are merged, so {lost} no name in column A: "
                                        "unmerge them and write each row's field", r1))
        elif values and names_row and r1 == 1:
            problems.append(Problem((), f"sheet '{name}': cells {ref} are merged in row 1: each provider needs its "
                                        "own column with its name in row 1", 1))
        elif values:
            first = rows[r1 - 1][c1 - 1]
            for r in range(r1, min(r2, len(rows)) + 1):
                for c in range(c1, min(c2, width) + 1):
                    rows[r - 1][c - 1] = first
    return rows


def _headings(header: list[Cell]) -> list[Problem]:
    """A1 to C1 must be empty or hold the template's headings, so that the providers start in column D."""
    problems = []
    for k, heading in enumerate(HEADINGS):
        text = _label(header[k]) if k < len(header) else ""
        if text and _fold(text) not in (heading, _fold(HEADINGS_FR[k])):
            problems.append(Problem((), f"cell {column_letter(k + 1)}1 reads '{text[:60]}' where the template has "
                                        f"'{heading}': the first three columns are {', '.join(HEADINGS)} and the "
                                        "providers start in column D; restore the template's columns", 1))
    return problems


def _provider_columns(rows: list[list[Cell]], problems: list[Problem]) -> dict[int, str]:
    """Provider name by 0-based column, each column where it stands: a blank name over values, a name
    that is not text and two columns with the same name are refused."""
    header, body = rows[0], rows[1:]
    columns: dict[int, str] = {}
    seen: dict[str, int] = {}
    for column in range(FIRST_PROVIDER_COLUMN - 1, len(header)):
        letter = column_letter(column + 1)
        answered = any(not line[column].empty for line in body)
        cell = header[column]
        name = _label(cell)
        if not name:
            if cell.problem:
                problems.append(Problem((), f"{cell.problem} (the provider's name)", 1))
            elif not cell.empty:
                problems.append(Problem((), f"cell {letter}1 holds {cell.value!r}: write the provider's name", 1))
            elif answered:
                problems.append(Problem((), f"column {letter} has values but no provider name in row 1: write the "
                                            "provider's name", 1))
            continue
        folded = _fold(name)
        if folded in seen:
            problems.append(Problem((), f"columns {column_letter(seen[folded] + 1)} and {letter} both hold provider "
                                        f"'{name}': give each offer its own name", 1))
            continue
        seen[folded] = column
        columns[column] = name
    if not columns and not problems:
        problems.append(Problem((), "the grid has no provider column (one column per provider after "
                                    "'unit and allowed values', with the provider's name in row 1)", 1))
    return columns


SETTINGS = ("name", "currency", "services", "scenario")
"""Settings of the sheet 'Tender', besides 'weight.<criterion>'."""
CURRENCIES = {"EUR": "EUR", "€": "EUR", "USD": "USD", "$": "USD", "GBP": "GBP", "£": "GBP", "CHF": "CHF"}


def _settings(sheet: Sheet, problems: list[Problem]) -> tuple[dict[str, Any], dict[str, int]]:
    """The sheet 'Tender' as tender fields (name, currency, services, scenario and weights), and the row
    of each setting."""
    rows = _unmerged(sheet, "Tender", labels=1, names_row=False, problems=problems)
    found: dict[str, Any] = {}
    weights: dict[str, float] = {}
    requirements: dict[str, Any] = {}
    line_of: dict[str, int] = {}
    for number, line in enumerate(rows[1:], start=2):
        key_cell, cell = line[0], (line[1] if len(line) > 1 else Cell())
        where = f"sheet 'Tender', row {number}"
        key = _fold(_label(key_cell))
        if not key:
            if not cell.empty or key_cell.problem:
                problems.append(Problem((), f"{where} has a value but no setting name in column A", number))
            continue
        if key not in SETTINGS and not key.startswith(("weight.", "requirement.")):
            problems.append(Problem((), f"{where}: '{key}' is not a setting (settings: {', '.join(SETTINGS)}, "
                                        "weight.<criterion>, requirement.coverage, requirement.gtr.P1 to P4, "
                                        "requirement.score.<criterion>)", number))
            continue
        if key in line_of:
            problems.append(Problem((), f"{where}: '{key}' is already set on row {line_of[key]}: keep one", number))
            continue
        line_of[key] = number
        if cell.problem:
            problems.append(Problem((), f"{where}: {cell.problem}", number))
            continue
        try:
            if key.startswith("weight."):
                weight = read_cell(cell.value, "number", cell.number_format)
                if weight is not None:
                    weights[key.removeprefix("weight.")] = weight
                continue
            if key.startswith("requirement."):
                place = _requirement(key)
                if place is None:
                    problems.append(Problem((), f"{where}: '{key}' is not a requirement (requirement.coverage, "
                                                "requirement.gtr.P1 to P4, requirement.score.<criterion>)", number))
                    continue
                value = read_cell(cell.value, REQUIREMENT_KINDS[place[0]], cell.number_format)
                if value is not None and value != "none":  # no ceiling written: no requirement
                    target = requirements
                    for part in place[:-1]:
                        target = target.setdefault(part, {})
                    target[place[-1]] = value
                continue
            text = read_cell(cell.value, "text")
        except CellError as exc:
            problems.append(Problem((), f"{where} ({key}): {exc}", number))
            continue
        if not text:
            continue
        if key == "currency":
            if text.upper() not in CURRENCIES:
                problems.append(Problem(("currency",), f"{where}: the currency '{text}' is not one of EUR, USD, "
                                                       "GBP, CHF", number))
                continue
            text = CURRENCIES[text.upper()]
        if key == "services":
            found[key] = [s.strip() for s in re.split(r"[,;]", text) if s.strip()]
        else:
            found[key] = text
    if weights:
        found["weights"] = weights
    if requirements:
        found["requirements"] = requirements
    return found, line_of


REQUIREMENT_KINDS = {"coverage": "text", "gtr": "hours", "scores": "number"}
"""How a requirement's cell is read (the tender's ``requirements:``)."""


def _requirement(key: str) -> tuple[str, ...] | None:
    """Where a setting ``requirement.…`` goes in the tender's ``requirements``: ``requirement.gtr.p1`` ->
    (gtr, P1); None when it names no requirement."""
    parts = key.split(".")[1:]
    if parts == ["coverage"]:
        return ("coverage",)
    if len(parts) == 2 and parts[0] == "gtr" and parts[1].upper() in PRIORITIES:
        return ("gtr", parts[1].upper())
    if len(parts) == 2 and parts[0] == "score" and parts[1]:
        return ("scores", parts[1])
    return None


def _setting_located(problem: Problem, lines: dict[str, int]) -> Problem:
    """A problem with a tender setting, placed on its row of the sheet 'Tender' when it has one."""
    key = "weight." + str(problem.path[1]) if problem.path[0] == "weights" and len(problem.path) > 1 \
        else str(problem.path[0])
    if problem.path[0] == "requirements" and len(problem.path) > 1:
        tail = [str(p) for p in problem.path[1:]]
        head = "score" if tail[0] == "scores" else tail[0]
        key = "requirement." + ".".join([head, *(t.casefold() for t in tail[1:])])
    line = lines.get(key)
    if line is None:
        return problem
    return Problem(problem.path, f"sheet 'Tender', row {line} ({key}): {problem.message}", line)


def _located(problem: Problem, line_of: dict[str, int], rows: dict[str, Row]) -> Problem:
    path = problem.path
    if len(path) < 2 or path[0] != "offers":
        return problem
    provider, rest = str(path[1]), ".".join(str(p) for p in path[2:])
    keys = [k for k in line_of if k == rest or k.startswith(rest + ".")] if rest else []
    if not keys and rest:
        keys = [k for k in rows if k == rest or k.startswith(rest + ".")]
    where = f"provider '{provider}'"
    line = None
    if keys:
        key = keys[0]
        line = line_of.get(key)
        where += f", row {line} ({rows[key].question})" if line else f", field {key} ({rows[key].question}: missing)"
    return Problem(path, f"{where}: {problem.message}", line)


def _put(target: dict, key: str, value: Any) -> None:
    parts = key.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def tender_yaml(tender: Tender) -> str:
    """The tender written back as a YAML file."""
    data = tender.model_dump(mode="json", by_alias=True, exclude_none=True, context={"currency": tender.currency})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
