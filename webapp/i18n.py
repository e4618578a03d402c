"""Interface text in English and French. The users' words (GTR, GTI, HO, HNO, astreinte, SLA) stay
as they are in both languages."""

from __future__ import annotations

LANGUAGES = {"en": "English", "fr": "Français"}

TEXT: dict[str, dict[str, str]] = {
    "app_title": {"en": "Make, outsource or buy the service?", "fr": "Faire, faire faire ou acheter le service ?"},
    "compare": {"en": "Compare", "fr": "Comparer"},
    "service": {"en": "Service", "fr": "Service"},
    "editor": {"en": "Scenario editor", "fr": "Éditeur de scénario"},
    "assumptions": {"en": "Assumptions", "fr": "Hypothèses"},
    "downloads": {"en": "Downloads", "fr": "Téléchargements"},
    "language": {"en": "Language", "fr": "Langue"},
    "scenario_file": {"en": "Scenario file", "fr": "Fichier de scénario"},
    "bundled": {"en": "Bundled example", "fr": "Exemple fourni"},
    "upload": {"en": "Upload a YAML file", "fr": "Charger un fichier YAML"},
    "edited": {"en": "Edited in the editor", "fr": "Modifié dans l'éditeur"},
    "replications": {"en": "Replications", "fr": "Réplications"},
    "seed": {"en": "Seed", "fr": "Graine"},
    "simulating": {"en": "Simulating {n} replications of {k} scenarios…",
                   "fr": "Simulation de {n} réplications de {k} scénarios…"},
    "run_note": {"en": "{n} replications, seed {seed}; mean ± 95 % confidence half-width. Every scenario "
                       "replays the same incidents.",
                 "fr": "{n} réplications, graine {seed} ; moyenne ± demi-largeur de l'intervalle de confiance "
                       "à 95 %. Tous les scénarios rejouent les mêmes incidents."},
    "file_problem": {"en": "This scenario file cannot be used:", "fr": "Ce fichier de scénario est inutilisable :"},
    "choose_file": {"en": "Choose a YAML scenario file in the sidebar; the previous scenario stays on screen "
                          "meanwhile.",
                    "fr": "Choisissez un fichier de scénario YAML dans la barre latérale ; le scénario précédent "
                          "reste affiché en attendant."},
    "too_big": {"en": "The file is larger than {limit} kB; a scenario file is a few kB.",
                "fr": "Le fichier dépasse {limit} ko ; un fichier de scénario pèse quelques ko."},
    "not_text": {"en": "The file is not UTF-8 text.", "fr": "Le fichier n'est pas du texte UTF-8."},
    "still_previous": {"en": "The previous scenario is still shown.",
                       "fr": "Le scénario précédent reste affiché."},
    "warnings": {"en": "{n} value(s) a French reader would question (the scenario runs as written)",
                 "fr": "{n} valeur(s) qu'un lecteur français questionnerait (le scénario tourne tel quel)"},
    "too_much": {"en": "{n} replications of this scenario are too much for the app (it is shared by every user): "
                       "ask for at most {fits}, or run it on the command line (sourcing run).",
                 "fr": "{n} réplications de ce scénario, c'est trop pour l'application (partagée par tous ses "
                       "utilisateurs) : demandez-en au plus {fits}, ou lancez-le en ligne de commande (sourcing run)."},
    "verdict": {"en": "Verdict", "fr": "Verdict"},
    "whatif": {"en": "What would it take", "fr": "Que faudrait-il"},
    "whatif_intro": {"en": "The questions that settle a decision, answered on the same simulated incidents: at what "
                           "value two options cost the same, which assumptions move the answer, what it would take "
                           "for one option to match another, and whether the on-call rotas hold.",
                     "fr": "Les questions qui tranchent une décision, sur les mêmes incidents simulés : à quelle "
                           "valeur deux options coûtent autant, quelles hypothèses font bouger la réponse, ce qu'il "
                           "faudrait pour qu'une option en égale une autre, et si les astreintes tiennent."},
    "whatif_two": {"en": "This scenario file has one option: there is nothing to compare.",
                   "fr": "Ce fichier de scénario n'a qu'une option : rien à comparer."},
    "breakeven": {"en": "Break-even", "fr": "Point mort"},
    "tornado": {"en": "What the answer depends on", "fr": "Ce dont la réponse dépend"},
    "match": {"en": "What it would take", "fr": "Ce qu'il faudrait"},
    "sustainability": {"en": "On-call and workload", "fr": "Astreinte et charge"},
    "option_a": {"en": "Option A", "fr": "Option A"},
    "option_b": {"en": "Option B", "fr": "Option B"},
    "on": {"en": "Compare on", "fr": "Comparer sur"},
    "on_cost": {"en": "economic cost", "fr": "coût économique"},
    "on_availability": {"en": "availability", "fr": "disponibilité"},
    "on_gtr-compliance": {"en": "GTR compliance", "fr": "respect de la GTR"},
    "replications_each": {"en": "Replications at each value", "fr": "Réplications à chaque valeur"},
    "two_different": {"en": "Choose two different options.", "fr": "Choisissez deux options différentes."},
    "find_breakeven": {"en": "Find the break-even", "fr": "Trouver le point mort"},
    "breakeven_found": {"en": "{a} and {b} are equal at {path} = {value} (95 % interval {low} to {high}; today "
                              "{today}).",
                        "fr": "{a} et {b} sont à égalité pour {path} = {value} (intervalle à 95 % de {low} à "
                              "{high} ; aujourd'hui {today})."},
    "points": {"en": "points", "fr": "points"},
    "rank_assumptions": {"en": "Rank the assumptions", "fr": "Classer les hypothèses"},
    "tornado_note": {"en": "{winner} is cheaper than {runner} by {amount} over the horizon. Each bar shows that "
                           "difference when one assumption moves to its low or high value.",
                     "fr": "{winner} coûte {amount} de moins que {runner} sur l'horizon. Chaque barre montre cet "
                           "écart quand une hypothèse passe à sa valeur basse ou haute."},
    "flips": {"en": "These swings could flip the decision: {names}.",
              "fr": "Ces variations pourraient inverser la décision : {names}."},
    "option_improve": {"en": "Option to improve (A)", "fr": "Option à améliorer (A)"},
    "option_match": {"en": "Option to match (B)", "fr": "Option à égaler (B)"},
    "values_to_try": {"en": "Values to try, separated by | (empty: the next whole numbers)",
                      "fr": "Valeurs à essayer, séparées par | (vide : les nombres entiers suivants)"},
    "find_match": {"en": "Find what it takes", "fr": "Trouver ce qu'il faut"},
    "no_match": {"en": "No value tried makes {a} as good as {b}.",
                 "fr": "Aucune valeur essayée ne rend {a} aussi bonne que {b}."},
    "match_found": {"en": "{a} matches {b} from {path} = {value} (probability {p} that it truly is at least as "
                          "good); its economic cost changes by {cost} a year.",
                    "fr": "{a} égale {b} à partir de {path} = {value} (probabilité {p} qu'elle soit vraiment au "
                          "moins aussi bonne) ; son coût économique change de {cost} par an."},
    "figure": {"en": "Figure", "fr": "Indicateur"},
    "mean": {"en": "Mean", "fr": "Moyenne"},
    "rest_on_call_share_max": {"en": "Largest share of weeks one person is on call",
                               "fr": "Plus grande part des semaines d'astreinte d'une personne"},
    "rest_interventions_per_on_call_week": {"en": "Call-outs per on-call week",
                                            "fr": "Interventions par semaine d'astreinte"},
    "rest_extra_hours_per_person_year": {"en": "Overtime and on-call hours per person and year",
                                         "fr": "Heures supplémentaires et d'intervention par personne et par an"},
    "rest_daily_rest_broken_per_person_year": {"en": "Daily rests (11 h) broken per person and year",
                                               "fr": "Repos quotidiens (11 h) interrompus par personne et par an"},
    "rest_weekly_rest_broken_per_person_year": {"en": "Weekly rests (35 h) broken per person and year",
                                                "fr": "Repos hebdomadaires (35 h) interrompus par personne et par an"},
    "rest_overtime_max_person_year": {"en": "Most overtime of one person in a year (hours)",
                                      "fr": "Heures supplémentaires maximales d'une personne sur un an"},
    "sustainable": {"en": "Nothing a French reader would stop at.",
                    "fr": "Rien qui arrêterait un lecteur français."},
    "baseline": {"en": "Baseline", "fr": "Référence"},
    "kpis": {"en": "Per scenario", "fr": "Par scénario"},
    "why": {"en": "Why", "fr": "Pourquoi"},
    "cost_breakdown": {"en": "Cost breakdown", "fr": "Décomposition des coûts"},
    "per_year": {"en": "Per year", "fr": "Par année"},
    "total": {"en": "Whole horizon", "fr": "Sur tout l'horizon"},
    "cost_vs_availability": {"en": "Cost versus availability", "fr": "Coût et disponibilité"},
    "differences": {"en": "Against the baseline", "fr": "Écart à la référence"},
    "risk": {"en": "Risk tail", "fr": "Risque"},
    "frontier": {"en": "Frontier", "fr": "Frontière"},
    "on_frontier": {"en": "On the frontier", "fr": "Sur la frontière"},
    "distribution": {"en": "Distribution of economic cost", "fr": "Distribution du coût économique"},
    "exceedance": {"en": "Chance that economic cost exceeds…", "fr": "Probabilité que le coût économique dépasse…"},
    "choose_service": {"en": "Service", "fr": "Service"},
    "priority": {"en": "Priority", "fr": "Priorité"},
    "time_to_restore": {"en": "Time to restore", "fr": "Temps de rétablissement"},
    "monthly_availability": {"en": "Monthly availability", "fr": "Disponibilité mensuelle"},
    "on_call_load": {"en": "On-call load (astreinte)", "fr": "Charge d'astreinte"},
    "utilisation": {"en": "Share of shift hours spent restoring incidents",
                    "fr": "Part des heures de service passée à rétablir des incidents"},
    "downtime": {"en": "Downtime", "fr": "Indisponibilité"},
    "no_team": {"en": "No internal team works on this service in these scenarios.",
                "fr": "Aucune équipe interne n'intervient sur ce service dans ces scénarios."},
    "no_on_call": {"en": "No on-call rota in these scenarios.", "fr": "Pas d'astreinte dans ces scénarios."},
    "target": {"en": "target", "fr": "objectif"},
    "apply": {"en": "Validate and run", "fr": "Valider et simuler"},
    "applied": {"en": "The edited scenario is now the one simulated.",
                "fr": "Le scénario modifié est désormais celui qui est simulé."},
    "valid": {"en": "The scenario is valid.", "fr": "Le scénario est valide."},
    "errors_here": {"en": "Problems in this section:", "fr": "Problèmes dans cette section :"},
    "download_yaml": {"en": "Download the scenario (YAML)", "fr": "Télécharger le scénario (YAML)"},
    "download_csv": {"en": "Tidy results (CSV)", "fr": "Résultats détaillés (CSV)"},
    "store": {"en": "Run store", "fr": "Base de résultats"},
    "store_intro": {"en": "Open the DuckDB run store of a batch (sourcing batch FILE --store STORE) to see which "
                          "option wins where across its variants, and each study's verdict. Read-only: nothing is "
                          "simulated again.",
                    "fr": "Ouvrez la base DuckDB d'un lot d'études (sourcing batch FICHIER --store BASE) pour voir "
                          "quelle option l'emporte selon les variantes, et le verdict de chaque étude. Lecture "
                          "seule : rien n'est simulé de nouveau."},
    "store_source": {"en": "Where is the store?", "fr": "Où est la base ?"},
    "store_path": {"en": "Path on this machine", "fr": "Chemin sur cette machine"},
    "store_upload": {"en": "Upload a .duckdb file", "fr": "Charger un fichier .duckdb"},
    "store_choose": {"en": "Give the path of a run store, or upload one.",
                     "fr": "Indiquez le chemin d'une base de résultats, ou chargez-en une."},
    "store_missing": {"en": "{path}: no such file. Write the path of a .duckdb run store (e.g. runs.duckdb).",
                      "fr": "{path} : fichier introuvable. Écrivez le chemin d'une base .duckdb (par ex. "
                            "runs.duckdb)."},
    "store_too_big": {"en": "The file is larger than {limit} MB: open it by its path instead.",
                      "fr": "Le fichier dépasse {limit} Mo : ouvrez-le plutôt par son chemin."},
    "store_reading": {"en": "Reading the store…", "fr": "Lecture de la base…"},
    "store_empty": {"en": "No study of this store has two finished replications yet: run or resume the batch.",
                    "fr": "Aucune étude de cette base n'a encore deux réplications terminées : lancez ou reprenez "
                          "le lot."},
    "store_across": {"en": "Which option wins where", "fr": "Quelle option l'emporte, et où"},
    "store_study": {"en": "One study", "fr": "Une étude"},
    "download_excel": {"en": "Workbook (Excel)", "fr": "Classeur (Excel)"},
    "download_html": {"en": "Report (HTML, self-contained)", "fr": "Rapport (HTML autonome)"},
    "services": {"en": "Services", "fr": "Services"},
    "teams": {"en": "Teams", "fr": "Équipes"},
    "offers": {"en": "Offers", "fr": "Offres"},
    "scenarios": {"en": "Scenarios", "fr": "Scénarios"},
    "yaml": {"en": "YAML", "fr": "YAML"},
    "members_of": {"en": "Members of team {team}", "fr": "Membres de l'équipe {team}"},
    "providers": {"en": "Managed-services offers (infogérance)", "fr": "Offres d'infogérance"},
    "saas_offers": {"en": "SaaS offers", "fr": "Offres SaaS"},
    "defaults_only": {"en": "Defaults only", "fr": "Valeurs par défaut seulement"},
    "parameter": {"en": "Parameter", "fr": "Paramètre"},
    "value": {"en": "Value", "fr": "Valeur"},
    "unit": {"en": "Unit", "fr": "Unité"},
    "default": {"en": "Default", "fr": "Par défaut"},
    "source": {"en": "Source", "fr": "Source"},
    "scenario": {"en": "Scenario", "fr": "Scénario"},
    "metric": {"en": "Figure", "fr": "Indicateur"},
    "difference": {"en": "Difference (95 % CI)", "fr": "Écart (IC 95 %)"},
    "significant": {"en": "Significant", "fr": "Significatif"},
    "yes": {"en": "yes", "fr": "oui"},
    "no": {"en": "no", "fr": "non"},
    "unexpected": {"en": "Something went wrong while simulating: {error}",
                   "fr": "La simulation a échoué : {error}"},
    "assumptions_intro": {"en": "Every parameter the run used. Defaults (not written in the file) carry the "
                                "source they come from: [S] sourced, [W] weak source, [E] estimate.",
                          "fr": "Tous les paramètres de la simulation. Les valeurs par défaut (absentes du "
                                "fichier) indiquent leur source : [S] sourcée, [W] source faible, [E] estimation."},
    "downloads_intro": {"en": "Everything behind the figures on screen, to keep and share.",
                        "fr": "Tout ce qui sous-tend les chiffres affichés, à conserver et partager."},
    "editor_intro": {"en": "Change the numbers in the tables, then validate: the same checks as for a file "
                           "apply, and problems show under the table they concern.",
                     "fr": "Modifiez les tableaux puis validez : les mêmes contrôles que pour un fichier "
                           "s'appliquent et les problèmes s'affichent sous le tableau concerné."},
    "yaml_intro": {"en": "Or edit the whole file here; text typed here replaces the edits made in the tables.",
                   "fr": "Ou modifiez tout le fichier ici ; ce texte remplace les modifications faites dans les "
                         "tableaux."},
    "option_help": {"en": "Option per service: 'make: team', 'outsource: offer', 'saas: offer' or "
                          "'hybrid: team + offer'.",
                    "fr": "Option par service : « make: équipe », « outsource: offre », « saas: offre » ou "
                          "« hybrid: équipe + offre »."},
    "procurement": {"en": "Procurement", "fr": "Achats"},
    "offers_title": {"en": "Procurement: offers on the same incidents",
                     "fr": "Achats : les offres sur les mêmes incidents"},
    "offers_intro": {"en": "Each provider's offer is simulated on the base scenario's incidents: its effective price "
                           "after penalties, how often its GTR is missed, the downtime its penalties leave uncovered, "
                           "and a ranking with your weights. Send providers the grid "
                           "(`sourcing offers template --out grid.xlsx`) and upload it filled in.",
                     "fr": "Chaque offre est simulée sur les incidents du scénario de base : son prix effectif après "
                           "pénalités, la fréquence des dépassements de GTR, l'indisponibilité que ses pénalités ne "
                           "couvrent pas, et un classement selon vos pondérations. Envoyez aux prestataires la grille "
                           "(`sourcing offers template --out grid.xlsx`) et chargez-la remplie."},
    "offers_source": {"en": "Offers", "fr": "Offres"},
    "offers_example": {"en": "Bundled example (managed e-mail, three offers)",
                       "fr": "Exemple fourni (messagerie infogérée, trois offres)"},
    "offers_upload": {"en": "Upload a filled grid (xlsx, csv) or a YAML offers file",
                      "fr": "Charger une grille remplie (xlsx, csv) ou un fichier d'offres YAML"},
    "offers_choose": {"en": "Choose a filled grid or an offers file.", "fr": "Choisissez une grille remplie ou un "
                                                                             "fichier d'offres."},
    "offers_base": {"en": "Base scenario (services and incidents)", "fr": "Scénario de base (services et incidents)"},
    "offers_in_use": {"en": "The scenario in use (sidebar)", "fr": "Le scénario en cours (barre latérale)"},
    "offers_weights": {"en": "Ranking weights", "fr": "Pondérations du classement"},
    "offers_ranking": {"en": "Ranking", "fr": "Classement"},
    "offers_figures": {"en": "Each offer on the same incidents", "fr": "Chaque offre sur les mêmes incidents"},
    "offers_sensitivity": {"en": "How far each weight must move before the winner changes",
                           "fr": "De combien chaque pondération doit bouger pour changer le gagnant"},
    "cheapest": {"en": "Lowest economic cost: **{s}**.", "fr": "Coût économique le plus bas : **{s}**."},
    "most_available": {"en": "Highest availability: **{s}**.", "fr": "Meilleure disponibilité : **{s}**."},
    "driver": {"en": "Against {b}, {s} changes the economic cost by {d} (95 % CI {lo} to {hi}); the largest "
                     "shifts are {parts}.",
               "fr": "Par rapport à {b}, {s} modifie le coût économique de {d} (IC 95 % {lo} à {hi}) ; les "
                     "plus gros écarts : {parts}."},
    "calibrate": {"en": "Calibrate from tickets", "fr": "Calibrer sur les tickets"},
    "calibrate_title": {"en": "Calibrate from your ticket history", "fr": "Calibrer sur l'historique des tickets"},
    "calibrate_intro": {"en": "Upload an incident export (ServiceNow, GLPI, Jira or any CSV): the incident load and "
                              "the repair times of a service are estimated with their 95 % intervals, back-tested "
                              "against the real times to restore, and written as a scenario file to download.",
                        "fr": "Chargez un export d'incidents (ServiceNow, GLPI, Jira ou tout CSV) : la charge "
                              "d'incidents et les temps de réparation d'un service sont estimés avec leurs "
                              "intervalles à 95 %, confrontés aux temps de rétablissement réels, et écrits dans un "
                              "fichier de scénario à télécharger."},
    "calibrate_source": {"en": "Ticket export", "fr": "Export de tickets"},
    "calibrate_example": {"en": "Bundled example (ServiceNow event log, six months)",
                          "fr": "Exemple fourni (journal ServiceNow, six mois)"},
    "calibrate_upload": {"en": "Upload an export (CSV)", "fr": "Charger un export (CSV)"},
    "calibrate_choose": {"en": "Choose a CSV export of your incidents.",
                         "fr": "Choisissez un export CSV de vos incidents."},
    "calibrate_options": {"en": "Reading and team options", "fr": "Options de lecture et d'équipe"},
    "calibrate_format": {"en": "Format", "fr": "Format"},
    "calibrate_auto": {"en": "detect", "fr": "reconnaître"},
    "calibrate_columns": {"en": "Columns (opened=...,resolved=...,priority=...,group=...)",
                          "fr": "Colonnes (opened=...,resolved=...,priority=...,group=...)"},
    "calibrate_priorities": {"en": "Priority mapping (e.g. 1 - Critical=P1,5 - Planning=skip)",
                             "fr": "Correspondance des priorités (ex. 1 - Critical=P1,5 - Planning=skip)"},
    "calibrate_dates": {"en": "Numeric dates no value decides", "fr": "Dates numériques qu'aucune valeur ne tranche"},
    "calibrate_day_first": {"en": "day first", "fr": "jour d'abord"},
    "calibrate_month_first": {"en": "month first", "fr": "mois d'abord"},
    "calibrate_team": {"en": "Technicians in business hours (0: a placeholder sized from the history)",
                       "fr": "Techniciens en heures ouvrées (0 : une équipe provisoire dimensionnée sur l'historique)"},
    "calibrate_waiting": {"en": "Waiting in resolved - opened", "fr": "Attente dans résolu - ouvert"},
    "calibrate_separate": {"en": "separate it (fit repair times to the simulated queue)",
                           "fr": "la séparer (ajuster les temps de réparation à la file simulée)"},
    "calibrate_include": {"en": "include it in the repair time", "fr": "l'inclure dans le temps de réparation"},
    "calibrate_service": {"en": "Service name", "fr": "Nom du service"},
    "calibrate_running": {"en": "Reading, estimating and back-testing…",
                          "fr": "Lecture, estimation et contre-épreuve…"},
    "calibrate_problem": {"en": "This export cannot be used:", "fr": "Cet export est inutilisable :"},
    "calibrate_too_big": {"en": "The file is larger than {limit} MB: export a shorter period or fewer columns.",
                          "fr": "Le fichier dépasse {limit} Mo : exportez une période plus courte ou moins de "
                                "colonnes."},
    "calibrate_read": {"en": "What was read", "fr": "Ce qui a été lu"},
    "calibrate_mapping": {"en": "Priorities in the export and the level each is read as",
                          "fr": "Priorités de l'export et le niveau retenu pour chacune"},
    "calibrate_estimates": {"en": "Estimates per priority (95 % intervals)",
                            "fr": "Estimations par priorité (intervalles à 95 %)"},
    "calibrate_backtest": {"en": "Back-test: real against simulated time to restore",
                           "fr": "Contre-épreuve : temps de rétablissement réel et simulé"},
    "calibrate_repair_note": {"en": "Repair times written: {note}.", "fr": "Temps de réparation écrits : {note}."},
    "calibrate_download": {"en": "Download the scenario (YAML)", "fr": "Télécharger le scénario (YAML)"},
    "calibrate_report": {"en": "Download the report (HTML)", "fr": "Télécharger le rapport (HTML)"},
    "calibrate_use": {"en": "Use this scenario in the app", "fr": "Utiliser ce scénario dans l'application"},
    "calibrate_used": {"en": "The calibrated scenario is now in use (sidebar: edited).",
                       "fr": "Le scénario calibré est maintenant utilisé (barre latérale : modifié)."},
}

