"""Import of an ARS tracking table (issue 8.1): columns by synonyms and merged group headers, French
formats, every non-empty cell accounted for, impossible values reported and not kept, a misspelled CPTS
blocking, the commune sheet resolved by the perimeter import, `--dry-run --json` listing the facts."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from geo.importing import NEW_CPTS, cpts_key, registry_codes
from geo.importing.facts_analysis import analyze_facts
from geo.importing.facts_reader import looks_like_facts
from geo.importing.facts_results import CELL_STATUSES
from geo.importing.facts_values import parse_count, parse_euros, parse_fr_date, parse_percent, parse_yes_no
from geo.registry import load_registry
from tests.facts_support import EMERAUDE_COMMUNES, non_empty_cells, tracking_workbook
from tests.import_support import csv_bytes, registry_copy, snapshot

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2025-06-01"
NB = "\u202f"  # French number formatting (geo/formatting.py): narrow no-break spaces


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def workbook():
    return tracking_workbook()


@pytest.fixture(scope="module")
def result(workbook, communes, matcher, registry):
    return analyze_facts(workbook, "suivi_cpts.xlsx", communes, matcher, registry,
                         registry_codes(registry, communes, matcher), today=TODAY)


def _cpts(result, cpts_id):
    return next(c for c in result.cpts if c.id == cpts_id)


def _fact(c, champ):
    return [f for f in c.facts if f.champ == champ]


def test_french_formats():
    assert parse_count("81 205")[0] == 81205
    assert parse_count("81 205 hab.")[0] == 81205
    assert parse_count("81\u202f205 habitants")[0] == 81205
    assert parse_percent("12,7 %")[0] == 12.7
    assert parse_percent(0.127, percent_format=True)[0] == 12.7
    assert parse_euros("196 875 €")[0] == 196875
    assert parse_euros("196 875,00 euros")[0] == 196875
    assert parse_fr_date("29/09/2022")[0] == "2022-09-29"
    assert parse_fr_date("sept. 2022")[0] == "2022-09"
    assert parse_fr_date("1er septembre 2022")[0] == "2022-09-01"
    assert parse_fr_date("2021")[0] == "2021"
    assert parse_yes_no("x")[0] is True and parse_yes_no("Non")[0] is False
    # not silently coerced
    assert parse_count("env. 80 000")[0] is None and "devant le nombre" in parse_count("env. 80 000")[1]
    assert parse_euros("12,7 %")[0] is None
    assert parse_fr_date("31/02/2022")[0] is None


def test_every_non_empty_cell_is_used_or_reported(workbook, result):
    seen = {(c.sheet, c.line, c.column) for c in result.cells}
    missing = non_empty_cells(workbook) - seen
    assert not missing, f"cellules non comptées : {sorted(missing)[:10]}"
    assert all(c.status in CELL_STATUSES for c in result.cells)
    # whatever is not used says why, with its place
    for c in result.cells:
        if c.status in ("signalee", "ignoree", "a_corriger"):
            assert c.message, c
    place = next(c for c in result.cells if c.sheet == "Suivi CPTS" and c.line == 4 and c.column == 9)
    assert place.status == "utilisee" and place.field == "population" and place.value == "82 412 hab."
    assert place.place == "Feuille « Suivi CPTS », ligne 4, colonne J"


def test_merged_two_row_header_and_columns(result):
    assert result.header_lines == [2, 3]
    cols = {f: c.header for f, c in result.columns.items()}
    assert cols["population"] == "Population déclarée Valeur"
    assert cols["population_date"] == "Population déclarée Date"
    assert cols["smt_scope"] == "Sans médecin traitant Champ"
    assert cols["mission_prevention"] == "Missions socle Prévention"
    assert cols["mission_accompagnement_professionnels"] == "Missions complémentaires Accompagnement des professionnels"
    assert cols["notes"] == "Commentaires"
    assert "Référent ARS" not in cols.values()
    assert any(p.kind == "colonne_ignoree" and p.value == "Référent ARS" for p in result.problems)
    assert result.document["titre"].startswith("Tableau de suivi des CPTS")
    assert result.document["editeur"] == "ARS Bretagne" and result.document["date"] == "2025-03-15"


def test_registry_cpts_facts_old_and_new(result):
    vitre = _cpts(result, "pays-de-vitre")
    assert not vitre.nouvelle and not vitre.blocking
    (pop,) = _fact(vitre, "population_declaree")
    assert pop.statut == "plus_recent" and pop.ancien.startswith(f"81{NB}205 hab.") and pop.nouveau == f"82{NB}412 hab."
    assert pop.lu == ["Feuille « Suivi CPTS », ligne 4, colonne J", "Feuille « Suivi CPTS », ligne 4, colonne K"]
    assert vitre.blocks["population_declaree"]["valeur"] == 82412
    assert vitre.blocks["population_declaree"]["date"] == "2024-01-01"
    assert vitre.blocks["autres_valeurs"][0]["valeur"] == 81205   # the press release's value is kept
    (aci,) = [f for f in _fact(vitre, "statut.jalons") if "ACI" in f.libelle]
    assert aci.statut == "inchange"                                # same date as the press release
    (fin,) = _fact(vitre, "financement")
    assert fin.statut == "ajoute" and fin.nouveau == f"210{NB}000{NB}€ (2024)"
    assert [f["montant"] for f in vitre.blocks["financement"]] == [210000, 196875]   # newest first
    (smt,) = _fact(vitre, "sans_medecin_traitant")
    assert smt.statut == "plus_recent" and smt.nouveau == f"14,1{NB}%"
    assert [s["valeur"] for s in vitre.blocks["sans_medecin_traitant"]] == [14.1, 12.7]
    assert _fact(vitre, "communes_declarees")[0].statut == "inchange"
    assert vitre.blocks["contact"]["site_web"] == "https://www.cpts-paysdevitre.fr"
    engaged = {m["mission"]: m["engagee"] for m in vitre.blocks["missions_engagees"]["missions"]}
    assert engaged == {"acces_aux_soins": True, "parcours_pluriprofessionnels": True, "prevention": True,
                       "crises_sanitaires": True, "accompagnement_professionnels": True}


def test_new_cpts_with_its_commune_sheet(result):
    new = _cpts(result, "cote-emeraude")
    assert new.nouvelle and not new.blocking
    assert new.blocks["statut"]["etape"] == "projet_sante_valide"
    assert [j["date"] for j in new.blocks["statut"]["jalons"]] == ["2021-03-12", "2021-09", "2022-06-15"]
    (t,) = [t for t in result.perimeter.territories if t.id == "cote-emeraude"]
    assert t.nouvelle and len(t.codes) == len(EMERAUDE_COMMUNES)
    # 52 000 inhabitants for 7 communes of 16 934: impossible, reported and not kept
    assert "population_declaree" not in new.blocks
    (p,) = [p for p in result.problems if p.kind == "impossible" and p.line == 5]
    assert p.place == "Feuille « Suivi CPTS », ligne 5, colonne J" and "double" in p.message


def test_misspelled_cpts_blocks_until_confirmed(workbook, communes, matcher, registry, result):
    (p,) = [p for p in result.problems if p.kind == "cpts_proche"]
    assert p.blocking and p.line == 6 and p.suggestions[0]["id"] == "pays-de-fougeres"
    assert result.blocking
    fixed = analyze_facts(workbook, "suivi_cpts.xlsx", communes, matcher, registry,
                          registry_codes(registry, communes, matcher), today=TODAY,
                          cpts_fixes={cpts_key("CPTS du Pays de Fougere"): "pays-de-fougeres"})
    assert not fixed.blocking
    fougeres = _cpts(fixed, "pays-de-fougeres")
    assert not fougeres.nouvelle and _fact(fougeres, "financement")[0].nouveau == f"180{NB}000{NB}€ (2024)"
    as_new = analyze_facts(workbook, "suivi_cpts.xlsx", communes, matcher, registry,
                           registry_codes(registry, communes, matcher), today=TODAY,
                           cpts_fixes={cpts_key("CPTS du Pays de Fougere"): NEW_CPTS})
    assert any(c.nouvelle and c.nom == "CPTS du Pays de Fougere" for c in as_new.cpts)


def test_impossible_values_are_reported_not_stored(result):
    redon = _cpts(result, "pays-de-redon")
    kinds = {(p.line, p.column): p for p in result.problems if p.kind == "impossible"}
    assert "112 %" in kinds[(7, 15)].message and "100 %" in kinds[(7, 15)].message
    assert "futur" in kinds[(7, 7)].message
    assert "sans_medecin_traitant" not in redon.blocks
    assert not any(j.get("date") == "2031-06-15" for j in (redon.blocks.get("statut") or {}).get("jalons", []))
    cell = next(c for c in result.cells if (c.line, c.column) == (7, 16))   # date of the refused share
    assert cell.status == "ignoree"


def test_totals_row_and_footer_are_reported(result):
    rows = {p.line: p for p in result.problems if p.kind == "ligne_total"}
    assert "total" in rows[8].message and "pied de tableau" in rows[10].message
    assert all(c.status == "ignoree" for c in result.cells if c.sheet == "Suivi CPTS" and c.line == 8)


def test_facts_table_vs_commune_list():
    listing = csv_bytes([["Identifiant CPTS", "CPTS", "Commune", "Code INSEE", "Département", "Statut",
                          "Date de signature"], ["pays-de-vitre", "CPTS du Pays de Vitré", "Vitré", "35360", "35",
                                                 "ACI signé", "29/09/2022"]])
    assert not looks_like_facts(listing, "liste.csv")
    facts = csv_bytes([["CPTS", "Population", "Financement ACI", "Date signature ACI"],
                       ["CPTS du Pays de Vitré", "81 205 hab.", "196 875 €", "29/09/2022"]])
    assert looks_like_facts(facts, "suivi.csv")
    assert not looks_like_facts(b'{"type": "FeatureCollection", "features": []}', "x.geojson")


def test_csv_tracking_table(communes, matcher, registry):
    data = csv_bytes([["Nom de la CPTS", "Population déclarée", "Date population", "% sans médecin traitant",
                       "Financement ACI annuel", "Année financement", "Notes"],
                      ["CPTS du Pays de Vitré", "81 205 hab.", "29/09/2022", "12,7 %", "196 875 €", "2022", ""]],
                     encoding="cp1252")
    res = analyze_facts(data, "suivi.csv", communes, matcher, registry, registry_codes(registry, communes, matcher),
                        today=TODAY)
    vitre = _cpts(res, "pays-de-vitre")
    assert [f.statut for f in vitre.facts if f.champ in ("population_declaree", "financement")] == ["inchange", "inchange"]
    assert res.format == "csv" and res.sheet is None
    assert vitre.facts[0].lu[0].startswith("Ligne 2, colonne ")


def test_cli_dry_run_json_lists_facts_and_writes_nothing(tmp_path, workbook):
    root = registry_copy(tmp_path)
    before = snapshot(root)
    path = tmp_path / "suivi.xlsx"
    path.write_bytes(workbook)
    out = subprocess.run([sys.executable, "-m", "geo", "import", str(path), "--dry-run", "--json",
                          "--registry", str(root), "--backups", str(tmp_path / "b")],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 1, out.stderr          # the misspelled CPTS is blocking
    payload = json.loads(out.stdout)
    assert payload["type"] == "tableau_de_suivi"
    vitre = next(c for c in payload["cpts"] if c["id"] == "pays-de-vitre")
    pop = next(f for f in vitre["faits"] if f["champ"] == "population_declaree")
    assert pop["ancien"].startswith(f"81{NB}205 hab.") and pop["nouveau"] == f"82{NB}412 hab."
    assert pop["lu"][0] == "Feuille « Suivi CPTS », ligne 4, colonne J"
    assert any(p["bloquant"] and p["type"] == "cpts_proche" for p in payload["problems"])
    assert payload["perimetre"]["summary"]["cpts_nouvelles"] == 1
    assert snapshot(root) == before
    # a commune list still goes to the perimeter import
    listing = tmp_path / "liste.csv"
    listing.write_bytes(csv_bytes([["CPTS", "Commune"], ["CPTS Test", "Vitré"]]))
    out = subprocess.run([sys.executable, "-m", "geo", "import", str(listing), "--dry-run", "--json",
                          "--registry", str(root)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert "territories" in json.loads(out.stdout)


def test_source_document_fields(workbook, communes, matcher, registry):
    from geo.importing import ImportFileError
    res = analyze_facts(workbook, "suivi.xlsx", communes, matcher, registry, today=TODAY,
                        document={"titre": "Suivi interne", "editeur": "ARS Bretagne, DOS", "date": "02/03/2025"})
    assert (res.document["titre"], res.document["editeur"], res.document["date"]) == (
        "Suivi interne", "ARS Bretagne, DOS", "2025-03-02")
    assert res.document["id"].startswith("tableau-suivi-2025-03-02-") and not res.document["infere"]
    for bad in ("demain", "2030-01-01"):
        with pytest.raises(ImportFileError, match="Date du document"):
            analyze_facts(workbook, "suivi.xlsx", communes, matcher, registry, today=TODAY, document={"date": bad})
    untitled = tracking_workbook(title=None)
    res = analyze_facts(untitled, "suivi.xlsx", communes, matcher, registry, today=TODAY)
    assert res.document["infere"] and res.document["date"] == TODAY and "suivi.xlsx" in res.document["titre"]
