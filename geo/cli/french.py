"""argparse in French: « utilisation : », « affiche cette aide et quitte », French error messages.

argparse writes its own words in English (usage, titles, ``-h``, errors) and offers no setting for
them (only gettext catalogues, process-wide). This parser class changes them for ``python -m geo``
alone: every subcommand parser inherits it (``add_subparsers`` uses the parent's class). Exit codes
are argparse's (2 for a usage error). Messages argparse may add later pass through untranslated.
"""
from __future__ import annotations

import argparse
import re
import sys

# argparse's error messages (Python 3.11) -> French, tried in order on the whole message.
_ERRORS = [
    (r"argument (.+?): invalid choice: (.+) \(choose from (.+)\)", r"argument \1 : choix invalide : \2 (choix possibles : \3)"),
    (r"argument (.+?): invalid (.+?) value: (.+)", r"argument \1 : valeur invalide (\2) : \3"),
    (r"argument (.+?): expected one argument", r"argument \1 : une valeur est attendue"),
    (r"argument (.+?): expected at least one argument", r"argument \1 : au moins une valeur est attendue"),
    (r"argument (.+?): not allowed with argument (.+)", r"argument \1 : incompatible avec l'argument \2"),
    (r"the following arguments are required: (.+)", r"arguments obligatoires manquants : \1"),
    (r"one of the arguments (.+) is required", r"l'un des arguments \1 est obligatoire"),
    (r"unrecognized arguments: (.+)", r"arguments non reconnus : \1"),
    (r"ambiguous option: (.+) could match (.+)", r"option ambiguë : \1 peut désigner \2"),
]


_TYPES = {"int": "nombre entier attendu", "float": "nombre attendu"}


def translate(message: str) -> str:
    message = re.sub(r"^argument command:", "argument commande:", message)  # the subcommand (dest="command")
    message = re.sub(r"invalid (int|float) value:", lambda m: f"invalid {_TYPES[m.group(1)]} value:", message)
    for pattern, french in _ERRORS:
        if re.fullmatch(pattern, message, flags=re.S):
            return re.sub(pattern, french, message, flags=re.S)
    return message


class FrenchHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)


class FrenchArgumentParser(argparse.ArgumentParser):
    def __init__(self, *args, add_help: bool = True, **kwargs):
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        # argparse prints "<title>:"; the trailing space gives the French " :".
        self._positionals.title = "arguments positionnels "
        self._optionals.title = "options "
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="affiche cette aide et quitte")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {translate(message)}\n")
