"""Helpers shared by the import tests (test_importing, registry/test_store, cli/test_import_cli,
test_importer_page): every test works on a COPY of data/registry in tmp_path, never on the real one."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import shapely

from geo.paths import REGISTRY_DIR


def registry_copy(tmp_path: Path) -> Path:
    """A private copy of the committed registry (without lock or staging leftovers)."""
    dest = tmp_path / "registry"
    shutil.copytree(REGISTRY_DIR, dest, ignore=lambda d, names: [n for n in names if n == ".lock" or n.startswith(".staging-")])
    return dest


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (lock file excluded), as bytes: for byte-identical comparisons."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(Path(root).rglob("*"))
            if p.is_file() and p.name != ".lock"}


def real_registry_snapshot() -> dict[str, bytes]:
    return snapshot(REGISTRY_DIR)


def csv_bytes(rows: list[list[str]], sep: str = ";", encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    text = newline.join(sep.join(r) for r in rows) + newline
    return text.encode(encoding)


def xlsx_bytes(rows: list[list[object]], title: str = "Liste", before: list[list[object]] | None = None,
               merges: list[str] = ()) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in (before or []):
        ws.append(r)
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def geojson_bytes(features: list[tuple[dict, object]], crs: str | None = None) -> bytes:
    """features: (properties, shapely geometry or None)."""
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": None if g is None else json.loads(shapely.to_geojson(g))} for props, g in features]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc).encode("utf-8")


def union_of(communes, codes) -> shapely.Geometry:
    sub = communes[communes["code"].isin(list(codes))]
    return shapely.coverage_union_all(sub.geometry.values)


def raw_xlsx_bytes(n_rows: int, sheets: int = 1) -> bytes:
    """A minimal XLSX written by hand (zip of the five XML parts), ``n_rows`` rows of one number
    per sheet: a million rows compress to a few hundred kB, like the hostile files of issue 12.5."""
    import zipfile
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    for i in range(1, sheets + 1)) + '</Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
          + "".join(f'<sheet name="F{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, sheets + 1)) + '</sheets></workbook>')
    wbrels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                        for i in range(1, sheets + 1)) + '</Relationships>')
    body = "<row><c><v>1</v></c></row>" * n_rows  # no r= attribute: optional, and compresses to nothing
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="A1:A{n_rows}"/><sheetData>{body}</sheetData></worksheet>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", wbrels)
        for i in range(1, sheets + 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", sheet)
    return buf.getvalue()


def burn_cpu() -> None:
    """Runs until killed (the sandbox tests' CPU limit)."""
    x = 0
    while True:
        x += 1


def allocate(megabytes: int) -> int:
    """Allocates and touches ``megabytes`` Mo (the sandbox tests' memory limit)."""
    block = bytearray(megabytes * 1_000_000)
    return len(block)
