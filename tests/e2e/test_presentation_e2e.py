"""End-to-end (issue 9.5): presentation mode for a room, at 1366×768 (a laptop) and 1920×1080 (a projector).

- one screen: no vertical scroll (neither the document nor Streamlit's main container), the map,
  the 3 to 5 key figures and the footnote all inside the viewport;
- CPTS names on the map: no two label boxes intersect, none under the legend (open or folded) nor
  any other control; « non nommée (16 communes d'Amanlis à Vern-sur-Seiche) » and « Pays de
  Vitré » both readable;
- the start screen says nothing about the side panel this mode hides, and states the walk's order;
- the arrow keys ← → walk through the CPTS in the stated order (signature date), also once the
  map has the focus; each step waits on the card title and on the page's own count of presses not
  yet shown (body[data-cpts-keys], ui/presentation_page.py), never on time; two quick presses
  make two steps (Streamlit coalesces two pending clicks of one button into one: the script queues
  them).

``E2E_SHOTS=/some/dir`` saves a screenshot of each screen there.
"""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from conftest import FOLIUM_IFRAME

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}
SCREENS = pytest.mark.parametrize("viewport", [LAPTOP, PROJECTOR], ids=["1366x768", "1920x1080"])
MAIN = '[data-testid="stMain"]'
TITLE = f"{MAIN} .st-key-pres-panel h3"

_SCROLL_JS = """() => { const m = document.querySelector('[data-testid="stMain"]');
    return {doc: document.scrollingElement.scrollHeight, inner: window.innerHeight,
            main: m.scrollHeight, mainClient: m.clientHeight}; }"""

_LABELS_JS = """() => {
    const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const labels = [...document.querySelectorAll('.cpts-label-text')];
    return {
        placed: Number(document.body.dataset.labelsPlaced || 0),
        shown: labels.filter(e => !e.hasAttribute('data-hidden') && getComputedStyle(e).visibility !== 'hidden')
                     .map(e => [e.textContent, box(e)]),
        all: labels.map(e => e.textContent),
        controls: [...document.querySelectorAll('.leaflet-control')].map(e => [e.className, box(e)])
                      .filter(c => c[1][2] > c[1][0] && c[1][3] > c[1][1]),
        legendOpen: !!(document.querySelector('details.cpts-legend') || {}).open,
        map: box(document.querySelector('.leaflet-container')),
    };
}"""


_FOCUS_JS = """() => { if (!window.__keysSeen) { window.__keysSeen = [];
        window.addEventListener('keydown', e => setTimeout(() => window.__keysSeen.push([e.key, e.defaultPrevented]), 0), true); }
    return [document.activeElement.tagName, document.activeElement.className, !!window.__cptsPresentation,
            !!document.querySelector('.st-key-pres-next button'), window.__keysSeen.slice(-3)]; }"""


def _keys_done(page) -> None:
    """Every arrow press so far has shown its step (the page's own count, ui/presentation_page.py)."""
    page.wait_for_function("() => document.body.dataset.cptsKeys === '0'", timeout=60_000)


