"""The folium map of the home page, rebuilt identically on every rerun from cached GeoJSON.

streamlit-folium keeps the drawn map as long as the generated script does not change, so the base
map depends only on the data and on the basemap switch; the selection is drawn through
``feature_group_to_add`` and never re-creates the map (no jump, no flicker).
"""
from __future__ import annotations

from dataclasses import dataclass

import folium

from geo.mapdata import NO_CPTS_COLOR, MapData
from geo.offline import add_online_basemaps, make_offline, new_map
from geo.views.indicators import AUCUNE_CPTS, OUTLINE_COLOR, THEMATIC_OPACITY, Classification, legend_items

from .map_tiles import add_tile_layers
from .map_elements import CommuneLayer, Labels, OutlineLayer, SelectionShape
from .map_legend import Legend
from .map_labels import RoomLabels
from .map_view import FitOnLoad, MetricScale, WindowSizedMap


@dataclass(frozen=True)
class MapStyle:
    """What the base map shows besides the communes: all plain data, so equal styles give equal maps."""
    legend_title: str = "CPTS documentées"
    legend_items: tuple[tuple[str, ...], ...] = ()   # (colour, label) or (colour, label, kind): ui.map_legend
    fills: tuple[tuple[str, str], ...] = ()          # (INSEE code, colour) overrides
    territory_ids: tuple[str, ...] | None = None     # outlines to draw (None = all)
    labels: tuple[tuple[float, float, str], ...] = ()
    presentation: bool = False
    hatched: tuple[str, ...] = ()                    # INSEE codes hatched (« Non renseigné »)
    default_fill: str | None = None                  # every commune not in ``fills`` (thematic maps)
    outline_color: str | None = None                 # one colour for every CPTS outline (None: each its own)
    opacity: float | None = None                     # fill opacity (None: the CPTS map's own)


def thematic_style(c: Classification, territories, labels: tuple = (), presentation: bool = False) -> MapStyle:
    """The browser map of an indicator, from the same classification and legend items as the PNG
    (geo.views.indicators.legend_items): classes drawn opaque, « Non renseigné » hatched, « Aucune CPTS
    documentée » plain light grey, every CPTS outline in the one dark colour the legend explains."""
    by_code = c.commune_classes(territories)
    return MapStyle(legend_title=c.title,
                    legend_items=tuple((i.color or "", i.label, i.kind) for i in legend_items(c)),
                    fills=tuple(sorted((code, cls.color) for code, cls in by_code.items())),
                    hatched=tuple(sorted(code for code, cls in by_code.items() if cls.hatch)),
                    default_fill=AUCUNE_CPTS.color, outline_color=OUTLINE_COLOR, opacity=THEMATIC_OPACITY,
                    labels=labels, presentation=presentation)


def default_legend(md: MapData) -> tuple[tuple[str, str], ...]:
    """The CPTS colours, with the registry's names as they are (the browser writes them as text)."""
    items = [(i["color"], i["nom"] + (" (périmètre approché)" if i["approximatif"] else "")) for i in md.legend]
    return tuple(items) + ((NO_CPTS_COLOR, "Aucune CPTS documentée dans les sources"),)


