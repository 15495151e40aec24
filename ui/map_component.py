"""The home map in Streamlit at the cost of a few milliseconds per rerun (issue 11: every click
reran the whole page and re-rendered the folium figure).

``st_folium`` renders the whole folium figure on every call (every Jinja template compiled and
rendered again, ~25 ms a rerun profiled on a quiet machine, far more with twenty sessions) although
the base map only depends on the data version and on the view (colouring, timeline day,
presentation, basemap). So this module splits ``st_folium`` (streamlit-folium 0.27.4, pinned) in
two halves:

* :func:`base_map_pieces` — the strings ``st_folium`` computes from the figure (script, header,
  html, asset links, bounds), cached per data version and view with st.cache_resource. A NEW
  folium Map is built on a cache miss and thrown away: the Map object itself is never cached;
* :func:`show_map` — the component call itself; the selection (``feature_group_to_add``) is
  rendered through streamlit-folium's own helpers (:func:`selection_script`), cached per data
  version, commune and CPTS (:func:`home_selection`).

The component key (``generate_js_hash``), the ``on_change`` behaviour and the returned value are
``st_folium``'s, so the browser side is unchanged: the map stays in place when only the
selection, the centre or the zoom change.
"""
from __future__ import annotations

import dataclasses
import functools
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import branca.colormap
import folium
import folium.elements
import streamlit as st
import streamlit_folium as sf

from .data import STATIC_URL, _data_version, get_layer_urls, get_map_data
from .map import MapStyle, build_base_map, selection_group
from .map_elements import DataElement
from .map_recolour import neutral_style, recolour_script
from .tiles_refresh import tiles_state


@dataclass(frozen=True)
class MapPieces:
    """What st_folium sends to its iframe for a map, besides the selection."""
    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: tuple
    zoom: float | None
    recolour: str = ""   # the colouring, applied in place (ui/map_recolour.py), sent with the selection


def pieces_of(m: folium.Map) -> MapPieces:
    """st_folium's rendering of a map (same helpers, same order), as plain strings."""
    m.get_root().render()
    m.render()
    html, header = sf._get_html(m), sf._get_header(m)
    script = sf._get_map_string(m)  # renames the elements: after html/header, as st_folium does
    css, js = [], []
    for el in _walk(m):
        if isinstance(el, branca.colormap.ColorMap):  # geo.offline.make_offline refuses them already
            raise ValueError("ColorMap: st_folium would load d3 from a CDN")
        if isinstance(el, folium.elements.JSCSSMixin):
            css += [href for _, href in getattr(el, "default_css", [])]
            js += [src for _, src in getattr(el, "default_js", [])]
    js = _scripts_to_load(js, script, [el.layer_url for el in _walk(m) if getattr(el, "layer_url", None)])
    try:
        bounds = m.get_bounds()
    except AttributeError:
        bounds = [[None, None], [None, None]]
    return MapPieces(script=script, header=header, html=html, map_id=sf.get_full_id(m),
                     css_links=tuple(dict.fromkeys(css)), js_links=tuple(dict.fromkeys(js)),
                     bounds=tuple(tuple(c) for c in bounds), zoom=m.options.get("zoom"))


# Scripts streamlit-folium loads one after another before it runs the map's script (issue 10's
# navigation profile): static/cpts/prefetch.js first, which starts downloading the layer files at
# once (they used to be fetched only after Leaflet and the map's script), then Leaflet. jQuery,
# which folium lists for every map, only serves folium's ``objects_to_stay_in_front``: it is
# loaded only when the script uses it or when a plugin's script might.
PREFETCH_JS = f"{STATIC_URL}/cpts/prefetch.js"
_LEAFLET, _JQUERY = "/leaflet/leaflet.js", "/jquery/jquery.min.js"


def _scripts_to_load(js: list[str], script: str, layer_urls: list[str]) -> list[str]:
    only_leaflet = all(u.endswith((_LEAFLET, _JQUERY)) for u in js)
    if only_leaflet and "$(" not in script and "jQuery" not in script:
        js = [u for u in js if not u.endswith(_JQUERY)]
    if layer_urls:
        js = [PREFETCH_JS + "?" + urllib.parse.urlencode([("u", u) for u in dict.fromkeys(layer_urls)]), *js]
    return js


