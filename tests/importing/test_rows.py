"""Rows that are not communes (issue 11.3, 11.5, 11.6): every one is reported with its line and none
becomes a CPTS by accident."""
from __future__ import annotations

import json

import pytest

from geo.importing import analyze, registry_codes
from geo.registry import load_registry
from tests.import_support import csv_bytes

HEADER = ["CPTS", "Commune", "Code INSEE", "Remarque"]


@pytest.fixture(scope="module")
def run(communes, matcher):
    registry = load_registry()
    current = registry_codes(registry, communes, matcher)

    def _run(rows, name="liste.csv", header=HEADER):
        return analyze(csv_bytes([header] + rows), name, communes, matcher, registry, current)
    return _run


def kinds_at(result, line):
    return [p.kind for p in result.problems if p.line == line]


def test_row_with_a_cpts_and_no_commune_is_reported_not_created(run):
    r = run([["CPTS Pays de Redon", "", "", "ligne sans commune"], ["CPTS Inventée", "", "", ""],
             ["CPTS du Pays de Vitré", "Vitré", "35360", ""]])
    assert kinds_at(r, 2) == ["sans_commune"] and kinds_at(r, 3) == ["sans_commune"]
    assert "sans commune ni code INSEE" in next(p.message for p in r.problems if p.line == 2)
    by_name = {t.nom: t for t in r.territories}
    assert not by_name["CPTS Inventée"].changed  # no empty CPTS created without being asked
    assert r.summary()["cpts_nouvelles"] == 0
    assert {row.line: row.used for row in r.rows} == {2: False, 3: False, 4: True}


@pytest.mark.parametrize("commune,flag", [("périmètre non connu", ""), ("À définir", ""), ("", "oui"), ("", "x")])
def test_an_empty_cpts_is_created_only_when_the_file_says_so(run, commune, flag):
    r = run([["CPTS Projet Nouveau", commune, "", flag]],
            header=["CPTS", "Commune", "Code INSEE", "Périmètre non connu"])
    (t,) = r.territories
    assert t.nouvelle and t.changed and t.codes == [] and not r.blocking
    assert r.rows[0].status == "cpts_seule"


@pytest.mark.parametrize("footer", [["Source : ARS Bretagne, mars 2024", "", "", ""], ["Total : 2 communes", "", "", ""],
                                    ["####", "", "", ""], ["", "Source : ARS", "", ""], ["-----", "-----", "", ""]])
def test_footer_lines_are_reported_not_new_cpts(run, footer):
    r = run([["CPTS du Pays de Vitré", "Vitré", "35360", ""], footer])
    assert [t.nom for t in r.territories] == ["CPTS du Pays de Vitré"]
    assert kinds_at(r, 3) == ["pied_de_tableau"] and not r.blocking


@pytest.mark.parametrize("name,needle", [("NaN", "valeur manquante"), ("#N/A", "valeur manquante"),
                                         ("CPTS " + "x" * 295, "300 caractères ; la limite est 150")])
def test_placeholder_and_overlong_names_are_refused_before_anything_is_written(run, name, needle):
    r = run([[name, "Vitré", "35360", ""]])
    assert r.blocking and needle in r.blocking[0].message and r.blocking[0].line == 2
    assert not r.territories


def test_geojson_nan_name_is_not_a_cpts(communes, matcher):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nom_cpts": "NaN"}, "geometry": None},
        {"type": "Feature", "properties": {"nom_cpts": float("nan")}, "geometry": None}]}
    r = analyze(json.dumps(doc).encode(), "x.geojson", communes, matcher)
    assert not r.territories and len(r.blocking) == 2


def test_an_overlong_identifier_is_refused(run):
    r = run([["CPTS Nouvelle", "Vitré", "35360", "x" * 300]], header=["CPTS", "Commune", "Code INSEE", "Identifiant CPTS"])
    assert r.blocking and "300 caractères ; la limite est 60" in r.blocking[0].message


def test_existing_id_with_another_name_is_reported(run):
    r = run([["pays-de-vitre", "CPTS de Fougères", "Vitré", "35360"]],
            header=["Identifiant CPTS", "CPTS", "Commune", "Code INSEE"])
    (p,) = r.blocking
    assert p.kind == "id_nom_different" and "pays-de-vitre" in p.message and "CPTS de Fougères" in p.message
    assert not r.changes
