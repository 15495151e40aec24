"""geo.importing: reading ARS listings (CSV in every encoding ARS uses, XLSX, GeoJSON), finding the
columns, resolving every row against the real referential and registry, and reporting each row
that is not used with its own line number.

All fixtures are generated in memory or tmp_path from real commune names and geometries; the
registry is read, never written (see tests/registry/test_store.py for writes)."""
from __future__ import annotations

import json
import random
import zipfile
import io

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from geo.importing import (FIELDS, IGNORE, NEW_CPTS, ImportFileError, analyze, clean_cell, cpts_key,
                           detect_columns, header_key, parse_date, read_table, registry_codes, slugify,
                           status_step)
from geo.matching import normalize_name
from geo.registry import load_registry
from geo.exports.cells import neutralize
from tests.import_support import csv_bytes, geojson_bytes, union_of, xlsx_bytes

HEADER = ["Nom de la CPTS", "Commune", "Code INSEE"]


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def current(registry, communes, matcher):
    return registry_codes(registry, communes, matcher)


@pytest.fixture(scope="module")
def run(communes, matcher, registry, current):
    def _run(data: bytes, name: str = "liste.csv", **kw):
        return analyze(data, name, communes, matcher, registry, current, **kw)
    return _run


def problems_at(result, line):
    return [p for p in result.problems if p.line == line]


def assert_every_row_accounted(result):
    """Every data row is used or listed in problems, with the file's own line number."""
    reported = {p.line for p in result.problems}
    for r in result.rows:
        assert r.used or r.line in reported, (r.line, r.status, r.message)


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize("field,variants", [
    ("cpts", ["CPTS", "Nom CPTS", "Libellé CPTS", "NOM_CPTS", "Territoire", "nom de la cpts", "  Nom  de la  CPTS "]),
    ("commune", ["Commune", "Nom commune", "LIBCOM", "nom_com", "Nom de la commune", "COMMUNE"]),
    ("insee", ["Code INSEE", "INSEE", "CODGEO", "Code commune", "COM", "DEPCOM", "code_insee"]),
    ("departement", ["Département", "DEPARTEMENT", "dep"]),
    ("statut", ["Statut", "ÉTAT"]),
    ("date_signature", ["Date de signature", "DATE_SIGNATURE", "date signature ACI"]),
])
def test_header_synonyms_are_case_accent_space_insensitive(field, variants):
    for v in variants:
        chosen, _ = detect_columns(["xx", v])
        assert field in chosen and chosen[field].header == v, (v, chosen)


def test_documented_synonyms_all_map_to_their_field():
    for field, (_, syns) in FIELDS.items():
        for syn in syns:
            chosen, _ = detect_columns([syn])
            assert field in chosen, (field, syn)


def test_keyword_fallback_and_which_rule_is_reported():
    chosen, _ = detect_columns(["Intitulé de la CPTS (2024)", "Code INSEE de la commune", "Nom officiel commune"])
    assert chosen["cpts"].header == "Intitulé de la CPTS (2024)" and "cpts" in chosen["cpts"].rule
    assert chosen["insee"].index == 1 and chosen["commune"].index == 2


def test_columns_used_are_said(run):
    r = run(csv_bytes([["LIBCOM", "NOM_CPTS", "Remarque"], ["Vitré", "CPTS du Pays de Vitré", "x"]]))
    text = r.columns_text()
    assert "nom de la CPTS ← « NOM_CPTS »" in text and "nom de la commune ← « LIBCOM »" in text
    assert r.ignored_headers == ["Remarque"]
    assert r.summary()["colonnes"] == {"commune": "LIBCOM", "cpts": "NOM_CPTS"}


@pytest.mark.parametrize("rows,missing", [
    ([["Territoire de santé", "Ville"], ["A", "Vitré"]], None),
    ([["Nom", "Population"], ["Vitré", "18000"]], "le nom de la CPTS"),
    ([["CPTS", "Population"], ["A", "18000"]], "la commune (nom ou code INSEE)"),
])
def test_missing_columns_stop_with_a_french_message(rows, missing):
    if missing is None:  # « Territoire de santé » is not « territoire »: still found by keyword? no -> error
        rows = [["Zone", "Lieu"], ["A", "Vitré"]]
        missing = "le nom de la CPTS"
    with pytest.raises(ImportFileError) as e:
        read_table(csv_bytes(rows), "x.csv")
    msg = str(e.value)
    assert msg.startswith("Colonnes introuvables") and missing in msg
    assert "En-têtes lus" in msg and f"« {rows[0][0]} »" in msg
    assert "Noms reconnus" in msg


