"""Parsing of the quantities a consultant writes by hand: durations, money, shares.

Every parser takes the raw YAML value and returns a plain number in the unit the core
uses (hours, currency units, fractions), or raises ``ValueError`` with a message that
says what was expected. The pydantic annotated types at the bottom plug these parsers
into the scenario models and give the JSON Schema a file-facing description.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, SerializationInfo, ValidationInfo, WithJsonSchema

HOURS_PER_UNIT: dict[str, float] = {
    "s": 1 / 3600,
    "min": 1 / 60,
    "h": 1.0,
    "d": 24.0,
    "w": 168.0,
    "mo": 730.5,  # an average month: 365.25 * 24 / 12
    "y": 8766.0,  # an average year: 365.25 * 24
}
HOURS_PER_MONTH = HOURS_PER_UNIT["mo"]
HOURS_PER_YEAR = HOURS_PER_UNIT["y"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|h|d|w|mo|y)\s*$")
_NUMBER = r"[+-]?\d+(?:[ _\u202f\u00a0]\d{3})*(?:\.\d+)?"
_MONEY_SUFFIX = re.compile(rf"^\s*({_NUMBER})\s*([kKM]?)\s*(EUR|€|USD|\$|GBP|£|CHF)\s*$")
_MONEY_PREFIX = re.compile(rf"^\s*(€|\$|£)\s*({_NUMBER})\s*([kKM]?)\s*$")
CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
"""The signs an amount may be written with, and their currency's code (spreadsheet cells read them too)."""
MULTIPLIERS = {"k": 1000, "K": 1000, "M": 1_000_000}
"""The letters that multiply an amount: ``12k EUR``, ``1.5M EUR`` (spreadsheet cells read them too)."""
MAX_AMOUNT = 1e12
"""The largest amount of money a file may write (a thousand billion): far above any IT budget, and low
enough that totals over 30 years and 2,000 people stay exact and printable."""


class OutOfBounds(ValueError):
    """A value written correctly but beyond what the toolkit handles."""
_PERCENT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*%\s*$")


def parse_duration(value: Any) -> float:
    """Return a duration in hours from text such as ``30min``, ``4h``, ``2d``, ``1y``."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(
            f"expected a duration with a unit such as '30min', '4h', '2d', got {value!r}"
        )
    match = _DURATION.match(value)
    if not match:
        raise ValueError(
            f"'{value}' is not a duration: write a number and one of the units "
            "s, min, h, d, w, mo, y with no space inside the unit, e.g. '30min', '4h', '2d'"
        )
    return float(match.group(1)) * HOURS_PER_UNIT[match.group(2)]


def format_duration(hours: float) -> str:
    """Write hours back in the shortest exact unit, so resolved scenarios read naturally."""
    if hours == 0:
        return "0h"
    for unit in ("y", "mo", "w", "d", "h", "min", "s"):
        amount = hours / HOURS_PER_UNIT[unit]
        if round(amount) >= 1 and abs(amount - round(amount)) < 1e-9 * amount:
            return f"{round(amount)}{unit}"
    for unit in ("h", "min", "s"):
        amount = hours / HOURS_PER_UNIT[unit]
        if amount >= 1 or unit == "s":
            text = f"{amount:.12g}"
            if "e" not in text and abs(parse_duration(f"{text}{unit}") - hours) <= 1e-12 * hours:
                return f"{text}{unit}"
    return f"{hours * 3600:.17f}".rstrip("0").rstrip(".") + "s"


def _trim(x: float) -> str:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def parse_money(value: Any) -> tuple[float, str]:
    """Return ``(amount, currency)`` from text such as ``45000 EUR``, ``45 000 €``, ``12k EUR``."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(
            f"expected an amount with its currency such as '45000 EUR', got {value!r}"
        )
    if "," in value:
        raise ValueError(
            f"'{value}' uses a comma: write 45000 or 45 000 for thousands and a dot for decimals"
        )
    match = _MONEY_SUFFIX.match(value)
    if match:
        number, mult, currency = match.groups()
    else:
        match = _MONEY_PREFIX.match(value)
        if not match:
            raise ValueError(
                f"'{value}' is not an amount of money: write a number and a currency, "
                "e.g. '45000 EUR', '45k EUR' or '150 €'"
            )
        currency, number, mult = match.groups()
    amount = float(re.sub(r"[ _\u202f\u00a0]", "", number)) * MULTIPLIERS.get(mult, 1)
    code = CURRENCY_SYMBOLS.get(currency, currency)
    if not amount <= MAX_AMOUNT:
        raise OutOfBounds(f"'{value}' is more than {MAX_AMOUNT:,.0f} {code}, beyond any budget this toolkit "
                          f"handles: write the amount in {code} with at most 13 digits, e.g. '72500 {code}'")
    return amount, code


def parse_fraction(value: Any) -> float:
    """Return a share in [0, 1] from ``4%`` or ``0.04``."""
    if isinstance(value, bool):
        raise ValueError(f"expected a share such as '4%' or 0.04, got {value!r}")
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if not match:
            raise ValueError(f"'{value}' is not a share: write a percentage such as '4%' or a number such as 0.04")
        share = float(match.group(1)) / 100
    elif isinstance(value, (int, float)):
        share = float(value)
        if share > 1:
            raise ValueError(
                f"{value} is above 1: write a percentage with its sign ('{value}%') or a fraction ({value / 100:g})"
            )
    else:
        raise ValueError(f"expected a share such as '4%' or 0.04, got {value!r}")
    if not math.isfinite(share) or share < 0 or share > 1:
        raise ValueError(f"{value!r} must be between 0% and 100%")
    return share


