"""Playwright (sync API) harness for end-to-end tests of the Streamlit app.

Fixtures (for more e2e tests: put them in tests/e2e/ and mark them ``e2e``):

* ``app_url`` (session) -- starts ``streamlit run app.py`` on a free port of
  127.0.0.1 from the repo root, waits for ``/_stcore/health``, yields the base
  URL (``"http://127.0.0.1:PORT"``, no trailing slash), kills it at the end.
* ``browser`` (session) -- headless Debian Chromium (``/usr/bin/chromium``). Every
  request to anything but loopback goes to a proxy that refuses connections (and
  no public host name resolves): nothing leaves the machine.
* ``network_log`` (function) -- a :class:`NetworkLog` filled by ``page``.
* ``page`` (function) -- a fresh page (1400x1000, fr-FR) whose every request (all
  frames, iframes and pages it opens included) and websocket is recorded in
  ``network_log``; requests to anything but localhost FAIL (blocked by the
  browser's proxy) and are still recorded, so the test can fail on them.  Pages
  share one browser context (its HTTP cache: Streamlit's bundle and the map
  layers are fetched and compiled once, not once per test); each test starts
  with no cookie and its pages are closed after it.  Intercepting requests
  (``page.route``) turns the cache off for that page only.
* ``open_map`` (function) -- ``open_map(path="/") -> MapHandle``: navigates,
  waits until the Leaflet map in the streamlit-folium iframe is interactive,
  and returns a ``MapHandle`` (``.frame`` = the iframe's Playwright Frame,
  ``.paths``, ``.seconds_to_interactive``, ``.point_on_shape()`` -> page x, y
  over a drawn shape, for ``page.mouse.move/click``).  Timings are printed at
  the end of the run.
* ``rerun`` (function) -- ``rerun(action)``: waits until the app is idle, runs
  ``action()`` (e.g. a click) and waits until the Streamlit rerun it triggers is
  over (also when it merges with a rerun already running, e.g. the one
  streamlit-folium asks for when a map mounts).
* ``idle`` (function) -- ``idle()``: waits until the script run in progress is
  over (``stApp[data-test-script-state="notRunning"]``, connected); call it after
  waiting for an element of the page, so the run has begun.
* ``wait_in_map`` (function) -- ``wait_in_map(css)``: waits until some
  streamlit-folium iframe contains *css* (safe while a remount briefly shows
  two iframes).
* ``http_get`` -- ``http_get(url) -> (status, headers, body)`` without proxies.

Helpers: ``network_log.assert_only_local()`` (also ``.external()``,
``.requests``, ``.responses``, ``.console_errors``, ``.page_errors``,
``.failed``); ``wait_for_folium_map(page)`` after a navigation you trigger yourself;
``wait_for_in_any_map(page, css)`` after a rerun that remounts the map;
``wait_for_idle(page)`` (what ``idle`` does); ``timeout_ms(seconds)`` scales a
test's own timeout by E2E_TIMEOUT_SCALE.

Determinism under load: every wait is on the app's state (an element, a data
attribute the map sets, Streamlit's script state), never on time.  Timeouts are
generous (a loaded 2-core machine is 5-10x slower than a quiet one) and only
bound a failure; E2E_TIMEOUT_SCALE multiplies all of them (Playwright's default,
the server start, ``timeout_ms``).  Env knobs: CHROMIUM_PATH, E2E_SERVER_TIMEOUT
(s, 90), E2E_MAP_TIMEOUT (s, 120), E2E_TIMEOUT_SCALE (1), E2E_SCREENSHOT (path of
the main test's screenshot).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
    "--metrics-recording-only",
    # belt and braces: even a request that escaped interception could not
    # resolve a public host name (no DNS query leaves the machine)
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    # a page is never throttled as "in the background" (timers, rAF) while the machine is loaded:
    # Leaflet's and Streamlit's own work runs as fast as the CPU allows
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    "--disable-extensions",
    "--mute-audio",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome-error"})
TIMEOUT_SCALE = float(os.environ.get("E2E_TIMEOUT_SCALE", "1"))
SERVER_START_TIMEOUT = float(os.environ.get("E2E_SERVER_TIMEOUT", "90")) * TIMEOUT_SCALE
MAP_TIMEOUT_MS = int(float(os.environ.get("E2E_MAP_TIMEOUT", "120")) * 1000 * TIMEOUT_SCALE)


def timeout_ms(seconds: float) -> int:
    """A test's own timeout (seconds) in ms, scaled by E2E_TIMEOUT_SCALE."""
    return int(seconds * 1000 * TIMEOUT_SCALE)
