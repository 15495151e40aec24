"""Import a regional listing of CPTS perimeters (CSV, XLSX or GeoJSON) and resolve it against
the commune referential and the CPTS registry — without writing anything (see geo/registry_store.py
for publishing).

Pure Python (pandas/shapely/openpyxl, no Streamlit). Entry point::

    result = analyze(data, "cpts_2024.csv", communes, matcher, registry, current_codes)
    result.to_json()   # {"territories": [...], "problems": [...], "summary": {...}}

Formats (detected from the content first, the extension second):

- CSV / text: UTF-8, UTF-8 with BOM, UTF-16 with BOM (Excel « texte Unicode »), Windows-1252,
  Latin-1; ``;``, ``,``, tab or ``|`` separated (the separator that makes the header readable wins).
  A UTF-8 file that was saved again as Windows-1252 (« VitrÃ© ») is repaired, and said so.
- XLSX (openpyxl): the first sheet whose header is readable; merged cells are filled from their
  top-left cell (files under 5 Mo); formulas give their cached values, never evaluated.
- GeoJSON: one feature per CPTS (or several features per CPTS); a commune belongs to the CPTS when
  the representative point of its geometry (shapely ``point_on_surface``) falls in the polygon.
  Coordinates in WGS 84, or Lambert-93 (EPSG:2154) when the ``crs`` member says so or the
  coordinates are obviously metric. The polygon is kept (``ImportedTerritory.polygon``).

Header detection (:data:`FIELDS`): header cells are compared after folding case, accents, spaces
and punctuation and dropping « de, du, des, la, le, les, l', d' » — « Nom de la CPTS »,
« NOM_CPTS » and « nom cpts » are the same key. The synonyms are listed per field in
:data:`FIELDS`; when no synonym matches, a few keyword rules apply (a header containing « cpts »
is the CPTS name, one containing « insee » the INSEE code…), and the result says which rule
picked each column (:attr:`ImportResult.columns`). The header row may be preceded by title rows
(the first 30 rows are searched). Required: the CPTS name (or identifier) and the commune name
or INSEE code; otherwise :class:`ImportFileError` with a French message listing what was read
and what is recognised.

Line numbers: the file's own 1-based numbers (header row = its line, usually 1; a CSV record
spanning several lines has the number of its first line); XLSX: the sheet row number; GeoJSON:
the feature index + 1 (said in ``summary["numerotation"]``).

Resolution of a row (commune name and/or INSEE code, optional département):
- the INSEE code decides when it is a current or former code; a name that designates another
  commune is a blocking conflict; a postal code typed as INSEE code is ignored (said) and,
  with the name, may settle a homonym;
- names go through geo.matching (exact, normalised, former names of merged communes, typos);
- homonyms and typos left unresolved are retried with the départements of the other communes of
  the same CPTS (said in the message);
- duplicates (same commune twice in a CPTS), communes in two CPTS of the file or of the registry,
  pre-merger names and corrected typos are reported; unresolved rows are *blocking*.

Every data row ends up in ``rows`` with a status; every row that is not used is in ``problems``.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import unicodedata
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
import shapely

from ..formatting import fr_int
from ..matching import Matcher, Resolution, cell_text, normalize_name, similarity
from . import limits as _limits
from .errors import ImportFileError
from .limits import ImportLimits, mega, too_many
from .scan import json_depth_exceeds, scan_xlsx

__all__ = [
    "FIELDS",
    "FIELD_LABELS",
    "GEOJSON_NAME_SYNONYMS",
    "MAX_BYTES",
    "IGNORE",
    "NEW_CPTS",
    "ImportFileError",
    "Table",
    "ImportProblem",
    "RowResult",
    "ImportedTerritory",
    "ImportResult",
    "analyze",
    "read_table",
    "detect_columns",
    "header_key",
    "cpts_key",
    "slugify",
    "status_step",
    "parse_date",
    "registry_codes",
    "LAYOUT",
]

#: Largest file accepted (bytes): a 100 000-row listing is ~5 Mo (setting CPTS_IMPORT_MAX_MB).
MAX_BYTES = _limits.LIMITS.max_bytes
#: Largest uncompressed size of an XLSX archive (zip bomb guard).
MAX_XLSX_UNCOMPRESSED = 400_000_000
#: Files under this size are read with openpyxl's full mode (merged cells known).
_XLSX_FULL_MODE_LIMIT = 5_000_000
_XLSX_FULL_MODE_CELLS = 200_000
_HEADER_SEARCH_ROWS = 30
_MAX_CELL = 1_000  # characters kept from a cell (names are short; longer is garbage)

#: User choices (page Importer): ignore a row / confirm a new CPTS.
IGNORE = "__ignorer__"
NEW_CPTS = "__nouvelle__"

# --------------------------------------------------------------------------- header synonyms

#: field -> (French label, synonyms). Compared with :func:`header_key` (case, accents, spaces,
#: punctuation and « de/du/des/la/le/les/l'/d' » ignored). Order = priority when two headers match.
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cpts_id": ("identifiant de la CPTS", (
        "identifiant cpts", "id cpts", "id_cpts", "identifiant", "code cpts", "cpts id",
    )),
    "cpts": ("nom de la CPTS", (
        "cpts", "nom cpts", "libellé cpts", "nom_cpts", "territoire", "nom de la cpts", "libelle cpts",
        "lib cpts", "lib_cpts", "intitulé cpts", "cpts ou projet", "cpts projet", "nom du territoire",
        "communauté professionnelle territoriale de santé", "territoire cpts", "nom territoire",
        "raison sociale", "nom structure",
    )),
    "commune": ("nom de la commune", (
        "commune", "nom commune", "libcom", "nom_com", "nom de la commune", "libellé commune",
        "libelle commune", "lib commune", "libgeo", "nom_commune", "communes", "ville", "localité",
        "commune nom", "nom com",
    )),
    "insee": ("code INSEE", (
        "code insee", "insee", "codgeo", "code commune", "com", "depcom", "code_insee", "insee_com",
        "code insee commune", "code commune insee", "cog", "code officiel géographique", "codecommune",
        "code_commune", "insee commune", "num insee", "code géographique",
    )),
    "departement": ("département", (
        "département", "departement", "dep", "dept", "code département", "code departement", "code dep",
        "num dep", "numéro département", "dpt", "département code", "code_dep", "nom département",
    )),
    "statut": ("statut", (
        "statut", "état", "etat", "état d'avancement", "stade", "avancement", "statut cpts", "étape",
        "situation", "statut juridique", "état cpts", "type", "catégorie", "nature",
    )),
    "date_signature": ("date de signature", (
        "date de signature", "date signature", "date aci", "date de signature aci", "date signature aci",
        "signature aci", "date_signature", "date de reconnaissance", "date signature contrat",
        "date de contractualisation", "date contrat", "signature",
    )),
}
FIELD_LABELS = {k: v[0] for k, v in FIELDS.items()}

#: Extra names of the CPTS-name property in GeoJSON exports (whose field names vary).
GEOJSON_NAME_SYNONYMS = (
    "nom", "name", "libelle", "libellé", "lib", "intitulé", "intitule", "dénomination", "denomination",
    "nom_structure", "nom_cpts_projet", "nom_projet", "lib_structure", "label", "titre",
)

#: Export layout (geo/registry_store.py writes it, this module reads it back).
LAYOUT = ("Identifiant CPTS", "CPTS", "Commune", "Code INSEE", "Département", "Statut", "Date de signature")

_STOP = {"de", "du", "des", "la", "le", "les", "l", "d"}


def _s(v: object) -> str:
    """Cell -> text: the matcher's rules ('' for None/NaN; 35360.0 -> '35360'), plus booleans and dates."""
    if isinstance(v, bool):
        return "vrai" if v else "faux"
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return cell_text(v)


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


