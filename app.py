"""Carte des CPTS -- temporary home page (to be replaced by the real map).

Shows the commune outlines of Brittany from ``data/communes.parquet`` on a
folium map that loads only local assets (see ``geo/offline.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

from geo.offline import add_online_basemaps, make_offline, new_map

ROOT = Path(__file__).resolve().parent
COMMUNES = ROOT / "data" / "communes.parquet"
PROPERTIES = ["code", "nom", "departement", "population"]
ALIASES = {"code": "Code INSEE", "nom": "Commune", "departement": "Département", "population": "Population"}
REGION_BRETAGNE = "53"
# Brittany (4 departments), used when the data is missing.
BRETAGNE_BOUNDS = [[47.27, -5.15], [48.90, -1.00]]

st.set_page_config(layout="wide", page_title="Carte des CPTS", page_icon="🗺️")


@st.cache_data(show_spinner="Préparation des contours des communes…")
def communes_geojson(path: str, mtime: float) -> tuple[str, list[list[float]]]:
    """(GeoJSON text, [[south, west], [north, east]]) of the simplified
    outlines of Brittany's communes; *mtime* only keys the cache."""
    import geopandas as gpd
    import numpy as np
    import shapely

    gdf = gpd.read_parquet(path)
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    if "region" in gdf.columns and (gdf["region"] == REGION_BRETAGNE).any():
        gdf = gdf[gdf["region"] == REGION_BRETAGNE]  # the file also holds neighbours
    geoms = gdf.geometry
    if hasattr(geoms, "simplify_coverage"):  # keeps shared borders shared
        geoms = geoms.simplify_coverage(tolerance=0.002)
    else:
        geoms = geoms.simplify(0.002, preserve_topology=True)
    # 4 decimals (~10 m) is plenty after a ~200 m simplification
    geoms = shapely.transform(geoms.values, lambda xy: np.round(xy, 4))
    cols = [c for c in PROPERTIES if c in gdf.columns]
    out = gpd.GeoDataFrame(gdf[cols].reset_index(drop=True), geometry=geoms, crs=4326)
    if "population" in out:
        out["population"] = out["population"].astype("Int64")
    west, south, east, north = (float(v) for v in out.total_bounds)
    return out.to_json(drop_id=True, separators=(",", ":")), [[south, west], [north, east]]


def build_map(communes: tuple[str, list] | None, online_basemap: bool) -> folium.Map:
    """A new map on every run (folium maps are never cached)."""
    m = new_map(location=[48.2, -2.9], zoom_start=8, control_scale=True)
    add_online_basemaps(m, enabled=online_basemap)
    if communes is not None:
        geojson, bounds = communes
        data = json.loads(geojson)
        props = data["features"][0]["properties"] if data["features"] else {}
        fields = [c for c in PROPERTIES if c in props]
        folium.GeoJson(
            data,
            name="Communes",
            style_function=lambda _f: {"color": "#1f4e79", "weight": 0.6, "fillColor": "#9ecae1", "fillOpacity": 0.25},
            highlight_function=lambda _f: {"weight": 2, "fillOpacity": 0.5},
            tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[ALIASES[f] for f in fields]) if fields else None,
        ).add_to(m)
    else:
        bounds = BRETAGNE_BOUNDS
        folium.Rectangle(
            BRETAGNE_BOUNDS, color="#1f4e79", weight=1, dash_array="6",
            fill=True, fill_opacity=0.05, tooltip="Bretagne",
        ).add_to(m)
    m.fit_bounds(bounds)
    if online_basemap:
        folium.LayerControl().add_to(m)
    return make_offline(m)


st.title("Carte des CPTS de Bretagne")

online = st.toggle(
    "Afficher un fond de carte en ligne (IGN / OpenStreetMap)",
    value=False,
    help="Désactivé par défaut : l'application fonctionne sans connexion Internet.",
)

communes = None
if COMMUNES.exists():
    communes = communes_geojson(str(COMMUNES), COMMUNES.stat().st_mtime)
else:
    st.info(
        "Les contours des communes ne sont pas encore disponibles : le fichier "
        "`data/communes.parquet` n'a pas été trouvé. La carte n'affiche que l'emprise "
        "de la Bretagne en attendant."
    )

out = st_folium(
    build_map(communes, online),
    use_container_width=True,
    height=650,
    returned_objects=["last_active_drawing"],
)

selected = ((out or {}).get("last_active_drawing") or {}).get("properties") or {}
if selected.get("nom"):
    st.markdown(f"**Commune sélectionnée :** {selected['nom']} ({selected.get('code', '?')})")
if communes is not None:
    st.caption(
        "Contours : IGN — ADMIN EXPRESS ; communes : INSEE — COG 2026 ; "
        "populations : INSEE — populations légales 2023. Licence Ouverte 2.0."
    )
