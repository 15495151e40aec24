"""Presentation mode (issue 9.5), the pure part: the walk follows the signature date (then, for the
CPTS the sources do not date, west to east), names sit inside their territory, and a room sees 3 to
5 figures per CPTS, each déclaré or calculé."""
from __future__ import annotations

import pytest
from shapely.geometry import Point

from geo.atlas import Atlas
from geo.views import facts
from geo.views.presentation import (ORDER_LABEL, display_name, documents, label_point, map_labels, room_figures,
                                    short_label, step, territory_labels, walk)
from geo.views.timeline import signature_of


@pytest.fixture(scope="module")
def atlas():
    return Atlas.load()


def test_walk_follows_signature_dates_then_west_to_east(atlas):
    stops = walk(atlas.territories)
    # Redon signed in July 2021, Vitré in September 2022, Fougères in April 2024, Ploërmel in
    # October 2024; the unnamed CPTS has no documented signature: last
    assert [s.id for s in stops] == ["pays-de-redon", "pays-de-vitre", "pays-de-fougeres",
                                     "pays-de-ploermel-coeur-de-bretagne", "non-nommee-amanlis-vern"]
    assert stops[1].signed == "ACI signé le 29 septembre 2022" and stops[-1].signed is None
    assert ORDER_LABEL == "date de signature"
    # the rule, on every mapped CPTS: signature ends never decrease, the undated ones come after
    # them from west to east, and only mapped CPTS are in the walk
    by_id = {t.id: t for t in atlas.territories}
    sigs = [signature_of(by_id[s.id]) for s in stops]
    dated = [s for s in sigs if s is not None]
    assert [s.end for s in dated] == sorted(s.end for s in dated)
    assert sigs[:len(dated)] == dated
    undated = [by_id[s.id] for s, sig in zip(stops, sigs) if sig is None]
    assert [label_point(t.geometry)[1] for t in undated] == sorted(label_point(t.geometry)[1] for t in undated)
    assert {s.id for s in stops} == {t.id for t in atlas.territories if t.perimetre_connu}


def test_walk_order_does_not_depend_on_the_registry_order(atlas):
    ids = [s.id for s in walk(atlas.territories)]
    assert [s.id for s in walk(list(reversed(atlas.territories)))] == ids
    assert [s.id for s in walk(sorted(atlas.territories, key=lambda t: t.nom))] == ids


def test_step_wraps_round_and_starts_from_either_end():
    ids = ["a", "b", "c"]
    assert step(ids, None, 1) == "a" and step(ids, None, -1) == "c"
    assert step(ids, "a", 1) == "b" and step(ids, "c", 1) == "a" and step(ids, "a", -1) == "c"
    assert step(ids, "inconnue", 1) == "a"
    assert step([], None, 1) is None


def test_labels_sit_inside_their_territory_largest_first(atlas):
    labels = territory_labels(atlas.territories)
    by_id = {t.id: t for t in atlas.territories}
    areas = [by_id[cid].geometry.area for _, _, _, cid, _ in labels]
    assert areas == sorted(areas, reverse=True) and len(labels) == 5
    for lat, lon, text, cid, ((s, w), (n, e)) in labels:
        assert by_id[cid].geometry.contains(Point(lon, lat)), (cid, lat, lon)
        assert s <= lat <= n and w <= lon <= e
        assert not text.startswith("CPTS ")
    assert ("Pays de Vitré" in [l[2] for l in labels]) and ("Pays de Redon" in [l[2] for l in labels])
    only = map_labels(labels, {"pays-de-vitre"})
    assert [l[2] for l in only] == ["Pays de Vitré"] and len(only[0]) == 4


def test_short_labels():
    assert short_label("non nommée (16 communes d'Amanlis à Vern-sur-Seiche)") == "non nommée"
    assert short_label("Pays de Vitré") is None
    assert short_label("Pays de Ploërmel Cœur de Bretagne") == "Pays de Ploërmel Cœur…"
    assert display_name("CPTS du Pays de Fougères") == "Pays de Fougères"
    assert display_name("CPTS Pays de Redon") == "Pays de Redon"
    assert display_name("CPTS") == "CPTS"


def test_room_figures_are_few_large_and_tagged(atlas):
    vitre = atlas.territory("pays-de-vitre")
    figs, gap = room_figures(vitre, atlas.registry)
    assert [(f.label, f.value, f.nature) for f in figs][:3] == [
        ("Population déclarée", "81\u202f205 hab.", facts.DECLARE),
        ("Population calculée", "83\u202f737 hab.", facts.CALCULE),
        ("Communes (COG 2026)", "46", facts.CALCULE)]
    assert 3 <= len(figs) <= 5 and {f.nature for f in figs} <= {facts.DECLARE, facts.CALCULE}
    assert "Patients sans médecin traitant" in [f.label for f in figs]
    assert gap.startswith("Écart calculé − déclaré : +2")
    for t in atlas.territories:
        if t.perimetre_connu:
            assert 1 <= len(room_figures(t, atlas.registry)[0]) <= 5


def test_footnote_documents_by_title_and_date(atlas):
    vitre = atlas.territory("pays-de-vitre")
    docs = documents(facts.source_ids(vitre, atlas.registry) + ["inconnu"], atlas.registry)
    assert [d.id for d in docs] == ["cp-vitre-2022-09-29"]
    assert docs[0].date == "29 septembre 2022" and docs[0].kind == "communiqué de presse"
    assert docs[0].title.startswith("Un nouveau contrat signé") and len(docs[0].title) <= 73
