"""« voir la source » opens the document in a new tab, a new session: the link carries the session's
scope (``&region=france``), or a France user landed on a Bretagne page (its « registre partiel »
line, its sidebar). Default scope: links unchanged."""
from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.scope_fixtures import data_dir, multi  # noqa: F401 -- fixtures
from ui.document import document_href

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\((Sources\?document=[^)]*)\)")


def _links(scope: str | None) -> list[str]:
    at = AppTest.from_file(str(ROOT / "app_pages" / "1_Fiches_CPTS.py"), default_timeout=300)
    at.query_params["cpts"] = "pays-de-vitre"
    if scope:
        at.session_state["scope"] = scope
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return [h for m in at.markdown for h in LINK.findall(m.value)]


def test_source_links_keep_the_france_scope(data_dir, multi):
    data_dir(multi)
    links = _links("france")
    assert links and all(h.endswith("&region=france") for h in links), links[:3]


def test_source_links_of_the_default_scope_are_unchanged(monkeypatch):
    monkeypatch.delenv("CPTS_REGION", raising=False)
    links = _links(None)
    assert links and not any("region=" in h for h in links)
    assert document_href("cp-vitre-2022-09-29", "a&b") == "Sources?document=cp-vitre-2022-09-29&citation=a%26b"
