"""Cached loaders: the data are read once per server process, the folium Map never is cached."""
from __future__ import annotations

import streamlit as st

from geo.atlas import Atlas
from geo.mapdata import MapData, build_map_data
from geo.paths import COMMUNES_PARQUET, REGISTRY_DIR


def _data_version() -> tuple:
    """Changes when a data file changes, so a published registry shows up without a restart."""
    files = [COMMUNES_PARQUET, *sorted(REGISTRY_DIR.rglob("*.yaml"))]
    return tuple((str(p), p.stat().st_mtime_ns) for p in files)


@st.cache_resource(show_spinner="Chargement des données…", max_entries=2)
def _atlas(version: tuple) -> Atlas:
    return Atlas.load()


@st.cache_resource(show_spinner="Préparation de la carte…", max_entries=2)
def _map_data(version: tuple) -> MapData:
    atlas = _atlas(version)
    return build_map_data(atlas.communes, atlas.territories)


def get_atlas() -> Atlas:
    return _atlas(_data_version())


def get_map_data() -> MapData:
    return _map_data(_data_version())
