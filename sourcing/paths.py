"""Parameter paths: one notation, everywhere (command line, batch files, the app), to read or change one
value of a scenario file without editing it.

A path names a value as a consultant reads the file: ``providers.msp.fees.monthly``,
``teams.ops.members[0].count``, ``services.email.incidents.per_month``. A name holding a dot is quoted:
``services["e.mail"].users``. Values are written as in the file, with their units (``4200 EUR``, ``4h``,
``5%``); a changed file goes through the same validation as a file, so a wrong value gets the same
message, with the path.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import Problem, ScenarioError
from .scenario import Study
from .units import OutOfBounds, format_duration, format_percent, parse_duration, parse_fraction, parse_money

Path = tuple[str | int, ...]
_TOKEN = re.compile(r'\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\[\'((?:[^\'\\]|\\.)*)\'\]|([^.\[\]]+)')


def parse_path(text: str) -> Path:
    """``teams.ops.members[0].count`` as ``("teams", "ops", "members", 0, "count")``."""
    text = text.strip()
    if not text:
        raise ValueError("an empty path: write e.g. providers.msp.fees.monthly")
    parts: list[str | int] = []
    position = 0
    while position < len(text):
        if text[position] == "." and parts:
            position += 1
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"'{text}' is not a path: write names joined by dots and list positions in brackets, "
                             "e.g. teams.ops.members[0].count")
        index, double, single, name = match.groups()
        parts.append(int(index) if index is not None else (double if double is not None else
                                                          single if single is not None else name.strip()))
        position = match.end()
    return tuple(parts)


def path_text(path: Path) -> str:
    """The path as written: names joined by dots, positions in brackets, odd names quoted."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[^.\[\]\s\"']+", str(part)):
            text += ("." if text else "") + str(part)
        else:
            text += f'["{part}"]'
    return text


def study_data(study: Study) -> dict:
    """The study as the data of its file: every default written out, values with their units."""
    return study.model_dump(mode="json", by_alias=True, exclude_none=True, context={"currency": study.currency})


def locate(data: Any, path: Path, source: str = "--set", report: Path | None = None) -> Any:
    """The value at ``path``; a path that does not exist is a ScenarioError saying what exists there
    (reported under ``report``, the whole path the user wrote, when given)."""
    shown = path if report is None else report
    node = data
    for depth, part in enumerate(path):
        here = path[:depth]
        if isinstance(node, dict):
            if part not in node:
                raise ScenarioError([Problem(shown, _missing(str(part), list(node), here))], source=source)
            node = node[part]
        elif isinstance(node, list):
            if not isinstance(part, int) or not 0 <= part < len(node):
                raise ScenarioError([Problem(shown, f"{path_text(here) or 'the file'} is a list of {len(node)}: write "
                                                   f"a position from [0] to [{len(node) - 1}]")], source=source)
            node = node[part]
        else:
            raise ScenarioError([Problem(shown, f"{path_text(here)} is a single value ({node!r}), it has no "
                                               f"'{part}'")], source=source)
    return node


def _missing(name: str, known: list, here: Path) -> str:
    close = difflib.get_close_matches(name, [str(k) for k in known], n=1)
    where = path_text(here) or "the top level"
    if close:
        return f"'{name}' is not under {where}: did you mean '{close[0]}'?"
    shown = ", ".join(str(k) for k in known[:12]) + (" ..." if len(known) > 12 else "")
    return f"'{name}' is not under {where} (there: {shown})"


def with_values(study: Study, changes: dict[str, Any], source: str = "--set") -> Study:
    """The study with each ``path: value`` set (values as written in a file: text with units, numbers,
    lists), validated as a file; an unknown path or a wrong value is a ScenarioError naming the path.
    A field left to its default may be set too (``providers.msp.capacity``)."""
    from .files import _fields_at, study_from_data

    data = copy.deepcopy(study_data(study))
    for text, value in changes.items():
        path = parse_path(text)
        parent = locate(data, path[:-1], source, report=path) if len(path) > 1 else data
        last = path[-1]
        if isinstance(parent, dict) and (last in parent or last in _fields_at(path[:-1])):
            parent[last] = value
        elif isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
            parent[last] = value
        elif isinstance(parent, dict):
            known = list(dict.fromkeys([*parent, *_fields_at(path[:-1])]))
            raise ScenarioError([Problem(path, _missing(str(last), known, path[:-1]))], source=source)
        else:
            locate(data, path, source)  # raises, saying why
    return study_from_data(data, source=source)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` from the command line; the value is read as YAML (``4200 EUR`` stays text, ``3`` is a
    number, ``[P1, P2]`` a list)."""
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ValueError(f"'{text}': write PATH=VALUE, e.g. providers.msp.fees.monthly='4200 EUR'")
    parse_path(path)
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError:
        parsed = value.strip()
    return path.strip(), parsed


@dataclass(frozen=True)
class Quantity:
    """A value of the file read as a number, with how to write another number back in the same unit."""

    number: float
    unit: str
    write: Callable[[float], Any]

    def text(self, number: float) -> str:
        written = self.write(number)
        return written if isinstance(written, str) else f"{written:g}"


def quantity(value: Any) -> Quantity:
    """A numeric value of the file (a number, money, a duration, a share); ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return Quantity(float(value), "", lambda x: int(round(x)))
    if isinstance(value, float):
        return Quantity(value, "", float)
    if isinstance(value, str):
        text = value.strip()
        try:
            amount, currency = parse_money(text)
            return Quantity(amount, currency, lambda x, c=currency: f"{x:.10g} {c}")
        except OutOfBounds:
            raise
        except ValueError:
            pass
        if text.endswith("%"):
            share = parse_fraction(text) if not text.startswith("-") else -parse_fraction(text[1:])
            return Quantity(share, "%", lambda x: format_percent(x))
        try:
            hours = parse_duration(text)
            return Quantity(hours, "h", lambda x: format_duration(max(x, 0.0)))
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a number, an amount, a duration or a share: it cannot vary")


def read_quantity(study: Study, text: str, source: str = "--vary") -> tuple[Path, Quantity]:
    """The path and its current value as a :class:`Quantity`, or a ScenarioError saying why not."""
    path = parse_path(text)
    value = locate(study_data(study), path, source)
    try:
        return path, quantity(value)
    except ValueError as exc:
        raise ScenarioError([Problem(path, str(exc))], source=source) from None
