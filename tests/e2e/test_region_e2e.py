"""End-to-end (issue 10.1): the région is a setting. On a small multi-region data set built from the
real sources (Bretagne and its neighbours; Bouches-du-Rhône as « Provence-Alpes-Côte d'Azur »; both
as « France entière »: tests/region_support.py), in headless Chromium, offline:

- a click on Marseille in its région shows that it is in no documented CPTS, with the scope's context;
- a click on Vitré (default scope, Bretagne) still shows the CPTS du Pays de Vitré;
- ``?region=france&commune=13055`` opens Marseille in the France scope;
- the selector switches the scope and the URL follows it (and back to Bretagne: no ``region``).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from app_server import running_app
from conftest import APP_EXCEPTION, FOLIUM_IFRAME, MAP_TIMEOUT_MS, run_and_wait_for_rerun, wait_for_folium_map
from tests.region_support import multi_region_dir

pytestmark = pytest.mark.e2e

MARSEILLE = (43.2965, 5.3698)
VITRE = (48.1236, -1.2093)
MAIN = '[data-testid="stMain"]'


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    data = multi_region_dir(tmp_path_factory.mktemp("regions") / "data")
    with running_app(data, tmp_path_factory.mktemp("regions-log") / "streamlit.log") as url:
        yield url


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def open_map(page, url: str):
    page.goto(url, wait_until="commit")
    m = wait_for_folium_map(page)
    m.frame.wait_for_selector("body[data-communes-loaded]", state="attached", timeout=MAP_TIMEOUT_MS)
    return m


def click(page, m, lat: float, lon: float) -> None:
    x, y = m.frame.evaluate("([a, b]) => { const p = window.map.latLngToContainerPoint([a, b]); return [p.x, p.y]; }",
                            [lat, lon])
    box = page.locator(FOLIUM_IFRAME).last.bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], (x, y, box)
    run_and_wait_for_rerun(page, lambda: page.mouse.click(box["x"] + x, box["y"] + y))


def main_text(page) -> str:
    return page.locator(MAIN).inner_text()


def choose_scope(page, label: str) -> None:
    page.get_by_role("combobox", name="Territoire").click()
    run_and_wait_for_rerun(page, lambda: page.get_by_role("option", name=label, exact=True).click())


def test_click_on_marseille_in_its_region_says_no_documented_cpts(base, page, network_log):
    m = open_map(page, base + "/?region=93")
    page.get_by_role("heading", name="Carte des CPTS de Provence-Alpes-Côte d'Azur").wait_for(timeout=MAP_TIMEOUT_MS)
    click(page, m, *MARSEILLE)
    page.get_by_role("heading", name="Marseille").wait_for(timeout=MAP_TIMEOUT_MS)
    page.get_by_text("Aucune CPTS documentée pour cette commune").wait_for(timeout=MAP_TIMEOUT_MS)
    text = main_text(page)
    assert "Code INSEE 13055" in text and "Bouches-du-Rhône" in text
    assert "0 CPTS de Provence-Alpes-Côte d'Azur" in text          # the scope's context, not Bretagne's
    assert "Bretagne" not in text
    assert query(page) == {"region": "93", "commune": "13055"}
    assert page.locator(APP_EXCEPTION).count() == 0
    network_log.assert_only_local()


def test_click_on_vitre_still_shows_its_cpts(base, page, network_log):
    m = open_map(page, base + "/")
    page.get_by_role("heading", name="Carte des CPTS de Bretagne").wait_for(timeout=MAP_TIMEOUT_MS)
    click(page, m, *VITRE)
    page.get_by_role("heading", name="CPTS du Pays de Vitré").wait_for(timeout=MAP_TIMEOUT_MS)
    assert "Code INSEE 35360" in main_text(page)
    assert query(page) == {"commune": "35360"}                      # default scope: no region in the URL
    network_log.assert_only_local()


def test_france_deep_link_opens_marseille(base, page, network_log):
    open_map(page, base + "/?region=france&commune=13055")
    page.get_by_role("heading", name="Marseille").wait_for(timeout=MAP_TIMEOUT_MS)
    page.get_by_text("Aucune CPTS documentée pour cette commune").wait_for(timeout=MAP_TIMEOUT_MS)
    text = main_text(page)
    assert "Carte des CPTS de France" in text and "Code INSEE 13055" in text
    assert re.search(r"\d+ CPTS de France, dont \d+ avec un périmètre", text)
    assert query(page) == {"region": "france", "commune": "13055"}
    assert page.locator(APP_EXCEPTION).count() == 0
    network_log.assert_only_local()


def test_switching_region_keeps_the_url_in_step(base, page, network_log):
    open_map(page, base + "/?commune=35360")
    page.get_by_role("heading", name="CPTS du Pays de Vitré").wait_for(timeout=MAP_TIMEOUT_MS)

    choose_scope(page, "France entière")
    page.get_by_role("heading", name="Carte des CPTS de France").wait_for(timeout=MAP_TIMEOUT_MS)
    page.get_by_role("heading", name="CPTS du Pays de Vitré").wait_for(timeout=MAP_TIMEOUT_MS)   # Vitré is in France
    assert query(page) == {"region": "france", "commune": "35360"}

    choose_scope(page, "Provence-Alpes-Côte d'Azur (93)")
    page.get_by_role("heading", name="Carte des CPTS de Provence-Alpes-Côte d'Azur").wait_for(timeout=MAP_TIMEOUT_MS)
    page.get_by_text("hors du territoire chargé").first.wait_for(timeout=MAP_TIMEOUT_MS)   # Vitré: said, not lost
    assert query(page).get("region") == "93"

    page.get_by_role("link", name="Comparer").click()       # another page keeps the scope and its URL
    page.get_by_role("heading", name="Comparer les CPTS").wait_for(timeout=MAP_TIMEOUT_MS)
    page.wait_for_function("() => new URLSearchParams(location.search).get('region') === '93'", timeout=MAP_TIMEOUT_MS)

    choose_scope(page, "Bretagne (53)")
    page.wait_for_function("() => !new URLSearchParams(location.search).has('region')", timeout=MAP_TIMEOUT_MS)
    assert page.locator(APP_EXCEPTION).count() == 0
    network_log.assert_only_local()
