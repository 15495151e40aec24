"""``python -m geo``: a stable command-line interface for scripts and tests."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import referential
from .paths import COMMUNES_PARQUET, REGISTRY_DIR
from .registry import RegistryError


def _parse_departements(value: str) -> set[str] | None:
    if value.strip().lower() in {"all", "toutes", "france"}:
        return None
    return {v.strip().upper().zfill(2) for v in value.split(",") if v.strip()}


def cmd_build_data(args: argparse.Namespace) -> int:
    deps = _parse_departements(args.departements)
    t0 = time.perf_counter()
    gdf = referential.build_from_sources(deps)
    out = Path(args.output)
    referential.write_parquet(gdf, out)
    print(f"{len(gdf)} communes ({'France entière' if deps is None else ', '.join(sorted(deps))}) "
          f"écrites dans {out} ({out.stat().st_size / 1e6:.2f} Mo) en {time.perf_counter() - t0:.1f} s")
    return 0


def _atlas():
    from .atlas import Atlas
    return Atlas.load()


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def cmd_territories(args: argparse.Namespace) -> int:
    from .formatting import fr_int
    atlas = _atlas()
    items = [t.to_dict() for t in atlas.territories]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=1))
        return 0
    for t in atlas.territories:
        decl = f"déclarée {fr_int(t.population_declaree, ' ')}" if t.population_declaree else "non déclarée"
        where = f"{t.n_communes} communes, {fr_int(t.population, ' ')} hab. ({decl})" if t.perimetre_connu else "périmètre inconnu"
        print(f"{t.id:40} {t.nom[:50]:50} {where}")
    return 0


def cmd_lookup(args: argparse.Namespace) -> int:
    from .lookup import check_latlon, parse_latlon_line
    atlas = _atlas()

    def show(result: dict) -> str:
        if args.json:
            return _dump(result)
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
                print(_dump({"erreur": msg, "ligne": n}) if args.json else f"Erreur : {msg}")
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


def cmd_check(args: argparse.Namespace) -> int:
    from .quality import quality_report
    from .registry import validate_registry
    problems = validate_registry(Path(args.registry))
    errors = [p for p in problems if p.severity == "erreur"]
    for p in problems:
        print(f"[{p.severity}] {p}")
    if errors:
        print(f"Registre invalide : {len(errors)} erreur(s).")
        return 1
    atlas = _atlas()
    report = quality_report(atlas)
    print(report.text)
    return 1 if report.errors else 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m geo", description="Carte des CPTS — données")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build-data", help="construit data/communes.parquet depuis les sources déclarées")
    b.add_argument("--departements", default=",".join(referential.DEFAULT_DEPARTEMENTS),
                   help="codes séparés par des virgules, ou « all » pour la France entière")
    b.add_argument("--output", default=str(COMMUNES_PARQUET))
    b.set_defaults(func=cmd_build_data)

    t = sub.add_parser("territories", help="territoires des CPTS (codes INSEE, populations, écarts)")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_territories)

    lk = sub.add_parser("lookup", help="commune et CPTS d'un point (LAT LON, ou « - » pour lire stdin)")
    lk.add_argument("lat")
    lk.add_argument("lon", nargs="?")
    lk.add_argument("--json", action="store_true")
    lk.set_defaults(func=cmd_lookup)

    c = sub.add_parser("check", help="valide le registre et affiche le rapport de qualité des données")
    c.add_argument("--registry", default=str(REGISTRY_DIR))
    c.set_defaults(func=cmd_check)

    from .import_cli import register as register_import
    register_import(sub)

    from .export_tables import register as register_exports
    register_exports(sub)  # map, fiche, export
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (referential.ReferentialError, RegistryError, FileNotFoundError) as e:
        print(f"Erreur : {e}", file=sys.stderr)
        return 2
