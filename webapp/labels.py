"""A scenario file's paths and values as a reader reads them, for the app's tables (no Streamlit here).

A path (``services.email.outage_cost_per_hour.business``) becomes what it belongs to (the service's name,
"Messagerie") and its label, looked up in the catalogue by the path's last keys (``setting.`` entries of
``sourcing/labels/setting.toml``: first the last two keys, ``outage_cost_per_hour.business``, then the last
one); a priority (``P1``) or a statistic (``median``) at the end of the path is said after the label. A
value written in the file's notation (``2500 EUR``, ``99.5%``, ``2027-01-01``) is written in the reader's
locale (``2 500 €``, ``99,5 %``, ``01/01/2027``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sourcing import words
from sourcing.model import PRIORITIES

say = words.say
OWNED = ("services", "teams", "providers", "saas")
STATS = ("median", "p90", "mean")


def _parts(path: str) -> list[str | int]:
    """``teams.a.members[0].count`` -> ``['teams', 'a', 'members', 0, 'count']``."""
    out: list[str | int] = []
    for piece in path.split("."):
        match = re.fullmatch(r"(.*?)((?:\[\d+\])*)", piece)
        if match.group(1):
            out.append(match.group(1))
        out.extend(int(n) for n in re.findall(r"\[(\d+)\]", match.group(2)))
    return out


def _label(keys: list[str], lang: str) -> str:
    """The catalogue's label of the last keys; the last key in words when the catalogue has none."""
    for size in (2, 1):
        if len(keys) >= size and words.known(f"setting.{'.'.join(keys[-size:])}"):
            return say(f"setting.{'.'.join(keys[-size:])}", lang)
    return keys[-1].replace("_", " ").capitalize() if keys else ""


def parameter(path: str, lang: str = "en", study: Any = None) -> tuple[str, str]:
    """(what it belongs to, its label) of a path of the scenario file, in the reader's language."""
    parts = _parts(path)
    names = study.names if study is not None else {}
    owner = ""
    rest: list[str | int] = parts
    if parts and parts[0] in OWNED and len(parts) > 2:
        owner, rest = names.get(str(parts[1]), str(parts[1])), parts[2:]
        if parts[0] == "teams" and len(rest) > 1 and rest[0] == "members" and isinstance(rest[1], int):
            who = ""
            team = study.teams.get(str(parts[1])) if study is not None else None
            if team is not None and rest[1] < len(team.members):
                member = team.members[rest[1]]
                who = member.name or member.role or ""
            owner = say("setting.owner.member", lang, team=owner, n=rest[1] + 1, who=who).replace(" ()", "")
            rest = ["members", *rest[2:]]
    elif parts[:2] == ["calendar", "windows"] and len(parts) > 3:
        owner, rest = say("setting.owner.window", lang, name=parts[2]), parts[3:]
    elif parts and parts[0] in ("calendar", "economics"):
        owner, rest = say(f"setting.owner.{parts[0]}", lang), parts[1:]
    elif parts and parts[0] == "scenarios" and len(parts) > 2 and isinstance(parts[1], int):
        scenario = study.scenarios[parts[1]].name if study is not None and parts[1] < len(study.scenarios) \
            else str(parts[1] + 1)
        owner, rest = scenario, parts[2:]
        if rest[:1] == ["options"] and len(rest) > 2:
            owner = say("setting.owner.scenario_service", lang, scenario=scenario,
                        service=names.get(str(rest[1]), str(rest[1])))
            rest = rest[2:]
    else:
        owner = say("setting.owner.study", lang)
    suffix: list[str] = []
    tier = None
    keys: list[str] = []
    for part in rest:
        if isinstance(part, int):
            tier = part + 1
        elif part in STATS:
            suffix.append(say(f"setting.stat.{part}", lang))
        elif part in PRIORITIES:
            suffix.insert(0, part)
        else:
            keys.append(part)
    label = _label(keys, lang)
    if tier is not None and keys[-2:-1] == ["credits"]:
        label = say("setting.tier", lang, label=label, n=tier)
    if suffix:
        label = f"{label} {suffix[0]}" + "".join(f", {s}" for s in suffix[1:]) if suffix[0] in PRIORITIES \
            else f"{label}, {', '.join(suffix)}"
    return owner, label


DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|min|h|d|w|mo|y)$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


DURATION_UNITS = {"en": {"s": "s", "min": "min", "h": "h", "d": "d", "w": "wk", "mo": "mo", "y": "yr"},
                  "fr": {"s": "s", "min": "min", "h": "h", "d": "j", "w": "sem.", "mo": "mois", "y": "ans"}}


def value_text(value: Any, lang: str = "en", names: dict[str, str] | None = None) -> str:
    """A value of the file in the reader's locale: amounts (``2 500 €``), shares (``99,5 %``), numbers
    (``1 607``), dates (``01/01/2027`` in French), durations (``1,5 h``, ``3 mois``), yes or no, and a
    team or offer by its name (``names``); anything else as written. A list is written item by item."""
    if isinstance(value, bool) or str(value) in ("True", "False"):
        return say("app.yes" if str(value) == "True" else "app.no", lang)
    if isinstance(value, (int, float)):
        return words.decimal_text(float(value), lang)
    text = str(value).strip()
    if names and text in names:
        return names[text]
    if ", " in text:
        return ", ".join(value_text(part, lang, names) for part in text.split(", "))
    if DATE.match(text):
        day = dt.date.fromisoformat(text)
        return day.strftime("%d/%m/%Y") if lang == "fr" else day.strftime("%d %b %Y")
    money = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*(k?)\s*(EUR|USD|GBP|CHF)", text)
    if money:
        amount = float(money.group(1)) * (1000 if money.group(2) else 1)
        return f"{words.decimal_text(amount, lang, 2)}{words.unit_space(lang)}{words.symbol(money.group(3))}"
    share = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*%", text)
    if share:
        return f"{words.decimal_text(float(share.group(1)), lang)}{words.unit_space(lang)}%"
    duration = DURATION.match(text)
    if duration:
        unit = DURATION_UNITS.get(lang, DURATION_UNITS["en"])[duration.group(2)]
        return f"{words.decimal_text(float(duration.group(1)), lang)}{words.unit_space(lang)}{unit}"
    if re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        return words.decimal_text(float(text), lang)
    return text