METRIC_FR: dict[str, str] = {
    "Availability in agreed service time": "Disponibilité sur la plage de service",
    "Availability 24/7": "Disponibilité 24/7",
    "Downtime (outage-equivalent)": "Indisponibilité (équivalent panne totale)",
    "Outages (P1 and platform)": "Pannes (P1 et plateforme)",
    "Open incidents at the end": "Incidents ouverts en fin d'horizon",
    "Time to restore, mean": "Temps de rétablissement moyen",
    "Time to restore, P90": "Temps de rétablissement P90",
    "Restored within target": "Rétablis dans l'objectif",
    "Restored within GTR": "Rétablis dans la GTR",
    "Started within GTI": "Pris en charge dans la GTI",
    "GTR breaches": "Dépassements de GTR",
    "Cost of ownership": "Coût de possession",
    "Cost of ownership, NPV": "Coût de possession, VAN",
    "Economic cost (ownership + downtime − received)": "Coût économique (possession + indisponibilité − reçu)",
    "Economic cost": "Coût économique",
    "Economic cost, NPV": "Coût économique, VAN",
    "Business cost of downtime": "Coût métier de l'indisponibilité",
    "Penalties and credits received": "Pénalités et avoirs reçus",
    "Share of shift hours spent restoring incidents (not total workload)":
        "Part des heures de service passée à rétablir des incidents (pas la charge totale)",
    "Still open at the horizon (counted up to it in the times to restore)":
        "Encore ouverts à l'horizon (comptés jusqu'à l'horizon dans les temps de rétablissement)",
    "On-call call-outs per month": "Appels d'astreinte par mois",
    "Nights disturbed per on-call person per month": "Nuits dérangées par personne d'astreinte et par mois",
    "Overtime": "Heures supplémentaires",
    "Posts vacant": "Postes vacants",
    "Penalties due (after cap)": "Pénalités dues (après plafond)",
    "Months where the penalty cap binds": "Mois où le plafond de pénalités s'applique",
    "Months below the SaaS SLA": "Mois sous le SLA SaaS",
    "Service credits received": "Avoirs reçus",
}

CATEGORY_FR = {
    "staff": "personnel", "on_call": "astreinte", "overtime": "heures supplémentaires",
    "infrastructure": "infrastructure", "provider_fixed": "forfait prestataire",
    "provider_variable": "part variable prestataire", "subscription": "abonnement", "transition": "transition",
    "exit": "réversibilité", "retained": "organisation retenue", "penalties": "pénalités reçues",
    "credits": "avoirs reçus", "downtime": "coût de l'indisponibilité",
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The text for ``key`` in the language, with ``{placeholders}`` filled."""
    entry = TEXT[key]
    return entry.get(lang, entry["en"]).format(**values)


def metric_label(label: str, lang: str) -> str:
    """A metric label from the core, translated when the language is French."""
    if lang != "fr":
        return label
    for english in sorted(METRIC_FR, key=len, reverse=True):
        if label.startswith(english):
            return METRIC_FR[english] + label[len(english):]
    return label


def category_label(category: str, lang: str) -> str:
    if lang == "fr":
        return CATEGORY_FR.get(category, category)
    return category.replace("_", " ")
