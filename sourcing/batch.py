"""Batch files: many studies and variants, for consultants who run them overnight and keep every run.

A batch file (YAML, validated like a scenario file) names one or more base scenario files and the
variants to run on each: a grid (every combination of a few values per parameter path), a list of
named variants, and a Latin hypercube sample over ranges (``scipy.stats.qmc``). Paths use the one
notation of :mod:`sourcing.paths`. Every variant of every file is resolved and validated before
anything runs, and every problem is reported at once, with the file, the variant and the path::

    name: E-mail, three team sizes and two fees
    seed: 7
    replications: 200            # or precision: 1%
    studies:
      - file: email-1000.yaml    # relative to the batch file
    grid:
      teams.two-admins.members[0].count: [2, 3, 4]
      providers.msp-4h-ho.fees.monthly: [3000 EUR, 4000 EUR]
    variants:
      - {name: fast growth, set: {services.email.incidents.growth_per_year: 10%}}
    sample:
      n: 8
      seed: 3
      ranges: {services.email.outage_cost_per_hour.business: [5000 EUR, 10000 EUR]}
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, model_validator

from .errors import Problem, ScenarioError
from .files import load_study, parse_yaml, read_text, validate
from .model import Count, Model, Name
from .paths import parse_path, quantity, study_data, with_values
from .scenario import Study
from .units import Share

MAX_VARIANTS = 2_000
"""Most variants of one batch (all files together)."""


class Variant(Model):
    """A named variant: the values it changes, by path."""

    name: Name
    set: dict[str, Any] = {}


class Sample(Model):
    """A Latin hypercube sample of ``n`` points over ranges of values (low, high), by path."""

    n: Annotated[Count, Field(ge=1, le=MAX_VARIANTS)]
    ranges: Annotated[dict[str, Annotated[list[Any], Field(min_length=2, max_length=2)]], Field(min_length=1)]
    seed: Annotated[Count, Field(ge=0)] = 0


class StudyFile(Model):
    """A base scenario file of the batch, and how many replications (or which precision) its variants get."""

    file: str
    replications: Annotated[Count, Field(ge=2, le=100_000)] | None = None
    precision: Share | None = None


class Batch(Model):
    """A batch: base files, variants (grid, list, sample), replications or a precision target, one seed."""

    name: Name
    description: str = ""
    seed: Annotated[Count, Field(ge=0)] = 1
    replications: Annotated[Count, Field(ge=2, le=100_000)] = 100
    precision: Share | None = None
    """Add replications until every scenario's economic-cost half-width is at most this share of its mean."""
    max_replications: Annotated[Count, Field(ge=2, le=100_000)] = 2000
    variance_reduction: bool = True
    studies: Annotated[list[StudyFile], Field(min_length=1, max_length=100)]
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    variants: list[Variant] = []
    sample: Sample | None = None

    @model_validator(mode="after")
    def _paths_are_paths(self) -> Batch:
        problems = []
        places = [(("grid", p), p) for p in self.grid]
        places += [(("variants", i, "set", p), p) for i, v in enumerate(self.variants) for p in v.set]
        places += [(("sample", "ranges", p), p) for p in (self.sample.ranges if self.sample else {})]
        for where, text in places:
            try:
                parse_path(text)
            except ValueError as exc:
                problems.append(Problem(where, str(exc)))
        if self.precision is not None and not 0 < self.precision < 1:
            problems.append(Problem(("precision",), "write a share above 0 % and below 100 %, e.g. 1%"))
        names = [v.name for v in self.variants]
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(Problem(("variants",), f"two variants are called '{name}'"))
        if problems:
            raise ScenarioError(problems)
        return self


@dataclass(frozen=True)
class Planned:
    """One study of a batch, resolved and validated: a base file under one variant."""

    key: str
    """Stable identifier: the same file, variant, seed and replication plan give the same key (resume)."""
    file: str
    file_sha256: str
    variant: str
    parameters: dict[str, Any]
    study: Study
    replications: int
    precision: float | None
    max_replications: int

    @property
    def resolved(self) -> str:
        """The resolved scenario as YAML (every default written out)."""
        from .files import dump_study

        return dump_study(self.study)


