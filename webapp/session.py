"""What the pages share: the sidebar's choices, the scenario in use, and the cached simulation.

Results are cached on the scenario's content, the seed and the number of replications, with Streamlit's
own caches: in memory for every session (``st.cache_resource``), so going back to an unchanged scenario is
instant, and on disk (``st.cache_data(persist="disk")``) for the bundled examples at the default seed and
replications, so a restarted server has them at once; ``server.py`` fills it before the first visitor. A
new scenario runs with a progress bar, a first estimate on a few replications shown while the rest run.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from simulation import ledger as ledgers
from simulation.chunks import concat
from simulation.ledger import Ledger
from simulation.replications import Results, run_study
from sourcing.errors import ScenarioError
from sourcing.files import MAX_BYTES, decode, study_from_text
from sourcing.scenario import Study, expected_incidents
from sourcing.words import count, decimal_text

from .i18n import LANGUAGES, t

_LOG = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {p.stem: p for p in sorted((ROOT / "scenarios").glob("*.yaml")) if "offers" not in p.name}
DEFAULT_EXAMPLE = "email-1000"
MAX_UPLOAD_BYTES = MAX_BYTES
"""The same limit as the uploader's (``max_upload_size=1``, in MB) and as every scenario file's; the server's
own limit (server.maxUploadSize) is the calibration page's, for ticket exports."""
DEFAULT_REPLICATIONS = 20
DEFAULT_SEED = 1
CACHE_ENTRIES = 16
"""Results kept in memory (runs, what-if answers, offers, calibrations), the least recently used dropped first."""
FIRST_ESTIMATE = 5
"""Replications of the first estimate shown while the others run."""
APP_BUDGET = 60_000_000
"""Most incident simulations (replications x scenarios x incidents) one app run may ask for: about a
minute and a half on one core, and well under 1 GB of memory."""


