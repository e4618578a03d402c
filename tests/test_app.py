"""The Streamlit app through streamlit.testing: every page renders, shows the key numbers, and
answers a change of input with a different result."""

from __future__ import annotations

import re
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


COST = "Cost of ownership over 5 years (k€)"
ECONOMIC = "Economic cost over 5 years (k€)"
AVAILABILITY = "Availability in agreed service time (%)"


def kpis(at: AppTest):
    """The main table of the Compare page: one row per option, a mean ± half-width per column."""
    return at.table[0].value


def thousands(text: str) -> float:
    """The mean of a cell such as '1,228.3 ± 6.4'."""
    return float(text.split(" ±")[0].replace(",", ""))


def test_compare_page_opens_on_a_bundled_example_already_compared():
    at = start()
    assert at.title[0].value == "E-mail for 1,000 users - make, outsource or buy"
    table = kpis(at)
    assert list(table.index) == ["In-house", "Outsourced, GTR 4h HO", "SaaS 99.9%"]
    assert list(table.columns)[:4] == [ECONOMIC, "Economic cost per year (k€)", COST, AVAILABILITY]
    assert re.fullmatch(r"\d[\d,]*\.\d ± \d[\d,]*\.\d", table.loc["In-house", COST])
    assert "yes" in set(table["On the frontier"])
    assert at.subheader[0].value == "Verdict" and at.markdown[0].value.startswith("Recommended: **")
    assert any("Lowest economic cost" in m.value for m in at.markdown)
    assert not at.error


def test_changing_the_seed_changes_the_numbers_and_going_back_is_cached():
    at = start()
    first = kpis(at).loc["In-house", ECONOMIC]
    at.number_input(key="seed").set_value(2).run()
    second = kpis(at).loc["In-house", ECONOMIC]
    assert first != second
    at.number_input(key="seed").set_value(1).run()
    assert kpis(at).loc["In-house", ECONOMIC] == first


def test_switching_example_and_language():
    at = start()
    at.selectbox(key="example").set_value("small-firm").run()
    assert at.title[0].value == "Small firm - 24/7 for three services"
    assert "Hire a sysadmin" in kpis(at).index
    at.selectbox(key="lang").set_value("fr").run()
    assert any(s.value == "Par scénario" for s in at.subheader)
    assert at.title[0].value == "Petite entreprise : 24/7 pour trois services"
    assert "Embaucher un administrateur système" in kpis(at).index   # the bundled example in French
    table = kpis(at)
    assert "Coût de possession sur 5 ans (k€)" in table.columns
    assert re.fullmatch(r"\d[\d\u202f]*,\d ± \d[\d\u202f]*,\d", table.iloc[0]["Coût de possession sur 5 ans (k€)"])
    assert at.markdown[0].value.startswith("Recommandée : **")


def test_a_link_opens_the_app_on_the_study_it_names_and_says_what_it_could_not_use():
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"lang": "fr", "example": "small-firm", "replications": "3", "seed": "-1",
                            "colour": "red"})
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Petite entreprise : 24/7 pour trois services"   # the file's French names
    assert at.number_input(key="replications").value == 3 and at.number_input(key="seed").value == 1
    assert any(s.value == "Par scénario" for s in at.subheader)
    assert [w.value for w in at.sidebar.warning] == [
        "Le paramètre seed=-1 du lien n'a pas été utilisé : écrivez un nombre entier de 0 à 2147483647."]
    at.selectbox(key="example").set_value("email-1000").run()   # the link sets the start, the user the rest
    assert at.title[0].value.startswith("Messagerie pour 1 000 utilisateurs")
    hostile = AppTest.from_file(APP, default_timeout=180)
    hostile.query_params.update({"replications": "9" * 5000, "seed": "\u00b2", "example": "=HYPERLINK(1)" * 50,
                                 "lang": "en"})
    hostile.session_state["replications"] = 4
    hostile.run()
    assert not hostile.exception, hostile.exception
    assert len(hostile.sidebar.warning) == 3 and all(len(w.value) < 200 for w in hostile.sidebar.warning)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page):
    at = start()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title


