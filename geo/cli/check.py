"""``python -m geo check [--registry DIR]``: validate the registry, then print the data-quality report.

Exit code 1 when the registry has errors or the quality report finds any.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..formatting import plural
from ..paths import REGISTRY_DIR
from .commands import HELP
from .common import add_region_argument, load_atlas


def register(sub) -> None:
    c = sub.add_parser("check", help=HELP["check"])
    c.add_argument("--registry", default=str(REGISTRY_DIR))
    add_region_argument(c)
    c.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from ..registry.quality import quality_report
    from ..registry import validate_registry
    problems = validate_registry(Path(args.registry))
    errors = [p for p in problems if p.severity == "erreur"]
    for p in problems:
        print(p)   # « [avertissement] cpts/x.yaml › perimetre.communes : … » (str(Problem) has the severity)
    if errors:
        print(f"Registre invalide : {plural(len(errors), 'erreur')}.")
        return 1
    report = quality_report(load_atlas(args.region))
    print(report.text)
    return 1 if report.errors else 0
