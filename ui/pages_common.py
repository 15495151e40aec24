"""Rendering helpers shared by the app's pages (Fiches, Comparer, Couverture, Sources).

- ``french_table``: a pandas Styler that shows numbers and dates in French and every missing value
  as « non renseigné » (never 0), while st.dataframe still sorts on the raw values;
- ``frame``: every st.dataframe of the pages; its text cells and column names are neutralised against
  spreadsheet formulas (ui.text.safe_frame), because Streamlit's toolbar downloads them as CSV;
- ``territory_map``: a NEW small offline folium map of one CPTS territory (never cache it);
- ``attribution_caption``: the referential's attribution line, built from geo/referential/sources.yaml;
- ``partial_registry_caption``: « Registre partiel : 5 CPTS cartographiées sur 37 connues en 2024 »,
  the registry's own figures (geo.views.registry_scope, the line the exports print too).
"""
from __future__ import annotations

from collections.abc import Callable

import folium
import pandas as pd
import streamlit as st

from geo.referential.download import load_sources
from geo.formatting import fr_date, fr_eur, fr_int, fr_pct
from geo.mapdata import MapData
from geo.views.registry_scope import partial_registry_line
from geo.views.sources import attribution
from geo.views.tables import NON_RENSEIGNE
from geo.territories import Territory

from .data import get_layer_urls
from .map import territory_map as _territory_map
from .text import md, safe_frame

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
    value. Pass it to ``frame``; column_config may add labels and help (not number formats).
    Text cells are neutralised first (safe_frame): what the toolbar's CSV download exports is never a formula."""
    styler = safe_frame(df).style.format(na_rep=NON_RENSEIGNE)
    if formats:
        styler = styler.format({k: v for k, v in formats.items() if k in df.columns}, na_rep=NON_RENSEIGNE)
    return styler


def frame(data, column_config: dict | None = None, **kwargs) -> None:
    """st.dataframe with the pages' defaults: no index, full width, « non renseigné » for missing values,
    and no live spreadsheet formula in what « Download as CSV » exports: a DataFrame is neutralised here
    (its column_config keys must then be the neutralised names), a Styler must come from french_table.
    Column labels and help given in column_config are the caller's: keep file text out of help (Markdown)
    or pass it through ui.text.md."""
    if isinstance(data, pd.DataFrame):
        data = safe_frame(data)
    elif not safe_frame(data.data).equals(data.data):
        raise ValueError("frame(): a Styler must be built by french_table (formula neutralisation)")
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


def partial_registry_caption(atlas) -> None:
    """One short line under every map, table and page of registry figures, so a screenshot cannot
    pass for complete; nothing when the registry maps every CPTS its sources count."""
    line = partial_registry_line(atlas)
    if line:
        st.caption(f":orange[:material/info:] **{md(line)}**")


def territory_map(md_: MapData, t: Territory, color: str) -> folium.Map:
    """The communes of one territory filled with its colour, its outline and the département borders.

    Built by ui/map.py from the same static GeoJSON files as the home map: names reach the browser
    as data (written with textContent), never through a template."""
    return _territory_map(md_, get_layer_urls(), t.id, list(t.codes), color)


__all__ = ["french_table", "frame", "text_table", "territory_map", "attribution_caption", "partial_registry_caption", "FMT_INT", "FMT_YEAR", "FMT_DATE", "FMT_EUR",
           "FMT_EUR_CENTS", "FMT_PCT", "FMT_PCT1", "FMT_SIGNED_PCT1", "FMT_BOOL"]
