"""The one catalogue of labels (sourcing/labels/*.toml) and numbers in the reader's locale."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol, get_plus_sign_symbol

from reports.report import figure_label
from simulation.measures import METRICS
from simulation.procurement import FIGURES
from sourcing import words
from sourcing.assumptions import DEFAULT_SOURCES, FIELD_UNITS
from sourcing.money import CATEGORIES
from sourcing.tender import DEFAULT_CRITERIA, SIMULATED_CRITERIA, criterion_label
from sourcing.words import CATALOGUE, CatalogueError, load
from webapp import editing

ROOT = Path(__file__).parents[1]

SAME_IN_BOTH = {
    # Words of the reports spelt alike (Option, Service, Version).
    "export.scope_of.scenario", "export.scope_of.service", "store.run_version",
    # The users' words and symbols, the same in English and French (GTR, GTI, SLA, HO, HNO, 24/7, P1-P4).
    "metric.availability_24_7", "metric.cost.infrastructure", "metric.cost.transition", "cost.infrastructure",
    "cost.transition", "chart.sla", "editor.yaml", "editor.tab_problems", "unit.percent", "unit.minutes",
    "ranking.method_topsis", "ranking.topsis_rank",
    # Words spelt alike in both languages.
    "page.service", "service.choose", "editor.services", "editor.column.service", "verdict.title",
    "grid.headings.question", "editor.column.skills", "setting.horizon", "setting.stat.p90",
    "setting.owner.scenario_service",
    "section.verdict", "export.sheet.verdict", "app.option", "chart.option", "export.option", "whatif.option_a",
    "whatif.option_b", "unit.points", "unit.point", "assumptions.source", "export.half_width",
    "export.description", "export.score", "export.sheet.scores", "metric.incidents", "export.total", "calibrate.format",
    "calibrate.family.gamma", "calibrate.figure.incidents", "calibrate.table.export", "calibrate.table.incidents",
    "calibrate.table.tickets", "calibrate.html.mapping",
    # Units and the users' words (P90, KS, AIC).
    "calibrate.table.p90",
    # Counted things spelt alike.
    "count.services.one", "count.services.other",
}
"""Keys whose French text may equal the English one; any other equal pair is a missed translation."""


def test_every_entry_has_english_and_french_with_the_same_placeholders():
    assert len(CATALOGUE) > 400
    for key, entry in CATALOGUE.items():
        assert set(entry) == {"en", "fr"}, key
        assert entry["en"].strip() and entry["fr"].strip(), key
        fields = [{name for _, name, _, _ in string.Formatter().parse(text) if name} for text in entry.values()]
        assert fields[0] == fields[1], f"{key}: {fields}"


def test_no_french_text_is_the_english_one_unless_it_is_the_users_word():
    same = {key for key, entry in CATALOGUE.items() if entry["en"] == entry["fr"]}
    assert same <= SAME_IN_BOTH, sorted(same - SAME_IN_BOTH)


def test_french_typography():
    for key, entry in CATALOGUE.items():
        french = re.sub(r"«[^»]*»|`[^`]*`", "", entry["fr"])   # quoted file notation keeps its own spacing
        assert not re.search(r"\S[:;?!](\s|$)", french.replace("://", "")), f"{key}: a space before : ; ? !"
        assert "'" not in french or "’" not in french, key


def test_every_label_the_doors_use_is_in_the_catalogue():
    for metric in METRICS:
        assert f"metric.{metric}" in CATALOGUE, metric
    for category in CATEGORIES:
        assert f"cost.{category}" in CATALOGUE and f"metric.cost.{category}" in CATALOGUE, category
    for figure in FIGURES:
        assert figure_label(figure, "fr") != figure_label(figure, "en"), figure
    for key in (*SIMULATED_CRITERIA, *DEFAULT_CRITERIA):
        assert criterion_label(key, DEFAULT_CRITERIA, "fr") != criterion_label(key, DEFAULT_CRITERIA, "en"), key
        assert f"criterion.short.{key}" in CATALOGUE, key
    for field in DEFAULT_SOURCES:
        assert f"source.{field}" in CATALOGUE, field
    for unit in FIELD_UNITS.values():
        assert f"unit.{unit}" in CATALOGUE, unit
    for page in ("compare", "service", "whatif", "editor", "procurement", "assumptions", "downloads"):
        assert f"page.{page}" in CATALOGUE
    for column in (*editing.SERVICE_COLUMNS, *editing.MEMBER_COLUMNS, *editing.PROVIDER_COLUMNS,
                   *editing.SAAS_COLUMNS):
        assert editing.column_label(column, "EUR", "fr") != column or column == "service", column
    keys = set(re.findall(r"""\bt\(\s*f?["']([a-z_]+\.[a-z_.\-]+)["']""",
                          "\n".join(p.read_text() for p in (ROOT / "webapp").rglob("*.py"))))
    keys |= set(re.findall(r"""\bsay\(\s*["']([a-z_]+\.[a-z_.\-]+)["']""",
                           "\n".join(p.read_text() for d in ("webapp", "simulation", "sourcing")
                                     for p in (ROOT / d).rglob("*.py"))))
    missing = sorted(k for k in keys if k not in CATALOGUE)
    assert not missing, missing


