"""Frames as spreadsheet files: CSV for Excel FR and XLSX (openpyxl).

- CSV: UTF-8 with BOM, ``;`` separator, decimal comma, CRLF — what Excel FR opens as is;
- XLSX: one sheet per frame + an « À propos » sheet; bold frozen header with an auto filter;
  numbers kept as numbers (French number formats), dates as real dates (« 29/09/2022 »; a
  month-precision date as « 09/2023 », a year as a number); an optional note line above the
  header (the « registre partiel » line), so that no view of the sheet passes for complete.

Every text cell goes through :func:`geo.exports.cells.neutralize` (never a live formula)."""
from __future__ import annotations

import csv
import datetime as _dt
import io
import re

import pandas as pd

from .cells import neutralize
from .frames import DATE_COLUMNS, DECIMALS

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
DATE_FORMATS = {"day": "dd/mm/yyyy", "month": "mm/yyyy", "year": "0"}


def _is_missing(v) -> bool:
    if v is None or v is pd.NA:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- CSV


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


# --------------------------------------------------------------------------- XLSX


def xlsx_date(value) -> tuple[object, str | None]:
    """An ISO date of the registry as (cell value, number format): a real date for a day or a month
    (first day, shown « mm/yyyy »), an integer for a year; other text stays text."""
    if _is_missing(value):
        return None, None
    if isinstance(value, _dt.date):
        return value, DATE_FORMATS["day"]
    m = _ISO.match(str(value))
    if not m:
        return value, None
    year, month, day = m.groups()
    try:
        if day:
            return _dt.date(int(year), int(month), int(day)), DATE_FORMATS["day"]
        if month:
            return _dt.date(int(year), int(month), 1), DATE_FORMATS["month"]
    except ValueError:
        return value, None
    return int(year), DATE_FORMATS["year"]


def _xlsx_value(v):
    if _is_missing(v):
        return None
    if isinstance(v, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        return ILLEGAL_CHARACTERS_RE.sub("", neutralize(v))
    if hasattr(v, "item"):   # numpy / pandas scalars -> Python
        v = v.item()
    return v


def _number_format(col: str, dtype) -> str | None:
    d = DECIMALS.get(col)
    if d is not None:
        return "#,##0." + "0" * d if d else "#,##0"
    if pd.api.types.is_integer_dtype(dtype) and not any(w in col for w in ("Millésime", "Année", "Taille")):
        return "#,##0"
    return None


def frames_to_xlsx(sheets: dict[str, pd.DataFrame], about: list[tuple[str, str]] | None = None,
                   created: _dt.datetime | None = None, note: str | None = None) -> bytes:
    """One sheet per frame (``note`` above a bold, frozen header with an auto filter), an « À propos »
    sheet; numbers as numbers, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name, df in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        if note:
            ws.append([neutralize(note)])
            ws.cell(1, 1).font = Font(bold=True, color="A50F15")
        header_row = ws.max_row + 1 if note else 1
        ws.append([neutralize(str(c)) for c in df.columns])
        for cell in ws[header_row]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        dates = [j for j, c in enumerate(df.columns) if c in DATE_COLUMNS]
        for row in df.itertuples(index=False, name=None):
            values = [_xlsx_value(v) for v in row]
            formats = {}
            for j in dates:
                values[j], formats[j] = xlsx_date(row[j])
            ws.append(values)
            for j, fmt in formats.items():
                if fmt:
                    ws.cell(ws.max_row, j + 1).number_format = fmt
        for j, col in enumerate(df.columns, start=1):
            letter = get_column_letter(j)
            fmt = _number_format(col, df[col].dtype)
            if fmt is not None:
                for cell in ws[letter][header_row:]:
                    cell.number_format = fmt
            longest = max([len(str(col))] + [len(str(v)) for v in df[col].tolist()[:500] if not _is_missing(v)])
            ws.column_dimensions[letter].width = min(60, max(10, longest + 2))
        ws.freeze_panes = f"A{header_row + 1}"
        if len(df.columns):
            ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(df.columns))}{header_row + len(df)}"
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


__all__ = ["frame_to_csv", "frames_to_xlsx", "xlsx_date"]
