"""Escaping for text that comes from files (registry, referential, imports) before Streamlit renders it."""
from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def md(text: object) -> str:
    """Escape Markdown *and* HTML in file-provided text for st.markdown/st.caption.

    Streamlit's Markdown renders links, emphasis, headings… and (with unsafe_allow_html) HTML:
    registry or imported text must show as typed, never as markup."""
    s = "" if text is None else str(text)
    return _MD_SPECIAL.sub(r"\\\1", html.escape(s, quote=False))


def h(text: object) -> str:
    """Escape for raw HTML contexts (folium tooltips, popups, legends)."""
    return html.escape("" if text is None else str(text))