def _intersect(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture(scope="module")
def walk_names():
    """The walk's order as the server computes it (geo/views/presentation.py): names, in order."""
    from geo.atlas import Atlas
    from geo.views.presentation import walk
    return [s.nom for s in walk(Atlas.load().territories)]


def _shot(page, name: str) -> None:
    folder = os.environ.get("E2E_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"G-{name}.png"))


def _assert_one_screen(page, viewport) -> None:
    s = page.evaluate(_SCROLL_JS)
    assert s["doc"] <= s["inner"], s
    assert s["main"] <= s["mainClient"] + 1, s          # Streamlit scrolls its main container, not the document
    for sel in (FOLIUM_IFRAME, f"{MAIN} .st-key-pres-foot", f"{MAIN} .st-key-pres-head"):
        b = page.locator(sel).last.bounding_box()
        assert b and b["y"] >= 0 and b["y"] + b["height"] <= viewport["height"] + 0.5, (sel, b, viewport)


def _labels(frame, after: int = 0) -> dict:
    """The labels once placed (after placement number ``after``), with the controls' boxes."""
    frame.wait_for_function("(n) => Number(document.body.dataset.labelsPlaced || 0) > n"
                            " && document.readyState === 'complete'", arg=after)
    # a placement is scheduled on the next animation frame after any change: read after two frames
    return frame.evaluate("async () => { await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));"
                          " return (" + _LABELS_JS + ")(); }")


def _assert_no_overlap(g: dict) -> None:
    shown = g["shown"]
    for i, (ta, a) in enumerate(shown):
        for tb, b in shown[i + 1:]:
            assert not _intersect(a, b), (ta, a, tb, b)
        for cls, c in g["controls"]:
            assert not _intersect(a, c), (ta, a, cls, c)
        m = g["map"]
        assert m[0] <= a[0] and a[2] <= m[2] and m[1] <= a[1] and a[3] <= m[3], (ta, a, m)


def _open(open_map, page, viewport, path="/?mode=presentation"):
    page.set_viewport_size(viewport)
    m = open_map(path)
    m.frame.wait_for_selector("body[data-communes-loaded]", state="attached", timeout=60_000)
    m.frame.wait_for_selector("body[data-labels-placed]", state="attached", timeout=60_000)
    if "cpts=" not in path and "commune=" not in path:  # fitted to the region at its final size
        m.frame.wait_for_selector("body[data-map-fitted]", state="attached", timeout=60_000)
    page.locator(f"{MAIN} .st-key-pres-foot").wait_for()
    page.wait_for_function("() => window.__cptsPresentation === true")   # the arrow keys' listener is on
    return m


@SCREENS
def test_start_screen_fits_and_its_labels_do_not_overlap(open_map, page, network_log, viewport):
    m = _open(open_map, page, viewport)
    _assert_one_screen(page, viewport)
    text = page.locator(MAIN).inner_text()
    assert not re.search(r"panneau|latéral|sidebar|barre", text, re.I), text
    assert "ordre : date de signature" in text
    assert "Registre partiel" in page.locator(f"{MAIN} .st-key-pres-foot").inner_text()
    g = _labels(m.frame)
    _assert_no_overlap(g)
    shown = [t for t, _ in g["shown"]]
    assert "Pays de Vitré" in shown and any(t.startswith("non nommée") for t in shown), shown
    assert len(shown) >= 4, g
    _shot(page, f"start-{viewport['width']}x{viewport['height']}")
    # open (or fold) the legend: the labels move away from it, Redon's included
    summary = m.frame.locator("details.cpts-legend summary")
    summary.click()
    g2 = _labels(m.frame, g["placed"])
    assert g2["legendOpen"] != g["legendOpen"], (g["legendOpen"], g2["legendOpen"])
    _assert_no_overlap(g2)
    if g2["legendOpen"]:
        _shot(page, f"start-legend-{viewport['width']}x{viewport['height']}")
    assert not network_log.page_errors, network_log.page_errors
    network_log.assert_only_local()


@SCREENS
def test_arrow_keys_walk_in_signature_order_and_each_card_fits(open_map, page, network_log, rerun, viewport,
                                                               walk_names):
    m = _open(open_map, page, viewport)
    assert len(walk_names) >= 3, walk_names
    title = page.locator(TITLE)
    for i, name in enumerate(walk_names):
        print(f"step {i + 1}: → {name}; focus on", page.evaluate(_FOCUS_JS))   # shown if the step fails
        rerun(lambda: page.keyboard.press("ArrowRight"))
        expect(title).to_have_text(name, timeout=60_000)
        _keys_done(page)
        expect(page.locator(f"{MAIN} .st-key-pres-head")).to_contain_text(f"CPTS {i + 1} sur {len(walk_names)}")
        tiles = page.locator(f"{MAIN} .cpts-tile")
        assert 2 <= tiles.count() <= 5, (name, tiles.count())
        for k in range(tiles.count()):
            b = tiles.nth(k).bounding_box()
            assert b["y"] >= 0 and b["y"] + b["height"] <= viewport["height"], (name, k, b)
            assert re.search(r"déclaré|calculé", tiles.nth(k).inner_text()), tiles.nth(k).inner_text()
        _assert_one_screen(page, viewport)
        foot = page.locator(f"{MAIN} .st-key-pres-foot p").first
        lines = foot.evaluate("e => Math.round(e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight))")
        assert lines == 1, lines                        # the sources: one footnote line
        assert "communiqué de presse" in foot.inner_text()
    # ← goes back in the same order, wrapping round from the first to the last
    rerun(lambda: page.keyboard.press("ArrowLeft"))
    expect(title).to_have_text(walk_names[-2], timeout=60_000)
    _keys_done(page)
    # once the map has the focus (a click on it, Leaflet's own keyboard), ← → still walk
    print("from the focused map: →")
    m.frame.evaluate("() => document.querySelector('.leaflet-container').focus()")
    rerun(lambda: page.keyboard.press("ArrowRight"))
    expect(title).to_have_text(walk_names[-1], timeout=60_000)
    _keys_done(page)
    _assert_no_overlap(_labels(m.frame))
    _shot(page, f"cpts-{viewport['width']}x{viewport['height']}")   # after the last key: a shot may take the focus
    assert not network_log.page_errors, network_log.page_errors
    network_log.assert_only_local()


def test_buttons_walk_too_and_labels_stay_apart_on_a_cpts(open_map, page, rerun, walk_names):
    """« Suivante » / « Précédente » do what the arrows do; on a CPTS's zoomed view the names of
    Vitré and of its neighbour « non nommée » do not overlap."""
    m = _open(open_map, page, LAPTOP, "/?mode=presentation&cpts=pays-de-vitre")
    title = page.locator(TITLE)
    expect(title).to_have_text("CPTS du Pays de Vitré")
    _assert_no_overlap(_labels(m.frame))
    i = walk_names.index("CPTS du Pays de Vitré")
    rerun(lambda: page.get_by_role("button", name=re.compile("Suivante")).click())
    expect(title).to_have_text(walk_names[(i + 1) % len(walk_names)], timeout=60_000)
    rerun(lambda: page.get_by_role("button", name=re.compile("Précédente")).click())
    expect(title).to_have_text(walk_names[i], timeout=60_000)
    assert "cpts=pays-de-vitre" in page.url and "mode=presentation" in page.url


def test_quick_presses_are_each_one_step(open_map, page, idle, walk_names):
    """→ → → pressed without waiting (a presenter going fast, a loaded machine): three steps, not
    one or two (Streamlit merges two pending clicks of the same button; the page's script queues
    the presses and clicks once the previous step has shown), then ← ← nets out to one back."""
    _open(open_map, page, LAPTOP, "/?mode=presentation&cpts=pays-de-vitre")
    title = page.locator(TITLE)
    expect(title).to_have_text("CPTS du Pays de Vitré")
    idle()
    i = walk_names.index("CPTS du Pays de Vitré")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(title).to_have_text(walk_names[(i + 3) % len(walk_names)], timeout=60_000)
    _keys_done(page)
    idle()
    expect(title).to_have_text(walk_names[(i + 3) % len(walk_names)])   # no late extra step
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(title).to_have_text(walk_names[(i + 1) % len(walk_names)], timeout=60_000)
    _keys_done(page)
    idle()
    expect(title).to_have_text(walk_names[(i + 1) % len(walk_names)])
    expect(page.locator(f"{MAIN} .st-key-pres-head")).to_contain_text(f"CPTS {(i + 1) % len(walk_names) + 1} sur")


@SCREENS
def test_a_note_above_the_map_still_fits_one_screen(open_map, page, viewport):
    """A former INSEE code's link says which commune it opened, above the map: the map gives up the
    height the note takes (ui/presentation_page.py), the page still does not scroll."""
    _open(open_map, page, viewport, "/?mode=presentation&commune=35112")
    page.locator(f"{MAIN} [data-testid='stAlert']").get_by_text("Fleurigné").wait_for()
    expect(page.locator(TITLE)).to_have_text("CPTS du Pays de Fougères")
    # the map's height follows the page's layout on the next frames: wait until nothing scrolls
    page.wait_for_function("""() => { const m = document.querySelector('[data-testid="stMain"]');
        return m.scrollHeight <= m.clientHeight + 1; }""")
    _assert_one_screen(page, viewport)
    box = page.locator(FOLIUM_IFRAME).last.bounding_box()
    assert box["height"] >= 0.55 * viewport["height"], box     # the map still uses the window's height
    _shot(page, f"note-{viewport['width']}x{viewport['height']}")
