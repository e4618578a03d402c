"""Words and numbers as the reader reads them: one catalogue of labels and sentences keyed by identifier,
in English and French, and numbers formatted for the reader's locale with Babel (``1 228,3 k€`` and
``99,23 %`` in French, ``1,228.3 k€`` and ``99.23 %`` in English). Every door (command line, app,
reports, workbooks) says things through here, so a label is written once in each language.

The catalogue is data: the TOML files of ``sourcing/labels/``, one per area (``metric.toml``,
``page.toml``, ``offers.toml``...). A file's name is the first part of its keys: ``[recommend]`` in
``verdict.toml`` is ``verdict.recommend``; a nested table ``[cost.staff]`` in ``metric.toml`` is
``metric.cost.staff``. Every entry has an ``en`` and a ``fr`` text; ``{name}`` placeholders are filled
by :func:`say`. TOML refuses a key written twice, and a key defined in two files is refused here, so a
label cannot be silently overwritten; a new page brings its own file and merges without conflicts.

The users' words (GTR, GTI, SLA, HO, HNO, astreinte, 24/7, P1 to P4) stay as they are in both languages.
"""

from __future__ import annotations

import decimal
import functools
import math
import tomllib
from pathlib import Path

from babel import Locale
from babel.numbers import format_decimal

from .notes import Note, Number, Share

LANGUAGES = {"en": "English", "fr": "Français"}
LOCALES = {"en": "en_GB", "fr": "fr_FR"}
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}
LABELS = Path(__file__).with_name("labels")
NARROW = "\u202f"
"""The narrow no-break space French puts before %, :, ; and units, and between groups of digits."""


class CatalogueError(ValueError):
    """A catalogue file that is not as described above."""


def _entries(table: dict, prefix: str, source: str) -> dict[str, dict[str, str]]:
    """The leaves of a parsed TOML table as dotted keys; a leaf is a table holding ``en``."""
    found: dict[str, dict[str, str]] = {}
    for key, value in table.items():
        name = f"{prefix}.{key}"
        if not isinstance(value, dict):
            raise CatalogueError(f"{source}: '{name}' is not a table of languages (write {name}.en and {name}.fr)")
        if "en" in value:
            extra = set(value) - set(LANGUAGES)
            if extra or not all(isinstance(v, str) for v in value.values()):
                raise CatalogueError(f"{source}: '{name}' has {', '.join(sorted(extra)) or 'a value that is not text'}"
                                     f"; an entry holds only {' and '.join(LANGUAGES)} texts")
            found[name] = dict(value)
        else:
            found.update(_entries(value, name, source))
    return found


def load(folder: Path = LABELS) -> dict[str, dict[str, str]]:
    """Every entry of the catalogue files in ``folder``, keyed by identifier."""
    catalogue: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as handle:
            try:
                table = tomllib.load(handle)
            except tomllib.TOMLDecodeError as exc:
                raise CatalogueError(f"{path.name}: {exc}") from None
        for key, entry in _entries(table, path.stem, path.name).items():
            if key in catalogue:
                raise CatalogueError(f"{path.name}: '{key}' is already defined in {origin[key]}")
            catalogue[key] = entry
            origin[key] = path.name
    return catalogue


CATALOGUE: dict[str, dict[str, str]] = load()


def say(key: str, lang: str = "en", **values: object) -> str:
    """The catalogue's text for ``key`` in the language (English when it has none), placeholders filled."""
    entry = CATALOGUE[key]
    return entry.get(lang, entry["en"]).format(**values)


def known(key: str) -> bool:
    return key in CATALOGUE


def say_or(key: str, default: str, lang: str = "en", **values: object) -> str:
    """The catalogue's text for ``key``, or ``default`` when the catalogue has no such key (a name the user
    wrote, such as a criterion of their own)."""
    return say(key, lang, **values) if key in CATALOGUE else default


# --------------------------------------------------------------------------- numbers


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["en"])


def number(value: float | None, lang: str = "en", digits: int = 1, signed: bool = False) -> str:
    """``1,228.3`` / ``1 228,3`` with ``digits`` decimals; ``n/a`` / ``n.d.`` when there is no value."""
    if value is None or not math.isfinite(value):
        return say("unit.missing", lang)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    if round(value, digits) == 0:
        value, signed = 0.0, False   # no "-0.0"
    if signed:
        pattern = f"+{pattern};-{pattern}"
    with decimal.localcontext(prec=400):  # Babel rounds in the current context: 28 digits fail above 1e27
        text = format_decimal(value, format=pattern, locale=_locale(lang))
    return text.replace("\u2212", "-") if lang == "en" else text


