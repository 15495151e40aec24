"""``python -m geo``: a stable command-line interface for scripts and tests.

One module per command group in this package (build_data, territories, lookup, check; import and
export live in geo/cli/importing.py, map/fiche/export of tables in geo/export_tables.py). The table of
commands is geo/cli/commands.py. The parser is built lazily: every command appears in
``python -m geo --help``, but only the module of the command being run is imported, so the help and
the light commands start without loading pandas/geopandas/matplotlib.

Exit codes: 0 success, 1 problems found (check, import), 2 unusable input (French message on stderr).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .commands import COMMANDS

# Errors a command may raise that deserve a French one-liner and exit code 2, not a traceback.
# Looked up in sys.modules: a module that was never imported cannot have raised its error.
_USER_ERRORS = (("geo.referential", "ReferentialError"), ("geo.registry", "RegistryError"))


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
    p = argparse.ArgumentParser(prog="python -m geo", description="Carte des CPTS — données")
    sub = p.add_subparsers(dest="command", required=True)
    needed = {m for name, (_, mods) in COMMANDS.items() if command in ("*", name) for m in mods}
    done: set[str] = set()
    for name, (help_, modules) in COMMANDS.items():  # table order = order listed by --help
        for module in modules:
            if module in needed and module not in done:
                importlib.import_module(module).register(sub)
                done.add(module)
        if name not in sub.choices:
            sub.add_parser(name, help=help_)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_selected(argv))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Exception as e:
        handled = tuple(getattr(sys.modules[m], n) for m, n in _USER_ERRORS if m in sys.modules)
        if isinstance(e, handled + (FileNotFoundError,)):
            print(f"Erreur : {e}", file=sys.stderr)
            return 2
        raise
