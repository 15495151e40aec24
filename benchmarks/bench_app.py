"""App benchmark in headless Chromium (Debian's /usr/bin/chromium): prints numbers, asserts nothing.

Issue 10's Bretagne targets, as ratios to baselines measured in the same run:

- first visit after server start -> interactive map, vs a warm visit (target ≤ 1.2×). The server is
  started the deployed way (``streamlit run serve.py``, ``--entry app.py`` for the plain one) and
  visited as soon as it answers its health check. Both visits with an empty browser cache;
- navigation -> interactive map (communes drawn and clickable), new browser context each time
  (cold browser cache), vs the NAIVE folium app measured in the same run (target ≤ 0.5×): the same
  communes as one ``folium.GeoJson`` in ``st_folium``, the way a first Streamlit app does it
  (written to a temporary folder, never shipped; its own server serves our static/, offline);
- click on a commune -> panel updated, median over several clicks (target ≤ 0.35 s);
- also: reload in one browser (HTTP cache warm), bytes the browser received for the map, the
  server's RSS.

The floor, measured in the same run with a cold browser cache: an EMPTY Streamlit app (a title:
Streamlit's own front-end, ≈3.5 MB of JavaScript, its websocket and one script run) and the same
with an EMPTY ``st_folium`` map (streamlit-folium's iframe, its script, Leaflet): no Streamlit page
can be interactive before the first, no folium map in Streamlit before the second. Ours and the
naive app are printed against both, so the 0.5× target can be judged against what is reachable;
a third baseline adds the home page's sidebar widgets to the empty map (what our own controls
cost). CPU seconds per navigation (server, browser) are printed too: wall times swing with the
shared machine's load, CPU much less.

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

from nav_timeline import timeline

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

# The same with the home page's sidebar widgets (search, two select boxes, three toggles, the
# exports' expander): what the page's own controls cost the map (Streamlit renders them, loading
# their lazy front-end chunks, on the same main thread as the map's iframe).
EMPTY_MAP_WIDGETS_APP = EMPTY_MAP_APP + '''
with st.sidebar:
    st.text_input("Rechercher une commune", key="q", placeholder="Nom, code postal ou code INSEE")
    st.selectbox("Aller à une CPTS", options=["a", "b"], index=None, key="goto")
    st.selectbox("Colorer la carte par", options=["a", "b"], key="colour")
    for k in ("t1", "t2", "t3"):
        st.toggle(k, key=k)
    with st.expander("Exporter (hors ligne)"):
        st.caption("-")
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_TICK = os.sysconf("SC_CLK_TCK")
SERVERS: dict[str, int] = {}   # url -> server pid, to split a visit's CPU between server and browser


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(x) for x in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def _cpu(pids) -> float:
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])   # utime + stime
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total / _TICK


def cpu_split(url: str) -> tuple[float, float]:
    """CPU seconds used so far by ``url``'s server and by everything else this script started
    (Chromium: browser, renderers, GPU and network processes; Playwright's driver): under a noisy
    load the CPU a navigation costs says more than its wall time."""
    server = set(_tree(SERVERS[url])) if url in SERVERS else set()
    return _cpu(server), _cpu(set(_tree(os.getpid())) - server - {os.getpid()} - {
        q for pid in SERVERS.values() for q in _tree(pid)})


def rss_mb(pid: int) -> float:
    total = 0
    for p in _tree(pid):
        try:
            total += sum(int(line.split()[1]) for line in Path(f"/proc/{p}/status").read_text().splitlines()
                         if line.startswith("VmRSS:"))
        except FileNotFoundError:
            pass
    return total / 1024


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
                SERVERS[url] = proc.pid
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


def visit(browser, url: str, ours: bool = True, wait=wait_interactive, cpu: list | None = None) -> float:
    """Navigation -> interactive map in a new browser context (empty HTTP cache); its CPU seconds
    (server, browser) appended to ``cpu``."""
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        before = cpu_split(url)
        t = time.perf_counter()
        page.goto(url + "/")
        wait(page, ours=ours)
        took = time.perf_counter() - t
        if cpu is not None:
            cpu.append(tuple(b - a for a, b in zip(before, cpu_split(url))))
        return took
    finally:
        ctx.close()


def measure_ours(browser, url: str, args) -> dict:
    out: dict = {"cpu_first": [], "cpu_loads": []}
    out["first"] = visit(browser, url, cpu=out["cpu_first"])          # right after the health check
    out["loads"] = [visit(browser, url, cpu=out["cpu_loads"]) for _ in range(args.loads)]
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
        for name, template in (("empty", EMPTY_APP), ("empty_map", EMPTY_MAP_APP),
                               ("empty_map_widgets", EMPTY_MAP_WIDGETS_APP), ("naive", NAIVE_APP)):
            folder = Path(tmp.name) / name
            (folder / ".streamlit").mkdir(parents=True)
            (folder / ".streamlit" / "config.toml").write_text("[server]\nenableStaticServing = true\n")
            (folder / "static").symlink_to(ROOT / "static")
            (folder / "app.py").write_text(template.format(root=str(ROOT), vendor="/app/static/vendor"), encoding="utf-8")
            proc, urls[name] = start("app.py", folder)
            servers.append(proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            baselines = {"empty": wait_title, "empty_map": wait_empty_map, "empty_map_widgets": wait_empty_map,
                         "naive": wait_interactive}
            for name, wait in baselines.items():     # their servers' caches filled, the browser warm
                visit(browser, urls[name], ours=False, wait=wait)
            server, url = start(args.entry, ROOT)
            servers.append(server)
            ours = measure_ours(browser, url, args)
            mem = rss_mb(server.pid)
            rounds: dict[str, list[float]] = {name: [] for name in (*baselines, "ours")}
            cpus: dict[str, list] = {name: [] for name in rounds}
            for _ in range(args.loads):                      # interleaved: same machine load for all
                for name, wait in baselines.items():
                    rounds[name].append(visit(browser, urls[name], ours=False, wait=wait, cpu=cpus[name]))
                rounds["ours"].append(visit(browser, url, cpu=cpus["ours"]))
            steps = {"ours": timeline(browser, url, wait_interactive, VIEWPORT), "empty st_folium map": timeline(
                browser, urls["empty_map"], lambda page: wait_empty_map(page), VIEWPORT)} if args.timeline else {}
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
    first_cpu = sum(ours["cpu_first"][0])
    warm_cpu = statistics.median(sum(c) for c in ours["cpu_loads"])
    warm_split = [statistics.median(c[i] for c in ours["cpu_loads"]) for i in (0, 1)]
    print(f"  CPU (server, browser): first visit {fmt(ours['cpu_first'][0])} s = {first_cpu / warm_cpu:.2f}x "
          f"a warm visit's {warm_cpu:.2f} s (medians {fmt(warm_split)})")
    print(f"navigation -> interactive, cold browser cache: {med['ours']:.2f} s vs naive folium app {med['naive']:.2f} s "
          f"= {med['ours'] / med['naive']:.2f}x   [target <= 0.5x]  (ours {fmt(rounds['ours'])}; naive {fmt(rounds['naive'])})")
    print(f"  floor, same rounds: empty Streamlit app (title) {med['empty']:.2f} s = {med['empty'] / med['naive']:.2f}x naive; "
          f"empty st_folium map {med['empty_map']:.2f} s = {med['empty_map'] / med['naive']:.2f}x naive "
          f"(empty {fmt(rounds['empty'])}; empty map {fmt(rounds['empty_map'])})")
    print(f"  the home page's sidebar widgets on the empty map: {med['empty_map_widgets']:.2f} s "
          f"= {med['empty_map_widgets'] / med['naive']:.2f}x naive, {med['empty_map_widgets'] - med['empty_map']:+.2f} s "
          f"({fmt(rounds['empty_map_widgets'])})")
    print(f"  above the floor: ours {med['ours'] - med['empty_map']:+.2f} s, naive {med['naive'] - med['empty_map']:+.2f} s "
          f"over the empty map; ours = {med['ours'] / med['empty_map']:.2f}x the empty map, "
          f"{med['ours'] / med['empty']:.2f}x the empty app")
    cpu = {name: tuple(statistics.median(c[i] for c in xs) for i in (0, 1)) for name, xs in cpus.items()}
    print("  CPU per navigation (median, server + browser): " + "; ".join(
        f"{name} {a:.2f} + {b:.2f} = {a + b:.2f} s" for name, (a, b) in cpu.items())
          + f"; ours = {sum(cpu['ours']) / sum(cpu['naive']):.2f}x naive, {sum(cpu['empty_map']) / sum(cpu['naive']):.2f}x "
          f"for the empty map")
    print(f"click -> panel updated: median {click:.2f} s, max {max(ours['clicks']):.2f} s over "
          f"{len(ours['clicks'])} clicks   [target <= 0.35 s]")
    print(f"same browser, reload (HTTP cache warm) -> interactive: median {statistics.median(ours['reloads']):.2f} s "
          f"({fmt(ours['reloads'])})")
    print(f"bytes for the map (page + component + Leaflet + GeoJSON): {ours['map_bytes'] / 1e6:.2f} MB "
          f"(GeoJSON {ours['geo_bytes'] / 1e6:.2f} MB); Streamlit front-end bundle: {ours['st_bytes'] / 1e6:.2f} MB")
    print(f"server RSS after the run: {mem:.0f} MB")
    for name, marks in steps.items():
        print(f"one cold navigation, {name}, ms from navigation start:")
        for t, what in marks:
            print(f"  {t:7.0f}  {what}")


if __name__ == "__main__":
    main()
