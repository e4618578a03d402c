"""Broken scenario files must be refused with a clear message and must never produce output.

Every file in ``tests/bad/`` is a small variation of a valid scenario, broken in exactly one
way. It starts with comment lines::

    # fault: <what is wrong, one sentence>
    # expect: <substring that must appear in the error output>   (one or more)

For each file, the real command line (``python -m sourcing.cli run``) runs in a subprocess and
must exit non-zero, name the file, print every expected substring, show no traceback and write
nothing. Each ``run`` starts a Python that imports pandas (~1.5 s), so the subprocesses are started
together by a module fixture, each in its own empty folder. ``validate`` must refuse the file with
the same messages; it is called in-process through typer's CliRunner to keep the suite fast.

Files listed in ``KNOWN_GAPS`` show a validation gap that is still open in the source; they are
strict xfails, so the suite turns red (XPASS) once the gap is fixed and the entry must be removed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sourcing.cli import app

BAD = Path(__file__).parent / "bad"
FILES = sorted(BAD.glob("*.yaml"))

KNOWN_GAPS: dict[str, str] = {}

VALID = """\
name: Small valid study
currency: EUR
calendar:
  start: 2027-01-01
  horizon: 1y
services:
  email:
    users: 50
    outage_cost_per_hour: {business: 500 EUR, off_hours: 50 EUR}
    incidents:
      per_month: 4
      priorities: {P1: 5%, P2: 15%, P3: 50%, P4: 30%}
teams:
  it:
    members:
      - {name: Alice, annual_cost: 60000 EUR}
    repair_time:
      P1: {median: 1h, p90: 4h}
      P2: 2h
      P3: {mean: 3h}
      P4: 30min
scenarios:
  - name: In-house
    default: {make: it}
"""


def header(path: Path) -> tuple[str, list[str]]:
    """The ``# fault:`` sentence and the ``# expect:`` substrings of a bad file."""
    fault, expects = "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        if key.strip() == "fault":
            fault = value.strip()
        elif key.strip() == "expect":
            expects.append(value.strip())
    return fault, expects


def cases() -> list:
    params = []
    for path in FILES:
        marks = []
        if path.name in KNOWN_GAPS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[path.name]))
        params.append(pytest.param(path, id=path.name, marks=marks))
    return params


def check_output(path: Path, output: str) -> None:
    _, expects = header(path)
    assert path.name in output, f"the output does not name the file:\n{output}"
    for expected in expects:
        assert expected in output, f"missing {expected!r} in the output:\n{output}"
    assert "Traceback" not in output, f"a traceback reached the user:\n{output}"


def test_bad_files_are_well_formed() -> None:
    assert len(FILES) >= 20
    for path in FILES:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) >= 2 and lines[0].startswith("# fault: ") and lines[1].startswith("# expect: "), path.name
        fault, expects = header(path)
        assert fault and expects and all(expects), path.name
    assert set(KNOWN_GAPS) <= {p.name for p in FILES}, "KNOWN_GAPS names a file that does not exist"


def run_cli(path: Path, workdir: Path) -> tuple[int, str]:
    """The real command line on ``path``, run from ``workdir``, results asked into ``workdir/out``."""
    proc = subprocess.run(
        [sys.executable, "-m", "sourcing.cli", "run", str(path), "-n", "2", "--out", str(workdir / "out")],
        cwd=workdir, capture_output=True, text=True, timeout=120,
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def run_results(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``run`` on every selected bad file, several subprocesses at a time (each starts in ~1.5 s).

    Each file gets its own empty working folder, so a test can check that nothing was written.
    """
    selected = [item.callspec.params["path"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_run_refuses"]
    workdirs = {path: tmp_path_factory.mktemp(path.stem) for path in selected}
    with ThreadPoolExecutor(max_workers=(os.cpu_count() or 2) + 1) as pool:
        futures = {path: pool.submit(run_cli, path, workdir) for path, workdir in workdirs.items()}
        return {path: (workdirs[path], *future.result()) for path, future in futures.items()}


@pytest.mark.parametrize("path", cases())
def test_run_refuses(path: Path, run_results: dict) -> None:
    workdir, returncode, output = run_results[path]
    assert returncode != 0, f"run accepted a broken file:\n{output}"
    check_output(path, output)
    assert not (workdir / "out").exists(), "run wrote its output folder for a broken file"
    assert list(workdir.iterdir()) == [], f"stray files: {list(workdir.iterdir())}"


@pytest.mark.parametrize("path", cases())
def test_validate_refuses(path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(path)])
    output = result.output  # click >= 8.2: standard output and standard error, interleaved
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"validate raised {result.exception!r}; a traceback would reach the user") \
            from result.exception
    assert result.exit_code != 0, f"validate accepted a broken file:\n{output}"
    check_output(path, output)


def test_validate_accepts_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "valid.yaml"
    path.write_text(VALID, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sourcing.cli", "validate", str(path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "valid.yaml" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
