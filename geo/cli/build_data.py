"""``python -m geo build-data``: build data/communes.parquet (and the national index of commune
codes, data/communes_france.parquet) from the declared sources."""
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
    b.add_argument("--output", default=str(COMMUNES_PARQUET))
    b.set_defaults(func=cmd_build_data)


def parse_departements(value: str) -> set[str] | None:
    """``"35,56"`` -> {"35", "56"}; ``all`` / ``toutes`` / ``france`` -> None (whole France)."""
    if value.strip().lower() in {"all", "toutes", "france"}:
        return None
    return {v.strip().upper().zfill(2) for v in value.split(",") if v.strip()}


def cmd_build_data(args: argparse.Namespace) -> int:
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