def header_key(text: object) -> str:
    """« Nom de la CPTS » -> "nomcpts": no case, accents, spaces, punctuation, articles."""
    words = [w for w in _fold(_s(text)).split() if w not in _STOP]
    return "".join(words)


_SYN_KEYS: dict[str, list[str]] = {f: [header_key(x) for x in syns] for f, (_, syns) in FIELDS.items()}


def _keyword_field(key_words: list[str]) -> tuple[str, str] | None:
    """Fallback rules when no synonym matches: (field, rule in French)."""
    w = set(key_words)
    joined = "".join(key_words)
    if "insee" in joined or "codgeo" in joined:
        return "insee", "contient « insee »"
    if "cpts" in joined:
        if w & {"id", "identifiant", "code"}:
            return "cpts_id", "contient « cpts » et « id »"
        if not w & {"nb", "nombre", "date", "statut", "population", "siren", "siret", "finess"}:
            return "cpts", "contient « cpts »"
    if "commune" in joined or "communes" in w:
        if w & {"code", "num", "numero", "cog"}:
            return "insee", "contient « commune » et « code »"
        if not w & {"nb", "nombre", "population", "epci"}:
            return "commune", "contient « commune »"
    if w & {"departement", "dep", "dept"}:
        return "departement", "contient « département »"
    if "date" in w and w & {"signature", "aci", "contrat"}:
        return "date_signature", "contient « date » et « signature »"
    return None


@dataclass(frozen=True)
class ColumnChoice:
    field: str
    index: int
    header: str
    rule: str  # "synonyme « … »" or a keyword rule


def detect_columns(headers: list[str], extra_name_synonyms: Iterable[str] = ()) -> tuple[dict[str, ColumnChoice], list[str]]:
    """Map fields to header cells. Returns (field -> ColumnChoice, notes about ignored headers)."""
    keys = [header_key(h) for h in headers]
    extra = [header_key(x) for x in extra_name_synonyms]
    chosen: dict[str, ColumnChoice] = {}
    taken: set[int] = set()
    notes: list[str] = []
    # 1. synonyms, by field priority then synonym priority
    for f in FIELDS:
        syns = _SYN_KEYS[f] + (extra if f == "cpts" else [])
        for syn in syns:
            hits = [i for i, k in enumerate(keys) if k == syn and i not in taken]
            if hits:
                i = hits[0]
                chosen[f] = ColumnChoice(f, i, headers[i], f"synonyme « {syn} »")
                taken.add(i)
                break
    # 2. keyword rules for what is still missing
    for i, h in enumerate(headers):
        if i in taken or not keys[i]:
            continue
        rule = _keyword_field([w for w in _fold(_s(h)).split() if w not in _STOP])
        if rule is None:
            continue
        f, why = rule
        if f in chosen:
            notes.append(f"colonne « {h} » ignorée : « {chosen[f].header} » est déjà utilisée pour le {FIELD_LABELS[f]}")
            continue
        chosen[f] = ColumnChoice(f, i, h, why)
        taken.add(i)
    return chosen, notes


def _missing_fields(chosen: Mapping[str, ColumnChoice], geo: bool = False) -> list[str]:
    missing = []
    if "cpts" not in chosen and "cpts_id" not in chosen:
        missing.append("cpts")
    if not geo and "commune" not in chosen and "insee" not in chosen:
        missing.append("commune")
    return missing


def _missing_message(missing: list[str], headers: list[str], where: str, geo: bool = False) -> str:
    what = {"cpts": "le nom de la CPTS", "commune": "la commune (nom ou code INSEE)"}
    shown = ", ".join(f"« {h[:60]}{'…' if len(h) > 60 else ''} »" for h in headers[:20] if h) or "aucun"
    lines = [f"Colonnes introuvables : {' et '.join(what[m] for m in missing)}.",
             f"En-têtes lus ({where}) : {shown}."]
    if "cpts" in missing:
        syns = FIELDS["cpts"][1] + (GEOJSON_NAME_SYNONYMS if geo else ())
        lines.append("Noms reconnus pour la CPTS : " + ", ".join(syns[:12]) + "…")
    if "commune" in missing:
        lines.append("Noms reconnus pour la commune : " + ", ".join(FIELDS["commune"][1][:8])
                     + "… ; pour le code INSEE : " + ", ".join(FIELDS["insee"][1][:8]) + "…")
    lines.append("Renommez les colonnes (majuscules, accents et espaces indifférents) ou ajoutez une ligne d'en-tête.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- reading files


@dataclass
class Table:
    format: str                      # "csv" | "xlsx" | "geojson"
    header_line: int
    headers: list[str]
    rows: list[tuple[int, list[object]]]   # (line number, cells) for every line after the header
    columns: dict[str, ColumnChoice]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    pre_header: list[tuple[int, list[object]]] = field(default_factory=list)  # non-empty lines above the header
    notes: list[str] = field(default_factory=list)
    trailing_empty: int = 0
    features: list[dict] | None = None  # GeoJSON: the features (geometry as shapely, WGS 84)


_WS = re.compile(r"\s+")
_FORMULA_START = set("=+-@\t\r")


def clean_cell(v: object) -> str:
    """Cell text as written, whitespace collapsed; the apostrophe our exports put before a cell
    starting with = + - @ (formula neutralisation) is removed."""
    s = _s(v)
    if len(s) > 1 and s[0] == "'" and s[1] in "=+-@\t\r":
        s = s[1:]
    return _WS.sub(" ", s.replace("\x00", "")).strip()[:_MAX_CELL]


def _is_empty(cells: list[object]) -> bool:
    return all(not clean_cell(c) for c in cells)


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 avec BOM"), (b"\xff\xfe", "utf-16", "UTF-16 (BOM)"),
         (b"\xfe\xff", "utf-16", "UTF-16 (BOM)"))
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label, notes
            except UnicodeDecodeError as e:
                raise ImportFileError(f"Fichier illisible : il commence comme un texte {label} mais n'en est pas un "
                                      f"(octet {e.start}).") from None
    if b"\x00" in data[:65536]:
        raise ImportFileError("Fichier binaire : ce n'est ni un CSV, ni un classeur XLSX, ni un GeoJSON. "
                              "Enregistrez la liste en CSV (séparateur « ; ») ou en XLSX.")
    try:
        text, label = data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        try:
            text, label = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text, label = data.decode("latin-1"), "Latin-1 (ISO-8859-1)"
    if label == "UTF-8" and _MOJIBAKE.search(text):
        try:
            fixed = text.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            fixed = None
        if fixed is not None:
            notes.append("Accents réparés : le fichier avait été converti deux fois (UTF-8 relu comme Windows-1252, "
                         "« Ã© » pour « é »).")
            text, label = fixed, "UTF-8 (doublement encodé, réparé)"
    controls = sum(1 for c in text[:65536] if ord(c) < 32 and c not in "\t\r\n")
    if controls > max(3, len(text[:65536]) // 200):
        raise ImportFileError("Fichier binaire ou corrompu : trop de caractères de contrôle pour un texte. "
                              "Enregistrez la liste en CSV (séparateur « ; ») ou en XLSX.")
    return text, label, notes


_DELIMS = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}


