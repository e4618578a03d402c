"""Every example scenario file runs end to end and tells a coherent story."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.compare import compare
from simulation.replications import run_study
from sourcing.files import load_study

EXAMPLES = sorted(p for p in (Path(__file__).parents[1] / "scenarios").glob("*.yaml") if "offers" not in p.name)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_and_compares(path):
    study = load_study(path)
    results = run_study(study, replications=3, seed=2)
    decision = compare(results.rows, study.baseline_name)
    assert set(decision.headline["scenario"]) == {s.name for s in study.scenarios}
    costs = decision.headline.query("metric == 'cost_of_ownership'")
    assert (costs["mean"] > 0).all()
    assert decision.frontier, "at least one scenario is on the cost/availability frontier"
    assert len(decision.differences) == (len(study.scenarios) - 1) * 4


def test_example_b_compares_make_outsource_and_buy():
    study = load_study(Path(__file__).parents[1] / "scenarios" / "email-1000.yaml")
    kinds = {type(s.option_for("email")).__name__ for s in study.scenarios}
    assert kinds == {"MakeOption", "OutsourceOption", "SaasOption"}
    offer = study.providers["msp-4h-ho"]
    assert offer.coverage == "HO" and offer.gtr["P1"] == 4
    assert study.saas["mail-cloud"].sla.availability == pytest.approx(0.999)


ROOT = Path(__file__).parents[1]


def readme_blocks(language: str) -> list[str]:
    """The fenced blocks of the README in one language (sh, yaml, sql)."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [body for lang, body in re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S) if lang == language]


def test_the_examples_cite_their_sources_inside_the_repository():
    """The examples cited ../shared/reference/domain-facts.md, outside the repository: docs/sources.md lists
    each fact with its origin and grade, every mark such as [S 3] points at one of its sections, and the
    README and the defaults' sources point at it too."""
    import re

    sources = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    sections = {int(n) for n in re.findall(r"^## (\d+)\. ", sources, flags=re.M)}
    assert sections == set(range(1, 8))
    grades = set(re.findall(r"\[([A-Z/]+)\]", sources))
    assert grades <= {"S", "W", "E", "L", "S/W"}, grades
    files = sorted((ROOT / "scenarios").rglob("*.yaml"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "shared/" not in text and "domain-facts" not in text, path
        for grade, section in re.findall(r"\[([SWEL](?:/[SWEL])?) (\d)\]", text):
            assert int(section) in sections, (path.name, grade, section)
    marked = [p for p in files if re.search(r"\[[SWEL](?:/[SWEL])? \d\]", p.read_text(encoding="utf-8"))]
    for path in marked:
        assert "docs/sources.md" in path.read_text(encoding="utf-8"), path
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/sources.md" in readme and "shared/reference" not in readme
    labels = (ROOT / "sourcing" / "labels" / "source.toml").read_text(encoding="utf-8")
    assert "domain facts" not in labels and "shared/" not in labels
    for section in re.findall(r"docs/sources\.md §(\d)", labels):
        assert int(section) in sections


def test_following_the_readme_leaves_git_status_clean():
    """The README's commands wrote email.duckdb, grid.xlsx, desk.yaml... at the root of the repository:
    every file or folder they write is under a folder git ignores."""
    import re
    import shlex

    ignored = {line.strip().rstrip("/") for line in (ROOT / ".gitignore").read_text().splitlines()}
    written = []
    for block in readme_blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            command = line.split(" #", 1)[0]
            for part in re.split(r"&&|;", command):
                words = shlex.split(part)
                for k, word in enumerate(words[:-1]):
                    if word in ("--out", "--store", "--report", ">"):
                        written.append(words[k + 1])
    assert len(written) >= 15, written
    for target in written:
        assert target.split("/")[0] in ignored and "/" in target, target
    assert {"runs", "out"} <= ignored
