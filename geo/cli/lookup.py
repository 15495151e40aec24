"""``python -m geo lookup LAT LON | -  [--json]``: the commune and CPTS of a point (or of stdin lines)."""
from __future__ import annotations

import argparse
import sys

from .commands import HELP
from .common import add_region_argument, dump, load_atlas


def register(sub) -> None:
    lk = sub.add_parser("lookup", help=HELP["lookup"])
    lk.add_argument("lat")
    lk.add_argument("lon", nargs="?")
    lk.add_argument("--json", action="store_true")
    add_region_argument(lk)
    lk.set_defaults(func=cmd_lookup)


def cmd_lookup(args: argparse.Namespace) -> int:
    from ..referential.locator import check_latlon, parse_latlon_line
    atlas = load_atlas(args.region)

    def show(result: dict) -> str:
        if args.json:
            return dump(result)
        c = result["commune"]
        if c is None:
            return "hors du référentiel"
        names = ", ".join(x["nom"] for x in result["cpts"]) or "aucune CPTS documentée"
        return f"{c['nom']} ({c['code']}) : {names}"

    if args.lat == "-":
        status = 0
        points, errors = [], {}
        for n, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                errors[n] = "ligne vide"
                points.append(None)
                continue
            try:
                points.append(parse_latlon_line(line))
            except ValueError as e:
                errors[n] = str(e)
                points.append(None)
        good = [p for p in points if p is not None]
        results = iter(atlas.lookup_many([p[0] for p in good], [p[1] for p in good]))
        for n, p in enumerate(points, start=1):
            if p is None:
                status = 1
                msg = f"ligne {n} : {errors[n]}"
                print(dump({"erreur": msg, "ligne": n}) if args.json else f"Erreur : {msg}")
            else:
                print(show(next(results)))
        return status
    if args.lon is None:
        print("Erreur : donnez LAT LON, ou « - » pour lire des lignes « lat,lon » sur l'entrée standard", file=sys.stderr)
        return 2
    try:
        lat, lon = float(args.lat.replace(",", ".")), float(args.lon.replace(",", "."))
        check_latlon(lat, lon)
    except ValueError as e:
        print(f"Erreur : coordonnées invalides ({e})", file=sys.stderr)
        return 2
    print(show(atlas.lookup(lat, lon)))
    return 0