def _csv_records(text: str, delim: str, limit: int | None = None,
                 max_cells: int | None = None) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar='"', strict=False)
    out: list[tuple[int, list[str]]] = []
    prev = 0
    cells = 0
    try:
        for rec in reader:
            out.append((prev + 1, rec))
            prev = reader.line_num
            cells += len(rec)
            if max_cells is not None and cells > max_cells:
                raise ImportFileError(too_many("cellules", max_cells))
            if limit is not None and len(out) >= limit:
                break
    except csv.Error as e:
        if "field limit" in str(e):
            raise ImportFileError(
                f"Cellule de plus de {fr_int(csv.field_size_limit())} caractères à partir de la ligne {prev + 1} : "
                "un guillemet « \" » ouvert n'est sans doute jamais fermé, et la suite du fichier est lue comme "
                "une seule cellule. Vérifiez les guillemets de cette ligne.") from None
        raise ImportFileError(f"CSV illisible à la ligne {prev + 1} : {e}. Vérifiez les guillemets.") from None
    return out


def _find_header(records: list[tuple[int, list[object]]], geo: bool = False):
    """First row (among the first _HEADER_SEARCH_ROWS non-empty ones) with the required columns."""
    seen = 0
    first: tuple[int, list[str]] | None = None
    for idx, (line, cells) in enumerate(records):
        if _is_empty(cells):
            continue
        headers = [clean_cell(c) for c in cells]
        if first is None:
            first = (line, headers)
        chosen, notes = detect_columns(headers)
        if not _missing_fields(chosen, geo):
            return idx, headers, chosen, notes
        seen += 1
        if seen >= _HEADER_SEARCH_ROWS:
            break
    return None, first, None, None


def _read_csv(data: bytes, name: str, limits: ImportLimits) -> Table:
    text, encoding, notes = _decode(data)
    if not text.strip():
        raise ImportFileError("Fichier vide : aucune ligne à importer.")
    if text.count("\n") + (not text.endswith("\n")) > limits.max_rows:
        raise ImportFileError(too_many("lignes", limits.max_rows))
    head = text[:20000]
    first_line = next((ln for ln in head.splitlines() if ln.strip()), "")
    order = sorted(_DELIMS, key=lambda d: -first_line.count(d))
    failures = None
    for delim in order:
        sample = _csv_records(text[:200000], delim, limit=_HEADER_SEARCH_ROWS * 2)
        idx, headers, chosen, hnotes = _find_header(sample)
        if idx is None:
            if failures is None:
                failures = headers
            continue
        records = _csv_records(text, delim, max_cells=limits.max_cells)
        header_line = records[idx][0]
        pre = [(ln, c) for ln, c in records[:idx] if not _is_empty(c)]
        rows = records[idx + 1:]
        rows, trailing = _strip_trailing_empty(rows)
        width = len(headers)
        if width < 2 and len(chosen) < 2:
            continue
        return Table("csv", header_line, headers, rows, chosen, encoding=encoding, delimiter=delim,
                     pre_header=pre, notes=notes + hnotes, trailing_empty=trailing)
    line, headers = failures or (1, [])
    missing = ["cpts", "commune"]
    if headers:
        chosen, _ = detect_columns(headers)
        missing = _missing_fields(chosen) or missing
    raise ImportFileError(_missing_message(missing, headers, f"ligne {line}, encodage {encoding}"))


def _strip_trailing_empty(rows):
    n = len(rows)
    while n and _is_empty(rows[n - 1][1]):
        n -= 1
    return rows[:n], len(rows) - n


def _read_xlsx(data: bytes, name: str, limits: ImportLimits) -> Table:
    import openpyxl  # noqa: PLC0415 - heavy, only for XLSX
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            if "xl/workbook.xml" not in names:
                raise ImportFileError("Archive ZIP qui n'est pas un classeur XLSX : enregistrez la liste en XLSX ou en CSV.")
            if sum(i.file_size for i in z.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise ImportFileError("Classeur XLSX trop volumineux une fois décompressé : exportez la liste en CSV.")
            counts = scan_xlsx(z, limits)
    except zipfile.BadZipFile:
        raise ImportFileError("Classeur XLSX endommagé (archive ZIP illisible).") from None
    # openpyxl's full mode keeps an object per cell: only for small sheets (merged cells known)
    full = len(data) < _XLSX_FULL_MODE_LIMIT and counts.cells + counts.rows <= _XLSX_FULL_MODE_CELLS
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=not full, data_only=True)
    except Exception as e:  # openpyxl raises many types on broken files
        raise ImportFileError(f"Classeur XLSX illisible ({type(e).__name__}).") from None
    first_failure = None
    try:
        for ws in wb.worksheets:
            if not full:
                ws.reset_dimensions()
            records: list[tuple[int, list[object]]] = []
            for i, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
                records.append((i, list(row)))
            notes: list[str] = []
            if full and ws.merged_cells.ranges:
                filled = 0
                for rng in ws.merged_cells.ranges:
                    top = ws.cell(rng.min_row, rng.min_col).value
                    for r in range(rng.min_row, rng.max_row + 1):
                        for c in range(rng.min_col, rng.max_col + 1):
                            if (r, c) != (rng.min_row, rng.min_col) and r - 1 < len(records):
                                cells = records[r - 1][1]
                                while len(cells) < c:
                                    cells.append(None)
                                cells[c - 1] = top
                                filled += 1
                if filled:
                    notes.append(f"{filled} cellule(s) fusionnée(s) remplie(s) avec la valeur de leur première cellule.")
            idx, headers, chosen, hnotes = _find_header(records)
            if idx is None:
                if first_failure is None and headers:
                    first_failure = (ws.title, headers)
                continue
            rows, trailing = _strip_trailing_empty(records[idx + 1:])
            pre = [(ln, c) for ln, c in records[:idx] if not _is_empty(c)]
            if len(wb.worksheets) > 1:
                notes.append(f"Feuille lue : « {ws.title} » (le classeur en compte {len(wb.worksheets)}).")
            return Table("xlsx", records[idx][0], headers, rows, chosen, sheet=ws.title, pre_header=pre,
                         notes=notes + hnotes, trailing_empty=trailing)
    finally:
        wb.close()
    if first_failure is None:
        raise ImportFileError("Classeur vide : aucune ligne à importer.")
    title, (line, headers) = first_failure
    chosen, _ = detect_columns(headers)
    raise ImportFileError(_missing_message(_missing_fields(chosen) or ["cpts", "commune"], headers,
                                           f"feuille « {title} », ligne {line}"))


_L93_BOUNDS = (-400_000, 5_900_000, 1_400_000, 7_300_000)


