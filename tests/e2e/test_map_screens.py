"""End-to-end (issue 9.1, 9.2): the home map on a laptop (1366×768) and a projector (1920×1080).

- the FIRST click on the map selects the commune (Leaflet focused its container on mousedown,
  which scrolled the page under the pointer and lost the click);
- the map fits the window (its bottom edge on screen), Brittany fills it, and the legend folds
  into a small « Légende » button on small screens.
"""
from __future__ import annotations

import pytest

from conftest import FOLIUM_IFRAME

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}
SCREENS = pytest.mark.parametrize("viewport", [LAPTOP, PROJECTOR], ids=["1366x768", "1920x1080"])
VITRE = (48.1236, -1.2093)


def _open_home(page, open_map, viewport):
    page.set_viewport_size(viewport)
    m = open_map("/")
    m.frame.wait_for_selector("body[data-communes-loaded]", state="attached")
    m.frame.wait_for_selector("body[data-map-fitted]", state="attached")
    return m


def _page_point(m, lat: float, lon: float) -> tuple[float, float]:
    """Page coordinates of a lat/lon, asserted to be inside the iframe AND on screen."""
    x, y = m.frame.evaluate("([a, b]) => { const p = window.map.latLngToContainerPoint([a, b]); return [p.x, p.y]; }",
                            [lat, lon])
    box = m.page.locator(FOLIUM_IFRAME).last.bounding_box()
    vp = m.page.viewport_size
    px, py = box["x"] + x, box["y"] + y
    assert 0 < x < box["width"] and 0 < y < box["height"], (x, y, box)
    assert 0 < px < vp["width"] and 0 < py < vp["height"], (px, py, vp)
    return px, py


@SCREENS
def test_first_click_on_a_fresh_page_selects_the_commune(open_map, page, network_log, viewport):
    m = _open_home(page, open_map, viewport)
    assert page.get_by_role("heading", name="Cliquez sur une commune").is_visible()
    top_before = m.iframe.bounding_box()["y"]
    page.mouse.click(*_page_point(m, *VITRE))
    # ONE click: the panel shows Vitré's CPTS (no second click anywhere in this test)
    page.get_by_role("heading", name="CPTS du Pays de Vitré").wait_for()
    assert "commune=35360" in page.url
    # the click did not scroll the page under the pointer (the cause of the lost click)
    assert abs(page.locator(FOLIUM_IFRAME).last.bounding_box()["y"] - top_before) < 1
    network_log.assert_only_local()



def test_first_click_after_scrolling_down_selects_the_commune(open_map, page, network_log):
    """The map partly above the screen (the user scrolled down Vitré's long card): the first click's
    mousedown must not scroll the page back to show the whole map (which lost that click)."""
    page.set_viewport_size(LAPTOP)
    m = open_map("/?commune=35360")
    m.frame.wait_for_selector("body[data-communes-loaded]", state="attached")
    page.get_by_role("heading", name="CPTS du Pays de Vitré").wait_for()
    top = m.iframe.bounding_box()["y"]
    page.mouse.move(LAPTOP["width"] - 150, LAPTOP["height"] - 150)  # over the panel, not the map
    page.mouse.wheel(0, top + 60)
    page.wait_for_function("""(top) => document.querySelector('iframe[title="streamlit_folium.st_folium"]')
                              .getBoundingClientRect().top < 0""", arg=top)
    x, y = _page_point(m, 48.1236, -1.2900)  # a commune west of Vitré, on screen
    page.mouse.click(x, y)
    page.wait_for_function("() => /commune=(?!35360)[0-9AB]{5}/.test(location.search)")
    network_log.assert_only_local()


_GEOMETRY_JS = """() => {
    const c = document.querySelector('.leaflet-container').getBoundingClientRect();
    let l = Infinity, t = Infinity, r = -Infinity, b = -Infinity;
    document.querySelectorAll('path.leaflet-interactive').forEach(p => {   // the communes
        const q = p.getBoundingClientRect();
        if (!q.width && !q.height) return;
        l = Math.min(l, q.left); t = Math.min(t, q.top); r = Math.max(r, q.right); b = Math.max(b, q.bottom);
    });
    const g = document.querySelector('.cpts-legend').getBoundingClientRect();
    return {map: [c.width, c.height], communes: [l - c.left, t - c.top, r - l, b - t],
            legend: g.width * g.height / (c.width * c.height),
            open: document.querySelector('.cpts-legend').open};
}"""


