"""The commune referential users rely on: right codes, names, populations, EPCI, contours."""
import hashlib
import io
import os

import pytest
import shapely

from geo import referential
from geo.paths import COMMUNES_PARQUET


def row(communes, code):
    r = communes[communes["code"] == code]
    assert len(r) == 1, code
    return r.iloc[0]


def test_covers_brittany_and_neighbours(communes):
    assert set(communes["departement"]) == {"22", "29", "35", "56", "44", "50", "53"}
    assert communes["code"].is_unique
    assert communes["code"].str.fullmatch(r"\d{5}").all()
    # COG 2026 counts per département (commune-actuelle).
    counts = communes.groupby("departement").size().to_dict()
    assert counts == {"22": 344, "29": 277, "35": 332, "44": 207, "50": 445, "53": 240, "56": 249}


def test_official_names_with_articles_and_merged_communes(communes):
    lcf = row(communes, "35062")
    assert lcf["nom"] == "La Chapelle-Fleurigné"
    assert set(lcf["anciens_noms"]) == {"Fleurigné", "La Chapelle-Janson"}
    assert "35112" in lcf["anciens_codes"]
    assert row(communes, "35220")["nom"] == "Piré-Chancé"
    assert row(communes, "35096")["nom"] == "Domagné"


def test_vitre_attributes(communes):
    v = row(communes, "35360")
    assert v["nom"] == "Vitré" and v["departement"] == "35" and v["region"] == "53"
    assert v["departement_nom"] == "Ille-et-Vilaine" and v["region_nom"] == "Bretagne"
    assert v["epci_nom"] == "CA Vitré Communauté" and v["epci_siren"] == "200039022"
    assert v["population"] == 19365 and v["population_millesime"] == 2023
    assert list(v["codes_postaux"]) == ["35500"]


def test_epci_membership_matches_dgcl(communes):
    vitre_co = communes[communes["epci_siren"] == "200039022"]
    assert len(vitre_co) == 46
    redon = communes[communes["epci_nom"] == "CA Redon Agglomération"]
    assert set(redon["departement"]) == {"35", "44", "56"}


def test_geometry_is_a_clean_coverage(communes):
    geoms = communes.geometry.values
    assert communes.crs.to_epsg() == 4326
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    # Vitré and Étrelles are neighbours: they share a border line, not just a point.
    v, e = row(communes, "35360").geometry, row(communes, "35109").geometry
    assert v.intersection(e).length > 0.01
    assert v.intersection(e).area == 0
    # Vitré's centre is inside Vitré.
    assert v.contains(shapely.Point(-1.2093, 48.1236))


def test_committed_file_is_small():
    assert COMMUNES_PARQUET.stat().st_size <= 5 * 1024 * 1024


def test_cross_check_fails_loudly_when_sources_disagree():
    with pytest.raises(referential.ReferentialError, match="ne listent pas les mêmes communes"):
        referential.cross_check({"35360", "35001"}, {"35360"})
    # Collectivités d'outre-mer have no IGN contour: not a disagreement.
    referential.cross_check({"35360", "97501", "98714"}, {"35360"})


def _fixture_sources():
    communes = [
        {"code": "99001", "nom": "La Grande-Ville", "type": "commune-actuelle", "departement": "99", "region": "99",
         "population": 100, "codesPostaux": ["99100"], "anciensCodes": ["99002"]},
        {"code": "99002", "nom": "Vieux-Bourg", "type": "commune-deleguee", "chefLieu": "99001", "departement": "99"},
        {"code": "99003", "nom": "Neuve", "type": "commune-actuelle", "departement": "99", "region": "99", "population": 7},
    ]
    epci = [{"code": "200000001", "nom": "CC Test", "membres": [{"code": "99001"}, {"code": "99003"}]}]
    cog = referential.parse_cog(communes, epci, [{"code": "99", "nom": "Test"}], [{"code": "99", "nom": "Région test"}], 2023)
    sq = lambda x0: shapely.box(x0, 0, x0 + 1, 1)
    csv_text = "id,code,type,nom,commune_parent_id,geometry\n" + "\n".join([
        f"1,99001,COM,Grande-Ville,\\N,{shapely.to_wkb(sq(0), hex=True)}",
        "2,99003,COM,Neuve,\\N,\\N",
        f"3,99004,COMD,A,2,{shapely.to_wkb(sq(1), hex=True)}",
        f"4,99005,COMD,B,2,{shapely.to_wkb(sq(2), hex=True)}",
    ])
    return cog, csv_text


def test_build_on_fixture_rebuilds_communes_nouvelles_from_deleguees():
    cog, csv_text = _fixture_sources()
    warnings = []
    gdf = referential.build_referential(cog, referential.parse_geometries(io.StringIO(csv_text), None), None,
                                        warn=warnings.append)
    by = gdf.set_index("code")
    assert by.loc["99001", "anciens_noms"] == ["Vieux-Bourg"]
    assert by.loc["99001", "epci_nom"] == "CC Test"
    assert by.loc["99003", "geometrie_source"] == "ign_union_communes_deleguees"
    assert by.loc["99003", "geometry"].area == pytest.approx(2.0)
    assert any("reconstruites" in w for w in warnings)


def test_unknown_departement_is_refused():
    cog, csv_text = _fixture_sources()
    with pytest.raises(referential.ReferentialError, match="inconnu"):
        referential.build_referential(cog, referential.parse_geometries(io.StringIO(csv_text), None), {"98"})


@pytest.mark.skipif(os.environ.get("CARTE_CPTS_SKIP_REBUILD") == "1", reason="rebuild from the registries disabled")
def test_committed_referential_is_what_the_pipeline_builds(tmp_path):
    """Same inputs, same file: rebuilding from the declared packages gives the committed bytes."""
    out = tmp_path / "communes.parquet"
    gdf = referential.build_from_sources(set(referential.DEFAULT_DEPARTEMENTS))
    referential.write_parquet(gdf, out)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    assert digest(out) == digest(COMMUNES_PARQUET)
