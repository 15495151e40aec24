"""kill -9 of a publishing process at random instants: the registry must be entirely old or entirely new.

    python benchmarks/bench_publish_faults.py [--trials 60] [--seed 1] [--geojson 10]

Each trial works on a fresh copy of data/ in a temporary folder (CPTS_DATA_DIR: the commune
referential is linked, the registry copied), starts ``python -m geo import FILE`` on it and sends
SIGKILL at a random instant: half of the trials anywhere in the run (mostly during the analysis),
half inside the publication itself (timed from the creation of the registry's ``.lock``, which the
publication takes first, over the publication's measured length). After each kill:

- the registry (every file under data/registry except ``.lock`` and ``.staging-*`` leftovers) must be
  byte-identical to the old state or to the new one (the state a completed import writes; the name of
  the backup folder that a note quotes is the only part allowed to differ);
- ``python -m geo check --registry COPY`` (with CPTS_DATA_DIR on the copy) must exit as on the old
  registry;
- and when the kill left a ``.staging-*`` folder or a ``.partial-*`` backup, the next, uninterrupted
  publication (another listing) must succeed, clean them, and leave a registry that check accepts.

The CSV import creates one CPTS and replaces the perimeter of another (cpts/ only: one atomic
directory swap); ``--geojson N`` trials import a polygon instead (cpts/ and perimetres/: two swaps).
Prints counts: old / new / other, check failures, leftovers and whether the next publication cleaned them.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.paths import COMMUNES_PARQUET, REGISTRY_DIR  # noqa: E402

_BACKUP_NAME = re.compile(rb"registre-\d{8}-\d{6}-\d{6}(?:-\d+)?")

CSV = ("CPTS;Commune;Code INSEE\r\n"
       "CPTS Essai Interrompu;Lécousse;35150\r\n"
       "CPTS Essai Interrompu;Javené;35137\r\n"
       "CPTS du Pays de Fougères;Fougères;35115\r\n").encode("utf-8")
# The next publication after a kill: another change, so that it really publishes.
NEXT = "CPTS;Commune;Code INSEE\r\nCPTS du Pays de Redon;Brest;29019\r\n".encode("utf-8")


def _geojson() -> bytes:
    import json

    import geopandas as gpd
    communes = gpd.read_parquet(COMMUNES_PARQUET)
    geom = communes[communes["code"].isin(["35115", "35150"])].geometry.union_all()
    import shapely
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nom": "CPTS Polygone Interrompu"},
         "geometry": json.loads(shapely.to_geojson(geom))}]}
    return json.dumps(doc).encode("utf-8")


def snapshot(registry: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(registry.rglob("*")):
        rel = p.relative_to(registry)
        if p.is_file() and p.name != ".lock" and not rel.parts[0].startswith(".staging-"):
            out[str(rel)] = _BACKUP_NAME.sub(b"registre-<sauvegarde>", p.read_bytes())
    return out


def fresh_data(base: Path) -> Path:
    """A data directory: linked referential, copied registry, no backups."""
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    (base / "communes.parquet").symlink_to(COMMUNES_PARQUET)
    shutil.copytree(REGISTRY_DIR, base / "registry",
                    ignore=lambda d, names: [n for n in names if n == ".lock" or n.startswith(".staging-")])
    return base


def env_for(data: Path) -> dict:
    env = dict(os.environ, CPTS_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
    env.pop("CPTS_REGISTRY_DIR", None)
    env.pop("CPTS_BACKUP_DIR", None)
    return env


_CONFIRM: list[str] | None = None


def import_cmd(file: Path) -> list[str]:
    """``python -m geo import FILE`` (+ --confirmer-suppressions where the CLI has it: the listing
    replaces a perimeter by a smaller one)."""
    global _CONFIRM
    if _CONFIRM is None:
        h = subprocess.run([sys.executable, "-m", "geo", "import", "--help"], cwd=ROOT, capture_output=True, text=True)
        _CONFIRM = ["--confirmer-suppressions"] if "--confirmer-suppressions" in h.stdout else []
    return [sys.executable, "-m", "geo", "import", str(file), *_CONFIRM]


def run_check(data: Path) -> int:
    return subprocess.run([sys.executable, "-m", "geo", "check", "--registry", str(data / "registry")],
                          cwd=ROOT, env=env_for(data), capture_output=True, timeout=600).returncode


def calibrate(work: Path, file: Path) -> tuple[float, float, dict[str, bytes], dict[str, bytes], int]:
    """Full uninterrupted run: total length, publication length (from .lock to exit), old and new
    states, and the exit code of check on the old registry."""
    data = fresh_data(work / "calib")
    old = snapshot(data / "registry")
    check_old = run_check(data)
    lock = data / "registry" / ".lock"
    t0 = time.perf_counter()
    p = subprocess.Popen(import_cmd(file), cwd=ROOT, env=env_for(data), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    t_lock = None
    while p.poll() is None:
        if t_lock is None and lock.exists():
            t_lock = time.perf_counter()
        time.sleep(0.001)
    t1 = time.perf_counter()
    if p.returncode != 0:
        raise SystemExit(f"import a échoué (code {p.returncode}) : {p.stderr.read().decode()}")
    new = snapshot(data / "registry")
    assert new != old, "the import changed nothing"
    return t1 - t0, t1 - (t_lock or t0), old, new, check_old


def trial(work: Path, file: Path, rng: random.Random, total: float, pub: float, in_publication: bool):
    data = fresh_data(work / "trial")
    lock = data / "registry" / ".lock"
    p = subprocess.Popen(import_cmd(file), cwd=ROOT, env=env_for(data), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    if in_publication:
        deadline = time.perf_counter() + 5 * total + 60
        while not lock.exists() and p.poll() is None and time.perf_counter() < deadline:
            time.sleep(0.0005)
        delay = rng.uniform(0, pub)
    else:
        delay = rng.uniform(0, total)
    time.sleep(delay)
    finished = p.poll() is not None
    if not finished:
        os.kill(p.pid, signal.SIGKILL)
    p.wait()
    return data, finished


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=60, help="CSV trials (kill -9)")
    ap.add_argument("--geojson", type=int, default=10, help="GeoJSON trials (cpts/ and perimetres/)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-kill-") as tmp:
        work = Path(tmp)
        for kind, n in (("CSV", args.trials), ("GeoJSON", args.geojson)):
            if n <= 0:
                continue
            file = work / ("liste.csv" if kind == "CSV" else "liste.geojson")
            file.write_bytes(CSV if kind == "CSV" else _geojson())
            (work / "suite.csv").write_bytes(NEXT)
            total, pub, old, new, check_old = calibrate(work, file)
            print(f"{kind} : import complet {total:.1f} s, dont publication {pub * 1000:.0f} ms ; "
                  f"check sur l'ancien registre : code {check_old}")
            counts = {"ancien": 0, "nouveau": 0, "autre": 0}
            check_bad = leftovers = cleaned = finished_n = in_pub = 0
            t0 = time.perf_counter()
            for i in range(n):
                in_publication = i % 2 == 1
                in_pub += in_publication
                data, finished = trial(work, file, rng, total, pub, in_publication)
                finished_n += finished
                state = snapshot(data / "registry")
                verdict = "ancien" if state == old else "nouveau" if state == new else "autre"
                counts[verdict] += 1
                if verdict == "autre":
                    diff = sorted(set(state.items()) ^ set(old.items()))
                    print(f"  essai {i}: état intermédiaire, fichiers {sorted({k for k, _ in diff})[:5]}")
                if run_check(data) != check_old:
                    check_bad += 1
                    print(f"  essai {i}: python -m geo check diffère de l'ancien registre")
                reg = data / "registry"
                left = list(reg.glob(".staging-*")) + list((data / "backups").glob(".partial-*"))
                if left:
                    leftovers += 1
                    # The next publication (uninterrupted) must clean them and land.
                    r = subprocess.run(import_cmd(work / "suite.csv"), cwd=ROOT, env=env_for(data),
                                       capture_output=True, timeout=600)
                    still = list(reg.glob(".staging-*")) + list((data / "backups").glob(".partial-*"))
                    if r.returncode == 0 and not still and run_check(data) == check_old:
                        cleaned += 1
                    else:
                        print(f"  essai {i}: publication suivante code {r.returncode}, restes {still}")
            dt = time.perf_counter() - t0
            print(f"{kind} : {n} essais ({in_pub} tués pendant la publication, {finished_n} terminés avant le "
                  f"signal) en {dt:.0f} s : registre ancien {counts['ancien']}, nouveau {counts['nouveau']}, "
                  f"autre {counts['autre']} ; check en échec {check_bad} ; restes (.staging/.partial) après "
                  f"{leftovers} essais, nettoyés par la publication suivante {cleaned}/{leftovers}")


if __name__ == "__main__":
    main()
