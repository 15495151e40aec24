"""The folium map of the home page, rebuilt identically on every rerun from cached GeoJSON.

streamlit-folium keeps the drawn map as long as the generated script does not change, so the base
map depends only on the data and on the basemap switch; the selection is drawn through
``feature_group_to_add`` and never re-creates the map (no jump, no flicker).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo.mapdata import MapData
from geo.offline import add_online_basemaps, make_offline, new_map

from .text import h


class Legend(MacroElement):
    """A static legend in the map's corner. Items are escaped before they reach the template."""

    _template = Template("""
    {% macro html(this, kwargs) %}
    <div class="cpts-legend" style="position:absolute; z-index:1000; bottom:24px; left:12px; max-width:320px;
         background:rgba(255,255,255,.94); padding:8px 10px; border-radius:6px; font:13px/1.35 sans-serif;
         box-shadow:0 1px 4px rgba(0,0,0,.3); font-size:{{ this.font_px }}px;">
      <div style="font-weight:600; margin-bottom:4px;">{{ this.title }}</div>
      {% for item in this.items %}
      <div><span style="display:inline-block;width:14px;height:14px;background:{{ item.color }};
           border:1px solid #444;vertical-align:-2px;margin-right:6px;"></span>{{ item.label }}</div>
      {% endfor %}
    </div>
    {% endmacro %}
    {% macro script(this, kwargs) %}{% endmacro %}
    """)

    def __init__(self, title: str, items: list[tuple[str, str]], font_px: int = 12):
        """``items``: (colour "#rrggbb", label) pairs; title and labels are HTML-escaped here."""
        super().__init__()
        self._name = "Legend"
        self.title = h(title)
        self.items = [{"color": _color(c), "label": h(label)} for c, label in items]
        self.font_px = int(font_px)


def _color(c: str) -> str:
    """Only '#rrggbb' colours reach the map's CSS."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", c or ""):
        raise ValueError(f"couleur invalide : {c!r}")
    return c


class Labels(MacroElement):
    """CPTS names written on their territory (presentation mode). Text is escaped before JSON."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    {{ this.labels|tojson }}.forEach(function (l) {
        L.marker([l[0], l[1]], {interactive: false, keyboard: false, icon: L.divIcon({
            className: "cpts-label", iconSize: null,
            html: '<div style="transform:translate(-50%,-50%);white-space:nowrap;font:700 {{ this.font_px }}px sans-serif;' +
                  'color:#111;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 4px #fff;">' + l[2] + '</div>'})
        }).addTo({{ this._parent.get_name() }});
    });
    {% endmacro %}
    """)

    def __init__(self, labels: list[tuple[float, float, str]], font_px: int = 15):
        super().__init__()
        self._name = "Labels"
        self.labels = [[float(lat), float(lon), h(text)] for lat, lon, text in labels]
        self.font_px = int(font_px)


class MetricScale(MacroElement):
    """Leaflet's scale bar in kilometres only (folium's control_scale adds miles too)."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    L.control.scale({imperial: false, position: "bottomright"}).addTo({{ this._parent.get_name() }});
    {% endmacro %}
    """)


class FitOnLoad(MacroElement):
    """Fit Brittany once the iframe has its final size (at script time it is still small)."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    window.setTimeout(function () {
        {{ this._parent.get_name() }}.invalidateSize();
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {padding: [8, 8]});
    }, 60);
    {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "FitOnLoad"
        self.bounds = bounds


class OutlineLayer(MacroElement):
    """Non-interactive outlines (CPTS territories, départements) fetched from a static GeoJSON file.

    Keeps the map script small (a rerun re-renders it): only the URL, the style and the ids to
    show travel with it. Colours come from the file's ``color`` property or ``default_color``."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    var {{ this.get_name() }}_ids = {{ this.ids|tojson }};
    var {{ this.get_name() }} = L.geoJson(null, {
        interactive: false,
        filter: function (f) { return {{ this.get_name() }}_ids === null || {{ this.get_name() }}_ids.indexOf(f.properties.id) >= 0; },
        style: function (f) {
            return {fill: false, color: f.properties.color || {{ this.default_color|tojson }},
                    weight: {{ this.weight }}, opacity: 0.95};
        }
    }).addTo({{ this._parent.get_name() }});
    fetch({{ this.url|tojson }}).then(function (r) { return r.json(); })
        .then(function (data) { {{ this.get_name() }}.addData(data); });
    {% endmacro %}
    """)

    def __init__(self, url: str, weight: float, default_color: str = "#333333", ids: list[str] | None = None):
        super().__init__()
        self._name = "OutlineLayer"
        self.url = url
        self.weight = float(weight)
        self.default_color = _color(default_color)
        self.ids = None if ids is None else sorted(ids)


