"""A seeded mutator over the bundled scenario files: whatever comes out, the doors answer with a study or a
clear refusal (ScenarioError), never a traceback, a hang or a memory blow-up.

The budget is fixed in cases, not in seconds (so the test never depends on the machine's speed): 200 mutants
of the bundled examples, each validated; the valid ones that stay small are also simulated for one
replication. The seeds are fixed: the same mutants every run, so the test never flickers.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import yaml

from simulation.chunks import run_replication
from sourcing.errors import ScenarioError
from sourcing.files import study_from_text
from sourcing.scenario import expected_incidents

EXAMPLES = sorted(p for p in (Path(__file__).parents[1] / "scenarios").glob("*.yaml") if "offers" not in p.name)
CASES = 200
ODD_VALUES: list[Any] = [
    0, -1, 1e308, -1e-308, float("nan"), float("inf"), True, None, "", " ", "0h", "1s", "0.001s", "999999y",
    "-4h", "4 h", "4,5h", "100%", "101%", "-5%", "1e9 EUR", "-3 EUR", "Mon-Fri 25:00-26:00", "daily 00:00-24:00",
    "24/7", "HNO", "{except: HO}", "\x1b[2J", "\u202e", "ÉÈ", "P9", [], {}, [1, 2, 3], {"a": 1}, "x" * 5000,
    "2027-02-30", "0001-01-01", 10**30, "none", "all",
]


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*path, i))
    return out


def _get(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


def _mutate(data: dict, rng: random.Random) -> dict:
    data = copy.deepcopy(data)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _paths(data) if p]
        path = rng.choice(paths)
        parent, key = _get(data, path[:-1]), path[-1]
        action = rng.random()
        if action < 0.5:
            parent[key] = rng.choice(ODD_VALUES)
        elif action < 0.65 and isinstance(parent, dict):
            del parent[key]
        elif action < 0.8:
            value = parent[key]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                parent[key] = value * rng.choice([0, -1, 1e3, 1e6, 1e-6])
            elif isinstance(value, str):
                parent[key] = value * rng.choice([0, 2, 50]) if rng.random() < 0.5 else value[::-1]
            else:
                parent[key] = copy.deepcopy(rng.choice([value, [value] * 3, {"x": value}]))
        elif isinstance(parent, dict):
            parent[str(key) + rng.choice(["", " ", "_", "É"])] = copy.deepcopy(parent[key])
        else:
            parent.append(copy.deepcopy(parent[key]))
    return data


def _text_mutation(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    action = rng.random()
    k = rng.randrange(len(lines))
    if action < 0.3:
        del lines[k]
    elif action < 0.5:
        lines.insert(k, lines[rng.randrange(len(lines))])
    elif action < 0.7:
        lines[k] = lines[k][: rng.randrange(len(lines[k]) + 1)] + rng.choice(["&a", "*a", ": :", "\t", "[", "{", "'"])
    else:
        lines = lines[:k]
    return "\n".join(lines) + "\n"


def test_mutated_examples_are_read_or_refused_never_crash():
    rng = random.Random(20261122)
    sources = [(p.name, p.read_text(encoding="utf-8")) for p in EXAMPLES]
    accepted = simulated = refused = 0
    for case in range(CASES):
        name, text = sources[case % len(sources)]
        if case % 4 == 3:
            mutant = _text_mutation(text, rng)
        else:
            mutant = yaml.safe_dump(_mutate(yaml.safe_load(text), rng), allow_unicode=True, sort_keys=False)
        try:
            study = study_from_text(mutant, source=f"{name} (mutant {case})")
        except ScenarioError as exc:
            assert str(exc), f"an empty message for mutant {case}"
            refused += 1
            continue
        accepted += 1
        if study.calendar.horizon <= 5 and expected_incidents(study) <= 20_000 and simulated < 4:
            run_replication(study, seed=case, replication=0)
            simulated += 1
    assert refused > CASES // 3 and accepted > 10 and simulated > 2, (refused, accepted, simulated)
