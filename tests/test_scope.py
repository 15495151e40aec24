"""The scope model (geo/scope.py, issue 10.1): which région (or France) the app and the CLI show,
its name and départements from the COG, where its referential lives, and clear French errors."""
from __future__ import annotations

import shutil

import pytest

from geo.atlas import Atlas
from geo.paths import REPO_ROOT
from geo.referential import load_communes
from geo.scope import FRANCE, Scope, ScopeError, available_scopes, get_scope, regions
from tests.region_support import multi_region_dir

DATA = REPO_ROOT / "data"


@pytest.fixture(scope="module")
def multi(tmp_path_factory):
    return multi_region_dir(tmp_path_factory.mktemp("multi") / "data")


def test_default_scope_is_bretagne_on_the_committed_data(monkeypatch):
    monkeypatch.delenv("CPTS_REGION", raising=False)
    s = get_scope(root=DATA)
    assert (s.code, s.nom, s.departements) == ("53", "Bretagne", ("22", "29", "35", "56"))
    assert s.communes_path == DATA / "communes.parquet" and s.built     # a fresh clone works unchanged
    assert s.france_index == DATA / "communes_france.parquet"
    assert get_scope("53", root=DATA) == s == get_scope("Bretagne", root=DATA) == get_scope(" bretagne ", root=DATA)


def test_regions_and_departements_come_from_the_cog():
    known = regions(DATA)
    assert known["93"] == ("Provence-Alpes-Côte d'Azur", ("04", "05", "06", "13", "83", "84"))
    assert known["94"] == ("Corse", ("2A", "2B"))
    assert known["04"][0] == "La Réunion" and known["04"][1] == ("974",)
    assert len(known) == 18                      # 13 métropole + 5 DROM; no collectivité d'outre-mer (no contour)
    assert "975" not in known
    france = get_scope("france", root=DATA)
    assert france.is_france and france.nom == "France entière" and france.code == FRANCE
    assert len(france.departements) == 101 and "13" in france.departements and "976" in france.departements


def test_names_codes_and_paths_of_other_scopes(tmp_path):
    assert get_scope(root=tmp_path).nom == "Bretagne"     # no national index here: only Bretagne is known
    with pytest.raises(ScopeError):
        get_scope("93", root=tmp_path)
    s = get_scope("provence-alpes-cote d'azur", root=DATA)
    assert s.code == "93" and s.communes_path == DATA / "regions" / "93" / "communes.parquet"
    assert s.dir == DATA / "regions" / "93" and s.key == "93"
    assert get_scope("FRANCE", root=DATA).communes_path == DATA / "regions" / "france" / "communes.parquet"
    assert [get_scope(c, root=DATA).de_nom for c in ("53", "76", "44", "32", "52", "04", "france")] == [
        "de Bretagne", "d'Occitanie", "du Grand Est", "des Hauts-de-France", "des Pays de la Loire",
        "de La Réunion", "de France"]
    assert get_scope("6", root=DATA).code == "06"      # Mayotte, written without its leading zero


def test_unknown_region_is_a_french_error_listing_the_codes():
    with pytest.raises(ScopeError) as e:
        get_scope("99", root=DATA)
    msg = str(e.value)
    assert "Région inconnue : « 99 »" in msg and "93 (Provence-Alpes-Côte d'Azur)" in msg and "« france »" in msg


def test_unbuilt_scope_says_how_to_build_it(tmp_path):
    shutil.copy2(DATA / "communes_france.parquet", tmp_path / "communes_france.parquet")
    with pytest.raises(ScopeError) as e:
        get_scope("93", root=tmp_path, built=True)
    assert "python -m geo build-data --region 93" in str(e.value) and "n'est pas construit" in str(e.value)
    assert get_scope("93", root=tmp_path).built is False


def test_cpts_region_setting_changes_the_default(monkeypatch):
    monkeypatch.setenv("CPTS_REGION", "France")
    assert get_scope(root=DATA).is_france
    monkeypatch.setenv("CPTS_REGION", "93")
    assert get_scope(root=DATA).code == "93"


def test_available_scopes_are_the_built_ones(multi, tmp_path):
    assert [s.code for s in available_scopes(multi)] == ["france", "53", "93"]   # France first, then by name
    shutil.copy2(DATA / "communes.parquet", tmp_path / "communes.parquet")
    shutil.copy2(DATA / "communes_france.parquet", tmp_path / "communes_france.parquet")
    assert [s.code for s in available_scopes(tmp_path)] == ["53"]


