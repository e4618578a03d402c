"""A call for tenders: providers' offers for some services of a base scenario, with qualitative scores.

The tender is turned into a study: the base scenario's baseline (today) plus one scenario per offer,
in which the services in scope are outsourced to that offer and the others keep today's option. The
study then runs like any other, so every offer sees the same incidents (common random numbers).
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .errors import Problem, ScenarioError
from .model import Model, Name, Priority
from .offers import Guarantee, ProviderOffer
from .scenario import Study, check_guarantees, display_names


class Criterion(Model):
    """A qualitative criterion scored by procurement on a stated scale (higher is better)."""

    label: str
    description: str = ""
    low: float = 0.0
    high: float = 5.0

    @model_validator(mode="after")
    def _scale(self) -> Criterion:
        if self.high <= self.low:
            raise ValueError("the scale's 'high' must be above its 'low'")
        return self


DEFAULT_CRITERIA: dict[str, Criterion] = {
    "reversibility_plan": Criterion(label="Reversibility plan",
                                    description="0 none; 3 a written plan; 5 a tested plan with data formats, "
                                                "assistance and prices"),
    "data_location": Criterion(label="Data location",
                               description="0 unknown or outside the EU; 3 in the EU; 5 in France, SecNumCloud"),
    "references": Criterion(label="References",
                            description="0 none; 3 comparable clients named; 5 several comparable clients to call"),
    "financial_strength": Criterion(label="Financial strength",
                                    description="0 fragile; 3 sound; 5 large, profitable, long-established"),
    "support_language": Criterion(label="Support language",
                                  description="0 English only; 3 French in business hours; 5 French 24/7"),
}
"""Qualitative criteria asked of every provider unless the tender names its own."""

SIMULATED_CRITERIA: dict[str, Literal["min", "max"]] = {
    "price": "min",
    "availability": "max",
    "gtr_breach": "min",
    "uncovered_downtime": "min",
}
"""Criteria measured by the simulation, and whether less or more is better; their labels are
``criterion.<identifier>`` in the catalogue."""


def criterion_label(key: str, criteria: dict[str, Criterion] | None = None, lang: str = "en",
                    short: bool = False) -> str:
    """What a criterion is called: the catalogue's words for the simulated and default criteria, the
    tender's own label for a criterion it names or labels itself."""
    from .words import known, say

    own = (criteria or {}).get(key)
    default = DEFAULT_CRITERIA.get(key)
    if own is not None and (default is None or own.label != default.label):
        return own.label
    entry = f"criterion.short.{key}" if short else f"criterion.{key}"
    return say(entry, lang) if known(entry) else (own.label if own is not None else key)


DEFAULT_WEIGHTS: dict[str, float] = {"price": 0.35, "availability": 0.15, "gtr_breach": 0.10,
                                     "uncovered_downtime": 0.15, "reversibility_plan": 0.05, "data_location": 0.05,
                                     "references": 0.05, "financial_strength": 0.05, "support_language": 0.05}
"""Default weights [E]: price first, then the risk the offer leaves with the client."""

NAME_LENGTH: int = next(m.max_length for info in Name.__metadata__ for m in info.metadata if hasattr(m, "max_length"))
"""Most characters a name may have (the limit of :data:`~sourcing.model.Name`)."""


class Requirements(Model):
    """What an offer must meet to be eligible at all, whatever its score (the tender's mandatory requirements).

    The services' monthly availability targets of the base scenario are always required (the one rule of
    :mod:`simulation.targets`); these are the tender's own: a coverage window the contract clock must run in
    (every hour of it), a GTR ceiling per priority (covered hours, as the offers write them) and a lowest
    acceptable score on a qualitative criterion (``data_location: 3``: in the EU).
    """

    coverage: str | None = None
    """A window (``24/7``, ``HO``, rules) every hour of which the offer's coverage window must include."""
    gtr: dict[Priority, Guarantee] = {}
    """Longest acceptable GTR per priority; a best-effort GTR ('none') fails it."""
    scores: dict[str, Annotated[float, Field(allow_inf_nan=False)]] = {}
    """Lowest acceptable score per qualitative criterion."""


class TenderOffer(ProviderOffer):
    """A provider's offer as answered to the tender, with its qualitative scores."""

    scores: dict[str, Annotated[float, Field(allow_inf_nan=False)]] = {}


