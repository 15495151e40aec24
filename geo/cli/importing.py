"""``python -m geo import FILE [--dry-run] [--json]`` and ``python -m geo export FILE``.

Exit codes of ``import``: 0 = resolved (and published unless --dry-run); 1 = rows to fix (nothing
written); 2 = unusable file or publication refused; 3 = registry changed since the analysis (another
publication: run again); 4 = another publication holds the registry; 5 = registry or backups folder
not writable; 6 = disk full; 7 = other system error (geo.registry.problems.PublishError); 8 = removals
not confirmed (EXIT_REMOVALS). French message on stderr, nothing written.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..paths import COMMUNES_PARQUET, REGISTRY_DIR
from .common import add_region_argument
from .import_publish import EXIT_REMOVALS, err as _err, publish_and_report


def register(subparsers) -> None:
    """Add the ``import`` and ``export`` subcommands to the ``python -m geo`` parser (geo/cli/commands.py)."""
    from ..registry.store import DEFAULT_BACKUPS

    i = subparsers.add_parser(
        "import", help="importe une liste régionale de CPTS (CSV, XLSX ou GeoJSON) dans le registre",
        description="Lit la liste, résout les communes, signale chaque ligne non utilisée, puis (sans --dry-run) "
                    "remplace le périmètre des CPTS du fichier et crée les nouvelles, après sauvegarde.",
        epilog="Codes de sortie : 0 résolu (et publié sauf --dry-run) ; 1 lignes à corriger ; 2 fichier "
               "inutilisable ou publication refusée ; 3 registre modifié depuis l'analyse (relancer) ; 4 autre "
               "publication en cours ; 5 registre ou sauvegardes non modifiables (lecture seule, droits) ; "
               "6 disque plein ; 7 autre erreur système ; 8 suppressions de communes non confirmées. Sauf 0, rien "
               "n'est écrit.")
    i.add_argument("file", metavar="FICHIER")
    i.add_argument("--dry-run", action="store_true", help="n'écrit rien : affiche seulement le résultat")
    i.add_argument("--json", action="store_true", help="sortie JSON {territories, problems, summary}")
    i.add_argument("--confirmer-suppressions", action="store_true", dest="confirm_removals",
                   help="publie même si des CPTS du registre perdent des communes (sans cette option, la "
                        f"publication est refusée avec le code de sortie {EXIT_REMOVALS})")
    i.add_argument("--editeur", metavar="NOM", help="nom enregistré dans l'historique des versions (défaut : "
                                                    "l'utilisateur du système)")
    i.add_argument("--registry", default=str(REGISTRY_DIR), help=argparse.SUPPRESS)
    i.add_argument("--backups", default=str(DEFAULT_BACKUPS), help=argparse.SUPPRESS)
    i.add_argument("--communes", default=str(COMMUNES_PARQUET), help=argparse.SUPPRESS)
    add_region_argument(i)
    from .import_facts import add_arguments as add_facts_arguments  # a tracking table: geo/cli/import_facts.py
    add_facts_arguments(i)
    i.set_defaults(func=cmd_import)

    e = subparsers.add_parser("export", help="exporte le registre au format de l'import (FICHIER.csv ou FICHIER.xlsx)")
    e.add_argument("file", metavar="FICHIER")
    e.add_argument("--registry", default=str(REGISTRY_DIR), help=argparse.SUPPRESS)
    e.add_argument("--communes", default=str(COMMUNES_PARQUET), help=argparse.SUPPRESS)
    add_region_argument(e)
    e.set_defaults(func=cmd_export)


def _load(communes_path: str, registry_root: str, region: str | None = None):
    from ..matching import Matcher
    from ..referential import load_communes
    from ..registry import load_registry
    if region is not None:  # --region: that scope's referential (geo/scope.py)
        from ..scope import get_scope
        communes_path = get_scope(region, built=True).communes_path
    communes = load_communes(Path(communes_path))
    return communes, Matcher(communes), load_registry(Path(registry_root))


def cmd_import(args: argparse.Namespace) -> int:
    from ..importing import ImportFileError, analyze, registry_codes
    from ..registry.files import fingerprints
    from ..registry.store import publish

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _err(f"fichier introuvable : {path}")
    except IsADirectoryError:
        return _err(f"{path} est un dossier, pas un fichier")
    except OSError as e:
        return _err(f"fichier illisible : {path} ({e.strerror})")
    communes, matcher, registry = _load(args.communes, args.registry, args.region)
    from ..importing.facts_reader import looks_like_facts
    if looks_like_facts(data, path.name):  # a tracking table (facts per CPTS), not a commune list
        from .import_facts import run
        return run(args, data, path, communes, matcher, registry)
    prints = fingerprints(Path(args.registry))
    try:
        result = analyze(data, path.name, communes, matcher, registry, registry_codes(registry, communes, matcher))
    except ImportFileError as e:
        return _err(f"{path.name} inutilisable.\n{e}")

    blocking = f"{len(result.blocking)} ligne(s) à corriger : rien n'a été écrit." if result.blocking else None
    return publish_and_report(
        args, result.to_json(), 1 if result.blocking else 0,
        not_written=blocking or (None if result.changes else
                                 "Aucune modification : le registre correspond déjà au fichier."),
        removals=result.destructive_text() if result.destructive else None,
        publish=lambda editeur: publish(result, Path(args.registry), Path(args.backups), expected=prints,
                                        editeur=editeur),
        text=lambda publication: _text_report(result, publication, args.dry_run))


def _text_report(result, publication, dry_run: bool) -> str:
    from ..formatting import fr_int, plural
    s = result.summary()
    out = [f"Fichier « {result.fichier} » : {s['format'].upper()}"
           + (f", encodage {s['encodage']}" if s["encodage"] else "")
           + (f", séparateur {s['separateur']}" if s["separateur"] else "")
           + (f", feuille « {s['feuille']} »" if s["feuille"] else "")
           + (f", en-tête ligne {s['ligne_entete']}" if s.get("ligne_entete") else "") + "."]
    out.append(result.columns_text())
    if result.ignored_headers:
        out.append("Colonnes ignorées : " + ", ".join(f"« {h} »" for h in result.ignored_headers) + ".")
    out += result.notes
    out.append("")
    for t in result.territories:
        if t.nouvelle and not t.changed:
            what = f"nouvelle, non créée ({t.id}) : aucune commune retenue"
        elif t.nouvelle:
            what = f"NOUVELLE ({t.id}) : {plural(len(t.codes), 'commune')}"
        elif t.changed:
            what = f"modifiée ({t.id}) : {plural(len(t.codes), 'commune')}, +{len(t.added)} / −{len(t.removed)}"
            if t.destructive:
                what += f" — SUPPRESSION de {plural(len(t.removed), 'commune')} (à confirmer)"
        else:
            what = f"inchangée ({t.id})"
        flag = f" — {plural(t.blocking, 'ligne')} à corriger" if t.blocking else ""
        out.append(f"  {t.nom} : {what}{flag} [lignes {_short(t.lines)}]")
    if result.problems:
        out.append("")
        out.append("Problèmes :")
        for p in sorted(result.problems, key=lambda p: (p.line, p.kind)):
            tag = "À CORRIGER" if p.blocking else "info"
            sug = ""
            if p.suggestions:
                sug = " Suggestions : " + ", ".join(
                    f"{x['nom']} ({x.get('code') or x.get('id')})" for x in p.suggestions[:5]) + "."
            where = f"ligne {p.line}" if p.line else "classeur"  # 0: a whole sheet (XLSX)
            out.append(f"  {where} [{tag}] {p.message}{sug}")
    out.append("")
    out.append(f"{fr_int(s['lignes'])} lignes : {fr_int(s['lignes_utilisees'])} utilisées, "
               f"{fr_int(s['lignes_non_utilisees'])} non utilisées ({fr_int(len(s['lignes_bloquantes']))} à corriger) ; "
               f"{plural(s['cpts'], 'CPTS', 'CPTS')} dont {s['cpts_nouvelles']} nouvelle(s), "
               f"{s['cpts_modifiees']} modifiée(s), {s['cpts_inchangees']} inchangée(s).")
    if dry_run:
        out.append("Essai (--dry-run) : rien n'a été écrit.")
    elif publication:
        out.append(publication["message"])
    return "\n".join(out)


def _short(lines: list[int]) -> str:
    from ..importing import _ranges
    text = _ranges(lines)
    return text if len(text) <= 60 else text[:57] + "…"


def cmd_export(args: argparse.Namespace) -> int:
    from ..registry.export import export_bytes
    from ..territories import build_territories
    path = Path(args.file)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        return _err("extension attendue .csv ou .xlsx")
    communes, matcher, registry = _load(args.communes, args.registry, args.region)
    territories = build_territories(registry, communes, matcher)
    data = export_bytes(registry, territories, dict(zip(communes["code"], communes["nom"])), fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    from ..exports.common import write_atomic   # atomic, and follows the umask (mkstemp alone: 0600)
    write_atomic(path, data)
    n = sum(1 for _ in territories)
    print(f"Registre exporté dans {path} ({n} CPTS, format {fmt.upper()}).")
    return 0