def _signed_percentage(value: Any, what: str, example: str) -> float:
    """A percentage above -100 %, written ``'3%'`` or ``0.03``; ``what`` names it in messages."""
    number = float(example.rstrip("%")) / 100
    if isinstance(value, bool):
        raise ValueError(f"expected {what} such as '{example}' or {number:g}, got {value!r}")
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if not match:
            raise ValueError(f"'{value}' is not {what}: write a percentage such as '{example}' or a number such as "
                             f"{number:g}")
        rate = float(match.group(1)) / 100
    elif isinstance(value, (int, float)):
        rate = float(value)
        if abs(rate) >= 1:
            raise ValueError(f"{value} is not {what}: write '{value}%' or {value / 100:g}")
    else:
        raise ValueError(f"expected {what} such as '{example}' or {number:g}, got {value!r}")
    if not math.isfinite(rate) or rate <= -1:
        raise ValueError(f"{value!r} must be above -100%")
    return rate


def parse_rate(value: Any) -> float:
    """Return a yearly rate (growth, discount, indexation) that may be negative: ``-2%`` or ``0.05``."""
    return _signed_percentage(value, "a yearly rate", "3%")


def parse_premium(value: Any) -> float:
    """Return a premium on the hourly rate (overtime paid +25 %): ``25%`` or ``0.25``."""
    return _signed_percentage(value, "a premium on the hourly rate", "25%")


def _positive_duration(value: Any) -> float:
    hours = parse_duration(value)
    if hours <= 0:
        raise ValueError(f"'{value}' must be longer than zero")
    return hours


_DURATION_SCHEMA = {
    "type": "string",
    "pattern": _DURATION.pattern,
    "description": "a duration: number and unit s, min, h, d, w, mo, y (e.g. '30min', '4h', '2d')",
}
_SHARE_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": _PERCENT.pattern},
        {"type": "number", "minimum": 0, "maximum": 1},
    ],
    "description": "a share: '4%' or 0.04",
}
_RATE_SCHEMA = {
    "anyOf": [{"type": "string", "pattern": _PERCENT.pattern}, {"type": "number"}],
    "description": "a yearly rate: '3%' or 0.03 (may be negative)",
}
_PREMIUM_SCHEMA = {
    "anyOf": [{"type": "string", "pattern": _PERCENT.pattern}, {"type": "number"}],
    "description": "a premium on the hourly rate, paid for each hour of overtime: '25%' or 0.25 (an overtime hour "
                   "costs 1.25 times an ordinary hour)",
}

def format_percent(share: float) -> str:
    """Write a share back as a percentage, exactly: 0.04 -> '4%'."""
    return f"{_trim(share * 100)}%"


_AS_DURATION = PlainSerializer(format_duration, return_type=str)
_AS_PERCENT = PlainSerializer(format_percent, return_type=str)

Duration = Annotated[float, BeforeValidator(parse_duration), _AS_DURATION, WithJsonSchema(_DURATION_SCHEMA)]
"""Hours, written with a unit in files."""
PositiveDuration = Annotated[
    float, BeforeValidator(_positive_duration), _AS_DURATION, WithJsonSchema(_DURATION_SCHEMA)
]
Share = Annotated[float, BeforeValidator(parse_fraction), _AS_PERCENT, WithJsonSchema(_SHARE_SCHEMA)]
"""A fraction in [0, 1], written '4%' or 0.04."""
Rate = Annotated[float, BeforeValidator(parse_rate), _AS_PERCENT, WithJsonSchema(_RATE_SCHEMA)]
"""A yearly rate above -100 %, written '3%' or 0.03."""
Premium = Annotated[float, BeforeValidator(parse_premium), _AS_PERCENT, WithJsonSchema(_PREMIUM_SCHEMA)]
"""A premium on the hourly rate (overtime), written '25%' or 0.25."""


def money_amount(value: Any, info: ValidationInfo) -> float:
    """An amount of money zero or more, in the currency of the file being validated."""
    amount, currency = parse_money(value)
    expected = (info.context or {}).get("currency", "EUR")
    if expected is not None and currency != expected:
        raise ValueError(f"'{value}' is in {currency} but the scenario's currency is {expected}")
    if amount < 0:
        raise ValueError(f"'{value}' is negative: amounts of money must be zero or more")
    return amount


_MONEY_SCHEMA = {
    "type": "string",
    "pattern": _MONEY_SUFFIX.pattern + "|" + _MONEY_PREFIX.pattern,
    "description": "an amount with its currency: '45000 EUR', '45 000 €', '12k EUR'",
}

def format_money(amount: float, info: SerializationInfo) -> str:
    currency = (info.context or {}).get("currency", "EUR")
    return f"{_trim(amount)} {currency}"


Money = Annotated[
    float, BeforeValidator(money_amount), PlainSerializer(format_money, return_type=str), WithJsonSchema(_MONEY_SCHEMA)
]
"""An amount of money, zero or more, written with the scenario's currency."""
