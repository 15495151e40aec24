"""App benchmark in headless Chromium (Debian's /usr/bin/chromium): prints numbers, asserts nothing.

Issue 10's Bretagne targets, as ratios to baselines measured in the same run:

- first visit after server start -> interactive map, vs a warm visit (target ≤ 1.2×). The server is
  started the deployed way (``streamlit run serve.py``, ``--entry app.py`` for the plain one) and
  visited as soon as it answers its health check. Both visits with an empty browser cache;
- navigation -> interactive map (communes drawn and clickable), new browser context each time
  (cold browser cache), vs the NAIVE folium app measured in the same run (target ≤ 0.5×): the same
  communes as one ``folium.GeoJson`` in ``st_folium``, the way a first Streamlit app does it
  (written to a temporary folder, never shipped; Leaflet loaded from our server, it is offline);
- click on a commune -> panel updated, median over several clicks (target ≤ 0.35 s);
- also: reload in one browser (HTTP cache warm), bytes the browser received for the map, the
  server's RSS.

Usage: python benchmarks/bench_app.py [--loads 5] [--clicks 10] [--entry serve.py|app.py]
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1600, "height": 1000}
# Communes spread over the documented CPTS and outside them (lat, lon).
CLICKS = [(48.1236, -1.2093), (47.6523, -2.0847), (48.3525, -1.1986), (47.996, -4.102), (48.0, -1.51),
          (47.93, -2.40), (48.51, -2.76), (48.07, -1.36), (47.75, -3.37), (48.64, -2.01), (47.83, -2.14),
          (48.39, -4.49)]

# The naive app: every rerun builds the folium map with the communes embedded in its script.
NAIVE_APP = '''
import sys
sys.path.insert(0, {root!r})
import folium
import streamlit as st
from streamlit_folium import st_folium
from geo.atlas import Atlas
from geo.mapdata import build_map_data
from geo.offline import make_offline, new_map

st.set_page_config(layout="wide")

@st.cache_resource
def communes():
    a = Atlas.load()
    return build_map_data(a.communes, a.territories).communes

st.title("Carte naïve")
m = new_map(location=[48.2, -2.9], zoom_start=8, base_url={vendor!r})
folium.GeoJson(communes(), style_function=lambda f: {{"fillColor": f["properties"]["fill"], "color": "#666666",
                                                     "weight": 0.5, "fillOpacity": 0.55}}).add_to(m)
make_offline(m, base_url={vendor!r})
st_folium(m, height=680, use_container_width=True, returned_objects=["last_object_clicked"])
'''


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


def start(script: str, cwd: Path) -> tuple[subprocess.Popen, str]:
    """``streamlit run script`` on a free loopback port, file watcher off; returns once healthy."""
    port = free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", STREAMLIT_SERVER_FILE_WATCHER_TYPE="none",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1"],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for _ in range(600):
        try:
            if opener.open(url + "/_stcore/health", timeout=1).status == 200:
                return proc, url
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"{script} did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)


def wait_interactive(page, timeout=180_000, ours=True):
    """The map's communes are drawn (SVG paths with a shape): ours after its layer file arrived."""
    frame = page.wait_for_selector(IFRAME, state="attached", timeout=timeout).content_frame()
    if ours:
        frame.wait_for_selector("body[data-communes-loaded]", state="attached", timeout=timeout)
    frame.wait_for_function("() => [...document.querySelectorAll('path.leaflet-interactive')]"
                            ".some(p => p.getAttribute('d') && p.getAttribute('d') !== 'M0 0')", timeout=timeout)
    return frame


def visit(browser, url: str, ours: bool = True) -> float:
    """Navigation -> interactive map in a new browser context (empty HTTP cache)."""
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        t = time.perf_counter()
        page.goto(url + "/")
        wait_interactive(page, ours=ours)
        return time.perf_counter() - t
    finally:
        ctx.close()


