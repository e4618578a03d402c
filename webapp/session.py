"""What the pages share: the sidebar's choices, the scenario in use, and the cached simulation.

Results are cached on the scenario's content, the seed and the number of replications, so going
back to an unchanged scenario is instant; a new one runs with a progress bar.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from simulation.replications import Results, concat, run_study
from sourcing.errors import ScenarioError
from sourcing.files import MAX_BYTES, decode, study_from_text
from sourcing.scenario import Study, expected_incidents
from sourcing.words import count

from .i18n import LANGUAGES, t

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {p.stem: p for p in sorted((ROOT / "scenarios").glob("*.yaml")) if "offers" not in p.name}
DEFAULT_EXAMPLE = "email-1000"
MAX_UPLOAD_BYTES = MAX_BYTES
"""The same limit as the uploader's (``max_upload_size=1``, in MB) and as every scenario file's; the server's
own limit (server.maxUploadSize) is the calibration page's, for ticket exports."""
DEFAULT_REPLICATIONS = 20
CACHE_ENTRIES = 16
FIRST_ESTIMATE = 5
"""Replications of the first estimate shown while the others run."""
APP_BUDGET = 60_000_000
"""Most incident simulations (replications x scenarios x incidents) one app run may ask for: about a
minute and a half on one core, and well under 1 GB of memory."""


@dataclass(frozen=True)
class Active:
    """The scenario file in use: its text, where it came from, and the validated study."""

    text: str
    source: str
    study: Study


@dataclass(frozen=True)
class Run:
    """A finished simulation of the active scenario."""

    study: Study
    seed: int
    replications: int
    rows: pd.DataFrame
    summary: pd.DataFrame
    incidents: pd.DataFrame
    seconds: float
    controls: pd.DataFrame | None = None
    control_means: dict[str, float] | None = None


def lang() -> str:
    return st.session_state.get("lang", "en")


LINK_RANGES = {"replications": (2, 5000), "seed": (0, 2**31 - 1)}
"""Numbers a link may set, and their bounds (those of the sidebar's fields)."""


def _from_link() -> list[tuple[str, str, str]]:
    """A new session starts from its address's choices, so that a link opens on the study it names:
    ``?lang=fr&example=small-firm&replications=50&seed=3``. Returns the parameters not used, as
    (name, value, what to write instead)."""
    state = st.session_state
    ignored = []
    choices = {"lang": list(LANGUAGES), "example": list(EXAMPLES)}
    for name, value in st.query_params.to_dict().items():
        if name in choices:
            if value in choices[name]:
                state[name] = value
            else:
                ignored.append((name, value, ("one_of", ", ".join(choices[name]))))
        elif name in LINK_RANGES:
            low, high = LINK_RANGES[name]
            if re.fullmatch(r"[0-9]{1,10}", value) and low <= int(value) <= high:  # not "²", not 5,000 digits
                state[name] = int(value)
            else:
                ignored.append((name, value, ("integer", low, high)))
    return ignored


