"""Reading a tracking table: every sheet of an XLSX (or the CSV) with its line numbers, merged cells
filled from their top-left cell, percentage-formatted cells remembered, and the header found — on one
row, or on two rows when a merged group cell stands over sub-headers (« Missions socle » over
« Accès aux soins », « Prévention »…). A workbook may hold a facts sheet and a commune list: the
commune list becomes a perimeter :class:`~geo.importing.table.Table`, resolved by the perimeter
import (analysis.py) exactly as a commune list imported alone.

The XLSX rows are read by the commune list's reader (xlsx_reader.load_sheets: sizes checked before
parsing with the perimeter import's limits, limits.py, scan.py); only the header rules are here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import limits as _limits
from .columns import _missing_fields
from .csv_reader import _csv_records
from .decoding import decode
from .errors import ImportFileError
from .facts_columns import FactColumn, detect_fact_columns, is_facts_header
from .limits import ImportLimits, mega, too_many
from ..registry.table_text import sniff_delimiter
from .table import Table, _strip_trailing_empty
from .values import _is_empty, clean_cell
from .xlsx_reader import Sheet, load_sheets

__all__ = ["FactsSheet", "Workbook", "read_workbook", "looks_like_facts"]

_HEADER_SEARCH = 30


@dataclass
class FactsSheet:
    title: str | None
    header_lines: list[int]
    headers: list[str]                        # per column, with its merged group
    columns: dict[str, FactColumn]
    unused_headers: list[tuple[int, str]]     # (column, header) not recognised or a second column of a field
    rows: list[tuple[int, list[object]]]      # data rows after the header (trailing empty ones removed)
    pre_header: list[tuple[int, list[object]]]  # non-empty rows above the header (titles)
    percent: set[tuple[int, int]]
    merged: int = 0


@dataclass
class Workbook:
    format: str                               # "xlsx" | "csv"
    facts: FactsSheet | None
    communes: Table | None                    # the commune list, for the perimeter import
    other_sheets: list[tuple[str, int]] = field(default_factory=list)   # (sheet not read, non-empty rows)
    sheets: dict[str | None, Sheet] = field(default_factory=dict)
    encoding: str | None = None


def _load_csv(data: bytes, limits: ImportLimits) -> tuple[list[Sheet], str]:
    decoded = decode(data)
    text = decoded.text
    if not text.strip():
        raise ImportFileError("Fichier vide : aucune ligne à importer.")
    if text.count("\n") + 1 > limits.max_rows:
        raise ImportFileError(too_many("lignes", limits.max_rows))
    delim = sniff_delimiter(text)  # the rule of the document text (table_text.py): same cells cited
    return [Sheet(None, _csv_records(text, delim, max_cells=limits.max_cells))], decoded.label


def _combined(group: list[str], sub: list[str]) -> list[str]:
    """Per column: the group label (row above, merged cells filled) and the sub-header, once each."""
    out = []
    for i in range(max(len(group), len(sub))):
        g = group[i] if i < len(group) else ""
        s = sub[i] if i < len(sub) else ""
        out.append(s if not g or g == s else g if not s else f"{g} {s}")
    return out


def _sub_header(texts: list[str]) -> bool:
    """A row of sub-headers, not of data: at most a third of its cells hold a digit."""
    cells = [t for t in texts if t]
    return bool(cells) and sum(any(ch.isdigit() for ch in t) for t in cells) * 3 <= len(cells)


def _facts_header(records) -> tuple[int, int, list[str]] | None:
    """(index of the first header row, of the last, headers) of a facts table, or None. A header row
    followed by a row of sub-headers (under merged group cells) is read as one two-row header."""
    non_empty = [(idx, [clean_cell(c) for c in cells]) for idx, (_, cells) in enumerate(records)
                 if not _is_empty(cells)][:_HEADER_SEARCH]
    for k, (idx, texts) in enumerate(non_empty):
        if not is_facts_header(texts):
            continue
        if k + 1 < len(non_empty) and _sub_header(non_empty[k + 1][1]):
            nxt_idx, nxt = non_empty[k + 1]
            two = _combined(texts, nxt)
            if is_facts_header(two) and len(detect_fact_columns(two)[0]) > len(detect_fact_columns(texts)[0]):
                return idx, nxt_idx, two
        return idx, idx, texts
    return None


def _commune_table(sheet: Sheet, fmt: str) -> Table | None:
    from .table import _find_header  # noqa: PLC0415
    idx, headers, chosen, notes = _find_header(sheet.records)
    if idx is None or _missing_fields(chosen):
        return None
    rows, trailing = _strip_trailing_empty(sheet.records[idx + 1:])
    pre = [(ln, c) for ln, c in sheet.records[:idx] if not _is_empty(c)]
    return Table(fmt, sheet.records[idx][0], headers, rows, chosen, sheet=sheet.title, pre_header=pre,
                 notes=list(notes or []), trailing_empty=trailing)


def _facts_sheet(sheet: Sheet) -> FactsSheet | None:
    found = _facts_header(sheet.records)
    if found is None:
        return None
    first, last, headers = found
    columns, unused = detect_fact_columns(headers)
    rows, _ = _strip_trailing_empty(sheet.records[last + 1:])
    pre = [(ln, c) for ln, c in sheet.records[:first] if not _is_empty(c)]
    lines = [sheet.records[i][0] for i in range(first, last + 1) if not _is_empty(sheet.records[i][1])]
    return FactsSheet(sheet.title, lines, headers, columns, unused, rows, pre, sheet.percent, sheet.merged)


def _check_size(data: bytes, limits: ImportLimits) -> None:
    if not data:
        raise ImportFileError("Fichier vide : aucune ligne à importer.")
    if len(data) > limits.max_bytes:
        raise ImportFileError(f"Le fichier pèse {mega(len(data))} ; la limite est {mega(limits.max_bytes)}.")


def read_workbook(data: bytes, name: str = "", limits: ImportLimits | None = None) -> Workbook:
    """Every sheet of the file, the facts sheet and the commune list found by their columns.
    Raises ImportFileError (French) when the file is unusable or holds no facts table."""
    limits = limits or _limits.LIMITS
    _check_size(data, limits)
    encoding = None
    if data.startswith(b"PK\x03\x04"):
        fmt, sheets = "xlsx", load_sheets(data, limits, "le tableau", formats=True)
    else:
        fmt = "csv"
        sheets, encoding = _load_csv(data, limits)
    book = Workbook(fmt, None, None, sheets={s.title: s for s in sheets}, encoding=encoding)
    for sheet in sheets:
        if book.facts is None and (facts := _facts_sheet(sheet)) is not None:
            book.facts = facts
            continue
        if book.communes is None and (table := _commune_table(sheet, fmt)) is not None:
            book.communes = table
            continue
        n = sum(1 for _, c in sheet.records if not _is_empty(c))
        if n:
            book.other_sheets.append((sheet.title or "", n))
    if book.facts is None:
        raise ImportFileError("Aucun tableau de suivi des CPTS : il faut une colonne de CPTS et au moins deux "
                              "colonnes de faits (population, dates des étapes, financement, missions…).")
    return book


def looks_like_facts(data: bytes, name: str = "") -> bool:
    """Cheap test (first rows of each sheet only): is this file a tracking table rather than a commune
    list or a GeoJSON? Used by ``python -m geo import`` and the Importer page to pick the import."""
    try:
        if data.startswith(b"PK\x03\x04"):
            sheets = load_sheets(data, _limits.LIMITS, "le tableau", max_rows=_HEADER_SEARCH * 2)
        elif data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")) or data.startswith((b"%PDF", b"\xd0\xcf")):
            return False
        else:
            text = decode(data[:200_000]).text
            sheets = [Sheet(None, _csv_records(text, sniff_delimiter(text), limit=_HEADER_SEARCH * 2))]
    except (ImportFileError, Exception):  # noqa: BLE001 - the perimeter import will say what is wrong
        return False
    for s in sheets:
        if _facts_header(s.records) is not None:
            return True
    return False
