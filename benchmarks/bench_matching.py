"""Timings of geo.matching on a whole-France referential.

    python benchmarks/bench_matching.py [SOURCE]

SOURCE is the npm package ``@etalab/decoupage-administratif`` (COG 2026): its
``.tgz``, its unpacked ``package/`` folder, or its ``data/communes.json``.
Without an argument it is looked for in ``$DECOUPAGE_ADMINISTRATIF``,
``.cache/sources/`` (the version declared in geo/referential/sources.yaml, where
``python -m geo build-data`` downloads it) and
``/tmp/dl/npmpkg/package``.  The JSON is turned into the columns of
``data/communes.parquet`` by the same function the data build uses
(``geo.referential.parse_cog``), without geometry.  If no package is found,
``data/communes.parquet`` is used (7 départements only: timings not comparable).

Prints, each the best of 3 runs (wall clock and CPU time of this process — on a
shared machine the CPU time is the one to read):
- building the Matcher (target ≤ 1 s);
- resolving 2 000 names drawn from the referential, ~10 % with one typo,
  ~30 % upper-cased without hyphens (target ≤ 0.5 s), without départements,
  with the three Breton départements of a CPTS-like list, and with each
  name's own département;
- the cost of one typo resolved against the whole of France, alone (``resolve``) and
  in a batch (``resolve_many`` scores all the typos of a call in one rapidfuzz pass).
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from geo.matching import Matcher  # noqa: E402

FILES = ("communes.json", "epci.json", "departements.json", "regions.json")


def _candidates(arg: str | None) -> list[Path]:
    if arg:
        return [Path(arg)]
    out = []
    if os.environ.get("DECOUPAGE_ADMINISTRATIF"):
        out.append(Path(os.environ["DECOUPAGE_ADMINISTRATIF"]))
    from geo.referential.download import load_sources

    out.append(ROOT / ".cache" / "sources" / load_sources()["decoupage_administratif"].archive)
    out.append(Path("/tmp/dl/npmpkg/package"))
    return out


def _read_package(path: Path) -> dict[str, list] | None:
    """The four JSON files of the package, from a .tgz, a package folder or a communes.json."""
    if path.is_file() and path.suffix in (".tgz", ".gz"):
        with tarfile.open(path) as tar:
            return {f: json.load(io.TextIOWrapper(tar.extractfile(f"package/data/{f}"), encoding="utf-8")) for f in FILES}
    if path.is_file() and path.name == "communes.json":
        path = path.parent.parent
    data = path / "data"
    if all((data / f).is_file() for f in FILES):
        return {f: json.loads((data / f).read_text(encoding="utf-8")) for f in FILES}
    return None


def load_france(arg: str | None = None) -> tuple[pd.DataFrame, str]:
    """Whole-France referential (columns of data/communes.parquet, no geometry) and where it came from."""
    from geo.referential import parse_cog

    for path in _candidates(arg):
        if not path.exists():
            continue
        files = _read_package(path)
        if files:
            cog = parse_cog(files["communes.json"], files["epci.json"], files["departements.json"],
                            files["regions.json"], population_millesime=2023)
            return cog.communes, str(path)
    if arg:
        raise SystemExit(f"{arg} : ni archive, ni dossier, ni communes.json de decoupage-administratif")
    from geo.referential import load_communes

    return pd.DataFrame(load_communes().drop(columns="geometry")), "data/communes.parquet (7 départements seulement)"


def typo(name: str, rng: random.Random) -> str:
    """One random error on a letter inside the name: swap with the next, drop, or replace."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 4:
        return name
    i = rng.choice(letters[1:-1])
    op = rng.choice("sddr")
    if op == "s" and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if op == "d":
        return name[:i] + name[i + 1 :]
    return name[:i] + rng.choice("aeioulnrst") + name[i + 1 :]


def names_sample(df: pd.DataFrame, n: int = 2000, seed: int = 2026) -> tuple[list[str], list[str], list[str]]:
    """(names, true codes, départements): n communes, ~10 % with a typo, ~30 % of the others shouted."""
    rng = random.Random(seed)
    sample = df.sample(n, random_state=seed, replace=len(df) < n)
    names, codes, deps = [], [], []
    for code, nom, dep in zip(sample["code"], sample["nom"], sample["departement"]):
        if rng.random() < 0.10:
            nom = typo(nom, rng)
        elif rng.random() < 0.3:
            nom = nom.upper().replace("-", " ")
        names.append(nom)
        codes.append(code)
        deps.append(dep)
    return names, codes, deps


def best_of(fn, runs: int = 3):
    """(result, best wall seconds, best CPU seconds) over ``runs`` calls."""
    walls, cpus, out = [], [], None
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return out, min(walls), min(cpus)


def _fmt(wall: float, cpu: float) -> str:
    return f"{wall:.3f} s (CPU {cpu:.3f} s)"


def main(argv: list[str]) -> int:
    df, source = load_france(argv[1] if len(argv) > 1 else None)
    n_anciens = int(df["anciens_noms"].map(len).sum())
    print(f"référentiel : {source} — {len(df)} communes, {n_anciens} noms de communes déléguées/associées")

    m, wall, cpu = best_of(lambda: Matcher(df))
    print(f"construction du Matcher : {_fmt(wall, cpu)} — cible ≤ 1 s")

    names, truth, deps_of = names_sample(df)
    bretagne = ["35", "44", "56"]
    local = names_sample(df[df["departement"].isin(bretagne)])
    for label, deps, (names, truth, _) in (
        ("toute la France, sans départements", None, (names, truth, deps_of)),
        (f"communes de {', '.join(bretagne)}, départements {', '.join(bretagne)}", bretagne, local),
    ):
        res, wall, cpu = best_of(lambda: m.resolve_many(names, deps))
        methods = Counter(r.method for r in res)
        wrong = sum(1 for r, c in zip(res, truth) if r.ok and r.code != c)
        print(f"2 000 noms (~10 % de fautes), {label} : {_fmt(wall, cpu)} — cible ≤ 0,5 s")
        print(f"   {dict(methods.most_common())} ; résolus vers une autre commune : {wrong}")

    names, truth, deps_of = names_sample(df)
    res, wall, cpu = best_of(lambda: [m.resolve(n, [d]) for n, d in zip(names, deps_of)])
    methods = Counter(r.method for r in res)
    wrong = sum(1 for r, c in zip(res, truth) if r.ok and r.code != c)
    print(f"2 000 noms de toute la France, chacun avec son département : {_fmt(wall, cpu)}")
    print(f"   {dict(methods.most_common())} ; résolus vers une autre commune : {wrong}")

    official = set(df["nom"])
    typos = [(n, d) for n, d in zip(names, deps_of) if n not in official and n.upper() != n][:200]
    _, wall, cpu = best_of(lambda: [m.resolve(n) for n, _ in typos])
    print(f"une faute, cherchée dans toute la France : {wall / len(typos) * 1000:.2f} ms (CPU {cpu / len(typos) * 1000:.2f} ms)")
    _, wall, cpu = best_of(lambda: m.resolve_many([n for n, _ in typos]))
    print(f"une faute, cherchée dans toute la France, en lot (resolve_many) : {wall / len(typos) * 1000:.2f} ms (CPU {cpu / len(typos) * 1000:.2f} ms)")
    _, wall, cpu = best_of(lambda: [m.resolve(n, [d]) for n, d in typos])
    print(f"une faute, cherchée dans son département : {wall / len(typos) * 1000:.2f} ms (CPU {cpu / len(typos) * 1000:.2f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
