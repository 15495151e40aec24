"""Data-foundation benchmark: prints numbers, asserts nothing.

- 10 000 point lookups in one process, after start-up (target ≤ 2 s);
- `python -m geo territories --json` cold, in a fresh process (target ≤ 3 s);
- size of data/communes.parquet (target ≤ 5 MB).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from geo.atlas import Atlas
    from geo.paths import COMMUNES_PARQUET

    t0 = time.perf_counter()
    atlas = Atlas.load()
    startup = time.perf_counter() - t0

    rng = np.random.default_rng(42)
    lats = rng.uniform(47.3, 48.9, 10_000)
    lons = rng.uniform(-5.1, -1.0, 10_000)
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        res = atlas.lookup_many(lats, lons)
        runs.append(time.perf_counter() - t)
    found = sum(r["commune"] is not None for r in res)
    in_cpts = sum(bool(r["cpts"]) for r in res)

    cold = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "geo", "territories", "--json"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        cold.append(time.perf_counter() - t)

    print(f"start-up (Atlas.load): {startup:.2f} s")
    print(f"10 000 lookups (commune + CPTS): median {statistics.median(runs):.3f} s over 5 runs "
          f"({found} points in a commune, {in_cpts} in a CPTS)")
    print(f"territories --json, fresh process: median {statistics.median(cold):.2f} s (runs: "
          + ", ".join(f"{c:.2f}" for c in cold) + ")")
    print(f"data/communes.parquet: {COMMUNES_PARQUET.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