def sidebar() -> None:
    """Language, scenario source (bundled example, upload, edited), replications and seed."""
    state = st.session_state
    if "_linked" not in state:
        state["_linked"] = _from_link()
    state.setdefault("lang", "en")
    state.setdefault("source", "bundled")
    state.setdefault("example", DEFAULT_EXAMPLE if DEFAULT_EXAMPLE in EXAMPLES else next(iter(EXAMPLES)))
    state.setdefault("replications", DEFAULT_REPLICATIONS)
    state.setdefault("seed", 1)
    with st.sidebar:
        st.selectbox(t("app.language", lang()), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")
        language = lang()
        sources = ["bundled", "upload"] + (["edited"] if "edited_text" in state else [])
        st.radio(t("app.scenario_file", language), sources, key="source",
                 format_func=lambda s: t(f"app.{s}", language))
        if state.source == "bundled":
            st.selectbox(t("app.bundled", language), list(EXAMPLES), key="example")
        elif state.source == "upload":
            st.file_uploader(t("app.upload", language), type=["yaml", "yml"], key="upload", max_upload_size=1)
        st.number_input(t("app.replications", language), min_value=LINK_RANGES["replications"][0],
                        max_value=LINK_RANGES["replications"][1], step=10, key="replications")
        st.number_input(t("app.seed", language), min_value=LINK_RANGES["seed"][0], max_value=LINK_RANGES["seed"][1],
                        step=1, key="seed")
        for name, value, (kind, *args) in state["_linked"]:
            expected = (t("app.link_one_of", language, choices=args[0]) if kind == "one_of"
                        else t("app.link_integer", language, low=args[0], high=args[1]))
            st.warning(t("app.link_ignored", language, name=name, value=_plain(value[:40]), expected=expected))


def _chosen_text() -> tuple[str, str] | str | ScenarioError:
    """(text, source) of the chosen scenario file, or a message saying why it cannot be read."""
    state = st.session_state
    language = lang()
    if state.get("source") == "edited" and "edited_text" in state:
        return state["edited_text"], t("app.edited_source", language)
    if state.get("source") == "upload":
        upload = state.get("upload")
        if upload is None:
            st.info(t("app.choose_file", language))
            return ""
        data = upload.getvalue()
        if len(data) > MAX_UPLOAD_BYTES:
            return t("app.too_big", language, limit=MAX_UPLOAD_BYTES // 1024)
        try:
            return decode(data, upload.name), upload.name
        except ScenarioError as exc:
            return exc
    name = state.get("example", DEFAULT_EXAMPLE)
    path = EXAMPLES.get(name, EXAMPLES[DEFAULT_EXAMPLE])
    return path.read_text(encoding="utf-8"), f"scenarios/{path.name}"


def active() -> Active | None:
    """The scenario to show. A broken choice is explained and the last good scenario stays in use."""
    state = st.session_state
    language = lang()
    chosen = _chosen_text()
    problem: str | ScenarioError | None = None
    if isinstance(chosen, tuple):
        text, source = chosen
        try:
            found = Active(text, source, study_from_text(text, source, lang()))
            state["last_good"] = (text, source)
            return found
        except ScenarioError as exc:
            problem = exc
    elif chosen:
        problem = chosen
    if problem is not None:
        st.error(t("app.file_problem", language) + "\n\n" + problems_text(problem))
    if "last_good" in state:
        if problem is not None:
            st.warning(t("app.still_previous", language))
        text, source = state["last_good"]
        return Active(text, source, study_from_text(text, source, lang()))
    text, source = _bundled(DEFAULT_EXAMPLE)
    return Active(text, source, study_from_text(text, source, lang()))


def _bundled(name: str) -> tuple[str, str]:
    path = EXAMPLES[name]
    return path.read_text(encoding="utf-8"), f"scenarios/{path.name}"


def problems_text(problem: str | ScenarioError, language: str | None = None) -> str:
    """Each problem on its own line: the field, its line in the file, and what is wrong."""
    if isinstance(problem, str):
        return problem
    language = language or lang()
    return "\n".join(f"- `{p.field}`" + (f" ({t('app.problem_line', language, line=p.line)})" if p.line else "")
                     + f": {_plain(p.message)}" for p in problem.problems)



def _plain(text: str) -> str:
    """Text shown as Markdown without being read as Markdown: no LaTeX from '$', no emphasis from '*'."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("*", "\\*").replace("_", "\\_")


@st.cache_resource
def _store() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def remember(key: tuple, compute):
    """The value cached under ``key`` (shared by all sessions, least recently used dropped first), or
    ``compute()``'s result, stored."""
    store, lock = _store()
    with lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    value = compute()
    with lock:
        store[key] = value
        while len(store) > CACHE_ENTRIES:
            store.popitem(last=False)
    return value


def results(scenario: Active) -> Run:
    """The simulation of the active scenario with the sidebar's seed and replications (cached).

    A run too large for a shared server (replications x scenarios x expected incidents above
    :data:`APP_BUDGET`) is refused with the number of replications that fits: one upload never takes
    the server's memory or time from every other user."""
    seed = int(st.session_state.get("seed", 1))
    replications = int(st.session_state.get("replications", DEFAULT_REPLICATIONS))
    work = replications * len(scenario.study.scenarios) * max(1.0, expected_incidents(scenario.study))
    if work > APP_BUDGET:
        fits = int(APP_BUDGET // (len(scenario.study.scenarios) * max(1.0, expected_incidents(scenario.study))))
        st.error(t("app.too_much", lang(), n=replications, fits=max(fits, 0)))
        st.stop()

    key = ("run", _key(scenario), seed, replications)
    store, lock = _store()
    with lock:
        ready = store.get(key)
    if ready is not None:
        return remember(key, lambda: ready)
    if replications > FIRST_ESTIMATE:
        # A first estimate on a few replications shows at once; :func:`refine` runs the rest at the end of
        # the page and reruns it with every replication (the same replications, so the same numbers).
        st.session_state["_refine"] = (scenario, seed, replications)
        return remember(("run", _key(scenario), seed, FIRST_ESTIMATE),
                        lambda: _simulate(scenario, seed, FIRST_ESTIMATE))
    return remember(key, lambda: _simulate(scenario, seed, replications))


def _simulate(scenario: Active, seed: int, replications: int, first: Run | None = None) -> Run:
    """Replications of the active scenario with a progress bar; ``first`` holds those already run."""
    done = first.replications if first is not None else 0
    message = t("app.simulating", lang(), replications=count(replications, "count.replications", lang()),
                scenarios=count(len(scenario.study.scenarios), "count.scenarios", lang()))
    bar = st.progress(done / replications, text=message)
    start = time.perf_counter()
    outcome = run_study(scenario.study, replications - done, seed=seed, detail=True, first=done,
                        progress=lambda k, total: bar.progress((done + k) / replications, text=message))
    if first is not None:
        outcome = Results(scenario.study, seed, replications, concat([first.rows, outcome.rows]),
                          concat([first.incidents, outcome.incidents]),
                          controls=None if first.controls is None else pd.concat([first.controls, outcome.controls],
                                                                                   ignore_index=True),
                          control_means=first.control_means)
    bar.empty()
    return Run(scenario.study, seed, replications, outcome.rows, outcome.summary, outcome.incidents,
               time.perf_counter() - start + (first.seconds if first is not None else 0.0), outcome.controls,
               outcome.control_means)


def refine() -> None:
    """After the page has shown a first estimate: run the remaining replications, then show them all."""
    pending = st.session_state.pop("_refine", None)
    if pending is None:
        return
    scenario, seed, replications = pending
    quick = remember(("run", _key(scenario), seed, FIRST_ESTIMATE),
                     lambda: _simulate(scenario, seed, FIRST_ESTIMATE))
    remember(("run", _key(scenario), seed, replications), lambda: _simulate(scenario, seed, replications, quick))
    st.rerun()


def _key(scenario: Active) -> str:
    """What a run is cached on: the file's text, and the language when the file translates its names (the
    same figures, under other names)."""
    return digest(scenario.text + (lang() if "translations" in scenario.text else ""))


def digest(text: str | bytes) -> str:
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode()).hexdigest()
