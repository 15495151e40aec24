"""The text of a tabular source document (an imported tracking table, CSV or XLSX): one line per
non-empty cell, « Feuille « Suivi », ligne 7, colonne F : 81 205 hab. ».

A fact imported from a table cites its cell with exactly that line (:func:`cell_citation`), so the
citation check (citations.py) and « voir la source » (documents.py) work on tables as on the
press releases: the cited passage is a verbatim part of the document's text. The cell text is the
one shown by a spreadsheet for text cells; numbers are written without grouping (81205), dates as
ISO (2022-09-29), formulas by their cached value (never evaluated). Hand-written: the line format
is this registry's own citation convention.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

TABULAR_SUFFIXES = (".xlsx", ".csv")
_MAX_CELL = 1_000


def is_tabular(name: str | None) -> bool:
    return bool(name) and Path(name).suffix.lower() in TABULAR_SUFFIXES


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA" (spreadsheet column names, also used for CSV columns)."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def cell_display(value: object) -> str:
    """A cell's text as cited: whitespace collapsed, numbers without grouping, dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        text = repr(value)
        if value.is_integer() and abs(value) < 1e15:
            text = str(int(value))
    else:
        text = str(value)
    return " ".join(text.replace("\x00", "").split())[:_MAX_CELL]


def cell_place(sheet: str | None, line: int, column: int) -> str:
    """« Feuille « Suivi », ligne 7, colonne F » (no sheet for a CSV file: « Ligne 7, colonne F »)."""
    if sheet:
        return f"Feuille « {sheet} », ligne {line}, colonne {column_letter(column)}"
    return f"Ligne {line}, colonne {column_letter(column)}"


def cell_citation(sheet: str | None, line: int, column: int, value: object) -> str:
    """The citation of one cell: its place and its text, as the document text writes it."""
    return f"{cell_place(sheet, line, column)} : {cell_display(value)}"


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            pass
    return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """The separator (« ; », « , », tab or « | ») that splits the first 30 non-empty lines into the most
    cells: a title line above the table (« Suivi des CPTS, ARS Bretagne ») does not decide alone. The
    tracking-table import uses the same rule, so a cited cell is the same cell here."""
    lines = [ln for ln in text[:50_000].splitlines() if ln.strip()][:30]
    sample = "\n".join(lines)

    def cells(d: str) -> int:
        return sum(len(r) for r in csv.reader(io.StringIO(sample), delimiter=d, strict=False))
    return max(";,\t|", key=cells)


def csv_lines(data: bytes) -> list[tuple[int, list[str]]]:
    """(line number of the record's first line, cells) of a CSV document (separator: sniff_delimiter)."""
    text = _decode(data)
    delim = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=False)
    out, prev = [], 0
    for rec in reader:
        out.append((prev + 1, rec))
        prev = reader.line_num
    return out


def sheets_of(data: bytes) -> list[tuple[str | None, list[tuple[int, list[object]]]]]:
    """[(sheet title or None for CSV, [(line, cells)])] of a tabular document (XLSX by its signature)."""
    if data.startswith(b"PK\x03\x04"):
        import openpyxl  # noqa: PLC0415 - heavy, only for XLSX
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            out = []
            for ws in wb.worksheets:
                ws.reset_dimensions()
                out.append((ws.title, [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]))
            return out
        finally:
            wb.close()
    return [(None, csv_lines(data))]


def table_text(data: bytes) -> str:
    """The document text of a table: one line per non-empty cell (see the module doc)."""
    lines = []
    for sheet, rows in sheets_of(data):
        for line, cells in rows:
            for col, value in enumerate(cells):
                shown = cell_display(value)
                if shown:
                    lines.append(f"{cell_place(sheet, line, col)} : {shown}")
    return "\n".join(lines) + ("\n" if lines else "")


def read_table_text(path: Path) -> str:
    """table_text of a file; OSError when unreadable, ValueError when it is not a readable table."""
    data = Path(path).read_bytes()
    try:
        return table_text(data)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many types on a broken workbook
        raise ValueError(f"tableau illisible ({type(e).__name__})") from None


__all__ = ["TABULAR_SUFFIXES", "is_tabular", "column_letter", "cell_display", "cell_place", "cell_citation",
           "sniff_delimiter", "csv_lines", "sheets_of", "table_text", "read_table_text"]
