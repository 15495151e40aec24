"""End-to-end (issue 9.4) at 1366×768 and 1920×1080:

- one step back from « aujourd'hui », the legend's title names the chosen date, the same as the
  sentence under the map (« CPTS signées au 9 octobre 2024 » / « Au 9 octobre 2024 : … »);
- the home map and the Couverture page say why their covered populations differ (the communes
  of the documented CPTS outside the region), with the computed figures.

Set E2E_SHOTS_DIR to keep the screenshots.
"""
from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from conftest import FOLIUM_IFRAME

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}
SCREENS = pytest.mark.parametrize("viewport", [LAPTOP, PROJECTOR], ids=["1366x768", "1920x1080"])
MAIN = '[data-testid="stMain"]'

_LEGEND_TITLES_JS = """() => [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')].map(f => {
    try { const t = f.contentDocument.querySelector('.cpts-legend-title'); return t ? t.textContent : null; }
    catch (e) { return null; } })"""


@pytest.fixture(scope="module")
def figures():
    """The split the pages must state, computed here from the data (never typed in)."""
    from geo.atlas import Atlas
    from geo.formatting import fr_int
    from geo.views.region_split import region_split
    from geo.views.timeline import covered_at
    atlas = Atlas.load()
    mapped = {c for t in atlas.territories if t.perimetre_connu for c in t.codes}
    today = covered_at(dt.date.today(), atlas.territories, atlas.communes)
    return {name: {k: fr_int(v) for k, v in vars(region_split(codes, atlas.communes, atlas.territories, "53")).items()
                   if isinstance(v, int)}
            for name, codes in (("mapped", mapped), ("today", today.codes))}


@SCREENS
def test_legend_title_follows_the_chosen_date(open_map, page, network_log, rerun, viewport, figures):
    page.set_viewport_size(viewport)
    open_map("/")
    rerun(lambda: page.get_by_text("Évolution dans le temps (signatures)").click())
    sentence = page.locator(MAIN).get_by_text(re.compile(r"^Au \d"))
    sentence.wait_for(timeout=60_000)
    first = sentence.text_content()
    # the computed difference with the Couverture page, said under the sentence
    t = figures["today"]
    page.locator(MAIN).get_by_text(re.compile(f"^Dont {t['outside']} habitants dans {t['n_outside']} communes "
                                              f"hors de Bretagne .* en donne {t['inside']}")).wait_for()
    assert f"{t['population']} habitants couverts" in first
    page.get_by_role("slider").focus()
    rerun(lambda: page.keyboard.press("ArrowLeft"))   # one step back from « aujourd'hui »
    page.wait_for_function("(t) => ![...document.querySelectorAll('[data-testid=stMain] p')]"
                           ".some(p => p.textContent === t)", arg=first, timeout=60_000)
    text = sentence.text_content()
    day = re.match(r"Au (\d+(?:er)? \S+ \d{4}) : ", text).group(1)
    assert day != re.match(r"Au (\d+(?:er)? \S+ \d{4}) : ", first).group(1)
    # the map remounts: once settled, every map on the page has the chosen date in its legend
    page.wait_for_function(f"(want) => {{ const t = ({_LEGEND_TITLES_JS})(); return t.length && t.every(x => x === want); }}",
                           arg=f"CPTS signées au {day}", timeout=60_000)
    legend = page.frame_locator(FOLIUM_IFRAME).last.locator(".cpts-legend")
    if not legend.evaluate("e => e.open"):
        page.frame_locator(FOLIUM_IFRAME).last.locator(".cpts-legend summary").click()
    assert legend.locator(".cpts-legend-title").is_visible()
    assert legend.locator(".cpts-legend-title").text_content() == f"CPTS signées au {day}"
    _shot(page, "timeline", viewport)
    assert not network_log.page_errors, network_log.page_errors
    network_log.assert_only_local()


@SCREENS
def test_home_and_couverture_say_why_their_populations_differ(open_map, page, network_log, viewport, figures):
    page.set_viewport_size(viewport)
    m = figures["mapped"]
    open_map("/")
    intro = page.locator(MAIN).get_by_text(re.compile(f"^Dont {m['outside']} habitants dans {m['n_outside']} "
                                                      "communes hors de Bretagne"))
    intro.wait_for(timeout=60_000)
    assert f"Couverture, qui ne compte que les communes de Bretagne, en donne {m['inside']}" in intro.text_content()
    assert intro.is_visible()
    open_map("/Couverture")
    bzh = page.locator(MAIN).get_by_text(re.compile("^Seules les communes de Bretagne sont comptées ici"))
    bzh.first.wait_for(timeout=60_000)
    text = bzh.first.text_content()
    assert f"({m['inside']} habitants)" in text
    assert f"la page Carte donne donc {m['population']} habitants ({m['inside']} + {m['outside']})" in text
    t = figures["today"]
    assert page.locator(MAIN).get_by_text(re.compile(
        f"l'évolution dans le temps de la page Carte donne donc {t['population']} habitants "
        f"\\({t['inside']} \\+ {t['outside']}\\)")).count() == 1
    bzh.first.scroll_into_view_if_needed()
    _shot(page, "couverture", viewport)
    network_log.assert_only_local()


def _shot(page, name: str, viewport: dict) -> None:
    """E2E_SHOTS_DIR keeps the screenshots (F-<name>-<size>.png)."""
    where = os.environ.get("E2E_SHOTS_DIR")
    if where:
        page.screenshot(path=os.path.join(where, f"F-{name}-{viewport['width']}x{viewport['height']}.png"))
