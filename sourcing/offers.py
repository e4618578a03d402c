"""What providers sell: managed-services offers (*infogérance*) and SaaS subscriptions.

An offer is a contract: a coverage window in which its clock runs, guarantees per priority
(GTI, GTR) counted in covered hours, how the provider really performs, prices, penalties
and their cap, transition, retained organisation and exit. A SaaS offer replaces the
platform's incidents by the provider's own outages and pays service credits when the
monthly availability misses the commitment.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    PlainSerializer,
    SerializationInfo,
    Tag,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from scipy.special import ndtri

from .model import PRIORITIES, Z90, Count, Distribution, Lognormal, Model, Priority
from .units import (
    Duration,
    Money,
    PositiveDuration,
    Rate,
    Share,
    format_duration,
    format_money,
    format_percent,
    money_amount,
    parse_duration,
    parse_fraction,
)


class Charge(Model):
    """An amount of money, or a share of the monthly fee (``500 EUR`` or ``5%``)."""

    amount: float = 0.0
    share: float = 0.0

    def of(self, monthly_fee: float) -> float:
        return self.amount + self.share * monthly_fee


def _charge(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, Charge):
        return value
    if isinstance(value, str) and value.strip().endswith("%"):
        return Charge(share=parse_fraction(value))
    if isinstance(value, str):
        return Charge(amount=money_amount(value, info))
    raise ValueError(f"expected an amount such as '500 EUR' or a share of the monthly fee such as '5%', got {value!r}")


def _write_charge(charge: Charge, info: SerializationInfo) -> str:
    if charge.share and not charge.amount:
        return format_percent(charge.share)
    return format_money(charge.amount, info)


ChargeField = Annotated[
    Charge,
    BeforeValidator(_charge),
    PlainSerializer(_write_charge, return_type=str),
    WithJsonSchema({"type": "string", "description": "an amount ('500 EUR') or a share of the monthly fee ('5%')"}),
]


def _guarantee(value: Any) -> Any:
    if value is None or isinstance(value, str) and value.strip().lower() in ("none", "best effort"):
        return None
    hours = parse_duration(value)
    if hours <= 0:
        raise ValueError(f"'{value}' must be longer than zero (or 'none' for best effort)")
    return hours


Guarantee = Annotated[
    float | None,
    BeforeValidator(_guarantee),
    PlainSerializer(lambda h: "none" if h is None else format_duration(h), return_type=str),
    WithJsonSchema({"type": "string", "description": "covered hours such as '4h', or 'none' (best effort)"}),
]
"""A deadline in covered hours of the offer's window, or None for best effort."""


Located = tuple[tuple[str, ...], str]
"""A problem inside a model: the path below the model (``("within_gtr", "P3")``) and the message."""


def _refuse(problems: list[Located], title: str) -> None:
    """Raise the problems as one validation error, each at its own path below the model.

    Pydantic prefixes these paths with the model's own place in the file, so a missing priority is
    reported at ``providers.msp.performance.within_gtr.P3`` (and a filled grid names that row).
    """
    if problems:
        raise ValidationError.from_exception_data(title, [
            InitErrorDetails(type=PydanticCustomError("value_error", "{message}", {"message": message}),
                             loc=loc, input=None)
            for loc, message in problems])


WITHIN_GTR_EXAMPLE = "within_gtr: {P1: 90%, P2: 90%, P3: 95%, P4: 95%}"
RESTORE_EXAMPLE = "restore: {P1: {median: 1h, p90: 4h}, P2: 4h, P3: {mean: 8h}, P4: 2d}"
BEST_EFFORT_HINT = ("a best-effort priority (GTR 'none') has no GTR to be restored within: "
                    "give performance.restore instead, a time per priority")


def _missing_priorities(table: dict, name: str) -> list[Located]:
    """One problem per priority missing from a table, at that priority's path, saying what to write."""
    hints = {
        "gtr": "the GTR table has no entry for {p}: give one for each of P1, P2, P3, P4 ('none' for best effort)",
        "within_gtr": "within_gtr has no share for {p}: give the share restored within the GTR for each of "
                      f"P1, P2, P3, P4, e.g. {WITHIN_GTR_EXAMPLE}; {BEST_EFFORT_HINT}",
        "restore": "restore has no time for {p}: give a restoration time in covered hours for each of "
                   f"P1, P2, P3, P4, e.g. {RESTORE_EXAMPLE}",
    }
    return [((p,), hints[name].replace("{p}", p)) for p in PRIORITIES if p not in table]


