"""Cached loaders: the data are read once per server process, the folium Map never is cached."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile

import streamlit as st

from geo.atlas import Atlas
from geo.mapdata import MapData, build_map_data
from geo.paths import COMMUNES_PARQUET, REGISTRY_DIR, REPO_ROOT


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


STATIC_DIR = REPO_ROOT / "static"
GENERATED = STATIC_DIR / "generated"
STATIC_URL = "/app/static"


@st.cache_resource(show_spinner=False, max_entries=2)
def _published_layers(version: tuple) -> dict[str, str]:
    """Write the big GeoJSON layers once as static files (content-hashed names) and return their URLs.

    The browser downloads them once (Streamlit's static file serving) instead of receiving them
    embedded in the map script on every rerun: a click then costs a small script, not 1 MB."""
    md = _map_data(version)
    urls = {}
    GENERATED.mkdir(parents=True, exist_ok=True)
    for name, fc in (("communes", md.communes), ("territoires", md.territories), ("departements", md.departements)):
        body = json.dumps(fc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        digest = hashlib.sha256(body).hexdigest()[:16]
        target = GENERATED / f"{name}-{digest}.json"
        if not target.exists():
            fd, tmp = tempfile.mkstemp(dir=GENERATED, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(body)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        for old in GENERATED.glob(f"{name}-*.json"):
            if old != target:
                old.unlink(missing_ok=True)
        urls[name] = f"{STATIC_URL}/generated/{target.name}"
    return urls


def get_layer_urls() -> dict[str, str]:
    return _published_layers(_data_version())


def get_atlas() -> Atlas:
    return _atlas(_data_version())


def get_map_data() -> MapData:
    return _map_data(_data_version())
