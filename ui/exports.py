"""Download buttons for the meeting kit: map PNG, CPTS fiche PDF, tables (offline, cached).

The files are generated only when a button is clicked (deferred ``data`` callables), and cached
per data version so a second click is instant."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from geo.exports.pdf import render_fiche_pdf
from geo.exports.png import render_map_png
from geo.exports.tables import export_bytes

from .data import _atlas, _data_version, _map_data
from .scope import file_slug


@st.cache_data(show_spinner=False, max_entries=32)
def _png(version: tuple, indicator: str, cpts_id: str | None, day: str) -> bytes:
    return render_map_png(_atlas(version), indicator=indicator, cpts_id=cpts_id, map_data=_map_data(version),
                          today=dt.date.fromisoformat(day))


@st.cache_data(show_spinner=False, max_entries=32)
def _pdf(version: tuple, cpts_id: str, day: str) -> bytes:
    return render_fiche_pdf(_atlas(version), cpts_id, map_data=_map_data(version), today=dt.date.fromisoformat(day))


@st.cache_data(show_spinner=False, max_entries=8)
def _table(version: tuple, fmt: str, table: str, day: str) -> bytes:
    return export_bytes(_atlas(version), fmt, table=table, today=dt.date.fromisoformat(day))


def map_png_button(indicator: str, cpts_id: str | None, key: str) -> None:
    v, day = _data_version(), dt.date.today().isoformat()
    st.download_button("Carte (PNG)", data=lambda: _png(v, indicator, cpts_id, day),
                       file_name=f"carte-cpts-{cpts_id or file_slug()}-{indicator}-{day}.png", mime="image/png",
                       key=key, use_container_width=True, on_click="ignore")


def fiche_pdf_button(cpts_id: str, key: str) -> None:
    v, day = _data_version(), dt.date.today().isoformat()
    st.download_button("Fiche (PDF, une page)", data=lambda: _pdf(v, cpts_id, day),
                       file_name=f"fiche-{cpts_id}-{day}.pdf", mime="application/pdf", key=key,
                       use_container_width=True, on_click="ignore")


def tables_xlsx_button(key: str) -> None:
    v, day = _data_version(), dt.date.today().isoformat()
    st.download_button("Tableaux (XLSX)", data=lambda: _table(v, "xlsx", "comparaison", day),
                       file_name=f"cpts-{file_slug()}-{day}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=key,
                       use_container_width=True, on_click="ignore")
