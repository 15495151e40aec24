"""A new colouring of the home map without a new map (issue 9, « changing the colouring ~3 s »).

The map's script used to carry the colouring (commune fills, hatches, outline colour, legend): a
new indicator gave a new script, hence a new streamlit-folium component key, and the browser threw
the iframe away, loaded Leaflet again and fetched and drew the GeoJSON layers again (~2 s under
load). Now the base map is built with a *neutral* colouring (:func:`neutral_style`: same layers,
same outlines, same labels) whose script does not change with the indicator, and the colouring
travels as data in the script streamlit-folium evaluates on every change of
``feature_group_to_add`` (the selection's script, ui/map_component.py): :func:`recolour_script`
calls the hooks the layers and the legend install (``cptsRecolourCommunes``, ``cptsOutlines``,
``cptsRecolourLegend`` in ui/map_elements.py and ui/map_legend.py), which restyle the existing
layers and rewrite the legend with ``textContent``.

Same rules as ui/map_elements.py: a constant script, every value a :func:`js_data` literal.
A map drawn from vector tiles (ui/map_tiles.py) has no such hooks: it keeps its colouring in its
script (ui/map_component.py builds it with the full style), and this script does nothing there.
"""
from __future__ import annotations

import dataclasses
import functools
import zlib

from .map import MapStyle
from .map_elements import color, js_data
from .map_legend import legend_rows

_RECOLOUR_JS = """
(function (map, c) {
  if (!map || !map.cptsRecolourCommunes) { return; }
  map.cptsRecolourCommunes(c);
  if (map.cptsOutlines && map.cptsOutlines[c.outlineWhat]) { map.cptsOutlines[c.outlineWhat](c.outline); }
  if (map.cptsRecolourLegend) { map.cptsRecolourLegend(c.title, c.items); }
  document.body.setAttribute("data-colouring", c.key);
})(window.map, %s);
"""


def neutral_style(style: MapStyle) -> MapStyle:
    """``style`` without its colouring: what the base map's script depends on."""
    return dataclasses.replace(style, legend_title="", legend_items=(), fills=(), hatched=(), default_fill=None,
                               outline_color=None, opacity=None)


def colouring_data(style: MapStyle) -> dict:
    """The colouring of ``style`` as the browser's hooks take it (the values ui/map.py's
    build_base_map gives the same layers)."""
    opacity = style.opacity if style.opacity is not None else (0.7 if style.presentation else 0.55)
    return {"fills": {str(k): color(v) for k, v in sorted(style.fills)},
            "hatched": {str(k): True for k in sorted(style.hatched)},
            "defaultFill": None if style.default_fill is None else color(style.default_fill),
            "opacity": float(opacity),
            "outline": None if style.outline_color is None else color(style.outline_color),
            "outlineWhat": "contours des CPTS",
            "title": str(style.legend_title), "items": legend_rows(list(style.legend_items)),
            "key": "%08x" % zlib.crc32(repr((style.legend_title, style.legend_items, style.fills)).encode())}


@functools.lru_cache(maxsize=64)
def recolour_script(style: MapStyle) -> str:
    """The script that gives the drawn base map the colouring of ``style`` (cached per style)."""
    return _RECOLOUR_JS % js_data(colouring_data(style))


__all__ = ["neutral_style", "colouring_data", "recolour_script"]