def build_base_map(md: MapData, urls: dict[str, str], online_basemap: bool = False, fit: bool = True,
                   style: MapStyle | None = None) -> folium.Map:
    """A NEW folium map each call (never cache the Map object): identical for identical inputs.

    ``urls``: the static GeoJSON files of ui.data.get_layer_urls() (communes, territoires,
    departements); the script itself carries only styles, so rendering it costs milliseconds.
    Every element carrying text is a ui.map_elements element: no file text is ever a template."""
    style = style or MapStyle(legend_items=default_legend(md))
    (south, west), (north, east) = md.bounds
    m = new_map(location=[round((south + north) / 2, 4), round((west + east) / 2, 4)], zoom_start=7.5,
                zoomSnap=0.25, zoomDelta=0.5)
    WindowSizedMap().add_to(m)
    MetricScale().add_to(m)
    add_online_basemaps(m, enabled=online_basemap)
    if not add_tile_layers(m, style):  # a large scope (France) is drawn from vector tiles: ui/map_tiles.py
        opacity = style.opacity if style.opacity is not None else (0.7 if style.presentation else 0.55)
        CommuneLayer(urls["communes"], dict(style.fills), opacity=opacity, hatched=list(style.hatched),
                     default_fill=style.default_fill).add_to(m)
        OutlineLayer(urls["territoires"], weight=4 if style.presentation else 2.5,
                     ids=None if style.territory_ids is None else list(style.territory_ids),
                     what="contours des CPTS", fixed_color=style.outline_color).add_to(m)
        OutlineLayer(urls["departements"], weight=2 if style.presentation else 1.6,
                     what="contours des départements").add_to(m)
    Legend(style.legend_title, list(style.legend_items), font_px=15 if style.presentation else 12).add_to(m)
    if style.labels:
        RoomLabels(list(style.labels)).add_to(m)  # never overlapping: ui/map_labels.py
    if fit:
        FitOnLoad(md.bounds).add_to(m)
    if online_basemap:
        folium.LayerControl(collapsed=True).add_to(m)
    return make_offline(m)


def territory_map(md: MapData, urls: dict[str, str], territory_id: str, codes: list[str], color: str) -> folium.Map:
    """A NEW small map of one CPTS: its communes filled with ``color``, its outline, the départements.

    Same static files as the home map (the browser has them cached); tooltips name the commune."""
    lats = [md.centroids[c][0] for c in codes if c in md.centroids]
    lons = [md.centroids[c][1] for c in codes if c in md.centroids]
    shape = md.territory_shapes.get(territory_id)
    bounds = _geometry_bounds(shape) if shape else [[min(lats), min(lons)], [max(lats), max(lons)]]
    (south, west), (north, east) = bounds
    m = new_map(location=[round((south + north) / 2, 4), round((west + east) / 2, 4)], zoom_start=9,
                zoomSnap=0.25, zoomDelta=0.5)
    WindowSizedMap().add_to(m)
    MetricScale().add_to(m)
    CommuneLayer(urls["communes"], {c: color for c in codes}, opacity=0.5, codes=list(codes),
                 tooltip="commune").add_to(m)
    OutlineLayer(urls["departements"], weight=1.2, default_color="#555555", what="contours des départements").add_to(m)
    OutlineLayer(urls["territoires"], weight=3, ids=[territory_id], fixed_color="#111111",
                 what="contours des CPTS").add_to(m)
    FitOnLoad(bounds).add_to(m)
    return make_offline(m)


def _geometry_bounds(geometry: dict) -> list[list[float]]:
    """[[south, west], [north, east]] of a GeoJSON geometry (any nesting of coordinates)."""
    xs, ys = [], []

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for x in c:
                walk(x)
    walk(geometry["coordinates"])
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def selection_group(md: MapData, commune_code: str | None, cpts_ids: list[str]) -> folium.FeatureGroup:
    """The highlighted commune and the outline of its CPTS, added without re-rendering the map.

    Geometry only: no property, no text."""
    fg = folium.FeatureGroup(name="Sélection")
    for cid in cpts_ids:
        shape = md.territory_shapes.get(cid)
        if shape:
            SelectionShape(shape, {"fill": False, "color": "#111111", "weight": 4, "dashArray": "8 5"}).add_to(fg)
    if commune_code and commune_code in md.commune_shapes:
        SelectionShape(md.commune_shapes[commune_code],
                       {"fillColor": "#ffff00", "fillOpacity": 0.35, "color": "#000000", "weight": 3.5}).add_to(fg)
    return fg


__all__ = ["MapStyle", "thematic_style", "build_base_map", "territory_map", "selection_group", "default_legend", "Legend",
           "Labels", "MetricScale", "FitOnLoad", "OutlineLayer", "CommuneLayer"]
