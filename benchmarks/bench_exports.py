"""Timings and sizes of the offline exports (ARS meeting kit).

    python benchmarks/bench_exports.py

Prints, each the best of 3 runs (wall clock and CPU time of this process — on a shared machine
the CPU time is the one to read), and the size of the file produced:
- the PNG map of Brittany (1600 × 1200, indicator "cpts"; target ≤ 2 s) and zoomed on a CPTS;
- the one-page PDF fiche of the richest CPTS (most actions; target ≤ 3 s), map included;
- the CSV (both tables), XLSX and GeoJSON exports;
- the indicator classification and the time-slider events (pure functions; target ≤ 50 ms).
Atlas.load() and build_map_data() are timed once: the app caches them, the CLI pays them per run.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.atlas import Atlas  # noqa: E402
from geo.views.indicators import INDICATORS, classify  # noqa: E402
from geo.mapdata import build_map_data  # noqa: E402
from geo.exports.pdf import render_fiche_pdf  # noqa: E402
from geo.exports.png import render_map_png  # noqa: E402
from geo.exports.tables import export_bytes  # noqa: E402
from geo.views.timeline import signature_events  # noqa: E402

DAY = dt.date(2025, 11, 22)


def timed(fn, repeat: int = 3):
    best_wall = best_cpu = float("inf")
    out = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - w)
        best_cpu = min(best_cpu, time.process_time() - c)
    return out, best_wall, best_cpu


def row(label: str, wall: float, cpu: float, size: int | None = None) -> None:
    extra = f"  {size / 1024:8.0f} Ko" if size is not None else ""
    print(f"{label:52} wall {wall:6.2f} s   cpu {cpu:6.2f} s{extra}")


def main() -> None:
    atlas, w, c = timed(Atlas.load, repeat=1)
    row("Atlas.load()", w, c)
    md, w, c = timed(lambda: build_map_data(atlas.communes, atlas.territories), repeat=1)
    row("build_map_data()", w, c)

    png, w, c = timed(lambda: render_map_png(atlas, today=DAY, map_data=md))
    row("PNG Bretagne 1600×1200 (cpts)", w, c, len(png))
    png, w, c = timed(lambda: render_map_png(atlas, indicator="population", today=DAY, map_data=md))
    row("PNG Bretagne 1600×1200 (population)", w, c, len(png))
    png, w, c = timed(lambda: render_map_png(atlas, cpts_id="pays-de-vitre", today=DAY, map_data=md))
    row("PNG zoom CPTS du Pays de Vitré 1600×1200", w, c, len(png))

    richest = max(atlas.territories,
                  key=lambda t: sum(len(a) for _, a in t.cpts.missions.items()) if t.cpts.missions else -1)
    pdf, w, c = timed(lambda: render_fiche_pdf(atlas, richest.id, today=DAY, map_data=md))
    row(f"PDF fiche {richest.nom[:40]}", w, c, len(pdf))
    pdf, w, c = timed(lambda: render_fiche_pdf(atlas, "pays-de-vitre", today=DAY, map_data=md))
    row("PDF fiche CPTS du Pays de Vitré", w, c, len(pdf))

    for fmt, table in (("csv", "comparaison"), ("csv", "communes"), ("xlsx", "comparaison"), ("geojson", "")):
        data, w, c = timed(lambda: export_bytes(atlas, fmt, table or "comparaison", today=DAY))
        row(f"export {fmt} {table}", w, c, len(data))

    _, w, c = timed(lambda: [classify(k, atlas.territories, atlas.registry) for k in INDICATORS])
    row(f"classify × {len(INDICATORS)} indicateurs", w, c)
    _, w, c = timed(lambda: signature_events(atlas.territories, atlas.communes))
    row("signature_events (curseur temporel)", w, c)


if __name__ == "__main__":
    main()
