"""GeoJSON geometries (the app's simplified layers, geo/mapdata.py) as matplotlib paths, for the
PNG map: one compound path per (Multi)Polygon, holes drawn as holes."""
from __future__ import annotations

import numpy as np
from matplotlib.path import Path as MplPath


def _ring_codes(n: int) -> np.ndarray:
    codes = np.full(n, MplPath.LINETO, dtype=np.uint8)
    codes[0] = MplPath.MOVETO
    codes[-1] = MplPath.CLOSEPOLY
    return codes


def _rings(gj: dict) -> list[list]:
    """Every ring of a GeoJSON (Multi)Polygon, exteriors and holes."""
    t, c = gj["type"], gj["coordinates"]
    if t == "Polygon":
        return list(c)
    if t == "MultiPolygon":
        return [ring for poly in c for ring in poly]
    return []


def _lines(gj: dict) -> list[list]:
    """Every line of a GeoJSON geometry: rings of polygons, (multi)linestrings."""
    t, c = gj["type"], gj.get("coordinates")
    if t in ("Polygon", "MultiPolygon"):
        return _rings(gj)
    if t == "LineString":
        return [c]
    if t == "MultiLineString":
        return list(c)
    if t == "GeometryCollection":
        return [line for g in gj["geometries"] for line in _lines(g)]
    return []


def polygon_path(gj: dict) -> MplPath | None:
    """A GeoJSON (Multi)Polygon as one compound matplotlib path (holes drawn as holes)."""
    rings = [np.asarray(r, dtype=float) for r in _rings(gj) if len(r) >= 4]
    if not rings:
        return None
    return MplPath(np.concatenate(rings), np.concatenate([_ring_codes(len(r)) for r in rings]))


def line_path(gj: dict) -> MplPath | None:
    """The lines (or polygon outlines) of a GeoJSON geometry as one open path."""
    lines = [np.asarray(ln, dtype=float) for ln in _lines(gj) if len(ln) >= 2]
    if not lines:
        return None
    codes = []
    for ln in lines:
        c = np.full(len(ln), MplPath.LINETO, dtype=np.uint8)
        c[0] = MplPath.MOVETO
        codes.append(c)
    return MplPath(np.concatenate(lines), np.concatenate(codes))


def bounds(gj: dict) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a GeoJSON geometry."""
    xy = np.concatenate([np.asarray(r, dtype=float) for r in _lines(gj)])
    return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


__all__ = ["polygon_path", "line_path", "bounds"]
