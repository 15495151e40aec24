"""End-to-end (issue 10.2): a scope drawn from vector tiles, in headless Chromium, offline.

The data set is a copy of data/ whose tiles are built in the test (geo/tiles.py, tippecanoe), and
the server draws from tiles whatever the scope's size (CPTS_TILES_MIN_COMMUNES=0), so the test is
small and fast: the map is painted on canvas by protomaps-leaflet (no SVG commune path), the
PMTiles file is read by range requests (206), hovering a commune names it, and a click on a
tile-drawn commune (Vitré) opens its CPTS panel through the server's point locator.
"""
from __future__ import annotations

import pytest

from app_server import copy_data, running_app
from conftest import FOLIUM_IFRAME, MAP_TIMEOUT_MS, run_and_wait_for_rerun

pytestmark = pytest.mark.e2e

VITRE = (48.1236, -1.2093)


@pytest.fixture(scope="module")
def tiles_app(tmp_path_factory, monkeypatch_module):
    from geo.scope import get_scope
    from geo.tiles import build_tiles

    data = copy_data(tmp_path_factory.mktemp("tiles") / "data")
    info = build_tiles(get_scope("53", root=data), log=lambda s: None, registry_root=data / "registry")
    monkeypatch_module.setenv("CPTS_TILES_MIN_COMMUNES", "0")
    with running_app(data, tmp_path_factory.mktemp("tiles-log") / "streamlit.log") as base:
        yield base, info


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _frame(page):
    handle = page.wait_for_selector(FOLIUM_IFRAME, state="attached", timeout=MAP_TIMEOUT_MS)
    frame = handle.content_frame()
    frame.wait_for_selector("body[data-tiles-loaded]", state="attached", timeout=MAP_TIMEOUT_MS)
    return handle, frame


def _page_xy(handle, frame, lat, lon):
    x, y = frame.evaluate("([a, b]) => { const p = window.map.latLngToContainerPoint([a, b]); return [p.x, p.y]; }",
                          [lat, lon])
    box = handle.bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], (x, y, box)
    return box["x"] + x, box["y"] + y


def test_tiles_draw_and_a_click_opens_the_panel(tiles_app, page, network_log):
    base, info = tiles_app
    page.goto(base + "/", wait_until="commit")
    handle, frame = _frame(page)
    # painted on canvas from the PMTiles file, fetched by range requests; no GeoJSON commune layer
    assert frame.locator("canvas.leaflet-tile").count() > 0
    assert frame.locator("path.leaflet-interactive").count() == 0
    tile_responses = [(u, s) for u, (s, _) in network_log.responses.items() if u.endswith(".pmtiles")]
    assert tile_responses and all(s == 206 for _, s in tile_responses), tile_responses
    assert not any("/generated/communes-" in u for _, _, u in network_log.requests)

    # zoom in on Vitré: the communes are drawn from the tiles, hover names the commune
    frame.evaluate("([a, b]) => window.map.setView([a, b], 11, {animate: false})", list(VITRE))
    frame.wait_for_function("() => Number(document.body.getAttribute('data-tiles-loaded')) >= 11",
                            timeout=MAP_TIMEOUT_MS)
    x, y = _page_xy(handle, frame, *VITRE)
    for attempt in range(20):  # the tiles under the mouse may still be on their way: move again
        page.mouse.move(x + 1, y)
        page.mouse.move(x, y)
        try:
            frame.wait_for_function("() => document.body.getAttribute('data-tiles-hover') === '35360'",
                                    timeout=1500)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError
            assert attempt < 19, "hovering Vitré did not name it"
    tooltip = frame.locator(".leaflet-tooltip").inner_text()
    assert "Vitré (35360)" in tooltip and "CPTS du Pays de Vitré" in tooltip

    # the click: only its lat/lng goes to the server, which finds the commune and its CPTS
    run_and_wait_for_rerun(page, lambda: page.mouse.click(x, y))
    page.get_by_role("heading", name="CPTS du Pays de Vitré").wait_for(timeout=30_000)
    assert "Code INSEE 35360" in page.locator('[data-testid="stMain"]').inner_text()
    assert "commune=35360" in page.url
    # the selection stays a small GeoJSON overlay drawn over the tiles
    page.wait_for_function("""() => [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')]
        .some(f => f.contentDocument && f.contentDocument.querySelectorAll('.leaflet-overlay-pane path').length >= 2)""",
                           timeout=MAP_TIMEOUT_MS)
    network_log.assert_only_local()
    assert not network_log.page_errors, network_log.page_errors
