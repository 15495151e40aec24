"""``python -m geo build-data``: build data/communes.parquet (and the national index of commune
codes, data/communes_france.parquet) from the declared sources.

``--region CODE|france`` builds the referential of that scope instead (geo/scope.py: a région and
the départements that touch it, or the whole of France) where the scope keeps it
(``data/regions/<code>/communes.parquet``; 53 = data/communes.parquet), then the scope's map
artefacts (geo.tiles.build_tiles, when present)."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..paths import COMMUNES_PARQUET
from .commands import HELP


def register(sub) -> None:
    b = sub.add_parser("build-data", help=HELP["build-data"])
    # The default (Brittany and its neighbours, referential.DEFAULT_DEPARTEMENTS) is resolved when the
    # command runs, so that building the parser does not import geopandas.
    b.add_argument("--departements", default=None,
                   help="codes séparés par des virgules, ou « all » pour la France entière")
    b.add_argument("--region", default=None, metavar="CODE",
                   help="code INSEE de région (53 = Bretagne), ou « france » : référentiel et artefacts de carte "
                        "de ce territoire, dans le dossier de données (regions/CODE/)")
    b.add_argument("--output", default=None, help=f"fichier écrit (par défaut {COMMUNES_PARQUET})")
    b.set_defaults(func=cmd_build_data)


def parse_departements(value: str) -> set[str] | None:
    """``"35,56"`` -> {"35", "56"}; ``all`` / ``toutes`` / ``france`` -> None (whole France)."""
    if value.strip().lower() in {"all", "toutes", "france"}:
        return None
    return {v.strip().upper().zfill(2) for v in value.split(",") if v.strip()}


def cmd_build_data(args: argparse.Namespace) -> int:
    if args.region is not None:
        return _build_region(args)
    args.output = args.output or str(COMMUNES_PARQUET)
    from .. import referential
    value = args.departements if args.departements is not None else ",".join(referential.DEFAULT_DEPARTEMENTS)
    deps = parse_departements(value)
    t0 = time.perf_counter()
    gdf = referential.build_from_sources(deps)
    out = Path(args.output)
    referential.write_parquet(gdf, out)
    print(f"{len(gdf)} communes ({'France entière' if deps is None else ', '.join(sorted(deps))}) "
          f"écrites dans {out} ({out.stat().st_size / 1e6:.2f} Mo) en {time.perf_counter() - t0:.1f} s")
    from ..referential import national
    t0 = time.perf_counter()
    index, path = national.build_and_write(out.with_name(national.FRANCE_INDEX.name))
    print(f"{len(index)} codes de communes de toute la France (actuels, anciens, arrondissements) écrits dans "
          f"{path} ({path.stat().st_size / 1e6:.2f} Mo) en {time.perf_counter() - t0:.1f} s")
    return 0


def _build_region(args: argparse.Namespace) -> int:
    import sys

    from .. import referential
    from ..referential import national
    from ..referential.scoped import build_scope_referential, build_tiles_hook
    from ..scope import get_scope

    if args.departements is not None:
        print("Erreur : --region et --departements s'excluent : choisissez l'un des deux", file=sys.stderr)
        return 2
    scope = get_scope(args.region)
    out = Path(args.output) if args.output else scope.communes_path
    t0 = time.perf_counter()
    gdf = build_scope_referential(scope)
    referential.write_parquet(gdf, out)
    deps = sorted(set(gdf["departement"]))
    what = "France entière" if scope.is_france else f"{scope.nom} et départements voisins : {', '.join(deps)}"
    print(f"{len(gdf)} communes ({what}) écrites dans {out} ({out.stat().st_size / 1e6:.2f} Mo) "
          f"en {time.perf_counter() - t0:.1f} s")
    if not scope.france_index.exists():
        t0 = time.perf_counter()
        index, path = national.build_and_write(scope.france_index)
        print(f"{len(index)} codes de communes de toute la France écrits dans {path} en {time.perf_counter() - t0:.1f} s")
    if args.output is None:
        t0 = time.perf_counter()
        if build_tiles_hook(scope):
            print(f"Artefacts de carte {scope.de_nom} construits en {time.perf_counter() - t0:.1f} s")
    return 0
