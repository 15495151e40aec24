"""The production entry (``streamlit run serve.py``, what the Dockerfile runs) serves the same app:
health answers, the map is interactive in Chromium, a link to Vitré opens its CPTS, and the
frontend Streamlit leaves uncompressed is sent gzip-compressed (issue 10: first view's bytes)."""
from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import REPO_ROOT, SERVER_START_TIMEOUT, _free_port, _stop, _tail, http_get, wait_for_folium_map

pytestmark = pytest.mark.e2e

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def serve_url(tmp_path_factory):
    port = _free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    env = os.environ | {"STREAMLIT_SERVER_HEADLESS": "true", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
                        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none", "NO_PROXY": "127.0.0.1,localhost",
                        "no_proxy": "127.0.0.1,localhost"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
                                 "--server.address", "127.0.0.1"], cwd=REPO_ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                try:
                    if http_get(base + "/_stcore/health", timeout=2)[0] == 200:
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit run serve.py did not start:\n{_tail(log_path)}", pytrace=False)
                time.sleep(0.25)
            yield base
        finally:
            _stop(proc)


def test_serve_compresses_the_frontend(serve_url):
    status, _, body = http_get(serve_url + "/")
    assert status == 200
    scripts = re.findall(rb'src="\.?/?(static/js/[^"]+\.js)"', body)
    assert scripts, "no script bundle named in the root page"
    req = urllib.request.Request(f"{serve_url}/{scripts[0].decode()}", headers={"Accept-Encoding": "gzip"})
    with _NO_PROXY.open(req, timeout=30) as r:
        raw = r.read()
        assert r.headers.get("Content-Encoding") == "gzip"
    js = gzip.decompress(raw)
    assert len(raw) < len(js) / 2, "the bundle should shrink at least by half"


def test_serve_draws_the_map_and_the_linked_cpts(serve_url, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(serve_url + "/?commune=35360")
        wait_for_folium_map(page)
        page.get_by_text("CPTS du Pays de Vitré").first.wait_for()
        assert wait_for_folium_map(page).paths > 100, "the communes of Bretagne are drawn"
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()
