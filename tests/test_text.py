"""ui.text: file text reaches Streamlit's Markdown escaped, and downloadable tables hold no formula.

These check the Markdown *source* md() produces; tests/e2e/test_hostile_text.py checks that a real
browser shows it literally (Streamlit turns some text into links/icons after escapes are resolved)."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from ui.text import h, md, safe_frame

WJ = "\u2060"


def _visible(escaped: str) -> str:
    """What the reader sees once CommonMark has resolved backslash escapes and entities."""
    import html
    return html.unescape(re.sub(r"\\(.)", r"\1", escaped)).replace(WJ, "")


@pytest.mark.parametrize("text", [
    "**gras** _it_ ~~barré~~", "[lien](http://127.0.0.2/x)", "![p](http://127.0.0.2/p.png)", "$x^2$ $$y$$",
    ":red[rouge] :blue-badge[b]", ":material/home: :smile:", "# titre", "- liste", "+ liste", "1. un", "> cite",
    "| a | b |", "<b>html</b> <img src=x onerror=alert(1)>", "`code`", "ligne\n===", "a\\b", "&amp; &lt;",
    "CPTS d'Auray — 81 205 habitants",
])
def test_md_keeps_the_text_and_escapes_every_markdown_mark(text):
    out = md(text)
    assert _visible(out) == text.replace("\n", " ")              # the reader sees exactly what was typed
    # no unescaped Markdown/HTML mark is left in the source
    assert not re.search(r"(?<!\\)[*_\[\]()#`|~$:!<>=+-]", re.sub(r"&\w+;|&#\d+;", "", out).replace("\\\\", ""))


def test_md_breaks_text_that_streamlit_links_or_turns_into_icons():
    out = md("https://127.0.0.2/a www.exemple.org a@b.org :material/home: :smile:")
    seen = out.replace("\\", "")
    for pattern in ("https://", "www.", "a@b", ":material", ":smile"):
        assert pattern not in seen                               # a word joiner sits inside each
    assert _visible(out) == "https://127.0.0.2/a www.exemple.org a@b.org :material/home: :smile:"
    assert md("Statut : ACI signé") == "Statut \\: ACI signé"   # ordinary French colon untouched


def test_md_keeps_a_line_a_line():
    assert "\n" not in md("a\n\n- b\r\n# c")                   # cannot open a list or heading inside a card line


def test_h_escapes_html():
    assert h('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"


def test_safe_frame_neutralises_text_cells_and_names_not_numbers():
    df = pd.DataFrame({"nom": ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx",
                               "＝1+1", "＋1", "－1", "＠x", "CPTS d'Auray", None],
                       "population": [1, 2, -3, 4, 5, 6, 7, 8, 9, 10, 11, None],
                       "=col": ["a"] * 12})
    out = safe_frame(df)
    assert list(out["nom"][:10]) == ["'" + v for v in df["nom"][:10]]
    assert out["nom"][10] == "CPTS d'Auray" and pd.isna(out["nom"][11])
    assert out["population"].tolist()[:3] == [1, 2, -3] and out["population"].dtype == df["population"].dtype
    assert list(out.columns) == ["nom", "population", "'=col"]
    assert df["nom"][0].startswith("=")                          # the caller's frame is not modified