def _read_geojson(data: bytes, name: str, limits: ImportLimits) -> Table:
    from shapely.geometry import shape  # noqa: PLC0415
    text, encoding, notes = _decode(data)
    if json_depth_exceeds(text.encode("utf-8"), limits.max_depth):
        raise ImportFileError(f"Le GeoJSON imbrique plus de {limits.max_depth} niveaux de crochets ou d'accolades ; "
                              f"la limite est {limits.max_depth} (un GeoJSON réel en compte moins de 10).")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ImportFileError(f"GeoJSON illisible : JSON invalide ligne {e.lineno}, colonne {e.colno} ({e.msg}).") from None
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features")
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        feats = [doc]
    elif isinstance(doc, list):
        feats = doc
    else:
        raise ImportFileError("Ce JSON n'est pas un GeoJSON (« FeatureCollection » ou « Feature » attendu).")
    if not isinstance(feats, list) or not feats:
        raise ImportFileError("GeoJSON vide : aucune entité (feature) à importer.")
    if len(feats) > limits.max_rows:
        raise ImportFileError(too_many("entités (features)", limits.max_rows))
    crs = None
    if isinstance(doc, dict):
        crs_name = json.dumps(doc.get("crs") or "")
        m = re.search(r"EPSG[:]{1,2}(\d+)", crs_name)
        if m:
            crs = int(m.group(1))
    keys: list[str] = []
    for f in feats:
        props = f.get("properties") if isinstance(f, dict) else None
        if isinstance(props, dict):
            for k in props:
                if k not in keys:
                    keys.append(str(k))
    if len(keys) * len(feats) > limits.max_cells:
        raise ImportFileError(too_many("cellules (entités × propriétés)", limits.max_cells))
    chosen, hnotes = detect_columns(keys, GEOJSON_NAME_SYNONYMS)
    if _missing_fields(chosen, geo=True):
        raise ImportFileError(_missing_message(["cpts"], keys, "propriétés des entités", geo=True))
    rows: list[tuple[int, list[object]]] = []
    features: list[dict] = []
    geoms = []
    for i, f in enumerate(feats, start=1):
        props = f.get("properties") if isinstance(f, dict) and isinstance(f.get("properties"), dict) else {}
        rows.append((i, [props.get(k) for k in keys]))
        g = None
        err = None
        raw = f.get("geometry") if isinstance(f, dict) else None
        if raw:
            try:
                g = shape(raw)
            except Exception as e:  # shapely raises GeometryTypeError, ValueError, KeyError…
                err = f"géométrie illisible ({type(e).__name__})"
        features.append({"geometry": g, "error": err})
        geoms.append(g)
    valid = [g for g in geoms if g is not None and not g.is_empty]
    if valid:
        minx, miny, maxx, maxy = shapely.total_bounds(valid)
        metric = crs == 2154 or (crs in (None, 4326) and (abs(minx) > 180 or abs(maxy) > 90))
        if crs not in (None, 4326, 2154, 4171):
            raise ImportFileError(f"Projection EPSG:{crs} non prise en charge : exportez le GeoJSON en WGS 84 (EPSG:4326) "
                                  "ou en Lambert-93 (EPSG:2154).")
        if metric:
            x0, y0, x1, y1 = _L93_BOUNDS
            if not (x0 <= minx and maxx <= x1 and y0 <= miny and maxy <= y1):
                raise ImportFileError("Coordonnées ni en degrés (WGS 84) ni en Lambert-93 : exportez le GeoJSON en WGS 84.")
            from pyproj import Transformer  # noqa: PLC0415
            tr = Transformer.from_crs(2154, 4326, always_xy=True)
            for feat in features:
                if feat["geometry"] is not None:
                    feat["geometry"] = shapely.transform(feat["geometry"], lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
            notes.append("Coordonnées en Lambert-93 (EPSG:2154) converties en WGS 84.")
    return Table("geojson", 0, keys, rows, chosen, encoding=encoding, notes=notes + hnotes, features=features)


def read_table(data: bytes, name: str = "", limits: ImportLimits | None = None) -> Table:
    """Read a listing (bytes) into a Table; raise ImportFileError (French) when unusable.
    Sizes are checked before parsing (``limits``, default: the settings of limits.py)."""
    limits = limits or _limits.LIMITS
    if data is None or len(data) == 0:
        raise ImportFileError("Fichier vide : aucune ligne à importer.")
    if len(data) > limits.max_bytes:
        size = mega(len(data))
        size = f"pèse {size}" if size != mega(limits.max_bytes) else f"dépasse {size}"
        raise ImportFileError(f"Le fichier {size} ; la limite est {mega(limits.max_bytes)}. Découpez la liste "
                              "(par exemple une par département) ou enregistrez-la en CSV.")
    ext = Path(name).suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, name, limits)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("Classeur Excel 97-2003 (.xls) non pris en charge : enregistrez-le en .xlsx ou en CSV.")
    if data.startswith(b"%PDF"):
        raise ImportFileError("Fichier PDF : la liste doit être un tableau (CSV ou XLSX) ou un GeoJSON.")
    if ext == ".xlsx":
        raise ImportFileError("Ce fichier porte l'extension .xlsx mais n'est pas un classeur Excel valide.")
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if ext in (".geojson", ".json") or stripped.startswith((b"{", b"[")):
        if stripped.startswith((b"{", b"[")):
            return _read_geojson(data, name, limits)
        if ext in (".geojson", ".json"):
            raise ImportFileError("Ce fichier porte l'extension GeoJSON mais ne contient pas de JSON.")
    return _read_csv(data, name, limits)


# --------------------------------------------------------------------------- values


@functools.lru_cache(maxsize=65536)
def cpts_key(name: object) -> str:
    """Key of a CPTS name: « CPTS du Pays de Vitré » == « Communauté professionnelle territoriale
    de santé Pays de Vitre » == « pays de vitré » -> "pays vitre"."""
    s = normalize_name(_s(name))
    s = re.sub(r"\bcommunaute professionnelle territoriale de sante\b", " ", s)
    words = [w for w in s.split() if w not in _STOP and w not in {"cpts", "projet", "la"}]
    return " ".join(words)


def slugify(name: str) -> str:
    key = cpts_key(re.sub(r"<[^>]*>", " ", name))  # « CPTS <b>X</b> » -> "x", not "b-x-b"
    return re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:60].strip("-")


def status_step(text: str) -> str | None:
    """A status as typed -> a lifecycle step, only when the text names it unambiguously."""
    k = _fold(text)
    if not k:
        return None
    if re.search(r"\baci\b|\bsigne|\bcontrat|\bcontractualis", k):
        return "aci_signe"
    if "projet de sante" in k and "valid" in k:
        return "projet_sante_valide"
    if "lettre" in k and "intention" in k:
        return "lettre_intention_validee"
    return None


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{1,2})[/.-](\d{4})$"), ("m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), ("y", "m")),
    (re.compile(r"^(\d{4})$"), ("y",)),
)


