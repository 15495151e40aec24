"""Helpers shared by the import tests (test_importing, test_registry_store, test_import_cli,
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
