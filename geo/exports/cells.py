"""Spreadsheet-safe cell text: the one formula-neutralisation rule of every table we write.

A text cell that a spreadsheet (Excel, LibreOffice, Google Sheets) would read as a formula gets a
leading apostrophe, which spreadsheets show as text (OWASP « CSV injection »). A cell is dangerous
when it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or with their fullwidth
forms ``＝ ＋ － ＠`` (Excel in East-Asian locales, and some converters, fold them to ASCII).

Used by every CSV/XLSX writer (geo/exports, the registry listing of geo/registry/export.py) and by
the app's tables (Streamlit's own « Download as CSV »); the importer removes the apostrophe again
with :func:`unneutralize`, so export → import gives back the cell as written.

Hand-written on purpose: no maintained library does just this; it is a few lines, and the
importer must undo exactly the same rule.
"""
from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralize(value: object) -> str:
    """Cell text safe for a spreadsheet: ``'`` before a leading = + - @ tab CR (or ＝ ＋ － ＠).
    None -> ''; any other value is turned into text first (use it on text cells: numbers must
    stay numbers, so writers call it only on strings)."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(FORMULA_PREFIXES) else s


def unneutralize(text: str) -> str:
    """The cell as written before :func:`neutralize` (the importer reads our exports back)."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


__all__ = ["FORMULA_PREFIXES", "neutralize", "unneutralize"]
