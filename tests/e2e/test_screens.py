"""End-to-end (issue 9): what a new user sees on a laptop (1366×768) and a projector (1920×1080).

- a freshly started server whose first visitor opens a sub-page shows « Carte » first (9.9);
- the page is French for the browser and for Streamlit's own texts, across reruns (9.10);
- no emoji, a favicon we ship, nothing fetched from outside (9.11);
- Comparer and Fiches show the columns people compare first without scrolling sideways (9.8).
"""
from __future__ import annotations

import re

import pytest

from server_support import fresh_app

pytestmark = pytest.mark.e2e

MAIN = '[data-testid="stMain"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
NAV_LINKS = '[data-testid="stSidebarNav"] a'
LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}
ENGLISH = re.compile(r"Download as CSV|Drag and drop|per file|Browse files|\bUpload\b|Skip to main content|Help for|"
                     r"Show/hide columns|\bFullscreen\b|\bSearch\b|Link to heading|Cancel upload|\b[0-9]+\.[0-9][KMG]?B\b")
# Emoji and pictographs (the app ships no font for them: empty boxes on a PC without an emoji font).
# Pictographs that need an emoji font. The dingbats the app uses on purpose (✓ U+2713) are excluded: tests/test_glyphs.py
# proves the font Streamlit ships draws them.
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u2712\u2714-\u27BF\uFE0F\u2B00-\u2BFF]")


LAST = "Détail sur la page Sources."   # the attribution line that ends the Fiches/Comparer/Couverture pages


def _open(page, url: str, heading: str, last: str | None = None) -> None:
    """Navigate and wait until the page is drawn (its heading, then its last element if given)."""
    page.goto(url, wait_until="commit")
    page.get_by_role("heading", name=heading).first.wait_for()
    if last:
        page.get_by_text(last).first.wait_for()
    page.wait_for_selector(IDLE, state="attached")


def _ui_texts(page) -> str:
    """Every text node and aria-label/title/placeholder of the page (what a user or a screen reader meets)."""
    return page.evaluate("""() => {
        const out = [];
        const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (w.nextNode()) {
            const p = w.currentNode.parentElement;
            if (p && !p.closest('script, style, [translate="no"], [data-testid="stIconMaterial"]'))
                out.push(w.currentNode.nodeValue);
        }
        document.querySelectorAll('[aria-label], [title], [placeholder]').forEach(e =>
            ['aria-label', 'title', 'placeholder'].forEach(a => e.getAttribute(a) && out.push(e.getAttribute(a))));
        return out.join('\\n');
    }""")


@pytest.fixture(scope="module")
def fresh_url(tmp_path_factory):
    """A server nobody has visited yet."""
    with fresh_app(tmp_path_factory.mktemp("fresh-log")) as base:
        yield base


def test_first_visitor_on_a_subpage_sees_carte_first(fresh_url, page, network_log):
    page.set_viewport_size(LAPTOP)
    _open(page, fresh_url + "/Comparer", "Comparer les CPTS")
    page.locator(NAV_LINKS).first.wait_for()
    names = [t.strip() for t in page.locator(NAV_LINKS).all_inner_texts()]
    assert names[:2] == ["Carte", "Fiches CPTS"] and "app" not in names, names
    assert names == ["Carte", "Fiches CPTS", "Comparer", "Couverture", "Sources", "Importer", "Éditer",
                     "Historique"]
    network_log.assert_only_local()