def parse_date(value: object) -> str | None:
    """Date cell -> ISO with its precision ("2022-09-29", "2023-09", "2021"); None if unreadable."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    s = clean_cell(value)
    for rx, parts in _DATE_PATTERNS:
        m = rx.match(s)
        if not m:
            continue
        got = dict(zip(parts, (int(x) for x in m.groups())))
        y, mo, d = got.get("y"), got.get("m"), got.get("d")
        if not 1900 <= y <= 2100:
            return None
        try:
            if d is not None:
                return dt.date(y, mo, d).isoformat()
        except ValueError:
            return None
        if mo is not None:
            return f"{y:04d}-{mo:02d}" if 1 <= mo <= 12 else None
        return f"{y:04d}"
    return None


def _dep_parser(communes: pd.DataFrame):
    names = {}
    if "departement_nom" in communes.columns:
        for code, nom in communes[["departement", "departement_nom"]].drop_duplicates().itertuples(index=False):
            names[_fold(nom)] = code
    codes = set(communes["departement"])

    def parse(value: object) -> str | None:
        s = clean_cell(value)
        if not s:
            return None
        m = re.match(r"^\s*(\d{1,3}|2[AaBb])\b", s)
        if m:
            c = m.group(1).upper()
            c = c.zfill(2) if c.isdigit() and len(c) < 2 else c
            return c
        return names.get(_fold(s))

    return parse, codes


# --------------------------------------------------------------------------- results


@dataclass
class ImportProblem:
    line: int
    value: str
    message: str
    suggestions: list[dict] = field(default_factory=list)
    kind: str = ""            # nom_inconnu, homonyme, ligne_vide, doublon, chevauchement, ancien_nom, …
    blocking: bool = False    # True: the row is not used and must be fixed before publishing

    def to_json(self) -> dict:
        return {"line": self.line, "value": self.value, "message": self.message, "suggestions": self.suggestions}


#: Row statuses (page Importer table).
STATUS_LABELS = {
    "resolue": "résolue",
    "corrigee": "corrigée",
    "ancien_nom": "ancien nom",
    "choisie": "choisie à la main",
    "doublon": "doublon",
    "cpts_seule": "CPTS sans commune",
    "non_resolue": "non résolue",
    "ambigue": "homonyme à préciser",
    "conflit": "nom et code en conflit",
    "sans_cpts": "CPTS manquante",
    "cpts_a_preciser": "CPTS à préciser",
    "vide": "ligne vide",
    "ignoree": "ignorée",
    "avant_entete": "avant l'en-tête",
    "sans_geometrie": "sans polygone",
}
USED_STATUSES = frozenset({"resolue", "corrigee", "ancien_nom", "choisie", "cpts_seule"})
BLOCKING_STATUSES = frozenset({"non_resolue", "ambigue", "conflit", "sans_cpts", "cpts_a_preciser"})


@dataclass
class RowResult:
    line: int
    cpts: str          # as written
    commune: str       # as written
    code_saisi: str    # INSEE code as written
    departement: str
    status: str
    code: str | None = None
    nom: str | None = None    # official name of the resolved commune
    message: str = ""
    suggestions: list[dict] = field(default_factory=list)
    group: str | None = None  # territory key
    method: str = ""

    @property
    def used(self) -> bool:
        return self.status in USED_STATUSES


@dataclass
class ImportedTerritory:
    key: str
    nom: str                       # as written in the file (first spelling)
    id: str                        # registry id (existing) or the id to create
    nouvelle: bool
    lines: list[int] = field(default_factory=list)
    communes: list[str] = field(default_factory=list)   # names as written (official name when only a code)
    codes: list[str] = field(default_factory=list)      # parallel to communes
    statut: str = ""               # as written
    etape: str | None = None
    date_signature: str | None = None
    polygon: Any = None            # shapely geometry (GeoJSON imports)
    current: list[str] | None = None  # codes in the registry today (None: new CPTS)
    registry_nom: str | None = None
    blocking: int = 0              # blocking rows of this CPTS
    declared: bool = False         # listed without commune on purpose (row without commune, feature without polygon)

    @property
    def departements(self) -> list[str]:
        return sorted({_dep_of(c) for c in self.codes})

    @property
    def added(self) -> list[str]:
        return sorted(set(self.codes) - set(self.current or []))

    @property
    def removed(self) -> list[str]:
        return sorted(set(self.current or []) - set(self.codes))

    @property
    def changed(self) -> bool:
        """True when publishing writes this CPTS (new, or a different set of communes)."""
        if self.nouvelle:  # created if it has communes, or if the file lists it without perimeter on purpose
            return bool(self.codes) or self.declared
        return bool(self.codes) and set(self.codes) != set(self.current or [])

    def to_json(self) -> dict:
        return {
            "nom": self.nom,
            "communes": list(self.codes),
            "id": self.id,
            "nouvelle": self.nouvelle,
            "nom_registre": self.registry_nom,
            "noms": list(self.communes),
            "departements": self.departements,
            "statut": self.statut or None,
            "date_signature": self.date_signature,
            "lignes": _ranges(self.lines),
            "ajoutees": self.added if not self.nouvelle else list(self.codes),
            "retirees": self.removed if not self.nouvelle else [],
            "modifiee": self.changed,
            "polygone": self.polygon is not None,
        }


def _dep_of(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def _ranges(lines: list[int]) -> str:
    """[2, 3, 4, 7] -> "2-4, 7"."""
    out = []
    for n in sorted(set(lines)):
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in out)


@dataclass
class ImportResult:
    fichier: str
    format: str
    columns: dict[str, ColumnChoice]
    rows: list[RowResult]
    territories: list[ImportedTerritory]
    problems: list[ImportProblem]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_line: int = 1
    ignored_headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trailing_empty: int = 0

    @property
    def blocking(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.blocking]

    @property
    def changes(self) -> list[ImportedTerritory]:
        return [t for t in self.territories if t.changed]

    def columns_text(self) -> str:
        parts = [f"{FIELD_LABELS[f]} ← « {c.header} »" for f, c in sorted(self.columns.items(), key=lambda x: x[1].index)]
        return "Colonnes utilisées : " + "; ".join(parts) + "."

    def summary(self) -> dict:
        counts = Counter(r.status for r in self.rows)
        kinds = Counter(p.kind for p in self.problems)
        s = {
            "fichier": self.fichier,
            "format": self.format,
            "encodage": self.encoding,
            "separateur": _DELIMS.get(self.delimiter) if self.delimiter else None,
            "feuille": self.sheet,
            "ligne_entete": self.header_line if self.format != "geojson" else None,
            "colonnes": {f: c.header for f, c in self.columns.items()},
            "colonnes_regles": {f: c.rule for f, c in self.columns.items()},
            "colonnes_ignorees": self.ignored_headers,
            "lignes": len(self.rows),
            "lignes_utilisees": sum(1 for r in self.rows if r.used),
            "lignes_non_utilisees": sum(1 for r in self.rows if not r.used),
            "lignes_bloquantes": sorted({p.line for p in self.blocking}),
            "statuts": dict(sorted(counts.items())),
            "problemes": dict(sorted(kinds.items())),
            "cpts": len(self.territories),
            "cpts_nouvelles": sum(1 for t in self.territories if t.nouvelle and t.changed),
            "cpts_modifiees": sum(1 for t in self.territories if t.changed and not t.nouvelle),
            "cpts_inchangees": sum(1 for t in self.territories if not t.changed),
            "communes": len({c for t in self.territories for c in t.codes}),
            "publiable": not self.blocking and bool(self.changes),
            "notes": self.notes,
        }
        if self.trailing_empty:
            s["lignes_vides_finales"] = self.trailing_empty
        if self.format == "geojson":
            s["numerotation"] = ("Les numéros de ligne d'un GeoJSON sont les numéros d'entité (feature) : "
                                 "1 = première entité du fichier.")
        else:
            s["numerotation"] = ("Numéros de ligne du fichier (l'en-tête est la ligne "
                                 f"{self.header_line}{' de la feuille' if self.format == 'xlsx' else ''}).")
        return s

    def to_json(self) -> dict:
        return {
            "territories": [t.to_json() for t in self.territories],
            "problems": [p.to_json() for p in sorted(self.problems, key=lambda p: (p.line, p.kind))],
            "summary": self.summary(),
        }


# --------------------------------------------------------------------------- registry side


def registry_codes(registry, communes: pd.DataFrame, matcher: Matcher) -> dict[str, list[str]]:
    """Current INSEE codes of every CPTS of the registry (what the map shows today)."""
    from ..territories import build_territories  # noqa: PLC0415 - avoids a cycle at import time
    return {t.id: list(t.codes) for t in build_territories(registry, communes, matcher)}


# --------------------------------------------------------------------------- analysis


def _cand(c) -> dict:
    return {"code": c.code, "nom": c.nom, "departement": c.departement}


class _Resolver:
    def __init__(self, matcher: Matcher):
        self.matcher = matcher
        self.cache: dict[tuple[str, frozenset | None], Resolution] = {}

    def __call__(self, value: str, deps: Iterable[str] | None) -> Resolution:
        key = (value, frozenset(deps) if deps else None)
        r = self.cache.get(key)
        if r is None:
            r = self.cache[key] = self.matcher.resolve(value, departements=key[1])
        return r


def analyze(
    data: bytes,
    filename: str,
    communes: pd.DataFrame,
    matcher: Matcher,
    registry=None,
    current_codes: Mapping[str, list[str]] | None = None,
    fixes: Mapping[int, str] | None = None,
    cpts_fixes: Mapping[str, str] | None = None,
    table: Table | None = None,
    limits: ImportLimits | None = None,
) -> ImportResult:
    """Read and resolve a listing. Never writes anything.

    ``registry``/``current_codes``: the registry to compare with (``registry_codes``); without it
    every CPTS is new. ``fixes``: {line: INSEE code or IGNORE} chosen by the user;
    ``cpts_fixes``: {CPTS name as written: registry id or NEW_CPTS}.
    Raises ImportFileError when the file is unusable."""
    limits = limits or _limits.LIMITS
    table = table or read_table(data, filename, limits)
    _check_cpts_count(table, limits)
    fixes = dict(fixes or {})
    cpts_fixes = dict(cpts_fixes or {})
    current_codes = dict(current_codes or {})
    resolve = _Resolver(matcher)
    norm = functools.lru_cache(maxsize=None)(normalize_name)
    parse_dep, known_deps = _dep_parser(communes)
    names = dict(zip(communes["code"], communes["nom"]))
    problems: list[ImportProblem] = []
    rows: list[RowResult] = []

    def col(cells: list[object], f: str) -> str:
        c = table.columns.get(f)
        if c is None or c.index >= len(cells):
            return ""
        return clean_cell(cells[c.index])

    for line, cells in table.pre_header:
        text = " | ".join(clean_cell(c) for c in cells if clean_cell(c))
        rows.append(RowResult(line, "", "", "", "", "avant_entete", message="Ligne avant l'en-tête, ignorée."))
        problems.append(ImportProblem(line, text, f"Ligne avant l'en-tête (ligne {table.header_line}), ignorée.",
                                      kind="avant_entete"))

    # ---- CPTS of the registry, by key
    reg_by_key: dict[str, list] = defaultdict(list)
    reg_by_id: dict[str, Any] = {}
    if registry is not None:
        for c in registry.cpts:
            reg_by_key[cpts_key(c.nom)].append(c)
            reg_by_id[c.id] = c

    # ---- pass 1: read rows, resolve with the row's own département
    raw_rows: list[tuple[RowResult, dict]] = []
    geo = table.format == "geojson"
    reps = None
    if geo:
        reps = _representative_points(communes)
    last_cpts = ""
    for line, cells in table.rows:
        cpts_name = col(cells, "cpts")
        cpts_id = col(cells, "cpts_id")
        if cpts_name or cpts_id:
            last_cpts = cpts_name or cpts_id
        commune = col(cells, "commune")
        code = col(cells, "insee").lstrip("'")
        dep_txt = col(cells, "departement")
        row = RowResult(line, cpts_name or cpts_id, commune, code, dep_txt, "resolue")
        extra = {"cpts_id": cpts_id, "statut": col(cells, "statut"), "date": cells[table.columns["date_signature"].index]
                 if "date_signature" in table.columns and table.columns["date_signature"].index < len(cells) else None}
        if geo and not cpts_name and not cpts_id:
            row.status = "sans_cpts"
            row.message = "Entité sans nom de CPTS : son polygone ne peut être attribué."
            problems.append(ImportProblem(line, "", row.message, kind="cpts_manquante", blocking=True))
            rows.append(row)
            continue
        if _is_empty(cells):
            row.status = "vide"
            row.message = "Ligne vide."
            problems.append(ImportProblem(line, "", "Ligne vide, ignorée.", kind="ligne_vide"))
            rows.append(row)
            continue
        if not cpts_name and not cpts_id:
            row.status = "sans_cpts"
            hint = (f" (la ligne précédente porte « {last_cpts} » : cellule fusionnée ou nom à recopier ?)"
                    if last_cpts else "")
            row.message = "Nom de CPTS vide" + hint + "."
            problems.append(ImportProblem(line, commune or code, row.message, kind="cpts_manquante", blocking=True))
            rows.append(row)
            continue
        dep = parse_dep(dep_txt) if dep_txt else None
        if dep_txt and (dep is None or dep not in known_deps):
            problems.append(ImportProblem(line, dep_txt, f"Département « {dep_txt} » non reconnu : ignoré pour cette ligne.",
                                          kind="departement_inconnu"))
            dep = None
        extra["dep"] = dep
        if geo:
            feat = table.features[line - 1]
            g = feat["geometry"]
            if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
                why = feat["error"] or ("pas de géométrie" if g is None or g.is_empty else f"géométrie {g.geom_type}, pas un polygone")
                row.status = "sans_geometrie"
                row.message = f"Entité sans polygone exploitable ({why}) : la CPTS est listée sans périmètre."
                problems.append(ImportProblem(line, row.cpts, row.message, kind="sans_polygone"))
                extra["polygon"] = None
            else:
                if not g.is_valid:
                    g = shapely.make_valid(g)
                extra["polygon"] = g
            raw_rows.append((row, extra))
            continue
        if not commune and not code:
            row.status = "cpts_seule"
            row.message = "CPTS listée sans commune."
            raw_rows.append((row, extra))
            continue
        if line in fixes:
            _apply_fix(row, fixes[line], names)
            raw_rows.append((row, extra))
            continue
        _resolve_row(row, commune, code, dep, resolve, matcher)
        raw_rows.append((row, extra))

    # ---- group rows by CPTS
    groups: dict[str, list[tuple[RowResult, dict]]] = {}
    spelled: dict[str, str] = {}
    group_id: dict[str, str | None] = {}
    for row, extra in raw_rows:
        cid = extra["cpts_id"]
        written = row.cpts
        fixed = cpts_fixes.get(cpts_key(written)) if written else None
        if fixed and fixed != NEW_CPTS and fixed in reg_by_id:
            key, rid = f"id:{fixed}", fixed
        elif cid and cid in reg_by_id and not fixed:
            key, rid = f"id:{cid}", cid
        else:
            k = cpts_key(written) if (written and written != cid) else (cid or "")
            hits = reg_by_key.get(k, []) if fixed != NEW_CPTS else []
            if len(hits) == 1:
                key, rid = f"id:{hits[0].id}", hits[0].id
            else:
                key, rid = f"new:{k or written}", None
        row.group = key
        groups.setdefault(key, []).append((row, extra))
        spelled.setdefault(key, written)
        group_id.setdefault(key, rid)
        if not extra.get("id_hint") and cid and rid is None:
            extra["id_hint"] = cid

    # ---- pass 2: settle homonyms / typos with the départements of the other communes of the CPTS
    for key, members in groups.items():
        deps = {r.code and _dep_of(r.code) for r, _ in members if r.used and r.code}
        deps.discard(None)
        if not deps:
            continue
        for row, extra in members:
            if row.status not in ("non_resolue", "ambigue") or extra.get("dep") or not row.commune:
                continue
            r = resolve(row.commune, deps)
            if r.ok:
                before = row.message
                _set_resolved(row, r)
                if row.status == "resolue":
                    row.status, row.method = "corrigee", "homonyme_cpts"
                row.message = (f"{r.message} (départements {', '.join(sorted(deps))} déduits des autres communes "
                               f"de la CPTS ; sans eux : {before})")
            elif r.candidates:
                row.suggestions = [_cand(c) for c in r.candidates]

    # ---- problems for each row
    for key, members in groups.items():
        for row, extra in members:
            _row_problem(row, problems)

    # ---- territories
    territories: list[ImportedTerritory] = []
    taken_ids = set(reg_by_id)
    for key, members in groups.items():
        rid = group_id[key]
        written = spelled[key]
        t = ImportedTerritory(key=key, nom=written, id=rid or "", nouvelle=rid is None)
        if rid is not None:
            t.current = list(current_codes.get(rid, []))
            t.registry_nom = reg_by_id[rid].nom
        else:
            hint = next((e["id_hint"] for _, e in members if e.get("id_hint")), "")
            base = hint if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", hint or "") else (slugify(written) or "cpts-importee")
            new_id, n = base, 2
            while new_id in taken_ids:
                new_id, n = f"{base}-{n}", n + 1
            taken_ids.add(new_id)
            t.id = new_id
        seen_codes: dict[str, RowResult] = {}
        polys = []
        for row, extra in members:
            t.lines.append(row.line)
            if extra.get("statut") and not t.statut:
                t.statut = extra["statut"]
            if extra.get("date") not in (None, "") and t.date_signature is None:
                d = parse_date(extra["date"])
                if d is None:
                    problems.append(ImportProblem(row.line, clean_cell(extra["date"]),
                                                  f"Date de signature « {clean_cell(extra['date'])} » illisible (attendu JJ/MM/AAAA) : ignorée.",
                                                  kind="date_illisible"))
                t.date_signature = d
            if geo and extra.get("polygon") is not None:
                polys.append((row, extra["polygon"]))
                continue
            if not row.used or not row.code:
                continue
            if row.code in seen_codes:
                first_row = seen_codes[row.code]
                first = first_row.line
                same_name = norm(first_row.commune) == norm(row.commune)
                why = ("" if same_name or not row.commune or not first_row.commune else
                       f" (« {first_row.commune} » et « {row.commune} » désignent aujourd'hui la même commune)")
                row.status = "doublon"
                row.message = f"Doublon : {names.get(row.code, row.code)} ({row.code}) déjà listée ligne {first} pour cette CPTS{why}."
                problems.append(ImportProblem(row.line, row.commune or row.code_saisi, row.message, kind="doublon"))
                continue
            seen_codes[row.code] = row
            t.communes.append(row.commune or names.get(row.code, row.code))
            t.codes.append(row.code)
        if geo and polys:
            _attach_polygons(t, polys, reps, names, problems)
        t.etape = status_step(t.statut)
        t.declared = any(r.status in ("cpts_seule", "sans_geometrie") for r, _ in members)
        t.blocking = sum(1 for r, _ in members if r.status in BLOCKING_STATUSES)
        territories.append(t)

    _similar_cpts(territories, groups, registry, cpts_fixes, problems, rows_by_line={r.line: r for r, _ in raw_rows})
    _overlaps(territories, groups, current_codes, reg_by_id, names, problems, geo)

    for row, _ in raw_rows:
        rows.append(row)
    rows.sort(key=lambda r: r.line)
    territories.sort(key=lambda t: t.lines[0] if t.lines else 0)
    return ImportResult(
        fichier=filename, format=table.format, columns=table.columns, rows=rows, territories=territories,
        problems=problems, encoding=table.encoding, delimiter=table.delimiter, sheet=table.sheet,
        header_line=table.header_line, ignored_headers=_ignored(table), notes=list(table.notes),
        trailing_empty=table.trailing_empty,
    )


def _check_cpts_count(table: Table, limits: ImportLimits) -> None:
    """Refuse a file naming more distinct CPTS than the limit (before any resolution)."""
    idx = [c.index for f, c in table.columns.items() if f in ("cpts", "cpts_id")]
    seen: set[str] = set()
    for _, cells in table.rows:
        for i in idx:
            if i < len(cells):
                v = clean_cell(cells[i])
                if v:
                    seen.add(v)
                    break
        if len(seen) > limits.max_cpts:
            raise ImportFileError(too_many("CPTS différentes", limits.max_cpts))


def _ignored(table: Table) -> list[str]:
    used = {c.index for c in table.columns.values()}
    return [h for i, h in enumerate(table.headers) if i not in used and h]


def _set_resolved(row: RowResult, r: Resolution) -> None:
    row.code, row.nom, row.method = r.code, r.nom, r.method
    row.message = r.message
    row.suggestions = [_cand(c) for c in r.candidates]
    if r.method == "fuzzy":
        row.status = "corrigee"
    elif r.method in ("ancien_nom", "ancien_code"):
        row.status = "ancien_nom"
    else:
        row.status = "resolue"


def _set_failed(row: RowResult, r: Resolution, message: str | None = None) -> None:
    row.code = row.nom = None
    row.method = r.method
    row.status = "ambigue" if r.method == "ambigu" else "non_resolue"
    row.message = message or r.message
    row.suggestions = [_cand(c) for c in r.candidates]


def _apply_fix(row: RowResult, choice: str, names: Mapping[str, str]) -> None:
    if choice == IGNORE:
        row.status = "ignoree"
        row.message = "Ligne ignorée à la demande de l'utilisateur."
        return
    if choice in names:
        row.code, row.nom, row.method = choice, names[choice], "choix"
        row.status = "choisie"
        row.message = f"« {row.commune or row.code_saisi} » : {names[choice]} ({choice}), choisie à la main."
    else:
        row.status = "non_resolue"
        row.message = f"Code choisi « {choice} » inconnu du référentiel."


def _resolve_row(row: RowResult, commune: str, code: str, dep: str | None, resolve: _Resolver, matcher: Matcher) -> None:
    deps = [dep] if dep else None
    rc = resolve(code, None) if code else None
    rn = resolve(commune, deps) if commune else None
    if rc is not None and rc.ok:
        if rn is None or (rn.ok and rn.code == rc.code):
            _set_resolved(row, rn if (rn is not None and rn.method in ("ancien_nom", "fuzzy")) else rc)
            if rn is not None and rn.ok and rn.method == "fuzzy":
                # the code confirms the correction: nothing to report
                row.status, row.method = "resolue", "code_insee"
                row.message = f"{rc.message} (nom écrit « {commune} »)"
        elif rn.ok:
            row.status = "conflit"
            row.code = row.nom = None
            row.message = (f"Le code INSEE {code} désigne {rc.nom} ({rc.code}) mais le nom « {commune} » désigne "
                           f"{rn.nom} ({rn.code}) : choisissez.")
            row.suggestions = [{"code": rc.code, "nom": rc.nom, "departement": rc.departement},
                               {"code": rn.code, "nom": rn.nom, "departement": rn.departement}]
        elif rn.method == "ambigu" and rc.code not in {c.code for c in rn.candidates}:
            # « Saint-Armel » + 35230: the name is known (two homonyms), the code is another commune
            # (35230 = INSEE code of Poilley, postal code of Saint-Armel): the user decides.
            row.status = "conflit"
            row.code = row.nom = None
            row.message = (f"Le code INSEE {code} désigne {rc.nom} ({rc.code}), qui ne porte pas le nom « {commune} » "
                           f"({rn.message}) : code postal saisi à la place du code INSEE ? Choisissez.")
            row.suggestions = [_cand(c) for c in rn.candidates] + [
                {"code": rc.code, "nom": rc.nom, "departement": rc.departement}]
        else:
            _set_resolved(row, rc)
            if rc.code not in {c.code for c in rn.candidates}:
                row.status = "corrigee"
                row.method = "code_retenu"
                row.message = f"Nom « {commune} » non reconnu ({rn.message}) ; code INSEE retenu : {rc.nom} ({rc.code})."
        if dep and row.code and _dep_of(row.code) != dep and row.status != "conflit":
            row.message += f" Attention : département indiqué {dep}, la commune est dans le {_dep_of(row.code)}."
        return
    if rn is not None and rn.ok:
        _set_resolved(row, rn)
        if rc is not None:
            if row.status != "ancien_nom":
                row.status, row.method = "corrigee", "nom_retenu"
            row.message = f"{rn.message} Code « {code} » écarté : {rc.message}"
        return
    if rn is not None and rc is not None:
        # a postal code and an ambiguous name may settle each other
        both = {c.code for c in rn.candidates} & {c.code for c in rc.candidates}
        if len(both) == 1:
            c = both.pop()
            r = matcher.resolve(c)
            _set_resolved(row, r)
            row.status = "corrigee"
            row.method = "nom_et_code_postal"
            row.message = f"« {commune} » avec le code postal {code} : {r.nom} ({c})."
            return
        _set_failed(row, rn, f"{rn.message} Code « {code} » : {rc.message}")
        row.suggestions = [_cand(x) for x in rn.candidates] or [_cand(x) for x in rc.candidates]
        return
    _set_failed(row, rn or rc)


_CORRECTIONS = {  # method -> (problem kind, French label) for rows used after a correction
    "fuzzy": ("nom_corrige", "Nom corrigé"),
    "homonyme_cpts": ("homonyme_regle", "Homonyme réglé"),
    "nom_et_code_postal": ("homonyme_regle", "Homonyme réglé par le code postal"),
    "code_retenu": ("nom_non_reconnu", "Nom non reconnu, code INSEE retenu"),
    "nom_retenu": ("code_ecarte", "Code INSEE écarté"),
}
_KIND_OF = {"non_resolue": "nom_inconnu", "ambigue": "homonyme", "conflit": "conflit_nom_code"}


def _row_problem(row: RowResult, problems: list[ImportProblem]) -> None:
    value = row.commune or row.code_saisi
    if row.status in ("non_resolue", "ambigue", "conflit"):
        label = {"non_resolue": "Commune inconnue", "ambigue": "Homonyme à préciser",
                 "conflit": "Nom et code en conflit"}[row.status]
        problems.append(ImportProblem(row.line, value, f"{label} : {row.message}", row.suggestions,
                                      kind=_KIND_OF[row.status], blocking=True))
    elif row.status == "ancien_nom":
        problems.append(ImportProblem(row.line, value, f"Ancien nom (commune fusionnée) : {row.message}",
                                      kind="ancien_nom"))
    elif row.status == "corrigee":
        kind, label = _CORRECTIONS.get(row.method, ("nom_corrige", "Nom corrigé"))
        alts = [s for s in row.suggestions if s.get("code") != row.code]
        problems.append(ImportProblem(row.line, value, f"{label} : {row.message}", alts, kind=kind))
    elif row.status == "ignoree":
        problems.append(ImportProblem(row.line, value, row.message, kind="ignoree"))


def _representative_points(communes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pts = shapely.point_on_surface(np.asarray(communes.geometry.values))
    return shapely.get_x(pts), shapely.get_y(pts), communes["code"].to_numpy()


def _attach_polygons(t: ImportedTerritory, polys, reps, names, problems) -> None:
    xs, ys, codes = reps
    geoms = []
    for row, poly in polys:
        shapely.prepare(poly)
        inside = codes[shapely.contains_xy(poly, xs, ys)]
        geoms.append(poly)
        if len(inside) == 0:
            row.status = "non_resolue"
            row.message = ("Aucune commune du référentiel dans ce polygone (point représentatif) : "
                           "polygone hors de la zone couverte, ou mauvaise projection.")
            problems.append(ImportProblem(row.line, row.cpts, row.message, kind="polygone_vide", blocking=True))
            t.blocking += 1
            continue
        row.status = "resolue"
        row.method = "polygone"
        row.message = f"{len(inside)} commune(s) dont le point représentatif est dans le polygone."
        for c in sorted(inside):
            if c not in t.codes:
                t.codes.append(str(c))
                t.communes.append(names[c])
    t.polygon = shapely.union_all(geoms) if geoms else None


#: Name similarity above which a new CPTS is taken for a typo of another one.
_CPTS_CLOSE = 0.88
#: rapidfuzz prefilter: Indel similarity >= 0.79 keeps every pair that geo.matching.similarity can
#: score >= 0.88 (equal to Indel, except one adjacent swap in a key of length L >= 5, scored
#: 1 - 1/(2L) where Indel gives 1 - 1/L >= 0.8); the candidates are then scored with similarity().
_CPTS_PREFILTER = 0.79


def _similar_cpts(territories, groups, registry, cpts_fixes, problems, rows_by_line) -> None:
    """A new CPTS whose name is close to an existing one (or to another of the file, listed on more
    lines) is blocking: a typo would create a second CPTS.

    rapidfuzz (C, score cutoff) finds the candidates: linear in practice, where comparing every
    CPTS with every other in Python was quadratic (issue 12.5: 388 s for a 1 000 000-row CSV)."""
    from rapidfuzz import process  # noqa: PLC0415
    from rapidfuzz.distance import Indel  # noqa: PLC0415

    choices: list[tuple[str, str, str, int]] = []   # (key, id, name, lines: registry = unbounded)
    for c in (registry.cpts if registry is not None else []):
        choices.append((cpts_key(c.nom), c.id, c.nom, 1 << 62))
    for o in territories:
        choices.append((cpts_key(o.nom), o.id, o.nom, len(o.lines)))
    keys = [c[0] for c in choices]
    for t in territories:
        if not t.nouvelle or cpts_fixes.get(cpts_key(t.nom)) == NEW_CPTS:
            continue
        k = cpts_key(t.nom)
        if not k:
            continue
        hits = process.extract(k, keys, scorer=Indel.normalized_similarity, score_cutoff=_CPTS_PREFILTER,
                               limit=None, processor=None)
        close = sorted({(similarity(k, ok), choices[i][1], choices[i][2]) for ok, _, i in hits
                        if ok and ok != k and choices[i][3] > len(t.lines)}, reverse=True)
        close = [x for x in close if x[0] >= _CPTS_CLOSE]
        if not close:
            continue
        line = t.lines[0]
        sugg = [{"id": oid, "nom": onom} for _, oid, onom in close[:3]]
        problems.append(ImportProblem(
            line, t.nom,
            f"CPTS « {t.nom} » absente du registre mais proche de « {close[0][2]} » (lignes {_ranges(t.lines)}) : "
            "faute de frappe ? Corrigez le nom, ou confirmez qu'il s'agit d'une nouvelle CPTS.",
            sugg, kind="cpts_proche", blocking=True))
        t.blocking += 1
        for ln in t.lines:
            r = rows_by_line.get(ln)
            if r is not None and r.status in USED_STATUSES:
                r.message = f"{r.message} [CPTS à préciser : proche de « {close[0][2]} »]"


def _overlaps(territories, groups, current_codes, reg_by_id, names, problems, geo) -> None:
    """Communes in two CPTS of the file, or in a CPTS of the registry that the file leaves alone."""
    owner: dict[str, tuple[ImportedTerritory, int]] = {}
    line_of: dict[tuple[str, str], int] = {}
    for t in territories:
        members = groups[t.key]
        for row, extra in members:
            if row.used and row.code and not geo:
                line_of.setdefault((t.key, row.code), row.line)
        for c in t.codes:
            line_of.setdefault((t.key, c), t.lines[0] if t.lines else 0)
    in_file = {t.id for t in territories}
    reg_owners: dict[str, list[str]] = defaultdict(list)
    for cid, codes in current_codes.items():
        if cid not in in_file:
            for c in codes:
                reg_owners[c].append(cid)
    for t in territories:
        for c in t.codes:
            line = line_of[(t.key, c)]
            if c in owner and owner[c][0] is not t:
                other, oline = owner[c]
                problems.append(ImportProblem(
                    line, names.get(c, c),
                    f"Commune dans deux CPTS : {names.get(c, c)} ({c}) est aussi dans « {other.nom} » (ligne {oline}).",
                    kind="chevauchement"))
            else:
                owner.setdefault(c, (t, line))
            for cid in reg_owners.get(c, []):
                problems.append(ImportProblem(
                    line, names.get(c, c),
                    f"Commune dans deux CPTS : {names.get(c, c)} ({c}) est aussi dans « {reg_by_id[cid].nom} » "
                    "(registre, CPTS absente du fichier, inchangée).",
                    kind="chevauchement"))
