"""``python -m geo map``, ``fiche`` and ``export --format``: the offline exports of geo/exports/
(PNG map, one-page PDF fiche, CSV/XLSX/GeoJSON tables) from the command line.

Bad requests (unknown CPTS, indicator, format, table, date, missing folder) and write failures
end with a French message on stderr and exit status 2; nothing is written (files are written
atomically, with the permissions of an ordinary new file). ``export`` is shared with the registry
export of geo/cli/importing.py: with ``--format`` it is this export of the tables."""
from __future__ import annotations

import datetime as _dt
import sys
import time
from pathlib import Path

from ..exports.common import DEFAULT_HEIGHT, DEFAULT_WIDTH, ExportError, RenderError, write_atomic
from .commands import HELP
from .common import add_region_argument, load_atlas

FORMATS = ("csv", "xlsx", "geojson")   # geo.exports.tables.FORMATS, without importing pandas here
TABLES = ("comparaison", "communes")   # geo.exports.frames.TABLES


def _size(path: Path) -> str:
    n = path.stat().st_size
    return f"{n / 1e6:.2f} Mo".replace(".", ",") if n >= 1e6 else f"{max(1, round(n / 1e3))} Ko"


def _today(value: str | None) -> _dt.date:
    if not value:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise ExportError(f"date invalide « {value} » : format attendu AAAA-MM-JJ") from None


def _check_cpts(atlas, cpts_id: str) -> None:
    if atlas.territory(cpts_id) is None:
        ids = ", ".join(t.id for t in atlas.territories)
        raise ExportError(f"CPTS inconnue « {cpts_id} ». Identifiants valides : {ids}")


def cmd_map(args) -> int:
    from ..exports.png import render_map_png
    from ..views.indicators import INDICATORS
    if args.indicateur not in INDICATORS:
        raise ExportError(f"indicateur inconnu « {args.indicateur} ». Indicateurs valides : {', '.join(INDICATORS)}")
    today = _today(args.date)
    atlas = load_atlas(args.region)
    if args.cpts is not None:
        _check_cpts(atlas, args.cpts)
    t0 = time.perf_counter()
    png = render_map_png(atlas, indicator=args.indicateur, cpts_id=args.cpts, width=args.width, height=args.height,
                         today=today)
    out = write_atomic(args.png, png)
    print(f"Carte écrite dans {out} ({args.width} × {args.height} px, {_size(out)}) en "
          f"{str(round(time.perf_counter() - t0, 1)).replace('.', ',')} s")
    return 0


def cmd_fiche(args) -> int:
    from ..exports.pdf import render_fiche_pdf
    today = _today(args.date)
    atlas = load_atlas(args.region)
    _check_cpts(atlas, args.id)
    t0 = time.perf_counter()
    pdf = render_fiche_pdf(atlas, args.id, today=today)
    out = write_atomic(args.pdf, pdf)
    print(f"Fiche de {atlas.territory(args.id).nom} écrite dans {out} (1 page A4, {_size(out)}) en "
          f"{str(round(time.perf_counter() - t0, 1)).replace('.', ',')} s")
    return 0


def cmd_export(args) -> int:
    if args.format not in FORMATS:
        raise ExportError(f"format inconnu « {args.format} ». Formats valides : {', '.join(FORMATS)}")
    if args.table not in TABLES:
        raise ExportError(f"table inconnue « {args.table} ». Tables valides : {', '.join(TABLES)}")
    from ..exports.tables import export_bytes
    today = _today(args.date)
    atlas = load_atlas(args.region)
    data = export_bytes(atlas, args.format, args.table, today=today)
    out = write_atomic(args.file, data)
    what = {"csv": f"table « {args.table} »", "xlsx": "tables « comparaison » et « communes »",
            "geojson": "territoires des CPTS"}[args.format]
    label = {"csv": "CSV", "xlsx": "XLSX", "geojson": "GeoJSON"}[args.format]
    print(f"Export {label} ({what}) écrit dans {out} ({_size(out)})")
    return 0


def _run(func):
    """Bad requests -> French message on stderr and exit status 2 (nothing written)."""
    def wrapped(args) -> int:
        try:
            return func(args)
        except (ExportError, RenderError, OSError) as e:   # say it in French, keep the old file
            print(f"Erreur : {e}", file=sys.stderr)
            return 2
    return wrapped


def register(sub) -> None:
    """Add ``map``, ``fiche`` and ``export`` to ``python -m geo`` (called by geo/cli/__init__.py build_parser)."""
    m = sub.add_parser("map", help=HELP["map"])
    m.add_argument("--png", required=True, metavar="FICHIER", help="fichier PNG à écrire")
    m.add_argument("--cpts", metavar="ID", help="centrer la carte sur une CPTS et la mettre en évidence")
    m.add_argument("--indicateur", default="cpts", metavar="NOM",
                   help="cpts, population, sans_medecin_traitant, financement_par_habitant, statut, annee_signature")
    m.add_argument("--width", type=int, default=DEFAULT_WIDTH, help="largeur en pixels (défaut 1600)")
    m.add_argument("--height", type=int, default=DEFAULT_HEIGHT, help="hauteur en pixels (défaut 1200)")
    m.add_argument("--date", metavar="AAAA-MM-JJ", help="date imprimée sur la carte (défaut : aujourd'hui)")
    add_region_argument(m)
    m.set_defaults(func=_run(cmd_map))

    f = sub.add_parser("fiche", help=HELP["fiche"])
    f.add_argument("id", help="identifiant de la CPTS (voir « python -m geo territories »)")
    f.add_argument("--pdf", required=True, metavar="FICHIER", help="fichier PDF à écrire")
    f.add_argument("--date", metavar="AAAA-MM-JJ", help="date de génération imprimée (défaut : aujourd'hui)")
    add_region_argument(f)
    f.set_defaults(func=_run(cmd_fiche))

    # ``export FICHIER`` may already exist (geo/import_cli.py: the registry in the import format). The
    # two share the name: with --format it is this export of the tables, without it the registry one.
    ours = _run(cmd_export)
    e = sub.choices.get("export")
    if e is None:
        e = sub.add_parser("export", help="tables en CSV (Excel), XLSX ou territoires en GeoJSON")
        e.add_argument("file", metavar="FICHIER")
        add_region_argument(e)
        registry_export = None
    else:
        registry_export = e.get_default("func")
        e.description = ("Avec --format : exporte les tables (comparaison des CPTS, communes → CPTS) en CSV ou "
                         "XLSX, ou les territoires en GeoJSON. Sans --format : exporte le registre au format "
                         "de l'import (FICHIER.csv ou FICHIER.xlsx).")
    e.add_argument("--format", metavar="FORMAT",
                   help="csv, xlsx ou geojson : tables de comparaison et communes → CPTS, territoires")
    e.add_argument("--table", default="comparaison", metavar="TABLE",
                   help="pour le CSV : comparaison (défaut) ou communes ; le XLSX contient les deux")
    e.add_argument("--date", metavar="AAAA-MM-JJ", help="date de l'export (onglet « À propos » du XLSX)")

    def dispatch(args) -> int:
        if args.format is None and registry_export is not None:
            return registry_export(args)
        if args.format is None:
            print(f"Erreur : donnez --format ({', '.join(FORMATS)})", file=sys.stderr)
            return 2
        return ours(args)
    e.set_defaults(func=dispatch)
