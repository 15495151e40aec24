"""Load benchmark: N people clicking communes on ONE server, driven at the websocket level.

    python benchmarks/bench_load.py                      # 1, 5, 10, 20 sessions, 10 clicks each
    python benchmarks/bench_load.py --sessions 1,5 --clicks 5 --url http://127.0.0.1:8501

No browser: each session is a real Streamlit session (``/_stcore/stream`` websocket, the
``BackMsg``/``ForwardMsg`` protobufs of ``streamlit.proto``, exactly what the browser sends), so
the server does all the work a browser session costs it, and the client stays cheap enough for
20 of them on a 2-core machine.

* page load = websocket opened -> first run of the home page script finished (``script_finished``);
  the browser's own work (HTML, JS, the map iframe) is not in it.
* click = the map component's value changes to a click on a commune (``last_object_clicked`` +
  ``last_active_drawing`` with the commune's INSEE code, the value streamlit-folium's frontend
  sends; widget id read from the delta that drew the map, its ``fragment_id`` if it lives in a
  fragment) -> the rerun that follows finished AND its deltas contain the commune's panel
  (« Code INSEE **35360** »). This is the path a browser click takes (``on_change`` callback, rerun),
  not a ``?commune=`` query-parameter shortcut.
* ~0.5 s between a session's clicks, every session starts at once (a meeting opening the link).

Prints median/p95 of click -> panel and page load per session count, the ratio of p95 to the
one-session p95 measured in the same run, errors, and the server's RSS (peak while the step runs,
summed over the app processes, when the benchmark started them). Without ``--url`` it starts
``streamlit run app.py`` on a free loopback port with the file watcher off (as deployed) and stops
it at the end; ``--processes 2`` starts two behind nginx (deploy/render_nginx.py, Debian's nginx).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

REPO_ROOT = Path(__file__).resolve().parent.parent
FOLIUM = "streamlit_folium.st_folium"
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
STEP_TIMEOUT = 120.0  # s: one page load or one click slower than this counts as an error


# --------------------------------------------------------------------------------------------
# one Streamlit session over the websocket
# --------------------------------------------------------------------------------------------

@dataclass
class RunResult:
    seconds: float
    texts: list[str] = field(default_factory=list)  # markdown/heading bodies drawn by the run


class Session:
    """A browser-less Streamlit session: rerun the script, send widget values, read the deltas."""

    def __init__(self, base_url: str, query_string: str = "", headers: dict | None = None):
        self.ws_url = base_url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
        self.query_string = query_string
        self.headers = headers or {}
        self.ws = None
        self.page_hash = ""
        self.map_widget_id: str | None = None
        self.map_fragment_id = ""
        self.clicks = 0

    async def open(self) -> RunResult:
        t0 = time.perf_counter()
        self.ws = await connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                additional_headers=self.headers, open_timeout=STEP_TIMEOUT,
                                compression=None, proxy=None)
        res = await self.rerun()
        res.seconds = time.perf_counter() - t0
        return res

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def rerun(self, widget_states: list | None = None, fragment_id: str = "") -> RunResult:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_hash
        cs.context_info.timezone = "Europe/Paris"
        cs.context_info.locale = "fr-FR"
        if fragment_id:
            cs.fragment_id = fragment_id
        for ws_state in widget_states or []:
            cs.widget_states.widgets.append(ws_state)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        texts = await asyncio.wait_for(self._read_until_finished(), STEP_TIMEOUT)
        return RunResult(time.perf_counter() - t0, texts)

    async def _read_until_finished(self) -> list[str]:
        texts: list[str] = []
        while True:
            fm = ForwardMsg.FromString(await self.ws.recv())
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = self.page_hash or fm.new_session.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = fm.page_info_changed.query_string
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                which = el.WhichOneof("type")
                if which == "component_instance" and el.component_instance.component_name == FOLIUM:
                    self.map_widget_id = el.component_instance.id
                    self.map_fragment_id = fm.delta.fragment_id
                elif which == "markdown":
                    texts.append(el.markdown.body)
                elif which == "heading":
                    texts.append(el.heading.body)
                elif which == "exception":
                    raise RuntimeError(f"exception in the app: {el.exception.type}: {el.exception.message}")
            elif kind == "script_finished":
                if fm.script_finished in DONE:
                    return texts
                if fm.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError("script compile error")
                # FINISHED_EARLY_FOR_RERUN: the rerun it asked for follows

    async def click(self, commune: "Commune") -> RunResult:
        """The map component's new value after a click on *commune*, as streamlit-folium sends it."""
        if self.map_widget_id is None:
            raise RuntimeError("the page drew no map component")
        self.clicks += 1
        latlng = {"lat": commune.lat, "lng": commune.lng}
        value = {
            "last_clicked": latlng, "last_object_clicked": latlng,
            "last_object_clicked_count": self.clicks, "last_object_clicked_tooltip": commune.nom,
            "last_object_clicked_popup": None, "all_drawings": None,
            "last_active_drawing": {"type": "Feature", "properties": {"code": commune.code, "nom": commune.nom},
                                    "geometry": {"type": "Point", "coordinates": [commune.lng, commune.lat]}},
            "bounds": {"_southWest": {"lat": 47.2, "lng": -5.2}, "_northEast": {"lat": 48.9, "lng": -1.0}},
            "zoom": 8, "last_circle_radius": None, "last_circle_polygon": None, "center": latlng,
            "selected_layers": None,
        }
        state = WidgetState(id=self.map_widget_id, json_value=json.dumps(value))
        res = await self.rerun([state], fragment_id=self.map_fragment_id)
        needle = f"Code INSEE **{commune.code}**"
        if not any(needle in t for t in res.texts):
            raise RuntimeError(f"the panel of {commune.code} was not drawn by the rerun")
        return res


