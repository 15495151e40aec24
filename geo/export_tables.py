"""Offline exports of the tables: CSV (Excel FR), XLSX, GeoJSON — with French column names.

Builds on geo/tables.py (comparison table, commune → CPTS rows, territories GeoJSON) and adds the
classes of the thematic indicators (geo/indicators.py). Writers:

- CSV: UTF-8 with BOM, ``;`` separator, decimal comma, CRLF — what Excel FR opens as is;
- XLSX (openpyxl): one sheet per table + an « À propos » sheet (sources, millésimes, date),
  bold frozen header, numbers kept as numbers;
- GeoJSON: the territories (EPSG:4326) with their figures and indicator values; a CPTS without
  documented perimeter is a feature with a null geometry (nothing is dropped).

Every text cell starting with = + - @, a tab or a carriage return (or ＝ ＋ － ＠) is neutralised with a leading
apostrophe (CSV/formula injection), in CSV and XLSX. Files are written atomically (temporary
file in the same folder, then os.replace): a failed export leaves the previous file untouched.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import os
import tempfile
from pathlib import Path

import pandas as pd

from .views import downloads, tables
from .exports.cells import neutralize
from .formatting import fr_date
from .views.indicators import NON_RENSEIGNE, classify

FORMATS = ("csv", "xlsx", "geojson")
TABLES = ("comparaison", "communes")
NO_CPTS = "Aucune CPTS documentée"

COMPARISON_COLUMNS = {
    "id": "Identifiant",
    "nom": "CPTS",
    "statut": "Étape du cycle de vie",
    "date_aci": "Date de signature de l'ACI",
    "population_declaree": "Population déclarée",
    "population_declaree_date": "Date de la population déclarée",
    "population_calculee": "Population calculée (INSEE)",
    "population_millesime": "Millésime de la population calculée",
    "ecart_pct": "Écart calculé − déclaré (%)",
    "communes_declarees": "Communes déclarées",
    "communes_calculees": "Communes (COG, calculé)",
    "financement": "Financement déclaré (€)",
    "financement_annee": "Année du financement",
    "eur_par_habitant": "Financement par habitant déclaré (€)",
    "sans_medecin_traitant_pct": "Patients sans médecin traitant (%, déclaré)",
    "sans_medecin_traitant_qualificatif": "Qualificatif (sans médecin traitant)",
    "taille_aci_declaree": "Taille ACI déclarée",
    "taille_aci_calculee": "Taille ACI calculée",
    "perimetre": "Périmètre",
    "sources": "Sources",
}
# indicator key -> column of its class
CLASS_COLUMNS = {
    "population": "Classe de population (taille ACI)",
    "sans_medecin_traitant": "Classe sans médecin traitant",
    "financement_par_habitant": "Classe de financement par habitant",
    "annee_signature": "Année de signature",
}
COMMUNE_COLUMNS = {
    "code_insee": "Code INSEE",
    "commune": "Commune",
    "departement": "Département",
    "epci": "EPCI",
    "population_municipale": "Population municipale",
    "millesime_population": "Millésime de la population",
    "cpts_id": "Identifiant CPTS",
    "cpts_nom": "CPTS",
    "perimetre_cpts": "Périmètre de la CPTS",
    "resolution": "Rattachement à la CPTS",
}
# decimals written for float columns (others: integers or text)
DECIMALS = {"Écart calculé − déclaré (%)": 1, "Financement déclaré (€)": 0,
            "Financement par habitant déclaré (€)": 2, "Patients sans médecin traitant (%, déclaré)": 1}


class ExportError(ValueError):
    """Bad export request: French message."""


# --------------------------------------------------------------------------- tables


def comparison_frame(atlas) -> pd.DataFrame:
    """One row per CPTS: declared and computed figures side by side, plus the indicator classes."""
    df = tables.comparison_table(atlas.territories, atlas.registry)
    df = df.rename(columns={k: v for k, v in COMPARISON_COLUMNS.items() if k in df.columns})
    for key, col in CLASS_COLUMNS.items():
        c = classify(key, atlas.territories, atlas.registry)
        labels = {tid: (NON_RENSEIGNE.label if cls is NON_RENSEIGNE else cls.label) for tid, cls in c.classes.items()}
        df[col] = [labels[i] for i in df[COMPARISON_COLUMNS["id"]]]
    return df


def communes_frame(atlas) -> pd.DataFrame:
    """One row per (commune, CPTS); Breton communes in no documented CPTS have one row saying so."""
    rows = downloads.commune_cpts_rows(atlas.communes, atlas.territories)
    df = pd.DataFrame(rows, columns=[COMMUNE_COLUMNS.get(h, h) for h in downloads.COMMUNE_CPTS_HEADER])
    name_col, id_col = COMMUNE_COLUMNS["cpts_nom"], COMMUNE_COLUMNS["cpts_id"]
    df[name_col] = [NO_CPTS if (i is None or (isinstance(i, float) and math.isnan(i))) else n
                    for i, n in zip(df[id_col], df[name_col])]
    for col in (COMMUNE_COLUMNS["population_municipale"], COMMUNE_COLUMNS["millesime_population"]):
        df[col] = pd.array(df[col].tolist(), dtype="Int64")
    return df


def table_frame(atlas, name: str) -> pd.DataFrame:
    if name == "comparaison":
        return comparison_frame(atlas)
    if name == "communes":
        return communes_frame(atlas)
    raise ExportError(f"table inconnue « {name} » (tables : {', '.join(TABLES)})")


def territories_geojson(atlas) -> str:
    """FeatureCollection of the territories: downloads.territories_geojson (mapped ones, with their
    dissolved contour) + indicator values, + one null-geometry feature per unmapped CPTS."""
    fc = json.loads(downloads.territories_geojson(atlas.territories))
    cls = {k: classify(k, atlas.territories, atlas.registry) for k in CLASS_COLUMNS}
    by_id = {f["properties"]["id"]: f for f in fc["features"]}
    for t in atlas.territories:
        if t.id not in by_id:
            d = t.to_dict()
            fc["features"].append({"type": "Feature", "geometry": None, "properties": d})
            by_id[t.id] = fc["features"][-1]
        p = by_id[t.id]["properties"]
        p["indicateurs"] = {
            k: {"valeur": c.values[t.id].value, "texte": c.values[t.id].text, "nature": c.values[t.id].nature,
                "classe": c.classes[t.id].label}
            for k, c in cls.items()}
    order = {t.id: i for i, t in enumerate(atlas.territories)}
    fc["features"].sort(key=lambda f: order[f["properties"]["id"]])
    return json.dumps(fc, ensure_ascii=False)


# --------------------------------------------------------------------------- writers


def millesimes() -> tuple[str | None, str | None]:
    """(COG, populations légales) millésimes declared in geo/sources.yaml."""
    from .download import load_sources
    src = load_sources()
    cog = next((str(s.meta["millesime_cog"]) for s in src.values() if s.meta.get("millesime_cog")), None)
    pop = next((str(s.meta["millesime_population"]) for s in src.values() if s.meta.get("millesime_population")), None)
    return cog, pop




def _is_missing(v) -> bool:
    if v is None or v is pd.NA:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _csv_cell(v, decimals: int | None) -> str:
    if _is_missing(v):
        return ""
    if isinstance(v, str):
        return neutralize(v)
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, float) or decimals is not None:
        x = float(v)
        if decimals is None:
            return str(int(x)) if x.is_integer() else repr(round(x, 4)).replace(".", ",")
        return f"{x:.{decimals}f}".replace(".", ",")
    return str(v)


def frame_to_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 BOM, ';', decimal comma, CRLF; text cells neutralised (numbers are never text)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow([neutralize(c) for c in df.columns])
    decs = [DECIMALS.get(c) for c in df.columns]
    for row in df.itertuples(index=False, name=None):
        w.writerow([_csv_cell(v, d) for v, d in zip(row, decs)])
    return buf.getvalue().encode("utf-8-sig")


def _xlsx_value(v):
    if _is_missing(v):
        return None
    if isinstance(v, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        return ILLEGAL_CHARACTERS_RE.sub("", neutralize(v))
    if hasattr(v, "item"):   # numpy / pandas scalars -> Python
        v = v.item()
    return v


def frames_to_xlsx(sheets: dict[str, pd.DataFrame], about: list[tuple[str, str]] | None = None,
                   created: _dt.datetime | None = None) -> bytes:
    """One sheet per frame (bold, frozen header, auto filter), an « À propos » sheet, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name, df in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append([neutralize(str(c)) for c in df.columns])
        for cell in ws[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in df.itertuples(index=False, name=None):
            ws.append([_xlsx_value(v) for v in row])
        for j, col in enumerate(df.columns, start=1):
            letter = get_column_letter(j)
            d = DECIMALS.get(col)
            if d is not None:
                fmt = "#,##0." + "0" * d if d else "#,##0"
                for cell in ws[letter][1:]:
                    cell.number_format = fmt
            elif pd.api.types.is_integer_dtype(df[col].dtype) and "Millésime" not in col and "Année" not in col \
                    and "Taille" not in col:
                for cell in ws[letter][1:]:
                    cell.number_format = "#,##0"
            longest = max([len(str(col))] + [len(str(v)) for v in df[col].tolist()[:500] if not _is_missing(v)])
            ws.column_dimensions[letter].width = min(60, max(10, longest + 2))
        ws.freeze_panes = "A2"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{len(df) + 1}"
    if about:
        ws = wb.create_sheet(title="À propos")
        for k, v in about:
            ws.append([neutralize(k), neutralize(v)])
            ws.cell(ws.max_row, 1).font = bold
        ws.column_dimensions["A"].width = 34
        ws.column_dimensions["B"].width = 120
    if created is not None:
        wb.properties.created = created
        wb.properties.modified = created
    wb.properties.creator = "Carte des CPTS"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def about_rows(atlas, today: _dt.date) -> list[tuple[str, str]]:
    cog, pop = millesimes()
    return [
        ("Export", f"Carte des CPTS, le {fr_date(today)}"),
        ("Déclaré", "chiffre donné par un document source (communiqué, dépliant, page web), à sa date"),
        ("Calculé", f"chiffre calculé sur le périmètre : INSEE, COG {cog}, populations légales {pop} "
                    "(population municipale)"),
        ("Contours", "IGN ADMIN EXPRESS (Licence Ouverte 2.0)"),
        ("Non renseigné", "cellule vide : la source ne donne pas la valeur (jamais 0)"),
        ("Cellules neutralisées", "un texte commençant par = + - @ (ou ＝ ＋ － ＠), une tabulation ou un retour "
                                  "chariot est précédé d'une apostrophe : il reste du texte, jamais une formule"),
        *((f"Source {sid}", tables_source(atlas, sid)) for sid in atlas.registry.sources),
    ]


def tables_source(atlas, sid: str) -> str:
    from .registry import format_source
    return format_source(sid, atlas.registry)


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and os.replace."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ExportError(f"dossier inexistant : {path.parent}")
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)   # mkstemp creates 0600 files
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def export_bytes(atlas, fmt: str, table: str = "comparaison", today: _dt.date | None = None) -> bytes:
    """The file content of an export: csv (one table), xlsx (both tables), geojson (territories)."""
    today = today or _dt.date.today()
    if fmt == "csv":
        return frame_to_csv(table_frame(atlas, table))
    if fmt == "xlsx":
        return frames_to_xlsx({"Comparaison des CPTS": comparison_frame(atlas),
                               "Communes et CPTS": communes_frame(atlas)},
                              about=about_rows(atlas, today),
                              created=_dt.datetime(today.year, today.month, today.day))
    if fmt == "geojson":
        return territories_geojson(atlas).encode("utf-8")
    raise ExportError(f"format inconnu « {fmt} » (formats : {', '.join(FORMATS)})")


