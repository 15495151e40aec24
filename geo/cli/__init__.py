"""``python -m geo``: a stable command-line interface for scripts and tests.

One module per command group in this package (build_data, territories, lookup, check; import and
export live in geo/cli/importing.py, map/fiche/export of tables in geo/cli/exports.py). The table of
commands is geo/cli/commands.py. The parser is built lazily: every command appears in
``python -m geo --help``, but only the module of the command being run is imported, so the help and
the light commands start without loading pandas/geopandas/matplotlib.

Exit codes: 0 success, 1 problems found (check, import), 2 unusable input (French message on stderr).
Help and usage errors are in French too (geo/cli/french.py).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .commands import COMMANDS
from .french import FrenchArgumentParser

# Errors a command may raise that deserve a French one-liner and exit code 2, not a traceback.
# Looked up in sys.modules: a module that was never imported cannot have raised its error.
_USER_ERRORS = (("geo.referential", "ReferentialError"), ("geo.registry", "RegistryError"), ("geo.scope", "ScopeError"))


def _selected(argv: list[str]) -> str | None:
    """The subcommand named on the command line (first non-option argument), if any."""
    for a in argv:
        if not a.startswith("-"):
            return a if a in COMMANDS else None
    return None


def build_parser(command: str | None = "*") -> argparse.ArgumentParser:
    """The ``python -m geo`` parser. ``command``: build only that subcommand for real, the others
    get their name and help only (enough for ``--help`` and for argparse's errors); ``"*"``
    (default) builds every subcommand; None builds none."""
    p = FrenchArgumentParser(prog="python -m geo", description="Carte des CPTS — données")
    sub = p.add_subparsers(dest="command", required=True)
    needed = {m for name, (_, mods) in COMMANDS.items() if command in ("*", name) for m in mods}
    # A row needing one of its modules needs them all: ``export`` is the registry export extended by the
    # tables export, whichever of the two commands (import, map…) brought one of them in.
    while grown := {m for _, mods in COMMANDS.values() if needed.intersection(mods) for m in mods} - needed:
        needed |= grown
    done: set[str] = set()
    for name, (help_, modules) in COMMANDS.items():  # table order = order listed by --help
        for module in modules:
            if module in needed and module not in done:
                importlib.import_module(module).register(sub)
                done.add(module)
        if name not in sub.choices:
            sub.add_parser(name, help=help_)
    # A module may add several commands at once (map, fiche, export): list them in table order, so that
    # the help and usage do not depend on the command being run. argparse keeps that order in two places.
    rank = {name: i for i, name in enumerate(COMMANDS)}
    ordered = sorted(sub.choices.items(), key=lambda kv: rank.get(kv[0], len(rank)))
    sub.choices.clear()
    sub.choices.update(ordered)
    sub._choices_actions.sort(key=lambda a: rank.get(a.dest, len(rank)))
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_selected(argv))
    args = parser.parse_args(argv)
    from .tiles import after_publications  # a publication rebuilds the map's stale tiles afterwards
    try:
        with after_publications(getattr(args, "command", None)):
            return args.func(args)
    except Exception as e:
        handled = tuple(c for m, n in _USER_ERRORS if (c := getattr(sys.modules.get(m), n, None)) is not None)
        if isinstance(e, handled + (FileNotFoundError,)):
            print(f"Erreur : {e}", file=sys.stderr)
            return 2
        raise
