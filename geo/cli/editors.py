"""``python -m geo editeurs ajouter|lister|retirer``: the named editor accounts (issue 8.5).

Accounts live in the Streamlit secrets file (``.streamlit/secrets.toml`` of the repository by
default, ``--secrets PATH`` otherwise) as ``[editeurs.NOM] hash = "$argon2id$…"``; the rest of the
file is kept as it was (geo/auth/secrets_file.py). ``ajouter`` asks for the password twice on the
terminal (getpass), or reads one line from stdin with ``--mot-de-passe-stdin`` (scripts, CI).
The running app reads its secrets again when the file changes: no restart needed.

Exit codes: 0 done, 1 nothing done (the account exists without --remplacer, or does not exist for
``retirer``), 2 unusable input (passwords differ or too short, invalid name, unreadable secrets file).
"""
from __future__ import annotations

import argparse
import getpass
import sys

from .commands import HELP


def register(sub) -> None:
    e = sub.add_parser("editeurs", help=HELP["editeurs"],
                       description="Comptes des éditeurs autorisés à publier (fichier de secrets Streamlit).")
    actions = e.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--secrets", metavar="FICHIER", default=None,
                        help="fichier de secrets Streamlit (défaut : .streamlit/secrets.toml du dépôt)")
    a = actions.add_parser("ajouter", parents=[common], help="crée un compte (mot de passe demandé deux fois)")
    a.add_argument("nom", metavar="NOM")
    a.add_argument("--mot-de-passe-stdin", action="store_true",
                   help="lit le mot de passe sur une ligne de l'entrée standard (scripts)")
    a.add_argument("--remplacer", action="store_true", help="change le mot de passe d'un compte existant")
    a.set_defaults(func=cmd_add)
    lst = actions.add_parser("lister", parents=[common], help="liste les comptes")
    lst.set_defaults(func=cmd_list)
    r = actions.add_parser("retirer", parents=[common], help="supprime un compte")
    r.add_argument("nom", metavar="NOM")
    r.set_defaults(func=cmd_remove)


def _path(args):
    from pathlib import Path

    from ..auth import DEFAULT_SECRETS
    return Path(args.secrets) if args.secrets else DEFAULT_SECRETS


def _fail(message: str, code: int = 2) -> int:
    print(f"Erreur : {message}", file=sys.stderr)
    return code


def _read_password(args) -> tuple[str | None, str | None]:
    """(password, None) or (None, French reason)."""
    if args.mot_de_passe_stdin:
        line = sys.stdin.readline()
        return (line[:-1] if line.endswith("\n") else line), None
    if not sys.stdin.isatty():
        return None, "pas de terminal pour demander le mot de passe : utilisez --mot-de-passe-stdin."
    first = getpass.getpass("Mot de passe : ")
    second = getpass.getpass("Mot de passe (confirmation) : ")
    if first != second:
        return None, "les deux mots de passe sont différents. Aucun compte n'a été créé."
    return first, None


def cmd_add(args: argparse.Namespace) -> int:
    from ..auth import PasswordError, SecretsFileError, add_editor, check_password
    password, problem = _read_password(args)
    if password is None:
        return _fail(problem)
    path = _path(args)
    try:
        check_password(password)
        name = add_editor(path, args.nom, password, replace=args.remplacer)
    except PasswordError as e:
        return _fail(f"{e} Aucun compte n'a été créé.")
    except SecretsFileError as e:
        return _fail(str(e), 1 if "existe déjà" in str(e) else 2)
    except OSError as e:
        return _fail(f"écriture impossible de {path} ({e.strerror}). Rien n'a été modifié.")
    verb = "mis à jour" if args.remplacer else "créé"
    print(f"Éditeur « {name} » {verb} dans {path}.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from ..auth import SecretsFileError, list_editors
    path = _path(args)
    try:
        names = list_editors(path)
    except SecretsFileError as e:
        return _fail(str(e))
    if not names:
        print(f"Aucun éditeur dans {path}.")
    for name in names:
        print(name)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from ..auth import SecretsFileError, remove_editor
    path = _path(args)
    try:
        name = remove_editor(path, args.nom)
    except SecretsFileError as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"écriture impossible de {path} ({e.strerror}). Rien n'a été modifié.")
    if name is None:
        return _fail(f"aucun éditeur « {args.nom} » dans {path}.", 1)
    print(f"Éditeur « {name} » retiré de {path}.")
    return 0
