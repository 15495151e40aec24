"""``python -m geo schema``: print the JSON Schema of the registry files (geo/registry/schema.py).

Exit code 0. ``python -m geo schema > data/registry/schema.json`` regenerates the committed copy.
"""
from __future__ import annotations

import argparse
import sys

from .commands import HELP


def register(sub) -> None:
    s = sub.add_parser("schema", help=HELP["schema"],
                       description="Schéma JSON (JSON Schema 2020-12) des fichiers YAML du registre, généré depuis "
                                   "le modèle de données : cpts/<id>.yaml, sources.yaml, context.yaml.")
    s.set_defaults(func=cmd_schema)


def cmd_schema(args: argparse.Namespace) -> int:
    from ..registry.schema import registry_json_schema_text
    sys.stdout.write(registry_json_schema_text())
    return 0
