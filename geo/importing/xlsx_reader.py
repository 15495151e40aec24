"""XLSX listings (openpyxl): cached values never evaluated, merged cells filled on small sheets,
sizes counted before openpyxl opens anything (scan.py).
"""
from __future__ import annotations

import io
import zipfile

from .columns import detect_columns, _missing_fields, _missing_message
from .errors import ImportFileError
from .limits import ImportLimits
from .scan import scan_xlsx
from .table import _find_header, _strip_trailing_empty, Table
from .values import _is_empty


MAX_XLSX_UNCOMPRESSED = 400_000_000


_XLSX_FULL_MODE_LIMIT = 5_000_000


_XLSX_FULL_MODE_CELLS = 200_000


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
    table: Table | None = None
    others: list[tuple[str, str, bool]] = []   # (sheet, message, blocking) for the sheets not read
    try:
        for ws in wb.worksheets:
            records, notes = _sheet_records(ws, full)
            idx, headers, chosen, hnotes = _find_header(records)
            if table is not None:
                others.append(_other_sheet(ws.title, records, idx))
                continue
            if idx is None:
                if first_failure is None and headers:
                    first_failure = (ws.title, headers)
                if any(not _is_empty(c) for _, c in records):
                    others.append((ws.title, f"Feuille « {ws.title} » non lue : aucune ligne d'en-tête avec la CPTS et "
                                   "la commune.", False))
                continue
            rows, trailing = _strip_trailing_empty(records[idx + 1:])
            pre = [(ln, c) for ln, c in records[:idx] if not _is_empty(c)]
            if len(wb.worksheets) > 1:
                notes.append(f"Feuille lue : « {ws.title} » (le classeur en compte {len(wb.worksheets)}).")
            table = Table("xlsx", records[idx][0], headers, rows, chosen, sheet=ws.title, pre_header=pre,
                          notes=notes + hnotes, trailing_empty=trailing)
    finally:
        wb.close()
    if table is not None:
        table.sheets = [x for x in others if x[1]]
        return table
    if first_failure is None:
        raise ImportFileError("Classeur vide : aucune ligne à importer.")
    title, (line, headers) = first_failure
    chosen, _ = detect_columns(headers)
    raise ImportFileError(_missing_message(_missing_fields(chosen) or ["cpts", "commune"], headers,
                                           f"feuille « {title} », ligne {line}"))


def _sheet_records(ws, full: bool) -> tuple[list[tuple[int, list[object]]], list[str]]:
    """Rows of one sheet (row number, cells); merged cells filled from their top-left cell (full mode)."""
    if not full:
        ws.reset_dimensions()
    records = [(i, list(row)) for i, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)]
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
    return records, notes


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
