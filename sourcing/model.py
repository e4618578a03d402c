"""Building blocks shared by every part of a scenario file: the frozen base model, priorities,
counts, and random durations (fixed, lognormal, exponential, gamma, Weibull, a table of quantiles)."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    WithJsonSchema,
    model_validator,
)

from .units import Duration, PositiveDuration, format_percent, parse_fraction

PRIORITIES: tuple[str, ...] = ("P1", "P2", "P3", "P4")
Priority = Literal["P1", "P2", "P3", "P4"]
def _name(value: str) -> str:
    if value != value.strip():
        raise ValueError(f"{value!r} starts or ends with a space: write {value.strip()!r}")
    return value


Name = Annotated[str, Field(min_length=1, max_length=80, json_schema_extra={"pattern": r"^\S(.*\S)?$"}),
                 AfterValidator(_name)]
"""A name: at most 80 characters, not starting or ending with a space."""
MAX_TEXT = 10_000
"""Longest text a file may hold in one field (a description)."""
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
                    "\ufeff\ufff9-\ufffb]")
"""Control characters (terminal escapes, NUL), bidirectional overrides and invisible characters: text a file
holds is shown in terminals, spreadsheets and the app, where these could hide or rewrite what is shown."""


def unsafe_text(text: str) -> str | None:
    """Why a piece of text cannot be used as it is, or None if it can."""
    found = UNSAFE.search(text)
    if found:
        return (f"contains the invisible or control character U+{ord(found.group()):04X} at position "
                f"{found.start() + 1}: write plain text")
    if len(text) > MAX_TEXT:
        return f"is {len(text):,} characters long; at most {MAX_TEXT:,} are allowed"
    return None


def text_problems(data: Any) -> list[tuple[tuple, str]]:
    """Every text of parsed data (keys and values) that cannot be used as it is, with its path; and keys
    of one mapping that look the same (they differ only by spaces, case or Unicode form)."""
    found: list[tuple[tuple, str]] = []
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            problem = unsafe_text(value)
            if problem:
                found.append((path, f"{value[:40]!r} {problem}"))
        elif isinstance(value, dict):
            seen: dict[str, Any] = {}
            for key, item in value.items():
                if isinstance(key, str):
                    problem = unsafe_text(key)
                    if problem:
                        found.append(((*path, key), f"the name {key[:40]!r} {problem}"))
                    same = look_alike(key)
                    if same in seen:
                        found.append(((*path, key), f"{key!r} looks the same as {seen[same]!r}: names must differ "
                                                    "by more than spaces, capitals or accents' encoding"))
                    seen.setdefault(same, key)
                stack.append(((*path, key), item))
        elif isinstance(value, (list, tuple)):
            stack.extend(((*path, i), item) for i, item in enumerate(value))
    return sorted(found, key=lambda item: [str(p) for p in item[0]])


def look_alike(name: str) -> str:
    """The form under which two names count as the same: Unicode NFC, no outer spaces, no case."""
    return unicodedata.normalize("NFC", name).strip().casefold()
Count = Annotated[int, Strict()]
"""A whole number; booleans and text are refused rather than converted."""


class Model(BaseModel):
    """Base of every scenario object: unknown fields are rejected and objects are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)



# --------------------------------------------------------------------------- distributions


class Lognormal(Model):
    """Lognormal time given its median and 90th percentile (P90 > median)."""

    median: PositiveDuration
    p90: PositiveDuration

    @model_validator(mode="after")
    def _ordered(self) -> Lognormal:
        if self.p90 <= self.median:
            raise ValueError("p90 must be longer than the median")
        return self

    @property
    def mean(self) -> float:
        sigma = np.log(self.p90 / self.median) / Z90
        return float(self.median * np.exp(sigma**2 / 2))


class Exponential(Model):
    """Exponential time given its mean."""

    mean: PositiveDuration


class Fixed(Model):
    """The same time every time."""

    fixed: Duration

    @property
    def mean(self) -> float:
        return self.fixed


Z90 = 1.2815515655446004


class Shaped(Model):
    """Median and P90 of a two-parameter family other than the lognormal (a fitted gamma or Weibull).

    Written like the lognormal's, so a consultant reads and scales every fitted time the same way."""

    median: PositiveDuration
    p90: PositiveDuration

    @model_validator(mode="after")
    def _ordered(self) -> Shaped:
        if self.p90 <= self.median:
            raise ValueError("p90 must be longer than the median")
        return self


class Gamma(Model):
    """Gamma time given its median and 90th percentile: ``{gamma: {median: 2h, p90: 9h}}``."""

    gamma: Shaped

    @property
    def median(self) -> float:
        return self.gamma.median

    @property
    def p90(self) -> float:
        return self.gamma.p90


class Weibull(Model):
    """Weibull time given its median and 90th percentile: ``{weibull: {median: 2h, p90: 9h}}``."""

    weibull: Shaped

    @property
    def median(self) -> float:
        return self.weibull.median

    @property
    def p90(self) -> float:
        return self.weibull.p90


MAX_QUANTILE_ROWS = 101
"""Most rows of a quantile table (one per percent)."""


