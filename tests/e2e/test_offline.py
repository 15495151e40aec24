"""The app works with no network: vendored assets, no external request.

The first tests are plain unit tests of geo/offline.py and of what
streamlit-folium sends to its iframe (no browser, milliseconds); the ones
marked ``e2e`` start the app and drive headless Chromium.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import folium
import folium.plugins
import pytest

from conftest import is_local_url
from geo.offline import (
    BASEMAPS,
    OfflineAssetError,
    VENDOR_BASE_URL,
    add_online_basemaps,
    external_urls,
    make_offline,
    new_map,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
VENDOR_DIR = REPO_ROOT / "static" / "vendor"

SQUARE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": "35238", "nom": "Rennes", "population": 227830},
            "geometry": {"type": "Polygon", "coordinates": [[[-1.75, 48.08], [-1.62, 48.08], [-1.62, 48.15], [-1.75, 48.08]]]},
        }
    ],
}


def _sample_map() -> folium.Map:
    m = new_map(location=[48.2, -2.9], zoom_start=8)
    folium.GeoJson(
        SQUARE,
        tooltip=folium.GeoJsonTooltip(["nom", "code"]),
        popup=folium.GeoJsonPopup(["nom"]),
        highlight_function=lambda _f: {"weight": 3},
    ).add_to(m)
    folium.Marker([48.11, -1.68], popup="<b>Rennes</b>").add_to(m)  # Popup needs jQuery
    folium.CircleMarker([48.39, -4.49], radius=5, tooltip="Brest").add_to(m)
    return make_offline(m)


def _st_folium_payload(m: folium.Map, monkeypatch) -> dict:
    """What st_folium really sends to its iframe (component call captured)."""
    import streamlit_folium

    captured: dict = {}

    def fake_component(**kwargs):
        captured.update(kwargs)
        return kwargs.get("default")

    monkeypatch.setattr(streamlit_folium, "_component_func", fake_component)
    streamlit_folium.st_folium(m, use_container_width=True, height=650, returned_objects=["last_active_drawing"])
    captured.pop("on_change", None)
    return captured


# ---------------------------------------------------------------- unit tests


def test_vendored_files_match_sha256sums():
    out = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "vendor_assets.py"), "--check"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    for lic in ("leaflet/LICENSE", "jquery/LICENSE.txt"):
        assert (VENDOR_DIR / lic).stat().st_size > 500


def test_rendered_html_has_no_external_url():
    html = _sample_map().get_root().render()
    assert external_urls(html) == []
    assert f'src="{VENDOR_BASE_URL}/leaflet/leaflet.js"' in html
    assert f'href="{VENDOR_BASE_URL}/leaflet/leaflet.css"' in html


def test_st_folium_payload_is_local(monkeypatch):
    payload = _st_folium_payload(_sample_map(), monkeypatch)
    assert external_urls(json.dumps(payload, default=str)) == []
    prefix = VENDOR_BASE_URL + "/"
    assert payload["js_links"] == [prefix + "leaflet/leaflet.js", prefix + "jquery/jquery.min.js"]
    assert payload["css_links"] == [prefix + "leaflet/leaflet.css"]
    for url in payload["js_links"] + payload["css_links"]:
        assert (VENDOR_DIR / url[len(prefix):]).is_file(), url


def test_make_offline_is_idempotent_and_cleans_a_rendered_map():
    m = folium.Map(location=[48, -3], tiles=None)
    m.get_root().render()  # puts folium's CDN links in the figure header
    make_offline(make_offline(m))
    assert external_urls(m.get_root().render()) == []
    assert folium.Map.default_js[0][1].startswith("https://"), "class attribute must stay untouched"


def test_basemaps_are_opt_in():
    off = add_online_basemaps(new_map([48, -3]), enabled=False)
    assert external_urls(make_offline(off).get_root().render()) == []

    on = add_online_basemaps(new_map([48, -3]), enabled=True)
    folium.LayerControl().add_to(on)
    urls = external_urls(make_offline(on).get_root().render())
    assert any("data.geopf.fr/wmts" in u and "PLANIGNV2" in u for u in urls), urls
    assert any("tile.openstreetmap.org" in u for u in urls), urls
    assert set(BASEMAPS) == {"Plan IGN v2", "OpenStreetMap"}


@pytest.mark.parametrize(
    "add",
    [
        pytest.param(lambda m: folium.TileLayer("OpenStreetMap").add_to(m), id="tiles-not-opted-in"),
        pytest.param(lambda m: folium.Marker([48, -3], icon=folium.Icon(color="red")).add_to(m), id="awesome-icon"),
        pytest.param(lambda m: folium.plugins.Fullscreen().add_to(m), id="plugin-with-cdn-assets"),
        pytest.param(
            lambda m: __import__("branca.colormap").colormap.LinearColormap(["red", "blue"]).add_to(m),
            id="colormap-d3",
        ),
    ],
)
def test_make_offline_refuses_what_would_go_online(add):
    m = new_map([48, -3])
    add(m)
    with pytest.raises(OfflineAssetError):
        make_offline(m)


def test_new_map_refuses_tiles():
    with pytest.raises(ValueError):
        new_map([48, -3], tiles="OpenStreetMap")


@pytest.mark.parametrize(
    "text, expected",
    [
        ('<script src="https://assets.example.org/a.js"></script>', ["https://assets.example.org/a.js"]),
        ('<link href="//cdn.example.org/a.css">', ["//cdn.example.org/a.css"]),
        ("background:url(//x.example/i.png)", ["//x.example/i.png"]),
        ('"https:\\/\\/tiles.example\\/{z}"', ["https:\\/\\/tiles.example\\/{z}"]),
        ('<svg xmlns="http://www.w3.org/2000/svg">', []),
        ('<img src="data:image/png;base64,AAAA"> <script src="/app/static/vendor/x.js">', []),
    ],
)
def test_external_urls(text, expected):
    assert external_urls(text) == expected


# ---------------------------------------------------------------- e2e tests


@pytest.mark.e2e
@pytest.mark.parametrize(
    "path, ctype",
    [
        ("leaflet/leaflet.js", "javascript"),
        ("jquery/jquery.min.js", "javascript"),
        ("leaflet/leaflet.css", "text/css"),
        ("leaflet/images/layers.png", "image/png"),
    ],
)
def test_vendored_assets_are_served_with_real_content_types(app_url, http_get, path, ctype):
    # Served with X-Content-Type-Options: nosniff, so a wrong type would make
    # Chromium refuse to run the script / apply the stylesheet.
    status, headers, body = http_get(f"{app_url}{VENDOR_BASE_URL}/{path}")
    assert status == 200
    assert ctype in headers.get("content-type", ""), headers
    assert body == (VENDOR_DIR / path).read_bytes()


@pytest.mark.e2e
def test_map_is_interactive_with_no_external_request(open_map, page, network_log, tmp_path):
    m = open_map("/")
    frame = m.frame

    # The map is really Leaflet 1.9.4 from static/vendor, drawn and alive.
    assert frame.evaluate("() => L.version") == "1.9.4"
    assert frame.evaluate("() => typeof window.jQuery") == "undefined"  # nothing uses it: not loaded (ui/map_component.py)
    assert frame.evaluate("() => window.map.getZoom()") >= 5
    assert m.paths >= 1

    # Hover a drawn shape: Leaflet shows its tooltip.
    page.mouse.move(*m.point_on_shape())
    frame.locator(".leaflet-tooltip").first.wait_for(state="visible")

    shot = os.environ.get("E2E_SCREENSHOT") or str(tmp_path / "offline_map.png")
    page.screenshot(path=shot, full_page=True)

    vendor = [u for _, _, u in network_log.requests if "/app/static/vendor/" in u]
    assert any(u.endswith("/leaflet/leaflet.js") for u in vendor), vendor
    for url in vendor:
        status, ctype = network_log.responses.get(url, (None, ""))
        assert status in (200, 304), (url, status)
    assert not network_log.page_errors, network_log.page_errors
    assert not network_log.console_errors, network_log.console_errors
    assert not network_log.failed, network_log.failed
    network_log.assert_only_local()


@pytest.mark.e2e
def test_click_on_commune_reruns_app_offline(open_map, page, network_log, rerun):
    """Second (warm) visit; a click goes back to Python (st_folium's return
    value) and the rerun neither remounts the map nor reaches the network."""
    m = open_map("/")
    m.frame.evaluate("() => { window.__e2eSameMap = true; }")
    rerun(lambda: page.mouse.click(*m.point_on_shape()))
    # same iframe document, still drawn: the rerun did not remount the component
    assert m.frame.evaluate("() => window.__e2eSameMap === true")
    assert m.frame.locator("path.leaflet-interactive").count() >= m.paths
    assert not network_log.page_errors, network_log.page_errors
    assert not network_log.console_errors, network_log.console_errors
    assert not network_log.failed, network_log.failed
    network_log.assert_only_local()


@pytest.mark.e2e
def test_online_basemap_only_when_requested(open_map, page, network_log, wait_in_map):
    """Nothing external until the user switches the basemap on; then only the
    tile servers are asked (and the test harness blocks them anyway)."""
    open_map("/")
    network_log.assert_only_local()

    # the first tile request (blocked by the harness, still recorded) is what the switch must cause
    with page.expect_request(lambda r: not is_local_url(r.url)):
        page.get_by_text(re.compile(r"fond de carte en ligne", re.I)).first.click()
    # the component remounts (new script): old and new iframes coexist a moment
    wait_in_map("img.leaflet-tile")
    hosts = {urlsplit(u).hostname for u in network_log.external()}
    assert hosts == {"data.geopf.fr"}, hosts  # Plan IGN v2 is the basemap shown first
