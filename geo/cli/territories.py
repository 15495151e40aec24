"""``python -m geo territories [--json]``: the CPTS territories (INSEE codes, populations, gaps).

With ``--json``, each CPTS also lists ``faits``: every declared fact with its value, date and source
id (geo/views/declared.py), so that a script can check what an import set."""
from __future__ import annotations

import argparse
import json

from .commands import HELP
from .common import add_region_argument, load_territories


def register(sub) -> None:
    t = sub.add_parser("territories", help=HELP["territories"])
    t.add_argument("--json", action="store_true")
    add_region_argument(t)
    t.set_defaults(func=cmd_territories)


def cmd_territories(args: argparse.Namespace) -> int:
    from ..formatting import fr_int
    registry, territories = load_territories(args.region)  # no geometry needed: no geopandas import
    if args.json:
        from ..views.declared import declared_facts
        items = [{**t.to_dict(), "faits": declared_facts(t.cpts, registry)} for t in territories]
        print(json.dumps(items, ensure_ascii=False, indent=1))
        return 0
    if not territories:
        from ..scope import get_scope
        print(f"Aucune CPTS du registre {get_scope(args.region).de_nom}.")
    for t in territories:
        decl = f"déclarée {fr_int(t.population_declaree, ' ')}" if t.population_declaree else "non déclarée"
        where = f"{t.n_communes} communes, {fr_int(t.population, ' ')} hab. ({decl})" if t.perimetre_connu else "périmètre inconnu"
        print(f"{t.id:40} {t.nom[:50]:50} {where}")
    return 0