# --------------------------------------------------------------------------------------------
# workload
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Commune:
    code: str
    nom: str
    lat: float
    lng: float


def communes_in_cpts(n: int = 200, seed: int = 7) -> list[Commune]:
    """Communes of documented CPTS (their point on surface): clicks that open a full CPTS panel."""
    sys.path.insert(0, str(REPO_ROOT))
    from geo.atlas import Atlas
    atlas = Atlas.load()
    codes = sorted({c for t in atlas.territories for c in t.codes})
    df = atlas.communes.set_index("code").loc[codes]
    pts = df.geometry.representative_point()
    out = [Commune(code, str(df.at[code, "nom"]), round(p.y, 5), round(p.x, 5)) for code, p in zip(codes, pts)]
    random.Random(seed).shuffle(out)
    return out[:n]


@dataclass
class StepStats:
    sessions: int
    loads: list[float] = field(default_factory=list)
    clicks: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_peak_mb: float | None = None
    wall: float = 0.0


async def one_user(url: str, communes: list[Commune], n_clicks: int, pause: float, stats: StepStats,
                   rng: random.Random) -> None:
    s = Session(url)
    try:
        stats.loads.append((await s.open()).seconds)
        for c in rng.sample(communes, n_clicks):
            await asyncio.sleep(pause)
            stats.clicks.append((await s.click(c)).seconds)
    except Exception as e:  # noqa: BLE001 -- every failure is counted and reported
        stats.errors.append(f"{type(e).__name__}: {e}")
    finally:
        try:
            await s.close()
        except Exception:  # noqa: BLE001
            pass


async def run_step(url: str, n_sessions: int, communes: list[Commune], n_clicks: int, pause: float,
                   seed: int) -> StepStats:
    stats = StepStats(n_sessions)
    t0 = time.perf_counter()
    await asyncio.gather(*(one_user(url, communes, n_clicks, pause, stats, random.Random(seed + i))
                           for i in range(n_sessions)))
    stats.wall = time.perf_counter() - t0
    return stats


