"""The source document a tracking table becomes: id, title, publisher, date, sha256.

An already imported file (same sha256) is the same source. Otherwise the title, publisher and date
are those the user gave (CLI options, page fields), else read from the title row above the table
(« Tableau de suivi des CPTS — ARS Bretagne — 15 mars 2025 »), else the file name and the import
date, marked ``infere`` (date deduced) with a note saying so.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from ..formatting import fr_date
from ..registry.fields import normalize_date
from ..registry.table_text import cell_display
from .errors import ImportFileError
from .facts_values import is_future, parse_fr_date

__all__ = ["document_meta", "source_id_for"]

_DATE_IN_TEXT = re.compile(r"(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}|(?:\d{1,2}(?:er)?\s+)?[A-Za-zéûÉ.]{3,10}\s+\d{4})")
_ARS = re.compile(r"\b(ARS(?:\s+(?:de\s+|d'|d’)?[A-ZÉÎ][\w’'-]+(?:[- ][A-ZÉÎ][\w’'-]+)*)?|CPAM[^,;—–-]*|Assurance Maladie[^,;—–-]*)")


def source_id_for(date: str, sha: str) -> str:
    """Identifier of the imported table in sources.yaml (deterministic: same file, same id)."""
    return f"tableau-suivi-{date}-{sha[:8]}"


def _title_row(book) -> tuple[int, str] | None:
    for line, cells in book.facts.pre_header:
        if any(cell_display(c) for c in cells):
            return line, _dedupe(cells)
    return None


def _dedupe(cells) -> str:
    """A merged title is filled over its whole width: keep each distinct text once."""
    return " — ".join(dict.fromkeys(t for t in (cell_display(c) for c in cells) if t))[:300]


def document_meta(book, filename: str, data: bytes, registry, options: dict, today: dt.date) -> dict:
    sha = hashlib.sha256(data).hexdigest()
    ext = ".xlsx" if book.format == "xlsx" else ".csv"
    title = _title_row(book)
    if registry is not None:
        for s in registry.sources.values():
            if s.sha256 == sha:
                return {"id": s.id, "titre": s.titre, "editeur": s.editeur, "date": s.date, "sha256": sha,
                        "infere": s.infere, "existe": True, "extension": ext, "fichier_importe": filename,
                        "libelle": f"Tableau de suivi « {s.titre[:80]} » ({fr_date(s.date)})",
                        "titre_ligne": title[0] if title else None}
    title_text = title[1] if title else ""
    date, infere, note = options.get("date"), False, None
    if date:
        given = date
        date = normalize_date(date) or parse_fr_date(date)[0]
        if date is None or is_future(date, today):
            raise ImportFileError(f"Date du document « {given} » " + ("illisible (attendu AAAA-MM-JJ, JJ/MM/AAAA ou "
                                  "AAAA)" if date is None else "dans le futur") + " : rien n'a été lu.")
    if not date and title_text:
        for m in _DATE_IN_TEXT.finditer(title_text):
            iso, why = parse_fr_date(m.group(1))
            if iso and dt.date(int(iso[:4]), 1, 1) <= today:
                date = iso
                break
    if not date:
        date, infere = today.isoformat(), True
        note = "Le tableau ne dit pas sa date : la date retenue est celle de l'import."
    publisher = options.get("editeur")
    if not publisher and title_text and (m := _ARS.search(title_text)):
        publisher = m.group(1).strip()
    titre = options.get("titre") or title_text or f"Tableau de suivi des CPTS (fichier « {Path(filename).name} »)"
    return {"id": source_id_for(date, sha), "titre": titre[:300], "editeur": publisher or "Éditeur non précisé",
            "date": date, "sha256": sha, "infere": infere, "note": note, "existe": False, "extension": ext,
            "fichier_importe": Path(filename.replace("\\", "/")).name,
            "libelle": f"Tableau de suivi « {titre[:80]} » ({fr_date(date)})",
            "titre_ligne": title[0] if title else None}
