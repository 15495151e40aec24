"""App benchmark in headless Chromium (Debian's /usr/bin/chromium): prints numbers, asserts nothing.

- navigation -> interactive map (communes drawn and clickable), server caches warm (target ≤ 3 s): median
  over fresh browser contexts (empty HTTP cache) and over reloads in one browser (HTTP cache warm);
- click on a commune -> panel updated, median over several clicks (target ≤ 0.6 s);
- bytes received by the browser for the map: the page, the map component, Leaflet, the GeoJSON
  (target ≤ 1.5 MB) — Streamlit's own front-end bundle is reported separately;
- server memory (RSS of the streamlit process) after the run (target ≤ 500 MB).

Usage: python benchmarks/bench_app.py [--loads 5] [--clicks 10]
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
# Communes spread over the documented CPTS and outside them (lat, lon).
CLICKS = [(48.1236, -1.2093), (47.6523, -2.0847), (48.3525, -1.1986), (47.996, -4.102), (48.0, -1.51),
          (47.93, -2.40), (48.51, -2.76), (48.07, -1.36), (47.75, -3.37), (48.64, -2.01), (47.83, -2.14),
          (48.39, -4.49)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def wait_interactive(page, timeout=120_000):
    frame = page.wait_for_selector(IFRAME, state="attached", timeout=timeout).content_frame()
    frame.wait_for_selector("body[data-communes-loaded]", state="attached", timeout=timeout)
    frame.wait_for_function("() => [...document.querySelectorAll('path.leaflet-interactive')]"
                            ".some(p => p.getAttribute('d') && p.getAttribute('d') !== 'M0 0')", timeout=timeout)
    return frame


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--clicks", type=int, default=10)
    args = ap.parse_args()

    port = free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.headless", "true", "--server.address", "127.0.0.1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            # cold load: fills the server caches (data, GeoJSON)
            ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
            page = ctx.new_page()
            t = time.perf_counter()
            page.goto(url + "/")
            wait_interactive(page)
            cold = time.perf_counter() - t
            ctx.close()

            loads = []
            for _ in range(args.loads):
                ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
                page = ctx.new_page()
                t = time.perf_counter()
                page.goto(url + "/")
                wait_interactive(page)
                loads.append(time.perf_counter() - t)
                ctx.close()

            # same browser, reloading: its HTTP cache holds Streamlit's and the map's static files
            ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
            page = ctx.new_page()
            warm = []
            for _ in range(args.loads + 1):
                t = time.perf_counter()
                page.goto(url + "/")
                wait_interactive(page)
                warm.append(time.perf_counter() - t)
            warm = warm[1:]
            ctx.close()

            # bytes: one more load that records every response body (slower, so not timed)
            ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
            page = ctx.new_page()
            last: dict[str, int] = {}

            def on_response(r):
                try:
                    last[r.url] = len(r.body())
                except Exception:
                    pass
            page.on("response", on_response)
            page.goto(url + "/")
            wait_interactive(page)
            page.wait_for_timeout(500)
            ctx.close()

            # clicks: one page, several communes
            ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
            page = ctx.new_page()
            page.goto(url + "/")
            frame = wait_interactive(page)
            box = page.locator(IFRAME).bounding_box()
            clicks = []
            for lat, lon in (CLICKS * 3)[: args.clicks]:
                x, y = frame.evaluate("([a,b]) => { const p = window.map.latLngToContainerPoint([a,b]); return [p.x,p.y]; }",
                                      [lat, lon])
                before = page.locator('[data-testid="stMain"] h3').first.inner_text()
                t = time.perf_counter()
                page.mouse.click(box["x"] + x, box["y"] + y)
                page.wait_for_function(
                    "(b) => { const h = document.querySelector('[data-testid=\"stMain\"] h3');"
                    " return h && h.innerText !== b; }", arg=before, timeout=30_000)
                clicks.append(time.perf_counter() - t)
                page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                                       ".getAttribute('data-test-script-state') === 'notRunning'", timeout=30_000)
            browser.close()
        mem = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    map_bytes = sum(n for u, n in last.items() if "/component/streamlit_folium" in u or "/app/static/" in u
                    or u.rstrip("/") == url)
    st_bytes = sum(n for u, n in last.items() if "/static/js/" in u or "/static/css/" in u or "/static/media/" in u)
    geo = sum(n for u, n in last.items() if "/app/static/generated/" in u)
    print(f"cold first load -> interactive: {cold:.2f} s")
    print(f"new browser each time -> interactive: median {statistics.median(loads):.2f} s ("
          + ", ".join(f"{x:.2f}" for x in loads) + ")")
    print(f"same browser, reload (HTTP cache warm) -> interactive: median {statistics.median(warm):.2f} s ("
          + ", ".join(f"{x:.2f}" for x in warm) + ")")
    print(f"click -> panel updated: median {statistics.median(clicks):.2f} s, max {max(clicks):.2f} s over {len(clicks)} clicks")
    print(f"bytes for the map (page + component + Leaflet + GeoJSON): {map_bytes / 1e6:.2f} MB (GeoJSON {geo / 1e6:.2f} MB); "
          f"Streamlit front-end bundle: {st_bytes / 1e6:.2f} MB (cached by the browser)")
    print(f"server RSS after the run: {mem:.0f} MB")


if __name__ == "__main__":
    main()
