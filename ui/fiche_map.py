"""The Fiches page's small map of one CPTS, for every scope (app_pages/1_Fiches_CPTS.py).

A scope drawn from GeoJSON files (Bretagne) uses ui.pages_common.territory_map: the home map's
static files, filtered to the CPTS. A scope drawn from vector tiles (France) has no such files
(geo/tiles_mapdata.py: empty layers), so the same ui.map.territory_map gets three small layers of
its own, made from the server's current data — never the 35 000 communes, never the tiles (which
may be older than the data just after a publication):

- the CPTS's communes (``code``, ``nom``; the 50 m outlines of ``MapData.commune_shapes``),
- its territory (``MapData.territory_shapes``),
- the outlines of the départements it touches (a coverage union of their communes, 50 m).

They are written as small content-hashed static files (``static/generated/fiches/``, same rules as
the home map's layers in ui/data.py: written once, touched when used, pruned only when unused for
days), fetched from the same origin like the home map's files — not ``data:`` URLs, which the
deployment's Content-Security-Policy (``connect-src 'self'`` in component iframes) would block.
Names are raw data in the GeoJSON properties; the layers write them with textContent.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os

import folium
import shapely

from geo.mapdata import MapData
from geo.territories import Territory
from geo.tiles_mapdata import SHAPE_TOLERANCE

from .map import territory_map as _territory_map


def fiche_map(md: MapData, t: Territory, color: str) -> folium.Map:
    """A NEW small map of ``t`` (never cached), whatever the scope."""
    from .data import get_atlas
    from .map_tiles import tiles_for
    from .pages_common import territory_map
    from .scope import current_scope

    if tiles_for(current_scope()) is None:
        return territory_map(md, t, color)
    return _territory_map(md, small_layers(get_atlas(), md, t), t.id, list(t.codes), color)


FICHES_DIR = "fiches"


def layer_url(name: str, doc: dict) -> str:
    """Write ``doc`` once as ``static/generated/fiches/<name>-<sha>.json``; its URL."""
    from .data import GENERATED, STATIC_URL, prune_layers, write_layer
    directory = GENERATED / FICHES_DIR
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    fresh = not (directory / f"{name}-{hashlib.sha256(body).hexdigest()[:16]}.json").exists()
    path = write_layer(directory, name, body)
    with contextlib.suppress(OSError):
        os.utime(path)   # used now: another process's pruning keeps it
    if fresh:
        prune_layers(directory, keep={path})
    return f"{STATIC_URL}/generated/{FICHES_DIR}/{path.name}"


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def small_layers(atlas, md: MapData, t: Territory) -> dict[str, str]:
    """The ``urls`` of ui.map.territory_map for one CPTS: its communes, its outline, its départements."""
    codes = [c for c in t.codes if c in md.commune_shapes]
    names = dict(zip(atlas.communes["code"], atlas.communes["nom"]))
    communes = [{"type": "Feature", "properties": {"code": str(c), "nom": str(names.get(c, c)), "n": 1},
                 "geometry": md.commune_shapes[c]} for c in codes]
    shape = md.territory_shapes.get(t.id) if t.id in md.territory_shapes else None
    territoires = [{"type": "Feature", "properties": {"id": t.id}, "geometry": shape}] if shape else []
    deps = sorted(set(atlas.communes.loc[atlas.communes["code"].isin(codes), "departement"].astype(str)))
    departements = [{"type": "Feature", "properties": {"code": d},
                     "geometry": _departement_outline(atlas.communes, d)} for d in deps]
    return {"communes": layer_url("communes", _collection(communes)),
            "territoires": layer_url("territoires", _collection(territoires)),
            "departements": layer_url("departements", _collection(departements))}


_outlines: dict[str, tuple[object, dict]] = {}


def _departement_outline(communes, dep: str) -> dict:
    """The simplified boundary of a département (20-50 ms for France's biggest), kept per referential
    (the cached table of the loaded atlas: another scope or a rebuilt referential computes it again)."""
    memo = _outlines.get(dep)
    if memo is None or memo[0] is not communes:
        g = communes.loc[communes["departement"].astype(str) == dep].geometry.values
        line = shapely.simplify(shapely.coverage_union_all(g[~shapely.is_missing(g)]).boundary, SHAPE_TOLERANCE)
        memo = (communes, shapely.geometry.mapping(shapely.set_precision(line, 1e-5)))
        _outlines[dep] = memo
    return memo[1]


__all__ = ["fiche_map", "small_layers", "layer_url"]
