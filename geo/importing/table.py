"""The table read from a file (whatever its format) and the search of its header row.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .columns import ColumnChoice, detect_columns, _missing_fields
from .values import clean_cell, _is_empty


_HEADER_SEARCH_ROWS = 30


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
    repaired: dict[int, str] = field(default_factory=dict)  # CSV: line -> how its encoding was repaired
    broken: dict[int, str] = field(default_factory=dict)    # CSV: line -> why the record is unusable
    sheets: list[tuple[str, str, bool]] = field(default_factory=list)  # XLSX: (sheet not read, message, blocking)


_DELIMS = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}


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


def _strip_trailing_empty(rows):
    n = len(rows)
    while n and _is_empty(rows[n - 1][1]):
        n -= 1
    return rows[:n], len(rows) - n