IN_CI = os.environ.get("CI", "").lower() == "true"

# iframe of the streamlit-folium component (Streamlit sets title=<component name>)
FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
APP_EXCEPTION = '[data-testid="stException"]'

_TIMINGS_KEY = pytest.StashKey[list]()


# --------------------------------------------------------------------------
# network recording
# --------------------------------------------------------------------------


def is_local_url(url: str) -> bool:
    """True for localhost/127.0.0.1/[::1] http(s)/ws(s) URLs and data:/blob:."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    host = (parts.hostname or "").lower()
    return parts.scheme in {"http", "https", "ws", "wss"} and (
        host in LOCAL_HOSTS or host.startswith("127.")
    )


@dataclass
class NetworkLog:
    """Everything the page asked for (all frames), in order."""

    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, resource_type, url)
    websockets: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, error text)
    responses: dict[str, tuple[int, str]] = field(default_factory=dict)  # url -> (status, content-type)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return [u for _, _, u in self.requests] + list(self.websockets)

    def external(self) -> list[str]:
        return [u for u in self.urls if not is_local_url(u)]

    def assert_only_local(self) -> None:
        ext = self.external()
        assert not ext, (
            f"{len(ext)} request(s) left localhost (they were blocked by the test):\n  "
            + "\n  ".join(dict.fromkeys(ext))
        )


def assert_only_local_requests(log: NetworkLog) -> None:
    log.assert_only_local()


# --------------------------------------------------------------------------
# server
# --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url: str, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """GET without any proxy (env proxies must never see localhost traffic)."""
    try:
        with _NO_PROXY_OPENER.open(url, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the group we created (start_new_session)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _tail(path: Path, n: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory):
    """Start the app (streamlit run app.py) and yield its base URL."""
    logdir = tmp_path_factory.mktemp("streamlit")
    env = os.environ.copy()
    env.update(
        PYTHONUNBUFFERED="1",
        STREAMLIT_SERVER_HEADLESS="true",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        STREAMLIT_SERVER_FILE_WATCHER_TYPE="none",
        STREAMLIT_SERVER_RUN_ON_SAVE="false",
        STREAMLIT_SERVER_ENABLE_STATIC_SERVING="true",
        STREAMLIT_GLOBAL_DEVELOPMENT_MODE="false",
        STREAMLIT_CLIENT_SHOW_ERROR_DETAILS="full",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    last_error = ""
    for attempt in range(3):  # a freshly probed port can be taken in between
        port = _free_port()
        log_path = logdir / f"streamlit-{port}.log"
        log = open(log_path, "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        healthy = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, _, body = http_get(base + "/_stcore/health", timeout=2)
                if status == 200 and body.strip() == b"ok":
                    healthy = True
                    break
            except OSError:
                pass
            time.sleep(0.25)
        if healthy:
            try:
                yield base
            finally:
                _stop(proc)
                log.close()
            return
        _stop(proc)
        log.close()
        last_error = f"streamlit (port {port}, exit={proc.returncode}) not healthy:\n{_tail(log_path)}"
        if proc.returncode is None:  # timed out: retrying would not help
            break
    pytest.fail(last_error, pytrace=False)


# --------------------------------------------------------------------------
# browser
# --------------------------------------------------------------------------


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the e2e tests must run; see scripts/test.sh)", pytrace=False)
    pytest.skip(f"{reason}; install it with `bash scripts/test.sh` (or apt-get install chromium)")


@pytest.fixture(scope="session")
def _dead_proxy_port():
    """A loopback port held bound and never listening: connecting to it is refused at once. The
    browser's proxy for every non-loopback URL (Chromium never proxies loopback), so a request
    leaving the machine fails in the browser itself, without request interception (which would
    turn the HTTP cache off)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


