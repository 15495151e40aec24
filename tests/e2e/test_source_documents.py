"""End-to-end (issue 9.6, 9.7) on a laptop (1366×768): from a figure of the CPTS card, « voir la source »
opens the source document with the cited passage highlighted; the page says the registry is partial."""
from __future__ import annotations

import re

import pytest

from conftest import wait_for_idle

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
PARTIAL = re.compile(r"Registre partiel : 5 CPTS cartographiées sur 37 connues en 2024")


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " ")).strip()


def test_voir_la_source_opens_the_document_with_the_passage_highlighted(app_url, page, network_log):
    page.set_viewport_size(LAPTOP)
    page.goto(app_url + "/Fiches_CPTS?cpts=pays-de-vitre", wait_until="commit")
    # one paragraph per figure (the card is a few Markdown blocks): « Population déclarée : 81 205 hab. »
    # and, on its next line, where it comes from with its link
    figure = page.locator('[data-testid="stMarkdownContainer"] p', has_text="Population déclarée").first
    figure.wait_for()
    wait_for_idle(page)
    assert PARTIAL.search(_spaces(page.locator('[data-testid="stMain"]').inner_text()))
    link = figure.get_by_role("link", name="voir la source")
    link.scroll_into_view_if_needed()
    if link.get_attribute("target") == "_blank":      # Streamlit opens Markdown links in a new tab
        with page.context.expect_page() as opened:
            link.click()
        doc = opened.value
        doc.set_viewport_size(LAPTOP)
    else:
        link.click()
        doc = page
    mark = doc.locator("mark.passage").first
    mark.wait_for()
    wait_for_idle(doc)  # the whole document page is drawn (the partial-registry line comes after the passage)
    assert "81 205 habitants" in _spaces(mark.inner_text())
    assert "document=cp-vitre-2022-09-29" in doc.url
    heading = doc.get_by_role("heading", name=re.compile("Un nouveau contrat signé")).first
    assert heading.is_visible()
    body = _spaces(doc.locator('[data-testid="stMain"]').inner_text())
    assert "Communiqué de presse, Rennes, 29 septembre 2022" in body
    assert ".txt" not in body
    assert PARTIAL.search(body)
    # the highlighted excerpt is on the first screen of a laptop, highlighted in colour
    box = mark.bounding_box()
    assert box and box["y"] + box["height"] <= LAPTOP["height"], box
    assert mark.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    network_log.assert_only_local()
