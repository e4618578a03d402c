"""The verdict in the reader's words: the answer first, then how sure, what it gives up, what it depends on.
The figures are the core's (:class:`simulation.verdict.Verdict`); only the words are made here."""

from __future__ import annotations

from simulation.decide import Selection
from simulation.plausibility import Doubt
from simulation.sustainability import breaches
from simulation.verdict import Verdict
from sourcing import words
from sourcing.words import horizon, money, note_text, number, percent, points, saving_span, say


def rest_flags(figures: dict[str, float], lang: str = "en") -> list[str]:
    """What a French reader would stop at in a team's mean figures (rest, on call, overtime), in words."""
    return [note_text(note, lang) for note in breaches(figures)]


def sentences(v: Verdict, lang: str = "en", currency: str = "EUR", replications: int | None = None,
              names: dict[str, str] | None = None) -> list[str]:
    """The verdict in plain words, first the answer, then how sure, what it gives up, what it depends on.

    ``names`` maps a service's or a team's identifier to what the reader calls it (``Study.names``; the
    identifier by default)."""
    over = horizon(v.years, lang)
    out = []
    if not v.decided:
        out.append(say("verdict.cannot_be_right", lang))
        out += [doubt_sentence(option, doubt, lang, names) for option, doubt in v.doubts.items()]
        return out
    if v.excluded and set(v.excluded) >= set(v.qualifying):
        out.append(say("verdict.none_meets", lang, best=v.recommended, horizon=over))
    elif v.runner_up is None:
        out.append(say("verdict.only" if v.excluded else "verdict.recommend", lang, best=v.recommended,
                       horizon=over))
    else:
        out.append(say("verdict.recommend", lang, best=v.recommended, horizon=over))
    if v.equivalent and v.runner_up is not None:
        out.append(say("verdict.equivalent", lang, best=v.recommended, runner=v.runner_up,
                       amount=money(v.indifference, currency, lang), horizon=over))
    elif v.next_option is not None and v.margin is not None:
        out += _margin(v, lang, currency, replications)
    for event in v.rare:
        out.append(say("verdict.rare", lang, team=(names or {}).get(event.team, event.team),
                       every=number(1 / event.per_replication, lang, 0), seen=number(max(event.seen, 0), lang, 0),
                       n=number(event.replications, lang, 0), needed=number(event.needed, lang, 0)))
    for option, short in v.excluded.items():
        why = say("verdict.below_target", lang, service=(names or {}).get(short.service, short.service),
                  target=percent(short.target, lang), share=percent(short.months_meeting, lang, 0),
                  required=percent(short.required, lang, 0), below=number(short.months_below_per_year, lang, 1),
                  value=percent(short.availability, lang, 3))
        out.append(say("verdict.excluded", lang, option=option, why=why))
    for option, doubt in v.doubts.items():
        out.append(say("verdict.excluded", lang, option=option, why=doubt_sentence(None, doubt, lang, names)))
    if v.gives_up is not None:
        other, mean, low, high = v.gives_up
        out.append(say("verdict.gives_up", lang, points=points(mean, lang), other=other, low=points(low, lang),
                       high=points(high, lang)))
    elif v.next_option is not None:
        out.append(say("verdict.gives_up_nothing", lang))
    if v.sensitive_to:
        out.append(say("verdict.sensitive", lang, names=", ".join(v.sensitive_to[:3])))
    found = list(v.unsustainable)
    for team, figures in v.rest.items():
        found += [f"{(names or {}).get(team, team)}: {flag}" for flag in rest_flags(figures, lang)]
    if found:
        out.append(say("verdict.unsustainable", lang, flags="; ".join(found)))
    return out


def _margin(v: Verdict, lang: str, currency: str, replications: int | None) -> list[str]:
    """By how much the recommended option costs less (or more) than the next option, over the horizon and
    a year, its interval in words, whether the gap is established, and how sure its direction is."""
    other = v.next_option
    mean, low, high = v.margin
    less = mean >= 0
    span = saving_span(low, high, currency, lang)
    which = ("" if v.next_qualifies and not v.excluded else
             say("verdict.which_meets" if v.next_qualifies else "verdict.which_misses", lang))
    out = [say("verdict.margin_less" if less else "verdict.margin_more", lang, other=other, which=which,
               amount=money(abs(mean), currency, lang), horizon=horizon(v.years, lang),
               per_year=money(abs(mean) / v.years, currency, lang), span=span)]
    if low <= 0 <= high:
        out.append(say("verdict.unsettled" if v.next_qualifies else "verdict.not_established", lang, other=other))
    n = replications or say("verdict.the", lang)
    if v.next_option == v.runner_up and v.probability is not None and v.probability == v.probability:
        out.append(say("verdict.sure", lang, pcs=percent(v.probability, lang, 1), n=n))
    elif v.margin_probability is not None and v.margin_probability == v.margin_probability:
        share = v.margin_probability if less else 1 - v.margin_probability
        out.append(say("verdict.sure_less" if less else "verdict.sure_more", lang, other=other,
                       pcs=percent(share, lang, 1), n=n))
    return out


def doubt_sentence(option: str | None, doubt: Doubt, lang: str = "en", names: dict[str, str] | None = None) -> str:
    """Why an option's figures cannot be right, in words (with the option's name first when given)."""
    service = (names or {}).get(doubt.service, doubt.service)
    if doubt.kind == "saturated":
        why = say("verdict.doubt_saturated", lang, team=service, share=percent(doubt.availability, lang, 0))
    elif doubt.kind == "backlog":
        why = say("verdict.doubt_backlog", lang, service=service, open=number(doubt.open_at_horizon, lang, 0),
                  months=number(doubt.months_of_incidents, lang, 1))
    else:
        why = say("verdict.doubt_down", lang, service=service, availability=percent(doubt.availability, lang, 1))
    return why if option is None else say("verdict.doubt_option", lang, option=option, why=why)


def selection_sentence(selection: Selection, currency: str = "EUR", lang: str = "en") -> str:
    """What a run until decided concluded (:class:`simulation.decide.Selection`), in the reader's words."""
    done = words.count(selection.replications, "count.replications", lang)
    if not selection.decided:
        return say("decide.not_settled", lang, replications=done, best=selection.best,
                   others=", ".join(selection.equivalent) or say("decide.none", lang))
    amount = words.money(selection.indifference, currency, lang)
    if selection.equivalent:
        return say("decide.equivalent", lang, best=selection.best, others=", ".join(selection.equivalent), amount=amount,
                   replications=done)
    return say("decide.decided", lang, best=selection.best, confidence=words.percent(selection.confidence, lang, 0),
               amount=amount, replications=done)


