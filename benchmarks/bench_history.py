"""Load time of the « Historique » page with many versions (issue 8.4, target ≤ 1 s with 500).

    python benchmarks/bench_history.py [--versions 500] [--runs 5]

Builds a copy of data/registry in a temporary folder and records N versions into its history
(each one changes a CPTS file, as an edit would), then measures, in this process:

- ``list_versions`` of the first page (what the page reads: one directory listing + 20 meta.json)
  and of all N versions (what ``python -m geo history --json`` reads);
- the whole page (``app_pages/7_Historique.py`` run by Streamlit's AppTest, visitor: table + detail),
  a new session's first run and the median of its next runs (reruns), against the same page with a
  2-version history measured in the same run (the baseline: Streamlit's own cost of running the
  page), after one warm-up session that pays the process's imports;
- ``python -m geo history --json`` in a new process, wall time.

Prints seconds and ratios to the baseline.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.paths import REGISTRY_DIR  # noqa: E402
from geo.registry import history  # noqa: E402


def make_history(base: Path, n: int) -> Path:
    root = base / "registry"
    shutil.copytree(REGISTRY_DIR, root, ignore=lambda d, names: [x for x in names if x == ".lock" or x.startswith(".staging-")])
    vdir = history.versions_dir_for(root)
    history.ensure_initial(root, vdir)
    target = sorted((root / "cpts").glob("*.yaml"))
    originals = {p: p.read_bytes() for p in target}
    for i in range(2, n + 1):
        p = target[i % len(target)]
        p.write_bytes(originals[p] + f"# modification {i}\n".encode())
        history.prepare_version(vdir, root, operation="modification", libelle=f"Modification {i}",
                                editeur=f"Éditeur {i % 7}").commit()
    return root


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def page_times(root: Path, runs: int) -> tuple[float, float]:
    from streamlit.testing.v1 import AppTest
    os.environ["CPTS_REGISTRY_DIR"] = str(root)
    os.environ["CPTS_BACKUP_DIR"] = str(root.parent / "backups")
    at = AppTest.from_file(str(ROOT / "app_pages" / "7_Historique.py"), default_timeout=120)
    first = timed(at.run)
    assert not at.exception, at.exception
    rest = [timed(at.run) for _ in range(runs)]
    return first, statistics.median(rest)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--versions", type=int, default=500)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        small = make_history(Path(tmp) / "small", 2)
        big = make_history(Path(tmp) / "big", args.versions)
        print(f"history of {args.versions} versions built in {time.perf_counter() - t:.1f} s "
              f"({sum(1 for _ in (big.parent / 'versions' / 'objets').rglob('*'))} object entries)")
        vdir = history.versions_dir_for(big)
        page = min(timed(lambda: history.list_versions(vdir, 0, 20)) for _ in range(args.runs))
        full = min(timed(lambda: history.list_versions(vdir)) for _ in range(args.runs))
        print(f"list_versions, first page of 20: {page * 1000:.1f} ms; all {args.versions}: {full * 1000:.1f} ms")
        warm_up, _ = page_times(small, 1)  # imports streamlit, pandas, the page's modules: once per process
        base_first, base_warm = page_times(small, args.runs)
        big_first, big_warm = page_times(big, args.runs)
        print(f"process warm-up (imports, first AppTest): {warm_up:.2f} s")
        print(f"page, 2 versions (baseline):  new session {base_first:.2f} s, next runs median {base_warm:.3f} s")
        print(f"page, {args.versions} versions:         new session {big_first:.2f} s "
              f"(ratio {big_first / base_first:.2f}×), next runs median {big_warm:.3f} s "
              f"(ratio {big_warm / base_warm:.2f}×) — target ≤ 1 s")
        env = dict(os.environ, CPTS_REGISTRY_DIR=str(big))
        cli = min(timed(lambda: subprocess.run([sys.executable, "-m", "geo", "history", "--json"], cwd=ROOT,
                                               env=env, capture_output=True, check=True))
                  for _ in range(3))
        print(f"python -m geo history --json ({args.versions} versions, new process): {cli:.2f} s")


if __name__ == "__main__":
    main()