@pytest.fixture(scope="session")
def browser(_dead_proxy_port):
    """Headless Debian Chromium driven by Playwright (never Playwright's own build)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        _unavailable(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                               args=[*CHROMIUM_ARGS, f"--proxy-server=http://127.0.0.1:{_dead_proxy_port}"])
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


@pytest.fixture(name="http_get")
def http_get_fixture():
    """``http_get(url, timeout=5) -> (status, headers (lower-case keys), body)``, no proxy."""
    return http_get


@pytest.fixture
def network_log() -> NetworkLog:
    return NetworkLog()


@pytest.fixture(scope="session")
def browser_context(browser):
    """The one context the ``page`` fixture opens its pages in (shared HTTP cache)."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000},
        locale="fr-FR",
        timezone_id="Europe/Paris",
        service_workers="block",
    )
    context.set_default_timeout(MAP_TIMEOUT_MS)
    context.set_default_navigation_timeout(MAP_TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context, network_log: NetworkLog):
    """A fresh page; records every request and lets none leave the machine."""
    context = browser_context

    def on_request(req):
        network_log.requests.append((req.method, req.resource_type, req.url))

    def on_response(resp):
        network_log.responses[resp.url] = (resp.status, resp.headers.get("content-type", ""))

    def on_failed(req):
        network_log.failed.append((req.url, req.failure or ""))

    def on_page(pg):
        pg.on("websocket", lambda ws: network_log.websockets.append(ws.url))
        pg.on("websocket", lambda ws: _record_protocol(pg, ws))
        pg.on("console", lambda msg: msg.type == "error" and network_log.console_errors.append(msg.text))
        pg.on("pageerror", lambda exc: network_log.page_errors.append(str(exc)))

    listeners = [("request", on_request), ("response", on_response), ("requestfailed", on_failed), ("page", on_page)]
    for event, fn in listeners:
        context.on(event, fn)
    pg = context.new_page()
    try:
        yield pg
    finally:
        for event, fn in listeners:
            context.remove_listener(event, fn)
        for other in list(context.pages):  # this test's page and any it opened
            try:
                other.close()
            except Exception:  # already closed with its opener
                pass
        context.clear_cookies()  # a sign-in never carries over to the next test


# --------------------------------------------------------------------------
# map helper
# --------------------------------------------------------------------------


_FIND_SHAPE_JS = """() => {
    const box = document.querySelector('.leaflet-container').getBoundingClientRect();
    // scan rows from the middle outwards, left to right
    const rows = [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75];
    for (const fy of rows)
      for (let fx = 0.05; fx < 0.96; fx += 0.01) {
        const x = box.left + fx * box.width, y = box.top + fy * box.height;
        const el = document.elementFromPoint(x, y);
        if (el && el.classList.contains('leaflet-interactive')) return [x, y];
      }
    return null;
}"""


@dataclass
class MapHandle:
    """What ``open_map`` / ``wait_for_folium_map`` return."""

    page: object  # playwright.sync_api.Page
    frame: object  # playwright.sync_api.Frame of the streamlit-folium iframe
    iframe: object  # playwright.sync_api.ElementHandle of that <iframe>
    seconds_to_iframe: float
    seconds_to_interactive: float  # navigation start -> first visible leaflet path
    paths: int  # number of path.leaflet-interactive drawn

    def point_on_shape(self) -> tuple[float, float]:
        """Page coordinates (for page.mouse) of a point over a drawn shape."""
        xy = self.frame.evaluate(_FIND_SHAPE_JS)
        assert xy is not None, "no interactive Leaflet shape under the map"
        box = self.iframe.bounding_box()
        return box["x"] + xy[0], box["y"] + xy[1]


def wait_for_folium_map(page, started: float | None = None, timeout_ms: int = MAP_TIMEOUT_MS) -> MapHandle:
    """Wait until the st_folium iframe holds an interactive Leaflet map."""
    t0 = time.monotonic() if started is None else started
    # fail fast (with the traceback) if the script crashes before the map
    handle = page.wait_for_selector(
        f"{FOLIUM_IFRAME}, {APP_EXCEPTION}", state="attached", timeout=timeout_ms
    )
    if handle.get_attribute("data-testid") == "stException":
        pytest.fail("the app raised before drawing the map:\n" + handle.inner_text()[:4000], pytrace=False)
    frame = handle.content_frame()
    assert frame is not None, "streamlit-folium iframe has no frame"
    t_iframe = time.monotonic() - t0
    frame.wait_for_selector(".leaflet-container", state="attached", timeout=timeout_ms)
    # Leaflet clips shapes outside the view to "M0 0": wait for one really drawn in the view.
    frame.wait_for_function(
        "() => [...document.querySelectorAll('path.leaflet-interactive')]"
        ".some(p => p.getAttribute('d') && p.getAttribute('d') !== 'M0 0')",
        timeout=timeout_ms,
    )
    t_map = time.monotonic() - t0
    n = frame.locator("path.leaflet-interactive").count()
    return MapHandle(page=page, frame=frame, iframe=handle, seconds_to_iframe=t_iframe, seconds_to_interactive=t_map, paths=n)


_ANY_MAP_HAS_JS = """(selector) => [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')]
    .some(f => { try { return !!f.contentDocument.querySelector(selector); } catch (e) { return false; } })"""


