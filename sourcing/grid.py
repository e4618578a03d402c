"""The tender grid procurement sends to providers: one column per provider, one row per field.

``template`` writes the grid as an Excel workbook, with units and allowed values beside each row;
``read_grid`` reads a filled grid (xlsx or CSV) back into the same data a YAML tender file holds,
and validates it through the same path, so a wrong cell is reported with the provider and the row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, ScenarioError
from .files import parse_yaml, validate
from .model import PRIORITIES
from .tender import DEFAULT_CRITERIA, DEFAULT_WEIGHTS, Criterion, Tender

FIRST_PROVIDER_COLUMN = 4  # columns: field, question, unit, then one per provider


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
        Row("contract_years", "Contract length", "count", "years"),
        Row("indexation", "Yearly price indexation", "share", "percentage, e.g. 2%"),
        Row("exit_cost", "Exit / reversibility cost", "money", "amount"),
        Row("hosting", "Who hosts the platform", "text", "'client' (we keep our infrastructure) or 'included'"),
    ]
    rows += [Row(f"scores.{key}", f"Score: {c.label}", "number", f"{c.low:g} to {c.high:g}: {c.description}")
             for key, c in criteria.items()]
    return rows


ROWS = _rows(DEFAULT_CRITERIA)


def template(providers: list[str] | None = None, currency: str = "EUR", name: str = "Call for tenders",
             services: list[str] | None = None, scenario: str | None = None) -> bytes:
    """An empty grid as an Excel workbook: sheet 'Offers' to fill, sheet 'Tender' for the settings."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    providers = providers or ["Provider A", "Provider B", "Provider C"]
    book = Workbook()
    sheet = book.active
    sheet.title = "Offers"
    sheet.append(["field", "question", "unit and allowed values", *providers])
    for row in ROWS:
        unit = row.allowed.replace("the tender's currency", currency)
        if row.kind == "money":
            unit = f"{currency}: {unit}"
        optional = "" if row.required or "(optional" in row.question else " (optional)"
        sheet.append([row.key, row.question + optional, unit])
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
    settings.append(["setting", "value", "meaning"])
    settings.append(["name", name, "name of the call for tenders"])
    settings.append(["currency", currency, "currency of every amount"])
    settings.append(["services", ", ".join(services or []), "services the offers are for (empty: all)"])
    settings.append(["scenario", scenario or "", "base scenario file (optional)"])
    for key, weight in DEFAULT_WEIGHTS.items():
        settings.append([f"weight.{key}", weight, "ranking weight (any scale; normalised)"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def is_tender(path: str | Path) -> bool:
    """True for a filled grid, or a YAML file whose top level holds offers and no calendar."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".csv"):
        return True
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError):
        return False
    return isinstance(data, dict) and "offers" in data and "calendar" not in data


def load_tender(path: str | Path) -> Tender:
    """A tender from a YAML file or a filled grid (xlsx or CSV)."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError([Problem((), "file not found")], source=str(path))
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        data, root = parse_yaml(path.read_text(encoding="utf-8"), str(path))
        return validate(Tender, data, str(path), root)
    if suffix == ".xlsx":
        return read_grid(path.read_bytes(), str(path), kind="xlsx")
    if suffix == ".csv":
        return read_grid(path.read_bytes(), str(path), kind="csv")
    raise ScenarioError([Problem((), f"'{suffix}' files are not offers: give a .yaml, .xlsx or .csv file")],
                        source=str(path))


def read_grid(content: bytes, source: str, kind: str) -> Tender:
    """Validate a filled grid; every problem names the provider and the row of the grid."""
    cells, settings = _read_xlsx(content, source) if kind == "xlsx" else (_read_csv(content, source), {})
    header, body = cells[0], cells[1:]
    providers = [str(p).strip() for p in header[FIRST_PROVIDER_COLUMN - 1:] if p not in (None, "")]
    if not providers:
        raise ScenarioError([Problem((), "the grid has no provider column (one column per provider after "
                                         "'unit and allowed values')", 1)], source=source)
    currency = str(settings.get("currency") or "EUR")
    rows_by_key = {row.key: row for row in ROWS}
    line_of: dict[str, int] = {}
    offers: dict[str, dict] = {p: {} for p in providers}
    problems: list[Problem] = []
    for number, line in enumerate(body, start=2):
        key = str(line[0]).strip() if line and line[0] is not None else ""
        if not key:
            continue
        row = rows_by_key.get(key)
        if row is None:
            problems.append(Problem((), f"row {number}: '{key}' is not a field of the grid", number))
            continue
        line_of[key] = number
        for column, provider in enumerate(providers, start=FIRST_PROVIDER_COLUMN - 1):
            value, percent = line[column] if column < len(line) else (None, False)
            if value in (None, ""):
                continue
            _put(offers[provider], key, _convert(value, percent, row.kind, currency))
    if problems:
        raise ScenarioError(problems, source=source)
    data: dict[str, Any] = {
        "name": str(settings.get("name") or Path(source).stem),
        "currency": currency,
        "offers": {provider: offer for provider, offer in offers.items()},
    }
    services = [s.strip() for s in str(settings.get("services") or "").split(",") if s.strip()]
    if services:
        data["services"] = services
    if settings.get("scenario"):
        data["scenario"] = str(settings["scenario"])
    weights = {k.removeprefix("weight."): float(v) for k, v in settings.items()
               if k.startswith("weight.") and v not in (None, "")}
    if weights:
        data["weights"] = weights
    try:
        return validate(Tender, data, source)
    except ScenarioError as exc:
        raise ScenarioError([_located(p, line_of, rows_by_key) for p in exc.problems], source=source) from None


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


def _convert(value: Any, percent: bool, kind: str, currency: str) -> Any:
    """A cell as the text a YAML file would hold (numbers get the unit the grid states for the row)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text.replace(" ", "").replace("\u00a0", ""))
        except ValueError:
            return text  # text with its own unit ('4h', '5%', '500 EUR', 'none'), checked by validation
        if kind == "text":
            return text
    else:
        number = float(value)
    if kind == "hours":
        return f"{number:g}h"
    if kind == "months":
        return f"{number:g}mo"
    if kind == "share":
        return f"{number * 100:g}%" if percent or number <= 1 else f"{number:g}%"
    if kind == "charge":
        return f"{number * 100:g}%" if percent else f"{number:g} {currency}"
    if kind == "money":
        return f"{number:g} {currency}"
    if kind == "count":
        return int(number) if number.is_integer() else number
    return number


def _put(target: dict, key: str, value: Any) -> None:
    parts = key.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _read_xlsx(content: bytes, source: str) -> tuple[list[list[tuple[Any, bool]]], dict[str, Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ScenarioError([Problem((), f"this is not an Excel workbook: {exc}")], source=source) from None
    if "Offers" not in book.sheetnames:
        raise ScenarioError([Problem((), f"the workbook has no sheet 'Offers' (sheets: {', '.join(book.sheetnames)})")],
                            source=source)
    rows = [[(cell.value, "%" in (cell.number_format or "")) for cell in line] for line in book["Offers"].iter_rows()]
    if not rows:
        raise ScenarioError([Problem((), "the sheet 'Offers' is empty")], source=source)
    header = [value for value, _ in rows[0]]
    body = [[line[0][0], *line[1:]] if line else [] for line in rows[1:]]
    settings = {}
    if "Tender" in book.sheetnames:
        for line in book["Tender"].iter_rows(min_row=2, values_only=True):
            if line and line[0]:
                settings[str(line[0]).strip()] = line[1] if len(line) > 1 else None
    return [header, *body], settings


def _read_csv(content: bytes, source: str) -> list[list]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError([Problem((), "the CSV file is not UTF-8 text")], source=source) from None
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise ScenarioError([Problem((), "the CSV file is empty")], source=source)
    header = lines[0]
    return [header] + [[line[0] if line else None, *[(cell, False) for cell in line[1:]]] for line in lines[1:]]


def tender_yaml(tender: Tender) -> str:
    """The tender written back as a YAML file."""
    data = tender.model_dump(mode="json", by_alias=True, exclude_none=True, context={"currency": tender.currency})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