class CommuneLayer(MacroElement):
    """The communes layer, filled by the browser from a static GeoJSON file.

    The L.geoJson layer exists (empty) when the map script runs, so streamlit-folium binds its click
    handler to it; features added after the fetch propagate their clicks to it. Properties were
    HTML-escaped when the GeoJSON was built (geo/mapdata.py), so the tooltip can use them as HTML."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    var {{ this.get_name() }}_fills = {{ this.fills|tojson }};
    var {{ this.get_name() }} = L.geoJson(null, {
        style: function (f) {
            var fill = {{ this.get_name() }}_fills[f.properties.code] || f.properties.fill;
            return {fillColor: fill, fillOpacity: f.properties.n ? {{ this.opacity }} : 0.45,
                    color: "#ffffff", weight: 0.6};
        },
        onEachFeature: function (f, layer) {
            var p = f.properties;
            layer.bindTooltip("<b>" + p.nom + "</b> (" + p.code + ")<br>CPTS : " + p.cpts, {sticky: true});
            layer.on("mouseover", function (e) { e.target.setStyle({weight: 2.5, color: "#222222", fillOpacity: 0.75}); });
            layer.on("mouseout", function (e) { {{ this.get_name() }}.resetStyle(e.target); });
        }
    }).addTo({{ this._parent.get_name() }});
    fetch({{ this.url|tojson }}).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
    }).then(function (data) {
        {{ this.get_name() }}.addData(data);
        {{ this.get_name() }}.bringToBack();
        document.body.setAttribute("data-communes-loaded", String(data.features.length));
    }).catch(function (err) {
        document.body.setAttribute("data-communes-error", String(err));
    });
    {% endmacro %}
    """)

    def __init__(self, url: str, fills: dict[str, str] | None = None, opacity: float = 0.55):
        """``fills``: INSEE code -> colour overriding the CPTS colour (thematic maps, timeline)."""
        super().__init__()
        self._name = "CommuneLayer"
        self.url = url
        self.fills = {code: _color(c) for code, c in sorted((fills or {}).items())}
        self.opacity = float(opacity)


@dataclass(frozen=True)
class MapStyle:
    """What the base map shows besides the communes: all plain data, so equal styles give equal maps."""
    legend_title: str = "CPTS documentées"
    legend_items: tuple[tuple[str, str], ...] = ()
    fills: tuple[tuple[str, str], ...] = ()          # (INSEE code, colour) overrides
    territory_ids: tuple[str, ...] | None = None     # outlines to draw (None = all)
    labels: tuple[tuple[float, float, str], ...] = ()
    presentation: bool = False


def default_legend(md: MapData) -> tuple[tuple[str, str], ...]:
    from geo.mapdata import NO_CPTS_COLOR
    items = [(i["color"], html.unescape(i["nom"]) + (" (périmètre approché)" if i["approximatif"] else "")) for i in md.legend]
    return tuple(items) + ((NO_CPTS_COLOR, "Aucune CPTS documentée dans les sources"),)


def build_base_map(md: MapData, urls: dict[str, str], online_basemap: bool = False, fit: bool = True,
                   style: MapStyle | None = None) -> folium.Map:
    """A NEW folium map each call (never cache the Map object): identical for identical inputs.

    ``urls``: the static GeoJSON files of ui.data.get_layer_urls() (communes, territoires,
    departements); the script itself carries only styles, so rendering it costs milliseconds."""
    style = style or MapStyle(legend_items=default_legend(md))
    (south, west), (north, east) = md.bounds
    m = new_map(location=[round((south + north) / 2, 4), round((west + east) / 2, 4)], zoom_start=7.5,
                zoomSnap=0.25, zoomDelta=0.5)
    MetricScale().add_to(m)
    add_online_basemaps(m, enabled=online_basemap)
    CommuneLayer(urls["communes"], dict(style.fills), opacity=0.7 if style.presentation else 0.55).add_to(m)
    OutlineLayer(urls["territoires"], weight=4 if style.presentation else 2.5,
                 ids=None if style.territory_ids is None else list(style.territory_ids)).add_to(m)
    OutlineLayer(urls["departements"], weight=2 if style.presentation else 1.6).add_to(m)
    Legend(style.legend_title, list(style.legend_items), font_px=15 if style.presentation else 12).add_to(m)
    if style.labels:
        Labels(list(style.labels)).add_to(m)
    if fit:
        FitOnLoad(md.bounds).add_to(m)
    if online_basemap:
        folium.LayerControl(collapsed=True).add_to(m)
    return make_offline(m)


def selection_group(md: MapData, commune_code: str | None, cpts_ids: list[str]) -> folium.FeatureGroup:
    """The highlighted commune and the outline of its CPTS, added without re-rendering the map."""
    fg = folium.FeatureGroup(name="Sélection")
    for cid in cpts_ids:
        shape = md.territory_shapes.get(cid)
        if shape:
            folium.GeoJson(
                {"type": "Feature", "geometry": shape, "properties": {}},
                style_function=lambda _f: {"fill": False, "color": "#111111", "weight": 4, "dashArray": "8 5"},
                interactive=False,
            ).add_to(fg)
    if commune_code and commune_code in md.commune_shapes:
        folium.GeoJson(
            {"type": "Feature", "geometry": md.commune_shapes[commune_code], "properties": {"code": commune_code}},
            style_function=lambda _f: {"fillColor": "#ffff00", "fillOpacity": 0.35, "color": "#000000", "weight": 3.5},
            interactive=False,
        ).add_to(fg)
    return fg


__all__ = ["build_base_map", "selection_group", "Legend", "h"]
