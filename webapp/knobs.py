"""Price knobs: the main prices of the study beside the verdict, each changed in place and answered from the
run's ledger, without simulating (:func:`simulation.valuation.revalue`: the same figures as a simulation of the
file with that price, on the same replications).

The main prices are each offer's monthly fee and extra ticket, each SaaS offer's price per user, each team
member's loaded annual cost, each service's cost of an hour of outage and the discount rate. A changed price
is marked with the file's value; "keep these prices" writes them into the scenario file (each value replaced
where the file writes it, comments kept) and makes it the scenario in use, the editor's too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import streamlit as st
import yaml

from simulation import valuation
from sourcing import words
from sourcing.errors import ScenarioError
from sourcing.files import parse_yaml, study_from_text
from sourcing.paths import Path, path_kind, path_text, quantity, study_data, with_values
from sourcing.scenario import Study

from . import session
from .i18n import t


@dataclass(frozen=True)
class Knob:
    """One price of the file: where it is, what it is called, and its value there."""

    path: Path
    owner: str | None
    """Who the price is of, as the file calls it (a service, team member, offer), or None (the whole study)."""
    number: float
    """The value in the file, in the file's unit (an amount in the currency, a share for a rate)."""
    share: bool
    """A rate, shown in percent."""

    @property
    def label_key(self) -> str:
        return f"param.{path_kind(self.path).label}"

    def shown(self, number: float) -> float:
        """The value as the input holds it (a rate in percent)."""
        return number * 100 if self.share else number

    def read(self, shown: float) -> float:
        """The value of the file from the input's."""
        return shown / 100 if self.share else shown

    def changed(self, number: float) -> bool:
        return not math.isclose(number, self.number, rel_tol=1e-9, abs_tol=1e-12)


def _number(data: Mapping, path: Path) -> float | None:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    try:
        return quantity(node).number
    except ValueError:
        return None


def knobs(study: Study) -> list[Knob]:
    """The main prices of the study, in the order a reader weighs them: the offers' prices, the staff's
    costs, the cost of an outage, the discount rate."""
    data = study_data(study)
    names = study.names
    candidates: list[tuple[Path, str | None]] = []
    for offer in data.get("providers") or {}:
        candidates += [(("providers", offer, "fees", "monthly"), names.get(offer, offer)),
                       (("providers", offer, "fees", "extra_ticket"), names.get(offer, offer))]
    for offer in data.get("saas") or {}:
        candidates.append((("saas", offer, "price_per_user_month"), names.get(offer, offer)))
    for team, entry in (data.get("teams") or {}).items():
        members = entry.get("members") or []
        for k, member in enumerate(members):
            role = member.get("role")
            owner = names.get(team, team) + (f", {role}" if role and len(members) > 1 else "")
            candidates.append((("teams", team, "members", k, "annual_cost"), owner))
    for service in data.get("services") or {}:
        for when in ("business", "off_hours"):
            candidates.append((("services", service, "outage_cost_per_hour", when), names.get(service, service)))
    candidates.append((("economics", "discount_rate"), None))
    found = []
    for path, owner in candidates:
        number = _number(data, path)
        if number is not None:
            found.append(Knob(path, owner, number, path_kind(path).unit == "share"))
    return found


def label(knob: Knob, currency: str, lang: str) -> str:
    """The knob's label in the reader's words, with whose it is and its unit: ``Monthly fee — Messaging MSP
    (€)``."""
    unit = "%" if knob.share else words.symbol(currency)
    text = t(knob.label_key, lang)
    return f"{text} — {knob.owner} ({unit})" if knob.owner else f"{text} ({unit})"


def amount_text(knob: Knob, number: float, currency: str, lang: str) -> str:
    """A value of a knob as the reader reads it: ``3,500 €``, ``5.50 €``, ``5.00 %``."""
    if knob.share:
        return words.percent(number, lang, 2)
    digits = 2 if abs(number) < 100 and number != round(number) else 0
    return f"{words.number(number, lang, digits)}{words.unit_space(lang)}{words.symbol(currency)}"


def priced(study: Study, numbers: Mapping[Path, float]) -> Study:
    """The study with each price at ``numbers`` set (written in its unit, validated as a file)."""
    data = study_data(study)
    changes = {}
    for path, number in numbers.items():
        node = data
        for part in path:
            node = node[part]
        changes[path_text(path)] = quantity(node).text(number)
    return with_values(study, changes)


def repriced_run(run: session.Run, study: Study) -> session.Run:
    """``run`` had it been simulated with ``study`` (which differs from it in prices only): every valued row
    priced again from the ledger, the summary made again. No simulation."""
    fresh = valuation.revalue(run.as_results(), study)
    return replace(run, study=study, rows=fresh.rows, summary=fresh.summary)


