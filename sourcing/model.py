"""Building blocks shared by every part of a scenario file: the frozen base model, priorities,
counts, and random durations (fixed, lognormal, exponential)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
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

from .units import Duration, PositiveDuration

PRIORITIES: tuple[str, ...] = ("P1", "P2", "P3", "P4")
Priority = Literal["P1", "P2", "P3", "P4"]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[^\s].*$")]
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


def _distribution_tag(value: Any) -> str | None:
    if isinstance(value, (Lognormal, Exponential, Fixed)):
        return type(value).__name__.lower()
    if isinstance(value, dict):
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
    | Annotated[Fixed, Tag("fixed")],
    Discriminator(
        _distribution_tag,
        custom_error_type="distribution",
        custom_error_message=(
            "a time distribution is written '2h' (fixed), {median: 2h, p90: 6h} (lognormal) "
            "or {mean: 3h} (exponential)"
        ),
    ),
    BeforeValidator(_fixed_shorthand),
    WithJsonSchema({
        "description": "a time: '2h' (fixed), {median, p90} (lognormal), {mean} (exponential) or {fixed}",
        "oneOf": [
            {"type": "string"},
            {"type": "object", "properties": {"median": {"type": "string"}, "p90": {"type": "string"}},
             "required": ["median", "p90"], "additionalProperties": False},
            {"type": "object", "properties": {"mean": {"type": "string"}}, "required": ["mean"],
             "additionalProperties": False},
            {"type": "object", "properties": {"fixed": {"type": "string"}}, "required": ["fixed"],
             "additionalProperties": False},
        ],
    }),
]
"""A random duration: fixed, lognormal (median, P90) or exponential (mean)."""
