"""Thematic map indicators: each CPTS lands in the class users expect, missing values say so."""
import dataclasses

import pytest

from geo.views.facts import CALCULE, DECLARE
from geo.views.indicators import (AUCUNE_CPTS, INDICATORS, NON_RENSEIGNE, classify, get_indicator, legend_label)
from geo.mapdata import territory_colors


def sp(s: str) -> str:
    return s.replace("\u202f", " ").replace("\u00a0", " ")



def cl(atlas, key):
    return classify(key, atlas.territories, atlas.registry)


def test_every_indicator_classifies_every_cpts_and_its_legend_is_what_the_map_draws(atlas):
    ids = {t.id for t in atlas.territories}
    mapped = {t.id for t in atlas.territories if t.perimetre_connu}
    for key in INDICATORS:
        c = cl(atlas, key)
        assert set(c.classes) == ids and set(c.values) == ids
        assert c.legend[-1] is AUCUNE_CPTS
        # the legend holds exactly the classes of the mapped CPTS (an unmapped CPTS is in none)
        assert set(c.legend[:-1]) == {c.classes[i] for i in mapped}, key
        assert sum(c.counts.values()) == len(mapped)
        assert all(c.counts[x.key] > 0 for x in c.legend[:-1])
        assert all(cls in c.all_classes for cls in c.classes.values())
        assert c.unmapped_line == f"{len(ids - mapped)} CPTS sans périmètre cartographié (non comptées)"
        colors = [x.color for x in c.legend]
        assert len(set(colors)) == len(colors), (key, colors)   # every class distinguishable
        # a value is missing exactly when the class is "Non renseigné"
        for tid, v in c.values.items():
            if key != "cpts":
                assert (v.value is None) == (c.classes[tid] is NON_RENSEIGNE), (key, tid)


def test_population_classes_are_the_aci_sizes(atlas):
    c = cl(atlas, "population")
    vitre = atlas.territory("pays-de-vitre")
    assert c.values["pays-de-vitre"].value == vitre.population
    assert c.values["pays-de-vitre"].nature == CALCULE
    assert "80 000 – 175 000" in sp(c.classes["pays-de-vitre"].label)
    assert "taille 3" in c.classes["pays-de-vitre"].label
    assert "40 000 – 80 000" in sp(c.classes["pays-de-fougeres"].label)   # 49 119 hab. calculés
    labels = [sp(x.label) for x in c.all_classes[:4]]
    assert labels[0].startswith("moins de 40 000") and labels[3].startswith("175 000 hab. et plus")
    # only the classes the map draws are in the legend (no CPTS under 40 000 nor above 175 000)
    assert [sp(x.label) for x in c.legend] == [labels[1], labels[2], "Aucune CPTS documentée"]
    # every mapped CPTS: its class is the registry's ACI size for its computed population
    sizes = [s.taille for s in atlas.registry.tailles_aci]
    for t in atlas.territories:
        if t.perimetre_connu:
            assert c.classes[t.id] == c.all_classes[sizes.index(atlas.registry.taille_aci_for(t.population))]


def test_a_cpts_without_perimeter_is_non_renseigne_not_zero(atlas):
    c = cl(atlas, "population")
    assert c.classes["marches-de-bretagne"] is NON_RENSEIGNE
    assert c.values["marches-de-bretagne"].value is None
    assert c.values["marches-de-bretagne"].text == "non renseigné"
    assert "marches-de-bretagne" in c.unmapped
    assert any("Marches de Bretagne" in n for n in c.notes)


def test_sans_medecin_traitant_vitre_and_the_plus_de_qualifier_of_redon(atlas):
    c = cl(atlas, "sans_medecin_traitant")
    v = c.values["pays-de-vitre"]
    assert v.value == 12.7 and sp(v.text) == "12,7 %" and v.nature == DECLARE
    assert c.classes["pays-de-vitre"].label == "12 % et plus"
    r = c.values["pays-de-redon"]
    assert r.qualifier == "plus de" and sp(r.text) == "plus de 11 %"
    assert c.classes["pays-de-redon"].label == "10 % à moins de 12 %"
    assert "borne basse" in r.note   # the true value may be in the class above: said
    assert c.classes["pays-de-fougeres"] is NON_RENSEIGNE
    assert "9,8 %" in sp(c.notes[0])   # the Brittany reference the breaks are read against


