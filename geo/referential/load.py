"""Reading the committed referential (``data/communes.parquet``)."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from ..paths import COMMUNES_PARQUET


def load_communes(path: Path = COMMUNES_PARQUET) -> gpd.GeoDataFrame:
    """The committed referential. Raises a French error if it has not been built."""
    if not path.exists():
        raise FileNotFoundError(f"Référentiel absent : {path}. Lancez « python -m geo build-data ».")
    gdf = gpd.read_parquet(path)
    for col in ("codes_postaux", "anciens_codes", "anciens_noms"):
        gdf[col] = gdf[col].map(lambda v: [str(x) for x in v] if v is not None else [])
    return gdf