def decimal_text(value: float | None, lang: str = "en", digits: int = 3) -> str:
    """A number as written, at most ``digits`` decimals and no trailing zeros: ``50``, ``0.35``, ``12,5``."""
    if value is None or not math.isfinite(value):
        return say("unit.missing", lang)
    with decimal.localcontext(prec=400):
        return format_decimal(value, format="#,##0." + "#" * digits, locale=_locale(lang)).replace("\u2212", "-")


@functools.cache
def _plural(lang: str):
    return Locale.parse(_locale(lang)).plural_form


def count(n: float, key: str, lang: str = "en", **values: object) -> str:
    """``n`` things as the language counts them: the catalogue holds ``key.one`` and ``key.other`` and the
    language's plural rule (CLDR, through Babel) picks one: ``1 service``, ``2 services``, ``0 services``;
    in French ``0 service`` and ``1,5 point`` are singular too. ``{n}`` is the number in the reader's locale."""
    form = "one" if _plural(lang)(abs(n)) == "one" else "other"
    return say(f"{key}.{form}", lang, n=decimal_text(n, lang), **values)


def unit_space(lang: str) -> str:
    """The space between a number and its unit: a narrow no-break space in French."""
    return NARROW if lang == "fr" else " "


def symbol(currency: str) -> str:
    return SYMBOLS.get(currency, currency)


def thousands(currency: str) -> str:
    """The unit of amounts in thousands: ``k€``."""
    return f"k{symbol(currency)}"


def money(amount: float | None, currency: str = "EUR", lang: str = "en", signed: bool = False,
          bare: bool = False) -> str:
    """An amount in thousands of the currency: ``1,228.3 k€`` / ``1 228,3 k€`` (``bare``: without the unit)."""
    if amount is None or not math.isfinite(amount):
        return say("unit.missing", lang)
    text = number(amount / 1000, lang, 1, signed=signed and amount != 0)
    return text if bare else f"{text}{unit_space(lang)}{thousands(currency)}"


def percent(share: float | None, lang: str = "en", digits: int = 2, signed: bool = False, bare: bool = False) -> str:
    """A share as a percentage: ``99.23 %`` / ``99,23 %`` (``bare``: without the sign %)."""
    if share is None or not math.isfinite(share):
        return say("unit.missing", lang)
    text = number(share * 100, lang, digits, signed=signed and share != 0)
    return text if bare else f"{text}{unit_space(lang)}%"


def hours(value: float | None, lang: str = "en", digits: int = 2, signed: bool = False, bare: bool = False) -> str:
    """A duration in hours: ``4.50 h`` / ``4,50 h``."""
    if value is None or not math.isfinite(value):
        return say("unit.missing", lang)
    text = number(value, lang, digits, signed=signed and value != 0)
    return text if bare else f"{text}{unit_space(lang)}h"


def points(share: float, lang: str = "en", signed: bool = False) -> str:
    """A difference of availability in percentage points (``0,124 point`` in French: singular below 2)."""
    if share is None or not math.isfinite(share):
        return say("unit.missing", lang)
    one = abs(share * 100) < 2 if lang == "fr" else abs(share * 100) == 1
    return (number(share * 100, lang, 3, signed=signed) + unit_space(lang)
            + say("unit.point" if one else "unit.points", lang))


def share_digits(value: float, signed: bool = False) -> int:
    """Decimals of a percentage: three for availabilities above 99 % (where the differences are), two
    otherwise, three again for a signed difference below one point."""
    return 3 if abs(value) > 0.99 or (signed and abs(value) < 0.01) else 2


def quantity(value: float | None, unit: str, currency: str = "EUR", lang: str = "en", signed: bool = False,
             bare: bool = False, digits_like: float | None = None) -> str:
    """A figure in its unit: shares as percentages, money in thousands, hours, and plain counts.

    ``bare`` leaves the unit out (it is in the column's header); ``digits_like`` takes the decimals of
    another value (a half-width is written with as many decimals as its mean)."""
    reference = value if digits_like is None else digits_like
    if unit == "share":
        digits = share_digits(reference if reference is not None and math.isfinite(reference) else 0.0, signed)
        return percent(value, lang, digits, signed=signed, bare=bare)
    if unit == "probability":
        return percent(value, lang, 1, signed=signed, bare=bare)
    if unit == "money":
        return money(value, currency, lang, signed=signed, bare=bare)
    if unit == "h":
        return hours(value, lang, 2, signed=signed, bare=bare)
    return number(value, lang, 2, signed=signed)