def test_cpts_belong_to_the_scopes_their_departements_meet():
    bzh, paca, france = (get_scope(c, root=DATA) for c in ("53", "93", "france"))
    assert bzh.includes(["35", "44", "56"]) and not paca.includes(["35", "44", "56"])   # Pays de Redon
    assert paca.includes(["13"]) and france.includes(["35"]) and france.includes(["13"])
    assert get_scope("52", root=DATA).includes(["35", "44", "56"])   # Redon crosses into Pays de la Loire


def test_atlas_per_scope(multi):
    marseille, vitre = "13055", "35360"
    paca = Atlas.load(scope=get_scope("93", root=multi))
    assert paca.territories == [] and paca.commune(marseille)["nom"] == "Marseille"
    hit = paca.lookup(43.2965, 5.3698)
    assert hit["commune"]["code"] == marseille and hit["cpts"] == []
    code, why = paca.resolve_link_code(vitre)         # outside this scope: said so, from the national index
    assert code is None and "Vitré" in why and "hors du territoire chargé" in why

    france = Atlas.load(scope=get_scope("france", root=multi))
    assert france.lookup(43.2965, 5.3698)["commune"]["code"] == marseille
    assert [t.id for t in france.territories_of(vitre)] == ["pays-de-vitre"]
    bzh = Atlas.load(scope=get_scope("53", root=multi))
    redon = bzh.territory("pays-de-redon")
    assert redon is not None and sum(c.startswith("44") for c in redon.codes) == 9   # crosses the border whole
    assert {t.id for t in bzh.territories} == {t.id for t in france.territories}


def test_scope_referential_is_the_file_it_names(multi):
    s = get_scope("93", root=multi)
    assert isinstance(s, Scope)
    communes = load_communes(s.communes_path)
    assert set(communes["departement"]) == {"13"} and len(communes) == 119


def test_titles_name_the_scope():
    assert [get_scope(c, root=DATA).de_article for c in ("53", "76", "44", "32", "04", "06", "france")] == [
        "de la Bretagne", "de l'Occitanie", "du Grand Est", "des Hauts-de-France", "de La Réunion", "de Mayotte",
        "de la France"]


def test_coverage_follows_the_scope(multi):
    from geo.views.coverage import communes_outside, coverage_table

    paca = Atlas.load(scope=get_scope("93", root=multi))
    cov = coverage_table(paca.communes, paca.territories, "93", "Provence-Alpes-Côte d'Azur", ["13"]).set_index("code")
    assert list(cov.index) == ["93", "13"] and cov.loc["93", "communes"] == 119
    assert cov.loc["93", "communes_dans_cpts"] == 0 and cov.loc["93", "population"] == cov.loc["13", "population"]
    assert len(communes_outside(paca.communes, paca.territories, None, "93")) == 119
    france = Atlas.load(scope=get_scope("france", root=multi))
    deps = sorted(set(france.communes["departement"]))
    cov = coverage_table(france.communes, france.territories, None, "France", deps, code="france").set_index("code")
    bzh = coverage_table(france.communes, france.territories).set_index("code")    # default: Bretagne
    assert cov.loc["france", "communes"] == len(france.communes)
    assert cov.loc["france", "communes_dans_cpts"] == bzh.loc["53", "communes_dans_cpts"] + sum(
        cov.loc[d, "communes_dans_cpts"] for d in ("44", "50", "53"))        # Redon's communes in Loire-Atlantique count


def test_context_figures_are_the_scope_s_own(multi):
    from geo.views.registry_scope import known_cpts_sentence, partial_registry_line

    bzh, paca, france = (Atlas.load(scope=get_scope(c, root=multi)) for c in ("53", "93", "france"))
    assert known_cpts_sentence(bzh) == "la Bretagne comptait 29 CPTS reconnues et 8 projets le 16 avril 2024"
    assert known_cpts_sentence(france) == "la France comptait 573 CPTS le 16 avril 2024"
    assert known_cpts_sentence(paca) is None and partial_registry_line(paca) is None   # no Breton count in PACA
    assert partial_registry_line(france).endswith("sur 573 connues en 2024")
    assert [get_scope(c, root=DATA).le_nom for c in ("53", "76", "44", "32", "france")] == [
        "la Bretagne", "l'Occitanie", "le Grand Est", "les Hauts-de-France", "la France"]


def test_communes_download_is_the_scope_s(multi):
    from geo.exports.frames import communes_frame
    from geo.views.downloads import commune_cpts_rows

    paca = Atlas.load(scope=get_scope("93", root=multi))
    assert sorted({r[0][:2] for r in commune_cpts_rows(paca.communes, paca.territories, "93")}) == ["13"]
    assert len(communes_frame(paca)) == 119
    france = Atlas.load(scope=get_scope("france", root=multi))
    codes = {r[0] for r in commune_cpts_rows(france.communes, france.territories, None)}
    assert codes == set(france.communes["code"])                 # every commune of France, in a CPTS or not