def test_financement_par_habitant_is_declared_over_declared_population(atlas):
    c = cl(atlas, "financement_par_habitant")
    v = c.values["pays-de-vitre"]
    assert v.value == pytest.approx(196875 / 81205) and sp(v.text).startswith("2,42 €")
    assert v.nature == DECLARE and "81 205" in sp(v.note) and "196 875" in sp(v.note)
    assert c.classes["pays-de-vitre"].label == "2 € à moins de 3 €"
    f = c.values["pays-de-fougeres"]
    assert f.value == pytest.approx(189375 / 48924)
    assert c.classes["pays-de-fougeres"].label == "3 € à moins de 4 €"
    assert c.classes["pays-de-redon"] is NON_RENSEIGNE   # no funding in its source


def test_statut_and_signature_year(atlas):
    s = cl(atlas, "statut")
    keys = [x.key for x in s.all_classes]
    assert keys[:3] == ["lettre_intention_validee", "projet_sante_valide", "aci_signe"]
    assert s.classes["pays-de-vitre"].key == "aci_signe"
    assert s.classes["non-nommee-amanlis-vern"] is NON_RENSEIGNE
    y = cl(atlas, "annee_signature")
    assert y.classes["pays-de-vitre"].label == "2022"
    assert y.classes["pays-de-redon"].label == "2021" and "déduite" in y.values["pays-de-redon"].note
    assert y.classes["marches-de-bretagne"].label == "2020"   # signed, even though not mapped
    assert [x.label for x in y.all_classes[:-1]] == ["2020", "2021", "2022", "2023", "2024"]
    # the legend: the years the map draws (Marches de Bretagne, 2020, has no mapped perimeter)
    assert [x.label for x in y.legend] == ["2021", "2022", "2024", "Non renseigné", "Aucune CPTS documentée"]
    assert sp(legend_label(y, y.legend[2])) == "2024 (2 CPTS)"
    assert y.classes["gwened"] is NON_RENSEIGNE


def test_cpts_indicator_uses_the_map_colours(atlas):
    c = cl(atlas, "cpts")
    colors = territory_colors(atlas.territories)
    for tid, color in colors.items():
        assert c.classes[tid].color == color
    assert c.classes["auray"] is NON_RENSEIGNE
    assert NON_RENSEIGNE not in c.legend   # Auray is not on the map: nothing drawn is « non renseigné »


def test_commune_classes_cover_every_mapped_commune_and_only_them(atlas):
    c = cl(atlas, "population")
    by_code = c.commune_classes(atlas.territories)
    mapped = {code for t in atlas.territories if t.perimetre_connu for code in t.codes}
    assert set(by_code) == mapped
    assert by_code["35360"] == c.classes["pays-de-vitre"]            # Vitré
    assert c.class_for_commune("29232", by_code) is AUCUNE_CPTS      # Quimper: no documented CPTS


def test_legend_counts_are_french(atlas):
    c = cl(atlas, "statut")
    assert legend_label(c, NON_RENSEIGNE).startswith("Non renseigné (")
    assert legend_label(c, AUCUNE_CPTS) == "Aucune CPTS documentée"


def test_value_changes_move_the_class(atlas):
    """Classes follow the data, not a list typed in the code."""
    t = atlas.territory("pays-de-vitre")
    smt = t.cpts.sans_medecin_traitant[0]
    changed = dataclasses.replace(t, cpts=dataclasses.replace(
        t.cpts, sans_medecin_traitant=[dataclasses.replace(smt, valeur=9.5)]))
    c = classify("sans_medecin_traitant", [changed], atlas.registry)
    assert c.classes["pays-de-vitre"].label == "moins de 10 %"


def test_unknown_indicator_lists_the_valid_names():
    with pytest.raises(KeyError) as e:
        get_indicator("densite")
    msg = str(e.value)
    assert "indicateur inconnu « densite »" in msg and "sans_medecin_traitant" in msg


def test_indicator_labels_fit_the_sidebar_box_with_their_tag():
    """The « Colorer la carte par » box shows ~31 characters: « Patients sans médecin traitant (déclaré) »
    was cut before its tag. Every label fits and ends with what it is (déclaré / calculé) when it is one."""
    from geo.views.indicators import INDICATORS, LABEL_MAX

    for ind in INDICATORS.values():
        assert len(ind.label) <= LABEL_MAX, ind.label
    assert INDICATORS["sans_medecin_traitant"].label.endswith("(déclaré)")
    assert INDICATORS["financement_par_habitant"].label.endswith("(déclaré)")
    assert INDICATORS["population"].label.endswith("(calculée)")
