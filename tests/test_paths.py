"""Parameter paths: one notation to read or change a value, validated like the file itself."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app
from sourcing.errors import ScenarioError
from sourcing.files import load_study
from sourcing.paths import parse_path, path_text, quantity, read_quantity, with_values

EMAIL = "scenarios/email-1000.yaml"


@pytest.mark.parametrize("text, path", [
    ("providers.msp.fees.monthly", ("providers", "msp", "fees", "monthly")),
    ("teams.ops.members[0].count", ("teams", "ops", "members", 0, "count")),
    ('services["e.mail"].users', ("services", "e.mail", "users")),
    ("scenarios[2].default.make", ("scenarios", 2, "default", "make")),
])
def test_paths_read_and_write_back(text: str, path: tuple) -> None:
    assert parse_path(text) == path
    assert parse_path(path_text(path)) == path


def test_setting_values_with_their_units_changes_the_study() -> None:
    study = load_study(EMAIL)
    changed = with_values(study, {"providers.msp-4h-ho.fees.monthly": "4200 EUR",
                                  "teams.two-admins.members[0].count": 3,
                                  "providers.msp-4h-ho.capacity": 2,
                                  "services.email.incidents.per_user_per_month": 0.08})
    assert changed.providers["msp-4h-ho"].fees.monthly == 4200
    assert changed.teams["two-admins"].size == 3
    assert changed.providers["msp-4h-ho"].capacity == 2
    assert changed.services["email"].incidents.per_user_per_month == 0.08
    assert study.teams["two-admins"].size == 2  # the original is untouched


@pytest.mark.parametrize("path, value, says", [
    ("providers.msp.fees.monthly", "1 EUR", "'msp' is not under providers (there: msp-4h-ho)"),
    ("providers.msp-4h-ho.fees.montly", "1 EUR", "did you mean 'monthly'?"),
    ("teams.two-admins.members[3].count", 1, "a list of 1: write a position from [0] to [0]"),
    ("services.email.users.x", 1, "is a single value (1000)"),
    ("providers.msp-4h-ho.fees.monthly", "-3 EUR", "negative"),
])
def test_a_wrong_path_or_value_says_what_to_write(path: str, value, says: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        with_values(load_study(EMAIL), {path: value})
    assert says in str(caught.value) and path in str(caught.value)


def test_quantities_keep_their_unit() -> None:
    assert quantity("3500 EUR").text(4200) == "4200 EUR"
    assert quantity("4h").text(2.5) == "150min"
    assert quantity("12%").text(0.15) == "15%"
    assert quantity(3).text(4.4) == "4"
    path, amount = read_quantity(load_study(EMAIL), "providers.msp-4h-ho.fees.monthly")
    assert amount.number == 3500 and amount.unit == "EUR"
    with pytest.raises(ScenarioError, match="cannot vary"):
        read_quantity(load_study(EMAIL), "providers.msp-4h-ho.coverage")


def test_run_accepts_set_and_refuses_a_wrong_path() -> None:
    result = CliRunner().invoke(app, ["run", EMAIL, "-n", "2", "--format", "json",
                                      "--set", "providers.msp-4h-ho.fees.monthly=9000 EUR"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["run", EMAIL, "-n", "2", "--set", "providers.msp.fees.monthly=9000 EUR"])
    assert result.exit_code == 2 and "'msp' is not under providers" in result.output
