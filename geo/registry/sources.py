"""Display of sources and dates, in French."""
from __future__ import annotations

from geo.formatting import fr_date

from .models import Registry

def format_date_fr(date: str | None) -> str:
    """"2022-09-29" -> "29 septembre 2022", "2023-09" -> "septembre 2023", "2021" -> "2021"."""
    return fr_date(date)


def format_source(source_id: str, registry: Registry) -> str:
    """Citation line for display, e.g.
    "Communiqué de presse, Rennes, 29 septembre 2022 (CPTS du Pays de Vitré, ARS Bretagne,
    CPAM d'Ille-et-Vilaine) — 000_7be94897bc143df0.txt". Raises KeyError for an unknown id."""
    source = registry.sources[source_id]
    parts = [source.type[:1].upper() + source.type[1:]]
    if source.lieu:
        parts.append(source.lieu)
    date = format_date_fr(source.date)
    if source.infere:
        date += " [date déduite]"
    parts.append(date)
    text = f"{', '.join(parts)} ({source.editeur})"
    if source.fichier:
        text += f" — {source.fichier}"
    else:
        text += f" — {source.titre}"
    return text