class Fees(Model):
    """What the provider bills: a fixed monthly fee, tickets beyond those included, HNO interventions."""

    monthly: Money
    tickets_included: Annotated[Count, Field(ge=0)] = 0
    """Tickets per month included in the fee."""
    extra_ticket: Money = 0.0
    hno_multiplier: Annotated[float, Field(ge=1, le=10)] = 1.0
    """An intervention started in HNO is billed ``extra_ticket x hno_multiplier`` on top of the fee."""
    hno_window: str = "HNO"


class Penalties(Model):
    """Penalties for missed GTR: per breach and per started hour late, capped each month."""

    per_breach: dict[Priority, ChargeField] = {}
    per_hour_late: dict[Priority, ChargeField] = {}
    """Charged for every started hour (covered hours) beyond the GTR."""
    monthly_cap: ChargeField | None = None
    """Most that can be charged in one month; no cap if absent."""


class Transition(Model):
    """Moving in: a one-off cost, and a period during which the previous option still runs and is paid."""

    cost: Money = 0.0
    duration: Duration = 0.0


class Retained(Model):
    """What stays in-house: service delivery manager, architecture, provider steering. Never zero."""

    fte: Annotated[float, Field(gt=0, le=100)]
    annual_cost: Money
    """Loaded annual cost of one FTE."""


DEFAULT_SPREAD = 3.0
"""P90 / median of the lognormal built from a share within the GTR when nothing else is known [E]."""

Spread = Annotated[float, Field(gt=1, le=100)]


def _spread_form(value: Any) -> str | None:
    if isinstance(value, dict):
        return "spread per priority"
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return "one spread"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return None
        return "one spread"
    return None


SpreadField = Annotated[
    Annotated[Spread, Tag("one spread")] | Annotated[dict[Priority, Spread], Tag("spread per priority")],
    Discriminator(
        _spread_form,
        custom_error_type="spread",
        custom_error_message="spread is a number above 1 (P90 / median), e.g. 3, or one per priority, "
                             "e.g. {P1: 2, P2: 3}",
    ),
    WithJsonSchema({
        "description": "P90 / median of the lognormal built from within_gtr: a number above 1, or one per "
                       "priority ({P1: 2, P2: 3}; priorities left out take 3)",
        "oneOf": [
            {"type": "number", "exclusiveMinimum": 1, "maximum": 100},
            {"type": "object", "propertyNames": {"enum": list(PRIORITIES)},
             "additionalProperties": {"type": "number", "exclusiveMinimum": 1, "maximum": 100}},
        ],
    }),
]
"""P90 / median: one number for every priority, or a table per priority."""