class QuantileTable(Model):
    """Times read from their quantiles, for a history that no two-parameter family fits (two bumps, a long
    flat tail): ``{quantiles: {0%: 2min, 10%: 10min, 50%: 1h, 90%: 3d, 100%: 12d}}``. The rows run from 0 %
    (the shortest time) to 100 % (the longest); between two rows the time grows geometrically (linearly in
    its logarithm), so a table with a few rows keeps the shape of a skewed distribution."""

    quantiles: dict[str, PositiveDuration]

    @model_validator(mode="after")
    def _table(self) -> QuantileTable:
        rows = []
        for key, hours in self.quantiles.items():
            try:
                rows.append((parse_fraction(key), hours, key))
            except ValueError:
                raise ValueError(f"'{key}' is not a probability: write the rows as percentages, e.g. '50%: 1h'") from None
        rows.sort()
        if not 2 <= len(rows) <= MAX_QUANTILE_ROWS:
            raise ValueError(f"a quantile table has 2 to {MAX_QUANTILE_ROWS} rows, not {len(rows)}")
        if rows[0][0] != 0 or rows[-1][0] != 1:
            raise ValueError("a quantile table runs from '0%' (the shortest time) to '100%' (the longest)")
        for (p, _, _), (q, _, key) in zip(rows, rows[1:]):
            if q == p:
                raise ValueError(f"the row '{key}' is given twice")
        for (_, a, first), (_, b, key) in zip(rows, rows[1:]):
            if b < a:
                raise ValueError(f"the times must not shrink as the probability grows: '{key}' is shorter than "
                                 f"'{first}'")
        return self

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities (0 to 1, increasing) and their times (hours)."""
        rows = sorted((parse_fraction(key), hours) for key, hours in self.quantiles.items())
        return np.array([p for p, _ in rows]), np.array([t for _, t in rows])

    def at(self, probability: float) -> float:
        p, t = self.table()
        return float(np.exp(np.interp(probability, p, np.log(t))))

    @property
    def median(self) -> float:
        return self.at(0.5)

    @property
    def p90(self) -> float:
        return self.at(0.9)

    @property
    def mean(self) -> float:
        """Exact for the geometric interpolation: each segment's mean is its log-mean of the two times."""
        p, t = self.table()
        a, b = t[:-1], t[1:]
        ratio = np.log(b / a)
        segment = np.where(ratio > 1e-12, (b - a) / np.where(ratio > 1e-12, ratio, 1.0), a)
        return float(np.sum(np.diff(p) * segment))

    @classmethod
    def of(cls, probabilities: np.ndarray, hours: np.ndarray) -> QuantileTable:
        """A table from probabilities (0 and 1 included) and their times."""
        return cls(quantiles={format_percent(float(p)): f"{float(h)!r}h" for p, h in zip(probabilities, hours)})


def _distribution_tag(value: Any) -> str | None:
    if isinstance(value, (Lognormal, Exponential, Fixed, Gamma, Weibull)):
        return type(value).__name__.lower()
    if isinstance(value, QuantileTable):
        return "quantiles"
    if isinstance(value, dict):
        if "quantiles" in value:
            return "quantiles"
        if "gamma" in value:
            return "gamma"
        if "weibull" in value:
            return "weibull"
        if "median" in value or "p90" in value:
            return "lognormal"
        if "mean" in value:
            return "exponential"
        if "fixed" in value:
            return "fixed"
    return None


def _fixed_shorthand(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"{value} has no unit: write e.g. '{value}min' or '{value}h'")
    return {"fixed": value} if isinstance(value, str) else value


Distribution = Annotated[
    Annotated[Lognormal, Tag("lognormal")]
    | Annotated[Exponential, Tag("exponential")]
    | Annotated[Fixed, Tag("fixed")]
    | Annotated[Gamma, Tag("gamma")]
    | Annotated[Weibull, Tag("weibull")]
    | Annotated[QuantileTable, Tag("quantiles")],
    Discriminator(
        _distribution_tag,
        custom_error_type="distribution",
        custom_error_message=(
            "a time distribution is written '2h' (fixed), {median: 2h, p90: 6h} (lognormal), "
            "{mean: 3h} (exponential), {gamma: {median: 2h, p90: 6h}}, {weibull: {median: 2h, p90: 6h}} or "
            "{quantiles: {0%: 5min, 50%: 2h, 90%: 1d, 100%: 5d}}"
        ),
    ),
    BeforeValidator(_fixed_shorthand),
    WithJsonSchema({
        "description": "a time: '2h' (fixed), {median, p90} (lognormal), {mean} (exponential), {fixed}, "
                       "{gamma: {median, p90}}, {weibull: {median, p90}} or {quantiles: {'0%': ..., '100%': ...}}",
        "oneOf": [
            {"type": "string"},
            {"type": "object", "properties": {"median": {"type": "string"}, "p90": {"type": "string"}},
             "required": ["median", "p90"], "additionalProperties": False},
            {"type": "object", "properties": {"mean": {"type": "string"}}, "required": ["mean"],
             "additionalProperties": False},
            {"type": "object", "properties": {"fixed": {"type": "string"}}, "required": ["fixed"],
             "additionalProperties": False},
            *({"type": "object", "properties": {family: {
                "type": "object", "properties": {"median": {"type": "string"}, "p90": {"type": "string"}},
                "required": ["median", "p90"], "additionalProperties": False}},
               "required": [family], "additionalProperties": False} for family in ("gamma", "weibull")),
            {"type": "object", "properties": {"quantiles": {
                "type": "object", "additionalProperties": {"type": "string"}}},
             "required": ["quantiles"], "additionalProperties": False},
        ],
    }),
]
"""A random duration: fixed, lognormal (median, P90), exponential (mean), gamma or Weibull (median, P90), or a
table of quantiles."""
