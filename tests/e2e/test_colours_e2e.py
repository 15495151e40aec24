"""End-to-end (issue 9.3): the thematic map reads well on a laptop (1366×768) and a projector
(1920×1080), and the browser draws what the PNG draws.

- classes from the same classification as the PNG: Vitré's commune filled with its class colour,
  « Non renseigné » hatched with the HATCH pattern (period and line width of matplotlib's hatch),
  « Aucune CPTS documentée » plain, CPTS outlines in the one colour the legend explains;
- the legend lists exactly geo.views.indicators.legend_items (what the PNG's legend lists);
- on screen, Vitré (ACI 2022) and Redon (ACI 2021) are told apart: ΔE2000 of the PIXELS >= 15.

Set E2E_SHOTS_DIR to keep the screenshots (F-<indicator>-<size>.png).
"""
from __future__ import annotations

import io
import os
import re

import pytest
from coloraide import Color
from PIL import Image

from conftest import FOLIUM_IFRAME

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}
SCREENS = pytest.mark.parametrize("viewport", [LAPTOP, PROJECTOR], ids=["1366x768", "1920x1080"])
VITRE, REDON = "35360", "35236"


@pytest.fixture(scope="module")
def expected():
    from geo.atlas import Atlas
    from geo.mapdata import build_map_data
    from geo.views.indicators import classify
    atlas = Atlas.load()
    md = build_map_data(atlas.communes, atlas.territories)
    return atlas, md, {k: classify(k, atlas.territories, atlas.registry)
                       for k in ("sans_medecin_traitant", "annee_signature", "population")}


def _colour_by(page, open_map, viewport, label: str, title: str):
    page.set_viewport_size(viewport)
    m = open_map("/")
    m.frame.wait_for_selector("body[data-map-fitted]", state="attached", timeout=60_000)
    page.get_by_label("Colorer la carte par").click()
    page.get_by_role("option", name=re.compile(re.escape(label))).click()
    # the rerun remounts the map: wait for the new one, its communes and its legend's title
    page.wait_for_function(
        """(want) => [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')].some(f => {
            try { const d = f.contentDocument, t = d.querySelector('.cpts-legend-title');
                  return t && t.textContent === want && d.body.hasAttribute('data-communes-loaded')
                         && d.body.hasAttribute('data-map-fitted'); } catch (e) { return false; } })""",
        arg=title, timeout=90_000)
    frame = page.frame_locator(FOLIUM_IFRAME).last
    legend = frame.locator(".cpts-legend")
    if not legend.evaluate("e => e.open"):   # folded on a laptop: open it, as a user would
        frame.locator(".cpts-legend summary").click()
        page.wait_for_function("""() => [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')]
            .some(f => { try { return f.contentDocument.querySelector('.cpts-legend').open; } catch (e) { return false; } })""")
    return frame


_LAYER_JS = """(codes) => {
    const out = {fills: {}, hatched: 0, plain: 0, outlines: new Set(), pattern: null};
    window.map.eachLayer(l => {
        if (l.feature && l.feature.properties && 'code' in l.feature.properties) {
            const f = l.options.fillColor;
            if (codes.includes(l.feature.properties.code)) out.fills[l.feature.properties.code] = [f, l.options.fillOpacity];
            if (String(f).startsWith('url(')) out.hatched += 1; else out.plain += 1;
        } else if (l.feature && l.feature.properties && 'id' in l.feature.properties && l.options) {
            out.outlines.add(l.options.color);
        }
    });
    const p = document.querySelector('#cpts-patterns pattern');
    if (p) out.pattern = {id: p.id, w: +p.getAttribute('width'), bg: p.querySelector('rect').getAttribute('fill'),
                          stroke: p.querySelector('path').getAttribute('stroke'),
                          sw: +p.getAttribute('width') && +p.querySelector('path').getAttribute('stroke-width')};
    out.outlines = [...out.outlines];
    out.legend = [...document.querySelectorAll('.cpts-legend-item')].map(r => [r.dataset.kind, r.textContent]);
    out.swatch = (document.querySelector('.cpts-legend-hatch rect') || {getAttribute: () => null}).getAttribute('fill');
    return out;
}"""


def _sp(s: str) -> str:
    return s.replace("\u202f", " ").replace("\u00a0", " ")


