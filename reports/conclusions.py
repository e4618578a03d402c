"""The conclusions of the "what would it take" tools in the reader's words (the records are
:mod:`simulation.conclusions`'s; the sentences the catalogue's ``conclusion.*``). The app and the command line
say them first, above the chart or the table they conclude."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sourcing import words
from sourcing.paths import quantity

if TYPE_CHECKING:   # the records, read only
    from simulation.conclusions import (
        BreakEvenConclusion,
        MatchConclusion,
        Parameter,
        PriorityRating,
        RestCheck,
        RestConclusion,
        TornadoConclusion,
    )
    from simulation.whatif import Match

say = words.say


def parameter_text(p: Parameter, lang: str = "en") -> str:
    """``the monthly fee of Messaging MSP`` / ``le forfait mensuel de Messaging MSP``; a value the catalogue
    does not name reads as its words (``repair time p1``), with its owner."""
    key = f"conclusion.param.{p.field}"
    if words.known(key):
        return say(key, lang, owner=p.owner or "")
    plain = p.field.replace(".", " ").replace("_", " ").strip() or p.path
    return say("conclusion.param_of", lang, what=plain, owner=p.owner) if p.owner else plain


def per_text(per: str, lang: str = "en") -> str:
    """``/month``, ``/user/month``, ``/year`` (empty for a value not counted over a period)."""
    return say(f"conclusion.per.{per}", lang) if per else ""


def value_text(value: Any, unit: str = "", per: str = "", lang: str = "en") -> str:
    """A value of the parameter as the reader reads it: ``3,500 €/month``, ``3``, ``99.50 %``."""
    if isinstance(value, bool) or value is None:
        return say("app.yes" if value else "app.no", lang)
    if isinstance(value, int) and not unit:
        return words.number(value, lang, 0)
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return say("whatif.unbounded", lang)
        if unit not in ("", "%", "h") and 0 < abs(value) < 100:   # a price per user: 22.50 €, not 23 €
            return (f"{words.number(float(value), lang, 2)}{words.unit_space(lang)}{words.symbol(unit)}"
                    + per_text(per, lang))
        return words.value(float(value), unit, lang) + (per_text(per, lang) if unit else "")
    try:
        q = quantity(value)
    except (ValueError, TypeError):
        return str(value)
    return words.value(q.number, q.unit, lang) + (per_text(per, lang) if q.unit else "")


def breakeven_sentence(c: BreakEvenConclusion, lang: str = "en") -> str:
    """``Below 4,924 €/month for the monthly fee of Messaging MSP, **A** costs less than **B**; above it, **B**
    does. Today: 3,500 €/month, ...``; or the option that wins throughout the range tried."""
    def shown(x: float) -> str:
        return value_text(x, c.unit, c.parameter.per, lang)

    parameter = parameter_text(c.parameter, lang)
    today = shown(c.today)
    if c.value is None:
        return say(f"conclusion.breakeven_none_{c.on}", lang, winner=c.below, loser=c.above, parameter=parameter,
                   low=shown(c.tried[0]), high=shown(c.tried[1]), today=today)
    band = (say("conclusion.band", lang, low=shown(c.band[0]), high=shown(c.band[1]))
            if c.band is not None else "")
    head = say(f"conclusion.breakeven_{c.on}", lang, value=shown(c.value), parameter=parameter, below=c.below,
               above=c.above)
    if c.today_winner is None:
        tail = say("conclusion.today_undecided", lang, today=today, band=band)
    else:
        tail = say(f"conclusion.today_{c.on}", lang, today=today, winner=c.today_winner, band=band)
    return f"{head} {tail}"


def move_text(move: float, additive: bool, lang: str = "en") -> str:
    """A swing's end as the reader reads it: ``×0.8``, or ``-5 %`` added to a rate."""
    return words.percent(move, lang, 0, signed=True) if additive else f"×{words.decimal_text(move, lang)}"


def tornado_sentences(c: TornadoConclusion, label, currency: str = "EUR", lang: str = "en") -> list[str]:
    """Whether an assumption reverses the decision, at which end, and by how much; ``label`` names an
    assumption in the reader's words (:func:`assumption_label`)."""
    if c.holds:
        out = [say("conclusion.tornado_holds", lang, winner=c.winner, runner=c.runner_up)]
        if c.tried:
            widest = c.tried[0]
            out.append(say("conclusion.tornado_widest", lang, assumption=label(widest.assumption, lang),
                           low=move_text(widest.low, widest.additive, lang),
                           high=move_text(widest.high, widest.additive, lang),
                           at_low=words.money(-widest.at_low, currency, lang),
                           at_high=words.money(-widest.at_high, currency, lang)))
        return out
    items = []
    for r in c.reversals:
        ends = {"low": [r.move_low], "high": [r.move_high], "both": [r.move_low, r.move_high]}[r.end]
        items.append(say("conclusion.tornado_item", lang, assumption=label(r.assumption, lang),
                         at=say("conclusion.or", lang).join(move_text(m, r.additive, lang) for m in ends),
                         amount=words.money(r.difference, currency, lang)))
    return [say("conclusion.tornado_reverses", lang, winner=c.winner, runner=c.runner_up, items="; ".join(items))]


def tried_rows(c: TornadoConclusion, label, currency: str = "EUR", lang: str = "en") -> list[dict[str, str]]:
    """The values tried for each assumption and the winner's margin at each end (the tornado's table)."""
    return [{say("conclusion.col_assumption", lang): label(t.assumption, lang),
             say("conclusion.col_low", lang): move_text(t.low, t.additive, lang),
             say("conclusion.col_high", lang): move_text(t.high, t.additive, lang),
             say("conclusion.col_margin_low", lang, winner=c.winner): words.money(-t.at_low, currency, lang),
             say("conclusion.col_margin_high", lang, winner=c.winner): words.money(-t.at_high, currency, lang)}
            for t in c.tried]


