"""The MapData of a scope drawn from vector tiles (France): what the app still asks of it, and nothing
it would have to prepare for 35 000 communes.

geo/mapdata.build_map_data simplifies every commune as one coverage and dissolves every territory
again to write GeoJSON layers: at France scale minutes of CPU, hundreds of MB, and a GEOS failure on
the simplified coverage of 800 territories; the tiles (geo/tiles.py) already carry all of it. Here
the GeoJSON layers are empty, and the pieces the app reads one at a time — the point of a commune
to zoom to, the outline of the selected commune or CPTS — are computed on first access and kept
(:class:`LazyShapes`), from the referential's own contours and the territories' dissolved geometry.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

import shapely

from .formatting import plural
from .mapdata import COORD_DECIMALS, MapData, short_label, territory_colors

SHAPE_TOLERANCE = 0.0005   # degrees (~50 m): a highlight outline, drawn over tiles of the same precision
# Up to this many CPTS the legend names each one with its colour; beyond, the palette's colours repeat
# (geo/mapdata.PALETTE) and a line per CPTS (France: ~800) says nothing the hover does not: the
# legend becomes one line per colour class (CPTS territory, approximate perimeter).
LEGEND_MAX_ITEMS = 40


class LazyShapes(Mapping):
    """A read-only mapping whose values are computed on first access and kept."""

    def __init__(self, keys: Iterable[str], compute: Callable[[str], object]):
        self._keys = list(dict.fromkeys(keys))
        self._known = set(self._keys)
        self._compute = compute
        self._done: dict[str, object] = {}

    def __getitem__(self, key):
        if key not in self._known:
            raise KeyError(key)
        if key not in self._done:
            self._done[key] = self._compute(key)
        return self._done[key]

    def __contains__(self, key) -> bool:
        return key in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _geojson(geom) -> dict:
    g = shapely.set_precision(shapely.simplify(geom, SHAPE_TOLERANCE), 10 ** -COORD_DECIMALS)
    return shapely.geometry.mapping(g)


def compact_legend(mapped, colors: dict[str, str]) -> list[dict]:
    """The legend rows of ``mapped`` territories: one per CPTS up to LEGEND_MAX_ITEMS, else classes."""
    if len(mapped) <= LEGEND_MAX_ITEMS:
        return [{"id": t.id, "nom": short_label(t), "color": colors[t.id], "approximatif": t.approximatif}
                for t in mapped]
    approx = [t for t in mapped if t.approximatif]
    exact = [t for t in mapped if not t.approximatif]
    rows = []
    for group, flag in ((exact, False), (approx, True)):   # ui/map.default_legend marks the approximate
        if group:
            rows.append({"id": "", "color": colors[group[0].id], "approximatif": flag,
                         "nom": f"{plural(len(group), 'CPTS', 'CPTS')}, une couleur chacune (nom au survol)"})
    return rows


def tile_map_data(communes, territories) -> MapData:
    """MapData for a tiles-drawn map: empty layers, legend and bounds, lazy centroids and shapes.
    Bounds are metropolitan France's when the scope has it (overseas départements are far away)."""
    colors = territory_colors(territories)
    shown = communes[communes.geometry.notna()]
    geom_of = dict(zip(shown["code"], shown.geometry.values))

    def centroid(code):
        p = geom_of[code].representative_point()
        return (round(p.y, 5), round(p.x, 5))

    mapped = sorted((t for t in territories if t.perimetre_connu and t.geometry is not None), key=lambda t: t.nom)
    by_id = {t.id: t for t in mapped}
    legend = compact_legend(mapped, colors)
    metro = shown[~shown["departement"].astype(str).str.startswith("97")]
    west, south, east, north = (float(v) for v in (metro if len(metro) else shown).total_bounds)
    empty = {"type": "FeatureCollection", "features": []}
    return MapData(
        communes=empty, territories=dict(empty), departements=dict(empty), legend=legend,
        bounds=[[south, west], [north, east]],
        centroids=LazyShapes(geom_of, centroid),
        commune_shapes=LazyShapes(geom_of, lambda c: _geojson(geom_of[c])),
        territory_shapes=LazyShapes(by_id, lambda i: _geojson(by_id[i].geometry)),
    )