@SCREENS
def test_sans_medecin_traitant_map_draws_what_the_png_draws(open_map, page, network_log, viewport, expected):
    from geo.views.indicators import HATCH, NON_RENSEIGNE, OUTLINE_COLOR, THEMATIC_OPACITY, legend_items
    atlas, md, cls = expected
    c = cls["sans_medecin_traitant"]
    _colour_by(page, open_map, viewport, "Sans médecin traitant", c.title)
    got = page.frame_locator(FOLIUM_IFRAME).last.locator("body").evaluate(
        f"(b, codes) => ({_LAYER_JS})(codes)", [VITRE, "35115"])   # Vitré (12,7 %) and Fougères (non renseigné)
    # Vitré: its class colour, opaque; Fougères: hatched over the « Non renseigné » grey
    assert got["fills"][VITRE] == [c.classes["pays-de-vitre"].color, THEMATIC_OPACITY]
    bg = NON_RENSEIGNE.color
    assert got["fills"]["35115"][0] == f"url(#cpts-hatch-{bg[1:]})"
    n_hatched = sum(len(t.codes) for t in atlas.territories if t.perimetre_connu and c.classes[t.id] is NON_RENSEIGNE)
    assert got["hatched"] >= n_hatched - 5   # communes shared with a CPTS that has a value take its class
    # the SVG pattern is matplotlib's hatch: same period, line width and colours
    p = got["pattern"]
    assert p["bg"] == bg and p["stroke"] == HATCH.color
    assert p["w"] == pytest.approx(HATCH.period_px(), abs=1e-3) and p["sw"] == pytest.approx(HATCH.line_px(), abs=1e-3)
    # one outline colour, explained in the legend; the legend is the PNG's
    assert got["outlines"] == [OUTLINE_COLOR]
    want = [[i.kind, _sp(i.label)] for i in legend_items(c)]
    assert [[k, _sp(t)] for k, t in got["legend"]] == want
    assert ["line", "Contour d'une CPTS"] in want and want[-1][0] == "text"
    assert got["swatch"] == f"url(#cpts-hatch-{bg[1:]})"
    _shot(page, "sans-medecin-traitant", viewport)
    assert not network_log.page_errors, network_log.page_errors
    network_log.assert_only_local()


@SCREENS
def test_vitre_2022_and_redon_2021_look_different_on_screen(open_map, page, network_log, viewport, expected):
    atlas, md, cls = expected
    c = cls["annee_signature"]
    _colour_by(page, open_map, viewport, "Année de signature", c.title)
    png = page.screenshot()
    img = Image.open(io.BytesIO(png)).convert("RGB")
    box = page.locator(FOLIUM_IFRAME).last.bounding_box()
    seen = {}
    for code in (VITRE, REDON):
        lat, lon = md.centroids[code]
        x, y = page.frame_locator(FOLIUM_IFRAME).last.locator("body").evaluate(
            "(b, ll) => { const p = window.map.latLngToContainerPoint(ll); return [p.x, p.y]; }", [lat, lon])
        px, py = box["x"] + x, box["y"] + y
        assert 0 < px < viewport["width"] and 0 < py < viewport["height"], (code, px, py)
        seen[code] = Color("srgb", [v / 255 for v in img.getpixel((round(px), round(py)))])
    assert seen[VITRE].delta_e(Color(c.classes["pays-de-vitre"].color), method="2000") < 3   # drawn as classed
    assert seen[VITRE].delta_e(seen[REDON], method="2000") >= 15
    _shot(page, "annee-signature", viewport, png)
    network_log.assert_only_local()


@SCREENS
def test_population_map_legend_lists_only_drawn_classes(open_map, page, network_log, viewport, expected):
    from geo.views.indicators import legend_items
    atlas, md, cls = expected
    c = cls["population"]
    frame = _colour_by(page, open_map, viewport, "Population couverte", c.title)
    text = _sp(frame.locator(".cpts-legend").inner_text())
    assert "moins de 40 000" not in text and "175 000 hab. et plus" not in text   # no CPTS of those sizes
    assert "6 CPTS sans périmètre cartographié (non comptées)" in text
    assert [i.kind for i in legend_items(c)] == ["fill", "fill", "fill", "line", "text"]
    _shot(page, "population", viewport)
    network_log.assert_only_local()


def _shot(page, name: str, viewport: dict, png: bytes | None = None) -> None:
    where = os.environ.get("E2E_SHOTS_DIR")
    if where:
        path = os.path.join(where, f"F-{name}-{viewport['width']}x{viewport['height']}.png")
        with open(path, "wb") as f:
            f.write(png or page.screenshot())
