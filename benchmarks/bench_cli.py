"""Start-up of ``python -m geo``: prints numbers, asserts nothing.

Each command runs in a fresh process, N times (default 7), interleaved with a bare interpreter
(``python -c pass``) measured in the same run: the ratio to that baseline is what to compare
between machines. Wall time and CPU time (user + system of the child) are both printed: on a busy
machine the CPU time is the steadier figure.

- ``python -m geo --help``: lists every command without importing any command module (target: within
  0.2 s of a bare interpreter);
- ``python -m geo territories --help``: one command's parser;
- ``python -m geo territories --json``: the whole pipeline, cold (no slower than before the geo/
  packages: ≈1.6 s on a quiet machine).

    python benchmarks/bench_cli.py [N]
"""
from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = {
    "python -c pass (référence)": ["-c", "pass"],
    "python -m geo --help": ["-m", "geo", "--help"],
    "python -m geo territories --help": ["-m", "geo", "territories", "--help"],
    "python -m geo territories --json": ["-m", "geo", "territories", "--json"],
}


def run(args: list[str]) -> tuple[float, float]:
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(args)} : code {p.returncode}\n{p.stderr.decode(errors='replace')[-800:]}")
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in COMMANDS}
    for _ in range(n):  # interleaved, so that a burst of load hits every command alike
        for name, args in COMMANDS.items():
            times[name].append(run(args))
    base_wall = statistics.median(w for w, _ in times["python -c pass (référence)"])
    base_cpu = statistics.median(c for _, c in times["python -c pass (référence)"])
    print(f"{n} exécutions par commande, médianes")
    for name, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(f"{name:36} {wall:6.2f} s ({wall / base_wall:5.1f} × référence)   "
              f"CPU {cpu:5.2f} s ({cpu / base_cpu:5.1f} ×)")


if __name__ == "__main__":
    main()
