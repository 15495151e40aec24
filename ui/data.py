"""Cached loaders: the data are read once per server process, the folium Map never is cached.

The map's big GeoJSON layers are static files under ``static/generated/`` (content-hashed names),
shared by every server process of the checkout. A file is never removed while a page or a process
may still reference it: a process refreshes the mtime of the files it serves (hourly) and rewrites
one that disappeared; a new version prunes only files unused for KEEP_DAYS days beyond the
KEEP_VERSIONS newest of their layer. The browser retries a layer it could not fetch and says so.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from pathlib import Path

import streamlit as st

from geo.atlas import Atlas
from geo.atomic import write_bytes
from geo.mapdata import MapData, build_map_data
from geo.paths import COMMUNES_PARQUET, REGISTRY_DIR, REPO_ROOT


VERSION_TTL_S = 1.0
_version_memo: dict[str, tuple[float, tuple, str]] = {}
_version_lock = threading.Lock()


def _scan_version() -> str:
    files = [COMMUNES_PARQUET, *sorted(REGISTRY_DIR.rglob("*.yaml"))]
    stamp = repr(tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    return hashlib.sha256(stamp.encode()).hexdigest()[:20]


def _data_version() -> str:
    """Changes when a data file changes, so a published registry shows up without a restart.

    The scan (every registry file stat'ed) runs at most once per VERSION_TTL_S per process: a rerun
    asks several times, and twenty sessions clicking ask many times a second (profiled: 6 scans
    per click). A publish is seen within that second. A short digest keeps cache keys cheap."""
    now = time.monotonic()
    quick = _quick_stamp()
    with _version_lock:
        memo = _version_memo.get("v")
        if memo is not None and memo[1] == quick and now - memo[0] < VERSION_TTL_S:
            return memo[2]
    try:
        version = _scan_version()
    except FileNotFoundError:  # a publish swapped the registry folder under the scan: look again
        version = _scan_version()
    with _version_lock:
        _version_memo["v"] = (now, quick, version)
    return version


def _quick_stamp() -> tuple:
    """One stat of the registry folder and of the referential: a publish swaps the folder (new
    inode), so the app's own publishes are seen at once, without waiting for VERSION_TTL_S."""
    try:
        r, c = REGISTRY_DIR.stat(), (REGISTRY_DIR / "cpts").stat()
        return (r.st_ino, r.st_mtime_ns, c.st_ino, c.st_mtime_ns, COMMUNES_PARQUET.stat().st_mtime_ns)
    except FileNotFoundError:
        return ()


@st.cache_resource(show_spinner="Chargement des données…", max_entries=2)
def _atlas(version: str) -> Atlas:
    return Atlas.load()


@st.cache_resource(show_spinner="Préparation de la carte…", max_entries=2)
def _map_data(version: str) -> MapData:
    atlas = _atlas(version)
    return build_map_data(atlas.communes, atlas.territories)


STATIC_DIR = REPO_ROOT / "static"
GENERATED = STATIC_DIR / "generated"
STATIC_URL = "/app/static"
LAYERS = ("communes", "territoires", "departements")
# Old layer files are kept: a page or another server process may still reference them (two servers
# on one checkout, a restored backup, a tab left open). Only files that no process has used for
# KEEP_DAYS days AND that are not among the KEEP_VERSIONS newest of their layer are removed.
KEEP_DAYS = 7
KEEP_VERSIONS = 5
_TOUCH_EVERY_S = 3600


def write_layer(directory: Path, name: str, body: bytes) -> Path:
    """Write ``body`` once as ``<name>-<sha256[:16]>.json`` (atomic, world-readable); return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}-{hashlib.sha256(body).hexdigest()[:16]}.json"
    if not target.exists():
        write_bytes(target, body, 0o644)
    return target


def prune_layers(directory: Path, keep: set[Path], now: float | None = None,
                 keep_days: float = KEEP_DAYS, keep_versions: int = KEEP_VERSIONS) -> list[Path]:
    """Remove layer files unused for ``keep_days`` days (mtime: processes touch the files they serve)
    beyond the ``keep_versions`` newest of each layer, never one of ``keep``; and stale temp files.
    Returns what was removed."""
    now = time.time() if now is None else now
    cutoff = now - keep_days * 86400
    removed = []
    for name in LAYERS:
        files = sorted(directory.glob(f"{name}-*.json"), key=_mtime, reverse=True)
        for old in files[keep_versions:]:
            if old not in keep and _mtime(old) < cutoff:
                old.unlink(missing_ok=True)
                removed.append(old)
    for tmp in directory.glob(".*.tmp"):
        if _mtime(tmp) < now - 3600:
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except FileNotFoundError:
        return float("inf")  # vanished meanwhile: nothing to do


def _layer_bodies(md: MapData) -> dict[str, bytes]:
    return {name: json.dumps(fc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            for name, fc in zip(LAYERS, (md.communes, md.territories, md.departements))}


@st.cache_resource(show_spinner=False, max_entries=2)
def _published_layers(version: str) -> dict[str, str]:
    """Write the big GeoJSON layers once as static files (content-hashed names) and return their URLs.

    The browser downloads them once (Streamlit's static file serving) instead of receiving them
    embedded in the map script on every rerun: a click then costs a small script, not 1 MB."""
    paths = {name: write_layer(GENERATED, name, body) for name, body in _layer_bodies(_map_data(version)).items()}
    prune_layers(GENERATED, keep=set(paths.values()))
    return {name: f"{STATIC_URL}/generated/{p.name}" for name, p in paths.items()}


_last_touch: dict[str, float] = {}


def _ensure_served(version: str, urls: dict[str, str]) -> None:
    """The files this process serves exist (rewritten if someone removed them) and look used
    (mtime refreshed hourly, so another process's pruning keeps them)."""
    now = time.time()
    for name, url in urls.items():
        path = GENERATED / url.rsplit("/", 1)[1]
        if not path.exists():
            write_layer(GENERATED, name, _layer_bodies(_map_data(version))[name])
            _last_touch[url] = now
        elif now - _last_touch.get(url, 0) > _TOUCH_EVERY_S:
            with contextlib.suppress(OSError):
                os.utime(path)
            _last_touch[url] = now


def get_layer_urls() -> dict[str, str]:
    version = _data_version()
    urls = _published_layers(version)
    _ensure_served(version, urls)
    return urls


def get_atlas() -> Atlas:
    return _atlas(_data_version())


def get_map_data() -> MapData:
    return _map_data(_data_version())