def _walk(el):
    yield el
    for child in getattr(el, "_children", {}).values():
        yield from _walk(child)


# Plain LRU caches of strings (never a folium object), keyed by hashable inputs: st.cache_resource
# would hash the whole MapStyle (1 300 commune colours for an indicator view) on every rerun.
@functools.lru_cache(maxsize=64)
def _cached_pieces(version: str, urls: tuple, online: bool, fit: bool, style: MapStyle) -> MapPieces:
    return pieces_of(build_base_map(get_map_data(), dict(urls), online_basemap=online, fit=fit, style=style))


def base_map_pieces(style: MapStyle, online: bool = False, fit: bool = True) -> MapPieces:
    """The home map's pieces for the current data version and this view (cached)."""
    urls = get_layer_urls()
    # + the tiles file and stale notice (ui/tiles_refresh.py): a finished rebuild changes them, not the data
    key = (_data_version() + tiles_state(), tuple(sorted(urls.items())), bool(online), bool(fit))
    # the base map without its colouring, which the browser applies in place: a new colouring keeps
    # the same script, hence the same iframe (ui/map_recolour.py)
    pieces = _cached_pieces(*key, neutral_style(style))
    if "cptsRecolourCommunes" not in pieces.script:  # vector tiles (France): the colouring stays in the script
        return _cached_pieces(*key, style)
    return dataclasses.replace(pieces, recolour=recolour_script(style))


# st_folium's ``feature_group_to_add`` script (streamlit_folium._get_feature_group_string, 0.27.4):
# the group under its fixed name, its children's scripts, then the lines that add it to the map and
# list it in ``window.feature_group`` (removed by the frontend before the next selection is drawn).
_FEATURE_GROUP_JS = """
var {name} = L.featureGroup({{}});
{children}
{name}.addTo(map_div);
map_div.addLayer({name});
window.feature_group = window.feature_group || [];
window.feature_group.push({name});
"""


def selection_script(groups: Iterable[folium.FeatureGroup]) -> str:
    """The selection's script, the one st_folium builds for ``feature_group_to_add``.

    Written from the children's own (constant, ui/map_elements.py) templates rather than through
    st_folium's helper, which renders each group on a throwaway folium figure: three Jinja
    templates compiled per call, ≈5 ms of CPU per click, which is why every commune's selection
    used to be prepared in the background while the first visitors arrived (issue 10: the first
    visit paid for it). Children must be DataElements (geometry and style only)."""
    out = []
    for i, fg in enumerate(groups):
        fg._id = f"feature_group_{i}"
        children = []
        for child in fg._children.values():
            if not isinstance(child, DataElement):
                raise TypeError(f"élément de sélection non prévu : {type(child).__name__}")
            children.append(child._template.module.script(child, {}))
        out.append(_FEATURE_GROUP_JS.format(name=fg.get_name(), children="".join(children)))
    return "".join(out)


# streamlit-folium sends a click to Python only after a 250 ms debounce (underscore's debounce of
# ``updateComponentValue`` in its frontend, 0.27.4, no option to change it): a quarter of a second
# of every click → panel. Its frontend evaluates the selection script (``feature_group``) with a
# direct ``eval`` inside its own module, where ``updateComponentValue`` is in scope: this constant
# script (no data) installs, once per map, a DOM click listener on the map's container that runs
# after Leaflet's own (registered earlier on the same element, which has already recorded the
# clicked commune) and sends the value at once. The debounced call that follows finds nothing new
# (``previous_data``) and sends nothing. Pans and zooms are not returned (returned_objects), so a
# click that ends a drag sends nothing either. Without that function in scope, nothing changes.
CLICK_NOW_JS = """
if (window.map && !window.__cptsClickNow && typeof updateComponentValue === "function") {
  window.__cptsClickNow = true;
  window.map.getContainer().addEventListener("click", function () {
    setTimeout(function () { updateComponentValue(window.map); }, 0);
  });
}
"""