def written(text: str, study: Study, numbers: Mapping[Path, float], source: str) -> str:
    """The scenario file ``text`` with each price of ``numbers`` written where the file writes it (its
    comments and layout kept). A price the file leaves to its default, or a file the replacement would not
    read back as ``study`` at those prices, is written out whole instead (without its comments)."""
    wanted = priced(study, numbers)
    data = study_data(study)
    _, root = parse_yaml(text, source)
    edits = []
    for path, number in numbers.items():
        node = _node(root, path)
        if node is None:
            break
        written_value = quantity(_at(data, path)).text(number)
        quote = node.style if node.style in ("'", '"') else ""
        edits.append((node.start_mark.index, node.end_mark.index, f"{quote}{written_value}{quote}"))
    else:
        out = text
        for start, end, value in sorted(edits, reverse=True):
            out = out[:start] + value + out[end:]
        try:
            if study_data(study_from_text(out, source)) == study_data(wanted):
                return out
        except ScenarioError:
            pass
    return yaml.safe_dump(study_data(wanted), sort_keys=False, allow_unicode=True)


def _at(data: Mapping, path: Path):
    node = data
    for part in path:
        node = node[part]
    return node


def _node(root: yaml.Node | None, path: Path) -> yaml.ScalarNode | None:
    """The scalar node of the file at ``path``, or None where the file does not write it."""
    node = root
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return None
        if node is None:
            return None
    return node if isinstance(node, yaml.ScalarNode) else None


# --------------------------------------------------------------------------- the panel


@dataclass(frozen=True)
class Priced:
    """What the panel decided: the run to show (re-valued when a price differs from the file) and the
    prices that differ."""

    run: session.Run
    changed: dict[Path, float]


def _key(origin: str, k: int) -> str:
    return f"knob-{origin}-{k}"


def _reset(origin: str, found: list[Knob]) -> None:
    for k, knob in enumerate(found):
        st.session_state[_key(origin, k)] = knob.shown(knob.number)


def _keep(text: str, study: Study, changed: dict[Path, float], source: str, run: session.Run) -> None:
    """Before the rerun: the file with these prices becomes the scenario in use (the editor's too), its run
    the re-valued one (nothing simulated)."""
    state = st.session_state
    kept = written(text, study, changed, source)
    state["edited_text"] = kept
    state["source"] = "edited"
    session.adopt(kept, replace(run, study=study_from_text(kept, t("app.edited_source", session.lang()))))


def panel(scenario: session.Active, run: session.Run, language: str) -> Priced:
    """The price inputs (drawn where the caller is), and the run at those prices."""
    study = run.study
    currency = study.currency
    origin = session.digest(scenario.text)[:12]
    found = knobs(study) if run.ledger is not None else []
    if not found:  # nothing to price (or a run that kept no ledger: it cannot be re-valued)
        return Priced(run, {})
    state = st.session_state
    st.markdown(f"**{t('knobs.title', language)}**")
    st.caption(t("knobs.intro", language))
    changed: dict[Path, float] = {}
    for k, knob in enumerate(found):
        key = _key(origin, k)
        state.setdefault(key, knob.shown(knob.number))
        small = knob.share or abs(knob.number) < 100
        step = 0.5 if knob.share else max(10 ** (math.floor(math.log10(abs(knob.number))) - 1), 0.01) \
            if knob.number else 1.0
        shown = st.number_input(label(knob, currency, language), min_value=0.0,
                                max_value=100.0 if knob.share else None, step=float(step),
                                format="%.2f" if small else "%.0f", key=key)
        number = knob.read(float(shown))
        if knob.changed(number):
            changed[knob.path] = number
            st.caption(t("knobs.changed_from", language, value=amount_text(knob, knob.number, currency, language)))
    if not changed:
        return Priced(run, {})
    key = tuple(sorted((path_text(p), v) for p, v in changed.items()))
    try:
        study_at = session.remember(("priced-study", session.digest(scenario.text), key),
                                    lambda: priced(study, changed))
    except ScenarioError as exc:
        st.error(t("knobs.refused", language) + "\n\n" + session.problems_text(exc, language))
        return Priced(run, {})
    shown_run = session.remember(("priced", session.digest(scenario.text), run.seed, run.replications, key),
                                 lambda: repriced_run(run, study_at))
    st.button(t("knobs.keep", language), type="primary", key=f"knob-keep-{origin}", on_click=_keep,
              args=(scenario.text, study, changed, scenario.source, shown_run), width="stretch")
    st.button(t("knobs.reset", language), key=f"knob-reset-{origin}", on_click=_reset, args=(origin, found),
              width="stretch")
    # The file is written when asked for (a click), not at every change of a price.
    st.download_button(t("knobs.download", language),
                       lambda: written(scenario.text, study, changed, scenario.source).encode("utf-8"),
                       file_name="scenario.yaml", mime="application/x-yaml", key=f"knob-download-{origin}",
                       on_click="ignore", width="stretch")
    return Priced(shown_run, changed)
