"""Cached loaders: the data are read once per server process, the folium Map never is cached.

Per scope (geo/scope.py: a région or France, chosen with ui/scope.py): ``get_atlas(scope=None)``,
``get_map_data(scope=None)`` and ``get_layer_urls(scope=None)`` default to the current scope. The
data version starts with the scope's code (``"53@…"``), so every cache keyed by it (here and in
ui/map_component.py) keeps one entry per scope.

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
from geo.formatting import plural
from geo.mapdata import MapData, build_map_data
from geo.paths import REGISTRY_DIR, REPO_ROOT
from geo.scope import Scope, drawn_region, get_scope
from geo.tiles_mapdata import tile_map_data

from .map_tiles import tiles_for
from .scope import current_scope


VERSION_TTL_S = 1.0
_version_memo: dict[str, tuple[float, tuple, str]] = {}
_version_lock = threading.Lock()


def _scan_version(communes: Path) -> str:
    files = [communes, *sorted(REGISTRY_DIR.rglob("*.yaml"))]
    stamp = repr(tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    return hashlib.sha256(stamp.encode()).hexdigest()[:20]


def _scope_of(version: str) -> Scope:
    """The scope a data version was computed for (``"93@…"`` -> Provence-Alpes-Côte d'Azur)."""
    return get_scope(version.split("@", 1)[0], built=True)


def _data_version(scope: Scope | None = None) -> str:
    """Changes when a data file changes, so a published registry shows up without a restart.

    The scan (every registry file stat'ed) runs at most once per VERSION_TTL_S per process: a rerun
    asks several times, and twenty sessions clicking ask many times a second (profiled: 6 scans
    per click). A publish is seen within that second. A short digest keeps cache keys cheap."""
    scope = scope or current_scope()
    communes = scope.communes_path
    now = time.monotonic()
    quick = _quick_stamp(communes)
    with _version_lock:
        memo = _version_memo.get(scope.code)
        if memo is not None and memo[1] == quick and now - memo[0] < VERSION_TTL_S:
            return memo[2]
    try:
        version = f"{scope.code}@{_scan_version(communes)}"
    except FileNotFoundError:  # a publish swapped the registry folder under the scan: look again
        version = f"{scope.code}@{_scan_version(communes)}"
    with _version_lock:
        _version_memo[scope.code] = (now, quick, version)
    return version


def _quick_stamp(communes: Path) -> tuple:
    """One stat of the registry folder and of the referential: a publish swaps the folder (new
    inode), so the app's own publishes are seen at once, without waiting for VERSION_TTL_S."""
    try:
        r, c = REGISTRY_DIR.stat(), (REGISTRY_DIR / "cpts").stat()
        return (r.st_ino, r.st_mtime_ns, c.st_ino, c.st_mtime_ns, communes.stat().st_mtime_ns)
    except FileNotFoundError:
        return ()


@st.cache_resource(show_spinner="Chargement des données…", max_entries=4)
def _atlas(version: str) -> Atlas:
    return Atlas.load(scope=_scope_of(version))


@st.cache_resource(show_spinner="Préparation de la carte…", max_entries=4)
def _map_data(version: str) -> MapData:
    atlas = _atlas(version)
    if tiles_for(atlas.scope or _scope_of(version)) is not None:  # drawn from vector tiles (ui/map_tiles.py)
        return tile_map_data(atlas.communes, atlas.territories)
    region = drawn_region(atlas.scope or _scope_of(version), len(atlas.communes))
    return build_map_data(atlas.communes, atlas.territories, region=region)


def map_scope_note(scope: Scope | None = None) -> str | None:
    """What the map leaves out for a big scope (French, plain text), None when it draws every commune."""
    scope = scope or current_scope()
    atlas = get_atlas(scope)
    if drawn_region(scope, len(atlas.communes)) != "" or tiles_for(scope) is not None:
        return None
    return (f"{scope.nom} : {plural(len(atlas.communes), 'commune')} — la carte ne dessine que celles des "
            "CPTS documentées. Cherchez une autre commune dans le panneau latéral (nom, code postal, code INSEE) "
            "ou ouvrez un lien ?commune=CODE.")


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


@st.cache_resource(show_spinner=False, max_entries=4)
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


def get_layer_urls(scope: Scope | None = None) -> dict[str, str]:
    version = _data_version(scope)
    urls = _published_layers(version)
    _ensure_served(version, urls)
    return urls


def get_atlas(scope: Scope | None = None) -> Atlas:
    """The atlas of ``scope`` (default: the scope chosen in this session, ui/scope.py)."""
    return _atlas(_data_version(scope))


def get_map_data(scope: Scope | None = None) -> MapData:
    return _map_data(_data_version(scope))