def test_header_after_title_rows_lines_are_the_files(run):
    data = csv_bytes([["Liste des CPTS de Bretagne - ARS 2024", "", ""], ["", "", ""], HEADER,
                      ["CPTS du Pays de Vitré", "Vitré", ""], ["CPTS du Pays de Vitré", "Balazé", ""]])
    r = run(data)
    assert r.header_line == 3
    assert [p.line for p in r.problems if p.kind == "avant_entete"] == [1]
    assert {row.line: row.code for row in r.rows if row.used} == {4: "35360", 5: "35015"}


# --------------------------------------------------------------------------- encodings and separators


ROWS = [HEADER, ["CPTS du Pays de Vitré", "Châtillon-en-Vendelais", ""], ["CPTS du Pays de Vitré", "Étrelles", ""],
        ["CPTS du Pays de Vitré", "Saint-M'Hervé", ""]]
EXPECTED = {"35072", "35109", "35300"}  # Châtillon-en-Vendelais, Étrelles, Saint-M'Hervé


@pytest.mark.parametrize("encoding,sep,label", [
    ("cp1252", ";", "Windows-1252"),
    ("utf-8-sig", ",", "UTF-8 avec BOM"),
    ("utf-8", "\t", "UTF-8"),
    ("latin-1", ";", "Windows-1252"),
    ("utf-16", "\t", "UTF-16 (BOM)"),
])
def test_encodings_and_separators(run, communes, encoding, sep, label):
    r = run(csv_bytes(ROWS, sep=sep, encoding=encoding))
    assert r.encoding == label and r.delimiter == sep
    assert set(r.territories[0].codes) == EXPECTED
    assert [row.commune for row in r.rows] == ["Châtillon-en-Vendelais", "Étrelles", "Saint-M'Hervé"]
    assert not r.problems


def test_double_encoded_utf8_is_repaired_and_said(run):
    data = "\r\n".join(";".join(r) for r in ROWS).encode("utf-8").decode("cp1252").encode("utf-8")
    assert "Ã" in data.decode("utf-8")
    r = run(data)
    assert set(r.territories[0].codes) == EXPECTED
    assert any("Accents réparés" in n for n in r.notes)


def test_commas_inside_quoted_names_and_multiline_records(run):
    text = ('CPTS,Commune\r\n"CPTS Vitré, Sud",Vitré\r\n"CPTS Vitré, Sud","Balazé\r\n"\r\n'
            '"CPTS Vitré, Sud",Xyzzyville\r\n')
    r = run(text.encode("utf-8"))
    assert r.delimiter == ","
    assert r.territories[0].nom == "CPTS Vitré, Sud"
    # the second record spans lines 3-4: the next record is line 5
    assert [p.line for p in r.blocking] == [5]


# --------------------------------------------------------------------------- unusable files