# --------------------------------------------------------------------------------------------
# server
# --------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float | None:
    """Resident memory of the process tree's root (streamlit runs in one process)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler:
    """Peak of the summed RSS of the app processes while a step runs."""

    def __init__(self, pids: list[int]):
        self.pids, self.peak, self._stop = pids, None, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            values = [v for v in map(rss_mb, self.pids) if v is not None]
            if values:
                self.peak = max(self.peak or 0.0, sum(values))
            self._stop.wait(0.2)

    def __enter__(self):
        if self.pids:
            self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()


def start_server(timeout: float = 120.0) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1", STREAMLIT_SERVER_FILE_WATCHER_TYPE="none",
               STREAMLIT_SERVER_HEADLESS="true", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1"], cwd=REPO_ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with opener.open(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.25)
    stop_server(proc)
    raise SystemExit(f"streamlit did not start on {url}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)


def start_proxy(backends: list[str], workdir: Path) -> tuple[subprocess.Popen, str]:
    """nginx as deploy/render_nginx.py configures it, in front of *backends* (--processes N)."""
    port = free_port()
    cmd = [sys.executable, str(REPO_ROOT / "deploy" / "render_nginx.py"), "--listen", f"127.0.0.1:{port}",
           "--standalone", str(workdir)]
    for b in backends:
        cmd += ["--backend", b]
    subprocess.run(cmd, check=True, capture_output=True)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-g", "daemon off;"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for _ in range(100):
        try:
            with opener.open(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    stop_server(proc)
    raise SystemExit("nginx did not start")


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(steps: list[StepStats]) -> None:
    base = next((pct(s.clicks, 95) for s in steps if s.clicks), None)
    print(f"{'sessions':>8} {'clicks':>6} {'click med':>10} {'click p95':>10} {'x1 p95':>7} "
          f"{'load med':>9} {'load p95':>9} {'errors':>6} {'RSS peak':>9} {'wall':>6}")
    for s in steps:
        p95 = pct(s.clicks, 95)
        ratio = f"{p95 / base:6.1f}x" if base and s.clicks else "     -"
        rss = f"{s.rss_peak_mb:6.0f} MB" if s.rss_peak_mb else "      -"
        print(f"{s.sessions:>8} {len(s.clicks):>6} {pct(s.clicks, 50):9.3f}s {p95:9.3f}s {ratio:>7} "
              f"{pct(s.loads, 50):8.3f}s {pct(s.loads, 95):8.3f}s {len(s.errors):>6} {rss} {s.wall:5.0f}s")
    for s in steps:
        for e in sorted(set(s.errors))[:5]:
            print(f"  {s.sessions} sessions: {s.errors.count(e)} x {e}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", default="1,5,10,20", help="session counts, one step each (default 1,5,10,20)")
    ap.add_argument("--clicks", type=int, default=10, help="clicks per session (default 10)")
    ap.add_argument("--pause", type=float, default=0.5, help="seconds between a session's clicks (default 0.5)")
    ap.add_argument("--url", help="an already running app (loopback); default: start one on a free port")
    ap.add_argument("--processes", type=int, default=1,
                    help="app processes; more than 1 puts nginx (deploy/render_nginx.py) in front of them")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    counts = [int(x) for x in args.sessions.split(",") if x.strip()]
    communes = communes_in_cpts()
    procs: list[subprocess.Popen] = []
    tmp = tempfile.TemporaryDirectory(prefix="bench-load-")
    try:
        if args.url:
            url, what = args.url.rstrip("/"), "given"
        else:
            servers = [start_server() for _ in range(args.processes)]
            procs = [p for p, _ in servers]
            url, what = servers[0][1], "started by the benchmark, file watcher off"
            if args.processes > 1:
                proxy, url = start_proxy([u.removeprefix("http://") for _, u in servers], Path(tmp.name))
                procs.append(proxy)
                what = f"nginx in front of {args.processes} app processes (deploy/render_nginx.py)"
        app_pids = [p.pid for p in procs[:args.processes]] if procs else []
        # warm-up: caches (atlas, map data, layers) filled on every process before anything is timed
        asyncio.run(run_step(url, 2 * max(1, len(app_pids)), communes, 2, 0.0, seed=999))
        steps = []
        for n in counts:
            with RssSampler(app_pids) as rs:
                st = asyncio.run(run_step(url, n, communes, args.clicks, args.pause, seed=args.seed * 1000 + n))
            st.rss_peak_mb = rs.peak
            steps.append(st)
            print(f"... {n} sessions: {len(st.clicks)} clicks, {len(st.errors)} errors, {st.wall:.0f} s",
                  file=sys.stderr, flush=True)
        print(f"server: {url} ({what}); {args.clicks} clicks/session, {args.pause} s apart; {os.cpu_count()} CPU")
        report(steps)
    finally:
        for p in reversed(procs):
            stop_server(p)
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
