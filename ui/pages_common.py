"""Rendering helpers shared by the app's pages (Fiches, Comparer, Couverture, Sources).

- ``french_table``: a pandas Styler that shows numbers and dates in French and every missing value
  as « non renseigné » (never 0), while st.dataframe still sorts on the raw values;
- ``territory_map``: a NEW small offline folium map of one CPTS territory (never cache it);
- ``attribution_caption``: the referential's attribution line, built from geo/sources.yaml.
"""
from __future__ import annotations

from collections.abc import Callable

import folium
import pandas as pd
import streamlit as st

from geo.download import load_sources
from geo.formatting import fr_date, fr_eur, fr_int, fr_pct
from geo.mapdata import MapData
from geo.offline import make_offline, new_map
from geo.tables import NON_RENSEIGNE, attribution
from geo.territories import Territory

from .map import MetricScale
from .text import md

# --- French cell formatters (values are never NA here: the Styler's na_rep handles those) ------
FMT_INT: Callable = lambda v: fr_int(v)
FMT_YEAR: Callable = lambda v: str(int(v))
FMT_DATE: Callable = lambda v: fr_date(str(v))
FMT_EUR: Callable = lambda v: fr_eur(v)
FMT_EUR_CENTS: Callable = lambda v: fr_eur(v, 2)
FMT_PCT1: Callable = lambda v: fr_pct(float(v), 1)
FMT_PCT: Callable = lambda v: fr_pct(float(v))   # as many decimals as the source gives
FMT_SIGNED_PCT1: Callable = lambda v: ("+" if v > 0 else "−" if v < 0 else "") + fr_pct(abs(float(v)), 1)
FMT_BOOL: Callable = lambda v: "oui" if v else "non"


def french_table(df: pd.DataFrame, formats: dict[str, Callable] | None = None):
    """A Styler over ``df``: French formats for the given columns, « non renseigné » for every missing
    value. Pass it to st.dataframe; column_config may add labels and help (not number formats)."""
    styler = df.style.format(na_rep=NON_RENSEIGNE)
    if formats:
        styler = styler.format({k: v for k, v in formats.items() if k in df.columns}, na_rep=NON_RENSEIGNE)
    return styler


def frame(data, column_config: dict | None = None, **kwargs) -> None:
    """st.dataframe with the pages' defaults: no index, full width, « non renseigné » for missing values."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(data, column_config=column_config, placeholder=NON_RENSEIGNE, **kwargs)


def text_table(df: pd.DataFrame, labels: dict[str, str], height: int | str = "content") -> None:
    """A static table whose long texts wrap (st.table). st.table renders Markdown in cells, so every
    cell is escaped (ui.text.md) and a missing value reads « non renseigné ». ``labels`` picks and
    names the columns, in order."""
    out = pd.DataFrame({
        label: [NON_RENSEIGNE if (v is None or (not isinstance(v, (list, tuple)) and pd.isna(v))) else md(v)
                for v in df[col]]
        for col, label in labels.items()
    })
    st.table(out, hide_index=True, border="horizontal", height=height)


@st.cache_data(show_spinner=False)
def _attribution() -> str:
    return attribution(load_sources())


def attribution_caption() -> None:
    st.caption(md(_attribution()) + " Détail sur la page Sources.")


def territory_map(md_: MapData, t: Territory, color: str) -> folium.Map:
    """The communes of one territory filled with its colour, its outline and the département borders.

    Built from the cached, simplified GeoJSON of ``ui.data.get_map_data()``; names in it are already
    HTML-escaped (geo/mapdata.py), so the tooltip shows them as typed."""
    props = {f["properties"]["code"]: f["properties"] for f in md_.communes["features"]}
    features = [{"type": "Feature", "geometry": md_.commune_shapes[c],
                 "properties": {"nom": props[c]["nom"], "code": c}}
                for c in t.codes if c in md_.commune_shapes]
    minx, miny, maxx, maxy = t.geometry.bounds
    m = new_map(location=[round((miny + maxy) / 2, 4), round((minx + maxx) / 2, 4)], zoom_start=9,
                zoomSnap=0.25, zoomDelta=0.5)
    MetricScale().add_to(m)
    folium.GeoJson(
        md_.departements, name="Départements",
        style_function=lambda _f: {"fill": False, "color": "#555555", "weight": 1.2, "opacity": 0.8},
        interactive=False,
    ).add_to(m)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features}, name="Communes",
        style_function=lambda _f: {"fillColor": color, "fillOpacity": 0.5, "color": "#ffffff", "weight": 0.8},
        highlight_function=lambda _f: {"weight": 2.5, "color": "#222222", "fillOpacity": 0.7},
        tooltip=folium.GeoJsonTooltip(fields=["nom", "code"], aliases=["Commune", "Code INSEE"], sticky=False),
    ).add_to(m)
    if t.id in md_.territory_shapes:
        folium.GeoJson(
            {"type": "Feature", "geometry": md_.territory_shapes[t.id], "properties": {}}, name="Contour",
            style_function=lambda _f: {"fill": False, "color": "#111111", "weight": 3},
            interactive=False,
        ).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(10, 10))
    return make_offline(m)


__all__ = ["french_table", "frame", "text_table", "territory_map", "attribution_caption", "FMT_INT", "FMT_YEAR", "FMT_DATE", "FMT_EUR",
           "FMT_EUR_CENTS", "FMT_PCT", "FMT_PCT1", "FMT_SIGNED_PCT1", "FMT_BOOL"]