__all__ = ["comparison_frame", "communes_frame", "territories_geojson", "frame_to_csv", "frames_to_xlsx",
           "export_bytes", "write_atomic", "neutralize", "ExportError", "FORMATS", "TABLES"]


# --------------------------------------------------------------------------- CLI: map, fiche, export


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


def _load_atlas():
    from .atlas import Atlas
    return Atlas.load()


def _check_cpts(atlas, cpts_id: str) -> None:
    if atlas.territory(cpts_id) is None:
        ids = ", ".join(t.id for t in atlas.territories)
        raise ExportError(f"CPTS inconnue « {cpts_id} ». Identifiants valides : {ids}")


def cmd_map(args) -> int:
    import time
    from .views.indicators import INDICATORS
    from .render_png import render_map_png
    if args.indicateur not in INDICATORS:
        raise ExportError(f"indicateur inconnu « {args.indicateur} ». Indicateurs valides : {', '.join(INDICATORS)}")
    today = _today(args.date)
    atlas = _load_atlas()
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
    import time
    from .render_pdf import render_fiche_pdf
    today = _today(args.date)
    atlas = _load_atlas()
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
    today = _today(args.date)
    atlas = _load_atlas()
    data = export_bytes(atlas, args.format, args.table, today=today)
    out = write_atomic(args.file, data)
    what = {"csv": f"table « {args.table} »", "xlsx": "tables « comparaison » et « communes »",
            "geojson": "territoires des CPTS"}[args.format]
    label = {"csv": "CSV", "xlsx": "XLSX", "geojson": "GeoJSON"}[args.format]
    print(f"Export {label} ({what}) écrit dans {out} ({_size(out)})")
    return 0


