"""The registry as a listing (one row per CPTS × commune, in the import layout) and the CSV/XLSX bytes
of any table: the importer reads this listing back (export → import leaves the registry unchanged).

Pure Python (openpyxl); every cell goes through :func:`geo.exports.cells.neutralize` (no formula)."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from geo.exports.cells import neutralize  # the one formula-neutralisation rule
from geo.importing import LAYOUT

from .models import STEPS

__all__ = ["neutralize", "to_csv_bytes", "to_xlsx_bytes", "export_rows", "export_bytes"]


def to_csv_bytes(header: Iterable[object], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 with BOM, « ; » separated (what Excel in French opens directly), every cell neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow([neutralize(h) for h in header])
    for row in rows:
        w.writerow([neutralize(c) for c in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx_bytes(header: Iterable[object], rows: Iterable[Iterable[object]], title: str = "CPTS") -> bytes:
    """One sheet, every cell a neutralised *string* (INSEE codes keep their leading zero, nothing is
    ever a formula)."""
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: PLC0415

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    for r, row in enumerate([list(header), *map(list, rows)], start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", neutralize(value))
            cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_rows(registry, territories, names: dict[str, str]) -> list[list[str]]:
    """The registry as a listing in LAYOUT: the names as recorded with their resolved code, then the
    communes the perimeter adds (EPCI members; official names from ``names`` = {code: nom}), one row
    with an empty commune for a CPTS without known perimeter."""
    by_id = {t.id: t for t in territories}
    labels = {s.key: s.label for s in STEPS}
    out: list[list[str]] = []
    for c in registry.cpts:
        t = by_id.get(c.id)
        statut = labels.get(c.statut.etape, "") if c.statut.etape else ""
        date = next((j.date for j in c.statut.jalons if j.etape == "aci_signe" and j.date), "") or ""
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        if t is not None:
            for name, r in zip(c.perimetre.all_communes, t.resolutions):
                if r.ok and r.code in seen:
                    continue  # two names of the list are one commune today
                rows.append((name, r.code if r.ok else ""))
                if r.ok:
                    seen.add(r.code)
            rows += [(names.get(code, code), code) for code in t.codes if code not in seen]
        if not rows:
            rows.append(("", ""))
        for name, code in rows:
            dep = (code[:3] if code.startswith("97") else code[:2]) if code else ""
            out.append([c.id, c.nom, name, code, dep, statut, date])
    return out


def export_bytes(registry, territories, names: dict[str, str], fmt: str) -> bytes:
    """Registry listing as CSV (« ; », UTF-8 with BOM) or XLSX bytes."""
    rows = export_rows(registry, territories, names)
    return to_xlsx_bytes(LAYOUT, rows) if fmt == "xlsx" else to_csv_bytes(LAYOUT, rows)
