"""Broken scenario files must be refused with a clear message and must never produce output.

Every file in ``tests/bad/`` is a small variation of a valid scenario, broken in exactly one
way. It starts with comment lines::

    # fault: <what is wrong, one sentence>
    # expect: <substring that must appear in the error output>   (one or more)

For each file, ``run`` and ``validate`` are called in-process through typer's CliRunner (the same
code as the console command, without starting a Python per file): each must exit non-zero, name the
file, print every expected substring, show no traceback and write nothing. A few files also go
through the real command line in a subprocess, one at a time, so the console entry point itself is
exercised. No test here has a time limit of its own: the suite's only limit is pytest-timeout's
generous per-test safety net against hangs.

Files listed in ``KNOWN_GAPS`` show a validation gap that is still open in the source; they are
strict xfails, so the suite turns red (XPASS) once the gap is fixed and the entry must be removed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

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


def invoke(args: list[str]) -> tuple[int, str]:
    """The command line in-process; a traceback is a failure, not a refusal."""
    result = CliRunner().invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args[0]} raised {result.exception!r}; a traceback would reach the user") \
            from result.exception
    return result.exit_code, result.output  # click >= 8.2: standard output and standard error, interleaved


@pytest.mark.parametrize("path", cases())
def test_run_refuses(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = invoke(["run", str(path), "-n", "2", "--out", str(tmp_path / "out")])
    assert code != 0, f"run accepted a broken file:\n{output}"
    check_output(path, output)
    assert not (tmp_path / "out").exists(), "run wrote its output folder for a broken file"
    assert list(tmp_path.iterdir()) == [], f"stray files: {list(tmp_path.iterdir())}"


SUBPROCESS_SAMPLE = ["duplicate-keys.yaml", "bad-time-zone.yaml", "bool-for-count.yaml"]


@pytest.mark.parametrize("name", SUBPROCESS_SAMPLE)
def test_real_command_line_refuses(name: str, tmp_path: Path) -> None:
    """The console command itself, in its own process, on a few broken files."""
    path = BAD / name
    proc = subprocess.run([sys.executable, "-m", "cli", "run", str(path), "-n", "2", "--out",
                           str(tmp_path / "out")], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    check_output(path, proc.stdout + proc.stderr)
    assert list(tmp_path.iterdir()) == [], f"stray files: {list(tmp_path.iterdir())}"


@pytest.mark.parametrize("path", cases())
def test_validate_refuses(path: Path) -> None:
    code, output = invoke(["validate", str(path)])
    assert code != 0, f"validate accepted a broken file:\n{output}"
    check_output(path, output)


def test_validate_accepts_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "valid.yaml"
    path.write_text(VALID, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "cli", "validate", str(path)],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "valid.yaml" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
