"""One source document, as a reader opens it from « voir la source »: its own title, kind, place,
date and publisher, a link to the original when the registry knows its address (the app never
fetches it), and its text with the cited passage highlighted.

Reached by the Sources page's deep link ``Sources?document=<id>&citation=<verbatim quote>``
(:func:`document_href`: the id and the quote are URL-quoted, the link text is ours). The document
text and the citation are data: they are HTML-escaped, then the passage is wrapped in ``<mark>``,
and the result goes to st.html (no Markdown, no script: Streamlit sanitises it with DOMPurify)."""
from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

import streamlit as st

from geo.registry import Registry
from geo.registry.documents import DocumentError, document_text
from geo.registry.sources import document_label

from .scope import PARAM, scope_params
from .text import md

SOURCES_URL = "Sources"   # url_path of app_pages/4_Sources.py (relative: works under a base URL path)
CONTEXT = 220             # characters shown around the passage in the excerpt
_BLANK_LINES = re.compile(r"[ \t]*\n(?:[ \t]*\n)+")   # the empty lines PDF extracts are full of


def document_href(source_id: str, citation: str | None = None) -> str:
    """Relative link to a document's page, every parameter URL-quoted (nothing of it can close the
    Markdown link or add a parameter)."""
    href = f"{SOURCES_URL}?document={quote(source_id, safe='')}"
    href += f"&citation={quote(citation, safe='')}" if citation else ""
    # the link opens a new tab (a new session): it keeps the scope, or the France user lands in Bretagne
    region = scope_params().get(PARAM)
    return href + (f"&{PARAM}={quote(region, safe='')}" if region else "")


def source_link(source_id: str | None, citation: str | None = None, label: str = "voir la source") -> str:
    """« [voir la source](Sources?document=…) » as Markdown; "" without a source or for a source
    without kept text. ``label`` is ours, never file text."""
    if not source_id:
        return ""
    return f"[{label}]({document_href(source_id, citation)})"


def highlighted_html(text: str, spans, start: int = 0, end: int | None = None, compact: bool = False) -> str:
    """``text[start:end]`` escaped, with every span (offsets in ``text``) wrapped in <mark>;
    ``compact`` drops the empty lines between lines (for the excerpt)."""
    end = len(text) if end is None else end

    def esc(part: str) -> str:
        return html.escape(_BLANK_LINES.sub("\n", part) if compact else part)

    out, pos = [], start
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if a >= b or a < pos:
            continue
        out.append(esc(text[pos:a]))
        out.append(f'<mark class="passage">{esc(text[a:b])}</mark>')
        pos = b
    out.append(esc(text[pos:end]))
    return "".join(out)


def _excerpt_bounds(text: str, a: int, b: int) -> tuple[int, int]:
    """About CONTEXT characters either side of [a, b), cut at whitespace (no half word)."""
    lo = max(0, a - CONTEXT)
    if lo:
        m = re.search(r"\s", text[lo:a])
        lo = lo + m.end() if m else a
    hi = min(len(text), b + CONTEXT)
    if hi < len(text):
        m = None
        for m in re.finditer(r"\s", text[b:hi]):
            pass
        hi = b + m.start() if m else b
    return lo, hi


_BOX = ('<div class="cpts-document" lang="fr" style="white-space:pre-wrap;font-family:inherit;line-height:1.5;'
        'border:1px solid rgba(49,51,63,.2);border-radius:.5rem;padding:.75rem 1rem;{extra}">{body}</div>')
_MARK_CSS = "<style>mark.passage{background:#ffe066;color:inherit;padding:0 .1em;border-radius:.2em}</style>"


def _safe_url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def render_document(registry: Registry, source_id: str, citation: str | None) -> None:
    source = registry.sources.get(source_id)
    if source is None:
        st.error(f"Document inconnu du registre : « {md(source_id)} ».")
        return
    st.subheader(md(source.titre))
    st.markdown(f"{md(document_label(source))} — {md(source.editeur)}")
    url = _safe_url(source.url)
    if url:
        st.link_button("Ouvrir l'original (site de l'éditeur)", url, icon=":material/open_in_new:")
        st.caption("Adresse de l'original : " + md(url))
    if source.note:
        st.caption("Note du registre : " + md(source.note))
    try:
        doc = document_text(registry, source_id, citation)
    except DocumentError as exc:
        st.warning(md(str(exc)[:1].upper() + str(exc)[1:]) + ".")
        return
    st.html(_MARK_CSS)
    if citation and doc.spans:
        lo, hi = _excerpt_bounds(doc.text, *doc.spans[0])
        st.markdown("**Passage cité**")
        excerpt = highlighted_html(doc.text, doc.spans[:1], lo, hi, compact=True).strip()
        st.html(_BOX.format(extra="", body=("… " if lo else "") + excerpt + (" …" if hi < len(doc.text) else "")))
    elif citation:
        st.warning(f"Le passage cité n'a pas été trouvé tel quel dans ce document : « {md(citation)} ».")
    st.markdown("**Texte du document**")
    st.caption("Texte extrait du document publié (PDF) : les coupures de ligne et coquilles de l'extrait sont "
               "gardées telles quelles." + (" Le passage cité est surligné." if doc.spans else ""))
    st.html(_BOX.format(extra="max-height:60vh;overflow:auto", body=highlighted_html(doc.text, doc.spans)))


__all__ = ["document_href", "source_link", "highlighted_html", "render_document"]
