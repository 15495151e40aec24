"""Helpers shared by the ``python -m geo`` commands."""
from __future__ import annotations

import json


def load_atlas():
    """The communes, the registry and the resolved territories (geo/atlas.py), from the data directory."""
    from ..atlas import Atlas
    return Atlas.load()


def load_territories():
    """(registry, territories) without geometry: the commune attribute table (no geopandas, no
    shapely, no point locator), for the commands that print codes, populations and discrepancies.
    Same territories as load_atlas() (their ``geometry`` is None)."""
    from ..matching import Matcher
    from ..paths import COMMUNES_PARQUET, REGISTRY_DIR
    from ..referential.load import load_communes_table
    from ..registry import load_registry
    from ..territories import build_territories

    communes = load_communes_table(COMMUNES_PARQUET)
    registry = load_registry(REGISTRY_DIR)
    return registry, build_territories(registry, communes, Matcher(communes))


def dump(obj) -> str:
    """One JSON line, French text kept readable."""
    return json.dumps(obj, ensure_ascii=False)
