"""A copy of the registry whose every CPTS name is hostile text (Markdown, HTML, KaTeX, directives,
autolinks, a spreadsheet formula): for the escaping tests of the pages (tests/test_hostile_pages.py)
and the browser check (tests/e2e/test_hostile_text.py). Never touches data/registry."""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.import_support import registry_copy

# What Streamlit's Markdown would render (bold, link, remote image, KaTeX, colour, icon, autolink,
# HTML) behind a formula prefix a spreadsheet would run.
HOSTILE = ("=HYPERLINK(\"http://127.0.0.2/f\") **gras** [lien](http://127.0.0.2/x) ![p](http://127.0.0.2/p.png) "
           "$x^2$ :red[rouge] :material/home: www.exemple.org <b>b</b>")
# Fragments that must never reach a Markdown-rendering field unescaped.
RAW_MARKERS = ("**gras**", "[lien](", "![p]", "$x^2$", ":red[", ":material/home:", "www.exemple", "<b>", "http://127.0.0.2")


def hostile_registry(tmp_path: Path) -> Path:
    """A registry copy where every CPTS is named ``HOSTILE + " " + its real name``."""
    root = registry_copy(tmp_path)
    for f in sorted((root / "cpts").glob("*.yaml")):
        text = f.read_text(encoding="utf-8")
        text = re.sub(r"^nom: (.*)$", lambda m: "nom: " + json.dumps(f"{HOSTILE} {m.group(1).strip()}",
                                                                      ensure_ascii=False),
                      text, count=1, flags=re.M)
        f.write_text(text, encoding="utf-8")
    return root