def estimate(mean: float | None, half: float | None, unit: str, currency: str = "EUR", lang: str = "en",
             bare: bool = False) -> str:
    """``mean ± half`` in the unit (the half-width left out when there is none)."""
    if mean is None or not math.isfinite(mean):
        return say("unit.missing", lang)
    text = quantity(mean, unit, currency, lang, bare=bare)
    if half is None or not math.isfinite(half):
        return text
    return f"{text} ± {quantity(half, unit, currency, lang, bare=True, digits_like=mean)}"


INTERVAL_SEPARATOR = {"en": ", ", "fr": f"{NARROW};{NARROW}"}
"""Between the ends of an interval: French, whose decimal mark is the comma, writes ``[−333,4 ; −324,2]``."""


def interval(mean: float, low: float, high: float, unit: str, currency: str = "EUR", lang: str = "en",
             bare: bool = False) -> str:
    """A difference and its interval: ``+12.3 k€ [+4.0, +20.6]`` / ``+12,3 k€ [+4,0 ; +20,6]``. A difference
    of availability is in points: ``-0.295 point [-0.310, -0.280]``."""
    if mean is None or not math.isfinite(mean):
        return say("unit.missing", lang)
    separator = INTERVAL_SEPARATOR.get(lang, ", ")
    if unit == "share":
        ends = [number(x * 100, lang, 3, signed=True) for x in (low, high)]
        head = number(mean * 100, lang, 3, signed=True) if bare else points(mean, lang, signed=True)
        return f"{head} [{separator.join(ends)}]"
    return (f"{quantity(mean, unit, currency, lang, signed=True, bare=bare)} "
            f"[{quantity(low, unit, currency, lang, signed=True, bare=True, digits_like=mean)}{separator}"
            f"{quantity(high, unit, currency, lang, signed=True, bare=True, digits_like=mean)}]")


def saving_span(low: float, high: float, currency: str = "EUR", lang: str = "en") -> str:
    """The 95 % interval of a saving in words (positive: costs less): ``95 % CI 57.7 k€ to 73.5 k€`` when both
    ends go one way (as amounts of that direction), ``95 % CI from 20.0 k€ less to 10.0 k€ more`` when the
    interval holds zero, never ``-10.0 k€ to 20.0 k€``."""
    if low > 0 or high < 0:
        ends = sorted(abs(x) for x in (low, high))
        return say("verdict.span", lang, low=money(ends[0], currency, lang), high=money(ends[1], currency, lang))
    return say("verdict.span_across", lang, less=money(high, currency, lang), more=money(-low, currency, lang))


def unit_label(unit: str, currency: str = "EUR", lang: str = "en") -> str:
    """What a column of bare figures of this unit is written in: ``k€``, ``%``, ``h`` (empty for counts)."""
    return {"money": thousands(currency), "share": "%", "probability": "%", "h": "h"}.get(unit, "")


def horizon(years: int, lang: str = "en") -> str:
    """``over 5 years`` / ``sur 5 ans`` (``over 1 year`` / ``sur 1 an``)."""
    return say("unit.over_one_year" if years == 1 else "unit.over_years", lang, years=years)


def value(number: float | None, unit: str, lang: str = "en") -> str:
    """A value of the scenario file in the file's unit (``%``, ``h``, a currency code, or none), as the
    reader reads it: ``3 500 €``, ``4,50 h``, ``2,00 %``, ``0,85``."""
    if number is None or not math.isfinite(number):
        return say("unit.missing", lang)
    if unit == "%":
        return percent(number, lang, 2)
    if unit == "h":
        return hours(number, lang, 2)
    if unit:
        return f"{number_text(number, lang, 0)}{unit_space(lang)}{symbol(unit)}"
    return number_text(number, lang, 3, significant=True)


def number_text(value: float, lang: str = "en", digits: int = 0, significant: bool = False) -> str:
    """A plain number; ``significant`` keeps ``digits`` significant figures (``0.853``, ``12.5``, ``1,230``)."""
    if significant and value != 0:
        magnitude = int(math.floor(math.log10(abs(value))))
        digits = max(0, digits - 1 - magnitude)
    return number(value, lang, digits)


def note_value(value: object, lang: str = "en") -> str:
    """One value of a keyed note (:mod:`sourcing.notes`) as the reader is shown it."""
    if isinstance(value, Note):
        return note_text(value, lang)
    if isinstance(value, Share):
        return percent(value.value, lang, value.digits, signed=value.signed)
    if isinstance(value, Number):
        if value.significant:
            return number_text(value.value, lang, value.digits, significant=True)
        return number(value.value, lang, value.digits)
    return str(value)


def note_text(note: Note, lang: str = "en") -> str:
    """A keyed note said: its sentence from the catalogue, its values in the reader's locale."""
    return say(note.key, lang, **{name: note_value(value, lang) for name, value in note.values.items()})