class Performance(Model):
    """How the provider really restores, in covered hours: a distribution per priority, or the share
    restored within the GTR, turned into a lognormal by a median (when the offer gives one) or by a
    P90 / median spread."""

    restore: dict[Priority, Distribution] | None = None
    within_gtr: dict[Priority, Share] | None = None
    median: dict[Priority, PositiveDuration] | None = None
    """Median restoration time per priority (optional, with ``within_gtr``): with the share, it sets the spread."""
    spread: SpreadField = DEFAULT_SPREAD
    """P90 / median of the lognormal built from ``within_gtr`` where no median is given; a number or one per
    priority (priorities left out take the default)."""
    response: dict[Priority, Distribution] | None = None
    """Time until a qualified engineer starts work (what the GTI measures)."""

    def median_for(self, priority: str) -> float | None:
        """The declared median restoration time of a priority, if the offer gives one."""
        return (self.median or {}).get(priority)

    def spread_for(self, priority: str) -> float:
        """P90 / median used for a priority when no median is given."""
        if isinstance(self.spread, dict):
            return self.spread.get(priority, DEFAULT_SPREAD)
        return self.spread

    @model_validator(mode="after")
    def _one_form(self) -> Performance:
        if self.restore is None and self.within_gtr is None:
            if self.median:
                raise ValueError("a median goes with within_gtr: give within_gtr too, the share restored within "
                                 f"the GTR per priority, e.g. {WITHIN_GTR_EXAMPLE}")
            raise ValueError(f"give either 'restore', a time per priority (e.g. {RESTORE_EXAMPLE}), or "
                             f"'within_gtr', a share per priority (e.g. {WITHIN_GTR_EXAMPLE})")
        if self.restore is not None and self.within_gtr is not None:
            raise ValueError("give either 'restore' (a time per priority) or 'within_gtr' (a share per priority), "
                             "not both")
        problems: list[Located] = []
        if self.restore is not None:
            problems += [(("restore", *loc), message) for loc, message in _missing_priorities(self.restore, "restore")]
            if self.median:
                problems.append((("median",), "a median goes with within_gtr; with restore, write it in each "
                                              "priority's time, e.g. restore: {P1: {median: 25min, p90: 2h}, ...}"))
        else:
            problems += [(("within_gtr", *loc), message)
                         for loc, message in _missing_priorities(self.within_gtr, "within_gtr")]
            for priority, share in self.within_gtr.items():
                if not 0 < share < 1:
                    problems.append((("within_gtr", priority),
                                     f"within_gtr.{priority} must be strictly between 0% and 100%"))
            if isinstance(self.spread, dict):
                problems += [(("spread", p), f"{p} has both a median and a spread: with a median, the share within "
                                             "the GTR sets the spread; give one or the other")
                             for p in self.spread if self.median_for(p) is not None]
        _refuse(problems, "Performance")
        return self


class ProviderOffer(Model):
    """A managed-services offer (infogérance) for restoring incidents."""

    name: str | None = None
    """What the buyer calls this offer in tables and charts; the provider's name, else the offer's
    identifier, when absent."""
    provider: str = ""
    description: str = ""
    coverage: str = "HO"
    """The window in which the contract's clock runs and the provider works."""
    gti: dict[Priority, Guarantee] = {}
    gtr: dict[Priority, Guarantee]
    performance: Performance
    capacity: Annotated[Count, Field(ge=1, le=500)] | None = None
    """Engineers handling this client's incidents at once; unlimited if absent."""
    fees: Fees
    penalties: Penalties = Penalties()
    prevents: dict[Priority, Share] = {}
    """Share of incidents of a priority that never happen with this offer (e.g. a high-availability platform)."""
    hosting: Literal["client", "included"] = "client"
    """``included``: the provider hosts the platform, so the in-house infrastructure cost disappears."""
    transition: Transition = Transition()
    retained: Retained
    """Required: outsourcing always leaves someone in-house to steer the provider."""
    contract_years: Annotated[Count, Field(ge=1, le=20)] = 3
    indexation: Rate | None = None
    """Yearly price indexation; the study's ``price_indexation`` if absent."""
    exit_cost: Money = 0.0

    @field_validator("gtr")
    @classmethod
    def _gtr_complete(cls, value: dict) -> dict:
        _refuse(_missing_priorities(value, "gtr"), "GTR")
        return value

    @model_validator(mode="after")
    def _performance_matches_gtr(self) -> ProviderOffer:
        """A share within the GTR, and a median, are read against each priority's GTR: check they fit it."""
        performance = self.performance
        if performance.within_gtr is None:
            return self
        problems: list[Located] = []
        for priority in PRIORITIES:
            gtr, median = self.gtr.get(priority), performance.median_for(priority)
            if gtr is None:
                problems.append((("performance", "within_gtr", priority),
                                 f"{priority} is best effort (GTR 'none'), so no share can be restored within its "
                                 "GTR: give performance.restore instead, a time per priority, e.g. "
                                 + RESTORE_EXAMPLE))
                if median is not None:
                    problems.append((("performance", "median", priority),
                                     f"a median is read against the GTR, and {priority} is best effort (GTR 'none'): "
                                     "give performance.restore instead"))
            elif median is not None and priority in performance.within_gtr:
                message = _median_problem(priority, median, gtr, performance.within_gtr[priority])
                if message:
                    problems.append((("performance", "median", priority), message))
        _refuse(problems, "ProviderOffer")
        return self

    def restore_distribution(self, priority: str) -> Distribution:
        """Restoration time in covered hours for a priority.

        With ``within_gtr``, the lognormal puts the declared share within the GTR; its median is the
        declared one if the offer gives it (the spread follows), otherwise its P90 / median is the spread.
        """
        performance = self.performance
        if performance.restore is not None:
            return performance.restore[priority]
        share, gtr = performance.within_gtr[priority], self.gtr[priority]
        median = performance.median_for(priority)
        if median is None:
            spread = performance.spread_for(priority)
            median = gtr / np.exp(np.log(spread) / Z90 * ndtri(share))
        else:
            spread = np.exp(np.log(gtr / median) / ndtri(share) * Z90)
        return Lognormal.model_construct(median=float(median), p90=float(median * spread))


