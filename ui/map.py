"""The folium map of the home page, rebuilt identically on every rerun from cached GeoJSON.

streamlit-folium keeps the drawn map as long as the generated script does not change, so the base
map depends only on the data and on the basemap switch; the selection is drawn through
``feature_group_to_add`` and never re-creates the map (no jump, no flicker).
"""
from __future__ import annotations

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo.mapdata import MapData
from geo.offline import add_online_basemaps, make_offline, new_map

from .text import h

TOOLTIP_FIELDS = ["nom", "code", "cpts"]
TOOLTIP_ALIASES = ["Commune", "Code INSEE", "CPTS"]


class Legend(MacroElement):
    """A static legend in the map's corner. Items are escaped before they reach the template."""

    _template = Template("""
    {% macro html(this, kwargs) %}
    <div class="cpts-legend" style="position:absolute; z-index:1000; bottom:24px; left:12px; max-width:320px;
         background:rgba(255,255,255,.94); padding:8px 10px; border-radius:6px; font:13px/1.35 sans-serif;
         box-shadow:0 1px 4px rgba(0,0,0,.3); font-size:12px;">
      <div style="font-weight:600; margin-bottom:4px;">CPTS documentées</div>
      {% for item in this.items %}
      <div><span style="display:inline-block;width:14px;height:14px;background:{{ item.color }};
           border:1px solid #444;vertical-align:-2px;margin-right:6px;"></span>{{ item.label }}</div>
      {% endfor %}
      <div><span style="display:inline-block;width:14px;height:14px;background:{{ this.grey }};
           border:1px solid #444;vertical-align:-2px;margin-right:6px;"></span>Aucune CPTS documentée dans les sources</div>
    </div>
    {% endmacro %}
    {% macro script(this, kwargs) %}{% endmacro %}
    """)

    def __init__(self, items: list[dict], grey: str):
        super().__init__()
        self._name = "Legend"
        self.items = [{"color": i["color"], "label": i["nom"] + (" (périmètre approché)" if i["approximatif"] else "")}
                      for i in items]
        self.grey = grey


class MetricScale(MacroElement):
    """Leaflet's scale bar in kilometres only (folium's control_scale adds miles too)."""

    _template = Template("""
    {% macro script(this, kwargs) %}
    L.control.scale({imperial: false, position: "bottomright"}).addTo({{ this._parent.get_name() }});
    {% endmacro %}
    """)


def _commune_style(feature: dict) -> dict:
    p = feature["properties"]
    return {"fillColor": p["fill"], "fillOpacity": 0.55 if p["n"] else 0.45, "color": "#ffffff", "weight": 0.6}


def build_base_map(md: MapData, online_basemap: bool = False) -> folium.Map:
    """A NEW folium map each call (never cache the Map object): identical for identical inputs."""
    from geo.mapdata import NO_CPTS_COLOR

    (south, west), (north, east) = md.bounds
    m = new_map(location=[round((south + north) / 2, 4), round((west + east) / 2, 4)], zoom_start=8,
                zoomSnap=0.25, zoomDelta=0.5)
    MetricScale().add_to(m)
    add_online_basemaps(m, enabled=online_basemap)
    folium.GeoJson(
        md.communes,
        name="Communes",
        style_function=_commune_style,
        highlight_function=lambda _f: {"weight": 2.5, "color": "#222222", "fillOpacity": 0.75},
        tooltip=folium.GeoJsonTooltip(fields=TOOLTIP_FIELDS, aliases=TOOLTIP_ALIASES, sticky=False),
        zoom_on_click=False,
    ).add_to(m)
    folium.GeoJson(
        md.territories,
        name="Territoires des CPTS",
        style_function=lambda f: {"fill": False, "color": f["properties"]["color"], "weight": 2.5, "opacity": 0.95},
        interactive=False,
    ).add_to(m)
    folium.GeoJson(
        md.departements,
        name="Départements",
        style_function=lambda _f: {"fill": False, "color": "#333333", "weight": 1.6, "opacity": 0.9},
        interactive=False,
    ).add_to(m)
    Legend(md.legend, NO_CPTS_COLOR).add_to(m)
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