def gap_text(value: float, on: str, currency: str = "EUR", lang: str = "en") -> str:
    """A gap between two options: money in thousands, availability and GTR compliance in points."""
    if on == "cost":
        return words.money(value, currency, lang, signed=True)
    return words.points(value, lang, signed=True)


def match_sentence(c: MatchConclusion, currency: str = "EUR", lang: str = "en") -> str:
    """What it would take; or that no value of this parameter gets there, and from where the gap stays put."""
    parameter = parameter_text(c.parameter, lang)
    on = say(f"whatif.on_{c.on}", lang)
    if c.found is not None:
        return say("conclusion.match_found", lang, a=c.a, b=c.b, on=on, parameter=parameter,
                   value=value_text(c.found, c.unit, c.parameter.per if c.unit else "", lang),
                   p=words.percent(c.probability, lang, 0),
                   cost=words.money(c.cost_change_per_year, currency, lang, signed=True))
    if c.plateau_from is not None:
        return say("conclusion.match_plateau", lang, a=c.a, b=c.b, on=on, parameter=parameter,
                   value=value_text(c.plateau_from, c.unit, c.parameter.per if c.unit else "", lang),
                   gap=gap_text(c.plateau_gap, c.on, currency, lang))
    first, last = (c.tried[0], c.tried[-1]) if c.tried else ("", "")
    return say("conclusion.match_none", lang, a=c.a, b=c.b, on=on, parameter=parameter,
               low=value_text(first, c.unit, c.parameter.per if c.unit else "", lang),
               high=value_text(last, c.unit, c.parameter.per if c.unit else "", lang),
               gap=gap_text(c.last_gap, c.on, currency, lang) if c.last_gap is not None else "")


def rest_value(check: RestCheck, value: float, lang: str = "en") -> str:
    if check.kind == "share":
        return words.percent(value, lang, 1)
    if check.kind == "hours":
        return words.hours(value, lang, 0)
    return words.number(value, lang, 1)


def rest_sentence(c: RestConclusion, team: str, lang: str = "en") -> str:
    """``Messaging admins in **In-house**: near the threshold on the share of weeks on call (50.3 %, threshold
    51.9 %)``; or within every threshold."""
    def listed(checks) -> str:
        return "; ".join(say("conclusion.rest_item", lang, figure=say(f"conclusion.rest.{k.metric}", lang),
                             value=rest_value(k, k.value, lang), threshold=rest_value(k, k.threshold, lang))
                         for k in checks)

    if c.above:
        key, items = "conclusion.rest_above", listed(c.above)
        if c.near:
            items += say("conclusion.rest_and_near", lang, items=listed(c.near))
    elif c.near:
        key, items = "conclusion.rest_near", listed(c.near)
    else:
        key, items = "conclusion.rest_within", ""
    return say(key, lang, team=team, option=c.option, items=items)


def rest_rows(c: RestConclusion, lang: str = "en") -> list[dict[str, str]]:
    """Each threshold, the rota's figure and where it stands."""
    return [{say("conclusion.col_figure", lang): say(f"conclusion.rest.{k.metric}", lang),
             say("conclusion.col_rota", lang): rest_value(k, k.value, lang),
             say("conclusion.col_threshold", lang): rest_value(k, k.threshold, lang),
             say("conclusion.col_standing", lang): say(f"conclusion.standing.{k.standing}", lang)}
            for k in c.checks]


def rating_sentence(r: PriorityRating, lang: str = "en") -> str:
    """``P1: good, every quantile within 10 % of the history (furthest: P90, 12.0 h real, 12.9 h simulated)``."""
    return say(f"conclusion.rating.{r.rating}", lang, priority=r.priority, tickets=words.number(r.tickets, lang, 0),
               quantile=f"P{round(r.worst * 100)}", real=words.hours(r.real, lang, 1),
               simulated=words.hours(r.simulated, lang, 1), gap=_apart(r, lang))


def _apart(r: PriorityRating, lang: str) -> str:
    """``+36 %``; beyond double or half, ``×9.1`` (a percentage of thousands says nothing)."""
    if r.real > 0 and (r.simulated >= 2 * r.real or r.simulated <= r.real / 2):
        ratio = r.simulated / r.real
        return f"×{words.number_text(ratio, lang, 2, significant=True) if ratio < 10 else words.number(ratio, lang, 0)}"
    return words.percent(r.gap, lang, 0, signed=True)


def assumption_label(name: str, lang: str = "en") -> str:
    """A default assumption of the tornado in the reader's words; one the user named (a path) keeps its name."""
    return words.say_or(f"whatif.assumption.{name.replace(' ', '_').lower()}", name, lang)


def match_rows(found: Match, currency: str = "EUR", lang: str = "en") -> list[dict[str, str]]:
    """One row per value tried: the difference A - B and its interval, the chance that A is at least as good,
    and A's economic cost a year, in the reader's locale."""
    return [{
        say("whatif.value_tried", lang): value_text(s.value, found.unit, "", lang) if found.unit else str(s.value),
        say("whatif.difference", lang): gap_text(s.difference.mean, found.on, currency, lang),
        say("whatif.ci_low", lang): gap_text(s.difference.low, found.on, currency, lang),
        say("whatif.ci_high", lang): gap_text(s.difference.high, found.on, currency, lang),
        say("whatif.probability", lang): words.percent(s.probability, lang, 0),
        say("whatif.cost_per_year", lang, unit=words.thousands(currency)): words.money(
            s.cost_per_year, currency, lang, bare=True),
    } for s in found.steps]
