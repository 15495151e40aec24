"""``python -m geo``: a stable command-line interface for scripts and tests."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import referential
from .paths import COMMUNES_PARQUET


def _parse_departements(value: str) -> set[str] | None:
    if value.strip().lower() in {"all", "toutes", "france"}:
        return None
    return {v.strip().upper().zfill(2) for v in value.split(",") if v.strip()}


def cmd_build_data(args: argparse.Namespace) -> int:
    deps = _parse_departements(args.departements)
    t0 = time.perf_counter()
    gdf = referential.build_from_sources(deps)
    out = Path(args.output)
    referential.write_parquet(gdf, out)
    print(f"{len(gdf)} communes ({'France entière' if deps is None else ', '.join(sorted(deps))}) "
          f"écrites dans {out} ({out.stat().st_size / 1e6:.2f} Mo) en {time.perf_counter() - t0:.1f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m geo", description="Carte des CPTS — données")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build-data", help="construit data/communes.parquet depuis les sources déclarées")
    b.add_argument("--departements", default=",".join(referential.DEFAULT_DEPARTEMENTS),
                   help="codes séparés par des virgules, ou « all » pour la France entière")
    b.add_argument("--output", default=str(COMMUNES_PARQUET))
    b.set_defaults(func=cmd_build_data)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (referential.ReferentialError, FileNotFoundError) as e:
        print(f"Erreur : {e}", file=sys.stderr)
        return 2