def test_what_would_it_take_opens_on_the_recommended_option_and_states_each_rota_against_its_thresholds():
    """The break-even opens on the recommended option and the one it is weighed against (not on two options
    the verdict excluded), the parameters go by their names (no dotted path), and each on-call rota is
    measured against the thresholds a French reader applies, the conclusion first."""
    at = start()
    at.switch_page("webapp/pages/whatif.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="be_a").value == "SaaS 99.9%" and at.selectbox(key="be_b").value == "Outsourced, GTR 4h HO"
    options = at.selectbox(key="be_path").options
    assert "The monthly fee of Messaging MSP" in options and not any("providers." in o for o in options)
    # the question a director asks first: below what price does the recommended offer stay the cheaper?
    assert at.selectbox(key="be_path").value == "saas.mail-cloud.price_per_user_month"
    said = [m.value for m in (*at.success, *at.info, *at.warning)]
    rota = [s for s in said if s.startswith("Messaging admins in **In-house**")]
    assert rota and "share of weeks one person is on call" in rota[0] and "(threshold 51.9 %)" in rota[0]
    thresholds = at.dataframe[0].value
    assert list(thresholds.columns) == ["Figure", "This rota", "Threshold", "Against the threshold"]
    assert 50.0 <= float(thresholds.iloc[0]["This rota"].split()[0]) <= 51.9   # a weekly rota of two: one week in two
    assert thresholds.iloc[0]["Threshold"] == "51.9 %" and thresholds.iloc[0]["Against the threshold"] == "at the edge"


def test_service_page_shows_restoration_and_monthly_availability():
    at = start()
    at.switch_page("webapp/pages/service.py").run()
    table = at.table[0].value   # static: every row shown, no label cut
    assert at.title[0].value == "Service: E-mail"   # by its name, and the title first
    assert "Availability in agreed service time" in table.index
    assert set(table.columns) == {"In-house", "Outsourced, GTR 4h HO", "SaaS 99.9%"}
    before = table.loc["Time to restore, mean P1", "In-house"]
    at.selectbox(key="example").set_value("erp-hybrid").run()
    after = at.table[0].value
    assert "Hybrid + P1 escalation" in after.columns
    assert after.loc["Time to restore, mean P1", "In-house + on-call"] != before


def _edit_yaml(at: AppTest, change) -> AppTest:
    at.switch_page("webapp/pages/editor.py").run()
    area = next(a for a in at.text_area if a.key and a.key.startswith("yaml-"))
    area.set_value(change(area.value)).run()
    return at


def test_editor_one_more_admin_changes_the_in_house_cost_and_lands_on_the_results():
    at = start()
    before = kpis(at).loc["In-house", COST]
    _edit_yaml(at, lambda text: text.replace("count: 2, role: messaging admin", "count: 3, role: messaging admin"))
    assert any(s.value == "The scenario is valid." for s in at.success)
    at.button(key="apply").click().run()
    assert at.session_state["source"] == "edited"
    assert at.title[0].value == "E-mail for 1,000 users - make, outsource or buy"   # the results, not the editor
    after = kpis(at).loc["In-house", COST]
    assert thousands(after) > thousands(before) + 200


def test_editor_24_7_coverage_changes_the_outsourced_availability():
    at = start()
    before = kpis(at).loc["Outsourced, GTR 4h HO", AVAILABILITY]
    _edit_yaml(at, lambda text: text.replace("    coverage: HO ", "    coverage: 24/7 "))
    at.button(key="apply").click().run()
    after = kpis(at).loc["Outsourced, GTR 4h HO", AVAILABILITY]
    assert thousands(after) > thousands(before)


def test_editor_names_every_problem_on_its_tab_and_refuses_to_run():
    at = start()
    _edit_yaml(at, lambda text: text.replace("users: 1000", "users: -5").replace("monthly: 3500 EUR",
                                                                                   "monthly: -3500 EUR"))
    messages = [e.value for e in at.error]
    summary = next(m for m in messages if m.startswith("This scenario file cannot be used: 2 problems."))
    assert "services.email.users" in summary and "providers.msp-4h-ho.fees.monthly" in summary, summary
    assert "Services (1)" in summary and "Offers (1)" in summary
    on_tabs = [m for m in messages if m.startswith("Problems on this tab:")]
    assert len(on_tabs) == 2 and "services.email.users" in on_tabs[0] and "fees.monthly" in on_tabs[1]
    assert [tab.label for tab in at.tabs][:3] == ["Services ⚠ 1", "Teams", "Offers ⚠ 1"]
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
    row = table[table["Parameter"] == "Working hours per year"].iloc[0]
    assert row["Applies to"] == "Economics"
    assert row["Value"] == "1,607" and row["Default"] and "1,607" in row["Source"]
    assert row["Unit"] == "hours"
    # No path of the file: each parameter by what it belongs to and its label.
    assert not table["Parameter"].str.contains(r"\w\.\w|_", regex=True).any()
    assert "Cost of an hour of outage, business hours" in set(table["Parameter"])
    at.selectbox(key="lang").set_value("fr").run()
    table = at.dataframe[0].value
    row = table[table["Paramètre"] == "Heures travaillées par an"].iloc[0]
    assert row["Unité"] == "heures" and "1 607 h" in row["Source"] and row["Porte sur"] == "Économie"
    outage = table[table["Paramètre"] == "Coût d'une heure d'indisponibilité, heures ouvrées"].iloc[0]
    assert outage["Porte sur"] == "Messagerie" and outage["Valeur"] == "7\u202f500\u202f€"


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


CRITERIA = ("price", "availability", "gtr_breach", "uncovered_downtime", "reversibility_plan", "data_location",
            "references", "financial_strength", "support_language")


def test_offers_page_ranks_the_example_offers_and_weights_change_the_ranking():
    """The page opens on what each offer costs a year and whether it is compliant; the ranking puts the
    compliant offers first (the others are ranked apart, said in their rank), with the weights beside it as
    entered and normalised; typing weights re-ranks the offers."""
    at = _offers_page()
    costs, ranking = at.table[0].value, at.table[1].value
    assert set(costs.index) == {"Budget MSP", "Standard MSP", "Premium MSP"}
    assert list(costs.columns)[0] == "Economic cost per year"
    assert all(cell.endswith(tuple("0123456789")) for cell in costs["Economic cost per year"])
    compliant = [o for o in ranking.index if ranking.at[o, "Eligibility"] == "Compliant"]
    assert list(ranking.index[:len(compliant)]) == compliant  # compliant offers first
    for offer in ranking.index[len(compliant):]:
        assert ranking.at[offer, "Eligibility"] == "Non-compliant"
        assert ranking.at[offer, "Weighted sum: rank"].endswith("(ranked apart)")
        assert costs.at[offer, "Eligibility"].startswith("Non-compliant: availability of 'E-mail'")
    figures = at.table[2].value
    assert figures.loc["Effective yearly price (fees + variable − penalties)", "Budget MSP"].endswith(
        tuple("0123456789"))
    said = " ".join(m.value for m in at.markdown)
    assert "How sure:" in said and "2,000" in said
    shares = [m.value for m in at.markdown if m.value.endswith(" %")]
    assert shares[:len(CRITERIA)] == ["35.0 %", "15.0 %", "10.0 %", "15.0 %", "5.0 %", "5.0 %", "5.0 %", "5.0 %",
                                      "5.0 %"]
    assert [at.number_input(key=f"weight-{k}").value for k in CRITERIA] == [35, 15, 10, 15, 5, 5, 5, 5, 5]
    before = ranking["Weighted sum: score (0 to 1)"].tolist()
    for key in CRITERIA[1:]:
        at.number_input(key=f"weight-{key}").set_value(0.0)
    at.number_input(key="weight-price").set_value(50.0).run()
    after = at.table[1].value
    assert after["Weighted sum: score (0 to 1)"].tolist() != before
    cheapest = figures.loc["Effective yearly price (fees + variable − penalties)"].map(
        lambda text: float(text.split()[0].replace(",", ""))).idxmin()
    assert after.at[cheapest, "Weighted sum: score (0 to 1)"] == "1.000"  # on price alone it scores best
    assert [m.value for m in at.markdown if m.value.endswith(" %")][:2] == ["100.0 %", "0.0 %"]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download the blank grid to send to providers (Excel)", "Workbook (Excel)",
                      "Report (HTML, self-contained)"]