def wait_for_in_any_map(page, selector: str, timeout_ms: int = MAP_TIMEOUT_MS) -> None:
    """Wait until some streamlit-folium iframe contains *selector*.  Use it
    after a rerun that remounts the component: old and new iframes coexist
    for a moment, so a single-iframe locator would be ambiguous."""
    page.wait_for_function(_ANY_MAP_HAS_JS, arg=selector, timeout=timeout_ms)


@pytest.fixture
def wait_in_map(page):
    """``wait_in_map(css, timeout_ms=...)``: :func:`wait_for_in_any_map` on ``page``."""
    return lambda selector, timeout_ms=MAP_TIMEOUT_MS: wait_for_in_any_map(page, selector, timeout_ms)


@pytest.fixture
def open_map(page, app_url: str, request: pytest.FixtureRequest):
    """``open_map(path="/") -> MapHandle``: navigate and wait for the map."""

    def _open(path: str = "/") -> MapHandle:
        t0 = time.monotonic()
        page.goto(app_url + path, wait_until="commit")
        m = wait_for_folium_map(page, started=t0)
        request.config.stash.setdefault(_TIMINGS_KEY, []).append(
            (request.node.nodeid, path, m.seconds_to_iframe, m.seconds_to_interactive, m.paths)
        )
        return m

    return _open


IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'


def wait_for_idle(page, timeout_ms: int = MAP_TIMEOUT_MS) -> None:
    """Wait until no script run is in progress (and the websocket is connected). Wait for an
    element the run draws first: before its first run a page is « notRunning » too."""
    try:
        page.wait_for_selector(IDLE, state="attached", timeout=timeout_ms)
    except Exception as e:  # playwright's TimeoutError: say what was awaited, and the app's error if any
        pytest.fail(f"the app did not finish its run within {timeout_ms / 1000:.0f} s "
                    f"({_app_state(page)}): {type(e).__name__}", pytrace=False)


def _app_state(page) -> str:
    try:
        return page.evaluate("""() => { const a = document.querySelector('[data-testid="stApp"]');
            const x = document.querySelector('[data-testid="stException"]');
            return a ? `script ${a.getAttribute('data-test-script-state')}, connection `
                       + `${a.getAttribute('data-test-connection-state')}` + (x ? `, exception: ${x.innerText.slice(0, 2000)}` : '')
                     : 'no stApp in the page'; }""")
    except Exception as e:  # the page is gone
        return f"page unavailable: {e}"


# What Streamlit said on each page's websocket: ("rerun", None) for a rerun request the browser sent
# (a widget or component value changed), ("finished", status) for each end of a script run.
_PROTOCOL: dict = {}


def _record_protocol(pg, ws) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    log = _PROTOCOL.setdefault(pg, [])
    pg.once("close", lambda *_: _PROTOCOL.pop(pg, None))

    def sent(payload):
        if isinstance(payload, bytes):
            try:
                if BackMsg.FromString(payload).WhichOneof("type") == "rerun_script":
                    log.append(("rerun", None))
            except Exception:  # not a BackMsg: ignore
                pass

    def received(payload):
        if isinstance(payload, bytes):
            try:
                fm = ForwardMsg.FromString(payload)
            except Exception:
                return
            if fm.WhichOneof("type") == "script_finished":
                log.append(("finished", fm.script_finished))

    ws.on("framesent", sent)
    ws.on("framereceived", received)


def _rerun_finished_since(page, mark: int) -> bool:
    """A rerun requested after *mark* has finished (not cut short for another rerun)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    log = _PROTOCOL.get(page, [])[mark:]
    asked = next((i for i, (kind, _) in enumerate(log) if kind == "rerun"), None)
    return asked is not None and any(
        kind == "finished" and status != ForwardMsg.FINISHED_EARLY_FOR_RERUN for kind, status in log[asked + 1:])


# Records every value data-test-script-state takes from now on (the current one first).
_WATCH_SCRIPT_STATE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__e2eScriptStates = [];
    if (window.__e2eObserver) window.__e2eObserver.disconnect();
    window.__e2eObserver = new MutationObserver(() =>
        window.__e2eScriptStates.push(app.getAttribute('data-test-script-state')));
    window.__e2eObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""

# Done when a run started after the watch began (any state but notRunning: running, rerunRequested...)
# and the app is back to notRunning. A click during a run that is already going (streamlit-folium
# asks for one when a map mounts) restarts that run: « running » is then seen when it began, after
# the watch started, because the watch only starts once the app is idle.
_RERUN_DONE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return window.__e2eScriptStates.some(s => s !== 'notRunning')
        && app.getAttribute('data-test-script-state') === 'notRunning';
}"""


