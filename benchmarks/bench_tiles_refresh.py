"""How long the map's tiles take to follow a publication (geo/tiles_refresh.py), per step, for a scope
(default France): atlas load, data digest, features, tippecanoe, and the whole rebuild, with CPU times
and the machine's load (wall times on a shared 2-core machine mean little alone).

    python benchmarks/bench_tiles_refresh.py [--region france] [--runs 1]

Builds into a temporary folder: the scope's real tiles and manifest are not touched.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def step(name: str, fn):
    t0, c0 = time.perf_counter(), cpu()
    out = fn()
    print(f"{name:<28} wall {time.perf_counter() - t0:7.1f} s   cpu {cpu() - c0:7.1f} s", flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--region", default="france")
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    from geo import tiles
    from geo.atlas import Atlas
    from geo.scope import Scope, get_scope

    print("load before:", os.getloadavg())
    scope = get_scope(args.region, built=True)
    atlas = step("atlas (référentiel+registre)", lambda: Atlas.load(scope=scope))
    step("data_digest", lambda: tiles.data_digest(atlas.communes, atlas.territories))
    step("features (Python)", lambda: tiles._features(atlas.communes, atlas.territories))
    with tempfile.TemporaryDirectory(prefix="bench-tiles-") as tmp:
        fake = Scope(scope.code, scope.nom, scope.departements, Path(tmp) / "data")
        for i in range(args.runs):
            step(f"rebuild #{i + 1} (features+tippecanoe)",
                 lambda: tiles.build_tiles_from(fake, atlas.communes, atlas.territories, log=print,
                                                tiles_root=Path(tmp) / "static"))
    print("load after:", os.getloadavg(), f"— {len(atlas.communes)} communes, {len(atlas.territories)} CPTS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