def measure_ours(browser, url: str, args) -> dict:
    out: dict = {"first": visit(browser, url)}          # right after the health check
    out["loads"] = [visit(browser, url) for _ in range(args.loads)]
    ctx = browser.new_context(viewport=VIEWPORT)         # one browser reloading: HTTP cache warm
    page = ctx.new_page()
    warm = []
    for _ in range(args.loads + 1):
        t = time.perf_counter()
        page.goto(url + "/")
        wait_interactive(page)
        warm.append(time.perf_counter() - t)
    out["reloads"] = warm[1:]
    ctx.close()

    ctx = browser.new_context(viewport=VIEWPORT)         # bytes: one more load, every response body
    page = ctx.new_page()
    sizes: dict[str, int] = {}

    def on_response(r):
        try:
            sizes[r.url] = len(r.body())
        except Exception:  # noqa: BLE001 -- a redirect or an aborted body has no size
            pass
    page.on("response", on_response)
    page.goto(url + "/")
    wait_interactive(page)
    page.wait_for_load_state("networkidle")
    ctx.close()
    out["map_bytes"] = sum(n for u, n in sizes.items() if "/component/streamlit_folium" in u or "/app/static/" in u
                           or u.rstrip("/") == url)
    out["geo_bytes"] = sum(n for u, n in sizes.items() if "/app/static/generated/" in u)
    out["st_bytes"] = sum(n for u, n in sizes.items() if "/static/js/" in u or "/static/css/" in u or "/static/media/" in u)

    ctx = browser.new_context(viewport=VIEWPORT)         # clicks: one page, several communes
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
            " return h && h.innerText !== b; }", arg=before, timeout=60_000)
        clicks.append(time.perf_counter() - t)
        page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                               ".getAttribute('data-test-script-state') === 'notRunning'", timeout=60_000)
    ctx.close()
    out["clicks"] = clicks
    return out


def fmt(xs: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--clicks", type=int, default=10)
    ap.add_argument("--entry", default="serve.py", choices=["serve.py", "app.py"],
                    help="how the app is started (serve.py: prepared before the first visitor)")
    args = ap.parse_args()
    load_before = os.getloadavg()

    tmp = tempfile.TemporaryDirectory(prefix="bench-app-")
    server, url = start(args.entry, ROOT)
    naive = None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            ours = measure_ours(browser, url, args)
            mem = rss_mb(server.pid)
            script = Path(tmp.name) / "naive_app.py"
            script.write_text(NAIVE_APP.format(root=str(ROOT), vendor=f"{url}/app/static/vendor"), encoding="utf-8")
            naive, naive_url = start(str(script), Path(tmp.name))
            visit(browser, naive_url, ours=False)            # its server's caches filled, as ours were
            naive_loads, our_loads = [], []
            for _ in range(args.loads):                      # interleaved: same machine load for both
                naive_loads.append(visit(browser, naive_url, ours=False))
                our_loads.append(visit(browser, url))
            browser.close()
    finally:
        stop(server)
        if naive is not None:
            stop(naive)
        tmp.cleanup()

    warm = statistics.median(ours["loads"])
    nav, nav_naive = statistics.median(our_loads), statistics.median(naive_loads)
    click = statistics.median(ours["clicks"])
    print(f"entry: streamlit run {args.entry}; load average {load_before[0]:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after; {os.cpu_count()} CPU")
    print(f"first visit after server start -> interactive: {ours['first']:.2f} s = {ours['first'] / warm:.2f}x "
          f"a warm visit ({warm:.2f} s median: {fmt(ours['loads'])})   [target <= 1.2x]")
    print(f"navigation -> interactive, cold browser cache: {nav:.2f} s vs naive folium app {nav_naive:.2f} s "
          f"= {nav / nav_naive:.2f}x   [target <= 0.5x]  (ours {fmt(our_loads)}; naive {fmt(naive_loads)})")
    print(f"click -> panel updated: median {click:.2f} s, max {max(ours['clicks']):.2f} s over "
          f"{len(ours['clicks'])} clicks   [target <= 0.35 s]")
    print(f"same browser, reload (HTTP cache warm) -> interactive: median {statistics.median(ours['reloads']):.2f} s "
          f"({fmt(ours['reloads'])})")
    print(f"bytes for the map (page + component + Leaflet + GeoJSON): {ours['map_bytes'] / 1e6:.2f} MB "
          f"(GeoJSON {ours['geo_bytes'] / 1e6:.2f} MB); Streamlit front-end bundle: {ours['st_bytes'] / 1e6:.2f} MB")
    print(f"server RSS after the run: {mem:.0f} MB")


if __name__ == "__main__":
    main()
