"""End-to-end: what a user does with the map, in headless Chromium, fully offline.

Clicking Vitré shows the CPTS du Pays de Vitré panel; deep links open their selection; the
search selects a commune and updates the URL; a commune outside every documented CPTS says so;
presentation mode and indicator maps render; and no request ever leaves localhost.
"""
from __future__ import annotations

import re

import pytest

from conftest import FOLIUM_IFRAME

pytestmark = pytest.mark.e2e

VITRE = (48.1236, -1.2093)
QUIMPER = (47.996, -4.102)
MAIN = '[data-testid="stMain"]'


def wait_communes(m) -> None:
    """The communes layer is fetched from a static file after the map script runs."""
    m.frame.wait_for_selector("body[data-communes-loaded]", state="attached")


def click_latlon(m, lat: float, lon: float):
    """Page coordinates of a lat/lon on the Leaflet map, asserted to be inside the iframe."""
    x, y = m.frame.evaluate("([a, b]) => { const p = window.map.latLngToContainerPoint([a, b]); return [p.x, p.y]; }",
                            [lat, lon])
    box = m.page.locator(FOLIUM_IFRAME).last.bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], (x, y, box)
    return box["x"] + x, box["y"] + y


def main_text(page) -> str:
    return page.locator(MAIN).inner_text()


def test_click_vitre_shows_its_cpts_panel(open_map, page, network_log, rerun):
    m = open_map("/")
    wait_communes(m)
    m.frame.evaluate("() => { window.__sameMap = true; }")
    rerun(lambda: page.mouse.click(*click_latlon(m, *VITRE)))
    page.get_by_role("heading", name="CPTS du Pays de Vitré").wait_for()
    text = main_text(page)
    assert "Code INSEE 35360" in text
    assert re.search(r"Population déclarée\s*:\s*81\s205 hab\.", text)
    assert re.search(r"Population calculée\s*:\s*83\s737 hab\.", text)
    assert "196\u202f875\u202f€" in text and "12,7\u202f%" in text
    assert "commune=35360" in page.url
    # the click neither remounted nor re-created the map
    assert m.frame.evaluate("() => window.__sameMap === true")
    assert page.locator(FOLIUM_IFRAME).count() == 1
    network_log.assert_only_local()


def test_deep_link_opens_commune_and_cpts(open_map, page, network_log):
    open_map("/?commune=35360")
    page.get_by_role("heading", name="CPTS du Pays de Vitré").wait_for()
    assert "Vitré" in main_text(page)
    open_map("/?cpts=pays-de-redon")
    page.get_by_role("heading", name="CPTS Pays de Redon").wait_for()
    assert re.search(r"Communes \(COG 2026\)\s*:\s*39", main_text(page))
    network_log.assert_only_local()


def test_bad_deep_link_says_so(open_map, page):
    open_map("/?commune=99999")
    page.get_by_text("inconnue du référentiel").wait_for()


def test_search_selects_commune_and_updates_url(open_map, page, network_log, rerun):
    open_map("/")
    box = page.get_by_label("Rechercher une commune", exact=True)
    box.fill("fougeres")
    rerun(lambda: box.press("Enter"))
    page.get_by_role("heading", name="CPTS du Pays de Fougères").wait_for()
    assert "commune=35115" in page.url
    assert "Code INSEE 35115" in main_text(page)
    network_log.assert_only_local()


def test_commune_outside_documented_cpts_says_grey_is_not_no_cpts(open_map, page, rerun):
    m = open_map("/")
    wait_communes(m)
    rerun(lambda: page.mouse.click(*click_latlon(m, *QUIMPER)))
    page.get_by_text("Aucune CPTS documentée pour cette commune").wait_for()
    text = main_text(page)
    assert "Quimper" in text and "29 CPTS reconnues" in text


def test_presentation_mode_walks_through_cpts(open_map, page, network_log, rerun):
    m = open_map("/?mode=presentation")
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    rerun(lambda: page.get_by_role("button", name=re.compile("Suivante")).click())
    first = page.locator(f"{MAIN} h3").first.inner_text()
    assert first.startswith("CPTS")
    rerun(lambda: page.get_by_role("button", name=re.compile("Suivante")).click())
    assert page.locator(f"{MAIN} h3").first.inner_text() != first
    assert "mode=presentation" in page.url and "cpts=" in page.url
    # CPTS names are written on the map
    page.frame_locator(FOLIUM_IFRAME).last.locator(".cpts-label").first.wait_for(state="attached")
    network_log.assert_only_local()


def test_indicator_map_shows_its_legend(open_map, page, network_log, rerun):
    open_map("/")
    page.get_by_label("Colorer la carte par").click()
    rerun(lambda: page.get_by_role("option", name=re.compile("Population couverte")).click())
    legend = page.frame_locator(FOLIUM_IFRAME).last.locator(".cpts-legend")
    legend.wait_for()
    if not legend.evaluate("e => e.open"):  # folded into « Légende » on a narrow map (issue 9.2)
        legend.locator("summary").click()
    text = legend.inner_text()
    assert "80\u202f000" in text or "80 000" in text
    assert "Aucune CPTS documentée" in text
    network_log.assert_only_local()


def test_exports_download_offline(open_map, page, network_log):
    open_map("/?commune=35360")
    page.get_by_text("Exporter (hors ligne)").click()
    with page.expect_download() as png:
        page.get_by_role("button", name="Carte (PNG)").click()
    assert png.value.suggested_filename.startswith("carte-cpts-pays-de-vitre-cpts-")
    assert open(png.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as pdf:
        page.get_by_role("button", name="Fiche (PDF, une page)").click()
    assert open(pdf.value.path(), "rb").read(5) == b"%PDF-"
    network_log.assert_only_local()
