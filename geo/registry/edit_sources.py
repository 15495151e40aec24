"""A new source document named by an edit: its entry in sources.yaml and its file in documents/.

The editor names the document a change comes from — title, publisher, date, type, and a link to
the original and/or the file itself. The file is kept beside the other documents
(``documents/<sha256[:16]><ext>``, geo/registry/documents.py), named by its content so two uploads
of the same file are one document; the entry is appended to sources.yaml as text, so the other
entries and their comments stay byte for byte. Validation is the model's (Source), in French.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .documents import DOCUMENTS_DIR
from .edit_form import field_specs
from .models import Source
from .problems import Findings
from .validation import validate
from .yaml_write import dump

__all__ = ["NewSource", "MAX_DOCUMENT_BYTES", "source_id", "stored_name", "source_entry", "check_source",
           "append_source", "document_files"]

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
_EXT = re.compile(r"^\.[a-z0-9]{1,8}$")


@dataclass(frozen=True)
class NewSource:
    """What the editor typed about a new document (texts as typed; date already ISO)."""

    titre: str
    editeur: str
    date: str
    type: str
    lieu: str = ""
    url: str = ""
    note: str = ""
    filename: str = ""      # name of the uploaded file, as uploaded ("" without a file)
    data: bytes = b""       # its content


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]+", "-", "".join(c for c in text if not unicodedata.combining(c)).lower()).strip("-")


def source_id(new: NewSource, taken: set[str]) -> str:
    """« Tableau de suivi des CPTS », 2025-03-01 -> "tableau-de-suivi-des-cpts-2025-03-01" (unique)."""
    words = _ascii(new.titre).split("-")[:6]
    base = "-".join(w for w in words if w)[:50].strip("-") or "document"
    base = f"{base}-{_ascii(new.date)}" if new.date else base
    sid, n = base, 2
    while sid in taken:
        sid, n = f"{base}-{n}", n + 1
    return sid


def stored_name(new: NewSource) -> str | None:
    """The file name in documents/ of the uploaded file (content hash + its extension), or None."""
    if not new.data:
        return None
    ext = PurePosixPath(new.filename.replace("\\", "/")).suffix.lower()
    return hashlib.sha256(new.data).hexdigest()[:16] + (ext if _EXT.match(ext) else ".bin")


def source_entry(new: NewSource, sid: str, editeur: str, today: str | None = None) -> dict:
    """The sources.yaml entry (keys in the model's order; optional ones only when given)."""
    today = today or dt.date.today().isoformat()
    values = {"id": sid, "fichier": stored_name(new), "titre": new.titre.strip(), "editeur": new.editeur.strip(),
              "date": new.date, "lieu": new.lieu.strip() or None, "type": new.type, "note": new.note.strip() or None,
              "url": new.url.strip() or None}
    if new.data:  # the model of imported documents (when present) records who kept the file and when
        values |= {"sha256": hashlib.sha256(new.data).hexdigest(), "importe_par": editeur, "date_import": today}
    names = {leaf.name for leaf in field_specs(Source)}
    required = {"id", "fichier", "titre", "editeur", "date", "type"}
    return {k: v for k, v in values.items() if k in names and (v is not None or k in required)}


def check_source(entry: dict, new: NewSource) -> list[tuple[str, str]]:
    """[(field, French message)] of a new source entry: the model's validation, the file's size."""
    findings = Findings("sources.yaml")
    validate(Source, entry, findings)
    out = [(p.path, p.message) for p in findings.problems]
    if len(new.data) > MAX_DOCUMENT_BYTES:
        out.append(("fichier", f"fichier trop gros ({len(new.data) // 1_000_000} Mo) : "
                               f"au plus {MAX_DOCUMENT_BYTES // 1_000_000} Mo"))
    if not new.data and not new.url.strip():
        out.append(("url", "donner l'adresse du document ou joindre le fichier, pour qu'un lecteur puisse l'ouvrir"))
    return out


def append_source(sources_text: str, entry: dict) -> str:
    """sources.yaml with ``entry`` appended to its ``sources:`` list (the rest kept byte for byte)."""
    item = dump([entry])
    block = "".join("  " + ln if ln.strip() else ln for ln in item.splitlines(keepends=True))
    text = sources_text if sources_text.endswith("\n") else sources_text + "\n"
    return text + "\n" + block


def document_files(root: Path, new: NewSource) -> dict[str, bytes]:
    """{relative path: bytes} of the document file to write (nothing when it is already there)."""
    name = stored_name(new)
    if name is None:
        return {}
    rel = f"{DOCUMENTS_DIR}/{name}"
    path = Path(root) / rel
    if path.is_file() and path.read_bytes() == new.data:
        return {}
    return {rel: new.data}
