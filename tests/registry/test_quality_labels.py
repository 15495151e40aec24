"""The data-quality report speaks to ARS users in French (issue 9.10): a registry finding names its CPTS
and its field, not « cpts/pays-de-vitre.yaml » and « perimetre.communes »; the CLI keeps both."""
from __future__ import annotations

import re

from geo.registry.labels import field_label, file_label
from geo.registry.quality import quality_report
from geo.registry.store import PublishReport

PATHISH = re.compile(r"\.yaml|\b[a-z_]+\.[a-z_]+\b|\[\d+\]")


def test_field_and_file_labels(atlas):
    assert field_label("perimetre.communes") == "Périmètre › communes"
    assert field_label("financement[0].montant") == "Financement n° 1 › montant"
    assert field_label("statut.jalons[2].citation") == "Statut › étape datée n° 3 › citation"
    assert field_label("") == ""
    assert field_label("champ_inconnu") == "Champ inconnu"
    assert file_label("cpts/pays-de-vitre.yaml", atlas.registry) == "CPTS du Pays de Vitré"
    assert file_label("sources.yaml") == "Documents sources du registre"
    assert file_label("cpts/disparue.yaml", atlas.registry) == "CPTS « disparue »"


def test_quality_rows_shown_to_users_carry_no_file_path(atlas):
    report = quality_report(atlas)
    registry_rows = [r for r in report.rows if r["type"] == "registre"]
    assert registry_rows, "the committed registry has one warning (Vitré's list of 45 names for 46 communes)"
    for r in report.rows:
        assert not PATHISH.search(r["cpts_nom"]), r
        assert not PATHISH.search(r["message"].split(" : ")[0]), r
    vitre = next(r for r in registry_rows if r["fichier"] == "cpts/pays-de-vitre.yaml")
    assert vitre["cpts_nom"] == "CPTS du Pays de Vitré" and vitre["cpts_id"] == "pays-de-vitre"
    assert vitre["message"].startswith("Périmètre › communes : la liste compte 45 noms pour 46 communes")
    # the command line still says where to edit
    assert "(cpts/pays-de-vitre.yaml › perimetre.communes)" in report.text
    assert "(s)" not in report.text


def test_publish_report_plurals(tmp_path):
    one = PublishReport(backup=tmp_path, created=["a"], updated=["b", "c"]).text()
    assert "1 CPTS créée (a)" in one and "2 périmètres remplacés (b, c)" in one
    two = PublishReport(backup=tmp_path, created=["a", "b"], updated=["c"]).text()
    assert "2 CPTS créées" in two and "1 périmètre remplacé (c)" in two
    assert "(s)" not in one + two
