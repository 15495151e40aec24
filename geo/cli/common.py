"""Helpers shared by the ``python -m geo`` commands."""
from __future__ import annotations

import json


REGION_HELP = ("territoire : code INSEE de région (53 = Bretagne, par défaut ; CPTS_REGION le change) ou « france » "
               "(référentiel construit par « python -m geo build-data --region CODE »)")


def add_region_argument(parser) -> None:
    """``--region CODE|france`` on a command that reads the commune referential (geo/scope.py)."""
    parser.add_argument("--region", default=None, metavar="CODE", help=REGION_HELP)


def scope_of(args):
    """The scope asked by ``--region`` (default: CPTS_REGION, else Bretagne), built; ScopeError otherwise."""
    from ..scope import get_scope
    return get_scope(getattr(args, "region", None), built=True)


def load_atlas(region: str | None = None):
    """The communes, the registry and the resolved territories (geo/atlas.py) of the scope ``region``
    (geo/scope.py; None: the default scope), from the data directory."""
    from ..atlas import Atlas
    from ..scope import get_scope
    return Atlas.load(scope=get_scope(region, built=True))


def load_territories(region: str | None = None):
    """(registry, territories) without geometry: the commune attribute table (no geopandas, no
    shapely, no point locator), for the commands that print codes, populations and discrepancies.
    Same territories as load_atlas() (their ``geometry`` is None)."""
    import dataclasses

    from ..matching import Matcher
    from ..paths import REGISTRY_DIR
    from ..referential.load import load_communes_table
    from ..registry import load_registry
    from ..scope import get_scope
    from ..territories import build_territories

    scope = get_scope(region, built=True)
    communes = load_communes_table(scope.communes_path)
    registry = load_registry(REGISTRY_DIR)
    shown = dataclasses.replace(registry, cpts=[c for c in registry.cpts if scope.includes(c.departements)])
    return registry, build_territories(shown, communes, Matcher(communes))


def dump(obj) -> str:
    """One JSON line, French text kept readable."""
    return json.dumps(obj, ensure_ascii=False)
