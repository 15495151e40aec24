"""Changing the home map's colouring (« Colorer la carte par ») -> the new colouring drawn, in Chromium.

Times, in one run, the app of ``--root`` (default: this tree) and optionally the app of
``--before`` (another checkout, e.g. the previous commit) alternately, so both see the same load:
from the click on an option until the map's legend shows a new title with the communes drawn.
Prints the medians of each and their ratio, with the load average.

    python benchmarks/bench_colouring.py --before /tmp/cpts-before --changes 6
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
OPTIONS = ["Population couverte", "Patients sans médecin traitant", "Année de signature"]
DRAWN = """(prev) => [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')].some(f => {
    try { const d = f.contentDocument, t = d.querySelector('.cpts-legend-title');
          return t && t.textContent && t.textContent !== prev && d.body.hasAttribute('data-communes-loaded')
                 && d.body.hasAttribute('data-map-fitted'); } catch (e) { return false; } })"""
TITLE = """() => { for (const f of document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')) {
    try { const t = f.contentDocument.querySelector('.cpts-legend-title'); if (t) return t.textContent; }
    catch (e) {} } return null; }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(root: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
                             f"--server.port={port}", "--browser.gatherUsageStats=false"], cwd=root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the app of {root} did not start")


def open_home(page, url: str) -> None:
    page.goto(url + "/", wait_until="commit")
    page.wait_for_function(DRAWN, arg="\u0000", timeout=300_000)


def change(page, label: str) -> float:
    prev = page.evaluate(TITLE)
    page.get_by_label("Colorer la carte par").click()
    option = page.get_by_role("option", name=re.compile(re.escape(label)))
    option.wait_for()
    t0 = time.monotonic()
    option.click()
    page.wait_for_function(DRAWN, arg=prev, timeout=300_000, polling=20)
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument("--before", type=Path, help="another checkout to time in the same run (the baseline)")
    ap.add_argument("--changes", type=int, default=6)
    a = ap.parse_args()
    roots = {"after": a.root} | ({"before": a.before} if a.before else {})
    times = {k: [] for k in roots}
    apps = {k: start(r) for k, r in roots.items()}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            pages = {}
            for k, (_, url) in apps.items():
                pages[k] = browser.new_page(viewport={"width": 1600, "height": 1000})
                open_home(pages[k], url)
                change(pages[k], OPTIONS[-1])  # warm the caches of every colouring once
                for label in OPTIONS[:-1]:
                    change(pages[k], label)
            for i in range(a.changes):
                for k in roots:
                    times[k].append(change(pages[k], OPTIONS[i % len(OPTIONS)]))
            browser.close()
    finally:
        for proc, _ in apps.values():
            proc.terminate()
            proc.wait(timeout=30)
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for k, ts in times.items():
        print(f"{k:6}: colouring change -> drawn: median {statistics.median(ts):.2f} s ({', '.join(f'{t:.2f}' for t in ts)})")
    if "before" in times:
        print(f"ratio after/before: {statistics.median(times['after']) / statistics.median(times['before']):.2f}")


if __name__ == "__main__":
    main()