def test_offers_page_in_french_offers_the_french_grid_and_says_compliance():
    at = start()
    at.selectbox(key="lang").set_value("fr").run()
    at.switch_page("webapp/pages/offers.py").run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[0] == "Télécharger la grille vierge à envoyer aux prestataires (Excel)"
    assert list(at.table[0].value.columns) == ["Coût économique par an", "Coût économique sur la durée du contrat",
                                               "Conformité"]
    assert set(at.table[1].value["Conformité"]) <= {"Conforme", "Non conforme"}


def test_offers_page_reads_a_filled_grid_and_explains_a_wrong_cell():
    from test_procurement import _row_of, filled_grid

    from sourcing.grid import load_tender

    tender = load_tender(ROOT / "scenarios" / "email-offers.yaml")
    at = _offers_page()
    at.radio(key="offers_source").set_value("upload").run()
    at.file_uploader(key="offers_file").set_value(("grid.xlsx", filled_grid(tender), "application/octet-stream"))
    at.run()
    assert not at.error, [e.value for e in at.error]
    assert set(at.table[0].value.index) == {"Budget MSP", "Standard MSP", "Premium MSP"}
    broken = filled_grid(tender, lambda sheet: sheet.cell(row=_row_of("fees.monthly"), column=5, value="lots"))
    at.file_uploader(key="offers_file").set_value(("grid.xlsx", broken, "application/octet-stream"))
    at.run()
    assert not at.exception
    assert any("standard-24-7" in e.value and f"row {_row_of('fees.monthly')}" in e.value for e in at.error)


