"""XLSX workbooks (openpyxl): cached values never evaluated, merged cells filled on small sheets,
sizes counted before openpyxl opens anything (scan.py). :func:`load_sheets` is the one row loop of
every XLSX import (the commune list here, the tracking table in facts_reader.py).
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from .columns import detect_columns, _missing_fields, _missing_message
from .errors import ImportFileError
from .limits import ImportLimits
from .scan import scan_xlsx
from .table import _find_header, _strip_trailing_empty, Table
from .values import _is_empty


MAX_XLSX_UNCOMPRESSED = 400_000_000


_XLSX_FULL_MODE_LIMIT = 5_000_000


_XLSX_FULL_MODE_CELLS = 200_000


@dataclass
class Sheet:
    """One sheet as read: every row with its line number, merged cells filled."""

    title: str | None                       # None for a CSV file
    records: list[tuple[int, list[object]]]  # (line, cells), every line
    percent: set[tuple[int, int]] = field(default_factory=set)   # (line, column) formatted as a percentage
    merged: int = 0                          # cells filled from a merged range


def load_sheets(data: bytes, limits: ImportLimits, what: str, max_rows: int | None = None,
                formats: bool = False) -> list[Sheet]:
    """Every sheet of the workbook ``data`` — the one XLSX row loop of the commune list and of the
    tracking table (facts_reader.py). Sizes counted before openpyxl opens anything; cached values,
    formulas never evaluated; small sheets in openpyxl's full mode (merged cells filled from their
    top-left cell); ``max_rows``: a first look, streamed read-only; ``formats``: remember the cells
    formatted as a percentage (slower: cell objects). ``what`` names the file in the messages
    (« la liste », « le tableau »). Raises ImportFileError (French)."""
    import openpyxl  # noqa: PLC0415 - heavy, only for XLSX
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "xl/workbook.xml" not in z.namelist():
                raise ImportFileError(f"Archive ZIP qui n'est pas un classeur XLSX : enregistrez {what} en XLSX ou "
                                      "en CSV.")
            if sum(i.file_size for i in z.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise ImportFileError(f"Classeur XLSX trop volumineux une fois décompressé : exportez {what} en CSV.")
            counts = scan_xlsx(z, limits)
    except zipfile.BadZipFile:
        raise ImportFileError("Classeur XLSX endommagé (archive ZIP illisible).") from None
    # openpyxl's full mode keeps an object per cell: only for small sheets (merged cells known)
    full = (max_rows is None and len(data) < _XLSX_FULL_MODE_LIMIT
            and counts.cells + counts.rows <= _XLSX_FULL_MODE_CELLS)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=not full, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many types on broken files
        raise ImportFileError(f"Classeur XLSX illisible ({type(e).__name__}).") from None
    out = []
    try:
        for ws in wb.worksheets:
            if not full:
                ws.reset_dimensions()
            sheet = Sheet(ws.title, [])
            rows = ws.iter_rows(min_row=1, max_row=max_rows, values_only=not formats)
            for i, row in enumerate(rows, start=1):
                if not formats:
                    sheet.records.append((i, list(row)))
                    continue
                cells = []
                for j, c in enumerate(row):
                    v = getattr(c, "value", None)
                    cells.append(v)
                    if isinstance(v, (int, float)) and "%" in (getattr(c, "number_format", "") or ""):
                        sheet.percent.add((i, j))
                sheet.records.append((i, cells))
            if full:
                sheet.merged = _fill_merged(ws, sheet.records)
            out.append(sheet)
    finally:
        wb.close()
    return out


def _fill_merged(ws, records) -> int:
    """Fill every cell of a merged range with its top-left cell's value; returns how many were filled."""
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
    return filled


def _read_xlsx(data: bytes, name: str, limits: ImportLimits) -> Table:
    """The commune list of a workbook: the first sheet with a CPTS and a commune header; what the
    other sheets hold is said (issue 11.6)."""
    sheets = load_sheets(data, limits, "la liste")
    first_failure = None
    table: Table | None = None
    others: list[tuple[str, str, bool]] = []   # (sheet, message, blocking) for the sheets not read
    for sheet in sheets:
        records = sheet.records
        notes = [f"{sheet.merged} cellule(s) fusionnée(s) remplie(s) avec la valeur de leur première cellule."] \
            if sheet.merged else []
        idx, headers, chosen, hnotes = _find_header(records)
        if table is not None:
            others.append(_other_sheet(sheet.title, records, idx))
            continue
        if idx is None:
            if first_failure is None and headers:
                first_failure = (sheet.title, headers)
            if any(not _is_empty(c) for _, c in records):
                others.append((sheet.title, f"Feuille « {sheet.title} » non lue : aucune ligne d'en-tête avec la "
                               "CPTS et la commune.", False))
            continue
        rows, trailing = _strip_trailing_empty(records[idx + 1:])
        pre = [(ln, c) for ln, c in records[:idx] if not _is_empty(c)]
        if len(sheets) > 1:
            notes.append(f"Feuille lue : « {sheet.title} » (le classeur en compte {len(sheets)}).")
        table = Table("xlsx", records[idx][0], headers, rows, chosen, sheet=sheet.title, pre_header=pre,
                      notes=notes + hnotes, trailing_empty=trailing)
    if table is not None:
        table.sheets = [x for x in others if x[1]]
        return table
    if first_failure is None:
        raise ImportFileError("Classeur vide : aucune ligne à importer.")
    title, (line, headers) = first_failure
    chosen, _ = detect_columns(headers)
    raise ImportFileError(_missing_message(_missing_fields(chosen) or ["cpts", "commune"], headers,
                                           f"feuille « {title} », ligne {line}"))


def _other_sheet(title: str, records, idx: int | None) -> tuple[str, str, bool]:
    """What to say of a sheet after the one read (issue 11.6: its rows were lost behind a note)."""
    if idx is not None:
        n = sum(1 for _, c in records[idx + 1:] if not _is_empty(c))
        if n:
            return (title, f"La feuille « {title} » contient aussi une liste ({n} ligne(s) sous l'en-tête ligne "
                           f"{records[idx][0]}) : elle n'est pas lue. Réunissez les listes sur une seule feuille, "
                           "ou importez chaque feuille séparément.", True)
        return title, "", False
    n = sum(1 for _, c in records if not _is_empty(c))
    if n:
        return title, f"Feuille « {title} » non lue ({n} ligne(s) non vide(s), sans en-tête CPTS et commune).", False
    return title, "", False
