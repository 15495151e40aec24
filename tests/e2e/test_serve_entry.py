"""The production entry (``streamlit run serve.py``, what the Dockerfile runs) serves the same app:
health answers, the map is interactive in Chromium, a link to Vitré opens its CPTS, and the
frontend Streamlit leaves uncompressed is sent gzip-compressed (issue 10: first view's bytes)."""
from __future__ import annotations

import gzip
import re
import urllib.request

import pytest

from conftest import http_get, wait_for_folium_map
from server_support import fresh_app

pytestmark = pytest.mark.e2e

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def serve_url(tmp_path_factory):
    with fresh_app(tmp_path_factory.mktemp("serve"), script="serve.py") as base:
        yield base


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
