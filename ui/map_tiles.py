"""The map of a large scope (France, or any scope above CPTS_TILES_MIN_COMMUNES communes) drawn from
vector tiles (issue 10.2): one PMTiles file built by ``python -m geo build-data --region X``
(geo/tiles.py), read by range requests from Streamlit's static serving, drawn on canvas by the
vendored protomaps-leaflet 5.1.0 (static/vendor/protomaps-leaflet/).

Level of detail: at national and regional zoom the CPTS territories (filled with their colour) and
the département outlines; from the tiles' ``communes_minzoom`` (a département in view) each commune,
filled with its CPTS colour (or a thematic colour of ``fills``), with white borders. Only the tiles
in view are fetched.

Interaction, with folium + streamlit-folium kept:

- click: the tile layer re-fires the map's click as its own ``click`` event; streamlit-folium bound
  its handler to every layer of the map, so it returns ``last_object_clicked`` (lat/lng) and the
  server's point locator finds the commune (ui/home.py), whatever the tiles drew;
- hover: the feature under the mouse is read from the tiles already fetched and its names written
  in a Leaflet tooltip with ``textContent``;
- the selection stays the small GeoJSON overlay of ui/map.py (``selection_group``).

Same rules as ui/map_elements.py (DataElement): a constant template, values only through
``js_data``, names written with ``textContent`` inside ``<bdi>``. The page marks
``body[data-tiles-loaded]`` (the map zoom of the last complete draw) and
``body[data-communes-loaded]`` once tiles are drawn, for tests and benchmarks.
"""
from __future__ import annotations

import dataclasses
import os
import time

from folium.elements import JSCSSMixin
from jinja2 import Template

from geo.offline import VENDOR_BASE_URL
from geo.tiles import TilesInfo, read_manifest

from .map_elements import DataElement, color, js_data
from .tiles_refresh import add_notice, tiles_notice  # stale tiles: notice and background rebuild

#: A scope with more communes than this is drawn from its tiles (when built); France always is.
MIN_COMMUNES = int(os.environ.get("CPTS_TILES_MIN_COMMUNES", "5000"))
JS_URL = f"{VENDOR_BASE_URL}/protomaps-leaflet/protomaps-leaflet.js"


def tiles_for(scope) -> TilesInfo | None:
    """The tiles to draw ``scope`` with, or None (then the GeoJSON layers of ui/data.py are drawn).

    Tiles older than the data (their manifest's digest is not the current data's: a publication
    since they were built) are still drawn, never as current: ``notice`` then carries the map's
    French notice and a background rebuild is queued (ui/tiles_refresh.py)."""
    if scope is None:
        return None
    info = read_manifest(scope)
    if info is None or not (scope.is_france or info.n_communes > MIN_COMMUNES):
        return None
    notice = tiles_notice(scope, info)
    return info if notice is None else dataclasses.replace(info, notice=notice)


class TileLayers(JSCSSMixin, DataElement):
    """Communes, CPTS territories and départements from one PMTiles file, with hover and click.

    A JSCSSMixin: st_folium loads the vendored protomaps-leaflet (a local URL) after Leaflet."""

    default_js = [("protomaps_leaflet", JS_URL)]
    default_css: list = []

    _template = Template("""
    {% macro script(this, kwargs) %}
    var {{ this.get_name() }} = (function (map, d) {
        var P = window.protomapsL;
        // fills travel grouped by colour ({colour: "code,code,..."}): 3.4x smaller than one pair per commune
        var fills = {};
        Object.keys(d.fillGroups).forEach(function (c) {
            d.fillGroups[c].split(",").forEach(function (code) { fills[code] = c; });
        });
        d.fills = fills;
        var show = function (z, f) { return d.ids === null || d.ids.indexOf(f.props.id) >= 0; };
        var communeFill = function (z, f) { return d.fills[f.props.code] || d.dflt || f.props.fill; };
        var territoryFill = function (z, f) { return d.tfills[f.props.id] || d.dflt || f.props.color; };
        var cz = d.communesZoom;
        var rules = [
            {dataLayer: "territoires", maxzoom: cz - 1, filter: show,
             symbolizer: new P.PolygonSymbolizer({fill: territoryFill, opacity: d.opacity})},
            {dataLayer: "communes", minzoom: cz,
             symbolizer: new P.PolygonSymbolizer({fill: communeFill, opacity: function (z, f) {
                 return f.props.n || d.fills[f.props.code] || d.dflt ? d.opacity : 0.45; }})},
            {dataLayer: "communes", minzoom: cz,
             symbolizer: new P.LineSymbolizer({color: "#ffffff", width: 0.6})},
            {dataLayer: "territoires", filter: show,
             symbolizer: new P.LineSymbolizer({width: d.weight, opacity: 0.95,
                 color: function (z, f) { return d.outline || f.props.color; }})},
            {dataLayer: "departements",
             symbolizer: new P.LineSymbolizer({color: d.depColor, width: d.depWeight, opacity: 0.95})}
        ];
        var layer = P.leafletLayer({url: d.url, maxDataZoom: d.maxzoom, paintRules: rules, labelRules: [],
                                    attribution: d.attribution, interactive: true});
        layer.addTo(map);
        layer.bringToBack();
        layer.on("load", function () {
            document.body.setAttribute("data-tiles-loaded", String(map.getZoom()));
            document.body.setAttribute("data-communes-loaded", String(d.n));
        });
        // a click anywhere on the tiles: streamlit-folium's layer handler returns its lat/lng
        map.on("click", function (e) { layer.fire("click", {latlng: e.latlng}); });

        var tip = null, pending = null;
        function line(box, text, bold) {
            var row = box.appendChild(document.createElement("div"));
            row.appendChild(document.createElement(bold ? "b" : "bdi")).textContent = text;
        }
        function hover(e) {
            var zoom = map.getZoom(), view = layer.views && layer.views.get("");
            if (!view) { return; }
            var picked = view.queryFeatures(e.latlng.lng, e.latlng.lat, Math.ceil(zoom), 0);
            var want = zoom >= cz ? "communes" : "territoires";
            var hit = picked.filter(function (p) {
                return p.layerName === want && (want === "communes" || show(zoom, p.feature));
            })[0];
            if (!hit) {
                if (tip) { map.closeTooltip(tip); tip = null; }
                document.body.removeAttribute("data-tiles-hover");
                return;
            }
            var p = hit.feature.props, box = document.createElement("div");
            if (want === "communes") {
                line(box, p.nom + " (" + p.code + ")", true);
                line(box, p.cpts, false);
            } else {
                line(box, p.nom, true);
            }
            tip = tip || L.tooltip({sticky: true, direction: "top", offset: [0, -8]});
            tip.setLatLng(e.latlng).setContent(box);
            if (!map.hasLayer(tip)) { map.openTooltip(tip); }
            document.body.setAttribute("data-tiles-hover", want === "communes" ? p.code : p.id);
        }
        map.on("mousemove", function (e) {
            if (pending) { return; }
            pending = window.requestAnimationFrame(function () { pending = null; hover(e); });
        });
        map.on("mouseout", function () { if (tip) { map.closeTooltip(tip); tip = null; } });
        return layer;
    })({{ this._parent.get_name() }}, {{ this.data }});
    {% endmacro %}
    """)

    def __init__(self, tiles: TilesInfo, fills: dict[str, str] | None = None,
                 territory_fills: dict[str, str] | None = None, ids: list[str] | None = None,
                 opacity: float = 0.55, weight: float = 2.5, dep_weight: float = 1.6,
                 outline: str | None = None, default_fill: str | None = None):
        """``fills``: INSEE code -> colour (thematic maps, timeline), ``territory_fills``: CPTS id ->
        colour at national zoom (the same classes); ``ids``: CPTS outlines to draw (None = all)."""
        super().__init__()
        self._name = "TileLayers"
        self.data = js_data({
            "url": tiles.url, "maxzoom": int(tiles.maxzoom), "communesZoom": int(tiles.communes_minzoom) + 1,
            "n": int(tiles.n_communes), "opacity": float(opacity), "weight": float(weight),
            "depWeight": float(dep_weight), "depColor": "#333333",
            "outline": None if outline is None else color(outline),
            "dflt": None if default_fill is None else color(default_fill),
            "fillGroups": fill_groups(fills or {}),
            "tfills": {str(k): color(v) for k, v in sorted((territory_fills or {}).items())},
            "ids": None if ids is None else sorted(str(i) for i in ids),
            "attribution": "IGN, INSEE"})


