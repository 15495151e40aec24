"""``python -m geo history [--json]``, ``python -m geo history show N [--json]`` and
``python -m geo restore N [--editeur NOM] [--confirmer-suppressions]``: the numbered versions of the
registry (geo/registry/history.py) and the restore of one of them (geo/registry/restore.py).

Exit codes: 0 done; 2 unknown version or restore refused; 3–7 as ``import`` (conflict, busy,
read-only, disk full, system error); 8 removals not confirmed. French messages on stderr.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..paths import REGISTRY_DIR
from ..registry.history import fr_datetime

HELP_HISTORY = "versions publiées du registre (history show N : détail d'une version)"
HELP_RESTORE = "restaure une version du registre (devient une nouvelle version)"


def register(subparsers) -> None:
    from ..paths import BACKUPS_DIR
    h = subparsers.add_parser("history", help=HELP_HISTORY,
                              description="Liste les versions du registre, la plus récente d'abord : numéro, date, "
                                          "éditeur, résumé. « history show N » détaille la version N et ce qui a "
                                          "changé depuis la précédente.",
                              epilog="Codes de sortie : 0 ; 2 version introuvable.")
    h.add_argument("action", nargs="?", choices=["show"], metavar="show", help="détail d'une version")
    h.add_argument("numero", nargs="?", type=int, metavar="N", help="numéro de la version")
    h.add_argument("--json", action="store_true", help="sortie JSON")
    h.add_argument("--registry", default=str(REGISTRY_DIR), help=argparse.SUPPRESS)
    h.add_argument("--versions", default=None, help=argparse.SUPPRESS)
    h.set_defaults(func=cmd_history)

    r = subparsers.add_parser("restore", help=HELP_RESTORE,
                              description="Rend au registre exactement le contenu de la version N (octet pour "
                                          "octet), après sauvegarde ; la restauration est enregistrée comme une "
                                          "nouvelle version « Restauration de la version N ».",
                              epilog="Codes de sortie : 0 restauré (ou déjà identique) ; 2 version introuvable ou "
                                     "restauration refusée ; 3 à 7 comme import ; 8 suppressions non confirmées. "
                                     "Sauf 0, rien n'est écrit.")
    r.add_argument("numero", type=int, metavar="N", help="numéro de la version à restaurer")
    r.add_argument("--editeur", metavar="NOM", help="nom enregistré dans l'historique (défaut : l'utilisateur du "
                                                    "système)")
    r.add_argument("--confirmer-suppressions", action="store_true", dest="confirm_removals",
                   help="restaure même si des CPTS ou des communes disparaissent (sinon code de sortie 8)")
    r.add_argument("--json", action="store_true", help="sortie JSON (la nouvelle version)")
    r.add_argument("--registry", default=str(REGISTRY_DIR), help=argparse.SUPPRESS)
    r.add_argument("--backups", default=str(BACKUPS_DIR), help=argparse.SUPPRESS)
    r.add_argument("--versions", default=None, help=argparse.SUPPRESS)
    r.set_defaults(func=cmd_restore)


def _err(msg: str, code: int = 2) -> int:
    print(f"Erreur : {msg}", file=sys.stderr)
    return code


def _vdir(args) -> Path:
    from ..registry import history
    return Path(args.versions) if args.versions else history.versions_dir_for(Path(args.registry))


def cmd_history(args: argparse.Namespace) -> int:
    from ..registry import history
    if args.action == "show" and args.numero is None:
        return _err("précisez le numéro de la version : python -m geo history show N")
    if args.action is None and args.numero is not None:
        return _err("pour le détail d'une version : python -m geo history show N")
    vdir = history.start(Path(args.registry), _vdir(args))
    if args.action == "show":
        return _show(vdir, args.numero, args.json)
    total, metas = history.list_versions(vdir)
    if args.json:
        print(json.dumps({"versions": metas, "total": total}, ensure_ascii=False, indent=1))
        return 0
    if not total:
        print("Aucune version enregistrée (registre introuvable ou en lecture seule).")
        return 0
    for m in metas:
        print(f"{m['numero']:>4}  {fr_datetime(m['date'])}  {m['editeur']}  {m['libelle']} : {m['resume']}")
    print(f"{total} version(s). Détail : python -m geo history show N ; restaurer : python -m geo restore N")
    return 0


def _show(vdir: Path, numero: int, as_json: bool) -> int:
    from ..registry import history
    if not history.exists(vdir, numero):
        return _err(f"version {numero} introuvable dans l'historique.")
    meta, diff = history.read_meta(vdir, numero), history.read_diff(vdir, numero)
    if as_json:
        print(json.dumps({"version": meta, "changements": diff}, ensure_ascii=False, indent=1))
        return 0
    print("\n".join(detail_lines(meta, diff)))
    return 0


def detail_lines(meta: dict, diff: dict) -> list[str]:
    """The detail of a version in French lines (CLI; the page renders the same data)."""
    out = [f"Version {meta['numero']} — {meta['libelle']}",
           f"Date : {fr_datetime(meta['date'])} ({meta['date']})",
           f"Éditeur : {meta['editeur']}",
           f"Résumé : {meta['resume']}"]
    if meta["numero"] == 1:
        out.append(f"État initial : {meta['fichiers']} fichier(s) du registre.")
        return out
    for c in diff["cpts_ajoutees"]:
        out.append(f"+ CPTS ajoutée : {c['nom']} ({c['id']}), {c['communes']} commune(s)")
    for c in diff["cpts_supprimees"]:
        out.append(f"− CPTS supprimée : {c['nom']} ({c['id']})")
    for c in diff["cpts_modifiees"]:
        out.append(f"~ {c['nom']} ({c['id']})")
        if c["communes_ajoutees"]:
            out.append("    communes ajoutées : " + ", ".join(f"{x['nom']} ({x['code']})" for x in c["communes_ajoutees"]))
        if c["communes_retirees"]:
            out.append("    communes retirées : " + ", ".join(f"{x['nom']} ({x['code']})" for x in c["communes_retirees"]))
        if c["faits"]:
            out.append("    faits modifiés : " + ", ".join(c["faits"]))
    for s in diff["sources_ajoutees"]:
        out.append(f"+ source : {s['titre']} ({s['id']})")
    for s in diff["sources_retirees"]:
        out.append(f"− source : {s['titre']} ({s['id']})")
    if diff.get("sources_citees"):
        out.append("Sources citées par les changements : " + ", ".join(diff["sources_citees"]))
    out += [f"+ document : {d}" for d in diff["documents_ajoutes"]]
    out += [f"− document : {d}" for d in diff["documents_retires"]]
    out += [f"~ fichier : {d}" for d in diff["autres_fichiers"]]
    return out


def cmd_restore(args: argparse.Namespace) -> int:
    from ..registry import history
    from ..registry.problems import PublishError
    from ..registry.restore import Unchanged, restore_version
    editeur = args.editeur or history.os_user()
    try:
        meta = restore_version(Path(args.registry), args.numero, editeur=editeur, backups=Path(args.backups),
                               vdir=_vdir(args), confirm_removals=args.confirm_removals)
    except Unchanged as e:
        print(str(e))
        return 0
    except PublishError as e:
        return _err(str(e), e.exit_code)
    if args.json:
        print(json.dumps({"version": meta}, ensure_ascii=False, indent=1))
    else:
        print(f"Version {args.numero} restaurée : le registre est de nouveau identique, fichier pour fichier. "
              f"Enregistré comme version {meta['numero']} ({meta['libelle']}, par {meta['editeur']}) : {meta['resume']}.")
    return 0
