"""Words and numbers as the reader reads them: one catalogue of sentences keyed by identifier, in English
and French, and numbers formatted for the reader's locale with Babel (``1 228,3 k€`` and ``99,23 %`` in
French, ``1,228.3 k€`` and ``99.23 %`` in English). Every door (command line, app, reports) says things
through here, so a sentence is written once in each language."""

from __future__ import annotations

import math

from babel.numbers import format_decimal

LOCALES = {"en": "en_GB", "fr": "fr_FR"}
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}

SENTENCES: dict[str, dict[str, str]] = {
    "verdict.recommend": {
        "en": "Recommended: **{best}**, the lowest economic cost over {years} years among the options that meet "
              "their availability targets.",
        "fr": "Recommandé : **{best}**, le coût économique le plus bas sur {years} ans parmi les options qui "
              "tiennent leurs objectifs de disponibilité.",
    },
    "verdict.margin": {
        "en": "It costs {amount} less than {runner} over {years} years ({per_year} a year; 95 % CI {low} to "
              "{high}).",
        "fr": "Elle coûte {amount} de moins que {runner} sur {years} ans ({per_year} par an ; IC 95 % de {low} "
              "à {high}).",
    },
    "verdict.sure": {
        "en": "How sure: it is the cheapest in {pcs} of resamples of the {n} replications.",
        "fr": "Certitude : elle reste la moins chère dans {pcs} des rééchantillonnages des {n} réplications.",
    },
    "verdict.equivalent": {
        "en": "{best} and {runner} are equivalent within {amount} over {years} years: the difference is surely "
              "smaller than that; decide on other grounds.",
        "fr": "{best} et {runner} sont équivalentes à {amount} près sur {years} ans : l'écart est sûrement plus "
              "petit ; décidez sur d'autres critères.",
    },
    "verdict.unsettled": {
        "en": "Not settled yet: the interval of the difference still contains zero; add replications "
              "(sourcing run --until decided).",
        "fr": "Pas encore tranché : l'intervalle de l'écart contient encore zéro ; ajoutez des réplications "
              "(sourcing run --until decided).",
    },
    "verdict.only": {
        "en": "Recommended: **{best}**, the only option that meets its availability targets.",
        "fr": "Recommandé : **{best}**, la seule option qui tient ses objectifs de disponibilité.",
    },
    "verdict.excluded": {
        "en": "Not considered: {option} ({why}).",
        "fr": "Écartée : {option} ({why}).",
    },
    "verdict.below_target": {
        "en": "{service} at {value} on average, below its target of {target}",
        "fr": "{service} à {value} en moyenne, sous son objectif de {target}",
    },
    "verdict.none_meets": {
        "en": "No option meets every availability target: the recommendation is the cheapest of all.",
        "fr": "Aucune option ne tient tous les objectifs de disponibilité : la recommandation est la moins chère "
              "de toutes.",
    },
    "verdict.gives_up": {
        "en": "What it gives up: {points} of availability against {other}, the most available option (95 % CI "
              "{low} to {high}).",
        "fr": "Ce qu'elle sacrifie : {points} de disponibilité par rapport à {other}, l'option la plus disponible "
              "(IC 95 % de {low} à {high}).",
    },
    "verdict.sensitive": {
        "en": "The answer depends most on: {names}.",
        "fr": "La réponse dépend surtout de : {names}.",
    },
    "verdict.flips": {
        "en": "Careful: within the ranges tried, {names} could flip the decision.",
        "fr": "Attention : dans les plages essayées, {names} pourrait inverser la décision.",
    },
    "verdict.unsustainable": {
        "en": "It relies on an on-call rota a French reader would question: {flags}.",
        "fr": "Elle repose sur une astreinte qu'un lecteur français questionnerait : {flags}.",
    },
    "rest.on_call_share": {
        "en": "one person is on call {share} of the weeks (more than one week in two)",
        "fr": "une personne est d'astreinte {share} des semaines (plus d'une semaine sur deux)",
    },
    "rest.daily": {
        "en": "call-outs break the 11 consecutive hours of daily rest {count} times a year per person",
        "fr": "les interventions interrompent le repos quotidien de 11 heures {count} fois par an et par personne",
    },
    "rest.weekly": {
        "en": "weekend call-outs break the 35 hours of weekly rest {count} times a year per person",
        "fr": "les interventions du week-end interrompent le repos hebdomadaire de 35 heures {count} fois par an "
              "et par personne",
    },
    "rest.overtime": {
        "en": "one person works {hours} hours of overtime a year, beyond the legal quota of 220",
        "fr": "une personne fait {hours} heures supplémentaires par an, au-delà du contingent légal de 220",
    },
    "store.intro": {
        "en": "{n} studies read from the run store (version {version}); means over each study's replications, "
              "95 % intervals; a '?' on a map marks a margin whose interval still contains zero.",
        "fr": "{n} études lues dans la base de résultats (version {version}) ; moyennes sur les réplications de "
              "chaque étude, intervalles à 95 % ; un « ? » sur une carte marque un écart dont l'intervalle contient "
              "encore zéro.",
    },
    "store.across": {"en": "Which option wins where", "fr": "Quelle option l'emporte, et où"},
    "store.margin": {"en": "Margin over the runner-up (95 % CI)", "fr": "Avance sur la deuxième (IC 95 %)"},
    "store.file": {"en": "File", "fr": "Fichier"},
    "store.variant": {"en": "Variant", "fr": "Variante"},
    "store.recommended": {"en": "Recommended", "fr": "Recommandée"},
    "store.runner_up": {"en": "Runner-up", "fr": "Deuxième"},
    "store.winner_map": {"en": "Recommended option", "fr": "Option recommandée"},
    "store.cost_along": {"en": "Economic cost over the horizon along {parameter}",
                         "fr": "Coût économique sur l'horizon selon {parameter}"},
    "store.economic_cost_k": {"en": "Economic cost over the horizon (k€)",
                              "fr": "Coût économique sur l'horizon (k€)"},
}


def say(key: str, lang: str = "en", **values: object) -> str:
    """The sentence ``key`` in the language, with its ``{placeholders}`` filled."""
    entry = SENTENCES[key]
    return entry.get(lang, entry["en"]).format(**values)


def number(value: float, lang: str = "en", digits: int = 1) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALES.get(lang, "en_GB"))


def money(amount: float, currency: str = "EUR", lang: str = "en", signed: bool = False) -> str:
    """An amount in thousands of the currency: ``1,228.3 k€`` / ``1 228,3 k€``."""
    if amount is None or not math.isfinite(amount):
        return "n/a"
    text = number(amount / 1000, lang, 1)
    if signed and amount > 0:
        text = "+" + text
    space = "\u202f" if lang == "fr" else " "
    return f"{text}{space}k{SYMBOLS.get(currency, currency)}"


def percent(share: float, lang: str = "en", digits: int = 2, signed: bool = False) -> str:
    """A share as a percentage: ``99.23 %`` / ``99,23 %``."""
    if share is None or not math.isfinite(share):
        return "n/a"
    text = number(share * 100, lang, digits)
    if signed and share > 0:
        text = "+" + text
    return f"{text}\u202f%" if lang == "fr" else f"{text} %"


def points(share: float, lang: str = "en") -> str:
    """A difference of availability in percentage points."""
    return (number(share * 100, lang, 3) + ("\u202fpoint" if lang == "fr" else " points")) if math.isfinite(share) \
        else "n/a"