def test_a_catalogue_file_cannot_overwrite_another(tmp_path):
    (tmp_path / "a.toml").write_text('[x]\nen = "one"\nfr = "un"\n', encoding="utf-8")
    assert load(tmp_path) == {"a.x": {"en": "one", "fr": "un"}}
    (tmp_path / "a.toml").write_text('[x]\nen = "one"\nfr = "un"\n[x]\nen = "two"\nfr = "deux"\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match="a.toml"):
        load(tmp_path)
    (tmp_path / "a.toml").write_text('[x]\nen = "one"\nfr = "un"\nde = "eins"\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match="only en and fr"):
        load(tmp_path)


def written(number: str, lang: str) -> str:
    """A number written the English way (``-1,228.3``) with the locale's own signs, digit groups and decimal
    sign: these come from Babel's locale data (CLDR), which the project does not write and which may change
    (French groups with U+202F since CLDR 34); English keeps an ASCII minus, as words.number writes it."""
    locale = words.LOCALES[lang]
    symbols = {",": get_group_symbol(locale), ".": get_decimal_symbol(locale), "+": get_plus_sign_symbol(locale),
               "-": "-" if lang == "en" else get_minus_sign_symbol(locale)}
    return "".join(symbols.get(c, c) for c in number)


def test_numbers_in_the_readers_locale():
    """The project's part: rounding, signs, thousands of the currency, the units and the space before them
    (a narrow no-break space in French); the locale's part (its digit groups and decimal sign) is Babel's."""
    unit = {"fr": words.NARROW, "en": " "}
    assert words.NARROW == "\u202f"
    for lang in ("en", "fr"):
        assert words.money(1_228_345, "EUR", lang) == written("1,228.3", lang) + f"{unit[lang]}k€"
        assert words.percent(0.99234, lang) == written("99.23", lang) + f"{unit[lang]}%"
        assert words.money(-12_300, "EUR", lang, signed=True) == written("-12.3", lang) + f"{unit[lang]}k€"
        assert words.money(12_300, "EUR", lang, signed=True) == written("+12.3", lang) + f"{unit[lang]}k€"
        assert words.money(-1, "EUR", lang, signed=True) == written("0.0", lang) + f"{unit[lang]}k€"  # never -0.0
        assert words.hours(4.5, lang) == written("4.50", lang) + f"{unit[lang]}h"
        assert words.estimate(0.99227, 0.00147, "share", "EUR", lang) == \
            written("99.227", lang) + f"{unit[lang]}% ± " + written("0.147", lang)
        assert words.estimate(2_062_500, 168_900, "money", "EUR", lang, bare=True) == \
            written("2,062.5", lang) + " ± " + written("168.9", lang)
        assert words.interval(-105_400, -258_000, 47_200, "money", "EUR", lang) == \
            f"{written('-105.4', lang)}{unit[lang]}k€ [{written('-258.0', lang)}{words.INTERVAL_SEPARATOR[lang]}" \
            f"{written('+47.2', lang)}]"
        assert words.interval(-0.00295, -0.0031, -0.0028, "share", "EUR", lang) == \
            f"{words.points(-0.00295, lang, signed=True)} [{written('-0.310', lang)}" \
            f"{words.INTERVAL_SEPARATOR[lang]}{written('-0.280', lang)}]"
        assert words.value(3500, "EUR", lang) == written("3,500", lang) + f"{unit[lang]}€"
    assert words.money(-12_300, "EUR", "en", signed=True) == "-12.3 k€"   # an ASCII minus in English
    assert words.number(float("nan"), "fr") == "n.d." and words.money(None, lang="en") == "n/a"
    assert words.horizon(5, "fr") == "sur 5 ans" and words.horizon(1, "en") == "over 1 year"
    assert words.points(0.00124, "fr") == written("0.124", "fr") + f"{words.NARROW}point"
    assert words.points(0.025, "en") == written("2.500", "en") + " points"
    assert words.value(0.853, "", "en") == written("0.853", "en")


def test_the_verdict_in_french_says_the_horizon():
    from reports.verdict import sentences
    from simulation.verdict import Verdict

    found = Verdict(recommended="SaaS", runner_up="Interne", qualifying=["SaaS", "Interne"], excluded={},
                    difference=(120_000.0, 80_000.0, 160_000.0), years=5, probability=0.98, equivalent=False,
                    indifference=1000.0, gives_up=None)
    french = sentences(found, "fr", "EUR", 30)
    # "Recommandée" agrees with "option", which the sentence names
    assert french[0] == ("Recommandée : **SaaS**, l'option au coût économique le plus bas sur 5 ans parmi celles qui "
                         "tiennent leurs objectifs de disponibilité.")
    assert f"sur 5 ans que l'option suivante en coût, **Interne** : {written('24.0', 'fr')}{words.NARROW}k€ par an" \
        in french[1]


def _only(margin: tuple[float, float, float], probability: float):
    """A verdict in which one option meets the target (the bundled e-mail case): the next cheapest misses it."""
    from simulation.targets import Shortfall
    from simulation.verdict import Verdict

    short = Shortfall(service="email", target=0.995, months_meeting=0.5, required=0.9, months_below_per_year=6.0,
                      availability=0.98911)
    return Verdict(recommended="SaaS 99.9%", runner_up=None, qualifying=["SaaS 99.9%"],
                   excluded={"Outsourced, GTR 4h HO": short, "In-house": short}, difference=None, years=5,
                   probability=None, equivalent=False, indifference=8000.0, gives_up=None,
                   next_option="Outsourced, GTR 4h HO", next_qualifies=False, margin=margin,
                   margin_probability=probability)


def test_the_verdict_with_one_qualifying_option_says_how_much_over_the_horizon_and_how_sure():
    """"Recommandé : SaaS 99.9%, la seule option…" once said no amount: the margin against the next option
    (which misses its target, and the sentence says so), the horizon, a year's share and the certainty are there
    in both languages, and services go by their names."""
    from reports.verdict import sentences

    found = _only((1_117_000.0, 1_058_000.0, 1_176_000.0), 1.0)
    names = {"email": "E-mail"}
    english, french = sentences(found, "en", "EUR", 30, names), sentences(found, "fr", "EUR", 30, names)
    assert english[0] == "Recommended: **SaaS 99.9%**, the only option that meets its availability targets."
    assert french[0] == "Recommandée : **SaaS 99.9%**, la seule option qui tient ses objectifs de disponibilité."
    assert english[1] == ("It costs 1,117.0 k€ less over 5 years than the next cheapest option, **Outsourced, GTR 4h "
                          "HO** (which misses an availability target): 223.4 k€ a year (95 % CI 1,058.0 k€ to "
                          "1,176.0 k€).")
    n = words.NARROW
    assert french[1] == (f"Elle coûte {written('1,117.0', 'fr')}{n}k€ de moins sur 5 ans que l'option suivante en "
                         f"coût, **Outsourced, GTR 4h HO** (qui manque un objectif de disponibilité) : "
                         f"{written('223.4', 'fr')}{n}k€ par an (IC 95 % de {written('1,058.0', 'fr')}{n}k€ à "
                         f"{written('1,176.0', 'fr')}{n}k€).")
    assert english[2] == ("How sure: it costs less than **Outsourced, GTR 4h HO** in 100.0 % of resamples of the 30 "
                          "replications.")
    assert french[2].startswith("Certitude : elle coûte moins que **Outsourced, GTR 4h HO** dans "
                                f"{written('100.0', 'fr')}{n}%")
    assert all("email" not in line for line in english + french)
    assert any("E-mail reaches its monthly target" in line for line in english)
    assert english[-1] == "What it gives up: nothing in availability, it is the most available option."


def test_the_verdict_says_a_gap_in_words_and_when_it_is_not_established():
    """An interval across zero reads "from 20.0 k€ less to 10.0 k€ more", not "-10.0 k€ to 20.0 k€", and the
    sentence after it says the gap is not established; an option dearer than one that misses its target says
    "more" and its certainty is the share of resamples in which it is dearer."""
    from reports.verdict import sentences

    across = sentences(_only((5_000.0, -10_000.0, 20_000.0), 0.7), "en", "EUR", 30)
    assert "costs 5.0 k€ less over 5 years" in across[1] and "(95 % CI from 20.0 k€ less to 10.0 k€ more)" in across[1]
    assert across[2].startswith("The cost difference with **Outsourced, GTR 4h HO** is not established")
    assert "70.0 % of resamples" in across[3]
    dearer = sentences(_only((-50_000.0, -60_000.0, -40_000.0), 0.01), "fr", "EUR", 30)
    n = words.NARROW
    assert dearer[1].startswith(f"Elle coûte {written('50.0', 'fr')}{n}k€ de plus sur 5 ans que **Outsourced")
    assert f"(IC 95 % de {written('40.0', 'fr')}{n}k€ à {written('60.0', 'fr')}{n}k€), le prix de ces objectifs" \
        in dearer[1]
    assert dearer[2].startswith("Certitude : elle coûte plus que") and f"{written('99.0', 'fr')}{n}%" in dearer[2]


def test_numbers_beyond_babels_precision_are_written_not_raised():
    """Babel rounds in the current decimal context (28 digits): an amount of 1e300 once ended the run in a
    decimal.InvalidOperation traceback. Files refuse such amounts; the formatting stays safe anyway."""
    assert words.money(1e300, "EUR", "en").startswith("1,000,000,000")
    assert words.number(-1e40, "fr").startswith(written("-10,000", "fr"))
    assert words.percent(1e200, "en").endswith(" %")


def test_counted_things_take_the_plural_their_language_gives():
    """'1 services, 1 teams' once: each counted thing has a singular and a plural, chosen by the language's
    rule (French counts 0 and 1 in the singular)."""
    counted = {key.rsplit(".", 1)[0] for key in CATALOGUE if key.startswith("count.")}
    for key in counted:
        assert {f"{key}.one", f"{key}.other"} <= set(CATALOGUE), key
    assert words.count(1, "count.services", "en") == "1 service" and words.count(2, "count.teams", "en") == "2 teams"
    assert words.count(0, "count.teams", "en") == "0 teams" and words.count(0, "count.teams", "fr") == "0 équipe"
    assert words.count(1, "count.scenarios", "fr") == "1 scénario"
    assert words.count(1200, "count.studies", "fr") == written("1,200", "fr") + " études"
