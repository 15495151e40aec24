"""Source documents a reader can open (issue 9.6) and the « registre partiel » line (issue 9.7).

- geo.registry.documents finds every citation of the registry in its PDF extract, across broken
  lines, hyphenated words and no-break spaces, at the document's own offsets;
- the Sources page's document view (``?document=…&citation=…``) highlights the passage, and escapes
  a hostile document text and a hostile citation (both are data);
- every sourced figure of the CPTS card links to its document with the registry's citation;
- every page of registry figures says how partial the registry is, with the registry's own numbers.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.atlas import Atlas
from geo.registry import iter_citations, normalize_text
from geo.registry.documents import DocumentError, document_text, find_passage, read_document
from geo.registry.sources import format_source
from tests.import_support import registry_copy

ROOT = Path(__file__).resolve().parents[1]
VITRE_DOC = "cp-vitre-2022-09-29"
VITRE_POP = "couvre le territoire de Vitré communauté à savoir 46 communes* pour 81 205 habitants."
MARK = re.compile(r'<mark class="passage">(.*?)</mark>', re.S)


def _run(script: str, timeout: int = 90, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=timeout)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _html(at: AppTest) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("header", "subheader", "markdown", "caption", "info", "warning", "error")
             for e in getattr(at, kind)]
    return "\n".join(parts).replace("\u202f", " ").replace("\\", "")


# --- finding the passage ------------------------------------------------------------------------

def test_every_citation_of_the_registry_is_found_in_its_document(atlas):
    reg = atlas.registry
    checked = 0
    for ref in iter_citations(reg):
        if not reg.sources[ref.source].fichier:
            continue
        doc = document_text(reg, ref.source, ref.citation)
        assert doc.spans, ref
        a, b = doc.spans[0]
        assert normalize_text(doc.text[a:b]) == normalize_text(ref.citation), ref
        checked += 1
    assert checked > 50


def test_passage_across_pdf_line_breaks_hyphens_and_no_break_spaces():
    text = "Début.\nLa CPTS couvre 46  communes* pour  \n\n81\u00a0205 habitants de Vern-\n  sur-Seiche. Fin"
    (a, b), = find_passage(text, "46 communes* pour 81 205 habitants de Vern-sur-Seiche.")
    assert text[a:b] == "46  communes* pour  \n\n81\u00a0205 habitants de Vern-\n  sur-Seiche."
    assert find_passage(text, "la cpts COUVRE") == ((7, 21),)          # case-insensitive when no exact match
    assert find_passage(text, "82 205 habitants") == ()
    assert find_passage(text, "   ") == ()


def test_a_document_outside_the_documents_folder_is_refused(atlas, tmp_path):
    import dataclasses

    reg = atlas.registry
    src = dataclasses.replace(reg.sources[VITRE_DOC], fichier="../sources.yaml")
    other = dataclasses.replace(reg, sources={**reg.sources, VITRE_DOC: src})
    with pytest.raises(DocumentError, match="pas de texte conservé"):
        read_document(other, VITRE_DOC)
    with pytest.raises(DocumentError, match="aucun document"):
        read_document(reg, "inconnu")


def test_sources_are_named_by_title_and_date_not_by_file(atlas):
    reg = atlas.registry
    line = format_source(VITRE_DOC, reg)
    assert line.startswith("Communiqué de presse, Rennes, 29 septembre 2022 — Un nouveau contrat signé")
    assert all(not re.search(r"\d{3}_[0-9a-f]{16}\.txt", format_source(s, reg)) for s in reg.sources)


# --- the document page ----------------------------------------------------------------------------

def test_document_page_highlights_the_cited_passage(atlas):
    at = _run("app_pages/4_Sources.py", document=VITRE_DOC, citation=VITRE_POP)
    texts = _texts(at)
    assert at.subheader[0].value.startswith("Un nouveau contrat signé entre les professionnels de santé")
    assert "Communiqué de presse, Rennes, 29 septembre 2022" in texts
    assert "000_7be94897bc143df0" not in texts + _html(at)
    marks = MARK.findall(_html(at))
    assert marks, "no highlighted passage"
    assert all(normalize_text(html.unescape(m)) == normalize_text(VITRE_POP) for m in marks)
    assert "81 205 habitants" in normalize_text(html.unescape(marks[0]))
    # the whole text is there too, unchanged apart from the mark
    full = next(e.proto.body for e in at.get("html") if "max-height" in e.proto.body)
    blank_lines = re.compile(r"(?m)^[ \t]+(?=\n)")   # st.html dedents: whitespace-only lines come out empty
    assert (html.unescape(re.sub(r"</?mark[^>]*>|<div[^>]*>|</div>", "", full))
            == blank_lines.sub("", read_document(atlas.registry, VITRE_DOC)))


def test_document_page_without_the_passage_says_so(atlas):
    at = _run("app_pages/4_Sources.py", document=VITRE_DOC, citation="une phrase qui n'y est pas")
    assert any("n'a pas été trouvé tel quel" in w.value for w in at.warning)
    assert not MARK.search(_html(at))
    at = _run("app_pages/4_Sources.py", document="inconnu")
    assert "Document inconnu du registre" in at.error[0].value


HOSTILE_TEXT = ("Avant <script>alert('doc')</script> <img src=x onerror=alert(1)> **gras** [lien](http://127.0.0.2/x) "
                "$x^2$ :red[rouge] & &amp; {{ 7*7 }}\nLa citation <b>piégée</b>\n  sur deux lignes. Après")
HOSTILE_QUOTE = "citation <b>piégée</b> sur deux lignes."


@pytest.fixture
def hostile_document(tmp_path, monkeypatch):
    """A registry copy whose Vitré press release is hostile text."""
    root = registry_copy(tmp_path)
    (root / "documents" / "000_7be94897bc143df0.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    atlas = Atlas.load(registry_root=root)
    monkeypatch.setattr(Atlas, "load", classmethod(lambda cls, *a, **k: atlas))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield atlas
    st.cache_resource.clear()
    st.cache_data.clear()


def test_document_page_escapes_hostile_text_and_citation(hostile_document):
    at = _run("app_pages/4_Sources.py", document=VITRE_DOC, citation=HOSTILE_QUOTE)
    body = _html(at)
    assert "<script" not in body and "<img" not in body and "<b>" not in body
    assert "&lt;script&gt;alert(&#x27;doc&#x27;)&lt;/script&gt;" in body
    assert "&amp;amp;" in body                                  # « &amp; » shown literally
    marks = MARK.findall(body)
    assert marks and html.unescape(marks[0]) == "citation <b>piégée</b>\n  sur deux lignes."
    # a citation that tries to close the mark or open a tag is data too
    at = _run("app_pages/4_Sources.py", document=VITRE_DOC, citation="</mark><script>alert(2)</script>")
    assert "<script" not in _html(at)
    assert any("&lt;script&gt;" in w.value or "\\<script\\>" in w.value for w in at.warning)


# --- « voir la source » in the CPTS card ----------------------------------------------------------

def _links(at: AppTest) -> list[tuple[str, dict]]:
    """(text before the link, query of the link) for every « voir la source » link on the page."""
    out = []
    for e in list(at.markdown) + list(at.caption):
        for line in e.value.split("\n"):  # the card writes a block per part, a caption per line (ui/cards.small)
            line = line.strip().removeprefix(":gray[:small[")
            for m in re.finditer(r"\[voir la source\]\(([^)\s]+)\)", line):
                url = urlsplit(m.group(1))
                assert url.path == "Sources" and not url.scheme and not url.netloc
                out.append((line, {k: v[0] for k, v in parse_qs(url.query).items()}))
    return out


def test_card_links_every_sourced_figure_to_its_document(atlas):
    at = _run("app_pages/1_Fiches_CPTS.py", cpts="pays-de-vitre")
    links = _links(at)
    c = atlas.registry.get("pays-de-vitre")
    by_citation = {q.get("citation"): q["document"] for _, q in links}
    sourced = [c.population_declaree, c.communes_declarees, *c.financement, *c.sans_medecin_traitant,
               *c.autres_indicateurs, *c.professionnels, *c.statut.jalons]
    sourced = [f for f in sourced if f is not None]
    assert len(sourced) >= 6
    for fact in sourced:
        assert by_citation.get(fact.citation) == fact.source, fact
    pop_caption = next(text for text, q in links if q.get("citation") == c.population_declaree.citation)
    assert pop_caption.startswith("communiqué de presse du 29 septembre 2022")
    # the calculated population has no document to open
    assert not any("INSEE" in text.split("·")[0] and "voir la source" in text for text, _ in links)


# --- « registre partiel » on every page ------------------------------------------------------------

def _expected_line(atlas) -> str:
    reg = atlas.registry
    known = [reg.context_figure(i) for i in ("bretagne-cpts-reconnues-2024", "bretagne-projets-2024")]
    mapped = sum(1 for t in atlas.territories if t.perimetre_connu)
    return f"Registre partiel : {mapped} CPTS cartographiées sur {int(sum(f.valeur for f in known))} connues en 2024"


@pytest.mark.parametrize("script, query", [
    ("app.py", {}), ("app_pages/1_Fiches_CPTS.py", {"cpts": "pays-de-vitre"}), ("app_pages/2_Comparer.py", {}),
    ("app_pages/3_Couverture.py", {}), ("app_pages/4_Sources.py", {}),
    ("app_pages/4_Sources.py", {"document": VITRE_DOC}),
])
def test_every_page_says_the_registry_is_partial(atlas, script, query):
    expected = _expected_line(atlas)
    assert expected == "Registre partiel : 5 CPTS cartographiées sur 37 connues en 2024"   # today's registry
    at = _run(script, timeout=120, **query)
    assert expected in _texts(at)


# --- the original's address -------------------------------------------------------------------------

def _with_url(root: Path, url: str) -> None:
    p = root / "sources.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("    fichier: 000_7be94897bc143df0.txt\n",
                              f"    fichier: 000_7be94897bc143df0.txt\n    url: \"{url}\"\n", 1), encoding="utf-8")


def test_a_known_url_is_shown_as_a_link_never_fetched(tmp_path, monkeypatch):
    from geo.registry import validate_registry
    from geo.registry.sources import document_citation

    root = registry_copy(tmp_path)
    url = "https://www.ars.sante.fr/communique-vitre.pdf"
    _with_url(root, url)
    atlas = Atlas.load(registry_root=root)
    assert atlas.registry.sources[VITRE_DOC].url == url
    assert document_citation(VITRE_DOC, atlas.registry).endswith(f" — {url}")        # PDF, XLSX
    monkeypatch.setattr(Atlas, "load", classmethod(lambda cls, *a, **k: atlas))
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = _run("app_pages/4_Sources.py", document=VITRE_DOC)
        buttons = at.get("link_button")
        assert [b.proto.url for b in buttons] == [url]
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
    # only http(s) addresses are accepted by the registry
    bad = registry_copy(tmp_path / "bad")
    _with_url(bad, "javascript:alert(1)")
    problems = [p for p in validate_registry(bad) if p.severity == "erreur"]
    assert any(p.file == "sources.yaml" and "url" in p.path for p in problems), problems
