"""Citations: every (source, verbatim quote) pair of the registry, and their check against the text
of the source documents."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Iterator, NamedTuple

from .models import MISSION_KEYS, Registry
from .problems import ERROR, WARNING, Problem, shown as _shown
from .table_text import is_tabular, read_table_text

class CitationRef(NamedTuple):
    file: str  # registry file, e.g. "cpts/pays-de-vitre.yaml"
    path: str  # e.g. "financement[0].citation"
    source: str
    citation: str


def iter_citations(registry: Registry) -> Iterator[CitationRef]:
    """Every (source, verbatim quote) pair of the registry: context figures and CPTS facts."""
    for i, figure in enumerate(registry.context):
        yield CitationRef("context.yaml", f"chiffres[{i}].citation", figure.source, figure.citation)
    for item in registry.cpts:
        f = item.file
        for i, jalon in enumerate(item.statut.jalons):
            yield CitationRef(f, f"statut.jalons[{i}].citation", jalon.source, jalon.citation)
        for key in ("population_declaree", "communes_declarees", "taille_aci_declaree"):
            value = getattr(item, key)
            if value is not None:
                yield CitationRef(f, f"{key}.citation", value.source, value.citation)
        for key in ("professionnels", "financement", "sans_medecin_traitant", "autres_indicateurs"):
            for i, fact in enumerate(getattr(item, key)):
                yield CitationRef(f, f"{key}[{i}].citation", fact.source, fact.citation)
        if item.missions is not None:
            for key in MISSION_KEYS:
                for i, action in enumerate(item.missions.actions(key)):
                    yield CitationRef(f, f"missions.{key}[{i}].citation", item.missions.source, action.citation)
        for i, other in enumerate(item.autres_valeurs):
            yield CitationRef(f, f"autres_valeurs[{i}].citation", other.source, other.citation)
        if item.missions_engagees is not None:
            for i, m in enumerate(item.missions_engagees.missions):
                yield CitationRef(f, f"missions_engagees.missions[{i}].citation", item.missions_engagees.source,
                                  m.citation)
        if item.contact is not None:
            for i, quote in enumerate(item.contact.citations):
                yield CitationRef(f, f"contact.citations[{i}]", item.contact.source, quote)
        if item.perimetre.source and item.perimetre.citation:
            yield CitationRef(f, "perimetre.citation", item.perimetre.source, item.perimetre.citation)


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ", "\u202f": " "})


def normalize_text(text: str) -> str:
    """Text normalisation used to compare a quote with its source: NFC, typographic
    apostrophes -> ', no-break spaces -> spaces, a hyphen at a line end joined to the next
    line ("sur-\\nSeiche" -> "sur-Seiche"), all whitespace runs collapsed to one space."""
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    text = re.sub(r"-[ \t]*\r?\n\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def check_citations(registry: Registry, seeds_dir: Path) -> list[Problem]:
    """Check every citation (and every listed commune name) against the text of its source
    file in ``seeds_dir``, after normalize_text. Returns errors (quote or name not found,
    missing file) and warnings (quote on a source that has no file)."""
    seeds_dir = Path(seeds_dir)
    texts: dict[str, str | None] = {}
    problems: list[Problem] = []

    def text_of(source_id: str) -> str | None:
        if source_id not in texts:
            source = registry.sources.get(source_id)
            if source is None or source.fichier is None:
                texts[source_id] = None
            else:
                path = seeds_dir / source.fichier
                if not path.is_file():  # an imported table is kept in the registry's documents only
                    path = Path(registry.root) / "documents" / source.fichier
                try:
                    raw = read_table_text(path) if is_tabular(path.name) else path.read_text(encoding="utf-8")
                    texts[source_id] = normalize_text(raw)
                except (OSError, ValueError, KeyError):
                    texts[source_id] = ""
        return texts[source_id]

    for ref in iter_citations(registry):
        text = text_of(ref.source)
        if text is None:
            problems.append(Problem(ref.file, ref.path,
                                    f"citation non vérifiable : la source « {ref.source} » n'a pas de fichier", WARNING))
        elif text == "":
            problems.append(Problem(ref.file, ref.path,
                                    f"fichier de la source « {ref.source} » introuvable dans {seeds_dir}", ERROR))
        elif normalize_text(ref.citation) not in text:
            fichier = registry.sources[ref.source].fichier
            problems.append(Problem(ref.file, ref.path,
                                    f"citation introuvable dans {fichier} : « {_shown(ref.citation)} »", ERROR))

    for item in registry.cpts:
        per = item.perimetre
        if not per.source or not per.all_communes:
            continue
        text = text_of(per.source)
        if not text:
            continue
        for name in per.all_communes:
            written = per.corrections.get(name, name)
            if normalize_text(written) not in text:
                problems.append(Problem(item.file, "perimetre.communes",
                                        f"commune « {written} » introuvable telle quelle dans la source", ERROR))
    return problems

