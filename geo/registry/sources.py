"""Display of sources and dates, in French: a source document is named by its own kind, place,
date, title and publisher — never by the registry's internal file name."""
from __future__ import annotations

from geo.formatting import fr_date

from .models import Registry, Source


def format_date_fr(date: str | None) -> str:
    """"2022-09-29" -> "29 septembre 2022", "2023-09" -> "septembre 2023", "2021" -> "2021"."""
    return fr_date(date)


def document_label(source: Source) -> str:
    """« Communiqué de presse, Rennes, 29 septembre 2022 »: kind, place and date of a document."""
    parts = [source.type[:1].upper() + source.type[1:]]
    if source.lieu:
        parts.append(source.lieu)
    parts.append(format_date_fr(source.date) + (" [date déduite]" if source.infere else ""))
    return ", ".join(parts)


def format_source(source_id: str, registry: Registry) -> str:
    """Citation line for display, e.g. « Communiqué de presse, Rennes, 29 septembre 2022 — Un nouveau
    contrat signé … (CPTS du Pays de Vitré, ARS Bretagne, CPAM d'Ille-et-Vilaine) ».
    Raises KeyError for an unknown id."""
    source = registry.sources[source_id]
    return f"{document_label(source)} — {source.titre} ({source.editeur})"


def document_citation(source_id: str, registry: Registry) -> str:
    """A source document as a reader can find it again: its own title, kind, publisher, place and
    date — « Un nouveau contrat signé … » (communiqué de presse, CPTS du Pays de Vitré, ARS
    Bretagne, CPAM d'Ille-et-Vilaine, Rennes, 29 septembre 2022) — and its URL when the registry
    knows one; never our internal file name. The id itself for an unknown source."""
    s = registry.sources.get(source_id)
    if s is None:
        return source_id
    when = fr_date(s.date) + (" [date déduite]" if s.infere else "")
    parts = [s.type, s.editeur, s.lieu, when]
    text = f"« {s.titre} » ({', '.join(p for p in parts if p)})"
    return text + (f" — {s.url}" if s.url else "")


__all__ = ["format_date_fr", "document_label", "format_source", "document_citation"]
