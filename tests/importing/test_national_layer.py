"""Issue 10.3: a national-style GeoJSON layer (DGOS/Santégraphie layout: one feature per CPTS with
its name, status and département, Polygon or MultiPolygon) resolves every CPTS to its communes in
one pass through the spatial index (geo/importing/checks.py CommunePoints, an STRtree of the
communes' representative points), with the same answers as testing every commune.

The layer is synthetic, built in the test from the EPCI of the committed referential: each CPTS is
one EPCI; one feature is a MultiPolygon of two EPCI far apart. Never shipped."""
from __future__ import annotations

import numpy as np
import shapely

from geo.importing import analyze
from geo.importing.checks import CommunePoints
from tests.import_support import geojson_bytes, union_of


def _epci_layer(communes):
    groups = communes.dropna(subset=["epci_siren"]).groupby("epci_siren")
    epcis = sorted(((siren, sorted(g["code"]), g["departement"].mode().iat[0], g["epci_nom"].iat[0])
                    for siren, g in groups), key=lambda e: e[0])
    feats, expected = [], {}
    for i, (siren, codes, dep, nom) in enumerate(epcis):
        name = f"CPTS synthétique {i + 1:03d}"
        feats.append(({"nom_cpts": name, "etat_avancement": "Contrat ACI signé", "departement": dep},
                      union_of(communes, codes)))
        expected[name] = set(codes)
    # one MultiPolygon: Vitré Communauté + Quimper Bretagne Occidentale, 200 km apart
    vitre = communes.loc[communes["epci_nom"].fillna("").str.contains("Vitré"), "code"].tolist()
    quimper = communes.loc[communes["epci_nom"].fillna("").str.contains("Quimper"), "code"].tolist()
    multi = shapely.MultiPolygon(list(shapely.get_parts([union_of(communes, vitre),
                                                         union_of(communes, quimper)])))
    feats.append(({"nom_cpts": "CPTS synthétique multi", "etat_avancement": "Projet", "departement": "35"}, multi))
    expected["CPTS synthétique multi"] = set(vitre) | set(quimper)
    return feats, expected


def test_national_layer_resolves_every_cpts_by_the_spatial_index(communes, matcher):
    feats, expected = _epci_layer(communes)
    assert len(feats) > 50
    r = analyze(geojson_bytes(feats), "cpts_france.geojson", communes, matcher)
    got = {t.nom: set(t.codes) for t in r.territories}
    assert got == expected
    assert set(expected["CPTS synthétique multi"]) >= {"35360", "29232"}  # Vitré, Quimper
    assert not [p for p in r.problems if p.blocking]
    assert {t.statut for t in r.territories} == {"Contrat ACI signé", "Projet"}


def test_index_answers_like_testing_every_commune(communes):
    points = CommunePoints(communes)
    pts = shapely.point_on_surface(np.asarray(communes.geometry.values))
    xs, ys = shapely.get_x(pts), shapely.get_y(pts)
    rng = np.random.default_rng(7)
    for _ in range(20):
        x, y = rng.uniform(-5, -1), rng.uniform(47.3, 48.8)
        poly = shapely.Point(x, y).buffer(rng.uniform(0.05, 0.4))
        brute = np.sort(communes["code"].to_numpy()[shapely.contains_xy(poly, xs, ys)])
        assert list(points.inside(poly)) == list(brute)
