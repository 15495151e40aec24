"""The national index (data/communes_france.parquet): every French commune code and name, former
codes with the date of the change, and what the product says of a commune outside the loaded scope."""
from __future__ import annotations

import hashlib
import os

import pandas as pd
import pytest

from geo.matching import Matcher
from geo.referential.national import FRANCE_INDEX, NationalIndex, build_national, write_national
from geo.referential.search import CommuneSearch

BRETAGNE_ETC = "Bretagne, Loire-Atlantique, Manche et Mayenne"


@pytest.fixture(scope="module")
def national():
    index = NationalIndex()
    assert index, f"{FRANCE_INDEX} absent : lancez « python -m geo build-data »"
    return index


@pytest.fixture(scope="module")
def matcher(communes, national):
    return Matcher(communes, outside=national)


def test_every_current_commune_of_france_is_known(national):
    df = pd.read_parquet(FRANCE_INDEX)
    assert (df["statut"] == "actuelle").sum() == 34969  # COG 2026, collectivités d'outre-mer included
    assert df["code"].is_unique
    paris = national.code("75056")
    assert (paris.nom, paris.statut, paris.departement, paris.region_nom) == ("Paris", "actuelle", "75", "Île-de-France")
    assert national.code("13055").nom == "Marseille"
    arr = national.code("75101")
    assert arr.statut == "arrondissement" and arr.code_actuel == "75056"
    assert national.code("99999") is None


def test_fleurigne_is_dated_from_the_millesimes(national):
    info = national.code("35112")
    # 35112 was a commune in the COG 2023 and a commune déléguée of 35062 in the COG 2024
    assert (info.nom, info.statut, info.code_actuel, info.nom_actuel) == ("Fleurigné", "deleguee", "35062", "La Chapelle-Fleurigné")
    assert (info.actuelle_jusqu_a, info.depuis) == (2023, 2024)
    assert national.change("35112") == "Fleurigné fait partie de La Chapelle-Fleurigné depuis le 1er janvier 2024"
    assert national.former_code_of("Fleurigné", "35062") == "35112"
    # Glénac joined La Gacilly in 2017, before the first millésime the package offers (2019)
    assert national.change("56064") == "Glénac fait partie de La Gacilly depuis une date antérieure au 1er janvier 2019"
    assert national.change("35062") is None and national.change("75056") is None


def test_outside_the_scope_is_said_for_codes_names_and_postal_codes(communes, national):
    inside = set(communes["code"])
    scope = national.scope_label(set(communes["departement"]))
    assert scope == BRETAGNE_ETC
    assert national.outside("75056", inside, scope) == (
        f"Paris (75056, Paris, Île-de-France) est une commune réelle, hors du territoire chargé ({scope}).")
    assert "Marseille (13055" in national.outside("Marseille", inside, scope)
    assert national.outside("75001", inside, scope).startswith("75001 est le code postal de Paris (75056)")
    for inside_text in ("35360", "Vitré", "35112", "Fleurigné", "35500", "xyzzyville", ""):
        assert national.outside(inside_text, inside, scope) is None, inside_text


def test_the_matcher_says_paris_is_real_and_dates_former_codes(matcher):
    r = matcher.resolve("75056")
    assert r.method == "non_resolu" and r.code is None
    assert r.message == f"Paris (75056, Paris, Île-de-France) est une commune réelle, hors du territoire chargé ({BRETAGNE_ETC})."
    r = matcher.resolve("35112")
    assert (r.code, r.method) == ("35062", "ancien_code")
    assert r.message.endswith("Fleurigné fait partie de La Chapelle-Fleurigné depuis le 1er janvier 2024.")
    r = matcher.resolve("Fleurigné", ["35"])
    assert (r.code, r.method) == ("35062", "ancien_nom")
    assert r.message == "« Fleurigné » est une commune déléguée ou associée de La Chapelle-Fleurigné (35062) depuis le 1er janvier 2024."


def test_a_real_commune_elsewhere_is_never_bent_into_a_look_alike(communes, matcher):
    for name in ("Marseille", "Paris", "Saint-Martin"):
        r = matcher.resolve(name)
        assert not r.ok and "hors du territoire chargé" in r.message, r.message
    assert [r.ok for r in matcher.resolve_many(["Marseille", "Domgané"], ["35"])] == [False, True]
    # without the national index the matcher answers exactly as before
    assert Matcher(communes).resolve("75056").message == "« 75056 » n'est ni un code INSEE ni un code postal connu."


