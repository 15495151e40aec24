"""What the map draws, as plain GeoJSON dicts (no folium, no Streamlit): built once and cached.

- which communes are shown: Brittany plus every commune of a documented CPTS outside it
  (e.g. Loire-Atlantique for Redon);
- their contours simplified ONCE as a coverage (``shapely.coverage_simplify``: neighbours keep
  identical borders), coordinates rounded to 1e-4° (~10 m), only the properties the map needs;
- territory and département outlines dissolved from the same simplified coverage, so every line
  on the map coincides;
- one colour per mapped CPTS, neutral grey for communes in no documented CPTS.

Text properties are the raw names (not HTML-escaped): the map writes them with ``textContent``
(ui/map_elements.py), never as HTML nor through a template.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from .territories import Territory

SIMPLIFY_TOLERANCE = 0.003   # degrees (~250 m): invisible at regional zoom, keeps communes recognisable
COORD_DECIMALS = 4
REGION_BRETAGNE = "53"

NO_CPTS_COLOR = "#d9d9d9"
# Colour-blind-friendly categorical palette (Okabe–Ito, then Tableau), readable on a projector.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#8C564B", "#7F7F7F",
           "#BCBD22", "#17BECF", "#9467BD", "#F0E442"]


@dataclass(frozen=True)
class MapData:
    communes: dict          # FeatureCollection: one feature per shown commune
    territories: dict       # FeatureCollection: one dissolved outline per mapped CPTS
    departements: dict      # FeatureCollection: département outlines
    legend: list[dict]      # [{"id", "nom", "color", "approximatif"}], raw names
    bounds: list[list[float]]  # [[south, west], [north, east]]
    centroids: dict[str, tuple[float, float]]   # INSEE code -> (lat, lon) of a point inside the commune
    commune_shapes: dict[str, dict]            # INSEE code -> simplified GeoJSON geometry (for highlighting)
    territory_shapes: dict[str, dict]          # CPTS id -> simplified GeoJSON geometry


def territory_colors(territories: list[Territory]) -> dict[str, str]:
    mapped = [t for t in territories if t.perimetre_connu]
    return {t.id: PALETTE[i % len(PALETTE)] for i, t in enumerate(sorted(mapped, key=lambda t: t.nom))}


def _round(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(shapely.set_precision(geoms, 10 ** -COORD_DECIMALS),
                             lambda xy: np.round(xy, COORD_DECIMALS))


def _mapping(g) -> dict:
    return shapely.geometry.mapping(g)


def short_label(t: Territory) -> str:
    """The name shown in legends (the registry's nom, which for an unnamed CPTS says so)."""
    return t.nom


def build_map_data(communes, territories: list[Territory], region: str | None = REGION_BRETAGNE) -> MapData:
    """``region``: the région whose communes are all drawn (geo/scope.py), None for every commune,
    ``""`` for none but those of the CPTS (a scope too big for one GeoJSON layer: France)."""
    colors = territory_colors(territories)
    owners: dict[str, list[Territory]] = {}
    for t in territories:
        for c in t.codes:
            owners.setdefault(c, []).append(t)
    inside = communes["region"] == region if region is not None else communes["code"].notna()
    shown = communes[inside | communes["code"].isin(owners.keys())]
    shown = shown[shown.geometry.notna()].reset_index(drop=True)
    simplified = _round(shapely.coverage_simplify(shown.geometry.values, SIMPLIFY_TOLERANCE))
    valid = shapely.is_valid(simplified)
    if not valid.all():  # never expected; fall back to the exact contour rather than draw a broken one
        simplified[~valid] = _round(shown.geometry.values[~valid])

    features, centroids, commune_shapes = [], {}, {}
    for code, nom, pop, geom, full in zip(shown["code"], shown["nom"], shown["population"], simplified, shown.geometry.values):
        ts = sorted(owners.get(code, []), key=lambda t: t.nom)
        label = " ; ".join(t.nom for t in ts) if ts else "Aucune CPTS documentée"
        gj = _mapping(geom)
        commune_shapes[code] = gj
        p = full.representative_point()
        centroids[code] = (round(p.y, 5), round(p.x, 5))
        features.append({"type": "Feature", "geometry": gj, "properties": {
            "code": code,
            "nom": str(nom),
            "cpts": label,
            "fill": colors[ts[0].id] if ts else NO_CPTS_COLOR,
            "n": len(ts),
        }})

    geom_of = dict(zip(shown["code"], simplified))
    terr_features, territory_shapes, legend = [], {}, []
    for t in sorted((t for t in territories if t.perimetre_connu), key=lambda t: t.nom):
        g = _round(np.array([shapely.coverage_union_all([geom_of[c] for c in t.codes if c in geom_of])]))[0]
        territory_shapes[t.id] = _mapping(g)
        terr_features.append({"type": "Feature", "geometry": territory_shapes[t.id],
                              "properties": {"id": t.id, "nom": t.nom, "color": colors[t.id]}})
        legend.append({"id": t.id, "nom": short_label(t), "color": colors[t.id], "approximatif": t.approximatif})

    dep_features = []
    for dep, grp in shown.groupby("departement"):
        g = _round(np.array([shapely.coverage_union_all([geom_of[c] for c in grp["code"]])]))[0]
        dep_features.append({"type": "Feature", "geometry": shapely.geometry.mapping(g.boundary),
                             "properties": {"code": dep, "nom": str(grp["departement_nom"].iloc[0])}})

    west, south, east, north = (float(v) for v in shapely.total_bounds(simplified))
    return MapData(
        communes={"type": "FeatureCollection", "features": features},
        territories={"type": "FeatureCollection", "features": terr_features},
        departements={"type": "FeatureCollection", "features": dep_features},
        legend=legend,
        bounds=[[south, west], [north, east]],
        centroids=centroids,
        commune_shapes=commune_shapes,
        territory_shapes=territory_shapes,
    )