@SCREENS
def test_map_fits_the_window_and_brittany_fills_it(open_map, page, network_log, viewport):
    m = _open_home(page, open_map, viewport)
    box = m.iframe.bounding_box()
    # the whole map is on screen, and it is not a sliver
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    assert box["height"] >= 0.45 * viewport["height"] and box["width"] >= 0.35 * viewport["width"], box
    g = m.frame.evaluate(_GEOMETRY_JS)
    (w, h), (x, y, cw, ch) = g["map"], g["communes"]
    # Brittany fills the map: 80 % of its width or height, and is inside it
    assert cw >= 0.8 * w or ch >= 0.8 * h, g
    assert x >= -2 and y >= -2 and x + cw <= w + 2 and y + ch <= h + 2, g
    legend = m.frame.locator(".cpts-legend")
    if viewport == LAPTOP:
        # folded by default on a laptop: a small « Légende » button
        assert not g["open"] and g["legend"] <= 0.08, g
        assert legend.inner_text().strip() == "Légende"
        m.frame.locator(".cpts-legend summary").click()
        m.frame.wait_for_function("() => document.querySelector('.cpts-legend').open")
        assert "CPTS du Pays de Vitré" in legend.inner_text()
    else:
        # open on a projector, and compact
        assert g["open"] and g["legend"] <= 0.10, g
        assert "CPTS du Pays de Vitré" in legend.inner_text()
        m.frame.locator(".cpts-legend summary").click()
        m.frame.wait_for_function("() => !document.querySelector('.cpts-legend').open")
        assert m.frame.evaluate(_GEOMETRY_JS)["legend"] <= 0.08
    # folding or opening the legend is not a click on the map
    assert page.get_by_role("heading", name="Cliquez sur une commune").is_visible()
    assert "commune=" not in page.url
    assert not network_log.page_errors, network_log.page_errors
    network_log.assert_only_local()


def test_map_follows_a_window_resize(open_map, page):
    m = _open_home(page, open_map, PROJECTOR)
    page.set_viewport_size(LAPTOP)
    page.wait_for_function("""(h) => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]')
                              .getBoundingClientRect(); return f.bottom <= h && f.width < 700; }""", arg=LAPTOP["height"])
    # refitted to the new size: Brittany still fills the map
    m.frame.wait_for_function("""() => { const c = document.querySelector('.leaflet-container').getBoundingClientRect();
        let l = Infinity, r = -Infinity;
        document.querySelectorAll('path.leaflet-interactive').forEach(p => { const q = p.getBoundingClientRect();
            if (q.width) { l = Math.min(l, q.left); r = Math.max(r, q.right); } });
        return r - l >= 0.8 * c.width && l >= c.left - 2 && r <= c.right + 2; }""")


@SCREENS
def test_presentation_map_is_on_screen_and_its_legend_hides_little(open_map, page, viewport):
    page.set_viewport_size(viewport)
    m = open_map("/?mode=presentation")
    m.frame.wait_for_selector("body[data-map-fitted]", state="attached")
    box = m.iframe.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    g = m.frame.evaluate(_GEOMETRY_JS)
    assert g["legend"] <= (0.10 if g["open"] else 0.08), g


@pytest.mark.parametrize("path", ["/Couverture", "/Fiches_CPTS?cpts=pays-de-vitre"])
def test_other_maps_fit_their_territory_without_errors(open_map, page, network_log, path):
    """The same map elements on the pages that call st_folium with a fixed height: fitted, no
    script error (a fit before the map had a size gave a NaN view and lost the départements)."""
    page.set_viewport_size(LAPTOP)
    m = open_map(path)
    m.frame.wait_for_selector("body[data-communes-loaded]", state="attached")
    m.frame.wait_for_selector("body[data-map-fitted]", state="attached")
    g = m.frame.evaluate(_GEOMETRY_JS) if m.frame.locator(".cpts-legend").count() else None
    c = m.frame.evaluate("""() => { const c = document.querySelector('.leaflet-container').getBoundingClientRect();
        let l = Infinity, r = -Infinity, t = Infinity, b = -Infinity;
        document.querySelectorAll('path.leaflet-interactive').forEach(p => { const q = p.getBoundingClientRect();
            if (q.width) { l = Math.min(l, q.left); r = Math.max(r, q.right); t = Math.min(t, q.top); b = Math.max(b, q.bottom); } });
        return [(r - l) / c.width, (b - t) / c.height]; }""")
    assert max(c) >= 0.8, (c, g)
    assert not network_log.page_errors, network_log.page_errors
