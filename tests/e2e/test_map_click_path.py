"""End-to-end (issues 10 and 11): what makes a click cheap keeps the page right.

A map click reruns only the map-and-panel fragment (ui/home.py), yet the open export buttons in
the sidebar follow the new CPTS (file name and content: their own fragment reruns with it); the
click is sent once, by the script that skips streamlit-folium's 250 ms debounce
(ui/map_component.CLICK_NOW_JS), and the debounced call that follows sends nothing.
"""
from __future__ import annotations

import pytest

from test_app import MAIN, VITRE, click_latlon, wait_communes

pytestmark = pytest.mark.e2e

FOUGERES = (48.3525, -1.1986)   # Fougères (35115), CPTS du Pays de Fougères


def test_click_sends_its_value_once_and_exports_follow_it(open_map, page, network_log, rerun):
    m = open_map("/")      # the whole région in view (a deep link would zoom on its commune)
    wait_communes(m)
    assert m.frame.evaluate("() => window.__cptsClickNow === true")     # installed with the selection
    rerun(lambda: page.mouse.click(*click_latlon(m, *VITRE)))
    page.get_by_role("heading", name="CPTS du Pays de Vitré").wait_for(timeout=30_000)
    rerun(lambda: page.get_by_text("Exporter (hors ligne)").click())   # opening reruns the exports only
    png = page.get_by_role("button", name="Carte (PNG)")
    png.wait_for(timeout=60_000)
    page.evaluate("""() => { window.__values = 0; window.addEventListener('message', e => {
        if (e.data && e.data.type === 'streamlit:setComponentValue') window.__values += 1; }); }""")

    page.evaluate("() => { window.__clickedAt = performance.now(); }")
    rerun(lambda: page.mouse.click(*click_latlon(m, *FOUGERES)))
    page.get_by_role("heading", name="CPTS du Pays de Fougères").wait_for(timeout=30_000)
    assert "Code INSEE 35115" in page.locator(MAIN).inner_text()
    assert "commune=35115" in page.url
    # streamlit-folium's own debounced call fires 250 ms after the click: past it, still one value
    page.wait_for_function("() => performance.now() - window.__clickedAt > 500")
    assert page.evaluate("() => window.__values") == 1

    with page.expect_download(timeout=60_000) as dl:
        png.click()
    assert dl.value.suggested_filename.startswith("carte-cpts-pays-de-fougeres-cpts-")
    with page.expect_download(timeout=60_000) as pdf:
        page.get_by_role("button", name="Fiche (PDF, une page)").click()
    assert pdf.value.suggested_filename.startswith("fiche-pays-de-fougeres-")
    network_log.assert_only_local()
