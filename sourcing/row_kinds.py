"""Cells of the offers grid read by row kind: each cell as the text a YAML offers file would hold.

:func:`read_cell` turns a cell of the grid (:mod:`sourcing.workbook`) into what the offers file would say
for its row (``4h``, ``2400 EUR``, ``95%``), or refuses it with what to write instead. The rule throughout:
a cell is read right or refused, never guessed, because a misread cell changes which provider wins.
Numbers in text and number formats are read by :mod:`sourcing.numbers`.

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

import datetime as dt
import math
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from .numbers import (
    CURRENCIES,
    Ambiguous,
    CellError,
    NotANumber,
    Quantity,
    number_format_unit,
    parse_quantity,
    plain,
)
from .units import HOURS_PER_UNIT
from .words import SYMBOLS

_NONE_WORDS = {"none", "aucune", "aucun", "néant", "neant", "best effort", "best-effort", "sans"}

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
    return SYMBOLS.get(currency, currency)


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
    what = ("a percentage" if unit == "%" else "an amount of money" if unit in CURRENCIES.values()
            else "a duration" if unit else "a number")
    return CellError(f"'{text}' is {what}: write {WRITE[kind].replace('€', _symbol(currency))}")


def _no_tax(quantity: Quantity, text: str, kind: str, currency: str) -> None:
    if quantity.tax == "TTC":
        raise CellError(f"'{text}' includes tax (TTC): offers are compared before tax; write the amount "
                        f"excluding tax (HT), e.g. '2 000 {_symbol(currency)} HT'")
    if quantity.tax and kind not in ("money", "charge"):
        raise _not_for(quantity, text, kind, currency)


_FILE_UNITS = {**{unit: unit for unit in HOURS_PER_UNIT}, "day": "d", "week": "w"}
"""The units an hours or months cell is written back in: a scenario file's (:data:`sourcing.units.HOURS_PER_UNIT`)."""


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
    if quantity.unit in CURRENCIES.values():
        return _amount(quantity, text, kind, currency)
    raise _not_for(quantity, text, kind, currency)


def _charge(quantity: Quantity, text: str, kind: str, currency: str) -> str:
    _no_tax(quantity, text, kind, currency)
    if quantity.unit == "%":
        return f"{plain(quantity.number)}%"
    if quantity.unit in CURRENCIES.values():
        return _amount(quantity, text, kind, currency)
    if quantity.unit is not None:
        raise _not_for(quantity, text, kind, currency)
    if quantity.number == 0:
        return f"0 {currency}"
    n = plain(quantity.number)
    raise CellError(f"'{text}' could be an amount or a share of the monthly fee: write {n} {currency} or {n}%")


_BY_KIND = {"hours": _hours, "months": _months, "years": _years, "count": _count, "number": _number,
            "share": _share, "rate": _share, "money": _money, "charge": _charge}
