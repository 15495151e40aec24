"""``python -m geo tiles [--region CODE|france] [--forcer]``: (re)build the vector tiles of a scope's
map (geo/tiles.py) when the data changed since they were built (``--forcer``: in any case).

``build-data --region`` builds them. After a command that published (``import``, ``history
restore``…), :func:`after_publications` (wrapped around every command by geo/cli/__init__.py)
rebuilds the tiles of every scope that has some, synchronously, and says so on stderr (stdout
stays the command's own, e.g. ``--json``): the map never keeps the old perimeters. A failed rebuild is reported in French on stderr (exit code of the command
unchanged: the publication itself succeeded), with the command to run again."""
from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path
from typing import Iterator

from .commands import HELP
from .common import add_region_argument, scope_of


def register(sub) -> None:
    t = sub.add_parser("tiles", help=HELP["tiles"])
    add_region_argument(t)
    t.add_argument("--forcer", action="store_true",
                   help="reconstruire même si les tuiles correspondent déjà aux données")
    t.set_defaults(func=cmd_tiles)


def cmd_tiles(args: argparse.Namespace) -> int:
    from ..tiles import TilesError
    from ..tiles_refresh import refresh
    scope = scope_of(args)
    try:
        info = refresh(scope, log=print, force=bool(getattr(args, "forcer", False)))
    except TilesError as e:
        print(f"Mise à jour de la carte impossible : {e}", file=sys.stderr)
        return 2
    if info is None:
        print(f"Tuiles {scope.de_nom} déjà à jour (mêmes données) : rien à faire (--forcer pour reconstruire).")
    return 0


# The commands that publish (geo/cli/commands.py); the others never wait for a tiles check.
PUBLISHING = frozenset({"import", "restore", "history"})


@contextlib.contextmanager
def after_publications(command: str | None) -> Iterator[None]:
    """Around a CLI command: if it published into the app's registry, rebuild the stale tiles after it
    (after the command's own report). Hooked on the publication signal (geo/registry/published.py)."""
    if command not in PUBLISHING:
        yield
        return
    from ..registry import published

    seen: list[Path] = []

    def listener(vdir: Path, meta: dict) -> None:
        seen.append(Path(vdir))

    published.subscribe(listener)
    try:
        yield
    finally:
        published.unsubscribe(listener)
    if seen:
        rebuild_after_publication(seen)


def rebuild_after_publication(vdirs: list[Path]) -> None:
    """Rebuild the tiles of every scope that has some, if the publication was the app's registry's."""
    from ..paths import REGISTRY_DIR
    from ..registry.history import versions_dir_for
    from ..tiles import TilesError
    from ..tiles_refresh import refresh, tile_scopes

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if versions_dir_for(REGISTRY_DIR).resolve() not in {Path(v).resolve() for v in vdirs}:
        return  # a registry the map does not read (a copy, a test)
    for scope in tile_scopes():
        t0 = time.perf_counter()
        say(f"Carte {scope.de_nom} : vérification des tuiles après la publication…")
        try:
            info = refresh(scope, log=say)
        except TilesError as e:
            print(f"Mise à jour de la carte impossible : {e} — la carte {scope.de_nom} montre les contours "
                  f"d'avant la publication ; relancez « python -m geo tiles --region {scope.key} ».", file=sys.stderr)
            continue
        if info is None:
            say(f"Carte {scope.de_nom} : tuiles déjà à jour.")
        else:
            say(f"Carte {scope.de_nom} : tuiles mises à jour en {time.perf_counter() - t0:.0f} s.")