def test_search_resolves_and_explains_former_codes_and_names(communes, matcher):
    search = CommuneSearch(communes, matcher)
    (hit,) = search.search("35112")
    assert (hit.code, hit.why) == ("35062", "ancien code INSEE 35112")
    assert hit.explication == "Fleurigné fait partie de La Chapelle-Fleurigné depuis le 1er janvier 2024."
    hit = search.search("Fleurigné")[0]
    assert (hit.code, hit.why) == ("35062", "ancien nom : Fleurigné")
    assert hit.explication == "Fleurigné fait partie de La Chapelle-Fleurigné depuis le 1er janvier 2024."
    assert search.search("75056") == [] and search.search("Paris") == []
    assert search.outside_note("75056").startswith("Paris (75056, Paris, Île-de-France) est une commune réelle")
    assert search.search("Vitré")[0].explication is None and search.outside_note("Vitré") is None


def test_a_link_to_a_former_code_opens_the_current_commune(atlas):
    assert atlas.resolve_link_code("35112") == (
        "35062", "Fleurigné fait partie de La Chapelle-Fleurigné depuis le 1er janvier 2024.")
    assert atlas.resolve_link_code("35360") == ("35360", None)
    code, why = atlas.resolve_link_code("75056")
    assert code is None and "commune réelle, hors du territoire chargé" in why
    assert atlas.resolve_link_code("99999") == (None, None)


def _c(code, nom, type_="commune-actuelle", **kw):
    return {"code": code, "nom": nom, "type": type_, "departement": code[:2], "region": "53", **kw}


def test_build_dates_each_change_from_the_first_millesime_without_the_commune(tmp_path):
    deps, regs = [{"code": "35", "nom": "Ille-et-Vilaine"}], [{"code": "53", "nom": "Bretagne"}]
    history = {
        2019: [_c("35001", "Ancienne"), _c("35002", "Gardée"), _c("35003", "Absorbée"), _c("35004", "Tardive")],
        2021: [_c("35002", "Gardée"), _c("35003", "Absorbée"), _c("35004", "Tardive"),
               _c("35001", "Ancienne", "commune-deleguee", chefLieu="35002")],
        2022: [_c("35002", "Gardée", anciensCodes=["35003"]), _c("35004", "Tardive")],
    }
    current = [_c("35002", "Nouvelle", anciensCodes=["35003", "35004"], codesPostaux=["35000"]),
               _c("35001", "Ancienne", "commune-deleguee", chefLieu="35002"),
               _c("35009", "Très-Ancienne", "commune-associee", chefLieu="35002")]
    df = build_national(current, deps, regs, history, millesime=2023)
    path = tmp_path / "idx.parquet"
    write_national(df, path)
    idx = NationalIndex(path)
    assert idx.change("35001") == ("Ancienne fait partie de Nouvelle depuis une date comprise entre "
                                   "le 1er janvier 2019 (exclu) et le 1er janvier 2021")
    assert idx.change("35003") == "Absorbée fait partie de Nouvelle depuis le 1er janvier 2022"
    assert idx.change("35004") == "Tardive fait partie de Nouvelle depuis le 1er janvier 2023"
    assert idx.change("35009") == "Très-Ancienne fait partie de Nouvelle depuis une date antérieure au 1er janvier 2019"
    assert idx.code("35003").statut == "fusionnee" and idx.code("35009").statut == "associee"
    write_national(df, tmp_path / "again.parquet")
    assert (tmp_path / "again.parquet").read_bytes() == path.read_bytes()


@pytest.mark.skipif(os.environ.get("CARTE_CPTS_SKIP_REBUILD") == "1", reason="rebuild from the registries disabled")
def test_committed_index_is_what_the_pipeline_builds(tmp_path):
    """Same declared packages, same file: the committed index is the build's output, byte for byte."""
    from geo.referential.national import build_and_write

    _, out = build_and_write(tmp_path / "communes_france.parquet")
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    assert digest(out) == digest(FRANCE_INDEX)