def _median_problem(priority: str, median: float, gtr: float, share: float) -> str | None:
    """What is wrong with a declared median given the GTR and the share within it, or None."""
    written = f"a median of {format_duration(median)}"
    declared = f"within_gtr.{priority} says {format_percent(share)}"
    z, ratio = float(ndtri(share)), float(np.log(gtr / median))
    if abs(ratio) < 1e-9:
        if abs(z) < 1e-9:
            return ("a median equal to the GTR with 50% within it says nothing of the spread: leave the median out "
                    "and give spread instead (P90 / median)")
        side = "shorter" if z > 0 else "longer"
        return (f"{written} equal to the GTR means half are restored within the GTR, yet {declared}: "
                f"give a median {side} than the GTR, or leave it out")
    if abs(z) < 1e-9:
        return (f"{declared}, which means the median is the GTR ({format_duration(gtr)}), not "
                f"{format_duration(median)}: leave the median out or check the share")
    if ratio < 0 < z:
        return (f"{written} is longer than the GTR ({format_duration(gtr)}), so fewer than half are restored within "
                f"the GTR, yet {declared}: give a median shorter than {format_duration(gtr)}, or check the share")
    if z < 0 < ratio:
        return (f"{written} is shorter than the GTR ({format_duration(gtr)}), so more than half are restored "
                f"within the GTR, yet {declared}: give a median longer than {format_duration(gtr)}, "
                "or check the share")
    spread = float(np.exp(ratio / z * Z90))
    if spread > 100:
        return (f"{written} with {format_percent(share)} within a GTR of {format_duration(gtr)} means a P90 "
                f"{spread:.0f} times the median (at most 100): check the median and the share")
    return None


class CreditTier(Model):
    """Below this monthly availability, this share of the monthly fee is credited."""

    below: Share
    credit: Share


class Sla(Model):
    """A SaaS availability commitment and its service credits."""

    availability: Share
    credits: list[CreditTier] = []
    cap: Share = 1.0
    """Most that can be credited in one month, as a share of the monthly fee."""
    claimed: bool = True
    """Credits are only paid when claimed (the credit rule itself: :func:`sourcing.money.credit_share`)."""


class PlatformOutages(Model):
    """The SaaS platform's own outages: how many a year and how long each."""

    per_year: Annotated[float, Field(ge=0, le=10_000)]
    duration: Distribution


class Maintenance(Model):
    """Scheduled maintenance of a SaaS platform: excluded from the SLA, still felt by users."""

    per_month: Annotated[float, Field(ge=0, le=100)] = 0.0
    duration: Duration = 0.0
    window: str = "Sun 02:00-06:00"


class Support(Model):
    """The provider's support for user-level incidents: when it works and how fast it restores."""

    window: str = "24/7"
    response: Distribution = Lognormal(median="1h", p90="4h")
    restore: Distribution = Lognormal(median="4h", p90="24h")


class SaasOffer(Model):
    """Software as a service: a subscription per user, the platform's outages and its SLA."""

    name: str | None = None
    """What the buyer calls this offer in tables and charts; the provider's name, else the offer's
    identifier, when absent."""
    provider: str = ""
    description: str = ""
    price_per_user_month: Money
    outages: PlatformOutages
    maintenance: Maintenance | None = None
    sla: Sla | None = None
    support: Support = Support()
    migration: Transition = Transition()
    retained: Retained
    """Required: a SaaS still needs someone to administer the tenant and steer the provider."""
    indexation: Rate | None = None
    exit_cost: Money = 0.0