@dataclass(frozen=True)
class Active:
    """The scenario file in use: its text, where it came from, the validated study, and the language it was
    read in (a file may translate its names)."""

    text: str
    source: str
    study: Study
    language: str = "en"


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
    ledger: Ledger | None = None
    """What the replications' costs are made of: the run valued at other prices without simulating
    (:mod:`webapp.knobs`)."""

    def as_results(self) -> Results:
        """The run as the core's results (what the analyses and :func:`simulation.valuation.revalue` take)."""
        return Results(self.study, self.seed, self.replications, self.rows, incidents=self.incidents,
                       controls=self.controls, control_means=self.control_means, ledger=self.ledger)


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
    state.setdefault("seed", DEFAULT_SEED)
    with st.sidebar:
        st.selectbox(t("app.language", lang()), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")
        language = lang()
        sources = ["bundled", "upload"] + (["edited"] if "edited_text" in state else [])
        st.radio(t("app.scenario_file", language), sources, key="source",
                 format_func=lambda s: t(f"app.{s}", language))
        if state.source == "bundled":
            st.selectbox(t("app.bundled", language), list(EXAMPLES), key="example",
                         format_func=lambda name: _study(*_bundled(name), language).name)
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
            found = Active(text, source, _study(text, source, lang()), lang())
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
        return Active(text, source, _study(text, source, lang()), lang())
    text, source = _bundled(DEFAULT_EXAMPLE)
    return Active(text, source, _study(text, source, lang()), lang())


@st.cache_resource(max_entries=CACHE_ENTRIES, show_spinner=False)
def _study(text: str, source: str, language: str) -> Study:
    """The scenario file ``text`` validated, kept in memory (shared, never changed): a page's rerun at a new
    price does not read and validate the file again. A file with problems raises every time (an exception
    is never kept). A file that translates its names is read in the reader's ``language``."""
    return study_from_text(text, source, language)


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


class _NotKept(LookupError):
    """Raised inside a cached function called without a value: nothing is kept under its arguments."""


_NONE = object()


@st.cache_resource(max_entries=CACHE_ENTRIES, show_spinner=False)
def _held(key: tuple, _value: Any = _NONE) -> Any:
    """Streamlit's shared in-memory cache (every session; past :data:`CACHE_ENTRIES`, the least recently used
    entry is dropped)
    used as a store: the value kept under ``key``; called with ``_value`` (left out of the key, as every
    argument whose name starts with '_'), keeps it. A call without a value raises :class:`_NotKept` when
    nothing is kept (an exception is never cached), so asking never stores anything."""
    if _value is _NONE:
        raise _NotKept(key)
    return _value


def remember(key: tuple, compute: Callable[[], Any]) -> Any:
    """The value kept under ``key`` (shared by all sessions), or ``compute()``'s result, kept.

    ``compute`` runs outside the cached function, so what it draws (a progress bar) shows live and is
    not replayed on later visits."""
    try:
        return _held(key)
    except _NotKept:
        return _held(key, compute())


class Outcome(NamedTuple):
    """What a simulation of a scenario file yields, without the study (read again from the file)."""

    rows: pd.DataFrame
    summary: pd.DataFrame
    incidents: pd.DataFrame
    seconds: float
    controls: pd.DataFrame | None
    control_means: dict[str, float] | None
    ledger: Ledger | None = None


@st.cache_data(persist="disk", show_spinner=False)
def _on_disk(text: str, seed: int, replications: int, code: str, _value: Outcome | None = None) -> Outcome:
    """Streamlit's disk cache (``~/.streamlit/cache``, kept across restarts) used as a store, like
    :func:`_held`: the outcome of the scenario file ``text`` with this seed and number of replications,
    simulated by the code whose digest is ``code`` (:func:`code_version`: a new engine is never served
    an old engine's numbers)."""
    if _value is None:
        raise _NotKept(seed, replications)
    return _value


@functools.cache
def code_version() -> str:
    """Digest of the code a kept result depends on besides the scenario file, the seed and the replications:
    the core (``sourcing/``, ``simulation/``) and this module (which defines what is kept)."""
    sha = hashlib.sha256()
    for path in sorted([*(ROOT / "sourcing").rglob("*.py"), *(ROOT / "simulation").rglob("*.py"), Path(__file__)]):
        sha.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


@functools.cache
def _bundled_texts() -> frozenset[str]:
    return frozenset(path.read_text(encoding="utf-8") for path in EXAMPLES.values())


def kept_on_disk(scenario: Active, seed: int, replications: int) -> bool:
    """Whether this run is kept on disk: a bundled example at the sidebar's default seed and replications,
    what a first visitor sees (a bounded set: other seeds, sizes and files stay in memory only)."""
    return seed == DEFAULT_SEED and replications == DEFAULT_REPLICATIONS and scenario.text in _bundled_texts()


def _kept(scenario: Active, seed: int, replications: int) -> Run | None:
    """The run kept in memory or on disk, or None."""
    key = ("run", digest(_keyed(scenario)), seed, replications)
    try:
        return _held(key)
    except _NotKept:
        pass
    if not kept_on_disk(scenario, seed, replications):
        return None
    try:
        outcome = _on_disk(_keyed(scenario), seed, replications, code_version())
    except _NotKept:
        return None
    except Exception:  # an entry the disk cache cannot read back (cut short by a full disk or a crash)
        _LOG.warning("the disk cache's entry of %s (seed %s, %s replications) cannot be read: dropped",
                     scenario.source, seed, replications, exc_info=True)
        _on_disk.clear(_keyed(scenario), seed, replications, code_version())
        return None
    return _held(key, Run(scenario.study, seed, replications, **outcome._asdict()))


def _keep(scenario: Active, run: Run) -> Run:
    """Keeps ``run`` in memory, and on disk when :func:`kept_on_disk`; returns the run kept (another
    session's, when it finished the same one first)."""
    if kept_on_disk(scenario, run.seed, run.replications):
        try:
            _on_disk(_keyed(scenario), run.seed, run.replications, code_version(),
                     Outcome(run.rows, run.summary, run.incidents, run.seconds, run.controls, run.control_means,
                             run.ledger))
        except Exception:  # a disk that cannot take it (full, read-only): the run stays in memory only
            _LOG.warning("%s (seed %s, %s replications) could not be kept on disk", scenario.source, run.seed,
                         run.replications, exc_info=True)
    return _held(("run", digest(_keyed(scenario)), run.seed, run.replications), run)


def results(scenario: Active) -> Run:
    """The simulation of the active scenario with the sidebar's seed and replications (cached).

    A run too large for a shared server (replications x scenarios x expected incidents above
    :data:`APP_BUDGET`) is refused with the number of replications that fits: one upload never takes
    the server's memory or time from every other user."""
    seed = int(st.session_state.get("seed", DEFAULT_SEED))
    replications = int(st.session_state.get("replications", DEFAULT_REPLICATIONS))
    work = replications * len(scenario.study.scenarios) * max(1.0, expected_incidents(scenario.study))
    if work > APP_BUDGET:
        fits = int(APP_BUDGET // (len(scenario.study.scenarios) * max(1.0, expected_incidents(scenario.study))))
        st.error(t("app.too_much", lang(), n=replications, fits=max(fits, 0)))
        st.stop()

    ready = _kept(scenario, seed, replications)
    if ready is not None:
        return ready
    if replications > FIRST_ESTIMATE:
        # A first estimate on a few replications shows at once; :func:`refine` runs the rest at the end of
        # the page and reruns it with every replication (the same replications, so the same numbers).
        st.session_state["_refine"] = (scenario, seed, replications)
        first = _kept(scenario, seed, FIRST_ESTIMATE) or _keep(scenario, _simulate(scenario, seed, FIRST_ESTIMATE))
        language = lang()
        st.info(t("app.first_estimate", language, first=decimal_text(FIRST_ESTIMATE, language),
                  replications=count(replications, "count.replications", language)), icon=":material/hourglass_top:")
        return first
    return _keep(scenario, _simulate(scenario, seed, replications))


def _simulate(scenario: Active, seed: int, replications: int, first: Run | None = None, shown: bool = True) -> Run:
    """Replications of the active scenario with a progress bar (unless not ``shown``: out of any page, as
    in :func:`warm_up`); ``first`` holds those already run."""
    done = first.replications if first is not None else 0
    bar = progress = None
    if shown:
        language = lang()
        message = t("app.simulating", language, replications=count(replications, "count.replications", language),
                    scenarios=count(len(scenario.study.scenarios), "count.scenarios", language))
        bar = st.progress(done / replications, text=message)

        def progress(k: int, total: int) -> None:
            bar.progress((done + k) / replications, text=message)

    start = time.perf_counter()
    outcome = run_study(scenario.study, replications - done, seed=seed, detail=True, first=done, progress=progress)
    if first is not None:
        outcome = Results(scenario.study, seed, replications, concat([first.rows, outcome.rows]),
                          concat([first.incidents, outcome.incidents]),
                          controls=None if first.controls is None else pd.concat([first.controls, outcome.controls],
                                                                                   ignore_index=True),
                          control_means=first.control_means,
                          ledger=None if first.ledger is None or outcome.ledger is None
                          else ledgers.concat([first.ledger, outcome.ledger]))
    if bar is not None:
        bar.empty()
    return Run(scenario.study, seed, replications, outcome.rows, outcome.summary, outcome.incidents,
               time.perf_counter() - start + (first.seconds if first is not None else 0.0), outcome.controls,
               outcome.control_means, outcome.ledger)


def adopt(text: str, run: Run) -> None:
    """Keeps ``run`` as the run of the scenario file ``text`` at its seed and replications: a file that
    differs from the simulated one only in prices, whose run was re-valued from the ledger (the same figures
    as a simulation), opens without simulating."""
    _held(("run", digest(_keyed(Active(text, "", run.study, lang()))), run.seed, run.replications), run)


def refine() -> None:
    """After the page has shown a first estimate: run the remaining replications, then show them all."""
    pending = st.session_state.pop("_refine", None)
    if pending is None:
        return
    scenario, seed, replications = pending
    if _kept(scenario, seed, replications) is None:
        quick = _kept(scenario, seed, FIRST_ESTIMATE) or _keep(scenario, _simulate(scenario, seed, FIRST_ESTIMATE))
        _keep(scenario, _simulate(scenario, seed, replications, quick))
    st.rerun()


def warm_up(example: str = DEFAULT_EXAMPLE) -> Run:
    """The bundled example at the default seed and replications, read from the disk cache or simulated
    and kept there, then in memory: what the server does before its first visitor (``server.py``)."""
    from simulation.verdict import verdict
    from webapp import charts

    text, source = _bundled(example)
    scenario = Active(text, source, study_from_text(text, source))
    run = (_kept(scenario, DEFAULT_SEED, DEFAULT_REPLICATIONS)
           or _keep(scenario, _simulate(scenario, DEFAULT_SEED, DEFAULT_REPLICATIONS, shown=False)))
    # The first calls the Compare page makes cost more than the next ones (the verdict's tables of rare
    # events, plotly's checks of a figure's properties): made once here, they are not the first visitor's.
    study = run.study
    verdict(run, study, seed=run.seed)
    charts.cost_breakdown(run.summary, money=study.currency, years=study.calendar.horizon,
                          scenarios=[s.name for s in study.scenarios])
    return run


def _keyed(scenario: Active) -> str:
    """What a run is kept on: the file's text, and the language when the file translates its names (the same
    figures under other names, and the rows carry the options' names)."""
    return scenario.text + (f"\n# read in {scenario.language}" if "translations" in scenario.text else "")


def digest(text: str | bytes) -> str:
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode()).hexdigest()
