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
    m.frame.wait_for_selector("body[data-communes-loaded]", state="attached", timeout=60_000)
    m.frame.wait_for_selector("body[data-map-fitted]", state="attached", timeout=60_000)
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
    page.get_by_role("heading", name="CPTS du Pays de Vitré").wait_for(timeout=60_000)
    assert "commune=35360" in page.url
    # the click did not scroll the page under the pointer (the cause of the lost click)
    assert abs(page.locator(FOLIUM_IFRAME).last.bounding_box()["y"] - top_before) < 1
    network_log.assert_only_local()



def test_first_click_after_scrolling_down_selects_the_commune(open_map, page, network_log):
    """The map partly above the screen (the user scrolled down Vitré's long card): the first click's
    mousedown must not scroll the page back to show the whole map (which lost that click)."""
    page.set_viewport_size(LAPTOP)
    m = open_map("/?commune=35360")
    m.frame.wait_for_selector("body[data-communes-loaded]", state="attached", timeout=60_000)
    page.get_by_role("heading", name="CPTS du Pays de Vitré").wait_for(timeout=60_000)
    top = m.iframe.bounding_box()["y"]
    page.mouse.move(LAPTOP["width"] - 150, LAPTOP["height"] - 150)  # over the panel, not the map
    page.mouse.wheel(0, top + 60)
    page.wait_for_function("""(top) => document.querySelector('iframe[title="streamlit_folium.st_folium"]')
                              .getBoundingClientRect().top < 0""", arg=top, timeout=20_000)
    x, y = _page_point(m, 48.1236, -1.2900)  # a commune west of Vitré, on screen
    page.mouse.click(x, y)
    page.wait_for_function("() => /commune=(?!35360)[0-9AB]{5}/.test(location.search)", timeout=60_000)
    network_log.assert_only_local()
