"""The text of a source document (data/registry/documents/) and where a registry citation stands in it.

A citation is verbatim, but the documents are PDF extracts: line breaks in the middle of sentences,
words hyphenated across lines, no-break spaces, typographic apostrophes. The passage is found on
whitespace-normalised text — the same rule as the citation check (``normalize_text``) — and mapped
back to the document's own characters, so a reader sees the original text with the passage marked.
Hand-written because the mapping back to the original offsets is specific to that rule."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .citations import normalize_text
from .models import Registry, Source
from .table_text import is_tabular, read_table_text

DOCUMENTS_DIR = "documents"   # beside sources.yaml
_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ", "\u202f": " "}
_JOIN_OR_SPACE = re.compile(r"(-[ \t]*\r?\n\s*)|(\s+)")


class DocumentError(LookupError):
    """No readable text for a source: French message."""


@dataclass(frozen=True)
class DocumentText:
    source: Source
    text: str                        # the document as stored (NFC), line breaks kept
    spans: tuple[tuple[int, int], ...]  # (start, end) offsets in ``text`` of the cited passage, in order


def document_path(registry: Registry, source: Source) -> Path:
    """The file of a source: a plain file name inside <registry>/documents/ (never a path out of it)."""
    name = source.fichier
    if not name or Path(name).name != name or name in (".", ".."):
        raise DocumentError(f"le document « {source.titre} » n'a pas de texte conservé dans le registre")
    return Path(registry.root) / DOCUMENTS_DIR / name


def read_document(registry: Registry, source_id: str) -> str:
    source = registry.sources.get(source_id)
    if source is None:
        raise DocumentError(f"aucun document « {source_id} » dans le registre")
    try:
        path = document_path(registry, source)
        if is_tabular(path.name):  # an imported tracking table: one line per cell (table_text.py)
            return unicodedata.normalize("NFC", read_table_text(path))
        return unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise DocumentError(f"le texte du document « {source.titre} » est illisible ou absent") from exc


def _normalized_with_offsets(text: str) -> tuple[str, list[int]]:
    """normalize_text(text) (on NFC text) and, for each of its characters, the offset of the
    original character it comes from."""
    out: list[str] = []
    offs: list[int] = []
    pos = 0
    for m in _JOIN_OR_SPACE.finditer(text):
        for i in range(pos, m.start()):
            out.append(_APOSTROPHES.get(text[i], text[i]))
            offs.append(i)
        if m.group(1):               # hyphen at a line end: joined to the next line
            out.append("-")
        else:                        # any whitespace run: one space
            out.append(" ")
        offs.append(m.start())
        pos = m.end()
    for i in range(pos, len(text)):
        c = _APOSTROPHES.get(text[i], text[i])
        if c == " " and out and out[-1] == " ":
            continue                 # a no-break space next to a space: one space, as normalize_text
        out.append(c)
        offs.append(i)
    # no-break spaces inside the text may now sit next to a collapsed run: collapse again, keeping offsets
    norm, norm_offs = [], []
    for c, o in zip(out, offs):
        if c == " " and (not norm or norm[-1] == " "):
            continue
        norm.append(c)
        norm_offs.append(o)
    while norm and norm[-1] == " ":
        norm.pop()
        norm_offs.pop()
    return "".join(norm), norm_offs


def find_passage(text: str, citation: str) -> tuple[tuple[int, int], ...]:
    """Every place where ``citation`` stands in ``text`` (offsets in ``text``), comparing
    whitespace-normalised forms; an exact-case match first, else a case-insensitive one; () when
    the citation is not in the text."""
    needle = normalize_text(citation or "")
    if not needle:
        return ()
    norm, offs = _normalized_with_offsets(text)
    for flags in (0, re.IGNORECASE):
        found = [(offs[m.start()], offs[m.end() - 1] + 1)
                 for m in re.finditer(re.escape(needle), norm, flags)]
        if found:
            return tuple(found)
    return ()


def document_text(registry: Registry, source_id: str, citation: str | None = None) -> DocumentText:
    """A source's text and the spans of ``citation`` in it. Raises DocumentError (French message)."""
    text = read_document(registry, source_id)
    return DocumentText(registry.sources[source_id], text, find_passage(text, citation) if citation else ())


__all__ = ["DocumentError", "DocumentText", "DOCUMENTS_DIR", "document_path", "read_document", "find_passage",
           "document_text"]