@pytest.mark.parametrize("viewport", [LAPTOP, PROJECTOR], ids=["1366x768", "1920x1080"])
def test_streamlit_texts_are_french_and_stay_french(app_url, page, network_log, rerun, viewport):
    page.set_viewport_size(viewport)
    _open(page, app_url + "/Importer", "Importer")
    page.wait_for_function("() => document.documentElement.lang === 'fr'")
    zone = page.locator('[data-testid="stFileUploaderDropzone"]').first
    page.wait_for_selector('[data-testid="stFileUploaderDropzoneInstructions"]')
    page.wait_for_function("""() => /Mo au plus par fichier/.test(
        document.querySelector('[data-testid="stFileUploaderDropzoneInstructions"]').innerText)""")
    assert "Choisir un fichier" in zone.inner_text()
    assert not ENGLISH.search(_ui_texts(page)), ENGLISH.findall(_ui_texts(page))
    # a chosen file: its chip said « 64.0B » and « Cancel upload of liste.csv »
    rerun(lambda: page.locator('input[type="file"]').first.set_input_files(files=[{
        "name": "liste.csv", "mimeType": "text/csv", "buffer": "CPTS;Commune\nCPTS Test;Vitré\n".encode()}]))
    chip = page.locator('[data-testid="stFileChip"]').first
    page.wait_for_function("""() => { const c = document.querySelector('[data-testid="stFileChip"]');
                                      return c && /^liste\\.csv, [0-9]+(,[0-9]+)?\u00a0o$/.test(c.getAttribute('aria-label')); }""")
    assert re.search(r"\b[0-9]+(,[0-9]+)?\u00a0o\b", chip.inner_text()), chip.inner_text()
    assert not ENGLISH.search(_ui_texts(page)), ENGLISH.findall(_ui_texts(page))

    _open(page, app_url + "/Comparer", "Comparer les CPTS", last=LAST)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.hover()
    page.locator('[data-testid="stElementToolbar"] button[aria-label="Télécharger en CSV"]').first.wait_for()
    texts = _ui_texts(page)
    assert not ENGLISH.search(texts), ENGLISH.findall(texts)
    # a rerun redraws widgets: still French, still lang="fr"
    rerun(lambda: page.get_by_text("Toutes les colonnes").click())
    grid.hover()
    page.locator('[data-testid="stElementToolbar"] button[aria-label="Télécharger en CSV"]').first.wait_for()
    assert page.evaluate("() => document.documentElement.lang") == "fr"
    assert not ENGLISH.search(_ui_texts(page)), ENGLISH.findall(_ui_texts(page))
    network_log.assert_only_local()


def test_help_icons_are_labelled_in_french(app_url, page):
    page.set_viewport_size(LAPTOP)
    _open(page, app_url + "/Fiches_CPTS?cpts=pays-de-vitre", "Fiches CPTS")
    page.locator('[aria-label="Aide : CPTS"]').first.wait_for(state="attached")


def test_no_emoji_no_english_and_a_shipped_favicon(app_url, page, network_log):
    page.set_viewport_size(LAPTOP)
    for path, heading in (("/?cpts=pays-de-vitre", "Carte des CPTS de Bretagne"),
                          ("/Fiches_CPTS?cpts=pays-de-vitre", "Fiches CPTS"), ("/Comparer", "Comparer les CPTS"),
                          ("/Couverture", "Couverture de la Bretagne"), ("/Sources", "Sources et téléchargements")):
        _open(page, app_url + path, heading)
        page.wait_for_function("() => document.documentElement.lang === 'fr'")
        texts = _ui_texts(page) + page.title()
        assert not EMOJI.search(texts), (path, EMOJI.findall(texts))
        assert not ENGLISH.search(texts), (path, ENGLISH.findall(texts))
        icon = page.evaluate("() => document.querySelector(\"link[rel='shortcut icon']\").href")
        assert icon.startswith(app_url + "/media/") and icon.endswith(".png"), icon
    network_log.assert_only_local()


# How far the grid (a canvas) would scroll sideways; which columns it shows is checked on the
# server side in tests/test_pages.py (column_order).
_GRID_JS = """(e) => { const s = e.querySelector('.dvn-scroller'); return {overflow: s.scrollWidth - s.clientWidth}; }"""


@pytest.mark.parametrize("viewport", [LAPTOP, PROJECTOR], ids=["1366x768", "1920x1080"])
def test_comparer_and_fiches_tables_fit_the_screen(app_url, page, rerun, viewport):
    """Issue 9.8: the columns people compare first are all on screen, no sideways scrolling; the
    others open with « Toutes les colonnes »."""
    page.set_viewport_size(viewport)
    _open(page, app_url + "/Comparer", "Comparer les CPTS", last=LAST)
    grid = _GRID_JS
    comparer = page.locator('[data-testid="stDataFrame"]').first.evaluate(grid)
    assert comparer["overflow"] <= 0, comparer
    rerun(lambda: page.get_by_text("Toutes les colonnes").click())
    page.wait_for_function("""() => { const s = document.querySelector('[data-testid="stDataFrame"] .dvn-scroller');
                                      return s && s.scrollWidth - s.clientWidth > 200; }""")  # 18 columns now

    _open(page, app_url + "/Fiches_CPTS?cpts=pays-de-redon", "Fiches CPTS", last=LAST)   # two départements
    fiche = page.locator('[data-testid="stDataFrame"]').first.evaluate(grid)
    assert fiche["overflow"] <= 0, fiche