def _run(func):
    """Bad requests -> French message on stderr and exit status 2 (nothing written)."""
    import sys

    def wrapped(args) -> int:
        try:
            return func(args)
        except ExportError as e:
            print(f"Erreur : {e}", file=sys.stderr)
            return 2
        except Exception as e:  # noqa: BLE001 - RenderError and OSError: say it in French, keep the old file
            from .render_png import RenderError
            if isinstance(e, (RenderError, OSError)):
                print(f"Erreur : {e}", file=sys.stderr)
                return 2
            raise
    return wrapped


# Default PNG size, here so that building the CLI parser does not import matplotlib (≈1.4 s).
DEFAULT_WIDTH, DEFAULT_HEIGHT = 1600, 1200


def register(sub) -> None:
    """Add ``map``, ``fiche`` and ``export`` to ``python -m geo`` (called by geo/cli.py build_parser)."""
    m = sub.add_parser("map", help="carte PNG des CPTS, hors ligne (titre, légende, sources, date)")
    m.add_argument("--png", required=True, metavar="FICHIER", help="fichier PNG à écrire")
    m.add_argument("--cpts", metavar="ID", help="centrer la carte sur une CPTS et la mettre en évidence")
    m.add_argument("--indicateur", default="cpts", metavar="NOM",
                   help="cpts, population, sans_medecin_traitant, financement_par_habitant, statut, annee_signature")
    m.add_argument("--width", type=int, default=DEFAULT_WIDTH, help="largeur en pixels (défaut 1600)")
    m.add_argument("--height", type=int, default=DEFAULT_HEIGHT, help="hauteur en pixels (défaut 1200)")
    m.add_argument("--date", metavar="AAAA-MM-JJ", help="date imprimée sur la carte (défaut : aujourd'hui)")
    m.set_defaults(func=_run(cmd_map))

    f = sub.add_parser("fiche", help="fiche PDF d'une page pour une CPTS")
    f.add_argument("id", help="identifiant de la CPTS (voir « python -m geo territories »)")
    f.add_argument("--pdf", required=True, metavar="FICHIER", help="fichier PDF à écrire")
    f.add_argument("--date", metavar="AAAA-MM-JJ", help="date de génération imprimée (défaut : aujourd'hui)")
    f.set_defaults(func=_run(cmd_fiche))

    # ``export FICHIER`` may already exist (geo/import_cli.py: the registry in the import format). The
    # two share the name: with --format it is this export of the tables, without it the registry one.
    ours = _run(cmd_export)
    e = sub.choices.get("export")
    if e is None:
        e = sub.add_parser("export", help="tables en CSV (Excel), XLSX ou territoires en GeoJSON")
        e.add_argument("file", metavar="FICHIER")
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
            import sys
            print(f"Erreur : donnez --format ({', '.join(FORMATS)})", file=sys.stderr)
            return 2
        return ours(args)
    e.set_defaults(func=dispatch)
