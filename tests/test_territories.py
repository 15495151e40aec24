"""Territories users rely on: the right communes, totals and the gaps with the sources."""
import pytest

from geo.territories import ECART, ERREUR, INFO, resolve_epci



def kinds(t):
    return {d.kind for d in t.discrepancies}


def message(t, kind):
    """The discrepancy's French message, with narrow no-break spaces shown as plain spaces."""
    return next(d.message for d in t.discrepancies if d.kind == kind).replace("\u202f", " ")


def test_no_name_of_any_documented_perimeter_is_left_unresolved(atlas):
    for t in atlas.territories:
        assert not t.errors, (t.id, [d.message for d in t.errors])


def test_vitre_is_vitre_communaute_and_the_missing_name_is_named(atlas):
    t = atlas.territory("pays-de-vitre")
    vitre_co = sorted(atlas.communes.loc[atlas.communes["epci_siren"] == "200039022", "code"])
    assert t.codes == vitre_co and t.n_communes == 46
    assert "35360" in t.codes and "35096" in t.codes  # Vitré, Domagné (« Domgané » in the source)
    assert t.population == int(atlas.communes.set_index("code").loc[vitre_co, "population"].sum())
    assert t.population_declaree == 81205 and t.population_millesime == 2023
    assert "Montreuil-des-Landes (35192)" in message(t, "liste_incomplete")
    assert "45 noms" in message(t, "compte_liste")
    assert "« Domgané » corrigé en « Domagné » (35096)" in message(t, "nom_corrige")
    pop = message(t, "population")
    assert "81 205" in pop and "29 septembre 2022" in pop and "populations légales 2023" in pop


def test_fougeres_merged_communes(atlas):
    t = atlas.territory("pays-de-fougeres")
    assert t.n_communes == 21 and "35062" in t.codes and "35115" in t.codes
    assert "La Chapelle-Fleurigné (35062)" in message(t, "noms_fusionnes")
    assert "21 communes au COG 2026 contre 22" in message(t, "compte_communes")


def test_redon_spans_three_departements_and_two_regions(atlas):
    t = atlas.territory("pays-de-redon")
    assert t.n_communes == 39
    assert t.departements == ["35", "44", "56"]
    assert {"35294", "44185", "35236"} <= set(t.codes)  # Sainte-Marie (35, not one of its 8 homonyms), Saint-Nicolas-de-Redon, Redon
    regions = set(atlas.communes.set_index("code").loc[t.codes, "region"])
    assert regions == {"52", "53"}


def test_ploermel_is_an_approximation_and_says_so(atlas):
    t = atlas.territory("pays-de-ploermel-coeur-de-bretagne")
    assert t.approximatif and t.perimetre_connu
    assert {"56165", "56075"} <= set(t.codes)  # Ploërmel, Guer
    assert {"perimetre_approche", "compte_communes", "population"} <= kinds(t)
    assert "72 520" in message(t, "population")


def test_overlap_between_ploermel_and_redon_is_reported_on_both(atlas):
    p = atlas.territory("pays-de-ploermel-coeur-de-bretagne")
    r = atlas.territory("pays-de-redon")
    shared = set(p.codes) & set(r.codes)
    assert shared and "56061" in shared  # La Gacilly
    assert "La Gacilly (56061)" in message(p, "chevauchement") and "La Gacilly (56061)" in message(r, "chevauchement")
    assert {x["id"] for x in atlas.lookup(47.7669, -2.1327)["cpts"]} == {"pays-de-redon", "pays-de-ploermel-coeur-de-bretagne"}


def test_unnamed_list_is_labelled_honestly(atlas):
    t = atlas.territory("non-nommee-amanlis-vern")
    assert t.n_communes == 16 and not t.cpts.nom_connu
    assert "35002" in t.codes and "35352" in t.codes  # Amanlis, Vern-sur-Seiche
    assert t.population_declaree is None


def test_cpts_without_perimeter_are_known_but_not_mapped(atlas):
    for cid in ("marches-de-bretagne", "auray", "rade-a-ria"):
        t = atlas.territory(cid)
        assert t is not None and not t.perimetre_connu and t.codes == [] and t.geometry is None
        assert "perimetre_inconnu" in kinds(t)


def test_dissolved_geometry_covers_exactly_the_communes(atlas):
    t = atlas.territory("pays-de-vitre")
    sub = atlas.communes[atlas.communes["code"].isin(t.codes)]
    assert t.geometry.is_valid
    assert t.geometry.area == pytest.approx(sum(g.area for g in sub.geometry.values), rel=1e-9)


def test_epci_names_as_written_resolve(atlas):
    assert resolve_epci("Vitré communauté", atlas.communes).siren == "200039022"
    assert resolve_epci("Oust Brocéliande Communauté", atlas.communes).nom == "CC de l'Oust à Brocéliande"
    bad = resolve_epci("Communauté imaginaire", atlas.communes)
    assert bad.siren is None and "non résolu" in bad.message


def test_severities_are_known(atlas):
    for t in atlas.territories:
        for d in t.discrepancies:
            assert d.severity in (ERREUR, ECART, INFO)


def test_territories_from_the_attribute_table_are_the_atlas_territories_without_geometry(atlas):
    """``python -m geo territories`` reads the referential without its contours (no geopandas):
    same communes, totals, départements and discrepancies as the app's atlas, geometry None."""
    from geo.cli.common import load_territories
    from geo.referential import load_communes_table

    table = load_communes_table()
    assert "geometry" not in table.columns
    assert table.equals(atlas.communes.drop(columns="geometry").astype(table.dtypes))
    _, territories = load_territories()
    assert [t.to_dict() for t in territories] == [t.to_dict() for t in atlas.territories]
    assert all(t.geometry is None for t in territories)
    assert any(t.geometry is not None for t in atlas.territories)