def run_and_wait_for_rerun(page, action, timeout_ms: int = MAP_TIMEOUT_MS) -> None:
    """Wait until the app is idle, do ``action()`` (a click...) and wait until the Streamlit
    script rerun it triggers has finished: on the websocket, a rerun request sent after the action
    then the end of a run (not one cut short to rerun), and the app idle again; or, in the page,
    ``stApp[data-test-script-state]`` left ``notRunning`` and came back to it.  (The page alone is
    not enough: a fast rerun's start and end reach React in one batch and the attribute never
    changes; the websocket alone is not either when the rerun request did not come from this page.)"""
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout_ms)
    wait_for_idle(page, timeout_ms)
    page.evaluate(_WATCH_SCRIPT_STATE_JS)
    mark = len(_PROTOCOL.get(page, []))
    action()
    deadline = time.monotonic() + timeout_ms / 1000
    while not (_rerun_finished_since(page, mark) or page.evaluate(_RERUN_DONE_JS)):
        left = deadline - time.monotonic()
        if left <= 0:
            states = page.evaluate("() => window.__e2eScriptStates || []")
            pytest.fail(f"no finished rerun after the action within {timeout_ms / 1000:.0f} s (websocket: "
                        f"{_PROTOCOL.get(page, [])[mark:]}; script states seen: {states}; {_app_state(page)})",
                        pytrace=False)
        # block until the page's state changes or a websocket frame arrives (both recorded above)
        try:
            page.wait_for_function(_RERUN_DONE_JS, timeout=min(left, 0.5) * 1000)
        except Exception:  # not yet: look at the websocket frames delivered meanwhile
            pass
    wait_for_idle(page, timeout_ms)


@pytest.fixture
def rerun(page):
    """``rerun(action)``: perform *action* and wait for the app rerun to end."""
    return lambda action, timeout_ms=MAP_TIMEOUT_MS: run_and_wait_for_rerun(page, action, timeout_ms)


@pytest.fixture
def idle(page):
    """``idle()``: :func:`wait_for_idle` on ``page``."""
    return lambda timeout_ms=MAP_TIMEOUT_MS: wait_for_idle(page, timeout_ms)


# A test file that starts servers of its own (or builds tiles) costs 15-90 s more than one on the
# shared ``app_url`` server; read from the file's text, so a new file is classed without a list.
_OWN_SERVER = re.compile(r"\b(running_app|fresh_app|start_app|serve|Popen|build_tiles)\(")


def pytest_collection_modifyitems(session, config, items):
    """The e2e files that start their own servers run first, the ones on the shared server after,
    each file's tests kept together in their order. With several pytest-xdist workers
    (scripts/test.sh: ``-n 2 --dist loadfile --no-loadscope-reorder``, files handed out in this
    order) the long files start early and the short ones fill the gaps at the end, instead of one
    worker finishing a long file alone. Only the order changes, never which tests run."""
    here = Path(__file__).parent
    slots = [i for i, item in enumerate(items) if Path(str(item.path)).parent == here]
    if not slots:
        return
    heavy: dict[Path, bool] = {}
    for i in slots:
        path = Path(str(items[i].path))
        if path not in heavy:
            heavy[path] = bool(_OWN_SERVER.search(path.read_text(encoding="utf-8", errors="replace")))
    ordered = sorted((items[i] for i in slots), key=lambda item: not heavy[Path(str(item.path))])  # stable
    for i, item in zip(slots, ordered):
        items[i] = item


def pytest_runtest_logreport(report):
    """Records when each e2e test phase began and ended (for the wall time printed at the end)."""
    if "e2e" in report.keywords and getattr(report, "start", None):
        _E2E_SPANS.append((report.start, report.stop))


_E2E_SPANS: list[tuple[float, float]] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _E2E_SPANS:  # from the first e2e test's setup to the last one's teardown, on this run's clock
        first, last = min(s for s, _ in _E2E_SPANS), max(e for _, e in _E2E_SPANS)
        busy = sum(e - s for s, e in _E2E_SPANS)
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
        terminalreporter.write_sep("-", f"e2e wall time {last - first:.0f} s ({busy:.0f} s in e2e tests, "
                                        f"load average now {load})")
    timings = config.stash.get(_TIMINGS_KEY, [])
    if timings:
        terminalreporter.write_sep("-", "e2e: navigation -> interactive Leaflet map")
        for nodeid, path, t_iframe, t_map, n in timings:
            terminalreporter.write_line(
                f"{t_map:6.2f} s (iframe at {t_iframe:.2f} s, {n} paths)  {path}  {nodeid}"
            )