def test_the_server_simulates_the_bundled_example_once_and_a_restart_reads_it_from_disk(tmp_path):
    """``streamlit run server.py`` simulates the bundled example before it answers and keeps it in
    Streamlit's disk cache (``~/.streamlit/cache``, here a home of its own); a restarted server reads it
    back: the file is not written again (the same bytes, the same modification time). An entry cut short
    (a full disk, a crash while writing) is dropped and written again, never an error."""
    from webapp.screenshots import serve

    cache = tmp_path / "home" / ".streamlit" / "cache"
    cache.parent.parent.mkdir()
    log = tmp_path / "server.log"
    with serve(log, ROOT, script="server.py", home=tmp_path / "home"):
        kept = sorted(cache.glob("*.memo"))
    assert len(kept) == 1, kept
    written = kept[0].stat().st_mtime_ns, kept[0].read_bytes()
    with serve(log, ROOT, script="server.py", home=tmp_path / "home"):
        assert sorted(cache.glob("*.memo")) == kept
    assert (kept[0].stat().st_mtime_ns, kept[0].read_bytes()) == written
    assert "warm-up failed" not in log.read_text(errors="replace")

    kept[0].write_bytes(written[1][: len(written[1]) // 2])
    with serve(log, ROOT, script="server.py", home=tmp_path / "home"):
        assert sorted(cache.glob("*.memo")) == kept
    assert kept[0].stat().st_size == len(written[1])   # written whole again (only the seconds it took differ)
    output = log.read_text(errors="replace")
    assert "warm-up failed" not in output and "cannot be read: dropped" in output
