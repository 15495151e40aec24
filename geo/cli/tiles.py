"""``python -m geo tiles [--region CODE|france]``: (re)build the vector tiles of a scope's map
(geo/tiles.py). ``build-data --region`` already builds them; run this after a publish changed the
registry of a scope drawn from tiles (France), so that the map's CPTS colours and names follow."""
from __future__ import annotations

import argparse

from .commands import HELP
from .common import add_region_argument, scope_of


def register(sub) -> None:
    t = sub.add_parser("tiles", help=HELP["tiles"])
    add_region_argument(t)
    t.set_defaults(func=cmd_tiles)


def cmd_tiles(args: argparse.Namespace) -> int:
    from ..tiles import build_tiles
    build_tiles(scope_of(args), log=print)
    return 0
