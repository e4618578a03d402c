"""The Streamlit app through streamlit.testing: every page renders, shows the key numbers, and
answers a change of input with a different result."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parents[1]
APP = str(ROOT / "app.py")
PAGES = ["webapp/pages/service.py", "webapp/pages/whatif.py", "webapp/pages/editor.py", "webapp/pages/offers.py",
         "webapp/pages/assumptions.py", "webapp/pages/calibrate.py",
         "webapp/pages/downloads.py"]


def start(replications: int = 4) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["replications"] = replications
    at.run()
    assert not at.exception, at.exception
    return at


def kpis(at: AppTest):
    return at.dataframe[0].value


def test_compare_page_opens_on_a_bundled_example_already_compared():
    at = start()
    assert at.title[0].value == "E-mail for 1,000 users - make, outsource or buy"
    table = kpis(at)
    assert list(table.index) == ["In-house", "Outsourced, GTR 4h HO", "SaaS 99.9%"]
    assert table.loc["In-house", "Cost of ownership"].endswith(tuple("0123456789")) and "k€ ±" in \
        table.loc["In-house", "Cost of ownership"]
    assert "yes" in set(table["On the frontier"])
    assert any("Lowest economic cost" in m.value for m in at.markdown)
    assert not at.error


def test_changing_the_seed_changes_the_numbers_and_going_back_is_cached():
    at = start()
    first = kpis(at).loc["In-house", "Economic cost (ownership + downtime − received)"]
    at.number_input(key="seed").set_value(2).run()
    second = kpis(at).loc["In-house", "Economic cost (ownership + downtime − received)"]
    assert first != second
    at.number_input(key="seed").set_value(1).run()
    assert kpis(at).loc["In-house", "Economic cost (ownership + downtime − received)"] == first


def test_switching_example_and_language():
    at = start()
    at.selectbox(key="example").set_value("small-firm").run()
    assert at.title[0].value == "Small firm - 24/7 for three services"
    assert "Hire a sysadmin" in kpis(at).index
    at.selectbox(key="lang").set_value("fr").run()
    assert any(s.value == "Par scénario" for s in at.subheader)
    assert "Coût de possession" in kpis(at).columns


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page):
    at = start()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title


def test_service_page_shows_restoration_and_monthly_availability():
    at = start()
    at.switch_page("webapp/pages/service.py").run()
    table = at.dataframe[0].value
    assert "Availability in agreed service time" in table.index
    assert set(table.columns) == {"In-house", "Outsourced, GTR 4h HO", "SaaS 99.9%"}
    before = table.loc["Time to restore, mean P1", "In-house"]
    at.selectbox(key="example").set_value("erp-hybrid").run()
    after = at.dataframe[0].value
    assert "Hybrid + P1 escalation" in after.columns
    assert after.loc["Time to restore, mean P1", "In-house + on-call"] != before


def _edit_yaml(at: AppTest, change) -> AppTest:
    at.switch_page("webapp/pages/editor.py").run()
    area = next(a for a in at.text_area if a.key and a.key.startswith("yaml-"))
    area.set_value(change(area.value)).run()
    return at


def test_editor_one_more_admin_changes_the_in_house_cost():
    at = start()
    before = kpis(at).loc["In-house", "Cost of ownership"]
    _edit_yaml(at, lambda text: text.replace("count: 2, role: messaging admin", "count: 3, role: messaging admin"))
    assert any(s.value == "The scenario is valid." for s in at.success)
    at.button(key="apply").click().run()
    at.switch_page("webapp/pages/compare.py").run()
    assert at.session_state["source"] == "edited"
    after = kpis(at).loc["In-house", "Cost of ownership"]
    assert float(after.split(" k€")[0].replace(",", "")) > float(before.split(" k€")[0].replace(",", "")) + 200


def test_editor_24_7_coverage_changes_the_outsourced_availability():
    at = start()
    before = kpis(at).loc["Outsourced, GTR 4h HO", "Availability in agreed service time"]
    _edit_yaml(at, lambda text: text.replace("    coverage: HO ", "    coverage: 24/7 "))
    at.button(key="apply").click().run()
    at.switch_page("webapp/pages/compare.py").run()
    after = kpis(at).loc["Outsourced, GTR 4h HO", "Availability in agreed service time"]
    assert float(after.split(" %")[0]) > float(before.split(" %")[0])


def test_editor_shows_the_problem_next_to_the_section_and_refuses_to_run():
    at = start()
    _edit_yaml(at, lambda text: text.replace("users: 1000", "users: -5"))
    messages = [e.value for e in at.error]
    assert any("services.email.users" in m for m in messages), messages
    assert at.button(key="apply").disabled


def test_broken_upload_is_explained_and_the_app_keeps_working():
    at = start()
    at.radio(key="source").set_value("upload").run()
    at.file_uploader[0].set_value(("broken.yaml", b"name: x\ncalendar: {start: 2027-01-01\n", "application/x-yaml"))
    at.run()
    assert not at.exception
    assert any("cannot be used" in e.value and "line" in e.value for e in at.error)
    assert any("previous scenario" in w.value for w in at.warning)
    assert list(kpis(at).index) == ["In-house", "Outsourced, GTR 4h HO", "SaaS 99.9%"]


def test_hostile_upload_is_refused_without_running_it():
    at = start()
    at.radio(key="source").set_value("upload").run()
    at.file_uploader[0].set_value(("evil.yaml", b"name: !!python/object/apply:os.system ['echo pwned']\n",
                                   "application/x-yaml"))
    at.run()
    assert not at.exception
    assert any("not valid YAML" in e.value for e in at.error)


def test_assumptions_page_lists_defaults_with_their_source():
    at = start()
    at.switch_page("webapp/pages/assumptions.py").run()
    table = at.dataframe[0].value
    row = table[table["Parameter"] == "economics.working_hours_per_year"].iloc[0]
    assert row["Value"] == "1607.0" and row["Default"] and "1,607" in row["Source"]


def test_downloads_page_offers_every_format():
    at = start()
    at.switch_page("webapp/pages/downloads.py").run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Tidy results (CSV)", "Workbook (Excel)", "Download the scenario (YAML)",
                      "Report (HTML, self-contained)"]


def _offers_page() -> AppTest:
    at = start()
    at.switch_page("webapp/pages/offers.py").run()
    assert not at.exception, at.exception
    return at


def test_offers_page_ranks_the_example_offers_and_weights_change_the_ranking():
    at = _offers_page()
    ranking = at.dataframe[0].value
    assert list(ranking.columns) == ["budget-ho", "standard-24-7", "premium-1h"]
    figures = at.dataframe[1].value
    assert figures.loc["Effective yearly price (fees + variable − penalties)", "budget-ho"].endswith(
        tuple("0123456789"))
    before = ranking.loc["Weighted sum: rank"].tolist()
    for key in ("availability", "gtr_breach", "uncovered_downtime", "reversibility_plan", "data_location",
                "references", "financial_strength", "support_language"):
        at.slider(key=f"weight-{key}").set_value(0)
    at.slider(key="weight-price").set_value(100).run()
    after = at.dataframe[0].value.loc["Weighted sum: rank"].tolist()
    assert after != before
    assert after[0] == "1"  # on price alone the budget offer wins
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Workbook (Excel)", "Report (HTML, self-contained)"]


def test_offers_page_reads_a_filled_grid_and_explains_a_wrong_cell():
    from test_procurement import _row_of, filled_grid

    from sourcing.grid import load_tender

    tender = load_tender(ROOT / "scenarios" / "email-offers.yaml")
    at = _offers_page()
    at.radio(key="offers_source").set_value("upload").run()
    at.file_uploader(key="offers_file").set_value(("grid.xlsx", filled_grid(tender), "application/octet-stream"))
    at.run()
    assert not at.error, [e.value for e in at.error]
    assert list(at.dataframe[0].value.columns) == ["budget-ho", "standard-24-7", "premium-1h"]
    broken = filled_grid(tender, lambda sheet: sheet.cell(row=_row_of("fees.monthly"), column=5, value="lots"))
    at.file_uploader(key="offers_file").set_value(("grid.xlsx", broken, "application/octet-stream"))
    at.run()
    assert not at.exception
    assert any("standard-24-7" in e.value and f"row {_row_of('fees.monthly')}" in e.value for e in at.error)
