"""``python -m geo import TABLEAU.xlsx [--dry-run] [--json]`` on an ARS tracking table (« tableau de suivi
des CPTS »): geo/cli/importing.py hands over here when the file's columns are those of a facts table
(geo/importing/facts_reader.py looks_like_facts); a commune list or a GeoJSON stays a perimeter import.

Same publication step and exit codes as the perimeter import (geo/cli/import_publish.py): 0 read
(and published unless --dry-run), 1 problems to fix (nothing written), 2 unusable file or publication
refused, 3 registry changed since the analysis, 4 busy, 5 read-only, 6 disk full, 7 other system
error, 8 removals of communes (commune sheet) not confirmed.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .import_publish import err as _err, publish_and_report

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options that only a tracking table uses: the source document it becomes."""
    g = parser.add_argument_group("tableau de suivi des CPTS (document source créé par l'import)")
    g.add_argument("--titre", metavar="TEXTE", help="titre du document (défaut : la ligne de titre du tableau, "
                                                    "sinon le nom du fichier)")
    g.add_argument("--publie-par", metavar="ÉDITEUR", dest="publie_par",
                   help="qui publie le tableau, ex. « ARS Bretagne » (défaut : lu dans le titre, sinon « Éditeur "
                        "non précisé »)")
    g.add_argument("--date-document", metavar="DATE", dest="date_document",
                   help="date du tableau, ex. 2025-03-15 ou 15/03/2025 (défaut : lue dans le titre, sinon la date "
                        "de l'import, marquée déduite)")


def run(args: argparse.Namespace, data: bytes, path: Path, communes, matcher, registry) -> int:
    from ..importing import ImportFileError, registry_codes
    from ..importing.facts_analysis import analyze_facts
    from ..registry.facts_publish import publish_facts
    from ..registry.files import fingerprints

    prints = fingerprints(Path(args.registry))
    document = {k: v for k, v in (("titre", getattr(args, "titre", None)), ("editeur", getattr(args, "publie_par", None)),
                                  ("date", getattr(args, "date_document", None))) if v}
    try:
        result = analyze_facts(data, path.name, communes, matcher, registry,
                               registry_codes(registry, communes, matcher), document=document)
    except ImportFileError as e:
        return _err(f"{path.name} inutilisable.\n{e}")
    perimeter = result.perimeter
    blocking = f"{len(result.blocking)} problème(s) à corriger : rien n'a été écrit." if result.blocking else None
    return publish_and_report(
        args, result.to_json(), 1 if result.blocking else 0,
        not_written=blocking or (None if result.has_changes else
                                 "Aucune modification : le registre correspond déjà au tableau."),
        removals=perimeter.destructive_text() if perimeter is not None and perimeter.destructive else None,
        publish=lambda editeur: publish_facts(result, data, Path(args.registry), Path(args.backups),
                                              expected=prints, editeur=editeur),
        text=lambda publication: text_report(result, publication, args.dry_run),
        extra=lambda report: {"source": report.source, "document": report.document})


def text_report(result, publication, dry_run: bool) -> str:
    from ..formatting import fr_int, plural
    from ..importing.facts_results import CELL_STATUSES, FACT_STATUSES
    s = result.summary()
    doc = result.document
    out = [f"Tableau de suivi « {result.fichier} » : {s['format'].upper()}"
           + (f", feuille « {s['feuille']} »" if s["feuille"] else "")
           + f", en-tête ligne(s) {', '.join(map(str, s['lignes_entete']))}.",
           result.columns_text(), *result.notes,
           f"Document source : « {doc['titre']} » ({doc['editeur']}, {doc['date']}"
           + (", date déduite" if doc.get("infere") else "") + f") — identifiant {doc['id']}"
           + (" (déjà dans le registre)" if doc.get("existe") else "") + ".", ""]
    for c in result.cpts:
        head = f"  {c.nom} : " + ("À CORRIGER" if c.blocking else f"NOUVELLE ({c.id})" if c.nouvelle else c.id)
        out.append(head)
        for f in c.facts:
            was = f"{f.ancien} → " if f.ancien and f.ancien != f.nouveau else ""
            out.append(f"    {f.libelle} : {was}{f.nouveau} [{FACT_STATUSES[f.statut]}] — lu : {' ; '.join(f.lu)}"
                       + (f" ({f.message})" if f.message else ""))
    if result.perimeter is not None:
        p = result.perimeter.summary()
        out.append(f"  Feuille des communes « {p['feuille']} » : {fr_int(p['lignes_utilisees'])} ligne(s) utilisée(s) "
                   f"sur {fr_int(p['lignes'])}, {p['cpts_nouvelles']} CPTS nouvelle(s), {p['cpts_modifiees']} "
                   "périmètre(s) remplacé(s).")
    problems = list(result.problems) + ([] if result.perimeter is None else result.perimeter.problems)
    if problems:
        out += ["", "Problèmes :"]
        for p in result.problems:
            out.append(f"  {p.place} [{'À CORRIGER' if p.blocking else 'info'}] {p.message}"
                       + (" Suggestions : " + ", ".join(f"{x['nom']} ({x['id']})" for x in p.suggestions) + "."
                          if p.suggestions else ""))
        for p in ([] if result.perimeter is None else result.perimeter.problems):
            out.append(f"  Feuille « {result.perimeter.sheet} », ligne {p.line} "
                       f"[{'À CORRIGER' if p.blocking else 'info'}] {p.message}")
    out += ["", f"{fr_int(s['cellules'])} cellules non vides : " + ", ".join(
        f"{fr_int(n)} {CELL_STATUSES.get(k, k)}" for k, n in sorted(s["cellules_par_etat"].items())) + f" ; {plural(s['faits_ecrits'], 'fait')} "
        f"à écrire pour {plural(s['cpts'], 'CPTS', 'CPTS')}."]
    if dry_run:
        out.append("Essai (--dry-run) : rien n'a été écrit.")
    elif publication:
        out.append(publication["message"])
    return "\n".join(out)