def fill_groups(fills: dict[str, str]) -> dict[str, str]:
    """``{colour: "code,code,…"}`` from ``{INSEE code: colour}``: a thematic France map colours
    ~35 000 communes with a handful of colours, and its script (sent to the browser again on every
    rerun, a click included) went from 838 kB as one pair per commune to 247 kB (measured)."""
    groups: dict[str, list[str]] = {}
    for code, c in sorted(fills.items()):
        code = str(code)
        if not code or "," in code:
            raise ValueError(f"code INSEE invalide pour la carte : {code!r}")
        groups.setdefault(color(c), []).append(code)
    return {c: ",".join(codes) for c, codes in sorted(groups.items())}


_touched: dict[str, float] = {}


def add_tile_layers(m, style) -> bool:
    """The hook of ui/map.py: draw the current scope from its tiles if it has them (True), else
    leave the map alone (False: the GeoJSON layers are drawn). ``style``: ui.map.MapStyle."""
    from .data import get_atlas
    try:
        from .scope import current_scope  # the session's région (ui/scope.py, issue 10.1)
    except ImportError:
        from geo.scope import get_scope as current_scope

    tiles = tiles_for(current_scope())
    if tiles is None:
        return False
    _keep_fresh(tiles)
    fills = dict(style.fills)
    opacity = getattr(style, "opacity", None)  # thematic maps (ui/map.py MapStyle) set these three
    TileLayers(tiles, fills, territory_fills(fills, get_atlas().territories),
               ids=None if style.territory_ids is None else list(style.territory_ids),
               opacity=opacity if opacity is not None else (0.7 if style.presentation else 0.55),
               weight=4 if style.presentation else 2.5, dep_weight=2 if style.presentation else 1.6,
               outline=getattr(style, "outline_color", None),
               default_fill=getattr(style, "default_fill", None)).add_to(m)
    add_notice(m, tiles)  # « carte en cours de mise à jour » while the tiles are older than the data
    return True


def _keep_fresh(tiles: TilesInfo) -> None:
    """The served file looks used (mtime refreshed hourly), so geo.tiles.prune keeps it."""
    now = time.time()
    if now - _touched.get(tiles.url, 0) > 3600:
        try:
            os.utime(tiles.path)
        except OSError:
            pass
        _touched[tiles.url] = now


def territory_fills(fills: dict[str, str], territories) -> dict[str, str]:
    """At national zoom a thematic map colours each CPTS like most of its communes."""
    out = {}
    if not fills:
        return out
    for t in territories:
        counts: dict[str, int] = {}
        for c in t.codes:
            if c in fills:
                counts[fills[c]] = counts.get(fills[c], 0) + 1
        if counts:
            out[t.id] = max(sorted(counts), key=counts.get)
    return out


__all__ = ["TileLayers", "add_tile_layers", "tiles_for", "territory_fills", "fill_groups", "MIN_COMMUNES"]