class Tender(Model):
    """Offers from several providers for the same services, to be compared on the same incidents."""

    name: Name
    description: str = ""
    currency: Literal["EUR", "USD", "GBP", "CHF"] = "EUR"
    scenario: str | None = None
    """The base scenario file, relative to the tender file (the command line may name another)."""
    services: Annotated[list[str], Field(min_length=1)] | None = None
    """Services the offers are for; all the base scenario's services if absent."""
    criteria: dict[Name, Criterion] = DEFAULT_CRITERIA
    weights: dict[str, Annotated[float, Field(ge=0)]] = DEFAULT_WEIGHTS
    requirements: Requirements = Requirements()
    """Mandatory requirements: an offer that fails one is not eligible and is ranked apart."""
    offers: Annotated[dict[Name, TenderOffer], Field(min_length=1)]
    translations: dict[str, dict[str, str]] = {}
    """The names and descriptions in other languages (see :func:`sourcing.files.in_language`)."""

    @field_validator("offers")
    @classmethod
    def _scores_on_scale(cls, offers: dict[str, TenderOffer], info: ValidationInfo) -> dict[str, TenderOffer]:
        criteria = info.data.get("criteria", DEFAULT_CRITERIA)
        problems = []
        for name, offer in offers.items():
            for key, value in offer.scores.items():
                criterion = criteria.get(key)
                if criterion is None:
                    problems.append(Problem(("offers", name, "scores", key),
                                            f"'{key}' is not a criterion of this tender "
                                            f"(criteria: {', '.join(criteria)})"))
                elif not criterion.low <= value <= criterion.high:
                    problems.append(Problem(("offers", name, "scores", key),
                                            f"{value:g} is off the scale {criterion.low:g} to {criterion.high:g}"))
            for key in criteria:
                if key not in offer.scores:
                    problems.append(Problem(("offers", name, "scores"), f"no score for '{key}'"))
        if problems:
            raise ScenarioError(problems)
        return offers

    @model_validator(mode="after")
    def _weights(self) -> Tender:
        known = set(SIMULATED_CRITERIA) | set(self.criteria)
        problems = [Problem(("weights", key), f"'{key}' is not a criterion (criteria: {', '.join(sorted(known))})")
                    for key in self.weights if key not in known]
        for name, offer in self.offers.items():
            problems += check_guarantees(offer, {}, ("offers", name))
        for key, value in self.requirements.scores.items():
            criterion = self.criteria.get(key)
            if criterion is None:
                problems.append(Problem(("requirements", "scores", key),
                                        f"'{key}' is not a qualitative criterion of this tender (criteria: "
                                        f"{', '.join(self.criteria)})"))
            elif not criterion.low <= value <= criterion.high:
                problems.append(Problem(("requirements", "scores", key),
                                        f"{value:g} is off the scale {criterion.low:g} to {criterion.high:g}"))
        if self.requirements.gtr and None in self.requirements.gtr.values():
            problems.append(Problem(("requirements", "gtr"), "a GTR ceiling is a duration such as '4h'; leave a "
                                                             "priority out to set no ceiling"))
        if not problems and sum(self.weights.values()) <= 0:
            problems.append(Problem(("weights",), "at least one weight must be above zero"))
        if problems:
            raise ScenarioError(problems)
        return self

    @cached_property
    def names(self) -> dict[str, str]:
        """What to call each offer: its name, else its provider as entered, else its identifier (a grid's
        column heading)."""
        return display_names(self.offers)

    def name_of(self, key: str) -> str:
        return self.names.get(key, key)


def tender_study(base: Study, tender: Tender) -> Study:
    """The base study with the tender's offers as providers and one scenario per offer."""
    from .files import study_from_data

    problems = []
    if tender.currency != base.currency:
        problems.append(Problem(("currency",), f"the offers are in {tender.currency} but the base scenario is in "
                                               f"{base.currency}"))
    scope = tender.services or list(base.services)
    for i, service in enumerate(scope):
        if service not in base.services:
            problems.append(Problem(("services", i), f"'{service}' is not a service of the base scenario "
                                                     f"({', '.join(base.services)})"))
    if tender.requirements.coverage is not None:
        try:
            base.window(tender.requirements.coverage)
        except ValueError as exc:
            problems.append(Problem(("requirements", "coverage"), f"'{tender.requirements.coverage}' is not a "
                                                                  f"window of the base scenario: {exc}"))
    for name in tender.offers:
        if name in base.providers:
            problems.append(Problem(("offers", name), f"the base scenario already has a provider offer '{name}'"))
        if name == base.baseline_name:
            problems.append(Problem(("offers", name), "an offer cannot have the name of the baseline scenario"))
    if problems:
        raise ScenarioError(problems)
    context = {"currency": base.currency}
    data = base.model_dump(mode="json", by_alias=True, exclude_none=True, context=context)
    today = base.scenario(base.baseline_name)
    for name, offer in tender.offers.items():
        data["providers"][name] = offer.model_dump(mode="json", by_alias=True, exclude_none=True,
                                                   exclude={"scores"}, context=context)
    baseline = today.model_dump(mode="json", by_alias=True, exclude_none=True, context=context)
    baseline["name"] = today.name
    scenarios = [baseline]
    for name in tender.offers:
        options = {service: ({"outsource": name} if service in scope
                             else today.option_for(service).model_dump(mode="json", by_alias=True))
                   for service in base.services}
        scenarios.append({"name": name, "options": options})
    data["scenarios"] = scenarios
    data["baseline"] = today.name
    full = f"{tender.name} — on {base.name}"
    data["name"] = fitting_name(full)
    if data["name"] != full:
        data["description"] = full + (f"\n\n{base.description}" if base.description else "")
    return study_from_data(data, source=f"{tender.name} on {base.name}")


def fitting_name(text: str, limit: int = NAME_LENGTH) -> str:
    """``text`` as a name of at most ``limit`` characters, cut with an ellipsis if it is longer.

    A study built from two user-written names (the tender's and the base scenario's) can be longer
    than a name may be; it is shortened rather than refused, and kept whole in the description.
    """
    if len(text) <= limit:
        return text
    return text[:limit - 1].rstrip() + "…"