def load_batch(path: str | Path) -> tuple[Batch, list[Planned]]:
    """Read, validate and resolve a batch file: every study and variant, or a ScenarioError listing every
    problem (file, variant, path) before anything runs."""
    path = Path(path)
    data, root = parse_yaml(read_text(path), str(path))
    batch = validate(Batch, data, str(path), root)
    return batch, plan_batch(batch, path.parent, str(path))


def variants_of(batch: Batch) -> list[tuple[str, dict[str, Any]]]:
    """(name, values by path) of every variant: the grid's combinations, the named variants and the
    sample's points; only the base file when there is none."""
    out: list[tuple[str, dict[str, Any]]] = []
    if batch.grid:
        paths = list(batch.grid)
        for values in itertools.product(*batch.grid.values()):
            changes = dict(zip(paths, values))
            out.append((", ".join(f"{p.rsplit('.', 1)[-1]}={v}" for p, v in changes.items()), changes))
    out += [(v.name, dict(v.set)) for v in batch.variants]
    if batch.sample is not None:
        out += _latin_hypercube(batch.sample)
    return out or [("base", {})]


def _latin_hypercube(sample: Sample) -> list[tuple[str, dict[str, Any]]]:
    from scipy.stats import qmc

    paths = list(sample.ranges)
    bounds = []
    for p in paths:
        low, high = (quantity(v) for v in sample.ranges[p])
        bounds.append((low, high))
    points = qmc.LatinHypercube(d=len(paths), seed=sample.seed).random(sample.n)
    out = []
    for k, point in enumerate(points, start=1):
        changes = {p: low.text(low.number + u * (high.number - low.number))
                   for p, (low, high), u in zip(paths, bounds, point)}
        out.append((f"sample {k}", changes))
    return out


def plan_batch(batch: Batch, folder: Path, source: str) -> list[Planned]:
    """Every base file under every variant, validated; all problems at once."""
    problems: list[Problem] = []
    try:
        variants = variants_of(batch)
    except (ValueError, ScenarioError) as exc:
        message = "; ".join(p.message for p in exc.problems) if isinstance(exc, ScenarioError) else str(exc)
        raise ScenarioError([Problem(("sample", "ranges"), f"cannot sample: {message}")], source=source) from None
    if len(variants) * len(batch.studies) > MAX_VARIANTS:
        raise ScenarioError([Problem(("grid",), f"{len(variants) * len(batch.studies):,} studies: a batch runs at "
                                                f"most {MAX_VARIANTS:,}")], source=source)
    planned: list[Planned] = []
    for i, spec in enumerate(batch.studies):
        file = (folder / spec.file).resolve()
        try:
            base = load_study(file)
        except ScenarioError as exc:
            problems += [Problem(("studies", i, "file"), f"{spec.file}: {p.field}: {p.message}") for p in exc.problems]
            continue
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        for name, changes in variants:
            try:
                study = with_values(base, changes, source=f"{spec.file}, variant '{name}'") if changes else base
            except ScenarioError as exc:
                problems += [Problem(("studies", i, "file"),
                                     f"{spec.file}, variant '{name}': {p.field}: {p.message}") for p in exc.problems]
                continue
            replications = spec.replications or batch.replications
            precision = spec.precision if spec.precision is not None else batch.precision
            identity = json.dumps({"file": digest, "variant": name, "changes": changes, "seed": batch.seed,
                                   "replications": replications, "precision": precision,
                                   "maximum": batch.max_replications, "vr": batch.variance_reduction,
                                   "study": study_data(study)}, sort_keys=True, default=str)
            planned.append(Planned(key=hashlib.sha256(identity.encode()).hexdigest()[:16], file=spec.file,
                                   file_sha256=digest, variant=name, parameters=changes, study=study,
                                   replications=replications, precision=precision,
                                   max_replications=batch.max_replications))
    if problems:
        raise ScenarioError(problems, source=source)
    return planned
