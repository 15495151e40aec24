"""Past one process (issue 11): two app processes on ONE data directory behind nginx, configured by
deploy/render_nginx.py. Every request of a browser (page, websocket, static layers, component,
media, uploads) reaches the process holding its session, decided by the proxy's affinity cookie;
a publish through the CLI is seen by both processes.

Which process served a request is read from nginx's access log (upstream=…), never from the app."""
from __future__ import annotations

import re
import time
import uuid

import pytest

from benchmarks.bench_load import Session
from tests.deploy_support import (NEW_CPTS_NAME, NEW_CPTS_ROWS, LoopThread, copy_app_tree, http, publish, start_app,
                                  start_nginx)

PATHS = ["/", "/_stcore/health", "/_stcore/host-config", "/app/static/vendor/README.md",
         "/component/streamlit_folium.st_folium/index.html", "/media/absent.png", "/Comparer"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replicas")
    tree = copy_app_tree(tmp / "app")  # one checkout, one data directory (under it, like data/)
    secret = {"STREAMLIT_SERVER_COOKIE_SECRET": uuid.uuid4().hex}  # the same on every replica
    apps = [start_app(tree / "data", tmp / f"app{i}.log", cwd=tree, env=secret) for i in range(2)]
    proxy = start_nginx(tmp / "nginx", [a.url.removeprefix("http://") for a in apps])
    try:
        yield tree, apps, proxy
    finally:
        proxy.stop()
        for a in apps:
            a.stop()


def upstreams(proxy, marker: str) -> list[str]:
    """Backends that served the requests whose line contains *marker* (nginx's access log)."""
    log = proxy.log_path.parent / "access.log"
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in log.read_text().splitlines() if marker in line]
        if lines or time.monotonic() > deadline:
            return [re.search(r"upstream=(\S+)", line).group(1) for line in lines]
        time.sleep(0.1)


def affinity_cookie(proxy) -> str:
    status, headers, _ = http(proxy.url + "/")
    m = re.search(r"cpts_affinity=([^;]+)", headers.get("set-cookie", ""))
    assert status == 200 and m, headers
    return m.group(1)


def test_a_browser_sticks_to_one_process_and_new_browsers_spread(cluster):
    _, apps, proxy = cluster
    backends = {a.url.removeprefix("http://") for a in apps}
    seen = {}
    for i in range(40):  # new visitors: a fresh key each, spread over the processes
        key = affinity_cookie(proxy)
        probe = f"probe-{uuid.uuid4().hex}"
        for path in PATHS:
            sep = "&" if "?" in path else "?"
            status, headers, _ = http(f"{proxy.url}{path}{sep}{probe}", headers={"Cookie": f"cpts_affinity={key}"})
            assert status in (200, 404), (path, status)
            assert "cpts_affinity" not in headers.get("set-cookie", "")  # the key is set once
        used = set(upstreams(proxy, probe))
        assert len(used) == 1 and used <= backends, (key, used)  # every kind of request, one process
        seen.setdefault(used.pop(), key)
        if len(seen) == 2:
            break
    assert set(seen) == backends, f"40 visitors all went to {set(seen)}"


def test_websocket_session_on_its_process_and_publish_seen_by_both(cluster, tmp_path):
    tree, apps, proxy = cluster
    # one cookie per process
    keys = {}
    for _ in range(60):
        key = affinity_cookie(proxy)
        probe = f"probe-{uuid.uuid4().hex}"
        http(f"{proxy.url}/_stcore/health?{probe}", headers={"Cookie": f"cpts_affinity={key}"})
        keys.setdefault(upstreams(proxy, probe)[0], key)
        if len(keys) == 2:
            break
    assert len(keys) == 2
    loop = LoopThread()

    def panel(key: str) -> list[str]:
        s = Session(proxy.url, query_string="cpts=essai-publication", headers={"Cookie": f"cpts_affinity={key}"})
        texts = loop.run(s.open()).texts
        loop.run(s.close())
        return texts

    try:
        before = {b: panel(k) for b, k in keys.items()}
        assert all(not any(NEW_CPTS_NAME in t for t in texts) for texts in before.values())
        # the websocket of each session went to the process its cookie names
        for backend, key in keys.items():
            log = (proxy.log_path.parent / "access.log").read_text().splitlines()
            streams = [l for l in log if "/_stcore/stream" in l and f"affinity={key}" in l]
            assert streams and all(f"upstream={backend}" in l for l in streams), streams

        done = publish(tree / "data", NEW_CPTS_ROWS, tmp_path, cwd=tree)
        assert done.returncode == 0, done.stdout + done.stderr

        for backend, key in keys.items():  # both processes show the published CPTS, no restart
            texts = panel(key)
            assert any(NEW_CPTS_NAME in t for t in texts), (backend, texts)
    finally:
        loop.close()
    for a in apps:
        assert not re.search(r"Traceback|KeyError|RuntimeWarning", a.log()), a.log()[-3000:]
