"""What the map and its panel show: search hits, GeoJSON layers (escaped, simplified), card figures."""
import dataclasses

import pytest
import shapely

from geo.views import facts
from geo.mapdata import NO_CPTS_COLOR, build_map_data, territory_colors
from geo.referential.search import CommuneSearch



@pytest.fixture(scope="module")
def search(atlas):
    return CommuneSearch(atlas.communes, atlas.matcher)


@pytest.fixture(scope="module")
def md(atlas):
    return build_map_data(atlas.communes, atlas.territories)


@pytest.mark.parametrize("query, code", [
    ("vitre", "35360"), ("VITRÉ", "35360"), ("35360", "35360"), ("saint malo", "35288"),
    ("st brieuc", "22278"), ("Chateaugiron", "35069"), ("Domgané", "35096"), ("fleurigne", "35062"),
])
def test_search_finds_the_commune_first(search, query, code):
    hits = search.search(query)
    assert hits and hits[0].code == code, [h.label for h in hits]


def test_search_by_postal_code_lists_every_commune_of_it(search, atlas):
    hits = search.search("35500")
    expected = set(atlas.communes.loc[atlas.communes["codes_postaux"].map(lambda cps: "35500" in cps), "code"])
    assert {h.code for h in hits} <= expected and len(hits) == min(8, len(expected))
    assert hits[0].code == "35360" and "code postal 35500" in hits[0].why


def test_search_nothing_for_nonsense(search):
    assert search.search("") == [] and search.search("zzqqx") == []


def test_map_shows_brittany_and_every_documented_commune(md, atlas):
    codes = {f["properties"]["code"] for f in md.communes["features"]}
    bretagne = set(atlas.communes.loc[atlas.communes["region"] == "53", "code"])
    documented = {c for t in atlas.territories for c in t.codes}
    assert codes == bretagne | documented
    assert "44185" in codes  # Saint-Nicolas-de-Redon (Loire-Atlantique), in the CPTS Pays de Redon


def test_map_colours_and_outlines(md, atlas):
    colors = territory_colors(atlas.territories)
    by_code = {f["properties"]["code"]: f["properties"] for f in md.communes["features"]}
    assert by_code["35360"]["fill"] == colors["pays-de-vitre"] and by_code["35360"]["n"] == 1
    assert by_code["29232"]["fill"] == NO_CPTS_COLOR and by_code["29232"]["cpts"] == "Aucune CPTS documentée"
    assert by_code["56061"]["n"] == 2  # La Gacilly: Redon and Ploërmel
    assert {f["properties"]["id"] for f in md.territories["features"]} == {t.id for t in atlas.territories if t.perimetre_connu}
    assert len(md.departements["features"]) == 5  # 22, 29, 35, 56 and 44 (Redon's communes)


def test_simplified_communes_still_share_their_borders(md):
    geoms = [shapely.geometry.shape(f["geometry"]) for f in md.communes["features"]]
    assert all(g.is_valid for g in geoms)
    assert shapely.coverage_is_valid(geoms)


def test_map_text_is_kept_as_typed(atlas):
    """Names stay raw in the layers: the browser writes them with textContent (tests/test_map_security.py)."""
    t = atlas.territories[-1] if atlas.territories[-1].perimetre_connu else atlas.territory("pays-de-vitre")
    evil = dataclasses.replace(t, nom='<img src=x onerror="alert(1)"> & {{7*7}}')
    others = [x for x in atlas.territories if x.id != t.id]
    md = build_map_data(atlas.communes, others + [evil])
    props = next(f["properties"] for f in md.communes["features"] if f["properties"]["code"] == t.codes[0])
    assert evil.nom in props["cpts"].split(" ; ")
    assert evil.nom in [item["nom"] for item in md.legend]


def test_card_figures_say_declared_or_computed(atlas):
    t = atlas.territory("pays-de-vitre")
    figs, gap = facts.population_figures(t, atlas.registry)
    assert [(f.label, f.nature) for f in figs] == [("Population déclarée", facts.DECLARE),
                                                    ("Population calculée", facts.CALCULE)]
    assert figs[0].value == "81\u202f205 hab." and "29 septembre 2022" in figs[0].origin
    assert "+2\u202f532" in gap
    funding = facts.funding_figures(t, atlas.registry)[0]
    assert funding.value == "196\u202f875\u202f€" and "2,42 € par habitant déclaré" in funding.note
    assert facts.status_line(t) == "Accord conventionnel interprofessionnel (ACI) signé le 29 septembre 2022"
    smt = facts.smt_figures(atlas.territory("pays-de-redon"), atlas.registry)[0]
    assert smt.value == "plus de 11\u202f%" and "9,8\u202f% en Bretagne" in smt.note
