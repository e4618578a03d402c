"""Notices on valid files: values a French reader would question, and what public holidays close."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from builders import study
from cli.main import app
from sourcing.checks import notices


def _messages(s) -> dict[str, str]:
    return {n.field: n.message for n in notices(s)}


def test_an_unpaid_on_call_week_is_a_warning_not_an_error():
    s = study(teams={"it": {"on_call": {"weekly_premium": "0 EUR"}}})
    found = _messages(s)
    assert "astreinte" in found["teams.it.on_call.weekly_premium"]
    assert "L3121-9" in found["teams.it.on_call.weekly_premium"]


def test_values_a_french_reader_would_question():
    s = study(economics={"working_hours_per_year": 2000},
              teams={"it": {"overtime_premium": "0%", "absences": {"annual_leave_days": 10},
                            "on_call": {"weekly_premium": "150 EUR", "call_out_delay": "0min"},
                            "members": [{"name": "Alice", "annual_cost": "6000 EUR"}]}})
    found = _messages(s)
    assert "1,607 h" in found["economics.working_hours_per_year"]
    assert "+25 %" in found["teams.it.overtime_premium"]
    assert "25 working days" in found["teams.it.absences.annual_leave_days"]
    assert "wake up" in found["teams.it.on_call.call_out_delay"]
    assert "every week of the year" in found["teams.it.on_call"]
    assert "minimum wage" in found["teams.it.members[0].annual_cost"]


def test_a_sound_team_has_no_warning():
    s = study(teams={"it": {"absences": {"annual_leave_days": 25, "sickness": "4%"},
                            "members": [{"name": "Alice", "annual_cost": "60000 EUR", "shift": "HO"},
                                        {"name": "Bob", "annual_cost": "60000 EUR", "shift": "HO"}],
                            "on_call": {"weekly_premium": "150 EUR"}}})
    assert [n for n in notices(s) if n.kind == "warning"] == []


def test_validate_says_when_public_holidays_close_a_window(tmp_path: Path):
    path = tmp_path / "valid.yaml"
    path.write_text((Path(__file__).parent.parent / "scenarios" / "email-1000.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "window 'HO' is closed on public holidays (FR)" in result.output
    assert "warning" not in result.output
