"""End-to-end (issue 12, item 4): a CPTS named with Markdown, KaTeX, a colour directive, an icon
shortcode, autolinks and a remote image shows literally in Chromium, and nothing is fetched.

Streamlit turns some text into links or icons after Markdown escapes are resolved, so only a real
browser can tell that ui.text.md() holds. The app runs on a copy of the registry whose every CPTS
name is hostile (tests/hostile_support.py), through CPTS_REGISTRY_DIR."""
from __future__ import annotations

import pytest

from server_support import fresh_app
from tests.hostile_support import HOSTILE, hostile_registry

pytestmark = pytest.mark.e2e

MAIN = '[data-testid="stMain"]'
NAME = f"{HOSTILE} CPTS du Pays de Vitré"


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """The app on a hostile registry copy (its own server: the shared one reads data/)."""
    root = hostile_registry(tmp_path_factory.mktemp("hostile-registry"))
    with fresh_app(tmp_path_factory.mktemp("hostile-log"), CPTS_REGISTRY_DIR=str(root)) as base:
        yield base


def _rendered_markup(page) -> list[str]:
    """Markup that Markdown would have produced from the name, in the page (anchors of headings aside)."""
    return page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        const bad = [];
        // our own « voir la source » links (ui/document.py: relative, URL-quoted ids) are not the name's
        const ours = e => e.matches('a') && e.textContent === 'voir la source'
                          && e.getAttribute('href').startsWith('Sources?document=');
        main.querySelectorAll('[data-testid="stMarkdownContainer"] a[href]:not([href^="#"]), img, .katex, '
                              + '[data-testid="stMarkdownContainer"] b').forEach(
            e => { if (!ours(e)) bad.push(e.outerHTML.slice(0, 160)); });
        main.querySelectorAll('[data-testid="stMarkdownContainer"] strong').forEach(e => {
            if (e.textContent.includes('gras') && !e.textContent.includes('**gras**')) bad.push(e.outerHTML.slice(0, 160)); });
        main.querySelectorAll('span[role="img"]').forEach(e => {      // our icons are fine, not the name's
            if (e.textContent === 'home') bad.push(e.outerHTML.slice(0, 160)); });
        main.querySelectorAll('span.stMarkdownColoredText').forEach(e => {
            if (e.textContent === 'rouge') bad.push(e.outerHTML); });
        return bad;
    }""")


def test_hostile_cpts_name_shows_literally(hostile_app, page, network_log):
    page.goto(hostile_app + "/Fiches_CPTS?cpts=pays-de-vitre", wait_until="commit")
    heading = page.locator(f"{MAIN} h4").filter(has_text="CPTS du Pays de Vitré").first
    heading.wait_for()
    assert heading.inner_text().replace("\u2060", "").strip() == NAME       # every mark as typed
    assert _rendered_markup(page) == []
    page.goto(hostile_app + "/Comparer", wait_until="commit")
    page.get_by_role("heading", name="Missions de l'ACI").wait_for()
    page.locator(f'{MAIN} [data-testid="stCaptionContainer"]').filter(has_text="Sources :").first.wait_for()
    caption = page.locator(f'{MAIN} [data-testid="stCaptionContainer"]').filter(has_text="Sources :").first
    assert NAME in caption.inner_text().replace("\u2060", "")
    assert _rendered_markup(page) == []
    assert not [u for u in network_log.urls if "127.0.0.2" in u or "exemple.org" in u]
    network_log.assert_only_local()
