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

The floor, measured in the same run with a cold browser cache: an EMPTY Streamlit app (a title:
Streamlit's own front-end, ≈3.5 MB of JavaScript, its websocket and one script run) and the same
with an EMPTY ``st_folium`` map (streamlit-folium's iframe, its script, Leaflet): no Streamlit page
can be interactive before the first, no folium map in Streamlit before the second. Ours and the
naive app are printed against both, so the 0.5× target can be judged against what is reachable.

The browser is started (and has navigated once, to the baselines) before our server starts, so
the first visit measures the server's first visit, not Chromium's own start-up.

Usage: python benchmarks/bench_app.py [--loads 5] [--clicks 10] [--entry serve.py|app.py] [--timeline]
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


# The floor: what any Streamlit page, and any folium map in Streamlit, costs before showing anything.
EMPTY_APP = '''
import streamlit as st
st.set_page_config(layout="wide")
st.title("Vide")
'''
EMPTY_MAP_APP = '''
import sys
sys.path.insert(0, {root!r})
import streamlit as st
from streamlit_folium import st_folium
from geo.offline import make_offline, new_map

st.set_page_config(layout="wide")
st.title("Carte vide")
m = new_map(location=[48.2, -2.9], zoom_start=8, base_url={vendor!r})
st_folium(make_offline(m, base_url={vendor!r}), height=680, use_container_width=True,
          returned_objects=["last_object_clicked"])
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


def wait_title(page, timeout=180_000, ours=False):
    """The empty app: its title drawn and its script run over."""
    page.wait_for_selector("h1:has-text('Vide')", timeout=timeout)
    page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                           ".getAttribute('data-test-script-state') === 'notRunning'", timeout=timeout)


def wait_empty_map(page, timeout=180_000, ours=False):
    """The empty folium map: Leaflet's map created in streamlit-folium's iframe."""
    frame = page.wait_for_selector(IFRAME, state="attached", timeout=timeout).content_frame()
    frame.wait_for_function("() => window.map && window.map._loaded", timeout=timeout)
    return frame


def wait_interactive(page, timeout=180_000, ours=True):
    """The map's communes are drawn (SVG paths with a shape): ours after its layer file arrived."""
    frame = page.wait_for_selector(IFRAME, state="attached", timeout=timeout).content_frame()
    if ours:
        frame.wait_for_selector("body[data-communes-loaded]", state="attached", timeout=timeout)
    frame.wait_for_function("() => [...document.querySelectorAll('path.leaflet-interactive')]"
                            ".some(p => p.getAttribute('d') && p.getAttribute('d') !== 'M0 0')", timeout=timeout)
    return frame


def visit(browser, url: str, ours: bool = True, wait=wait_interactive) -> float:
    """Navigation -> interactive map in a new browser context (empty HTTP cache)."""
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        t = time.perf_counter()
        page.goto(url + "/")
        wait(page, ours=ours)
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


# Marks of one navigation, in every frame (ms since the epoch, comparable across frames): the
# script run's state changes, the iframe's appearance, Leaflet's arrival, the communes' JSON parse
# and drawing (L.GeoJSON.addData), the communes layer loaded.
_MARKS_JS = r"""
(() => {
  const T = () => performance.timeOrigin + performance.now(), marks = window.__benchMarks = [];
  const mark = (what, t0) => marks.push([what, t0 === undefined ? T() : t0, T()]);
  Response.prototype.json = function () {
    const name = this.url.split("/").pop().split("-")[0];
    return this.text().then(s => { const t0 = T(), v = JSON.parse(s); mark("JSON.parse " + name, t0); return v; });
  };
  let leaflet;
  Object.defineProperty(window, "L", {configurable: true, get() { return leaflet; }, set(v) {
    leaflet = v; mark("Leaflet evaluated");
    const addData = v.GeoJSON.prototype.addData;
    v.GeoJSON.prototype.addData = function (d) {
      const t0 = T(), out = addData.call(this, d);
      if (d && d.features) { mark("addData " + d.features.length + " features", t0); }
      return out;
    };
  }});
  let state = null, iframe = false, loaded = false;
  new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const now = app && app.getAttribute("data-test-script-state");
    if (now && now !== state) { state = now; mark("script state " + now); }
    if (!iframe && document.querySelector("iframe")) { iframe = true; mark("component iframe in the page"); }
    if (!loaded && document.body && document.body.hasAttribute("data-communes-loaded")) {
      loaded = true; mark("communes loaded");
    }
  }).observe(document, {attributes: true, childList: true, subtree: true});
})();
"""
_ENTRIES_JS = """() => [performance.getEntriesByType("resource").map(e => [e.name, performance.timeOrigin + e.startTime,
    performance.timeOrigin + e.responseEnd, e.decodedBodySize]), window.__benchMarks || [], performance.timeOrigin]"""


def timeline(browser, url: str) -> list[tuple[float, str]]:
    """Where one cold navigation's time goes: resources (start -> end) and marks, in ms from the start."""
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(_MARKS_JS)
    page = ctx.new_page()
    page.goto(url + "/")
    frame = wait_interactive(page)
    (res, marks, origin), (fres, fmarks, forigin) = page.evaluate(_ENTRIES_JS), frame.evaluate(_ENTRIES_JS)
    ctx.close()
    out = [(origin, origin, "navigation start"), (forigin, forigin, "component iframe document requested")]
    st_js = [e for e in res if "/static/js/" in e[0] or "/static/css/" in e[0]]
    if st_js:
        out.append((min(e[1] for e in st_js), max(e[2] for e in st_js),
                    f"Streamlit front-end: {len(st_js)} files, {sum(e[3] for e in st_js) / 1e6:.2f} MB"))
    for name, t0, t1, size in [*res, *fres]:
        if "/static/js/" in name or "/static/css/" in name or "/static/media/" in name:
            continue
        out.append((t0, t1, f"{name.split('?')[0].replace(url, '')} ({size / 1e3:.0f} kB)"))
    out += [(t0, t1, what) for what, t0, t1 in [*marks, *fmarks]]
    return [(t0 - origin, f"{what}" + (f" -> {t1 - origin:.0f}" if t1 - t0 >= 1 else ""))
            for t0, t1, what in sorted(out)]


def fmt(xs: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--clicks", type=int, default=10)
    ap.add_argument("--entry", default="serve.py", choices=["serve.py", "app.py"],
                    help="how the app is started (serve.py: prepared before the first visitor)")
    ap.add_argument("--timeline", action="store_true",
                    help="also print where the time of one cold navigation goes (page, iframe, layers)")
    args = ap.parse_args()
    load_before = os.getloadavg()

    tmp = tempfile.TemporaryDirectory(prefix="bench-app-")
    servers: list[subprocess.Popen] = []
    try:
        # the baselines first: their servers ready and the browser started before ours starts. Each
        # in its own folder whose static/ is ours (Leaflet served by the baseline's own server)
        urls = {}
        for name, template in (("empty", EMPTY_APP), ("empty_map", EMPTY_MAP_APP), ("naive", NAIVE_APP)):
            folder = Path(tmp.name) / name
            (folder / ".streamlit").mkdir(parents=True)
            (folder / ".streamlit" / "config.toml").write_text("[server]\nenableStaticServing = true\n")
            (folder / "static").symlink_to(ROOT / "static")
            (folder / "app.py").write_text(template.format(root=str(ROOT), vendor="/app/static/vendor"), encoding="utf-8")
            proc, urls[name] = start("app.py", folder)
            servers.append(proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            baselines = {"empty": wait_title, "empty_map": wait_empty_map, "naive": wait_interactive}
            for name, wait in baselines.items():     # their servers' caches filled, the browser warm
                visit(browser, urls[name], ours=False, wait=wait)
            server, url = start(args.entry, ROOT)
            servers.append(server)
            ours = measure_ours(browser, url, args)
            mem = rss_mb(server.pid)
            rounds: dict[str, list[float]] = {name: [] for name in (*baselines, "ours")}
            for _ in range(args.loads):                      # interleaved: same machine load for all
                for name, wait in baselines.items():
                    rounds[name].append(visit(browser, urls[name], ours=False, wait=wait))
                rounds["ours"].append(visit(browser, url))
            steps = timeline(browser, url) if args.timeline else None
            browser.close()
    finally:
        for proc in servers:
            stop(proc)
        tmp.cleanup()

    warm = statistics.median(ours["loads"])
    med = {name: statistics.median(xs) for name, xs in rounds.items()}
    click = statistics.median(ours["clicks"])
    print(f"entry: streamlit run {args.entry}; load average {load_before[0]:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after; {os.cpu_count()} CPU")
    print(f"first visit after server start -> interactive: {ours['first']:.2f} s = {ours['first'] / warm:.2f}x "
          f"a warm visit ({warm:.2f} s median: {fmt(ours['loads'])})   [target <= 1.2x]")
    print(f"navigation -> interactive, cold browser cache: {med['ours']:.2f} s vs naive folium app {med['naive']:.2f} s "
          f"= {med['ours'] / med['naive']:.2f}x   [target <= 0.5x]  (ours {fmt(rounds['ours'])}; naive {fmt(rounds['naive'])})")
    print(f"  floor, same rounds: empty Streamlit app (title) {med['empty']:.2f} s = {med['empty'] / med['naive']:.2f}x naive; "
          f"empty st_folium map {med['empty_map']:.2f} s = {med['empty_map'] / med['naive']:.2f}x naive "
          f"(empty {fmt(rounds['empty'])}; empty map {fmt(rounds['empty_map'])})")
    print(f"  above the floor: ours {med['ours'] - med['empty_map']:+.2f} s, naive {med['naive'] - med['empty_map']:+.2f} s "
          f"over the empty map; ours = {med['ours'] / med['empty_map']:.2f}x the empty map, "
          f"{med['ours'] / med['empty']:.2f}x the empty app")
    print(f"click -> panel updated: median {click:.2f} s, max {max(ours['clicks']):.2f} s over "
          f"{len(ours['clicks'])} clicks   [target <= 0.35 s]")
    print(f"same browser, reload (HTTP cache warm) -> interactive: median {statistics.median(ours['reloads']):.2f} s "
          f"({fmt(ours['reloads'])})")
    print(f"bytes for the map (page + component + Leaflet + GeoJSON): {ours['map_bytes'] / 1e6:.2f} MB "
          f"(GeoJSON {ours['geo_bytes'] / 1e6:.2f} MB); Streamlit front-end bundle: {ours['st_bytes'] / 1e6:.2f} MB")
    print(f"server RSS after the run: {mem:.0f} MB")
    if steps:
        print("one cold navigation of ours, ms from navigation start:")
        for t, what in steps:
            print(f"  {t:7.0f}  {what}")


if __name__ == "__main__":
    main()
