"""Numbers and quantities as people write them in spreadsheet cells, and what a cell's number format shows.

:func:`parse_number` reads a number as French, German or English spreadsheets write it;
:func:`parse_quantity` a number with its unit, currency, multiplier (k, M) and HT/TTC mention;
:func:`number_format_unit` what an Excel number format adds to the number it shows. Each returns what the
text says or raises :class:`CellError` saying why not; a number with two readings raises
:class:`Ambiguous`, never a guess. The scenario files' stricter forms (``45000 EUR``, ``4h``) are read by
:mod:`sourcing.units`, whose vocabulary (duration units, currency symbols, k and M) this module shares.

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .units import CURRENCY_SYMBOLS, HOURS_PER_UNIT, MULTIPLIERS

_SPACES = " \u00a0\u202f\u2009"
_SPACE = f"[{_SPACES}]"


class CellError(ValueError):
    """A cell that cannot be read; the message says what to write instead."""


class NotANumber(CellError):
    """Text in which no number can be found."""


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

CURRENCIES = {**CURRENCY_SYMBOLS, "eur": "EUR", "euro": "EUR", "euros": "EUR", "us$": "USD", "usd": "USD",
              "gbp": "GBP", "chf": "CHF"}
"""The words and signs a cell may name a currency with (lower case), and the currency's code."""
_UNITS = {
    **{unit: unit for unit in HOURS_PER_UNIT},  # the units of a scenario file: s, min, h, d, w, mo, y
    "%": "%",
    "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "heure": "h", "heures": "h",
    "mn": "min", "mins": "min", "minute": "min", "minutes": "min",
    "sec": "s", "second": "s", "seconds": "s", "seconde": "s", "secondes": "s",
    "day": "day", "days": "day", "jour": "day", "jours": "day", "j": "day",
    "week": "week", "weeks": "week", "semaine": "week", "semaines": "week", "sem": "week",
    "month": "mo", "months": "mo", "mois": "mo",
    "year": "y", "years": "y", "yr": "y", "yrs": "y", "an": "y", "ans": "y", "année": "y", "années": "y",
    "annee": "y", "annees": "y",
}
_TAX = re.compile(r"\s*\b(h\.?t\.?v?a?|t\.?t\.?c\.?)\s*$", re.IGNORECASE)
_HOURS_MINUTES = re.compile(r"^(\d{1,4})\s*(?:h|:)\s*(\d{2})(?:\s*(?:min|mn))?(?::(\d{2}))?$", re.IGNORECASE)
_PREFIX = re.compile(r"^(€|\$|£|eur|usd|gbp|chf)\s*(.*)$", re.IGNORECASE)
_SPLIT = re.compile(rf"^([+\-\u2212]?\s*[\d.,{_SPACES}]*\d)\s*(.*)$")


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
        currency, text = CURRENCIES[prefix.group(1).lower()], prefix.group(2).strip()
    split = _SPLIT.match(text)
    if not split:
        raise NotANumber(f"'{text}' is not a number")
    number_text, unit_text = split.group(1), split.group(2).strip()
    unit = None
    multiplier = Decimal(1)
    if unit_text:
        folded = unit_text.casefold()
        words = re.match(r"^([km])\s*(€|\$|£|eur|euros?|usd|gbp|chf)$", folded)
        if words and unit_text[0] in MULTIPLIERS:
            multiplier, folded = Decimal(MULTIPLIERS[unit_text[0]]), words.group(2)
        if folded in CURRENCIES:
            if currency:
                raise CellError(f"'{text}' names its currency twice")
            currency = CURRENCIES[folded]
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
    currency = CURRENCIES[found.group(0).lower()] if found else None
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
