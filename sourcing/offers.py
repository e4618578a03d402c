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
    Field,
    PlainSerializer,
    SerializationInfo,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from scipy.special import ndtri

from .model import PRIORITIES, Z90, Count, Distribution, Lognormal, Model, Priority
from .units import (
    Duration,
    Money,
    Rate,
    Share,
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
    PlainSerializer(lambda h: "none" if h is None else _format_hours(h), return_type=str),
    WithJsonSchema({"type": "string", "description": "covered hours such as '4h', or 'none' (best effort)"}),
]
"""A deadline in covered hours of the offer's window, or None for best effort."""


def _format_hours(hours: float) -> str:
    from .units import format_duration

    return format_duration(hours)


def _all_priorities(name: str):
    def check(value: dict) -> dict:
        missing = [p for p in PRIORITIES if p not in value]
        if missing:
            raise ValueError(f"the {name} table has no entry for {', '.join(missing)}: give one for each of "
                             "P1, P2, P3, P4 ('none' for best effort)")
        return value

    return check


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


class Performance(Model):
    """How the provider really restores, in covered hours: a distribution per priority, or the share
    restored within the GTR (turned into a lognormal with the given P90/median spread)."""

    restore: dict[Priority, Distribution] | None = None
    within_gtr: dict[Priority, Share] | None = None
    spread: Annotated[float, Field(gt=1, le=100)] = 3.0
    """P90 / median of the lognormal built from ``within_gtr``."""
    response: dict[Priority, Distribution] | None = None
    """Time until a qualified engineer starts work (what the GTI measures)."""

    @model_validator(mode="after")
    def _one_form(self) -> Performance:
        if (self.restore is None) == (self.within_gtr is None):
            raise ValueError("give either 'restore' (a time per priority) or 'within_gtr' (a share per priority)")
        table = self.restore if self.restore is not None else self.within_gtr
        _all_priorities("performance")(table)
        if self.within_gtr is not None:
            for priority, share in self.within_gtr.items():
                if not 0 < share < 1:
                    raise ValueError(f"within_gtr.{priority} must be strictly between 0% and 100%")
        return self


class ProviderOffer(Model):
    """A managed-services offer (infogérance) for restoring incidents."""

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
        return _all_priorities("GTR")(value)

    @field_validator("performance")
    @classmethod
    def _performance_matches_gtr(cls, value: Performance, info: ValidationInfo) -> Performance:
        gtr = info.data.get("gtr")
        if value.within_gtr is not None and gtr:
            best_effort = [p for p in PRIORITIES if p in gtr and gtr[p] is None]
            if best_effort:
                raise ValueError(f"within_gtr needs a GTR, but {', '.join(best_effort)} is best effort: "
                                 "give performance.restore instead")
        return value

    def restore_distribution(self, priority: str) -> Distribution:
        """Restoration time in covered hours for a priority."""
        if self.performance.restore is not None:
            return self.performance.restore[priority]
        share = self.performance.within_gtr[priority]
        sigma = np.log(self.performance.spread) / Z90
        median = self.gtr[priority] / np.exp(sigma * ndtri(share))
        return Lognormal.model_construct(median=float(median), p90=float(median * self.performance.spread))


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
    """Credits are only paid when claimed."""

    def credit_share(self, availability: float) -> float:
        """Share of the monthly fee credited for a month at this availability (before the cap)."""
        share = 0.0
        for tier in self.credits:
            if availability < tier.below - 1e-12:
                share = max(share, tier.credit)
        return min(share, self.cap)


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
