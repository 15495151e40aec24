"""Import a regional listing of CPTS perimeters (CSV, XLSX or GeoJSON) and resolve it against
the commune referential and the CPTS registry — without writing anything (geo/registry/store.py
publishes).

One concern per module: limits.py (bounds checked before parsing, settings), scan.py (cheap counts
of XLSX/JSON), decoding.py (bytes -> text), csv_reader.py / xlsx_reader.py / geojson_reader.py and
readers.py (read_table), table.py (the Table and its header row), columns.py (header synonyms),
values.py (cell text, CPTS keys, dates), rows.py (footers, placeholder names, « périmètre non
connu »), resolve.py (one row; real communes outside the territory), checks.py (whole-file checks),
results.py (rows, problems, territories = the diff with its removals, summary), analysis.py
(analyze), sandbox.py + worker.py (analyze in a limited child process, for the app), errors.py.

Pure Python (pandas/shapely/openpyxl, no Streamlit). Entry point::

    result = analyze(data, "cpts_2024.csv", communes, matcher, registry, current_codes)
    result.to_json()   # {"territories": [...], "problems": [...], "summary": {...}}

Formats (detected from the content first, the extension second):

- CSV / text: UTF-8, UTF-8 with BOM, UTF-16 with or without BOM (Excel « texte Unicode »),
  Windows-1252, Latin-1, CP850, Mac Roman, lines mixing UTF-8 and Windows-1252 (decoding.py);
  ``;``, ``,``, tab or ``|`` separated (the separator that makes the header readable wins).
  A UTF-8 file that was saved again as Windows-1252 (« VitrÃ© ») is repaired, and said so; an
  unclosed quote that swallows lines is blocking.
- XLSX (openpyxl): the first sheet whose header is readable; a list on another sheet is blocking
  (never lost behind a note); merged cells are filled from their top-left cell (small files);
  formulas give their cached values, never evaluated.
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
A CPTS of the registry that would lose communes is in ``ImportResult.destructive``: the CLI and the
page publish it only after an explicit confirmation. Sizes are bounded before parsing (limits.py).
"""

from __future__ import annotations

from .analysis import analyze, registry_codes
from .columns import (FIELD_LABELS, FIELDS, GEOJSON_NAME_SYNONYMS, LAYOUT, ColumnChoice, detect_columns,
                      header_key)
from .errors import ImportFileError
from .limits import LIMITS, ImportLimits
from .readers import MAX_BYTES, read_table
from .results import (BLOCKING_STATUSES, IGNORE, NEW_CPTS, STATUS_LABELS, USED_STATUSES, ImportedTerritory,
                      ImportProblem, ImportResult, RowResult)
from .table import Table
from .values import _ranges, clean_cell, cpts_key, parse_date, slugify, status_step

__all__ = [
    "FIELDS",
    "FIELD_LABELS",
    "GEOJSON_NAME_SYNONYMS",
    "MAX_BYTES",
    "LIMITS",
    "IGNORE",
    "NEW_CPTS",
    "STATUS_LABELS",
    "USED_STATUSES",
    "BLOCKING_STATUSES",
    "ImportFileError",
    "ImportLimits",
    "Table",
    "ColumnChoice",
    "ImportProblem",
    "RowResult",
    "ImportedTerritory",
    "ImportResult",
    "analyze",
    "read_table",
    "detect_columns",
    "header_key",
    "clean_cell",
    "cpts_key",
    "slugify",
    "status_step",
    "parse_date",
    "registry_codes",
    "LAYOUT",
    "_ranges",
]
