"""Hostile or unusual scenario files and command lines: each is refused with a clear message (file, field,
limit, what to write), or handled right; never a traceback, a hang, unbounded memory or a half-written run.

Each case here failed before its fix (a traceback, a hang, a silently wrong figure or a stray folder).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from sourcing.errors import ScenarioError
from sourcing.files import MAX_DEPTH, load_study, study_from_text

VALID = """\
name: Small valid study
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
    repair_time: {P1: 1h, P2: 2h, P3: 3h, P4: 30min}
scenarios:
  - name: In-house
    default: {make: it}
"""


def invoke(*args: str, stdout: bool = False) -> tuple[int, str]:
    """The command line in-process: exit code and what it printed (standard output only with ``stdout``)."""
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"a traceback would reach the user: {result.exception!r}") from result.exception
    return result.exit_code, result.stdout if stdout else result.output


def refused(text: str, *fragments: str) -> str:
    """The message of a refused text, which must hold every fragment."""
    with pytest.raises(ScenarioError) as caught:
        study_from_text(text, source="hostile.yaml")
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


# --------------------------------------------------------------------------- files that break parsers


DEEP = {
    "flow lists": ("description: " + "[" * 5000 + "]" * 5000 + "\n", 20),
    "flow mappings": ("description: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n", 20),
    "block lists": ("description:\n" + "- " * 2000 + "x\n", 21),
    "indented mappings": ("description:\n" + "".join(" " * (k + 1) + f"k{k}:\n" for k in range(60))
                          + " " * 61 + "x\n", 60),
}
"""Files nested deeper than allowed, in each way YAML nests, and the line where their 41st level opens."""


@pytest.mark.parametrize("shape", DEEP)
def test_thousands_of_nested_levels_are_refused_without_a_recursion_error(tmp_path: Path, shape: str) -> None:
    """The project's own refusal, whatever the installed PyYAML does with deep files (the libyaml of PyYAML
    6.0.4's wheels reads flow lists ahead and refuses 1,000 levels in words of its own)."""
    path = tmp_path / "deep.yaml"
    text, line = DEEP[shape]
    path.write_text(VALID + text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_study(path)
    (problem,) = caught.value.problems
    assert problem.message.startswith(f"the file is nested more than {MAX_DEPTH} levels deep"), problem
    assert problem.line == line, problem
    for command in (["validate", str(path)], ["run", str(path), "-n", "2"]):
        code, output = invoke(*command)
        assert code == 2 and f"deep.yaml:{problem.line}: (top level): {problem.message}" in output, output


class _ReadsAheadAndRefuses(yaml.SafeLoader):
    """Stands in for a fast parser that reads far ahead and refuses a deep or broken text with words of its
    own before giving a single event (as libyaml does with deep flow lists)."""

    def __init__(self, stream: str) -> None:
        if "[[[" in stream or "{{" in stream:
            raise yaml.YAMLError("the library's own words")
        super().__init__(stream)


def test_the_depth_refusal_does_not_depend_on_the_fast_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    import sourcing.files

    monkeypatch.setattr(sourcing.files, "LOADER", _ReadsAheadAndRefuses)
    deep = refused(VALID + DEEP["flow lists"][0], f"nested more than {MAX_DEPTH} levels deep")
    assert "the library's own words" not in deep
    shallow = refused(VALID + "description: [[[x]]\n", "this is not valid YAML")  # a real syntax error stays one
    assert "nested" not in shallow


@pytest.mark.parametrize("encoding, says", [("utf-16", "UTF-16"), ("latin-1", "Latin-1")])
def test_a_file_in_another_encoding_is_told_to_be_saved_as_utf8(tmp_path: Path, encoding: str, says: str) -> None:
    path = tmp_path / "other.yaml"
    path.write_bytes(VALID.replace("Small valid study", "Étude de la messagerie").encode(encoding))
    with pytest.raises(ScenarioError) as caught:
        load_study(path)
    assert "save it as UTF-8" in str(caught.value) and says in str(caught.value)


def test_a_file_larger_than_a_megabyte_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(VALID + "#" * (1024 * 1024) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="larger than 1024 kB"):
        load_study(path)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-01-01"])
def test_dates_a_calendar_cannot_hold_are_refused_at_validation(day: str) -> None:
    """Both validated before, then crashed at run time (year 1: time zones; year 9999: the horizon)."""
    refused(VALID.replace("2027-01-01", day), "calendar.start", "between 1970 and 2200")


# --------------------------------------------------------------------------- bounded resources


def test_an_incident_volume_beyond_the_ceiling_is_refused_with_the_limit() -> None:
    text = VALID.replace("per_month: 4", "per_month: 1000000").replace("horizon: 1y", "horizon: 30y")
    refused(text, "incidents over the horizon", "1,000,000")


def test_alias_bombs_of_people_are_refused_before_anyone_is_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few kB of YAML aliases once expanded into a million people (validation took 169 s): the sizes are
    checked from the counts before any team is expanded into its people."""
    from sourcing.scenario import Team

    expanded: list[str] = []
    people = Team.people
    monkeypatch.setattr(Team, "people", lambda team, services: expanded.append("team") or people(team, services))
    members = "      - {count: 200, annual_cost: 60000 EUR}\n" * 25
    text = VALID.replace("    members:\n      - {name: Alice, annual_cost: 60000 EUR}\n",
                         "    members: &crowd\n" + members) + "  - name: Twin\n    default: {make: twin}\n"
    text = text.replace("scenarios:\n", "  twin:\n    members: *crowd\n    repair_time: {P1: 1h, P2: 1h, P3: 1h, "
                                        "P4: 1h}\nscenarios:\n")
    refused(text, "5,000 people", "at most 500", "at most 2,000")
    assert expanded == []


def test_a_sickness_spell_of_a_millisecond_is_refused_before_anything_is_drawn() -> None:
    """It once allocated 11.7 GiB."""
    text = VALID.replace("    repair_time:", "    absences: {sickness: 5%, sickness_spell: 0.001s}\n    repair_time:")
    refused(text, "sickness_spell", "sickness spells per person", "20,000")


def test_departures_that_would_loop_for_ever_are_refused() -> None:
    text = VALID.replace("    repair_time:", "    departures: {yearly_probability: 100%, hiring_delay: 1s}\n"
                                             "    repair_time:")
    refused(text, "yearly_probability", "at most 99%")


def test_a_window_of_a_megabyte_and_long_chains_of_complements_are_refused() -> None:
    rules = "; ".join(["Mon 08:00-09:00"] * 200)
    refused(VALID.replace("annual_cost: 60000 EUR}", f"annual_cost: 60000 EUR, shift: '{rules}'}}"),
            "at most 2000 characters")
    chain = "  windows:\n    w0: Mon-Fri 08:00-18:00\n" + "".join(
        f"    w{i}: {{except: w{i - 1}}}\n" for i in range(1, 3000))
    text = VALID.replace("  horizon: 1y\n", "  horizon: 1y\n" + chain).replace(
        "annual_cost: 60000 EUR}", "annual_cost: 60000 EUR, shift: w2999}")
    refused(text, "complement of a complement")


def test_huge_weights_of_a_weekly_profile_still_give_incidents() -> None:
    """Weights are relative: 1.7e308 at every hour is a flat profile (it gave zero incidents and 100 %)."""
    from simulation.compile import compile_study
    from simulation.incidents import draw_load
    from simulation.streams import Streams

    text = VALID.replace("      per_month: 4\n", "      per_month: 40\n      weekly_profile: [" +
                         ", ".join(["1.7e+308"] * 168) + "]\n")
    study = study_from_text(text)
    plan = compile_study(study)
    counts = [int(draw_load(plan, Streams(1, r)).measured.sum()) for r in range(5)]
    assert 300 < np.mean(counts) < 660, counts  # 480 expected a year


def test_replications_and_workers_have_a_ceiling() -> None:
    code, output = invoke("run", "scenarios/email-1000.yaml", "-n", "1000000")
    assert code == 2 and "100000" in output.replace(",", "")
    code, output = invoke("run", "scenarios/email-1000.yaml", "--workers", "1000")
    assert code == 2 and "64" in output


def test_a_run_too_large_for_memory_is_refused_after_one_replication_with_what_fits() -> None:
    code, output = invoke("run", "scenarios/email-1000.yaml", "-n", "90000")
    assert code == 2 and "result rows" in output and "ask for at most" in output


# --------------------------------------------------------------------------- text that could lie to the reader


@pytest.mark.parametrize("name", ["In\x1b[2J-house", "it\u202egnp.exe", "nul\x00byte", "zero\u200bwidth"])
def test_control_and_invisible_characters_are_refused_and_shown_escaped(name: str) -> None:
    text = VALID.replace("name: In-house", "name: " + yaml.safe_dump(name).strip().removesuffix("..."))
    message = refused(text, "scenarios[0].name", "write plain text")
    assert "\x1b" not in message and "\u202e" not in message and "\x00" not in message


@pytest.mark.parametrize("second", ["Email", "email ", unicodedata.normalize("NFD", "émail")])
def test_names_that_look_the_same_count_as_duplicates(second: str) -> None:
    first = "émail" if "é" in unicodedata.normalize("NFC", second) else "email"
    service = VALID.split("services:\n")[1].split("teams:")[0].replace("  email:", f"  {first}:")
    twin = service.replace(f"  {first}:", f"  {yaml.safe_dump(second).strip().removesuffix('...').strip()}:")
    text = VALID.replace(VALID.split("services:\n")[1].split("teams:")[0], service + twin)
    refused(text, "looks the same as")


def test_a_duration_written_back_validates_again(tmp_path: Path) -> None:
    """``run --out`` wrote a 0.01 s call-out delay back as '0y': the resolved scenario did not validate."""
    text = VALID.replace("    repair_time:", "    on_call: {weekly_premium: 150 EUR, call_out_delay: 0.01s}\n"
                                             "    repair_time:")
    out = tmp_path / "run"
    code, output = invoke("run", str(_write(tmp_path, text)), "-n", "2", "--out", str(out))
    assert code == 0, output
    again = load_study(out / "scenario.yaml")
    assert again.teams["it"].on_call.call_out_delay.fixed == pytest.approx(0.01 / 3600)


# --------------------------------------------------------------------------- command lines


def _write(folder: Path, text: str, name: str = "study.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unwritable_out_folder_is_refused_before_the_simulation(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import cli.run

    simulated: list[str] = []
    simulate = cli.run.simulate
    monkeypatch.setattr(cli.run, "simulate", lambda *a, **k: simulated.append("run") or simulate(*a, **k))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, output = invoke("run", "scenarios/email-1000.yaml", "-n", "500", "--out", str(blocker / "run"))
    assert code == 2 and "cannot write" in output and "nothing was simulated" in output
    assert simulated == []  # the 500 replications were not simulated first


def test_the_grid_template_on_an_unwritable_place_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, output = invoke("offers", "template", "--out", str(blocker / "grid.xlsx"))
    assert code == 2 and "cannot write the grid there" in output


def test_staging_folders_of_a_killed_run_are_cleaned_up_by_the_next_one(tmp_path: Path) -> None:
    stale = tmp_path / ".sourcing-999999999-abc"
    stale.mkdir()
    (stale / "results.csv").write_text("half-written", encoding="utf-8")
    mine = tmp_path / f".sourcing-{os.getpid()}-keep"  # a live process's staging folder stays
    mine.mkdir()
    code, output = invoke("run", str(_write(tmp_path, VALID)), "-n", "2", "--out", str(tmp_path / "run"))
    assert code == 0, output
    assert not stale.exists() and mine.exists() and (tmp_path / "run" / "summary.csv").exists()


def test_exported_csv_cells_cannot_become_formulas(tmp_path: Path) -> None:
    text = VALID.replace("name: In-house", "name: \"=cmd|' /C calc'!A0\"")
    code, output = invoke("run", str(_write(tmp_path, text)), "-n", "2", "--out", str(tmp_path / "run"))
    assert code == 0, output
    for name in ("results.csv", "summary.csv"):
        content = (tmp_path / "run" / name).read_text(encoding="utf-8")
        assert "\n=cmd" not in content and ",=cmd" not in content and "'=cmd" in content


def test_two_files_with_the_same_name_stay_apart_in_a_comparison(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _write(tmp_path / "a", VALID, "s.yaml")
    second = _write(tmp_path / "b", VALID.replace("users: 50", "users: 5000"), "s.yaml")
    code, output = invoke("compare", str(first), str(second), "-n", "2", "--format", "json", stdout=True)
    assert code == 0, output
    import json

    document = json.loads(output)
    scenarios = {row["scenario"] for row in document["comparison"]["headline"]}
    assert scenarios == {"a/s: In-house", "b/s: In-house"}


def test_a_weight_that_is_not_a_number_is_refused() -> None:
    code, output = invoke("offers", "compare", "scenarios/email-offers.yaml", "-n", "2", "--weight", "price=nan")
    assert code == 2 and "price=nan" in output


def test_precision_on_a_cost_that_is_always_zero_is_reached_at_once(tmp_path: Path) -> None:
    text = VALID.replace("60000 EUR", "0 EUR").replace("500 EUR", "0 EUR").replace("50 EUR", "0 EUR")
    code, output = invoke("run", str(_write(tmp_path, text)), "-n", "3", "--precision", "1%", "--format", "json",
                          stdout=True)
    assert code == 0, output
    import json

    document = json.loads(output)
    assert document["precision_reached"] == 0 and document["replications"] == 3


def test_offers_on_a_base_scenario_without_incidents() -> None:
    """It ended in a KeyError: no incident, so no GTR row to read."""
    from simulation.procurement import compare_offers
    from sourcing.grid import load_tender

    base = study_from_text(VALID.replace("per_month: 4", "per_month: 0"))
    comparison = compare_offers(load_tender("scenarios/email-offers.yaml"), base, 2)
    breach = comparison.summary.set_index(["offer", "figure"])["mean"]
    assert (breach.xs("gtr_breach", level="figure") == 0).all()


# --------------------------------------------------------------------------- interruptions


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


HANG = 600
"""Seconds after which a run that should have started its workers, or stopped, is taken to hang: a guard
far above what any machine, however busy, needs (a few seconds when idle), never a measure of speed."""
ORPHANS = 120
"""Seconds the workers of a stopped run have to die: they die within a second, even on a busy machine,
while workers left running would go on for many minutes (each has 750 replications to do)."""


def _until(condition, what: str, seconds: float = HANG) -> None:
    """Wait until ``condition()`` holds; fail if it still does not after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} after {seconds} s"
        time.sleep(0.1)


def _start_run() -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "cli", "run", "scenarios/small-firm.yaml", "-n",
                                "1500", "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=Path(__file__).parents[1])
    try:
        _until(lambda: len(_children(process.pid)) >= 2 or process.poll() is not None, "no two workers: the run hangs")
    except AssertionError:
        process.kill()
        raise
    return process


def _stop(process: subprocess.Popen) -> bytes:
    """Standard error of a run told to stop (killed if it hangs instead)."""
    try:
        return process.communicate(timeout=HANG)[1]
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"the run did not stop within {HANG} s") from None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_the_run_and_its_workers_with_a_message() -> None:
    process = _start_run()
    workers = _children(process.pid)
    assert len(workers) >= 2
    process.send_signal(signal.SIGINT)
    err = _stop(process)
    assert process.returncode == 130 and b"interrupted" in err and b"Traceback" not in err, err.decode()[-3000:]
    _until(lambda: not any(_alive(w) for w in workers), "workers still alive", ORPHANS)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent() -> None:
    """They once ran on alone for 40 minutes."""
    process = _start_run()
    workers = _children(process.pid)
    assert len(workers) >= 2
    process.kill()
    _stop(process)
    _until(lambda: not any(_alive(w) for w in workers), "workers still alive", ORPHANS)
