"""Escaping for text that comes from files (registry, referential, imports) before Streamlit renders it.

Where Streamlit parses Markdown (st.markdown, st.caption, st.info/warning/error, st.title/header,
help= tooltips, expander/tab labels, button labels, radio, segmented control and select-slider
options), file text goes through :func:`md`. Selectbox and multiselect options and dataframe cells
are plain text in Streamlit 1.67: give them the raw text (md() there would show backslashes).
Tables a user can download (our frames, whose toolbar offers « Download as CSV ») go through
:func:`safe_frame`, which reuses the exports' formula neutralisation.
"""
from __future__ import annotations

import html
import re

import pandas as pd

from geo.exports import neutralize

# Every ASCII punctuation mark Streamlit's Markdown (CommonMark + GFM + math + directives) gives a
# meaning to. A backslash escape is legal before any ASCII punctuation (CommonMark), so escaping a
# few harmless ones costs nothing. « & » is not escaped: html.escape has turned it into an entity.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:=^])")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")
# Streamlit turns some plain *text* into links or icons AFTER Markdown escapes are resolved (GFM
# autolink literals: http(s)://, www., e-mail addresses; `:material/icon:` shortcodes). A backslash
# cannot stop those: a WORD JOINER (U+2060, invisible, zero width, no glyph needed) breaks the pattern.
_WJ = "\u2060"
_TEXT_LINKS = [
    (re.compile(r"(?i)(https?|mailto|xmpp|ftp)(:)"), rf"\1\2{_WJ}"),
    (re.compile(r"(?i)\b(www)(?=\.)"), rf"\1{_WJ}"),
    (re.compile(r"@(?=\S)"), f"@{_WJ}"),
    (re.compile(r":(?=[\w+-])"), f":{_WJ}"),
]


def md(text: object) -> str:
    """File-provided text as Markdown source that Streamlit shows *literally*.

    Neutralises HTML (escaped), emphasis, links, images (no remote fetch), autolinks, headings,
    lists, tables, block quotes, ``$…$`` KaTeX, ``:red[…]`` directives and ``:material/…:`` /
    ``:emoji:`` shortcodes. Line breaks become spaces, so the text stays inside the line, list item or
    table cell it is written into. Checked against Streamlit's real rendering in Chromium
    (tests/e2e/test_hostile_text.py) and, as source, by tests/test_text.py."""
    s = "" if text is None else str(text)
    s = _NEWLINES.sub(" ", s)
    for pattern, repl in _TEXT_LINKS:
        s = pattern.sub(repl, s)
    return _MD_SPECIAL.sub(r"\\\1", html.escape(s, quote=False))


def h(text: object) -> str:
    """Escape for raw HTML contexts (folium tooltips, popups, legends)."""
    return html.escape("" if text is None else str(text))


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names cannot be a live spreadsheet formula.

    Streamlit's dataframe toolbar (« Download as CSV ») exports the raw cell values and the column
    names: every text starting with = + - @ (or their fullwidth forms), a tab or a carriage return
    gets the exports' leading apostrophe (geo.exports.neutralize, the one rule of the product).
    Numbers, dates and missing values are left as they are, so columns still sort as numbers."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(lambda v: neutralize(v) if isinstance(v, str) else v, na_action="ignore")
    out.columns = [neutralize(c) if isinstance(c, str) else c for c in out.columns]
    return out