@functools.lru_cache(maxsize=4096)  # every commune of a région (ui/warmup.py prepares them)
def _cached_selection(version: str, commune: str | None, cpts_ids: tuple[str, ...]) -> str:
    return selection_script([selection_group(get_map_data(), commune, list(cpts_ids))]) + CLICK_NOW_JS


def home_selection(commune: str | None, cpts_ids: list[str]) -> str:
    """The script of the selection (commune highlighted, its CPTS outlined), cached per data version."""
    return _cached_selection(_data_version(), commune, tuple(cpts_ids))


_DEFAULTS = ("last_clicked", "last_object_clicked", "last_object_clicked_count", "last_object_clicked_tooltip",
             "last_object_clicked_popup", "all_drawings", "last_active_drawing", "bounds", "zoom",
             "last_circle_radius", "last_circle_polygon", "selected_layers", "selected_tags", "last_geocoder_result")


# The map's size follows the window (issue 9.2): st_folium only takes a fixed pixel height, so the
# page's CSS sizes the iframe — the column's width, a landscape-ish shape like Brittany's, and never
# below the fold (the window's height minus what stands above the map: the title). Inside the
# iframe the map fills it (ui.map_view.WindowSizedMap) and refits Brittany when it resizes.
# Our constant CSS only, scoped to the map's container; no text from files.
_FRAME_CSS = """<style>
.st-key-{box} iframe {{width: 100% !important; height: auto !important; aspect-ratio: {ratio};
    max-height: calc(100dvh - {offset}px); min-height: {min_h}px}}
</style>"""


def show_map(pieces: MapPieces, selection: str | None, *, key: str, height: int,
             returned_objects: Iterable[str], center=None, zoom=None, on_change: Callable | None = None,
             window_offset_px: int = 150, aspect_ratio: float = 4 / 3, min_height_px: int = 340):
    """``st_folium(map, key=key, height=height, use_container_width=True, ...)`` from cached pieces.

    ``selection``: a :func:`selection_script` (st_folium's ``feature_group_to_add``) or None.
    The map is as wide as its column, ``aspect_ratio`` (width / height) high, and at most the
    window's height minus ``window_offset_px`` (what stands above it) so that its bottom is on
    screen; ``height`` is only the component's initial height.
    Returns what st_folium returns (the component's value: last click, bounds…)."""
    (south, west), (north, east) = pieces.bounds
    defaults = dict.fromkeys(_DEFAULTS)
    defaults["bounds"] = {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}
    defaults["zoom"] = pieces.zoom
    returned = list(returned_objects)
    defaults = {k: v for k, v in defaults.items() if k in returned}
    hash_key = sf.generate_js_hash(pieces.script, key, False)

    def _on_change():  # st_folium's: the widget's value under the caller's key, then the callback
        st.session_state[key] = st.session_state.get(hash_key, {})
        if on_change is not None:
            on_change()

    box = f"{key}-cadre"
    if not re.fullmatch(r"[a-z0-9-]+", box):
        raise ValueError(f"clé de carte invalide : {key!r}")
    with st.container(key=box):
        st.html(_FRAME_CSS.format(box=box, ratio=f"{float(aspect_ratio):.4f}", offset=int(window_offset_px),
                                  min_h=int(min_height_px)))
        return _component(pieces, selection, hash_key, height, returned, defaults, zoom, center, _on_change)


def _component(pieces, selection, hash_key, height, returned, defaults, zoom, center, on_change):
    return sf._component_func(
        script=pieces.script, header=pieces.header, html=pieces.html, id=pieces.map_id, key=hash_key,
        height=height, width=None, returned_objects=returned, default=defaults, zoom=zoom, center=center,
        feature_group=((selection or "") + pieces.recolour) or None, return_on_hover=False,
        layer_control=None, pixelated=False, css_links=list(pieces.css_links), js_links=list(pieces.js_links),
        on_change=on_change, wrap_longitude=False,
    )


__all__ = ["MapPieces", "pieces_of", "base_map_pieces", "selection_script", "home_selection", "show_map"]
