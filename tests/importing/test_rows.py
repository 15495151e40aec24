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
    _run.raw = lambda data, name="liste.csv": analyze(data, name, communes, matcher, registry, current)
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


class _Index:
    """The two look-ups explain_outside() uses, for codes of this test only (the real index is
    geo/referential/national.py, tested by its owner; see the integration test below)."""

    def outside(self, text, in_scope, scope):
        return "Paris (75056) est une commune réelle, hors du territoire chargé (Bretagne)." if text == "75056" else None


def test_a_real_commune_outside_the_territory_says_so(run):
    from geo.importing.resolve import explain_outside
    r = run([["CPTS Paris", "Paris", "75056", ""], ["CPTS Paris", "Xyzzyville", "", ""]])
    rows = {row.line: row for row in r.rows}
    explain_outside(list(rows.values()), _Index(), set(), "Bretagne")
    assert rows[2].status == "hors_territoire" and "commune réelle, hors du territoire chargé" in rows[2].message
    assert rows[3].status == "non_resolue"


def test_paris_with_the_national_index(run):
    national = pytest.importorskip("geo.referential.national")
    if not national.NationalIndex():
        pytest.skip("pas d'index national des communes dans ce dossier de données")
    r = run([["CPTS Paris", "Paris", "75056", ""]])
    (p,) = r.blocking
    assert p.kind == "hors_territoire" and "commune réelle, hors du territoire chargé" in p.message
    assert "ni un code INSEE ni un code postal connu" not in p.message


def test_unclosed_quote_swallowing_lines_is_detected(run):
    data = ('CPTS;Commune;Code INSEE\r\nCPTS du Pays de Vitré;Vitré;35360\r\nCPTS du Pays de Vitré;"Domgané;\r\n'
            'CPTS du Pays de Vitré;Étrelles;35107\r\nCPTS du Pays de Vitré;Argentré-du-Plessis;35006\r\n').encode()
    r = run.raw(data)
    (p,) = r.blocking
    assert p.kind == "guillemet" and p.line == 3 and "lignes 3 à 5" in p.message


def test_a_multiline_cell_without_separator_is_not_an_unclosed_quote(run):
    r = run.raw('CPTS;Commune;Remarque\r\nCPTS du Pays de Vitré;Vitré;"adresse\r\nsur deux lignes"\r\n'.encode())
    assert not r.blocking and r.rows[0].used


def test_lists_on_other_xlsx_sheets_are_reported_not_lost(communes, matcher):
    from openpyxl import Workbook
    import io
    wb = Workbook()
    ws = wb.active
    ws.title = "Ille-et-Vilaine"
    for r in [["CPTS", "Commune"], ["CPTS du Pays de Vitré", "Vitré"]]:
        ws.append(r)
    ws2 = wb.create_sheet("Morbihan")
    for r in [["CPTS", "Commune"], ["CPTS Auray", "Auray"], ["CPTS Auray", "Crac'h"]]:
        ws2.append(r)
    ws3 = wb.create_sheet("Notes")
    ws3.append(["Liste tenue par l'ARS"])
    buf = io.BytesIO()
    wb.save(buf)
    r = analyze(buf.getvalue(), "liste.xlsx", communes, matcher)
    assert r.sheet == "Ille-et-Vilaine"
    (b,) = r.blocking
    assert b.kind == "feuille_ignoree" and b.value == "Morbihan" and "2 ligne(s)" in b.message
    assert any(p.kind == "feuille_non_lue" and p.value == "Notes" and not p.blocking for p in r.problems)


def test_duplicate_json_keys_get_a_clear_message(communes, matcher):
    from geo.importing import ImportFileError
    data = b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"nom_cpts": "A"}, ' \
           b'"properties": {}, "geometry": null}]}'
    with pytest.raises(ImportFileError) as e:
        analyze(data, "x.geojson", communes, matcher)
    assert "la clé « properties » apparaît deux fois" in str(e.value) and "aucun" not in str(e.value)
