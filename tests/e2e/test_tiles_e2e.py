"""End-to-end (issue 10.2): a scope drawn from vector tiles, in headless Chromium, offline.

The data set is a copy of data/ whose tiles are built in the test (geo/tiles.py, tippecanoe), and
the server draws from tiles whatever the scope's size (CPTS_TILES_MIN_COMMUNES=0), so the test is
small and fast: the map is painted on canvas by protomaps-leaflet (no SVG commune path), the
PMTiles file is read by range requests (206), hovering a commune names it, and a click on a
tile-drawn commune (Vitré) opens its CPTS panel through the server's point locator; a thematic
colouring paints Vitré in its class colour (read back from the canvas).
"""
from __future__ import annotations

import re

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


# The RGBA of the tile canvas under (lat, lng): the fill is painted with an alpha, and getImageData
# gives the colour un-premultiplied, i.e. the fill colour itself.
_PIXEL_JS = """([a, b]) => {
    const p = window.map.latLngToContainerPoint([a, b]), box = window.map.getContainer().getBoundingClientRect();
    const x = box.left + p.x, y = box.top + p.y;
    for (const c of document.querySelectorAll('canvas.leaflet-tile')) {
        const r = c.getBoundingClientRect();
        if (x < r.left || x >= r.right || y < r.top || y >= r.bottom) continue;
        const px = c.getContext('2d').getImageData(Math.floor((x - r.left) * c.width / r.width),
                                                   Math.floor((y - r.top) * c.height / r.height), 1, 1).data;
        return Array.from(px);
    }
    return null;
}"""


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]


def test_a_thematic_colouring_paints_the_tiles_in_its_classes(tiles_app, page):
    """The tiles' commune fills follow the chosen colouring (they travel grouped by colour,
    ui/map_tiles.fill_groups): Vitré in its CPTS colour first, then in its population class colour."""
    from geo.atlas import Atlas
    from geo.mapdata import territory_colors
    from geo.views.indicators import INDICATORS, classify
    from ui.map import thematic_style

    atlas = Atlas.load()
    style = thematic_style(classify("population", atlas.territories, atlas.registry), atlas.territories)
    want = dict(style.fills)["35360"]
    base, _ = tiles_app
    page.goto(base + "/", wait_until="commit")
    handle, frame = _frame(page)

    def vitre_pixel(frame):
        frame.evaluate("([a, b]) => { document.body.removeAttribute('data-tiles-loaded');"
                       " window.map.setView([a, b], 11, {animate: false}); }", list(VITRE))
        frame.wait_for_function("() => Number(document.body.getAttribute('data-tiles-loaded')) >= 11",
                                timeout=MAP_TIMEOUT_MS)
        px = frame.evaluate(_PIXEL_JS, list(VITRE))
        assert px is not None and px[3] > 0, px
        return px

    cpts_colour = territory_colors(atlas.territories)[atlas.territories_of("35360")[0].id]
    before = vitre_pixel(frame)
    assert max(abs(a - b) for a, b in zip(before[:3], _rgb(cpts_colour))) <= 3, (before, cpts_colour)

    page.get_by_label("Colorer la carte par").click()
    page.get_by_role("option", name=re.compile(re.escape(INDICATORS["population"].label))).click()
    page.wait_for_function(
        """(want) => [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')].some(f => {
            try { const d = f.contentDocument, t = d.querySelector('.cpts-legend-title');
                  return t && t.textContent === want && d.body.hasAttribute('data-tiles-loaded'); }
            catch (e) { return false; } })""", arg=style.legend_title, timeout=MAP_TIMEOUT_MS)
    frame = page.locator(FOLIUM_IFRAME).last.element_handle().content_frame()
    after = vitre_pixel(frame)
    assert max(abs(a - b) for a, b in zip(after[:3], _rgb(want))) <= 3, (after, want)
    assert round(after[3] / 255, 1) == round(style.opacity, 1)
