"""How much of the region the registry describes: « Registre partiel : 5 CPTS cartographiées sur 37
connues en 2024 », computed from the registry's own figures.

Shared by every screen and export that shows registry-derived figures (app pages, PNG, PDF, XLSX),
so a screenshot shown in a meeting cannot pass for complete. Pure and cheap: no pandas, no
Streamlit, no export machinery (geo.exports.common re-exports it for the exports)."""
from __future__ import annotations

from typing import NamedTuple

from ..formatting import plural

# Context figures of the registry (data/registry/context.yaml) that count the CPTS known in Bretagne:
# recognised CPTS + projects being supported, at the date of their source. Other scopes (geo/scope.py)
# use the same kind of figures about themselves: see known_cpts_figures.
KNOWN_CPTS_FIGURES = ("bretagne-cpts-reconnues-2024", "bretagne-projets-2024")
COUNT_UNITS = ("CPTS", "projets")


class RegistryScope(NamedTuple):
    mapped: int              # CPTS of the registry with a known perimeter (drawn on the map)
    known: int               # CPTS known in the region according to the registry's context figures
    years: tuple[str, ...]   # years of those figures, e.g. ("2024",)


def known_cpts_figures(atlas) -> list:
    """The context figures that count the CPTS known in the atlas's scope (geo/scope.py): those whose
    ``perimetre`` is the scope's name (« Bretagne », « France ») counted in CPTS or projects, all of
    the newest date (Bretagne, 16 April 2024: 29 recognised CPTS + 8 projects)."""
    scope = getattr(atlas, "scope", None)
    name = "France" if scope is not None and scope.is_france else (scope.nom if scope is not None else "Bretagne")
    mine = [f for f in atlas.registry.context if f.perimetre == name and f.unite in COUNT_UNITS and f.date]
    newest = max((str(f.date) for f in mine), default=None)
    return [f for f in mine if str(f.date) == newest]


def known_cpts_sentence(atlas) -> str | None:
    """« la Bretagne comptait 29 CPTS reconnues et 8 projets le 16 avril 2024 » from
    :func:`known_cpts_figures` (None without them). Holds text from files: escape it for Markdown."""
    from ..formatting import fr_date, fr_int

    figures = known_cpts_figures(atlas)
    if not figures:
        return None
    scope = getattr(atlas, "scope", None)
    who = scope.le_nom if scope is not None else "la Bretagne"
    parts = [f"{fr_int(f.valeur)} {f.unite}" + (" reconnues" if "reconnues" in f.libelle.lower() else "")
             for f in figures]
    counted = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]
    verb = "comptaient" if who.startswith("les ") else "comptait"
    return f"{who} {verb} {counted} le {fr_date(str(figures[0].date))}"


def registry_scope(atlas) -> RegistryScope | None:
    """Mapped CPTS vs the CPTS the registry's context figures count; None when the registry does
    not give the count."""
    figures = known_cpts_figures(atlas)
    if not figures:
        return None
    known = int(sum(f.valeur for f in figures))
    mapped = sum(1 for t in atlas.territories if t.perimetre_connu)
    years = tuple(sorted({str(f.date)[:4] for f in figures if f.date}))
    return RegistryScope(mapped, known, years)


def partial_registry_line(atlas) -> str | None:
    """« Registre partiel : 5 CPTS cartographiées sur 37 connues en 2024 » — None when the registry
    maps at least as many CPTS as its sources count, or does not give the count."""
    scope = registry_scope(atlas)
    if scope is None or scope.mapped >= scope.known:
        return None
    when = f" en {' et '.join(scope.years)}" if scope.years else ""
    return (f"Registre partiel : {plural(scope.mapped, 'CPTS cartographiée', 'CPTS cartographiées')} "
            f"sur {scope.known} connues{when}")


__all__ = ["KNOWN_CPTS_FIGURES", "RegistryScope", "known_cpts_figures", "known_cpts_sentence", "registry_scope", "partial_registry_line"]