@pytest.mark.parametrize("data,start", ids=["vide", "blancs", "png", "aleatoire", "sans-entete", "xls", "pdf", "json-coupe", "json"], argvalues=[
    (b"", "Fichier vide"),
    (b"   \r\n\r\n  ", "Fichier vide"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "Fichier binaire"),
    (random.Random(1).randbytes(5000), "Fichier binaire"),
    (b"D" * 5000 + b"\n" + b"x;y\n", "Colonnes introuvables"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Classeur Excel 97-2003"),
    (b"%PDF-1.7\n...", "Fichier PDF"),
    (b'{"type": "FeatureCollection", "features": [', "GeoJSON illisible"),
    (b'{"a": 1}', "Ce JSON n'est pas un GeoJSON"),
])
def test_unusable_files_are_refused_in_french(data, start):
    with pytest.raises(ImportFileError) as e:
        read_table(data, "liste.csv")
    assert str(e.value).startswith(start), str(e.value)


def test_fake_xlsx_and_zip_that_is_not_a_workbook():
    with pytest.raises(ImportFileError, match="n'est pas un classeur Excel valide"):
        read_table(b"CPTS;Commune\nA;Vitr\xe9\n", "liste.xlsx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "x")
    with pytest.raises(ImportFileError, match="pas un classeur XLSX"):
        read_table(buf.getvalue(), "liste.xlsx")


def test_wrong_encoding_declared_by_extension_still_reads(run):
    """A Windows-1252 file is never decoded as UTF-8 with replacement characters."""
    r = run(csv_bytes(ROWS, encoding="cp1252"), name="liste_utf8.csv")
    assert all("\ufffd" not in row.commune for row in r.rows)
    assert set(r.territories[0].codes) == EXPECTED


# --------------------------------------------------------------------------- XLSX


def test_xlsx_rows_are_sheet_rows_codes_as_numbers_and_merged_cells(run):
    data = xlsx_bytes(
        [["CPTS", "Commune", "INSEE"],
         ["CPTS du Pays de Vitré", "Vitré", 35360],
         [None, "Balazé", 35015.0],
         [None, None, None],
         ["CPTS Nouvelle Test", "Xyzzyville", None]],
        before=[["Liste ARS 2024"]], merges=["A3:A4"])
    r = run(data, name="liste.xlsx")
    assert r.format == "xlsx" and r.sheet == "Liste" and r.header_line == 2
    assert {row.line: row.code for row in r.rows if row.used} == {3: "35360", 4: "35015"}
    assert [p.line for p in r.problems if p.kind == "ligne_vide"] == [5]
    assert [p.line for p in r.blocking] == [6]
    assert any("fusionnée" in n for n in r.notes)
    assert_every_row_accounted(r)


def test_xlsx_formulas_are_never_evaluated(run):
    data = xlsx_bytes([["CPTS", "Commune"], ["CPTS du Pays de Vitré", "=HYPERLINK(\"http://x\",\"Vitré\")"]])
    r = run(data, name="f.xlsx")
    row = r.rows[0]
    assert row.code is None  # formula without cached value: read as empty, never computed
    assert_every_row_accounted(r)


# --------------------------------------------------------------------------- resolution


def test_unknown_names_have_suggestions_and_block(run):
    r = run(csv_bytes([HEADER, ["CPTS du Pays de Vitré", "Vitré", ""], ["CPTS du Pays de Vitré", "Chateaubourgg", ""],
                       ["CPTS du Pays de Vitré", "Mndvrt", ""]]))
    p = problems_at(r, 4)[0]
    assert p.blocking and p.message.startswith("Commune inconnue")
    assert "35183" in [s["code"] for s in p.suggestions]  # Mondevert
    fixed = problems_at(r, 3)[0]
    assert not fixed.blocking and fixed.kind == "nom_corrige"
    assert "35068" in r.territories[0].codes  # Châteaubourg
    assert r.summary()["lignes_bloquantes"] == [4]


def test_homonyms_settled_by_the_other_communes_of_the_cpts(run):
    r = run(csv_bytes([HEADER,
                       ["CPTS A", "Chantepie", ""], ["CPTS A", "Saint-Armel", ""],
                       ["CPTS B", "Vannes", ""], ["CPTS B", "Saint-Armel", ""],
                       ["CPTS C", "Saint-Armel", ""]]))
    t = {x.nom: x for x in r.territories}
    assert "35250" in t["CPTS A"].codes and "56205" in t["CPTS B"].codes
    assert [p.kind for p in problems_at(r, 3) if p.kind.startswith("homonyme")] == ["homonyme_regle"]
    unsettled = [p for p in problems_at(r, 6) if p.blocking][0]
    assert unsettled.kind == "homonyme"
    assert {s["code"] for s in unsettled.suggestions} == {"35250", "56205"}


def test_departement_column_settles_homonyms(run):
    r = run(csv_bytes([["CPTS", "Commune", "Département"], ["CPTS X", "Plouhinec", "29"],
                       ["CPTS Y", "Plouhinec", "Morbihan"]]))
    t = {x.nom: x.codes for x in r.territories}
    assert t["CPTS X"] == ["29197"] and t["CPTS Y"] == ["56169"]
    assert not r.blocking


def test_duplicates_overlaps_and_pre_merger_names(run):
    r = run(csv_bytes([HEADER,
                       ["CPTS du Pays de Fougères", "Fougères", ""],
                       ["CPTS du Pays de Fougères", "Fleurigné", ""],             # ancien nom
                       ["CPTS du Pays de Fougères", "La Chapelle-Janson", ""],    # same commune today
                       ["CPTS du Pays de Fougères", "fougeres", ""],              # duplicate
                       ["CPTS Test", "Fougères", ""],                             # overlap in the file
                       ["CPTS Test", "Vitré", ""]]))                              # overlap with the registry
    kinds = {(p.line, p.kind) for p in r.problems}
    assert (3, "ancien_nom") in kinds and (4, "ancien_nom") in kinds
    dup = [p for p in r.problems if p.kind == "doublon"]
    assert [p.line for p in dup] == [4, 5]
    assert "même commune" in dup[0].message
    assert (6, "chevauchement") in kinds
    overlap_reg = [p for p in problems_at(r, 7) if p.kind == "chevauchement"][0]
    assert "CPTS du Pays de Vitré" in overlap_reg.message and "registre" in overlap_reg.message
    fougeres = next(t for t in r.territories if t.id == "pays-de-fougeres")
    assert fougeres.codes == ["35115", "35062"]
    assert not r.blocking
    assert_every_row_accounted(r)


def test_codes_postal_codes_and_conflicts(run):
    r = run(csv_bytes([HEADER,
                       ["CPTS A", "", "35360"],             # code only
                       ["CPTS A", "Balazé", "35500"],       # postal code of Balazé and Vitré: name kept
                       ["CPTS A", "Moulins", "35360"],      # conflict
                       ["CPTS A", "", "35113"],             # ancien code (Antrain) -> Val-Couesnon
                       ["CPTS A", "", "99999"]]))
    by_line = {row.line: row for row in r.rows}
    assert by_line[2].code == "35360" and by_line[2].status == "resolue"
    assert by_line[3].code == "35015" and "35500" in by_line[3].message
    assert by_line[4].status == "conflit" and {s["code"] for s in by_line[4].suggestions} == {"35360", "35198"}
    assert by_line[5].code == "35004" and by_line[5].status == "ancien_nom"
    assert by_line[6].status == "non_resolue"
    assert {p.line for p in r.blocking} == {4, 6}


def test_empty_rows_and_rows_without_cpts_are_reported(run):
    r = run(csv_bytes([HEADER, ["CPTS A", "Vitré", ""], ["", "", ""], ["", "Balazé", ""], ["CPTS A", "", ""],
                       ["CPTS A", "Moulins", ""], ["", "", ""], ["", "", ""]]))
    assert [p.line for p in r.problems if p.kind == "ligne_vide"] == [3]
    missing = [p for p in r.problems if p.kind == "cpts_manquante"][0]
    assert missing.line == 4 and missing.blocking and "CPTS A" in missing.message
    assert r.trailing_empty == 2
    assert_every_row_accounted(r)


def test_formula_and_html_cells_are_plain_text(run):
    r = run(csv_bytes([HEADER, ["=HYPERLINK(\"http://evil\")", "Vitré", ""], ["<script>alert(1)</script>", "@SUM(1)", ""],
                       ["+CPTS", "-Vitré", ""]]))
    assert r.territories[0].nom == '=HYPERLINK("http://evil")'
    assert r.territories[1].nom == "<script>alert(1)</script>"
    assert problems_at(r, 3)[0].value == "@SUM(1)"
    assert_every_row_accounted(r)


def test_user_fixes_and_new_cpts_confirmation(run):
    rows = [HEADER, ["CPTS du Pays de Vitré", "Vitré", ""], ["CPTS du Pays de Vitré", "Saint-Armel", ""],
            ["CPTS du Pays de Vitré", "Xyzzy", ""], ["CPTS du Pays de Vitrre", "Balazé", ""]]
    r = run(csv_bytes(rows))
    assert {p.line for p in r.blocking} == {4, 5}
    near = [p for p in r.blocking if p.kind == "cpts_proche"][0]
    assert near.suggestions[0]["id"] == "pays-de-vitre"
    r2 = run(csv_bytes(rows), fixes={4: IGNORE, 3: "35250"},
             cpts_fixes={cpts_key("CPTS du Pays de Vitrre"): "pays-de-vitre"})
    assert not r2.blocking
    vitre = next(t for t in r2.territories if t.id == "pays-de-vitre")
    assert vitre.codes == ["35360", "35250", "35015"]
    r3 = run(csv_bytes(rows), fixes={4: IGNORE}, cpts_fixes={cpts_key("CPTS du Pays de Vitrre"): NEW_CPTS})
    assert [t.nouvelle for t in r3.territories] == [False, True]
    assert not r3.blocking


def test_json_shape(run):
    r = run(csv_bytes([HEADER, ["CPTS du Pays de Vitré", "Vitré", ""], ["CPTS du Pays de Vitré", "Xyzzy", ""]]))
    doc = r.to_json()
    assert list(doc) == ["territories", "problems", "summary"]
    assert {"nom", "communes"} <= set(doc["territories"][0])
    assert doc["territories"][0]["communes"] == ["35360"]
    assert all(set(p) == {"line", "value", "message", "suggestions"} for p in doc["problems"])
    assert doc["problems"][0]["line"] == 3
    json.dumps(doc)  # serialisable


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_attaches_communes_by_representative_point(run, communes):
    vitre_codes = communes.loc[communes["epci_nom"].fillna("").str.contains("Vitré"), "code"].tolist()
    poly = union_of(communes, vitre_codes).buffer(-0.002)  # a slightly shrunk outline still takes every commune
    fougeres = union_of(communes, ["35115", "35150", "35137"])  # Fougères, Lécousse, Javené
    data = geojson_bytes([({"nom_cpts": "CPTS Essai Vitré", "etat": "Projet de CPTS"}, poly),
                          ({"nom_cpts": "CPTS Essai Fougères"}, fougeres),
                          ({"nom_cpts": "CPTS sans contour"}, None)])
    r = run(data, name="cpts.geojson")
    assert r.format == "geojson" and r.columns["cpts"].header == "nom_cpts"
    t = {x.nom: x for x in r.territories}
    pts = shapely.point_on_surface(communes.geometry.values)
    expected = set(communes["code"][shapely.contains_xy(poly, shapely.get_x(pts), shapely.get_y(pts))])
    assert set(t["CPTS Essai Vitré"].codes) == expected == set(vitre_codes)
    assert t["CPTS Essai Vitré"].polygon is not None and t["CPTS Essai Vitré"].statut == "Projet de CPTS"
    assert sorted(t["CPTS Essai Fougères"].codes) == ["35115", "35137", "35150"]
    assert [p.line for p in r.problems if p.kind == "sans_polygone"] == [3]
    assert "numéros d'entité" in r.summary()["numerotation"]


def test_geojson_in_lambert93_and_empty_polygon(run, communes):
    from pyproj import Transformer
    tr = Transformer.from_crs(4326, 2154, always_xy=True)
    poly = union_of(communes, ["35360"])
    l93 = shapely.transform(poly, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    sea = shapely.box(-9.0, 45.0, -8.5, 45.5)
    r = run(geojson_bytes([({"Nom": "CPTS L93"}, l93)], crs="urn:ogc:def:crs:EPSG::2154"), name="l93.geojson")
    assert r.territories[0].codes == ["35360"] and any("Lambert-93" in n for n in r.notes)
    r = run(geojson_bytes([({"Nom": "CPTS au large"}, sea)]), name="mer.geojson")
    assert r.blocking[0].kind == "polygone_vide"


def test_geojson_without_name_property():
    with pytest.raises(ImportFileError, match="le nom de la CPTS"):
        read_table(geojson_bytes([({"surface": 12}, shapely.box(0, 0, 1, 1))]), "x.geojson")


# --------------------------------------------------------------------------- scale


def test_100k_rows_every_row_accounted(run, communes):
    names = communes["nom"].tolist()
    rng = random.Random(4)
    rows = [HEADER]
    for i in range(100_000):
        n = rng.choice(names)
        if i % 50 == 0:
            n = n[:-1] + "x"  # typo
        if i % 997 == 0:
            n = ""
        rows.append([f"CPTS {i % 40}", n, ""])
    r = run(csv_bytes(rows))
    assert len(r.rows) == 100_000
    assert_every_row_accounted(r)
    assert r.rows[-1].line == 100_001


# --------------------------------------------------------------------------- values


def test_status_date_slug():
    assert status_step("ACI signé") == "aci_signe" and status_step("Contrat signé le 3/2/2023") == "aci_signe"
    assert status_step("Projet de santé validé") == "projet_sante_valide"
    assert status_step("Lettre d'intention validée") == "lettre_intention_validee"
    assert status_step("Projet") is None and status_step("CPTS reconnue") is None
    assert parse_date("29/09/2022") == "2022-09-29" and parse_date("2022-09-29") == "2022-09-29"
    assert parse_date("09/2023") == "2023-09" and parse_date("2021") == "2021"
    assert parse_date("31/02/2022") is None and parse_date("bientôt") is None
    assert slugify("CPTS du Pays de Vitré") == "pays-vitre"
    assert cpts_key("CPTS du Pays de Vitré") == cpts_key("Communauté Professionnelle Territoriale de Santé Pays de VITRE")


# --------------------------------------------------------------------------- properties (hypothesis)

PROP = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture])


@given(st.text(max_size=60))
@PROP
def test_neutralised_cells_read_back_as_written(text):
    """Export then import gives back the cell: the ' added against formula injection is removed."""
    assert clean_cell(neutralize(text)) == clean_cell(text)
    assert not neutralize(text).startswith(("=", "+", "-", "@", "\t", "\r"))


@given(st.sampled_from([s for _, syns in FIELDS.values() for s in syns]), st.data())
@PROP
def test_header_key_ignores_case_accents_and_spacing(syn, data):
    variant = data.draw(st.sampled_from([syn.upper(), syn.replace(" ", "_"), f"  {syn}  ", syn.replace(" ", "  "),
                                         syn.replace("é", "e").replace("É", "E"), syn.title()]))
    assert header_key(variant) == header_key(syn)


@given(st.text(max_size=40))
@PROP
def test_cpts_key_is_stable_under_prefix_and_case(name):
    assume(normalize_name(name))
    assert cpts_key(f"CPTS {name}") == cpts_key(name.upper()) == cpts_key(f"  cpts  {name} ")


@pytest.fixture(scope="module")
def sample_names(communes):
    from collections import Counter
    counts = Counter(communes["nom"])
    return [(n, c, d) for n, c, d in communes[["nom", "code", "departement"]].itertuples(index=False)
            if counts[n] == 1]


@given(data=st.data())
@PROP
def test_matcher_resolves_any_unique_real_name_as_typed_in_a_listing(data, sample_names, run):
    """A real commune name, typed in upper case, without accents or with spaces for hyphens, in a
    `;` Windows-1252 file, comes back with its INSEE code."""
    name, code, _ = data.draw(st.sampled_from(sample_names))
    typed = data.draw(st.sampled_from([name, name.upper(), name.replace("-", " "),
                                       normalize_name(name), name.replace("Saint-", "St-")]))
    try:
        payload = csv_bytes([HEADER, ["CPTS P", typed, ""]], encoding="cp1252")
    except UnicodeEncodeError:
        payload = csv_bytes([HEADER, ["CPTS P", typed, ""]], encoding="utf-8")
    r = run(payload)
    assert r.rows[0].code == code, (typed, r.rows[0].message)


@given(cells=st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
                               min_size=1, max_size=4), max_size=12))
@PROP
def test_any_text_file_is_either_refused_or_fully_accounted(cells, run):
    rows = [HEADER] + [(r + ["", "", ""])[:3] for r in cells]
    data = "\n".join(";".join(c.replace(";", ",") for c in r) for r in rows).encode("utf-8")
    try:
        r = run(data)
    except ImportFileError:
        return
    assert_every_row_accounted(r)
